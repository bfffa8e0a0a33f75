//! Errors a person can act on: samla's one error type ([`samla_noark5::Error`]: the file,
//! where in it, what was wrong and what to do), with the constructors washing needs.

use std::path::Path;

pub use samla_noark5::{Error, ErrorKind};

/// Shorthand for results in this crate.
pub type Result<T> = std::result::Result<T, Error>;

fn shown(file: &Path) -> String {
    file.display().to_string()
}

fn with_hint(e: Error, hint: impl Into<String>) -> Error {
    let hint = hint.into();
    if hint.is_empty() { e } else { e.with_hint(hint) }
}

/// `file` does not hold what washing needs; no position.
pub fn invalid(file: &Path, what: impl Into<String>, hint: impl Into<String>) -> Error {
    with_hint(Error::new(ErrorKind::Content, shown(file), what), hint)
}

/// `file` does not hold what washing needs, at 1-based `line:column`.
pub fn invalid_at(file: &Path, line: u64, column: u64, what: impl Into<String>, hint: impl Into<String>) -> Error {
    invalid(file, what, hint).at(samla_noark5::pos::Pos { line, column })
}

/// Bytes that are not UTF-8: `at` is the offset of the first bad byte in `bytes`,
/// whose first line is line `first_line` of the file.
pub fn not_utf8(file: &Path, bytes: &[u8], at: usize, first_line: u64, hint: &str) -> Error {
    let before = &bytes[..at];
    let line = first_line + before.iter().filter(|&&b| b == b'\n').count() as u64;
    let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[start..]).chars().count() as u64 + 1;
    let mut e = invalid_at(file, line, column, format!("byte 0x{:02X} is not UTF-8", bytes[at]), hint);
    e.kind = ErrorKind::Encoding;
    e
}

/// An I/O error on `file`, with what to check.
pub fn io(file: &Path, e: std::io::Error) -> Error {
    let hint = match e.kind() {
        std::io::ErrorKind::NotFound => "check the path; paths in a job file are relative to the job file",
        std::io::ErrorKind::PermissionDenied => "check the file's permissions",
        _ => "check the file and the disk",
    };
    Error::io(shown(file), e).with_hint(hint)
}

/// An error of the extract reader, kept whole, with `hint` if it has none.
pub fn extract(e: Error, hint: &str) -> Error {
    if e.hint.is_some() || hint.is_empty() { e } else { e.with_hint(hint) }
}
