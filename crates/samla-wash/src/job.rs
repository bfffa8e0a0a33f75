//! The washing job: a TOML file a person can read and review.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{self, Result};
use crate::snapshot::Snapshot;

/// A commented example job (`samla wash --example-job`).
pub const EXAMPLE: &str = r#"# samla wash: a washing job. Paths are relative to this file; they fit the data
# `samla generate-registers` makes (which writes this job beside it as wash.toml).
# The inputs are never modified; everything is written under [job].out, atomically.

[job]
name = "Nordre Follo: klienter og leverandører"
out = "washed"                 # output folder: washed tables, ledger.csv, manual.csv, report.json/html

[matching]
fuzzy_threshold = 0.92         # Jaro-Winkler on normalised names (rule P6)
street_threshold = 0.88        # Jaro-Winkler on normalised street names
nav_synthetic = false          # accept NAV's synthetic numbers (month + 40; they collide with H-numbers)

# Register snapshots: each has an ID and a date, which every ledger row carries.
[[snapshot]]
id = "freg-2026-11-01"
register = "folkeregisteret"   # JSON lines with Freg's structure
path = "registers/freg.jsonl"
as_of = "2026-11-01"

[[snapshot]]
id = "er-2026-11-01"
register = "enhetsregisteret"  # bulk CSV or JSON; add a second one for underenheter
path = "registers/enheter.csv"
as_of = "2026-11-01"

[[snapshot]]
id = "matrikkel-2026-11-01"
register = "matrikkelen"       # adresse CSV, ';' and UTF-8 with BOM
path = "registers/adresser.csv"
as_of = "2026-11-01"

[[snapshot]]
id = "krr-2026-11-01"
register = "krr"
path = "registers/krr.jsonl"
as_of = "2026-11-01"

[[snapshot]]
id = "klass131-2026-11-01"
register = "kommuneendringer"  # SSB Klass 131 changes: oldCode, oldName, newCode, newName, changeOccurred
path = "registers/kommuneendringer.csv"
as_of = "2026-11-01"

# Inputs: CSV (',' or ';') or Parquet. `entity` is person, organisation, address or party;
# `key` names the column that identifies a record; `columns` says which column means what.
[[input]]
name = "ski-klienter"
path = "input/ski-klienter.csv"
entity = "person"
key = "klient_id"
columns = { fnr = "fodselsnummer", name = "navn", birth_date = "fodt", address = "adresse", postnummer = "postnr", kommunenummer = "kommunenr" }
# or: columns = { fornavn = "fornavn", etternavn = "etternavn", ... }

[[input]]
name = "oppegard-klienter"
path = "input/oppegard-klienter.csv"
entity = "person"
key = "klient_id"
columns = { fnr = "fodselsnummer", name = "navn", birth_date = "fodt", address = "adresse", postnummer = "postnr", kommunenummer = "kommunenr" }

[[input]]
name = "leverandorer"
path = "input/leverandorer.csv"
entity = "organisation"
key = "lev_id"
columns = { orgnr = "orgnr", name = "navn", address = "adresse", postnummer = "postnr" }

# A Noark 5 extract (folder, tar or DIAS package): its korrespondanseparter and parter.
# The key and columns are samla's own: key, systemID, element, navn, fnr, orgnr,
# postadresse, postnummer, poststed. As `party`, one with an orgnr is washed against
# Enhetsregisteret and the rest against Folkeregisteret; as `person`, every one as a person.
# [[input]]
# name = "ski-parter"
# path = "ski-uttrekk"
# entity = "party"

[[input]]
name = "eiendommer"
path = "input/eiendommer.csv"
entity = "address"
key = "eiendom_id"
columns = { kommunenummer = "kommunenr", adressekode = "adressekode", adressenavn = "gate", nummer = "husnr", bokstav = "bokstav", postnummer = "postnr" }
"#;

/// A washing job.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Job {
    /// Name and output folder.
    pub job: Head,
    /// Matching thresholds.
    #[serde(default)]
    pub matching: Matching,
    /// Register snapshots.
    #[serde(default)]
    pub snapshot: Vec<Snapshot>,
    /// Tables to wash.
    #[serde(default)]
    pub input: Vec<Input>,
}

/// The job's name and where it writes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Head {
    /// A name for the report.
    pub name: String,
    /// The output folder, written atomically.
    pub out: PathBuf,
    /// The language of report.html: "nb" (default) or "en".
    #[serde(default)]
    pub lang: samla_report::Lang,
}

/// Matching thresholds.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Matching {
    /// Jaro-Winkler threshold for names.
    pub fuzzy_threshold: f64,
    /// Jaro-Winkler threshold for street names.
    pub street_threshold: f64,
    /// Accept NAV's synthetic numbers.
    pub nav_synthetic: bool,
}

impl Default for Matching {
    fn default() -> Matching {
        let o = crate::matching::Options::default();
        Matching {
            fuzzy_threshold: o.fuzzy_threshold,
            street_threshold: o.street_threshold,
            nav_synthetic: o.nav_synthetic,
        }
    }
}

/// What an input table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Entity {
    /// Persons: matched against Folkeregisteret (and KRR).
    Person,
    /// Organisations: matched against Enhetsregisteret.
    Organisation,
    /// Addresses: matched against Matrikkelen.
    Address,
    /// Parties (korrespondanseparter and parter of a Noark 5 extract): one with an
    /// organisasjonsnummer is matched against Enhetsregisteret, any other against
    /// Folkeregisteret.
    Party,
}

/// One table to wash.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// A name, used for output files and in the ledger.
    pub name: String,
    /// CSV or Parquet, or a Noark 5 extract (folder or tar), whose korrespondanseparter
    /// and parter are washed (see [`crate::parties`]).
    pub path: PathBuf,
    /// What it holds.
    pub entity: Entity,
    /// The column that identifies a record (for an extract: `key`, set by samla).
    #[serde(default)]
    pub key: String,
    /// Which column means what (for an extract: set by samla).
    #[serde(default)]
    pub columns: Columns,
}

impl Input {
    /// For a Noark 5 extract, the key and columns of its parties table.
    fn default_for_extract(&mut self) {
        if self.key.is_empty() {
            self.key = "key".into();
        }
        let c = &mut self.columns;
        let set = |slot: &mut Option<String>, name: &str| {
            slot.get_or_insert_with(|| name.to_string());
        };
        set(&mut c.name, "navn");
        set(&mut c.address, "postadresse");
        set(&mut c.postnummer, "postnummer");
        match self.entity {
            Entity::Person => set(&mut c.fnr, "fnr"),
            Entity::Organisation => set(&mut c.orgnr, "orgnr"),
            Entity::Party => {
                set(&mut c.fnr, "fnr");
                set(&mut c.orgnr, "orgnr");
            }
            Entity::Address => {}
        }
    }
}

/// The meaning of an input's columns. Only the ones the table has are given.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Columns {
    /// Fødselsnummer or D-number.
    pub fnr: Option<String>,
    /// Full name, any order.
    pub name: Option<String>,
    /// Given names (with `etternavn`, instead of `name`).
    pub fornavn: Option<String>,
    /// Surname.
    pub etternavn: Option<String>,
    /// Birth date.
    pub birth_date: Option<String>,
    /// Street line ("Kirkeveien 12B").
    pub address: Option<String>,
    /// Postnummer.
    pub postnummer: Option<String>,
    /// Kommunenummer.
    pub kommunenummer: Option<String>,
    /// Organisasjonsnummer.
    pub orgnr: Option<String>,
    /// Adressekode.
    pub adressekode: Option<String>,
    /// Street name (address tables).
    pub adressenavn: Option<String>,
    /// House number (address tables).
    pub nummer: Option<String>,
    /// House letter (address tables).
    pub bokstav: Option<String>,
}

impl Input {
    /// An input that is a Noark 5 extract (folder or tar): its korrespondanseparter and
    /// parter, washed as parties (organisations as organisations, the rest as persons).
    pub fn extract(name: &str, path: PathBuf) -> Input {
        let mut input = Input {
            name: name.to_string(),
            path,
            entity: Entity::Party,
            key: String::new(),
            columns: Columns::default(),
        };
        input.default_for_extract();
        input
    }
}

impl Job {
    /// Refuses an input beside the job's own (one a caller washes as it goes) that has
    /// the name of one of them: their outputs would be one file.
    pub fn check_new_input(&self, input: &Input) -> Result<()> {
        if self.input.iter().any(|i| i.name == input.name) {
            return Err(error::invalid(
                &input.path,
                format!("two inputs are named `{}`", input.name),
                "give each input its own name",
            ));
        }
        Ok(())
    }

    /// Reads a job; relative paths in it are made relative to the job file's folder.
    pub fn read(path: &Path) -> Result<Job> {
        let text = std::fs::read_to_string(path).map_err(|e| error::io(path, e))?;
        Job::parse(path, &text)
    }

    /// Parses a job's text; `path` is where it came from (for errors and relative paths).
    pub fn parse(path: &Path, text: &str) -> Result<Job> {
        let mut job: Job = toml::from_str(text).map_err(|e| {
            let (line, column) =
                e.span().map(|s| samla_noark5::pos::Pos::in_text(text, s.start)).map_or((0, 0), |p| (p.line, p.column));
            error::invalid_at(
                path,
                line,
                column,
                e.message().to_string(),
                "see `samla wash --example-job` for every key",
            )
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        job.job.out = base.join(&job.job.out);
        for s in &mut job.snapshot {
            s.path = base.join(&s.path);
        }
        for i in &mut job.input {
            i.path = base.join(&i.path);
            if crate::parties::is_extract(&i.path) {
                i.default_for_extract();
            } else if i.key.is_empty() {
                return Err(error::invalid(
                    path,
                    format!("input `{}` names no `key` column", i.name),
                    "add key = \"<column>\"",
                ));
            }
        }
        let mut names: Vec<&str> = job.input.iter().map(|i| i.name.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(error::invalid(
                path,
                format!("two inputs are named `{}`", w[0]),
                "give each input its own name",
            ));
        }
        Ok(job)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_job_parses() {
        let job = Job::parse(Path::new("/jobs/wash.toml"), EXAMPLE).unwrap();
        assert_eq!(job.snapshot.len(), 5);
        assert_eq!(job.input[0].path, Path::new("/jobs/input/ski-klienter.csv"));
        assert_eq!(job.input[2].entity, Entity::Organisation);
    }

    #[test]
    fn an_unknown_key_is_named_with_its_line() {
        let text = EXAMPLE.replace("postnummer = \"postnr\", kommunenummer", "postnr = \"postnr\", kommunenummer");
        let e = Job::parse(Path::new("wash.toml"), &text).unwrap_err();
        assert!(e.message.contains("postnr"), "{e}");
        assert!(e.pos.is_some_and(|p| p.line > 50), "{e}");
    }
}
