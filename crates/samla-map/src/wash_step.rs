//! The run's washing step: the migration extract's parties washed with the job's `[wash]`
//! job into `<out>/wash/`, and the changes it applied added to the run's ledger.

use std::fs;
use std::io::Write;
use std::path::Path;

use samla_noark5::Result;

use crate::io::{csv_line, io_at};

/// Washes the migration extract's parties with the step's job into `<partial>/wash/`;
/// returns its report and the changes it applied.
pub(crate) fn wash(
    step: &crate::job::WashStep,
    partial: &Path,
) -> Result<(samla_wash::report::Report, Vec<samla_wash::wash::LedgerRow>)> {
    let mut job = samla_wash::job::Job::read(&step.job)?;
    let migration = fs::canonicalize(partial.join("migration")).map_err(io_at(partial))?;
    job.add_input(samla_wash::job::Input::extract("parter", migration))?;
    job.job.out = partial.join("wash");
    let mut applied = Vec::new();
    let mut report =
        samla_wash::wash::run_with(&job, samla_wash::wash::RunOptions::default(), &mut |_| {}, &mut |row| {
            if row.applied {
                applied.push(row.clone());
            }
        })?;
    // The wash's own reports hold its wall time; the run's report holds the rest.
    for name in ["report.json", "report.html"] {
        let path = job.job.out.join(name);
        if path.exists() {
            fs::remove_file(&path).map_err(io_at(&path))?;
        }
    }
    report.seconds = 0.0;
    Ok((report, applied))
}

/// Appends the wash's applied changes to the run's ledger; returns how many.
pub(crate) fn append_wash_ledger(
    applied: &[samla_wash::wash::LedgerRow],
    out: &mut impl Write,
    path: &Path,
) -> Result<u64> {
    let mut line = String::new();
    for row in applied {
        let rule = format!("wash {} class {}", row.rule, row.class);
        let source = format!("wash:{}", row.input);
        line.clear();
        csv_line(&mut line, &[&source, "part", &row.key, row.field, &row.old, &row.new, &rule]);
        out.write_all(line.as_bytes()).map_err(io_at(path))?;
    }
    Ok(applied.len() as u64)
}
