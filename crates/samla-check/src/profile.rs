//! Whose verdict a check gives: a depot's, or a migration's.

use serde::Serialize;

use crate::findings::Severity;

/// Whose verdict the check gives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// For an extract on its way to a depot: Arkade's verdict or a stricter one, never laxer.
    #[default]
    Deposit,
    /// For an extract taken out of a live system to be converted: open cases and journal
    /// statuses, unfinished documents and missing journals, which only a depot forbids, are
    /// warnings (N5.15, N5.22, N5.25, N5.59/60).
    Migration,
}

impl Profile {
    /// `deposit` or `migration`.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Deposit => "deposit",
            Profile::Migration => "migration",
        }
    }

    /// The severity of what only a depot forbids: an error for a deposit, a warning for a
    /// migration.
    pub fn depot_only(self) -> Severity {
        match self {
            Profile::Deposit => Severity::Error,
            Profile::Migration => Severity::Warning,
        }
    }

    /// `deposit` or `migration`, as the command line spells it.
    pub fn parse(s: &str) -> Option<Profile> {
        match s {
            "deposit" => Some(Profile::Deposit),
            "migration" => Some(Profile::Migration),
            _ => None,
        }
    }
}
