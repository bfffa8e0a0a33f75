//! Norwegian identifiers, checked with the reason when they are not valid.
//!
//! - [`check_person`]: fødselsnummer and its variants: D-number (first digit + 4),
//!   H-number (month + 40), FH-number (first digit 8 or 9), Skatteetaten's synthetic
//!   test numbers (month + 80), NAV's synthetic numbers (month + 40, only when asked,
//!   since they collide with H-numbers), and the check-digit rule from 2032.
//! - [`check_orgnr`]: organisasjonsnummer (weights 3,2,7,6,5,4,3,2, mod 11).
//! - [`check_kontonummer`]: bank account numbers (weights 5,4,3,2,7,6,5,4,3,2, mod 11).
//!
//! ```
//! use samla_ids::{check_orgnr, check_person, PersonKind, Reason, Rules};
//! assert_eq!(check_orgnr("974760673"), Ok(()));
//! assert_eq!(check_orgnr("974760674").unwrap_err().reason, Reason::CheckDigit);
//! let rules = Rules::default();
//! assert_eq!(check_person("41019710066", rules).map(|p| p.kind), Ok(PersonKind::DNummer));
//! ```

#![warn(missing_docs)]

use std::fmt;

/// Why a number is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// Not the right number of characters.
    Length,
    /// A character that is not a digit.
    NotDigits,
    /// The digits do not make a date (fødselsnummer and variants).
    Date,
    /// A check digit is wrong.
    CheckDigit,
}

/// A number that is not valid, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The reason.
    pub reason: Reason,
    /// What exactly, for a person to read.
    pub message: String,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Invalid {}

fn invalid(reason: Reason, message: impl Into<String>) -> Invalid {
    Invalid { reason, message: message.into() }
}

fn digits(s: &str, len: usize) -> Result<Vec<u32>, Invalid> {
    let n = s.chars().count();
    if n != len {
        return Err(invalid(Reason::Length, format!("{n} characters, not {len}")));
    }
    s.chars()
        .map(|c| c.to_digit(10).ok_or_else(|| invalid(Reason::NotDigits, format!("{c:?} is not a digit"))))
        .collect()
}

fn weighted(digits: &[u32], weights: &[u32]) -> u32 {
    digits.iter().zip(weights).map(|(d, w)| d * w).sum()
}

/// The mod-11 check digit for `digits` with `weights`, or `None` when it would be 10
/// (no number can end so).
pub fn mod11(digits: &[u32], weights: &[u32]) -> Option<u32> {
    match 11 - weighted(digits, weights) % 11 {
        11 => Some(0),
        10 => None,
        k => Some(k),
    }
}

/// Which kind of person number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PersonKind {
    /// An ordinary fødselsnummer.
    Fodselsnummer,
    /// D-number: first digit + 4 (foreigners, temporary).
    DNummer,
    /// H-number: month + 40 (help number in health services).
    HNummer,
    /// FH-number: first digit 8 or 9 (no date in it).
    FhNummer,
    /// Skatteetaten's synthetic test number: month + 80.
    SyntheticSkatteetaten,
    /// NAV's synthetic test number: month + 40, when asked for in [`Rules`].
    SyntheticNav,
}

/// A valid person number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Person {
    /// Its kind.
    pub kind: PersonKind,
    /// True when only the check-digit rule in force from 2032 accepts it.
    pub by_2032_rule: bool,
}

/// Which rules to apply to person numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Read month + 40 as NAV's synthetic numbers instead of H-numbers.
    pub nav_synthetic: bool,
    /// Accept numbers that only the rule in force from 2032 allows: the first check
    /// digit's remainder may be 0, 1, 2 or 3 (Skatteetaten's new scheme).
    pub rule_2032: bool,
}

impl Default for Rules {
    fn default() -> Self {
        Rules { nav_synthetic: false, rule_2032: true }
    }
}

const K1: [u32; 10] = [3, 7, 6, 1, 8, 9, 4, 5, 2, 1];
const K2: [u32; 11] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1];

fn is_leap(y: u32) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

/// Checks a fødselsnummer or one of its variants.
///
/// ```
/// use samla_ids::{check_person, Reason, Rules};
/// assert!(check_person("01010112345", Rules::default()).is_err());
/// assert_eq!(check_person("1234", Rules::default()).unwrap_err().reason, Reason::Length);
/// ```
pub fn check_person(s: &str, rules: Rules) -> Result<Person, Invalid> {
    let d = digits(s, 11)?;
    let kind = if d[0] >= 8 {
        PersonKind::FhNummer
    } else {
        let (day_tens, kind_by_day) = if d[0] >= 4 { (d[0] - 4, Some(PersonKind::DNummer)) } else { (d[0], None) };
        let raw_month = d[2] * 10 + d[3];
        let (month, kind_by_month) = match raw_month {
            m if m > 80 => (m - 80, Some(PersonKind::SyntheticSkatteetaten)),
            m if m > 40 => {
                (m - 40, Some(if rules.nav_synthetic { PersonKind::SyntheticNav } else { PersonKind::HNummer }))
            }
            m => (m, None),
        };
        let day = day_tens * 10 + d[1];
        // The year's century is not in the number; 29 February is allowed when some
        // century makes it a leap year (2000 is one), so only impossible days fail.
        let year = d[4] * 10 + d[5];
        let max_day = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if is_leap(2000 + year) || is_leap(1900 + year) => 29,
            2 => 28,
            _ => return Err(invalid(Reason::Date, format!("month {month:02} does not exist"))),
        };
        if day == 0 || day > max_day {
            return Err(invalid(Reason::Date, format!("day {day:02} does not exist in month {month:02}")));
        }
        kind_by_month.or(kind_by_day).unwrap_or(PersonKind::Fodselsnummer)
    };
    let r1 = weighted(&d[..10], &K1) % 11;
    let r2 = weighted(&d[..11], &K2) % 11;
    if r2 != 0 {
        return Err(invalid(Reason::CheckDigit, "the second check digit is wrong"));
    }
    match r1 {
        0 => Ok(Person { kind, by_2032_rule: false }),
        1..=3 if rules.rule_2032 => Ok(Person { kind, by_2032_rule: true }),
        _ => Err(invalid(Reason::CheckDigit, "the first check digit is wrong")),
    }
}

/// The birth date a person number holds, as (year, month, day): D-numbers, H-numbers
/// and synthetic numbers decoded, the century from the individnummer ranges. `None` for
/// anything that is not 11 digits or whose individnummer fits no century for its year.
/// The date itself is not checked: use [`check_person`] for that.
///
/// ```
/// use samla_ids::birth_date_of;
/// assert_eq!(birth_date_of("30108299939"), Some((1982, 10, 30)));
/// assert_eq!(birth_date_of("41019710066"), Some((1997, 1, 1)));
/// assert_eq!(birth_date_of("30908299902"), Some((1982, 10, 30)));
/// ```
pub fn birth_date_of(id: &str) -> Option<(u16, u8, u8)> {
    let d: Vec<u32> = id.bytes().map(|b| u32::from(b.wrapping_sub(b'0'))).collect();
    if d.len() != 11 || d.iter().any(|&x| x > 9) {
        return None;
    }
    let mut day = d[0] * 10 + d[1];
    let mut month = d[2] * 10 + d[3];
    if day > 40 {
        day -= 40;
    }
    if month > 80 {
        month -= 80;
    } else if month > 40 {
        month -= 40;
    }
    let yy = d[4] * 10 + d[5];
    let individ = d[6] * 100 + d[7] * 10 + d[8];
    let year = match individ {
        0..=499 => 1900 + yy,
        500..=749 if yy >= 54 => 1800 + yy,
        500..=999 if yy <= 39 => 2000 + yy,
        900..=999 => 1900 + yy,
        _ => return None,
    };
    Some((year as u16, month as u8, day as u8))
}

/// Checks an organisasjonsnummer.
pub fn check_orgnr(s: &str) -> Result<(), Invalid> {
    let d = digits(s, 9)?;
    if mod11(&d[..8], &[3, 2, 7, 6, 5, 4, 3, 2]) != Some(d[8]) {
        return Err(invalid(Reason::CheckDigit, "the check digit is wrong"));
    }
    Ok(())
}

/// Checks a kontonummer (11 digits; dots and spaces between groups are allowed).
///
/// ```
/// assert_eq!(samla_ids::check_kontonummer("8601.11.17947"), Ok(()));
/// assert!(samla_ids::check_kontonummer("8601.11.17948").is_err());
/// ```
pub fn check_kontonummer(s: &str) -> Result<(), Invalid> {
    let compact: String = s.chars().filter(|c| *c != '.' && *c != ' ').collect();
    let d = digits(&compact, 11)?;
    if mod11(&d[..10], &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) != Some(d[10]) {
        return Err(invalid(Reason::CheckDigit, "the check digit is wrong"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Completes nine digits to a valid number with the classic rule, if one exists.
    fn complete(first9: &[u32]) -> Option<String> {
        let k1 = mod11(first9, &K1[..9])?;
        let mut ten = first9.to_vec();
        ten.push(k1);
        let k2 = mod11(&ten, &K2[..10])?;
        Some(ten.iter().chain([k2].iter()).map(|d| char::from_digit(*d, 10).unwrap()).collect())
    }

    fn date_digits(day: u32, month: u32, year: u32) -> Vec<u32> {
        vec![day / 10, day % 10, month / 10, month % 10, year / 10, year % 10]
    }

    proptest! {
        #[test]
        fn valid_numbers_pass_with_their_kind(day in 1u32..=28, month in 1u32..=12, year in 0u32..=99, individ in 0u32..=999, variant in 0usize..5) {
            let (day_digits, month_digits, kind) = match variant {
                0 => (day, month, PersonKind::Fodselsnummer),
                1 => (day + 40, month, PersonKind::DNummer),
                2 => (day, month + 40, PersonKind::HNummer),
                3 => (day, month + 80, PersonKind::SyntheticSkatteetaten),
                _ => (day, month, PersonKind::Fodselsnummer),
            };
            let mut first9 = date_digits(day_digits, month_digits, year);
            first9.extend([individ / 100, individ / 10 % 10, individ % 10]);
            if let Some(n) = complete(&first9) {
                let p = check_person(&n, Rules::default()).unwrap();
                prop_assert_eq!(p.kind, kind);
                prop_assert!(!p.by_2032_rule);
                // Any single changed digit makes it fail (mod 11 with weights < 11 catches it).
                for i in 0..11 {
                    let mut wrong: Vec<char> = n.chars().collect();
                    let old = wrong[i].to_digit(10).unwrap();
                    wrong[i] = char::from_digit((old + 1) % 10, 10).unwrap();
                    let wrong: String = wrong.into_iter().collect();
                    prop_assert!(check_person(&wrong, Rules { nav_synthetic: false, rule_2032: false }).is_err(), "{}", wrong);
                }
            }
        }

        #[test]
        fn valid_orgnr_pass_and_changed_digits_fail(base in 0u32..100_000_000) {
            let d: Vec<u32> = format!("{base:08}").chars().map(|c| c.to_digit(10).unwrap()).collect();
            if let Some(k) = mod11(&d, &[3, 2, 7, 6, 5, 4, 3, 2]) {
                let n = format!("{base:08}{k}");
                prop_assert_eq!(check_orgnr(&n), Ok(()));
                let wrong = format!("{base:08}{}", (k + 1) % 10);
                prop_assert_eq!(check_orgnr(&wrong).unwrap_err().reason, Reason::CheckDigit);
            }
        }

        #[test]
        fn anything_else_never_panics(s in "\\PC{0,14}") {
            let _ = check_person(&s, Rules::default());
            let _ = check_orgnr(&s);
            let _ = check_kontonummer(&s);
        }
    }

    #[test]
    fn the_official_vectors_and_each_with_one_digit_changed() {
        let rules = Rules::default();
        let vectors = [
            ("30108299939", PersonKind::Fodselsnummer, true),
            ("30908299902", PersonKind::SyntheticSkatteetaten, true),
            ("20036914700", PersonKind::Fodselsnummer, false),
            ("03851598730", PersonKind::SyntheticSkatteetaten, false),
        ];
        for (number, kind, by_2032_rule) in vectors {
            assert_eq!(check_person(number, rules), Ok(Person { kind, by_2032_rule }), "{number}");
            for i in 0..11 {
                let mut changed = number.as_bytes().to_vec();
                changed[i] = b'0' + (changed[i] - b'0' + 1) % 10;
                let changed = String::from_utf8(changed).unwrap();
                assert!(check_person(&changed, rules).is_err(), "{changed} (digit {i} of {number}) passed");
            }
        }
    }

    #[test]
    fn reasons_are_told() {
        assert_eq!(check_person("0101011234", Rules::default()).unwrap_err().reason, Reason::Length);
        assert_eq!(check_person("0101011234x", Rules::default()).unwrap_err().reason, Reason::NotDigits);
        assert_eq!(check_person("32010112345", Rules::default()).unwrap_err().reason, Reason::Date);
        assert_eq!(check_person("01130112345", Rules::default()).unwrap_err().reason, Reason::Date);
        assert_eq!(check_person("30020112345", Rules::default()).unwrap_err().reason, Reason::Date);
    }

    #[test]
    fn h_numbers_are_nav_synthetic_only_when_asked() {
        let n = complete(&[0, 1, 4, 1, 9, 0, 1, 2, 3]).expect("a valid H-number");
        let nav = Rules { nav_synthetic: true, ..Rules::default() };
        assert_eq!(check_person(&n, Rules::default()).unwrap().kind, PersonKind::HNummer);
        assert_eq!(check_person(&n, nav).unwrap().kind, PersonKind::SyntheticNav);
    }

    #[test]
    fn the_2032_rule_accepts_first_check_digit_remainders_1_to_3() {
        // Find a number whose k1 remainder is 2 and whose k2 is right.
        let mut found = None;
        'search: for individ in 0..1000u32 {
            let mut d = vec![0, 1, 0, 1, 3, 2, individ / 100, individ / 10 % 10, individ % 10];
            for k1 in 0..10 {
                d.truncate(9);
                d.push(k1);
                if weighted(&d, &K1) % 11 == 2
                    && let Some(k2) = mod11(&d, &K2[..10])
                {
                    d.push(k2);
                    found = Some(d.iter().map(|x| char::from_digit(*x, 10).unwrap()).collect::<String>());
                    break 'search;
                }
            }
        }
        let n = found.expect("such a number exists");
        assert!(check_person(&n, Rules::default()).unwrap().by_2032_rule);
        let old = Rules { rule_2032: false, ..Rules::default() };
        assert_eq!(check_person(&n, old).unwrap_err().reason, Reason::CheckDigit);
    }

    #[test]
    fn fh_numbers_have_no_date() {
        let n = complete(&[8, 9, 9, 9, 9, 9, 1, 2, 3]).or_else(|| complete(&[9, 9, 9, 9, 9, 9, 1, 2, 4])).unwrap();
        assert_eq!(check_person(&n, Rules::default()).unwrap().kind, PersonKind::FhNummer);
    }
}
