//! The METS and PREMIS writers against the real oracles: `xmllint --schema` with the official
//! DIAS schemas (and the eARD METS schema Arkade 5 ships in its packages), and the files
//! Arkade 5 itself wrote for `../shared/fixtures/arkade/packages/n5-eksempel`.
//!
//! The schemas import XLink from loc.gov; there is no network, so they are copied to a
//! temporary folder with that import pointed at the local `xlink.xsd`, nothing else changed.
//! samla writes the namespace of the official DIAS_METS.xsd,
//! `http://arkivverket.no/standarder/METS`, and ships that schema as `dias-mets.xsd`, so its
//! METS files are held to the official schema as it is. Arkade 5 writes loc.gov's namespace
//! `http://www.loc.gov/METS/` and ships its own eARD schema for it: that schema only checks
//! the harness on Arkade's own files, and Arkade's files are compared with samla's by
//! structure and local names, not by namespace.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use samla_noark5::Element;
use samla_noark5::addml::Arkivuttrekk;
use samla_noark5::element::{Name, local_name};
use samla_package::metadata::{EXAMPLE, Metadata, Party, System};
use samla_package::mets::{
    self, Agent, EVENT_TYPES, Event, Header, NS_METS, PackageFile, PackageType, SCHEMA_LOCATION, dias_mets,
    dias_premis, log, mime_type, submission_description,
};

const UUID: &str = "0b4a1c5e-8d2f-4e7a-9c31-5f6e7d8c9b0a";
const CREATED: &str = "2024-05-02T10:15:00+02:00";

fn shared() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")).to_path_buf()
}

fn arkade_dir() -> PathBuf {
    shared().join("fixtures/arkade/packages/n5-eksempel")
}

/// A file of Arkade's package n5-guid.tar, by the end of its path.
fn from_arkade_tar(suffix: &str) -> Vec<u8> {
    let file = std::fs::File::open(arkade_dir().join("n5-guid.tar")).unwrap();
    let mut archive = tar::Archive::new(file);
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.path().unwrap().to_string_lossy().ends_with(suffix) {
            let mut out = Vec::new();
            entry.read_to_end(&mut out).unwrap();
            return out;
        }
    }
    panic!("{suffix} is not in n5-guid.tar");
}

/// The schemas, copied with the XLink import pointed at the local xlink.xsd.
struct Schemas {
    _dir: tempfile::TempDir,
    /// Official DIAS_METS.xsd (namespace `http://arkivverket.no/standarder/METS`).
    official_mets: PathBuf,
    /// The eARD METS schema Arkade ships as dias-mets.xsd (namespace `http://www.loc.gov/METS/`),
    /// for Arkade's own files.
    arkade_mets: PathBuf,
    /// Official DIAS_PREMIS.xsd.
    premis: PathBuf,
}

fn local_xlink(text: &str) -> String {
    let xlink = shared().join("schemas/dias/xlink.xsd");
    assert!(xlink.exists(), "{} is missing", xlink.display());
    let out = text.replace("http://www.loc.gov/standards/xlink/xlink.xsd", &xlink.display().to_string());
    assert_ne!(out, text, "the schema does not import xlink.xsd from loc.gov");
    out
}

fn schemas() -> &'static Schemas {
    static SCHEMAS: OnceLock<Schemas> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let official = |name: &str| std::fs::read_to_string(shared().join("schemas/dias").join(name)).unwrap();

        let official_mets = dir.path().join("DIAS_METS.xsd");
        std::fs::write(&official_mets, local_xlink(&official("DIAS_METS.xsd"))).unwrap();

        let premis = dir.path().join("DIAS_PREMIS.xsd");
        std::fs::write(&premis, local_xlink(&official("DIAS_PREMIS.xsd"))).unwrap();

        let arkade = String::from_utf8(from_arkade_tar("/dias-mets.xsd")).unwrap();
        let arkade_mets = dir.path().join("arkade-dias-mets.xsd");
        std::fs::write(&arkade_mets, local_xlink(&arkade)).unwrap();

        Schemas { _dir: dir, official_mets, arkade_mets, premis }
    })
}

/// What `xmllint --noout --schema XSD` says of `xml`: Ok, or the messages it printed.
fn xmllint(xsd: &Path, xml: &[u8]) -> Result<(), Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.xml");
    std::fs::write(&path, xml).unwrap();
    xmllint_file(xsd, &path)
}

fn xmllint_file(xsd: &Path, path: &Path) -> Result<(), Vec<String>> {
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd)
        .arg(path)
        .output()
        .expect("xmllint (Debian: libxml2-utils) is needed as the oracle of these tests");
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() && stderr.trim().ends_with("validates") {
        return Ok(());
    }
    Err(stderr.lines().filter(|l| !l.ends_with("fails to validate")).map(str::to_string).collect())
}

fn assert_valid(xsd: &Path, xml: &[u8], what: &str) {
    if let Err(errors) = xmllint(xsd, xml) {
        panic!(
            "{what} does not validate against {}:\n{}\n---\n{}",
            xsd.display(),
            errors.join("\n"),
            String::from_utf8_lossy(xml)
        );
    }
}

/// arkivuttrekk.xml of Arkade's example package.
fn arkade_uttrekk() -> Arkivuttrekk {
    let bytes = from_arkade_tar("/content/arkivuttrekk.xml");
    Arkivuttrekk::read(&bytes[..], "arkivuttrekk.xml").unwrap()
}

fn example_header() -> Header {
    let metadata = Metadata::parse(EXAMPLE, "example.toml").unwrap();
    metadata.header(Some(&arkade_uttrekk()), UUID, PackageType::Sip, CREATED, "0.1.0")
}

fn file(path: &str, size: u64, digit: char) -> PackageFile {
    PackageFile {
        path: path.to_string(),
        size,
        sha256: std::iter::repeat_n(digit, 64).collect(),
        created: "2024-05-02T10:14:59.1234567+02:00".to_string(),
    }
}

/// A package's files, as `samla package` would list them.
fn package_files() -> Vec<PackageFile> {
    vec![
        file("dias-mets.xsd", 155707, '1'),
        file("log.xml", 1890, '2'),
        file("administrative_metadata/arkivuttrekk.xml", 7380, '3'),
        file("administrative_metadata/addml.xsd", 18728, '4'),
        file("administrative_metadata/dias-premis.xml", 1011, '5'),
        file("content/arkivstruktur.xml", 17570, '6'),
        file("content/documentfile-formatinfo.csv", 857, '7'),
        file("content/dokumenter/Søknad om løyve.pdf", 20637, '8'),
    ]
}

/// Files whose MIME types are all in DIAS_METS.xsd's enumeration.
fn plain_files() -> Vec<PackageFile> {
    vec![
        file("log.xml", 1890, 'a'),
        file("administrative_metadata/arkivuttrekk.xml", 7380, 'b'),
        file("content/arkivstruktur.xml", 17570, 'c'),
        file("content/dokumenter/1.TIF", 20637, 'd'),
        file("content/README.txt", 12, 'e'),
    ]
}

fn parse(xml: &[u8]) -> Element {
    samla_noark5::xml::parse_str(std::str::from_utf8(xml).unwrap(), "doc.xml").unwrap()
}

/// The official DIAS_METS.xsd, parsed.
fn official_mets_schema() -> Element {
    let text = std::fs::read(shared().join("schemas/dias/DIAS_METS.xsd")).unwrap();
    parse(&text)
}

/// The MIME types DIAS_METS.xsd allows on `mets:file` (attribute group FILECORE).
fn official_mime_types() -> Vec<String> {
    let schema = official_mets_schema();
    let group = schema
        .children_named("attributeGroup")
        .find(|g| g.attr("name") == Some("FILECORE"))
        .expect("DIAS_METS.xsd has no attributeGroup FILECORE");
    let mimetype = group.children_named("attribute").find(|a| a.attr("name") == Some("MIMETYPE")).unwrap();
    let out: Vec<_> = mimetype
        .descendants()
        .filter(|e| e.local_name() == "enumeration")
        .map(|e| e.attr("value").unwrap().to_string())
        .collect();
    assert!(out.contains(&"application/xml".to_string()), "{out:?}");
    out
}

/// The tree with every element name stripped of its prefix, to compare documents whose
/// namespaces (and so, possibly, prefixes) differ by structure alone.
fn by_local_names(e: &Element) -> Element {
    Element {
        name: Name::from(local_name(&e.name)),
        attrs: e.attrs.clone(),
        text: e.text.clone(),
        children: e.children.iter().map(by_local_names).collect(),
        pos: e.pos,
        span: e.span,
    }
}

/// The attributes other than those named.
fn attrs_but(e: &Element, names: &[&str]) -> Vec<(Name, String)> {
    e.attrs.iter().filter(|(n, _)| !names.contains(&&**n)).cloned().collect()
}

/// The names of an element's attributes, in order.
fn attr_names(e: &Element) -> Vec<String> {
    e.attrs.iter().map(|(n, _)| n.to_string()).collect()
}

fn events() -> Vec<Event> {
    vec![
        Event {
            event_type: "Migration".into(),
            date_time: "2024-05-02T09:00:00+02:00".into(),
            detail: "Ski kommune and Oppegård kommune merged into Nordre Follo by samla 0.1.0".into(),
            outcome: "success".into(),
        },
        Event {
            event_type: "Creation".into(),
            date_time: "2024-05-02".into(),
            detail: "DIAS package made by samla 0.1.0 <&>".into(),
            outcome: String::new(),
        },
    ]
}

#[test]
fn the_mets_files_name_the_official_schema() {
    assert_eq!(NS_METS, "http://arkivverket.no/standarder/METS");
    assert_eq!(SCHEMA_LOCATION, "http://arkivverket.no/standarder/METS dias-mets.xsd");
    let schema = official_mets_schema();
    assert_eq!(schema.attr("targetNamespace"), Some(NS_METS));
    // The schema location pairs that namespace with the file the package ships the official
    // schema as.
    assert_eq!(SCHEMA_LOCATION.split_once(' '), Some((NS_METS, "dias-mets.xsd")));
    assert!(package_files().iter().any(|f| f.path == "dias-mets.xsd"));

    let tar = file(&format!("{UUID}.tar"), 1, 'f');
    let mets_file = file(&format!("{UUID}/dias-mets.xml"), 1, '0');
    for xml in [
        dias_mets(&example_header(), &package_files()),
        dias_mets(&Header::default(), &[]),
        submission_description(&example_header(), &format!("{UUID}.tar"), &tar, &mets_file),
    ] {
        let doc = parse(&xml);
        assert_eq!(&*doc.name, "mets:mets");
        assert_eq!(doc.attr("xmlns:mets"), Some(NS_METS));
        assert_eq!(doc.attr("xsi:schemaLocation"), Some(SCHEMA_LOCATION));
        assert!(!String::from_utf8(xml).unwrap().contains("http://www.loc.gov/METS/"));
    }
}

#[test]
fn dias_mets_validates_against_the_official_schema() {
    // A real package's listing, xsd, pdf and csv files included: every MIME type is one
    // DIAS_METS.xsd enumerates.
    for files in [package_files(), plain_files()] {
        let xml = dias_mets(&example_header(), &files);
        assert_valid(&schemas().official_mets, &xml, "dias-mets.xml");
        let doc = parse(&xml);
        let listed: Vec<_> = doc.child("fileSec").unwrap().child("fileGrp").unwrap().children_named("file").collect();
        assert_eq!(listed.len(), files.len());
        for (l, f) in listed.iter().zip(&files) {
            assert_eq!(l.attr("MIMETYPE"), Some(mime_type(&f.path)), "{}", f.path);
        }
    }
    let mimes: Vec<_> = parse(&dias_mets(&example_header(), &package_files()))
        .descendants()
        .filter_map(|e| e.attr("MIMETYPE").map(str::to_string))
        .collect();
    assert_eq!(
        mimes,
        [
            "application/xml",
            "application/xml",
            "application/xml",
            "application/xml",
            "application/xml",
            "application/xml",
            "text/plain",
            "image/pdf"
        ]
    );

    // samla's listing of every file of Arkade's example package validates as well.
    let xml = dias_mets(&example_header(), &arkade_listing());
    assert_valid(&schemas().official_mets, &xml, "dias-mets.xml listing Arkade's package");
}

/// `text` with `from` replaced by `to`, which must occur in it.
fn broken(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from} is not in the document");
    text.replace(from, to)
}

#[test]
fn the_oracle_rejects_broken_documents() {
    let official = &schemas().official_mets;
    let xml = String::from_utf8(dias_mets(&example_header(), &plain_files())).unwrap();
    assert_valid(official, xml.as_bytes(), "dias-mets.xml");
    for bad in [
        broken(&xml, "CHECKSUMTYPE=\"SHA-256\"", "CHECKSUMTYPE=\"SHA3\""),
        broken(&xml, &format!(" OBJID=\"UUID:{UUID}\""), ""),
        broken(&xml, "MIMETYPE=\"application/xml\"", "MIMETYPE=\"application/xsd\""),
        broken(&xml, "<mets:metsDocumentID>dias-mets.xml</mets:metsDocumentID>", ""),
        // Arkade's namespace is not the official schema's.
        broken(&xml, &format!("xmlns:mets=\"{NS_METS}\""), "xmlns:mets=\"http://www.loc.gov/METS/\""),
    ] {
        assert!(xmllint(official, bad.as_bytes()).is_err(), "accepted:\n{bad}");
    }

    // DIAS_METS.xsd asks for six agents.
    let mut five = example_header();
    five.agents.truncate(5);
    let errors = xmllint(official, &dias_mets(&five, &plain_files())).unwrap_err();
    assert!(errors.iter().any(|e| e.contains(&format!("{{{NS_METS}}}agent"))), "{errors:?}");
    five.agents.push(Agent { role: "OTHER".into(), kind: "OTHER".into(), name: "x".into(), ..Agent::default() });
    assert_valid(official, &dias_mets(&five, &plain_files()), "dias-mets.xml with six agents");

    // Arkade's schema, on Arkade's own file.
    let arkade = String::from_utf8(from_arkade_tar("/dias-mets.xml")).unwrap();
    for bad in [
        broken(&arkade, "CHECKSUMTYPE=\"SHA-256\"", "CHECKSUMTYPE=\"SHA3\""),
        broken(&arkade, " OBJID=\"UUID:258e3353-cef2-407f-92ac-264ad887527b\"", ""),
    ] {
        assert!(xmllint(&schemas().arkade_mets, bad.as_bytes()).is_err());
    }

    let log = String::from_utf8(log(UUID, &events())).unwrap().replace(">Migration<", ">Conversion<");
    assert!(xmllint(&schemas().premis, log.as_bytes()).is_err());
}

#[test]
fn submission_description_validates() {
    let header = example_header();
    let tar = file(&format!("{UUID}.tar"), 409600, 'f');
    let mets = file(&format!("{UUID}/dias-mets.xml"), 11232, '0');
    let xml = submission_description(&header, &format!("/tmp/out/{UUID}.tar"), &tar, &mets);
    assert_valid(&schemas().official_mets, &xml, "the submission description");

    let doc = parse(&xml);
    let files: Vec<_> = doc.child("fileSec").unwrap().child("fileGrp").unwrap().children_named("file").collect();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0].attr("ID"), Some("fileId_0"));
    assert_eq!(files[0].attr("MIMETYPE"), Some("application/x-tar"));
    assert_eq!(files[0].attr("SIZE"), Some("409600"));
    assert_eq!(files[0].child("FLocat").unwrap().attr("xlink:href"), Some(&*format!("file:{UUID}.tar")));
    assert_eq!(files[1].attr("ID"), Some("fileId_1"));
    assert_eq!(files[1].attr("MIMETYPE"), Some("application/xml"));
    assert_eq!(files[1].child("FLocat").unwrap().attr("xlink:href"), Some(&*format!("file:{UUID}/dias-mets.xml")));
    assert_eq!(doc.child("metsHdr").unwrap().value("metsDocumentID"), Some(&*format!("{UUID}.xml")));
}

#[test]
fn premis_files_validate() {
    let premis = dias_premis(UUID);
    assert_valid(&schemas().premis, &premis, "dias-premis.xml");
    assert_valid(&schemas().premis, &log(UUID, &[]), "log.xml without events");
    let xml = log(UUID, &events());
    assert_valid(&schemas().premis, &xml, "log.xml");
    let every_type: Vec<_> = EVENT_TYPES
        .iter()
        .map(|t| Event { event_type: t.to_string(), date_time: "2024-05-02T09:00:00Z".into(), ..Event::default() })
        .collect();
    assert_valid(&schemas().premis, &log(UUID, &every_type), "log.xml with every event type");

    let doc = parse(&xml);
    let events: Vec<_> = doc.children_named("event").collect();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].value("eventType"), Some("Migration"));
    assert_eq!(events[0].child("eventOutcomeInformation").unwrap().value("eventOutcome"), Some("success"));
    assert_eq!(events[1].value("eventDetail"), Some("DIAS package made by samla 0.1.0 <&>"));
    assert!(events[1].child("eventOutcomeInformation").is_none());
    assert_eq!(
        events[1].child("eventIdentifier").unwrap().value("eventIdentifierValue"),
        Some(&*format!("{UUID}-event-2"))
    );
}

#[test]
fn dias_premis_is_arkades() {
    let arkade = from_arkade_tar("/administrative_metadata/dias-premis.xml");
    let arkade = parse(arkade.strip_prefix(b"\xef\xbb\xbf").unwrap());
    let ours = parse(&dias_premis("258e3353-cef2-407f-92ac-264ad887527b"));
    assert_eq!(ours.semantic_diff(&arkade), None);
}

#[test]
fn arkade_files_pass_the_harness() {
    let dir = tempfile::tempdir().unwrap();
    let mets = dir.path().join("dias-mets.xml");
    std::fs::write(&mets, from_arkade_tar("/dias-mets.xml")).unwrap();
    let submission = arkade_dir().join("n5-guid.xml");
    xmllint_file(&schemas().arkade_mets, &mets).unwrap();
    xmllint_file(&schemas().arkade_mets, &submission).unwrap();
    for name in ["/log.xml", "/administrative_metadata/dias-premis.xml"] {
        assert_valid(&schemas().premis, &from_arkade_tar(name), name);
    }
    // The official DIAS_METS.xsd does not know Arkade's namespace at all. Moved to the
    // official namespace, Arkade's files lack metsDocumentID and use MIME types outside its
    // list: nothing else.
    for path in [&mets, &submission] {
        let errors = xmllint_file(&schemas().official_mets, path).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("No matching global declaration available for the validation root"), "{errors:?}");

        let text = String::from_utf8(std::fs::read(path).unwrap()).unwrap();
        let declaration = "xmlns:mets=\"http://www.loc.gov/METS/\"";
        assert_eq!(text.matches(declaration).count(), 1);
        let moved = text.replace(declaration, &format!("xmlns:mets=\"{NS_METS}\""));
        let errors = xmllint(&schemas().official_mets, moved.as_bytes()).unwrap_err();
        let no_document_id = format!("Expected is one of ( {{{NS_METS}}}altRecordID, {{{NS_METS}}}metsDocumentID )");
        assert!(errors.iter().any(|e| e.contains(&no_document_id)), "{errors:?}");
        for e in &errors {
            assert!(
                e.contains(&no_document_id) || e.contains("attribute 'MIMETYPE': [facet 'enumeration']"),
                "unexpected: {e}"
            );
        }
    }
}

/// Arkade's example metadata (MetadataExampleCreator), as far as the metadata file holds it.
fn arkade_like_metadata() -> Metadata {
    let party = |n: char| Party {
        organisation: format!("Entity {n}"),
        contact: Some(format!("Contactperson {n}")),
        address: Some(format!("Road {n}, {n}000 City")),
        phone: Some(format!("{n}-99999999")),
        email: Some(format!("post@entity-{n}.com")),
    };
    Metadata {
        label: Some("Some system name (2017 - 2020)".into()),
        archivist: Some(party('1')),
        submitter: Some(party('3')),
        producer: Some(party('4')),
        owner: Some(party('5')),
        creator: Some(party('7')),
        recipient: Some("Some recipient".into()),
        system: Some(System {
            name: "Some system name".into(),
            version: Some("v1.0.0".into()),
            r#type: Some("Noark5".into()),
            type_version: Some("v3.1".into()),
        }),
        period: Some(("2017-01-01".into(), "2020-01-01".into())),
        submission_agreement: Some("XX 00-0000/0000; 0000-00-00".into()),
        delivery_specification: Some("Some archive description".into()),
    }
}

#[test]
fn the_header_is_laid_out_as_arkade_lays_it_out() {
    let uuid = "258e3353-cef2-407f-92ac-264ad887527b";
    let header = arkade_like_metadata().header(None, uuid, PackageType::Sip, "2023-01-01T00:00:00", "0.0.0");
    let ours = parse(&dias_mets(&header, &[]));

    let arkade = arkade_dir().join("n5-guid.xml");
    let arkade = std::fs::read(arkade).unwrap();
    let mut arkade = parse(arkade.strip_prefix(b"\xef\xbb\xbf").unwrap());
    // Arkade's example has a second archive creator and owner, an archive system, and
    // names itself; the metadata file has one of each, no archive system, and samla.
    let hdr = arkade.child_mut("metsHdr").unwrap();
    hdr.children.retain(|a| {
        let name = a.value("name").unwrap_or("");
        !(name.ends_with(" 2") || name.ends_with(" 6") || name == "Some archive system name")
    });
    for agent in hdr.children.iter_mut().filter(|a| a.value("name") == Some("Arkade 5")) {
        agent.child_mut("name").unwrap().text = "samla".into();
    }
    hdr.push(Element::with_text("mets:metsDocumentID", "dias-mets.xml"));

    // The root's attributes are Arkade's, in Arkade's order, but for the namespace and schema
    // location: samla writes the official DIAS_METS.xsd's, Arkade loc.gov's.
    let namespace = ["xmlns:mets", "xsi:schemaLocation"];
    assert_eq!(attr_names(&ours), attr_names(&arkade));
    assert_eq!(attrs_but(&ours, &namespace), attrs_but(&arkade, &namespace));
    assert_eq!(ours.attr("xmlns:mets"), Some(NS_METS));
    assert_eq!(ours.attr("xsi:schemaLocation"), Some(SCHEMA_LOCATION));
    assert_eq!(arkade.attr("xmlns:mets"), Some("http://www.loc.gov/METS/"));
    assert_eq!(ours.local_name(), arkade.local_name());
    let (ours, arkade) =
        (by_local_names(ours.child("metsHdr").unwrap()), by_local_names(arkade.child("metsHdr").unwrap()));
    assert_eq!(ours.semantic_diff(&arkade), None);
}

/// Arkade's dias-mets.xml of its example package, parsed.
fn arkade_mets() -> Element {
    let arkade = from_arkade_tar("/dias-mets.xml");
    parse(arkade.strip_prefix(b"\xef\xbb\xbf").unwrap())
}

/// The files Arkade's dias-mets.xml lists, as samla would be given them.
fn arkade_listing() -> Vec<PackageFile> {
    let arkade = arkade_mets();
    let group = arkade.child("fileSec").unwrap().child("fileGrp").unwrap();
    group
        .children_named("file")
        .map(|f| PackageFile {
            path: f.child("FLocat").unwrap().attr("xlink:href").unwrap().strip_prefix("file:").unwrap().to_string(),
            size: f.attr("SIZE").unwrap().parse().unwrap(),
            sha256: f.attr("CHECKSUM").unwrap().to_string(),
            created: f.attr("CREATED").unwrap().to_string(),
        })
        .collect()
}

#[test]
fn files_are_listed_as_arkade_lists_them() {
    let arkade = arkade_mets();
    let arkade_files: Vec<_> = arkade.child("fileSec").unwrap().child("fileGrp").unwrap().children.clone();
    let files = arkade_listing();
    assert_eq!(files.len(), arkade_files.len());
    let ours = parse(&dias_mets(&Header::default(), &files));
    let group = ours.child("fileSec").unwrap().child("fileGrp").unwrap();
    assert_eq!(group.attrs, arkade.child("fileSec").unwrap().child("fileGrp").unwrap().attrs);
    assert_eq!(group.children.len(), arkade_files.len());
    let allowed = official_mime_types();
    for (ours, theirs) in group.children.iter().zip(&arkade_files) {
        // Arkade writes application/<extension>; samla only the types DIAS_METS.xsd allows.
        let mut theirs = by_local_names(theirs);
        let mime = match theirs.attr("MIMETYPE").unwrap() {
            "application/xml" | "application/xsd" => "application/xml",
            "application/pdf" => "image/pdf",
            "application/csv" | "application/html" => "text/plain",
            other => panic!("Arkade's listing has a MIME type this test does not know: {other}"),
        };
        assert!(allowed.iter().any(|a| a == mime), "{mime}");
        theirs.set_attr("MIMETYPE", mime);
        assert_eq!(by_local_names(ours).semantic_diff(&theirs), None);
    }
    // The structMap points at every file.
    let div = ours.child("structMap").unwrap().child("div").unwrap();
    let ids: Vec<_> = div.children_named("fptr").map(|f| f.attr("FILEID").unwrap().to_string()).collect();
    let expected: Vec<_> = (1..=files.len()).map(|i| format!("fileId_{i}")).collect();
    assert_eq!(ids, expected);
}

#[test]
fn the_listing_reads_back_with_verify() {
    let files = package_files();
    let xml = dias_mets(&example_header(), &files);
    let (objid, listed) = samla_package::verify::read_mets(std::io::Cursor::new(xml), "dias-mets.xml").unwrap();
    assert_eq!(objid.as_deref(), Some(&*format!("UUID:{UUID}")));
    assert_eq!(listed.len(), files.len());
    for (l, f) in listed.iter().zip(&files) {
        assert_eq!(
            (&l.path, &l.checksum, l.size, l.checksum_type.as_str()),
            (&f.path, &f.sha256, Some(f.size), "SHA-256")
        );
    }
}

#[test]
fn text_is_escaped() {
    let mut header = example_header();
    header.label = r#"Ski <&> "kommune""#.into();
    header.agents[0].name = "A & B <AS>".into();
    header.alt_records.push(("DELIVERYSPECIFICATION".into(), "x < y & \"z\"".into()));
    let files = vec![file("content/a&b \"c\".xml", 1, 'a')];
    let xml = dias_mets(&header, &files);
    let text = String::from_utf8(xml.clone()).unwrap();
    assert!(text.contains(r#"LABEL="Ski &lt;&amp;&gt; &quot;kommune&quot;""#), "{text}");
    assert!(text.contains("<mets:name>A &amp; B &lt;AS&gt;</mets:name>"), "{text}");
    assert!(text.contains(r#"xlink:href="file:content/a&amp;b &quot;c&quot;.xml""#), "{text}");
    assert_valid(&schemas().official_mets, &xml, "dias-mets.xml with markup in its text");
    let doc = parse(&xml);
    assert_eq!(doc.attr("LABEL"), Some(r#"Ski <&> "kommune""#));
    let hdr = doc.child("metsHdr").unwrap();
    assert_eq!(hdr.child("agent").unwrap().value("name"), Some("A & B <AS>"));
    assert!(hdr.children_named("altRecordID").any(|a| a.text == "x < y & \"z\""));
}

#[test]
fn output_is_deterministic_utf8_without_bom() {
    let header = example_header();
    let tar = file(&format!("{UUID}.tar"), 1, 'f');
    let mets_file = file(&format!("{UUID}/dias-mets.xml"), 1, '0');
    let outputs = [
        (dias_mets(&header, &package_files()), dias_mets(&example_header(), &package_files())),
        (
            submission_description(&header, &format!("{UUID}.tar"), &tar, &mets_file),
            submission_description(&example_header(), &format!("{UUID}.tar"), &tar, &mets_file),
        ),
        (dias_premis(UUID), dias_premis(UUID)),
        (log(UUID, &events()), log(UUID, &events())),
    ];
    for (a, b) in outputs {
        assert_eq!(a, b);
        assert!(a.starts_with(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
        assert!(std::str::from_utf8(&a).is_ok());
    }
}

#[test]
fn mime_types() {
    // Only values of DIAS_METS.xsd's enumeration; what it has no type for is text/plain.
    let allowed = official_mime_types();
    for (path, mime) in [
        ("content/arkivstruktur.xml", "application/xml"),
        ("dias-mets.xsd", "application/xml"),
        ("content/dokumenter/5000000.PDF", "image/pdf"),
        ("content/documentfile-formatinfo.csv", "text/plain"),
        ("a/readme.Txt", "text/plain"),
        ("258e3353-cef2-407f-92ac-264ad887527b.tar", "application/x-tar"),
        ("scan.tif", "image/tiff"),
        ("scan.TIFF", "image/tiff"),
        ("foto.jpg", "image/jpg"),
        ("foto.JPEG", "image/jpg"),
        ("opptak.mp3", "audio/mp3"),
        ("film.mpg", "video/mpg"),
        ("film.MPEG", "video/mpg"),
        ("kart.png", "text/plain"),
        ("report.html", "text/plain"),
        ("content/dokumenter/5000000.docx", "text/plain"),
        ("content/README", "text/plain"),
        ("content.d/README", "text/plain"),
        ("content\\dokumenter\\1.pdf", "image/pdf"),
        ("", "text/plain"),
    ] {
        assert_eq!(mime_type(path), mime, "{path}");
        assert!(allowed.iter().any(|a| a == mime), "{mime} is not in DIAS_METS.xsd's enumeration {allowed:?}");
    }
}

#[test]
fn metadata_errors_name_file_and_line() {
    let line = |e: &samla_noark5::Error| e.pos.map(|p| p.line);
    let syntax = Metadata::parse("label = \"a\"\n\n[archivist\norganisation = \"x\"\n", "meta.toml").unwrap_err();
    assert!(syntax.to_string().starts_with("meta.toml:3:"), "{syntax}");
    assert!(syntax.to_string().contains("hint: see `samla package --example-metadata`"), "{syntax}");

    let unknown =
        Metadata::parse("label = \"a\"\n[archivist]\norganisation = \"x\"\nfax = \"1\"\n", "meta.toml").unwrap_err();
    assert!(line(&unknown) == Some(4) && unknown.message.contains("fax"), "{unknown}");

    let missing = Metadata::parse("[submitter]\ncontact = \"Kari\"\n", "meta.toml").unwrap_err();
    assert!(missing.message.contains("organisation") && line(&missing) == Some(1), "{missing}");

    let wrong = Metadata::parse("label = \"a\"\nperiod = [\"2008-01-01\", 2019]\n", "meta.toml").unwrap_err();
    assert_eq!(line(&wrong), Some(2), "{wrong}");

    let kind = Metadata::parse("recipient = 5\n", "meta.toml").unwrap_err();
    assert_eq!(line(&kind), Some(1), "{kind}");
}

#[test]
fn metadata_takes_toml_dates() {
    let m = Metadata::parse("period = [2008-01-01, \"2019-12-31\"]\n", "m.toml").unwrap();
    assert_eq!(m.period, Some(("2008-01-01".to_string(), "2019-12-31".to_string())));
    assert_eq!(Metadata::parse("", "m.toml").unwrap(), Metadata::default());
}

/// An agent as (ROLE, OTHERROLE, TYPE, OTHERTYPE, name).
type Role = (String, Option<String>, String, Option<String>, String);

fn roles(header: &Header) -> Vec<Role> {
    header
        .agents
        .iter()
        .map(|a| (a.role.clone(), a.other_role.clone(), a.kind.clone(), a.other_type.clone(), a.name.clone()))
        .collect()
}

#[test]
fn example_parses_to_full_metadata() {
    let m = Metadata::parse(EXAMPLE, "example.toml").unwrap();
    assert!(m.label.is_some() && m.recipient.is_some() && m.period.is_some());
    assert!(m.submission_agreement.is_some() && m.delivery_specification.is_some());
    for p in [&m.archivist, &m.submitter, &m.producer, &m.owner, &m.creator] {
        assert!(p.as_ref().is_some_and(|p| !p.organisation.is_empty()), "{p:?}");
    }
    let system = m.system.as_ref().unwrap();
    assert!(system.version.is_some() && system.r#type.is_some() && system.type_version.is_some());
    let archivist = m.archivist.as_ref().unwrap();
    assert!(archivist.contact.is_some() && archivist.address.is_some());
    assert!(archivist.phone.is_some() && archivist.email.is_some());

    let header = example_header();
    let s = |v: &str| v.to_string();
    let o = |v: &str| Some(v.to_string());
    assert_eq!(
        roles(&header),
        [
            (s("ARCHIVIST"), None, s("ORGANIZATION"), None, s("Ski kommune")),
            (s("ARCHIVIST"), None, s("INDIVIDUAL"), None, s("Kari Nordmann")),
            (s("OTHER"), o("SUBMITTER"), s("ORGANIZATION"), None, s("Nordre Follo kommune")),
            (s("OTHER"), o("SUBMITTER"), s("INDIVIDUAL"), None, s("Ola Nordmann")),
            (s("OTHER"), o("PRODUCER"), s("ORGANIZATION"), None, s("Nordre Follo kommune, IKT")),
            (s("OTHER"), o("PRODUCER"), s("INDIVIDUAL"), None, s("Per Hansen")),
            (s("IPOWNER"), None, s("ORGANIZATION"), None, s("Nordre Follo kommune")),
            (s("CREATOR"), None, s("ORGANIZATION"), None, s("Nordre Follo kommune, arkivtjenesten")),
            (s("CREATOR"), None, s("INDIVIDUAL"), None, s("Kari Nordmann")),
            (s("CREATOR"), None, s("OTHER"), o("SOFTWARE"), s("samla")),
            (s("PRESERVATION"), None, s("ORGANIZATION"), None, s("IKA Øst")),
            (s("ARCHIVIST"), None, s("OTHER"), o("SOFTWARE"), s("ePhorte")),
        ]
    );
    assert_eq!(header.agents[1].notes.last().map(String::as_str), Some("notescontent:Address,Telephone,Email"));
    assert_eq!(header.agents[5].notes, ["ikt@nordrefollo.kommune.no", "notescontent:Email"]);
    assert_eq!(header.agents[9].notes, ["0.1.0", "notescontent:Version"]);
    assert_eq!(header.agents[11].notes, ["5.5", "Noark5", "v3.1", "notescontent:Version,Type,TypeVersion"]);
    let alt: Vec<_> = header.alt_records.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(alt, ["DELIVERYSPECIFICATION", "SUBMISSIONAGREEMENT", "STARTDATE", "ENDDATE"]);
    assert_eq!(header.alt_records[2].1, "2008-01-01");
    assert_eq!(header.label, "Ski kommune, ePhorte (2008 - 2019)");
    assert_eq!(header.uuid, UUID);
    assert_eq!(header.created, CREATED);
    assert!(header.shortfalls().is_empty(), "{:?}", header.shortfalls());
}

#[test]
fn arkivuttrekk_fills_in_what_the_file_leaves_out() {
    let uttrekk = arkade_uttrekk();
    let header = Metadata::default().header(Some(&uttrekk), UUID, PackageType::Aip, CREATED, "0.1.0");
    let s = |v: &str| v.to_string();
    let o = |v: &str| Some(v.to_string());
    // The archive creator is also submitter, producer and owner: six agents.
    assert_eq!(
        roles(&header),
        [
            (s("ARCHIVIST"), None, s("ORGANIZATION"), None, s("Lewis Caroll")),
            (s("OTHER"), o("SUBMITTER"), s("ORGANIZATION"), None, s("Lewis Caroll")),
            (s("OTHER"), o("PRODUCER"), s("ORGANIZATION"), None, s("Lewis Caroll")),
            (s("IPOWNER"), None, s("ORGANIZATION"), None, s("Lewis Caroll")),
            (s("CREATOR"), None, s("OTHER"), o("SOFTWARE"), s("samla")),
            (s("ARCHIVIST"), None, s("OTHER"), o("SOFTWARE"), s("Utrolig dårlig arkiv")),
        ]
    );
    assert!(header.agents[..4].iter().all(|a| a.notes.is_empty()));
    assert_eq!(header.agents[5].notes, ["Noark5", "v3.1", "notescontent:Type,TypeVersion"]);
    assert_eq!(header.alt_records, [(s("STARTDATE"), s("1863-03-27")), (s("ENDDATE"), s("1865-12-11"))]);
    assert_eq!(header.label, "Utrolig dårlig arkiv (1863 - 1865)");
    assert_eq!(header.package_type, PackageType::Aip);
    let shortfalls = header.shortfalls();
    assert_eq!(shortfalls.len(), 1, "{shortfalls:?}");
    assert!(shortfalls[0].contains("altRecordIDs"), "{shortfalls:?}");

    // Fewer than three altRecordIDs are padded, as Arkade pads them; the six agents satisfy
    // DIAS_METS.xsd.
    let xml = dias_mets(&header, &plain_files());
    assert_valid(&schemas().official_mets, &xml, "dias-mets.xml from arkivuttrekk.xml alone");
    let doc = parse(&xml);
    assert_eq!(doc.attr("TYPE"), Some("AIP"));
    assert_eq!(doc.child("metsHdr").unwrap().children_named("altRecordID").count(), 3);

    // The file's system fields win; what it leaves out comes from arkivuttrekk.xml.
    let partial = Metadata::parse("[system]\nname = \"Elements\"\nversion = \"2.1\"\n", "m.toml").unwrap();
    let header = partial.header(Some(&uttrekk), UUID, PackageType::Sip, CREATED, "0.1.0");
    let system = header.agents.last().unwrap();
    assert_eq!(system.name, "Elements");
    assert_eq!(system.notes, ["2.1", "Noark5", "v3.1", "notescontent:Version,Type,TypeVersion"]);

    // A party the file names wins over the archive creator; the others still fall back.
    let submitter = Metadata::parse("[submitter]\norganisation = \"Nordre Follo kommune\"\n", "m.toml").unwrap();
    let header = submitter.header(Some(&uttrekk), UUID, PackageType::Sip, CREATED, "0.1.0");
    let names: Vec<_> = header.agents.iter().map(|a| (a.other_role.as_deref().unwrap_or(&a.role), &*a.name)).collect();
    assert_eq!(
        names[..4],
        [
            ("ARCHIVIST", "Lewis Caroll"),
            ("SUBMITTER", "Nordre Follo kommune"),
            ("PRODUCER", "Lewis Caroll"),
            ("IPOWNER", "Lewis Caroll")
        ]
    );

    // Without arkivuttrekk.xml, only samla itself.
    let header = Metadata::default().header(None, UUID, PackageType::Sip, CREATED, "0.1.0");
    assert_eq!(header.agents.len(), 1);
    assert_eq!(header.label, "");
    assert!(!String::from_utf8(dias_mets(&header, &[])).unwrap().contains("LABEL="));
}

#[test]
fn one_record_creator_gives_the_six_agents_dias_mets_xsd_requires() {
    // arkivuttrekk.xml with one archive creator and the system (systemName, which the Noark 5
    // template of arkivuttrekk.xml carries), and no metadata file.
    let uttrekk = Arkivuttrekk {
        record_creators: vec!["Ski kommune".into()],
        system_name: Some("ePhorte".into()),
        ..Arkivuttrekk::default()
    };
    let header = Metadata::default().header(Some(&uttrekk), UUID, PackageType::Sip, CREATED, "0.1.0");
    assert!(header.agents.len() >= 6, "{:#?}", roles(&header));
    assert!(header.shortfalls().iter().all(|s| !s.contains("agents")), "{:?}", header.shortfalls());
    let s = |v: &str| v.to_string();
    let o = |v: &str| Some(v.to_string());
    assert_eq!(
        roles(&header),
        [
            (s("ARCHIVIST"), None, s("ORGANIZATION"), None, s("Ski kommune")),
            (s("OTHER"), o("SUBMITTER"), s("ORGANIZATION"), None, s("Ski kommune")),
            (s("OTHER"), o("PRODUCER"), s("ORGANIZATION"), None, s("Ski kommune")),
            (s("IPOWNER"), None, s("ORGANIZATION"), None, s("Ski kommune")),
            (s("CREATOR"), None, s("OTHER"), o("SOFTWARE"), s("samla")),
            (s("ARCHIVIST"), None, s("OTHER"), o("SOFTWARE"), s("ePhorte")),
        ]
    );

    assert_valid(&schemas().official_mets, &dias_mets(&header, &plain_files()), "dias-mets.xml");
    let tar = file(&format!("{UUID}.tar"), 409600, 'f');
    let mets_file = file(&format!("{UUID}/dias-mets.xml"), 11232, '0');
    let xml = submission_description(&header, &format!("{UUID}.tar"), &tar, &mets_file);
    assert_valid(&schemas().official_mets, &xml, "the submission description");

    // Without systemName there is no system agent: the archive creator's four roles and
    // samla make five, and the header says it falls short rather than passing silently.
    let bare = Arkivuttrekk { record_creators: vec!["Ski kommune".into()], ..Arkivuttrekk::default() };
    let header = Metadata::default().header(Some(&bare), UUID, PackageType::Sip, CREATED, "0.1.0");
    let creator_roles: Vec<_> = header
        .agents
        .iter()
        .filter(|a| a.name == "Ski kommune" && a.kind == "ORGANIZATION")
        .map(|a| a.other_role.as_deref().unwrap_or(&a.role))
        .collect();
    assert_eq!(creator_roles, ["ARCHIVIST", "SUBMITTER", "PRODUCER", "IPOWNER"]);
    let short = header.shortfalls().iter().any(|s| s.contains("agents"));
    assert_eq!(short, header.agents.len() < 6, "{:?}", header.shortfalls());
    assert_eq!(xmllint(&schemas().official_mets, &dias_mets(&header, &plain_files())).is_ok(), !short);
}

#[test]
fn package_type_strings() {
    assert_eq!(PackageType::Sip.as_str(), "SIP");
    assert_eq!(PackageType::Aip.as_str(), "AIP");
    let _: &Agent = &example_header().agents[0];
    assert_eq!(mets::PROFILE, "http://xml.ra.se/METS/RA_METS_eARD.xml");
}
