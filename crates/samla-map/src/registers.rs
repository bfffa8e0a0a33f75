//! The register snapshots a run honours while it converts: Klass 131, Folkeregisteret's
//! replaced identifiers and adressebeskyttelse, and the wash job's registers when it applies.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use samla_noark5::Result;

use crate::job::Job;

/// What the job's register snapshots say that the conversion itself must honour.
#[derive(Default)]
pub(crate) struct Registers {
    /// SSB's Klass 131 changes, when the job maps kommunenummer.
    pub(crate) klass: Option<samla_wash::snapshot::Kommuneendringer>,
    /// Identifiers (current and old) of the persons Folkeregisteret has under
    /// adressebeskyttelse, when the job washes: their addresses are not carried over.
    pub(crate) protected: HashSet<String>,
    /// The Folkeregisteret snapshots that said so, for the ledger.
    pub(crate) freg: Vec<String>,
    /// Old identifiers (a D-number later replaced) → the person's identifier now.
    pub(crate) current: HashMap<String, String>,
    /// The wash job and every register it names, when the run washes.
    pub(crate) wash: Option<(samla_wash::job::Job, samla_wash::wash::Registers)>,
}

impl Registers {
    pub(crate) fn load(job: &Job) -> Result<Registers> {
        let mut registers = Registers::default();
        if let Some(k) = &job.kommunenummer {
            registers.klass = Some(samla_wash::snapshot::load_kommuneendringer(&k.klass131)?);
        }
        if let Some(step) = &job.wash {
            let wash = samla_wash::job::Job::read(&step.job)?;
            // Loaded once: the conversion washes each converted party as it writes it.
            let full = samla_wash::wash::Registers::load(&wash.snapshot, &mut |_| {})?;
            registers.note_persons(full.persons.iter());
            registers.freg = full
                .snapshots
                .iter()
                .filter(|(s, _)| s.register == samla_wash::snapshot::Register::Folkeregisteret)
                .map(|(s, _)| s.id.clone())
                .collect();
            registers.wash = Some((wash, full));
        }
        Ok(registers)
    }

    /// The registers indexed for the conversion's washing, when the job washes.
    pub(crate) fn washer(&self, job: &Job, partial: &Path) -> Option<Washer<'_>> {
        let (wash, full) = self.wash.as_ref()?;
        Some(Washer {
            job: wash,
            apply: job.wash.as_ref().and_then(|w| w.apply),
            matcher: samla_wash::wash::Matcher::new(full, &wash.matching),
            parter: samla_wash::job::Input::extract("parter", partial.join("migration")),
        })
    }

    /// The replaced identifiers and the persons under adressebeskyttelse.
    pub(crate) fn note_persons<'p>(&mut self, persons: impl Iterator<Item = &'p samla_wash::snapshot::Person>) {
        for person in persons {
            for old in &person.old_ids {
                self.current.insert(old.to_string(), person.id.to_string());
            }
            if person.protected {
                self.protected.insert(person.id.to_string());
                self.protected.extend(person.old_ids.iter().map(|o| o.to_string()));
            }
        }
    }
}

/// The registers of the wash job, indexed for washing the converted parties.
pub(crate) struct Washer<'r> {
    /// The wash job, as read once.
    pub(crate) job: &'r samla_wash::job::Job,
    /// The classes applied to the migration, with `[wash] apply`.
    pub(crate) apply: Option<crate::job::Apply>,
    pub(crate) matcher: samla_wash::wash::Matcher<'r>,
    /// The migration's parties as the wash's input.
    pub(crate) parter: samla_wash::job::Input,
}

impl Washer<'_> {
    /// A ledger rule: the matching rule and class, and the register's snapshot with its date.
    pub(crate) fn rule(&self, register: samla_wash::snapshot::Register, rule: &str, class: &str) -> String {
        let snapshot = self
            .matcher
            .registers()
            .snapshots
            .iter()
            .find(|(s, _)| s.register == register)
            .map(|(s, _)| format!("{} as of {}", s.id, s.as_of))
            .unwrap_or_default();
        format!("wash apply: {rule}, class {class}, {snapshot}")
    }
}
