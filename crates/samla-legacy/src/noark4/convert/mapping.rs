//! The field mapping: Noark 4 rows → Noark 5 fields, written as XML fragments. It follows
//! the "Noark 4" column of the Noark 5 standard's object-sorted metadata catalogue:
//! NOARKSAK → saksmappe, JOURNPOST → journalpost, DOKLINK + DOKBESKRIV →
//! dokumentbeskrivelse, DOKVERSJON → dokumentobjekt, AVSMOT → korrespondansepart and
//! avskrivning, SAKSPART → part, MERKNAD → merknad, TGKODE/UOFF/AGDATO → skjerming,
//! KASSKODE/BEVTID/KASSDATO → kassasjon; codes become the texts Noark 5 requires
//! ([`code_text`]).

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use samla_noark5::writer::Fragment;
use samla_noark5::{Error, Result};
use sha2::{Digest, Sha256};

use super::super::Severity;
use super::super::dates;
use super::super::ids::system_id;
use super::super::paths::DocumentResolver;
use super::super::table::Packed;
use super::setup::{Loaded, Setup};
use super::shared::{
    Conversion, Count, DigestBuildHasher, JoinedJournalpost, JoinedSak, SourceRow, key_digest, row_finding, value,
};

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

/// Writes the Noark 5 XML of joined rows, counting what it reads and writes and
/// reporting what it finds.
pub(super) struct Converter<'a> {
    setup: &'a Setup<'a>,
    /// What was counted and found since it was last taken.
    pub(super) report: Conversion,
    /// The crosswalk's lines for the systemIDs minted since it was last taken.
    pub(super) crosswalk: Vec<u8>,
    resolver: DocumentResolver,
}

impl<'a> Converter<'a> {
    pub(super) fn new(setup: &'a Setup<'a>) -> Converter<'a> {
        Converter {
            setup,
            report: Conversion::default(),
            crosswalk: Vec::new(),
            resolver: DocumentResolver::new(setup.root),
        }
    }

    pub(super) fn count(&mut self, entity: &'static str) -> &mut Count {
        self.report.counts.entry(entity).or_default()
    }

    pub(super) fn finding(
        &mut self,
        severity: Severity,
        code: &'static str,
        src: &SourceRow,
        table: &str,
        message: String,
    ) {
        self.report.findings.push(row_finding(&self.setup.files, severity, code, src, table, message));
    }

    /// The systemID of row `key` of `table`, with its line in the crosswalk.
    pub(super) fn mint_id(&mut self, table: &str, key: &str) -> String {
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
                let finding = row_finding(&self.setup.files, Severity::Error, "N4.UNKNOWN_CODE", src, table, message);
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

    pub(super) fn saksmappe(&mut self, x: &mut Fragment, unit: JoinedSak) -> Result<()> {
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
        let avskrivninger: Vec<Avskrivning> = ams.iter().filter_map(|am| self.korrespondansepart(x, am, sbh)).collect();
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
        for avskrivning in avskrivninger {
            avskrivning.write(x);
        }
        x.close("registrering");
        self.count("journalpost").written += 1;
        Ok(())
    }

    /// The korrespondansepart of an AVSMOT row, and its avskrivning if it has an
    /// AM.AVSKM (made by `sbh`, the journalpost's saksbehandler, without AM.AVSKAV).
    fn korrespondansepart(&mut self, x: &mut Fragment, am: &SourceRow, sbh: &str) -> Option<Avskrivning> {
        self.count("korrespondansepart").written += 1;
        x.open("korrespondansepart");
        let kind = if value(&am.row, "AM.KOPIMOT") == "1" { "K" } else { value(&am.row, "AM.IHTYPE") };
        let text = match code_text("korrespondanseparttype", kind) {
            Some(t) => t.to_string(),
            None => self.code("korrespondanseparttype", am, "AVSMOT", "AM.IHTYPE"),
        };
        x.field("korrespondanseparttype", &text);
        let navn = value(&am.row, "AM.NAVN");
        x.field("korrespondansepartNavn", if navn.is_empty() { "(uten navn)" } else { navn });
        field_nonempty(x, "postadresse", value(&am.row, "AM.ADRESSE"));
        field_nonempty(x, "postnummer", value(&am.row, "AM.POSTNR"));
        field_nonempty(x, "poststed", value(&am.row, "AM.POSTSTED"));
        field_nonempty(x, "epostadresse", value(&am.row, "AM.EPOSTADR"));
        x.close("korrespondansepart");
        if value(&am.row, "AM.AVSKM").is_empty() {
            return None;
        }
        let dato = self.date(am, "AVSMOT", "AM.AVSKDATO");
        let av = value(&am.row, "AM.AVSKAV");
        let av = if av.is_empty() { sbh } else { self.person(av) }.to_string();
        let maate = self.code("avskrivningsmaate", am, "AVSMOT", "AM.AVSKM");
        Some(Avskrivning { dato, av, maate })
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

/// What is converted apart from the saker: the rows that have no parent, and the counts
/// of the tables held in memory.
impl Converter<'_> {
    /// The counts of DOKBESKRIV and DOKVERSJON, and the DOKBESKRIV rows whose DB.DOKID
    /// came before (reported, not converted).
    pub(super) fn report_loaded(&mut self, loaded: Loaded) {
        self.count("dokumentbeskrivelse").read = loaded.dokbeskriv_read;
        self.count("dokumentobjekt").read = loaded.dokversjon_read;
        for d in loaded.duplicates {
            self.count("dokumentbeskrivelse").rejected += 1;
            self.finding(
                Severity::Error,
                "N4.DUPLICATE_KEY",
                &d,
                "DOKBESKRIV",
                "DB.DOKID occurs twice; the first row is converted, this one is not".into(),
            );
        }
    }

    /// The saksmappe "Journalposter uten sak", holding the journalposter whose JP.SAID
    /// is no SA.ID (each reported), dated `to`, the end of the extract's period; `None`
    /// if there are none.
    pub(super) fn orphan_saksmappe(
        &mut self,
        orphans: Vec<(String, JoinedJournalpost)>,
        to: &str,
    ) -> Result<Option<Fragment>> {
        if orphans.is_empty() {
            return Ok(None);
        }
        let mut m = Fragment::new(Vec::new(), self.setup.mappe_depth());
        m.open_typed("mappe", "saksmappe");
        m.field("systemID", &self.mint_id("NOARKSAK", "(uten sak)"));
        m.field("mappeID", "0/0");
        m.field("tittel", "Journalposter uten sak");
        m.field("beskrivelse", "Journalposter der JP.SAID ikke viser til noen sak i Noark 4-uttrekket");
        m.field("dokumentmedium", "Elektronisk arkiv");
        m.field_of("opprettetDato", &[to, MIDNIGHT]);
        m.field("opprettetAv", "samla");
        m.field_of("avsluttetDato", &[to, MIDNIGHT]);
        m.field("avsluttetAv", "samla");
        m.field("referanseArkivdel", &self.setup.arkivdel_id);
        for (said, unit) in orphans {
            self.finding(
                Severity::Error,
                "N4.FOREIGN_KEY",
                &unit.journalpost,
                "JOURNPOST",
                format!("JP.SAID {said} matches no SA.ID; the journalpost is put in the saksmappe \"Journalposter uten sak\""),
            );
            self.journalpost(&mut m, unit, None, None)?;
        }
        m.field("saksaar", "0");
        m.field("sakssekvensnummer", "0");
        m.field("saksdato", to);
        m.field("administrativEnhet", "ukjent");
        m.field("saksansvarlig", "samla");
        m.field("saksstatus", "Avsluttet");
        m.close("mappe");
        Ok(Some(m))
    }

    /// KLASSERING rows whose sak never came: reported, not converted.
    pub(super) fn report_klassering_left(&mut self, left: Vec<(String, Vec<SourceRow>)>) {
        for kl in left.into_iter().flat_map(|(_, rows)| rows) {
            self.finding(
                Severity::Error,
                "N4.FOREIGN_KEY",
                &kl,
                "KLASSERING",
                "KL.SAID matches no SA.ID; not converted".into(),
            );
        }
    }

    /// Rows below a journalpost or document that never came (AVSMOT, DOKLINK), documents
    /// no link reached (`linked` holds the digests of those linked) and versions of no
    /// document: reported, not written.
    pub(super) fn report_rows_left(
        &mut self,
        avsmot: Vec<(String, Vec<SourceRow>)>,
        doklink: Vec<(String, Vec<SourceRow>)>,
        linked: &HashSet<u128, DigestBuildHasher>,
    ) {
        let setup = self.setup;
        for am in avsmot.into_iter().flat_map(|(_, rows)| rows) {
            self.count("korrespondansepart").rejected += 1;
            let message = "AM.JPID matches no JP.ID; not converted".into();
            self.finding(Severity::Error, "N4.FOREIGN_KEY", &am, "AVSMOT", message);
        }
        for dl in doklink.into_iter().flat_map(|(_, rows)| rows) {
            let message = "DL.JPID matches no JP.ID; not converted".into();
            self.finding(Severity::Error, "N4.FOREIGN_KEY", &dl, "DOKLINK", message);
        }
        let mut unlinked: Vec<&String> = setup.dokbeskriv.keys().filter(|k| !linked.contains(&key_digest(k))).collect();
        unlinked.sort();
        for k in unlinked {
            self.count("dokumentbeskrivelse").rejected += 1;
            self.finding(
                Severity::Error,
                "N4.UNLINKED",
                &setup.dokbeskriv[k],
                "DOKBESKRIV",
                "no DOKLINK row links this document; not converted".into(),
            );
            let versions = setup.dokversjon_by_dokid.get(k).map_or(0, Vec::len);
            self.count("dokumentobjekt").rejected += versions as u64;
        }
        let mut versions_left: Vec<(&String, &Vec<SourceRow>)> = setup
            .dokversjon_by_dokid
            .iter()
            .filter(|(k, _)| !linked.contains(&key_digest(k)) && !setup.dokbeskriv.contains_key(*k))
            .collect();
        versions_left.sort_by(|a, b| a.0.cmp(b.0));
        for ve in versions_left.into_iter().flat_map(|(_, rows)| rows) {
            self.count("dokumentobjekt").rejected += 1;
            self.finding(
                Severity::Error,
                "N4.FOREIGN_KEY",
                ve,
                "DOKVERSJON",
                "VE.DOKID matches no DB.DOKID; not converted".into(),
            );
        }
    }
}

/// An avskrivning, written after the journalpost's other fields.
struct Avskrivning {
    dato: String,
    av: String,
    maate: String,
}

impl Avskrivning {
    fn write(&self, x: &mut Fragment) {
        x.open("avskrivning");
        x.field("avskrivningsdato", &self.dato);
        x.field("avskrevetAv", &self.av);
        x.field("avskrivningsmaate", &self.maate);
        x.close("avskrivning");
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
pub(super) const MIDNIGHT: &str = "T00:00:00";

/// The dokumentmedium of a PAPIR flag.
fn dokumentmedium(papir: &str) -> &'static str {
    if papir == "1" { "Fysisk arkiv" } else { "Elektronisk arkiv" }
}

/// Field `name`, trimmed, unless `value` is blank.
pub(super) fn field_nonempty(x: &mut Fragment, name: &str, value: &str) {
    if !value.trim().is_empty() {
        x.field(name, value.trim());
    }
}

/// Copies `from` to `to`; the SHA-256 (hex) and size of what was copied.
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
