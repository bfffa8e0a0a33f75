//! File names as Noark 4 writes them: DOS paths with `\`, any case, relative to the
//! extract or to its `DOKUMENT/` folder. They are resolved on disk, and every fallback
//! that was needed is said, so that a report shows how each file was found.

use std::collections::HashMap;
use std::fs;
use std::path::{Component, Path, PathBuf};

/// The entry of `dir` called `name`: exactly, or else the one entry whose name differs
/// only in ASCII case (the first in sorted order if there are several).
///
/// ```no_run
/// use samla_legacy::noark4::paths::find_entry;
/// let index = find_entry("uttrekk".as_ref(), "NOARKIH.XML"); // finds noarkih.xml too
/// ```
pub fn find_entry(dir: &Path, name: &str) -> Option<PathBuf> {
    let exact = dir.join(name);
    if exact.exists() {
        return Some(exact);
    }
    let mut matches: Vec<PathBuf> = fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .map(|e| e.path())
        .collect();
    matches.sort();
    matches.into_iter().next()
}

/// `relative` (with `/` separators) below `root`, each part found case-insensitively.
/// Parts that climb (`..`) or are absolute are refused.
pub fn resolve_case_insensitive(root: &Path, relative: &str) -> Option<PathBuf> {
    let mut path = root.to_path_buf();
    for part in relative.split('/').filter(|p| !p.is_empty() && *p != ".") {
        if part == ".." || Path::new(part).components().any(|c| !matches!(c, Component::Normal(_))) {
            return None;
        }
        path = find_entry(&path, part)?;
    }
    (path != root).then_some(path)
}

/// A fallback used to find a document file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fallback {
    /// `\` was read as a folder separator.
    Backslash,
    /// A leading `\`, `/` or drive letter (`C:`) was dropped: the path was taken as
    /// relative to the extract.
    Absolute,
    /// The path was found relative to the `DOKUMENT/` folder, not to the extract.
    DokumentFolder,
    /// A folder or file name differs in case from the one on disk.
    Case,
}

impl Fallback {
    /// What the fallback did, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            Fallback::Backslash => "read \\ as a folder separator",
            Fallback::Absolute => "dropped a leading \\ or drive letter, reading the path as relative to the extract",
            Fallback::DokumentFolder => "found the file relative to DOKUMENT/, not to the extract",
            Fallback::Case => "found the file under a name that differs in upper/lower case",
        }
    }
}

/// Where a document reference (VE.FILREF) led.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The file on disk, if one was found.
    pub path: Option<PathBuf>,
    /// The path relative to the extract folder, with `/`, as found (or as normalised if
    /// not found).
    pub relative: String,
    /// The fallbacks needed, in order.
    pub fallbacks: Vec<Fallback>,
    /// True if the reference climbs out of the extract (`..`); it is not followed.
    pub unsafe_path: bool,
}

/// Resolves document references below one extract folder, keeping a cache of folder
/// listings so that a million references do not list a folder a million times.
#[derive(Debug, Default)]
pub struct DocumentResolver {
    root: PathBuf,
    /// Lower-case name → real name, per folder listed.
    listings: HashMap<PathBuf, HashMap<String, String>>,
    dokument: Option<Option<String>>,
}

impl DocumentResolver {
    /// A resolver for the extract in `root`.
    pub fn new(root: &Path) -> Self {
        DocumentResolver { root: root.to_path_buf(), listings: HashMap::new(), dokument: None }
    }

    fn listing(&mut self, dir: &Path) -> &HashMap<String, String> {
        self.listings.entry(dir.to_path_buf()).or_insert_with(|| {
            let mut map = HashMap::new();
            if let Ok(entries) = fs::read_dir(dir) {
                let mut names: Vec<String> =
                    entries.filter_map(|e| e.ok()).filter_map(|e| e.file_name().into_string().ok()).collect();
                names.sort();
                for n in names.into_iter().rev() {
                    map.insert(n.to_lowercase(), n);
                }
            }
            map
        })
    }

    /// Finds `parts` below `base` (relative to root), part by part; notes a case fallback.
    fn walk(&mut self, base: &str, parts: &[&str], case: &mut bool) -> Option<String> {
        let mut rel = base.to_string();
        for part in parts {
            let dir = if rel.is_empty() { self.root.clone() } else { self.root.join(&rel) };
            let listing = self.listing(&dir);
            let real = if listing.values().any(|n| n == part) {
                part.to_string()
            } else {
                let found = listing.get(&part.to_lowercase())?.clone();
                *case = true;
                found
            };
            if !rel.is_empty() {
                rel.push('/');
            }
            rel.push_str(&real);
        }
        Some(rel)
    }

    fn dokument_folder(&mut self) -> Option<String> {
        if self.dokument.is_none() {
            let root = self.root.clone();
            let found = self.listing(&root).get("dokument").cloned().filter(|n| root.join(n).is_dir());
            self.dokument = Some(found);
        }
        self.dokument.clone().flatten()
    }

    /// Resolves one VE.FILREF.
    ///
    /// ```no_run
    /// use samla_legacy::noark4::paths::{DocumentResolver, Fallback};
    /// let mut resolver = DocumentResolver::new("uttrekk".as_ref());
    /// let r = resolver.resolve(r"2001\000123.PDF");
    /// assert!(r.fallbacks.contains(&Fallback::Backslash));
    /// ```
    pub fn resolve(&mut self, filref: &str) -> Resolved {
        let mut fallbacks = Vec::new();
        let mut s = filref.trim().to_string();
        if s.contains('\\') {
            fallbacks.push(Fallback::Backslash);
            s = s.replace('\\', "/");
        }
        let bytes = s.as_bytes();
        if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
            s = s[2..].to_string();
            fallbacks.push(Fallback::Absolute);
        }
        if s.starts_with('/') {
            s = s.trim_start_matches('/').to_string();
            if !fallbacks.contains(&Fallback::Absolute) {
                fallbacks.push(Fallback::Absolute);
            }
        }
        let parts: Vec<&str> = s.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
        let normalised = parts.join("/");
        if parts.is_empty() || parts.contains(&"..") {
            return Resolved { path: None, relative: normalised, fallbacks, unsafe_path: !parts.is_empty() };
        }
        let mut case = false;
        let mut found = self.walk("", &parts, &mut case).filter(|r| self.root.join(r).is_file());
        if found.is_none()
            && let Some(dokument) = self.dokument_folder()
        {
            let mut case_d = false;
            if let Some(r) = self.walk(&dokument, &parts, &mut case_d).filter(|r| self.root.join(r).is_file()) {
                fallbacks.push(Fallback::DokumentFolder);
                case = case_d;
                found = Some(r);
            }
        }
        if found.is_some() && case {
            fallbacks.push(Fallback::Case);
        }
        match found {
            Some(relative) => {
                Resolved { path: Some(self.root.join(&relative)), relative, fallbacks, unsafe_path: false }
            }
            None => Resolved { path: None, relative: normalised, fallbacks, unsafe_path: false },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_backslashes_case_and_the_dokument_folder() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("DOKUMENT/2001")).unwrap();
        fs::write(dir.path().join("DOKUMENT/2001/Brev.pdf"), b"%PDF").unwrap();
        let mut r = DocumentResolver::new(dir.path());

        let exact = r.resolve("DOKUMENT/2001/Brev.pdf");
        assert_eq!(exact.relative, "DOKUMENT/2001/Brev.pdf");
        assert!(exact.fallbacks.is_empty());

        let dos = r.resolve(r"\2001\BREV.PDF");
        assert_eq!(dos.relative, "DOKUMENT/2001/Brev.pdf");
        assert_eq!(dos.fallbacks, [Fallback::Backslash, Fallback::Absolute, Fallback::DokumentFolder, Fallback::Case]);

        let missing = r.resolve(r"2001\nope.pdf");
        assert!(missing.path.is_none());
        assert_eq!(missing.relative, "2001/nope.pdf");

        let climbing = r.resolve(r"..\..\etc\passwd");
        assert!(climbing.unsafe_path && climbing.path.is_none());
    }
}
