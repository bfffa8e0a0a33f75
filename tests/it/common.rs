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

/// Every file under `dir` and its bytes.
pub fn tree(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                out.insert(e.path().strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(e.path()).unwrap());
            }
        }
    }
    out
}

/// Runs samla with `args` to the end, then again killed at three fixed moments and one that
/// differs from run to run, each time followed by a run to the end: `out` must hold the same
/// bytes every time, and nothing under its name while killed.
pub fn killed_and_rerun_gives_the_same_bytes(out: &Path, args: &[&str]) {
    let run = || samla(args);
    let o = run();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let reference = tree(out);
    let random =
        u64::from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()) % 300;
    for delay_ms in [5, 40, 120, random] {
        std::fs::remove_dir_all(out).unwrap();
        let mut child =
            Command::new(env!("CARGO_BIN_EXE_samla")).args(args).env("SAMLA_SCHEMAS", schemas()).spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        // Killed, or done before the kill came: the output is whole or absent.
        let left = if out.exists() { tree(out) } else { Default::default() };
        assert!(left.is_empty() || left == reference, "a run killed at {delay_ms} ms left part of its output");
        if !left.is_empty() {
            // It got to the end: nothing to run again (generate and convert refuse a full folder).
            continue;
        }
        let o = run();
        assert!(o.status.success(), "after a kill at {delay_ms} ms: {}", String::from_utf8_lossy(&o.stderr));
        let again = tree(out);
        assert_eq!(
            reference.keys().collect::<Vec<_>>(),
            again.keys().collect::<Vec<_>>(),
            "after a kill at {delay_ms} ms"
        );
        for (path, bytes) in &reference {
            assert!(again[path] == *bytes, "{} differs after a kill at {delay_ms} ms", path.display());
        }
    }
}
