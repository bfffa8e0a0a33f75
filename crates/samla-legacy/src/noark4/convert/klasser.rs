//! The classification: ORDNPRINS → klassifikasjonssystem, ORDNVERDI → klasse, and each
//! saksmappe placed under the klasse of its KLASSERING row with the lowest KL.SORT (its
//! other klasser become referanseSekundaerKlassifikasjon).

use std::collections::HashMap;

use samla_noark5::Result;
use samla_noark5::writer::Fragment;

use super::super::dates;
use super::super::ids::system_id;
use super::super::{Noark4, Severity};
use super::mapping::{Converter, MIDNIGHT, field_nonempty};
use super::setup::Setup;
use super::shared::{Conversion, FileNames, SourceRow, load_table, row_finding, value};

/// One klassifikasjonssystem (an ORDNPRINS row, or one made for a KL.ORDNPRI without one).
pub(super) struct Klassifikasjonssystem {
    /// OP.ORDNPRI.
    key: String,
    tittel: String,
    /// OP.TYPE, written as klassifikasjonstype.
    kind: String,
    /// OP.FRADATO, as an xs:date.
    from: Option<String>,
    /// Its klasser, by number.
    pub(super) klasser: Vec<usize>,
}

/// One klasse (an ORDNVERDI row, or one made for a KL.ORDNVER without one).
pub(super) struct Klasse {
    /// OV.ORDNVER, written as klasseID.
    klasse_id: String,
    tittel: String,
}

/// The classification: ORDNPRINS → klassifikasjonssystem, ORDNVERDI → klasse, and the
/// klasser made for values KLASSERING uses that ORDNVERDI lacks, and for saker without
/// a KLASSERING row ("Uten klassering").
#[derive(Default)]
pub(super) struct Klasser {
    pub(super) systems: Vec<Klassifikasjonssystem>,
    by_system: HashMap<String, usize>,
    pub(super) klasser: Vec<Klasse>,
    by_klasse: HashMap<(String, String), usize>,
}

/// The ordningsprinsipp key of the klasse for saker without a KLASSERING row.
const UNCLASSIFIED: &str = "(uten klassering)";

impl Klasser {
    /// The klassifikasjonssystemer of ORDNPRINS and the klasser of ORDNVERDI.
    pub(super) fn load(extract: &Noark4, files: &FileNames) -> Result<Klasser> {
        let mut klasser = Klasser::default();
        load_table(extract, files, "ORDNPRINS", &mut |s| {
            let from = dates::parse(value(&s.row, "OP.FRADATO")).date().map(|d| d.to_string());
            klasser.system(value(&s.row, "OP.ORDNPRI"), value(&s.row, "OP.BETEGN"), value(&s.row, "OP.TYPE"), from);
        })?;
        load_table(extract, files, "ORDNVERDI", &mut |s| {
            klasser.klasse(value(&s.row, "OV.ORDNPRI"), value(&s.row, "OV.ORDNVER"), value(&s.row, "OV.BESKR"));
        })?;
        Ok(klasser)
    }

    /// Whether the extract has no classification (no ORDNPRINS, no ORDNVERDI).
    pub(super) fn is_empty(&self) -> bool {
        self.systems.is_empty()
    }

    fn system(&mut self, key: &str, tittel: &str, kind: &str, from: Option<String>) -> usize {
        if let Some(&i) = self.by_system.get(key) {
            return i;
        }
        let tittel = match (tittel.is_empty(), key.is_empty()) {
            (false, _) => tittel,
            (true, false) => key,
            (true, true) => "Ordningsprinsipp uten navn",
        };
        self.systems.push(Klassifikasjonssystem {
            key: key.to_string(),
            tittel: tittel.to_string(),
            kind: kind.to_string(),
            from,
            klasser: Vec::new(),
        });
        self.by_system.insert(key.to_string(), self.systems.len() - 1);
        self.systems.len() - 1
    }

    /// The klasse `ov` of ordningsprinsipp `op`, and whether it was made just now.
    fn klasse(&mut self, op: &str, ov: &str, tittel: &str) -> (usize, bool) {
        if let Some(&i) = self.by_klasse.get(&(op.to_string(), ov.to_string())) {
            return (i, false);
        }
        let system = self.system(op, "", "", None);
        let id = if ov.is_empty() { "(tom)" } else { ov };
        let tittel = if tittel.is_empty() { id } else { tittel };
        self.klasser.push(Klasse { klasse_id: id.to_string(), tittel: tittel.to_string() });
        let i = self.klasser.len() - 1;
        self.systems[system].klasser.push(i);
        self.by_klasse.insert((op.to_string(), ov.to_string()), i);
        (i, true)
    }

    /// The klasse of the saker without a KLASSERING row, made the first time it is asked for.
    pub(super) fn unclassified(&mut self) -> usize {
        self.system(UNCLASSIFIED, "Uten klassering", "", None);
        self.klasse(UNCLASSIFIED, "0", "Saker uten klassering i Noark 4-uttrekket").0
    }
}

/// The klasse a sak goes under (its KLASSERING row with the lowest KL.SORT, or the
/// first), and the systemIDs of its other klasser. Values that ORDNVERDI lacks get a
/// klasse of their own (reported once); a sak without KLASSERING goes under "Uten
/// klassering" (reported).
pub(super) fn classify(
    klasser: &mut Klasser,
    mut rows: Vec<SourceRow>,
    sa: &SourceRow,
    setup: &Setup,
    report: &mut Conversion,
) -> (usize, Vec<String>) {
    if rows.is_empty() {
        let message = "no KLASSERING row for this sak; the saksmappe is put under the klasse \"Uten klassering\"";
        report.findings.push(row_finding(
            &setup.files,
            Severity::Warning,
            "N4.UNCLASSIFIED",
            sa,
            "NOARKSAK",
            message.into(),
        ));
        return (klasser.unclassified(), Vec::new());
    }
    rows.sort_by_key(|r| value(&r.row, "KL.SORT").parse::<u64>().unwrap_or(u64::MAX));
    let mut primary = 0;
    let mut sekundaer = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let (op, ov) = (value(&r.row, "KL.ORDNPRI"), value(&r.row, "KL.ORDNVER"));
        let (k, new) = klasser.klasse(op, ov, "");
        if new {
            let message = format!(
                "KL.ORDNVER {ov:?} of KL.ORDNPRI {op:?} is in no ORDNVERDI row; a klasse is made with the value as its title"
            );
            report.findings.push(row_finding(&setup.files, Severity::Warning, "N4.KLASSE", r, "KLASSERING", message));
        }
        if i == 0 {
            primary = k;
        } else {
            sekundaer.push(system_id(setup.source, "ORDNVERDI", &format!("{op}/{ov}")));
        }
    }
    (primary, sekundaer)
}

impl Klassifikasjonssystem {
    /// The start of its klassifikasjonssystem element, with its fields; `from` is the date
    /// it was made where OP.FRADATO gives none (the extract's first date).
    pub(super) fn open(&self, c: &mut Converter, from: &str) -> Fragment {
        let mut x = Fragment::new(Vec::new(), 2);
        x.open("klassifikasjonssystem");
        x.field("systemID", &c.mint_id("ORDNPRINS", &self.key));
        field_nonempty(&mut x, "klassifikasjonstype", &self.kind);
        x.field("tittel", &self.tittel);
        x.field_of("opprettetDato", &[self.created(from), MIDNIGHT]);
        x.field("opprettetAv", "samla");
        x
    }

    /// The start of the element of its klasse `klasse`, with its fields.
    pub(super) fn open_klasse(&self, klasse: &Klasse, c: &mut Converter, from: &str) -> Fragment {
        let mut x = Fragment::new(Vec::new(), 3);
        x.open("klasse");
        x.field("systemID", &c.mint_id("ORDNVERDI", &format!("{}/{}", self.key, klasse.klasse_id)));
        x.field("klasseID", &klasse.klasse_id);
        x.field("tittel", &klasse.tittel);
        x.field_of("opprettetDato", &[self.created(from), MIDNIGHT]);
        x.field("opprettetAv", "samla");
        x
    }

    fn created<'a>(&'a self, from: &'a str) -> &'a str {
        self.from.as_deref().unwrap_or(from)
    }
}
