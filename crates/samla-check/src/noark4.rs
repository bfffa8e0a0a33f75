//! `samla check` on a Noark 4 extract: samla-legacy's Noark 4 checks (counts, keys, dates,
//! encodings, document paths), in the same report as a Noark 5 check, one entry per finding
//! code, with a pointer to `samla convert`.

use std::time::Instant;

use samla_legacy::noark4::{self, Noark4};
use samla_noark5::Extract;

use crate::controls::ControlKind;
use crate::findings::{Location, Severity, Text};
use crate::{ControlReport, Options, Report, Summary};

/// Findings by the names of the controls, which are known only at run time.
type Findings = crate::findings::Findings<&'static str>;

/// The entry that says what the extract is, with the rows read per table file.
const TABLES: &str = "N4.TABLES";

/// Checks a Noark 4 extract. Fails only when its folder or index cannot be read at all;
/// a missing table file is a finding.
pub fn check_noark4(extract: &Noark4, options: &Options) -> samla_noark5::Result<Report> {
    let started = Instant::now();
    let found = noark4::check::check(extract);
    let mut f = Findings::new(options.max_locations);
    f.add(
        TABLES,
        Severity::Info,
        Location::file(noark4::INDEX_FILE),
        Text::new(
            "Et Noark 4-uttrekk: samla convert gjør det til Noark 5, som så kan kontrolleres med Arkades kontroller",
            "A Noark 4 extract: samla convert makes it Noark 5, which Arkade's controls can then check",
        ),
    );
    for file in &found.files {
        let stated = file.stated.map_or_else(|| "–".to_string(), |n| n.to_string());
        let label = format!("{} ({})", file.table, file.file);
        let complete = if file.complete { "" } else { ", ufullstendig/incomplete" };
        f.stat(TABLES, Text::new(label.clone(), label), format!("{} / {stated}{complete}", file.read));
    }
    let mut codes: Vec<&'static str> = Vec::new();
    for finding in &found.findings {
        if !codes.contains(&finding.code) {
            codes.push(finding.code);
        }
        let at = Location::of_finding(finding);
        f.add(finding.code, finding.severity, at, Text::new(finding.message.clone(), finding.message.clone()));
    }
    let mut controls = vec![ControlReport {
        id: TABLES,
        name: Text::new("Noark 4-tabeller: rader lest / oppgitt", "Noark 4 tables: rows read / stated"),
        kind: ControlKind::Structure,
        stats: f.stats(TABLES).to_vec(),
        findings: f.groups(TABLES).to_vec(),
    }];
    controls.extend(codes.into_iter().map(|code| ControlReport {
        id: code,
        name: Text::new(code, code),
        kind: ControlKind::Content,
        stats: Vec::new(),
        findings: f.groups(code).to_vec(),
    }));
    let count = |sev: noark4::Severity| found.count_at(sev);
    let (files, bytes) = Extract::open_package(&extract.root)
        .map(|p| p.files().fold((0, 0), |(n, b), (_, s)| (n + 1, b + s)))
        .unwrap_or((0, 0));
    let summary = Summary {
        extract: extract.root.display().to_string(),
        version: Some("Noark 4".into()),
        creators: Vec::new(),
        period: None,
        files,
        bytes,
        mapper: found.rows("NOARKSAK"),
        registreringer: found.rows("JOURNPOST"),
        dokumentobjekter: found.rows("DOKVERSJON"),
        mapper_per_year: Vec::new(),
        registreringer_per_year: Vec::new(),
        errors: count(noark4::Severity::Error),
        warnings: count(noark4::Severity::Warning),
        schemas: "-".into(),
        seconds: started.elapsed().as_secs_f64(),
        controls_run: controls.len(),
        profile: options.profile,
    };
    Ok(Report { format: 1, tool: format!("samla {}", env!("CARGO_PKG_VERSION")), summary, controls })
}
