//! The pass over arkivstruktur.xml: read once, streaming, and every container, unit and
//! element met told to each family of rules ([`crate::rules`]) in turn.

use samla_noark5::{Element, Extract};

use crate::findings::Findings;
use crate::rules::documents::{Documents, KnownDigests};
use crate::rules::journal::Journalposter;
use crate::rules::metadata::Metadata;
use crate::rules::references::References;
use crate::rules::units::Units;
use crate::rules::values::Values;
use crate::rules::{Arkivdel, Cx, Rules, Settings};

/// The file the pass reads.
pub const FILE: &str = "arkivstruktur.xml";

/// The families of rules that look at arkivstruktur.xml, and where the pass is.
pub struct Pass {
    /// N5.04–N5.27, N5.29.
    pub units: Units,
    /// N5.35–N5.46.
    pub metadata: Metadata,
    /// N5.47, N5.48, N5.51, S.04.
    pub references: References,
    /// N5.30, N5.32–N5.34, N5.64, S.02, S.03.
    pub documents: Documents,
    /// N5.59, N5.60 (after the pass), S.06, S.08.
    pub journalposter: Journalposter,
    /// N5.63, S.05, S.07.
    pub values: Values,
    arkivdel: Arkivdel,
}

impl Pass {
    /// A pass with `settings`; `check_documents` says whether the document files are
    /// hashed and checked, `known` gives digests already taken.
    pub fn new(settings: Settings, check_documents: bool, known: Option<KnownDigests>) -> Pass {
        Pass {
            units: Units::new(settings.profile),
            metadata: Metadata::default(),
            references: References::new(settings.version),
            documents: Documents::for_pass(check_documents, known),
            journalposter: Journalposter::default(),
            values: Values::new(settings.today),
            arkivdel: Arkivdel::default(),
        }
    }

    /// A container opened (arkiv, arkivdel, klassifikasjonssystem, klasse) at `path`.
    pub fn start(&mut self, extract: &Extract, header: &Element, path: &str, f: &mut Findings) {
        let sid = header.system_id();
        let name = header.local_name();
        if name == "arkivdel" {
            let period = match (header.date("arkivperiodeStartDato"), header.date("arkivperiodeSluttDato")) {
                (Some(Ok(a)), Some(Ok(b))) => Some((a, b)),
                _ => None,
            };
            self.arkivdel = Arkivdel { system_id: sid.unwrap_or_default().to_string(), period };
        }
        let cx = Cx {
            extract,
            file: FILE,
            path,
            name,
            parent: "",
            sid,
            top: false,
            utgaar: false,
            arkivdel: &self.arkivdel,
        };
        self.units.start(&cx, header, f);
        self.metadata.start(&cx, header, f);
        self.references.start(&cx, header, f);
        self.documents.start(&cx, header, f);
        self.journalposter.start(&cx, header, f);
        self.values.start(&cx, header, f);
        // The header's own fields and small children (arkivskaper, kassasjon, …).
        for child in &header.children {
            let mut stack = vec![(child, format!("{path}/{}", child.name), name)];
            while let Some((e, path, parent)) = stack.pop() {
                let cx = Cx { path: &path, name: e.local_name(), parent, ..cx };
                self.units.header_element(&cx, e, f);
                self.metadata.header_element(&cx, e, f);
                self.references.header_element(&cx, e, f);
                self.documents.header_element(&cx, e, f);
                self.journalposter.header_element(&cx, e, f);
                self.values.header_element(&cx, e, f);
                for c in e.children.iter().rev() {
                    stack.push((c, format!("{path}/{}", c.name), e.local_name()));
                }
            }
        }
    }

    /// A unit (mappe or registrering directly in a container), or a stray field, in the
    /// container at `path`: its elements depth first, without recursion.
    pub fn unit(&mut self, extract: &Extract, unit: &Element, path: &str, f: &mut Findings) {
        // (element, its path, the nearest systemID above it, parent's type or name, under Utgår)
        let mut stack: Vec<(&Element, String, Option<&str>, &str, bool)> =
            vec![(unit, format!("{path}/{}", unit.name), None, "", false)];
        let mut top = true;
        while let Some((e, path, inherited, parent, gone)) = stack.pop() {
            let name = e.local_name();
            let sid = e.system_id().or(inherited);
            let utgaar = gone || is_utgaar(e);
            let cx = Cx { extract, file: FILE, path: &path, name, parent, sid, top, utgaar, arkivdel: &self.arkivdel };
            top = false;
            self.units.element(&cx, e, f);
            self.metadata.element(&cx, e, f);
            self.references.element(&cx, e, f);
            self.documents.element(&cx, e, f);
            self.journalposter.element(&cx, e, f);
            self.values.element(&cx, e, f);
            if name == "virksomhetsspesifikkeMetadata" {
                self.units.business_metadata(&cx, e, f);
                self.metadata.business_metadata(&cx, e, f);
                self.references.business_metadata(&cx, e, f);
                self.documents.business_metadata(&cx, e, f);
                self.journalposter.business_metadata(&cx, e, f);
                self.values.business_metadata(&cx, e, f);
                continue;
            }
            let parent = e.xsi_type().unwrap_or(name);
            for child in e.children.iter().rev() {
                stack.push((child, format!("{path}/{}", child.name), sid, parent, utgaar));
            }
        }
    }

    /// The container `name` at `path` closed.
    pub fn end(&mut self, extract: &Extract, name: &str, path: &str, f: &mut Findings) {
        let cx = Cx {
            extract,
            file: FILE,
            path,
            name,
            parent: "",
            sid: None,
            top: false,
            utgaar: false,
            arkivdel: &self.arkivdel,
        };
        self.units.end(&cx, f);
        self.metadata.end(&cx, f);
        self.references.end(&cx, f);
        self.documents.end(&cx, f);
        self.journalposter.end(&cx, f);
        self.values.end(&cx, f);
    }

    /// After the pass and the controls that use what it found: the counts and the
    /// references that did not resolve.
    pub fn finish(&mut self, f: &mut Findings) {
        self.units.finish(f);
        self.metadata.finish(f);
        self.references.finish(f);
    }
}

/// Whether a mappe or registrering has the status Utgår (saksstatus, journalstatus or
/// moeteregistreringsstatus), compared as Arkade does, without regard to case.
fn is_utgaar(e: &Element) -> bool {
    matches!(e.local_name(), "mappe" | "registrering")
        && ["saksstatus", "journalstatus", "moeteregistreringsstatus"]
            .iter()
            .any(|s| e.value(s).is_some_and(|v| v.trim().to_lowercase() == "utgår"))
}
