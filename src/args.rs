//! The command line, as clap types: every command, its options, and the values they take.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use samla_fixtures::generate::Fault;
use samla_noark5::Version;

use crate::commands::lookup::{IndexArgs, ServeArgs};

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
pub struct Cli {
    /// Print nothing but errors (no progress bars, no summaries).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
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
    Convert(ConvertArgs),
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
    Index(IndexArgs),
    /// Serve a lookup index to the staff who need it: search, browse, documents, "where did
    /// it go?" and partsinnsyn, behind a policy (users, roles, grants, screening; deny by
    /// default), with every access in a hash-chained log.
    Serve(ServeArgs),
    /// Verify the access log's hash chain (an index folder, its log.sqlite, or an exported
    /// .jsonl): exit 0 if it holds, 1 naming the first entry changed, removed or reordered.
    VerifyLog {
        /// The index folder, log.sqlite, or a .jsonl export.
        path: PathBuf,
    },
    /// Run the demo: generate two municipalities, Ski and Oppegård, check them, merge them
    /// into Nordre Follo, wash the parties against generated register snapshots, verify the
    /// deposit packages, and index the closed units and packages for `samla serve`.
    Demo(DemoArgs),
}

#[derive(clap::Args)]
pub struct ConvertArgs {
    /// The Noark 4 extract folder.
    pub source: PathBuf,
    /// Folder for the Noark 5 extract (created).
    #[arg(long)]
    pub out: PathBuf,
    /// Name of the source, part of every new systemID (default: the folder's name).
    #[arg(long)]
    pub name: Option<String>,
    /// Schema folder for the XSDs written beside the extract (default: SAMLA_SCHEMAS, else the set samla carries).
    #[arg(long)]
    pub schemas: Option<PathBuf>,
    /// Findings to print (all are counted).
    #[arg(long, default_value_t = 20)]
    pub max_findings: usize,
}

#[derive(clap::Args)]
pub struct DemoArgs {
    /// Work folder for the demo's output.
    #[arg(long, default_value = "work/demo")]
    pub out: PathBuf,
    /// Schema folder to copy XSDs from (default: SAMLA_SCHEMAS, else the set samla carries).
    #[arg(long)]
    pub schemas: Option<PathBuf>,
    /// Then serve the demo's lookup index (as `samla serve` does) until stopped.
    #[arg(long)]
    pub serve: bool,
    /// Where `--serve` listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
}

#[derive(clap::Args)]
pub struct RunArgs {
    /// The job file (TOML).
    #[arg(long, required_unless_present = "example_job")]
    pub job: Option<PathBuf>,
    /// Print a commented example job (Ski + Oppegård → Nordre Follo) and exit.
    #[arg(long)]
    pub example_job: bool,
    /// With --example-job: the job with Nordre Follo's archive plan ([plan]) added.
    #[arg(long, requires = "example_job")]
    pub with_plan: bool,
    /// Print what would happen, with the counts, without writing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write the plan as JSON (with --dry-run; a run writes report.json into its output).
    #[arg(long)]
    pub report_json: Option<PathBuf>,
    /// Schema folder with the official XSDs (default: SAMLA_SCHEMAS, else the set samla carries).
    #[arg(long)]
    pub schemas: Option<PathBuf>,
    /// Language of report.html (default: the job's `lang`, else nb).
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
}

#[derive(clap::Args)]
pub struct WashArgs {
    /// The job file (TOML).
    #[arg(long, required_unless_present = "example_job")]
    pub job: Option<PathBuf>,
    /// Print a commented example job and exit.
    #[arg(long)]
    pub example_job: bool,
    /// Show whole fødselsnummer in the report and on the terminal (masked by default).
    #[arg(long)]
    pub reveal_ids: bool,
    /// Measure the applied matches against a ground truth (`input;key;entity`, as
    /// generate-registers writes) and print precision, recall and F1.
    #[arg(long)]
    pub truth: Option<PathBuf>,
    /// Language of report.html (default: the job's `lang`, else nb).
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
}

#[derive(clap::Args)]
pub struct RegisterArgs {
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    /// Seed; the same seed and sizes give the same files.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Persons in Folkeregisteret.
    #[arg(long, default_value_t = 20_000)]
    pub persons: usize,
    /// Addresses in Matrikkelen (at least).
    #[arg(long, default_value_t = 20_000)]
    pub addresses: usize,
    /// Units in Enhetsregisteret.
    #[arg(long, default_value_t = 2_000)]
    pub organisations: usize,
    /// Person records in the two municipalities' inputs.
    #[arg(long, default_value_t = 5_000)]
    pub records: usize,
}

#[derive(clap::Args)]
pub struct PackageArgs {
    /// Extract folder or tar.
    #[arg(required_unless_present = "example_metadata")]
    pub extract: Option<PathBuf>,
    /// Folder for the tar and its submission description.
    #[arg(long, required_unless_present = "example_metadata")]
    pub out: Option<PathBuf>,
    /// Package type.
    #[arg(long = "type", value_enum, default_value = "sip")]
    pub package_type: PackageType,
    /// Who archives, submits, produces and owns the package, and the period (TOML; see
    /// --example-metadata). What it leaves out is taken from arkivuttrekk.xml.
    #[arg(long)]
    pub metadata: Option<PathBuf>,
    /// Package format: DIAS, or a BagIt 1.0 bag (bagit.txt, bag-info.txt, data/, manifests).
    #[arg(long, value_enum, default_value = "dias")]
    pub format: PackageFormat,
    /// Schema folder with the official DIAS and ADDML XSDs (default: SAMLA_SCHEMAS, else the set samla carries).
    #[arg(long)]
    pub schemas: Option<PathBuf>,
    /// The package's UUID (default: a new one).
    #[arg(long)]
    pub uuid: Option<String>,
    /// Package even when the check of the extract finds errors; they go into log.xml.
    #[arg(long)]
    pub allow_errors: bool,
    /// Print a commented metadata template and exit.
    #[arg(long)]
    pub example_metadata: bool,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Extract folder, extract tar or DIAS package tar.
    pub path: PathBuf,
    /// Whose verdict: deposit (Arkade's verdict or a stricter one, never a laxer one) or
    /// migration (an extract from a live system: open cases, journal statuses, unfinished
    /// documents and missing journals, which only a depot forbids, are warnings).
    #[arg(long, value_enum, default_value = "deposit")]
    pub profile: Profile,
    /// Schema folder with the official XSDs (default: SAMLA_SCHEMAS, else the set samla carries).
    #[arg(long)]
    pub schemas: Option<PathBuf>,
    /// Run only the controls listed in FILE: one ID per line, '#' starts a comment.
    #[arg(long)]
    pub controls: Option<PathBuf>,
    /// Write the report as JSON (format: docs/report-format.md).
    #[arg(long)]
    pub report_json: Option<PathBuf>,
    /// Write the report as a self-contained HTML page for a person.
    #[arg(long)]
    pub report_html: Option<PathBuf>,
    /// Language of the terminal summary.
    #[arg(long, value_enum, default_value = "nb")]
    pub lang: Lang,
    /// Locations kept per group of identical findings.
    #[arg(long, default_value_t = 20)]
    pub max_findings: usize,
}

#[derive(clap::Args)]
pub struct GenerateArgs {
    /// Output folder (created; must be empty or absent).
    #[arg(long)]
    pub out: PathBuf,
    /// Seed: the same seed gives a byte-identical extract.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Number of mapper (saksmapper); each holds one to four journalposter.
    #[arg(long, default_value_t = 100)]
    pub mapper: u64,
    /// Noark 5 version to write.
    #[arg(long = "noark-version", default_value = "5.0", value_parser = parse_version)]
    pub version: Version,
    /// Municipality (Ski, Oppegård, Askim, …; others get made-up streets).
    #[arg(long, default_value = "Ski")]
    pub municipality: String,
    /// Inject a fault for testing the controls; may be repeated (see the list below).
    #[arg(long = "fault", value_parser = parse_fault)]
    pub faults: Vec<Fault>,
    /// Metadata only: no dokumentbeskrivelse, dokumentobjekt or document files.
    #[arg(long)]
    pub no_documents: bool,
    /// Make each document file at least this many bytes (for benchmarks of real volumes).
    #[arg(long, default_value_t = 0)]
    pub document_size: usize,
    /// Levels of undermapper: every third mappe holds its registreringer under this many
    /// nested mapper (mappe in mappe, as the schemas allow).
    #[arg(long, default_value_t = 0)]
    pub undermapper: u32,
    /// Schema folder to copy the XSDs from (default: SAMLA_SCHEMAS, else the set samla carries).
    #[arg(long)]
    pub schemas: Option<PathBuf>,
    /// Extract format: noark5, or noark4 (NOARKIH.XML and table files; --mapper gives the saker).
    #[arg(long, value_enum, default_value = "noark5")]
    pub format: ExtractFormat,
    /// Inject a fault into a Noark 4 extract; may be repeated (n4-broken-foreign-key,
    /// n4-wrong-count, n4-cp1252, n4-dotted-date, n4-missing-document, n4-duplicate-key, n4-unknown-code).
    #[arg(long = "noark4-fault", value_parser = parse_noark4_fault)]
    pub noark4_faults: Vec<samla_fixtures::noark4::Fault>,
}

fn parse_noark4_fault(s: &str) -> Result<samla_fixtures::noark4::Fault, String> {
    samla_fixtures::noark4::Fault::parse(s).ok_or_else(|| {
        let names: Vec<_> = samla_fixtures::noark4::Fault::ALL.iter().map(|f| f.name()).collect();
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

/// `check --profile`: whose verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    Deposit,
    Migration,
}

impl From<Profile> for samla_check::Profile {
    fn from(p: Profile) -> Self {
        match p {
            Profile::Deposit => samla_check::Profile::Deposit,
            Profile::Migration => samla_check::Profile::Migration,
        }
    }
}

/// `--lang`: the language of a report (and of check's terminal summary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    Nb,
    En,
}

impl From<Lang> for samla_check::findings::Lang {
    fn from(l: Lang) -> Self {
        match l {
            Lang::Nb => Self::Nb,
            Lang::En => Self::En,
        }
    }
}

/// `package --type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PackageType {
    Sip,
    Aip,
}

impl From<PackageType> for samla_package::mets::PackageType {
    fn from(t: PackageType) -> Self {
        match t {
            PackageType::Sip => samla_package::mets::PackageType::Sip,
            PackageType::Aip => samla_package::mets::PackageType::Aip,
        }
    }
}

/// `package --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PackageFormat {
    Dias,
    Bagit,
}

impl From<PackageFormat> for samla_package::package::Format {
    fn from(f: PackageFormat) -> Self {
        match f {
            PackageFormat::Dias => samla_package::package::Format::Dias,
            PackageFormat::Bagit => samla_package::package::Format::Bagit,
        }
    }
}

/// `generate --format`: the kind of extract written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExtractFormat {
    Noark5,
    Noark4,
}
