//! Damaged input gets a clear error naming the file and the position, and exit code 2.
//! Never a panic, never silent loss.

use crate::common;
use std::path::Path;
use std::process::Output;

use crate::common::{generate, samla};

fn inspect(path: &Path) -> Output {
    samla(&["-q", "inspect", path.to_str().unwrap()])
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_exit_2(o: &Output) {
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(o));
    assert!(!stderr(o).contains("panicked"), "{}", stderr(o));
}

/// Extracts the `line:column` right after `file:` in an error message.
fn position_after(message: &str, file: &str) -> (u64, u64) {
    let at = message.find(&format!("{file}:")).unwrap_or_else(|| panic!("{file} not named in {message:?}"));
    let rest = &message[at + file.len() + 1..];
    let mut parts = rest.splitn(3, ':');
    let line = parts.next().unwrap().parse().unwrap_or_else(|_| panic!("no line in {message:?}"));
    let column = parts.next().unwrap().parse().unwrap_or_else(|_| panic!("no column in {message:?}"));
    (line, column)
}

#[test]
fn truncated_xml_names_file_and_position() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "1", "--mapper", "30", "--no-documents"]);
    let path = dir.join("arkivstruktur.xml");
    let text = std::fs::read_to_string(&path).unwrap();
    let cut = text.len() / 2;
    std::fs::write(&path, &text.as_bytes()[..cut]).unwrap();
    let o = inspect(&dir);
    assert_exit_2(&o);
    let message = stderr(&o);
    let (line, _) = position_after(&message, "arkivstruktur.xml");
    let lines_kept = text[..cut].lines().count() as u64;
    assert!(line + 1 >= lines_kept && line <= lines_kept + 1, "line {line}, file has {lines_kept} lines: {message}");
    assert!(message.contains("truncated") || message.contains("ends inside"), "{message}");
}

#[test]
fn undeclared_latin1_names_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "1", "--mapper", "30", "--no-documents"]);
    let path = dir.join("arkivstruktur.xml");
    let text = std::fs::read_to_string(&path).unwrap();
    let body = text.split_once("?>\n").unwrap().1;
    let latin1: Vec<u8> =
        body.chars().map(|c| u8::try_from(c as u32).expect("the generator writes Latin-1 letters only")).collect();
    std::fs::write(&path, &latin1).unwrap();
    let o = inspect(&dir);
    assert_exit_2(&o);
    let message = stderr(&o);
    assert!(message.contains("UTF-8 (none declared)"), "{message}");
    // The first non-ASCII letter is where decoding fails.
    let first = body.char_indices().find(|(_, c)| !c.is_ascii()).unwrap().0;
    let expected_line = body[..first].lines().count() as u64;
    let (line, _) = position_after(&message, "arkivstruktur.xml");
    assert_eq!(line, expected_line.max(1), "{message}");

    // The same bytes with their encoding declared read fine.
    let mut declared = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n".to_vec();
    declared.extend_from_slice(&latin1);
    std::fs::write(&path, &declared).unwrap();
    let o = inspect(&dir);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn unknown_declared_encoding_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "1", "--mapper", "5", "--no-documents"]);
    let path = dir.join("arkivstruktur.xml");
    let text = std::fs::read_to_string(&path).unwrap().replace("encoding=\"UTF-8\"", "encoding=\"EBCDIC-NO\"");
    std::fs::write(&path, text).unwrap();
    let o = inspect(&dir);
    assert_exit_2(&o);
    assert!(stderr(&o).contains("unknown encoding \"EBCDIC-NO\""), "{}", stderr(&o));
    assert_eq!(position_after(&stderr(&o), "arkivstruktur.xml").0, 1);
}

#[test]
fn tar_member_climbing_out_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "1", "--mapper", "5", "--no-documents"]);
    let tar_path = tmp.path().join("uttrekk.tar");
    let mut builder = tar::Builder::new(std::fs::File::create(&tar_path).unwrap());
    builder.append_dir_all("uttrekk", &dir).unwrap();
    // tar::Builder refuses '..' itself, so the hostile name is written into the header raw.
    let payload = b"evil";
    let mut header = tar::Header::new_old();
    header.as_old_mut().name[..7].copy_from_slice(b"../evil");
    header.set_size(payload.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    builder.append(&header, &payload[..]).unwrap();
    builder.into_inner().unwrap();
    // GNU tar agrees the member is there and hostile.
    let listing = std::process::Command::new("tar").arg("tf").arg(&tar_path).output().unwrap();
    assert!(String::from_utf8_lossy(&listing.stdout).contains("../evil"));

    let o = inspect(&tar_path);
    assert_exit_2(&o);
    let message = stderr(&o);
    assert!(message.contains("../evil") && message.contains("climbs out"), "{message}");
    assert!(message.contains("uttrekk.tar"), "{message}");
    assert!(!tmp.path().join("evil").exists() && !tmp.path().parent().unwrap().join("evil").exists());
}

#[test]
fn missing_arkivstruktur_is_named_with_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "1", "--mapper", "5", "--no-documents"]);
    std::fs::remove_file(dir.join("arkivstruktur.xml")).unwrap();
    let o = inspect(&dir);
    assert_exit_2(&o);
    let message = stderr(&o);
    assert!(message.contains("arkivstruktur.xml is missing"), "{message}");
    assert!(message.contains(dir.to_str().unwrap()), "{message}");
    assert!(message.contains("hint:"), "{message}");
}

/// A structural defect is a finding, not a refusal (issue 14): without arkivstruktur.xml,
/// check still runs what it can, writes its report, and ends with exit 1; the missing file
/// is an N5.01 error, and, stated with a checksum, an N5.02 error as in Arkade; a missing
/// document folder is an N5.28 error, as in Arkade.
#[test]
fn a_missing_arkivstruktur_is_a_finding_with_a_report() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "1", "--mapper", "5", "--no-documents"]);
    std::fs::remove_file(dir.join("arkivstruktur.xml")).unwrap();
    let (json, html) = (tmp.path().join("r.json"), tmp.path().join("r.html"));
    let o = samla(&[
        "-q",
        "check",
        dir.to_str().unwrap(),
        "--report-json",
        json.to_str().unwrap(),
        "--report-html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(html.exists());
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let errors = |id: &str| -> Vec<String> {
        let control = report["controls"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap();
        control["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "error")
            .map(|f| f["message"]["en"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(errors("N5.01").iter().any(|m| m.contains("arkivstruktur.xml does not exist")), "{:?}", errors("N5.01"));
    assert!(errors("N5.02").iter().any(|m| m == "The file does not exist"), "{:?}", errors("N5.02"));
    assert!(errors("N5.28").iter().any(|m| m == "The document folder does not exist"), "{:?}", errors("N5.28"));
    // The controls on the other files ran.
    assert!(report["controls"].as_array().unwrap().iter().any(|c| c["id"] == "N5.59"));
}

#[test]
fn missing_path_and_non_tar_file_are_errors_not_panics() {
    let tmp = tempfile::tempdir().unwrap();
    let o = inspect(&tmp.path().join("finnes-ikke"));
    assert_exit_2(&o);
    assert!(stderr(&o).contains("finnes-ikke"));
    let junk = tmp.path().join("junk.tar");
    std::fs::write(&junk, b"this is not a tar file at all, just text that goes on for a while").unwrap();
    let o = inspect(&junk);
    assert_exit_2(&o);
    assert!(stderr(&o).contains("junk.tar"), "{}", stderr(&o));
}

#[test]
fn mismatched_tags_name_the_position() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "1", "--mapper", "5", "--no-documents"]);
    let path = dir.join("arkivstruktur.xml");
    let text = std::fs::read_to_string(&path).unwrap();
    let at = text.find("</mappeID>").unwrap();
    let line = text[..at].lines().count() as u64;
    std::fs::write(&path, text.replacen("</mappeID>", "</mappeId>", 1)).unwrap();
    let o = inspect(&dir);
    assert_exit_2(&o);
    assert_eq!(position_after(&stderr(&o), "arkivstruktur.xml").0, line, "{}", stderr(&o));
}

#[test]
fn a_symlink_out_of_the_extract_is_reported_and_never_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "1", "--mapper", "5", "--no-documents"]);
    let secret = tmp.path().join("secret.txt");
    std::fs::write(&secret, "outside the extract").unwrap();
    std::os::unix::fs::symlink(&secret, dir.join("lenke.txt")).unwrap();
    let extract = samla_noark5::Extract::open(&dir).unwrap();
    let skipped: Vec<&str> = extract.skipped().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(skipped, ["lenke.txt"]);
    assert_eq!(extract.skipped()[0].what, samla_noark5::source::Irregularity::Link);
    assert!(extract.find("lenke.txt").is_none(), "a link is never read as a file of the extract");
    let o = samla(&["check", dir.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("N5.01 warning") && out.contains("lenke.txt"), "{out}");
}

/// Hostile nesting (100,000 levels) never overflows the stack: inspect, check and package end
/// with the position and the limit named (issue 15), whether the nesting sits between
/// containers or inside a unit read whole.
#[test]
fn deep_nesting_is_an_error_with_its_position_never_an_abort() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "1", "--mapper", "3", "--no-documents"]);
    let path = dir.join("arkivstruktur.xml");
    let text = std::fs::read_to_string(&path).unwrap();
    let deep = |tag: &str| format!("{}{}", format!("<{tag}>").repeat(100_000), format!("</{tag}>").repeat(100_000));
    for (place, marker) in [("between containers", "<arkivdel>"), ("inside a mappe", "<mappeID>")] {
        let at = text.find(marker).unwrap();
        let hostile = format!("{}{}{}", &text[..at], deep("x"), &text[at..]);
        std::fs::write(&path, hostile).unwrap();
        let line = text[..at].lines().count() as u64;
        for command in ["inspect", "check", "package"] {
            let out = tmp.path().join("out");
            let report = tmp.path().join("report.json");
            let mut args = vec!["-q", command, dir.to_str().unwrap()];
            match command {
                "package" => args.extend(["--out", out.to_str().unwrap()]),
                "check" => args.extend(["--report-json", report.to_str().unwrap()]),
                _ => {}
            }
            let o = samla(&args);
            let code = o.status.code();
            assert!(matches!(code, Some(1) | Some(2)), "{command}, {place}: {:?} {}", o.status, stderr(&o));
            let said = match command {
                "check" => std::fs::read_to_string(&report).unwrap(),
                _ => format!("{}{}", stderr(&o), String::from_utf8_lossy(&o.stdout)),
            };
            assert!(!said.contains("panicked") && !said.contains("overflow"), "{command}, {place}: {said}");
            if command == "package" {
                // It checks first, and refuses an extract with errors.
                assert!(said.contains("errors, so it is not packaged"), "{said}");
                continue;
            }
            assert!(said.contains("nested deeper than 256"), "{command}, {place}: {said}");
            if command == "inspect" {
                assert!(said.len() < 2_000, "{place}: {} bytes said", said.len());
                let (l, _) = position_after(&said, "arkivstruktur.xml");
                assert_eq!(l, line, "{command}, {place}: {said}");
            }
        }
    }
}

/// Every member a tar holds is read or named (issue 15): a GNU sparse member, a name stored
/// twice, and two names that are not UTF-8 and differ only there. The tars are GNU tar's.
#[test]
fn tar_members_are_read_or_named_never_dropped() {
    use std::os::unix::ffi::OsStrExt;
    use std::process::Command;
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "1", "--mapper", "3", "--no-documents"]);
    let gnu_tar = |args: &[&std::ffi::OsStr]| {
        let o = Command::new("tar").args(args).output().unwrap();
        assert!(o.status.success(), "tar: {}", String::from_utf8_lossy(&o.stderr));
    };
    let findings = |tar: &Path| {
        let report = tmp.path().join("report.json");
        let o = samla(&["-q", "check", tar.to_str().unwrap(), "--report-json", report.to_str().unwrap()]);
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
        (o.status.code(), json["controls"].as_array().unwrap().iter().find(|c| c["id"] == "N5.01").unwrap().to_string())
    };
    let tar = tmp.path().join("uttrekk.tar");
    let os = |s: &str| std::ffi::OsString::from(s);

    // A sparse file of 64 MiB, stored sparse.
    let sparse = dir.join("DOKUMENT/sparse.pdf");
    std::fs::create_dir_all(sparse.parent().unwrap()).unwrap();
    std::fs::File::create(&sparse).unwrap().set_len(64 << 20).unwrap();
    gnu_tar(&[&os("--sparse"), &os("-cf"), tar.as_os_str(), &os("-C"), dir.as_os_str(), &os(".")]);
    let (code, n501) = findings(&tar);
    assert_eq!(code, Some(1), "{n501}");
    assert!(n501.contains("DOKUMENT/sparse.pdf") && n501.contains("sparse tar member"), "{n501}");
    std::fs::remove_file(&sparse).unwrap();

    // Two names that decode to the same text if bytes are replaced, and one name twice.
    let names: [&[u8]; 2] = [b"\xe6rlig.pdf", b"\xf8rlig.pdf"];
    for name in names {
        std::fs::write(dir.join(std::ffi::OsStr::from_bytes(name)), name).unwrap();
    }
    gnu_tar(&[&os("-cf"), tar.as_os_str(), &os("-C"), dir.as_os_str(), &os(".")]);
    std::fs::write(tmp.path().join("arkivuttrekk.xml"), "<tampered/>").unwrap();
    gnu_tar(&[&os("-rf"), tar.as_os_str(), &os("-C"), tmp.path().as_os_str(), &os("./arkivuttrekk.xml")]);
    let extract = samla_noark5::Extract::open(&tar).unwrap();
    let files: Vec<&str> = extract.files().map(|(n, _)| n).filter(|n| n.ends_with("rlig.pdf")).collect();
    assert_eq!(files, ["\\xE6rlig.pdf", "\\xF8rlig.pdf"]);
    let (code, n501) = findings(&tar);
    assert_eq!(code, Some(1), "{n501}");
    assert!(n501.contains("stored more than once"), "{n501}");
    assert!(n501.contains("\\\\xE6rlig.pdf") && n501.contains("not UTF-8"), "{n501}");
}

/// A DIAS package with a second dias-mets.xml appended is not intact, whichever copy wins.
#[test]
fn verify_names_a_member_stored_twice() {
    use std::process::Command;
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "1", "--mapper", "3"]);
    let out = tmp.path().join("pakke");
    let uuid = "6f1f3c1e-2a51-4c7e-9d0a-4b8e2f6a9c11";
    let o = samla(&["-q", "package", dir.to_str().unwrap(), "--out", out.to_str().unwrap(), "--uuid", uuid]);
    assert!(o.status.success(), "{}", stderr(&o));
    let tar = out.join(format!("{uuid}.tar"));
    assert_eq!(samla(&["-q", "verify", tar.to_str().unwrap()]).status.code(), Some(0));
    let unpacked = tmp.path().join("u");
    std::fs::create_dir(&unpacked).unwrap();
    assert!(Command::new("tar").arg("-xf").arg(&tar).arg("-C").arg(&unpacked).status().unwrap().success());
    // The copy appended is the same file: the tar still holds two, and verify says so.
    let s =
        Command::new("tar").arg("-rf").arg(&tar).arg("-C").arg(&unpacked).arg(format!("{uuid}/dias-mets.xml")).status();
    assert!(s.unwrap().success());
    let o = samla(&["verify", tar.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stdout));
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(said.contains("dias-mets.xml: stored more than once") && said.contains("NOT INTACT"), "{said}");
}

/// A second writer on an output that another samla is writing stops with exit 2 and names
/// the first (issue 15); once the first is gone, the output is free again.
#[test]
fn a_second_writer_on_one_output_is_refused_and_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "1", "--mapper", "3"]);
    let n4 = tmp.path().join("n4");
    assert!(
        samla(&["-q", "generate", "--format", "noark4", "--out", n4.to_str().unwrap(), "--mapper", "5"])
            .status
            .success()
    );
    let uuid = "0b6e2d3a-8f7c-4d1e-9a2b-5c4d3e2f1a0b";
    let packages = tmp.path().join("pakker");
    let converted = tmp.path().join("konvertert");
    let package = ["-q", "package", dir.to_str().unwrap(), "--out", packages.to_str().unwrap(), "--uuid", uuid];
    let convert = ["-q", "convert", n4.to_str().unwrap(), "--out", converted.to_str().unwrap()];
    // A run whose two sources are the same extract under two names, and a wash.
    let job = String::from_utf8(samla(&["run", "--example-job"]).stdout).unwrap();
    let job = job.replace("path = \"ski\"", "path = \"uttrekk\"").replace("path = \"oppegaard\"", "path = \"uttrekk\"");
    let job_file = tmp.path().join("job.toml");
    std::fs::write(&job_file, job).unwrap();
    let run = ["-q", "run", "--job", job_file.to_str().unwrap()];
    let registers = tmp.path().join("registers");
    let o = samla(&["-q", "generate-registers", "--out", registers.to_str().unwrap(), "--records", "500"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let wash_job = registers.join("wash.toml");
    let wash = ["-q", "wash", "--job", wash_job.to_str().unwrap()];
    for (args, output) in [
        (&package[..], packages.join(uuid)),
        (&convert[..], converted.clone()),
        (&run[..], tmp.path().join("nordre-follo")),
        (&wash[..], registers.join("washed")),
    ] {
        let held = samla_noark5::atomic::OutputLock::take(&output).unwrap();
        let o = samla(args);
        assert_exit_2(&o);
        let expected = format!("another samla is writing {} (pid {})", output.display(), std::process::id());
        assert!(stderr(&o).contains(&expected), "{}", stderr(&o));
        drop(held);
        let o = samla(args);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert!(packages.join(format!("{uuid}.tar")).exists() && converted.join("arkivstruktur.xml").exists());
    assert!(tmp.path().join("nordre-follo/report.json").exists() && registers.join("washed/report.json").exists());
}

/// A 12 MB value (under the 16 MiB a reader takes) is validated in linear time and never
/// printed whole (issue 15): the terminal and the report show its start, and N5.03 says
/// the text was cut for validation.
#[test]
fn huge_values_are_validated_briefly_and_shown_short() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "1", "--mapper", "3", "--no-documents"]);
    let huge = "x".repeat(12 << 20);
    for (file, element) in [("arkivuttrekk.xml", "<value>"), ("arkivstruktur.xml", "<tittel>")] {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let at = text.find(element).unwrap() + element.len();
        std::fs::write(&path, format!("{}{huge}{}", &text[..at], &text[at..])).unwrap();
    }
    let report = tmp.path().join("report.json");
    for args in [
        vec!["inspect", dir.to_str().unwrap()],
        vec!["check", dir.to_str().unwrap(), "--report-json", report.to_str().unwrap()],
    ] {
        let o = samla(&args);
        let said = o.stdout.len() + o.stderr.len();
        assert!(said < 20_000, "{} printed {said} bytes", args[0]);
        assert!(!stderr(&o).contains("panicked"));
    }
    let json = std::fs::read_to_string(&report).unwrap();
    assert!(json.len() < 200_000, "the report is {} bytes", json.len());
    assert!(json.contains("only its first 8 MiB were validated"), "{}", &json[..json.len().min(3000)]);
}

/// A gzip file named .tar, a truncated tar, a member's header that lies about its size and
/// a UTF-16 file each get a message that says what they are (issue 15), not a parser's
/// complaint about a numeric field or a name.
#[test]
fn compressed_truncated_and_utf16_input_is_named_for_what_it_is() {
    use std::process::Command;
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "1", "--mapper", "3", "--no-documents"]);
    let gz = tmp.path().join("uttrekk.tar");
    assert!(Command::new("tar").arg("-czf").arg(&gz).arg("-C").arg(&dir).arg(".").status().unwrap().success());
    let o = inspect(&gz);
    assert_exit_2(&o);
    assert!(stderr(&o).contains("a gzip-compressed file, not a tar"), "{}", stderr(&o));

    let tar = tmp.path().join("kort.tar");
    assert!(Command::new("tar").arg("-cf").arg(&tar).arg("-C").arg(&dir).arg(".").status().unwrap().success());
    let bytes = std::fs::read(&tar).unwrap();
    std::fs::write(tmp.path().join("kort.tar.whole"), &bytes).unwrap();
    std::fs::write(&tar, &bytes[..bytes.len() / 2 + 100]).unwrap();
    let o = inspect(&tar);
    assert_exit_2(&o);
    assert!(stderr(&o).contains("the tar is truncated"), "{}", stderr(&o));

    // A member whose header states a size it does not have: less, or more.
    let bytes = std::fs::read(tmp.path().join("kort.tar.whole")).unwrap();
    let header =
        (0..bytes.len()).step_by(512).find(|&h| bytes[h..h + 100].starts_with(b"./arkivstruktur.xml")).unwrap();
    let size = u64::from_str_radix(std::str::from_utf8(&bytes[header + 124..header + 135]).unwrap(), 8).unwrap();
    for (stated, said) in
        [(size - 1000, "the tar header after member \"arkivstruktur.xml\""), (size * 1000, "the tar is truncated")]
    {
        let mut lying = bytes.clone();
        lying[header + 124..header + 136].copy_from_slice(format!("{stated:011o}\0").as_bytes());
        lying[header + 148..header + 156].copy_from_slice(b"        ");
        let sum: u32 = lying[header..header + 512].iter().map(|&b| u32::from(b)).sum();
        lying[header + 148..header + 156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        std::fs::write(&tar, &lying).unwrap();
        let o = inspect(&tar);
        assert_exit_2(&o);
        assert!(stderr(&o).contains(said) && stderr(&o).lines().count() <= 2, "{}", stderr(&o));
    }

    let path = dir.join("arkivstruktur.xml");
    let text = std::fs::read_to_string(&path).unwrap().replacen(" encoding=\"UTF-8\"", "", 1);
    let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    std::fs::write(&path, utf16).unwrap();
    let o = inspect(&dir);
    assert_exit_2(&o);
    assert!(
        stderr(&o).contains("the file is UTF-16LE") && stderr(&o).contains("arkivstruktur.xml:1:1"),
        "{}",
        stderr(&o)
    );
}

/// A full disk (a 3 MB tmpfs, mounted by the test: CI runs as root): generate, convert and
/// package each end with exit 2 and a clear message within a bounded time, and leave nothing
/// under a final name, nor a `.partial` (issue 15).
#[test]
fn a_full_disk_ends_each_writer_cleanly() {
    use std::process::Command;
    use std::time::{Duration, Instant};
    let tmp = tempfile::tempdir().unwrap();
    let small = tmp.path().join("small");
    std::fs::create_dir(&small).unwrap();
    let mounted = Command::new("mount").args(["-t", "tmpfs", "-o", "size=3m", "tmpfs"]).arg(&small).status();
    assert!(mounted.is_ok_and(|s| s.success()), "this test mounts a tmpfs and needs root, as CI has");
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(&small);

    let extract = generate(tmp.path(), &["--seed", "1", "--mapper", "60"]);
    let n4 = tmp.path().join("n4");
    assert!(
        samla(&["-q", "generate", "--format", "noark4", "--out", n4.to_str().unwrap(), "--mapper", "400"])
            .status
            .success()
    );
    let run = |args: &[&str]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_samla"))
            .args(args)
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if started.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                panic!("samla {args:?} hung on a full disk");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        child.wait_with_output().unwrap()
    };
    // A run of two sources and a wash, their outputs on the small disk.
    let second = tmp.path().join("second");
    std::fs::create_dir(&second).unwrap();
    let second = generate(&second, &["--seed", "2", "--mapper", "60", "--municipality", "Oppegård"]);
    let job = samla(&["run", "--example-job"]).stdout;
    let job = String::from_utf8(job).unwrap();
    let m = small.join("merged");
    let job = job
        .replace("out = \"nordre-follo\"", &format!("out = {:?}", m.to_str().unwrap()))
        .replace("path = \"ski\"", &format!("path = {:?}", extract.to_str().unwrap()))
        .replace("path = \"oppegaard\"", &format!("path = {:?}", second.to_str().unwrap()));
    let job_file = tmp.path().join("job.toml");
    std::fs::write(&job_file, job).unwrap();
    let registers = tmp.path().join("registers");
    let o = samla(&["-q", "generate-registers", "--out", registers.to_str().unwrap(), "--records", "6000"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let washed = small.join("washed");
    let wash_job = std::fs::read_to_string(registers.join("wash.toml")).unwrap();
    let wash_job = wash_job.replace("out = \"washed\"", &format!("out = {:?}", washed.to_str().unwrap()));
    std::fs::write(registers.join("wash.toml"), wash_job).unwrap();
    // check's reports are small: a file fills the disk to the last 16 KiB first.
    let r = (small.join("r.json"), small.join("r.html"));
    let (g, c, p) = (small.join("generated"), small.join("converted"), small.join("packages"));
    for (args, out) in [
        (vec!["-q", "generate", "--out", g.to_str().unwrap(), "--mapper", "400"], &g),
        (vec!["-q", "convert", n4.to_str().unwrap(), "--out", c.to_str().unwrap()], &c),
        (vec!["-q", "package", extract.to_str().unwrap(), "--out", p.to_str().unwrap()], &p),
        (vec!["-q", "run", "--job", job_file.to_str().unwrap()], &m),
        (vec!["-q", "wash", "--job", registers.join("wash.toml").to_str().unwrap()], &washed),
        (
            vec![
                "-q",
                "check",
                extract.to_str().unwrap(),
                "--report-json",
                r.0.to_str().unwrap(),
                "--report-html",
                r.1.to_str().unwrap(),
            ],
            &small,
        ),
    ] {
        let filler = small.join("filler");
        if args[1] == "check" {
            // SAFETY: statvfs fills the struct it is given; the path is a C string.
            let free = unsafe {
                let path = std::ffi::CString::new(small.to_str().unwrap()).unwrap();
                let mut stat: libc::statvfs = std::mem::zeroed();
                assert_eq!(libc::statvfs(path.as_ptr(), &mut stat), 0);
                stat.f_bavail as u64 * stat.f_frsize as u64
            };
            std::fs::write(&filler, vec![0u8; free.saturating_sub(16 << 10) as usize]).unwrap();
        }
        let o = run(&args);
        let _ = std::fs::remove_file(&filler);
        assert_exit_2(&o);
        let said = stderr(&o);
        assert!(said.contains("No space left") || said.contains("bytes free"), "{}: {said}", args[1]);
        let left: Vec<String> = common::tree(&small).keys().map(|p| small.join(p).display().to_string()).collect();
        let final_named = left.iter().filter(|f| f.starts_with(&out.display().to_string()) && !f.contains(".partial"));
        assert_eq!(final_named.count(), 0, "{}: {left:?}", args[1]);
        assert!(!left.iter().any(|f| f.contains(".partial")), "{}: {left:?}", args[1]);
    }
}

/// A file in a folder whose name is not UTF-8 is named by its bytes in an N5.01 error, not
/// lost and not "No such file or directory" (issue 15).
#[test]
fn a_folder_file_name_that_is_not_utf8_is_named_by_its_bytes() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "1", "--mapper", "3"]);
    std::fs::write(dir.join("DOKUMENT").join(std::ffi::OsStr::from_bytes(b"\xe6rlig.pdf")), b"%PDF-1.4").unwrap();
    let json = tmp.path().join("r.json");
    let o = samla(&["-q", "check", dir.to_str().unwrap(), "--report-json", json.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report = std::fs::read_to_string(&json).unwrap();
    assert!(report.contains("DOKUMENT/\\\\xE6rlig.pdf") && report.contains("not UTF-8"), "{report}");
}

/// Where hostile content goes in an XML file: just after the first start tag that holds
/// text (a field), and that start tag's end (for an attribute).
fn first_field(xml: &[u8]) -> (usize, usize) {
    let mut from = 0;
    loop {
        let gt = from + xml[from..].iter().position(|&b| b == b'>').expect("a field with text");
        let lt = xml[..gt].iter().rposition(|&b| b == b'<').unwrap();
        let start_tag = !matches!(xml[lt + 1], b'/' | b'?' | b'!') && xml[gt - 1] != b'/';
        if start_tag && xml.get(gt + 1).is_some_and(|b| !b.is_ascii_whitespace() && *b != b'<') {
            return (gt + 1, gt);
        }
        from = gt + 1;
    }
}

/// The three shapes of hostile XML issue 15 names, made of `xml`: nested 100,000 deep,
/// a 20 MB text node and a 20 MB attribute (past samla's 16 MiB limit for one value).
fn hostile(xml: &[u8]) -> [(&'static str, Vec<u8>); 3] {
    let (text_at, tag_end) = first_field(xml);
    let splice = |at: usize, parts: &[&[u8]]| [&xml[..at], &parts.concat(), &xml[at..]].concat();
    let deep = ["<x>".repeat(100_000), "</x>".repeat(100_000)].concat();
    let value = vec![b'x'; 20 << 20];
    [
        ("100,000 deep", splice(text_at, &[deep.as_bytes()])),
        ("a 20 MB text", splice(text_at, &[&value])),
        ("a 20 MB attribute", splice(tag_end, &[b" hostile=\"", &value, b"\""])),
    ]
}

/// Every XML input samla reads (the extract's five files, NOARKIH.XML and a Noark 4 table,
/// an ADDML description, dias-mets.xml and the submission description), made hostile three
/// ways, by every command that reads it: no abort, exit 1 with the limit named in the
/// report or exit 2 with it on the terminal, a short message, and little time (issue 15).
#[test]
fn every_xml_input_made_hostile_is_named_never_an_abort() {
    use std::process::Command;
    use std::time::{Duration, Instant};
    let tmp = tempfile::tempdir().unwrap();
    let n5 = generate(tmp.path(), &["--seed", "1", "--mapper", "3"]);
    let n4 = tmp.path().join("n4");
    let o = samla(&["-q", "generate", "--format", "noark4", "--out", n4.to_str().unwrap(), "--mapper", "5"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let addml = tmp.path().join("addml");
    std::fs::create_dir(&addml).unwrap();
    let jeger = common::arkade().join("packages/jegerregisteret98-small/20b5f34c-4411-47c3-a0f9-0a8bca631603.tar");
    assert!(Command::new("tar").arg("-xf").arg(&jeger).arg("-C").arg(&addml).status().unwrap().success());
    let packages = tmp.path().join("pakker");
    let uuid = "6f1f3c1e-2a51-4c7e-9d0a-4b8e2f6a9c11";
    let o = samla(&["-q", "package", n5.to_str().unwrap(), "--out", packages.to_str().unwrap(), "--uuid", uuid]);
    assert!(o.status.success(), "{}", stderr(&o));
    let tar = packages.join(format!("{uuid}.tar"));
    let unpacked = tmp.path().join("u");
    std::fs::create_dir(&unpacked).unwrap();
    assert!(Command::new("tar").arg("-xf").arg(&tar).arg("-C").arg(&unpacked).status().unwrap().success());

    let (work, report) = (tmp.path().join("w"), tmp.path().join("r.json"));
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let check = |dir: &Path| vec!["check".into(), s(dir), "--report-json".into(), s(&report)];
    let verify = vec!["verify".to_string(), s(&tar)];
    type Commands = Vec<Vec<String>>;
    let inputs: Vec<(&Path, String, Commands)> = vec![
        (
            &n5,
            "arkivstruktur.xml".into(),
            vec![
                check(&work),
                vec!["inspect".into(), s(&work)],
                vec!["index".into(), s(&work), "--out".into(), s(&tmp.path().join("ix"))],
            ],
        ),
        (&n5, "loependeJournal.xml".into(), vec![check(&work)]),
        (&n5, "offentligJournal.xml".into(), vec![check(&work)]),
        (&n5, "endringslogg.xml".into(), vec![check(&work)]),
        (&n5, "arkivuttrekk.xml".into(), vec![check(&work)]),
        (
            &n4,
            "NOARKIH.XML".into(),
            vec![check(&work), vec!["convert".into(), s(&work), "--out".into(), s(&tmp.path().join("cv"))]],
        ),
        (
            &n4,
            "NOARKSAK.XML".into(),
            vec![check(&work), vec!["convert".into(), s(&work), "--out".into(), s(&tmp.path().join("cv"))]],
        ),
        (&addml, "administrative_metadata/addml.xml".into(), vec![check(&work)]),
        (&unpacked, format!("{uuid}/dias-mets.xml"), vec![verify.clone()]),
        (&packages, format!("{uuid}.xml"), vec![verify]),
    ];
    for (source, file, commands) in inputs {
        let pristine = std::fs::read(source.join(&file)).unwrap();
        for (shape, bytes) in hostile(&pristine) {
            // The package's inputs are changed in place (the tar is rebuilt); the others in a copy.
            let target = if source == unpacked || source == packages {
                source.join(&file)
            } else {
                let _ = std::fs::remove_dir_all(&work);
                assert!(Command::new("cp").arg("-r").arg(source).arg(&work).status().unwrap().success());
                work.join(&file)
            };
            std::fs::write(&target, &bytes).unwrap();
            if source == unpacked {
                let tar_args = [s(&tar), "-C".into(), s(&unpacked), uuid.into()];
                assert!(Command::new("tar").arg("-cf").args(&tar_args).status().unwrap().success());
            }
            for args in &commands {
                for out in ["ix", "cv"] {
                    let _ = std::fs::remove_dir_all(tmp.path().join(out));
                }
                let _ = std::fs::remove_file(&report);
                let what = format!("{} on {file} with {shape}", args[0]);
                let started = Instant::now();
                let o = Command::new(env!("CARGO_BIN_EXE_samla")).arg("-q").args(args).output().unwrap();
                assert!(started.elapsed() < Duration::from_secs(30), "{what}: {:?}", started.elapsed());
                let said = format!("{}{}", stderr(&o), String::from_utf8_lossy(&o.stdout));
                assert!(matches!(o.status.code(), Some(1) | Some(2)), "{what}: {:?} {said}", o.status);
                assert!(!said.contains("panicked") && said.len() < 20_000, "{what}: {said}");
                let named = match o.status.code() {
                    Some(1) if args[0] == "check" => std::fs::read_to_string(&report).unwrap(),
                    _ => said,
                };
                let limit = ["nested deeper than 256", "runs past 16 MiB", "submission description cannot be read"];
                assert!(limit.iter().any(|l| named.contains(l)), "{what}: {}", &named[..named.len().min(3000)]);
            }
        }
        std::fs::write(source.join(&file), &pristine).unwrap();
    }
}
