//! The descriptive metadata of an AIP (`descriptive_metadata/`): the archive described
//! in EAD 2002 (`ead.xml`, one fonds) and its creator in EAC-CPF 2010 (`eac-cpf.xml`),
//! both from the METS header (label, period, agents) and arkivuttrekk.xml (creators,
//! system, counts).
//!
//! ```
//! use samla_package::descriptive::{ead, eac_cpf};
//! use samla_package::mets::{Header, PackageType};
//! let header = Header {
//!     uuid: "258e3353-cef2-407f-92ac-264ad887527b".into(),
//!     label: "Ski kommune (2015 - 2019)".into(),
//!     package_type: PackageType::Aip,
//!     created: "2026-11-22T12:00:00+01:00".into(),
//!     agents: Vec::new(),
//!     alt_records: vec![("STARTDATE".into(), "2015-01-01".into()), ("ENDDATE".into(), "2019-12-31".into())],
//! };
//! let ead = String::from_utf8(ead(&header, None)).unwrap();
//! assert!(ead.contains("<unitdate normal=\"2015-01-01/2019-12-31\">2015-01-01 - 2019-12-31</unitdate>"));
//! assert!(String::from_utf8(eac_cpf(&header, None)).unwrap().contains("<entityType>corporateBody</entityType>"));
//! ```

use samla_noark5::Element;
use samla_noark5::addml::Arkivuttrekk;
use samla_noark5::writer::XmlWriter;

use crate::mets::Header;

/// The namespace of EAD 2002.
pub const EAD_NS: &str = "urn:isbn:1-931666-22-9";
/// The namespace of EAC-CPF 2010.
pub const EAC_NS: &str = "urn:isbn:1-931666-33-4";

fn alt<'a>(header: &'a Header, kind: &str) -> Option<&'a str> {
    header.alt_records.iter().find(|(k, _)| k == kind).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

/// The archive creators: from arkivuttrekk.xml, else the METS agents with ROLE=CREATOR
/// or ARCHIVIST.
fn creators(header: &Header, uttrekk: Option<&Arkivuttrekk>) -> Vec<String> {
    let from_uttrekk: Vec<String> = uttrekk.map(|u| u.record_creators.clone()).unwrap_or_default();
    if !from_uttrekk.is_empty() {
        return from_uttrekk;
    }
    header
        .agents
        .iter()
        .filter(|a| matches!(a.role.as_str(), "CREATOR" | "ARCHIVIST") && a.kind == "ORGANIZATION")
        .map(|a| a.name.clone())
        .collect()
}

fn title(header: &Header, uttrekk: Option<&Arkivuttrekk>) -> String {
    uttrekk.and_then(|u| u.archive.clone()).filter(|a| !a.is_empty()).unwrap_or_else(|| {
        if header.label.is_empty() { format!("Arkiv {}", header.uuid) } else { header.label.clone() }
    })
}

fn write(root: &Element) -> Vec<u8> {
    let mut w = XmlWriter::new(Vec::new());
    w.element(root).expect("writing to memory does not fail");
    w.finish().expect("writing to memory does not fail")
}

/// `ead.xml`: the fonds with its title, identifier, period, creators, extent and system.
pub fn ead(header: &Header, uttrekk: Option<&Arkivuttrekk>) -> Vec<u8> {
    let title = title(header, uttrekk);
    let mut ead = Element::new("ead");
    ead.set_attr("xmlns", EAD_NS);
    let mut eadheader = Element::new("eadheader");
    eadheader.push_field("eadid", &header.uuid);
    let mut titlestmt = Element::new("titlestmt");
    titlestmt.push_field("titleproper", &title);
    let mut filedesc = Element::new("filedesc");
    filedesc.push(titlestmt);
    eadheader.push(filedesc);
    let mut profile = Element::new("profiledesc");
    let mut creation = Element::with_text("creation", format!("samla {}, ", env!("CARGO_PKG_VERSION")));
    creation.push_field("date", &header.created);
    profile.push(creation);
    eadheader.push(profile);
    ead.push(eadheader);

    let mut did = Element::new("did");
    did.push_field("unittitle", &title).push_field("unitid", &header.uuid);
    if let (Some(start), Some(end)) = (alt(header, "STARTDATE"), alt(header, "ENDDATE")) {
        let mut date = Element::with_text("unitdate", format!("{start} - {end}"));
        date.set_attr("normal", format!("{start}/{end}"));
        did.push(date);
    }
    for creator in creators(header, uttrekk) {
        let mut origination = Element::new("origination");
        origination.push_field("corpname", creator);
        did.push(origination);
    }
    if let Some(u) = uttrekk {
        let counts: Vec<String> = u
            .files
            .iter()
            .flat_map(|f| &f.occurrences)
            .filter(|(k, _)| matches!(k.as_str(), "mappe" | "registrering"))
            .map(|(k, v)| format!("{v} {k}"))
            .collect();
        if !counts.is_empty() {
            let mut physdesc = Element::new("physdesc");
            physdesc.push_field("extent", counts.join(", "));
            did.push(physdesc);
        }
    }
    if let Some(r) = header.agents.iter().find(|a| a.role == "PRESERVATION") {
        let mut repository = Element::new("repository");
        repository.push_field("corpname", &r.name);
        did.push(repository);
    }
    let mut archdesc = Element::new("archdesc");
    archdesc.set_attr("level", "fonds");
    archdesc.push(did);
    let system: Vec<&str> = uttrekk
        .iter()
        .flat_map(|u| [u.system_type.as_deref(), u.system_name.as_deref()])
        .flatten()
        .filter(|s| !s.is_empty())
        .collect();
    if !system.is_empty() {
        let mut scope = Element::new("scopecontent");
        scope.push_field("p", format!("Arkivuttrekk fra {}", system.join(", ")));
        archdesc.push(scope);
    }
    ead.push(archdesc);
    write(&ead)
}

/// `eac-cpf.xml`: the (first) archive creator as a corporate body; further creators are
/// related to it.
pub fn eac_cpf(header: &Header, uttrekk: Option<&Arkivuttrekk>) -> Vec<u8> {
    let creators = creators(header, uttrekk);
    let mut eac = Element::new("eac-cpf");
    eac.set_attr("xmlns", EAC_NS);
    let mut control = Element::new("control");
    control.push_field("recordId", format!("{}-arkivskaper", header.uuid));
    control.push_field("maintenanceStatus", "new");
    let mut agency = Element::new("maintenanceAgency");
    agency.push_field("agencyName", "samla");
    control.push(agency);
    let mut event = Element::new("maintenanceEvent");
    event.push_field("eventType", "created");
    let mut when = Element::with_text("eventDateTime", &header.created);
    when.set_attr("standardDateTime", &header.created);
    event.push(when);
    event.push_field("agentType", "machine");
    event.push_field("agent", format!("samla {}", env!("CARGO_PKG_VERSION")));
    let mut history = Element::new("maintenanceHistory");
    history.push(event);
    control.push(history);
    eac.push(control);

    let mut identity = Element::new("identity");
    identity.push_field("entityType", "corporateBody");
    let mut name = Element::new("nameEntry");
    name.push_field("part", creators.first().cloned().unwrap_or_else(|| title(header, uttrekk)));
    identity.push(name);
    let mut description = Element::new("cpfDescription");
    description.push(identity);
    if creators.len() > 1 {
        let mut relations = Element::new("relations");
        for other in &creators[1..] {
            let mut relation = Element::new("cpfRelation");
            relation.set_attr("cpfRelationType", "associative");
            relation.push_field("relationEntry", other);
            relations.push(relation);
        }
        description.push(relations);
    }
    eac.push(description);
    write(&eac)
}
