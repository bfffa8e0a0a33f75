//! Extracts are read from folders, from tars and from DIAS package tars, in place.

use crate::common;
use std::process::Command;

use crate::common::{arkade, generate};
use samla_noark5::Extract;
use samla_noark5::inventory;

#[test]
fn a_dias_package_is_read_straight_from_the_tar() {
    let tar = arkade().join("packages/n5-eksempel/n5-guid.tar");
    let extract = Extract::open(&tar).unwrap();
    assert_eq!(extract.prefix(), "258e3353-cef2-407f-92ac-264ad887527b/content/");
    assert!(extract.package_files().any(|(name, _)| name.ends_with("dias-mets.xml")));
    let from_tar = inventory::take(&extract, &mut |_| {}).unwrap();

    // Oracle: GNU tar unpacks the same package; the folder must read the same.
    let tmp = tempfile::tempdir().unwrap();
    let status = Command::new("tar").arg("xf").arg(&tar).arg("-C").arg(tmp.path()).status().unwrap();
    assert!(status.success());
    let dir = tmp.path().join("258e3353-cef2-407f-92ac-264ad887527b/content");
    let from_dir = inventory::take(&Extract::open(&dir).unwrap(), &mut |_| {}).unwrap();
    assert_eq!(from_tar, from_dir);

    // And the counts are what a reader of the file counts by hand.
    let xml = std::fs::read_to_string(dir.join("arkivstruktur.xml")).unwrap();
    assert_eq!(from_tar.count("registrering/journalpost"), xml.matches("<registrering ").count() as u64);
    assert_eq!(from_tar.count("dokumentobjekt"), xml.matches("<dokumentobjekt>").count() as u64);
    assert_eq!(from_tar.count("mappe/saksmappe"), 1);
    assert_eq!(from_tar.version.version(), Some(samla_noark5::Version::V3_1));
}

#[test]
fn a_generated_extract_reads_the_same_from_a_folder_and_from_a_tar() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "4", "--mapper", "40"]);
    let tar = tmp.path().join("uttrekk.tar");
    let status = Command::new("tar").arg("cf").arg(&tar).arg("-C").arg(&dir).arg(".").status().unwrap();
    assert!(status.success());
    let a = inventory::take(&Extract::open(&dir).unwrap(), &mut |_| {}).unwrap();
    let b = inventory::take(&Extract::open(&tar).unwrap(), &mut |_| {}).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.count("mappe/saksmappe"), 40);
    assert_eq!(a.loepende_journal, Some(a.count("registrering/journalpost")));

    // A member is read in place with its exact bytes.
    let extract = Extract::open(&tar).unwrap();
    let mut from_tar = Vec::new();
    std::io::Read::read_to_end(&mut extract.open_file("arkivuttrekk.xml").unwrap(), &mut from_tar).unwrap();
    assert_eq!(from_tar, std::fs::read(dir.join("arkivuttrekk.xml")).unwrap());
    assert_eq!(extract.document_folder().as_deref(), Some("DOKUMENT"));
}

#[test]
fn the_demo_runs_with_no_arguments_beyond_its_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let o = common::samla(&["demo", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("Ski:") && stdout.contains("Oppegård: Noark 4 extract"), "{stdout}");
    assert!(out.join("ski/arkivstruktur.xsd").is_file(), "the demo copies the XSDs");
    assert!(out.join("ski-report.html").is_file() && out.join("oppegaard/NOARKIH.XML").is_file());
    // Ski passes its check; the merge writes the migration extract, the report and a
    // deposit package per source, each of which verifies.
    assert!(stdout.contains("passed: 0 errors"), "{stdout}");
    let merged = out.join("nordre-follo");
    assert!(merged.join("migration/arkivstruktur.xml").is_file() && merged.join("report.html").is_file());
    assert!(!stdout.contains("DOES NOT RECONCILE"), "{stdout}");
    assert_eq!(stdout.lines().filter(|l| *l == "intact").count(), 2, "{stdout}");
    assert!(out.join("vask/washed/report.html").is_file(), "the demo washes the merged parties");
    // The migration is Nordre Follo's one arkiv with its plan's arkivdeler: it validates
    // against the official schema and checks clean in the migration profile.
    let migration = merged.join("migration");
    let xml = std::fs::read_to_string(migration.join("arkivstruktur.xml")).unwrap();
    let arkivdeler: Vec<&str> = xml
        .split("<arkivdel>")
        .skip(1)
        .map(|a| {
            let t = &a[a.find("<tittel>").unwrap() + 8..];
            &t[..t.find('<').unwrap()]
        })
        .collect();
    assert_eq!(arkivdeler, ["Sakarkiv", "Elevmapper og barnehage", "Elevmapper (personmapper)"]);
    // The schools' pupil folders: the children in both municipalities have one mappe each,
    // Oppegård's D-numbers washed to the fødselsnummer Folkeregisteret gives them now.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(merged.join("report.json")).unwrap()).unwrap();
    assert!(report["outcome"]["joined"]["ski-skole"].as_u64().unwrap() > 0, "{}", report["outcome"]["joined"]);
    let ledger = std::fs::read_to_string(merged.join("ledger.csv")).unwrap();
    assert!(ledger.lines().any(|l| l.starts_with("oppegaard-skole,mappe,") && l.contains("replaced by")));
    assert!(!xml.contains("<arkiv>"), "no underarkiv");
    let xsd = common::schemas().join("noark5/v5_0/arkivstruktur.xsd");
    assert_eq!(common::xmllint(&migration.join("arkivstruktur.xml"), &xsd), Vec::<String>::new());
    let o = common::samla(&["check", migration.to_str().unwrap(), "--profile", "migration"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
}
