//! The access log: every login, search, unit opened, document served, export and policy
//! change, as a hash chain an auditor can verify.
//!
//! Each entry holds the SHA-256 of the entry before it, and its own hash over its content
//! and that link. The log is a SQLite file (`log.sqlite`, WAL, synchronous=FULL): an
//! entry is on disk before [`AccessLog::append`] returns, and so before the response is
//! sent. One writer thread commits the entries that arrive together in one transaction
//! (group commit), so durability costs one fsync per batch, not per request.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use samla_noark5::{Error, ErrorKind, Result};

use crate::store::sql_error;

/// The link of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// A login succeeded.
    Login,
    /// A login failed (wrong password, unknown user, locked out).
    LoginFailed,
    /// A user signed out.
    Logout,
    /// A search, with its terms, filters and number of hits.
    Search,
    /// A unit was opened.
    Open,
    /// A screened unit was opened whole, with a purpose.
    OpenScreened,
    /// A document was served.
    Document,
    /// A document was refused (screened, or its checksum did not match).
    DocumentRefused,
    /// A partsinnsyn list was exported.
    Export,
    /// The policy changed (a user added, or the server started with a changed policy).
    PolicyChange,
    /// A lookup of where an old unit went.
    Where,
    /// Someone read the access log.
    Audit,
}

/// One entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Position in the chain, from 1.
    pub seq: u64,
    /// UTC, to the millisecond.
    pub time: String,
    /// What happened.
    pub event: Event,
    /// Who (empty for a failed login of an unknown name: the name tried is in `detail`).
    pub user: String,
    /// The user's roles.
    pub role: String,
    /// The purpose given (tjenstlig behov), if any.
    pub purpose: String,
    /// The unit's systemID, if one was involved.
    pub unit: String,
    /// The unit's source.
    pub source: String,
    /// Terms, filters, number of hits, the document, the client's address.
    pub detail: String,
    /// The hash of the entry before.
    pub prev: String,
    /// SHA-256 over `prev` and the fields above.
    pub hash: String,
}

/// An entry before it is chained.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// What happened.
    pub event: Option<Event>,
    /// Who.
    pub user: String,
    /// The user's roles.
    pub role: String,
    /// The purpose given.
    pub purpose: String,
    /// The unit's systemID.
    pub unit: String,
    /// The unit's source.
    pub source: String,
    /// Details.
    pub detail: String,
}

impl Entry {
    /// The hash of this entry's content and link.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        let event = serde_json::to_string(&self.event).unwrap_or_default();
        for part in [
            self.seq.to_string().as_str(),
            &self.time,
            &event,
            &self.user,
            &self.role,
            &self.purpose,
            &self.unit,
            &self.source,
            &self.detail,
            &self.prev,
        ] {
            // Length-prefixed, so no two different entries hash the same bytes.
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        samla_noark5::hex(&h.finalize())
    }
}

type Ack = mpsc::Sender<Result<u64, String>>;

/// The log, open for appending.
pub struct AccessLog {
    tx: mpsc::Sender<(Record, Ack)>,
    path: PathBuf,
}

const LOG_SCHEMA: &str =
    "CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY, time TEXT NOT NULL, event TEXT NOT NULL,
  user TEXT NOT NULL, role TEXT NOT NULL, purpose TEXT NOT NULL, unit TEXT NOT NULL, source TEXT NOT NULL,
  detail TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS log_unit ON log(unit);";

fn open_db(path: &Path) -> Result<Connection> {
    let file = path.display().to_string();
    let conn = Connection::open(path).map_err(|e| sql_error(&file, e))?;
    conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;")
        .and_then(|_| conn.execute_batch(LOG_SCHEMA))
        .map_err(|e| sql_error(&file, e))?;
    Ok(conn)
}

impl AccessLog {
    /// Opens the log at `path` (creating it) and starts its writer thread.
    pub fn open(path: &Path) -> Result<AccessLog> {
        let conn = open_db(path)?;
        let (tx, rx) = mpsc::channel::<(Record, Ack)>();
        let file = path.display().to_string();
        std::thread::Builder::new()
            .name("access-log".into())
            .spawn(move || writer(conn, rx, file))
            .map_err(|e| Error::io(path.display().to_string(), e))?;
        Ok(AccessLog { tx, path: path.to_path_buf() })
    }

    /// Appends an entry and returns its sequence number once it is on disk.
    pub fn append(&self, record: Record) -> Result<u64> {
        let (ack, done) = mpsc::channel();
        let fail = |m: String| Error::new(ErrorKind::Io, self.path.display().to_string(), m);
        self.tx.send((record, ack)).map_err(|_| fail("the access log's writer has stopped".into()))?;
        done.recv().map_err(|_| fail("the access log's writer has stopped".into()))?.map_err(fail)
    }

    /// Where the log is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn writer(mut conn: Connection, rx: mpsc::Receiver<(Record, Ack)>, file: String) {
    let last = |conn: &Connection| -> (u64, String) {
        conn.query_row("SELECT seq, hash FROM log ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get(1)?))
        })
        .unwrap_or((0, GENESIS.to_string()))
    };
    let (mut seq, mut prev) = last(&conn);
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < 512 {
            match rx.try_recv() {
                Ok(more) => batch.push(more),
                Err(_) => break,
            }
        }
        let mut entries = Vec::with_capacity(batch.len());
        let (mut s, mut p) = (seq, prev.clone());
        for (r, _) in &batch {
            s += 1;
            let mut e = Entry {
                seq: s,
                time: now(),
                event: r.event.unwrap_or(Event::Audit),
                user: r.user.clone(),
                role: r.role.clone(),
                purpose: r.purpose.clone(),
                unit: r.unit.clone(),
                source: r.source.clone(),
                detail: r.detail.clone(),
                prev: p.clone(),
                hash: String::new(),
            };
            e.hash = e.compute_hash();
            p = e.hash.clone();
            entries.push(e);
        }
        let result = (|| -> rusqlite::Result<()> {
            let tx = conn.transaction()?;
            {
                let mut st = tx.prepare_cached(
                    "INSERT INTO log (seq, time, event, user, role, purpose, unit, source, detail, prev, hash)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )?;
                for e in &entries {
                    st.execute(params![
                        e.seq as i64,
                        e.time,
                        event_name(e.event),
                        e.user,
                        e.role,
                        e.purpose,
                        e.unit,
                        e.source,
                        e.detail,
                        e.prev,
                        e.hash
                    ])?;
                }
            }
            tx.commit()
        })();
        match result {
            Ok(()) => {
                seq = s;
                prev = p;
                for ((_, ack), e) in batch.into_iter().zip(&entries) {
                    let _ = ack.send(Ok(e.seq));
                }
            }
            Err(e) => {
                let message = sql_error(&file, e).to_string();
                for (_, ack) in batch {
                    let _ = ack.send(Err(message.clone()));
                }
                // Whatever was not committed is not in the chain: start again from the disk.
                (seq, prev) = last(&conn);
            }
        }
    }
}

fn event_name(e: Event) -> String {
    serde_json::to_value(e).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn parse_event(s: &str) -> Option<Event> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
}

/// The time now, as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn now() -> String {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let date = samla_noark5::model::Date::from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        date.year,
        date.month,
        date.day,
        s / 3600,
        s / 60 % 60,
        s % 60,
        d.subsec_millis()
    )
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    let event: String = r.get(2)?;
    Ok(Entry {
        seq: r.get::<_, i64>(0)? as u64,
        time: r.get(1)?,
        // An event name nobody wrote fails the entry's hash: it is read as Audit and named by verify.
        event: parse_event(&event).unwrap_or(Event::Audit),
        user: r.get(3)?,
        role: r.get(4)?,
        purpose: r.get(5)?,
        unit: r.get(6)?,
        source: r.get(7)?,
        detail: r.get(8)?,
        prev: r.get(9)?,
        hash: r.get(10)?,
    })
}

/// The columns [`row`] reads, in its order.
const ENTRY_COLUMNS: &str = "seq, time, event, user, role, purpose, unit, source, detail, prev, hash";

/// Every entry of the log at `path`, in the order stored.
pub fn read(path: &Path) -> Result<Vec<Entry>> {
    let file = path.display().to_string();
    let conn = crate::store::open_existing(
        path,
        "there is no access log here",
        "give the index folder that `samla serve` used, or an exported .jsonl log",
    )?;
    let mut st =
        conn.prepare(&format!("SELECT {ENTRY_COLUMNS} FROM log ORDER BY rowid")).map_err(|e| sql_error(&file, e))?;
    st.query_map([], row).and_then(|r| r.collect()).map_err(|e| sql_error(&file, e))
}

/// The entries that name unit `system_id`, oldest first (for the auditor).
pub fn for_unit(path: &Path, system_id: &str, limit: usize) -> Result<Vec<Entry>> {
    let file = path.display().to_string();
    let conn = crate::store::open_existing(path, "there is no access log here", "give the index folder")?;
    let mut st = conn
        .prepare_cached(&format!("SELECT {ENTRY_COLUMNS} FROM log WHERE unit = ?1 ORDER BY seq LIMIT ?2"))
        .map_err(|e| sql_error(&file, e))?;
    st.query_map(params![system_id, limit as i64], row).and_then(|r| r.collect()).map_err(|e| sql_error(&file, e))
}

/// Writes the log as JSON lines.
pub fn export(entries: &[Entry], out: &mut impl Write) -> std::io::Result<()> {
    for e in entries {
        serde_json::to_writer(&mut *out, e)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// Reads a log exported as JSON lines; a line that is not an entry is named.
pub fn read_jsonl(path: &Path) -> Result<Vec<Entry>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path.display().to_string(), e))?;
    let mut entries = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| Error::io(path.display().to_string(), e))?;
        if line.trim().is_empty() {
            continue;
        }
        let e: Entry = serde_json::from_str(&line).map_err(|e| {
            Error::new(
                ErrorKind::Content,
                path.display().to_string(),
                format!("line {} is not a log entry: {e}", i + 1),
            )
            .at(samla_noark5::pos::Pos { line: i as u64 + 1, column: e.column() as u64 })
        })?;
        entries.push(e);
    }
    Ok(entries)
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The position (from 1) of the first entry that does not hold.
    pub position: usize,
    /// The seq that entry claims.
    pub seq: u64,
    /// What is wrong, for a person.
    pub what: String,
}

/// Checks the chain. `Ok(n)`: all `n` entries hold. Removing entries from the end cannot
/// be told from a shorter log; compare the count with an earlier export for that.
pub fn verify(entries: &[Entry]) -> std::result::Result<usize, Break> {
    let mut prev = GENESIS.to_string();
    for (expected, (i, e)) in (1u64..).zip(entries.iter().enumerate()) {
        let position = i + 1;
        let fail = |what: String| Err(Break { position, seq: e.seq, what });
        if e.hash != e.compute_hash() {
            return fail(format!(
                "entry {} (position {position}) was changed: its content does not match its hash",
                e.seq
            ));
        }
        if e.seq != expected {
            if entries[position..].iter().any(|later| later.seq == expected) {
                return fail(format!(
                    "the entries are out of order: entry {} stands at position {position}, where entry {expected} belongs",
                    e.seq
                ));
            }
            if e.seq > expected {
                let what = if e.seq == expected + 1 {
                    format!("entry {expected} was removed (entry {} follows entry {})", e.seq, expected - 1)
                } else {
                    format!(
                        "entries {expected}–{} were removed (entry {} follows entry {})",
                        e.seq - 1,
                        e.seq,
                        expected - 1
                    )
                };
                return fail(what);
            }
            return fail(format!("entry {} is out of order: entry {expected} belongs at position {position}", e.seq));
        }
        if e.prev != prev {
            return fail(format!(
                "entry {} does not follow entry {}: entry {} was changed or replaced",
                e.seq,
                e.seq - 1,
                e.seq - 1
            ));
        }
        prev = e.hash.clone();
    }
    Ok(entries.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(detail: &str) -> Record {
        Record { event: Some(Event::Search), user: "kari".into(), detail: detail.into(), ..Record::default() }
    }

    fn chain(n: usize) -> Vec<Entry> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.sqlite");
        let log = AccessLog::open(&path).unwrap();
        for i in 0..n {
            assert_eq!(log.append(record(&format!("q{i}"))).unwrap(), i as u64 + 1);
        }
        read(&path).unwrap()
    }

    #[test]
    fn an_intact_chain_verifies() {
        let entries = chain(5);
        assert_eq!(verify(&entries), Ok(5));
        assert_eq!(entries[0].prev, GENESIS);
        assert_eq!(entries[1].prev, entries[0].hash);
    }

    #[test]
    fn a_changed_removed_or_reordered_entry_is_named() {
        let entries = chain(6);
        let mut changed = entries.clone();
        changed[2].detail = "q-other".into();
        let b = verify(&changed).unwrap_err();
        assert_eq!((b.seq, b.position), (3, 3));
        assert!(b.what.contains("changed"), "{}", b.what);

        let mut rehashed = entries.clone();
        rehashed[2].user = "ola".into();
        rehashed[2].hash = rehashed[2].compute_hash();
        let b = verify(&rehashed).unwrap_err();
        assert_eq!(b.seq, 4);
        assert!(b.what.contains("entry 3 was changed or replaced"), "{}", b.what);

        let mut removed = entries.clone();
        removed.remove(3);
        let b = verify(&removed).unwrap_err();
        assert!(b.what.contains("entry 4 was removed"), "{}", b.what);

        let mut reordered = entries.clone();
        reordered.swap(1, 2);
        let b = verify(&reordered).unwrap_err();
        assert_eq!(b.position, 2);
        assert!(b.what.contains("out of order: entry 3 stands at position 2"), "{}", b.what);
    }

    #[test]
    fn the_chain_goes_on_after_a_reopen_and_round_trips_through_jsonl() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.sqlite");
        AccessLog::open(&path).unwrap().append(record("a")).unwrap();
        AccessLog::open(&path).unwrap().append(record("b")).unwrap();
        let entries = read(&path).unwrap();
        assert_eq!(verify(&entries), Ok(2));
        let jsonl = dir.path().join("log.jsonl");
        export(&entries, &mut std::fs::File::create(&jsonl).unwrap()).unwrap();
        assert_eq!(read_jsonl(&jsonl).unwrap(), entries);
    }

    #[test]
    fn concurrent_appends_form_one_chain() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.sqlite");
        let log = std::sync::Arc::new(AccessLog::open(&path).unwrap());
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let log = log.clone();
                std::thread::spawn(move || {
                    for i in 0..25 {
                        log.append(record(&format!("{t}-{i}"))).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(verify(&read(&path).unwrap()), Ok(200));
    }
}
