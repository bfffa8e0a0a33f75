//! The HTML report of `samla check`: one self-contained page for the archivist.
//!
//! [`render`] turns a [`Report`] into an HTML5 page that needs nothing outside itself: the
//! style is inline, the chart of mapper and registreringer per year is an SVG computed
//! here, and there are no scripts, fonts, images or links other than anchors within the
//! page, so it reads the same from a USB stick as from a server. Every text from the
//! report is escaped (it holds data from the extract, which may contain anything), and the
//! page depends only on the report and the language: the same report gives the same bytes.
//!
//! ```
//! # use samla_check::{Report, Summary};
//! use samla_check::{findings::Lang, html};
//! # let summary = Summary {
//! #     extract: "uttrekk".into(), version: None, creators: vec![], period: None, files: 0, bytes: 0,
//! #     mapper: 0, registreringer: 0, dokumentobjekter: 0, mapper_per_year: vec![],
//! #     registreringer_per_year: vec![], errors: 0, warnings: 0, schemas: String::new(),
//! #     seconds: 0.0, controls_run: 0, profile: samla_check::Profile::Deposit,
//! # };
//! # let report = Report { format: 1, tool: "samla".into(), summary, controls: vec![] };
//! let page = html::render(&report, Lang::Nb);
//! assert!(page.contains("Godkjent: ingen feil"));
//! ```

use samla_report::Esc;
use samla_report::page::{self, Verdict};
use std::collections::BTreeMap;
use std::fmt::{self, Write};

use crate::controls::ControlKind;
use crate::findings::{Group, Lang, Location, Severity};
use crate::{ControlReport, Report, Summary};

/// Renders `report` as a self-contained HTML5 page in `lang`.
pub fn render(report: &Report, lang: Lang) -> String {
    let mut out = String::with_capacity(32 * 1024 + report.controls.len() * 1024);
    let page = Page { report, lang, l: labels(lang) };
    page.write(&mut out).expect("writing to a String cannot fail");
    out
}

/// The page's own words.
struct Labels {
    lang: Lang,
    title: &'static str,
    extract: &'static str,
    version: &'static str,
    creators: &'static str,
    period: &'static str,
    schemas: &'static str,
    profile: &'static str,
    tool: &'static str,
    time: &'static str,
    unknown: &'static str,
    failed: &'static str,
    passed: &'static str,
    no_errors: &'static str,
    error: (&'static str, &'static str),
    warning: (&'static str, &'static str),
    and: &'static str,
    in_controls: &'static str,
    control_word: (&'static str, &'static str),
    hour: &'static str,
    summary: &'static str,
    files: &'static str,
    size: &'static str,
    mapper: &'static str,
    registreringer: &'static str,
    dokumentobjekter: &'static str,
    controls_run: &'static str,
    per_year: &'static str,
    no_years: &'static str,
    year: &'static str,
    count: &'static str,
    figures: &'static str,
    deviations: &'static str,
    no_deviations: &'static str,
    control: &'static str,
    name: &'static str,
    errors_col: &'static str,
    warnings_col: &'static str,
    controls: &'static str,
    kinds: [&'static str; 3],
    stats: &'static str,
    findings: &'static str,
    severity: &'static str,
    severities: [&'static str; 3],
    message: &'static str,
    locations: &'static str,
    shown: (&'static str, &'static str, &'static str),
    element: &'static str,
    detail: &'static str,
}

const NB: Labels = Labels {
    lang: Lang::Nb,
    title: "samla — kontrollrapport",
    extract: "Uttrekk",
    version: "Noark-versjon",
    creators: "Arkivskaper(e)",
    period: "Periode",
    schemas: "Skjemaer",
    profile: "Profil",
    tool: "Verktøy",
    time: "Tidsbruk",
    unknown: "ikke oppgitt",
    failed: "Ikke godkjent",
    passed: "Godkjent",
    no_errors: "ingen feil",
    error: ("feil", "feil"),
    warning: ("advarsel", "advarsler"),
    and: "og",
    in_controls: "i",
    control_word: ("kontroll", "kontroller"),
    hour: "t",
    summary: "Sammendrag",
    files: "Filer",
    size: "Størrelse",
    mapper: "Mapper",
    registreringer: "Registreringer",
    dokumentobjekter: "Dokumentobjekter",
    controls_run: "Kontroller kjørt",
    per_year: "Mapper og registreringer per år",
    no_years: "Ingen årstall å vise: ingen mapper eller registreringer med opprettetDato ble funnet.",
    year: "År (opprettetDato)",
    count: "Antall",
    figures: "Vis tallene",
    deviations: "Avvik",
    no_deviations: "Ingen avvik funnet.",
    control: "Kontroll",
    name: "Navn",
    errors_col: "Feil",
    warnings_col: "Advarsler",
    controls: "Kontrollene",
    kinds: ["Strukturkontroll", "Innholdsanalyse", "Innholdskontroll"],
    stats: "Statistikk",
    findings: "Funn",
    severity: "Alvorlighet",
    severities: ["Info", "Advarsel", "Feil"],
    message: "Melding",
    locations: "Steder",
    shown: ("Viser de første ", " av ", "."),
    element: "element",
    detail: "detalj",
};

const EN: Labels = Labels {
    lang: Lang::En,
    title: "samla — check report",
    extract: "Extract",
    version: "Noark version",
    creators: "Record creator(s)",
    period: "Period",
    schemas: "Schemas",
    profile: "Profile",
    tool: "Tool",
    time: "Time taken",
    unknown: "not stated",
    failed: "Failed",
    passed: "Passed",
    no_errors: "no errors",
    error: ("error", "errors"),
    warning: ("warning", "warnings"),
    and: "and",
    in_controls: "in",
    control_word: ("control", "controls"),
    hour: "h",
    summary: "Summary",
    files: "Files",
    size: "Size",
    mapper: "Mapper",
    registreringer: "Registreringer",
    dokumentobjekter: "Dokumentobjekter",
    controls_run: "Controls run",
    per_year: "Mapper and registreringer per year",
    no_years: "No years to show: no mapper or registreringer with opprettetDato were found.",
    year: "Year (opprettetDato)",
    count: "Count",
    figures: "Show the figures",
    deviations: "Deviations",
    no_deviations: "No deviations found.",
    control: "Control",
    name: "Name",
    errors_col: "Errors",
    warnings_col: "Warnings",
    controls: "The controls",
    kinds: ["structure", "analysis", "content"],
    stats: "Statistics",
    findings: "Findings",
    severity: "Severity",
    severities: ["Info", "Warning", "Error"],
    message: "Message",
    locations: "Locations",
    shown: ("Showing the first ", " of ", "."),
    element: "element",
    detail: "detail",
};

fn labels(lang: Lang) -> &'static Labels {
    match lang {
        Lang::Nb => &NB,
        Lang::En => &EN,
    }
}

impl Labels {
    fn profile_name(&self, profile: crate::profile::Profile) -> &'static str {
        match (self.lang, profile) {
            (Lang::Nb, crate::profile::Profile::Deposit) => "deponering (Arkades dom eller strengere)",
            (Lang::Nb, crate::profile::Profile::Migration) => {
                "migrering (åpne saker, journalstatuser, uferdige dokumenter og manglende journaler er advarsler)"
            }
            (_, crate::profile::Profile::Deposit) => "deposit (Arkade's verdict or a stricter one)",
            (_, crate::profile::Profile::Migration) => {
                "migration (open cases, journal statuses, unfinished documents and missing journals are warnings)"
            }
        }
    }

    fn kind(&self, kind: ControlKind) -> &'static str {
        match kind {
            ControlKind::Structure => self.kinds[0],
            ControlKind::Analysis => self.kinds[1],
            ControlKind::Content => self.kinds[2],
        }
    }

    fn severity(&self, severity: Severity) -> &'static str {
        match severity {
            Severity::Info => self.severities[0],
            Severity::Warning => self.severities[1],
            Severity::Error => self.severities[2],
        }
    }

    /// `n` and the word, singular or plural: "1 error", "2 warnings".
    fn counted(&self, n: u64, word: (&'static str, &'static str)) -> String {
        format!("{} {}", self.int(n), if n == 1 { word.0 } else { word.1 })
    }

    /// An integer with thousands separators: "12 345" (nb), "12,345" (en).
    fn int(&self, n: u64) -> String {
        self.lang.int(n)
    }

    /// `x` with one decimal, in the language's decimal sign.
    fn dec1(&self, x: f64) -> String {
        self.lang.dec1(x)
    }

    /// A size in bytes, human readable (decimal units): "512 B", "12.3 MB".
    fn bytes(&self, n: u64) -> String {
        const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
        if n < 1000 {
            return format!("{n} B");
        }
        let mut x = n as f64;
        let mut unit = 0;
        while (x >= 999.95 || unit == 0) && unit < UNITS.len() - 1 {
            x /= 1000.0;
            unit += 1;
        }
        format!("{} {}", self.dec1(x), UNITS[unit])
    }

    /// A duration: "0.4 s", "2 min 5 s", "1 h 2 min" ("1 t 2 min" in nb).
    fn duration(&self, seconds: f64) -> String {
        if !seconds.is_finite() || seconds < 0.0 {
            return self.unknown.to_string();
        }
        if seconds < 60.0 {
            return format!("{} s", self.dec1(seconds));
        }
        let s = seconds.round() as u64;
        if s < 3600 {
            format!("{} min {} s", s / 60, s % 60)
        } else {
            format!("{} {} {} min", s / 3600, self.hour, s % 3600 / 60)
        }
    }
}

/// Errors and warnings of a control, counted over its groups.
fn tally(control: &ControlReport) -> (u64, u64) {
    let sum = |sev: Severity| control.findings.iter().filter(|g| g.severity == sev).map(|g| g.count).sum();
    (sum(Severity::Error), sum(Severity::Warning))
}

fn severity_class(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

struct Page<'a> {
    report: &'a Report,
    lang: Lang,
    l: &'static Labels,
}

impl Page<'_> {
    fn write(&self, out: &mut String) -> fmt::Result {
        let (r, l) = (self.report, self.l);
        let s = &r.summary;
        page::open(out, self.lang, &format!("{}: {}", l.title, s.extract))?;
        self.header(out, s)?;
        writeln!(out, "<main>")?;
        self.summary(out, s)?;
        self.chart(out, s)?;
        self.deviations(out)?;
        writeln!(out, "<h2 id=\"controls\">{}</h2>", l.controls)?;
        for control in &r.controls {
            self.control(out, control)?;
        }
        writeln!(out, "</main>")?;
        page::close(out, self.lang, &r.tool)
    }

    fn header(&self, out: &mut String, s: &Summary) -> fmt::Result {
        let l = self.l;
        writeln!(out, "<header>")?;
        writeln!(out, "<h1>{}</h1>", l.title)?;
        let found = format!(
            "{} {} {} {} {}",
            l.counted(s.errors, l.error),
            l.and,
            l.counted(s.warnings, l.warning),
            l.in_controls,
            l.counted(s.controls_run as u64, l.control_word),
        );
        if s.errors > 0 {
            page::banner(out, Verdict::Fail, &format!("{}: {}", l.failed, l.counted(s.errors, l.error)), &found)?;
        } else {
            page::banner(out, Verdict::Pass, &format!("{}: {}", l.passed, l.no_errors), &found)?;
        }
        writeln!(out, "<dl class=\"meta card\">")?;
        let unknown = || format!("<span class=\"none\">{}</span>", l.unknown);
        writeln!(out, "<dt>{}</dt><dd><code>{}</code></dd>", l.extract, Esc(&s.extract))?;
        let version = s.version.as_deref().map_or_else(unknown, |v| Esc(v).to_string());
        writeln!(out, "<dt>{}</dt><dd>{version}</dd>", l.version)?;
        let creators = if s.creators.is_empty() {
            unknown()
        } else {
            s.creators.iter().map(|c| Esc(c).to_string()).collect::<Vec<_>>().join("<br>")
        };
        writeln!(out, "<dt>{}</dt><dd>{creators}</dd>", l.creators)?;
        let period = s.period.as_ref().map_or_else(unknown, |(a, b)| format!("{} – {}", Esc(a), Esc(b)));
        writeln!(out, "<dt>{}</dt><dd>{period}</dd>", l.period)?;
        if !s.schemas.is_empty() {
            writeln!(out, "<dt>{}</dt><dd>{}</dd>", l.schemas, Esc(&s.schemas))?;
        }
        writeln!(out, "<dt>{}</dt><dd>{}</dd>", l.profile, l.profile_name(s.profile))?;
        writeln!(out, "<dt>{}</dt><dd>{}</dd>", l.tool, Esc(&self.report.tool))?;
        writeln!(out, "<dt>{}</dt><dd>{}</dd>", l.time, l.duration(s.seconds))?;
        writeln!(out, "</dl>")?;
        writeln!(out, "</header>")
    }

    fn summary(&self, out: &mut String, s: &Summary) -> fmt::Result {
        let l = self.l;
        writeln!(out, "<section class=\"card\" id=\"summary\">")?;
        writeln!(out, "<h2>{}</h2>", l.summary)?;
        writeln!(out, "<table class=\"kv summary\"><tbody>")?;
        let rows: [(&str, String, Option<String>); 6] = [
            (l.files, l.int(s.files), None),
            (l.size, l.bytes(s.bytes), Some(format!("{} B", l.int(s.bytes)))),
            (l.mapper, l.int(s.mapper), None),
            (l.registreringer, l.int(s.registreringer), None),
            (l.dokumentobjekter, l.int(s.dokumentobjekter), None),
            (l.controls_run, l.int(s.controls_run as u64), None),
        ];
        for (label, value, title) in rows {
            match title {
                Some(t) => writeln!(out, "<tr><th>{label}</th><td class=\"num\" title=\"{t}\">{value}</td></tr>")?,
                None => writeln!(out, "<tr><th>{label}</th><td class=\"num\">{value}</td></tr>")?,
            }
        }
        writeln!(out, "</tbody></table>")?;
        writeln!(out, "</section>")
    }

    fn chart(&self, out: &mut String, s: &Summary) -> fmt::Result {
        let l = self.l;
        writeln!(out, "<section class=\"card\" id=\"per-year\">")?;
        writeln!(out, "<h2>{}</h2>", l.per_year)?;
        let mut years: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        for (year, n) in &s.mapper_per_year {
            let e = years.entry(year).or_default();
            e.0 = e.0.saturating_add(*n);
        }
        for (year, n) in &s.registreringer_per_year {
            let e = years.entry(year).or_default();
            e.1 = e.1.saturating_add(*n);
        }
        let max = years.values().map(|&(m, r)| m.max(r)).max().unwrap_or(0);
        if max == 0 {
            writeln!(out, "<p class=\"none\">{}</p>", l.no_years)?;
            return writeln!(out, "</section>");
        }
        bar_chart(out, l, &years, max)?;
        writeln!(out, "<details><summary>{}</summary>", l.figures)?;
        writeln!(out, "<table>")?;
        writeln!(
            out,
            "<thead><tr><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th></tr></thead><tbody>",
            l.year, l.mapper, l.registreringer
        )?;
        for (year, (m, r)) in &years {
            writeln!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                Esc(year),
                l.int(*m),
                l.int(*r)
            )?;
        }
        writeln!(out, "</tbody></table></details>")?;
        writeln!(out, "</section>")
    }

    fn deviations(&self, out: &mut String) -> fmt::Result {
        let l = self.l;
        writeln!(out, "<section class=\"card\" id=\"deviations\">")?;
        writeln!(out, "<h2>{}</h2>", l.deviations)?;
        let with: Vec<(&ControlReport, (u64, u64))> =
            self.report.controls.iter().map(|c| (c, tally(c))).filter(|(_, (e, w))| e + w > 0).collect();
        if with.is_empty() {
            writeln!(out, "<p class=\"none\">{}</p>", l.no_deviations)?;
            return writeln!(out, "</section>");
        }
        writeln!(out, "<table>")?;
        writeln!(
            out,
            "<thead><tr><th>{}</th><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th></tr></thead><tbody>",
            l.control, l.name, l.errors_col, l.warnings_col
        )?;
        for (c, (errors, warnings)) in with {
            let cell = |n: u64, sev: Severity| {
                if n == 0 {
                    "<span class=\"none\">0</span>".to_string()
                } else {
                    format!("<span class=\"sev {}\">{}</span>", severity_class(sev), l.int(n))
                }
            };
            writeln!(
                out,
                "<tr><td class=\"cid\"><a href=\"#{id}\">{id}</a></td><td><a href=\"#{id}\">{}</a></td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                Esc(c.name.get(self.lang)),
                cell(errors, Severity::Error),
                cell(warnings, Severity::Warning),
                id = Esc(c.id),
            )?;
        }
        writeln!(out, "</tbody></table>")?;
        writeln!(out, "</section>")
    }

    fn control(&self, out: &mut String, c: &ControlReport) -> fmt::Result {
        let l = self.l;
        let (errors, warnings) = tally(c);
        let class = if errors > 0 {
            " error"
        } else if warnings > 0 {
            " warning"
        } else {
            ""
        };
        writeln!(out, "<section class=\"card control{class}\" id=\"{}\">", Esc(c.id))?;
        write!(
            out,
            "<h3><span class=\"cid\">{}</span> <span>{}</span> <span class=\"kind\">{}</span>",
            Esc(c.id),
            Esc(c.name.get(self.lang)),
            l.kind(c.kind)
        )?;
        if errors > 0 {
            write!(out, " <span class=\"sev error\">{}</span>", l.counted(errors, l.error))?;
        }
        if warnings > 0 {
            write!(out, " <span class=\"sev warning\">{}</span>", l.counted(warnings, l.warning))?;
        }
        writeln!(out, "</h3>")?;
        if !c.stats.is_empty() {
            writeln!(out, "<h4>{}</h4>", l.stats)?;
            writeln!(out, "<table class=\"kv\"><tbody>")?;
            for stat in &c.stats {
                writeln!(
                    out,
                    "<tr><th>{}</th><td class=\"num\">{}</td></tr>",
                    Esc(stat.label.get(self.lang)),
                    Esc(&stat.value)
                )?;
            }
            writeln!(out, "</tbody></table>")?;
        }
        if c.findings.is_empty() {
            writeln!(out, "<p class=\"none\">{}</p>", l.no_deviations)?;
        } else {
            writeln!(out, "<h4>{}</h4>", l.findings)?;
            writeln!(out, "<table class=\"findings\">")?;
            writeln!(
                out,
                "<thead><tr><th>{}</th><th>{}</th><th class=\"num\">{}</th><th>{}</th></tr></thead><tbody>",
                l.severity, l.message, l.count, l.locations
            )?;
            for group in &c.findings {
                self.group(out, group)?;
            }
            writeln!(out, "</tbody></table>")?;
        }
        writeln!(out, "</section>")
    }

    fn group(&self, out: &mut String, g: &Group) -> fmt::Result {
        let l = self.l;
        write!(
            out,
            "<tr><td><span class=\"sev {}\">{}</span></td><td class=\"msg\">{}</td><td class=\"num\">{}</td><td>",
            severity_class(g.severity),
            l.severity(g.severity),
            Esc(g.message.get(self.lang)),
            l.int(g.count)
        )?;
        if g.locations.is_empty() {
            write!(out, "<span class=\"none\">—</span>")?;
        } else {
            writeln!(out, "<ol class=\"locs\">")?;
            for at in &g.locations {
                location(out, l, at)?;
            }
            write!(out, "</ol>")?;
            let shown = g.locations.len() as u64;
            if g.count > shown {
                let (a, b, c) = l.shown;
                write!(out, "<div class=\"more\">{a}{}{b}{}{c}</div>", l.int(shown), l.int(g.count))?;
            }
        }
        writeln!(out, "</td></tr>")
    }
}

fn location(out: &mut String, l: &Labels, at: &Location) -> fmt::Result {
    write!(out, "<li><code>{}", Esc(&at.file))?;
    if let Some(line) = at.line {
        write!(out, ":{line}")?;
        if let Some(column) = at.column {
            write!(out, ":{column}")?;
        }
    }
    write!(out, "</code>")?;
    if let Some(id) = &at.system_id {
        write!(out, " <span class=\"k\">systemID</span> <code>{}</code>", Esc(id))?;
    }
    if let Some(element) = &at.element {
        write!(out, "<div class=\"path\"><span class=\"k\">{}</span> <code>{}</code></div>", l.element, Esc(element))?;
    }
    if let Some(detail) = &at.detail {
        write!(out, "<div class=\"detail\"><span class=\"k\">{}</span> {}</div>", l.detail, Esc(detail))?;
    }
    writeln!(out, "</li>")
}

/// About five steps of 1, 2 or 5 times a power of ten up to at least `max`: (step, top).
fn axis(max: u64) -> (u64, u64) {
    let rough = max.div_ceil(5).max(1);
    let mut pow = 1u64;
    while pow.saturating_mul(10) <= rough {
        pow *= 10;
    }
    let step = [1, 2, 5, 10].iter().map(|m| m * pow).find(|&s| s >= rough).unwrap_or(10 * pow);
    (step, max.div_ceil(step) * step)
}

/// A grouped bar chart (mapper, registreringer) per year as inline SVG.
fn bar_chart(out: &mut String, l: &Labels, years: &BTreeMap<&str, (u64, u64)>, max: u64) -> fmt::Result {
    const W: f64 = 960.0;
    const H: f64 = 340.0;
    const LEFT: f64 = 72.0;
    const RIGHT: f64 = 16.0;
    const TOP: f64 = 44.0;
    const BOTTOM: f64 = 56.0;
    let (plot_w, plot_h) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
    let (step, top) = axis(max);
    let y = |v: u64| TOP + plot_h * (1.0 - v as f64 / top as f64);
    let n = years.len();
    let group_w = plot_w / n as f64;
    let bar_w = (group_w * 0.36).min(40.0);
    let label_every = n.div_ceil(16);
    let values = n <= 10;

    writeln!(out, "<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\">", l.per_year)?;
    // Legend.
    writeln!(out, "<rect class=\"m\" x=\"{LEFT}\" y=\"12\" width=\"14\" height=\"14\" rx=\"2\"/>")?;
    writeln!(out, "<text class=\"legend\" x=\"{}\" y=\"24\">{}</text>", LEFT + 20.0, l.mapper)?;
    writeln!(out, "<rect class=\"r\" x=\"{}\" y=\"12\" width=\"14\" height=\"14\" rx=\"2\"/>", LEFT + 110.0)?;
    writeln!(out, "<text class=\"legend\" x=\"{}\" y=\"24\">{}</text>", LEFT + 130.0, l.registreringer)?;
    // Grid and the y axis.
    let mut tick = 0;
    while tick <= top {
        let ty = y(tick);
        writeln!(out, "<line class=\"grid\" x1=\"{LEFT}\" y1=\"{ty:.1}\" x2=\"{}\" y2=\"{ty:.1}\"/>", W - RIGHT)?;
        writeln!(out, "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>", LEFT - 8.0, ty + 4.0, l.int(tick))?;
        tick += step;
    }
    writeln!(out, "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{:.1}\"/>", TOP + plot_h)?;
    writeln!(
        out,
        "<text class=\"title\" transform=\"translate(16 {:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
        TOP + plot_h / 2.0,
        l.count
    )?;
    // Bars.
    for (i, (year, (m, r))) in years.iter().enumerate() {
        let cx = LEFT + group_w * (i as f64 + 0.5);
        for (value, class, x, what) in [(*m, "m", cx - bar_w - 1.0, l.mapper), (*r, "r", cx + 1.0, l.registreringer)] {
            let top_y = y(value);
            let height = TOP + plot_h - top_y;
            writeln!(
                out,
                "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{top_y:.1}\" width=\"{bar_w:.1}\" height=\"{height:.1}\">\
                 <title>{}: {} {}</title></rect>",
                Esc(year),
                l.int(value),
                what.to_lowercase()
            )?;
            if values && value > 0 {
                writeln!(
                    out,
                    "<text class=\"val\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                    x + bar_w / 2.0,
                    top_y - 4.0,
                    l.int(value)
                )?;
            }
        }
        if i % label_every == 0 {
            writeln!(
                out,
                "<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                TOP + plot_h + 18.0,
                Esc(year)
            )?;
        }
    }
    writeln!(
        out,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{0:.1}\" x2=\"{1}\" y2=\"{0:.1}\"/>",
        TOP + plot_h,
        W - RIGHT
    )?;
    writeln!(
        out,
        "<text class=\"title\" x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
        LEFT + plot_w / 2.0,
        H - 10.0,
        l.year
    )?;
    writeln!(out, "</svg>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(NB.int(12_345_678), "12\u{a0}345\u{a0}678");
        assert_eq!(EN.int(1000), "1,000");
        assert_eq!(EN.int(999), "999");
        assert_eq!(EN.bytes(512), "512 B");
        assert_eq!(EN.bytes(12_345_678), "12.3 MB");
        assert_eq!(NB.bytes(12_345_678), "12,3 MB");
        assert_eq!(EN.bytes(999_999), "1.0 MB");
        assert_eq!(EN.duration(0.42), "0.4 s");
        assert_eq!(EN.duration(125.0), "2 min 5 s");
        assert_eq!(NB.duration(3725.0), "1 t 2 min");
        assert_eq!(EN.duration(3725.0), "1 h 2 min");
    }

    #[test]
    fn axis_steps() {
        assert_eq!(axis(1), (1, 1));
        assert_eq!(axis(7), (2, 8));
        assert_eq!(axis(100), (20, 100));
        assert_eq!(axis(12_345), (5000, 15_000));
    }
}
