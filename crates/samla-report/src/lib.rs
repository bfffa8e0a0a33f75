//! What samla's reports and pages share: escaping text for HTML and XML, once, for the
//! check, run and wash reports, the lookup service's pages and the schema wrappers; and
//! [`page`], the one look of the reports (stylesheet, verdict banner, charts, numbers in
//! nb and en).

use std::fmt::{self, Display};

pub mod page;

pub use page::Lang;

/// Text escaped for HTML or XML (text and attribute values, in single or double quotes),
/// written straight into a formatter without a copy.
///
/// ```
/// use samla_report::Esc;
/// assert_eq!(format!("<p title=\"{}\">", Esc("a \"b\"")), "<p title=\"a &quot;b&quot;\">");
/// ```
pub struct Esc<'a>(pub &'a str);

impl Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let mut last = 0;
        for (i, b) in s.bytes().enumerate() {
            let entity = match b {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                b'\'' => "&#39;",
                _ => continue,
            };
            f.write_str(&s[last..i])?;
            f.write_str(entity)?;
            last = i + 1;
        }
        f.write_str(&s[last..])
    }
}

/// `s` escaped for HTML or XML, as a string.
///
/// ```
/// assert_eq!(samla_report::esc("<script>&'"), "&lt;script&gt;&amp;&#39;");
/// ```
pub fn esc(s: &str) -> String {
    Esc(s).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_all_five_and_keeps_the_rest() {
        assert_eq!(esc("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&#39;f");
        assert_eq!(esc("Ødegård — «sitat»"), "Ødegård — «sitat»");
        assert_eq!(esc(""), "");
    }
}
