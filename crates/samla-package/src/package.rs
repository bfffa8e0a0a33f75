//! `samla package`: a DIAS deposit package, the same bytes every time.
//!
//! The tar is written in one pass, entries sorted by path: the small metadata files
//! (made in memory), then `content/` (the extract byte for byte, hashed while it is
//! copied, member to member when the extract is itself a tar), then `dias-mets.xml`
//! (now that every checksum is known), the rest, and `manifest-sha256.txt` for
//! `sha256sum -c`. The extract is checked when its content is in, with the digests just
//! taken, so no document is read twice; errors then stop the package (the partial file is
//! removed) unless allowed, and the check's result goes into log.xml. The tar's own
//! SHA-256 is computed on a second thread. Owner and group are 0, mtimes come from the sources clamped to 1970
//! (or to SOURCE_DATE_EPOCH), and names that are long or not ASCII get a PAX header.
//! The tar is written as `<uuid>.tar.partial`, fsynced and renamed, so it appears
//! complete or not at all.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use samla_noark5::addml::Arkivuttrekk;
use samla_noark5::model::Date;
use samla_noark5::schemas::SchemaDir;
use samla_noark5::writer::{BackgroundHashingWriter, DirectFile};
use samla_noark5::{Error, ErrorKind, Extract};
use sha2::{Digest, Sha256};

use crate::metadata::Metadata;
use crate::mets::{self, Event, PackageFile, PackageType};

/// The depot's limit for one tar.
pub const MAX_PACKAGE_BYTES: u64 = 1_000_000_000_000;

/// How to make a package.
#[derive(Debug, Clone)]
pub struct Options {
    /// Folder the tar and its submission description are written to.
    pub out: PathBuf,
    /// The package's UUID; `None` makes a new one.
    pub uuid: Option<String>,
    /// SIP or AIP.
    pub package_type: PackageType,
    /// Who delivers what (from `--metadata`).
    pub metadata: Metadata,
    /// SOURCE_DATE_EPOCH: the time written for generated files, and the latest mtime.
    pub source_date_epoch: Option<i64>,
    /// Package an extract whose check found errors (the findings go into log.xml).
    pub allow_errors: bool,
    /// Where the official DIAS and ADDML schemas are.
    pub schemas: SchemaDir,
    /// DIAS (the default) or a BagIt bag.
    pub format: Format,
}

/// The package format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Arkivverket's DIAS: dias-mets.xml, PREMIS, content/, and a submission description.
    #[default]
    Dias,
    /// BagIt 1.0 (RFC 8493), serialized as a tar with one top-level folder.
    Bagit,
}

/// What was made.
#[derive(Debug, Clone)]
pub struct Made {
    /// The tar.
    pub tar: PathBuf,
    /// The submission description beside it (DIAS only).
    pub submission: Option<PathBuf>,
    /// The package's UUID.
    pub uuid: String,
    /// Files in the package.
    pub files: u64,
    /// Size of the tar.
    pub size: u64,
    /// SHA-256 of the tar.
    pub sha256: String,
    /// Errors and warnings the check of the extract found.
    pub check: (u64, u64),
    /// What dias-mets.xml lacks for DIAS_METS.xsd (too few agents, …): supply `--metadata`.
    pub shortfalls: Vec<String>,
}

/// One file of the package, before it is written.
struct Entry {
    /// Path inside the package root.
    path: String,
    mtime: i64,
    source: Source,
}

enum Source {
    Memory(Vec<u8>),
    Extract {
        name: String,
        size: u64,
    },
    /// Made when reached: dias-mets.xml, the log (with the check's result), the manifests.
    Mets,
    Log,
    Manifest,
    TagManifest,
}

fn iso(epoch: i64) -> String {
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    format!("{}T{:02}:{:02}:{:02}Z", Date::from_days(days), secs / 3600, secs / 60 % 60, secs % 60)
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Writes `records` as a PAX extended header entry for the entry that follows.
fn pax_header(out: &mut impl Write, records: &[(&str, &[u8])], mtime: u64) -> io::Result<()> {
    let mut data = Vec::new();
    for (key, value) in records {
        // "<len> <key>=<value>\n", where len counts its own digits too.
        let body = key.len() + value.len() + 3;
        let mut len = body + 1;
        while len != body + len.to_string().len() {
            len = body + len.to_string().len();
        }
        data.extend_from_slice(format!("{len} {key}=").as_bytes());
        data.extend_from_slice(value);
        data.push(b'\n');
    }
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(tar::EntryType::XHeader);
    header.set_path("PaxHeader")?;
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(mtime);
    header.set_cksum();
    out.write_all(header.as_bytes())?;
    out.write_all(&data)?;
    pad(out, data.len() as u64)
}

fn pad(out: &mut impl Write, len: u64) -> io::Result<()> {
    let rest = (512 - len % 512) % 512;
    out.write_all(&[0u8; 512][..rest as usize])
}

/// Writes one regular-file entry; `data` must yield exactly `size` bytes.
fn write_entry(out: &mut impl Write, path: &str, size: u64, mtime: u64, mut data: impl Read) -> io::Result<()> {
    let plain = path.is_ascii() && path.len() <= 100;
    if !plain {
        pax_header(out, &[("path", path.as_bytes())], mtime)?;
    }
    let mut header = tar::Header::new_ustar();
    // Readers without PAX see the name's ASCII tail; PAX readers take the path record.
    let short: String = if plain {
        path.to_string()
    } else {
        let ascii: Vec<char> = path.chars().filter(char::is_ascii).collect();
        ascii[ascii.len().saturating_sub(99)..].iter().collect()
    };
    header.set_path(&short)?;
    header.set_size(size);
    header.set_mode(0o644);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(mtime);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    out.write_all(header.as_bytes())?;
    let copied = copy(&mut data.by_ref().take(size), out)?;
    if copied != size {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("{path}: {copied} of {size} bytes could be read"),
        ));
    }
    pad(out, size)
}

/// Copies with a large buffer: documents are big, and each read and hash call costs.
fn copy(from: &mut impl Read, to: &mut impl Write) -> io::Result<u64> {
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; 1 << 20]);
    }
    BUF.with(|buf| {
        let mut buf = buf.borrow_mut();
        let mut total = 0;
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) => return Ok(total),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            to.write_all(&buf[..n])?;
            total += n as u64;
        }
    })
}

/// A reader that hashes what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

fn read_schema(file: samla_noark5::Result<samla_noark5::schemas::SchemaFile>) -> samla_noark5::Result<Vec<u8>> {
    Ok(file?.read()?.into_owned())
}

/// Free bytes in the file system holding `dir`, where the platform tells.
fn free_space(dir: &Path) -> Option<u64> {
    let out = std::process::Command::new("df").arg("-Pk").arg(dir).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().nth(1)?;
    line.split_whitespace().nth(3)?.parse::<u64>().ok().map(|k| k * 1024)
}

/// The metadata files of a DIAS package.
fn dias_entries(extract: &Extract, uuid: &str, made_at: i64, schemas: &SchemaDir) -> samla_noark5::Result<Vec<Entry>> {
    let mut uttrekk_bytes = Vec::new();
    extract
        .open_file("arkivuttrekk.xml")?
        .read_to_end(&mut uttrekk_bytes)
        .map_err(|e| Error::io(extract.display("arkivuttrekk.xml"), e))?;
    let memory =
        |path: &str, bytes: Vec<u8>| Entry { path: path.into(), mtime: made_at, source: Source::Memory(bytes) };
    Ok(vec![
        memory("administrative_metadata/arkivuttrekk.xml", uttrekk_bytes),
        memory("administrative_metadata/addml.xsd", read_schema(schemas.addml())?),
        memory("administrative_metadata/dias-premis.xml", mets::dias_premis(uuid)),
        memory("administrative_metadata/dias-premis.xsd", read_schema(schemas.dias("DIAS_PREMIS.xsd"))?),
        Entry { path: "dias-mets.xml".into(), mtime: made_at, source: Source::Mets },
        memory("dias-mets.xsd", read_schema(schemas.dias("DIAS_METS.xsd"))?),
        Entry { path: "log.xml".into(), mtime: made_at, source: Source::Log },
        Entry { path: "manifest-sha256.txt".into(), mtime: made_at, source: Source::Manifest },
    ])
}

/// The tag files of a BagIt 1.0 bag (RFC 8493).
fn bagit_entries(uuid: &str, made_at: i64, payload: u64, files: usize, uttrekk: Option<&Arkivuttrekk>) -> Vec<Entry> {
    let memory = |path: &str, text: String| Entry {
        path: path.into(),
        mtime: made_at,
        source: Source::Memory(text.into_bytes()),
    };
    let mut info = format!(
        "Bag-Software-Agent: samla {}\nBagging-Date: {}\nExternal-Identifier: {uuid}\nPayload-Oxum: {payload}.{files}\n",
        env!("CARGO_PKG_VERSION"),
        Date::from_days(made_at.div_euclid(86_400)),
    );
    for creator in uttrekk.iter().flat_map(|u| &u.record_creators) {
        info.push_str(&format!("Source-Organization: {creator}\n"));
    }
    vec![
        memory("bag-info.txt", info),
        memory("bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n".into()),
        Entry { path: "manifest-sha256.txt".into(), mtime: made_at, source: Source::Manifest },
        Entry { path: "tagmanifest-sha256.txt".into(), mtime: made_at, source: Source::TagManifest },
    ]
}

/// Checks the extract with the digests taken while copying it. Returns (errors,
/// warnings, controls run), or the error that stops the package.
fn check_extract(
    extract: &Extract,
    path: &Path,
    options: &Options,
    known: &mut std::collections::HashMap<String, (String, u64)>,
) -> samla_noark5::Result<(u64, u64, usize)> {
    let digests = std::sync::Arc::new(std::mem::take(known));
    let check_options = samla_check::Options {
        schemas: Some(options.schemas.clone()),
        known_digests: Some(digests),
        ..Default::default()
    };
    let report = samla_check::check(extract, &check_options, &mut |_| {})?;
    let (errors, warnings) = (report.summary.errors, report.summary.warnings);
    if errors > 0 && !options.allow_errors {
        return Err(Error::new(
            ErrorKind::Content,
            path.display().to_string(),
            format!("the extract has {errors} errors, so it is not packaged"),
        )
        .with_hint("run `samla check` on it to see them; --allow-errors packages it anyway, with the findings in the package's log.xml"));
    }
    Ok((errors, warnings, report.summary.controls_run))
}

/// Makes a DIAS package (or a BagIt bag) of the extract at `path`. See the module docs.
pub fn package(path: &Path, options: &Options, progress: &mut dyn FnMut(u64, u64)) -> samla_noark5::Result<Made> {
    use samla_legacy::kind::Input;
    let hint = match samla_legacy::kind::open(path)? {
        Input::Noark5(extract) => Ok(extract),
        Input::Noark4(_) => Err(("Noark 4", "convert it first (samla convert PATH --out DIR), then package DIR")),
        Input::Addml { .. } => Err((
            "ADDML flat-file",
            "an ADDML extract is deposited as it was delivered; samla run does that for a job's sources",
        )),
    };
    let extract = hint.map_err(|(kind, hint)| {
        Error::new(
            ErrorKind::Content,
            path.display().to_string(),
            format!("a {kind} extract: samla package makes DIAS packages of Noark 5 extracts"),
        )
        .with_hint(hint)
    })?;
    let uuid = options.uuid.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    if uuid::Uuid::parse_str(&uuid).is_err() {
        return Err(Error::new(ErrorKind::Content, "--uuid", format!("{uuid:?} is not a UUID")));
    }
    let epoch = options.source_date_epoch;
    let made_at = epoch.unwrap_or_else(now);
    let clamp = |t: i64| -> i64 {
        let t = t.max(0); // Arkade's bug #166: no dates before 1970 in the tar.
        match epoch {
            Some(e) => t.min(e),
            None => t,
        }
    };

    let uttrekk = extract.open_file("arkivuttrekk.xml").and_then(|r| Arkivuttrekk::read(r, "arkivuttrekk.xml")).ok();
    let header = options.metadata.header(
        uttrekk.as_ref(),
        &uuid,
        options.package_type,
        &iso(made_at),
        env!("CARGO_PKG_VERSION"),
    );
    let payload: u64 = extract.files().map(|(_, size)| size).sum();
    let payload_files = extract.files().count();
    let mut entries = match options.format {
        Format::Dias => {
            let mut entries = dias_entries(&extract, &uuid, made_at, &options.schemas)?;
            if options.package_type == PackageType::Aip {
                // The depot's form: the archive and its creator described for finding.
                for (name, bytes) in [
                    ("ead.xml", crate::descriptive::ead(&header, uttrekk.as_ref())),
                    ("eac-cpf.xml", crate::descriptive::eac_cpf(&header, uttrekk.as_ref())),
                ] {
                    let path = format!("descriptive_metadata/{name}");
                    entries.push(Entry { path, mtime: made_at, source: Source::Memory(bytes) });
                }
            }
            entries
        }
        Format::Bagit => bagit_entries(&uuid, made_at, payload, payload_files, uttrekk.as_ref()),
    };
    let data = if options.format == Format::Dias { "content" } else { "data" };
    for (name, size) in extract.files() {
        let mtime = extract.mtime(name).unwrap_or(0);
        entries.push(Entry {
            path: format!("{data}/{name}"),
            mtime,
            source: Source::Extract { name: name.to_string(), size },
        });
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));

    let content_bytes = payload;
    // Headers, padding and the metadata files: generous, so the space check errs safe.
    let estimate = content_bytes + (entries.len() as u64 + 4) * 1536 + (4 << 20);
    if estimate > MAX_PACKAGE_BYTES {
        return Err(Error::new(
            ErrorKind::Content,
            path.display().to_string(),
            format!("the package would be {estimate} bytes, over the depot's limit of 1 TB for one tar"),
        )
        .with_hint("split the extract into arkivdeler or periods and package each"));
    }
    std::fs::create_dir_all(&options.out).map_err(|e| Error::io(options.out.display().to_string(), e))?;
    if let Some(free) = free_space(&options.out)
        && free < estimate
    {
        return Err(Error::new(
            ErrorKind::Io,
            options.out.display().to_string(),
            format!("{free} bytes free, the package needs about {estimate}"),
        )
        .with_hint("free space or choose another --out folder"));
    }

    // One writer per package: the tar and its submission description are one run's.
    let _lock = samla_noark5::atomic::OutputLock::take(&options.out.join(&uuid))?;
    let tar_path = options.out.join(format!("{uuid}.tar"));
    let partial = options.out.join(format!("{uuid}.tar.partial"));
    let io_tar = |e| Error::io(partial.display().to_string(), e);
    let file = File::create(&partial).map_err(io_tar)?;
    // Whatever fails from here on (a full disk, a read error), the partial tar goes.
    let written = samla_noark5::atomic::PartialFile::new(&partial);
    // The tar's own SHA-256 is taken on another thread, costing the copying one nothing.
    let mut out = BackgroundHashingWriter::new(DirectFile::new(file));
    let root = format!("{uuid}/");
    let mut listed: Vec<PackageFile> = Vec::new();
    let mut known = std::collections::HashMap::new();
    let mut check = (0, 0);
    let mut log = Vec::new();
    let mut done = 0u64;
    for entry in &entries {
        let full = format!("{root}{}", entry.path);
        let mtime = clamp(entry.mtime) as u64;
        let (bytes, sha, size) = match &entry.source {
            Source::Memory(bytes) => {
                write_entry(&mut out, &full, bytes.len() as u64, mtime, &bytes[..]).map_err(io_tar)?;
                (None, samla_noark5::hex(&Sha256::digest(bytes)), bytes.len() as u64)
            }
            Source::Extract { name, size } => {
                let mut reader = Hashing { inner: extract.open_file(name)?, hasher: Sha256::new() };
                write_entry(&mut out, &full, *size, mtime, &mut reader)
                    .map_err(|e| Error::io(extract.display(name), e))?;
                done += size;
                progress(done, content_bytes);
                let hex = samla_noark5::hex(&reader.hasher.finalize());
                known.insert(name.clone(), (hex.clone(), *size));
                (None, hex, *size)
            }
            Source::Mets => {
                // The content is in: check the extract now, with the digests just taken,
                // so that no document is read twice. Errors stop here unless allowed.
                let controls_run = match check_extract(&extract, path, options, &mut known) {
                    Ok(result) => {
                        check = (result.0, result.1);
                        result.2
                    }
                    Err(e) => {
                        drop(out);
                        let _ = std::fs::remove_file(&partial);
                        return Err(e);
                    }
                };
                let report_summary = controls_run;
                let outcome = if check.0 > 0 { "errors allowed" } else { "passed" };
                log = mets::log(
                    &uuid,
                    &[Event {
                        event_type: "Creation".into(),
                        date_time: iso(made_at),
                        detail: format!(
                            "Package made by samla; samla check of the extract: {} errors, {} warnings in {} controls",
                            check.0, check.1, report_summary
                        ),
                        outcome: outcome.into(),
                    }],
                );
                // The files after it in the tar are made already: list them too.
                let mut files = listed.clone();
                for later in entries.iter().filter(|e| e.path > entry.path) {
                    let bytes = match &later.source {
                        Source::Memory(bytes) => bytes,
                        Source::Log => &log,
                        _ => continue,
                    };
                    files.push(PackageFile {
                        path: later.path.clone(),
                        size: bytes.len() as u64,
                        sha256: samla_noark5::hex(&Sha256::digest(bytes)),
                        created: iso(clamp(later.mtime)),
                    });
                }
                (Some(mets::dias_mets(&header, &files)), String::new(), 0)
            }
            Source::Log => (Some(log.clone()), String::new(), 0),
            Source::Manifest => {
                if options.format == Format::Bagit {
                    // A bag has no dias-mets.xml: the check runs before its manifest.
                    match check_extract(&extract, path, options, &mut known) {
                        Ok(result) => check = (result.0, result.1),
                        Err(e) => {
                            drop(out);
                            let _ = std::fs::remove_file(&partial);
                            return Err(e);
                        }
                    }
                }
                let payload_only = options.format == Format::Bagit;
                let mut text = String::new();
                for f in listed.iter().filter(|f| !payload_only || f.path.starts_with("data/")) {
                    text.push_str(&format!("{}  {}\n", f.sha256, f.path));
                }
                (Some(text.into_bytes()), String::new(), 0)
            }
            Source::TagManifest => {
                let mut text = String::new();
                for f in listed.iter().filter(|f| !f.path.starts_with("data/")) {
                    text.push_str(&format!("{}  {}\n", f.sha256, f.path));
                }
                (Some(text.into_bytes()), String::new(), 0)
            }
        };
        let (sha, size) = match bytes {
            Some(bytes) => {
                write_entry(&mut out, &full, bytes.len() as u64, mtime, &bytes[..]).map_err(io_tar)?;
                (samla_noark5::hex(&Sha256::digest(&bytes)), bytes.len() as u64)
            }
            None => (sha, size),
        };
        if options.format == Format::Bagit || !matches!(entry.source, Source::Manifest) {
            listed.push(PackageFile { path: entry.path.clone(), size, sha256: sha, created: iso(clamp(entry.mtime)) });
        }
    }
    out.write_all(&[0u8; 1024]).map_err(io_tar)?;
    let (file, size, sha256) = out.finish().map_err(io_tar)?;
    let file = file.finish().map_err(io_tar)?;
    file.sync_all().map_err(io_tar)?;
    drop(file);
    std::fs::rename(&partial, &tar_path).map_err(|e| Error::io(tar_path.display().to_string(), e))?;
    written.keep();

    let submission = match options.format {
        Format::Dias => {
            let mets_file =
                listed.iter().find(|f| f.path == "dias-mets.xml").cloned().expect("dias-mets.xml is listed");
            let mets_entry = PackageFile { path: format!("{uuid}/dias-mets.xml"), ..mets_file };
            let tar_entry =
                PackageFile { path: format!("{uuid}.tar"), size, sha256: sha256.clone(), created: iso(made_at) };
            let submission = options.out.join(format!("{uuid}.xml"));
            let xml = mets::submission_description(&header, &format!("{uuid}.tar"), &tar_entry, &mets_entry);
            samla_noark5::atomic::write_bytes(&submission, &xml)?;
            Some(submission)
        }
        Format::Bagit => None,
    };
    let shortfalls = if options.format == Format::Dias { header.shortfalls() } else { Vec::new() };
    Ok(Made { tar: tar_path, submission, uuid, files: entries.len() as u64, size, sha256, check, shortfalls })
}
