//! Matching records to register entries, in explainable rule order, most certain first.
//!
//! Every match gets a confidence class: **A** exact, **B** close (the fields that differ
//! are listed), **C** uncertain and left for a person. Several candidates at the same
//! rule make it C. Only A and B are ever applied.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::normalize::{self, key, name_similarity, name_tokens, street, street_similarity};
use crate::snapshot::{Address, Kommuneendringer, Organisation, Person, Text};

/// How certain a match is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Class {
    /// Exact.
    A,
    /// Close: the differences are listed.
    B,
    /// Uncertain: for a person to decide.
    C,
}

impl Class {
    /// "A", "B" or "C".
    pub fn as_str(self) -> &'static str {
        match self {
            Class::A => "A",
            Class::B => "B",
            Class::C => "C",
        }
    }
}

/// Which rule found a match. Rules are tried in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Rule {
    /// Person: the identifier in use.
    PersonId,
    /// Person: an earlier (opphørt) identifier, rewritten to the current one.
    PersonOldId,
    /// Person: name and birth date.
    PersonNameBirth,
    /// Person: name, adressenavn (3 leading characters) and house number.
    PersonNameAddress,
    /// Person: name and postnummer.
    PersonNamePostnummer,
    /// Person: fuzzy name (Jaro-Winkler) within a block of the same birth date or the same
    /// postnummer and house number.
    PersonFuzzyName,
    /// Organisation: organisasjonsnummer.
    OrgNumber,
    /// Organisation: normalised name and postnummer.
    OrgNamePostnummer,
    /// Organisation: normalised name alone.
    OrgName,
    /// Address: kommunenummer (after mapping), adressekode, number and letter.
    AddressCode,
    /// Address: adressenavn fuzzy within postnummer, same number and letter.
    AddressFuzzyStreet,
}

impl Rule {
    /// The rule's name in reports and the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::PersonId => "P1 identifikator",
            Rule::PersonOldId => "P2 historisk identifikator",
            Rule::PersonNameBirth => "P3 navn + fødselsdato",
            Rule::PersonNameAddress => "P4 navn + adresse",
            Rule::PersonNamePostnummer => "P5 navn + postnummer",
            Rule::PersonFuzzyName => "P6 fuzzy navn i blokk",
            Rule::OrgNumber => "O1 organisasjonsnummer",
            Rule::OrgNamePostnummer => "O2 navn + postnummer",
            Rule::OrgName => "O3 navn",
            Rule::AddressCode => "A1 kommune + adressekode + nummer",
            Rule::AddressFuzzyStreet => "A2 fuzzy adressenavn i postnummer",
        }
    }
}

/// A field whose value in the record differs from the register's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// The field.
    pub field: &'static str,
    /// The record's value.
    pub record: String,
    /// The register's value.
    pub register: String,
}

/// What matching found for one record.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// One register entry, class A or B.
    Matched {
        /// Index of the entry in its register.
        entity: u32,
        /// A or B.
        class: Class,
        /// The rule that found it.
        rule: Rule,
        /// Fields that differ (empty for A).
        differences: Vec<Difference>,
    },
    /// Class C: candidates for a person to choose from.
    Manual {
        /// The rule that found them.
        rule: Rule,
        /// Register indexes, best first.
        candidates: Vec<u32>,
        /// Why it is uncertain.
        reason: String,
    },
    /// No register entry found.
    Unmatched,
    /// The record cannot be matched at all (no identifier, no name).
    Rejected(String),
}

/// Tuning of the matching rules.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Jaro-Winkler threshold for fuzzy names (default 0.92).
    pub fuzzy_threshold: f64,
    /// Jaro-Winkler threshold for fuzzy street names (default 0.88).
    pub street_threshold: f64,
    /// Accept NAV's synthetic numbers (month + 40), which collide with H-numbers.
    pub nav_synthetic: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options { fuzzy_threshold: 0.92, street_threshold: 0.88, nav_synthetic: false }
    }
}

/// A compact multimap from a 64-bit key to register indexes: one sorted vector, so that
/// a million entries cost 12 MB and no allocation each.
#[derive(Default)]
struct MultiIndex(Vec<(u64, u32)>);

impl MultiIndex {
    fn build(mut entries: Vec<(u64, u32)>) -> MultiIndex {
        entries.par_sort_unstable();
        entries.dedup();
        MultiIndex(entries)
    }

    fn get(&self, k: u64) -> impl Iterator<Item = u32> + '_ {
        let start = self.0.partition_point(|(x, _)| *x < k);
        self.0[start..].iter().take_while(move |(x, _)| *x == k).map(|(_, i)| *i)
    }
}

/// Sorted (given name, surname) pair key, so a record's name can be looked up whatever
/// its word order.
fn pair_key(a: &str, b: &str, rest: &[&[u8]]) -> u64 {
    let (x, y) = if a <= b { (a, b) } else { (b, a) };
    let mut parts: Vec<&[u8]> = vec![x.as_bytes(), y.as_bytes()];
    parts.extend_from_slice(rest);
    key(&parts)
}

fn street3(s: &str) -> String {
    street(s).chars().filter(|c| !c.is_whitespace()).take(3).collect()
}

/// The first three letters of a normalised street's last word: renamed streets keep it
/// ("kirkevei" in "kolbotn kirkevei"), so it narrows the fuzzy blocks without losing them.
fn tail3(normalised_street: &str) -> &str {
    let last = normalised_street.rsplit(' ').next().unwrap_or_default();
    let end = last.char_indices().nth(3).map_or(last.len(), |(i, _)| i);
    &last[..end]
}

fn birth_bytes(b: (u16, u8, u8)) -> [u8; 4] {
    let [y0, y1] = b.0.to_le_bytes();
    [y0, y1, b.1, b.2]
}

fn number_bytes(nummer: u32, bokstav: &str) -> Vec<u8> {
    let mut v = nummer.to_le_bytes().to_vec();
    v.extend(bokstav.trim().to_uppercase().bytes());
    v
}

/// Folkeregisteret, indexed for the person rules.
pub struct PersonIndex<'a> {
    /// The persons.
    pub persons: &'a [Person],
    /// Each person's name as words, held compactly (two million persons).
    tokens: Vec<Box<[Text]>>,
    by_id: HashMap<&'a str, u32>,
    by_old_id: HashMap<&'a str, u32>,
    by_name_birth: MultiIndex,
    by_name_street: MultiIndex,
    by_name_post: MultiIndex,
    by_birth: MultiIndex,
    by_post_number: MultiIndex,
}

impl<'a> PersonIndex<'a> {
    /// Indexes the persons (in parallel).
    pub fn new(persons: &'a [Person]) -> PersonIndex<'a> {
        let tokens: Vec<Box<[Text]>> = persons
            .par_iter()
            .map(|p| {
                let words = name_tokens(&normalize::full_name(&p.fornavn, &p.mellomnavn, &p.etternavn));
                words.iter().map(|w| Text::from(w.as_str())).collect()
            })
            .collect();
        let mut by_id = HashMap::with_capacity(persons.len());
        let mut by_old_id = HashMap::new();
        for (i, p) in persons.iter().enumerate() {
            by_id.insert(p.id.as_str(), i as u32);
            for old in &p.old_ids {
                by_old_id.insert(old.as_str(), i as u32);
            }
        }
        // Each index is built on its own, so that only the finished vectors are held.
        let index = |keys: &(dyn Fn(&Person, &mut Vec<u64>) + Sync)| -> MultiIndex {
            MultiIndex::build(
                persons
                    .par_iter()
                    .enumerate()
                    .flat_map_iter(|(i, p)| {
                        let mut k = Vec::new();
                        keys(p, &mut k);
                        k.into_iter().map(move |k| (k, i as u32))
                    })
                    .collect(),
            )
        };
        let pair = |p: &Person| -> Option<(String, String)> {
            let given = name_tokens(&p.fornavn).into_iter().next()?;
            let surname = name_tokens(&p.etternavn).into_iter().last()?;
            Some((given, surname))
        };
        let by_name_birth = index(&|p, k| {
            if let (Some((g, s)), Some(b)) = (pair(p), p.birth) {
                k.push(pair_key(&g, &s, &[&birth_bytes(b)]));
            }
        });
        let by_name_street = index(&|p, k| {
            if let Some((g, s)) = pair(p) {
                for a in &p.addresses {
                    let num = number_bytes(a.nummer, &a.bokstav);
                    k.push(pair_key(&g, &s, &[street3(&a.adressenavn).as_bytes(), &num]));
                }
            }
        });
        let by_name_post = index(&|p, k| {
            if let Some((g, s)) = pair(p) {
                k.extend(p.addresses.iter().map(|a| pair_key(&g, &s, &[a.postnummer.as_bytes()])));
            }
        });
        let by_birth = index(&|p, k| k.extend(p.birth.map(|b| key(&[&birth_bytes(b)]))));
        let by_post_number = index(&|p, k| {
            for a in &p.addresses {
                let s = street(&a.adressenavn);
                k.push(key(&[a.postnummer.as_bytes(), &number_bytes(a.nummer, ""), tail3(&s).as_bytes()]));
            }
        });
        PersonIndex {
            persons,
            tokens,
            by_id,
            by_old_id,
            by_name_birth,
            by_name_street,
            by_name_post,
            by_birth,
            by_post_number,
        }
    }
}

/// A person record as the job's column mapping reads it.
#[derive(Debug, Clone, Copy, Default)]
pub struct PersonRecord<'r> {
    /// Fødselsnummer or D-number.
    pub id: Option<&'r str>,
    /// The full name, in any order.
    pub name: Option<&'r str>,
    /// Birth date (YYYY-MM-DD, DD.MM.YYYY or YYYYMMDD).
    pub birth: Option<&'r str>,
    /// The street line ("Kirkeveien 12B").
    pub address: Option<&'r str>,
    /// Postnummer.
    pub postnummer: Option<&'r str>,
}

/// Notes on a record that are not a match result: an invalid identifier, an unreadable date.
pub type Notes = Vec<String>;

/// The value trimmed, or `None` when it is absent or blank.
pub(crate) fn present(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

/// Matches one person record.
///
/// ```
/// use samla_wash::matching::{match_person, Class, Options, Outcome, PersonIndex, PersonRecord};
/// use samla_wash::snapshot::Person;
/// let persons = vec![Person { id: "30108299939".into(), fornavn: "Kari".into(), etternavn: "Nordmann".into(),
///     birth: Some((1982, 10, 30)), ..Person::default() }];
/// let index = PersonIndex::new(&persons);
/// let record = PersonRecord { name: Some("NORDMANN, Kari"), birth: Some("30.10.1982"), ..Default::default() };
/// let (outcome, _) = match_person(&index, &record, &Options::default());
/// assert!(matches!(outcome, Outcome::Matched { class: Class::A, entity: 0, .. }));
/// ```
pub fn match_person(index: &PersonIndex, r: &PersonRecord, opts: &Options) -> (Outcome, Notes) {
    let mut notes = Notes::new();
    let tokens: Vec<String> = present(r.name).map(name_tokens).unwrap_or_default();
    let mut birth = present(r.birth).and_then(|b| {
        let d = normalize::date(b);
        if d.is_none() {
            notes.push(format!("fødselsdato `{b}` er ikke en dato"));
        }
        d
    });
    let rules = samla_ids::Rules { nav_synthetic: opts.nav_synthetic, ..samla_ids::Rules::default() };
    let id = present(r.id).and_then(|id| match samla_ids::check_person(id, rules) {
        Ok(_) => Some(id),
        Err(e) => {
            notes.push(format!("ugyldig fødselsnummer ({})", e.message));
            None
        }
    });
    if birth.is_none() {
        birth = id.and_then(samla_ids::birth_date_of);
    }
    if id.is_none() && tokens.is_empty() {
        return (Outcome::Rejected("verken gyldig identifikator eller navn".into()), notes);
    }

    // P1 and P2: the identifier decides; the name only sets the class.
    if let Some(id) = id {
        for (rule, map) in [(Rule::PersonId, &index.by_id), (Rule::PersonOldId, &index.by_old_id)] {
            if let Some(&i) = map.get(id) {
                let p = &index.persons[i as usize];
                let mut differences = Vec::new();
                if rule == Rule::PersonOldId {
                    differences.push(Difference { field: "fnr", record: id.to_string(), register: p.id.to_string() });
                }
                if !tokens.is_empty() && !tokens_within(&tokens, &index.tokens[i as usize]) {
                    if name_similarity(&tokens, &index.tokens[i as usize]) < 0.85 {
                        return (
                            Outcome::Manual {
                                rule,
                                candidates: vec![i],
                                reason: "identifikatoren finnes, men navnet er et annet".into(),
                            },
                            notes,
                        );
                    }
                    differences.push(Difference {
                        field: "navn",
                        record: r.name.unwrap_or_default().into(),
                        register: p.name(),
                    });
                }
                let class = if differences.iter().any(|d| d.field == "navn") { Class::B } else { Class::A };
                return (Outcome::Matched { entity: i, class, rule, differences }, notes);
            }
        }
        notes.push("identifikatoren finnes ikke i Folkeregisteret-utdraget".into());
    }
    if tokens.is_empty() {
        return (Outcome::Unmatched, notes);
    }

    let (street_name, nummer, bokstav) = present(r.address).map(normalize::split_address).unwrap_or_default();
    let postnummer = present(r.postnummer).unwrap_or_default();
    let conflicts = |p: &Person| -> bool {
        matches!((birth, p.birth), (Some(a), Some(b)) if a != b)
            || id.is_some_and(|id| id != p.id && !p.old_ids.iter().any(|o| o == id))
    };
    // Every pair of the record's words could be (given name, surname).
    let words: Vec<&str> = tokens.iter().take(5).map(String::as_str).collect();
    let pairs: Vec<(&str, &str)> = (0..words.len())
        .flat_map(|i| (i + 1..words.len()).map(move |j| (i, j)))
        .map(|(i, j)| (words[i], words[j]))
        .collect();
    let exact = |index_of: &MultiIndex, rest: &[&[u8]]| -> Vec<u32> {
        let mut found: Vec<u32> = pairs.iter().flat_map(|(a, b)| index_of.get(pair_key(a, b, rest))).collect();
        found.sort_unstable();
        found.dedup();
        found.retain(|&i| tokens_within(&tokens, &index.tokens[i as usize]) && !conflicts(&index.persons[i as usize]));
        found
    };
    let decide = |rule: Rule, class: Class, found: Vec<u32>| -> Option<Outcome> {
        match found.len() {
            0 => None,
            1 => Some(Outcome::Matched { entity: found[0], class, rule, differences: Vec::new() }),
            n => Some(Outcome::Manual { rule, candidates: found, reason: format!("{n} personer passer like godt") }),
        }
    };
    if let Some(b) = birth
        && let Some(o) = decide(Rule::PersonNameBirth, Class::A, exact(&index.by_name_birth, &[&birth_bytes(b)]))
    {
        return (o, notes);
    }
    if !street_name.is_empty()
        && nummer > 0
        && let Some(o) = decide(
            Rule::PersonNameAddress,
            Class::B,
            exact(&index.by_name_street, &[street3(&street_name).as_bytes(), &number_bytes(nummer, &bokstav)]),
        )
    {
        return (o, notes);
    }
    if !postnummer.is_empty()
        && let Some(o) =
            decide(Rule::PersonNamePostnummer, Class::B, exact(&index.by_name_post, &[postnummer.as_bytes()]))
    {
        return (o, notes);
    }

    // P6: fuzzy names, only within a block that already agrees on another field.
    let mut block: Vec<u32> = Vec::new();
    if let Some(b) = birth {
        block.extend(index.by_birth.get(key(&[&birth_bytes(b)])));
    }
    let wanted_street = street(&street_name);
    if !postnummer.is_empty() && nummer > 0 {
        let k = key(&[postnummer.as_bytes(), &number_bytes(nummer, ""), tail3(&wanted_street).as_bytes()]);
        block.extend(index.by_post_number.get(k).filter(|&i| {
            index.persons[i as usize].addresses.iter().any(|a| {
                a.postnummer == postnummer
                    && a.nummer == nummer
                    && street_similarity(&street(&a.adressenavn), &wanted_street) >= opts.street_threshold
            })
        }));
    }
    block.sort_unstable();
    block.dedup();
    let mut scored: Vec<(f64, u32)> = block
        .into_iter()
        .filter(|&i| !conflicts(&index.persons[i as usize]))
        .map(|i| (name_similarity(&tokens, &index.tokens[i as usize]), i))
        .filter(|(s, _)| *s >= 0.80)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    match scored.as_slice() {
        [] => (Outcome::Unmatched, notes),
        [(best, i), rest @ ..]
            if *best >= opts.fuzzy_threshold && rest.first().is_none_or(|(s, _)| *s < opts.fuzzy_threshold) =>
        {
            let p = &index.persons[*i as usize];
            let differences =
                vec![Difference { field: "navn", record: r.name.unwrap_or_default().into(), register: p.name() }];
            (Outcome::Matched { entity: *i, class: Class::B, rule: Rule::PersonFuzzyName, differences }, notes)
        }
        _ => {
            let reason = if scored[0].0 >= opts.fuzzy_threshold {
                "flere personer har nesten samme navn".to_string()
            } else {
                format!("navnet ligner bare ({:.3} < {:.3})", scored[0].0, opts.fuzzy_threshold)
            };
            let candidates = scored.iter().take(5).map(|(_, i)| *i).collect();
            (Outcome::Manual { rule: Rule::PersonFuzzyName, candidates, reason }, notes)
        }
    }
}

/// Every word of the record's name is one of the register's (a missing middle name or a
/// second given name left out is fine; a different word is not).
fn tokens_within(record: &[String], register: &[Text]) -> bool {
    record.iter().all(|t| register.iter().any(|r| r == t))
}

/// Enhetsregisteret, indexed for the organisation rules.
pub struct OrgIndex<'a> {
    /// Enheter and underenheter.
    pub orgs: &'a [Organisation],
    names: Vec<String>,
    by_orgnr: HashMap<&'a str, u32>,
    by_name_post: MultiIndex,
    by_name: MultiIndex,
}

impl<'a> OrgIndex<'a> {
    /// Indexes the organisations.
    pub fn new(orgs: &'a [Organisation]) -> OrgIndex<'a> {
        let names: Vec<String> = orgs.par_iter().map(|o| normalize::org_name(&o.navn)).collect();
        let mut by_orgnr = HashMap::with_capacity(orgs.len());
        for (i, o) in orgs.iter().enumerate() {
            by_orgnr.entry(o.orgnr.as_str()).or_insert(i as u32);
        }
        // Underenheter share their parent's name: index names of enheter only.
        let enheter = || orgs.iter().enumerate().filter(|(_, o)| o.overordnet.is_empty());
        let by_name_post = MultiIndex::build(
            enheter().map(|(i, o)| (key(&[names[i].as_bytes(), o.postnummer.as_bytes()]), i as u32)).collect(),
        );
        let by_name = MultiIndex::build(enheter().map(|(i, _)| (key(&[names[i].as_bytes()]), i as u32)).collect());
        OrgIndex { orgs, names, by_orgnr, by_name_post, by_name }
    }
}

/// An organisation record as the job's column mapping reads it.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrgRecord<'r> {
    /// Organisasjonsnummer.
    pub orgnr: Option<&'r str>,
    /// Name.
    pub name: Option<&'r str>,
    /// Postnummer.
    pub postnummer: Option<&'r str>,
}

/// Matches one organisation record: orgnr first, then normalised name and postnummer.
pub fn match_org(index: &OrgIndex, r: &OrgRecord) -> (Outcome, Notes) {
    let mut notes = Notes::new();
    let orgnr = present(r.orgnr).map(|s| s.replace(' ', ""));
    let orgnr = orgnr.filter(|o| match samla_ids::check_orgnr(o) {
        Ok(()) => true,
        Err(e) => {
            notes.push(format!("ugyldig organisasjonsnummer ({})", e.message));
            false
        }
    });
    let name = present(r.name).map(normalize::org_name).unwrap_or_default();
    if orgnr.is_none() && name.is_empty() {
        return (Outcome::Rejected("verken gyldig organisasjonsnummer eller navn".into()), notes);
    }
    if let Some(orgnr) = &orgnr {
        if let Some(&i) = index.by_orgnr.get(orgnr.as_str()) {
            let o = &index.orgs[i as usize];
            let differences = if name.is_empty() || name == index.names[i as usize] {
                Vec::new()
            } else {
                vec![Difference { field: "navn", record: r.name.unwrap_or_default().into(), register: o.navn.clone() }]
            };
            let class = if differences.is_empty() { Class::A } else { Class::B };
            return (Outcome::Matched { entity: i, class, rule: Rule::OrgNumber, differences }, notes);
        }
        notes.push("organisasjonsnummeret finnes ikke i Enhetsregisteret-utdraget".into());
    }
    if name.is_empty() {
        return (Outcome::Unmatched, notes);
    }
    let postnummer = present(r.postnummer).unwrap_or_default();
    let same_orgnr = |i: &u32| orgnr.as_deref().is_none_or(|o| index.orgs[*i as usize].orgnr == o);
    if !postnummer.is_empty() {
        let found: Vec<u32> =
            index.by_name_post.get(key(&[name.as_bytes(), postnummer.as_bytes()])).filter(same_orgnr).collect();
        match found.len() {
            0 => {}
            1 => {
                let differences = org_differences(index, found[0], r);
                return (
                    Outcome::Matched { entity: found[0], class: Class::B, rule: Rule::OrgNamePostnummer, differences },
                    notes,
                );
            }
            n => {
                let reason = format!("{n} enheter med samme navn og postnummer");
                return (Outcome::Manual { rule: Rule::OrgNamePostnummer, candidates: found, reason }, notes);
            }
        }
    }
    let found: Vec<u32> = index.by_name.get(key(&[name.as_bytes()])).filter(same_orgnr).collect();
    if found.is_empty() {
        (Outcome::Unmatched, notes)
    } else {
        let reason = "bare navnet stemmer; adressen gjør ikke".to_string();
        (Outcome::Manual { rule: Rule::OrgName, candidates: found, reason }, notes)
    }
}

fn org_differences(index: &OrgIndex, i: u32, r: &OrgRecord) -> Vec<Difference> {
    let o = &index.orgs[i as usize];
    let mut d = Vec::new();
    if present(r.orgnr) != Some(o.orgnr.as_str()) {
        d.push(Difference { field: "orgnr", record: r.orgnr.unwrap_or_default().into(), register: o.orgnr.clone() });
    }
    if present(r.name) != Some(o.navn.as_str()) {
        d.push(Difference { field: "navn", record: r.name.unwrap_or_default().into(), register: o.navn.clone() });
    }
    d
}

/// Matrikkelen, indexed for the address rules.
pub struct AddressIndex<'a> {
    /// The addresses.
    pub addresses: &'a [Address],
    streets: Vec<String>,
    by_code: MultiIndex,
    by_post_number: MultiIndex,
    by_post_number_tail: MultiIndex,
}

impl<'a> AddressIndex<'a> {
    /// Indexes the addresses.
    pub fn new(addresses: &'a [Address]) -> AddressIndex<'a> {
        let streets: Vec<String> = addresses.par_iter().map(|a| street(&a.adressenavn)).collect();
        let by_code = MultiIndex::build(
            addresses
                .par_iter()
                .enumerate()
                .map(|(i, a)| (code_key(&a.kommunenummer, &a.adressekode, a.nummer, &a.bokstav), i as u32))
                .collect(),
        );
        let by_post_number = MultiIndex::build(
            addresses
                .par_iter()
                .enumerate()
                .map(|(i, a)| (key(&[a.postnummer.as_bytes(), &number_bytes(a.nummer, &a.bokstav)]), i as u32))
                .collect(),
        );
        let by_post_number_tail = MultiIndex::build(
            addresses
                .par_iter()
                .enumerate()
                .map(|(i, a)| {
                    let k =
                        [a.postnummer.as_bytes(), &number_bytes(a.nummer, &a.bokstav), tail3(&streets[i]).as_bytes()];
                    (key(&k), i as u32)
                })
                .collect(),
        );
        AddressIndex { addresses, streets, by_code, by_post_number, by_post_number_tail }
    }
}

fn code_key(kommunenummer: &str, adressekode: &str, nummer: u32, bokstav: &str) -> u64 {
    let code = adressekode.trim().trim_start_matches('0');
    key(&[kommunenummer.trim().as_bytes(), code.as_bytes(), &number_bytes(nummer, bokstav)])
}

/// An address record as the job's column mapping reads it.
#[derive(Debug, Clone, Default)]
pub struct AddressRecord<'r> {
    /// Kommunenummer, old or new.
    pub kommunenummer: Option<&'r str>,
    /// Adressekode.
    pub adressekode: Option<&'r str>,
    /// Street name.
    pub adressenavn: Option<&'r str>,
    /// House number.
    pub nummer: u32,
    /// House letter.
    pub bokstav: &'r str,
    /// Postnummer.
    pub postnummer: Option<&'r str>,
}

/// Matches one address: exact on kommunenummer (mapped through the change table),
/// adressekode, number and letter, confirmed by the street name; then the street name
/// fuzzy within postnummer, so that streets renamed in a merger are found.
pub fn match_address(index: &AddressIndex, r: &AddressRecord, kommuner: &Kommuneendringer, opts: &Options) -> Outcome {
    let wanted = present(r.adressenavn).map(street).unwrap_or_default();
    if wanted.is_empty() && present(r.adressekode).is_none() {
        return Outcome::Rejected("verken adressenavn eller adressekode".into());
    }
    if let (Some(k), Some(code)) = (present(r.kommunenummer), present(r.adressekode)) {
        let k = kommuner.current(k);
        let found: Vec<u32> = index.by_code.get(code_key(k, code, r.nummer, r.bokstav)).collect();
        // The code must be confirmed by the name: old codes were reused after mergers.
        let postnummer = present(r.postnummer);
        let confirmed: Vec<(f64, u32)> = found
            .iter()
            .filter(|&&i| postnummer.is_none_or(|p| p == index.addresses[i as usize].postnummer))
            .map(|&i| (if wanted.is_empty() { 1.0 } else { street_similarity(&index.streets[i as usize], &wanted) }, i))
            .filter(|(s, _)| *s >= opts.street_threshold)
            .collect();
        if let [(s, i)] = confirmed.as_slice() {
            let a = &index.addresses[*i as usize];
            let (class, differences) = if *s == 1.0 {
                (Class::A, Vec::new())
            } else {
                let d = Difference {
                    field: "adressenavn",
                    record: r.adressenavn.unwrap_or_default().into(),
                    register: a.adressenavn.to_string(),
                };
                (Class::B, vec![d])
            };
            return Outcome::Matched { entity: *i, class, rule: Rule::AddressCode, differences };
        }
    }
    match_street(index, &wanted, r.adressenavn.unwrap_or_default(), r.nummer, r.bokstav, present(r.postnummer), opts)
}

/// The fuzzy street rule alone, for street lines of persons and organisations.
pub fn match_street(
    index: &AddressIndex,
    wanted: &str,
    written: &str,
    nummer: u32,
    bokstav: &str,
    postnummer: Option<&str>,
    opts: &Options,
) -> Outcome {
    let Some(postnummer) = postnummer else { return Outcome::Unmatched };
    if wanted.is_empty() {
        return Outcome::Unmatched;
    }
    // Streets sharing the last word's first letters first; the whole postnummer only when
    // none of those is close (a typo at the start of the name).
    let number = number_bytes(nummer, bokstav);
    let score = |candidates: &mut dyn Iterator<Item = u32>| -> Vec<(f64, u32)> {
        candidates
            .map(|i| (street_similarity(&index.streets[i as usize], wanted), i))
            .filter(|(s, _)| *s >= 0.75)
            .collect()
    };
    let mut scored =
        score(&mut index.by_post_number_tail.get(key(&[postnummer.as_bytes(), &number, tail3(wanted).as_bytes()])));
    if !scored.iter().any(|(s, _)| *s >= opts.street_threshold) {
        scored = score(&mut index.by_post_number.get(key(&[postnummer.as_bytes(), &number])));
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    match scored.as_slice() {
        [] => Outcome::Unmatched,
        [(best, i), rest @ ..]
            if *best >= opts.street_threshold && rest.first().is_none_or(|(s, _)| *s < *best - 0.02) =>
        {
            let a = &index.addresses[*i as usize];
            let (class, differences) = if *best == 1.0 {
                (Class::A, Vec::new())
            } else {
                (
                    Class::B,
                    vec![Difference {
                        field: "adressenavn",
                        record: written.into(),
                        register: a.adressenavn.to_string(),
                    }],
                )
            };
            Outcome::Matched { entity: *i, class, rule: Rule::AddressFuzzyStreet, differences }
        }
        _ => Outcome::Manual {
            rule: Rule::AddressFuzzyStreet,
            candidates: scored.iter().take(5).map(|(_, i)| *i).collect(),
            reason: "flere gater eller bare lik gate i postnummeret".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(
        id: &str,
        fornavn: &str,
        etternavn: &str,
        birth: (u16, u8, u8),
        street: &str,
        nr: u32,
        post: &str,
    ) -> Person {
        Person {
            id: id.into(),
            fornavn: fornavn.into(),
            etternavn: etternavn.into(),
            birth: Some(birth),
            addresses: vec![Address {
                adressenavn: street.into(),
                nummer: nr,
                postnummer: post.into(),
                ..Address::default()
            }],
            status: "bosatt".into(),
            ..Person::default()
        }
    }

    fn registry() -> Vec<Person> {
        vec![
            person("30108299939", "Kari", "Nordmann", (1982, 10, 30), "Kirkeveien", 12, "1400"),
            person("20036914700", "Ola", "Hansen", (1969, 3, 20), "Storgata", 3, "1400"),
            person("01017012345", "Ola", "Hansen", (1970, 1, 1), "Skoleveien", 7, "1400"),
        ]
    }

    #[test]
    fn rules_fire_in_order() {
        let persons = registry();
        let index = PersonIndex::new(&persons);
        let o = Options::default();
        let m = |r: PersonRecord| match_person(&index, &r, &o).0;
        let by_id = m(PersonRecord { id: Some("30108299939"), name: Some("Kari Nordman"), ..Default::default() });
        assert!(
            matches!(by_id, Outcome::Matched { rule: Rule::PersonId, class: Class::B, entity: 0, .. }),
            "{by_id:?}"
        );
        let by_address =
            m(PersonRecord { name: Some("Hansen Ola"), address: Some("Storgata 3"), ..Default::default() });
        assert!(
            matches!(by_address, Outcome::Matched { rule: Rule::PersonNameAddress, entity: 1, .. }),
            "{by_address:?}"
        );
        let ambiguous = m(PersonRecord { name: Some("Ola Hansen"), postnummer: Some("1400"), ..Default::default() });
        assert!(matches!(ambiguous, Outcome::Manual { ref candidates, .. } if candidates.len() == 2), "{ambiguous:?}");
        let fuzzy = m(PersonRecord { name: Some("Karri Nordmann"), birth: Some("1982-10-30"), ..Default::default() });
        assert!(
            matches!(fuzzy, Outcome::Matched { rule: Rule::PersonFuzzyName, class: Class::B, entity: 0, .. }),
            "{fuzzy:?}"
        );
        let stranger = m(PersonRecord { name: Some("Per Olsen"), birth: Some("1982-10-30"), ..Default::default() });
        assert_eq!(stranger, Outcome::Unmatched);
    }

    #[test]
    fn a_conflicting_birth_date_vetoes_a_name_match() {
        let persons = registry();
        let index = PersonIndex::new(&persons);
        let r = PersonRecord {
            name: Some("Kari Nordmann"),
            birth: Some("1990-01-01"),
            address: Some("Kirkeveien 12"),
            ..Default::default()
        };
        assert_eq!(match_person(&index, &r, &Options::default()).0, Outcome::Unmatched);
    }

    #[test]
    fn renamed_street_is_found_by_the_fuzzy_rule() {
        let addresses = vec![
            Address {
                kommunenummer: "3207".into(),
                adressekode: "51001".into(),
                adressenavn: "Kolbotn kirkevei".into(),
                nummer: 5,
                postnummer: "1410".into(),
                ..Address::default()
            },
            Address {
                kommunenummer: "3207".into(),
                adressekode: "1001".into(),
                adressenavn: "Kirkeveien".into(),
                nummer: 5,
                postnummer: "1400".into(),
                ..Address::default()
            },
        ];
        let index = AddressIndex::new(&addresses);
        let k = Kommuneendringer::from_rows([("0213", "3020"), ("0217", "3020"), ("3020", "3207")]);
        // Oppegård's old code 1001 now belongs to Ski's Kirkeveien in another postnummer: the
        // code alone would be wrong, the name and postnummer find the renamed street.
        let r = AddressRecord {
            kommunenummer: Some("0217"),
            adressekode: Some("1001"),
            adressenavn: Some("Kirkeveien"),
            nummer: 5,
            bokstav: "",
            postnummer: Some("1410"),
        };
        let o = match_address(&index, &r, &k, &Options::default());
        assert!(
            matches!(o, Outcome::Matched { entity: 0, class: Class::B, rule: Rule::AddressFuzzyStreet, .. }),
            "{o:?}"
        );
        let r = AddressRecord { kommunenummer: Some("0213"), postnummer: Some("1400"), ..r };
        assert!(matches!(
            match_address(&index, &r, &k, &Options::default()),
            Outcome::Matched { entity: 1, class: Class::A, rule: Rule::AddressCode, .. }
        ));
    }
}
