//! Old systems in: extracts that are not Noark 5.
//!
//! - [`flat`]: the ADDML flat-file extracts made for the depot from specialist systems
//!   (fagsystem) and from Noark 3 systems.
//! - [`noark4`]: Noark 4 extracts (`NOARKIH.XML` and its table files), streamed row by
//!   row and checked.
//!
//! The conversion to the Noark 5 model follows.
//!
//! ```no_run
//! use samla_legacy::flat::{Description, Records};
//! let description = Description::read(std::fs::File::open("addml.xml")?, "addml.xml")?;
//! for file in &description.files {
//!     let mut records = Records::new(file, std::fs::File::open(&file.file_name)?, file.file_name.clone())?;
//!     let mut n = 0;
//!     while records.next_record()?.is_some() {
//!         n += 1;
//!     }
//!     println!("{}: {n} records", file.name);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod flat;
pub mod kind;
pub mod noark4;

pub use kind::SourceKind;
