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
use crate::store::{CrosswalkRow, Document, Party, Store, Unit, UnitKind};
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
            search.remove_source(old.id);
        }
        progress(&format!("{location}: indexing as {} ({})", p.name, p.role));
        store.begin()?;
        let id = store.add_source(&p.name, &location, p.role, &fingerprint)?;
        let (units, pdf_texts) = if p.role == "crosswalk" {
            (read_crosswalk(&p.location, id, &mut store)?, 0)
        } else {
            let mut w = Walker {
                files: None,
                store: &mut store,
                search: &mut search,
                source_id: id,
                name: &p.name,
                units: 0,
                pdf_texts: 0,
            };
            w.extract(&p.location, p.role == "closed")?;
            (w.units, w.pdf_texts)
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
    ancestors: Vec<i64>,
}

struct Walker<'a> {
    /// The extract being read, for the text layer of its PDFs.
    files: Option<std::sync::Arc<Extract>>,
    store: &'a mut Store,
    search: &'a mut Search,
    source_id: i64,
    name: &'a str,
    units: u64,
    /// PDFs whose text layer was indexed.
    pdf_texts: u64,
}

impl Walker<'_> {
    fn extract(&mut self, path: &Path, closed: bool) -> Result<()> {
        let extract = std::sync::Arc::new(Extract::open(path)?);
        self.files = Some(extract.clone());
        let file = extract.find("arkivstruktur.xml").map(str::to_string).ok_or_else(|| {
            Error::new(ErrorKind::Missing, extract.display("arkivstruktur.xml"), "the extract has no arkivstruktur.xml")
                .with_hint("give a Noark 5 extract; `samla check` says what is wrong with it")
        })?;
        let mut reader = UnitReader::parallel(extract.open_file(&file)?, extract.display(&file), Split::ARKIVSTRUKTUR);
        let root = Context { scope: Scope { source: self.name.to_string(), ..Scope::default() }, ..Context::default() };
        let mut stack = vec![root];
        while let Some(event) = reader.next_event()? {
            match event {
                Event::Start(header) => {
                    let parent = stack.last().cloned().unwrap_or_default();
                    let ctx = self.unit(&header, &parent, closed)?;
                    stack.push(ctx);
                }
                Event::End(_) => {
                    stack.pop();
                }
                Event::Unit(unit) => {
                    let parent = stack.last().cloned().unwrap_or_default();
                    self.unit(&unit, &parent, closed)?;
                }
                Event::Field(_) => {}
            }
        }
        Ok(())
    }

    /// Stores `e` and the units inside it, and returns what they inherit.
    fn unit(&mut self, e: &Element, parent: &Context, closed: bool) -> Result<Context> {
        let Some(kind) = UnitKind::parse(e.local_name()) else { return Ok(parent.clone()) };
        let mut scope = parent.scope.clone();
        // A closed unit's source is the old municipality its provenance names.
        let provenance = e
            .child("virksomhetsspesifikkeMetadata")
            .and_then(|v| v.descendants().find(|d| d.local_name() == "proveniens"));
        if closed && let Some(kilde) = provenance.and_then(|p| p.value("kilde")) {
            scope.source = kilde.trim().to_string();
        }
        let value = |name: &str| e.value(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        match kind {
            UnitKind::Arkivdel => scope.arkivdel = [value("systemID"), value("tittel")].into_iter().flatten().collect(),
            UnitKind::Klasse => scope.klasse = value("klasseID"),
            UnitKind::Mappe if scope.mappetype.is_none() => {
                scope.mappetype = Some(
                    value("mappetype").or_else(|| e.xsi_type().map(str::to_string)).unwrap_or_else(|| "mappe".into()),
                )
            }
            _ => {}
        }
        let mut hjemmel = parent.hjemmel.clone();
        let mut screened_fields = parent.screened_fields.clone();
        if let Some(s) = e.child("skjerming")
            && let Some(code) = s.value("tilgangsrestriksjon").map(str::trim).filter(|c| !c.is_empty())
        {
            scope.restriction = Some(code.to_string());
            hjemmel = s.value("skjermingshjemmel").map(|h| h.trim().to_string());
            screened_fields = s.children_named("skjermingMetadata").map(|m| m.text.trim().to_string()).collect();
        }
        if let Some(g) = e.child("gradering").and_then(|g| g.value("grad")).map(str::trim).filter(|g| !g.is_empty()) {
            scope.grade = Some(g.to_string());
        }
        let ident = match kind {
            UnitKind::Klasse => value("klasseID"),
            UnitKind::Mappe => value("mappeID"),
            UnitKind::Registrering => value("registreringsID"),
            UnitKind::Dokumentbeskrivelse => value("dokumentnummer"),
            _ => None,
        };
        let date = ["saksdato", "journaldato", "moetedato", "opprettetDato"].iter().find_map(|f| value(f));
        let own = own_element(e);
        let mut xml = Vec::new();
        XmlWriter::fragment(&mut xml, 0).element(&own).map_err(|err| Error::io("index", err))?;
        let unit = Unit {
            source_id: self.source_id,
            parent: parent.id,
            kind: Some(kind),
            subtype: if kind == UnitKind::Mappe { scope.mappetype.clone() } else { e.xsi_type().map(str::to_string) },
            system_id: value("systemID").unwrap_or_default(),
            ident: ident.clone(),
            title: value("tittel"),
            public_title: value("offentligTittel"),
            date: date.clone(),
            scope: scope.clone(),
            hjemmel: hjemmel.clone(),
            screened_fields: screened_fields.clone(),
            xml: String::from_utf8_lossy(&xml).into_owned(),
            old_system_id: provenance.and_then(|p| p.value("gammelSystemID")).map(|v| v.trim().to_string()),
            old_ident: provenance
                .and_then(|p| p.value("gammelMappeID").or_else(|| p.value("gammelRegistreringsID")))
                .map(|v| v.trim().to_string()),
            ..Unit::default()
        };
        let id = self.store.insert_unit(&unit)?;
        self.units += 1;
        let screening = Screening::new(scope.restriction.is_some(), &screened_fields);
        if kind.is_record() {
            let mut doc = SearchDoc {
                id,
                source_id: self.source_id,
                kind: Some(kind),
                scope: scope.clone(),
                ancestors: parent.ancestors.clone(),
                year: date.as_deref().and_then(Date::parse).map(|d| i64::from(d.year)),
                ids: [Some(unit.system_id.clone()), ident, unit.old_system_id.clone(), unit.old_ident.clone()]
                    .into_iter()
                    .flatten()
                    .filter(|v| !v.is_empty())
                    .collect(),
                ..SearchDoc::default()
            };
            self.text(e, &screening, &mut doc, id)?;
            if kind == UnitKind::Dokumentbeskrivelse {
                // A screened unit's documents are not served, so their words are found only
                // by those cleared to open it.
                let target = if scope.restriction.is_some() { &mut doc.screened } else { &mut doc.open };
                for o in e.children_named("dokumentobjekt") {
                    if let Some(text) = self.pdf_text(o) {
                        target.push_str(&text);
                        target.push('\n');
                    }
                }
            }
            self.search.add(&doc)?;
        }
        if kind == UnitKind::Dokumentbeskrivelse {
            for (n, o) in e.children_named("dokumentobjekt").enumerate() {
                let v = |f: &str| o.value(f).map(|x| x.trim().to_string()).filter(|x| !x.is_empty());
                self.store.insert_document(&Document {
                    unit: id,
                    n: n as i64 + 1,
                    path: v("referanseDokumentfil").unwrap_or_default(),
                    checksum: v("sjekksum").unwrap_or_default().to_lowercase(),
                    algorithm: v("sjekksumAlgoritme").unwrap_or_default(),
                    size: v("filstoerrelse").and_then(|s| s.parse().ok()),
                    format: v("format"),
                    variant: v("variantformat"),
                })?;
            }
        }
        let mut ancestors = parent.ancestors.clone();
        ancestors.push(id);
        let ctx = Context { id: Some(id), scope, hjemmel, screened_fields, ancestors };
        for child in &e.children {
            if child.local_name() != "dokumentobjekt" && UnitKind::parse(child.local_name()).is_some() {
                self.unit(child, &ctx, closed)?;
            }
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
    fn text(&mut self, e: &Element, screening: &Option<Screening>, doc: &mut SearchDoc, id: i64) -> Result<()> {
        let screens = |name: &str| screening.as_ref().is_some_and(|s| s.screens(name));
        let mut put = |name: &str, text: &str| {
            let target = if screens(name) { &mut doc.screened } else { &mut doc.open };
            target.push_str(text);
            target.push('\n');
        };
        for field in ["tittel", "offentligTittel", "beskrivelse", "mappeID", "registreringsID", "dokumentnummer"] {
            for c in e.children_named(field) {
                put(field, &c.text);
            }
        }
        for k in e.children_named("noekkelord") {
            put("noekkelord", &k.text);
        }
        for m in e.children_named("merknad") {
            put("merknad", m.value("merknadstekst").unwrap_or_default());
        }
        for c in &e.children {
            let element = c.local_name();
            if !matches!(element, "korrespondansepart" | "part" | "sakspart") {
                continue;
            }
            let name = ["korrespondansepartNavn", "partNavn", "sakspartNavn"]
                .iter()
                .find_map(|f| c.value(f))
                .map(str::trim)
                .unwrap_or_default()
                .to_string();
            let pid = ["foedselsnummer", "DNummer", "organisasjonsnummer", "partID", "sakspartID"]
                .iter()
                .find_map(|f| c.descendants().find(|d| d.local_name() == *f).map(|d| d.text.trim().to_string()))
                .filter(|v| !v.is_empty());
            put(element, &name);
            if let Some(p) = &pid {
                put(element, p);
            }
            self.store.insert_party(&Party { unit: id, element: element.to_string(), name, id: pid })?;
        }
        Ok(())
    }
}

/// The element without the units inside it (they are rows of their own).
fn own_element(e: &Element) -> Element {
    let mut own = Element { name: e.name.clone(), attrs: e.attrs.clone(), text: e.text.clone(), ..Element::default() };
    own.children = e
        .children
        .iter()
        .filter(|c| c.local_name() == "dokumentobjekt" || UnitKind::parse(c.local_name()).is_none())
        .cloned()
        .collect();
    own
}
