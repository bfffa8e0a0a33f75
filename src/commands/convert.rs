//! `samla convert`: a Noark 4 extract made Noark 5.

use std::time::Instant;

use samla_noark5::schemas::SchemaDir;

use super::{ExitStatus, Outcome};
use crate::args::ConvertArgs;

pub fn run(args: ConvertArgs, quiet: bool) -> Outcome {
    let ConvertArgs { source, out, name, schemas, max_findings } = args;
    let (source, out) = (source.as_path(), out.as_path());
    use samla_legacy::noark4::{Noark4, Severity, convert};
    let started = Instant::now();
    let extract = Noark4::open(source)?;
    let name = name.unwrap_or_else(|| source.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    let options = convert::ConvertOptions { source: name, schemas: Some(SchemaDir::locate(schemas.as_deref())) };
    let done = convert::convert(&extract, out, &options)?;
    let errors = done.findings.iter().filter(|f| f.severity == Severity::Error).count();
    if !quiet {
        println!("Converted {} into {} in {:.1} s:", source.display(), out.display(), started.elapsed().as_secs_f64());
        for (entity, c) in &done.counts {
            println!("  {entity:<22} read {:>8}  written {:>8}  rejected {:>6}", c.read, c.written, c.rejected);
        }
        println!("  {} findings, {errors} errors", done.findings.len());
        for f in done.findings.iter().take(max_findings) {
            println!("  {f}");
        }
        if done.findings.len() > max_findings {
            println!("  … and {} more", done.findings.len() - max_findings);
        }
    }
    Ok(ExitStatus::findings_if(errors > 0))
}
