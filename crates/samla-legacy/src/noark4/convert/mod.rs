//! Noark 4 → Noark 5: a Noark 4 extract converted into a Noark 5 v5.0 arkivstruktur.xml.
//!
//! The field map follows the "Noark 4" column of the Noark 5 standard's object-sorted
//! metadata catalogue: NOARKSAK → saksmappe, JOURNPOST → journalpost, DOKLINK + DOKBESKRIV
//! → dokumentbeskrivelse, DOKVERSJON → dokumentobjekt, AVSMOT → korrespondansepart (and
//! avskrivning), SAKSPART → part, MERKNAD → merknad, ORDNPRINS → klassifikasjonssystem,
//! ORDNVERDI → klasse (each saksmappe under the klasse of its KLASSERING row with the
//! lowest KL.SORT; its other klasser as referanseSekundaerKlassifikasjon), TGKODE/UOFF/
//! AGDATO → skjerming and KASSKODE/BEVTID/KASSDATO → kassasjon. Codes become the texts Noark 5
//! requires (journalposttype `I` → "Inngående dokument", …); an unknown code is reported
//! (`N4.UNKNOWN_CODE`, with table, row key, file and line) and the row is kept with the
//! code as written. systemIDs are UUIDv5 of (source, table, old key), so reruns give the
//! same IDs, and `crosswalk.csv` maps every old key to its systemID. Documents are copied
//! to `DOKUMENT/` with their SHA-256 and size, which Noark 4 does not record.
//!
//! Nothing is dropped silently: journalposter whose sak is missing go into one extra
//! saksmappe ("Journalposter uten sak", reported), and a dokumentversjon whose file is
//! missing is reported and counted as rejected. [`Conversion::counts`] gives read,
//! written and rejected per entity.
//!
//! The tables are streamed, each by a thread of its own, and joined on their parent keys
//! as they come (a merge join): Noark 4 systems write their tables in key order, so the
//! rows of one sak or journalpost stand together, and memory holds only a window of rows
//! around the saker being converted. Rows whose parent lies outside that window are set
//! aside until it comes (or reported at the end, if it never does). Should a table turn
//! out not to be in parent order (a row whose parent was already written), the
//! conversion starts again holding the rows below NOARKSAK in memory, grouped by parent
//! key, so the output is the same either way. Saksmapper are written as XML straight
//! from the packed rows ([`Fragment`](samla_noark5::writer::Fragment), no element trees)
//! by worker threads, 256 saker a job, and put in order by a writer thread. With a
//! classification the joined saker are first spilled, as their packed rows (a fifth of
//! the XML's size), per klasse to a file beside the output, and converted klasse by
//! klasse at the end. The output files go past the page cache ([`DirectFile`]), and
//! arkivstruktur.xml is hashed on a thread of its own. DOKBESKRIV and DOKVERSJON are held
//! in memory, keyed by DB.DOKID.
//!
//! The parts, each using only those listed before it:
//!
//! - `shared`: the rows as they travel, the joined saker, the key digests, the report;
//! - `setup`: the small tables held in memory, and the settings every worker reads;
//! - `mapping`: the field mapping, Noark 4 rows → Noark 5 XML ([`code_text`]);
//! - `arkiv`: arkiv, arkivdel and arkivuttrekk.xml;
//! - `klasser`: the classification, ORDNPRINS/ORDNVERDI/KLASSERING → klasser;
//! - `join`: the merge join;
//! - `spill`: the saker set aside per klasse in a file, and read back;
//! - `pipeline`: the reader, worker and writer threads;
//! - this module: the options, and [`convert`] putting it together.

mod arkiv;
mod join;
mod klasser;
mod mapping;
#[cfg(test)]
mod mapping_tests;
mod pipeline;
mod setup;
mod shared;
mod spill;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use samla_noark5::writer::DirectFile;
use samla_noark5::{Error, Result};

use super::Noark4;
use arkiv::Arkiv;
use klasser::Klasser;
use mapping::Converter;
use setup::Setup;
use shared::add_report;

pub use mapping::code_text;
pub use shared::{Conversion, Count};

/// How to convert.
#[derive(Debug, Clone)]
pub struct ConvertOptions {
    /// The source's name, part of every minted systemID (e.g. the municipality).
    pub source: String,
    /// Where to copy the XSDs from (arkivstruktur.xsd, metadatakatalog.xsd, addml.xsd);
    /// `None` writes no XSDs.
    pub schemas: Option<samla_noark5::schemas::SchemaDir>,
}

impl ConvertOptions {
    /// Options for the source called `source`, without XSDs.
    pub fn new(source: &str) -> ConvertOptions {
        ConvertOptions { source: source.to_string(), schemas: None }
    }
}

/// Converts `extract` into a Noark 5 v5.0 extract in `out` (must be empty or absent; it
/// appears whole or not at all, see [`samla_noark5::atomic::build_dir`]):
/// `arkivstruktur.xml`, `arkivuttrekk.xml` (with its digest, counts and the
/// number of document files), the XSDs if [`ConvertOptions::schemas`] is set,
/// `DOKUMENT/` and `crosswalk.csv`.
///
/// ```no_run
/// use samla_legacy::noark4::{Noark4, convert::{convert, ConvertOptions}};
/// let extract = Noark4::open("uttrekk".as_ref())?;
/// let done = convert(&extract, "ut".as_ref(), &ConvertOptions::new("ski"))?;
/// println!("{:?}", done.counts["journalpost"]);
/// # Ok::<(), samla_noark5::Error>(())
/// ```
pub fn convert(extract: &Noark4, out: &Path, options: &ConvertOptions) -> Result<Conversion> {
    // Every missing table file named at once, before anything is written.
    extract.require_table_files()?;
    // Written as `<out>.partial` and renamed at the end: a killed run leaves nothing under
    // the final name, and a rerun gives the same bytes.
    samla_noark5::atomic::build_dir(out, |partial| {
        if let Some(done) = run(extract, partial, options, true)? {
            return Ok(done);
        }
        // A table is not in parent order: again, with the rows below NOARKSAK in memory.
        fs::remove_dir_all(partial).map_err(|e| Error::io(partial.display().to_string(), e))?;
        let done = run(extract, partial, options, false)?;
        Ok(done.expect("a conversion in memory does not depend on the order of the tables"))
    })
}

/// One conversion; `None` if `streaming` and a table turned out not to be in parent order.
fn run(extract: &Noark4, out: &Path, options: &ConvertOptions, streaming: bool) -> Result<Option<Conversion>> {
    fs::create_dir_all(out).map_err(|e| Error::io(out.display().to_string(), e))?;
    let crosswalk = File::create(out.join("crosswalk.csv")).map_err(|e| Error::io("crosswalk.csv", e))?;
    let mut crosswalk = DirectFile::new(crosswalk);
    let crosswalk_error = |e: std::io::Error| Error::io("crosswalk.csv", e);
    writeln!(crosswalk, "table;key;systemID").map_err(crosswalk_error)?;
    let (mut setup, loaded) = Setup::load(extract, &options.source, out)?;
    let arkiv = Arkiv::new(extract, &options.source, &loaded, &setup.fallback_date);
    setup.arkivdel_id = arkiv.arkivdel_id.clone();
    writeln!(crosswalk, "ARKIV;{};{}", arkiv.key, arkiv.id).map_err(crosswalk_error)?;
    writeln!(crosswalk, "ARKIVDEL;{};{}", arkiv.arkivdel_key, arkiv.arkivdel_id).map_err(crosswalk_error)?;
    let klasser = Klasser::load(extract, &setup.files)?;
    let kl_rows = extract.table("KLASSERING").is_some_and(|t| t.files.iter().any(|f| f.stated_rows != Some(0)));
    setup.classified = !klasser.is_empty() || kl_rows;
    let setup = setup;
    let mut c = Converter::new(&setup);
    c.report_loaded(loaded);
    let before = std::mem::take(&mut c.report);

    let xml = arkiv.start_arkivstruktur(extract, out)?;
    let Some(written) = pipeline::write_saker(extract, &setup, klasser, &arkiv, xml, crosswalk, streaming)? else {
        return Ok(None);
    };
    let pipeline::Written { xml, mut crosswalk, report, crosswalk_rest, orphan_mappe, rest } = written;
    let mut c = Converter::new(&setup);
    c.report = before;
    c.crosswalk = crosswalk_rest;
    if rest.saker_read > 0 {
        c.count("saksmappe").read = rest.saker_read;
    }
    c.count("journalpost").read = rest.journalposter_read;
    c.count("korrespondansepart").read = rest.avsmot_read;
    add_report(&mut c.report, report);
    c.report_rows_left(rest.avsmot_left, rest.doklink_left, &rest.linked_documents);

    let io = |e: std::io::Error| Error::io("arkivstruktur.xml", e);
    let (writer, _, digest) = xml.finish().map_err(io)?.finish().map_err(io)?;
    writer.finish().map_err(io)?.sync_all().map_err(io)?;
    fs::rename(out.join("arkivstruktur.xml.partial"), out.join("arkivstruktur.xml")).map_err(io)?;
    crosswalk.write_all(&c.crosswalk).map_err(crosswalk_error)?;
    crosswalk.finish().map_err(crosswalk_error)?;

    // The XSDs, and arkivuttrekk.xml last: it states the digests of the others.
    let digests = match &options.schemas {
        Some(dir) => dir.copy_into(samla_noark5::Version::V5_0, &["arkivstruktur.xsd", "metadatakatalog.xsd"], out)?,
        None => BTreeMap::new(),
    };
    arkiv.write_arkivuttrekk(extract, out, &c.report, orphan_mappe, digest, &digests)?;
    Ok(Some(c.report))
}
