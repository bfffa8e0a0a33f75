//! `samla inspect`: every XML file of an extract read completely, and what it holds.

use std::path::Path;

use samla_noark5::Extract;

use super::{ExitStatus, Outcome, bar};

/// Inspects an ADDML flat-file extract (fagsystem, Noark 3): records per flat file.
fn inspect_flat(path: &Path, package: &Extract, addml: &str, quiet: bool) -> Outcome {
    let description = samla_legacy::flat::Description::read(package.open_file(addml)?, &package.display(addml))?;
    if !quiet {
        println!("{}", path.display());
        println!("  ADDML flat-file extract: {}", description.dataset.as_deref().unwrap_or("(no name)"));
    }
    for file in &description.files {
        // The data files sit beside addml.xml's folder, usually in content/.
        let Some(name) = samla_legacy::flat::data_path(package, file) else {
            eprintln!("warning: {}: the flat file {} is missing from {}", file.name, file.file_name, path.display());
            continue;
        };
        let mut records = samla_legacy::flat::Records::new(file, package.open_file(&name)?, package.display(&name))?;
        let mut counts = vec![0u64; file.records.len().max(1)];
        while let Some(r) = records.next_record()? {
            counts[r.definition] += 1;
        }
        if !quiet {
            for (def, n) in file.records.iter().zip(&counts) {
                println!("  {:<32} {:<24} {n:>10} records", format!("{} ({})", file.name, file.file_name), def.name);
            }
        }
    }
    Ok(ExitStatus::Clean)
}

pub fn run(path: &Path, quiet: bool) -> Outcome {
    use samla_legacy::kind::Input;
    let extract = match samla_legacy::kind::open(path)? {
        Input::Noark5(extract) => extract,
        Input::Addml { package, addml } => return inspect_flat(path, &package, &addml, quiet),
        Input::Noark4(n4) => {
            // Every row of every table read, counted per table file.
            let report = samla_legacy::noark4::check::check(&n4);
            if !quiet {
                println!("{}\n  Noark 4 extract (`samla convert` makes it Noark 5)", path.display());
                for f in &report.files {
                    let stated = f.stated.map_or_else(|| "not stated".into(), |n| format!("{n} stated"));
                    println!("  {:<12} {:<16} {:>9} rows ({stated})", f.table, f.file, f.read);
                }
            }
            return Ok(ExitStatus::Clean);
        }
    };
    let size = extract.size("arkivstruktur.xml").unwrap_or(0);
    let bar =
        bar(quiet, size, "reading arkivstruktur.xml [{bar:30}] {bytes}/{total_bytes}, {bytes_per_sec}, eta {eta}");
    let inv = samla_noark5::inventory::take(&extract, &mut |n| bar.set_position(n))?;
    bar.finish_and_clear();
    if quiet {
        return Ok(ExitStatus::Clean);
    }
    println!("{}", path.display());
    if !extract.prefix().is_empty() {
        println!("  extract under {}", extract.prefix());
    }
    println!("  Noark 5 version: {}", inv.version);
    if !inv.creators.is_empty() {
        println!(
            "  arkivskaper: {}",
            samla_noark5::error::shorten(&inv.creators.join(", "), samla_noark5::error::SHOWN)
        );
    }
    println!("  files: {} ({} bytes)", inv.files, inv.bytes);
    println!("  document folder: {}", extract.document_folder().unwrap_or_else(|| "none".into()));
    for (name, n) in &inv.counts {
        println!("  {name:<32} {n:>10}");
    }
    for (label, n) in [
        ("loependeJournal", inv.loepende_journal),
        ("offentligJournal", inv.offentlig_journal),
        ("endringslogg", inv.endringer),
    ] {
        if let Some(n) = n {
            println!("  {label:<32} {n:>10}");
        }
    }
    Ok(ExitStatus::Clean)
}
