//! The document files: N5.30 checksums, N5.32 existence, N5.33 unreferenced files, N5.34
//! files referenced twice, N5.64 empty files, S.02 sizes, S.03 algorithms.
//!
//! Dokumentobjekter are queued as the pass meets them and hashed in batches on all cores,
//! so memory holds one batch of tasks and one 8-byte key per referenced file. The digests
//! of other files (arkivuttrekk.xml's checksums, the schemas, ADDML's flat files) are
//! taken here too.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::io::Read;

use rayon::prelude::*;
use samla_noark5::source::DOCUMENT_FOLDERS;
use samla_noark5::{Element, Extract};
use sha2::Digest;

use super::references::id_key;
use super::{Cx, Rules};
use crate::controls::ControlId;
use crate::controls::ControlId::{N5_30, N5_32, N5_33, N5_34, N5_64, S_02, S_03};
use crate::findings::{Findings, Location, Severity, Text};

/// One dokumentobjekt to check against its file.
#[derive(Debug, Clone)]
pub struct Task {
    /// referanseDokumentfil as written.
    pub reference: String,
    /// sjekksum as written.
    pub checksum: Option<String>,
    /// sjekksumAlgoritme as written.
    pub algorithm: Option<String>,
    /// filstoerrelse as written.
    pub size: Option<String>,
    /// Where the dokumentobjekt is.
    pub location: Location,
    /// Whether Arkade counts it (N5.64): not under a mappe or registrering that is Utgår.
    pub counted: bool,
}

enum Algorithm {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

fn algorithm(name: &str) -> Option<Algorithm> {
    match name.replace(['-', '_', ' '], "").to_ascii_lowercase().as_str() {
        "sha224" => Some(Algorithm::Sha224),
        "sha256" => Some(Algorithm::Sha256),
        "sha384" => Some(Algorithm::Sha384),
        "sha512" => Some(Algorithm::Sha512),
        _ => None,
    }
}

/// Streams `reader` through the digest `alg`; returns (hex, size).
fn digest(mut reader: impl Read, alg: &Algorithm) -> std::io::Result<(String, u64)> {
    fn run<D: Digest>(mut reader: impl Read) -> std::io::Result<(String, u64)> {
        let mut hasher = D::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut size = 0u64;
        loop {
            let n = reader.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            size += n as u64;
        }
        Ok((samla_noark5::hex(&hasher.finalize()), size))
    }
    match alg {
        Algorithm::Md5 => run::<md5::Md5>(&mut reader),
        Algorithm::Sha1 => run::<sha1::Sha1>(&mut reader),
        Algorithm::Sha224 => run::<sha2::Sha224>(&mut reader),
        Algorithm::Sha256 => run::<sha2::Sha256>(&mut reader),
        Algorithm::Sha384 => run::<sha2::Sha384>(&mut reader),
        Algorithm::Sha512 => run::<sha2::Sha512>(&mut reader),
    }
}

/// The digest (hex) and size of `name` in the extract by the algorithm an ADDML flat file
/// names, spelled as .NET's CryptoConfig knows it (as Arkade's AH.01 looks it up: `MD5`,
/// `SHA1`, `SHA-1`, `SHA256`, `SHA-256`, `SHA384`, `SHA-384`, `SHA512`, `SHA-512`, in any
/// case); `None` for any other name.
pub fn digest_of(extract: &Extract, name: &str, algorithm_name: &str) -> Option<samla_noark5::Result<(String, u64)>> {
    let alg = match algorithm_name.trim().to_ascii_lowercase().as_str() {
        "md5" => Algorithm::Md5,
        "sha1" | "sha-1" => Algorithm::Sha1,
        "sha256" | "sha-256" => Algorithm::Sha256,
        "sha384" | "sha-384" => Algorithm::Sha384,
        "sha512" | "sha-512" => Algorithm::Sha512,
        _ => return None,
    };
    Some(
        extract
            .open_file(name)
            .and_then(|r| digest(r, &alg).map_err(|e| samla_noark5::Error::io(extract.display(name), e))),
    )
}

/// SHA-256 and size of `name` in the extract.
pub fn sha256_of(extract: &Extract, name: &str) -> samla_noark5::Result<(String, u64)> {
    let reader = extract.open_file(name)?;
    digest(reader, &Algorithm::Sha256).map_err(|e| samla_noark5::Error::io(extract.display(name), e))
}

/// SHA-256 of `name` in the extract with its line endings converted, in one pass: (every
/// CRLF as LF, every lone LF as CRLF). A stated checksum that matches one of these tells
/// that the file was re-encoded after it was checksummed.
pub fn sha256_with_line_endings(extract: &Extract, name: &str) -> samla_noark5::Result<(String, String)> {
    use sha2::Sha256;
    let mut reader = extract.open_file(name)?;
    let (mut to_lf, mut to_crlf) = (Sha256::new(), Sha256::new());
    let mut buf = vec![0u8; 64 * 1024];
    // A CR at the end of one chunk is held until the next byte says whether it starts a CRLF.
    let mut held_cr = false;
    loop {
        let n = reader.read(&mut buf).map_err(|e| samla_noark5::Error::io(extract.display(name), e))?;
        if n == 0 {
            break;
        }
        // Both conversions of the chunk are built, then hashed a chunk at a time.
        let (mut lf, mut crlf) = (Vec::with_capacity(n + 1), Vec::with_capacity(2 * n + 1));
        for &b in &buf[..n] {
            if b == b'\n' {
                lf.push(b'\n');
                crlf.extend_from_slice(b"\r\n");
                held_cr = false;
                continue;
            }
            if held_cr {
                lf.push(b'\r');
                crlf.push(b'\r');
            }
            held_cr = b == b'\r';
            if !held_cr {
                lf.push(b);
                crlf.push(b);
            }
        }
        to_lf.update(&lf);
        to_crlf.update(&crlf);
    }
    if held_cr {
        to_lf.update(b"\r");
        to_crlf.update(b"\r");
    }
    Ok((samla_noark5::hex(&to_lf.finalize()), samla_noark5::hex(&to_crlf.finalize())))
}

/// A referenced file's path, hashed as it stands: as in Arkade, `a.pdf` and `A.PDF` are two files.
fn key(path: &str) -> u64 {
    let mut h = DefaultHasher::new();
    path.hash(&mut h);
    h.finish()
}

/// What one task found.
struct Outcome {
    found: Option<String>,
    /// The file was found, exactly, and is empty.
    empty: bool,
    findings: Vec<(ControlId, Severity, Text, Option<String>)>,
    bytes: u64,
}

/// SHA-256 digests already computed elsewhere (by `samla verify`, say), by the file's
/// path in the extract: (lower-case hex, size). Files found here are not read again.
pub type KnownDigests = std::sync::Arc<HashMap<String, (String, u64)>>;

/// The document checker. See the module docs.
pub struct Documents {
    known: Option<KnownDigests>,
    queue: Vec<Task>,
    /// Referenced files: key of the stored path → times referenced.
    referenced: HashMap<u64, u32>,
    /// Bytes hashed so far.
    pub bytes: u64,
    /// Dokumentobjekter checked so far.
    pub checked: u64,
    /// Dokumentobjekter whose file is empty, as Arkade counts them (N5.64).
    empty: u64,
    /// Whether the pass queues the dokumentobjekter it meets (any document control selected).
    check: bool,
    /// N5.34 as Arkade counts it: each referanseDokumentfil as written, per arkivdel.
    per_arkivdel: HashMap<(u128, u64), u32>,
}

const BATCH: usize = 256;

impl Default for Documents {
    fn default() -> Self {
        Self::new()
    }
}

impl Documents {
    /// An empty checker.
    pub fn new() -> Documents {
        Documents {
            known: None,
            queue: Vec::with_capacity(BATCH),
            referenced: HashMap::new(),
            bytes: 0,
            checked: 0,
            empty: 0,
            check: true,
            per_arkivdel: HashMap::new(),
        }
    }

    /// The checker of a pass: it checks the dokumentobjekter met when `check` (any document
    /// control selected), and counts their references as Arkade's N5.34 does in any case.
    pub(crate) fn for_pass(check: bool, known: Option<KnownDigests>) -> Documents {
        Documents { check, ..Documents::new().with_known(known) }
    }

    /// Uses digests computed elsewhere instead of reading those files again.
    pub fn with_known(mut self, known: Option<KnownDigests>) -> Documents {
        self.known = known;
        self
    }

    /// Queues a task; checks a batch when enough are queued.
    pub fn push(&mut self, task: Task, extract: &Extract, findings: &mut Findings) {
        self.queue.push(task);
        if self.queue.len() >= BATCH {
            self.flush(extract, findings);
        }
    }

    /// Checks the queued tasks on all cores.
    pub fn flush(&mut self, extract: &Extract, findings: &mut Findings) {
        let tasks = std::mem::take(&mut self.queue);
        let known = self.known.as_deref();
        let outcomes: Vec<Outcome> = tasks.par_iter().map(|t| check_one(t, extract, known)).collect();
        for (task, outcome) in tasks.into_iter().zip(outcomes) {
            self.checked += 1;
            self.bytes += outcome.bytes;
            if outcome.empty && task.counted {
                self.empty += 1;
            }
            if let Some(found) = &outcome.found {
                let n = self.referenced.entry(key(found)).or_default();
                *n += 1;
                if *n == 2 {
                    let at = task.location.clone().with_detail(found.clone());
                    findings.add(
                        N5_34,
                        Severity::Error,
                        at,
                        Text::new(
                            "Dokumentfilen er referert fra mer enn ett dokumentobjekt",
                            "The document file is referenced by more than one dokumentobjekt",
                        ),
                    );
                }
            }
            for (control, severity, message, detail) in outcome.findings {
                let mut at = task.location.clone();
                at.detail = detail;
                findings.add(control, severity, at, message);
            }
        }
    }

    /// After the pass: N5.33, document files that no dokumentobjekt references (when
    /// `checked`, i.e. the documents were checked at all). Returns the number of files in
    /// the document folder.
    pub fn finish(&mut self, extract: &Extract, findings: &mut Findings, checked: bool) -> u64 {
        let files = self.finish_files(extract, findings, checked);
        let twice = self.per_arkivdel.values().filter(|&&n| n > 1).count();
        findings.stat(N5_34, Text::new("Totalt", "Total"), twice);
        files
    }

    fn finish_files(&mut self, extract: &Extract, findings: &mut Findings, checked: bool) -> u64 {
        self.flush(extract, findings);
        let Some(folder) = extract.document_folder() else { return 0 };
        let prefix = format!("{folder}/");
        let mut files = 0;
        let mut unreferenced = 0;
        for (name, _) in extract.files().filter(|(n, _)| n.starts_with(&prefix)) {
            files += 1;
            if checked && !self.referenced.contains_key(&key(name)) {
                unreferenced += 1;
                findings.add(
                    N5_33,
                    Severity::Error,
                    Location::file(name).with_detail(name),
                    Text::new(
                        "Dokumentfilen mangler referanse fra et dokumentobjekt",
                        "No dokumentobjekt references the file",
                    ),
                );
            }
        }
        findings.stat(N5_33, Text::new("Totalt", "Total"), unreferenced);
        // Arkade's counts are the Totalt lines (N5.34's from the pass); samla lists more.
        let twice = self.referenced.values().filter(|&&n| n > 1).count();
        findings.stat(
            N5_34,
            Text::new(
                "Filer referert mer enn én gang, på tvers av arkivdeler",
                "Files referenced more than once, across arkivdeler",
            ),
            twice,
        );
        findings.stat(N5_64, Text::new("Totalt", "Total"), self.empty);
        files
    }
}

impl Rules for Documents {
    fn element(&mut self, cx: &Cx, e: &Element, f: &mut Findings) {
        if cx.name != "dokumentobjekt" {
            return;
        }
        // As written (id_key would trim it): Arkade counts the raw string.
        let mut h = DefaultHasher::new();
        e.value("referanseDokumentfil").unwrap_or("").hash(&mut h);
        *self.per_arkivdel.entry((id_key(&cx.arkivdel.system_id), h.finish())).or_default() += 1;
        if !self.check {
            return;
        }
        let task = Task {
            counted: !cx.utgaar,
            reference: e.value("referanseDokumentfil").unwrap_or("").trim().to_string(),
            checksum: e.value("sjekksum").map(str::to_string),
            algorithm: e.value("sjekksumAlgoritme").map(str::to_string),
            size: e.value("filstoerrelse").map(str::to_string),
            location: cx.at(e),
        };
        self.push(task, cx.extract, f);
    }
}

fn check_one(task: &Task, extract: &Extract, known: Option<&HashMap<String, (String, u64)>>) -> Outcome {
    let mut out = Outcome { found: None, empty: false, findings: Vec::new(), bytes: 0 };
    // As Arkade: the reference, with `\` read as `/`, names a file in the document folder
    // exactly (case and all); a file found only another way is named in the detail.
    let reference = task.reference.replace('\\', "/");
    let exact = extract.has_exactly(&reference)
        && DOCUMENT_FOLDERS.iter().any(|d| reference.strip_prefix(d).is_some_and(|r| r.starts_with('/')));
    if !exact {
        let loose = extract.find(reference.trim()).map(|f| format!("{} (funnet som/found as {f})", task.reference));
        let detail = loose.unwrap_or_else(|| task.reference.clone());
        out.findings.push((
            N5_32,
            Severity::Error,
            Text::new("Den refererte dokumentfilen finnes ikke", "The referenced document file does not exist"),
            Some(detail.clone()),
        ));
        out.findings.push((
            N5_30,
            Severity::Error,
            Text::new("Dokumentfilen ble ikke funnet", "The document file was not found"),
            Some(detail),
        ));
        return out;
    }
    let found = reference;
    out.found = Some(found.clone());
    let alg_name = task.algorithm.as_deref().map(str::trim).unwrap_or("");
    let stated_alg = algorithm(alg_name);
    if stated_alg.is_none() {
        out.findings.push((
            S_03,
            Severity::Warning,
            Text::new(
                "Ukjent sjekksumalgoritme; sjekksummen kontrolleres som SHA-256, som i Arkade",
                "Unknown sjekksumAlgoritme; the checksum is checked as SHA-256, as Arkade does",
            ),
            Some(alg_name.to_string()),
        ));
    }
    // As Arkade's N5.30, the stated sjekksum is compared with the file's SHA-256 whatever
    // sjekksumAlgoritme says.
    let result = match known.and_then(|k| k.get(&found)).cloned() {
        Some(digest) => Ok(digest),
        None => extract
            .open_file(&found)
            .and_then(|r| digest(r, &Algorithm::Sha256).map_err(|e| samla_noark5::Error::io(&found, e))),
    };
    let (hex, size) = match result {
        Ok(v) => v,
        Err(e) => {
            out.findings.push((
                N5_30,
                Severity::Error,
                Text::new("Dokumentfilen kan ikke leses", "The document file cannot be read"),
                Some(e.to_string()),
            ));
            return out;
        }
    };
    out.bytes = size;
    out.empty = size == 0;
    if size == 0 {
        out.findings.push((
            N5_64,
            Severity::Error,
            Text::new("Dokumentfilen er tom", "The document file is empty"),
            Some(found.clone()),
        ));
    }
    match task.size.as_deref().map(str::trim) {
        Some(stated) if stated.parse::<u64>().ok() != Some(size) => out.findings.push((
            S_02,
            Severity::Error,
            Text::new(
                "filstoerrelse stemmer ikke med dokumentfilens størrelse",
                "filstoerrelse does not match the size of the document file",
            ),
            Some(format!("{found}: oppgitt/stated {stated}, funnet/found {size}")),
        )),
        _ => {}
    }
    match task.checksum.as_deref().map(str::trim) {
        Some(stated) if stated.eq_ignore_ascii_case(&hex) => {}
        Some(stated) => {
            // Where the algorithm stated is another one samla computes, say whether it matches.
            let by_stated = stated_alg
                .filter(|a| !matches!(a, Algorithm::Sha256))
                .and_then(|a| extract.open_file(&found).ok().and_then(|r| digest(r, &a).ok()))
                .filter(|(other, _)| other.eq_ignore_ascii_case(stated))
                .map_or("", |_| "; it matches the algorithm stated, but Arkade compares with SHA-256");
            out.findings.push((
                N5_30,
                Severity::Error,
                Text::new(
                    "Sjekksummen stemmer ikke for dokumentfilen",
                    "The checksum does not match the document file",
                ),
                Some(format!("{found}: oppgitt/stated {stated}, SHA-256 {hex}{by_stated}")),
            ))
        }
        None => out.findings.push((
            N5_30,
            Severity::Error,
            Text::new("Dokumentobjektet mangler sjekksum", "The dokumentobjekt has no sjekksum"),
            Some(found.clone()),
        )),
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::controls::ControlId::{N5_32, N5_33};
    use crate::findings::Severity::Error;
    use crate::rules::testing::{arkivstruktur, check, findings};

    #[test]
    fn a_missing_file_and_a_file_nothing_references() {
        let xml = arkivstruktur(
            "<mappe><systemID>m1</systemID><registrering><systemID>r1</systemID>\
             <dokumentbeskrivelse><systemID>d1</systemID><dokumentobjekt>\
             <referanseDokumentfil>DOKUMENT/1.pdf</referanseDokumentfil></dokumentobjekt></dokumentbeskrivelse>\
             </registrering></mappe>",
        );
        let report = check(&[("arkivstruktur.xml", &xml), ("DOKUMENT/2.pdf", "%PDF-1.4")]);
        let missing = "The referenced document file does not exist";
        assert_eq!(findings(&report, N5_32), [(Error, missing.into(), 1)]);
        assert_eq!(findings(&report, N5_33), [(Error, "No dokumentobjekt references the file".into(), 1)]);
    }
}
