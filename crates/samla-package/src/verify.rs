//! `samla verify`: is a deposit package intact?
//!
//! Every file the package's `dias-mets.xml` lists is hashed again (streaming the tar,
//! without unpacking, on all cores) and compared with its stated SHA-256 and size; the
//! listing is checked both ways, so each file is reported as missing, extra or changed.
//! The submission description beside the tar (`<uuid>.xml`, found by what it names, not by
//! its own file name) is checked against the tar itself, and the extract inside is checked
//! with samla-check's checksum controls (arkivuttrekk.xml and dokumentobjekt).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use samla_check::documents::sha256_of;
use samla_noark5::stream::{Event, Split, UnitReader};
use samla_noark5::{Element, Error, ErrorKind, Extract};
use serde::Serialize;

/// How `dias-mets.xml` is streamed: one `file` (or `fptr`) at a time.
const METS: Split = Split {
    containers: &["mets", "fileSec", "fileGrp", "structMap", "div"],
    units: &["file", "fptr", "metsHdr", "amdSec", "dmdSec"],
    roots: &["mets"],
};

/// A file as a METS listing states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listed {
    /// Path inside the package (from `xlink:href`, without `file:`).
    pub path: String,
    /// Stated checksum (hex).
    pub checksum: String,
    /// Stated checksum type, e.g. `SHA-256`.
    pub checksum_type: String,
    /// Stated size.
    pub size: Option<u64>,
}

/// A file whose content differs from what the listing states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changed {
    /// Path inside the package.
    pub path: String,
    /// What the listing states: `sha256 size`.
    pub stated: String,
    /// What the file holds: `sha256 size`.
    pub found: String,
}

/// The check of the submission description against the tar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Submission {
    /// The submission description's path.
    pub file: String,
    /// Stated SHA-256 of the tar.
    pub stated: String,
    /// SHA-256 of the tar.
    pub found: String,
    /// Stated size of the tar, and the real one.
    pub sizes: (Option<u64>, u64),
    /// True when both match.
    pub ok: bool,
}

/// What `samla verify` found. See docs/report-format.md for the JSON.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    /// The package verified.
    pub package: String,
    /// `DIAS` or `BagIt`.
    pub format: String,
    /// Files dias-mets.xml lists.
    pub listed: u64,
    /// Files in the package.
    pub present: u64,
    /// Listed files that are present and intact.
    pub intact: u64,
    /// Listed, but not in the package.
    pub missing: Vec<String>,
    /// In the package, but not listed (the listing itself excepted).
    pub extra: Vec<String>,
    /// Present, but not as listed.
    pub changed: Vec<Changed>,
    /// Listings with a checksum type other than SHA-256, which cannot be verified.
    pub unverifiable: Vec<String>,
    /// The submission description's check, when one was found beside the tar.
    pub submission: Option<Submission>,
    /// A submission description beside the tar, named for the package, that cannot be
    /// read (`file: error`): the package is then not intact.
    pub submission_unreadable: Option<String>,
    /// Errors of samla-check's checksum controls on the extract inside (N5.02, N5.30,
    /// N5.32, N5.64, S.02), as `control: message (count)`.
    pub content: Vec<String>,
    /// Entries of the package not read as plain files under their names (links, devices,
    /// sparse members, names stored twice or not in UTF-8), each with what it is: any
    /// of them makes the package not intact, since a copy or a file may hide there.
    pub irregular: Vec<String>,
    /// Bytes hashed.
    pub bytes: u64,
}

impl VerifyReport {
    /// True when nothing differs.
    pub fn intact(&self) -> bool {
        self.missing.is_empty()
            && self.extra.is_empty()
            && self.changed.is_empty()
            && self.submission.as_ref().is_none_or(|s| s.ok)
            && self.submission_unreadable.is_none()
            && self.content.is_empty()
            && self.irregular.is_empty()
    }

    /// 0 when intact, 1 when anything differs.
    pub fn exit_code(&self) -> u8 {
        u8::from(!self.intact())
    }
}

fn listed(file: &Element) -> Option<Listed> {
    let href = file.child("FLocat")?.attr_local("href")?;
    let path = href.strip_prefix("file:").unwrap_or(href).trim_start_matches("./").to_string();
    Some(Listed {
        path,
        checksum: file.attr("CHECKSUM").unwrap_or("").trim().to_ascii_lowercase(),
        checksum_type: file.attr("CHECKSUMTYPE").unwrap_or("").trim().to_string(),
        size: file.attr("SIZE").and_then(|s| s.trim().parse().ok()),
    })
}

/// Reads the files a METS document lists.
pub fn read_mets(
    source: impl std::io::Read + Send + 'static,
    name: &str,
) -> samla_noark5::Result<(Option<String>, Vec<Listed>)> {
    let mut reader = UnitReader::new(source, name, METS);
    let mut objid = None;
    let mut out = Vec::new();
    while let Some(event) = reader.next_event()? {
        match event {
            Event::Start(e) if e.local_name() == "mets" => objid = e.attr("OBJID").map(str::to_string),
            Event::Unit(e) if e.local_name() == "file" => out.extend(listed(&e)),
            _ => {}
        }
    }
    Ok((objid, out))
}

fn is_sha256(t: &str) -> bool {
    t.replace(['-', '_'], "").eq_ignore_ascii_case("sha256")
}

/// The package root (`<uuid>/` or empty) and the path of its dias-mets.xml.
fn find_mets(package: &Extract) -> Option<(String, String)> {
    let mets = package
        .files()
        .map(|(n, _)| n)
        .filter(|n| n.rsplit('/').next().is_some_and(|f| f.eq_ignore_ascii_case("dias-mets.xml")))
        .min_by_key(|n| n.matches('/').count())?;
    let root = match mets.rfind('/') {
        Some(i) => mets[..=i].to_string(),
        None => String::new(),
    };
    Some((root, mets.to_string()))
}

/// A submission description found: its path, its entry for the tar, and every file it lists.
type Found = (PathBuf, Listed, Vec<Listed>);

/// The submission description beside a tar: an `.xml` file in the same folder that lists
/// the tar by the package's name (`<uuid>.tar`) or by its own file name. `Err` names one
/// that bears the package's name (`<uuid>.xml`) but cannot be read: a damaged submission
/// description is a finding, never passed over. Other XML files there are not the package's.
fn find_submission(tar: &Path, uuid: &str) -> Result<Option<Found>, (PathBuf, Error)> {
    let dir = tar.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tar_name = tar.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(None) };
    let mut candidates: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    candidates.sort();
    let named = |p: &Path| {
        p.file_stem().is_some_and(|s| s.to_string_lossy() == uuid || tar_name.strip_suffix(".tar") == s.to_str())
    };
    let mut unreadable = None;
    for path in candidates {
        let read = std::fs::File::open(&path)
            .map_err(|e| Error::io(path.display().to_string(), e))
            .and_then(|file| read_mets(file, &path.display().to_string()));
        let files = match read {
            Ok((_, files)) => files,
            Err(e) => {
                if named(&path) {
                    unreadable.get_or_insert((path, e));
                }
                continue;
            }
        };
        let tar_entry = files.iter().find(|f| {
            let name = f.path.rsplit('/').next().unwrap_or(&f.path);
            name.ends_with(".tar") && (name.trim_end_matches(".tar") == uuid || name == tar_name)
        });
        if let Some(entry) = tar_entry {
            let entry = entry.clone();
            return Ok(Some((path, entry, files)));
        }
    }
    unreadable.map_or(Ok(None), Err)
}

/// The folder holding `bagit.txt`, if the package is a BagIt bag.
fn find_bag(package: &Extract) -> Option<String> {
    let tag = package
        .files()
        .map(|(n, _)| n)
        .filter(|n| n.rsplit('/').next() == Some("bagit.txt"))
        .min_by_key(|n| n.matches('/').count())?;
    Some(tag[..tag.len() - "bagit.txt".len()].to_string())
}

/// Reads a BagIt manifest: `<hex>  <path>` per line.
fn read_manifest(package: &Extract, root: &str, name: &str) -> samla_noark5::Result<Vec<Listed>> {
    let mut text = String::new();
    let file = format!("{root}{name}");
    std::io::Read::read_to_string(&mut package.open_file(&file)?, &mut text)
        .map_err(|e| Error::io(package.display(&file), e))?;
    Ok(text
        .lines()
        .filter_map(|l| l.split_once(char::is_whitespace))
        .map(|(hex, path)| Listed {
            path: path.trim_start().trim_start_matches('*').to_string(),
            checksum: hex.to_ascii_lowercase(),
            checksum_type: "SHA-256".into(),
            size: None,
        })
        .collect())
}

/// Hashes the listed files that are present on all cores; fills `intact` and `changed`.
/// Returns the digests by path.
fn hash_listed(
    package: &Extract,
    listed: &BTreeMap<String, &Listed>,
    report: &mut VerifyReport,
    progress: &mut dyn FnMut(u64, u64),
) -> samla_noark5::Result<std::collections::HashMap<String, (String, u64)>> {
    let total: u64 = package.files().map(|(_, s)| s).sum();
    let todo: Vec<(&String, &&Listed)> =
        listed.iter().filter(|(n, l)| package.size(n).is_some() && is_sha256(&l.checksum_type)).collect();
    let mut digests = std::collections::HashMap::new();
    let mut done = 0u64;
    for batch in todo.chunks(64) {
        let results: Vec<_> = batch.par_iter().map(|(name, l)| (name, l, sha256_of(package, name))).collect();
        for (name, l, result) in results {
            let (hex, size) = result?;
            done += size;
            report.bytes += size;
            if hex != l.checksum || l.size.is_some_and(|s| s != size) {
                report.changed.push(Changed {
                    path: (*name).clone(),
                    stated: format!("{} {}", l.checksum, l.size.map(|s| s.to_string()).unwrap_or_else(|| "-".into())),
                    found: format!("{hex} {size}"),
                });
            } else {
                report.intact += 1;
            }
            digests.insert((*name).clone(), (hex, size));
        }
        progress(done, total);
    }
    Ok(digests)
}

/// Verifies a BagIt bag: payload and tag manifests both ways, and Payload-Oxum.
fn verify_bag(
    path: &Path,
    package: &Extract,
    root: &str,
    progress: &mut dyn FnMut(u64, u64),
) -> samla_noark5::Result<VerifyReport> {
    let mut report = VerifyReport {
        package: path.display().to_string(),
        format: "BagIt".into(),
        irregular: package.skipped().iter().map(ToString::to_string).collect(),
        ..Default::default()
    };
    let mut manifest = read_manifest(package, root, "manifest-sha256.txt")?;
    if package.size(&format!("{root}tagmanifest-sha256.txt")).is_some() {
        manifest.extend(read_manifest(package, root, "tagmanifest-sha256.txt")?);
    }
    report.listed = manifest.len() as u64;
    let listed: BTreeMap<String, &Listed> = manifest.iter().map(|l| (format!("{root}{}", l.path), l)).collect();
    let data = format!("{root}data/");
    report.present = package.files().filter(|(n, _)| n.starts_with(root)).count() as u64;
    for (name, _) in package.files().filter(|(n, _)| n.starts_with(&data)) {
        if !listed.contains_key(name) {
            report.extra.push(name.to_string());
        }
    }
    for name in listed.keys() {
        if package.size(name).is_none() {
            report.missing.push(name.clone());
        }
    }
    hash_listed(package, &listed, &mut report, progress)?;
    // Payload-Oxum: "<bytes>.<files>" of data/.
    let info = format!("{root}bag-info.txt");
    if package.size(&info).is_some() {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut package.open_file(&info)?, &mut text)
            .map_err(|e| Error::io(package.display(&info), e))?;
        if let Some(oxum) = text.lines().find_map(|l| l.strip_prefix("Payload-Oxum:")).map(str::trim) {
            let (bytes, files) = package
                .files()
                .filter(|(n, _)| n.starts_with(&data))
                .fold((0u64, 0u64), |(b, f), (_, s)| (b + s, f + 1));
            if oxum != format!("{bytes}.{files}") {
                report.changed.push(Changed {
                    path: info.clone(),
                    stated: format!("Payload-Oxum {oxum}"),
                    found: format!("{bytes}.{files}"),
                });
            }
        }
    }
    Ok(report)
}

/// Verifies a package: a DIAS tar (with its submission description beside it, if there),
/// an unpacked DIAS folder, or a BagIt bag (folder or tar). Fails only when it cannot run
/// at all (no dias-mets.xml or bagit.txt, an unreadable or unsafe tar).
pub fn verify(path: &Path, progress: &mut dyn FnMut(u64, u64)) -> samla_noark5::Result<VerifyReport> {
    let package = Extract::open_package(path)?;
    if find_mets(&package).is_none()
        && let Some(root) = find_bag(&package)
    {
        return verify_bag(path, &package, &root, progress);
    }
    let (root, mets_path) = find_mets(&package).ok_or_else(|| {
        Error::new(ErrorKind::Missing, path.display().to_string(), "no dias-mets.xml in the package").with_hint(
            "give a DIAS package (a <uuid>.tar, or its unpacked folder, holding dias-mets.xml) or a BagIt bag",
        )
    })?;
    let (objid, listing) = read_mets(package.open_file(&mets_path)?, &package.display(&mets_path))?;
    let mut report = VerifyReport {
        package: path.display().to_string(),
        format: "DIAS".into(),
        listed: listing.len() as u64,
        irregular: package.skipped().iter().map(ToString::to_string).collect(),
        ..Default::default()
    };

    let listed: BTreeMap<String, &Listed> = listing.iter().map(|l| (format!("{root}{}", l.path), l)).collect();
    let present: Vec<(String, u64)> = package.files().map(|(n, s)| (n.to_string(), s)).collect();
    report.present = present.len() as u64;
    let manifest = format!("{root}manifest-sha256.txt");
    for (name, _) in &present {
        // The listing cannot list itself, nor the manifest that holds its checksum.
        if !listed.contains_key(name) && *name != mets_path && *name != manifest {
            report.extra.push(name.clone());
        }
    }
    for (name, l) in &listed {
        if package.size(name).is_none() {
            report.missing.push(name.clone());
        } else if !is_sha256(&l.checksum_type) {
            report.unverifiable.push(format!("{name}: {}", l.checksum_type));
        }
    }

    // Hash what is both listed and present, on all cores, in batches for progress. The
    // whole tar, for its submission description, is hashed beside them on its own thread.
    let uuid = objid
        .as_deref()
        .map(|o| o.trim_start_matches("UUID:").to_string())
        .unwrap_or_else(|| root.trim_end_matches('/').to_string());
    let submission = if package.is_tar() { find_submission(path, &uuid) } else { Ok(None) };
    let submission = submission.unwrap_or_else(|(file, e)| {
        report.submission_unreadable = Some(format!("{}: {e}", file.display()));
        None
    });
    let mut known = std::collections::HashMap::new();
    let tar_digest = std::thread::scope(|scope| -> samla_noark5::Result<Option<(String, u64)>> {
        let whole = submission.as_ref().map(|_| {
            scope.spawn(|| -> samla_noark5::Result<(String, u64)> {
                let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                sha256_of(&Extract::open_package(dir)?, &name)
            })
        });
        let content = format!("{root}content/");
        for (name, digest) in hash_listed(&package, &listed, &mut report, progress)? {
            if let Some(rel) = name.strip_prefix(&content) {
                known.insert(rel.to_string(), digest);
            }
        }
        whole.map(|h| h.join().expect("hashing does not panic")).transpose()
    })?;

    // The submission description beside the tar.
    if let (Some((file, entry, others)), Some((found, size))) = (submission, tar_digest) {
        let ok = found == entry.checksum && entry.size.is_none_or(|s| s == size);
        report.submission = Some(Submission {
            file: file.display().to_string(),
            stated: entry.checksum.clone(),
            found,
            sizes: (entry.size, size),
            ok,
        });
        // It may also state the checksum of dias-mets.xml.
        if let Some(m) = others.iter().find(|f| f.path.ends_with("dias-mets.xml")) {
            let (hex, size) = sha256_of(&package, &mets_path)?;
            if hex != m.checksum || m.size.is_some_and(|s| s != size) {
                report.changed.push(Changed {
                    path: mets_path.clone(),
                    stated: format!("{} {}", m.checksum, m.size.map(|s| s.to_string()).unwrap_or_else(|| "-".into())),
                    found: format!("{hex} {size}"),
                });
            }
        }
    }

    // The extract inside: its own checksums.
    if let Ok(extract) = Extract::open(path) {
        use samla_check::controls::ControlId::{N5_02, N5_30, N5_32, N5_64, S_02};
        let selection = [N5_02, N5_30, N5_32, N5_64, S_02].into_iter().collect();
        let options = samla_check::Options {
            selection: Some(selection),
            known_digests: Some(std::sync::Arc::new(known)),
            ..Default::default()
        };
        let checked = samla_check::check(&extract, &options, &mut |_| {})?;
        for c in &checked.controls {
            for g in c.findings.iter().filter(|g| g.severity == samla_check::findings::Severity::Error) {
                report.content.push(format!("{}: {} ({})", c.id, g.message.en, g.count));
            }
        }
    }
    Ok(report)
}
