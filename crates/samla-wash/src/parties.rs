//! The parties of a Noark 5 extract as a table to wash: every korrespondansepart, part
//! and sakspart in arkivstruktur.xml, streamed with the samla-noark5 reader.

use std::path::Path;

use polars::prelude::*;
use samla_noark5::Element;
use samla_noark5::stream::{Event, Split, UnitReader};

use crate::error::{self, Result};
use crate::table::Table;

/// The columns of the parties table, in order.
pub const COLUMNS: [&str; 9] =
    ["key", "systemID", "element", "navn", "fnr", "orgnr", "postadresse", "postnummer", "poststed"];

/// True when `path` is a Noark 5 extract (a folder with arkivstruktur.xml, or a tar).
pub fn is_extract(path: &Path) -> bool {
    path.is_dir() || path.extension().is_some_and(|e| e.eq_ignore_ascii_case("tar"))
}

/// Reads the parties of the extract at `path` (folder, tar or DIAS package) into a
/// table: one row per korrespondansepart, part or sakspart, keyed by the systemID of the
/// registrering or mappe that holds it and its place there ("<systemID>#2").
/// Identifiers come from partID/sakspartID, from fødselsnummer or
/// organisasjonsnummer fields inside the party, or from the holder's
/// virksomhetsspesifikkeMetadata where a vendor put them beside the party's name.
pub fn read_parties(path: &Path) -> Result<Table> {
    let hint = "check the extract with `samla check`";
    let extract = samla_noark5::Extract::open(path).map_err(|e| error::extract(e, hint))?;
    let name = extract
        .find("arkivstruktur.xml")
        .ok_or_else(|| error::invalid(path, "the extract has no arkivstruktur.xml", hint))?
        .to_string();
    let file = extract.open_file(&name).map_err(|e| error::extract(e, hint))?;
    // The units are parsed on every core, in order: the rows come out as a sequential read gives them.
    let mut reader = UnitReader::parallel(file, extract.display(&name), Split::ARKIVSTRUKTUR);
    let mut rows: Vec<[String; 9]> = Vec::new();
    while let Some(event) = reader.next_event().map_err(|e| error::extract(e, hint))? {
        if let Event::Unit(unit) = event {
            visit(&unit, &mut rows, true, true);
        }
    }
    let columns: Vec<Column> = COLUMNS
        .iter()
        .enumerate()
        .map(|(c, n)| {
            let values: Vec<Option<&str>> =
                rows.iter().map(|r| Some(r[c].as_str()).filter(|v| !v.is_empty())).collect();
            Column::new((*n).into(), values)
        })
        .collect();
    let frame = DataFrame::new_infer_height(columns).map_err(|e| error::invalid(path, e.to_string(), ""))?;
    // Washed as CSV, like a table would be.
    Ok(Table { path: path.to_path_buf(), separator: Some(b';'), frame })
}

/// The parties of one unit (a mappe or registrering, with the units inside it), one row
/// each, as [`read_parties`] has them.
pub fn rows(unit: &Element) -> Vec<[String; 9]> {
    let mut rows = Vec::new();
    visit(unit, &mut rows, true, true);
    rows
}

/// The unit's own parties only, not those of the units inside it.
pub fn own_rows(unit: &Element) -> Vec<[String; 9]> {
    let mut rows = Vec::new();
    visit(unit, &mut rows, true, false);
    rows
}

/// The parties of the units inside `unit`, not its own.
pub fn rows_inside(unit: &Element) -> Vec<[String; 9]> {
    let mut rows = Vec::new();
    visit(unit, &mut rows, false, true);
    rows
}

fn visit(holder: &Element, rows: &mut Vec<[String; 9]>, own: bool, inside: bool) {
    let system_id = holder.value("systemID").unwrap_or_default();
    let mut n = 0;
    for child in &holder.children {
        let local = child.local_name();
        if matches!(local, "korrespondansepart" | "part" | "sakspart") {
            n += 1;
            if own {
                rows.push(party(holder, child, system_id, n));
            }
        } else if inside && !child.children.is_empty() && local != "virksomhetsspesifikkeMetadata" {
            visit(child, rows, true, true);
        }
    }
}

fn party(holder: &Element, p: &Element, system_id: &str, n: usize) -> [String; 9] {
    let first = |names: &[&str]| first_text(p, names);
    let navn = first(&["korrespondansepartNavn", "partNavn", "sakspartNavn", "navn"]);
    let (fnr, orgnr) = party_ids(holder, p);
    [
        format!("{system_id}#{n}"),
        system_id.to_string(),
        p.local_name().to_string(),
        navn,
        fnr,
        orgnr,
        first(&["postadresse"]),
        first(&["postnummer"]),
        first(&["poststed"]),
    ]
}

/// The first non-empty text among the descendants of `p` named one of `names`.
pub fn first_text(p: &Element, names: &[&str]) -> String {
    p.descendants()
        .find(|d| names.contains(&d.local_name()) && !d.text.trim().is_empty())
        .map(|d| d.text.trim().to_string())
        .unwrap_or_default()
}

/// The fødselsnummer (or D-number) and organisasjonsnummer of party `p` of unit `holder`:
/// from the party's own fields, its partID, or, as vendors carry them, the
/// virksomhetsspesifikkeMetadata beside the party's name.
pub fn party_ids(holder: &Element, p: &Element) -> (String, String) {
    let first = |names: &[&str]| first_text(p, names);
    let navn = first(&["korrespondansepartNavn", "partNavn", "sakspartNavn", "navn"]);
    let mut fnr = first(&["foedselsnummer", "DNummer"]);
    let mut orgnr = first(&["organisasjonsnummer"]);
    let id = first(&["partID", "sakspartID"]);
    let digits = id.chars().filter(char::is_ascii_digit).count();
    match (id.len(), digits) {
        (11, 11) if fnr.is_empty() => fnr = id,
        (9, 9) if orgnr.is_empty() => orgnr = id,
        _ => {}
    }
    // Vendors carry the identifier beside the party's name in virksomhetsspesifikkeMetadata.
    if fnr.is_empty() && orgnr.is_empty() {
        for vsm in holder.children_named("virksomhetsspesifikkeMetadata") {
            for group in vsm
                .descendants()
                .filter(|d| d.children.iter().any(|c| c.local_name() == "navn" && c.text.trim() == navn))
            {
                for c in &group.children {
                    match c.local_name() {
                        "foedselsnummer" | "DNummer" => fnr = c.text.trim().to_string(),
                        "organisasjonsnummer" => orgnr = c.text.trim().to_string(),
                        _ => {}
                    }
                }
            }
        }
    }
    (fnr, orgnr)
}
