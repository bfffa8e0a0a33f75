//! Data washing against snapshots of the national registers: Folkeregisteret,
//! Enhetsregisteret, Matrikkelen and KRR, with SSB's municipality changes.
//!
//! Washing is explained and reversible. Every record is matched by rules tried in a fixed
//! order, most certain first ([`matching`]), and gets a class: A exact, B close (with the
//! differences listed), C uncertain. Only A and B are applied. Every change is a row in a
//! ledger that names the record, the field, the old and new value, the rule, the class
//! and the snapshot. The inputs are never modified; the outputs appear complete or not
//! at all; addresses under adressebeskyttelse are never written out.
//!
//! ```no_run
//! use samla_wash::{job::Job, wash};
//! let job = Job::read(std::path::Path::new("wash.toml"))?;
//! let report = wash::run(&job, wash::RunOptions::default(), &mut |step| eprintln!("{step}"))?;
//! assert!(report.reconciled());
//! # Ok::<(), samla_wash::Error>(())
//! ```

#![warn(missing_docs)]

pub mod error;
pub mod evaluate;
pub mod job;
pub mod matching;
pub mod normalize;
pub mod parties;
mod record;
pub mod report;
pub mod snapshot;
pub mod streamed;
pub mod table;
pub mod wash;

pub use error::{Error, Result};
