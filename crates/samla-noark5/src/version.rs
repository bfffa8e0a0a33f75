//! Which Noark 5 version an extract is: what arkivuttrekk.xml states, what the official XSDs
//! it carries are, and what its content shows. `inspect` and `check` both ask here, so they
//! say the same thing; the version is never assumed.

use std::fmt;
use std::io::Read;

use sha2::{Digest, Sha256};

use crate::model::Version;
use crate::schemas;
use crate::source::Extract;

/// How much of arkivstruktur.xml is read for a version-specific element name.
const SNIFF: u64 = 4 << 20;

/// What the content shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentVersion {
    /// v5.0, shown by the named element or folder.
    V5_0(&'static str),
    /// v3.1 or v4.0 (their element sets are the same), shown by the named element or folder.
    Before5_0(&'static str),
}

/// What tells the version of one extract.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionEvidence {
    /// arkivuttrekk.xml's `info/type/version`, as written.
    pub stated: Option<String>,
    /// The version of the official arkivstruktur.xsd (or other Noark 5 XSD) the extract carries.
    pub schemas: Option<Version>,
    /// What the content shows; looked at only when neither of the above tells.
    pub content: Option<ContentVersion>,
}

impl VersionEvidence {
    /// Gathers the evidence: `stated` is arkivuttrekk.xml's version, if there is one.
    pub fn gather(extract: &Extract, stated: Option<&str>) -> VersionEvidence {
        let mut evidence = VersionEvidence {
            stated: stated.map(str::to_string).filter(|s| !s.trim().is_empty()),
            schemas: carried_schemas(extract),
            content: None,
        };
        if evidence.stated.as_deref().and_then(Version::parse).is_none() && evidence.schemas.is_none() {
            evidence.content = content(extract);
        }
        evidence
    }

    /// The version to check against: the stated one, else the XSDs', else the content's. Where
    /// the content only tells "3.1 or 4.0", v4.0, whose schema is the laxer of the two.
    pub fn version(&self) -> Option<Version> {
        let by_content = self.content.map(|c| match c {
            ContentVersion::V5_0(_) => Version::V5_0,
            ContentVersion::Before5_0(_) => Version::V4_0,
        });
        self.stated.as_deref().and_then(Version::parse).or(self.schemas).or(by_content)
    }

    /// The stated version and the XSDs' when they disagree ("3.0" against v3.1).
    pub fn conflict(&self) -> Option<(&str, Version)> {
        let stated = self.stated.as_deref()?;
        let schemas = self.schemas?;
        (stated.trim() != schemas.as_str()).then_some((stated, schemas))
    }
}

impl fmt::Display for VersionEvidence {
    /// One line for the user: the version and how it is known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((stated, schemas)) = self.conflict() {
            return write!(f, "{stated} by arkivuttrekk.xml, {schemas} by the official XSDs the extract carries");
        }
        let stated = match self.stated.as_deref() {
            Some(s) if Version::parse(s).is_some() => return write!(f, "{s}"),
            Some(s) => format!("arkivuttrekk.xml states {s:?}, a version samla does not know"),
            None => "no version stated".to_string(),
        };
        // A stated version beside official XSDs is a conflict or agrees, both handled above.
        match (self.schemas, self.content) {
            (Some(v), _) => write!(f, "{v} by its official XSDs ({stated})"),
            (None, Some(ContentVersion::V5_0(why))) => write!(f, "5.0 by its content ({why}; {stated})"),
            (None, Some(ContentVersion::Before5_0(why))) => {
                write!(f, "3.1 or 4.0 by its content ({why}; {stated}), checked as 4.0")
            }
            (None, None) => write!(f, "unknown ({stated}, no official XSDs, nothing version-specific found)"),
        }
    }
}

/// The version of the official Noark 5 XSDs at the top of the extract, arkivstruktur.xsd first.
fn carried_schemas(extract: &Extract) -> Option<Version> {
    let mut names: Vec<&str> =
        extract.files().map(|(n, _)| n).filter(|n| n.ends_with(".xsd") && !n.contains('/')).collect();
    names.sort_by_key(|n| !n.eq_ignore_ascii_case("arkivstruktur.xsd"));
    names.into_iter().find_map(|name| {
        let mut hasher = Sha256::new();
        std::io::copy(&mut extract.open_file(name).ok()?, &mut hasher).ok()?;
        schemas::identify_as(name, &crate::hex(&hasher.finalize()))?.version
    })
}

/// What the content shows: element names only one side of v5.0 has (`part`, `grad` against
/// `sakspart`), read from the start of arkivstruktur.xml, then the document folder's name.
fn content(extract: &Extract) -> Option<ContentVersion> {
    let mut head = Vec::new();
    if let Ok(file) = extract.open_file("arkivstruktur.xml") {
        let _ = file.take(SNIFF).read_to_end(&mut head);
    }
    let has = |tag: &str| {
        let (plain, prefixed) = (format!("<{tag}>"), format!(":{tag}>"));
        memchr::memmem::find(&head, plain.as_bytes()).is_some()
            || memchr::memmem::find(&head, prefixed.as_bytes()).is_some()
    };
    if has("sakspart") {
        return Some(ContentVersion::Before5_0("sakspart"));
    }
    if has("part") || has("grad") {
        return Some(ContentVersion::V5_0(if has("part") { "part" } else { "grad" }));
    }
    match extract.document_folder()?.as_str() {
        "DOKUMENT" => Some(ContentVersion::V5_0("DOKUMENT/")),
        "dokumenter" => Some(ContentVersion::Before5_0("dokumenter/")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stated_version_comes_first_then_the_schemas_then_the_content() {
        let stated = VersionEvidence { stated: Some("5.0".into()), schemas: None, content: None };
        assert_eq!(stated.version(), Some(Version::V5_0));
        assert_eq!(stated.to_string(), "5.0");
        let both = VersionEvidence { stated: Some("3.0".into()), schemas: Some(Version::V3_1), content: None };
        assert_eq!(both.version(), Some(Version::V3_1));
        assert_eq!(both.conflict(), Some(("3.0", Version::V3_1)));
        let content = VersionEvidence { stated: None, schemas: None, content: Some(ContentVersion::Before5_0("x")) };
        assert_eq!(content.version(), Some(Version::V4_0));
        assert_eq!(VersionEvidence::default().version(), None);
        // A version samla does not know, beside what the content shows: both said.
        let odd =
            VersionEvidence { stated: Some("2.0".into()), schemas: None, content: Some(ContentVersion::V5_0("part")) };
        assert_eq!(odd.version(), Some(Version::V5_0));
        assert_eq!(
            odd.to_string(),
            "5.0 by its content (part; arkivuttrekk.xml states \"2.0\", a version samla does not know)"
        );
    }
}
