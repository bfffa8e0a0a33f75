//! The generator, checked against external oracles: xmllint with the official XSDs, and
//! sha256sum for every stated checksum.

use crate::common;
use std::path::Path;

use crate::common::{generate, schemas, sha256sum, xmllint};
use samla_noark5::addml::Arkivuttrekk;
use samla_noark5::stream::{Event, Split, UnitReader};

fn validate_all(dir: &Path, version: &str) {
    let v = format!("v{}", version.replace('.', "_"));
    for name in ["arkivstruktur", "endringslogg", "loependeJournal", "offentligJournal"] {
        let xsd = schemas().join("noark5").join(&v).join(format!("{name}.xsd"));
        let errors = xmllint(&dir.join(format!("{name}.xml")), &xsd);
        assert!(errors.is_empty(), "{version} {name}: {errors:?}");
    }
    let errors = xmllint(&dir.join("arkivuttrekk.xml"), &schemas().join("addml/addml.xsd"));
    assert!(errors.is_empty(), "{version} arkivuttrekk: {errors:?}");
}

#[test]
fn generated_extracts_validate_against_the_official_schemas() {
    for version in ["5.0", "4.0", "3.1"] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = generate(tmp.path(), &["--seed", "7", "--mapper", "2000", "--noark-version", version]);
        validate_all(&dir, version);
        // The copied XSDs are the official ones, byte for byte.
        let v = format!("v{}", version.replace('.', "_"));
        assert_eq!(
            sha256sum(&dir.join("arkivstruktur.xsd")),
            sha256sum(&schemas().join("noark5").join(v).join("arkivstruktur.xsd"))
        );
    }
}

#[test]
fn every_stated_checksum_and_size_matches_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "11", "--mapper", "300"]);
    let uttrekk =
        Arkivuttrekk::read(std::fs::File::open(dir.join("arkivuttrekk.xml")).unwrap(), "arkivuttrekk.xml").unwrap();
    let mut checked = 0;
    for f in &uttrekk.files {
        let c = f.checksum.as_ref().unwrap();
        assert!(c.is_sha256());
        assert_eq!(c.value.as_deref().unwrap(), sha256sum(&dir.join(&f.name)), "{}", f.name);
        for s in &f.schemas {
            let value = s.checksum.as_ref().and_then(|c| c.value.as_deref()).unwrap();
            assert_eq!(value, sha256sum(&dir.join(&s.name)), "{}", s.name);
        }
        checked += 1;
    }
    assert_eq!(checked, 4);

    let file = std::fs::File::open(dir.join("arkivstruktur.xml")).unwrap();
    let mut reader = UnitReader::new(file, "arkivstruktur.xml", Split::ARKIVSTRUKTUR);
    let mut objects = 0;
    while let Some(event) = reader.next_event().unwrap() {
        let Event::Unit(mappe) = event else { continue };
        for o in mappe.descendants().filter(|e| e.local_name() == "dokumentobjekt") {
            let path = dir.join(o.value("referanseDokumentfil").unwrap());
            assert_eq!(o.value("sjekksum").unwrap(), sha256sum(&path));
            assert_eq!(o.value("filstoerrelse").unwrap(), std::fs::metadata(&path).unwrap().len().to_string());
            assert!(std::fs::read(&path).unwrap().starts_with(b"%PDF-1."));
            objects += 1;
        }
    }
    assert!(objects > 300, "only {objects} dokumentobjekter");
    let files = walk(&dir.join("DOKUMENT"));
    assert_eq!(files.len() as u64, objects);
    assert_eq!(uttrekk.antall_dokumentfiler(), Some(objects));
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out.sort();
    out
}

fn tree_digest(dir: &Path) -> Vec<(String, String)> {
    walk(dir).iter().map(|p| (p.strip_prefix(dir).unwrap().display().to_string(), sha256sum(p))).collect()
}

#[test]
fn the_same_seed_gives_a_byte_identical_tree_and_another_seed_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    let a = generate(&tmp.path().join("a"), &["--seed", "5", "--mapper", "150"]);
    let b = generate(&tmp.path().join("b"), &["--seed", "5", "--mapper", "150"]);
    let c = generate(&tmp.path().join("c"), &["--seed", "6", "--mapper", "150"]);
    let (da, db, dc) = (tree_digest(&a), tree_digest(&b), tree_digest(&c));
    assert!(da.len() > 100);
    assert_eq!(da, db);
    assert_ne!(da, dc);
}

#[test]
fn generate_help_lists_every_fault_kind() {
    let o = common::samla(&["generate", "--help"]);
    let help = String::from_utf8_lossy(&o.stdout);
    for f in samla_fixtures::generate::Fault::ALL {
        assert!(help.contains(f.name()), "{} missing from --help", f.name());
    }
}

#[test]
fn faulty_extracts_still_validate_where_the_fault_is_not_a_schema_error() {
    let tmp = tempfile::tempdir().unwrap();
    let all: Vec<&str> = samla_fixtures::generate::Fault::ALL.iter().flat_map(|f| ["--fault", f.name()]).collect();
    let mut args = vec!["--seed", "3", "--mapper", "60"];
    args.extend(all);
    let dir = generate(tmp.path(), &args);
    let xsd = schemas().join("noark5/v5_0/loependeJournal.xsd");
    assert!(xmllint(&dir.join("loependeJournal.xml"), &xsd).is_empty());
    // The empty <beskrivelse/> is the one fault the schema sees.
    let errors = xmllint(&dir.join("arkivstruktur.xml"), &schemas().join("noark5/v5_0/arkivstruktur.xsd"));
    assert!(errors.iter().all(|e| e.contains("beskrivelse")), "{errors:?}");
}

/// With no schema folder anywhere, samla uses the schemas it carries: the generated extract
/// holds the official XSDs, `samla schemas --export` writes the same bytes SOURCES.md states
/// (sha256sum -c), xmllint validates against them, and the check validates with them (N5.03).
#[test]
fn the_embedded_schemas_serve_a_machine_with_nothing_beside_samla() {
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let bare = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_samla")).args(args).env_remove("SAMLA_SCHEMAS").output().unwrap()
    };
    let exported = dir.path().join("schemas");
    let o = bare(&["schemas", "--list", "--export", exported.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let listed = String::from_utf8_lossy(&o.stdout);
    assert!(listed.contains("carried by samla (21 files)"), "{listed}");
    assert_eq!(listed.matches("  official").count(), 21, "{listed}");

    // SOURCES.md's digests, checked by sha256sum over the exported files.
    let sources = std::fs::read_to_string(common::root().join("crates/samla-schemas/official/SOURCES.md")).unwrap();
    let mut sums = String::new();
    for row in sources.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.split('|').map(|c| c.trim().trim_matches('`')).collect();
        sums.push_str(&format!("{}  {}\n", cells[5], cells[1]));
    }
    assert_eq!(sums.lines().count(), 21);
    std::fs::write(dir.path().join("SHA256SUMS"), &sums).unwrap();
    let o =
        Command::new("sha256sum").arg("-c").arg(dir.path().join("SHA256SUMS")).current_dir(&exported).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));

    // A variant in a folder given with --schemas is named as one.
    let variant = dir.path().join("variant");
    std::fs::create_dir_all(variant.join("addml")).unwrap();
    std::fs::write(variant.join("addml/addml.xsd"), b"<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"/>")
        .unwrap();
    let o = bare(&["schemas", "--list", "--schemas", variant.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("NOT the official file"));

    let out = dir.path().join("uttrekk");
    let o = bare(&["-q", "generate", "--out", out.to_str().unwrap(), "--mapper", "5", "--no-documents"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (name, xsd) in [("arkivstruktur.xsd", "noark5/v5_0/arkivstruktur.xsd"), ("addml.xsd", "addml/addml.xsd")] {
        assert_eq!(std::fs::read(out.join(name)).unwrap(), std::fs::read(exported.join(xsd)).unwrap(), "{name}");
    }
    let errors = xmllint(&out.join("arkivstruktur.xml"), &exported.join("noark5/v5_0/arkivstruktur.xsd"));
    assert!(errors.is_empty(), "{errors:?}");

    // Without the extract's own XSDs, the check still validates, against the embedded set.
    for name in ["arkivstruktur.xsd", "metadatakatalog.xsd"] {
        std::fs::remove_file(out.join(name)).unwrap();
    }
    let report = dir.path().join("report.json");
    let _ = bare(&["-q", "check", out.to_str().unwrap(), "--report-json", report.to_str().unwrap()]);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let schemas = json["summary"]["schemas"].as_str().unwrap();
    assert!(
        schemas.contains("arkivstruktur.xml: noark5/v5_0/arkivstruktur.xsd (official, carried by samla)"),
        "{schemas}"
    );
    let n503 = json["controls"].as_array().unwrap().iter().find(|c| c["id"] == "N5.03").unwrap();
    assert!(!n503.to_string().contains("No schema to validate"), "{n503}");
}

/// `samla generate` writes `<out>.partial` and renames it: killed at any moment it leaves
/// nothing under the final name, and the rerun gives the same bytes (issue 15).
#[test]
fn a_killed_generation_started_again_gives_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("uttrekk");
    let args = ["-q", "generate", "--out", out.to_str().unwrap(), "--seed", "3", "--mapper", "300"];
    common::killed_and_rerun_gives_the_same_bytes(&out, &args);
    assert!(!tmp.path().join("uttrekk.partial").exists());
}
