//! Findings: what a check or a conversion found in an input that did not stop it, in one
//! model for every part of samla (the Noark 5 check, Noark 4 and ADDML, the merger): how
//! serious, a stable code, where (file, line:column, element, key) and what to do.

use std::fmt;

use serde::Serialize;

use crate::pos::Pos;

/// How serious a finding is (ordered from the least to the most).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, nothing wrong.
    Info,
    /// Probably a problem, or read only by a fallback; does not fail a check.
    Warning,
    /// The data is wrong or incomplete: a check fails (exit code 1).
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

/// Something found: where, in which element (or Noark 4 table) and row, what, and what to do.
///
/// ```
/// use samla_noark5::finding::{Finding, Severity};
/// let f = Finding::new(Severity::Error, "N4.FOREIGN_KEY", "JOURNPST.XML", "JP.SAID 7 is no SA.ID")
///     .in_element("JOURNPOST")
///     .with_key("JP.ID=12");
/// assert_eq!(f.to_string(), "error N4.FOREIGN_KEY JOURNPST.XML [JOURNPOST JP.ID=12]: JP.SAID 7 is no SA.ID");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How serious it is.
    pub severity: Severity,
    /// A stable code, such as `N4.FOREIGN_KEY` or `RUN.DOCUMENT_MISSING`.
    pub code: &'static str,
    /// The file it is in, relative to the input.
    pub file: String,
    /// Line and column in that file, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pos: Option<Pos>,
    /// The element path, or the Noark 4 table (TI.TABELL), where it concerns one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element: Option<String>,
    /// The row's primary key (`JP.ID=12`) or the unit's systemID, where it concerns one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Finding {
    /// A finding of `severity` and `code` in `file`.
    pub fn new(severity: Severity, code: &'static str, file: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            severity,
            code,
            file: file.into(),
            pos: None,
            element: None,
            key: None,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds the position.
    pub fn at(mut self, pos: Pos) -> Self {
        self.pos = Some(pos);
        self
    }

    /// Adds the element path or table.
    pub fn in_element(mut self, element: impl Into<String>) -> Self {
        self.element = Some(element.into());
        self
    }

    /// Adds the row key or systemID.
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// A finding of `code` for an error that stopped the reading of one file: its file,
    /// position, element and hint kept.
    pub fn from_error(code: &'static str, e: &crate::Error) -> Self {
        Finding {
            severity: Severity::Error,
            code,
            file: e.file.clone(),
            pos: e.pos,
            element: e.element.clone(),
            key: None,
            message: e.message.clone(),
            hint: e.hint.clone(),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.severity, self.code, self.file)?;
        if let Some(pos) = self.pos {
            write!(f, ":{pos}")?;
        }
        match (&self.element, &self.key) {
            (Some(element), Some(key)) => write!(f, " [{element} {key}]")?,
            (Some(element), None) => write!(f, " [{element}]")?,
            (None, Some(key)) => write!(f, " [{key}]")?,
            (None, None) => {}
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_reads_as_json_with_only_what_it_has() {
        let f = Finding::new(Severity::Warning, "RUN.DOCUMENT_MISSING", "ski/arkivstruktur.xml", "no file")
            .at(Pos { line: 3, column: 7 })
            .with_key("abc");
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(
            json,
            r#"{"severity":"warning","code":"RUN.DOCUMENT_MISSING","file":"ski/arkivstruktur.xml","pos":{"line":3,"column":7},"key":"abc","message":"no file"}"#
        );
        assert!(Severity::Error > Severity::Warning && Severity::Warning > Severity::Info);
    }
}
