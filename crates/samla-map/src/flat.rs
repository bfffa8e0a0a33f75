//! Specialist-system sources: ADDML flat-file extracts (fagsystem), as Arkivverket
//! packages them (`administrative_metadata/addml.xml`, the data in `content/`). Such a
//! source is routed whole by the rules that name it (`when = { source = "…" }`): to
//! convert or close, every record becomes a row of a Parquet table per record
//! definition, with the provenance columns; to deposit, its package is copied as
//! delivered.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use samla_legacy::flat::{Description, Records};
use samla_noark5::{Error, ErrorKind, Extract, Result};

use crate::job::{Destination, Job, Source};
use crate::parquet::Table;
use crate::plan::{SourcePlan, new_system_id};

/// Where a flat-file source goes: the first rule that names the source, or convert.
fn destination(job: &Job, source: &Source) -> Destination {
    job.route
        .iter()
        .find(|r| {
            let c = &r.when;
            c.source.as_deref() == Some(source.name.as_str())
                && c.saksstatus.is_none()
                && c.klasse.is_none()
                && c.last_registration_before.is_none()
                && c.persons_of_age.is_none()
        })
        .map_or(Destination::Convert, |r| r.to)
}

/// The package and its ADDML description.
fn open(source: &Source) -> Result<(Extract, Description)> {
    let package = Extract::open_package(&source.path)?;
    let addml = samla_legacy::flat::addml_path(&package).ok_or_else(|| {
        Error::new(
            ErrorKind::Missing,
            source.path.display().to_string(),
            format!("source `{}` has no addml.xml", source.name),
        )
        .with_hint("an addml source is a flat-file extract described by addml.xml (a DIAS package or its folder)")
    })?;
    let description = Description::read(package.open_file(&addml)?, &package.display(&addml))?;
    Ok((package, description))
}

/// Reads every record of the source: counts them and, unless `tables` is `None`,
/// writes them into `tables/<source>/<record definition>.parquet`.
fn read(job: &Job, source: &Source, to: Destination, tables: Option<&Path>) -> Result<SourcePlan> {
    let (package, description) = open(source)?;
    let mut plan = SourcePlan::default();
    let version = format!("{} v{}", job.job.name, job.job.version);
    for file in &description.files {
        let name = samla_legacy::flat::data_path(&package, file).ok_or_else(|| {
            Error::new(
                ErrorKind::Missing,
                package.display(&file.file_name),
                format!("addml.xml describes {}, which the package does not hold", file.file_name),
            )
        })?;
        let mut out: Vec<Option<Table>> = file
            .records
            .iter()
            .map(|def| {
                tables.map(|dir| {
                    let columns: Vec<&str> = def.fields.iter().map(|f| f.name.as_str()).collect();
                    Table::new(dir.join(format!("{}.{}.parquet", file.name, def.name)), &columns)
                })
            })
            .collect();
        let mut records = Records::new(file, package.open_file(&name)?, package.display(&name))?;
        while let Some(record) = records.next_record()? {
            plan.counts.entry("record").or_default().add(to, 1);
            if let Some(Some(table)) = out.get_mut(record.definition) {
                let old = format!("{}:{}", file.name, record.number);
                let provenance = [
                    Some(new_system_id(&source.name, &old)),
                    Some(old),
                    Some(source.name.clone()),
                    Some(source.kommunenummer.clone()).filter(|k| !k.is_empty()),
                    Some(version.clone()),
                    Some(if to == Destination::Convert { "migration" } else { "closed" }.to_string()),
                ];
                table.push(provenance.into_iter().chain(record.fields.into_iter().map(Some)));
            }
        }
        for table in out.into_iter().flatten() {
            table.finish()?;
        }
    }
    Ok(plan)
}

/// The dry run's pass: counts the records.
pub(crate) fn plan_flat(job: &Job, source: &Source) -> Result<SourcePlan> {
    read(job, source, destination(job, source), None)
}

/// The run's pass: records into Parquet tables (convert: `tables/`, close:
/// `closed/tables/`); a deposited source is copied later, whole.
pub(crate) fn convert_flat(job: &Job, source: &Source, partial: &Path) -> Result<SourcePlan> {
    let to = destination(job, source);
    let dir = match to {
        Destination::Convert => Some(partial.join("tables").join(&source.name)),
        Destination::Close => Some(partial.join("closed/tables").join(&source.name)),
        Destination::Deposit => None,
    };
    if let Some(dir) = &dir {
        fs::create_dir_all(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
    }
    read(job, source, to, dir.as_deref())
}

/// Copies the source's package (a tar) into `out`; returns its path there and SHA-256.
pub(crate) fn deposit_flat(source: &Source, out: &Path) -> Result<(PathBuf, String)> {
    if !source.path.is_file() {
        return Err(Error::new(
            ErrorKind::Content,
            source.path.display().to_string(),
            format!("source `{}` is routed to deposit, but it is a folder, not a package", source.name),
        )
        .with_hint("give the path of its DIAS package tar, or package it with `samla package` first"));
    }
    fs::create_dir_all(out).map_err(|e| Error::io(out.display().to_string(), e))?;
    let to = out.join(source.path.file_name().unwrap_or_default());
    let io = |e: io::Error| Error::io(to.display().to_string(), e);
    let mut from = File::open(&source.path).map_err(|e| Error::io(source.path.display().to_string(), e))?;
    let mut hasher = samla_noark5::writer::HashingWriter::new(File::create(&to).map_err(io)?);
    io::copy(&mut from, &mut hasher).map_err(io)?;
    let (file, _, sha) = hasher.finish();
    file.sync_all().map_err(io)?;
    Ok((to, sha))
}
