//! The run's washing step. Each converted unit's parties are washed as the conversion
//! writes the unit ([`SourceWash`], one per source), so the migration is never read back;
//! the parts are then written as the wash's outputs in `<out>/wash/`, and the changes the
//! wash made are rows of the run's ledger.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use samla_noark5::{Element, Result};
use samla_wash::streamed::{PartyWash, PartyWashed, Streamed};

use crate::io::{csv_line, io_at, sync};
use crate::registers::Washer;

/// One source's washing of the parties it converts.
pub(crate) struct SourceWash<'a> {
    parties: PartyWash<'a>,
    /// The changes as the run's ledger rows (a file in the work folder, so that a million
    /// of them are not held in memory).
    applied: BufWriter<File>,
    path: PathBuf,
    rows: u64,
    line: String,
}

/// What a source's washing made: its part of the wash, and its rows of the run's ledger.
pub(crate) struct SourceWashed {
    pub(crate) part: PartyWashed,
    pub(crate) ledger: PathBuf,
    pub(crate) ledger_rows: u64,
}

impl<'a> SourceWash<'a> {
    pub(crate) fn create(washer: &'a Washer<'a>, work: &Path, source: &str) -> Result<SourceWash<'a>> {
        fs::create_dir_all(work).map_err(io_at(work))?;
        let parties = PartyWash::create(&washer.matcher, &washer.parter, work, source)?;
        let path = work.join(format!("{source}.wash.ledger.csv"));
        let applied = BufWriter::with_capacity(1 << 20, File::create(&path).map_err(io_at(&path))?);
        Ok(SourceWash { parties, applied, path, rows: 0, line: String::new() })
    }

    /// Washes the parties of a converted unit as it is written to the migration.
    pub(crate) fn unit(&mut self, unit: &Element) -> Result<()> {
        self.rows(&samla_wash::parties::rows(unit))
    }

    /// Washes parties read into rows: a person's mappe's own, once its folders are joined.
    pub(crate) fn rows(&mut self, parties: &[[String; 9]]) -> Result<()> {
        let (out, path, line, rows) = (&mut self.applied, &self.path, &mut self.line, &mut self.rows);
        self.parties.rows(parties, &mut |row| {
            if !row.applied {
                return Ok(());
            }
            ledger_row(line, row);
            *rows += 1;
            out.write_all(line.as_bytes()).map_err(io_at(path))
        })
    }

    pub(crate) fn finish(self) -> Result<SourceWashed> {
        sync(self.applied, &self.path)?;
        Ok(SourceWashed { part: self.parties.finish()?, ledger: self.path, ledger_rows: self.rows })
    }
}

/// Writes the wash's outputs into `<partial>/wash/` from the sources' parts, in the job's
/// order, with the wash job's own inputs washed first; returns its report, and writes the
/// changes it made to those inputs as the run's ledger rows to `applied`, with their count.
pub(crate) fn wash(
    step: &crate::job::WashStep,
    washer: &Washer,
    parts: Vec<PartyWashed>,
    partial: &Path,
    applied: &Path,
) -> Result<(samla_wash::report::Report, u64)> {
    let mut job = samla_wash::job::Job::read(&step.job)?;
    job.job.out = partial.join("wash");
    let streamed = Streamed { input: washer.parter.clone(), parts };
    let mut out = BufWriter::new(File::create(applied).map_err(io_at(applied))?);
    let (mut rows, mut line, mut failed) = (0u64, String::new(), None);
    let mut report = samla_wash::wash::run_against(
        &job,
        Some(&washer.matcher),
        vec![streamed],
        samla_wash::wash::RunOptions::default(),
        &mut |_| {},
        &mut |row| {
            if row.applied && failed.is_none() {
                ledger_row(&mut line, row);
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
    sync(out, applied)?;
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

/// A change the wash made, as a row of the run's ledger.
fn ledger_row(line: &mut String, row: &samla_wash::wash::LedgerRow) {
    let rule = format!("wash {} class {}", row.rule, row.class);
    let source = format!("wash:{}", row.input);
    line.clear();
    csv_line(line, &[&source, "part", &row.key, row.field, &row.old, &row.new, &rule]);
}
