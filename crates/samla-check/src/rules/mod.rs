//! The controls of the Noark 5 check, one file per family.
//!
//! | file | controls | when |
//! |---|---|---|
//! | `structure.rs` | N5.01, N5.02, N5.28, S.01 | on the files, before and after the pass |
//! | `schema.rs` | N5.03 | libxml2 on its own thread, beside the pass |
//! | `units.rs` | N5.04–N5.27, N5.29 | in the pass: arkiv, arkivdel, klasse, mappe, registrering, dokumentbeskrivelse, dokumentobjekt |
//! | `metadata.rs` | N5.35–N5.46 | in the pass: parter, merknader, kryssreferanser, skjerminger, kassasjoner … |
//! | `references.rs` | N5.47, N5.48, N5.51, S.04 | in the pass: systemIDs and the references between units |
//! | `documents.rs` | N5.30, N5.32–N5.34, N5.64, S.02, S.03 | in the pass: dokumentobjekter, their files hashed on all cores |
//! | `journal.rs` | N5.59, N5.60, S.06, S.08 | in the pass (journalposter), then the journals beside it |
//! | `endringslogg.rs` | N5.61, N5.62 | after the pass |
//! | `values.rs` | N5.63, S.05, S.07 | in the pass: every leaf's value |
//!
//! The pass (`crate::pass`) reads arkivstruktur.xml once and tells each family what it
//! meets through [`Rules`]; a family keeps its own state and reports its own controls, and
//! what it says after the pass is called from `crate::check`.
//!
//! # Adding a control
//!
//! 1. `controls.rs`: a variant of [`ControlId`] where the report is to list the control
//!    (the ID with `_` for `.`, documented with its English name), its row in
//!    `ControlId::row` (the ID as written, the Norwegian and English names, the kind), and
//!    the variant in `ControlId::ALL`, in the same place. A variant without a row does not
//!    compile, nor does `ALL` out of the variants' order; a variant left out of `ALL` at
//!    the end is not in the report, which its test finds.
//! 2. The family's file here: import the variant (`use crate::controls::ControlId::S_09;`),
//!    check in the hook of [`Rules`] that sees what the control looks at (`start`,
//!    `header_element`, `element`, `business_metadata`, `end`) or in the family's function
//!    after the pass, and report with `f.add(S_09, severity, cx.at(e), Text::new(nb, en))`
//!    or `f.stat(S_09, label, value)`. A control of a new family: a new file, its `pub mod`
//!    here, a field of `crate::pass::Pass` and a line in each hook there, and its function
//!    after the pass called from `crate::check`.
//! 3. The test, in the family's file: `testing::check` on a small extract (its
//!    arkivstruktur.xml from `testing::arkivstruktur`, which wraps units in an arkiv and an
//!    arkivdel), then `testing::findings` and `testing::stats` of the control. Where a generated fault shows it, a case in the
//!    repository's `tests/it/check.rs`; the insta snapshots of whole reports there gain the
//!    control (`cargo insta review`).
//!
//! A control that a family checks in the pass costs nothing more to read: no control may
//! read arkivstruktur.xml again.

pub mod documents;
pub mod endringslogg;
pub mod journal;
pub mod metadata;
pub mod references;
pub mod schema;
pub mod structure;
pub mod units;
pub mod values;

use std::collections::BTreeMap;

use samla_noark5::model::Date;
use samla_noark5::{Element, Extract, Version};

use crate::controls::ControlId;
use crate::findings::{Findings, Location};
use crate::profile::Profile;

/// What the check was asked: the same for every family.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// The extract's Noark 5 version, where known.
    pub version: Option<Version>,
    /// Dates after this day are flagged (S.05).
    pub today: Date,
    /// Whose verdict: what only a depot forbids is an error for a deposit only.
    pub profile: Profile,
}

/// The arkivdel the pass is in.
#[derive(Debug, Default)]
pub struct Arkivdel {
    /// Its systemID (empty before the first arkivdel, or where it has none).
    pub system_id: String,
    /// Its arkivperiode, where both dates are valid.
    pub period: Option<(Date, Date)>,
}

/// Where the pass is: the element met and what lies around it.
pub struct Cx<'a> {
    /// The extract.
    pub extract: &'a Extract,
    /// The file read (arkivstruktur.xml).
    pub file: &'a str,
    /// The element's path, e.g. `/arkiv/arkivdel/mappe/registrering`.
    pub path: &'a str,
    /// The element's local name.
    pub name: &'a str,
    /// In a unit, the parent's xsi:type, else its local name; in a header, the parent's
    /// local name; empty for a container.
    pub parent: &'a str,
    /// The systemID of the nearest element that has one, this one included (in a header:
    /// the container's).
    pub sid: Option<&'a str>,
    /// Whether the element is the unit itself: a mappe or registrering directly in a container.
    pub top: bool,
    /// Whether the element lies in (or is) a mappe or registrering with status Utgår, which
    /// Arkade leaves out of N5.14, N5.21, N5.24 and N5.64.
    pub utgaar: bool,
    /// The arkivdel the element is in.
    pub arkivdel: &'a Arkivdel,
}

impl Cx<'_> {
    /// The location of `e`: file, line and column, path and nearest systemID.
    pub fn at(&self, e: &Element) -> Location {
        self.at_pos(e.pos)
    }

    /// The location at `pos`, with the path and nearest systemID.
    pub fn at_pos(&self, pos: samla_noark5::pos::Pos) -> Location {
        Location {
            element: Some(self.path.to_string()),
            system_id: self.sid.map(str::to_string),
            ..Location::at(self.file, pos)
        }
    }
}

/// What a family of controls is told as the pass reads arkivstruktur.xml. Each method does
/// nothing unless the family implements it; the pass calls each family in turn, without
/// dynamic dispatch.
pub trait Rules {
    /// A container opened: arkiv, arkivdel, klassifikasjonssystem or klasse (`cx.name`),
    /// with its header (its own fields and small children), before anything in it.
    fn start(&mut self, _cx: &Cx, _header: &Element, _f: &mut Findings) {}

    /// An element of a container's header, below the header itself, depth first.
    fn header_element(&mut self, _cx: &Cx, _e: &Element, _f: &mut Findings) {}

    /// An element of a unit: the mappe or registrering first (`cx.top`), then all it holds,
    /// depth first, but not what lies inside virksomhetsspesifikkeMetadata.
    fn element(&mut self, _cx: &Cx, _e: &Element, _f: &mut Findings) {}

    /// A virksomhetsspesifikkeMetadata element, after [`Rules::element`] on it: what it
    /// holds is business-specific, and only this hook sees it.
    fn business_metadata(&mut self, _cx: &Cx, _e: &Element, _f: &mut Findings) {}

    /// A container closed (`cx.name` at `cx.path`).
    fn end(&mut self, _cx: &Cx, _f: &mut Findings) {}
}

/// Counters of values per control (statuses, years, types …), each reported in sorted order.
#[derive(Debug, Default)]
pub struct Tallies(BTreeMap<ControlId, BTreeMap<String, u64>>);

impl Tallies {
    /// Counts `key` once more for `control`.
    pub fn bump(&mut self, control: ControlId, key: impl Into<String>) {
        self.add(control, key, 1);
    }

    /// Counts `key` `n` times more for `control`.
    pub fn add(&mut self, control: ControlId, key: impl Into<String>, n: u64) {
        *self.0.entry(control).or_default().entry(key.into()).or_default() += n;
    }

    /// The values and counts of `control`, sorted.
    pub fn values(&self, control: ControlId) -> Vec<(String, u64)> {
        self.0.get(&control).map(|t| t.iter().map(|(k, n)| (k.clone(), *n)).collect()).unwrap_or_default()
    }

    /// How many values `control` counted in all.
    pub fn total(&self, control: ControlId) -> u64 {
        self.0.get(&control).map_or(0, |t| t.values().sum())
    }

    /// Takes the counts of `control` out, sorted by value.
    pub fn take(&mut self, control: ControlId) -> BTreeMap<String, u64> {
        self.0.remove(&control).unwrap_or_default()
    }
}

/// For the families' tests: a check of a small extract written to a temporary folder.
#[cfg(test)]
pub mod testing {
    use samla_noark5::model::Date;

    use crate::controls::ControlId;
    use crate::findings::Severity;
    use crate::{Options, Report};

    /// An arkivstruktur.xml of one arkiv and one arkivdel (arkivperiode 2015–2019) that
    /// holds `inside`: klassifikasjonssystemer, klasser, mapper, registreringer.
    pub fn arkivstruktur(inside: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<arkiv xmlns="http://www.arkivverket.no/standarder/noark5/arkivstruktur" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<systemID>arkiv-1</systemID><tittel>Arkiv</tittel>
<arkivdel><systemID>arkivdel-1</systemID><tittel>Arkivdel</tittel><arkivdelstatus>Avsluttet periode</arkivdelstatus>
<arkivperiodeStartDato>2015-01-01</arkivperiodeStartDato><arkivperiodeSluttDato>2019-12-31</arkivperiodeSluttDato>
{inside}
</arkivdel>
</arkiv>
"#
        )
    }

    /// Checks the extract of `files` (name in the extract, content) as on 2025-06-01.
    pub fn check(files: &[(&str, &str)]) -> Report {
        let dir = tempfile::tempdir().unwrap();
        for (name, content) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        let extract = samla_noark5::Extract::open(dir.path()).unwrap();
        let options = Options { today: Date::parse("2025-06-01").unwrap(), ..Default::default() };
        crate::check(&extract, &options, &mut |_| {}).unwrap()
    }

    /// The findings of `id`: (severity, English message, count).
    pub fn findings(report: &Report, id: ControlId) -> Vec<(Severity, String, u64)> {
        let c = report.control(id.id()).expect("the control ran");
        c.findings.iter().map(|g| (g.severity, g.message.en.clone(), g.count)).collect()
    }

    /// The statistics of `id`: (English label, value).
    pub fn stats(report: &Report, id: ControlId) -> Vec<(String, String)> {
        let c = report.control(id.id()).expect("the control ran");
        c.stats.iter().map(|s| (s.label.en.clone(), s.value.clone())).collect()
    }
}
