//! Errors that say where and what, and what to do about it.

use std::fmt;
use std::io;

use crate::pos::Pos;

/// What kind of problem stopped the reading or writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The file could not be opened, read or written.
    Io,
    /// The XML is not well-formed (truncated, mismatched tags, bad syntax).
    Xml,
    /// The bytes do not decode in the declared (or default UTF-8) encoding.
    Encoding,
    /// A required file is missing from the extract.
    Missing,
    /// A tar member or path points outside the extract (`../`, absolute paths, links).
    UnsafePath,
    /// The content is well-formed but not what Noark 5 or ADDML requires here.
    Content,
}

/// An error with its file, position, element path and a hint for the user.
#[derive(Debug)]
pub struct Error {
    /// The kind of problem.
    pub kind: ErrorKind,
    /// The file (path inside the extract, or on disk) the problem is in.
    pub file: String,
    /// Line and column, where known.
    pub pos: Option<Pos>,
    /// Element path such as `/arkiv/arkivdel/mappe`, where known.
    pub element: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What the user can do about it.
    pub hint: Option<String>,
    /// The underlying I/O error, if any.
    pub source: Option<io::Error>,
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error of `kind` in `file`.
    ///
    /// ```
    /// use samla_noark5::{Error, ErrorKind};
    /// let e = Error::new(ErrorKind::Missing, "uttrekk/", "arkivstruktur.xml is missing")
    ///     .with_hint("point samla at the folder that holds arkivstruktur.xml");
    /// assert!(e.to_string().contains("arkivstruktur.xml is missing"));
    /// ```
    pub fn new(kind: ErrorKind, file: impl Into<String>, message: impl Into<String>) -> Self {
        Error { kind, file: file.into(), pos: None, element: None, message: message.into(), hint: None, source: None }
    }

    /// An I/O error while working on `file`.
    pub fn io(file: impl Into<String>, err: io::Error) -> Self {
        let message = err.to_string();
        let mut e = Error::new(ErrorKind::Io, file, message);
        e.source = Some(err);
        e
    }

    /// Adds the position.
    pub fn at(mut self, pos: Pos) -> Self {
        self.pos = Some(pos);
        self
    }

    /// Adds the element path.
    pub fn in_element(mut self, path: impl Into<String>) -> Self {
        self.element = Some(path.into());
        self
    }

    /// Adds a hint saying what to do.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Longest text a message shows of a value; a value of the input may be any length.
pub const SHOWN: usize = 500;

/// `text`, cut to about `max` bytes at a character boundary, with how long it was.
///
/// ```
/// use samla_noark5::error::shorten;
/// assert_eq!(shorten("kort", 10), "kort");
/// assert_eq!(shorten(&"æ".repeat(10), 5), "ææ… (20 bytes in all)");
/// ```
pub fn shorten(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if text.len() <= max {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!("{}… ({} bytes in all)", &text[..end], text.len()))
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(pos) = self.pos {
            write!(f, ":{pos}")?;
        }
        write!(f, ": {}", shorten(&self.message, 4 * SHOWN))?;
        if let Some(element) = &self.element {
            write!(f, " (in {element})")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}
