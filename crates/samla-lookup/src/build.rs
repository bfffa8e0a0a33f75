//! Building the index: `samla index SOURCE... --out INDEX`.
//!
//! A source is a Noark 5 extract (folder, tar or DIAS package, read in place) or the
//! output folder of `samla run`, whose `closed/` part and deposit packages are indexed and
//! whose crosswalk answers "where did it go?". Documents are not copied: the index keeps
//! where each file is inside its extract and its stated checksum. A source whose
//! fingerprint (its files' names, sizes and times) has not changed is skipped.

use std::path::{Path, PathBuf};
use std::time::Instant;

use sha2::{Digest, Sha256};

use samla_noark5::model::Date;
use samla_noark5::stream::{Event, Split, UnitReader};
use samla_noark5::writer::XmlWriter;
use samla_noark5::{Element, Error, ErrorKind, Extract, Result};

use crate::policy::Scope;
use crate::screening::Screening;
use crate::search::{Search, SearchDoc};
use crate::store::{CrosswalkRow, Document, Party, Rows, Store, Unit, UnitKind};
use crate::unit_xml::UnitXml;
use crate::{INDEX_LOG, INDEX_SEARCH, INDEX_UNITS};

/// What one source gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSummary {
    /// The name grants refer to.
    pub name: String,
    /// Where it is.
    pub location: String,
    /// extract, closed, deposit or crosswalk.
    pub role: String,
    /// Units indexed (0 when skipped).
    pub units: u64,
    /// PDF documents whose text layer was indexed.
    pub pdf_texts: u64,
    /// Unchanged since the last `samla index`: not read again.
    pub skipped: bool,
}

/// What `samla index` did.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Per source, in the order given.
    pub sources: Vec<SourceSummary>,
    /// Wall time.
    pub seconds: f64,
}

/// One thing to index.
struct Planned {
    name: String,
    location: PathBuf,
    role: &'static str,
}

/// Indexes `paths` into the index folder `out`. `name` names a single extract (default:
/// its file or folder name; a deposit package is named by its source folder).
pub fn index(paths: &[PathBuf], out: &Path, name: Option<&str>, progress: &mut dyn FnMut(&str)) -> Result<Summary> {
    let started = Instant::now();
    if name.is_some() && paths.len() > 1 {
        return Err(Error::new(ErrorKind::Content, "--name", "--name names one source; give one path with it"));
    }
    let mut planned = Vec::new();
    for p in paths {
        planned.extend(plan(p, name)?);
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out.display().to_string(), e))?;
    let _lock = samla_noark5::atomic::OutputLock::take(out)?;
    let mut store = Store::open(&out.join(INDEX_UNITS))?;
    let mut search = Search::open_for_writing(&out.join(INDEX_SEARCH))?;
    // The log lives beside the units from the start, so that `serve` finds one chain.
    crate::log::AccessLog::open(&out.join(INDEX_LOG))?;
    // A fresh index is filled in bulk: its secondary indexes are made once, at the end.
    let bulk = store.sources()?.is_empty();
    if bulk {
        store.begin_bulk()?;
    }
    let mut summary = Summary::default();
    for p in planned {
        let location = p.location.display().to_string();
        let fingerprint = fingerprint(&p.location, p.role)?;
        if let Some(old) = store.source_at(&location)? {
            if old.fingerprint == fingerprint && old.name == p.name {
                progress(&format!("{location}: unchanged, skipped"));
                summary.sources.push(SourceSummary {
                    name: p.name,
                    location,
                    role: p.role.into(),
                    units: old.units as u64,
                    pdf_texts: 0,
                    skipped: true,
                });
                continue;
            }
            store.begin()?;
            store.remove_source(old.id)?;
            store.commit()?;
            search.remove_source(old.id)?;
        }
        progress(&format!("{location}: indexing as {} ({})", p.name, p.role));
        store.begin()?;
        let id = store.add_source(&p.name, &location, p.role, &fingerprint)?;
        let (units, pdf_texts) = if p.role == "crosswalk" {
            (read_crosswalk(&p.location, id, &mut store)?, 0)
        } else {
            walk(&p.location, p.role == "closed", &mut store, &mut search, id, &p.name)?
        };
        store.set_source_units(id, units as i64)?;
        store.commit()?;
        search.commit()?;
        summary.sources.push(SourceSummary {
            name: p.name,
            location,
            role: p.role.into(),
            units,
            pdf_texts,
            skipped: false,
        });
    }
    search.commit()?;
    search.finish()?;
    if bulk {
        progress("making the lookup indexes");
        store.end_bulk()?;
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// What a path holds: an extract, or a `samla run` output (closed part, deposit packages, crosswalk).
fn plan(path: &Path, name: Option<&str>) -> Result<Vec<Planned>> {
    let canonical = std::fs::canonicalize(path).map_err(|e| {
        Error::io(path.display().to_string(), e)
            .with_hint("give a Noark 5 extract (folder, tar, DIAS package) or the output folder of `samla run`")
    })?;
    if canonical.join("run.json").is_file() && canonical.join("crosswalk.csv").is_file() {
        let run = name.map(str::to_string).unwrap_or_else(|| file_name(&canonical));
        let mut out = Vec::new();
        let closed = canonical.join("closed");
        if closed.join("arkivstruktur.xml").is_file() {
            out.push(Planned { name: run.clone(), location: closed, role: "closed" });
        }
        let mut sources: Vec<PathBuf> = read_dir(&canonical.join("deposit"))?;
        sources.sort();
        for s in sources.into_iter().filter(|s| s.is_dir()) {
            let mut tars: Vec<PathBuf> =
                read_dir(&s)?.into_iter().filter(|p| p.extension().is_some_and(|e| e == "tar")).collect();
            tars.sort();
            for tar in tars {
                out.push(Planned { name: file_name(&s), location: tar, role: "deposit" });
            }
        }
        out.push(Planned { name: run, location: canonical.join("crosswalk.csv"), role: "crosswalk" });
        return Ok(out);
    }
    let name = name.map(str::to_string).unwrap_or_else(|| {
        // A deposit package is named by the folder of its source (deposit/<source>/<uuid>.tar).
        let stem = canonical.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        if stem.len() == 36 && stem.matches('-').count() == 4 {
            canonical.parent().map(file_name).unwrap_or(stem)
        } else {
            stem
        }
    });
    Ok(vec![Planned { name, location: canonical, role: "extract" }])
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>> {
    match std::fs::read_dir(dir) {
        Ok(d) => d.map(|e| e.map(|e| e.path()).map_err(|e| Error::io(dir.display().to_string(), e))).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(Error::io(dir.display().to_string(), e)),
    }
}

/// The fingerprint of a source: its files' names, sizes and times (and the tar's own).
fn fingerprint(path: &Path, role: &str) -> Result<String> {
    let mut h = Sha256::new();
    h.update(role.as_bytes());
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path.display().to_string(), e))?;
    if meta.is_file() {
        let mtime = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
        h.update(format!("{}\t{:?}\n", meta.len(), mtime).as_bytes());
    }
    if role != "crosswalk" {
        let extract = Extract::open(path)?;
        for (name, size) in extract.files() {
            h.update(format!("{name}\t{size}\t{:?}\n", extract.mtime(name)).as_bytes());
        }
    }
    Ok(samla_noark5::hex(&h.finalize()))
}

fn read_crosswalk(path: &Path, source_id: i64, store: &mut Store) -> Result<u64> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path.display().to_string(), e))?;
    let mut n = 0;
    for (i, line) in text.lines().enumerate().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        if cols.len() < 4 {
            return Err(Error::new(ErrorKind::Content, path.display().to_string(), "a row has fewer than 4 columns")
                .at(samla_noark5::pos::Pos { line: i as u64 + 1, column: 1 })
                .with_hint("the crosswalk is written by `samla run`: source,entity,old_system_id,new_system_id"));
        }
        let row =
            CrosswalkRow { source: cols[0].into(), entity: cols[1].into(), old: cols[2].into(), new: cols[3].into() };
        store.insert_crosswalk(source_id, &row)?;
        n += 1;
    }
    Ok(n)
}

/// What the units inside a unit inherit from it.
#[derive(Clone, Default)]
struct Context {
    id: Option<i64>,
    scope: Scope,
    hjemmel: Option<String>,
    screened_fields: Vec<String>,
}

/// Indexes one extract and returns its units and PDF texts. Units are parsed, and turned
/// into rows and search documents, on this thread; the rows are compressed and stored by
/// a thread of their own.
fn walk(
    path: &Path,
    closed: bool,
    store: &mut Store,
    search: &mut Search,
    source_id: i64,
    name: &str,
) -> Result<(u64, u64)> {
    let next_id = store.next_unit_id()?;
    std::thread::scope(|scope| {
        let (rows, received) = std::sync::mpsc::sync_channel::<Rows>(16);
        let writer = std::thread::Builder::new()
            .name("index-store".into())
            .spawn_scoped(scope, move || store.insert_rows(received))
            .map_err(|e| Error::io("index", e))?;
        let mut w = Walker {
            files: None,
            rows,
            batch: Rows::default(),
            search,
            source_id,
            name,
            next_id,
            units: 0,
            pdf_texts: 0,
        };
        let walked = w.extract(path, closed).and_then(|()| w.send());
        let counts = (w.units, w.pdf_texts);
        // Ends the writer's input.
        drop(w);
        let stored =
            writer.join().unwrap_or_else(|_| Err(Error::new(ErrorKind::Io, "index", "the store's writer stopped")));
        // The writer's error is the cause when both failed.
        stored?;
        walked?;
        Ok(counts)
    })
}

/// Rows handed to the store's writer at a time.
const ROWS: usize = 256;

struct Walker<'a> {
    /// The extract being read, for the text layer of its PDFs.
    files: Option<std::sync::Arc<Extract>>,
    rows: std::sync::mpsc::SyncSender<Rows>,
    batch: Rows,
    search: &'a mut Search,
    /// The next unit's row id.
    next_id: i64,
    source_id: i64,
    name: &'a str,
    units: u64,
    /// PDFs whose text layer was indexed.
    pdf_texts: u64,
}

impl Walker<'_> {
    /// Hands the rows gathered so far to the writer.
    fn send(&mut self) -> Result<()> {
        let batch = std::mem::take(&mut self.batch);
        self.rows.send(batch).map_err(|_| Error::new(ErrorKind::Io, "index", "the store's writer stopped"))
    }

    fn extract(&mut self, path: &Path, closed: bool) -> Result<()> {
        let extract = std::sync::Arc::new(Extract::open(path)?);
        self.files = Some(extract.clone());
        let file = extract.find("arkivstruktur.xml").map(str::to_string).ok_or_else(|| {
            Error::new(ErrorKind::Missing, extract.display("arkivstruktur.xml"), "the extract has no arkivstruktur.xml")
                .with_hint("give a Noark 5 extract; `samla check` says what is wrong with it")
        })?;
        let mut reader = UnitReader::parallel(extract.open_file(&file)?, extract.display(&file), Split::ARKIVSTRUKTUR);
        let root = Context { scope: Scope { source: self.name.to_string(), ..Scope::default() }, ..Context::default() };
        let mut stack: Vec<Context> = Vec::new();
        while let Some(event) = reader.next_event()? {
            match event {
                Event::Start(header) => {
                    let ctx = self.unit(&header, stack.last().unwrap_or(&root), closed)?;
                    stack.push(ctx);
                }
                Event::End(_) => {
                    // A container's row went to the store before its units were read.
                    if let Some(id) = stack.pop().and_then(|c| c.id) {
                        self.batch.ends.push((id, self.next_id - 1));
                    }
                }
                Event::Unit(unit) => {
                    self.unit(&unit, stack.last().unwrap_or(&root), closed)?;
                }
                Event::Field(_) => {}
            }
        }
        Ok(())
    }

    /// Stores `e` and the units inside it, and returns what they inherit.
    fn unit(&mut self, e: &Element, parent: &Context, closed: bool) -> Result<Context> {
        let Some(kind) = UnitKind::parse(e.local_name()) else { return Ok(parent.clone()) };
        let own = Own::read(e);
        let mut scope = parent.scope.clone();
        // A closed unit's source is the old municipality its provenance names.
        let provenance = own.extra.and_then(|v| v.descendants().find(|d| d.local_name() == "proveniens"));
        if closed && let Some(kilde) = provenance.and_then(|p| p.value("kilde")) {
            scope.source = kilde.trim().to_string();
        }
        let owned = |v: Option<&str>| v.map(str::to_string);
        match kind {
            UnitKind::Arkivdel => {
                scope.arkivdel = [own.system_id, own.tittel].into_iter().flatten().map(String::from).collect()
            }
            UnitKind::Klasse => scope.klasse = owned(own.ident),
            UnitKind::Mappe if scope.mappetype.is_none() => {
                scope.mappetype = Some(own.mappetype.or_else(|| e.xsi_type()).unwrap_or("mappe").to_string())
            }
            _ => {}
        }
        let mut hjemmel = None;
        let mut screened_fields = None;
        if let Some(s) = own.skjerming
            && let Some(code) = s.value("tilgangsrestriksjon").map(str::trim).filter(|c| !c.is_empty())
        {
            scope.restriction = Some(code.to_string());
            hjemmel = Some(s.value("skjermingshjemmel").map(|h| h.trim().to_string()));
            screened_fields = Some(s.children_named("skjermingMetadata").map(|m| m.text.trim().to_string()).collect());
        }
        let hjemmel = hjemmel.unwrap_or_else(|| parent.hjemmel.clone());
        let screened_fields: Vec<String> = screened_fields.unwrap_or_else(|| parent.screened_fields.clone());
        if let Some(g) = own.gradering.and_then(|g| g.value("grad")).map(str::trim).filter(|g| !g.is_empty()) {
            scope.grade = Some(g.to_string());
        }
        let id = self.next_id;
        self.next_id += 1;
        // Read in place where the reader knows the unit's bytes; the units inside are rows
        // of their own.
        let xml = match crate::unit_xml::own_ranges(e, is_sub_unit) {
            Some(ranges) => UnitXml::InExtract(ranges),
            None => {
                let mut xml = Vec::new();
                XmlWriter::fragment(&mut xml, 0)
                    .element_without(e, is_sub_unit)
                    .map_err(|err| Error::io("index", err))?;
                UnitXml::Stored(
                    String::from_utf8(xml).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
                )
            }
        };
        let mut unit = Unit {
            id,
            last: id,
            source_id: self.source_id,
            parent: parent.id,
            kind: Some(kind),
            subtype: if kind == UnitKind::Mappe { scope.mappetype.clone() } else { e.xsi_type().map(str::to_string) },
            system_id: own.system_id.unwrap_or_default().to_string(),
            ident: owned(own.ident),
            title: owned(own.tittel),
            public_title: owned(own.offentlig_tittel),
            date: owned(own.date),
            scope: scope.clone(),
            hjemmel: hjemmel.clone(),
            screened_fields: screened_fields.clone(),
            xml,
            old_system_id: provenance.and_then(|p| p.value("gammelSystemID")).map(|v| v.trim().to_string()),
            old_ident: provenance
                .and_then(|p| p.value("gammelMappeID").or_else(|| p.value("gammelRegistreringsID")))
                .map(|v| v.trim().to_string()),
        };
        self.units += 1;
        let scope = if kind.is_record() {
            let screening = Screening::new(scope.restriction.is_some(), &screened_fields);
            let mut doc = SearchDoc {
                id,
                source_id: self.source_id,
                kind: Some(kind),
                scope,
                year: own.date.and_then(Date::parse).map(|d| i64::from(d.year)),
                ..SearchDoc::default()
            };
            self.text(&own, &screening, &mut doc, id)?;
            if kind == UnitKind::Dokumentbeskrivelse {
                // A screened unit's documents are not served, so their words are found only
                // by those cleared to open it.
                let target = if doc.scope.restriction.is_some() { &mut doc.screened } else { &mut doc.open };
                for o in &own.dokumentobjekter {
                    if let Some(text) = self.pdf_text(o) {
                        target.push_str(&text);
                        target.push('\n');
                    }
                }
            }
            self.search.add(&doc)?;
            doc.scope
        } else {
            scope
        };
        for (n, o) in own.dokumentobjekter.iter().enumerate() {
            let v = |f: &str| o.value(f).map(|x| x.trim().to_string()).filter(|x| !x.is_empty());
            self.batch.documents.push(Document {
                unit: id,
                n: n as i64 + 1,
                path: v("referanseDokumentfil").unwrap_or_default(),
                checksum: v("sjekksum").unwrap_or_default().to_lowercase(),
                algorithm: v("sjekksumAlgoritme").unwrap_or_default(),
                size: v("filstoerrelse").and_then(|s| s.parse().ok()),
                format: v("format"),
                variant: v("variantformat"),
            });
        }
        let ctx = Context { id: Some(id), scope, hjemmel, screened_fields };
        for child in &own.units {
            self.unit(child, &ctx, closed)?;
        }
        // Its row follows those inside it, so that it knows its last (rows are numbered in
        // document order).
        unit.last = self.next_id - 1;
        self.batch.units.push(unit);
        if self.batch.len() >= ROWS {
            self.send()?;
        }
        Ok(ctx)
    }

    /// The text layer of a dokumentobjekt's PDF, read in place from the extract.
    fn pdf_text(&mut self, o: &Element) -> Option<String> {
        use std::io::Read;
        let path = o.value("referanseDokumentfil")?.trim();
        if !path.to_lowercase().ends_with(".pdf") {
            return None;
        }
        let files = self.files.as_ref()?;
        let mut bytes = Vec::new();
        files.open_file(path).ok()?.take(crate::pdf::MAX_PDF).read_to_end(&mut bytes).ok()?;
        let text = crate::pdf::text(&bytes);
        if text.is_some() {
            self.pdf_texts += 1;
        }
        text
    }

    /// The unit's searchable text, open or screened, and its parties.
    fn text(&mut self, own: &Own, screening: &Option<Screening>, doc: &mut SearchDoc, id: i64) -> Result<()> {
        let screens = |name: &str| screening.as_ref().is_some_and(|s| s.screens(name));
        let mut put = |name: &str, text: &str| {
            let target = if screens(name) { &mut doc.screened } else { &mut doc.open };
            target.push_str(text);
            target.push('\n');
        };
        for (field, text) in &own.text {
            put(field, text);
        }
        for (element, c) in &own.parties {
            let name = ["korrespondansepartNavn", "partNavn", "sakspartNavn"]
                .iter()
                .find_map(|f| c.value(f))
                .map(str::trim)
                .unwrap_or_default()
                .to_string();
            let pid = party_id(c);
            put(element, &name);
            if let Some(p) = &pid {
                put(element, p);
            }
            self.batch.parties.push(Party { unit: id, element: element.to_string(), name, id: pid });
        }
        Ok(())
    }
}

/// What a unit's element holds, read in one pass over its children.
#[derive(Default)]
struct Own<'e> {
    system_id: Option<&'e str>,
    /// klasseID, mappeID, registreringsID or dokumentnummer.
    ident: Option<&'e str>,
    tittel: Option<&'e str>,
    offentlig_tittel: Option<&'e str>,
    mappetype: Option<&'e str>,
    /// saksdato, journaldato, moetedato or opprettetDato, in that order of preference.
    date: Option<&'e str>,
    date_rank: usize,
    skjerming: Option<&'e Element>,
    gradering: Option<&'e Element>,
    extra: Option<&'e Element>,
    /// Searchable text: (field, text).
    text: Vec<(&'static str, &'e str)>,
    /// korrespondansepart, part or sakspart.
    parties: Vec<(&'static str, &'e Element)>,
    dokumentobjekter: Vec<&'e Element>,
    /// The units inside.
    units: Vec<&'e Element>,
}

const DATES: [&str; 4] = ["saksdato", "journaldato", "moetedato", "opprettetDato"];

impl<'e> Own<'e> {
    fn read(e: &'e Element) -> Own<'e> {
        let mut own = Own { date_rank: DATES.len(), ..Own::default() };
        let first = |slot: &mut Option<&'e str>, c: &'e Element| {
            let v = c.text.trim();
            if slot.is_none() && !v.is_empty() {
                *slot = Some(v);
            }
        };
        for c in &e.children {
            let name = c.local_name();
            match name {
                "systemID" => first(&mut own.system_id, c),
                "klasseID" | "mappeID" | "registreringsID" | "dokumentnummer" => first(&mut own.ident, c),
                "tittel" => first(&mut own.tittel, c),
                "offentligTittel" => first(&mut own.offentlig_tittel, c),
                "mappetype" => first(&mut own.mappetype, c),
                "skjerming" => own.skjerming = own.skjerming.or(Some(c)),
                "gradering" => own.gradering = own.gradering.or(Some(c)),
                "virksomhetsspesifikkeMetadata" => own.extra = own.extra.or(Some(c)),
                "dokumentobjekt" => own.dokumentobjekter.push(c),
                "korrespondansepart" => own.parties.push(("korrespondansepart", c)),
                "part" => own.parties.push(("part", c)),
                "sakspart" => own.parties.push(("sakspart", c)),
                "merknad" => own.text.push(("merknad", c.value("merknadstekst").unwrap_or_default())),
                _ => {}
            }
            if let Some(rank) = DATES.iter().position(|d| *d == name)
                && rank < own.date_rank
                && !c.text.trim().is_empty()
            {
                own.date = Some(c.text.trim());
                own.date_rank = rank;
            }
            if let Some(field) = TEXT_FIELDS.iter().find(|f| **f == name) {
                own.text.push((field, &c.text));
            }
            if is_sub_unit(c) {
                own.units.push(c);
            }
        }
        own
    }
}

/// A child that is a unit of its own (a row, and left out of its parent's metadata).
fn is_sub_unit(c: &Element) -> bool {
    let name = c.local_name();
    name != "dokumentobjekt" && UnitKind::parse(name).is_some()
}

/// The fields whose text is searched as it stands.
const TEXT_FIELDS: [&str; 7] =
    ["tittel", "offentligTittel", "beskrivelse", "mappeID", "registreringsID", "dokumentnummer", "noekkelord"];

/// A party's identifier: fødselsnummer, D-nummer, organisasjonsnummer or its own ID, in
/// that order of preference, wherever it sits inside the party.
fn party_id(party: &Element) -> Option<String> {
    const IDS: [&str; 5] = ["foedselsnummer", "DNummer", "organisasjonsnummer", "partID", "sakspartID"];
    let mut best: Option<(usize, &str)> = None;
    for d in party.descendants() {
        if let Some(rank) = IDS.iter().position(|f| *f == d.local_name())
            && best.is_none_or(|(b, _)| rank < b)
        {
            best = Some((rank, d.text.trim()));
        }
    }
    best.map(|(_, v)| v.to_string()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Grant, Role, Viewer};
    use crate::search::Filters;

    const ARKIV: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<arkiv xmlns="http://www.arkivverket.no/standarder/noark5/arkivstruktur">
  <systemID>a-1</systemID><tittel>Arkiv</tittel>
  <arkivdel><systemID>d-1</systemID><tittel>Sakarkiv</tittel>
    <mappe><systemID>m-1</systemID><mappeID>2019/17</mappeID><tittel>Søknad om skoleskyss</tittel>
      <registrering><systemID>r-1</systemID><registreringsID>2019/17-1</registreringsID><tittel>Vedtak</tittel>
        <korrespondansepart><korrespondansepartNavn>Kari Nordmann</korrespondansepartNavn></korrespondansepart>
      </registrering>
    </mappe>
  </arkivdel>
</arkiv>
"#;

    fn extract(dir: &Path, xml: &str) -> PathBuf {
        let x = dir.join("x");
        std::fs::create_dir_all(&x).unwrap();
        std::fs::write(x.join("arkivstruktur.xml"), xml).unwrap();
        x
    }

    #[test]
    fn units_rows_and_identifiers_are_found_after_the_writer_thread_stored_them() {
        let dir = tempfile::tempdir().unwrap();
        let x = extract(dir.path(), ARKIV);
        let out = dir.path().join("i");
        let summary = index(&[x], &out, None, &mut |_| {}).unwrap();
        assert_eq!(summary.sources[0].units, 4);
        let store = Store::open_read_only(&out.join(INDEX_UNITS)).unwrap();
        let r = &store.find("2019/17-1").unwrap()[0];
        assert_eq!(r.title.as_deref(), Some("Vedtak"));
        let mappe = store.unit(r.parent.unwrap()).unwrap().unwrap();
        assert_eq!((mappe.ident.as_deref(), mappe.parent.is_some()), (Some("2019/17"), true));
        let x = Extract::open(&dir.path().join("x")).unwrap();
        let (r_xml, mappe_xml) = (r.element(|| Ok(&x)).unwrap(), mappe.element(|| Ok(&x)).unwrap());
        assert!(matches!(mappe.xml, UnitXml::InExtract(_)), "{:?}", mappe.xml);
        assert_eq!(
            r_xml.child("korrespondansepart").and_then(|k| k.value("korrespondansepartNavn")),
            Some("Kari Nordmann")
        );
        assert_eq!(
            mappe_xml.children.iter().map(|c| c.local_name()).collect::<Vec<_>>(),
            ["systemID", "mappeID", "tittel"]
        );
        let search = crate::search::Search::open(&out.join(INDEX_SEARCH)).unwrap();
        let all = Viewer { user: "a".into(), roles: vec![Role { grants: vec![Grant::default()], ..Role::default() }] };
        let words = |text: &str| crate::search::Words::new(text, |w| store.named(w)).unwrap();
        for (text, hit) in [("r-1", r.id), ("2019/17-1", r.id), ("m-1", mappe.id), ("skoleskyss", mappe.id)] {
            let hits = search.search(&all, &words(text), &Filters::default(), 0, 10).unwrap();
            assert_eq!(hits.ids, [hit], "{text}");
        }
        // An identifier is matched whole, not as a prefix or in another case.
        assert_eq!(search.search(&all, &words("R-1"), &Filters::default(), 0, 10).unwrap().total, 0);
        assert_eq!(search.search(&all, &words("m"), &Filters::default(), 0, 10).unwrap().total, 0);
        // Rows are in document order: the mappe's last is its registrering, the arkiv's too.
        assert_eq!((mappe.inside(), store.unit(1).unwrap().unwrap().inside()), (r.id..=r.id, 2..=r.id));
        let within = Filters { within: Some(mappe.inside()), ..Filters::default() };
        assert_eq!(search.search(&all, &words(""), &within, 0, 10).unwrap().ids, [r.id]);
    }

    /// A unit read in place from an extract that changed since is an error that says so,
    /// never another unit's bytes.
    #[test]
    fn a_unit_read_in_place_from_a_changed_extract_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let x = extract(dir.path(), ARKIV);
        let out = dir.path().join("i");
        index(std::slice::from_ref(&x), &out, None, &mut |_| {}).unwrap();
        let store = Store::open_read_only(&out.join(INDEX_UNITS)).unwrap();
        let r = store.find("2019/17-1").unwrap().remove(0);
        let read = |xml: &str| {
            std::fs::write(x.join("arkivstruktur.xml"), xml).unwrap();
            let x = Extract::open(&x).unwrap();
            r.element(|| Ok(&x)).map_err(|e| e.to_string())
        };
        assert_eq!(read(ARKIV).unwrap().value("tittel"), Some("Vedtak"));
        for changed in
            [ARKIV.replacen("<arkiv ", "<arkiv  ", 1), ARKIV.replacen("r-1", "r-2", 1), ARKIV[..200].to_string()]
        {
            let err = read(&changed).unwrap_err();
            assert!(err.contains("arkivstruktur.xml") && err.contains("changed after it was indexed"), "{err}");
        }
    }

    /// A tar (written by GNU tar) is read in place too: a unit's ranges are in the member.
    #[test]
    fn units_of_an_extract_in_a_tar_are_read_in_place_from_the_member() {
        let dir = tempfile::tempdir().unwrap();
        extract(dir.path(), ARKIV);
        let tar = dir.path().join("x.tar");
        let made = std::process::Command::new("tar").arg("-cf").arg(&tar).arg("-C").arg(dir.path()).arg("x").status();
        assert!(made.unwrap().success());
        let out = dir.path().join("i");
        index(std::slice::from_ref(&tar), &out, None, &mut |_| {}).unwrap();
        let store = Store::open_read_only(&out.join(INDEX_UNITS)).unwrap();
        let r = store.find("2019/17-1").unwrap().remove(0);
        assert!(matches!(&r.xml, UnitXml::InExtract(ranges) if ranges.len() == 1), "{:?}", r.xml);
        let read = r.element(|| Extract::open(&tar).map(Box::new)).unwrap();
        assert_eq!(read.value("tittel"), Some("Vedtak"));
        assert_eq!(
            read.child("korrespondansepart").and_then(|k| k.value("korrespondansepartNavn")),
            Some("Kari Nordmann")
        );
    }

    /// A file in another encoding is not cut into units by the reader, so no unit has a
    /// span: each keeps its metadata as XML in the index, decoded.
    #[test]
    fn units_of_a_latin_1_extract_keep_their_metadata_in_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let x = dir.path().join("x");
        std::fs::create_dir_all(&x).unwrap();
        let xml = ARKIV.replace("UTF-8", "ISO-8859-1");
        let latin1: Vec<u8> = xml.chars().map(|c| u8::try_from(u32::from(c)).unwrap()).collect();
        std::fs::write(x.join("arkivstruktur.xml"), latin1).unwrap();
        let out = dir.path().join("i");
        index(std::slice::from_ref(&x), &out, None, &mut |_| {}).unwrap();
        let store = Store::open_read_only(&out.join(INDEX_UNITS)).unwrap();
        let mappe = store.find("2019/17").unwrap().remove(0);
        assert!(matches!(&mappe.xml, UnitXml::Stored(s) if s.contains("Søknad om skoleskyss")), "{:?}", mappe.xml);
        let opened = mappe.element(|| Extract::open(&x).map(std::sync::Arc::new)).unwrap();
        assert_eq!(opened.value("tittel"), Some("Søknad om skoleskyss"));
    }

    #[test]
    fn a_truncated_extract_ends_the_indexing_with_its_position_and_the_writer_does_not_hang() {
        let dir = tempfile::tempdir().unwrap();
        let cut = &ARKIV[..ARKIV.find("</registrering>").unwrap()];
        let x = extract(dir.path(), cut);
        let err = index(&[x], &dir.path().join("i"), None, &mut |_| {}).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("arkivstruktur.xml:8:7: the file ends inside <registrering>"), "{msg}");
    }
}
