//! One Noark 4 table file, streamed row by row.
//!
//! A table file is `<X.TAB><X><FIELD>value</FIELD>…</X>…</X.TAB>`. [`Rows`] reads one
//! such file through the project's XML reader (which honours the file's declared
//! encoding and gives line:column), and hands out one [`Row`] at a time. Memory holds one
//! row, whatever the size of the file.
//!
//! A file declared ISO-8859-1 is also scanned for bytes 0x80–0x9F: in ISO-8859-1 these are
//! control characters that no archive text holds, so such a file is really windows-1252
//! (cp1252, where they are `€`, `‘`, `–`, …). It is read as windows-1252, and said so.

use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use samla_noark5::element::Name;
use samla_noark5::pos::Pos;
use samla_noark5::xml::{Node, XmlReader};
use samla_noark5::{Element, Error, ErrorKind, Result};

use super::{Finding, Noark4, Severity, TableInfo};

/// One field of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The field name, such as `JP.ID`.
    pub name: Name,
    /// Its value, trimmed.
    pub value: String,
    /// Where its start tag stands.
    pub pos: Pos,
}

/// One row of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The row element's name, such as `JOURNPOST`.
    pub name: Name,
    /// Where the row starts.
    pub pos: Pos,
    /// Its fields, in file order.
    pub fields: Vec<Field>,
}

impl Row {
    /// The field called `name` (exactly as written, or with `_` for `.`, as some vendors
    /// write: `JP_ID`).
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| &*f.name == name).or_else(|| {
            let alt = name.replace('.', "_");
            self.fields.iter().find(|f| *f.name == *alt)
        })
    }

    /// The value of the field called `name`, if the row has it.
    ///
    /// ```
    /// use samla_legacy::noark4::Rows;
    /// let xml = "<NOARKSAK.TAB><NOARKSAK><SA.ID>7</SA.ID><SA.TITTEL> Byggesak </SA.TITTEL></NOARKSAK></NOARKSAK.TAB>";
    /// let mut rows = Rows::new(xml.as_bytes(), "NOARKSAK.XML", "NOARKSAK")?;
    /// let row = rows.next_row()?.unwrap();
    /// assert_eq!(row.get("SA.TITTEL"), Some("Byggesak"));
    /// assert_eq!(row.key(), "SA.ID=7");
    /// # Ok::<(), samla_noark5::Error>(())
    /// ```
    pub fn get(&self, name: &str) -> Option<&str> {
        self.field(name).map(|f| f.value.as_str())
    }

    /// The row's key for messages: its `XX.ID` field, or what identifies a row of the
    /// tables without one (DB.DOKID; DL.JPID and DL.DOKID; VE.DOKID, VE.VERSJON and
    /// VE.VARIANT), or else its first field.
    pub fn key(&self) -> String {
        let prefix = self.fields.first().and_then(|f| f.name.split_once('.')).map(|(p, _)| p).unwrap_or("");
        let names: &[&str] = match prefix {
            "DB" => &["DB.DOKID"],
            "DL" => &["DL.JPID", "DL.DOKID"],
            "VE" => &["VE.DOKID", "VE.VERSJON", "VE.VARIANT"],
            _ => &[],
        };
        let own_id = format!("{prefix}.ID");
        let parts: Vec<String> = if names.is_empty() {
            self.field(&own_id).or(self.fields.first()).map(|f| format!("{}={}", f.name, f.value)).into_iter().collect()
        } else {
            names.iter().filter_map(|n| self.field(n)).map(|f| format!("{}={}", f.name, f.value)).collect()
        };
        parts.join(" ")
    }

    fn from_element(element: Element) -> Row {
        let fields = element
            .children
            .into_iter()
            .map(|c| {
                let trimmed = c.text.trim();
                let value = if trimmed.len() == c.text.len() { c.text } else { trimmed.to_string() };
                Field { name: c.name, value, pos: c.pos }
            })
            .collect();
        Row { name: element.name, pos: element.pos, fields }
    }
}

/// Counts bytes 0x80–0x9F passing through, with the position of the first.
#[derive(Debug, Default)]
struct C1State {
    count: AtomicU64,
    first_line: AtomicU64,
    first_column: AtomicU64,
}

struct C1Scan<R> {
    inner: R,
    active: bool,
    offset: u64,
    line: u64,
    line_start: u64,
    state: Arc<C1State>,
}

impl<R: Read> Read for C1Scan<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.active {
            let mut found = 0;
            for (i, &b) in buf[..n].iter().enumerate() {
                if (0x80..=0x9f).contains(&b) {
                    if self.state.first_line.load(Ordering::Relaxed) == 0 {
                        let at = self.offset + i as u64;
                        self.state.first_line.store(self.line, Ordering::Relaxed);
                        self.state.first_column.store(at - self.line_start + 1, Ordering::Relaxed);
                    }
                    found += 1;
                } else if b == b'\n' && self.state.first_line.load(Ordering::Relaxed) == 0 {
                    self.line += 1;
                    self.line_start = self.offset + i as u64 + 1;
                }
            }
            self.state.count.fetch_add(found, Ordering::Relaxed);
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// True for the labels of ISO-8859-1 (which the WHATWG encoding rules, and so the XML
/// reader, decode as windows-1252).
fn is_latin1_label(label: &str) -> bool {
    matches!(
        label.trim().to_ascii_lowercase().as_str(),
        "iso-8859-1" | "iso8859-1" | "iso_8859-1" | "latin1" | "latin-1" | "l1" | "cp819" | "ibm819" | "iso-ir-100"
    )
}

/// The encoding label in an XML declaration at the start of `head`, if any.
fn declared_encoding(head: &[u8]) -> Option<String> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..].trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].to_string())
}

type Source = C1Scan<io::Chain<Cursor<Vec<u8>>, Box<dyn Read + Send>>>;

/// The rows of one table file. See the module docs.
pub struct Rows {
    reader: XmlReader<io::BufReader<Source>>,
    file: String,
    table: String,
    encoding: Option<String>,
    c1: Arc<C1State>,
    started: bool,
    done: bool,
    rows: u64,
    root: Option<(Name, Pos)>,
    /// The key of the row that holds the first byte 0x80–0x9F, once known.
    c1_row: Option<String>,
    findings: Vec<Finding>,
}

impl Rows {
    /// Opens the file at `path`; `file` names it in messages, `table` is its TI.TABELL.
    pub fn open(path: &Path, file: &str, table: &str) -> Result<Rows> {
        let f = File::open(path).map_err(|e| {
            let kind = e.kind();
            let err = Error::io(file, e);
            if kind == io::ErrorKind::NotFound {
                Error { kind: ErrorKind::Missing, ..err }.with_hint("the table file named in NOARKIH.XML is not there")
            } else {
                err
            }
        })?;
        Rows::new(f, file, table)
    }

    /// Reads a table file from `source`; `file` names it in messages.
    pub fn new(source: impl Read + Send + 'static, file: &str, table: &str) -> Result<Rows> {
        let mut source: Box<dyn Read + Send> = Box::new(source);
        let mut head = vec![0; 512];
        let mut filled = 0;
        while filled < head.len() {
            match source.read(&mut head[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io(file, e)),
            }
        }
        head.truncate(filled);
        let encoding = declared_encoding(&head);
        let c1 = Arc::new(C1State::default());
        let scan = C1Scan {
            inner: Cursor::new(head).chain(source),
            active: encoding.as_deref().is_some_and(is_latin1_label),
            offset: 0,
            line: 1,
            line_start: 0,
            state: c1.clone(),
        };
        Ok(Rows {
            reader: XmlReader::new(scan, file),
            file: file.to_string(),
            table: table.to_string(),
            encoding,
            c1,
            started: false,
            done: false,
            rows: 0,
            root: None,
            c1_row: None,
            findings: Vec::new(),
        })
    }

    /// The file name used in messages.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The encoding the file's XML declaration names, if it names one.
    pub fn declared_encoding(&self) -> Option<&str> {
        self.encoding.as_deref()
    }

    /// Rows read so far.
    pub fn rows_read(&self) -> u64 {
        self.rows
    }

    /// Bytes read so far (for progress).
    pub fn bytes_read(&self) -> u64 {
        self.reader.bytes_read()
    }

    /// Takes what was found about the file itself so far: its root element, and, once
    /// the file is read to its end, a cp1252 file labelled ISO-8859-1.
    pub fn take_findings(&mut self) -> Vec<Finding> {
        std::mem::take(&mut self.findings)
    }

    /// The next row, or `None` at the end of the file.
    ///
    /// A file that ends inside a row, or is otherwise not well-formed, is an error with
    /// its line and column; the rows before it have been handed out.
    pub fn next_row(&mut self) -> Result<Option<Row>> {
        if self.done {
            return Ok(None);
        }
        if !self.started {
            self.started = true;
            match self.reader.next_node()? {
                Node::Start { element, empty } => {
                    if !element.name.to_ascii_uppercase().ends_with(".TAB") {
                        self.findings.push(
                            Finding::new(
                                Severity::Warning,
                                "N4.TABLE_FILE",
                                &self.file,
                                format!("the root element is <{}>, not <{}.TAB>", element.name, self.table),
                            )
                            .at(element.pos)
                            .in_table(&self.table)
                            .with_hint("its child elements are read as the table's rows all the same"),
                        );
                    }
                    self.root = Some((element.name.clone(), element.pos));
                    if empty {
                        return self.finish();
                    }
                }
                _ => {
                    return Err(Error::new(ErrorKind::Xml, &self.file, "the file holds no root element")
                        .with_hint("a Noark 4 table file is <X.TAB> with one element per row"));
                }
            }
        }
        loop {
            match self.reader.next_node()? {
                Node::Start { mut element, empty } => {
                    if !empty {
                        self.reader.read_body(&mut element)?;
                    }
                    self.rows += 1;
                    let row = Row::from_element(element);
                    // The scan runs ahead of the parser: the row holding the first
                    // suspicious byte is the last one that starts on or before its line.
                    let c1_line = self.c1.first_line.load(Ordering::Relaxed);
                    if c1_line > 0 && row.pos.line <= c1_line {
                        self.c1_row = Some(row.key());
                    }
                    return Ok(Some(row));
                }
                Node::End | Node::Eof => return self.finish(),
                Node::Text(_) | Node::Placeholder => {}
            }
        }
    }

    fn finish(&mut self) -> Result<Option<Row>> {
        self.done = true;
        // Anything after the root element is an error the reader reports.
        match self.reader.next_node()? {
            Node::Eof => {}
            _ => {
                return Err(Error::new(ErrorKind::Xml, &self.file, "content after the end of the root element")
                    .with_hint("the file is damaged; ask for a new copy of the extract"));
            }
        }
        let count = self.c1.count.load(Ordering::Relaxed);
        if count > 0 {
            let pos = Pos {
                line: self.c1.first_line.load(Ordering::Relaxed),
                column: self.c1.first_column.load(Ordering::Relaxed),
            };
            let mut finding = Finding::new(
                    Severity::Warning,
                    "N4.ENCODING_CP1252",
                    &self.file,
                    format!(
                        "declared {} but holds {count} byte(s) in 0x80–0x9F, which are control characters in \
                         ISO-8859-1: the file is really windows-1252 (cp1252), and was read as such",
                        self.encoding.as_deref().unwrap_or("ISO-8859-1")
                    ),
                )
                .at(pos)
                .in_table(&self.table)
                .with_hint("check the characters at this position (such as € – ‘ ’ “ ”); declare windows-1252 in the file's XML declaration");
            if let Some(key) = self.c1_row.take() {
                finding = finding.with_key(key);
            }
            self.findings.push(finding);
        }
        Ok(None)
    }
}

/// All rows of one table, file after file. See [`Noark4::rows`].
pub struct TableRows<'a> {
    extract: &'a Noark4,
    table: &'a TableInfo,
    next_file: usize,
    current: Option<Rows>,
}

impl<'a> TableRows<'a> {
    pub(super) fn new(extract: &'a Noark4, table: &'a TableInfo) -> Self {
        TableRows { extract, table, next_file: 0, current: None }
    }

    /// The file being read, as the index names it.
    pub fn file(&self) -> Option<&str> {
        self.current.as_ref().map(|r| r.file())
    }

    /// The next row of the table, or `None` after the last row of its last file.
    pub fn next_row(&mut self) -> Result<Option<Row>> {
        loop {
            if let Some(rows) = &mut self.current {
                if let Some(row) = rows.next_row()? {
                    return Ok(Some(row));
                }
                self.current = None;
            }
            let Some(file) = self.table.files.get(self.next_file) else { return Ok(None) };
            self.next_file += 1;
            self.current = Some(self.extract.open_file(self.table, file)?);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(rows: &mut Rows) -> Result<Vec<Row>> {
        let mut out = Vec::new();
        while let Some(r) = rows.next_row()? {
            out.push(r);
        }
        Ok(out)
    }

    #[test]
    fn reads_rows_with_positions() {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<JOURNPOST.TAB>\n<JOURNPOST>\n<JP.ID>1</JP.ID>\n\
                   <JP.INNHOLD>Søknad</JP.INNHOLD>\n</JOURNPOST>\n<JOURNPOST><JP.ID>2</JP.ID></JOURNPOST>\n</JOURNPOST.TAB>\n";
        let mut rows = Rows::new(xml.as_bytes(), "JOURNPST.XML", "JOURNPOST").unwrap();
        let got = all(&mut rows).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].pos, Pos { line: 3, column: 1 });
        assert_eq!(got[0].get("JP.INNHOLD"), Some("Søknad"));
        assert_eq!(got[0].field("JP.INNHOLD").unwrap().pos.line, 5);
        assert_eq!(got[1].key(), "JP.ID=2");
        assert!(rows.take_findings().is_empty());
    }

    #[test]
    fn latin1_with_c1_bytes_is_cp1252() {
        let mut bytes = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<SAK.TAB>\n<SAK><SA.ID>1</SA.ID><SA.TITTEL>Bl\xe5b\xe6r</SA.TITTEL></SAK>\n".to_vec();
        bytes.extend_from_slice(b"<SAK><SA.ID>2</SA.ID><SA.TITTEL>Pris 5 \x80 \x96 ok</SA.TITTEL></SAK>\n</SAK.TAB>\n");
        let mut rows = Rows::new(Cursor::new(bytes), "SAK.XML", "NOARKSAK").unwrap();
        let got = all(&mut rows).unwrap();
        assert_eq!(got[0].get("SA.TITTEL"), Some("Blåbær"));
        assert_eq!(got[1].get("SA.TITTEL"), Some("Pris 5 € – ok"));
        let findings = rows.take_findings();
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].code, "N4.ENCODING_CP1252");
        assert_eq!(findings[0].pos, Some(Pos { line: 4, column: 40 }));
        assert!(findings[0].message.contains("2 byte(s)"));
        assert_eq!(findings[0].key.as_deref(), Some("SA.ID=2"));
    }

    #[test]
    fn truncated_file_is_an_error_with_its_position() {
        let xml = "<A.TAB>\n<A><A.ID>1</A.ID></A>\n<A><A.ID>2</A.I";
        let mut rows = Rows::new(xml.as_bytes(), "A.XML", "A").unwrap();
        assert!(rows.next_row().unwrap().is_some());
        let e = rows.next_row().unwrap_err();
        assert_eq!(e.file, "A.XML");
        assert!(e.pos.is_some_and(|p| p.line == 3), "{e}");
    }

    #[test]
    fn declaration_is_sniffed() {
        assert_eq!(
            declared_encoding(b"<?xml version='1.0' encoding='iso-8859-1'?><a/>").as_deref(),
            Some("iso-8859-1")
        );
        assert_eq!(declared_encoding(b"<?xml version=\"1.0\"?><a/>"), None);
        assert_eq!(declared_encoding(b"<a/>"), None);
    }
}
