//! Assembling the new arkiv: the sources' fragments (and, under an archive plan, their placed
//! units in the plan's klasser) put together into one extract with its arkivuttrekk.xml.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use samla_noark5::addml::{Arkivuttrekk, DataFile, Flags};
use samla_noark5::model::{
    Kind, MAPPE_ORDER, NS_ARKIVSTRUKTUR, NS_ENDRINGSLOGG, NS_LOEPENDE_JOURNAL, NS_METADATAKATALOG,
    NS_OFFENTLIG_JOURNAL, Version, document_root, insert_at,
};
use samla_noark5::schemas::SchemaDir;
use samla_noark5::writer::{BackgroundHashingWriter, DirectFile, XmlWriter};
use samla_noark5::{Element, Error, Result};

use crate::arkivplan::Place;
use crate::io::{io_at, sync};
use crate::job::{Destination, Job};
use crate::plan::{Span, new_system_id};

/// What arkivuttrekk.xml states about an extract samla made.
#[derive(Clone, Copy)]
pub(crate) struct Facts {
    pub(crate) mapper: u64,
    pub(crate) registreringer: u64,
    pub(crate) endringer: u64,
    /// loependeJournal and offentligJournal: entries, first and last journaldato.
    pub(crate) journals: [(u64, Option<Span>); 2],
    pub(crate) documents: u64,
    pub(crate) skjerming: u64,
    pub(crate) kassasjon: u64,
    pub(crate) period: Option<Span>,
}

/// A converted unit's klasse in the archive plan, and its byte range in its source's
/// `work/<source>.plan.arkivstruktur`.
#[derive(Debug, Clone)]
pub(crate) struct Placement {
    pub(crate) place: Place,
    pub(crate) at: u64,
    pub(crate) len: u64,
    /// It names a secondary klasse that came later in the source (see `settle_later`).
    pub(crate) later: bool,
    /// In an arkivdel ordered by person: the person's fødselsnummer (washed), or
    /// [`crate::arkivplan::UNKNOWN_PERSON`].
    pub(crate) person: Option<String>,
    /// A mappe (else a registrering): a klasse holds one kind or the other.
    pub(crate) mappe: bool,
    /// A person's mappe: its own parties, washed once its folders are joined.
    pub(crate) own_parties: Vec<[String; 9]>,
}

/// A file written into an extract, for arkivuttrekk.xml.
pub(crate) struct Written {
    pub(crate) object: &'static str,
    pub(crate) sha256: String,
    pub(crate) occurrences: Vec<(String, String)>,
}

/// The migration's arkivstruktur under an archive plan: the plan, and per source the
/// file its converted units were written to, with each unit's place and byte range.
pub(crate) struct PlanBody<'a> {
    pub(crate) plan: &'a crate::arkivplan::ArkivPlan,
    pub(crate) kommunenummer: &'a str,
    /// The extract's date.
    pub(crate) at: &'a str,
    pub(crate) sources: &'a [PlacedSource],
    /// Per plan arkivdel, the systemID of the old arkivdel it continues.
    pub(crate) forloeper: &'a BTreeMap<usize, String>,
    /// The own parties of each person's one mappe, as written (joined where it was).
    pub(crate) person_parties: std::sync::Mutex<Vec<[String; 9]>>,
}

/// The plan's klasser that would hold both mapper and registreringer outside a mappe:
/// the v5.0 schema lets a klasse hold one or the other, so the run stops and names them.
pub(crate) fn mixed_klasser(job: &Job, placed: &[PlacedSource]) -> Vec<String> {
    let Some(plan) = &job.plan else { return Vec::new() };
    let mut seen: BTreeMap<(usize, usize, &str), (u64, u64)> = BTreeMap::new();
    for p in placed {
        for u in &p.units {
            let key = (u.place.arkivdel, u.place.klasse, u.person.as_deref().unwrap_or(""));
            let (mapper, registreringer) = seen.entry(key).or_default();
            *if u.mappe { mapper } else { registreringer } += 1;
        }
    }
    seen.into_iter()
        .filter(|(_, (m, r))| *m > 0 && *r > 0)
        .map(|((a, k, person), (m, r))| {
            let klasse = if plan.by_person(a) { person } else { plan.klasse_id(Place { arkivdel: a, klasse: k }) };
            format!(
                "plan: klasse {klasse} of arkivdel `{}` would hold {m} mapper and {r} registreringer outside a mappe, and a v5.0 klasse holds one or the other: place the registreringer in another klasse with a [[plan.map]] rule",
                plan.arkivdel[a].id
            )
        })
        .collect()
}

/// Per source, its folders whose person has another folder too (they are joined); and how
/// many mapper fewer the migration holds for it.
pub(crate) fn joined(job: &Job, placed: &[PlacedSource]) -> (BTreeMap<String, u64>, u64) {
    let mut persons: HashMap<(usize, &str), Vec<usize>> = HashMap::new();
    for (n, p) in placed.iter().enumerate() {
        for u in &p.units {
            if let Some(key) = u.person.as_deref().filter(|k| *k != crate::arkivplan::UNKNOWN_PERSON) {
                persons.entry((u.place.arkivdel, key)).or_default().push(n);
            }
        }
    }
    let (mut out, mut absorbed) = (BTreeMap::new(), 0);
    for sources in persons.values().filter(|s| s.len() > 1) {
        absorbed += sources.len() as u64 - 1;
        for n in sources {
            *out.entry(job.source[*n].name.clone()).or_default() += 1;
        }
    }
    (out, absorbed)
}

/// One source's units placed by the plan.
pub(crate) struct PlacedSource {
    pub(crate) file: PathBuf,
    pub(crate) units: Vec<Placement>,
    pub(crate) settled: HashMap<String, Option<String>>,
}

impl PlanBody<'_> {
    /// Every arkivdel, klassifikasjonssystem and klasse of the plan, each klasse holding
    /// the units placed there, source by source in the job's order; in an arkivdel
    /// ordered by person, a klasse per person holding their one mappe, joined from every
    /// source's folders of that person.
    pub(crate) fn write<W: Write>(&self, w: &mut XmlWriter<W>, path: &Path) -> Result<()> {
        let mut sources = Vec::new();
        for s in self.sources {
            let mut order: Vec<&Placement> = s.units.iter().collect();
            // Stable: within a klasse, the units keep the source's order.
            order.sort_by_key(|u| u.place);
            let f = if order.is_empty() { None } else { Some(File::open(&s.file).map_err(io_at(&s.file))?) };
            sources.push(Reading { source: s, file: f, order, next: 0 });
        }
        for (a, arkivdel) in self.plan.arkivdel.iter().enumerate() {
            let forloeper = self.forloeper.get(&a).map(String::as_str);
            let [header, system] = self.plan.headers(self.kommunenummer, a, self.at, forloeper);
            w.start(&header).map_err(io_at(path))?;
            w.start(&system).map_err(io_at(path))?;
            if self.plan.by_person(a) {
                self.write_persons(w, path, a, &mut sources)?;
            }
            for k in 0..arkivdel.klassifikasjonssystem.list.len() {
                let place = Place { arkivdel: a, klasse: k };
                w.start(&self.plan.klasse(self.kommunenummer, place, self.at)).map_err(io_at(path))?;
                let mut here = Vec::new();
                for (n, r) in sources.iter_mut().enumerate() {
                    here.extend(r.take_while(|u| u.place == place).into_iter().map(|u| (n, u)));
                }
                write_units(w, path, &sources, &here)?;
                w.end().map_err(io_at(path))?;
            }
            w.end().map_err(io_at(path))?;
            w.end().map_err(io_at(path))?;
        }
        for r in &sources {
            // Gone as soon as it is copied, as the fragments are.
            if r.source.file.exists() {
                fs::remove_file(&r.source.file).map_err(io_at(&r.source.file))?;
            }
        }
        Ok(())
    }

    /// The person klasser of arkivdel `a`, in the order of their fødselsnummer, each with
    /// the person's one mappe; then the folders without a valid identifier, each its own.
    pub(crate) fn write_persons<W: Write>(
        &self,
        w: &mut XmlWriter<W>,
        path: &Path,
        a: usize,
        sources: &mut [Reading],
    ) -> Result<()> {
        let mut persons: BTreeMap<&str, Vec<(usize, &Placement)>> = BTreeMap::new();
        let mut unknown = Vec::new();
        for (n, r) in sources.iter_mut().enumerate() {
            for u in r.take_while(|u| u.place.arkivdel == a) {
                match u.person.as_deref() {
                    Some(key) if key != crate::arkivplan::UNKNOWN_PERSON => {
                        persons.entry(key).or_default().push((n, u))
                    }
                    _ => unknown.push((n, u)),
                }
            }
        }
        for (key, folders) in &persons {
            w.start(&self.plan.person_klasse(self.kommunenummer, a, Some(key), self.at)).map_err(io_at(path))?;
            let mut units = Vec::new();
            for (n, u) in folders {
                units.push(sources[*n].read(u)?);
            }
            let (joined, parties) = if units.len() == 1 {
                (units.pop().unwrap_or_default(), folders[0].1.own_parties.clone())
            } else {
                let joined = join_folders(&units, path)?;
                (write_placed(&joined, path)?, samla_wash::parties::own_rows(&joined))
            };
            self.person_parties.lock().unwrap_or_else(|p| p.into_inner()).extend(parties);
            w.get_mut().write_all(&joined).map_err(io_at(path))?;
            w.end().map_err(io_at(path))?;
        }
        // The schema wants a klasse in every klassifikasjonssystem: this one, when no person has any.
        if !unknown.is_empty() || persons.is_empty() {
            w.start(&self.plan.person_klasse(self.kommunenummer, a, None, self.at)).map_err(io_at(path))?;
            write_units(w, path, sources, &unknown)?;
            w.end().map_err(io_at(path))?;
        }
        Ok(())
    }
}

/// The units of one klasse, in the order given (a klasse holds mapper or registreringer,
/// never both: `mixed_klasser` stops a run that would mix them).
pub(crate) fn write_units<W: Write>(
    w: &mut XmlWriter<W>,
    path: &Path,
    sources: &[Reading],
    units: &[(usize, &Placement)],
) -> Result<()> {
    for (n, u) in units {
        let unit = sources[*n].read(u)?;
        w.get_mut().write_all(&unit).map_err(io_at(path))?;
    }
    Ok(())
}

/// One source's placed units, being read in the plan's order.
pub(crate) struct Reading<'a> {
    pub(crate) source: &'a PlacedSource,
    pub(crate) file: Option<File>,
    pub(crate) order: Vec<&'a Placement>,
    pub(crate) next: usize,
}

impl<'a> Reading<'a> {
    /// The next units in the plan's order, as long as `wanted` holds.
    pub(crate) fn take_while(&mut self, wanted: impl Fn(&Placement) -> bool) -> Vec<&'a Placement> {
        let start = self.next;
        while self.order.get(self.next).is_some_and(|u| wanted(u)) {
            self.next += 1;
        }
        self.order[start..self.next].to_vec()
    }

    /// A placed unit's bytes, its late secondary classifications settled.
    pub(crate) fn read(&self, u: &Placement) -> Result<Vec<u8>> {
        use std::os::unix::fs::FileExt;
        let file = &self.source.file;
        let Some(f) = self.file.as_ref() else { return Ok(Vec::new()) };
        let mut buf = vec![0; u.len as usize];
        f.read_exact_at(&mut buf, u.at).map_err(io_at(file))?;
        if u.later {
            buf = settle(&buf, &self.source.settled, file)?;
        }
        Ok(buf)
    }
}

/// A folder's own fields that a joined mappe carries from every folder: its parties, its
/// cross references and its notes, each once.
const CARRIED: [&str; 3] = ["part", "kryssreferanse", "merknad"];

/// One person's folders from several sources as one mappe: the first's metadata (its
/// systemID is the person's, the same in each), every folder's parter, kryssreferanser
/// and merknader, every folder's registreringer and mapper inside, in order, and every
/// folder's provenance.
pub(crate) fn join_folders(units: &[Vec<u8>], path: &Path) -> Result<Element> {
    let mut base = parse_placed(&units[0], path)?;
    let is_unit = |c: &Element| matches!(c.kind(), Kind::Mappe(_) | Kind::Registrering(_));
    for bytes in &units[1..] {
        let other = parse_placed(bytes, path)?;
        let provenance: Vec<Element> = other
            .child("virksomhetsspesifikkeMetadata")
            .map(|v| v.children.iter().filter(|c| c.local_name() == "proveniens").cloned().collect())
            .unwrap_or_default();
        if let Some(v) = base.child_mut("virksomhetsspesifikkeMetadata") {
            v.children.extend(provenance);
        }
        for field in other.children.iter().filter(|c| CARRIED.contains(&c.local_name())) {
            if base.children.iter().any(|c| same(c, field)) {
                continue;
            }
            let at = insert_at(&base, MAPPE_ORDER, field.local_name());
            base.children.insert(at, field.clone());
        }
        let at = base
            .children
            .iter()
            .rposition(|c| is_unit(c) || MAPPE_ORDER.contains(&c.local_name()))
            .map_or(base.children.len(), |i| i + 1);
        let inside: Vec<Element> = other.children.into_iter().filter(|c| is_unit(c)).collect();
        base.children.splice(at..at, inside);
    }
    Ok(base)
}

/// The same element, wherever each was read: name, attributes, text and children.
fn same(a: &Element, b: &Element) -> bool {
    a.name == b.name
        && a.attrs == b.attrs
        && a.text.trim() == b.text.trim()
        && a.children.len() == b.children.len()
        && a.children.iter().zip(&b.children).all(|(x, y)| same(x, y))
}

/// Where a placed unit sits in the migration's arkivstruktur.xml: arkiv, arkivdel,
/// klassifikasjonssystem, klasse, then the unit.
pub(crate) const PLACED_DEPTH: usize = 4;

/// A placed unit's bytes (from `path`) as an element, to change before it is assembled.
pub(crate) fn parse_placed(bytes: &[u8], path: &Path) -> Result<Element> {
    let text = std::str::from_utf8(bytes).map_err(|e| Error::io(path.display().to_string(), io::Error::other(e)))?;
    samla_noark5::xml::parse_str(text, &path.display().to_string())
}

/// A placed unit written again as the assembly copies it.
pub(crate) fn write_placed(unit: &Element, path: &Path) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    XmlWriter::fragment(&mut out, PLACED_DEPTH).element(unit).map_err(|e| Error::io(path.display().to_string(), e))?;
    Ok(out)
}

/// A placed unit (as written, four levels down) with the secondary classifications that
/// waited for the rest of its source settled.
pub(crate) fn settle(bytes: &[u8], settled: &HashMap<String, Option<String>>, file: &Path) -> Result<Vec<u8>> {
    let mut unit = parse_placed(bytes, file)?;
    fn walk(e: &mut Element, settled: &HashMap<String, Option<String>>) {
        e.children.retain_mut(|c| {
            if c.is("referanseSekundaerKlassifikasjon")
                && let Some(to) = settled.get(c.text.trim())
            {
                match to {
                    Some(id) => c.text = id.clone(),
                    None => return false,
                }
            }
            true
        });
        for c in e.children.iter_mut().filter(|c| matches!(c.kind(), Kind::Mappe(_) | Kind::Registrering(_))) {
            walk(c, settled);
        }
    }
    walk(&mut unit, settled);
    write_placed(&unit, file)
}

/// Writes `<dir>/<object>.xml`: the XML declaration, `root` opened, the archive plan's
/// body if any, the sources' fragments in the job's order, `root` closed; returns its
/// SHA-256.
pub(crate) fn assemble(
    dir: &Path,
    object: &'static str,
    root: Option<&Element>,
    plan: Option<&PlanBody>,
    fragments: &[PathBuf],
) -> Result<String> {
    let path = dir.join(format!("{object}.xml"));
    let file = File::create(&path).map_err(io_at(&path))?;
    let mut w = XmlWriter::new(BackgroundHashingWriter::new(DirectFile::new(file)));
    match root {
        Some(root) => w.start(root).map_err(io_at(&path))?,
        None => w.get_mut().write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n").map_err(io_at(&path))?,
    }
    if let Some(plan) = plan {
        plan.write(&mut w, &path)?;
    }
    for f in fragments {
        let mut from = File::open(f).map_err(io_at(f))?;
        io::copy(&mut from, w.get_mut()).map_err(io_at(&path))?;
        // Gone as soon as it is copied: the disk holds each part once, not twice.
        fs::remove_file(f).map_err(io_at(f))?;
    }
    let (out, _, sha) = w.finish().map_err(io_at(&path))?.finish().map_err(io_at(&path))?;
    out.finish().map_err(io_at(&path))?.sync_all().map_err(io_at(&path))?;
    Ok(sha)
}

/// The sources' fragments of `object` for `to`, in the job's order (a source without an
/// endringslogg has none).
pub(crate) fn fragments(work: &Path, job: &Job, to: Destination, object: &str) -> Vec<PathBuf> {
    job.source
        .iter()
        .map(|s| work.join(format!("{}.{}.{object}", s.name, to.folder())))
        .filter(|p| p.exists())
        .collect()
}

/// arkivstruktur.xml (inside `arkiv`, or a whole document of its own when `None`) and,
/// if there are endringer, endringslogg.xml, from the fragments `fragments(object)` gives.
pub(crate) fn assemble_both(
    dir: &Path,
    arkiv: Option<&Element>,
    plan: Option<&PlanBody>,
    facts: &Facts,
    creators: &[Element],
    fragments: impl Fn(&str) -> Vec<PathBuf>,
) -> Result<Vec<Written>> {
    let mut written = vec![Written {
        object: "arkivstruktur",
        sha256: assemble(dir, "arkivstruktur", arkiv, plan, &fragments("arkivstruktur"))?,
        occurrences: vec![
            ("mappe".into(), facts.mapper.to_string()),
            ("registrering".into(), facts.registreringer.to_string()),
        ],
    }];
    if facts.endringer > 0 {
        let root = document_root("endringslogg", NS_ENDRINGSLOGG, "endringslogg.xsd");
        written.push(Written {
            object: "endringslogg",
            sha256: assemble(dir, "endringslogg", Some(&root), None, &fragments("endringslogg"))?,
            occurrences: vec![("endring".into(), facts.endringer.to_string())],
        });
    }
    for (object, (count, span)) in JOURNALS.into_iter().zip(facts.journals) {
        let Some((first, last)) = span.filter(|_| count > 0) else { continue };
        let ns = if object == "loependeJournal" { NS_LOEPENDE_JOURNAL } else { NS_OFFENTLIG_JOURNAL };
        let mut root = document_root(object, ns, &format!("{object}.xsd"));
        let mut head = Element::new("journalhode");
        head.push_field("journalStartDato", first.to_string())
            .push_field("journalSluttDato", last.to_string())
            .push_field("antallJournalposter", count.to_string());
        head.children.extend(creators.iter().cloned());
        root.push(head);
        written.push(Written {
            object,
            sha256: assemble(dir, object, Some(&root), None, &fragments(object))?,
            occurrences: vec![("journalregistrering".into(), count.to_string())],
        });
    }
    Ok(written)
}

/// Per destination and journal: entries, and their first and last journaldato.
pub(crate) type JournalCounts = BTreeMap<(Destination, &'static str), (u64, Option<Span>)>;

/// The journals an extract may carry.
pub(crate) const JOURNALS: [&str; 2] = ["loependeJournal", "offentligJournal"];

/// The migration dataset or the closed part: the new arkiv, with each source's arkiv in
/// it, or, for the migration under an archive plan, the plan's arkivdeler. Returns the own
/// parties of the persons' mapper written, to be washed as written.
pub(crate) fn assemble_merged(
    job: &Job,
    schemas: &SchemaDir,
    partial: &Path,
    to: Destination,
    facts: &Facts,
    placed: &[PlacedSource],
    forloeper: &BTreeMap<usize, String>,
) -> Result<Vec<[String; 9]>> {
    let work = partial.join("work");
    let dir = partial.join(to.folder());
    let t = &job.target;
    let mut arkiv = document_root("arkiv", NS_ARKIVSTRUKTUR, "arkivstruktur.xsd");
    arkiv.set_attr("xmlns:n5mdk", NS_METADATAKATALOG);
    let part = if to == Destination::Convert { "migreringsuttrekk" } else { "lukket del" };
    let at = format!("{}T00:00:00+01:00", job.job.as_of);
    let names: Vec<&str> = job.source.iter().map(|s| s.name.as_str()).collect();
    arkiv
        .push_field("systemID", new_system_id(&t.kommunenummer, &format!("arkiv\u{1f}{}", to.folder())))
        .push_field("tittel", format!("{} - {part}", t.name))
        .push_field(
            "beskrivelse",
            format!("Slått sammen av samla run ({}) fra {}", job.version_label(), names.join(", ")),
        )
        // The extract is a snapshot as of the job's date: closed then (the schema demands avsluttetDato).
        .push_field("arkivstatus", "Avsluttet")
        .push_field("dokumentmedium", "Elektronisk arkiv")
        .push_field("opprettetDato", at.clone())
        .push_field("opprettetAv", "samla run")
        .push_field("avsluttetDato", at.as_str())
        .push_field("avsluttetAv", "samla run");
    // The plan's arkivskaper is the new arkiv's; the closed part stays the target's.
    let plan = job.plan.as_ref().filter(|_| to == Destination::Convert);
    let arkivskaper = plan.and_then(|p| p.arkivskaper.as_deref()).unwrap_or(&t.arkivskaper);
    let mut skaper = Element::new("arkivskaper");
    skaper.push_field("arkivskaperID", &t.kommunenummer).push_field("arkivskaperNavn", arkivskaper);
    arkiv.push(skaper.clone());
    let creator = skaper;
    let plan = plan.map(|plan| PlanBody {
        plan,
        kommunenummer: &t.kommunenummer,
        at: &at,
        sources: placed,
        forloeper,
        person_parties: Default::default(),
    });
    let written = assemble_both(&dir, Some(&arkiv), plan.as_ref(), facts, &[creator], |object| {
        fragments(&work, job, to, object)
    })?;
    let head = Arkivuttrekk {
        version: Some("5.0".into()),
        record_creators: vec![arkivskaper.to_string()],
        system_type: Some("Sakarkiv (Noark 5), sammenslått".into()),
        system_name: Some(format!("samla run {}", env!("CARGO_PKG_VERSION"))),
        archive: Some(format!("{} - {part}", t.name)),
        ..Default::default()
    };
    write_uttrekk(&dir, schemas, head, written, facts, true)?;
    Ok(plan.map(|p| p.person_parties.into_inner().unwrap_or_else(|p| p.into_inner())).unwrap_or_default())
}

/// Copies the schemas and writes arkivuttrekk.xml last: it states the others' digests.
pub(crate) fn write_uttrekk(
    dir: &Path,
    schemas: &SchemaDir,
    mut head: Arkivuttrekk,
    written: Vec<Written>,
    facts: &Facts,
    vsm: bool,
) -> Result<()> {
    let mut xsds = vec!["arkivstruktur.xsd", "metadatakatalog.xsd"];
    for object in ["endringslogg", "loependeJournal", "offentligJournal"] {
        if written.iter().any(|w| w.object == object) {
            xsds.push(match object {
                "endringslogg" => "endringslogg.xsd",
                "loependeJournal" => "loependeJournal.xsd",
                _ => "offentligJournal.xsd",
            });
        }
    }
    let digests = schemas.copy_into(Version::V5_0, &xsds, dir)?;
    head.files = written.into_iter().map(|w| DataFile::noark(w.object, w.sha256, w.occurrences, &digests)).collect();
    if let Some((from, to)) = facts.period {
        head.period_start = Some(from.to_string());
        head.period_end = Some(to.to_string());
    }
    head.info = Flags {
        skjermet: facts.skjerming > 0,
        skal_kasseres: facts.kassasjon > 0,
        virksomhetsspesifikke: vsm,
        dokumentfiler: facts.documents,
    }
    .info();
    let path = dir.join("arkivuttrekk.xml");
    let mut w = BufWriter::new(File::create(&path).map_err(io_at(&path))?);
    head.write(&mut w).map_err(io_at(&path))?;
    sync(w, &path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placed(xml: &str) -> Vec<u8> {
        write_placed(&samla_noark5::xml::parse_str(xml, "t.xml").unwrap(), Path::new("t.xml")).unwrap()
    }

    /// Nothing of a joined folder is lost: its notes and cross references come along,
    /// each once, where the schema puts them, before the registreringer.
    #[test]
    fn a_joined_folder_keeps_every_folders_notes_and_references_once() {
        let first = placed(
            "<mappe><systemID>p</systemID><tittel>Elevmappe</tittel>\
             <virksomhetsspesifikkeMetadata><proveniens><kilde>ski</kilde></proveniens></virksomhetsspesifikkeMetadata>\
             <merknad><merknadstekst>Felles</merknadstekst></merknad>\
             <registrering><systemID>r1</systemID></registrering></mappe>",
        );
        let second = placed(
            "<mappe><systemID>p</systemID><tittel>Elevmappe OPP</tittel>\
             <virksomhetsspesifikkeMetadata><proveniens><kilde>oppegaard</kilde></proveniens></virksomhetsspesifikkeMetadata>\
             <kryssreferanse><referanseTilMappe>x</referanseTilMappe></kryssreferanse>\
             <merknad><merknadstekst>Felles</merknadstekst></merknad>\
             <merknad><merknadstekst>Bare i Oppegård</merknadstekst></merknad>\
             <registrering><systemID>r2</systemID></registrering></mappe>",
        );
        let joined = join_folders(&[first, second], Path::new("t.xml")).unwrap();
        let names: Vec<&str> = joined.children.iter().map(|c| c.local_name()).collect();
        assert_eq!(
            names,
            [
                "systemID",
                "tittel",
                "virksomhetsspesifikkeMetadata",
                "kryssreferanse",
                "merknad",
                "merknad",
                "registrering",
                "registrering"
            ]
        );
        let notes: Vec<&str> = joined.children_named("merknad").filter_map(|m| m.value("merknadstekst")).collect();
        assert_eq!(notes, ["Felles", "Bare i Oppegård"]);
        assert_eq!(joined.value("tittel"), Some("Elevmappe"), "the first folder's metadata");
        let sources = joined.child("virksomhetsspesifikkeMetadata").unwrap().children.len();
        assert_eq!(sources, 2, "both provenances");
    }
}
