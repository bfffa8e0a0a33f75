//! `samla demo`: the demo (`samla_demo::run`), each step shown as the command that does it
//! shows it, then, with `--serve`, the lookup service.

use std::path::Path;

use samla_demo::Step;
use samla_noark5::schemas::SchemaDir;

use super::{ExitStatus, Outcome, check, generate, lookup, verify, wash};
use crate::args::DemoArgs;

/// Arkivverket's ADDML example package, merged as Oppegård's specialist system when the
/// shared fixtures are beside samla.
const JAKT: &str =
    "../shared/fixtures/arkade/packages/jegerregisteret98-small/20b5f34c-4411-47c3-a0f9-0a8bca631603.tar";

pub fn run(args: DemoArgs, quiet: bool) -> Outcome {
    let options = samla_demo::Options {
        out: args.out,
        schemas: SchemaDir::locate(args.schemas.as_deref()),
        jakt: std::fs::canonicalize(Path::new(JAKT)).ok(),
    };
    let demo = samla_demo::run(&options, &mut |step| {
        if !quiet {
            show(&step)
        }
    })?;
    if !args.serve {
        return Ok(ExitStatus::Clean);
    }
    let serve = lookup::ServeArgs {
        index: Some(demo.index),
        policy: Some(demo.policy),
        listen: args.listen,
        tls_cert: None,
        tls_key: None,
        command: None,
    };
    lookup::serve(serve, quiet)
}

fn show(step: &Step) {
    match step {
        Step::Generated { options, summary, seconds } => generate::print_summary(options, summary, *seconds),
        Step::Checked { report, html, json } => {
            check::print_summary(report, samla_check::findings::Lang::Nb);
            println!("  reports: {} and {}\n", html.display(), json.display());
        }
        Step::Noark4Checked { path, report } => println!(
            "Oppegård: Noark 4 extract in {} checked: {} findings, {} errors\n",
            path.display(),
            report.findings.len(),
            report.errors()
        ),
        Step::Merging { job } => println!("Merging into {} …", job.target.name),
        Step::Merged { job, outcome, seconds } => super::run::print_outcome(job, outcome, *seconds),
        Step::Washing => println!(
            "Washing against generated snapshots of Folkeregisteret, Enhetsregisteret, Matrikkelen, KRR and Klass 131:"
        ),
        Step::Washed { report, out } => {
            wash::print_wash_report(report, out);
            println!();
        }
        Step::Verified { tar, report } => verify::print_report(tar, report),
        Step::Indexed { demo, units, sources } => {
            println!(
                "\nThe merged dataset, the deposit packages and the run report are in {}; open {}.",
                demo.merged.display(),
                demo.merged.join("report.html").display()
            );
            println!(
                "\nThe lookup index of the closed units and deposit packages ({units} units from {sources} sources) is in {}.",
                demo.index.display()
            );
            println!("Serve it (then open http://127.0.0.1:8080/):");
            println!("  samla serve {} --policy {}", demo.index.display(), demo.policy.display());
            let logins: Vec<String> = demo.users.iter().map(|(n, r, p)| format!("{n} / {p} ({r})")).collect();
            println!("Demo users (name / password): {}", logins.join(", "));
        }
    }
}
