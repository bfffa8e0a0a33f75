//! Every nesting of units that the official schemas allow reads the same through the
//! streaming reader, sequential and parallel, as through a plain tree reader (issue 14): each
//! parent/child pair the content models of v3.1, v4.0 and v5.0 allow, each nested three deep
//! where a unit may hold its own kind, with and without a namespace prefix.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use samla_noark5::Element;
use samla_noark5::stream::{Event, Split, UnitReader};
use samla_noark5::xml::XmlReader;

const NS: &str = "http://www.arkivverket.no/standarder/noark5/arkivstruktur";
const UNITS: [&str; 8] = [
    "arkiv",
    "arkivdel",
    "klassifikasjonssystem",
    "klasse",
    "mappe",
    "registrering",
    "dokumentbeskrivelse",
    "dokumentobjekt",
];

/// The (parent, child) pairs of units the schema's content models allow. A subtype
/// (saksmappe, journalpost, …) stands for its base.
fn allowed_pairs(xsd: &[u8]) -> BTreeSet<(String, String)> {
    let schema = XmlReader::new(xsd, "arkivstruktur.xsd").read_document().unwrap();
    let mut base: BTreeMap<String, String> = UNITS.iter().map(|u| (u.to_string(), u.to_string())).collect();
    let types: Vec<&Element> = schema.children.iter().filter(|c| c.local_name() == "complexType").collect();
    // Subtypes: complexContent/extension base="mappe", possibly over more than one step.
    for _ in 0..3 {
        for t in &types {
            let name = t.attr("name").unwrap_or_default();
            let mut stack: Vec<&Element> = vec![t];
            while let Some(e) = stack.pop() {
                if e.local_name() == "extension"
                    && let Some(b) = e.attr("base").and_then(|b| base.get(b.rsplit(':').next().unwrap())).cloned()
                {
                    base.insert(name.to_string(), b);
                }
                stack.extend(e.children.iter());
            }
        }
    }
    let mut pairs = BTreeSet::new();
    for t in &types {
        let Some(parent) = t.attr("name").and_then(|n| base.get(n)) else { continue };
        let mut stack: Vec<&Element> = t.children.iter().collect();
        while let Some(e) = stack.pop() {
            if e.local_name() == "element"
                && let Some(child) = e.attr("type").and_then(|ty| base.get(ty.rsplit(':').next().unwrap()))
                && e.attr("name") == Some(child.as_str())
            {
                pairs.insert((parent.clone(), child.clone()));
            }
            stack.extend(e.children.iter());
        }
    }
    pairs
}

/// The shortest chain of units from arkiv down to `to`.
fn chain(pairs: &BTreeSet<(String, String)>, to: &str) -> Vec<String> {
    let mut came: BTreeMap<String, String> = BTreeMap::new();
    let mut queue = VecDeque::from([("arkiv".to_string())]);
    while let Some(at) = queue.pop_front() {
        if at == to {
            break;
        }
        for (p, c) in pairs.iter().filter(|(p, _)| *p == at) {
            if !came.contains_key(c) && c != "arkiv" {
                came.insert(c.clone(), p.clone());
                queue.push_back(c.clone());
            }
        }
    }
    let mut out = vec![to.to_string()];
    while let Some(p) = came.get(out.last().unwrap()) {
        out.push(p.clone());
    }
    assert_eq!(out.last().map(String::as_str), Some("arkiv"), "{to} cannot be reached from arkiv");
    out.reverse();
    out
}

/// `<name>` with fields whose names begin with its own (`<mappeID>` in `<mappe>`), which once
/// hid a nested start tag from the reader's count.
fn open(xml: &mut String, prefix: &str, name: &str) {
    xml.push_str(&format!(
        "<{prefix}{name}>\n<{prefix}systemID>{name}</{prefix}systemID><{prefix}{name}ID>x</{prefix}{name}ID>\n"
    ));
}

fn document(chain: &[String], child: &str, nested: bool, prefix: &str) -> String {
    let root = if prefix.is_empty() { format!("xmlns=\"{NS}\"") } else { format!("xmlns:n5=\"{NS}\"") };
    let mut xml = String::new();
    for (i, name) in chain.iter().enumerate() {
        open(&mut xml, prefix, name);
        if i == 0 {
            xml = xml.replacen(&format!("<{prefix}arkiv>"), &format!("<{prefix}arkiv {root}>"), 1);
        }
    }
    for _ in 0..2 {
        let depth = if nested { 3 } else { 1 };
        for _ in 0..depth {
            open(&mut xml, prefix, child);
        }
        for _ in 0..depth {
            xml.push_str(&format!("</{prefix}{child}>\n"));
        }
    }
    for name in chain.iter().rev() {
        xml.push_str(&format!("</{prefix}{name}>\n"));
    }
    xml
}

fn count(e: &Element, into: &mut BTreeMap<String, u64>) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        *into.entry(e.local_name().to_string()).or_default() += 1;
        stack.extend(e.children.iter());
    }
}

fn streamed(mut reader: UnitReader<impl std::io::Read>) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    while let Some(event) = reader.next_event().unwrap_or_else(|e| panic!("{e}")) {
        match event {
            Event::Start(e) | Event::Unit(e) | Event::Field(e) => count(&e, &mut counts),
            Event::End(_) => {}
        }
    }
    counts
}

#[test]
fn every_nesting_the_schemas_allow_reads_whole() {
    let mut seen = 0;
    for version in ["v3_1", "v4_0", "v5_0"] {
        let xsd = samla_schemas::get(&format!("noark5/{version}/arkivstruktur.xsd")).unwrap();
        let pairs = allowed_pairs(xsd.bytes);
        for must in [("mappe", "mappe"), ("klasse", "klasse"), ("mappe", "registrering"), ("klasse", "registrering")] {
            assert!(pairs.contains(&(must.0.to_string(), must.1.to_string())), "{version} lacks {must:?}: {pairs:?}");
        }
        for (parent, child) in &pairs {
            let nested = pairs.contains(&(child.clone(), child.clone()));
            for prefix in ["", "n5:"] {
                let xml = document(&chain(&pairs, parent), child, nested, prefix);
                let tree = XmlReader::new(xml.as_bytes(), "a.xml").read_document().unwrap();
                let mut expected = BTreeMap::new();
                count(&tree, &mut expected);
                let what = format!("{version}: {child} in {parent}, prefix {prefix:?}\n{xml}");
                assert_eq!(
                    streamed(UnitReader::new(xml.as_bytes(), "a.xml", Split::ARKIVSTRUKTUR)),
                    expected,
                    "{what}"
                );
                let parallel =
                    UnitReader::parallel(std::io::Cursor::new(xml.clone().into_bytes()), "a.xml", Split::ARKIVSTRUKTUR);
                assert_eq!(streamed(parallel), expected, "parallel, {what}");
                seen += 1;
            }
        }
    }
    assert!(seen > 40, "only {seen} documents");
}
