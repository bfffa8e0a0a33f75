//! arkivuttrekk.xml: the ADDML 8.3 description of a Noark 5 extract.
//!
//! ADDML is a generic tree of `property` elements. [`Arkivuttrekk`] reads the parts a
//! Noark 5 extract uses (the creator, the period, the version, the additionalInfo flags,
//! and per file its checksum, schemas and numberOfOccurrences) and writes them back in the
//! layout of the standard's template (`arkivuttrekk-mal-v5_0.xml`).

use std::io::{Read, Write};

use crate::element::Element;
use crate::error::{Error, ErrorKind, Result};
use crate::pos::Pos;
use crate::writer::XmlWriter;
use crate::xml::XmlReader;

/// Namespace of ADDML.
pub const NS_ADDML: &str = "http://www.arkivverket.no/standarder/addml";

/// A checksum as ADDML states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checksum {
    /// Algorithm as written, e.g. `SHA256` or `SHA-256`.
    pub algorithm: Option<String>,
    /// The value as written (hex, either case).
    pub value: Option<String>,
}

impl Checksum {
    /// A SHA-256 checksum (`SHA-256`, lower-case hex), as samla writes them.
    pub fn sha256(hex: impl Into<String>) -> Checksum {
        Checksum { algorithm: Some("SHA-256".into()), value: Some(hex.into()) }
    }

    /// True if the algorithm names SHA-256 in any of its spellings.
    pub fn is_sha256(&self) -> bool {
        self.algorithm
            .as_deref()
            .map(|a| a.replace(['-', '_', ' '], "").eq_ignore_ascii_case("sha256"))
            .unwrap_or(false)
    }
}

/// A schema file belonging to a data file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaFile {
    /// File name, e.g. `arkivstruktur.xsd`.
    pub name: String,
    /// `main` for the schema validated against; `None` for imported ones.
    pub role: Option<String>,
    /// Its checksum, if stated.
    pub checksum: Option<Checksum>,
}

/// One data file described in arkivuttrekk.xml (arkivstruktur, endringslogg, journals).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    /// The dataObject's name, e.g. `arkivstruktur`.
    pub object: String,
    /// File name, e.g. `arkivstruktur.xml`.
    pub name: String,
    /// Its checksum, if stated.
    pub checksum: Option<Checksum>,
    /// Its schemas.
    pub schemas: Vec<SchemaFile>,
    /// numberOfOccurrences: element name and the stated count (as written).
    pub occurrences: Vec<(String, String)>,
    /// Where the dataObject starts in arkivuttrekk.xml.
    pub pos: Pos,
}

impl DataFile {
    /// `<object>.xml` of a Noark 5 extract with its SHA-256 and counts, and its schemas:
    /// `<object>.xsd` (main) and metadatakatalog.xsd, each with its digest from
    /// `schemas` (file name → hex). With `schemas` empty (no XSDs copied), none are named.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use samla_noark5::addml::DataFile;
    /// let digests = BTreeMap::from([("arkivstruktur.xsd".to_string(), "ab".to_string())]);
    /// let f = DataFile::noark("arkivstruktur", "cd", vec![("mappe".into(), "3".into())], &digests);
    /// assert_eq!(f.name, "arkivstruktur.xml");
    /// assert_eq!(f.schemas[0].role.as_deref(), Some("main"));
    /// assert!(f.schemas[1].checksum.is_none());
    /// ```
    pub fn noark(
        object: &str,
        sha256: impl Into<String>,
        occurrences: Vec<(String, String)>,
        schemas: &std::collections::BTreeMap<String, String>,
    ) -> DataFile {
        let schema = |name: String, main: bool| SchemaFile {
            checksum: schemas.get(&name).map(Checksum::sha256),
            name,
            role: main.then(|| "main".to_string()),
        };
        DataFile {
            object: object.to_string(),
            name: format!("{object}.xml"),
            checksum: Some(Checksum::sha256(sha256)),
            schemas: if schemas.is_empty() {
                Vec::new()
            } else {
                vec![schema(format!("{object}.xsd"), true), schema("metadatakatalog.xsd".into(), false)]
            },
            occurrences,
            pos: Pos::default(),
        }
    }
}

/// The additionalInfo an extract made by samla states (krav 6.4.x: period split,
/// skjerming, kassasjon, business-specific metadata, number of document files).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    /// inneholderSkjermetInformasjon.
    pub skjermet: bool,
    /// inneholderDokumenterSomSkalKasseres.
    pub skal_kasseres: bool,
    /// inneholderVirksomhetsspesifikkeMetadata.
    pub virksomhetsspesifikke: bool,
    /// antallDokumentfiler.
    pub dokumentfiler: u64,
}

impl Flags {
    /// The key-value pairs, in the order of the standard's template; periods split
    /// sharply ("skarpt") and nothing already discarded.
    pub fn info(&self) -> Vec<(String, String)> {
        vec![
            ("periode.inngaaendeSkille".into(), "skarpt".into()),
            ("periode.utgaaendeSkille".into(), "skarpt".into()),
            ("inneholderSkjermetInformasjon".into(), self.skjermet.to_string()),
            ("omfatterDokumenterSomErKassert".into(), "false".into()),
            ("inneholderDokumenterSomSkalKasseres".into(), self.skal_kasseres.to_string()),
            ("inneholderVirksomhetsspesifikkeMetadata".into(), self.virksomhetsspesifikke.to_string()),
            ("antallDokumentfiler".into(), self.dokumentfiler.to_string()),
        ]
    }
}

/// What arkivuttrekk.xml says about the extract.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Arkivuttrekk {
    /// Noark 5 version as written (info/type/version), e.g. "5.0".
    pub version: Option<String>,
    /// recordCreators/recordCreator values.
    pub record_creators: Vec<String>,
    /// systemType, e.g. "Sakarkiv (Noark-5)".
    pub system_type: Option<String>,
    /// systemName.
    pub system_name: Option<String>,
    /// archive.
    pub archive: Option<String>,
    /// archivalPeriod startDate.
    pub period_start: Option<String>,
    /// archivalPeriod endDate.
    pub period_end: Option<String>,
    /// additionalInfo, flattened: `periode.inngaaendeSkille`, `antallDokumentfiler`, …
    pub info: Vec<(String, String)>,
    /// The data files.
    pub files: Vec<DataFile>,
}

fn property<'a>(e: &'a Element, name: &str) -> Option<&'a Element> {
    e.child("properties")?.children_named("property").find(|p| p.attr("name") == Some(name))
}

fn properties<'a>(e: &'a Element, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
    e.child("properties")
        .into_iter()
        .flat_map(move |ps| ps.children_named("property").filter(move |p| p.attr("name") == Some(name)))
}

fn value(e: &Element) -> Option<String> {
    e.value("value").map(|v| v.trim().to_string())
}

fn path<'a>(e: &'a Element, names: &[&str]) -> Option<&'a Element> {
    names.iter().try_fold(e, |e, n| property(e, n))
}

fn additional<'a>(e: &'a Element, name: &str) -> Option<&'a Element> {
    e.child("additionalElements")?.children_named("additionalElement").find(|a| a.attr("name") == Some(name))
}

/// The checksum property (algorithm and value) of an ADDML `dataObject` or `flatFile`.
pub fn checksum(file: &Element) -> Option<Checksum> {
    let c = property(file, "checksum")?;
    Some(Checksum { algorithm: property(c, "algorithm").and_then(value), value: property(c, "value").and_then(value) })
}

fn flatten_info(prefix: &str, e: &Element, out: &mut Vec<(String, String)>) {
    for p in e.child("properties").into_iter().flat_map(|ps| ps.children_named("property")) {
        let name = format!("{prefix}{}", p.attr("name").unwrap_or(""));
        if let Some(v) = value(p) {
            out.push((name.clone(), v));
        }
        flatten_info(&format!("{name}."), p, out);
    }
}

impl Arkivuttrekk {
    /// Reads arkivuttrekk.xml from `source` (named `file` in errors).
    pub fn read(source: impl Read, file: &str) -> Result<Arkivuttrekk> {
        let doc = XmlReader::new(source, file).read_document()?;
        Self::from_element(&doc, file)
    }

    /// Interprets a parsed arkivuttrekk.xml.
    pub fn from_element(doc: &Element, file: &str) -> Result<Arkivuttrekk> {
        if doc.local_name() != "addml" {
            return Err(Error::new(
                ErrorKind::Content,
                file,
                format!("the root element is <{}>, expected <addml>", doc.name),
            )
            .at(doc.pos)
            .with_hint("arkivuttrekk.xml must be an ADDML document as in the Noark 5 standard's template"));
        }
        let mut out = Arkivuttrekk::default();
        let dataset = doc.child("dataset");
        if let Some(reference) = dataset.and_then(|d| d.child("reference")) {
            if let Some(context) = reference.child("context") {
                if let Some(rc) = additional(context, "recordCreators") {
                    let creators =
                        rc.child("additionalElements").into_iter().flat_map(|a| a.children_named("additionalElement"));
                    out.record_creators = creators.filter_map(value).collect();
                }
                out.system_type = additional(context, "systemType").and_then(value);
                out.system_name = additional(context, "systemName").and_then(value);
                out.archive = additional(context, "archive").and_then(value);
            }
            if let Some(period) = reference.child("content").and_then(|c| additional(c, "archivalPeriod")) {
                out.period_start = property(period, "startDate").and_then(value);
                out.period_end = property(period, "endDate").and_then(value);
            }
        }
        let top = dataset.and_then(|d| d.child("dataObjects")).and_then(|d| d.child("dataObject"));
        let Some(top) = top else {
            return Err(Error::new(ErrorKind::Content, file, "no dataObjects/dataObject in arkivuttrekk.xml")
                .at(doc.pos)
                .with_hint("arkivuttrekk.xml must describe the extract's files as in the standard's template"));
        };
        if let Some(info) = property(top, "info") {
            out.version = path(info, &["type", "version"]).and_then(value);
            if let Some(additional_info) = property(info, "additionalInfo") {
                flatten_info("", additional_info, &mut out.info);
            }
        }
        for object in top.child("dataObjects").into_iter().flat_map(|d| d.children_named("dataObject")) {
            let file_prop = property(object, "file");
            let schemas = properties(object, "schema")
                .filter_map(|s| {
                    let f = property(s, "file")?;
                    Some(SchemaFile {
                        name: property(f, "name").and_then(value)?,
                        role: value(s),
                        checksum: checksum(f),
                    })
                })
                .collect();
            let occurrences = property(object, "info")
                .into_iter()
                .flat_map(|i| properties(i, "numberOfOccurrences"))
                .filter_map(|n| Some((value(n)?, property(n, "value").and_then(value).unwrap_or_default())))
                .collect();
            out.files.push(DataFile {
                object: object.attr("name").unwrap_or("").to_string(),
                name: file_prop.and_then(|f| property(f, "name")).and_then(value).unwrap_or_default(),
                checksum: file_prop.and_then(checksum),
                schemas,
                occurrences,
                pos: object.pos,
            });
        }
        Ok(out)
    }

    /// The additionalInfo value `key` (flattened, e.g. `periode.inngaaendeSkille`).
    pub fn info(&self, key: &str) -> Option<&str> {
        self.info.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// A boolean additionalInfo flag such as `inneholderSkjermetInformasjon`.
    pub fn flag(&self, key: &str) -> Option<bool> {
        match self.info(key)?.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        }
    }

    /// antallDokumentfiler, if stated as a number.
    pub fn antall_dokumentfiler(&self) -> Option<u64> {
        self.info("antallDokumentfiler")?.trim().parse().ok()
    }

    /// The data file called `name` (e.g. `arkivstruktur.xml`), case-insensitively.
    pub fn file(&self, name: &str) -> Option<&DataFile> {
        self.files.iter().find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// Writes this description as arkivuttrekk.xml, in the standard template's layout.
    pub fn write(&self, out: impl Write) -> std::io::Result<()> {
        let mut w = XmlWriter::new(out);
        w.element(&self.to_element())?;
        w.finish().map(|_| ())
    }

    /// The ADDML tree for this description.
    pub fn to_element(&self) -> Element {
        let mut root = Element::new("addml");
        root.set_attr("xmlns", NS_ADDML);
        root.set_attr("xmlns:xsi", crate::model::NS_XSI);
        root.set_attr("xsi:schemaLocation", "http://www.arkivverket.no/standarder/addml addml.xsd");
        root.set_attr("name", "Noark 5-arkivuttrekk");
        let mut dataset = Element::new("dataset");
        dataset.push_field("description", "Noark 5-arkivuttrekk");

        let mut context = Vec::new();
        if !self.record_creators.is_empty() {
            let creators =
                self.record_creators.iter().map(|c| additional_element("recordCreator", Some(c), vec![])).collect();
            context.push(additional_element("recordCreators", None, creators));
        }
        for (name, v) in
            [("systemType", &self.system_type), ("systemName", &self.system_name), ("archive", &self.archive)]
        {
            if let Some(v) = v {
                context.push(additional_element(name, Some(v), vec![]));
            }
        }
        let mut reference = Element::new("reference");
        if !context.is_empty() {
            let mut c = Element::new("context");
            c.push(additional_elements(context));
            reference.push(c);
        }
        let period: Vec<Element> = [("startDate", &self.period_start), ("endDate", &self.period_end)]
            .into_iter()
            .filter_map(|(n, v)| v.as_ref().map(|v| prop(n, Some(v), None, vec![])))
            .collect();
        if !period.is_empty() {
            let mut period_el = Element::new("additionalElement");
            period_el.set_attr("name", "archivalPeriod");
            period_el.push(props(period));
            let mut c = Element::new("content");
            c.push(additional_elements(vec![period_el]));
            reference.push(c);
        }
        if !reference.children.is_empty() {
            dataset.push(reference);
        }

        let mut info = vec![prop(
            "type",
            Some("Noark 5"),
            None,
            self.version.iter().map(|v| prop("version", Some(v), None, vec![])).collect(),
        )];
        if !self.info.is_empty() {
            info.push(prop("additionalInfo", None, None, unflatten_info(&self.info)));
        }
        let mut top = Element::new("dataObject");
        top.set_attr("name", "Noark 5-arkivuttrekk");
        top.push(props(vec![prop("info", None, None, info)]));
        let mut objects = Element::new("dataObjects");
        for f in &self.files {
            objects.push(data_object(f));
        }
        top.push(objects);
        let mut top_objects = Element::new("dataObjects");
        top_objects.push(top);
        dataset.push(top_objects);
        root.push(dataset);
        root
    }
}

fn prop(name: &str, value: Option<&str>, data_type: Option<&str>, children: Vec<Element>) -> Element {
    let mut p = Element::new("property");
    if let Some(t) = data_type {
        p.set_attr("dataType", t);
    }
    p.set_attr("name", name);
    if let Some(v) = value {
        p.push_field("value", v);
    }
    if !children.is_empty() {
        p.push(props(children));
    }
    p
}

fn props(children: Vec<Element>) -> Element {
    let mut ps = Element::new("properties");
    ps.children = children;
    ps
}

fn additional_element(name: &str, value: Option<&str>, children: Vec<Element>) -> Element {
    let mut a = Element::new("additionalElement");
    a.set_attr("name", name);
    if let Some(v) = value {
        a.push_field("value", v);
    }
    if !children.is_empty() {
        a.push(additional_elements(children));
    }
    a
}

fn additional_elements(children: Vec<Element>) -> Element {
    let mut a = Element::new("additionalElements");
    a.children = children;
    a
}

fn data_type_of(key: &str) -> Option<&'static str> {
    match key {
        "antallDokumentfiler" => Some("integer"),
        k if k.starts_with("inneholder") || k.starts_with("omfatter") => Some("boolean"),
        _ => None,
    }
}

/// Rebuilds nested additionalInfo properties from flattened `a.b` keys, keeping order.
fn unflatten_info(info: &[(String, String)]) -> Vec<Element> {
    let mut out: Vec<Element> = Vec::new();
    for (key, v) in info {
        match key.split_once('.') {
            Some((group, leaf)) => {
                let existing = out.iter_mut().find(|p| p.attr("name") == Some(group));
                let leaf_el = prop(leaf, Some(v), data_type_of(leaf), vec![]);
                match existing {
                    Some(p) => match p.child_mut("properties") {
                        Some(ps) => {
                            ps.push(leaf_el);
                        }
                        None => {
                            p.push(props(vec![leaf_el]));
                        }
                    },
                    None => out.push(prop(group, None, None, vec![leaf_el])),
                }
            }
            None => out.push(prop(key, Some(v), data_type_of(key), vec![])),
        }
    }
    out
}

fn file_prop(name: &str, checksum: &Option<Checksum>) -> Element {
    let mut children = vec![
        prop("name", Some(name), None, vec![]),
        prop("format", Some("XML"), None, vec![prop("version", Some("1.0"), None, vec![])]),
    ];
    if let Some(c) = checksum {
        let mut parts = Vec::new();
        if let Some(a) = &c.algorithm {
            parts.push(prop("algorithm", Some(a), None, vec![]));
        }
        if let Some(v) = &c.value {
            parts.push(prop("value", Some(v), None, vec![]));
        }
        children.push(prop("checksum", None, None, parts));
    }
    prop("file", None, None, children)
}

fn data_object(f: &DataFile) -> Element {
    let mut o = Element::new("dataObject");
    o.set_attr("name", &f.object);
    let mut children = vec![file_prop(&f.name, &f.checksum)];
    for s in &f.schemas {
        let schema_children = vec![
            file_prop(&s.name, &s.checksum),
            prop("type", Some("XML Schema"), None, vec![prop("version", Some("1.0"), None, vec![])]),
        ];
        children.push(prop("schema", s.role.as_deref(), None, schema_children));
    }
    if !f.occurrences.is_empty() {
        let counts = f
            .occurrences
            .iter()
            .map(|(what, n)| {
                prop(
                    "numberOfOccurrences",
                    Some(what),
                    None,
                    vec![
                        prop("elementPath", Some(&format!("//{what}")), None, vec![]),
                        prop("value", Some(n), Some("integer"), vec![]),
                    ],
                )
            })
            .collect();
        children.push(prop("info", None, None, counts));
    }
    o.push(props(children));
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_read_gives_the_same_description() {
        let a = Arkivuttrekk {
            version: Some("5.0".into()),
            record_creators: vec!["Ski kommune".into()],
            system_type: Some("Sakarkiv (Noark-5)".into()),
            system_name: Some("samla".into()),
            archive: Some("Ski kommune".into()),
            period_start: Some("2015-01-01".into()),
            period_end: Some("2019-12-31".into()),
            info: vec![
                ("periode.inngaaendeSkille".into(), "skarpt".into()),
                ("periode.utgaaendeSkille".into(), "skarpt".into()),
                ("inneholderSkjermetInformasjon".into(), "true".into()),
                ("antallDokumentfiler".into(), "12".into()),
            ],
            files: vec![DataFile {
                object: "arkivstruktur".into(),
                name: "arkivstruktur.xml".into(),
                checksum: Some(Checksum { algorithm: Some("SHA-256".into()), value: Some("ab".into()) }),
                schemas: vec![SchemaFile {
                    name: "arkivstruktur.xsd".into(),
                    role: Some("main".into()),
                    checksum: None,
                }],
                occurrences: vec![("mappe".into(), "3".into()), ("registrering".into(), "7".into())],
                pos: Pos::default(),
            }],
        };
        let mut buf = Vec::new();
        a.write(&mut buf).unwrap();
        let mut back = Arkivuttrekk::read(&buf[..], "arkivuttrekk.xml").unwrap();
        back.files[0].pos = Pos::default();
        assert_eq!(back, a);
        assert_eq!(back.flag("inneholderSkjermetInformasjon"), Some(true));
        assert_eq!(back.antall_dokumentfiler(), Some(12));
    }
}
