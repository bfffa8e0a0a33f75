//! An extract's parties washed one unit at a time, as a caller writes the units that hold
//! them (`samla run` as it converts): the same washed rows, ledger and manual list as
//! washing the written extract afterwards, without reading it back or holding its parties.
//!
//! A caller with several writers (one per source) makes one [`PartyWash`] each; their
//! parts are put together in the caller's order by [`crate::wash::run_against`].

use std::path::{Path, PathBuf};

use samla_noark5::Element;

use crate::error::Result;
use crate::job::Input;
use crate::parties;
use crate::record::{self, LedgerRow, Matcher, RowResult, RunOptions};
use crate::report::{InputReport, Status};
use crate::table::CsvFile;

/// Rows kept as examples for the report, per input.
const EXAMPLES: usize = 20;

/// One writer's washing of the parties of the units it writes.
pub struct PartyWash<'a> {
    matcher: &'a Matcher<'a>,
    input: &'a Input,
    opts: RunOptions,
    /// Each mapped meaning, with its column in [`parties::COLUMNS`].
    mapped: Vec<(&'static str, usize)>,
    /// The columns blanked for a person under adressebeskyttelse.
    blanked: Vec<usize>,
    washed: CsvFile,
    ledger: CsvFile,
    manual: CsvFile,
    report: InputReport,
    part: Part,
}

/// Where a [`PartyWash`] wrote its part, without headers.
struct Part {
    washed: PathBuf,
    ledger: PathBuf,
    manual: PathBuf,
}

/// A finished [`PartyWash`]: its counts and its part files.
pub struct PartyWashed {
    report: InputReport,
    part: Part,
    rows: [usize; 3],
}

/// A streamed input: the input as the report names it, and its parts in order.
pub struct Streamed {
    /// The input (an extract's parties; its path only names it).
    pub input: Input,
    /// The parts, in the order their rows are to be written.
    pub parts: Vec<PartyWashed>,
}

impl<'a> PartyWash<'a> {
    /// Starts a part named `name` in `dir` (the caller's work folder), for `input`: an
    /// extract's parties table ([`Input::extract`]).
    pub fn create(matcher: &'a Matcher<'a>, input: &'a Input, dir: &Path, name: &str) -> Result<PartyWash<'a>> {
        let column = |c: &str| parties::COLUMNS.iter().position(|n| n.eq_ignore_ascii_case(c));
        let mapped = record::mapped_columns(input).into_iter().filter_map(|(m, c)| Some((m, column(c)?))).collect();
        let blanked = record::address_columns(input, &parties::COLUMNS).iter().filter_map(|c| column(c)).collect();
        let file = |what: &str| dir.join(format!("{name}.{}.{what}.csv", input.name));
        let part = Part { washed: file("washed"), ledger: file("ledger"), manual: file("manual") };
        Ok(PartyWash {
            matcher,
            input,
            opts: RunOptions::default(),
            mapped,
            blanked,
            washed: CsvFile::create(&part.washed, &[])?,
            ledger: CsvFile::create(&part.ledger, &[])?,
            manual: CsvFile::create(&part.manual, &[])?,
            report: InputReport::new(&input.name, input.entity, 0),
            part,
        })
    }

    /// Washes the parties of `unit` (a mappe or registrering as written), handing each
    /// ledger row to `ledger` as well.
    pub fn unit(&mut self, unit: &Element, ledger: &mut dyn FnMut(&LedgerRow) -> Result<()>) -> Result<()> {
        self.rows(&parties::rows(unit), ledger)
    }

    /// Washes parties already read into rows ([`parties::rows`], [`parties::own_rows`]).
    pub fn rows(&mut self, rows: &[[String; 9]], ledger: &mut dyn FnMut(&LedgerRow) -> Result<()>) -> Result<()> {
        for row in rows {
            self.party(row, ledger)?;
        }
        Ok(())
    }

    fn party(&mut self, row: &[String; 9], sink: &mut dyn FnMut(&LedgerRow) -> Result<()>) -> Result<()> {
        let get = |m: &str| {
            let (_, c) = self.mapped.iter().find(|(meaning, _)| *meaning == m)?;
            Some(row[*c].as_str()).filter(|v| !v.is_empty())
        };
        let key = &row[0];
        let r: RowResult = record::wash_row(self.matcher, self.input, key, &get);
        self.report.records_in += 1;
        self.report.count(r.status, r.rule.map(|x| x.as_str()), r.class.map(|x| x.as_str()), &r.flags);
        if r.status == Status::Manual && self.report.examples.len() < EXAMPLES {
            self.report.examples.push(r.example(key, &get, self.opts));
        }
        let status = r.status_text();
        let (flags, notes) = (r.flags.join(","), r.notes.join("; "));
        let mut cells: Vec<&str> = row
            .iter()
            .enumerate()
            .map(|(c, v)| if r.protected && self.blanked.contains(&c) { "" } else { v.as_str() })
            .collect();
        cells.push(r.class.map_or("", |c| c.as_str()));
        cells.push(r.rule.map_or("", |x| x.as_str()));
        cells.push(&status);
        cells.extend(r.washed.iter().map(|w| w.as_deref().unwrap_or("")));
        cells.push(&flags);
        cells.push(&notes);
        self.washed.write(&cells)?;
        for l in &r.ledger {
            sink(l)?;
            self.ledger.write(&l.cells())?;
        }
        for [rank, candidate, name, born, address, why] in &r.manual {
            self.manual.write(&[&self.input.name, key, rank, candidate, name, born, address, why])?;
        }
        Ok(())
    }

    /// Closes the part's files.
    pub fn finish(self) -> Result<PartyWashed> {
        let rows = [self.washed.finish()?, self.ledger.finish()?, self.manual.finish()?];
        Ok(PartyWashed { report: self.report, part: self.part, rows })
    }
}

impl Streamed {
    /// Writes `<partial>/<input>.washed.csv` from the parts and appends their ledger and
    /// manual rows; returns the input's report, the parts' counts summed.
    pub(crate) fn write(self, partial: &Path, ledger: &mut CsvFile, manual: &mut CsvFile) -> Result<InputReport> {
        let header: Vec<&str> = parties::COLUMNS
            .into_iter()
            .chain(["match_class", "match_rule", "match_status"])
            .chain(record::washed_columns(self.input.entity).iter().copied())
            .chain(["wash_flags", "wash_notes"])
            .collect();
        let path = partial.join(format!("{}.washed.csv", self.input.name));
        let mut washed = CsvFile::create(&path, &header)?;
        let mut report = InputReport::new(&self.input.name, self.input.entity, 0);
        for p in self.parts {
            washed.append(&p.part.washed, p.rows[0])?;
            ledger.append(&p.part.ledger, p.rows[1])?;
            manual.append(&p.part.manual, p.rows[2])?;
            report.absorb(p.report, EXAMPLES);
            for f in [&p.part.washed, &p.part.ledger, &p.part.manual] {
                std::fs::remove_file(f).map_err(|e| crate::error::io(f, e))?;
            }
        }
        washed.finish()?;
        Ok(report)
    }
}
