//! Deposit packages: DIAS packages (SIP and AIP) and BagIt bags an archive depot
//! accepts ([`package`]), and their verification ([`verify`]): the check an auditor runs
//! on a package.
//!
//! ```no_run
//! let report = samla_package::verify::verify("258e3353-cef2-407f-92ac-264ad887527b.tar".as_ref(), &mut |_, _| {})?;
//! for path in &report.missing {
//!     println!("missing: {path}");
//! }
//! # Ok::<(), samla_noark5::Error>(())
//! ```

#![warn(missing_docs)]

pub mod descriptive;
pub mod metadata;
pub mod mets;
pub mod package;
pub mod verify;
