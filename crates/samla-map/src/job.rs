//! The conversion job: a TOML file a person can read and review.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use samla_noark5::model::Date;

/// A commented example: Ski and Oppegård merge into Nordre Follo (`samla run --example-job`).
pub const EXAMPLE: &str = r#"# samla run: Ski (0213) and Oppegård (0217) become Nordre Follo (3207).
# Paths are relative to this file. Reviewed by: ____  Date: ____

[job]
name = "Nordre Follo: sakarkiv"
version = "1"                   # part of every record's provenance; raise it when the job changes
as_of = "2026-11-22"            # the date the 10-year rule counts from (fixed, so reruns agree)
out = "nordre-follo"

[target]
name = "Nordre Follo kommune"
kommunenummer = "3207"
arkivskaper = "Nordre Follo kommune"
# Fields the new system demands: converted units without them are listed in gaps.csv.
required = { mappe = ["saksansvarlig", "administrativEnhet"], registrering = ["journalenhet", "forfatter"] }

[[source]]
name = "ski"
kind = "noark5"                 # noark5 (folder, tar or DIAS package)
path = "ski"
kommunenummer = "0213"

[[source]]
name = "oppegaard"
kind = "noark5"                 # or noark4: converted to Noark 5 first, rejected rows counted
path = "oppegaard"
kommunenummer = "0217"

# Code lists: every value of a declared field must be mapped. A value no crosswalk
# maps rejects the run, with the value, its source and its count, unless
# unmapped = "keep-and-flag".
[crosswalk]
unmapped = "reject"

[crosswalk.journalposttype]
"Inngående dokument" = "Inngående dokument"
"Utgående dokument" = "Utgående dokument"
"Organinternt dokument for oppfølging" = "Organinternt dokument for oppfølging"
"Organinternt dokument uten oppfølging" = "Organinternt dokument uten oppfølging"
"Saksframlegg" = "Saksframlegg"

[crosswalk.saksstatus]
"Avsluttet" = "Avsluttet"
"Under behandling" = "Under behandling"
"Utgår" = "Utgår"

# Routing: the first rule that matches a mappe decides; a mappe no rule matches is
# converted. Whatever the rules say, open cases and mapper with a registrering in the
# last 10 years stay in active access: a rule that would send one away fails the run.
# Organisation units (optional), with dates of validity (by saksdato, else journaldato).
# Once a source has a rule, each of its administrativEnhet values must be mapped.
# [[enhet]]
# source = "ski"
# from = "Plan, bygg og geodata"
# to = "Plan, miljø og teknikk"
# valid_from = "2015-01-01"
#
# Kommunenummer fields follow SSB's Klass 131 changes (CSV with oldCode, newCode).
# [kommunenummer]
# klass131 = "klass131-endringer.csv"

# Washing (optional): a `samla wash` job whose snapshots the merged extract's parties
# are washed against once it is written. With apply = "A" (or "A+B"), the matched values
# are written into the migration's parties: a fødselsnummer for a replaced D-number, the
# current address (never one under adressebeskyttelse), an organisation's current name,
# each a ledger row; closed/ and the deposit packages keep the values as delivered.
# [wash]
# job = "vask/wash.toml"

# Pupil folders (B25) where nothing has happened for ten years are closed: kept read-only
# for the staff who need them (`samla index` + `samla serve`), not carried into the new system.
[[route]]
to = "close"                    # convert | close | deposit
when = { klasse = "B25", last_registration_before = "2016-11-01" }

[[route]]
to = "deposit"
when = { saksstatus = "Avsluttet", last_registration_before = "2016-01-01" }

[[route]]
to = "close"
when = { saksstatus = "Utgår" }

# The new archive plan (optional). Without it, each source is an underarkiv of the
# migration extract; with it, the migration is one arkiv with these arkivdeler, and
# every converted mappe lands in the klasse the first matching [[plan.map]] rule gives.
# klasse = "B25" (one), "B2*" (a prefix) or "100-199" (a range); to.klasse defaults to the
# source's own klasseID. A klasse no rule maps stops the run and lists every mappe in it,
# unless unmapped = "keep-and-flag" with a holding klasse.
# [plan]
# arkivskaper = "Nordre Follo kommune"
# unmapped = "reject"
# holding = { arkivdel = "sakarkiv", klasse = "000" }
#
# [[plan.arkivdel]]
# id = "sakarkiv"
# tittel = "Sakarkiv"
# periode_start = "2020-01-01"
# journalenheter = ["SENTRAL"]
# klassifikasjonssystem = { id = "k-koder", klassifikasjonstype = "Emnebasert, hierarkisk arkivnøkkel", ordningsprinsipp = "emne", klasser_file = "k-koder.csv" }
# continues = [{ source = "ski", arkivdel = "Sakarkiv 2015-2019" }]   # by systemID or tittel
#
# An arkivdel ordered by person (ordningsprinsipp = "foedselsnummer", no klasser listed):
# each person gets one klasse (klasseID the fødselsnummer) and one mappe, joined from
# every source's folders classified (primary or secondary) by that person's fødselsnummer
# or D-number; with a [wash] step, a D-number Folkeregisteret has replaced joins under the
# fødselsnummer. Never by name or birth date: folders without a valid identifier stay apart.
# [[plan.arkivdel]]
# id = "elevmapper"
# tittel = "Elevmapper"
# periode_start = "2020-01-01"
# klassifikasjonssystem = { id = "elever", klassifikasjonstype = "Fødselsnummer", ordningsprinsipp = "foedselsnummer" }
#
# [[plan.map]]
# source = "ski"                # every source when left out
# klasse = "A00-Z99"
# to = { arkivdel = "sakarkiv" }
#
# Retention (bevarings- og kassasjonsplan), first match wins: converted and closed units
# get the kassasjon element (kassasjonsdato = avsluttetDato + bevaringstid years); the
# deposit packages keep their own values.
# [[plan.kassasjon]]
# arkivdel = "sakarkiv"
# klasse = "B25"                # a klasseID or prefix*; the whole arkivdel when left out
# vedtak = "Kasseres"           # Bevares | Kasseres | Vurderes senere
# bevaringstid = 10
# hjemmel = "Riksarkivarens forskrift § 7-22"

# More floors: child welfare folders with a person under 18 stay, and whatever the
# job protects. A rule that would send one away fails the run and names it.
[floors]
child_welfare_klasse = ["F5"]   # klasseID prefixes of the barnevern folders

[[floors.protect]]
reason = "byggesaker er grunnlag for eiendomsforvaltningen"
when = { klasse = "L", saksstatus = "Under behandling" }
"#;

/// A conversion job.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Job {
    /// Name, version, reference date and output folder.
    pub job: Head,
    /// The new municipality.
    pub target: Target,
    /// The old municipalities' sources.
    pub source: Vec<Source>,
    /// Code lists.
    #[serde(default)]
    pub crosswalk: Crosswalk,
    /// Routing rules, first match wins.
    #[serde(default)]
    pub route: Vec<Route>,
    /// What must stay in active access beyond the built-in floors.
    #[serde(default)]
    pub floors: Floors,
    /// Washing the merged extract's parties against the register snapshots.
    pub wash: Option<WashStep>,
    /// Old organisation units into the new organisation, with dates of validity.
    #[serde(default)]
    pub enhet: Vec<Enhet>,
    /// Kommunenummer fields follow SSB's Klass 131 changes.
    pub kommunenummer: Option<Kommunenummer>,
    /// The new archive's plan: without one, each source is an underarkiv of the migration.
    pub plan: Option<crate::arkivplan::ArkivPlan>,
}

/// An organisation unit mapping: `administrativEnhet` `from` becomes `to` for units
/// dated (saksdato, else journaldato) within the validity. Once a source has a rule, each
/// of its administrativEnhet values must be mapped, or it is an unmapped value.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enhet {
    /// The source the rule is for; every source when left out.
    pub source: Option<String>,
    /// The old unit's name.
    pub from: String,
    /// The new unit's name.
    pub to: String,
    /// First date the mapping holds (`YYYY-MM-DD`); open when left out.
    pub valid_from: Option<String>,
    /// Last date the mapping holds; open when left out.
    pub valid_to: Option<String>,
}

/// Kommunenummer through SSB's Klass 131 change table (a CSV with oldCode and newCode,
/// as `samla wash` reads it): chains are followed (0213 → 3020 → 3207); a split is
/// reported, not guessed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kommunenummer {
    /// The change table.
    pub klass131: PathBuf,
}

impl Job {
    /// Whether organisation unit rules apply to `source`.
    pub fn maps_enhet(&self, source: &str) -> bool {
        self.enhet.iter().any(|e| e.source.as_deref().is_none_or(|s| s == source))
    }

    /// The rule that maps unit `old` of `source` on `date` (any rule for `old` when the
    /// unit has no date).
    pub fn enhet(&self, source: &str, old: &str, date: Option<Date>) -> Option<&Enhet> {
        self.enhet.iter().find(|e| {
            e.source.as_deref().is_none_or(|s| s == source)
                && e.from == old
                && date.is_none_or(|d| {
                    e.valid_from.as_deref().and_then(Date::parse).is_none_or(|f| f <= d)
                        && e.valid_to.as_deref().and_then(Date::parse).is_none_or(|t| d <= t)
                })
        })
    }
}

/// The washing step: a `samla wash` job (its snapshots and matching) run on the parties
/// of the migration extract once it is written. Its washed tables, ledger and manual list
/// go to `<out>/wash/`; the ledger rows it applied also go into the run's ledger.csv.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WashStep {
    /// The wash job (see `samla wash --example-job`); its inputs, if any, are washed too.
    pub job: PathBuf,
    /// Write the matched register values into the migration's parties: "A" (certain
    /// matches only) or "A+B". Left out, the washed values stay proposals beside it.
    pub apply: Option<Apply>,
}

/// Which match classes a run applies to the migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Apply {
    /// Class A only.
    A,
    /// Classes A and B.
    #[serde(rename = "A+B")]
    AB,
}

impl Apply {
    /// Whether a match of `class` is applied.
    pub fn covers(self, class: samla_wash::matching::Class) -> bool {
        use samla_wash::matching::Class;
        matches!((self, class), (_, Class::A) | (Apply::AB, Class::B))
    }
}

/// Retention floors the job adds to the built-in ones (open cases; a registrering in
/// the last 10 years may not be deposited).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Floors {
    /// klasseIDs (prefixes) of child welfare folders: a mappe there with a person under 18
    /// (by the birth date in a fødselsnummer anywhere in it) stays in active access.
    #[serde(default)]
    pub child_welfare_klasse: Vec<String>,
    /// Anything else the job declares protected.
    #[serde(default)]
    pub protect: Vec<Protect>,
}

/// A protection: mapper that match stay in active access.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Protect {
    /// Why, for the report.
    pub reason: String,
    /// Which mapper.
    pub when: Condition,
}

/// The job's head.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Head {
    /// A name for reports.
    pub name: String,
    /// The job's version, kept in every record's provenance.
    pub version: String,
    /// The date the 10-year rule counts from, `YYYY-MM-DD`.
    pub as_of: String,
    /// Output folder.
    pub out: PathBuf,
    /// The language of report.html: "nb" (default) or "en".
    #[serde(default)]
    pub lang: samla_report::Lang,
}

/// The new municipality.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Its name.
    pub name: String,
    /// Its kommunenummer.
    pub kommunenummer: String,
    /// The arkivskaper of the merged archive.
    pub arkivskaper: String,
    /// Fields the new system demands, per entity (`mappe`, `registrering`): a converted
    /// unit without one is listed in gaps.csv for someone to complete. samla never
    /// invents a value.
    #[serde(default)]
    pub required: BTreeMap<String, Vec<String>>,
}

/// One old municipality's source.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// A short name: part of every new systemID, so never change it between runs.
    pub name: String,
    /// What it is: `noark5` (folder, tar or DIAS package), `noark4` (a folder with
    /// NOARKIH.XML, converted to Noark 5 first) or `addml` (a flat-file extract of a
    /// specialist system, routed whole by the rules that name it).
    pub kind: samla_legacy::SourceKind,
    /// Where it is.
    pub path: PathBuf,
    /// The old municipality's kommunenummer.
    #[serde(default)]
    pub kommunenummer: String,
}

// Defined with the archive plan, which uses it too and must not import the job back.
pub use crate::arkivplan::Unmapped;

/// Code lists per field: old value → target value.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Crosswalk {
    /// What to do with unmapped values.
    #[serde(default)]
    pub unmapped: Unmapped,
    /// Field name → (old value → new value).
    #[serde(flatten)]
    pub fields: BTreeMap<String, BTreeMap<String, String>>,
}

/// Where a mappe goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Destination {
    /// Into the migration dataset.
    Convert,
    /// Into the closed, read-only part.
    Close,
    /// Into the deposit package of its source.
    Deposit,
}

impl Destination {
    /// The output folder units of this destination go to: `migration`, `closed` or `deposit`.
    pub fn folder(self) -> &'static str {
        match self {
            Destination::Convert => "migration",
            Destination::Close => "closed",
            Destination::Deposit => "deposit",
        }
    }
}

/// A routing rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Where matching mapper go.
    pub to: Destination,
    /// The condition; every given part must hold.
    pub when: Condition,
}

/// A routing condition.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// saksstatus equals this.
    pub saksstatus: Option<String>,
    /// The last registrering (journaldato, else registreringsdato or opprettetDato) is
    /// before this date.
    pub last_registration_before: Option<String>,
    /// The mappe comes from this source.
    pub source: Option<String>,
    /// The mappe sits in a klasse whose klasseID starts with this.
    pub klasse: Option<String>,
    /// `true`: every person in the mappe (by the birth date in a fødselsnummer anywhere
    /// in it) has turned 18 by as_of; `false`: at least one has not.
    pub persons_of_age: Option<bool>,
}

/// A variation of [`EXAMPLE`], as the demo runs it: rendered as TOML with the example's
/// comments kept, so that the file it is written to reads and edits like the example.
#[derive(Debug, Clone, Default)]
pub struct Example {
    /// What Oppegård's extract is, if not the example's Noark 5.
    pub oppegaard: Option<samla_legacy::SourceKind>,
    /// Sources after the example's two.
    pub sources: Vec<Source>,
    /// The washing step's job (`[wash] job`), which the example leaves out.
    pub wash_job: Option<String>,
    /// With Nordre Follo's archive plan ([`crate::arkivplan::EXAMPLE`]).
    pub plan: bool,
}

/// The job [`Example`] describes, as TOML.
pub fn example(e: &Example) -> String {
    let mut text = EXAMPLE.to_string();
    if let Some(kind) = e.oppegaard {
        let at = text.find("name = \"oppegaard\"").expect("the example names oppegaard");
        let line = at + text[at..].find("kind = \"noark5\"").expect("the example gives a kind");
        text.replace_range(line..line + "kind = \"noark5\"".len(), &format!("kind = \"{}\"", kind.job_name()));
    }
    let sources: String = e
        .sources
        .iter()
        .map(|s| {
            format!(
                "[[source]]\nname = {}\nkind = \"{}\"\npath = {}\nkommunenummer = {}\n\n",
                toml_string(&s.name),
                s.kind.job_name(),
                toml_string(&s.path.display().to_string()),
                toml_string(&s.kommunenummer)
            )
        })
        .collect();
    text = text.replacen("# Code lists", &format!("{sources}# Code lists"), 1);
    if let Some(job) = &e.wash_job {
        text = text.replacen("# [wash]\n# job = \"vask/wash.toml\"", &format!("[wash]\njob = {}", toml_string(job)), 1);
    }
    if e.plan {
        text.push_str(crate::arkivplan::EXAMPLE);
    }
    text
}

/// `s` as a TOML string, quoted and escaped, for writing jobs.
///
/// ```
/// let path = r#"C:\jobb "Ski""#;
/// let line = format!("path = {}", samla_map::job::toml_string(path));
/// let table: toml::Table = toml::from_str(&line).unwrap();
/// assert_eq!(table["path"].as_str(), Some(path));
/// ```
pub fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A job that cannot be read: samla's one error type, with the job file, the line and
/// column where that is known, and what to do.
pub type JobError = samla_noark5::Error;

/// An error in the job file `path`, at the first place `needle` is written in `text`.
fn job_error(path: &Path, text: &str, needle: &str, message: String, hint: &str) -> JobError {
    let mut e =
        samla_noark5::Error::new(samla_noark5::ErrorKind::Content, path.display().to_string(), message).with_hint(hint);
    if let Some(at) = text.find(needle).filter(|_| !needle.is_empty()) {
        e = e.at(samla_noark5::pos::Pos::in_text(text, at));
    }
    e
}

impl Job {
    /// The job's name and version, as every record's provenance names it.
    pub(crate) fn version_label(&self) -> String {
        format!("{} v{}", self.job.name, self.job.version)
    }

    /// Reads a job; relative paths are made relative to the job file's folder.
    pub fn read(path: &Path) -> Result<Job, JobError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            samla_noark5::Error::io(path.display().to_string(), e).with_hint("check the path of the job file")
        })?;
        Job::parse(path, &text)
    }

    /// Parses a job's text; `path` is where it came from.
    pub fn parse(path: &Path, text: &str) -> Result<Job, JobError> {
        let mut job: Job = toml::from_str(text).map_err(|e| {
            let mut err = samla_noark5::Error::new(
                samla_noark5::ErrorKind::Content,
                path.display().to_string(),
                e.message().trim_end().to_string(),
            )
            .with_hint("see `samla run --example-job` for every key");
            if let Some(span) = e.span() {
                err = err.at(samla_noark5::pos::Pos::in_text(text, span.start));
            }
            err
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        job.job.out = base.join(&job.job.out);
        if let Some(w) = &mut job.wash {
            w.job = base.join(&w.job);
        }
        if let Some(k) = &mut job.kommunenummer {
            k.klass131 = base.join(&k.klass131);
        }
        for e in &job.enhet {
            for date in [&e.valid_from, &e.valid_to].into_iter().flatten() {
                if Date::parse(date).is_none() {
                    return Err(job_error(
                        path,
                        text,
                        date,
                        format!("[[enhet]] `{}`: `{date}` is not a date", e.from),
                        "write dates as YYYY-MM-DD",
                    ));
                }
            }
        }
        for s in &mut job.source {
            s.path = base.join(&s.path);
        }
        if let Some(plan) = &mut job.plan {
            let sources: Vec<&str> = job.source.iter().map(|s| s.name.as_str()).collect();
            plan.prepare(base, &sources).map_err(|e| {
                job_error(path, text, "[plan]", format!("[plan]: {e}"), "see `samla run --example-job --with-plan`")
            })?;
        }
        let mut names: Vec<&str> = job.source.iter().map(|s| s.name.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            let name = w[0];
            return Err(job_error(
                path,
                text,
                &format!("\"{name}\""),
                format!("two sources are named `{name}`"),
                "give each [[source]] its own name",
            ));
        }
        if Date::parse(&job.job.as_of).is_none() {
            let as_of = &job.job.as_of;
            return Err(job_error(
                path,
                text,
                as_of,
                format!("as_of `{as_of}` is not a date"),
                "write dates as YYYY-MM-DD",
            ));
        }
        Ok(job)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variation_of_the_example_parses_as_it_says() {
        let text = example(&Example {
            oppegaard: Some(samla_legacy::SourceKind::Noark4),
            sources: vec![Source {
                name: "jakt".into(),
                kind: samla_legacy::SourceKind::Addml,
                path: "/data/jeger \"98\".tar".into(),
                kommunenummer: "0217".into(),
            }],
            wash_job: Some("vask/freg.toml".into()),
            plan: true,
        });
        let job = Job::parse(Path::new("/jobs/job.toml"), &text).unwrap();
        let kinds: Vec<_> = job.source.iter().map(|s| (s.name.as_str(), s.kind)).collect();
        use samla_legacy::SourceKind::*;
        assert_eq!(kinds, [("ski", Noark5), ("oppegaard", Noark4), ("jakt", Addml)]);
        assert_eq!(job.source[2].path, Path::new("/data/jeger \"98\".tar"));
        assert!(text.contains("[wash]\njob = \"vask/freg.toml\""), "{text}");
        assert!(job.plan.is_some());
        // The example's comments stay.
        assert!(text.contains("# or noark4: converted to Noark 5 first"));
    }

    #[test]
    fn the_example_job_parses() {
        let job = Job::parse(Path::new("/jobs/job.toml"), EXAMPLE).unwrap();
        assert_eq!(job.source.len(), 2);
        assert_eq!(job.source[1].path, Path::new("/jobs/oppegaard"));
        assert_eq!(job.crosswalk.fields["saksstatus"]["Avsluttet"], "Avsluttet");
        assert_eq!(job.route[0].to, Destination::Close);
        assert_eq!(job.route[1].to, Destination::Deposit);
        assert_eq!(job.crosswalk.unmapped, Unmapped::Reject);
    }

    #[test]
    fn a_plan_that_names_what_it_lacks_is_refused_with_the_name() {
        let plan = |extra: &str| {
            format!(
                "{EXAMPLE}\n[plan]\n{extra}\n[[plan.arkivdel]]\nid = \"sakarkiv\"\ntittel = \"Sakarkiv\"\nperiode_start = \"2020-01-01\"\n\
                 klassifikasjonssystem = {{ id = \"k\", klassifikasjonstype = \"Emnebasert\", ordningsprinsipp = \"emne\", klasser = {{ \"L42\" = \"Byggesaker\" }} }}\n"
            )
        };
        let ok = Job::parse(Path::new("/jobs/job.toml"), &plan("")).unwrap();
        let p = ok.plan.unwrap();
        assert_eq!(p.place("ski", &[], "L42"), None, "no rule, no place");
        for (extra, says) in [
            ("unmapped = \"keep-and-flag\"", "needs a holding klasse"),
            ("holding = { arkivdel = \"arkiv\", klasse = \"L42\" }", "holding: no arkivdel `arkiv`"),
            ("holding = { arkivdel = \"sakarkiv\", klasse = \"L99\" }", "has no klasse `L99`"),
        ] {
            let err = Job::parse(Path::new("/jobs/job.toml"), &plan(extra)).unwrap_err().to_string();
            assert!(err.contains("[plan]") && err.contains(says), "{err}");
        }
        let rule = plan("") + "[[plan.map]]\nsource = \"bergen\"\nklasse = \"L*\"\nto = { arkivdel = \"sakarkiv\" }\n";
        let err = Job::parse(Path::new("/jobs/job.toml"), &rule).unwrap_err().to_string();
        assert!(err.contains("rule 1: no source is named `bergen`"), "{err}");
        let good = plan("") + "[[plan.map]]\nklasse = \"L*\"\nto = { arkivdel = \"sakarkiv\" }\n";
        let p = Job::parse(Path::new("/jobs/job.toml"), &good).unwrap().plan.unwrap();
        let place = p.place("ski", &[], "L42").unwrap();
        assert_eq!(p.klasse_id(place), "L42");
        assert_eq!(p.place("ski", &[], "L43"), None, "a klasse the plan does not list has no place");
    }

    #[test]
    fn the_example_job_with_the_example_plan_parses() {
        let text = format!("{EXAMPLE}{}", crate::arkivplan::EXAMPLE);
        let plan = Job::parse(Path::new("/jobs/job.toml"), &text).unwrap().plan.unwrap();
        let ids: Vec<&str> = plan.arkivdel.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["sakarkiv", "elevmapper", "personmapper"]);
        let b25 = plan.place("ski", &[], "B25").unwrap();
        assert_eq!(plan.kassasjon_at(b25).map(|k| k.vedtak), Some(crate::arkivplan::Vedtak::Kasseres));
        assert_eq!(plan.continuing("ski", &["Sakarkiv 2015-2019"]), Some(0));
    }
}
