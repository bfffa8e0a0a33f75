//! The deposit step: per source, its deposit extract finished as delivered and packaged as a
//! DIAS SIP.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use samla_noark5::addml::Arkivuttrekk;
use samla_noark5::model::Date;
use samla_noark5::schemas::SchemaDir;
use samla_noark5::{Element, Result};

use crate::assemble::{Facts, JOURNALS, JournalCounts, assemble_both, write_uttrekk};
use crate::io::io_at;
use crate::job::{Destination, Job, Source};
use crate::plan::{Plan, Span};

/// What of one source's pass its deposit package needs once all passes are done.
pub(crate) struct Kept {
    pub(crate) uttrekk: Option<Arkivuttrekk>,
    pub(crate) journals: JournalCounts,
    pub(crate) journal_creators: Vec<Element>,
    pub(crate) has_journal: [bool; 2],
    pub(crate) period: BTreeMap<Destination, Span>,
    /// Document files copied into the deposit extract.
    pub(crate) deposited_documents: u64,
}

/// The deposit package of one source: its deposit extract finished and packaged (or, for
/// a flat-file source, its package copied), with the errors the deposit check found in it;
/// `None` if nothing of it is deposited.
///
/// The deposit keeps the source's own values, so what a depot would reject in them (a
/// journalstatus other than "Arkivert", say) cannot be mended here: it is packaged, its
/// findings go into the package's log.xml, and the run reports the count.
pub(crate) fn deposit(
    job: &Job,
    schemas: &SchemaDir,
    plan: &Plan,
    partial: &Path,
    work: &Path,
    source: &Source,
    kept: Kept,
) -> Result<Option<(PathBuf, String, u64)>> {
    let extract = work.join(format!("deposit-{}", source.name));
    let to = Destination::Deposit;
    let c = &plan.counts[&source.name];
    if c.values().all(|c| c.deposited == 0) {
        return Ok(None);
    }
    if source.kind == samla_legacy::SourceKind::Addml {
        // A flat-file extract is deposited whole, as delivered: its package copied.
        let (tar, sha) = crate::flat::deposit_flat(source, &partial.join("deposit").join(&source.name))?;
        return Ok(Some((tar.strip_prefix(partial).unwrap_or(&tar).to_path_buf(), sha, 0)));
    }
    fs::create_dir_all(&extract).map_err(io_at(&extract))?;
    let facts = Facts {
        mapper: c.get("mappe").map_or(0, |c| c.deposited),
        registreringer: c.get("registrering").map_or(0, |c| c.deposited),
        endringer: c.get("endring").map_or(0, |c| c.deposited),
        journals: JOURNALS.map(|j| kept.journals.get(&(to, j)).copied().unwrap_or((0, None))),
        documents: kept.deposited_documents,
        skjerming: 0,
        kassasjon: 0,
        period: kept.period.get(&to).copied(),
    };
    finish_deposit(source, schemas, &extract, kept.uttrekk, &facts, &kept.journal_creators)?;
    let out = partial.join("deposit").join(&source.name);
    fs::create_dir_all(&out).map_err(io_at(&out))?;
    let as_of = Date::parse(&job.job.as_of).expect("checked when the job was read");
    let options = samla_package::package::Options {
        out: out.clone(),
        uuid: Some(
            uuid::Uuid::new_v5(&crate::plan::NAMESPACE, format!("{}\u{1f}{}", job.job.name, source.name).as_bytes())
                .to_string(),
        ),
        package_type: samla_package::mets::PackageType::Sip,
        metadata: samla_package::metadata::Metadata::default(),
        source_date_epoch: Some(as_of.to_days() * 86_400),
        allow_errors: true,
        schemas: schemas.clone(),
        format: samla_package::package::Format::Dias,
    };
    let made = samla_package::package::package(&extract, &options, &mut |_, _| {})?;
    let tar = made.tar.strip_prefix(partial).unwrap_or(&made.tar).to_path_buf();
    Ok(Some((tar, made.sha256, made.check.0)))
}

/// The deposit extract of one source: its own arkiv with what was routed to deposit,
/// as it was delivered.
pub(crate) fn finish_deposit(
    source: &Source,
    schemas: &SchemaDir,
    dir: &Path,
    delivered: Option<Arkivuttrekk>,
    facts: &Facts,
    journal_creators: &[Element],
) -> Result<()> {
    let work = dir.parent().expect("the extract sits in work/");
    let frag = |object: &str| vec![work.join(format!("{}.deposit.{object}", source.name))];
    let written = assemble_both(dir, None, None, facts, journal_creators, frag)?;
    let delivered = delivered.unwrap_or_default();
    let head = Arkivuttrekk {
        version: Some("5.0".into()),
        record_creators: if delivered.record_creators.is_empty() {
            vec![source.name.clone()]
        } else {
            delivered.record_creators
        },
        system_type: delivered.system_type,
        system_name: delivered.system_name,
        archive: delivered.archive,
        ..Default::default()
    };
    let flags = |key: &str| delivered.info.iter().find(|(k, _)| k == key).is_some_and(|(_, v)| v == "true");
    let facts = Facts {
        skjerming: u64::from(flags("inneholderSkjermetInformasjon")),
        kassasjon: u64::from(flags("inneholderDokumenterSomSkalKasseres")),
        ..*facts
    };
    write_uttrekk(dir, schemas, head, written, &facts, flags("inneholderVirksomhetsspesifikkeMetadata"))
}
