//! Shared helpers for the integration tests: paths, the samla binary, and the external
//! oracles (xmllint, sha256sum, GNU tar).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The official schemas: SAMLA_SCHEMAS, else ../shared/schemas.
pub fn schemas() -> PathBuf {
    std::env::var_os("SAMLA_SCHEMAS").map(PathBuf::from).unwrap_or_else(|| root().join("../shared/schemas"))
}

/// The real Arkade test extracts.
pub fn arkade() -> PathBuf {
    root().join("../shared/fixtures/arkade")
}

/// Runs the samla binary with `args`.
pub fn samla(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_samla"))
        .args(args)
        .env("SAMLA_SCHEMAS", schemas())
        .output()
        .expect("the samla binary runs")
}

/// Generates an extract with the binary and returns its folder.
pub fn generate(dir: &Path, extra: &[&str]) -> PathBuf {
    let out = dir.join("uttrekk");
    let mut args = vec!["-q", "generate", "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = samla(&args);
    assert!(o.status.success(), "generate failed: {}", String::from_utf8_lossy(&o.stderr));
    out
}

/// Validates `xml` against `xsd` with xmllint. Returns the error lines (empty if valid).
pub fn xmllint(xml: &Path, xsd: &Path) -> Vec<String> {
    let o = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(xsd)
        .arg(xml)
        .output()
        .expect("xmllint is installed (Debian package libxml2-utils)");
    let stderr = String::from_utf8_lossy(&o.stderr);
    let errors: Vec<String> = stderr
        .lines()
        .filter(|l| !l.ends_with(" validates") && !l.ends_with("fails to validate"))
        .map(str::to_string)
        .collect();
    assert_eq!(o.status.success(), errors.is_empty(), "xmllint exit status and output disagree: {stderr}");
    errors
}

/// SHA-256 of a file, from the sha256sum tool.
pub fn sha256sum(path: &Path) -> String {
    let o = Command::new("sha256sum").arg(path).output().expect("sha256sum runs");
    assert!(o.status.success());
    String::from_utf8_lossy(&o.stdout).split_whitespace().next().unwrap().to_string()
}

/// A copy of an official DIAS schema whose xlink import points at the local xlink.xsd
/// (there is no network here). Returns its path inside `dir`.
pub fn local_dias_schema(dir: &Path, name: &str) -> PathBuf {
    let dias = schemas().join("dias");
    let text = std::fs::read_to_string(dias.join(name)).unwrap();
    let local = dias.join("xlink.xsd").canonicalize().unwrap();
    let text = text.replace("http://www.loc.gov/standards/xlink/xlink.xsd", local.to_str().unwrap());
    let out = dir.join(name);
    std::fs::write(&out, text).unwrap();
    out
}
