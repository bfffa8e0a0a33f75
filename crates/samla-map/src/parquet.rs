//! One Parquet file, written a row group at a time as units stream by, with the
//! provenance columns every table of the run starts with.

use std::fs::File;
use std::path::PathBuf;

use polars::prelude::*;
use samla_noark5::{Error, ErrorKind, Result};

/// The columns every table starts with: where a row came from and where it went.
pub(crate) const PROVENANCE_COLUMNS: [&str; 6] =
    ["system_id", "old_system_id", "source", "kommunenummer", "job_version", "destination"];

/// One Parquet file, written a row group at a time.
pub(crate) struct Table {
    path: PathBuf,
    names: Vec<String>,
    columns: Vec<Vec<Option<String>>>,
    writer: Option<polars::io::parquet::write::BatchedWriter<File>>,
}

const ROW_GROUP: usize = 65_536;

impl Table {
    pub(crate) fn new(path: PathBuf, columns: &[&str]) -> Table {
        let names: Vec<String> = PROVENANCE_COLUMNS.iter().chain(columns).map(|c| c.to_string()).collect();
        Table { path, columns: vec![Vec::new(); names.len()], names, writer: None }
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

    fn flush(&mut self) -> Result<()> {
        let err = |e: PolarsError| Error::new(ErrorKind::Io, self.path.display().to_string(), e.to_string());
        let columns: Vec<Column> = self
            .names
            .iter()
            .zip(&mut self.columns)
            .map(|(n, c)| Column::new(n.as_str().into(), std::mem::take(c)))
            .collect();
        let frame = DataFrame::new_infer_height(columns).map_err(err)?;
        if self.writer.is_none() {
            let file = File::create(&self.path).map_err(|e| Error::io(self.path.display().to_string(), e))?;
            self.writer = Some(ParquetWriter::new(file).batched(frame.schema()).map_err(err)?);
        }
        let writer = self.writer.as_mut().expect("opened above");
        if frame.height() > 0 {
            writer.write_batch(&frame).map_err(err)?;
        }
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Result<()> {
        self.flush()?;
        let err = |e: PolarsError| Error::new(ErrorKind::Io, self.path.display().to_string(), e.to_string());
        self.writer.take().expect("flushed").finish().map_err(err)?;
        Ok(())
    }
}
