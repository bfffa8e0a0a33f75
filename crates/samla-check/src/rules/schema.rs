//! N5.03: every XML file validated against its schema with libxml2, streaming.
//!
//! The schema for each file is the extract's own when it is the official one, else the
//! official one from the set in use (`--schemas`, `SAMLA_SCHEMAS`, or the set samla
//! carries), else the extract's own variant (said so).
//! Business-specific schemas in the extract (such as a `vsmd.xsd`) are imported beside
//! arkivstruktur.xsd, as their producer intended; they (and a variant, when no official
//! schema is at hand) are copied to a temporary folder, so that schemas inside a tar resolve
//! their imports. An official schema is never copied: samla's own copy is the same file.

use std::path::{Path, PathBuf};

use samla_noark5::schemas::{self, SchemaDir};
use samla_noark5::{Extract, Version};
use samla_xsd::{Level, Schema};

use super::documents::sha256_of;
use crate::controls::ControlId::N5_03;
use crate::findings::{Findings, Location, Severity, Text};

/// Problems kept per file; beyond these they are counted.
const MAX_PROBLEMS: usize = 1000;

/// The XML files of an extract and the schema each is validated against.
pub const FILES: [(&str, &str); 5] = [
    ("arkivstruktur.xml", "arkivstruktur.xsd"),
    ("loependeJournal.xml", "loependeJournal.xsd"),
    ("offentligJournal.xml", "offentligJournal.xsd"),
    ("endringslogg.xml", "endringslogg.xsd"),
    ("arkivuttrekk.xml", "addml.xsd"),
];

/// The schemas chosen for one extract.
pub struct Plan {
    /// (XML file, schema path, where the schema came from).
    pub files: Vec<(String, PathBuf, String)>,
    /// Files without any schema to validate against.
    pub without: Vec<String>,
    _tmp: Option<tempfile::TempDir>,
}

impl Plan {
    /// One line for the report's summary.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self.files.iter().map(|(x, _, from)| format!("{x}: {from}")).collect();
        parts.extend(self.without.iter().map(|x| format!("{x}: no schema")));
        parts.join("; ")
    }
}

fn target_namespace(xsd: &Path) -> Option<String> {
    let file = std::fs::File::open(xsd).ok()?;
    let mut reader = samla_noark5::xml::XmlReader::new(file, xsd.display().to_string());
    match reader.next_node().ok()? {
        samla_noark5::xml::Node::Start { element, .. } => element.attr("targetNamespace").map(str::to_string),
        _ => None,
    }
}

/// Chooses the schemas. See the module docs.
///
/// An official schema in the extract is validated against samla's own copy of it (the same
/// bytes), so that nothing is copied out of the extract unless it must be: a variant, or the
/// business-specific schemas, go to a temporary folder only then.
pub fn plan(extract: &Extract, version: Option<Version>, dir: Option<&SchemaDir>) -> Plan {
    let own: Vec<String> =
        extract.files().filter(|(n, _)| n.ends_with(".xsd") && !n.contains('/')).map(|(n, _)| n.to_string()).collect();
    // (name, the embedded copy when it is an official schema under its own name)
    let mut found: Vec<(String, Option<PathBuf>)> = Vec::new();
    for name in &own {
        let official = sha256_of(extract, name).ok().and_then(|(hex, _)| {
            schemas::identify_as(name, &hex).and_then(|_| schemas::embedded_with_digest(&hex)).map(|f| f.location())
        });
        found.push((name.clone(), official));
    }
    let mut tmp: Option<tempfile::TempDir> = None;
    // Copies `name` out of the extract, into a temporary folder made when first needed.
    let mut copy_out = |name: &str| -> Option<PathBuf> {
        if tmp.is_none() {
            tmp = tempfile::tempdir().ok();
        }
        let to = tmp.as_ref()?.path().join(name);
        let mut from = extract.open_file(name).ok()?;
        let mut file = std::fs::File::create(&to).ok()?;
        std::io::copy(&mut from, &mut file).ok()?;
        Some(to)
    };
    let mut files = Vec::new();
    let mut without = Vec::new();
    for (xml, xsd) in FILES {
        if extract.find(xml).is_none() {
            continue;
        }
        let own = found.iter().find(|(n, _)| n.eq_ignore_ascii_case(xsd));
        let from_dir = dir.and_then(|d| match xsd {
            "addml.xsd" => d.addml().ok(),
            // An unknown version chooses no Noark 5 schema: it is never assumed.
            _ => version.and_then(|v| d.noark5(v, xsd).ok()),
        });
        let chosen = match (own, from_dir) {
            (Some((name, Some(copy))), _) => Some((copy.clone(), format!("the extract's {name} (official)"))),
            (_, Some(file @ schemas::SchemaFile::Embedded(_))) => Some((file.location(), file.to_string())),
            (_, Some(file)) => Some((file.location(), format!("{file} (official, from the schema folder)"))),
            (Some((name, None)), None) => copy_out(name)
                .map(|path| (path, format!("the extract's {name} (not official: no official schema for it)"))),
            (None, None) => None,
        };
        match chosen {
            Some((path, from)) => files.push((xml.to_string(), path, from)),
            None => without.push(xml.to_string()),
        }
    }
    // Business-specific schemas: import them beside arkivstruktur.xsd.
    let extra: Vec<(String, PathBuf, String)> = found
        .iter()
        .filter(|(n, official)| official.is_none() && !schemas::OFFICIAL.iter().any(|s| s.name.eq_ignore_ascii_case(n)))
        .filter_map(|(n, _)| {
            let path = copy_out(n)?;
            let ns = target_namespace(&path)?;
            Some((n.clone(), path, ns))
        })
        .collect();
    if !extra.is_empty()
        && let Some(t) = &tmp
        && let Some(entry) = files.iter_mut().find(|(x, _, _)| x == "arkivstruktur.xml")
    {
        let mut wrapper = String::from("<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n");
        let main = entry.1.display().to_string();
        wrapper.push_str(&format!(
            "  <xs:import namespace=\"{}\" schemaLocation=\"{}\"/>\n",
            samla_noark5::model::NS_ARKIVSTRUKTUR,
            samla_report::esc(&main)
        ));
        for (_, path, ns) in &extra {
            wrapper.push_str(&format!(
                "  <xs:import namespace=\"{}\" schemaLocation=\"{}\"/>\n",
                samla_report::esc(ns),
                samla_report::esc(&path.display().to_string())
            ));
        }
        wrapper.push_str("</xs:schema>\n");
        let path = t.path().join("samla-arkivstruktur-with-business-schemas.xsd");
        if std::fs::write(&path, wrapper).is_ok() {
            let names: Vec<&str> = extra.iter().map(|(n, _, _)| n.as_str()).collect();
            entry.2 = format!("{} with {}", entry.2, names.join(", "));
            entry.1 = path;
        }
    }
    Plan { files, without, _tmp: tmp }
}

/// What validating one file found.
pub struct Outcome {
    /// The XML file.
    pub file: String,
    /// The problems (at most [`MAX_PROBLEMS`]), or why the file could not be validated.
    pub result: Result<samla_xsd::Validation, String>,
}

/// Validates `xml` against `xsd`. Safe to run on its own thread.
pub fn validate(extract: &Extract, xml: &str, xsd: &Path) -> Outcome {
    let result = Schema::compile(xsd).map_err(|e| e.to_string()).and_then(|schema| {
        let source = extract.open_file(xml).map_err(|e| e.to_string())?;
        schema.validate(source, xml, MAX_PROBLEMS).map_err(|e| e.to_string())
    });
    Outcome { file: xml.to_string(), result }
}

/// Records the findings of an outcome under N5.03.
pub fn record(outcome: Outcome, f: &mut Findings) {
    match outcome.result {
        Ok(v) => {
            let shown = v.problems.len() as u64;
            for p in v.problems {
                let severity = if p.level == Level::Warning { Severity::Warning } else { Severity::Error };
                let at = Location {
                    file: outcome.file.clone(),
                    line: Some(p.line),
                    column: Some(p.column),
                    element: p.element.clone(),
                    ..Default::default()
                };
                f.add(N5_03, severity, at, Text::new(p.message.clone(), p.message));
            }
            if v.total > shown {
                f.add(
                    N5_03,
                    Severity::Error,
                    Location::file(outcome.file.clone()).with_detail(format!("{} / {}", v.total - shown, v.total)),
                    Text::new(
                        "Flere skjemafeil i filen enn rapporten viser",
                        "More schema errors in the file than the report shows",
                    ),
                );
            }
            f.stat(
                N5_03,
                Text::new(format!("Skjemafeil i {}", outcome.file), format!("Schema errors in {}", outcome.file)),
                v.total,
            );
        }
        Err(why) => f.add(
            N5_03,
            Severity::Error,
            Location::file(outcome.file).with_detail(why),
            Text::new("Filen kunne ikke valideres", "The file could not be validated"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arkade(name: &str) -> std::path::PathBuf {
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures/arkade/noark5")).join(name)
    }

    /// Official schemas in the extract are validated against samla's own copies: nothing is
    /// copied out, so no temporary folder can outlive a kill. A business-specific schema still is.
    #[test]
    fn official_schemas_are_not_copied_out() {
        let extract = Extract::open(&arkade("Noark5Archive")).unwrap();
        let chosen = plan(&extract, Some(Version::V3_1), Some(&SchemaDir::embedded()));
        assert!(chosen._tmp.is_none(), "{}", chosen.describe());
        let (_, location, from) = chosen.files.iter().find(|(x, _, _)| x == "arkivstruktur.xml").unwrap();
        assert!(location.to_str().unwrap().starts_with("samla-schemas:/"), "{}", location.display());
        assert_eq!(from, "the extract's arkivstruktur.xsd (official)");

        let custom = Extract::open(&arkade("StructureValidation/custom")).unwrap();
        let chosen = plan(&custom, None, Some(&SchemaDir::embedded()));
        assert!(chosen._tmp.is_some(), "{}", chosen.describe());
    }
}
