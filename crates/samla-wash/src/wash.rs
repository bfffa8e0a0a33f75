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
use crate::matching::{self, AddressIndex, Class, Difference, OrgIndex, Outcome, PersonIndex, Rule, present};
use crate::normalize;
pub use crate::report::Status;
use crate::report::{self, InputReport, Report, SnapshotReport};
use crate::snapshot::{self, Address, Contact, Kommune, Kommuneendringer, Organisation, Person, Register, Snapshot};
use crate::table::{self, Table};

/// The registers a job loaded, with the snapshots they came from.
#[derive(Default)]
pub struct Registers {
    /// Folkeregisteret persons.
    pub persons: Vec<Person>,
    /// Enhetsregisteret enheter and underenheter.
    pub orgs: Vec<Organisation>,
    /// Matrikkelen addresses.
    pub addresses: Vec<Address>,
    /// KRR entries by person identifier.
    pub krr: HashMap<String, Contact>,
    /// Klass 131 changes.
    pub kommuner: Kommuneendringer,
    /// The snapshot each register came from, by register.
    pub snapshots: Vec<(Snapshot, usize)>,
}

impl Registers {
    /// Loads every snapshot the job names.
    pub fn load(snapshots: &[Snapshot], progress: &mut dyn FnMut(&str)) -> Result<Registers> {
        let mut r = Registers::default();
        for s in snapshots {
            progress(&format!("laster {}", s.id));
            let rows = match s.register {
                Register::Folkeregisteret => {
                    let p = snapshot::load_freg(&s.path)?;
                    let n = p.len();
                    r.persons.extend(p);
                    n
                }
                Register::Enhetsregisteret => {
                    let o = snapshot::load_enhetsregisteret(&s.path)?;
                    let n = o.len();
                    r.orgs.extend(o);
                    n
                }
                Register::Matrikkelen => {
                    let a = snapshot::load_matrikkel(&s.path)?;
                    let n = a.len();
                    r.addresses.extend(a);
                    n
                }
                Register::Krr => {
                    let k = snapshot::load_krr(&s.path)?;
                    let n = k.len();
                    r.krr.extend(k);
                    n
                }
                Register::Kommuneendringer => {
                    r.kommuner = snapshot::load_kommuneendringer(&s.path)?;
                    r.kommuner.len()
                }
            };
            r.snapshots.push((s.clone(), rows));
        }
        Ok(r)
    }

    fn snapshot(&self, register: Register) -> (&str, &str) {
        self.snapshots
            .iter()
            .find(|(s, _)| s.register == register)
            .map(|(s, _)| (s.id.as_str(), s.as_of.as_str()))
            .unwrap_or(("", ""))
    }
}

/// One row of the ledger: a change proposed or applied to one field of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    /// The input table.
    pub input: String,
    /// The record's key.
    pub key: String,
    /// The field.
    pub field: &'static str,
    /// The value before.
    pub old: String,
    /// The value after.
    pub new: String,
    /// The rule that caused it.
    pub rule: String,
    /// The match class.
    pub class: &'static str,
    /// Applied (A and B) or only proposed (C).
    pub applied: bool,
    /// The snapshot that gave the new value.
    pub snapshot: String,
    /// The snapshot's date.
    pub as_of: String,
}

/// What happened to one input row.
struct RowResult {
    status: Status,
    class: Option<Class>,
    rule: Option<Rule>,
    washed: Vec<Option<String>>,
    flags: Vec<&'static str>,
    notes: Vec<String>,
    ledger: Vec<LedgerRow>,
    manual: Vec<[String; 6]>,
    /// Under adressebeskyttelse: the record's own address columns are blanked too.
    protected: bool,
}

impl RowResult {
    /// Under adressebeskyttelse, no part of an address is written anywhere: not the
    /// register's, not the record's own, not its kommunenummer washed (a ledger row, a note).
    fn withhold_address(&mut self) {
        self.protected = true;
        self.flags.push("adressebeskyttelse");
        self.flags.retain(|f| *f != "kommune-delt");
        self.washed[3..=6].fill(None);
        self.ledger.retain(|l| l.field != "kommunenummer");
        self.notes.retain(|n| !n.starts_with("kommune "));
    }

    fn new(width: usize) -> RowResult {
        RowResult {
            status: Status::Unmatched,
            class: None,
            rule: None,
            washed: vec![None; width],
            flags: Vec::new(),
            notes: Vec::new(),
            ledger: Vec::new(),
            manual: Vec::new(),
            protected: false,
        }
    }
}

/// Options for [`run`].
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Show whole fødselsnummer in reports (masked by default).
    pub reveal_ids: bool,
}

/// Masks a fødselsnummer for reports: the birth date stays, the personnummer goes.
///
/// ```
/// assert_eq!(samla_wash::wash::mask("30108299939"), "301082*****");
/// assert_eq!(samla_wash::wash::mask("LEV-1"), "LEV-1");
/// ```
pub fn mask(id: &str) -> String {
    if id.len() == 11 && id.bytes().all(|b| b.is_ascii_digit()) { format!("{}*****", &id[..6]) } else { id.to_string() }
}

/// Runs a job: everything goes to `job.job.out`, written as `out.partial` and renamed
/// when complete, so that an error leaves no half-written output.
pub fn run(job: &Job, opts: RunOptions, progress: &mut dyn FnMut(&str)) -> Result<Report> {
    run_with(job, opts, progress, &mut |_| {})
}

/// As [`run`], handing each ledger row to `ledger` as it is written (applied or proposed):
/// the typed way for a caller, such as `samla run`, to take the changes without reading
/// ledger.csv back.
pub fn run_with(
    job: &Job,
    opts: RunOptions,
    progress: &mut dyn FnMut(&str),
    ledger: &mut dyn FnMut(&LedgerRow),
) -> Result<Report> {
    run_against(job, None, opts, progress, ledger)
}

/// As [`run_with`], against `registers` already loaded from the job's snapshots when given
/// (as `samla run` has them for `[wash] apply`): loaded once, held once.
pub fn run_against(
    job: &Job,
    registers: Option<&Registers>,
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
    let loaded;
    let registers = match registers {
        Some(r) => r,
        None => {
            loaded = Registers::load(&job.snapshot, progress)?;
            &loaded
        }
    };
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
    progress("bygger indekser");
    let persons = PersonIndex::new(&registers.persons);
    let orgs = OrgIndex::new(&registers.orgs);
    let addresses = AddressIndex::new(&registers.addresses);
    let mopts = matching::Options {
        fuzzy_threshold: job.matching.fuzzy_threshold,
        street_threshold: job.matching.street_threshold,
        nav_synthetic: job.matching.nav_synthetic,
    };
    let ctx = Context { registers, persons: &persons, orgs: &orgs, addresses: &addresses, opts: mopts };

    let partial = samla_noark5::atomic::partial_dir(out);
    if partial.exists() {
        fs::remove_dir_all(&partial).map_err(|e| error::io(&partial, e))?;
    }
    fs::create_dir_all(&partial).map_err(|e| error::io(&partial, e))?;
    let written = write_outputs(job, &ctx, tables, &partial, opts, progress, ledger);
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
fn write_outputs(
    job: &Job,
    ctx: &Context,
    tables: Vec<Table>,
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
            let applied = if r.applied { "yes" } else { "proposed" };
            ledger.write(&[
                &r.input,
                &r.key,
                r.field,
                &r.old,
                &r.new,
                &r.rule,
                r.class,
                applied,
                &r.snapshot,
                &r.as_of,
            ])?;
        }
        for m in &rows_manual {
            manual.write(&m.each_ref().map(String::as_str))?;
        }
        inputs.push(report);
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

struct Context<'a> {
    registers: &'a Registers,
    persons: &'a PersonIndex<'a>,
    orgs: &'a OrgIndex<'a>,
    addresses: &'a AddressIndex<'a>,
    opts: matching::Options,
}

fn mapped_columns(input: &Input) -> Vec<(&'static str, &str)> {
    let c = &input.columns;
    [
        ("fnr", &c.fnr),
        ("name", &c.name),
        ("fornavn", &c.fornavn),
        ("etternavn", &c.etternavn),
        ("birth_date", &c.birth_date),
        ("address", &c.address),
        ("postnummer", &c.postnummer),
        ("kommunenummer", &c.kommunenummer),
        ("orgnr", &c.orgnr),
        ("adressekode", &c.adressekode),
        ("adressenavn", &c.adressenavn),
        ("nummer", &c.nummer),
        ("bokstav", &c.bokstav),
    ]
    .into_iter()
    .filter_map(|(meaning, column)| column.as_deref().map(|c| (meaning, c)))
    .collect()
}

/// Parts of column names that hold where a person lives, in Norwegian and English.
const ADDRESS_WORDS: [&str; 14] = [
    "adr",
    "post",
    "gate",
    "vei",
    "veg",
    "husn",
    "bokstav",
    "bolig",
    "bruksenhet",
    "sted",
    "kommune",
    "bydel",
    "address",
    "street",
];

/// The columns blanked for a person under adressebeskyttelse: every address column the job
/// maps, and every other column whose name says it holds part of an address (poststed,
/// postadresse, …), whether the job maps it or not. Never the key or the identifiers and
/// names the job maps, which are not addresses.
fn address_columns(input: &Input, t: &Table) -> Vec<String> {
    const MAPPED: [&str; 7] =
        ["address", "postnummer", "kommunenummer", "adressekode", "adressenavn", "nummer", "bokstav"];
    let mapped = mapped_columns(input);
    let keep: Vec<String> = mapped
        .iter()
        .filter(|(meaning, _)| !MAPPED.contains(meaning))
        .map(|(_, c)| c.to_ascii_lowercase())
        .chain(std::iter::once(input.key.to_ascii_lowercase()))
        .collect();
    let named = mapped.iter().filter(|(meaning, _)| MAPPED.contains(meaning)).filter_map(|(_, c)| t.column_name(c));
    let looks = t.frame.get_column_names().into_iter().map(|c| c.to_string()).filter(|c| {
        let lower = c.to_lowercase();
        !keep.contains(&lower) && ADDRESS_WORDS.iter().any(|w| lower.contains(w))
    });
    let mut columns: Vec<String> = named.chain(looks).collect();
    columns.sort();
    columns.dedup();
    columns
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

const PERSON_COLUMNS: &[&str] = &[
    "washed_fnr",
    "washed_navn",
    "washed_fodt",
    "washed_adresse",
    "washed_postnummer",
    "washed_poststed",
    "washed_kommunenummer",
];
const ORG_COLUMNS: &[&str] =
    &["washed_orgnr", "washed_navn", "washed_adresse", "washed_postnummer", "washed_poststed", "washed_kommunenummer"];
const ADDRESS_COLUMNS: &[&str] = &[
    "washed_kommunenummer",
    "washed_adressekode",
    "washed_adressenavn",
    "washed_nummer",
    "washed_bokstav",
    "washed_postnummer",
    "washed_poststed",
    "washed_adresse_id",
];

type InputOutcome = (InputReport, DataFrame, Vec<LedgerRow>, Vec<[String; 8]>);

fn wash_input(ctx: &Context, input: &Input, t: &Table, opts: RunOptions) -> Result<InputOutcome> {
    let keys = t.column(&input.key)?;
    let cols: HashMap<&str, Vec<Option<&str>>> =
        mapped_columns(input).into_iter().map(|(m, name)| Ok((m, t.column(name)?))).collect::<Result<_>>()?;
    let get = |m: &str, i: usize| cols.get(m).and_then(|c| c[i]);
    let washed_names = match input.entity {
        Entity::Person => PERSON_COLUMNS,
        Entity::Organisation => ORG_COLUMNS,
        Entity::Address => ADDRESS_COLUMNS,
    };
    let mut rows: Vec<RowResult> = (0..t.frame.height())
        .into_par_iter()
        .map(|i| {
            let key = keys[i].unwrap_or_default();
            let mut row = RowResult::new(washed_names.len());
            match input.entity {
                Entity::Person => wash_person(ctx, input, key, &|m| get(m, i), &mut row),
                Entity::Organisation => wash_org(ctx, input, key, &|m| get(m, i), &mut row),
                Entity::Address => wash_address(ctx, input, key, &|m| get(m, i), &mut row),
            }
            row
        })
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
        .map(|(i, r)| {
            let k = keys[i];
            let id = get("fnr", i).or_else(|| get("orgnr", i)).unwrap_or_default().to_string();
            let id = if opts.reveal_ids { id } else { mask(&id) };
            let note = r.notes.last().cloned().unwrap_or_default();
            if id.is_empty() {
                format!("{}: {note}", k.unwrap_or_default())
            } else {
                format!("{}: {note} [{id}]", k.unwrap_or_default())
            }
        })
        .collect();

    // The washed table: the original columns (protected addresses blanked) and the washed ones.
    let mut frame = t.frame.clone();
    let protected_columns = address_columns(input, t);
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
    extra.push(Column::new(
        "match_status".into(),
        rows.iter().map(|r| format!("{:?}", r.status).to_lowercase()).collect::<Vec<_>>(),
    ));
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

type Get<'g> = dyn Fn(&str) -> Option<&'g str> + 'g;

/// Adds a ledger row when the washed value differs from the record's.
#[allow(clippy::too_many_arguments)]
fn change(
    row: &mut RowResult,
    input: &Input,
    key: &str,
    field: &'static str,
    old: Option<&str>,
    new: &str,
    rule: &str,
    class: Class,
    snapshot: (&str, &str),
) {
    let old = old.unwrap_or_default().trim();
    if old != new && !new.is_empty() {
        row.ledger.push(LedgerRow {
            input: input.name.clone(),
            key: key.to_string(),
            field,
            old: old.to_string(),
            new: new.to_string(),
            rule: rule.to_string(),
            class: class.as_str(),
            applied: class != Class::C,
            snapshot: snapshot.0.to_string(),
            as_of: snapshot.1.to_string(),
        });
    }
}

fn date_text(d: Option<(u16, u8, u8)>) -> String {
    d.map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")).unwrap_or_default()
}

/// Maps the record's kommunenummer through the change table, with a ledger row.
fn wash_kommunenummer(
    ctx: &Context,
    input: &Input,
    key: &str,
    old: Option<&str>,
    row: &mut RowResult,
) -> Option<String> {
    let old = present(old)?;
    match ctx.registers.kommuner.resolve(old) {
        Kommune::Unchanged => Some(old.to_string()),
        Kommune::Now(chain) => {
            let new = chain.last().cloned().unwrap_or_default();
            let rule = format!("K kommuneendring {old} → {}", chain.join(" → "));
            change(
                row,
                input,
                key,
                "kommunenummer",
                Some(old),
                &new,
                &rule,
                Class::A,
                ctx.registers.snapshot(Register::Kommuneendringer),
            );
            Some(new)
        }
        Kommune::Split(targets) => {
            row.flags.push("kommune-delt");
            row.notes.push(format!("kommune {old} ble delt ({}); adressen avgjør", targets.join(", ")));
            None
        }
    }
}

fn wash_person(ctx: &Context, input: &Input, key: &str, get: &Get, row: &mut RowResult) {
    let joined;
    let name = match (get("name"), get("fornavn"), get("etternavn")) {
        (Some(n), _, _) => Some(n),
        (None, f, e) if f.is_some() || e.is_some() => {
            joined = format!("{} {}", f.unwrap_or_default(), e.unwrap_or_default());
            Some(joined.as_str())
        }
        _ => None,
    };
    let record = matching::PersonRecord {
        id: get("fnr"),
        name,
        birth: get("birth_date"),
        address: get("address"),
        postnummer: get("postnummer"),
    };
    let (outcome, notes) = matching::match_person(ctx.persons, &record, &ctx.opts);
    row.notes.extend(notes);
    let freg = ctx.registers.snapshot(Register::Folkeregisteret);
    let kommune = wash_kommunenummer(ctx, input, key, get("kommunenummer"), row);
    match outcome {
        Outcome::Matched { entity, class, rule, differences } => {
            let p = &ctx.persons.persons[entity as usize];
            row.status = Status::Matched;
            row.class = Some(class);
            row.rule = Some(rule);
            note_differences(row, &differences);
            let rule_name = rule.as_str();
            row.washed[0] = Some(p.id.clone());
            change(row, input, key, "fnr", get("fnr"), &p.id, rule_name, class, freg);
            let name = p.name();
            row.washed[1] = Some(name.clone());
            change(row, input, key, "navn", record.name, &name, rule_name, class, freg);
            let born = date_text(p.birth);
            row.washed[2] = Some(born.clone());
            let record_born = get("birth_date").and_then(normalize::date).map(|d| date_text(Some(d)));
            if get("birth_date").is_some() {
                change(row, input, key, "fodt", record_born.as_deref(), &born, rule_name, class, freg);
            }
            match p.status.as_str() {
                "doed" => row.flags.push("doed"),
                "utflyttet" => row.flags.push("utflyttet"),
                "opphoert" => row.flags.push("opphoert"),
                _ => {}
            }
            if ctx.registers.krr.get(&p.id).is_some_and(|c| c.reservasjon) {
                row.flags.push("krr-reservert");
            }
            if p.protected {
                row.withhold_address();
            } else if let Some(a) = p.addresses.first() {
                let line = a.line();
                change(row, input, key, "adresse", get("address"), &line, rule_name, class, freg);
                change(row, input, key, "postnummer", get("postnummer"), &a.postnummer, rule_name, class, freg);
                row.washed[3] = Some(line);
                row.washed[4] = Some(a.postnummer.clone());
                row.washed[5] = Some(a.poststed.clone());
                row.washed[6] = Some(a.kommunenummer.clone());
            }
        }
        other => {
            settle_unmatched(row, &other, |i| {
                let p = &ctx.persons.persons[i as usize];
                let address = if p.protected {
                    "(adressebeskyttelse)".to_string()
                } else {
                    p.addresses.first().map(Address::line).unwrap_or_default()
                };
                [p.id.clone(), p.name(), date_text(p.birth), address]
            });
            // Without a person, the address is still washed against Matrikkelen.
            row.washed[6] = kommune;
            if let Some(line) = present(get("address")) {
                let (street, nummer, bokstav) = normalize::split_address(line);
                let o = matching::match_street(
                    ctx.addresses,
                    &normalize::street(&street),
                    &street,
                    nummer,
                    &bokstav,
                    present(get("postnummer")),
                    &ctx.opts,
                );
                if let Outcome::Matched { entity, class, rule, .. } = o {
                    let a = &ctx.addresses.addresses[entity as usize];
                    let m = ctx.registers.snapshot(Register::Matrikkelen);
                    change(row, input, key, "adresse", Some(line), &a.line(), rule.as_str(), class, m);
                    row.washed[3] = Some(a.line());
                    row.washed[4] = Some(a.postnummer.clone());
                    row.washed[5] = Some(a.poststed.clone());
                    row.washed[6] = Some(a.kommunenummer.clone());
                }
            }
        }
    }
}

fn note_differences(row: &mut RowResult, differences: &[Difference]) {
    for d in differences {
        if d.field != "fnr" {
            row.notes.push(format!("{} avviker: «{}» / registeret: «{}»", d.field, d.record, d.register));
        }
    }
}

/// Unmatched, manual and rejected rows; manual rows list their candidates.
fn settle_unmatched(row: &mut RowResult, outcome: &Outcome, describe: impl Fn(u32) -> [String; 4]) {
    match outcome {
        Outcome::Manual { rule, candidates, reason } => {
            row.status = Status::Manual;
            row.class = Some(Class::C);
            row.rule = Some(*rule);
            row.notes.push(reason.clone());
            for (rank, &c) in candidates.iter().enumerate() {
                let [id, name, born, address] = describe(c);
                row.manual.push([
                    (rank + 1).to_string(),
                    id,
                    name,
                    born,
                    address,
                    format!("{}: {reason}", rule.as_str()),
                ]);
            }
        }
        Outcome::Rejected(why) => {
            row.status = Status::Rejected;
            row.notes.push(why.clone());
        }
        Outcome::Unmatched => row.status = Status::Unmatched,
        Outcome::Matched { .. } => unreachable!("settled by the caller"),
    }
}

fn wash_org(ctx: &Context, input: &Input, key: &str, get: &Get, row: &mut RowResult) {
    let record = matching::OrgRecord { orgnr: get("orgnr"), name: get("name"), postnummer: get("postnummer") };
    let (outcome, notes) = matching::match_org(ctx.orgs, &record);
    row.notes.extend(notes);
    let er = ctx.registers.snapshot(Register::Enhetsregisteret);
    let kommune = wash_kommunenummer(ctx, input, key, get("kommunenummer"), row);
    match outcome {
        Outcome::Matched { entity, class, rule, differences } => {
            let o = &ctx.orgs.orgs[entity as usize];
            row.status = Status::Matched;
            row.class = Some(class);
            row.rule = Some(rule);
            note_differences(row, &differences);
            let r = rule.as_str();
            change(row, input, key, "orgnr", get("orgnr"), &o.orgnr, r, class, er);
            change(row, input, key, "navn", get("name"), &o.navn, r, class, er);
            change(row, input, key, "adresse", get("address"), &o.adresse, r, class, er);
            change(row, input, key, "postnummer", get("postnummer"), &o.postnummer, r, class, er);
            row.washed = vec![
                Some(o.orgnr.clone()),
                Some(o.navn.clone()),
                Some(o.adresse.clone()),
                Some(o.postnummer.clone()),
                Some(o.poststed.clone()),
                Some(o.kommunenummer.clone()),
            ];
            if o.konkurs {
                row.flags.push("konkurs");
            }
            if o.under_avvikling {
                row.flags.push("under-avvikling");
            }
            if !o.slettedato.is_empty() {
                row.flags.push("slettet");
                row.notes.push(format!("slettet i Enhetsregisteret {}", o.slettedato));
            }
        }
        other => {
            settle_unmatched(row, &other, |i| {
                let o = &ctx.orgs.orgs[i as usize];
                [
                    o.orgnr.clone(),
                    o.navn.clone(),
                    String::new(),
                    format!("{}, {} {}", o.adresse, o.postnummer, o.poststed),
                ]
            });
            row.washed[5] = kommune;
        }
    }
}

fn wash_address(ctx: &Context, input: &Input, key: &str, get: &Get, row: &mut RowResult) {
    let nummer_text = present(get("nummer")).unwrap_or_default();
    let (nummer, bokstav_in_number) = {
        let digits: String = nummer_text.chars().take_while(|c| c.is_ascii_digit()).collect();
        (digits.parse().unwrap_or(0), nummer_text[digits.len()..].trim().to_string())
    };
    let bokstav = present(get("bokstav")).map(str::to_string).unwrap_or(bokstav_in_number);
    let record = matching::AddressRecord {
        kommunenummer: get("kommunenummer"),
        adressekode: get("adressekode"),
        adressenavn: get("adressenavn"),
        nummer,
        bokstav: &bokstav,
        postnummer: get("postnummer"),
    };
    let outcome = matching::match_address(ctx.addresses, &record, &ctx.registers.kommuner, &ctx.opts);
    let kommune = wash_kommunenummer(ctx, input, key, get("kommunenummer"), row);
    let m = ctx.registers.snapshot(Register::Matrikkelen);
    match outcome {
        Outcome::Matched { entity, class, rule, differences } => {
            let a = &ctx.addresses.addresses[entity as usize];
            row.status = Status::Matched;
            row.class = Some(class);
            row.rule = Some(rule);
            note_differences(row, &differences);
            let r = rule.as_str();
            // The kommunenummer row was written by the change table; Matrikkelen confirms it.
            row.ledger.retain(|l| l.field != "kommunenummer");
            change(row, input, key, "kommunenummer", get("kommunenummer"), &a.kommunenummer, r, class, m);
            change(row, input, key, "adressekode", get("adressekode"), &a.adressekode, r, class, m);
            change(row, input, key, "adressenavn", get("adressenavn"), &a.adressenavn, r, class, m);
            row.washed = vec![
                Some(a.kommunenummer.clone()),
                Some(a.adressekode.clone()),
                Some(a.adressenavn.clone()),
                Some(a.nummer.to_string()),
                Some(a.bokstav.clone()),
                Some(a.postnummer.clone()),
                Some(a.poststed.clone()),
                Some(a.adresse_id.clone()),
            ];
        }
        other => {
            settle_unmatched(row, &other, |i| {
                let a = &ctx.addresses.addresses[i as usize];
                [
                    a.adresse_id.clone(),
                    a.line(),
                    String::new(),
                    format!("{} {} ({})", a.postnummer, a.poststed, a.kommunenummer),
                ]
            });
            row.washed[0] = kommune;
        }
    }
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

/// A `;`-separated output written row by row, so that a million ledger rows are never
/// held at once; synced on finish.
struct CsvFile {
    path: std::path::PathBuf,
    out: std::io::BufWriter<fs::File>,
    line: String,
    rows: usize,
}

impl CsvFile {
    fn create(path: &Path, header: &[&str]) -> Result<CsvFile> {
        let file = fs::File::create(path).map_err(|e| error::io(path, e))?;
        let mut f = CsvFile {
            path: path.to_path_buf(),
            out: std::io::BufWriter::with_capacity(1 << 20, file),
            line: String::new(),
            rows: 0,
        };
        f.write(header)?;
        f.rows = 0;
        Ok(f)
    }

    fn write(&mut self, cells: &[&str]) -> Result<()> {
        self.line.clear();
        table::csv_record(&mut self.line, cells, b';');
        self.rows += 1;
        self.out.write_all(self.line.as_bytes()).map_err(|e| error::io(&self.path, e))
    }

    fn finish(self) -> Result<usize> {
        let file = self.out.into_inner().map_err(|e| error::io(&self.path, e.into_error()))?;
        file.sync_all().map_err(|e| error::io(&self.path, e))?;
        Ok(self.rows)
    }
}

/// Counts per rule and class, in the order rules are tried.
pub type RuleCounts = BTreeMap<String, BTreeMap<String, usize>>;
