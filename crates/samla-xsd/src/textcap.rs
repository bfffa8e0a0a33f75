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
    /// Whether `fast` may take spans (off in a test, to compare with `step` alone).
    spans: bool,
    /// Bytes due to the reader that a too-small read could not take.
    pending: Vec<u8>,
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
            spans: true,
            pending: Vec::new(),
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
        if !self.pending.is_empty() {
            return Ok(self.drain_pending(out));
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
                // Text and tags, the bulk of the input, in one tight pass.
                let done = self.fast(&mut out[n..]);
                if done > 0 {
                    n += done;
                    continue;
                }
                if self.state == State::Text && !self.in_entity && self.dropping {
                    // Left out up to the next markup, newlines counted.
                    let rest = &self.buf[self.at..self.len];
                    let span = memchr::memchr(b'<', rest).unwrap_or(rest.len());
                    self.skip(span);
                    if span > 0 {
                        continue;
                    }
                }
                let b = self.buf[self.at];
                let cdata_end = matches!(self.state, State::CData(k) if k >= 2) && b == b'>' && self.dropping;
                if cdata_end && n + 3 > out.len() {
                    if n > 0 {
                        break;
                    }
                    // Fewer than three bytes asked for: `]]>` is handed out over calls.
                    self.at += 1;
                    self.step(b);
                    self.pending.extend_from_slice(b"]]>");
                    return Ok(self.drain_pending(out));
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

impl<R: Read> TextCap<R> {
    fn drain_pending(&mut self, out: &mut [u8]) -> usize {
        let k = out.len().min(self.pending.len());
        out[..k].copy_from_slice(&self.pending[..k]);
        self.pending.drain(..k);
        k
    }

    /// Passes on text far from the cap and the inside of tags, a span at a time, until a
    /// byte needs the full state machine (a comment, CDATA, a declaration, the cap coming
    /// near). Returns the bytes passed on; 0 when the next byte needs `step`.
    ///
    /// Lines, columns and entity references are worked out once per call, not per byte:
    /// they matter only for a run of text that goes on past the call.
    fn fast(&mut self, out: &mut [u8]) -> usize {
        #[derive(Clone, Copy, PartialEq)]
        enum Fast {
            Text,
            Open,
            Tag,
            Quoted(u8),
        }
        // Leaving text out, and the end of such a run, are for `step`.
        if self.dropping || !self.spans {
            return 0;
        }
        let mut state = match self.state {
            State::Text => Fast::Text,
            State::Open => Fast::Open,
            State::Tag(None) => Fast::Tag,
            State::Tag(Some(q)) => Fast::Quoted(q),
            _ => return 0,
        };
        let start = self.at;
        let end = self.len.min(start + out.len());
        let buf = &self.buf[..end];
        // Text stops short of the cap; `step` takes over near it.
        let room = self.max.saturating_sub(1);
        let mut passed = self.passed;
        // Where the text run open at the end began in this call, if it did.
        let mut run_start = None;
        let mut i = start;
        while i < end {
            match state {
                Fast::Text => {
                    let limit = end.min(i + room.saturating_sub(passed) as usize);
                    let span = buf[i..limit].iter().position(|&b| b == b'<').unwrap_or(limit - i);
                    if span > 0 && passed == 0 {
                        run_start = Some(i);
                    }
                    passed += span as u64;
                    i += span;
                    if i == limit {
                        break;
                    }
                    state = Fast::Open;
                    i += 1;
                }
                Fast::Open => {
                    let b = buf[i];
                    if b == b'!' || b == b'?' {
                        break;
                    }
                    // A start or end tag: the element's character data ends here.
                    passed = 0;
                    run_start = None;
                    self.total = 0;
                    state = if b == b'>' { Fast::Text } else { Fast::Tag };
                    i += 1;
                }
                Fast::Tag => {
                    let span = buf[i..].iter().position(|&b| b == b'>' || b == b'"' || b == b'\'');
                    let Some(span) = span else {
                        i = end;
                        break;
                    };
                    i += span;
                    state = if buf[i] == b'>' { Fast::Text } else { Fast::Quoted(buf[i]) };
                    i += 1;
                }
                Fast::Quoted(q) => {
                    let Some(span) = buf[i..].iter().position(|&b| b == q) else {
                        i = end;
                        break;
                    };
                    i += span + 1;
                    state = Fast::Tag;
                }
            }
        }
        let span = i - start;
        out[..span].copy_from_slice(&buf[start..i]);
        // Where a run of text still open began, and whether it ends inside an entity
        // reference: needed only if it goes on to be cut.
        // A run goes on past `<!` (a comment or CDATA), so Open keeps it open too.
        if matches!(state, Fast::Text | Fast::Open) && passed > 0 {
            let run = run_start.unwrap_or(start);
            if let Some(at) = run_start {
                let before = &buf[start..at];
                let newlines = memchr::memchr_iter(b'\n', before).count() as u64;
                let column = match memchr::memrchr(b'\n', before) {
                    Some(last) => (at - start - last) as u64,
                    None => self.column + (at - start) as u64,
                };
                self.run_at = (self.line + newlines, column);
            }
            let text = &buf[run..i];
            match (memchr::memrchr(b'&', text), memchr::memrchr(b';', text)) {
                _ if state == Fast::Open => self.in_entity = false,
                (Some(amp), Some(semi)) => self.in_entity = amp > semi,
                (Some(_), None) => self.in_entity = true,
                (None, Some(_)) => self.in_entity = false,
                // A run begun in this call began after a `<`, which ends any reference.
                (None, None) if run_start.is_some() => self.in_entity = false,
                (None, None) => {}
            }
        } else {
            self.in_entity = false;
        }
        // Not leaving anything out, the run's bytes in all are the ones passed on.
        self.total = passed;
        let processed = &buf[start..i];
        let newlines = memchr::memchr_iter(b'\n', processed).count() as u64;
        self.advance(span, newlines, memchr::memrchr(b'\n', processed));
        self.out_line += newlines;
        self.at = i;
        self.passed = passed;
        self.state = match state {
            Fast::Text => State::Text,
            Fast::Open => State::Open,
            Fast::Tag => State::Tag(None),
            Fast::Quoted(q) => State::Tag(Some(q)),
        };
        span
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

    /// The spans taken a call at a time give what `step` alone gives, byte for byte, on
    /// inputs of every shape the state machine knows, at every cap.
    #[test]
    fn spans_agree_with_the_byte_machine() {
        let parts: [&[u8]; 14] = [
            b"<a>",
            b"</a>",
            b"text",
            b"\n",
            b"&amp;",
            b"&#229;",
            b"<b x=\"1>2\">",
            b"<c y='\n'/>",
            b"<!-- <d> -->",
            b"<![CDATA[x]]y]]>",
            b"<?pi a?>",
            b"\xc3\xa6\xc3\xb8",
            b";",
            b"&",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..1000 {
            let mut doc = b"<?xml version=\"1.0\"?>\n<r>".to_vec();
            for _ in 0..(next() % 60) {
                doc.extend_from_slice(parts[(next() % parts.len() as u64) as usize]);
            }
            doc.extend_from_slice(b"</r>");
            let max = 1 + next() % 12;
            let chunk = 1 + (next() % 19) as usize;
            let run = |spans: bool| {
                let mut r = TextCap::with_max(&doc[..], max);
                r.spans = spans;
                let mut out = Vec::new();
                let mut buf = vec![0u8; chunk];
                loop {
                    let n = r.read(&mut buf).unwrap();
                    if n == 0 {
                        break;
                    }
                    out.extend_from_slice(&buf[..n]);
                }
                let lines: Vec<u64> = (1..8).map(|l| r.input_line(l)).collect();
                (out, r.cuts(), lines, r.line, r.column)
            };
            assert_eq!(run(true), run(false), "{:?} max {max} chunk {chunk}", String::from_utf8_lossy(&doc));
        }
    }

    #[test]
    fn tags_pass_whole_and_keep_the_position() {
        // A `>` and a newline inside quoted attribute values are markup, not the tag's end.
        let doc = "<a x=\"1>2\"\n y='3\n>'>\n<b c=\"d\">abcdef</b></a>";
        let (out, cuts) = cap(doc.as_bytes(), 2);
        assert_eq!(String::from_utf8(out).unwrap(), "<a x=\"1>2\"\n y='3\n>'>\n<b c=\"d\">ab</b></a>");
        assert_eq!(cuts, vec![Cut { line: 4, column: 10, bytes: 6 }]);
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
