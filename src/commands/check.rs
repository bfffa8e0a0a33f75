//! `samla check`: Arkade's controls and samla's own, a report for every input.

use samla_noark5::schemas::SchemaDir;

use super::{ExitStatus, Outcome, bar};
use crate::args::CheckArgs;

pub fn run(args: &CheckArgs, quiet: bool) -> Outcome {
    use samla_check::findings::Lang;
    let lang = Lang::from(args.lang);
    let selection = match &args.controls {
        Some(file) => {
            let text =
                std::fs::read_to_string(file).map_err(|e| samla_noark5::Error::io(file.display().to_string(), e))?;
            let set = samla_check::controls::parse_selection(&text).map_err(|why| {
                samla_noark5::Error::new(samla_noark5::ErrorKind::Content, file.display().to_string(), why)
                    .with_hint("list control IDs such as N5.01 or S.03, one per line; see `samla check --help`")
            })?;
            Some(set)
        }
        None => None,
    };
    let options = samla_check::Options {
        profile: args.profile.into(),
        schemas: Some(SchemaDir::locate(args.schemas.as_deref())),
        selection,
        max_locations: args.max_findings,
        ..Default::default()
    };
    use samla_legacy::kind::Input;
    let report = match samla_legacy::kind::open(&args.path)? {
        Input::Noark5(extract) => {
            let total = extract.size("arkivstruktur.xml").unwrap_or(0);
            let bar = bar(
                quiet,
                total,
                "checking arkivstruktur.xml [{bar:30}] {bytes}/{total_bytes}, {bytes_per_sec}, eta {eta} {msg}",
            );
            let report = samla_check::check(&extract, &options, &mut |p| match p {
                samla_check::Progress::Reading { done, .. } => bar.set_position(done),
                samla_check::Progress::Documents { checked, bytes } => {
                    bar.set_message(format!("· {checked} documents, {} MB hashed", bytes / 1_000_000))
                }
            })?;
            bar.finish_and_clear();
            report
        }
        Input::Noark4(extract) => samla_check::noark4::check_noark4(&extract, &options)?,
        // An ADDML flat-file extract gets the ADDML processes it names.
        Input::Addml { package, addml } => samla_check::flat::check_flat(&package, &addml, &options)?,
    };
    if let Some(path) = &args.report_json {
        let json = serde_json::to_vec_pretty(&report).expect("the report serialises");
        samla_noark5::atomic::write_bytes(path, &json)?;
    }
    if let Some(path) = &args.report_html {
        samla_noark5::atomic::write_bytes(path, samla_check::html::render(&report, lang).as_bytes())?;
    }
    if !quiet {
        print_summary(&report, lang);
    }
    Ok(ExitStatus::from_code(report.exit_code()))
}

/// What a person reads of a check: the extract, every finding group with its first places,
/// and the verdict.
pub(crate) fn print_summary(report: &samla_check::Report, lang: samla_check::findings::Lang) {
    use samla_check::findings::Severity;
    let s = &report.summary;
    println!("{}", s.extract);
    if s.version.as_deref().is_some_and(|v| v.starts_with("ADDML")) {
        println!("  {} · {} records · {} files", s.version.as_deref().unwrap_or(""), s.registreringer, s.files);
    } else if s.version.as_deref() == Some("Noark 4") {
        println!(
            "  Noark 4 · {} saker, {} journalposter, {} dokumentversjoner · {} files",
            s.mapper, s.registreringer, s.dokumentobjekter, s.files
        );
        println!("  `samla convert` makes it a Noark 5 extract, which Arkade's controls can then check");
    } else {
        println!(
            "  Noark 5 {} · {} · {} mapper, {} registreringer, {} dokumentobjekter · {} files",
            s.version.as_deref().unwrap_or("?"),
            if s.creators.is_empty() { "-".to_string() } else { s.creators.join(", ") },
            s.mapper,
            s.registreringer,
            s.dokumentobjekter,
            s.files
        );
    }
    for c in &report.controls {
        for g in c.findings.iter().filter(|g| g.severity != Severity::Info) {
            let sev = match g.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "info",
            };
            println!("  {} {sev}: {} ({}×)", c.id, g.message.get(lang), g.count);
            for at in g.locations.iter().take(3) {
                let mut line = format!("      {}", at.file);
                if let (Some(l), Some(col)) = (at.line, at.column) {
                    line.push_str(&format!(":{l}:{col}"));
                }
                if let Some(id) = &at.system_id {
                    line.push_str(&format!(" systemID {id}"));
                }
                if let Some(d) = &at.detail {
                    line.push_str(&format!(" — {d}"));
                }
                println!("{line}");
            }
        }
    }
    let verdict = if report.summary.errors > 0 { "FAILED" } else { "passed" };
    println!(
        "{verdict}: {} errors, {} warnings in {} controls ({:.1} s, {} profile)",
        s.errors,
        s.warnings,
        s.controls_run,
        s.seconds,
        s.profile.as_str()
    );
}
