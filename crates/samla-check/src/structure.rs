//! The controls on the extract's files and on what arkivuttrekk.xml states: N5.01,
//! N5.02, N5.28, S.01, the stated counts (N5.10, N5.16), the flags (N5.42, N5.44, N5.45),
//! the journals (N5.59, N5.60) and the endringslogg (N5.61, N5.62).

use samla_noark5::addml::Arkivuttrekk;
use samla_noark5::model::Date;
use samla_noark5::schemas;
use samla_noark5::source::Irregularity;
use samla_noark5::stream::{Event, Split, UnitReader};
use samla_noark5::{Element, Extract};

use std::collections::HashSet;

use crate::content::{Content, id_key};
use crate::controls::ControlId::{
    N5_01, N5_02, N5_10, N5_16, N5_28, N5_42, N5_44, N5_45, N5_59, N5_60, N5_61, N5_62, S_01,
};
use crate::documents::{sha256_of, sha256_with_line_endings};
use crate::findings::{Findings, Location, Severity, Text};
use crate::profile::Profile;

const UTTREKK: &str = "arkivuttrekk.xml";

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

fn stated(uttrekk: Option<&Arkivuttrekk>, file: &str, what: &str) -> Option<(String, samla_noark5::pos::Pos)> {
    let f = uttrekk?.file(file)?;
    f.occurrences.iter().find(|(w, _)| w == what).map(|(_, n)| (n.trim().to_string(), f.pos))
}

/// N5.10 and N5.16: the mapper and registreringer against numberOfOccurrences.
pub fn stated_counts(uttrekk: Option<&Arkivuttrekk>, content: &Content, f: &mut Findings) {
    for (control, what) in [(N5_10, "mappe"), (N5_16, "registrering")] {
        // As Arkade: a count that is not stated counts as 0.
        let (n, pos) = stated(uttrekk, "arkivstruktur.xml", what).unwrap_or_else(|| {
            ("0".to_string(), uttrekk.and_then(|u| u.file("arkivstruktur.xml")).map(|f| f.pos).unwrap_or_default())
        });
        let found = content.total(what);
        f.stat(control, Text::new("Oppgitt i arkivuttrekk.xml", "Stated in arkivuttrekk.xml"), &n);
        if n.parse::<u64>().ok() != Some(found) {
            f.add(
                control,
                Severity::Error,
                Location::at(UTTREKK, pos).with_detail(format!("{what}: oppgitt/stated {n}, funnet/found {found}")),
                Text::new("Antallet stemmer ikke med arkivuttrekk.xml", "The count does not match arkivuttrekk.xml"),
            );
        }
    }
}

/// N5.42, N5.44, N5.45: skjerming, kassasjon and utført kassasjon against the flags.
pub fn flags(uttrekk: Option<&Arkivuttrekk>, content: &Content, f: &mut Findings) {
    let Some(u) = uttrekk else { return };
    for (control, flag, found, nb, en) in [
        (N5_42, "inneholderSkjermetInformasjon", content.tally_total(N5_42), "skjerminger", "skjerminger"),
        (
            N5_44,
            "inneholderDokumenterSomSkalKasseres",
            content.tally_total(N5_44),
            "kassasjonsvedtak",
            "kassasjonsvedtak",
        ),
        (
            N5_45,
            "omfatterDokumenterSomErKassert",
            content.total("utfoertKassasjon"),
            "utførte kassasjoner",
            "utførte kassasjoner",
        ),
    ] {
        // As Arkade: a flag that is not stated counts as false.
        let flag_value = u.flag(flag).unwrap_or(false);
        let at = Location::file(UTTREKK).with_detail(format!("{flag} = {flag_value}, {found} {en}"));
        if flag_value && found == 0 {
            f.add(
                control,
                Severity::Error,
                at,
                Text::new(
                    format!("Det er dokumentert at uttrekket skal omfatte {nb}, men ingen ble funnet"),
                    format!("arkivuttrekk.xml says the extract holds {en}, but none were found"),
                ),
            );
        } else if !flag_value && found > 0 {
            f.add(
                control,
                Severity::Error,
                at,
                Text::new(
                    format!("Uttrekket har {nb}, men arkivuttrekk.xml sier det ikke har det"),
                    format!("The extract holds {en}, but arkivuttrekk.xml says it does not"),
                ),
            );
        }
    }
}

/// What a journal file holds, read on its own so that it can run beside the content pass.
pub struct Journal {
    records: u64,
    header: Option<Element>,
    /// Sum of the keys of the journalposter's systemIDs (see `Content`).
    fingerprint: u128,
}

fn read_journal(extract: &Extract, name: &str, f: &mut Findings) -> Option<Journal> {
    extract.find(name)?;
    let mut j = Journal { records: 0, header: None, fingerprint: 0 };
    let source = match extract.open_file(name) {
        Ok(s) => s,
        Err(e) => {
            f.add(
                N5_59,
                Severity::Error,
                Location::file(name).with_detail(e.to_string()),
                Text::new("Journalen kan ikke leses", "The journal cannot be read"),
            );
            return None;
        }
    };
    let mut reader = UnitReader::new(source, name, Split::JOURNAL);
    loop {
        match reader.next_event() {
            Ok(Some(Event::Unit(u))) if u.local_name() == "journalhode" => j.header = Some(u),
            Ok(Some(Event::Unit(u))) if u.local_name() == "journalregistrering" => {
                j.records += 1;
                if let Some(id) = u.child("journalpost").and_then(Element::system_id) {
                    j.fingerprint = j.fingerprint.wrapping_add(id_key(id));
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => return Some(j),
            Err(e) => {
                f.add(
                    N5_59,
                    Severity::Error,
                    Location::of_error(name, &e),
                    Text::new("Journalen kan ikke leses ferdig", "The journal cannot be read to the end"),
                );
                return Some(j);
            }
        }
    }
}

/// Names the journalposter that differ between arkivstruktur.xml and `journal`. Only run
/// when the counts or fingerprints differ: it reads the journal again for its systemIDs,
/// and arkivstruktur.xml a second time, rather than keeping sets through the main pass.
fn differences(extract: &Extract, journal: &str, content: &Content, severity: Severity, f: &mut Findings) {
    let mut keys = HashSet::new();
    let Ok(source) = extract.open_file(journal) else { return };
    let mut reader = UnitReader::new(source, journal, Split::JOURNAL);
    while let Ok(Some(event)) = reader.next_event() {
        let Event::Unit(u) = event else { continue };
        let Some(jp) = u.child("journalpost") else { continue };
        let Some(id) = jp.system_id() else { continue };
        keys.insert(id_key(id));
        if !content.has_id(id) {
            let at = Location::at(journal, jp.pos).with_system_id(id);
            f.add(
                N5_59,
                severity,
                at,
                Text::new(
                    "Journalen har en journalpost som ikke finnes i arkivstrukturen",
                    "The journal holds a journalpost that arkivstruktur.xml does not",
                ),
            );
        }
    }
    let Ok(source) = extract.open_file("arkivstruktur.xml") else { return };
    let mut reader = UnitReader::parallel(source, "arkivstruktur.xml", Split::ARKIVSTRUKTUR);
    while let Ok(Some(event)) = reader.next_event() {
        let Event::Unit(unit) = event else { continue };
        for r in
            unit.noark_descendants().filter(|e| e.local_name() == "registrering" && e.xsi_type() == Some("journalpost"))
        {
            let Some(id) = r.system_id() else { continue };
            if !keys.contains(&id_key(id)) {
                let at = Location::at("arkivstruktur.xml", r.pos).with_system_id(id);
                f.add(
                    N5_59,
                    severity,
                    at.with_detail(journal.to_string()),
                    Text::new("Journalposten mangler i journalen", "The journalpost is missing from the journal"),
                );
            }
        }
    }
}

/// Reads loependeJournal.xml and offentligJournal.xml (None where a file is missing).
pub fn read_journals(extract: &Extract, f: &mut Findings) -> Vec<(&'static str, Option<Journal>)> {
    ["loependeJournal.xml", "offentligJournal.xml"]
        .into_iter()
        .map(|name| (name, read_journal(extract, name, f)))
        .collect()
}

/// N5.59 and N5.60: the journals against arkivstruktur.xml.
pub fn journals(
    extract: &Extract,
    uttrekk: Option<&Arkivuttrekk>,
    read: Vec<(&'static str, Option<Journal>)>,
    content: &Content,
    profile: crate::profile::Profile,
    f: &mut Findings,
) {
    let sharp = uttrekk.is_some_and(|u| {
        u.info("periode.inngaaendeSkille").is_some_and(|v| v.trim().eq_ignore_ascii_case("skarpt"))
            && u.info("periode.utgaaendeSkille").is_some_and(|v| v.trim().eq_ignore_ascii_case("skarpt"))
    });
    let in_structure = content.journalposter;
    f.stat(N5_59, Text::new("Journalposter i arkivstrukturen", "Journalposter in arkivstruktur.xml"), in_structure);
    // As Arkade: the two journals must hold as many journalposter as each other, by what
    // their heads state and (samla) by what they hold.
    let both: Vec<&Journal> = read.iter().filter_map(|(_, j)| j.as_ref()).collect();
    if let [a, b] = both[..] {
        let stated =
            |j: &Journal| j.header.as_ref().and_then(|h| h.value("antallJournalposter")).map(|n| n.trim().to_string());
        let (sa, sb) = (stated(a), stated(b));
        if a.records != b.records || (sa.is_some() && sb.is_some() && sa != sb) {
            f.add(
                N5_59,
                Severity::Error,
                Location::file("loependeJournal.xml").with_detail(format!(
                    "loependeJournal {} ({}), offentligJournal {} ({})",
                    a.records,
                    sa.as_deref().unwrap_or("–"),
                    b.records,
                    sb.as_deref().unwrap_or("–")
                )),
                Text::new(
                    "Løpende og offentlig journal har ikke like mange journalposter (funnet, oppgitt)",
                    "loependeJournal and offentligJournal do not hold as many journalposter (found, stated)",
                ),
            );
        }
    }
    // N5.60 as Arkade: the journals' periods, from their heads, each with its journal.
    let periods: Vec<(&str, Option<(Date, Date)>)> = read
        .iter()
        .filter_map(|(name, j)| Some((*name, j.as_ref()?)))
        .map(|(name, j)| {
            let period =
                j.header.as_ref().and_then(|h| match (h.date("journalStartDato"), h.date("journalSluttDato")) {
                    (Some(Ok(a)), Some(Ok(b))) => Some((a, b)),
                    _ => None,
                });
            (name, period)
        })
        .collect();
    if let [(_, Some(a)), (_, Some(b))] = periods[..]
        && a != b
    {
        f.add(
            N5_60,
            Severity::Error,
            Location::file("loependeJournal.xml").with_detail(format!("{} – {} ≠ {} – {}", a.0, a.1, b.0, b.1)),
            Text::new(
                "Løpende og offentlig journal har ikke samme periode",
                "loependeJournal and offentligJournal do not cover the same period",
            ),
        );
    }
    if !periods.is_empty() {
        match content.journaldato {
            None => f.add(
                N5_60,
                Severity::Error,
                Location::file("arkivstruktur.xml"),
                Text::new("Ingen journaldato i arkivstrukturen", "No journaldato in arkivstruktur.xml"),
            ),
            Some(found) if sharp => {
                for (name, period) in &periods {
                    if let Some(p) = period
                        && *p != found
                    {
                        f.add(
                            N5_60,
                            Severity::Error,
                            Location::file(*name).with_detail(format!("{} – {} ≠ {} – {}", p.0, p.1, found.0, found.1)),
                            Text::new(
                                "Med skarpt periodeskille skal journalens periode være første til siste journaldato i arkivstrukturen",
                                "Under sharp period separation the journal's period must be the first to last journaldato in arkivstruktur.xml",
                            ),
                        );
                    }
                }
            }
            Some(_) => {}
        }
    }
    for (name, journal) in read {
        let Some(j) = journal else {
            // As Arkade: a journal that cannot be read is an error, for a deposit; an extract
            // converted for a migration has no journals to carry.
            let severity = profile.depot_only();
            f.add(
                N5_59,
                severity,
                Location::file(name),
                Text::new(
                    "Journalen finnes ikke; antallet journalposter kan ikke kontrolleres",
                    "The journal does not exist; the number of journalposter cannot be checked",
                ),
            );
            f.add(
                N5_60,
                severity,
                Location::file(name),
                Text::new(
                    "Journalen finnes ikke; start- og sluttdatoer kan ikke kontrolleres",
                    "The journal does not exist; the start and end dates cannot be checked",
                ),
            );
            continue;
        };
        f.stat(N5_59, Text::new(format!("Journalposter i {name}"), format!("Journalposter in {name}")), j.records);
        let severity = if sharp { Severity::Error } else { Severity::Warning };
        if j.records != in_structure {
            f.add(
                N5_59,
                severity,
                Location::file(name).with_detail(format!("{} ≠ {in_structure}", j.records)),
                Text::new(
                    "Antall journalposter i journalen stemmer ikke med arkivstrukturen",
                    "The number of journalposter in the journal does not match arkivstruktur.xml",
                ),
            );
        }
        if j.records != in_structure || j.fingerprint != content.journalpost_fingerprint {
            differences(extract, name, content, severity, f);
        }
        let header = j.header.as_ref();
        if let Some(n) = header.and_then(|h| h.value("antallJournalposter"))
            && n.trim().parse::<u64>().ok() != Some(j.records)
        {
            f.add(
                N5_59,
                Severity::Error,
                Location::file(name).with_detail(format!("antallJournalposter {} ≠ {}", n.trim(), j.records)),
                Text::new(
                    "antallJournalposter i journalhodet stemmer ikke med journalen",
                    "antallJournalposter in the journalhode does not match the journal",
                ),
            );
        }
        // N5.60: the journal's period against the journaldatoer in arkivstruktur.xml.
        let dates = header.map(|h| (h.date("journalStartDato"), h.date("journalSluttDato")));
        if let (Some((Some(Ok(start)), Some(Ok(end)))), Some((first, last))) = (dates, content.journaldato) {
            f.stat(N5_60, Text::new(format!("{name}: periode"), format!("{name}: period")), format!("{start} – {end}"));
            if first < start || last > end {
                f.add(
                    N5_60,
                    Severity::Warning,
                    Location::file(name).with_detail(format!("{first} – {last} ∉ {start} – {end}")),
                    Text::new(
                        "Journaldatoer i arkivstrukturen ligger utenfor journalens periode",
                        "Journaldatoer in arkivstruktur.xml lie outside the journal's period",
                    ),
                );
            }
        }
    }
    if let Some((first, last)) = content.journaldato {
        f.stat(
            N5_60,
            Text::new(
                "Første og siste journaldato i arkivstrukturen",
                "First and last journaldato in arkivstruktur.xml",
            ),
            format!("{first} – {last}"),
        );
    }
}

/// N5.61 and N5.62: the endringslogg's count and references.
pub fn endringslogg(
    extract: &Extract,
    uttrekk: Option<&Arkivuttrekk>,
    content: &Content,
    profile: Profile,
    f: &mut Findings,
) {
    const NAME: &str = "endringslogg.xml";
    if extract.find(NAME).is_none() {
        // As Arkade, a missing endringslogg.xml is an error for a deposit, listed or not.
        let listed = uttrekk.is_some_and(|u| u.file(NAME).is_some());
        let severity = if listed { Severity::Error } else { profile.depot_only() };
        f.add(
            N5_61,
            severity,
            Location::file(NAME),
            Text::new("endringslogg.xml finnes ikke", "endringslogg.xml does not exist"),
        );
        f.add(
            N5_62,
            severity,
            Location::file(NAME),
            Text::new(
                "endringslogg.xml finnes ikke; referansene kan ikke kontrolleres",
                "endringslogg.xml does not exist; its references cannot be checked",
            ),
        );
        return;
    }
    let source = match extract.open_file(NAME) {
        Ok(s) => s,
        Err(e) => {
            for id in [N5_61, N5_62] {
                f.add(
                    id,
                    Severity::Error,
                    Location::of_error(NAME, &e),
                    Text::new("endringslogg.xml kan ikke leses", "endringslogg.xml cannot be read"),
                );
            }
            return;
        }
    };
    let mut reader = UnitReader::new(source, NAME, Split::ENDRINGSLOGG);
    let mut count = 0u64;
    loop {
        match reader.next_event() {
            Ok(Some(Event::Unit(e))) if e.local_name() == "endring" => {
                count += 1;
                // As Arkade, an empty reference points at nothing too.
                let r = e.value("referanseArkivenhet").unwrap_or("").trim();
                if r.is_empty() || !content.has_id(r) {
                    let at = Location::at(NAME, e.pos);
                    f.add(
                        N5_62,
                        Severity::Error,
                        at.with_detail(r.to_string()),
                        Text::new(
                            "referanseArkivenhet peker ikke på noen enhet i arkivstrukturen",
                            "referanseArkivenhet points at nothing in arkivstruktur.xml",
                        ),
                    );
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => {
                f.add(
                    N5_61,
                    Severity::Error,
                    Location::of_error(NAME, &e),
                    Text::new("endringslogg.xml kan ikke leses ferdig", "endringslogg.xml cannot be read to the end"),
                );
                break;
            }
        }
    }
    f.stat(N5_61, Text::new("Totalt", "Total"), count);
    if let Some((n, pos)) = stated(uttrekk, NAME, "endring")
        && n.parse::<u64>().ok() != Some(count)
    {
        f.add(
            N5_61,
            Severity::Error,
            Location::at(UTTREKK, pos).with_detail(format!("oppgitt/stated {n}, funnet/found {count}")),
            Text::new(
                "Antall endringer stemmer ikke med arkivuttrekk.xml",
                "The number of endringer does not match arkivuttrekk.xml",
            ),
        );
    }
}
