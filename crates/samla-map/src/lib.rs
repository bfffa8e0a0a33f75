//! The conversion job that merges N old municipalities' sources into one dataset.
//!
//! [`job`] reads the job; [`plan`] streams every source once (the dry run): each mappe is
//! routed to convert, close or deposit by the job's rules, the retention floors and the
//! crosswalks are checked, collisions between sources are found, and everything is
//! counted so that `in = converted + closed + deposited + rejected` holds per source and
//! entity type. [`run`] does the same pass and writes: the migration extract and the
//! closed part (re-keyed, references rewritten, provenance), a deposit package per
//! source, Parquet tables, crosswalk, ledger, gap list and the report ([`report`]),
//! atomically and the same bytes every time. Noark 4 sources are converted first, ADDML
//! flat-file sources are routed whole.
//!
//! ```no_run
//! let job = samla_map::job::Job::read(std::path::Path::new("job.toml"))?;
//! let plan = samla_map::dry_run::plan(&job)?;
//! assert!(plan.reconciles());
//! let done = samla_map::run::run(&job, None)?;
//! println!("{}", done.out.join("report.html").display());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod arkivplan;
mod assemble;
mod deposit;
pub mod dry_run;
mod flat;
mod ids;
mod io;
pub mod job;
mod legacy;
mod parquet;
mod pass;
pub mod plan;
mod registers;
pub mod report;
mod rewrite;
pub mod run;
mod wash_step;
