//! The Noark 5 model of samla, with its streaming reader and writer.
//!
//! - [`Extract`] opens an extract from a directory, a tar, or a DIAS package tar.
//! - [`stream::UnitReader`] streams arkivstruktur.xml (and the journals and the
//!   endringslogg) one unit at a time: one `mappe` with everything under it, together with
//!   the arkiv, arkivdel and klasse it sits in. Memory does not grow with the file.
//! - [`Element`] holds every element, known or not, so nothing is lost; [`model`] gives
//!   the Noark view of it ([`model::Kind`], systemID, dates).
//! - [`writer::XmlWriter`] writes it back as UTF-8; [`addml::Arkivuttrekk`] reads and
//!   writes arkivuttrekk.xml.
//! - [`schemas`] knows the official XSDs by digest and finds them on disk.
//!
//! ```
//! use samla_noark5::stream::{Event, Split, UnitReader};
//! use samla_noark5::writer::XmlWriter;
//!
//! // Copy a file through, unit by unit.
//! let xml = "<arkiv><systemID>a</systemID><arkivdel><systemID>b</systemID></arkivdel></arkiv>";
//! let mut reader = UnitReader::new(xml.as_bytes(), "arkivstruktur.xml", Split::ARKIVSTRUKTUR);
//! let mut writer = XmlWriter::new(Vec::new());
//! while let Some(event) = reader.next_event()? {
//!     writer.event(&event)?;
//! }
//! let out = String::from_utf8(writer.finish()?).unwrap();
//! assert!(out.contains("<systemID>b</systemID>"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod addml;
pub mod atomic;
pub mod element;
pub mod error;
pub mod finding;
pub mod inventory;
pub mod model;
pub mod parallel;
mod plain;
pub mod pos;
pub mod schemas;
pub mod source;
mod split;
pub mod stream;
pub mod version;
pub mod writer;
pub mod xml;

pub use element::Element;
pub use error::{Error, ErrorKind, Result};
pub use model::Version;
pub use source::Extract;

/// Lower-case hex of `bytes`.
///
/// ```
/// assert_eq!(samla_noark5::hex(&[0x0a, 0xff]), "0aff");
/// ```
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}
