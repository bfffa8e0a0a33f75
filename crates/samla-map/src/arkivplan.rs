//! The new archive's plan (`[plan]` in the job): its arkivdeler, each with one
//! klassifikasjonssystem and its klasser, and the rules that place each source's klasser
//! in it. With a plan, the migration extract is one arkiv with the plan's arkivdeler,
//! not one underarkiv per source.

use std::path::Path;

use serde::{Deserialize, Serialize};

use samla_noark5::Element;

use crate::ids::new_system_id;

/// Nordre Follo's archive plan, to append to the example job (`samla run --example-job
/// --with-plan`; the demo's job): a Sakarkiv with KS' K-codes, an Elevmapper arkivdel, a
/// person-ordered one for the schools' pupil folders, the classification crosswalk,
/// kassasjon rules, both old arkivdeler continued.
pub const EXAMPLE: &str = r#"
# Nordre Follo's archive plan: one arkiv, its own arkivdeler and klasser.
[plan]
arkivskaper = "Nordre Follo kommune"

[[plan.arkivdel]]
id = "sakarkiv"
tittel = "Sakarkiv"
periode_start = "2020-01-01"
journalenheter = ["SENTRAL"]
continues = [{ source = "ski", arkivdel = "Sakarkiv 2015-2019" }, { source = "oppegaard", arkivdel = "Sakarkiv 2001–2008" }]
klassifikasjonssystem = { id = "k-koder", tittel = "KS' K-koder", klassifikasjonstype = "Emnebasert, hierarkisk arkivnøkkel", ordningsprinsipp = "emne", klasser = { "A07" = "Innsyn", "A52" = "Klagesaker", "F47" = "Startlån og boligtilskudd", "G21" = "Tildeling av helse- og omsorgstjenester", "L12" = "Reguleringsplaner", "L13" = "Dispensasjoner", "L33" = "Oppmåling og matrikkel", "L42" = "Byggesaker - søknadspliktige tiltak", "L46" = "Tilsyn i byggesaker", "M12" = "Vann og avløp", "N12" = "Skoleskyss", "P21" = "Ansettelser", "S52" = "Kommunale avgifter og eiendomsskatt", "U63" = "Serverings- og skjenkebevillinger" } }

[[plan.arkivdel]]
id = "elevmapper"
tittel = "Elevmapper og barnehage"
periode_start = "2020-01-01"
klassifikasjonssystem = { id = "oppvekst", klassifikasjonstype = "Emnebasert, hierarkisk arkivnøkkel", ordningsprinsipp = "emne", klasser = { "B25" = "Elevsaker - spesialundervisning og skoleplass", "B31" = "Barnehageplass" } }

[[plan.arkivdel]]
id = "personmapper"
tittel = "Elevmapper (personmapper)"
periode_start = "2020-01-01"
klassifikasjonssystem = { id = "elever", tittel = "Elever", klassifikasjonstype = "Fødselsnummer", ordningsprinsipp = "foedselsnummer" }

# The schools' folders are classified by fødselsnummer: one folder per child.
[[plan.map]]
klassifikasjonssystem = "Elever"
klasse = "*"
to = { arkivdel = "personmapper" }

[[plan.map]]
klasse = "B*"
to = { arkivdel = "elevmapper" }

[[plan.map]]
klasse = "A00-Z99"
to = { arkivdel = "sakarkiv" }

[[plan.kassasjon]]
arkivdel = "elevmapper"
klasse = "B25"
vedtak = "Kasseres"
bevaringstid = 10
hjemmel = "Riksarkivarens forskrift § 7-22"

[[plan.kassasjon]]
arkivdel = "elevmapper"
vedtak = "Vurderes senere"
bevaringstid = 5

[[plan.kassasjon]]
arkivdel = "sakarkiv"
vedtak = "Bevares"
bevaringstid = 25
"#;

/// What to do with a value no crosswalk maps, or a klasse no plan rule maps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unmapped {
    /// Reject the run, listing the values.
    #[default]
    Reject,
    /// Keep the value and flag the record.
    KeepAndFlag,
}

/// `[plan]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArkivPlan {
    /// The arkivskaper of the new arkiv (default: the target's).
    pub arkivskaper: Option<String>,
    /// A klasse no rule maps: stop the run and list its mapper (`reject`), or put them in
    /// the `holding` klasse and flag them (`keep-and-flag`).
    #[serde(default)]
    pub unmapped: Unmapped,
    /// Where `keep-and-flag` puts what no rule maps.
    pub holding: Option<Target>,
    /// The arkivdeler, in the order the extract holds them.
    pub arkivdel: Vec<Arkivdel>,
    /// The classification crosswalk: the first rule that matches a klasse decides.
    #[serde(default)]
    pub map: Vec<Rule>,
    /// The bevarings- og kassasjonsplan: the first rule that matches a klasse decides.
    #[serde(default)]
    pub kassasjon: Vec<KassasjonRule>,
}

/// A retention rule (`[[plan.kassasjon]]`) for an arkivdel of the plan, or some of its klasser.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KassasjonRule {
    /// The plan's arkivdel id.
    pub arkivdel: String,
    /// A klasseID, or a prefix ending in `*`; the whole arkivdel when left out.
    pub klasse: Option<String>,
    /// kassasjonsvedtak.
    pub vedtak: Vedtak,
    /// bevaringstid, in years.
    pub bevaringstid: u16,
    /// kassasjonshjemmel.
    pub hjemmel: Option<String>,
}

/// kassasjonsvedtak, as Noark 5's code list has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
pub enum Vedtak {
    /// Bevares.
    Bevares,
    /// Kasseres.
    Kasseres,
    /// Vurderes senere.
    #[serde(rename = "Vurderes senere")]
    VurderesSenere,
}

impl Vedtak {
    /// As written in the extract.
    pub fn as_str(self) -> &'static str {
        match self {
            Vedtak::Bevares => "Bevares",
            Vedtak::Kasseres => "Kasseres",
            Vedtak::VurderesSenere => "Vurderes senere",
        }
    }
}

/// An old arkivdel the plan's arkivdel continues.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Continues {
    /// The source.
    pub source: String,
    /// Its arkivdel, by systemID or tittel.
    pub arkivdel: String,
}

/// One arkivdel of the plan.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arkivdel {
    /// A short name the rules use; part of its systemID, so never change it between runs.
    pub id: String,
    /// tittel.
    pub tittel: String,
    /// arkivperiodeStartDato (`YYYY-MM-DD`).
    pub periode_start: String,
    /// The journalenheter that register into it.
    #[serde(default)]
    pub journalenheter: Vec<String>,
    /// Its classification.
    pub klassifikasjonssystem: Klassifikasjonssystem,
    /// The old arkivdeler it continues: each gets a referanseArvtaker to it, and it a
    /// referanseForloeper to the first (the schema allows one).
    #[serde(default)]
    pub continues: Vec<Continues>,
}

/// An arkivdel's klassifikasjonssystem.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Klassifikasjonssystem {
    /// A short name; part of the systemIDs.
    pub id: String,
    /// tittel (default: the id).
    pub tittel: Option<String>,
    /// klassifikasjonstype, as Noark 5's code list has it ("Funksjonsbasert, hierarkisk", …).
    pub klassifikasjonstype: String,
    /// What the klasser order by.
    pub ordningsprinsipp: Ordningsprinsipp,
    /// klasseID → tittel.
    #[serde(default)]
    pub klasser: std::collections::BTreeMap<String, String>,
    /// Or a CSV file with the columns klasseID,tittel (a header row first), in its order.
    pub klasser_file: Option<std::path::PathBuf>,
    /// The klasser, from either (filled when the job is read).
    #[serde(skip)]
    pub list: Vec<(String, String)>,
}

/// What a klassifikasjonssystem orders by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ordningsprinsipp {
    /// Function codes (KS's K-codes).
    Funksjon,
    /// Subject codes.
    Emne,
    /// Person folders: one klasse per person, its klasseID the person's fødselsnummer as
    /// Folkeregisteret has it now (a replaced D-number gives way to the fødselsnummer).
    /// Every source's folders of one person are joined into one mappe.
    Foedselsnummer,
}

/// A classification rule: the klasser of a source that `klasse` matches go to `to`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The source; every source when left out.
    pub source: Option<String>,
    /// The source's klassifikasjonssystem, by systemID or tittel; any when left out.
    pub klassifikasjonssystem: Option<String>,
    /// `B25` (this klasseID), `B2*` (every klasseID starting with B2) or `100-199` (a range:
    /// numeric when both ends and the klasseID are numbers, else in text order).
    pub klasse: String,
    /// Where they go.
    pub to: Target,
}

/// A place in the plan.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// The plan's arkivdel id.
    pub arkivdel: String,
    /// Its klasseID; the source's own klasseID when left out.
    pub klasse: Option<String>,
}

/// A place found: indexes into the plan's arkivdeler and that arkivdel's klasser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Place {
    /// The arkivdel.
    pub arkivdel: usize,
    /// The klasse in its klassifikasjonssystem.
    pub klasse: usize,
}

impl ArkivPlan {
    /// Reads the klasser files (relative to `base`) and checks that every name the plan
    /// uses exists.
    pub(crate) fn prepare(&mut self, base: &Path, sources: &[&str]) -> Result<(), String> {
        if self.arkivdel.is_empty() {
            return Err("the plan has no arkivdel".into());
        }
        for a in &mut self.arkivdel {
            if samla_noark5::model::Date::parse(&a.periode_start).is_none() {
                return Err(format!(
                    "arkivdel `{}`: periode_start `{}` is not a date (YYYY-MM-DD)",
                    a.id, a.periode_start
                ));
            }
            let system = &mut a.klassifikasjonssystem;
            system.list = system.klasser.iter().map(|(k, t)| (k.clone(), t.clone())).collect();
            if let Some(file) = &mut system.klasser_file {
                *file = base.join(&*file);
                let text = std::fs::read_to_string(&*file).map_err(|e| format!("{}: {e}", file.display()))?;
                for (n, line) in text.lines().enumerate().skip(1).filter(|(_, l)| !l.trim().is_empty()) {
                    let (id, tittel) = line
                        .split_once(',')
                        .ok_or_else(|| format!("{}:{}: expected klasseID,tittel", file.display(), n + 1))?;
                    system.list.push((id.trim().to_string(), tittel.trim().trim_matches('"').to_string()));
                }
            }
            if system.list.is_empty() && system.ordningsprinsipp != Ordningsprinsipp::Foedselsnummer {
                return Err(format!("arkivdel `{}`: its klassifikasjonssystem has no klasser", a.id));
            }
            let mut ids: Vec<&str> = system.list.iter().map(|(k, _)| k.as_str()).collect();
            ids.sort_unstable();
            if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
                return Err(format!("arkivdel `{}`: klasse `{}` is listed twice", a.id, w[0]));
            }
        }
        let mut ids: Vec<&str> = self.arkivdel.iter().map(|a| a.id.as_str()).collect();
        ids.sort_unstable();
        if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!("two arkivdeler have the id `{}`", w[0]));
        }
        for (n, r) in self.map.iter().enumerate() {
            if let Some(s) = r.source.as_deref().filter(|s| !sources.contains(s)) {
                return Err(format!("rule {}: no source is named `{s}`", n + 1));
            }
            self.check(&r.to).map_err(|e| format!("rule {}: {e}", n + 1))?;
        }
        for (n, r) in self.kassasjon.iter().enumerate() {
            self.check(&Target { arkivdel: r.arkivdel.clone(), klasse: None })
                .map_err(|e| format!("kassasjon rule {}: {e}", n + 1))?;
        }
        for a in &self.arkivdel {
            if let Some(c) = a.continues.iter().find(|c| !sources.contains(&c.source.as_str())) {
                return Err(format!("arkivdel `{}` continues an arkivdel of `{}`, which is no source", a.id, c.source));
            }
        }
        match (&self.holding, self.unmapped) {
            (Some(h), _) => self.check(h).map_err(|e| format!("holding: {e}"))?,
            (None, Unmapped::KeepAndFlag) => {
                return Err("unmapped = \"keep-and-flag\" needs a holding klasse: holding = { arkivdel = \"…\", klasse = \"…\" }".into());
            }
            (None, Unmapped::Reject) => {}
        }
        Ok(())
    }

    fn check(&self, t: &Target) -> Result<(), String> {
        let a =
            self.arkivdel.iter().find(|a| a.id == t.arkivdel).ok_or_else(|| format!("no arkivdel `{}`", t.arkivdel))?;
        if a.klassifikasjonssystem.ordningsprinsipp == Ordningsprinsipp::Foedselsnummer {
            return match &t.klasse {
                Some(k) => Err(format!(
                    "arkivdel `{}` is ordered by fødselsnummer: its klasser are the persons, not `{k}`",
                    a.id
                )),
                None => Ok(()),
            };
        }
        if let Some(k) = &t.klasse
            && !a.klassifikasjonssystem.list.iter().any(|(id, _)| id == k)
        {
            return Err(format!("arkivdel `{}` has no klasse `{k}`", a.id));
        }
        Ok(())
    }

    /// Where a unit of `source` classified as `klasse` in the klassifikasjonssystem
    /// `system` (its systemID and tittel) goes: the first matching rule's target, if that
    /// klasse is in the plan.
    pub fn place(&self, source: &str, system: &[&str], klasse: &str) -> Option<Place> {
        let rule = self.map.iter().find(|r| {
            r.source.as_deref().is_none_or(|s| s == source)
                && r.klassifikasjonssystem.as_deref().is_none_or(|s| system.contains(&s))
                && matches_klasse(&r.klasse, klasse)
        })?;
        self.locate(&rule.to, klasse)
    }

    /// The retention rule for the units in `p`.
    pub fn kassasjon_at(&self, p: Place) -> Option<&KassasjonRule> {
        let arkivdel = &self.arkivdel[p.arkivdel].id;
        let klasse = self.klasse_id(p);
        self.kassasjon.iter().find(|r| {
            &r.arkivdel == arkivdel
                && r.klasse.as_deref().is_none_or(|k| match k.strip_suffix('*') {
                    Some(prefix) => klasse.starts_with(prefix),
                    None => k == klasse,
                })
        })
    }

    /// The plan's arkivdel that continues `source`'s old arkivdel (its systemID and tittel).
    pub fn continuing(&self, source: &str, old: &[&str]) -> Option<usize> {
        self.arkivdel
            .iter()
            .position(|a| a.continues.iter().any(|c| c.source == source && old.contains(&c.arkivdel.as_str())))
    }

    /// The holding klasse, where `keep-and-flag` puts what no rule maps.
    pub fn holding(&self) -> Option<Place> {
        self.holding.as_ref().and_then(|h| self.locate(h, ""))
    }

    fn locate(&self, t: &Target, klasse: &str) -> Option<Place> {
        let arkivdel = self.arkivdel.iter().position(|a| a.id == t.arkivdel)?;
        if self.by_person(arkivdel) {
            // The person is found in the unit, not in the rule.
            return Some(Place { arkivdel, klasse: 0 });
        }
        let want = t.klasse.as_deref().unwrap_or(klasse);
        let klasse = self.arkivdel[arkivdel].klassifikasjonssystem.list.iter().position(|(id, _)| id == want)?;
        Some(Place { arkivdel, klasse })
    }

    /// Whether the arkivdel's klasser are persons.
    pub fn by_person(&self, arkivdel: usize) -> bool {
        self.arkivdel[arkivdel].klassifikasjonssystem.ordningsprinsipp == Ordningsprinsipp::Foedselsnummer
    }

    /// The klasseID at `p`.
    pub fn klasse_id(&self, p: Place) -> &str {
        self.arkivdel[p.arkivdel].klassifikasjonssystem.list.get(p.klasse).map_or("", |(id, _)| id.as_str())
    }

    /// The systemIDs of the plan's units: a function of the target's kommunenummer and the
    /// plan's names, so reruns agree.
    pub fn system_id(&self, kommunenummer: &str, p: PlanUnit) -> String {
        let key = match p {
            PlanUnit::Arkivdel(a) => format!("plan\u{1f}arkivdel\u{1f}{}", self.arkivdel[a].id),
            PlanUnit::System(a) => {
                format!(
                    "plan\u{1f}klassifikasjonssystem\u{1f}{}\u{1f}{}",
                    self.arkivdel[a].id, self.arkivdel[a].klassifikasjonssystem.id
                )
            }
            PlanUnit::Klasse(p) => format!(
                "plan\u{1f}klasse\u{1f}{}\u{1f}{}\u{1f}{}",
                self.arkivdel[p.arkivdel].id,
                self.arkivdel[p.arkivdel].klassifikasjonssystem.id,
                self.klasse_id(p)
            ),
        };
        new_system_id(kommunenummer, &key)
    }

    /// The headers of an arkivdel and its klassifikasjonssystem, as the v5.0 schema orders
    /// their fields; `at` is the extract's date (opprettet and, as the schema demands of an
    /// arkivdel, avsluttet: the extract is a snapshot); `forloeper` the systemID of the
    /// old arkivdel it continues.
    pub fn headers(&self, kommunenummer: &str, arkivdel: usize, at: &str, forloeper: Option<&str>) -> [Element; 2] {
        let p = Place { arkivdel, klasse: 0 };
        let a = &self.arkivdel[p.arkivdel];
        let mut arkivdel = Element::new("arkivdel");
        arkivdel
            .push_field("systemID", self.system_id(kommunenummer, PlanUnit::Arkivdel(p.arkivdel)))
            .push_field("tittel", &a.tittel);
        if !a.journalenheter.is_empty() {
            arkivdel.push_field("beskrivelse", format!("Journalenheter: {}", a.journalenheter.join(", ")));
        }
        arkivdel
            .push_field("arkivdelstatus", "Aktiv periode")
            .push_field("dokumentmedium", "Elektronisk arkiv")
            .push_field("opprettetDato", at)
            .push_field("opprettetAv", "samla run")
            .push_field("avsluttetDato", at)
            .push_field("avsluttetAv", "samla run")
            .push_field("arkivperiodeStartDato", &a.periode_start);
        if let Some(f) = forloeper {
            arkivdel.push_field("referanseForloeper", f);
        }
        let s = &a.klassifikasjonssystem;
        let mut system = Element::new("klassifikasjonssystem");
        system
            .push_field("systemID", self.system_id(kommunenummer, PlanUnit::System(p.arkivdel)))
            .push_field("klassifikasjonstype", &s.klassifikasjonstype)
            .push_field("tittel", s.tittel.as_deref().unwrap_or(&s.id))
            .push_field("opprettetDato", at)
            .push_field("opprettetAv", "samla run");
        [arkivdel, system]
    }

    /// The header of one of the plan's listed klasser.
    pub fn klasse(&self, kommunenummer: &str, p: Place, at: &str) -> Element {
        let (id, tittel) = &self.arkivdel[p.arkivdel].klassifikasjonssystem.list[p.klasse];
        let mut klasse = Element::new("klasse");
        klasse
            .push_field("systemID", self.system_id(kommunenummer, PlanUnit::Klasse(p)))
            .push_field("klasseID", id)
            .push_field("tittel", tittel)
            .push_field("opprettetDato", at)
            .push_field("opprettetAv", "samla run");
        klasse
    }
}

impl KassasjonRule {
    /// The kassasjon element for a unit closed on `closed` (its avsluttetDato; for an
    /// open one, the extract's date): disposal `bevaringstid` years after it.
    pub fn element(&self, closed: samla_noark5::model::Date) -> (Element, samla_noark5::model::Date) {
        let at = samla_noark5::model::Date { year: closed.year + i32::from(self.bevaringstid), ..closed };
        // 29 February in a year that has none.
        let at = if samla_noark5::model::Date::parse(&at.to_string()).is_some() {
            at
        } else {
            samla_noark5::model::Date { day: 28, ..at }
        };
        let mut k = Element::new("kassasjon");
        k.push_field("kassasjonsvedtak", self.vedtak.as_str());
        if let Some(h) = &self.hjemmel {
            k.push_field("kassasjonshjemmel", h);
        }
        k.push_field("bevaringstid", self.bevaringstid.to_string()).push_field("kassasjonsdato", at.to_string());
        (k, at)
    }
}

impl ArkivPlan {
    /// The systemIDs of the one mappe a person has in a person-ordered arkivdel, and of
    /// the klasse that holds it: from the key, so every source's folder of that person
    /// gets the same one, whichever thread writes it.
    pub fn person_ids(&self, kommunenummer: &str, arkivdel: usize, key: &str) -> (String, String) {
        let a = &self.arkivdel[arkivdel].id;
        (
            new_system_id(kommunenummer, &format!("plan\u{1f}personmappe\u{1f}{a}\u{1f}{key}")),
            new_system_id(kommunenummer, &format!("plan\u{1f}personklasse\u{1f}{a}\u{1f}{key}")),
        )
    }

    /// The klasse header of a person (`key` its fødselsnummer) or, for `None`, of the
    /// folders without a valid identifier.
    pub fn person_klasse(&self, kommunenummer: &str, arkivdel: usize, key: Option<&str>, at: &str) -> Element {
        let (id, tittel) = match key {
            Some(k) => (k, format!("Fødselsnummer {k}")),
            None => (UNKNOWN_PERSON, "Mapper uten gyldig fødselsnummer".to_string()),
        };
        let mut klasse = Element::new("klasse");
        klasse
            .push_field("systemID", self.person_ids(kommunenummer, arkivdel, id).1)
            .push_field("klasseID", id)
            .push_field("tittel", tittel)
            .push_field("opprettetDato", at)
            .push_field("opprettetAv", "samla run");
        klasse
    }
}

/// The klasseID of the klasse that holds a person-ordered arkivdel's folders without a
/// valid identifier: each stays a mappe of its own.
pub const UNKNOWN_PERSON: &str = "uten-fnr";

/// A unit of the plan, for its systemID.
#[derive(Debug, Clone, Copy)]
pub enum PlanUnit {
    /// An arkivdel, by index.
    Arkivdel(usize),
    /// An arkivdel's klassifikasjonssystem.
    System(usize),
    /// A klasse.
    Klasse(Place),
}

/// Whether a rule's `klasse` pattern matches `id`.
fn matches_klasse(pattern: &str, id: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix('*') {
        return id.starts_with(prefix);
    }
    if let Some((from, to)) = pattern.split_once('-')
        && !from.is_empty()
        && !to.is_empty()
    {
        let within = match (from.parse::<i64>(), to.parse::<i64>(), id.parse::<i64>()) {
            (Ok(f), Ok(t), Ok(n)) => f <= n && n <= t,
            _ => from <= id && id <= to,
        };
        // A klasseID may hold a hyphen itself.
        return within || pattern == id;
    }
    pattern == id
}

/// A container's systemID and tittel: what a job may name it by.
pub(crate) fn identities(e: &Element) -> Vec<&str> {
    ["systemID", "tittel"].iter().filter_map(|f| e.value(f)).map(str::trim).collect()
}

/// The klassifikasjonssystem (its systemID and tittel) and klasseID of the innermost klasse
/// among a unit's containers (outermost first).
pub(crate) fn classification<'e>(
    containers: impl DoubleEndedIterator<Item = &'e Element>,
) -> (Vec<&'e str>, Option<&'e str>) {
    let mut klasse = None;
    for h in containers.rev() {
        match h.local_name() {
            "klasse" if klasse.is_none() => klasse = h.value("klasseID").map(str::trim),
            "klassifikasjonssystem" => {
                return (identities(h), klasse);
            }
            _ => {}
        }
    }
    (Vec::new(), klasse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_matches_one_klasse_a_prefix_or_a_range() {
        assert!(matches_klasse("B25", "B25") && !matches_klasse("B25", "B251"));
        assert!(matches_klasse("B2*", "B25") && !matches_klasse("B2*", "B31"));
        assert!(matches_klasse("100-199", "150") && !matches_klasse("100-199", "1000"));
        assert!(matches_klasse("L10-L19", "L12") && !matches_klasse("L10-L19", "L20"));
    }
}
