//! The HTML report: escaping, self-containment, verdict, both languages, and a snapshot.

use samla_check::controls::ControlKind;
use samla_check::findings::{Group, Lang, Location, Severity, Stat, Text};
use samla_check::html::render;
use samla_check::{ControlReport, Report, Summary};

const HOSTILE: &str = "<script>alert(1)</script> & \"quotes\"";

/// A small report: N5.02 with an error group of two locations (and hostile text in its
/// message and a detail), N5.10 with only stats; years 2018–2019.
fn report() -> Report {
    let summary = Summary {
        extract: "/media/usb/uttrekk-2019".into(),
        version: Some("5.0".into()),
        creators: vec!["Eksempel kommune".into(), "Eksempel & Co's arkiv".into()],
        period: Some(("2018-01-01".into(), "2019-12-31".into())),
        files: 1234,
        bytes: 12_345_678,
        mapper: 30,
        registreringer: 95,
        dokumentobjekter: 120,
        mapper_per_year: vec![("2018".into(), 12), ("2019".into(), 18)],
        registreringer_per_year: vec![("2018".into(), 40), ("2019".into(), 55)],
        errors: 1,
        warnings: 0,
        schemas: "offisielle skjemaer (3 av 3 i uttrekket er offisielle)".into(),
        seconds: 2.5,
        controls_run: 2,
        profile: samla_check::Profile::Deposit,
    };
    let checksums = ControlReport {
        id: "N5.02",
        name: Text::new("Validering av sjekksummer", "Checksums in arkivuttrekk.xml"),
        kind: ControlKind::Structure,
        stats: vec![Stat { label: Text::new("Filer kontrollert", "Files checked"), value: "3".into() }],
        findings: vec![Group {
            severity: Severity::Error,
            message: Text::new(format!("Sjekksummen stemmer ikke {HOSTILE}"), format!("Checksum mismatch {HOSTILE}")),
            count: 1,
            locations: vec![
                Location {
                    file: "arkivstruktur.xml".into(),
                    line: Some(12),
                    column: Some(5),
                    element: Some("/arkiv/arkivdel/mappe".into()),
                    system_id: Some("a1b2c3".into()),
                    detail: Some(format!("oppgitt abc, beregnet {HOSTILE}")),
                },
                Location::file("endringslogg.xml").with_detail("oppgitt def, beregnet 123"),
            ],
        }],
    };
    let mapper = ControlReport {
        id: "N5.10",
        name: Text::new("Antall mapper", "Number of mapper"),
        kind: ControlKind::Analysis,
        stats: vec![
            Stat { label: Text::new("Totalt", "Total"), value: "30".into() },
            Stat { label: Text::new("Mappetype: saksmappe", "Mappe type: saksmappe"), value: "30".into() },
        ],
        findings: vec![],
    };
    Report { format: 1, tool: "samla 0.1.0".into(), summary, controls: vec![checksums, mapper] }
}

#[test]
fn hostile_text_appears_only_escaped() {
    for lang in [Lang::Nb, Lang::En] {
        let page = render(&report(), lang);
        assert!(!page.contains("<script"), "unescaped script tag");
        assert!(!page.contains(HOSTILE));
        assert!(!page.contains("\"quotes\""));
        let escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;";
        // In the message and in the detail.
        assert_eq!(page.matches(escaped).count(), 2, "{lang:?}");
        assert!(page.contains("Eksempel &amp; Co&#39;s arkiv"));
    }
}

#[test]
fn page_is_self_contained() {
    for lang in [Lang::Nb, Lang::En] {
        let page = render(&report(), lang);
        for needle in ["http://", "https://", "src=", "<script", "<link", "<img", "@import", "url(", "<iframe"] {
            assert!(!page.contains(needle), "{lang:?}: page contains {needle:?}");
        }
        let hrefs: Vec<&str> = page.split("href=\"").skip(1).collect();
        assert!(!hrefs.is_empty());
        for rest in hrefs {
            assert!(rest.starts_with('#'), "{lang:?}: link out of the page: {}", &rest[..rest.len().min(40)]);
        }
        // Each anchor points at a section of the page.
        assert!(page.contains("href=\"#N5.02\"") && page.contains("id=\"N5.02\""));
        assert!(page.contains("id=\"N5.10\""));
        assert!(page.contains("<style>"));
        assert!(page.starts_with("<!DOCTYPE html>"));
    }
}

#[test]
fn verdict_says_failed_with_one_error() {
    let nb = render(&report(), Lang::Nb);
    assert!(nb.contains("class=\"verdict fail\""));
    assert!(nb.contains("Ikke godkjent: 1 feil"));
    let en = render(&report(), Lang::En);
    assert!(en.contains("Failed: 1 error<"));

    let mut passed = report();
    passed.summary.errors = 0;
    passed.controls[0].findings.clear();
    let nb = render(&passed, Lang::Nb);
    assert!(nb.contains("class=\"verdict pass\"") && nb.contains("Godkjent: ingen feil"));
    assert!(nb.contains("Ingen avvik funnet."));
    assert!(render(&passed, Lang::En).contains("Passed: no errors"));
}

#[test]
fn both_languages_have_their_own_labels() {
    let nb = render(&report(), Lang::Nb);
    let en = render(&report(), Lang::En);
    assert!(nb.contains("<html lang=\"nb\">") && en.contains("<html lang=\"en\">"));
    for label in ["samla — kontrollrapport", "Sammendrag", "Avvik", "Strukturkontroll", "Innholdsanalyse", "12,3 MB"]
    {
        assert!(nb.contains(label), "nb lacks {label:?}");
        assert!(!en.contains(label), "en has {label:?}");
    }
    for label in ["samla — check report", "Summary", "Deviations", ">structure<", ">analysis<", "12.3 MB"] {
        assert!(en.contains(label), "en lacks {label:?}");
        assert!(!nb.contains(label), "nb has {label:?}");
    }
    assert!(nb.contains("Sjekksummen stemmer ikke") && !nb.contains("Checksum mismatch"));
    assert!(en.contains("Checksum mismatch") && !en.contains("Sjekksummen stemmer ikke"));
    assert!(en.contains("No deviations found.") && nb.contains("Ingen avvik funnet."));
}

#[test]
fn chart_handles_no_data_and_one_year() {
    let page = render(&report(), Lang::Nb);
    assert_eq!(page.matches("<svg").count(), 1);
    assert!(page.contains(">2018</text>") && page.contains(">2019</text>"));

    let mut one = report();
    one.summary.mapper_per_year.truncate(1);
    one.summary.registreringer_per_year.truncate(1);
    let page = render(&one, Lang::En);
    assert_eq!(page.matches("<svg").count(), 1);
    assert_eq!(page.matches("<rect class=\"m\" x=").count(), 2, "legend and one bar");

    let mut none = report();
    none.summary.mapper_per_year.clear();
    none.summary.registreringer_per_year.clear();
    let page = render(&none, Lang::Nb);
    assert!(!page.contains("<svg"));
    assert!(page.contains("Ingen årstall å vise"));
}

#[test]
fn output_is_deterministic() {
    assert_eq!(render(&report(), Lang::Nb), render(&report(), Lang::Nb));
}

#[test]
fn snapshot_nb() {
    let page = render(&report(), Lang::Nb);
    if let Ok(path) = std::env::var("SAMLA_HTML_OUT") {
        std::fs::write(path, &page).unwrap();
    }
    insta::assert_snapshot!("report_nb", page);
}

#[test]
fn says_how_many_locations_are_shown() {
    let mut r = report();
    r.controls[0].findings[0].count = 5;
    assert!(render(&r, Lang::Nb).contains("Viser de første 2 av 5."));
    assert!(render(&r, Lang::En).contains("Showing the first 2 of 5."));
    assert!(!render(&report(), Lang::Nb).contains("Viser de første"));
}
