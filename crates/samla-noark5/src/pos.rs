//! Line and column tracking for streamed XML.
//!
//! quick-xml reports byte offsets only. [`TrackingReader`] sits between the source and
//! the parser, counts newlines in the bytes the parser consumes, and keeps the offsets of
//! the most recent newlines so that an offset a little behind the parser (an event start,
//! an error) still resolves to an exact line and column without holding the file.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, BufRead, Read};

/// A position in a source file: 1-based line and 1-based column (in bytes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Pos {
    /// 1-based line number.
    pub line: u64,
    /// 1-based column, counted in bytes from the start of the line.
    pub column: u64,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// How many recent newline offsets are kept to resolve positions behind the parser.
const RECENT_NEWLINES: usize = 4096;

/// A buffered reader that counts the lines of everything consumed from it.
///
/// ```
/// use std::io::{BufRead, Read};
/// use samla_noark5::pos::TrackingReader;
///
/// let mut r = TrackingReader::new("ab\ncd\nef".as_bytes());
/// let mut s = String::new();
/// r.read_line(&mut s).unwrap();
/// r.read_line(&mut s).unwrap();
/// assert_eq!(r.pos_at(7).line, 3);
/// assert_eq!(r.pos_at(7).column, 2);
/// ```
pub struct TrackingReader<R> {
    inner: R,
    /// Bytes consumed so far.
    consumed: u64,
    /// Newlines consumed so far.
    newlines: u64,
    /// Offsets of the most recent newlines, oldest first.
    recent: VecDeque<u64>,
    /// Position of the first byte, when this reader reads a piece of a larger file.
    origin: Pos,
    /// Length of a UTF-8 byte order mark at the start (0 or 3).
    bom: u64,
    /// Offset just past the last newline consumed.
    line_start: u64,
    /// Bytes consumed since the last `<`: every XML value (a text, an attribute) lies
    /// inside one such run.
    run: u64,
    /// That `<`: its offset, the newlines before it, and the start of its line.
    run_start: (u64, u64, u64),
    /// The longest run allowed; past it, reading fails (see [`TrackingReader::overlong`]).
    max_run: u64,
}

impl<R: BufRead> TrackingReader<R> {
    /// Tracks what is consumed from `inner` (a `BufReader`, or a byte slice, which needs
    /// no copy at all).
    pub fn new(inner: R) -> Self {
        TrackingReader {
            inner,
            consumed: 0,
            newlines: 0,
            recent: VecDeque::new(),
            origin: Pos { line: 1, column: 1 },
            bom: 0,
            line_start: 0,
            run: 0,
            run_start: (0, 0, 0),
            max_run: u64::MAX,
        }
    }

    /// Fails reading once more than `max` bytes follow one another without a `<`, so that
    /// no single value of hostile input is held whole, whatever its size.
    pub fn with_max_run(mut self, max: u64) -> Self {
        self.max_run = max;
        self
    }

    /// Where a run longer than allowed began (its `<`), once reading failed on it.
    pub fn overlong(&self) -> Option<Pos> {
        let (offset, lines_before, line_start) = self.run_start;
        (self.run > self.max_run).then(|| self.pos_from(offset, lines_before, line_start))
    }

    fn pos_from(&self, offset: u64, lines_before: u64, line_start: u64) -> Pos {
        let column = offset.saturating_sub(line_start) + 1;
        if lines_before == 0 {
            Pos { line: self.origin.line, column: column + self.origin.column - 1 }
        } else {
            Pos { line: lines_before + self.origin.line, column }
        }
    }

    /// Reports positions as if the first byte stood at `origin` of a larger file.
    pub fn with_origin(mut self, origin: Pos) -> Self {
        self.origin = origin;
        self
    }

    /// Length of the UTF-8 byte order mark the input starts with (0 or 3). quick-xml
    /// counts its offsets from after it.
    pub fn bom(&self) -> u64 {
        self.bom
    }

    /// Number of bytes consumed so far.
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// The line and column of byte `offset`, which must not lie beyond what was consumed.
    ///
    /// Offsets further behind than the last few thousand lines resolve to the oldest known
    /// line, which is still the right neighbourhood.
    pub fn pos_at(&self, offset: u64) -> Pos {
        // Newlines at or after `offset` do not count toward its line.
        let after = self.recent.iter().rev().take_while(|&&nl| nl >= offset).count() as u64;
        let lines_before = self.newlines - after;
        let idx = self.recent.len() - after as usize;
        let line_start = if idx == 0 { if lines_before == 0 { 0 } else { offset } } else { self.recent[idx - 1] + 1 };
        self.pos_from(offset, lines_before, line_start)
    }
}

impl<R: BufRead> Read for TrackingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for TrackingReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.run > self.max_run {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "a value is longer than samla reads"));
        }
        let buf = self.inner.fill_buf()?;
        if self.consumed == 0 && buf.starts_with(b"\xEF\xBB\xBF") {
            self.bom = 3;
        }
        Ok(buf)
    }

    fn consume(&mut self, amt: usize) {
        // The bytes are still in the inner buffer: fill_buf returns them without reading.
        if let Ok(buf) = self.inner.fill_buf() {
            let amt = amt.min(buf.len());
            let lt = memchr::memrchr(b'<', &buf[..amt]);
            let mut lines_at_lt = None;
            for i in memchr::memchr_iter(b'\n', &buf[..amt]) {
                if lt.is_some_and(|lt| i > lt) && lines_at_lt.is_none() {
                    lines_at_lt = Some((self.newlines, self.line_start));
                }
                if self.recent.len() == RECENT_NEWLINES {
                    self.recent.pop_front();
                }
                self.recent.push_back(self.consumed + i as u64);
                self.newlines += 1;
                self.line_start = self.consumed + i as u64 + 1;
            }
            match lt {
                Some(lt) => {
                    let (lines, line_start) = lines_at_lt.unwrap_or((self.newlines, self.line_start));
                    self.run = (amt - lt - 1) as u64;
                    self.run_start = (self.consumed + lt as u64, lines, line_start);
                }
                None => self.run += amt as u64,
            }
        }
        self.inner.consume(amt);
        self.consumed += amt as u64;
    }
}

impl Pos {
    /// The position of byte `offset` in `text` (a whole file held in memory, such as a
    /// job file); an offset past the end is the end.
    ///
    /// ```
    /// use samla_noark5::pos::Pos;
    /// assert_eq!(Pos::in_text("a = 1\nbb = x\n", 11), Pos { line: 2, column: 6 });
    /// ```
    pub fn in_text(text: &str, offset: usize) -> Pos {
        let before = &text.as_bytes()[..offset.min(text.len())];
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        Pos {
            line: before.iter().filter(|&&b| b == b'\n').count() as u64 + 1,
            column: (before.len() - line_start) as u64 + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consume_all(r: &mut TrackingReader<impl BufRead>) {
        loop {
            let n = r.fill_buf().unwrap().len();
            if n == 0 {
                break;
            }
            r.consume(n);
        }
    }

    #[test]
    fn positions_match_a_naive_count() {
        let text = "a\nbb\n\nccc\nd";
        let mut r = TrackingReader::new(std::io::BufReader::with_capacity(3, text.as_bytes()));
        consume_all(&mut r);
        for (offset, _) in text.char_indices() {
            let before = &text[..offset];
            let line = before.matches('\n').count() as u64 + 1;
            let col = offset - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
            assert_eq!(r.pos_at(offset as u64), Pos { line, column: col as u64 }, "offset {offset}");
        }
    }

    #[test]
    fn first_line_starts_at_column_one() {
        let mut r = TrackingReader::new("abc".as_bytes());
        consume_all(&mut r);
        assert_eq!(r.pos_at(0), Pos { line: 1, column: 1 });
        assert_eq!(r.pos_at(2), Pos { line: 1, column: 3 });
    }
}
