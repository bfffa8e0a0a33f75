//! The endringslogg: N5.61, its endringer counted against arkivuttrekk.xml, and N5.62, each
//! endring's referanseArkivenhet against the systemIDs of arkivstruktur.xml.

use samla_noark5::Extract;
use samla_noark5::addml::Arkivuttrekk;
use samla_noark5::stream::{Event, Split, UnitReader};

use super::references::References;
use super::structure::{UTTREKK, stated};
use crate::controls::ControlId::{N5_61, N5_62};
use crate::findings::{Findings, Location, Severity, Text};
use crate::profile::Profile;

/// N5.61 and N5.62: the endringslogg's count and references.
pub fn endringslogg(
    extract: &Extract,
    uttrekk: Option<&Arkivuttrekk>,
    references: &References,
    profile: Profile,
    f: &mut Findings,
) {
    const NAME: &str = "endringslogg.xml";
    if extract.find(NAME).is_none() {
        // As Arkade, a missing endringslogg.xml is an error for a deposit, listed or not.
        let listed = uttrekk.is_some_and(|u| u.file(NAME).is_some());
        let severity = if listed { Severity::Error } else { profile.depot_only() };
        f.add(
            N5_61,
            severity,
            Location::file(NAME),
            Text::new("endringslogg.xml finnes ikke", "endringslogg.xml does not exist"),
        );
        f.add(
            N5_62,
            severity,
            Location::file(NAME),
            Text::new(
                "endringslogg.xml finnes ikke; referansene kan ikke kontrolleres",
                "endringslogg.xml does not exist; its references cannot be checked",
            ),
        );
        return;
    }
    let source = match extract.open_file(NAME) {
        Ok(s) => s,
        Err(e) => {
            for id in [N5_61, N5_62] {
                f.add(
                    id,
                    Severity::Error,
                    Location::of_error(NAME, &e),
                    Text::new("endringslogg.xml kan ikke leses", "endringslogg.xml cannot be read"),
                );
            }
            return;
        }
    };
    let mut reader = UnitReader::new(source, NAME, Split::ENDRINGSLOGG);
    let mut count = 0u64;
    loop {
        match reader.next_event() {
            Ok(Some(Event::Unit(e))) if e.local_name() == "endring" => {
                count += 1;
                // As Arkade, an empty reference points at nothing too.
                let r = e.value("referanseArkivenhet").unwrap_or("").trim();
                if r.is_empty() || !references.has_id(r) {
                    let at = Location::at(NAME, e.pos);
                    f.add(
                        N5_62,
                        Severity::Error,
                        at.with_detail(r.to_string()),
                        Text::new(
                            "referanseArkivenhet peker ikke på noen enhet i arkivstrukturen",
                            "referanseArkivenhet points at nothing in arkivstruktur.xml",
                        ),
                    );
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => {
                f.add(
                    N5_61,
                    Severity::Error,
                    Location::of_error(NAME, &e),
                    Text::new("endringslogg.xml kan ikke leses ferdig", "endringslogg.xml cannot be read to the end"),
                );
                break;
            }
        }
    }
    f.stat(N5_61, Text::new("Totalt", "Total"), count);
    if let Some((n, pos)) = stated(uttrekk, NAME, "endring")
        && n.parse::<u64>().ok() != Some(count)
    {
        f.add(
            N5_61,
            Severity::Error,
            Location::at(UTTREKK, pos).with_detail(format!("oppgitt/stated {n}, funnet/found {count}")),
            Text::new(
                "Antall endringer stemmer ikke med arkivuttrekk.xml",
                "The number of endringer does not match arkivuttrekk.xml",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::controls::ControlId::{N5_61, N5_62};
    use crate::findings::Severity::Error;
    use crate::rules::testing::{arkivstruktur, check, findings, stats};

    #[test]
    fn an_endring_of_a_unit_that_is_not_there() {
        let xml = arkivstruktur("<mappe><systemID>m1</systemID></mappe>");
        let log = "<endringslogg><endring><referanseArkivenhet>m1</referanseArkivenhet></endring>\
                   <endring><referanseArkivenhet>m9</referanseArkivenhet></endring></endringslogg>";
        let report = check(&[("arkivstruktur.xml", &xml), ("endringslogg.xml", log)]);
        let nowhere = "referanseArkivenhet points at nothing in arkivstruktur.xml";
        assert_eq!(findings(&report, N5_62), [(Error, nowhere.into(), 1)]);
        assert_eq!(stats(&report, N5_61), [("Total".to_string(), "2".to_string())]);
    }
}
