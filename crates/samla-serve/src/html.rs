//! Server-rendered pages: escaped text, one layout, one stylesheet, no script.

use std::fmt::Write;

pub use samla_report::esc;

/// `s` for a URL path segment or query value.
pub fn url(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `text` escaped, with the words whose stems are in `stems` marked.
pub fn highlight(text: &str, stems: &[String]) -> String {
    if stems.is_empty() {
        return esc(text);
    }
    let mut out = String::new();
    let mut at = 0;
    for (stem, range) in samla_lookup::search::stems(text) {
        if stems.contains(&stem)
            && range.start >= at
            && text.is_char_boundary(range.start)
            && text.is_char_boundary(range.end)
        {
            out.push_str(&esc(&text[at..range.start]));
            out.push_str("<mark>");
            out.push_str(&esc(&text[range.clone()]));
            out.push_str("</mark>");
            at = range.end;
        }
    }
    out.push_str(&esc(&text[at..]));
    out
}

/// The page around `body`. `user`: the signed-in user, with the CSRF token for the sign-out form.
pub fn page(title: &str, user: Option<(&str, &str)>, body: &str) -> String {
    let mut nav = String::new();
    if let Some((name, csrf)) = user {
        let _ = write!(
            nav,
            "<nav aria-label=\"Hovedmeny\"><ul><li><a href=\"/\">Søk</a></li><li><a href=\"/arkiv\">Bla i arkivet</a></li>\
             <li><a href=\"/hvor\">Hvor ble det av?</a></li><li><a href=\"/partsinnsyn\">Partsinnsyn</a></li></ul>\
             <form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <span>Innlogget som {}</span> <button type=\"submit\">Logg ut</button></form></nav>",
            esc(csrf),
            esc(name)
        );
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"nb\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} – samla oppslag</title><link rel=\"stylesheet\" href=\"/static/style.css\"></head>\
         <body><header><p class=\"brand\"><a href=\"/\">samla oppslag</a></p>{nav}</header>\
         <main id=\"innhold\"><h1>{}</h1>\n{body}\n</main>\
         <footer><p>Hver søk, hver åpnet enhet og hvert dokument blir logget.</p></footer></body></html>\n",
        esc(title),
        esc(title)
    )
}

/// The stylesheet: readable, high contrast (WCAG 2.1 AA), no external resources.
pub const STYLE: &str = "\
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1a1a1a;background:#fff;line-height:1.5}
header{background:#123c5a;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
header a{color:#fff}
.brand{font-weight:bold;margin:0}
nav{display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
nav ul{list-style:none;display:flex;gap:1rem;margin:0;padding:0}
nav form{display:flex;gap:.5rem;align-items:center}
main{max-width:70rem;margin:0 auto;padding:1rem}
footer{border-top:1px solid #767676;padding:.5rem 1rem;font-size:.9rem}
a{color:#0b4f84}
a:focus,button:focus,input:focus,select:focus{outline:3px solid #b35900;outline-offset:2px}
table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{border:1px solid #767676;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eef2f5}
mark{background:#ffe066;color:#1a1a1a}
label{display:block;font-weight:600;margin-top:.5rem}
input,select,button{font:inherit;padding:.3rem .5rem}
button{background:#123c5a;color:#fff;border:1px solid #123c5a;cursor:pointer}
.screened{color:#6b0000;font-style:italic}
.notice{border-left:4px solid #b35900;background:#fff4e5;padding:.5rem 1rem}
.error{border-left:4px solid #a00;background:#fde8e8;padding:.5rem 1rem}
.filters{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-end}
.filters div{min-width:10rem}
ol.hits li{margin-bottom:.75rem}
.meta{color:#4a4a4a;font-size:.95rem}
.crumbs ol{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.5rem}
.crumbs li+li:before{content:'›';margin-right:.5rem}
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_highlighted() {
        assert_eq!(esc("<script>\"x\"&'"), "&lt;script&gt;&quot;x&quot;&amp;&#39;");
        let stems: Vec<String> = samla_lookup::search::stems("søknadene").into_iter().map(|(s, _)| s).collect();
        let h = highlight("Søknad om <b>byggetillatelse</b>", &stems);
        assert_eq!(h, "<mark>Søknad</mark> om &lt;b&gt;byggetillatelse&lt;/b&gt;");
        assert_eq!(url("2019/12 ø"), "2019%2F12%20%C3%B8");
    }
}
