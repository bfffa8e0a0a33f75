//! The `samla` command line: a thin shell over the samla libraries.
//!
//! Exit codes: 0 clean, 1 findings at error level, 2 samla could not run.

mod lookup;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

// Units are built on worker threads and freed on the reader's; mimalloc handles that
// pattern far better than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use indicatif::{ProgressBar, ProgressStyle};
use samla_fixtures::generate::{Fault, Options, Summary, generate};
use samla_noark5::schemas::SchemaDir;
use samla_noark5::{Extract, Version};

#[derive(Parser)]
#[command(
    name = "samla",
    version,
    about = "Archive migration for merging Norwegian municipalities: read, check and write Noark 5 extracts",
    long_about = "samla reads the Noark 5 archive extracts of the old municipalities (folders, tars or DIAS \
                  packages), checks them, and writes verified, schema-valid Noark 5.\n\n\
                  Exit codes: 0 clean, 1 findings at error level, 2 samla could not run.\n\n\
                  samla carries Arkivverket's official schemas (Noark 5 v3.1/v4.0/v5.0, ADDML 8.2/8.3, \
                  DIAS METS and PREMIS, XLink); --schemas DIR or the SAMLA_SCHEMAS environment variable \
                  names a folder to use instead. `samla schemas --list` shows the set in use."
)]
struct Cli {
    /// Print nothing but errors (no progress bars, no summaries).
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a realistic municipal Noark 5 extract (for tests, demos and benchmarks).
    #[command(after_help = fault_help())]
    Generate(GenerateArgs),
    /// Read every XML file of an extract completely and print what it holds.
    ///
    /// PATH is an extract folder, a tar of one, or a DIAS package tar (<uuid>/content/…);
    /// an ADDML flat-file extract (fagsystem, Noark 3) gets its records counted per file.
    /// Any damage (truncated XML, wrong encoding, unsafe tar members) stops it with the
    /// file and position, and exit code 2.
    Inspect {
        /// Extract folder, extract tar or DIAS package tar.
        path: PathBuf,
    },
    /// Check an extract: Arkade's Noark 5 controls (N5.01–N5.64) and samla's own (S.01–S.08).
    ///
    /// PATH is an extract folder, a tar of one, or a DIAS package tar (<uuid>/content/…),
    /// read in place. Every problem is reported; nothing stops the run but an unreadable
    /// input. Exit code 0: no errors; 1: errors found; 2: the check could not run.
    Check(CheckArgs),
    /// Make a DIAS deposit package (uncompressed <uuid>.tar) of an extract, with its
    /// submission description <uuid>.xml beside it.
    ///
    /// The extract is checked first and not packaged when the check finds errors (unless
    /// --allow-errors). The same extract, metadata, --uuid and SOURCE_DATE_EPOCH give a
    /// byte-identical tar. Inside, manifest-sha256.txt lets `sha256sum -c` verify it.
    Package(PackageArgs),
    /// Verify a deposit package: every file against dias-mets.xml, both ways, the tar
    /// against its submission description, and the extract's own checksums.
    ///
    /// PATH is a DIAS tar (its submission description <uuid>.xml beside it is found and
    /// checked) or an unpacked package folder. Exit code 0: intact; 1: anything differs;
    /// 2: could not run.
    Verify {
        /// DIAS package tar or folder.
        path: PathBuf,
        /// Write the result as JSON for auditors.
        #[arg(long)]
        report_json: Option<PathBuf>,
    },
    /// Convert a Noark 4 extract (NOARKIH.XML and its table files) into a Noark 5 v5.0
    /// extract with arkivuttrekk.xml, new UUIDv5 systemIDs and crosswalk.csv.
    ///
    /// Codes become text; unknown codes, broken keys and missing documents are reported
    /// with their file, line and row, and the rows are kept. Exit code 0: converted
    /// without errors; 1: converted, with errors in the source; 2: could not run.
    Convert {
        /// The Noark 4 extract folder.
        source: PathBuf,
        /// Folder for the Noark 5 extract (created).
        #[arg(long)]
        out: PathBuf,
        /// Name of the source, part of every new systemID (default: the folder's name).
        #[arg(long)]
        name: Option<String>,
        /// Schema folder for the XSDs written beside the extract (default: SAMLA_SCHEMAS, else the set samla carries).
        #[arg(long)]
        schemas: Option<PathBuf>,
        /// Findings to print (all are counted).
        #[arg(long, default_value_t = 20)]
        max_findings: usize,
    },
    /// Merge the old municipalities' sources into one dataset (the conversion job).
    ///
    /// Reads every source once, routes each mappe by the job's rules (convert, close,
    /// deposit), checks the retention floors and the crosswalks, and writes into the job's
    /// out folder: the migration extract (one arkiv; with a [plan], the plan's arkivdeler
    /// and klasser), the closed part, a DIAS deposit package per source, the crosswalk,
    /// the ledger and the report, with the reconciliation in = converted + closed +
    /// deposited + rejected. With --dry-run it only plans and prints the counts. Exit
    /// code 0: done (or could go ahead); 1: stopped (unmapped values or klasser, a floor
    /// broken), each listed, nothing written; 2: could not run.
    Run(RunArgs),
    /// Wash persons, organisations and addresses against register snapshots
    /// (Folkeregisteret, Enhetsregisteret, Matrikkelen, KRR, Klass 131).
    ///
    /// The job file names the snapshots, the input tables and what their columns mean
    /// (see --example-job). Inputs are never modified. The output folder gets the washed
    /// tables, ledger.csv (every change, with rule, class and snapshot), manual.csv (class
    /// C, with candidates) and report.json/html, all or nothing. Only classes A and B are
    /// applied. ledger.csv, manual.csv and the washed tables are working files that hold
    /// whole fødselsnummer (reports mask them): give them the access control the register
    /// snapshots have. Exit code 0: every input reconciles; 2: the job could not run.
    Wash(WashArgs),
    /// Generate synthetic register snapshots and municipal records drawn from them with
    /// known noise, plus a ground truth and a washing job (for tests and benchmarks).
    GenerateRegisters(RegisterArgs),
    /// Show or write out the official schemas in use.
    ///
    /// samla carries Arkivverket's published XSDs byte for byte (Noark 5 v3.1/v4.0/v5.0,
    /// ADDML 8.2/8.3, DIAS METS and PREMIS, XLink); --schemas DIR or SAMLA_SCHEMAS names a
    /// folder to use instead. --export writes the set out, laid out as samla reads it, so
    /// that `xmllint --schema DIR/noark5/v5_0/arkivstruktur.xsd` can check the same way.
    Schemas {
        /// List each file of the set in use with its SHA-256, and whether it is official.
        #[arg(long)]
        list: bool,
        /// Write the set in use into DIR (noark5/v5_0/*.xsd, addml/*.xsd, dias/*.xsd).
        #[arg(long, value_name = "DIR")]
        export: Option<PathBuf>,
        /// A schema folder to use instead of the set samla carries (default: SAMLA_SCHEMAS).
        #[arg(long)]
        schemas: Option<PathBuf>,
    },
    /// Build or extend the lookup index of closed archives: Noark 5 extracts (folder, tar,
    /// DIAS package) and `samla run` outputs (its closed part, deposit packages and
    /// crosswalk), read in place; documents are not copied. Unchanged sources are skipped.
    Index(lookup::IndexArgs),
    /// Serve a lookup index to the staff who need it: search, browse, documents, "where did
    /// it go?" and partsinnsyn, behind a policy (users, roles, grants, screening; deny by
    /// default), with every access in a hash-chained log.
    Serve(lookup::ServeArgs),
    /// Verify the access log's hash chain (an index folder, its log.sqlite, or an exported
    /// .jsonl): exit 0 if it holds, 1 naming the first entry changed, removed or reordered.
    VerifyLog {
        /// The index folder, log.sqlite, or a .jsonl export.
        path: PathBuf,
    },
    /// Run the demo: generate two municipalities, Ski and Oppegård, check them, merge them
    /// into Nordre Follo, wash the parties against generated register snapshots, verify the
    /// deposit packages, and index the closed units and packages for `samla serve`.
    Demo {
        /// Work folder for the demo's output.
        #[arg(long, default_value = "work/demo")]
        out: PathBuf,
        /// Schema folder to copy XSDs from (default: SAMLA_SCHEMAS, else the set samla carries).
        #[arg(long)]
        schemas: Option<PathBuf>,
        /// Then serve the demo's lookup index (as `samla serve` does) until stopped.
        #[arg(long)]
        serve: bool,
        /// Where `--serve` listens.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// The job file (TOML).
    #[arg(long, required_unless_present = "example_job")]
    job: Option<PathBuf>,
    /// Print a commented example job (Ski + Oppegård → Nordre Follo) and exit.
    #[arg(long)]
    example_job: bool,
    /// With --example-job: the job with Nordre Follo's archive plan ([plan]) added.
    #[arg(long, requires = "example_job")]
    with_plan: bool,
    /// Print what would happen, with the counts, without writing.
    #[arg(long)]
    dry_run: bool,
    /// Write the plan as JSON (with --dry-run; a run writes report.json into its output).
    #[arg(long)]
    report_json: Option<PathBuf>,
    /// Schema folder with the official XSDs (default: SAMLA_SCHEMAS, else the set samla carries).
    #[arg(long)]
    schemas: Option<PathBuf>,
}

#[derive(clap::Args)]
struct WashArgs {
    /// The job file (TOML).
    #[arg(long, required_unless_present = "example_job")]
    job: Option<PathBuf>,
    /// Print a commented example job and exit.
    #[arg(long)]
    example_job: bool,
    /// Show whole fødselsnummer in the report and on the terminal (masked by default).
    #[arg(long)]
    reveal_ids: bool,
    /// Measure the applied matches against a ground truth (`input;key;entity`, as
    /// generate-registers writes) and print precision, recall and F1.
    #[arg(long)]
    truth: Option<PathBuf>,
}

#[derive(clap::Args)]
struct RegisterArgs {
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
    /// Seed; the same seed and sizes give the same files.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Persons in Folkeregisteret.
    #[arg(long, default_value_t = 20_000)]
    persons: usize,
    /// Addresses in Matrikkelen (at least).
    #[arg(long, default_value_t = 20_000)]
    addresses: usize,
    /// Units in Enhetsregisteret.
    #[arg(long, default_value_t = 2_000)]
    organisations: usize,
    /// Person records in the two municipalities' inputs.
    #[arg(long, default_value_t = 5_000)]
    records: usize,
}

#[derive(clap::Args)]
struct PackageArgs {
    /// Extract folder or tar.
    #[arg(required_unless_present = "example_metadata")]
    extract: Option<PathBuf>,
    /// Folder for the tar and its submission description.
    #[arg(long, required_unless_present = "example_metadata")]
    out: Option<PathBuf>,
    /// Package type.
    #[arg(long = "type", default_value = "sip", value_parser = ["sip", "aip"])]
    package_type: String,
    /// Who archives, submits, produces and owns the package, and the period (TOML; see
    /// --example-metadata). What it leaves out is taken from arkivuttrekk.xml.
    #[arg(long)]
    metadata: Option<PathBuf>,
    /// Package format: DIAS, or a BagIt 1.0 bag (bagit.txt, bag-info.txt, data/, manifests).
    #[arg(long, default_value = "dias", value_parser = ["dias", "bagit"])]
    format: String,
    /// Schema folder with the official DIAS and ADDML XSDs (default: SAMLA_SCHEMAS, else the set samla carries).
    #[arg(long)]
    schemas: Option<PathBuf>,
    /// The package's UUID (default: a new one).
    #[arg(long)]
    uuid: Option<String>,
    /// Package even when the check of the extract finds errors; they go into log.xml.
    #[arg(long)]
    allow_errors: bool,
    /// Print a commented metadata template and exit.
    #[arg(long)]
    example_metadata: bool,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Extract folder, extract tar or DIAS package tar.
    path: PathBuf,
    /// Whose verdict: deposit (Arkade's verdict or a stricter one, never a laxer one) or
    /// migration (an extract from a live system: open cases, journal statuses, unfinished
    /// documents and missing journals, which only a depot forbids, are warnings).
    #[arg(long, default_value = "deposit", value_parser = ["deposit", "migration"])]
    profile: String,
    /// Schema folder with the official XSDs (default: SAMLA_SCHEMAS, else the set samla carries).
    #[arg(long)]
    schemas: Option<PathBuf>,
    /// Run only the controls listed in FILE: one ID per line, '#' starts a comment.
    #[arg(long)]
    controls: Option<PathBuf>,
    /// Write the report as JSON (format: docs/report-format.md).
    #[arg(long)]
    report_json: Option<PathBuf>,
    /// Write the report as a self-contained HTML page for a person.
    #[arg(long)]
    report_html: Option<PathBuf>,
    /// Language of the terminal summary.
    #[arg(long, default_value = "nb", value_parser = ["nb", "en"])]
    lang: String,
    /// Locations kept per group of identical findings.
    #[arg(long, default_value_t = 20)]
    max_findings: usize,
}

#[derive(clap::Args)]
struct GenerateArgs {
    /// Output folder (created; must be empty or absent).
    #[arg(long)]
    out: PathBuf,
    /// Seed: the same seed gives a byte-identical extract.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Number of mapper (saksmapper); each holds one to four journalposter.
    #[arg(long, default_value_t = 100)]
    mapper: u64,
    /// Noark 5 version to write.
    #[arg(long = "noark-version", default_value = "5.0", value_parser = parse_version)]
    version: Version,
    /// Municipality (Ski, Oppegård, Askim, …; others get made-up streets).
    #[arg(long, default_value = "Ski")]
    municipality: String,
    /// Inject a fault for testing the controls; may be repeated (see the list below).
    #[arg(long = "fault", value_parser = parse_fault)]
    faults: Vec<Fault>,
    /// Metadata only: no dokumentbeskrivelse, dokumentobjekt or document files.
    #[arg(long)]
    no_documents: bool,
    /// Make each document file at least this many bytes (for benchmarks of real volumes).
    #[arg(long, default_value_t = 0)]
    document_size: usize,
    /// Levels of undermapper: every third mappe holds its registreringer under this many
    /// nested mapper (mappe in mappe, as the schemas allow).
    #[arg(long, default_value_t = 0)]
    undermapper: u32,
    /// Schema folder to copy the XSDs from (default: SAMLA_SCHEMAS, else the set samla carries).
    #[arg(long)]
    schemas: Option<PathBuf>,
    /// Extract format: noark5, or noark4 (NOARKIH.XML and table files; --mapper gives the saker).
    #[arg(long, default_value = "noark5", value_parser = ["noark5", "noark4"])]
    format: String,
    /// Inject a fault into a Noark 4 extract; may be repeated (n4-broken-foreign-key,
    /// n4-wrong-count, n4-cp1252, n4-dotted-date, n4-missing-document, n4-duplicate-key, n4-unknown-code).
    #[arg(long = "noark4-fault", value_parser = parse_fault4)]
    noark4_faults: Vec<samla_fixtures::noark4::Fault4>,
}

fn parse_fault4(s: &str) -> Result<samla_fixtures::noark4::Fault4, String> {
    use samla_fixtures::noark4::Fault4;
    Fault4::parse(s).ok_or_else(|| {
        let names: Vec<_> = Fault4::ALL.iter().map(|f| f.name()).collect();
        format!("unknown Noark 4 fault {s:?}; choose one of {}", names.join(", "))
    })
}

fn fault_help() -> String {
    let mut s = String::from("Fault kinds for --fault:\n");
    for f in Fault::ALL {
        s.push_str(&format!("  {:<26} {}\n", f.name(), f.description()));
    }
    s
}

fn parse_version(s: &str) -> Result<Version, String> {
    Version::parse(s).ok_or_else(|| format!("unknown Noark 5 version {s:?}; use 5.0, 4.0 or 3.1"))
}

fn parse_fault(s: &str) -> Result<Fault, String> {
    Fault::parse(s).ok_or_else(|| {
        let names: Vec<_> = Fault::ALL.iter().map(|f| f.name()).collect();
        format!("unknown fault {s:?}; choose one of {}", names.join(", "))
    })
}

fn main() -> ExitCode {
    // A closed pipe (`samla schemas --list | head`) ends samla quietly, as it does any Unix tool,
    // instead of a panic on the next print.
    #[cfg(unix)]
    // SAFETY: resetting one signal's disposition before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate(args) => run_generate(args, cli.quiet),
        Command::Inspect { path } => run_inspect(&path, cli.quiet),
        Command::Check(args) => run_check(args, cli.quiet),
        Command::Package(args) => run_package(args, cli.quiet),
        Command::Verify { path, report_json } => run_verify(&path, report_json.as_deref(), cli.quiet),
        Command::Convert { source, out, name, schemas, max_findings } => {
            run_convert(&source, &out, name, schemas, max_findings, cli.quiet)
        }
        Command::Run(args) => Ok(run_job(&args, cli.quiet)),
        Command::Wash(args) => Ok(run_wash(&args, cli.quiet)),
        Command::GenerateRegisters(args) => Ok(run_generate_registers(&args, cli.quiet)),
        Command::Demo { out, schemas, serve, listen } => run_demo(&out, schemas, serve.then_some(listen), cli.quiet),
        Command::Index(args) => lookup::run_index(&args, cli.quiet),
        Command::Serve(args) => lookup::run_serve(args, cli.quiet),
        Command::VerifyLog { path } => lookup::run_verify_log(&path, cli.quiet),
        Command::Schemas { list, export, schemas } => run_schemas(list, export.as_deref(), schemas.as_deref()),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn bar(quiet: bool, len: u64, template: &str) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(ProgressStyle::with_template(template).expect("the template is valid").progress_chars("=> "));
    bar
}

fn generate_one(options: &Options, quiet: bool) -> samla_noark5::Result<Summary> {
    let bar = bar(quiet, options.mapper, "{msg} [{bar:30}] {pos}/{len} mapper, {per_sec}, eta {eta}");
    bar.set_message(format!("generating {}", options.municipality));
    let summary = generate(options, &mut |n| bar.set_position(n))?;
    bar.finish_and_clear();
    Ok(summary)
}

fn print_summary(options: &Options, s: &Summary, seconds: f64) {
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
fn run_generate_noark4(args: GenerateArgs, quiet: bool) -> samla_noark5::Result<ExitCode> {
    use samla_fixtures::noark4::{Options4, generate as generate4};
    let mut options = Options4::new(args.out, &args.municipality, args.seed, args.mapper);
    options.faults = args.noark4_faults;
    options.documents = !args.no_documents;
    let started = Instant::now();
    let bar = bar(quiet, options.saker, "{msg} [{bar:30}] {pos}/{len} saker, {per_sec}, eta {eta}");
    bar.set_message(format!("generating {} (Noark 4)", options.municipality));
    let summary = generate4(&options, &mut |n| bar.set_position(n))?;
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
    Ok(ExitCode::SUCCESS)
}

fn run_generate(args: GenerateArgs, quiet: bool) -> samla_noark5::Result<ExitCode> {
    if args.format == "noark4" {
        return run_generate_noark4(args, quiet);
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
    Ok(ExitCode::SUCCESS)
}

/// Inspects an ADDML flat-file extract (fagsystem, Noark 3): records per flat file.
fn inspect_flat(path: &Path, package: &Extract, addml: &str, quiet: bool) -> samla_noark5::Result<ExitCode> {
    let description = samla_legacy::flat::Description::read(package.open_file(addml)?, &package.display(addml))?;
    if !quiet {
        println!("{}", path.display());
        println!("  ADDML flat-file extract: {}", description.dataset.as_deref().unwrap_or("(no name)"));
    }
    for file in &description.files {
        // The data files sit beside addml.xml's folder, usually in content/.
        let Some(name) = package
            .files()
            .map(|(n, _)| n)
            .find(|n| n.rsplit('/').next().is_some_and(|f| f.eq_ignore_ascii_case(&file.file_name)))
            .map(str::to_string)
        else {
            eprintln!("warning: {}: the flat file {} is missing from {}", file.name, file.file_name, path.display());
            continue;
        };
        let mut records = samla_legacy::flat::Records::new(file, package.open_file(&name)?, package.display(&name))?;
        let mut counts = vec![0u64; file.records.len().max(1)];
        while let Some(r) = records.next_record()? {
            counts[r.definition] += 1;
        }
        if !quiet {
            for (def, n) in file.records.iter().zip(&counts) {
                println!("  {:<32} {:<24} {n:>10} records", format!("{} ({})", file.name, file.file_name), def.name);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn run_inspect(path: &Path, quiet: bool) -> samla_noark5::Result<ExitCode> {
    use samla_legacy::kind::Input;
    let extract = match samla_legacy::kind::open(path)? {
        Input::Noark5(extract) => extract,
        Input::Addml { package, addml } => return inspect_flat(path, &package, &addml, quiet),
        Input::Noark4(n4) => {
            // Every row of every table read, counted per table file.
            let report = samla_legacy::noark4::check::check(&n4);
            if !quiet {
                println!("{}\n  Noark 4 extract (`samla convert` makes it Noark 5)", path.display());
                for f in &report.files {
                    let stated = f.stated.map_or_else(|| "not stated".into(), |n| format!("{n} stated"));
                    println!("  {:<12} {:<16} {:>9} rows ({stated})", f.table, f.file, f.read);
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
    };
    let size = extract.size("arkivstruktur.xml").unwrap_or(0);
    let bar =
        bar(quiet, size, "reading arkivstruktur.xml [{bar:30}] {bytes}/{total_bytes}, {bytes_per_sec}, eta {eta}");
    let inv = samla_noark5::inventory::take(&extract, &mut |n| bar.set_position(n))?;
    bar.finish_and_clear();
    if quiet {
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}", path.display());
    if !extract.prefix().is_empty() {
        println!("  extract under {}", extract.prefix());
    }
    println!("  Noark 5 version: {}", inv.version);
    if !inv.creators.is_empty() {
        println!(
            "  arkivskaper: {}",
            samla_noark5::error::shorten(&inv.creators.join(", "), samla_noark5::error::SHOWN)
        );
    }
    println!("  files: {} ({} bytes)", inv.files, inv.bytes);
    println!("  document folder: {}", extract.document_folder().unwrap_or_else(|| "none".into()));
    for (name, n) in &inv.counts {
        println!("  {name:<32} {n:>10}");
    }
    for (label, n) in [
        ("loependeJournal", inv.loepende_journal),
        ("offentligJournal", inv.offentlig_journal),
        ("endringslogg", inv.endringer),
    ] {
        if let Some(n) = n {
            println!("  {label:<32} {n:>10}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes `bytes` to `path` whole or not at all (`<path>.partial`, synced, renamed).
fn write_atomic(path: &Path, bytes: &[u8]) -> samla_noark5::Result<()> {
    use std::io::Write;
    samla_noark5::atomic::write_file(path, |f| f.write_all(bytes))
        .map_err(|e| samla_noark5::Error::io(path.display().to_string(), e))
}

fn run_check(args: CheckArgs, quiet: bool) -> samla_noark5::Result<ExitCode> {
    use samla_check::findings::{Lang, Severity};
    let lang = if args.lang == "en" { Lang::En } else { Lang::Nb };
    let selection = match &args.controls {
        Some(file) => {
            let text =
                std::fs::read_to_string(file).map_err(|e| samla_noark5::Error::io(file.display().to_string(), e))?;
            let set = samla_check::controls::parse_selection(&text).map_err(|why| {
                samla_noark5::Error::new(samla_noark5::ErrorKind::Content, file.display().to_string(), why)
                    .with_hint("list control IDs such as N5.01 or S.03, one per line; see `samla check --help`")
            })?;
            Some(set)
        }
        None => None,
    };
    let options = samla_check::Options {
        profile: samla_check::Profile::parse(&args.profile).unwrap_or_default(),
        schemas: Some(SchemaDir::locate(args.schemas.as_deref())),
        selection,
        max_locations: args.max_findings,
        ..Default::default()
    };
    use samla_legacy::kind::Input;
    let report = match samla_legacy::kind::open(&args.path)? {
        Input::Noark5(extract) => {
            let total = extract.size("arkivstruktur.xml").unwrap_or(0);
            let bar = bar(
                quiet,
                total,
                "checking arkivstruktur.xml [{bar:30}] {bytes}/{total_bytes}, {bytes_per_sec}, eta {eta} {msg}",
            );
            let report = samla_check::check(&extract, &options, &mut |p| match p {
                samla_check::Progress::Reading { done, .. } => bar.set_position(done),
                samla_check::Progress::Documents { checked, bytes } => {
                    bar.set_message(format!("· {checked} documents, {} MB hashed", bytes / 1_000_000))
                }
            })?;
            bar.finish_and_clear();
            report
        }
        Input::Noark4(extract) => samla_check::noark4::check_noark4(&extract, &options)?,
        // An ADDML flat-file extract gets the ADDML processes it names.
        Input::Addml { package, addml } => samla_check::flat::check_flat(&package, &addml, &options)?,
    };
    if let Some(path) = &args.report_json {
        let json = serde_json::to_vec_pretty(&report).expect("the report serialises");
        write_atomic(path, &json)?;
    }
    if let Some(path) = &args.report_html {
        write_atomic(path, samla_check::html::render(&report, lang).as_bytes())?;
    }
    if !quiet {
        let s = &report.summary;
        println!("{}", s.extract);
        if s.version.as_deref().is_some_and(|v| v.starts_with("ADDML")) {
            println!("  {} · {} records · {} files", s.version.as_deref().unwrap_or(""), s.registreringer, s.files);
        } else if s.version.as_deref() == Some("Noark 4") {
            println!(
                "  Noark 4 · {} saker, {} journalposter, {} dokumentversjoner · {} files",
                s.mapper, s.registreringer, s.dokumentobjekter, s.files
            );
            println!("  `samla convert` makes it a Noark 5 extract, which Arkade's controls can then check");
        } else {
            println!(
                "  Noark 5 {} · {} · {} mapper, {} registreringer, {} dokumentobjekter · {} files",
                s.version.as_deref().unwrap_or("?"),
                if s.creators.is_empty() { "-".to_string() } else { s.creators.join(", ") },
                s.mapper,
                s.registreringer,
                s.dokumentobjekter,
                s.files
            );
        }
        for c in &report.controls {
            for g in c.findings.iter().filter(|g| g.severity != Severity::Info) {
                let sev = match g.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Info => "info",
                };
                println!("  {} {sev}: {} ({}×)", c.id, g.message.get(lang), g.count);
                for at in g.locations.iter().take(3) {
                    let mut line = format!("      {}", at.file);
                    if let (Some(l), Some(col)) = (at.line, at.column) {
                        line.push_str(&format!(":{l}:{col}"));
                    }
                    if let Some(id) = &at.system_id {
                        line.push_str(&format!(" systemID {id}"));
                    }
                    if let Some(d) = &at.detail {
                        line.push_str(&format!(" — {d}"));
                    }
                    println!("{line}");
                }
            }
        }
        let verdict = if report.summary.errors > 0 { "FAILED" } else { "passed" };
        println!(
            "{verdict}: {} errors, {} warnings in {} controls ({:.1} s, {} profile)",
            s.errors,
            s.warnings,
            s.controls_run,
            s.seconds,
            s.profile.as_str()
        );
    }
    Ok(ExitCode::from(report.exit_code()))
}

fn run_package(args: PackageArgs, quiet: bool) -> samla_noark5::Result<ExitCode> {
    use samla_package::metadata::Metadata;
    if args.example_metadata {
        print!("{}", samla_package::metadata::EXAMPLE);
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(extract), Some(out)) = (args.extract, args.out) else { unreachable!("clap requires them") };
    let metadata = match &args.metadata {
        Some(file) => {
            let text =
                std::fs::read_to_string(file).map_err(|e| samla_noark5::Error::io(file.display().to_string(), e))?;
            Metadata::parse(&text, &file.display().to_string()).map_err(|why| {
                samla_noark5::Error::new(samla_noark5::ErrorKind::Content, file.display().to_string(), why)
                    .with_hint("see `samla package --example-metadata` for the form")
            })?
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
    let package_type = if args.package_type == "aip" {
        samla_package::mets::PackageType::Aip
    } else {
        samla_package::mets::PackageType::Sip
    };
    let options = samla_package::package::Options {
        out,
        uuid: args.uuid,
        package_type,
        metadata,
        source_date_epoch,
        allow_errors: args.allow_errors,
        schemas: SchemaDir::locate(args.schemas.as_deref()),
        format: if args.format == "bagit" {
            samla_package::package::Format::Bagit
        } else {
            samla_package::package::Format::Dias
        },
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
    Ok(ExitCode::SUCCESS)
}

fn run_verify(path: &Path, report_json: Option<&Path>, quiet: bool) -> samla_noark5::Result<ExitCode> {
    let bar = bar(quiet, 0, "verifying [{bar:30}] {bytes}/{total_bytes}, {bytes_per_sec}, eta {eta}");
    let report = samla_package::verify::verify(path, &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    if let Some(file) = report_json {
        write_atomic(file, &serde_json::to_vec_pretty(&report).expect("the report serialises"))?;
    }
    if !quiet {
        println!("{}", report.package);
        println!(
            "  {} files listed in {}, {} in the package, {} intact",
            report.listed,
            if report.format == "BagIt" { "the bag's manifests" } else { "dias-mets.xml" },
            report.present,
            report.intact
        );
        for m in &report.missing {
            println!("  missing: {m}");
        }
        for e in &report.extra {
            println!("  extra:   {e}");
        }
        for c in &report.changed {
            println!("  changed: {} (stated {}, found {})", c.path, c.stated, c.found);
        }
        for u in &report.unverifiable {
            println!("  not verifiable (checksum type): {u}");
        }
        match &report.submission {
            Some(s) if s.ok => println!("  submission description {}: the tar's SHA-256 matches", s.file),
            Some(s) => println!(
                "  submission description {}: the tar's SHA-256 or size differs (stated {}, found {})",
                s.file, s.stated, s.found
            ),
            None => match &report.submission_unreadable {
                Some(e) => println!("  submission description cannot be read: {e}"),
                None if report.format == "DIAS" && path.extension().is_some_and(|x| x == "tar") => {
                    println!("  no submission description beside the tar (its SHA-256 is not checked)")
                }
                None => {}
            },
        }
        for c in &report.content {
            println!("  extract: {c}");
        }
        for i in &report.irregular {
            println!("  irregular member {i}");
        }
        println!("{}", if report.intact() { "intact" } else { "NOT INTACT" });
    }
    Ok(ExitCode::from(report.exit_code()))
}

/// `samla schemas`: lists the set in use (the default) and/or writes it out.
fn run_schemas(list: bool, export: Option<&Path>, schemas: Option<&Path>) -> samla_noark5::Result<ExitCode> {
    use sha2::Digest;
    let set = SchemaDir::locate(schemas);
    let files = set.files();
    if list || export.is_none() {
        println!("Schemas in use: {} ({} files)", set.describe(), files.len());
        let mut variants = 0;
        for (path, file) in &files {
            let digest = samla_noark5::hex(&sha2::Sha256::digest(file.read()?));
            let official = samla_noark5::schemas::identify(&digest).is_some();
            variants += usize::from(!official);
            println!("  {path:<34} {digest}  {}", if official { "official" } else { "NOT the official file" });
        }
        if variants > 0 {
            println!("{variants} file(s) differ from Arkivverket's published schemas");
            return Ok(ExitCode::from(1));
        }
    }
    if let Some(dir) = export {
        let written = set.export(dir)?;
        println!("wrote {} schema files into {}", written.len(), dir.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn run_demo(
    out: &Path,
    schemas: Option<PathBuf>,
    serve: Option<std::net::SocketAddr>,
    quiet: bool,
) -> samla_noark5::Result<ExitCode> {
    let schemas = SchemaDir::locate(schemas.as_deref());
    if out.exists() {
        std::fs::remove_dir_all(out).map_err(|e| samla_noark5::Error::io(out.display().to_string(), e))?;
    }
    // Ski delivers Noark 5; Oppegård still has its Noark 4 system.
    let mut options = Options::new(out.join("ski"), "Ski", 2019, 200);
    options.schemas = Some(schemas.clone());
    let started = Instant::now();
    let summary = generate_one(&options, quiet)?;
    if !quiet {
        print_summary(&options, &summary, started.elapsed().as_secs_f64());
    }
    let check = CheckArgs {
        path: options.out.clone(),
        profile: "deposit".into(),
        schemas: schemas.root().map(Path::to_path_buf),
        controls: None,
        report_json: Some(out.join("ski-report.json")),
        report_html: Some(out.join("ski-report.html")),
        lang: "nb".into(),
        max_findings: 5,
    };
    run_check(check, quiet)?;
    if !quiet {
        println!("  reports: {}/ski-report.html and .json\n", out.display());
    }
    let oppegaard = out.join("oppegaard");
    let options4 = samla_fixtures::noark4::Options4::new(oppegaard.clone(), "Oppegård", 2020, 200);
    samla_fixtures::noark4::generate(&options4, &mut |_| {})?;
    let report = samla_legacy::noark4::check::check(&samla_legacy::noark4::Noark4::open(&oppegaard)?);
    if !quiet {
        println!(
            "Oppegård: Noark 4 extract in {} checked: {} findings, {} errors\n",
            oppegaard.display(),
            report.findings.len(),
            report.errors()
        );
    }

    let persons = demo_registers(out)?;
    demo_person_folders(out, &persons)?;

    // The merger: the example job, with Oppegård read as Noark 4.
    let job_file = out.join("job.toml");
    let example = samla_map::job::EXAMPLE;
    let at = example.find("name = \"oppegaard\"").expect("the example names oppegaard");
    let kind = example[at..].find("kind = \"noark5\"").expect("the example gives a kind") + at;
    let mut text = format!("{}kind = \"noark4\"{}", &example[..kind], &example[kind + "kind = \"noark5\"".len()..]);
    // Oppegård's specialist system: Arkivverket's ADDML example (jegerregisteret), when
    // the shared fixtures are beside samla.
    let jakt = Path::new(
        "../shared/fixtures/arkade/packages/jegerregisteret98-small/20b5f34c-4411-47c3-a0f9-0a8bca631603.tar",
    );
    if let Ok(jakt) = std::fs::canonicalize(jakt) {
        let source = format!(
            "[[source]]\nname = \"jakt\"\nkind = \"addml\"\npath = {}\nkommunenummer = \"0217\"\n\n# Code lists",
            samla_map::job::toml_string(&jakt.display().to_string())
        );
        text = text.replacen("# Code lists", &source, 1);
    }
    // The schools' pupil folders, joined per child; D-numbers washed with Folkeregisteret.
    let schools = "[[source]]\nname = \"ski-skole\"\nkind = \"noark5\"\npath = \"ski-skole\"\nkommunenummer = \"0213\"\n\n\
                   [[source]]\nname = \"oppegaard-skole\"\nkind = \"noark5\"\npath = \"oppegaard-skole\"\nkommunenummer = \"0217\"\n\n# Code lists";
    text = text.replacen("# Code lists", schools, 1).replacen(
        "# [wash]\n# job = \"vask/wash.toml\"",
        "[wash]\njob = \"vask/freg.toml\"",
        1,
    );
    text.push_str(samla_map::arkivplan::EXAMPLE);
    std::fs::write(&job_file, text).map_err(|e| samla_noark5::Error::io(job_file.display().to_string(), e))?;
    let args = RunArgs {
        job: Some(job_file.clone()),
        example_job: false,
        with_plan: false,
        dry_run: false,
        report_json: None,
        schemas: schemas.root().map(Path::to_path_buf),
    };
    let code = run_job(&args, quiet);
    if code != ExitCode::SUCCESS {
        return Ok(code);
    }
    let merged = out.join("nordre-follo");
    wash_demo(out, &[("nordre-follo-parter", "nordre-follo/migration")], quiet)?;
    // The deposit packages of the run, verified as an auditor would.
    let mut tars: Vec<PathBuf> = ["ski", "oppegaard"]
        .iter()
        .filter_map(|s| std::fs::read_dir(merged.join("deposit").join(s)).ok())
        .flat_map(|d| d.flatten().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "tar"))
        .collect();
    tars.sort();
    for tar in &tars {
        run_verify(tar, None, quiet)?;
    }
    if !quiet {
        println!(
            "\nThe merged dataset, the deposit packages and the run report are in {}; open {}.",
            merged.display(),
            merged.join("report.html").display()
        );
    }
    let lookup = lookup::demo(out, &merged, quiet)?;
    if let Some(listen) = serve {
        let args = lookup::ServeArgs {
            index: Some(lookup.index),
            policy: Some(lookup.policy),
            listen,
            tls_cert: None,
            tls_key: None,
            command: None,
        };
        return lookup::run_serve(args, quiet);
    }
    Ok(ExitCode::SUCCESS)
}

fn run_convert(
    source: &Path,
    out: &Path,
    name: Option<String>,
    schemas: Option<PathBuf>,
    max_findings: usize,
    quiet: bool,
) -> samla_noark5::Result<ExitCode> {
    use samla_legacy::noark4::{Noark4, Severity, convert};
    let started = Instant::now();
    let extract = Noark4::open(source)?;
    let name = name.unwrap_or_else(|| source.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    let options = convert::ConvertOptions { source: name, schemas: Some(SchemaDir::locate(schemas.as_deref())) };
    let done = convert::convert(&extract, out, &options)?;
    let errors = done.findings.iter().filter(|f| f.severity == Severity::Error).count();
    if !quiet {
        println!("Converted {} into {} in {:.1} s:", source.display(), out.display(), started.elapsed().as_secs_f64());
        for (entity, c) in &done.counts {
            println!("  {entity:<22} read {:>8}  written {:>8}  rejected {:>6}", c.read, c.written, c.rejected);
        }
        println!("  {} findings, {errors} errors", done.findings.len());
        for f in done.findings.iter().take(max_findings) {
            println!("  {f}");
        }
        if done.findings.len() > max_findings {
            println!("  … and {} more", done.findings.len() - max_findings);
        }
    }
    Ok(if errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn run_job(args: &RunArgs, quiet: bool) -> ExitCode {
    if args.example_job {
        print!("{}", samla_map::job::EXAMPLE);
        if args.with_plan {
            print!("{}", samla_map::arkivplan::EXAMPLE);
        }
        return ExitCode::SUCCESS;
    }
    let path = args.job.as_deref().expect("clap requires --job");
    let job = match samla_map::job::Job::read(path) {
        Ok(job) => job,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if !args.dry_run {
        return run_merge(&job, args, quiet);
    }
    let started = Instant::now();
    let plan = match samla_map::plan::plan(&job) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(file) = &args.report_json {
        let json = serde_json::to_vec_pretty(&plan).expect("the plan serialises");
        if let Err(e) = std::fs::write(file, json) {
            eprintln!("error: {}: {e}", file.display());
            return ExitCode::from(2);
        }
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
    if blocking.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

/// `samla run --job FILE`: writes the merged dataset, the deposit packages and the report.
fn run_merge(job: &samla_map::job::Job, args: &RunArgs, quiet: bool) -> ExitCode {
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
            return ExitCode::from(1);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if quiet {
        return ExitCode::SUCCESS;
    }
    if outcome.no_op {
        println!(
            "{}: job and inputs unchanged since the last run; nothing to do ({} is up to date)",
            job.job.name,
            outcome.out.display()
        );
        return ExitCode::SUCCESS;
    }
    println!("{} in {:.1} s → {}", job.job.name, started.elapsed().as_secs_f64(), outcome.out.display());
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
    if outcome.plan.reconciles() { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

/// The reconciliation of a plan or a run, a line per source and entity.
fn print_counts(plan: &samla_map::plan::Plan) {
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

fn run_wash(args: &WashArgs, quiet: bool) -> ExitCode {
    if args.example_job {
        print!("{}", samla_wash::job::EXAMPLE);
        return ExitCode::SUCCESS;
    }
    let job = args.job.as_deref().expect("clap requires --job");
    let started = Instant::now();
    let result = samla_wash::job::Job::read(job).and_then(|job| {
        let options = samla_wash::wash::RunOptions { reveal_ids: args.reveal_ids };
        let report = samla_wash::wash::run(&job, options, &mut |step| {
            if !quiet {
                eprintln!("  {:6.1} s  {step} …", started.elapsed().as_secs_f64());
            }
        })?;
        Ok((job, report))
    });
    match result {
        Ok((job, report)) => {
            if !quiet {
                print_wash_report(&report, &job.job.out);
            }
            if let Some(truth) = &args.truth {
                match samla_wash::evaluate::evaluate(&job, truth) {
                    Ok(figures) => print_quality(&figures),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(2);
                    }
                }
            }
            if report.reconciled() { ExitCode::SUCCESS } else { ExitCode::from(1) }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// A washing error as the demo reports it: the file and what went wrong.
fn fail(e: samla_wash::Error) -> samla_noark5::Error {
    samla_noark5::Error::io(e.file.display().to_string(), std::io::Error::other(e.to_string()))
}

/// The demo's registers, made before the merger: snapshots of Folkeregisteret,
/// Enhetsregisteret, Matrikkelen, KRR and SSB's municipality changes that hold the parties
/// of Ski's extract (and thousands of others). The merger washes D-numbers with
/// Folkeregisteret's (`vask/freg.toml`); the washing step after it uses them all.
fn demo_registers(out: &Path) -> samla_noark5::Result<Vec<samla_wash::snapshot::Person>> {
    let mut known = Vec::new();
    let dir = out.join("vask");
    let parties = samla_wash::parties::read_parties(&out.join("ski")).map_err(fail)?;
    let (ids, names, lines, post) = (
        parties.column("fnr").map_err(fail)?,
        parties.column("navn").map_err(fail)?,
        parties.column("postadresse").map_err(fail)?,
        parties.column("postnummer").map_err(fail)?,
    );
    for i in 0..ids.len() {
        if let (Some(id), Some(name)) = (ids[i], names[i]) {
            known.push(samla_fixtures::registers::KnownPerson {
                id: id.to_string(),
                name: name.to_string(),
                address: lines[i].unwrap_or_default().to_string(),
                postnummer: post[i].unwrap_or_default().to_string(),
            });
        }
    }
    let options = samla_fixtures::registers::Options {
        persons: 20_000,
        addresses: 20_000,
        organisations: 2_000,
        records: 2_000,
        known,
        ..samla_fixtures::registers::Options::new(&dir, 2020)
    };
    samla_fixtures::registers::generate(&options).map_err(|e| samla_noark5::Error::io(dir.display().to_string(), e))?;
    let freg = dir.join("freg.toml");
    let job = "[job]\nname = \"Folkeregisteret for sammenslåingen\"\nout = \"freg-vask\"\n\n[[snapshot]]\n\
               id = \"freg-2026-11-01\"\nregister = \"folkeregisteret\"\npath = \"registers/freg.jsonl\"\nas_of = \"2026-11-01\"\n";
    std::fs::write(&freg, job).map_err(|e| samla_noark5::Error::io(freg.display().to_string(), e))?;
    samla_wash::snapshot::load_freg(&dir.join("registers/freg.jsonl")).map_err(fail)
}

/// The schools' pupil folders of Ski and Oppegård, classified by fødselsnummer: children
/// of the demo's Folkeregisteret, some in both municipalities, where Oppegård has the
/// D-number a child had before Folkeregisteret gave a fødselsnummer.
fn demo_person_folders(out: &Path, persons: &[samla_wash::snapshot::Person]) -> samla_noark5::Result<()> {
    use samla_fixtures::persons::{PersonFolder, write};
    let mut children: Vec<&samla_wash::snapshot::Person> =
        persons.iter().filter(|p| p.birth.is_some_and(|(y, _, _)| y >= 2008)).collect();
    // Those with a replaced D-number first: they are the ones the merger must wash to join.
    children.sort_by_key(|p| p.old_ids.is_empty());
    let folder = |p: &samla_wash::snapshot::Person, n: usize, prefix: &str, old: bool| PersonFolder {
        key: format!("{prefix}-{n:04}"),
        id: if old { p.old_ids.first().unwrap_or(&p.id).clone() } else { p.id.clone() },
        name: p.name(),
    };
    let ski: Vec<PersonFolder> =
        children.iter().take(50).enumerate().map(|(n, p)| folder(p, n, "SKI", false)).collect();
    let oppegaard: Vec<PersonFolder> = children
        .iter()
        .take(20)
        .chain(children.iter().skip(50).take(30))
        .enumerate()
        .map(|(n, p)| folder(p, n, "OPP", true))
        .collect();
    let io = |e: std::io::Error| samla_noark5::Error::io(out.display().to_string(), e);
    write(&out.join("ski-skole"), "Elevmapper (skolesystemet)", 0x5c1, &ski).map_err(io)?;
    write(&out.join("oppegaard-skole"), "Elevmapper (skolesystemet)", 0x0ff, &oppegaard).map_err(io)
}

/// The demo's washing step: the merged extract's parties and the generated client,
/// supplier and property tables washed against the demo's registers.
fn wash_demo(out: &Path, inputs: &[(&str, &str)], quiet: bool) -> samla_noark5::Result<()> {
    let dir = out.join("vask");
    let job_file = dir.join("wash.toml");
    let mut job = samla_wash::job::EXAMPLE.to_string();
    for (name, folder) in inputs {
        job.push_str(&format!("\n[[input]]\nname = \"{name}\"\npath = \"../{folder}\"\nentity = \"person\"\n"));
    }
    std::fs::write(&job_file, job).map_err(|e| samla_noark5::Error::io(job_file.display().to_string(), e))?;
    if !quiet {
        println!(
            "Washing against generated snapshots of Folkeregisteret, Enhetsregisteret, Matrikkelen, KRR and Klass 131:"
        );
    }
    let job = samla_wash::job::Job::read(&job_file).map_err(fail)?;
    let report = samla_wash::wash::run(&job, samla_wash::wash::RunOptions::default(), &mut |_| {}).map_err(fail)?;
    if !quiet {
        print_wash_report(&report, &job.job.out);
        println!();
    }
    Ok(())
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

fn print_wash_report(report: &samla_wash::report::Report, out: &Path) {
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

fn run_generate_registers(args: &RegisterArgs, quiet: bool) -> ExitCode {
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
    match generated {
        Ok(s) => {
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
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}: {e}", args.out.display());
            ExitCode::from(2)
        }
    }
}
