//! Noark 4 extracts: the generator writes them, samla-legacy reads and checks them.
//! Clean extracts read clean with exact row counts; each injected fault is found in the
//! right file, on the right line; damaged input gives a clear error, never a panic.

use crate::common;
use std::fs;
use std::path::{Path, PathBuf};

use samla_fixtures::noark4::{self, Fault, generate};
use samla_legacy::noark4::{Noark4, Report, Severity, check};
use samla_noark5::ErrorKind;

fn make(dir: &Path, saker: u64, faults: &[Fault]) -> (PathBuf, noark4::Summary) {
    let out = dir.join("n4");
    let mut options = noark4::Options::new(&out, "Oppegård", 11, saker);
    options.faults = faults.to_vec();
    let summary = generate(&options, &mut |_| {}).expect("the generator runs");
    (out, summary)
}

fn checked(dir: &Path) -> Report {
    check(&Noark4::open(dir).expect("the extract opens"))
}

fn describe(report: &Report) -> String {
    report
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn generated_extract_reads_clean_with_exact_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, summary) = make(tmp.path(), 60, &[]);
    let report = checked(&dir);
    assert_eq!(report.errors(), 0, "{}", describe(&report));
    assert_eq!(report.count_at(Severity::Warning), 0, "{}", describe(&report));
    for (table, rows) in &summary.rows {
        assert_eq!(report.rows(table), *rows, "rows of {table}");
    }
    for table in ["ARKIV", "ARKIVDEL", "ARKIVPERIODE", "ORDNPRINS", "ORDNVERDI", "NOARKSAK", "JOURNPOST", "DOKLINK"] {
        assert!(report.rows(table) > 0, "{table} is empty");
    }
    assert_eq!(report.rows("NOARKSAK"), 60);
    // JOURNPOST spans two files, each counted against its own TI.ANTPOSTER.
    let jp: Vec<_> = report.files.iter().filter(|f| f.table == "JOURNPOST").collect();
    assert_eq!(jp.len(), 2);
    assert!(jp.iter().all(|f| f.complete && f.stated == Some(f.read) && f.read > 0));
    // Every document is found, each by the fallbacks its DOS path needs.
    assert_eq!(report.documents_found, summary.document_files);
    assert_eq!(report.total("N4.PATH_FALLBACK"), summary.rows("DOKVERSJON"));
    let fallback = report.with_code("N4.PATH_FALLBACK").next().unwrap();
    assert!(fallback.message.contains("DOKUMENT/"), "{fallback}");
    // PERNAVN.XML is pernavn.xml on disk: found, and said so.
    let case: Vec<_> = report.with_code("N4.FILE_NAME_CASE").collect();
    assert_eq!(case.len(), 1);
    assert_eq!(case[0].file, "pernavn.xml");
}

#[test]
fn rows_stream_with_latin1_text_decoded() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, summary) = make(tmp.path(), 30, &[]);
    let extract = Noark4::open(&dir).unwrap();
    assert_eq!(extract.index.export_value("EI.ARKSKAPER"), Some("Oppegård kommune"));
    let sak = extract.table("NOARKSAK").unwrap();
    assert_eq!(sak.files[0].stated_rows, Some(30));
    let mut rows = extract.rows("noarksak").unwrap();
    let mut n = 0;
    let mut non_ascii = 0;
    while let Some(row) = rows.next_row().unwrap() {
        n += 1;
        let title = row.get("SA.TITTEL").unwrap();
        assert!(!title.contains('\u{fffd}'), "{title}");
        non_ascii += usize::from(!title.is_ascii());
        assert_eq!(row.get("SA.ID"), Some(n.to_string().as_str()));
    }
    assert_eq!(n, 30);
    assert!(non_ascii > 0, "some titles hold æ, ø or å");
    // Vendors' names for the same table are found too.
    let mut jp = extract.rows("JOURNPST").unwrap();
    let mut count = 0;
    while jp.next_row().unwrap().is_some() {
        count += 1;
    }
    assert_eq!(count, summary.rows("JOURNPOST"));
}

fn assert_found(report: &Report, summary: &noark4::Summary, fault: Fault, code: &str) {
    let injected = summary.injected.iter().find(|i| i.fault == fault).expect("the fault was injected");
    let found: Vec<_> = report.with_code(code).collect();
    assert!(!found.is_empty(), "{code} not reported for {fault}: {}", describe(report));
    let hit = found
        .iter()
        .find(|f| f.file == injected.file && f.pos.map(|p| p.line) == Some(injected.line))
        .unwrap_or_else(|| panic!("{code}: none at {}:{}, found {found:?}", injected.file, injected.line));
    assert_eq!(hit.element.as_deref(), Some(injected.table.as_str()));
    if injected.file != "NOARKIH.XML" {
        assert!(hit.key.as_deref().is_some_and(|k| k.contains(&injected.key)), "{hit:?} vs {injected:?}");
    }
    assert!(hit.hint.is_some(), "{hit}");
}

#[test]
fn each_fault_is_found_in_its_file_on_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let faults = [
        Fault::BrokenForeignKey,
        Fault::WrongCount,
        Fault::Cp1252,
        Fault::DottedDate,
        Fault::MissingDocument,
        Fault::DuplicateKey,
    ];
    let (dir, summary) = make(tmp.path(), 40, &faults);
    assert_eq!(summary.injected.len(), faults.len(), "{:?}", summary.injected);
    let report = checked(&dir);
    assert_found(&report, &summary, Fault::BrokenForeignKey, "N4.FOREIGN_KEY");
    assert_found(&report, &summary, Fault::WrongCount, "N4.COUNT");
    assert_found(&report, &summary, Fault::Cp1252, "N4.ENCODING_CP1252");
    assert_found(&report, &summary, Fault::DottedDate, "N4.DATE_FORMAT");
    assert_found(&report, &summary, Fault::MissingDocument, "N4.DOCUMENT_MISSING");
    assert_found(&report, &summary, Fault::DuplicateKey, "N4.DUPLICATE_KEY");
    // Exactly these, and nothing else at error or warning level. The broken JP.SAID is
    // one finding; the duplicate DB.DOKID is one (DOKLINK and DOKVERSJON still resolve).
    assert_eq!(report.total("N4.FOREIGN_KEY"), 1, "{}", describe(&report));
    assert_eq!(report.total("N4.COUNT"), 1);
    assert_eq!(report.total("N4.DUPLICATE_KEY"), 1);
    assert_eq!(report.total("N4.DOCUMENT_MISSING"), 1);
    assert_eq!(report.errors(), 4, "{}", describe(&report));
    assert_eq!(report.count_at(Severity::Warning), 2, "{}", describe(&report));
    // The cp1252 byte was read as windows-1252: the title holds an en dash.
    let extract = Noark4::open(&dir).unwrap();
    let mut rows = extract.rows("NOARKSAK").unwrap();
    rows.next_row().unwrap();
    let second = rows.next_row().unwrap().unwrap();
    assert!(second.get("SA.TITTEL").unwrap().contains(" \u{2013} revidert"));
}

#[test]
fn truncated_table_file_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, _) = make(tmp.path(), 20, &[]);
    let path = dir.join("DOKLINK.XML");
    let text = fs::read(&path).unwrap();
    fs::write(&path, &text[..text.len() / 2]).unwrap();

    let extract = Noark4::open(&dir).unwrap();
    let mut rows = extract.rows("DOKLINK").unwrap();
    let err = loop {
        match rows.next_row() {
            Ok(Some(_)) => {}
            Ok(None) => panic!("a truncated file reads to its end"),
            Err(e) => break e,
        }
    };
    assert_eq!(err.file, "DOKLINK.XML");
    assert!(err.pos.is_some(), "{err}");
    assert!(err.to_string().contains("truncated") || err.to_string().contains("ends inside"), "{err}");

    // The check reports it, and reads the other tables all the same.
    let report = check(&extract);
    let read: Vec<_> = report.with_code("N4.READ").collect();
    assert_eq!(read.len(), 1, "{}", describe(&report));
    assert_eq!(read[0].file, "DOKLINK.XML");
    assert_eq!(read[0].element.as_deref(), Some("DOKLINK"));
    assert_eq!(report.total("N4.COUNT"), 0, "a file read only in part is not counted against the index");
    assert!(report.rows("DOKVERSJON") > 0);
}

#[test]
fn missing_table_file_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, _) = make(tmp.path(), 10, &[]);
    fs::remove_file(dir.join("AVSMOT.XML")).unwrap();
    let extract = Noark4::open(&dir).unwrap();
    let err = extract.rows("AVSMOT").unwrap().next_row().map(|_| ()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Missing);
    assert!(err.message.contains("AVSMOT.XML"), "{err}");
    assert!(err.hint.is_some());

    let report = check(&extract);
    let missing: Vec<_> = report.with_code("N4.TABLE_FILE_MISSING").collect();
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].file, "NOARKIH.XML");
    assert!(missing[0].pos.is_some() && missing[0].message.contains("AVSMOT.XML"));
    assert_eq!(report.errors(), 1, "{}", describe(&report));
}

#[test]
fn missing_index_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, _) = make(tmp.path(), 5, &[]);
    fs::remove_file(dir.join("NOARKIH.XML")).unwrap();
    let err = Noark4::open(&dir).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Missing);
    assert!(err.message.contains("NOARKIH.XML"), "{err}");
    assert!(err.hint.is_some());
    let err = Noark4::open(&tmp.path().join("nowhere")).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Missing);
}

#[test]
fn index_in_lower_case_and_in_a_data_folder_is_found() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, summary) = make(tmp.path(), 5, &[]);
    let package = tmp.path().join("pakke");
    fs::create_dir_all(package.join("content")).unwrap();
    fs::rename(&dir, package.join("content/DATA")).unwrap();
    let data = package.join("content/DATA");
    fs::rename(data.join("NOARKIH.XML"), data.join("noarkih.xml")).unwrap();
    let extract = Noark4::open(&package).unwrap();
    assert_eq!(extract.root, data);
    let report = check(&extract);
    assert_eq!(report.errors(), 0, "{}", describe(&report));
    assert_eq!(report.rows("JOURNPOST"), summary.rows("JOURNPOST"));
}

#[test]
fn cli_generates_a_noark4_extract() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("n4");
    let o = common::samla(&[
        "generate",
        "--format",
        "noark4",
        "--out",
        out.to_str().unwrap(),
        "--mapper",
        "25",
        "--seed",
        "4",
        "--noark4-fault",
        "n4-dotted-date",
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("Noark 4 extract") && stdout.contains("25 saker"), "{stdout}");
    assert!(stdout.contains("injected n4-dotted-date: JOURNPST.XML:"), "{stdout}");
    let report = checked(&out);
    assert_eq!(report.rows("NOARKSAK"), 25);
    assert_eq!(report.errors(), 0, "{}", describe(&report));
    assert_eq!(report.total("N4.DATE_FORMAT"), 1);

    let bad = common::samla(&["generate", "--format", "noark4", "--out", out.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2), "a non-empty folder is refused");
    let unknown = common::samla(&["generate", "--format", "noark3", "--out", tmp.path().join("x").to_str().unwrap()]);
    assert!(!unknown.status.success());
}

fn count_elements(xml: &Path, open_tag: &str) -> u64 {
    fs::read_to_string(xml).unwrap().matches(open_tag).count() as u64
}

#[test]
fn converts_to_noark5_that_validates_and_keeps_every_row() {
    use samla_legacy::noark4::convert::{ConvertOptions, convert};
    let tmp = tempfile::tempdir().unwrap();
    let (dir, summary) = make(tmp.path(), 40, &[Fault::BrokenForeignKey, Fault::UnknownCode]);
    let extract = Noark4::open(&dir).unwrap();
    let out = tmp.path().join("n5");
    let done = convert(&extract, &out, &ConvertOptions::new("oppegard")).unwrap();
    let xml = out.join("arkivstruktur.xml");
    let errors = common::xmllint(&xml, &common::schemas().join("noark5/v5_0/arkivstruktur.xsd"));
    assert!(errors.is_empty(), "{}", errors.join("\n"));

    // Every SA, JP, DB and VE row is in the output: counted on both sides.
    assert_eq!(
        count_elements(&xml, "<mappe xsi:type=\"saksmappe\">"),
        summary.rows("NOARKSAK") + 1,
        "+1: journalposter uten sak"
    );
    assert_eq!(count_elements(&xml, "<registrering xsi:type=\"journalpost\">"), summary.rows("JOURNPOST"));
    assert_eq!(count_elements(&xml, "<dokumentbeskrivelse>"), summary.rows("DOKBESKRIV"));
    assert_eq!(count_elements(&xml, "<dokumentobjekt>"), summary.rows("DOKVERSJON"));
    assert_eq!(count_elements(&xml, "<korrespondansepart>"), summary.rows("AVSMOT"));
    for (entity, count) in &done.counts {
        assert_eq!(count.read, count.written + count.rejected, "{entity}: in = out + rejected");
    }
    assert_eq!(done.counts["journalpost"].written, summary.rows("JOURNPOST"));
    let text = fs::read_to_string(&xml).unwrap();
    assert!(text.contains("<journalposttype>Inngående dokument</journalposttype>"));
    assert!(text.contains("<referanseDokumentfil>DOKUMENT/"));
    // TGKODE/UOFF/AGDATO → skjerming on saksmappe and journalpost; KASSKODE/BEVTID →
    // kassasjon, inherited by the units below; saker to be kept (B) have none.
    assert!(text.contains("<tilgangsrestriksjon>Unntatt offentlighet</tilgangsrestriksjon>"));
    assert!(text.contains("<skjermingshjemmel>Offl § 13</skjermingshjemmel>"));
    assert!(text.contains("<skjermingOpphoererDato>"));
    assert!(text.contains("<kassasjonsvedtak>Kasseres</kassasjonsvedtak>"));
    assert!(text.contains("<kassasjonsvedtak>Vurderes senere</kassasjonsvedtak>"));
    assert!(!text.contains("<kassasjonsvedtak>Bevares</kassasjonsvedtak>"));
    assert!(done.counts["kassasjon"].written >= summary.rows("NOARKSAK") / 7);
    assert!(done.counts["skjerming"].written > 0);
    // ORDNPRINS/ORDNVERDI → klassifikasjonssystem and klasse, each saksmappe under the
    // klasse of its KLASSERING; the journalposter without sak under "Uten klassering".
    assert_eq!(count_elements(&xml, "<klassifikasjonssystem>"), summary.rows("ORDNPRINS") + 1);
    assert_eq!(count_elements(&xml, "<klasse>"), summary.rows("ORDNVERDI") + 1);
    assert!(text.contains("<klasseID>") && text.contains("<tittel>Uten klassering</tittel>"));
    let first_klasse = text.find("<klasse>").unwrap();
    assert!(first_klasse < text.find("<mappe ").unwrap(), "saksmapper stand under klasser");

    // The faults are reported with table, row key and file, and the rows kept.
    let fk = done.findings.iter().find(|f| f.code == "N4.FOREIGN_KEY").expect("the broken JP.SAID is reported");
    assert_eq!((fk.element.as_deref(), fk.key.as_deref()), (Some("JOURNPOST"), Some("JP.ID=3")));
    let code = done.findings.iter().find(|f| f.code == "N4.UNKNOWN_CODE").expect("the unknown code is reported");
    assert_eq!(code.file, "JOURNPST.XML");
    assert!(code.message.contains("\"Q\"") && code.key.as_deref() == Some("JP.ID=5"), "{code}");
    assert!(text.contains("<journalposttype>Q</journalposttype>"));

    // Documents are copied with their checksums; the crosswalk maps every old key.
    let crosswalk = fs::read_to_string(out.join("crosswalk.csv")).unwrap();
    assert!(crosswalk.lines().filter(|l| l.starts_with("JOURNPOST;")).count() as u64 == summary.rows("JOURNPOST"));
    let files = walk(&out.join("DOKUMENT"));
    assert_eq!(files as u64, summary.document_files);

    // A rerun mints the same systemIDs.
    let again = tmp.path().join("n5b");
    convert(&extract, &again, &ConvertOptions::new("oppegard")).unwrap();
    assert_eq!(fs::read(&xml).unwrap(), fs::read(again.join("arkivstruktur.xml")).unwrap());
}

fn walk(dir: &Path) -> usize {
    fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).map(|p| if p.is_dir() { walk(&p) } else { 1 }).sum()
}

/// Writes `files` (name, bytes) into a new folder.
fn handmade(dir: &Path, files: &[(&str, &[u8])]) -> PathBuf {
    let root = dir.join("hand");
    for (name, bytes) in files {
        let path = root.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
    root
}

/// An index in the form some vendors write: TI.FILNAVN and TI.ANTPOSTER straight under
/// TABELLINFO, other table names (SAK, DOKVERS), and row elements that differ from them.
const HAND_INDEX: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<NOARK.IH>
<EKSPORTINFO><EI.PRODDATO>00000000</EI.PRODDATO></EKSPORTINFO>
<TABELLINFO><TI.TABELL>SAK</TI.TABELL><TI.FILNAVN>SAK.XML</TI.FILNAVN><TI.ANTPOSTER>3</TI.ANTPOSTER></TABELLINFO>
<TABELLINFO><TI.TABELL>JOURNPOST</TI.TABELL><TI.FILNAVN>JP.XML</TI.FILNAVN><TI.ANTPOSTER>2</TI.ANTPOSTER></TABELLINFO>
<TABELLINFO><TI.TABELL>DOKBESKRIV</TI.TABELL><TI.FILNAVN>DB.XML</TI.FILNAVN><TI.ANTPOSTER>1</TI.ANTPOSTER></TABELLINFO>
<TABELLINFO><TI.TABELL>DOKLINK</TI.TABELL><TI.FILNAVN>DL.XML</TI.FILNAVN><TI.ANTPOSTER>1</TI.ANTPOSTER></TABELLINFO>
<TABELLINFO><TI.TABELL>DOKVERS</TI.TABELL><TI.FILNAVN>DATA\DOKVERS.XML</TI.FILNAVN><TI.ANTPOSTER>2</TI.ANTPOSTER></TABELLINFO>
<TABELLINFO><TI.TABELL>AVSMOT</TI.TABELL><TI.FILNAVN>AM.XML</TI.FILNAVN><TI.ANTPOSTER>1</TI.ANTPOSTER></TABELLINFO>
<TABELLINFO><TI.TABELL>MERKNAD</TI.TABELL><TI.FILNAVN>ME.XML</TI.FILNAVN><TI.ANTPOSTER>1</TI.ANTPOSTER></TABELLINFO>
</NOARK.IH>
"#;

#[test]
fn handmade_extract_reports_each_problem_where_it_is() {
    let tmp = tempfile::tempdir().unwrap();
    let sak = "<?xml version=\"1.0\"?>\n<SAK.TAB>\n\
               <SAK><SA.ID>1</SA.ID><SA.DATO>19000101</SA.DATO></SAK>\n\
               <SAK><SA.ID>2</SA.ID><SA.DATO>990315</SA.DATO></SAK>\n\
               <SAK><SA.ID>1</SA.ID><SA.DATO>20011332</SA.DATO></SAK>\n\
               </SAK.TAB>\n";
    let jp = "<JOURNPOST.TAB>\n<JOURNPOST><JP.ID>10</JP.ID><JP.SAID>2</JP.SAID></JOURNPOST>\n\
              <JOURNPOST><JP.ID>11</JP.ID><JP.SAID></JP.SAID></JOURNPOST>\n</JOURNPOST.TAB>\n";
    let db = "<DOKBESKRIV.TAB><DOKBESKRIV><DB.DOKID>100</DB.DOKID></DOKBESKRIV></DOKBESKRIV.TAB>";
    let dl = "<DOKLINK.TAB>\n<DOKLINK><DL.JPID>10</DL.JPID><DL.DOKID>101</DL.DOKID></DOKLINK>\n</DOKLINK.TAB>";
    let ve = "<DOKVERS.TAB>\n\
              <DOKVERSJON><VE.DOKID>100</VE.DOKID><VE.FILREF>C:\\ARKIV\\brev.PDF</VE.FILREF></DOKVERSJON>\n\
              <DOKVERSJON><VE.DOKID>100</VE.DOKID><VE.FILREF>..\\..\\etc\\passwd</VE.FILREF></DOKVERSJON>\n\
              </DOKVERS.TAB>";
    let am = "<AVSMOT.TAB>\n<AVSMOT><AM.JPID>12</AM.JPID></AVSMOT>\n</AVSMOT.TAB>";
    // Declared UTF-8, but written in Latin-1: the reader refuses the bytes, with position.
    let me: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<MERKNAD.TAB>\n<MERKNAD><ME.TEKST>P\xe5minnet</ME.TEKST></MERKNAD>\n</MERKNAD.TAB>\n";
    let root = handmade(
        tmp.path(),
        &[
            ("NOARKIH.XML", HAND_INDEX.as_bytes()),
            ("sak.xml", sak.as_bytes()),
            ("JP.XML", jp.as_bytes()),
            ("DB.XML", db.as_bytes()),
            ("DL.XML", dl.as_bytes()),
            ("data/dokvers.xml", ve.as_bytes()),
            ("AM.XML", am.as_bytes()),
            ("ME.XML", me),
            ("dokument/arkiv/BREV.pdf", b"%PDF-1.4"),
        ],
    );
    let report = checked(&root);
    let at = |code: &str| -> Vec<(String, u64, Option<String>)> {
        report.with_code(code).map(|f| (f.file.clone(), f.pos.map_or(0, |p| p.line), f.key.clone())).collect()
    };
    let key = |s: &str| Some(s.to_string());
    assert_eq!(at("N4.FILE_NAME_CASE").len(), 2, "sak.xml and data/dokvers.xml");
    assert_eq!(at("N4.DATE_SENTINEL"), [("NOARKIH.XML".into(), 3, None), ("sak.xml".into(), 3, key("SA.ID=1"))]);
    assert_eq!(at("N4.DATE_TWO_DIGIT_YEAR"), [("sak.xml".into(), 4, key("SA.ID=2"))]);
    assert_eq!(at("N4.DATE_INVALID"), [("sak.xml".into(), 5, key("SA.ID=1"))]);
    assert_eq!(at("N4.DUPLICATE_KEY"), [("sak.xml".into(), 5, key("SA.ID=1"))]);
    assert_eq!(
        at("N4.FOREIGN_KEY"),
        [
            ("JP.XML".into(), 3, key("JP.ID=11")),
            ("DL.XML".into(), 2, key("DL.JPID=10 DL.DOKID=101")),
            ("AM.XML".into(), 2, key("AM.JPID=12")),
        ]
    );
    assert_eq!(at("N4.PATH_FALLBACK"), [("data/dokvers.xml".into(), 2, key("VE.DOKID=100"))]);
    let fallback = report.with_code("N4.PATH_FALLBACK").next().unwrap();
    assert!(fallback.message.contains("DOKUMENT/") || fallback.message.contains("dokument/"), "{fallback}");
    assert!(fallback.message.contains("upper/lower case") && fallback.message.contains("drive letter"), "{fallback}");
    assert_eq!(at("N4.DOCUMENT_PATH"), [("data/dokvers.xml".into(), 3, key("VE.DOKID=100"))]);
    let read: Vec<_> = report.with_code("N4.READ").collect();
    assert_eq!(read.len(), 1, "{}", describe(&report));
    assert_eq!((read[0].file.as_str(), read[0].pos.map(|p| p.line)), ("ME.XML", Some(3)));
    assert!(read[0].message.contains("UTF-8"), "{}", read[0]);
    // Every row read is counted; TI.ANTPOSTER matched, except for the file read only in part.
    assert_eq!(report.total("N4.COUNT"), 0, "{}", describe(&report));
    assert_eq!(report.rows("SAK"), 3);
}

#[test]
fn hostile_input_never_panics() {
    let tmp = tempfile::tempdir().unwrap();
    let deep = format!("<A.TAB><A>{}</A></A.TAB>", "<x>".repeat(50_000));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("text", b"just text".to_vec()),
        ("two roots", b"<A.TAB></A.TAB><B/>".to_vec()),
        ("deep", deep.into_bytes()),
        ("bad entity", b"<A.TAB><A><A.ID>&nope;</A.ID></A></A.TAB>".to_vec()),
        ("unknown encoding", b"<?xml version=\"1.0\" encoding=\"klingon\"?><A.TAB/>".to_vec()),
        ("nul", b"<A.TAB><A>\0</A></A.TAB>".to_vec()),
    ];
    for (name, bytes) in cases {
        let index = "<NOARK.IH><TABELLINFO><TI.TABELL>A</TI.TABELL><FIL><TI.FILNAVN>A.XML</TI.FILNAVN>\
                     <TI.ANTPOSTER>x</TI.ANTPOSTER></FIL></TABELLINFO></NOARK.IH>";
        let root = tmp.path().join(name);
        fs::create_dir_all(&root).unwrap();
        fs::write(root.join("NOARKIH.XML"), index).unwrap();
        fs::write(root.join("A.XML"), &bytes).unwrap();
        let report = checked(&root);
        assert!(report.errors() >= 1, "{name}: the bad TI.ANTPOSTER at least");
    }
    // A broken index is an error, not a panic.
    let root = tmp.path().join("badindex");
    fs::create_dir_all(&root).unwrap();
    fs::write(root.join("NOARKIH.XML"), "<NOARK.IH><TABELLINFO>").unwrap();
    let err = Noark4::open(&root).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Xml);
    assert!(err.pos.is_some(), "{err}");
}

#[test]
fn converted_extract_passes_samla_check_with_zero_errors() {
    use samla_legacy::noark4::convert::{ConvertOptions, convert};
    let tmp = tempfile::tempdir().unwrap();
    let (dir, summary) = make(tmp.path(), 30, &[]);
    let extract = Noark4::open(&dir).unwrap();
    let out = tmp.path().join("n5");
    let mut options = ConvertOptions::new("oppegard");
    options.schemas = Some(samla_noark5::schemas::SchemaDir::locate(Some(&common::schemas())));
    assert!(options.schemas.is_some());
    convert(&extract, &out, &options).unwrap();
    for xsd in ["arkivstruktur.xsd", "metadatakatalog.xsd", "addml.xsd"] {
        assert!(out.join(xsd).is_file(), "{xsd}");
    }
    let uttrekk = fs::read_to_string(out.join("arkivuttrekk.xml")).unwrap();
    assert!(uttrekk.contains(&format!("<value>{}</value>", summary.document_files)), "antallDokumentfiler");
    let json = tmp.path().join("report.json");
    // A converted extract is on its way into the new archive: the migration profile. A depot
    // would reject only its journalstatus "Journalført", its open saker, and the journals and
    // the endringslogg it does not carry (N5.59/60/61/62: Noark 4 has neither, and an empty
    // endringslogg is not valid), as Arkade does.
    let deposit = common::samla(&["-q", "check", out.to_str().unwrap(), "--report-json", json.to_str().unwrap()]);
    assert_eq!(deposit.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    for control in report["controls"].as_array().unwrap() {
        let errors = control["findings"].as_array().unwrap().iter().filter(|f| f["severity"] == "error").count();
        assert!(
            errors == 0
                || ["N5.15", "N5.22", "N5.59", "N5.60", "N5.61", "N5.62"].contains(&control["id"].as_str().unwrap()),
            "{control}"
        );
    }
    let o = common::samla(&[
        "-q",
        "check",
        out.to_str().unwrap(),
        "--profile",
        "migration",
        "--report-json",
        json.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["summary"]["errors"], 0, "{stdout}");
    assert_eq!(report["summary"]["registreringer"], summary.rows("JOURNPOST"));
    assert_eq!(report["summary"]["dokumentobjekter"], summary.rows("DOKVERSJON"));
    // The copied XSDs are the official ones, and arkivstruktur.xml is validated against them.
    let schemas = report["summary"]["schemas"].as_str().unwrap();
    assert!(schemas.contains("3 of 3") && !schemas.contains("no schema"), "{schemas}");
}

#[test]
fn samla_convert_writes_a_noark5_extract_that_samla_check_passes_and_reports_source_faults() {
    let tmp = tempfile::tempdir().unwrap();
    let clean = tmp.path().join("clean");
    let run = |args: &[&str]| common::samla(args);
    assert!(
        run(&["-q", "generate", "--format", "noark4", "--out", clean.to_str().unwrap(), "--mapper", "30"])
            .status
            .success()
    );
    let n5 = tmp.path().join("n5");
    let o = run(&["convert", clean.to_str().unwrap(), "--out", n5.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("saksmappe") && stdout.contains("0 errors"), "{stdout}");
    let check = run(&["-q", "check", n5.to_str().unwrap(), "--profile", "migration"]);
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stdout));

    // A broken foreign key in the source: converted, reported with table and file, exit 1.
    let faulty = tmp.path().join("faulty");
    let args = ["-q", "generate", "--format", "noark4", "--out", faulty.to_str().unwrap(), "--mapper", "30"];
    assert!(run(&[&args[..], &["--noark4-fault", "n4-broken-foreign-key"]].concat()).status.success());
    let o = run(&["convert", faulty.to_str().unwrap(), "--out", tmp.path().join("n5b").to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains(".XML:") && stdout.contains("error"), "{stdout}");
}

/// The row blocks `<ROW>…</ROW>` of a generated table file, in file order, with the text
/// before the first and after the last.
fn row_blocks(text: &str, row: &str) -> (String, Vec<String>, String) {
    let (open, close) = (format!("<{row}>"), format!("</{row}>\n"));
    let first = text.find(&open).unwrap_or(text.len());
    let mut blocks = Vec::new();
    let mut at = first;
    while let Some(start) = text[at..].find(&open).map(|i| at + i) {
        let end = text[start..].find(&close).unwrap() + start + close.len();
        blocks.push(text[start..end].to_string());
        at = end;
    }
    (text[..first].to_string(), blocks, text[at..].to_string())
}

/// Tables out of parent order (AVSMOT reversed; MERKNAD rows of orphan keys in between)
/// give the very same Noark 5 extract: the merge join falls back to holding the rows.
#[test]
fn tables_out_of_key_order_convert_the_same() {
    use samla_legacy::noark4::convert::{ConvertOptions, convert};
    let tmp = tempfile::tempdir().unwrap();
    let (dir, summary) = make(tmp.path(), 60, &[Fault::BrokenForeignKey]);
    let sorted = tmp.path().join("sorted");
    let done = convert(&Noark4::open(&dir).unwrap(), &sorted, &ConvertOptions::new("ski")).unwrap();
    assert_eq!(done.counts["korrespondansepart"].written, summary.rows("AVSMOT"));

    // Each journalpost has one AVSMOT row, so any order of the table must give the same
    // XML: reversed (every row late), neighbours swapped (a row of the journalpost just
    // taken, right behind the next one's) and rotated (a third of the rows early).
    let path = dir.join("AVSMOT.XML");
    let original = fs::read_to_string(&path).unwrap();
    let (head, blocks, tail) = row_blocks(&original, "AVSMOT");
    assert!(blocks.len() > 100);
    let codes = |c: &samla_legacy::noark4::convert::Conversion| {
        let mut v: Vec<String> = c.findings.iter().map(|f| format!("{} {:?}", f.code, f.key)).collect();
        v.sort();
        v
    };
    let reversed: Vec<String> = blocks.iter().rev().cloned().collect();
    let swapped: Vec<String> = blocks.chunks(2).flat_map(|pair| pair.iter().rev().cloned()).collect();
    let mut rotated = blocks.clone();
    rotated.rotate_left(blocks.len() / 3);
    for (name, order) in [("reversed", reversed), ("swapped", swapped), ("rotated", rotated)] {
        fs::write(&path, format!("{head}{}{tail}", order.concat())).unwrap();
        let shuffled = tmp.path().join(name);
        let again = convert(&Noark4::open(&dir).unwrap(), &shuffled, &ConvertOptions::new("ski")).unwrap();
        for file in ["arkivstruktur.xml", "crosswalk.csv", "arkivuttrekk.xml"] {
            let same = fs::read(sorted.join(file)).unwrap() == fs::read(shuffled.join(file)).unwrap();
            assert!(same, "{name}: {file} differs");
        }
        assert_eq!(done.counts, again.counts, "{name}");
        assert_eq!(codes(&done), codes(&again), "{name}");
    }
}

/// `samla convert` writes into `<out>.partial` and renames at the end: killed at any moment,
/// it leaves nothing under the final name, and the next run gives the same bytes (issue 15).
#[test]
fn a_killed_conversion_started_again_gives_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, _) = make(tmp.path(), 400, &[]);
    let out = tmp.path().join("oppegard");
    common::killed_and_rerun_gives_the_same_bytes(
        &out,
        &["-q", "convert", dir.to_str().unwrap(), "--out", out.to_str().unwrap()],
    );
    assert!(!tmp.path().join("oppegard.partial").exists());
    // A folder that is not empty is refused, and left as it was.
    let o = common::samla(&["-q", "convert", dir.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not empty"));
    assert!(out.join("arkivstruktur.xml").exists());
}

/// `samla check` on a Noark 4 extract runs the Noark 4 checks, writes its report and points
/// to `samla convert`; missing table files are all named at once, by check (findings, exit 1)
/// and by convert (exit 2), never only the first (issue 14).
#[test]
fn check_reads_a_noark4_extract_and_names_every_missing_table() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, summary) = make(tmp.path(), 20, &[]);
    let json = tmp.path().join("report.json");
    let o = common::samla(&["check", dir.to_str().unwrap(), "--report-json", json.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("samla convert"));
    let report: serde_json::Value = serde_json::from_slice(&fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["summary"]["version"], "Noark 4");
    assert_eq!(report["summary"]["registreringer"], summary.rows("JOURNPOST"));
    let o = common::samla(&["inspect", dir.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success() && said.contains("Noark 4 extract"), "{said}");
    let noarksak = format!("{} rows", summary.rows("NOARKSAK"));
    assert!(said.lines().any(|l| l.contains("NOARKSAK") && l.contains(&noarksak)), "{said}");

    for table in ["AVSMOT.XML", "DOKLINK.XML"] {
        fs::remove_file(dir.join(table)).unwrap();
    }
    let o = common::samla(&["-q", "check", dir.to_str().unwrap(), "--report-json", json.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let report = fs::read_to_string(&json).unwrap();
    assert!(report.contains("AVSMOT.XML") && report.contains("DOKLINK.XML"), "{report}");
    let out = tmp.path().join("n5");
    let o = common::samla(&["-q", "convert", dir.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(said.contains("2 table files") && said.contains("AVSMOT.XML") && said.contains("DOKLINK.XML"), "{said}");
    assert!(!out.exists());
}

/// `samla package` says what it was given when that is not Noark 5, and what to do.
#[test]
fn package_names_a_noark4_extract_and_points_to_convert() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, _) = make(tmp.path(), 5, &[]);
    let out = tmp.path().join("pakke");
    let o = common::samla(&["-q", "package", dir.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(said.contains("a Noark 4 extract") && said.contains("samla convert"), "{said}");
}
