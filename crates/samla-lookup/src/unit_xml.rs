//! Where a unit's own metadata is kept: in its extract, read in place.
//!
//! A unit's metadata is its element without the units inside it. Most units are cut out
//! of arkivstruktur.xml by the parallel reader, which knows their bytes, so the index
//! keeps only the byte ranges of what is the unit's own (its element, less its sub-units)
//! and reads them from the extract when the unit is shown, as it does its documents. The
//! others (containers, and files in an encoding other than UTF-8) are stored as XML.

use std::ops::Range;

use samla_noark5::element::Span;
use samla_noark5::{Element, Error, ErrorKind, Extract, Result};

/// A unit's own metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitXml {
    /// Stored in the index, as XML.
    Stored(String),
    /// In its extract's arkivstruktur.xml, at these byte ranges, joined.
    InExtract(Vec<Range<u64>>),
}

impl Default for UnitXml {
    fn default() -> Self {
        UnitXml::Stored(String::new())
    }
}

/// The ranges of `e`'s own bytes in its file: its span less the spans of the children
/// that are units of their own (`inside`). `None` when the reader did not place it or one
/// of them.
pub fn own_ranges(e: &Element, inside: impl Fn(&Element) -> bool) -> Option<Vec<Range<u64>>> {
    let Span { start, end } = e.span?;
    let mut out = Vec::with_capacity(2);
    let mut at = start;
    for c in e.children.iter().filter(|c| inside(c)) {
        let s = c.span?;
        if s.start < at || s.end > end {
            return None;
        }
        if s.start > at {
            out.push(at..s.start);
        }
        at = s.end;
    }
    if end > at {
        out.push(at..end);
    }
    Some(out)
}

/// The ranges packed as LEB128 numbers: the first start, then each length and the gap to
/// the next range.
pub fn pack(ranges: &[Range<u64>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 * ranges.len() + 4);
    let mut put = |mut v: u64| loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            break;
        }
        out.push(b | 0x80);
    };
    let mut last = 0;
    for (i, r) in ranges.iter().enumerate() {
        put(if i == 0 { r.start } else { r.start - last });
        put(r.end - r.start);
        last = r.end;
    }
    out
}

/// The ranges [`pack`] packed; `None` if the bytes are not such a list.
pub fn unpack(bytes: &[u8]) -> Option<Vec<Range<u64>>> {
    let mut at = 0;
    let mut take = || -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *bytes.get(at)?;
            at += 1;
            v |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    };
    let mut out = Vec::new();
    let mut last = 0u64;
    while let Some(gap) = take() {
        let start = last.checked_add(gap)?;
        let end = start.checked_add(take()?)?;
        out.push(start..end);
        last = end;
    }
    // Every byte is read, or the last number was cut off.
    (pack(&out).len() == bytes.len()).then_some(out)
}

/// A unit's own metadata as an element, read from its extract (which `extract` opens)
/// where it is kept there. What is read in place must still be the unit indexed (element
/// `name` with `system_id`), or the extract changed after it was indexed.
pub fn read<X: std::ops::Deref<Target = Extract>>(
    xml: &UnitXml,
    name: &str,
    system_id: &str,
    extract: impl FnOnce() -> Result<X>,
) -> Result<Element> {
    let ranges = match xml {
        UnitXml::Stored(xml) => return samla_noark5::xml::parse_str(xml, "index"),
        UnitXml::InExtract(ranges) => ranges,
    };
    let extract = extract()?;
    let file = extract.find("arkivstruktur.xml").unwrap_or("arkivstruktur.xml").to_string();
    let shown = extract.display(&file);
    let changed = |what: String| {
        Error::new(ErrorKind::Content, &shown, what)
            .with_hint("the extract changed after it was indexed; index it again with `samla index`")
    };
    let bytes = extract.read_ranges(&file, ranges)?;
    let text = String::from_utf8(bytes).map_err(|_| changed(format!("unit {system_id} is not UTF-8 there")))?;
    let element = samla_noark5::xml::parse_str(&text, &shown)
        .map_err(|e| changed(format!("unit {system_id} no longer reads there: {e}")))?;
    if element.local_name() != name || element.value("systemID").map(str::trim) != Some(system_id) {
        return Err(changed(format!("the {name} with systemID {system_id} is no longer where it was indexed")));
    }
    Ok(element)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_pack_small_and_unpack_to_themselves() {
        let lists: [Vec<Range<u64>>; 4] = [
            Vec::new(),
            std::iter::once(0..0).collect(),
            std::iter::once(5..90).collect(),
            [4_000_000_000..4_000_001_700, 4_000_009_000..4_000_009_100].into(),
        ];
        for ranges in lists {
            let packed = pack(&ranges);
            assert_eq!(unpack(&packed), Some(ranges.clone()));
            assert!(packed.len() <= 5 * 2 * ranges.len(), "{packed:?}");
        }
        // A mappe's head and tail around its registreringer, a few GB into its file.
        assert_eq!(pack(&[2_000_000_000..2_000_000_700, 2_000_005_000..2_000_005_300]).len(), 11);
        assert_eq!(unpack(&[0x80]), None);
        assert_eq!(unpack(&[1]), None);
    }

    #[test]
    fn own_ranges_leave_out_the_units_inside_and_keep_dokumentobjekt() {
        let xml = "<mappe><systemID>m</systemID><registrering><systemID>r</systemID>\
                   <dokumentbeskrivelse><dokumentobjekt><format>pdf</format></dokumentobjekt></dokumentbeskrivelse>\
                   </registrering><saksdato>2020-01-01</saksdato></mappe>";
        let mut reader = samla_noark5::stream::UnitReader::parallel(
            std::io::Cursor::new(format!("<arkiv><arkivdel>{xml}</arkivdel></arkiv>").into_bytes()),
            "f",
            samla_noark5::stream::Split::ARKIVSTRUKTUR,
        );
        let at = "<arkiv><arkivdel>".len();
        let mappe = loop {
            match reader.next_event().unwrap() {
                Some(samla_noark5::stream::Event::Unit(u)) => break u,
                Some(_) => {}
                None => panic!("no unit"),
            }
        };
        let inside = |c: &Element| matches!(c.local_name(), "registrering" | "dokumentbeskrivelse");
        let own = |e: &Element| -> String {
            own_ranges(e, inside).unwrap().iter().map(|r| &xml[r.start as usize - at..r.end as usize - at]).collect()
        };
        assert_eq!(own(&mappe), "<mappe><systemID>m</systemID><saksdato>2020-01-01</saksdato></mappe>");
        let registrering = &mappe.children[1];
        assert_eq!(own(registrering), "<registrering><systemID>r</systemID></registrering>");
        assert!(own(&registrering.children[1]).contains("<dokumentobjekt><format>pdf</format></dokumentobjekt>"));
        // Made in memory: not in any file.
        assert_eq!(own_ranges(&Element::new("mappe"), inside), None);
    }
}
