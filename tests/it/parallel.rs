//! The parallel reader yields exactly the events of the sequential one, and the same
//! errors at the same positions.

use std::path::Path;

use crate::common::{arkade, generate};
use samla_noark5::stream::{Event, Split, UnitReader};

fn sequential(bytes: &[u8], split: Split) -> Result<Vec<Event>, String> {
    collect(UnitReader::new(bytes, "f.xml", split))
}

fn parallel(bytes: &[u8], split: Split) -> Result<Vec<Event>, String> {
    collect(UnitReader::parallel(std::io::Cursor::new(bytes.to_vec()), "f.xml", split))
}

fn collect<R: std::io::Read>(reader: UnitReader<R>) -> Result<Vec<Event>, String> {
    reader.collect::<Result<_, _>>().map_err(|e| e.to_string())
}

fn assert_same(bytes: &[u8], split: Split, what: &str) {
    let (a, b) = (sequential(bytes, split), parallel(bytes, split));
    assert_eq!(a.is_ok(), b.is_ok(), "{what}: {a:?} vs {b:?}");
    match (a, b) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.len(), b.len(), "{what}");
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(x, y, "{what}");
            }
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "{what}"),
        _ => unreachable!(),
    }
}

fn split_for(name: &str) -> Split {
    if name.contains("Journal") {
        Split::JOURNAL
    } else if name.contains("endringslogg") {
        Split::ENDRINGSLOGG
    } else {
        Split::ARKIVSTRUKTUR
    }
}

#[test]
fn same_events_on_generated_extracts_larger_than_a_block() {
    let tmp = tempfile::tempdir().unwrap();
    // Deep undermapper (mappe in mappe, five levels) in half of the runs.
    for (version, undermapper) in [("5.0", "5"), ("3.1", "0"), ("4.0", "3")] {
        let args = ["--seed", "9", "--mapper", "700", "--noark-version", version, "--undermapper", undermapper];
        let dir = generate(&tmp.path().join(version), &args);
        for name in ["arkivstruktur.xml", "loependeJournal.xml", "offentligJournal.xml", "endringslogg.xml"] {
            let bytes = std::fs::read(dir.join(name)).unwrap();
            if name == "arkivstruktur.xml" {
                assert!(bytes.len() > 3 << 20, "the file must span several scanner blocks");
            }
            assert_same(&bytes, split_for(name), &format!("{version} {name}"));
        }
    }
}

#[test]
fn same_events_on_the_arkade_extracts() {
    let mut n = 0;
    for extract in [
        "Small",
        "Noark5Archive",
        "ContentClassificationSystem",
        "StructureValidation/correct",
        "StructureValidation/custom",
        "Version5_5",
    ] {
        for name in ["arkivstruktur.xml", "loependeJournal.xml", "offentligJournal.xml"] {
            let path = arkade().join("noark5").join(extract).join(name);
            if Path::new(&path).exists() {
                assert_same(&std::fs::read(&path).unwrap(), split_for(name), &format!("{extract}/{name}"));
                n += 1;
            }
        }
    }
    assert!(n >= 8);
}

const TRICKY: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE arkiv [ <!ENTITY x "y"> ]>
<arkiv xmlns="http://www.arkivverket.no/standarder/noark5/arkivstruktur">
  <systemID>a</systemID>
  <?vendor note?>
  <arkivdel><systemID>d</systemID>
    <mappe a="x > y" b='</mappe>'><systemID>m1</systemID>
      <!-- </mappe> in a comment -->
      <tittel><![CDATA[</mappe> <b>]]></tittel>
      <mappe><systemID>nested</systemID><mappe/></mappe>
      <mappeID>1</mappeID><?pi </mappe> ?>
    </mappe >
    <mappe/>
    <registrering><systemID>r</systemID></registrering>
    <klassifikasjonssystem><klasse><mappe><systemID>m2</systemID></mappe></klasse></klassifikasjonssystem>
    <kassasjon><mappe>field, not unit</mappe></kassasjon>
    <gradering><klasse><mappe>inside a field, so not a unit either</mappe></klasse></gradering>
  </arkivdel>
</arkiv>
"#;

#[test]
fn same_events_on_comments_cdata_pis_and_nesting() {
    assert_same(TRICKY.as_bytes(), Split::ARKIVSTRUKTUR, "tricky");
    let events = parallel(TRICKY.as_bytes(), Split::ARKIVSTRUKTUR).unwrap();
    let units = events.iter().filter(|e| matches!(e, Event::Unit(_))).count();
    assert_eq!(units, 4);
}

#[test]
fn same_errors_at_the_same_positions() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), &["--seed", "2", "--mapper", "400", "--no-documents"]);
    let bytes = std::fs::read(dir.join("arkivstruktur.xml")).unwrap();
    // Truncated inside a unit, and at a few other places.
    for cut in [bytes.len() / 3, bytes.len() / 2 + 17, bytes.len() - 40] {
        assert_same(&bytes[..cut], Split::ARKIVSTRUKTUR, &format!("cut at {cut}"));
    }
    // A mismatched end tag deep in the file.
    let text = String::from_utf8(bytes.clone()).unwrap();
    let at = text.len() / 2 + text[text.len() / 2..].find("</tittel>").unwrap();
    let broken = format!("{}</titel>{}", &text[..at], &text[at + 9..]);
    assert_same(broken.as_bytes(), Split::ARKIVSTRUKTUR, "mismatched");
    let err = parallel(broken.as_bytes(), Split::ARKIVSTRUKTUR).unwrap_err();
    let line = text[..at].lines().count();
    assert!(err.contains(&format!("f.xml:{line}:")), "{err}");
    // Bytes that are not UTF-8, in a unit.
    let mut latin = bytes.clone();
    let pos = text.len() / 2 + text[text.len() / 2..].find('ø').unwrap_or(0);
    latin[pos] = 0xf8;
    latin.remove(pos + 1);
    assert_same(&latin, Split::ARKIVSTRUKTUR, "latin-1 byte in a unit");
}

#[test]
fn non_utf8_input_is_read_sequentially_and_equally() {
    let latin: Vec<u8> = r#"<?xml version="1.0" encoding="ISO-8859-1"?><arkiv><arkivdel><mappe><tittel>Bjørn</tittel></mappe></arkivdel></arkiv>"#
        .chars()
        .map(|c| c as u32 as u8)
        .collect();
    assert_same(&latin, Split::ARKIVSTRUKTUR, "latin-1");
    let events = parallel(&latin, Split::ARKIVSTRUKTUR).unwrap();
    let Event::Unit(m) = &events[2] else { panic!("{events:?}") };
    assert_eq!(m.value("tittel"), Some("Bjørn"));
}
