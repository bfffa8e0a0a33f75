//! Noark 4 dates: `YYYYMMDD`, and what extracts write instead.
//!
//! Noark 4 writes dates as `YYYYMMDD`. Real extracts also hold `DD.MM.YYYY`, two-digit
//! years (`YYMMDD`, `DD.MM.YY`) and sentinel values that stand for "no date"
//! (`00000000`, `99999999`, `19000101`, …). [`parse`] reads them all and says which it was.

use samla_noark5::model::{Date, days_in_month};

/// Two-digit years below this are read as 20xx, the others as 19xx.
///
/// Noark 4 systems were in use from 1999 into the 2010s; a year `29` is 2029 at the
/// latest plausible, `30` and up are the 1930s to 1990s.
pub const PIVOT: u32 = 30;

/// Values that systems wrote for "no date".
pub const SENTINELS: &[&str] =
    &["00000000", "99999999", "19000101", "18991230", "18991231", "99991231", "00010101", "18000101", "19700101"];

/// What a Noark 4 date value turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateValue {
    /// Empty: no date.
    Empty,
    /// A proper `YYYYMMDD` date.
    Date(Date),
    /// `DD.MM.YYYY`: accepted, but not what Noark 4 prescribes.
    Dotted(Date),
    /// A two-digit year (`YYMMDD` or `DD.MM.YY`), read with [`PIVOT`].
    TwoDigitYear(Date),
    /// A sentinel value standing for "no date" (see [`SENTINELS`]).
    Sentinel,
    /// Not a date.
    Invalid,
}

impl DateValue {
    /// The date, where there is one (also for the accepted forms).
    pub fn date(self) -> Option<Date> {
        match self {
            DateValue::Date(d) | DateValue::Dotted(d) | DateValue::TwoDigitYear(d) => Some(d),
            _ => None,
        }
    }
}

fn digits(s: &str) -> Option<u32> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) { s.parse().ok() } else { None }
}

fn valid(year: i32, month: u32, day: u32) -> Option<Date> {
    (year > 0 && (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)).then_some(Date {
        year,
        month,
        day,
    })
}

fn pivot(yy: u32) -> i32 {
    if yy < PIVOT { 2000 + yy as i32 } else { 1900 + yy as i32 }
}

/// Reads a Noark 4 date value.
///
/// ```
/// use samla_legacy::noark4::dates::{parse, DateValue};
/// use samla_noark5::model::Date;
/// let d = Date { year: 2001, month: 3, day: 15 };
/// assert_eq!(parse("20010315"), DateValue::Date(d));
/// assert_eq!(parse("15.03.2001"), DateValue::Dotted(d));
/// assert_eq!(parse("010315"), DateValue::TwoDigitYear(d));
/// assert_eq!(parse("15.03.01"), DateValue::TwoDigitYear(d));
/// assert_eq!(parse("19000101"), DateValue::Sentinel);
/// assert_eq!(parse("20010230"), DateValue::Invalid);
/// assert_eq!(parse(""), DateValue::Empty);
/// ```
pub fn parse(value: &str) -> DateValue {
    let s = value.trim();
    if s.is_empty() {
        return DateValue::Empty;
    }
    if SENTINELS.contains(&s) {
        return DateValue::Sentinel;
    }
    let b = s.as_bytes();
    let result = match b.len() {
        8 if b.iter().all(u8::is_ascii_digit) => {
            valid(digits(&s[0..4]).unwrap_or(0) as i32, digits(&s[4..6]).unwrap_or(0), digits(&s[6..8]).unwrap_or(0))
                .map(DateValue::Date)
        }
        6 if b.iter().all(u8::is_ascii_digit) => {
            valid(pivot(digits(&s[0..2]).unwrap_or(0)), digits(&s[2..4]).unwrap_or(0), digits(&s[4..6]).unwrap_or(0))
                .map(DateValue::TwoDigitYear)
        }
        _ => {
            let parts: Vec<&str> = s.split('.').collect();
            match parts.as_slice() {
                [d, m, y] if y.len() == 4 && d.len() <= 2 && m.len() <= 2 => match (digits(d), digits(m), digits(y)) {
                    (Some(d), Some(m), Some(y)) => valid(y as i32, m, d).map(DateValue::Dotted),
                    _ => None,
                },
                [d, m, y] if y.len() == 2 && d.len() <= 2 && m.len() <= 2 => match (digits(d), digits(m), digits(y)) {
                    (Some(d), Some(m), Some(y)) => valid(pivot(y), m, d).map(DateValue::TwoDigitYear),
                    _ => None,
                },
                _ => None,
            }
        }
    };
    result.unwrap_or(DateValue::Invalid)
}

/// True if the field holds a date by its name: the part after the table prefix ends in
/// `DATO` (`JP.JDATO`, `SA.DATO`, `AM.AVSKDATO`, `EI.PRODDATO`, …).
///
/// ```
/// use samla_legacy::noark4::dates::is_date_field;
/// assert!(is_date_field("JP.JDATO"));
/// assert!(!is_date_field("JP.ID"));
/// ```
pub fn is_date_field(name: &str) -> bool {
    let field = name.rsplit_once('.').map_or(name, |(_, f)| f);
    field.len() >= 4 && field[field.len() - 4..].eq_ignore_ascii_case("DATO")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pivot_splits_the_century() {
        assert_eq!(parse("290101").date().map(|d| d.year), Some(2029));
        assert_eq!(parse("300101").date().map(|d| d.year), Some(1930));
        assert_eq!(parse("991231").date().map(|d| d.year), Some(1999));
    }

    #[test]
    fn rejects_what_is_no_date() {
        for s in ["2001-03-15", "20011315", "32.01.2001", "1.1.1", "abcdefgh", "2001031"] {
            assert_eq!(parse(s), DateValue::Invalid, "{s}");
        }
        assert_eq!(parse("1.2.2003"), DateValue::Dotted(Date { year: 2003, month: 2, day: 1 }));
    }
}
