//! Washing one record: the registers indexed for the rules ([`Matcher`]), a record of an
//! input matched and its washed values, ledger rows and candidates for manual work.

use std::collections::HashMap;

use crate::error::Result;
use crate::job::{Entity, Input};
use crate::matching::{self, AddressIndex, Class, Difference, OrgIndex, Outcome, PersonIndex, Rule, present};
use crate::normalize;
use crate::report::Status;
use crate::snapshot::{self, Address, Contact, Kommune, Kommuneendringer, Organisation, Person, Register, Snapshot};

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
            // Each register's rows added to what earlier snapshots of it gave; their count kept.
            fn add<T>(into: &mut impl Extend<T>, rows: impl ExactSizeIterator<Item = T>) -> usize {
                let n = rows.len();
                into.extend(rows);
                n
            }
            let rows = match s.register {
                Register::Folkeregisteret => add(&mut r.persons, snapshot::load_freg(&s.path)?.into_iter()),
                Register::Enhetsregisteret => add(&mut r.orgs, snapshot::load_enhetsregisteret(&s.path)?.into_iter()),
                Register::Matrikkelen => add(&mut r.addresses, snapshot::load_matrikkel(&s.path)?.into_iter()),
                Register::Krr => add(&mut r.krr, snapshot::load_krr(&s.path)?.into_iter()),
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

impl LedgerRow {
    /// The row as ledger.csv has it.
    pub(crate) fn cells(&self) -> [&str; 10] {
        let applied = if self.applied { "yes" } else { "proposed" };
        [
            &self.input,
            &self.key,
            self.field,
            &self.old,
            &self.new,
            &self.rule,
            self.class,
            applied,
            &self.snapshot,
            &self.as_of,
        ]
    }
}

/// What happened to one input row.
pub(crate) struct RowResult {
    pub(crate) status: Status,
    pub(crate) class: Option<Class>,
    pub(crate) rule: Option<Rule>,
    pub(crate) washed: Vec<Option<String>>,
    pub(crate) flags: Vec<&'static str>,
    pub(crate) notes: Vec<String>,
    pub(crate) ledger: Vec<LedgerRow>,
    pub(crate) manual: Vec<[String; 6]>,
    /// Under adressebeskyttelse: the record's own address columns are blanked too.
    pub(crate) protected: bool,
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

    /// The status as the washed table writes it.
    pub(crate) fn status_text(&self) -> String {
        format!("{:?}", self.status).to_lowercase()
    }

    /// The line a report shows for a row left for manual work, its identifier masked
    /// unless revealed.
    pub(crate) fn example(&self, key: &str, get: &Get, opts: RunOptions) -> String {
        let id = get("fnr").or_else(|| get("orgnr")).unwrap_or_default().to_string();
        let id = if opts.reveal_ids { id } else { mask(&id) };
        let note = self.notes.last().cloned().unwrap_or_default();
        if id.is_empty() { format!("{key}: {note}") } else { format!("{key}: {note} [{id}]") }
    }

    /// Matched in `class` by `rule`, with the differences noted.
    fn matched(&mut self, class: Class, rule: Rule, differences: &[Difference]) {
        self.status = Status::Matched;
        self.class = Some(class);
        self.rule = Some(rule);
        note_differences(self, differences);
    }

    pub(crate) fn new(width: usize) -> RowResult {
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

/// The registers indexed for matching, with the job's matching options: built once and
/// shared by every input, and by a caller that washes as it goes ([`crate::streamed`]).
pub struct Matcher<'a> {
    pub(crate) registers: &'a Registers,
    pub(crate) persons: PersonIndex<'a>,
    pub(crate) orgs: OrgIndex<'a>,
    pub(crate) addresses: AddressIndex<'a>,
    pub(crate) opts: matching::Options,
}

impl<'a> Matcher<'a> {
    /// Indexes `registers` for the rules, with the job's thresholds.
    pub fn new(registers: &'a Registers, job: &crate::job::Matching) -> Matcher<'a> {
        Matcher {
            registers,
            persons: PersonIndex::new(&registers.persons),
            orgs: OrgIndex::new(&registers.orgs),
            addresses: AddressIndex::new(&registers.addresses),
            opts: matching::Options {
                fuzzy_threshold: job.fuzzy_threshold,
                street_threshold: job.street_threshold,
                nav_synthetic: job.nav_synthetic,
            },
        }
    }

    /// The registers matched against.
    pub fn registers(&self) -> &'a Registers {
        self.registers
    }

    /// Folkeregisteret, indexed.
    pub fn persons(&self) -> &PersonIndex<'a> {
        &self.persons
    }

    /// Enhetsregisteret, indexed.
    pub fn orgs(&self) -> &OrgIndex<'a> {
        &self.orgs
    }

    /// The job's matching options.
    pub fn options(&self) -> &matching::Options {
        &self.opts
    }
}

pub(crate) fn mapped_columns(input: &Input) -> Vec<(&'static str, &str)> {
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
pub(crate) fn address_columns(input: &Input, names: &[&str]) -> Vec<String> {
    const MAPPED: [&str; 7] =
        ["address", "postnummer", "kommunenummer", "adressekode", "adressenavn", "nummer", "bokstav"];
    let mapped = mapped_columns(input);
    let keep: Vec<String> = mapped
        .iter()
        .filter(|(meaning, _)| !MAPPED.contains(meaning))
        .map(|(_, c)| c.to_ascii_lowercase())
        .chain(std::iter::once(input.key.to_ascii_lowercase()))
        .collect();
    let spelled = |c: &str| names.iter().find(|n| n.eq_ignore_ascii_case(c)).map(|n| n.to_string());
    let named = mapped.iter().filter(|(meaning, _)| MAPPED.contains(meaning)).filter_map(|(_, c)| spelled(c));
    let looks = names.iter().map(|c| c.to_string()).filter(|c| {
        let lower = c.to_lowercase();
        !keep.contains(&lower) && ADDRESS_WORDS.iter().any(|w| lower.contains(w))
    });
    let mut columns: Vec<String> = named.chain(looks).collect();
    columns.sort();
    columns.dedup();
    columns
}

pub(crate) const PERSON_COLUMNS: &[&str] = &[
    "washed_fnr",
    "washed_navn",
    "washed_fodt",
    "washed_adresse",
    "washed_postnummer",
    "washed_poststed",
    "washed_kommunenummer",
];
pub(crate) const ORG_COLUMNS: &[&str] =
    &["washed_orgnr", "washed_navn", "washed_adresse", "washed_postnummer", "washed_poststed", "washed_kommunenummer"];
pub(crate) const ADDRESS_COLUMNS: &[&str] = &[
    "washed_kommunenummer",
    "washed_adressekode",
    "washed_adressenavn",
    "washed_nummer",
    "washed_bokstav",
    "washed_postnummer",
    "washed_poststed",
    "washed_adresse_id",
];

/// A party's washed columns: a person's and an organisation's, each row filling its own.
pub(crate) const PARTY_COLUMNS: &[&str] = &[
    "washed_fnr",
    "washed_orgnr",
    "washed_navn",
    "washed_fodt",
    "washed_adresse",
    "washed_postnummer",
    "washed_poststed",
    "washed_kommunenummer",
];

/// The washed columns an input of `entity` gets.
pub(crate) fn washed_columns(entity: Entity) -> &'static [&'static str] {
    match entity {
        Entity::Person => PERSON_COLUMNS,
        Entity::Organisation => ORG_COLUMNS,
        Entity::Address => ADDRESS_COLUMNS,
        Entity::Party => PARTY_COLUMNS,
    }
}

/// Washes one record of `input`, whose mapped values `get` gives by meaning.
pub(crate) fn wash_row(ctx: &Matcher, input: &Input, key: &str, get: &Get) -> RowResult {
    let entity = match input.entity {
        // A party with an organisasjonsnummer is an organisation, never a person's namesake.
        Entity::Party if present(get("orgnr")).is_some() => Entity::Organisation,
        Entity::Party => Entity::Person,
        other => other,
    };
    let mut row = RowResult::new(washed_columns(entity).len());
    match entity {
        Entity::Person | Entity::Party => wash_person(ctx, input, key, get, &mut row),
        Entity::Organisation => wash_org(ctx, input, key, get, &mut row),
        Entity::Address => wash_address(ctx, input, key, get, &mut row),
    }
    if input.entity == Entity::Party {
        // Into the party's columns: a person has no orgnr, an organisation no fnr or birth date.
        let at: &[usize] = if entity == Entity::Organisation { &[1, 2, 4, 5, 6, 7] } else { &[0, 2, 3, 4, 5, 6, 7] };
        let mut washed = vec![None; PARTY_COLUMNS.len()];
        for (value, &i) in row.washed.drain(..).zip(at) {
            washed[i] = value;
        }
        row.washed = washed;
    }
    row
}

pub(crate) type Get<'g> = dyn Fn(&str) -> Option<&'g str> + 'g;

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
    ctx: &Matcher,
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

fn wash_person(ctx: &Matcher, input: &Input, key: &str, get: &Get, row: &mut RowResult) {
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
    let (outcome, notes) = matching::match_person(&ctx.persons, &record, &ctx.opts);
    row.notes.extend(notes);
    let freg = ctx.registers.snapshot(Register::Folkeregisteret);
    let kommune = wash_kommunenummer(ctx, input, key, get("kommunenummer"), row);
    match outcome {
        Outcome::Matched { entity, class, rule, differences } => {
            let p = &ctx.persons.persons[entity as usize];
            row.matched(class, rule, &differences);
            let rule_name = rule.as_str();
            row.washed[0] = Some(p.id.to_string());
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
            if ctx.registers.krr.get(p.id.as_str()).is_some_and(|c| c.reservasjon) {
                row.flags.push("krr-reservert");
            }
            if p.protected {
                row.withhold_address();
            } else if let Some(a) = p.addresses.first() {
                let line = a.line();
                change(row, input, key, "adresse", get("address"), &line, rule_name, class, freg);
                change(row, input, key, "postnummer", get("postnummer"), &a.postnummer, rule_name, class, freg);
                row.washed[3] = Some(line);
                row.washed[4] = Some(a.postnummer.to_string());
                row.washed[5] = Some(a.poststed.to_string());
                row.washed[6] = Some(a.kommunenummer.to_string());
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
                [p.id.to_string(), p.name(), date_text(p.birth), address]
            });
            // Without a person, the address is still washed against Matrikkelen.
            row.washed[6] = kommune;
            if let Some(line) = present(get("address")) {
                let (street, nummer, bokstav) = normalize::split_address(line);
                let o = matching::match_street(
                    &ctx.addresses,
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
                    row.washed[4] = Some(a.postnummer.to_string());
                    row.washed[5] = Some(a.poststed.to_string());
                    row.washed[6] = Some(a.kommunenummer.to_string());
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

fn wash_org(ctx: &Matcher, input: &Input, key: &str, get: &Get, row: &mut RowResult) {
    let record = matching::OrgRecord { orgnr: get("orgnr"), name: get("name"), postnummer: get("postnummer") };
    let (outcome, notes) = matching::match_org(&ctx.orgs, &record);
    row.notes.extend(notes);
    let er = ctx.registers.snapshot(Register::Enhetsregisteret);
    let kommune = wash_kommunenummer(ctx, input, key, get("kommunenummer"), row);
    match outcome {
        Outcome::Matched { entity, class, rule, differences } => {
            let o = &ctx.orgs.orgs[entity as usize];
            row.matched(class, rule, &differences);
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

fn wash_address(ctx: &Matcher, input: &Input, key: &str, get: &Get, row: &mut RowResult) {
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
    let outcome = matching::match_address(&ctx.addresses, &record, &ctx.registers.kommuner, &ctx.opts);
    let kommune = wash_kommunenummer(ctx, input, key, get("kommunenummer"), row);
    let m = ctx.registers.snapshot(Register::Matrikkelen);
    match outcome {
        Outcome::Matched { entity, class, rule, differences } => {
            let a = &ctx.addresses.addresses[entity as usize];
            row.matched(class, rule, &differences);
            let r = rule.as_str();
            // The kommunenummer row was written by the change table; Matrikkelen confirms it.
            row.ledger.retain(|l| l.field != "kommunenummer");
            change(row, input, key, "kommunenummer", get("kommunenummer"), &a.kommunenummer, r, class, m);
            change(row, input, key, "adressekode", get("adressekode"), &a.adressekode, r, class, m);
            change(row, input, key, "adressenavn", get("adressenavn"), &a.adressenavn, r, class, m);
            row.washed = vec![
                Some(a.kommunenummer.to_string()),
                Some(a.adressekode.to_string()),
                Some(a.adressenavn.to_string()),
                Some(a.nummer.to_string()),
                Some(a.bokstav.to_string()),
                Some(a.postnummer.to_string()),
                Some(a.poststed.to_string()),
                Some(a.adresse_id.to_string()),
            ];
        }
        other => {
            settle_unmatched(row, &other, |i| {
                let a = &ctx.addresses.addresses[i as usize];
                [
                    a.adresse_id.to_string(),
                    a.line(),
                    String::new(),
                    format!("{} {} ({})", a.postnummer, a.poststed, a.kommunenummer),
                ]
            });
            row.washed[0] = kommune;
        }
    }
}
