//! The field mapping on golden rows: Noark 4 rows built the way the conversion carries
//! them (packed, empty values left out), converted, and compared with the Noark 5 XML
//! worked out by hand from the mapping's rules. The systemIDs are UUIDv5 of
//! ("golden", table, key) in samla's namespace, worked out apart from the code (Python's
//! `uuid.uuid5`); the document's SHA-256 likewise.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use samla_noark5::element::Name;
use samla_noark5::pos::Pos;
use samla_noark5::writer::Fragment;

use super::super::Severity;
use super::super::table::{Field, Packed, Row};
use super::mapping::{Converter, code_text};
use super::setup::Setup;
use super::shared::{Conversion, FileNames, JoinedJournalpost, JoinedSak, SourceRow};

/// The table files the rows come from, by number.
const NOARKSAK: u32 = 0;
const JOURNPOST: u32 = 1;
const AVSMOT: u32 = 2;
const DOKLINK: u32 = 3;
const DOKBESKRIV: u32 = 4;
const DOKVERSJON: u32 = 5;
const SAKSPART: u32 = 6;
const MERKNAD: u32 = 7;
const FILES: [&str; 8] = [
    "NOARKSAK.XML",
    "JOURNPST.XML",
    "AVSMOT.XML",
    "DOKLINK.XML",
    "DOKBESK.XML",
    "DOKVERS.XML",
    "SAKPART.XML",
    "MERKNAD.XML",
];

/// A row of file `file`, starting on line `line`.
fn row(file: u32, line: u64, fields: &[(&str, &str)]) -> SourceRow {
    let pos = Pos { line, column: 1 };
    let fields =
        fields.iter().map(|&(name, value)| Field { name: Name::from(name), value: value.into(), pos }).collect();
    SourceRow { file, own: 0, parent: 0, row: Packed::new(Row { name: Name::from("ROW"), pos, fields }) }
}

/// The setup of a source called "golden", unclassified (saksmapper straight under the
/// arkivdel, at depth 2), its extract in `root`, written to `out`.
fn setup<'a>(root: &'a Path, out: &'a Path) -> Setup<'a> {
    let map = |pairs: &[(&str, &str)]| pairs.iter().map(|&(k, v)| (k.to_string(), v.to_string())).collect();
    Setup {
        source: "golden",
        out,
        root,
        persons: map(&[("PB", "Per Berg"), ("KH", "Kari Hansen")]),
        admin_units: map(&[("TEK", "Teknisk etat")]),
        dokbeskriv: HashMap::new(),
        dokversjon_by_dokid: HashMap::new(),
        fallback_date: "2009-01-31".into(),
        arkivdel_id: "arkivdel-1".into(),
        tgkoder: map(&[("P", "Personalopplysninger")]),
        classified: false,
        files: FileNames::of(&FILES),
    }
}

fn sak(row: SourceRow) -> JoinedSak {
    JoinedSak {
        sak: row,
        journalposter: Vec::new(),
        sakspart: Vec::new(),
        merknader: Vec::new(),
        klasse: 0,
        sekundaer: Vec::new(),
    }
}

fn journalpost(row: SourceRow) -> JoinedJournalpost {
    JoinedJournalpost { journalpost: row, avsmot: Vec::new(), doklinks: Vec::new(), merknader: Vec::new() }
}

/// The saksmappe of `sak`: its XML, what was counted and found, its crosswalk lines.
fn saksmappe(setup: &Setup, sak: JoinedSak) -> (String, Conversion, String) {
    let mut c = Converter::new(setup);
    let mut x = Fragment::new(Vec::new(), setup.mappe_depth());
    c.saksmappe(&mut x, sak).expect("the saksmappe is written");
    let xml = String::from_utf8(x.into_inner()).expect("UTF-8");
    (xml, std::mem::take(&mut c.report), String::from_utf8(std::mem::take(&mut c.crosswalk)).expect("UTF-8"))
}

/// A golden string written from its second line, so that its lines stand in the test
/// as they stand in the file.
fn golden(text: &str) -> &str {
    text.strip_prefix('\n').expect("a golden string starts on its own line")
}

/// Per entity: read, written, rejected.
fn counts(report: &Conversion) -> Vec<(&'static str, u64, u64, u64)> {
    report.counts.iter().map(|(&entity, n)| (entity, n.read, n.written, n.rejected)).collect()
}

/// Per finding: severity, code, file, line, table, row key, message.
fn findings(report: &Conversion) -> Vec<(Severity, &str, &str, u64, &str, &str, &str)> {
    report
        .findings
        .iter()
        .map(|f| {
            let line = f.pos.map_or(0, |p| p.line);
            let (table, key) = (f.element.as_deref().unwrap_or(""), f.key.as_deref().unwrap_or(""));
            (f.severity, f.code, f.file.as_str(), line, table, key, f.message.as_str())
        })
        .collect()
}

#[test]
fn code_tables_give_the_noark5_texts() {
    assert_eq!(code_text("journalposttype", "I"), Some("Inngående dokument"));
    assert_eq!(code_text("journalposttype", " U "), Some("Utgående dokument"));
    assert_eq!(code_text("journalstatus", "J"), Some("Journalført"));
    assert_eq!(code_text("saksstatus", "B"), Some("Under behandling"));
    assert_eq!(code_text("korrespondanseparttype", "0"), Some("Avsender"));
    assert_eq!(code_text("avskrivningsmaate", "TLF"), Some("Besvart på telefon"));
    assert_eq!(code_text("kassasjonsvedtak", "V"), Some("Vurderes senere"));
    assert_eq!(code_text("format", "RA-PDF"), Some("fmt/95"));
    // Outside the tables: another list's code, a code no list has, case that differs.
    assert_eq!(code_text("journalposttype", "B"), None);
    assert_eq!(code_text("journalposttype", "Q"), None);
    assert_eq!(code_text("journalposttype", "i"), None);
}

/// The saksmappe of sak 101, worked out by hand.
const SAKSMAPPE_101: &str = r#"
    <mappe xsi:type="saksmappe">
      <systemID>0ceefcc6-d01c-546b-a06d-c626675251b3</systemID>
      <mappeID>2005/12</mappeID>
      <tittel>Byggesak Storgata 1 – tilbygg &amp; garasje</tittel>
      <offentligTittel>Byggesak Storgata 1</offentligTittel>
      <dokumentmedium>Fysisk arkiv</dokumentmedium>
      <opprettetDato>2005-03-01T00:00:00</opprettetDato>
      <opprettetAv>Per Berg</opprettetAv>
      <avsluttetDato>2005-03-01T00:00:00</avsluttetDato>
      <avsluttetAv>Per Berg</avsluttetAv>
      <referanseArkivdel>arkivdel-1</referanseArkivdel>
      <part>
        <partNavn>Ola Nordmann</partNavn>
        <partRolle>Part</partRolle>
        <postadresse>Storgata 1</postadresse>
        <postnummer>1400</postnummer>
        <poststed>Ski</poststed>
      </part>
      <merknad>
        <merknadstekst>Nabovarsel sendt</merknadstekst>
        <merknadsdato>2005-03-10T00:00:00</merknadsdato>
        <merknadRegistrertAv>Kari Hansen</merknadRegistrertAv>
      </merknad>
      <kassasjon>
        <kassasjonsvedtak>Kasseres</kassasjonsvedtak>
        <bevaringstid>10</bevaringstid>
        <kassasjonsdato>2015-03-01</kassasjonsdato>
      </kassasjon>
      <skjerming>
        <tilgangsrestriksjon>Unntatt offentlighet</tilgangsrestriksjon>
        <skjermingshjemmel>Offl § 13</skjermingshjemmel>
        <skjermingMetadata>tittel</skjermingMetadata>
        <skjermingOpphoererDato>2035-01-01</skjermingOpphoererDato>
      </skjerming>
      <saksaar>2005</saksaar>
      <sakssekvensnummer>12</sakssekvensnummer>
      <saksdato>2005-03-01</saksdato>
      <administrativEnhet>Teknisk etat</administrativEnhet>
      <saksansvarlig>Per Berg</saksansvarlig>
      <journalenhet>SENTRAL</journalenhet>
      <saksstatus>Under behandling</saksstatus>
      <referanseSekundaerKlassifikasjon>klasse-2</referanseSekundaerKlassifikasjon>
    </mappe>
"#;

/// NOARKSAK → saksmappe, with SAKSPART → part, MERKNAD → merknad, KASSKODE/BEVTID →
/// kassasjon (kassasjonsdato: avsluttetDato plus BEVTID years), TGKODE/UOFF/AGDATO →
/// skjerming (UO from the code table, the source having no text of its own for it).
#[test]
fn noarksak_becomes_a_saksmappe() {
    let dir = tempfile::tempdir().unwrap();
    let setup = setup(dir.path(), dir.path());
    let mut unit = sak(row(
        NOARKSAK,
        3,
        &[
            ("SA.ID", "101"),
            ("SA.SAAR", "2005"),
            ("SA.SEKNR", "12"),
            ("SA.DATO", "20050301"),
            ("SA.TITTEL", "Byggesak Storgata 1 – tilbygg & garasje"),
            ("SA.OFFTITTEL", "Byggesak Storgata 1"),
            ("SA.PAPIR", "1"),
            ("SA.ANSVID", "PB"),
            ("SA.ADMID", "TEK"),
            ("SA.JENHET", "SENTRAL"),
            ("SA.STATUS", "B"),
            ("SA.KASSKODE", "K"),
            ("SA.BEVTID", "10"),
            ("SA.TGKODE", "UO"),
            ("SA.UOFF", "Offl § 13"),
            ("SA.AGDATO", "20350101"),
        ],
    ));
    unit.sakspart.push(row(
        SAKSPART,
        3,
        &[
            ("SP.ID", "1"),
            ("SP.SAID", "101"),
            ("SP.NAVN", "Ola Nordmann"),
            ("SP.ROLLE", ""),
            ("SP.ADRESSE", "Storgata 1"),
            ("SP.POSTNR", "1400"),
            ("SP.POSTSTED", "Ski"),
        ],
    ));
    unit.merknader.push(row(
        MERKNAD,
        3,
        &[
            ("ME.ID", "1"),
            ("ME.SAID", "101"),
            ("ME.TEKST", "Nabovarsel sendt"),
            ("ME.REGDATO", "20050310"),
            ("ME.REGAV", "KH"),
        ],
    ));
    unit.sekundaer.push("klasse-2".into());

    let (xml, report, crosswalk) = saksmappe(&setup, unit);
    assert_eq!(xml, golden(SAKSMAPPE_101));
    assert_eq!(crosswalk, "NOARKSAK;101;0ceefcc6-d01c-546b-a06d-c626675251b3\n");
    assert_eq!(counts(&report), [("kassasjon", 1, 1, 0), ("saksmappe", 0, 1, 0), ("skjerming", 1, 1, 0)]);
    assert_eq!(findings(&report), []);
}

/// The saksmappe of sak 201, worked out by hand: the kassasjon in every unit, the
/// dokumentbeskrivelse and its dokumentobjekt before registreringsID, the avskrivning last.
const SAKSMAPPE_201: &str = r#"
    <mappe xsi:type="saksmappe">
      <systemID>ea56503f-6fc0-58cc-bee3-6c75cb286d5b</systemID>
      <mappeID>2006/7</mappeID>
      <tittel>Søknad om skjenkebevilling</tittel>
      <dokumentmedium>Elektronisk arkiv</dokumentmedium>
      <opprettetDato>2006-01-05T00:00:00</opprettetDato>
      <opprettetAv>Kari Hansen</opprettetAv>
      <avsluttetDato>2006-01-10T00:00:00</avsluttetDato>
      <avsluttetAv>Kari Hansen</avsluttetAv>
      <referanseArkivdel>arkivdel-1</referanseArkivdel>
      <kassasjon>
        <kassasjonsvedtak>Vurderes senere</kassasjonsvedtak>
        <bevaringstid>5</bevaringstid>
        <kassasjonsdato>2011-01-10</kassasjonsdato>
      </kassasjon>
      <registrering xsi:type="journalpost">
        <systemID>aff3fb67-4baf-5b93-96e0-bab5d54d792e</systemID>
        <opprettetDato>2006-01-10T00:00:00</opprettetDato>
        <opprettetAv>Kari Hansen</opprettetAv>
        <arkivertDato>2006-01-10T00:00:00</arkivertDato>
        <arkivertAv>Kari Hansen</arkivertAv>
        <referanseArkivdel>arkivdel-1</referanseArkivdel>
        <kassasjon>
          <kassasjonsvedtak>Vurderes senere</kassasjonsvedtak>
          <bevaringstid>5</bevaringstid>
          <kassasjonsdato>2011-01-10</kassasjonsdato>
        </kassasjon>
        <skjerming>
          <tilgangsrestriksjon>Personalopplysninger</tilgangsrestriksjon>
          <skjermingshjemmel>Offl § 13 jf. fvl § 13</skjermingshjemmel>
          <skjermingMetadata>tittel</skjermingMetadata>
        </skjerming>
        <dokumentbeskrivelse>
          <systemID>7fccf0dc-3f4f-5fc8-b10d-66fb663e38a2</systemID>
          <dokumenttype>Brev</dokumenttype>
          <dokumentstatus>Dokumentet er ferdigstilt</dokumentstatus>
          <tittel>Søknad</tittel>
          <opprettetDato>2006-01-11T00:00:00</opprettetDato>
          <opprettetAv>Per Berg</opprettetAv>
          <dokumentmedium>Elektronisk arkiv</dokumentmedium>
          <tilknyttetRegistreringSom>Hoveddokument</tilknyttetRegistreringSom>
          <dokumentnummer>1</dokumentnummer>
          <tilknyttetDato>2006-01-11T00:00:00</tilknyttetDato>
          <tilknyttetAv>Per Berg</tilknyttetAv>
          <kassasjon>
            <kassasjonsvedtak>Vurderes senere</kassasjonsvedtak>
            <bevaringstid>5</bevaringstid>
            <kassasjonsdato>2011-01-10</kassasjonsdato>
          </kassasjon>
          <dokumentobjekt>
            <systemID>795fe73b-abff-59bc-92d8-b728117b4f38</systemID>
            <versjonsnummer>1</versjonsnummer>
            <variantformat>Arkivformat</variantformat>
            <format>pdf</format>
            <formatDetaljer>fmt/95</formatDetaljer>
            <opprettetDato>2006-01-11T00:00:00</opprettetDato>
            <opprettetAv>Per Berg</opprettetAv>
            <referanseDokumentfil>DOKUMENT/2006/5001.PDF</referanseDokumentfil>
            <sjekksum>9250efe8f3a17a291092b68ae4daa3e4267a4f1cfbaa04c9c039963df8d96c89</sjekksum>
            <sjekksumAlgoritme>SHA256</sjekksumAlgoritme>
            <filstoerrelse>18</filstoerrelse>
          </dokumentobjekt>
        </dokumentbeskrivelse>
        <registreringsID>2006/7-1</registreringsID>
        <tittel>Søknad om skjenkebevilling, Kafé Nord</tittel>
        <dokumentmedium>Elektronisk arkiv</dokumentmedium>
        <korrespondansepart>
          <korrespondanseparttype>Avsender</korrespondanseparttype>
          <korrespondansepartNavn>Kafé Nord AS</korrespondansepartNavn>
          <postadresse>Torget 2</postadresse>
          <postnummer>1400</postnummer>
          <poststed>Ski</poststed>
          <epostadresse>post@kafenord.no</epostadresse>
        </korrespondansepart>
        <korrespondansepart>
          <korrespondanseparttype>Kopimottaker</korrespondanseparttype>
          <korrespondansepartNavn>Politiet i Follo</korrespondansepartNavn>
        </korrespondansepart>
        <journalaar>2006</journalaar>
        <journalsekvensnummer>345</journalsekvensnummer>
        <journalpostnummer>1</journalpostnummer>
        <journalposttype>Inngående dokument</journalposttype>
        <journalstatus>Journalført</journalstatus>
        <journaldato>2006-01-10</journaldato>
        <dokumentetsDato>2006-01-03</dokumentetsDato>
        <sendtDato>2006-01-20T00:00:00</sendtDato>
        <forfallsdato>2006-02-01</forfallsdato>
        <antallVedlegg>1</antallVedlegg>
        <avskrivning>
          <avskrivningsdato>2006-01-20</avskrivningsdato>
          <avskrevetAv>Kari Hansen</avskrevetAv>
          <avskrivningsmaate>Besvart med brev</avskrivningsmaate>
        </avskrivning>
      </registrering>
      <saksaar>2006</saksaar>
      <sakssekvensnummer>7</sakssekvensnummer>
      <saksdato>2006-01-05</saksdato>
      <administrativEnhet>NAE</administrativEnhet>
      <saksansvarlig>Kari Hansen</saksansvarlig>
      <saksstatus>Avsluttet</saksstatus>
    </mappe>
"#;

/// JOURNPOST → journalpost under its saksmappe, with AVSMOT → korrespondansepart (a
/// kopimottaker by AM.KOPIMOT, whatever AM.IHTYPE says) and avskrivning (last, made by
/// the saksbehandler where AM.AVSKAV is empty), DOKLINK + DOKBESKRIV →
/// dokumentbeskrivelse and DOKVERSJON → dokumentobjekt (the file copied below DOKUMENT/,
/// its extension as format, the PRONOM id of RA-PDF as formatDetaljer). The sak's
/// kassasjon (G, five years from the last journaldato) is written in every unit below
/// it; the journalpost's skjerming takes the source's own text for TGKODE P.
#[test]
fn journalpost_with_avsmot_and_a_document() {
    let dir = tempfile::tempdir().unwrap();
    let (root, out) = (dir.path().join("uttrekk"), dir.path().join("ut"));
    let pdf = b"%PDF-1.4\n% golden\n";
    fs::create_dir_all(root.join("DOKUMENT/2006")).unwrap();
    fs::write(root.join("DOKUMENT/2006/5001.PDF"), pdf).unwrap();
    let mut setup = setup(&root, &out);
    setup.dokbeskriv.insert(
        "5001".into(),
        row(
            DOKBESKRIV,
            4,
            &[
                ("DB.DOKID", "5001"),
                ("DB.KATEGORI", "BR"),
                ("DB.STATUS", "F"),
                ("DB.TITTEL", "Søknad"),
                ("DB.PAPIR", "0"),
            ],
        ),
    );
    setup.dokversjon_by_dokid.insert(
        "5001".into(),
        vec![row(
            DOKVERSJON,
            5,
            &[
                ("VE.DOKID", "5001"),
                ("VE.VERSJON", "1"),
                ("VE.VARIANT", "A"),
                ("VE.DOKFORMAT", "RA-PDF"),
                ("VE.FILREF", r"\2006\5001.PDF"),
            ],
        )],
    );
    let mut unit = sak(row(
        NOARKSAK,
        6,
        &[
            ("SA.ID", "201"),
            ("SA.SAAR", "2006"),
            ("SA.SEKNR", "7"),
            ("SA.DATO", "20060105"),
            ("SA.TITTEL", "Søknad om skjenkebevilling"),
            ("SA.ANSVID", "KH"),
            ("SA.ADMID", "NAE"),
            ("SA.STATUS", "A"),
            ("SA.KASSKODE", "G"),
            ("SA.BEVTID", "5"),
        ],
    ));
    let mut jp = journalpost(row(
        JOURNPOST,
        7,
        &[
            ("JP.ID", "2001"),
            ("JP.SAID", "201"),
            ("JP.JAAR", "2006"),
            ("JP.SEKNR", "345"),
            ("JP.JPOSTNR", "1"),
            ("JP.JDATO", "20060110"),
            ("JP.NDOKTYPE", "I"),
            ("JP.STATUS", "J"),
            ("JP.INNHOLD", "Søknad om skjenkebevilling, Kafé Nord"),
            ("JP.SBHID", "KH"),
            ("JP.DOKDATO", "20060103"),
            ("JP.EKSPDATO", "20060120"),
            ("JP.FORFDATO", "20060201"),
            ("JP.ANTVED", "1"),
            ("JP.TGKODE", "P"),
            ("JP.UOFF", "Offl § 13 jf. fvl § 13"),
        ],
    ));
    jp.avsmot.push(row(
        AVSMOT,
        8,
        &[
            ("AM.ID", "1"),
            ("AM.JPID", "2001"),
            ("AM.IHTYPE", "0"),
            ("AM.KOPIMOT", "0"),
            ("AM.NAVN", "Kafé Nord AS"),
            ("AM.ADRESSE", "Torget 2"),
            ("AM.POSTNR", "1400"),
            ("AM.POSTSTED", "Ski"),
            ("AM.EPOSTADR", "post@kafenord.no"),
            ("AM.AVSKM", "BU"),
            ("AM.AVSKDATO", "20060120"),
        ],
    ));
    jp.avsmot.push(row(
        AVSMOT,
        9,
        &[
            ("AM.ID", "2"),
            ("AM.JPID", "2001"),
            ("AM.IHTYPE", "1"),
            ("AM.KOPIMOT", "1"),
            ("AM.NAVN", "Politiet i Follo"),
        ],
    ));
    let link = row(
        DOKLINK,
        10,
        &[
            ("DL.JPID", "2001"),
            ("DL.DOKID", "5001"),
            ("DL.RNR", "1"),
            ("DL.TYPE", "H"),
            ("DL.TKDATO", "20060111"),
            ("DL.TKAV", "PB"),
        ],
    );
    jp.doklinks.push((link, true));
    unit.journalposter.push(jp);

    let (xml, report, crosswalk) = saksmappe(&setup, unit);
    assert_eq!(xml, golden(SAKSMAPPE_201));
    assert_eq!(fs::read(out.join("DOKUMENT/2006/5001.PDF")).unwrap(), pdf, "the document is copied");
    assert_eq!(
        crosswalk,
        "NOARKSAK;201;ea56503f-6fc0-58cc-bee3-6c75cb286d5b\n\
         JOURNPOST;2001;aff3fb67-4baf-5b93-96e0-bab5d54d792e\n\
         DOKBESKRIV;5001;7fccf0dc-3f4f-5fc8-b10d-66fb663e38a2\n\
         DOKVERSJON;5001/1/A;795fe73b-abff-59bc-92d8-b728117b4f38\n"
    );
    assert_eq!(
        counts(&report),
        [
            ("dokumentbeskrivelse", 0, 1, 0),
            ("dokumentobjekt", 0, 1, 0),
            ("journalpost", 0, 1, 0),
            ("kassasjon", 1, 1, 0),
            ("korrespondansepart", 0, 2, 0),
            ("saksmappe", 0, 1, 0),
            ("skjerming", 1, 1, 0),
        ]
    );
    assert_eq!(findings(&report), []);
}

/// The saksmappe of sak 301, worked out by hand.
const SAKSMAPPE_301: &str = r#"
    <mappe xsi:type="saksmappe">
      <systemID>58e9085d-7d9e-5021-a26c-0b4f88272e97</systemID>
      <mappeID>2007/3</mappeID>
      <tittel>(uten tittel)</tittel>
      <dokumentmedium>Elektronisk arkiv</dokumentmedium>
      <opprettetDato>2009-01-31T00:00:00</opprettetDato>
      <opprettetAv>ukjent</opprettetAv>
      <avsluttetDato>2009-01-31T00:00:00</avsluttetDato>
      <avsluttetAv>ukjent</avsluttetAv>
      <referanseArkivdel>arkivdel-1</referanseArkivdel>
      <registrering xsi:type="journalpost">
        <systemID>07412e77-c8ba-53f0-955b-9bd0595dd1d1</systemID>
        <opprettetDato>2007-02-15T00:00:00</opprettetDato>
        <opprettetAv>XY</opprettetAv>
        <arkivertDato>2007-02-15T00:00:00</arkivertDato>
        <arkivertAv>XY</arkivertAv>
        <referanseArkivdel>arkivdel-1</referanseArkivdel>
        <registreringsID>2007/3-2</registreringsID>
        <tittel>Brev</tittel>
        <dokumentmedium>Elektronisk arkiv</dokumentmedium>
        <korrespondansepart>
          <korrespondanseparttype>7</korrespondanseparttype>
          <korrespondansepartNavn>(uten navn)</korrespondansepartNavn>
        </korrespondansepart>
        <journalaar>2007</journalaar>
        <journalsekvensnummer>9</journalsekvensnummer>
        <journalpostnummer>2</journalpostnummer>
        <journalposttype>Q</journalposttype>
        <journalstatus>Ukjent</journalstatus>
        <journaldato>2007-02-15</journaldato>
        <avskrivning>
          <avskrivningsdato>2009-01-31</avskrivningsdato>
          <avskrevetAv>XY</avskrevetAv>
          <avskrivningsmaate>ZZ</avskrivningsmaate>
        </avskrivning>
      </registrering>
      <saksaar>2007</saksaar>
      <sakssekvensnummer>3</sakssekvensnummer>
      <saksdato>2009-01-31</saksdato>
      <administrativEnhet>ukjent</administrativEnhet>
      <saksansvarlig>ukjent</saksansvarlig>
      <saksstatus>Z</saksstatus>
    </mappe>
"#;

/// Codes outside the tables are written as they stand (an empty one as "Ukjent") and
/// reported, each with its file, line, table and row key; a missing date becomes the
/// fallback date (the extract's production date), reported; what has no value gets the
/// texts Noark 5 needs ("(uten tittel)", "(uten navn)", "ukjent"); a person not in
/// PERNAVN is written by the id.
#[test]
fn codes_outside_the_tables_are_kept_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let setup = setup(dir.path(), dir.path());
    let mut unit = sak(row(
        NOARKSAK,
        11,
        &[("SA.ID", "301"), ("SA.SAAR", "2007"), ("SA.SEKNR", "3"), ("SA.DATO", ""), ("SA.STATUS", "Z")],
    ));
    let mut jp = journalpost(row(
        JOURNPOST,
        12,
        &[
            ("JP.ID", "3001"),
            ("JP.SAID", "301"),
            ("JP.JAAR", "2007"),
            ("JP.SEKNR", "9"),
            ("JP.JPOSTNR", "2"),
            ("JP.JDATO", "20070215"),
            ("JP.NDOKTYPE", "Q"),
            ("JP.STATUS", ""),
            ("JP.INNHOLD", "Brev"),
            ("JP.SBHID", "XY"),
        ],
    ));
    jp.avsmot.push(row(
        AVSMOT,
        13,
        &[("AM.ID", "9"), ("AM.JPID", "3001"), ("AM.IHTYPE", "7"), ("AM.KOPIMOT", "0"), ("AM.AVSKM", "ZZ")],
    ));
    unit.journalposter.push(jp);

    let (xml, report, _) = saksmappe(&setup, unit);
    assert_eq!(xml, golden(SAKSMAPPE_301));
    let (error, warning) = (Severity::Error, Severity::Warning);
    assert_eq!(
        findings(&report),
        [
            (
                warning,
                "N4.DATE_MISSING",
                "NOARKSAK.XML",
                11,
                "NOARKSAK",
                "SA.ID=301",
                "SA.DATO \"\" is no date; 2009-01-31 is written instead"
            ),
            (
                error,
                "N4.UNKNOWN_CODE",
                "AVSMOT.XML",
                13,
                "AVSMOT",
                "AM.ID=9",
                "AM.IHTYPE \"7\" is no known korrespondanseparttype code; written as it stands"
            ),
            (
                warning,
                "N4.DATE_MISSING",
                "AVSMOT.XML",
                13,
                "AVSMOT",
                "AM.ID=9",
                "AM.AVSKDATO \"\" is no date; 2009-01-31 is written instead"
            ),
            (
                error,
                "N4.UNKNOWN_CODE",
                "AVSMOT.XML",
                13,
                "AVSMOT",
                "AM.ID=9",
                "AM.AVSKM \"ZZ\" is no known avskrivningsmaate code; written as it stands"
            ),
            (
                error,
                "N4.UNKNOWN_CODE",
                "JOURNPST.XML",
                12,
                "JOURNPOST",
                "JP.ID=3001",
                "JP.NDOKTYPE \"Q\" is no known journalposttype code; written as it stands"
            ),
            (
                error,
                "N4.UNKNOWN_CODE",
                "JOURNPST.XML",
                12,
                "JOURNPOST",
                "JP.ID=3001",
                "JP.STATUS is empty; journalstatus is required"
            ),
            (
                error,
                "N4.UNKNOWN_CODE",
                "NOARKSAK.XML",
                11,
                "NOARKSAK",
                "SA.ID=301",
                "SA.STATUS \"Z\" is no known saksstatus code; written as it stands"
            ),
        ]
    );
    let hint = report.findings[1].hint.as_deref();
    assert_eq!(hint, Some("add a rule for the code to the job, or correct the korrespondanseparttype in the source"));
}

/// A link to a DB.DOKID that DOKBESKRIV lacks writes nothing; a version whose file is
/// not there is left out of its dokumentbeskrivelse and counted as rejected. Both are
/// reported.
#[test]
fn documents_that_are_not_there_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (root, out) = (dir.path().join("uttrekk"), dir.path().join("ut"));
    fs::create_dir_all(&root).unwrap();
    let mut setup = setup(&root, &out);
    setup.dokbeskriv.insert(
        "6001".into(),
        row(DOKBESKRIV, 20, &[("DB.DOKID", "6001"), ("DB.KATEGORI", "NT"), ("DB.STATUS", "B"), ("DB.TITTEL", "Notat")]),
    );
    setup.dokversjon_by_dokid.insert(
        "6001".into(),
        vec![row(
            DOKVERSJON,
            21,
            &[("VE.DOKID", "6001"), ("VE.VERSJON", "1"), ("VE.VARIANT", "P"), ("VE.FILREF", r"2007\borte.pdf")],
        )],
    );
    let mut unit = sak(row(
        NOARKSAK,
        22,
        &[("SA.ID", "401"), ("SA.SAAR", "2007"), ("SA.SEKNR", "4"), ("SA.DATO", "20070301"), ("SA.STATUS", "R")],
    ));
    let mut jp = journalpost(row(
        JOURNPOST,
        23,
        &[
            ("JP.ID", "4001"),
            ("JP.JAAR", "2007"),
            ("JP.SEKNR", "10"),
            ("JP.JPOSTNR", "1"),
            ("JP.JDATO", "20070302"),
            ("JP.NDOKTYPE", "N"),
            ("JP.STATUS", "F"),
            ("JP.INNHOLD", "Notat"),
            ("JP.SBHID", "PB"),
        ],
    ));
    let link = |line, dokid, rnr, kind| {
        row(DOKLINK, line, &[("DL.JPID", "4001"), ("DL.DOKID", dokid), ("DL.RNR", rnr), ("DL.TYPE", kind)])
    };
    jp.doklinks.push((link(24, "6001", "1", "H"), true));
    jp.doklinks.push((link(25, "9999", "2", "V"), false));
    unit.journalposter.push(jp);

    let (xml, report, _) = saksmappe(&setup, unit);
    let expected = r#"
        <dokumentbeskrivelse>
          <systemID>8ca52306-6304-560a-8dc5-2230d06daf2e</systemID>
          <dokumenttype>Notat</dokumenttype>
          <dokumentstatus>Dokumentet er under redigering</dokumentstatus>
          <tittel>Notat</tittel>
          <opprettetDato>2007-03-02T00:00:00</opprettetDato>
          <opprettetAv>Per Berg</opprettetAv>
          <dokumentmedium>Elektronisk arkiv</dokumentmedium>
          <tilknyttetRegistreringSom>Hoveddokument</tilknyttetRegistreringSom>
          <dokumentnummer>1</dokumentnummer>
          <tilknyttetDato>2007-03-02T00:00:00</tilknyttetDato>
          <tilknyttetAv>Per Berg</tilknyttetAv>
        </dokumentbeskrivelse>
        <registreringsID>2007/4-1</registreringsID>
"#;
    let expected = golden(expected);
    assert!(xml.contains(expected), "{xml}");
    assert_eq!(xml.matches("<dokumentbeskrivelse>").count(), 1, "{xml}");
    assert!(!xml.contains("<dokumentobjekt>"), "{xml}");
    assert!(!out.join("DOKUMENT").exists());
    assert_eq!(
        counts(&report),
        [
            ("dokumentbeskrivelse", 0, 1, 0),
            ("dokumentobjekt", 0, 0, 1),
            ("journalpost", 0, 1, 0),
            ("saksmappe", 0, 1, 0)
        ]
    );
    assert_eq!(
        findings(&report),
        [
            (
                Severity::Error,
                "N4.DOCUMENT_MISSING",
                "DOKVERS.XML",
                21,
                "DOKVERSJON",
                "VE.DOKID=6001 VE.VERSJON=1 VE.VARIANT=P",
                "VE.FILREF \"2007\\\\borte.pdf\": no such file; the dokumentobjekt is not written"
            ),
            (
                Severity::Error,
                "N4.FOREIGN_KEY",
                "DOKLINK.XML",
                25,
                "DOKLINK",
                "DL.JPID=4001 DL.DOKID=9999",
                "DL.DOKID 9999 matches no DB.DOKID; the link is not converted"
            ),
        ]
    );
}
