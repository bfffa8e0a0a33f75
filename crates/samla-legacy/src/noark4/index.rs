//! `NOARKIH.XML`, the index of a Noark 4 extract.
//!
//! ```xml
//! <NOARK.IH VERSJON="1.0">
//!   <EKSPORTINFO><EI.ARKSKAPER>Ski kommune</EI.ARKSKAPER>…</EKSPORTINFO>
//!   <TABELLINFO>
//!     <TI.TABELL>JOURNPOST</TI.TABELL>
//!     <ATTRIBUTTER><TI.ATTR>JP.ID</TI.ATTR>…</ATTRIBUTTER>
//!     <TI.ANTFILER>2</TI.ANTFILER>
//!     <FIL><TI.FILNAVN>JOURNPST.XML</TI.FILNAVN><TI.ANTPOSTER>500</TI.ANTPOSTER></FIL>
//!     <FIL><TI.FILNAVN>JOURNPS2.XML</TI.FILNAVN><TI.ANTPOSTER>120</TI.ANTPOSTER></FIL>
//!   </TABELLINFO>
//! </NOARK.IH>
//! ```
//!
//! Some vendors write `TI.FILNAVN` and `TI.ANTPOSTER` straight under `TABELLINFO`,
//! without `FIL`; both forms are read.

use std::io::Read;

use samla_noark5::pos::Pos;
use samla_noark5::{Element, Result};

use super::{Finding, Severity, table_prefix};

/// One file of a table, as the index names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableFile {
    /// The file name as written in TI.FILNAVN.
    pub name: String,
    /// The number of rows the index states (TI.ANTPOSTER), if it does and it is a number.
    pub stated_rows: Option<u64>,
    /// Where TI.ANTPOSTER (or else TI.FILNAVN) stands in the index.
    pub pos: Pos,
}

/// One table of the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInfo {
    /// The table name (TI.TABELL), such as `JOURNPOST`.
    pub name: String,
    /// Its attributes (TI.ATTR), in order.
    pub attributes: Vec<String>,
    /// The number of files the index states (TI.ANTFILER), if it does.
    pub stated_files: Option<u64>,
    /// Its files, in order.
    pub files: Vec<TableFile>,
    /// Where its TABELLINFO starts in the index.
    pub pos: Pos,
}

impl TableInfo {
    /// The total of TI.ANTPOSTER over its files, if every file states one.
    pub fn stated_rows(&self) -> Option<u64> {
        self.files.iter().map(|f| f.stated_rows).sum()
    }

    /// The two-letter field prefix if this is a core table (see [`table_prefix`]).
    pub fn prefix(&self) -> Option<&'static str> {
        table_prefix(&self.name)
    }
}

/// What `NOARKIH.XML` says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Index {
    /// The index's file name, for messages.
    pub file: String,
    /// The VERSJON attribute of NOARK.IH, if any.
    pub version: Option<String>,
    /// EKSPORTINFO's fields (EI.ARKSKAPER, EI.SYSTEMNAVN, EI.KOMMUNE, EI.FRADATO,
    /// EI.TILDATO, EI.PRODDATO, …) in order, with their positions.
    pub export: Vec<(String, String, Pos)>,
    /// The tables, in order.
    pub tables: Vec<TableInfo>,
    /// What was odd in the index itself (a TABELLINFO without TI.TABELL, a TI.ANTPOSTER
    /// that is no number, a TI.ANTFILER that differs from the files named).
    pub findings: Vec<Finding>,
}

fn text(e: &Element) -> String {
    e.text.trim().to_string()
}

impl Index {
    /// Reads `NOARKIH.XML` from `source`; `file` names it in errors and findings.
    ///
    /// ```
    /// use samla_legacy::noark4::Index;
    /// let xml = "<NOARK.IH><TABELLINFO><TI.TABELL>NOARKSAK</TI.TABELL>\
    ///            <FIL><TI.FILNAVN>NOARKSAK.XML</TI.FILNAVN><TI.ANTPOSTER>3</TI.ANTPOSTER></FIL>\
    ///            </TABELLINFO></NOARK.IH>";
    /// let index = Index::read(xml.as_bytes(), "NOARKIH.XML")?;
    /// assert_eq!(index.tables[0].files[0].stated_rows, Some(3));
    /// # Ok::<(), samla_noark5::Error>(())
    /// ```
    pub fn read(source: impl Read, file: &str) -> Result<Index> {
        let doc = samla_noark5::xml::XmlReader::new(source, file).read_document()?;
        let mut index = Index { file: file.to_string(), ..Default::default() };
        if doc.local_name() != "NOARK.IH" {
            index.findings.push(
                Finding::new(
                    Severity::Warning,
                    "N4.INDEX",
                    file,
                    format!("the root element is <{}>, not <NOARK.IH>", doc.name),
                )
                .at(doc.pos)
                .with_hint("check that this is the Noark 4 index; its tables are read all the same"),
            );
        }
        index.version = doc.attr("VERSJON").map(str::to_string);
        for child in &doc.children {
            match child.local_name() {
                "EKSPORTINFO" => {
                    for f in &child.children {
                        index.export.push((f.name.to_string(), text(f), f.pos));
                    }
                }
                "TABELLINFO" => {
                    if let Some(table) = index.table_info(child) {
                        index.tables.push(table);
                    }
                }
                _ => {}
            }
        }
        if index.tables.is_empty() {
            index.findings.push(
                Finding::new(Severity::Error, "N4.INDEX", file, "the index names no tables (no TABELLINFO)")
                    .with_hint("NOARKIH.XML must list every table file of the extract in a TABELLINFO"),
            );
        }
        Ok(index)
    }

    fn table_info(&mut self, e: &Element) -> Option<TableInfo> {
        let mut table = TableInfo {
            name: String::new(),
            attributes: Vec::new(),
            stated_files: None,
            files: Vec::new(),
            pos: e.pos,
        };
        for child in &e.children {
            match child.local_name() {
                "TI.TABELL" => table.name = text(child),
                "ATTRIBUTTER" => table.attributes.extend(child.children.iter().map(text)),
                "TI.ATTR" => table.attributes.push(text(child)),
                "TI.ANTFILER" => table.stated_files = text(child).parse().ok(),
                "FIL" => {
                    let Some(name) = child.child("TI.FILNAVN") else {
                        self.findings.push(
                            Finding::new(Severity::Error, "N4.INDEX", &self.file, "a FIL without TI.FILNAVN")
                                .at(child.pos)
                                .with_hint("every FIL of a TABELLINFO names its file in TI.FILNAVN"),
                        );
                        continue;
                    };
                    let mut file = TableFile { name: text(name), stated_rows: None, pos: name.pos };
                    if let Some(n) = child.child("TI.ANTPOSTER") {
                        file.pos = n.pos;
                        file.stated_rows = self.rows_stated(n);
                    }
                    table.files.push(file);
                }
                "TI.FILNAVN" => table.files.push(TableFile { name: text(child), stated_rows: None, pos: child.pos }),
                "TI.ANTPOSTER" => {
                    let rows = self.rows_stated(child);
                    if let Some(last) = table.files.last_mut().filter(|f| f.stated_rows.is_none()) {
                        last.stated_rows = rows;
                        last.pos = child.pos;
                    }
                }
                _ => {}
            }
        }
        if table.name.is_empty() {
            self.findings.push(
                Finding::new(Severity::Error, "N4.INDEX", &self.file, "a TABELLINFO without TI.TABELL is skipped")
                    .at(e.pos)
                    .with_hint("every TABELLINFO names its table in TI.TABELL"),
            );
            return None;
        }
        if table.files.is_empty() {
            self.findings.push(
                Finding::new(
                    Severity::Warning,
                    "N4.INDEX",
                    &self.file,
                    format!("table {} names no file (TI.FILNAVN)", table.name),
                )
                .at(e.pos)
                .in_element(&table.name),
            );
        }
        if let Some(n) = table.stated_files.filter(|&n| n != table.files.len() as u64) {
            self.findings.push(
                Finding::new(
                    Severity::Warning,
                    "N4.INDEX",
                    &self.file,
                    format!("table {}: TI.ANTFILER says {n} files, {} are named", table.name, table.files.len()),
                )
                .at(e.pos)
                .in_element(&table.name),
            );
        }
        Some(table)
    }

    fn rows_stated(&mut self, e: &Element) -> Option<u64> {
        let t = text(e);
        match t.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                self.findings.push(
                    Finding::new(
                        Severity::Error,
                        "N4.INDEX",
                        &self.file,
                        format!("TI.ANTPOSTER {t:?} is not a number"),
                    )
                    .at(e.pos),
                );
                None
            }
        }
    }

    /// The table called `name`: the same name in any case, or another vendor's name for
    /// the same core table (JOURNPST for JOURNPOST).
    pub fn table(&self, name: &str) -> Option<&TableInfo> {
        self.tables.iter().find(|t| t.name.eq_ignore_ascii_case(name)).or_else(|| {
            let prefix = table_prefix(name)?;
            self.tables.iter().find(|t| t.prefix() == Some(prefix))
        })
    }

    /// The value of an EKSPORTINFO field, such as `EI.ARKSKAPER`.
    pub fn export_value(&self, name: &str) -> Option<&str> {
        self.export.iter().find(|(n, _, _)| n.eq_ignore_ascii_case(name)).map(|(_, v, _)| v.as_str())
    }
}
