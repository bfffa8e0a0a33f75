//! Names, streets and dates in one comparable form, and the similarity measures.

/// Folds a name for comparison: lower case, æ→ae, ø→oe, å→aa (so "Åsen" and "Aasen"
/// meet), accents dropped, and everything that is not a letter or digit made a space.
///
/// ```
/// assert_eq!(samla_wash::normalize::fold("Bjørg Åsen-Dæhli"), "bjoerg aasen daehli");
/// assert_eq!(samla_wash::normalize::fold("HANSEN, Kari"), "hansen  kari");
/// ```
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        match c {
            'æ' | 'Æ' | 'ä' | 'Ä' => out.push_str("ae"),
            'ø' | 'Ø' | 'ö' | 'Ö' => out.push_str("oe"),
            'å' | 'Å' => out.push_str("aa"),
            'é' | 'è' | 'ê' | 'ë' | 'É' => out.push('e'),
            'ü' | 'ú' | 'Ü' => out.push('u'),
            'á' | 'à' | 'Á' => out.push('a'),
            'í' | 'ì' | 'ï' => out.push('i'),
            'ó' | 'ò' | 'ô' => out.push('o'),
            'ç' => out.push('c'),
            'ñ' => out.push('n'),
            c if c.is_alphanumeric() => out.extend(c.to_lowercase()),
            _ => out.push(' '),
        }
    }
    out
}

/// The folded words of a name, in order ("Hansen, Kari" → ["hansen", "kari"]).
pub fn name_tokens(s: &str) -> Vec<String> {
    fold(s).split_whitespace().map(str::to_string).collect()
}

/// A person's name in the order written, for output: given names, middle name, surname.
pub fn full_name(fornavn: &str, mellomnavn: &str, etternavn: &str) -> String {
    [fornavn, mellomnavn, etternavn].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" ")
}

/// An organisation name without its form and punctuation ("Follo Bygg A/S" and "FOLLO
/// BYGG AS" both give "follo bygg").
///
/// ```
/// use samla_wash::normalize::org_name;
/// assert_eq!(org_name("Follo Bygg A/S"), org_name("FOLLO BYGG AS"));
/// assert_eq!(org_name("Langhus Barnehage SA"), "langhus barnehage");
/// ```
pub fn org_name(s: &str) -> String {
    const FORMS: &[&str] = &["as", "asa", "sa", "a", "s", "enk", "da", "ans", "ba", "brl", "nuf", "ks", "fli"];
    let folded = fold(s);
    let mut words: Vec<&str> = folded.split_whitespace().collect();
    while words.len() > 1 && words.last().is_some_and(|w| FORMS.contains(w)) {
        words.pop();
    }
    words.join(" ")
}

/// A street name in comparable form: folded, and the definite forms that renaming
/// drops made indefinite ("Skoleveien" → "skolevei", "Storgata" → "storgate").
///
/// ```
/// use samla_wash::normalize::street;
/// assert_eq!(street("Skoleveien"), "skolevei");
/// assert_eq!(street("Kolbotn skolevei"), "kolbotn skolevei");
/// ```
pub fn street(s: &str) -> String {
    let folded = fold(s);
    let mut words: Vec<String> = folded.split_whitespace().map(str::to_string).collect();
    if let Some(last) = words.last_mut() {
        for (long, short) in [
            ("veien", "vei"),
            ("vegen", "veg"),
            ("gata", "gate"),
            ("stien", "sti"),
            ("bakken", "bakke"),
            ("svingen", "sving"),
        ] {
            if let Some(stem) = last.strip_suffix(long) {
                *last = format!("{stem}{short}");
                break;
            }
        }
    }
    words.join(" ")
}

/// How alike two normalised street names are, 0 to 1: Jaro-Winkler, or 0.95 when one
/// is the other with a place name put in front (how merged municipalities renamed
/// duplicate streets: "Kirkeveien" became "Kolbotn kirkevei").
pub fn street_similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let suffix_of = |long: &str, short: &str| {
        long.len() > short.len() && long.ends_with(short) && long.as_bytes()[long.len() - short.len() - 1] == b' '
    };
    if suffix_of(a, b) || suffix_of(b, a) {
        return 0.95;
    }
    strsim::jaro_winkler(a, b)
}

/// A street line split into street name, house number and letter ("Kirkeveien 12B" →
/// ("Kirkeveien", 12, "B")). Lines without a number give number 0.
///
/// ```
/// use samla_wash::normalize::split_address;
/// assert_eq!(split_address("Kirkeveien 12B"), ("Kirkeveien".to_string(), 12, "B".to_string()));
/// assert_eq!(split_address("Postboks"), ("Postboks".to_string(), 0, String::new()));
/// ```
pub fn split_address(line: &str) -> (String, u32, String) {
    let line = line.trim();
    if let Some(pos) = line.rfind(' ') {
        let (name, tail) = (line[..pos].trim(), &line[pos + 1..]);
        let digits: String = tail.chars().take_while(|c| c.is_ascii_digit()).collect();
        if !digits.is_empty() {
            let letter: String = tail[digits.len()..].trim().to_uppercase();
            if letter.chars().count() <= 1 {
                return (name.to_string(), digits.parse().unwrap_or(0), letter);
            }
        }
    }
    (line.to_string(), 0, String::new())
}

/// A date as (year, month, day) from `YYYY-MM-DD`, `DD.MM.YYYY` or `YYYYMMDD`.
///
/// ```
/// use samla_wash::normalize::date;
/// assert_eq!(date("1982-10-30"), Some((1982, 10, 30)));
/// assert_eq!(date("30.10.1982"), Some((1982, 10, 30)));
/// assert_eq!(date("19821030"), Some((1982, 10, 30)));
/// assert_eq!(date("1982-13-01"), None);
/// ```
pub fn date(s: &str) -> Option<(u16, u8, u8)> {
    let s = s.trim();
    let (y, m, d) = if s.len() == 10 && s.as_bytes()[4] == b'-' {
        (&s[0..4], &s[5..7], &s[8..10])
    } else if s.len() == 10 && s.as_bytes()[2] == b'.' {
        (&s[6..10], &s[3..5], &s[0..2])
    } else if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        (&s[0..4], &s[4..6], &s[6..8])
    } else {
        return None;
    };
    let (y, m, d): (u16, u8, u8) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

/// How alike two names are, 0 to 1, whatever their word order: each word of the shorter
/// name is paired with its best Jaro-Winkler match in the other, weighted by length.
///
/// ```
/// use samla_wash::normalize::{name_similarity, name_tokens};
/// let a = name_tokens("Kari Nordmann");
/// assert_eq!(name_similarity(&a, &name_tokens("NORDMANN, Kari")), 1.0);
/// assert!(name_similarity(&a, &name_tokens("Karri Nordman")) > 0.9);
/// assert!(name_similarity(&a, &name_tokens("Ola Hansen")) < 0.7);
/// ```
pub fn name_similarity<A: AsRef<str>, B: AsRef<str>>(a: &[A], b: &[B]) -> f64 {
    if a.len() <= b.len() { each_to_best(a, b) } else { each_to_best(b, a) }
}

/// Each of the shorter name's words to its best match among the longer's, weighted by length.
fn each_to_best<S: AsRef<str>, L: AsRef<str>>(short: &[S], long: &[L]) -> f64 {
    if short.is_empty() {
        return 0.0;
    }
    let mut total = 0.0;
    let mut weight = 0.0;
    for s in short {
        let s = s.as_ref();
        let best = long.iter().map(|l| strsim::jaro_winkler(s, l.as_ref())).fold(0.0, f64::max);
        let w = s.len() as f64;
        total += best * w;
        weight += w;
    }
    total / weight
}

/// A 64-bit FNV-1a hash of the parts, with a separator between them; the indexes key on
/// it to stay compact, and every hit is verified against the full values.
pub fn key(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renamed_streets_are_close() {
        assert_eq!(street_similarity(&street("Kirkeveien"), &street("Kolbotn kirkevei")), 0.95);
        assert!(street_similarity(&street("Kirkeveien"), &street("Kirkevien")) > 0.9);
        assert!(street_similarity(&street("Kirkeveien"), &street("Stasjonsveien")) < 0.85);
    }
}
