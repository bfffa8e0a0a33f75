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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{self, File};
use std::hash::{Hash, Hasher};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use samla_noark5::addml::{Arkivuttrekk, DataFile, Flags};
use samla_noark5::model::{
    ARKIVDEL_ORDER, Date, ID_REFERENCES, Kind, MAPPE_ORDER, NS_ARKIVSTRUKTUR, NS_ENDRINGSLOGG, NS_LOEPENDE_JOURNAL,
    NS_METADATAKATALOG, NS_OFFENTLIG_JOURNAL, REGISTRERING_ORDER, Version, document_root, insert_at,
};
use samla_noark5::schemas::SchemaDir;
use samla_noark5::stream::{Event, Split, UnitReader};
use samla_noark5::writer::{BackgroundHashingWriter, DirectFile, XmlWriter};
use samla_noark5::{Element, Error, ErrorKind, Extract, Result};

use crate::arkivplan::{Place, PlanUnit};
use crate::io::{csv_line, io_at, sync, write_file};
use crate::job::{Destination, Job, Source};
use crate::parquet::Tables;
use crate::plan::{Plan, Sink, SourcePlan, Span, join, new_system_id, open_arkivstruktur, plan_source, widen};
use crate::wash_step::{append_wash_ledger, wash, wash_error};

/// The namespace of the provenance samla writes into virksomhetsspesifikkeMetadata.
pub const PROVENANCE_NS: &str = "urn:samla:proveniens:1";

/// Sets the field `name` of `e` to `value`, where `order` (the schema's order of `e`'s
/// fields) puts it when it is missing; returns the value it had.
fn put_field(e: &mut Element, name: &str, value: &str, order: &[&str]) -> Option<String> {
    if let Some(c) = e.children.iter_mut().find(|c| c.is(name)) {
        return Some(std::mem::replace(&mut c.text, value.to_string()));
    }
    let at = insert_at(e, order, name);
    e.children.insert(at, Element::with_text(name, value));
    None
}

pub use crate::report::{Disposal, Outcome, Retention};

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

/// What of one source's pass its deposit package needs once all passes are done.
struct Kept {
    uttrekk: Option<Arkivuttrekk>,
    journals: JournalCounts,
    journal_creators: Vec<Element>,
    has_journal: [bool; 2],
    period: BTreeMap<Destination, Span>,
    /// Document files copied into the deposit extract.
    deposited_documents: u64,
}

/// What one source's pass made, beside its plan.
pub(crate) struct SourceDone {
    pub(crate) plan: SourcePlan,
    ledger_rows: u64,
    crosswalk_rows: u64,
    addresses_withheld: u64,
    /// Party values the wash applied.
    washed: u64,
    documents: BTreeMap<Destination, u64>,
    /// Per destination: how many skjerming and kassasjon elements it got.
    skjerming: BTreeMap<Destination, u64>,
    kassasjon: BTreeMap<Destination, u64>,
    /// Per destination and journal: entries, first and last journaldato.
    journals: JournalCounts,
    /// The arkivskaper elements of the source's journal head.
    journal_creators: Vec<Element>,
    /// Whether the source has loependeJournal and offentligJournal.
    has_journal: [bool; 2],
    findings: Vec<String>,
    coverage: BTreeMap<String, (u64, u64)>,
    uttrekk: Option<Arkivuttrekk>,
    /// With an archive plan: the converted units' places, in the order written to
    /// `work/<source>.plan.arkivstruktur`, and the secondary classifications settled
    /// once the source was read (rewritten reference → the plan's klasse or none).
    placed: Vec<Placement>,
    settled: HashMap<String, Option<String>>,
    /// Under a plan: units per destination, vedtak and year of disposal, and the Kasseres ones.
    retention: BTreeMap<(Destination, crate::arkivplan::Vedtak, i32), u64>,
    kasseres: Vec<Disposal>,
    /// Per plan arkivdel, the old arkivdel it continues: its systemID in the closed part if
    /// it is there, else as delivered.
    forloeper: BTreeMap<usize, String>,
}

impl SourceDone {
    pub(crate) fn new(uttrekk: Option<Arkivuttrekk>) -> SourceDone {
        SourceDone {
            plan: SourcePlan::default(),
            ledger_rows: 0,
            addresses_withheld: 0,
            washed: 0,
            crosswalk_rows: 0,
            documents: BTreeMap::new(),
            skjerming: BTreeMap::new(),
            kassasjon: BTreeMap::new(),
            placed: Vec::new(),
            settled: HashMap::new(),
            retention: BTreeMap::new(),
            kasseres: Vec::new(),
            forloeper: BTreeMap::new(),
            journals: BTreeMap::new(),
            journal_creators: Vec::new(),
            has_journal: [false; 2],
            findings: Vec::new(),
            coverage: BTreeMap::new(),
            uttrekk,
        }
    }
}

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
    let washer = match (&registers.wash, job.wash.as_ref().and_then(|w| w.apply)) {
        (Some(full), Some(apply)) => Some(Washer {
            apply,
            registers: full,
            persons: samla_wash::matching::PersonIndex::new(&full.persons),
            orgs: samla_wash::matching::OrgIndex::new(&full.orgs),
        }),
        _ => None,
    };
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
    for (source, mut d) in job.source.iter().zip(done) {
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
        let assembled: Vec<Result<()>> = merged.into_iter().map(join).collect();
        let deposited: Vec<Result<Option<(PathBuf, String, u64)>>> = deposits.into_iter().map(join).collect();
        (assembled, deposited)
    });
    for result in assembled {
        result?;
    }
    for (source, made) in job.source.iter().zip(deposited) {
        if let Some((tar, sha, errors)) = made? {
            outcome.packages.insert(source.name.clone(), (tar, sha));
            if errors > 0 {
                outcome.deposit_errors.insert(source.name.clone(), errors);
            }
        }
    }

    let mut wash_applied = Vec::new();
    if let Some(step) = &job.wash {
        let (report, applied) = wash(step, partial)?;
        outcome.wash = Some(report);
        wash_applied = applied;
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
        if name == "ledger.csv" {
            outcome.ledger_rows += append_wash_ledger(&wash_applied, &mut w, &path)?;
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
    write_file(&partial.join("report.html"), crate::report::html(job, &outcome).as_bytes())?;
    let state = serde_json::to_vec_pretty(&serde_json::json!({
        "fingerprint": fingerprint,
        "outcome": { "ledger_rows": outcome.ledger_rows, "crosswalk_rows": outcome.crosswalk_rows },
    }))
    .expect("the state serialises");
    write_file(&partial.join("run.json"), &state)?;
    Ok(outcome)
}

/// The deposit package of one source: its deposit extract finished and packaged (or, for
/// a flat-file source, its package copied), with the errors the deposit check found in it;
/// `None` if nothing of it is deposited.
///
/// The deposit keeps the source's own values, so what a depot would reject in them (a
/// journalstatus other than "Arkivert", say) cannot be mended here: it is packaged, its
/// findings go into the package's log.xml, and the run reports the count.
fn deposit(
    job: &Job,
    schemas: &SchemaDir,
    plan: &Plan,
    partial: &Path,
    work: &Path,
    source: &Source,
    kept: Kept,
) -> Result<Option<(PathBuf, String, u64)>> {
    let extract = work.join(format!("deposit-{}", source.name));
    let to = Destination::Deposit;
    let c = &plan.counts[&source.name];
    if c.values().all(|c| c.deposited == 0) {
        return Ok(None);
    }
    if source.kind == samla_legacy::SourceKind::Addml {
        // A flat-file extract is deposited whole, as delivered: its package copied.
        let (tar, sha) = crate::flat::deposit_flat(source, &partial.join("deposit").join(&source.name))?;
        return Ok(Some((tar.strip_prefix(partial).unwrap_or(&tar).to_path_buf(), sha, 0)));
    }
    fs::create_dir_all(&extract).map_err(io_at(&extract))?;
    let facts = Facts {
        mapper: c.get("mappe").map_or(0, |c| c.deposited),
        registreringer: c.get("registrering").map_or(0, |c| c.deposited),
        endringer: c.get("endring").map_or(0, |c| c.deposited),
        journals: JOURNALS.map(|j| kept.journals.get(&(to, j)).copied().unwrap_or((0, None))),
        documents: kept.deposited_documents,
        skjerming: 0,
        kassasjon: 0,
        period: kept.period.get(&to).copied(),
    };
    finish_deposit(source, schemas, &extract, kept.uttrekk, &facts, &kept.journal_creators)?;
    let out = partial.join("deposit").join(&source.name);
    fs::create_dir_all(&out).map_err(io_at(&out))?;
    let as_of = Date::parse(&job.job.as_of).expect("checked when the job was read");
    let options = samla_package::package::Options {
        out: out.clone(),
        uuid: Some(
            uuid::Uuid::new_v5(&crate::plan::NAMESPACE, format!("{}\u{1f}{}", job.job.name, source.name).as_bytes())
                .to_string(),
        ),
        package_type: samla_package::mets::PackageType::Sip,
        metadata: samla_package::metadata::Metadata::default(),
        source_date_epoch: Some(as_of.to_days() * 86_400),
        allow_errors: true,
        schemas: schemas.clone(),
        format: samla_package::package::Format::Dias,
    };
    let made = samla_package::package::package(&extract, &options, &mut |_, _| {})?;
    let tar = made.tar.strip_prefix(partial).unwrap_or(&made.tar).to_path_buf();
    Ok(Some((tar, made.sha256, made.check.0)))
}

/// What arkivuttrekk.xml states about an extract samla made.
#[derive(Clone, Copy)]
struct Facts {
    mapper: u64,
    registreringer: u64,
    endringer: u64,
    /// loependeJournal and offentligJournal: entries, first and last journaldato.
    journals: [(u64, Option<Span>); 2],
    documents: u64,
    skjerming: u64,
    kassasjon: u64,
    period: Option<Span>,
}

/// What the job's register snapshots say that the conversion itself must honour.
#[derive(Default)]
struct Registers {
    /// SSB's Klass 131 changes, when the job maps kommunenummer.
    klass: Option<samla_wash::snapshot::Kommuneendringer>,
    /// Identifiers (current and old) of the persons Folkeregisteret has under
    /// adressebeskyttelse, when the job washes: their addresses are not carried over.
    protected: HashSet<String>,
    /// The Folkeregisteret snapshots that said so, for the ledger.
    freg: Vec<String>,
    /// Old identifiers (a D-number later replaced) → the person's identifier now.
    current: HashMap<String, String>,
    /// Every register of the wash job, when the job applies washed values.
    wash: Option<samla_wash::wash::Registers>,
}

impl Registers {
    fn load(job: &Job) -> Result<Registers> {
        let mut registers = Registers::default();
        if let Some(k) = &job.kommunenummer {
            registers.klass = Some(samla_wash::snapshot::load_kommuneendringer(&k.klass131).map_err(wash_error)?);
        }
        if let Some(step) = &job.wash {
            let text = fs::read_to_string(&step.job).map_err(io_at(&step.job))?;
            let wash = samla_wash::job::Job::parse(&step.job, &text).map_err(wash_error)?;
            if step.apply.is_some() {
                let full = samla_wash::wash::Registers::load(&wash.snapshot, &mut |_| {}).map_err(wash_error)?;
                registers.note_persons(full.persons.iter());
                registers.freg = full
                    .snapshots
                    .iter()
                    .filter(|(s, _)| s.register == samla_wash::snapshot::Register::Folkeregisteret)
                    .map(|(s, _)| s.id.clone())
                    .collect();
                registers.wash = Some(full);
                return Ok(registers);
            }
            for snapshot in
                wash.snapshot.iter().filter(|s| s.register == samla_wash::snapshot::Register::Folkeregisteret)
            {
                let persons = samla_wash::snapshot::load_freg(&snapshot.path).map_err(wash_error)?;
                registers.note_persons(persons.iter());
                registers.freg.push(snapshot.id.clone());
            }
        }
        Ok(registers)
    }

    /// The replaced identifiers and the persons under adressebeskyttelse.
    fn note_persons<'p>(&mut self, persons: impl Iterator<Item = &'p samla_wash::snapshot::Person>) {
        for person in persons {
            for old in &person.old_ids {
                self.current.insert(old.clone(), person.id.clone());
            }
            if person.protected {
                self.protected.insert(person.id.clone());
                self.protected.extend(person.old_ids.iter().cloned());
            }
        }
    }
}

/// The address fields of a korrespondansepart or part, which adressebeskyttelse withholds.
const ADDRESS_FIELDS: [&str; 4] = ["postadresse", "postnummer", "poststed", "land"];

/// One source's pass: arkivstruktur.xml, then the endringslogg and the journals.
fn convert_source(
    job: &Job,
    source: &Source,
    partial: &Path,
    registers: &Registers,
    washer: Option<&Washer>,
) -> Result<SourceDone> {
    if source.kind == samla_legacy::SourceKind::Addml {
        let mut done = SourceDone::new(None);
        done.plan = crate::flat::convert_flat(job, source, partial)?;
        return Ok(done);
    }
    let work = partial.join("work");
    let (extract, mut reader) = open_arkivstruktur(source)?;
    let mut sink = Writers::new(job, source, &extract, partial, registers, washer)?;
    let plan = plan_source(job, source, &mut reader, &mut sink)?;
    drop(reader);
    let (mut done, ids) = sink.finish(plan)?;
    // The endringslogg and the journals follow their units.
    for follower in &FOLLOWERS {
        let Some(name) = extract.find(&format!("{}.xml", follower.object)).map(str::to_string) else { continue };
        route_follower(&extract, &name, follower, source, &ids, &work, &mut done)?;
    }
    Ok(done)
}

/// A file whose units follow arkivstruktur's: each goes where the unit it names went.
struct Follower {
    object: &'static str,
    split: Split,
    /// The unit's element name.
    unit: &'static str,
    /// Where the referenced systemID is: a child, or a child of a child.
    reference: &'static [&'static str],
}

const FOLLOWERS: [Follower; 3] = [
    Follower {
        object: "endringslogg",
        split: Split::ENDRINGSLOGG,
        unit: "endring",
        reference: &["referanseArkivenhet"],
    },
    Follower {
        object: "loependeJournal",
        split: Split::JOURNAL,
        unit: "journalregistrering",
        reference: &["journalpost", "systemID"],
    },
    Follower {
        object: "offentligJournal",
        split: Split::JOURNAL,
        unit: "journalregistrering",
        reference: &["journalpost", "systemID"],
    },
];

fn reference_mut<'e>(e: &'e mut Element, path: &[&str]) -> Option<&'e mut Element> {
    path.iter().try_fold(e, |e, name| e.child_mut(name))
}

/// Routes one follower file of a source into per-destination fragments. Endringer are
/// counted in the reconciliation (one not routed is rejected, with a finding); journal
/// entries are counted per journal for its head, with their first and last journaldato.
fn route_follower(
    extract: &Extract,
    name: &str,
    follower: &Follower,
    source: &Source,
    ids: &HashMap<u64, Destination>,
    work: &Path,
    done: &mut SourceDone,
) -> Result<()> {
    let mut reader = UnitReader::parallel(extract.open_file(name)?, extract.display(name), follower.split);
    let mut frags = BTreeMap::new();
    for to in [Destination::Convert, Destination::Close, Destination::Deposit] {
        let path = work.join(format!("{}.{}.{}", source.name, to.folder(), follower.object));
        let file = File::create(&path).map_err(io_at(&path))?;
        frags.insert(to, (XmlWriter::fragment(BufWriter::new(file), 1), path));
    }
    let endring = follower.object == "endringslogg";
    if let Some(i) = JOURNALS.iter().position(|j| *j == follower.object) {
        done.has_journal[i] = true;
    }
    while let Some(event) = reader.next_event()? {
        let Event::Unit(mut unit) = event else { continue };
        if unit.local_name() == "journalhode" {
            // The deposit keeps the journal's own arkivskaper.
            done.journal_creators = unit.children_named("arkivskaper").cloned().collect();
            continue;
        }
        if unit.local_name() != follower.unit {
            continue;
        }
        let target =
            reference_mut(&mut unit, follower.reference).map(|r| r.text.trim().to_string()).unwrap_or_default();
        let Some(&to) = ids.get(&id_hash(&target)) else {
            if endring {
                let counts = done.plan.counts.entry("endring").or_default();
                counts.r#in += 1;
                counts.rejected += 1;
            }
            done.findings.push(format!(
                "{}: {} line {}: {} refers to systemID `{target}`, which no unit of the source has; not carried over",
                source.name,
                extract.display(name),
                unit.pos.line,
                follower.unit
            ));
            continue;
        };
        if endring {
            done.plan.counts.entry("endring").or_default().add(to, 1);
        } else {
            let date = unit.child("journalpost").and_then(|jp| jp.value("journaldato")).and_then(Date::parse);
            let entry = done.journals.entry((to, follower.object)).or_insert((0, None));
            entry.0 += 1;
            entry.1 = widen(entry.1, date.map(|d| (d, d)));
        }
        if to != Destination::Deposit
            && let Some(r) = reference_mut(&mut unit, follower.reference)
        {
            r.text = new_system_id(&source.name, &target);
        }
        let (w, path) = frags.get_mut(&to).expect("every destination has a fragment");
        w.element(&unit).map_err(io_at(path))?;
    }
    for (_, (w, path)) in frags {
        let f = w.finish().map_err(io_at(&path))?;
        sync(f, &path)?;
    }
    Ok(())
}

/// How an organisation unit rule reads in the ledger.
fn enhet_rule(rule: &crate::job::Enhet) -> String {
    format!(
        "enhet: {} → {} ({} – {})",
        rule.from,
        rule.to,
        rule.valid_from.as_deref().unwrap_or("…"),
        rule.valid_to.as_deref().unwrap_or("…")
    )
}

fn id_hash(id: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

/// The open output of one destination: its fragment writer and how many of the reader's
/// open containers it has opened (containers are opened only when a unit goes there).
struct Output {
    w: XmlWriter<BufWriter<File>>,
    path: PathBuf,
    open: usize,
    /// Document files copied there, by their path in the output.
    copied: HashSet<String>,
}

struct Writers<'a> {
    job: &'a Job,
    source: &'a Source,
    extract: &'a Extract,
    partial: PathBuf,
    outputs: BTreeMap<Destination, Output>,
    /// The reader's open containers.
    stack: Vec<Element>,
    ledger: BufWriter<File>,
    ledger_path: PathBuf,
    crosswalk: BufWriter<File>,
    crosswalk_path: PathBuf,
    gaps: BufWriter<File>,
    gaps_path: PathBuf,
    tables: Tables,
    /// Every systemID of the source (hashed) and where its unit went, for the endringslogg.
    ids: HashMap<u64, Destination>,
    done: SourceDone,
    line: String,
    /// Containers already listed in the crosswalk.
    headers: HashSet<u64>,
    /// What the register snapshots say (Klass 131, adressebeskyttelse).
    registers: &'a Registers,
    /// With an archive plan: where the converted units are written, to be put in the
    /// plan's klasser when the sources are assembled.
    placed: Option<Placed>,
    /// Each source klasse seen so far, by old systemID: its klasseID and its place in the
    /// plan (for secondary classifications).
    klasser: HashMap<String, SourceKlasse>,
    /// Secondary classifications naming a klasse not seen yet: the unit's entity, its old
    /// systemID and the klasse's.
    later: Vec<(String, String, String)>,
    /// A unit whose new systemID is not the usual one (a person's one mappe): old → new.
    id_override: Option<(String, String)>,
    /// With `[wash] apply`: the registers to wash the converted parties against.
    washer: Option<&'a Washer<'a>>,
}

/// A klasse of the source, under a plan.
struct SourceKlasse {
    /// Its klasseID.
    id: String,
    /// Where the plan puts its units; none when no rule maps it.
    place: Option<Place>,
}

/// The registers of the wash job, indexed for matching the converted parties.
struct Washer<'r> {
    apply: crate::job::Apply,
    registers: &'r samla_wash::wash::Registers,
    persons: samla_wash::matching::PersonIndex<'r>,
    orgs: samla_wash::matching::OrgIndex<'r>,
}

impl Washer<'_> {
    /// A ledger rule: the matching rule and class, and the register's snapshot with its date.
    fn rule(&self, register: samla_wash::snapshot::Register, rule: &str, class: &str) -> String {
        let snapshot = self
            .registers
            .snapshots
            .iter()
            .find(|(s, _)| s.register == register)
            .map(|(s, _)| format!("{} as of {}", s.id, s.as_of))
            .unwrap_or_default();
        format!("wash apply: {rule}, class {class}, {snapshot}")
    }
}

/// A converted unit's klasse in the archive plan, and its byte range in its source's
/// `work/<source>.plan.arkivstruktur`.
#[derive(Debug, Clone)]
struct Placement {
    place: Place,
    at: u64,
    len: u64,
    /// It names a secondary klasse that came later in the source (see `settle_later`).
    later: bool,
    /// In an arkivdel ordered by person: the person's fødselsnummer (washed), or
    /// [`crate::arkivplan::UNKNOWN_PERSON`].
    person: Option<String>,
    /// A mappe (else a registrering): a klasse holds one kind or the other.
    mappe: bool,
}

/// The converted units of a source under an archive plan.
struct Placed {
    out: BufWriter<File>,
    path: PathBuf,
    at: u64,
    buf: Vec<u8>,
}

impl<'a> Writers<'a> {
    fn new(
        job: &'a Job,
        source: &'a Source,
        extract: &'a Extract,
        partial: &Path,
        registers: &'a Registers,
        washer: Option<&'a Washer<'a>>,
    ) -> Result<Writers<'a>> {
        let work = partial.join("work");
        let mut outputs = BTreeMap::new();
        for to in [Destination::Convert, Destination::Close, Destination::Deposit] {
            let path = work.join(format!("{}.{}.arkivstruktur", source.name, to.folder()));
            let file = File::create(&path).map_err(io_at(&path))?;
            // The deposit is the source's own document; the others sit inside the new arkiv.
            let depth = usize::from(to != Destination::Deposit);
            let w = XmlWriter::fragment(BufWriter::with_capacity(1 << 20, file), depth);
            outputs.insert(to, Output { w, path, open: 0, copied: HashSet::new() });
        }
        let create = |name: &str| -> Result<(BufWriter<File>, PathBuf)> {
            let path = work.join(format!("{}.{name}", source.name));
            Ok((BufWriter::with_capacity(1 << 20, File::create(&path).map_err(io_at(&path))?), path))
        };
        let (ledger, ledger_path) = create("ledger.csv")?;
        let (crosswalk, crosswalk_path) = create("crosswalk.csv")?;
        let (gaps, gaps_path) = create("gaps.csv")?;
        let uttrekk =
            extract.find("arkivuttrekk.xml").and_then(|n| Arkivuttrekk::read(extract.open_file(n).ok()?, n).ok());
        let evidence = samla_noark5::version::VersionEvidence::gather(
            extract,
            uttrekk.as_ref().and_then(|u| u.version.as_deref()),
        );
        if let Some(v) = evidence.version().filter(|v| *v != samla_noark5::Version::V5_0) {
            return Err(Error::new(
                ErrorKind::Content,
                source.path.display().to_string(),
                format!("source `{}` is Noark 5 v{v}; samla run merges v5.0 extracts", source.name),
            )
            .with_hint("convert the extract to v5.0 first"));
        }
        Ok(Writers {
            job,
            source,
            extract,
            partial: partial.to_path_buf(),
            outputs,
            stack: Vec::new(),
            ledger,
            ledger_path,
            crosswalk,
            crosswalk_path,
            gaps,
            gaps_path,
            tables: Tables::new(&partial.join("tables"), &source.name)?,
            ids: HashMap::new(),
            done: SourceDone::new(uttrekk),
            line: String::new(),
            headers: HashSet::new(),
            registers,
            placed: match job.plan {
                Some(_) => {
                    let path = work.join(format!("{}.plan.arkivstruktur", source.name));
                    let out = BufWriter::with_capacity(1 << 20, File::create(&path).map_err(io_at(&path))?);
                    Some(Placed { out, path, at: 0, buf: Vec::new() })
                }
                None => None,
            },
            klasser: HashMap::new(),
            later: Vec::new(),
            id_override: None,
            washer,
        })
    }

    /// Closes the outputs; returns what the pass made and where each systemID went.
    fn finish(mut self, plan: SourcePlan) -> Result<(SourceDone, HashMap<u64, Destination>)> {
        for (_, o) in std::mem::take(&mut self.outputs) {
            let f = o.w.finish().map_err(io_at(&o.path))?;
            sync(f, &o.path)?;
        }
        if let Some(p) = self.placed.take() {
            sync(p.out, &p.path)?;
        }
        self.done.settled = self.settle_later()?;
        // Found while writing: the routing pass's plan does not know it.
        let without = std::mem::take(&mut self.done.plan.classification.without_person);
        sync(self.ledger, &self.ledger_path)?;
        sync(self.crosswalk, &self.crosswalk_path)?;
        sync(self.gaps, &self.gaps_path)?;
        self.tables.finish()?;
        self.done.plan = plan;
        self.done.plan.classification.without_person = without;
        Ok((self.done, self.ids))
    }

    fn ledger(&mut self, entity: &str, system_id: &str, field: &str, old: &str, new: &str, rule: &str) -> Result<()> {
        self.line.clear();
        csv_line(&mut self.line, &[&self.source.name, entity, system_id, field, old, new, rule]);
        self.done.ledger_rows += 1;
        self.ledger.write_all(self.line.as_bytes()).map_err(io_at(&self.ledger_path))
    }

    /// Rewrites an element of a converted or closed unit in place: new systemIDs and
    /// references, crosswalked codes, prefixed mappeID and registreringsID, documents
    /// moved under DOKUMENT/<source>/. Not inside virksomhetsspesifikkeMetadata.
    fn rewrite(&mut self, e: &mut Element, to: Destination, owner: &str) -> Result<()> {
        let name = &self.source.name;
        let entity = e.local_name().to_string();
        let own = e.value("systemID").map(str::to_string);
        let owner = own.as_deref().unwrap_or(owner).to_string();
        let date = crate::plan::unit_date(e);
        if to == Destination::Convert && !self.registers.protected.is_empty() {
            self.withhold_protected_addresses(e, &entity, &owner)?;
        }
        if to == Destination::Convert && self.washer.is_some() {
            self.apply_wash(e, &entity, &owner)?;
        }
        let mut children = std::mem::take(&mut e.children);
        for c in &mut children {
            let qualified = c.name.clone();
            let field = samla_noark5::element::local_name(&qualified);
            if field == "systemID" {
                let new = match &self.id_override {
                    Some((old, new)) if old == c.text.trim() => new.clone(),
                    _ => new_system_id(name, c.text.trim()),
                };
                if Split::ARKIVSTRUKTUR.containers.contains(&entity.as_str())
                    && !self.headers.insert(id_hash(c.text.trim()))
                {
                    // A container opened again in another destination: listed once.
                    c.text = new;
                    continue;
                }
                self.line.clear();
                csv_line(&mut self.line, &[name, &entity, c.text.trim(), &new]);
                self.crosswalk.write_all(self.line.as_bytes()).map_err(io_at(&self.crosswalk_path))?;
                self.done.crosswalk_rows += 1;
                self.ids.insert(id_hash(c.text.trim()), to);
                c.text = new;
            } else if ID_REFERENCES.contains(&field) {
                c.text = new_system_id(name, c.text.trim());
            } else if field == "mappeID" || field == "registreringsID" {
                let new = format!("{name}:{}", c.text.trim());
                let field = field.to_string();
                self.ledger(&entity, &owner, &field, &c.text, &new, "collision: prefixed with the source's name")?;
                c.text = new;
            } else if field == "referanseDokumentfil" {
                let new = self.copy_document(c.text.trim(), to)?;
                if new != c.text {
                    self.ledger(
                        &entity,
                        &owner,
                        "referanseDokumentfil",
                        &c.text.clone(),
                        &new,
                        "document placed under DOKUMENT/<source>/",
                    )?;
                    c.text = new;
                }
            } else if field == "administrativEnhet" && self.job.maps_enhet(name) {
                let coverage = self.done.coverage.entry("administrativEnhet".into()).or_default();
                coverage.0 += 1;
                if let Some(rule) = self.job.enhet(name, c.text.trim(), date) {
                    coverage.1 += 1;
                    let (new, how) = (rule.to.clone(), enhet_rule(rule));
                    if new != c.text {
                        self.ledger(&entity, &owner, "administrativEnhet", &c.text.clone(), &new, &how)?;
                        c.text = new;
                    }
                }
            } else if field == "kommunenummer"
                && let Some(klass) = &self.registers.klass
            {
                match klass.resolve(c.text.trim()) {
                    samla_wash::snapshot::Kommune::Now(chain) => {
                        let rule = format!("klass131: {} → {}", c.text.trim(), chain.join(" → "));
                        let new = chain.last().cloned().unwrap_or_default();
                        self.ledger(&entity, &owner, "kommunenummer", &c.text.clone(), &new, &rule)?;
                        c.text = new;
                    }
                    samla_wash::snapshot::Kommune::Split(to) => self.done.findings.push(format!(
                        "{name}: {entity} {owner}: kommunenummer {} was split between {} (Klass 131); kept as it is",
                        c.text.trim(),
                        to.join(", ")
                    )),
                    samla_wash::snapshot::Kommune::Unchanged => {}
                }
            } else if let Some(map) = self.job.crosswalk.fields.get(field) {
                let field = field.to_string();
                let coverage = self.done.coverage.entry(field.clone()).or_default();
                coverage.0 += 1;
                if let Some(new) = map.get(c.text.trim()) {
                    coverage.1 += 1;
                    if *new != c.text {
                        let rule = format!("crosswalk.{field}");
                        self.ledger(&entity, &owner, &field, &c.text.clone(), new, &rule)?;
                        c.text = new.clone();
                    }
                }
            } else if field == "skjerming" {
                *self.done.skjerming.entry(to).or_default() += 1;
            } else if field == "kassasjon" {
                *self.done.kassasjon.entry(to).or_default() += 1;
            }
            if field != "virksomhetsspesifikkeMetadata" && !c.children.is_empty() {
                self.rewrite(c, to, &owner)?;
            }
        }
        e.children = children;
        Ok(())
    }

    /// Removes the address of every party of `e` whom Folkeregisteret has under
    /// adressebeskyttelse: the new system must not carry it (the closed part and the
    /// deposit keep the source as it was). The ledger says so without the address.
    fn withhold_protected_addresses(&mut self, e: &mut Element, entity: &str, owner: &str) -> Result<()> {
        let mut withheld = Vec::new();
        for (i, p) in e.children.iter().enumerate() {
            if !matches!(p.local_name(), "korrespondansepart" | "part" | "sakspart") {
                continue;
            }
            let (fnr, _) = samla_wash::parties::party_ids(e, p);
            if !fnr.is_empty() && self.registers.protected.contains(&fnr) {
                withheld.push(i);
            }
        }
        for i in withheld {
            let party = &mut e.children[i];
            let fields: Vec<String> = party
                .children
                .iter()
                .filter(|c| ADDRESS_FIELDS.contains(&c.local_name()))
                .map(|c| c.local_name().to_string())
                .collect();
            if fields.is_empty() {
                continue;
            }
            party.children.retain(|c| !ADDRESS_FIELDS.contains(&c.local_name()));
            let element = party.local_name().to_string();
            let rule =
                format!("adressebeskyttelse ({}): the address is not carried over", self.registers.freg.join(", "));
            self.ledger(entity, owner, &format!("{element}/{}", fields.join("+")), "", "", &rule)?;
            self.done.addresses_withheld += 1;
        }
        Ok(())
    }

    /// With `[wash] apply`: each party of a converted unit that the registers match in a
    /// class the job applies gets their values now: a fødselsnummer for a D-number
    /// Folkeregisteret has replaced, the current bostedsadresse (never one under
    /// adressebeskyttelse), an organisation's current name. Each change is a ledger row
    /// with the rule, the class, the snapshot and its date.
    fn apply_wash(&mut self, e: &mut Element, entity: &str, owner: &str) -> Result<()> {
        let Some(w) = self.washer else { return Ok(()) };
        let mut changes: Vec<(usize, &'static str, String, String)> = Vec::new();
        for (i, p) in e.children.iter().enumerate() {
            if !matches!(p.local_name(), "korrespondansepart" | "part" | "sakspart") {
                continue;
            }
            let text = |names: &[&str]| samla_wash::parties::first_text(p, names);
            let navn = text(&["korrespondansepartNavn", "partNavn", "sakspartNavn", "navn"]);
            let (postadresse, postnummer) = (text(&["postadresse"]), text(&["postnummer"]));
            let (fnr, orgnr) = samla_wash::parties::party_ids(e, p);
            fn some(v: &str) -> Option<&str> {
                Some(v).filter(|v| !v.is_empty())
            }
            if !orgnr.is_empty() {
                let record = samla_wash::matching::OrgRecord {
                    orgnr: some(&orgnr),
                    name: some(&navn),
                    postnummer: some(&postnummer),
                };
                if let (samla_wash::matching::Outcome::Matched { entity: at, class, rule, .. }, _) =
                    samla_wash::matching::match_org(&w.orgs, &record)
                    && w.apply.covers(class)
                {
                    let org = &w.registers.orgs[at as usize];
                    let how = w.rule(samla_wash::snapshot::Register::Enhetsregisteret, rule.as_str(), class.as_str());
                    changes.push((i, "navn", org.navn.clone(), how));
                }
                continue;
            }
            let record = samla_wash::matching::PersonRecord {
                id: some(&fnr),
                name: some(&navn),
                address: some(&postadresse),
                postnummer: some(&postnummer),
                ..Default::default()
            };
            let (outcome, _) = samla_wash::matching::match_person(&w.persons, &record, &Default::default());
            let samla_wash::matching::Outcome::Matched { entity: at, class, rule, .. } = outcome else { continue };
            if !w.apply.covers(class) {
                continue;
            }
            let person = &w.registers.persons[at as usize];
            let how = w.rule(samla_wash::snapshot::Register::Folkeregisteret, rule.as_str(), class.as_str());
            if !fnr.is_empty() && fnr != person.id {
                changes.push((i, "id", person.id.clone(), how.clone()));
            }
            if let Some(a) = person.addresses.first().filter(|_| !person.protected) {
                changes.push((i, "postadresse", a.line(), how.clone()));
                changes.push((i, "postnummer", a.postnummer.clone(), how.clone()));
                changes.push((i, "poststed", a.poststed.clone(), how));
            }
        }
        for (i, field, new, how) in changes {
            let element = e.children[i].local_name().to_string();
            let names: &[&str] = match field {
                "navn" => &["korrespondansepartNavn", "partNavn", "sakspartNavn", "navn"],
                "id" => &["foedselsnummer", "DNummer", "partID", "sakspartID"],
                other => &[other][..],
            };
            let Some(c) = e.children[i].children.iter_mut().find(|c| names.contains(&c.local_name())) else { continue };
            if c.text.trim() == new {
                continue;
            }
            let old = std::mem::replace(&mut c.text, new.clone());
            let name = c.local_name().to_string();
            // The identifier is masked in the ledger as in every report.
            let (old, new) =
                if field == "id" { (samla_wash::wash::mask(&old), samla_wash::wash::mask(&new)) } else { (old, new) };
            self.ledger(entity, owner, &format!("{element}/{name}"), &old, &new, &how)?;
            self.done.washed += 1;
        }
        Ok(())
    }

    /// Copies a document into the destination once; returns the reference to write.
    fn copy_document(&mut self, reference: &str, to: Destination) -> Result<String> {
        let Some(found) = self.extract.find(reference).map(str::to_string) else {
            self.done.findings.push(format!(
                "{}: referanseDokumentfil `{reference}` is not in the extract; the reference is kept",
                self.source.name
            ));
            return Ok(reference.to_string());
        };
        let rel = if to == Destination::Deposit {
            found.clone()
        } else {
            let rest = found.split_once('/').map_or(found.as_str(), |(_, rest)| rest);
            format!("DOKUMENT/{}/{rest}", self.source.name)
        };
        let output = self.outputs.get_mut(&to).expect("every destination has an output");
        if output.copied.insert(rel.clone()) {
            let root = if to == Destination::Deposit {
                self.partial.join("work").join(format!("deposit-{}", self.source.name))
            } else {
                self.partial.join(to.folder())
            };
            let path = root.join(&rel);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(io_at(parent))?;
            }
            let mut from = self.extract.open_file(&found)?;
            let mut file = File::create(&path).map_err(io_at(&path))?;
            io::copy(&mut from, &mut file).map_err(io_at(&path))?;
            *self.done.documents.entry(to).or_default() += 1;
        }
        Ok(rel)
    }

    /// Opens, in `to`, the containers of the reader's stack that are not open there yet.
    fn open_containers(&mut self, to: Destination) -> Result<()> {
        loop {
            let level = self.outputs[&to].open;
            if level >= self.stack.len() {
                return Ok(());
            }
            let mut header = self.stack[level].clone();
            if to == Destination::Deposit
                && let Some(id) = header.value("systemID")
            {
                self.ids.entry(id_hash(id.trim())).or_insert(to);
            }
            if to != Destination::Deposit {
                if level == 0 {
                    // The source's arkiv becomes an underarkiv of the new one.
                    header.attrs.retain(|(k, _)| !k.ends_with("schemaLocation"));
                }
                self.rewrite(&mut header, to, "")?;
                if to == Destination::Close && header.local_name() == "arkivdel" {
                    self.end_period(&mut header, &self.stack[level].clone())?;
                }
            }
            let o = self.outputs.get_mut(&to).expect("every destination has an output");
            o.w.start(&header).map_err(io_at(&o.path))?;
            o.open += 1;
        }
    }

    /// Under a plan, an old arkivdel in the closed part ends at the merger: "Avsluttet
    /// periode", arkivperiodeSluttDato the job's date, and referanseArvtaker the plan's
    /// arkivdel that continues it (which points back with referanseForloeper).
    fn end_period(&mut self, header: &mut Element, old: &Element) -> Result<()> {
        let Some(plan) = &self.job.plan else { return Ok(()) };
        let owner = old.value("systemID").unwrap_or_default().trim().to_string();
        let mut changes = vec![
            ("arkivdelstatus", "Avsluttet periode".to_string(), "plan: the old period ends at the merger"),
            ("arkivperiodeSluttDato", self.job.job.as_of.clone(), "plan: the old period ends at the merger"),
        ];
        let names = crate::arkivplan::identities(old);
        if let Some(a) = plan.continuing(&self.source.name, &names) {
            let to = plan.system_id(&self.job.target.kommunenummer, PlanUnit::Arkivdel(a));
            changes.push(("referanseArvtaker", to, "plan: continued by the plan's arkivdel"));
            let here = header.value("systemID").unwrap_or_default().trim().to_string();
            self.done.forloeper.insert(a, here);
        }
        for (field, value, rule) in changes {
            let before = put_field(header, field, &value, ARKIVDEL_ORDER);
            if before.as_deref() != Some(value.as_str()) {
                self.ledger("arkivdel", &owner, field, before.as_deref().unwrap_or(""), &value, rule)?;
            }
        }
        Ok(())
    }

    /// Under a plan, the retention its kassasjon rules give the unit's klasse: the
    /// kassasjon element (the source's replaced, in the ledger), counted for the report.
    fn retain(&mut self, e: &mut Element, to: Destination, place: Place) -> Result<()> {
        let Some(rule) = self.job.plan.as_ref().and_then(|p| p.kassasjon_at(place)) else { return Ok(()) };
        let as_of = Date::parse(&self.job.job.as_of).expect("checked when the job was read");
        let closed = e.value("avsluttetDato").and_then(Date::parse).unwrap_or(as_of);
        let (kassasjon, at) = rule.element(closed);
        let entity = e.local_name().to_string();
        let mut old = Element::new("kassasjon");
        if let Some(i) = e.children.iter().position(|c| c.is("kassasjon")) {
            old = e.children.remove(i);
        }
        let describe = |k: &Element| {
            ["kassasjonsvedtak", "bevaringstid", "kassasjonsdato"]
                .iter()
                .filter_map(|f| k.value(f))
                .collect::<Vec<_>>()
                .join(" / ")
        };
        let owner = e.value("systemID").unwrap_or_default().trim().to_string();
        let (before, after) = (describe(&old), describe(&kassasjon));
        if before != after {
            self.ledger(&entity, &owner, "kassasjon", &before, &after, "plan: kassasjon rule of the klasse")?;
        }
        let order = if matches!(e.kind(), Kind::Mappe(_)) { MAPPE_ORDER } else { REGISTRERING_ORDER };
        let index = insert_at(e, order, "kassasjon");
        e.children.insert(index, kassasjon);
        *self.done.retention.entry((to, rule.vedtak, at.year)).or_default() += 1;
        if rule.vedtak == crate::arkivplan::Vedtak::Kasseres {
            let id = e.value("mappeID").or_else(|| e.value("registreringsID")).unwrap_or_default().trim().to_string();
            self.done.kasseres.push(Disposal {
                source: self.source.name.clone(),
                part: to.folder().to_string(),
                entity,
                system_id: owner,
                id,
                kassasjonsdato: at.to_string(),
            });
        }
        Ok(())
    }

    /// Adds the provenance to every mappe and registrering of a rewritten unit.
    fn provenance(&self, e: &mut Element, old: &Element) {
        let kind = e.kind();
        if matches!(kind, Kind::Mappe(_) | Kind::Registrering(_)) {
            let mut p = Element::new("samla:proveniens");
            p.set_attr("xmlns:samla", PROVENANCE_NS);
            p.push_field("samla:kilde", &self.source.name);
            if !self.source.kommunenummer.is_empty() {
                p.push_field("samla:kommunenummer", &self.source.kommunenummer);
            }
            // The extract's name, not its absolute path: the output does not depend on where it ran.
            let extract = self.source.path.file_name().unwrap_or_default().to_string_lossy();
            p.push_field("samla:uttrekk", extract);
            p.push_field("samla:gammelSystemID", old.value("systemID").unwrap_or_default());
            for field in ["mappeID", "registreringsID"] {
                if let Some(v) = old.value(field) {
                    p.push_field(&format!("samla:gammel{}{}", field[..1].to_uppercase(), &field[1..]), v);
                }
            }
            p.push_field("samla:jobbversjon", self.job.version_label());
            match e.child_mut("virksomhetsspesifikkeMetadata") {
                Some(vsm) => {
                    vsm.push(p);
                }
                None => {
                    let mut vsm = Element::new("virksomhetsspesifikkeMetadata");
                    vsm.push(p);
                    let order = if matches!(kind, Kind::Mappe(_)) { MAPPE_ORDER } else { REGISTRERING_ORDER };
                    let at = insert_at(e, order, "virksomhetsspesifikkeMetadata");
                    e.children.insert(at, vsm);
                }
            }
        }
        let unit = |c: &&mut Element| matches!(c.kind(), Kind::Mappe(_) | Kind::Registrering(_));
        let olds = old.children.iter().filter(|c| matches!(c.kind(), Kind::Mappe(_) | Kind::Registrering(_)));
        for (child, o) in e.children.iter_mut().filter(unit).zip(olds) {
            self.provenance(child, o);
        }
    }
}

impl Sink for Writers<'_> {
    fn start(&mut self, header: &Element) -> Result<()> {
        self.stack.push(header.clone());
        if let Some(plan) = &self.job.plan
            && header.local_name() == "arkivdel"
        {
            let names = crate::arkivplan::identities(header);
            if let (Some(a), Some(id)) = (plan.continuing(&self.source.name, &names), names.first()) {
                // As delivered (the deposit keeps it); the closed part's copy wins if it has one.
                self.done.forloeper.entry(a).or_insert_with(|| id.to_string());
            }
        }
        if let Some(plan) = &self.job.plan
            && header.local_name() == "klasse"
            && let Some(id) = header.value("systemID")
        {
            let (system, klasse) = crate::arkivplan::classification(self.stack.iter());
            let place = klasse.and_then(|k| plan.place(&self.source.name, &system, k));
            self.klasser
                .insert(id.trim().to_string(), SourceKlasse { id: klasse.unwrap_or_default().to_string(), place });
        }
        Ok(())
    }

    fn end(&mut self) -> Result<()> {
        let level = self.stack.len();
        for o in self.outputs.values_mut() {
            if o.open == level {
                o.w.end().map_err(io_at(&o.path))?;
                o.open -= 1;
            }
        }
        self.stack.pop();
        Ok(())
    }

    fn gap(&mut self, gap: &crate::plan::Gap) -> Result<()> {
        let (line, path) = (&mut self.line, &self.gaps_path);
        line.clear();
        csv_line(line, &[&gap.source, &gap.entity, &gap.system_id, &gap.id, &gap.field]);
        self.gaps.write_all(line.as_bytes()).map_err(io_at(path))
    }

    fn unit(&mut self, unit: Element, to: Destination, flagged: bool, place: Option<Place>) -> Result<()> {
        if to == Destination::Convert && self.placed.is_some() {
            return self.place(unit, flagged, place);
        }
        self.open_containers(to)?;
        if to == Destination::Deposit {
            let mut refs = Vec::new();
            for e in unit.noark_descendants() {
                if let Some(id) = e.value("systemID") {
                    self.ids.insert(id_hash(id.trim()), to);
                }
                if let Some(f) = e.value("referanseDokumentfil") {
                    refs.push(f.trim().to_string());
                }
            }
            for r in refs {
                self.copy_document(&r, to)?;
            }
            let o = self.outputs.get_mut(&to).expect("every destination has an output");
            return o.w.element(&unit).map_err(io_at(&o.path));
        }
        let context = self
            .stack
            .iter()
            .rev()
            .find(|h| h.local_name() == "klasse")
            .and_then(|k| k.value("klasseID"))
            .map(str::to_string);
        self.tables.add(self.job, self.source, &unit, to, context.as_deref());
        let mut new = unit.clone();
        self.rewrite(&mut new, to, "")?;
        self.provenance(&mut new, &unit);
        if to == Destination::Close
            && let Some(plan) = &self.job.plan
            && let (system, Some(klasse)) = crate::arkivplan::classification(self.stack.iter())
            && let Some(place) = plan.place(&self.source.name, &system, klasse)
        {
            self.retain(&mut new, to, place)?;
        }
        if flagged {
            flag(&mut new, "ukartlagt kodeverdi");
        }
        let o = self.outputs.get_mut(&to).expect("every destination has an output");
        o.w.element(&new).map_err(io_at(&o.path))
    }
}

/// Marks a unit kept with a value no crosswalk or plan maps (unmapped = "keep-and-flag").
fn flag(unit: &mut Element, why: &str) {
    if let Some(p) = unit.child_mut("virksomhetsspesifikkeMetadata").and_then(|v| v.children.last_mut()) {
        p.push_field("samla:flagg", why);
    }
}

impl Writers<'_> {
    /// A converted unit under an archive plan: rewritten as any converted unit, its
    /// references to its arkivdel and klasser moved to the plan's, and written for the
    /// assembly to put in its klasse. Without a place (no rule maps its klasse) the run
    /// stops when the sources are done, so it is not written.
    fn place(&mut self, unit: Element, flagged: bool, place: Option<Place>) -> Result<()> {
        let (Some(place), Some(plan)) = (place, self.job.plan.as_ref()) else { return Ok(()) };
        let (system, klasse) = crate::arkivplan::classification(self.stack.iter());
        let klasse = klasse.map(str::to_string);
        let held = klasse.as_deref().is_none_or(|k| plan.place(&self.source.name, &system, k).is_none());
        self.tables.add(self.job, self.source, &unit, Destination::Convert, klasse.as_deref());
        let mappe = matches!(unit.kind(), Kind::Mappe(_));
        let person = match (plan.by_person(place.arkivdel), mappe) {
            (true, true) => Some(self.person(&unit, klasse.as_deref(), place)?),
            // A registrering outside a mappe is no person's folder: it is kept apart.
            (true, false) => Some(crate::arkivplan::UNKNOWN_PERSON.to_string()),
            (false, _) => None,
        };
        let mut new = unit.clone();
        self.rewrite(&mut new, Destination::Convert, "")?;
        self.id_override = None;
        self.provenance(&mut new, &unit);
        let kommune = &self.job.target.kommunenummer;
        let arkivdel = plan.system_id(kommune, PlanUnit::Arkivdel(place.arkivdel));
        let (mut dropped, mut later) = (Vec::new(), false);
        reclassify(&mut new, &unit, &arkivdel, &mut |entity, owner, old| match self
            .klasser
            .get(old.trim())
            .map(|k| k.place)
        {
            Some(Some(p)) => Secondary::To(plan.system_id(kommune, PlanUnit::Klasse(p))),
            Some(None) => {
                dropped.push((entity.to_string(), owner.to_string(), old.trim().to_string()));
                Secondary::Drop
            }
            None => {
                // A klasse further on in the source: settled when the source is read.
                self.later.push((entity.to_string(), owner.to_string(), old.trim().to_string()));
                later = true;
                Secondary::Later
            }
        });
        for (entity, owner, old) in dropped {
            self.drop_secondary(&entity, &owner, &old)?;
        }
        self.retain(&mut new, Destination::Convert, place)?;
        self.carried_forward(&mut new, &unit);
        if flagged {
            flag(&mut new, "ukartlagt kodeverdi");
        }
        if held {
            flag(&mut new, &format!("uklassifisert: {}", klasse.as_deref().unwrap_or("(ingen klasse)")));
        }
        let Some(p) = self.placed.as_mut() else { return Ok(()) };
        p.buf.clear();
        XmlWriter::fragment(&mut p.buf, PLACED_DEPTH).element(&new).map_err(io_at(&p.path))?;
        p.out.write_all(&p.buf).map_err(io_at(&p.path))?;
        self.done.placed.push(Placement { place, at: p.at, len: p.buf.len() as u64, later, person, mappe });
        p.at += p.buf.len() as u64;
        Ok(())
    }

    /// The person whose folder `unit` is, in a person-ordered arkivdel: the first valid
    /// fødselsnummer or D-number it is classified by (its klasse, then its secondary
    /// klasser), as Folkeregisteret has it now. Never a name or a birth date. The folder
    /// gets the person's one mappe systemID (every source's folder of the person gets the
    /// same, and the assembly joins them), and the ledger a row saying so.
    fn person(&mut self, unit: &Element, klasse: Option<&str>, place: Place) -> Result<String> {
        let Some(plan) = self.job.plan.as_ref() else { return Ok(crate::arkivplan::UNKNOWN_PERSON.into()) };
        let secondary = unit
            .children
            .iter()
            .filter(|c| c.is("referanseSekundaerKlassifikasjon"))
            .filter_map(|c| self.klasser.get(c.text.trim()).map(|k| k.id.as_str()));
        let found = klasse
            .into_iter()
            .chain(secondary)
            .find(|id| samla_ids::check_person(id, samla_ids::Rules::default()).is_ok())
            .map(str::to_string);
        let owner = unit.value("systemID").unwrap_or_default().trim().to_string();
        let Some(raw) = found else {
            self.done.plan.classification.without_person.push(crate::plan::Unclassified::of(unit));
            return Ok(crate::arkivplan::UNKNOWN_PERSON.into());
        };
        // Identifiers are masked in the ledger, as in every report.
        let mask = samla_wash::wash::mask;
        let (key, how) = match self.registers.current.get(&raw) {
            Some(now) => (
                now.clone(),
                format!(
                    "{} replaced by {} in Folkeregisteret ({})",
                    mask(&raw),
                    mask(now),
                    self.registers.freg.join(", ")
                ),
            ),
            None => (raw.clone(), "as classified".to_string()),
        };
        let (mappe, _) = plan.person_ids(&self.job.target.kommunenummer, place.arkivdel, &key);
        let rule =
            format!("plan: the person folder of {} ({how}); every source's folder of the person is joined", mask(&key));
        self.ledger(unit.local_name(), &owner, "personmappe", &mask(&raw), &mappe, &rule)?;
        self.id_override = Some((owner, mappe));
        Ok(key)
    }

    /// An open case carried into the new archive keeps a merknad naming its old identity.
    fn carried_forward(&self, e: &mut Element, old: &Element) {
        let status = old.value("saksstatus").map(str::trim).unwrap_or_default();
        if !matches!(old.kind(), Kind::Mappe(_)) || matches!(status, "Avsluttet" | "Utgår" | "") {
            return;
        }
        let mut merknad = Element::new("merknad");
        merknad
            .push_field(
                "merknadstekst",
                format!(
                    "Videreført fra {} sak {} (systemID {}) ved sammenslåingen {}",
                    self.source.name,
                    old.value("mappeID").unwrap_or_default().trim(),
                    old.value("systemID").unwrap_or_default().trim(),
                    self.job.job.as_of
                ),
            )
            .push_field("merknadstype", "Videreført sak")
            .push_field("merknadsdato", format!("{}T00:00:00+01:00", self.job.job.as_of))
            .push_field("merknadRegistrertAv", "samla run");
        // After the merknader it has.
        let at = insert_at(e, MAPPE_ORDER, "kassasjon");
        e.children.insert(at, merknad);
    }

    /// A secondary classification whose klasse the plan has no place for: left out, and
    /// the ledger says so.
    fn drop_secondary(&mut self, entity: &str, owner: &str, old: &str) -> Result<()> {
        let rule = "plan: no [[plan.map]] rule places the secondary klasse; left out";
        self.ledger(entity, owner, "referanseSekundaerKlassifikasjon", old, "", rule)
    }

    /// Settles the secondary classifications that named a klasse later in the source:
    /// the rewritten reference → the plan's klasse (none: left out, in the ledger).
    fn settle_later(&mut self) -> Result<HashMap<String, Option<String>>> {
        let Some(plan) = self.job.plan.as_ref() else { return Ok(HashMap::new()) };
        let mut settled = HashMap::new();
        for (entity, owner, old) in std::mem::take(&mut self.later) {
            let place = self.klasser.get(&old).and_then(|k| k.place);
            let to = place.map(|p| plan.system_id(&self.job.target.kommunenummer, PlanUnit::Klasse(p)));
            if to.is_none() {
                self.drop_secondary(&entity, &owner, &old)?;
            }
            settled.insert(new_system_id(&self.source.name, &old), to);
        }
        Ok(settled)
    }
}

/// What becomes of a secondary classification under the plan.
enum Secondary {
    /// The plan's klasse.
    To(String),
    /// Left out: the plan has no place for its klasse.
    Drop,
    /// Its klasse comes later in the source: the rewritten reference stays until then.
    Later,
}

/// Points a converted unit and the units inside it at the plan: referanseArkivdel at the
/// plan's arkivdel, each referanseSekundaerKlassifikasjon as `secondary` says, given the
/// unit's entity, its old systemID and the old systemID of the klasse it named (read from
/// `old`, the unit as it was).
fn reclassify(
    e: &mut Element,
    old: &Element,
    arkivdel: &str,
    secondary: &mut dyn FnMut(&str, &str, &str) -> Secondary,
) {
    let (entity, owner) = (old.local_name(), old.value("systemID").unwrap_or_default().trim());
    let olds: Vec<&str> =
        old.children.iter().filter(|c| c.is("referanseSekundaerKlassifikasjon")).map(|c| c.text.as_str()).collect();
    let mut n = 0;
    e.children.retain_mut(|c| {
        if c.is("referanseArkivdel") {
            c.text = arkivdel.to_string();
        } else if c.is("referanseSekundaerKlassifikasjon") {
            let to = olds.get(n).map_or(Secondary::Drop, |o| secondary(entity, owner, o));
            n += 1;
            match to {
                Secondary::To(id) => c.text = id,
                Secondary::Drop => return false,
                Secondary::Later => {}
            }
        }
        true
    });
    let units = |c: &&Element| matches!(c.kind(), Kind::Mappe(_) | Kind::Registrering(_));
    let old_units: Vec<&Element> = old.children.iter().filter(units).collect();
    for (c, o) in
        e.children.iter_mut().filter(|c| matches!(c.kind(), Kind::Mappe(_) | Kind::Registrering(_))).zip(old_units)
    {
        reclassify(c, o, arkivdel, secondary);
    }
}

/// A file written into an extract, for arkivuttrekk.xml.
struct Written {
    object: &'static str,
    sha256: String,
    occurrences: Vec<(String, String)>,
}

/// The migration's arkivstruktur under an archive plan: the plan, and per source the
/// file its converted units were written to, with each unit's place and byte range.
struct PlanBody<'a> {
    plan: &'a crate::arkivplan::ArkivPlan,
    kommunenummer: &'a str,
    /// The extract's date.
    at: &'a str,
    sources: &'a [PlacedSource],
    /// Per plan arkivdel, the systemID of the old arkivdel it continues.
    forloeper: &'a BTreeMap<usize, String>,
}

/// The plan's klasser that would hold both mapper and registreringer outside a mappe:
/// the v5.0 schema lets a klasse hold one or the other, so the run stops and names them.
fn mixed_klasser(job: &Job, placed: &[PlacedSource]) -> Vec<String> {
    let Some(plan) = &job.plan else { return Vec::new() };
    let mut seen: BTreeMap<(usize, usize, &str), (u64, u64)> = BTreeMap::new();
    for p in placed {
        for u in &p.units {
            let key = (u.place.arkivdel, u.place.klasse, u.person.as_deref().unwrap_or(""));
            let (mapper, registreringer) = seen.entry(key).or_default();
            *if u.mappe { mapper } else { registreringer } += 1;
        }
    }
    seen.into_iter()
        .filter(|(_, (m, r))| *m > 0 && *r > 0)
        .map(|((a, k, person), (m, r))| {
            let klasse = if plan.by_person(a) { person } else { plan.klasse_id(Place { arkivdel: a, klasse: k }) };
            format!(
                "plan: klasse {klasse} of arkivdel `{}` would hold {m} mapper and {r} registreringer outside a mappe, and a v5.0 klasse holds one or the other: place the registreringer in another klasse with a [[plan.map]] rule",
                plan.arkivdel[a].id
            )
        })
        .collect()
}

/// Per source, its folders whose person has another folder too (they are joined); and how
/// many mapper fewer the migration holds for it.
fn joined(job: &Job, placed: &[PlacedSource]) -> (BTreeMap<String, u64>, u64) {
    let mut persons: HashMap<(usize, &str), Vec<usize>> = HashMap::new();
    for (n, p) in placed.iter().enumerate() {
        for u in &p.units {
            if let Some(key) = u.person.as_deref().filter(|k| *k != crate::arkivplan::UNKNOWN_PERSON) {
                persons.entry((u.place.arkivdel, key)).or_default().push(n);
            }
        }
    }
    let (mut out, mut absorbed) = (BTreeMap::new(), 0);
    for sources in persons.values().filter(|s| s.len() > 1) {
        absorbed += sources.len() as u64 - 1;
        for n in sources {
            *out.entry(job.source[*n].name.clone()).or_default() += 1;
        }
    }
    (out, absorbed)
}

/// One source's units placed by the plan.
struct PlacedSource {
    file: PathBuf,
    units: Vec<Placement>,
    settled: HashMap<String, Option<String>>,
}

impl PlanBody<'_> {
    /// Every arkivdel, klassifikasjonssystem and klasse of the plan, each klasse holding
    /// the units placed there, source by source in the job's order; in an arkivdel
    /// ordered by person, a klasse per person holding their one mappe, joined from every
    /// source's folders of that person.
    fn write<W: Write>(&self, w: &mut XmlWriter<W>, path: &Path) -> Result<()> {
        let mut sources = Vec::new();
        for s in self.sources {
            let mut order: Vec<&Placement> = s.units.iter().collect();
            // Stable: within a klasse, the units keep the source's order.
            order.sort_by_key(|u| u.place);
            let f = if order.is_empty() { None } else { Some(File::open(&s.file).map_err(io_at(&s.file))?) };
            sources.push(Reading { source: s, file: f, order, next: 0 });
        }
        for (a, arkivdel) in self.plan.arkivdel.iter().enumerate() {
            let forloeper = self.forloeper.get(&a).map(String::as_str);
            let [header, system] = self.plan.headers(self.kommunenummer, a, self.at, forloeper);
            w.start(&header).map_err(io_at(path))?;
            w.start(&system).map_err(io_at(path))?;
            if self.plan.by_person(a) {
                self.write_persons(w, path, a, &mut sources)?;
            }
            for k in 0..arkivdel.klassifikasjonssystem.list.len() {
                let place = Place { arkivdel: a, klasse: k };
                w.start(&self.plan.klasse(self.kommunenummer, place, self.at)).map_err(io_at(path))?;
                let mut here = Vec::new();
                for (n, r) in sources.iter_mut().enumerate() {
                    here.extend(r.take_while(|u| u.place == place).into_iter().map(|u| (n, u)));
                }
                write_units(w, path, &sources, &here)?;
                w.end().map_err(io_at(path))?;
            }
            w.end().map_err(io_at(path))?;
            w.end().map_err(io_at(path))?;
        }
        for r in &sources {
            // Gone as soon as it is copied, as the fragments are.
            if r.source.file.exists() {
                fs::remove_file(&r.source.file).map_err(io_at(&r.source.file))?;
            }
        }
        Ok(())
    }

    /// The person klasser of arkivdel `a`, in the order of their fødselsnummer, each with
    /// the person's one mappe; then the folders without a valid identifier, each its own.
    fn write_persons<W: Write>(
        &self,
        w: &mut XmlWriter<W>,
        path: &Path,
        a: usize,
        sources: &mut [Reading],
    ) -> Result<()> {
        let mut persons: BTreeMap<&str, Vec<(usize, &Placement)>> = BTreeMap::new();
        let mut unknown = Vec::new();
        for (n, r) in sources.iter_mut().enumerate() {
            for u in r.take_while(|u| u.place.arkivdel == a) {
                match u.person.as_deref() {
                    Some(key) if key != crate::arkivplan::UNKNOWN_PERSON => {
                        persons.entry(key).or_default().push((n, u))
                    }
                    _ => unknown.push((n, u)),
                }
            }
        }
        for (key, folders) in &persons {
            w.start(&self.plan.person_klasse(self.kommunenummer, a, Some(key), self.at)).map_err(io_at(path))?;
            let mut units = Vec::new();
            for (n, u) in folders {
                units.push(sources[*n].read(u)?);
            }
            let joined = if units.len() == 1 { units.pop().unwrap_or_default() } else { join_folders(&units, path)? };
            w.get_mut().write_all(&joined).map_err(io_at(path))?;
            w.end().map_err(io_at(path))?;
        }
        // The schema wants a klasse in every klassifikasjonssystem: this one, when no person has any.
        if !unknown.is_empty() || persons.is_empty() {
            w.start(&self.plan.person_klasse(self.kommunenummer, a, None, self.at)).map_err(io_at(path))?;
            write_units(w, path, sources, &unknown)?;
            w.end().map_err(io_at(path))?;
        }
        Ok(())
    }
}

/// The units of one klasse, in the order given (a klasse holds mapper or registreringer,
/// never both: `mixed_klasser` stops a run that would mix them).
fn write_units<W: Write>(
    w: &mut XmlWriter<W>,
    path: &Path,
    sources: &[Reading],
    units: &[(usize, &Placement)],
) -> Result<()> {
    for (n, u) in units {
        let unit = sources[*n].read(u)?;
        w.get_mut().write_all(&unit).map_err(io_at(path))?;
    }
    Ok(())
}

/// One source's placed units, being read in the plan's order.
struct Reading<'a> {
    source: &'a PlacedSource,
    file: Option<File>,
    order: Vec<&'a Placement>,
    next: usize,
}

impl<'a> Reading<'a> {
    /// The next units in the plan's order, as long as `wanted` holds.
    fn take_while(&mut self, wanted: impl Fn(&Placement) -> bool) -> Vec<&'a Placement> {
        let start = self.next;
        while self.order.get(self.next).is_some_and(|u| wanted(u)) {
            self.next += 1;
        }
        self.order[start..self.next].to_vec()
    }

    /// A placed unit's bytes, its late secondary classifications settled.
    fn read(&self, u: &Placement) -> Result<Vec<u8>> {
        use std::os::unix::fs::FileExt;
        let file = &self.source.file;
        let Some(f) = self.file.as_ref() else { return Ok(Vec::new()) };
        let mut buf = vec![0; u.len as usize];
        f.read_exact_at(&mut buf, u.at).map_err(io_at(file))?;
        if u.later {
            buf = settle(&buf, &self.source.settled, file)?;
        }
        Ok(buf)
    }
}

/// One person's folders from several sources as one mappe: the first's metadata (its
/// systemID is the person's, the same in each), every folder's registreringer and
/// mapper inside, in order, and every folder's provenance.
fn join_folders(units: &[Vec<u8>], path: &Path) -> Result<Vec<u8>> {
    let mut base = parse_placed(&units[0], path)?;
    let is_unit = |c: &Element| matches!(c.kind(), Kind::Mappe(_) | Kind::Registrering(_));
    for bytes in &units[1..] {
        let other = parse_placed(bytes, path)?;
        let provenance: Vec<Element> = other
            .child("virksomhetsspesifikkeMetadata")
            .map(|v| v.children.iter().filter(|c| c.local_name() == "proveniens").cloned().collect())
            .unwrap_or_default();
        if let Some(v) = base.child_mut("virksomhetsspesifikkeMetadata") {
            v.children.extend(provenance);
        }
        let at = base
            .children
            .iter()
            .rposition(|c| is_unit(c) || MAPPE_ORDER.contains(&c.local_name()))
            .map_or(base.children.len(), |i| i + 1);
        let inside: Vec<Element> = other.children.into_iter().filter(|c| is_unit(c)).collect();
        base.children.splice(at..at, inside);
    }
    write_placed(&base, path)
}

/// Where a placed unit sits in the migration's arkivstruktur.xml: arkiv, arkivdel,
/// klassifikasjonssystem, klasse, then the unit.
const PLACED_DEPTH: usize = 4;

/// A placed unit's bytes (from `path`) as an element, to change before it is assembled.
fn parse_placed(bytes: &[u8], path: &Path) -> Result<Element> {
    let text = std::str::from_utf8(bytes).map_err(|e| Error::io(path.display().to_string(), io::Error::other(e)))?;
    samla_noark5::xml::parse_str(text, &path.display().to_string())
}

/// A placed unit written again as the assembly copies it.
fn write_placed(unit: &Element, path: &Path) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    XmlWriter::fragment(&mut out, PLACED_DEPTH).element(unit).map_err(|e| Error::io(path.display().to_string(), e))?;
    Ok(out)
}

/// A placed unit (as written, four levels down) with the secondary classifications that
/// waited for the rest of its source settled.
fn settle(bytes: &[u8], settled: &HashMap<String, Option<String>>, file: &Path) -> Result<Vec<u8>> {
    let mut unit = parse_placed(bytes, file)?;
    fn walk(e: &mut Element, settled: &HashMap<String, Option<String>>) {
        e.children.retain_mut(|c| {
            if c.is("referanseSekundaerKlassifikasjon")
                && let Some(to) = settled.get(c.text.trim())
            {
                match to {
                    Some(id) => c.text = id.clone(),
                    None => return false,
                }
            }
            true
        });
        for c in e.children.iter_mut().filter(|c| matches!(c.kind(), Kind::Mappe(_) | Kind::Registrering(_))) {
            walk(c, settled);
        }
    }
    walk(&mut unit, settled);
    write_placed(&unit, file)
}

/// Writes `<dir>/<object>.xml`: the XML declaration, `root` opened, the archive plan's
/// body if any, the sources' fragments in the job's order, `root` closed; returns its
/// SHA-256.
fn assemble(
    dir: &Path,
    object: &'static str,
    root: Option<&Element>,
    plan: Option<&PlanBody>,
    fragments: &[PathBuf],
) -> Result<String> {
    let path = dir.join(format!("{object}.xml"));
    let file = File::create(&path).map_err(io_at(&path))?;
    let mut w = XmlWriter::new(BackgroundHashingWriter::new(DirectFile::new(file)));
    match root {
        Some(root) => w.start(root).map_err(io_at(&path))?,
        None => w.get_mut().write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n").map_err(io_at(&path))?,
    }
    if let Some(plan) = plan {
        plan.write(&mut w, &path)?;
    }
    for f in fragments {
        let mut from = File::open(f).map_err(io_at(f))?;
        io::copy(&mut from, w.get_mut()).map_err(io_at(&path))?;
        // Gone as soon as it is copied: the disk holds each part once, not twice.
        fs::remove_file(f).map_err(io_at(f))?;
    }
    let (out, _, sha) = w.finish().map_err(io_at(&path))?.finish().map_err(io_at(&path))?;
    out.finish().map_err(io_at(&path))?.sync_all().map_err(io_at(&path))?;
    Ok(sha)
}

/// The sources' fragments of `object` for `to`, in the job's order (a source without an
/// endringslogg has none).
fn fragments(work: &Path, job: &Job, to: Destination, object: &str) -> Vec<PathBuf> {
    job.source
        .iter()
        .map(|s| work.join(format!("{}.{}.{object}", s.name, to.folder())))
        .filter(|p| p.exists())
        .collect()
}

/// arkivstruktur.xml (inside `arkiv`, or a whole document of its own when `None`) and,
/// if there are endringer, endringslogg.xml, from the fragments `fragments(object)` gives.
fn assemble_both(
    dir: &Path,
    arkiv: Option<&Element>,
    plan: Option<&PlanBody>,
    facts: &Facts,
    creators: &[Element],
    fragments: impl Fn(&str) -> Vec<PathBuf>,
) -> Result<Vec<Written>> {
    let mut written = vec![Written {
        object: "arkivstruktur",
        sha256: assemble(dir, "arkivstruktur", arkiv, plan, &fragments("arkivstruktur"))?,
        occurrences: vec![
            ("mappe".into(), facts.mapper.to_string()),
            ("registrering".into(), facts.registreringer.to_string()),
        ],
    }];
    if facts.endringer > 0 {
        let root = document_root("endringslogg", NS_ENDRINGSLOGG, "endringslogg.xsd");
        written.push(Written {
            object: "endringslogg",
            sha256: assemble(dir, "endringslogg", Some(&root), None, &fragments("endringslogg"))?,
            occurrences: vec![("endring".into(), facts.endringer.to_string())],
        });
    }
    for (object, (count, span)) in JOURNALS.into_iter().zip(facts.journals) {
        let Some((first, last)) = span.filter(|_| count > 0) else { continue };
        let ns = if object == "loependeJournal" { NS_LOEPENDE_JOURNAL } else { NS_OFFENTLIG_JOURNAL };
        let mut root = document_root(object, ns, &format!("{object}.xsd"));
        let mut head = Element::new("journalhode");
        head.push_field("journalStartDato", first.to_string())
            .push_field("journalSluttDato", last.to_string())
            .push_field("antallJournalposter", count.to_string());
        head.children.extend(creators.iter().cloned());
        root.push(head);
        written.push(Written {
            object,
            sha256: assemble(dir, object, Some(&root), None, &fragments(object))?,
            occurrences: vec![("journalregistrering".into(), count.to_string())],
        });
    }
    Ok(written)
}

/// Per destination and journal: entries, and their first and last journaldato.
type JournalCounts = BTreeMap<(Destination, &'static str), (u64, Option<Span>)>;

/// The journals an extract may carry.
const JOURNALS: [&str; 2] = ["loependeJournal", "offentligJournal"];

/// The migration dataset or the closed part: the new arkiv, with each source's arkiv in
/// it, or, for the migration under an archive plan, the plan's arkivdeler.
fn assemble_merged(
    job: &Job,
    schemas: &SchemaDir,
    partial: &Path,
    to: Destination,
    facts: &Facts,
    placed: &[PlacedSource],
    forloeper: &BTreeMap<usize, String>,
) -> Result<()> {
    let work = partial.join("work");
    let dir = partial.join(to.folder());
    let t = &job.target;
    let mut arkiv = document_root("arkiv", NS_ARKIVSTRUKTUR, "arkivstruktur.xsd");
    arkiv.set_attr("xmlns:n5mdk", NS_METADATAKATALOG);
    let part = if to == Destination::Convert { "migreringsuttrekk" } else { "lukket del" };
    let at = format!("{}T00:00:00+01:00", job.job.as_of);
    let names: Vec<&str> = job.source.iter().map(|s| s.name.as_str()).collect();
    arkiv
        .push_field("systemID", new_system_id(&t.kommunenummer, &format!("arkiv\u{1f}{}", to.folder())))
        .push_field("tittel", format!("{} - {part}", t.name))
        .push_field(
            "beskrivelse",
            format!("Slått sammen av samla run ({}) fra {}", job.version_label(), names.join(", ")),
        )
        // The extract is a snapshot as of the job's date: closed then (the schema demands avsluttetDato).
        .push_field("arkivstatus", "Avsluttet")
        .push_field("dokumentmedium", "Elektronisk arkiv")
        .push_field("opprettetDato", at.clone())
        .push_field("opprettetAv", "samla run")
        .push_field("avsluttetDato", at.as_str())
        .push_field("avsluttetAv", "samla run");
    // The plan's arkivskaper is the new arkiv's; the closed part stays the target's.
    let plan = job.plan.as_ref().filter(|_| to == Destination::Convert);
    let arkivskaper = plan.and_then(|p| p.arkivskaper.as_deref()).unwrap_or(&t.arkivskaper);
    let mut skaper = Element::new("arkivskaper");
    skaper.push_field("arkivskaperID", &t.kommunenummer).push_field("arkivskaperNavn", arkivskaper);
    arkiv.push(skaper.clone());
    let creator = skaper;
    let plan = plan.map(|plan| PlanBody { plan, kommunenummer: &t.kommunenummer, at: &at, sources: placed, forloeper });
    let written = assemble_both(&dir, Some(&arkiv), plan.as_ref(), facts, &[creator], |object| {
        fragments(&work, job, to, object)
    })?;
    let head = Arkivuttrekk {
        version: Some("5.0".into()),
        record_creators: vec![arkivskaper.to_string()],
        system_type: Some("Sakarkiv (Noark 5), sammenslått".into()),
        system_name: Some(format!("samla run {}", env!("CARGO_PKG_VERSION"))),
        archive: Some(format!("{} - {part}", t.name)),
        ..Default::default()
    };
    write_uttrekk(&dir, schemas, head, written, facts, true)
}

/// The deposit extract of one source: its own arkiv with what was routed to deposit,
/// as it was delivered.
fn finish_deposit(
    source: &Source,
    schemas: &SchemaDir,
    dir: &Path,
    delivered: Option<Arkivuttrekk>,
    facts: &Facts,
    journal_creators: &[Element],
) -> Result<()> {
    let work = dir.parent().expect("the extract sits in work/");
    let frag = |object: &str| vec![work.join(format!("{}.deposit.{object}", source.name))];
    let written = assemble_both(dir, None, None, facts, journal_creators, frag)?;
    let delivered = delivered.unwrap_or_default();
    let head = Arkivuttrekk {
        version: Some("5.0".into()),
        record_creators: if delivered.record_creators.is_empty() {
            vec![source.name.clone()]
        } else {
            delivered.record_creators
        },
        system_type: delivered.system_type,
        system_name: delivered.system_name,
        archive: delivered.archive,
        ..Default::default()
    };
    let flags = |key: &str| delivered.info.iter().find(|(k, _)| k == key).is_some_and(|(_, v)| v == "true");
    let facts = Facts {
        skjerming: u64::from(flags("inneholderSkjermetInformasjon")),
        kassasjon: u64::from(flags("inneholderDokumenterSomSkalKasseres")),
        ..*facts
    };
    write_uttrekk(dir, schemas, head, written, &facts, flags("inneholderVirksomhetsspesifikkeMetadata"))
}

/// Copies the schemas and writes arkivuttrekk.xml last: it states the others' digests.
fn write_uttrekk(
    dir: &Path,
    schemas: &SchemaDir,
    mut head: Arkivuttrekk,
    written: Vec<Written>,
    facts: &Facts,
    vsm: bool,
) -> Result<()> {
    let mut xsds = vec!["arkivstruktur.xsd", "metadatakatalog.xsd"];
    for object in ["endringslogg", "loependeJournal", "offentligJournal"] {
        if written.iter().any(|w| w.object == object) {
            xsds.push(match object {
                "endringslogg" => "endringslogg.xsd",
                "loependeJournal" => "loependeJournal.xsd",
                _ => "offentligJournal.xsd",
            });
        }
    }
    let digests = schemas.copy_into(Version::V5_0, &xsds, dir)?;
    head.files = written.into_iter().map(|w| DataFile::noark(w.object, w.sha256, w.occurrences, &digests)).collect();
    if let Some((from, to)) = facts.period {
        head.period_start = Some(from.to_string());
        head.period_end = Some(to.to_string());
    }
    head.info = Flags {
        skjermet: facts.skjerming > 0,
        skal_kasseres: facts.kassasjon > 0,
        virksomhetsspesifikke: vsm,
        dokumentfiler: facts.documents,
    }
    .info();
    let path = dir.join("arkivuttrekk.xml");
    let mut w = BufWriter::new(File::create(&path).map_err(io_at(&path))?);
    head.write(&mut w).map_err(io_at(&path))?;
    sync(w, &path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_with_commas_and_quotes_are_quoted() {
        let mut s = String::new();
        csv_line(&mut s, &["a", "b,c", "d\"e"]);
        assert_eq!(s, "a,\"b,c\",\"d\"\"e\"\n");
    }
}
