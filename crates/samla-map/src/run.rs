//! Running the job: every source is streamed once (the sources in parallel), each mappe
//! is routed and written where it goes, and the outputs are put together in
//! `<out>.partial`, which is renamed to `<out>` only when everything is written.
//!
//! ```text
//! <out>/
//!   migration/         Noark 5 v5.0 extract: the converted units, re-keyed, each source an
//!                      underarkiv of the new arkiv, documents under DOKUMENT/<source>/
//!   closed/            the same form, for what is routed to close (read-only)
//!   deposit/<source>/  a DIAS package per source of what is routed to deposit,
//!                      unwashed and authentic (original systemIDs and values)
//!   tables/<entity>/<source>.parquet   mappe, registrering, dokumentbeskrivelse with
//!                      provenance columns, for import and analysis
//!   crosswalk.csv      old systemID → new systemID, every unit
//!   ledger.csv         every value the mapping changed, with its rule
//!   report.json, report.html   counts, reconciliation, collisions, crosswalk coverage
//!   run.json           the fingerprint of job and inputs: an unchanged rerun is a no-op
//! ```
//!
//! Everything written is a function of the job and the inputs (no clocks, no random
//! UUIDs, sources in job order), so a run killed half-way and started again gives the
//! same bytes as an uninterrupted run.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use samla_noark5::schemas::SchemaDir;
use samla_noark5::{Error, Result};

use crate::assemble::{Facts, JOURNALS, JournalCounts, PlacedSource, assemble_merged, joined, mixed_klasser};
use crate::deposit::{Kept, deposit};
use crate::io::{io_at, sync, write_file};
use crate::job::{Destination, Job};
use crate::pass::convert_source;
use crate::plan::{Plan, join, widen};
use crate::registers::Registers;
pub use crate::report::{Disposal, Outcome, Retention};
pub use crate::rewrite::PROVENANCE_NS;
use crate::rewrite::SourceDone;
use crate::wash_step::wash;

/// Why a run stopped.
#[derive(Debug)]
pub enum RunError {
    /// A source or an output could not be read or written.
    Io(Error),
    /// The job would break a floor or leave values unmapped: every reason, and the plan.
    Blocked(Box<Plan>, Vec<String>),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Io(e) => write!(f, "{e}"),
            RunError::Blocked(_, reasons) => {
                write!(f, "the run stops, nothing was written:")?;
                for r in reasons {
                    write!(f, "\n  {r}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for RunError {}

impl From<Error> for RunError {
    fn from(e: Error) -> Self {
        RunError::Io(e)
    }
}

/// Runs the job. `schemas` is the set of official XSDs copied into the outputs and the
/// deposit packages; `None` is [`SchemaDir::locate`]'s choice (`SAMLA_SCHEMAS`, else the set
/// samla carries).
pub fn run(job: &Job, schemas: Option<&SchemaDir>) -> std::result::Result<Outcome, RunError> {
    let out = job.job.out.clone();
    let _lock = samla_noark5::atomic::OutputLock::take(&out)?;
    let fingerprint = fingerprint(job)?;
    if let Ok(previous) = fs::read_to_string(out.join("run.json"))
        && let Ok(previous) = serde_json::from_str::<serde_json::Value>(&previous)
        && previous["fingerprint"] == fingerprint.as_str()
        && let Ok(outcome) = serde_json::from_value::<serde_json::Value>(previous["outcome"].clone())
    {
        let mut done = Outcome::empty(out, Plan::default());
        done.no_op = true;
        done.ledger_rows = outcome["ledger_rows"].as_u64().unwrap_or(0);
        done.crosswalk_rows = outcome["crosswalk_rows"].as_u64().unwrap_or(0);
        return Ok(done);
    }
    let schemas = match schemas {
        Some(s) => s.clone(),
        None => SchemaDir::locate(None),
    };
    let schemas = &schemas;
    let partial = samla_noark5::atomic::partial_dir(&out);
    if partial.exists() {
        // A run that was killed: start again from nothing, which gives the same bytes.
        fs::remove_dir_all(&partial).map_err(io_at(&partial))?;
    }
    let work = partial.join("work");
    fs::create_dir_all(&work).map_err(io_at(&work))?;
    let result = crate::legacy::prepare(job, &work, Some(schemas))
        .map_err(RunError::from)
        .and_then(|prepared| write_all(&prepared, schemas, &partial, &fingerprint));
    match result {
        Ok(mut outcome) => {
            let old = out.with_extension("old");
            if out.exists() {
                let _ = fs::remove_dir_all(&old);
                fs::rename(&out, &old).map_err(io_at(&out))?;
            }
            fs::rename(&partial, &out).map_err(io_at(&out))?;
            if old.exists() {
                fs::remove_dir_all(&old).map_err(io_at(&old))?;
            }
            outcome.out = out;
            Ok(outcome)
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&partial);
            Err(e)
        }
    }
}

impl Outcome {
    fn empty(out: PathBuf, plan: Plan) -> Outcome {
        Outcome {
            out,
            no_op: false,
            plan,
            ledger_rows: 0,
            addresses_withheld: 0,
            values_washed: 0,
            joined: BTreeMap::new(),
            crosswalk_rows: 0,
            documents: BTreeMap::new(),
            packages: BTreeMap::new(),
            deposit_errors: BTreeMap::new(),
            findings: Vec::new(),
            coverage: BTreeMap::new(),
            wash: None,
            retention: Vec::new(),
            kasseres: Vec::new(),
        }
    }
}

/// SHA-256 of the job (as read) and of every input file's path, size and mtime, and of
/// samla's version.
fn fingerprint(job: &Job) -> Result<String> {
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION"));
    // Where the output goes and how the paths were written do not change what is made.
    let mut same = job.clone();
    same.job.out = PathBuf::new();
    for s in &mut same.source {
        s.path = fs::canonicalize(&s.path).map_err(io_at(&s.path))?;
    }
    h.update(format!("{same:?}"));
    for source in &job.source {
        for (name, size, mtime) in listing(&source.path)? {
            h.update(format!("{}\u{1f}{name}\u{1f}{size}\u{1f}{mtime:?}\n", source.name));
        }
    }
    Ok(samla_noark5::hex(&h.finalize()))
}

/// Every file under `path` (or `path` itself), sorted: name, size and mtime.
fn listing(path: &Path) -> Result<Vec<(String, u64, Option<std::time::SystemTime>)>> {
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(p) = stack.pop() {
        let meta = fs::metadata(&p).map_err(io_at(&p))?;
        if meta.is_dir() {
            for e in fs::read_dir(&p).map_err(io_at(&p))? {
                stack.push(e.map_err(io_at(&p))?.path());
            }
        } else {
            let name = p.strip_prefix(path).unwrap_or(&p).to_string_lossy().into_owned();
            out.push((name, meta.len(), meta.modified().ok()));
        }
    }
    out.sort();
    Ok(out)
}

/// A destination that gets rewritten units: the migration dataset and the closed part.
const REWRITTEN: [Destination; 2] = [Destination::Convert, Destination::Close];

fn write_all(
    prepared: &crate::legacy::Prepared,
    schemas: &SchemaDir,
    partial: &Path,
    fingerprint: &str,
) -> std::result::Result<Outcome, RunError> {
    let job = &prepared.job;
    let work = partial.join("work");
    for dir in [&work, &partial.join("migration"), &partial.join("closed"), &partial.join("deposit")] {
        fs::create_dir_all(dir).map_err(io_at(dir))?;
    }
    // Read once for all sources.
    let registers = Registers::load(job)?;
    let washer = registers.washer(job, partial);
    let done = crate::plan::each_source(job, |s| convert_source(job, s, partial, &registers, washer.as_ref()));
    let done: Vec<SourceDone> = done.into_iter().collect::<Result<_>>()?;
    let mut sources = Vec::new();
    let mut outcome = Outcome::empty(partial.to_path_buf(), Plan::default());
    let mut documents: BTreeMap<Destination, u64> = BTreeMap::new();
    let mut flags: BTreeMap<(Destination, &str), u64> = BTreeMap::new();
    let mut journals: JournalCounts = BTreeMap::new();
    let mut kept = Vec::new();
    let mut placed = Vec::new();
    let mut forloeper = BTreeMap::new();
    let mut retention: BTreeMap<(Destination, crate::arkivplan::Vedtak, i32), u64> = BTreeMap::new();
    let mut washed = Vec::new();
    for (source, mut d) in job.source.iter().zip(done) {
        washed.extend(d.wash.take());
        for (a, id) in std::mem::take(&mut d.forloeper) {
            // The schema allows one forløper: the first source's.
            forloeper.entry(a).or_insert(id);
        }
        for (key, n) in std::mem::take(&mut d.retention) {
            *retention.entry(key).or_default() += n;
        }
        outcome.kasseres.append(&mut d.kasseres);
        placed.push(PlacedSource {
            file: work.join(format!("{}.plan.arkivstruktur", source.name)),
            units: std::mem::take(&mut d.placed),
            settled: std::mem::take(&mut d.settled),
        });
        outcome.ledger_rows += d.ledger_rows;
        outcome.addresses_withheld += d.addresses_withheld;
        outcome.values_washed += d.washed;
        outcome.crosswalk_rows += d.crosswalk_rows;
        outcome.findings.extend(d.findings);
        for (field, (seen, mapped)) in d.coverage {
            let c = outcome.coverage.entry(field).or_default();
            c.0 += seen;
            c.1 += mapped;
        }
        for (to, n) in &d.documents {
            *documents.entry(*to).or_default() += n;
        }
        for (to, n) in d.skjerming {
            *flags.entry((to, "skjerming")).or_default() += n;
        }
        for (to, n) in d.kassasjon {
            *flags.entry((to, "kassasjon")).or_default() += n;
        }
        for (key, (n, span)) in &d.journals {
            let entry = journals.entry(*key).or_insert((0, None));
            entry.0 += n;
            entry.1 = widen(entry.1, *span);
        }
        kept.push(Kept {
            uttrekk: d.uttrekk,
            journals: d.journals,
            journal_creators: d.journal_creators,
            has_journal: d.has_journal,
            period: d.plan.period.clone(),
            deposited_documents: d.documents.get(&Destination::Deposit).copied().unwrap_or(0),
        });
        sources.push((source.name.clone(), d.plan));
    }
    outcome.retention = retention
        .into_iter()
        .map(|((to, vedtak, year), units)| Retention {
            part: to.folder().to_string(),
            vedtak: vedtak.as_str().to_string(),
            year,
            units,
        })
        .collect();
    let absorbed;
    (outcome.joined, absorbed) = joined(job, &placed);
    outcome.plan = Plan::combine(sources);
    prepared.apply(&mut outcome.plan);
    outcome.findings.extend(prepared.findings.iter().cloned());
    let mut blocking = outcome.plan.blocking(job);
    blocking.extend(mixed_klasser(job, &placed));
    if !blocking.is_empty() {
        return Err(RunError::Blocked(Box::new(outcome.plan), blocking));
    }
    outcome.documents = documents.iter().map(|(to, n)| (to.folder().to_string(), *n)).collect();

    let mut merged = Vec::new();
    for to in REWRITTEN {
        let counts = |entity: &str| -> u64 {
            outcome.plan.counts.values().filter_map(|e| e.get(entity)).map(|c| c.count(to)).sum()
        };
        let period = kept.iter().filter_map(|k| k.period.get(&to)).fold(None, |acc, &span| widen(acc, Some(span)));
        let facts = Facts {
            // A person's folders joined are one mappe in the migration.
            mapper: counts("mappe") - if to == Destination::Convert { absorbed } else { 0 },
            registreringer: counts("registrering"),
            endringer: counts("endring"),
            // A merged journal only when every source with registreringer here has it:
            // a journal of some of them would not match arkivstruktur.xml.
            journals: std::array::from_fn(|i| {
                let complete = job.source.iter().zip(&kept).all(|(s, k)| {
                    k.has_journal[i]
                        || outcome
                            .plan
                            .counts
                            .get(&s.name)
                            .and_then(|e| e.get("registrering"))
                            .is_none_or(|c| c.count(to) == 0)
                });
                if complete { journals.get(&(to, JOURNALS[i])).copied().unwrap_or((0, None)) } else { (0, None) }
            }),
            documents: documents.get(&to).copied().unwrap_or(0),
            skjerming: flags.get(&(to, "skjerming")).copied().unwrap_or(0),
            kassasjon: flags.get(&(to, "kassasjon")).copied().unwrap_or(0),
            period,
        };
        merged.push((to, facts));
    }

    // The merged parts and the deposit packages are independent: made at once.
    let work = &work;
    let (placed, forloeper) = (&placed, &forloeper);
    let (assembled, deposited) = std::thread::scope(|scope| {
        let merged: Vec<_> = merged
            .iter()
            .map(|(to, facts)| {
                scope.spawn(move || assemble_merged(job, schemas, partial, *to, facts, placed, forloeper))
            })
            .collect();
        let deposits: Vec<_> = job
            .source
            .iter()
            .zip(kept)
            .map(|(source, kept)| {
                let plan = &outcome.plan;
                scope.spawn(move || deposit(job, schemas, plan, partial, work, source, kept))
            })
            .collect();
        let assembled: Vec<Result<Vec<[String; 9]>>> = merged.into_iter().map(join).collect();
        let deposited: Vec<Result<Option<(PathBuf, String, u64)>>> = deposits.into_iter().map(join).collect();
        (assembled, deposited)
    });
    let mut person_parties = Vec::new();
    for result in assembled {
        person_parties.extend(result?);
    }
    for (source, made) in job.source.iter().zip(deposited) {
        if let Some((tar, sha, errors)) = made? {
            outcome.packages.insert(source.name.clone(), (tar, sha));
            if errors > 0 {
                outcome.deposit_errors.insert(source.name.clone(), errors);
            }
        }
    }

    // The wash's changes, as ledger rows to follow the sources' in ledger.csv: those to the
    // wash job's own inputs first, then the sources' parties', as the wash's ledger has them.
    let mut wash_applied = vec![work.join("wash.ledger.csv")];
    if let Some(washer) = &washer {
        // The persons' mapper's own parties, as the joined mapper hold them.
        let mut persons = crate::wash_step::SourceWash::create(washer, &work.join("plan"), "persons")?;
        persons.rows(&person_parties)?;
        washed.push(persons.finish()?);
        outcome.ledger_rows += washed.iter().map(|w| w.ledger_rows).sum::<u64>();
        let (parts, ledgers): (Vec<_>, Vec<_>) = washed.into_iter().map(|w| (w.part, w.ledger)).unzip();
        let (report, rows) = wash(washer, parts, partial, &wash_applied[0])?;
        wash_applied.extend(ledgers);
        outcome.wash = Some(report);
        outcome.ledger_rows += rows;
    }

    // Ledger and crosswalk: the sources' parts in the job's order.
    for (name, header) in [
        ("ledger.csv", "source,entity,system_id,field,old_value,new_value,rule\n"),
        ("crosswalk.csv", "source,entity,old_system_id,new_system_id\n"),
        ("gaps.csv", "source,entity,old_system_id,id,missing_field\n"),
    ] {
        let path = partial.join(name);
        let mut w = BufWriter::new(File::create(&path).map_err(io_at(&path))?);
        w.write_all(header.as_bytes()).map_err(io_at(&path))?;
        for source in &job.source {
            let part = work.join(format!("{}.{name}", source.name));
            if !part.exists() {
                // A flat-file source has no units to re-key.
                continue;
            }
            let mut f = File::open(&part).map_err(io_at(&part))?;
            io::copy(&mut f, &mut w).map_err(io_at(&path))?;
        }
        for part in wash_applied.iter().filter(|p| name == "ledger.csv" && p.exists()) {
            let mut f = File::open(part).map_err(io_at(part))?;
            io::copy(&mut f, &mut w).map_err(io_at(&path))?;
        }
        sync(w, &path)?;
    }
    fs::remove_dir_all(work).map_err(io_at(work))?;
    for to in [Destination::Close, Destination::Deposit] {
        // An empty part is not written.
        let dir = partial.join(to.folder());
        if to == Destination::Close && outcome.plan.counts.values().all(|e| e.values().all(|c| c.count(to) == 0)) {
            fs::remove_dir_all(&dir).map_err(io_at(&dir))?;
        }
        if to == Destination::Deposit && outcome.packages.is_empty() {
            fs::remove_dir_all(&dir).map_err(io_at(&dir))?;
        }
    }

    let report = serde_json::to_vec_pretty(
        &serde_json::json!({ "job": job.job.name, "version": job.job.version, "outcome": &outcome }),
    )
    .expect("the outcome serialises");
    write_file(&partial.join("report.json"), &report)?;
    write_file(&partial.join("report.html"), crate::report::html(job, &outcome, job.job.lang).as_bytes())?;
    let state = serde_json::to_vec_pretty(&serde_json::json!({
        "fingerprint": fingerprint,
        "outcome": { "ledger_rows": outcome.ledger_rows, "crosswalk_rows": outcome.crosswalk_rows },
    }))
    .expect("the state serialises");
    write_file(&partial.join("run.json"), &state)?;
    Ok(outcome)
}
