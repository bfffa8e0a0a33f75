//! Arkivverket's official XML Schemas, carried inside samla byte for byte.
//!
//! The files sit in `official/` beside this crate, with `official/SOURCES.md` giving each
//! one's origin, version and SHA-256. They are embedded with `include_bytes!`, so samla
//! validates on a machine with nothing beside it. This crate only carries them: which set is
//! in use and which digests are official is `samla_noark5::schemas`'s business, and feeding
//! them to libxml2 is `samla_xsd`'s.
//!
//! Each file is addressed by its path in `official/` (`noark5/v5_0/arkivstruktur.xsd`) or by
//! its URL ([`url`]), which an XSD loader resolves with [`resolve`], relative imports included:
//!
//! ```
//! let file = samla_schemas::get("noark5/v5_0/arkivstruktur.xsd").unwrap();
//! assert!(file.bytes.starts_with(b"<?xml"));
//! let url = samla_schemas::url(file.path);
//! assert_eq!(url, "samla-schemas:/noark5/v5_0/arkivstruktur.xsd");
//! assert_eq!(samla_schemas::resolve(&url).unwrap().path, file.path);
//! // DIAS_METS.xsd imports XLink from the Library of Congress: that is the embedded copy.
//! let xlink = samla_schemas::resolve("http://www.loc.gov/standards/xlink/xlink.xsd").unwrap();
//! assert_eq!(xlink.path, "dias/xlink.xsd");
//! assert!(samla_schemas::resolve("http://example.org/other.xsd").is_none());
//! ```

/// One embedded schema file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct File {
    /// Path in the set, `/`-separated: `noark5/v5_0/arkivstruktur.xsd`, `addml/addml.xsd`,
    /// `dias/DIAS_METS.xsd`.
    pub path: &'static str,
    /// The file, unchanged.
    pub bytes: &'static [u8],
}

impl File {
    /// The file name: `arkivstruktur.xsd`.
    pub fn name(&self) -> &'static str {
        self.path.rsplit('/').next().unwrap_or(self.path)
    }
}

macro_rules! official {
    ($($path:literal),* $(,)?) => {
        &[$(File { path: $path, bytes: include_bytes!(concat!("../official/", $path)) }),*]
    };
}

/// Every embedded file, in the order of `official/SOURCES.md`.
pub const FILES: &[File] = official![
    "addml/addml.xsd",
    "addml/addml82.xsd",
    "dias/DIAS_METS.xsd",
    "dias/DIAS_PREMIS.xsd",
    "dias/info.xsd",
    "dias/xlink.xsd",
    "noark5/v3_1/arkivstruktur.xsd",
    "noark5/v3_1/endringslogg.xsd",
    "noark5/v3_1/loependeJournal.xsd",
    "noark5/v3_1/metadatakatalog.xsd",
    "noark5/v3_1/offentligJournal.xsd",
    "noark5/v4_0/arkivstruktur.xsd",
    "noark5/v4_0/endringslogg.xsd",
    "noark5/v4_0/loependeJournal.xsd",
    "noark5/v4_0/metadatakatalog.xsd",
    "noark5/v4_0/offentligJournal.xsd",
    "noark5/v5_0/arkivstruktur.xsd",
    "noark5/v5_0/endringslogg.xsd",
    "noark5/v5_0/loependeJournal.xsd",
    "noark5/v5_0/metadatakatalog.xsd",
    "noark5/v5_0/offentligJournal.xsd",
];

/// `official/SOURCES.md`: where each file comes from.
pub const SOURCES: &str = include_str!("../official/SOURCES.md");

/// The URL scheme under which the embedded files are loaded.
pub const SCHEME: &str = "samla-schemas:";

/// Network locations that the official schemas import from, and the embedded file that is
/// the same document. Nothing else is ever fetched.
pub const NETWORK_COPIES: &[(&str, &str)] = &[
    ("http://www.loc.gov/standards/xlink/xlink.xsd", "dias/xlink.xsd"),
    ("https://www.loc.gov/standards/xlink/xlink.xsd", "dias/xlink.xsd"),
];

/// The embedded file at `path` (`noark5/v5_0/arkivstruktur.xsd`).
pub fn get(path: &str) -> Option<&'static File> {
    FILES.iter().find(|f| f.path == path)
}

/// The URL an XSD loader opens for the embedded file at `path`.
pub fn url(path: &str) -> String {
    format!("{SCHEME}/{path}")
}

/// The embedded file a URL names: one of [`url`]'s (with `/`, `//` or `///` after the scheme,
/// as URI resolvers write it), or one of the [`NETWORK_COPIES`].
pub fn resolve(url: &str) -> Option<&'static File> {
    if let Some(rest) = url.strip_prefix(SCHEME) {
        return get(rest.trim_start_matches('/'));
    }
    NETWORK_COPIES.iter().find(|(from, _)| *from == url).and_then(|(_, to)| get(to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_is_listed_in_sources_once() {
        for f in FILES {
            assert_eq!(SOURCES.matches(&format!("| `{}` |", f.path)).count(), 1, "{} in SOURCES.md", f.path);
        }
        let rows = SOURCES.lines().filter(|l| l.starts_with("| `")).count();
        assert_eq!(rows, FILES.len(), "SOURCES.md lists files that are not embedded");
    }

    #[test]
    fn paths_resolve_only_inside_the_set() {
        assert!(resolve("samla-schemas:///dias/DIAS_METS.xsd").is_some());
        assert!(resolve("samla-schemas:/dias/../dias/DIAS_METS.xsd").is_none());
        assert!(resolve("samla-schemas:/nothing.xsd").is_none());
        assert!(resolve("/etc/passwd").is_none());
    }
}
