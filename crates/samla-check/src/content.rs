//! The content controls: one streaming pass over arkivstruktur.xml.
//!
//! Every count and check of N5.04–N5.63 and S.02–S.08 that looks at arkivstruktur.xml
//! is fed here, unit by unit. Sets of systemIDs are kept as 128-bit hashes, so memory
//! grows by 16 bytes per systemID and not with the file.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};

use samla_noark5::model::Date;
use samla_noark5::{Element, Extract, Version};

use crate::controls::ControlId;
use crate::controls::ControlId::{
    N5_04, N5_05, N5_06, N5_07, N5_08, N5_09, N5_10, N5_11, N5_12, N5_13, N5_14, N5_15, N5_16, N5_17, N5_18, N5_19,
    N5_20, N5_21, N5_22, N5_23, N5_24, N5_25, N5_26, N5_27, N5_29, N5_34, N5_35, N5_36, N5_37, N5_38, N5_39, N5_40,
    N5_41, N5_42, N5_43, N5_44, N5_45, N5_46, N5_47, N5_48, N5_51, N5_63, S_04, S_05, S_06, S_07, S_08,
};
use crate::documents::{Documents, Task};
use crate::findings::{Findings, Location, Severity, Text};
use crate::ids;

/// A compact key for a systemID.
pub fn id_key(id: &str) -> u128 {
    let id = id.trim();
    let mut a = DefaultHasher::new();
    id.hash(&mut a);
    let mut b = DefaultHasher::new();
    (id, 0x5a17_u32).hash(&mut b);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

/// The tallied controls that small children of container headers also feed: klasse
/// kryssreferanser, arkivdel and klasse skjerming, gradering and kassasjon.
fn header_kind(local: &str) -> Option<ControlId> {
    match local {
        "kryssreferanse" => Some(N5_37),
        "skjerming" => Some(N5_42),
        "gradering" => Some(N5_43),
        "kassasjon" => Some(N5_44),
        _ => None,
    }
}

/// Date fields that may lie in the future: planned disposal, lifting of screening,
/// downgrading and due dates.
const FUTURE_ALLOWED: &[&str] = &["kassasjonsdato", "skjermingOpphoererDato", "nedgraderingsdato", "forfallsdato"];

/// A counter of values, reported in sorted order.
type Tally = BTreeMap<String, u64>;

fn bump(t: &mut Tally, key: impl Into<String>) {
    *t.entry(key.into()).or_default() += 1;
}

#[derive(Default)]
struct KlasseState {
    system_id: String,
    primary: bool,
    sub: bool,
    mapper: u64,
    registreringer: u64,
    pos: samla_noark5::pos::Pos,
}

#[derive(Default)]
struct ArkivdelState {
    system_id: String,
    tittel: String,
    period: Option<(Date, Date)>,
    first: Option<Date>,
    last: Option<Date>,
    systems_seen: u32,
}

/// The state of the content pass.
pub struct Content {
    file: String,
    version: Option<Version>,
    today: Date,
    pub(crate) counts: BTreeMap<&'static str, u64>,
    tallies: BTreeMap<ControlId, Tally>,
    ids: HashSet<u128>,
    arkivdel_ids: HashSet<u128>,
    klasse_ids: HashSet<u128>,
    pending_arkivdel: Vec<(String, Location)>,
    /// The arkivdeler in which some unit has a referanseArkivdel.
    referring_arkivdeler: HashSet<u128>,
    pending_klasse: Vec<(String, Location)>,
    klasser: Vec<KlasseState>,
    in_primary: bool,
    arkivdel: ArkivdelState,
    arkivdel_summaries: Vec<String>,
    pub(crate) journaldato: Option<(Date, Date)>,
    pub(crate) journalposter: u64,
    /// Sum of the keys of the journalposter's systemIDs: equal sums and counts mean the
    /// journals hold the same journalposter, without keeping a set of them.
    pub(crate) journalpost_fingerprint: u128,
    pub(crate) documents: Documents,
    /// Whether the document files are checked (any document control selected).
    check_documents: bool,
    /// Whose verdict: open cases and journal statuses are errors for a depot only.
    pub(crate) profile: crate::profile::Profile,
    /// Whether the element visited lies in (or is) a mappe or registrering with status
    /// Utgår, which Arkade leaves out of N5.14, N5.21, N5.24 and N5.64.
    utgaar: bool,
    /// N5.34 as Arkade counts it: each referanseDokumentfil as written, per arkivdel.
    references: HashMap<(u128, u64), u32>,
}

impl Content {
    /// A pass over `file` of an extract of `version`; dates after `today` are flagged;
    /// `check_documents` says whether the document files are hashed and checked.
    pub fn new(
        file: &str,
        version: Option<Version>,
        today: Date,
        check_documents: bool,
        known: Option<crate::documents::KnownDigests>,
    ) -> Content {
        Content {
            file: file.to_string(),
            version,
            today,
            counts: BTreeMap::new(),
            tallies: BTreeMap::new(),
            ids: HashSet::new(),
            arkivdel_ids: HashSet::new(),
            klasse_ids: HashSet::new(),
            pending_arkivdel: Vec::new(),
            referring_arkivdeler: HashSet::new(),
            pending_klasse: Vec::new(),
            klasser: Vec::new(),
            in_primary: false,
            arkivdel: ArkivdelState::default(),
            arkivdel_summaries: Vec::new(),
            journaldato: None,
            journalposter: 0,
            journalpost_fingerprint: 0,
            documents: Documents::new().with_known(known),
            check_documents,
            profile: crate::profile::Profile::Deposit,
            utgaar: false,
            references: HashMap::new(),
        }
    }

    fn count(&mut self, what: &'static str) {
        *self.counts.entry(what).or_default() += 1;
    }

    fn tally(&mut self, control: ControlId, key: impl Into<String>) {
        bump(self.tallies.entry(control).or_default(), key);
    }

    /// Whether `id` is a systemID seen so far.
    pub fn has_id(&self, id: &str) -> bool {
        self.ids.contains(&id_key(id))
    }

    fn at(&self, e: &Element, path: &str, system_id: Option<&str>) -> Location {
        self.at_pos(e.pos, path, system_id)
    }

    fn at_pos(&self, pos: samla_noark5::pos::Pos, path: &str, system_id: Option<&str>) -> Location {
        Location {
            element: Some(path.to_string()),
            system_id: system_id.map(str::to_string),
            ..Location::at(self.file.clone(), pos)
        }
    }

    /// A container opened (arkiv, arkivdel, klassifikasjonssystem, klasse).
    pub fn start(&mut self, header: &Element, path: &str, f: &mut Findings) {
        let sid = header.system_id().map(str::to_string);
        match header.local_name() {
            "arkiv" => self.count("arkiv"),
            "arkivdel" => {
                self.count("arkivdel");
                // N5.45 counts an utført kassasjon of the arkivdel too, as Arkade does.
                for _ in header.children.iter().filter(|c| c.local_name() == "utfoertKassasjon") {
                    self.count("utfoertKassasjon");
                }
                let status = header.value("arkivdelstatus").unwrap_or("").trim().to_string();
                self.tally(N5_06, status.clone());
                if !status.is_empty() && status != "Avsluttet periode" && status != "Overlappingsperiode" {
                    f.add(
                        N5_06,
                        Severity::Warning,
                        self.at(header, path, sid.as_deref()).with_detail(status),
                        Text::new(
                            "Arkivdelen har ikke status «Avsluttet periode» som et depot krever",
                            "The arkivdel is not \"Avsluttet periode\", as a deposit requires",
                        ),
                    );
                }
                let period = match (header.date("arkivperiodeStartDato"), header.date("arkivperiodeSluttDato")) {
                    (Some(Ok(a)), Some(Ok(b))) => Some((a, b)),
                    _ => None,
                };
                self.arkivdel = ArkivdelState {
                    system_id: sid.clone().unwrap_or_default(),
                    tittel: header.value("tittel").unwrap_or("").trim().to_string(),
                    period,
                    ..Default::default()
                };
                if let Some(id) = &sid {
                    self.arkivdel_ids.insert(id_key(id));
                }
            }
            "klassifikasjonssystem" => {
                self.count("klassifikasjonssystem");
                self.arkivdel.systems_seen += 1;
                self.in_primary = self.arkivdel.systems_seen == 1;
            }
            "klasse" => {
                self.count("klasse");
                let level = self.klasser.len() + 1;
                self.tally(N5_08, format!("{level}"));
                if let Some(parent) = self.klasser.last_mut() {
                    parent.sub = true;
                }
                if let Some(id) = &sid {
                    self.klasse_ids.insert(id_key(id));
                }
                self.klasser.push(KlasseState {
                    system_id: sid.clone().unwrap_or_default(),
                    primary: self.in_primary,
                    pos: header.pos,
                    ..Default::default()
                });
            }
            _ => {}
        }
        // The header's own fields and small children (arkivskaper, kassasjon, …).
        self.walk(header, path, sid.as_deref(), f);
    }

    /// A container closed.
    pub fn end(&mut self, local: &str, path: &str, f: &mut Findings) {
        match local {
            "klasse" => {
                let Some(k) = self.klasser.pop() else { return };
                let at = self.at_pos(k.pos, path, Some(&k.system_id));
                if k.sub && k.mapper > 0 {
                    f.add(
                        N5_12,
                        Severity::Error,
                        at.clone(),
                        Text::new(
                            "Klassen har både underklasser og mapper",
                            "The klasse has both subklasser and mapper",
                        ),
                    );
                }
                if k.sub && k.registreringer > 0 {
                    f.add(
                        N5_19,
                        Severity::Error,
                        at,
                        Text::new(
                            "Klassen har både underklasser og registreringer",
                            "The klasse has both subklasser and registreringer",
                        ),
                    );
                }
                if k.primary && !k.sub && k.mapper == 0 && k.registreringer == 0 {
                    self.count("klasse-empty");
                }
                if k.mapper > 0 {
                    *self.tallies.entry(N5_13).or_default().entry(k.system_id.clone()).or_default() += k.mapper;
                }
                if k.registreringer > 0 {
                    *self.tallies.entry(N5_20).or_default().entry(k.system_id.clone()).or_default() += k.registreringer;
                } else if !k.sub {
                    self.count("klasse-without-registreringer");
                }
            }
            "arkivdel" => {
                let a = &self.arkivdel;
                let fmt = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_else(|| "-".into());
                self.arkivdel_summaries.push(format!(
                    "{}, {}: {} – {}",
                    a.system_id,
                    a.tittel,
                    fmt(a.first),
                    fmt(a.last)
                ));
            }
            "klassifikasjonssystem" => self.in_primary = false,
            _ => {}
        }
    }

    /// A unit (mappe or registrering directly in a container), or a stray field.
    pub fn unit(&mut self, unit: &Element, path: &str, extract: &Extract, f: &mut Findings) {
        if let Some(k) = self.klasser.last_mut() {
            match unit.local_name() {
                "mappe" => k.mapper += 1,
                "registrering" => k.registreringer += 1,
                _ => {}
            }
        }
        let path = format!("{path}/{}", unit.name);
        self.walk_unit(unit, &path, f, extract);
    }

    /// Walks a unit depth first without recursion, visiting each element.
    fn walk_unit(&mut self, unit: &Element, path: &str, f: &mut Findings, extract: &Extract) {
        // (element, its path, the nearest systemID above or on it, parent local name, under Utgår)
        let mut stack: Vec<(&Element, String, Option<String>, String, bool)> =
            vec![(unit, path.to_string(), None, String::new(), false)];
        while let Some((e, path, inherited, parent, gone)) = stack.pop() {
            let sid = e.system_id().map(str::to_string).or(inherited);
            self.utgaar = gone || is_utgaar(e);
            let gone = self.utgaar;
            self.visit(e, &path, sid.as_deref(), &parent, f, extract);
            if e.local_name() == "virksomhetsspesifikkeMetadata" {
                self.walk_foreign(e, &path, sid.as_deref(), f);
                continue;
            }
            for child in e.children.iter().rev() {
                stack.push((
                    child,
                    format!("{path}/{}", child.name),
                    sid.clone(),
                    e.xsi_type().unwrap_or(e.local_name()).to_string(),
                    gone,
                ));
            }
        }
    }

    /// The header of a container: its own leaf fields and small children.
    fn walk(&mut self, header: &Element, path: &str, sid: Option<&str>, f: &mut Findings) {
        for child in &header.children {
            let child_path = format!("{path}/{}", child.name);
            let mut stack = vec![(child, child_path, header.local_name().to_string())];
            while let Some((e, p, parent)) = stack.pop() {
                self.visit_common(e, &p, sid, f);
                if let Some(kind) = header_kind(e.local_name()).filter(|_| !e.children.is_empty()) {
                    self.tally(kind, parent);
                }
                for c in e.children.iter().rev() {
                    stack.push((c, format!("{p}/{}", c.name), e.local_name().to_string()));
                }
            }
        }
        if let Some(id) = header.system_id() {
            self.check_id(header, id, path, f);
        }
    }

    /// Business-specific metadata: only identifiers with check digits are looked at.
    fn walk_foreign(&mut self, vsm: &Element, path: &str, sid: Option<&str>, f: &mut Findings) {
        for e in vsm.descendants().skip(1) {
            if e.children.is_empty() {
                let name = e.local_name().to_ascii_lowercase();
                let value = e.text.trim();
                // As Arkade: an empty element inside virksomhetsspesifikkeMetadata is N5.63 too.
                if value.is_empty() && e.attr_local("nil") != Some("true") {
                    f.add(
                        N5_63,
                        Severity::Error,
                        self.at(e, &format!("{path}/…/{}", e.name), sid),
                        Text::new("Elementet mangler innhold", "The element has no content"),
                    );
                    continue;
                }
                let kind = if name.contains("foedselsnummer") || name.contains("fodselsnummer") || name == "fnr" {
                    Some(11)
                } else if name.contains("organisasjonsnummer") || name == "orgnr" {
                    Some(9)
                } else {
                    None
                };
                if let Some(len) = kind {
                    self.check_identifier(e, value, len, &format!("{path}/…/{}", e.name), sid, f);
                }
            }
        }
    }

    fn check_identifier(
        &mut self,
        e: &Element,
        value: &str,
        len: usize,
        path: &str,
        sid: Option<&str>,
        f: &mut Findings,
    ) {
        let problem = if len == 11 { ids::fnr_problem(value) } else { ids::orgnr_problem(value) };
        if let Some(why) = problem {
            let (nb, en) = if len == 11 {
                ("Ugyldig fødselsnummer eller D-nummer", "Invalid fødselsnummer or D-number")
            } else {
                ("Ugyldig organisasjonsnummer", "Invalid organisasjonsnummer")
            };
            f.add(S_07, Severity::Error, self.at(e, path, sid).with_detail(why), Text::new(nb, en));
        }
    }

    fn check_id(&mut self, e: &Element, id: &str, path: &str, f: &mut Findings) {
        if !self.ids.insert(id_key(id)) {
            f.add(
                N5_47,
                Severity::Error,
                self.at(e, path, Some(id)),
                Text::new("SystemID finnes mer enn én gang", "The systemID occurs more than once"),
            );
        }
        if self.version == Some(Version::V5_0) && !ids::is_uuid(id) {
            f.add(
                S_04,
                Severity::Error,
                self.at(e, path, Some(id)),
                Text::new(
                    "SystemID er ikke en UUID, som Noark 5 v5.0 krever",
                    "The systemID is not a UUID, as Noark 5 v5.0 requires",
                ),
            );
        }
    }

    /// Checks every leaf element has: content (N5.63), dates (S.05), identifiers (S.07).
    fn visit_common(&mut self, e: &Element, path: &str, sid: Option<&str>, f: &mut Findings) {
        if !e.children.is_empty() {
            return;
        }
        let name = e.local_name();
        let value = e.text.trim();
        // As Arkade, an element with attributes but no text has no content either.
        if value.is_empty() && e.attr_local("nil") != Some("true") {
            f.add(
                N5_63,
                Severity::Error,
                self.at(e, path, sid),
                Text::new("Elementet mangler innhold", "The element has no content"),
            );
            return;
        }
        if name.ends_with("Dato") || name.ends_with("dato") {
            self.check_date(e, value, path, sid, f);
        }
        if (name == "partID" || name == "sakspartID") && value.bytes().all(|b| b.is_ascii_digit()) {
            match value.len() {
                11 => self.check_identifier(e, value, 11, path, sid, f),
                9 => self.check_identifier(e, value, 9, path, sid, f),
                _ => {}
            }
        }
    }

    fn check_date(&mut self, e: &Element, value: &str, path: &str, sid: Option<&str>, f: &mut Findings) {
        let Some(date) = Date::parse(value) else {
            f.add(
                S_05,
                Severity::Error,
                self.at(e, path, sid).with_detail(value),
                Text::new(
                    "Datoen er ikke en gyldig xs:date eller xs:dateTime",
                    "The date is not a valid xs:date or xs:dateTime",
                ),
            );
            return;
        };
        let sentinel = matches!((date.year, date.month, date.day), (1, 1, 1) | (1900, 1, 1) | (1970, 1, 1));
        if sentinel {
            f.add(
                S_05,
                Severity::Error,
                self.at(e, path, sid).with_detail(value),
                Text::new(
                    "Plassholderdato (0001-01-01, 1900-01-01 eller 1970-01-01)",
                    "Sentinel date (0001-01-01, 1900-01-01 or 1970-01-01)",
                ),
            );
        } else if date.year < 1000 {
            f.add(
                S_05,
                Severity::Error,
                self.at(e, path, sid).with_detail(value),
                Text::new(
                    "Årstallet ser ut som et tosifret år som er lest feil",
                    "The year looks like a misread two-digit year",
                ),
            );
        } else if date > self.today && !FUTURE_ALLOWED.contains(&e.local_name()) {
            f.add(
                S_05,
                Severity::Error,
                self.at(e, path, sid).with_detail(value),
                Text::new(
                    "Datoen ligger etter at uttrekket ble kontrollert",
                    "The date is after the extract was checked",
                ),
            );
        }
    }

    /// Per element of a unit: counts and checks by Noark name.
    fn visit(&mut self, e: &Element, path: &str, sid: Option<&str>, parent: &str, f: &mut Findings, extract: &Extract) {
        self.visit_common(e, path, sid, f);
        if let Some(id) = e.system_id() {
            self.check_id(e, id, &format!("{path}/systemID"), f);
        }
        match e.local_name() {
            "mappe" => self.mappe(e, path, sid, f),
            "registrering" => self.registrering(e, path, sid, f),
            "dokumentbeskrivelse" => {
                self.count("dokumentbeskrivelse");
                self.tally(N5_25, e.value("dokumentstatus").unwrap_or("").trim());
                if let Some(status) = e.value("dokumentstatus").map(str::trim)
                    && status != "Dokumentet er ferdigstilt"
                {
                    // Arkade: an error; a document still being edited is no error in a live system.
                    f.add(
                        N5_25,
                        self.profile.depot_only(),
                        self.at(e, path, sid).with_detail(status.to_string()),
                        Text::new(
                            "Dokumentet er ikke ferdigstilt (dokumentstatus «Dokumentet er ferdigstilt»)",
                            "The document is not finished (dokumentstatus \"Dokumentet er ferdigstilt\")",
                        ),
                    );
                }
                // As Arkade: documents on paper are counted on a line of their own.
                let medium = e.value("dokumentmedium").map(|m| m.trim().to_lowercase());
                let physical = matches!(medium.as_deref(), Some("fysisk medium" | "fysisk arkiv"));
                if e.child("dokumentobjekt").is_none() && !self.utgaar {
                    self.count(if physical {
                        "dokumentbeskrivelse-without-objekt-physical"
                    } else {
                        "dokumentbeskrivelse-without-objekt"
                    });
                }
            }
            "dokumentobjekt" => self.dokumentobjekt(e, path, sid, extract, f),
            "part" | "sakspart" => self.count("part"),
            "merknad" => self.tally(N5_36, parent.to_string()),
            "kryssreferanse" => self.tally(N5_37, parent.to_string()),
            "presedens" => self.tally(N5_38, parent.to_string()),
            "korrespondansepart" => self.count("korrespondansepart"),
            "avskrivning" => self.tally(N5_40, e.value("avskrivningsmaate").unwrap_or("").trim()),
            "dokumentflyt" => self.count("dokumentflyt"),
            // In v3.1 the grad itself is a field named gradering: count the complex one.
            "skjerming" | "gradering" | "kassasjon" if !e.children.is_empty() => {
                let control = header_kind(e.local_name()).expect("listed in header_kind");
                self.tally(control, parent.to_string());
            }
            "utfoertKassasjon" => self.count("utfoertKassasjon"),
            "konvertering" => self.count("konvertering"),
            "referanseArkivdel" => {
                let r = e.text.trim().to_string();
                self.referring_arkivdeler.insert(id_key(&self.arkivdel.system_id));
                let at = self.at(e, path, sid).with_detail(r.clone());
                self.pending_arkivdel.push((r, at));
            }
            "referanseSekundaerKlassifikasjon" => {
                let r = e.text.trim().to_string();
                if !self.klasse_ids.contains(&id_key(&r)) {
                    let at = self.at(e, path, sid).with_detail(r.clone());
                    self.pending_klasse.push((r, at));
                }
            }
            _ => {}
        }
    }

    fn mappe(&mut self, e: &Element, path: &str, sid: Option<&str>, f: &mut Findings) {
        self.count("mappe");
        self.tally(N5_10, e.xsi_type().unwrap_or("mappe"));
        let year =
            e.date("opprettetDato").and_then(Result::ok).map(|d| d.year.to_string()).unwrap_or_else(|| "?".into());
        self.tally(N5_11, year);
        if e.child("registrering").is_none() && e.child("mappe").is_none() && !self.utgaar {
            self.count("mappe-empty");
        }
        if let Some(status) = e.value("saksstatus") {
            let status = status.trim().to_string();
            self.tally(N5_15, status.clone());
            if status != "Avsluttet" && status != "Utgår" {
                // Arkade: an error; a migration from a live system expects open cases.
                f.add(
                    N5_15,
                    self.profile.depot_only(),
                    self.at(e, path, sid).with_detail(status),
                    Text::new(
                        "Saksmappen er ikke avsluttet (saksstatus «Avsluttet» eller «Utgår»)",
                        "The saksmappe is not closed (saksstatus \"Avsluttet\" or \"Utgår\")",
                    ),
                );
            }
        }
    }

    fn registrering(&mut self, e: &Element, path: &str, sid: Option<&str>, f: &mut Findings) {
        self.count("registrering");
        let kind = e.xsi_type().unwrap_or("registrering").to_string();
        self.tally(N5_16, kind.clone());
        let created = e.date("opprettetDato").and_then(Result::ok);
        self.tally(N5_18, created.map(|d| d.year.to_string()).unwrap_or_else(|| "?".into()));
        if let Some(written) = e.value("opprettetDato") {
            self.count("registrering-with-opprettetDato");
            // As Arkade: an opprettetDato that is no date is an N5.27 error (S.05 says why).
            if created.is_none() {
                f.add(
                    N5_27,
                    Severity::Error,
                    self.at(e, path, sid).with_detail(samla_noark5::error::shorten(written, 80).into_owned()),
                    Text::new(
                        "Ugyldig dato for registreringsopprettelse",
                        "Invalid date of the registrering's creation",
                    ),
                );
            }
        }
        if let Some(d) = created {
            let a = &mut self.arkivdel;
            a.first = Some(a.first.map_or(d, |x| x.min(d)));
            a.last = Some(a.last.map_or(d, |x| x.max(d)));
        }
        if e.child("dokumentbeskrivelse").is_none() && !self.utgaar {
            self.count("registrering-without-dokumentbeskrivelse");
        }
        if kind != "journalpost" {
            return;
        }
        self.journalposter += 1;
        if let Some(id) = e.system_id() {
            self.journalpost_fingerprint = self.journalpost_fingerprint.wrapping_add(id_key(id));
        }
        let jptype = e.value("journalposttype").unwrap_or("").trim().to_string();
        self.tally(N5_17, jptype.clone());
        if jptype.is_empty() {
            // Arkade: an empty journalposttype is an error (samla: an absent one too).
            f.add(
                N5_17,
                Severity::Error,
                self.at(e, path, sid),
                Text::new("Journalposten har ingen journalposttype", "The journalpost has no journalposttype"),
            );
        }
        let status = e.value("journalstatus").unwrap_or("").trim().to_string();
        self.tally(N5_22, status.clone());
        if status.is_empty() {
            // Arkade: an empty journalstatus is an error (samla: an absent one too), in any profile.
            f.add(
                N5_22,
                Severity::Error,
                self.at(e, path, sid),
                Text::new("Journalposten har ingen journalstatus", "The journalpost has no journalstatus"),
            );
        } else if status != "Arkivert" && status != "Utgår" {
            f.add(
                N5_22,
                self.profile.depot_only(),
                self.at(e, path, sid).with_detail(status),
                Text::new(
                    "Journalposten har ikke status «Arkivert» eller «Utgår», som et depot krever",
                    "The journalpost is not \"Arkivert\" or \"Utgår\", as a deposit requires",
                ),
            );
        }
        if let Some(Ok(d)) = e.date("journaldato") {
            if d.year > 1900 || (d.month, d.day) != (1, 1) {
                self.journaldato = Some(self.journaldato.map_or((d, d), |(a, b)| (a.min(d), b.max(d))));
            }
            if let Some((start, end)) = self.arkivdel.period
                && (d < start || d > end)
            {
                f.add(
                    S_06,
                    Severity::Warning,
                    self.at(e, path, sid).with_detail(format!("{d} ∉ {start}–{end}")),
                    Text::new(
                        "Journaldatoen ligger utenfor arkivdelens arkivperiode",
                        "The journaldato lies outside the arkivdel's arkivperiode",
                    ),
                );
            }
        }
        if jptype == "Inngående dokument" && e.child("avskrivning").is_none() {
            f.add(
                S_08,
                Severity::Warning,
                self.at(e, path, sid),
                Text::new("Inngående dokument uten avskrivning", "Incoming document without avskrivning"),
            );
        }
    }

    fn dokumentobjekt(&mut self, e: &Element, path: &str, sid: Option<&str>, extract: &Extract, f: &mut Findings) {
        self.count("dokumentobjekt");
        let format = e.value("format").unwrap_or("").trim().to_string();
        self.tally(N5_29, format.clone());
        let reference = e.value("referanseDokumentfil").unwrap_or("").trim().to_string();
        if let Some(detail) = format_mismatch(e.value("format"), e.value("referanseDokumentfil")) {
            f.add(
                N5_29,
                self.profile.depot_only(),
                self.at(e, path, sid).with_detail(detail),
                Text::new(
                    "Format-misforhold: filendelsen er ikke formatet",
                    "Format mismatch: the file extension is not the format",
                ),
            );
        }
        let arkivdel = id_key(&self.arkivdel.system_id);
        // As written (id_key would trim it): Arkade counts the raw string.
        let mut h = DefaultHasher::new();
        e.value("referanseDokumentfil").unwrap_or("").hash(&mut h);
        *self.references.entry((arkivdel, h.finish())).or_default() += 1;
        let task = Task {
            counted: !self.utgaar,
            reference,
            checksum: e.value("sjekksum").map(str::to_string),
            algorithm: e.value("sjekksumAlgoritme").map(str::to_string),
            size: e.value("filstoerrelse").map(str::to_string),
            location: self.at(e, path, sid),
        };
        if self.check_documents {
            self.documents.push(task, extract, f);
        }
    }

    /// After the pass: reports the counts and resolves the pending references.
    pub fn finish(&mut self, f: &mut Findings) {
        let total = |s: &Self, k: &str| s.counts.get(k).copied().unwrap_or(0);
        let t = |nb: &str, en: &str| Text::new(nb, en);
        for (control, key) in [
            (N5_04, "arkiv"),
            (N5_05, "arkivdel"),
            (N5_07, "klassifikasjonssystem"),
            (N5_08, "klasse"),
            (N5_09, "klasse-empty"),
            (N5_10, "mappe"),
            (N5_14, "mappe-empty"),
            (N5_16, "registrering"),
            (N5_21, "registrering-without-dokumentbeskrivelse"),
            (N5_23, "dokumentbeskrivelse"),
            (N5_24, "dokumentbeskrivelse-without-objekt"),
            (N5_26, "dokumentobjekt"),
            (N5_35, "part"),
            (N5_39, "korrespondansepart"),
            (N5_41, "dokumentflyt"),
            (N5_45, "utfoertKassasjon"),
            (N5_46, "konvertering"),
        ] {
            f.stat(control, t("Totalt", "Total"), total(self, key));
        }
        let physical = total(self, "dokumentbeskrivelse-without-objekt-physical");
        if physical > 0 {
            f.stat(
                N5_24,
                t(
                    "I tillegg: uten dokumentobjekt, på «fysisk arkiv» eller «fysisk medium»",
                    "Besides: without dokumentobjekt, on \"fysisk arkiv\" or \"fysisk medium\"",
                ),
                physical,
            );
        }
        let twice = self.references.values().filter(|&&n| n > 1).count();
        f.stat(N5_34, t("Totalt", "Total"), twice);
        for (control, nb, en) in [
            (N5_06, "Arkivdelstatus", "Arkivdelstatus"),
            (N5_08, "Klasser på nivå", "Klasser at level"),
            (N5_10, "Mappetype", "Mappe type"),
            (N5_11, "År", "Year"),
            (N5_13, "Klasse (systemID)", "Klasse (systemID)"),
            (N5_15, "Saksmappestatus", "Saksmappe status"),
            (N5_16, "Registreringstype", "Registrering type"),
            (N5_17, "Journalposttype", "Journalpost type"),
            (N5_18, "År", "Year"),
            (N5_20, "Klasse (systemID)", "Klasse (systemID)"),
            (N5_22, "Journalstatus", "Journal status"),
            (N5_25, "Dokumentstatus", "Document status"),
            (N5_29, "Dokumentformat", "Document format"),
            (N5_36, "Merknader i", "Merknader in"),
            (N5_37, "Kryssreferanser fra", "Kryssreferanser from"),
            (N5_38, "Presedenser i", "Presedenser in"),
            (N5_40, "Avskrivningsmåte", "Avskrivning method"),
            (N5_42, "Skjerminger i", "Skjerminger in"),
            (N5_43, "Graderinger i", "Graderinger in"),
            (N5_44, "Kassasjonsvedtak i", "Kassasjonsvedtak in"),
        ] {
            let tally = self.tallies.remove(&control).unwrap_or_default();
            if matches!(control, N5_36 | N5_37 | N5_38 | N5_40 | N5_42 | N5_43 | N5_44) {
                f.stat(control, t("Totalt", "Total"), tally.values().sum::<u64>());
            }
            for (k, n) in tally {
                f.stat(control, Text::new(format!("{nb}: {k}"), format!("{en}: {k}")), n);
            }
        }
        if total(self, "klasse-without-registreringer") > 0 {
            f.stat(
                N5_20,
                t(
                    "Klasser uten registreringer (og uten underklasser)",
                    "Klasser without registreringer (and without subklasser)",
                ),
                total(self, "klasse-without-registreringer"),
            );
        }
        f.stat(N5_27, t("Totalt", "Total"), total(self, "registrering-with-opprettetDato"));
        for summary in std::mem::take(&mut self.arkivdel_summaries) {
            f.stat(N5_27, t("Arkivdel: første – siste registrering", "Arkivdel: first – last registrering"), summary);
        }
        // As Arkade, a reference is valid only to an arkivdel that holds a referanseArkivdel
        // of its own.
        for (r, at) in std::mem::take(&mut self.pending_arkivdel) {
            if !self.arkivdel_ids.contains(&id_key(&r)) || !self.referring_arkivdeler.contains(&id_key(&r)) {
                f.add(
                    N5_48,
                    Severity::Error,
                    at,
                    Text::new(
                        "referanseArkivdel er ikke gyldig: ingen arkivdel har den systemID-en, eller arkivdelen har selv ingen referanseArkivdel (som Arkade krever)",
                        "referanseArkivdel is not valid: no arkivdel has that systemID, or that arkivdel holds no referanseArkivdel itself (as Arkade requires)",
                    ),
                );
            }
        }
        for (r, at) in std::mem::take(&mut self.pending_klasse) {
            if !self.klasse_ids.contains(&id_key(&r)) {
                f.add(
                    N5_51,
                    Severity::Error,
                    at,
                    Text::new(
                        "referanseSekundaerKlassifikasjon peker ikke på noen klasse",
                        "referanseSekundaerKlassifikasjon points at no klasse",
                    ),
                );
            }
        }
    }

    /// The count of `what` (arkiv, arkivdel, mappe, registrering, dokumentobjekt, …).
    pub fn total(&self, what: &str) -> u64 {
        self.counts.get(what).copied().unwrap_or(0)
    }

    /// The values and counts a control tallied (years, statuses, …), sorted.
    pub fn tally_values(&self, control: ControlId) -> Vec<(String, u64)> {
        self.tallies.get(&control).map(|t| t.iter().map(|(k, n)| (k.clone(), *n)).collect()).unwrap_or_default()
    }

    /// How many of a tallied control's values there are.
    pub fn tally_total(&self, control: ControlId) -> u64 {
        self.tallies.get(&control).map_or(0, |t| t.values().sum())
    }
}

/// N5.29 as Arkade's `HasFormatMismatch`: the reference's extension, lower-cased, must be
/// "." and the format, lower-cased, as written. A format or reference not given is no
/// mismatch. Returns the detail: both values, and where samla knows the format (a PRONOM
/// identifier, PDF/A), whether the extension fits it all the same.
fn format_mismatch(format: Option<&str>, reference: Option<&str>) -> Option<String> {
    let (format, reference) = (format?, reference?);
    let name = reference.rsplit(['/', '\\']).next().unwrap_or(reference);
    let extension = name.rfind('.').filter(|&i| i > 0).map_or(String::new(), |i| name[i..].to_lowercase());
    if extension == format!(".{}", format.to_lowercase()) {
        return None;
    }
    let fits = ids::extension_for_format(format.trim())
        .is_some_and(|known| known.iter().any(|k| extension.strip_prefix('.') == Some(*k)));
    let note = if fits { "; the extension fits the format, but Arkade compares it with the format's text" } else { "" };
    Some(format!("format {format:?}, referanseDokumentfil {reference:?}{note}"))
}

/// Whether a mappe or registrering has the status Utgår (saksstatus, journalstatus or
/// moeteregistreringsstatus), compared as Arkade does, without regard to case.
fn is_utgaar(e: &Element) -> bool {
    matches!(e.local_name(), "mappe" | "registrering")
        && ["saksstatus", "journalstatus", "moeteregistreringsstatus"]
            .iter()
            .any(|s| e.value(s).is_some_and(|v| v.trim().to_lowercase() == "utgår"))
}
