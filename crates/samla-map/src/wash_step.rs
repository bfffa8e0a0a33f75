//! The run's washing step: the migration extract's parties washed with the job's `[wash]`
//! job into `<out>/wash/`, and the changes it applied added to the run's ledger.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

use samla_noark5::Result;

use crate::io::{csv_line, io_at};

/// Washes the migration extract's parties with the step's job into `<partial>/wash/`,
/// against `registers` when the run has loaded them already; returns its report, and the
/// changes it applied, written as the run's ledger rows to `applied` (a file in the run's
/// work folder, so that a million of them are not held in memory) with their count.
pub(crate) fn wash(
    step: &crate::job::WashStep,
    registers: Option<&samla_wash::wash::Registers>,
    partial: &Path,
    applied: &Path,
) -> Result<(samla_wash::report::Report, u64)> {
    let mut job = samla_wash::job::Job::read(&step.job)?;
    let migration = fs::canonicalize(partial.join("migration")).map_err(io_at(partial))?;
    job.add_input(samla_wash::job::Input::extract("parter", migration))?;
    job.job.out = partial.join("wash");
    let mut out = BufWriter::new(File::create(applied).map_err(io_at(applied))?);
    let (mut rows, mut line, mut failed) = (0u64, String::new(), None);
    let mut report = samla_wash::wash::run_against(
        &job,
        registers,
        samla_wash::wash::RunOptions::default(),
        &mut |_| {},
        &mut |row| {
            if row.applied && failed.is_none() {
                let rule = format!("wash {} class {}", row.rule, row.class);
                let source = format!("wash:{}", row.input);
                line.clear();
                csv_line(&mut line, &[&source, "part", &row.key, row.field, &row.old, &row.new, &rule]);
                match out.write_all(line.as_bytes()) {
                    Ok(()) => rows += 1,
                    Err(e) => failed = Some(e),
                }
            }
        },
    )?;
    if let Some(e) = failed {
        return Err(io_at(applied)(e));
    }
    out.flush().map_err(io_at(applied))?;
    // The wash's own reports hold its wall time; the run's report holds the rest.
    for name in ["report.json", "report.html"] {
        let path = job.job.out.join(name);
        if path.exists() {
            fs::remove_file(&path).map_err(io_at(&path))?;
        }
    }
    report.seconds = 0.0;
    Ok((report, rows))
}
