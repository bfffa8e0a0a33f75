//! A full streaming read of an extract, counting what it holds.
//!
//! This is the reader's own end-to-end use: every XML file is parsed completely, so a
//! truncated file, a wrong encoding or a bad tar member shows up here as an error with
//! its file and position.

use std::collections::BTreeMap;
use std::io::Read;

use crate::addml::Arkivuttrekk;
use crate::error::Result;
use crate::model::{Kind, MappeType, RegistreringType};
use crate::source::Extract;
use crate::stream::{Event, Split, UnitReader};

/// What an extract holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory {
    /// The version and how it is known.
    pub version: crate::version::VersionEvidence,
    /// Archive creators named in arkivuttrekk.xml.
    pub creators: Vec<String>,
    /// Element counts in arkivstruktur.xml by Noark name (`mappe/saksmappe`,
    /// `registrering/journalpost`, `dokumentobjekt`, …).
    pub counts: BTreeMap<String, u64>,
    /// journalregistrering elements in loependeJournal.xml, if present.
    pub loepende_journal: Option<u64>,
    /// journalregistrering elements in offentligJournal.xml, if present.
    pub offentlig_journal: Option<u64>,
    /// endring elements in endringslogg.xml, if present.
    pub endringer: Option<u64>,
    /// Files in the extract and their total size.
    pub files: u64,
    /// Total size of the files in bytes.
    pub bytes: u64,
}

impl Inventory {
    /// The count for `name` (0 if none).
    pub fn count(&self, name: &str) -> u64 {
        self.counts.get(name).copied().unwrap_or(0)
    }
}

fn kind_name(kind: Kind) -> Option<&'static str> {
    Some(match kind {
        Kind::Arkiv => "arkiv",
        Kind::Arkivdel => "arkivdel",
        Kind::Klassifikasjonssystem => "klassifikasjonssystem",
        Kind::Klasse => "klasse",
        Kind::Mappe(MappeType::Mappe) => "mappe",
        Kind::Mappe(MappeType::Saksmappe) => "mappe/saksmappe",
        Kind::Mappe(MappeType::Moetemappe) => "mappe/moetemappe",
        Kind::Registrering(RegistreringType::Registrering) => "registrering",
        Kind::Registrering(RegistreringType::Basisregistrering) => "registrering/basisregistrering",
        Kind::Registrering(RegistreringType::Journalpost) => "registrering/journalpost",
        Kind::Registrering(RegistreringType::Moeteregistrering) => "registrering/moeteregistrering",
        Kind::Registrering(RegistreringType::Arkivnotat) => "registrering/arkivnotat",
        Kind::Dokumentbeskrivelse => "dokumentbeskrivelse",
        Kind::Dokumentobjekt => "dokumentobjekt",
        Kind::Korrespondansepart => "korrespondansepart",
        Kind::Part => "part",
        Kind::Sakspart => "sakspart",
        Kind::Merknad => "merknad",
        Kind::Kryssreferanse => "kryssreferanse",
        Kind::Avskrivning => "avskrivning",
        Kind::Skjerming => "skjerming",
        Kind::Kassasjon => "kassasjon",
        Kind::VirksomhetsspesifikkeMetadata => "virksomhetsspesifikkeMetadata",
        _ => return None,
    })
}

/// Counts the units of one streamed file.
fn count_units(
    source: impl Read + Send + 'static,
    file: String,
    split: Split,
    unit: &str,
    progress: &mut dyn FnMut(u64),
) -> Result<u64> {
    let mut reader = UnitReader::parallel(source, file, split);
    let mut n = 0;
    while let Some(event) = reader.next_event()? {
        if let Event::Unit(e) = event
            && e.local_name() == unit
        {
            n += 1;
        }
        progress(reader.bytes_read());
    }
    Ok(n)
}

/// Reads every XML file of `extract` completely and counts what it holds. `progress` is
/// called with the bytes of arkivstruktur.xml read so far.
pub fn take(extract: &Extract, progress: &mut dyn FnMut(u64)) -> Result<Inventory> {
    let mut inv = Inventory::default();
    for (_, size) in extract.files() {
        inv.files += 1;
        inv.bytes += size;
    }
    let mut stated = None;
    if extract.find("arkivuttrekk.xml").is_some() {
        let file = extract.display("arkivuttrekk.xml");
        let uttrekk = Arkivuttrekk::read(extract.open_file("arkivuttrekk.xml")?, &file)?;
        stated = uttrekk.version;
        inv.creators = uttrekk.record_creators;
    }
    inv.version = crate::version::VersionEvidence::gather(extract, stated.as_deref());
    let file = extract.display("arkivstruktur.xml");
    let mut reader = UnitReader::parallel(extract.open_file("arkivstruktur.xml")?, file, Split::ARKIVSTRUKTUR);
    let mut ticks = 0u32;
    while let Some(event) = reader.next_event()? {
        match event {
            Event::Start(e) => {
                if let Some(name) = kind_name(e.kind()) {
                    *inv.counts.entry(name.to_string()).or_default() += 1;
                }
                for d in e.noark_descendants().skip(1) {
                    if let Some(name) = kind_name(d.kind()) {
                        *inv.counts.entry(name.to_string()).or_default() += 1;
                    }
                }
            }
            Event::Unit(e) | Event::Field(e) => {
                for d in e.noark_descendants() {
                    if let Some(name) = kind_name(d.kind()) {
                        *inv.counts.entry(name.to_string()).or_default() += 1;
                    }
                }
            }
            Event::End(_) => {}
        }
        ticks += 1;
        if ticks.is_multiple_of(256) {
            progress(reader.bytes_read());
        }
    }
    progress(reader.bytes_read());
    let mut quiet = |_| {};
    for (name, split, unit, slot) in [
        ("loependeJournal.xml", Split::JOURNAL, "journalregistrering", &mut inv.loepende_journal),
        ("offentligJournal.xml", Split::JOURNAL, "journalregistrering", &mut inv.offentlig_journal),
        ("endringslogg.xml", Split::ENDRINGSLOGG, "endring", &mut inv.endringer),
    ] {
        if extract.find(name).is_some() {
            *slot = Some(count_units(extract.open_file(name)?, extract.display(name), split, unit, &mut quiet)?);
        }
    }
    Ok(inv)
}
