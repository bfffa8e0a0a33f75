//! The lookup index of closed archives (oppslagsløsning): what `samla index` builds and
//! `samla serve` reads.
//!
//! An index is a folder: `units.sqlite` (units, documents, crosswalk; SQLite) with
//! `parties.sqlite` beside it, `search/` (tantivy, Norwegian stemming) and `log.sqlite`
//! (the hash-chained access log).
//! Both stores sit behind narrow types ([`store::Store`], [`search::Search`]), so that a
//! server for many municipalities can put PostgreSQL and OpenSearch behind the same calls.
//!
//! ```text
//! extract / run output ──▶ build::index ──▶ store (units, documents, parties, crosswalk)
//!                                      └──▶ search (open and screened text, access fields)
//! request ──▶ policy::Viewer ──▶ search (access inside the query) ──▶ store ──▶ log
//! ```

pub mod build;
pub mod log;
pub mod pdf;
pub mod policy;
pub mod screening;
pub mod search;
pub mod store;
pub mod unit_xml;
pub mod users;

use std::path::{Path, PathBuf};

/// The units file of an index folder.
pub const INDEX_UNITS: &str = "units.sqlite";
/// The parties' file of an index folder (beside the units').
pub const INDEX_PARTIES: &str = "parties.sqlite";
/// The search folder of an index folder.
pub const INDEX_SEARCH: &str = "search";
/// The access log of an index folder.
pub const INDEX_LOG: &str = "log.sqlite";

/// An index opened for reading.
pub struct Lookup {
    /// Units, documents, parties, crosswalk.
    pub store: store::Store,
    /// The search.
    pub search: search::Search,
    /// The index folder.
    pub root: PathBuf,
}

impl Lookup {
    /// Opens the index in folder `root`.
    pub fn open(root: &Path) -> samla_noark5::Result<Lookup> {
        let store = store::Store::open_read_only(&root.join(INDEX_UNITS))?;
        let search = search::Search::open(&root.join(INDEX_SEARCH))?;
        Ok(Lookup { store, search, root: root.to_path_buf() })
    }

    /// The access log's file.
    pub fn log_path(&self) -> PathBuf {
        self.root.join(INDEX_LOG)
    }
}
