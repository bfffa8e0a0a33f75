//! The checks of a Noark 4 extract: everything read once, everything found reported.
//!
//! [`check`] streams every table file the index names and reports:
//!
//! | code | what |
//! |---|---|
//! | `N4.INDEX` | NOARKIH.XML is incomplete (a TABELLINFO without TI.TABELL, a TI.ANTPOSTER that is no number) |
//! | `N4.TABLE_FILE_MISSING` | a file TI.FILNAVN names is not there |
//! | `N4.FILE_NAME_CASE` | a table file was found under a name that differs in case |
//! | `N4.READ` | a table file could not be read to its end (truncated, not well-formed, wrong encoding) |
//! | `N4.COUNT` | the rows read differ from TI.ANTPOSTER |
//! | `N4.ENCODING_CP1252` | a file declared ISO-8859-1 holds bytes 0x80–0x9F: it is windows-1252 |
//! | `N4.DUPLICATE_KEY` | SA.ID, JP.ID or DB.DOKID occurs twice |
//! | `N4.FOREIGN_KEY` | JP.SAID, DL.JPID, DL.DOKID, VE.DOKID or AM.JPID does not resolve |
//! | `N4.DATE_FORMAT` | a date written DD.MM.YYYY (read, but not Noark 4's YYYYMMDD) |
//! | `N4.DATE_TWO_DIGIT_YEAR` | a date with a two-digit year, read with the pivot |
//! | `N4.DATE_SENTINEL` | a date such as 00000000 or 19000101 that stands for "no date" |
//! | `N4.DATE_INVALID` | a date field that holds no date |
//! | `N4.PATH_FALLBACK` | a VE.FILREF was found only by a fallback (`\`, case, DOKUMENT/) |
//! | `N4.DOCUMENT_MISSING` | a VE.FILREF names no file in the extract |
//! | `N4.DOCUMENT_PATH` | a VE.FILREF climbs out of the extract (`..`) |
//!
//! Memory is bounded: one row at a time, and the keys that foreign keys point at are kept
//! as 128-bit hashes. The keyed tables (NOARKSAK, JOURNPOST, DOKBESKRIV) are read before
//! the tables that point into them.

use std::collections::{BTreeMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use samla_noark5::pos::Pos;

use super::dates::{self, DateValue};
use super::paths::DocumentResolver;
use super::{Finding, Noark4, Row, Severity, TableInfo, table_prefix};

/// How to check.
#[derive(Debug, Clone)]
pub struct Options {
    /// Findings kept per code; the rest are counted only (see [`Report::total`]).
    pub max_per_code: usize,
    /// Resolve every VE.FILREF on disk.
    pub documents: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { max_per_code: 1000, documents: true }
    }
}

/// The rows of one table file: stated and read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCount {
    /// The table (TI.TABELL).
    pub table: String,
    /// The file as the index names it.
    pub file: String,
    /// TI.ANTPOSTER, if stated.
    pub stated: Option<u64>,
    /// Rows read.
    pub read: u64,
    /// False if the file is missing or could not be read to its end.
    pub complete: bool,
}

/// What [`check`] found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The findings, in the order found, at most [`Options::max_per_code`] per code.
    pub findings: Vec<Finding>,
    /// Findings per code, including those not kept.
    pub totals: BTreeMap<&'static str, u64>,
    /// Rows per table file, in the order read.
    pub files: Vec<FileCount>,
    /// Document references (VE.FILREF) that resolved to a file.
    pub documents_found: u64,
}

impl Report {
    /// The number of findings with `code`, including those not kept.
    pub fn total(&self, code: &str) -> u64 {
        self.totals.get(code).copied().unwrap_or(0)
    }

    /// The number of findings at error level, including those not kept.
    pub fn errors(&self) -> u64 {
        self.count_at(Severity::Error)
    }

    /// The number of findings at `severity`, including those not kept.
    pub fn count_at(&self, severity: Severity) -> u64 {
        self.totals.iter().filter(|(code, _)| severity_of(code) == severity).map(|(_, n)| n).sum()
    }

    /// Rows read of `table` (name as in the index, any case), over all its files.
    pub fn rows(&self, table: &str) -> u64 {
        self.files.iter().filter(|f| f.table.eq_ignore_ascii_case(table)).map(|f| f.read).sum()
    }

    /// The kept findings with `code`.
    pub fn with_code<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| f.code == code)
    }

    fn push(&mut self, finding: Finding, max: usize) {
        let n = self.totals.entry(finding.code).or_insert(0);
        *n += 1;
        if *n as usize <= max {
            self.findings.push(finding);
        }
    }
}

/// The severity every finding of `code` has.
pub fn severity_of(code: &str) -> Severity {
    match code {
        "N4.FILE_NAME_CASE" | "N4.PATH_FALLBACK" => Severity::Info,
        "N4.ENCODING_CP1252" | "N4.DATE_FORMAT" | "N4.DATE_TWO_DIGIT_YEAR" | "N4.DATE_SENTINEL" | "N4.TABLE_FILE" => {
            Severity::Warning
        }
        _ => Severity::Error,
    }
}

/// A compact, stable hash of a key value.
fn key_hash(value: &str) -> u128 {
    let mut a = DefaultHasher::new();
    (0u8, value).hash(&mut a);
    let mut b = DefaultHasher::new();
    (1u8, value).hash(&mut b);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

/// The keys foreign keys point at.
#[derive(Default)]
struct Keys {
    sa: HashSet<u128>,
    jp: HashSet<u128>,
    db: HashSet<u128>,
}

const PREFIXES: &[&str] =
    &["AR", "AD", "AP", "OP", "OV", "SA", "JP", "DL", "DB", "VE", "AM", "SP", "KL", "ME", "AI", "PE", "PN"];

/// The field prefix of a table: by its name, or else by its attributes' prefix.
fn prefix_of(table: &TableInfo) -> Option<&'static str> {
    table.prefix().or_else(|| {
        let first = table.attributes.first()?.split(['.', '_']).next()?.to_ascii_uppercase();
        PREFIXES.iter().copied().find(|p| *p == first)
    })
}

fn rank(prefix: Option<&str>) -> u8 {
    match prefix {
        Some("SA") => 0,
        Some("JP") => 1,
        Some("DB") => 2,
        _ => 3,
    }
}

struct Checker<'a> {
    extract: &'a Noark4,
    options: Options,
    report: Report,
    keys: Keys,
    resolver: DocumentResolver,
    /// Prefixes of the keyed tables the index holds: foreign keys into absent tables are
    /// reported once, not per row.
    present: HashSet<&'static str>,
}

/// Checks the extract with the default [`Options`].
///
/// ```no_run
/// use samla_legacy::noark4::{check, Noark4};
/// let extract = Noark4::open("uttrekk".as_ref())?;
/// let report = check(&extract);
/// for f in &report.findings {
///     println!("{f}");
/// }
/// println!("{} errors", report.errors());
/// # Ok::<(), samla_noark5::Error>(())
/// ```
pub fn check(extract: &Noark4) -> Report {
    check_with(extract, Options::default(), &mut |_, _| {})
}

/// Checks the extract; `progress` is called with the table and the rows read so far, now
/// and then.
pub fn check_with(extract: &Noark4, options: Options, progress: &mut dyn FnMut(&str, u64)) -> Report {
    let present = extract.index.tables.iter().filter_map(prefix_of).collect();
    let mut checker = Checker {
        extract,
        options,
        report: Report::default(),
        keys: Keys::default(),
        resolver: DocumentResolver::new(&extract.root),
        present,
    };
    for f in &extract.index.findings {
        checker.push(f.clone());
    }
    checker.export_dates();
    checker.absent_targets();
    let mut tables: Vec<&TableInfo> = extract.index.tables.iter().collect();
    tables.sort_by_key(|t| rank(prefix_of(t)));
    for table in tables {
        checker.table(table, progress);
    }
    checker.report
}

impl Checker<'_> {
    fn push(&mut self, finding: Finding) {
        self.report.push(finding, self.options.max_per_code);
    }

    fn export_dates(&mut self) {
        let file = self.extract.index.file.clone();
        for (name, value, pos) in self.extract.index.export.clone() {
            if dates::is_date_field(&name) {
                self.date(&file, "EKSPORTINFO", None, &name, &value, pos);
            }
        }
    }

    fn absent_targets(&mut self) {
        let refs: [(&str, &str, &str); 5] = [
            ("JP", "SA", "JP.SAID → SA.ID"),
            ("DL", "JP", "DL.JPID → JP.ID"),
            ("DL", "DB", "DL.DOKID → DB.DOKID"),
            ("VE", "DB", "VE.DOKID → DB.DOKID"),
            ("AM", "JP", "AM.JPID → JP.ID"),
        ];
        for (from, to, what) in refs {
            if self.present.contains(from) && !self.present.contains(to) {
                let f = Finding::new(
                    Severity::Error,
                    "N4.FOREIGN_KEY",
                    self.extract.index.file.clone(),
                    format!("{what} cannot resolve: the index names no table with {to} rows"),
                )
                .with_hint("the extract lacks a table; ask the depositor for it");
                self.push(f);
            }
        }
    }

    fn table(&mut self, table: &TableInfo, progress: &mut dyn FnMut(&str, u64)) {
        let prefix = prefix_of(table);
        for file in &table.files {
            let mut count = FileCount {
                table: table.name.clone(),
                file: file.name.clone(),
                stated: file.stated_rows,
                read: 0,
                complete: false,
            };
            let Some(path) = self.extract.resolve_table_file(&file.name) else {
                let f = Finding::new(
                    Severity::Error,
                    "N4.TABLE_FILE_MISSING",
                    self.extract.index.file.clone(),
                    format!("{} (TI.FILNAVN of table {}) is not in the extract", file.name, table.name),
                )
                .at(file.pos)
                .in_element(&table.name)
                .with_hint("ask the depositor for the missing file, or correct TI.FILNAVN in NOARKIH.XML");
                self.push(f);
                self.report.files.push(count);
                continue;
            };
            let on_disk = path.strip_prefix(&self.extract.root).map(|p| p.to_string_lossy().replace('\\', "/"));
            let on_disk = on_disk.unwrap_or_else(|_| file.name.clone());
            if on_disk != file.name.replace('\\', "/") {
                let f = Finding::new(
                    Severity::Info,
                    "N4.FILE_NAME_CASE",
                    on_disk.clone(),
                    format!("TI.FILNAVN {} was found as {on_disk}", file.name),
                )
                .in_element(&table.name);
                self.push(f);
            }
            let mut rows = match super::Rows::open(&path, &on_disk, &table.name) {
                Ok(rows) => rows,
                Err(e) => {
                    self.push(Finding::from_error("N4.READ", &e).in_element(&table.name));
                    self.report.files.push(count);
                    continue;
                }
            };
            loop {
                match rows.next_row() {
                    Ok(Some(row)) => {
                        count.read += 1;
                        self.row(&on_disk, &table.name, prefix, &row);
                        if count.read.is_multiple_of(65536) {
                            progress(&table.name, count.read);
                        }
                    }
                    Ok(None) => {
                        count.complete = true;
                        break;
                    }
                    Err(e) => {
                        self.push(Finding::from_error("N4.READ", &e).in_element(&table.name));
                        break;
                    }
                }
            }
            for f in rows.take_findings() {
                self.push(f);
            }
            if count.complete
                && let Some(stated) = file.stated_rows.filter(|&n| n != count.read)
            {
                let f = Finding::new(
                    Severity::Error,
                    "N4.COUNT",
                    self.extract.index.file.clone(),
                    format!(
                        "table {}: TI.ANTPOSTER says {stated} rows in {}, {} were read",
                        table.name, file.name, count.read
                    ),
                )
                .at(file.pos)
                .in_element(&table.name)
                .with_hint("rows are missing from the file, or the index is wrong; ask the depositor which");
                self.push(f);
            }
            progress(&table.name, count.read);
            self.report.files.push(count);
        }
    }

    fn row(&mut self, file: &str, table: &str, prefix: Option<&'static str>, row: &Row) {
        let mut key: Option<String> = None;
        for field in &row.fields {
            if dates::is_date_field(&field.name) && !field.value.is_empty() {
                let k = key.get_or_insert_with(|| row.key()).clone();
                self.date(file, table, Some(&k), &field.name, &field.value, field.pos);
            }
        }
        match prefix {
            Some("SA") => self.primary(file, table, row, "SA.ID", |k| &mut k.sa),
            Some("JP") => {
                self.primary(file, table, row, "JP.ID", |k| &mut k.jp);
                self.foreign(file, table, row, "JP.SAID", "SA", "SA.ID");
            }
            Some("DB") => self.primary(file, table, row, "DB.DOKID", |k| &mut k.db),
            Some("DL") => {
                self.foreign(file, table, row, "DL.JPID", "JP", "JP.ID");
                self.foreign(file, table, row, "DL.DOKID", "DB", "DB.DOKID");
            }
            Some("VE") => {
                self.foreign(file, table, row, "VE.DOKID", "DB", "DB.DOKID");
                if self.options.documents {
                    self.document(file, table, row);
                }
            }
            Some("AM") => self.foreign(file, table, row, "AM.JPID", "JP", "JP.ID"),
            _ => {}
        }
    }

    fn date(&mut self, file: &str, table: &str, key: Option<&str>, name: &str, value: &str, pos: Pos) {
        let (code, message, hint) = match dates::parse(value) {
            DateValue::Empty | DateValue::Date(_) => return,
            DateValue::Dotted(d) => (
                "N4.DATE_FORMAT",
                format!("{name} {value:?} is written DD.MM.YYYY, not YYYYMMDD; read as {d}"),
                "Noark 4 dates are YYYYMMDD; the value was read, check the system's export settings",
            ),
            DateValue::TwoDigitYear(d) => (
                "N4.DATE_TWO_DIGIT_YEAR",
                format!("{name} {value:?} has a two-digit year; read as {d} (years below {} are 20xx)", dates::PIVOT),
                "check that the century is right; Noark 4 dates are YYYYMMDD",
            ),
            DateValue::Sentinel => (
                "N4.DATE_SENTINEL",
                format!("{name} {value:?} is a placeholder that stands for no date"),
                "the date is unknown; it is read as no date",
            ),
            DateValue::Invalid => (
                "N4.DATE_INVALID",
                format!("{name} {value:?} is no date"),
                "Noark 4 dates are YYYYMMDD; correct the value or report it to the depositor",
            ),
        };
        let mut f = Finding::new(severity_of(code), code, file, message).at(pos).in_element(table).with_hint(hint);
        if let Some(key) = key {
            f = f.with_key(key);
        }
        self.push(f);
    }

    fn primary(&mut self, file: &str, table: &str, row: &Row, field: &str, set: fn(&mut Keys) -> &mut HashSet<u128>) {
        let Some(f) = row.field(field) else {
            let finding = Finding::new(Severity::Error, "N4.DUPLICATE_KEY", file, format!("the row has no {field}"))
                .at(row.pos)
                .in_element(table)
                .with_key(row.key())
                .with_hint("every row of this table needs its key; the row cannot be referred to");
            self.push(finding);
            return;
        };
        if !set(&mut self.keys).insert(key_hash(&f.value)) {
            let finding = Finding::new(
                Severity::Error,
                "N4.DUPLICATE_KEY",
                file,
                format!("{field} {} occurs more than once", f.value),
            )
            .at(f.pos)
            .in_element(table)
            .with_key(row.key())
            .with_hint("keys are unique; references to it are ambiguous. Ask the depositor which row is right");
            self.push(finding);
        }
    }

    fn foreign(&mut self, file: &str, table: &str, row: &Row, field: &str, target: &str, target_field: &str) {
        if !self.present.contains(target) {
            return;
        }
        let set = match target {
            "SA" => &self.keys.sa,
            "JP" => &self.keys.jp,
            _ => &self.keys.db,
        };
        let (message, pos) = match row.field(field) {
            Some(f) if f.value.is_empty() => (format!("{field} is empty: the row points at no {target_field}"), f.pos),
            Some(f) if set.contains(&key_hash(&f.value)) => return,
            Some(f) => (format!("{field} {} matches no {target_field}", f.value), f.pos),
            None => (format!("the row has no {field}: it points at no {target_field}"), row.pos),
        };
        let finding = Finding::new(Severity::Error, "N4.FOREIGN_KEY", file, message)
            .at(pos)
            .in_element(table)
            .with_key(row.key())
            .with_hint(
                "the row it refers to is missing from the extract, or the reference is wrong; ask the depositor",
            );
        self.push(finding);
    }

    fn document(&mut self, file: &str, table: &str, row: &Row) {
        let Some(filref) = row.field("VE.FILREF").filter(|f| !f.value.is_empty()) else { return };
        let resolved = self.resolver.resolve(&filref.value);
        if resolved.unsafe_path {
            let f = Finding::new(
                Severity::Error,
                "N4.DOCUMENT_PATH",
                file,
                format!("VE.FILREF {:?} points outside the extract; it is not followed", filref.value),
            )
            .at(filref.pos)
            .in_element(table)
            .with_key(row.key());
            self.push(f);
            return;
        }
        if resolved.path.is_none() {
            let f = Finding::new(
                Severity::Error,
                "N4.DOCUMENT_MISSING",
                file,
                format!(
                    "VE.FILREF {:?}: no file {} in the extract or its DOKUMENT/ folder",
                    filref.value, resolved.relative
                ),
            )
            .at(filref.pos)
            .in_element(table)
            .with_key(row.key())
            .with_hint("the document file is missing; ask the depositor for it");
            self.push(f);
            return;
        }
        self.report.documents_found += 1;
        if !resolved.fallbacks.is_empty() {
            let how: Vec<&str> = resolved.fallbacks.iter().map(|f| f.describe()).collect();
            let f = Finding::new(
                Severity::Info,
                "N4.PATH_FALLBACK",
                file,
                format!("VE.FILREF {:?} resolved to {}: {}", filref.value, resolved.relative, how.join("; ")),
            )
            .at(filref.pos)
            .in_element(table)
            .with_key(row.key());
            self.push(f);
        }
    }
}

/// The field prefix `table` has (for callers that group by it).
pub fn prefix(table: &TableInfo) -> Option<&'static str> {
    prefix_of(table).or_else(|| table_prefix(&table.name))
}
