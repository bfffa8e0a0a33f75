//! samla's command line: parses the arguments, runs one command, and maps how it ended to
//! an exit code (0 clean, 1 findings at error level, 2 could not run). The commands live in
//! `commands/`, one module each; what they do lives in the libraries.

mod args;
mod commands;

use std::process::ExitCode;

use clap::Parser;

use crate::commands::ExitStatus;

// Units are built on worker threads and freed on the reader's; mimalloc handles that
// pattern far better than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // A closed pipe (`samla schemas --list | head`) ends samla quietly, as it does any Unix tool,
    // instead of a panic on the next print.
    #[cfg(unix)]
    // SAFETY: resetting one signal's disposition before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = args::Cli::parse();
    match commands::run(cli.command, cli.quiet) {
        Ok(status) => status.into(),
        Err(e) => {
            eprintln!("error: {e}");
            ExitStatus::CouldNotRun.into()
        }
    }
}
