//! Parity with Arkade 5's Noark 5 controls where samla was laxer (issue 14): each scenario
//! of Arkade's source (`Testing/Noark5/N5_*.cs`, commit f31a5d42) rebuilt on a generated
//! extract, with Arkade's verdict asserted under the same ID.

use std::path::{Path, PathBuf};

use crate::common::{generate, samla};
use crate::parity::n5_counts::stat;
use serde_json::Value;

fn check(path: &Path, extra: &[&str]) -> Value {
    let json = path.parent().unwrap().join("report.json");
    let mut args = vec!["-q", "check", path.to_str().unwrap(), "--report-json", json.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = samla(&args);
    assert!(o.status.code().is_some_and(|c| c < 2), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap()
}

/// (severity, English message, first location's detail) of each finding group of `id`.
fn findings(report: &Value, id: &str) -> Vec<(String, String, String)> {
    let c = report["controls"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap();
    c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let detail = g["locations"][0]["detail"].as_str().or(g["locations"][0]["file"].as_str()).unwrap_or("");
            (g["severity"].as_str().unwrap().into(), g["message"]["en"].as_str().unwrap().into(), detail.into())
        })
        .collect()
}

fn errors(report: &Value, id: &str) -> Vec<(String, String)> {
    findings(report, id).into_iter().filter(|f| f.0 == "error").map(|f| (f.1, f.2)).collect()
}

/// A generated v5.0 extract of three saksmapper, its arkivstruktur.xml edited by `edit`.
fn extract(dir: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    let out = generate(dir, &["--seed", "5", "--mapper", "3"]);
    let file = out.join("arkivstruktur.xml");
    let xml = std::fs::read_to_string(&file).unwrap();
    let edited = edit(xml.clone());
    std::fs::write(&file, edited).unwrap();
    out
}

fn replace_first(xml: String, from: &str, to: &str) -> String {
    assert!(xml.contains(from), "{from} is not in the extract");
    xml.replacen(from, to, 1)
}

#[test]
fn clean_v5_extract_names_n5_35_as_arkade_does() {
    let tmp = tempfile::tempdir().unwrap();
    let out = extract(tmp.path(), |x| x);
    let report = check(&out, &[]);
    assert_eq!(report["summary"]["errors"], 0, "{}", report["summary"]);
    let n535 = report["controls"].as_array().unwrap().iter().find(|c| c["id"] == "N5.35").unwrap();
    assert_eq!(n535["name"]["nb"], "Antall parter");
}

/// N5.30: the stated sjekksum against the file's SHA-256, whatever sjekksumAlgoritme says.
#[test]
fn n5_30_compares_with_sha256_whatever_the_algorithm() {
    let tmp = tempfile::tempdir().unwrap();
    // No algorithm and a wrong checksum: Arkade's error (samla said nothing).
    let out = extract(tmp.path(), |x| {
        let x = replace_first(
            x,
            "<sjekksumAlgoritme>SHA256</sjekksumAlgoritme>",
            "<sjekksumAlgoritme>ukjent</sjekksumAlgoritme>",
        );
        let at = x.find("<sjekksum>").unwrap() + "<sjekksum>".len();
        format!("{}{}{}", &x[..at], "0".repeat(64), &x[at + 64..])
    });
    let report = check(&out, &[]);
    let n530 = errors(&report, "N5.30");
    assert_eq!(n530.len(), 1, "{n530:?}");
    assert_eq!(n530[0].0, "The checksum does not match the document file");
    // A right SHA-512 is no SHA-256: an error, with the reason in the detail.
    let tmp = tempfile::tempdir().unwrap();
    let out = generate(tmp.path(), &["--seed", "5", "--mapper", "3"]);
    let file = out.join("arkivstruktur.xml");
    let xml = std::fs::read_to_string(&file).unwrap();
    let reference = xml.split("<referanseDokumentfil>").nth(1).unwrap().split('<').next().unwrap().to_string();
    let sha512 = std::process::Command::new("sha512sum").arg(out.join(&reference)).output().unwrap();
    let sha512 = String::from_utf8(sha512.stdout).unwrap().split_whitespace().next().unwrap().to_string();
    let at = xml.find("<sjekksum>").unwrap() + "<sjekksum>".len();
    let xml = format!("{}{sha512}{}", &xml[..at], &xml[at + 64..]);
    std::fs::write(&file, replace_first(xml, "<sjekksumAlgoritme>SHA256</", "<sjekksumAlgoritme>SHA512</")).unwrap();
    let n530 = errors(&check(&out, &[]), "N5.30");
    assert_eq!(n530.len(), 1, "{n530:?}");
    assert!(n530[0].1.contains("it matches the algorithm stated, but Arkade compares with SHA-256"), "{n530:?}");
}

/// N5.32 and N5.33: a reference names its file exactly, case and all.
#[test]
fn n5_32_n5_33_match_references_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let out = extract(tmp.path(), |x| x);
    let xml = std::fs::read_to_string(out.join("arkivstruktur.xml")).unwrap();
    let reference = xml.split("<referanseDokumentfil>").nth(1).unwrap().split('<').next().unwrap().to_string();
    let upper = reference.replace(".pdf", ".PDF");
    std::fs::rename(out.join(&reference), out.join(&upper)).unwrap();
    let report = check(&out, &[]);
    let n532 = errors(&report, "N5.32");
    assert_eq!(n532.len(), 1, "{n532:?}");
    assert_eq!(n532[0].1, format!("{reference} (funnet som/found as {upper})"));
    assert!(errors(&report, "N5.30").iter().any(|e| e.0 == "The document file was not found"));
    let n533 = errors(&report, "N5.33");
    assert_eq!(n533, [("No dokumentobjekt references the file".to_string(), upper)]);
}

/// N5.29 as Arkade's HasFormatMismatch: the extension must be the format's text.
#[test]
fn n5_29_compares_the_extension_with_the_format() {
    let tmp = tempfile::tempdir().unwrap();
    let out = extract(tmp.path(), |x| {
        let x = replace_first(x, "<format>pdf</format>", "<format>docx</format>");
        replace_first(x, "<format>pdf</format>", "<format>fmt/95</format>")
    });
    let report = check(&out, &[]);
    let n529 = errors(&report, "N5.29");
    assert_eq!(n529.len(), 1, "one group of two: {n529:?}");
    let group =
        report["controls"].as_array().unwrap().iter().find(|c| c["id"] == "N5.29").unwrap()["findings"][0]["count"]
            .as_u64();
    assert_eq!(group, Some(2));
    // A migration extract: a warning, which only a depot's tool makes an error.
    let report = check(&out, &["--profile", "migration"]);
    assert!(errors(&report, "N5.29").is_empty());
    assert_eq!(findings(&report, "N5.29")[0].0, "warning");
}

/// N5.27: an opprettetDato that is no date is an error under N5.27, not only S.05.
#[test]
fn n5_27_reports_an_invalid_creation_date() {
    let tmp = tempfile::tempdir().unwrap();
    let out = extract(tmp.path(), |x| {
        let at = x.find("<registrering").unwrap();
        let (head, tail) = x.split_at(at);
        let tail = tail.replacen("<opprettetDato>", "<opprettetDato>1864-10-09+1:00</opprettetDato><skip>", 1);
        let skip = tail.find("<skip>").unwrap();
        let end = skip + tail[skip..].find("</opprettetDato>").unwrap() + "</opprettetDato>".len();
        format!("{head}{}{}", &tail[..skip], &tail[end..])
    });
    let report = check(&out, &[]);
    let n527 = errors(&report, "N5.27");
    assert_eq!(n527.len(), 1, "{n527:?}");
    assert_eq!(n527[0].1, "1864-10-09+1:00");
}

/// N5.63: an element with attributes but no text, and an empty element inside
/// virksomhetsspesifikkeMetadata, have no content.
#[test]
fn n5_63_finds_empty_elements_with_attributes_and_in_business_metadata() {
    let tmp = tempfile::tempdir().unwrap();
    let out = extract(tmp.path(), |x| {
        let x = replace_first(x, "<poststed>", "<poststed lang=\"nb\"></poststed><x>");
        let start = x.find("<x>").unwrap();
        let end = start + x[start..].find("</poststed>").unwrap() + "</poststed>".len();
        let x = format!("{}{}", &x[..start], &x[end..]);
        replace_first(
            x,
            "</dokumentbeskrivelse>",
            "<virksomhetsspesifikkeMetadata><v:felt xmlns:v=\"urn:samla:test\"></v:felt></virksomhetsspesifikkeMetadata></dokumentbeskrivelse>",
        )
    });
    let report = check(&out, &[]);
    let n563: Vec<String> = errors(&report, "N5.63").into_iter().map(|e| e.0).collect();
    assert_eq!(n563, ["The element has no content"]);
    let c = report["controls"].as_array().unwrap().iter().find(|c| c["id"] == "N5.63").unwrap();
    assert_eq!(c["findings"][0]["count"], 2, "{c}");
}

/// N5.61 and N5.62: a missing endringslogg.xml is an error for a deposit, listed in
/// arkivuttrekk.xml or not; a warning for a migration.
#[test]
fn n5_61_n5_62_a_missing_endringslogg_is_an_error_for_a_deposit() {
    let tmp = tempfile::tempdir().unwrap();
    let out = extract(tmp.path(), |x| x);
    std::fs::remove_file(out.join("endringslogg.xml")).unwrap();
    // Not listed either: without arkivuttrekk.xml.
    std::fs::remove_file(out.join("arkivuttrekk.xml")).unwrap();
    let report = check(&out, &[]);
    for id in ["N5.61", "N5.62"] {
        assert_eq!(findings(&report, id)[0].0, "error", "{id}");
    }
    let report = check(&out, &["--profile", "migration"]);
    assert_eq!(findings(&report, "N5.61")[0].0, "warning");
}

/// N5.48 as Arkade: a reference is valid only to an arkivdel that holds a referanseArkivdel
/// of its own.
#[test]
fn n5_48_wants_the_target_arkivdel_to_refer_too() {
    let tmp = tempfile::tempdir().unwrap();
    let mappe = |id: &str, to: &str| {
        format!(
            "<mappe><systemID>{id}</systemID><mappeID>{id}</mappeID><tittel>t</tittel><opprettetDato>2020-01-01T00:00:00Z</opprettetDato><opprettetAv>a</opprettetAv>{to}</mappe>"
        )
    };
    let arkivdel = |id: &str, body: &str| {
        format!(
            "<arkivdel><systemID>{id}</systemID><tittel>{id}</tittel><arkivdelstatus>Avsluttet periode</arkivdelstatus>{body}</arkivdel>"
        )
    };
    let write = |a_refers: bool| {
        let dir = tmp.path().join(format!("x{a_refers}"));
        std::fs::create_dir_all(dir.join("uttrekk")).unwrap();
        let a_body = mappe("m-a", if a_refers { "<referanseArkivdel>A</referanseArkivdel>" } else { "" });
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<arkiv xmlns=\"http://www.arkivverket.no/standarder/noark5/arkivstruktur\"><systemID>arkiv</systemID><tittel>t</tittel><arkivstatus>Avsluttet</arkivstatus>{}{}</arkiv>\n",
            arkivdel("A", &a_body),
            arkivdel("B", &mappe("m-b", "<referanseArkivdel>A</referanseArkivdel>")),
        );
        std::fs::write(dir.join("uttrekk/arkivstruktur.xml"), xml).unwrap();
        dir.join("uttrekk")
    };
    let lone = check(&write(false), &[]);
    assert_eq!(errors(&lone, "N5.48").len(), 1, "{:?}", findings(&lone, "N5.48"));
    let both = check(&write(true), &[]);
    assert_eq!(errors(&both, "N5.48").len(), 0, "{:?}", findings(&both, "N5.48"));
}

/// N5.14, N5.21, N5.24, N5.34 and N5.64 count as Arkade counts: units under an Utgår mappe or
/// registrering are left out, a dokumentbeskrivelse on paper is counted on its own line, and
/// references are counted as written, per arkivdel.
#[test]
fn counts_leave_out_utgaar_and_paper_as_arkade_does() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("uttrekk");
    std::fs::create_dir_all(dir.join("DOKUMENT")).unwrap();
    std::fs::write(dir.join("DOKUMENT/empty.pdf"), b"").unwrap();
    let objekt = "<dokumentobjekt><versjonsnummer>1</versjonsnummer><variantformat>Arkivformat</variantformat><format>pdf</format><referanseDokumentfil>DOKUMENT/empty.pdf</referanseDokumentfil><sjekksum>e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855</sjekksum><sjekksumAlgoritme>SHA256</sjekksumAlgoritme><filstoerrelse>0</filstoerrelse></dokumentobjekt>";
    let db = |medium: &str, objekt: &str| {
        format!("<dokumentbeskrivelse><systemID>d</systemID><tittel>d</tittel>{medium}{objekt}</dokumentbeskrivelse>")
    };
    let reg = |status: &str, body: &str| {
        format!(
            "<registrering><systemID>r</systemID><tittel>r</tittel>{body}<journalstatus>{status}</journalstatus></registrering>"
        )
    };
    let mappe = |status: &str, body: &str| {
        format!("<mappe><systemID>m</systemID><tittel>m</tittel>{body}<saksstatus>{status}</saksstatus></mappe>")
    };
    let body = [
        mappe("Utgår", &reg("Arkivert", "")),
        mappe("Avsluttet", &reg("utgår", "")),
        mappe("Avsluttet", &reg("Arkivert", "")),
        mappe("Avsluttet", &reg("Arkivert", &(db("<dokumentmedium>Fysisk arkiv</dokumentmedium>", "") + &db("", "")))),
        mappe("Avsluttet", ""),
        mappe("UTGÅR", ""),
        mappe("Avsluttet", &reg("Arkivert", &db("", objekt))),
        mappe("Utgår", &reg("Arkivert", &db("", objekt))),
    ]
    .concat();
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<arkiv xmlns=\"http://www.arkivverket.no/standarder/noark5/arkivstruktur\"><systemID>a</systemID><tittel>a</tittel><arkivdel><systemID>A</systemID><tittel>A</tittel>{body}</arkivdel></arkiv>\n"
    );
    std::fs::write(dir.join("arkivstruktur.xml"), xml).unwrap();
    let report = check(&dir, &[]);
    assert_eq!(stat(&report, "N5.14", "Total"), "1", "the empty Avsluttet mappe, not the Utgår one");
    assert_eq!(stat(&report, "N5.21", "Total"), "1", "only the registrering outside Utgår");
    assert_eq!(stat(&report, "N5.24", "Total"), "1");
    assert_eq!(
        stat(&report, "N5.24", "Besides: without dokumentobjekt, on \"fysisk arkiv\" or \"fysisk medium\""),
        "1"
    );
    assert_eq!(stat(&report, "N5.34", "Total"), "1", "DOKUMENT/empty.pdf twice in arkivdel A");
    assert_eq!(stat(&report, "N5.64", "Total"), "1", "the empty file, once outside Utgår");
    // samla's own listing stays: the empty file is an error at each reference.
    assert_eq!(errors(&report, "N5.64").len(), 1);
}
