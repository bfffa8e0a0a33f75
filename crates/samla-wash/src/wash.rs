//! Running a washing job: load the snapshots, match every input row, and write the
//! washed tables, the ledger, the list for manual work and the report, all or nothing.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use polars::prelude::*;
use rayon::prelude::*;

use crate::error::{self, Result};
use crate::job::{Entity, Input, Job};
use crate::matching::{Class, Rule};
pub use crate::record::{LedgerRow, Matcher, Registers, RunOptions, mask};
use crate::record::{RowResult, address_columns, mapped_columns, wash_row, washed_columns};
pub use crate::report::Status;
use crate::report::{self, InputReport, Report, SnapshotReport};
use crate::streamed::Streamed;
use crate::table::{self, CsvFile, Table};

/// Runs a job: everything goes to `job.job.out`, written as `out.partial` and renamed
/// when complete, so that an error leaves no half-written output.
pub fn run(job: &Job, opts: RunOptions, progress: &mut dyn FnMut(&str)) -> Result<Report> {
    run_with(job, opts, progress, &mut |_| {})
}

/// As [`run`], handing each ledger row to `ledger` as it is written (applied or proposed):
/// the typed way for a caller to take the changes without reading ledger.csv back.
pub fn run_with(
    job: &Job,
    opts: RunOptions,
    progress: &mut dyn FnMut(&str),
    ledger: &mut dyn FnMut(&LedgerRow),
) -> Result<Report> {
    run_against(job, None, Vec::new(), opts, progress, ledger)
}

/// As [`run_with`], against `matcher` when given (the registers a caller such as `samla
/// run` has loaded and indexed already: loaded once, held once), and with `streamed`
/// inputs the caller has washed as it went ([`crate::streamed::PartyWash`]), written after
/// the job's own inputs. Their ledger rows went to the caller as they were made; `ledger`
/// gets those of the job's own inputs.
pub fn run_against(
    job: &Job,
    matcher: Option<&Matcher>,
    streamed: Vec<Streamed>,
    opts: RunOptions,
    progress: &mut dyn FnMut(&str),
    ledger: &mut dyn FnMut(&LedgerRow),
) -> Result<Report> {
    let started = Instant::now();
    let out = &job.job.out;
    let _lock = samla_noark5::atomic::OutputLock::take(out)?;
    if out.exists() && !out.join("report.json").exists() {
        return Err(error::invalid(
            out,
            "the output folder exists and was not written by samla wash",
            "choose another [job].out",
        ));
    }
    for s in &streamed {
        job.check_new_input(&s.input)?;
    }
    // Read every input before writing anything: a bad input stops the job cleanly.
    let mut tables = Vec::with_capacity(job.input.len());
    for input in &job.input {
        let t = if crate::parties::is_extract(&input.path) {
            progress(&format!("leser parter i {}", input.path.display()));
            crate::parties::read_parties(&input.path)?
        } else {
            Table::read(&input.path)?
        };
        check_columns(input, &t)?;
        tables.push(t);
    }
    let (loaded, built);
    let ctx = match matcher {
        Some(m) => m,
        None => {
            loaded = Registers::load(&job.snapshot, progress)?;
            progress("bygger indekser");
            built = Matcher::new(&loaded, &job.matching);
            &built
        }
    };

    let partial = samla_noark5::atomic::partial_dir(out);
    if partial.exists() {
        fs::remove_dir_all(&partial).map_err(|e| error::io(&partial, e))?;
    }
    fs::create_dir_all(&partial).map_err(|e| error::io(&partial, e))?;
    let written = write_outputs(job, ctx, tables, streamed, &partial, opts, progress, ledger);
    let mut report = match written {
        Ok(report) => report,
        Err(e) => {
            // Nothing half-written is left behind.
            let _ = fs::remove_dir_all(&partial);
            return Err(e);
        }
    };
    if out.exists() {
        fs::remove_dir_all(out).map_err(|e| error::io(out, e))?;
    }
    fs::rename(&partial, out).map_err(|e| error::io(out, e))?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Washes every input and writes all outputs into `partial`.
#[allow(clippy::too_many_arguments)]
fn write_outputs(
    job: &Job,
    ctx: &Matcher,
    tables: Vec<Table>,
    streamed: Vec<Streamed>,
    partial: &Path,
    opts: RunOptions,
    progress: &mut dyn FnMut(&str),
    sink: &mut dyn FnMut(&LedgerRow),
) -> Result<Report> {
    let mut ledger = CsvFile::create(&partial.join("ledger.csv"), LEDGER_HEADER)?;
    let mut manual = CsvFile::create(&partial.join("manual.csv"), MANUAL_HEADER)?;
    let mut inputs = Vec::new();
    for (input, table) in job.input.iter().zip(tables) {
        progress(&format!("vasker {}", input.name));
        let (report, mut frame, rows_ledger, rows_manual) = wash_input(ctx, input, &table, opts)?;
        progress(&format!("skriver {}", input.name));
        let ext = if table.separator.is_some() { "csv" } else { "parquet" };
        table::write_frame(
            &partial.join(format!("{}.washed.{ext}", input.name)),
            &mut frame,
            table.separator.unwrap_or(b';'),
        )?;
        for r in &rows_ledger {
            sink(r);
            ledger.write(&r.cells())?;
        }
        for m in &rows_manual {
            manual.write(&m.each_ref().map(String::as_str))?;
        }
        inputs.push(report);
    }
    for s in streamed {
        progress(&format!("skriver {}", s.input.name));
        inputs.push(s.write(partial, &mut ledger, &mut manual)?);
    }
    progress("skriver rapport");
    let (ledger_rows, manual_rows) = (ledger.finish()?, manual.finish()?);
    let report = Report {
        job: job.job.name.clone(),
        snapshots: ctx
            .registers
            .snapshots
            .iter()
            .map(|(s, rows)| SnapshotReport {
                id: s.id.clone(),
                register: format!("{:?}", s.register).to_lowercase(),
                as_of: s.as_of.clone(),
                rows: *rows,
            })
            .collect(),
        inputs,
        ledger_rows,
        manual_rows,
        ids_masked: !opts.reveal_ids,
        seconds: 0.0,
    };
    let json = serde_json::to_vec_pretty(&report).expect("the report serialises");
    let written = |path: std::path::PathBuf, bytes: &[u8]| {
        samla_noark5::atomic::write_file(&path, |f| f.write_all(bytes)).map_err(|e| error::io(&path, e))
    };
    written(partial.join("report.json"), &json)?;
    let html = report::html(&report, job.job.lang);
    written(partial.join("report.html"), html.as_bytes())?;
    Ok(report)
}

fn check_columns(input: &Input, t: &Table) -> Result<()> {
    t.column(&input.key)?;
    for (_, column) in mapped_columns(input) {
        t.column(column)?;
    }
    let has = |m: &str| mapped_columns(input).iter().any(|(k, _)| *k == m);
    let enough = match input.entity {
        Entity::Person => has("fnr") || has("name") || (has("fornavn") && has("etternavn")),
        Entity::Organisation => has("orgnr") || has("name"),
        Entity::Party => has("fnr") || has("orgnr") || has("name"),
        Entity::Address => has("adressenavn") || has("adressekode"),
    };
    if !enough {
        return Err(error::invalid(
            &input.path,
            format!("input `{}` maps no column that can be matched on", input.name),
            "map at least an identifier or a name (persons, organisations) or adressenavn/adressekode (addresses)",
        ));
    }
    Ok(())
}

type InputOutcome = (InputReport, DataFrame, Vec<LedgerRow>, Vec<[String; 8]>);

fn wash_input(ctx: &Matcher, input: &Input, t: &Table, opts: RunOptions) -> Result<InputOutcome> {
    let keys = t.column(&input.key)?;
    let cols: HashMap<&str, Vec<Option<&str>>> =
        mapped_columns(input).into_iter().map(|(m, name)| Ok((m, t.column(name)?))).collect::<Result<_>>()?;
    let get = |m: &str, i: usize| cols.get(m).and_then(|c| c[i]);
    let washed_names = washed_columns(input.entity);
    let mut rows: Vec<RowResult> = (0..t.frame.height())
        .into_par_iter()
        .map(|i| wash_row(ctx, input, keys[i].unwrap_or_default(), &|m| get(m, i)))
        .collect();

    // Counts, and the reconciliation in = matched + unmatched + rejected.
    let mut report = InputReport::new(&input.name, input.entity, rows.len());
    for r in &rows {
        report.count(r.status, r.rule.map(Rule::as_str), r.class.map(Class::as_str), &r.flags);
    }
    report.examples = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.status == Status::Manual)
        .take(20)
        .map(|(i, r)| r.example(keys[i].unwrap_or_default(), &|m| get(m, i), opts))
        .collect();

    // The washed table: the original columns (protected addresses blanked) and the washed ones.
    let mut frame = t.frame.clone();
    let names: Vec<&str> = t.frame.get_column_names().into_iter().map(|c| c.as_str()).collect();
    let protected_columns = address_columns(input, &names);
    if rows.iter().any(|r| r.protected) {
        for name in &protected_columns {
            let original = t.column(name)?;
            let blanked: Vec<Option<&str>> =
                original.iter().zip(&rows).map(|(v, r)| if r.protected { None } else { *v }).collect();
            frame
                .with_column(Column::new(name.as_str().into(), blanked))
                .map_err(|e| error::invalid(&t.path, format!("column `{name}`: {e}"), ""))?;
        }
    }
    let mut extra: Vec<Column> = Vec::new();
    extra.push(Column::new("match_class".into(), rows.iter().map(|r| r.class.map(Class::as_str)).collect::<Vec<_>>()));
    extra.push(Column::new("match_rule".into(), rows.iter().map(|r| r.rule.map(Rule::as_str)).collect::<Vec<_>>()));
    extra.push(Column::new("match_status".into(), rows.iter().map(|r| r.status_text()).collect::<Vec<_>>()));
    for (c, name) in washed_names.iter().enumerate() {
        extra.push(Column::new((*name).into(), rows.iter_mut().map(|r| r.washed[c].take()).collect::<Vec<_>>()));
    }
    extra.push(Column::new("wash_flags".into(), rows.iter().map(|r| r.flags.join(",")).collect::<Vec<_>>()));
    extra.push(Column::new("wash_notes".into(), rows.iter().map(|r| r.notes.join("; ")).collect::<Vec<_>>()));
    for c in extra {
        if frame.get_column_names().iter().any(|n| n.as_str() == c.name().as_str()) {
            return Err(error::invalid(
                &t.path,
                format!("the table already has a column `{}`", c.name()),
                "rename it; samla wash adds that column",
            ));
        }
        frame.with_column(c).map_err(|e| error::invalid(&t.path, e.to_string(), ""))?;
    }
    let mut ledger = Vec::new();
    let mut manual = Vec::new();
    for (r, key) in rows.into_iter().zip(&keys) {
        ledger.extend(r.ledger);
        for m in r.manual {
            let [rank, candidate, name, born, address, why] = m;
            manual.push([
                input.name.clone(),
                key.unwrap_or_default().to_string(),
                rank,
                candidate,
                name,
                born,
                address,
                why,
            ]);
        }
    }
    Ok((report, frame, ledger, manual))
}

const LEDGER_HEADER: &[&str] = &[
    "input",
    "record_key",
    "field",
    "old_value",
    "new_value",
    "rule",
    "class",
    "applied",
    "snapshot_id",
    "snapshot_as_of",
];
const MANUAL_HEADER: &[&str] = &[
    "input",
    "record_key",
    "candidate_rank",
    "candidate_id",
    "candidate_name",
    "candidate_born",
    "candidate_address",
    "why",
];

/// Counts per rule and class, in the order rules are tried.
pub type RuleCounts = BTreeMap<String, BTreeMap<String, usize>>;
