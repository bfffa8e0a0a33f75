//! `samla verify`: is a deposit package intact?

use std::path::Path;

use super::{ExitStatus, Outcome, bar};

pub fn run(path: &Path, report_json: Option<&Path>, quiet: bool) -> Outcome {
    let bar = bar(quiet, 0, "verifying [{bar:30}] {bytes}/{total_bytes}, {bytes_per_sec}, eta {eta}");
    let report = samla_package::verify::verify(path, &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    if let Some(file) = report_json {
        samla_noark5::atomic::write_bytes(file, &serde_json::to_vec_pretty(&report).expect("the report serialises"))?;
    }
    if !quiet {
        print_report(path, &report);
    }
    Ok(ExitStatus::from_code(report.exit_code()))
}

/// What a person reads of a verification: counts, every difference, and the verdict.
pub(crate) fn print_report(path: &Path, report: &samla_package::verify::VerifyReport) {
    println!("{}", report.package);
    println!(
        "  {} files listed in {}, {} in the package, {} intact",
        report.listed,
        if report.format == "BagIt" { "the bag's manifests" } else { "dias-mets.xml" },
        report.present,
        report.intact
    );
    for m in &report.missing {
        println!("  missing: {m}");
    }
    for e in &report.extra {
        println!("  extra:   {e}");
    }
    for c in &report.changed {
        println!("  changed: {} (stated {}, found {})", c.path, c.stated, c.found);
    }
    for u in &report.unverifiable {
        println!("  not verifiable (checksum type): {u}");
    }
    match &report.submission {
        Some(s) if s.ok => println!("  submission description {}: the tar's SHA-256 matches", s.file),
        Some(s) => println!(
            "  submission description {}: the tar's SHA-256 or size differs (stated {}, found {})",
            s.file, s.stated, s.found
        ),
        None => match &report.submission_unreadable {
            Some(e) => println!("  submission description cannot be read: {e}"),
            None if report.format == "DIAS" && path.extension().is_some_and(|x| x == "tar") => {
                println!("  no submission description beside the tar (its SHA-256 is not checked)")
            }
            None => {}
        },
    }
    for c in &report.content {
        println!("  extract: {c}");
    }
    for i in &report.irregular {
        println!("  irregular member {i}");
    }
    println!("{}", if report.intact() { "intact" } else { "NOT INTACT" });
}
