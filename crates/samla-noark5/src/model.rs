//! The typed view of the Noark 5 arkivstruktur.
//!
//! Every element is kept as an [`Element`]; [`Kind`] says what it is in Noark terms
//! (taking `xsi:type` into account), and the accessors read the fields every later step
//! needs. Anything the model does not know stays in the tree untouched.

use std::fmt;

use crate::element::{Element, local_name};

/// Namespace of arkivstruktur.xml.
pub const NS_ARKIVSTRUKTUR: &str = "http://www.arkivverket.no/standarder/noark5/arkivstruktur";
/// Namespace of the Noark 5 metadatakatalog.
pub const NS_METADATAKATALOG: &str = "http://www.arkivverket.no/standarder/noark5/metadatakatalog";
/// Namespace of loependeJournal.xml.
pub const NS_LOEPENDE_JOURNAL: &str = "http://www.arkivverket.no/standarder/noark5/loependeJournal";
/// Namespace of offentligJournal.xml.
pub const NS_OFFENTLIG_JOURNAL: &str = "http://www.arkivverket.no/standarder/noark5/offentligJournal";
/// Namespace of endringslogg.xml.
pub const NS_ENDRINGSLOGG: &str = "http://www.arkivverket.no/standarder/noark5/endringslogg";
/// Namespace of XML Schema instances (`xsi:type`).
pub const NS_XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Fields that hold the systemID of another unit (everything named referanse* in the v5.0
/// schemas except the file and metadata references).
pub const ID_REFERENCES: &[&str] = &[
    "referanseArkivdel",
    "referanseArkivenhet",
    "referanseArvtaker",
    "referanseAvskrivesAvJournalpost",
    "referanseForloeper",
    "referanseForrigeMoete",
    "referanseFraMoeteregistrering",
    "referanseNesteMoete",
    "referanseSekundaerKlassifikasjon",
    "referanseTilKlasse",
    "referanseTilMappe",
    "referanseTilMoeteregistrering",
    "referanseTilRegistrering",
];

/// A mappe's own fields in the v5.0 schema's order, up to the mapper and registreringer
/// inside it.
pub const MAPPE_ORDER: &[&str] = &[
    "systemID",
    "mappeID",
    "tittel",
    "offentligTittel",
    "beskrivelse",
    "noekkelord",
    "dokumentmedium",
    "oppbevaringssted",
    "opprettetDato",
    "opprettetAv",
    "avsluttetDato",
    "avsluttetAv",
    "referanseArkivdel",
    "virksomhetsspesifikkeMetadata",
    "part",
    "kryssreferanse",
    "merknad",
    "kassasjon",
    "skjerming",
    "gradering",
];

/// A registrering's fields in the v5.0 schema's order, up to its merknad.
pub const REGISTRERING_ORDER: &[&str] = &[
    "systemID",
    "opprettetDato",
    "opprettetAv",
    "arkivertDato",
    "arkivertAv",
    "referanseArkivdel",
    "part",
    "kassasjon",
    "skjerming",
    "gradering",
    "dokumentbeskrivelse",
    "registreringsID",
    "tittel",
    "offentligTittel",
    "beskrivelse",
    "noekkelord",
    "forfatter",
    "dokumentmedium",
    "oppbevaringssted",
    "virksomhetsspesifikkeMetadata",
];

/// The index in `e`'s children where a new `field` goes: after the last child that
/// `order` (the schema's order of `e`'s fields) puts before it, or that is a `field` too
/// (a repeated field, such as merknad, goes after the ones there are).
pub fn insert_at(e: &Element, order: &[&str], field: &str) -> usize {
    let before = &order[..order.iter().position(|f| *f == field).unwrap_or(order.len())];
    e.children.iter().rposition(|c| c.local_name() == field || before.contains(&c.local_name())).map_or(0, |i| i + 1)
}

/// An arkivdel's fields in the v5.0 schema's order, up to its klassifikasjonssystem.
pub const ARKIVDEL_ORDER: &[&str] = &[
    "systemID",
    "tittel",
    "beskrivelse",
    "arkivdelstatus",
    "dokumentmedium",
    "oppbevaringssted",
    "opprettetDato",
    "opprettetAv",
    "avsluttetDato",
    "avsluttetAv",
    "arkivperiodeStartDato",
    "arkivperiodeSluttDato",
    "referanseForloeper",
    "referanseArvtaker",
];

/// The root element of a Noark 5 file: its namespace, the xsi namespace and the schema
/// location `<ns> <xsd>`, in that order.
///
/// ```
/// use samla_noark5::model::{NS_ENDRINGSLOGG, document_root};
/// let root = document_root("endringslogg", NS_ENDRINGSLOGG, "endringslogg.xsd");
/// assert_eq!(root.attr("xsi:schemaLocation"), Some("http://www.arkivverket.no/standarder/noark5/endringslogg endringslogg.xsd"));
/// ```
pub fn document_root(name: &str, ns: &str, xsd: &str) -> Element {
    let mut e = Element::new(name);
    e.set_attr("xmlns", ns);
    e.set_attr("xmlns:xsi", NS_XSI);
    e.set_attr("xsi:schemaLocation", format!("{ns} {xsd}"));
    e
}

/// The Noark 5 version of an extract. All use the same namespaces; the version sits in
/// arkivuttrekk.xml (`info/type/version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// Noark 5 v3.1 (also accepts extracts labelled 3.0).
    V3_1,
    /// Noark 5 v4.0.
    V4_0,
    /// Noark 5 v5.0.
    V5_0,
}

impl Version {
    /// All supported versions.
    pub const ALL: [Version; 3] = [Version::V3_1, Version::V4_0, Version::V5_0];

    /// Parses "5.0", "4.0", "3.1" (and "3.0", "5", "v5_0" forms).
    ///
    /// ```
    /// use samla_noark5::Version;
    /// assert_eq!(Version::parse("5.0"), Some(Version::V5_0));
    /// assert_eq!(Version::parse("v3_1"), Some(Version::V3_1));
    /// assert_eq!(Version::parse("2.0"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Version> {
        let s = s.trim().trim_start_matches(['v', 'V']).replace('_', ".");
        match s.as_str() {
            "5.0" | "5" => Some(Version::V5_0),
            "4.0" | "4" => Some(Version::V4_0),
            "3.1" | "3.0" | "3" => Some(Version::V3_1),
            _ => None,
        }
    }

    /// The version as written in arkivuttrekk.xml: "5.0", "4.0" or "3.1".
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V3_1 => "3.1",
            Version::V4_0 => "4.0",
            Version::V5_0 => "5.0",
        }
    }

    /// The folder name of this version's schemas under `schemas/noark5/`.
    pub fn schema_folder(self) -> &'static str {
        match self {
            Version::V3_1 => "v3_1",
            Version::V4_0 => "v4_0",
            Version::V5_0 => "v5_0",
        }
    }

    /// The document folder this version names: `DOKUMENT` in v5.0, `dokumenter` before.
    pub fn document_folder(self) -> &'static str {
        match self {
            Version::V5_0 => "DOKUMENT",
            _ => "dokumenter",
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of mappe, from `xsi:type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MappeType {
    /// A plain mappe.
    Mappe,
    /// xsi:type="saksmappe".
    Saksmappe,
    /// xsi:type="moetemappe".
    Moetemappe,
}

/// The kind of registrering, from `xsi:type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RegistreringType {
    /// A plain registrering.
    Registrering,
    /// xsi:type="basisregistrering" (v3.1 and v4.0).
    Basisregistrering,
    /// xsi:type="journalpost".
    Journalpost,
    /// xsi:type="moeteregistrering".
    Moeteregistrering,
    /// xsi:type="arkivnotat" (v5.0).
    Arkivnotat,
}

/// What an element is in the Noark 5 arkivstruktur.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Kind {
    Arkiv,
    Arkivskaper,
    Arkivdel,
    Klassifikasjonssystem,
    Klasse,
    Mappe(MappeType),
    Registrering(RegistreringType),
    Dokumentbeskrivelse,
    Dokumentobjekt,
    Korrespondansepart,
    Part,
    Sakspart,
    Merknad,
    Kryssreferanse,
    Presedens,
    Skjerming,
    Gradering,
    Kassasjon,
    UtfoertKassasjon,
    Sletting,
    Konvertering,
    Dokumentflyt,
    Avskrivning,
    ElektroniskSignatur,
    Moetedeltaker,
    /// Business-specific metadata: kept verbatim, never interpreted.
    VirksomhetsspesifikkeMetadata,
    /// A field holding a value (systemID, tittel, …).
    Field,
    /// An element with children that the model does not know.
    Unknown,
}

impl Element {
    /// The `xsi:type` value without prefix, whatever prefix the document bound to XSI.
    pub fn xsi_type(&self) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| local_name(n) == "type" && n.contains(':') && !n.starts_with("xmlns"))
            .map(|(_, v)| local_name(v.trim()))
    }

    /// What this element is in Noark 5 terms.
    ///
    /// ```
    /// use samla_noark5::{Element, model::{Kind, MappeType}};
    /// let mut m = Element::new("mappe");
    /// m.set_attr("xsi:type", "saksmappe");
    /// assert_eq!(m.kind(), Kind::Mappe(MappeType::Saksmappe));
    /// ```
    pub fn kind(&self) -> Kind {
        match self.local_name() {
            "arkiv" => Kind::Arkiv,
            "arkivskaper" => Kind::Arkivskaper,
            "arkivdel" => Kind::Arkivdel,
            "klassifikasjonssystem" => Kind::Klassifikasjonssystem,
            "klasse" => Kind::Klasse,
            "mappe" => Kind::Mappe(match self.xsi_type() {
                Some("saksmappe") => MappeType::Saksmappe,
                Some("moetemappe") => MappeType::Moetemappe,
                _ => MappeType::Mappe,
            }),
            "registrering" => Kind::Registrering(match self.xsi_type() {
                Some("journalpost") => RegistreringType::Journalpost,
                Some("moeteregistrering") => RegistreringType::Moeteregistrering,
                Some("arkivnotat") => RegistreringType::Arkivnotat,
                Some("basisregistrering") => RegistreringType::Basisregistrering,
                _ => RegistreringType::Registrering,
            }),
            "dokumentbeskrivelse" => Kind::Dokumentbeskrivelse,
            "dokumentobjekt" => Kind::Dokumentobjekt,
            "korrespondansepart" => Kind::Korrespondansepart,
            "part" => Kind::Part,
            "sakspart" => Kind::Sakspart,
            "merknad" => Kind::Merknad,
            "kryssreferanse" => Kind::Kryssreferanse,
            "presedens" => Kind::Presedens,
            "skjerming" => Kind::Skjerming,
            "gradering" => Kind::Gradering,
            "kassasjon" => Kind::Kassasjon,
            "utfoertKassasjon" => Kind::UtfoertKassasjon,
            "sletting" => Kind::Sletting,
            "konvertering" => Kind::Konvertering,
            "dokumentflyt" => Kind::Dokumentflyt,
            "avskrivning" => Kind::Avskrivning,
            "elektroniskSignatur" => Kind::ElektroniskSignatur,
            "moetedeltaker" => Kind::Moetedeltaker,
            "virksomhetsspesifikkeMetadata" => Kind::VirksomhetsspesifikkeMetadata,
            _ if self.children.is_empty() => Kind::Field,
            _ => Kind::Unknown,
        }
    }

    /// The systemID field.
    pub fn system_id(&self) -> Option<&str> {
        self.value("systemID").map(str::trim)
    }

    /// The date in field `local` (xs:date or the date part of xs:dateTime).
    ///
    /// `None` if the field is absent; `Some(Err(text))` if it is not a valid date.
    pub fn date(&self, local: &str) -> Option<Result<Date, String>> {
        self.value(local).map(|v| Date::parse(v).ok_or_else(|| v.to_string()))
    }
}

/// A calendar date, as Noark 5 fields carry them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// Day, 1–31.
    pub day: u32,
}

impl Date {
    /// Parses an xs:date or xs:dateTime (the date part; time and zone are checked for form).
    ///
    /// ```
    /// use samla_noark5::model::Date;
    /// assert_eq!(Date::parse("2019-02-28").map(|d| d.day), Some(28));
    /// assert!(Date::parse("2019-02-29").is_none());
    /// assert!(Date::parse("2019-02-28T12:30:00+01:00").is_some());
    /// assert!(Date::parse("28.02.2019").is_none());
    /// ```
    pub fn parse(s: &str) -> Option<Date> {
        let s = s.trim();
        let b = s.as_bytes();
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = s.get(r)?;
            if part.bytes().all(|c| c.is_ascii_digit()) { part.parse().ok() } else { None }
        };
        let date = Date { year: num(0..4)? as i32, month: num(5..7)?, day: num(8..10)? };
        if date.month == 0 || date.month > 12 || date.day == 0 || date.day > days_in_month(date.year, date.month) {
            return None;
        }
        let rest = &s[10..];
        let rest = match rest.strip_prefix('T') {
            Some(time) => {
                let tb = time.as_bytes();
                if tb.len() < 8 || tb[2] != b':' || tb[5] != b':' {
                    return None;
                }
                let (h, m, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
                if h > 24 || m > 59 || sec > 60 {
                    return None;
                }
                let mut after = &time[8..];
                if let Some(frac) = after.strip_prefix('.') {
                    let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
                    if digits == 0 {
                        return None;
                    }
                    after = &frac[digits..];
                }
                after
            }
            None => rest,
        };
        let zone_ok = match rest {
            "" | "Z" => true,
            z => {
                let zb = z.as_bytes();
                zb.len() == 6
                    && (zb[0] == b'+' || zb[0] == b'-')
                    && zb[3] == b':'
                    && zb[1..3].iter().chain(&zb[4..6]).all(u8::is_ascii_digit)
            }
        };
        zone_ok.then_some(date)
    }

    /// Days since 1970-01-01 (negative before).
    pub fn to_days(self) -> i64 {
        days_from_civil(self.year as i64, self.month as i64, self.day as i64)
    }

    /// The date `days` days after 1970-01-01.
    pub fn from_days(days: i64) -> Date {
        let (y, m, d) = civil_from_days(days);
        Date { year: y as i32, month: m as u32, day: d as u32 }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Digit by digit: dates are written by the million in conversions.
        if (0..=9999).contains(&self.year) && self.month <= 99 && self.day <= 99 {
            let (y, m, d) = (self.year as u32, self.month, self.day);
            let digit = |n: u32| b'0' + (n % 10) as u8;
            let text = [
                digit(y / 1000),
                digit(y / 100),
                digit(y / 10),
                digit(y),
                b'-',
                digit(m / 10),
                digit(m),
                b'-',
                digit(d / 10),
                digit(d),
            ];
            return f.write_str(std::str::from_utf8(&text).expect("ASCII digits"));
        }
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Days in `month` of `year`.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

// Howard Hinnant's civil calendar algorithms.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_xs_date() {
        let text = |year, month, day| Date { year, month, day }.to_string();
        assert_eq!(text(2026, 11, 23), "2026-11-23");
        assert_eq!(text(987, 3, 7), "0987-03-07");
        assert_eq!(text(0, 1, 1), "0000-01-01");
        assert_eq!(text(12345, 1, 1), "12345-01-01");
        assert_eq!(text(-44, 3, 15), "-044-03-15");
    }

    #[test]
    fn days_round_trip() {
        for days in [-800_000, -1, 0, 1, 18_000, 19_000, 2_932_896] {
            assert_eq!(Date::from_days(days).to_days(), days);
        }
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::parse("2020-01-01").unwrap().to_days(), 18262);
        // `date -d 2026-11-22Z +%s` / 86400
        assert_eq!(Date::parse("2000-03-01").unwrap().to_days(), 11_017);
        assert_eq!(Date::parse("2026-11-22").unwrap().to_days(), 20_779);
    }

    #[test]
    fn date_forms() {
        assert!(Date::parse("2020-02-29").is_some());
        assert!(Date::parse("2021-02-29").is_none());
        assert!(Date::parse("2020-13-01").is_none());
        assert!(Date::parse("2020-01-01T10:00:00Z").is_some());
        assert!(Date::parse("2020-01-01T10:00:00.123+01:00").is_some());
        assert!(Date::parse("2020-01-01T10:00").is_none());
        assert!(Date::parse("2020-01-01 10:00:00").is_none());
    }
}
