//! The archive's units, counted and checked as Arkade analyses them: N5.04–N5.27 and N5.29
//! (arkiv, arkivdeler, klassifikasjonssystemer, klasser, mapper, registreringer,
//! dokumentbeskrivelser, dokumentobjekter: how many, of which kinds and statuses, per year
//! and per klasse), with the counts arkivuttrekk.xml states (N5.10, N5.16).

use samla_noark5::Element;
use samla_noark5::addml::Arkivuttrekk;
use samla_noark5::model::Date;

use super::structure::{UTTREKK, stated};
use super::{Cx, Rules, Tallies};
use crate::controls::ControlId::{
    self, N5_04, N5_05, N5_06, N5_07, N5_08, N5_09, N5_10, N5_11, N5_12, N5_13, N5_14, N5_15, N5_16, N5_17, N5_18,
    N5_19, N5_20, N5_21, N5_22, N5_23, N5_24, N5_25, N5_26, N5_27, N5_29,
};
use crate::findings::{Findings, Location, Severity, Text};
use crate::ids;
use crate::profile::Profile;

/// The units counted.
#[derive(Debug, Default)]
pub struct Counts {
    /// Arkiv (N5.04).
    pub arkiv: u64,
    /// Arkivdeler (N5.05).
    pub arkivdeler: u64,
    /// Klassifikasjonssystemer (N5.07).
    pub klassifikasjonssystemer: u64,
    /// Klasser (N5.08).
    pub klasser: u64,
    /// Klasser of the primary klassifikasjonssystem without subklasser, mapper or registreringer (N5.09).
    pub klasser_empty: u64,
    /// Klasser without registreringer and without subklasser (N5.20).
    pub klasser_without_registreringer: u64,
    /// Mapper (N5.10).
    pub mapper: u64,
    /// Mapper without registreringer or undermapper, Utgår left out (N5.14).
    pub mapper_empty: u64,
    /// Registreringer (N5.16).
    pub registreringer: u64,
    /// Registreringer without dokumentbeskrivelse, Utgår left out (N5.21).
    pub registreringer_without_dokumentbeskrivelse: u64,
    /// Registreringer with an opprettetDato (N5.27).
    pub registreringer_with_opprettet_dato: u64,
    /// Dokumentbeskrivelser (N5.23).
    pub dokumentbeskrivelser: u64,
    /// Dokumentbeskrivelser without dokumentobjekt, not on paper, Utgår left out (N5.24).
    pub dokumentbeskrivelser_without_objekt: u64,
    /// The same on "fysisk arkiv" or "fysisk medium" (N5.24).
    pub dokumentbeskrivelser_without_objekt_physical: u64,
    /// Dokumentobjekter (N5.26).
    pub dokumentobjekter: u64,
}

#[derive(Default)]
struct Klasse {
    system_id: String,
    primary: bool,
    sub: bool,
    mapper: u64,
    registreringer: u64,
    pos: samla_noark5::pos::Pos,
}

#[derive(Default)]
struct Arkivdel {
    tittel: String,
    first: Option<Date>,
    last: Option<Date>,
    systems_seen: u32,
}

/// The counts and checks of the units.
pub struct Units {
    profile: Profile,
    /// The counts.
    pub counts: Counts,
    /// The tallied values: statuses, kinds, years, per klasse.
    pub tallies: Tallies,
    /// The klasser open, outermost first.
    klasser: Vec<Klasse>,
    in_primary: bool,
    arkivdel: Arkivdel,
    arkivdel_summaries: Vec<String>,
}

impl Units {
    /// Open cases, journal statuses and unfinished documents are errors for a deposit only.
    pub fn new(profile: Profile) -> Units {
        Units {
            profile,
            counts: Counts::default(),
            tallies: Tallies::default(),
            klasser: Vec::new(),
            in_primary: false,
            arkivdel: Arkivdel::default(),
            arkivdel_summaries: Vec::new(),
        }
    }

    fn mappe(&mut self, cx: &Cx, e: &Element, f: &mut Findings) {
        self.counts.mapper += 1;
        self.tallies.bump(N5_10, e.xsi_type().unwrap_or("mappe"));
        let year =
            e.date("opprettetDato").and_then(Result::ok).map(|d| d.year.to_string()).unwrap_or_else(|| "?".into());
        self.tallies.bump(N5_11, year);
        if e.child("registrering").is_none() && e.child("mappe").is_none() && !cx.utgaar {
            self.counts.mapper_empty += 1;
        }
        if let Some(status) = e.value("saksstatus") {
            let status = status.trim().to_string();
            self.tallies.bump(N5_15, status.clone());
            if status != "Avsluttet" && status != "Utgår" {
                // Arkade: an error; a migration from a live system expects open cases.
                f.add(
                    N5_15,
                    self.profile.depot_only(),
                    cx.at(e).with_detail(status),
                    Text::new(
                        "Saksmappen er ikke avsluttet (saksstatus «Avsluttet» eller «Utgår»)",
                        "The saksmappe is not closed (saksstatus \"Avsluttet\" or \"Utgår\")",
                    ),
                );
            }
        }
    }

    fn registrering(&mut self, cx: &Cx, e: &Element, f: &mut Findings) {
        self.counts.registreringer += 1;
        let kind = e.xsi_type().unwrap_or("registrering");
        self.tallies.bump(N5_16, kind);
        let created = e.date("opprettetDato").and_then(Result::ok);
        self.tallies.bump(N5_18, created.map(|d| d.year.to_string()).unwrap_or_else(|| "?".into()));
        if let Some(written) = e.value("opprettetDato") {
            self.counts.registreringer_with_opprettet_dato += 1;
            // As Arkade: an opprettetDato that is no date is an N5.27 error (S.05 says why).
            if created.is_none() {
                f.add(
                    N5_27,
                    Severity::Error,
                    cx.at(e).with_detail(samla_noark5::error::shorten(written, 80).into_owned()),
                    Text::new(
                        "Ugyldig dato for registreringsopprettelse",
                        "Invalid date of the registrering's creation",
                    ),
                );
            }
        }
        if let Some(d) = created {
            let a = &mut self.arkivdel;
            a.first = Some(a.first.map_or(d, |x| x.min(d)));
            a.last = Some(a.last.map_or(d, |x| x.max(d)));
        }
        if e.child("dokumentbeskrivelse").is_none() && !cx.utgaar {
            self.counts.registreringer_without_dokumentbeskrivelse += 1;
        }
        if kind != "journalpost" {
            return;
        }
        let jptype = e.value("journalposttype").unwrap_or("").trim().to_string();
        self.tallies.bump(N5_17, jptype.clone());
        if jptype.is_empty() {
            // Arkade: an empty journalposttype is an error (samla: an absent one too).
            f.add(
                N5_17,
                Severity::Error,
                cx.at(e),
                Text::new("Journalposten har ingen journalposttype", "The journalpost has no journalposttype"),
            );
        }
        let status = e.value("journalstatus").unwrap_or("").trim().to_string();
        self.tallies.bump(N5_22, status.clone());
        if status.is_empty() {
            // Arkade: an empty journalstatus is an error (samla: an absent one too), in any profile.
            f.add(
                N5_22,
                Severity::Error,
                cx.at(e),
                Text::new("Journalposten har ingen journalstatus", "The journalpost has no journalstatus"),
            );
        } else if status != "Arkivert" && status != "Utgår" {
            f.add(
                N5_22,
                self.profile.depot_only(),
                cx.at(e).with_detail(status),
                Text::new(
                    "Journalposten har ikke status «Arkivert» eller «Utgår», som et depot krever",
                    "The journalpost is not \"Arkivert\" or \"Utgår\", as a deposit requires",
                ),
            );
        }
    }

    fn dokumentbeskrivelse(&mut self, cx: &Cx, e: &Element, f: &mut Findings) {
        self.counts.dokumentbeskrivelser += 1;
        self.tallies.bump(N5_25, e.value("dokumentstatus").unwrap_or("").trim());
        if let Some(status) = e.value("dokumentstatus").map(str::trim)
            && status != "Dokumentet er ferdigstilt"
        {
            // Arkade: an error; a document still being edited is no error in a live system.
            f.add(
                N5_25,
                self.profile.depot_only(),
                cx.at(e).with_detail(status.to_string()),
                Text::new(
                    "Dokumentet er ikke ferdigstilt (dokumentstatus «Dokumentet er ferdigstilt»)",
                    "The document is not finished (dokumentstatus \"Dokumentet er ferdigstilt\")",
                ),
            );
        }
        // As Arkade: documents on paper are counted on a line of their own.
        let medium = e.value("dokumentmedium").map(|m| m.trim().to_lowercase());
        let physical = matches!(medium.as_deref(), Some("fysisk medium" | "fysisk arkiv"));
        if e.child("dokumentobjekt").is_none() && !cx.utgaar {
            if physical {
                self.counts.dokumentbeskrivelser_without_objekt_physical += 1;
            } else {
                self.counts.dokumentbeskrivelser_without_objekt += 1;
            }
        }
    }

    fn dokumentobjekt(&mut self, cx: &Cx, e: &Element, f: &mut Findings) {
        self.counts.dokumentobjekter += 1;
        self.tallies.bump(N5_29, e.value("format").unwrap_or("").trim());
        if let Some(detail) = format_mismatch(e.value("format"), e.value("referanseDokumentfil")) {
            f.add(
                N5_29,
                self.profile.depot_only(),
                cx.at(e).with_detail(detail),
                Text::new(
                    "Format-misforhold: filendelsen er ikke formatet",
                    "Format mismatch: the file extension is not the format",
                ),
            );
        }
    }

    /// After the pass, before [`Units::finish`]: N5.10 and N5.16, the mapper and
    /// registreringer against numberOfOccurrences in arkivuttrekk.xml.
    pub fn stated_counts(&self, uttrekk: Option<&Arkivuttrekk>, f: &mut Findings) {
        for (control, what, found) in
            [(N5_10, "mappe", self.counts.mapper), (N5_16, "registrering", self.counts.registreringer)]
        {
            // As Arkade: a count that is not stated counts as 0.
            let (n, pos) = stated(uttrekk, "arkivstruktur.xml", what).unwrap_or_else(|| {
                ("0".to_string(), uttrekk.and_then(|u| u.file("arkivstruktur.xml")).map(|f| f.pos).unwrap_or_default())
            });
            f.stat(control, Text::new("Oppgitt i arkivuttrekk.xml", "Stated in arkivuttrekk.xml"), &n);
            if n.parse::<u64>().ok() != Some(found) {
                f.add(
                    control,
                    Severity::Error,
                    Location::at(UTTREKK, pos).with_detail(format!("{what}: oppgitt/stated {n}, funnet/found {found}")),
                    Text::new(
                        "Antallet stemmer ikke med arkivuttrekk.xml",
                        "The count does not match arkivuttrekk.xml",
                    ),
                );
            }
        }
    }

    /// After the pass: the counts and tallies.
    pub fn finish(&mut self, f: &mut Findings) {
        let t = |nb: &str, en: &str| Text::new(nb, en);
        let c = &self.counts;
        for (control, n) in [
            (N5_04, c.arkiv),
            (N5_05, c.arkivdeler),
            (N5_07, c.klassifikasjonssystemer),
            (N5_08, c.klasser),
            (N5_09, c.klasser_empty),
            (N5_10, c.mapper),
            (N5_14, c.mapper_empty),
            (N5_16, c.registreringer),
            (N5_21, c.registreringer_without_dokumentbeskrivelse),
            (N5_23, c.dokumentbeskrivelser),
            (N5_24, c.dokumentbeskrivelser_without_objekt),
            (N5_26, c.dokumentobjekter),
        ] {
            f.stat(control, t("Totalt", "Total"), n);
        }
        if c.dokumentbeskrivelser_without_objekt_physical > 0 {
            f.stat(
                N5_24,
                t(
                    "I tillegg: uten dokumentobjekt, på «fysisk arkiv» eller «fysisk medium»",
                    "Besides: without dokumentobjekt, on \"fysisk arkiv\" or \"fysisk medium\"",
                ),
                c.dokumentbeskrivelser_without_objekt_physical,
            );
        }
        let tallied: [(ControlId, &str, &str); 13] = [
            (N5_06, "Arkivdelstatus", "Arkivdelstatus"),
            (N5_08, "Klasser på nivå", "Klasser at level"),
            (N5_10, "Mappetype", "Mappe type"),
            (N5_11, "År", "Year"),
            (N5_13, "Klasse (systemID)", "Klasse (systemID)"),
            (N5_15, "Saksmappestatus", "Saksmappe status"),
            (N5_16, "Registreringstype", "Registrering type"),
            (N5_17, "Journalposttype", "Journalpost type"),
            (N5_18, "År", "Year"),
            (N5_20, "Klasse (systemID)", "Klasse (systemID)"),
            (N5_22, "Journalstatus", "Journal status"),
            (N5_25, "Dokumentstatus", "Document status"),
            (N5_29, "Dokumentformat", "Document format"),
        ];
        for (control, nb, en) in tallied {
            for (k, n) in self.tallies.take(control) {
                f.stat(control, Text::new(format!("{nb}: {k}"), format!("{en}: {k}")), n);
            }
        }
        if self.counts.klasser_without_registreringer > 0 {
            f.stat(
                N5_20,
                t(
                    "Klasser uten registreringer (og uten underklasser)",
                    "Klasser without registreringer (and without subklasser)",
                ),
                self.counts.klasser_without_registreringer,
            );
        }
        f.stat(N5_27, t("Totalt", "Total"), self.counts.registreringer_with_opprettet_dato);
        for summary in std::mem::take(&mut self.arkivdel_summaries) {
            f.stat(N5_27, t("Arkivdel: første – siste registrering", "Arkivdel: first – last registrering"), summary);
        }
    }
}

impl Rules for Units {
    fn start(&mut self, cx: &Cx, header: &Element, f: &mut Findings) {
        match cx.name {
            "arkiv" => self.counts.arkiv += 1,
            "arkivdel" => {
                self.counts.arkivdeler += 1;
                let status = header.value("arkivdelstatus").unwrap_or("").trim().to_string();
                self.tallies.bump(N5_06, status.clone());
                if !status.is_empty() && status != "Avsluttet periode" && status != "Overlappingsperiode" {
                    f.add(
                        N5_06,
                        Severity::Warning,
                        cx.at(header).with_detail(status),
                        Text::new(
                            "Arkivdelen har ikke status «Avsluttet periode» som et depot krever",
                            "The arkivdel is not \"Avsluttet periode\", as a deposit requires",
                        ),
                    );
                }
                let tittel = header.value("tittel").unwrap_or("").trim().to_string();
                self.arkivdel = Arkivdel { tittel, ..Default::default() };
            }
            "klassifikasjonssystem" => {
                self.counts.klassifikasjonssystemer += 1;
                self.arkivdel.systems_seen += 1;
                self.in_primary = self.arkivdel.systems_seen == 1;
            }
            "klasse" => {
                self.counts.klasser += 1;
                let level = self.klasser.len() + 1;
                self.tallies.bump(N5_08, format!("{level}"));
                if let Some(parent) = self.klasser.last_mut() {
                    parent.sub = true;
                }
                self.klasser.push(Klasse {
                    system_id: cx.sid.unwrap_or_default().to_string(),
                    primary: self.in_primary,
                    pos: header.pos,
                    ..Default::default()
                });
            }
            _ => {}
        }
    }

    fn element(&mut self, cx: &Cx, e: &Element, f: &mut Findings) {
        if cx.top
            && let Some(k) = self.klasser.last_mut()
        {
            match cx.name {
                "mappe" => k.mapper += 1,
                "registrering" => k.registreringer += 1,
                _ => {}
            }
        }
        match cx.name {
            "mappe" => self.mappe(cx, e, f),
            "registrering" => self.registrering(cx, e, f),
            "dokumentbeskrivelse" => self.dokumentbeskrivelse(cx, e, f),
            "dokumentobjekt" => self.dokumentobjekt(cx, e, f),
            _ => {}
        }
    }

    fn end(&mut self, cx: &Cx, f: &mut Findings) {
        match cx.name {
            "klasse" => {
                let Some(k) = self.klasser.pop() else { return };
                let at = Cx { sid: Some(&k.system_id), ..*cx }.at_pos(k.pos);
                if k.sub && k.mapper > 0 {
                    f.add(
                        N5_12,
                        Severity::Error,
                        at.clone(),
                        Text::new(
                            "Klassen har både underklasser og mapper",
                            "The klasse has both subklasser and mapper",
                        ),
                    );
                }
                if k.sub && k.registreringer > 0 {
                    f.add(
                        N5_19,
                        Severity::Error,
                        at,
                        Text::new(
                            "Klassen har både underklasser og registreringer",
                            "The klasse has both subklasser and registreringer",
                        ),
                    );
                }
                if k.primary && !k.sub && k.mapper == 0 && k.registreringer == 0 {
                    self.counts.klasser_empty += 1;
                }
                if k.mapper > 0 {
                    self.tallies.add(N5_13, k.system_id.clone(), k.mapper);
                }
                if k.registreringer > 0 {
                    self.tallies.add(N5_20, k.system_id.clone(), k.registreringer);
                } else if !k.sub {
                    self.counts.klasser_without_registreringer += 1;
                }
            }
            "arkivdel" => {
                let a = &self.arkivdel;
                let fmt = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_else(|| "-".into());
                let summary = format!("{}, {}: {} – {}", cx.arkivdel.system_id, a.tittel, fmt(a.first), fmt(a.last));
                self.arkivdel_summaries.push(summary);
            }
            "klassifikasjonssystem" => self.in_primary = false,
            _ => {}
        }
    }
}

/// N5.29 as Arkade's `HasFormatMismatch`: the reference's extension, lower-cased, must be
/// "." and the format, lower-cased, as written. A format or reference not given is no
/// mismatch. Returns the detail: both values, and where samla knows the format (a PRONOM
/// identifier, PDF/A), whether the extension fits it all the same.
fn format_mismatch(format: Option<&str>, reference: Option<&str>) -> Option<String> {
    let (format, reference) = (format?, reference?);
    let name = reference.rsplit(['/', '\\']).next().unwrap_or(reference);
    let extension = name.rfind('.').filter(|&i| i > 0).map_or(String::new(), |i| name[i..].to_lowercase());
    if extension == format!(".{}", format.to_lowercase()) {
        return None;
    }
    let fits = ids::extension_for_format(format.trim())
        .is_some_and(|known| known.iter().any(|k| extension.strip_prefix('.') == Some(*k)));
    let note = if fits { "; the extension fits the format, but Arkade compares it with the format's text" } else { "" };
    Some(format!("format {format:?}, referanseDokumentfil {reference:?}{note}"))
}

#[cfg(test)]
mod tests {
    use crate::controls::ControlId::{N5_08, N5_11, N5_12};
    use crate::findings::Severity::Error;
    use crate::rules::testing::{arkivstruktur, check, findings, stats};

    #[test]
    fn a_klasse_with_subklasser_and_mapper_and_the_mapper_per_year() {
        let mappe =
            |id: &str| format!("<mappe><systemID>{id}</systemID><opprettetDato>2016-05-01</opprettetDato></mappe>");
        let xml = arkivstruktur(&format!(
            "<klassifikasjonssystem><systemID>ks</systemID>\
             <klasse><systemID>k1</systemID><klasseID>1</klasseID>\
             <klasse><systemID>k2</systemID><klasseID>2</klasseID>{}</klasse>{}</klasse>\
             </klassifikasjonssystem>",
            mappe("m1"),
            mappe("m2")
        ));
        let report = check(&[("arkivstruktur.xml", &xml)]);
        let both = "The klasse has both subklasser and mapper";
        assert_eq!(findings(&report, N5_12), [(Error, both.into(), 1)]);
        let stat = |label: &str, value: &str| (label.to_string(), value.to_string());
        assert_eq!(
            stats(&report, N5_08),
            [stat("Total", "2"), stat("Klasser at level: 1", "1"), stat("Klasser at level: 2", "1")]
        );
        assert_eq!(stats(&report, N5_11), [stat("Year: 2016", "2")]);
    }
}
