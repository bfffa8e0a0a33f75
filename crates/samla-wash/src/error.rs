//! Errors a person can act on: the file, where in it, what was wrong and what to do.

use std::fmt;
use std::path::{Path, PathBuf};

/// Washing could not run. Nothing has been written when this is returned.
#[derive(Debug)]
pub struct Error {
    /// The file at fault (the job, a snapshot, an input or an output).
    pub file: PathBuf,
    /// 1-based line and column in the file, when the fault has a place.
    pub position: Option<(u64, u64)>,
    /// What was wrong.
    pub what: String,
    /// What to do about it.
    pub hint: String,
}

impl Error {
    /// An error without a position.
    pub fn new(file: &Path, what: impl Into<String>, hint: impl Into<String>) -> Error {
        Error { file: file.to_path_buf(), position: None, what: what.into(), hint: hint.into() }
    }

    /// An error at `line:column`.
    pub fn at(file: &Path, line: u64, column: u64, what: impl Into<String>, hint: impl Into<String>) -> Error {
        Error { file: file.to_path_buf(), position: Some((line, column)), what: what.into(), hint: hint.into() }
    }

    /// Bytes that are not UTF-8: `at` is the offset of the first bad byte in `bytes`,
    /// whose first line is line `first_line` of the file.
    pub fn not_utf8(file: &Path, bytes: &[u8], at: usize, first_line: u64, hint: &str) -> Error {
        let before = &bytes[..at];
        let line = first_line + before.iter().filter(|&&b| b == b'\n').count() as u64;
        let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&before[start..]).chars().count() as u64 + 1;
        Error::at(file, line, column, format!("byte 0x{:02X} is not UTF-8", bytes[at]), hint)
    }

    /// An I/O error on `file`.
    pub fn io(file: &Path, e: std::io::Error) -> Error {
        let hint = match e.kind() {
            std::io::ErrorKind::NotFound => "check the path; paths in a job file are relative to the job file",
            std::io::ErrorKind::PermissionDenied => "check the file's permissions",
            _ => "check the file and the disk",
        };
        Error::new(file, e.to_string(), hint)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": {}", self.what)?;
        if !self.hint.is_empty() {
            write!(f, " ({})", self.hint)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Shorthand for results in this crate.
pub type Result<T> = std::result::Result<T, Error>;
