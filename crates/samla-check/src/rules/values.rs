//! The values of the leaf elements: N5.63 elements without content, S.05 sentinel and
//! impossible dates, S.07 check digits of fødselsnummer, D-number and organisasjonsnummer.

use samla_noark5::Element;
use samla_noark5::model::Date;

use super::{Cx, Rules};
use crate::controls::ControlId::{N5_63, S_05, S_07};
use crate::findings::{Findings, Severity, Text};
use crate::ids;

/// Date fields that may lie in the future: planned disposal, lifting of screening,
/// downgrading and due dates.
const FUTURE_ALLOWED: &[&str] = &["kassasjonsdato", "skjermingOpphoererDato", "nedgraderingsdato", "forfallsdato"];

/// The value checks. Keeps nothing but the day of the check.
pub struct Values {
    today: Date,
}

impl Values {
    /// Dates after `today` are flagged.
    pub fn new(today: Date) -> Values {
        Values { today }
    }

    /// Checks what a leaf element has: content (N5.63), dates (S.05), identifiers (S.07).
    fn leaf(&self, cx: &Cx, e: &Element, f: &mut Findings) {
        if !e.children.is_empty() {
            return;
        }
        let name = e.local_name();
        let value = e.text.trim();
        // As Arkade, an element with attributes but no text has no content either.
        if value.is_empty() && e.attr_local("nil") != Some("true") {
            f.add(
                N5_63,
                Severity::Error,
                cx.at(e),
                Text::new("Elementet mangler innhold", "The element has no content"),
            );
            return;
        }
        if name.ends_with("Dato") || name.ends_with("dato") {
            self.date(cx, e, value, f);
        }
        if (name == "partID" || name == "sakspartID")
            && value.bytes().all(|b| b.is_ascii_digit())
            && let Some((why, text)) = identifier(value, value.len())
        {
            f.add(S_07, Severity::Error, cx.at(e).with_detail(why), text);
        }
    }

    fn date(&self, cx: &Cx, e: &Element, value: &str, f: &mut Findings) {
        let Some(date) = Date::parse(value) else {
            f.add(
                S_05,
                Severity::Error,
                cx.at(e).with_detail(value),
                Text::new(
                    "Datoen er ikke en gyldig xs:date eller xs:dateTime",
                    "The date is not a valid xs:date or xs:dateTime",
                ),
            );
            return;
        };
        let sentinel = matches!((date.year, date.month, date.day), (1, 1, 1) | (1900, 1, 1) | (1970, 1, 1));
        if sentinel {
            f.add(
                S_05,
                Severity::Error,
                cx.at(e).with_detail(value),
                Text::new(
                    "Plassholderdato (0001-01-01, 1900-01-01 eller 1970-01-01)",
                    "Sentinel date (0001-01-01, 1900-01-01 or 1970-01-01)",
                ),
            );
        } else if date.year < 1000 {
            f.add(
                S_05,
                Severity::Error,
                cx.at(e).with_detail(value),
                Text::new(
                    "Årstallet ser ut som et tosifret år som er lest feil",
                    "The year looks like a misread two-digit year",
                ),
            );
        } else if date > self.today && !FUTURE_ALLOWED.contains(&e.local_name()) {
            f.add(
                S_05,
                Severity::Error,
                cx.at(e).with_detail(value),
                Text::new(
                    "Datoen ligger etter at uttrekket ble kontrollert",
                    "The date is after the extract was checked",
                ),
            );
        }
    }
}

/// S.07 on an identifier read as `len` digits, 11 a fødselsnummer or D-number, 9 an
/// organisasjonsnummer (any other length is not checked): why it is invalid, and the message.
fn identifier(value: &str, len: usize) -> Option<(String, Text)> {
    let (why, nb, en) = match len {
        11 => (ids::fnr_problem(value)?, "Ugyldig fødselsnummer eller D-nummer", "Invalid fødselsnummer or D-number"),
        9 => (ids::orgnr_problem(value)?, "Ugyldig organisasjonsnummer", "Invalid organisasjonsnummer"),
        _ => return None,
    };
    Some((why, Text::new(nb, en)))
}

impl Rules for Values {
    fn header_element(&mut self, cx: &Cx, e: &Element, f: &mut Findings) {
        self.leaf(cx, e, f);
    }

    fn element(&mut self, cx: &Cx, e: &Element, f: &mut Findings) {
        self.leaf(cx, e, f);
    }

    /// Business-specific metadata: only empty elements and identifiers with check digits
    /// are looked at.
    fn business_metadata(&mut self, cx: &Cx, vsm: &Element, f: &mut Findings) {
        for e in vsm.descendants().skip(1) {
            if !e.children.is_empty() {
                continue;
            }
            // Found by its path inside the virksomhetsspesifikkeMetadata.
            let at = |e: &Element| {
                let path = format!("{}/…/{}", cx.path, e.name);
                Cx { path: &path, ..*cx }.at(e)
            };
            let name = e.local_name().to_ascii_lowercase();
            let value = e.text.trim();
            // As Arkade: an empty element inside virksomhetsspesifikkeMetadata is N5.63 too.
            if value.is_empty() && e.attr_local("nil") != Some("true") {
                f.add(
                    N5_63,
                    Severity::Error,
                    at(e),
                    Text::new("Elementet mangler innhold", "The element has no content"),
                );
                continue;
            }
            let kind = if name.contains("foedselsnummer") || name.contains("fodselsnummer") || name == "fnr" {
                Some(11)
            } else if name.contains("organisasjonsnummer") || name == "orgnr" {
                Some(9)
            } else {
                None
            };
            if let Some((why, text)) = kind.and_then(|len| identifier(value, len)) {
                f.add(S_07, Severity::Error, at(e).with_detail(why), text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::controls::ControlId::{N5_63, S_05, S_07};
    use crate::findings::Severity::Error;
    use crate::rules::testing::{arkivstruktur, check, findings};

    #[test]
    fn empty_elements_sentinel_dates_and_invalid_numbers_are_found() {
        let xml = arkivstruktur(
            "<mappe><systemID>m1</systemID><tittel></tittel><opprettetDato>1900-01-01</opprettetDato>\
             <part><partID>01010112345</partID></part></mappe>",
        );
        let report = check(&[("arkivstruktur.xml", &xml)]);
        assert_eq!(findings(&report, N5_63), [(Error, "The element has no content".into(), 1)]);
        let sentinel = "Sentinel date (0001-01-01, 1900-01-01 or 1970-01-01)";
        assert_eq!(findings(&report, S_05), [(Error, sentinel.into(), 1)]);
        assert_eq!(findings(&report, S_07), [(Error, "Invalid fødselsnummer or D-number".into(), 1)]);
    }
}
