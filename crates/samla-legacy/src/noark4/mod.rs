//! Noark 4 extracts: `NOARKIH.XML` and its table files, read row by row and checked.
//!
//! A Noark 4 extract is a folder with an index, `NOARKIH.XML`, that names every table
//! (`TI.TABELL`), its attributes, and the file or files that hold its rows (`TI.FILNAVN`,
//! with the number of rows in each, `TI.ANTPOSTER`). Each table file is
//! `<X.TAB><X><FIELD>value</FIELD>…</X>…</X.TAB>`, in the encoding its own XML
//! declaration names; extracts mix ISO-8859-1 and UTF-8.
//!
//! - [`Noark4::open`] finds and reads the index, and resolves every table file through it
//!   (case-insensitively: vendors name files differently, DocuLive has `SAK.XML`).
//! - [`Noark4::rows`] streams one table as [`Row`]s, one at a time, so memory does not
//!   grow with the extract.
//! - [`check::check`] reads every table and reports what it finds as [`Finding`]s: row
//!   counts against `TI.ANTPOSTER`, foreign keys, duplicate keys, dates, encodings (a
//!   "Latin-1" file that is really cp1252) and document paths (`VE.FILREF`).
//!
//! ```no_run
//! use samla_legacy::noark4::Noark4;
//! let extract = Noark4::open("uttrekk/".as_ref())?;
//! let mut rows = extract.rows("JOURNPOST")?;
//! while let Some(row) = rows.next_row()? {
//!     println!("{} {}", row.get("JP.ID").unwrap_or("?"), row.get("JP.INNHOLD").unwrap_or(""));
//! }
//! # Ok::<(), samla_noark5::Error>(())
//! ```

pub mod check;
pub mod convert;
pub mod dates;
pub mod ids;
pub mod index;
pub mod paths;
pub mod table;

use std::path::{Path, PathBuf};

use samla_noark5::{Error, ErrorKind, Result};

pub use check::{Report, check};
pub use index::{Index, TableFile, TableInfo};
pub use table::{Field, Row, Rows};

/// The name of the index file, matched case-insensitively.
pub const INDEX_FILE: &str = "NOARKIH.XML";

pub use samla_noark5::finding::{Finding, Severity};

/// The two-letter field prefix of the core tables, such as `JP` for JOURNPOST.
///
/// Vendors name the tables differently (JOURNPST, DOKVERS, SAK); this maps the names in
/// use to the table's field prefix, which does not vary.
///
/// ```
/// use samla_legacy::noark4::table_prefix;
/// assert_eq!(table_prefix("JOURNPST"), Some("JP"));
/// assert_eq!(table_prefix("dokversjon"), Some("VE"));
/// assert_eq!(table_prefix("TGKODE"), None);
/// ```
pub fn table_prefix(table: &str) -> Option<&'static str> {
    let t = table.to_ascii_uppercase();
    Some(match t.as_str() {
        "ARKIV" => "AR",
        "ARKIVDEL" => "AD",
        "ARKIVPERIODE" | "ARKIVPER" => "AP",
        "ORDNPRINS" | "ORDNPRI" => "OP",
        "ORDNVERDI" | "ORDNVERD" => "OV",
        "NOARKSAK" | "SAK" => "SA",
        "JOURNPOST" | "JOURNPST" => "JP",
        "DOKLINK" => "DL",
        "DOKBESKRIV" | "DOKBESK" => "DB",
        "DOKVERSJON" | "DOKVERS" | "DOKVER" => "VE",
        "AVSMOT" => "AM",
        "SAKSPART" | "SAKPART" => "SP",
        "KLASSERING" | "KLASS" => "KL",
        "MERKNAD" => "ME",
        "ADMINDEL" => "AI",
        "PERSON" => "PE",
        "PERNAVN" => "PN",
        _ => return None,
    })
}

/// A Noark 4 extract on disk: its folder and its index.
#[derive(Debug, Clone)]
pub struct Noark4 {
    /// The folder that holds `NOARKIH.XML`.
    pub root: PathBuf,
    /// The index file's path.
    pub index_path: PathBuf,
    /// The index.
    pub index: Index,
}

impl Noark4 {
    /// Opens the extract in `dir`: finds `NOARKIH.XML` (in `dir`, or in a `DATA/` or
    /// `content/` folder below it, in any case) and reads it.
    pub fn open(dir: &Path) -> Result<Noark4> {
        let candidates = [vec![], vec!["DATA"], vec!["content"], vec!["content", "DATA"]];
        for sub in candidates {
            let mut folder = dir.to_path_buf();
            let mut found = true;
            for part in sub {
                match paths::find_entry(&folder, part) {
                    Some(p) if p.is_dir() => folder = p,
                    _ => {
                        found = false;
                        break;
                    }
                }
            }
            if !found {
                continue;
            }
            if let Some(index_path) = paths::find_entry(&folder, INDEX_FILE).filter(|p| p.is_file()) {
                let name = index_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let file =
                    std::fs::File::open(&index_path).map_err(|e| Error::io(index_path.display().to_string(), e))?;
                let index = Index::read(file, &name)?;
                return Ok(Noark4 { root: folder, index_path, index });
            }
        }
        if !dir.is_dir() {
            return Err(Error::new(ErrorKind::Missing, dir.display().to_string(), "no such folder")
                .with_hint("point samla at the folder of the Noark 4 extract, the one that holds NOARKIH.XML"));
        }
        Err(Error::new(ErrorKind::Missing, dir.display().to_string(), "NOARKIH.XML is missing").with_hint(
            "a Noark 4 extract has its index NOARKIH.XML at the top (or in DATA/); point samla at that folder, \
                 or ask the depositor for the index",
        ))
    }

    /// The table called `name` in the index (case-insensitive; the vendors' other names
    /// for the core tables, such as JOURNPST for JOURNPOST, are found too).
    pub fn table(&self, name: &str) -> Option<&TableInfo> {
        self.index.table(name)
    }

    /// The path on disk of a file named in the index, found case-insensitively, with
    /// `\` read as a folder separator. `None` if there is no such file.
    pub fn resolve_table_file(&self, name: &str) -> Option<PathBuf> {
        paths::resolve_case_insensitive(&self.root, &name.replace('\\', "/"))
    }

    /// Streams the rows of table `name`, file after file, in index order.
    ///
    /// A table the index does not name, or a file it names that is not there, is an error
    /// that says which and what to do.
    pub fn rows(&self, name: &str) -> Result<table::TableRows<'_>> {
        let info = self.table(name).ok_or_else(|| {
            Error::new(ErrorKind::Missing, self.index.file.clone(), format!("the index names no table {name}"))
                .with_hint("see TI.TABELL in NOARKIH.XML for the tables this extract holds")
        })?;
        Ok(table::TableRows::new(self, info))
    }

    /// Opens one file of a table.
    pub fn open_file(&self, table: &TableInfo, file: &TableFile) -> Result<Rows> {
        let path = self.resolve_table_file(&file.name).ok_or_else(|| self.missing_file(table, file))?;
        Rows::open(&path, &file.name, &table.name)
    }

    /// Every table file the index names that is not in the extract, in one error that lists
    /// them all (at the position of the first); `Ok` when all are there.
    pub fn require_table_files(&self) -> Result<()> {
        let missing: Vec<(&TableInfo, &TableFile)> = self
            .index
            .tables
            .iter()
            .flat_map(|t| t.files.iter().map(move |f| (t, f)))
            .filter(|(_, f)| self.resolve_table_file(&f.name).is_none())
            .collect();
        let Some(&(table, file)) = missing.first() else { return Ok(()) };
        let mut e = self.missing_file(table, file);
        if missing.len() > 1 {
            let all: Vec<String> = missing.iter().map(|(t, f)| format!("{} ({})", f.name, t.name)).collect();
            e.message = format!(
                "{} table files named in the index are not in {}: {}",
                missing.len(),
                self.root.display(),
                all.join(", ")
            );
        }
        Err(e)
    }

    fn missing_file(&self, table: &TableInfo, file: &TableFile) -> Error {
        let mut e = Error::new(
            ErrorKind::Missing,
            self.index.file.clone(),
            format!("table {}: its file {} (TI.FILNAVN) is not in {}", table.name, file.name, self.root.display()),
        )
        .with_hint(
            "the extract is incomplete: ask the depositor for the missing file, or correct TI.FILNAVN in NOARKIH.XML",
        );
        if file.pos.line > 0 {
            e = e.at(file.pos);
        }
        e
    }
}
