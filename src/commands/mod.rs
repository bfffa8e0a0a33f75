//! One module per command. Each parses nothing (clap did), calls its library, prints what a
//! person wants to see, and says how it ended as an [`ExitStatus`].

use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};

use crate::args::Command;

pub mod check;
pub mod convert;
pub mod demo;
pub mod generate;
pub mod inspect;
pub mod lookup;
pub mod package;
pub mod run;
pub mod schemas;
pub mod verify;
pub mod wash;

/// How a command ended: samla's three exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: done, nothing at error level.
    Clean,
    /// 1: done, with findings at error level (or a run stopped by its rules).
    Findings,
    /// 2: samla could not run.
    CouldNotRun,
}

impl ExitStatus {
    /// Clean unless `findings`.
    pub fn findings_if(findings: bool) -> ExitStatus {
        if findings { ExitStatus::Findings } else { ExitStatus::Clean }
    }

    /// From a library's exit code (0, 1 or 2).
    pub fn from_code(code: u8) -> ExitStatus {
        match code {
            0 => ExitStatus::Clean,
            1 => ExitStatus::Findings,
            _ => ExitStatus::CouldNotRun,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        ExitCode::from(match status {
            ExitStatus::Clean => 0,
            ExitStatus::Findings => 1,
            ExitStatus::CouldNotRun => 2,
        })
    }
}

/// What a command returns: how it ended, or why it could not run (printed as `error: …`).
pub type Outcome = anyhow::Result<ExitStatus>;

/// Runs `command`.
pub fn run(command: Command, quiet: bool) -> Outcome {
    match command {
        Command::Generate(args) => generate::run(args, quiet),
        Command::Inspect { path } => inspect::run(&path, quiet),
        Command::Check(args) => check::run(&args, quiet),
        Command::Package(args) => package::run(args, quiet),
        Command::Verify { path, report_json } => verify::run(&path, report_json.as_deref(), quiet),
        Command::Convert(args) => convert::run(args, quiet),
        Command::Run(args) => run::run(&args, quiet),
        Command::Wash(args) => wash::run(&args, quiet),
        Command::GenerateRegisters(args) => wash::generate_registers(&args, quiet),
        Command::Demo(args) => demo::run(args, quiet),
        Command::Index(args) => lookup::index(&args, quiet),
        Command::Serve(args) => lookup::serve(args, quiet),
        Command::VerifyLog { path } => lookup::verify_log(&path, quiet),
        Command::Schemas { list, export, schemas } => schemas::run(list, export.as_deref(), schemas.as_deref()),
    }
}

/// A progress bar on standard error, hidden when `quiet`.
pub fn bar(quiet: bool, len: u64, template: &str) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(ProgressStyle::with_template(template).expect("the template is valid").progress_chars("=> "));
    bar
}
