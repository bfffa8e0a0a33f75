//! samla-xsd against real schemas and extracts, with `xmllint` (libxml2-utils) as the oracle.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Barrier};

use samla_xsd::{Level, Problem, Schema, Validation};

const NS: &str = "http://www.arkivverket.no/standarder/noark5/arkivstruktur";

fn shared() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")).to_path_buf()
}

fn extract(name: &str) -> PathBuf {
    shared().join("fixtures/arkade/noark5").join(name)
}

fn validate_file(xsd: &Path, xml: &Path) -> Validation {
    let schema = Schema::compile(xsd).unwrap();
    let file = std::fs::File::open(xml).unwrap();
    schema.validate(file, &xml.display().to_string(), usize::MAX).unwrap()
}

fn lines(validation: &Validation) -> Vec<u64> {
    validation.problems.iter().map(|p| p.line).collect()
}

/// What `xmllint --noout --schema XSD XML` says: whether it validates, and the line of every
/// problem it prints (`XML:LINE: ...`).
fn xmllint(xsd: &Path, xml: &Path) -> (bool, Vec<u64>) {
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd)
        .arg(xml)
        .output()
        .expect("xmllint (Debian: libxml2-utils) is needed as the oracle of these tests");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let prefix = format!("{}:", xml.display());
    let lines = stderr
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .filter_map(|rest| rest.split_once(':'))
        .filter_map(|(line, _)| line.parse().ok())
        .collect();
    (out.status.success(), lines)
}

/// Small/arkivstruktur.xml with changes, written to `dir`.
fn variant(dir: &Path, name: &str, change: impl FnOnce(String) -> String) -> PathBuf {
    let text = std::fs::read_to_string(extract("Small/arkivstruktur.xml")).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, change(text)).unwrap();
    path
}

/// Every `<opprettetDato>` made invalid, and an undeclared attribute on every `<avsluttetAv>`
/// of Steve Jackson: 19 problems in all, spread over the file.
fn many_errors(dir: &Path) -> PathBuf {
    variant(dir, "many.xml", |text| {
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("<opprettetDato>") {
            let end = rest[start..].find("</opprettetDato>").unwrap() + start;
            out.push_str(&rest[..start]);
            out.push_str("<opprettetDato>not a date");
            rest = &rest[end..];
        }
        out.push_str(rest);
        out.replace("<avsluttetAv>Steve Jackson", "<avsluttetAv attr=\"x\">Steve Jackson")
    })
}

/// The first half of Small/arkivstruktur.xml.
fn truncated(dir: &Path) -> PathBuf {
    let bytes = std::fs::read(extract("Small/arkivstruktur.xml")).unwrap();
    let path = dir.join("truncated.xml");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    path
}

#[test]
fn small_extract_is_valid_as_for_xmllint() {
    let (xsd, xml) = (extract("Small/arkivstruktur.xsd"), extract("Small/arkivstruktur.xml"));
    let validation = validate_file(&xsd, &xml);
    assert_eq!(validation, Validation { problems: vec![], total: 0 });
    assert_eq!(xmllint(&xsd, &xml), (true, vec![]));
}

#[test]
fn version5_5_extract_has_the_errors_xmllint_finds() {
    let (xsd, xml) = (extract("Version5_5/arkivstruktur.xsd"), extract("Version5_5/arkivstruktur.xml"));
    let validation = validate_file(&xsd, &xml);
    let (valid, expected) = xmllint(&xsd, &xml);
    assert!(!valid);
    assert!(!expected.is_empty());
    assert_eq!(lines(&validation), expected);
    assert_eq!(validation.total, expected.len() as u64);

    let part = &validation.problems[0];
    assert_eq!(part.level, Level::Error);
    assert_eq!(part.line, 315);
    assert!(part.column > 0);
    assert_eq!(part.element.as_deref(), Some(format!("{{{NS}}}part").as_str()));
    assert!(part.message.contains("This element is not expected"), "{}", part.message);
    assert_eq!(part.message, part.message.trim());
}

#[test]
fn lines_match_xmllint_for_values_attributes_and_missing_children() {
    let dir = tempfile::tempdir().unwrap();
    let xsd = extract("Small/arkivstruktur.xsd");
    let missing_child = variant(dir.path(), "missing-child.xml", |text| {
        // <arkivskaper> with its ID only: its required name is missing, which libxml2 notices at
        // the end tag (line 13) but reports at the element (line 12).
        let start = text.find("  <arkivskaperNavn>").unwrap();
        let end = text.find("</arkivskaper>").unwrap();
        format!("{}{}", &text[..start], &text[end..])
    });
    let unexpected = variant(dir.path(), "unexpected.xml", |text| {
        text.replacen("<klasseID>4</klasseID>", "<klasseNr>4</klasseNr>", 1).replacen(
            "<arkivperiodeStartDato>1864-03-12<",
            "<arkivperiodeStartDato>12.03.1864<",
            1,
        )
    });
    let multiline_value = variant(dir.path(), "multiline.xml", |text| {
        text.replacen(
            "<opprettetDato>1863-11-27T00:00:00Z</opprettetDato>",
            "<opprettetDato>\n1863\n</opprettetDato>",
            1,
        )
    });
    for xml in [many_errors(dir.path()), missing_child, unexpected, multiline_value] {
        let validation = validate_file(&xsd, &xml);
        let (valid, expected) = xmllint(&xsd, &xml);
        assert!(!valid, "{}", xml.display());
        assert_eq!(lines(&validation), expected, "{}: {:#?}", xml.display(), validation.problems);
        assert_eq!(validation.total, expected.len() as u64);
        assert!(validation.problems.iter().all(|p| p.level == Level::Error && p.element.is_some()));
    }
}

#[test]
fn truncated_xml_is_a_problem_with_a_line() {
    let dir = tempfile::tempdir().unwrap();
    let xml = truncated(dir.path());
    let xsd = extract("Small/arkivstruktur.xsd");
    let validation = validate_file(&xsd, &xml);
    let last = validation.problems.last().expect("the truncation is reported");
    assert!(matches!(last.level, Level::Fatal | Level::Error), "{last:?}");
    assert!(last.message.starts_with("Premature end of data"), "{}", last.message);
    assert!(last.line > 0 && last.column > 0, "{last:?}");
    // xmllint reports the same parser error on the same line.
    let (valid, expected) = xmllint(&xsd, &xml);
    assert!(!valid);
    assert_eq!(expected.last(), Some(&last.line));
}

#[test]
fn empty_input_is_a_problem() {
    let schema = Schema::compile(&extract("Small/arkivstruktur.xsd")).unwrap();
    let validation = schema.validate(io::empty(), "empty.xml", 10).unwrap();
    assert_eq!(validation.total, 1);
    assert_eq!(validation.problems[0].level, Level::Fatal);
    assert!(validation.problems[0].message.contains("empty"), "{:?}", validation.problems);
}

/// Hands out `chunk` bytes at a time, with an `Interrupted` error before each.
struct Trickle<'a> {
    bytes: &'a [u8],
    chunk: usize,
    interrupt: bool,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.interrupt = !self.interrupt;
        if self.interrupt {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = self.chunk.min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

#[test]
fn any_reader_will_do() {
    let (xsd, xml) = (extract("Version5_5/arkivstruktur.xsd"), extract("Version5_5/arkivstruktur.xml"));
    let from_file = validate_file(&xsd, &xml);
    let bytes = std::fs::read(&xml).unwrap();
    let schema = Schema::compile(&xsd).unwrap();
    assert_eq!(schema.validate(&bytes[..], "bytes", usize::MAX).unwrap(), from_file);
    let trickle = Trickle { bytes: &bytes, chunk: 7, interrupt: false };
    assert_eq!(schema.validate(trickle, "trickle", usize::MAX).unwrap(), from_file);
}

#[test]
fn max_caps_the_list_but_not_the_count() {
    let dir = tempfile::tempdir().unwrap();
    let xml = std::fs::read(many_errors(dir.path())).unwrap();
    let schema = Schema::compile(&extract("Small/arkivstruktur.xsd")).unwrap();
    let all = schema.validate(&xml[..], "many.xml", usize::MAX).unwrap();
    assert_eq!(all.total, 19);
    assert_eq!(all.problems.len(), 19);
    let five = schema.validate(&xml[..], "many.xml", 5).unwrap();
    assert_eq!(five.total, 19);
    assert_eq!(five.problems, all.problems[..5]);
    let none = schema.validate(&xml[..], "many.xml", 0).unwrap();
    assert_eq!((none.problems.len(), none.total), (0, 19));
}

#[test]
fn validations_on_two_threads_keep_their_own_problems() {
    let dir = tempfile::tempdir().unwrap();
    let xsd = extract("Small/arkivstruktur.xsd");
    // One document with schema errors only, one with a parser error (which libxml2 routes
    // through the thread's error handler, not the validation context's).
    let inputs = [std::fs::read(many_errors(dir.path())).unwrap(), std::fs::read(truncated(dir.path())).unwrap()];
    let schema = Schema::compile(&xsd).unwrap();
    let expected: Vec<Validation> = inputs.iter().map(|xml| schema.validate(&xml[..], "x", 100).unwrap()).collect();
    assert_ne!(expected[0], expected[1]);
    assert!(expected[1].problems.iter().any(|p| p.level == Level::Fatal));

    let barrier = Arc::new(Barrier::new(2));
    let threads: Vec<_> = inputs
        .into_iter()
        .zip(expected)
        .map(|(xml, expected)| {
            let (barrier, xsd) = (barrier.clone(), xsd.clone());
            std::thread::spawn(move || {
                let schema = Schema::compile(&xsd).unwrap();
                barrier.wait();
                for _ in 0..30 {
                    assert_eq!(schema.validate(&xml[..], "x", 100).unwrap(), expected);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

#[test]
fn a_schema_can_move_to_another_thread() {
    let schema = Schema::compile(&extract("Small/arkivstruktur.xsd")).unwrap();
    let xml = std::fs::read(extract("Small/arkivstruktur.xml")).unwrap();
    let total = std::thread::spawn(move || schema.validate(&xml[..], "moved", 10).unwrap().total).join().unwrap();
    assert_eq!(total, 0);
}

#[test]
fn a_missing_schema_is_an_error_naming_it() {
    let path = shared().join("schemas/noark5/no-such-schema.xsd");
    let err = Schema::compile(&path).unwrap_err();
    assert!(err.message.contains(&path.display().to_string()), "{err}");
    assert_eq!(err.to_string(), err.message);
}

#[test]
fn a_broken_schema_is_an_error_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let xsd = dir.path().join("broken.xsd");
    std::fs::write(
        &xsd,
        "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n\
         <xs:element name=\"a\" type=\"xs:noSuchType\"/>\n\
         </xs:schema>\n",
    )
    .unwrap();
    let err = Schema::compile(&xsd).unwrap_err();
    assert!(err.message.contains(&format!("{}:2:", xsd.display())), "{err}");
    assert!(err.message.contains("noSuchType"), "{err}");

    // Not even XML.
    std::fs::write(&xsd, "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n<oops").unwrap();
    let err = Schema::compile(&xsd).unwrap_err();
    assert!(err.message.contains(&format!("{}:2:", xsd.display())), "{err}");
}

/// Gives some bytes, then fails.
struct Failing(usize);

impl Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0 == 0 {
            return Err(io::Error::other("disk on fire"));
        }
        let n = self.0.min(buf.len()).min(100);
        buf[..n].fill(b' ');
        self.0 -= n;
        Ok(n)
    }
}

#[test]
fn an_unreadable_input_is_an_error() {
    let schema = Schema::compile(&extract("Small/arkivstruktur.xsd")).unwrap();
    for ok_bytes in [0, 250] {
        let err = schema.validate(Failing(ok_bytes), "burning.xml", 10).unwrap_err();
        assert!(err.message.contains("burning.xml") && err.message.contains("disk on fire"), "{err}");
    }
}

struct Panicking;

impl Read for Panicking {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        panic!("reader gave up")
    }
}

#[test]
fn a_panicking_reader_panics_in_validate_not_in_libxml2() {
    let schema = Schema::compile(&extract("Small/arkivstruktur.xsd")).unwrap();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| schema.validate(Panicking, "p", 10)));
    let payload = caught.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"reader gave up"));
    // The thread's libxml2 state is usable afterwards.
    let xml = std::fs::read(extract("Small/arkivstruktur.xml")).unwrap();
    assert_eq!(schema.validate(&xml[..], "after", 10).unwrap().total, 0);
}

/// Runs the problem-making cases above in a child process and checks that libxml2 printed
/// nothing on stderr: everything must come back as `Problem`s or `XsdError`s.
#[test]
fn libxml2_prints_nothing() {
    if std::env::var_os("SAMLA_XSD_QUIET_CHILD").is_some() {
        let dir = tempfile::tempdir().unwrap();
        let schema = Schema::compile(&extract("Small/arkivstruktur.xsd")).unwrap();
        for xml in [truncated(dir.path()), many_errors(dir.path())] {
            let problems = schema.validate(std::fs::File::open(xml).unwrap(), "x", 100).unwrap().problems;
            assert!(!problems.is_empty());
        }
        assert!(schema.validate(&b"<a>&undefined;</a>"[..], "x", 100).unwrap().total > 0);
        assert!(schema.validate(&b"\xff\xfe\x00<"[..], "x", 100).unwrap().total > 0);
        let xsd = dir.path().join("broken.xsd");
        std::fs::write(&xsd, "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"><oops").unwrap();
        assert!(Schema::compile(&xsd).is_err());
        assert!(Schema::compile(&dir.path().join("none.xsd")).is_err());
        return;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "libxml2_prints_nothing", "--test-threads=1"])
        .env("SAMLA_XSD_QUIET_CHILD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("1 passed"), "{stdout}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn problems_say_what_and_where() {
    let dir = tempfile::tempdir().unwrap();
    let xml = std::fs::read(many_errors(dir.path())).unwrap();
    let schema = Schema::compile(&extract("Small/arkivstruktur.xsd")).unwrap();
    let first: Problem = schema.validate(&xml[..], "many.xml", 1).unwrap().problems.remove(0);
    assert_eq!(first.line, 8);
    assert_eq!(first.column, 16, "the `>` of ` <opprettetDato>`");
    assert_eq!(first.element.as_deref(), Some(format!("{{{NS}}}opprettetDato").as_str()));
    assert!(first.message.contains("'not a date' is not a valid value"), "{}", first.message);
}

/// The official schemas samla carries compile from memory, imports and all.
#[test]
fn embedded_schemas_compile_and_validate_as_the_files_do() {
    let url = samla_schemas::url("noark5/v5_0/arkivstruktur.xsd");
    let embedded = Schema::compile(Path::new(&url)).unwrap();
    let xml = extract("Version5_5/arkivstruktur.xml");
    let on_file = validate_file(&shared().join("schemas/noark5/v5_0/arkivstruktur.xsd"), &xml);
    let from_memory = embedded.validate(std::fs::File::open(&xml).unwrap(), &xml.display().to_string(), usize::MAX);
    assert_eq!(from_memory.unwrap(), on_file);
    assert!(on_file.total > 0, "the Version5_5 extract has known schema errors");
    for file in
        samla_schemas::FILES.iter().filter(|f| f.path.ends_with("arkivstruktur.xsd") || f.path.starts_with("dias/"))
    {
        if file.name() == "xlink.xsd" || file.name() == "info.xsd" {
            continue;
        }
        Schema::compile(Path::new(&samla_schemas::url(file.path))).unwrap_or_else(|e| panic!("{}: {e}", file.path));
    }
    let err = Schema::compile(Path::new("samla-schemas:/noark5/v9_9/arkivstruktur.xsd")).unwrap_err();
    assert!(err.message.contains("samla carries no such schema"), "{err}");
}

/// DIAS METS imports XLink from loc.gov: that must be the embedded copy, and any other network
/// location is refused by name, never fetched.
#[test]
fn no_schema_is_fetched_from_the_network() {
    Schema::compile(Path::new(&samla_schemas::url("dias/DIAS_METS.xsd"))).unwrap();
    Schema::compile(Path::new(&samla_schemas::url("dias/DIAS_PREMIS.xsd"))).unwrap();
    // A schema of one's own that imports XLink from loc.gov gets its attributes checked.
    let dir = tempfile::tempdir().unwrap();
    let linked = dir.path().join("linked.xsd");
    std::fs::write(
        &linked,
        r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xlink="http://www.w3.org/1999/xlink">
  <xs:import namespace="http://www.w3.org/1999/xlink" schemaLocation="http://www.loc.gov/standards/xlink/xlink.xsd"/>
  <xs:element name="a"><xs:complexType><xs:attributeGroup ref="xlink:simpleLink"/></xs:complexType></xs:element>
</xs:schema>"#,
    )
    .unwrap();
    let schema = Schema::compile(&linked).unwrap();
    let doc = r#"<a xmlns:xlink="http://www.w3.org/1999/xlink" xlink:type="bogus"/>"#;
    let result = schema.validate(doc.as_bytes(), "a.xml", 10).unwrap();
    assert_eq!(result.total, 1, "{result:?}");
    assert!(result.problems[0].message.contains("{http://www.w3.org/1999/xlink}type"), "{result:?}");
    assert!(
        schema
            .validate(r#"<a xmlns:xlink="http://www.w3.org/1999/xlink" xlink:type="simple"/>"#.as_bytes(), "a.xml", 10)
            .unwrap()
            .problems
            .is_empty()
    );

    let xsd = dir.path().join("remote.xsd");
    std::fs::write(
        &xsd,
        r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:r="urn:remote" targetNamespace="urn:local">
  <xs:import namespace="urn:remote" schemaLocation="http://203.0.113.1/remote.xsd"/>
  <xs:element name="a" type="r:t"/>
</xs:schema>"#,
    )
    .unwrap();
    let started = std::time::Instant::now();
    let err = Schema::compile(&xsd).unwrap_err();
    assert!(err.message.contains("http://203.0.113.1/remote.xsd"), "{err}");
    assert!(err.message.contains("never fetches schemas from the network"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "it waited on the network");
}

/// An element's text past 8 MiB is left out of validation (libxml2 2.9 takes time quadratic
/// in it) and said so; problems after it keep the lines of the input.
#[test]
fn a_huge_text_is_cut_said_and_later_lines_stay_right() {
    let dir = tempfile::tempdir().unwrap();
    let xsd = dir.path().join("note.xsd");
    std::fs::write(
        &xsd,
        r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="note"><xs:complexType><xs:sequence>
    <xs:element name="text" type="xs:string"/><xs:element name="day" type="xs:date"/>
  </xs:sequence></xs:complexType></xs:element>
</xs:schema>"#,
    )
    .unwrap();
    let schema = Schema::compile(&xsd).unwrap();
    // 20 MiB of text over 1,000 lines, then a bad date on the line after it.
    let line = format!("{}\n", "æ".repeat(10 * 1024 - 1));
    let doc = format!("<note>\n<text>{}</text>\n<day>31.01.2024</day>\n</note>\n", line.repeat(1024));
    let started = std::time::Instant::now();
    let result = schema.validate(doc.as_bytes(), "note.xml", 10).unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
    let lines: Vec<(u64, Level)> = result.problems.iter().map(|p| (p.line, p.level)).collect();
    assert_eq!(lines, [(2, Level::Warning), (1027, Level::Error)], "{result:?}");
    assert!(result.problems[0].message.contains(&format!("text of {} bytes", line.len() * 1024)), "{result:?}");
    assert_eq!(result.problems[1].element.as_deref(), Some("day"));
}
