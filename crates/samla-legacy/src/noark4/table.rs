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
        if self.active && !buf[..n].iter().any(|&b| b & 0xE0 == 0x80) {
            // No byte 0x80–0x9F: only the lines, while none is found yet.
            if self.state.first_line.load(Ordering::Relaxed) == 0
                && let Some(last) = memchr::memrchr(b'\n', &buf[..n])
            {
                self.line += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
                self.line_start = self.offset + last as u64 + 1;
            }
        } else if self.active {
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

/// What the fast scanner makes of the bytes in front of it.
enum Scan<T> {
    Row(T),
    End,
    /// Something the fast scanner does not handle (a comment, CDATA, an attribute, an
    /// unknown entity, bytes that do not decode, a truncated file, …): the file is read
    /// again by the full XML reader, which handles or reports it.
    Unusual,
}

/// A fast reader for the plain layout every Noark 4 export uses
/// (`<X.TAB><X><F>text</F>…</X>…</X.TAB>` in UTF-8 or ISO-8859-1/windows-1252). It
/// gives the same rows and positions as the XML reader, and hands over to it at the first
/// thing it does not handle.
struct FastScan {
    source: Source,
    buf: Vec<u8>,
    /// Index in `buf` of the next byte to parse.
    at: usize,
    /// File offset of `buf[0]`.
    base: u64,
    eof: bool,
    /// Newlines are counted up to this index in `buf`.
    counted: usize,
    line: u64,
    line_start: u64,
    utf8: bool,
    started: bool,
    root: Vec<u8>,
    /// The row being scanned, and the fields of it kept for a packed row.
    raw: RawRow,
    kept: Vec<usize>,
    /// The layouts of the rows met last.
    layouts: Vec<Layout>,
    /// The text and value ends of the row being packed.
    scratch: (String, Vec<u32>),
    /// The row name whose end tag `find_end` looks for, with its searcher.
    end_tag: Option<(Vec<u8>, memchr::memmem::Finder<'static>)>,
}

/// A row as found in the scanner's buffer: byte ranges of its parts.
#[derive(Default)]
struct RawRow {
    /// Where the row's start tag begins, and its end tag.
    start: usize,
    end: usize,
    name: std::ops::Range<usize>,
    fields: Vec<RawField>,
}

struct RawField {
    tag: std::ops::Range<usize>,
    value: std::ops::Range<usize>,
}

/// The name of an element and a searcher for its end tag (`</` name `>`).
fn end_tag(name: &[u8]) -> (Vec<u8>, memchr::memmem::Finder<'static>) {
    let needle = [b"</", name, b">"].concat();
    (name.to_vec(), memchr::memmem::Finder::new(&needle).into_owned())
}

/// Whether two field names are the same: short ones compared a word at a time.
fn same_name(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], i: usize| u64::from_le_bytes(s[i..i + 8].try_into().expect("eight bytes"));
    let half = |s: &[u8], i: usize| u32::from_le_bytes(s[i..i + 4].try_into().expect("four bytes"));
    match n {
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        _ => a == b,
    }
}

/// Whether `raw` is a plain name (letters, digits, `.`, `_`, `-`).
fn plain_name(raw: &[u8]) -> bool {
    !raw.is_empty() && raw.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

const CHUNK: usize = 1 << 20;

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

impl FastScan {
    /// Whether the fast scanner reads a file declaring `encoding`: `Some(true)` as
    /// UTF-8, `Some(false)` as windows-1252 (what ISO-8859-1 is read as).
    fn reads(encoding: Option<&str>) -> Option<bool> {
        match encoding {
            None => Some(true),
            Some(label) => {
                let enc = encoding_rs::Encoding::for_label(label.trim().as_bytes())?;
                if enc == encoding_rs::UTF_8 {
                    Some(true)
                } else if enc == encoding_rs::WINDOWS_1252 {
                    Some(false)
                } else {
                    None
                }
            }
        }
    }

    fn new(source: Source, utf8: bool) -> FastScan {
        FastScan {
            source,
            buf: Vec::with_capacity(CHUNK),
            at: 0,
            base: 0,
            eof: false,
            counted: 0,
            line: 1,
            line_start: 0,
            utf8,
            started: false,
            root: Vec::new(),
            raw: RawRow::default(),
            kept: Vec::new(),
            layouts: Vec::new(),
            scratch: (String::new(), Vec::new()),
            end_tag: None,
        }
    }

    fn bytes_read(&self) -> u64 {
        self.base + self.at as u64
    }

    /// Reads more into the buffer; false at the end of the file.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.at > 0 && self.at >= self.buf.len() / 2 {
            if self.counted < self.at {
                self.pos(self.at);
            }
            self.buf.drain(..self.at);
            self.base += self.at as u64;
            self.counted -= self.at;
            self.at = 0;
        }
        let len = self.buf.len();
        self.buf.resize(len + CHUNK, 0);
        let mut filled = 0;
        while filled < CHUNK {
            match self.source.read(&mut self.buf[len + filled..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.buf.truncate(len + filled);
                    return Err(e);
                }
            }
        }
        self.buf.truncate(len + filled);
        Ok(filled > 0)
    }

    fn pos(&mut self, idx: usize) -> Pos {
        let seg = &self.buf[self.counted..idx];
        if let Some(last) = memchr::memrchr(b'\n', seg) {
            self.line += seg.iter().filter(|&&b| b == b'\n').count() as u64;
            self.line_start = self.base + (self.counted + last + 1) as u64;
        }
        self.counted = idx;
        Pos { line: self.line, column: self.base + idx as u64 - self.line_start + 1 }
    }

    /// Skips whitespace; the index of the next other byte, reading on as needed.
    fn skip_ws(&mut self) -> io::Result<Option<usize>> {
        loop {
            while self.at < self.buf.len() && is_ws(self.buf[self.at]) {
                self.at += 1;
            }
            if self.at < self.buf.len() {
                return Ok(Some(self.at));
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// The name in `range` of the buffer, if it is a plain one; interned, so the names
    /// met on every row come from the thread's cache of recent names.
    fn name(&self, range: std::ops::Range<usize>) -> Option<Name> {
        let raw = &self.buf[range];
        if !plain_name(raw) {
            return None;
        }
        std::str::from_utf8(raw).ok().map(Name::from)
    }

    /// The prolog and the root's start tag. `Err(())` for what needs the XML reader.
    fn start(&mut self) -> io::Result<std::result::Result<(Name, Pos), ()>> {
        self.started = true;
        self.fill()?;
        if self.buf.starts_with(b"\xEF\xBB\xBF") {
            self.at = 3;
        }
        if self.buf[self.at..].starts_with(b"<?xml") {
            let Some(end) = self.buf[self.at..].windows(2).position(|w| w == b"?>") else { return Ok(Err(())) };
            self.at += end + 2;
        }
        let Some(i) = self.skip_ws()? else { return Ok(Err(())) };
        let Some(end) = self.buf[i..].iter().position(|&b| b == b'>') else { return Ok(Err(())) };
        let tag = &self.buf[i + 1..i + end];
        if tag.first().is_none_or(|b| !b.is_ascii_alphabetic()) {
            return Ok(Err(()));
        }
        let tag = tag.to_vec();
        let Some(name) = self.name(i + 1..i + end) else { return Ok(Err(())) };
        let pos = self.pos(i);
        self.root = tag;
        self.at = i + end + 1;
        Ok(Ok((name, pos)))
    }

    /// Finds `</` + name + `>` from `from`, reading on as needed; its index.
    fn find_end(&mut self, from: usize, name: &[u8]) -> io::Result<Option<usize>> {
        if self.end_tag.as_ref().is_none_or(|(n, _)| n.as_slice() != name) {
            self.end_tag = Some(end_tag(name));
        }
        self.find_end_tag(from)
    }

    /// Finds the end tag `end_tag` holds, from `from`, reading on as needed; its index.
    fn find_end_tag(&mut self, from: usize) -> io::Result<Option<usize>> {
        let mut i = from;
        loop {
            let (name, finder) = self.end_tag.as_ref().expect("the end tag is set before");
            if let Some(p) = finder.find(&self.buf[i..]) {
                return Ok(Some(i + p));
            }
            // A row this long holds a value past what samla reads: the XML reader names it.
            if self.buf.len() - self.at > samla_noark5::xml::MAX_VALUE as usize {
                return Ok(None);
            }
            // The end tag may straddle what is read so far.
            i = i.max(self.buf.len().saturating_sub(name.len() + 2));
            let before = self.at;
            if !self.fill()? {
                return Ok(None);
            }
            // The buffer may have moved.
            let shift = before - self.at;
            i -= shift;
        }
    }

    /// Finds the next row in the buffer, as byte ranges: `Ok(Some(true))` with `raw`
    /// filled, `Ok(Some(false))` at the end of the file, `Ok(None)` for what needs the XML
    /// reader. The ranges hold until the next call.
    fn scan_row(&mut self, raw: &mut RawRow) -> io::Result<Option<bool>> {
        raw.fields.clear();
        let Some(i) = self.skip_ws()? else { return Ok(None) };
        if self.buf[i] != b'<' {
            return Ok(None);
        }
        if i + 1 >= self.buf.len() && !self.fill()? {
            return Ok(None);
        }
        let i = self.at;
        if self.buf[i + 1] == b'/' {
            // The root's end tag, then nothing but whitespace.
            let root = std::mem::take(&mut self.root);
            let Some(end) = self.find_end(i, &root)? else { return Ok(None) };
            if end != self.at {
                return Ok(None);
            }
            self.at = end + 3 + root.len();
            return Ok(match self.skip_ws()? {
                None => Some(false),
                Some(_) => None,
            });
        }
        // The row's start tag, plain.
        let Some(gt) = self.buf[i..].iter().take(256).position(|&b| b == b'>') else {
            if self.buf.len() - i < 256 && self.fill()? {
                return self.scan_row(raw);
            }
            return Ok(None);
        };
        if self.buf[i + gt - 1] == b'/' {
            return Ok(None);
        }
        let name_len = gt - 1;
        let name = &self.buf[i + 1..i + gt];
        if !plain_name(name) {
            return Ok(None);
        }
        // Every row of a table has the same name: its end tag's searcher is made once.
        if self.end_tag.as_ref().is_none_or(|(n, _)| n.as_slice() != name) {
            self.end_tag = Some(end_tag(name));
        }
        let Some(end) = self.find_end_tag(i + gt + 1)? else { return Ok(None) };
        // The buffer may have moved while the end was looked for.
        let i = self.at;
        raw.start = i;
        raw.name = i + 1..i + 1 + name_len;
        raw.end = end;
        let buf = &self.buf;
        let mut j = i + gt + 1;
        loop {
            while j < end && is_ws(buf[j]) {
                j += 1;
            }
            if j == end {
                break;
            }
            if buf[j] != b'<' {
                return Ok(None);
            }
            let Some(gt) = memchr::memchr(b'>', &buf[j..end]) else { return Ok(None) };
            let empty = buf[j + gt - 1] == b'/';
            let tag = j + 1..j + gt - usize::from(empty);
            let value_start = j + gt + 1;
            let value = if empty {
                j = value_start;
                value_start..value_start
            } else {
                let Some(lt) = memchr::memchr(b'<', &buf[value_start..end]) else { return Ok(None) };
                let close = value_start + lt;
                let after = close + 3 + tag.len();
                if after > end
                    || buf[close + 1] != b'/'
                    || buf[close + 2..after - 1] != buf[tag.clone()]
                    || buf[after - 1] != b'>'
                {
                    return Ok(None);
                }
                j = after;
                value_start..close
            };
            raw.fields.push(RawField { tag, value });
        }
        self.at = end + 3 + name_len;
        Ok(Some(true))
    }

    /// The text of `raw` decoded (UTF-8 or windows-1252, entities resolved) and appended
    /// to `out`; `None` for what needs the XML reader.
    fn decode_into(&self, raw: &[u8], out: &mut String) -> Option<()> {
        // `&` and carriage return are the same bytes in UTF-8 and windows-1252: text
        // without them needs decoding only.
        if !raw.iter().any(|&b| b == b'&' || b == b'\r') {
            if self.utf8 || raw.is_ascii() {
                out.push_str(std::str::from_utf8(raw).ok()?);
            } else {
                out.push_str(&encoding_rs::WINDOWS_1252.decode_without_bom_handling_and_without_replacement(raw)?);
            }
            return Some(());
        }
        let text: std::borrow::Cow<'_, str> = if self.utf8 || raw.is_ascii() {
            std::borrow::Cow::Borrowed(std::str::from_utf8(raw).ok()?)
        } else {
            encoding_rs::WINDOWS_1252.decode_without_bom_handling_and_without_replacement(raw)?
        };
        if text.contains('\r') {
            return None;
        }
        let Some(first) = text.find('&') else {
            out.push_str(&text);
            return Some(());
        };
        out.push_str(&text[..first]);
        let mut rest = &text[first..];
        while let Some(amp) = rest.find('&') {
            out.push_str(&rest[..amp]);
            let semi = rest[amp..].find(';')?;
            let entity = &rest[amp + 1..amp + semi];
            let c = match entity {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                _ => {
                    let code = if let Some(hex) = entity.strip_prefix("#x") {
                        u32::from_str_radix(hex, 16).ok()?
                    } else if let Some(dec) = entity.strip_prefix('#') {
                        dec.parse::<u32>().ok()?
                    } else {
                        return None;
                    };
                    if code < 0x20 && !matches!(code, 0x9 | 0xA) {
                        return None;
                    }
                    char::from_u32(code)?
                }
            };
            out.push(c);
            rest = &rest[amp + semi + 1..];
        }
        out.push_str(rest);
        Some(())
    }

    /// Decodes `raw` into `out` from `from` on, trimmed as [`str::trim`] does.
    fn decode_trimmed(&self, raw: &[u8], out: &mut String) -> Option<()> {
        let from = out.len();
        self.decode_into(raw, out)?;
        // Text that starts and ends with a printable ASCII byte has no white space to trim
        // (XML's is ASCII; the rest of Unicode's is not).
        let graphic = |b: Option<&u8>| b.is_some_and(|&b| b > b' ' && b < 0x80);
        if graphic(raw.first()) && graphic(raw.last()) {
            return Some(());
        }
        let value = &out[from..];
        let trimmed = value.trim_end();
        let end = from + trimmed.len();
        let lead = trimmed.len() - trimmed.trim_start().len();
        out.truncate(end);
        if lead > 0 {
            out.drain(from..from + lead);
        }
        Some(())
    }

    fn next(&mut self) -> io::Result<Scan<Row>> {
        self.with_raw(FastScan::row)
    }

    /// Finds the next row and makes it with `build`; the scanner's row buffer is kept
    /// from row to row.
    fn with_raw<T>(&mut self, build: fn(&mut Self, &RawRow) -> io::Result<Scan<T>>) -> io::Result<Scan<T>> {
        let mut raw = std::mem::take(&mut self.raw);
        let result = match self.scan_row(&mut raw) {
            Ok(None) => Ok(Scan::Unusual),
            Ok(Some(false)) => Ok(Scan::End),
            Ok(Some(true)) => build(self, &raw),
            Err(e) => Err(e),
        };
        self.raw = raw;
        result
    }

    fn row(&mut self, raw: &RawRow) -> io::Result<Scan<Row>> {
        let row_pos = self.pos(raw.start);
        let Some(row_name) = self.name(raw.name.clone()) else { return Ok(Scan::Unusual) };
        let mut fields = Vec::with_capacity(raw.fields.len());
        for f in &raw.fields {
            let Some(name) = self.name(f.tag.clone()) else { return Ok(Scan::Unusual) };
            let pos = self.pos(f.tag.start - 1);
            let mut value = String::new();
            if self.decode_trimmed(&self.buf[f.value.clone()], &mut value).is_none() {
                return Ok(Scan::Unusual);
            }
            fields.push(Field { name, value, pos });
        }
        Ok(Scan::Row(Row { name: row_name, pos: row_pos, fields }))
    }

    fn next_packed(&mut self) -> io::Result<Scan<Packed>> {
        self.with_raw(FastScan::packed)
    }

    fn packed(&mut self, raw: &RawRow) -> io::Result<Scan<Packed>> {
        let pos = self.pos(raw.start);
        if !plain_name(&self.buf[raw.name.clone()]) {
            return Ok(Scan::Unusual);
        }
        // Built in buffers kept from row to row, then copied out at their size.
        let (mut text, mut ends) = std::mem::take(&mut self.scratch);
        text.clear();
        ends.clear();
        // The fields kept (those not empty), by their index in `raw.fields`.
        let mut kept = std::mem::take(&mut self.kept);
        kept.clear();
        for (k, f) in raw.fields.iter().enumerate() {
            if self.decode_trimmed(&self.buf[f.value.clone()], &mut text).is_none() {
                return Ok(Scan::Unusual);
            }
            if text.len() as u32 != ends.last().copied().unwrap_or(0) {
                ends.push(text.len() as u32);
                kept.push(k);
            }
        }
        let layout = match self.layouts.iter().position(|l| {
            l.len() == kept.len()
                && l.iter().zip(&kept).all(|(n, &k)| same_name(n.as_bytes(), &self.buf[raw.fields[k].tag.clone()]))
        }) {
            Some(i) => self.layouts[i].clone(),
            None => {
                let mut names = Vec::with_capacity(kept.len());
                for &k in &kept {
                    let Some(name) = self.name(raw.fields[k].tag.clone()) else { return Ok(Scan::Unusual) };
                    names.push(name);
                }
                let layout = Layout::new(&names);
                if self.layouts.len() == 8 {
                    self.layouts.remove(0);
                }
                self.layouts.push(layout.clone());
                layout
            }
        };
        self.kept = kept;
        let row = Packed { pos, names: layout, ends: ends.as_slice().into(), text: text.as_str().into() };
        self.scratch = (text, ends);
        Ok(Scan::Row(row))
    }
}

/// The field names of a row, shared by all rows with the same names in the same order.
///
/// Interned for the life of the process (at most [`MAX_LAYOUTS`] of them): a table has
/// one or a few, and a row's copy is then a pointer, which threads share without
/// touching any count. Past the bound, a layout is shared by reference count.
#[derive(Clone)]
pub(crate) enum Layout {
    /// Interned, with its number in the process's table of layouts.
    Interned(u32, &'static Names),
    Shared(Arc<Names>),
}

/// The names of a layout, with a hash of each: a field is looked up by comparing
/// hashes, and its name only where they match.
pub(crate) struct Names {
    names: Box<[Name]>,
    hashes: Box<[u64]>,
}

impl Names {
    fn new(names: &[Name]) -> Names {
        Names { names: names.into(), hashes: names.iter().map(|n| name_hash(n)).collect() }
    }
}

/// A hash of a field name from its length and its first and last eight bytes: cheap,
/// and names that share it are told apart by comparing them.
fn name_hash(name: &str) -> u64 {
    let b = name.as_bytes();
    let n = b.len();
    let (head, tail) = if n >= 8 {
        let head: [u8; 8] = b[..8].try_into().expect("eight bytes");
        let tail: [u8; 8] = b[n - 8..].try_into().expect("eight bytes");
        (u64::from_le_bytes(head), u64::from_le_bytes(tail))
    } else {
        let mut head = [0u8; 8];
        head[..n].copy_from_slice(b);
        (u64::from_le_bytes(head), 0)
    };
    (head ^ tail.rotate_left(29) ^ ((n as u64) << 56)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

const MAX_LAYOUTS: usize = 4096;
const MAX_LAYOUT_NAMES: usize = 1 << 18;

struct Layouts {
    ids: std::collections::HashMap<&'static [Name], u32>,
    list: Vec<&'static Names>,
    names: usize,
}

fn layouts() -> std::sync::MutexGuard<'static, Layouts> {
    static TABLE: std::sync::OnceLock<std::sync::Mutex<Layouts>> = std::sync::OnceLock::new();
    let table =
        TABLE.get_or_init(|| std::sync::Mutex::new(Layouts { ids: Default::default(), list: Vec::new(), names: 0 }));
    table.lock().unwrap_or_else(|e| e.into_inner())
}

impl Layout {
    pub(crate) fn new(names: &[Name]) -> Layout {
        let mut table = layouts();
        if let Some(&id) = table.ids.get(names) {
            return Layout::Interned(id, table.list[id as usize]);
        }
        if table.list.len() >= MAX_LAYOUTS || table.names + names.len() > MAX_LAYOUT_NAMES {
            return Layout::Shared(Arc::new(Names::new(names)));
        }
        // Leaked on purpose: the table lives as long as the process, and is bounded.
        let layout: &'static Names = Box::leak(Box::new(Names::new(names)));
        let id = table.list.len() as u32;
        table.ids.insert(&layout.names, id);
        table.list.push(layout);
        table.names += names.len();
        Layout::Interned(id, layout)
    }

    fn names(&self) -> &Names {
        match self {
            Layout::Interned(_, names) => names,
            Layout::Shared(names) => names,
        }
    }

    /// The index of the field called `name`.
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        let names = self.names();
        let h = name_hash(name);
        names.hashes.iter().zip(names.names.iter()).position(|(&nh, n)| nh == h && **n == *name)
    }

    /// The interned layout numbered `id`.
    pub(crate) fn interned(id: u32) -> Option<Layout> {
        layouts().list.get(id as usize).map(|&names| Layout::Interned(id, names))
    }
}

impl std::ops::Deref for Layout {
    type Target = [Name];
    fn deref(&self) -> &[Name] {
        &self.names().names
    }
}

/// A row packed for holding: its [`Layout`], one string of its values and where each
/// ends. Empty values are left out. A third of the size of a [`Row`], and made straight
/// from the file's bytes by the fast scanner.
#[derive(Clone)]
pub(crate) struct Packed {
    pub(crate) pos: Pos,
    pub(crate) names: Layout,
    pub(crate) ends: Box<[u32]>,
    pub(crate) text: Box<str>,
}

impl Packed {
    pub(crate) fn new(row: Row) -> Packed {
        let mut names = Vec::with_capacity(row.fields.len());
        let mut ends = Vec::with_capacity(row.fields.len());
        let mut text = String::with_capacity(row.fields.iter().map(|f| f.value.len()).sum());
        for f in row.fields.into_iter().filter(|f| !f.value.is_empty()) {
            text.push_str(&f.value);
            ends.push(text.len() as u32);
            names.push(f.name);
        }
        Packed { pos: row.pos, names: Layout::new(&names), ends: ends.into(), text: text.into() }
    }

    pub(crate) fn value(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    /// The value of field `name`, also where a vendor writes `JP_ID` for `JP.ID`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        if let Some(i) = self.names.position(name) {
            return Some(self.value(i));
        }
        if !self.names.first().is_some_and(|n| n.contains('_')) {
            return None;
        }
        let alt = name.replace('.', "_");
        self.names.iter().position(|n| **n == *alt).map(|i| self.value(i))
    }

    /// The row's key for messages, as [`Row::key`] gives it.
    pub(crate) fn key(&self) -> String {
        let fields = (0..self.names.len())
            .map(|i| Field { name: self.names[i].clone(), value: self.value(i).to_string(), pos: self.pos })
            .collect();
        Row { name: "".into(), pos: self.pos, fields }.key()
    }
}

/// The rows of one table file. See the module docs.
pub struct Rows {
    reader: Option<XmlReader<io::BufReader<Source>>>,
    /// The fast scanner, while it is reading (files opened by path only).
    fast: Option<FastScan>,
    /// The file on disk, to read again with the XML reader when the fast scanner stops.
    path: Option<std::path::PathBuf>,
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
        Rows::build(Box::new(f), file, table, Some(path))
    }

    /// Reads a table file from `source`; `file` names it in messages.
    pub fn new(source: impl Read + Send + 'static, file: &str, table: &str) -> Result<Rows> {
        Rows::build(Box::new(source), file, table, None)
    }

    fn build(mut source: Box<dyn Read + Send>, file: &str, table: &str, path: Option<&Path>) -> Result<Rows> {
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
        let fast = path.and(FastScan::reads(encoding.as_deref()));
        let (reader, fast) = match fast {
            Some(utf8) => (None, Some(FastScan::new(scan, utf8))),
            None => (Some(XmlReader::new(scan, file)), None),
        };
        Ok(Rows {
            path: path.filter(|_| fast.is_some()).map(Path::to_path_buf),
            reader,
            fast,
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
        match (&self.fast, &self.reader) {
            (Some(f), _) => f.bytes_read(),
            (None, Some(r)) => r.bytes_read(),
            (None, None) => 0,
        }
    }

    fn reader(&mut self) -> &mut XmlReader<io::BufReader<Source>> {
        self.reader.as_mut().expect("the XML reader reads when the fast scanner does not")
    }

    /// Reads the file again with the XML reader, from the start, past the rows already
    /// handed out.
    fn fall_back(&mut self) -> Result<Option<Row>> {
        let path = self.path.take().expect("the fast scanner reads files opened by path");
        let f = File::open(&path).map_err(|e| Error::io(&self.file, e))?;
        let skip = self.rows;
        *self = Rows::build(Box::new(f), &self.file, &self.table, None)?;
        for _ in 0..skip {
            if self.next_row()?.is_none() {
                return Ok(None);
            }
        }
        self.next_row()
    }

    fn next_fast(&mut self) -> Result<Option<Row>> {
        let fast = self.fast.as_mut().expect("called with the fast scanner");
        if !fast.started {
            match fast.start().map_err(|e| Error::io(&self.file, e))? {
                Ok((name, pos)) => {
                    self.started = true;
                    self.root_found(name, pos);
                }
                Err(()) => return self.fall_back(),
            }
        }
        let fast = self.fast.as_mut().expect("called with the fast scanner");
        match fast.next().map_err(|e| Error::io(&self.file, e))? {
            Scan::Row(row) => {
                self.rows += 1;
                Ok(Some(self.c1_check(row)))
            }
            Scan::End => {
                self.done = true;
                self.c1_finding();
                Ok(None)
            }
            Scan::Unusual => self.fall_back(),
        }
    }

    /// The next row, packed: from the fast scanner straight, else from [`Rows::next_row`].
    pub(crate) fn next_packed(&mut self) -> Result<Option<Packed>> {
        if self.done {
            return Ok(None);
        }
        let Some(fast) = self.fast.as_mut().filter(|f| f.started) else {
            return Ok(self.next_row()?.map(Packed::new));
        };
        match fast.next_packed().map_err(|e| Error::io(&self.file, e))? {
            Scan::Row(row) => {
                self.rows += 1;
                self.c1_check_at(row.pos, || row.key());
                Ok(Some(row))
            }
            Scan::End => {
                self.done = true;
                self.c1_finding();
                Ok(None)
            }
            Scan::Unusual => Ok(self.fall_back()?.map(Packed::new)),
        }
    }

    fn root_found(&mut self, name: Name, pos: Pos) {
        if !name.to_ascii_uppercase().ends_with(".TAB") {
            self.findings.push(
                Finding::new(
                    Severity::Warning,
                    "N4.TABLE_FILE",
                    &self.file,
                    format!("the root element is <{}>, not <{}.TAB>", name, self.table),
                )
                .at(pos)
                .in_element(&self.table)
                .with_hint("its child elements are read as the table's rows all the same"),
            );
        }
        self.root = Some((name, pos));
    }

    fn c1_check(&mut self, row: Row) -> Row {
        self.c1_check_at(row.pos, || row.key());
        row
    }

    fn c1_check_at(&mut self, pos: Pos, key: impl FnOnce() -> String) {
        // The scan runs ahead of the parser: the row holding the first suspicious
        // byte is the last one that starts on or before its line.
        let c1_line = self.c1.first_line.load(Ordering::Relaxed);
        if c1_line > 0 && pos.line <= c1_line {
            self.c1_row = Some(key());
        }
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
        if self.fast.is_some() {
            return self.next_fast();
        }
        if !self.started {
            self.started = true;
            match self.reader().next_node()? {
                Node::Start { element, empty } => {
                    self.root_found(element.name.clone(), element.pos);
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
            match self.reader().next_node()? {
                Node::Start { mut element, empty } => {
                    if !empty {
                        self.reader().read_body(&mut element)?;
                    }
                    self.rows += 1;
                    let row = Row::from_element(element);
                    return Ok(Some(self.c1_check(row)));
                }
                Node::End | Node::Eof => return self.finish(),
                Node::Text(_) | Node::Placeholder => {}
            }
        }
    }

    fn finish(&mut self) -> Result<Option<Row>> {
        self.done = true;
        // Anything after the root element is an error the reader reports.
        match self.reader().next_node()? {
            Node::Eof => {}
            _ => {
                return Err(Error::new(ErrorKind::Xml, &self.file, "content after the end of the root element")
                    .with_hint("the file is damaged; ask for a new copy of the extract"));
            }
        }
        self.c1_finding();
        Ok(None)
    }

    fn c1_finding(&mut self) {
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
                .in_element(&self.table)
                .with_hint("check the characters at this position (such as € – ‘ ’ “ ”); declare windows-1252 in the file's XML declaration");
            if let Some(key) = self.c1_row.take() {
                finding = finding.with_key(key);
            }
            self.findings.push(finding);
        }
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
        self.next_with(Rows::next_row)
    }

    /// The next row of the table, packed.
    pub(crate) fn next_packed(&mut self) -> Result<Option<Packed>> {
        self.next_with(Rows::next_packed)
    }

    fn next_with<T>(&mut self, next: fn(&mut Rows) -> Result<Option<T>>) -> Result<Option<T>> {
        loop {
            if let Some(rows) = &mut self.current {
                if let Some(row) = next(rows)? {
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

    /// The fast scanner (files opened by path) gives what the XML reader gives, rows,
    /// positions, findings and errors alike, and hands over to it for what it does not read.
    #[test]
    fn fast_scanner_agrees_with_the_xml_reader() {
        let cases: Vec<Vec<u8>> = vec![
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<A.TAB>\n<A>\n  <A.ID>1</A.ID>\n  <A.T> S\xc3\xb8knad &amp; &lt;x&gt; &#229;&#xE6; </A.T>\n  <A.E/>\n  <A.F></A.F>\n</A>\n<A><A.ID>2</A.ID></A>\n</A.TAB>\n".to_vec(),
            b"\xEF\xBB\xBF<A.TAB><A><A.ID>1</A.ID><!-- c --><A.T>x</A.T></A><A><A.ID>2</A.ID></A></A.TAB>".to_vec(),
            b"<A.TAB><A><A.ID>1</A.ID></A><A><A.T><![CDATA[a<b]]></A.T></A></A.TAB>\n".to_vec(),
            b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<SAK.TAB>\n<SAK><SA.ID>1</SA.ID><SA.TITTEL>Bl\xe5b\xe6r \x96 ok</SA.TITTEL></SAK>\n</SAK.TAB>\n".to_vec(),
            b"<X><A x=\"1\"><A.ID>1</A.ID></A></X>".to_vec(),
            b"<A.TAB>\n<A><A.ID>1</A.ID></A>\n<A><A.ID>2</A.I".to_vec(),
            b"<A.TAB><A><A.ID>1</A.ID></A></A.TAB><A/>".to_vec(),
            b"<A.TAB><A><A.ID>1</A.ID><A.T>&bogus;</A.T></A></A.TAB>".to_vec(),
            b"<A.TAB><A><A.ID>1</A.ID><A.T>a\r\nb</A.T></A></A.TAB>".to_vec(),
            b"<A.TAB/>".to_vec(),
            b"".to_vec(),
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><A.TAB><A><A.T>\xff</A.T></A></A.TAB>".to_vec(),
            // Layouts changing from row to row: empty values, other orders, other fields.
            b"<A.TAB><A><A.ID>1</A.ID><A.T> </A.T></A><A><A.ID>2</A.ID><A.T>x</A.T></A>\n<A><A.T>y</A.T><A.ID>3</A.ID></A><A><A.ID>4</A.ID><A.U>z</A.U></A><A><A.ID>5</A.ID><A.T>x</A.T></A></A.TAB>".to_vec(),
            b"<A.TAB><A><A.ID>1</A.ID><A.T a=\"1\"/></A></A.TAB>".to_vec(),
            b"<A.TAB><A b=\"2\"><A.ID>1</A.ID></A></A.TAB>".to_vec(),
        ];
        let dir = tempfile::tempdir().unwrap();
        for (i, bytes) in cases.iter().enumerate() {
            let path = dir.path().join(format!("{i}.XML"));
            std::fs::write(&path, bytes).unwrap();
            let mut slow = Rows::new(Cursor::new(bytes.clone()), "F.XML", "A").unwrap();
            let mut fast = Rows::open(&path, "F.XML", "A").unwrap();
            assert!(fast.fast.is_some(), "case {i}");
            let (a, b) = (all(&mut slow), all(&mut fast));
            match (a, b) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "case {i}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "case {i}"),
                (a, b) => panic!("case {i}: {a:?} vs {b:?}"),
            }
            assert_eq!(slow.take_findings(), fast.take_findings(), "case {i}");

            // Packed rows straight from the fast scanner: the same as packing its rows.
            let mut packed = Rows::open(&path, "F.XML", "A").unwrap();
            let mut direct = Vec::new();
            let direct = loop {
                match packed.next_packed() {
                    Ok(Some(p)) => direct.push(p),
                    Ok(None) => break Ok(direct),
                    Err(e) => break Err(e),
                }
            };
            let mut rows = Rows::open(&path, "F.XML", "A").unwrap();
            let via_rows = all(&mut rows).map(|rows| rows.into_iter().map(Packed::new).collect::<Vec<_>>());
            let flat = |rows: Vec<Packed>| -> Vec<(Pos, Vec<(String, String)>)> {
                rows.iter()
                    .map(|p| {
                        (p.pos, (0..p.names.len()).map(|i| (p.names[i].to_string(), p.value(i).to_string())).collect())
                    })
                    .collect()
            };
            match (direct, via_rows) {
                (Ok(a), Ok(b)) => assert_eq!(flat(a), flat(b), "case {i}, packed"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "case {i}, packed"),
                (a, b) => panic!("case {i}, packed: {:?} vs {:?}", a.map(flat), b.map(flat)),
            }
            assert_eq!(packed.take_findings(), rows.take_findings(), "case {i}, packed");
        }
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
