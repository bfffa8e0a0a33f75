//! Who may see what: users, roles and grants from `POLICY.toml`, deny by default.
//!
//! A user sees a unit only when one of their roles has a grant that matches it (source,
//! arkivdel, klasse prefix, mappe type). A unit with `gradering` is invisible without a
//! clearance for that grade. A unit with `skjerming` is shown with its screened fields
//! masked; a role cleared for its `tilgangsrestriksjon` may open it whole after giving a
//! purpose (tjenstlig behov), which is logged.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::Path;

use argon2::{PasswordHash, PasswordHasher, PasswordVerifier};
use serde::{Deserialize, Serialize};

use samla_noark5::{Error, ErrorKind, Result};

/// The policy file.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Local accounts and accounts named by the trusted proxy.
    #[serde(default, rename = "user")]
    pub users: Vec<User>,
    /// Roles: what their holders may see and do.
    #[serde(default, rename = "role")]
    pub roles: Vec<Role>,
    /// A reverse proxy that signs users in (single sign-on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<Proxy>,
}

/// A user.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// The login name.
    pub name: String,
    /// The argon2id hash (PHC string); absent for users the proxy signs in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Names of the roles the user holds.
    #[serde(default)]
    pub roles: Vec<String>,
}

/// A role.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// The role's name, as users refer to it.
    pub name: String,
    /// What the role may read: a unit matching any grant is visible.
    #[serde(default)]
    pub grants: Vec<Grant>,
    /// tilgangsrestriksjon codes the role is cleared for (screened units open with a purpose).
    #[serde(default)]
    pub clearances: Vec<String>,
    /// gradering codes the role is cleared for (graded units are otherwise invisible).
    #[serde(default)]
    pub grades: Vec<String>,
    /// May see the access log of any unit.
    #[serde(default)]
    pub audit: bool,
    /// May export a partsinnsyn list with its documents.
    #[serde(default)]
    pub export: bool,
}

/// Read access to part of the archive. Absent fields match anything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// The source (the old municipality or system) by its name in the index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The arkivdel by its systemID or its tittel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arkivdel: Option<String>,
    /// A klasseID prefix: `F5` grants F5, F50 and F5.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub klasse: Option<String>,
    /// The mappe type: its `mappetype` value, else its xsi:type (saksmappe, moetemappe, mappe).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mappetype: Option<String>,
}

/// The reverse proxy that may name the user in a header.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Proxy {
    /// The header that carries the user name, such as `X-Remote-User`.
    pub header: String,
    /// The proxy's addresses: the header is ignored from anywhere else.
    pub trusted: Vec<IpAddr>,
}

/// What access control needs to know of a unit (its own and inherited attributes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Source name.
    pub source: String,
    /// The arkivdel's systemID and tittel.
    pub arkivdel: Vec<String>,
    /// The klasseID of the nearest klasse.
    pub klasse: Option<String>,
    /// The mappe type of the outermost mappe.
    pub mappetype: Option<String>,
    /// tilgangsrestriksjon, own or inherited.
    pub restriction: Option<String>,
    /// gradering, own or inherited.
    pub grade: Option<String>,
}

impl Policy {
    /// Reads and checks a policy file.
    pub fn read(path: &Path) -> Result<Policy> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::io(path.display().to_string(), e).with_hint("give the policy file with --policy POLICY.toml")
        })?;
        Policy::parse(path, &text)
    }

    /// Parses and checks a policy.
    pub fn parse(path: &Path, text: &str) -> Result<Policy> {
        let policy: Policy = toml::from_str(text).map_err(|e| {
            let mut err = Error::new(ErrorKind::Content, path.display().to_string(), e.message().to_string());
            if let Some(span) = e.span() {
                err = err.at(position(text, span.start));
            }
            err.with_hint("see `samla serve --help` for the policy's fields")
        })?;
        policy.validate(path)?;
        Ok(policy)
    }

    fn validate(&self, path: &Path) -> Result<()> {
        let bad = |m: String| Error::new(ErrorKind::Content, path.display().to_string(), m);
        let mut seen = BTreeSet::new();
        for role in &self.roles {
            if !seen.insert(role.name.as_str()) {
                return Err(bad(format!("role {:?} is defined twice", role.name)));
            }
        }
        let mut users = BTreeSet::new();
        for user in &self.users {
            if !users.insert(user.name.as_str()) {
                return Err(bad(format!("user {:?} is defined twice", user.name)));
            }
            for r in &user.roles {
                if !seen.contains(r.as_str()) {
                    return Err(bad(format!("user {:?} holds role {r:?}, which is not defined", user.name))
                        .with_hint("add a [[role]] with that name, or remove it from the user"));
                }
            }
            if let Some(hash) = &user.password
                && PasswordHash::new(hash).is_err()
            {
                return Err(bad(format!("user {:?}: the password is not an argon2 hash", user.name))
                    .with_hint("set passwords with `samla serve user add`; the file never holds a password in clear"));
            }
        }
        Ok(())
    }

    /// The policy file's text `text` with user `name` added, or their password and roles
    /// replaced: an argon2id hash of `password`. Everything else in the file, comments
    /// included, stays as the archivist wrote it. The result is checked as the server reads it.
    pub fn with_user(path: &Path, text: &str, name: &str, password: &str, roles: &[String]) -> Result<String> {
        let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
            let mut err = Error::new(ErrorKind::Content, path.display().to_string(), e.message().to_string());
            if let Some(span) = e.span() {
                err = err.at(position(text, span.start));
            }
            err
        })?;
        let hash = hash_password(password)?;
        let users = doc
            .entry("user")
            .or_insert_with(|| toml_edit::Item::ArrayOfTables(toml_edit::ArrayOfTables::new()))
            .as_array_of_tables_mut()
            .ok_or_else(|| {
                Error::new(ErrorKind::Content, path.display().to_string(), "`user` is not a list of [[user]] tables")
            })?;
        let mut role_list = toml_edit::Array::new();
        roles.iter().for_each(|r| role_list.push(r.as_str()));
        let at = users.iter().position(|u| u.get("name").and_then(|n| n.as_str()) == Some(name));
        let user = match at {
            Some(i) => users.get_mut(i).expect("the position just found"),
            None => {
                let mut user = toml_edit::Table::new();
                user["name"] = toml_edit::value(name);
                users.push(user);
                users.get_mut(users.len() - 1).expect("the table just pushed")
            }
        };
        user["password"] = toml_edit::value(hash);
        user["roles"] = toml_edit::value(role_list);
        let text = doc.to_string();
        Policy::parse(path, &text)?;
        Ok(text)
    }

    /// The viewer for `name` when the password is right. Unknown users and proxy-only
    /// users fail like a wrong password, and take as long.
    pub fn login(&self, name: &str, password: &str) -> Option<Viewer> {
        let user = self.users.iter().find(|u| u.name == name);
        let hash = user.and_then(|u| u.password.as_deref()).unwrap_or(DUMMY_HASH.as_str());
        let ok = PasswordHash::new(hash)
            .ok()
            .is_some_and(|h| argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok());
        if ok && user.is_some_and(|u| u.password.is_some()) { self.viewer(name) } else { None }
    }

    /// The viewer of a known user (for the proxy's header and after login).
    pub fn viewer(&self, name: &str) -> Option<Viewer> {
        let user = self.users.iter().find(|u| u.name == name)?;
        let roles: Vec<Role> =
            user.roles.iter().filter_map(|r| self.roles.iter().find(|x| &x.name == r)).cloned().collect();
        Some(Viewer { user: user.name.clone(), roles })
    }
}

/// A hash of a password nobody has, so that unknown users cost the same as known ones.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    argon2::Argon2::default()
        .hash_password_with_salt(b"no one has this password", b"samla-dummy-salt")
        .map(|h| h.to_string())
        .unwrap_or_default()
});

/// An argon2id hash of `password` with a fresh salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < 8 {
        return Err(Error::new(ErrorKind::Content, "password", "the password is shorter than 8 characters"));
    }
    argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::new(ErrorKind::Content, "password", format!("argon2: {e}")))
}

/// A signed-in user with the roles they hold.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The user's name.
    pub user: String,
    /// The roles the user holds.
    pub roles: Vec<Role>,
}

/// How a unit may be shown to a viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    /// Not at all: no title, no hit, no count.
    Hidden,
    /// Shown with the fields its skjerming names masked, and no documents. `clearable`:
    /// the viewer is cleared and may open it whole by giving a purpose.
    Screened {
        /// The viewer holds a clearance for the unit's tilgangsrestriksjon.
        clearable: bool,
    },
    /// Shown whole.
    Full,
}

impl Viewer {
    /// The roles' names, joined, for the access log.
    pub fn role_names(&self) -> String {
        self.roles.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(",")
    }

    /// All grants of all roles.
    pub fn grants(&self) -> impl Iterator<Item = &Grant> {
        self.roles.iter().flat_map(|r| r.grants.iter())
    }

    /// The tilgangsrestriksjon codes the viewer is cleared for.
    pub fn clearances(&self) -> BTreeSet<&str> {
        self.roles.iter().flat_map(|r| r.clearances.iter().map(String::as_str)).collect()
    }

    /// The gradering codes the viewer is cleared for.
    pub fn grades(&self) -> BTreeSet<&str> {
        self.roles.iter().flat_map(|r| r.grades.iter().map(String::as_str)).collect()
    }

    /// May see the access log.
    pub fn audit(&self) -> bool {
        self.roles.iter().any(|r| r.audit)
    }

    /// May export.
    pub fn export(&self) -> bool {
        self.roles.iter().any(|r| r.export)
    }

    /// How the unit in `scope` may be shown. `purpose_given`: the viewer has stated a purpose
    /// for this unit in this session.
    pub fn sight(&self, scope: &Scope, purpose_given: bool) -> Sight {
        if !self.grants().any(|g| g.matches(scope)) {
            return Sight::Hidden;
        }
        if let Some(grade) = &scope.grade
            && !self.grades().contains(grade.as_str())
        {
            return Sight::Hidden;
        }
        match &scope.restriction {
            None => Sight::Full,
            Some(code) => {
                let clearable = self.clearances().contains(code.as_str());
                if clearable && purpose_given { Sight::Full } else { Sight::Screened { clearable } }
            }
        }
    }
}

impl Grant {
    /// Whether the grant covers a unit in `scope`.
    pub fn matches(&self, scope: &Scope) -> bool {
        self.source.as_ref().is_none_or(|s| *s == scope.source)
            && self.arkivdel.as_ref().is_none_or(|a| scope.arkivdel.contains(a))
            && self.klasse.as_ref().is_none_or(|k| scope.klasse.as_deref().is_some_and(|c| c.starts_with(k.as_str())))
            && self.mappetype.as_ref().is_none_or(|m| scope.mappetype.as_deref() == Some(m.as_str()))
    }
}

/// line:column of byte `at` in `text`.
fn position(text: &str, at: usize) -> samla_noark5::pos::Pos {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    samla_noark5::pos::Pos { line, column }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(source: &str, klasse: &str) -> Scope {
        Scope {
            source: source.into(),
            arkivdel: vec!["d1".into(), "Sakarkiv".into()],
            klasse: Some(klasse.into()),
            mappetype: Some("saksmappe".into()),
            ..Scope::default()
        }
    }

    fn viewer(grants: Vec<Grant>) -> Viewer {
        Viewer { user: "u".into(), roles: vec![Role { name: "r".into(), grants, ..Role::default() }] }
    }

    #[test]
    fn no_grant_sees_nothing() {
        assert_eq!(viewer(vec![]).sight(&scope("ski", "F5"), false), Sight::Hidden);
    }

    #[test]
    fn grants_match_by_source_arkivdel_klasse_prefix_and_type() {
        let g = |s: Option<&str>, a: Option<&str>, k: Option<&str>, m: Option<&str>| Grant {
            source: s.map(Into::into),
            arkivdel: a.map(Into::into),
            klasse: k.map(Into::into),
            mappetype: m.map(Into::into),
        };
        let s = scope("ski", "F52");
        assert!(g(Some("ski"), None, None, None).matches(&s));
        assert!(!g(Some("oppegaard"), None, None, None).matches(&s));
        assert!(g(None, Some("Sakarkiv"), Some("F5"), None).matches(&s));
        assert!(g(None, Some("d1"), None, Some("saksmappe")).matches(&s));
        assert!(!g(None, Some("Barnevern"), None, None).matches(&s));
        assert!(!g(None, None, Some("F6"), None).matches(&s));
        assert!(!g(None, None, None, Some("moetemappe")).matches(&s));
        assert!(!g(None, None, Some("F5"), None).matches(&Scope { klasse: None, ..s }));
    }

    #[test]
    fn grades_hide_and_restrictions_screen_until_a_purpose_is_given() {
        let mut v = viewer(vec![Grant::default()]);
        let graded = Scope { grade: Some("B".into()), ..scope("ski", "F5") };
        assert_eq!(v.sight(&graded, true), Sight::Hidden);
        let screened = Scope { restriction: Some("13".into()), ..scope("ski", "F5") };
        assert_eq!(v.sight(&screened, true), Sight::Screened { clearable: false });
        v.roles[0].clearances = vec!["13".into()];
        v.roles[0].grades = vec!["B".into()];
        assert_eq!(v.sight(&graded, false), Sight::Full);
        assert_eq!(v.sight(&screened, false), Sight::Screened { clearable: true });
        assert_eq!(v.sight(&screened, true), Sight::Full);
    }

    #[test]
    fn passwords_are_argon2id_and_unknown_users_fail() {
        let path = Path::new("p.toml");
        let original = "# Roller for oppslag\n[[role]]\nname = \"r\" # lesetilgang\n\n[[role]]\nname = \"s\"\n";
        let text = Policy::with_user(path, original, "kari", "et annet passord", &["s".into()]).unwrap();
        let text = Policy::with_user(path, &text, "kari", "korrekt hest batteri", &["r".into()]).unwrap();
        assert!(text.starts_with(original), "the archivist's comments stay: {text}");
        assert_eq!(text.matches("$argon2id$").count(), 1, "one user, changed in place: {text}");
        assert!(!text.contains("korrekt hest"));
        assert!(Policy::with_user(path, &text, "ola", "korrekt hest batteri", &["ukjent".into()]).is_err());
        let p = Policy::parse(path, &text).unwrap();
        assert_eq!(p.login("kari", "korrekt hest batteri").unwrap().role_names(), "r");
        assert!(p.login("kari", "feil").is_none());
        assert!(p.login("ola", "korrekt hest batteri").is_none());
        assert!(hash_password("kort").is_err());
    }

    #[test]
    fn a_bad_policy_is_named_with_its_position() {
        let e =
            Policy::parse(Path::new("p.toml"), "[[role]]\nname = \"a\"\n\n[[user]]\nname = \"x\"\nroles = [\"b\"]\n")
                .unwrap_err();
        assert!(e.to_string().contains("role \"b\", which is not defined"), "{e}");
        let e = Policy::parse(Path::new("p.toml"), "[[role]]\nname = \"a\"\ngrant = []\n").unwrap_err();
        assert!(e.pos.is_some_and(|p| p.line == 3), "{e:?}");
        let e = Policy::parse(Path::new("p.toml"), "[[user]]\nname = \"x\"\npassword = \"hemmelig\"\n").unwrap_err();
        assert!(e.to_string().contains("not an argon2 hash"), "{e}");
    }
}
