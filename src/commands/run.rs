//! `samla run`: the conversion job, planned (`--dry-run`) or written.

use std::time::Instant;

use samla_noark5::schemas::SchemaDir;

use super::{ExitStatus, Outcome, bar};
use crate::args::RunArgs;

pub fn run(args: &RunArgs, quiet: bool) -> Outcome {
    if args.example_job {
        print!("{}", samla_map::job::EXAMPLE);
        if args.with_plan {
            print!("{}", samla_map::arkivplan::EXAMPLE);
        }
        return Ok(ExitStatus::Clean);
    }
    let path = args.job.as_deref().expect("clap requires --job");
    let mut job = samla_map::job::Job::read(path)?;
    if let Some(lang) = args.lang {
        job.job.lang = lang.into();
    }
    if !args.dry_run {
        return run_merge(&job, args, quiet);
    }
    let started = Instant::now();
    let plan = samla_map::dry_run::plan(&job)?;
    if let Some(file) = &args.report_json {
        let json = serde_json::to_vec_pretty(&plan).expect("the plan serialises");
        std::fs::write(file, json).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    }
    let blocking = plan.blocking(&job);
    if !quiet {
        println!("Plan for {} ({:.1} s, nothing written):", job.job.name, started.elapsed().as_secs_f64());
        print_counts(&plan);
        for (what, n) in &plan.collision_counts {
            let example = plan.collisions.iter().find(|c| &c.what == what);
            match example {
                Some(c) => println!(
                    "  {n} {what} collisions, e.g. `{}` in {}: {}",
                    c.value,
                    c.sources.join(" and "),
                    c.resolution
                ),
                None => println!("  no {what} collisions"),
            }
        }
        if plan.flagged > 0 {
            println!("  {} mapper kept with unmapped values (keep-and-flag)", plan.flagged);
        }
    }
    for b in &blocking {
        eprintln!("  would fail: {b}");
    }
    Ok(ExitStatus::findings_if(!blocking.is_empty()))
}

/// `samla run --job FILE`: writes the merged dataset, the deposit packages and the report.
fn run_merge(job: &samla_map::job::Job, args: &RunArgs, quiet: bool) -> Outcome {
    let started = Instant::now();
    let schemas = args.schemas.as_deref().map(|dir| SchemaDir::locate(Some(dir)));
    let spinner = bar(quiet, 0, "{spinner} {msg} {elapsed}");
    spinner.set_message(format!("running {}", job.job.name));
    spinner.enable_steady_tick(std::time::Duration::from_millis(200));
    let result = samla_map::run::run(job, schemas.as_ref());
    spinner.finish_and_clear();
    let outcome = match result {
        Ok(o) => o,
        Err(samla_map::run::RunError::Blocked(_, reasons)) => {
            eprintln!("error: the run stops; nothing was written:");
            for r in reasons {
                eprintln!("  {r}");
            }
            return Ok(ExitStatus::Findings);
        }
        Err(e) => return Err(e.into()),
    };
    if !quiet {
        print_outcome(job, &outcome, started.elapsed().as_secs_f64());
    }
    Ok(ExitStatus::findings_if(!outcome.plan.reconciles()))
}

/// The reconciliation of a plan or a run, a line per source and entity.
pub(crate) fn print_counts(plan: &samla_map::plan::Plan) {
    for (source, entities) in &plan.counts {
        for (entity, c) in entities {
            println!(
                "  {source:<12} {entity:<20} in {:>8} = converted {:>8} + closed {:>6} + deposited {:>7} + rejected {}{}",
                c.r#in,
                c.converted,
                c.closed,
                c.deposited,
                c.rejected,
                if c.reconciles() { "" } else { "  DOES NOT RECONCILE" }
            );
        }
    }
}

/// What a person reads of a run: where it went, the reconciliation, the packages, the
/// ledger and crosswalk, the gaps and the first findings.
pub(crate) fn print_outcome(job: &samla_map::job::Job, outcome: &samla_map::run::Outcome, seconds: f64) {
    if outcome.no_op {
        println!(
            "{}: job and inputs unchanged since the last run; nothing to do ({} is up to date)",
            job.job.name,
            outcome.out.display()
        );
        return;
    }
    println!("{} in {:.1} s → {}", job.job.name, seconds, outcome.out.display());
    print_counts(&outcome.plan);
    for (source, (tar, _)) in &outcome.packages {
        println!("  deposit package of {source}: {}", outcome.out.join(tar).display());
        if let Some(errors) = outcome.deposit_errors.get(source) {
            println!("    {errors} errors by the deposit check in the source's own values (listed in its log.xml)");
        }
    }
    println!(
        "  ledger.csv: {} changed values; crosswalk.csv: {} systemIDs",
        outcome.ledger_rows, outcome.crosswalk_rows
    );
    for (field, n) in &outcome.plan.gaps {
        println!("  gap: {n} converted units lack {field}, which the target demands (gaps.csv)");
    }
    for f in outcome.findings.iter().take(10) {
        println!("  finding: {f}");
    }
    if outcome.findings.len() > 10 {
        println!("  … and {} more findings in report.json", outcome.findings.len() - 10);
    }
    println!("  report: {}", outcome.out.join("report.html").display());
}
