//! `samla wash` end to end: generated registers and records with known noise, the
//! quality figures against the ground truth, the reconciliation, privacy, and bad input.

use crate::common;
use std::fs;
use std::path::{Path, PathBuf};

use crate::common::samla;
use samla_wash::evaluate::{Quality, evaluate};
use samla_wash::job::{Entity, Job};
use samla_wash::table::Table;

fn generate(dir: &Path, persons: usize, records: usize) -> PathBuf {
    let out = dir.join("data");
    let o = samla(&[
        "-q",
        "generate-registers",
        "--out",
        out.to_str().unwrap(),
        "--seed",
        "11",
        "--persons",
        &persons.to_string(),
        "--addresses",
        &persons.to_string(),
        "--organisations",
        "2000",
        "--records",
        &records.to_string(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

fn wash(job: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["wash", "--job", job.to_str().unwrap()];
    args.extend_from_slice(extra);
    samla(&args)
}

#[test]
fn generated_records_wash_with_high_precision_and_recall_and_reconcile() {
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), 20_000, 6_000);
    let o = wash(&data.join("wash.toml"), &[]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&o.stderr));

    let job = Job::read(&data.join("wash.toml")).unwrap();
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(data.join("washed/report.json")).unwrap()).unwrap();
    for input in report["inputs"].as_array().unwrap() {
        let n = |k: &str| input[k].as_u64().unwrap();
        assert_eq!(n("records_in"), n("matched") + n("unmatched") + n("rejected"), "{input}");
        assert!(input["reconciled"].as_bool().unwrap());
    }

    let mut persons = Quality::default();
    for (name, entity, q) in evaluate(&job, &data.join("truth.csv")).unwrap() {
        println!("{name}: precision {:.4} recall {:.4} F1 {:.4} ({q:?})", q.precision(), q.recall(), q.f1());
        match entity {
            Entity::Person => persons.add(&q),
            Entity::Organisation | Entity::Address | Entity::Party => {
                assert!(q.precision() >= 0.99, "{name}: precision {:.4}", q.precision());
                assert!(q.recall() >= 0.90, "{name}: recall {:.4}", q.recall());
            }
        }
    }
    assert_eq!(persons.records, 6_000);
    assert!(persons.precision() >= 0.995, "person precision {:.4} ({persons:?})", persons.precision());
    assert!(persons.recall() >= 0.97, "person recall {:.4} ({persons:?})", persons.recall());
}

#[test]
fn protected_addresses_are_never_written_and_ids_are_masked_in_reports() {
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), 5_000, 3_000);
    let o = wash(&data.join("wash.toml"), &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = data.join("washed");
    let mut flagged = 0;
    for name in ["ski-klienter", "oppegard-klienter"] {
        let t = Table::read(&out.join(format!("{name}.washed.csv"))).unwrap();
        let (flags, adresse, washed, key) = (
            t.column("wash_flags").unwrap(),
            t.column("adresse").unwrap(),
            t.column("washed_adresse").unwrap(),
            t.column("klient_id").unwrap(),
        );
        let ledger = fs::read_to_string(out.join("ledger.csv")).unwrap();
        for i in 0..flags.len() {
            if flags[i].is_some_and(|f| f.contains("adressebeskyttelse")) {
                flagged += 1;
                assert_eq!((adresse[i], washed[i]), (None, None), "row {i} of {name}");
                // Every part of the address goes, mapped by the job or not (poststed is not).
                for column in ["postnr", "poststed", "kommunenr"] {
                    assert_eq!(t.column(column).unwrap()[i], None, "{column} of row {i} of {name}");
                }
                assert!(t.column("navn").unwrap()[i].is_some(), "the name of row {i} of {name} is no address");
                let k = key[i].unwrap();
                assert!(
                    !ledger.lines().any(|l| l.contains(&format!(";{k};adresse;"))),
                    "{k} has an address in the ledger"
                );
            }
        }
    }
    assert!(flagged > 0, "the generator makes some protected persons");
    let report = fs::read_to_string(out.join("report.json")).unwrap();
    assert!(report.contains("\"addresses_withheld\""));
    // Eleven-digit numbers only appear masked in the reports.
    for file in ["report.json", "report.html"] {
        let text = fs::read_to_string(out.join(file)).unwrap();
        assert!(!has_fnr(&text), "{file} shows a whole fødselsnummer");
    }
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(!has_fnr(&stdout), "the terminal shows a whole fødselsnummer: {stdout}");
}

fn has_fnr(text: &str) -> bool {
    let b = text.as_bytes();
    b.windows(13).any(|w| !w[0].is_ascii_digit() && w[1..12].iter().all(u8::is_ascii_digit) && !w[12].is_ascii_digit())
}

#[test]
fn the_input_is_never_modified_and_reruns_give_the_same_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), 3_000, 1_000);
    let before = fs::read(data.join("input/ski-klienter.csv")).unwrap();
    assert!(wash(&data.join("wash.toml"), &["-q"]).status.success());
    let first = fs::read(data.join("washed/ledger.csv")).unwrap();
    let first_table = fs::read(data.join("washed/ski-klienter.washed.csv")).unwrap();
    let first_reports =
        (fs::read(data.join("washed/report.json")).unwrap(), fs::read(data.join("washed/report.html")).unwrap());
    assert!(wash(&data.join("wash.toml"), &["-q"]).status.success());
    assert_eq!(fs::read(data.join("input/ski-klienter.csv")).unwrap(), before);
    assert_eq!(fs::read(data.join("washed/ledger.csv")).unwrap(), first);
    assert_eq!(fs::read(data.join("washed/ski-klienter.washed.csv")).unwrap(), first_table);
    // The reports too: no wall time in them (issue 15).
    let reports =
        (fs::read(data.join("washed/report.json")).unwrap(), fs::read(data.join("washed/report.html")).unwrap());
    assert!(reports == first_reports, "the wash reports differ between identical runs");
    assert!(!data.join("washed.partial").exists());
}

/// Runs the job after `damage` and expects exit 2, a message containing every `expected`
/// piece, and no output folder.
fn fails_cleanly(damage: impl FnOnce(&Path), expected: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), 1_000, 300);
    damage(&data);
    let o = wash(&data.join("wash.toml"), &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    for e in expected {
        assert!(stderr.contains(e), "expected `{e}` in: {stderr}");
    }
    assert!(!data.join("washed").exists(), "a failed job left an output folder");
    assert!(!data.join("washed.partial").exists(), "a failed job left a partial folder");
}

#[test]
fn a_malformed_csv_row_is_named_by_file_line_and_column() {
    fails_cleanly(
        |data| {
            let path = data.join("input/oppegard-klienter.csv");
            let mut text = fs::read_to_string(&path).unwrap();
            let third = text.match_indices('\n').nth(2).unwrap().0;
            text.insert_str(third, ";extra");
            fs::write(path, text).unwrap();
        },
        &["oppegard-klienter.csv:3:", "more than the header's 8 fields"],
    );
}

#[test]
fn an_unknown_column_lists_the_columns_there_are() {
    fails_cleanly(
        |data| {
            let job =
                fs::read_to_string(data.join("wash.toml")).unwrap().replacen("\"fodselsnummer\"", "\"personnr\"", 1);
            fs::write(data.join("wash.toml"), job).unwrap();
        },
        &["ski-klienter.csv", "no column `personnr`", "fodselsnummer"],
    );
}

#[test]
fn a_snapshot_in_the_wrong_encoding_is_named_by_line_and_column() {
    fails_cleanly(
        |data| {
            let path = data.join("registers/adresser.csv");
            let text = fs::read_to_string(&path).unwrap();
            // Re-encode as ISO-8859-1, as an older export would be.
            let latin1: Vec<u8> = text.trim_start_matches('\u{feff}').chars().map(|c| c as u32 as u8).collect();
            fs::write(path, latin1).unwrap();
        },
        &["adresser.csv:", "is not UTF-8", "iconv"],
    );
}

#[test]
fn a_truncated_freg_snapshot_is_named_by_line() {
    fails_cleanly(
        |data| {
            let path = data.join("registers/freg.jsonl");
            let text = fs::read_to_string(&path).unwrap();
            fs::write(&path, &text[..text.len() - 40]).unwrap();
        },
        &["freg.jsonl:1000:", "not a Folkeregisteret person"],
    );
}

#[test]
fn a_missing_snapshot_says_which_and_what_to_do() {
    fails_cleanly(
        |data| fs::remove_file(data.join("registers/krr.jsonl")).unwrap(),
        &["krr.jsonl", "relative to the job file"],
    );
}

#[test]
fn the_example_job_is_printed() {
    let o = samla(&["wash", "--example-job"]);
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    Job::parse(Path::new("job.toml"), &text).expect("the example job parses");
}

#[test]
fn the_parties_of_a_noark5_extract_are_washed_and_all_accounted_for() {
    let dir = tempfile::tempdir().unwrap();
    let extract = common::generate(dir.path(), &["--seed", "5", "--mapper", "40"]);
    let xml = fs::read_to_string(extract.join("arkivstruktur.xml")).unwrap();
    // The oracle: the parties as plain text counts them.
    let parties = xml.matches("<korrespondansepart>").count() + xml.matches("<part>").count();
    assert!(parties > 40, "{parties}");
    let table = samla_wash::parties::read_parties(&extract).unwrap();
    assert_eq!(table.frame.height(), parties);
    let fnr = table.column("fnr").unwrap();
    let orgnr = table.column("orgnr").unwrap();
    assert!(fnr.iter().zip(&orgnr).all(|(f, o)| f.is_some() || o.is_some()), "every generated party has an identifier");

    let data = generate(dir.path(), 1_000, 100);
    let mut job = fs::read_to_string(data.join("wash.toml")).unwrap();
    job.push_str(&format!("\n[[input]]\nname = \"parter\"\npath = \"{}\"\nentity = \"party\"\n", extract.display()));
    fs::write(data.join("wash.toml"), job).unwrap();
    let o = wash(&data.join("wash.toml"), &["-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let washed = Table::read(&data.join("washed/parter.washed.csv")).unwrap();
    assert_eq!(washed.frame.height(), parties);
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(data.join("washed/report.json")).unwrap()).unwrap();
    let input = report["inputs"].as_array().unwrap().iter().find(|i| i["name"] == "parter").unwrap();
    assert_eq!(input["records_in"].as_u64(), Some(parties as u64));
    assert!(input["reconciled"].as_bool().unwrap());
    // A party with an organisasjonsnummer is washed as an organisation: never given a
    // person's fødselsnummer, name or birth date, whatever its name is like.
    let (orgnr, status) = (washed.column("orgnr").unwrap(), washed.column("match_status").unwrap());
    let (washed_fnr, washed_orgnr) = (washed.column("washed_fnr").unwrap(), washed.column("washed_orgnr").unwrap());
    let washed_fodt = washed.column("washed_fodt").unwrap();
    let organisations: Vec<usize> = (0..orgnr.len()).filter(|&i| orgnr[i].is_some()).collect();
    assert!(!organisations.is_empty());
    for &i in &organisations {
        assert_eq!((washed_fnr[i], washed_fodt[i]), (None, None), "row {i}: an organisation washed as a person");
        if status[i] == Some("matched") {
            assert_eq!(washed_orgnr[i], orgnr[i], "row {i}");
        }
    }
    assert!((0..orgnr.len()).all(|i| orgnr[i].is_some() || washed_orgnr[i].is_none()), "a person given an orgnr");
}

#[test]
fn a_parquet_input_washes_like_its_csv() {
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), 3_000, 1_000);
    let mut table = Table::read(&data.join("input/ski-klienter.csv")).unwrap();
    samla_wash::table::write_frame(&data.join("input/ski-klienter.parquet"), &mut table.frame, b';').unwrap();
    let job = fs::read_to_string(data.join("wash.toml"))
        .unwrap()
        .replace("input/ski-klienter.csv", "input/ski-klienter.parquet");
    fs::write(data.join("parquet.toml"), job.replace("out = \"washed\"", "out = \"washed-parquet\"")).unwrap();
    assert!(wash(&data.join("wash.toml"), &["-q"]).status.success());
    let o = wash(&data.join("parquet.toml"), &["-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let from_csv = Table::read(&data.join("washed/ski-klienter.washed.csv")).unwrap();
    let from_parquet = Table::read(&data.join("washed-parquet/ski-klienter.washed.parquet")).unwrap();
    for column in ["klient_id", "match_class", "match_rule", "washed_fnr", "washed_adresse", "wash_flags"] {
        assert_eq!(from_csv.column(column).unwrap(), from_parquet.column(column).unwrap(), "{column}");
    }
}

/// `samla wash` killed at any moment leaves nothing under its output's name, and a rerun
/// gives the same bytes (issue 15).
#[test]
fn a_killed_wash_started_again_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let data = generate(dir.path(), 20_000, 6_000);
    let job = data.join("wash.toml");
    common::killed_and_rerun_gives_the_same_bytes(
        &data.join("washed"),
        &["-q", "wash", "--job", job.to_str().unwrap()],
    );
}

/// The demo's protected persons (adressebeskyttelse in its Folkeregisteret snapshot) have no
/// part of any address in any washed table, in either ledger, or on their parties in the
/// migration, though the sources give them one (issue 15).
#[test]
fn the_demos_protected_persons_have_no_address_in_any_output_made_with_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let o = samla(&["-q", "demo", "--out", demo.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut protected = std::collections::BTreeSet::new();
    for line in fs::read_to_string(demo.join("vask/registers/freg.jsonl")).unwrap().lines() {
        let person: serde_json::Value = serde_json::from_str(line).unwrap();
        let levels = person["adressebeskyttelse"].as_array().cloned().unwrap_or_default();
        if levels.iter().any(|l| l["graderingsnivaa"].as_str().is_some_and(|g| g != "ugradert")) {
            for id in person["identifikasjonsnummer"].as_array().unwrap() {
                protected.insert(id["foedselsEllerDNummer"].as_str().unwrap().to_string());
            }
        }
    }
    assert!(!protected.is_empty());
    let is_address = |column: &str| ["adresse", "postn", "poststed", "kommunen"].iter().any(|a| column.contains(a));

    // Washed tables: a row of a protected person keeps no address column, mapped or not.
    let mut rows = 0;
    let tables: Vec<PathBuf> = common::tree(&demo)
        .into_keys()
        .filter(|p| p.to_string_lossy().ends_with(".washed.csv"))
        .map(|p| demo.join(p))
        .collect();
    assert!(tables.len() >= 4, "{tables:?}");
    for path in &tables {
        let t = Table::read(path).unwrap();
        let names: Vec<String> = t.frame.get_column_names().iter().map(|n| n.to_string()).collect();
        let columns: Vec<Vec<Option<&str>>> = names.iter().map(|n| t.column(n).unwrap()).collect();
        for i in 0..t.frame.height() {
            let flagged =
                columns.iter().any(|c| c[i].is_some_and(|v| protected.contains(v) || v.contains("adressebeskyttelse")));
            if !flagged {
                continue;
            }
            rows += 1;
            for (name, column) in names.iter().zip(&columns) {
                assert!(
                    !is_address(name) || column[i].is_none(),
                    "{}: row {i} has {name} {:?}",
                    path.display(),
                    column[i]
                );
            }
        }
    }
    assert!(rows > 0, "no protected person in the washed tables");

    // The ledgers: a line about a protected person holds no address value.
    for ledger in [demo.join("vask/washed/ledger.csv"), demo.join("nordre-follo/wash/ledger.csv")] {
        for line in fs::read_to_string(&ledger).unwrap().lines() {
            if protected.iter().any(|id| line.contains(id.as_str())) {
                let field = line.split(';').nth(2).unwrap_or("");
                assert!(!is_address(field), "{}: {line}", ledger.display());
            }
        }
    }

    // The migration: a protected party has no address; in the source, some had one.
    let parties_with_address = |file: &Path| {
        let doc = samla_noark5::xml::parse_str(&fs::read_to_string(file).unwrap(), "arkivstruktur.xml").unwrap();
        let (mut seen, mut with_address) = (0, 0);
        for unit in doc.descendants().filter(|e| e.is("registrering") || e.is("mappe")) {
            let Some(vsm) = unit.child("virksomhetsspesifikkeMetadata") else { continue };
            let names: Vec<&str> = vsm
                .children
                .iter()
                .filter(|p| p.value("foedselsnummer").is_some_and(|f| protected.contains(f)))
                .filter_map(|p| p.value("navn"))
                .collect();
            for party in unit.children.iter().filter(|c| c.is("korrespondansepart") || c.is("part")) {
                let name = party.value("korrespondansepartNavn").or(party.value("partNavn"));
                if name.is_some_and(|n| names.contains(&n)) {
                    seen += 1;
                    if party.children.iter().any(|f| is_address(&f.local_name().to_lowercase()) || f.is("land")) {
                        with_address += 1;
                    }
                }
            }
        }
        (seen, with_address)
    };
    let (seen, with_address) = parties_with_address(&demo.join("nordre-follo/migration/arkivstruktur.xml"));
    assert!(seen > 0, "no protected party in the migration");
    assert_eq!(with_address, 0, "{with_address} of {seen} protected parties keep an address in the migration");
    let (_, in_source) = parties_with_address(&demo.join("ski/arkivstruktur.xml"));
    assert!(in_source > 0, "the source gives the protected parties no address: the test would not bite");
}
