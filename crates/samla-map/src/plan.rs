//! Planning a run: every source is streamed once, each mappe is routed, the retention
//! floors and the crosswalks are checked, collisions between sources are found, and
//! everything is counted so that `in = converted + closed + deposited + rejected` can be
//! shown per source before anything is written.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use samla_noark5::model::{Date, Kind};
use samla_noark5::stream::{Event, Split, UnitReader};
use samla_noark5::{Element, Extract, Result};

use crate::arkivplan::Place;
use crate::job::{Condition, Destination, Job, Source, Unmapped};

pub use crate::ids::{NAMESPACE, new_system_id};

/// Counts of one source and entity type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Units read.
    pub r#in: u64,
    /// Routed to the migration dataset.
    pub converted: u64,
    /// Routed to the closed part.
    pub closed: u64,
    /// Routed to the source's deposit package.
    pub deposited: u64,
    /// Not taken (with a reason in the report).
    pub rejected: u64,
}

impl Counts {
    /// `in = converted + closed + deposited + rejected`.
    pub fn reconciles(&self) -> bool {
        self.r#in == self.converted + self.closed + self.deposited + self.rejected
    }

    /// How many went to `to`.
    pub fn count(&self, to: Destination) -> u64 {
        match to {
            Destination::Convert => self.converted,
            Destination::Close => self.closed,
            Destination::Deposit => self.deposited,
        }
    }

    pub(crate) fn add(&mut self, to: Destination, n: u64) {
        self.r#in += n;
        match to {
            Destination::Convert => self.converted += n,
            Destination::Close => self.closed += n,
            Destination::Deposit => self.deposited += n,
        }
    }
}

/// A value no crosswalk maps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmappedValue {
    /// The field.
    pub field: String,
    /// The value.
    pub value: String,
    /// The source it came from.
    pub source: String,
    /// How many times.
    pub count: u64,
}

/// A rule that would send a mappe that must stay in active access away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FloorViolation {
    /// The source.
    pub source: String,
    /// The mappe's systemID.
    pub system_id: String,
    /// Its mappeID.
    pub mappe_id: String,
    /// Where the rule sent it.
    pub to: Destination,
    /// Which floor it breaks.
    pub floor: String,
}

/// The same key in more than one source, and how the merge resolves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Collision {
    /// What collides: mappeID or document file name.
    pub what: String,
    /// The value.
    pub value: String,
    /// The sources that have it.
    pub sources: Vec<String>,
    /// The resolution.
    pub resolution: String,
}

/// What a run would do.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    /// Per source, per entity type (mappe, registrering, dokumentbeskrivelse).
    pub counts: BTreeMap<String, BTreeMap<&'static str, Counts>>,
    /// Values no crosswalk maps.
    pub unmapped: Vec<UnmappedValue>,
    /// Records kept with an unmapped value (unmapped = "keep-and-flag").
    pub flagged: u64,
    /// Routing that breaks a retention floor.
    pub floor_violations: Vec<FloorViolation>,
    /// Keys found in more than one source.
    pub collisions: Vec<Collision>,
    /// Number of collisions of each kind (the list above holds the first 100 of each).
    pub collision_counts: BTreeMap<String, u64>,
    /// Converted units lacking a field the target demands, per `entity.field` (listed in
    /// gaps.csv by a run).
    pub gaps: BTreeMap<String, u64>,
    /// Per source, how the archive plan placed its converted units (with a plan).
    pub classification: BTreeMap<String, Classification>,
}

impl Plan {
    /// Why the run must stop, if it must: unmapped values (when rejecting) and floor
    /// violations, each listed.
    pub fn blocking(&self, job: &Job) -> Vec<String> {
        let mut out = Vec::new();
        if job.crosswalk.unmapped == Unmapped::Reject {
            for u in self.unmapped.iter().filter(|u| u.field == "administrativEnhet" && job.maps_enhet(&u.source)) {
                out.push(format!(
                    "unmapped administrativEnhet `{}` from {} ({} times, by saksdato or journaldato): add an [[enhet]] rule whose dates cover it, or set unmapped = \"keep-and-flag\"",
                    u.value, u.source, u.count
                ));
            }
            for u in self.unmapped.iter().filter(|u| !(u.field == "administrativEnhet" && job.maps_enhet(&u.source))) {
                out.push(format!(
                    "unmapped {} `{}` from {} ({} times): add it to [crosswalk.{}] or set unmapped = \"keep-and-flag\"",
                    u.field, u.value, u.source, u.count, u.field
                ));
            }
        }
        if job.plan.as_ref().is_some_and(|p| p.unmapped == Unmapped::Reject) {
            for (source, c) in &self.classification {
                for (klasse, units) in &c.unmapped {
                    let list: Vec<String> =
                        units.iter().map(|u| format!("{} {} ({})", u.entity, u.id, u.system_id)).collect();
                    out.push(format!(
                        "{source}: no [[plan.map]] rule places klasse {klasse}, which holds {} converted units: {}; add a rule, or set unmapped = \"keep-and-flag\" with a holding klasse in [plan]",
                        units.len(),
                        list.join(", ")
                    ));
                }
            }
        }
        for v in &self.floor_violations {
            out.push(format!(
                "{}: mappe {} (systemID {}) would go to {:?}, but {}",
                v.source, v.mappe_id, v.system_id, v.to, v.floor
            ));
        }
        out
    }

    /// Every source and entity reconciles.
    pub fn reconciles(&self) -> bool {
        self.counts.values().flat_map(|e| e.values()).all(Counts::reconciles)
    }
}

/// A first and a last date.
pub(crate) type Span = (Date, Date);

/// The smallest span that holds both (either may be missing).
pub(crate) fn widen(a: Option<Span>, b: Option<Span>) -> Option<Span> {
    match (a, b) {
        (Some((a0, a1)), Some((b0, b1))) => Some((a0.min(b0), a1.max(b1))),
        (a, b) => a.or(b),
    }
}

/// Facts about one mappe that routing needs.
pub(crate) struct MappeFacts {
    pub klasse_id: Option<String>,
    /// The latest birth date of a person in the mappe.
    pub youngest: Option<Date>,
    pub system_id: String,
    pub mappe_id: String,
    pub saksstatus: String,
    /// The first and last registrering date.
    pub registrations: Option<Span>,
    pub registreringer: u64,
    pub dokumentbeskrivelser: u64,
}

pub(crate) fn facts(unit: &Element, klasse_id: Option<&str>) -> MappeFacts {
    let mut registrations = None;
    let (mut registreringer, mut dokumentbeskrivelser) = (0, 0);
    let mut youngest = None;
    // A person is any fødselsnummer (checked) anywhere in the mappe, business-specific
    // metadata included: vendors put them in partID, foedselsnummer or their own fields.
    for e in unit.descendants() {
        let text = e.text.trim();
        if text.len() == 11
            && e.children.is_empty()
            && samla_ids::check_person(text, samla_ids::Rules::default()).is_ok()
            && let Some((year, month, day)) = samla_ids::birth_date_of(text)
        {
            let born = Date { year: i32::from(year), month: u32::from(month), day: u32::from(day) };
            youngest = youngest.max(Some(born));
        }
    }
    for e in unit.noark_descendants() {
        match e.kind() {
            Kind::Registrering(_) => {
                registreringer += 1;
                let date = ["journaldato", "registreringsdato", "opprettetDato"]
                    .iter()
                    .find_map(|f| e.value(f).and_then(Date::parse));
                registrations = widen(registrations, date.map(|d| (d, d)));
            }
            Kind::Dokumentbeskrivelse => dokumentbeskrivelser += 1,
            _ => {}
        }
    }
    MappeFacts {
        klasse_id: klasse_id.map(str::to_string),
        youngest,
        system_id: unit.value("systemID").unwrap_or_default().to_string(),
        mappe_id: unit.value("mappeID").unwrap_or_default().to_string(),
        saksstatus: unit.value("saksstatus").unwrap_or_default().to_string(),
        registrations,
        registreringer,
        dokumentbeskrivelser,
    }
}

fn matches(c: &Condition, source: &str, f: &MappeFacts, adult_born_before: Date) -> bool {
    c.saksstatus.as_ref().is_none_or(|s| *s == f.saksstatus)
        && c.source.as_ref().is_none_or(|s| s == source)
        && c.klasse.as_ref().is_none_or(|k| f.klasse_id.as_ref().is_some_and(|id| id.starts_with(k.as_str())))
        && c.persons_of_age.is_none_or(|adult| adult == f.youngest.is_none_or(|born| born <= adult_born_before))
        && c.last_registration_before
            .as_deref()
            .and_then(Date::parse)
            .is_none_or(|before| f.registrations.is_some_and(|(_, last)| last < before))
}

/// What the pass over one source found.
#[derive(Default)]
pub(crate) struct SourcePlan {
    pub counts: BTreeMap<&'static str, Counts>,
    pub unmapped: BTreeMap<(String, String), u64>,
    pub flagged: u64,
    pub floor_violations: Vec<FloorViolation>,
    pub mappe_ids: HashSet<String>,
    pub file_names: HashSet<String>,
    /// First and last registrering date of what went to each destination.
    pub period: BTreeMap<Destination, Span>,
    /// Harmonisation gaps per `entity.field`.
    pub gaps: BTreeMap<String, u64>,
    /// How the archive plan placed the converted units.
    pub classification: Classification,
}

/// How the archive plan placed one source's converted units (mapper, and registreringer
/// outside a mappe).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Classification {
    /// Placed by a rule.
    pub placed: u64,
    /// In the holding klasse (no rule; unmapped = "keep-and-flag").
    pub held: u64,
    /// Per klasse no rule maps (klassifikasjonssystem / klasseID): its units.
    pub unmapped: BTreeMap<String, Vec<Unclassified>>,
    /// Folders placed in an arkivdel ordered by person that carry no valid fødselsnummer
    /// or D-number: each stays a mappe of its own.
    pub without_person: Vec<Unclassified>,
}

/// A converted unit the plan could not place: no rule maps its klasse, or (in an arkivdel
/// ordered by person) it carries no valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unclassified {
    /// mappe or registrering.
    pub entity: String,
    /// Its systemID.
    pub system_id: String,
    /// Its mappeID or registreringsID.
    pub id: String,
}

impl Unclassified {
    /// The unit as the report names it.
    pub(crate) fn of(unit: &Element) -> Unclassified {
        let (entity, id) = if matches!(unit.kind(), Kind::Mappe(_)) {
            ("mappe", "mappeID")
        } else {
            ("registrering", "registreringsID")
        };
        Unclassified {
            entity: entity.into(),
            system_id: unit.value("systemID").unwrap_or_default().trim().to_string(),
            id: unit.value(id).unwrap_or_default().trim().to_string(),
        }
    }
}

/// Receives the pass's events with the routing decided: the dry run ignores them, the
/// run writes them.
pub(crate) trait Sink {
    /// A container opened (arkiv, arkivdel, klassifikasjonssystem, klasse).
    fn start(&mut self, header: &Element) -> Result<()>;
    /// A unit and where it goes; `flagged` if it holds a value no crosswalk maps; `place`
    /// its klasse in the archive plan (a converted unit, when the job has a plan).
    fn unit(&mut self, unit: Element, to: Destination, flagged: bool, place: Option<Place>) -> Result<()>;
    /// A container closed.
    fn end(&mut self) -> Result<()>;
    /// A converted unit lacks a field the target demands.
    fn gap(&mut self, _gap: &Gap) -> Result<()> {
        Ok(())
    }
}

/// A sink that writes nothing (the dry run).
pub(crate) struct Nothing;

impl Sink for Nothing {
    fn start(&mut self, _: &Element) -> Result<()> {
        Ok(())
    }
    fn unit(&mut self, _: Element, _: Destination, _: bool, _: Option<Place>) -> Result<()> {
        Ok(())
    }
    fn end(&mut self) -> Result<()> {
        Ok(())
    }
}

/// The file name of a document reference, for finding collisions: `DOKUMENT\2019\a.PDF` → `a.pdf`.
pub(crate) fn file_name_key(reference: &str) -> String {
    reference.rsplit(['/', '\\']).next().unwrap_or(reference).to_lowercase()
}

/// Opens a source's arkivstruktur.xml for streaming.
pub(crate) fn open_arkivstruktur(source: &Source) -> Result<(Extract, UnitReader<samla_noark5::parallel::Outside>)> {
    let extract = Extract::open(&source.path)?;
    let name = extract.find("arkivstruktur.xml").map(str::to_string).ok_or_else(|| {
        samla_noark5::Error::new(
            samla_noark5::ErrorKind::Content,
            source.path.display().to_string(),
            format!("source `{}` has no arkivstruktur.xml", source.name),
        )
        .with_hint("point the source's path at the extract's folder, its tar or its DIAS package")
    })?;
    let reader = UnitReader::parallel(extract.open_file(&name)?, extract.display(&name), Split::ARKIVSTRUKTUR);
    Ok((extract, reader))
}

/// Streams one source's arkivstruktur.xml: routes each mappe, checks the floors and the
/// crosswalks, counts, and hands everything to `sink`.
pub(crate) fn plan_source<R: std::io::Read>(
    job: &Job,
    source: &Source,
    reader: &mut UnitReader<R>,
    sink: &mut dyn Sink,
) -> Result<SourcePlan> {
    let as_of = Date::parse(&job.job.as_of).expect("checked when the job was read");
    let ten_years_ago = Date { year: as_of.year - 10, ..as_of };
    let adult_born_before = Date { year: as_of.year - 18, ..as_of };
    let mut p = SourcePlan::default();
    while let Some(event) = reader.next_event()? {
        let unit = match event {
            Event::Start(header) => {
                sink.start(&header)?;
                continue;
            }
            Event::End(_) => {
                sink.end()?;
                continue;
            }
            // A field after a sub-container is not valid Noark 5 and has no place in the output.
            Event::Field(_) => continue,
            Event::Unit(unit) => unit,
        };
        let flagged = note_codes(job, source, &unit, &mut p);
        if !matches!(unit.kind(), Kind::Mappe(_)) {
            // A registrering directly under a klasse or arkivdel: converted as it is.
            p.counts.entry("registrering").or_default().add(Destination::Convert, 1);
            let place = place(job, source, reader.context(), &unit, &mut p);
            sink.unit(unit, Destination::Convert, flagged, place)?;
            continue;
        }
        let klasse = reader.context().rev().find(|h| h.local_name() == "klasse").and_then(|k| k.value("klasseID"));
        let f = facts(&unit, klasse.map(str::trim));
        let to = job
            .route
            .iter()
            .find(|r| matches(&r.when, &source.name, &f, adult_born_before))
            .map_or(Destination::Convert, |r| r.to);
        if to == Destination::Convert {
            note_gaps(job, source, &unit, &mut p, sink)?;
        } else {
            let open = !matches!(f.saksstatus.as_str(), "Avsluttet" | "Utgår" | "");
            let recent = f.registrations.is_some_and(|(_, last)| last >= ten_years_ago);
            let child = f.youngest.is_some_and(|born| born > adult_born_before)
                && f.klasse_id
                    .as_ref()
                    .is_some_and(|id| job.floors.child_welfare_klasse.iter().any(|k| id.starts_with(k.as_str())));
            let protected = job.floors.protect.iter().find(|p| matches(&p.when, &source.name, &f, adult_born_before));
            for (broken, floor) in [
                (open, format!("saksstatus is `{}`: an open case stays in active access", f.saksstatus)),
                (recent && to == Destination::Deposit, "it has a registrering from the last 10 years".to_string()),
                (child, "a person under 18 in a child welfare folder stays in active access".to_string()),
                (protected.is_some(), format!("the job protects it: {}", protected.map_or("", |p| p.reason.as_str()))),
            ] {
                if broken {
                    p.floor_violations.push(FloorViolation {
                        source: source.name.clone(),
                        system_id: f.system_id.clone(),
                        mappe_id: f.mappe_id.clone(),
                        to,
                        floor,
                    });
                }
            }
        }
        p.counts.entry("mappe").or_default().add(to, 1);
        p.counts.entry("registrering").or_default().add(to, f.registreringer);
        p.counts.entry("dokumentbeskrivelse").or_default().add(to, f.dokumentbeskrivelser);
        if let Some(span) = widen(p.period.get(&to).copied(), f.registrations) {
            p.period.insert(to, span);
        }
        if !f.mappe_id.is_empty() && !p.mappe_ids.contains(&f.mappe_id) {
            p.mappe_ids.insert(f.mappe_id);
        }
        if flagged {
            p.flagged += 1;
        }
        let place = if to == Destination::Convert { place(job, source, reader.context(), &unit, &mut p) } else { None };
        sink.unit(unit, to, flagged, place)?;
    }
    Ok(p)
}

/// Where the archive plan puts a converted unit (none without a plan, or when no rule
/// maps its klasse and the job rejects that), counted for the report.
fn place<'e>(
    job: &Job,
    source: &Source,
    containers: impl DoubleEndedIterator<Item = &'e Element>,
    unit: &Element,
    p: &mut SourcePlan,
) -> Option<Place> {
    let plan = job.plan.as_ref()?;
    let (system, klasse) = crate::arkivplan::classification(containers);
    let c = &mut p.classification;
    if let Some(place) = klasse.and_then(|k| plan.place(&source.name, &system, k)) {
        c.placed += 1;
        return Some(place);
    }
    let label = format!(
        "{} / {}",
        system.last().copied().unwrap_or("(no klassifikasjonssystem)"),
        klasse.unwrap_or("(no klasse)")
    );
    c.unmapped.entry(label).or_default().push(Unclassified::of(unit));
    let held = plan.holding().filter(|_| plan.unmapped == Unmapped::KeepAndFlag);
    c.held += u64::from(held.is_some());
    held
}

/// A converted unit without a field the target demands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// The source.
    pub source: String,
    /// `mappe` or `registrering`.
    pub entity: String,
    /// Its old systemID.
    pub system_id: String,
    /// Its mappeID or registreringsID.
    pub id: String,
    /// The missing field.
    pub field: String,
}

/// Lists, through `sink`, the fields the target demands that a converted mappe and its
/// registreringer lack.
fn note_gaps(job: &Job, source: &Source, unit: &Element, p: &mut SourcePlan, sink: &mut dyn Sink) -> Result<()> {
    if job.target.required.is_empty() {
        return Ok(());
    }
    for e in unit.noark_descendants() {
        let (entity, id) = match e.kind() {
            Kind::Mappe(_) => ("mappe", "mappeID"),
            Kind::Registrering(_) => ("registrering", "registreringsID"),
            _ => continue,
        };
        for field in job.target.required.get(entity).into_iter().flatten() {
            if e.value(field).is_none_or(|v| v.trim().is_empty()) {
                *p.gaps.entry(format!("{entity}.{field}")).or_default() += 1;
                sink.gap(&Gap {
                    source: source.name.clone(),
                    entity: entity.to_string(),
                    system_id: e.value("systemID").unwrap_or_default().trim().to_string(),
                    id: e.value(id).unwrap_or_default().trim().to_string(),
                    field: field.clone(),
                })?;
            }
        }
    }
    Ok(())
}

/// The date a unit's organisation unit is read on: saksdato, else journaldato.
pub(crate) fn unit_date(e: &Element) -> Option<Date> {
    ["saksdato", "journaldato"].iter().find_map(|f| e.value(f)).and_then(|d| Date::parse(d.trim()))
}

/// Counts the values of the declared crosswalk fields that no crosswalk maps, and notes
/// document file names; true if the unit holds an unmapped value.
fn note_codes(job: &Job, source: &Source, unit: &Element, p: &mut SourcePlan) -> bool {
    let mut flagged = false;
    let enhet = job.maps_enhet(&source.name);
    for e in unit.noark_descendants() {
        if enhet
            && let Some(old) = e.value("administrativEnhet")
            && job.enhet(&source.name, old.trim(), unit_date(e)).is_none()
        {
            *p.unmapped.entry(("administrativEnhet".to_string(), old.trim().to_string())).or_default() += 1;
            flagged = true;
        }
        for field in &e.children {
            let Some(map) = job.crosswalk.fields.get(field.local_name()) else { continue };
            let value = field.text.trim();
            if !map.contains_key(value) {
                *p.unmapped.entry((field.local_name().to_string(), value.to_string())).or_default() += 1;
                flagged = true;
            }
        }
        if let Some(file) = e.value("referanseDokumentfil") {
            p.file_names.insert(file_name_key(file));
        }
    }
    flagged
}

impl Plan {
    /// Puts the sources' passes together, in the job's order, and finds the collisions.
    pub(crate) fn combine(sources: Vec<(String, SourcePlan)>) -> Plan {
        let mut plan = Plan::default();
        let mut unmapped = BTreeMap::new();
        let mut mappe_ids: HashMap<&str, Vec<&str>> = HashMap::new();
        let mut file_names: HashMap<&str, Vec<&str>> = HashMap::new();
        for (name, p) in &sources {
            plan.counts.insert(name.clone(), p.counts.clone());
            for ((field, value), n) in &p.unmapped {
                unmapped.insert((field.clone(), value.clone(), name.clone()), *n);
            }
            plan.flagged += p.flagged;
            for (k, n) in &p.gaps {
                *plan.gaps.entry(k.clone()).or_default() += n;
            }
            plan.floor_violations.extend(p.floor_violations.iter().cloned());
            if p.classification != Classification::default() {
                plan.classification.insert(name.clone(), p.classification.clone());
            }
            for id in &p.mappe_ids {
                mappe_ids.entry(id).or_default().push(name);
            }
            for f in &p.file_names {
                file_names.entry(f).or_default().push(name);
            }
        }
        plan.unmapped = unmapped
            .into_iter()
            .map(|((field, value, source), count)| UnmappedValue { field, value, source, count })
            .collect();
        for (what, keys, resolution) in [
            ("mappeID", mappe_ids, MAPPE_ID_RESOLUTION),
            ("document file name", file_names, "each source's documents are placed under DOKUMENT/<source>/"),
        ] {
            let mut found: Vec<(&str, Vec<&str>)> = keys.into_iter().filter(|(_, s)| s.len() > 1).collect();
            found.sort();
            plan.collision_counts.insert(what.to_string(), found.len() as u64);
            plan.collisions.extend(found.into_iter().take(100).map(|(value, sources)| Collision {
                what: what.to_string(),
                value: value.to_string(),
                sources: sources.into_iter().map(str::to_string).collect(),
                resolution: resolution.to_string(),
            }));
        }
        plan
    }
}

/// How colliding mappeIDs (and registreringsIDs) are made unique.
pub const MAPPE_ID_RESOLUTION: &str = "every mappeID and registreringsID is prefixed with its source's name (ski:2019/12); the old value is kept in the ledger and the tables";

/// Runs `f` on every source at once, one thread each, and returns the results in the
/// job's order. Not on rayon's pool: each source's reader parses on that pool and waits
/// for it, so the sources must not occupy its threads.
pub(crate) fn each_source<T: Send>(job: &Job, f: impl Fn(&Source) -> Result<T> + Sync) -> Vec<Result<T>> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = job.source.iter().map(|s| scope.spawn(|| f(s))).collect();
        handles.into_iter().map(join).collect()
    })
}

/// Joins a scoped thread, passing its panic on.
pub(crate) fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
}
