//! A fast tree builder for units written in plain XML.
//!
//! Nearly every unit the parallel reader cuts out (see [`crate::parallel`]) is plain:
//! UTF-8, start and end tags, quoted attributes, text with the predefined entities. This
//! builds such a unit's tree straight from its bytes, with no tokenizer in between and
//! no copy of the text before it is stored.
//!
//! At anything else (comments, CDATA, processing instructions, a malformed tag, an
//! escape that does not resolve, bytes that are not UTF-8) it gives up and returns
//! `None`; the caller then reads the unit with [`crate::xml::XmlReader`], which is the
//! reference for what the tree is and which reports errors with their position. So this
//! path never accepts what the careful one refuses, and never builds a different tree.

use memchr::{memchr, memchr2, memchr3};

use crate::element::{Element, Name, Span};
use crate::pos::Pos;
use crate::xml::finish_text;

/// Whitespace as XML knows it (not form feed, which Rust's ASCII whitespace includes).
fn space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// Builds the tree of `unit` (one element with everything under it), whose first byte
/// stands at `origin` and at byte `offset` in its file; `None` where the unit is not plain.
pub(crate) fn parse(unit: &[u8], origin: Pos, offset: u64) -> Option<Element> {
    let text = std::str::from_utf8(unit).ok()?;
    let lines = Lines { origin, counted: 0, newlines: 0, line_start: 0 };
    Parser { text, bytes: unit, at: 0, lines, offset }.unit()
}

/// Line counting over the bytes passed so far.
struct Lines {
    origin: Pos,
    /// Bytes counted so far.
    counted: usize,
    newlines: u64,
    /// Offset just after the last newline counted.
    line_start: usize,
}

impl Lines {
    /// The position of byte `offset`, counting the newlines before it.
    fn at(&mut self, bytes: &[u8], offset: usize) -> Pos {
        for i in memchr::memchr_iter(b'\n', &bytes[self.counted..offset]) {
            self.newlines += 1;
            self.line_start = self.counted + i + 1;
        }
        self.counted = offset;
        if self.newlines == 0 {
            Pos { line: self.origin.line, column: self.origin.column + offset as u64 }
        } else {
            Pos { line: self.origin.line + self.newlines, column: (offset - self.line_start) as u64 + 1 }
        }
    }
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    lines: Lines,
    /// Where `bytes` start in the file.
    offset: u64,
}

impl Parser<'_> {
    fn unit(&mut self) -> Option<Element> {
        if self.bytes.first() != Some(&b'<') {
            return None;
        }
        // Explicit stack, as in XmlReader::read_body: nesting depth is the input's to choose.
        let mut stack: Vec<Element> = Vec::new();
        // After an end tag (or an empty element), whitespace is layout and is skipped.
        let mut after_end = false;
        loop {
            let lt = self.at + memchr(b'<', &self.bytes[self.at..])?;
            if lt > self.at {
                let piece = &self.text[self.at..lt];
                let current = stack.last_mut()?;
                if !(after_end && piece.bytes().all(|b| b.is_ascii_whitespace())) {
                    if piece.contains('&') {
                        current.text.push_str(&quick_xml::escape::unescape(piece).ok()?);
                    } else {
                        current.text.push_str(piece);
                    }
                }
            }
            match *self.bytes.get(lt + 1)? {
                b'/' => {
                    let mut done = stack.pop()?;
                    let name_end = lt + 2 + done.name.len();
                    if self.bytes.get(lt + 2..name_end)? != done.name.as_bytes() {
                        return None;
                    }
                    let close = name_end + memchr(b'>', &self.bytes[name_end..])?;
                    if !self.bytes[name_end..close].iter().all(|&c| space(c)) {
                        return None;
                    }
                    self.at = close + 1;
                    after_end = true;
                    finish_text(&mut done);
                    if let Some(span) = &mut done.span {
                        span.end = self.offset + self.at as u64;
                    }
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(done),
                        // The unit ends with its root's end tag.
                        None => return (self.at == self.bytes.len()).then_some(done),
                    }
                }
                b'!' | b'?' => return None,
                _ => {
                    let pos = self.lines.at(self.bytes, lt);
                    let (mut element, empty) = self.start_tag(lt, pos)?;
                    let end = if empty { self.at } else { lt };
                    element.span = Some(Span { start: self.offset + lt as u64, end: self.offset + end as u64 });
                    after_end = empty;
                    if empty {
                        match stack.last_mut() {
                            Some(parent) => parent.children.push(element),
                            None => return (self.at == self.bytes.len()).then_some(element),
                        }
                    } else {
                        if stack.len() >= crate::xml::MAX_DEPTH {
                            // The careful reader reports it, with the position.
                            return None;
                        }
                        stack.push(element);
                    }
                }
            }
        }
    }

    /// Reads the start tag at `lt`; moves past it. Returns the element and whether the
    /// tag was self-closing.
    fn start_tag(&mut self, lt: usize, pos: Pos) -> Option<(Element, bool)> {
        let b = self.bytes;
        let name_end = lt + 1 + b[lt + 1..].iter().position(|&c| space(c) || c == b'/' || c == b'>')?;
        let name = self.name(lt + 1, name_end)?;
        let mut element =
            Element { name, attrs: Vec::new(), text: String::new(), children: Vec::new(), pos, span: None };
        let mut i = name_end;
        loop {
            let spaced = i < b.len() && space(b[i]);
            while i < b.len() && space(b[i]) {
                i += 1;
            }
            match *b.get(i)? {
                b'>' => {
                    self.at = i + 1;
                    return Some((element, false));
                }
                b'/' => {
                    if *b.get(i + 1)? != b'>' {
                        return None;
                    }
                    self.at = i + 2;
                    return Some((element, true));
                }
                _ if !spaced => return None,
                _ => {
                    let key_end = i + memchr3(b'=', b'>', b'/', &b[i..])?;
                    let key = self.text[i..key_end].trim_end_matches([' ', '\t', '\r', '\n']);
                    if b[key_end] != b'=' || key.is_empty() || key.bytes().any(|c| matches!(c, b'<' | b'"' | b'\'')) {
                        return None;
                    }
                    let key_start = i;
                    i = key_end + 1;
                    while i < b.len() && space(b[i]) {
                        i += 1;
                    }
                    let quote = *b.get(i)?;
                    if quote != b'"' && quote != b'\'' {
                        return None;
                    }
                    let value_end = i + 1 + memchr2(quote, b'<', &b[i + 1..])?;
                    if b[value_end] != quote {
                        return None;
                    }
                    let raw = &self.text[i + 1..value_end];
                    let value = if raw.contains('&') {
                        quick_xml::escape::unescape(raw).ok()?.into_owned()
                    } else {
                        raw.to_string()
                    };
                    let key = self.name(key_start, key_start + key.len())?;
                    if element.attrs.iter().any(|(k, _)| *k == key) {
                        return None;
                    }
                    element.attrs.push((key, value));
                    i = value_end + 1;
                }
            }
        }
    }

    /// The interned name of the bytes `from..to`, which must look like an XML name.
    fn name(&mut self, from: usize, to: usize) -> Option<Name> {
        let raw = &self.bytes[from..to];
        let plain = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b':' | b'.' | b'-') || *c >= 0x80;
        if raw.is_empty() || raw[0].is_ascii_digit() || matches!(raw[0], b'.' | b'-') || !raw.iter().all(plain) {
            return None;
        }
        Some(Name::from(&self.text[from..to]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::XmlReader;

    /// Where the units of these tests start in their file.
    const AT: u64 = 1000;

    fn careful(unit: &[u8], origin: Pos) -> crate::Result<Element> {
        XmlReader::piece(unit, "f", origin).with_source_offset(AT).read_document()
    }

    fn plain(unit: &str, origin: Pos) -> Option<Element> {
        parse(unit.as_bytes(), origin, AT)
    }

    /// Every element's span, in document order.
    fn spans(tree: &Element) -> Vec<Option<crate::element::Span>> {
        tree.descendants().map(|e| e.span).collect()
    }

    /// Every unit the plain path builds is the tree the careful reader builds.
    #[test]
    fn builds_what_the_careful_reader_builds() {
        let origin = Pos { line: 7, column: 5 };
        let units = [
            "<mappe><systemID>a</systemID></mappe>",
            "<mappe xsi:type=\"saksmappe\">\n  <systemID>a</systemID>\n  <tittel>Byggesak &amp; dispensasjon &#229;</tittel>\n</mappe>",
            "<n5:mappe a='1'  b = \"x &lt; y\" ><tom/><tom /><t>\r\n tekst \r\n</t>\n</n5:mappe >",
            "<mappe><a> </a><b>\n</b>mixed<c/> tail </mappe>",
            "<mappe>\n\n<registrering>\n <x>\u{e6}\u{f8}\u{e5}</x></registrering>\n</mappe>",
            "<mappe/>",
            "<m><a><a><a>deep</a></a></a></m>",
        ];
        for unit in units {
            let built = plain(unit, origin).unwrap_or_else(|| panic!("plain: {unit}"));
            let reference = careful(unit.as_bytes(), origin).unwrap();
            assert_eq!(built, reference, "{unit}");
            assert_eq!(spans(&built), spans(&reference), "{unit}");
            // Each span is its element's bytes, from `<` to the end tag's `>`.
            assert_eq!(built.span.map(|s| (s.start, s.end)), Some((AT, AT + unit.len() as u64)), "{unit}");
            for e in built.descendants() {
                let s = e.span.unwrap();
                let bytes = &unit[(s.start - AT) as usize..(s.end - AT) as usize];
                assert!(bytes.starts_with(&format!("<{}", e.name)) && bytes.ends_with('>'), "{bytes}");
                assert!(bytes.ends_with("/>") || bytes.trim_end_matches([' ', '>']).ends_with(&*e.name), "{bytes}");
            }
        }
    }

    /// Positions of every element match the careful reader's, across lines.
    #[test]
    fn positions_match() {
        let unit = "<mappe>\n  <a>1</a><b\n x=\"2\">2</b>\n\t<c/></mappe>";
        let origin = Pos { line: 3, column: 9 };
        let a: Vec<Pos> = plain(unit, origin).unwrap().descendants().map(|e| e.pos).collect();
        let b: Vec<Pos> = careful(unit.as_bytes(), origin).unwrap().descendants().map(|e| e.pos).collect();
        assert_eq!(a, b);
        assert_eq!(a[0], origin);
        assert_eq!(a[2], Pos { line: 4, column: 11 });
        assert_eq!(a[3], Pos { line: 6, column: 2 });
    }

    /// Whatever is not plain is left to the careful reader, including every error.
    #[test]
    fn leaves_the_rest_to_the_careful_reader() {
        let units = [
            "<mappe><!-- note --><a>1</a></mappe>",
            "<mappe><a><![CDATA[x]]></a></mappe>",
            "<mappe><?pi x?></mappe>",
            "<mappe><a>1</b></mappe>",
            "<mappe><a>1</a>",
            "<mappe><a>x &nope; y</a></mappe>",
            "<mappe><a>x & y</a></mappe>",
            "<mappe a=1></mappe>",
            "<mappe a=\"1\" a=\"2\"></mappe>",
            "<mappe a=\"1\"b=\"2\"></mappe>",
            "<mappe a=\"<\"></mappe>",
            "<1mappe></1mappe>",
            "<mappe></mappe>trailing",
            "<mappe/ >",
            "text<mappe/>",
        ];
        for unit in units {
            assert!(plain(unit, Pos::default()).is_none(), "{unit}");
        }
        assert!(parse(b"<mappe>\xff</mappe>", Pos::default(), AT).is_none());
    }

    /// Differential test: units mutated at random (bytes replaced, inserted and removed,
    /// drawn from the characters that matter to markup) are built by the plain path only
    /// where the careful reader builds the same tree, positions included.
    #[test]
    fn never_differs_from_the_careful_reader_on_mutated_units() {
        let bases = [
            "<mappe xsi:type=\"saksmappe\">\n  <systemID>a1</systemID>\n  <tittel a='x'>Sak &amp; s\u{f8}knad</tittel>\n  <registrering>\n    <tom/>\n  </registrering>\n</mappe>",
            "<n5:mappe><b x=\"1\" y=\"2\">t</b><c/><d>&#229;&lt;</d></n5:mappe>",
        ];
        let alphabet = b"<>/&;#=\"' \t\r\n\x0c!?-:ax1\xc3\xa5\xff";
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let origin = Pos { line: 2, column: 3 };
        let (mut built, mut tried) = (0, 0);
        for _ in 0..20_000 {
            let mut unit = bases[next(bases.len())].as_bytes().to_vec();
            for _ in 0..1 + next(3) {
                let at = next(unit.len());
                match next(3) {
                    0 => unit[at] = alphabet[next(alphabet.len())],
                    1 => unit.insert(at, alphabet[next(alphabet.len())]),
                    _ => {
                        unit.remove(at);
                    }
                }
            }
            tried += 1;
            if let Some(tree) = parse(&unit, origin, AT) {
                built += 1;
                let careful = careful(&unit, origin);
                let text = String::from_utf8_lossy(&unit);
                let careful =
                    careful.unwrap_or_else(|e| panic!("plain built what the careful reader refuses ({e}): {text}"));
                assert_eq!(careful, tree, "{text}");
                let positions = |t: &Element| t.descendants().map(|e| e.pos).collect::<Vec<_>>();
                assert_eq!(positions(&careful), positions(&tree), "{text}");
                assert_eq!(spans(&careful), spans(&tree), "{text}");
            }
        }
        // Some mutations leave the unit plain (a changed letter in a text), most do not.
        assert!(built > tried / 20 && built < tried, "{built} of {tried} built");
    }
}
