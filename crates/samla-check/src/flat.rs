//! The check of an ADDML flat-file extract (fagsystem, Noark 3): every record of every flat
//! file is read, and the processes the addml.xml names are run, reported under their ADDML
//! names in the same report format as the Noark 5 controls.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::time::Instant;

use samla_legacy::flat::{Description, FlatFile, ForeignKey, Record, Records};
use samla_noark5::{ErrorKind, Extract};

use crate::controls::{Control, ControlKind};
use crate::findings::{Location, Severity, Text};
use crate::{ControlReport, Options, Report, Summary};

/// Findings by process.
type Findings = crate::findings::Findings<Process>;

mod datatype;

/// The ADDML processes samla runs, under Arkade 5's names and in its order (A.01 … A.36,
/// then the ones Arkade always runs, AH.01 … AH.03), and samla's own: a variant is the name
/// as the report writes it, `.` written `_` (`AH_02` is `AH.02`).
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Process {
    Analyse_CountRecords,
    Analyse_CountChars,
    Analyse_FindExtremeRecords,
    Analyse_CountRecordDefinitionOccurrences,
    Analyse_AllFrequenceList,
    Analyse_CountNULL,
    Analyse_FindExtremeValues,
    Analyse_FindMinMaxValue,
    Analyse_FrequenceList,
    Control_AllFixedLength,
    Control_NumberOfRecords,
    Control_FixedLength,
    Control_NotUsedRecordDef,
    Control_Key,
    Control_ForeignKey,
    Control_MinLength,
    Control_MaxLength,
    Control_DataFormat,
    Control_NotNull,
    Control_Uniqueness,
    Control_Codes,
    Control_Birthno,
    Control_Organisationno,
    Control_Accountno,
    Control_Date_Value,
    Control_Boolean_Value,
    Control_Checksum,
    AH_02,
    AH_03,
    ADDML_process,
    ADDML_files,
}

use Process::*;

impl Process {
    /// Every process, in report order: the order of the variants.
    const ALL: [Process; 31] = [
        Analyse_CountRecords,
        Analyse_CountChars,
        Analyse_FindExtremeRecords,
        Analyse_CountRecordDefinitionOccurrences,
        Analyse_AllFrequenceList,
        Analyse_CountNULL,
        Analyse_FindExtremeValues,
        Analyse_FindMinMaxValue,
        Analyse_FrequenceList,
        Control_AllFixedLength,
        Control_NumberOfRecords,
        Control_FixedLength,
        Control_NotUsedRecordDef,
        Control_Key,
        Control_ForeignKey,
        Control_MinLength,
        Control_MaxLength,
        Control_DataFormat,
        Control_NotNull,
        Control_Uniqueness,
        Control_Codes,
        Control_Birthno,
        Control_Organisationno,
        Control_Accountno,
        Control_Date_Value,
        Control_Boolean_Value,
        Control_Checksum,
        AH_02,
        AH_03,
        ADDML_process,
        ADDML_files,
    ];

    /// The name as the report writes it.
    fn id(self) -> &'static str {
        PROCESSES[self as usize].id
    }

    /// The process's row, one arm per process: its name, Norwegian and English names, kind.
    const fn row(self) -> Control {
        use ControlKind::{Analysis, Content, Structure};
        const fn c(id: &'static str, nb: &'static str, en: &'static str, kind: ControlKind) -> Control {
            Control { id, nb, en, kind }
        }
        match self {
            Analyse_CountRecords => c("Analyse_CountRecords", "Antall poster", "Number of records", Analysis),
            Analyse_CountChars => c("Analyse_CountChars", "Antall tegn", "Number of characters", Analysis),
            Analyse_FindExtremeRecords => {
                c("Analyse_FindExtremeRecords", "Lengste og korteste post", "Longest and shortest record", Analysis)
            }
            Analyse_CountRecordDefinitionOccurrences => c(
                "Analyse_CountRecordDefinitionOccurrences",
                "Antall poster per posttype",
                "Number of records per record definition",
                Analysis,
            ),
            Analyse_AllFrequenceList => c(
                "Analyse_AllFrequenceList",
                "Frekvensliste for felt med kodeliste",
                "Frequency list of fields with a code list",
                Analysis,
            ),
            Analyse_CountNULL => c("Analyse_CountNULL", "Antall nullverdier", "Number of null values", Analysis),
            Analyse_FindExtremeValues => {
                c("Analyse_FindExtremeValues", "Lengste og korteste verdi", "Longest and shortest value", Analysis)
            }
            Analyse_FindMinMaxValue => {
                c("Analyse_FindMinMaxValue", "Laveste og høyeste verdi", "Lowest and highest value", Analysis)
            }
            Analyse_FrequenceList => c("Analyse_FrequenceList", "Frekvensliste", "Frequency list", Analysis),
            Control_AllFixedLength => {
                c("Control_AllFixedLength", "Postlengde (alle poster)", "Record length (every record)", Content)
            }
            Control_NumberOfRecords => c(
                "Control_NumberOfRecords",
                "Antall poster mot oppgitt antall",
                "Number of records against the stated number",
                Content,
            ),
            Control_FixedLength => c("Control_FixedLength", "Postlengde", "Record length", Content),
            Control_NotUsedRecordDef => {
                c("Control_NotUsedRecordDef", "Posttyper uten poster", "Record definitions without records", Content)
            }
            Control_Key => c("Control_Key", "Primærnøkler er unike", "Primary keys are unique", Content),
            Control_ForeignKey => {
                c("Control_ForeignKey", "Fremmednøkler peker på poster", "Foreign keys point at records", Content)
            }
            Control_MinLength => {
                c("Control_MinLength", "Verdier mot minste lengde", "Values against the minimum length", Content)
            }
            Control_MaxLength => {
                c("Control_MaxLength", "Verdier mot største lengde", "Values against the maximum length", Content)
            }
            Control_DataFormat => {
                c("Control_DataFormat", "Verdier mot felttypen", "Values against the field type", Content)
            }
            Control_NotNull => {
                c("Control_NotNull", "Felt som ikke kan være tomme", "Fields that may not be empty", Content)
            }
            Control_Uniqueness => c("Control_Uniqueness", "Unike verdier", "Unique values", Content),
            Control_Codes => c("Control_Codes", "Verdier mot kodelisten", "Values against the code list", Content),
            Control_Birthno => c("Control_Birthno", "Fødselsnummer", "Fødselsnummer", Content),
            Control_Organisationno => {
                c("Control_Organisationno", "Organisasjonsnummer", "Organisasjonsnummer", Content)
            }
            Control_Accountno => c("Control_Accountno", "Kontonummer", "Kontonummer", Content),
            Control_Date_Value => {
                c("Control_Date_Value", "Datoer mot datoformatet", "Dates against the date format", Content)
            }
            Control_Boolean_Value => {
                c("Control_Boolean_Value", "Sannhetsverdier mot formatet", "Booleans against their format", Content)
            }
            Control_Checksum => c("Control_Checksum", "Sjekksum mot addml.xml", "Checksum against addml.xml", Content),
            AH_02 => c(
                "AH.02",
                "Filer i arkivet mot filene i addml.xml",
                "Files in the archive against the files in addml.xml",
                Content,
            ),
            AH_03 => {
                c("AH.03", "ADDML-post med feil antall felt", "ADDML record with incorrect number of fields", Structure)
            }
            ADDML_process => {
                c("ADDML.process", "Prosesser samla ikke kjenner", "Processes samla does not know", Structure)
            }
            ADDML_files => {
                c("ADDML.files", "Flate filer finnes og kan leses", "Flat files exist and can be read", Structure)
            }
        }
    }
}

/// The processes' rows, in report order: row `i` is `Process::ALL[i]`'s.
const PROCESSES: [Control; Process::ALL.len()] = {
    let mut rows = [Process::ALL[0].row(); Process::ALL.len()];
    let mut i = 0;
    while i < rows.len() {
        assert!(Process::ALL[i] as usize == i, "Process::ALL lists every variant once, in their order");
        rows[i] = Process::ALL[i].row();
        i += 1;
    }
    rows
};

/// What always runs: Arkade's hardcoded processes, the record count, and samla's own.
const ALWAYS: [Process; 5] = [Analyse_CountRecords, Control_Checksum, AH_02, AH_03, ADDML_files];

/// The processes that work on whole records or files; the others work on one field's values.
const RECORD_PROCESSES: &[Process] = &[
    Analyse_CountRecords,
    Analyse_CountChars,
    Analyse_FindExtremeRecords,
    Analyse_CountRecordDefinitionOccurrences,
    Control_AllFixedLength,
    Control_NumberOfRecords,
    Control_FixedLength,
    Control_NotUsedRecordDef,
    Control_Key,
    Control_ForeignKey,
    Control_Checksum,
];

/// samla's earlier names, and misspellings found in extracts, for Arkade's processes.
const ALIASES: &[(&str, Process)] = &[
    ("Control_BirthNumber", Control_Birthno),
    ("Control_OrganisationNumber", Control_Organisationno),
    ("Control_AccountNumber", Control_Accountno),
    ("Analyse_FrequencyList", Analyse_FrequenceList),
    ("Analyse_FindMinMaxValues", Analyse_FindMinMaxValue),
    ("Analyse_FindMinMaxLengths", Analyse_FindExtremeValues),
    ("Analyse_CountRecordDefinitionOccurences", Analyse_CountRecordDefinitionOccurrences),
];

/// The process addml.xml names `name`, if samla runs it.
fn known(name: &str) -> Option<Process> {
    if let Some(&(_, process)) = ALIASES.iter().find(|a| a.0 == name) {
        return Some(process);
    }
    // Only processes have names with an underscore; AH.02, AH.03 and samla's own are not named.
    Process::ALL.into_iter().find(|p| p.id() == name && name.contains('_'))
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
    min_num: Option<i128>,
    max_num: Option<i128>,
    seen: HashSet<u64>,
    valid_null: u64,
    invalid_null: u64,
}

/// Files Arkade's AH.02 does not expect addml.xml to list, at the top of the content.
const NOT_LISTED: [&str; 3] = ["addml.xml", "addml.xsd", "NOARKIH.XML"];

/// Checks the ADDML flat-file extract described by `addml` in `package`.
pub fn check_flat(package: &Extract, addml: &str, options: &Options) -> samla_noark5::Result<Report> {
    let started = Instant::now();
    let mut f = Findings::new(options.max_locations);
    let description = match Description::read(package.open_file(addml)?, &package.display(addml)) {
        Ok(d) => d,
        // An addml.xml that describes no flat files is a finding about the extract, with a report.
        Err(e) if matches!(e.kind, ErrorKind::Content | ErrorKind::Missing | ErrorKind::Xml) => {
            f.add(
                ADDML_files,
                Severity::Error,
                Location::of_error(addml, &e),
                if e.message.contains("ADDMML") {
                    Text::new(
                        "ADDML-beskrivelsen er i formen fra før ADDML 8.2 (ADDMML 7)",
                        "The ADDML description is in the layout from before ADDML 8.2 (ADDMML 7)",
                    )
                } else {
                    Text::new("addml.xml beskriver ingen flate filer", "addml.xml describes no flat files")
                },
            );
            Description::default()
        }
        Err(e) => return Err(e),
    };
    let mut run: Vec<Process> = ALWAYS.to_vec();
    for p in &description.processes {
        match known(&p.name) {
            Some(id) => run.push(id),
            None => {
                run.push(ADDML_process);
                f.add(
                    ADDML_process,
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
                ADDML_process,
                Severity::Warning,
                Location::file(addml).with_detail(format!("{} → {}", p.name, p.flat_file)),
                Text::new(
                    "Prosessen viser til en flat fil som ikke finnes",
                    "The process refers to a flat file that does not exist",
                ),
            );
        }
    }
    let paths: Vec<Option<String>> =
        description.files.iter().map(|file| samla_legacy::flat::data_path(package, file)).collect();
    extra_or_missing_files(package, addml, &description, &paths, &mut f);
    let targets = foreign_targets(package, &description);
    let mut records_total = 0u64;
    for (file, name) in description.files.iter().zip(&paths) {
        let Some(name) = name.clone() else { continue };
        let (field_processes, file_processes) = bindings(file, &description, addml, &mut run, &mut f);
        check_checksum(package, &name, file.checksum.as_ref(), &mut f);
        // One state per field process, by its index: no hashing per value.
        let mut states: Vec<FieldState> = field_processes.iter().map(|_| FieldState::default()).collect();
        let mut keys =
            if file_processes.contains(&Control_Key) { unique_keys(file, &name, &mut f) } else { Vec::new() };
        let foreign = if file_processes.contains(&Control_ForeignKey) {
            foreign_keys(file, &name, &targets, &mut f)
        } else {
            Vec::new()
        };
        let separator = match &file.format {
            samla_legacy::flat::Format::Delimited { field_separator, .. } => field_separator.chars().count(),
            samla_legacy::flat::Format::Fixed { .. } => 0,
        };
        let mut counts = vec![0u64; file.records.len().max(1)];
        let mut extremes: Vec<Option<(usize, usize)>> = vec![None; counts.len()];
        let mut chars = 0u64;
        let mut records = Records::new(file, package.open_file(&name)?, name.clone())?.as_arkade();
        loop {
            let before = records.records_read();
            let record = match records.next_record() {
                Ok(Some(r)) => r,
                Ok(None) => break,
                // As Arkade's AH.03: a record of the wrong shape is reported, left out of
                // every process, and the rest still read.
                Err(e) if e.kind == ErrorKind::Content && records.records_read() > before => {
                    f.add(
                        AH_03,
                        Severity::Error,
                        Location::of_error(name.clone(), &e),
                        Text::new(
                            "Posten har feil antall felt eller feil lengde",
                            "The record has the wrong number of fields or the wrong length",
                        ),
                    );
                    continue;
                }
                Err(e) => {
                    f.add(
                        ADDML_files,
                        Severity::Error,
                        Location::of_error(name.clone(), &e),
                        Text::new("Den flate filen kan ikke leses ferdig", "The flat file cannot be read to the end"),
                    );
                    break;
                }
            };
            let definition = &file.records[record.definition];
            if record.number <= definition.header_level {
                continue;
            }
            counts[record.definition] += 1;
            let lengths: usize = record.fields.iter().map(|v| v.chars().count()).sum();
            chars += lengths as u64;
            let length = lengths + separator * record.fields.len().saturating_sub(1);
            let e = &mut extremes[record.definition];
            *e = Some(e.map_or((length, length), |(lo, hi)| (lo.min(length), hi.max(length))));
            if let Some(stated) = definition.length.filter(|l| *l != length) {
                for id in
                    [Control_AllFixedLength, Control_FixedLength].into_iter().filter(|id| file_processes.contains(id))
                {
                    f.add(
                        id,
                        Severity::Error,
                        Location::file(name.clone()).with_detail(format!(
                            "post/record {}, {}: oppgitt/stated {stated}, faktisk/actual {length}",
                            record.number, definition.name
                        )),
                        Text::new(
                            "Oppgitt postlengde er ulik faktisk",
                            "The record length differs from the stated one",
                        ),
                    );
                }
            }
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
        let label = |what: &str| format!("{} ({}){what}", file.name, file.file_name);
        f.stat(Analyse_CountRecords, Text::new(label(""), label("")), total);
        if file_processes.contains(&Control_NumberOfRecords) {
            number_of_records(file, &name, total, &mut f);
        }
        for (d, def) in file.records.iter().enumerate() {
            let one = label(&format!(" {}", def.name));
            if file_processes.contains(&Analyse_CountRecordDefinitionOccurrences) {
                f.stat(Analyse_CountRecordDefinitionOccurrences, Text::new(one.clone(), one.clone()), counts[d]);
            }
            if let (true, Some((lo, hi))) = (file_processes.contains(&Analyse_FindExtremeRecords), extremes[d]) {
                let l = format!("{one}: lengste/korteste, longest/shortest");
                f.stat(Analyse_FindExtremeRecords, Text::new(l.clone(), l), format!("{hi}/{lo}"));
            }
            if file_processes.contains(&Control_NotUsedRecordDef) && counts[d] == 0 {
                f.add(
                    Control_NotUsedRecordDef,
                    Severity::Error,
                    Location::file(name.clone()).with_detail(def.name.clone()),
                    Text::new("Posttypen er ikke i bruk", "The record type is not in use"),
                );
            }
            // As Arkade: without a primary key, every record after the first repeats the empty key.
            if file_processes.contains(&Control_Key) && counts[d] > 1 && !def.keys.iter().any(|k| k.primary) {
                f.add(
                    Control_Key,
                    Severity::Error,
                    Location::file(name.clone()).with_detail(def.name.clone()),
                    Text::new(
                        "Control_Key er oppgitt, men posttypen har ingen primærnøkkel",
                        "Control_Key is named, but the record definition has no primary key",
                    ),
                );
            }
        }
        if file_processes.contains(&Analyse_CountChars) {
            f.stat(Analyse_CountChars, Text::new(label(""), label("")), chars);
        }
        report_states(file, field_processes.into_iter().zip(states).collect(), &mut f);
    }
    run.sort();
    run.dedup();
    let controls: Vec<ControlReport> = Process::ALL
        .into_iter()
        .filter(|p| run.contains(p))
        .map(|p| {
            let row = &PROCESSES[p as usize];
            ControlReport {
                id: row.id,
                name: Text::new(row.nb, row.en),
                kind: row.kind,
                stats: f.stats(p).to_vec(),
                findings: f.groups(p).to_vec(),
            }
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

/// Which processes run on `file`: (record definition, field, process) for the processes that
/// work on values, and the processes that work on records or the whole file. As in Arkade,
/// a field process named for the file runs on every field; samla also runs one named for a
/// record definition on each of its fields (Arkade runs it on none), and runs a record
/// process on every record definition of the file: never laxer.
#[allow(clippy::type_complexity)]
fn bindings(
    file: &FlatFile,
    description: &Description,
    addml: &str,
    run: &mut Vec<Process>,
    f: &mut Findings,
) -> (Vec<(usize, usize, Process)>, Vec<Process>) {
    let mut field_processes: Vec<(usize, usize, Process)> = Vec::new();
    let mut file_processes: Vec<Process> = Vec::new();
    // Processes name the flat file, or (as some producers write) its definition.
    for p in description.processes.iter().filter(|p| p.flat_file == file.name || p.flat_file == file.definition) {
        let Some(id) = known(&p.name) else { continue };
        if RECORD_PROCESSES.contains(&id) {
            file_processes.push(id);
            continue;
        }
        let record = p.record.as_ref().and_then(|r| file.records.iter().position(|d| &d.name == r));
        let defs: Vec<usize> = match record {
            Some(r) => vec![r],
            None => (0..file.records.len()).collect(),
        };
        let before = field_processes.len();
        for d in defs {
            let fields = &file.records[d].fields;
            let chosen: Vec<usize> = match &p.field {
                Some(field) => file.records[d].field_index(field).into_iter().collect(),
                None => (0..fields.len()).collect(),
            };
            // A.05: a frequency list of the fields that have a code list.
            let with_codes = |i: &usize| id != Analyse_AllFrequenceList || !fields[*i].codes.is_empty();
            field_processes.extend(chosen.into_iter().filter(with_codes).map(|i| (d, i, id)));
        }
        if let (Some(field), true) = (&p.field, field_processes.len() == before) {
            run.push(ADDML_process);
            f.add(
                ADDML_process,
                Severity::Warning,
                Location::file(addml).with_detail(format!("{} → {}.{field}", p.name, p.flat_file)),
                Text::new(
                    "Prosessen viser til et felt posttypen ikke har",
                    "The process refers to a field its record definition does not have",
                ),
            );
        }
    }
    // A field named both on its own and through its record runs once.
    let mut once = HashSet::new();
    field_processes.retain(|p| once.insert(*p));
    (field_processes, file_processes)
}

/// Arkade's AH.02: every file under the content folder is listed in addml.xml (but
/// addml.xml, addml.xsd and NOARKIH.XML at its top), and every listed file is there. The
/// content folder is the one holding the flat files found, else addml.xml's.
fn extra_or_missing_files(
    package: &Extract,
    addml: &str,
    description: &Description,
    paths: &[Option<String>],
    f: &mut Findings,
) {
    for (file, path) in description.files.iter().zip(paths) {
        if path.is_none() {
            f.add(
                AH_02,
                Severity::Error,
                Location::file(file.file_name.clone()),
                Text::new("Finnes i ADDML, men ikke i arkiv", "Present in ADDML but missing from the archive"),
            );
        }
    }
    let folder = |p: &str| p.rsplit_once('/').map_or(String::new(), |(d, _)| format!("{d}/"));
    let root = paths.iter().flatten().next().map_or_else(|| folder(addml), |p| folder(p));
    let listed: HashSet<&str> = paths.iter().flatten().map(String::as_str).collect();
    for (name, _) in package.files() {
        let Some(inside) = name.strip_prefix(root.as_str()) else { continue };
        if listed.contains(name) || NOT_LISTED.contains(&inside) {
            continue;
        }
        f.add(
            AH_02,
            Severity::Error,
            Location::file(name.to_string()),
            Text::new("Finnes i arkiv, men ikke i ADDML", "Present in the archive but missing from ADDML"),
        );
    }
}

/// A.12: the records read (headers and records of the wrong shape left out) against
/// `numberOfOccurrences` or `numberOfRecords`. As Arkade: a count not stated is an error.
fn number_of_records(file: &FlatFile, name: &str, total: u64, f: &mut Findings) {
    let id = Control_NumberOfRecords;
    match file.stated_records {
        Some(stated) if stated != total => f.add(
            id,
            Severity::Error,
            Location::file(name.to_string()).with_detail(format!("oppgitt/stated {stated}, funnet/found {total}")),
            Text::new("Antall poster stemmer ikke med addml.xml", "The number of records does not match addml.xml"),
        ),
        Some(_) => {}
        None => f.add(
            id,
            Severity::Error,
            Location::file(name.to_string()).with_detail(format!("funnet/found {total}")),
            Text::new(
                "Forventet antall poster er ikke oppgitt i addml.xml",
                "The expected number of records is not stated in addml.xml",
            ),
        ),
    }
}

/// Runs field process `id` on one value, as read (padding and white space kept, as Arkade).
fn apply(
    id: Process,
    v: &str,
    definition: &samla_legacy::flat::FieldDefinition,
    state: &mut FieldState,
    at: impl Fn() -> Location,
    f: &mut Findings,
) {
    let invalid = |f: &mut Findings, reason: String, nb: &str, en: &str| {
        f.add(id, Severity::Error, with_reason(at(), &reason), Text::new(nb, en))
    };
    match id {
        // An empty value of a field that may be empty is not checked against the list.
        Control_Codes
            if !definition.codes.is_empty()
                && (definition.not_null || !v.is_empty())
                && !definition.codes.iter().any(|c| c == v) =>
        {
            f.add(id, Severity::Error, at(), Text::new("Ikke i kodelisten", "Used code not present in the code list"))
        }
        // As Arkade, an empty value is not a valid number.
        Control_Birthno | Control_Organisationno | Control_Accountno => {
            let (checked, what) = match id {
                Control_Birthno => (datatype::birth_number(v), "fødselsnummer"),
                Control_Organisationno => (datatype::organisation_number(v), "organisasjonsnummer"),
                _ => (datatype::account_number(v), "kontonummer"),
            };
            if let Err(e) = checked {
                invalid(f, e, &format!("Ugyldig {what}"), &format!("Invalid {what}"));
            }
        }
        Control_MinLength if definition.min_length.is_some_and(|m| v.chars().count() < m) => f.add(
            id,
            Severity::Error,
            at(),
            Text::new(
                format!("Verdien er kortere enn minstelengden {}", definition.min_length.unwrap_or(0)),
                format!("The value is shorter than the minimum length {}", definition.min_length.unwrap_or(0)),
            ),
        ),
        Control_MaxLength if definition.max_length.is_some_and(|m| v.chars().count() > m) => f.add(
            id,
            Severity::Error,
            at(),
            Text::new(
                format!("Verdien er lengre enn maksimumslengden {}", definition.max_length.unwrap_or(0)),
                format!("The value is longer than the maximum length {}", definition.max_length.unwrap_or(0)),
            ),
        ),
        // A.19 leaves empty values alone; A.35 and A.36 check them against notNull.
        Control_DataFormat | Control_Date_Value | Control_Boolean_Value => {
            let data_type = definition.data_type.as_deref().unwrap_or("string").to_ascii_lowercase();
            let applies = match id {
                Control_Date_Value => data_type == "date",
                Control_Boolean_Value => data_type == "boolean",
                _ => !v.is_empty(),
            };
            if let (true, Err(reason)) = (applies, datatype::check(definition, v)) {
                invalid(f, reason, "Ugyldig dataformat", "Invalid data format");
            }
        }
        Control_NotNull
            if definition.not_null && v.trim().is_empty() && !definition.null_values.iter().any(|n| n == v) =>
        {
            f.add(id, Severity::Error, at(), Text::new("NULL-verdier finnes", "NULL values exist"))
        }
        Control_Uniqueness => {
            let mut h = DefaultHasher::new();
            v.hash(&mut h);
            if !state.seen.insert(h.finish()) {
                f.add(id, Severity::Error, at(), Text::new("Verdien er ikke unik", "The value is not unique"));
            }
        }
        Analyse_FrequenceList | Analyse_AllFrequenceList => {
            if let Some(n) = state.frequency.get_mut(v) {
                *n += 1;
            } else if state.frequency.len() < MAX_DISTINCT {
                state.frequency.insert(v.to_string(), 1);
            } else {
                state.overflow += 1;
            }
        }
        Analyse_CountNULL if definition.null_values.iter().any(|n| n == v) => state.valid_null += 1,
        Analyse_CountNULL if v.trim().is_empty() => state.invalid_null += 1,
        Analyse_FindExtremeValues => {
            let len = v.chars().count();
            state.min_len = Some(state.min_len.map_or(len, |m| m.min(len)));
            state.max_len = Some(state.max_len.map_or(len, |m| m.max(len)));
        }
        // As Arkade: whole numbers only; other values are left out.
        Analyse_FindMinMaxValue => {
            if let Ok(x) = v.trim().parse::<i128>() {
                state.min_num = Some(state.min_num.map_or(x, |m| m.min(x)));
                state.max_num = Some(state.max_num.map_or(x, |m| m.max(x)));
            }
        }
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
                Control_Key,
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

/// The primary and alternate keys of the file's record definitions (Arkade checks the
/// primary key only); a key naming a field its definition does not have is reported, not
/// skipped silently.
fn unique_keys(file: &FlatFile, name: &str, f: &mut Findings) -> Vec<UniqueKey> {
    let mut out = Vec::new();
    for (d, def) in file.records.iter().enumerate() {
        for key in def.keys.iter().filter(|k| k.foreign.is_none()) {
            match def.field_indices(&key.fields) {
                Some(fields) => {
                    out.push(UniqueKey { definition: d, name: key.name.clone(), fields, seen: HashSet::new() })
                }
                _ => f.add(
                    Control_Key,
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

/// AH.01: the checksum addml.xml states for a flat file against the file's own. As in
/// Arkade, a checksum not stated and an algorithm samla does not compute are errors.
fn check_checksum(package: &Extract, name: &str, stated: Option<&samla_noark5::addml::Checksum>, f: &mut Findings) {
    let id = Control_Checksum;
    let at = || Location::file(name.to_string());
    let (Some(algorithm), Some(expected)) = (
        stated.and_then(|c| c.algorithm.as_deref()).filter(|a| !a.trim().is_empty()),
        stated.and_then(|c| c.value.as_deref()).map(str::trim).filter(|v| !v.is_empty()),
    ) else {
        f.add(
            id,
            Severity::Error,
            at(),
            Text::new("Ingen sjekksum funnet i ADDML-filen", "No checksum found in the ADDML file"),
        );
        return;
    };
    match crate::documents::digest_of(package, name, algorithm) {
        None => f.add(
            id,
            Severity::Error,
            at().with_detail(format!("{algorithm:?}")),
            Text::new(
                "Ukjent sjekksumalgoritme: som Arkade kjenner samla MD5, SHA1, SHA256, SHA384 og SHA512 (med eller uten bindestrek)",
                "Unknown checksum algorithm: as Arkade, samla knows MD5, SHA1, SHA256, SHA384 and SHA512 (with or without a hyphen)",
            ),
        ),
        Some(Err(e)) => f.add(
            id,
            Severity::Error,
            Location::of_error(name.to_string(), &e),
            Text::new("Filen kan ikke leses", "The file cannot be read"),
        ),
        Some(Ok((actual, _))) if !actual.eq_ignore_ascii_case(expected) => f.add(
            id,
            Severity::Error,
            at().with_detail(format!("oppgitt/stated {expected}, beregnet/computed {actual}")),
            Text::new("Sjekksummen stemmer ikke med addml.xml", "The checksum does not match addml.xml"),
        ),
        Some(Ok(_)) => {}
    }
}

/// Hashes the values of `fields` of a record as read (as Arkade compares them), the same
/// way on both sides of a key.
fn key_hash<'r>(record: &'r Record, fields: &[usize]) -> (u64, Vec<&'r str>) {
    let values: Vec<&str> = fields.iter().map(|&i| record.fields.get(i).map_or("", String::as_str)).collect();
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
                && known(&p.name) == Some(Control_ForeignKey)
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
            // As Arkade: a foreign key points at the whole primary key, in its order.
            .filter(|(_, r)| r.keys.iter().any(|k| k.primary && k.fields == target.fields))
            .filter_map(|(d, r)| r.field_indices(&target.fields).map(|f| (d, f)))
            .collect();
        if defs.is_empty() {
            continue;
        }
        let Some(path) = samla_legacy::flat::data_path(package, file) else { continue };
        let Ok(reader) = package.open_file(&path) else { continue };
        let Ok(records) = Records::new(file, reader, path) else { continue };
        let mut records = records.as_arkade();
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
        // As Arkade: an empty value is a value, and must be found too.
        if seen.contains(&hash) {
            return;
        }
        f.add(
            Control_ForeignKey,
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
                    Control_ForeignKey,
                    Severity::Error,
                    Location::file(name.to_string())
                        .with_detail(format!("{}: {} → {}", def.name, key.name, target.definition)),
                    Text::new(
                        "Fremmednøkkelen kan ikke følges til primærnøkkelen i en flat fil og posttype",
                        "The foreign key cannot be followed to the primary key of a flat file's record definition",
                    ),
                ),
            }
        }
    }
    out
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
    states: BTreeMap<(usize, usize, Process), FieldState>,
    f: &mut Findings,
) {
    for ((def, field, id), s) in states {
        let label = format!("{}.{}", file.records[def].name, file.records[def].fields[field].name);
        match id {
            Analyse_FrequenceList | Analyse_AllFrequenceList => {
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
            Analyse_FindExtremeValues => {
                if let (Some(a), Some(b)) = (s.min_len, s.max_len) {
                    let l = format!("{label}: lengste/korteste, longest/shortest");
                    f.stat(id, Text::new(l.clone(), l), format!("{b}/{a}"));
                }
            }
            Analyse_CountNULL if s.valid_null + s.invalid_null > 0 => {
                let l = format!("{label}: gyldige/valid + ugyldige/invalid");
                let n = s.valid_null + s.invalid_null;
                f.stat(id, Text::new(l.clone(), l), format!("{n} = {} + {}", s.valid_null, s.invalid_null));
            }
            Analyse_FindMinMaxValue => {
                if let (Some(a), Some(b)) = (s.min_num, s.max_num) {
                    let l = format!("{label}: laveste/høyeste, lowest/highest");
                    f.stat(id, Text::new(l.clone(), l), format!("{a}/{b}"));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Process::{self, *};
    use super::{PROCESSES, known};

    #[test]
    fn arkade_names_run_and_samlas_older_names_are_aliases() {
        assert_eq!(known("Control_BirthNumber"), Some(Control_Birthno));
        assert_eq!(known("Analyse_FrequencyList"), Some(Analyse_FrequenceList));
        assert_eq!(known("Analyse_CountRecordDefinitionOccurrences"), Some(Analyse_CountRecordDefinitionOccurrences));
        assert_eq!(known("Analyse_CountRecordDefinitionOccurences"), Some(Analyse_CountRecordDefinitionOccurrences));
        assert_eq!(known("Control_Codes"), Some(Control_Codes));
        assert_eq!(known("AH.02"), None);
        assert_eq!(known("Control_Whatever"), None);
    }

    /// A row's name is its variant's, with `.` for the `_` of AH.xx and ADDML.xx.
    #[test]
    fn every_row_is_its_variants() {
        for (i, p) in Process::ALL.into_iter().enumerate() {
            let name = format!("{p:?}");
            let written =
                if name.starts_with("AH_") || name.starts_with("ADDML_") { name.replacen('_', ".", 1) } else { name };
            assert_eq!(p.id(), written);
            assert_eq!(PROCESSES[i].id, written);
        }
    }
}
