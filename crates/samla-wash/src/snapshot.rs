//! Register snapshots in their real formats, loaded into typed tables.
//!
//! - Folkeregisteret: JSON lines with Freg's structure ([`load_freg`]);
//! - Enhetsregisteret: the bulk CSV (all cells quoted, line breaks inside cells) or JSON,
//!   enheter and underenheter ([`load_enhetsregisteret`]);
//! - Matrikkelen: the address CSV, `;`-separated, UTF-8 with a BOM ([`load_matrikkel`]);
//! - KRR: JSON lines or the `{"personer": [...]}` document ([`load_krr`]);
//! - SSB Klass 131 municipality changes ([`load_kommuneendringer`]), chains followed.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Deserialize;

use crate::error::{self, Result};
use crate::normalize;
use crate::table::Table;

/// Which register a snapshot is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Register {
    /// Folkeregisteret (persons).
    Folkeregisteret,
    /// Enhetsregisteret (organisations).
    Enhetsregisteret,
    /// Matrikkelen (addresses).
    Matrikkelen,
    /// Kontakt- og reservasjonsregisteret.
    Krr,
    /// SSB Klass 131 municipality changes.
    Kommuneendringer,
}

/// A snapshot as the job names it: an ID and a date, which every ledger row carries.
#[derive(Debug, Clone, Deserialize)]
pub struct Snapshot {
    /// The snapshot's ID, e.g. "freg-2026-11-01".
    pub id: String,
    /// Which register.
    pub register: Register,
    /// The file.
    pub path: PathBuf,
    /// The date the snapshot was taken ("as of").
    pub as_of: String,
}

/// A register's short text (a name, a code, an identifier): held inline up to 24 bytes,
/// so that two million persons are not ten million small allocations.
pub type Text = compact_str::CompactString;

/// An address as a register holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    /// Kommunenummer.
    pub kommunenummer: Text,
    /// Adressekode within the municipality.
    pub adressekode: Text,
    /// Street name.
    pub adressenavn: Text,
    /// House number (0 when there is none).
    pub nummer: u32,
    /// House letter, or empty.
    pub bokstav: Text,
    /// Postnummer.
    pub postnummer: Text,
    /// Poststed.
    pub poststed: Text,
    /// Matrikkelen's adresseId, where known.
    pub adresse_id: Text,
}

impl Address {
    /// The street line: "Kirkeveien 12B".
    pub fn line(&self) -> String {
        if self.nummer == 0 {
            self.adressenavn.to_string()
        } else {
            format!("{} {}{}", self.adressenavn, self.nummer, self.bokstav)
        }
    }
}

/// A person in Folkeregisteret.
#[derive(Debug, Clone, Default)]
pub struct Person {
    /// The identifier in use (status iBruk).
    pub id: Text,
    /// Earlier identifiers (status opphoert), e.g. a D-number later replaced.
    pub old_ids: Vec<Text>,
    /// Given names.
    pub fornavn: Text,
    /// Middle name, or empty.
    pub mellomnavn: Text,
    /// Surname.
    pub etternavn: Text,
    /// Birth date.
    pub birth: Option<(u16, u8, u8)>,
    /// Bostedsadresser, the current one first.
    pub addresses: Vec<Address>,
    /// bosatt, utflyttet, doed, opphoert, …
    pub status: Text,
    /// Under adressebeskyttelse (fortrolig or strengt fortrolig): the address is never
    /// written out.
    pub protected: bool,
}

impl Person {
    /// The name in the order written.
    pub fn name(&self) -> String {
        normalize::full_name(&self.fornavn, &self.mellomnavn, &self.etternavn)
    }
}

/// An enhet or underenhet in Enhetsregisteret.
#[derive(Debug, Clone, Default)]
pub struct Organisation {
    /// Organisasjonsnummer.
    pub orgnr: String,
    /// Name.
    pub navn: String,
    /// Organisasjonsform code (AS, ENK, BEDR, …).
    pub form: String,
    /// Forretningsadresse (or beliggenhetsadresse for an underenhet): the street line
    /// (the lines of a multi-line address joined by ", ").
    pub adresse: String,
    /// Postnummer.
    pub postnummer: String,
    /// Poststed.
    pub poststed: String,
    /// Kommunenummer.
    pub kommunenummer: String,
    /// Bankrupt.
    pub konkurs: bool,
    /// Being wound up.
    pub under_avvikling: bool,
    /// Deletion date, when deleted.
    pub slettedato: String,
    /// The parent enhet of an underenhet.
    pub overordnet: String,
}

/// A person's entry in KRR.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    /// Reserved against digital communication.
    pub reservasjon: bool,
    /// AKTIV, SLETTET, IKKE_REGISTRERT.
    pub status: String,
    /// E-mail address.
    pub epost: String,
    /// Mobile number.
    pub mobil: String,
}

/// What a kommunenummer is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kommune {
    /// Unchanged: no change row names it.
    Unchanged,
    /// Changed, through this chain of codes to the last.
    Now(Vec<String>),
    /// Split between several municipalities: the address decides.
    Split(Vec<String>),
}

/// SSB Klass 131 change rows, oldCode → newCode.
#[derive(Debug, Clone, Default)]
pub struct Kommuneendringer {
    changes: HashMap<String, Vec<String>>,
}

impl Kommuneendringer {
    /// Builds the table from (oldCode, newCode) rows.
    pub fn from_rows<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str)>) -> Kommuneendringer {
        let mut changes: HashMap<String, Vec<String>> = HashMap::new();
        for (old, new) in rows {
            if old != new {
                let targets = changes.entry(old.to_string()).or_default();
                if !targets.iter().any(|t| t == new) {
                    targets.push(new.to_string());
                }
            }
        }
        Kommuneendringer { changes }
    }

    /// Follows the chain from `code` (0213 → 3020 → 3207); a split anywhere stops it.
    ///
    /// ```
    /// use samla_wash::snapshot::{Kommune, Kommuneendringer};
    /// let k = Kommuneendringer::from_rows([("0213", "3020"), ("3020", "3207"), ("5012", "5055"), ("5012", "5059")]);
    /// assert_eq!(k.resolve("0213"), Kommune::Now(vec!["3020".into(), "3207".into()]));
    /// assert_eq!(k.resolve("3207"), Kommune::Unchanged);
    /// assert!(matches!(k.resolve("5012"), Kommune::Split(_)));
    /// ```
    pub fn resolve(&self, code: &str) -> Kommune {
        let mut chain: Vec<String> = Vec::new();
        let mut current = code;
        while let Some(targets) = self.changes.get(current) {
            if targets.len() > 1 {
                return Kommune::Split(targets.clone());
            }
            if chain.iter().any(|c| c == &targets[0]) || chain.len() > 32 {
                break; // a cycle in the table: stop where it started repeating
            }
            chain.push(targets[0].clone());
            current = &targets[0];
        }
        if chain.is_empty() { Kommune::Unchanged } else { Kommune::Now(chain) }
    }

    /// The current kommunenummer for `code`, or `code` itself when unchanged or split.
    pub fn current<'a>(&'a self, code: &'a str) -> &'a str {
        let mut current = code;
        for _ in 0..32 {
            match self.changes.get(current) {
                Some(targets) if targets.len() == 1 => current = &targets[0],
                _ => break,
            }
        }
        current
    }

    /// Number of change rows kept.
    pub fn len(&self) -> usize {
        self.changes.values().map(Vec::len).sum()
    }

    /// No change rows.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

// --- Folkeregisteret -------------------------------------------------------------------

#[derive(Deserialize)]
struct FregDoc {
    #[serde(default)]
    identifikasjonsnummer: Vec<FregId>,
    #[serde(default)]
    navn: Vec<FregNavn>,
    #[serde(default)]
    foedsel: Vec<FregFoedsel>,
    #[serde(default)]
    bostedsadresse: Vec<FregBosted>,
    #[serde(default)]
    status: Vec<FregStatus>,
    #[serde(default)]
    adressebeskyttelse: Vec<FregBeskyttelse>,
}

#[derive(Deserialize)]
struct FregId {
    #[serde(rename = "foedselsEllerDNummer")]
    id: String,
    #[serde(default)]
    status: Option<String>,
}

#[derive(Deserialize)]
struct FregNavn {
    #[serde(default)]
    fornavn: String,
    #[serde(default)]
    mellomnavn: Option<String>,
    #[serde(default)]
    etternavn: String,
    #[serde(default, rename = "erGjeldende")]
    gjeldende: Option<bool>,
}

#[derive(Deserialize)]
struct FregFoedsel {
    #[serde(default)]
    foedselsdato: Option<String>,
}

#[derive(Deserialize)]
struct FregBosted {
    #[serde(default)]
    vegadresse: Option<FregVeg>,
    #[serde(default, rename = "erGjeldende")]
    gjeldende: Option<bool>,
}

#[derive(Deserialize)]
struct FregVeg {
    #[serde(default)]
    kommunenummer: String,
    #[serde(default)]
    adressenavn: String,
    #[serde(default)]
    adressenummer: Option<FregNummer>,
    #[serde(default)]
    adressekode: String,
    #[serde(default)]
    poststed: Option<FregPoststed>,
}

#[derive(Deserialize)]
struct FregNummer {
    #[serde(default)]
    husnummer: String,
    #[serde(default)]
    husbokstav: String,
}

#[derive(Deserialize)]
struct FregPoststed {
    #[serde(default)]
    poststedsnavn: String,
    #[serde(default)]
    postnummer: String,
}

#[derive(Deserialize)]
struct FregStatus {
    status: String,
    #[serde(default, rename = "erGjeldende")]
    gjeldende: Option<bool>,
}

#[derive(Deserialize)]
struct FregBeskyttelse {
    #[serde(default)]
    graderingsnivaa: String,
}

/// The current element of a Freg history list: the one marked erGjeldende, else the first.
fn current<T>(items: &[T], gjeldende: impl Fn(&T) -> Option<bool>) -> Option<&T> {
    items.iter().find(|i| gjeldende(i) == Some(true)).or_else(|| items.first())
}

fn freg_person(doc: FregDoc) -> Option<Person> {
    let id = doc
        .identifikasjonsnummer
        .iter()
        .find(|i| i.status.as_deref().is_none_or(|s| s == "iBruk"))
        .map(|i| Text::from(i.id.as_str()))?;
    let mut old_ids: Vec<Text> =
        doc.identifikasjonsnummer.iter().filter(|i| i.id != id).map(|i| Text::from(i.id.as_str())).collect();
    old_ids.shrink_to_fit();
    let navn = current(&doc.navn, |n| n.gjeldende);
    let mut addresses: Vec<(bool, Address)> = doc
        .bostedsadresse
        .iter()
        .filter_map(|b| {
            let v = b.vegadresse.as_ref()?;
            let (nummer, bokstav) = v
                .adressenummer
                .as_ref()
                .map(|n| (n.husnummer.parse().unwrap_or(0), Text::from(n.husbokstav.as_str())))
                .unwrap_or_default();
            let (poststed, postnummer) = v
                .poststed
                .as_ref()
                .map(|p| (Text::from(p.poststedsnavn.as_str()), Text::from(p.postnummer.as_str())))
                .unwrap_or_default();
            let address = Address {
                kommunenummer: v.kommunenummer.as_str().into(),
                adressekode: v.adressekode.as_str().into(),
                adressenavn: v.adressenavn.as_str().into(),
                nummer,
                bokstav,
                postnummer,
                poststed,
                adresse_id: Text::default(),
            };
            Some((b.gjeldende != Some(false), address))
        })
        .collect();
    addresses.sort_by_key(|(current, _)| !current);
    Some(Person {
        id,
        old_ids,
        fornavn: navn.map(|n| n.fornavn.as_str().into()).unwrap_or_default(),
        mellomnavn: navn.and_then(|n| n.mellomnavn.as_deref()).map(Text::from).unwrap_or_default(),
        etternavn: navn.map(|n| n.etternavn.as_str().into()).unwrap_or_default(),
        birth: doc.foedsel.first().and_then(|f| f.foedselsdato.as_deref()).and_then(normalize::date),
        // Exactly as long as it is: a collected Vec keeps room for four, and two million
        // persons would carry a gigabyte of it.
        addresses: addresses.into_iter().map(|(_, a)| a).collect::<Vec<_>>().into_boxed_slice().into_vec(),
        status: current(&doc.status, |s| s.gjeldende).map(|s| s.status.as_str().into()).unwrap_or_default(),
        protected: doc
            .adressebeskyttelse
            .iter()
            .any(|b| !b.graderingsnivaa.is_empty() && b.graderingsnivaa != "ugradert"),
    })
}

const JSON_NOT_UTF8: &str = "JSON snapshots are UTF-8; convert the file (iconv -f ISO-8859-1 -t UTF-8)";

fn read_text(path: &Path) -> Result<String> {
    let bytes = fs::read(path).map_err(|e| error::io(path, e))?;
    match String::from_utf8(bytes) {
        Ok(mut s) => {
            if s.starts_with('\u{feff}') {
                s.drain(..3);
            }
            Ok(s)
        }
        Err(e) => Err(error::not_utf8(path, e.as_bytes(), e.utf8_error().valid_up_to(), 1, JSON_NOT_UTF8)),
    }
}

/// Streams JSON lines from a file in blocks of whole lines, each block parsed in
/// parallel, so memory holds one block and the results, not the file.
fn json_lines<T: Send, D: for<'de> Deserialize<'de>>(
    path: &Path,
    what: &str,
    map: impl Fn(D) -> Option<T> + Sync,
) -> Result<Vec<T>> {
    const BLOCK: usize = 32 << 20;
    let mut file = fs::File::open(path).map_err(|e| error::io(path, e))?;
    let mut out = Vec::new();
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK + (1 << 20));
    let mut first_line = 1u64;
    let mut at_end = false;
    while !at_end {
        let filled = buf.len();
        buf.resize(BLOCK.max(filled * 2), 0);
        let mut end = filled;
        while end < buf.len() {
            let n = std::io::Read::read(&mut file, &mut buf[end..]).map_err(|e| error::io(path, e))?;
            if n == 0 {
                at_end = true;
                break;
            }
            end += n;
        }
        buf.truncate(end);
        // Parse up to the last whole line; keep the rest for the next block.
        let cut = if at_end { buf.len() } else { buf.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) };
        if cut == 0 && !at_end {
            continue; // one line longer than the block: read more
        }
        let block = &buf[..cut];
        let skip = if first_line == 1 && block.starts_with(b"\xef\xbb\xbf") { 3 } else { 0 };
        let text = std::str::from_utf8(&block[skip..])
            .map_err(|e| error::not_utf8(path, &block[skip..], e.valid_up_to(), first_line, JSON_NOT_UTF8))?;
        let lines: Vec<&str> = text.lines().collect();
        let parsed: Result<Vec<Option<T>>> = lines
            .par_iter()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, line)| match serde_json::from_str::<D>(line) {
                Ok(doc) => Ok(map(doc)),
                Err(e) => Err(error::invalid_at(
                    path,
                    first_line + i as u64,
                    e.column() as u64,
                    format!("not a {what}: {e}"),
                    "each line must be one JSON document; a truncated last line means the snapshot was not fully written",
                )),
            })
            .collect();
        out.extend(parsed?.into_iter().flatten());
        first_line += block.iter().filter(|&&b| b == b'\n').count() as u64;
        buf.drain(..cut);
    }
    Ok(out)
}

/// Loads Folkeregisteret persons from JSON lines. Persons without an identifier in use
/// are left out (they cannot be matched).
pub fn load_freg(path: &Path) -> Result<Vec<Person>> {
    json_lines(path, "Folkeregisteret person", freg_person)
}

// --- KRR -------------------------------------------------------------------------------

#[derive(Deserialize)]
struct KrrPerson {
    personidentifikator: String,
    #[serde(default)]
    reservasjon: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    kontaktinformasjon: Option<KrrKontakt>,
}

#[derive(Deserialize)]
struct KrrKontakt {
    #[serde(default)]
    epostadresse: Option<String>,
    #[serde(default)]
    mobiltelefonnummer: Option<String>,
}

#[derive(Deserialize)]
struct KrrDocument {
    personer: Vec<KrrPerson>,
}

fn krr_entry(p: KrrPerson) -> (String, Contact) {
    let k = p.kontaktinformasjon;
    (
        p.personidentifikator,
        Contact {
            reservasjon: p.reservasjon.as_deref().is_some_and(|r| r.eq_ignore_ascii_case("JA")),
            status: p.status.unwrap_or_default(),
            epost: k.as_ref().and_then(|k| k.epostadresse.clone()).unwrap_or_default(),
            mobil: k.and_then(|k| k.mobiltelefonnummer).unwrap_or_default(),
        },
    )
}

/// Loads KRR entries: JSON lines of persons, or the API's `{"personer": [...]}` document.
pub fn load_krr(path: &Path) -> Result<HashMap<String, Contact>> {
    let mut head = [0u8; 64];
    let n = std::io::Read::read(&mut fs::File::open(path).map_err(|e| error::io(path, e))?, &mut head)
        .map_err(|e| error::io(path, e))?;
    let head: String = String::from_utf8_lossy(&head[..n]).chars().filter(|c| !c.is_whitespace()).collect();
    if head.trim_start_matches('\u{feff}').starts_with("{\"personer\"") {
        let text = read_text(path)?;
        let doc: KrrDocument = serde_json::from_str(&text).map_err(|e| {
            error::invalid_at(
                path,
                e.line() as u64,
                e.column() as u64,
                format!("not a KRR document: {e}"),
                "check the file",
            )
        })?;
        return Ok(doc.personer.into_iter().map(krr_entry).collect());
    }
    Ok(json_lines(path, "KRR person", |p: KrrPerson| Some(krr_entry(p)))?.into_iter().collect())
}

// --- Enhetsregisteret ------------------------------------------------------------------

#[derive(Deserialize)]
struct ErUnit {
    organisasjonsnummer: String,
    #[serde(default)]
    navn: String,
    #[serde(default)]
    organisasjonsform: Option<ErForm>,
    #[serde(default)]
    forretningsadresse: Option<ErAdresse>,
    #[serde(default)]
    beliggenhetsadresse: Option<ErAdresse>,
    #[serde(default)]
    konkurs: Option<bool>,
    #[serde(default, rename = "underAvvikling")]
    under_avvikling: Option<bool>,
    #[serde(default)]
    slettedato: Option<String>,
    #[serde(default, rename = "overordnetEnhet")]
    overordnet: Option<String>,
}

#[derive(Deserialize)]
struct ErForm {
    kode: String,
}

#[derive(Deserialize)]
struct ErAdresse {
    #[serde(default)]
    adresse: Vec<String>,
    #[serde(default)]
    postnummer: Option<String>,
    #[serde(default)]
    poststed: Option<String>,
    #[serde(default)]
    kommunenummer: Option<String>,
}

fn er_unit(u: ErUnit) -> Organisation {
    let a = u.forretningsadresse.or(u.beliggenhetsadresse);
    Organisation {
        orgnr: u.organisasjonsnummer,
        navn: u.navn,
        form: u.organisasjonsform.map(|f| f.kode).unwrap_or_default(),
        adresse: a.as_ref().map(|a| a.adresse.join(", ")).unwrap_or_default(),
        postnummer: a.as_ref().and_then(|a| a.postnummer.clone()).unwrap_or_default(),
        poststed: a.as_ref().and_then(|a| a.poststed.clone()).unwrap_or_default(),
        kommunenummer: a.and_then(|a| a.kommunenummer).unwrap_or_default(),
        konkurs: u.konkurs.unwrap_or(false),
        under_avvikling: u.under_avvikling.unwrap_or(false),
        slettedato: u.slettedato.unwrap_or_default(),
        overordnet: u.overordnet.unwrap_or_default(),
    }
}

fn truthy(v: Option<&str>) -> bool {
    v.is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "j" | "ja" | "1"))
}

/// Loads enheter or underenheter from the bulk CSV or JSON (by extension).
pub fn load_enhetsregisteret(path: &Path) -> Result<Vec<Organisation>> {
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        let text = read_text(path)?;
        let units: Vec<ErUnit> = serde_json::from_str(&text).map_err(|e| {
            error::invalid_at(
                path,
                e.line() as u64,
                e.column() as u64,
                format!("not an Enhetsregisteret JSON download: {e}"),
                "the bulk JSON is one array of units",
            )
        })?;
        return Ok(units.into_iter().map(er_unit).collect());
    }
    let t = Table::read(path)?;
    let orgnr = t.column("organisasjonsnummer")?;
    let navn = t.column("navn")?;
    // Enheter carry forretningsadresse, underenheter beliggenhetsadresse.
    let prefix = if t.column_name("forretningsadresse.adresse").is_some() {
        "forretningsadresse"
    } else {
        "beliggenhetsadresse"
    };
    let optional =
        |name: &str| -> Vec<Option<&str>> { t.column(name).unwrap_or_else(|_| vec![None; t.frame.height()]) };
    let form = optional("organisasjonsform.kode");
    let adresse = optional(&format!("{prefix}.adresse"));
    let postnummer = optional(&format!("{prefix}.postnummer"));
    let poststed = optional(&format!("{prefix}.poststed"));
    let kommunenummer = optional(&format!("{prefix}.kommunenummer"));
    let konkurs = optional("konkurs");
    let avvikling = optional("underAvvikling");
    let slettet = optional("slettedato");
    let overordnet = optional("overordnetEnhet");
    let s = |v: Option<&str>| v.unwrap_or_default().to_string();
    Ok((0..t.frame.height())
        .filter(|&i| orgnr[i].is_some())
        .map(|i| Organisation {
            orgnr: s(orgnr[i]),
            navn: s(navn[i]),
            form: s(form[i]),
            adresse: adresse[i].unwrap_or_default().lines().collect::<Vec<_>>().join(", "),
            postnummer: s(postnummer[i]),
            poststed: s(poststed[i]),
            kommunenummer: s(kommunenummer[i]),
            konkurs: truthy(konkurs[i]),
            under_avvikling: truthy(avvikling[i]),
            slettedato: s(slettet[i]),
            overordnet: s(overordnet[i]),
        })
        .collect())
}

// --- Matrikkelen -----------------------------------------------------------------------

/// Loads Matrikkelen's address CSV (headers matched without regard to case).
pub fn load_matrikkel(path: &Path) -> Result<Vec<Address>> {
    let t = Table::read(path)?;
    let kommunenummer = t.column("kommunenummer")?;
    let adressekode = t.column("adressekode")?;
    let adressenavn = t.column("adressenavn")?;
    let nummer = t.column("nummer")?;
    let bokstav = t.column("bokstav")?;
    let postnummer = t.column("postnummer")?;
    let poststed = t.column("poststed")?;
    let adresse_id = t.column("adresseId")?;
    let s = |v: Option<&str>| Text::from(v.unwrap_or_default());
    Ok((0..t.frame.height())
        .map(|i| Address {
            kommunenummer: s(kommunenummer[i]),
            adressekode: s(adressekode[i]),
            adressenavn: s(adressenavn[i]),
            nummer: nummer[i].and_then(|n| n.trim().parse().ok()).unwrap_or(0),
            bokstav: s(bokstav[i]),
            postnummer: s(postnummer[i]),
            poststed: s(poststed[i]),
            adresse_id: s(adresse_id[i]),
        })
        .collect())
}

/// Loads SSB Klass 131 change rows (oldCode, newCode, …; `,` or `;`).
pub fn load_kommuneendringer(path: &Path) -> Result<Kommuneendringer> {
    let t = Table::read(path)?;
    let old = t.column("oldCode")?;
    let new = t.column("newCode")?;
    Ok(Kommuneendringer::from_rows(
        old.iter().zip(&new).filter_map(|(o, n)| Some((o.as_ref()?.trim(), n.as_ref()?.trim()))),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freg_history_gives_current_and_old_ids() {
        let line = r#"{"identifikasjonsnummer":[{"foedselsEllerDNummer":"30108299939","status":"iBruk"},{"foedselsEllerDNummer":"70108212345","status":"opphoert"}],"navn":[{"fornavn":"Kari","etternavn":"Nordmann","erGjeldende":false},{"fornavn":"Kari","mellomnavn":"Berg","etternavn":"Hansen","erGjeldende":true}],"foedsel":[{"foedselsdato":"1982-10-30"}],"bostedsadresse":[{"vegadresse":{"kommunenummer":"3207","adressenavn":"Kirkeveien","adressenummer":{"husnummer":"12","husbokstav":"B"},"adressekode":"1001","poststed":{"poststedsnavn":"SKI","postnummer":"1400"}},"erGjeldende":true}],"status":[{"status":"bosatt"}],"adressebeskyttelse":[{"graderingsnivaa":"fortrolig"}]}"#;
        let p = freg_person(serde_json::from_str(line).unwrap()).unwrap();
        assert_eq!((p.id.as_str(), p.old_ids.as_slice()), ("30108299939", [Text::from("70108212345")].as_slice()));
        assert_eq!(p.name(), "Kari Berg Hansen");
        assert_eq!(p.birth, Some((1982, 10, 30)));
        assert_eq!(p.addresses[0].line(), "Kirkeveien 12B");
        assert!(p.protected);
    }
}
