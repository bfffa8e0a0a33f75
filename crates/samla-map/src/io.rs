//! The run's small writing helpers: errors that name the path, files synced, CSV lines.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use samla_noark5::{Error, Result};

pub(crate) fn io_at(path: &Path) -> impl Fn(io::Error) -> Error + '_ {
    move |e| Error::io(path.display().to_string(), e)
}

pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = File::create(path).map_err(io_at(path))?;
    f.write_all(bytes).map_err(io_at(path))?;
    f.sync_all().map_err(io_at(path))
}

pub(crate) fn sync(w: BufWriter<File>, path: &Path) -> Result<()> {
    let f = w.into_inner().map_err(|e| Error::io(path.display().to_string(), e.into_error()))?;
    f.sync_all().map_err(io_at(path))
}

/// Appends one comma-separated record (RFC 4180 quoting where needed) and a line break.
pub(crate) fn csv_line(out: &mut String, cells: &[&str]) {
    samla_wash::table::csv_record(out, cells, b',');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_with_commas_and_quotes_are_quoted() {
        let mut s = String::new();
        csv_line(&mut s, &["a", "b,c", "d\"e"]);
        assert_eq!(s, "a,\"b,c\",\"d\"\"e\"\n");
    }
}
