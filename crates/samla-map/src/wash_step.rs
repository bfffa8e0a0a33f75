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
    applied: Applied,
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
        Ok(SourceWash { parties, applied: Applied::create(work.join(format!("{source}.wash.ledger.csv")))? })
    }

    /// Washes the parties of a converted unit as it is written to the migration.
    pub(crate) fn unit(&mut self, unit: &Element) -> Result<()> {
        self.rows(&samla_wash::parties::rows(unit))
    }

    /// Washes parties read into rows: a person's mappe's own, once its folders are joined.
    pub(crate) fn rows(&mut self, parties: &[[String; 9]]) -> Result<()> {
        let applied = &mut self.applied;
        self.parties.rows(parties, &mut |row| applied.add(row))
    }

    pub(crate) fn finish(self) -> Result<SourceWashed> {
        let (ledger, ledger_rows) = self.applied.finish()?;
        Ok(SourceWashed { part: self.parties.finish()?, ledger, ledger_rows })
    }
}

/// The changes the wash made, as the run's ledger rows, in a file of the work folder (so
/// that a million of them are not held in memory).
struct Applied {
    out: BufWriter<File>,
    path: PathBuf,
    rows: u64,
    line: String,
}

impl Applied {
    fn create(path: PathBuf) -> Result<Applied> {
        let out = BufWriter::with_capacity(1 << 20, File::create(&path).map_err(io_at(&path))?);
        Ok(Applied { out, path, rows: 0, line: String::new() })
    }

    /// Adds `row` if the wash applied it.
    fn add(&mut self, row: &samla_wash::wash::LedgerRow) -> Result<()> {
        if !row.applied {
            return Ok(());
        }
        let rule = format!("wash {} class {}", row.rule, row.class);
        let source = format!("wash:{}", row.input);
        self.line.clear();
        csv_line(&mut self.line, &[&source, "part", &row.key, row.field, &row.old, &row.new, &rule]);
        self.rows += 1;
        self.out.write_all(self.line.as_bytes()).map_err(io_at(&self.path))
    }

    fn finish(self) -> Result<(PathBuf, u64)> {
        sync(self.out, &self.path)?;
        Ok((self.path, self.rows))
    }
}

/// Writes the wash's outputs into `<partial>/wash/` from the sources' parts, in the job's
/// order, with the wash job's own inputs washed first; returns its report, and writes the
/// changes it made to those inputs as the run's ledger rows to `applied`, with their count.
pub(crate) fn wash(
    washer: &Washer,
    parts: Vec<PartyWashed>,
    partial: &Path,
    applied: &Path,
) -> Result<(samla_wash::report::Report, u64)> {
    let mut job = washer.job.clone();
    job.job.out = partial.join("wash");
    let streamed = Streamed { input: washer.parter.clone(), parts };
    let mut rows = Applied::create(applied.to_path_buf())?;
    let mut failed = None;
    let mut report = samla_wash::wash::run_against(
        &job,
        Some(&washer.matcher),
        vec![streamed],
        samla_wash::wash::RunOptions::default(),
        &mut |_| {},
        &mut |row| {
            if failed.is_none()
                && let Err(e) = rows.add(row)
            {
                failed = Some(e);
            }
        },
    )?;
    if let Some(e) = failed {
        return Err(e);
    }
    let (_, rows) = rows.finish()?;
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
