//! Whether a value is of its ADDML field type, by Arkade's rules
//! (`Definitions/DataTypes/*` in Arkade 5): the dataType, its fieldFormat and the field's
//! null values. Control_DataFormat, Control_Date_Value and Control_Boolean_Value ask here.

use samla_legacy::flat::FieldDefinition;

/// Whether `v` is a valid value of `field`'s type; the error says why not.
pub fn check(field: &FieldDefinition, v: &str) -> Result<(), String> {
    if field.is_allowed_null(v) {
        return Ok(());
    }
    let format = field.format.as_deref();
    match field.data_type.as_deref().map(str::to_ascii_lowercase).as_deref().unwrap_or("string") {
        "string" => match format {
            None if v.trim().is_empty() => Err("empty or white space only".into()),
            None => Ok(()),
            Some("fnr") => birth_number(v),
            Some("org") => organisation_number(v),
            Some("knr") => account_number(v),
            Some(other) => Err(format!("fieldFormat {other:?} is not one a string may have (fnr, org, knr)")),
        },
        "integer" => integer(v, format),
        "float" => float(v, format),
        "date" => date(v, format.unwrap_or("YYYYMMDD")),
        "time" => time(v, format.unwrap_or("hh:mm:ss")),
        "boolean" => boolean(v, format.unwrap_or("true/false")),
        // As Arkade: a link type has no rule of its own, so only a null value passes.
        "link" => Err("dataType link: Arkade accepts only a null value".into()),
        other => Err(format!("unknown dataType {other:?}")),
    }
}

/// A fødselsnummer by the classic rule (both check digits, no 2032 rule), spaces removed;
/// samla also requires a real date (D- and H-numbers read as such).
pub fn birth_number(v: &str) -> Result<(), String> {
    let v: String = v.chars().filter(|c| *c != ' ').collect();
    let rules = samla_ids::Rules { rule_2032: false, ..samla_ids::Rules::default() };
    samla_ids::check_person(&v, rules).map(|_| ()).map_err(|e| e.to_string())
}

/// An organisasjonsnummer, spaces and dots removed.
pub fn organisation_number(v: &str) -> Result<(), String> {
    samla_ids::check_orgnr(&v.replace([' ', '.'], "")).map_err(|e| e.to_string())
}

/// A kontonummer, spaces and dots removed.
pub fn account_number(v: &str) -> Result<(), String> {
    samla_ids::check_kontonummer(&v.replace([' ', '.'], "")).map_err(|e| e.to_string())
}

/// An optional sign and at least one digit, nothing else.
fn is_integer(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// As Arkade's IntegerDataType: spaces are dropped first; a thousands format allows its
/// separator at every fourth place from the right.
fn integer(v: &str, format: Option<&str>) -> Result<(), String> {
    let s: String = v.chars().filter(|c| *c != ' ').collect();
    let ok = match format {
        None => is_integer(&s),
        Some(f @ ("n.nnn" | "n,nnn" | "n nnn")) => {
            let sep = f.chars().nth(1).expect("the format has a separator");
            let chars: Vec<char> = s.chars().collect();
            let mut kept = Vec::with_capacity(chars.len());
            let mut fits = true;
            for (k, (i, c)) in chars.iter().enumerate().rev().enumerate() {
                if (k + 1) % 4 == 0 && i != 0 {
                    fits &= *c == sep || c.is_ascii_digit();
                } else {
                    kept.push(*c);
                }
            }
            kept.reverse();
            fits && is_integer(&kept.into_iter().collect::<String>())
        }
        Some("nnE+exp") => match s.split_once("E+") {
            Some((mantissa, exp)) => is_integer(mantissa) && !exp.is_empty() && exp.bytes().all(|b| b.is_ascii_digit()),
            None => false,
        },
        Some(other) => return Err(format!("fieldFormat {other:?} is not one an integer may have")),
    };
    if ok { Ok(()) } else { Err(format!("not an integer in the form {}", format.unwrap_or("n"))) }
}

/// A decimal as .NET's `decimal.TryParse` reads it with this decimal separator and, where
/// thousands are allowed, this group separator (between digits of the integer part).
fn is_decimal(s: &str, decimal: char, group: Option<char>) -> bool {
    let s = s.trim();
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = match s.split_once(decimal) {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let mut digits = 0;
    let mut previous_digit = false;
    for c in int.chars() {
        if c.is_ascii_digit() {
            digits += 1;
            previous_digit = true;
        } else if Some(c) == group && previous_digit {
            previous_digit = false;
        } else {
            return false;
        }
    }
    if let Some(f) = frac {
        if !f.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        digits += f.len();
    }
    digits > 0
}

fn float(v: &str, format: Option<&str>) -> Result<(), String> {
    let ok = match format {
        None => ['.', ',']
            .iter()
            .any(|&d| is_decimal(v, d, None) || ['.', ',', ' '].iter().any(|&g| g != d && is_decimal(v, d, Some(g)))),
        Some("nn,nn") => is_decimal(v, ',', None),
        Some("nn.nn") => is_decimal(v, '.', None),
        Some("n.nnn,nn") => is_decimal(v, ',', Some('.')),
        Some("n nnn,nn") => is_decimal(v, ',', Some(' ')),
        Some("n,nnn.nn") => is_decimal(v, '.', Some(',')),
        Some("n nnn.nn") => is_decimal(v, '.', Some(' ')),
        Some(other) => return Err(format!("fieldFormat {other:?} is not one a float may have")),
    };
    if ok { Ok(()) } else { Err(format!("not a number in the form {}", format.unwrap_or("nn.nn"))) }
}

/// The ISO 8601 date formats Arkade reads as such (any calendar, ordinal or week date in
/// basic or extended form passes any of them); every other format is a .NET pattern.
const ISO_DATES: [&str; 6] = ["YYYYMMDD", "YYYY-MM-DD", "YYYYDDD", "YYYY-DDD", "YYYY\"W\"WWD", "YYYY-\"W\"WW-D"];

fn date(v: &str, format: &str) -> Result<(), String> {
    let date_part = format.split("\"T\"").next().unwrap_or(format);
    if ISO_DATES.contains(&date_part) {
        return if iso_date(v) { Ok(()) } else { Err(format!("not an ISO 8601 date ({format})")) };
    }
    dotnet_date(v, format).map_err(|e| {
        let hint = if format.contains("YYYY") || format.contains("DD") {
            "; as in Arkade the format is a .NET pattern, where YYYY and DD are letters, not digits (write yyyy and dd)"
        } else {
            ""
        };
        format!("{e}{hint}")
    })
}

fn digits_at(b: &[u8], from: usize, n: usize) -> Option<u32> {
    let part = b.get(from..from + n)?;
    part.iter().all(u8::is_ascii_digit).then(|| part.iter().fold(0, |a, d| a * 10 + u32::from(d - b'0')))
}

/// An ISO 8601 date, with an optional time and offset, after Arkade's normalisation to the
/// basic form (colons and hyphens between digits removed).
fn iso_date(v: &str) -> bool {
    // Hyphens go from the date part only, so that a negative offset keeps its sign.
    let t = v.find('T').unwrap_or(v.len());
    let raw = v.as_bytes();
    let between = |i: usize| {
        i > 0 && i + 1 < raw.len() && raw[i - 1].is_ascii_digit() && (raw[i + 1].is_ascii_digit() || raw[i + 1] == b'W')
    };
    let b: Vec<u8> = raw
        .iter()
        .enumerate()
        .filter(|&(i, &c)| !((c == b':' || (c == b'-' && i < t)) && between(i)))
        .map(|(_, &c)| c)
        .collect();
    let Some(year) = digits_at(&b, 0, 4) else { return false };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let rest = if b.get(4) == Some(&b'W') {
        match (digits_at(&b, 5, 2), digits_at(&b, 7, 1)) {
            (Some(w), Some(d)) if (1..=53).contains(&w) && (1..=7).contains(&d) => &b[8..],
            _ => return false,
        }
    } else if let Some(md) = digits_at(&b, 4, 4).filter(|_| b.len() == 8 || b.get(8) == Some(&b'T')) {
        let (m, d) = (md / 100, md % 100);
        if !(1..=12).contains(&m) || d == 0 || d > samla_noark5::model::days_in_month(year as i32, m) {
            return false;
        }
        &b[8..]
    } else if let Some(day) = digits_at(&b, 4, 3) {
        if day == 0 || day > if leap { 366 } else { 365 } {
            return false;
        }
        &b[7..]
    } else {
        return false;
    };
    match rest {
        [] => true,
        [b'T', time @ ..] => {
            let (Some(h), Some(m), Some(s)) = (digits_at(time, 0, 2), digits_at(time, 2, 2), digits_at(time, 4, 2))
            else {
                return false;
            };
            let offset = &time[6..];
            h < 24
                && m < 60
                && s < 60
                && match offset {
                    [] | [b'Z'] => true,
                    [b'+' | b'-', o @ ..] => (o.len() == 2 || o.len() == 4) && o.iter().all(u8::is_ascii_digit),
                    _ => false,
                }
        }
        _ => false,
    }
}

/// A value read with a .NET custom date and time pattern, case-sensitive, invariant
/// culture (`yyyy`, `MM`, `dd`, `HH`, `mm` minutes, `ss`, `fff`, `zzz`, quoted literals);
/// any other character must stand as it is.
fn dotnet_date(v: &str, format: &str) -> Result<(), String> {
    let wrong = || format!("not a date in the form {format}");
    let f: Vec<char> = format.chars().collect();
    let s: Vec<char> = v.chars().collect();
    let (mut i, mut at) = (0, 0);
    let (mut year, mut month, mut day) = (2000u32, 1u32, 1u32);
    // Reads between `min` and `max` digits at `at`.
    let number = |at: &mut usize, min: usize, max: usize| -> Option<u32> {
        let n = s[*at..].iter().take(max).take_while(|c| c.is_ascii_digit()).count();
        if n < min {
            return None;
        }
        let value = s[*at..*at + n].iter().fold(0, |a, c| a * 10 + c.to_digit(10).unwrap_or(0));
        *at += n;
        Some(value)
    };
    while i < f.len() {
        let c = f[i];
        let run = f[i..].iter().take_while(|&&x| x == c).count();
        match c {
            'y' | 'M' | 'd' | 'H' | 'h' | 'm' | 's' | 'f' | 'F' => {
                let (min, max) = match (c, run) {
                    ('y', 1 | 2) => (1, 2),
                    ('y', n) => (n.max(4), n.max(4)),
                    ('f' | 'F', n) => (n, n),
                    (_, 1) => (1, 2),
                    (_, 2) => (2, 2),
                    _ => return Err(format!("the pattern {format} repeats {c} {run} times")),
                };
                let n = number(&mut at, min, max).ok_or_else(wrong)?;
                let fits = match c {
                    'y' => {
                        year = n;
                        true
                    }
                    'M' => {
                        month = n;
                        (1..=12).contains(&n)
                    }
                    'd' if run <= 2 => {
                        day = n;
                        n >= 1
                    }
                    'H' => n < 24,
                    'h' => (1..=12).contains(&n),
                    'm' | 's' => n < 60,
                    _ => true,
                };
                if !fits {
                    return Err(wrong());
                }
            }
            'z' => {
                let sign = s.get(at).filter(|c| **c == '+' || **c == '-').ok_or_else(wrong)?;
                let _ = sign;
                at += 1;
                let h = number(&mut at, if run == 1 { 1 } else { 2 }, 2).ok_or_else(wrong)?;
                if run >= 3 {
                    if s.get(at) != Some(&':') {
                        return Err(wrong());
                    }
                    at += 1;
                    let m = number(&mut at, 2, 2).ok_or_else(wrong)?;
                    if m >= 60 {
                        return Err(wrong());
                    }
                }
                if h > 14 {
                    return Err(wrong());
                }
            }
            '\'' | '"' => {
                let end = f[i + 1..].iter().position(|&x| x == c).map(|p| i + 1 + p).ok_or_else(wrong)?;
                for &lit in &f[i + 1..end] {
                    if s.get(at) != Some(&lit) {
                        return Err(wrong());
                    }
                    at += 1;
                }
                i = end + 1;
                continue;
            }
            '\\' => {
                let lit = *f.get(i + 1).ok_or_else(wrong)?;
                if s.get(at) != Some(&lit) {
                    return Err(wrong());
                }
                at += 1;
                i += 2;
                continue;
            }
            _ => {
                for _ in 0..run {
                    if s.get(at) != Some(&c) {
                        return Err(wrong());
                    }
                    at += 1;
                }
            }
        }
        i += run;
    }
    if at != s.len() {
        return Err(wrong());
    }
    if day > samla_noark5::model::days_in_month(year as i32, month) {
        return Err(format!("day {day} does not exist in month {month}"));
    }
    Ok(())
}

/// As Arkade's TimeDataType: the format lower-cased, read as a .NET TimeSpan pattern.
fn time(v: &str, format: &str) -> Result<(), String> {
    let lower = format.to_lowercase();
    let wrong = || format!("not a time in the form {format}");
    let (f, s): (Vec<char>, Vec<char>) = (lower.chars().collect(), v.chars().collect());
    let (mut i, mut at) = (0, 0);
    while i < f.len() {
        let c = f[i];
        let run = f[i..].iter().take_while(|&&x| x == c).count();
        if matches!(c, 'h' | 'm' | 's') {
            let n = s[at..].iter().take(2).take_while(|c| c.is_ascii_digit()).count();
            if n < run.min(2) || (run >= 2 && n != 2) {
                return Err(wrong());
            }
            let value = s[at..at + n].iter().fold(0, |a, c| a * 10 + c.to_digit(10).unwrap_or(0));
            if value >= if c == 'h' { 24 } else { 60 } {
                return Err(wrong());
            }
            at += n;
        } else {
            for _ in 0..run {
                if s.get(at) != Some(&c) {
                    return Err(wrong());
                }
                at += 1;
            }
        }
        i += run;
    }
    if at == s.len() { Ok(()) } else { Err(wrong()) }
}

/// As Arkade's BooleanDataType: the format `<true>/<false>`, matched exactly.
fn boolean(v: &str, format: &str) -> Result<(), String> {
    match format.split_once('/') {
        Some((yes, no)) if !yes.trim().is_empty() && !no.trim().is_empty() && yes != no => {
            if v == yes || v == no {
                Ok(())
            } else {
                Err(format!("neither {yes} nor {no}"))
            }
        }
        _ => Err(format!("fieldFormat {format:?} is not <true>/<false>")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_as_arkade_reads_them() {
        // Arkade's A_19 test: values 1, 1<sep>100, 1<sep>1, 1E+2, notanint1 under each format.
        let bad = |format: Option<&str>, sep: char| -> Vec<usize> {
            let values = ["1".to_string(), format!("1{sep}100"), format!("1{sep}1"), "1E+2".into(), "notanint1".into()];
            (1..=5).filter(|&i| integer(&values[i - 1], format).is_err()).collect()
        };
        assert_eq!(bad(Some("n.nnn"), '.'), [3, 4, 5]);
        assert_eq!(bad(Some("nnE+exp"), '.'), [1, 2, 3, 5]);
        assert_eq!(bad(None, '.'), [2, 3, 4, 5]);
        assert_eq!(bad(Some("n,nnn"), ','), [3, 4, 5]);
        assert_eq!(bad(Some("n nnn"), ' '), [4, 5]);
    }

    #[test]
    fn floats_as_arkade_reads_them() {
        assert!(float("1,2", Some("nn,nn")).is_ok() && float("1.200", Some("nn,nn")).is_err());
        assert!(float("1.200,3", Some("n.nnn,nn")).is_ok() && float("not", Some("n.nnn,nn")).is_err());
        assert!(float("1,200.3", Some("nn.nn")).is_err() && float("1 200.3", Some("n nnn.nn")).is_ok());
        assert!(float("NaN", None).is_err() && float("1e5", None).is_err() && float("-3,5", None).is_ok());
    }

    #[test]
    fn dates_are_dotnet_patterns_or_iso() {
        let f = "dd.MM.yyyyTHH:mm:sszzz";
        assert!(date("18.11.2016T08:43:00+00:00", f).is_ok());
        assert!(date("40.11.2016T08:43:00+00:00", f).is_err());
        assert!(date("18.11.2016", f).is_err() && date("notadate", f).is_err());
        // mm is minutes: the month is not checked, as in Arkade.
        assert!(date("15.13.2020", "dd.mm.yyyy").is_ok() && date("15.61.2020", "dd.mm.yyyy").is_err());
        assert!(date("20240229", "YYYYMMDD").is_ok() && date("20230229", "YYYYMMDD").is_err());
        assert!(date("2020-01-15", "YYYYMMDD").is_ok() && date("2020-01-15T10:00:00Z", "YYYY-MM-DD").is_ok());
        assert!(date("31012020", "DDMMYYYY").unwrap_err().contains("write yyyy and dd"));
    }

    #[test]
    fn times_booleans_and_identifiers() {
        assert!(time("23:59:59", "HH:MM:SS").is_ok() && time("24:00:00", "HH:MM:SS").is_err());
        assert!(boolean("Y", "Y/N").is_ok() && boolean("Ja", "Y/N").is_err() && boolean("y", "Y/N").is_err());
        assert!(birth_number("19089328341").is_ok() && birth_number("19089328342").is_err());
        assert!(birth_number("190893 28341").is_ok());
        assert!(organisation_number("914 994 780").is_ok() && organisation_number("91499478A").is_err());
        assert!(account_number("1234.56.78903").is_ok() && account_number("12345678901").is_err());
    }
}
