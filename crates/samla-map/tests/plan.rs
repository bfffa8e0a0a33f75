//! Planning a merge of two generated municipalities: every unit is counted and routed,
//! the floors and crosswalks stop a bad run with the offending records named, and the
//! collisions between the sources are found.

use std::fs;
use std::path::{Path, PathBuf};

use samla_fixtures::generate::{Options, Summary, generate};
use samla_map::dry_run::plan;
use samla_map::job::{Destination, EXAMPLE, Job};

/// Ski and Oppegård from the generator: the same mappeID scheme (year/sequence) and
/// document file names, so they collide.
fn sources(dir: &Path) -> (Summary, Summary) {
    let ski = generate(&Options::new(dir.join("ski"), "Ski", 1, 60), &mut |_| {}).unwrap();
    let opp = generate(&Options::new(dir.join("oppegaard"), "Oppegård", 2, 60), &mut |_| {}).unwrap();
    (ski, opp)
}

fn job(dir: &Path, text: &str) -> Job {
    let path: PathBuf = dir.join("job.toml");
    fs::write(&path, text).unwrap();
    Job::read(&path).unwrap()
}

#[test]
fn every_unit_is_counted_and_routed_and_collisions_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let (ski, opp) = sources(dir.path());
    let plan = plan(&job(dir.path(), EXAMPLE)).unwrap();
    assert!(plan.reconciles());
    for (name, summary) in [("ski", &ski), ("oppegaard", &opp)] {
        let c = &plan.counts[name];
        assert_eq!(c["mappe"].r#in, summary.mapper, "{name}");
        assert_eq!(c["registrering"].r#in, summary.registreringer, "{name}");
        assert_eq!(c["dokumentbeskrivelse"].r#in, summary.dokumentbeskrivelser, "{name}");
        // The generator's cases run 2015–2019: those last touched in 2015 are deposited.
        assert!(c["mappe"].deposited > 0 && c["mappe"].converted > 0, "{name}: {:?}", c["mappe"]);
    }
    assert!(plan.collision_counts["mappeID"] > 0, "{:?}", plan.collision_counts);
    let c = plan.collisions.iter().find(|c| c.what == "mappeID").unwrap();
    assert_eq!(c.sources, ["ski", "oppegaard"]);
    assert!(plan.unmapped.is_empty(), "{:?}", plan.unmapped);
    assert!(plan.floor_violations.is_empty(), "{:?}", plan.floor_violations);
}

#[test]
fn a_rule_that_would_deposit_an_open_case_fails_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    sources(dir.path());
    // One of Oppegård's cases is still open.
    let xml = dir.path().join("oppegaard/arkivstruktur.xml");
    let text = fs::read_to_string(&xml).unwrap();
    let at = text.find("<saksstatus>Avsluttet</saksstatus>").unwrap();
    let system_id = {
        let mappe = text[..at].rfind("<mappe ").unwrap();
        let s = text[mappe..].find("<systemID>").unwrap() + mappe + "<systemID>".len();
        text[s..s + text[s..].find('<').unwrap()].to_string()
    };
    fs::write(
        &xml,
        text.replacen("<saksstatus>Avsluttet</saksstatus>", "<saksstatus>Under behandling</saksstatus>", 1),
    )
    .unwrap();
    let rules = EXAMPLE.replace(
        "when = { saksstatus = \"Avsluttet\", last_registration_before = \"2016-01-01\" }",
        "when = { source = \"oppegaard\" }",
    );
    let job = job(dir.path(), &rules);
    let plan = plan(&job).unwrap();
    let open: Vec<_> = plan.floor_violations.iter().filter(|v| v.floor.contains("open case")).collect();
    assert_eq!(open.len(), 1, "{:?}", plan.floor_violations);
    assert_eq!((open[0].system_id.as_str(), open[0].to), (system_id.as_str(), Destination::Deposit));
    // Cases from the last 10 years may not be deposited either.
    assert!(plan.floor_violations.iter().any(|v| v.floor.contains("10 years")));
    let blocking = plan.blocking(&job);
    assert!(blocking.iter().any(|b| b.contains(&system_id) && b.contains("open case")), "{blocking:?}");
}

#[test]
fn an_unmapped_code_fails_the_run_with_value_source_and_count_and_keep_and_flag_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    sources(dir.path());
    let without = EXAMPLE.replace("\"Saksframlegg\" = \"Saksframlegg\"\n", "");
    let strict = job(dir.path(), &without);
    let p = plan(&strict).unwrap();
    let unmapped: Vec<_> = p.unmapped.iter().filter(|u| u.value == "Saksframlegg").collect();
    assert!(!unmapped.is_empty(), "{:?}", p.unmapped);
    assert!(unmapped.iter().all(|u| u.field == "journalposttype" && u.count > 0));
    let blocking = p.blocking(&strict);
    assert!(blocking.iter().any(|b| b.contains("`Saksframlegg` from ski") && b.contains("times")), "{blocking:?}");

    let lenient = job(dir.path(), &without.replace("unmapped = \"reject\"", "unmapped = \"keep-and-flag\""));
    let p = plan(&lenient).unwrap();
    assert!(p.blocking(&lenient).is_empty(), "{:?}", p.blocking(&lenient));
    assert!(p.flagged > 0);
    assert!(p.reconciles());
}
