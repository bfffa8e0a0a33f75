//! The official schemas: which set is in use, and how to tell them from variants.
//!
//! samla carries Arkivverket's XSDs byte for byte (the `samla-schemas` crate) and keeps their
//! SHA-256 digests here, so it can say whether an extract carries an official schema or a
//! variant (krav 6.4.18 forbids variants). The set in use is `--schemas DIR`, else the folder
//! named by `SAMLA_SCHEMAS`, else the embedded one.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};
use crate::model::Version;

/// The environment variable naming the schema directory.
pub const SCHEMAS_ENV: &str = "SAMLA_SCHEMAS";

/// One official schema file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfficialSchema {
    /// `noark5`, `addml` or `dias`.
    pub family: &'static str,
    /// The Noark 5 version, for Noark 5 schemas.
    pub version: Option<Version>,
    /// File name.
    pub name: &'static str,
    /// Lower-case hex SHA-256 of the official file.
    pub sha256: &'static str,
}

/// Digests of the official schema files (Noark 5 v3.1, v4.0, v5.0; ADDML 8.2 and 8.3; DIAS).
pub const OFFICIAL: &[OfficialSchema] = &[
    OfficialSchema {
        family: "addml",
        version: None,
        name: "addml.xsd",
        sha256: "900d238446096154af2d6f066c51ec35bcbb82c4e843079d870b94235b12f24f",
    },
    OfficialSchema {
        family: "addml",
        version: None,
        name: "addml82.xsd",
        sha256: "09154ebc83b45a7b61aa0b99e8c593ea60c3ef834b2efff1ce6d254232b29b67",
    },
    OfficialSchema {
        family: "dias",
        version: None,
        name: "DIAS_METS.xsd",
        sha256: "67b13f76ffe8ea63a76ec88d1940568d8c22e1f654da991cbda1319fad541741",
    },
    OfficialSchema {
        family: "dias",
        version: None,
        name: "DIAS_PREMIS.xsd",
        sha256: "5131975b732ca285dbb4dfdafd85dde122eb384db3984e9aec2598057671e017",
    },
    OfficialSchema {
        family: "dias",
        version: None,
        name: "info.xsd",
        sha256: "24bbda5d5ae05d89f182dfadc37c3b8d3fbd45408ec937fcdf02f67a9de9926c",
    },
    OfficialSchema {
        family: "dias",
        version: None,
        name: "xlink.xsd",
        sha256: "f1f5bb6003165cdd8f6c1fcc32f8fd1f965e1681010f3b9806d9460bcffa8a3c",
    },
    OfficialSchema {
        family: "noark5",
        version: Some(Version::V3_1),
        name: "arkivstruktur.xsd",
        sha256: "f099781ffeb81b5a16bc9fcb89e3b2b28047f4cd75ebd2583fa120be09b75b20",
    },
    OfficialSchema {
        family: "noark5",
        version: Some(Version::V3_1),
        name: "endringslogg.xsd",
        sha256: "960e697887953832d5b52ac18a5c57c0cefa5a3d6e0ed6591f61b2bdadcd22e6",
    },
    OfficialSchema {
        family: "noark5",
        version: Some(Version::V3_1),
        name: "loependeJournal.xsd",
        sha256: "8056192d9734b267db1f00ec1ec033e41f4cefda2197dfcbc49f3b78944d93a6",
    },
    OfficialSchema {
        family: "noark5",
        version: Some(Version::V3_1),
        name: "metadatakatalog.xsd",
        sha256: "29cab7473ed02bb0dc2b1b7ec7573cd60c1c1c2141439af3b4af883f454c86b4",
    },
    OfficialSchema {
        family: "noark5",
        version: Some(Version::V3_1),
        name: "offentligJournal.xsd",
        sha256: "be30b1da252807447cb78873529fb0ea266fbcaa8878db8a3e7b456f5adeddab",
    },
    OfficialSchema {
        family: "noark5",
        version: Some(Version::V4_0),
        name: "arkivstruktur.xsd",
        sha256: "6b3092d44904836c7cc94ded7fce104fad43a4889b3544acbcd24a057d2e44eb",
    },
    OfficialSchema {
        family: "noark5",
        version: Some(Version::V4_0),
        name: "endringslogg.xsd",
        sha256: "6ffed4b158578dcad3a571f9090cf8b728309f28d8210a02e9c5705e435ad5c6",
    },
    OfficialSchema {
        family: "noark5",
        version: Some(Version::V4_0),
        name: "loependeJournal.xsd",
        sha256: "8a05867384eca031cbe2cd3af5d4d3154a27afc7ae18682b9dde7d1f1a0f76d5",
    },
    OfficialSchema {
        family: "noark5",
        version: Some(Version::V4_0),
        name: "metadatakatalog.xsd",
        sha256: "43896558d3882ba44618a57df9fd8e3d0ba714fb26cd5c0aa84d03e7dbdd1431",
    },
    OfficialSchema {
        family: "noark5",
        version: Some(Version::V4_0),
        name: "offentligJournal.xsd",
        sha256: "55890f63184f4aee1e59ab0cfd782e5df47dc8854805ab2cc5e07dac16a76d9d",
    },
    OfficialSchema {
        family: "noark5",
        version: Some(Version::V5_0),
        name: "arkivstruktur.xsd",
        sha256: "85986f7c8fac408cca568a0436b26f5b2837d420877a529962437d21c71fac82",
    },
    OfficialSchema {
        family: "noark5",
        version: Some(Version::V5_0),
        name: "endringslogg.xsd",
        sha256: "9c0aa09d77ce76077f6f65f0a7500f5cf3dadd82410a1ab38cbfd32a76e93d20",
    },
    OfficialSchema {
        family: "noark5",
        version: Some(Version::V5_0),
        name: "loependeJournal.xsd",
        sha256: "e1c2737159f40e67627329de851d49d841617dddc360ccf3aeea1ffc1ef72e6c",
    },
    OfficialSchema {
        family: "noark5",
        version: Some(Version::V5_0),
        name: "metadatakatalog.xsd",
        sha256: "df9c4bb29a4fc49d452586337c01666f286c7070fe170792b99faf3ef652cf8c",
    },
    OfficialSchema {
        family: "noark5",
        version: Some(Version::V5_0),
        name: "offentligJournal.xsd",
        sha256: "0e8d3b49eeb9eab496bc2ea2f8af9160e6e2526485fe27e377a508b3946bff6e",
    },
];

impl OfficialSchema {
    /// Whether `name` is a name this file is rightly shipped under: its own, or for either
    /// ADDML schema `addml.xsd`, the name arkivuttrekk.xml's template gives it.
    pub fn ships_as(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name) || (self.family == "addml" && name.eq_ignore_ascii_case("addml.xsd"))
    }
}

/// The official schema with this SHA-256 (hex, either case), if any.
///
/// ```
/// use samla_noark5::schemas::identify;
/// let s = identify("85986F7C8FAC408CCA568A0436B26F5B2837D420877A529962437D21C71FAC82").unwrap();
/// assert_eq!((s.name, s.version), ("arkivstruktur.xsd", Some(samla_noark5::Version::V5_0)));
/// assert!(identify("00").is_none());
/// ```
pub fn identify(sha256: &str) -> Option<&'static OfficialSchema> {
    OFFICIAL.iter().find(|s| s.sha256.eq_ignore_ascii_case(sha256.trim()))
}

/// The official schema with this SHA-256 when `name` is a name it is rightly shipped under:
/// its own, or `addml.xsd` for either ADDML schema, the name arkivuttrekk.xml's template
/// gives it (v3.1 extracts carry ADDML 8.2 as `addml.xsd`).
///
/// ```
/// use samla_noark5::schemas::{identify_as, official_digest_of};
/// let addml82 = official_digest_of("addml", "addml82.xsd").unwrap();
/// assert_eq!(identify_as("addml.xsd", addml82).unwrap().name, "addml82.xsd");
/// assert!(identify_as("arkivstruktur.xsd", addml82).is_none());
/// ```
pub fn identify_as(name: &str, sha256: &str) -> Option<&'static OfficialSchema> {
    identify(sha256).filter(|s| s.ships_as(name))
}

/// The official digest of the schema `name` of `family` outside Noark 5 (`addml`, `dias`).
pub fn official_digest_of(family: &str, name: &str) -> Option<&'static str> {
    OFFICIAL.iter().find(|s| s.family == family && s.name == name).map(|s| s.sha256)
}

/// The official schema samla carries whose SHA-256 is `sha256` (hex, either case): found
/// through the table of digests, whose agreement with the embedded files a test checks.
pub fn embedded_with_digest(sha256: &str) -> Option<SchemaFile> {
    let official = identify(sha256)?;
    let path = match official.version {
        Some(v) => format!("{}/{}/{}", official.family, v.schema_folder(), official.name),
        None => format!("{}/{}", official.family, official.name),
    };
    samla_schemas::get(&path).map(SchemaFile::Embedded)
}

/// The official digest of Noark 5 schema `name` for `version`.
pub fn official_digest(version: Version, name: &str) -> Option<&'static str> {
    OFFICIAL.iter().find(|s| s.version == Some(version) && s.name == name).map(|s| s.sha256)
}

/// The set of official schemas in use: a folder laid out as `noark5/v5_0/*.xsd`,
/// `addml/addml.xsd`, `dias/*.xsd` (or flat, with the files side by side), or the set samla
/// carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaDir {
    /// `None`: the embedded set.
    root: Option<PathBuf>,
}

/// One schema file of a [`SchemaDir`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaFile {
    /// A file of the set samla carries.
    Embedded(&'static samla_schemas::File),
    /// A file in a schema folder.
    Path(PathBuf),
}

impl SchemaFile {
    /// The file's bytes.
    pub fn read(&self) -> Result<Cow<'static, [u8]>> {
        match self {
            SchemaFile::Embedded(f) => Ok(Cow::Borrowed(f.bytes)),
            SchemaFile::Path(p) => std::fs::read(p).map(Cow::Owned).map_err(|e| Error::io(p.display().to_string(), e)),
        }
    }

    /// What an XSD loader opens (`samla_xsd::Schema::compile`): the path, or the embedded
    /// file's `samla-schemas:/…` URL.
    pub fn location(&self) -> PathBuf {
        match self {
            SchemaFile::Embedded(f) => PathBuf::from(samla_schemas::url(f.path)),
            SchemaFile::Path(p) => p.clone(),
        }
    }
}

impl fmt::Display for SchemaFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaFile::Embedded(file) => write!(f, "{} (official, carried by samla)", file.path),
            SchemaFile::Path(p) => write!(f, "{}", p.display()),
        }
    }
}

impl Default for SchemaDir {
    fn default() -> Self {
        Self::embedded()
    }
}

impl SchemaDir {
    /// Uses the folder `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        SchemaDir { root: Some(dir.into()) }
    }

    /// The official schemas samla carries.
    pub fn embedded() -> Self {
        SchemaDir { root: None }
    }

    /// `explicit` if given, else the folder in `SAMLA_SCHEMAS`, else the embedded set.
    pub fn locate(explicit: Option<&Path>) -> SchemaDir {
        explicit
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os(SCHEMAS_ENV).filter(|v| !v.is_empty()).map(PathBuf::from))
            .map(SchemaDir::new)
            .unwrap_or_default()
    }

    /// The folder, or `None` for the embedded set.
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// Where the set comes from, for a person: the folder, or "the official schemas carried by samla".
    pub fn describe(&self) -> String {
        match &self.root {
            Some(root) => format!("the schema folder {}", root.display()),
            None => "the official schemas carried by samla".to_string(),
        }
    }

    /// The file at `path` of the set's layout (`noark5/v5_0/arkivstruktur.xsd`); a folder may
    /// also hold it under `flat` alternatives.
    fn file(&self, path: &str, flat: &[&str], what: &str) -> Result<SchemaFile> {
        let Some(root) = &self.root else {
            return samla_schemas::get(path)
                .map(SchemaFile::Embedded)
                .ok_or_else(|| Error::new(ErrorKind::Missing, "schemas", format!("samla carries no {what}")));
        };
        let candidates: Vec<PathBuf> =
            std::iter::once(path).chain(flat.iter().copied()).map(|p| root.join(p)).collect();
        candidates.iter().find(|p| p.is_file()).cloned().map(SchemaFile::Path).ok_or_else(|| {
            Error::new(
                ErrorKind::Missing,
                root.display().to_string(),
                format!("{what} not found in the schema directory"),
            )
            .with_hint(format!("looked for {}", candidates[0].display()))
        })
    }

    /// Noark 5 schema `name` (e.g. `arkivstruktur.xsd`) of `version`.
    pub fn noark5(&self, version: Version, name: &str) -> Result<SchemaFile> {
        let v = version.schema_folder();
        self.file(&format!("noark5/{v}/{name}"), &[&format!("{v}/{name}"), name], &format!("Noark 5 v{version} {name}"))
    }

    /// The ADDML 8.3 schema `addml.xsd`.
    pub fn addml(&self) -> Result<SchemaFile> {
        self.file("addml/addml.xsd", &["addml.xsd"], "addml.xsd")
    }

    /// DIAS schema `name` (e.g. `DIAS_METS.xsd`).
    pub fn dias(&self, name: &str) -> Result<SchemaFile> {
        self.file(&format!("dias/{name}"), &[name], name)
    }

    /// Every file of the set, by its path in the layout (`noark5/v5_0/arkivstruktur.xsd`):
    /// for a folder, those of the embedded set's paths it holds.
    pub fn files(&self) -> Vec<(&'static str, SchemaFile)> {
        samla_schemas::FILES
            .iter()
            .filter_map(|f| match &self.root {
                None => Some((f.path, SchemaFile::Embedded(f))),
                Some(root) => {
                    let p = root.join(f.path);
                    p.is_file().then_some((f.path, SchemaFile::Path(p)))
                }
            })
            .collect()
    }

    /// Writes every file of the set into `dir`, in the set's layout; returns the paths written.
    pub fn export(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let mut written = Vec::new();
        for (path, file) in self.files() {
            let to = dir.join(path);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent.display().to_string(), e))?;
            }
            std::fs::write(&to, file.read()?).map_err(|e| Error::io(to.display().to_string(), e))?;
            written.push(to);
        }
        Ok(written)
    }

    /// Copies the Noark 5 schemas `noark` of `version` and addml.xsd into `dir`; returns
    /// each copied file's SHA-256 (lower-case hex) by file name, for arkivuttrekk.xml.
    pub fn copy_into(
        &self,
        version: Version,
        noark: &[&str],
        dir: &Path,
    ) -> Result<std::collections::BTreeMap<String, String>> {
        use sha2::Digest;
        let mut files =
            noark.iter().map(|n| Ok((n.to_string(), self.noark5(version, n)?))).collect::<Result<Vec<_>>>()?;
        files.push(("addml.xsd".to_string(), self.addml()?));
        let mut digests = std::collections::BTreeMap::new();
        for (name, from) in files {
            let bytes = from.read()?;
            let to = dir.join(&name);
            std::fs::write(&to, &bytes).map_err(|e| Error::io(to.display().to_string(), e))?;
            digests.insert(name, crate::hex(&sha2::Sha256::digest(&bytes)));
        }
        Ok(digests)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    /// Every embedded file is an official one, under its own name and version, and
    /// SOURCES.md states the same digest.
    #[test]
    fn embedded_files_match_the_official_digests() {
        for file in samla_schemas::FILES {
            let digest = crate::hex(&sha2::Sha256::digest(file.bytes));
            let official = identify(&digest).unwrap_or_else(|| panic!("{} is not an official schema", file.path));
            assert_eq!(official.name, file.name(), "{}", file.path);
            let family = file.path.split('/').next().unwrap();
            assert_eq!(official.family, family, "{}", file.path);
            if let Some(v) = official.version {
                assert!(file.path.contains(v.schema_folder()), "{} is v{v}", file.path);
            }
            let row = samla_schemas::SOURCES.lines().find(|l| l.starts_with(&format!("| `{}` |", file.path)));
            assert!(row.is_some_and(|r| r.contains(&digest)), "SOURCES.md states another digest for {}", file.path);
        }
        for official in OFFICIAL {
            let embedded = embedded_with_digest(official.sha256).and_then(|f| f.read().ok());
            assert!(
                embedded.is_some_and(|bytes| crate::hex(&sha2::Sha256::digest(&bytes)) == official.sha256),
                "{} ({:?}) is in the table but not embedded",
                official.name,
                official.version
            );
        }
    }

    #[test]
    fn the_embedded_set_answers_what_a_folder_would() {
        let set = SchemaDir::embedded();
        assert!(set.root().is_none());
        let xsd = set.noark5(Version::V4_0, "arkivstruktur.xsd").unwrap();
        assert_eq!(xsd.location(), PathBuf::from("samla-schemas:/noark5/v4_0/arkivstruktur.xsd"));
        assert_eq!(
            official_digest(Version::V4_0, "arkivstruktur.xsd").unwrap(),
            crate::hex(&sha2::Sha256::digest(xsd.read().unwrap()))
        );
        assert!(set.dias("DIAS_METS.xsd").is_ok());
        assert!(set.addml().unwrap().read().unwrap().starts_with(b"<?xml"));
        assert!(set.noark5(Version::V5_0, "nothing.xsd").is_err());

        let dir = std::env::temp_dir().join(format!("samla-schemas-export-{}", std::process::id()));
        let written = set.export(&dir).unwrap();
        assert_eq!(written.len(), samla_schemas::FILES.len());
        let folder = SchemaDir::new(&dir);
        assert_eq!(folder.files().len(), written.len());
        assert_eq!(folder.noark5(Version::V4_0, "arkivstruktur.xsd").unwrap().read().unwrap(), xsd.read().unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
