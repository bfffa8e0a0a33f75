//! `samla generate`: a realistic municipal extract, Noark 5 or Noark 4, from a seed.

use std::time::Instant;

use samla_fixtures::generate::{Options, Summary, generate};
use samla_noark5::schemas::SchemaDir;

use super::{ExitStatus, Outcome, bar};
use crate::args::{ExtractFormat, GenerateArgs};

fn generate_one(options: &Options, quiet: bool) -> samla_noark5::Result<Summary> {
    let bar = bar(quiet, options.mapper, "{msg} [{bar:30}] {pos}/{len} mapper, {per_sec}, eta {eta}");
    bar.set_message(format!("generating {}", options.municipality));
    let summary = generate(options, &mut |n| bar.set_position(n))?;
    bar.finish_and_clear();
    Ok(summary)
}

pub(crate) fn print_summary(options: &Options, s: &Summary, seconds: f64) {
    println!(
        "{}: Noark 5 v{} extract in {} ({} mapper, {} registreringer, {} dokumentobjekter, {} document files, {} endringer) in {seconds:.1} s",
        options.municipality,
        options.version,
        options.out.display(),
        s.mapper,
        s.registreringer,
        s.dokumentobjekter,
        s.document_files,
        s.endringer,
    );
    for i in &s.injected {
        println!(
            "  injected {}: {}{}",
            i.fault,
            i.file,
            i.system_id.as_deref().map(|id| format!(" systemID {id}")).unwrap_or_default()
        );
    }
}

/// `samla generate --format noark4`: a Noark 4 extract with `--mapper` saker.
fn run_noark4(args: GenerateArgs, quiet: bool) -> Outcome {
    use samla_fixtures::noark4;
    let mut options = noark4::Options::new(args.out, &args.municipality, args.seed, args.mapper);
    options.faults = args.noark4_faults;
    options.documents = !args.no_documents;
    let started = Instant::now();
    let bar = bar(quiet, options.saker, "{msg} [{bar:30}] {pos}/{len} saker, {per_sec}, eta {eta}");
    bar.set_message(format!("generating {} (Noark 4)", options.municipality));
    let summary = noark4::generate(&options, &mut |n| bar.set_position(n))?;
    bar.finish_and_clear();
    if !quiet {
        println!(
            "{}: Noark 4 extract in {} ({} saker, {} journalposter, {} dokumentversjoner, {} document files) in {:.1} s",
            options.municipality,
            options.out.display(),
            summary.rows("NOARKSAK"),
            summary.rows("JOURNPOST"),
            summary.rows("DOKVERSJON"),
            summary.document_files,
            started.elapsed().as_secs_f64(),
        );
        for i in &summary.injected {
            println!("  injected {}: {}:{} [{} {}]", i.fault, i.file, i.line, i.table, i.key);
        }
    }
    Ok(ExitStatus::Clean)
}

pub fn run(args: GenerateArgs, quiet: bool) -> Outcome {
    if args.format == ExtractFormat::Noark4 {
        return run_noark4(args, quiet);
    }
    let options = Options {
        out: args.out,
        seed: args.seed,
        mapper: args.mapper,
        version: args.version,
        municipality: args.municipality,
        faults: args.faults,
        documents: !args.no_documents,
        schemas: Some(SchemaDir::locate(args.schemas.as_deref())),
        document_size: args.document_size,
        undermapper: args.undermapper,
    };
    let started = Instant::now();
    let summary = generate_one(&options, quiet)?;
    if !quiet {
        print_summary(&options, &summary, started.elapsed().as_secs_f64());
    }
    Ok(ExitStatus::Clean)
}
