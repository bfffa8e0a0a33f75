//! What a finished run made ([`Outcome`]), and its report in HTML: one page an archivist
//! can read and file with the deposit.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

use samla_report::esc;
use serde::Serialize;

use crate::job::Job;
use crate::plan::Plan;

/// What a finished run made.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The output folder.
    #[serde(skip)]
    pub out: PathBuf,
    /// True if the job and the inputs were unchanged since the last run, so nothing was done.
    pub no_op: bool,
    /// The counts, collisions and unmapped values.
    pub plan: Plan,
    /// Rows in ledger.csv.
    pub ledger_rows: u64,
    /// Rows in crosswalk.csv.
    pub crosswalk_rows: u64,
    /// Parties of the migration whose address was withheld: Folkeregisteret has the
    /// person under adressebeskyttelse.
    pub addresses_withheld: u64,
    /// Party values of the migration the wash applied (`[wash] apply`), each in the ledger.
    pub values_washed: u64,
    /// Per source, its converted mapper that share their person's one mappe with another
    /// folder (of any source): a part of `converted`, not a destination of its own.
    pub joined: BTreeMap<String, u64>,
    /// Document files copied, per destination.
    pub documents: BTreeMap<String, u64>,
    /// The deposit packages, per source: the tar's path (in the output folder) and SHA-256.
    pub packages: BTreeMap<String, (PathBuf, String)>,
    /// Errors the deposit check (Arkade's verdict or stricter) found in each source's deposit
    /// package, where there were any; they are in the package's log.xml.
    pub deposit_errors: BTreeMap<String, u64>,
    /// Problems that did not stop the run (a document missing, an endring with no unit).
    pub findings: Vec<String>,
    /// Per crosswalk field: values seen and how many of them were mapped.
    pub coverage: BTreeMap<String, (u64, u64)>,
    /// The washing step's report, when the job has one (its wall time left out, so that
    /// reruns give the same bytes).
    pub wash: Option<samla_wash::report::Report>,
    /// Under an archive plan's kassasjon rules: units per destination, kassasjonsvedtak
    /// and year of disposal.
    pub retention: Vec<Retention>,
    /// The units a kassasjon rule marks Kasseres.
    pub kasseres: Vec<Disposal>,
}

/// Units of one destination, kassasjonsvedtak and year of disposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retention {
    /// migration or closed.
    pub part: String,
    /// kassasjonsvedtak.
    pub vedtak: String,
    /// The year of kassasjonsdato.
    pub year: i32,
    /// How many units.
    pub units: u64,
}

/// A unit marked Kasseres.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disposal {
    /// The source.
    pub source: String,
    /// migration or closed.
    pub part: String,
    /// mappe or registrering.
    pub entity: String,
    /// Its systemID in the output.
    pub system_id: String,
    /// Its mappeID or registreringsID in the output.
    pub id: String,
    /// kassasjonsdato.
    pub kassasjonsdato: String,
}

/// The report of a finished run as a self-contained HTML page.
pub fn html(job: &Job, o: &Outcome) -> String {
    let mut h = String::new();
    let title = esc(&job.job.name);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"nb\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #999;padding:.2em .6em;text-align:right}}td:first-child,td:nth-child(2){{text-align:left}}\
         .bad{{background:#fdd}}</style></head><body>\n<h1>{title}</h1>\n<p>Job version {} · as of {} · target {} ({})</p>\n",
        esc(&job.job.version),
        esc(&job.job.as_of),
        esc(&job.target.name),
        esc(&job.target.kommunenummer)
    );
    h.push_str("<h2>Reconciliation: in = converted + closed + deposited + rejected</h2>\n<table><tr><th>source</th><th>entity</th><th>in</th><th>converted</th><th>closed</th><th>deposited</th><th>rejected</th><th>holds</th><th>of the converted, joined</th></tr>\n");
    for (source, entities) in &o.plan.counts {
        for (entity, c) in entities {
            let ok = c.reconciles();
            let _ = writeln!(
                h,
                "<tr{}><td>{}</td><td>{entity}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                if ok { "" } else { " class=\"bad\"" },
                esc(source),
                c.r#in,
                c.converted,
                c.closed,
                c.deposited,
                c.rejected,
                if ok { "yes" } else { "NO" },
                if *entity == "mappe" {
                    o.joined.get(source).map_or(String::new(), u64::to_string)
                } else {
                    String::new()
                }
            );
        }
    }
    h.push_str(
        "</table>\n<h2>Crosswalk coverage</h2>\n<table><tr><th>field</th><th>values seen</th><th>mapped</th></tr>\n",
    );
    for (field, (seen, mapped)) in &o.coverage {
        let _ = writeln!(h, "<tr><td>{}</td><td>{seen}</td><td>{mapped}</td></tr>", esc(field));
    }
    h.push_str("</table>\n");
    if !o.retention.is_empty() {
        h.push_str("<h2>Retention: units per kassasjonsvedtak and year of disposal</h2>\n<table><tr><th>part</th><th>kassasjonsvedtak</th><th>year</th><th>units</th></tr>\n");
        for r in &o.retention {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&r.part),
                esc(&r.vedtak),
                r.year,
                r.units
            );
        }
        h.push_str("</table>\n");
    }
    if !o.kasseres.is_empty() {
        h.push_str("<h2>Kasseres: units a kassasjon rule marks for disposal</h2>\n<table><tr><th>source</th><th>part</th><th>entity</th><th>id</th><th>systemID</th><th>kassasjonsdato</th></tr>\n");
        for k in &o.kasseres {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&k.source),
                esc(&k.part),
                esc(&k.entity),
                esc(&k.id),
                esc(&k.system_id),
                esc(&k.kassasjonsdato)
            );
        }
        h.push_str("</table>\n");
    }
    if !o.plan.classification.is_empty() {
        h.push_str("<h2>Archive plan: klasser placed</h2>\n<table><tr><th>source</th><th>by a rule</th><th>in the holding klasse</th><th>klasser no rule maps</th></tr>\n");
        for (source, c) in &o.plan.classification {
            let unmapped: Vec<String> =
                c.unmapped.iter().map(|(k, units)| format!("{} ({})", esc(k), units.len())).collect();
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(source),
                c.placed,
                c.held,
                unmapped.join(", ")
            );
        }
        h.push_str("</table>\n");
    }
    if !o.plan.unmapped.is_empty() {
        h.push_str("<h2>Unmapped values (kept and flagged)</h2>\n<table><tr><th>field</th><th>value</th><th>source</th><th>count</th></tr>\n");
        for u in &o.plan.unmapped {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&u.field),
                esc(&u.value),
                esc(&u.source),
                u.count
            );
        }
        h.push_str("</table>\n");
    }
    if !o.plan.gaps.is_empty() {
        h.push_str("<h2>Harmonisation gaps (gaps.csv lists the units to complete)</h2>\n<table><tr><th>field the target demands</th><th>converted units without it</th></tr>\n");
        for (field, n) in &o.plan.gaps {
            let _ = writeln!(h, "<tr><td>{}</td><td>{n}</td></tr>", esc(field));
        }
        h.push_str("</table>\n");
    }
    h.push_str("<h2>Collisions between sources</h2>\n<ul>\n");
    for (what, n) in &o.plan.collision_counts {
        let how = o.plan.collisions.iter().find(|c| &c.what == what).map(|c| c.resolution.as_str()).unwrap_or("none");
        let _ = writeln!(h, "<li>{n} {}: {}</li>", esc(what), esc(how));
    }
    h.push_str("</ul>\n<h2>Outputs</h2>\n<ul>\n");
    let _ = writeln!(h, "<li>ledger.csv: {} changed values</li>", o.ledger_rows);
    let _ = writeln!(h, "<li>crosswalk.csv: {} systemIDs</li>", o.crosswalk_rows);
    for (part, n) in &o.documents {
        let _ = writeln!(h, "<li>{}: {n} document files</li>", esc(part));
    }
    for (source, (tar, sha)) in &o.packages {
        let _ = writeln!(
            h,
            "<li>deposit package of {}: {} (SHA-256 {sha})</li>",
            esc(source),
            esc(&tar.display().to_string())
        );
        if let Some(errors) = o.deposit_errors.get(source) {
            let _ = writeln!(
                h,
                "<li><strong>{errors} errors</strong> in the deposit package of {}, by the deposit check (Arkade's \
                 verdict or stricter): the source's own values, listed in the package's log.xml</li>",
                esc(source)
            );
        }
    }
    h.push_str("</ul>\n");
    if !o.findings.is_empty() {
        h.push_str("<h2>Findings</h2>\n<ul>\n");
        for f in &o.findings {
            let _ = writeln!(h, "<li>{}</li>", esc(f));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</body></html>\n");
    h
}
