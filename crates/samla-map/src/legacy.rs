//! Sources that are not Noark 5 are converted to it before the run reads them: a Noark 4
//! extract goes through `samla_legacy::noark4::convert` (systemIDs minted from the old
//! keys, so reruns agree), and the rows the conversion could not take are counted as
//! rejected in the run's reconciliation.

use std::collections::BTreeMap;
use std::path::Path;

use samla_legacy::noark4::{Noark4, Severity, convert};
use samla_noark5::Result;
use samla_noark5::schemas::SchemaDir;

use crate::job::Job;
use crate::plan::Plan;

/// The job with every source readable as Noark 5, and what the conversions rejected.
pub(crate) struct Prepared {
    /// The job, its noark4 sources pointing at their conversions.
    pub job: Job,
    /// Per source and entity, rows the conversion rejected.
    pub rejected: BTreeMap<String, BTreeMap<&'static str, u64>>,
    /// The conversions' error findings.
    pub findings: Vec<samla_noark5::finding::Finding>,
}

/// Converts the noark4 sources of `job` into `work/<source>.noark5`.
pub(crate) fn prepare(job: &Job, work: &Path, schemas: Option<&SchemaDir>) -> Result<Prepared> {
    let mut prepared = Prepared { job: job.clone(), rejected: BTreeMap::new(), findings: Vec::new() };
    for source in &mut prepared.job.source {
        if source.kind != samla_legacy::SourceKind::Noark4 {
            continue;
        }
        let extract = Noark4::open(&source.path)?;
        let out = work.join(format!("{}.noark5", source.name));
        let options = convert::ConvertOptions { source: source.name.clone(), schemas: schemas.cloned() };
        let done = convert::convert(&extract, &out, &options)?;
        for (from, to) in
            [("saksmappe", "mappe"), ("journalpost", "registrering"), ("dokumentbeskrivelse", "dokumentbeskrivelse")]
        {
            let n = done.counts.get(from).map_or(0, |c| c.rejected);
            if n > 0 {
                prepared.rejected.entry(source.name.clone()).or_default().insert(to, n);
            }
        }
        prepared.findings.extend(
            done.findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .map(|f| samla_noark5::finding::Finding { file: format!("{}/{}", source.name, f.file), ..f.clone() }),
        );
        source.path = out;
        source.kind = samla_legacy::SourceKind::Noark5;
    }
    Ok(prepared)
}

impl Prepared {
    /// Counts the rejected rows into the plan: in and rejected.
    pub(crate) fn apply(&self, plan: &mut Plan) {
        for (source, entities) in &self.rejected {
            let counts = plan.counts.entry(source.clone()).or_default();
            for (entity, n) in entities {
                let c = counts.entry(entity).or_default();
                c.r#in += n;
                c.rejected += n;
            }
        }
    }
}
