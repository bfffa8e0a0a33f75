//! One source's pass: arkivstruktur.xml rewritten unit by unit, then the files whose units
//! follow it (the endringslogg and the journals), each unit routed where its unit went.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use samla_noark5::finding::{Finding, Severity};
use samla_noark5::model::Date;
use samla_noark5::stream::{Event, Split, UnitReader};
use samla_noark5::writer::XmlWriter;
use samla_noark5::{Element, Extract, Result};

use crate::assemble::JOURNALS;
use crate::io::{io_at, sync};
use crate::job::{Destination, Job, Source};
use crate::plan::{new_system_id, open_arkivstruktur, plan_source, widen};
use crate::registers::{Registers, Washer};
use crate::rewrite::{SourceDone, Writers, id_hash};

/// One source's pass: arkivstruktur.xml, then the endringslogg and the journals.
pub(crate) fn convert_source(
    job: &Job,
    source: &Source,
    partial: &Path,
    registers: &Registers,
    washer: Option<&Washer>,
) -> Result<SourceDone> {
    if source.kind == samla_legacy::SourceKind::Addml {
        let mut done = SourceDone::new(None);
        done.plan = crate::flat::convert_flat(job, source, partial)?;
        return Ok(done);
    }
    let work = partial.join("work");
    let (extract, mut reader) = open_arkivstruktur(source)?;
    let mut sink = Writers::new(job, source, &extract, partial, registers, washer)?;
    let plan = plan_source(job, source, &mut reader, &mut sink)?;
    drop(reader);
    let (mut done, ids) = sink.finish(plan)?;
    // The endringslogg and the journals follow their units.
    for follower in &FOLLOWERS {
        let Some(name) = extract.find(&format!("{}.xml", follower.object)).map(str::to_string) else { continue };
        route_follower(&extract, &name, follower, source, &ids, &work, &mut done)?;
    }
    Ok(done)
}

/// A file whose units follow arkivstruktur's: each goes where the unit it names went.
pub(crate) struct Follower {
    pub(crate) object: &'static str,
    pub(crate) split: Split,
    /// The unit's element name.
    pub(crate) unit: &'static str,
    /// Where the referenced systemID is: a child, or a child of a child.
    pub(crate) reference: &'static [&'static str],
}

pub(crate) const FOLLOWERS: [Follower; 3] = [
    Follower {
        object: "endringslogg",
        split: Split::ENDRINGSLOGG,
        unit: "endring",
        reference: &["referanseArkivenhet"],
    },
    Follower {
        object: "loependeJournal",
        split: Split::JOURNAL,
        unit: "journalregistrering",
        reference: &["journalpost", "systemID"],
    },
    Follower {
        object: "offentligJournal",
        split: Split::JOURNAL,
        unit: "journalregistrering",
        reference: &["journalpost", "systemID"],
    },
];

pub(crate) fn reference_mut<'e>(e: &'e mut Element, path: &[&str]) -> Option<&'e mut Element> {
    path.iter().try_fold(e, |e, name| e.child_mut(name))
}

/// Routes one follower file of a source into per-destination fragments. Endringer are
/// counted in the reconciliation (one not routed is rejected, with a finding); journal
/// entries are counted per journal for its head, with their first and last journaldato.
pub(crate) fn route_follower(
    extract: &Extract,
    name: &str,
    follower: &Follower,
    source: &Source,
    ids: &HashMap<u64, Destination>,
    work: &Path,
    done: &mut SourceDone,
) -> Result<()> {
    let mut reader = UnitReader::parallel(extract.open_file(name)?, extract.display(name), follower.split);
    let mut frags = BTreeMap::new();
    for to in [Destination::Convert, Destination::Close, Destination::Deposit] {
        let path = work.join(format!("{}.{}.{}", source.name, to.folder(), follower.object));
        let file = File::create(&path).map_err(io_at(&path))?;
        frags.insert(to, (XmlWriter::fragment(BufWriter::new(file), 1), path));
    }
    let endring = follower.object == "endringslogg";
    if let Some(i) = JOURNALS.iter().position(|j| *j == follower.object) {
        done.has_journal[i] = true;
    }
    while let Some(event) = reader.next_event()? {
        let Event::Unit(mut unit) = event else { continue };
        if unit.local_name() == "journalhode" {
            // The deposit keeps the journal's own arkivskaper.
            done.journal_creators = unit.children_named("arkivskaper").cloned().collect();
            continue;
        }
        if unit.local_name() != follower.unit {
            continue;
        }
        let target =
            reference_mut(&mut unit, follower.reference).map(|r| r.text.trim().to_string()).unwrap_or_default();
        let Some(&to) = ids.get(&id_hash(&target)) else {
            if endring {
                let counts = done.plan.counts.entry("endring").or_default();
                counts.r#in += 1;
                counts.rejected += 1;
            }
            done.findings.push(
                Finding::new(
                    Severity::Warning,
                    "RUN.NO_SUCH_UNIT",
                    format!("{}/{name}", source.name),
                    format!(
                        "{} refers to systemID `{target}`, which no unit of the source has; not carried over",
                        follower.unit
                    ),
                )
                .at(unit.pos)
                .in_element(follower.unit),
            );
            continue;
        };
        if endring {
            done.plan.counts.entry("endring").or_default().add(to, 1);
        } else {
            let date = unit.child("journalpost").and_then(|jp| jp.value("journaldato")).and_then(Date::parse);
            let entry = done.journals.entry((to, follower.object)).or_insert((0, None));
            entry.0 += 1;
            entry.1 = widen(entry.1, date.map(|d| (d, d)));
        }
        if to != Destination::Deposit
            && let Some(r) = reference_mut(&mut unit, follower.reference)
        {
            r.text = new_system_id(&source.name, &target);
        }
        let (w, path) = frags.get_mut(&to).expect("every destination has a fragment");
        w.element(&unit).map_err(io_at(path))?;
    }
    for (_, (w, path)) in frags {
        let f = w.finish().map_err(io_at(&path))?;
        sync(f, &path)?;
    }
    Ok(())
}
