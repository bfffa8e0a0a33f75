//! The text layer of PDF documents, for search (lopdf). A PDF without one (a scan) or one
//! lopdf cannot read gives no text; indexing goes on.

/// PDFs above this size are not read for text.
pub const MAX_PDF: u64 = 64 << 20;
/// At most this much text of one document is indexed.
const MAX_TEXT: usize = 256 << 10;

/// The text of every page of `bytes`, or None.
pub fn text(bytes: &[u8]) -> Option<String> {
    let doc = lopdf::Document::load_mem(bytes).ok()?;
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let mut text = doc.extract_text(&pages).ok()?;
    if text.len() > MAX_TEXT {
        let mut end = MAX_TEXT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    (!text.trim().is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_text_layer_and_survives_what_is_not_a_pdf() {
        let pdf = samla_fixtures::content::minimal_pdf(&["Vedtak om spesialundervisning"]);
        let text = super::text(&pdf).expect("a text layer");
        assert!(text.contains("Vedtak om spesialundervisning"), "{text:?}");
        assert_eq!(super::text(b"%PDF-1.4 truncated"), None);
        assert_eq!(super::text(b"not a pdf at all"), None);
        assert_eq!(super::text(&pdf[..pdf.len() / 2]), None);
    }
}
