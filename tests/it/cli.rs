//! What users see of the command line, as snapshots (insta, as uv's `uv_snapshot!`): the
//! help of every command, the terminal summaries, and the messages of common mistakes.
//! Paths, times and the version are filtered, so a snapshot changes only when what a
//! person reads changes. `INSTA_UPDATE=always cargo test cli::` writes new ones to review.

use std::path::Path;

use crate::common::{generate, samla};

/// Exit code, standard output and standard error of `samla ARGS`, as one text.
fn said(args: &[&str]) -> String {
    let o = samla(args);
    format!(
        "exit code: {:?}\n----- stdout -----\n{}----- stderr -----\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Asserts a snapshot with the filters every one needs: `dir` (a test's folder) as `[TMP]`,
/// seconds as `[S]`, the version as `[VERSION]`.
fn snapshot(name: &str, text: &str, dir: Option<&Path>) {
    let mut filters: Vec<(String, &str)> =
        vec![(r"\d+(\.\d+)? s\b".into(), "[S] s"), (regex_escape(env!("CARGO_PKG_VERSION")), "[VERSION]")];
    if let Some(dir) = dir {
        filters.insert(0, (regex_escape(&dir.display().to_string()), "[TMP]"));
    }
    let filters: Vec<(&str, &str)> = filters.iter().map(|(a, b)| (a.as_str(), *b)).collect();
    insta::with_settings!({ filters => filters, prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(name, text);
    });
}

fn regex_escape(s: &str) -> String {
    s.chars().flat_map(|c| if "\\.+*?()|[]{}^$".contains(c) { vec!['\\', c] } else { vec![c] }).collect()
}

/// Every command's help, and samla's own.
#[test]
fn the_help_of_every_command() {
    let commands: &[&[&str]] = &[
        &[],
        &["generate"],
        &["inspect"],
        &["check"],
        &["package"],
        &["verify"],
        &["convert"],
        &["run"],
        &["wash"],
        &["generate-registers"],
        &["schemas"],
        &["index"],
        &["serve"],
        &["serve", "user", "add"],
        &["serve", "log", "export"],
        &["verify-log"],
        &["demo"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let name = if command.is_empty() { "help".to_string() } else { format!("help_{}", command.join("_")) };
        snapshot(&name, &said(&args), None);
    }
}

/// What `check` prints for a person: a clean extract and one with faults.
#[test]
fn the_terminal_summary_of_check() {
    let tmp = tempfile::tempdir().unwrap();
    let clean = generate(tmp.path(), &["--seed", "3", "--mapper", "5"]);
    snapshot("check_clean", &said(&["check", clean.to_str().unwrap()]), Some(tmp.path()));
    let faulty = tmp.path().join("faulty");
    let o = samla(&[
        "-q",
        "generate",
        "--out",
        faulty.to_str().unwrap(),
        "--seed",
        "3",
        "--mapper",
        "5",
        "--fault",
        "wrong-checksum",
        "--fault",
        "missing-document",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    snapshot("check_faulty", &said(&["check", faulty.to_str().unwrap(), "--lang", "en"]), Some(tmp.path()));
}

/// The messages of common mistakes: a missing path, a folder that is no extract, a file
/// that is no tar, an unknown fault, a package without --out.
#[test]
fn the_messages_of_common_mistakes() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("tom");
    std::fs::create_dir(&empty).unwrap();
    let not_a_tar = tmp.path().join("uttrekk.tar");
    std::fs::write(&not_a_tar, "dette er ingen tar").unwrap();
    let missing = tmp.path().join("finnes-ikke");
    let cases: [(&str, Vec<&str>); 5] = [
        ("mistake_missing_path", vec!["inspect", missing.to_str().unwrap()]),
        ("mistake_empty_folder", vec!["check", empty.to_str().unwrap()]),
        ("mistake_not_a_tar", vec!["inspect", not_a_tar.to_str().unwrap()]),
        ("mistake_unknown_fault", vec!["generate", "--out", empty.to_str().unwrap(), "--fault", "nonsense"]),
        ("mistake_package_without_out", vec!["package", empty.to_str().unwrap()]),
    ];
    for (name, args) in cases {
        snapshot(name, &said(&args), Some(tmp.path()));
    }
}

/// The JSON reports of the demo's steps: the check of Ski, the merger, and the washing.
/// A change in what an auditor or a script reads shows here.
#[test]
fn the_json_reports_of_the_demo() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let o = samla(&["-q", "demo", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (name, file) in [
        ("demo_check_report", "ski-report.json"),
        ("demo_run_report", "nordre-follo/report.json"),
        ("demo_wash_report", "vask/washed/report.json"),
    ] {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        let text = regex_replace_seconds(&text);
        snapshot(name, &text, Some(tmp.path()));
    }
}

/// JSON's `"seconds": 1.234` as `"seconds": [S]`: wall time is the one field that varies.
fn regex_replace_seconds(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("\"seconds\": ") {
            Some(at) => format!("{}\"seconds\": [S]{}", &l[..at], if l.ends_with(',') { "," } else { "" }),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}
