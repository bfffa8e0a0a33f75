//! What an input is: one answer for every command that reads one.

use std::path::Path;

use samla_noark5::{Error, ErrorKind, Extract, Result};

/// The kinds of extract samla reads. In a job file: `noark5`, `noark4` or `addml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A Noark 5 extract (arkivstruktur.xml, or an arkivuttrekk.xml that names it), in a
    /// folder, a tar or a DIAS package.
    Noark5,
    /// A Noark 4 extract: NOARKIH.XML and its table files, in a folder.
    Noark4,
    /// An ADDML flat-file extract (fagsystem, Noark 3): addml.xml and its flat files.
    Addml,
}

impl SourceKind {
    /// The kind's name in a job file: `noark5`, `noark4` or `addml` (what serde reads).
    pub fn job_name(self) -> &'static str {
        match self {
            SourceKind::Noark5 => "noark5",
            SourceKind::Noark4 => "noark4",
            SourceKind::Addml => "addml",
        }
    }

    /// `Noark 5`, `Noark 4` or `ADDML flat-file extract`.
    pub fn describe(self) -> &'static str {
        match self {
            SourceKind::Noark5 => "Noark 5",
            SourceKind::Noark4 => "Noark 4",
            SourceKind::Addml => "ADDML flat-file extract",
        }
    }
}

/// An input, opened as what it is: each reader has read its index once.
pub enum Input {
    /// A Noark 5 extract.
    Noark5(Extract),
    /// A Noark 4 extract, its NOARKIH.XML read.
    Noark4(crate::noark4::Noark4),
    /// An ADDML flat-file extract: the folder or tar, and the path of its addml.xml in it.
    Addml {
        /// The folder or tar, read as stored.
        package: Extract,
        /// Where addml.xml is in it.
        addml: String,
    },
}

impl Input {
    /// What it is.
    pub fn kind(&self) -> SourceKind {
        match self {
            Input::Noark5(_) => SourceKind::Noark5,
            Input::Noark4(_) => SourceKind::Noark4,
            Input::Addml { .. } => SourceKind::Addml,
        }
    }
}

/// Opens `path` as what it holds. Noark 5 is tried first, then Noark 4 (a folder with
/// NOARKIH.XML, in any case), then ADDML (an addml.xml anywhere). Fails only when it is none
/// of them, or cannot be read, with the Noark 5 reader's error and a hint naming all three.
pub fn open(path: &Path) -> Result<Input> {
    let noark5 = match Extract::open(path) {
        Ok(extract) => return Ok(Input::Noark5(extract)),
        Err(e) if e.kind == ErrorKind::Missing => e,
        Err(e) => return Err(e),
    };
    if path.is_dir()
        && std::fs::read_dir(path)
            .map_err(|e| Error::io(path.display().to_string(), e))?
            .flatten()
            .any(|e| e.file_name().to_string_lossy().eq_ignore_ascii_case(crate::noark4::INDEX_FILE))
    {
        return Ok(Input::Noark4(crate::noark4::Noark4::open(path)?));
    }
    let package = Extract::open_package(path)?;
    if let Some(addml) = crate::flat::addml_path(&package) {
        return Ok(Input::Addml { package, addml });
    }
    Err(noark5.with_hint(
        "samla reads Noark 5 (arkivstruktur.xml), Noark 4 (NOARKIH.XML) and ADDML flat-file extracts (addml.xml); \
         none of them is here: check that this is the right folder or tar",
    ))
}

#[cfg(test)]
mod tests {
    use super::SourceKind;
    use serde::Deserialize;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error, StrDeserializer};

    #[test]
    fn a_kind_reads_back_from_its_job_name() {
        for kind in [SourceKind::Noark5, SourceKind::Noark4, SourceKind::Addml] {
            let name: StrDeserializer<Error> = kind.job_name().into_deserializer();
            assert_eq!(SourceKind::deserialize(name), Ok(kind));
        }
    }
}
