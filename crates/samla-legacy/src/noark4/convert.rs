//! Noark 4 → Noark 5: a Noark 4 extract converted into a Noark 5 v5.0 arkivstruktur.xml.
//!
//! The field map follows the "Noark 4" column of the Noark 5 standard's object-sorted
//! metadata catalogue: NOARKSAK → saksmappe, JOURNPOST → journalpost, DOKLINK + DOKBESKRIV
//! → dokumentbeskrivelse, DOKVERSJON → dokumentobjekt, AVSMOT → korrespondansepart (and
//! avskrivning), SAKSPART → part, MERKNAD → merknad. Codes become the texts Noark 5
//! requires (journalposttype `I` → "Inngående dokument", …); an unknown code is reported
//! (`N4.UNKNOWN_CODE`, with table, row key, file and line) and the row is kept with the
//! code as written. systemIDs are UUIDv5 of (source, table, old key), so reruns give the
//! same IDs, and `crosswalk.csv` maps every old key to its systemID. Documents are copied
//! to `DOKUMENT/` with their SHA-256 and size, which Noark 4 does not record.
//!
//! Nothing is dropped silently: journalposter whose sak is missing go into one extra
//! saksmappe ("Journalposter uten sak", reported), and a dokumentversjon whose file is
//! missing is reported and counted as rejected. [`Conversion::counts`] gives read,
//! written and rejected per entity.
//!
//! This first version holds the rows below NOARKSAK (journalposter, documents,
//! korrespondanseparter) in memory, grouped by their parent key, and streams NOARKSAK.
//! Classification (KLASSERING/ORDNVERDI → klasse), skjerming and kassasjon are not yet
//! converted.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use samla_noark5::addml::{Arkivuttrekk, Checksum, DataFile, SchemaFile};
use samla_noark5::model::{NS_ARKIVSTRUKTUR, NS_METADATAKATALOG, NS_XSI};
use samla_noark5::writer::{HashingWriter, XmlWriter};
use samla_noark5::{Element, Error, Result};
use sha2::{Digest, Sha256};

use super::dates;
use super::ids::system_id;
use super::paths::DocumentResolver;
use super::{Finding, Noark4, Row, Severity};

/// How to convert.
#[derive(Debug, Clone)]
pub struct ConvertOptions {
    /// The source's name, part of every minted systemID (e.g. the municipality).
    pub source: String,
    /// Where to copy the XSDs from (arkivstruktur.xsd, metadatakatalog.xsd, addml.xsd);
    /// `None` writes no XSDs.
    pub schemas: Option<samla_noark5::schemas::SchemaDir>,
}

impl ConvertOptions {
    /// Options for the source called `source`, without XSDs.
    pub fn new(source: &str) -> ConvertOptions {
        ConvertOptions { source: source.to_string(), schemas: None }
    }
}

/// Read, written and rejected rows of one entity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    /// Rows read from the Noark 4 table.
    pub read: u64,
    /// Units written to arkivstruktur.xml.
    pub written: u64,
    /// Rows not written, each with a finding.
    pub rejected: u64,
}

/// What [`convert`] did.
#[derive(Debug, Clone, Default)]
pub struct Conversion {
    /// Per entity: `saksmappe`, `journalpost`, `dokumentbeskrivelse`, `dokumentobjekt`,
    /// `korrespondansepart`.
    pub counts: BTreeMap<&'static str, Count>,
    /// What was found while converting.
    pub findings: Vec<Finding>,
}

/// A row with the file it came from.
struct Src {
    file: std::sync::Arc<str>,
    row: Packed,
}

/// A row packed for holding: field names (shared) and one string of the values, joined
/// by U+001F (which XML 1.0 text cannot hold). A third of the size of a [`Row`].
#[derive(Clone)]
struct Packed {
    pos: samla_noark5::pos::Pos,
    names: Box<[samla_noark5::element::Name]>,
    text: Box<str>,
}

const SEP: char = '\u{1f}';

impl Packed {
    fn new(row: Row) -> Packed {
        let mut names = Vec::with_capacity(row.fields.len());
        let mut text = String::new();
        for f in row.fields.into_iter().filter(|f| !f.value.is_empty()) {
            if !names.is_empty() {
                text.push(SEP);
            }
            text.push_str(&f.value);
            names.push(f.name);
        }
        Packed { pos: row.pos, names: names.into(), text: text.into() }
    }

    fn get(&self, name: &str) -> Option<&str> {
        let found = self.names.iter().zip(self.text.split(SEP)).find(|(n, _)| ***n == *name).map(|(_, v)| v);
        found.or_else(|| {
            // Some vendors write JP_ID for JP.ID.
            if !self.names.first().is_some_and(|n| n.contains('_')) {
                return None;
            }
            let alt = name.replace('.', "_");
            self.names.iter().zip(self.text.split(SEP)).find(|(n, _)| ***n == *alt).map(|(_, v)| v)
        })
    }

    fn key(&self) -> String {
        let fields = self
            .names
            .iter()
            .zip(self.text.split(SEP))
            .map(|(n, v)| super::Field { name: n.clone(), value: v.to_string(), pos: self.pos })
            .collect();
        Row { name: "".into(), pos: self.pos, fields }.key()
    }
}

fn load(extract: &Noark4, table: &str, f: &mut dyn FnMut(Src)) -> Result<u64> {
    if extract.table(table).is_none() {
        return Ok(0);
    }
    let mut rows = extract.rows(table)?;
    let mut n = 0;
    let mut file: std::sync::Arc<str> = "".into();
    while let Some(row) = rows.next_row()? {
        n += 1;
        let current = rows.file().unwrap_or_default();
        if *file != *current {
            file = current.into();
        }
        f(Src { file: file.clone(), row: Packed::new(row) });
    }
    Ok(n)
}

fn v<'a>(row: &'a Packed, field: &str) -> &'a str {
    row.get(field).unwrap_or("")
}

/// The Noark 5 text of a Noark 4 code, for the code lists the conversion maps.
///
/// ```
/// use samla_legacy::noark4::convert::code_text;
/// assert_eq!(code_text("journalposttype", "I"), Some("Inngående dokument"));
/// assert_eq!(code_text("journalposttype", "Q"), None);
/// ```
pub fn code_text(list: &str, code: &str) -> Option<&'static str> {
    Some(match (list, code.trim()) {
        ("journalposttype", "I") => "Inngående dokument",
        ("journalposttype", "U") => "Utgående dokument",
        ("journalposttype", "N") => "Organinternt dokument for oppfølging",
        ("journalposttype", "X") => "Organinternt dokument uten oppfølging",
        ("journalposttype", "S") => "Saksframlegg",
        ("journalstatus", "R") => "Reservert dokument",
        ("journalstatus", "M") => "Midlertidig registrering av innkommet dokument",
        ("journalstatus", "S") => "Saksbehandler har registrert innkommet dokument",
        ("journalstatus", "F") => "Ferdigstilt fra saksbehandler",
        ("journalstatus", "G") => "Godkjent av leder",
        ("journalstatus", "E") => "Ekspedert",
        ("journalstatus", "J") => "Journalført",
        ("journalstatus", "A") => "Arkivert",
        ("journalstatus", "U") => "Utgår",
        ("saksstatus", "R") => "Opprettet av saksbehandler",
        ("saksstatus", "B") => "Under behandling",
        ("saksstatus", "F") => "Ferdig fra saksbehandler",
        ("saksstatus", "A") => "Avsluttet",
        ("saksstatus", "U") => "Utgår",
        ("saksstatus", "P") => "Unntatt prosesstyring",
        ("dokumentstatus", "B") => "Dokumentet er under redigering",
        ("dokumentstatus", "F") => "Dokumentet er ferdigstilt",
        ("tilknyttetRegistreringSom", "H") => "Hoveddokument",
        ("tilknyttetRegistreringSom", "V") => "Vedlegg",
        ("variantformat", "P") => "Produksjonsformat",
        ("variantformat", "A") => "Arkivformat",
        ("variantformat", "O") => "Dokument hvor deler av innholdet er skjermet",
        ("korrespondanseparttype", "0") => "Avsender",
        ("korrespondanseparttype", "1") => "Mottaker",
        ("korrespondanseparttype", "K") => "Kopimottaker",
        ("avskrivningsmaate", "BU") => "Besvart med brev",
        ("avskrivningsmaate", "BE") => "Besvart med e-post",
        ("avskrivningsmaate", "TLF") => "Besvart på telefon",
        ("avskrivningsmaate", "TE") => "Tatt til etterretning",
        ("avskrivningsmaate", "TO") => "Tatt til orientering",
        ("avskrivningsmaate", "SA") => "Saken ble avsluttet",
        ("dokumenttype", "BR") => "Brev",
        ("dokumenttype", "VE") => "Vedlegg",
        ("dokumenttype", "NO") | ("dokumenttype", "NT") => "Notat",
        ("dokumenttype", "RA") | ("dokumenttype", "RP") => "Rapport",
        ("dokumenttype", "SF") => "Saksframlegg",
        ("format", "RA-PDF") | ("format", "PDFA") => "fmt/95",
        ("format", "PDF") => "fmt/18",
        ("format", "TIFF") | ("format", "TIF") => "fmt/353",
        ("format", "TXT") => "x-fmt/111",
        _ => return None,
    })
}

struct Converter<'a> {
    source: &'a str,
    out: &'a Path,
    report: Conversion,
    crosswalk: BufWriter<File>,
    resolver: DocumentResolver,
    persons: HashMap<String, String>,
    units: HashMap<String, String>,
    jp_by_sa: HashMap<String, Vec<Src>>,
    am_by_jp: HashMap<String, Vec<Src>>,
    dl_by_jp: HashMap<String, Vec<Src>>,
    db: HashMap<String, Src>,
    ve_by_db: HashMap<String, Vec<Src>>,
    sp_by_sa: HashMap<String, Vec<Src>>,
    me_by_sa: HashMap<String, Vec<Src>>,
    me_by_jp: HashMap<String, Vec<Src>>,
    used_db: HashSet<String>,
    fallback_date: String,
}

fn push_nonempty(e: &mut Element, name: &str, value: &str) {
    if !value.trim().is_empty() {
        e.push_field(name, value.trim());
    }
}

impl Converter<'_> {
    fn count(&mut self, entity: &'static str) -> &mut Count {
        self.report.counts.entry(entity).or_default()
    }

    fn finding(&mut self, severity: Severity, code: &'static str, src: &Src, table: &str, message: String) {
        self.report.findings.push(
            Finding::new(severity, code, src.file.to_string(), message)
                .at(src.row.pos)
                .in_table(table)
                .with_key(src.row.key()),
        );
    }

    fn id(&mut self, table: &str, key: &str) -> Result<String> {
        let id = system_id(self.source, table, key);
        writeln!(self.crosswalk, "{table};{key};{id}").map_err(|e| Error::io("crosswalk.csv", e))?;
        Ok(id)
    }

    fn code(&mut self, list: &str, src: &Src, table: &str, field: &str) -> String {
        let raw = v(&src.row, field);
        match code_text(list, raw) {
            Some(text) => text.to_string(),
            None => {
                let f = src.row.pos;
                let mut finding = Finding::new(
                    Severity::Error,
                    "N4.UNKNOWN_CODE",
                    src.file.to_string(),
                    format!("{field} {raw:?} is no known {list} code; written as it stands"),
                )
                .at(f)
                .in_table(table)
                .with_key(src.row.key())
                .with_hint(format!("add a rule for the code to the job, or correct the {list} in the source"));
                if raw.is_empty() {
                    finding.message = format!("{field} is empty; {list} is required");
                }
                self.report.findings.push(finding);
                if raw.is_empty() { "Ukjent".to_string() } else { raw.to_string() }
            }
        }
    }

    /// An xs:date from a Noark 4 date, or the fallback date (reported).
    fn date(&mut self, src: &Src, table: &str, field: &str) -> String {
        match dates::parse(v(&src.row, field)).date() {
            Some(d) => d.to_string(),
            None => {
                let value = v(&src.row, field).to_string();
                self.finding(
                    Severity::Warning,
                    "N4.DATE_MISSING",
                    src,
                    table,
                    format!("{field} {value:?} is no date; {} is written instead", self.fallback_date),
                );
                self.fallback_date.clone()
            }
        }
    }

    fn person(&self, id: &str) -> String {
        self.persons.get(id).cloned().unwrap_or_else(|| if id.is_empty() { "ukjent".into() } else { id.to_string() })
    }

    fn saksmappe(&mut self, sa: &Src, arkivdel_id: &str) -> Result<Element> {
        let t = "NOARKSAK";
        let key = v(&sa.row, "SA.ID").to_string();
        let mut m = Element::new("mappe");
        m.set_attr("xsi:type", "saksmappe");
        m.push_field("systemID", self.id(t, &key)?);
        m.push_field("mappeID", format!("{}/{}", v(&sa.row, "SA.SAAR"), v(&sa.row, "SA.SEKNR")));
        let tittel = v(&sa.row, "SA.TITTEL");
        m.push_field("tittel", if tittel.is_empty() { "(uten tittel)" } else { tittel });
        push_nonempty(&mut m, "offentligTittel", v(&sa.row, "SA.OFFTITTEL"));
        m.push_field(
            "dokumentmedium",
            if v(&sa.row, "SA.PAPIR") == "1" { "Fysisk arkiv" } else { "Elektronisk arkiv" },
        );
        let saksdato = self.date(sa, t, "SA.DATO");
        let ansvarlig = self.person(v(&sa.row, "SA.ANSVID"));
        m.push_field("opprettetDato", format!("{saksdato}T00:00:00"));
        m.push_field("opprettetAv", ansvarlig.clone());
        let jps = self.jp_by_sa.remove(&key).unwrap_or_default();
        let mut registreringer = Vec::new();
        let mut last = saksdato.clone();
        for jp in &jps {
            let r = self.journalpost(jp, Some(&sa.row), arkivdel_id)?;
            if let Some(d) = r.value("journaldato")
                && *d > *last
            {
                last = d.to_string();
            }
            registreringer.push(r);
        }
        m.push_field("avsluttetDato", format!("{last}T00:00:00"));
        m.push_field("avsluttetAv", ansvarlig.clone());
        m.push_field("referanseArkivdel", arkivdel_id);
        for sp in self.sp_by_sa.remove(&key).unwrap_or_default() {
            let mut p = Element::new("part");
            p.push_field("partNavn", v(&sp.row, "SP.NAVN"));
            let rolle = v(&sp.row, "SP.ROLLE");
            p.push_field("partRolle", if rolle.is_empty() { "Part" } else { rolle });
            push_nonempty(&mut p, "postadresse", v(&sp.row, "SP.ADRESSE"));
            push_nonempty(&mut p, "postnummer", v(&sp.row, "SP.POSTNR"));
            push_nonempty(&mut p, "poststed", v(&sp.row, "SP.POSTSTED"));
            m.push(p);
        }
        for me in self.me_by_sa.remove(&key).unwrap_or_default() {
            let e = self.merknad(&me)?;
            m.push(e);
        }
        m.children.extend(registreringer);
        m.push_field("saksaar", v(&sa.row, "SA.SAAR"));
        m.push_field("sakssekvensnummer", v(&sa.row, "SA.SEKNR"));
        m.push_field("saksdato", saksdato);
        let unit =
            self.units.get(v(&sa.row, "SA.ADMID")).cloned().unwrap_or_else(|| v(&sa.row, "SA.ADMID").to_string());
        m.push_field("administrativEnhet", if unit.is_empty() { "ukjent" } else { &unit });
        m.push_field("saksansvarlig", ansvarlig);
        push_nonempty(&mut m, "journalenhet", v(&sa.row, "SA.JENHET"));
        let status = self.code("saksstatus", sa, t, "SA.STATUS");
        m.push_field("saksstatus", status);
        self.count("saksmappe").written += 1;
        Ok(m)
    }

    fn merknad(&mut self, me: &Src) -> Result<Element> {
        let mut e = Element::new("merknad");
        e.push_field("merknadstekst", v(&me.row, "ME.TEKST"));
        push_nonempty(&mut e, "merknadstype", v(&me.row, "ME.ITYPE"));
        let d = self.date(me, "MERKNAD", "ME.REGDATO");
        e.push_field("merknadsdato", format!("{d}T00:00:00"));
        e.push_field("merknadRegistrertAv", self.person(v(&me.row, "ME.REGAV")));
        Ok(e)
    }

    fn journalpost(&mut self, jp: &Src, sa: Option<&Packed>, arkivdel_id: &str) -> Result<Element> {
        let t = "JOURNPOST";
        let key = v(&jp.row, "JP.ID").to_string();
        let jdato = self.date(jp, t, "JP.JDATO");
        let sbh = self.person(v(&jp.row, "JP.SBHID"));
        let mut r = Element::new("registrering");
        r.set_attr("xsi:type", "journalpost");
        r.push_field("systemID", self.id(t, &key)?);
        r.push_field("opprettetDato", format!("{jdato}T00:00:00"));
        r.push_field("opprettetAv", sbh.clone());
        r.push_field("arkivertDato", format!("{jdato}T00:00:00"));
        r.push_field("arkivertAv", sbh.clone());
        r.push_field("referanseArkivdel", arkivdel_id);
        let mut links = self.dl_by_jp.remove(&key).unwrap_or_default();
        links.sort_by_key(|l| v(&l.row, "DL.RNR").parse::<u64>().unwrap_or(u64::MAX));
        for dl in &links {
            if let Some(db) = self.dokumentbeskrivelse(dl, &jdato, &sbh)? {
                r.push(db);
            }
        }
        if let Some(sa) = sa {
            r.push_field(
                "registreringsID",
                format!("{}/{}-{}", v(sa, "SA.SAAR"), v(sa, "SA.SEKNR"), v(&jp.row, "JP.JPOSTNR")),
            );
        }
        let tittel = v(&jp.row, "JP.INNHOLD");
        r.push_field("tittel", if tittel.is_empty() { "(uten tittel)" } else { tittel });
        push_nonempty(&mut r, "offentligTittel", v(&jp.row, "JP.OFFINNHOLD"));
        r.push_field(
            "dokumentmedium",
            if v(&jp.row, "JP.PAPIR") == "1" { "Fysisk arkiv" } else { "Elektronisk arkiv" },
        );
        for me in self.me_by_jp.remove(&key).unwrap_or_default() {
            let e = self.merknad(&me)?;
            r.push(e);
        }
        let mut avskrivninger = Vec::new();
        for am in self.am_by_jp.remove(&key).unwrap_or_default() {
            self.count("korrespondansepart").written += 1;
            let mut k = Element::new("korrespondansepart");
            let kind = if v(&am.row, "AM.KOPIMOT") == "1" { "K" } else { v(&am.row, "AM.IHTYPE") };
            let text = match code_text("korrespondanseparttype", kind) {
                Some(t) => t.to_string(),
                None => self.code("korrespondanseparttype", &am, "AVSMOT", "AM.IHTYPE"),
            };
            k.push_field("korrespondanseparttype", text);
            let navn = v(&am.row, "AM.NAVN");
            k.push_field("korrespondansepartNavn", if navn.is_empty() { "(uten navn)" } else { navn });
            push_nonempty(&mut k, "postadresse", v(&am.row, "AM.ADRESSE"));
            push_nonempty(&mut k, "postnummer", v(&am.row, "AM.POSTNR"));
            push_nonempty(&mut k, "poststed", v(&am.row, "AM.POSTSTED"));
            push_nonempty(&mut k, "epostadresse", v(&am.row, "AM.EPOSTADR"));
            r.push(k);
            if !v(&am.row, "AM.AVSKM").is_empty() {
                let mut a = Element::new("avskrivning");
                let d = self.date(&am, "AVSMOT", "AM.AVSKDATO");
                a.push_field("avskrivningsdato", d);
                let av = v(&am.row, "AM.AVSKAV");
                a.push_field("avskrevetAv", if av.is_empty() { sbh.clone() } else { self.person(av) });
                let m = self.code("avskrivningsmaate", &am, "AVSMOT", "AM.AVSKM");
                a.push_field("avskrivningsmaate", m);
                avskrivninger.push(a);
            }
        }
        r.push_field("journalaar", v(&jp.row, "JP.JAAR"));
        r.push_field("journalsekvensnummer", v(&jp.row, "JP.SEKNR"));
        r.push_field("journalpostnummer", v(&jp.row, "JP.JPOSTNR"));
        let jpt = self.code("journalposttype", jp, t, "JP.NDOKTYPE");
        r.push_field("journalposttype", jpt);
        let status = self.code("journalstatus", jp, t, "JP.STATUS");
        r.push_field("journalstatus", status);
        r.push_field("journaldato", jdato);
        for (field, name) in
            [("JP.DOKDATO", "dokumentetsDato"), ("JP.EKSPDATO", "sendtDato"), ("JP.FORFDATO", "forfallsdato")]
        {
            if let Some(d) = dates::parse(v(&jp.row, field)).date() {
                let d = if name == "sendtDato" { format!("{d}T00:00:00") } else { d.to_string() };
                r.push_field(name, d);
            }
        }
        push_nonempty(&mut r, "antallVedlegg", v(&jp.row, "JP.ANTVED"));
        r.children.extend(avskrivninger);
        self.count("journalpost").written += 1;
        Ok(r)
    }

    fn dokumentbeskrivelse(&mut self, dl: &Src, jdato: &str, sbh: &str) -> Result<Option<Element>> {
        let dokid = v(&dl.row, "DL.DOKID").to_string();
        let Some(db) = self.db.get(&dokid) else {
            self.finding(
                Severity::Error,
                "N4.FOREIGN_KEY",
                dl,
                "DOKLINK",
                format!("DL.DOKID {dokid} matches no DB.DOKID; the link is not converted"),
            );
            return Ok(None);
        };
        let (db_file, db_row) = (db.file.clone(), db.row.clone());
        let db = Src { file: db_file, row: db_row };
        // A document linked to several journalposter gets one systemID per link.
        let key = if self.used_db.insert(dokid.clone()) {
            dokid.clone()
        } else {
            format!("{dokid}@{}", v(&dl.row, "DL.JPID"))
        };
        let mut e = Element::new("dokumentbeskrivelse");
        e.push_field("systemID", self.id("DOKBESKRIV", &key)?);
        let kategori = v(&db.row, "DB.KATEGORI");
        let dokumenttype = code_text("dokumenttype", kategori)
            .map(str::to_string)
            .unwrap_or_else(|| if kategori.is_empty() { "Ukjent".to_string() } else { kategori.to_string() });
        e.push_field("dokumenttype", dokumenttype);
        let status = self.code("dokumentstatus", &db, "DOKBESKRIV", "DB.STATUS");
        e.push_field("dokumentstatus", status);
        let tittel = v(&db.row, "DB.TITTEL");
        e.push_field("tittel", if tittel.is_empty() { "(uten tittel)" } else { tittel });
        let tk =
            dates::parse(v(&dl.row, "DL.TKDATO")).date().map(|d| d.to_string()).unwrap_or_else(|| jdato.to_string());
        let av = if v(&dl.row, "DL.TKAV").is_empty() { sbh.to_string() } else { self.person(v(&dl.row, "DL.TKAV")) };
        e.push_field("opprettetDato", format!("{tk}T00:00:00"));
        e.push_field("opprettetAv", av.clone());
        e.push_field(
            "dokumentmedium",
            if v(&db.row, "DB.PAPIR") == "1" { "Fysisk arkiv" } else { "Elektronisk arkiv" },
        );
        let som = self.code("tilknyttetRegistreringSom", dl, "DOKLINK", "DL.TYPE");
        e.push_field("tilknyttetRegistreringSom", som);
        e.push_field("dokumentnummer", v(&dl.row, "DL.RNR"));
        e.push_field("tilknyttetDato", format!("{tk}T00:00:00"));
        e.push_field("tilknyttetAv", av.clone());
        let versions: Option<Vec<(std::sync::Arc<str>, Packed)>> =
            self.ve_by_db.get(&dokid).map(|v| v.iter().map(|s| (s.file.clone(), s.row.clone())).collect());
        for (file, row) in versions.unwrap_or_default() {
            let ve = Src { file, row };
            if let Some(o) = self.dokumentobjekt(&ve, &key, &tk, &av)? {
                e.push(o);
            }
        }
        self.count("dokumentbeskrivelse").written += 1;
        Ok(Some(e))
    }

    fn dokumentobjekt(&mut self, ve: &Src, db_key: &str, date: &str, av: &str) -> Result<Option<Element>> {
        let filref = v(&ve.row, "VE.FILREF");
        let resolved = self.resolver.resolve(filref);
        let Some(path) = resolved.path.clone() else {
            self.count("dokumentobjekt").rejected += 1;
            self.finding(
                Severity::Error,
                "N4.DOCUMENT_MISSING",
                ve,
                "DOKVERSJON",
                format!("VE.FILREF {filref:?}: no such file; the dokumentobjekt is not written"),
            );
            return Ok(None);
        };
        // Copy below DOKUMENT/ in the output, keeping the path below the source's
        // DOKUMENT/ folder (or the extract).
        let below = match resolved.relative.split_once('/') {
            Some((first, rest)) if first.eq_ignore_ascii_case("DOKUMENT") => rest.to_string(),
            _ => resolved.relative.clone(),
        };
        let rel = format!("DOKUMENT/{below}");
        let target = self.out.join(&rel);
        if let Some(dir) = target.parent() {
            fs::create_dir_all(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
        }
        let (digest, size) = copy_hashing(&path, &target)?;
        let versjon = v(&ve.row, "VE.VERSJON");
        let variant = v(&ve.row, "VE.VARIANT");
        let key = format!("{db_key}/{versjon}/{variant}");
        let mut o = Element::new("dokumentobjekt");
        o.push_field("systemID", self.id("DOKVERSJON", &key)?);
        o.push_field("versjonsnummer", if versjon.is_empty() { "1" } else { versjon });
        let variantformat = self.code("variantformat", ve, "DOKVERSJON", "VE.VARIANT");
        o.push_field("variantformat", variantformat);
        let fmt = v(&ve.row, "VE.DOKFORMAT");
        o.push_field("format", code_text("format", fmt).unwrap_or(if fmt.is_empty() { "ukjent" } else { fmt }));
        o.push_field("opprettetDato", format!("{date}T00:00:00"));
        o.push_field("opprettetAv", av);
        o.push_field("referanseDokumentfil", rel);
        o.push_field("sjekksum", digest);
        o.push_field("sjekksumAlgoritme", "SHA256");
        o.push_field("filstoerrelse", size.to_string());
        self.count("dokumentobjekt").written += 1;
        Ok(Some(o))
    }
}

fn copy_hashing(from: &Path, to: &Path) -> Result<(String, u64)> {
    let mut input = File::open(from).map_err(|e| Error::io(from.display().to_string(), e))?;
    let mut output = BufWriter::new(File::create(to).map_err(|e| Error::io(to.display().to_string(), e))?);
    let mut hasher = Sha256::new();
    let mut buf = vec![0; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = input.read(&mut buf).map_err(|e| Error::io(from.display().to_string(), e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        output.write_all(&buf[..n]).map_err(|e| Error::io(to.display().to_string(), e))?;
        size += n as u64;
    }
    output.flush().map_err(|e| Error::io(to.display().to_string(), e))?;
    Ok((samla_noark5::hex(&hasher.finalize()), size))
}

/// Converts `extract` into a Noark 5 v5.0 extract in `out` (created; must be empty or
/// absent): `arkivstruktur.xml`, `arkivuttrekk.xml` (with its digest, counts and the
/// number of document files), the XSDs if [`ConvertOptions::schemas`] is set,
/// `DOKUMENT/` and `crosswalk.csv`.
///
/// ```no_run
/// use samla_legacy::noark4::{Noark4, convert::{convert, ConvertOptions}};
/// let extract = Noark4::open("uttrekk".as_ref())?;
/// let done = convert(&extract, "ut".as_ref(), &ConvertOptions::new("ski"))?;
/// println!("{:?}", done.counts["journalpost"]);
/// # Ok::<(), samla_noark5::Error>(())
/// ```
pub fn convert(extract: &Noark4, out: &Path, options: &ConvertOptions) -> Result<Conversion> {
    if out.exists() && fs::read_dir(out).map_err(|e| Error::io(out.display().to_string(), e))?.next().is_some() {
        return Err(Error::new(
            samla_noark5::ErrorKind::Io,
            out.display().to_string(),
            "the output folder is not empty",
        )
        .with_hint("give a new folder, or empty this one"));
    }
    fs::create_dir_all(out).map_err(|e| Error::io(out.display().to_string(), e))?;
    let crosswalk = File::create(out.join("crosswalk.csv")).map_err(|e| Error::io("crosswalk.csv", e))?;
    let mut c = Converter {
        source: &options.source,
        out,
        report: Conversion::default(),
        crosswalk: BufWriter::new(crosswalk),
        resolver: DocumentResolver::new(&extract.root),
        persons: HashMap::new(),
        units: HashMap::new(),
        jp_by_sa: HashMap::new(),
        am_by_jp: HashMap::new(),
        dl_by_jp: HashMap::new(),
        db: HashMap::new(),
        ve_by_db: HashMap::new(),
        sp_by_sa: HashMap::new(),
        me_by_sa: HashMap::new(),
        me_by_jp: HashMap::new(),
        used_db: HashSet::new(),
        fallback_date: String::new(),
    };
    writeln!(c.crosswalk, "table;key;systemID").map_err(|e| Error::io("crosswalk.csv", e))?;
    let fallback = extract.index.export_value("EI.PRODDATO").and_then(|d| dates::parse(d).date());
    c.fallback_date = fallback.map(|d| d.to_string()).unwrap_or_else(|| "1900-01-01".to_string());

    load(extract, "PERNAVN", &mut |s| {
        c.persons.insert(v(&s.row, "PN.ID").to_string(), v(&s.row, "PN.NAVN").to_string());
    })?;
    load(extract, "ADMINDEL", &mut |s| {
        c.units.insert(v(&s.row, "AI.ID").to_string(), v(&s.row, "AI.ADMBET").to_string());
    })?;
    let n =
        load(extract, "JOURNPOST", &mut |s| c.jp_by_sa.entry(v(&s.row, "JP.SAID").to_string()).or_default().push(s))?;
    c.count("journalpost").read = n;
    let n = load(extract, "AVSMOT", &mut |s| c.am_by_jp.entry(v(&s.row, "AM.JPID").to_string()).or_default().push(s))?;
    c.count("korrespondansepart").read = n;
    load(extract, "DOKLINK", &mut |s| c.dl_by_jp.entry(v(&s.row, "DL.JPID").to_string()).or_default().push(s))?;
    let mut duplicates = Vec::new();
    let n = load(extract, "DOKBESKRIV", &mut |s| {
        let key = v(&s.row, "DB.DOKID").to_string();
        match c.db.entry(key) {
            std::collections::hash_map::Entry::Occupied(_) => duplicates.push(s),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(s);
            }
        }
    })?;
    c.count("dokumentbeskrivelse").read = n;
    for d in duplicates {
        c.count("dokumentbeskrivelse").rejected += 1;
        c.finding(
            Severity::Error,
            "N4.DUPLICATE_KEY",
            &d,
            "DOKBESKRIV",
            "DB.DOKID occurs twice; the first row is converted, this one is not".into(),
        );
    }
    let n =
        load(extract, "DOKVERSJON", &mut |s| c.ve_by_db.entry(v(&s.row, "VE.DOKID").to_string()).or_default().push(s))?;
    c.count("dokumentobjekt").read = n;
    load(extract, "SAKSPART", &mut |s| c.sp_by_sa.entry(v(&s.row, "SP.SAID").to_string()).or_default().push(s))?;
    load(extract, "MERKNAD", &mut |s| {
        let jp = v(&s.row, "ME.JPID").to_string();
        if jp.is_empty() {
            c.me_by_sa.entry(v(&s.row, "ME.SAID").to_string()).or_default().push(s);
        } else {
            c.me_by_jp.entry(jp).or_default().push(s);
        }
    })?;

    let mut arkiv_row = None;
    load(extract, "ARKIV", &mut |s| {
        arkiv_row.get_or_insert(s);
    })?;
    let mut arkivdel_row = None;
    load(extract, "ARKIVDEL", &mut |s| {
        arkivdel_row.get_or_insert(s);
    })?;

    let partial = out.join("arkivstruktur.xml.partial");
    let file = File::create(&partial).map_err(|e| Error::io(partial.display().to_string(), e))?;
    let mut w = XmlWriter::new(HashingWriter::new(BufWriter::new(file)));
    let io = |e: std::io::Error| Error::io("arkivstruktur.xml", e);
    let skaper = extract.index.export_value("EI.ARKSKAPER").unwrap_or("ukjent arkivskaper").to_string();
    let from = extract.index.export_value("EI.FRADATO").and_then(|d| dates::parse(d).date()).map(|d| d.to_string());
    let to = extract.index.export_value("EI.TILDATO").and_then(|d| dates::parse(d).date()).map(|d| d.to_string());
    let from = from.unwrap_or_else(|| c.fallback_date.clone());
    let to = to.unwrap_or_else(|| c.fallback_date.clone());

    let mut arkiv = Element::new("arkiv");
    arkiv.set_attr("xmlns", NS_ARKIVSTRUKTUR);
    arkiv.set_attr("xmlns:xsi", NS_XSI);
    arkiv.set_attr("xmlns:n5mdk", NS_METADATAKATALOG);
    arkiv.set_attr("xsi:schemaLocation", format!("{NS_ARKIVSTRUKTUR} arkivstruktur.xsd"));
    let arkiv_key = arkiv_row.as_ref().map(|s| v(&s.row, "AR.ARKIV").to_string()).unwrap_or_else(|| "ARKIV".into());
    arkiv.push_field("systemID", c.id("ARKIV", &arkiv_key)?);
    let tittel = arkiv_row.as_ref().map(|s| v(&s.row, "AR.BETEGN").to_string()).filter(|t| !t.is_empty());
    arkiv.push_field("tittel", tittel.unwrap_or_else(|| format!("Noark 4-arkiv fra {skaper}")));
    arkiv.push_field("beskrivelse", "Konvertert fra et Noark 4-uttrekk av samla");
    arkiv.push_field("arkivstatus", "Avsluttet");
    arkiv.push_field("dokumentmedium", "Elektronisk arkiv");
    arkiv.push_field("opprettetDato", format!("{from}T00:00:00"));
    arkiv.push_field("opprettetAv", "samla");
    arkiv.push_field("avsluttetDato", format!("{to}T00:00:00"));
    arkiv.push_field("avsluttetAv", "samla");
    let mut as_ = Element::new("arkivskaper");
    as_.push_field(
        "arkivskaperID",
        extract.index.export_value("EI.KOMMUNE").filter(|k| !k.is_empty()).unwrap_or("ukjent"),
    );
    as_.push_field("arkivskaperNavn", skaper.clone());
    as_.push_field("beskrivelse", "Opphav: Noark 4");
    arkiv.push(as_);
    w.start(&arkiv).map_err(io)?;

    let del_key =
        arkivdel_row.as_ref().map(|s| v(&s.row, "AD.ARKDEL").to_string()).unwrap_or_else(|| "ARKIVDEL".into());
    let arkivdel_id = c.id("ARKIVDEL", &del_key)?;
    let mut del = Element::new("arkivdel");
    del.push_field("systemID", arkivdel_id.clone());
    let tittel = arkivdel_row.as_ref().map(|s| v(&s.row, "AD.BETEGN").to_string()).filter(|t| !t.is_empty());
    del.push_field("tittel", tittel.unwrap_or_else(|| "Sakarkiv".into()));
    del.push_field("beskrivelse", "Noark 4");
    del.push_field("arkivdelstatus", "Avsluttet periode");
    del.push_field("dokumentmedium", "Elektronisk arkiv");
    del.push_field("opprettetDato", format!("{from}T00:00:00"));
    del.push_field("opprettetAv", "samla");
    del.push_field("avsluttetDato", format!("{to}T00:00:00"));
    del.push_field("avsluttetAv", "samla");
    del.push_field("arkivperiodeStartDato", from.clone());
    del.push_field("arkivperiodeSluttDato", to.clone());
    w.start(&del).map_err(io)?;

    if extract.table("NOARKSAK").is_some() {
        let mut rows = extract.rows("NOARKSAK")?;
        while let Some(row) = rows.next_row()? {
            c.count("saksmappe").read += 1;
            let sa = Src { file: rows.file().unwrap_or_default().into(), row: Packed::new(row) };
            let m = c.saksmappe(&sa, &arkivdel_id)?;
            w.element(&m).map_err(io)?;
        }
    }
    // Journalposter whose sak is missing: kept, in one saksmappe of their own.
    let mut orphans: Vec<(String, Vec<Src>)> = c.jp_by_sa.drain().collect();
    orphans.sort_by(|a, b| a.0.cmp(&b.0));
    let orphan_mappe = !orphans.is_empty();
    if orphan_mappe {
        let mut m = Element::new("mappe");
        m.set_attr("xsi:type", "saksmappe");
        m.push_field("systemID", c.id("NOARKSAK", "(uten sak)")?);
        m.push_field("mappeID", "0/0");
        m.push_field("tittel", "Journalposter uten sak");
        m.push_field("beskrivelse", "Journalposter der JP.SAID ikke viser til noen sak i Noark 4-uttrekket");
        m.push_field("dokumentmedium", "Elektronisk arkiv");
        m.push_field("opprettetDato", format!("{to}T00:00:00"));
        m.push_field("opprettetAv", "samla");
        m.push_field("avsluttetDato", format!("{to}T00:00:00"));
        m.push_field("avsluttetAv", "samla");
        m.push_field("referanseArkivdel", arkivdel_id.clone());
        for (said, jps) in orphans {
            for jp in jps {
                c.finding(
                    Severity::Error,
                    "N4.FOREIGN_KEY",
                    &jp,
                    "JOURNPOST",
                    format!("JP.SAID {said} matches no SA.ID; the journalpost is put in the saksmappe \"Journalposter uten sak\""),
                );
                let r = c.journalpost(&jp, None, &arkivdel_id)?;
                m.push(r);
            }
        }
        m.push_field("saksaar", "0");
        m.push_field("sakssekvensnummer", "0");
        m.push_field("saksdato", to.clone());
        m.push_field("administrativEnhet", "ukjent");
        m.push_field("saksansvarlig", "samla");
        m.push_field("saksstatus", "Avsluttet");
        w.element(&m).map_err(io)?;
    }
    // Rows below a journalpost or document that never came: reported, not written.
    let am_left: Vec<Src> = c.am_by_jp.drain().flat_map(|(_, v)| v).collect();
    for am in am_left {
        c.count("korrespondansepart").rejected += 1;
        c.finding(Severity::Error, "N4.FOREIGN_KEY", &am, "AVSMOT", "AM.JPID matches no JP.ID; not converted".into());
    }
    let dl_left: Vec<Src> = c.dl_by_jp.drain().flat_map(|(_, v)| v).collect();
    for dl in dl_left {
        c.finding(Severity::Error, "N4.FOREIGN_KEY", &dl, "DOKLINK", "DL.JPID matches no JP.ID; not converted".into());
    }
    let unlinked: Vec<String> = c.db.keys().filter(|k| !c.used_db.contains(*k)).cloned().collect();
    for k in unlinked {
        let db = c.db.remove(&k).expect("the key was just listed");
        c.count("dokumentbeskrivelse").rejected += 1;
        c.finding(
            Severity::Error,
            "N4.UNLINKED",
            &db,
            "DOKBESKRIV",
            "no DOKLINK row links this document; not converted".into(),
        );
        let versions = c.ve_by_db.remove(&k).unwrap_or_default();
        c.count("dokumentobjekt").rejected += versions.len() as u64;
    }
    let used = c.used_db.clone();
    let ve_left: Vec<Src> = c.ve_by_db.drain().filter(|(k, _)| !used.contains(k)).flat_map(|(_, v)| v).collect();
    for ve in ve_left {
        c.count("dokumentobjekt").rejected += 1;
        c.finding(
            Severity::Error,
            "N4.FOREIGN_KEY",
            &ve,
            "DOKVERSJON",
            "VE.DOKID matches no DB.DOKID; not converted".into(),
        );
    }

    let (writer, _, digest) = w.finish().map_err(io)?.finish();
    let file = writer.into_inner().map_err(|e| Error::io("arkivstruktur.xml", e.into_error()))?;
    file.sync_all().map_err(io)?;
    fs::rename(&partial, out.join("arkivstruktur.xml")).map_err(io)?;
    c.crosswalk.flush().map_err(|e| Error::io("crosswalk.csv", e))?;

    // The XSDs, and arkivuttrekk.xml last: it states the digests of the others.
    let mut schema_sha = BTreeMap::new();
    if let Some(dir) = &options.schemas {
        let v = samla_noark5::Version::V5_0;
        let files = [
            ("arkivstruktur.xsd", dir.noark5(v, "arkivstruktur.xsd")?),
            ("metadatakatalog.xsd", dir.noark5(v, "metadatakatalog.xsd")?),
            ("addml.xsd", dir.addml()?),
        ];
        for (name, from) in files {
            let bytes = fs::read(&from).map_err(|e| Error::io(from.display().to_string(), e))?;
            fs::write(out.join(name), &bytes).map_err(|e| Error::io(name, e))?;
            schema_sha.insert(name, samla_noark5::hex(&Sha256::digest(&bytes)));
        }
    }
    let sha = |value: String| Some(Checksum { algorithm: Some("SHA-256".into()), value: Some(value) });
    let schema = |name: &str, main: bool| SchemaFile {
        name: name.to_string(),
        role: main.then(|| "main".to_string()),
        checksum: schema_sha.get(name).cloned().and_then(sha),
    };
    let schemas = if schema_sha.is_empty() {
        Vec::new()
    } else {
        vec![schema("arkivstruktur.xsd", true), schema("metadatakatalog.xsd", false)]
    };
    let written = |c: &Conversion, e: &str| c.counts.get(e).map_or(0, |n| n.written);
    let mapper = written(&c.report, "saksmappe") + u64::from(orphan_mappe);
    let uttrekk = Arkivuttrekk {
        version: Some("5.0".into()),
        record_creators: vec![skaper.clone()],
        system_type: Some("Sakarkiv (Noark 4, konvertert til Noark 5)".into()),
        system_name: Some(
            extract.index.export_value("EI.SYSTEMNAVN").filter(|s| !s.is_empty()).unwrap_or("Noark 4").to_string(),
        ),
        archive: Some(skaper.clone()),
        period_start: Some(from.clone()),
        period_end: Some(to.clone()),
        info: vec![
            ("periode.inngaaendeSkille".into(), "skarpt".into()),
            ("periode.utgaaendeSkille".into(), "skarpt".into()),
            ("inneholderSkjermetInformasjon".into(), "false".into()),
            ("omfatterDokumenterSomErKassert".into(), "false".into()),
            ("inneholderDokumenterSomSkalKasseres".into(), "false".into()),
            ("inneholderVirksomhetsspesifikkeMetadata".into(), "false".into()),
            ("antallDokumentfiler".into(), written(&c.report, "dokumentobjekt").to_string()),
        ],
        files: vec![DataFile {
            object: "arkivstruktur".into(),
            name: "arkivstruktur.xml".into(),
            checksum: sha(digest),
            schemas,
            occurrences: vec![
                ("mappe".into(), mapper.to_string()),
                ("registrering".into(), written(&c.report, "journalpost").to_string()),
            ],
            pos: Default::default(),
        }],
    };
    let path = out.join("arkivuttrekk.xml");
    let file = File::create(&path).map_err(|e| Error::io("arkivuttrekk.xml", e))?;
    uttrekk.write(BufWriter::new(file)).map_err(|e| Error::io("arkivuttrekk.xml", e))?;
    Ok(c.report)
}

#[cfg(test)]
mod tests {
    use super::*;

    // As in the samla binary: the timing tests measure what the command line gets.
    #[global_allocator]
    static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

    /// Times [`convert`] on the extract in `N4_BENCH`:
    /// `N4_BENCH=/tmp/n4big cargo test -p samla-legacy --release -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn bench_convert() {
        let Some(dir) = std::env::var_os("N4_BENCH") else { return };
        let out = std::env::temp_dir().join(format!("samla-n4-bench-{}", std::process::id()));
        let started = std::time::Instant::now();
        let extract = Noark4::open(Path::new(&dir)).unwrap();
        let done = convert(&extract, &out, &ConvertOptions::new("bench")).unwrap();
        let seconds = started.elapsed().as_secs_f64();
        let jp = done.counts.get("journalpost").map_or(0, |c| c.written);
        println!("{jp} journalposter in {seconds:.2} s: {:.0} journalposter/s", jp as f64 / seconds);
        fs::remove_dir_all(&out).unwrap();
    }
}
