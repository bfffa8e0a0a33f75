//! Identifier and format rules: fødselsnummer, D-number, organisasjonsnummer, UUID, and
//! which file extensions a document format may have.

fn digits(s: &str, len: usize) -> Result<Vec<u32>, String> {
    if s.len() != len {
        return Err(format!("{} siffer, ikke {len} / {} digits, not {len}", s.chars().count(), s.chars().count()));
    }
    s.chars().map(|c| c.to_digit(10).ok_or_else(|| format!("«{c}» er ikke et siffer / is not a digit"))).collect()
}

fn mod11(digits: &[u32], weights: &[u32]) -> Option<u32> {
    let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        k => Some(k),
    }
}

/// Why `s` is not a valid fødselsnummer or D-number (H-numbers, FH-numbers and
/// Skatteetaten's synthetic numbers, month + 80, are accepted), or `None` if it is.
///
/// ```
/// use samla_check::ids::fnr_problem;
/// assert_eq!(fnr_problem("01010112345").is_some(), true);
/// assert!(fnr_problem("1234").unwrap().contains("siffer"));
/// ```
pub fn fnr_problem(s: &str) -> Option<String> {
    let d = match digits(s, 11) {
        Ok(d) => d,
        Err(why) => return Some(why),
    };
    let fh = d[0] >= 8;
    if !fh {
        let day = (d[0] % 4) * 10 + d[1];
        // H-numbers add 40 to the month, Skatteetaten's synthetic numbers 80.
        let month = match d[2] * 10 + d[3] {
            m if m > 80 => m - 80,
            m if m > 40 => m - 40,
            m => m,
        };
        if !(1..=31).contains(&day) || !(1..=12).contains(&month) {
            return Some("ugyldig dato / invalid date".into());
        }
    }
    let k1 = mod11(&d[..9], &[3, 7, 6, 1, 8, 9, 4, 5, 2]);
    let k2 = mod11(&d[..10], &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
    if k1 != Some(d[9]) || k2 != Some(d[10]) {
        return Some("feil kontrollsiffer / wrong check digit".into());
    }
    None
}

/// Why `s` is not a valid organisasjonsnummer, or `None` if it is.
///
/// ```
/// use samla_check::ids::orgnr_problem;
/// assert_eq!(orgnr_problem("974760673"), None); // Brønnøysundregistrene
/// assert!(orgnr_problem("974760674").is_some());
/// ```
pub fn orgnr_problem(s: &str) -> Option<String> {
    let d = match digits(s, 9) {
        Ok(d) => d,
        Err(why) => return Some(why),
    };
    if mod11(&d[..8], &[3, 2, 7, 6, 5, 4, 3, 2]) != Some(d[8]) {
        return Some("feil kontrollsiffer / wrong check digit".into());
    }
    None
}

/// True if `s` is a UUID in its 8-4-4-4-12 hex form.
///
/// ```
/// assert!(samla_check::ids::is_uuid("498c21b6-e31c-4edf-9458-ec95c2728d0f"));
/// assert!(!samla_check::ids::is_uuid("arkiv57d6608566c0b9.24287674"));
/// ```
pub fn is_uuid(s: &str) -> bool {
    let b = s.trim().as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The file extensions a document `format` (a PRONOM ID or a name) may have, if known.
///
/// ```
/// use samla_check::ids::extension_for_format;
/// assert_eq!(extension_for_format("fmt/95"), Some(&["pdf"][..]));
/// assert_eq!(extension_for_format("PDF/A - ISO 19005-1:2005"), Some(&["pdf"][..]));
/// assert_eq!(extension_for_format("ukjent"), None);
/// ```
pub fn extension_for_format(format: &str) -> Option<&'static [&'static str]> {
    let f = format.trim().to_ascii_lowercase();
    const PDF: &[&str] = &["pdf"];
    const TIFF: &[&str] = &["tif", "tiff"];
    const JPEG: &[&str] = &["jpg", "jpeg"];
    const XML: &[&str] = &["xml"];
    const TXT: &[&str] = &["txt"];
    const PNG: &[&str] = &["png"];
    match f.as_str() {
        "fmt/95" | "fmt/354" | "fmt/476" | "fmt/477" | "fmt/478" | "fmt/479" | "fmt/480" | "fmt/481" | "fmt/14"
        | "fmt/15" | "fmt/16" | "fmt/17" | "fmt/18" | "fmt/19" | "fmt/20" | "fmt/276" => Some(PDF),
        "fmt/353" | "fmt/152" => Some(TIFF),
        "fmt/43" | "fmt/44" | "fmt/42" | "fmt/41" => Some(JPEG),
        "fmt/101" => Some(XML),
        "x-fmt/111" => Some(TXT),
        "fmt/11" | "fmt/12" | "fmt/13" => Some(PNG),
        _ if f.contains("pdf") => Some(PDF),
        _ if f.contains("tif") => Some(TIFF),
        _ if f.contains("jpeg") || f.contains("jpg") => Some(JPEG),
        _ if f == "xml" => Some(XML),
        _ if f == "txt" || f.contains("tekst") || f == "text" => Some(TXT),
        _ if f.contains("png") => Some(PNG),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a valid number from the first nine digits, or None if k1 or k2 is 10.
    fn complete(first9: &str) -> Option<String> {
        let d: Vec<u32> = first9.chars().map(|c| c.to_digit(10).unwrap()).collect();
        let k1 = mod11(&d, &[3, 7, 6, 1, 8, 9, 4, 5, 2])?;
        let mut d10 = d.clone();
        d10.push(k1);
        let k2 = mod11(&d10, &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2])?;
        Some(format!("{first9}{k1}{k2}"))
    }

    #[test]
    fn valid_numbers_pass_and_one_changed_digit_fails() {
        let mut checked = 0;
        for individ in 100..200 {
            for first6 in ["010190", "290280", "411299" /* D-number */, "015190" /* H */] {
                if let Some(n) = complete(&format!("{first6}{individ}")) {
                    assert_eq!(fnr_problem(&n), None, "{n}");
                    let mut wrong: Vec<char> = n.chars().collect();
                    wrong[10] = char::from_digit((wrong[10].to_digit(10).unwrap() + 1) % 10, 10).unwrap();
                    let wrong: String = wrong.into_iter().collect();
                    assert!(fnr_problem(&wrong).is_some(), "{wrong}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 200);
        assert!(fnr_problem("32010112345").is_some());
    }
}
