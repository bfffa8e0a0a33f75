//! The controls: Arkade's Noark 5 controls under their own IDs, and samla's (`S.xx`).

use std::collections::BTreeSet;

use serde::Serialize;

/// What a control does, in Arkade's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControlKind {
    /// Checks files and their structure ("Strukturkontroll").
    Structure,
    /// Counts what the extract holds ("Innholdsanalyse").
    Analysis,
    /// Checks the content ("Innholdskontroll").
    Content,
}

/// One control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Control {
    /// The ID, e.g. `N5.02` or `S.01`.
    pub id: &'static str,
    /// Name in Norwegian bokmål (Arkade's wording for the N5 controls).
    pub nb: &'static str,
    /// Name in English.
    pub en: &'static str,
    /// Kind.
    pub kind: ControlKind,
}

const fn c(id: &'static str, nb: &'static str, en: &'static str, kind: ControlKind) -> Control {
    Control { id, nb, en, kind }
}

use ControlKind::{Analysis, Content, Structure};

/// Every control samla runs, in report order: Arkade's 54 N5 controls, then samla's own.
pub const CONTROLS: &[Control] = &[
    c("N5.01", "Kontroll av eksistens for XML-filene", "The XML files listed in arkivuttrekk.xml exist", Structure),
    c("N5.02", "Validering av sjekksummer", "Checksums in arkivuttrekk.xml", Structure),
    c("N5.03", "Validering av XML i henhold til skjema", "XML validated against the schemas", Structure),
    c("N5.04", "Antall arkiv", "Number of arkiv", Analysis),
    c("N5.05", "Antall arkivdeler", "Number of arkivdeler", Analysis),
    c("N5.06", "Status på arkivdeler", "Status of the arkivdeler", Analysis),
    c("N5.07", "Antall klassifikasjonssystem", "Number of klassifikasjonssystemer", Analysis),
    c("N5.08", "Antall klasser", "Number of klasser", Analysis),
    c(
        "N5.09",
        "Antall klasser i det primære klassifikasjonssystemet uten underklasser, mapper eller registreringer",
        "Klasser in the primary klassifikasjonssystem without subklasser, mapper or registreringer",
        Analysis,
    ),
    c("N5.10", "Antall mapper", "Number of mapper", Analysis),
    c("N5.11", "Antall mapper for hvert år", "Mapper per year", Analysis),
    c("N5.12", "Klasser med både underklasse(r) og mappe(r)", "Klasser with both subklasser and mapper", Analysis),
    c("N5.13", "Antall mapper for hver klasse", "Mapper per klasse", Analysis),
    c(
        "N5.14",
        "Antall mapper uten registreringer eller undermapper",
        "Mapper without registreringer or undermapper",
        Analysis,
    ),
    c("N5.15", "Antall av ulike saksmappestatuser", "Saksmappe statuses", Analysis),
    c("N5.16", "Antall registreringer", "Number of registreringer", Analysis),
    c("N5.17", "Antall av ulike journalposttyper", "Journalpost types", Analysis),
    c("N5.18", "Antall registreringer for hvert år", "Registreringer per year", Analysis),
    c(
        "N5.19",
        "Klasser med både underklasse(r) og registrering(er)",
        "Klasser with both subklasser and registreringer",
        Analysis,
    ),
    c(
        "N5.20",
        "Antall registreringer for hver klasse (ikke medregnet registreringer under mappe)",
        "Registreringer per klasse (not counting those in mapper)",
        Analysis,
    ),
    c(
        "N5.21",
        "Antall registreringer uten dokumentbeskrivelse",
        "Registreringer without dokumentbeskrivelse",
        Analysis,
    ),
    c("N5.22", "Antall av ulike journalstatuser", "Journal statuses", Analysis),
    c("N5.23", "Antall dokumentbeskrivelser", "Number of dokumentbeskrivelser", Analysis),
    c(
        "N5.24",
        "Antall dokumentbeskrivelser uten dokumentobjekt",
        "Dokumentbeskrivelser without dokumentobjekt",
        Analysis,
    ),
    c("N5.25", "Antall av ulike dokumentstatuser", "Document statuses", Analysis),
    c("N5.26", "Antall dokumentobjekter", "Number of dokumentobjekter", Analysis),
    c(
        "N5.27",
        "Opprettelsesdatoer for første og siste registrering",
        "Creation dates of the first and last registrering",
        Analysis,
    ),
    c("N5.28", "Validering av antall dokumentfiler", "Number of document files", Structure),
    c("N5.29", "Antall av ulike dokumentformater", "Document formats", Analysis),
    c("N5.30", "Dokumentfilers sjekksummer", "Checksums of the document files", Content),
    c("N5.32", "Refererte dokumenters eksistens", "Referenced document files exist", Content),
    c("N5.33", "Dokumentfiler som mangler referanse", "Document files without a reference", Analysis),
    c(
        "N5.34",
        "Dokumentfiler med referanse fra mer enn ett dokumentobjekt",
        "Document files referenced by more than one dokumentobjekt",
        Analysis,
    ),
    c("N5.35", "Antall saksparter", "Number of parter", Analysis),
    c("N5.36", "Antall merknader", "Number of merknader", Analysis),
    c("N5.37", "Antall kryssreferanser", "Number of kryssreferanser", Analysis),
    c("N5.38", "Antall presedenser", "Number of presedenser", Analysis),
    c("N5.39", "Antall korrespondanseparter", "Number of korrespondanseparter", Analysis),
    c("N5.40", "Antall avskrivninger", "Number of avskrivninger", Analysis),
    c("N5.41", "Antall dokumentflyter", "Number of dokumentflyter", Analysis),
    c("N5.42", "Antall skjerminger", "Number of skjerminger", Analysis),
    c("N5.43", "Antall graderinger", "Number of graderinger", Analysis),
    c("N5.44", "Antall kassasjonsvedtak", "Number of kassasjonsvedtak", Analysis),
    c("N5.45", "Antall utførte kassasjoner", "Number of utførte kassasjoner", Analysis),
    c("N5.46", "Antall konverterte dokumenter", "Number of converted documents", Analysis),
    c("N5.47", "Systemidentifikasjoner", "systemIDs are unique", Content),
    c("N5.48", "Arkivdelreferanser", "referanseArkivdel resolves", Content),
    c("N5.51", "Klassereferanser", "referanseSekundaerKlassifikasjon resolves", Content),
    c("N5.59", "Antall journalposter", "Number of journalposter in the journals", Content),
    c("N5.60", "Start- og sluttdatoer", "Start and end dates against the journals", Analysis),
    c("N5.61", "Antall loggførte endringer", "Number of logged changes", Analysis),
    c("N5.62", "Endringslogg-referanser til arkivstrukturen", "endringslogg references resolve", Content),
    c("N5.63", "Elementer som mangler innhold", "Elements without content", Content),
    c("N5.64", "Antall tomme dokumentfiler", "Number of empty document files", Analysis),
    c(
        "S.01",
        "Skjemafilene er de offisielle (krav 6.4.18)",
        "The schema files are the official ones (krav 6.4.18)",
        Structure,
    ),
    c("S.02", "Filstørrelse for dokumentobjekt", "filstoerrelse of each dokumentobjekt", Content),
    c("S.03", "Sjekksumalgoritme for dokumentobjekt", "sjekksumAlgoritme of each dokumentobjekt", Content),
    c("S.04", "SystemID på UUID-form (v5.0)", "systemID in UUID form (v5.0)", Content),
    c("S.05", "Plassholderdatoer og umulige datoer", "Sentinel and impossible dates", Content),
    c("S.06", "Registreringsdatoer innenfor arkivperioden", "Registrering dates inside the arkivperiode", Content),
    c(
        "S.07",
        "Kontrollsiffer i fødselsnummer, D-nummer og organisasjonsnummer",
        "Check digits of fødselsnummer, D-number and organisasjonsnummer",
        Content,
    ),
    c("S.08", "Inngående journalposter uten avskrivning", "Incoming journalposter without avskrivning", Content),
];

/// The control with `id`.
///
/// ```
/// assert_eq!(samla_check::controls::control("N5.47").unwrap().nb, "Systemidentifikasjoner");
/// ```
pub fn control(id: &str) -> Option<&'static Control> {
    CONTROLS.iter().find(|c| c.id == id)
}

/// Reads a control selection: one ID per line, `#` starts a comment, blank lines are
/// skipped (as Arkade's test selection file). Unknown IDs are an error naming the line.
///
/// ```
/// let set = samla_check::controls::parse_selection("# structure only\nN5.01\nN5.02 # checksums\n").unwrap();
/// assert_eq!(set.len(), 2);
/// assert!(samla_check::controls::parse_selection("N5.99").is_err());
/// ```
pub fn parse_selection(text: &str) -> Result<BTreeSet<&'static str>, String> {
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let id = line.split('#').next().unwrap_or("").trim();
        if id.is_empty() {
            continue;
        }
        match control(id) {
            Some(c) => {
                out.insert(c.id);
            }
            None => return Err(format!("line {}: unknown control {id:?}", i + 1)),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_54_arkade_controls_are_there_once() {
        let n5: Vec<_> = CONTROLS.iter().filter(|c| c.id.starts_with("N5.")).collect();
        assert_eq!(n5.len(), 54);
        let ids: BTreeSet<_> = CONTROLS.iter().map(|c| c.id).collect();
        assert_eq!(ids.len(), CONTROLS.len());
        for missing in ["N5.31", "N5.49", "N5.50", "N5.52", "N5.58"] {
            assert!(control(missing).is_none());
        }
    }
}
