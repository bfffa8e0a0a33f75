//! Round trip of the real Arkade test extracts: read, write back, compare.

use std::path::{Path, PathBuf};

use samla_noark5::stream::{Split, UnitReader};
use samla_noark5::writer::XmlWriter;
use samla_noark5::xml::XmlReader;

fn arkade() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/arkade/noark5")
}

fn copy_through(input: &Path, split: Split) -> Vec<u8> {
    let file = std::fs::File::open(input).unwrap();
    let mut reader = UnitReader::new(file, input.display().to_string(), split);
    let mut writer = XmlWriter::new(Vec::new());
    while let Some(event) = reader.next_event().unwrap() {
        writer.event(&event).unwrap();
    }
    writer.finish().unwrap()
}

#[test]
fn arkade_extracts_round_trip_semantically() {
    let mut checked = 0;
    for extract in [
        "Small",
        "Noark5Archive",
        "ContentClassificationSystem",
        "StructureValidation/correct",
        "StructureValidation/custom",
        "Version5_5",
    ] {
        for (file, split) in [
            ("arkivstruktur.xml", Split::ARKIVSTRUKTUR),
            ("loependeJournal.xml", Split::JOURNAL),
            ("offentligJournal.xml", Split::JOURNAL),
            ("endringslogg.xml", Split::ENDRINGSLOGG),
        ] {
            let input = arkade().join(extract).join(file);
            if !input.exists() {
                continue;
            }
            let out = copy_through(&input, split);
            let before = XmlReader::new(std::fs::File::open(&input).unwrap(), "in").read_document().unwrap();
            let after = XmlReader::new(&out[..], "out").read_document().unwrap();
            assert_eq!(before.semantic_diff(&after), None, "{extract}/{file}");
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} files checked");
}
