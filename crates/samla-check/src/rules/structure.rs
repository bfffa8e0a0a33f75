//! The extract's files and what arkivuttrekk.xml states about them: N5.01 the files
//! exist, N5.02 their checksums, N5.28 the number of document files, S.01 the schema files
//! are the official ones.

use samla_noark5::Extract;
use samla_noark5::addml::Arkivuttrekk;
use samla_noark5::schemas;
use samla_noark5::source::Irregularity;

use super::documents::{sha256_of, sha256_with_line_endings};
use crate::controls::ControlId::{N5_01, N5_02, N5_28, S_01};
use crate::findings::{Findings, Location, Severity, Text};

/// The file that describes the extract.
pub const UTTREKK: &str = "arkivuttrekk.xml";

/// Reads arkivuttrekk.xml; a missing or unreadable one is an N5.01/N5.02 finding.
pub fn read_arkivuttrekk(extract: &Extract, f: &mut Findings) -> Option<Arkivuttrekk> {
    if extract.find(UTTREKK).is_none() {
        f.add(
            N5_01,
            Severity::Error,
            Location::file(UTTREKK),
            Text::new("arkivuttrekk.xml mangler", "arkivuttrekk.xml is missing"),
        );
        return None;
    }
    let read = extract.open_file(UTTREKK).and_then(|r| Arkivuttrekk::read(r, UTTREKK));
    match read {
        Ok(u) => Some(u),
        Err(e) => {
            f.add(
                N5_02,
                Severity::Error,
                Location::of_error(UTTREKK, &e),
                Text::new("arkivuttrekk.xml kan ikke leses", "arkivuttrekk.xml cannot be read"),
            );
            None
        }
    }
}

/// N5.01: every file arkivuttrekk.xml lists exists, and arkivstruktur.xml is there.
pub fn files_exist(extract: &Extract, uttrekk: Option<&Arkivuttrekk>, f: &mut Findings) {
    let mut listed: Vec<String> = vec!["arkivstruktur.xml".into()];
    if let Some(u) = uttrekk {
        for file in &u.files {
            listed.push(file.name.clone());
            listed.extend(file.schemas.iter().map(|s| s.name.clone()));
        }
    }
    listed.sort();
    listed.dedup();
    let mut missing = 0;
    for name in listed.iter().filter(|n| !n.is_empty()) {
        if extract.find(name).is_none() {
            missing += 1;
            f.add(
                N5_01,
                Severity::Error,
                Location::file(UTTREKK).with_detail(name.clone()),
                Text::new(
                    "Filen er oppført i arkivuttrekk.xml, men finnes ikke",
                    "The file is listed in arkivuttrekk.xml but does not exist",
                ),
            );
        }
    }
    for entry in extract.skipped() {
        let (severity, text) = match entry.what {
            Irregularity::Link | Irregularity::Special => (
                Severity::Warning,
                Text::new(
                    "Lenke eller spesialfil i uttrekket; den er ikke fulgt eller lest",
                    "A link or special file in the extract; it is neither followed nor read",
                ),
            ),
            Irregularity::Sparse => (
                Severity::Error,
                Text::new(
                    "Glissen (sparse) tar-fil; innholdet er ikke lest eller kontrollert",
                    "A sparse tar member; its content is neither read nor checked",
                ),
            ),
            Irregularity::Duplicate => (
                Severity::Error,
                Text::new(
                    "Filnavnet finnes flere ganger i tar-filen; bare den siste kopien er lest",
                    "The name is stored more than once in the tar; only the last copy is read",
                ),
            ),
            Irregularity::NotUtf8 => (
                Severity::Warning,
                Text::new(
                    "Filnavnet er ikke UTF-8; filen er lest under navnets bytes",
                    "The file name is not UTF-8; the file is read under the name's bytes",
                ),
            ),
            Irregularity::NotUtf8Unread => (
                Severity::Error,
                Text::new(
                    "Filnavnet er ikke UTF-8; filen er ikke lest",
                    "The file name is not UTF-8; the file is not read",
                ),
            ),
        };
        f.add(N5_01, severity, Location::file(entry.name.clone()), text);
    }
    f.stat(N5_01, Text::new("Filer kontrollert", "Files checked"), listed.len());
    f.stat(N5_01, Text::new("Filer som mangler", "Files missing"), missing);
}

/// N5.02: every checksum in arkivuttrekk.xml: algorithm, property, value and match.
pub fn checksums(extract: &Extract, uttrekk: Option<&Arkivuttrekk>, f: &mut Findings) {
    let Some(u) = uttrekk else { return };
    let mut entries: Vec<(String, Option<samla_noark5::addml::Checksum>, samla_noark5::pos::Pos)> = Vec::new();
    for file in &u.files {
        entries.push((file.name.clone(), file.checksum.clone(), file.pos));
        for s in &file.schemas {
            entries.push((s.name.clone(), s.checksum.clone(), file.pos));
        }
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.dedup_by(|a, b| a.0 == b.0);
    let mut checked = 0;
    for (name, checksum, pos) in entries {
        let at = Location::at(UTTREKK, pos).with_detail(name.clone());
        let Some(c) = checksum else {
            f.add(
                N5_02,
                Severity::Error,
                at,
                Text::new("Sjekksum mangler for filen", "No checksum is stated for the file"),
            );
            continue;
        };
        let Some(value) = c.value.as_deref().filter(|v| !v.is_empty()) else {
            f.add(N5_02, Severity::Error, at, Text::new("Sjekksummen mangler verdi", "The checksum has no value"));
            continue;
        };
        if c.algorithm.as_deref().is_none_or(str::is_empty) {
            f.add(
                N5_02,
                Severity::Error,
                at,
                Text::new("Sjekksumalgoritme er ikke oppgitt", "No checksum algorithm is stated"),
            );
            continue;
        }
        if !c.is_sha256() {
            f.add(
                N5_02,
                Severity::Error,
                at.with_detail(format!("{name}: {}", c.algorithm.as_deref().unwrap_or(""))),
                Text::new("Sjekksumalgoritmen er ikke SHA-256", "The checksum algorithm is not SHA-256"),
            );
            continue;
        }
        if extract.find(&name).is_none() {
            // As Arkade's N5.02: a file stated with a checksum that is not there.
            f.add(N5_02, Severity::Error, at, Text::new("Filen finnes ikke", "The file does not exist"));
            continue;
        }
        checked += 1;
        match sha256_of(extract, &name) {
            Ok((hex, _)) if hex.eq_ignore_ascii_case(value.trim()) => {}
            Ok((hex, _)) => {
                let converted = sha256_with_line_endings(extract, &name).ok().and_then(|(to_lf, to_crlf)| {
                    if to_lf.eq_ignore_ascii_case(value.trim()) {
                        Some("CRLF → LF")
                    } else if to_crlf.eq_ignore_ascii_case(value.trim()) {
                        Some("LF → CRLF")
                    } else {
                        None
                    }
                });
                let detail = format!("{name}: oppgitt/stated {value}, beregnet/computed {hex}");
                let text = match converted {
                    // Common delivery damage: the file was re-encoded after it was checksummed.
                    Some(how) => Text::new(
                        format!(
                            "Sjekksummen stemmer ikke, men stemmer med filens linjeskift omgjort ({how}): filen er omkodet etter at sjekksummen ble beregnet"
                        ),
                        format!(
                            "The checksum does not match, but matches the file with its line endings converted ({how}): the file was re-encoded after it was checksummed"
                        ),
                    ),
                    None => Text::new("Sjekksummen stemmer ikke for filen", "The checksum does not match the file"),
                };
                f.add(N5_02, Severity::Error, at.with_detail(detail), text)
            }
            Err(e) => f.add(
                N5_02,
                Severity::Error,
                at.with_detail(e.to_string()),
                Text::new("Filen kan ikke leses", "The file cannot be read"),
            ),
        }
    }
    f.stat(N5_02, Text::new("Sjekksummer kontrollert (SHA-256)", "Checksums checked (SHA-256)"), checked);
}

/// S.01: the XSDs in the extract are the official ones. Returns where N5.03's schemas
/// come from, for the summary.
pub fn official_schemas(extract: &Extract, f: &mut Findings) -> String {
    let names: Vec<String> =
        extract.files().filter(|(n, _)| n.ends_with(".xsd") && !n.contains('/')).map(|(n, _)| n.to_string()).collect();
    let mut official = 0;
    for name in &names {
        let Ok((hex, _)) = sha256_of(extract, name) else { continue };
        match schemas::identify(&hex) {
            Some(s) if s.ships_as(name) => official += 1,
            Some(s) => f.add(
                S_01,
                Severity::Warning,
                Location::file(name.clone()).with_detail(format!("= {} {}", s.family, s.name)),
                Text::new("Skjemafilen er en offisiell fil under et annet navn", "The schema file is an official file under another name"),
            ),
            None if schemas::OFFICIAL.iter().any(|s| s.name.eq_ignore_ascii_case(name)) => f.add(
                S_01,
                Severity::Error,
                Location::file(name.clone()).with_detail(hex),
                Text::new(
                    "Skjemafilen har et offisielt navn, men er ikke den offisielle filen for noen versjon samla kjenner (krav 6.4.18 forbyr varianter)",
                    "The schema file has an official name but is not the official file of any version samla knows (krav 6.4.18 forbids variants)",
                ),
            ),
            None => f.add(
                S_01,
                Severity::Info,
                Location::file(name.clone()),
                Text::new("Skjemafil som ikke er en av Arkivverkets (virksomhetsspesifikk)", "A schema file that is not Arkivverket's (business-specific)"),
            ),
        }
    }
    f.stat(S_01, Text::new("Offisielle skjemafiler i uttrekket", "Official schema files in the extract"), official);
    format!("{official} of {} schema files in the extract are official", names.len())
}

/// N5.28: the files in the document folder against antallDokumentfiler. As in Arkade, a
/// missing or empty document folder is an error, and so is an antallDokumentfiler that is
/// not stated.
pub fn document_count(extract: &Extract, uttrekk: Option<&Arkivuttrekk>, found: u64, f: &mut Findings) {
    let present = extract.document_folder();
    let folder = present.clone().unwrap_or_else(|| "DOKUMENT".into());
    f.stat(
        N5_28,
        Text::new(format!("Dokumentfiler funnet i {folder}/"), format!("Document files found in {folder}/")),
        found,
    );
    match present {
        None => f.add(
            N5_28,
            Severity::Error,
            Location::file(format!("{folder}/")),
            Text::new("Dokumentmappen finnes ikke", "The document folder does not exist"),
        ),
        Some(_) if found == 0 => f.add(
            N5_28,
            Severity::Error,
            Location::file(format!("{folder}/")),
            Text::new("Ingen dokumentfiler i dokumentmappen", "No document files in the document folder"),
        ),
        Some(_) => {}
    }
    let Some(stated) = uttrekk.and_then(Arkivuttrekk::antall_dokumentfiler) else {
        f.add(
            N5_28,
            Severity::Error,
            Location::file(UTTREKK),
            Text::new("antallDokumentfiler er ikke oppgitt", "antallDokumentfiler is not stated"),
        );
        return;
    };
    f.stat(N5_28, Text::new("Oppgitt antall dokumentfiler", "Stated number of document files"), stated);
    if stated != found {
        f.add(
            N5_28,
            Severity::Error,
            Location::file(UTTREKK).with_detail(format!("oppgitt/stated {stated}, funnet/found {found}")),
            Text::new(
                "Antall dokumentfiler stemmer ikke med antallDokumentfiler",
                "The number of document files does not match antallDokumentfiler",
            ),
        );
    }
}

/// What arkivuttrekk.xml states for `file`: the numberOfOccurrences of `what`, and where.
pub fn stated(uttrekk: Option<&Arkivuttrekk>, file: &str, what: &str) -> Option<(String, samla_noark5::pos::Pos)> {
    let f = uttrekk?.file(file)?;
    f.occurrences.iter().find(|(w, _)| w == what).map(|(_, n)| (n.trim().to_string(), f.pos))
}

#[cfg(test)]
mod tests {
    use crate::controls::ControlId::N5_01;
    use crate::findings::Severity::Error;
    use crate::rules::testing::{arkivstruktur, check, findings};

    #[test]
    fn a_missing_arkivuttrekk_is_an_error() {
        let report = check(&[("arkivstruktur.xml", &arkivstruktur(""))]);
        assert_eq!(findings(&report, N5_01), [(Error, "arkivuttrekk.xml is missing".into(), 1)]);
    }
}
