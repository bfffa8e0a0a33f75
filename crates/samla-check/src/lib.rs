//! `samla check`: the control suite for Noark 5 extracts.
//!
//! [`check`] runs Arkade's Noark 5 controls under their own IDs (N5.01–N5.64) and samla's
//! own (S.01–S.08) over an [`Extract`]: the structure controls on the files, the content
//! controls in one streaming pass over arkivstruktur.xml, and the document controls on
//! all cores as the pass meets the dokumentobjekter. It never stops at the first problem:
//! every finding is collected, grouped and counted ([`findings`]), and the result is a
//! [`Report`] that serialises to the JSON format in docs/report-format.md.
//!
//! Each control is named by a [`controls::ControlId`] and checked in its family's file in
//! `src/rules/` (whose `mod.rs` says how to add one); `src/pass.rs` reads arkivstruktur.xml
//! once and tells every family what it meets.
//!
//! ```no_run
//! use samla_check::{check, Options};
//! let extract = samla_noark5::Extract::open("uttrekk".as_ref())?;
//! let report = check(&extract, &Options::default(), &mut |_| {})?;
//! println!("{} errors", report.summary.errors);
//! # Ok::<(), samla_noark5::Error>(())
//! ```

#![warn(missing_docs)]

pub mod controls;
pub mod findings;
pub mod flat;
pub mod html;
pub mod ids;
pub mod noark4;
mod pass;
pub mod profile;
mod rules;

pub use rules::documents;

use std::collections::BTreeSet;
use std::time::Instant;

use samla_noark5::Extract;
use samla_noark5::model::Date;
use samla_noark5::schemas::SchemaDir;
use samla_noark5::stream::{Event, Split, UnitReader};
use samla_noark5::version::VersionEvidence;
use serde::Serialize;

use crate::controls::ControlId::{
    N5_01, N5_02, N5_03, N5_11, N5_18, N5_30, N5_32, N5_33, N5_34, N5_35, N5_59, N5_60, N5_61, N5_62, N5_64, S_02, S_03,
};
use crate::controls::{ControlId, ControlKind};
use crate::findings::{Findings, Group, Location, Severity, Stat, Text};
use crate::pass::Pass;
pub use crate::profile::Profile;
use crate::rules::{Settings, endringslogg, journal, schema, structure};

/// How to run the check.
#[derive(Debug, Clone)]
pub struct Options {
    /// Whose verdict: a depot's (the default) or a migration's.
    pub profile: Profile,
    /// Where the official schemas are (for N5.03 and S.01); `None` uses the extract's own.
    pub schemas: Option<SchemaDir>,
    /// Run only these controls (`None`: all).
    pub selection: Option<BTreeSet<ControlId>>,
    /// Locations kept per group of identical findings.
    pub max_locations: usize,
    /// Dates after this day are flagged (S.05). Defaults to today.
    pub today: Date,
    /// SHA-256 digests of document files already computed (by `samla verify`), so that
    /// they are not read twice.
    pub known_digests: Option<documents::KnownDigests>,
}

impl Default for Options {
    fn default() -> Self {
        let days = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| (d.as_secs() / 86_400) as i64)
            .unwrap_or(0);
        Options {
            profile: Profile::Deposit,
            schemas: None,
            selection: None,
            max_locations: 20,
            today: Date::from_days(days),
            known_digests: None,
        }
    }
}

/// Progress of a check, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Bytes of arkivstruktur.xml read so far, of the total.
    Reading {
        /// Bytes read.
        done: u64,
        /// Bytes in all.
        total: u64,
    },
    /// Document files hashed so far.
    Documents {
        /// Dokumentobjekter checked.
        checked: u64,
        /// Bytes hashed.
        bytes: u64,
    },
}

/// The summary at the head of a report.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The path checked.
    pub extract: String,
    /// Noark 5 version as stated in arkivuttrekk.xml.
    pub version: Option<String>,
    /// Archive creators.
    pub creators: Vec<String>,
    /// Archival period as stated in arkivuttrekk.xml.
    pub period: Option<(String, String)>,
    /// Files in the extract.
    pub files: u64,
    /// Their total size in bytes.
    pub bytes: u64,
    /// Mapper in arkivstruktur.xml.
    pub mapper: u64,
    /// Registreringer in arkivstruktur.xml.
    pub registreringer: u64,
    /// Dokumentobjekter in arkivstruktur.xml.
    pub dokumentobjekter: u64,
    /// Mapper per year (opprettetDato), for the report's chart.
    pub mapper_per_year: Vec<(String, u64)>,
    /// Registreringer per year (opprettetDato), for the report's chart.
    pub registreringer_per_year: Vec<(String, u64)>,
    /// Findings of severity error.
    pub errors: u64,
    /// Findings of severity warning.
    pub warnings: u64,
    /// Where the schemas used for N5.03 came from.
    pub schemas: String,
    /// Wall time of the check, in seconds.
    pub seconds: f64,
    /// Controls run.
    pub controls_run: usize,
    /// The profile the verdict is given under: `deposit` or `migration`.
    pub profile: Profile,
}

/// The result of one control.
#[derive(Debug, Clone, Serialize)]
pub struct ControlReport {
    /// The ID, e.g. `N5.02`.
    pub id: &'static str,
    /// Its name.
    pub name: Text,
    /// Its kind.
    pub kind: ControlKind,
    /// Statistics (counts).
    pub stats: Vec<Stat>,
    /// Grouped findings.
    pub findings: Vec<Group>,
}

/// A whole report. See docs/report-format.md.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Format version of this JSON.
    pub format: u32,
    /// The tool that made it.
    pub tool: String,
    /// The summary.
    pub summary: Summary,
    /// One entry per control run, in control order.
    pub controls: Vec<ControlReport>,
}

impl Report {
    /// The report of control `id`, if it ran.
    pub fn control(&self, id: &str) -> Option<&ControlReport> {
        self.controls.iter().find(|c| c.id == id)
    }

    /// The exit code: 0 when there are no errors, 1 when there are.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.summary.errors > 0)
    }
}

/// Runs the check. Fails (`Err`) only when the extract cannot be read at all; every
/// problem inside it is a finding.
pub fn check(extract: &Extract, options: &Options, progress: &mut dyn FnMut(Progress)) -> samla_noark5::Result<Report> {
    let started = Instant::now();
    let mut f = Findings::new(options.max_locations);
    let uttrekk = structure::read_arkivuttrekk(extract, &mut f);
    let evidence = VersionEvidence::gather(extract, uttrekk.as_ref().and_then(|u| u.version.as_deref()));
    let version = evidence.version();

    let selected = |id: ControlId| options.selection.as_ref().is_none_or(|s| s.contains(&id));
    structure::files_exist(extract, uttrekk.as_ref(), &mut f);
    let schemas = structure::official_schemas(extract, &mut f);
    let plan = if selected(N5_03) { Some(schema::plan(extract, version, options.schemas.as_ref())) } else { None };
    // The version chooses the schemas; how it is known, and any disagreement, is said here.
    f.stat(N5_03, Text::new("Noark 5-versjon", "Noark 5 version"), &evidence);
    let documents = [N5_30, N5_32, N5_33, N5_34, N5_64, S_02, S_03].into_iter().any(selected);
    let settings = Settings { version, today: options.today, profile: options.profile };
    let mut pass = Pass::new(settings, documents, options.known_digests.clone());

    // Three streams of work share the cores: the content pass (itself parallel), the
    // schema validation of arkivstruktur.xml, and the side work on the other files.
    let (main_xsd, side) = std::thread::scope(|scope| -> samla_noark5::Result<_> {
        let main_xsd =
            plan.as_ref().and_then(|p| p.files.iter().find(|(x, _, _)| x == "arkivstruktur.xml")).map(|(x, xsd, _)| {
                let (x, xsd) = (x.clone(), xsd.clone());
                scope.spawn(move || schema::validate(extract, &x, &xsd))
            });
        let uttrekk = uttrekk.as_ref();
        let plan = plan.as_ref();
        let side = scope.spawn(move || {
            let mut g = Findings::new(options.max_locations);
            if selected(N5_02) {
                structure::checksums(extract, uttrekk, &mut g);
            }
            let journals =
                if selected(N5_59) || selected(N5_60) { journal::read_journals(extract, &mut g) } else { Vec::new() };
            let others: Vec<schema::Outcome> = plan
                .map(|p| {
                    p.files
                        .iter()
                        .filter(|(x, _, _)| x != "arkivstruktur.xml")
                        .map(|(x, xsd, _)| schema::validate(extract, x, xsd))
                        .collect()
                })
                .unwrap_or_default();
            (g, journals, others)
        });
        content_pass(extract, &mut pass, &mut f, progress)?;
        let main_xsd = main_xsd.map(|job| job.join().expect("validation does not panic"));
        Ok((main_xsd, side.join().expect("the side work does not panic")))
    })?;
    let (side_findings, journals, other_xsd) = side;
    f.merge(side_findings);
    if let Some(outcome) = main_xsd {
        schema::record(outcome, &mut f);
    }
    for outcome in other_xsd {
        schema::record(outcome, &mut f);
    }
    if let Some(plan) = &plan {
        for x in &plan.without {
            // As Arkade: a file that cannot be validated is an error.
            f.add(
                N5_03,
                Severity::Error,
                Location::file(x.clone()).with_detail(format!("Noark 5 version: {evidence}")),
                Text::new("Ingen skjema å validere filen mot", "No schema to validate the file against"),
            );
        }
    }
    let schemas = match &plan {
        Some(plan) => format!("{schemas}; {}", plan.describe()),
        None => schemas,
    };
    let document_files = pass.documents.finish(extract, &mut f, documents);
    progress(Progress::Documents { checked: pass.documents.checked, bytes: pass.documents.bytes });

    structure::document_count(extract, uttrekk.as_ref(), document_files, &mut f);
    pass.units.stated_counts(uttrekk.as_ref(), &mut f);
    pass.metadata.flags(uttrekk.as_ref(), &mut f);
    if selected(N5_59) || selected(N5_60) {
        let (posts, references) = (&pass.journalposter, &pass.references);
        journal::journals(extract, uttrekk.as_ref(), journals, posts, references, options.profile, &mut f);
    }
    if selected(N5_61) || selected(N5_62) {
        endringslogg::endringslogg(extract, uttrekk.as_ref(), &pass.references, options.profile, &mut f);
    }
    let mapper_per_year = pass.units.tallies.values(N5_11);
    let registreringer_per_year = pass.units.tallies.values(N5_18);
    let (mapper, registreringer, dokumentobjekter) =
        (pass.units.counts.mapper, pass.units.counts.registreringer, pass.units.counts.dokumentobjekter);
    pass.finish(&mut f);

    let controls: Vec<ControlReport> = ControlId::ALL
        .into_iter()
        .filter(|&id| selected(id))
        .map(|id| ControlReport {
            id: id.id(),
            // As Arkade: in v5.0, whose sakspart became part, N5.35 counts parter.
            name: match (id, version) {
                (N5_35, Some(samla_noark5::Version::V5_0)) => Text::new("Antall parter", "Number of parter"),
                _ => Text::new(id.control().nb, id.control().en),
            },
            kind: id.control().kind,
            stats: f.stats(id).to_vec(),
            findings: f.groups(id).to_vec(),
        })
        .collect();
    let count =
        |sev: Severity| controls.iter().flat_map(|c| &c.findings).filter(|g| g.severity == sev).map(|g| g.count).sum();
    let (files, bytes) = extract.files().fold((0, 0), |(n, b), (_, s)| (n + 1, b + s));
    let summary = Summary {
        extract: extract.location().display().to_string(),
        version: Some(evidence.to_string()),
        creators: uttrekk
            .as_ref()
            .map(|u| {
                let shown = |c: &String| samla_noark5::error::shorten(c, samla_noark5::error::SHOWN).into_owned();
                u.record_creators.iter().map(shown).collect()
            })
            .unwrap_or_default(),
        period: uttrekk.as_ref().and_then(|u| Some((u.period_start.clone()?, u.period_end.clone()?))),
        files,
        bytes,
        mapper,
        registreringer,
        dokumentobjekter,
        mapper_per_year,
        registreringer_per_year,
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        schemas,
        seconds: started.elapsed().as_secs_f64(),
        controls_run: controls.len(),
        profile: options.profile,
    };
    Ok(Report { format: 1, tool: format!("samla {}", env!("CARGO_PKG_VERSION")), summary, controls })
}

/// The content pass over arkivstruktur.xml: every event to the [`Pass`].
fn content_pass(
    extract: &Extract,
    pass: &mut Pass,
    f: &mut Findings,
    progress: &mut dyn FnMut(Progress),
) -> samla_noark5::Result<()> {
    if extract.find("arkivstruktur.xml").is_none() {
        f.add(
            N5_01,
            Severity::Error,
            Location::file("arkivstruktur.xml"),
            Text::new(
                "arkivstruktur.xml finnes ikke; innholdskontrollene kan ikke kjøres",
                "arkivstruktur.xml does not exist; the content controls cannot run",
            ),
        );
        return Ok(());
    }
    let total = extract.size("arkivstruktur.xml").unwrap_or(0);
    let mut reader =
        UnitReader::parallel(extract.open_file("arkivstruktur.xml")?, "arkivstruktur.xml", Split::ARKIVSTRUKTUR);
    let mut path: Vec<String> = Vec::new();
    let mut ticks = 0u32;
    loop {
        let event =
            match reader.next_event() {
                Ok(Some(event)) => event,
                Ok(None) => break,
                Err(e) => {
                    // A damaged arkivstruktur.xml ends the pass; what was read still counts.
                    f.add(N5_03, Severity::Error, Location::of_error("arkivstruktur.xml", &e), Text::new(
                    "arkivstruktur.xml kan ikke leses ferdig; innholdskontrollene dekker bare det som ble lest",
                    "arkivstruktur.xml cannot be read to the end; the content controls cover only what was read",
                ));
                    break;
                }
            };
        match event {
            Event::Start(header) => {
                path.push(header.name.to_string());
                pass.start(extract, &header, &format!("/{}", path.join("/")), f);
            }
            Event::Unit(unit) | Event::Field(unit) => pass.unit(extract, &unit, &format!("/{}", path.join("/")), f),
            Event::End(name) => {
                let p = format!("/{}", path.join("/"));
                pass.end(extract, samla_noark5::element::local_name(&name), &p, f);
                path.pop();
            }
        }
        ticks += 1;
        if ticks.is_multiple_of(512) {
            progress(Progress::Reading { done: reader.bytes_read(), total });
            progress(Progress::Documents { checked: pass.documents.checked, bytes: pass.documents.bytes });
        }
    }
    progress(Progress::Reading { done: total, total });
    Ok(())
}
