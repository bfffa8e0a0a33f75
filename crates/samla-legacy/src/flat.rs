//! ADDML flat-file extracts: the fagsystem and Noark 3 extracts made for the depot.
//!
//! [`Description::read`] reads the `addml.xml` (ADDML 8.2 and 8.3): the flat files, their
//! definitions (records and fields), and their types (charset, fixed or delimited format,
//! separators, quoting). [`Records`] then streams one file's records as decoded fields,
//! picking each record's definition by the record identifier field where there is one.

use std::io::{BufRead, BufReader, Read};

use samla_noark5::{Element, Error, ErrorKind, Extract, Result};

/// A field of a record definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDefinition {
    /// Field name.
    pub name: String,
    /// Its field type (`typeReference`).
    pub field_type: Option<String>,
    /// The field type's dataType (`string`, `integer`, `float`, `date`, `boolean`, …).
    pub data_type: Option<String>,
    /// The field type's fieldFormat (`YYYYMMDD`, `J/N`, …).
    pub format: Option<String>,
    /// 1-based start position (fixed format).
    pub start: Option<usize>,
    /// Length in characters (fixed format).
    pub length: Option<usize>,
    /// The shortest and longest value allowed, in characters, where the definition says.
    pub min_length: Option<usize>,
    /// See `min_length`.
    pub max_length: Option<usize>,
    /// The allowed values, where the definition lists codes.
    pub codes: Vec<String>,
    /// `<notNull/>`: the field may not be empty.
    pub not_null: bool,
    /// The field type's `nullValues`: values that stand for "no value".
    pub null_values: Vec<String>,
}

impl FieldDefinition {
    /// Whether `v` stands for no value and may: one of the null values, or empty where the
    /// field is not `notNull` (Arkade's `DataType.IsValid` base rule).
    pub fn is_allowed_null(&self, v: &str) -> bool {
        self.null_values.iter().any(|n| n == v) || (!self.not_null && v.is_empty())
    }
}

/// A record definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordDefinition {
    /// Record name.
    pub name: String,
    /// The value of the identifier field that marks records of this definition.
    pub identifier_value: Option<String>,
    /// Record length (fixed format).
    pub length: Option<usize>,
    /// Its fields, in order.
    pub fields: Vec<FieldDefinition>,
    /// Its keys.
    pub keys: Vec<Key>,
    /// `headerLevel`: how many records at the start of the file are headers, not data.
    pub header_level: u64,
}

impl RecordDefinition {
    /// The position of the field called `name`.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// The positions of the fields called `names`, in order; `None` if the list is empty
    /// or any of them is not a field of this definition.
    pub fn field_indices(&self, names: &[String]) -> Option<Vec<usize>> {
        let found: Option<Vec<usize>> = names.iter().map(|n| self.field_index(n)).collect();
        found.filter(|f| !f.is_empty())
    }
}

/// A key of a record definition: a primary or alternate key (unique), or a foreign key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// Key name.
    pub name: String,
    /// The names of its fields, in order.
    pub fields: Vec<String>,
    /// Where a foreign key points; `None` for a primary or alternate key.
    pub foreign: Option<ForeignKey>,
    /// Whether it is the primary key (`<primaryKey/>`).
    pub primary: bool,
}

/// The target of a foreign key: fields of a record definition in another flat file definition.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ForeignKey {
    /// The flatFileDefinition pointed into.
    pub definition: String,
    /// The record definition pointed into, where named.
    pub record: Option<String>,
    /// The fields pointed at, in the order of the key's own fields.
    pub fields: Vec<String>,
}

/// How a flat file is laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// Fixed-length records, with or without a record separator.
    Fixed {
        /// Record separator, if any (e.g. `\r\n`).
        record_separator: Option<String>,
    },
    /// Delimited records.
    Delimited {
        /// Record separator.
        record_separator: String,
        /// Field separator.
        field_separator: String,
        /// Quoting character, if any.
        quote: Option<char>,
    },
}

/// One flat file with everything needed to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlatFile {
    /// The flat file's name in the ADDML.
    pub name: String,
    /// The name of its flatFileDefinition (processes sometimes name the file by it).
    pub definition: String,
    /// Its file name.
    pub file_name: String,
    /// Its charset as written (e.g. `ISO-8859-1`).
    pub charset: String,
    /// Its format.
    pub format: Format,
    /// Name of the field whose value picks the record definition, if any.
    pub identifier_field: Option<String>,
    /// Its record definitions.
    pub records: Vec<RecordDefinition>,
    /// The number of records the ADDML states (`numberOfOccurrences`, else
    /// `numberOfRecords`), if it does.
    pub stated_records: Option<u64>,
    /// The checksum its properties state, if any.
    pub checksum: Option<samla_noark5::addml::Checksum>,
}

/// A process the ADDML asks for (Control_Codes, Analyse_FrequencyList, …) and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    /// The process name as written.
    pub name: String,
    /// The flat file it applies to (as referenced).
    pub flat_file: String,
    /// The record definition, for record and field processes.
    pub record: Option<String>,
    /// The field, for field processes.
    pub field: Option<String>,
}

/// What an addml.xml describes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Description {
    /// The dataset's name.
    pub dataset: Option<String>,
    /// The flat files.
    pub files: Vec<FlatFile>,
    /// The processes it names, in order.
    pub processes: Vec<Process>,
}

fn process_names(e: &Element) -> impl Iterator<Item = String> + '_ {
    e.child("processes")
        .into_iter()
        .flat_map(|p| p.children_named("process"))
        .filter_map(|p| p.attr("name").map(str::to_string))
}

fn prop_value(e: &Element, name: &str) -> Option<String> {
    e.child("properties")?
        .children_named("property")
        .find(|p| p.attr("name") == Some(name))
        .and_then(|p| p.value("value"))
        .map(|v| v.trim().to_string())
}

fn number(e: &Element, name: &str) -> Option<usize> {
    e.value(name).and_then(|v| v.trim().parse().ok())
}

/// Turns ADDML's names for separators (`CRLF`, `LF`, `;`, `TAB`) into the characters.
fn separator(text: &str) -> String {
    match text.trim() {
        "CRLF" | "crlf" => "\r\n".into(),
        "LF" | "lf" => "\n".into(),
        "CR" | "cr" => "\r".into(),
        "TAB" | "tab" => "\t".into(),
        other => other.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t"),
    }
}

impl Description {
    /// Reads an addml.xml.
    pub fn read(source: impl Read, file: &str) -> Result<Description> {
        let doc = samla_noark5::xml::XmlReader::new(source, file).read_document()?;
        if doc.local_name() == "addmml" {
            return Err(Error::new(
                ErrorKind::Content,
                file,
                "this is an ADDMML description (ADDML 7), the layout before ADDML 8.2, which samla does not read",
            )
            .with_hint("describe the flat files in ADDML 8.2 or 8.3, the versions Arkivverket accepts"));
        }
        let missing = |what: &str| {
            Error::new(ErrorKind::Content, file, format!("{what} is missing"))
                .with_hint("this addml.xml does not describe flat files as ADDML 8.2/8.3 does")
        };
        let dataset = doc.child("dataset").ok_or_else(|| missing("<dataset>"))?;
        let flat = dataset.child("flatFiles").ok_or_else(|| missing("<flatFiles>"))?;
        let definitions: Vec<&Element> = flat
            .child("flatFileDefinitions")
            .map(|d| d.children_named("flatFileDefinition").collect())
            .unwrap_or_default();
        let types: Vec<&Element> = flat
            .child("structureTypes")
            .and_then(|s| s.child("flatFileTypes"))
            .map(|t| t.children_named("flatFileType").collect())
            .unwrap_or_default();
        let field_types: Vec<&Element> = flat
            .child("structureTypes")
            .and_then(|s| s.child("fieldTypes"))
            .map(|t| t.children_named("fieldType").collect())
            .unwrap_or_default();
        let field_type = |name: Option<&str>, value: &str| {
            field_types
                .iter()
                .find(|t| t.attr("name") == name)
                .and_then(|t| t.value(value))
                .map(|v| v.trim().to_string())
        };
        let mut out =
            Description { dataset: dataset.attr("name").map(str::to_string), files: Vec::new(), processes: Vec::new() };
        for fp in flat.children_named("flatFileProcesses") {
            let flat_file = fp.attr("flatFileReference").unwrap_or("").to_string();
            let at = |record: Option<&str>, field: Option<&str>, name: String| Process {
                name,
                flat_file: flat_file.clone(),
                record: record.map(str::to_string),
                field: field.map(str::to_string),
            };
            out.processes.extend(process_names(fp).map(|n| at(None, None, n)));
            for rp in fp.children_named("recordProcesses") {
                let record = rp.attr("definitionReference");
                out.processes.extend(process_names(rp).map(|n| at(record, None, n)));
                for fld in rp.children_named("fieldProcesses") {
                    let field = fld.attr("definitionReference");
                    out.processes.extend(process_names(fld).map(|n| at(record, field, n)));
                }
            }
        }
        for f in flat.children_named("flatFile") {
            let name = f.attr("name").unwrap_or("").to_string();
            let def_name = f.attr("definitionReference").unwrap_or("");
            let def = definitions.iter().find(|d| d.attr("name") == Some(def_name)).ok_or_else(|| {
                Error::new(
                    ErrorKind::Content,
                    file,
                    format!("flatFile {name:?} names the definition {def_name:?}, which is not there"),
                )
                .at(f.pos)
            })?;
            let type_name = def.attr("typeReference").unwrap_or("");
            let ty = types.iter().find(|t| t.attr("name") == Some(type_name)).ok_or_else(|| {
                Error::new(
                    ErrorKind::Content,
                    file,
                    format!("flatFileDefinition {def_name:?} names the type {type_name:?}, which is not there"),
                )
                .at(def.pos)
            })?;
            let format = if let Some(d) = ty.child("delimFileFormat") {
                Format::Delimited {
                    record_separator: separator(d.value("recordSeparator").unwrap_or("CRLF")),
                    field_separator: separator(d.value("fieldSeparatingChar").unwrap_or(";")),
                    quote: d.value("quotingChar").and_then(|q| q.trim().chars().next()),
                }
            } else {
                Format::Fixed {
                    record_separator: ty
                        .child("fixedFileFormat")
                        .and_then(|f| f.value("recordSeparator"))
                        .map(separator),
                }
            };
            let records = def
                .child("recordDefinitions")
                .into_iter()
                .flat_map(|r| r.children_named("recordDefinition"))
                .map(|r| RecordDefinition {
                    name: r.attr("name").unwrap_or("").to_string(),
                    identifier_value: r.value("recordDefinitionFieldValue").map(|v| v.trim().to_string()),
                    length: number(r, "fixedLength"),
                    header_level: r.value("headerLevel").and_then(|v| v.trim().parse().ok()).unwrap_or(0),
                    fields: r
                        .child("fieldDefinitions")
                        .into_iter()
                        .flat_map(|fd| fd.children_named("fieldDefinition"))
                        .map(|fd| FieldDefinition {
                            name: fd.attr("name").unwrap_or("").to_string(),
                            field_type: fd.attr("typeReference").map(str::to_string),
                            data_type: field_type(fd.attr("typeReference"), "dataType"),
                            format: field_type(fd.attr("typeReference"), "fieldFormat"),
                            start: number(fd, "startPos"),
                            // As Arkade: a field without fixedLength spans startPos to endPos.
                            length: number(fd, "fixedLength").or_else(|| {
                                let (s, e) = (number(fd, "startPos")?, number(fd, "endPos")?);
                                e.checked_sub(s).map(|d| d + 1)
                            }),
                            min_length: number(fd, "minLength"),
                            max_length: number(fd, "maxLength"),
                            codes: fd
                                .child("codes")
                                .into_iter()
                                .flat_map(|c| c.children_named("code"))
                                .filter_map(|c| c.attr("codeValue").map(str::to_string))
                                .collect(),
                            not_null: fd.child("notNull").is_some(),
                            null_values: field_types
                                .iter()
                                .find(|t| t.attr("name") == fd.attr("typeReference"))
                                .and_then(|t| t.child("nullValues"))
                                .into_iter()
                                .flat_map(|n| n.children_named("nullValue"))
                                .map(|n| n.text.clone())
                                .collect(),
                        })
                        .collect(),
                    keys: r
                        .child("keys")
                        .into_iter()
                        .flat_map(|k| k.children_named("key"))
                        .map(|k| Key {
                            name: k.attr("name").unwrap_or("").to_string(),
                            fields: k
                                .child("fieldDefinitionReferences")
                                .into_iter()
                                .flat_map(|f| f.children_named("fieldDefinitionReference"))
                                .filter_map(|f| f.attr("name").map(str::to_string))
                                .collect(),
                            primary: k.child("primaryKey").is_some(),
                            foreign: k.child("foreignKey").and_then(|f| f.child("flatFileDefinitionReference")).map(
                                |d| {
                                    let record = d
                                        .child("recordDefinitionReferences")
                                        .and_then(|r| r.child("recordDefinitionReference"));
                                    ForeignKey {
                                        definition: d.attr("name").unwrap_or("").to_string(),
                                        record: record.and_then(|r| r.attr("name")).map(str::to_string),
                                        fields: record
                                            .and_then(|r| r.child("fieldDefinitionReferences"))
                                            .into_iter()
                                            .flat_map(|f| f.children_named("fieldDefinitionReference"))
                                            .filter_map(|f| f.attr("name").map(str::to_string))
                                            .collect(),
                                    }
                                },
                            ),
                        })
                        .collect(),
                })
                .collect();
            out.files.push(FlatFile {
                file_name: prop_value(f, "fileName").unwrap_or_else(|| name.clone()),
                name,
                definition: def_name.to_string(),
                charset: ty.value("charset").unwrap_or("UTF-8").trim().to_string(),
                format,
                identifier_field: def.value("recordDefinitionFieldIdentifier").map(|v| v.trim().to_string()),
                records,
                stated_records: prop_value(f, "numberOfOccurrences")
                    .or_else(|| prop_value(f, "numberOfRecords"))
                    .and_then(|v| v.parse().ok()),
                checksum: samla_noark5::addml::checksum(f),
            });
        }
        Ok(out)
    }
}

/// The ADDML description of a flat-file package, if it has one: the shallowest addml.xml
/// (in any case), else an arkivuttrekk.xml that describes flat files, as older extracts
/// name it (a Noark 5 arkivuttrekk.xml describes XML files instead).
pub fn addml_path(package: &Extract) -> Option<String> {
    let named = |name: &'static str| {
        package
            .files()
            .map(|(n, _)| n.to_string())
            .filter(move |n| n.rsplit('/').next().is_some_and(|f| f.eq_ignore_ascii_case(name)))
            .min_by_key(|n| n.matches('/').count())
    };
    named("addml.xml").or_else(|| {
        let candidate = named("arkivuttrekk.xml")?;
        let mut head = Vec::new();
        package.open_file(&candidate).ok()?.take(1 << 20).read_to_end(&mut head).ok()?;
        let head = String::from_utf8_lossy(&head);
        (head.contains("flatFile") || head.contains("<addmml")).then_some(candidate)
    })
}

/// Where a flat file lies in the package: its fileName, matched without regard to case.
pub fn data_path(package: &Extract, file: &FlatFile) -> Option<String> {
    package
        .files()
        .map(|(n, _)| n)
        .find(|n| n.rsplit('/').next().is_some_and(|x| x.eq_ignore_ascii_case(&file.file_name)))
        .map(str::to_string)
}

/// One record: which definition it follows, and its field values, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Index into the flat file's record definitions.
    pub definition: usize,
    /// 1-based record number in the file.
    pub number: u64,
    /// Field values in definition order (fixed format: trimmed of padding, unless read
    /// as Arkade reads).
    pub fields: Vec<String>,
}

/// Streams the records of one flat file.
pub struct Records<'a, R: Read> {
    file: &'a FlatFile,
    source: BufReader<R>,
    encoding: &'static encoding_rs::Encoding,
    name: String,
    number: u64,
    arkade: bool,
}

impl<'a, R: Read> Records<'a, R> {
    /// Reads the records of `file` from `source` (named `name` in errors).
    pub fn new(file: &'a FlatFile, source: R, name: impl Into<String>) -> Result<Self> {
        let name = name.into();
        let label = file.charset.replace('_', "-");
        let encoding = encoding_rs::Encoding::for_label(label.as_bytes()).ok_or_else(|| {
            Error::new(ErrorKind::Encoding, name.clone(), format!("unknown charset {:?} in addml.xml", file.charset))
                .with_hint("name the charset as ISO-8859-1, UTF-8 or windows-1252")
        })?;
        Ok(Records {
            file,
            source: BufReader::with_capacity(256 * 1024, source),
            encoding,
            name,
            number: 0,
            arkade: false,
        })
    }

    /// Reads as Arkade's readers do, for the check: values keep their padding, a delimited
    /// record must have as many fields as its definition, and a fixed-format record must
    /// end with its record separator where the format has one. A record that breaks these
    /// is an error of kind `Content`, consumed, so the caller may read on.
    pub fn as_arkade(mut self) -> Self {
        self.arkade = true;
        self
    }

    fn decode(&self, bytes: &[u8]) -> String {
        self.encoding.decode_without_bom_handling(bytes).0.into_owned()
    }

    /// Which definition a record follows: by the identifier field, else the first. In a
    /// fixed-format file the field is found by its position; in a delimited one, as Arkade
    /// does, by its place among the first record definition's fields.
    fn definition_of(&self, raw: &[u8], fields: Option<&[String]>) -> usize {
        let Some(field) = &self.file.identifier_field else { return 0 };
        let value = match fields {
            Some(fields) => {
                let Some(first) = self.file.records.first() else { return 0 };
                let Some(i) = first.field_index(field) else { return 0 };
                fields.get(i).cloned().unwrap_or_default()
            }
            None => {
                let Some(f) = self.file.records.iter().flat_map(|d| &d.fields).find(|f| &f.name == field) else {
                    return 0;
                };
                let (Some(start), Some(len)) = (f.start, f.length) else { return 0 };
                chars(&self.decode(raw), start, len)
            }
        };
        let value = value.trim();
        self.file.records.iter().position(|d| d.identifier_value.as_deref() == Some(value)).unwrap_or(0)
    }

    fn fixed_fields(&self, def: usize, record: &str) -> Vec<String> {
        self.file.records[def]
            .fields
            .iter()
            .map(|f| match (f.start, f.length) {
                (Some(s), Some(l)) if self.arkade => chars(record, s, l),
                (Some(s), Some(l)) => chars(record, s, l).trim_end().to_string(),
                _ => String::new(),
            })
            .collect()
    }

    /// The bytes up to `separator` (dropped), and whether the separator ended them.
    fn read_until(&mut self, separator: &[u8]) -> Result<Option<(Vec<u8>, bool)>> {
        let mut out = Vec::new();
        let last = *separator.last().expect("separators are not empty");
        loop {
            let n = self.source.read_until(last, &mut out).map_err(|e| Error::io(self.name.clone(), e))?;
            if n == 0 {
                return Ok((!out.is_empty()).then_some((out, false)));
            }
            if out.ends_with(separator) {
                out.truncate(out.len() - separator.len());
                return Ok(Some((out, true)));
            }
        }
    }

    fn record_error(&self, message: String) -> Error {
        Error::new(ErrorKind::Content, self.name.clone(), message)
    }

    /// How many records have been read so far, the ones in error included. A record of
    /// the wrong length between record separators is consumed before its error is
    /// returned, so a caller may go on reading when this number moved.
    pub fn records_read(&self) -> u64 {
        self.number
    }

    /// The next record, or `None` at the end. A record shorter than its definition's
    /// length is an error naming the record number.
    pub fn next_record(&mut self) -> Result<Option<Record>> {
        let file = self.file;
        let raw = match &file.format {
            Format::Fixed { record_separator: Some(sep) } => match self.read_until(sep.as_bytes())? {
                Some((_, false)) if self.arkade => {
                    self.number += 1;
                    return Err(self.record_error(format!(
                        "record {} has no record separator: the file ends inside it",
                        self.number
                    )));
                }
                raw => raw.map(|r| r.0),
            },
            Format::Fixed { record_separator: None } => {
                // Without separators every definition must say its length; the identifier
                // field (if any) is read first to know which length applies.
                let peek = self.source.fill_buf().map_err(|e| Error::io(self.name.clone(), e))?.to_vec();
                if peek.is_empty() {
                    return Ok(None);
                }
                let def = self.definition_of(&peek, None);
                let len = file.records[def].length.ok_or_else(|| {
                    Error::new(
                        ErrorKind::Content,
                        self.name.clone(),
                        "a fixed-format record definition without fixedLength",
                    )
                })?;
                let mut buf = vec![0; len];
                let mut got = 0;
                while got < len {
                    let n = self.source.read(&mut buf[got..]).map_err(|e| Error::io(self.name.clone(), e))?;
                    if n == 0 {
                        break;
                    }
                    got += n;
                }
                buf.truncate(got);
                Some(buf)
            }
            Format::Delimited { record_separator, .. } => {
                self.read_until(record_separator.clone().as_bytes())?.map(|r| r.0)
            }
        };
        let Some(raw) = raw else { return Ok(None) };
        self.number += 1;
        let (def, fields) = match &file.format {
            Format::Fixed { .. } => {
                let def = self.definition_of(&raw, None);
                let record = self.decode(&raw);
                if let Some(len) = file.records[def].length {
                    let chars = record.chars().count();
                    if chars != len {
                        return Err(self.record_error(format!(
                            "record {} is {chars} characters, its definition {} says {len}",
                            self.number, file.records[def].name
                        )));
                    }
                }
                (def, self.fixed_fields(def, &record))
            }
            Format::Delimited { field_separator, quote, .. } => {
                let fields = split_delimited(&self.decode(&raw), field_separator, *quote);
                let def = self.definition_of(&raw, Some(&fields));
                let want = file.records.get(def).map_or(0, |d| d.fields.len());
                if self.arkade && fields.len() != want {
                    return Err(self.record_error(format!(
                        "record {} has {} fields, its definition {} has {want}",
                        self.number,
                        fields.len(),
                        file.records[def].name
                    )));
                }
                (def, fields)
            }
        };
        Ok(Some(Record { definition: def, number: self.number, fields }))
    }
}

/// `len` characters of `record` from the 1-based position `start`: ADDML positions count
/// characters, not bytes.
fn chars(record: &str, start: usize, len: usize) -> String {
    record.chars().skip(start.saturating_sub(1)).take(len).collect()
}

/// Splits a delimited record, honouring a quoting character (doubled to escape it).
fn split_delimited(line: &str, separator: &str, quote: Option<char>) -> Vec<String> {
    let Some(q) = quote else { return line.split(separator).map(str::to_string).collect() };
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if c == q {
            if quoted && rest[c.len_utf8()..].starts_with(q) {
                field.push(q);
                rest = &rest[2 * c.len_utf8()..];
                continue;
            }
            quoted = !quoted;
            rest = &rest[c.len_utf8()..];
        } else if !quoted && rest.starts_with(separator) {
            out.push(std::mem::take(&mut field));
            rest = &rest[separator.len()..];
        } else {
            field.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out.push(field);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimited_fields_honour_quotes() {
        assert_eq!(split_delimited("a;\"b;c\";\"d\"\"e\"", ";", Some('"')), ["a", "b;c", "d\"e"]);
        assert_eq!(split_delimited("a;b;", ";", None), ["a", "b", ""]);
    }
}
