//! The conversion job that merges N old municipalities' sources into one dataset.
//!
//! This first part reads the job ([`job`]) and plans the run ([`plan`]): every source is
//! streamed once; each mappe is routed to convert, close or deposit by the job's rules;
//! the retention floors (open cases, a registrering in the last 10 years) and the
//! crosswalks (no unmapped value passes silently) are checked; collisions between
//! sources (mappeID, document file names) are found; and everything is counted so that
//! `in = converted + closed + deposited + rejected` holds per source and entity type.
//! Writing the merged dataset comes next.
//!
//! ```no_run
//! let job = samla_map::job::Job::read(std::path::Path::new("job.toml"))?;
//! let plan = samla_map::plan::plan(&job)?;
//! assert!(plan.reconciles());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod flat;
pub mod job;
mod legacy;
pub mod plan;
pub mod report;
pub mod run;
