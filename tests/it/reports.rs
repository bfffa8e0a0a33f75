//! The reports of check, run and wash as a person sees them: the demo's, in Norwegian and in
//! English, opened in headless Chromium, with the one verdict banner and the charts in place
//! and no WCAG 2.1 AA violation that axe-core finds.

use std::path::Path;

use fantoccini::Locator;

use crate::common::samla;
use crate::lookup::browser::{axe, axe_source, browser, chromedriver};

fn ok(args: &[&str]) {
    let o = samla(args);
    assert!(o.status.success(), "samla {args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

fn keep(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
}

#[test]
fn the_reports_of_check_run_and_wash_in_both_languages() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = tmp.path().join("demo");
    let d = demo.to_str().unwrap();
    ok(&["-q", "demo", "--out", d]);
    let pages = tmp.path().join("pages");
    std::fs::create_dir(&pages).unwrap();
    keep(&demo.join("ski-report.html"), &pages.join("check-nb.html"));
    keep(&demo.join("nordre-follo/report.html"), &pages.join("run-nb.html"));
    keep(&demo.join("vask/washed/report.html"), &pages.join("wash-nb.html"));
    let check_en = pages.join("check-en.html");
    let o = samla(&["-q", "check", &format!("{d}/ski"), "--lang", "en", "--report-html", check_en.to_str().unwrap()]);
    assert!(o.status.code().is_some_and(|c| c < 2), "{}", String::from_utf8_lossy(&o.stderr));
    // A language other than the last run's is a change of the job: the run is made again.
    ok(&["-q", "run", "--job", &format!("{d}/job.toml"), "--lang", "en"]);
    keep(&demo.join("nordre-follo/report.html"), &pages.join("run-en.html"));
    ok(&["-q", "wash", "--job", &format!("{d}/vask/wash.toml"), "--lang", "en"]);
    keep(&demo.join("vask/washed/report.html"), &pages.join("wash-en.html"));

    // What each page must say, in its language: the banner's headline and a heading.
    let cases = [
        ("check-nb.html", "nb", "Godkjent", None),
        ("check-en.html", "en", "Passed", None),
        ("run-nb.html", "nb", "Fullført", Some("Hvor enhetene gikk")),
        ("run-en.html", "en", "Complete", Some("Where the units went")),
        ("wash-nb.html", "nb", "Vasket", Some("Koblinger etter regel og klasse")),
        ("wash-en.html", "en", "Washed", Some("Matches by rule and class")),
    ];
    let (_driver, port) = chromedriver();
    let axe_js = axe_source();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let c = browser(port, tmp.path()).await;
        for (file, lang, verdict, heading) in cases {
            let url = format!("file://{}", pages.join(file).display());
            c.goto(&url).await.unwrap();
            let html = c.find(Locator::Css("html")).await.unwrap();
            assert_eq!(html.attr("lang").await.unwrap().as_deref(), Some(lang), "{file}");
            let banner = c.find(Locator::Css(".verdict[role=status] strong")).await.unwrap().text().await.unwrap();
            assert!(banner.starts_with(verdict), "{file}: the banner says {banner:?}");
            if let Some(heading) = heading {
                let headings = c.find_all(Locator::Css("h2, h3")).await.unwrap();
                let mut texts = Vec::new();
                for h in headings {
                    texts.push(h.text().await.unwrap());
                }
                assert!(texts.iter().any(|t| t == heading), "{file}: no heading {heading:?} in {texts:?}");
                // Every bar states its figures for those who cannot see it.
                let bars = c.find_all(Locator::Css(".bar[role=img]")).await.unwrap();
                assert!(!bars.is_empty(), "{file}: no chart");
                for bar in bars {
                    let label = bar.attr("aria-label").await.unwrap().unwrap_or_default();
                    assert!(label.chars().any(|ch| ch.is_ascii_digit()), "{file}: a bar without figures: {label:?}");
                }
            }
            let violations = axe(&c, &axe_js).await;
            assert!(violations.is_empty(), "{file}: WCAG 2.1 AA violations: {violations:#?}");
        }
        c.close().await.unwrap();
    });
}
