//! Placing converted units under the archive plan: their arkivdel and klasser moved to the
//! plan's, a person's folders given one mappe, retention from the plan's kassasjon rules,
//! and the old arkivdeler's periods ended and continued.

use super::*;

impl Writers<'_> {
    /// Under a plan, an old arkivdel in the closed part ends at the merger: "Avsluttet
    /// periode", arkivperiodeSluttDato the job's date, and referanseArvtaker the plan's
    /// arkivdel that continues it (which points back with referanseForloeper).
    pub(crate) fn end_period(&mut self, header: &mut Element, old: &Element) -> Result<()> {
        let Some(plan) = &self.job.plan else { return Ok(()) };
        let owner = old.value("systemID").unwrap_or_default().trim().to_string();
        let mut changes = vec![
            ("arkivdelstatus", "Avsluttet periode".to_string(), "plan: the old period ends at the merger"),
            ("arkivperiodeSluttDato", self.job.job.as_of.clone(), "plan: the old period ends at the merger"),
        ];
        let names = crate::arkivplan::identities(old);
        if let Some(a) = plan.continuing(&self.source.name, &names) {
            let to = plan.system_id(&self.job.target.kommunenummer, PlanUnit::Arkivdel(a));
            changes.push(("referanseArvtaker", to, "plan: continued by the plan's arkivdel"));
            let here = header.value("systemID").unwrap_or_default().trim().to_string();
            self.done.forloeper.insert(a, here);
        }
        for (field, value, rule) in changes {
            let before = put_field(header, field, &value, ARKIVDEL_ORDER);
            if before.as_deref() != Some(value.as_str()) {
                self.ledger("arkivdel", &owner, field, before.as_deref().unwrap_or(""), &value, rule)?;
            }
        }
        Ok(())
    }

    /// Under a plan, the retention its kassasjon rules give the unit's klasse: the
    /// kassasjon element (the source's replaced, in the ledger), counted for the report.
    pub(crate) fn retain(&mut self, e: &mut Element, to: Destination, place: Place) -> Result<()> {
        let Some(rule) = self.job.plan.as_ref().and_then(|p| p.kassasjon_at(place)) else { return Ok(()) };
        let as_of = Date::parse(&self.job.job.as_of).expect("checked when the job was read");
        let closed = e.value("avsluttetDato").and_then(Date::parse).unwrap_or(as_of);
        let (kassasjon, at) = rule.element(closed);
        let entity = e.local_name().to_string();
        let mut old = Element::new("kassasjon");
        if let Some(i) = e.children.iter().position(|c| c.is("kassasjon")) {
            old = e.children.remove(i);
        }
        let describe = |k: &Element| {
            ["kassasjonsvedtak", "bevaringstid", "kassasjonsdato"]
                .iter()
                .filter_map(|f| k.value(f))
                .collect::<Vec<_>>()
                .join(" / ")
        };
        let owner = e.value("systemID").unwrap_or_default().trim().to_string();
        let (before, after) = (describe(&old), describe(&kassasjon));
        if before != after {
            self.ledger(&entity, &owner, "kassasjon", &before, &after, "plan: kassasjon rule of the klasse")?;
        }
        let order = if matches!(e.kind(), Kind::Mappe(_)) { MAPPE_ORDER } else { REGISTRERING_ORDER };
        let index = insert_at(e, order, "kassasjon");
        e.children.insert(index, kassasjon);
        *self.done.retention.entry((to, rule.vedtak, at.year)).or_default() += 1;
        if rule.vedtak == crate::arkivplan::Vedtak::Kasseres {
            let id = e.value("mappeID").or_else(|| e.value("registreringsID")).unwrap_or_default().trim().to_string();
            self.done.kasseres.push(Disposal {
                source: self.source.name.clone(),
                part: to.folder().to_string(),
                entity,
                system_id: owner,
                id,
                kassasjonsdato: at.to_string(),
            });
        }
        Ok(())
    }

    /// A converted unit under an archive plan: rewritten as any converted unit, its
    /// references to its arkivdel and klasser moved to the plan's, and written for the
    /// assembly to put in its klasse. Without a place (no rule maps its klasse) the run
    /// stops when the sources are done, so it is not written.
    pub(crate) fn place(&mut self, unit: Element, flagged: bool, place: Option<Place>) -> Result<()> {
        let (Some(place), Some(plan)) = (place, self.job.plan.as_ref()) else { return Ok(()) };
        let (system, klasse) = crate::arkivplan::classification(self.stack.iter());
        let klasse = klasse.map(str::to_string);
        let held = klasse.as_deref().is_none_or(|k| plan.place(&self.source.name, &system, k).is_none());
        self.tables.add(self.job, self.source, &unit, Destination::Convert, klasse.as_deref());
        let mappe = matches!(unit.kind(), Kind::Mappe(_));
        let person = match (plan.by_person(place.arkivdel), mappe) {
            (true, true) => Some(self.person(&unit, klasse.as_deref(), place)?),
            // A registrering outside a mappe is no person's folder: it is kept apart.
            (true, false) => Some(crate::arkivplan::UNKNOWN_PERSON.to_string()),
            (false, _) => None,
        };
        let mut new = unit.clone();
        self.rewrite(&mut new, Destination::Convert, "")?;
        self.id_override = None;
        self.provenance(&mut new, &unit);
        let kommune = &self.job.target.kommunenummer;
        let arkivdel = plan.system_id(kommune, PlanUnit::Arkivdel(place.arkivdel));
        let (mut dropped, mut later) = (Vec::new(), false);
        reclassify(&mut new, &unit, &arkivdel, &mut |entity, owner, old| match self
            .klasser
            .get(old.trim())
            .map(|k| k.place)
        {
            Some(Some(p)) => Secondary::To(plan.system_id(kommune, PlanUnit::Klasse(p))),
            Some(None) => {
                dropped.push((entity.to_string(), owner.to_string(), old.trim().to_string()));
                Secondary::Drop
            }
            None => {
                // A klasse further on in the source: settled when the source is read.
                self.later.push((entity.to_string(), owner.to_string(), old.trim().to_string()));
                later = true;
                Secondary::Later
            }
        });
        for (entity, owner, old) in dropped {
            self.drop_secondary(&entity, &owner, &old)?;
        }
        self.retain(&mut new, Destination::Convert, place)?;
        self.carried_forward(&mut new, &unit);
        if flagged {
            flag(&mut new, "ukartlagt kodeverdi");
        }
        if held {
            flag(&mut new, &format!("uklassifisert: {}", klasse.as_deref().unwrap_or("(ingen klasse)")));
        }
        // A person's mappe may be joined with other sources' folders of the person: its own
        // parties are washed as the joined mappe has them, when it is assembled.
        let joinable = mappe && person.as_deref().is_some_and(|k| k != crate::arkivplan::UNKNOWN_PERSON);
        let own_parties = if joinable { samla_wash::parties::own_rows(&new) } else { Vec::new() };
        if let Some(w) = self.wash.as_mut() {
            if joinable { w.rows(&samla_wash::parties::rows_inside(&new))? } else { w.unit(&new)? }
        }
        let Some(p) = self.placed.as_mut() else { return Ok(()) };
        p.buf.clear();
        XmlWriter::fragment(&mut p.buf, PLACED_DEPTH).element(&new).map_err(io_at(&p.path))?;
        p.out.write_all(&p.buf).map_err(io_at(&p.path))?;
        let len = p.buf.len() as u64;
        self.done.placed.push(Placement { place, at: p.at, len, later, person, mappe, own_parties });
        p.at += p.buf.len() as u64;
        Ok(())
    }

    /// The person whose folder `unit` is, in a person-ordered arkivdel: the first valid
    /// fødselsnummer or D-number it is classified by (its klasse, then its secondary
    /// klasser), as Folkeregisteret has it now. Never a name or a birth date. The folder
    /// gets the person's one mappe systemID (every source's folder of the person gets the
    /// same, and the assembly joins them), and the ledger a row saying so.
    pub(crate) fn person(&mut self, unit: &Element, klasse: Option<&str>, place: Place) -> Result<String> {
        let Some(plan) = self.job.plan.as_ref() else { return Ok(crate::arkivplan::UNKNOWN_PERSON.into()) };
        let secondary = unit
            .children
            .iter()
            .filter(|c| c.is("referanseSekundaerKlassifikasjon"))
            .filter_map(|c| self.klasser.get(c.text.trim()).map(|k| k.id.as_str()));
        let found = klasse
            .into_iter()
            .chain(secondary)
            .find(|id| samla_ids::check_person(id, samla_ids::Rules::default()).is_ok())
            .map(str::to_string);
        let owner = unit.value("systemID").unwrap_or_default().trim().to_string();
        let Some(raw) = found else {
            self.done.plan.classification.without_person.push(crate::plan::Unclassified::of(unit));
            return Ok(crate::arkivplan::UNKNOWN_PERSON.into());
        };
        // Identifiers are masked in the ledger, as in every report.
        let mask = samla_wash::wash::mask;
        let (key, how) = match self.registers.current.get(&raw) {
            Some(now) => (
                now.clone(),
                format!(
                    "{} replaced by {} in Folkeregisteret ({})",
                    mask(&raw),
                    mask(now),
                    self.registers.freg.join(", ")
                ),
            ),
            None => (raw.clone(), "as classified".to_string()),
        };
        let (mappe, _) = plan.person_ids(&self.job.target.kommunenummer, place.arkivdel, &key);
        let rule =
            format!("plan: the person folder of {} ({how}); every source's folder of the person is joined", mask(&key));
        self.ledger(unit.local_name(), &owner, "personmappe", &mask(&raw), &mappe, &rule)?;
        self.id_override = Some((owner, mappe));
        Ok(key)
    }

    /// An open case carried into the new archive keeps a merknad naming its old identity.
    pub(crate) fn carried_forward(&self, e: &mut Element, old: &Element) {
        let status = old.value("saksstatus").map(str::trim).unwrap_or_default();
        if !matches!(old.kind(), Kind::Mappe(_)) || matches!(status, "Avsluttet" | "Utgår" | "") {
            return;
        }
        let mut merknad = Element::new("merknad");
        merknad
            .push_field(
                "merknadstekst",
                format!(
                    "Videreført fra {} sak {} (systemID {}) ved sammenslåingen {}",
                    self.source.name,
                    old.value("mappeID").unwrap_or_default().trim(),
                    old.value("systemID").unwrap_or_default().trim(),
                    self.job.job.as_of
                ),
            )
            .push_field("merknadstype", "Videreført sak")
            .push_field("merknadsdato", format!("{}T00:00:00+01:00", self.job.job.as_of))
            .push_field("merknadRegistrertAv", "samla run");
        let at = insert_at(e, MAPPE_ORDER, "merknad");
        e.children.insert(at, merknad);
    }

    /// A secondary classification whose klasse the plan has no place for: left out, and
    /// the ledger says so.
    pub(crate) fn drop_secondary(&mut self, entity: &str, owner: &str, old: &str) -> Result<()> {
        let rule = "plan: no [[plan.map]] rule places the secondary klasse; left out";
        self.ledger(entity, owner, "referanseSekundaerKlassifikasjon", old, "", rule)
    }

    /// Settles the secondary classifications that named a klasse later in the source:
    /// the rewritten reference → the plan's klasse (none: left out, in the ledger).
    pub(crate) fn settle_later(&mut self) -> Result<HashMap<String, Option<String>>> {
        let Some(plan) = self.job.plan.as_ref() else { return Ok(HashMap::new()) };
        let mut settled = HashMap::new();
        for (entity, owner, old) in std::mem::take(&mut self.later) {
            let place = self.klasser.get(&old).and_then(|k| k.place);
            let to = place.map(|p| plan.system_id(&self.job.target.kommunenummer, PlanUnit::Klasse(p)));
            if to.is_none() {
                self.drop_secondary(&entity, &owner, &old)?;
            }
            settled.insert(new_system_id(&self.source.name, &old), to);
        }
        Ok(settled)
    }
}

/// What becomes of a secondary classification under the plan.
pub(crate) enum Secondary {
    /// The plan's klasse.
    To(String),
    /// Left out: the plan has no place for its klasse.
    Drop,
    /// Its klasse comes later in the source: the rewritten reference stays until then.
    Later,
}

/// Points a converted unit and the units inside it at the plan: referanseArkivdel at the
/// plan's arkivdel, each referanseSekundaerKlassifikasjon as `secondary` says, given the
/// unit's entity, its old systemID and the old systemID of the klasse it named (read from
/// `old`, the unit as it was).
pub(crate) fn reclassify(
    e: &mut Element,
    old: &Element,
    arkivdel: &str,
    secondary: &mut dyn FnMut(&str, &str, &str) -> Secondary,
) {
    let (entity, owner) = (old.local_name(), old.value("systemID").unwrap_or_default().trim());
    let olds: Vec<&str> =
        old.children.iter().filter(|c| c.is("referanseSekundaerKlassifikasjon")).map(|c| c.text.as_str()).collect();
    let mut n = 0;
    e.children.retain_mut(|c| {
        if c.is("referanseArkivdel") {
            c.text = arkivdel.to_string();
        } else if c.is("referanseSekundaerKlassifikasjon") {
            let to = olds.get(n).map_or(Secondary::Drop, |o| secondary(entity, owner, o));
            n += 1;
            match to {
                Secondary::To(id) => c.text = id,
                Secondary::Drop => return false,
                Secondary::Later => {}
            }
        }
        true
    });
    let units = |c: &&Element| matches!(c.kind(), Kind::Mappe(_) | Kind::Registrering(_));
    let old_units: Vec<&Element> = old.children.iter().filter(units).collect();
    for (c, o) in
        e.children.iter_mut().filter(|c| matches!(c.kind(), Kind::Mappe(_) | Kind::Registrering(_))).zip(old_units)
    {
        reclassify(c, o, arkivdel, secondary);
    }
}
