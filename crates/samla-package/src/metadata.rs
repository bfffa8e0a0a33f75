//! The metadata file of `samla package --metadata FILE`: who and what the package is about,
//! in TOML a person writes. [`EXAMPLE`] is a commented template.
//!
//! What the file leaves out is taken from `arkivuttrekk.xml` where it can be: the archive
//! creators (recordCreator), the period (archivalPeriod) and the system (systemName, the
//! Noark 5 version). [`Metadata::header`] turns the lot into the METS [`Header`], with the
//! parties mapped to agents as Arkade 5 maps them.
//!
//! ```
//! use samla_package::metadata::Metadata;
//! use samla_package::mets::PackageType;
//!
//! let m = Metadata::parse("recipient = \"IKA Øst\"\n[archivist]\norganisation = \"Ski kommune\"\n", "m.toml")?;
//! let header = m.header(None, "258e3353-cef2-407f-92ac-264ad887527b", PackageType::Sip, "2024-05-01T12:00:00+02:00", "0.1.0");
//! assert_eq!(header.agents[0].name, "Ski kommune");
//! # Ok::<(), samla_noark5::Error>(())
//! ```

use samla_noark5::addml::Arkivuttrekk;
use serde::{Deserialize, Deserializer};

use crate::mets::{Agent, Header, PackageType};

/// A commented template for the metadata file: a Norwegian municipal deposit.
pub const EXAMPLE: &str = r#"# Metadata for samla package --metadata FILE (TOML).
#
# Describes who and what a DIAS package is about; it goes into the METS header of
# dias-mets.xml and of the submission description <uuid>.xml beside the tar.
# Every field may be left out. What is left out of the archive creator, the period and
# the system is taken from arkivuttrekk.xml (recordCreator, archivalPeriod, systemName
# and the Noark 5 version).

# The package's name (METS LABEL). Default: "<system> (<start year> - <end year>)".
label = "Ski kommune, ePhorte (2008 - 2019)"

# The depot that receives the package (ROLE=PRESERVATION).
recipient = "IKA Øst"

# The archive's period (altRecordID STARTDATE and ENDDATE), YYYY-MM-DD.
period = ["2008-01-01", "2019-12-31"]

# The submission agreement (avleveringsavtale) the package is delivered under
# (altRecordID SUBMISSIONAGREEMENT).
submission_agreement = "IKA Øst 2020/0117; 2020-06-15"

# What the delivery is (altRecordID DELIVERYSPECIFICATION).
delivery_specification = "Sak-/arkivsystem ePhorte, Ski kommune 2008-2019"

# A party is an organisation, and optionally a contact person with address, phone
# and email.

# The archive creator, arkivskaper (ROLE=ARCHIVIST).
[archivist]
organisation = "Ski kommune"
contact = "Kari Nordmann"
address = "Postboks 3010, 1402 Ski"
phone = "+47 64 00 00 01"
email = "postmottak@nordrefollo.kommune.no"

# Who hands the package over, avleverer (ROLE=OTHER, OTHERROLE=SUBMITTER).
[submitter]
organisation = "Nordre Follo kommune"
contact = "Ola Nordmann"
address = "Postboks 3010, 1402 Ski"
phone = "+47 64 00 00 02"
email = "arkiv@nordrefollo.kommune.no"

# Who produced the extract (ROLE=OTHER, OTHERROLE=PRODUCER).
[producer]
organisation = "Nordre Follo kommune, IKT"
contact = "Per Hansen"
email = "ikt@nordrefollo.kommune.no"

# Who owns the archive, eier (ROLE=IPOWNER).
[owner]
organisation = "Nordre Follo kommune"

# Who made the package (ROLE=CREATOR). samla itself is named as well.
[creator]
organisation = "Nordre Follo kommune, arkivtjenesten"
contact = "Kari Nordmann"
phone = "+47 64 00 00 01"

# The system the extract comes from (ROLE=ARCHIVIST, TYPE=OTHER, OTHERTYPE=SOFTWARE).
# type is Noark5 (or Noark3, Noark4, Fagsystem); type_version the Noark 5 version.
[system]
name = "ePhorte"
version = "5.5"
type = "Noark5"
type_version = "v3.1"
"#;

/// The metadata file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// METS LABEL.
    pub label: Option<String>,
    /// The archive creator, arkivskaper (ROLE=ARCHIVIST). Default: recordCreator in
    /// arkivuttrekk.xml.
    pub archivist: Option<Party>,
    /// Who hands the package over (ROLE=OTHER, OTHERROLE=SUBMITTER).
    pub submitter: Option<Party>,
    /// Who produced the extract (ROLE=OTHER, OTHERROLE=PRODUCER).
    pub producer: Option<Party>,
    /// Who owns the archive (ROLE=IPOWNER).
    pub owner: Option<Party>,
    /// Who made the package (ROLE=CREATOR).
    pub creator: Option<Party>,
    /// The receiving depot (ROLE=PRESERVATION).
    pub recipient: Option<String>,
    /// The system the extract comes from (ROLE=ARCHIVIST, OTHERTYPE=SOFTWARE).
    pub system: Option<System>,
    /// Start and end date. TOML dates (`2008-01-01`) and strings are both taken.
    #[serde(default, deserialize_with = "period")]
    pub period: Option<(String, String)>,
    /// altRecordID SUBMISSIONAGREEMENT.
    pub submission_agreement: Option<String>,
    /// altRecordID DELIVERYSPECIFICATION.
    pub delivery_specification: Option<String>,
}

/// An organisation and, optionally, its contact person.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// The organisation's name.
    pub organisation: String,
    /// The contact person's name.
    pub contact: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Telephone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
}

/// A software system.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct System {
    /// The system's name, e.g. `ePhorte`.
    pub name: String,
    /// The system's version.
    pub version: Option<String>,
    /// The kind of system: `Noark5`, `Noark4`, `Noark3` or `Fagsystem`.
    pub r#type: Option<String>,
    /// The standard's version, e.g. `v3.1` for Noark 5 v3.1.
    pub type_version: Option<String>,
}

/// A date written as a TOML string or a TOML date.
fn date_text(value: toml::Value) -> Result<String, String> {
    match value {
        toml::Value::String(s) => Ok(s),
        toml::Value::Datetime(d) => Ok(d.to_string()),
        other => Err(format!("expected a date such as \"2008-01-01\", found {}", other.type_str())),
    }
}

fn period<'de, D: Deserializer<'de>>(d: D) -> Result<Option<(String, String)>, D::Error> {
    let (start, end) = <(toml::Value, toml::Value)>::deserialize(d)?;
    let start = date_text(start).map_err(serde::de::Error::custom)?;
    let end = date_text(end).map_err(serde::de::Error::custom)?;
    Ok(Some((start, end)))
}

/// The trimmed value, if it holds anything.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Agents for a party, as Arkade writes them: an ORGANIZATION agent with the organisation,
/// then, when there is contact data, an INDIVIDUAL agent with the contact's name and notes
/// address, telephone, email and `notescontent:` naming those given.
fn party_agents(party: &Party, role: &str, other_role: Option<&str>, out: &mut Vec<Agent>) {
    let agent = |kind: &str, name: &str, notes: Vec<String>| Agent {
        role: role.to_string(),
        other_role: other_role.map(str::to_string),
        kind: kind.to_string(),
        other_type: None,
        name: name.to_string(),
        notes,
    };
    let organisation = party.organisation.trim();
    if !organisation.is_empty() {
        out.push(agent("ORGANIZATION", organisation, Vec::new()));
    }
    let mut notes = Vec::new();
    let mut fields = Vec::new();
    for (value, field) in [(&party.address, "Address"), (&party.phone, "Telephone"), (&party.email, "Email")] {
        if let Some(v) = given(value) {
            notes.push(v.to_string());
            fields.push(field);
        }
    }
    let contact = given(&party.contact);
    if contact.is_some() || !notes.is_empty() {
        if !fields.is_empty() {
            notes.push(format!("notescontent:{}", fields.join(",")));
        }
        out.push(agent("INDIVIDUAL", contact.unwrap_or(organisation), notes));
    }
}

/// A software agent with notes and `notescontent:` naming them.
fn software_agent(role: &str, name: &str, notes: &[(Option<&str>, &str)]) -> Agent {
    let given: Vec<_> = notes.iter().filter_map(|(v, field)| Some(((*v)?, *field))).collect();
    let mut out: Vec<String> = given.iter().map(|(v, _)| v.to_string()).collect();
    if !given.is_empty() {
        let fields: Vec<_> = given.iter().map(|(_, f)| *f).collect();
        out.push(format!("notescontent:{}", fields.join(",")));
    }
    Agent {
        role: role.to_string(),
        other_role: None,
        kind: "OTHER".to_string(),
        other_type: Some("SOFTWARE".to_string()),
        name: name.to_string(),
        notes: out,
    }
}

/// The year of a date such as `2008-01-01`.
fn year(date: &str) -> Option<&str> {
    let y = date.trim().get(..4)?;
    y.bytes().all(|b| b.is_ascii_digit()).then_some(y)
}

impl Metadata {
    /// Reads the metadata file's text; `file` names it in errors. An error names the file,
    /// the line and column, and what is wrong (a syntax error, an unknown key, a value of
    /// the wrong kind).
    pub fn parse(text: &str, file: &str) -> samla_noark5::Result<Metadata> {
        toml::from_str(text).map_err(|e| {
            let mut err =
                samla_noark5::Error::new(samla_noark5::ErrorKind::Content, file, e.message().trim_end().to_string())
                    .with_hint("see `samla package --example-metadata` for the form");
            if let Some(span) = e.span() {
                err = err.at(samla_noark5::pos::Pos::in_text(text, span.start));
            }
            err
        })
    }

    /// The METS header: agents from the file; where it leaves out the archive creator,
    /// period or system, they are taken from arkivuttrekk.xml (recordCreator,
    /// archivalPeriod, systemName and the Noark 5 version). Where it names no submitter,
    /// producer or owner, each of those roles is filled by the archive creators
    /// (recordCreator) as organisations. The software agent is samla itself (name `samla`,
    /// note `samla_version`).
    ///
    /// Agents come in Arkade's order: archivist, submitter, producer, owner, creator, samla,
    /// recipient, system; altRecordIDs as DELIVERYSPECIFICATION, SUBMISSIONAGREEMENT,
    /// STARTDATE, ENDDATE.
    pub fn header(
        &self,
        uttrekk: Option<&Arkivuttrekk>,
        uuid: &str,
        package_type: PackageType,
        created: &str,
        samla_version: &str,
    ) -> Header {
        let mut agents = Vec::new();
        match &self.archivist {
            Some(p) => party_agents(p, "ARCHIVIST", None, &mut agents),
            None => {
                for creator in uttrekk.iter().flat_map(|u| &u.record_creators) {
                    let party = Party { organisation: creator.clone(), ..Party::default() };
                    party_agents(&party, "ARCHIVIST", None, &mut agents);
                }
            }
        }
        // Where the file names no submitter, producer or owner, the archive creator is
        // each: a municipality delivering its own archive. DIAS_METS.xsd needs six agents.
        let creators: Vec<Party> = uttrekk
            .iter()
            .flat_map(|u| &u.record_creators)
            .map(|c| Party { organisation: c.clone(), ..Party::default() })
            .collect();
        for (party, role, other) in [
            (&self.submitter, "OTHER", Some("SUBMITTER")),
            (&self.producer, "OTHER", Some("PRODUCER")),
            (&self.owner, "IPOWNER", None),
        ] {
            match party {
                Some(p) => party_agents(p, role, other, &mut agents),
                None => creators.iter().for_each(|p| party_agents(p, role, other, &mut agents)),
            }
        }
        if let Some(p) = &self.creator {
            party_agents(p, "CREATOR", None, &mut agents);
        }
        agents.push(software_agent("CREATOR", "samla", &[(Some(samla_version), "Version")]));
        if let Some(r) = given(&self.recipient) {
            agents.push(Agent {
                role: "PRESERVATION".into(),
                kind: "ORGANIZATION".into(),
                name: r.to_string(),
                ..Agent::default()
            });
        }

        // The system: the file's fields first, then arkivuttrekk.xml's.
        let file_system = self.system.as_ref();
        let system_name = file_system
            .map(|s| s.name.trim())
            .filter(|n| !n.is_empty())
            .or_else(|| uttrekk.and_then(|u| u.system_name.as_deref()).map(str::trim).filter(|n| !n.is_empty()));
        let noark_version = uttrekk.and_then(|u| u.version.as_deref()).map(str::trim).filter(|v| !v.is_empty());
        if let Some(name) = system_name {
            let version = file_system.and_then(|s| given(&s.version));
            let kind = file_system.and_then(|s| given(&s.r#type)).or(noark_version.map(|_| "Noark5"));
            let type_version = file_system.and_then(|s| given(&s.type_version)).map(str::to_string).or_else(|| {
                noark_version.map(|v| if v.starts_with(['v', 'V']) { v.to_string() } else { format!("v{v}") })
            });
            agents.push(software_agent(
                "ARCHIVIST",
                name,
                &[(version, "Version"), (kind, "Type"), (type_version.as_deref(), "TypeVersion")],
            ));
        }

        let (start, end) = match &self.period {
            Some((s, e)) => (Some(s.trim()), Some(e.trim())),
            None => (
                uttrekk.and_then(|u| u.period_start.as_deref()).map(str::trim),
                uttrekk.and_then(|u| u.period_end.as_deref()).map(str::trim),
            ),
        };
        let (start, end) = (start.filter(|s| !s.is_empty()), end.filter(|s| !s.is_empty()));
        let mut alt_records = Vec::new();
        for (kind, value) in [
            ("DELIVERYSPECIFICATION", given(&self.delivery_specification)),
            ("SUBMISSIONAGREEMENT", given(&self.submission_agreement)),
            ("STARTDATE", start),
            ("ENDDATE", end),
        ] {
            if let Some(v) = value {
                alt_records.push((kind.to_string(), v.to_string()));
            }
        }

        let label = match given(&self.label) {
            Some(l) => l.to_string(),
            None => match (system_name, start.and_then(year), end.and_then(year)) {
                (Some(n), Some(a), Some(b)) => format!("{n} ({a} - {b})"),
                (Some(n), _, _) => n.to_string(),
                _ => uttrekk.and_then(|u| u.archive.clone()).unwrap_or_default(),
            },
        };

        Header { uuid: uuid.to_string(), label, package_type, created: created.to_string(), agents, alt_records }
    }
}
