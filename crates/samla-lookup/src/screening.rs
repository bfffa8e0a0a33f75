//! Which fields a skjerming screens: one answer for what the index makes searchable to
//! whom and for what the pages mask.
//!
//! `skjermingMetadata` names the screened metadata elements (Noark 5, M502). A value that
//! names no field samla knows screens the usual set (tittel, beskrivelse, the parties,
//! merknader, nøkkelord): stricter than the extract asked, never laxer.

/// Fields screened when `skjermingMetadata` names none that samla knows.
pub const DEFAULT: &[&str] =
    &["tittel", "beskrivelse", "korrespondansepart", "part", "sakspart", "merknad", "noekkelord"];

/// Fields a skjermingMetadata value may name.
const KNOWN: &[&str] = &[
    "tittel",
    "offentligTittel",
    "beskrivelse",
    "korrespondansepart",
    "part",
    "sakspart",
    "merknad",
    "noekkelord",
    "forfatter",
    "avskrivning",
    "kryssreferanse",
    "presedens",
    "dokumentflyt",
    "elektroniskSignatur",
    "virksomhetsspesifikkeMetadata",
];

/// What a unit's skjerming screens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screening {
    fields: Vec<String>,
}

impl Screening {
    /// The screening of a unit with tilgangsrestriksjon (`restricted`) and these
    /// skjermingMetadata values. `None` when the unit has no restriction.
    pub fn new(restricted: bool, metadata: &[String]) -> Option<Screening> {
        if !restricted {
            return None;
        }
        let mut fields: Vec<String> = Vec::new();
        for value in metadata {
            let v = value.trim().to_lowercase();
            for known in KNOWN {
                let k = known.to_lowercase();
                if (v == k || v.split(|c: char| !c.is_alphanumeric()).any(|w| w == k)) && !fields.contains(&k) {
                    fields.push(k);
                }
            }
        }
        if fields.is_empty() {
            fields = DEFAULT.iter().map(|f| f.to_lowercase()).collect();
        }
        Some(Screening { fields })
    }

    /// Whether the field (or group such as korrespondansepart) with local name `name` is screened.
    pub fn screens(&self, name: &str) -> bool {
        let n = name.to_lowercase();
        self.fields.contains(&n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_fields_are_screened_and_unknown_names_screen_the_usual_set() {
        assert!(Screening::new(false, &["tittel".into()]).is_none());
        let s = Screening::new(true, &["tittel".into()]).unwrap();
        assert!(s.screens("tittel") && !s.screens("korrespondansepart") && !s.screens("offentligTittel"));
        let s = Screening::new(true, &["Skjerming av korrespondansepart".into()]).unwrap();
        assert!(s.screens("korrespondansepart") && !s.screens("tittel"));
        for unknown in [vec![], vec!["KNT".to_string()]] {
            let s = Screening::new(true, &unknown).unwrap();
            assert!(s.screens("tittel") && s.screens("part") && s.screens("merknad"), "{unknown:?}");
        }
    }
}
