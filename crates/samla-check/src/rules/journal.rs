//! The journalposter: N5.59 and N5.60, arkivstruktur.xml against loependeJournal.xml and
//! offentligJournal.xml (read beside the pass), and samla's S.06 (journaldato inside the
//! arkivdel's arkivperiode) and S.08 (incoming journalposter without avskrivning).

use std::collections::HashSet;

use samla_noark5::addml::Arkivuttrekk;
use samla_noark5::model::Date;
use samla_noark5::stream::{Event, Split, UnitReader};
use samla_noark5::{Element, Extract};

use super::references::{References, id_key};
use super::{Cx, Rules};
use crate::controls::ControlId::{N5_59, N5_60, S_06, S_08};
use crate::findings::{Findings, Location, Severity, Text};

/// The journalposter of arkivstruktur.xml, as the pass meets them.
#[derive(Debug, Default)]
pub struct Journalposter {
    /// How many.
    pub count: u64,
    /// Sum of the keys of their systemIDs: equal sums and counts mean the journals hold the
    /// same journalposter, without keeping a set of them.
    pub fingerprint: u128,
    /// The first and last journaldato (placeholder dates such as 1900-01-01 left out).
    pub journaldato: Option<(Date, Date)>,
}

impl Rules for Journalposter {
    fn element(&mut self, cx: &Cx, e: &Element, f: &mut Findings) {
        if cx.name != "registrering" || e.xsi_type() != Some("journalpost") {
            return;
        }
        self.count += 1;
        if let Some(id) = e.system_id() {
            self.fingerprint = self.fingerprint.wrapping_add(id_key(id));
        }
        if let Some(Ok(d)) = e.date("journaldato") {
            if d.year > 1900 || (d.month, d.day) != (1, 1) {
                self.journaldato = Some(self.journaldato.map_or((d, d), |(a, b)| (a.min(d), b.max(d))));
            }
            if let Some((start, end)) = cx.arkivdel.period
                && (d < start || d > end)
            {
                f.add(
                    S_06,
                    Severity::Warning,
                    cx.at(e).with_detail(format!("{d} ∉ {start}–{end}")),
                    Text::new(
                        "Journaldatoen ligger utenfor arkivdelens arkivperiode",
                        "The journaldato lies outside the arkivdel's arkivperiode",
                    ),
                );
            }
        }
        let jptype = e.value("journalposttype").unwrap_or("").trim();
        if jptype == "Inngående dokument" && e.child("avskrivning").is_none() {
            f.add(
                S_08,
                Severity::Warning,
                cx.at(e),
                Text::new("Inngående dokument uten avskrivning", "Incoming document without avskrivning"),
            );
        }
    }
}

/// What a journal file holds, read on its own so that it can run beside the content pass.
pub struct Journal {
    records: u64,
    header: Option<Element>,
    /// Sum of the keys of the journalposter's systemIDs (see [`Journalposter`]).
    fingerprint: u128,
}

fn read_journal(extract: &Extract, name: &str, f: &mut Findings) -> Option<Journal> {
    extract.find(name)?;
    let mut j = Journal { records: 0, header: None, fingerprint: 0 };
    let source = match extract.open_file(name) {
        Ok(s) => s,
        Err(e) => {
            f.add(
                N5_59,
                Severity::Error,
                Location::file(name).with_detail(e.to_string()),
                Text::new("Journalen kan ikke leses", "The journal cannot be read"),
            );
            return None;
        }
    };
    let mut reader = UnitReader::new(source, name, Split::JOURNAL);
    loop {
        match reader.next_event() {
            Ok(Some(Event::Unit(u))) if u.local_name() == "journalhode" => j.header = Some(u),
            Ok(Some(Event::Unit(u))) if u.local_name() == "journalregistrering" => {
                j.records += 1;
                if let Some(id) = u.child("journalpost").and_then(Element::system_id) {
                    j.fingerprint = j.fingerprint.wrapping_add(id_key(id));
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => return Some(j),
            Err(e) => {
                f.add(
                    N5_59,
                    Severity::Error,
                    Location::of_error(name, &e),
                    Text::new("Journalen kan ikke leses ferdig", "The journal cannot be read to the end"),
                );
                return Some(j);
            }
        }
    }
}

/// Names the journalposter that differ between arkivstruktur.xml and `journal`. Only run
/// when the counts or fingerprints differ: it reads the journal again for its systemIDs,
/// and arkivstruktur.xml a second time, rather than keeping sets through the main pass.
fn differences(extract: &Extract, journal: &str, references: &References, severity: Severity, f: &mut Findings) {
    let mut keys = HashSet::new();
    let Ok(source) = extract.open_file(journal) else { return };
    let mut reader = UnitReader::new(source, journal, Split::JOURNAL);
    while let Ok(Some(event)) = reader.next_event() {
        let Event::Unit(u) = event else { continue };
        let Some(jp) = u.child("journalpost") else { continue };
        let Some(id) = jp.system_id() else { continue };
        keys.insert(id_key(id));
        if !references.has_id(id) {
            let at = Location::at(journal, jp.pos).with_system_id(id);
            f.add(
                N5_59,
                severity,
                at,
                Text::new(
                    "Journalen har en journalpost som ikke finnes i arkivstrukturen",
                    "The journal holds a journalpost that arkivstruktur.xml does not",
                ),
            );
        }
    }
    let Ok(source) = extract.open_file("arkivstruktur.xml") else { return };
    let mut reader = UnitReader::parallel(source, "arkivstruktur.xml", Split::ARKIVSTRUKTUR);
    while let Ok(Some(event)) = reader.next_event() {
        let Event::Unit(unit) = event else { continue };
        for r in
            unit.noark_descendants().filter(|e| e.local_name() == "registrering" && e.xsi_type() == Some("journalpost"))
        {
            let Some(id) = r.system_id() else { continue };
            if !keys.contains(&id_key(id)) {
                let at = Location::at("arkivstruktur.xml", r.pos).with_system_id(id);
                f.add(
                    N5_59,
                    severity,
                    at.with_detail(journal.to_string()),
                    Text::new("Journalposten mangler i journalen", "The journalpost is missing from the journal"),
                );
            }
        }
    }
}

/// Reads loependeJournal.xml and offentligJournal.xml (None where a file is missing).
pub fn read_journals(extract: &Extract, f: &mut Findings) -> Vec<(&'static str, Option<Journal>)> {
    ["loependeJournal.xml", "offentligJournal.xml"]
        .into_iter()
        .map(|name| (name, read_journal(extract, name, f)))
        .collect()
}

/// N5.59 and N5.60: the journals against arkivstruktur.xml.
pub fn journals(
    extract: &Extract,
    uttrekk: Option<&Arkivuttrekk>,
    read: Vec<(&'static str, Option<Journal>)>,
    posts: &Journalposter,
    references: &References,
    profile: crate::profile::Profile,
    f: &mut Findings,
) {
    let sharp = uttrekk.is_some_and(|u| {
        u.info("periode.inngaaendeSkille").is_some_and(|v| v.trim().eq_ignore_ascii_case("skarpt"))
            && u.info("periode.utgaaendeSkille").is_some_and(|v| v.trim().eq_ignore_ascii_case("skarpt"))
    });
    let in_structure = posts.count;
    f.stat(N5_59, Text::new("Journalposter i arkivstrukturen", "Journalposter in arkivstruktur.xml"), in_structure);
    // As Arkade: the two journals must hold as many journalposter as each other, by what
    // their heads state and (samla) by what they hold.
    let both: Vec<&Journal> = read.iter().filter_map(|(_, j)| j.as_ref()).collect();
    if let [a, b] = both[..] {
        let stated =
            |j: &Journal| j.header.as_ref().and_then(|h| h.value("antallJournalposter")).map(|n| n.trim().to_string());
        let (sa, sb) = (stated(a), stated(b));
        if a.records != b.records || (sa.is_some() && sb.is_some() && sa != sb) {
            f.add(
                N5_59,
                Severity::Error,
                Location::file("loependeJournal.xml").with_detail(format!(
                    "loependeJournal {} ({}), offentligJournal {} ({})",
                    a.records,
                    sa.as_deref().unwrap_or("–"),
                    b.records,
                    sb.as_deref().unwrap_or("–")
                )),
                Text::new(
                    "Løpende og offentlig journal har ikke like mange journalposter (funnet, oppgitt)",
                    "loependeJournal and offentligJournal do not hold as many journalposter (found, stated)",
                ),
            );
        }
    }
    // N5.60 as Arkade: the journals' periods, from their heads, each with its journal.
    let periods: Vec<(&str, Option<(Date, Date)>)> = read
        .iter()
        .filter_map(|(name, j)| Some((*name, j.as_ref()?)))
        .map(|(name, j)| {
            let period =
                j.header.as_ref().and_then(|h| match (h.date("journalStartDato"), h.date("journalSluttDato")) {
                    (Some(Ok(a)), Some(Ok(b))) => Some((a, b)),
                    _ => None,
                });
            (name, period)
        })
        .collect();
    if let [(_, Some(a)), (_, Some(b))] = periods[..]
        && a != b
    {
        f.add(
            N5_60,
            Severity::Error,
            Location::file("loependeJournal.xml").with_detail(format!("{} – {} ≠ {} – {}", a.0, a.1, b.0, b.1)),
            Text::new(
                "Løpende og offentlig journal har ikke samme periode",
                "loependeJournal and offentligJournal do not cover the same period",
            ),
        );
    }
    if !periods.is_empty() {
        match posts.journaldato {
            None => f.add(
                N5_60,
                Severity::Error,
                Location::file("arkivstruktur.xml"),
                Text::new("Ingen journaldato i arkivstrukturen", "No journaldato in arkivstruktur.xml"),
            ),
            Some(found) if sharp => {
                for (name, period) in &periods {
                    if let Some(p) = period
                        && *p != found
                    {
                        f.add(
                            N5_60,
                            Severity::Error,
                            Location::file(*name).with_detail(format!("{} – {} ≠ {} – {}", p.0, p.1, found.0, found.1)),
                            Text::new(
                                "Med skarpt periodeskille skal journalens periode være første til siste journaldato i arkivstrukturen",
                                "Under sharp period separation the journal's period must be the first to last journaldato in arkivstruktur.xml",
                            ),
                        );
                    }
                }
            }
            Some(_) => {}
        }
    }
    for (name, journal) in read {
        let Some(j) = journal else {
            // As Arkade: a journal that cannot be read is an error, for a deposit; an extract
            // converted for a migration has no journals to carry.
            let severity = profile.depot_only();
            f.add(
                N5_59,
                severity,
                Location::file(name),
                Text::new(
                    "Journalen finnes ikke; antallet journalposter kan ikke kontrolleres",
                    "The journal does not exist; the number of journalposter cannot be checked",
                ),
            );
            f.add(
                N5_60,
                severity,
                Location::file(name),
                Text::new(
                    "Journalen finnes ikke; start- og sluttdatoer kan ikke kontrolleres",
                    "The journal does not exist; the start and end dates cannot be checked",
                ),
            );
            continue;
        };
        f.stat(N5_59, Text::new(format!("Journalposter i {name}"), format!("Journalposter in {name}")), j.records);
        let severity = if sharp { Severity::Error } else { Severity::Warning };
        if j.records != in_structure {
            f.add(
                N5_59,
                severity,
                Location::file(name).with_detail(format!("{} ≠ {in_structure}", j.records)),
                Text::new(
                    "Antall journalposter i journalen stemmer ikke med arkivstrukturen",
                    "The number of journalposter in the journal does not match arkivstruktur.xml",
                ),
            );
        }
        if j.records != in_structure || j.fingerprint != posts.fingerprint {
            differences(extract, name, references, severity, f);
        }
        let header = j.header.as_ref();
        if let Some(n) = header.and_then(|h| h.value("antallJournalposter"))
            && n.trim().parse::<u64>().ok() != Some(j.records)
        {
            f.add(
                N5_59,
                Severity::Error,
                Location::file(name).with_detail(format!("antallJournalposter {} ≠ {}", n.trim(), j.records)),
                Text::new(
                    "antallJournalposter i journalhodet stemmer ikke med journalen",
                    "antallJournalposter in the journalhode does not match the journal",
                ),
            );
        }
        // N5.60: the journal's period against the journaldatoer in arkivstruktur.xml.
        let dates = header.map(|h| (h.date("journalStartDato"), h.date("journalSluttDato")));
        if let (Some((Some(Ok(start)), Some(Ok(end)))), Some((first, last))) = (dates, posts.journaldato) {
            f.stat(N5_60, Text::new(format!("{name}: periode"), format!("{name}: period")), format!("{start} – {end}"));
            if first < start || last > end {
                f.add(
                    N5_60,
                    Severity::Warning,
                    Location::file(name).with_detail(format!("{first} – {last} ∉ {start} – {end}")),
                    Text::new(
                        "Journaldatoer i arkivstrukturen ligger utenfor journalens periode",
                        "Journaldatoer in arkivstruktur.xml lie outside the journal's period",
                    ),
                );
            }
        }
    }
    if let Some((first, last)) = posts.journaldato {
        f.stat(
            N5_60,
            Text::new(
                "Første og siste journaldato i arkivstrukturen",
                "First and last journaldato in arkivstruktur.xml",
            ),
            format!("{first} – {last}"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::controls::ControlId::{N5_59, S_06, S_08};
    use crate::findings::Severity::Warning;
    use crate::rules::testing::{arkivstruktur, check, findings, stats};

    #[test]
    fn a_journaldato_outside_the_period_and_incoming_without_avskrivning() {
        let xml = arkivstruktur(
            "<mappe><systemID>m1</systemID><registrering xsi:type=\"journalpost\"><systemID>r1</systemID>\
             <journalposttype>Inngående dokument</journalposttype><journaldato>2021-03-04</journaldato>\
             </registrering></mappe>",
        );
        let report = check(&[("arkivstruktur.xml", &xml)]);
        let outside = "The journaldato lies outside the arkivdel's arkivperiode";
        assert_eq!(findings(&report, S_06), [(Warning, outside.into(), 1)]);
        assert_eq!(findings(&report, S_08), [(Warning, "Incoming document without avskrivning".into(), 1)]);
        let posts = stats(&report, N5_59);
        assert_eq!(posts[0], ("Journalposter in arkivstruktur.xml".to_string(), "1".to_string()));
    }
}
