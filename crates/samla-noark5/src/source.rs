//! Where an extract's files come from: a directory, a tar of an extract, or a DIAS
//! package tar whose extract sits under `<uuid>/content/`.
//!
//! A tar is indexed once (names, sizes and data offsets) and its members are then read
//! in place, never unpacked to disk. Member names that climb out of the extract (`../`,
//! absolute paths) are refused, and symbolic links are never followed.
//!
//! Nothing a tar or folder holds is dropped silently: what is not read as a regular file
//! (a link, a device, a sparse member), a name stored twice, and a name that is not UTF-8
//! (read under its bytes, `\xE6rlig.pdf`) are each listed as an [`Irregular`] entry.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};

/// Names the document folder may have, in the order they are preferred.
pub const DOCUMENT_FOLDERS: [&str; 4] = ["DOKUMENT", "dokumenter", "dokument", "DOKUMENTER"];

#[derive(Debug, Clone)]
enum Root {
    Dir(PathBuf),
    Tar(PathBuf),
}

impl Root {
    /// Where the bytes of the file at `rel` (from the root) are: the file that holds them,
    /// and their offset in it.
    fn place(&self, rel: &str, entry: FileEntry) -> (PathBuf, u64) {
        match self {
            Root::Dir(dir) => (dir.join(rel), 0),
            Root::Tar(tar) => (tar.clone(), entry.offset),
        }
    }
}

/// One file of the extract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileEntry {
    /// Size in bytes.
    pub size: u64,
    /// Offset of the data inside the tar (0 for directories).
    offset: u64,
    /// Modification time in seconds since 1970 (negative before), as stored.
    pub mtime: i64,
}

/// An extract opened for reading. See the module docs.
///
/// ```no_run
/// use std::io::Read;
/// let extract = samla_noark5::Extract::open("uttrekk.tar".as_ref())?;
/// let mut xml = String::new();
/// extract.open_file("arkivuttrekk.xml")?.read_to_string(&mut xml)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Extract {
    root: Root,
    /// Prefix of the extract inside the root ("" or "<uuid>/content/").
    prefix: String,
    /// Files of the extract, by path relative to the extract, with `/` separators.
    files: BTreeMap<String, FileEntry>,
    /// Files of the root outside the extract (package metadata of a DIAS package).
    outside: BTreeMap<String, FileEntry>,
    /// What was not read as a regular file, or not as stored: listed so that it is
    /// reported, never followed or chosen silently.
    skipped: Vec<Irregular>,
}

/// An entry of a folder or tar that is not read as a plain regular file under its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Irregular {
    /// The entry's name, relative to the folder or tar (non-UTF-8 bytes as `\xNN`).
    pub name: String,
    /// What it is.
    pub what: Irregularity,
}

/// See [`Irregular`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Irregularity {
    /// A symbolic or hard link: never followed.
    Link,
    /// A device, pipe or other special entry: never read.
    Special,
    /// A GNU sparse tar member: its data is not read (it would need the holes filled).
    Sparse,
    /// The name is stored more than once; the last copy is read, as `tar -x` would keep it.
    Duplicate,
    /// The name is not UTF-8; the file is read under its bytes written as `\xNN`.
    NotUtf8,
    /// A file in a folder whose name is not UTF-8: not read (its name cannot be carried
    /// into an extract's listings).
    NotUtf8Unread,
}

impl std::fmt::Display for Irregular {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.what {
            Irregularity::Link => "a link, never followed",
            Irregularity::Special => "a device or other special file, never read",
            Irregularity::Sparse => "a sparse tar member, not read",
            Irregularity::Duplicate => "stored more than once; only the last copy is read",
            Irregularity::NotUtf8 => "a name that is not UTF-8, read under its bytes",
            Irregularity::NotUtf8Unread => "a name that is not UTF-8, not read",
        };
        write!(f, "{}: {what}", self.name)
    }
}

impl Extract {
    /// Opens a directory or a tar file and finds the extract inside it.
    pub fn open(path: &Path) -> Result<Extract> {
        let shown = path.display().to_string();
        let (root, all, skipped) = list(path)?;
        let described = || described_prefix(&root, &all);
        let prefix = find_prefix(&all).or_else(described).ok_or_else(|| {
            Error::new(ErrorKind::Missing, shown.clone(), "no arkivstruktur.xml found in the extract").with_hint(
                "a Noark 5 extract holds arkivstruktur.xml at its top level (or under <uuid>/content/ in a DIAS package); check that this is the right folder or tar",
            )
        })?;
        let mut files = BTreeMap::new();
        let mut outside = BTreeMap::new();
        for (name, entry) in all {
            match name.strip_prefix(&prefix) {
                Some(rel) => files.insert(rel.to_string(), entry),
                None => outside.insert(name, entry),
            };
        }
        Ok(Extract { root, prefix, files, outside, skipped })
    }

    /// Opens any folder or tar to read its files as they are stored (a DIAS package, a
    /// BagIt bag), without looking for an extract inside: [`files`](Self::files) are
    /// then the paths from the root, and [`prefix`](Self::prefix) is empty.
    pub fn open_package(path: &Path) -> Result<Extract> {
        let (root, files, skipped) = list(path)?;
        Ok(Extract { root, prefix: String::new(), files, outside: BTreeMap::new(), skipped })
    }

    /// True when the extract was read from a tar file.
    pub fn is_tar(&self) -> bool {
        matches!(self.root, Root::Tar(_))
    }

    /// The directory or tar file the extract was opened from.
    pub fn location(&self) -> &Path {
        match &self.root {
            Root::Dir(p) | Root::Tar(p) => p,
        }
    }

    /// The prefix of the extract inside the tar or directory, such as `<uuid>/content/`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The extract's files (relative paths with `/`) and their sizes, sorted by path.
    pub fn files(&self) -> impl Iterator<Item = (&str, u64)> {
        self.files.iter().map(|(k, v)| (k.as_str(), v.size))
    }

    /// Files of a DIAS package outside `content/`.
    pub fn package_files(&self) -> impl Iterator<Item = (&str, u64)> {
        self.outside.iter().map(|(k, v)| (k.as_str(), v.size))
    }

    /// Whether the extract holds a file stored exactly as `name` (case and all).
    pub fn has_exactly(&self, name: &str) -> bool {
        self.files.contains_key(name)
    }

    /// The path of `name` as stored, matched exactly or else case-insensitively.
    pub fn find(&self, name: &str) -> Option<&str> {
        let name = name.replace('\\', "/");
        let name = name.trim_start_matches("./");
        if let Some((k, _)) = self.files.get_key_value(name) {
            return Some(k);
        }
        self.files.keys().find(|k| k.eq_ignore_ascii_case(name)).map(String::as_str)
    }

    /// Modification time of `name` in seconds since 1970, if present.
    pub fn mtime(&self, name: &str) -> Option<i64> {
        self.find(name).map(|k| self.files[k].mtime)
    }

    /// Size of `name`, if present (see [`find`](Self::find)).
    pub fn size(&self, name: &str) -> Option<u64> {
        self.find(name).map(|k| self.files[k].size)
    }

    /// How `name` is shown to a user: the path on disk, or `archive.tar!member`.
    pub fn display(&self, name: &str) -> String {
        match &self.root {
            Root::Dir(dir) => dir.join(&self.prefix).join(name).display().to_string(),
            Root::Tar(tar) => format!("{}!{}{}", tar.display(), self.prefix, name),
        }
    }

    /// The key of file `name` (see [`find`](Self::find)), or the error that it is missing.
    fn key(&self, name: &str) -> Result<&str> {
        self.find(name).ok_or_else(|| {
            Error::new(ErrorKind::Missing, self.display(name), format!("{name} is missing from the extract"))
                .with_hint("the extract is incomplete; ask the vendor for a complete extract")
        })
    }

    /// Opens file `name` (see [`find`](Self::find)) for streaming.
    pub fn open_file(&self, name: &str) -> Result<Box<dyn Read + Send>> {
        let key = self.key(name)?;
        let entry = self.files[key];
        let (path, base) = self.root.place(&format!("{}{key}", self.prefix), entry);
        let mut file = File::open(&path).map_err(|e| Error::io(path.display().to_string(), e))?;
        if !self.is_tar() {
            return Ok(Box::new(file));
        }
        file.seek(SeekFrom::Start(base)).map_err(|e| Error::io(self.display(key), e))?;
        Ok(Box::new(file.take(entry.size)))
    }

    /// The bytes of file `name` at `ranges` (offsets in that file), joined: a part of a
    /// large file read in place, as an index that kept where its units are reads them.
    pub fn read_ranges(&self, name: &str, ranges: &[std::ops::Range<u64>]) -> Result<Vec<u8>> {
        use std::os::unix::fs::FileExt;
        let key = self.key(name)?;
        let entry = self.files[key];
        if let Some(r) = ranges.iter().find(|r| r.start > r.end || r.end > entry.size) {
            return Err(Error::new(
                ErrorKind::Content,
                self.display(key),
                format!("bytes {}..{} lie outside the file, which holds {}", r.start, r.end, entry.size),
            )
            .with_hint("the file changed after it was indexed; index it again"));
        }
        let (path, base) = self.root.place(&format!("{}{key}", self.prefix), entry);
        let file = File::open(&path).map_err(|e| Error::io(path.display().to_string(), e))?;
        let mut out = vec![0; ranges.iter().map(|r| (r.end - r.start) as usize).sum()];
        let mut at = 0;
        for r in ranges {
            let n = (r.end - r.start) as usize;
            file.read_exact_at(&mut out[at..at + n], base + r.start).map_err(|e| Error::io(self.display(key), e))?;
            at += n;
        }
        Ok(out)
    }

    /// Entries not read as plain regular files under their names (links, devices, sparse
    /// members, names stored twice or not in UTF-8): listed so that they are reported.
    pub fn skipped(&self) -> &[Irregular] {
        &self.skipped
    }

    /// The document folder present in the extract (`DOKUMENT`, `dokumenter`, … in any case).
    pub fn document_folder(&self) -> Option<String> {
        let tops: std::collections::BTreeSet<&str> =
            self.files.keys().filter_map(|k| k.split_once('/')).map(|(top, _)| top).collect();
        DOCUMENT_FOLDERS
            .iter()
            .find_map(|want| tops.iter().find(|t| t.eq_ignore_ascii_case(want)).map(|t| t.to_string()))
    }
}

type Listing = (Root, BTreeMap<String, FileEntry>, Vec<Irregular>);

/// Lists a folder or indexes a tar: its regular files, and what else it holds.
fn list(path: &Path) -> Result<Listing> {
    let meta = std::fs::metadata(path).map_err(|e| {
        Error::io(path.display().to_string(), e)
            .with_hint("give the path of an extract folder, or of a .tar holding one")
    })?;
    let mut skipped = Vec::new();
    if meta.is_dir() {
        let mut all = BTreeMap::new();
        list_dir(path, "", &mut all, &mut skipped)?;
        Ok((Root::Dir(path.to_path_buf()), all, skipped))
    } else {
        let all = index_tar(path, &mut skipped)?;
        Ok((Root::Tar(path.to_path_buf()), all, skipped))
    }
}

/// Without arkivstruktur.xml: the folder of an arkivuttrekk.xml that describes a Noark 5
/// extract (names arkivstruktur.xml), shallowest first, so that the extract is still
/// checked and the missing file reported, not refused.
fn described_prefix(root: &Root, all: &BTreeMap<String, FileEntry>) -> Option<String> {
    let mut candidates: Vec<&String> = all
        .keys()
        .filter(|k| k.rsplit('/').next().is_some_and(|f| f.eq_ignore_ascii_case("arkivuttrekk.xml")))
        .collect();
    candidates.sort_by_key(|k| (k.matches('/').count(), k.to_string()));
    candidates.into_iter().find_map(|k| {
        let entry = all[k];
        let mut head = Vec::new();
        let (path, base) = root.place(k, entry);
        let mut file = File::open(path).ok()?;
        file.seek(SeekFrom::Start(base)).ok()?;
        // In a tar, the member ends where the next begins.
        let head_len = if matches!(root, Root::Tar(_)) { entry.size.min(1 << 20) } else { 1 << 20 };
        file.take(head_len).read_to_end(&mut head).ok()?;
        memchr::memmem::find(&head, b"arkivstruktur").map(|_| match k.rfind('/') {
            Some(i) => k[..=i].to_string(),
            None => String::new(),
        })
    })
}

/// The folder holding arkivstruktur.xml, shallowest first.
fn find_prefix(all: &BTreeMap<String, FileEntry>) -> Option<String> {
    all.keys()
        .filter(|k| {
            let file = k.rsplit('/').next().unwrap_or(k);
            file.eq_ignore_ascii_case("arkivstruktur.xml")
        })
        .min_by_key(|k| (k.matches('/').count(), !k.contains("content/"), k.to_string()))
        .map(|k| match k.rfind('/') {
            Some(i) => k[..=i].to_string(),
            None => String::new(),
        })
}

fn list_dir(dir: &Path, rel: &str, out: &mut BTreeMap<String, FileEntry>, skipped: &mut Vec<Irregular>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir.display().to_string(), e))?;
        let name = entry.file_name();
        let rel_name = format!("{rel}{}", name.to_string_lossy());
        if name.to_str().is_none() {
            let shown = format!("{rel}{}", escape_name(name.as_encoded_bytes()));
            skipped.push(Irregular { name: shown, what: Irregularity::NotUtf8Unread });
            continue;
        }
        // symlink_metadata: links are listed as what they are and never followed.
        let meta =
            std::fs::symlink_metadata(entry.path()).map_err(|e| Error::io(entry.path().display().to_string(), e))?;
        if meta.is_dir() {
            list_dir(&entry.path(), &format!("{rel_name}/"), out, skipped)?;
        } else if meta.is_file() {
            let mtime = meta
                .modified()
                .ok()
                .map(|t| match t.duration_since(std::time::UNIX_EPOCH) {
                    Ok(d) => d.as_secs() as i64,
                    Err(e) => -(e.duration().as_secs() as i64),
                })
                .unwrap_or(0);
            out.insert(rel_name, FileEntry { size: meta.len(), offset: 0, mtime });
        } else {
            let what = if meta.file_type().is_symlink() { Irregularity::Link } else { Irregularity::Special };
            skipped.push(Irregular { name: rel_name, what });
        }
    }
    Ok(())
}

/// A name's bytes as text: UTF-8 as it is, any other byte as `\xNN`, so that two names
/// that differ only in such bytes stay apart.
pub fn escape_name(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    for chunk in raw.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// Checks that a member name stays inside the archive and returns it with `/` separators
/// (bytes that are not UTF-8 written as `\xNN`, see [`escape_name`]).
pub fn safe_member_name(raw: &[u8]) -> std::result::Result<String, String> {
    let name = escape_name(raw);
    let path = Path::new(&name);
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => return Err(format!("{name:?} climbs out of the archive with '..'")),
            Component::RootDir | Component::Prefix(_) => return Err(format!("{name:?} is an absolute path")),
        }
    }
    Ok(parts.join("/"))
}

/// The compression format a file's first bytes name, if any.
fn compressed(path: &Path) -> Option<&'static str> {
    let mut head = [0u8; 6];
    let n = File::open(path).and_then(|mut f| f.read(&mut head)).ok()?;
    let head = &head[..n];
    [
        (&b"\x1f\x8b"[..], "gzip-compressed"),
        (b"BZh", "bzip2-compressed"),
        (b"\xfd7zXZ\x00", "xz-compressed"),
        (b"\x28\xb5\x2f\xfd", "zstd-compressed"),
        (b"PK\x03\x04", "zip"),
    ]
    .into_iter()
    .find(|(magic, _)| head.starts_with(magic))
    .map(|(_, kind)| kind)
}

fn index_tar(path: &Path, skipped: &mut Vec<Irregular>) -> Result<BTreeMap<String, FileEntry>> {
    let shown = path.display().to_string();
    let file = File::open(path).map_err(|e| Error::io(shown.clone(), e))?;
    let mut archive = tar::Archive::new(file);
    let bad_tar = |e: io::Error| {
        Error::new(ErrorKind::Io, shown.clone(), format!("not a readable tar file: {e}"))
            .with_hint("give an extract folder, or an uncompressed .tar of one")
    };
    if let Some(kind) = compressed(path) {
        return Err(Error::new(ErrorKind::Io, shown.clone(), format!("a {kind} file, not a tar"))
            .with_hint("unpack it first (the extract must be an uncompressed .tar or a folder)"));
    }
    let length = std::fs::metadata(path).map_err(|e| Error::io(shown.clone(), e))?.len();
    if length < 512 {
        return Err(Error::new(
            ErrorKind::Io,
            shown.clone(),
            format!("the file holds {length} bytes, less than one tar block (512): it is not a tar"),
        )
        .with_hint("give an extract folder, or an uncompressed .tar of one"));
    }
    let mut out = BTreeMap::new();
    // The member before a damaged header, and where its data ended.
    let mut last: Option<(String, u64)> = None;
    for entry in archive.entries_with_seek().map_err(bad_tar)? {
        let entry = entry.map_err(|e| match &last {
            // The tar crate quotes the header's bytes, which may be any content: one short line.
            Some((name, end)) => {
                let said: String = e.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
                let said: String = said.chars().take(60).collect();
                Error::new(
                    ErrorKind::Io,
                    shown.clone(),
                    format!("the tar header after member {name:?} (its data ends at byte {end}) is damaged ({said}…)"),
                )
                .with_hint("that member's stated size is wrong or the tar is damaged; ask for the tar again")
            }
            None => bad_tar(e),
        })?;
        let raw = entry.path_bytes();
        let name = safe_member_name(&raw).map_err(|why| {
            Error::new(ErrorKind::UnsafePath, shown.clone(), format!("refusing tar member {why}"))
                .with_hint("the tar is unsafe to read; ask for a new package with relative member names")
        })?;
        let kind = entry.header().entry_type();
        if kind.is_symlink() || kind.is_hard_link() {
            if let Some(target) = entry.link_name_bytes() {
                safe_member_name(&target).map_err(|why| {
                    Error::new(
                        ErrorKind::UnsafePath,
                        shown.clone(),
                        format!("refusing link {name:?}: its target {why}"),
                    )
                })?;
            }
            skipped.push(Irregular { name, what: Irregularity::Link });
            continue;
        }
        if std::str::from_utf8(&raw).is_err() {
            skipped.push(Irregular { name: name.clone(), what: Irregularity::NotUtf8 });
        }
        // Old tars mark directories only by a trailing slash on a "regular" entry.
        let directory = raw.ends_with(b"/");
        if directory || kind.is_dir() {
            continue;
        }
        // A sparse member's size is the file's, not what the tar stores of it.
        let end = entry.raw_file_position() + entry.header().entry_size().unwrap_or(0);
        last = Some((name.clone(), end));
        if end > length {
            return Err(Error::new(
                ErrorKind::Io,
                shown.clone(),
                format!("the tar is truncated: member {name:?} needs {end} bytes, the file holds {length}"),
            )
            .with_hint("the copy is incomplete; ask for the tar again and compare its checksum"));
        }
        if kind.is_gnu_sparse() {
            skipped.push(Irregular { name, what: Irregularity::Sparse });
        } else if kind.is_file() || kind == tar::EntryType::Continuous {
            let mtime = entry.header().mtime().unwrap_or(0) as i64;
            let stored = FileEntry { size: entry.size(), offset: entry.raw_file_position(), mtime };
            if out.insert(name.clone(), stored).is_some()
                && !skipped.iter().any(|s| s.name == name && s.what == Irregularity::Duplicate)
            {
                skipped.push(Irregular { name, what: Irregularity::Duplicate });
            }
        } else if !kind.is_pax_global_extensions()
            && !kind.is_pax_local_extensions()
            && !kind.is_gnu_longname()
            && !kind.is_gnu_longlink()
        {
            skipped.push(Irregular { name, what: Irregularity::Special });
        }
    }
    Ok(out)
}
