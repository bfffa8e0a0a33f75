//! What is held in memory before the tables are joined: the persons, administrative
//! units and access codes the rows refer to, DOKBESKRIV and DOKVERSJON keyed by DB.DOKID,
//! and the settings every worker reads.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::Path;

use samla_noark5::Result;

use super::super::Noark4;
use super::super::dates;
use super::shared::{FileNames, SourceRow, load_table, value};

/// What every worker reads and none changes.
pub(super) struct Setup<'a> {
    /// The source's name, part of every systemID.
    pub(super) source: &'a str,
    /// The output folder (documents are copied below it).
    pub(super) out: &'a Path,
    /// The extract's folder (documents are found below it).
    pub(super) root: &'a Path,
    /// PN.ID → PN.NAVN.
    pub(super) persons: HashMap<String, String>,
    /// AI.ID → AI.ADMBET.
    pub(super) admin_units: HashMap<String, String>,
    /// The DOKBESKRIV rows by DB.DOKID (the first of each key).
    pub(super) dokbeskriv: HashMap<String, SourceRow>,
    /// The DOKVERSJON rows by VE.DOKID, in file order.
    pub(super) dokversjon_by_dokid: HashMap<String, Vec<SourceRow>>,
    /// The date written where a required one is missing: the extract's production date
    /// (EI.PRODDATO), else 1900-01-01.
    pub(super) fallback_date: String,
    /// The systemID of the one arkivdel every saksmappe refers to.
    pub(super) arkivdel_id: String,
    /// TK.TGKODE → TK.BETEGN, the source's own texts for its access codes.
    pub(super) tgkoder: HashMap<String, String>,
    /// Saksmapper go under klasser (depth 4), not straight under the arkivdel (depth 2).
    pub(super) classified: bool,
    pub(super) files: FileNames,
}

/// What loading found beside the [`Setup`]: the rows read of DOKBESKRIV and DOKVERSJON,
/// the DOKBESKRIV rows whose key came before, and the first ARKIV and ARKIVDEL rows.
pub(super) struct Loaded {
    pub(super) dokbeskriv_read: u64,
    pub(super) dokversjon_read: u64,
    pub(super) duplicates: Vec<SourceRow>,
    pub(super) arkiv: Option<SourceRow>,
    pub(super) arkivdel: Option<SourceRow>,
}

impl<'a> Setup<'a> {
    /// Reads the small tables; the arkivdel's systemID and whether the extract is
    /// classified are left for the caller to set.
    pub(super) fn load(extract: &'a Noark4, source: &'a str, out: &'a Path) -> Result<(Setup<'a>, Loaded)> {
        let fallback = extract.index.export_value("EI.PRODDATO").and_then(|d| dates::parse(d).date());
        let mut setup = Setup {
            source,
            out,
            root: &extract.root,
            persons: HashMap::new(),
            admin_units: HashMap::new(),
            dokbeskriv: HashMap::new(),
            dokversjon_by_dokid: HashMap::new(),
            fallback_date: fallback.map(|d| d.to_string()).unwrap_or_else(|| "1900-01-01".to_string()),
            arkivdel_id: String::new(),
            tgkoder: HashMap::new(),
            classified: false,
            files: FileNames::new(extract),
        };
        load_table(extract, &setup.files, "PERNAVN", &mut |s| {
            setup.persons.insert(value(&s.row, "PN.ID").to_string(), value(&s.row, "PN.NAVN").to_string());
        })?;
        load_table(extract, &setup.files, "TGKODE", &mut |s| {
            let betegn = value(&s.row, "TK.BETEGN");
            if !betegn.is_empty() {
                setup.tgkoder.insert(value(&s.row, "TK.TGKODE").to_string(), betegn.to_string());
            }
        })?;
        load_table(extract, &setup.files, "ADMINDEL", &mut |s| {
            setup.admin_units.insert(value(&s.row, "AI.ID").to_string(), value(&s.row, "AI.ADMBET").to_string());
        })?;
        let mut duplicates = Vec::new();
        let dokbeskriv_read = load_table(extract, &setup.files, "DOKBESKRIV", &mut |s| match setup
            .dokbeskriv
            .entry(value(&s.row, "DB.DOKID").to_string())
        {
            Entry::Occupied(_) => duplicates.push(s),
            Entry::Vacant(slot) => {
                slot.insert(s);
            }
        })?;
        let dokversjon_read = load_table(extract, &setup.files, "DOKVERSJON", &mut |s| {
            setup.dokversjon_by_dokid.entry(value(&s.row, "VE.DOKID").to_string()).or_default().push(s)
        })?;
        let mut arkiv = None;
        load_table(extract, &setup.files, "ARKIV", &mut |s| {
            arkiv.get_or_insert(s);
        })?;
        let mut arkivdel = None;
        load_table(extract, &setup.files, "ARKIVDEL", &mut |s| {
            arkivdel.get_or_insert(s);
        })?;
        Ok((setup, Loaded { dokbeskriv_read, dokversjon_read, duplicates, arkiv, arkivdel }))
    }

    /// How deep saksmapper stand in arkivstruktur.xml.
    pub(super) fn mappe_depth(&self) -> usize {
        if self.classified { 4 } else { 2 }
    }
}
