//! `samla package`: a DIAS (or BagIt) deposit package of an extract.

use samla_noark5::schemas::SchemaDir;

use super::{ExitStatus, Outcome, bar};
use crate::args::PackageArgs;

pub fn run(args: PackageArgs, quiet: bool) -> Outcome {
    use samla_package::metadata::Metadata;
    if args.example_metadata {
        print!("{}", samla_package::metadata::EXAMPLE);
        return Ok(ExitStatus::Clean);
    }
    let (Some(extract), Some(out)) = (args.extract, args.out) else { unreachable!("clap requires them") };
    let metadata = match &args.metadata {
        Some(file) => {
            let text =
                std::fs::read_to_string(file).map_err(|e| samla_noark5::Error::io(file.display().to_string(), e))?;
            Metadata::parse(&text, &file.display().to_string())?
        }
        None => Metadata::default(),
    };
    let source_date_epoch = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => Some(v.trim().parse::<i64>().map_err(|_| {
            samla_noark5::Error::new(
                samla_noark5::ErrorKind::Content,
                "SOURCE_DATE_EPOCH",
                format!("{v:?} is not a number of seconds"),
            )
        })?),
        Err(_) => None,
    };
    let options = samla_package::package::Options {
        out,
        uuid: args.uuid,
        package_type: args.package_type.into(),
        metadata,
        source_date_epoch,
        allow_errors: args.allow_errors,
        schemas: SchemaDir::locate(args.schemas.as_deref()),
        format: args.format.into(),
    };
    let bar = bar(quiet, 0, "packaging [{bar:30}] {bytes}/{total_bytes}, {bytes_per_sec}, eta {eta}");
    let made = samla_package::package::package(&extract, &options, &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    if !quiet {
        println!("{}", made.tar.display());
        println!("  {} files, {} bytes, SHA-256 {}", made.files, made.size, made.sha256);
        if let Some(submission) = &made.submission {
            println!("  submission description: {}", submission.display());
        }
        println!("  check of the extract: {} errors, {} warnings", made.check.0, made.check.1);
    }
    for s in &made.shortfalls {
        eprintln!("warning: dias-mets.xml: {s}; give the missing parties with --metadata (see --example-metadata)");
    }
    Ok(ExitStatus::Clean)
}
