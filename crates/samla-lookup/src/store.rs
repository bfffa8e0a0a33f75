//! The units of the index in SQLite: one row per arkiv, arkivdel, klassifikasjonssystem,
//! klasse, mappe, registrering and dokumentbeskrivelse, with what access control needs
//! (source, arkivdel, klasse, mappe type, skjerming, gradering, inherited), the unit's own
//! metadata as XML, its documents (where they are inside their extract, and their stated
//! checksum), its parties and the crosswalk of the runs indexed.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use samla_noark5::{Error, ErrorKind, Result};

use crate::policy::Scope;
use crate::unit_xml::{self, UnitXml};

/// What a unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UnitKind {
    /// arkiv
    Arkiv,
    /// arkivdel
    Arkivdel,
    /// klassifikasjonssystem
    Klassifikasjonssystem,
    /// klasse
    Klasse,
    /// mappe (any xsi:type)
    Mappe,
    /// registrering (any xsi:type)
    Registrering,
    /// dokumentbeskrivelse
    Dokumentbeskrivelse,
}

impl UnitKind {
    /// All kinds, outermost first.
    pub const ALL: [UnitKind; 7] = [
        UnitKind::Arkiv,
        UnitKind::Arkivdel,
        UnitKind::Klassifikasjonssystem,
        UnitKind::Klasse,
        UnitKind::Mappe,
        UnitKind::Registrering,
        UnitKind::Dokumentbeskrivelse,
    ];

    /// The Noark 5 element name.
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Arkiv => "arkiv",
            UnitKind::Arkivdel => "arkivdel",
            UnitKind::Klassifikasjonssystem => "klassifikasjonssystem",
            UnitKind::Klasse => "klasse",
            UnitKind::Mappe => "mappe",
            UnitKind::Registrering => "registrering",
            UnitKind::Dokumentbeskrivelse => "dokumentbeskrivelse",
        }
    }

    /// The kind of an element name.
    pub fn parse(s: &str) -> Option<UnitKind> {
        UnitKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Units that are searched and access-controlled one by one; the others are containers.
    pub fn is_record(self) -> bool {
        matches!(self, UnitKind::Mappe | UnitKind::Registrering | UnitKind::Dokumentbeskrivelse)
    }
}

/// A unit as stored.
#[derive(Debug, Clone, Default)]
pub struct Unit {
    /// Row id (stable within one index). Rows are numbered in document order.
    pub id: i64,
    /// The row of the last unit inside it (its own row when it holds none).
    pub last: i64,
    /// Row id of the source.
    pub source_id: i64,
    /// Row id of the enclosing unit.
    pub parent: Option<i64>,
    /// What it is.
    pub kind: Option<UnitKind>,
    /// The xsi:type or `mappetype` for mapper, the xsi:type for registreringer.
    pub subtype: Option<String>,
    /// systemID.
    pub system_id: String,
    /// klasseID, mappeID, registreringsID or dokumentnummer.
    pub ident: Option<String>,
    /// tittel.
    pub title: Option<String>,
    /// offentligTittel.
    pub public_title: Option<String>,
    /// The unit's date (saksdato, journaldato, opprettetDato), as written.
    pub date: Option<String>,
    /// Access attributes, own and inherited.
    pub scope: Scope,
    /// skjermingshjemmel of the skjerming in force.
    pub hjemmel: Option<String>,
    /// skjermingMetadata of the skjerming in force, as written.
    pub screened_fields: Vec<String>,
    /// The unit's own metadata (sub-units left out), or where it is in the extract.
    pub xml: UnitXml,
    /// The systemID before `samla run` re-keyed it (closed units).
    pub old_system_id: Option<String>,
    /// The mappeID or registreringsID before `samla run`.
    pub old_ident: Option<String>,
}

impl Unit {
    /// The rows of the units inside it.
    pub fn inside(&self) -> std::ops::RangeInclusive<i64> {
        self.id + 1..=self.last
    }

    /// The unit's own metadata as an element, from the index or read in place from its
    /// extract (which `extract` opens).
    pub fn element<X: std::ops::Deref<Target = samla_noark5::Extract>>(
        &self,
        extract: impl FnOnce() -> Result<X>,
    ) -> Result<samla_noark5::Element> {
        unit_xml::read(&self.xml, self.kind.map_or("", UnitKind::as_str), &self.system_id, extract)
    }
}

/// A document file of a dokumentbeskrivelse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The dokumentbeskrivelse's row.
    pub unit: i64,
    /// Position among the dokumentbeskrivelse's dokumentobjekter, from 1.
    pub n: i64,
    /// referanseDokumentfil, as written.
    pub path: String,
    /// sjekksum, as stated.
    pub checksum: String,
    /// sjekksumAlgoritme.
    pub algorithm: String,
    /// filstoerrelse, as stated.
    pub size: Option<i64>,
    /// format.
    pub format: Option<String>,
    /// variantformat.
    pub variant: Option<String>,
}

/// A korrespondansepart, part or sakspart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    /// The unit it belongs to.
    pub unit: i64,
    /// korrespondansepart, part or sakspart.
    pub element: String,
    /// The name.
    pub name: String,
    /// fødselsnummer, D-number or organisasjonsnummer, where given.
    pub id: Option<String>,
}

/// A source of the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Row id.
    pub id: i64,
    /// The name grants refer to (the old municipality or system).
    pub name: String,
    /// Where it is (canonical path; a tar, DIAS package or folder).
    pub location: String,
    /// What it is: extract, closed or deposit.
    pub role: String,
    /// Fingerprint of the files read: unchanged sources are skipped.
    pub fingerprint: String,
    /// Units indexed.
    pub units: i64,
}

/// Where a unit of a `samla run` went, from its crosswalk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrosswalkRow {
    /// The run's source name.
    pub source: String,
    /// arkiv, arkivdel, mappe, registrering, …
    pub entity: String,
    /// systemID in the old system.
    pub old: String,
    /// systemID after the run.
    pub new: String,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sources (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, location TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
  fingerprint TEXT NOT NULL, units INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS units (
  id INTEGER PRIMARY KEY, source INTEGER NOT NULL, parent INTEGER, kind TEXT NOT NULL, subtype TEXT,
  system_id TEXT NOT NULL, ident TEXT, title TEXT, public_title TEXT, date TEXT,
  scope_source TEXT NOT NULL, arkivdel TEXT NOT NULL, klasse TEXT, mappetype TEXT,
  restriction TEXT, hjemmel TEXT, screened_fields TEXT NOT NULL, grade TEXT,
  old_system_id TEXT, old_ident TEXT, xml_at BLOB, last INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS unit_xml (id INTEGER PRIMARY KEY, xml BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
  unit INTEGER NOT NULL, n INTEGER NOT NULL, path TEXT NOT NULL, checksum TEXT NOT NULL,
  algorithm TEXT NOT NULL, size INTEGER, format TEXT, variant TEXT, PRIMARY KEY (unit, n));
CREATE TABLE IF NOT EXISTS p.parties (unit INTEGER NOT NULL, element TEXT NOT NULL, name TEXT NOT NULL, id TEXT);
CREATE TABLE IF NOT EXISTS crosswalk (source_id INTEGER NOT NULL, source TEXT NOT NULL, entity TEXT NOT NULL,
  old TEXT NOT NULL, new TEXT NOT NULL);
";

/// Where a table is: the units' file, or the parties' beside it (attached as `p`), so that
/// the indexes of each are made at once, on two cores.
#[derive(Clone, Copy, PartialEq, Eq)]
enum File {
    Units,
    Parties,
}

/// The secondary indexes (file, name, what): dropped while a fresh index is filled, made
/// once at the end. Making them is the part of `samla index` that runs on one core per
/// file, so each is as small as its lookups allow: old IDs exist only in closed units, and
/// only containers are listed by kind.
const INDEXES: &[(File, &str, &str)] = &[
    (File::Units, "units_parent", "units(parent)"),
    (File::Units, "units_system_id", "units(system_id)"),
    (File::Units, "units_old_system_id", "units(old_system_id) WHERE old_system_id IS NOT NULL"),
    (File::Units, "units_ident", "units(ident)"),
    (File::Units, "units_old_ident", "units(old_ident) WHERE old_ident IS NOT NULL"),
    (
        File::Units,
        "units_kind",
        "units(kind, id) WHERE kind IN ('arkiv', 'arkivdel', 'klassifikasjonssystem', 'klasse')",
    ),
    (File::Units, "crosswalk_old", "crosswalk(old)"),
    (File::Units, "crosswalk_new", "crosswalk(new)"),
    (File::Parties, "parties_unit", "parties(unit)"),
    (File::Parties, "parties_id", "parties(id)"),
    (File::Parties, "parties_name", "parties(name COLLATE NOCASE)"),
];

/// The parties' file of the units' file `units`.
fn parties_file(units: &Path) -> std::path::PathBuf {
    units.with_file_name(crate::INDEX_PARTIES)
}

/// Makes the missing indexes of `file` on `conn`, where the file is `schema`.
fn create_indexes(conn: &Connection, file: File, schema: &str, shown: &str) -> Result<()> {
    for (_, name, what) in INDEXES.iter().filter(|(f, _, _)| *f == file) {
        conn.execute_batch(&format!("CREATE INDEX IF NOT EXISTS {schema}.{name} ON {what};"))
            .map_err(|e| sql_error(shown, e))?;
    }
    Ok(())
}

/// The units an identifier names (each term has its index; the old IDs' are partial).
const NAMED: &str = "WHERE system_id = ?1 OR old_system_id = ?1 OR ident = ?1 OR old_ident = ?1";
/// The containers of one kind, by the partial index (whose terms it must repeat for SQLite
/// to use it).
const OF_KIND: &str = "WHERE kind = ?1 AND kind IN ('arkiv', 'arkivdel', 'klassifikasjonssystem', 'klasse') \
    ORDER BY id LIMIT ?2";

/// The SQLite store.
pub struct Store {
    conn: Connection,
    file: String,
    /// The units' file.
    path: std::path::PathBuf,
}

/// Rows to store together.
#[derive(Debug, Default)]
pub struct Rows {
    /// Units, each with its row id set.
    pub units: Vec<Unit>,
    /// Their document files.
    pub documents: Vec<Document>,
    /// Their parties.
    pub parties: Vec<Party>,
    /// (row, last row inside it) of containers whose units are now read.
    pub ends: Vec<(i64, i64)>,
}

impl Rows {
    /// How many rows.
    pub fn len(&self) -> usize {
        self.units.len() + self.documents.len() + self.parties.len() + self.ends.len()
    }

    /// No rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An existing SQLite file opened read-only; `missing` and `hint` say what to do if it is not there.
pub(crate) fn open_existing(path: &Path, missing: &str, hint: &str) -> Result<Connection> {
    let file = path.display().to_string();
    if !path.exists() {
        return Err(Error::new(ErrorKind::Missing, &file, missing).with_hint(hint));
    }
    Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|e| sql_error(&file, e))
}

/// Attaches the parties' file beside `units` as `p` (read-only when the connection is).
fn attach_parties(conn: &Connection, units: &Path) -> Result<()> {
    let parties = parties_file(units);
    let shown = parties.display().to_string();
    let name = parties.to_str().ok_or_else(|| {
        Error::new(ErrorKind::Io, &shown, "the index's path is not UTF-8")
            .with_hint("put the index in a folder whose path is UTF-8")
    })?;
    if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) && !parties.exists() {
        return Err(Error::new(ErrorKind::Missing, &shown, "the index has no parties.sqlite")
            .with_hint("build the index again with `samla index SOURCE... --out` into a new folder"));
    }
    conn.execute("ATTACH DATABASE ?1 AS p", [name]).map_err(|e| sql_error(&shown, e))?;
    Ok(())
}

pub(crate) fn sql_error(file: &str, e: rusqlite::Error) -> Error {
    Error::new(ErrorKind::Io, file, format!("SQLite: {e}"))
        .with_hint("the index may be damaged or written by another samla; build it again with `samla index`")
}

const UNIT_COLUMNS: &str = "id, source, parent, kind, subtype, system_id, ident, title, public_title, date, \
    scope_source, arkivdel, klasse, mappetype, restriction, hjemmel, screened_fields, grade, \
    (SELECT xml FROM unit_xml WHERE unit_xml.id = units.id), old_system_id, old_ident, xml_at, last";

/// The layout of the index this samla writes and reads, kept in `units.sqlite` (SQLite's
/// user_version); it covers the search schema too (3: identifiers searched by hash; 4: units'
/// metadata read in place, identifiers found in the store, units inside a unit by row;
/// 5: parties in a file of their own).
const LAYOUT: i64 = 5;

impl Store {
    /// Opens (or creates) the store at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        let file = path.display().to_string();
        let conn = Connection::open(path).map_err(|e| sql_error(&file, e))?;
        let store = Store { conn, file, path: path.to_path_buf() };
        store.check_layout(true)?;
        // Attached once the layout is known, so that an older index gets no parties' file.
        attach_parties(&store.conn, path)?;
        store
            .conn
            .execute_batch(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA p.synchronous=NORMAL; \
                 PRAGMA foreign_keys=OFF; PRAGMA cache_size=-16384;",
            )
            .map_err(|e| sql_error(&store.file, e))?;
        store.conn.execute_batch(SCHEMA).map_err(|e| sql_error(&store.file, e))?;
        store.conn.pragma_update(None, "user_version", LAYOUT).map_err(|e| sql_error(&store.file, e))?;
        store.create_indexes()?;
        Ok(store)
    }

    /// Opens the store read-only (the server).
    pub fn open_read_only(path: &Path) -> Result<Store> {
        let conn = open_existing(
            path,
            "the index has no units.sqlite",
            "build the index first with `samla index SOURCE... --out INDEX`",
        )?;
        let store = Store { conn, file: path.display().to_string(), path: path.to_path_buf() };
        store.check_layout(false)?;
        // Attached after the layout is known: an older index has no parties' file.
        attach_parties(&store.conn, path)?;
        Ok(store)
    }

    /// Refuses an index written in another layout (an older samla): it must be built again.
    fn check_layout(&self, may_be_new: bool) -> Result<()> {
        let version: i64 = self.conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(|e| self.err(e))?;
        let has_units: bool = self
            .conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'units'", [], |r| r.get::<_, i64>(0))
            .map(|n| n > 0)
            .map_err(|e| self.err(e))?;
        if version == LAYOUT || (!has_units && may_be_new) {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::Content,
            &self.file,
            format!("the index has layout {version}; this samla reads layout {LAYOUT}"),
        )
        .with_hint("build the index again with `samla index SOURCE... --out` into a new folder"))
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        sql_error(&self.file, e)
    }

    /// Prepares an empty store to be filled in bulk: no secondary indexes (sorting once at
    /// the end is much faster than updating them row by row) and no journal (a fresh index
    /// that fails halfway is built again anyway). [`Store::end_bulk`] undoes both.
    pub fn begin_bulk(&mut self) -> Result<()> {
        for (file, name, _) in INDEXES {
            let schema = if *file == File::Parties { "p" } else { "main" };
            self.conn
                .execute_batch(&format!("DROP INDEX IF EXISTS {schema}.{name}"))
                .map_err(|e| sql_error(&self.file, e))?;
        }
        self.conn
            .execute_batch("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA p.synchronous=OFF;")
            .map_err(|e| sql_error(&self.file, e))
    }

    /// Makes the indexes and the journal of a store filled in bulk: the parties' indexes
    /// on a connection and a thread of their own, beside the units'.
    pub fn end_bulk(&mut self) -> Result<()> {
        let parties = parties_file(&self.path);
        let shown = parties.display().to_string();
        std::thread::scope(|scope| {
            let other = scope.spawn(|| {
                let conn = Connection::open(&parties).map_err(|e| sql_error(&shown, e))?;
                conn.execute_batch("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
                    .map_err(|e| sql_error(&shown, e))?;
                create_indexes(&conn, File::Parties, "main", &shown)
            });
            let units = create_indexes(&self.conn, File::Units, "main", &self.file);
            let parties = other.join().unwrap_or_else(|_| {
                Err(Error::new(ErrorKind::Io, &shown, "the thread making the parties' indexes stopped"))
            });
            units.and(parties)
        })?;
        self.conn
            .execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA p.synchronous=NORMAL;")
            .map_err(|e| sql_error(&self.file, e))
    }

    /// Makes the secondary indexes that are missing.
    pub fn create_indexes(&self) -> Result<()> {
        create_indexes(&self.conn, File::Units, "main", &self.file)?;
        create_indexes(&self.conn, File::Parties, "p", &self.file)
    }

    /// Starts a transaction (each source is indexed in one).
    pub fn begin(&mut self) -> Result<()> {
        self.conn.execute_batch("BEGIN").map_err(|e| sql_error(&self.file, e))
    }

    /// Commits the transaction.
    pub fn commit(&mut self) -> Result<()> {
        self.conn.execute_batch("COMMIT").map_err(|e| sql_error(&self.file, e))
    }

    /// The source at `location`, if indexed.
    pub fn source_at(&self, location: &str) -> Result<Option<Source>> {
        self.conn
            .query_row(
                "SELECT id, name, location, role, fingerprint, units FROM sources WHERE location = ?1",
                [location],
                source_row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// All sources.
    pub fn sources(&self) -> Result<Vec<Source>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT id, name, location, role, fingerprint, units FROM sources ORDER BY id")
            .map_err(|e| self.err(e))?;
        st.query_map([], source_row).and_then(|r| r.collect()).map_err(|e| self.err(e))
    }

    /// Removes a source with its units, documents, parties and crosswalk rows. A source's
    /// units are one run of rows (it is read in one pass), found with one scan.
    pub fn remove_source(&mut self, id: i64) -> Result<()> {
        let (first, last): (Option<i64>, Option<i64>) = self
            .conn
            .query_row("SELECT MIN(id), MAX(id) FROM units WHERE source = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.err(e))?;
        let (first, last) = (first.unwrap_or(0), last.unwrap_or(-1));
        self.conn
            .execute_batch(&format!(
                "DELETE FROM documents WHERE unit BETWEEN {first} AND {last};
                 DELETE FROM parties WHERE unit BETWEEN {first} AND {last};
                 DELETE FROM unit_xml WHERE id BETWEEN {first} AND {last};
                 DELETE FROM units WHERE id BETWEEN {first} AND {last};
                 DELETE FROM crosswalk WHERE source_id = {id};
                 DELETE FROM sources WHERE id = {id};"
            ))
            .map_err(|e| self.err(e))
    }

    /// Adds a source and returns its row id.
    pub fn add_source(&mut self, name: &str, location: &str, role: &str, fingerprint: &str) -> Result<i64> {
        self.conn
            .execute(
                "INSERT INTO sources (name, location, role, fingerprint) VALUES (?1, ?2, ?3, ?4)",
                params![name, location, role, fingerprint],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Records the number of units of a source once it is read.
    pub fn set_source_units(&mut self, id: i64, units: i64) -> Result<()> {
        self.conn
            .execute("UPDATE sources SET units = ?2 WHERE id = ?1", params![id, units])
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Inserts a unit under the row id [`Store::next_unit_id`] gave it.
    pub fn insert_unit(&mut self, u: &Unit) -> Result<()> {
        let mut st = self
            .conn
            .prepare_cached(
                "INSERT INTO units (id, source, parent, kind, subtype, system_id, ident, title, public_title, date,
                 scope_source, arkivdel, klasse, mappetype, restriction, hjemmel, screened_fields, grade,
                 old_system_id, old_ident, xml_at, last) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,
                 ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)",
            )
            .map_err(|e| sql_error(&self.file, e))?;
        st.execute(params![
            u.id,
            u.source_id,
            u.parent,
            u.kind.map(UnitKind::as_str).unwrap_or("mappe"),
            u.subtype,
            u.system_id,
            u.ident,
            u.title,
            u.public_title,
            u.date,
            u.scope.source,
            u.scope.arkivdel.join("\u{1f}"),
            u.scope.klasse,
            u.scope.mappetype,
            u.scope.restriction,
            u.hjemmel,
            u.screened_fields.join("\u{1f}"),
            u.scope.grade,
            u.old_system_id,
            u.old_ident,
            match &u.xml {
                UnitXml::InExtract(ranges) => Some(unit_xml::pack(ranges)),
                UnitXml::Stored(_) => None,
            },
            u.last,
        ])
        .map_err(|e| sql_error(&self.file, e))?;
        let UnitXml::Stored(xml) = &u.xml else { return Ok(()) };
        // Apart and compressed: the rows the lookups scan stay small.
        let mut st = self
            .conn
            .prepare_cached("INSERT INTO unit_xml (id, xml) VALUES (?1, ?2)")
            .map_err(|e| sql_error(&self.file, e))?;
        st.execute(params![u.id, lz4_flex::compress_prepend_size(xml.as_bytes())])
            .map_err(|e| sql_error(&self.file, e))?;
        Ok(())
    }

    /// The first free unit row id. Units are numbered by samla, from this one in the order
    /// they are read, so that a unit's row is known before it is stored.
    pub fn next_unit_id(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM units", [], |r| r.get(0))
            .map_err(|e| sql_error(&self.file, e))
    }

    /// Stores every batch of rows received, until the sender is gone.
    pub fn insert_rows(&mut self, batches: std::sync::mpsc::Receiver<Rows>) -> Result<()> {
        for rows in batches {
            for u in &rows.units {
                self.insert_unit(u)?;
            }
            for d in &rows.documents {
                self.insert_document(d)?;
            }
            for p in &rows.parties {
                self.insert_party(p)?;
            }
            for (id, last) in &rows.ends {
                let mut st = self
                    .conn
                    .prepare_cached("UPDATE units SET last = ?2 WHERE id = ?1")
                    .map_err(|e| sql_error(&self.file, e))?;
                st.execute(params![id, last]).map_err(|e| sql_error(&self.file, e))?;
            }
        }
        Ok(())
    }

    /// Inserts a document file.
    pub fn insert_document(&mut self, d: &Document) -> Result<()> {
        let mut st = self
            .conn
            .prepare_cached(
                "INSERT OR REPLACE INTO documents (unit, n, path, checksum, algorithm, size, format, variant)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(|e| sql_error(&self.file, e))?;
        st.execute(params![d.unit, d.n, d.path, d.checksum, d.algorithm, d.size, d.format, d.variant])
            .map_err(|e| sql_error(&self.file, e))?;
        Ok(())
    }

    /// Inserts a party.
    pub fn insert_party(&mut self, p: &Party) -> Result<()> {
        let mut st = self
            .conn
            .prepare_cached("INSERT INTO parties (unit, element, name, id) VALUES (?1, ?2, ?3, ?4)")
            .map_err(|e| sql_error(&self.file, e))?;
        st.execute(params![p.unit, p.element, p.name, p.id]).map_err(|e| sql_error(&self.file, e))?;
        Ok(())
    }

    /// Inserts a crosswalk row of a run.
    pub fn insert_crosswalk(&mut self, source_id: i64, row: &CrosswalkRow) -> Result<()> {
        let mut st = self
            .conn
            .prepare_cached("INSERT INTO crosswalk (source_id, source, entity, old, new) VALUES (?1, ?2, ?3, ?4, ?5)")
            .map_err(|e| sql_error(&self.file, e))?;
        st.execute(params![source_id, row.source, row.entity, row.old, row.new])
            .map_err(|e| sql_error(&self.file, e))?;
        Ok(())
    }

    /// The unit with row id `id`.
    pub fn unit(&self, id: i64) -> Result<Option<Unit>> {
        let mut st = self
            .conn
            .prepare_cached(&format!("SELECT {UNIT_COLUMNS} FROM units WHERE id = ?1"))
            .map_err(|e| self.err(e))?;
        st.query_row([id], unit_row).optional().map_err(|e| self.err(e))
    }

    /// The units directly inside `parent` (or the arkiver, for `None`), in source order.
    pub fn children(&self, parent: Option<i64>) -> Result<Vec<Unit>> {
        let sql = match parent {
            Some(_) => format!("SELECT {UNIT_COLUMNS} FROM units WHERE parent = ?1 ORDER BY id"),
            None => format!("SELECT {UNIT_COLUMNS} FROM units WHERE parent IS NULL ORDER BY id"),
        };
        let mut st = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let rows = match parent {
            Some(p) => st.query_map([p], unit_row).and_then(|r| r.collect()),
            None => st.query_map([], unit_row).and_then(|r| r.collect()),
        };
        rows.map_err(|e| self.err(e))
    }

    /// The containers of one kind, in source order (for the API's lists of containers;
    /// none for the other kinds, which the search lists).
    pub fn of_kind(&self, kind: UnitKind, limit: usize) -> Result<Vec<Unit>> {
        let mut st = self
            .conn
            .prepare_cached(&format!("SELECT {UNIT_COLUMNS} FROM units {OF_KIND}"))
            .map_err(|e| self.err(e))?;
        st.query_map(params![kind.as_str(), limit as i64], unit_row).and_then(|r| r.collect()).map_err(|e| self.err(e))
    }

    /// The kinds of the units directly inside `parent`.
    pub fn child_kinds(&self, parent: i64) -> Result<Vec<UnitKind>> {
        let mut st =
            self.conn.prepare_cached("SELECT DISTINCT kind FROM units WHERE parent = ?1").map_err(|e| self.err(e))?;
        let kinds: Vec<String> =
            st.query_map([parent], |r| r.get(0)).and_then(|r| r.collect()).map_err(|e| self.err(e))?;
        Ok(kinds.iter().filter_map(|k| UnitKind::parse(k)).collect())
    }

    /// The units with systemID `id` (one, unless two sources share it).
    pub fn by_system_id(&self, id: &str) -> Result<Vec<Unit>> {
        let mut st = self
            .conn
            .prepare_cached(&format!("SELECT {UNIT_COLUMNS} FROM units WHERE system_id = ?1 ORDER BY id LIMIT 100"))
            .map_err(|e| self.err(e))?;
        st.query_map([id], unit_row).and_then(|r| r.collect()).map_err(|e| self.err(e))
    }

    /// Units whose systemID, old systemID, ident or old ident is `id`.
    pub fn find(&self, id: &str) -> Result<Vec<Unit>> {
        let mut st = self
            .conn
            .prepare_cached(&format!("SELECT {UNIT_COLUMNS} FROM units {NAMED} ORDER BY id LIMIT 100"))
            .map_err(|e| self.err(e))?;
        st.query_map([id], unit_row).and_then(|r| r.collect()).map_err(|e| self.err(e))
    }

    /// The rows of the units that `word` names exactly: systemID, mappeID,
    /// registreringsID or dokumentnummer, or an old ID (what a search matches as an
    /// identifier).
    pub fn named(&self, word: &str) -> Result<Vec<i64>> {
        let mut st = self.conn.prepare_cached(&format!("SELECT id FROM units {NAMED}")).map_err(|e| self.err(e))?;
        st.query_map([word], |r| r.get(0)).and_then(|r| r.collect()).map_err(|e| self.err(e))
    }

    /// The crosswalk rows that name `id` as old or new systemID.
    pub fn crosswalk(&self, id: &str) -> Result<Vec<CrosswalkRow>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT source, entity, old, new FROM crosswalk WHERE old = ?1 OR new = ?1 LIMIT 100")
            .map_err(|e| self.err(e))?;
        st.query_map([id], |r| {
            Ok(CrosswalkRow { source: r.get(0)?, entity: r.get(1)?, old: r.get(2)?, new: r.get(3)? })
        })
        .and_then(|r| r.collect())
        .map_err(|e| self.err(e))
    }

    /// The document files of a dokumentbeskrivelse.
    pub fn documents(&self, unit: i64) -> Result<Vec<Document>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT unit, n, path, checksum, algorithm, size, format, variant FROM documents WHERE unit = ?1 ORDER BY n",
            )
            .map_err(|e| self.err(e))?;
        st.query_map([unit], |r| {
            Ok(Document {
                unit: r.get(0)?,
                n: r.get(1)?,
                path: r.get(2)?,
                checksum: r.get(3)?,
                algorithm: r.get(4)?,
                size: r.get(5)?,
                format: r.get(6)?,
                variant: r.get(7)?,
            })
        })
        .and_then(|r| r.collect())
        .map_err(|e| self.err(e))
    }

    /// The parties of a unit.
    pub fn parties(&self, unit: i64) -> Result<Vec<Party>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT unit, element, name, id FROM parties WHERE unit = ?1")
            .map_err(|e| self.err(e))?;
        st.query_map([unit], |r| Ok(Party { unit: r.get(0)?, element: r.get(1)?, name: r.get(2)?, id: r.get(3)? }))
            .and_then(|r| r.collect())
            .map_err(|e| self.err(e))
    }

    /// Units where a party has identifier `id` (partsinnsyn).
    pub fn units_with_party(&self, id: &str) -> Result<Vec<i64>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT DISTINCT unit FROM parties WHERE id = ?1 ORDER BY unit LIMIT 10000")
            .map_err(|e| self.err(e))?;
        st.query_map([id], |r| r.get(0)).and_then(|r| r.collect()).map_err(|e| self.err(e))
    }

    /// Parties named `name` (case-insensitive), with their units (partsinnsyn by name).
    pub fn parties_named(&self, name: &str) -> Result<Vec<Party>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT unit, element, name, id FROM parties WHERE name = ?1 COLLATE NOCASE ORDER BY unit LIMIT 10000",
            )
            .map_err(|e| self.err(e))?;
        st.query_map([name.trim()], |r| {
            Ok(Party { unit: r.get(0)?, element: r.get(1)?, name: r.get(2)?, id: r.get(3)? })
        })
        .and_then(|r| r.collect())
        .map_err(|e| self.err(e))
    }

    /// The chain of units from the arkiv down to `id`, outermost first.
    pub fn path(&self, id: i64) -> Result<Vec<Unit>> {
        let mut chain = Vec::new();
        let mut at = Some(id);
        while let Some(i) = at {
            let Some(u) = self.unit(i)? else { break };
            at = u.parent;
            chain.push(u);
            if chain.len() > 10_000 {
                break;
            }
        }
        chain.reverse();
        Ok(chain)
    }
}

fn source_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Source> {
    Ok(Source {
        id: r.get(0)?,
        name: r.get(1)?,
        location: r.get(2)?,
        role: r.get(3)?,
        fingerprint: r.get(4)?,
        units: r.get(5)?,
    })
}

fn unit_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Unit> {
    let kind: String = r.get(3)?;
    let split = |s: String| -> Vec<String> {
        if s.is_empty() { Vec::new() } else { s.split('\u{1f}').map(str::to_string).collect() }
    };
    Ok(Unit {
        id: r.get(0)?,
        source_id: r.get(1)?,
        parent: r.get(2)?,
        kind: UnitKind::parse(&kind),
        subtype: r.get(4)?,
        system_id: r.get(5)?,
        ident: r.get(6)?,
        title: r.get(7)?,
        public_title: r.get(8)?,
        date: r.get(9)?,
        scope: Scope {
            source: r.get(10)?,
            arkivdel: split(r.get(11)?),
            klasse: r.get(12)?,
            mappetype: r.get(13)?,
            restriction: r.get(14)?,
            grade: r.get(17)?,
        },
        hjemmel: r.get(15)?,
        screened_fields: split(r.get(16)?),
        xml: match r.get::<_, Option<Vec<u8>>>(21)? {
            Some(at) => UnitXml::InExtract(unit_xml::unpack(&at).ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(
                    21,
                    rusqlite::types::Type::Blob,
                    "not a list of ranges".into(),
                )
            })?),
            None => {
                let packed: Vec<u8> = r.get(18)?;
                let bytes = lz4_flex::decompress_size_prepended(&packed).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(18, rusqlite::types::Type::Blob, Box::new(e))
                })?;
                UnitXml::Stored(String::from_utf8(bytes).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(18, rusqlite::types::Type::Blob, Box::new(e))
                })?)
            }
        },
        old_system_id: r.get(19)?,
        old_ident: r.get(20)?,
        last: r.get(22)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lookups that use a partial index do: a scan of the units would take seconds at
    /// a million.
    #[test]
    fn identifiers_and_containers_are_found_by_their_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("u.sqlite")).unwrap();
        for (query, uses) in [
            (
                format!("SELECT id FROM units {NAMED}"),
                &["units_system_id", "units_old_system_id", "units_ident", "units_old_ident"][..],
            ),
            (format!("SELECT id FROM units {OF_KIND}"), &["units_kind"][..]),
        ] {
            let mut st = store.conn.prepare(&format!("EXPLAIN QUERY PLAN {query}")).unwrap();
            let given: &[&dyn rusqlite::ToSql] = &[&"x", &10];
            let plan: Vec<String> = st
                .query_map(&given[..st.parameter_count()], |r| r.get(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            let plan = plan.join("\n");
            assert!(!plan.contains("SCAN units"), "{query}\n{plan}");
            for index in uses {
                assert!(plan.contains(&format!("INDEX {index} ")), "{query}: {index}\n{plan}");
            }
        }
    }
}
