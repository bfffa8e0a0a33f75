//! `samla wash` and `samla generate-registers`: washing against register snapshots, and the
//! synthetic snapshots and records to wash.

use std::path::Path;
use std::time::Instant;

use super::{ExitStatus, Outcome};
use crate::args::{RegisterArgs, WashArgs};

pub fn run(args: &WashArgs, quiet: bool) -> Outcome {
    if args.example_job {
        print!("{}", samla_wash::job::EXAMPLE);
        return Ok(ExitStatus::Clean);
    }
    let job = args.job.as_deref().expect("clap requires --job");
    let started = Instant::now();
    let result = samla_wash::job::Job::read(job).and_then(|mut job| {
        if let Some(lang) = args.lang {
            job.job.lang = lang.into();
        }
        let options = samla_wash::wash::RunOptions { reveal_ids: args.reveal_ids };
        let report = samla_wash::wash::run(&job, options, &mut |step| {
            if !quiet {
                eprintln!("  {:6.1} s  {step} …", started.elapsed().as_secs_f64());
            }
        })?;
        Ok((job, report))
    });
    let (job, report) = result?;
    if !quiet {
        print_wash_report(&report, &job.job.out);
    }
    if let Some(truth) = &args.truth {
        print_quality(&samla_wash::evaluate::evaluate(&job, truth)?);
    }
    Ok(ExitStatus::findings_if(!report.reconciled()))
}

fn print_quality(figures: &[(String, samla_wash::job::Entity, samla_wash::evaluate::Quality)]) {
    let mut persons = samla_wash::evaluate::Quality::default();
    println!("Quality against the ground truth (classes A+B):");
    for (name, entity, q) in figures {
        if *entity == samla_wash::job::Entity::Person {
            persons.add(q);
        }
        println!(
            "  {name:<22} precision {:.4}  recall {:.4}  F1 {:.4}  ({} matched, {} correct, {} linkable)",
            q.precision(),
            q.recall(),
            q.f1(),
            q.matched,
            q.correct,
            q.linkable
        );
    }
    println!(
        "  {:<22} precision {:.4}  recall {:.4}  F1 {:.4}",
        "all persons",
        persons.precision(),
        persons.recall(),
        persons.f1()
    );
}

pub(crate) fn print_wash_report(report: &samla_wash::report::Report, out: &Path) {
    println!("Washed in {:.1} s: {}", report.seconds, report.job);
    for i in &report.inputs {
        let classes: Vec<String> = i.by_class.iter().map(|(c, n)| format!("{c} {n}")).collect();
        println!(
            "  {:<22} in {:>8} = matched {:>8} + unmatched {:>7} (manual {}) + rejected {}  [{}]{}",
            i.name,
            i.records_in,
            i.matched,
            i.unmatched,
            i.manual,
            i.rejected,
            classes.join(", "),
            if i.reconciled { "" } else { "  DOES NOT RECONCILE" }
        );
        let flags: Vec<String> = i.flags.iter().map(|(f, n)| format!("{f} {n}")).collect();
        if !flags.is_empty() {
            println!("  {:<22} flags: {}", "", flags.join(", "));
        }
        for e in i.examples.iter().take(3) {
            println!("  {:<22} manual: {e}", "");
        }
    }
    println!(
        "  {} ledger rows, {} manual candidate rows; outputs in {} (report.html)",
        report.ledger_rows,
        report.manual_rows,
        out.display()
    );
}

pub fn generate_registers(args: &RegisterArgs, quiet: bool) -> Outcome {
    let options = samla_fixtures::registers::Options {
        out: args.out.clone(),
        seed: args.seed,
        persons: args.persons,
        addresses: args.addresses,
        organisations: args.organisations,
        records: args.records,
        known: Vec::new(),
    };
    let started = Instant::now();
    let job = args.out.join("wash.toml");
    let generated = samla_fixtures::registers::generate(&options)
        .and_then(|s| std::fs::write(&job, samla_wash::job::EXAMPLE).map(|()| s));
    let s = generated.map_err(|e| anyhow::anyhow!("{}: {e}", args.out.display()))?;
    {
        {
            if !quiet {
                println!(
                    "Generated in {:.1} s: {} persons, {} addresses, {} organisations; {} person, {} organisation and {} address records. Job: {}",
                    started.elapsed().as_secs_f64(),
                    s.persons,
                    s.addresses,
                    s.organisations,
                    s.person_records,
                    s.organisation_records,
                    s.address_records,
                    job.display()
                );
            }
        }
    }
    Ok(ExitStatus::Clean)
}
