//! One Parquet file, written a row group at a time as units stream by, with the
//! provenance columns every table of the run starts with.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use samla_noark5::atomic::{Cause, FirstError};
use samla_noark5::model::Kind;
use samla_noark5::{Element, Error, ErrorKind, Result};

use crate::io::io_at;
use crate::job::{Destination, Job, Source};
use crate::plan::new_system_id;

/// The columns every table starts with: where a row came from and where it went.
pub(crate) const PROVENANCE_COLUMNS: [&str; 6] =
    ["system_id", "old_system_id", "source", "kommunenummer", "job_version", "destination"];

/// One Parquet file, written a row group at a time.
pub(crate) struct Table {
    path: PathBuf,
    names: Vec<String>,
    columns: Vec<Vec<Option<String>>>,
    writer: Option<polars::io::parquet::write::BatchedWriter<FirstError<File>>>,
    /// The file's first write error: polars reports one as a broken file.
    cause: Cause,
}

const ROW_GROUP: usize = 65_536;

impl Table {
    pub(crate) fn new(path: PathBuf, columns: &[&str]) -> Table {
        let names: Vec<String> = PROVENANCE_COLUMNS.iter().chain(columns).map(|c| c.to_string()).collect();
        Table { path, columns: vec![Vec::new(); names.len()], names, writer: None, cause: Cause::default() }
    }

    pub(crate) fn push(&mut self, cells: impl Iterator<Item = Option<String>>) {
        for (column, cell) in self.columns.iter_mut().zip(cells) {
            column.push(cell);
        }
        if self.columns[0].len() >= ROW_GROUP {
            // A failure here shows again, with the path, when the table is finished.
            let _ = self.flush();
        }
    }

    /// A polars error, or the write error under it.
    fn error(&self, e: PolarsError) -> Error {
        match self.cause.get() {
            Some(cause) => Error::io(self.path.display().to_string(), cause),
            None => Error::new(ErrorKind::Io, self.path.display().to_string(), e.to_string()),
        }
    }

    fn flush(&mut self) -> Result<()> {
        let columns: Vec<Column> = self
            .names
            .iter()
            .zip(&mut self.columns)
            .map(|(n, c)| Column::new(n.as_str().into(), std::mem::take(c)))
            .collect();
        let frame = DataFrame::new_infer_height(columns).map_err(|e| self.error(e))?;
        if self.writer.is_none() {
            let file = File::create(&self.path).map_err(|e| Error::io(self.path.display().to_string(), e))?;
            let (file, cause) = FirstError::new(file);
            self.cause = cause;
            let writer = ParquetWriter::new(file).batched(frame.schema()).map_err(|e| self.error(e))?;
            self.writer = Some(writer);
        }
        if frame.height() > 0 {
            let written = self.writer.as_mut().expect("opened above").write_batch(&frame);
            written.map_err(|e| self.error(e))?;
        }
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Result<()> {
        self.flush()?;
        let finished = self.writer.take().expect("flushed").finish();
        finished.map_err(|e| self.error(e))?;
        Ok(())
    }
}

/// The Parquet tables of one source: a file per entity, written in row groups as the
/// units stream by.
pub(crate) struct Tables {
    mappe: Table,
    registrering: Table,
    dokumentbeskrivelse: Table,
}

impl Tables {
    pub(crate) fn new(dir: &Path, source: &str) -> Result<Tables> {
        let table = |entity: &str, columns: &[&'static str]| -> Result<Table> {
            let dir = dir.join(entity);
            fs::create_dir_all(&dir).map_err(io_at(&dir))?;
            Ok(Table::new(dir.join(format!("{source}.parquet")), columns))
        };
        Ok(Tables {
            mappe: table(
                "mappe",
                &[
                    "mappetype",
                    "mappe_id",
                    "old_mappe_id",
                    "tittel",
                    "saksstatus",
                    "saksdato",
                    "administrativ_enhet",
                    "saksansvarlig",
                    "klasse_id",
                    "parent_system_id",
                ],
            )?,
            registrering: table(
                "registrering",
                &[
                    "registreringstype",
                    "registrerings_id",
                    "old_registrerings_id",
                    "tittel",
                    "journalposttype",
                    "journalstatus",
                    "journaldato",
                    "mappe_system_id",
                ],
            )?,
            dokumentbeskrivelse: table(
                "dokumentbeskrivelse",
                &[
                    "tittel",
                    "dokumenttype",
                    "dokumentstatus",
                    "tilknyttet_registrering_som",
                    "dokumentnummer",
                    "registrering_system_id",
                ],
            )?,
        })
    }

    /// Adds the rows of a unit (before it is rewritten: old values are read, new ones derived).
    pub(crate) fn add(&mut self, job: &Job, source: &Source, unit: &Element, to: Destination, klasse: Option<&str>) {
        self.walk(job, source, unit, to, klasse, None);
    }

    fn walk(
        &mut self,
        job: &Job,
        source: &Source,
        e: &Element,
        to: Destination,
        klasse: Option<&str>,
        parent: Option<&str>,
    ) {
        let old = e.value("systemID").unwrap_or_default().trim();
        let new = new_system_id(&source.name, old);
        let mapped = |field: &str| -> Option<String> {
            let v = e.value(field)?.trim();
            Some(job.crosswalk.fields.get(field).and_then(|m| m.get(v)).map_or(v, String::as_str).to_string())
        };
        let prefixed = |field: &str| e.value(field).map(|v| format!("{}:{}", source.name, v.trim()));
        let raw = |field: &str| e.value(field).map(|v| v.trim().to_string());
        let provenance = [
            Some(new.clone()),
            Some(old.to_string()),
            Some(source.name.clone()),
            Some(source.kommunenummer.clone()).filter(|k| !k.is_empty()),
            Some(job.version_label()),
            Some(to.folder().to_string()),
        ];
        let row: Option<(&mut Table, Vec<Option<String>>)> = match e.kind() {
            Kind::Mappe(_) => Some((
                &mut self.mappe,
                vec![
                    e.attr_local("type").map(str::to_string),
                    prefixed("mappeID"),
                    raw("mappeID"),
                    raw("tittel"),
                    mapped("saksstatus"),
                    raw("saksdato"),
                    if job.maps_enhet(&source.name) {
                        e.value("administrativEnhet")
                            .and_then(|v| job.enhet(&source.name, v.trim(), crate::plan::unit_date(e)))
                            .map(|r| r.to.clone())
                    } else {
                        mapped("administrativEnhet")
                    },
                    raw("saksansvarlig"),
                    klasse.map(|k| {
                        job.crosswalk
                            .fields
                            .get("klasseID")
                            .and_then(|m| m.get(k))
                            .map_or(k, String::as_str)
                            .to_string()
                    }),
                    parent.map(str::to_string),
                ],
            )),
            Kind::Registrering(_) => Some((
                &mut self.registrering,
                vec![
                    e.attr_local("type").map(str::to_string),
                    prefixed("registreringsID"),
                    raw("registreringsID"),
                    raw("tittel"),
                    mapped("journalposttype"),
                    mapped("journalstatus"),
                    raw("journaldato"),
                    parent.map(str::to_string),
                ],
            )),
            Kind::Dokumentbeskrivelse => Some((
                &mut self.dokumentbeskrivelse,
                vec![
                    raw("tittel"),
                    mapped("dokumenttype"),
                    mapped("dokumentstatus"),
                    mapped("tilknyttetRegistreringSom"),
                    raw("dokumentnummer"),
                    parent.map(str::to_string),
                ],
            )),
            _ => None,
        };
        let is_unit = row.is_some();
        if let Some((table, cells)) = row {
            table.push(provenance.into_iter().chain(cells));
        }
        let parent = if is_unit { Some(new.as_str()) } else { parent };
        for c in &e.children {
            if matches!(c.kind(), Kind::Mappe(_) | Kind::Registrering(_) | Kind::Dokumentbeskrivelse) {
                self.walk(job, source, c, to, klasse, parent);
            }
        }
    }

    pub(crate) fn finish(self) -> Result<()> {
        self.mappe.finish()?;
        self.registrering.finish()?;
        self.dokumentbeskrivelse.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a full disk the error is the disk's, not polars' word for a broken file.
    #[test]
    fn a_full_disk_is_named_as_such() {
        let full = PathBuf::from("/dev/full");
        if !full.exists() {
            return;
        }
        let mut table = Table::new(full, &["tittel"]);
        for i in 0..1000 {
            table.push((0..7).map(|c| Some(format!("{i}-{c}"))));
        }
        let e = table.finish().expect_err("/dev/full takes nothing");
        assert!(e.to_string().contains("No space left"), "{e}");
    }

    /// A disk with room for `room` bytes.
    struct Full {
        room: usize,
    }

    impl std::io::Write for Full {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.room == 0 {
                return Err(std::io::Error::new(std::io::ErrorKind::StorageFull, "No space left on device"));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Wherever the disk fills, the cause is kept, though polars words some of these
    /// failures as a broken file.
    #[test]
    fn a_disk_full_partway_keeps_its_cause() {
        let column = |name: &str| Column::new(name.into(), (0..5000).map(|i| format!("verdi {i}")).collect::<Vec<_>>());
        let frame = DataFrame::new_infer_height(vec![column("a"), column("b")]).unwrap();
        let mut worded_otherwise = Vec::new();
        for room in [0, 4, 100, 1000, 10_000, 30_000, 60_000] {
            let (file, cause) = FirstError::new(Full { room });
            let written = ParquetWriter::new(file).batched(frame.schema()).and_then(|mut w| {
                w.write_batch(&frame)?;
                w.finish().map(|_| ())
            });
            let Err(e) = written else { continue };
            let kept = cause.get().unwrap_or_else(|| panic!("room {room}: {e} without its cause"));
            assert_eq!(kept.kind(), std::io::ErrorKind::StorageFull, "room {room}");
            if !e.to_string().contains("No space left") {
                worded_otherwise.push((room, e.to_string()));
            }
        }
        println!("polars' own words: {worded_otherwise:?}");
    }
}
