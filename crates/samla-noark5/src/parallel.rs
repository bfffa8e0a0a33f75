//! The parallel path of the streaming reader.
//!
//! Building element trees is most of a reader's work. A scanner thread reads the file,
//! finds each unit (a `mappe` or `registrering` directly in a container) by its tags
//! alone, and cuts it out; the units of a batch are then parsed into trees on all cores
//! (rayon), in order. What is left, the containers and their fields, is parsed by the
//! ordinary sequential reader, with a processing instruction standing in each unit's
//! place. The placeholder carries the unit's newlines, so line numbers stay exact.
//!
//! Only UTF-8 input is cut (tag bytes are then plain ASCII); for any other declared
//! encoding the scanner passes everything through and the sequential reader does all.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use rayon::prelude::*;

use crate::element::Element;
use crate::error::{Error, Result};
use crate::pos::Pos;
use crate::split::Split;
use crate::xml::{PLACEHOLDER, XmlReader};

/// Bytes read from the source at a time.
const BLOCK: usize = 1 << 20;
/// A batch is sent when it holds this many unit bytes.
const BATCH_BYTES: usize = 1 << 20;
/// The largest unit cut out. Past it, the rest of the file is left to the sequential
/// reader, which holds no more than a unit and a value at a time: a mappe this large is
/// rare, and hostile input must not be gathered whole here.
const MAX_CUT: usize = 64 << 20;
/// Batches waiting between the stages: with one batch in the works at each stage,
/// this bounds memory.
const BATCHES_IN_FLIGHT: usize = 1;

/// A unit cut out of the file: its bytes and where it starts.
struct RawUnit {
    bytes: Vec<u8>,
    origin: Pos,
    /// Byte offset of its first byte in the file.
    offset: u64,
    /// Element path of the container it sits in, for error messages.
    path: std::sync::Arc<str>,
}

/// The scanner's output: the rest of the file with placeholders, and the units cut out.
struct Batch {
    outside: Vec<u8>,
    units: Vec<RawUnit>,
    /// The encoding named in the XML declaration, for error messages.
    declared: Option<std::sync::Arc<str>>,
    /// Source bytes scanned up to the end of this batch, for progress.
    source_end: u64,
}

/// Finds units by their tags. Works on the bytes of a growing window of the file.
struct Scanner<R> {
    source: R,
    split: Split,
    buf: Vec<u8>,
    /// Next unprocessed byte in `buf`.
    pos: usize,
    eof: bool,
    /// Line and line-start offset (absolute) of `buf[pos]`.
    line: u64,
    line_start: u64,
    /// Absolute offset of `buf[0]`.
    base: u64,
    /// For each open element outside units: its name, and is it a container?
    stack: Vec<(String, bool)>,
    /// The element path of `stack`, made when a unit needs it.
    path: Option<std::sync::Arc<str>>,
    /// False once the input is known not to be UTF-8: then nothing is cut.
    cut: bool,
    /// The encoding named in the XML declaration.
    declared: Option<std::sync::Arc<str>>,
    first: bool,
}

/// What the tag at a `<` is.
enum Tag {
    Start { name_end: usize, end: usize, empty: bool },
    End { end: usize },
    Other { end: usize, pi: bool },
}

impl<R: Read> Scanner<R> {
    fn new(source: R, split: Split) -> Self {
        Scanner {
            source,
            split,
            buf: Vec::with_capacity(2 * BLOCK),
            pos: 0,
            eof: false,
            line: 1,
            line_start: 0,
            base: 0,
            stack: Vec::new(),
            path: None,
            cut: true,
            declared: None,
            first: true,
        }
    }

    /// Reads another block; false at the end of the input.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        // Drop what is processed, so the window stays small.
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.base += self.pos as u64;
            self.pos = 0;
        }
        let old = self.buf.len();
        self.buf.resize(old + BLOCK, 0);
        let n = loop {
            match self.source.read(&mut self.buf[old..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(e);
                }
            }
        };
        self.buf.truncate(old + n);
        if n == 0 {
            self.eof = true;
        }
        Ok(n > 0)
    }

    /// Advances `pos` to `to`, counting lines, and copies the bytes to `out`.
    fn pass(&mut self, to: usize, out: &mut Vec<u8>) {
        self.count_lines(to);
        out.extend_from_slice(&self.buf[self.pos..to]);
        self.pos = to;
    }

    fn count_lines(&mut self, to: usize) {
        for i in memchr::memchr_iter(b'\n', &self.buf[self.pos..to]) {
            self.line += 1;
            self.line_start = self.base + (self.pos + i) as u64 + 1;
        }
    }

    /// Classifies the markup starting at `at` (a `<`). `None` if it is not complete in
    /// the window yet.
    fn tag(&self, at: usize) -> Option<Tag> {
        let b = &self.buf[at..];
        let find = |pat: &[u8], from: usize| {
            memchr::memmem::find(&b[from.min(b.len())..], pat).map(|i| at + from + i + pat.len())
        };
        if b.starts_with(b"<!--") {
            return find(b"-->", 4).map(|end| Tag::Other { end, pi: false });
        }
        if b.starts_with(b"<![CDATA[") {
            return find(b"]]>", 9).map(|end| Tag::Other { end, pi: false });
        }
        if b.starts_with(b"<?") {
            return find(b"?>", 2).map(|end| Tag::Other { end, pi: true });
        }
        if b.starts_with(b"<!") {
            // DOCTYPE, possibly with an internal subset in brackets.
            let mut depth = 0i32;
            for (i, &c) in b.iter().enumerate().skip(2) {
                match c {
                    b'[' => depth += 1,
                    b']' => depth -= 1,
                    b'>' if depth <= 0 => return Some(Tag::Other { end: at + i + 1, pi: false }),
                    _ => {}
                }
            }
            return None;
        }
        if b.len() < 2 {
            return None;
        }
        let end = tag_end(b)?;
        if b[1] == b'/' {
            return Some(Tag::End { end: at + end });
        }
        let name_end = b[1..end].iter().position(|c| c.is_ascii_whitespace() || *c == b'/' || *c == b'>')? + 1;
        Some(Tag::Start { name_end: at + name_end, end: at + end, empty: b[end - 2] == b'/' })
    }

    /// The end (exclusive) of the unit whose start tag `name` ends at `start_end`, or
    /// `None` if it is not complete in the window yet.
    ///
    /// Fast path: the first `</name>` closing the nesting of `<name` tags. Only comments,
    /// CDATA and processing instructions can hold such text where it is not markup, so
    /// when the unit holds any `<!` or `<?`, the careful tag-by-tag scan decides.
    fn unit_end(&self, name: &[u8], start_end: usize) -> Option<usize> {
        let window = &self.buf[start_end..];
        let mut closing = Vec::with_capacity(name.len() + 2);
        closing.extend_from_slice(b"</");
        closing.extend_from_slice(name);
        let mut opening = closing.clone();
        opening.remove(1);
        let mut depth = 1usize;
        let mut at = 0;
        // Where the search for nested starts goes on from: a skipped longer name
        // (`</mappeID>` for `mappe`) moves `at` on, but not this.
        let mut counted = 0;
        let end = loop {
            let close = at + memchr::memmem::find(&window[at..], &closing)?;
            let after = *window.get(close + closing.len())?;
            if after != b'>' && !after.is_ascii_whitespace() {
                at = close + closing.len();
                continue;
            }
            // Nested starts of the same name between here and the candidate end.
            for open in memchr::memmem::find_iter(&window[counted..close], &opening) {
                let open = counted + open;
                let next = window[open + opening.len()];
                if next == b'>' || next.is_ascii_whitespace() {
                    let tag = tag_end(&window[open..close])?;
                    if window[open + tag - 2] != b'/' {
                        depth += 1;
                    }
                }
            }
            depth -= 1;
            let close_end = close + memchr::memchr(b'>', &window[close..])? + 1;
            if depth == 0 {
                break close_end;
            }
            at = close_end;
            counted = close_end;
        };
        let unit = &window[..end];
        if memchr::memmem::find(unit, b"<!").is_none() && memchr::memmem::find(unit, b"<?").is_none() {
            return Some(start_end + end);
        }
        self.unit_end_careful(name, start_end)
    }

    /// The tag-by-tag scan behind [`unit_end`](Self::unit_end).
    fn unit_end_careful(&self, name: &[u8], start_end: usize) -> Option<usize> {
        let mut depth = 1usize;
        let mut at = start_end;
        loop {
            at += memchr::memchr(b'<', &self.buf[at..])?;
            match self.tag(at)? {
                Tag::Other { end, .. } => at = end,
                Tag::End { end } => {
                    let closing = self.buf[at + 2..end - 1].trim_ascii_end();
                    if closing == name {
                        depth -= 1;
                        if depth == 0 {
                            return Some(end);
                        }
                    }
                    at = end;
                }
                Tag::Start { name_end, end, empty } => {
                    if !empty && &self.buf[at + 1..name_end] == name {
                        depth += 1;
                    }
                    at = end;
                }
            }
        }
    }

    /// Scans the next batch. `None` at the end of the input.
    fn next_batch(&mut self) -> io::Result<Option<Batch>> {
        let mut batch = Batch { outside: Vec::new(), units: Vec::new(), declared: None, source_end: 0 };
        let mut unit_bytes = 0;
        loop {
            if batch.outside.len() >= BATCH_BYTES {
                batch.source_end = self.base + self.pos as u64;
                return Ok(Some(batch));
            }
            if self.pos >= self.buf.len() && !self.fill()? {
                break;
            }
            if self.first {
                self.first = false;
                self.check_encoding();
            }
            batch.declared.clone_from(&self.declared);
            let Some(lt) = memchr::memchr(b'<', &self.buf[self.pos..]).map(|i| self.pos + i) else {
                let end = self.buf.len();
                self.pass(end, &mut batch.outside);
                continue;
            };
            self.pass(lt, &mut batch.outside);
            let tag = match self.tag(lt) {
                Some(tag) => tag,
                // A tag longer than any value read: the sequential reader names it.
                None if self.buf.len() - lt > crate::xml::MAX_VALUE as usize => {
                    self.cut = false;
                    let end = self.buf.len();
                    self.pass(end, &mut batch.outside);
                    continue;
                }
                None if self.fill()? => continue,
                // Incomplete markup at the end: the sequential reader reports it.
                None => {
                    let end = self.buf.len();
                    self.pass(end, &mut batch.outside);
                    break;
                }
            };
            match tag {
                Tag::Other { end, pi: true } if self.cut && !self.buf[lt..].starts_with(b"<?xml ") => {
                    // Processing instructions carry no data; dropping them keeps the
                    // placeholder unambiguous. Their newlines stay.
                    let newlines = memchr::memchr_iter(b'\n', &self.buf[lt..end]).count();
                    self.count_lines(end);
                    self.pos = end;
                    batch.outside.extend(std::iter::repeat_n(b'\n', newlines));
                }
                Tag::Other { end, .. } => self.pass(end, &mut batch.outside),
                Tag::End { end } => {
                    self.stack.pop();
                    self.path = None;
                    self.pass(end, &mut batch.outside);
                }
                Tag::Start { name_end, end, empty } => {
                    let name = &self.buf[lt + 1..name_end];
                    let local = name.rsplit(|&c| c == b':').next().unwrap_or(name);
                    let is = |list: &[&str]| list.iter().any(|n| n.as_bytes() == local);
                    let in_container = self.stack.last().is_some_and(|(_, container)| *container);
                    let unit = self.cut && !empty && in_container && is(self.split.units);
                    if !unit {
                        if !empty {
                            // Inside a field, nothing is a container: the field is read whole.
                            let container = is(self.split.containers) && (self.stack.is_empty() || in_container);
                            self.stack.push((String::from_utf8_lossy(name).into_owned(), container));
                            self.path = None;
                        }
                        self.pass(end, &mut batch.outside);
                        continue;
                    }
                    let name = name.to_vec();
                    // fill() drops processed bytes and so moves the window: keep the
                    // start tag's end relative to pos, which stays on the unit's '<'.
                    let rel_end = end - self.pos;
                    let unit_end = loop {
                        match self.unit_end(&name, self.pos + rel_end) {
                            Some(e) => break Some(e),
                            None if self.buf.len() - self.pos > MAX_CUT => break None,
                            // The window doubles before the next search, so a long unit
                            // is searched a few times, not once per block.
                            None => {
                                let want = (2 * (self.buf.len() - self.pos)).min(MAX_CUT + BLOCK);
                                while self.buf.len() - self.pos < want && self.fill()? {}
                                if self.eof && self.unit_end(&name, self.pos + rel_end).is_none() {
                                    break None;
                                }
                            }
                        }
                    };
                    if unit_end.is_none() && !self.eof {
                        // Too long to cut: this unit and the rest go to the sequential reader.
                        self.cut = false;
                        continue;
                    }
                    let Some(unit_end) = unit_end else {
                        // The unit never ends: leave it to the sequential reader's error.
                        let all = self.buf.len();
                        self.pass(all, &mut batch.outside);
                        break;
                    };
                    let offset = self.base + self.pos as u64;
                    let origin = Pos { line: self.line, column: offset - self.line_start + 1 };
                    let bytes = self.buf[self.pos..unit_end].to_vec();
                    let newlines = memchr::memchr_iter(b'\n', &bytes).count();
                    self.count_lines(unit_end);
                    self.pos = unit_end;
                    batch.outside.extend_from_slice(b"<?");
                    batch.outside.extend_from_slice(PLACEHOLDER.as_bytes());
                    batch.outside.extend(std::iter::repeat_n(b'\n', newlines));
                    batch.outside.extend_from_slice(b"?>");
                    unit_bytes += bytes.len();
                    let stack = &self.stack;
                    let path = self
                        .path
                        .get_or_insert_with(|| stack.iter().map(|(n, _)| format!("/{n}")).collect::<String>().into())
                        .clone();
                    batch.units.push(RawUnit { bytes, origin, offset, path });
                    if unit_bytes >= BATCH_BYTES {
                        batch.source_end = self.base + self.pos as u64;
                        return Ok(Some(batch));
                    }
                }
            }
        }
        batch.source_end = self.base + self.pos as u64;
        Ok((!batch.outside.is_empty() || !batch.units.is_empty()).then_some(batch))
    }

    /// Cuts only UTF-8 input: a declaration naming another encoding turns cutting off.
    fn check_encoding(&mut self) {
        let head = &self.buf[..self.buf.len().min(256)];
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        if head.starts_with(b"\xFE\xFF") || head.starts_with(b"\xFF\xFE") {
            self.cut = false;
            return;
        }
        if let Some(rest) = head.strip_prefix(b"<?xml") {
            let decl_end = memchr::memmem::find(rest, b"?>").unwrap_or(rest.len());
            let decl = String::from_utf8_lossy(&rest[..decl_end]).into_owned();
            if let Some(i) = decl.find("encoding") {
                let value = decl[i + 8..].trim_start_matches([' ', '=', '"', '\'']);
                let label: String = value.chars().take_while(|c| !matches!(c, '"' | '\'' | ' ')).collect();
                self.cut = label.eq_ignore_ascii_case("utf-8") || label.eq_ignore_ascii_case("utf8");
                self.declared = Some(label.into());
            }
        }
    }
}

/// The end (exclusive, relative) of a tag starting at `b[0] == '<'`, skipping quoted
/// attribute values; `None` if it is not complete.
fn tag_end(b: &[u8]) -> Option<usize> {
    let mut i = 1;
    loop {
        i += memchr::memchr3(b'>', b'"', b'\'', &b[i..])?;
        match b[i] {
            b'>' => return Some(i + 1),
            q => i += memchr::memchr(q, &b[i + 1..])? + 2,
        }
    }
}

/// A batch with its units parsed, in order.
struct Parsed {
    outside: Vec<u8>,
    units: Vec<Result<Element>>,
    source_end: u64,
}

/// Parses one unit: by the plain path where it can, else by the careful reader.
fn parse_unit(unit: &RawUnit, file: &str, declared: Option<&str>) -> Result<Element> {
    // A unit that may hold a value past the limit is the careful reader's, which names it.
    let may_be_overlong = unit.bytes.len() as u64 > crate::xml::MAX_VALUE;
    if !may_be_overlong && let Some(element) = crate::plain::parse(&unit.bytes, unit.origin, unit.offset) {
        return Ok(element);
    }
    XmlReader::piece(&unit.bytes[..], file, unit.origin)
        .with_source_offset(unit.offset)
        .with_path_prefix(&unit.path)
        .with_declared_encoding(declared)
        .read_document()
}

/// The reading side: the placeholder stream and the parsed units, shared by
/// [`Outside`] and [`UnitQueue`].
struct Units {
    batches: Receiver<io::Result<Parsed>>,
    outside: VecDeque<u8>,
    /// Parsed units waiting for their placeholders.
    parsed: VecDeque<Result<Element>>,
    file: String,
    threads: Vec<JoinHandle<()>>,
    error: Option<io::Error>,
    /// Source bytes behind the batches taken so far.
    source_read: u64,
}

/// The file with its units cut out, read by the sequential reader of
/// [`UnitReader::parallel`](crate::stream::UnitReader::parallel).
pub struct Outside {
    units: std::sync::Arc<std::sync::Mutex<Units>>,
}

impl Units {
    /// Takes the next parsed batch.
    fn next_batch(&mut self) -> bool {
        match self.batches.recv() {
            Ok(Ok(batch)) => {
                self.parsed.extend(batch.units);
                self.outside.extend(batch.outside);
                self.source_read = batch.source_end;
                true
            }
            Ok(Err(e)) => {
                self.error = Some(e);
                false
            }
            Err(_) => false,
        }
    }
}

impl Read for Outside {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let mut units = self.units.lock().expect("the scanner never panics while holding the lock");
        while units.outside.is_empty() {
            if !units.next_batch() {
                return match units.error.take() {
                    Some(e) => Err(e),
                    None => Ok(0),
                };
            }
        }
        let n = out.len().min(units.outside.len());
        for (o, b) in out.iter_mut().zip(units.outside.drain(..n)) {
            *o = b;
        }
        Ok(n)
    }
}

/// Handle kept by the [`UnitReader`](crate::stream::UnitReader) to take parsed units.
pub(crate) struct UnitQueue {
    units: std::sync::Arc<std::sync::Mutex<Units>>,
}

impl UnitQueue {
    /// Source bytes read so far (up to the batch being consumed), for progress.
    pub(crate) fn bytes_read(&self) -> u64 {
        self.units.lock().map(|u| u.source_read).unwrap_or(0)
    }

    /// The unit for the placeholder just read.
    pub(crate) fn take(&self) -> Result<Element> {
        let mut units = self.units.lock().expect("the scanner never panics while holding the lock");
        match units.parsed.pop_front() {
            Some(unit) => unit,
            None => {
                Err(Error::new(crate::ErrorKind::Xml, units.file.clone(), "internal: a placeholder without its unit"))
            }
        }
    }
}

impl Drop for Units {
    fn drop(&mut self) {
        // Unblock the stages by dropping our end of the channel, then let them finish.
        let (_, dead) = sync_channel(0);
        drop(std::mem::replace(&mut self.batches, dead));
        for handle in self.threads.drain(..) {
            let _ = handle.join();
        }
    }
}

/// Starts the scanner and parser threads over `source` and returns the placeholder
/// stream and the queue of parsed units. The parser stage parses one batch on all cores
/// while the reader consumes the one before.
pub(crate) fn start<R: Read + Send + 'static>(source: R, file: String, split: Split) -> (Outside, UnitQueue) {
    let (raw_tx, raw_rx): (SyncSender<io::Result<Batch>>, Receiver<_>) = sync_channel(BATCHES_IN_FLIGHT);
    let (parsed_tx, parsed_rx): (SyncSender<io::Result<Parsed>>, _) = sync_channel(BATCHES_IN_FLIGHT);
    let scanner = std::thread::Builder::new()
        .name("samla-scanner".into())
        .spawn(move || {
            let mut scanner = Scanner::new(source, split);
            loop {
                let batch = scanner.next_batch();
                let last = !matches!(batch, Ok(Some(_)));
                if let Some(batch) = batch.transpose()
                    && raw_tx.send(batch).is_err()
                {
                    return;
                }
                if last {
                    return;
                }
            }
        })
        .expect("a thread can be spawned");
    let parser_file = file.clone();
    let parser = std::thread::Builder::new()
        .name("samla-parser".into())
        .spawn(move || {
            for batch in raw_rx {
                let parsed = batch.map(|b| Parsed {
                    units: b.units.par_iter().map(|u| parse_unit(u, &parser_file, b.declared.as_deref())).collect(),
                    outside: b.outside,
                    source_end: b.source_end,
                });
                if parsed_tx.send(parsed).is_err() {
                    return;
                }
            }
        })
        .expect("a thread can be spawned");
    let units = std::sync::Arc::new(std::sync::Mutex::new(Units {
        batches: parsed_rx,
        outside: VecDeque::new(),
        parsed: VecDeque::new(),
        file,
        threads: vec![scanner, parser],
        error: None,
        source_read: 0,
    }));
    (Outside { units: units.clone() }, UnitQueue { units })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_know_where_they_start() {
        let xml = "<arkiv>\n<arkivdel>\n  <mappe>\n<a>1</a></mappe>\n  <mappe><b/></mappe></arkivdel></arkiv>";
        let mut s = Scanner::new(xml.as_bytes(), Split::ARKIVSTRUKTUR);
        let batch = s.next_batch().unwrap().unwrap();
        let origins: Vec<Pos> = batch.units.iter().map(|u| u.origin).collect();
        assert_eq!(origins, [Pos { line: 3, column: 3 }, Pos { line: 5, column: 3 }]);
        let unit = parse_unit(&batch.units[0], "f", None);
        assert_eq!(unit.unwrap().children[0].pos, Pos { line: 4, column: 1 });
    }

    /// Each element of a unit cut out knows its bytes in the file, behind a byte order mark
    /// and after a unit held back by the plain path (the careful reader's spans).
    #[test]
    fn units_and_what_is_inside_them_know_their_bytes_in_the_file() {
        let xml = "\u{feff}<arkiv><arkivdel>\n  <mappe>\n<a>1</a><registrering><b/></registrering></mappe>\n  \
                   <mappe><!-- not plain --><registrering>\n<c>x</c></registrering></mappe></arkivdel></arkiv>";
        let mut s = Scanner::new(xml.as_bytes(), Split::ARKIVSTRUKTUR);
        let batch = s.next_batch().unwrap().unwrap();
        let mut seen = Vec::new();
        for raw in &batch.units {
            let unit = parse_unit(raw, "f", None).unwrap();
            for e in unit.descendants() {
                let s = e.span.unwrap_or_else(|| panic!("{} has no span", e.name));
                seen.push(&xml[s.start as usize..s.end as usize]);
            }
        }
        assert_eq!(
            seen,
            [
                "<mappe>\n<a>1</a><registrering><b/></registrering></mappe>",
                "<a>1</a>",
                "<registrering><b/></registrering>",
                "<b/>",
                "<mappe><!-- not plain --><registrering>\n<c>x</c></registrering></mappe>",
                "<registrering>\n<c>x</c></registrering>",
                "<c>x</c>",
            ]
        );
    }

    /// A mappe in a mappe, each with its mappeID: the `</mappeID>` end tags passed over on the
    /// way must not hide the inner start tag from the count (issue 14).
    #[test]
    fn a_mappe_in_a_mappe_is_one_unit_at_any_depth() {
        for depth in 1..=4 {
            let open: String = (0..depth).map(|i| format!("<mappe><mappeID>m{i}</mappeID>\n")).collect();
            let close = "</mappe>".repeat(depth);
            let xml = format!("<arkiv><arkivdel>\n{open}{close}<registrering><x/></registrering></arkivdel></arkiv>");
            let mut s = Scanner::new(xml.as_bytes(), Split::ARKIVSTRUKTUR);
            let batch = s.next_batch().unwrap().unwrap();
            assert_eq!(batch.units.len(), 2, "depth {depth}");
            let mut unit = parse_unit(&batch.units[0], "f", None).unwrap();
            for i in 0..depth {
                assert_eq!(unit.value("mappeID"), Some(&*format!("m{i}")), "depth {depth}");
                if i + 1 < depth {
                    unit = unit.children.iter().find(|c| c.local_name() == "mappe").unwrap().clone();
                }
            }
        }
    }
}
