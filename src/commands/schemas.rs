//! `samla schemas`: lists the set in use (the default) and/or writes it out.

use std::path::Path;

use samla_noark5::schemas::SchemaDir;

use super::{ExitStatus, Outcome};

pub fn run(list: bool, export: Option<&Path>, schemas: Option<&Path>) -> Outcome {
    use sha2::Digest;
    let set = SchemaDir::locate(schemas);
    let files = set.files();
    if list || export.is_none() {
        println!("Schemas in use: {} ({} files)", set.describe(), files.len());
        let mut variants = 0;
        for (path, file) in &files {
            let digest = samla_noark5::hex(&sha2::Sha256::digest(file.read()?));
            let official = samla_noark5::schemas::identify(&digest).is_some();
            variants += usize::from(!official);
            println!("  {path:<34} {digest}  {}", if official { "official" } else { "NOT the official file" });
        }
        if variants > 0 {
            println!("{variants} file(s) differ from Arkivverket's published schemas");
            return Ok(ExitStatus::Findings);
        }
    }
    if let Some(dir) = export {
        let written = set.export(dir)?;
        println!("wrote {} schema files into {}", written.len(), dir.display());
    }
    Ok(ExitStatus::Clean)
}
