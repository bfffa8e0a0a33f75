//! The metadata the units carry, counted as Arkade analyses it: N5.35–N5.46 (parter,
//! merknader, kryssreferanser, presedenser, korrespondanseparter, avskrivninger,
//! dokumentflyter, skjerminger, graderinger, kassasjonsvedtak, utførte kassasjoner,
//! konverteringer), with the flags arkivuttrekk.xml states for N5.42, N5.44 and N5.45.

use samla_noark5::Element;
use samla_noark5::addml::Arkivuttrekk;

use super::structure::UTTREKK;
use super::{Cx, Rules, Tallies};
use crate::controls::ControlId::{
    self, N5_35, N5_36, N5_37, N5_38, N5_39, N5_40, N5_41, N5_42, N5_43, N5_44, N5_45, N5_46,
};
use crate::findings::{Findings, Location, Severity, Text};

/// The tallied controls that small children of container headers also feed: klasse
/// kryssreferanser, arkivdel and klasse skjerming, gradering and kassasjon.
fn header_kind(local: &str) -> Option<ControlId> {
    match local {
        "kryssreferanse" => Some(N5_37),
        "skjerming" => Some(N5_42),
        "gradering" => Some(N5_43),
        "kassasjon" => Some(N5_44),
        _ => None,
    }
}

/// The counts of the metadata.
#[derive(Default)]
pub struct Metadata {
    parter: u64,
    korrespondanseparter: u64,
    dokumentflyter: u64,
    utfoerte_kassasjoner: u64,
    konverteringer: u64,
    /// Per control, the elements the metadata was found in (avskrivninger: by avskrivningsmåte).
    tallies: Tallies,
}

impl Metadata {
    /// After the pass, before [`Metadata::finish`]: N5.42, N5.44, N5.45, skjerming,
    /// kassasjon and utført kassasjon against the flags of arkivuttrekk.xml.
    pub fn flags(&self, uttrekk: Option<&Arkivuttrekk>, f: &mut Findings) {
        let Some(u) = uttrekk else { return };
        for (control, flag, found, nb, en) in [
            (N5_42, "inneholderSkjermetInformasjon", self.tallies.total(N5_42), "skjerminger", "skjerminger"),
            (
                N5_44,
                "inneholderDokumenterSomSkalKasseres",
                self.tallies.total(N5_44),
                "kassasjonsvedtak",
                "kassasjonsvedtak",
            ),
            (
                N5_45,
                "omfatterDokumenterSomErKassert",
                self.utfoerte_kassasjoner,
                "utførte kassasjoner",
                "utførte kassasjoner",
            ),
        ] {
            // As Arkade: a flag that is not stated counts as false.
            let flag_value = u.flag(flag).unwrap_or(false);
            let at = Location::file(UTTREKK).with_detail(format!("{flag} = {flag_value}, {found} {en}"));
            if flag_value && found == 0 {
                f.add(
                    control,
                    Severity::Error,
                    at,
                    Text::new(
                        format!("Det er dokumentert at uttrekket skal omfatte {nb}, men ingen ble funnet"),
                        format!("arkivuttrekk.xml says the extract holds {en}, but none were found"),
                    ),
                );
            } else if !flag_value && found > 0 {
                f.add(
                    control,
                    Severity::Error,
                    at,
                    Text::new(
                        format!("Uttrekket har {nb}, men arkivuttrekk.xml sier det ikke har det"),
                        format!("The extract holds {en}, but arkivuttrekk.xml says it does not"),
                    ),
                );
            }
        }
    }

    /// After the pass: the counts and tallies.
    pub fn finish(&mut self, f: &mut Findings) {
        let total = || Text::new("Totalt", "Total");
        for (control, n) in [
            (N5_35, self.parter),
            (N5_39, self.korrespondanseparter),
            (N5_41, self.dokumentflyter),
            (N5_45, self.utfoerte_kassasjoner),
            (N5_46, self.konverteringer),
        ] {
            f.stat(control, total(), n);
        }
        for (control, nb, en) in [
            (N5_36, "Merknader i", "Merknader in"),
            (N5_37, "Kryssreferanser fra", "Kryssreferanser from"),
            (N5_38, "Presedenser i", "Presedenser in"),
            (N5_40, "Avskrivningsmåte", "Avskrivning method"),
            (N5_42, "Skjerminger i", "Skjerminger in"),
            (N5_43, "Graderinger i", "Graderinger in"),
            (N5_44, "Kassasjonsvedtak i", "Kassasjonsvedtak in"),
        ] {
            let tally = self.tallies.take(control);
            f.stat(control, total(), tally.values().sum::<u64>());
            for (k, n) in tally {
                f.stat(control, Text::new(format!("{nb}: {k}"), format!("{en}: {k}")), n);
            }
        }
    }
}

impl Rules for Metadata {
    fn start(&mut self, cx: &Cx, header: &Element, _f: &mut Findings) {
        // N5.45 counts an utført kassasjon of the arkivdel too, as Arkade does.
        if cx.name == "arkivdel" {
            self.utfoerte_kassasjoner +=
                header.children.iter().filter(|c| c.local_name() == "utfoertKassasjon").count() as u64;
        }
    }

    fn header_element(&mut self, cx: &Cx, e: &Element, _f: &mut Findings) {
        if let Some(control) = header_kind(cx.name).filter(|_| !e.children.is_empty()) {
            self.tallies.bump(control, cx.parent);
        }
    }

    fn element(&mut self, cx: &Cx, e: &Element, _f: &mut Findings) {
        match cx.name {
            "part" | "sakspart" => self.parter += 1,
            "merknad" => self.tallies.bump(N5_36, cx.parent),
            "kryssreferanse" => self.tallies.bump(N5_37, cx.parent),
            "presedens" => self.tallies.bump(N5_38, cx.parent),
            "korrespondansepart" => self.korrespondanseparter += 1,
            "avskrivning" => self.tallies.bump(N5_40, e.value("avskrivningsmaate").unwrap_or("").trim()),
            "dokumentflyt" => self.dokumentflyter += 1,
            // In v3.1 the grad itself is a field named gradering: count the complex one.
            "skjerming" | "gradering" | "kassasjon" if !e.children.is_empty() => {
                let control = header_kind(cx.name).expect("listed in header_kind");
                self.tallies.bump(control, cx.parent);
            }
            "utfoertKassasjon" => self.utfoerte_kassasjoner += 1,
            "konvertering" => self.konverteringer += 1,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::controls::ControlId::{N5_36, N5_39};
    use crate::rules::testing::{arkivstruktur, check, stats};

    #[test]
    fn merknader_are_counted_by_where_they_are() {
        let xml = arkivstruktur(
            "<mappe xsi:type=\"saksmappe\"><systemID>m1</systemID><merknad><merknadstekst>a</merknadstekst></merknad>\
             <registrering xsi:type=\"journalpost\"><systemID>r1</systemID>\
             <merknad><merknadstekst>b</merknadstekst></merknad><merknad><merknadstekst>c</merknadstekst></merknad>\
             </registrering></mappe>",
        );
        let report = check(&[("arkivstruktur.xml", &xml)]);
        let stat = |label: &str, value: &str| (label.to_string(), value.to_string());
        let expected =
            [stat("Total", "3"), stat("Merknader in: journalpost", "2"), stat("Merknader in: saksmappe", "1")];
        assert_eq!(stats(&report, N5_36), expected);
        assert_eq!(stats(&report, N5_39), [stat("Total", "0")]);
    }
}
