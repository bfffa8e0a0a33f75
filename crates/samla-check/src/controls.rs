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

/// A control of the Noark 5 check. A variant is the control's ID with `_` for `.`: `N5_03`
/// is `N5.03`. Its row of the table ([`ControlId::control`]) gives the ID as reports write
/// it, the names and the kind; the variants' order is the report's.
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ControlId {
    /// The XML files listed in arkivuttrekk.xml exist.
    N5_01,
    /// Checksums in arkivuttrekk.xml.
    N5_02,
    /// XML validated against the schemas.
    N5_03,
    /// Number of arkiv.
    N5_04,
    /// Number of arkivdeler.
    N5_05,
    /// Status of the arkivdeler.
    N5_06,
    /// Number of klassifikasjonssystemer.
    N5_07,
    /// Number of klasser.
    N5_08,
    /// Klasser in the primary klassifikasjonssystem without subklasser, mapper or registreringer.
    N5_09,
    /// Number of mapper.
    N5_10,
    /// Mapper per year.
    N5_11,
    /// Klasser with both subklasser and mapper.
    N5_12,
    /// Mapper per klasse.
    N5_13,
    /// Mapper without registreringer or undermapper.
    N5_14,
    /// Saksmappe statuses.
    N5_15,
    /// Number of registreringer.
    N5_16,
    /// Journalpost types.
    N5_17,
    /// Registreringer per year.
    N5_18,
    /// Klasser with both subklasser and registreringer.
    N5_19,
    /// Registreringer per klasse (not counting those in mapper).
    N5_20,
    /// Registreringer without dokumentbeskrivelse.
    N5_21,
    /// Journal statuses.
    N5_22,
    /// Number of dokumentbeskrivelser.
    N5_23,
    /// Dokumentbeskrivelser without dokumentobjekt.
    N5_24,
    /// Document statuses.
    N5_25,
    /// Number of dokumentobjekter.
    N5_26,
    /// Creation dates of the first and last registrering.
    N5_27,
    /// Number of document files.
    N5_28,
    /// Document formats.
    N5_29,
    /// Checksums of the document files.
    N5_30,
    /// Referenced document files exist.
    N5_32,
    /// Document files without a reference.
    N5_33,
    /// Document files referenced by more than one dokumentobjekt.
    N5_34,
    /// Number of parter.
    N5_35,
    /// Number of merknader.
    N5_36,
    /// Number of kryssreferanser.
    N5_37,
    /// Number of presedenser.
    N5_38,
    /// Number of korrespondanseparter.
    N5_39,
    /// Number of avskrivninger.
    N5_40,
    /// Number of dokumentflyter.
    N5_41,
    /// Number of skjerminger.
    N5_42,
    /// Number of graderinger.
    N5_43,
    /// Number of kassasjonsvedtak.
    N5_44,
    /// Number of utførte kassasjoner.
    N5_45,
    /// Number of converted documents.
    N5_46,
    /// systemIDs are unique.
    N5_47,
    /// referanseArkivdel resolves.
    N5_48,
    /// referanseSekundaerKlassifikasjon resolves.
    N5_51,
    /// Number of journalposter in the journals.
    N5_59,
    /// Start and end dates against the journals.
    N5_60,
    /// Number of logged changes.
    N5_61,
    /// endringslogg references resolve.
    N5_62,
    /// Elements without content.
    N5_63,
    /// Number of empty document files.
    N5_64,
    /// The schema files are the official ones (krav 6.4.18).
    S_01,
    /// filstoerrelse of each dokumentobjekt.
    S_02,
    /// sjekksumAlgoritme of each dokumentobjekt.
    S_03,
    /// systemID in UUID form (v5.0).
    S_04,
    /// Sentinel and impossible dates.
    S_05,
    /// Registrering dates inside the arkivperiode.
    S_06,
    /// Check digits of fødselsnummer, D-number and organisasjonsnummer.
    S_07,
    /// Incoming journalposter without avskrivning.
    S_08,
}

impl ControlId {
    /// Every control, in report order: the order of the variants.
    pub const ALL: [ControlId; 62] = {
        use ControlId::*;
        [
            N5_01, N5_02, N5_03, N5_04, N5_05, N5_06, N5_07, N5_08, N5_09, N5_10, N5_11, N5_12, N5_13, N5_14, N5_15,
            N5_16, N5_17, N5_18, N5_19, N5_20, N5_21, N5_22, N5_23, N5_24, N5_25, N5_26, N5_27, N5_28, N5_29, N5_30,
            N5_32, N5_33, N5_34, N5_35, N5_36, N5_37, N5_38, N5_39, N5_40, N5_41, N5_42, N5_43, N5_44, N5_45, N5_46,
            N5_47, N5_48, N5_51, N5_59, N5_60, N5_61, N5_62, N5_63, N5_64, S_01, S_02, S_03, S_04, S_05, S_06, S_07,
            S_08,
        ]
    };

    /// The control's row of [`CONTROLS`].
    ///
    /// ```
    /// use samla_check::controls::ControlId;
    /// assert_eq!(ControlId::N5_47.control().nb, "Systemidentifikasjoner");
    /// ```
    pub fn control(self) -> &'static Control {
        &CONTROLS[self as usize]
    }

    /// The ID as reports write it, e.g. `N5.03`.
    pub fn id(self) -> &'static str {
        self.control().id
    }

    /// The control whose ID is `id` as reports write it (`N5.03`).
    ///
    /// ```
    /// use samla_check::controls::ControlId;
    /// assert_eq!(ControlId::parse("S.05"), Some(ControlId::S_05));
    /// assert_eq!(ControlId::parse("N5.31"), None);
    /// ```
    pub fn parse(id: &str) -> Option<ControlId> {
        CONTROLS.iter().position(|c| c.id == id).map(|i| ControlId::ALL[i])
    }

    /// The table's row, one arm per control: a control without one does not compile.
    const fn row(self) -> Control {
        use ControlId::*;
        use ControlKind::{Analysis, Content, Structure};
        const fn c(id: &'static str, nb: &'static str, en: &'static str, kind: ControlKind) -> Control {
            Control { id, nb, en, kind }
        }
        match self {
            N5_01 => c(
                "N5.01",
                "Kontroll av eksistens for XML-filene",
                "The XML files listed in arkivuttrekk.xml exist",
                Structure,
            ),
            N5_02 => c("N5.02", "Validering av sjekksummer", "Checksums in arkivuttrekk.xml", Structure),
            N5_03 => {
                c("N5.03", "Validering av XML i henhold til skjema", "XML validated against the schemas", Structure)
            }
            N5_04 => c("N5.04", "Antall arkiv", "Number of arkiv", Analysis),
            N5_05 => c("N5.05", "Antall arkivdeler", "Number of arkivdeler", Analysis),
            N5_06 => c("N5.06", "Status på arkivdeler", "Status of the arkivdeler", Analysis),
            N5_07 => c("N5.07", "Antall klassifikasjonssystem", "Number of klassifikasjonssystemer", Analysis),
            N5_08 => c("N5.08", "Antall klasser", "Number of klasser", Analysis),
            N5_09 => c(
                "N5.09",
                "Antall klasser i det primære klassifikasjonssystemet uten underklasser, mapper eller registreringer",
                "Klasser in the primary klassifikasjonssystem without subklasser, mapper or registreringer",
                Analysis,
            ),
            N5_10 => c("N5.10", "Antall mapper", "Number of mapper", Analysis),
            N5_11 => c("N5.11", "Antall mapper for hvert år", "Mapper per year", Analysis),
            N5_12 => c(
                "N5.12",
                "Klasser med både underklasse(r) og mappe(r)",
                "Klasser with both subklasser and mapper",
                Analysis,
            ),
            N5_13 => c("N5.13", "Antall mapper for hver klasse", "Mapper per klasse", Analysis),
            N5_14 => c(
                "N5.14",
                "Antall mapper uten registreringer eller undermapper",
                "Mapper without registreringer or undermapper",
                Analysis,
            ),
            N5_15 => c("N5.15", "Antall av ulike saksmappestatuser", "Saksmappe statuses", Analysis),
            N5_16 => c("N5.16", "Antall registreringer", "Number of registreringer", Analysis),
            N5_17 => c("N5.17", "Antall av ulike journalposttyper", "Journalpost types", Analysis),
            N5_18 => c("N5.18", "Antall registreringer for hvert år", "Registreringer per year", Analysis),
            N5_19 => c(
                "N5.19",
                "Klasser med både underklasse(r) og registrering(er)",
                "Klasser with both subklasser and registreringer",
                Analysis,
            ),
            N5_20 => c(
                "N5.20",
                "Antall registreringer for hver klasse (ikke medregnet registreringer under mappe)",
                "Registreringer per klasse (not counting those in mapper)",
                Analysis,
            ),
            N5_21 => c(
                "N5.21",
                "Antall registreringer uten dokumentbeskrivelse",
                "Registreringer without dokumentbeskrivelse",
                Analysis,
            ),
            N5_22 => c("N5.22", "Antall av ulike journalstatuser", "Journal statuses", Analysis),
            N5_23 => c("N5.23", "Antall dokumentbeskrivelser", "Number of dokumentbeskrivelser", Analysis),
            N5_24 => c(
                "N5.24",
                "Antall dokumentbeskrivelser uten dokumentobjekt",
                "Dokumentbeskrivelser without dokumentobjekt",
                Analysis,
            ),
            N5_25 => c("N5.25", "Antall av ulike dokumentstatuser", "Document statuses", Analysis),
            N5_26 => c("N5.26", "Antall dokumentobjekter", "Number of dokumentobjekter", Analysis),
            N5_27 => c(
                "N5.27",
                "Opprettelsesdatoer for første og siste registrering",
                "Creation dates of the first and last registrering",
                Analysis,
            ),
            N5_28 => c("N5.28", "Validering av antall dokumentfiler", "Number of document files", Structure),
            N5_29 => c("N5.29", "Antall av ulike dokumentformater", "Document formats", Analysis),
            N5_30 => c("N5.30", "Dokumentfilers sjekksummer", "Checksums of the document files", Content),
            N5_32 => c("N5.32", "Refererte dokumenters eksistens", "Referenced document files exist", Content),
            N5_33 => c("N5.33", "Dokumentfiler som mangler referanse", "Document files without a reference", Analysis),
            N5_34 => c(
                "N5.34",
                "Dokumentfiler med referanse fra mer enn ett dokumentobjekt",
                "Document files referenced by more than one dokumentobjekt",
                Analysis,
            ),
            N5_35 => c("N5.35", "Antall saksparter", "Number of parter", Analysis),
            N5_36 => c("N5.36", "Antall merknader", "Number of merknader", Analysis),
            N5_37 => c("N5.37", "Antall kryssreferanser", "Number of kryssreferanser", Analysis),
            N5_38 => c("N5.38", "Antall presedenser", "Number of presedenser", Analysis),
            N5_39 => c("N5.39", "Antall korrespondanseparter", "Number of korrespondanseparter", Analysis),
            N5_40 => c("N5.40", "Antall avskrivninger", "Number of avskrivninger", Analysis),
            N5_41 => c("N5.41", "Antall dokumentflyter", "Number of dokumentflyter", Analysis),
            N5_42 => c("N5.42", "Antall skjerminger", "Number of skjerminger", Analysis),
            N5_43 => c("N5.43", "Antall graderinger", "Number of graderinger", Analysis),
            N5_44 => c("N5.44", "Antall kassasjonsvedtak", "Number of kassasjonsvedtak", Analysis),
            N5_45 => c("N5.45", "Antall utførte kassasjoner", "Number of utførte kassasjoner", Analysis),
            N5_46 => c("N5.46", "Antall konverterte dokumenter", "Number of converted documents", Analysis),
            N5_47 => c("N5.47", "Systemidentifikasjoner", "systemIDs are unique", Content),
            N5_48 => c("N5.48", "Arkivdelreferanser", "referanseArkivdel resolves", Content),
            N5_51 => c("N5.51", "Klassereferanser", "referanseSekundaerKlassifikasjon resolves", Content),
            N5_59 => c("N5.59", "Antall journalposter", "Number of journalposter in the journals", Content),
            N5_60 => c("N5.60", "Start- og sluttdatoer", "Start and end dates against the journals", Analysis),
            N5_61 => c("N5.61", "Antall loggførte endringer", "Number of logged changes", Analysis),
            N5_62 => {
                c("N5.62", "Endringslogg-referanser til arkivstrukturen", "endringslogg references resolve", Content)
            }
            N5_63 => c("N5.63", "Elementer som mangler innhold", "Elements without content", Content),
            N5_64 => c("N5.64", "Antall tomme dokumentfiler", "Number of empty document files", Analysis),
            S_01 => c(
                "S.01",
                "Skjemafilene er de offisielle (krav 6.4.18)",
                "The schema files are the official ones (krav 6.4.18)",
                Structure,
            ),
            S_02 => c("S.02", "Filstørrelse for dokumentobjekt", "filstoerrelse of each dokumentobjekt", Content),
            S_03 => {
                c("S.03", "Sjekksumalgoritme for dokumentobjekt", "sjekksumAlgoritme of each dokumentobjekt", Content)
            }
            S_04 => c("S.04", "SystemID på UUID-form (v5.0)", "systemID in UUID form (v5.0)", Content),
            S_05 => c("S.05", "Plassholderdatoer og umulige datoer", "Sentinel and impossible dates", Content),
            S_06 => c(
                "S.06",
                "Registreringsdatoer innenfor arkivperioden",
                "Registrering dates inside the arkivperiode",
                Content,
            ),
            S_07 => c(
                "S.07",
                "Kontrollsiffer i fødselsnummer, D-nummer og organisasjonsnummer",
                "Check digits of fødselsnummer, D-number and organisasjonsnummer",
                Content,
            ),
            S_08 => c(
                "S.08",
                "Inngående journalposter uten avskrivning",
                "Incoming journalposter without avskrivning",
                Content,
            ),
        }
    }
}

impl std::fmt::Display for ControlId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for ControlId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

/// One control: a row of [`CONTROLS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Control {
    /// The ID as reports write it, e.g. `N5.02` or `S.01`.
    pub id: &'static str,
    /// Name in Norwegian bokmål (Arkade's wording for the N5 controls).
    pub nb: &'static str,
    /// Name in English.
    pub en: &'static str,
    /// Kind.
    pub kind: ControlKind,
}

/// Every control samla runs, in report order: Arkade's 54 N5 controls, then samla's own.
/// Row `i` is the control `ControlId::ALL[i]`.
pub const CONTROLS: &[Control] = &TABLE;

const TABLE: [Control; ControlId::ALL.len()] = {
    let mut rows = [ControlId::N5_01.row(); ControlId::ALL.len()];
    let mut i = 0;
    while i < rows.len() {
        assert!(ControlId::ALL[i] as usize == i, "ControlId::ALL lists every variant once, in their order");
        rows[i] = ControlId::ALL[i].row();
        i += 1;
    }
    rows
};

/// The control with `id`.
///
/// ```
/// assert_eq!(samla_check::controls::control("N5.47").unwrap().nb, "Systemidentifikasjoner");
/// ```
pub fn control(id: &str) -> Option<&'static Control> {
    ControlId::parse(id).map(ControlId::control)
}

/// Reads a control selection: one ID per line, `#` starts a comment, blank lines are
/// skipped (as Arkade's test selection file). Unknown IDs are an error naming the line.
///
/// ```
/// let set = samla_check::controls::parse_selection("# structure only\nN5.01\nN5.02 # checksums\n").unwrap();
/// assert_eq!(set.len(), 2);
/// assert!(samla_check::controls::parse_selection("N5.99").is_err());
/// ```
pub fn parse_selection(text: &str) -> Result<BTreeSet<ControlId>, String> {
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let id = line.split('#').next().unwrap_or("").trim();
        if id.is_empty() {
            continue;
        }
        match ControlId::parse(id) {
            Some(c) => {
                out.insert(c);
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

    /// A row's ID is its variant's name, `_` written `.`, and parses back to it.
    #[test]
    fn every_row_is_its_variants() {
        for (i, id) in ControlId::ALL.into_iter().enumerate() {
            assert_eq!(id.id(), format!("{id:?}").replacen('_', ".", 1));
            assert_eq!(CONTROLS[i].id, id.id());
            assert_eq!(ControlId::parse(id.id()), Some(id));
            assert_eq!(id.to_string(), id.id());
            assert_eq!(serde_json::to_string(&id).unwrap(), format!("{:?}", id.id()));
        }
    }
}
