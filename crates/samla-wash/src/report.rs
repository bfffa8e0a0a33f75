//! The washing report: counts per rule and class, flags, and the reconciliation
//! `in = matched + unmatched + rejected`, as JSON and as one self-contained HTML page.

use std::collections::BTreeMap;
use std::fmt::{self, Write};

use serde::Serialize;

use crate::job::Entity;

/// How a record ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Class A or B, applied.
    Matched,
    /// Class C: in the list for manual work.
    Manual,
    /// No candidate.
    Unmatched,
    /// Not matchable (no identifier and no name).
    Rejected,
}

/// A snapshot as the report names it.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotReport {
    /// The snapshot's ID.
    pub id: String,
    /// Which register.
    pub register: String,
    /// Its date.
    pub as_of: String,
    /// Rows loaded.
    pub rows: usize,
}

/// What happened to one input table.
#[derive(Debug, Clone, Serialize)]
pub struct InputReport {
    /// The input's name.
    pub name: String,
    /// person, organisation or address.
    pub entity: String,
    /// Records in.
    pub records_in: usize,
    /// Matched, class A or B (applied).
    pub matched: usize,
    /// Not matched: class C (in manual.csv) and no candidate.
    pub unmatched: usize,
    /// Of the unmatched: class C, left for manual work.
    pub manual: usize,
    /// Not matchable at all.
    pub rejected: usize,
    /// Whether `records_in = matched + unmatched + rejected` holds.
    pub reconciled: bool,
    /// Counts per rule, then per class.
    pub by_rule: BTreeMap<String, BTreeMap<String, usize>>,
    /// Counts per class.
    pub by_class: BTreeMap<String, usize>,
    /// Counts per flag (doed, utflyttet, krr-reservert, adressebeskyttelse, konkurs, …).
    pub flags: BTreeMap<String, usize>,
    /// Protected addresses withheld from every output.
    pub addresses_withheld: usize,
    /// Some records for manual work, identifiers masked unless revealed.
    pub examples: Vec<String>,
}

impl InputReport {
    /// An empty report for `records_in` records.
    pub fn new(name: &str, entity: Entity, records_in: usize) -> InputReport {
        InputReport {
            name: name.to_string(),
            entity: format!("{entity:?}").to_lowercase(),
            records_in,
            matched: 0,
            unmatched: 0,
            manual: 0,
            rejected: 0,
            reconciled: records_in == 0,
            by_rule: BTreeMap::new(),
            by_class: BTreeMap::new(),
            flags: BTreeMap::new(),
            addresses_withheld: 0,
            examples: Vec::new(),
        }
    }

    /// Counts one record.
    pub fn count(&mut self, status: Status, rule: Option<&str>, class: Option<&str>, flags: &[&str]) {
        match status {
            Status::Matched => self.matched += 1,
            Status::Manual => {
                self.unmatched += 1;
                self.manual += 1;
            }
            Status::Unmatched => self.unmatched += 1,
            Status::Rejected => self.rejected += 1,
        }
        if let (Some(rule), Some(class)) = (rule, class) {
            *self.by_rule.entry(rule.to_string()).or_default().entry(class.to_string()).or_default() += 1;
            *self.by_class.entry(class.to_string()).or_default() += 1;
        }
        for f in flags {
            *self.flags.entry(f.to_string()).or_default() += 1;
            if *f == "adressebeskyttelse" {
                self.addresses_withheld += 1;
            }
        }
        self.reconciled = self.records_in == self.matched + self.unmatched + self.rejected;
    }
}

impl InputReport {
    /// Adds the counts of another part of the same input; examples up to `examples`.
    pub fn absorb(&mut self, other: InputReport, examples: usize) {
        self.records_in += other.records_in;
        self.matched += other.matched;
        self.unmatched += other.unmatched;
        self.manual += other.manual;
        self.rejected += other.rejected;
        for (rule, classes) in other.by_rule {
            let here = self.by_rule.entry(rule).or_default();
            for (class, n) in classes {
                *here.entry(class).or_default() += n;
            }
        }
        for (class, n) in other.by_class {
            *self.by_class.entry(class).or_default() += n;
        }
        for (flag, n) in other.flags {
            *self.flags.entry(flag).or_default() += n;
        }
        self.addresses_withheld += other.addresses_withheld;
        let room = examples.saturating_sub(self.examples.len());
        self.examples.extend(other.examples.into_iter().take(room));
        self.reconciled = self.records_in == self.matched + self.unmatched + self.rejected;
    }
}

/// The whole job's report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The job's name.
    pub job: String,
    /// The snapshots used.
    pub snapshots: Vec<SnapshotReport>,
    /// One entry per input.
    pub inputs: Vec<InputReport>,
    /// Rows in ledger.csv.
    pub ledger_rows: usize,
    /// Rows in manual.csv (one per candidate).
    pub manual_rows: usize,
    /// Fødselsnummer masked in this report.
    pub ids_masked: bool,
    /// Wall time, for the terminal only: the report files repeat byte for byte on a rerun.
    #[serde(skip)]
    pub seconds: f64,
}

impl Report {
    /// Every input reconciles.
    pub fn reconciled(&self) -> bool {
        self.inputs.iter().all(|i| i.reconciled)
    }
}

use samla_report::esc;
use samla_report::page::{self, Lang, Verdict};

/// The report as one self-contained HTML page in `lang`: the verdict, the snapshots, and per
/// input where its records went and its matches by rule and class.
pub fn html(r: &Report, lang: Lang) -> String {
    let mut h = String::with_capacity(32 * 1024);
    write_html(&mut h, r, lang).expect("writing to a String cannot fail");
    h
}

fn write_html(h: &mut String, r: &Report, lang: Lang) -> fmt::Result {
    let l = |nb: &'static str, en: &'static str| lang.pick(nb, en);
    let title = format!("{}: {}", l("Vask", "Wash"), r.job);
    page::open(h, lang, &title)?;
    writeln!(h, "<header>")?;
    writeln!(h, "<h1>{}</h1>", esc(&title))?;
    let records: usize = r.inputs.iter().map(|i| i.records_in).sum();
    let matched: usize = r.inputs.iter().map(|i| i.matched).sum();
    let manual: usize = r.inputs.iter().map(|i| i.manual).sum();
    let what = lang.pick(
        format!("{} av {} poster koblet", lang.int(matched as u64), lang.int(records as u64)),
        format!("{} of {} records matched", lang.int(matched as u64), lang.int(records as u64)),
    );
    if !r.reconciled() {
        let broken: Vec<&str> = r.inputs.iter().filter(|i| !i.reconciled).map(|i| i.name.as_str()).collect();
        page::banner(
            h,
            Verdict::Fail,
            l("Avstemmingen stemmer ikke", "The reconciliation does not hold"),
            &lang.pick(
                format!("inn ≠ koblet + ikke koblet + avvist for {}", broken.join(", ")),
                format!("in ≠ matched + unmatched + rejected for {}", broken.join(", ")),
            ),
        )?;
    } else if manual > 0 {
        page::banner(
            h,
            Verdict::Warn,
            l("Vasket, med poster til manuell behandling", "Washed, with records for manual work"),
            &lang.pick(
                format!("{what}; {} til manuell behandling (manual.csv)", lang.int(manual as u64)),
                format!("{what}; {} for manual work (manual.csv)", lang.int(manual as u64)),
            ),
        )?;
    } else {
        page::banner(
            h,
            Verdict::Pass,
            l("Vasket: alle poster er gjort rede for", "Washed: every record is accounted for"),
            &what,
        )?;
    }
    writeln!(h, "</header>")?;
    writeln!(h, "<main>")?;
    writeln!(h, "<section class=\"card\" id=\"snapshots\">")?;
    writeln!(h, "<h2>{}</h2>", l("Registerutdrag", "Register snapshots"))?;
    writeln!(
        h,
        "<table><thead><tr><th>ID</th><th>{}</th><th>{}</th><th class=\"num\">{}</th></tr></thead><tbody>",
        l("register", "register"),
        l("per", "as of"),
        l("rader", "rows")
    )?;
    for s in &r.snapshots {
        writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            esc(&s.id),
            esc(&s.register),
            esc(&s.as_of),
            lang.int(s.rows as u64)
        )?;
    }
    writeln!(h, "</tbody></table>")?;
    writeln!(h, "</section>")?;

    let outcomes = lang.pick(
        ["koblet", "til manuell behandling", "ikke koblet", "avvist"],
        ["matched", "for manual work", "not matched", "rejected"],
    );
    for i in &r.inputs {
        writeln!(h, "<section class=\"card\">")?;
        writeln!(h, "<h2>{} ({})</h2>", esc(&i.name), esc(&i.entity))?;
        let bar = page::Bar {
            label: lang.pick("alle poster", "all records").to_string(),
            values: vec![i.matched as u64, i.manual as u64, (i.unmatched - i.manual) as u64, i.rejected as u64],
        };
        page::stacked_bars(h, lang, &outcomes, &[bar])?;
        writeln!(
            h,
            "<p{}>{}</p>",
            if i.reconciled { "" } else { " class=\"bad\"" },
            lang.pick(
                format!(
                    "inn {} = koblet {} + ikke koblet {} (hvorav til manuell behandling {}) + avvist {}: {}",
                    lang.int(i.records_in as u64),
                    lang.int(i.matched as u64),
                    lang.int(i.unmatched as u64),
                    lang.int(i.manual as u64),
                    lang.int(i.rejected as u64),
                    if i.reconciled { "stemmer" } else { "STEMMER IKKE" }
                ),
                format!(
                    "in {} = matched {} + not matched {} (of which for manual work {}) + rejected {}: {}",
                    lang.int(i.records_in as u64),
                    lang.int(i.matched as u64),
                    lang.int(i.unmatched as u64),
                    lang.int(i.manual as u64),
                    lang.int(i.rejected as u64),
                    if i.reconciled { "holds" } else { "DOES NOT HOLD" }
                )
            )
        )?;
        if !i.by_rule.is_empty() {
            writeln!(h, "<h3>{}</h3>", l("Koblinger etter regel og klasse", "Matches by rule and class"))?;
            let classes = lang.pick(
                ["A (sikker)", "B (sannsynlig)", "C (til manuell behandling)"],
                ["A (certain)", "B (likely)", "C (for manual work)"],
            );
            let bars: Vec<page::Bar> = i
                .by_rule
                .iter()
                .map(|(rule, by_class)| page::Bar {
                    label: rule.clone(),
                    values: ["A", "B", "C"].iter().map(|c| by_class.get(*c).copied().unwrap_or(0) as u64).collect(),
                })
                .collect();
            page::stacked_bars(h, lang, &classes, &bars)?;
        }
        if !i.flags.is_empty() {
            writeln!(
                h,
                "<table class=\"kv\"><thead><tr><th>{}</th><th class=\"num\">{}</th></tr></thead><tbody>",
                l("flagg", "flag"),
                l("antall", "count")
            )?;
            for (f, n) in &i.flags {
                writeln!(h, "<tr><th>{}</th><td class=\"num\">{}</td></tr>", esc(f), lang.int(*n as u64))?;
            }
            writeln!(h, "</tbody></table>")?;
        }
        if i.addresses_withheld > 0 {
            writeln!(
                h,
                "<p>{}</p>",
                lang.pick(
                    format!(
                        "{} adresser er under adressebeskyttelse og er ikke skrevet i noen utdata.",
                        lang.int(i.addresses_withheld as u64)
                    ),
                    format!(
                        "{} addresses are under adressebeskyttelse and are written in no output.",
                        lang.int(i.addresses_withheld as u64)
                    )
                )
            )?;
        }
        if !i.examples.is_empty() {
            writeln!(
                h,
                "<details><summary>{}</summary><ul>",
                l("Eksempler til manuell behandling", "Examples for manual work")
            )?;
            for e in &i.examples {
                writeln!(h, "<li>{}</li>", esc(e))?;
            }
            writeln!(h, "</ul></details>")?;
        }
        writeln!(h, "</section>")?;
    }
    writeln!(h, "<section class=\"card\" id=\"files\">")?;
    writeln!(h, "<h2>{}</h2>", l("Filer", "Files"))?;
    writeln!(
        h,
        "<p>{}</p>",
        lang.pick(
            format!(
                "Endringslogg: {} rader (ledger.csv). Manuell behandling: {} kandidatrader (manual.csv). Fødselsnummer {}.",
                lang.int(r.ledger_rows as u64),
                lang.int(r.manual_rows as u64),
                if r.ids_masked { "er maskert i denne rapporten" } else { "er vist i sin helhet (--reveal-ids)" }
            ),
            format!(
                "Ledger: {} rows (ledger.csv). Manual work: {} candidate rows (manual.csv). Fødselsnummer {}.",
                lang.int(r.ledger_rows as u64),
                lang.int(r.manual_rows as u64),
                if r.ids_masked { "are masked in this report" } else { "are shown whole (--reveal-ids)" }
            )
        )
    )?;
    // The working files carry whole identifiers by design: the archivist needs them to decide.
    writeln!(
        h,
        "<p><strong>{}</strong></p>",
        l(
            "Arbeidsfiler med personopplysninger: ledger.csv, manual.csv og de vaskede tabellene inneholder hele fødselsnummer. Gi dem samme tilgangsstyring som registerutdragene, og slett dem når vaskingen er godkjent.",
            "Working files with personal data: ledger.csv, manual.csv and the washed tables hold whole fødselsnummer. Give them the same access control as the register snapshots, and delete them once the wash is approved."
        )
    )?;
    writeln!(h, "</section>")?;
    writeln!(h, "</main>")?;
    page::close(h, lang, concat!("samla ", env!("CARGO_PKG_VERSION")))
}
