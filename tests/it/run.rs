//! `samla run`: Ski and Oppegård merged into Nordre Follo with the example job. The
//! merged extract is checked with the external oracles (xmllint, GNU tar, `samla check`
//! and `samla verify`), every unit is accounted for, a bad job stops with the offending
//! values named, and a killed run started again gives the same bytes.

use crate::common;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{samla, schemas, tree, xmllint};

/// Generates Ski and Oppegård (same mappeID scheme and document names, so they collide)
/// and writes the example job beside them.
fn setup(dir: &Path, mapper: &str) -> PathBuf {
    for (name, municipality, seed) in [("ski", "Ski", "1"), ("oppegaard", "Oppegård", "2")] {
        let out = dir.join(name);
        let o = samla(&[
            "-q",
            "generate",
            "--out",
            out.to_str().unwrap(),
            "--municipality",
            municipality,
            "--seed",
            seed,
            "--mapper",
            mapper,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let o = samla(&["run", "--example-job"]);
    assert!(o.status.success());
    let job = dir.join("job.toml");
    fs::write(&job, &o.stdout).unwrap();
    job
}

fn run(job: &Path) -> std::process::Output {
    samla(&["run", "--job", job.to_str().unwrap()])
}

/// Runs the job, which must finish (exit 0).
fn run_ok(job: &Path) -> std::process::Output {
    let o = run(job);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// What xmllint says of an arkivstruktur.xml against the official v5.0 schema (nothing: valid).
fn arkivstruktur_errors(xml: &Path) -> Vec<String> {
    xmllint(xml, &schemas().join("noark5/v5_0/arkivstruktur.xsd"))
}

/// The one deposit package of `source` in the run output `out`, unpacked by GNU tar into
/// `into`: the tar and the package's folder.
fn deposit_package(out: &Path, source: &str, into: &Path) -> (PathBuf, PathBuf) {
    let tars: Vec<PathBuf> = fs::read_dir(out.join("deposit").join(source))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "tar"))
        .collect();
    assert_eq!(tars.len(), 1, "{source}");
    fs::create_dir_all(into).unwrap();
    let o = Command::new("tar").arg("-xf").arg(&tars[0]).arg("-C").arg(into).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let package = fs::read_dir(into).unwrap().next().unwrap().unwrap().path();
    (tars[0].clone(), package)
}

/// Counts start tags `<name ` or `<name>`.
fn count(xml: &str, name: &str) -> u64 {
    (xml.matches(&format!("<{name} ")).count() + xml.matches(&format!("<{name}>")).count()) as u64
}

fn values<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}>");
    xml.split(&open).skip(1).map(|s| &s[..s.find('<').unwrap()]).collect()
}

#[test]
fn a_dry_run_of_the_example_job_plans_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let job = setup(dir.path(), "40");
    let plan = dir.path().join("plan.json");
    let o = samla(&["run", "--job", job.to_str().unwrap(), "--dry-run", "--report-json", plan.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("nothing written") && !stdout.contains("DOES NOT RECONCILE"), "{stdout}");
    assert!(stdout.contains("mappeID collisions"), "{stdout}");
    let json: serde_json::Value = serde_json::from_slice(&fs::read(&plan).unwrap()).unwrap();
    assert_eq!(json["counts"]["ski"]["mappe"]["in"], 40);
    assert!(!dir.path().join("nordre-follo").exists(), "a dry run wrote output");
}

#[test]
fn the_merged_extract_validates_passes_check_and_accounts_for_every_unit() {
    let dir = tempfile::tempdir().unwrap();
    let job = setup(dir.path(), "60");
    // With a washing step: generated register snapshots and their wash job.
    let vask = dir.path().join("vask");
    let o = samla(&[
        "-q",
        "generate-registers",
        "--out",
        vask.to_str().unwrap(),
        "--persons",
        "2000",
        "--addresses",
        "2000",
        "--organisations",
        "200",
        "--records",
        "100",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut text = fs::read_to_string(&job).unwrap();
    text = text.replace("# [wash]\n# job = \"vask/wash.toml\"", "[wash]\njob = \"vask/wash.toml\"");
    fs::write(&job, text).unwrap();
    let o = run(&job);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.path().join("nordre-follo");
    assert!(!dir.path().join("nordre-follo.partial").exists());
    let migration = out.join("migration");

    // The official schemas, through xmllint.
    let v5 = schemas().join("noark5/v5_0");
    for (xml, xsd) in [
        ("arkivstruktur.xml", "arkivstruktur.xsd"),
        ("endringslogg.xml", "endringslogg.xsd"),
        ("loependeJournal.xml", "loependeJournal.xsd"),
        ("offentligJournal.xml", "offentligJournal.xsd"),
    ] {
        assert_eq!(xmllint(&migration.join(xml), &v5.join(xsd)), Vec::<String>::new(), "{xml}");
    }
    // samla check: zero errors (references, counts, checksums, documents).
    let o = samla(&["check", migration.to_str().unwrap()]);
    let check = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{check}");
    assert!(check.contains("passed: 0 errors"), "{check}");
    // The journals follow their journalposter: counts and dates agree (N5.59, N5.60).
    assert!(!check.contains("N5.59") && !check.contains("N5.60"), "{check}");

    // Every unit of each source is in exactly one place, and the report says so.
    let report: serde_json::Value = serde_json::from_slice(&fs::read(out.join("report.json")).unwrap()).unwrap();
    let merged = fs::read_to_string(migration.join("arkivstruktur.xml")).unwrap();
    let (mut converted, mut deposited) = (BTreeMap::new(), BTreeMap::new());
    for source in ["ski", "oppegaard"] {
        let original = fs::read_to_string(dir.path().join(source).join("arkivstruktur.xml")).unwrap();
        // The deposit package, unpacked by GNU tar.
        let (tar, package) = deposit_package(&out, source, &dir.path().join(format!("unpacked-{source}")));
        let o = samla(&["verify", tar.to_str().unwrap()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
        let deposit = fs::read_to_string(package.join("content/arkivstruktur.xml")).unwrap();
        // Authentic: the deposited mapper keep their systemIDs.
        let original_ids: BTreeSet<&str> = values(&original, "systemID").into_iter().collect();
        assert!(values(&deposit, "systemID").iter().all(|id| original_ids.contains(id)), "{source}");

        for entity in ["mappe", "registrering", "dokumentbeskrivelse"] {
            let c = &report["outcome"]["plan"]["counts"][source][entity];
            let n = |k: &str| c[k].as_u64().unwrap();
            assert_eq!(n("in"), count(&original, entity), "{source} {entity} in");
            assert_eq!(n("in"), n("converted") + n("closed") + n("deposited") + n("rejected"), "{source} {entity}");
            assert_eq!(count(&deposit, entity), n("deposited"), "{source} {entity} in the package");
            *converted.entry(entity).or_insert(0) += n("converted");
            deposited.insert((source, entity), n("deposited"));
        }
        assert!(deposited[&(source, "mappe")] > 0, "the example job deposits the cases closed before 2016");
    }
    for (entity, n) in converted {
        assert_eq!(count(&merged, entity), n, "{entity} in the migration extract");
    }

    // Every reference resolves in the output.
    let ids: BTreeSet<&str> = values(&merged, "systemID").into_iter().collect();
    let endringslogg = fs::read_to_string(migration.join("endringslogg.xml")).unwrap();
    for r in values(&endringslogg, "referanseArkivenhet") {
        assert!(ids.contains(r), "endringslogg refers to {r}, which is not in the merged extract");
    }
    for f in values(&merged, "referanseDokumentfil") {
        assert!(migration.join(f).is_file(), "{f}");
        assert!(f.starts_with("DOKUMENT/ski/") || f.starts_with("DOKUMENT/oppegaard/"), "{f}");
    }
    // Collisions: the same mappeID in both sources is made unique and ledgered.
    let mappe_ids: Vec<&str> = values(&merged, "mappeID");
    assert_eq!(mappe_ids.len(), mappe_ids.iter().collect::<BTreeSet<_>>().len(), "mappeIDs are unique");
    assert!(report["outcome"]["plan"]["collision_counts"]["mappeID"].as_u64().unwrap() > 0);
    assert!(report["outcome"]["plan"]["collision_counts"]["document file name"].as_u64().unwrap() > 0);
    let ledger = fs::read_to_string(out.join("ledger.csv")).unwrap();
    assert!(ledger.lines().any(|l| l.starts_with("oppegaard,mappe,") && l.contains(",mappeID,")), "{ledger}");
    // Provenance: each mappe names its source and old systemID; the crosswalk lists it.
    let crosswalk = fs::read_to_string(out.join("crosswalk.csv")).unwrap();
    assert_eq!(count(&merged, "samla:proveniens"), count(&merged, "mappe") + count(&merged, "registrering"));
    for old in values(&merged, "samla:gammelSystemID").iter().take(20) {
        assert!(crosswalk.contains(&format!(",{old},")), "{old} is not in crosswalk.csv");
    }
    // The target demands forfatter, which no source recorded: every converted
    // registrering is listed for completion, nothing is invented.
    let gaps = fs::read_to_string(out.join("gaps.csv")).unwrap();
    let missing = gaps.lines().filter(|l| l.ends_with(",forfatter")).count() as u64;
    assert_eq!(missing, count(&merged, "registrering"), "{gaps}");
    assert_eq!(count(&merged, "forfatter"), 0);
    // The washing step washed the merged extract's parties; its applied changes are in
    // the run's ledger.
    let inputs = report["outcome"]["wash"]["inputs"].as_array().unwrap();
    let parter = inputs.iter().find(|i| i["name"] == "parter").expect("the merged parties are washed");
    assert!(parter["records_in"].as_u64().unwrap() > 0 && parter["reconciled"] == true, "{parter}");
    assert!(out.join("wash/ledger.csv").is_file() && !out.join("wash/report.json").exists());
    let washed =
        fs::read_to_string(out.join("wash/ledger.csv")).unwrap().lines().filter(|l| l.contains(";yes;")).count();
    assert_eq!(ledger.lines().filter(|l| l.starts_with("wash:")).count(), washed);
    // The run washes each converted party as it writes it; the oracle is `samla wash` of
    // the migration extract once written.
    washed_as_afterwards(&dir.path().join("vask"), &out);
    // The tables hold the converted units.
    for entity in ["mappe", "registrering", "dokumentbeskrivelse"] {
        for source in ["ski", "oppegaard"] {
            let bytes = fs::read(out.join("tables").join(entity).join(format!("{source}.parquet"))).unwrap();
            assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"), "{entity}/{source}");
        }
    }

    // A rerun with nothing changed is a no-op that says so.
    let before = tree(&out);
    let o = run(&job);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("nothing to do"), "{}", String::from_utf8_lossy(&o.stdout));
    assert!(before == tree(&out), "a no-op rerun changed the output");
    // It needs no schemas to say so.
    let o = Command::new(env!("CARGO_BIN_EXE_samla"))
        .args(["run", "--job", job.to_str().unwrap()])
        .env_remove("SAMLA_SCHEMAS")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("nothing to do"), "{}", String::from_utf8_lossy(&o.stderr));

    // Privacy: a person of the migration whom Folkeregisteret puts under
    // adressebeskyttelse keeps no address in the migration; the ledger says so without it.
    let parties = samla_wash::parties::read_parties(&migration).unwrap();
    let (fnr, adresse) = (parties.column("fnr").unwrap(), parties.column("postadresse").unwrap());
    let i = (0..fnr.len())
        .find(|&i| fnr[i].is_some_and(|f| f.len() == 11) && adresse[i].is_some_and(|a| !a.is_empty()))
        .expect("a party with a fødselsnummer and an address");
    let (person, street) = (fnr[i].unwrap().to_string(), adresse[i].unwrap().to_string());
    let freg = vask.join("registers/freg.jsonl");
    let line = format!(
        "{{\"identifikasjonsnummer\":[{{\"foedselsEllerDNummer\":\"{person}\",\"status\":\"iBruk\"}}],\
         \"navn\":[{{\"fornavn\":\"Skjult\",\"etternavn\":\"Person\",\"erGjeldende\":true}}],\
         \"status\":[{{\"status\":\"bosatt\"}}],\"adressebeskyttelse\":[{{\"graderingsnivaa\":\"strengtFortrolig\"}}]}}\n"
    );
    let mut text = fs::read_to_string(&freg).unwrap();
    text.push_str(&line);
    fs::write(&freg, text).unwrap();
    fs::remove_dir_all(&out).unwrap();
    let o = run(&job);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let parties = samla_wash::parties::read_parties(&migration).unwrap();
    let (fnr, adresse, nummer, sted) = (
        parties.column("fnr").unwrap(),
        parties.column("postadresse").unwrap(),
        parties.column("postnummer").unwrap(),
        parties.column("poststed").unwrap(),
    );
    let mut seen = 0;
    for i in (0..fnr.len()).filter(|&i| fnr[i] == Some(person.as_str())) {
        seen += 1;
        let kept = [adresse[i], nummer[i], sted[i]].map(|v| v.unwrap_or_default());
        assert_eq!(kept, ["", "", ""], "{person}'s address is carried");
    }
    assert!(seen > 0, "the person is still in the migration, without an address");
    let ledger = fs::read_to_string(out.join("ledger.csv")).unwrap();
    let withheld: Vec<&str> = ledger.lines().filter(|l| l.contains("adressebeskyttelse")).collect();
    assert_eq!(withheld.len(), seen, "{withheld:?}");
    assert!(withheld.iter().all(|l| !l.contains(&street)), "the ledger holds the protected address");
    let report: serde_json::Value = serde_json::from_slice(&fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["outcome"]["addresses_withheld"], seen as u64);
}

#[test]
fn an_unmapped_code_or_a_floor_stops_the_run_and_names_what() {
    let dir = tempfile::tempdir().unwrap();
    let job = setup(dir.path(), "30");
    let text = fs::read_to_string(&job).unwrap();
    let unmapped = text.replace("\"Inngående dokument\" = \"Inngående dokument\"\n", "");
    fs::write(&job, &unmapped).unwrap();
    let o = run(&job);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("unmapped journalposttype `Inngående dokument` from ski ("), "{stderr}");
    assert!(!dir.path().join("nordre-follo").exists() && !dir.path().join("nordre-follo.partial").exists());

    // Keep and flag: the run goes through, and the report lists the value.
    fs::write(&job, unmapped.replace("unmapped = \"reject\"", "unmapped = \"keep-and-flag\"")).unwrap();
    let o = run(&job);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = fs::read_to_string(dir.path().join("nordre-follo/report.json")).unwrap();
    assert!(report.contains("\"value\": \"Inngående dokument\""), "{report}");
    let merged = fs::read_to_string(dir.path().join("nordre-follo/migration/arkivstruktur.xml")).unwrap();
    assert!(merged.contains("<samla:flagg>ukartlagt kodeverdi</samla:flagg>"), "the kept records are flagged");

    // A rule that sends everything of Oppegård to deposit breaks the 10-year floor.
    fs::write(
        &job,
        text.replace(
            "when = { saksstatus = \"Avsluttet\", last_registration_before = \"2016-01-01\" }",
            "when = { source = \"oppegaard\" }",
        )
        .replace("as_of = \"2026-11-22\"", "as_of = \"2020-01-01\""),
    )
    .unwrap();
    let o = run(&job);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("oppegaard: mappe ") && stderr.contains("last 10 years"), "{stderr}");

    // Organisation units with dates: Ski's planning unit is renamed from 2017; before
    // that no rule covers it, so the run stops and names it.
    let original = fs::read_to_string(dir.path().join("ski/arkivstruktur.xml")).unwrap();
    let units: BTreeSet<&str> = values(&original, "administrativEnhet").into_iter().collect();
    let mut rules = String::new();
    for unit in &units {
        let dates = if *unit == "Plan, bygg og geodata" { "valid_from = \"2017-01-01\"\n" } else { "" };
        rules.push_str(&format!("[[enhet]]\nsource = \"ski\"\nfrom = {unit:?}\nto = \"NF {unit}\"\n{dates}\n"));
    }
    let with_units = text.replace("# Code lists", &format!("{rules}# Code lists"));
    fs::write(&job, &with_units).unwrap();
    let o = run(&job);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("unmapped administrativEnhet `Plan, bygg og geodata` from ski"), "{stderr}");
    let earlier = "[[enhet]]\nsource = \"ski\"\nfrom = \"Plan, bygg og geodata\"\nto = \"Plan og bygg\"\nvalid_to = \"2016-12-31\"\n\n";
    fs::write(&job, with_units.replace("# Code lists", &format!("{earlier}# Code lists"))).unwrap();
    let o = run(&job);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ledger = fs::read_to_string(dir.path().join("nordre-follo/ledger.csv")).unwrap();
    for new in ["NF Plan, bygg og geodata", "Plan og bygg", "NF Skole"] {
        assert!(ledger.lines().any(|l| l.contains(",administrativEnhet,") && l.contains(new)), "{new}: {ledger}");
    }
    assert!(ledger.contains("enhet: Plan, bygg og geodata → Plan og bygg (… – 2016-12-31)"), "{ledger}");

    // Kommunenummer through SSB's Klass 131 changes, the chain followed.
    fs::write(dir.path().join("klass131.csv"), "oldCode,newCode\n0213,3020\n3020,3207\n").unwrap();
    let xml = dir.path().join("ski/arkivstruktur.xml");
    let at = original.rfind("</mappeID>").unwrap() + "</mappeID>".len();
    fs::write(&xml, format!("{}<kommunenummer>0213</kommunenummer>{}", &original[..at], &original[at..])).unwrap();
    let klass = "[kommunenummer]\nklass131 = \"klass131.csv\"\n\n";
    fs::write(&job, with_units.replace("# Code lists", &format!("{earlier}{klass}# Code lists"))).unwrap();
    let o = run(&job);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ledger = fs::read_to_string(dir.path().join("nordre-follo/ledger.csv")).unwrap();
    assert!(ledger.contains(",kommunenummer,0213,3207,klass131: 0213 → 3020 → 3207"), "{ledger}");
    let merged = fs::read_to_string(dir.path().join("nordre-follo/migration/arkivstruktur.xml")).unwrap();
    assert!(merged.contains("<kommunenummer>3207</kommunenummer>"));
    fs::write(&xml, &original).unwrap();

    // Closing the startlån folders: in 2012 some of their people were under 18, and the
    // job calls F47 a child welfare class; the byggesaker (L) are protected by the job.
    let closing = text
        .replace("child_welfare_klasse = [\"F5\"]", "child_welfare_klasse = [\"F47\"]")
        .replace(
            "when = { saksstatus = \"Utgår\" }",
            "when = { klasse = \"F47\" }\n\n[[route]]\nto = \"close\"\nwhen = { klasse = \"L\" }",
        )
        .replace("when = { klasse = \"L\", saksstatus = \"Under behandling\" }", "when = { klasse = \"L\" }")
        .replace("as_of = \"2026-11-22\"", "as_of = \"2012-01-01\"");
    fs::write(&job, closing).unwrap();
    let o = run(&job);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("a person under 18 in a child welfare folder"), "{stderr}");
    assert!(stderr.contains("the job protects it: byggesaker"), "{stderr}");
    assert!(!dir.path().join("nordre-follo.partial").exists());
}

#[test]
fn a_killed_run_started_again_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let job = setup(dir.path(), "150");
    let out = dir.path().join("nordre-follo");
    assert!(run(&job).status.success());
    common::killed_and_rerun_gives_the_same_bytes(&out, &["-q", "run", "--job", job.to_str().unwrap()]);
}

#[test]
fn noark4_and_addml_sources_are_read_converted_and_accounted_for() {
    let dir = tempfile::tempdir().unwrap();
    let job = setup(dir.path(), "30");
    let oppegaard = dir.path().join("oppegaard");
    fs::remove_dir_all(&oppegaard).unwrap();
    let o = samla(&[
        "-q",
        "generate",
        "--format",
        "noark4",
        "--out",
        oppegaard.to_str().unwrap(),
        "--municipality",
        "Oppegård",
        "--seed",
        "2",
        "--mapper",
        "30",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = fs::read_to_string(&job).unwrap();
    let at = text.find("name = \"oppegaard\"").unwrap();
    let kind = text[at..].find("kind = \"noark5\"").unwrap() + at;
    // And one specialist system: Arkivverket's ADDML flat-file package (jegerregisteret).
    let jakt = common::arkade().join("packages/jegerregisteret98-small/20b5f34c-4411-47c3-a0f9-0a8bca631603.tar");
    let text = format!("{}kind = \"noark4\"{}", &text[..kind], &text[kind + "kind = \"noark5\"".len()..]).replace(
        "# Code lists",
        &format!(
            "[[source]]\nname = \"jakt\"\nkind = \"addml\"\npath = {:?}\n\n# Code lists",
            jakt.display().to_string()
        ),
    );
    fs::write(&job, &text).unwrap();

    let o = run(&job);
    assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    let out = dir.path().join("nordre-follo");
    let migration = out.join("migration");
    let v5 = schemas().join("noark5/v5_0");
    assert_eq!(xmllint(&migration.join("arkivstruktur.xml"), &v5.join("arkivstruktur.xsd")), Vec::<String>::new());
    // The new municipality's archive goes on living: its open saker are no error.
    let o = samla(&["check", migration.to_str().unwrap(), "--profile", "migration"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    let report: serde_json::Value = serde_json::from_slice(&fs::read(out.join("report.json")).unwrap()).unwrap();
    // In: the Noark 4 rows (30 saker), all accounted for.
    let c = &report["outcome"]["plan"]["counts"]["oppegaard"]["mappe"];
    assert_eq!(c["in"], 30, "{c}");
    let n = |k: &str| c[k].as_u64().unwrap();
    assert_eq!(n("in"), n("converted") + n("closed") + n("deposited") + n("rejected"));
    assert!(
        fs::read_to_string(migration.join("arkivstruktur.xml"))
            .unwrap()
            .contains("<samla:kilde>oppegaard</samla:kilde>")
    );
    // Every record of the flat file is a row of its table.
    let records = &report["outcome"]["plan"]["counts"]["jakt"]["record"];
    assert!(records["in"].as_u64().unwrap() > 100 && records["in"] == records["converted"], "{records}");
    let table = fs::read(out.join("tables/jakt/jeger.jeger.parquet")).unwrap();
    assert!(table.starts_with(b"PAR1") && table.ends_with(b"PAR1"));

    // Routed to deposit, the flat-file extract goes as delivered: the same bytes.
    let deposit = text.replace(
        "[[route]]\nto = \"close\"",
        "[[route]]\nto = \"deposit\"\nwhen = { source = \"jakt\" }\n\n[[route]]\nto = \"close\"",
    );
    assert_ne!(deposit, text);
    fs::write(&job, deposit).unwrap();
    let o = run(&job);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let copied = out.join("deposit/jakt").join(jakt.file_name().unwrap());
    assert_eq!(common::sha256sum(&copied), common::sha256sum(&jakt));
    assert!(!out.join("tables/jakt").exists());
}

#[test]
fn a_source_with_its_documents_in_dokumenter_is_deposited_with_them_counted() {
    let dir = tempfile::tempdir().unwrap();
    let job = setup(dir.path(), "30");
    let ski = dir.path().join("ski");
    fs::rename(ski.join("DOKUMENT"), ski.join("dokumenter")).unwrap();
    let xml = fs::read_to_string(ski.join("arkivstruktur.xml")).unwrap();
    let moved = xml.replace("<referanseDokumentfil>DOKUMENT/", "<referanseDokumentfil>dokumenter/");
    assert_ne!(moved, xml);
    fs::write(ski.join("arkivstruktur.xml"), moved).unwrap();
    let o = run(&job);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (_, root) = deposit_package(&dir.path().join("nordre-follo"), "ski", &dir.path().join("unpacked"));
    let files = tree(&root.join("content/dokumenter")).len();
    let uttrekk = fs::read_to_string(root.join("content/arkivuttrekk.xml")).unwrap();
    let after = uttrekk.split("name=\"antallDokumentfiler\">").nth(1).unwrap();
    assert!(files > 0, "the deposited cases have documents");
    assert_eq!(values(after, "value")[0], files.to_string());
}

/// A source's kind is one of the kinds samla reads (`samla_legacy::SourceKind`), named with
/// the line when it is not (issue 16).
#[test]
fn an_unknown_source_kind_names_the_line_and_the_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let o = samla(&["run", "--example-job"]);
    let text = String::from_utf8(o.stdout).unwrap();
    let line = text.lines().position(|l| l.starts_with("kind = \"noark5\"")).unwrap() + 1;
    let job = dir.path().join("job.toml");
    fs::write(&job, text.replacen("kind = \"noark5\"", "kind = \"noark3\"", 1)).unwrap();
    let o = samla(&["run", "--job", job.to_str().unwrap(), "--dry-run"]);
    assert_eq!(o.status.code(), Some(2));
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(said.contains(&format!("job.toml:{line}:")) && said.contains("`noark5`, `noark4`, `addml`"), "{said}");
}

/// The plan of the tests: a Sakarkiv whose klasser come from a CSV file, and an
/// Elevmapper arkivdel; B-klasser go to Elevmapper, every other K-code to the Sakarkiv.
const PLAN: &str = r#"
[plan]
arkivskaper = "Nordre Follo kommune, arkivtjenesten"

[[plan.arkivdel]]
id = "sakarkiv"
tittel = "Sakarkiv"
periode_start = "2020-01-01"
journalenheter = ["SENTRAL"]
klassifikasjonssystem = { id = "k-koder", klassifikasjonstype = "Emnebasert, hierarkisk arkivnøkkel", ordningsprinsipp = "emne", klasser_file = "k-koder.csv" }
continues = [{ source = "ski", arkivdel = "Sakarkiv 2015-2019" }]

[[plan.arkivdel]]
id = "elevmapper"
tittel = "Elevmapper"
periode_start = "2020-01-01"
klassifikasjonssystem = { id = "skole", klassifikasjonstype = "Emnebasert, hierarkisk arkivnøkkel", ordningsprinsipp = "emne", klasser = { "B25" = "Elevmapper", "B31" = "Barnehageopptak" } }

[[plan.map]]
klasse = "B*"
to = { arkivdel = "elevmapper" }

[[plan.map]]
klasse = "A00-Z99"
to = { arkivdel = "sakarkiv" }

[[plan.kassasjon]]
arkivdel = "elevmapper"
klasse = "B25"
vedtak = "Kasseres"
bevaringstid = 10
hjemmel = "Riksarkivarens forskrift § 7-22"

[[plan.kassasjon]]
arkivdel = "elevmapper"
vedtak = "Vurderes senere"
bevaringstid = 5

[[plan.kassasjon]]
arkivdel = "sakarkiv"
vedtak = "Bevares"
bevaringstid = 25
"#;

const K_KODER: &[&str] =
    &["A07", "A52", "F47", "G21", "L12", "L13", "L33", "L42", "L46", "M12", "N12", "P21", "S52", "U63", "X00"];

/// (source, mappeID) of every mappe inside each klasse, by klasseID: from the merged
/// extract's provenance, or from a source's own mappeIDs.
fn mapper_by_klasse(xml: &str, source: Option<&str>) -> BTreeMap<String, BTreeSet<(String, String)>> {
    let mut out: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for part in xml.split("<klasse>").skip(1) {
        let id = values(part, "klasseID")[0].to_string();
        let set = out.entry(id).or_default();
        match source {
            Some(s) => set.extend(values(part, "mappeID").into_iter().map(|m| (s.to_string(), m.to_string()))),
            None => {
                for p in part.split("<samla:proveniens").skip(1) {
                    if let (Some(k), Some(m)) =
                        (values(p, "samla:kilde").first(), values(p, "samla:gammelMappeID").first())
                    {
                        set.insert((k.to_string(), m.to_string()));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn a_plan_makes_one_arkiv_whose_arkivdeler_and_klasser_hold_every_converted_mappe() {
    let dir = tempfile::tempdir().unwrap();
    let job = setup(dir.path(), "60");
    let csv: String = K_KODER.iter().map(|k| format!("{k},Klasse {k}\n")).collect();
    fs::write(dir.path().join("k-koder.csv"), format!("klasseID,tittel\n{csv}")).unwrap();
    let text = fs::read_to_string(&job).unwrap() + PLAN;
    fs::write(&job, &text).unwrap();
    run_ok(&job);
    let out = dir.path().join("nordre-follo");
    let merged = out.join("migration/arkivstruktur.xml");
    assert_eq!(arkivstruktur_errors(&merged), Vec::<String>::new());
    let xml = fs::read_to_string(&merged).unwrap();

    // One arkiv, no underarkiv; the plan's arkivdeler, klassifikasjonssystemer and klasser, in its order.
    assert_eq!(count(&xml, "arkiv"), 1);
    assert_eq!(values(&xml, "arkivskaperNavn"), ["Nordre Follo kommune, arkivtjenesten"]);
    let arkivdeler: Vec<&str> = xml.split("<arkivdel>").skip(1).map(|a| values(a, "tittel")[0]).collect();
    assert_eq!(arkivdeler, ["Sakarkiv", "Elevmapper"]);
    assert_eq!(values(&xml, "arkivperiodeStartDato"), ["2020-01-01", "2020-01-01"]);
    let mut klasser: Vec<&str> = K_KODER.to_vec();
    klasser.extend(["B25", "B31"]);
    assert_eq!(values(&xml, "klasseID"), klasser);

    // Every converted mappe is in the klasse its source had (the rules keep the klasseID), and no other.
    let report: serde_json::Value = serde_json::from_slice(&fs::read(out.join("report.json")).unwrap()).unwrap();
    let counts = &report["outcome"]["plan"]["counts"];
    let converted = counts["ski"]["mappe"]["converted"].as_u64().unwrap()
        + counts["oppegaard"]["mappe"]["converted"].as_u64().unwrap();
    assert_eq!(count(&xml, "mappe"), converted);
    let placed = mapper_by_klasse(&xml, None);
    assert_eq!(placed.values().map(|s| s.len() as u64).sum::<u64>(), converted);
    for source in ["ski", "oppegaard"] {
        let own = mapper_by_klasse(
            &fs::read_to_string(dir.path().join(source).join("arkivstruktur.xml")).unwrap(),
            Some(source),
        );
        for (klasse, mapper) in &placed {
            let here: BTreeSet<_> = mapper.iter().filter(|(s, _)| s == source).cloned().collect();
            assert!(here.is_subset(own.get(klasse).unwrap_or(&BTreeSet::new())), "{source}: {klasse}: {here:?}");
        }
        let c = &report["outcome"]["plan"]["classification"][source];
        assert_eq!(c["placed"].as_u64().unwrap(), counts[source]["mappe"]["converted"].as_u64().unwrap(), "{c}");
    }
    // Their references point into the plan: each referanseArkivdel is one of the plan's arkivdeler.
    let plan_ids: BTreeSet<&str> = xml.split("<arkivdel>").skip(1).map(|a| values(a, "systemID")[0]).collect();
    let refs: BTreeSet<&str> = values(&xml, "referanseArkivdel").into_iter().collect();
    assert!(refs.is_subset(&plan_ids), "{refs:?} not in {plan_ids:?}");

    // Nothing lost: every mappe and registrering of each source leads through the crosswalk
    // to exactly one place: the migration, the closed part, or (as delivered) its deposit package.
    let closed_xml = fs::read_to_string(out.join("closed/arkivstruktur.xml")).unwrap();
    let crosswalk = fs::read_to_string(out.join("crosswalk.csv")).unwrap();
    let (in_migration, in_closed): (BTreeSet<&str>, BTreeSet<&str>) =
        (values(&xml, "systemID").into_iter().collect(), values(&closed_xml, "systemID").into_iter().collect());
    for source in ["ski", "oppegaard"] {
        let (_, package) = deposit_package(&out, source, &dir.path().join(format!("walk-{source}")));
        let deposit = fs::read_to_string(package.join("content/arkivstruktur.xml")).unwrap();
        let in_deposit: BTreeSet<&str> = values(&deposit, "systemID").into_iter().collect();
        let to: BTreeMap<&str, &str> = crosswalk
            .lines()
            .filter(|l| l.starts_with(&format!("{source},")))
            .map(|l| {
                let c: Vec<&str> = l.split(',').collect();
                (c[2], c[3])
            })
            .collect();
        let original = fs::read_to_string(dir.path().join(source).join("arkivstruktur.xml")).unwrap();
        let mut walked = 0;
        for unit in original.split("<mappe ").skip(1).chain(original.split("<registrering ").skip(1)) {
            let old = values(unit, "systemID")[0];
            let places = [
                in_migration.contains(to.get(old).copied().unwrap_or("")),
                in_closed.contains(to.get(old).copied().unwrap_or("")),
                in_deposit.contains(old),
            ];
            assert_eq!(places.iter().filter(|p| **p).count(), 1, "{source} {old}: {places:?}");
            walked += 1;
        }
        assert!(walked > 100, "{source}: {walked}");
    }

    // Retention: every converted mappe has the kassasjon of its klasse's rule, the
    // B25 ones Kasseres ten years after they were closed; the report lists those.
    let vedtak = values(&xml, "kassasjonsvedtak");
    assert_eq!(vedtak.len() as u64, converted, "one kassasjon per converted mappe");
    let elev = &xml[xml.find("<klasseID>B25</klasseID>").unwrap()..xml.find("<klasseID>B31</klasseID>").unwrap()];
    assert_eq!(values(elev, "kassasjonsvedtak").len(), count(elev, "mappe") as usize);
    assert!(values(elev, "kassasjonsvedtak").iter().all(|v| *v == "Kasseres"));
    let kasseres = report["outcome"]["kasseres"].as_array().unwrap();
    let in_migration = kasseres.iter().filter(|k| k["part"] == "migration").count();
    assert_eq!(in_migration, count(elev, "mappe") as usize, "{kasseres:?}");
    for (closed, at) in values(elev, "avsluttetDato").iter().zip(values(elev, "kassasjonsdato")) {
        let year: i32 = closed[..4].parse().unwrap();
        assert_eq!(at[..4].parse::<i32>().unwrap(), year + 10, "{closed} → {at}");
    }
    let retention = report["outcome"]["retention"].as_array().unwrap();
    let total: u64 = retention.iter().filter(|r| r["part"] == "migration").map(|r| r["units"].as_u64().unwrap()).sum();
    assert_eq!(total, converted);
    // The closed part: its units get their klasse's kassasjon too, and Ski's old arkivdel
    // ends at the merger, continued by the plan's Sakarkiv, which points back.
    let closed = fs::read_to_string(out.join("closed/arkivstruktur.xml")).unwrap();
    assert_eq!(values(&closed, "kassasjonsvedtak").len(), count(&closed, "mappe") as usize);
    let ski_arkivdel = closed.split("<arkivdel>").nth(1).unwrap();
    assert_eq!(values(ski_arkivdel, "arkivdelstatus"), ["Avsluttet periode"]);
    assert_eq!(values(ski_arkivdel, "arkivperiodeSluttDato"), ["2026-11-22"]);
    let sakarkiv = xml.split("<arkivdel>").nth(1).unwrap();
    assert_eq!(values(ski_arkivdel, "referanseArvtaker"), [values(sakarkiv, "systemID")[0]]);
    assert_eq!(values(sakarkiv, "referanseForloeper"), [values(ski_arkivdel, "systemID")[0]]);
    assert_eq!(arkivstruktur_errors(&out.join("closed/arkivstruktur.xml")), Vec::<String>::new());
    // Open cases carried forward name their old identity.
    let open = values(&xml, "saksstatus").iter().filter(|s| !matches!(**s, "Avsluttet" | "Utgår")).count();
    assert_eq!(values(&xml, "merknadstype").iter().filter(|t| **t == "Videreført sak").count(), open);

    // A klasse no rule maps stops the run and names every mappe in it.
    let g21: Vec<String> = placed["G21"].iter().filter(|(s, _)| s == "ski").map(|(_, m)| m.clone()).collect();
    let narrow = text.replace(
        "klasse = \"A00-Z99\"\nto = { arkivdel = \"sakarkiv\" }",
        "klasse = \"A00-F99\"\nto = { arkivdel = \"sakarkiv\" }\n\n[[plan.map]]\nklasse = \"H00-Z99\"\nto = { arkivdel = \"sakarkiv\" }",
    );
    fs::write(&job, &narrow).unwrap();
    let o = run(&job);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(!g21.is_empty());
    assert!(
        stderr.contains("ski: no [[plan.map]] rule places klasse Arkivnøkkel for kommunale saker / G21"),
        "{stderr}"
    );
    for m in &g21 {
        assert!(stderr.contains(&format!("mappe {m} (")), "{m} not named: {stderr}");
    }

    // keep-and-flag: they go to the holding klasse, flagged.
    let held = narrow.replace(
        "\n[plan]\narkivskaper",
        "\n[plan]\nunmapped = \"keep-and-flag\"\nholding = { arkivdel = \"sakarkiv\", klasse = \"X00\" }\narkivskaper",
    );
    assert_ne!(held, narrow);
    fs::write(&job, held).unwrap();
    let o = run(&job);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let xml = fs::read_to_string(&merged).unwrap();
    assert_eq!(arkivstruktur_errors(&merged), Vec::<String>::new());
    let x00 = &mapper_by_klasse(&xml, None)["X00"];
    assert!(g21.iter().all(|m| x00.contains(&("ski".to_string(), m.to_string()))), "{x00:?}");
    assert!(xml.contains("<samla:flagg>uklassifisert: G21</samla:flagg>"));
}

#[test]
fn under_a_plan_secondary_klasser_before_and_after_a_mappe_point_into_the_plan_and_the_rest_are_ledgered() {
    let dir = tempfile::tempdir().unwrap();
    let t = "<opprettetDato>2020-01-01T00:00:00+01:00</opprettetDato><opprettetAv>Ola</opprettetAv>";
    let closed = "<avsluttetDato>2021-01-01T00:00:00+01:00</avsluttetDato><avsluttetAv>Ola</avsluttetAv>";
    let klasse = |id: &str, k: &str, inside: &str| {
        format!(
            "<klasse><systemID>{id}</systemID><klasseID>{k}</klasseID><tittel>Klasse {k}</tittel>{t}{inside}</klasse>"
        )
    };
    let mappe = format!(
        "<mappe xsi:type=\"saksmappe\"><systemID>00000000-0000-4000-8000-000000000008</systemID><mappeID>2020/1</mappeID><tittel>Byggesak</tittel>{t}{closed}\
         <saksaar>2020</saksaar><sakssekvensnummer>1</sakssekvensnummer><saksdato>2020-01-02</saksdato>\
         <administrativEnhet>Plan</administrativEnhet><saksansvarlig>Ola</saksansvarlig><saksstatus>Under behandling</saksstatus>\
         <referanseSekundaerKlassifikasjon>00000000-0000-4000-8000-000000000004</referanseSekundaerKlassifikasjon>\
         <referanseSekundaerKlassifikasjon>00000000-0000-4000-8000-000000000006</referanseSekundaerKlassifikasjon>\
         <referanseSekundaerKlassifikasjon>00000000-0000-4000-8000-000000000007</referanseSekundaerKlassifikasjon></mappe>"
    );
    // A registrering outside a mappe, in a klasse the plan merges with the mappe's.
    let registrering = format!(
        "<registrering><systemID>00000000-0000-4000-8000-000000000009</systemID>{t}\
         <arkivertDato>2020-01-01T00:00:00+01:00</arkivertDato><arkivertAv>Ola</arkivertAv><tittel>Notat</tittel></registrering>"
    );
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<arkiv xmlns=\"http://www.arkivverket.no/standarder/noark5/arkivstruktur\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><systemID>00000000-0000-4000-8000-000000000001</systemID><tittel>Hånd</tittel>{t}{closed}\
         <arkivskaper><arkivskaperID>1</arkivskaperID><arkivskaperNavn>Hånd kommune</arkivskaperNavn></arkivskaper>\
         <arkivdel><systemID>00000000-0000-4000-8000-000000000002</systemID><tittel>Sakarkiv</tittel><arkivdelstatus>Avsluttet periode</arkivdelstatus>{t}{closed}\
         <klassifikasjonssystem><systemID>00000000-0000-4000-8000-000000000003</systemID><tittel>Nøkkel</tittel>{t}{}{}{}{}</klassifikasjonssystem></arkivdel></arkiv>\n",
        klasse("00000000-0000-4000-8000-000000000004", "A07", &registrering),
        klasse("00000000-0000-4000-8000-000000000005", "L42", &mappe),
        klasse("00000000-0000-4000-8000-000000000006", "M12", ""),
        klasse("00000000-0000-4000-8000-000000000007", "Z99", ""),
    );
    let source = dir.path().join("hand");
    fs::create_dir_all(&source).unwrap();
    fs::write(source.join("arkivstruktur.xml"), xml).unwrap();
    assert_eq!(arkivstruktur_errors(&source.join("arkivstruktur.xml")), Vec::<String>::new(), "the source is valid");
    let job = dir.path().join("job.toml");
    fs::write(
        &job,
        "[job]\nname = \"hånd\"\nversion = \"1\"\nas_of = \"2026-11-22\"\nout = \"out\"\n\n\
         [target]\nname = \"Ny\"\nkommunenummer = \"3207\"\narkivskaper = \"Ny kommune\"\n\n\
         [[source]]\nname = \"hand\"\nkind = \"noark5\"\npath = \"hand\"\n\n[plan]\n\n[[plan.arkivdel]]\nid = \"sakarkiv\"\n\
         tittel = \"Sakarkiv\"\nperiode_start = \"2020-01-01\"\nklassifikasjonssystem = { id = \"k\", klassifikasjonstype = \"Emnebasert\", \
         ordningsprinsipp = \"emne\", klasser = { \"A07\" = \"Personal\", \"L42\" = \"Byggesak\", \"M12\" = \"Miljø\" } }\n\n\
         [[plan.map]]\nklasse = \"A07\"\nto = { arkivdel = \"sakarkiv\", klasse = \"L42\" }\n\n\
         [[plan.map]]\nklasse = \"A00-M99\"\nto = { arkivdel = \"sakarkiv\" }\n",
    )
    .unwrap();
    // A07 (a registrering outside a mappe) placed in L42 (a mappe): a v5.0 klasse holds one
    // or the other, so the run stops and says which.
    let o = run(&job);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("klasse L42 of arkivdel `sakarkiv` would hold 1 mapper and 1 registreringer"), "{stderr}");
    let text = fs::read_to_string(&job).unwrap();
    let own = text.replace("to = { arkivdel = \"sakarkiv\", klasse = \"L42\" }", "to = { arkivdel = \"sakarkiv\" }");
    assert_ne!(own, text);
    fs::write(&job, own).unwrap();
    run_ok(&job);
    let merged = dir.path().join("out/migration/arkivstruktur.xml");
    assert_eq!(arkivstruktur_errors(&merged), Vec::<String>::new());
    let xml = fs::read_to_string(&merged).unwrap();
    let plan_klasse = |k: &str| {
        let at = xml.find(&format!("<klasseID>{k}</klasseID>")).unwrap();
        let start = xml[..at].rfind("<systemID>").unwrap();
        values(&xml[start..], "systemID")[0].to_string()
    };
    assert_eq!(values(&xml, "referanseSekundaerKlassifikasjon"), [plan_klasse("A07"), plan_klasse("M12")]);
    let a07 = &xml[xml.find("<klasseID>A07</klasseID>").unwrap()..xml.find("<klasseID>L42</klasseID>").unwrap()];
    assert_eq!(count(a07, "registrering"), 1, "the registrering outside a mappe keeps its klasse");
    let ledger = fs::read_to_string(dir.path().join("out/ledger.csv")).unwrap();
    assert!(
        ledger.lines().any(|l| l.starts_with("hand,mappe,00000000-0000-4000-8000-000000000008,referanseSekundaerKlassifikasjon,00000000-0000-4000-8000-000000000007,,plan: ")),
        "{ledger}"
    );
}

/// The run's `[wash]` step washes each converted party as it writes it (and a person's
/// joined mappe's own parties as joined); the oracle is `samla wash` of the migration
/// extract once written, with the run's wash job: the same washed rows, ledger rows and
/// manual rows for the parties.
fn washed_as_afterwards(vask: &Path, out: &Path) {
    let migration = out.join("migration");
    let mut wash_job = fs::read_to_string(vask.join("wash.toml")).unwrap();
    wash_job = wash_job.replace("out = \"washed\"", "out = \"washed-after\"");
    wash_job
        .push_str(&format!("\n[[input]]\nname = \"parter\"\npath = \"{}\"\nentity = \"party\"\n", migration.display()));
    fs::write(vask.join("after.toml"), wash_job).unwrap();
    let o = samla(&["-q", "wash", "--job", vask.join("after.toml").to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = |path: &Path| {
        let t = samla_wash::table::Table::read(path).unwrap();
        let names: Vec<String> = t.frame.get_column_names().iter().map(|c| c.to_string()).collect();
        let columns: Vec<Vec<Option<&str>>> = names.iter().map(|c| t.column(c).unwrap()).collect();
        let mut rows: Vec<String> = (0..t.frame.height())
            .map(|i| columns.iter().map(|c| c[i].unwrap_or_default()).collect::<Vec<_>>().join(";"))
            .collect();
        rows.sort();
        (names, rows)
    };
    let (streamed, after) =
        (rows(&out.join("wash/parter.washed.csv")), rows(&vask.join("washed-after/parter.washed.csv")));
    assert_eq!(streamed.0, after.0, "the columns");
    assert!(!streamed.1.is_empty());
    assert!(streamed.1 == after.1, "the run's washed parties differ from washing the migration afterwards");
    for name in ["ledger.csv", "manual.csv"] {
        let parter = |p: PathBuf| {
            let mut lines: Vec<String> = fs::read_to_string(p)
                .unwrap()
                .lines()
                .filter(|l| l.starts_with("parter;"))
                .map(str::to_string)
                .collect();
            lines.sort();
            lines
        };
        assert_eq!(parter(out.join("wash").join(name)), parter(vask.join("washed-after").join(name)), "{name}");
    }
}

/// One person folder for each client record of a generated municipality, in a klasse per
/// fødselsnummer or D-number as the record has it.
fn person_folders(records: &str, out: &Path) {
    let folders: Vec<samla_fixtures::persons::PersonFolder> = records
        .lines()
        .skip(1)
        .map(|line| {
            let c: Vec<&str> = line.split(';').collect();
            samla_fixtures::persons::PersonFolder { key: c[0].into(), id: c[1].into(), name: c[2].into() }
        })
        .collect();
    samla_fixtures::persons::write(out, "Elevmapper", 1, &folders).unwrap();
}

#[test]
fn person_folders_are_joined_by_washed_fodselsnummer_with_no_false_join_against_the_ground_truth() {
    let dir = tempfile::tempdir().unwrap();
    let vask = dir.path().join("vask");
    let o =
        samla(&["-q", "generate-registers", "--out", vask.to_str().unwrap(), "--persons", "1500", "--records", "1200"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Twins: the same birth date and surname, near-identical names, one in each source,
    // and not in Folkeregisteret's snapshot. Two persons: never joined.
    let mut rng = samla_fixtures::rng::Rng::new(11);
    let twins = [
        ("TWIN-A", samla_fixtures::content::fodselsnummer(&mut rng, 2012, 3, 4), "Ola Hansen Berg"),
        ("TWIN-B", samla_fixtures::content::fodselsnummer(&mut rng, 2012, 3, 4), "Ole Hansen Berg"),
    ];
    assert_ne!(twins[0].1, twins[1].1);
    for ((source, input), (key, id, name)) in
        [("ski", "ski-klienter"), ("oppegaard", "oppegard-klienter")].into_iter().zip(&twins)
    {
        let records =
            fs::read_to_string(vask.join(format!("input/{input}.csv"))).unwrap() + &format!("{key};{id};{name}\n");
        person_folders(&records, &dir.path().join(source));
        let xml = dir.path().join(source).join("arkivstruktur.xml");
        assert_eq!(arkivstruktur_errors(&xml), Vec::<String>::new());
    }
    let job = dir.path().join("job.toml");
    fs::write(
        &job,
        "[job]\nname = \"elevmapper\"\nversion = \"1\"\nas_of = \"2026-11-22\"\nout = \"out\"\n\n\
         [target]\nname = \"Nordre Follo\"\nkommunenummer = \"3207\"\narkivskaper = \"Nordre Follo kommune\"\n\n\
         [[source]]\nname = \"ski\"\nkind = \"noark5\"\npath = \"ski\"\n\n\
         [[source]]\nname = \"oppegaard\"\nkind = \"noark5\"\npath = \"oppegaard\"\n\n\
         [wash]\njob = \"vask/wash.toml\"\n\n[plan]\n\n[[plan.arkivdel]]\nid = \"elevmapper\"\ntittel = \"Elevmapper\"\n\
         periode_start = \"2020-01-01\"\nklassifikasjonssystem = { id = \"elever\", klassifikasjonstype = \"Fødselsnummer\", \
         ordningsprinsipp = \"foedselsnummer\" }\n\n[[plan.map]]\nklasse = \"*\"\nto = { arkivdel = \"elevmapper\" }\n",
    )
    .unwrap();
    run_ok(&job);
    let merged = dir.path().join("out/migration/arkivstruktur.xml");
    assert_eq!(arkivstruktur_errors(&merged), Vec::<String>::new());
    let xml = fs::read_to_string(&merged).unwrap();
    // Every folder's part (the pupil, under the identifier its system had) is in the
    // migration: a joined mappe keeps each distinct one once.
    let part = |folder: &str| {
        (values(folder, "partID").first().map(|v| v.to_string()), values(folder, "partNavn")[0].to_string())
    };
    let mut part_of: BTreeMap<String, (Option<String>, String)> = BTreeMap::new();
    for source in ["ski", "oppegaard"] {
        let text = fs::read_to_string(dir.path().join(source).join("arkivstruktur.xml")).unwrap();
        for folder in text.split("<mappe ").skip(1) {
            part_of.insert(values(folder, "mappeID")[0].to_string(), part(folder));
        }
    }
    let mut joined_with_two = 0;
    for mappe in xml.split("<mappe ").skip(1) {
        let expected: BTreeSet<_> = values(mappe, "samla:gammelMappeID").iter().map(|k| part_of[*k].clone()).collect();
        let (ids, names) = (values(mappe, "partID"), values(mappe, "partNavn"));
        let actual: Vec<_> =
            names.iter().enumerate().map(|(i, n)| (ids.get(i).map(|v| v.to_string()), n.to_string())).collect();
        assert_eq!(actual.len(), expected.len(), "{mappe}");
        assert_eq!(actual.into_iter().collect::<BTreeSet<_>>(), expected);
        joined_with_two += usize::from(expected.len() == 2);
    }
    assert!(joined_with_two > 0, "a joined mappe holds both folders' parts");
    washed_as_afterwards(&vask, &dir.path().join("out"));

    // The truth: which register person each record was drawn from (empty: nobody).
    let mut truth: BTreeMap<String, String> = fs::read_to_string(vask.join("truth.csv"))
        .unwrap()
        .lines()
        .filter(|l| l.contains("klienter;"))
        .map(|l| {
            let c: Vec<&str> = l.split(';').collect();
            (c[1].to_string(), c[2].to_string())
        })
        .collect();
    truth.extend(twins.iter().map(|(key, id, _)| (key.to_string(), id.clone())));
    // The folders of each mappe of the migration, by their old mappeID (the record's key).
    let mut folders_in: Vec<Vec<String>> = Vec::new();
    for mappe in xml.split("<mappe ").skip(1) {
        folders_in.push(values(mappe, "samla:gammelMappeID").into_iter().map(str::to_string).collect());
    }
    let all: usize = folders_in.iter().map(Vec::len).sum();
    assert_eq!(all, truth.len(), "every folder is in the migration once");
    // Precision: every pair joined into one mappe is the same person.
    let mut joined_pairs = 0u64;
    for group in folders_in.iter().filter(|g| g.len() > 1) {
        for (i, a) in group.iter().enumerate() {
            for b in &group[i + 1..] {
                joined_pairs += 1;
                assert!(
                    !truth[a].is_empty() && truth[a] == truth[b],
                    "{a} and {b} joined, but they are {} and {}",
                    truth[a],
                    truth[b]
                );
            }
        }
    }
    // Recall: the pairs a valid identifier can join (the same person, each folder under a
    // fødselsnummer or D-number that passes its check digits).
    let mut ids: BTreeMap<String, String> = ["ski-klienter", "oppegard-klienter"]
        .iter()
        .flat_map(|f| {
            fs::read_to_string(vask.join(format!("input/{f}.csv")))
                .unwrap()
                .lines()
                .skip(1)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .map(|l| {
            let c: Vec<&str> = l.split(';').collect();
            (c[0].to_string(), c[1].to_string())
        })
        .collect();
    ids.extend(twins.iter().map(|(key, id, _)| (key.to_string(), id.clone())));
    let joinable: Vec<&String> = truth
        .keys()
        .filter(|k| !truth[*k].is_empty() && samla_ids::check_person(&ids[*k], samla_ids::Rules::default()).is_ok())
        .collect();
    let mut truly = 0u64;
    for (i, a) in joinable.iter().enumerate() {
        for b in &joinable[i + 1..] {
            if truth[*a] == truth[*b] {
                truly += 1;
            }
        }
    }
    assert!(truly >= 10, "the generated data has the same person in several folders: {truly}");
    let recall = joined_pairs as f64 / truly as f64;
    assert!(recall >= 0.99, "recall {recall}: {joined_pairs} of {truly} joinable pairs joined");
    // arkivuttrekk.xml counts a joined mappe once (N5.10 passes; the test's sources have no
    // documents, which N5.28 reports).
    let o = samla(&["check", dir.path().join("out/migration").to_str().unwrap(), "--profile", "migration"]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("mapper") && !stdout.contains("N5.10"), "{stdout}");
    // The report counts the joined folders beside the reconciliation.
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("out/report.json")).unwrap()).unwrap();
    let joined: u64 = report["outcome"]["joined"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(joined, folders_in.iter().filter(|g| g.len() > 1).map(|g| g.len() as u64).sum::<u64>());
    // Every old folder is found through the crosswalk, at the mappe it is in now.
    let crosswalk = fs::read_to_string(dir.path().join("out/crosswalk.csv")).unwrap();
    let mapper: Vec<&str> = crosswalk.lines().filter(|l| l.split(',').nth(1) == Some("mappe")).collect();
    assert_eq!(mapper.len(), truth.len());
    for row in mapper {
        let new = row.rsplit(',').next().unwrap();
        assert!(xml.contains(&format!("<systemID>{new}</systemID>")), "{row}: not in the migration");
    }
    // Replaced D-numbers joined under the fødselsnummer: the ledger says so.
    let ledger = fs::read_to_string(dir.path().join("out/ledger.csv")).unwrap();
    let joins: Vec<&str> = ledger.lines().filter(|l| l.contains(",personmappe,")).collect();
    assert!(joins.iter().any(|l| l.contains("replaced by")), "no D-number was washed");
    // The join rows mask the fødselsnummer, as every report does.
    for (key, id) in ids.iter().filter(|(_, id)| samla_ids::check_person(id, samla_ids::Rules::default()).is_ok()) {
        assert!(joins.iter().all(|l| !l.contains(id.as_str())), "{key}: {id} unmasked in a join row");
    }
    // Folders with no valid identifier stay apart, and the report lists them.
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("out/report.json")).unwrap()).unwrap();
    let without: usize = ["ski", "oppegaard"]
        .iter()
        .map(|s| report["outcome"]["plan"]["classification"][s]["without_person"].as_array().map_or(0, Vec::len))
        .sum();
    let invalid =
        truth.keys().filter(|k| samla_ids::check_person(&ids[*k], samla_ids::Rules::default()).is_err()).count();
    assert_eq!(without, invalid);
}

#[test]
fn an_applied_wash_changes_the_migration_only_and_never_writes_a_protected_address() {
    let dir = tempfile::tempdir().unwrap();
    let job = setup(dir.path(), "40");
    // A Folkeregisteret snapshot that holds the parties of Ski's extract: every second one
    // has moved to Nyveien, and the first of those is under adressebeskyttelse.
    let parties = samla_wash::parties::read_parties(&dir.path().join("ski")).unwrap();
    let (ids, names) = (parties.column("fnr").unwrap(), parties.column("navn").unwrap());
    let mut freg = String::new();
    let mut seen = BTreeSet::new();
    let mut protected_name = String::new();
    for i in 0..ids.len() {
        let (Some(id), Some(name)) = (ids[i], names[i]) else { continue };
        let Some((fornavn, etternavn)) = name.rsplit_once(' ') else { continue };
        if !seen.insert(id.to_string()) {
            continue;
        }
        let n = seen.len();
        let moved = n % 2 == 0;
        let protected = n == 2;
        if protected {
            protected_name = name.to_string();
        }
        let (street, number) =
            if moved { ("Nyveien".to_string(), n.to_string()) } else { ("Gamleveien".to_string(), "1".to_string()) };
        freg.push_str(&format!(
            "{{\"identifikasjonsnummer\":[{{\"foedselsEllerDNummer\":\"{id}\",\"status\":\"iBruk\"}}],\
             \"navn\":[{{\"fornavn\":\"{fornavn}\",\"etternavn\":\"{etternavn}\",\"erGjeldende\":true}}],\
             \"bostedsadresse\":[{{\"vegadresse\":{{\"kommunenummer\":\"3207\",\"adressenavn\":\"{street}\",\
             \"adressenummer\":{{\"husnummer\":\"{number}\"}},\"adressekode\":\"1001\",\
             \"poststed\":{{\"poststedsnavn\":\"SKI\",\"postnummer\":\"1400\"}}}},\"erGjeldende\":true}}],\
             \"status\":[{{\"status\":\"bosatt\"}}],\"adressebeskyttelse\":[{{\"graderingsnivaa\":\"{}\"}}]}}\n",
            if protected { "fortrolig" } else { "ugradert" }
        ));
    }
    assert!(seen.len() > 4, "the extract has persons among its parties");
    let vask = dir.path().join("vask");
    fs::create_dir_all(&vask).unwrap();
    fs::write(vask.join("freg.jsonl"), freg).unwrap();
    fs::write(
        vask.join("wash.toml"),
        "[job]\nname = \"vask\"\nout = \"washed\"\n\n[[snapshot]]\nid = \"freg-2026-11-01\"\nregister = \"folkeregisteret\"\n\
         path = \"freg.jsonl\"\nas_of = \"2026-11-01\"\n",
    )
    .unwrap();
    let text = fs::read_to_string(&job).unwrap();
    let washed =
        text.replace("# [wash]\n# job = \"vask/wash.toml\"", "[wash]\njob = \"vask/wash.toml\"\napply = \"A\"");
    assert_ne!(washed, text);
    fs::write(&job, &washed).unwrap();
    run_ok(&job);
    let out = dir.path().join("nordre-follo");
    let migration = fs::read_to_string(out.join("migration/arkivstruktur.xml")).unwrap();
    assert_eq!(arkivstruktur_errors(&out.join("migration/arkivstruktur.xml")), Vec::<String>::new());
    let ledger = fs::read_to_string(out.join("ledger.csv")).unwrap();
    let applied: Vec<&str> = ledger.lines().filter(|l| l.contains("wash apply:")).collect();
    assert!(applied.iter().any(|l| l.contains("/postadresse,") && l.contains(",Nyveien ")), "{ledger}");
    for row in &applied {
        assert!(row.contains("class A") && row.contains("freg-2026-11-01 as of 2026-11-01"), "{row}");
    }
    for row in applied.iter().filter(|l| l.contains("/postadresse,")) {
        let new = row.split(',').nth(5).unwrap();
        assert!(migration.contains(&format!("<postadresse>{new}</postadresse>")), "{row}");
    }
    // The protected person's new address is written nowhere.
    assert!(!migration.contains("<postadresse>Nyveien 2</postadresse>"), "{protected_name}'s address was written");
    let report: serde_json::Value = serde_json::from_slice(&fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["outcome"]["values_washed"].as_u64().unwrap(), applied.len() as u64);

    // closed/ and the deposit packages are the same bytes with and without apply.
    let with = (tree(&out.join("closed")), tree(&out.join("deposit")));
    fs::write(&job, text.replace("# [wash]\n# job = \"vask/wash.toml\"", "[wash]\njob = \"vask/wash.toml\"")).unwrap();
    let o = run(&job);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(with == (tree(&out.join("closed")), tree(&out.join("deposit"))), "closed/ or deposit/ changed with apply");
    assert!(!fs::read_to_string(out.join("migration/arkivstruktur.xml")).unwrap().contains("Nyveien"));
}
