//! `samla verify` on Arkivverket's own package, and on tampered copies of it.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::common::{arkade, samla};
use serde_json::Value;

const UUID: &str = "258e3353-cef2-407f-92ac-264ad887527b";

fn verify(path: &Path) -> (i32, Value) {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("verify.json");
    let o = samla(&["-q", "verify", path.to_str().unwrap(), "--report-json", json.to_str().unwrap()]);
    let code = o.status.code().unwrap();
    assert!(code < 2, "{}", String::from_utf8_lossy(&o.stderr));
    (code, serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap())
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

/// A copy of the package and its submission description in a fresh folder.
fn copy_package(dir: &Path) -> PathBuf {
    let from = arkade().join("packages/n5-eksempel");
    std::fs::copy(from.join("n5-guid.xml"), dir.join("n5-guid.xml")).unwrap();
    let tar = dir.join("n5-guid.tar");
    std::fs::copy(from.join("n5-guid.tar"), &tar).unwrap();
    let mut perms = std::fs::metadata(&tar).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&tar, perms).unwrap();
    tar
}

/// Rewrites the tar member by member through `edit`, which may drop or change members,
/// and appends `add` at the end.
fn rewrite(tar: &Path, edit: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>, add: Option<(&str, &[u8])>) {
    let original = std::fs::read(tar).unwrap();
    let mut archive = tar::Archive::new(&original[..]);
    let mut out = tar::Builder::new(Vec::new());
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        let mut header = entry.header().clone();
        if let Some(data) = edit(&name, data) {
            header.set_size(data.len() as u64);
            header.set_cksum();
            out.append(&header, &data[..]).unwrap();
        }
    }
    if let Some((name, data)) = add {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        out.append_data(&mut header, name, data).unwrap();
    }
    std::fs::write(tar, out.into_inner().unwrap()).unwrap();
}

#[test]
fn arkivverkets_package_is_verified_and_its_two_missing_files_named() {
    let (code, report) = verify(&arkade().join("packages/n5-eksempel/n5-guid.tar"));
    assert_eq!(code, 1);
    assert_eq!(report["listed"], 17);
    assert_eq!(report["intact"], 15);
    assert_eq!(
        strings(&report["missing"]),
        [
            format!("{UUID}/administrative_metadata/repository_operations/arkade-log.xml"),
            format!("{UUID}/administrative_metadata/repository_operations/report.html"),
        ]
    );
    assert!(report["extra"].as_array().unwrap().is_empty(), "{}", report["extra"]);
    assert!(report["changed"].as_array().unwrap().is_empty(), "{}", report["changed"]);
    // The submission description names the tar by its uuid, not by n5-guid.tar.
    let submission = &report["submission"];
    assert_eq!(submission["ok"], true);
    assert_eq!(submission["found"], "c66176e6f7ba776b8e335390e0ddede7152de0395d567a09fa8d2028eb40b6ca");
}

#[test]
fn an_unpacked_package_verifies_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let tar = arkade().join("packages/n5-eksempel/n5-guid.tar");
    assert!(
        std::process::Command::new("tar").arg("xf").arg(&tar).arg("-C").arg(tmp.path()).status().unwrap().success()
    );
    let (code, report) = verify(&tmp.path().join(UUID));
    assert_eq!(code, 1);
    assert_eq!(report["intact"], 15);
    assert_eq!(report["missing"].as_array().unwrap().len(), 2);
    assert!(report["submission"].is_null());
}

#[test]
fn tampering_is_caught_and_named() {
    let pdf = format!("{UUID}/content/dokumenter/5000000.pdf");
    type Expect = Box<dyn Fn(&Value)>;
    let cases: Vec<(&str, Expect)> = vec![
        (
            "flip a byte in a document",
            Box::new({
                let pdf = pdf.clone();
                move |r: &Value| {
                    let changed = r["changed"].as_array().unwrap();
                    assert!(changed.iter().any(|c| c["path"] == pdf.as_str()), "{r}");
                    assert_eq!(r["submission"]["ok"], false);
                }
            }),
        ),
        (
            "delete a member",
            Box::new(|r: &Value| {
                assert!(strings(&r["missing"]).contains(&format!("{UUID}/content/dokumenter/5000001.pdf")), "{r}");
            }),
        ),
        (
            "add a member",
            Box::new(|r: &Value| {
                assert_eq!(strings(&r["extra"]), [format!("{UUID}/content/dokumenter/sneaked-in.pdf")], "{r}");
            }),
        ),
        (
            "edit dias-mets.xml",
            Box::new(|r: &Value| {
                let paths: Vec<&str> =
                    r["changed"].as_array().unwrap().iter().map(|c| c["path"].as_str().unwrap()).collect();
                // The listing now disagrees with log.xml, and the submission description with dias-mets.xml.
                assert!(paths.contains(&format!("{UUID}/log.xml").as_str()), "{r}");
                assert!(paths.contains(&format!("{UUID}/dias-mets.xml").as_str()), "{r}");
            }),
        ),
    ];
    for (what, check) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let tar = copy_package(tmp.path());
        match what {
            "flip a byte in a document" => rewrite(
                &tar,
                |name, mut data| {
                    if name.ends_with("5000000.pdf") {
                        data[100] ^= 0x20;
                    }
                    Some(data)
                },
                None,
            ),
            "delete a member" => rewrite(&tar, |name, data| (!name.ends_with("5000001.pdf")).then_some(data), None),
            "add a member" => rewrite(
                &tar,
                |_, data| Some(data),
                Some((&format!("{UUID}/content/dokumenter/sneaked-in.pdf"), b"%PDF-1.4")),
            ),
            _ => rewrite(
                &tar,
                |name, data| {
                    if name.ends_with("dias-mets.xml") {
                        let text = String::from_utf8(data).unwrap();
                        // log.xml's stated checksum, changed in its last digit.
                        Some(
                            text.replacen(
                                "450031013a9d7f90e9dcf847fa9ab57c75aeb19839a8aff7c55aa9ab2e4779f9",
                                "450031013a9d7f90e9dcf847fa9ab57c75aeb19839a8aff7c55aa9ab2e4779f0",
                                1,
                            )
                            .into_bytes(),
                        )
                    } else {
                        Some(data)
                    }
                },
                None,
            ),
        }
        let (code, report) = verify(&tar);
        assert_eq!(code, 1, "{what}");
        check(&report);
    }
}

#[test]
fn a_folder_without_dias_mets_is_refused_with_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("readme.txt"), "not a package").unwrap();
    let o = samla(&["verify", tmp.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no dias-mets.xml") && err.contains("hint:"), "{err}");
}
