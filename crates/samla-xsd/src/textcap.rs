//! Keeps validation time linear in the size of the input, whatever its shape.
//!
//! libxml2 2.9 gathers an element's text for schema validation chunk by chunk, measuring
//! what it has gathered (strlen) at every chunk, so one text node of N bytes costs N²: a
//! 64 MB `tittel` took 15 s, a 200 MB one 228 s. No value in an archive's XML is meant to
//! be that long (documents are files of their own), so the validator is given at most
//! [`MAX_TEXT`] bytes of character data per element; the rest is left out, and each
//! element so cut is reported, with where its text begins and how long it is.
//!
//! The cut is made at a character boundary, never inside an entity reference, and never
//! touches markup. Newlines left out are counted, so that the lines of later problems are
//! those of the input.

use std::io::{self, Read};

/// Bytes of character data per element passed to libxml2.
pub const MAX_TEXT: u64 = 8 << 20;

/// One element whose text was cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    /// Where its character data begins (1-based line and byte column of the input).
    pub line: u64,
    pub column: u64,
    /// Bytes of character data the element holds in all.
    pub bytes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Text,
    /// After `<`: what follows decides.
    Open,
    /// After `<!`.
    Bang,
    /// After `<!-`.
    BangDash,
    /// After `<!` and this many bytes of `[CDATA[`.
    BangCdata(u8),
    Tag(Option<u8>),
    Comment(u8),
    Pi(bool),
    CData(u8),
    /// A declaration (`<!DOCTYPE …`), with the depth of `[` brackets.
    Decl(u32),
}

/// A reader that caps each element's character data at `max` bytes. See the module docs.
pub struct TextCap<R> {
    inner: R,
    buf: Box<[u8]>,
    at: usize,
    len: usize,
    max: u64,
    state: State,
    in_entity: bool,
    /// Character data of the current element, passed on and in all.
    passed: u64,
    total: u64,
    dropping: bool,
    run_at: (u64, u64),
    line: u64,
    column: u64,
    /// Lines of the output so far.
    out_line: u64,
    cuts: Vec<Cut>,
    /// (output line where newlines were left out, how many).
    shifts: Vec<(u64, u64)>,
}

const CDATA: &[u8] = b"[CDATA[";

impl<R: Read> TextCap<R> {
    /// Caps `inner` at [`MAX_TEXT`].
    pub fn new(inner: R) -> Self {
        Self::with_max(inner, MAX_TEXT)
    }

    /// Caps `inner` at `max` bytes of character data per element.
    pub fn with_max(inner: R, max: u64) -> Self {
        TextCap {
            inner,
            buf: vec![0; 64 * 1024].into_boxed_slice(),
            at: 0,
            len: 0,
            max,
            state: State::Text,
            in_entity: false,
            passed: 0,
            total: 0,
            dropping: false,
            run_at: (1, 1),
            line: 1,
            column: 1,
            out_line: 1,
            cuts: Vec::new(),
            shifts: Vec::new(),
        }
    }

    /// The elements cut so far (all of them once the input is read to the end).
    pub fn cuts(&self) -> Vec<Cut> {
        let mut cuts = self.cuts.clone();
        if self.dropping {
            cuts.push(Cut { line: self.run_at.0, column: self.run_at.1, bytes: self.total });
        }
        cuts
    }

    /// The input line of `line` of the output.
    pub fn input_line(&self, line: u64) -> u64 {
        line + self.shifts.iter().filter(|(at, _)| *at < line).map(|(_, n)| n).sum::<u64>()
    }

    fn end_run(&mut self) {
        if self.dropping {
            self.cuts.push(Cut { line: self.run_at.0, column: self.run_at.1, bytes: self.total });
            self.dropping = false;
        }
        self.passed = 0;
        self.total = 0;
    }

    /// Counts a byte of character data; true when it is passed on.
    fn text_byte(&mut self, b: u8) -> bool {
        if self.total == 0 {
            self.run_at = (self.line, self.column);
        }
        self.total += 1;
        if !self.dropping && self.passed >= self.max && !self.in_entity && !(0x80..0xC0).contains(&b) && b != b'&' {
            self.dropping = true;
        }
        if self.dropping {
            if b == b'\n' {
                match self.shifts.last_mut() {
                    Some((at, n)) if *at == self.out_line => *n += 1,
                    _ => self.shifts.push((self.out_line, 1)),
                }
            }
            return false;
        }
        self.passed += 1;
        match b {
            b'&' => self.in_entity = true,
            b';' => self.in_entity = false,
            _ => {}
        }
        true
    }

    /// Moves the state on by one input byte; true when the byte is passed on.
    fn step(&mut self, b: u8) -> bool {
        use State::*;
        let keep = match self.state {
            Text if b == b'<' => {
                self.in_entity = false;
                self.state = Open;
                true
            }
            Text => self.text_byte(b),
            Open => {
                self.state = match b {
                    b'!' => Bang,
                    b'?' => Pi(false),
                    _ => {
                        // A start or end tag: the element's character data ends here.
                        self.end_run();
                        if b == b'>' { Text } else { Tag(None) }
                    }
                };
                true
            }
            Bang => {
                self.state = match b {
                    b'-' => BangDash,
                    b'[' => BangCdata(1),
                    b'>' => Text,
                    _ => Decl(0),
                };
                true
            }
            BangDash => {
                self.state = if b == b'-' { Comment(0) } else { Decl(0) };
                true
            }
            BangCdata(k) => {
                let k = k as usize;
                self.state = match (b == CDATA[k], k + 1 == CDATA.len()) {
                    (true, true) => CData(0),
                    (true, false) => BangCdata(k as u8 + 1),
                    (false, _) => Decl(1),
                };
                true
            }
            Tag(None) if b == b'>' => {
                self.state = Text;
                true
            }
            Tag(None) if b == b'"' || b == b'\'' => {
                self.state = Tag(Some(b));
                true
            }
            Tag(Some(q)) if b == q => {
                self.state = Tag(None);
                true
            }
            Tag(_) => true,
            Comment(dashes) => {
                self.state = match b {
                    b'-' => Comment(dashes.saturating_add(1)),
                    b'>' if dashes >= 2 => Text,
                    _ => Comment(0),
                };
                true
            }
            Pi(question) => {
                self.state = if b == b'>' && question { Text } else { Pi(b == b'?') };
                true
            }
            CData(brackets) => match b {
                b'>' if brackets >= 2 => {
                    self.state = Text;
                    // The `]]` were counted as data; the caller writes them back if left out.
                    self.total = self.total.saturating_sub(2);
                    if !self.dropping {
                        self.passed = self.passed.saturating_sub(2);
                    }
                    true
                }
                b']' => {
                    self.state = CData(brackets.saturating_add(1));
                    // Part of the end, or data: decided at the next byte; counted as data.
                    self.text_byte(b)
                }
                _ => {
                    self.state = CData(0);
                    self.text_byte(b)
                }
            },
            Decl(depth) => {
                self.state = match b {
                    b'[' => Decl(depth + 1),
                    b']' => Decl(depth.saturating_sub(1)),
                    b'>' if depth == 0 => Text,
                    _ => Decl(depth),
                };
                true
            }
        };
        if b == b'\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        keep
    }
}

impl<R: Read> Read for TextCap<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            if self.at == self.len {
                self.at = 0;
                self.len = loop {
                    match self.inner.read(&mut self.buf) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        other => break other?,
                    }
                };
                if self.len == 0 {
                    return Ok(0);
                }
            }
            let mut n = 0;
            while self.at < self.len && n < out.len() {
                if self.state == State::Text && !self.in_entity {
                    let rest = &self.buf[self.at..self.len];
                    if self.dropping {
                        // Left out up to the next markup, newlines counted.
                        let span = memchr::memchr(b'<', rest).unwrap_or(rest.len());
                        self.skip(span);
                        if span > 0 {
                            continue;
                        }
                    } else {
                        // Character data far from the cap is copied as a whole span.
                        let room = (out.len() - n).min(rest.len());
                        let span = memchr::memchr2(b'<', b'&', &rest[..room]).unwrap_or(room);
                        let span = span.min(self.max.saturating_sub(self.passed) as usize);
                        if span > 0 {
                            out[n..n + span].copy_from_slice(&rest[..span]);
                            n += span;
                            self.pass(span);
                            continue;
                        }
                    }
                }
                let b = self.buf[self.at];
                let cdata_end = matches!(self.state, State::CData(k) if k >= 2) && b == b'>' && self.dropping;
                if cdata_end && n + 3 > out.len() {
                    break;
                }
                self.at += 1;
                if self.step(b) {
                    if cdata_end {
                        // The `]]` of `]]>` went with the data left out.
                        out[n..n + 2].copy_from_slice(b"]]");
                        n += 2;
                    }
                    out[n] = b;
                    n += 1;
                    if b == b'\n' {
                        self.out_line += 1;
                    }
                }
            }
            if n > 0 {
                return Ok(n);
            }
        }
    }
}

impl<R> TextCap<R> {
    /// Moves past `span` bytes of character data, passed on.
    fn pass(&mut self, span: usize) {
        let bytes = &self.buf[self.at..self.at + span];
        if self.total == 0 {
            self.run_at = (self.line, self.column);
        }
        let newlines = memchr::memchr_iter(b'\n', bytes).count() as u64;
        self.advance(bytes.len(), newlines, memchr::memrchr(b'\n', bytes));
        self.out_line += newlines;
        self.total += span as u64;
        self.passed += span as u64;
        self.at += span;
    }

    /// Moves past `span` bytes of character data, left out.
    fn skip(&mut self, span: usize) {
        let bytes = &self.buf[self.at..self.at + span];
        let newlines = memchr::memchr_iter(b'\n', bytes).count() as u64;
        if newlines > 0 {
            match self.shifts.last_mut() {
                Some((at, k)) if *at == self.out_line => *k += newlines,
                _ => self.shifts.push((self.out_line, newlines)),
            }
        }
        self.advance(bytes.len(), newlines, memchr::memrchr(b'\n', bytes));
        self.total += span as u64;
        self.at += span;
    }

    fn advance(&mut self, len: usize, newlines: u64, last_newline: Option<usize>) {
        match last_newline {
            Some(last) => {
                self.line += newlines;
                self.column = (len - last) as u64;
            }
            None => self.column += len as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cap(input: &[u8], max: u64) -> (Vec<u8>, Vec<Cut>) {
        let mut r = TextCap::with_max(input, max);
        let mut out = Vec::new();
        // Small reads, to cross every boundary.
        let mut chunk = [0u8; 7];
        loop {
            let n = r.read(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&chunk[..n]);
        }
        (out, r.cuts())
    }

    #[test]
    fn short_text_passes_unchanged() {
        let doc = b"<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ENTITY x \"y\">]>\n<a b=\"<>\"><!-- <c> -->t&amp;u<![CDATA[<x>]]]><?p ?>\n</a>";
        assert_eq!(cap(doc, 1000), (doc.to_vec(), vec![]));
    }

    #[test]
    fn long_text_is_cut_at_a_boundary_and_reported() {
        let doc = "<a>\n<b>æææææ&amp;xyz\nmore</b><c>ok</c></a>";
        let (out, cuts) = cap(doc.as_bytes(), 4);
        // Four bytes pass: `ææ`; the third æ would be cut in half, so it stops before it.
        assert_eq!(String::from_utf8(out).unwrap(), "<a>\n<b>ææ</b><c>ok</c></a>");
        assert_eq!(cuts, vec![Cut { line: 2, column: 4, bytes: 23 }]);
        let (out, _) = cap("<b>abc&amp;def</b>".as_bytes(), 4);
        assert_eq!(String::from_utf8(out).unwrap(), "<b>abc&amp;</b>", "never inside an entity reference");
    }

    #[test]
    fn cdata_counts_and_keeps_its_end() {
        let (out, cuts) = cap(b"<b><![CDATA[abcdefgh]]></b>", 3);
        assert_eq!(String::from_utf8(out).unwrap(), "<b><![CDATA[abc]]></b>");
        assert_eq!(cuts.len(), 1);
        assert_eq!(cuts[0].bytes, 8);
    }

    #[test]
    fn lines_left_out_are_counted() {
        let doc = b"<a><b>x\n\n\ny</b>\n<c/></a>";
        let mut r = TextCap::with_max(&doc[..], 1);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"<a><b>x</b>\n<c/></a>");
        // `<c/>` is on line 2 of the output and line 5 of the input.
        assert_eq!(r.input_line(2), 5);
        assert_eq!(r.input_line(1), 1);
    }
}
