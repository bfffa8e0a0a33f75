//! The check of an ADDML flat-file extract (fagsystem, Noark 3): every record of every flat
//! file is read, and the processes the addml.xml names are run, reported under their ADDML
//! names in the same report format as the Noark 5 controls.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::time::Instant;

use samla_legacy::flat::{Description, FlatFile, ForeignKey, Record, Records};
use samla_noark5::{ErrorKind, Extract};

use crate::controls::ControlKind;
use crate::findings::{Findings, Location, Severity, Text};
use crate::{ControlReport, Options, Report, Summary};

/// The ADDML processes samla runs, with their kind and names.
const PROCESSES: &[(&str, ControlKind, &str, &str)] = &[
    (
        "Control_NumberOfRecords",
        ControlKind::Content,
        "Antall poster mot oppgitt antall",
        "Number of records against the stated number",
    ),
    ("Control_Codes", ControlKind::Content, "Verdier mot kodelisten", "Values against the code list"),
    ("Control_BirthNumber", ControlKind::Content, "Fødselsnummer", "Fødselsnummer"),
    ("Control_OrganisationNumber", ControlKind::Content, "Organisasjonsnummer", "Organisasjonsnummer"),
    ("Control_AccountNumber", ControlKind::Content, "Kontonummer", "Kontonummer"),
    ("Control_NotNull", ControlKind::Content, "Felt som ikke kan være tomme", "Fields that may not be empty"),
    ("Control_Uniqueness", ControlKind::Content, "Unike verdier", "Unique values"),
    (
        "Control_Key",
        ControlKind::Content,
        "Primær- og alternative nøkler er unike",
        "Primary and alternate keys are unique",
    ),
    ("Control_ForeignKey", ControlKind::Content, "Fremmednøkler peker på poster", "Foreign keys point at records"),
    ("Control_DataFormat", ControlKind::Content, "Verdier mot felttypen", "Values against the field type"),
    ("Control_Date_Value", ControlKind::Content, "Datoer mot datoformatet", "Dates against the date format"),
    ("Control_Boolean_Value", ControlKind::Content, "Sannhetsverdier mot formatet", "Booleans against their format"),
    ("Control_Checksum", ControlKind::Content, "Sjekksum mot addml.xml", "Checksum against addml.xml"),
    ("Control_NotUsedRecordDef", ControlKind::Content, "Posttyper uten poster", "Record definitions without records"),
    ("Control_MinLength", ControlKind::Content, "Verdier mot minste lengde", "Values against the minimum length"),
    ("Control_MaxLength", ControlKind::Content, "Verdier mot største lengde", "Values against the maximum length"),
    ("Analyse_CountRecords", ControlKind::Analysis, "Antall poster", "Number of records"),
    ("Analyse_FrequencyList", ControlKind::Analysis, "Frekvensliste", "Frequency list"),
    ("Analyse_FindMinMaxValues", ControlKind::Analysis, "Minste og største verdi", "Smallest and largest value"),
    ("Analyse_FindMinMaxLengths", ControlKind::Analysis, "Korteste og lengste verdi", "Shortest and longest value"),
    ("Analyse_CountNULL", ControlKind::Analysis, "Antall tomme verdier", "Number of empty values"),
    ("ADDML.process", ControlKind::Structure, "Prosesser samla ikke kjenner", "Processes samla does not know"),
    ("ADDML.files", ControlKind::Structure, "Flate filer finnes og kan leses", "Flat files exist and can be read"),
];

/// The processes that work on a whole file or record rather than on one field.
const RECORD_PROCESSES: &[&str] = &[
    "Control_NumberOfRecords",
    "Control_Key",
    "Control_ForeignKey",
    "Control_NotUsedRecordDef",
    "Control_Checksum",
    "Analyse_CountRecords",
];

/// Older spellings of process names still found in extracts made by earlier tools.
const ALIASES: &[(&str, &str)] = &[
    ("Control_Birthno", "Control_BirthNumber"),
    ("Control_Organisationno", "Control_OrganisationNumber"),
    ("Control_Accountno", "Control_AccountNumber"),
    ("Analyse_FrequenceList", "Analyse_FrequencyList"),
    ("Analyse_CountRecordDefinitionOccurences", "Analyse_CountRecords"),
    // On a record, a frequency list of every field.
    ("Analyse_AllFrequenceList", "Analyse_FrequencyList"),
];

fn known(name: &str) -> Option<&'static str> {
    let name = ALIASES.iter().find(|a| a.0 == name).map_or(name, |a| a.1);
    PROCESSES.iter().find(|p| p.0 == name).map(|p| p.0)
}

/// Distinct values kept per field for a frequency list: memory stays bounded.
const MAX_DISTINCT: usize = 10_000;

/// What one field process has gathered.
#[derive(Default)]
struct FieldState {
    frequency: HashMap<String, u64>,
    overflow: u64,
    min_len: Option<usize>,
    max_len: Option<usize>,
    min_num: Option<f64>,
    max_num: Option<f64>,
    min_text: Option<String>,
    max_text: Option<String>,
    seen: HashSet<u64>,
    empty: u64,
}

/// Checks the ADDML flat-file extract described by `addml` in `package`.
pub fn check_flat(package: &Extract, addml: &str, options: &Options) -> samla_noark5::Result<Report> {
    let started = Instant::now();
    let mut f = Findings::new(options.max_locations);
    let description = match Description::read(package.open_file(addml)?, &package.display(addml)) {
        Ok(d) => d,
        // An addml.xml that describes no flat files is a finding about the extract, with a report.
        Err(e) if matches!(e.kind, ErrorKind::Content | ErrorKind::Missing | ErrorKind::Xml) => {
            f.add(
                "ADDML.files",
                Severity::Error,
                Location::of_error(addml, &e),
                Text::new("addml.xml beskriver ingen flate filer", "addml.xml describes no flat files"),
            );
            Description::default()
        }
        Err(e) => return Err(e),
    };
    let mut run: Vec<&'static str> = vec!["ADDML.files"];
    // A stated checksum is always checked, whether or not a process names it.
    if description.files.iter().any(|x| x.checksum.is_some()) {
        run.push("Control_Checksum");
    }
    for p in &description.processes {
        match known(&p.name) {
            Some(id) => run.push(id),
            None => {
                run.push("ADDML.process");
                f.add(
                    "ADDML.process",
                    Severity::Warning,
                    Location::file(addml).with_detail(p.name.clone()),
                    Text::new(
                        "addml.xml ber om en prosess samla ikke kjører",
                        "addml.xml asks for a process samla does not run",
                    ),
                );
            }
        }
    }
    for p in &description.processes {
        let resolves = description.files.iter().any(|x| x.name == p.flat_file || x.definition == p.flat_file);
        if !resolves {
            f.add(
                "ADDML.process",
                Severity::Warning,
                Location::file(addml).with_detail(format!("{} → {}", p.name, p.flat_file)),
                Text::new(
                    "Prosessen viser til en flat fil som ikke finnes",
                    "The process refers to a flat file that does not exist",
                ),
            );
        }
    }
    let targets = foreign_targets(package, &description);
    let mut records_total = 0u64;
    for file in &description.files {
        let Some(name) = samla_legacy::flat::data_path(package, file) else {
            f.add(
                "ADDML.files",
                Severity::Error,
                Location::file(file.file_name.clone()),
                Text::new("Den flate filen mangler", "The flat file is missing"),
            );
            continue;
        };
        // The processes for this file: (record definition, field index, process).
        let mut field_processes: Vec<(usize, usize, &'static str)> = Vec::new();
        let mut file_processes: Vec<&'static str> = Vec::new();
        // Processes name the flat file, or (as some producers write) its definition.
        for p in description.processes.iter().filter(|p| p.flat_file == file.name || p.flat_file == file.definition) {
            let Some(id) = known(&p.name) else { continue };
            let record = p.record.as_ref().and_then(|r| file.records.iter().position(|d| &d.name == r));
            match &p.field {
                // A frequency list of every field of the record definition (or of all).
                None if id == "Analyse_FrequencyList" => {
                    for (d, def) in file.records.iter().enumerate().filter(|(d, _)| record.is_none_or(|r| r == *d)) {
                        field_processes.extend((0..def.fields.len()).map(|i| (d, i, "Analyse_FrequencyList")));
                    }
                }
                None if RECORD_PROCESSES.contains(&id) => file_processes.push(id),
                None => {
                    run.push("ADDML.process");
                    f.add(
                        "ADDML.process",
                        Severity::Warning,
                        Location::file(addml).with_detail(format!("{} → {}", p.name, p.flat_file)),
                        Text::new(
                            "Prosessen gjelder felt, men addml.xml nevner den uten felt",
                            "The process works on a field, but addml.xml names it without one",
                        ),
                    )
                }
                Some(field) => {
                    let defs: Vec<usize> = match record {
                        Some(r) => vec![r],
                        None => (0..file.records.len()).collect(),
                    };
                    let before = field_processes.len();
                    for d in defs {
                        if let Some(i) = file.records[d].field_index(field) {
                            field_processes.push((d, i, id));
                        }
                    }
                    if field_processes.len() == before {
                        run.push("ADDML.process");
                        f.add(
                            "ADDML.process",
                            Severity::Warning,
                            Location::file(addml).with_detail(format!("{} → {}.{field}", p.name, p.flat_file)),
                            Text::new(
                                "Prosessen viser til et felt posttypen ikke har",
                                "The process refers to a field its record definition does not have",
                            ),
                        );
                    }
                }
            }
        }
        // A field named both on its own and through its record runs once.
        let mut once = HashSet::new();
        field_processes.retain(|p| once.insert(*p));
        // One state per field process, by its index: no hashing per value.
        let mut states: Vec<FieldState> = field_processes.iter().map(|_| FieldState::default()).collect();
        let mut keys =
            if file_processes.contains(&"Control_Key") { unique_keys(file, &name, &mut f) } else { Vec::new() };
        let foreign = if file_processes.contains(&"Control_ForeignKey") {
            foreign_keys(file, &name, &targets, &mut f)
        } else {
            Vec::new()
        };
        let mut counts = vec![0u64; file.records.len().max(1)];
        let mut records = Records::new(file, package.open_file(&name)?, name.clone())?;
        loop {
            let before = records.records_read();
            let record = match records.next_record() {
                Ok(Some(r)) => r,
                Ok(None) => break,
                // A bad record between separators is reported and the rest still read.
                Err(e) if e.kind == ErrorKind::Content && records.records_read() > before => {
                    f.add(
                        "ADDML.files",
                        Severity::Error,
                        Location::of_error(name.clone(), &e),
                        Text::new("Posten kan ikke leses", "The record cannot be read"),
                    );
                    continue;
                }
                Err(e) => {
                    f.add(
                        "ADDML.files",
                        Severity::Error,
                        Location::of_error(name.clone(), &e),
                        Text::new("Den flate filen kan ikke leses ferdig", "The flat file cannot be read to the end"),
                    );
                    break;
                }
            };
            counts[record.definition] += 1;
            for key in keys.iter_mut().filter(|k| k.definition == record.definition) {
                key.check(&record, &name, &mut f);
            }
            for key in foreign.iter().filter(|k| k.definition == record.definition) {
                key.check(&record, &name, &targets, &mut f);
            }
            for (k, &(def, field, id)) in field_processes.iter().enumerate() {
                if def != record.definition {
                    continue;
                }
                let Some(value) = record.fields.get(field) else { continue };
                let definition = &file.records[record.definition];
                let at = || {
                    Location::file(name.clone()).with_detail(format!(
                        "post/record {}, {}: {:?}",
                        record.number, definition.fields[field].name, value
                    ))
                };
                apply(id, value, &definition.fields[field], &mut states[k], at, &mut f);
            }
        }
        let total: u64 = counts.iter().sum();
        records_total += total;
        for id in &file_processes {
            if *id == "Control_NumberOfRecords" {
                match file.stated_records {
                    Some(stated) if stated != total => f.add(
                        id,
                        Severity::Error,
                        Location::file(name.clone())
                            .with_detail(format!("oppgitt/stated {stated}, funnet/found {total}")),
                        Text::new(
                            "Antall poster stemmer ikke med addml.xml",
                            "The number of records does not match addml.xml",
                        ),
                    ),
                    Some(_) => {}
                    None => f.stat(
                        id,
                        Text::new(
                            format!("{}: ikke oppgitt i addml.xml", file.name),
                            format!("{}: not stated in addml.xml", file.name),
                        ),
                        total,
                    ),
                }
            }
        }
        if file_processes.contains(&"Control_NotUsedRecordDef") {
            for (def, _) in file.records.iter().zip(&counts).filter(|(_, n)| **n == 0) {
                f.add(
                    "Control_NotUsedRecordDef",
                    Severity::Warning,
                    Location::file(name.clone()).with_detail(def.name.clone()),
                    Text::new(
                        "Posttypen er definert, men ingen poster bruker den",
                        "The record definition is defined but no record uses it",
                    ),
                );
            }
        }
        if let Some(stated) = &file.checksum {
            check_checksum(package, &name, stated, &mut f);
        }
        for (def, n) in file.records.iter().zip(&counts) {
            let label = format!("{} ({}) {}", file.name, file.file_name, def.name);
            f.stat("Analyse_CountRecords", Text::new(label.clone(), label), n);
        }
        report_states(file, field_processes.into_iter().zip(states).collect(), &mut f);
    }
    run.sort();
    run.dedup();
    let controls: Vec<ControlReport> = PROCESSES
        .iter()
        .filter(|p| run.contains(&p.0) || p.0 == "Analyse_CountRecords")
        .map(|p| ControlReport {
            id: p.0,
            name: Text::new(p.2, p.3),
            kind: p.1,
            stats: f.stats(p.0).to_vec(),
            findings: f.groups(p.0).to_vec(),
        })
        .collect();
    let count =
        |sev: Severity| controls.iter().flat_map(|c| &c.findings).filter(|g| g.severity == sev).map(|g| g.count).sum();
    let (files, bytes) = package.files().fold((0, 0), |(n, b), (_, s)| (n + 1, b + s));
    let summary = Summary {
        extract: package.location().display().to_string(),
        version: Some(format!("ADDML: {}", description.dataset.as_deref().unwrap_or("flat files"))),
        creators: Vec::new(),
        period: None,
        files,
        bytes,
        mapper: 0,
        registreringer: records_total,
        dokumentobjekter: 0,
        mapper_per_year: Vec::new(),
        registreringer_per_year: Vec::new(),
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        schemas: "-".into(),
        seconds: started.elapsed().as_secs_f64(),
        controls_run: controls.len(),
        profile: options.profile,
    };
    Ok(Report { format: 1, tool: format!("samla {}", env!("CARGO_PKG_VERSION")), summary, controls })
}

fn apply(
    id: &'static str,
    value: &str,
    definition: &samla_legacy::flat::FieldDefinition,
    state: &mut FieldState,
    at: impl Fn() -> Location,
    f: &mut Findings,
) {
    let v = value.trim();
    match id {
        "Control_Codes" if !definition.codes.is_empty() && !definition.codes.iter().any(|c| c == v) => f.add(
            id,
            Severity::Error,
            at(),
            Text::new("Verdien står ikke i kodelisten", "The value is not in the code list"),
        ),
        "Control_BirthNumber" | "Control_OrganisationNumber" | "Control_AccountNumber" if !v.is_empty() => {
            let (checked, what) = match id {
                "Control_BirthNumber" => {
                    (samla_ids::check_person(v, samla_ids::Rules::default()).map(|_| ()), "fødselsnummer")
                }
                "Control_OrganisationNumber" => (samla_ids::check_orgnr(v), "organisasjonsnummer"),
                _ => (samla_ids::check_kontonummer(v), "kontonummer"),
            };
            if let Err(e) = checked {
                f.add(
                    id,
                    Severity::Error,
                    with_reason(at(), &e),
                    Text::new(format!("Ugyldig {what}"), format!("Invalid {what}")),
                );
            }
        }
        "Control_MinLength" if definition.min_length.is_some_and(|m| v.chars().count() < m) => f.add(
            id,
            Severity::Error,
            at(),
            Text::new(
                format!("Verdien er kortere enn minLength {}", definition.min_length.unwrap_or(0)),
                format!("The value is shorter than minLength {}", definition.min_length.unwrap_or(0)),
            ),
        ),
        "Control_MaxLength" if definition.max_length.is_some_and(|m| v.chars().count() > m) => f.add(
            id,
            Severity::Error,
            at(),
            Text::new(
                format!("Verdien er lengre enn maxLength {}", definition.max_length.unwrap_or(0)),
                format!("The value is longer than maxLength {}", definition.max_length.unwrap_or(0)),
            ),
        ),
        "Control_DataFormat" | "Control_Date_Value" | "Control_Boolean_Value" if !v.is_empty() => {
            let data_type = definition.data_type.as_deref().unwrap_or("string").to_ascii_lowercase();
            let applies = match id {
                "Control_Date_Value" => data_type == "date",
                "Control_Boolean_Value" => data_type == "boolean",
                _ => true,
            };
            if let (true, Err(reason)) = (applies, data_format(&data_type, definition.format.as_deref(), v)) {
                f.add(
                    id,
                    Severity::Error,
                    with_reason(at(), &reason),
                    Text::new(
                        "Verdien passer ikke med felttypen i addml.xml",
                        "The value does not fit the field type in addml.xml",
                    ),
                );
            }
        }
        "Control_NotNull" if v.is_empty() => {
            f.add(id, Severity::Error, at(), Text::new("Feltet er tomt", "The field is empty"))
        }
        "Control_Uniqueness" if !v.is_empty() => {
            let mut h = DefaultHasher::new();
            v.hash(&mut h);
            if !state.seen.insert(h.finish()) {
                f.add(id, Severity::Error, at(), Text::new("Verdien finnes fra før", "The value occurs before"));
            }
        }
        "Analyse_FrequencyList" => {
            if let Some(n) = state.frequency.get_mut(v) {
                *n += 1;
            } else if state.frequency.len() < MAX_DISTINCT {
                state.frequency.insert(v.to_string(), 1);
            } else {
                state.overflow += 1;
            }
        }
        "Analyse_CountNULL" if v.is_empty() => state.empty += 1,
        "Analyse_FindMinMaxLengths" => {
            let len = v.chars().count();
            state.min_len = Some(state.min_len.map_or(len, |m| m.min(len)));
            state.max_len = Some(state.max_len.map_or(len, |m| m.max(len)));
        }
        "Analyse_FindMinMaxValues" if !v.is_empty() => match v.replace(',', ".").parse::<f64>() {
            Ok(x) => {
                state.min_num = Some(state.min_num.map_or(x, |m| m.min(x)));
                state.max_num = Some(state.max_num.map_or(x, |m| m.max(x)));
            }
            Err(_) => {
                if state.min_text.as_deref().is_none_or(|m| v < m) {
                    state.min_text = Some(v.to_string());
                }
                if state.max_text.as_deref().is_none_or(|m| v > m) {
                    state.max_text = Some(v.to_string());
                }
            }
        },
        _ => {}
    }
}

/// A primary or alternate key of a record definition, with the hashes of the values seen:
/// eight bytes per record, so memory stays small against the file.
struct UniqueKey {
    definition: usize,
    name: String,
    fields: Vec<usize>,
    seen: HashSet<u64>,
}

impl UniqueKey {
    fn check(&mut self, record: &Record, file: &str, f: &mut Findings) {
        let (hash, values) = key_hash(record, &self.fields);
        if !self.seen.insert(hash) {
            f.add(
                "Control_Key",
                Severity::Error,
                Location::file(file.to_string()).with_detail(format!(
                    "post/record {}, {}: {:?}",
                    record.number,
                    self.name,
                    values.join(" ")
                )),
                Text::new("Nøkkelverdien finnes fra før", "The key value occurs before"),
            );
        }
    }
}

/// The primary and alternate keys of the file's record definitions; a key naming a field
/// its definition does not have is reported, not skipped silently.
fn unique_keys(file: &FlatFile, name: &str, f: &mut Findings) -> Vec<UniqueKey> {
    let mut out = Vec::new();
    for (d, def) in file.records.iter().enumerate() {
        for key in def.keys.iter().filter(|k| k.foreign.is_none()) {
            match def.field_indices(&key.fields) {
                Some(fields) => {
                    out.push(UniqueKey { definition: d, name: key.name.clone(), fields, seen: HashSet::new() })
                }
                _ => f.add(
                    "Control_Key",
                    Severity::Warning,
                    Location::file(name.to_string()).with_detail(format!("{}: {}", def.name, key.name)),
                    Text::new(
                        "Nøkkelen viser til felt posttypen ikke har",
                        "The key names fields its record definition does not have",
                    ),
                ),
            }
        }
    }
    out
}

/// Compares the checksum addml.xml states for a flat file with the file's own.
fn check_checksum(package: &Extract, name: &str, stated: &samla_noark5::addml::Checksum, f: &mut Findings) {
    let id = "Control_Checksum";
    let algorithm = stated.algorithm.as_deref().unwrap_or("");
    let at = || Location::file(name.to_string());
    match crate::documents::digest_of(package, name, algorithm) {
        None => f.add(
            id,
            Severity::Warning,
            at().with_detail(format!("{algorithm:?}")),
            Text::new(
                "addml.xml oppgir en sjekksumalgoritme samla ikke beregner (SHA-224/256/384/512)",
                "addml.xml states a checksum algorithm samla does not compute (SHA-224/256/384/512)",
            ),
        ),
        Some(Err(e)) => f.add(
            id,
            Severity::Error,
            Location::of_error(name.to_string(), &e),
            Text::new("Filen kan ikke leses", "The file cannot be read"),
        ),
        Some(Ok((actual, _))) => {
            let expected = stated.value.as_deref().unwrap_or("").trim();
            if !actual.eq_ignore_ascii_case(expected) {
                f.add(
                    id,
                    Severity::Error,
                    at().with_detail(format!("oppgitt/stated {expected}, beregnet/computed {actual}")),
                    Text::new("Sjekksummen stemmer ikke med addml.xml", "The checksum does not match addml.xml"),
                );
            }
        }
    }
}

/// Hashes the trimmed values of `fields` of a record, the same way on both sides of a key.
fn key_hash<'r>(record: &'r Record, fields: &[usize]) -> (u64, Vec<&'r str>) {
    let values: Vec<&str> = fields.iter().map(|&i| record.fields.get(i).map_or("", |v| v.trim())).collect();
    let mut h = DefaultHasher::new();
    values.hash(&mut h);
    (h.finish(), values)
}

/// The key values found in the record definitions foreign keys point at; `None` where the
/// target does not resolve to a flat file, record definition and fields.
type Targets = HashMap<ForeignKey, Option<HashSet<u64>>>;

/// Reads, before the main pass, the flat files that foreign keys point into, for the files
/// whose processes name Control_ForeignKey. Only hashes are kept. A file that cannot be
/// read to the end keeps what was read; the main pass reports the error.
fn foreign_targets(package: &Extract, description: &Description) -> Targets {
    let mut targets: Targets = HashMap::new();
    for file in &description.files {
        let asks = description.processes.iter().any(|p| {
            (p.flat_file == file.name || p.flat_file == file.definition)
                && p.field.is_none()
                && known(&p.name) == Some("Control_ForeignKey")
        });
        if asks {
            for key in file.records.iter().flat_map(|r| &r.keys).filter_map(|k| k.foreign.clone()) {
                targets.insert(key, None);
            }
        }
    }
    let wanted: Vec<ForeignKey> = targets.keys().cloned().collect();
    for target in wanted {
        let Some(file) = description.files.iter().find(|f| f.definition == target.definition) else { continue };
        let defs: Vec<(usize, Vec<usize>)> = file
            .records
            .iter()
            .enumerate()
            .filter(|(_, r)| target.record.as_ref().is_none_or(|n| n == &r.name))
            .filter_map(|(d, r)| r.field_indices(&target.fields).map(|f| (d, f)))
            .collect();
        if defs.is_empty() {
            continue;
        }
        let Some(path) = samla_legacy::flat::data_path(package, file) else { continue };
        let Ok(reader) = package.open_file(&path) else { continue };
        let Ok(mut records) = Records::new(file, reader, path) else { continue };
        let mut seen = HashSet::new();
        while let Ok(Some(record)) = records.next_record() {
            if let Some((_, fields)) = defs.iter().find(|(d, _)| *d == record.definition) {
                seen.insert(key_hash(&record, fields).0);
            }
        }
        targets.insert(target, Some(seen));
    }
    targets
}

/// A foreign key of a record definition, resolved to field positions.
struct ForeignCheck {
    definition: usize,
    name: String,
    fields: Vec<usize>,
    target: ForeignKey,
}

impl ForeignCheck {
    fn check(&self, record: &Record, file: &str, targets: &Targets, f: &mut Findings) {
        let Some(Some(seen)) = targets.get(&self.target) else { return };
        let (hash, values) = key_hash(record, &self.fields);
        // An empty foreign key points nowhere, which is allowed.
        if values.iter().all(|v| v.is_empty()) || seen.contains(&hash) {
            return;
        }
        f.add(
            "Control_ForeignKey",
            Severity::Error,
            Location::file(file.to_string()).with_detail(format!(
                "post/record {}, {}: {:?} → {}",
                record.number,
                self.name,
                values.join(" "),
                self.target.definition
            )),
            Text::new("Fremmednøkkelen peker ikke på noen post", "The foreign key points at no record"),
        );
    }
}

/// The foreign keys of the file's record definitions; a key that does not resolve, on
/// either side, is reported rather than skipped silently.
fn foreign_keys(file: &FlatFile, name: &str, targets: &Targets, f: &mut Findings) -> Vec<ForeignCheck> {
    let mut out = Vec::new();
    for (d, def) in file.records.iter().enumerate() {
        for key in &def.keys {
            let Some(target) = &key.foreign else { continue };
            match def.field_indices(&key.fields) {
                Some(fields) if matches!(targets.get(target), Some(Some(_))) => {
                    out.push(ForeignCheck { definition: d, name: key.name.clone(), fields, target: target.clone() })
                }
                _ => f.add(
                    "Control_ForeignKey",
                    Severity::Warning,
                    Location::file(name.to_string())
                        .with_detail(format!("{}: {} → {}", def.name, key.name, target.definition)),
                    Text::new(
                        "Fremmednøkkelen kan ikke følges til en flat fil, posttype og felt",
                        "The foreign key cannot be followed to a flat file, record definition and fields",
                    ),
                ),
            }
        }
    }
    out
}

/// Whether a value is of its field type's dataType and fieldFormat; the error says why not.
fn data_format(data_type: &str, format: Option<&str>, v: &str) -> Result<(), String> {
    match data_type {
        "integer" => v.parse::<i64>().map(|_| ()).map_err(|_| "not an integer".to_string()),
        "float" => v.replace(',', ".").parse::<f64>().map(|_| ()).map_err(|_| "not a number".to_string()),
        "date" => date_in_format(v, format.unwrap_or("YYYYMMDD")),
        "boolean" => match format.and_then(|f| f.split_once('/')) {
            Some((yes, no)) if v == yes.trim() || v == no.trim() => Ok(()),
            Some((yes, no)) => Err(format!("neither {} nor {}", yes.trim(), no.trim())),
            None if ["true", "false"].contains(&v) => Ok(()),
            None => Err("neither true nor false".to_string()),
        },
        _ => Ok(()),
    }
}

/// Whether `v` is a real date written in `format` (YYYY, YY, MM, DD and literal characters).
fn date_in_format(v: &str, format: &str) -> Result<(), String> {
    let wrong = || format!("not a date in the form {format}");
    let (f, b) = (format.to_ascii_lowercase().into_bytes(), v.as_bytes());
    if b.len() != f.len() {
        return Err(wrong());
    }
    let (mut year, mut month, mut day) = (2000, None, None);
    let mut i = 0;
    while i < f.len() {
        let run = f[i..].iter().take_while(|&&c| c == f[i]).count();
        let part = &b[i..i + run];
        if matches!(f[i], b'y' | b'm' | b'd') {
            if !part.iter().all(u8::is_ascii_digit) {
                return Err(wrong());
            }
            let n = part.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
            match f[i] {
                b'y' => year = n as i32,
                b'm' => month = Some(n),
                _ => day = Some(n),
            }
        } else if !part.eq_ignore_ascii_case(&f[i..i + run]) {
            return Err(wrong());
        }
        i += run;
    }
    if let Some(m) = month
        && !(1..=12).contains(&m)
    {
        return Err(format!("month {m} does not exist"));
    }
    if let Some(d) = day
        && (d == 0 || d > samla_noark5::model::days_in_month(year, month.unwrap_or(1)))
    {
        return Err(format!("day {d} does not exist in that month"));
    }
    Ok(())
}

/// The location with the reason a value is invalid added to its detail.
fn with_reason(at: Location, e: &impl std::fmt::Display) -> Location {
    let detail = match &at.detail {
        Some(d) => format!("{d} ({e})"),
        None => e.to_string(),
    };
    at.with_detail(detail)
}

fn report_states(
    file: &samla_legacy::flat::FlatFile,
    states: BTreeMap<(usize, usize, &'static str), FieldState>,
    f: &mut Findings,
) {
    for ((def, field, id), s) in states {
        let label = format!("{}.{}", file.records[def].name, file.records[def].fields[field].name);
        match id {
            "Analyse_FrequencyList" => {
                let mut values: Vec<(&String, &u64)> = s.frequency.iter().collect();
                values.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
                for (v, n) in values.into_iter().take(20) {
                    let l = format!("{label}: {v:?}");
                    f.stat(id, Text::new(l.clone(), l), n);
                }
                if s.overflow > 0 {
                    let l = format!(
                        "{label}: (flere enn {MAX_DISTINCT} ulike verdier / more than {MAX_DISTINCT} distinct values)"
                    );
                    f.stat(id, Text::new(l.clone(), l), s.overflow);
                }
            }
            "Analyse_FindMinMaxLengths" => {
                if let (Some(a), Some(b)) = (s.min_len, s.max_len) {
                    f.stat(id, Text::new(label.clone(), label), format!("{a} – {b}"));
                }
            }
            "Analyse_CountNULL" => f.stat(id, Text::new(label.clone(), label), s.empty),
            "Analyse_FindMinMaxValues" => {
                if let (Some(a), Some(b)) = (s.min_num, s.max_num) {
                    f.stat(id, Text::new(label.clone(), label.clone()), format!("{a} – {b}"));
                } else if let (Some(a), Some(b)) = (&s.min_text, &s.max_text) {
                    f.stat(id, Text::new(label.clone(), label), format!("{a:?} – {b:?}"));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{data_format, known};

    #[test]
    fn older_process_names_run_under_their_current_names() {
        assert_eq!(known("Control_Birthno"), Some("Control_BirthNumber"));
        assert_eq!(known("Analyse_FrequenceList"), Some("Analyse_FrequencyList"));
        assert_eq!(known("Control_Codes"), Some("Control_Codes"));
        assert_eq!(known("Control_Whatever"), None);
    }

    #[test]
    fn values_are_checked_against_their_field_type() {
        assert!(data_format("date", Some("YYYYMMDD"), "20240229").is_ok());
        assert!(data_format("date", Some("YYYYMMDD"), "20230229").unwrap_err().contains("day 29"));
        assert!(data_format("date", Some("YYYYMMDD"), "20231301").unwrap_err().contains("month 13"));
        assert!(data_format("date", Some("ddmmyyyy"), "3101199").is_err());
        assert!(data_format("date", Some("dd.mm.yyyy"), "31.01.1999").is_ok());
        assert!(data_format("date", Some("dd.mm.yyyy"), "31-01-1999").is_err());
        assert!(data_format("date", Some("ddmmyy"), "290200").is_ok());
        assert!(data_format("integer", None, "12a").is_err());
        assert!(data_format("integer", None, "-12").is_ok());
        assert!(data_format("float", None, "3,5").is_ok());
        assert!(data_format("boolean", Some("J/N"), "N").is_ok());
        assert_eq!(data_format("boolean", Some("J/N"), "X").unwrap_err(), "neither J nor N");
        assert!(data_format("string", None, "anything").is_ok());
    }
}
