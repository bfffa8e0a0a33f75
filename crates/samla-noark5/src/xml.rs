//! A thin pull parser over quick-xml that yields nodes with positions and builds subtrees.
//!
//! It honours the XML declaration's encoding, refuses bytes that do not decode, keeps
//! the element path for error messages, and never recurses, so deep nesting in hostile
//! input cannot overflow the stack.

use std::io::{BufRead, BufReader, Read};

use quick_xml::events::{BytesStart, Event as XmlEvent};

use crate::element::{Element, Name};
use crate::error::{Error, ErrorKind, Result};
use crate::pos::{Pos, TrackingReader};

/// Target of the processing instruction the parallel reader puts where it cut out a unit.
pub const PLACEHOLDER: &str = "samla-unit";

/// The deepest nesting of elements read. libxml2, the validator behind N5.03 and
/// `xmllint`, stops at the same depth; the official schemas need a few dozen levels at most.
/// Element trees are freed and walked recursively, so hostile input must stop here.
pub const MAX_DEPTH: usize = 256;

/// The longest value (a text or an attribute, counted as the bytes from one `<` to the
/// next) read. Noark values are lines and paragraphs; N5.03 validates text up to 8 MiB
/// (see samla-xsd's text cap), and libxml2 refuses attributes past 10 MB. Past this the
/// file is damaged or hostile, and reading it whole would hold all of it in memory.
pub const MAX_VALUE: u64 = 16 << 20;

/// One parsed node.
#[derive(Debug)]
pub enum Node {
    /// A start tag (`empty` for `<x/>`).
    Start {
        /// The element, without children or text yet.
        element: Element,
        /// True for a self-closing tag.
        empty: bool,
    },
    /// Text, unescaped and decoded.
    Text(String),
    /// An end tag.
    End,
    /// End of input at the top level.
    Eof,
    /// Where the parallel reader took out a unit (see [`crate::parallel`]).
    Placeholder,
}

/// Pull parser with positions. See the module docs.
pub struct XmlReader<B: BufRead> {
    reader: quick_xml::Reader<TrackingReader<B>>,
    buf: Vec<u8>,
    file: String,
    /// True when the last node was an end tag: whitespace after it is layout.
    after_end: bool,
    /// Open elements: name and start position.
    open: Vec<(Name, Pos)>,
    declared_encoding: Option<String>,
    seen_root: bool,
    placeholders: bool,
    path_prefix: String,
    /// Where the input starts in its file, when elements are to carry their spans.
    source_offset: Option<u64>,
}

impl<R: Read> XmlReader<BufReader<R>> {
    /// Reads XML from `source`; `file` names it in errors.
    pub fn new(source: R, file: impl Into<String>) -> Self {
        Self::with_tracker(TrackingReader::new(BufReader::with_capacity(256 * 1024, source)), file)
    }
}

impl<'a> XmlReader<&'a [u8]> {
    /// Reads a piece of a larger file, held in memory, that starts at `origin`, so that
    /// positions are those of the whole file. The piece is UTF-8.
    pub fn piece(source: &'a [u8], file: impl Into<String>, origin: Pos) -> Self {
        Self::with_tracker(TrackingReader::new(source).with_origin(origin), file)
    }
}

impl<B: BufRead> XmlReader<B> {
    /// Element path of what surrounds this piece, put before its own paths in errors.
    pub(crate) fn with_path_prefix(mut self, prefix: &str) -> Self {
        self.path_prefix = prefix.to_string();
        self
    }

    /// The encoding the whole file declared, for error messages about this piece.
    pub(crate) fn with_declared_encoding(mut self, label: Option<&str>) -> Self {
        self.declared_encoding = label.map(str::to_string);
        self
    }

    /// Gives each element its [`Span`](crate::element::Span) in the file, whose byte
    /// `offset` is the input's first byte (a piece the parallel reader cut out).
    pub(crate) fn with_source_offset(mut self, offset: u64) -> Self {
        self.source_offset = Some(offset);
        self
    }

    /// Makes the placeholders of the parallel reader visible as [`Node::Placeholder`].
    pub(crate) fn with_placeholders(mut self) -> Self {
        self.placeholders = true;
        self
    }

    fn with_tracker(tracker: TrackingReader<B>, file: impl Into<String>) -> Self {
        let mut reader = quick_xml::Reader::from_reader(tracker.with_max_run(MAX_VALUE));
        let config = reader.config_mut();
        config.trim_text(false);
        config.check_end_names = true;
        config.expand_empty_elements = false;
        XmlReader {
            reader,
            buf: Vec::with_capacity(4096),
            file: file.into(),
            after_end: false,
            open: Vec::new(),
            declared_encoding: None,
            seen_root: false,
            placeholders: false,
            path_prefix: String::new(),
            source_offset: None,
        }
    }

    /// The file name used in errors.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Bytes consumed so far (for progress).
    pub fn bytes_read(&self) -> u64 {
        self.reader.get_ref().consumed()
    }

    /// The element path of the open elements, such as `/arkiv/arkivdel/mappe`. A deep one
    /// keeps its first and last few steps, with the number left out between them.
    pub fn path(&self) -> String {
        const ENDS: usize = 6;
        let mut s = self.path_prefix.clone();
        let n = self.open.len();
        for (i, (name, _)) in self.open.iter().enumerate() {
            if n > 3 * ENDS && i >= ENDS && i < n - ENDS {
                if i == ENDS {
                    s.push_str(&format!("/…{} more…", n - 2 * ENDS));
                }
                continue;
            }
            s.push('/');
            s.push_str(name);
        }
        if s.is_empty() {
            s.push('/');
        }
        s
    }

    /// Number of open elements.
    pub fn depth(&self) -> usize {
        self.open.len()
    }

    fn pos_at(&self, offset: u64) -> Pos {
        let tracker = self.reader.get_ref();
        tracker.pos_at(offset + tracker.bom())
    }

    /// An error of `kind` at `pos` with the current element path.
    pub fn error(&self, kind: ErrorKind, pos: Pos, message: impl Into<String>) -> Error {
        Error::new(kind, self.file.clone(), message).at(pos).in_element(self.path())
    }

    fn intern(&mut self, raw: &[u8], pos: Pos) -> Result<Name> {
        // ASCII reads the same in every encoding the reader accepts.
        if raw.is_ascii()
            && let Some(name) = Name::recent(raw)
        {
            return Ok(name);
        }
        let decoded = self
            .reader
            .decoder()
            .decode(raw)
            .map_err(|e| self.encoding_error(pos, format!("name does not decode: {e}")))?;
        Ok(Name::from(&*decoded))
    }

    fn encoding_error(&self, pos: Pos, detail: String) -> Error {
        let found = self.reader.decoder().encoding();
        if found == encoding_rs::UTF_16LE || found == encoding_rs::UTF_16BE {
            // quick-xml found a UTF-16 byte order mark.
            return self
                .error(
                    ErrorKind::Encoding,
                    pos,
                    format!("the file is {} (it begins with that byte order mark)", found.name()),
                )
                .with_hint("convert the file to UTF-8, as Noark 5 requires (krav 6.4.1)");
        }
        let encoding = self.declared_encoding.as_deref().unwrap_or("UTF-8 (none declared)");
        self.error(ErrorKind::Encoding, pos, format!("bytes do not decode as {encoding}: {detail}")).with_hint(
            "declare the file's real encoding in its XML declaration, for example \
                 <?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>, or convert it to UTF-8",
        )
    }

    fn element_from(&mut self, start: &BytesStart<'_>, pos: Pos) -> Result<Element> {
        let name = self.intern(start.name().as_ref(), pos)?;
        let mut attrs = Vec::new();
        for attr in start.attributes() {
            let attr = attr.map_err(|e| self.error(ErrorKind::Xml, pos, format!("bad attribute in <{name}>: {e}")))?;
            let key = self.intern(attr.key.as_ref(), pos)?;
            let value = attr
                .decode_and_unescape_value(self.reader.decoder())
                .map_err(|e| self.value_error(pos, e))?
                .into_owned();
            attrs.push((key, value));
        }
        Ok(Element { name, attrs, text: String::new(), children: Vec::new(), pos, span: None })
    }

    fn value_error(&self, pos: Pos, e: quick_xml::Error) -> Error {
        match e {
            quick_xml::Error::Encoding(e) => self.encoding_error(pos, e.to_string()),
            e => self.error(ErrorKind::Xml, pos, e.to_string()),
        }
    }

    /// The next node. Comments, processing instructions and the doctype are skipped.
    pub fn next_node(&mut self) -> Result<Node> {
        // The buffer is taken out so the borrowed event does not lock `self`.
        let mut buf = std::mem::take(&mut self.buf);
        let node = self.next_node_in(&mut buf);
        self.buf = buf;
        node
    }

    fn next_node_in(&mut self, buf: &mut Vec<u8>) -> Result<Node> {
        loop {
            let offset = self.reader.buffer_position();
            buf.clear();
            let event = match self.reader.read_event_into(buf) {
                Ok(event) => event,
                Err(e) => return Err(self.parse_error(e)),
            };
            match event {
                XmlEvent::Start(start) => {
                    self.after_end = false;
                    return self.start_node(&start, self.pos_at(offset), false).map(|n| self.spanned(n, offset));
                }
                XmlEvent::Empty(start) => {
                    self.after_end = true;
                    return self.start_node(&start, self.pos_at(offset), true).map(|n| self.spanned(n, offset));
                }
                XmlEvent::End(_) => {
                    self.after_end = true;
                    self.open.pop();
                    return Ok(Node::End);
                }
                // Whitespace after an end tag is indentation, never data: skip it unread.
                XmlEvent::Text(text) if self.after_end && text.iter().all(u8::is_ascii_whitespace) => {}
                XmlEvent::Text(text) => {
                    let text = text.unescape().map_err(|e| self.value_error(self.pos_at(offset), e))?;
                    if self.open.is_empty() {
                        if text.trim_start_matches('\u{feff}').trim().is_empty() {
                            continue;
                        }
                        return Err(self.error(ErrorKind::Xml, self.pos_at(offset), "text outside the root element"));
                    }
                    return Ok(Node::Text(text.into_owned()));
                }
                XmlEvent::CData(data) => {
                    let text = self
                        .reader
                        .decoder()
                        .decode(&data)
                        .map_err(|e| self.encoding_error(self.pos_at(offset), e.to_string()))?
                        .into_owned();
                    return Ok(Node::Text(text));
                }
                XmlEvent::Decl(decl) => self.check_declaration(&decl, self.pos_at(offset))?,
                XmlEvent::Eof => {
                    if let Some((name, at)) = self.open.last() {
                        let message = format!("the file ends inside <{name}> opened at line {}", at.line);
                        return Err(self
                            .error(ErrorKind::Xml, self.pos_at(self.bytes_read()), message)
                            .with_hint("the file is truncated or incomplete; ask for a new copy of the extract"));
                    }
                    if !self.seen_root {
                        return Err(self.error(ErrorKind::Xml, self.pos_at(offset), "the file holds no root element"));
                    }
                    return Ok(Node::Eof);
                }
                XmlEvent::PI(pi) if self.placeholders && pi.target() == PLACEHOLDER.as_bytes() => {
                    self.after_end = true;
                    return Ok(Node::Placeholder);
                }
                XmlEvent::Comment(_) | XmlEvent::PI(_) | XmlEvent::DocType(_) => {}
            }
        }
    }

    /// Sets the span of a started element at input offset `at` (its end too, if empty).
    fn spanned(&self, mut node: Node, at: u64) -> Node {
        if let (Some(base), Node::Start { element, empty }) = (self.source_offset, &mut node) {
            let end = if *empty { self.reader.buffer_position() } else { at };
            element.span = Some(crate::element::Span { start: base + at, end: base + end });
        }
        node
    }

    fn start_node(&mut self, start: &BytesStart<'_>, pos: Pos, empty: bool) -> Result<Node> {
        if self.seen_root && self.open.is_empty() {
            return Err(self.error(ErrorKind::Xml, pos, "a second root element after the document ended"));
        }
        let element = self.element_from(start, pos)?;
        self.seen_root = true;
        if !empty {
            if self.open.len() >= MAX_DEPTH {
                return Err(self
                    .error(
                        ErrorKind::Xml,
                        pos,
                        format!("<{}> is nested deeper than {MAX_DEPTH} elements", element.name),
                    )
                    .with_hint("no archive format samla reads nests this deep: the file is damaged or hostile"));
            }
            self.open.push((element.name.clone(), pos));
        }
        Ok(Node::Start { element, empty })
    }

    fn check_declaration(&mut self, decl: &quick_xml::events::BytesDecl<'_>, pos: Pos) -> Result<()> {
        let Some(encoding) = decl.encoding() else { return Ok(()) };
        let encoding = encoding.map_err(|e| self.error(ErrorKind::Xml, pos, e.to_string()))?;
        let label = String::from_utf8_lossy(&encoding).into_owned();
        match encoding_rs::Encoding::for_label(label.as_bytes()) {
            None => Err(self
                .error(ErrorKind::Encoding, pos, format!("unknown encoding {label:?} in the XML declaration"))
                .with_hint("use UTF-8, as Noark 5 requires (krav 6.4.1)")),
            Some(enc) if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE => Err(self
                .error(ErrorKind::Encoding, pos, format!("{label} is not supported"))
                .with_hint("convert the file to UTF-8, as Noark 5 requires (krav 6.4.1)")),
            Some(_) => {
                self.declared_encoding = Some(label);
                Ok(())
            }
        }
    }

    fn parse_error(&self, e: quick_xml::Error) -> Error {
        if let Some(start) = self.reader.get_ref().overlong() {
            let message = format!("a text or attribute value runs past {} MiB without markup", MAX_VALUE >> 20);
            return self
                .error(ErrorKind::Xml, start, message)
                .with_hint("no archive format samla reads holds values this long: the file is damaged or hostile");
        }
        let pos = self.pos_at(self.reader.error_position());
        match e {
            quick_xml::Error::Encoding(e) => self.encoding_error(pos, e.to_string()),
            quick_xml::Error::Io(e) => Error::io(self.file.clone(), std::io::Error::new(e.kind(), e.to_string())),
            quick_xml::Error::Syntax(quick_xml::errors::SyntaxError::UnclosedTag) | quick_xml::Error::Syntax(_) => self
                .error(ErrorKind::Xml, pos, format!("malformed XML: {e}"))
                .with_hint("the file is truncated or damaged; ask for a new copy of the extract"),
            e => self.error(ErrorKind::Xml, pos, format!("malformed XML: {e}")),
        }
    }

    /// Reads the children and text of `element`, whose start tag was just returned by
    /// [`next_node`](Self::next_node), up to and including its end tag.
    pub fn read_body(&mut self, element: &mut Element) -> Result<()> {
        // Explicit stack (hostile nesting depth must not overflow ours); its last element
        // is the one being read, so each element is moved as little as possible.
        let mut stack: Vec<Element> = vec![std::mem::take(element)];
        loop {
            match self.next_node()? {
                Node::Start { element: child, empty: true } => {
                    stack.last_mut().expect("the stack holds the element being read").children.push(child)
                }
                Node::Start { element: child, empty: false } => stack.push(child),
                Node::Text(text) => {
                    let current = stack.last_mut().expect("the stack holds the element being read");
                    if current.text.is_empty() {
                        current.text = text;
                    } else {
                        current.text.push_str(&text);
                    }
                }
                Node::End => {
                    let mut done = stack.pop().expect("an end tag closes an element being read");
                    finish_text(&mut done);
                    if let (Some(base), Some(span)) = (self.source_offset, &mut done.span) {
                        span.end = base + self.reader.buffer_position();
                    }
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(done),
                        None => {
                            *element = done;
                            return Ok(());
                        }
                    }
                }
                Node::Eof => unreachable!("next_node reports EOF inside an element as an error"),
                Node::Placeholder => {
                    let pos = self.pos_at(self.reader.buffer_position());
                    return Err(self.error(ErrorKind::Xml, pos, "internal: a unit placeholder inside an element"));
                }
            }
        }
    }

    /// Reads a whole (small) document into one tree.
    pub fn read_document(&mut self) -> Result<Element> {
        match self.next_node()? {
            Node::Start { element, empty: true } => Ok(element),
            Node::Start { mut element, empty: false } => {
                self.read_body(&mut element)?;
                Ok(element)
            }
            _ => Err(self.error(ErrorKind::Xml, Pos::default(), "the file holds no root element")),
        }
    }
}

/// Whitespace between child elements is layout, not data.
pub(crate) fn finish_text(element: &mut Element) {
    if !element.children.is_empty() && element.text.trim().is_empty() {
        element.text.clear();
    }
}

/// Reads a whole small XML document (such as arkivuttrekk.xml) into a tree.
///
/// ```
/// let doc = samla_noark5::xml::parse_str("<a><b>x &amp; y</b></a>", "test.xml").unwrap();
/// assert_eq!(doc.value("b"), Some("x & y"));
/// ```
pub fn parse_str(text: &str, file: &str) -> Result<Element> {
    XmlReader::new(text.as_bytes(), file).read_document()
}
