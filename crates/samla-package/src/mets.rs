//! The DIAS package's METS and PREMIS files: `dias-mets.xml`, the submission description
//! `<uuid>.xml` beside the tar, `administrative_metadata/dias-premis.xml` and `log.xml`.
//!
//! The layout follows what Arkivverket's Arkade 5 writes: PROFILE
//! `http://xml.ra.se/METS/RA_METS_eARD.xml`, one `fileGrp USE="FILES"` with `fileId_N`
//! entries, PREMIS in `http://arkivverket.no/standarder/PREMIS`. Where Arkade departs from the
//! official `DIAS_METS.xsd`, samla follows that schema, which it ships in the package as
//! `dias-mets.xsd`: the METS namespace is the schema's `http://arkivverket.no/standarder/METS`
//! (Arkade writes loc.gov's `http://www.loc.gov/METS/`), `xsi:schemaLocation` names
//! `dias-mets.xsd`, MIME types are only those the schema enumerates ([`mime_type`]), and
//! `metsHdr` ends with a `metsDocumentID` (the schema requires one). Fewer than three
//! `altRecordID`s are padded with empty ones as Arkade does for `dias-mets.xml`, and the
//! structMap's `div` points at every file with an `fptr`.
//!
//! Everything is deterministic: no clock is read, the caller passes every date, and the
//! same input gives the same bytes (UTF-8, no BOM).
//!
//! ```
//! use samla_package::mets::{dias_mets, Header, PackageFile, PackageType};
//!
//! let header = Header {
//!     uuid: "258e3353-cef2-407f-92ac-264ad887527b".into(),
//!     label: "Ski kommune & co".into(),
//!     package_type: PackageType::Sip,
//!     created: "2024-05-01T12:00:00+02:00".into(),
//!     agents: Vec::new(),
//!     alt_records: Vec::new(),
//! };
//! let file = PackageFile {
//!     path: "content/arkivstruktur.xml".into(),
//!     size: 3,
//!     sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".into(),
//!     created: "2024-05-01T12:00:00+02:00".into(),
//! };
//! let xml = String::from_utf8(dias_mets(&header, &[file])).unwrap();
//! assert!(xml.contains(r#"LABEL="Ski kommune &amp; co""#));
//! assert!(xml.contains(r#"xlink:href="file:content/arkivstruktur.xml""#));
//! ```

use samla_noark5::Element;
use samla_noark5::writer::XmlWriter;

/// The METS namespace of the official DIAS_METS.xsd (Arkade 5 writes loc.gov's instead,
/// with its own schema; samla follows the official one, which ships in the package).
pub const NS_METS: &str = "http://arkivverket.no/standarder/METS";
/// The PREMIS namespace of DIAS packages.
pub const NS_PREMIS: &str = "http://arkivverket.no/standarder/PREMIS";
/// The XLink namespace.
pub const NS_XLINK: &str = "http://www.w3.org/1999/xlink";
/// The XML Schema instance namespace.
pub const NS_XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// The METS profile DIAS packages name.
pub const PROFILE: &str = "http://xml.ra.se/METS/RA_METS_eARD.xml";
/// The `xsi:schemaLocation` of the METS files.
pub const SCHEMA_LOCATION: &str = "http://arkivverket.no/standarder/METS dias-mets.xsd";

/// The PREMIS event types DIAS_PREMIS.xsd allows in `premis:eventType`.
pub const EVENT_TYPES: &[&str] = &["Creation", "Migration", "Ingestion", "Adjustment", "Disposal", "Deletion"];

/// The kind of information package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PackageType {
    /// Submission information package (`SIP`): what an archive creator deposits.
    #[default]
    Sip,
    /// Archival information package (`AIP`): the form the depot keeps.
    Aip,
}

impl PackageType {
    /// `SIP` or `AIP`, as METS TYPE writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            PackageType::Sip => "SIP",
            PackageType::Aip => "AIP",
        }
    }
}

/// One `mets:agent` of the METS header.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Agent {
    /// ROLE: `ARCHIVIST`, `CREATOR`, `IPOWNER`, `PRESERVATION` or `OTHER`.
    pub role: String,
    /// OTHERROLE when `role` is `OTHER`: `SUBMITTER` or `PRODUCER`.
    pub other_role: Option<String>,
    /// TYPE: `ORGANIZATION`, `INDIVIDUAL` or `OTHER`.
    pub kind: String,
    /// OTHERTYPE when `kind` is `OTHER`: `SOFTWARE`.
    pub other_type: Option<String>,
    /// `mets:name`.
    pub name: String,
    /// `mets:note`s, in order.
    pub notes: Vec<String>,
}

/// What the METS header says about the package.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Header {
    /// The package's UUID (OBJID is `UUID:<uuid>`).
    pub uuid: String,
    /// LABEL, e.g. `Ski kommune ePhorte (2008 - 2019)`; left out when empty.
    pub label: String,
    /// TYPE.
    pub package_type: PackageType,
    /// metsHdr CREATEDATE, an xs:dateTime.
    pub created: String,
    /// The agents, in order.
    pub agents: Vec<Agent>,
    /// altRecordIDs as (TYPE, value): `DELIVERYSPECIFICATION`, `SUBMISSIONAGREEMENT`,
    /// `STARTDATE`, `ENDDATE`.
    pub alt_records: Vec<(String, String)>,
}

impl Header {
    /// What keeps the header short of the schemas' minimums, in words; empty when nothing
    /// does. DIAS_METS.xsd asks for at least six agents; the eARD schema Arkade ships asks for
    /// three agents and three altRecordIDs (the writers pad altRecordIDs, not agents).
    pub fn shortfalls(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.agents.len() < 6 {
            out.push(format!(
                "the METS header has {} agents; DIAS_METS.xsd asks for at least 6 (give more parties in the metadata file)",
                self.agents.len()
            ));
        }
        if self.alt_records.len() < 3 {
            out.push(format!(
                "the METS header has {} altRecordIDs; the eARD schema asks for 3, so empty ones are added \
                 (give period, submission_agreement or delivery_specification in the metadata file)",
                self.alt_records.len()
            ));
        }
        out
    }
}

/// One file of the package, as the METS listing states it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PackageFile {
    /// Path relative to the package root with `/` separators, e.g. `content/arkivstruktur.xml`.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lower-case hex.
    pub sha256: String,
    /// Creation time, an xs:dateTime.
    pub created: String,
}

/// One `premis:event` of `log.xml`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    /// `premis:eventType`; DIAS_PREMIS.xsd allows only [`EVENT_TYPES`].
    pub event_type: String,
    /// `premis:eventDateTime`: an xs:dateTime, xs:date or EDTF date.
    pub date_time: String,
    /// `premis:eventDetail`; left out when empty.
    pub detail: String,
    /// `premis:eventOutcome`, e.g. `success`; left out when empty.
    pub outcome: String,
}

/// The MIME type the METS listing gives a file, by its extension (case-insensitive).
///
/// ```
/// use samla_package::mets::mime_type;
/// assert_eq!(mime_type("content/arkivstruktur.XML"), "application/xml");
/// assert_eq!(mime_type("content/dokumenter/1.pdf"), "image/pdf");
/// assert_eq!(mime_type("README"), "text/plain");
/// ```
pub fn mime_type(path: &str) -> &'static str {
    // DIAS_METS.xsd allows only a short list of MIME types; every file must have one.
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let Some((_, ext)) = name.rsplit_once('.') else { return "text/plain" };
    match ext.to_ascii_lowercase().as_str() {
        "xml" | "xsd" => "application/xml",
        "pdf" => "image/pdf",
        "tar" => "application/x-tar",
        "tif" | "tiff" => "image/tiff",
        "jpg" | "jpeg" => "image/jpg",
        "mp3" => "audio/mp3",
        "mpg" | "mpeg" => "video/mpg",
        _ => "text/plain",
    }
}

fn text(name: &str, value: &str) -> Element {
    Element::with_text(name, value)
}

fn agent_element(agent: &Agent) -> Element {
    let mut e = Element::new("mets:agent");
    e.set_attr("ROLE", agent.role.as_str());
    if let Some(r) = &agent.other_role {
        e.set_attr("OTHERROLE", r.as_str());
    }
    e.set_attr("TYPE", agent.kind.as_str());
    if let Some(t) = &agent.other_type {
        e.set_attr("OTHERTYPE", t.as_str());
    }
    e.push(text("mets:name", &agent.name));
    for note in &agent.notes {
        e.push(text("mets:note", note));
    }
    e
}

fn file_element(id: usize, href: &str, file: &PackageFile) -> Element {
    let mut e = Element::new("mets:file");
    e.set_attr("ID", format!("fileId_{id}"))
        .set_attr("MIMETYPE", mime_type(href))
        .set_attr("SIZE", file.size.to_string())
        .set_attr("CREATED", file.created.as_str())
        .set_attr("CHECKSUM", file.sha256.to_ascii_lowercase())
        .set_attr("CHECKSUMTYPE", "SHA-256")
        .set_attr("USE", "Datafile");
    let mut loc = Element::new("mets:FLocat");
    loc.set_attr("LOCTYPE", "URL").set_attr("xlink:type", "simple").set_attr("xlink:href", format!("file:{href}"));
    e.push(loc);
    e
}

/// A METS document: the header, then the files as (ID number, href, file).
fn mets_document(header: &Header, document_id: &str, files: &[(usize, &str, &PackageFile)]) -> Vec<u8> {
    let mut mets = Element::new("mets:mets");
    mets.set_attr("xmlns:xlink", NS_XLINK).set_attr("xmlns:xsi", NS_XSI);
    mets.set_attr("OBJID", format!("UUID:{}", header.uuid));
    if !header.label.is_empty() {
        mets.set_attr("LABEL", header.label.as_str());
    }
    mets.set_attr("TYPE", header.package_type.as_str())
        .set_attr("PROFILE", PROFILE)
        .set_attr("xsi:schemaLocation", SCHEMA_LOCATION)
        .set_attr("xmlns:mets", NS_METS);

    let mut hdr = Element::new("mets:metsHdr");
    hdr.set_attr("CREATEDATE", header.created.as_str());
    for agent in &header.agents {
        hdr.push(agent_element(agent));
    }
    for (kind, value) in &header.alt_records {
        let mut alt = text("mets:altRecordID", value);
        alt.set_attr("TYPE", kind.as_str());
        hdr.push(alt);
    }
    for _ in header.alt_records.len()..3 {
        hdr.push(Element::new("mets:altRecordID"));
    }
    hdr.push(text("mets:metsDocumentID", document_id));
    mets.push(hdr);

    let mut group = Element::new("mets:fileGrp");
    group.set_attr("ID", "fileGroup001").set_attr("USE", "FILES");
    let mut div = Element::new("mets:div");
    for &(id, href, file) in files {
        group.push(file_element(id, href, file));
        let mut fptr = Element::new("mets:fptr");
        fptr.set_attr("FILEID", format!("fileId_{id}"));
        div.push(fptr);
    }
    if !files.is_empty() {
        let mut section = Element::new("mets:fileSec");
        section.push(group);
        mets.push(section);
    }
    let mut map = Element::new("mets:structMap");
    map.push(div);
    mets.push(map);
    write(&mets)
}

fn write(root: &Element) -> Vec<u8> {
    let mut w = XmlWriter::new(Vec::new());
    w.element(root).expect("writing to memory cannot fail");
    w.finish().expect("writing to memory cannot fail")
}

/// The package's `dias-mets.xml`: the header and one `mets:file` per file, numbered
/// `fileId_1`, `fileId_2`, … in the order given (Arkade keeps `fileId_0` for the tar).
///
/// The list should hold every file of the package except `dias-mets.xml` itself.
pub fn dias_mets(header: &Header, files: &[PackageFile]) -> Vec<u8> {
    let listed: Vec<_> = files.iter().enumerate().map(|(i, f)| (i + 1, f.path.as_str(), f)).collect();
    mets_document(header, "dias-mets.xml", &listed)
}

/// The submission description `<uuid>.xml` that goes beside the tar: the same header, and
/// the tar (`fileId_0`) and the package's `dias-mets.xml` (`fileId_1`) with their checksums.
///
/// `tar_name` is the tar's file name, `<uuid>.tar` (a directory part is dropped); `tar` gives
/// its size, SHA-256 and date. `mets.path` is the listing's path inside the tar,
/// `<uuid>/dias-mets.xml`. The document ID is the description's own name, `<uuid>.xml`.
pub fn submission_description(header: &Header, tar_name: &str, tar: &PackageFile, mets: &PackageFile) -> Vec<u8> {
    let tar_name = tar_name.rsplit(['/', '\\']).next().unwrap_or(tar_name);
    let own_name = match tar_name.strip_suffix(".tar") {
        Some(stem) => format!("{stem}.xml"),
        None => format!("{}.xml", header.uuid),
    };
    mets_document(header, &own_name, &[(0, tar_name, tar), (1, mets.path.as_str(), mets)])
}

fn premis_root() -> Element {
    let mut premis = Element::new("premis:premis");
    premis
        .set_attr("xmlns:xlink", NS_XLINK)
        .set_attr("xmlns:xsi", NS_XSI)
        .set_attr("version", "2.0")
        .set_attr("xmlns:premis", NS_PREMIS);
    premis
}

/// The PREMIS object for the package, as Arkade writes it: identifier `NO/RA` `<uuid>`,
/// preservation level `full`, format `tar`.
fn premis_object(uuid: &str) -> Element {
    let mut object = Element::new("premis:object");
    object.set_attr("xsi:type", "premis:file");
    let mut id = Element::new("premis:objectIdentifier");
    id.set_attr("xlink:type", "simple");
    id.push_field("premis:objectIdentifierType", "NO/RA").push_field("premis:objectIdentifierValue", uuid);
    object.push(id);
    let mut level = Element::new("premis:preservationLevel");
    level.push_field("premis:preservationLevelValue", "full");
    object.push(level);
    let mut designation = Element::new("premis:formatDesignation");
    designation.push_field("premis:formatName", "tar");
    let mut format = Element::new("premis:format");
    format.push(designation);
    let mut characteristics = Element::new("premis:objectCharacteristics");
    characteristics.push_field("premis:compositionLevel", "0").push(format);
    object.push(characteristics);
    object
}

/// `administrative_metadata/dias-premis.xml`: the PREMIS object for the package, as Arkade
/// writes it.
pub fn dias_premis(uuid: &str) -> Vec<u8> {
    let mut premis = premis_root();
    premis.push(premis_object(uuid));
    write(&premis)
}

/// `log.xml`: the PREMIS object for the package and one `premis:event` per event, each
/// identified as `local` `<uuid>-event-N` (N from 1) and linked to the package object.
///
/// DIAS_PREMIS.xsd allows only [`EVENT_TYPES`] as event type, and an xs:dateTime, xs:date or
/// EDTF date as date; other values give a file that does not validate.
pub fn log(uuid: &str, events: &[Event]) -> Vec<u8> {
    let mut premis = premis_root();
    premis.push(premis_object(uuid));
    for (i, event) in events.iter().enumerate() {
        let mut e = Element::new("premis:event");
        let mut id = Element::new("premis:eventIdentifier");
        id.push_field("premis:eventIdentifierType", "local")
            .push_field("premis:eventIdentifierValue", format!("{uuid}-event-{}", i + 1));
        e.push(id);
        e.push_field("premis:eventType", event.event_type.as_str());
        e.push_field("premis:eventDateTime", event.date_time.as_str());
        if !event.detail.is_empty() {
            e.push_field("premis:eventDetail", event.detail.as_str());
        }
        if !event.outcome.is_empty() {
            let mut outcome = Element::new("premis:eventOutcomeInformation");
            outcome.push_field("premis:eventOutcome", event.outcome.as_str());
            e.push(outcome);
        }
        let mut link = Element::new("premis:linkingObjectIdentifier");
        link.push_field("premis:linkingObjectIdentifierType", "NO/RA")
            .push_field("premis:linkingObjectIdentifierValue", uuid);
        e.push(link);
        premis.push(e);
    }
    write(&premis)
}
