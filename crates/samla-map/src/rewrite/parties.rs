//! Washing a converted unit's parties: addresses under adressebeskyttelse withheld, and
//! with `[wash] apply` the register values of a match the job applies written in.

use super::*;

impl Writers<'_> {
    /// Removes the address of every party of `e` whom Folkeregisteret has under
    /// adressebeskyttelse: the new system must not carry it (the closed part and the
    /// deposit keep the source as it was). The ledger says so without the address.
    pub(crate) fn withhold_protected_addresses(&mut self, e: &mut Element, entity: &str, owner: &str) -> Result<()> {
        let mut withheld = Vec::new();
        for (i, p) in e.children.iter().enumerate() {
            if !matches!(p.local_name(), "korrespondansepart" | "part" | "sakspart") {
                continue;
            }
            let (fnr, _) = samla_wash::parties::party_ids(e, p);
            if !fnr.is_empty() && self.registers.protected.contains(&fnr) {
                withheld.push(i);
            }
        }
        for i in withheld {
            let party = &mut e.children[i];
            let fields: Vec<String> = party
                .children
                .iter()
                .filter(|c| ADDRESS_FIELDS.contains(&c.local_name()))
                .map(|c| c.local_name().to_string())
                .collect();
            if fields.is_empty() {
                continue;
            }
            party.children.retain(|c| !ADDRESS_FIELDS.contains(&c.local_name()));
            let element = party.local_name().to_string();
            let rule =
                format!("adressebeskyttelse ({}): the address is not carried over", self.registers.freg.join(", "));
            self.ledger(entity, owner, &format!("{element}/{}", fields.join("+")), "", "", &rule)?;
            self.done.addresses_withheld += 1;
        }
        Ok(())
    }

    /// With `[wash] apply`: each party of a converted unit that the registers match in a
    /// class the job applies gets their values now: a fødselsnummer for a D-number
    /// Folkeregisteret has replaced, the current bostedsadresse (never one under
    /// adressebeskyttelse), an organisation's current name. Each change is a ledger row
    /// with the rule, the class, the snapshot and its date.
    pub(crate) fn apply_wash(&mut self, e: &mut Element, entity: &str, owner: &str) -> Result<()> {
        let Some((w, apply)) = self.washer.and_then(|w| Some((w, w.apply?))) else { return Ok(()) };
        let mut changes: Vec<(usize, &'static str, String, String)> = Vec::new();
        for (i, p) in e.children.iter().enumerate() {
            if !matches!(p.local_name(), "korrespondansepart" | "part" | "sakspart") {
                continue;
            }
            let text = |names: &[&str]| samla_wash::parties::first_text(p, names);
            let navn = text(&["korrespondansepartNavn", "partNavn", "sakspartNavn", "navn"]);
            let (postadresse, postnummer) = (text(&["postadresse"]), text(&["postnummer"]));
            let (fnr, orgnr) = samla_wash::parties::party_ids(e, p);
            fn some(v: &str) -> Option<&str> {
                Some(v).filter(|v| !v.is_empty())
            }
            if !orgnr.is_empty() {
                let record = samla_wash::matching::OrgRecord {
                    orgnr: some(&orgnr),
                    name: some(&navn),
                    postnummer: some(&postnummer),
                };
                if let (samla_wash::matching::Outcome::Matched { entity: at, class, rule, .. }, _) =
                    samla_wash::matching::match_org(w.matcher.orgs(), &record)
                    && apply.covers(class)
                {
                    let org = &w.matcher.registers().orgs[at as usize];
                    let how = w.rule(samla_wash::snapshot::Register::Enhetsregisteret, rule.as_str(), class.as_str());
                    changes.push((i, "navn", org.navn.clone(), how));
                }
                continue;
            }
            let record = samla_wash::matching::PersonRecord {
                id: some(&fnr),
                name: some(&navn),
                address: some(&postadresse),
                postnummer: some(&postnummer),
                ..Default::default()
            };
            let (outcome, _) = samla_wash::matching::match_person(w.matcher.persons(), &record, w.matcher.options());
            let samla_wash::matching::Outcome::Matched { entity: at, class, rule, .. } = outcome else { continue };
            if !apply.covers(class) {
                continue;
            }
            let person = &w.matcher.registers().persons[at as usize];
            let how = w.rule(samla_wash::snapshot::Register::Folkeregisteret, rule.as_str(), class.as_str());
            if !fnr.is_empty() && fnr != person.id {
                changes.push((i, "id", person.id.to_string(), how.clone()));
            }
            if let Some(a) = person.addresses.first().filter(|_| !person.protected) {
                changes.push((i, "postadresse", a.line(), how.clone()));
                changes.push((i, "postnummer", a.postnummer.to_string(), how.clone()));
                changes.push((i, "poststed", a.poststed.to_string(), how));
            }
        }
        for (i, field, new, how) in changes {
            let element = e.children[i].local_name().to_string();
            let names: &[&str] = match field {
                "navn" => &["korrespondansepartNavn", "partNavn", "sakspartNavn", "navn"],
                "id" => &["foedselsnummer", "DNummer", "partID", "sakspartID"],
                other => &[other][..],
            };
            let Some(c) = e.children[i].children.iter_mut().find(|c| names.contains(&c.local_name())) else { continue };
            if c.text.trim() == new {
                continue;
            }
            let old = std::mem::replace(&mut c.text, new.clone());
            let name = c.local_name().to_string();
            // The identifier is masked in the ledger as in every report.
            let (old, new) =
                if field == "id" { (samla_wash::wash::mask(&old), samla_wash::wash::mask(&new)) } else { (old, new) };
            self.ledger(entity, owner, &format!("{element}/{name}"), &old, &new, &how)?;
            self.done.washed += 1;
        }
        Ok(())
    }
}
