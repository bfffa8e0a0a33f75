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
//! key, so the output is the same either way. Saksmapper are built and serialised by
//! worker threads, in batches, and written in order; with a classification they are
//! spilled to a file beside the output and written klasse by klasse at the end.
//! DOKBESKRIV and DOKVERSJON are held in memory, keyed by DB.DOKID.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};

use samla_noark5::addml::{Arkivuttrekk, DataFile, Flags};
use samla_noark5::model::{NS_ARKIVSTRUKTUR, NS_METADATAKATALOG, NS_XSI};
use samla_noark5::writer::{BackgroundHashingWriter, DirectFile, Fragment, XmlWriter};
use samla_noark5::{Element, Error, Result};
use sha2::{Digest, Sha256};

use super::dates;
use super::ids::system_id;
use super::paths::DocumentResolver;
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

/// A row with the file it came from.
struct Src {
    file: Arc<str>,
    row: Packed,
}

fn load(extract: &Noark4, table: &str, f: &mut dyn FnMut(Src)) -> Result<u64> {
    if extract.table(table).is_none() {
        return Ok(0);
    }
    let mut rows = extract.rows(table)?;
    let mut n = 0;
    let mut file: Arc<str> = "".into();
    while let Some(row) = rows.next_packed()? {
        n += 1;
        let current = rows.file().unwrap_or_default();
        if *file != *current {
            file = current.into();
        }
        f(Src { file: file.clone(), row });
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
struct Ctx<'a> {
    source: &'a str,
    out: &'a Path,
    root: &'a Path,
    persons: HashMap<String, String>,
    units: HashMap<String, String>,
    db: HashMap<String, Src>,
    ve_by_db: HashMap<String, Vec<Src>>,
    fallback_date: String,
    arkivdel_id: String,
    /// TK.TGKODE → TK.BETEGN, the source's own texts for its access codes.
    tgkoder: HashMap<String, String>,
    /// Saksmapper go under klasser (depth 4), not straight under the arkivdel (depth 2).
    classified: bool,
}

impl Ctx<'_> {
    /// How deep saksmapper stand in arkivstruktur.xml.
    fn mappe_depth(&self) -> usize {
        if self.classified { 4 } else { 2 }
    }
}

/// A journalpost with the rows below it; each link says whether it is the first use of
/// its document (which keeps DB.DOKID as its key).
struct JpUnit {
    jp: Src,
    ams: Vec<Src>,
    dls: Vec<(Src, bool)>,
    mes: Vec<Src>,
}

/// A sak with everything below it: one unit of work.
struct SakUnit {
    sa: Src,
    jps: Vec<JpUnit>,
    sps: Vec<Src>,
    mes: Vec<Src>,
    /// The klasse it is placed under (an index into [`Klasser`]).
    klasse: usize,
    /// The systemIDs of its other klasser (secondary KLASSERING rows).
    sekundaer: Vec<String>,
}

/// One klassifikasjonssystem (ORDNPRINS) and one klasse (ORDNVERDI), as written.
struct System {
    key: String,
    tittel: String,
    kind: String,
    from: Option<String>,
    klasser: Vec<usize>,
}

struct KlasseDef {
    ov: String,
    tittel: String,
}

/// The classification: ORDNPRINS → klassifikasjonssystem, ORDNVERDI → klasse, and the
/// klasser made for values KLASSERING uses that ORDNVERDI lacks, and for saker without
/// a KLASSERING row ("Uten klassering").
#[derive(Default)]
struct Klasser {
    systems: Vec<System>,
    by_system: HashMap<String, usize>,
    klasser: Vec<KlasseDef>,
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
        self.systems.push(System {
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
        self.klasser.push(KlasseDef { ov: id.to_string(), tittel: tittel.to_string() });
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
    ctx: &'a Ctx<'a>,
    report: Conversion,
    crosswalk: Vec<u8>,
    resolver: DocumentResolver,
}

fn merge(into: &mut Conversion, from: Conversion) {
    for (entity, c) in from.counts {
        let t = into.counts.entry(entity).or_default();
        t.read += c.read;
        t.written += c.written;
        t.rejected += c.rejected;
    }
    into.findings.extend(from.findings);
}

impl<'a> Converter<'a> {
    fn new(ctx: &'a Ctx<'a>) -> Converter<'a> {
        Converter {
            ctx,
            report: Conversion::default(),
            crosswalk: Vec::new(),
            resolver: DocumentResolver::new(ctx.root),
        }
    }

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
        let id = system_id(self.ctx.source, table, key);
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
                    format!("{field} {value:?} is no date; {} is written instead", self.ctx.fallback_date),
                );
                self.ctx.fallback_date.clone()
            }
        }
    }

    /// The kassasjon of a sak (SA.KASSKODE, SA.BEVTID, SA.KASSDATO), or `None` for a sak
    /// to be kept (Bevares) or without a code: Noark 5 gives kassasjon only to the units
    /// that have a kassasjonsvedtak. Without SA.KASSDATO, kassasjonsdato is avsluttetDato
    /// plus bevaringstid years.
    fn kassasjon(&mut self, sa: &Src, avsluttet: &str) -> Option<Kassasjon> {
        let t = "NOARKSAK";
        let raw = v(&sa.row, "SA.KASSKODE");
        if raw.is_empty() || code_text("kassasjonsvedtak", raw) == Some("Bevares") {
            return None;
        }
        let vedtak = self.code("kassasjonsvedtak", sa, t, "SA.KASSKODE");
        let bevtid = v(&sa.row, "SA.BEVTID");
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
        let dato = match dates::parse(v(&sa.row, "SA.KASSDATO")).date() {
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
    fn skjerming(&mut self, x: &mut Fragment, src: &Src, table: &str, prefix: &str) {
        let field = |name: &str| format!("{prefix}.{name}");
        let tg = v(&src.row, &field("TGKODE"));
        if tg.is_empty() {
            return;
        }
        let text = match self.ctx.tgkoder.get(tg) {
            Some(t) => t.clone(),
            None => self.code("tilgangsrestriksjon", src, table, &field("TGKODE")),
        };
        let hjemmel = v(&src.row, &field("UOFF"));
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
        if let Some(d) = dates::parse(v(&src.row, &field("AGDATO"))).date() {
            x.field("skjermingOpphoererDato", &d.to_string());
        }
        x.close("skjerming");
    }

    fn person<'b>(&self, id: &'b str) -> &'b str
    where
        'a: 'b,
    {
        match self.ctx.persons.get(id) {
            Some(name) => name,
            None if id.is_empty() => "ukjent",
            None => id,
        }
    }

    fn saksmappe(&mut self, x: &mut Fragment, unit: SakUnit) -> Result<()> {
        let SakUnit { sa, jps, sps, mes, klasse: _, sekundaer } = unit;
        let sa = &sa;
        let arkivdel_id = self.ctx.arkivdel_id.as_str();
        let t = "NOARKSAK";
        let key = v(&sa.row, "SA.ID");
        x.open_typed("mappe", "saksmappe");
        let id = self.id(t, key)?;
        x.field("systemID", &id);
        x.field_of("mappeID", &[v(&sa.row, "SA.SAAR"), "/", v(&sa.row, "SA.SEKNR")]);
        let tittel = v(&sa.row, "SA.TITTEL");
        x.field("tittel", if tittel.is_empty() { "(uten tittel)" } else { tittel });
        field_nonempty(x, "offentligTittel", v(&sa.row, "SA.OFFTITTEL"));
        x.field("dokumentmedium", medium(v(&sa.row, "SA.PAPIR")));
        let saksdato = self.date(sa, t, "SA.DATO");
        let ansvarlig = self.person(v(&sa.row, "SA.ANSVID"));
        x.field_of("opprettetDato", &[&saksdato, MIDNIGHT]);
        x.field("opprettetAv", ansvarlig);
        // avsluttetDato is the last journaldato (or the fallback date where there is none).
        let mut last = saksdato.clone();
        for jp in &jps {
            let d = dates::parse(v(&jp.jp.row, "JP.JDATO")).date().map(|d| d.to_string());
            let d = d.unwrap_or_else(|| self.ctx.fallback_date.clone());
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
            x.field("partNavn", v(&sp.row, "SP.NAVN"));
            let rolle = v(&sp.row, "SP.ROLLE");
            x.field("partRolle", if rolle.is_empty() { "Part" } else { rolle });
            field_nonempty(x, "postadresse", v(&sp.row, "SP.ADRESSE"));
            field_nonempty(x, "postnummer", v(&sp.row, "SP.POSTNR"));
            field_nonempty(x, "poststed", v(&sp.row, "SP.POSTSTED"));
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
        x.field("saksaar", v(&sa.row, "SA.SAAR"));
        x.field("sakssekvensnummer", v(&sa.row, "SA.SEKNR"));
        x.field("saksdato", &saksdato);
        let admid = v(&sa.row, "SA.ADMID");
        let unit = self.ctx.units.get(admid).map_or(admid, String::as_str);
        x.field("administrativEnhet", if unit.is_empty() { "ukjent" } else { unit });
        x.field("saksansvarlig", ansvarlig);
        field_nonempty(x, "journalenhet", v(&sa.row, "SA.JENHET"));
        let status = self.code("saksstatus", sa, t, "SA.STATUS");
        x.field("saksstatus", &status);
        for id in sekundaer {
            x.field("referanseSekundaerKlassifikasjon", &id);
        }
        x.close("mappe");
        self.count("saksmappe").written += 1;
        Ok(())
    }

    fn merknad(&mut self, x: &mut Fragment, me: &Src) {
        x.open("merknad");
        x.field("merknadstekst", v(&me.row, "ME.TEKST"));
        field_nonempty(x, "merknadstype", v(&me.row, "ME.ITYPE"));
        let d = self.date(me, "MERKNAD", "ME.REGDATO");
        x.field_of("merknadsdato", &[&d, MIDNIGHT]);
        x.field("merknadRegistrertAv", self.person(v(&me.row, "ME.REGAV")));
        x.close("merknad");
    }

    fn journalpost(
        &mut self,
        x: &mut Fragment,
        unit: JpUnit,
        sa: Option<&Packed>,
        kassasjon: Option<&Kassasjon>,
    ) -> Result<()> {
        let JpUnit { jp, ams, dls, mes } = unit;
        let jp = &jp;
        let arkivdel_id = self.ctx.arkivdel_id.as_str();
        let t = "JOURNPOST";
        let key = v(&jp.row, "JP.ID");
        let jdato = self.date(jp, t, "JP.JDATO");
        let sbh = self.person(v(&jp.row, "JP.SBHID"));
        x.open_typed("registrering", "journalpost");
        let id = self.id(t, key)?;
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
            x.field_of("registreringsID", &[v(sa, "SA.SAAR"), "/", v(sa, "SA.SEKNR"), "-", v(&jp.row, "JP.JPOSTNR")]);
        }
        let tittel = v(&jp.row, "JP.INNHOLD");
        x.field("tittel", if tittel.is_empty() { "(uten tittel)" } else { tittel });
        field_nonempty(x, "offentligTittel", v(&jp.row, "JP.OFFINNHOLD"));
        x.field("dokumentmedium", medium(v(&jp.row, "JP.PAPIR")));
        for me in mes {
            self.merknad(x, &me);
        }
        // Avskrivninger come last in a journalpost; what they say is found with the
        // korrespondansepart they belong to.
        let mut avskrivninger = Vec::new();
        for am in ams {
            self.count("korrespondansepart").written += 1;
            x.open("korrespondansepart");
            let kind = if v(&am.row, "AM.KOPIMOT") == "1" { "K" } else { v(&am.row, "AM.IHTYPE") };
            let text = match code_text("korrespondanseparttype", kind) {
                Some(t) => t.to_string(),
                None => self.code("korrespondanseparttype", &am, "AVSMOT", "AM.IHTYPE"),
            };
            x.field("korrespondanseparttype", &text);
            let navn = v(&am.row, "AM.NAVN");
            x.field("korrespondansepartNavn", if navn.is_empty() { "(uten navn)" } else { navn });
            field_nonempty(x, "postadresse", v(&am.row, "AM.ADRESSE"));
            field_nonempty(x, "postnummer", v(&am.row, "AM.POSTNR"));
            field_nonempty(x, "poststed", v(&am.row, "AM.POSTSTED"));
            field_nonempty(x, "epostadresse", v(&am.row, "AM.EPOSTADR"));
            x.close("korrespondansepart");
            if !v(&am.row, "AM.AVSKM").is_empty() {
                let d = self.date(&am, "AVSMOT", "AM.AVSKDATO");
                let av = v(&am.row, "AM.AVSKAV");
                let av = if av.is_empty() { sbh } else { self.person(av) }.to_string();
                let m = self.code("avskrivningsmaate", &am, "AVSMOT", "AM.AVSKM");
                avskrivninger.push((d, av, m));
            }
        }
        x.field("journalaar", v(&jp.row, "JP.JAAR"));
        x.field("journalsekvensnummer", v(&jp.row, "JP.SEKNR"));
        x.field("journalpostnummer", v(&jp.row, "JP.JPOSTNR"));
        let jpt = self.code("journalposttype", jp, t, "JP.NDOKTYPE");
        x.field("journalposttype", &jpt);
        let status = self.code("journalstatus", jp, t, "JP.STATUS");
        x.field("journalstatus", &status);
        x.field("journaldato", &jdato);
        for (field, name) in
            [("JP.DOKDATO", "dokumentetsDato"), ("JP.EKSPDATO", "sendtDato"), ("JP.FORFDATO", "forfallsdato")]
        {
            if let Some(d) = dates::parse(v(&jp.row, field)).date() {
                let d = d.to_string();
                let time = if name == "sendtDato" { MIDNIGHT } else { "" };
                x.field_of(name, &[&d, time]);
            }
        }
        field_nonempty(x, "antallVedlegg", v(&jp.row, "JP.ANTVED"));
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
        dl: &Src,
        first: bool,
        jdato: &str,
        sbh: &str,
        kassasjon: Option<&Kassasjon>,
    ) -> Result<()> {
        let ctx = self.ctx;
        let dokid = v(&dl.row, "DL.DOKID");
        let Some(db) = ctx.db.get(dokid) else {
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
        let key = if first { dokid.to_string() } else { format!("{dokid}@{}", v(&dl.row, "DL.JPID")) };
        x.open("dokumentbeskrivelse");
        let id = self.id("DOKBESKRIV", &key)?;
        x.field("systemID", &id);
        let kategori = v(&db.row, "DB.KATEGORI");
        let dokumenttype =
            code_text("dokumenttype", kategori).unwrap_or(if kategori.is_empty() { "Ukjent" } else { kategori });
        x.field("dokumenttype", dokumenttype);
        let status = self.code("dokumentstatus", db, "DOKBESKRIV", "DB.STATUS");
        x.field("dokumentstatus", &status);
        let tittel = v(&db.row, "DB.TITTEL");
        x.field("tittel", if tittel.is_empty() { "(uten tittel)" } else { tittel });
        let tk =
            dates::parse(v(&dl.row, "DL.TKDATO")).date().map(|d| d.to_string()).unwrap_or_else(|| jdato.to_string());
        let av = if v(&dl.row, "DL.TKAV").is_empty() { sbh } else { self.person(v(&dl.row, "DL.TKAV")) };
        x.field_of("opprettetDato", &[&tk, MIDNIGHT]);
        x.field("opprettetAv", av);
        x.field("dokumentmedium", medium(v(&db.row, "DB.PAPIR")));
        let som = self.code("tilknyttetRegistreringSom", dl, "DOKLINK", "DL.TYPE");
        x.field("tilknyttetRegistreringSom", &som);
        x.field("dokumentnummer", v(&dl.row, "DL.RNR"));
        x.field_of("tilknyttetDato", &[&tk, MIDNIGHT]);
        x.field("tilknyttetAv", av);
        if let Some(k) = kassasjon {
            k.write(x);
        }
        for ve in ctx.ve_by_db.get(dokid).map(Vec::as_slice).unwrap_or_default() {
            self.dokumentobjekt(x, ve, &key, &tk, av)?;
        }
        x.close("dokumentbeskrivelse");
        self.count("dokumentbeskrivelse").written += 1;
        Ok(())
    }

    fn dokumentobjekt(&mut self, x: &mut Fragment, ve: &Src, db_key: &str, date: &str, av: &str) -> Result<()> {
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
            return Ok(());
        };
        // Copy below DOKUMENT/ in the output, keeping the path below the source's
        // DOKUMENT/ folder (or the extract).
        let below = match resolved.relative.split_once('/') {
            Some((first, rest)) if first.eq_ignore_ascii_case("DOKUMENT") => rest.to_string(),
            _ => resolved.relative.clone(),
        };
        let rel = format!("DOKUMENT/{below}");
        let target = self.ctx.out.join(&rel);
        if let Some(dir) = target.parent() {
            fs::create_dir_all(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
        }
        let (digest, size) = copy_hashing(&path, &target)?;
        let versjon = v(&ve.row, "VE.VERSJON");
        let variant = v(&ve.row, "VE.VARIANT");
        let key = format!("{db_key}/{versjon}/{variant}");
        x.open("dokumentobjekt");
        let id = self.id("DOKVERSJON", &key)?;
        x.field("systemID", &id);
        x.field("versjonsnummer", if versjon.is_empty() { "1" } else { versjon });
        let variantformat = self.code("variantformat", ve, "DOKVERSJON", "VE.VARIANT");
        x.field("variantformat", &variantformat);
        let fmt = v(&ve.row, "VE.DOKFORMAT");
        x.field("format", code_text("format", fmt).unwrap_or(if fmt.is_empty() { "ukjent" } else { fmt }));
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
fn medium(papir: &str) -> &'static str {
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
type Batch = Result<Vec<Src>>;

const BATCH: usize = 2048;

/// Reads `table` on a thread of its own and sends its rows (those `keep` keeps) in batches.
fn feed<'s>(
    scope: &'s std::thread::Scope<'s, '_>,
    extract: &'s Noark4,
    table: &'static str,
    keep: fn(&Packed) -> bool,
) -> Receiver<Batch> {
    let (tx, rx) = sync_channel::<Batch>(4);
    scope.spawn(move || {
        if extract.table(table).is_none() {
            return;
        }
        let result = (|| {
            let mut rows = extract.rows(table)?;
            let mut file: Arc<str> = "".into();
            let mut batch = Vec::with_capacity(BATCH);
            while let Some(row) = rows.next_packed()? {
                let current = rows.file().unwrap_or_default();
                if *file != *current {
                    file = current.into();
                }
                if keep(&row) {
                    batch.push(Src { file: file.clone(), row });
                }
                if batch.len() == BATCH
                    && tx.send(Ok(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))).is_err()
                {
                    return Ok(());
                }
            }
            if !batch.is_empty() {
                let _ = tx.send(Ok(batch));
            }
            Ok(())
        })();
        if let Err(e) = result {
            let _ = tx.send(Err(e));
        }
    });
    rx
}

/// FNV-1a, for the maps of keys the join keeps (SipHash showed in the profile).
#[derive(Default, Clone, Copy)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FnvBuild = std::hash::BuildHasherDefault<Fnv>;

fn hash(key: &str) -> u64 {
    // FNV-1a: the window only steers the reading, a collision costs memory, never rows.
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// A key as 128 bits: FNV-1a and a second, differently mixed 64-bit hash. Two keys of
/// one table share it with a chance of about n²/2¹²⁹ (10⁻²⁶ for a million keys), so
/// keeping the keys themselves (millions of small allocations) buys nothing.
fn key128(key: &str) -> u128 {
    let second = key
        .bytes()
        .fold(0x9E37_79B9_7F4A_7C15u64, |h, b| (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(0xff51_afd7_ed55_8ccd));
    (u128::from(hash(key)) << 64) | u128::from(second)
}

/// The rows of one table grouped by their parent key (`field`), taken parent by parent.
///
/// Streaming, the rows are read as the parents are asked for: the rows of the parent
/// asked for are taken while they come; a row of a parent in `window` (the parents about
/// to be asked for) stops the reading; any other row is set aside until its parent is
/// asked for. A row whose parent was already asked for means the table is not in parent
/// order: [`Grouped::out_of_order`]. In memory, all rows are read first.
struct Grouped {
    field: &'static str,
    rx: Receiver<Batch>,
    batch: std::vec::IntoIter<Src>,
    peeked: Option<Src>,
    parked: HashMap<String, Vec<Src>, FnvBuild>,
    /// Parent keys asked for so far, as 128-bit digests (see [`key128`]).
    taken: HashSet<u128, FnvBuild>,
    streaming: bool,
    out_of_order: bool,
    read: u64,
}

impl Grouped {
    fn new(field: &'static str, rx: Receiver<Batch>, streaming: bool) -> Result<Grouped> {
        let mut g = Grouped {
            field,
            rx,
            batch: Vec::new().into_iter(),
            peeked: None,
            parked: HashMap::default(),
            taken: HashSet::default(),
            streaming: true,
            out_of_order: false,
            read: 0,
        };
        if !streaming {
            while let Some(src) = g.next()? {
                g.park(src);
            }
            g.streaming = false;
        }
        Ok(g)
    }

    fn next(&mut self) -> Result<Option<Src>> {
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

    fn park(&mut self, src: Src) {
        let key = v(&src.row, self.field);
        if self.streaming && self.taken.contains(&key128(key)) {
            self.out_of_order = true;
        }
        match self.parked.get_mut(key) {
            Some(list) => list.push(src),
            None => {
                let key = key.to_string();
                self.parked.insert(key, vec![src]);
            }
        }
    }

    /// The rows of parent `key`, in file order (none the second time it is asked for).
    fn take(&mut self, key: &str, window: &HashSet<u64, FnvBuild>) -> Result<Vec<Src>> {
        if !self.taken.insert(key128(key)) {
            return Ok(Vec::new());
        }
        let mut out = self.parked.remove(key).unwrap_or_default();
        if !self.streaming {
            return Ok(out);
        }
        while let Some(src) = self.next()? {
            let k = v(&src.row, self.field);
            if k == key {
                out.push(src);
            } else if window.contains(&hash(k)) && !self.taken.contains(&key128(k)) {
                self.peeked = Some(src);
                break;
            } else {
                self.park(src);
            }
        }
        Ok(out)
    }

    /// Every row not taken, by parent key (sorted), in file order within each.
    fn rest(&mut self) -> Result<Vec<(String, Vec<Src>)>> {
        while let Some(src) = self.next()? {
            self.park(src);
        }
        let mut rest: Vec<(String, Vec<Src>)> = self.parked.drain().collect();
        rest.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(rest)
    }
}

fn window<'r>(keys: impl Iterator<Item = &'r str>) -> HashSet<u64, FnvBuild> {
    keys.map(hash).collect()
}

fn keep_all(_: &Packed) -> bool {
    true
}

fn me_of_sak(row: &Packed) -> bool {
    v(row, "ME.JPID").is_empty()
}

fn me_of_jp(row: &Packed) -> bool {
    !v(row, "ME.JPID").is_empty()
}

fn rnr(l: &Src) -> u64 {
    v(&l.row, "DL.RNR").parse::<u64>().unwrap_or(u64::MAX)
}

/// The klasse a sak goes under (its KLASSERING row with the lowest KL.SORT, or the
/// first), and the systemIDs of its other klasser. Values that ORDNVERDI lacks get a
/// klasse of their own (reported once); a sak without KLASSERING goes under "Uten
/// klassering" (reported).
fn classify(
    klasser: &mut Klasser,
    mut rows: Vec<Src>,
    sa: &Src,
    report: &mut Conversion,
    source: &str,
) -> (usize, Vec<String>) {
    if rows.is_empty() {
        report.findings.push(
            Finding::new(
                Severity::Warning,
                "N4.UNCLASSIFIED",
                sa.file.to_string(),
                "no KLASSERING row for this sak; the saksmappe is put under the klasse \"Uten klassering\"",
            )
            .at(sa.row.pos)
            .in_table("NOARKSAK")
            .with_key(sa.row.key()),
        );
        return (klasser.unclassified(), Vec::new());
    }
    rows.sort_by_key(|r| v(&r.row, "KL.SORT").parse::<u64>().unwrap_or(u64::MAX));
    let mut primary = 0;
    let mut sekundaer = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let (op, ov) = (v(&r.row, "KL.ORDNPRI"), v(&r.row, "KL.ORDNVER"));
        let (k, new) = klasser.klasse(op, ov, "");
        if new {
            report.findings.push(
                Finding::new(
                    Severity::Warning,
                    "N4.KLASSE",
                    r.file.to_string(),
                    format!("KL.ORDNVER {ov:?} of KL.ORDNPRI {op:?} is in no ORDNVERDI row; a klasse is made with the value as its title"),
                )
                .at(r.row.pos)
                .in_table("KLASSERING")
                .with_key(r.row.key()),
            );
        }
        if i == 0 {
            primary = k;
        } else {
            sekundaer.push(system_id(source, "ORDNVERDI", &format!("{op}/{ov}")));
        }
    }
    (primary, sekundaer)
}

/// Joined saker set aside until their klasse is written (with a classification, the
/// saksmapper go klasse by klasse, not in the order the tables give them). Each is kept
/// as its rows in a compact binary form (the values, not the XML they become: a fifth of
/// the size), in blocks per klasse in one file beside the output. Field lists and file
/// names are written once, as numbers.
struct Spill {
    path: std::path::PathBuf,
    file: File,
    at: u64,
    /// Per klasse: the bytes of units not yet written, and the blocks written.
    pending: Vec<Vec<u8>>,
    blocks: Vec<Vec<(u64, u64)>>,
    buffered: usize,
    files: Vec<Arc<str>>,
    layouts: Vec<Layout>,
    /// The interned layouts met, by address.
    layout_ids: HashMap<usize, u32, FnvBuild>,
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
        Ok(Spill {
            path: path.to_path_buf(),
            file,
            at: 0,
            pending: Vec::new(),
            blocks: Vec::new(),
            buffered: 0,
            files: Vec::new(),
            layouts: Vec::new(),
            layout_ids: HashMap::default(),
        })
    }

    fn err(&self, e: std::io::Error) -> Error {
        Error::io(self.path.display().to_string(), e)
    }

    fn push(&mut self, unit: &SakUnit) -> Result<()> {
        let k = unit.klasse;
        if self.pending.len() <= k {
            self.pending.resize_with(k + 1, Vec::new);
            self.blocks.resize_with(k + 1, Vec::new);
        }
        let mut out = std::mem::take(&mut self.pending[k]);
        let before = out.len();
        self.src(&mut out, &unit.sa);
        self.list(&mut out, &unit.sps);
        self.list(&mut out, &unit.mes);
        put_u32(&mut out, unit.sekundaer.len());
        for s in &unit.sekundaer {
            put_str(&mut out, s);
        }
        put_u32(&mut out, unit.jps.len());
        for jp in &unit.jps {
            self.src(&mut out, &jp.jp);
            self.list(&mut out, &jp.ams);
            put_u32(&mut out, jp.dls.len());
            for (dl, first) in &jp.dls {
                self.src(&mut out, dl);
                out.push(u8::from(*first));
            }
            self.list(&mut out, &jp.mes);
        }
        self.buffered += out.len() - before;
        let full = out.len() >= SPILL_BLOCK;
        self.pending[k] = out;
        if full {
            self.flush(k)?;
        }
        if self.buffered >= SPILL_HELD {
            for k in 0..self.pending.len() {
                self.flush(k)?;
            }
        }
        Ok(())
    }

    fn flush(&mut self, k: usize) -> Result<()> {
        let block = std::mem::take(&mut self.pending[k]);
        if block.is_empty() {
            return Ok(());
        }
        std::os::unix::fs::FileExt::write_all_at(&self.file, &block, self.at).map_err(|e| self.err(e))?;
        self.blocks[k].push((self.at, block.len() as u64));
        self.at += block.len() as u64;
        self.buffered -= block.len();
        // The buffer is kept for the klasse's next units.
        self.pending[k] = block;
        self.pending[k].clear();
        Ok(())
    }

    fn list(&mut self, out: &mut Vec<u8>, rows: &[Src]) {
        put_u32(out, rows.len());
        for r in rows {
            self.src(out, r);
        }
    }

    fn src(&mut self, out: &mut Vec<u8>, src: &Src) {
        let file = match self.files.iter().rposition(|f| Arc::ptr_eq(f, &src.file) || **f == *src.file) {
            Some(i) => i,
            None => {
                self.files.push(src.file.clone());
                self.files.len() - 1
            }
        };
        put_u32(out, file);
        put_u32(out, self.layout(&src.row.names) as usize);
        out.extend_from_slice(&src.row.pos.line.to_le_bytes());
        out.extend_from_slice(&src.row.pos.column.to_le_bytes());
        put_str(out, &src.row.text);
        for &end in &src.row.ends {
            out.extend_from_slice(&end.to_le_bytes());
        }
    }

    fn layout(&mut self, names: &Layout) -> u32 {
        let found = match names {
            Layout::Interned(l) => self.layout_ids.get(&(l.as_ptr() as usize)).copied(),
            Layout::Shared(_) => self.layouts.iter().position(|l| l.same(names)).map(|i| i as u32),
        };
        if let Some(id) = found {
            return id;
        }
        let id = self.layouts.len() as u32;
        if let Layout::Interned(l) = names {
            self.layout_ids.insert(l.as_ptr() as usize, id);
        }
        self.layouts.push(names.clone());
        id
    }

    /// Writes what is pending, for reading back.
    fn finish(&mut self) -> Result<()> {
        for k in 0..self.pending.len() {
            self.flush(k)?;
        }
        self.pending = Vec::new();
        Ok(())
    }

    /// The units of klasse `k`, a block at a time, in the order they were pushed.
    fn read(&self, k: usize, each: &mut dyn FnMut(SakUnit) -> Result<()>) -> Result<()> {
        let mut buf = Vec::new();
        for &(at, len) in self.blocks.get(k).map(Vec::as_slice).unwrap_or_default() {
            buf.resize(len as usize, 0);
            std::os::unix::fs::FileExt::read_exact_at(&self.file, &mut buf, at).map_err(|e| self.err(e))?;
            let mut r = Unspill { spill: self, bytes: &buf };
            while !r.bytes.is_empty() {
                let unit = r.unit(k).ok_or_else(|| self.err(std::io::Error::other("the spill file is damaged")))?;
                each(unit)?;
            }
        }
        Ok(())
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
/// [`Spill::push`] wrote.
struct Unspill<'s> {
    spill: &'s Spill,
    bytes: &'s [u8],
}

impl Unspill<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let (head, rest) = self.bytes.split_at_checked(n)?;
        self.bytes = rest;
        Some(head)
    }

    fn u32(&mut self) -> Option<usize> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize)
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn string(&mut self) -> Option<String> {
        let n = self.u32()?;
        std::str::from_utf8(self.take(n)?).ok().map(str::to_string)
    }

    fn src(&mut self) -> Option<Src> {
        let file = self.spill.files.get(self.u32()?)?.clone();
        let names = self.spill.layouts.get(self.u32()?)?.clone();
        let pos = samla_noark5::pos::Pos { line: self.u64()?, column: self.u64()? };
        let text = self.string()?.into_boxed_str();
        let ends: Box<[u32]> = (0..names.len()).map(|_| self.u32().map(|e| e as u32)).collect::<Option<_>>()?;
        if ends.iter().any(|&e| e as usize > text.len()) {
            return None;
        }
        Some(Src { file, row: Packed { pos, names, ends, text } })
    }

    fn list(&mut self) -> Option<Vec<Src>> {
        let n = self.u32()?;
        (0..n).map(|_| self.src()).collect()
    }

    fn unit(&mut self, klasse: usize) -> Option<SakUnit> {
        let sa = self.src()?;
        let sps = self.list()?;
        let mes = self.list()?;
        let n = self.u32()?;
        let sekundaer = (0..n).map(|_| self.string()).collect::<Option<_>>()?;
        let n = self.u32()?;
        let mut jps = Vec::with_capacity(n.min(1 << 16));
        for _ in 0..n {
            let jp = self.src()?;
            let ams = self.list()?;
            let n = self.u32()?;
            let mut dls = Vec::with_capacity(n.min(1 << 16));
            for _ in 0..n {
                let dl = self.src()?;
                dls.push((dl, self.take(1)?[0] == 1));
            }
            let mes = self.list()?;
            jps.push(JpUnit { jp, ams, dls, mes });
        }
        Some(SakUnit { sa, jps, sps, mes, klasse, sekundaer })
    }
}

/// Converted batches on their way to the writer: sequence number, XML, crosswalk lines
/// and what was found.
type Done = Result<(u64, Vec<u8>, Vec<u8>, Conversion)>;

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
    if let Some(done) = run(extract, out, options, true)? {
        return Ok(done);
    }
    // A table is not in parent order: again, with the rows below NOARKSAK in memory.
    fs::remove_dir_all(out).map_err(|e| Error::io(out.display().to_string(), e))?;
    let done = run(extract, out, options, false)?;
    Ok(done.expect("a conversion in memory does not depend on the order of the tables"))
}

/// One conversion; `None` if `streaming` and a table turned out not to be in parent order.
fn run(extract: &Noark4, out: &Path, options: &ConvertOptions, streaming: bool) -> Result<Option<Conversion>> {
    fs::create_dir_all(out).map_err(|e| Error::io(out.display().to_string(), e))?;
    let crosswalk = File::create(out.join("crosswalk.csv")).map_err(|e| Error::io("crosswalk.csv", e))?;
    let mut crosswalk = BufWriter::new(crosswalk);
    let cw = |e: std::io::Error| Error::io("crosswalk.csv", e);
    writeln!(crosswalk, "table;key;systemID").map_err(cw)?;
    let fallback = extract.index.export_value("EI.PRODDATO").and_then(|d| dates::parse(d).date());
    let mut ctx = Ctx {
        source: &options.source,
        out,
        root: &extract.root,
        persons: HashMap::new(),
        units: HashMap::new(),
        db: HashMap::new(),
        ve_by_db: HashMap::new(),
        fallback_date: fallback.map(|d| d.to_string()).unwrap_or_else(|| "1900-01-01".to_string()),
        arkivdel_id: String::new(),
        tgkoder: HashMap::new(),
        classified: false,
    };
    let mut pre = Conversion::default();

    load(extract, "PERNAVN", &mut |s| {
        ctx.persons.insert(v(&s.row, "PN.ID").to_string(), v(&s.row, "PN.NAVN").to_string());
    })?;
    load(extract, "TGKODE", &mut |s| {
        let betegn = v(&s.row, "TK.BETEGN");
        if !betegn.is_empty() {
            ctx.tgkoder.insert(v(&s.row, "TK.TGKODE").to_string(), betegn.to_string());
        }
    })?;
    load(extract, "ADMINDEL", &mut |s| {
        ctx.units.insert(v(&s.row, "AI.ID").to_string(), v(&s.row, "AI.ADMBET").to_string());
    })?;
    let mut duplicates = Vec::new();
    let n_db = load(extract, "DOKBESKRIV", &mut |s| {
        let key = v(&s.row, "DB.DOKID").to_string();
        match ctx.db.entry(key) {
            std::collections::hash_map::Entry::Occupied(_) => duplicates.push(s),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(s);
            }
        }
    })?;
    let n_ve = load(extract, "DOKVERSJON", &mut |s| {
        ctx.ve_by_db.entry(v(&s.row, "VE.DOKID").to_string()).or_default().push(s)
    })?;
    let mut arkiv_row = None;
    load(extract, "ARKIV", &mut |s| {
        arkiv_row.get_or_insert(s);
    })?;
    let mut arkivdel_row = None;
    load(extract, "ARKIVDEL", &mut |s| {
        arkivdel_row.get_or_insert(s);
    })?;
    let del_key =
        arkivdel_row.as_ref().map(|s| v(&s.row, "AD.ARKDEL").to_string()).unwrap_or_else(|| "ARKIVDEL".into());
    let arkiv_key = arkiv_row.as_ref().map(|s| v(&s.row, "AR.ARKIV").to_string()).unwrap_or_else(|| "ARKIV".into());
    let arkiv_id = system_id(&options.source, "ARKIV", &arkiv_key);
    ctx.arkivdel_id = system_id(&options.source, "ARKIVDEL", &del_key);
    writeln!(crosswalk, "ARKIV;{arkiv_key};{arkiv_id}").map_err(cw)?;
    writeln!(crosswalk, "ARKIVDEL;{del_key};{}", ctx.arkivdel_id).map_err(cw)?;
    let mut klasser = Klasser::default();
    load(extract, "ORDNPRINS", &mut |s| {
        let from = dates::parse(v(&s.row, "OP.FRADATO")).date().map(|d| d.to_string());
        klasser.system(v(&s.row, "OP.ORDNPRI"), v(&s.row, "OP.BETEGN"), v(&s.row, "OP.TYPE"), from);
    })?;
    load(extract, "ORDNVERDI", &mut |s| {
        klasser.klasse(v(&s.row, "OV.ORDNPRI"), v(&s.row, "OV.ORDNVER"), v(&s.row, "OV.BESKR"));
    })?;
    let kl_rows = extract.table("KLASSERING").is_some_and(|t| t.files.iter().any(|f| f.stated_rows != Some(0)));
    ctx.classified = !klasser.systems.is_empty() || kl_rows;
    let ctx = ctx;
    let mut c = Converter::new(&ctx);
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
    merge(&mut pre, std::mem::take(&mut c.report));

    let partial = out.join("arkivstruktur.xml.partial");
    let file = File::create(&partial).map_err(|e| Error::io(partial.display().to_string(), e))?;
    let mut w = XmlWriter::new(BackgroundHashingWriter::new(DirectFile::new(file)));
    let io = |e: std::io::Error| Error::io("arkivstruktur.xml", e);
    let skaper = extract.index.export_value("EI.ARKSKAPER").unwrap_or("ukjent arkivskaper").to_string();
    let from = extract.index.export_value("EI.FRADATO").and_then(|d| dates::parse(d).date()).map(|d| d.to_string());
    let to = extract.index.export_value("EI.TILDATO").and_then(|d| dates::parse(d).date()).map(|d| d.to_string());
    let from = from.unwrap_or_else(|| ctx.fallback_date.clone());
    let to = to.unwrap_or_else(|| ctx.fallback_date.clone());

    let mut arkiv = Element::new("arkiv");
    arkiv.set_attr("xmlns", NS_ARKIVSTRUKTUR);
    arkiv.set_attr("xmlns:xsi", NS_XSI);
    arkiv.set_attr("xmlns:n5mdk", NS_METADATAKATALOG);
    arkiv.set_attr("xsi:schemaLocation", format!("{NS_ARKIVSTRUKTUR} arkivstruktur.xsd"));
    arkiv.push_field("systemID", arkiv_id);
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

    let mut del = Element::new("arkivdel");
    del.push_field("systemID", ctx.arkivdel_id.clone());
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

    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
    let ctx_ref = &ctx;
    let spill_path = out.join("arkivstruktur.xml.saker");
    let outcome = std::thread::scope(|scope| -> Result<Option<_>> {
        let mut jp = Grouped::new("JP.SAID", feed(scope, extract, "JOURNPOST", keep_all), streaming)?;
        let mut am = Grouped::new("AM.JPID", feed(scope, extract, "AVSMOT", keep_all), streaming)?;
        let mut dl = Grouped::new("DL.JPID", feed(scope, extract, "DOKLINK", keep_all), streaming)?;
        let mut sp = Grouped::new("SP.SAID", feed(scope, extract, "SAKSPART", keep_all), streaming)?;
        let mut me_sa = Grouped::new("ME.SAID", feed(scope, extract, "MERKNAD", me_of_sak), streaming)?;
        let mut me_jp = Grouped::new("ME.JPID", feed(scope, extract, "MERKNAD", me_of_jp), streaming)?;
        let mut kl = Grouped::new("KL.SAID", feed(scope, extract, "KLASSERING", keep_all), streaming)?;
        let mut klass_report = Conversion::default();
        let saker = feed(scope, extract, "NOARKSAK", keep_all);

        // Workers build and serialise batches of saksmapper; the writer puts them, and
        // the XML between them, in order.
        let (work_tx, work_rx) = sync_channel::<(u64, Vec<SakUnit>)>(workers * 2);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let (done_tx, done_rx) = sync_channel::<Done>(workers * 4);
        // XML buffers go back to the workers once written: fresh ones cost page faults.
        let pool: Arc<Mutex<Vec<Vec<u8>>>> = Arc::new(Mutex::new(Vec::new()));
        let pool_w = pool.clone();
        for _ in 0..workers {
            let work_rx = work_rx.clone();
            let done_tx = done_tx.clone();
            let pool = pool.clone();
            scope.spawn(move || {
                loop {
                    let next = work_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok((seq, units))) = next else { return };
                    let mut c = Converter::new(ctx_ref);
                    let result = (|| {
                        let buf = pool.lock().ok().and_then(|mut p| p.pop()).unwrap_or_default();
                        let mut xml = Fragment::new(buf, ctx_ref.mappe_depth());
                        for unit in units {
                            c.saksmappe(&mut xml, unit)?;
                        }
                        Ok((seq, xml.into_inner(), std::mem::take(&mut c.crosswalk), std::mem::take(&mut c.report)))
                    })();
                    if done_tx.send(result).is_err() {
                        return;
                    }
                }
            });
        }
        let writer = scope.spawn(move || -> Result<_> {
            let mut pending = BTreeMap::new();
            let mut next = 0u64;
            let mut report = Conversion::default();
            for done in done_rx {
                let (seq, xml, cross, found) = done?;
                pending.insert(seq, (xml, cross, found));
                while let Some((mut xml, cross, found)) = pending.remove(&next) {
                    w.get_mut().write_all(&xml).map_err(io)?;
                    xml.clear();
                    if let Ok(mut p) = pool_w.lock() {
                        p.push(xml);
                    }
                    crosswalk.write_all(&cross).map_err(cw)?;
                    merge(&mut report, found);
                    next += 1;
                }
            }
            Ok((w, crosswalk, report))
        });
        // The XML this thread writes between the workers' (klasser, the saksmappe of
        // journalposter without a sak) goes to the writer in its place in the sequence.
        let mut seq = 0u64;
        let send_xml = |seq: &mut u64, x: Fragment, c: &mut Converter| -> Result<()> {
            let done = (*seq, x.into_inner(), std::mem::take(&mut c.crosswalk), std::mem::take(&mut c.report));
            *seq += 1;
            done_tx
                .send(Ok(done))
                .map_err(|_| Error::io("arkivstruktur.xml", std::io::Error::other("the writer stopped")))
        };

        // Classified, the joined saker wait in the spill until their klasse is written.
        let mut spill = if ctx_ref.classified { Some(Spill::create(&spill_path)?) } else { None };

        // The merge join: saker two batches ahead, their journalposter one batch ahead,
        // so that each table's window holds the parents about to be asked for.
        let mut sak_batches: VecDeque<Vec<Src>> = VecDeque::new();
        let mut jp_batches: VecDeque<Vec<Vec<Src>>> = VecDeque::new();
        let mut saker_done = false;
        let mut used_db: HashSet<String, FnvBuild> = HashSet::default();
        let mut saker_read = 0u64;
        let first_link = |dl: Vec<Src>, used_db: &mut HashSet<String, FnvBuild>| -> Vec<(Src, bool)> {
            let mut dl = dl;
            dl.sort_by_key(rnr);
            dl.into_iter()
                .map(|l| {
                    let dokid = v(&l.row, "DL.DOKID");
                    let first = ctx_ref.db.contains_key(dokid) && used_db.insert(dokid.to_string());
                    (l, first)
                })
                .collect()
        };
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
                let near = window(sak_batches.iter().skip(j).take(2).flatten().map(|s| v(&s.row, "SA.ID")));
                let mut lists = Vec::with_capacity(sak_batches[j].len());
                for sa in &sak_batches[j] {
                    lists.push(jp.take(v(&sa.row, "SA.ID"), &near)?);
                }
                jp_batches.push_back(lists);
            }
            let sas = sak_batches.pop_front().expect("a batch is there");
            let jps = jp_batches.pop_front().expect("its journalposter were taken");
            let near_sa = window(sas.iter().chain(sak_batches.iter().take(1).flatten()).map(|s| v(&s.row, "SA.ID")));
            let near_jp =
                window(jps.iter().chain(jp_batches.iter().take(1).flatten()).flatten().map(|j| v(&j.row, "JP.ID")));
            let mut units = Vec::with_capacity(sas.len());
            for (sa, list) in sas.into_iter().zip(jps) {
                saker_read += 1;
                let said = v(&sa.row, "SA.ID").to_string();
                let mut jps = Vec::with_capacity(list.len());
                for j in list {
                    let jpid = v(&j.row, "JP.ID").to_string();
                    let ams = am.take(&jpid, &near_jp)?;
                    let dls = first_link(dl.take(&jpid, &near_jp)?, &mut used_db);
                    let mes = me_jp.take(&jpid, &near_jp)?;
                    jps.push(JpUnit { jp: j, ams, dls, mes });
                }
                let sps = sp.take(&said, &near_sa)?;
                let mes = me_sa.take(&said, &near_sa)?;
                let (klasse, sekundaer) = if ctx_ref.classified {
                    classify(&mut klasser, kl.take(&said, &near_sa)?, &sa, &mut klass_report, &options.source)
                } else {
                    (0, Vec::new())
                };
                units.push(SakUnit { sa, jps, sps, mes, klasse, sekundaer });
            }
            if [&jp, &am, &dl, &sp, &me_sa, &me_jp, &kl].iter().any(|g| g.out_of_order) {
                return Ok(None);
            }
            match &mut spill {
                Some(spill) => {
                    for unit in &units {
                        spill.push(unit)?;
                    }
                }
                None => {
                    if work_tx.send((seq, units)).is_err() {
                        break;
                    }
                    seq += 1;
                }
            }
        }

        // Journalposter whose sak is missing, with what is below them.
        let none = HashSet::default();
        let mut orphans = Vec::new();
        for (said, list) in jp.rest()? {
            for j in list {
                let jpid = v(&j.row, "JP.ID").to_string();
                let ams = am.take(&jpid, &none)?;
                let dls = first_link(dl.take(&jpid, &none)?, &mut used_db);
                let mes = me_jp.take(&jpid, &none)?;
                orphans.push((said.clone(), JpUnit { jp: j, ams, dls, mes }));
            }
        }
        let am_left = am.rest()?;
        let dl_left = dl.rest()?;
        sp.rest()?;
        me_sa.rest()?;
        me_jp.rest()?;
        let kl_left = kl.rest()?;
        if [&jp, &am, &dl, &sp, &me_sa, &me_jp, &kl].iter().any(|g| g.out_of_order) {
            return Ok(None);
        }
        let reads = (saker_read, jp.read, am.read);

        let mut c = Converter::new(ctx_ref);
        let orphan_mappe = !orphans.is_empty();
        // The saksmappe of the journalposter without a sak, written where it goes.
        let mut orphan_element = None;
        if orphan_mappe {
            let mut m = Fragment::new(Vec::new(), ctx_ref.mappe_depth());
            m.open_typed("mappe", "saksmappe");
            m.field("systemID", &c.id("NOARKSAK", "(uten sak)")?);
            m.field("mappeID", "0/0");
            m.field("tittel", "Journalposter uten sak");
            m.field("beskrivelse", "Journalposter der JP.SAID ikke viser til noen sak i Noark 4-uttrekket");
            m.field("dokumentmedium", "Elektronisk arkiv");
            m.field_of("opprettetDato", &[&to, MIDNIGHT]);
            m.field("opprettetAv", "samla");
            m.field_of("avsluttetDato", &[&to, MIDNIGHT]);
            m.field("avsluttetAv", "samla");
            m.field("referanseArkivdel", &ctx_ref.arkivdel_id);
            for (said, unit) in orphans {
                c.finding(
                    Severity::Error,
                    "N4.FOREIGN_KEY",
                    &unit.jp,
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
        if let Some(mut spill) = spill {
            // Klasse by klasse: its header from here, its saksmapper from the spill
            // through the workers, in batches.
            spill.finish()?;
            let orphan_klasse = orphan_element.as_ref().map(|_| klasser.unclassified());
            let (systems, defs) = (std::mem::take(&mut klasser.systems), std::mem::take(&mut klasser.klasser));
            for system in systems.iter().filter(|s| !s.klasser.is_empty()) {
                let created = system.from.as_deref().unwrap_or(&from);
                let mut x = Fragment::new(Vec::new(), 2);
                x.open("klassifikasjonssystem");
                x.field("systemID", &c.id("ORDNPRINS", &system.key)?);
                field_nonempty(&mut x, "klassifikasjonstype", &system.kind);
                x.field("tittel", &system.tittel);
                x.field_of("opprettetDato", &[created, MIDNIGHT]);
                x.field("opprettetAv", "samla");
                send_xml(&mut seq, x, &mut c)?;
                for &k in &system.klasser {
                    let def = &defs[k];
                    let mut x = Fragment::new(Vec::new(), 3);
                    x.open("klasse");
                    x.field("systemID", &c.id("ORDNVERDI", &format!("{}/{}", system.key, def.ov))?);
                    x.field("klasseID", &def.ov);
                    x.field("tittel", &def.tittel);
                    x.field_of("opprettetDato", &[created, MIDNIGHT]);
                    x.field("opprettetAv", "samla");
                    send_xml(&mut seq, x, &mut c)?;
                    let mut batch = Vec::with_capacity(BATCH);
                    let mut send = |batch: &mut Vec<SakUnit>| -> Result<()> {
                        let units = std::mem::replace(batch, Vec::with_capacity(BATCH));
                        work_tx.send((seq, units)).map_err(|_| {
                            Error::io("arkivstruktur.xml", std::io::Error::other("the workers stopped"))
                        })?;
                        seq += 1;
                        Ok(())
                    };
                    spill.read(k, &mut |unit| {
                        batch.push(unit);
                        if batch.len() == BATCH { send(&mut batch) } else { Ok(()) }
                    })?;
                    if !batch.is_empty() {
                        send(&mut batch)?;
                    }
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
        let (w, crosswalk, report) = writer.join().expect("the writer does not panic")?;
        merge(&mut klass_report, report);
        merge(&mut klass_report, std::mem::take(&mut c.report));
        let leftovers = (am_left, dl_left, used_db, c.crosswalk);
        Ok(Some((w, crosswalk, klass_report, orphan_mappe, leftovers, reads)))
    })?;
    let Some((w, mut crosswalk, report, orphan_mappe, (am_left, dl_left, used_db, cross_rest), reads)) = outcome else {
        return Ok(None);
    };
    let mut c = Converter::new(&ctx);
    c.report = pre;
    c.crosswalk = cross_rest;
    if reads.0 > 0 {
        c.count("saksmappe").read = reads.0;
    }
    c.count("journalpost").read = reads.1;
    c.count("korrespondansepart").read = reads.2;
    merge(&mut c.report, report);
    // Rows below a journalpost or document that never came: reported, not written.
    for am in am_left.into_iter().flat_map(|(_, v)| v) {
        c.count("korrespondansepart").rejected += 1;
        c.finding(Severity::Error, "N4.FOREIGN_KEY", &am, "AVSMOT", "AM.JPID matches no JP.ID; not converted".into());
    }
    for dl in dl_left.into_iter().flat_map(|(_, v)| v) {
        c.finding(Severity::Error, "N4.FOREIGN_KEY", &dl, "DOKLINK", "DL.JPID matches no JP.ID; not converted".into());
    }
    let mut unlinked: Vec<&String> = ctx.db.keys().filter(|k| !used_db.contains(*k)).collect();
    unlinked.sort();
    for k in unlinked {
        let db = &ctx.db[k];
        c.count("dokumentbeskrivelse").rejected += 1;
        c.finding(
            Severity::Error,
            "N4.UNLINKED",
            db,
            "DOKBESKRIV",
            "no DOKLINK row links this document; not converted".into(),
        );
        let versions = ctx.ve_by_db.get(k).map_or(0, Vec::len);
        c.count("dokumentobjekt").rejected += versions as u64;
    }
    let mut ve_left: Vec<(&String, &Vec<Src>)> =
        ctx.ve_by_db.iter().filter(|(k, _)| !used_db.contains(*k) && !ctx.db.contains_key(*k)).collect();
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
    crosswalk.flush().map_err(cw)?;

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
