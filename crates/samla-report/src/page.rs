//! The one look of samla's reports: a page skeleton with one stylesheet, one verdict
//! banner, stacked bar charts drawn with plain HTML and CSS, and numbers written the way
//! each language writes them. Every page is self-contained (no scripts, fonts or links
//! outside it) and depends only on what it is given, so the same report gives the same
//! bytes.

use std::fmt::{self, Write};

use serde::{Deserialize, Serialize};

use crate::Esc;

/// The language of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Norwegian bokmål (default).
    #[default]
    Nb,
    /// English.
    En,
}

impl Lang {
    /// The language tag of `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Nb => "nb",
            Lang::En => "en",
        }
    }

    /// `nb` or `en`, whichever this language is.
    pub fn pick<T>(self, nb: T, en: T) -> T {
        match self {
            Lang::Nb => nb,
            Lang::En => en,
        }
    }

    /// An integer with thousands separators: "12 345" (nb, a non-breaking space),
    /// "12,345" (en).
    ///
    /// ```
    /// use samla_report::page::Lang;
    /// assert_eq!(Lang::Nb.int(1234567), "1\u{a0}234\u{a0}567");
    /// assert_eq!(Lang::En.int(1234), "1,234");
    /// assert_eq!(Lang::En.int(999), "999");
    /// ```
    pub fn int(self, n: u64) -> String {
        let sep = self.pick("\u{a0}", ",");
        let digits = n.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 2);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(sep);
            }
            out.push(c);
        }
        out
    }

    /// `x` with one decimal, in the language's decimal sign.
    pub fn dec1(self, x: f64) -> String {
        format!("{x:.1}").replace('.', self.pick(",", "."))
    }

    /// `part` of `whole` in per cent with one decimal ("–" when `whole` is 0).
    ///
    /// ```
    /// use samla_report::page::Lang;
    /// assert_eq!(Lang::Nb.percent(1, 3), "33,3\u{a0}%");
    /// assert_eq!(Lang::En.percent(0, 0), "–");
    /// ```
    pub fn percent(self, part: u64, whole: u64) -> String {
        if whole == 0 {
            return "–".into();
        }
        format!("{}\u{a0}%", self.dec1(part as f64 * 100.0 / whole as f64))
    }
}

/// What a report says first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Everything holds.
    Pass,
    /// Done, with something a person must look at.
    Warn,
    /// Something does not hold.
    Fail,
}

/// The stylesheet every report uses.
pub const STYLE: &str = r#"
:root{--fg:#1d232b;--muted:#5d6672;--line:#dde1e6;--bg:#f4f5f7;--card:#fff;--err:#b42318;--err-bg:#fdecea;--warn:#8a5300;--warn-bg:#fff3dc;--warn-line:#e0a126;--ok:#1d7a3c;--info:#2f5f98;--info-bg:#e8f0fa;--mapper:#3465a8;--reg:#e0892b}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif}
.page{max-width:1120px;margin:0 auto;padding:24px 24px 48px}
h1{font-size:1.55em;margin:0 0 14px;letter-spacing:-.01em}
h2{font-size:1.2em;margin:0 0 12px}
h3{font-size:1.05em;margin:0 0 10px;display:flex;flex-wrap:wrap;align-items:baseline;gap:6px 10px}
h4{font-size:.8em;margin:14px 0 4px;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono","Liberation Mono",monospace;font-size:.88em}
code{overflow-wrap:anywhere}
a{color:var(--info)}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:16px 0}
.verdict{border-radius:8px;padding:14px 20px;margin:0 0 16px;color:#fff;display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 16px;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.verdict.fail{background:var(--err)}
.verdict.pass{background:var(--ok)}
.verdict.warn{background:var(--warn)}
.verdict strong{font-size:1.45em}
.verdict span{opacity:.95}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:0}
dl.meta dt{color:var(--muted)}
dl.meta dd{margin:0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top}
thead th{font-size:.82em;color:var(--muted);font-weight:600;border-bottom:2px solid var(--line)}
tbody tr:last-child td,tbody tr:last-child th{border-bottom:0}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.kv{width:auto;min-width:50%}
table.kv th{font-weight:400;color:var(--muted);padding-right:32px}
table.summary td{font-weight:600}
tr.bad td{background:var(--err-bg)}
.sev{display:inline-block;padding:0 8px;border-radius:10px;font-size:.82em;font-weight:600;white-space:nowrap;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.sev.error{background:var(--err-bg);color:var(--err)}
.sev.warning{background:var(--warn-bg);color:var(--warn)}
.sev.info{background:var(--info-bg);color:var(--info)}
.control{border-left:4px solid var(--line)}
.control.error{border-left-color:var(--err)}
.control.warning{border-left-color:var(--warn-line)}
.cid{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-weight:700}
.kind{font-size:.78em;font-weight:400;color:var(--muted);border:1px solid var(--line);border-radius:10px;padding:0 8px}
.none{color:var(--muted);margin:0}
table+p.none{margin-top:10px}
ol.locs{margin:0;padding-left:1.4em}
ol.locs li{margin:0 0 6px}
ol.locs li:last-child{margin:0}
.k{color:var(--muted);font-size:.85em}
.path,.detail{overflow-wrap:anywhere}
.detail{white-space:pre-wrap}
.more{color:var(--muted);font-size:.85em;margin-top:4px}
td.msg{min-width:14em;overflow-wrap:anywhere}
.chart{display:block;width:100%;height:auto;max-width:960px}
.chart text{font-size:12px;fill:var(--muted)}
.chart .grid{stroke:var(--line);stroke-width:1}
.chart .axis{stroke:var(--muted);stroke-width:1}
.chart .m{fill:var(--mapper)}
.chart .r{fill:var(--reg)}
.chart .val{font-size:11px;fill:var(--fg)}
.chart .title{font-size:12px;fill:var(--muted)}
.chart .legend{font-size:13px;fill:var(--fg)}
.bars{display:grid;grid-template-columns:max-content 1fr max-content;gap:6px 12px;align-items:center;margin:0 0 8px}
.bars .label{overflow-wrap:anywhere}
.bar{display:flex;height:20px;border-radius:3px;overflow:hidden;background:var(--bg);-webkit-print-color-adjust:exact;print-color-adjust:exact}
.bar span{display:block;height:100%}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:4px 0 0;padding:0;list-style:none;font-size:.9em}
.legend li::before{content:"";display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:-1px;background:currentColor;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.s0{background:var(--ok);color:var(--ok)}.s1{background:var(--info);color:var(--info)}.s2{background:var(--reg);color:var(--reg)}.s3{background:var(--err);color:var(--err)}.s4{background:var(--muted);color:var(--muted)}
.legend li{background:none}
details{margin-top:8px}
summary{cursor:pointer;color:var(--info)}
details table{width:auto;min-width:40%;margin-top:6px}
footer{color:var(--muted);font-size:.85em;margin-top:24px}
@media print{body{background:#fff;font-size:12px}.page{padding:0;max-width:none}.card{border-color:#bbb}tr,li,.verdict{break-inside:avoid}h2,h3{break-after:avoid}}
"#;

/// Opens a page: the document head with `title` and the stylesheet, then the page's frame.
pub fn open(out: &mut String, lang: Lang, title: &str) -> fmt::Result {
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, "<html lang=\"{}\">", lang.tag())?;
    writeln!(out, "<head>")?;
    writeln!(out, "<meta charset=\"utf-8\">")?;
    writeln!(out, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")?;
    writeln!(out, "<title>{}</title>", Esc(title))?;
    writeln!(out, "<style>{STYLE}</style>")?;
    writeln!(out, "</head>")?;
    writeln!(out, "<body>")?;
    writeln!(out, "<div class=\"page\">")
}

/// Closes a page opened with [`open`], with a footer naming the tool.
pub fn close(out: &mut String, lang: Lang, tool: &str) -> fmt::Result {
    writeln!(out, "<footer>{} {}</footer>", lang.pick("Laget av", "Made by"), Esc(tool))?;
    writeln!(out, "</div>")?;
    writeln!(out, "</body>")?;
    writeln!(out, "</html>")
}

/// The verdict banner: `headline` in large type, `detail` beside it (both are text, escaped).
pub fn banner(out: &mut String, verdict: Verdict, headline: &str, detail: &str) -> fmt::Result {
    let class = match verdict {
        Verdict::Pass => "pass",
        Verdict::Warn => "warn",
        Verdict::Fail => "fail",
    };
    writeln!(
        out,
        "<div class=\"verdict {class}\" role=\"status\"><strong>{}</strong><span>{}</span></div>",
        Esc(headline),
        Esc(detail)
    )
}

/// One bar of a [`stacked_bars`] chart: a label and a value per series.
pub struct Bar {
    /// What the bar shows (text, escaped).
    pub label: String,
    /// One value per series, in the legend's order.
    pub values: Vec<u64>,
}

/// A horizontal stacked bar chart in plain HTML: one bar per row, each segment as wide as
/// its share of the row's total, the total beside it, the series named in a legend (at most
/// five series, each in a colour of its own). Each bar carries its figures as text for
/// screen readers, so the chart needs no table to be read; the caller may add one.
pub fn stacked_bars(out: &mut String, lang: Lang, series: &[&str], bars: &[Bar]) -> fmt::Result {
    writeln!(out, "<div class=\"bars\">")?;
    for bar in bars {
        let total: u64 = bar.values.iter().sum();
        let figures: Vec<String> =
            series.iter().zip(&bar.values).map(|(s, v)| format!("{s} {}", lang.int(*v))).collect();
        write!(
            out,
            "<span class=\"label\">{}</span><div class=\"bar\" role=\"img\" aria-label=\"{}: {}\">",
            Esc(&bar.label),
            Esc(&bar.label),
            Esc(&figures.join(", "))
        )?;
        for (i, v) in bar.values.iter().enumerate().filter(|(_, v)| **v > 0) {
            // Widths in per mille of the row: integer arithmetic keeps the bytes stable.
            let width = v * 1000 / total.max(1);
            write!(out, "<span class=\"s{}\" style=\"width:{}.{}%\"></span>", i % 5, width / 10, width % 10)?;
        }
        writeln!(out, "</div><span class=\"num\">{}</span>", lang.int(total))?;
    }
    writeln!(out, "</div>")?;
    write!(out, "<ul class=\"legend\" aria-hidden=\"true\">")?;
    for (i, s) in series.iter().enumerate() {
        write!(out, "<li class=\"s{}\"><span style=\"color:var(--fg)\">{}</span></li>", i % 5, Esc(s))?;
    }
    writeln!(out, "</ul>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_as_wide_as_their_share_and_escape_their_labels() {
        let mut out = String::new();
        let bars = [Bar { label: "<Ski>".into(), values: vec![3, 1, 0] }];
        stacked_bars(&mut out, Lang::En, &["converted", "closed", "deposited"], &bars).unwrap();
        assert!(out.contains("&lt;Ski&gt;"), "{out}");
        assert!(!out.contains("<Ski>"), "{out}");
        assert!(out.contains("class=\"s0\" style=\"width:75.0%\""), "{out}");
        assert!(out.contains("class=\"s1\" style=\"width:25.0%\""), "{out}");
        // An empty segment is not drawn, but the series stays in the legend.
        assert!(!out.contains("class=\"s2\" style"), "{out}");
        assert!(out.contains("<li class=\"s2\">"), "{out}");
        assert!(out.contains("aria-label=\"&lt;Ski&gt;: converted 3, closed 1, deposited 0\""), "{out}");
    }

    #[test]
    fn a_page_is_whole_and_its_banner_escaped() {
        let mut out = String::new();
        open(&mut out, Lang::Nb, "a <b>").unwrap();
        banner(&mut out, Verdict::Warn, "Fullført", "1 < 2").unwrap();
        close(&mut out, Lang::Nb, "samla").unwrap();
        assert!(out.starts_with("<!DOCTYPE html>\n<html lang=\"nb\">"));
        assert!(out.contains("<title>a &lt;b&gt;</title>"));
        assert!(
            out.contains("<div class=\"verdict warn\" role=\"status\"><strong>Fullført</strong><span>1 &lt; 2</span>")
        );
        assert!(out.ends_with("</html>\n"));
    }
}
