//! Planning a run: every source is streamed once, each mappe is routed, the retention
//! floors and the crosswalks are checked, collisions between sources are found, and
//! everything is counted so that `in = converted + closed + deposited + rejected` can be
//! shown per source before anything is written.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use samla_noark5::model::{Date, Kind};
use samla_noark5::stream::{Event, Split, UnitReader};
use samla_noark5::{Element, Extract};

use crate::job::{Condition, Destination, Job, Source, Unmapped};

/// The namespace of samla run's systemIDs (a fixed, random UUID).
pub const NAMESPACE: uuid::Uuid = uuid::Uuid::from_bytes([
    0x3a, 0x8e, 0x51, 0x0c, 0x77, 0x2b, 0x4f, 0x19, 0xb4, 0x06, 0x5d, 0xe2, 0x90, 0x1c, 0x6f, 0xa7,
]);

/// The new systemID of a unit: UUIDv5 of (source, old systemID), stable across reruns.
///
/// ```
/// use samla_map::plan::new_system_id;
/// assert_eq!(new_system_id("ski", "a1"), new_system_id("ski", "a1"));
/// assert_ne!(new_system_id("ski", "a1"), new_system_id("oppegaard", "a1"));
/// ```
pub fn new_system_id(source: &str, old: &str) -> String {
    uuid::Uuid::new_v5(&NAMESPACE, format!("{source}\u{1f}{old}").as_bytes()).to_string()
}

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

    fn add(&mut self, to: Destination, n: u64) {
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
}

impl Plan {
    /// Why the run must stop, if it must: unmapped values (when rejecting) and floor
    /// violations, each listed.
    pub fn blocking(&self, job: &Job) -> Vec<String> {
        let mut out = Vec::new();
        if job.crosswalk.unmapped == Unmapped::Reject {
            for u in &self.unmapped {
                out.push(format!(
                    "unmapped {} `{}` from {} ({} times): add it to [crosswalk.{}] or set unmapped = \"keep-and-flag\"",
                    u.field, u.value, u.source, u.count, u.field
                ));
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

/// Facts about one mappe that routing needs.
struct MappeFacts {
    system_id: String,
    mappe_id: String,
    saksstatus: String,
    last_registration: Option<Date>,
    registreringer: u64,
    dokumentbeskrivelser: u64,
}

fn facts(unit: &Element) -> MappeFacts {
    let mut last: Option<Date> = None;
    let (mut registreringer, mut dokumentbeskrivelser) = (0, 0);
    for e in unit.noark_descendants() {
        match e.kind() {
            Kind::Registrering(_) => {
                registreringer += 1;
                let date = ["journaldato", "registreringsdato", "opprettetDato"]
                    .iter()
                    .find_map(|f| e.value(f).and_then(Date::parse));
                last = last.max(date);
            }
            Kind::Dokumentbeskrivelse => dokumentbeskrivelser += 1,
            _ => {}
        }
    }
    MappeFacts {
        system_id: unit.value("systemID").unwrap_or_default().to_string(),
        mappe_id: unit.value("mappeID").unwrap_or_default().to_string(),
        saksstatus: unit.value("saksstatus").unwrap_or_default().to_string(),
        last_registration: last,
        registreringer,
        dokumentbeskrivelser,
    }
}

fn matches(c: &Condition, source: &str, f: &MappeFacts) -> bool {
    c.saksstatus.as_ref().is_none_or(|s| *s == f.saksstatus)
        && c.source.as_ref().is_none_or(|s| s == source)
        && c.last_registration_before
            .as_deref()
            .and_then(Date::parse)
            .is_none_or(|before| f.last_registration.is_some_and(|d| d < before))
}

/// Plans the job: reads every source once, streaming.
pub fn plan(job: &Job) -> Result<Plan, samla_noark5::Error> {
    let as_of = Date::parse(&job.job.as_of).expect("checked when the job was read");
    let ten_years_ago = Date { year: as_of.year - 10, ..as_of };
    let mut plan = Plan::default();
    let mut unmapped: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    let mut mappe_ids: HashMap<String, Vec<String>> = HashMap::new();
    let mut file_names: HashMap<String, Vec<String>> = HashMap::new();
    for source in &job.source {
        let counts =
            plan_source(job, source, ten_years_ago, &mut plan, &mut unmapped, &mut mappe_ids, &mut file_names)?;
        plan.counts.insert(source.name.clone(), counts);
    }
    plan.unmapped = unmapped
        .into_iter()
        .map(|((field, value, source), count)| UnmappedValue { field, value, source, count })
        .collect();
    for (what, keys, resolution) in [
        ("mappeID", mappe_ids, "prefixed with the source's name in the merged dataset (ski:2019/12)"),
        ("document file name", file_names, "placed under DOKUMENT/<source>/ in the merged dataset"),
    ] {
        let mut found: Vec<(String, Vec<String>)> = keys.into_iter().filter(|(_, s)| s.len() > 1).collect();
        found.sort();
        plan.collision_counts.insert(what.to_string(), found.len() as u64);
        plan.collisions.extend(found.into_iter().take(100).map(|(value, sources)| Collision {
            what: what.to_string(),
            value,
            sources,
            resolution: resolution.to_string(),
        }));
    }
    Ok(plan)
}

#[allow(clippy::too_many_arguments)]
fn plan_source(
    job: &Job,
    source: &Source,
    ten_years_ago: Date,
    plan: &mut Plan,
    unmapped: &mut BTreeMap<(String, String, String), u64>,
    mappe_ids: &mut HashMap<String, Vec<String>>,
    file_names: &mut HashMap<String, Vec<String>>,
) -> Result<BTreeMap<&'static str, Counts>, samla_noark5::Error> {
    let extract = Extract::open(&source.path)?;
    let name = extract.find("arkivstruktur.xml").map(str::to_string).ok_or_else(|| {
        samla_noark5::Error::new(
            samla_noark5::ErrorKind::Content,
            source.path.display().to_string(),
            "the source has no arkivstruktur.xml",
        )
    })?;
    let mut reader = UnitReader::parallel(extract.open_file(&name)?, extract.display(&name), Split::ARKIVSTRUKTUR);
    let mut counts: BTreeMap<&'static str, Counts> = BTreeMap::new();
    let note = |keys: &mut HashMap<String, Vec<String>>, key: String| {
        let sources = keys.entry(key).or_default();
        if !sources.contains(&source.name) {
            sources.push(source.name.clone());
        }
    };
    while let Some(event) = reader.next_event()? {
        let Event::Unit(unit) = event else { continue };
        if !matches!(unit.kind(), Kind::Mappe(_)) {
            // A registrering directly under a klasse or arkivdel: converted as it is.
            counts.entry("registrering").or_default().add(Destination::Convert, 1);
            continue;
        }
        let f = facts(&unit);
        let to = job.route.iter().find(|r| matches(&r.when, &source.name, &f)).map_or(Destination::Convert, |r| r.to);
        if to != Destination::Convert {
            let open = !matches!(f.saksstatus.as_str(), "Avsluttet" | "Utgår" | "");
            let recent = f.last_registration.is_some_and(|d| d >= ten_years_ago);
            for (broken, floor) in [
                (open, format!("saksstatus is `{}`: an open case stays in active access", f.saksstatus)),
                (recent && to == Destination::Deposit, "it has a registrering from the last 10 years".to_string()),
            ] {
                if broken {
                    plan.floor_violations.push(FloorViolation {
                        source: source.name.clone(),
                        system_id: f.system_id.clone(),
                        mappe_id: f.mappe_id.clone(),
                        to,
                        floor,
                    });
                }
            }
        }
        counts.entry("mappe").or_default().add(to, 1);
        counts.entry("registrering").or_default().add(to, f.registreringer);
        counts.entry("dokumentbeskrivelse").or_default().add(to, f.dokumentbeskrivelser);
        if !f.mappe_id.is_empty() {
            note(mappe_ids, f.mappe_id.clone());
        }
        // Code values of the declared crosswalk fields, in the mappe and below it.
        let mut flagged = false;
        for e in std::iter::once(&unit).chain(unit.noark_descendants()) {
            for field in &e.children {
                let Some(map) = job.crosswalk.fields.get(field.local_name()) else { continue };
                let value = field.text.trim();
                if !map.contains_key(value) {
                    *unmapped
                        .entry((field.local_name().to_string(), value.to_string(), source.name.clone()))
                        .or_default() += 1;
                    flagged = true;
                }
            }
            if let Some(file) = e.value("referanseDokumentfil") {
                let base = file.rsplit(['/', '\\']).next().unwrap_or(file).to_lowercase();
                note(file_names, base);
            }
        }
        if flagged {
            plan.flagged += 1;
        }
    }
    Ok(counts)
}
