//! The washing report: counts per rule and class, flags, and the reconciliation
//! `in = matched + unmatched + rejected`, as JSON and as one self-contained HTML page.

use std::collections::BTreeMap;

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

/// The report as one self-contained HTML page.
pub fn html(r: &Report) -> String {
    let mut h = String::new();
    h.push_str("<!doctype html><html lang=\"nb\"><head><meta charset=\"utf-8\"><title>samla wash: ");
    h.push_str(&esc(&r.job));
    h.push_str("</title><style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}td.n{text-align:right}.ok{color:#060}.bad{color:#a00}</style></head><body>");
    h.push_str(&format!("<h1>Vask: {}</h1>", esc(&r.job)));
    h.push_str("<h2>Registerutdrag</h2><table><tr><th>ID</th><th>register</th><th>per</th><th>rader</th></tr>");
    for s in &r.snapshots {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=n>{}</td></tr>",
            esc(&s.id),
            esc(&s.register),
            esc(&s.as_of),
            s.rows
        ));
    }
    h.push_str("</table>");
    for i in &r.inputs {
        let (class, word) = if i.reconciled { ("ok", "stemmer") } else { ("bad", "STEMMER IKKE") };
        h.push_str(&format!("<h2>{} ({})</h2>", esc(&i.name), esc(&i.entity)));
        h.push_str(&format!(
            "<p class={class}>inn {} = koblet {} + ikke koblet {} (hvorav til manuell behandling {}) + avvist {}: {word}</p>",
            i.records_in, i.matched, i.unmatched, i.manual, i.rejected
        ));
        h.push_str("<table><tr><th>regel</th><th>A</th><th>B</th><th>C</th></tr>");
        for (rule, classes) in &i.by_rule {
            let n = |c: &str| classes.get(c).copied().unwrap_or(0);
            h.push_str(&format!(
                "<tr><td>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
                esc(rule),
                n("A"),
                n("B"),
                n("C")
            ));
        }
        h.push_str("</table>");
        if !i.flags.is_empty() {
            h.push_str("<table><tr><th>flagg</th><th>antall</th></tr>");
            for (f, n) in &i.flags {
                h.push_str(&format!("<tr><td>{}</td><td class=n>{n}</td></tr>", esc(f)));
            }
            h.push_str("</table>");
        }
        if i.addresses_withheld > 0 {
            h.push_str(&format!(
                "<p>{} adresser er under adressebeskyttelse og er ikke skrevet i noen utdata.</p>",
                i.addresses_withheld
            ));
        }
        if !i.examples.is_empty() {
            h.push_str("<details><summary>Eksempler til manuell behandling</summary><ul>");
            for e in &i.examples {
                h.push_str(&format!("<li>{}</li>", esc(e)));
            }
            h.push_str("</ul></details>");
        }
    }
    h.push_str(&format!(
        "<p>Endringslogg: {} rader (ledger.csv). Manuell behandling: {} kandidatrader (manual.csv). Fødselsnummer {}.</p>",
        r.ledger_rows,
        r.manual_rows,
        if r.ids_masked { "er maskert i denne rapporten" } else { "er vist i sin helhet (--reveal-ids)" }
    ));
    // The working files carry whole identifiers by design: the archivist needs them to decide.
    h.push_str(
        "<p><strong>Arbeidsfiler med personopplysninger:</strong> ledger.csv, manual.csv og de vaskede tabellene \
         inneholder hele fødselsnummer. Gi dem samme tilgangsstyring som registerutdragene, og slett dem når \
         vaskingen er godkjent.</p>",
    );
    h.push_str("</body></html>\n");
    h
}
