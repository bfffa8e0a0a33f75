//! Noark 4 → Noark 5: a Noark 4 extract converted into a Noark 5 v5.0 arkivstruktur.xml.
//!
//! The field map follows the "Noark 4" column of the Noark 5 standard's object-sorted
//! metadata catalogue: NOARKSAK → saksmappe, JOURNPOST → journalpost, DOKLINK + DOKBESKRIV
//! → dokumentbeskrivelse, DOKVERSJON → dokumentobjekt, AVSMOT → korrespondansepart (and
//! avskrivning), SAKSPART → part, MERKNAD → merknad, ORDNPRINS → klassifikasjonssystem,
//! ORDNVERDI → klasse (each saksmappe under the klasse of its KLASSERING row with the
//! lowest KL.SORT; its other klasser as referanseSekundaerKlassifikasjon), TGKODE/UOFF/
//! AGDATO → skjerming and KASSKODE/BEVTID/KASSDATO → kassasjon. Codes become the texts Noark 5
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
//! The tables are streamed, each by a thread of its own, and joined on their parent keys
//! as they come (a merge join): Noark 4 systems write their tables in key order, so the
//! rows of one sak or journalpost stand together, and memory holds only a window of rows
//! around the saker being converted. Rows whose parent lies outside that window are set
//! aside until it comes (or reported at the end, if it never does). Should a table turn
//! out not to be in parent order (a row whose parent was already written), the
//! conversion starts again holding the rows below NOARKSAK in memory, grouped by parent
//! key, so the output is the same either way. Saksmapper are written as XML straight
//! from the packed rows ([`Fragment`], no element trees) by worker threads, 256 saker a
//! job, and put in order by a writer thread. With a classification the joined saker are
//! first spilled, as their packed rows (a fifth of the XML's size), per klasse to a file
//! beside the output, and converted klasse by klasse at the end. The output files go
//! past the page cache ([`DirectFile`]), and arkivstruktur.xml is hashed on a thread of
//! its own. DOKBESKRIV and DOKVERSJON are held in memory, keyed by DB.DOKID.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};

use samla_noark5::addml::{Arkivuttrekk, DataFile, Flags};
use samla_noark5::model::{NS_ARKIVSTRUKTUR, NS_METADATAKATALOG, NS_XSI};
use samla_noark5::writer::{self, BackgroundHashingWriter, DirectFile, Fragment, XmlWriter};
use samla_noark5::{Element, Error, Result};
use sha2::{Digest, Sha256};

use super::dates;
use super::ids::system_id;
use super::paths::DocumentResolver;
use samla_noark5::element::Name;

use super::table::{Layout, Packed};
use super::{Finding, Noark4, Severity};

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
    /// `korrespondansepart`, and the `skjerming` and `kassasjon` written (read: the rows
    /// with a TGKODE or a KASSKODE other than B).
    pub counts: BTreeMap<&'static str, Count>,
    /// What was found while converting.
    pub findings: Vec<Finding>,
}

/// A row with the file it came from (an index into [`FileNames`]) and, for the tables
/// joined, the digests (see [`key_digest`]) of its own key and its parent's, taken by the
/// thread that read it.
struct SourceRow {
    file: u32,
    own: u128,
    parent: u128,
    row: Packed,
}

/// The names of the extract's table files, as the index gives them: rows name theirs
/// by number.
struct FileNames(Vec<String>);

impl FileNames {
    fn new(extract: &Noark4) -> FileNames {
        FileNames(extract.index.tables.iter().flat_map(|t| t.files.iter().map(|f| f.name.clone())).collect())
    }

    fn number(&self, name: &str) -> u32 {
        self.0.iter().position(|f| f == name).unwrap_or(0) as u32
    }

    fn name(&self, id: u32) -> &str {
        self.0.get(id as usize).map_or("", String::as_str)
    }
}

/// Reads the rows of `table` (none if the extract has no such table), each with the
/// number of its file, until `each` says to stop; the number of rows read.
fn read_rows(
    extract: &Noark4,
    files: &FileNames,
    table: &str,
    each: &mut dyn FnMut(u32, Packed) -> bool,
) -> Result<u64> {
    if extract.table(table).is_none() {
        return Ok(0);
    }
    let mut rows = extract.rows(table)?;
    let (mut n, mut name, mut file) = (0, String::new(), 0);
    while let Some(row) = rows.next_packed()? {
        n += 1;
        let current = rows.file().unwrap_or_default();
        if name != current {
            name = current.to_string();
            file = files.number(current);
        }
        if !each(file, row) {
            break;
        }
    }
    Ok(n)
}

/// Reads every row of `table`, with its file; the digests of its keys are left 0.
fn load_table(extract: &Noark4, files: &FileNames, table: &str, f: &mut dyn FnMut(SourceRow)) -> Result<u64> {
    read_rows(extract, files, table, &mut |file, row| {
        f(SourceRow { file, own: 0, parent: 0, row });
        true
    })
}

/// The value of `field` in `row`; "" where it is empty or absent (a packed row leaves
/// empty values out, so the two are one).
fn value<'a>(row: &'a Packed, field: &str) -> &'a str {
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
        ("kassasjonsvedtak", "B") => "Bevares",
        ("kassasjonsvedtak", "K") => "Kasseres",
        ("kassasjonsvedtak", "G") | ("kassasjonsvedtak", "V") => "Vurderes senere",
        ("tilgangsrestriksjon", "UO") => "Unntatt offentlighet",
        ("tilgangsrestriksjon", "P") => "Personalsaker",
        ("tilgangsrestriksjon", "B") => "Begrenset",
        ("tilgangsrestriksjon", "F") => "Fortrolig",
        ("tilgangsrestriksjon", "S") => "Strengt fortrolig",
        ("tilgangsrestriksjon", "H") => "Hemmelig",
        _ => return None,
    })
}

/// What every worker reads and none changes.
struct Setup<'a> {
    source: &'a str,
    out: &'a Path,
    root: &'a Path,
    persons: HashMap<String, String>,
    admin_units: HashMap<String, String>,
    dokbeskriv: HashMap<String, SourceRow>,
    dokversjon_by_dokid: HashMap<String, Vec<SourceRow>>,
    fallback_date: String,
    arkivdel_id: String,
    /// TK.TGKODE → TK.BETEGN, the source's own texts for its access codes.
    tgkoder: HashMap<String, String>,
    /// Saksmapper go under klasser (depth 4), not straight under the arkivdel (depth 2).
    classified: bool,
    files: FileNames,
}

impl Setup<'_> {
    /// How deep saksmapper stand in arkivstruktur.xml.
    fn mappe_depth(&self) -> usize {
        if self.classified { 4 } else { 2 }
    }
}

/// A journalpost with the rows below it; each link says whether it is the first use of
/// its document (which keeps DB.DOKID as its key).
struct JoinedJournalpost {
    journalpost: SourceRow,
    avsmot: Vec<SourceRow>,
    doklinks: Vec<(SourceRow, bool)>,
    merknader: Vec<SourceRow>,
}

/// A sak with everything below it: one unit of work.
struct JoinedSak {
    sak: SourceRow,
    journalposter: Vec<JoinedJournalpost>,
    sakspart: Vec<SourceRow>,
    merknader: Vec<SourceRow>,
    /// The klasse it is placed under (an index into [`Klasser`]).
    klasse: usize,
    /// The systemIDs of its other klasser (secondary KLASSERING rows).
    sekundaer: Vec<String>,
}

/// One klassifikasjonssystem (ORDNPRINS) and one klasse (ORDNVERDI), as written.
struct Klassifikasjonssystem {
    key: String,
    tittel: String,
    kind: String,
    from: Option<String>,
    klasser: Vec<usize>,
}

struct Klasse {
    klasse_id: String,
    tittel: String,
}

/// The classification: ORDNPRINS → klassifikasjonssystem, ORDNVERDI → klasse, and the
/// klasser made for values KLASSERING uses that ORDNVERDI lacks, and for saker without
/// a KLASSERING row ("Uten klassering").
#[derive(Default)]
struct Klasser {
    systems: Vec<Klassifikasjonssystem>,
    by_system: HashMap<String, usize>,
    klasser: Vec<Klasse>,
    by_klasse: HashMap<(String, String), usize>,
}

/// The ordningsprinsipp key of the klasse for saker without a KLASSERING row.
const UNCLASSIFIED: &str = "(uten klassering)";

impl Klasser {
    fn system(&mut self, key: &str, tittel: &str, kind: &str, from: Option<String>) -> usize {
        if let Some(&i) = self.by_system.get(key) {
            return i;
        }
        let tittel = match (tittel.is_empty(), key.is_empty()) {
            (false, _) => tittel,
            (true, false) => key,
            (true, true) => "Ordningsprinsipp uten navn",
        };
        self.systems.push(Klassifikasjonssystem {
            key: key.to_string(),
            tittel: tittel.to_string(),
            kind: kind.to_string(),
            from,
            klasser: Vec::new(),
        });
        self.by_system.insert(key.to_string(), self.systems.len() - 1);
        self.systems.len() - 1
    }

    /// The klasse `ov` of ordningsprinsipp `op`, and whether it was made just now.
    fn klasse(&mut self, op: &str, ov: &str, tittel: &str) -> (usize, bool) {
        if let Some(&i) = self.by_klasse.get(&(op.to_string(), ov.to_string())) {
            return (i, false);
        }
        let system = self.system(op, "", "", None);
        let id = if ov.is_empty() { "(tom)" } else { ov };
        let tittel = if tittel.is_empty() { id } else { tittel };
        self.klasser.push(Klasse { klasse_id: id.to_string(), tittel: tittel.to_string() });
        let i = self.klasser.len() - 1;
        self.systems[system].klasser.push(i);
        self.by_klasse.insert((op.to_string(), ov.to_string()), i);
        (i, true)
    }

    fn unclassified(&mut self) -> usize {
        self.system(UNCLASSIFIED, "Uten klassering", "", None);
        self.klasse(UNCLASSIFIED, "0", "Saker uten klassering i Noark 4-uttrekket").0
    }
}

struct Converter<'a> {
    setup: &'a Setup<'a>,
    report: Conversion,
    crosswalk: Vec<u8>,
    resolver: DocumentResolver,
}

/// A finding about row `src` of `table`: its file, position and key.
fn row_finding(
    setup: &Setup,
    severity: Severity,
    code: &'static str,
    src: &SourceRow,
    table: &str,
    message: String,
) -> Finding {
    Finding::new(severity, code, setup.files.name(src.file), message)
        .at(src.row.pos)
        .in_table(table)
        .with_key(src.row.key())
}

fn add_report(into: &mut Conversion, from: Conversion) {
    for (entity, c) in from.counts {
        let t = into.counts.entry(entity).or_default();
        t.read += c.read;
        t.written += c.written;
        t.rejected += c.rejected;
    }
    into.findings.extend(from.findings);
}

impl<'a> Converter<'a> {
    fn new(setup: &'a Setup<'a>) -> Converter<'a> {
        Converter {
            setup,
            report: Conversion::default(),
            crosswalk: Vec::new(),
            resolver: DocumentResolver::new(setup.root),
        }
    }

    fn count(&mut self, entity: &'static str) -> &mut Count {
        self.report.counts.entry(entity).or_default()
    }

    fn finding(&mut self, severity: Severity, code: &'static str, src: &SourceRow, table: &str, message: String) {
        self.report.findings.push(row_finding(self.setup, severity, code, src, table, message));
    }

    /// The systemID of row `key` of `table`, with its line in the crosswalk.
    fn mint_id(&mut self, table: &str, key: &str) -> String {
        let id = system_id(self.setup.source, table, key);
        for part in [table, ";", key, ";", &id, "\n"] {
            self.crosswalk.extend_from_slice(part.as_bytes());
        }
        id
    }

    fn code(&mut self, list: &str, src: &SourceRow, table: &str, field: &str) -> String {
        let raw = value(&src.row, field);
        match code_text(list, raw) {
            Some(text) => text.to_string(),
            None => {
                let message = if raw.is_empty() {
                    format!("{field} is empty; {list} is required")
                } else {
                    format!("{field} {raw:?} is no known {list} code; written as it stands")
                };
                let hint = format!("add a rule for the code to the job, or correct the {list} in the source");
                let finding = row_finding(self.setup, Severity::Error, "N4.UNKNOWN_CODE", src, table, message);
                self.report.findings.push(finding.with_hint(hint));
                if raw.is_empty() { "Ukjent".to_string() } else { raw.to_string() }
            }
        }
    }

    /// An xs:date from a Noark 4 date, or the fallback date (reported).
    fn date(&mut self, src: &SourceRow, table: &str, field: &str) -> String {
        match dates::parse(value(&src.row, field)).date() {
            Some(d) => d.to_string(),
            None => {
                let raw = value(&src.row, field).to_string();
                self.finding(
                    Severity::Warning,
                    "N4.DATE_MISSING",
                    src,
                    table,
                    format!("{field} {raw:?} is no date; {} is written instead", self.setup.fallback_date),
                );
                self.setup.fallback_date.clone()
            }
        }
    }

    /// The kassasjon of a sak (SA.KASSKODE, SA.BEVTID, SA.KASSDATO), or `None` for a sak
    /// to be kept (Bevares) or without a code: Noark 5 gives kassasjon only to the units
    /// that have a kassasjonsvedtak. Without SA.KASSDATO, kassasjonsdato is avsluttetDato
    /// plus bevaringstid years.
    fn kassasjon(&mut self, sa: &SourceRow, avsluttet: &str) -> Option<Kassasjon> {
        let t = "NOARKSAK";
        let raw = value(&sa.row, "SA.KASSKODE");
        if raw.is_empty() || code_text("kassasjonsvedtak", raw) == Some("Bevares") {
            return None;
        }
        let vedtak = self.code("kassasjonsvedtak", sa, t, "SA.KASSKODE");
        let bevtid = value(&sa.row, "SA.BEVTID");
        let years = match bevtid.trim().parse::<u32>() {
            Ok(n) => n,
            Err(_) => {
                self.finding(
                    Severity::Warning,
                    "N4.KASSASJON",
                    sa,
                    t,
                    format!("SA.BEVTID {bevtid:?} is no number of years; bevaringstid 0 is written"),
                );
                0
            }
        };
        let dato = match dates::parse(value(&sa.row, "SA.KASSDATO")).date() {
            Some(d) => d.to_string(),
            None => match avsluttet.split('-').map(|p| p.parse::<u32>().ok()).collect::<Option<Vec<_>>>().as_deref() {
                Some([y, m, d]) => {
                    let day = if *m == 2 && *d == 29 { 28 } else { *d };
                    format!("{:04}-{m:02}-{day:02}", y + years)
                }
                _ => avsluttet.to_string(),
            },
        };
        let n = self.count("kassasjon");
        n.read += 1;
        n.written += 1;
        Some(Kassasjon { vedtak, bevaringstid: years.to_string(), dato })
    }

    /// The skjerming of a sak or journalpost (`prefix` SA or JP): TGKODE → tilgangsrestriksjon
    /// (the TGKODE table's text, or the usual Noark 4 codes'), UOFF → skjermingshjemmel,
    /// AGDATO → skjermingOpphoererDato. Nothing without TGKODE.
    fn skjerming(&mut self, x: &mut Fragment, src: &SourceRow, table: &str, prefix: &str) {
        let field = |name: &str| format!("{prefix}.{name}");
        let tg = value(&src.row, &field("TGKODE"));
        if tg.is_empty() {
            return;
        }
        let text = match self.setup.tgkoder.get(tg) {
            Some(t) => t.clone(),
            None => self.code("tilgangsrestriksjon", src, table, &field("TGKODE")),
        };
        let hjemmel = value(&src.row, &field("UOFF"));
        let hjemmel = if hjemmel.is_empty() {
            self.finding(
                Severity::Warning,
                "N4.SKJERMING",
                src,
                table,
                format!("{} {tg:?} without {}; the skjermingshjemmel is \"ukjent\"", field("TGKODE"), field("UOFF")),
            );
            "ukjent"
        } else {
            hjemmel
        };
        let n = self.count("skjerming");
        n.read += 1;
        n.written += 1;
        x.open("skjerming");
        x.field("tilgangsrestriksjon", &text);
        x.field("skjermingshjemmel", hjemmel);
        x.field("skjermingMetadata", "tittel");
        if let Some(d) = dates::parse(value(&src.row, &field("AGDATO"))).date() {
            x.field("skjermingOpphoererDato", &d.to_string());
        }
        x.close("skjerming");
    }

    fn person<'b>(&self, id: &'b str) -> &'b str
    where
        'a: 'b,
    {
        match self.setup.persons.get(id) {
            Some(name) => name,
            None if id.is_empty() => "ukjent",
            None => id,
        }
    }

    fn saksmappe(&mut self, x: &mut Fragment, unit: JoinedSak) -> Result<()> {
        let JoinedSak { sak: sa, journalposter: jps, sakspart: sps, merknader: mes, klasse: _, sekundaer } = unit;
        let sa = &sa;
        let arkivdel_id = self.setup.arkivdel_id.as_str();
        let t = "NOARKSAK";
        let key = value(&sa.row, "SA.ID");
        x.open_typed("mappe", "saksmappe");
        let id = self.mint_id(t, key);
        x.field("systemID", &id);
        x.field_of("mappeID", &[value(&sa.row, "SA.SAAR"), "/", value(&sa.row, "SA.SEKNR")]);
        let tittel = value(&sa.row, "SA.TITTEL");
        x.field("tittel", if tittel.is_empty() { "(uten tittel)" } else { tittel });
        field_nonempty(x, "offentligTittel", value(&sa.row, "SA.OFFTITTEL"));
        x.field("dokumentmedium", dokumentmedium(value(&sa.row, "SA.PAPIR")));
        let saksdato = self.date(sa, t, "SA.DATO");
        let ansvarlig = self.person(value(&sa.row, "SA.ANSVID"));
        x.field_of("opprettetDato", &[&saksdato, MIDNIGHT]);
        x.field("opprettetAv", ansvarlig);
        // avsluttetDato is the last journaldato (or the fallback date where there is none).
        let mut last = saksdato.clone();
        for jp in &jps {
            let d = dates::parse(value(&jp.journalpost.row, "JP.JDATO")).date().map(|d| d.to_string());
            let d = d.unwrap_or_else(|| self.setup.fallback_date.clone());
            if d > last {
                last = d;
            }
        }
        let kassasjon = self.kassasjon(sa, &last);
        x.field_of("avsluttetDato", &[&last, MIDNIGHT]);
        x.field("avsluttetAv", ansvarlig);
        x.field("referanseArkivdel", arkivdel_id);
        for sp in sps {
            x.open("part");
            x.field("partNavn", value(&sp.row, "SP.NAVN"));
            let rolle = value(&sp.row, "SP.ROLLE");
            x.field("partRolle", if rolle.is_empty() { "Part" } else { rolle });
            field_nonempty(x, "postadresse", value(&sp.row, "SP.ADRESSE"));
            field_nonempty(x, "postnummer", value(&sp.row, "SP.POSTNR"));
            field_nonempty(x, "poststed", value(&sp.row, "SP.POSTSTED"));
            x.close("part");
        }
        for me in mes {
            self.merknad(x, &me);
        }
        if let Some(k) = &kassasjon {
            k.write(x);
        }
        self.skjerming(x, sa, t, "SA");
        for jp in jps {
            self.journalpost(x, jp, Some(&sa.row), kassasjon.as_ref())?;
        }
        x.field("saksaar", value(&sa.row, "SA.SAAR"));
        x.field("sakssekvensnummer", value(&sa.row, "SA.SEKNR"));
        x.field("saksdato", &saksdato);
        let admid = value(&sa.row, "SA.ADMID");
        let unit = self.setup.admin_units.get(admid).map_or(admid, String::as_str);
        x.field("administrativEnhet", if unit.is_empty() { "ukjent" } else { unit });
        x.field("saksansvarlig", ansvarlig);
        field_nonempty(x, "journalenhet", value(&sa.row, "SA.JENHET"));
        let status = self.code("saksstatus", sa, t, "SA.STATUS");
        x.field("saksstatus", &status);
        for id in sekundaer {
            x.field("referanseSekundaerKlassifikasjon", &id);
        }
        x.close("mappe");
        self.count("saksmappe").written += 1;
        Ok(())
    }

    fn merknad(&mut self, x: &mut Fragment, me: &SourceRow) {
        x.open("merknad");
        x.field("merknadstekst", value(&me.row, "ME.TEKST"));
        field_nonempty(x, "merknadstype", value(&me.row, "ME.ITYPE"));
        let d = self.date(me, "MERKNAD", "ME.REGDATO");
        x.field_of("merknadsdato", &[&d, MIDNIGHT]);
        x.field("merknadRegistrertAv", self.person(value(&me.row, "ME.REGAV")));
        x.close("merknad");
    }

    fn journalpost(
        &mut self,
        x: &mut Fragment,
        unit: JoinedJournalpost,
        sa: Option<&Packed>,
        kassasjon: Option<&Kassasjon>,
    ) -> Result<()> {
        let JoinedJournalpost { journalpost: jp, avsmot: ams, doklinks: dls, merknader: mes } = unit;
        let jp = &jp;
        let arkivdel_id = self.setup.arkivdel_id.as_str();
        let t = "JOURNPOST";
        let key = value(&jp.row, "JP.ID");
        let jdato = self.date(jp, t, "JP.JDATO");
        let sbh = self.person(value(&jp.row, "JP.SBHID"));
        x.open_typed("registrering", "journalpost");
        let id = self.mint_id(t, key);
        x.field("systemID", &id);
        x.field_of("opprettetDato", &[&jdato, MIDNIGHT]);
        x.field("opprettetAv", sbh);
        x.field_of("arkivertDato", &[&jdato, MIDNIGHT]);
        x.field("arkivertAv", sbh);
        x.field("referanseArkivdel", arkivdel_id);
        // Kassasjon is inherited by every unit below (Noark 5, metadata for kassasjon).
        if let Some(k) = kassasjon {
            k.write(x);
        }
        self.skjerming(x, jp, t, "JP");
        for (dl, first) in &dls {
            self.dokumentbeskrivelse(x, dl, *first, &jdato, sbh, kassasjon)?;
        }
        if let Some(sa) = sa {
            x.field_of(
                "registreringsID",
                &[value(sa, "SA.SAAR"), "/", value(sa, "SA.SEKNR"), "-", value(&jp.row, "JP.JPOSTNR")],
            );
        }
        let tittel = value(&jp.row, "JP.INNHOLD");
        x.field("tittel", if tittel.is_empty() { "(uten tittel)" } else { tittel });
        field_nonempty(x, "offentligTittel", value(&jp.row, "JP.OFFINNHOLD"));
        x.field("dokumentmedium", dokumentmedium(value(&jp.row, "JP.PAPIR")));
        for me in mes {
            self.merknad(x, &me);
        }
        // Avskrivninger come last in a journalpost; what they say is found with the
        // korrespondansepart they belong to.
        let mut avskrivninger = Vec::new();
        for am in ams {
            self.count("korrespondansepart").written += 1;
            x.open("korrespondansepart");
            let kind = if value(&am.row, "AM.KOPIMOT") == "1" { "K" } else { value(&am.row, "AM.IHTYPE") };
            let text = match code_text("korrespondanseparttype", kind) {
                Some(t) => t.to_string(),
                None => self.code("korrespondanseparttype", &am, "AVSMOT", "AM.IHTYPE"),
            };
            x.field("korrespondanseparttype", &text);
            let navn = value(&am.row, "AM.NAVN");
            x.field("korrespondansepartNavn", if navn.is_empty() { "(uten navn)" } else { navn });
            field_nonempty(x, "postadresse", value(&am.row, "AM.ADRESSE"));
            field_nonempty(x, "postnummer", value(&am.row, "AM.POSTNR"));
            field_nonempty(x, "poststed", value(&am.row, "AM.POSTSTED"));
            field_nonempty(x, "epostadresse", value(&am.row, "AM.EPOSTADR"));
            x.close("korrespondansepart");
            if !value(&am.row, "AM.AVSKM").is_empty() {
                let d = self.date(&am, "AVSMOT", "AM.AVSKDATO");
                let av = value(&am.row, "AM.AVSKAV");
                let av = if av.is_empty() { sbh } else { self.person(av) }.to_string();
                let m = self.code("avskrivningsmaate", &am, "AVSMOT", "AM.AVSKM");
                avskrivninger.push((d, av, m));
            }
        }
        x.field("journalaar", value(&jp.row, "JP.JAAR"));
        x.field("journalsekvensnummer", value(&jp.row, "JP.SEKNR"));
        x.field("journalpostnummer", value(&jp.row, "JP.JPOSTNR"));
        let jpt = self.code("journalposttype", jp, t, "JP.NDOKTYPE");
        x.field("journalposttype", &jpt);
        let status = self.code("journalstatus", jp, t, "JP.STATUS");
        x.field("journalstatus", &status);
        x.field("journaldato", &jdato);
        for (field, name) in
            [("JP.DOKDATO", "dokumentetsDato"), ("JP.EKSPDATO", "sendtDato"), ("JP.FORFDATO", "forfallsdato")]
        {
            if let Some(d) = dates::parse(value(&jp.row, field)).date() {
                let d = d.to_string();
                let time = if name == "sendtDato" { MIDNIGHT } else { "" };
                x.field_of(name, &[&d, time]);
            }
        }
        field_nonempty(x, "antallVedlegg", value(&jp.row, "JP.ANTVED"));
        for (d, av, m) in avskrivninger {
            x.open("avskrivning");
            x.field("avskrivningsdato", &d);
            x.field("avskrevetAv", &av);
            x.field("avskrivningsmaate", &m);
            x.close("avskrivning");
        }
        x.close("registrering");
        self.count("journalpost").written += 1;
        Ok(())
    }

    fn dokumentbeskrivelse(
        &mut self,
        x: &mut Fragment,
        dl: &SourceRow,
        first: bool,
        jdato: &str,
        sbh: &str,
        kassasjon: Option<&Kassasjon>,
    ) -> Result<()> {
        let setup = self.setup;
        let dokid = value(&dl.row, "DL.DOKID");
        let Some(db) = setup.dokbeskriv.get(dokid) else {
            self.finding(
                Severity::Error,
                "N4.FOREIGN_KEY",
                dl,
                "DOKLINK",
                format!("DL.DOKID {dokid} matches no DB.DOKID; the link is not converted"),
            );
            return Ok(());
        };
        // A document linked to several journalposter gets one systemID per link.
        let key = if first { dokid.to_string() } else { format!("{dokid}@{}", value(&dl.row, "DL.JPID")) };
        x.open("dokumentbeskrivelse");
        let id = self.mint_id("DOKBESKRIV", &key);
        x.field("systemID", &id);
        let kategori = value(&db.row, "DB.KATEGORI");
        let dokumenttype =
            code_text("dokumenttype", kategori).unwrap_or(if kategori.is_empty() { "Ukjent" } else { kategori });
        x.field("dokumenttype", dokumenttype);
        let status = self.code("dokumentstatus", db, "DOKBESKRIV", "DB.STATUS");
        x.field("dokumentstatus", &status);
        let tittel = value(&db.row, "DB.TITTEL");
        x.field("tittel", if tittel.is_empty() { "(uten tittel)" } else { tittel });
        let tk = dates::parse(value(&dl.row, "DL.TKDATO"))
            .date()
            .map(|d| d.to_string())
            .unwrap_or_else(|| jdato.to_string());
        let av = if value(&dl.row, "DL.TKAV").is_empty() { sbh } else { self.person(value(&dl.row, "DL.TKAV")) };
        x.field_of("opprettetDato", &[&tk, MIDNIGHT]);
        x.field("opprettetAv", av);
        x.field("dokumentmedium", dokumentmedium(value(&db.row, "DB.PAPIR")));
        let som = self.code("tilknyttetRegistreringSom", dl, "DOKLINK", "DL.TYPE");
        x.field("tilknyttetRegistreringSom", &som);
        x.field("dokumentnummer", value(&dl.row, "DL.RNR"));
        x.field_of("tilknyttetDato", &[&tk, MIDNIGHT]);
        x.field("tilknyttetAv", av);
        if let Some(k) = kassasjon {
            k.write(x);
        }
        for ve in setup.dokversjon_by_dokid.get(dokid).map(Vec::as_slice).unwrap_or_default() {
            self.dokumentobjekt(x, ve, &key, &tk, av)?;
        }
        x.close("dokumentbeskrivelse");
        self.count("dokumentbeskrivelse").written += 1;
        Ok(())
    }

    fn dokumentobjekt(&mut self, x: &mut Fragment, ve: &SourceRow, db_key: &str, date: &str, av: &str) -> Result<()> {
        let filref = value(&ve.row, "VE.FILREF");
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
            return Ok(());
        };
        // Copy below DOKUMENT/ in the output, keeping the path below the source's
        // DOKUMENT/ folder (or the extract).
        let below = match resolved.relative.split_once('/') {
            Some((first, rest)) if first.eq_ignore_ascii_case("DOKUMENT") => rest.to_string(),
            _ => resolved.relative.clone(),
        };
        let rel = format!("DOKUMENT/{below}");
        let target = self.setup.out.join(&rel);
        if let Some(dir) = target.parent() {
            fs::create_dir_all(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
        }
        let (digest, size) = copy_hashing(&path, &target)?;
        let versjon = value(&ve.row, "VE.VERSJON");
        let variant = value(&ve.row, "VE.VARIANT");
        let key = format!("{db_key}/{versjon}/{variant}");
        x.open("dokumentobjekt");
        let id = self.mint_id("DOKVERSJON", &key);
        x.field("systemID", &id);
        x.field("versjonsnummer", if versjon.is_empty() { "1" } else { versjon });
        let variantformat = self.code("variantformat", ve, "DOKVERSJON", "VE.VARIANT");
        x.field("variantformat", &variantformat);
        let fmt = value(&ve.row, "VE.DOKFORMAT");
        // format is the file's extension, as Arkade's N5.29 compares it; the PRONOM
        // identifier of the Noark 4 code goes in formatDetaljer.
        let extension = rel.rsplit('/').next().and_then(|n| n.rsplit_once('.')).map(|(_, e)| e.to_lowercase());
        let pronom = code_text("format", fmt);
        x.field("format", extension.as_deref().or(pronom).unwrap_or(if fmt.is_empty() { "ukjent" } else { fmt }));
        if let (Some(_), Some(p)) = (&extension, pronom) {
            x.field("formatDetaljer", p);
        }
        x.field_of("opprettetDato", &[date, MIDNIGHT]);
        x.field("opprettetAv", av);
        x.field("referanseDokumentfil", &rel);
        x.field("sjekksum", &digest);
        x.field("sjekksumAlgoritme", "SHA256");
        x.field("filstoerrelse", &size.to_string());
        x.close("dokumentobjekt");
        self.count("dokumentobjekt").written += 1;
        Ok(())
    }
}

/// The kassasjon of a sak, written in it and in every unit below it.
struct Kassasjon {
    vedtak: String,
    bevaringstid: String,
    dato: String,
}

impl Kassasjon {
    fn write(&self, x: &mut Fragment) {
        x.open("kassasjon");
        x.field("kassasjonsvedtak", &self.vedtak);
        x.field("bevaringstid", &self.bevaringstid);
        x.field("kassasjonsdato", &self.dato);
        x.close("kassasjon");
    }
}

/// The time of day written after a Noark 4 date where Noark 5 wants a dateTime.
const MIDNIGHT: &str = "T00:00:00";

/// The dokumentmedium of a PAPIR flag.
fn dokumentmedium(papir: &str) -> &'static str {
    if papir == "1" { "Fysisk arkiv" } else { "Elektronisk arkiv" }
}

fn field_nonempty(x: &mut Fragment, name: &str, value: &str) {
    if !value.trim().is_empty() {
        x.field(name, value.trim());
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

/// Rows handed from a reading thread, a batch at a time.
type RowBatch = Result<Vec<SourceRow>>;

const ROWS_PER_BATCH: usize = 2048;

/// Saker per job for a worker: their XML (about 1.5 MB) stays in the caches, and the
/// buffers it goes in are reused without growing.
const SAKER_PER_JOB: usize = 256;

/// What a reading thread takes from each row of a joined table: which rows to keep, and
/// the fields holding the row's own key and its parent's.
#[derive(Clone, Copy)]
struct Join {
    keep: fn(&Packed) -> bool,
    own: &'static str,
    parent: &'static str,
}

impl Join {
    const fn new(own: &'static str, parent: &'static str) -> Join {
        Join { keep: keep_all, own, parent }
    }
}

/// Reads `table` on a thread of its own and sends its rows (those `join` keeps, with the
/// digests of their keys) in batches.
fn spawn_reader<'s>(
    scope: &'s std::thread::Scope<'s, '_>,
    extract: &'s Noark4,
    files: &'s FileNames,
    table: &'static str,
    join: Join,
) -> Receiver<RowBatch> {
    let (tx, rx) = sync_channel::<RowBatch>(4);
    scope.spawn(move || {
        let mut batch = Vec::with_capacity(ROWS_PER_BATCH);
        let result = read_rows(extract, files, table, &mut |file, row| {
            if (join.keep)(&row) {
                let own = key_digest(value(&row, join.own));
                let parent = key_digest(value(&row, join.parent));
                batch.push(SourceRow { file, own, parent, row });
            }
            // A closed channel: the conversion stopped, so does the reading.
            batch.len() < ROWS_PER_BATCH
                || tx.send(Ok(std::mem::replace(&mut batch, Vec::with_capacity(ROWS_PER_BATCH)))).is_ok()
        });
        let last = match result {
            Ok(_) if batch.is_empty() => return,
            Ok(_) => Ok(batch),
            Err(e) => Err(e),
        };
        let _ = tx.send(last);
    });
    rx
}

/// A hasher for keys that are digests already ([`key_digest`]): it keeps their bits.
#[derive(Default, Clone, Copy)]
struct DigestHasher(u64);

impl std::hash::Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not used for digests; FNV-1a for anything else.
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u128(&mut self, n: u128) {
        self.0 = n as u64;
    }
}

type DigestBuildHasher = std::hash::BuildHasherDefault<DigestHasher>;

/// A key as 128 bits: FNV-1a and a second, differently mixed 64-bit hash. Two keys of
/// one table share it with a chance of about n²/2¹²⁹ (10⁻²⁶ for a million keys), so
/// keeping the keys themselves (millions of small allocations) buys nothing.
fn key_digest(key: &str) -> u128 {
    let (mut a, mut b) = (0xcbf2_9ce4_8422_2325u64, 0x9E37_79B9_7F4A_7C15u64);
    for &byte in key.as_bytes() {
        a = (a ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        b = (b.rotate_left(5) ^ u64::from(byte)).wrapping_mul(0xff51_afd7_ed55_8ccd);
    }
    // The low half is what the maps hash on: mixed once more, so all its bits count.
    let low = (a ^ (a >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ b;
    (u128::from(a) << 64) | u128::from(low)
}

/// The parents (saker, or journalposter) asked for so far, numbered in the order asked:
/// one map for all the tables below them, not a set of keys per table.
struct ParentNumbers {
    numbers: HashMap<u128, u32, DigestBuildHasher>,
}

impl ParentNumbers {
    /// Room for the rows the index states for `table` (up to ten million): the map then
    /// never grows, copying itself into fresh memory, as it fills.
    fn sized(extract: &Noark4, table: &str) -> ParentNumbers {
        let rows = extract.table(table).and_then(|t| t.stated_rows()).unwrap_or(0).min(10_000_000);
        ParentNumbers { numbers: HashMap::with_capacity_and_hasher(rows as usize, DigestBuildHasher::default()) }
    }

    /// Numbers the parent with digest `key`; `None` if it was asked for before (a key
    /// that occurs twice: its rows go to the first).
    fn number(&mut self, key: u128) -> Option<u32> {
        let next = self.numbers.len() as u32 + 1;
        match self.numbers.entry(key) {
            std::collections::hash_map::Entry::Occupied(_) => None,
            std::collections::hash_map::Entry::Vacant(slot) => Some(*slot.insert(next)),
        }
    }

    /// Whether the parent `key` was asked for at or before number `upto`.
    fn numbered_by(&self, key: u128, upto: u32) -> bool {
        self.numbers.get(&key).is_some_and(|&n| n <= upto)
    }
}

/// The rows of one table grouped by their parent key, taken parent by parent.
///
/// Streaming, the rows are read as the parents are asked for: the rows of the parent
/// asked for are taken while they come; a row of a parent in `window` (the parents about
/// to be asked for) stops the reading; any other row is set aside until its parent is
/// asked for. A row whose parent was already asked for means the table is not in parent
/// order: [`GroupedRows::out_of_order`]. In memory, all rows are read first.
struct GroupedRows {
    /// The parent key's field, for [`GroupedRows::rest`].
    field: &'static str,
    rx: Receiver<RowBatch>,
    batch: std::vec::IntoIter<SourceRow>,
    peeked: Option<SourceRow>,
    parked: HashMap<u128, Vec<SourceRow>, DigestBuildHasher>,
    /// The [`ParentNumbers`] number of the last parent taken.
    done: u32,
    streaming: bool,
    out_of_order: bool,
    read: u64,
}

impl GroupedRows {
    fn new(field: &'static str, rx: Receiver<RowBatch>, streaming: bool) -> Result<GroupedRows> {
        let mut g = GroupedRows {
            field,
            rx,
            batch: Vec::new().into_iter(),
            peeked: None,
            parked: HashMap::default(),
            done: 0,
            streaming: true,
            out_of_order: false,
            read: 0,
        };
        if !streaming {
            while let Some(src) = g.next()? {
                g.parked.entry(src.parent).or_default().push(src);
            }
            g.streaming = false;
        }
        Ok(g)
    }

    fn next(&mut self) -> Result<Option<SourceRow>> {
        if let Some(src) = self.peeked.take() {
            return Ok(Some(src));
        }
        loop {
            if let Some(src) = self.batch.next() {
                self.read += 1;
                return Ok(Some(src));
            }
            match self.rx.recv() {
                Ok(batch) => self.batch = batch?.into_iter(),
                Err(_) => return Ok(None),
            }
        }
    }

    fn park(&mut self, src: SourceRow, parents: &ParentNumbers) {
        if self.streaming && parents.numbered_by(src.parent, self.done) {
            self.out_of_order = true;
        }
        self.parked.entry(src.parent).or_default().push(src);
    }

    /// The rows of the parent whose key has digest `key` and whose [`ParentNumbers`] number is
    /// `number`, in file order.
    fn take(&mut self, key: u128, number: u32, window: &Window, parents: &ParentNumbers) -> Result<Vec<SourceRow>> {
        self.done = number;
        let mut out = self.parked.remove(&key).unwrap_or_default();
        if !self.streaming {
            return Ok(out);
        }
        while let Some(src) = self.next()? {
            if src.parent == key {
                out.push(src);
            } else if window.contains(&src.parent) {
                // A parent about to be asked for (or, out of order, one asked for before:
                // the row is parked, and found out, once the window has passed it).
                self.peeked = Some(src);
                break;
            } else {
                self.park(src, parents);
            }
        }
        Ok(out)
    }

    /// Every row not taken, by parent key (sorted), in file order within each.
    fn rest(&mut self, parents: &ParentNumbers) -> Result<Vec<(String, Vec<SourceRow>)>> {
        while let Some(src) = self.next()? {
            self.park(src, parents);
        }
        let field = self.field;
        let mut rest: Vec<(String, Vec<SourceRow>)> =
            self.parked.drain().map(|(_, list)| (value(&list[0].row, field).to_string(), list)).collect();
        rest.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(rest)
    }
}

/// The tables below a journalpost, joined to it.
struct BelowJournalpost {
    avsmot: GroupedRows,
    doklink: GroupedRows,
    merknad: GroupedRows,
    journalpost_numbers: ParentNumbers,
    /// The documents linked so far, by the digest of DB.DOKID.
    linked_documents: HashSet<u128, DigestBuildHasher>,
}

impl BelowJournalpost {
    /// Journalpost `jp` with its rows from the tables below it; nothing below it if its
    /// key came before.
    fn take(&mut self, jp: SourceRow, window: &Window, setup: &Setup) -> Result<JoinedJournalpost> {
        let Some(n) = self.journalpost_numbers.number(jp.own) else {
            return Ok(JoinedJournalpost {
                journalpost: jp,
                avsmot: Vec::new(),
                doklinks: Vec::new(),
                merknader: Vec::new(),
            });
        };
        let ams = self.avsmot.take(jp.own, n, window, &self.journalpost_numbers)?;
        let mut links = self.doklink.take(jp.own, n, window, &self.journalpost_numbers)?;
        let mes = self.merknad.take(jp.own, n, window, &self.journalpost_numbers)?;
        // Each link says whether it is its document's first (which keeps DB.DOKID as key).
        links.sort_by_key(dokumentnummer);
        let dls = links
            .into_iter()
            .map(|l| {
                let first =
                    setup.dokbeskriv.contains_key(value(&l.row, "DL.DOKID")) && self.linked_documents.insert(l.own);
                (l, first)
            })
            .collect();
        Ok(JoinedJournalpost { journalpost: jp, avsmot: ams, doklinks: dls, merknader: mes })
    }
}

/// A sak's [`ParentNumbers`] number and its journalposter.
type JournalposterOfSak = (u32, Vec<SourceRow>);

/// The parents about to be asked for, by digest.
type Window = HashSet<u128, DigestBuildHasher>;

/// Fills `window` (its room kept from batch to batch) with the keys of `parents`.
fn fill_window<'w, 'r>(window: &'w mut Window, parents: impl Iterator<Item = &'r SourceRow>) -> &'w Window {
    window.clear();
    window.extend(parents.map(|s| s.own));
    window
}

fn keep_all(_: &Packed) -> bool {
    true
}

fn merknad_of_sak(row: &Packed) -> bool {
    value(row, "ME.JPID").is_empty()
}

fn merknad_of_journalpost(row: &Packed) -> bool {
    !value(row, "ME.JPID").is_empty()
}

fn dokumentnummer(l: &SourceRow) -> u64 {
    value(&l.row, "DL.RNR").parse::<u64>().unwrap_or(u64::MAX)
}

/// The klasse a sak goes under (its KLASSERING row with the lowest KL.SORT, or the
/// first), and the systemIDs of its other klasser. Values that ORDNVERDI lacks get a
/// klasse of their own (reported once); a sak without KLASSERING goes under "Uten
/// klassering" (reported).
fn classify(
    klasser: &mut Klasser,
    mut rows: Vec<SourceRow>,
    sa: &SourceRow,
    setup: &Setup,
    report: &mut Conversion,
) -> (usize, Vec<String>) {
    if rows.is_empty() {
        let message = "no KLASSERING row for this sak; the saksmappe is put under the klasse \"Uten klassering\"";
        report.findings.push(row_finding(setup, Severity::Warning, "N4.UNCLASSIFIED", sa, "NOARKSAK", message.into()));
        return (klasser.unclassified(), Vec::new());
    }
    rows.sort_by_key(|r| value(&r.row, "KL.SORT").parse::<u64>().unwrap_or(u64::MAX));
    let mut primary = 0;
    let mut sekundaer = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let (op, ov) = (value(&r.row, "KL.ORDNPRI"), value(&r.row, "KL.ORDNVER"));
        let (k, new) = klasser.klasse(op, ov, "");
        if new {
            let message = format!(
                "KL.ORDNVER {ov:?} of KL.ORDNPRI {op:?} is in no ORDNVERDI row; a klasse is made with the value as its title"
            );
            report.findings.push(row_finding(setup, Severity::Warning, "N4.KLASSE", r, "KLASSERING", message));
        }
        if i == 0 {
            primary = k;
        } else {
            sekundaer.push(system_id(setup.source, "ORDNVERDI", &format!("{op}/{ov}")));
        }
    }
    (primary, sekundaer)
}

/// Joined saker set aside until their klasse is written (with a classification, the
/// saksmapper go klasse by klasse, not in the order the tables give them). Each is kept
/// as its rows in a compact binary form ([`encode_sak`]: the values, not the XML they
/// become, a fifth of the size), in blocks per klasse in one file beside the output.
struct Spill {
    path: std::path::PathBuf,
    file: File,
    /// Written past the page cache (see [`writer::set_direct`]): blocks padded to whole
    /// pages, through `aligned`.
    direct: bool,
    aligned: writer::PageBuffer,
    at: u64,
    /// Per klasse: the bytes of units not yet written, and the blocks written (offset,
    /// length without padding).
    pending: Vec<Vec<u8>>,
    blocks: Vec<Vec<(u64, u64)>>,
    buffered: usize,
}

/// A klasse's units go to the file in blocks of this size, and all pending ones once
/// this much is held.
const SPILL_BLOCK: usize = 256 << 10;
const SPILL_HELD: usize = 64 << 20;

impl Spill {
    fn create(path: &Path) -> Result<Spill> {
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(|e| Error::io(path.display().to_string(), e))?;
        let direct = writer::set_direct(&file, true);
        Ok(Spill {
            path: path.to_path_buf(),
            file,
            direct,
            aligned: writer::PageBuffer::default(),
            at: 0,
            pending: Vec::new(),
            blocks: Vec::new(),
            buffered: 0,
        })
    }

    fn io_error(&self, e: std::io::Error) -> Error {
        Error::io(self.path.display().to_string(), e)
    }

    /// Appends the bytes of one unit of klasse `k`.
    fn push(&mut self, k: usize, unit: &[u8]) -> Result<()> {
        if self.pending.len() <= k {
            self.pending.resize_with(k + 1, Vec::new);
            self.blocks.resize_with(k + 1, Vec::new);
        }
        self.pending[k].extend_from_slice(unit);
        self.buffered += unit.len();
        if self.pending[k].len() >= SPILL_BLOCK {
            self.flush(k)?;
        }
        if self.buffered >= SPILL_HELD {
            for k in 0..self.pending.len() {
                self.flush(k)?;
            }
        }
        Ok(())
    }

    /// `len` bytes rounded up to whole pages of `aligned`, grown as needed.
    fn page_buffer(aligned: &mut writer::PageBuffer, len: usize) -> &mut [u8] {
        let padded = len.div_ceil(writer::DIRECT_ALIGN) * writer::DIRECT_ALIGN;
        if aligned.len() < padded {
            *aligned = writer::PageBuffer::new(padded);
        }
        &mut aligned.as_mut_slice()[..padded]
    }

    fn flush(&mut self, k: usize) -> Result<()> {
        let block = std::mem::take(&mut self.pending[k]);
        if block.is_empty() {
            return Ok(());
        }
        let written = if self.direct {
            let page = Self::page_buffer(&mut self.aligned, block.len());
            page[..block.len()].copy_from_slice(&block);
            page[block.len()..].fill(0);
            match std::os::unix::fs::FileExt::write_all_at(&self.file, page, self.at) {
                Err(e) if writer::is_direct_refused(&e) && self.at == 0 => {
                    self.direct = writer::set_direct(&self.file, false);
                    std::os::unix::fs::FileExt::write_all_at(&self.file, &block, self.at).map(|()| block.len())
                }
                other => other.map(|()| page.len()),
            }
        } else {
            std::os::unix::fs::FileExt::write_all_at(&self.file, &block, self.at).map(|()| block.len())
        };
        let written = written.map_err(|e| self.io_error(e))?;
        self.blocks[k].push((self.at, block.len() as u64));
        self.at += written as u64;
        self.buffered -= block.len();
        // The buffer is kept for the klasse's next units.
        self.pending[k] = block;
        self.pending[k].clear();
        Ok(())
    }

    /// Writes what is pending, for reading back.
    fn finish(&mut self) -> Result<()> {
        for k in 0..self.pending.len() {
            self.flush(k)?;
        }
        self.pending = Vec::new();
        Ok(())
    }

    /// The blocks of klasse `k` (whole units, see [`SpillDecoder`]), in the order written.
    fn read(&mut self, k: usize, each: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<()> {
        let blocks = self.blocks.get_mut(k).map(std::mem::take).unwrap_or_default();
        let mut aligned = std::mem::take(&mut self.aligned);
        for &(at, len) in &blocks {
            let len = len as usize;
            let page = Self::page_buffer(&mut aligned, len);
            let read = if self.direct { &mut page[..] } else { &mut page[..len] };
            std::os::unix::fs::FileExt::read_exact_at(&self.file, read, at).map_err(|e| self.io_error(e))?;
            each(&page[..len])?;
        }
        self.aligned = aligned;
        Ok(())
    }
}

/// Appends `unit` to `out` in the spill's form: its rows, each as its file's number, its
/// layout's number (or, not interned, its names), its position, its text and where each
/// value ends.
fn encode_sak(out: &mut Vec<u8>, unit: &JoinedSak) {
    fn row(out: &mut Vec<u8>, src: &SourceRow) {
        put_u32(out, src.file as usize);
        let names = &src.row.names;
        match names {
            Layout::Interned(id, _) => put_u32(out, *id as usize),
            Layout::Shared(_) => {
                put_u32(out, u32::MAX as usize);
                put_u32(out, names.len());
                for n in names.iter() {
                    put_str(out, n);
                }
            }
        }
        out.extend_from_slice(&src.row.pos.line.to_le_bytes());
        out.extend_from_slice(&src.row.pos.column.to_le_bytes());
        put_str(out, &src.row.text);
        for &end in &src.row.ends {
            out.extend_from_slice(&end.to_le_bytes());
        }
    }
    fn list(out: &mut Vec<u8>, rows: &[SourceRow]) {
        put_u32(out, rows.len());
        for r in rows {
            row(out, r);
        }
    }
    row(out, &unit.sak);
    list(out, &unit.sakspart);
    list(out, &unit.merknader);
    put_u32(out, unit.sekundaer.len());
    for s in &unit.sekundaer {
        put_str(out, s);
    }
    put_u32(out, unit.journalposter.len());
    for jp in &unit.journalposter {
        row(out, &jp.journalpost);
        list(out, &jp.avsmot);
        put_u32(out, jp.doklinks.len());
        for (dl, first) in &jp.doklinks {
            row(out, dl);
            out.push(u8::from(*first));
        }
        list(out, &jp.merknader);
    }
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// Reads units back from a block of a [`Spill`]; `None` where the bytes are not what
/// [`encode_sak`] wrote.
struct SpillDecoder<'s> {
    bytes: &'s [u8],
    /// The interned layouts met so far, by number.
    layouts: &'s mut Vec<Option<Layout>>,
}

impl SpillDecoder<'_> {
    fn next_bytes(&mut self, n: usize) -> Option<&[u8]> {
        let (head, rest) = self.bytes.split_at_checked(n)?;
        self.bytes = rest;
        Some(head)
    }

    fn u32(&mut self) -> Option<usize> {
        Some(u32::from_le_bytes(self.next_bytes(4)?.try_into().ok()?) as usize)
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.next_bytes(8)?.try_into().ok()?))
    }

    fn str(&mut self) -> Option<&str> {
        let n = self.u32()?;
        std::str::from_utf8(self.next_bytes(n)?).ok()
    }

    fn layout(&mut self) -> Option<Layout> {
        let id = self.u32()?;
        if id == u32::MAX as usize {
            let n = self.u32()?;
            let names = (0..n).map(|_| self.str().map(Name::from)).collect::<Option<Vec<_>>>()?;
            return Some(Layout::new(&names));
        }
        if self.layouts.len() <= id {
            self.layouts.resize(id + 1, None);
        }
        if self.layouts[id].is_none() {
            self.layouts[id] = Some(Layout::interned(id as u32)?);
        }
        self.layouts[id].clone()
    }

    fn row(&mut self) -> Option<SourceRow> {
        let file = self.u32()? as u32;
        let names = self.layout()?;
        let pos = samla_noark5::pos::Pos { line: self.u64()?, column: self.u64()? };
        let text: Box<str> = self.str()?.into();
        let ends: Box<[u32]> = (0..names.len()).map(|_| self.u32().map(|e| e as u32)).collect::<Option<_>>()?;
        if ends.iter().any(|&e| e as usize > text.len() || !text.is_char_boundary(e as usize)) {
            return None;
        }
        Some(SourceRow { file, own: 0, parent: 0, row: Packed { pos, names, ends, text } })
    }

    fn list(&mut self) -> Option<Vec<SourceRow>> {
        let n = self.u32()?;
        (0..n).map(|_| self.row()).collect()
    }

    fn unit(&mut self, klasse: usize) -> Option<JoinedSak> {
        let sa = self.row()?;
        let sps = self.list()?;
        let mes = self.list()?;
        let n = self.u32()?;
        let sekundaer = (0..n).map(|_| self.str().map(str::to_string)).collect::<Option<_>>()?;
        let n = self.u32()?;
        let mut jps = Vec::with_capacity(n.min(1 << 16));
        for _ in 0..n {
            let jp = self.row()?;
            let ams = self.list()?;
            let n = self.u32()?;
            let mut dls = Vec::with_capacity(n.min(1 << 16));
            for _ in 0..n {
                let dl = self.row()?;
                dls.push((dl, self.next_bytes(1)?[0] == 1));
            }
            let mes = self.list()?;
            jps.push(JoinedJournalpost { journalpost: jp, avsmot: ams, doklinks: dls, merknader: mes });
        }
        Some(JoinedSak { sak: sa, journalposter: jps, sakspart: sps, merknader: mes, klasse, sekundaer })
    }
}

/// What the workers are given, each with its sequence number.
enum Job {
    /// Saker to convert.
    Convert(u64, Vec<JoinedSak>),
    /// Saker to encode for the spill.
    Spill(u64, Vec<JoinedSak>),
    /// A block of the spill (saker of the klasse given) to decode and convert.
    Spilled(u64, usize, Vec<u8>),
}

/// Whether the joined saker are converted at once or spilled.
#[derive(Clone, Copy, PartialEq, Eq)]
enum WorkMode {
    Convert,
    Spill,
}

/// What the writer is given, in sequence.
enum WriterItem {
    /// XML, with its crosswalk lines and what was found.
    Xml(Vec<u8>, Vec<u8>, Conversion),
    /// Saker encoded for the spill: the bytes, and each unit's klasse and length.
    Spill(Vec<u8>, Vec<(usize, usize)>),
    /// The last saker are in: hand the spill back.
    SpillDone,
}

/// A worker's or this thread's output on its way to the writer.
type WriterMessage = Result<(u64, WriterItem)>;

/// Converts `extract` into a Noark 5 v5.0 extract in `out` (must be empty or absent; it
/// appears whole or not at all, see [`samla_noark5::atomic::build_dir`]):
/// `arkivstruktur.xml`, `arkivuttrekk.xml` (with its digest, counts and the
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
    // Every missing table file named at once, before anything is written.
    extract.require_table_files()?;
    // Written as `<out>.partial` and renamed at the end: a killed run leaves nothing under
    // the final name, and a rerun gives the same bytes.
    samla_noark5::atomic::build_dir(out, |partial| {
        if let Some(done) = run(extract, partial, options, true)? {
            return Ok(done);
        }
        // A table is not in parent order: again, with the rows below NOARKSAK in memory.
        fs::remove_dir_all(partial).map_err(|e| Error::io(partial.display().to_string(), e))?;
        let done = run(extract, partial, options, false)?;
        Ok(done.expect("a conversion in memory does not depend on the order of the tables"))
    })
}

/// One conversion; `None` if `streaming` and a table turned out not to be in parent order.
fn run(extract: &Noark4, out: &Path, options: &ConvertOptions, streaming: bool) -> Result<Option<Conversion>> {
    fs::create_dir_all(out).map_err(|e| Error::io(out.display().to_string(), e))?;
    let crosswalk = File::create(out.join("crosswalk.csv")).map_err(|e| Error::io("crosswalk.csv", e))?;
    let mut crosswalk = DirectFile::new(crosswalk);
    let cw = |e: std::io::Error| Error::io("crosswalk.csv", e);
    writeln!(crosswalk, "table;key;systemID").map_err(cw)?;
    let fallback = extract.index.export_value("EI.PRODDATO").and_then(|d| dates::parse(d).date());
    let mut setup = Setup {
        source: &options.source,
        out,
        root: &extract.root,
        persons: HashMap::new(),
        admin_units: HashMap::new(),
        dokbeskriv: HashMap::new(),
        dokversjon_by_dokid: HashMap::new(),
        fallback_date: fallback.map(|d| d.to_string()).unwrap_or_else(|| "1900-01-01".to_string()),
        arkivdel_id: String::new(),
        tgkoder: HashMap::new(),
        classified: false,
        files: FileNames::new(extract),
    };
    let mut pre = Conversion::default();

    load_table(extract, &setup.files, "PERNAVN", &mut |s| {
        setup.persons.insert(value(&s.row, "PN.ID").to_string(), value(&s.row, "PN.NAVN").to_string());
    })?;
    load_table(extract, &setup.files, "TGKODE", &mut |s| {
        let betegn = value(&s.row, "TK.BETEGN");
        if !betegn.is_empty() {
            setup.tgkoder.insert(value(&s.row, "TK.TGKODE").to_string(), betegn.to_string());
        }
    })?;
    load_table(extract, &setup.files, "ADMINDEL", &mut |s| {
        setup.admin_units.insert(value(&s.row, "AI.ID").to_string(), value(&s.row, "AI.ADMBET").to_string());
    })?;
    let mut duplicates = Vec::new();
    let n_db = load_table(extract, &setup.files, "DOKBESKRIV", &mut |s| {
        let key = value(&s.row, "DB.DOKID").to_string();
        match setup.dokbeskriv.entry(key) {
            std::collections::hash_map::Entry::Occupied(_) => duplicates.push(s),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(s);
            }
        }
    })?;
    let n_ve = load_table(extract, &setup.files, "DOKVERSJON", &mut |s| {
        setup.dokversjon_by_dokid.entry(value(&s.row, "VE.DOKID").to_string()).or_default().push(s)
    })?;
    let mut arkiv_row = None;
    load_table(extract, &setup.files, "ARKIV", &mut |s| {
        arkiv_row.get_or_insert(s);
    })?;
    let mut arkivdel_row = None;
    load_table(extract, &setup.files, "ARKIVDEL", &mut |s| {
        arkivdel_row.get_or_insert(s);
    })?;
    let del_key =
        arkivdel_row.as_ref().map(|s| value(&s.row, "AD.ARKDEL").to_string()).unwrap_or_else(|| "ARKIVDEL".into());
    let arkiv_key = arkiv_row.as_ref().map(|s| value(&s.row, "AR.ARKIV").to_string()).unwrap_or_else(|| "ARKIV".into());
    let arkiv_id = system_id(&options.source, "ARKIV", &arkiv_key);
    setup.arkivdel_id = system_id(&options.source, "ARKIVDEL", &del_key);
    writeln!(crosswalk, "ARKIV;{arkiv_key};{arkiv_id}").map_err(cw)?;
    writeln!(crosswalk, "ARKIVDEL;{del_key};{}", setup.arkivdel_id).map_err(cw)?;
    let mut klasser = Klasser::default();
    load_table(extract, &setup.files, "ORDNPRINS", &mut |s| {
        let from = dates::parse(value(&s.row, "OP.FRADATO")).date().map(|d| d.to_string());
        klasser.system(value(&s.row, "OP.ORDNPRI"), value(&s.row, "OP.BETEGN"), value(&s.row, "OP.TYPE"), from);
    })?;
    load_table(extract, &setup.files, "ORDNVERDI", &mut |s| {
        klasser.klasse(value(&s.row, "OV.ORDNPRI"), value(&s.row, "OV.ORDNVER"), value(&s.row, "OV.BESKR"));
    })?;
    let kl_rows = extract.table("KLASSERING").is_some_and(|t| t.files.iter().any(|f| f.stated_rows != Some(0)));
    setup.classified = !klasser.systems.is_empty() || kl_rows;
    let setup = setup;
    let mut c = Converter::new(&setup);
    c.count("dokumentbeskrivelse").read = n_db;
    c.count("dokumentobjekt").read = n_ve;
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
    add_report(&mut pre, std::mem::take(&mut c.report));

    let partial = out.join("arkivstruktur.xml.partial");
    let file = File::create(&partial).map_err(|e| Error::io(partial.display().to_string(), e))?;
    let mut w = XmlWriter::new(BackgroundHashingWriter::new(DirectFile::new(file)));
    let io = |e: std::io::Error| Error::io("arkivstruktur.xml", e);
    let skaper = extract.index.export_value("EI.ARKSKAPER").unwrap_or("ukjent arkivskaper").to_string();
    let from = extract.index.export_value("EI.FRADATO").and_then(|d| dates::parse(d).date()).map(|d| d.to_string());
    let to = extract.index.export_value("EI.TILDATO").and_then(|d| dates::parse(d).date()).map(|d| d.to_string());
    let from = from.unwrap_or_else(|| setup.fallback_date.clone());
    let to = to.unwrap_or_else(|| setup.fallback_date.clone());

    let mut arkiv = Element::new("arkiv");
    arkiv.set_attr("xmlns", NS_ARKIVSTRUKTUR);
    arkiv.set_attr("xmlns:xsi", NS_XSI);
    arkiv.set_attr("xmlns:n5mdk", NS_METADATAKATALOG);
    arkiv.set_attr("xsi:schemaLocation", format!("{NS_ARKIVSTRUKTUR} arkivstruktur.xsd"));
    arkiv.push_field("systemID", arkiv_id);
    let tittel = arkiv_row.as_ref().map(|s| value(&s.row, "AR.BETEGN").to_string()).filter(|t| !t.is_empty());
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

    let mut del = Element::new("arkivdel");
    del.push_field("systemID", setup.arkivdel_id.clone());
    let tittel = arkivdel_row.as_ref().map(|s| value(&s.row, "AD.BETEGN").to_string()).filter(|t| !t.is_empty());
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

    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
    let setup_ref = &setup;
    let spill_path = out.join("arkivstruktur.xml.saker");
    let outcome = std::thread::scope(|scope| -> Result<Option<_>> {
        let files = &setup_ref.files;
        let grouped = |table, field, join: Join| {
            GroupedRows::new(field, spawn_reader(scope, extract, files, table, join), streaming)
        };
        let mut jp = grouped("JOURNPOST", "JP.SAID", Join::new("JP.ID", "JP.SAID"))?;
        let am = grouped("AVSMOT", "AM.JPID", Join::new("AM.ID", "AM.JPID"))?;
        let dl = grouped("DOKLINK", "DL.JPID", Join::new("DL.DOKID", "DL.JPID"))?;
        let mut sp = grouped("SAKSPART", "SP.SAID", Join::new("SP.ID", "SP.SAID"))?;
        let mut me_sa = grouped("MERKNAD", "ME.SAID", Join { keep: merknad_of_sak, ..Join::new("ME.ID", "ME.SAID") })?;
        let me_jp =
            grouped("MERKNAD", "ME.JPID", Join { keep: merknad_of_journalpost, ..Join::new("ME.ID", "ME.JPID") })?;
        let journalpost_numbers = ParentNumbers::sized(extract, "JOURNPOST");
        let mut below = BelowJournalpost {
            avsmot: am,
            doklink: dl,
            merknad: me_jp,
            journalpost_numbers,
            linked_documents: HashSet::default(),
        };
        let mut kl = grouped("KLASSERING", "KL.SAID", Join::new("KL.ORDNVER", "KL.SAID"))?;
        let mut klass_report = Conversion::default();
        let saker = spawn_reader(scope, extract, files, "NOARKSAK", Join::new("SA.ID", "SA.ID"));

        // Workers build and serialise batches of saksmapper (or, classified, encode them
        // for the spill); the writer puts them, and the XML between them, in order.
        let (work_tx, work_rx) = sync_channel::<Job>(workers * 2);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let (done_tx, done_rx) = sync_channel::<WriterMessage>(workers * 4);
        // Buffers go back to the workers once written: fresh ones cost page faults.
        let pool: Arc<Mutex<Vec<Vec<u8>>>> = Arc::new(Mutex::new(Vec::new()));
        let pool_w = pool.clone();
        // The spill's blocks, likewise, on their way from this thread to the workers.
        let block_pool: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
        for _ in 0..workers {
            let work_rx = work_rx.clone();
            let done_tx = done_tx.clone();
            let pool = pool.clone();
            let spill_at = &spill_path;
            let block_pool = block_pool.clone();
            scope.spawn(move || {
                let mut c = Converter::new(setup_ref);
                // The spill's layouts, by number, as met.
                let mut layouts = Vec::new();
                loop {
                    let next = work_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok(job)) = next else { return };
                    let buf = pool.lock().ok().and_then(|mut p| p.pop()).unwrap_or_default();
                    let result = match job {
                        Job::Spill(seq, units) => {
                            let (mut buf, mut sizes) = (buf, Vec::with_capacity(units.len()));
                            for unit in &units {
                                let before = buf.len();
                                encode_sak(&mut buf, unit);
                                sizes.push((unit.klasse, buf.len() - before));
                            }
                            Ok((seq, WriterItem::Spill(buf, sizes)))
                        }
                        Job::Convert(seq, units) => (|| {
                            let mut xml = Fragment::new(buf, setup_ref.mappe_depth());
                            for unit in units {
                                c.saksmappe(&mut xml, unit)?;
                            }
                            let (cross, report) = (std::mem::take(&mut c.crosswalk), std::mem::take(&mut c.report));
                            Ok((seq, WriterItem::Xml(xml.into_inner(), cross, report)))
                        })(),
                        Job::Spilled(seq, klasse, block) => (|| {
                            let mut xml = Fragment::new(buf, setup_ref.mappe_depth());
                            let mut r = SpillDecoder { bytes: &block, layouts: &mut layouts };
                            while !r.bytes.is_empty() {
                                let unit = r.unit(klasse).ok_or_else(|| {
                                    Error::io(
                                        spill_at.display().to_string(),
                                        std::io::Error::other("the spill file is damaged"),
                                    )
                                })?;
                                c.saksmappe(&mut xml, unit)?;
                            }
                            if let Ok(mut p) = block_pool.lock() {
                                p.push(block);
                            }
                            let (cross, report) = (std::mem::take(&mut c.crosswalk), std::mem::take(&mut c.report));
                            Ok((seq, WriterItem::Xml(xml.into_inner(), cross, report)))
                        })(),
                    };
                    if done_tx.send(result).is_err() {
                        return;
                    }
                }
            });
        }
        // Only the workers hold the receiver: when the last of them has stopped (the writer
        // failed), a send of more work fails instead of waiting for ever (issue 15).
        drop(work_rx);
        // Classified, the joined saker wait in the spill until their klasse is written.
        let mut spill = if setup_ref.classified { Some(Spill::create(&spill_path)?) } else { None };
        let work = if spill.is_some() { WorkMode::Spill } else { WorkMode::Convert };
        let (spill_tx, spill_rx) = sync_channel::<Result<Spill>>(1);
        // The first error of the workers or the writer: the writer stops at it, and the
        // sends that then fail here report it.
        let failure: Arc<Mutex<Option<Error>>> = Arc::default();
        let failed = failure.clone();
        let writer = scope.spawn(move || {
            let result = (|| -> Result<_> {
                let mut pending = BTreeMap::new();
                let mut next = 0u64;
                let mut report = Conversion::default();
                // Borrowed, so that the receiver lives until the first error is stored
                // below: a failed send must find it there.
                for done in done_rx.iter() {
                    let (seq, out) = done?;
                    pending.insert(seq, out);
                    while let Some(out) = pending.remove(&next) {
                        let used = match out {
                            WriterItem::Xml(xml, cross, found) => {
                                w.get_mut().write_all(&xml).map_err(io)?;
                                crosswalk.write_all(&cross).map_err(cw)?;
                                add_report(&mut report, found);
                                Some(xml)
                            }
                            WriterItem::Spill(bytes, sizes) => {
                                let spill = spill.as_mut().expect("saker are spilled only with a spill");
                                let mut at = 0;
                                for (klasse, len) in sizes {
                                    spill.push(klasse, &bytes[at..at + len])?;
                                    at += len;
                                }
                                Some(bytes)
                            }
                            WriterItem::SpillDone => {
                                let mut done = spill.take().expect("the spill is handed back once");
                                let _ = spill_tx.send(done.finish().map(|()| done));
                                None
                            }
                        };
                        if let Some(mut buf) = used {
                            buf.clear();
                            if let Ok(mut p) = pool_w.lock() {
                                p.push(buf);
                            }
                        }
                        next += 1;
                    }
                }
                Ok((w, crosswalk, report))
            })();
            let result = result.map_err(|e| {
                if let Ok(mut slot) = failed.lock() {
                    *slot = Some(e);
                }
            });
            drop(done_rx);
            result
        });
        // The XML this thread writes between the workers' (klasser, the saksmappe of
        // journalposter without a sak) goes to the writer in its place in the sequence.
        let mut seq = 0u64;
        let stopped = || {
            let first = failure.lock().ok().and_then(|mut slot| slot.take());
            first.unwrap_or_else(|| Error::io("arkivstruktur.xml", std::io::Error::other("the writer stopped")))
        };
        let send_xml = |seq: &mut u64, x: Fragment, c: &mut Converter| -> Result<()> {
            let out = WriterItem::Xml(x.into_inner(), std::mem::take(&mut c.crosswalk), std::mem::take(&mut c.report));
            *seq += 1;
            done_tx.send(Ok((*seq - 1, out))).map_err(|_| stopped())
        };

        // The merge join: saker two batches ahead, their journalposter one batch ahead,
        // so that each table's window holds the parents about to be asked for.
        let mut sak_batches: VecDeque<Vec<SourceRow>> = VecDeque::new();
        let mut jp_batches: VecDeque<Vec<Option<JournalposterOfSak>>> = VecDeque::new();
        let mut saker_done = false;
        let mut sak_numbers = ParentNumbers::sized(extract, "NOARKSAK");
        let mut windows: [Window; 3] = Default::default();
        let mut saker_read = 0u64;
        loop {
            while !saker_done && sak_batches.len() < 3 {
                match saker.recv() {
                    Ok(batch) => sak_batches.push_back(batch?),
                    Err(_) => saker_done = true,
                }
            }
            if sak_batches.is_empty() {
                break;
            }
            while jp_batches.len() < sak_batches.len().min(2) {
                let j = jp_batches.len();
                let near = fill_window(&mut windows[0], sak_batches.iter().skip(j).take(2).flatten());
                let mut lists = Vec::with_capacity(sak_batches[j].len());
                for sa in &sak_batches[j] {
                    // A sak whose key came before gets nothing: its rows went to the first.
                    let list = match sak_numbers.number(sa.own) {
                        Some(n) => Some((n, jp.take(sa.own, n, near, &sak_numbers)?)),
                        None => None,
                    };
                    lists.push(list);
                }
                jp_batches.push_back(lists);
            }
            let sas = sak_batches.pop_front().expect("a batch is there");
            let jps = jp_batches.pop_front().expect("its journalposter were taken");
            let [_, near_sa, near_jp] = &mut windows;
            let near_sa = fill_window(near_sa, sas.iter().chain(sak_batches.iter().take(1).flatten()));
            let near_jp = fill_window(
                near_jp,
                jps.iter().chain(jp_batches.iter().take(1).flatten()).flatten().flat_map(|(_, list)| list),
            );
            let mut units = Vec::with_capacity(sas.len());
            for (sa, list) in sas.into_iter().zip(jps) {
                saker_read += 1;
                let Some((n, list)) = list else {
                    units.push(JoinedSak {
                        sak: sa,
                        journalposter: Vec::new(),
                        sakspart: Vec::new(),
                        merknader: Vec::new(),
                        klasse: 0,
                        sekundaer: Vec::new(),
                    });
                    continue;
                };
                let mut jps = Vec::with_capacity(list.len());
                for j in list {
                    jps.push(below.take(j, near_jp, setup_ref)?);
                }
                let sps = sp.take(sa.own, n, near_sa, &sak_numbers)?;
                let mes = me_sa.take(sa.own, n, near_sa, &sak_numbers)?;
                let (klasse, sekundaer) = if setup_ref.classified {
                    let rows = kl.take(sa.own, n, near_sa, &sak_numbers)?;
                    classify(&mut klasser, rows, &sa, setup_ref, &mut klass_report)
                } else {
                    (0, Vec::new())
                };
                units.push(JoinedSak { sak: sa, journalposter: jps, sakspart: sps, merknader: mes, klasse, sekundaer });
            }
            if [&jp, &below.avsmot, &below.doklink, &sp, &me_sa, &below.merknad, &kl].iter().any(|g| g.out_of_order) {
                return Ok(None);
            }
            let mut units = units.into_iter();
            let per_job = if work == WorkMode::Convert { SAKER_PER_JOB } else { ROWS_PER_BATCH };
            loop {
                let job: Vec<JoinedSak> = units.by_ref().take(per_job).collect();
                if job.is_empty() {
                    break;
                }
                let job = if work == WorkMode::Convert { Job::Convert(seq, job) } else { Job::Spill(seq, job) };
                work_tx.send(job).map_err(|_| stopped())?;
                seq += 1;
            }
        }

        // Journalposter whose sak is missing, with what is below them.
        let none = Window::default();
        let mut orphans = Vec::new();
        for (said, list) in jp.rest(&sak_numbers)? {
            for j in list {
                orphans.push((said.clone(), below.take(j, &none, setup_ref)?));
            }
        }
        let am_left = below.avsmot.rest(&below.journalpost_numbers)?;
        let dl_left = below.doklink.rest(&below.journalpost_numbers)?;
        sp.rest(&sak_numbers)?;
        me_sa.rest(&sak_numbers)?;
        below.merknad.rest(&below.journalpost_numbers)?;
        let kl_left = kl.rest(&sak_numbers)?;
        if [&jp, &below.avsmot, &below.doklink, &sp, &me_sa, &below.merknad, &kl].iter().any(|g| g.out_of_order) {
            return Ok(None);
        }
        let reads = (saker_read, jp.read, below.avsmot.read);
        let linked_documents = below.linked_documents;

        let mut c = Converter::new(setup_ref);
        let orphan_mappe = !orphans.is_empty();
        // The saksmappe of the journalposter without a sak, written where it goes.
        let mut orphan_element = None;
        if orphan_mappe {
            let mut m = Fragment::new(Vec::new(), setup_ref.mappe_depth());
            m.open_typed("mappe", "saksmappe");
            m.field("systemID", &c.mint_id("NOARKSAK", "(uten sak)"));
            m.field("mappeID", "0/0");
            m.field("tittel", "Journalposter uten sak");
            m.field("beskrivelse", "Journalposter der JP.SAID ikke viser til noen sak i Noark 4-uttrekket");
            m.field("dokumentmedium", "Elektronisk arkiv");
            m.field_of("opprettetDato", &[&to, MIDNIGHT]);
            m.field("opprettetAv", "samla");
            m.field_of("avsluttetDato", &[&to, MIDNIGHT]);
            m.field("avsluttetAv", "samla");
            m.field("referanseArkivdel", &setup_ref.arkivdel_id);
            for (said, unit) in orphans {
                c.finding(
                    Severity::Error,
                    "N4.FOREIGN_KEY",
                    &unit.journalpost,
                    "JOURNPOST",
                    format!("JP.SAID {said} matches no SA.ID; the journalpost is put in the saksmappe \"Journalposter uten sak\""),
                );
                c.journalpost(&mut m, unit, None, None)?;
            }
            m.field("saksaar", "0");
            m.field("sakssekvensnummer", "0");
            m.field("saksdato", &to);
            m.field("administrativEnhet", "ukjent");
            m.field("saksansvarlig", "samla");
            m.field("saksstatus", "Avsluttet");
            m.close("mappe");
            orphan_element = Some(m);
        }
        for kl in kl_left.into_iter().flat_map(|(_, v)| v) {
            c.finding(
                Severity::Error,
                "N4.FOREIGN_KEY",
                &kl,
                "KLASSERING",
                "KL.SAID matches no SA.ID; not converted".into(),
            );
        }
        if work == WorkMode::Spill {
            // Klasse by klasse: its header from here, its saksmapper from the spill
            // through the workers, in batches.
            done_tx.send(Ok((seq, WriterItem::SpillDone))).map_err(|_| stopped())?;
            seq += 1;
            let mut spill = spill_rx.recv().map_err(|_| stopped())??;
            let orphan_klasse = orphan_element.as_ref().map(|_| klasser.unclassified());
            let (systems, defs) = (std::mem::take(&mut klasser.systems), std::mem::take(&mut klasser.klasser));
            for system in systems.iter().filter(|s| !s.klasser.is_empty()) {
                let created = system.from.as_deref().unwrap_or(&from);
                let mut x = Fragment::new(Vec::new(), 2);
                x.open("klassifikasjonssystem");
                x.field("systemID", &c.mint_id("ORDNPRINS", &system.key));
                field_nonempty(&mut x, "klassifikasjonstype", &system.kind);
                x.field("tittel", &system.tittel);
                x.field_of("opprettetDato", &[created, MIDNIGHT]);
                x.field("opprettetAv", "samla");
                send_xml(&mut seq, x, &mut c)?;
                for &k in &system.klasser {
                    let def = &defs[k];
                    let mut x = Fragment::new(Vec::new(), 3);
                    x.open("klasse");
                    x.field("systemID", &c.mint_id("ORDNVERDI", &format!("{}/{}", system.key, def.klasse_id)));
                    x.field("klasseID", &def.klasse_id);
                    x.field("tittel", &def.tittel);
                    x.field_of("opprettetDato", &[created, MIDNIGHT]);
                    x.field("opprettetAv", "samla");
                    send_xml(&mut seq, x, &mut c)?;
                    spill.read(k, &mut |bytes| {
                        let mut block = block_pool.lock().ok().and_then(|mut p| p.pop()).unwrap_or_default();
                        block.clear();
                        block.extend_from_slice(bytes);
                        work_tx.send(Job::Spilled(seq, k, block)).map_err(|_| stopped())?;
                        seq += 1;
                        Ok(())
                    })?;
                    let mut x = Fragment::new(Vec::new(), 4);
                    if orphan_klasse == Some(k)
                        && let Some(m) = orphan_element.take()
                    {
                        x = Fragment::new(m.into_inner(), 4);
                    }
                    x.close("klasse");
                    send_xml(&mut seq, x, &mut c)?;
                }
                let mut x = Fragment::new(Vec::new(), 3);
                x.close("klassifikasjonssystem");
                send_xml(&mut seq, x, &mut c)?;
            }
            drop(spill);
            fs::remove_file(&spill_path).map_err(|e| Error::io(spill_path.display().to_string(), e))?;
        } else if let Some(m) = orphan_element.take() {
            send_xml(&mut seq, m, &mut c)?;
        }
        drop(work_tx);
        drop(done_tx);
        let (w, crosswalk, report) = writer.join().expect("the writer does not panic").map_err(|()| stopped())?;
        add_report(&mut klass_report, report);
        add_report(&mut klass_report, std::mem::take(&mut c.report));
        let leftovers = (am_left, dl_left, linked_documents, c.crosswalk);
        Ok(Some((w, crosswalk, klass_report, orphan_mappe, leftovers, reads)))
    })?;
    let Some((w, mut crosswalk, report, orphan_mappe, (am_left, dl_left, linked_documents, cross_rest), reads)) =
        outcome
    else {
        return Ok(None);
    };
    let mut c = Converter::new(&setup);
    c.report = pre;
    c.crosswalk = cross_rest;
    if reads.0 > 0 {
        c.count("saksmappe").read = reads.0;
    }
    c.count("journalpost").read = reads.1;
    c.count("korrespondansepart").read = reads.2;
    add_report(&mut c.report, report);
    // Rows below a journalpost or document that never came: reported, not written.
    for am in am_left.into_iter().flat_map(|(_, v)| v) {
        c.count("korrespondansepart").rejected += 1;
        c.finding(Severity::Error, "N4.FOREIGN_KEY", &am, "AVSMOT", "AM.JPID matches no JP.ID; not converted".into());
    }
    for dl in dl_left.into_iter().flat_map(|(_, v)| v) {
        c.finding(Severity::Error, "N4.FOREIGN_KEY", &dl, "DOKLINK", "DL.JPID matches no JP.ID; not converted".into());
    }
    let mut unlinked: Vec<&String> =
        setup.dokbeskriv.keys().filter(|k| !linked_documents.contains(&key_digest(k))).collect();
    unlinked.sort();
    for k in unlinked {
        let db = &setup.dokbeskriv[k];
        c.count("dokumentbeskrivelse").rejected += 1;
        c.finding(
            Severity::Error,
            "N4.UNLINKED",
            db,
            "DOKBESKRIV",
            "no DOKLINK row links this document; not converted".into(),
        );
        let versions = setup.dokversjon_by_dokid.get(k).map_or(0, Vec::len);
        c.count("dokumentobjekt").rejected += versions as u64;
    }
    let mut ve_left: Vec<(&String, &Vec<SourceRow>)> = setup
        .dokversjon_by_dokid
        .iter()
        .filter(|(k, _)| !linked_documents.contains(&key_digest(k)) && !setup.dokbeskriv.contains_key(*k))
        .collect();
    ve_left.sort_by(|a, b| a.0.cmp(b.0));
    for ve in ve_left.into_iter().flat_map(|(_, v)| v) {
        c.count("dokumentobjekt").rejected += 1;
        c.finding(
            Severity::Error,
            "N4.FOREIGN_KEY",
            ve,
            "DOKVERSJON",
            "VE.DOKID matches no DB.DOKID; not converted".into(),
        );
    }

    let (writer, _, digest) = w.finish().map_err(io)?.finish().map_err(io)?;
    writer.finish().map_err(io)?.sync_all().map_err(io)?;
    fs::rename(&partial, out.join("arkivstruktur.xml")).map_err(io)?;
    crosswalk.write_all(&c.crosswalk).map_err(cw)?;
    crosswalk.finish().map_err(cw)?;

    // The XSDs, and arkivuttrekk.xml last: it states the digests of the others.
    let digests = match &options.schemas {
        Some(dir) => dir.copy_into(samla_noark5::Version::V5_0, &["arkivstruktur.xsd", "metadatakatalog.xsd"], out)?,
        None => BTreeMap::new(),
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
        info: Flags {
            skjermet: written(&c.report, "skjerming") > 0,
            skal_kasseres: written(&c.report, "kassasjon") > 0,
            virksomhetsspesifikke: false,
            dokumentfiler: written(&c.report, "dokumentobjekt"),
        }
        .info(),
        files: vec![DataFile::noark(
            "arkivstruktur",
            digest,
            vec![
                ("mappe".into(), mapper.to_string()),
                ("registrering".into(), written(&c.report, "journalpost").to_string()),
            ],
            &digests,
        )],
    };
    let path = out.join("arkivuttrekk.xml");
    let file = File::create(&path).map_err(|e| Error::io("arkivuttrekk.xml", e))?;
    uttrekk.write(BufWriter::new(file)).map_err(|e| Error::io("arkivuttrekk.xml", e))?;
    Ok(Some(c.report))
}
