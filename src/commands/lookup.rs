//! The lookup commands: `samla index`, `samla serve` (with `user add` and `log export`)
//! and `samla verify-log`.

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use samla_lookup::log;
use samla_noark5::{Error, ErrorKind};

use super::{ExitStatus, Outcome};

#[derive(clap::Args)]
pub struct IndexArgs {
    /// Noark 5 extracts (folder, tar, DIAS package) and `samla run` output folders.
    #[arg(required = true)]
    pub sources: Vec<PathBuf>,
    /// The index folder (created, or extended: unchanged sources are skipped).
    #[arg(long)]
    pub out: PathBuf,
    /// The name grants use for a single extract (default: its folder or file name;
    /// a deposit package: its source folder).
    #[arg(long)]
    pub name: Option<String>,
}

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ServeArgs {
    /// The index folder (`samla index --out`).
    #[arg(required = true)]
    pub index: Option<PathBuf>,
    /// The policy: users (argon2id hashes), roles, grants, clearances; deny by default.
    #[arg(long, required = true)]
    pub policy: Option<PathBuf>,
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Serve HTTPS with this certificate chain (PEM), for use without a TLS proxy.
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<ServeCommand>,
}

#[derive(clap::Subcommand)]
pub enum ServeCommand {
    /// Manage users of the policy.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Read the access log.
    Log {
        #[command(subcommand)]
        command: LogCommand,
    },
}

#[derive(clap::Subcommand)]
pub enum UserCommand {
    /// Add a user, or set a user's password and roles. The password is read from the
    /// first line of standard input and stored only as an argon2id hash. The change is
    /// logged in the index's access log.
    Add {
        /// The index folder whose access log records the change.
        index: PathBuf,
        /// The policy file to change.
        #[arg(long)]
        policy: PathBuf,
        /// The user's login name.
        #[arg(long)]
        name: String,
        /// A role the user holds (repeat for more).
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
    },
}

#[derive(clap::Subcommand)]
pub enum LogCommand {
    /// Write the access log as JSON lines (standard output unless --out).
    Export {
        /// The index folder.
        index: PathBuf,
        /// The file to write.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub fn index(args: &IndexArgs, quiet: bool) -> Outcome {
    let summary = samla_lookup::build::index(&args.sources, &args.out, args.name.as_deref(), &mut |m| {
        if !quiet {
            eprintln!("  {m}");
        }
    })?;
    if !quiet {
        println!("Indexed into {} in {:.1} s:", args.out.display(), summary.seconds);
        for s in &summary.sources {
            let what = if s.skipped {
                "unchanged, skipped".to_string()
            } else {
                format!("indexed, {} PDF text layers", s.pdf_texts)
            };
            println!("  {:<12} {:<9} {:>9} units  {what}  {}", s.name, s.role, s.units, s.location);
        }
        println!("Serve it with: samla serve {} --policy POLICY.toml", args.out.display());
    }
    Ok(ExitStatus::Clean)
}

pub fn serve(args: ServeArgs, quiet: bool) -> Outcome {
    match args.command {
        Some(ServeCommand::User { command: UserCommand::Add { index, policy, name, roles } }) => {
            user_add(&index, &policy, &name, &roles, quiet)
        }
        Some(ServeCommand::Log { command: LogCommand::Export { index, out } }) => {
            let entries = log::read(&index.join(samla_lookup::INDEX_LOG))?;
            match out {
                Some(path) => {
                    samla_noark5::atomic::write_file(&path, |f| log::export(&entries, &mut std::io::BufWriter::new(f)))
                        .map_err(|e| Error::io(path.display().to_string(), e))?;
                    if !quiet {
                        println!("wrote {} entries to {}", entries.len(), path.display());
                    }
                }
                None => log::export(&entries, &mut std::io::stdout().lock()).map_err(|e| Error::io("stdout", e))?,
            }
            Ok(ExitStatus::Clean)
        }
        None => {
            let (Some(index), Some(policy)) = (args.index, args.policy) else {
                return Err(Error::new(ErrorKind::Content, "samla serve", "give INDEX and --policy POLICY.toml").into());
            };
            let tls = args.tls_cert.zip(args.tls_key);
            let secure = tls.is_some();
            let config = samla_serve::Config { index, policy, listen: args.listen, tls };
            samla_serve::serve(&config, |addr| {
                // Tests and scripts read this line to find the port.
                println!("samla serve: listening on {}://{addr}/", if secure { "https" } else { "http" });
                let _ = std::io::stdout().flush();
                if !quiet && !secure && !addr.ip().is_loopback() {
                    eprintln!("warning: listening beyond this machine without TLS; put a TLS proxy in front");
                }
            })?;
            Ok(ExitStatus::Clean)
        }
    }
}

fn user_add(index: &Path, policy_path: &Path, name: &str, roles: &[String], quiet: bool) -> Outcome {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| Error::io("stdin", e))?;
    let password = line.trim_end_matches(['\n', '\r']);
    let by = std::env::var("USER").unwrap_or_default();
    let existed = samla_lookup::users::add(index, policy_path, name, password, roles, &by)?;
    if !quiet {
        println!("user {name} {} in {}", if existed { "changed" } else { "added" }, policy_path.display());
    }
    Ok(ExitStatus::Clean)
}

pub fn verify_log(path: &Path, quiet: bool) -> Outcome {
    let entries = if path.is_dir() {
        log::read(&path.join(samla_lookup::INDEX_LOG))?
    } else if path.extension().is_some_and(|e| e == "jsonl" || e == "json") {
        log::read_jsonl(path)?
    } else {
        log::read(path)?
    };
    match log::verify(&entries) {
        Ok(n) => {
            if !quiet {
                println!("{}: the access log's chain holds: {n} entries", path.display());
            }
            Ok(ExitStatus::Clean)
        }
        Err(b) => {
            println!("{}: the access log's chain is broken at position {}: {}", path.display(), b.position, b.what);
            Ok(ExitStatus::Findings)
        }
    }
}
