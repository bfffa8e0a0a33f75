//! Round trip of the real Arkade test extracts: read with the streaming reader, write
//! back with the writer, and compare: the trees are semantically equal, and xmllint with
//! the extract's own XSDs gives the same verdict before and after.

use crate::common;
use std::path::{Path, PathBuf};

use crate::common::{arkade, xmllint};
use samla_noark5::stream::{Split, UnitReader};
use samla_noark5::writer::XmlWriter;
use samla_noark5::xml::XmlReader;

const FILES: [(&str, Split); 4] = [
    ("arkivstruktur", Split::ARKIVSTRUKTUR),
    ("loependeJournal", Split::JOURNAL),
    ("offentligJournal", Split::JOURNAL),
    ("endringslogg", Split::ENDRINGSLOGG),
];

/// Streams `input` through the reader and writer into `output`.
fn copy_through(input: &Path, output: &Path, split: Split) {
    let file = std::fs::File::open(input).unwrap();
    let mut reader = UnitReader::new(file, input.display().to_string(), split);
    let mut writer = XmlWriter::new(std::fs::File::create(output).unwrap());
    while let Some(event) = reader.next_event().unwrap() {
        writer.event(&event).unwrap();
    }
    writer.finish().unwrap();
}

fn tree(path: &Path) -> samla_noark5::Element {
    XmlReader::new(std::fs::File::open(path).unwrap(), path.display().to_string()).read_document().unwrap()
}

/// xmllint's errors without the file and line, which differ between input and output.
fn messages(errors: &[String]) -> Vec<String> {
    errors.iter().map(|e| e.splitn(3, ':').nth(2).unwrap_or(e).trim().to_string()).collect()
}

/// Round-trips every XML file of `extract`; returns (file, errors before, errors after).
fn round_trip(extract: &str, schema_for: impl Fn(&str) -> PathBuf) -> Vec<(String, Vec<String>, Vec<String>)> {
    let dir = arkade().join("noark5").join(extract);
    let tmp = tempfile::tempdir().unwrap();
    let mut out = Vec::new();
    for (name, split) in FILES {
        let input = dir.join(format!("{name}.xml"));
        if !input.exists() {
            continue;
        }
        let output = tmp.path().join(format!("{name}.xml"));
        copy_through(&input, &output, split);
        assert_eq!(tree(&input).semantic_diff(&tree(&output)), None, "{extract}/{name}.xml");
        let xsd = schema_for(name);
        out.push((name.to_string(), messages(&xmllint(&input, &xsd)), messages(&xmllint(&output, &xsd))));
    }
    out
}

#[test]
fn valid_arkade_extracts_stay_equal_and_valid() {
    for extract in ["Small", "Noark5Archive", "ContentClassificationSystem", "StructureValidation/correct"] {
        let dir = arkade().join("noark5").join(extract);
        let results = round_trip(extract, |name| dir.join(format!("{name}.xsd")));
        assert!(!results.is_empty());
        for (file, before, after) in results {
            assert!(before.is_empty(), "{extract}/{file} should be valid before: {before:?}");
            assert!(after.is_empty(), "{extract}/{file} invalid after the round trip: {after:?}");
        }
    }
}

/// A generated extract with undermapper four deep (mappe in mappe) comes through equal and
/// valid (issue 14).
#[test]
fn deep_undermapper_stay_equal_and_valid() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = common::generate(tmp.path(), &["--seed", "5", "--mapper", "60", "--no-documents", "--undermapper", "4"]);
    let input = dir.join("arkivstruktur.xml");
    assert!(std::fs::read_to_string(&input).unwrap().contains("(del 4)"), "the generator wrote no undermapper");
    let output = tmp.path().join("arkivstruktur.xml");
    copy_through(&input, &output, Split::ARKIVSTRUKTUR);
    assert_eq!(tree(&input).semantic_diff(&tree(&output)), None);
    assert_eq!(messages(&xmllint(&output, &dir.join("arkivstruktur.xsd"))), Vec::<String>::new());
}

#[test]
fn business_specific_metadata_survives_with_its_own_schema() {
    let dir = arkade().join("noark5/StructureValidation/custom");
    let tmp = tempfile::tempdir().unwrap();
    // vsmd.xsd is imported beside arkivstruktur.xsd, as the extract's producer intended.
    let wrapper = tmp.path().join("with-vsmd.xsd");
    std::fs::write(
        &wrapper,
        format!(
            r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:import namespace="http://www.arkivverket.no/standarder/noark5/arkivstruktur" schemaLocation="{}"/>
  <xs:import namespace="http://www.organisasjon.no/vsmd" schemaLocation="{}"/>
</xs:schema>"#,
            dir.join("arkivstruktur.xsd").display(),
            dir.join("vsmd.xsd").display()
        ),
    )
    .unwrap();
    let results = round_trip("StructureValidation/custom", |_| wrapper.clone());
    let (_, before, after) = &results[0];
    assert!(before.is_empty(), "{before:?}");
    assert!(after.is_empty(), "{after:?}");
}

#[test]
fn an_invalid_extract_keeps_exactly_its_validation_errors() {
    let dir = arkade().join("noark5/Version5_5");
    let results = round_trip("Version5_5", |name| dir.join(format!("{name}.xsd")));
    let (_, before, after) = &results[0];
    assert!(!before.is_empty(), "Version5_5 is known to be invalid");
    assert_eq!(before, after);
}
