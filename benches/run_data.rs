//! The data of `JOINS=1 scripts/bench-run.sh`, beside the two generated municipalities it
//! is given: register snapshots that hold their person parties (and 400,000 persons more),
//! both schools' pupil folders classified by fødselsnummer (20,000 children in both, with
//! Oppegård's under a replaced D-number, and 20,000 in each alone), and the job: the
//! example with Nordre Follo's archive plan, the pupil folders and `[wash] apply = "A"`.
//!
//! Usage: `cargo bench --bench run_data -- DATA` (DATA holds `ski/` and `oppegaard/`).

use std::path::Path;

use samla_legacy::SourceKind;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let [data] = args.as_slice() else {
        return Err("usage: cargo bench --bench run_data -- DATA".into());
    };
    let data = Path::new(data);
    let started = std::time::Instant::now();
    let persons = samla_demo::registers(&data.join("vask"), &[&data.join("ski"), &data.join("oppegaard")], 400_000)?;
    eprintln!("registers: {} persons in Folkeregisteret, {:.1} s", persons.len(), started.elapsed().as_secs_f64());
    let pupils = samla_demo::Pupils { both: 20_000, first_only: 20_000, second_only: 20_000 };
    samla_demo::person_folders(data, &persons, &pupils)?;
    eprintln!("pupil folders: {:.1} s", started.elapsed().as_secs_f64());
    let source = |name: &str, kommunenummer: &str| samla_map::job::Source {
        name: name.into(),
        kind: SourceKind::Noark5,
        path: name.into(),
        kommunenummer: kommunenummer.into(),
    };
    let job = samla_map::job::example(&samla_map::job::Example {
        oppegaard: None,
        sources: vec![source("ski-skole", "0213"), source("oppegaard-skole", "0217")],
        wash_job: Some("vask/freg.toml".into()),
        plan: true,
    });
    let job = job.replacen("job = \"vask/freg.toml\"", "job = \"vask/freg.toml\"\napply = \"A\"", 1);
    std::fs::write(data.join("job.toml"), job)?;
    Ok(())
}
