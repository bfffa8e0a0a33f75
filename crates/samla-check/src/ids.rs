//! Identifier and format rules as the controls use them: fødselsnummer and
//! organisasjonsnummer (through samla-ids), UUID, and which file extensions a document
//! format may have.

/// Why `s` is not a valid fødselsnummer or D-number (or H-, FH- or synthetic number),
/// or `None` if it is. The checks are samla-ids'.
///
/// ```
/// use samla_check::ids::fnr_problem;
/// assert!(fnr_problem("01010112345").is_some());
/// assert!(fnr_problem("1234").unwrap().contains("characters"));
/// ```
pub fn fnr_problem(s: &str) -> Option<String> {
    samla_ids::check_person(s, samla_ids::Rules::default()).err().map(|e| e.message)
}

/// Why `s` is not a valid organisasjonsnummer, or `None` if it is.
///
/// ```
/// use samla_check::ids::orgnr_problem;
/// assert_eq!(orgnr_problem("974760673"), None); // Brønnøysundregistrene
/// assert!(orgnr_problem("974760674").is_some());
/// ```
pub fn orgnr_problem(s: &str) -> Option<String> {
    samla_ids::check_orgnr(s).err().map(|e| e.message)
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
