//! `samla package`: checked with GNU tar, xmllint against the DIAS schemas, sha256sum -c,
//! and samla verify; deterministic; atomic.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{generate, local_dias_schema, samla, schemas, sha256sum, xmllint};

const UUID: &str = "6b1c1a6e-3f2a-4c55-9d2e-7a0b5c4d3e21";

fn package(extract: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["-q", "package", extract.to_str().unwrap(), "--out", out.to_str().unwrap(), "--uuid", UUID];
    args.extend_from_slice(extra);
    Command::new(env!("CARGO_BIN_EXE_samla"))
        .args(&args)
        .env("SAMLA_SCHEMAS", schemas())
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(files_under(&p)) } else { out.push(p) }
    }
    out.sort();
    out
}

#[test]
fn a_package_passes_tar_xmllint_sha256sum_and_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let extract = generate(tmp.path(), &["--seed", "12", "--mapper", "40"]);
    let out = tmp.path().join("out");
    let o = package(&extract, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let tar = out.join(format!("{UUID}.tar"));
    assert!(out.join(format!("{UUID}.xml")).is_file());
    assert!(!out.join(format!("{UUID}.tar.partial")).exists());

    // GNU tar lists it, in sorted order, under <uuid>/.
    let listing = Command::new("tar").arg("-tf").arg(&tar).output().unwrap();
    assert!(listing.status.success());
    let names: Vec<String> = String::from_utf8(listing.stdout).unwrap().lines().map(str::to_string).collect();
    assert!(names.iter().all(|n| n.starts_with(&format!("{UUID}/"))), "{names:?}");
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    for required in [
        "dias-mets.xml",
        "dias-mets.xsd",
        "log.xml",
        "manifest-sha256.txt",
        "administrative_metadata/arkivuttrekk.xml",
        "administrative_metadata/addml.xsd",
        "administrative_metadata/dias-premis.xml",
        "administrative_metadata/dias-premis.xsd",
        "content/arkivstruktur.xml",
    ] {
        assert!(names.contains(&format!("{UUID}/{required}")), "{required} missing: {names:?}");
    }

    // Unpacked: the XML validates, the manifest checks, and content/ is the extract.
    let unpacked = tmp.path().join("unpacked");
    std::fs::create_dir(&unpacked).unwrap();
    assert!(Command::new("tar").arg("-xf").arg(&tar).arg("-C").arg(&unpacked).status().unwrap().success());
    let root = unpacked.join(UUID);
    let xsd = tmp.path().join("xsd");
    std::fs::create_dir(&xsd).unwrap();
    assert_eq!(xmllint(&root.join("dias-mets.xml"), &local_dias_schema(&xsd, "DIAS_METS.xsd")), Vec::<String>::new());
    assert_eq!(
        xmllint(&out.join(format!("{UUID}.xml")), &local_dias_schema(&xsd, "DIAS_METS.xsd")),
        Vec::<String>::new()
    );
    let premis = local_dias_schema(&xsd, "DIAS_PREMIS.xsd");
    assert_eq!(xmllint(&root.join("administrative_metadata/dias-premis.xml"), &premis), Vec::<String>::new());
    assert_eq!(xmllint(&root.join("log.xml"), &premis), Vec::<String>::new());
    assert_eq!(
        xmllint(&root.join("administrative_metadata/arkivuttrekk.xml"), &schemas().join("addml/addml.xsd")),
        Vec::<String>::new()
    );
    let check =
        Command::new("sha256sum").args(["-c", "--strict", "manifest-sha256.txt"]).current_dir(&root).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
    let source = files_under(&extract);
    let copied = files_under(&root.join("content"));
    assert_eq!(source.len(), copied.len());
    for (a, b) in source.iter().zip(&copied) {
        assert_eq!(a.strip_prefix(&extract).unwrap(), b.strip_prefix(root.join("content")).unwrap());
        assert_eq!(sha256sum(a), sha256sum(b), "{}", a.display());
    }

    // And samla verify says it is intact, with its submission description.
    let v = samla(&["verify", tar.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(0), "{}", String::from_utf8_lossy(&v.stdout));
    assert!(String::from_utf8_lossy(&v.stdout).contains("the tar's SHA-256 matches"));
}

#[test]
fn the_same_inputs_give_the_same_tar() {
    let tmp = tempfile::tempdir().unwrap();
    let extract = generate(tmp.path(), &["--seed", "13", "--mapper", "20"]);
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    assert!(package(&extract, &a, &[]).status.success());
    assert!(package(&extract, &b, &[]).status.success());
    let name = format!("{UUID}.tar");
    assert_eq!(sha256sum(&a.join(&name)), sha256sum(&b.join(&name)));
    // From a tar of the same extract, member to member: the same package again.
    let tar_input = tmp.path().join("uttrekk.tar");
    assert!(Command::new("tar").arg("cf").arg(&tar_input).arg("-C").arg(&extract).arg(".").status().unwrap().success());
    let c = tmp.path().join("c");
    let o = package(&tar_input, &c, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let listing = |p: &Path| String::from_utf8(Command::new("tar").arg("-tf").arg(p).output().unwrap().stdout).unwrap();
    assert_eq!(listing(&a.join(&name)), listing(&c.join(&name)));
}

#[test]
fn an_extract_with_errors_is_refused_unless_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let extract = tmp.path().join("uttrekk");
    let o = samla(&[
        "-q",
        "generate",
        "--out",
        extract.to_str().unwrap(),
        "--seed",
        "2",
        "--mapper",
        "20",
        "--fault",
        "wrong-checksum",
    ]);
    assert!(o.status.success());
    let out = tmp.path().join("out");
    let o = package(&extract, &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("1 errors") && err.contains("--allow-errors"), "{err}");
    assert!(!out.join(format!("{UUID}.tar")).exists());
    let o = package(&extract, &out, &["--allow-errors"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let log = Command::new("tar")
        .arg("-xOf")
        .arg(out.join(format!("{UUID}.tar")))
        .arg(format!("{UUID}/log.xml"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&log.stdout).contains("1 errors"));
}

#[test]
fn non_ascii_and_long_names_survive_gnu_tar() {
    let tmp = tempfile::tempdir().unwrap();
    let extract = generate(tmp.path(), &["--seed", "3", "--mapper", "10"]);
    let long = format!("DOKUMENT/{}/særskilt-ørret-på-åsen.pdf", "undermappe-med-et-langt-navn".repeat(4));
    std::fs::create_dir_all(extract.join(&long).parent().unwrap()).unwrap();
    std::fs::write(extract.join(&long), b"%PDF-1.4\n").unwrap();
    let out = tmp.path().join("out");
    let o = package(&extract, &out, &["--allow-errors"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let listing = Command::new("tar").arg("-tf").arg(out.join(format!("{UUID}.tar"))).output().unwrap();
    let names = String::from_utf8(listing.stdout).unwrap();
    assert!(names.lines().any(|n| n == format!("{UUID}/content/{long}")), "{names}");
}

#[test]
fn a_killed_run_leaves_no_package_and_a_rerun_succeeds() {
    let tmp = tempfile::tempdir().unwrap();
    let extract = generate(tmp.path(), &["--seed", "4", "--mapper", "3000"]);
    let out = tmp.path().join("out");
    let mut child = Command::new(env!("CARGO_BIN_EXE_samla"))
        .args(["-q", "package", extract.to_str().unwrap(), "--out", out.to_str().unwrap(), "--uuid", UUID])
        .env("SAMLA_SCHEMAS", schemas())
        .spawn()
        .unwrap();
    let partial = out.join(format!("{UUID}.tar.partial"));
    let started = std::time::Instant::now();
    while !partial.exists() && started.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(partial.exists(), "the run ended before it could be killed halfway");
    assert!(!out.join(format!("{UUID}.tar")).exists());
    let o = package(&extract, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join(format!("{UUID}.tar")).is_file());
}

#[test]
fn a_bagit_bag_passes_bagit_python_and_verify_names_tampering() {
    let tmp = tempfile::tempdir().unwrap();
    let extract = generate(tmp.path(), &["--seed", "14", "--mapper", "15"]);
    let out = tmp.path().join("out");
    let o = package(&extract, &out, &["--format", "bagit"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let tar = out.join(format!("{UUID}.tar"));
    assert!(!out.join(format!("{UUID}.xml")).exists(), "a bag has no DIAS submission description");
    let unpacked = tmp.path().join("unpacked");
    std::fs::create_dir(&unpacked).unwrap();
    assert!(Command::new("tar").arg("-xf").arg(&tar).arg("-C").arg(&unpacked).status().unwrap().success());
    let bag = unpacked.join(UUID);
    let info = std::fs::read_to_string(bag.join("bag-info.txt")).unwrap();
    assert!(info.contains("Payload-Oxum: ") && info.contains("Bagging-Date: "), "{info}");
    // The reference validator (bagit-python) accepts it.
    let validate = |dir: &Path| Command::new("python3").args(["-m", "bagit", "--validate"]).arg(dir).output().unwrap();
    let v = validate(&bag);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
    assert_eq!(samla(&["-q", "verify", tar.to_str().unwrap()]).status.code(), Some(0));
    assert_eq!(samla(&["-q", "verify", bag.to_str().unwrap()]).status.code(), Some(0));

    // One changed byte in the payload: both the reference validator and samla say so.
    let victim = bag.join("data/arkivuttrekk.xml");
    let mut bytes = std::fs::read(&victim).unwrap();
    bytes[50] ^= 1;
    std::fs::write(&victim, bytes).unwrap();
    assert!(!validate(&bag).status.success());
    let o = samla(&["verify", bag.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains(&format!("changed: {}", victim.strip_prefix(&bag).unwrap().display())),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn an_aip_describes_the_archive_in_ead_and_its_creator_in_eac_cpf() {
    let tmp = tempfile::tempdir().unwrap();
    let extract = generate(tmp.path(), &["--seed", "13", "--mapper", "20", "--municipality", "Ski"]);
    let out = tmp.path().join("out");
    let o = package(&extract, &out, &["--type", "aip"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let tar = out.join(format!("{UUID}.tar"));
    let unpacked = tmp.path().join("unpacked");
    std::fs::create_dir(&unpacked).unwrap();
    assert!(Command::new("tar").arg("-xf").arg(&tar).arg("-C").arg(&unpacked).status().unwrap().success());
    let root = unpacked.join(UUID);

    // Valid against their publishers' schemas (xmllint, no network: the imports resolve
    // through a catalog to the DIAS xlink.xsd and W3C's xml.xsd), with what arkivuttrekk.xml says.
    let schemas = crate::common::root().join("tests/it/schemas");
    let xsd = tmp.path().join("xsd");
    std::fs::create_dir(&xsd).unwrap();
    let catalog = tmp.path().join("catalog.xml");
    let (xlink, xml) = (local_dias_schema(&xsd, "xlink.xsd"), schemas.join("w3c/xml.xsd"));
    let mut entries = String::new();
    for (uri, file) in
        [("http://www.loc.gov/standards/xlink/xlink.xsd", &xlink), ("http://www.w3.org/2007/08/xml.xsd", &xml)]
    {
        let file = file.display();
        entries.push_str(&format!(
            "<uri name=\"{uri}\" uri=\"file://{file}\"/><system systemId=\"{uri}\" uri=\"file://{file}\"/>"
        ));
    }
    std::fs::write(
        &catalog,
        format!("<catalog xmlns=\"urn:oasis:names:tc:entity:xmlns:xml:catalog\">{entries}</catalog>"),
    )
    .unwrap();
    for (name, schema) in [("ead.xml", "ead2002/ead.xsd"), ("eac-cpf.xml", "eac-cpf2010/cpf.xsd")] {
        let o = Command::new("xmllint")
            .args(["--nonet", "--noout", "--schema"])
            .arg(schemas.join(schema))
            .arg(root.join("descriptive_metadata").join(name))
            .env("XML_CATALOG_FILES", &catalog)
            .output()
            .unwrap();
        assert!(o.status.success(), "{name}: {}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stderr).contains("validates"), "{name}");
    }
    let ead = std::fs::read_to_string(root.join("descriptive_metadata/ead.xml")).unwrap();
    assert!(ead.contains("<ead xmlns=\"urn:isbn:1-931666-22-9\">") && ead.contains("<archdesc level=\"fonds\">"));
    assert!(ead.contains("<corpname>Ski kommune</corpname>"), "{ead}");
    assert!(ead.contains(&format!("<eadid>{UUID}</eadid>")));
    assert!(ead.contains(" mappe, ") && ead.contains(" registrering</extent>"), "{ead}");
    let eac = std::fs::read_to_string(root.join("descriptive_metadata/eac-cpf.xml")).unwrap();
    assert!(
        eac.contains("<eac-cpf xmlns=\"urn:isbn:1-931666-33-4\">") && eac.contains("<part>Ski kommune</part>"),
        "{eac}"
    );

    // Listed in dias-mets.xml (TYPE AIP), in the manifest, and verified.
    let mets = std::fs::read_to_string(root.join("dias-mets.xml")).unwrap();
    assert!(mets.contains("TYPE=\"AIP\"") && mets.contains("descriptive_metadata/ead.xml"), "{mets}");
    assert_eq!(xmllint(&root.join("dias-mets.xml"), &local_dias_schema(&xsd, "DIAS_METS.xsd")), Vec::<String>::new());
    let check =
        Command::new("sha256sum").args(["-c", "--strict", "manifest-sha256.txt"]).current_dir(&root).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
    let v = samla(&["verify", tar.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(0), "{}", String::from_utf8_lossy(&v.stdout));
}
