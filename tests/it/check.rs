//! `samla check`: clean extracts pass, every injected fault is found by its control, and
//! on Arkivverket's own test package samla finds what Arkade found.

use crate::common;
use std::path::Path;

use crate::common::{arkade, generate, samla};
use serde_json::Value;

/// Runs `samla check PATH --report-json` and returns (exit code, report).
fn check(path: &Path, extra: &[&str]) -> (i32, Value) {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let mut args = vec!["-q", "check", path.to_str().unwrap(), "--report-json", json.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = samla(&args);
    let code = o.status.code().expect("exited");
    assert!(code < 2, "check could not run: {}", String::from_utf8_lossy(&o.stderr));
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    (code, report)
}

fn control<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["controls"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("{id} missing"))
}

fn errors(report: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for c in report["controls"].as_array().unwrap() {
        for g in c["findings"].as_array().unwrap() {
            if g["severity"] == "error" {
                out.push((c["id"].as_str().unwrap().to_string(), g["message"]["en"].as_str().unwrap().to_string()));
            }
        }
    }
    out
}

/// The statistic labelled `label` (Norwegian) of control `id`.
fn stat(report: &Value, id: &str, label: &str) -> String {
    let c = control(report, id);
    let s = c["stats"].as_array().unwrap().iter().find(|s| s["label"]["nb"] == label);
    s.unwrap_or_else(|| panic!("{id} has no stat {label:?}: {}", c["stats"]))["value"].as_str().unwrap().to_string()
}

#[test]
fn clean_generated_extracts_have_no_errors() {
    let tmp = tempfile::tempdir().unwrap();
    for version in ["5.0", "3.1"] {
        let dir = generate(&tmp.path().join(version), &["--seed", "21", "--mapper", "300", "--noark-version", version]);
        let (code, report) = check(&dir, &[]);
        assert_eq!(errors(&report), Vec::<(String, String)>::new(), "{version}");
        assert_eq!(code, 0);
        assert_eq!(report["summary"]["mapper"], 300);
        assert_eq!(stat(&report, "N5.04", "Totalt"), "1");
        assert_eq!(report["controls"].as_array().unwrap().len(), samla_check::controls::CONTROLS.len());
    }
}

/// Generates with one fault and returns the systemID and file the generator names.
fn faulty(dir: &Path, fault: &str) -> (std::path::PathBuf, Option<String>, String) {
    let out = dir.join("uttrekk");
    let o = samla(&["generate", "--out", out.to_str().unwrap(), "--seed", "8", "--mapper", "60", "--fault", fault]);
    assert!(o.status.success());
    let stdout = String::from_utf8_lossy(&o.stdout);
    let line = stdout.lines().find(|l| l.trim_start().starts_with("injected")).expect("the fault is reported");
    let rest = line.split_once(": ").unwrap().1;
    let (file, system_id) = match rest.split_once(" systemID ") {
        Some((f, id)) => (f.to_string(), Some(id.trim().to_string())),
        None => (rest.trim().to_string(), None),
    };
    (out, system_id, file)
}

#[test]
fn every_injected_fault_is_found_by_its_control() {
    let cases = [
        ("wrong-checksum", "N5.30"),
        ("missing-document", "N5.32"),
        ("unreferenced-file", "N5.33"),
        ("duplicate-systemid", "N5.47"),
        ("broken-referansearkivdel", "N5.48"),
        ("count-mismatch", "N5.10"),
        ("empty-element", "N5.63"),
        ("journal-count-mismatch", "N5.59"),
        ("bad-date", "S.05"),
    ];
    assert_eq!(cases.len(), samla_fixtures::generate::Fault::ALL.len(), "a test case for every fault kind");
    for (fault, id) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, system_id, file) = faulty(tmp.path(), fault);
        let (code, report) = check(&dir, &[]);
        assert_eq!(code, 1, "{fault}");
        let c = control(&report, id);
        let groups: Vec<&Value> =
            c["findings"].as_array().unwrap().iter().filter(|g| g["severity"] == "error").collect();
        assert!(!groups.is_empty(), "{fault}: no error under {id}: {c}");
        // The group that names a unit, where the fault has one.
        let group = groups
            .iter()
            .find(|g| system_id.is_none() || g["locations"][0]["system_id"].is_string())
            .unwrap_or(&groups[0]);
        let at = &group["locations"][0];
        match &system_id {
            Some(id) => assert_eq!(at["system_id"].as_str(), Some(id.as_str()), "{fault}: {group}"),
            None => {
                let named =
                    at["file"].as_str() == Some(&file) || at["detail"].as_str().is_some_and(|d| d.contains(&file));
                assert!(named, "{fault}: {file} not named in {group}");
            }
        }
        if fault.contains("document") || fault == "wrong-checksum" || fault == "unreferenced-file" {
            assert!(at["detail"].as_str().is_some_and(|d| d.contains(&file)) || at["file"] == file, "{fault}: {group}");
        }
    }
}

#[test]
fn on_arkivverkets_package_samla_finds_what_arkade_found() {
    // Arkade 5's own report on this package (Arkaderapport-n5-guid.html) lists deviations
    // under these controls; samla checks the package straight from the tar.
    let tar = arkade().join("packages/n5-eksempel/n5-guid.tar");
    let (code, report) = check(&tar, &[]);
    assert_eq!(code, 1);
    for id in ["N5.02", "N5.16", "N5.22", "N5.45", "N5.59", "N5.60", "N5.61", "N5.62"] {
        assert!(!control(&report, id)["findings"].as_array().unwrap().is_empty(), "{id}: Arkade found a deviation");
    }
    let n502 = &control(&report, "N5.02")["findings"][0]["locations"][0]["detail"];
    assert!(n502.as_str().unwrap().contains("001283adc97f9b223f8233165aa180c8ee68d2130b56d7d55f3e9425403c19c1"));
    // Arkade's counts for the same package.
    for (id, label, value) in [
        ("N5.04", "Totalt", "1"),
        ("N5.05", "Totalt", "1"),
        ("N5.07", "Totalt", "1"),
        ("N5.08", "Totalt", "3"),
        ("N5.10", "Totalt", "1"),
        ("N5.16", "Totalt", "2"),
        ("N5.22", "Journalstatus: Journalført", "1"),
        ("N5.23", "Totalt", "2"),
        ("N5.26", "Totalt", "2"),
        ("N5.28", "Dokumentfiler funnet i dokumenter/", "2"),
        ("N5.29", "Dokumentformat: pdf", "1"),
        ("N5.35", "Totalt", "1"),
        ("N5.36", "Totalt", "4"),
        ("N5.37", "Totalt", "2"),
        ("N5.38", "Totalt", "1"),
        ("N5.39", "Totalt", "2"),
        ("N5.40", "Avskrivningsmåte: Besvart med e-post", "1"),
        ("N5.41", "Totalt", "1"),
        ("N5.42", "Totalt", "4"),
        ("N5.43", "Totalt", "1"),
        ("N5.44", "Totalt", "1"),
        ("N5.45", "Totalt", "0"),
        ("N5.46", "Totalt", "1"),
    ] {
        assert_eq!(stat(&report, id, label), value, "{id} {label}");
    }
    let first_last = stat(&report, "N5.27", "Arkivdel: første – siste registrering");
    assert!(first_last.ends_with("1863-10-18 – 1864-05-19"), "{first_last}");
    for id in ["N5.47", "N5.48", "N5.51", "N5.63"] {
        assert!(control(&report, id)["findings"].as_array().unwrap().is_empty(), "{id}: Arkade found none");
    }
}

#[test]
fn noark5archive_counts_match_a_hand_count() {
    let dir = arkade().join("noark5/Noark5Archive");
    let xml = std::fs::read_to_string(dir.join("arkivstruktur.xml")).unwrap();
    let (_, report) = check(&dir, &[]);
    let count =
        |tag: &str| (xml.matches(&format!("<{tag}>")).count() + xml.matches(&format!("<{tag} ")).count()).to_string();
    assert_eq!(stat(&report, "N5.05", "Totalt"), count("arkivdel"));
    assert_eq!(stat(&report, "N5.08", "Totalt"), count("klasse"));
    assert_eq!(stat(&report, "N5.10", "Totalt"), count("mappe"));
    assert_eq!(stat(&report, "N5.16", "Totalt"), count("registrering"));
    assert_eq!(stat(&report, "N5.23", "Totalt"), count("dokumentbeskrivelse"));
    assert_eq!(stat(&report, "N5.26", "Totalt"), count("dokumentobjekt"));
    assert_eq!(stat(&report, "N5.39", "Totalt"), count("korrespondansepart"));
    assert_eq!(report["summary"]["registreringer"].to_string(), count("registrering"));
}

#[test]
fn a_control_selection_file_runs_only_those_controls() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "2", "--mapper", "20"]);
    let selection = tmp.path().join("controls.txt");
    std::fs::write(&selection, "# only these\nN5.01\nN5.47 # systemIDs\n\nS.05\n").unwrap();
    let (_, report) = check(&dir, &["--controls", selection.to_str().unwrap()]);
    let ids: Vec<&str> = report["controls"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["N5.01", "N5.47", "S.05"]);

    std::fs::write(&selection, "N5.99\n").unwrap();
    let o = samla(&["check", dir.to_str().unwrap(), "--controls", selection.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("line 1: unknown control \"N5.99\""));
}

#[test]
fn schema_validation_passes_valid_extracts_and_names_the_line_of_an_error() {
    for extract in ["StructureValidation/correct", "StructureValidation/custom", "Small"] {
        let (_, report) = check(&arkade().join("noark5").join(extract), &[]);
        let n503 = control(&report, "N5.03");
        assert!(n503["findings"].as_array().unwrap().is_empty(), "{extract}: {n503}");
        assert_eq!(stat(&report, "N5.03", "Skjemafeil i arkivstruktur.xml"), "0", "{extract}");
    }
    // The custom extract validates only because its vsmd.xsd is imported beside arkivstruktur.xsd.
    let (_, custom) = check(&arkade().join("noark5/StructureValidation/custom"), &[]);
    assert!(custom["summary"]["schemas"].as_str().unwrap().contains("vsmd.xsd"), "{}", custom["summary"]["schemas"]);

    // Version5_5: the one error xmllint reports, on the same line.
    let dir = arkade().join("noark5/Version5_5");
    let (code, report) = check(&dir, &[]);
    assert_eq!(code, 1);
    let expected = common::xmllint(&dir.join("arkivstruktur.xml"), &dir.join("arkivstruktur.xsd"));
    let lines: Vec<u64> = expected.iter().map(|e| e.split(':').nth(1).unwrap().parse().unwrap()).collect();
    let found: Vec<u64> = control(&report, "N5.03")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["locations"].as_array().unwrap().iter().map(|l| l["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(found, lines);
}

#[test]
fn schema_validation_runs_straight_from_a_dias_tar_and_uses_the_schema_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "5", "--mapper", "30", "--fault", "empty-element"]);
    let (_, report) = check(&dir, &["--schemas", common::schemas().to_str().unwrap()]);
    let n503 = control(&report, "N5.03");
    let messages: Vec<&str> =
        n503["findings"].as_array().unwrap().iter().map(|g| g["message"]["en"].as_str().unwrap()).collect();
    assert!(messages.iter().any(|m| m.contains("beskrivelse")), "{messages:?}");

    let tar = arkade().join("packages/n5-eksempel/n5-guid.tar");
    let (_, report) = check(&tar, &["--schemas", common::schemas().to_str().unwrap()]);
    // The package's arkivstruktur.xsd is not an official file, so the official v3.1 schema is used.
    let schemas = report["summary"]["schemas"].as_str().unwrap();
    assert!(
        schemas.contains("arkivstruktur.xml:") && schemas.contains("official, from the schema folder"),
        "{schemas}"
    );
}

/// Arkade's N5.15, N5.17, N5.22 and N5.25 (issue 14): an open sak, a journalstatus other
/// than "Arkivert"/"Utgår" and an unfinished document are errors in the deposit profile (the
/// default) and warnings in the migration profile; an empty journalposttype or journalstatus is an error in both. The
/// report names its profile.
#[test]
fn profiles_grade_what_only_a_depot_forbids() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "21", "--mapper", "20"]);
    let path = dir.join("arkivstruktur.xml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen("<saksstatus>Avsluttet</saksstatus>", "<saksstatus>Under behandling</saksstatus>", 1);
    let text =
        text.replacen("<journalstatus>Arkivert</journalstatus>", "<journalstatus>Journalført</journalstatus>", 1);
    let text = text.replacen(
        "<dokumentstatus>Dokumentet er ferdigstilt</dokumentstatus>",
        "<dokumentstatus>Dokumentet er under redigering</dokumentstatus>",
        1,
    );
    assert_eq!(text.matches("Dokumentet er under redigering").count(), 1);
    assert_eq!(text.matches("Under behandling").count(), 1);
    assert_eq!(text.matches("Journalført").count(), 1);
    std::fs::write(&path, &text).unwrap();
    let severity = |report: &Value, id: &str, message: &str| -> Option<String> {
        control(report, id)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["message"]["en"].as_str().unwrap().contains(message))
            .map(|g| g["severity"].as_str().unwrap().to_string())
    };
    let (_, deposit) = check(&dir, &[]);
    assert_eq!(deposit["summary"]["profile"], "deposit");
    assert_eq!(severity(&deposit, "N5.15", "not closed").as_deref(), Some("error"));
    assert_eq!(severity(&deposit, "N5.22", "as a deposit requires").as_deref(), Some("error"));
    assert_eq!(severity(&deposit, "N5.25", "not finished").as_deref(), Some("error"));
    let (_, migration) = check(&dir, &["--profile", "migration"]);
    assert_eq!(migration["summary"]["profile"], "migration");
    assert_eq!(severity(&migration, "N5.15", "not closed").as_deref(), Some("warning"));
    assert_eq!(severity(&migration, "N5.22", "as a deposit requires").as_deref(), Some("warning"));
    assert_eq!(severity(&migration, "N5.25", "not finished").as_deref(), Some("warning"));

    let text = text.replacen("<journalstatus>Arkivert</journalstatus>", "<journalstatus></journalstatus>", 1);
    let at = text.find("<journalposttype>").unwrap();
    let end = text[at..].find("</journalposttype>").unwrap() + at;
    let text = format!("{}<journalposttype>{}", &text[..at], &text[end..]);
    std::fs::write(&path, &text).unwrap();
    let (_, migration) = check(&dir, &["--profile", "migration"]);
    assert_eq!(severity(&migration, "N5.22", "no journalstatus").as_deref(), Some("error"));
    assert_eq!(severity(&migration, "N5.17", "no journalposttype").as_deref(), Some("error"));
}

/// Counting as Arkade counts (issue 14): an utført kassasjon of the arkivdel counts for
/// N5.45 (samla missed it, so a false error followed), a mappe count that is not stated is
/// 0 (N5.10), and a flag that is not stated is false (N5.42–44).
#[test]
fn stated_counts_and_flags_count_as_arkade_counts_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "21", "--mapper", "3"]);
    let (s, u) = (dir.join("arkivstruktur.xml"), dir.join("arkivuttrekk.xml"));
    let structure = std::fs::read_to_string(&s).unwrap();
    let uttrekk = std::fs::read_to_string(&u).unwrap();
    let executed = "</arkivperiodeSluttDato>\n    <utfoertKassasjon><kassertDato>2020-01-01T00:00:00+01:00</kassertDato><kassertAv>Arkivar</kassertAv></utfoertKassasjon>";
    std::fs::write(&s, structure.replacen("</arkivperiodeSluttDato>", executed, 1)).unwrap();
    let flagged = uttrekk.replace(
        "name=\"omfatterDokumenterSomErKassert\">\n                    <value>false</value>",
        "name=\"omfatterDokumenterSomErKassert\">\n                    <value>true</value>",
    );
    assert_ne!(flagged, uttrekk);
    std::fs::write(&u, &flagged).unwrap();
    let (_, report) = check(&dir, &[]);
    assert!(!errors(&report).iter().any(|(id, _)| id == "N5.45"), "{:?}", errors(&report));

    // No stated mappe count, and no skjerming flag: 0 and false, as in Arkade.
    let at = flagged.find("<value>mappe</value>").unwrap();
    let start = flagged[..at].rfind("<property name=\"numberOfOccurrences\">").unwrap();
    let end =
        flagged[at..].find("</property>\n                  <property name=\"numberOfOccurrences\">").unwrap() + at;
    let unstated = format!("{}{}", &flagged[..start], &flagged[end + "</property>\n                  ".len()..]);
    assert!(!unstated.contains("<value>mappe</value>"));
    std::fs::write(&u, &unstated).unwrap();
    let (_, report) = check(&dir, &[]);
    let n510 = control(&report, "N5.10").to_string();
    assert!(n510.contains("oppgitt/stated 0, funnet/found 3"), "{n510}");

    // No omfatterDokumenterSomErKassert at all, with an utført kassasjon: false, so an error.
    let flag = "<property dataType=\"boolean\" name=\"omfatterDokumenterSomErKassert\">\n                    <value>true</value>\n                  </property>\n                  ";
    assert!(unstated.contains(flag));
    std::fs::write(&u, unstated.replace(flag, "")).unwrap();
    let (_, report) = check(&dir, &[]);
    assert!(
        errors(&report).iter().any(|(id, m)| id == "N5.45" && m.contains("says it does not")),
        "{:?}",
        errors(&report)
    );
}

/// Undermapper four deep (mappe in mappe, as the schemas allow) read whole: inspect counts
/// every mappe, and check finds no error and counts them as arkivuttrekk.xml states.
#[test]
fn deep_undermapper_are_read_and_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "3", "--mapper", "30", "--undermapper", "4"]);
    let (code, report) = check(&dir, &[]);
    assert_eq!(errors(&report), Vec::<(String, String)>::new());
    assert_eq!(code, 0);
    // 30 saksmapper, every third with four undermapper.
    assert_eq!(report["summary"]["mapper"], 30 + 10 * 4);
    let o = samla(&["inspect", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    let line = |want: [&str; 2]| out.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == want);
    assert!(line(["mappe/saksmappe", "30"]) && line(["mappe", "40"]), "{out}");
}

/// Checking an extract whose schemas are official copies nothing out of it: no temporary
/// folder is made, so none can outlive a kill (issue 15).
#[test]
fn official_schemas_are_not_copied_to_a_temporary_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "4", "--mapper", "5"]);
    let scratch = tmp.path().join("scratch");
    std::fs::create_dir(&scratch).unwrap();
    let json = tmp.path().join("r.json");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_samla"))
        .args(["-q", "check", dir.to_str().unwrap(), "--report-json", json.to_str().unwrap()])
        .env("TMPDIR", &scratch)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert!(
        report["summary"]["schemas"]
            .as_str()
            .unwrap()
            .contains("arkivstruktur.xml: the extract's arkivstruktur.xsd (official)")
    );
    assert_eq!(std::fs::read_dir(&scratch).unwrap().count(), 0, "something was written to the temporary folder");
}

/// As Arkade's N5.59: loependeJournal and offentligJournal must hold as many journalposter;
/// and, for a deposit, a missing journal is an error (issue 14).
#[test]
fn the_two_journals_are_compared_with_each_other() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "8", "--mapper", "10", "--no-documents"]);
    let path = dir.join("offentligJournal.xml");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.rfind("<journalregistrering").unwrap();
    let end = text.rfind("</journalregistrering>").unwrap() + "</journalregistrering>".len();
    std::fs::write(&path, format!("{}{}", &text[..start], &text[end..])).unwrap();
    let (_, report) = check(&dir, &["--controls", write_selection(tmp.path(), "N5.59").to_str().unwrap()]);
    assert!(
        errors(&report).iter().any(|(id, m)| id == "N5.59" && m.contains("do not hold as many journalposter")),
        "{:?}",
        errors(&report)
    );
    std::fs::remove_file(&path).unwrap();
    let (_, report) = check(&dir, &[]);
    assert!(
        errors(&report).iter().any(|(id, m)| id == "N5.59" && m.contains("does not exist")),
        "{:?}",
        errors(&report)
    );
}

fn write_selection(dir: &Path, ids: &str) -> std::path::PathBuf {
    let file = dir.join("controls.txt");
    std::fs::write(&file, ids).unwrap();
    file
}

/// As Arkade's N5.60: the two journals must cover the same period (issue 14).
#[test]
fn the_two_journals_cover_the_same_period() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "8", "--mapper", "10", "--no-documents"]);
    let path = dir.join("offentligJournal.xml");
    let text = std::fs::read_to_string(&path).unwrap();
    let at = text.find("<journalSluttDato>").unwrap() + "<journalSluttDato>".len();
    let moved = format!("{}2031-12-31{}", &text[..at], &text[at + 10..]);
    std::fs::write(&path, moved).unwrap();
    let (_, report) = check(&dir, &["--controls", write_selection(tmp.path(), "N5.60").to_str().unwrap()]);
    assert!(
        errors(&report).iter().any(|(id, m)| id == "N5.60" && m.contains("do not cover the same period")),
        "{:?}",
        errors(&report)
    );
}

/// The summary's version and the line `inspect` prints for it.
fn versions(dir: &Path) -> (String, String) {
    let (_, report) = check(dir, &["--controls", write_selection(dir.parent().unwrap(), "N5.03").to_str().unwrap()]);
    let o = samla(&["inspect", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    let line = out.lines().find_map(|l| l.trim().strip_prefix("Noark 5 version: ")).unwrap().to_string();
    (report["summary"]["version"].as_str().unwrap().to_string(), line)
}

/// Issue 14: with no arkivuttrekk.xml the version is read from the official XSDs the
/// extract carries, else from its content; never assumed to be 5.0. Where arkivuttrekk.xml
/// and the XSDs disagree (as in Arkivverket's StructureValidation/correct, "3.0" beside
/// v3.1's XSDs), both are named, and inspect and check say the same.
#[test]
fn the_version_is_read_from_the_schemas_or_the_content_never_assumed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "3", "--mapper", "5", "--noark-version", "4.0"]);
    std::fs::remove_file(dir.join("arkivuttrekk.xml")).unwrap();
    let (summary, inspect) = versions(&dir);
    assert_eq!(summary, "4.0 by its official XSDs (no version stated)");
    assert_eq!(inspect, summary);

    // Without XSDs: v4.0's sakspart tells 3.1 or 4.0, and the laxer v4.0 schema is chosen.
    for xsd in ["arkivstruktur", "metadatakatalog", "addml", "endringslogg", "loependeJournal", "offentligJournal"] {
        std::fs::remove_file(dir.join(format!("{xsd}.xsd"))).unwrap();
    }
    let (summary, inspect) = versions(&dir);
    assert_eq!(summary, "3.1 or 4.0 by its content (sakspart; no version stated), checked as 4.0");
    assert_eq!(inspect, summary);
    let (_, report) = check(&dir, &[]);
    assert!(report["summary"]["schemas"].as_str().unwrap().contains("noark5/v4_0/arkivstruktur.xsd"), "{report}");

    // "3.0" stated beside v3.1's XSDs: both named, in the summary and under N5.03.
    let v31 = generate(&tmp.path().join("v31"), &["--seed", "3", "--mapper", "5", "--noark-version", "3.1"]);
    let uttrekk = std::fs::read_to_string(v31.join("arkivuttrekk.xml")).unwrap();
    let stated = "<property name=\"version\">\n                    <value>3.1</value>";
    assert!(uttrekk.contains(stated));
    std::fs::write(v31.join("arkivuttrekk.xml"), uttrekk.replacen(stated, &stated.replace("3.1", "3.0"), 1)).unwrap();
    let (summary, inspect) = versions(&v31);
    assert_eq!(summary, "3.0 by arkivuttrekk.xml, 3.1 by the official XSDs the extract carries");
    assert_eq!(inspect, summary);
    let (_, report) = check(&v31, &[]);
    assert_eq!(stat(&report, "N5.03", "Noark 5-versjon"), summary);
}

/// Issue 14: a stated checksum that matches the file with its line endings converted says
/// so; an official ADDML schema under the template's name `addml.xsd` is no S.01 warning.
#[test]
fn common_delivery_damage_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "3", "--mapper", "5"]);
    let journal = dir.join("loependeJournal.xml");
    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(!text.contains('\r'));
    std::fs::write(&journal, text.replace('\n', "\r\n")).unwrap();
    // And the other way: offentligJournal.xml was checksummed with CRLF, delivered with LF.
    let public = dir.join("offentligJournal.xml");
    let crlf = std::fs::read_to_string(&public).unwrap().replace('\n', "\r\n");
    let stated = {
        use sha2::Digest;
        samla_noark5::hex(&sha2::Sha256::digest(crlf.as_bytes()))
    };
    let uttrekk = std::fs::read_to_string(dir.join("arkivuttrekk.xml")).unwrap();
    let actual = common::sha256sum(&public);
    assert!(uttrekk.contains(&actual));
    std::fs::write(dir.join("arkivuttrekk.xml"), uttrekk.replace(&actual, &stated)).unwrap();
    let export = tmp.path().join("official");
    assert!(samla(&["schemas", "--export", export.to_str().unwrap()]).status.success());
    let addml82 = std::fs::read_dir(&export)
        .unwrap()
        .map(|e| e.unwrap().path())
        .flat_map(
            |p| if p.is_dir() { std::fs::read_dir(p).unwrap().map(|e| e.unwrap().path()).collect() } else { vec![p] },
        )
        .find(|p| p.file_name().unwrap() == "addml82.xsd")
        .expect("samla exports addml82.xsd");
    std::fs::copy(addml82, dir.join("addml.xsd")).unwrap();
    let (_, report) = check(&dir, &[]);
    let n502: Vec<String> = control(&report, "N5.02")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["message"]["en"].as_str().unwrap().to_string())
        .collect();
    for how in ["CRLF → LF", "LF → CRLF"] {
        let said = format!("matches the file with its line endings converted ({how})");
        assert!(n502.iter().any(|m| m.contains(&said)), "{how}: {n502:?}");
    }
    assert_eq!(control(&report, "S.01")["findings"], serde_json::json!([]), "{}", control(&report, "S.01"));
}

/// `check --report-json --report-html` killed at any moment leaves each report whole or
/// absent, and a rerun writes the same bytes but the time taken (issue 15).
#[test]
fn a_killed_check_leaves_its_reports_whole_or_absent() {
    use std::process::Command;
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "6", "--mapper", "3000", "--no-documents"]);
    let (json, html) = (tmp.path().join("r.json"), tmp.path().join("r.html"));
    let args = ["-q", "check", dir.to_str().unwrap(), "--report-json", json.to_str().unwrap(), "--report-html"];
    let args: Vec<&str> = args.into_iter().chain([html.to_str().unwrap()]).collect();
    let timeless = |path: &Path| {
        let mut report: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        report["summary"]["seconds"] = Value::Null;
        report
    };
    // The page shows the time taken, in one place.
    let timeless_html = |path: &Path| {
        let page = std::fs::read_to_string(path).unwrap();
        let at = page.find("<dt>Tidsbruk</dt><dd>").expect("the page shows the time taken");
        let end = at + page[at..].find("</dd>").unwrap();
        format!("{}{}", &page[..at], &page[end..])
    };
    assert!(samla(&args).status.code().is_some_and(|c| c < 2));
    let (reference_json, reference_html) = (timeless(&json), timeless_html(&html));
    let random =
        u64::from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()) % 600;
    for delay_ms in [5, 60, 250, random] {
        std::fs::remove_file(&json).unwrap();
        std::fs::remove_file(&html).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_samla")).args(&args).spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        if json.exists() {
            assert_eq!(timeless(&json), reference_json, "killed at {delay_ms} ms");
        }
        if html.exists() {
            assert!(timeless_html(&html) == reference_html, "killed at {delay_ms} ms: the HTML differs");
        }
        let _ = std::fs::remove_file(&json);
        let _ = std::fs::remove_file(&html);
        assert!(samla(&args).status.code().is_some_and(|c| c < 2));
        assert_eq!(timeless(&json), reference_json, "rerun after a kill at {delay_ms} ms");
        assert!(timeless_html(&html) == reference_html, "rerun after a kill at {delay_ms} ms");
    }
}
