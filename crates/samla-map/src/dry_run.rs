//! The dry run (`samla run --dry-run`): every source read and routed as the run would,
//! its counts, collisions and unmapped values, with nothing written.

use samla_noark5::Result;

use crate::job::Job;
use crate::plan::{Nothing, Plan, each_source, open_arkivstruktur, plan_source};

/// Plans the job: reads every source once, streaming, the sources in parallel. Noark 4
/// sources are converted into a temporary folder first.
pub fn plan(job: &Job) -> Result<Plan> {
    let work =
        tempfile::tempdir().map_err(|e| samla_noark5::Error::io(std::env::temp_dir().display().to_string(), e))?;
    let prepared = crate::legacy::prepare(job, work.path(), None)?;
    let mut plan = plan_prepared(&prepared.job)?;
    prepared.apply(&mut plan);
    Ok(plan)
}

fn plan_prepared(job: &Job) -> Result<Plan> {
    let passes = each_source(job, |source| {
        if source.kind == samla_legacy::SourceKind::Addml {
            return Ok((source.name.clone(), crate::flat::plan_flat(job, source)?));
        }
        let (_extract, mut reader) = open_arkivstruktur(source)?;
        Ok((source.name.clone(), plan_source(job, source, &mut reader, &mut Nothing)?))
    });
    Ok(Plan::combine(passes.into_iter().collect::<Result<_>>()?))
}
