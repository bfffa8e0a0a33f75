//! systemIDs and the references between units: N5.47 systemIDs are unique, S.04 systemIDs
//! are UUIDs (v5.0), N5.48 referanseArkivdel and N5.51 referanseSekundaerKlassifikasjon
//! resolve.
//!
//! Sets of systemIDs are kept as 128-bit hashes, so memory grows by 16 bytes per systemID
//! and not with the file. The journals and the endringslogg are checked against the set
//! after the pass ([`References::has_id`]).

use std::collections::HashSet;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use samla_noark5::{Element, Version};

use super::{Cx, Rules};
use crate::controls::ControlId::{N5_47, N5_48, N5_51, S_04};
use crate::findings::{Findings, Location, Severity, Text};
use crate::ids;

/// A compact key for a systemID.
pub fn id_key(id: &str) -> u128 {
    let id = id.trim();
    let mut a = DefaultHasher::new();
    id.hash(&mut a);
    let mut b = DefaultHasher::new();
    (id, 0x5a17_u32).hash(&mut b);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

/// The systemIDs seen and the references waiting for the end of the pass.
pub struct References {
    version: Option<Version>,
    ids: HashSet<u128>,
    arkivdel_ids: HashSet<u128>,
    klasse_ids: HashSet<u128>,
    pending_arkivdel: Vec<(String, Location)>,
    /// The arkivdeler in which some unit has a referanseArkivdel.
    referring_arkivdeler: HashSet<u128>,
    pending_klasse: Vec<(String, Location)>,
}

impl References {
    /// For an extract of `version` (v5.0 requires UUIDs).
    pub fn new(version: Option<Version>) -> References {
        References {
            version,
            ids: HashSet::new(),
            arkivdel_ids: HashSet::new(),
            klasse_ids: HashSet::new(),
            pending_arkivdel: Vec::new(),
            referring_arkivdeler: HashSet::new(),
            pending_klasse: Vec::new(),
        }
    }

    /// Whether `id` is a systemID seen so far.
    pub fn has_id(&self, id: &str) -> bool {
        self.ids.contains(&id_key(id))
    }

    /// N5.47 and S.04 on the systemID `id`, found at `at`.
    fn system_id(&mut self, id: &str, at: impl Fn() -> Location, f: &mut Findings) {
        if !self.ids.insert(id_key(id)) {
            f.add(
                N5_47,
                Severity::Error,
                at(),
                Text::new("SystemID finnes mer enn én gang", "The systemID occurs more than once"),
            );
        }
        if self.version == Some(Version::V5_0) && !ids::is_uuid(id) {
            f.add(
                S_04,
                Severity::Error,
                at(),
                Text::new(
                    "SystemID er ikke en UUID, som Noark 5 v5.0 krever",
                    "The systemID is not a UUID, as Noark 5 v5.0 requires",
                ),
            );
        }
    }

    /// After the pass: N5.48 and N5.51, the references that did not resolve as they were met.
    pub fn finish(&mut self, f: &mut Findings) {
        // As Arkade, a reference is valid only to an arkivdel that holds a referanseArkivdel
        // of its own.
        for (r, at) in std::mem::take(&mut self.pending_arkivdel) {
            if !self.arkivdel_ids.contains(&id_key(&r)) || !self.referring_arkivdeler.contains(&id_key(&r)) {
                f.add(
                    N5_48,
                    Severity::Error,
                    at,
                    Text::new(
                        "referanseArkivdel er ikke gyldig: ingen arkivdel har den systemID-en, eller arkivdelen har selv ingen referanseArkivdel (som Arkade krever)",
                        "referanseArkivdel is not valid: no arkivdel has that systemID, or that arkivdel holds no referanseArkivdel itself (as Arkade requires)",
                    ),
                );
            }
        }
        for (r, at) in std::mem::take(&mut self.pending_klasse) {
            if !self.klasse_ids.contains(&id_key(&r)) {
                f.add(
                    N5_51,
                    Severity::Error,
                    at,
                    Text::new(
                        "referanseSekundaerKlassifikasjon peker ikke på noen klasse",
                        "referanseSekundaerKlassifikasjon points at no klasse",
                    ),
                );
            }
        }
    }
}

impl Rules for References {
    fn start(&mut self, cx: &Cx, header: &Element, f: &mut Findings) {
        match (cx.name, header.system_id()) {
            ("arkivdel", Some(id)) => _ = self.arkivdel_ids.insert(id_key(id)),
            ("klasse", Some(id)) => _ = self.klasse_ids.insert(id_key(id)),
            _ => {}
        }
        if let Some(id) = header.system_id() {
            let at = || Cx { sid: Some(id), ..*cx }.at(header);
            self.system_id(id, at, f);
        }
    }

    fn element(&mut self, cx: &Cx, e: &Element, f: &mut Findings) {
        if let Some(id) = e.system_id() {
            let at = || {
                let path = format!("{}/systemID", cx.path);
                Cx { path: &path, sid: Some(id), ..*cx }.at(e)
            };
            self.system_id(id, at, f);
        }
        match cx.name {
            "referanseArkivdel" => {
                let r = e.text.trim().to_string();
                self.referring_arkivdeler.insert(id_key(&cx.arkivdel.system_id));
                let at = cx.at(e).with_detail(r.clone());
                self.pending_arkivdel.push((r, at));
            }
            "referanseSekundaerKlassifikasjon" => {
                let r = e.text.trim().to_string();
                if !self.klasse_ids.contains(&id_key(&r)) {
                    let at = cx.at(e).with_detail(r.clone());
                    self.pending_klasse.push((r, at));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::controls::ControlId::{N5_47, N5_51};
    use crate::findings::Severity::Error;
    use crate::rules::testing::{arkivstruktur, check, findings};

    #[test]
    fn a_systemid_used_twice_and_a_reference_to_no_klasse_are_found() {
        let xml = arkivstruktur(
            "<mappe><systemID>m1</systemID></mappe>\
             <mappe><systemID>m1</systemID><referanseSekundaerKlassifikasjon>k9</referanseSekundaerKlassifikasjon></mappe>",
        );
        let report = check(&[("arkivstruktur.xml", &xml)]);
        assert_eq!(findings(&report, N5_47), [(Error, "The systemID occurs more than once".into(), 1)]);
        let nowhere = "referanseSekundaerKlassifikasjon points at no klasse";
        assert_eq!(findings(&report, N5_51), [(Error, nowhere.into(), 1)]);
    }
}
