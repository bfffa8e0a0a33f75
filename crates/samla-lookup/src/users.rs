//! Adding a user to a policy file: the password stored only as an argon2id hash, the file's
//! comments kept, the result checked as the server will read it, and the change logged in
//! the index's access log.

use std::path::Path;

use samla_noark5::{Error, Result};

use crate::log::{AccessLog, Event, Record};
use crate::policy::Policy;

/// Adds user `name` with `password` and `roles` to the policy at `policy_path` (created if
/// absent), or sets an existing user's password and roles; the change is logged in the
/// access log of the index at `index`, as done by `by`. True if the user existed.
pub fn add(index: &Path, policy_path: &Path, name: &str, password: &str, roles: &[String], by: &str) -> Result<bool> {
    let old = if policy_path.exists() {
        std::fs::read_to_string(policy_path).map_err(|e| Error::io(policy_path.display().to_string(), e))?
    } else {
        String::new()
    };
    let existed = Policy::parse(policy_path, &old)?.users.iter().any(|u| u.name == name);
    let text = Policy::with_user(policy_path, &old, name, password, roles)?;
    let log = AccessLog::open(&index.join(crate::INDEX_LOG))?;
    samla_noark5::atomic::write_bytes(policy_path, text.as_bytes())?;
    log.append(Record {
        event: Some(Event::PolicyChange),
        user: by.to_string(),
        detail: format!(
            "user {name} {} with roles {}; policy {}",
            if existed { "changed" } else { "added" },
            roles.join(","),
            policy_path.display()
        ),
        ..Record::default()
    })?;
    Ok(existed)
}
