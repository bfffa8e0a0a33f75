//! What a finished run made ([`Outcome`]), and its report in HTML: one page an archivist
//! can read and file with the deposit.

use std::collections::BTreeMap;
use std::fmt::{self, Write};
use std::path::PathBuf;

use samla_report::esc;
use samla_report::page::{self, Lang, Verdict};
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
    pub findings: Vec<samla_noark5::finding::Finding>,
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

/// The report of a finished run as a self-contained HTML page in `lang`: the verdict first,
/// then where each source's units went, the crosswalk's coverage, the gaps and the floors.
pub fn html(job: &Job, o: &Outcome, lang: Lang) -> String {
    let mut h = String::with_capacity(64 * 1024);
    write_html(&mut h, job, o, lang).expect("writing to a String cannot fail");
    h
}

/// The destinations of the reconciliation, in its order, as the report names them.
fn destinations(lang: Lang) -> [&'static str; 4] {
    lang.pick(["konvertert", "lukket", "deponert", "avvist"], ["converted", "closed", "deposited", "rejected"])
}

fn entity_name(lang: Lang, entity: &str) -> String {
    match (lang, entity) {
        (Lang::Nb, "mappe") => "mapper".into(),
        (Lang::Nb, "registrering") => "registreringer".into(),
        (Lang::Nb, "dokumentbeskrivelse") => "dokumentbeskrivelser".into(),
        (Lang::Nb, "endring") => "endringer".into(),
        (_, e) => e.to_string(),
    }
}

/// What the report says first.
fn verdict(o: &Outcome, lang: Lang) -> (Verdict, String, String) {
    let broken = o.plan.counts.values().flat_map(|e| e.values()).filter(|c| !c.reconciles()).count();
    let sum = |entity: &str| -> u64 { o.plan.counts.values().filter_map(|e| e.get(entity)).map(|c| c.r#in).sum() };
    let rejected: u64 = o.plan.counts.values().flat_map(|e| e.values()).map(|c| c.rejected).sum();
    let deposit_errors: u64 = o.deposit_errors.values().sum();
    let (and, from, sources) = lang.pick(("og", "fra", "kilder"), ("and", "from", "sources"));
    let what = format!(
        "{} mapper {and} {} registreringer {from} {} {sources}",
        lang.int(sum("mappe")),
        lang.int(sum("registrering")),
        o.plan.counts.len()
    );
    if broken > 0 {
        return (
            Verdict::Fail,
            lang.pick("Avstemmingen stemmer ikke", "The reconciliation does not hold").into(),
            lang.pick(
                format!("{broken} rader i avstemmingen går ikke opp: inn ≠ konvertert + lukket + deponert + avvist"),
                format!(
                    "{broken} rows of the reconciliation do not add up: in ≠ converted + closed + deposited + rejected"
                ),
            ),
        );
    }
    let mut notes = Vec::new();
    if rejected > 0 {
        notes.push(lang.pick(format!("{} avvist", lang.int(rejected)), format!("{} rejected", lang.int(rejected))));
    }
    if deposit_errors > 0 {
        notes.push(lang.pick(
            format!("{} feil i deponeringspakkene", lang.int(deposit_errors)),
            format!("{} errors in the deposit packages", lang.int(deposit_errors)),
        ));
    }
    if !o.findings.is_empty() {
        notes.push(lang.pick(
            format!("{} funn", lang.int(o.findings.len() as u64)),
            format!("{} findings", lang.int(o.findings.len() as u64)),
        ));
    }
    if notes.is_empty() {
        (
            Verdict::Pass,
            lang.pick("Fullført: alle enheter er gjort rede for", "Complete: every unit is accounted for").into(),
            what,
        )
    } else {
        (
            Verdict::Warn,
            lang.pick("Fullført, med noe å se på", "Complete, with something to look at").into(),
            format!("{what}: {}", notes.join(", ")),
        )
    }
}

fn write_html(h: &mut String, job: &Job, o: &Outcome, lang: Lang) -> fmt::Result {
    let l = |nb: &'static str, en: &'static str| lang.pick(nb, en);
    let title = format!("{}: {}", l("Sammenslåing", "Merger"), job.job.name);
    page::open(h, lang, &title)?;
    writeln!(h, "<header>")?;
    writeln!(h, "<h1>{}</h1>", esc(&title))?;
    let (v, headline, detail) = verdict(o, lang);
    page::banner(h, v, &headline, &detail)?;
    writeln!(h, "<dl class=\"meta card\">")?;
    writeln!(h, "<dt>{}</dt><dd>{}</dd>", l("Jobb", "Job"), esc(&job.job.name))?;
    writeln!(h, "<dt>{}</dt><dd>{}</dd>", l("Versjon", "Version"), esc(&job.job.version))?;
    writeln!(h, "<dt>{}</dt><dd>{}</dd>", l("Per dato", "As of"), esc(&job.job.as_of))?;
    writeln!(
        h,
        "<dt>{}</dt><dd>{} ({})</dd>",
        l("Ny kommune", "New municipality"),
        esc(&job.target.name),
        esc(&job.target.kommunenummer)
    )?;
    let sources: Vec<String> = job.source.iter().map(|s| esc(&s.name)).collect();
    writeln!(h, "<dt>{}</dt><dd>{}</dd>", l("Kilder", "Sources"), sources.join(", "))?;
    writeln!(h, "</dl>")?;
    writeln!(h, "</header>")?;
    writeln!(h, "<main>")?;

    let dest = destinations(lang);
    writeln!(h, "<section class=\"card\" id=\"destinations\">")?;
    writeln!(h, "<h2>{}</h2>", l("Hvor enhetene gikk", "Where the units went"))?;
    let mut bars = Vec::new();
    for (source, entities) in &o.plan.counts {
        // A flat-file source's records stand for its mapper and registreringer.
        for entity in ["mappe", "registrering", "record"] {
            if let Some(c) = entities.get(entity).filter(|c| c.r#in > 0) {
                bars.push(page::Bar {
                    label: format!("{source} · {}", entity_name(lang, entity)),
                    values: vec![c.converted, c.closed, c.deposited, c.rejected],
                });
            }
        }
    }
    page::stacked_bars(h, lang, &dest, &bars)?;
    writeln!(
        h,
        "<h3>{}</h3>",
        l(
            "Avstemming: inn = konvertert + lukket + deponert + avvist",
            "Reconciliation: in = converted + closed + deposited + rejected"
        )
    )?;
    writeln!(
        h,
        "<table><thead><tr><th>{}</th><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th>{}</th><th class=\"num\">{}</th></tr></thead><tbody>",
        l("kilde", "source"),
        l("enhet", "entity"),
        l("inn", "in"),
        dest[0],
        dest[1],
        dest[2],
        dest[3],
        l("stemmer", "holds"),
        l("av de konverterte, slått sammen", "of the converted, joined"),
    )?;
    for (source, entities) in &o.plan.counts {
        for (entity, c) in entities {
            let ok = c.reconciles();
            let joined = if *entity == "mappe" {
                o.joined.get(source).map_or(String::new(), |n| lang.int(*n))
            } else {
                String::new()
            };
            writeln!(
                h,
                "<tr{}><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{joined}</td></tr>",
                if ok { "" } else { " class=\"bad\"" },
                esc(source),
                esc(&entity_name(lang, entity)),
                lang.int(c.r#in),
                lang.int(c.converted),
                lang.int(c.closed),
                lang.int(c.deposited),
                lang.int(c.rejected),
                if ok { l("ja", "yes") } else { l("NEI", "NO") },
            )?;
        }
    }
    writeln!(h, "</tbody></table>")?;
    writeln!(h, "</section>")?;

    writeln!(h, "<section class=\"card\" id=\"coverage\">")?;
    writeln!(h, "<h2>{}</h2>", l("Kodeoversettelsenes dekning", "Crosswalk coverage"))?;
    if o.coverage.is_empty() {
        writeln!(h, "<p class=\"none\">{}</p>", l("Jobben oversetter ingen koder.", "The job maps no codes."))?;
    } else {
        writeln!(
            h,
            "<table><thead><tr><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th></tr></thead><tbody>",
            l("felt", "field"),
            l("verdier sett", "values seen"),
            l("oversatt", "mapped"),
            l("dekning", "coverage")
        )?;
        for (field, (seen, mapped)) in &o.coverage {
            writeln!(
                h,
                "<tr{}><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                if mapped < seen { " class=\"bad\"" } else { "" },
                esc(field),
                lang.int(*seen),
                lang.int(*mapped),
                lang.percent(*mapped, *seen)
            )?;
        }
        writeln!(h, "</tbody></table>")?;
    }
    if !o.plan.unmapped.is_empty() {
        writeln!(
            h,
            "<h3>{}</h3>",
            l("Verdier uten oversettelse (beholdt og flagget)", "Unmapped values (kept and flagged)")
        )?;
        writeln!(
            h,
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th class=\"num\">{}</th></tr></thead><tbody>",
            l("felt", "field"),
            l("verdi", "value"),
            l("kilde", "source"),
            l("antall", "count")
        )?;
        for u in &o.plan.unmapped {
            writeln!(
                h,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td></tr>",
                esc(&u.field),
                esc(&u.value),
                esc(&u.source),
                lang.int(u.count)
            )?;
        }
        writeln!(h, "</tbody></table>")?;
    }
    writeln!(h, "</section>")?;

    writeln!(h, "<section class=\"card\" id=\"gaps\">")?;
    writeln!(h, "<h2>{}</h2>", l("Hull: felt målet krever", "Gaps: fields the target demands"))?;
    if o.plan.gaps.is_empty() {
        writeln!(
            h,
            "<p class=\"none\">{}</p>",
            l(
                "Ingen: hver konvertert enhet har feltene målet krever.",
                "None: every converted unit has the fields the target demands."
            )
        )?;
    } else {
        writeln!(
            h,
            "<table><thead><tr><th>{}</th><th class=\"num\">{}</th></tr></thead><tbody>",
            l("felt", "field"),
            l("konverterte enheter uten det (gaps.csv)", "converted units without it (gaps.csv)")
        )?;
        for (field, n) in &o.plan.gaps {
            writeln!(h, "<tr><td>{}</td><td class=\"num\">{}</td></tr>", esc(field), lang.int(*n))?;
        }
        writeln!(h, "</tbody></table>")?;
    }
    writeln!(h, "</section>")?;

    writeln!(h, "<section class=\"card\" id=\"floors\">")?;
    writeln!(h, "<h2>{}</h2>", l("Gulv: det som må bli i aktiv tilgang", "Floors: what must stay in active access"))?;
    writeln!(
        h,
        "<p>{}</p><ul>",
        l(
            "Kjøringen stopper før den skriver noe hvis en ruteregel bryter et gulv. Alle gulvene holdt:",
            "The run stops before writing anything if a routing rule breaks a floor. Every floor held:"
        )
    )?;
    writeln!(h, "<li>{}</li>", l("åpne saker blir i aktiv tilgang", "open cases stay in active access"))?;
    writeln!(
        h,
        "<li>{}</li>",
        l(
            "ingenting med en registrering fra de siste ti årene blir deponert",
            "nothing with a registrering from the last ten years is deposited"
        )
    )?;
    if !job.floors.child_welfare_klasse.is_empty() {
        let klasser: Vec<String> =
            job.floors.child_welfare_klasse.iter().map(|k| format!("<code>{}</code>", esc(k))).collect();
        writeln!(
            h,
            "<li>{} {}</li>",
            l(
                "barnevernsmapper med en person under 18 blir i aktiv tilgang, klasse",
                "child welfare folders with a person under 18 stay in active access, klasse"
            ),
            klasser.join(", ")
        )?;
    }
    for p in &job.floors.protect {
        writeln!(h, "<li>{}: {}</li>", l("jobben verner", "the job protects"), esc(&p.reason))?;
    }
    writeln!(h, "</ul>")?;
    writeln!(h, "</section>")?;

    if !o.plan.classification.is_empty() {
        writeln!(h, "<section class=\"card\" id=\"plan\">")?;
        writeln!(h, "<h2>{}</h2>", l("Arkivplanen: klasser plassert", "Archive plan: klasser placed"))?;
        writeln!(
            h,
            "<table><thead><tr><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th>{}</th></tr></thead><tbody>",
            l("kilde", "source"),
            l("etter en regel", "by a rule"),
            l("i oppsamlingsklassen", "in the holding klasse"),
            l("klasser ingen regel dekker", "klasser no rule maps")
        )?;
        for (source, c) in &o.plan.classification {
            let unmapped: Vec<String> =
                c.unmapped.iter().map(|(k, units)| format!("{} ({})", esc(k), lang.int(units.len() as u64))).collect();
            writeln!(
                h,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(source),
                lang.int(c.placed),
                lang.int(c.held),
                unmapped.join(", ")
            )?;
        }
        writeln!(h, "</tbody></table>")?;
        writeln!(h, "</section>")?;
    }
    if !o.retention.is_empty() {
        writeln!(h, "<section class=\"card\" id=\"retention\">")?;
        writeln!(
            h,
            "<h2>{}</h2>",
            l(
                "Bevaring og kassasjon: enheter per vedtak og år",
                "Retention: units per kassasjonsvedtak and year of disposal"
            )
        )?;
        writeln!(
            h,
            "<table><thead><tr><th>{}</th><th>kassasjonsvedtak</th><th class=\"num\">{}</th><th class=\"num\">{}</th></tr></thead><tbody>",
            l("del", "part"),
            l("år", "year"),
            l("enheter", "units")
        )?;
        for r in &o.retention {
            writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&r.part),
                esc(&r.vedtak),
                r.year,
                lang.int(r.units)
            )?;
        }
        writeln!(h, "</tbody></table>")?;
        if !o.kasseres.is_empty() {
            writeln!(
                h,
                "<details><summary>{} ({})</summary>",
                l("Enheter en kassasjonsregel merker Kasseres", "Units a kassasjon rule marks Kasseres"),
                lang.int(o.kasseres.len() as u64)
            )?;
            writeln!(
                h,
                "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>ID</th><th>systemID</th><th>kassasjonsdato</th></tr></thead><tbody>",
                l("kilde", "source"),
                l("del", "part"),
                l("enhet", "entity"),
            )?;
            for k in &o.kasseres {
                writeln!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                    esc(&k.source),
                    esc(&k.part),
                    esc(&k.entity),
                    esc(&k.id),
                    esc(&k.system_id),
                    esc(&k.kassasjonsdato)
                )?;
            }
            writeln!(h, "</tbody></table></details>")?;
        }
        writeln!(h, "</section>")?;
    }

    writeln!(h, "<section class=\"card\" id=\"collisions\">")?;
    writeln!(h, "<h2>{}</h2>", l("Kollisjoner mellom kildene", "Collisions between sources"))?;
    if o.plan.collision_counts.is_empty() {
        writeln!(h, "<p class=\"none\">{}</p>", l("Ingen.", "None."))?;
    } else {
        writeln!(h, "<ul>")?;
        for (what, n) in &o.plan.collision_counts {
            let how = o.plan.collisions.iter().find(|c| &c.what == what).map(|c| c.resolution.as_str()).unwrap_or("–");
            writeln!(h, "<li>{} {}: {}</li>", lang.int(*n), esc(what), esc(how))?;
        }
        writeln!(h, "</ul>")?;
    }
    writeln!(h, "</section>")?;

    writeln!(h, "<section class=\"card\" id=\"outputs\">")?;
    writeln!(h, "<h2>{}</h2>", l("Det kjøringen skrev", "What the run wrote"))?;
    writeln!(h, "<ul>")?;
    writeln!(h, "<li>ledger.csv: {} {}</li>", lang.int(o.ledger_rows), l("endrede verdier", "changed values"))?;
    writeln!(h, "<li>crosswalk.csv: {} systemID-er</li>", lang.int(o.crosswalk_rows))?;
    if o.addresses_withheld > 0 {
        writeln!(
            h,
            "<li>{}: {}</li>",
            l("adresser holdt tilbake (adressebeskyttelse)", "addresses withheld (adressebeskyttelse)"),
            lang.int(o.addresses_withheld)
        )?;
    }
    if o.values_washed > 0 {
        writeln!(
            h,
            "<li>{}: {}</li>",
            l("vaskede verdier satt inn", "washed values applied"),
            lang.int(o.values_washed)
        )?;
    }
    for (part, n) in &o.documents {
        writeln!(h, "<li>{}: {} {}</li>", esc(part), lang.int(*n), l("dokumentfiler", "document files"))?;
    }
    for (source, (tar, sha)) in &o.packages {
        writeln!(
            h,
            "<li>{} {}: <code>{}</code> (SHA-256 <code>{}</code>)</li>",
            l("deponeringspakken fra", "the deposit package of"),
            esc(source),
            esc(&tar.display().to_string()),
            esc(sha)
        )?;
        if let Some(errors) = o.deposit_errors.get(source) {
            writeln!(
                h,
                "<li><strong>{}</strong></li>",
                lang.pick(
                    format!(
                        "{} feil i deponeringspakken fra {}, etter deponeringskontrollen (Arkades dom eller strengere): kildens egne verdier, listet i pakkens log.xml",
                        lang.int(*errors),
                        esc(source)
                    ),
                    format!(
                        "{} errors in the deposit package of {}, by the deposit check (Arkade's verdict or stricter): the source's own values, listed in the package's log.xml",
                        lang.int(*errors),
                        esc(source)
                    )
                )
            )?;
        }
    }
    writeln!(h, "</ul>")?;
    writeln!(h, "</section>")?;
    if !o.findings.is_empty() {
        writeln!(h, "<section class=\"card\" id=\"findings\">")?;
        writeln!(h, "<h2>{}</h2>", l("Funn som ikke stoppet kjøringen", "Findings that did not stop the run"))?;
        writeln!(h, "<ul>")?;
        for f in &o.findings {
            writeln!(h, "<li>{}</li>", esc(&f.to_string()))?;
        }
        writeln!(h, "</ul>")?;
        writeln!(h, "</section>")?;
    }
    writeln!(h, "</main>")?;
    page::close(h, lang, concat!("samla ", env!("CARGO_PKG_VERSION")))
}
