//! Deposit packages: DIAS (and later BagIt) packages an archive depot accepts, and their
//! verification.
//!
//! Today this crate holds [`verify`]: the check an auditor runs on a package. Making
//! packages (`samla package`) follows.
//!
//! ```no_run
//! let report = samla_package::verify::verify("258e3353-cef2-407f-92ac-264ad887527b.tar".as_ref(), &mut |_, _| {})?;
//! for path in &report.missing {
//!     println!("missing: {path}");
//! }
//! # Ok::<(), samla_noark5::Error>(())
//! ```

#![warn(missing_docs)]

pub mod metadata;
pub mod mets;
pub mod package;
pub mod verify;
