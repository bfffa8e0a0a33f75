//! The extract as a whole: arkiv and arkivdel (from the first ARKIV and ARKIVDEL rows and
//! the index's EKSPORTINFO), which open arkivstruktur.xml, and arkivuttrekk.xml, which
//! describes it.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use samla_noark5::addml::{Arkivuttrekk, DataFile, Flags};
use samla_noark5::model::{NS_ARKIVSTRUKTUR, NS_METADATAKATALOG, NS_XSI};
use samla_noark5::writer::{BackgroundHashingWriter, DirectFile, XmlWriter};
use samla_noark5::{Element, Error, Result};

use super::super::Noark4;
use super::super::dates;
use super::super::ids::system_id;
use super::setup::Loaded;
use super::shared::{Conversion, SourceRow, value};

/// arkivstruktur.xml as it is written: hashed on a thread of its own, past the page cache.
pub(super) type ArkivstrukturWriter = XmlWriter<BackgroundHashingWriter<DirectFile>>;

/// The arkiv and its one arkivdel, as written.
pub(super) struct Arkiv {
    /// AR.ARKIV, or "ARKIV" without an ARKIV row; and its systemID.
    pub(super) key: String,
    pub(super) id: String,
    /// AD.ARKDEL, or "ARKIVDEL" without an ARKIVDEL row; and its systemID.
    pub(super) arkivdel_key: String,
    pub(super) arkivdel_id: String,
    /// AR.BETEGN and AD.BETEGN, where not empty.
    tittel: Option<String>,
    arkivdel_tittel: Option<String>,
    /// EI.ARKSKAPER.
    skaper: String,
    /// The extract's period, EI.FRADATO to EI.TILDATO, as xs:dates (the fallback date
    /// where one is missing).
    pub(super) from: String,
    pub(super) to: String,
}

impl Arkiv {
    pub(super) fn new(extract: &Noark4, source: &str, loaded: &Loaded, fallback_date: &str) -> Arkiv {
        let arkiv = loaded.arkiv.as_ref();
        let arkivdel = loaded.arkivdel.as_ref();
        let arkivdel_key =
            arkivdel.map(|s| value(&s.row, "AD.ARKDEL").to_string()).unwrap_or_else(|| "ARKIVDEL".into());
        let key = arkiv.map(|s| value(&s.row, "AR.ARKIV").to_string()).unwrap_or_else(|| "ARKIV".into());
        let date = |field: &str| {
            let date = extract.index.export_value(field).and_then(|d| dates::parse(d).date());
            date.map(|d| d.to_string()).unwrap_or_else(|| fallback_date.to_string())
        };
        let tittel = |row: Option<&SourceRow>, field: &str| {
            row.map(|s| value(&s.row, field).to_string()).filter(|t| !t.is_empty())
        };
        Arkiv {
            id: system_id(source, "ARKIV", &key),
            key,
            arkivdel_id: system_id(source, "ARKIVDEL", &arkivdel_key),
            arkivdel_key,
            tittel: tittel(arkiv, "AR.BETEGN"),
            arkivdel_tittel: tittel(arkivdel, "AD.BETEGN"),
            skaper: extract.index.export_value("EI.ARKSKAPER").unwrap_or("ukjent arkivskaper").to_string(),
            from: date("EI.FRADATO"),
            to: date("EI.TILDATO"),
        }
    }

    /// Creates `arkivstruktur.xml.partial` in `out` and writes the start of arkiv and
    /// arkivdel, with their fields.
    pub(super) fn start_arkivstruktur(&self, extract: &Noark4, out: &Path) -> Result<ArkivstrukturWriter> {
        let partial = out.join("arkivstruktur.xml.partial");
        let file = File::create(&partial).map_err(|e| Error::io(partial.display().to_string(), e))?;
        let mut xml = XmlWriter::new(BackgroundHashingWriter::new(DirectFile::new(file)));
        let io = |e: std::io::Error| Error::io("arkivstruktur.xml", e);
        let (from, to) = (&self.from, &self.to);

        let mut arkiv = Element::new("arkiv");
        arkiv.set_attr("xmlns", NS_ARKIVSTRUKTUR);
        arkiv.set_attr("xmlns:xsi", NS_XSI);
        arkiv.set_attr("xmlns:n5mdk", NS_METADATAKATALOG);
        arkiv.set_attr("xsi:schemaLocation", format!("{NS_ARKIVSTRUKTUR} arkivstruktur.xsd"));
        arkiv.push_field("systemID", self.id.clone());
        let tittel = self.tittel.clone().unwrap_or_else(|| format!("Noark 4-arkiv fra {}", self.skaper));
        arkiv.push_field("tittel", tittel);
        arkiv.push_field("beskrivelse", "Konvertert fra et Noark 4-uttrekk av samla");
        arkiv.push_field("arkivstatus", "Avsluttet");
        arkiv.push_field("dokumentmedium", "Elektronisk arkiv");
        arkiv.push_field("opprettetDato", format!("{from}T00:00:00"));
        arkiv.push_field("opprettetAv", "samla");
        arkiv.push_field("avsluttetDato", format!("{to}T00:00:00"));
        arkiv.push_field("avsluttetAv", "samla");
        let mut arkivskaper = Element::new("arkivskaper");
        arkivskaper.push_field(
            "arkivskaperID",
            extract.index.export_value("EI.KOMMUNE").filter(|k| !k.is_empty()).unwrap_or("ukjent"),
        );
        arkivskaper.push_field("arkivskaperNavn", self.skaper.clone());
        arkivskaper.push_field("beskrivelse", "Opphav: Noark 4");
        arkiv.push(arkivskaper);
        xml.start(&arkiv).map_err(io)?;

        let mut del = Element::new("arkivdel");
        del.push_field("systemID", self.arkivdel_id.clone());
        del.push_field("tittel", self.arkivdel_tittel.clone().unwrap_or_else(|| "Sakarkiv".into()));
        del.push_field("beskrivelse", "Noark 4");
        del.push_field("arkivdelstatus", "Avsluttet periode");
        del.push_field("dokumentmedium", "Elektronisk arkiv");
        del.push_field("opprettetDato", format!("{from}T00:00:00"));
        del.push_field("opprettetAv", "samla");
        del.push_field("avsluttetDato", format!("{to}T00:00:00"));
        del.push_field("avsluttetAv", "samla");
        del.push_field("arkivperiodeStartDato", from.clone());
        del.push_field("arkivperiodeSluttDato", to.clone());
        xml.start(&del).map_err(io)?;
        Ok(xml)
    }

    /// Writes `arkivuttrekk.xml` in `out`: arkivstruktur.xml's `digest` and counts (the
    /// saksmapper written, and the one of journalposter without a sak if
    /// `orphan_mappe`), and the digests of the XSDs copied (`schemas`).
    pub(super) fn write_arkivuttrekk(
        &self,
        extract: &Noark4,
        out: &Path,
        report: &Conversion,
        orphan_mappe: bool,
        digest: String,
        schemas: &BTreeMap<String, String>,
    ) -> Result<()> {
        let written = |e: &str| report.counts.get(e).map_or(0, |n| n.written);
        let mapper = written("saksmappe") + u64::from(orphan_mappe);
        let uttrekk = Arkivuttrekk {
            version: Some("5.0".into()),
            record_creators: vec![self.skaper.clone()],
            system_type: Some("Sakarkiv (Noark 4, konvertert til Noark 5)".into()),
            system_name: Some(
                extract.index.export_value("EI.SYSTEMNAVN").filter(|s| !s.is_empty()).unwrap_or("Noark 4").to_string(),
            ),
            archive: Some(self.skaper.clone()),
            period_start: Some(self.from.clone()),
            period_end: Some(self.to.clone()),
            info: Flags {
                skjermet: written("skjerming") > 0,
                skal_kasseres: written("kassasjon") > 0,
                virksomhetsspesifikke: false,
                dokumentfiler: written("dokumentobjekt"),
            }
            .info(),
            files: vec![DataFile::noark(
                "arkivstruktur",
                digest,
                vec![("mappe".into(), mapper.to_string()), ("registrering".into(), written("journalpost").to_string())],
                schemas,
            )],
        };
        let path = out.join("arkivuttrekk.xml");
        let file = File::create(&path).map_err(|e| Error::io("arkivuttrekk.xml", e))?;
        uttrekk.write(BufWriter::new(file)).map_err(|e| Error::io("arkivuttrekk.xml", e))
    }
}
