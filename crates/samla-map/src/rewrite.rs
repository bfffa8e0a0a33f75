//! Rewriting units: each mappe and registrering re-keyed, washed and given its provenance,
//! written to the fragment of its destination, with the crosswalk, ledger and gaps rows.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{self, File};
use std::hash::{Hash, Hasher};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use samla_noark5::addml::Arkivuttrekk;
use samla_noark5::finding::{Finding, Severity};
use samla_noark5::model::{ARKIVDEL_ORDER, Date, ID_REFERENCES, Kind, MAPPE_ORDER, REGISTRERING_ORDER, insert_at};
use samla_noark5::stream::Split;
use samla_noark5::writer::XmlWriter;
use samla_noark5::{Element, Error, ErrorKind, Extract, Result};

use crate::arkivplan::{Place, PlanUnit};
use crate::assemble::{JournalCounts, PLACED_DEPTH, Placement};
use crate::io::{csv_line, io_at, sync};
use crate::job::{Destination, Job, Source};
use crate::parquet::Tables;
use crate::plan::{Sink, SourcePlan, new_system_id};
use crate::registers::{Registers, Washer};
use crate::report::Disposal;

mod parties;
mod placing;

/// The namespace of the provenance samla writes into virksomhetsspesifikkeMetadata.
pub const PROVENANCE_NS: &str = "urn:samla:proveniens:1";

/// Sets the field `name` of `e` to `value`, where `order` (the schema's order of `e`'s
/// fields) puts it when it is missing; returns the value it had.
pub(crate) fn put_field(e: &mut Element, name: &str, value: &str, order: &[&str]) -> Option<String> {
    if let Some(c) = e.children.iter_mut().find(|c| c.is(name)) {
        return Some(std::mem::replace(&mut c.text, value.to_string()));
    }
    let at = insert_at(e, order, name);
    e.children.insert(at, Element::with_text(name, value));
    None
}

/// What one source's pass made, beside its plan.
pub(crate) struct SourceDone {
    pub(crate) plan: SourcePlan,
    pub(crate) ledger_rows: u64,
    pub(crate) crosswalk_rows: u64,
    pub(crate) addresses_withheld: u64,
    /// Party values the wash applied.
    pub(crate) washed: u64,
    pub(crate) documents: BTreeMap<Destination, u64>,
    /// Per destination: how many skjerming and kassasjon elements it got.
    pub(crate) skjerming: BTreeMap<Destination, u64>,
    pub(crate) kassasjon: BTreeMap<Destination, u64>,
    /// Per destination and journal: entries, first and last journaldato.
    pub(crate) journals: JournalCounts,
    /// The arkivskaper elements of the source's journal head.
    pub(crate) journal_creators: Vec<Element>,
    /// Whether the source has loependeJournal and offentligJournal.
    pub(crate) has_journal: [bool; 2],
    pub(crate) findings: Vec<Finding>,
    pub(crate) coverage: BTreeMap<String, (u64, u64)>,
    pub(crate) uttrekk: Option<Arkivuttrekk>,
    /// With an archive plan: the converted units' places, in the order written to
    /// `work/<source>.plan.arkivstruktur`, and the secondary classifications settled
    /// once the source was read (rewritten reference → the plan's klasse or none).
    pub(crate) placed: Vec<Placement>,
    pub(crate) settled: HashMap<String, Option<String>>,
    /// Under a plan: units per destination, vedtak and year of disposal, and the Kasseres ones.
    pub(crate) retention: BTreeMap<(Destination, crate::arkivplan::Vedtak, i32), u64>,
    pub(crate) kasseres: Vec<Disposal>,
    /// Per plan arkivdel, the old arkivdel it continues: its systemID in the closed part if
    /// it is there, else as delivered.
    pub(crate) forloeper: BTreeMap<usize, String>,
    /// With `[wash]`: the source's converted parties, washed.
    pub(crate) wash: Option<crate::wash_step::SourceWashed>,
}

impl SourceDone {
    pub(crate) fn new(uttrekk: Option<Arkivuttrekk>) -> SourceDone {
        SourceDone {
            plan: SourcePlan::default(),
            ledger_rows: 0,
            addresses_withheld: 0,
            washed: 0,
            crosswalk_rows: 0,
            documents: BTreeMap::new(),
            skjerming: BTreeMap::new(),
            kassasjon: BTreeMap::new(),
            placed: Vec::new(),
            settled: HashMap::new(),
            retention: BTreeMap::new(),
            kasseres: Vec::new(),
            forloeper: BTreeMap::new(),
            wash: None,
            journals: BTreeMap::new(),
            journal_creators: Vec::new(),
            has_journal: [false; 2],
            findings: Vec::new(),
            coverage: BTreeMap::new(),
            uttrekk,
        }
    }
}

/// The address fields of a korrespondansepart or part, which adressebeskyttelse withholds.
pub(crate) const ADDRESS_FIELDS: [&str; 4] = ["postadresse", "postnummer", "poststed", "land"];

/// How an organisation unit rule reads in the ledger.
pub(crate) fn enhet_rule(rule: &crate::job::Enhet) -> String {
    format!(
        "enhet: {} → {} ({} – {})",
        rule.from,
        rule.to,
        rule.valid_from.as_deref().unwrap_or("…"),
        rule.valid_to.as_deref().unwrap_or("…")
    )
}

pub(crate) fn id_hash(id: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

/// The open output of one destination: its fragment writer and how many of the reader's
/// open containers it has opened (containers are opened only when a unit goes there).
pub(crate) struct Output {
    pub(crate) w: XmlWriter<BufWriter<File>>,
    pub(crate) path: PathBuf,
    pub(crate) open: usize,
    /// Document files copied there, by their path in the output.
    pub(crate) copied: HashSet<String>,
}

pub(crate) struct Writers<'a> {
    pub(crate) job: &'a Job,
    pub(crate) source: &'a Source,
    pub(crate) extract: &'a Extract,
    pub(crate) partial: PathBuf,
    pub(crate) outputs: BTreeMap<Destination, Output>,
    /// The reader's open containers.
    pub(crate) stack: Vec<Element>,
    pub(crate) ledger: BufWriter<File>,
    pub(crate) ledger_path: PathBuf,
    pub(crate) crosswalk: BufWriter<File>,
    pub(crate) crosswalk_path: PathBuf,
    pub(crate) gaps: BufWriter<File>,
    pub(crate) gaps_path: PathBuf,
    pub(crate) tables: Tables,
    /// Every systemID of the source (hashed) and where its unit went, for the endringslogg.
    pub(crate) ids: HashMap<u64, Destination>,
    pub(crate) done: SourceDone,
    pub(crate) line: String,
    /// Containers already listed in the crosswalk.
    pub(crate) headers: HashSet<u64>,
    /// What the register snapshots say (Klass 131, adressebeskyttelse).
    pub(crate) registers: &'a Registers,
    /// With an archive plan: where the converted units are written, to be put in the
    /// plan's klasser when the sources are assembled.
    pub(crate) placed: Option<Placed>,
    /// Each source klasse seen so far, by old systemID: its klasseID and its place in the
    /// plan (for secondary classifications).
    pub(crate) klasser: HashMap<String, SourceKlasse>,
    /// Secondary classifications naming a klasse not seen yet: the unit's entity, its old
    /// systemID and the klasse's.
    pub(crate) later: Vec<(String, String, String)>,
    /// A unit whose new systemID is not the usual one (a person's one mappe): old → new.
    pub(crate) id_override: Option<(String, String)>,
    /// With `[wash]`: the registers to wash the converted parties against (and with
    /// `apply`, to write their values into them).
    pub(crate) washer: Option<&'a Washer<'a>>,
    /// With `[wash]`: the converted parties washed as they are written.
    pub(crate) wash: Option<crate::wash_step::SourceWash<'a>>,
}

/// A klasse of the source, under a plan.
pub(crate) struct SourceKlasse {
    /// Its klasseID.
    pub(crate) id: String,
    /// Where the plan puts its units; none when no rule maps it.
    pub(crate) place: Option<Place>,
}

/// The converted units of a source under an archive plan.
pub(crate) struct Placed {
    pub(crate) out: BufWriter<File>,
    pub(crate) path: PathBuf,
    pub(crate) at: u64,
    pub(crate) buf: Vec<u8>,
}

impl<'a> Writers<'a> {
    pub(crate) fn new(
        job: &'a Job,
        source: &'a Source,
        extract: &'a Extract,
        partial: &Path,
        registers: &'a Registers,
        washer: Option<&'a Washer<'a>>,
    ) -> Result<Writers<'a>> {
        let work = partial.join("work");
        let mut outputs = BTreeMap::new();
        for to in [Destination::Convert, Destination::Close, Destination::Deposit] {
            let path = work.join(format!("{}.{}.arkivstruktur", source.name, to.folder()));
            let file = File::create(&path).map_err(io_at(&path))?;
            // The deposit is the source's own document; the others sit inside the new arkiv.
            let depth = usize::from(to != Destination::Deposit);
            let w = XmlWriter::fragment(BufWriter::with_capacity(1 << 20, file), depth);
            outputs.insert(to, Output { w, path, open: 0, copied: HashSet::new() });
        }
        let create = |name: &str| -> Result<(BufWriter<File>, PathBuf)> {
            let path = work.join(format!("{}.{name}", source.name));
            Ok((BufWriter::with_capacity(1 << 20, File::create(&path).map_err(io_at(&path))?), path))
        };
        let (ledger, ledger_path) = create("ledger.csv")?;
        let (crosswalk, crosswalk_path) = create("crosswalk.csv")?;
        let (gaps, gaps_path) = create("gaps.csv")?;
        let uttrekk =
            extract.find("arkivuttrekk.xml").and_then(|n| Arkivuttrekk::read(extract.open_file(n).ok()?, n).ok());
        let evidence = samla_noark5::version::VersionEvidence::gather(
            extract,
            uttrekk.as_ref().and_then(|u| u.version.as_deref()),
        );
        if let Some(v) = evidence.version().filter(|v| *v != samla_noark5::Version::V5_0) {
            return Err(Error::new(
                ErrorKind::Content,
                source.path.display().to_string(),
                format!("source `{}` is Noark 5 v{v}; samla run merges v5.0 extracts", source.name),
            )
            .with_hint("convert the extract to v5.0 first"));
        }
        Ok(Writers {
            job,
            source,
            extract,
            partial: partial.to_path_buf(),
            outputs,
            stack: Vec::new(),
            ledger,
            ledger_path,
            crosswalk,
            crosswalk_path,
            gaps,
            gaps_path,
            tables: Tables::new(&partial.join("tables"), &source.name)?,
            ids: HashMap::new(),
            done: SourceDone::new(uttrekk),
            line: String::new(),
            headers: HashSet::new(),
            registers,
            placed: match job.plan {
                Some(_) => {
                    let path = work.join(format!("{}.plan.arkivstruktur", source.name));
                    let out = BufWriter::with_capacity(1 << 20, File::create(&path).map_err(io_at(&path))?);
                    Some(Placed { out, path, at: 0, buf: Vec::new() })
                }
                None => None,
            },
            klasser: HashMap::new(),
            later: Vec::new(),
            id_override: None,
            washer,
            wash: washer.map(|w| crate::wash_step::SourceWash::create(w, &work, &source.name)).transpose()?,
        })
    }

    /// Closes the outputs; returns what the pass made and where each systemID went.
    pub(crate) fn finish(mut self, plan: SourcePlan) -> Result<(SourceDone, HashMap<u64, Destination>)> {
        for (_, o) in std::mem::take(&mut self.outputs) {
            let f = o.w.finish().map_err(io_at(&o.path))?;
            sync(f, &o.path)?;
        }
        if let Some(p) = self.placed.take() {
            sync(p.out, &p.path)?;
        }
        self.done.settled = self.settle_later()?;
        if let Some(w) = self.wash.take() {
            self.done.wash = Some(w.finish()?);
        }
        // Found while writing: the routing pass's plan does not know it.
        let without = std::mem::take(&mut self.done.plan.classification.without_person);
        sync(self.ledger, &self.ledger_path)?;
        sync(self.crosswalk, &self.crosswalk_path)?;
        sync(self.gaps, &self.gaps_path)?;
        self.tables.finish()?;
        self.done.plan = plan;
        self.done.plan.classification.without_person = without;
        Ok((self.done, self.ids))
    }

    pub(crate) fn ledger(
        &mut self,
        entity: &str,
        system_id: &str,
        field: &str,
        old: &str,
        new: &str,
        rule: &str,
    ) -> Result<()> {
        self.line.clear();
        csv_line(&mut self.line, &[&self.source.name, entity, system_id, field, old, new, rule]);
        self.done.ledger_rows += 1;
        self.ledger.write_all(self.line.as_bytes()).map_err(io_at(&self.ledger_path))
    }

    /// Rewrites an element of a converted or closed unit in place: new systemIDs and
    /// references, crosswalked codes, prefixed mappeID and registreringsID, documents
    /// moved under DOKUMENT/<source>/. Not inside virksomhetsspesifikkeMetadata.
    pub(crate) fn rewrite(&mut self, e: &mut Element, to: Destination, owner: &str) -> Result<()> {
        let name = &self.source.name;
        let entity = e.local_name().to_string();
        let own = e.value("systemID").map(str::to_string);
        let owner = own.as_deref().unwrap_or(owner).to_string();
        let date = crate::plan::unit_date(e);
        if to == Destination::Convert && !self.registers.protected.is_empty() {
            self.withhold_protected_addresses(e, &entity, &owner)?;
        }
        if to == Destination::Convert && self.washer.is_some() {
            self.apply_wash(e, &entity, &owner)?;
        }
        let mut children = std::mem::take(&mut e.children);
        for c in &mut children {
            let qualified = c.name.clone();
            let field = samla_noark5::element::local_name(&qualified);
            if field == "systemID" {
                let new = match &self.id_override {
                    Some((old, new)) if old == c.text.trim() => new.clone(),
                    _ => new_system_id(name, c.text.trim()),
                };
                if Split::ARKIVSTRUKTUR.containers.contains(&entity.as_str())
                    && !self.headers.insert(id_hash(c.text.trim()))
                {
                    // A container opened again in another destination: listed once.
                    c.text = new;
                    continue;
                }
                self.line.clear();
                csv_line(&mut self.line, &[name, &entity, c.text.trim(), &new]);
                self.crosswalk.write_all(self.line.as_bytes()).map_err(io_at(&self.crosswalk_path))?;
                self.done.crosswalk_rows += 1;
                self.ids.insert(id_hash(c.text.trim()), to);
                c.text = new;
            } else if ID_REFERENCES.contains(&field) {
                c.text = new_system_id(name, c.text.trim());
            } else if field == "mappeID" || field == "registreringsID" {
                let new = format!("{name}:{}", c.text.trim());
                let field = field.to_string();
                self.ledger(&entity, &owner, &field, &c.text, &new, "collision: prefixed with the source's name")?;
                c.text = new;
            } else if field == "referanseDokumentfil" {
                let new = self.copy_document(c.text.trim(), to)?;
                if new != c.text {
                    self.ledger(
                        &entity,
                        &owner,
                        "referanseDokumentfil",
                        &c.text.clone(),
                        &new,
                        "document placed under DOKUMENT/<source>/",
                    )?;
                    c.text = new;
                }
            } else if field == "administrativEnhet" && self.job.maps_enhet(name) {
                let coverage = self.done.coverage.entry("administrativEnhet".into()).or_default();
                coverage.0 += 1;
                if let Some(rule) = self.job.enhet(name, c.text.trim(), date) {
                    coverage.1 += 1;
                    let (new, how) = (rule.to.clone(), enhet_rule(rule));
                    if new != c.text {
                        self.ledger(&entity, &owner, "administrativEnhet", &c.text.clone(), &new, &how)?;
                        c.text = new;
                    }
                }
            } else if field == "kommunenummer"
                && let Some(klass) = &self.registers.klass
            {
                match klass.resolve(c.text.trim()) {
                    samla_wash::snapshot::Kommune::Now(chain) => {
                        let rule = format!("klass131: {} → {}", c.text.trim(), chain.join(" → "));
                        let new = chain.last().cloned().unwrap_or_default();
                        self.ledger(&entity, &owner, "kommunenummer", &c.text.clone(), &new, &rule)?;
                        c.text = new;
                    }
                    samla_wash::snapshot::Kommune::Split(to) => self.done.findings.push(
                        Finding::new(
                            Severity::Warning,
                            "RUN.KOMMUNE_SPLIT",
                            format!("{name}/arkivstruktur.xml"),
                            format!(
                                "{entity}: kommunenummer {} was split between {} (Klass 131); kept as it is",
                                c.text.trim(),
                                to.join(", ")
                            ),
                        )
                        .with_key(owner.clone())
                        .with_hint("choose the new kommunenummer by hand; the ledger does not change it"),
                    ),
                    samla_wash::snapshot::Kommune::Unchanged => {}
                }
            } else if let Some(map) = self.job.crosswalk.fields.get(field) {
                let field = field.to_string();
                let coverage = self.done.coverage.entry(field.clone()).or_default();
                coverage.0 += 1;
                if let Some(new) = map.get(c.text.trim()) {
                    coverage.1 += 1;
                    if *new != c.text {
                        let rule = format!("crosswalk.{field}");
                        self.ledger(&entity, &owner, &field, &c.text.clone(), new, &rule)?;
                        c.text = new.clone();
                    }
                }
            } else if field == "skjerming" {
                *self.done.skjerming.entry(to).or_default() += 1;
            } else if field == "kassasjon" {
                *self.done.kassasjon.entry(to).or_default() += 1;
            }
            if field != "virksomhetsspesifikkeMetadata" && !c.children.is_empty() {
                self.rewrite(c, to, &owner)?;
            }
        }
        e.children = children;
        Ok(())
    }

    /// Copies a document into the destination once; returns the reference to write.
    pub(crate) fn copy_document(&mut self, reference: &str, to: Destination) -> Result<String> {
        let Some(found) = self.extract.find(reference).map(str::to_string) else {
            self.done.findings.push(
                Finding::new(
                    Severity::Error,
                    "RUN.DOCUMENT_MISSING",
                    format!("{}/arkivstruktur.xml", self.source.name),
                    format!("referanseDokumentfil `{reference}` is not in the extract; the reference is kept"),
                )
                .with_hint("add the file to the source extract, or mend the reference there, and run again"),
            );
            return Ok(reference.to_string());
        };
        let rel = if to == Destination::Deposit {
            found.clone()
        } else {
            let rest = found.split_once('/').map_or(found.as_str(), |(_, rest)| rest);
            format!("DOKUMENT/{}/{rest}", self.source.name)
        };
        let output = self.outputs.get_mut(&to).expect("every destination has an output");
        if output.copied.insert(rel.clone()) {
            let root = if to == Destination::Deposit {
                self.partial.join("work").join(format!("deposit-{}", self.source.name))
            } else {
                self.partial.join(to.folder())
            };
            let path = root.join(&rel);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(io_at(parent))?;
            }
            let mut from = self.extract.open_file(&found)?;
            let mut file = File::create(&path).map_err(io_at(&path))?;
            io::copy(&mut from, &mut file).map_err(io_at(&path))?;
            *self.done.documents.entry(to).or_default() += 1;
        }
        Ok(rel)
    }

    /// Opens, in `to`, the containers of the reader's stack that are not open there yet.
    pub(crate) fn open_containers(&mut self, to: Destination) -> Result<()> {
        loop {
            let level = self.outputs[&to].open;
            if level >= self.stack.len() {
                return Ok(());
            }
            let mut header = self.stack[level].clone();
            if to == Destination::Deposit
                && let Some(id) = header.value("systemID")
            {
                self.ids.entry(id_hash(id.trim())).or_insert(to);
            }
            if to != Destination::Deposit {
                if level == 0 {
                    // The source's arkiv becomes an underarkiv of the new one.
                    header.attrs.retain(|(k, _)| !k.ends_with("schemaLocation"));
                }
                self.rewrite(&mut header, to, "")?;
                if to == Destination::Close && header.local_name() == "arkivdel" {
                    self.end_period(&mut header, &self.stack[level].clone())?;
                }
            }
            let o = self.outputs.get_mut(&to).expect("every destination has an output");
            o.w.start(&header).map_err(io_at(&o.path))?;
            o.open += 1;
        }
    }

    /// Adds the provenance to every mappe and registrering of a rewritten unit.
    pub(crate) fn provenance(&self, e: &mut Element, old: &Element) {
        let kind = e.kind();
        if matches!(kind, Kind::Mappe(_) | Kind::Registrering(_)) {
            let mut p = Element::new("samla:proveniens");
            p.set_attr("xmlns:samla", PROVENANCE_NS);
            p.push_field("samla:kilde", &self.source.name);
            if !self.source.kommunenummer.is_empty() {
                p.push_field("samla:kommunenummer", &self.source.kommunenummer);
            }
            // The extract's name, not its absolute path: the output does not depend on where it ran.
            let extract = self.source.path.file_name().unwrap_or_default().to_string_lossy();
            p.push_field("samla:uttrekk", extract);
            p.push_field("samla:gammelSystemID", old.value("systemID").unwrap_or_default());
            for field in ["mappeID", "registreringsID"] {
                if let Some(v) = old.value(field) {
                    p.push_field(&format!("samla:gammel{}{}", field[..1].to_uppercase(), &field[1..]), v);
                }
            }
            p.push_field("samla:jobbversjon", self.job.version_label());
            match e.child_mut("virksomhetsspesifikkeMetadata") {
                Some(vsm) => {
                    vsm.push(p);
                }
                None => {
                    let mut vsm = Element::new("virksomhetsspesifikkeMetadata");
                    vsm.push(p);
                    let order = if matches!(kind, Kind::Mappe(_)) { MAPPE_ORDER } else { REGISTRERING_ORDER };
                    let at = insert_at(e, order, "virksomhetsspesifikkeMetadata");
                    e.children.insert(at, vsm);
                }
            }
        }
        let unit = |c: &&mut Element| matches!(c.kind(), Kind::Mappe(_) | Kind::Registrering(_));
        let olds = old.children.iter().filter(|c| matches!(c.kind(), Kind::Mappe(_) | Kind::Registrering(_)));
        for (child, o) in e.children.iter_mut().filter(unit).zip(olds) {
            self.provenance(child, o);
        }
    }
}

impl Sink for Writers<'_> {
    fn start(&mut self, header: &Element) -> Result<()> {
        self.stack.push(header.clone());
        if let Some(plan) = &self.job.plan
            && header.local_name() == "arkivdel"
        {
            let names = crate::arkivplan::identities(header);
            if let (Some(a), Some(id)) = (plan.continuing(&self.source.name, &names), names.first()) {
                // As delivered (the deposit keeps it); the closed part's copy wins if it has one.
                self.done.forloeper.entry(a).or_insert_with(|| id.to_string());
            }
        }
        if let Some(plan) = &self.job.plan
            && header.local_name() == "klasse"
            && let Some(id) = header.value("systemID")
        {
            let (system, klasse) = crate::arkivplan::classification(self.stack.iter());
            let place = klasse.and_then(|k| plan.place(&self.source.name, &system, k));
            self.klasser
                .insert(id.trim().to_string(), SourceKlasse { id: klasse.unwrap_or_default().to_string(), place });
        }
        Ok(())
    }

    fn end(&mut self) -> Result<()> {
        let level = self.stack.len();
        for o in self.outputs.values_mut() {
            if o.open == level {
                o.w.end().map_err(io_at(&o.path))?;
                o.open -= 1;
            }
        }
        self.stack.pop();
        Ok(())
    }

    fn gap(&mut self, gap: &crate::plan::Gap) -> Result<()> {
        let (line, path) = (&mut self.line, &self.gaps_path);
        line.clear();
        csv_line(line, &[&gap.source, &gap.entity, &gap.system_id, &gap.id, &gap.field]);
        self.gaps.write_all(line.as_bytes()).map_err(io_at(path))
    }

    fn unit(&mut self, unit: Element, to: Destination, flagged: bool, place: Option<Place>) -> Result<()> {
        if to == Destination::Convert && self.placed.is_some() {
            return self.place(unit, flagged, place);
        }
        self.open_containers(to)?;
        if to == Destination::Deposit {
            let mut refs = Vec::new();
            for e in unit.noark_descendants() {
                if let Some(id) = e.value("systemID") {
                    self.ids.insert(id_hash(id.trim()), to);
                }
                if let Some(f) = e.value("referanseDokumentfil") {
                    refs.push(f.trim().to_string());
                }
            }
            for r in refs {
                self.copy_document(&r, to)?;
            }
            let o = self.outputs.get_mut(&to).expect("every destination has an output");
            return o.w.element(&unit).map_err(io_at(&o.path));
        }
        let context = self
            .stack
            .iter()
            .rev()
            .find(|h| h.local_name() == "klasse")
            .and_then(|k| k.value("klasseID"))
            .map(str::to_string);
        self.tables.add(self.job, self.source, &unit, to, context.as_deref());
        let mut new = unit.clone();
        self.rewrite(&mut new, to, "")?;
        self.provenance(&mut new, &unit);
        if to == Destination::Close
            && let Some(plan) = &self.job.plan
            && let (system, Some(klasse)) = crate::arkivplan::classification(self.stack.iter())
            && let Some(place) = plan.place(&self.source.name, &system, klasse)
        {
            self.retain(&mut new, to, place)?;
        }
        if flagged {
            flag(&mut new, "ukartlagt kodeverdi");
        }
        if to == Destination::Convert
            && let Some(w) = self.wash.as_mut()
        {
            w.unit(&new)?;
        }
        let o = self.outputs.get_mut(&to).expect("every destination has an output");
        o.w.element(&new).map_err(io_at(&o.path))
    }
}

/// Marks a unit kept with a value no crosswalk or plan maps (unmapped = "keep-and-flag").
pub(crate) fn flag(unit: &mut Element, why: &str) {
    if let Some(p) = unit.child_mut("virksomhetsspesifikkeMetadata").and_then(|v| v.children.last_mut()) {
        p.push_field("samla:flagg", why);
    }
}
