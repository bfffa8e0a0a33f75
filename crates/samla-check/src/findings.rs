//! Findings and statistics, grouped so that a million identical findings cost one entry.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use serde::Serialize;

use crate::controls::ControlId;

/// How serious a finding is: the one of every samla finding.
pub use samla_noark5::finding::Severity;

/// Where a finding is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    /// File inside the extract.
    pub file: String,
    /// 1-based line, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// 1-based column, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
    /// Element path, e.g. `/arkiv/arkivdel/mappe/registrering`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element: Option<String>,
    /// systemID of the nearest unit that has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_id: Option<String>,
    /// What differs here, e.g. the referenced path or the expected and the found value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Location {
    /// A location that is a whole file.
    pub fn file(file: impl Into<String>) -> Location {
        Location { file: file.into(), ..Default::default() }
    }

    /// The position `pos` in `file`.
    pub fn at(file: impl Into<String>, pos: samla_noark5::pos::Pos) -> Location {
        Location { file: file.into(), line: Some(pos.line), column: Some(pos.column), ..Default::default() }
    }

    /// Where `finding` is: its file and position, its element (or Noark 4 table), its key
    /// (a row key or systemID) and its hint as the detail.
    pub fn of_finding(finding: &samla_noark5::finding::Finding) -> Location {
        Location {
            file: finding.file.clone(),
            line: finding.pos.map(|p| p.line),
            column: finding.pos.map(|p| p.column),
            element: finding.element.clone(),
            system_id: finding.key.clone(),
            detail: finding.hint.clone(),
        }
    }

    /// Where a read error in `file` happened, with its message as the detail.
    pub fn of_error(file: impl Into<String>, e: &samla_noark5::Error) -> Location {
        Location {
            file: file.into(),
            line: e.pos.map(|p| p.line),
            column: e.pos.map(|p| p.column),
            element: e.element.clone(),
            detail: Some(e.message.clone()),
            ..Default::default()
        }
    }

    /// This location with the systemID `id`.
    pub fn with_system_id(mut self, id: impl Into<String>) -> Location {
        self.system_id = Some(id.into());
        self
    }

    /// This location with `detail`.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Location {
        self.detail = Some(detail.into());
        self
    }
}

/// A text in both languages of the reports.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Text {
    /// Norwegian bokmål.
    pub nb: String,
    /// English.
    pub en: String,
}

impl Text {
    /// A text in both languages.
    pub fn new(nb: impl Into<String>, en: impl Into<String>) -> Text {
        Text { nb: nb.into(), en: en.into() }
    }

    /// The text in `lang` (`nb` or `en`).
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Nb => &self.nb,
            Lang::En => &self.en,
        }
    }
}

/// Report language: the one of every samla report.
pub use samla_report::Lang;

/// Identical findings (same control, severity and message), counted, with the first
/// locations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// Severity.
    pub severity: Severity,
    /// What is wrong.
    pub message: Text,
    /// How many times it was found.
    pub count: u64,
    /// The first locations (at most the limit given to [`Findings::new`]).
    pub locations: Vec<Location>,
}

/// One statistic of a control: a label and a value ("Totalt: 12").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stat {
    /// What is counted.
    pub label: Text,
    /// The value.
    pub value: String,
}

/// Collects the findings and statistics of a run, per control: by [`ControlId`] for the
/// Noark 5 check; by name (`&'static str`) for the reports whose controls are named at run
/// time (the ADDML processes, Noark 4's finding codes).
#[derive(Debug)]
pub struct Findings<K = ControlId> {
    max_locations: usize,
    groups: BTreeMap<K, Vec<Group>>,
    index: HashMap<(K, Severity, Text), usize>,
    stats: BTreeMap<K, Vec<Stat>>,
}

impl<K: Copy + Ord + Hash> Findings<K> {
    /// Keeps at most `max_locations` locations per group of identical findings.
    pub fn new(max_locations: usize) -> Findings<K> {
        Findings { max_locations, groups: BTreeMap::new(), index: HashMap::new(), stats: BTreeMap::new() }
    }

    /// Records a finding of `control`.
    ///
    /// ```
    /// use samla_check::controls::ControlId;
    /// use samla_check::findings::{Findings, Location, Severity, Text};
    /// let mut f = Findings::new(2);
    /// for i in 0..5 {
    ///     let at = Location { file: "arkivstruktur.xml".into(), line: Some(i), ..Default::default() };
    ///     let message = Text::new("systemID finnes flere ganger", "systemID occurs more than once");
    ///     f.add(ControlId::N5_47, Severity::Error, at, message);
    /// }
    /// let groups = f.groups(ControlId::N5_47);
    /// assert_eq!((groups.len(), groups[0].count, groups[0].locations.len()), (1, 5, 2));
    /// ```
    pub fn add(&mut self, control: K, severity: Severity, mut location: Location, mut message: Text) {
        // Values quoted from the input may be any length; a report shows the start of them.
        use samla_noark5::error::{SHOWN, shorten};
        for text in [&mut message.nb, &mut message.en].into_iter().chain(location.detail.as_mut()) {
            if text.len() > 2 * SHOWN {
                *text = shorten(text, 2 * SHOWN).into_owned();
            }
        }
        let key = (control, severity, message);
        let groups = self.groups.entry(control).or_default();
        match self.index.get(&key) {
            Some(&i) => {
                let g = &mut groups[i];
                g.count += 1;
                if g.locations.len() < self.max_locations {
                    g.locations.push(location);
                }
            }
            None => {
                let (_, severity, message) = key.clone();
                let locations = if self.max_locations > 0 { vec![location] } else { Vec::new() };
                groups.push(Group { severity, message, count: 1, locations });
                self.index.insert(key, groups.len() - 1);
            }
        }
    }

    /// Records a statistic of `control`.
    pub fn stat(&mut self, control: K, label: Text, value: impl ToString) {
        self.stats.entry(control).or_default().push(Stat { label, value: value.to_string() });
    }

    /// Adds everything `other` collected (from work done on another thread).
    pub fn merge(&mut self, other: Findings<K>) {
        for (control, groups) in other.groups {
            for g in groups {
                let mut locations = g.locations.into_iter();
                let first = locations.next().unwrap_or_default();
                self.add(control, g.severity, first, g.message.clone());
                let key = (control, g.severity, g.message);
                let i = self.index[&key];
                let mine = &mut self.groups.get_mut(&control).expect("just added")[i];
                mine.count += g.count - 1;
                for at in locations {
                    if mine.locations.len() < self.max_locations {
                        mine.locations.push(at);
                    }
                }
            }
        }
        for (control, stats) in other.stats {
            self.stats.entry(control).or_default().extend(stats);
        }
    }

    /// The groups of `control`.
    pub fn groups(&self, control: K) -> &[Group] {
        self.groups.get(&control).map_or(&[], Vec::as_slice)
    }

    /// The statistics of `control`.
    pub fn stats(&self, control: K) -> &[Stat] {
        self.stats.get(&control).map_or(&[], Vec::as_slice)
    }

    /// Number of findings of `severity`, over all controls.
    pub fn count(&self, severity: Severity) -> u64 {
        self.groups.values().flatten().filter(|g| g.severity == severity).map(|g| g.count).sum()
    }
}
