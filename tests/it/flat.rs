//! ADDML flat-file extracts, read straight from Arkivverket's own test packages.

use crate::common;
use std::collections::BTreeMap;

use crate::common::arkade;
use samla_legacy::flat::{Description, Records};
use samla_noark5::Extract;

/// Reads every record of every flat file of the package in `tar`; returns, per flat file,
/// the record count per definition, and the first record's fields.
fn read_package(tar: &str) -> BTreeMap<String, (BTreeMap<String, u64>, Vec<String>)> {
    let package = Extract::open_package(&arkade().join("packages").join(tar)).unwrap();
    let description =
        Description::read(package.open_file("administrative_metadata/addml.xml").unwrap(), "addml.xml").unwrap();
    let mut out = BTreeMap::new();
    for file in &description.files {
        let name = format!("content/{}", file.file_name);
        let mut records = Records::new(file, package.open_file(&name).unwrap(), name.clone()).unwrap();
        let mut counts = BTreeMap::new();
        let mut first = None;
        while let Some(r) = records.next_record().unwrap() {
            *counts.entry(file.records[r.definition].name.clone()).or_insert(0) += 1;
            first.get_or_insert(r.fields);
        }
        out.insert(file.name.clone(), (counts, first.unwrap_or_default()));
    }
    out
}

#[test]
fn the_hunting_register_reads_record_by_record_from_its_tar() {
    let files = read_package("jegerregisteret98-small/20b5f34c-4411-47c3-a0f9-0a8bca631603.tar");
    let (counts, first) = &files["jeger"];
    // 44,368 bytes of 186-character records, each ended by CRLF: 236 records.
    assert_eq!(counts["jeger"], 236);
    assert_eq!(&first[..3], ["12345678901", "Johansen", "Johan"]);
}

#[test]
fn the_noark3_extract_reads_every_file_and_both_document_record_types() {
    let files = read_package("Noark3-eksempel-1/c3db9d4e-720c-4f75-bfb6-de90231dc44c.tar");
    // Fixed-length records with no separators: 15,400 / 280, 89,159 / 271, 113,100 / 580.
    assert_eq!(files["Saksregister"].0["Saksregisterpost"], 55);
    assert_eq!(files["Arkivnoekkelregister"].0["Arkivnoekkelregisterpost"], 329);
    // DOK.DAT holds two record types, told apart by the Posttype field (B or N).
    let dok = &files["Dokumentregister"].0;
    assert_eq!((dok["Eksterne_dokumenter"], dok["Interne_dokumenter"]), (185, 10));
    // ISO-8859-1 is decoded: the first case's title.
    let sak = &files["Saksregister"].1;
    assert!(sak.iter().any(|f| f.contains("Møte om arkivfaglige spørsmål")), "{sak:?}");
}

#[test]
fn a_truncated_record_is_named_not_dropped() {
    let package =
        Extract::open_package(&arkade().join("packages/Noark3-eksempel-1/c3db9d4e-720c-4f75-bfb6-de90231dc44c.tar"))
            .unwrap();
    let description =
        Description::read(package.open_file("administrative_metadata/addml.xml").unwrap(), "addml.xml").unwrap();
    let sak = description.files.iter().find(|f| f.name == "Saksregister").unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut package.open_file("content/SAK.DAT").unwrap(), &mut bytes).unwrap();
    bytes.truncate(bytes.len() - 30);
    let mut records = Records::new(sak, &bytes[..], "SAK.DAT").unwrap();
    let mut ok = 0;
    let err = loop {
        match records.next_record() {
            Ok(Some(_)) => ok += 1,
            Ok(None) => panic!("the short last record was not reported"),
            Err(e) => break e.to_string(),
        }
    };
    assert_eq!(ok, 54);
    assert!(err.contains("SAK.DAT") && err.contains("record 55") && err.contains("says 280"), "{err}");
}

/// Runs `samla check --report-json` on a package and returns (exit code, report).
fn check(tar: &str) -> (i32, serde_json::Value) {
    check_path(&arkade().join("packages").join(tar))
}

fn check_path(path: &std::path::Path) -> (i32, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let o = common::samla(&["-q", "check", path.to_str().unwrap(), "--report-json", json.to_str().unwrap()]);
    let code = o.status.code().unwrap();
    assert!(code < 2, "{}", String::from_utf8_lossy(&o.stderr));
    (code, serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap())
}

fn stats(report: &serde_json::Value, id: &str) -> Vec<(String, String)> {
    let c = report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} did not run"));
    c["stats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["label"]["en"].as_str().unwrap().to_string(), s["value"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn check_runs_the_addml_processes_of_a_flat_file_extract() {
    // The hunting register names Control_NumberOfRecords (for its definition, ffd_3) but
    // states no count, and states no checksum: as in Arkade (A.12, AH.01), both are errors.
    let (code, report) = check("jegerregisteret98-small/20b5f34c-4411-47c3-a0f9-0a8bca631603.tar");
    assert_eq!(code, 1);
    let messages = |id: &str| -> Vec<String> {
        let c = report["controls"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap();
        c["findings"].as_array().unwrap().iter().map(|g| g["message"]["en"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(messages("Control_NumberOfRecords"), ["The expected number of records is not stated in addml.xml"]);
    assert_eq!(messages("Control_Checksum"), ["No checksum found in the ADDML file"]);
    assert_eq!(messages("AH.02"), Vec::<String>::new(), "the package holds only the file addml.xml lists");
    assert_eq!(stats(&report, "Analyse_CountRecords"), [("jeger (jeger.dat)".to_string(), "236".to_string())]);
    assert_eq!(report["summary"]["registreringer"], 236);

    // The Noark 3 extract names five processes on every field, under samla's older names
    // (aliases of Arkade's); its frequency list shows the 55 case records' Posttype "S",
    // and Control_BirthNumber (asked for on every field by the ADDML template) runs as
    // Arkade's Control_Birthno and finds the fields that are no fødselsnummer.
    let (code, report) = check("Noark3-eksempel-1/c3db9d4e-720c-4f75-bfb6-de90231dc44c.tar");
    assert_eq!(code, 1);
    assert!(
        stats(&report, "Analyse_FrequenceList")
            .contains(&("Saksregisterpost.Posttype: \"S\"".to_string(), "55".to_string()))
    );
    let counts = stats(&report, "Analyse_CountRecords");
    assert!(counts.contains(&("Dokumentregister (DOK.DAT)".to_string(), "195".to_string())), "{counts:?}");
    let birth = report["controls"].as_array().unwrap().iter().find(|c| c["id"] == "Control_Birthno").unwrap();
    let group = &birth["findings"][0];
    assert_eq!(group["severity"], "error");
    assert!(group["locations"][0]["detail"].as_str().unwrap().contains("post/record 1"), "{group}");
    let extremes = stats(&report, "Analyse_FindExtremeValues");
    assert!(
        extremes.contains(&("Saksregisterpost.Saksnr: lengste/korteste, longest/shortest".into(), "10/10".into())),
        "{extremes:?}"
    );
}

/// The trimmed values of a field in every record of a fixed-format CRLF file, sliced out
/// by its ADDML startPos and fixedLength here, as an oracle.
fn field_values(addml: &str, data: &[u8], field: &str) -> Vec<String> {
    let at = addml.find(&format!("<fieldDefinition name=\"{field}\"")).unwrap();
    let number = |tag: &str| -> usize {
        let from = at + addml[at..].find(&format!("<{tag}>")).unwrap() + tag.len() + 2;
        addml[from..from + addml[from..].find('<').unwrap()].parse().unwrap()
    };
    let (start, len) = (number("startPos") - 1, number("fixedLength"));
    data.split(|&b| b == b'\n')
        .filter(|r| r.len() > 1)
        .map(|r| String::from_utf8_lossy(&r[start..start + len]).trim().to_string())
        .collect()
}

/// Unpacks one of Arkivverket's packages with GNU tar into a temporary folder, to edit;
/// returns the folder, the path of its addml.xml and its text.
fn unpack(tar: &str) -> (tempfile::TempDir, std::path::PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let tar = arkade().join("packages").join(tar);
    let out = std::process::Command::new("tar").arg("-xf").arg(&tar).arg("-C").arg(dir.path()).output().unwrap();
    assert!(out.status.success());
    let addml_path = dir.path().join("administrative_metadata/addml.xml");
    let addml = std::fs::read_to_string(&addml_path).unwrap();
    (dir, addml_path, addml)
}

/// How many locations a control's findings hold, over all its groups.
fn finding_count(report: &serde_json::Value, id: &str) -> u64 {
    let c = report["controls"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap();
    c["findings"].as_array().unwrap().iter().map(|g| g["count"].as_u64().unwrap()).sum()
}

#[test]
fn field_processes_named_in_addml_run_on_every_record_including_older_names() {
    let (dir, addml_path, addml) = unpack("jegerregisteret98-small/20b5f34c-4411-47c3-a0f9-0a8bca631603.tar");
    let fields = r#"<process name="Control_Key"/></processes>
                  <fieldProcesses definitionReference="kort"><processes><process name="Analyse_CountNULL"/></processes></fieldProcesses>
                  <fieldProcesses definitionReference="betalt88"><processes><process name="Analyse_CountNULL"/></processes></fieldProcesses>
                  <fieldProcesses definitionReference="poststed"><processes><process name="Control_MinLength"/><process name="Control_MaxLength"/></processes></fieldProcesses>
                  <fieldProcesses definitionReference="fodselsnummer"><processes><process name="Control_Birthno"/></processes></fieldProcesses>"#;
    let edited = addml.replacen("</processes>", fields, 1);
    // poststed (fixedLength 14) gets a shortest and longest allowed value.
    let poststed = edited.find("<fieldDefinition name=\"poststed\"").unwrap();
    let end = poststed + edited[poststed..].find("</fixedLength>").unwrap() + "</fixedLength>".len();
    let edited = format!("{}<minLength>4</minLength><maxLength>12</maxLength>{}", &edited[..end], &edited[end..]);
    assert_ne!(edited, addml);
    std::fs::write(&addml_path, edited).unwrap();

    let (code, report) = check_path(dir.path());
    let data = std::fs::read(dir.path().join("content/jeger.dat")).unwrap();
    // Blank values (padding only) are null values the type does not list: invalid nulls.
    let blanks = stats(&report, "Analyse_CountNULL");
    for field in ["kort", "betalt88"] {
        let expected = field_values(&addml, &data, field).iter().filter(|v| v.is_empty()).count();
        assert!(expected > 0);
        let want = (format!("jeger.{field}: gyldige/valid + ugyldige/invalid"), format!("{expected} = 0 + {expected}"));
        assert!(blanks.contains(&want), "{field}: {blanks:?}");
    }
    // As Arkade, lengths are of the value as read, padding included: every poststed is 14
    // characters in this fixed-format file, never shorter than 4, always longer than 12.
    let records = field_values(&addml, &data, "poststed").len() as u64;
    assert_eq!(finding_count(&report, "Control_MinLength"), 0);
    assert_eq!(finding_count(&report, "Control_MaxLength"), records);
    // The primary key prim_fnr (fodselsnummer): every repeat of a value is a finding.
    let fnr = field_values(&addml, &data, "fodselsnummer");
    let distinct: std::collections::HashSet<&String> = fnr.iter().collect();
    assert!(distinct.len() < fnr.len());
    assert_eq!(finding_count(&report, "Control_Key"), (fnr.len() - distinct.len()) as u64);
    // The register's made-up numbers (12345678901) are no fødselsnummer: Arkade's
    // Control_Birthno finds them.
    assert_eq!(code, 1);
    let birth = report["controls"].as_array().unwrap().iter().find(|c| c["id"] == "Control_Birthno").unwrap();
    assert_eq!(birth["findings"][0]["severity"], "error", "{birth}");
    assert!(!report["controls"].as_array().unwrap().iter().any(|c| c["id"] == "ADDML.process"));
}

/// The values of `field` in every record of `definition` in the flat file `file`, trimmed.
fn values_by_reader(dir: &std::path::Path, file: &str, definition: &str, field: &str) -> Vec<String> {
    let extract = Extract::open_package(dir).unwrap();
    let description =
        Description::read(extract.open_file("administrative_metadata/addml.xml").unwrap(), "addml.xml").unwrap();
    let flat = description.files.iter().find(|f| f.name == file).unwrap();
    let d = flat.records.iter().position(|r| r.name == definition).unwrap();
    let i = flat.records[d].field_index(field).unwrap();
    let name = format!("content/{}", flat.file_name);
    let mut records = Records::new(flat, extract.open_file(&name).unwrap(), name.clone()).unwrap();
    let mut out = Vec::new();
    while let Some(r) = records.next_record().unwrap() {
        if r.definition == d {
            out.push(r.fields[i].trim().to_string());
        }
    }
    out
}

#[test]
fn foreign_keys_are_followed_into_the_file_they_name() {
    let (dir, addml_path, addml) = unpack("Noark3-eksempel-1/c3db9d4e-720c-4f75-bfb6-de90231dc44c.tar");
    let record = r#"<recordProcesses definitionReference="Saksregisterpost">"#;
    let edited =
        addml.replacen(record, &format!(r#"{record}<processes><process name="Control_ForeignKey"/></processes>"#), 1);
    assert_ne!(edited, addml);
    std::fs::write(&addml_path, edited).unwrap();

    // Untouched, every case's arkivkode (FK1sak, field Arkiv_2_delfelt) is in the arkivnøkkel
    // register but five blank ones: as in Arkade, a blank value is a value, and is not there.
    let blank = values_by_reader(dir.path(), "Saksregister", "Saksregisterpost", "Arkiv_2_delfelt")
        .iter()
        .filter(|c| c.is_empty())
        .count() as u64;
    assert_eq!(blank, 5);
    let (_, report) = check_path(dir.path());
    assert_eq!(finding_count(&report, "Control_ForeignKey"), blank);

    // Renaming, in ARKIV.DAT (271-character records, the arkivkode in the first 16), the
    // arkivkode of the first case leaves the cases filed under it pointing nowhere.
    let first = values_by_reader(dir.path(), "Saksregister", "Saksregisterpost", "Arkiv_2_delfelt")[0].clone();
    let arkiv = dir.path().join("content/ARKIV.DAT");
    let mut bytes = std::fs::read(&arkiv).unwrap();
    let at = (0..bytes.len()).step_by(271).find(|&i| bytes[i..i + 16].trim_ascii() == first.as_bytes()).unwrap();
    bytes[at..at + 16].copy_from_slice(b"ZZZ-NOT-A-CODE  ");
    std::fs::write(&arkiv, bytes).unwrap();
    let codes: std::collections::HashSet<String> =
        values_by_reader(dir.path(), "Arkivnoekkelregister", "Arkivnoekkelregisterpost", "Arkivkode")
            .into_iter()
            .collect();
    let dangling = values_by_reader(dir.path(), "Saksregister", "Saksregisterpost", "Arkiv_2_delfelt")
        .iter()
        .filter(|c| !codes.contains(*c))
        .count() as u64;
    assert!(dangling > blank);
    let (code, report) = check_path(dir.path());
    assert_eq!(code, 1);
    assert_eq!(finding_count(&report, "Control_ForeignKey"), dangling);
}

#[test]
fn dates_are_checked_against_the_field_format_in_addml() {
    let (dir, addml_path, addml) = unpack("Noark3-eksempel-1/c3db9d4e-720c-4f75-bfb6-de90231dc44c.tar");
    // Saksregisterpost.Dato is of type date-1 (dataType date, fieldFormat YYYYMMDD), at
    // characters 15–22 of each 280-character record.
    let field = r#"<fieldProcesses definitionReference="Posttype">"#;
    let edited = addml.replacen(
        field,
        &format!(
            r#"<fieldProcesses definitionReference="Dato"><processes><process name="Control_DataFormat"/></processes></fieldProcesses>{field}"#
        ),
        1,
    );
    assert_ne!(edited, addml);
    std::fs::write(&addml_path, edited).unwrap();
    let (_, report) = check_path(dir.path());
    assert_eq!(finding_count(&report, "Control_DataFormat"), 0, "the example's dates are real");

    let sak = dir.path().join("content/SAK.DAT");
    let mut bytes = std::fs::read(&sak).unwrap();
    bytes[280 + 14..280 + 22].copy_from_slice(b"20230230");
    std::fs::write(&sak, bytes).unwrap();
    let (code, report) = check_path(dir.path());
    assert_eq!(code, 1);
    assert_eq!(finding_count(&report, "Control_DataFormat"), 1);
    let c = report["controls"].as_array().unwrap().iter().find(|c| c["id"] == "Control_DataFormat").unwrap();
    let detail = c["findings"][0]["locations"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("post/record 2") && detail.contains("not an ISO 8601 date (YYYYMMDD)"), "{detail}");
}

#[test]
fn a_checksum_stated_for_a_flat_file_is_checked_against_sha256sum() {
    let (dir, addml_path, addml) = unpack("jegerregisteret98-small/20b5f34c-4411-47c3-a0f9-0a8bca631603.tar");
    let sum = common::sha256sum(&dir.path().join("content/jeger.dat"));
    let with = |algorithm: &str, value: &str| {
        let property = format!(
            r#"<property name="checksum"><properties><property name="algorithm"><value>{algorithm}</value></property><property name="value"><value>{value}</value></property></properties></property></properties>"#
        );
        let edited = addml.replacen("</properties>", &property, 1);
        assert_ne!(edited, addml);
        std::fs::write(&addml_path, edited).unwrap();
        let (code, report) = check_path(dir.path());
        let c = report["controls"].as_array().unwrap().iter().find(|c| c["id"] == "Control_Checksum").cloned();
        (code, c.expect("Control_Checksum did not run"))
    };
    let (_, c) = with("SHA256", &sum.to_uppercase());
    assert_eq!(c["findings"].as_array().unwrap().len(), 0, "{c}");

    let mut wrong = sum.clone().into_bytes();
    wrong[0] = if wrong[0] == b'0' { b'1' } else { b'0' };
    let (code, c) = with("SHA-256", std::str::from_utf8(&wrong).unwrap());
    assert_eq!(code, 1);
    assert_eq!(c["findings"][0]["severity"], "error");
    assert!(c["findings"][0]["locations"][0]["detail"].as_str().unwrap().contains(&sum), "{c}");

    // MD5, which Arkade computes too, against GNU md5sum; an algorithm neither computes is an error.
    let md5 = std::process::Command::new("md5sum").arg(dir.path().join("content/jeger.dat")).output().unwrap();
    let md5 = String::from_utf8(md5.stdout).unwrap().split_whitespace().next().unwrap().to_string();
    let (_, c) = with("MD5", &md5);
    assert_eq!(c["findings"].as_array().unwrap().len(), 0, "{c}");
    let (code, c) = with("CRC32", "d41d8cd9");
    assert_eq!(code, 1);
    assert_eq!(c["findings"][0]["severity"], "error", "{c}");
    assert!(c["findings"][0]["message"]["en"].as_str().unwrap().starts_with("Unknown checksum algorithm"), "{c}");
}

#[test]
fn record_processes_cover_every_field_and_every_record_definition() {
    let (dir, addml_path, addml) = unpack("Noark3-eksempel-1/c3db9d4e-720c-4f75-bfb6-de90231dc44c.tar");
    // A third document record type, marked "Q", that no record of DOK.DAT uses.
    let start = addml.find(r#"<recordDefinition name="Interne_dokumenter">"#).unwrap();
    let end = start + addml[start..].find("</recordDefinition>").unwrap() + "</recordDefinition>".len();
    let unused = addml[start..end]
        .replace(r#"name="Interne_dokumenter""#, r#"name="Ubrukte_dokumenter""#)
        .replace(">N</recordDefinitionFieldValue>", ">Q</recordDefinitionFieldValue>");
    let mut edited = format!("{}{unused}{}", &addml[..end], &addml[end..]);
    // Every field of the internal document records gets a frequency list (Arkade's
    // record-level process), and so does every field of the case records, on top of the
    // field-level lists the example already names for them; DOK.DAT is checked for record
    // definitions no record uses.
    let record = r#"<recordProcesses definitionReference="Saksregisterpost">"#;
    edited = edited.replacen(
        record,
        &format!(
            r#"{record}<processes><process name="Analyse_AllFrequenceList"/><process name="Control_Codes"/></processes><fieldProcesses definitionReference="Finnes_ikke"><processes><process name="Control_NotNull"/></processes></fieldProcesses>"#
        ),
        1,
    );
    edited = edited.replacen(
        "</flatFileProcesses>",
        r#"</flatFileProcesses><flatFileProcesses flatFileReference="Dokumentregister"><processes><process name="Control_NotUsedRecordDef"/></processes><recordProcesses definitionReference="Interne_dokumenter"><processes><process name="Analyse_AllFrequenceList"/></processes></recordProcesses></flatFileProcesses>"#,
        1,
    );
    std::fs::write(&addml_path, edited).unwrap();
    let (_, report) = check_path(dir.path());

    let c = report["controls"].as_array().unwrap().iter().find(|c| c["id"] == "Control_NotUsedRecordDef").unwrap();
    assert_eq!(finding_count(&report, "Control_NotUsedRecordDef"), 1, "{c}");
    assert_eq!(c["findings"][0]["severity"], "error", "as in Arkade: {c}");
    assert_eq!(c["findings"][0]["locations"][0]["detail"], "Ubrukte_dokumenter");
    // Control_Codes works on a field; named on a record it runs on each of its fields
    // (Arkade runs it on none: samla is stricter), and the case records' codes hold.
    assert_eq!(finding_count(&report, "Control_Codes"), 0);
    // A process on a field the record does not have is reported.
    let c = report["controls"].as_array().unwrap().iter().find(|c| c["id"] == "ADDML.process").unwrap();
    assert_eq!(c["findings"][0]["locations"][0]["detail"], "Control_NotNull → Saksregister.Finnes_ikke", "{c}");

    // Analyse_AllFrequenceList lists the fields with a code list: Posttype "S" of the 55
    // case records and "N" of the 10 internal document records; no field without codes
    // (the oracle: the code lists addml.xml gives).
    let all = stats(&report, "Analyse_AllFrequenceList");
    assert!(all.contains(&("Saksregisterpost.Posttype: \"S\"".to_string(), "55".to_string())), "{all:?}");
    assert!(all.contains(&("Interne_dokumenter.Posttype: \"N\"".to_string(), "10".to_string())), "{all:?}");
    let description = Description::read(std::fs::File::open(&addml_path).unwrap(), "addml.xml").unwrap();
    let with_codes: Vec<String> = description
        .files
        .iter()
        .flat_map(|f| &f.records)
        .flat_map(|r| r.fields.iter().filter(|f| !f.codes.is_empty()).map(move |f| format!("{}.{}: ", r.name, f.name)))
        .collect();
    assert!(all.iter().all(|(l, _)| with_codes.iter().any(|w| l.starts_with(w))), "{all:?} against {with_codes:?}");
    // The example's own field-level lists (its older name Analyse_FrequencyList): counted
    // once although the case records' fields are named twice.
    let frequencies = stats(&report, "Analyse_FrequenceList");
    assert!(frequencies.contains(&("Saksregisterpost.Posttype: \"S\"".to_string(), "55".to_string())));
    assert!(!frequencies.iter().any(|(l, _)| l.starts_with("Interne_dokumenter.")));
}

#[test]
fn keys_and_field_types_are_read_from_the_noark3_addml() {
    use samla_legacy::flat::{ForeignKey, Key};
    let package =
        Extract::open_package(&arkade().join("packages/Noark3-eksempel-1/c3db9d4e-720c-4f75-bfb6-de90231dc44c.tar"))
            .unwrap();
    let description =
        Description::read(package.open_file("administrative_metadata/addml.xml").unwrap(), "addml.xml").unwrap();
    let sak = &description.files.iter().find(|f| f.name == "Saksregister").unwrap().records[0];
    assert_eq!(
        sak.keys,
        [
            Key { name: "PKsak".into(), fields: vec!["Saksnr".into()], foreign: None, primary: true },
            Key {
                name: "FK1sak".into(),
                fields: vec!["Arkiv_2_delfelt".into()],
                foreign: Some(ForeignKey {
                    definition: "Arkivnoekkelregister".into(),
                    record: Some("Arkivnoekkelregisterpost".into()),
                    fields: vec!["Arkivkode".into()],
                }),
                primary: false,
            },
        ]
    );
    let dato = sak.fields.iter().find(|f| f.name == "Dato").unwrap();
    assert_eq!((dato.data_type.as_deref(), dato.format.as_deref()), (Some("date"), Some("YYYYMMDD")));
}

#[test]
fn a_record_of_the_wrong_length_is_reported_and_the_rest_still_read() {
    let (dir, _, _) = unpack("jegerregisteret98-small/20b5f34c-4411-47c3-a0f9-0a8bca631603.tar");
    // Record 100 of 236 loses its last character (records are 186 characters + CRLF).
    let dat = dir.path().join("content/jeger.dat");
    let mut bytes = std::fs::read(&dat).unwrap();
    bytes.remove(99 * 188 + 185);
    std::fs::write(&dat, bytes).unwrap();
    let (code, report) = check_path(dir.path());
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["registreringer"], 235);
    let c = report["controls"].as_array().unwrap().iter().find(|c| c["id"] == "AH.03").unwrap();
    assert_eq!(c["findings"].as_array().unwrap().len(), 1, "{c}");
    assert_eq!(
        c["findings"][0]["locations"][0]["detail"], "record 100 is 185 characters, its definition jeger says 186",
        "{c}"
    );
}

/// An addml.xml that describes no flat files is an error finding with a report, exit 1, not a
/// refusal (issue 14).
#[test]
fn an_addml_without_flat_files_is_a_finding() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("addml.xml"),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<addml xmlns=\"http://www.arkivverket.no/standarder/addml\" name=\"tom\">\n  <dataset name=\"tom\"/>\n</addml>\n",
    )
    .unwrap();
    let json = tmp.path().join("report.json");
    let o = common::samla(&["-q", "check", tmp.path().to_str().unwrap(), "--report-json", json.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let report = std::fs::read_to_string(&json).unwrap();
    assert!(report.contains("addml.xml describes no flat files") && report.contains("flatFiles"), "{report}");
}

/// Issue 14: an ADDML description named arkivuttrekk.xml, as older extracts name it, is read;
/// one in the layout from before ADDML 8.2 (ADDMML 7) is named as such, with a report.
#[test]
fn older_descriptions_are_recognised() {
    let (dir, addml_path, _) = unpack("jegerregisteret98-small/20b5f34c-4411-47c3-a0f9-0a8bca631603.tar");
    let renamed = addml_path.with_file_name("arkivuttrekk.xml");
    std::fs::rename(&addml_path, &renamed).unwrap();
    let (_, report) = check_path(dir.path());
    assert_eq!(report["summary"]["registreringer"], 236, "{}", report["summary"]);

    let old = tempfile::tempdir().unwrap();
    std::fs::write(
        old.path().join("addml.xml"),
        "<?xml version=\"1.0\"?>\n<addmml><dataset><reference/></dataset></addmml>\n",
    )
    .unwrap();
    let (code, report) = check_path(old.path());
    assert_eq!(code, 1);
    let files = report["controls"].as_array().unwrap().iter().find(|c| c["id"] == "ADDML.files").unwrap();
    assert_eq!(
        files["findings"][0]["message"]["en"],
        "The ADDML description is in the layout from before ADDML 8.2 (ADDMML 7)",
        "{files}"
    );
}
