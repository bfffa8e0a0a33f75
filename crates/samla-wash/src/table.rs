//! Tables in and out: CSV (checked first, so that a bad row is named by line and
//! column) and Parquet, read with polars into string columns; outputs written atomically.

use std::fs::{self, File};
use std::io::Cursor;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{self, Result};

/// A table read from disk: every column as text, since identifiers such as "0213" and
/// "01010112345" must keep their leading zeros.
pub struct Table {
    /// Where it came from.
    pub path: PathBuf,
    /// The CSV separator (`;` or `,`), or `None` for Parquet.
    pub separator: Option<u8>,
    /// The data.
    pub frame: DataFrame,
}

impl Table {
    /// Reads a CSV (separator sniffed from the header: `;`, `,` or tab) or a Parquet
    /// file (by extension `.parquet`).
    ///
    /// ```no_run
    /// let t = samla_wash::table::Table::read(std::path::Path::new("klienter.csv"))?;
    /// println!("{} rows", t.frame.height());
    /// # Ok::<(), samla_wash::Error>(())
    /// ```
    pub fn read(path: &Path) -> Result<Table> {
        if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet")) {
            return read_parquet(path);
        }
        let bytes = fs::read(path).map_err(|e| error::io(path, e))?;
        let body = bytes.strip_prefix(b"\xef\xbb\xbf".as_slice()).unwrap_or(&bytes);
        let separator = sniff_separator(body);
        let columns = scan(path, body, separator)?;
        let frame = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .with_parse_options(
                CsvParseOptions::default()
                    .with_separator(separator)
                    .with_quote_char(Some(b'"'))
                    .with_missing_is_null(true),
            )
            .into_reader_with_file_handle(Cursor::new(body))
            .finish()
            .map_err(|e| {
                error::invalid(path, format!("could not read the table: {e}"), "check that it is a CSV file")
            })?;
        if frame.width() != columns {
            return Err(error::invalid(
                path,
                format!("read {} columns, the header has {columns}", frame.width()),
                "check the header",
            ));
        }
        Ok(Table { path: path.to_path_buf(), separator: Some(separator), frame })
    }

    /// The column named `name`, matched without regard to case, as text.
    pub fn column(&self, name: &str) -> Result<Vec<Option<&str>>> {
        let found = self.frame.get_column_names().into_iter().find(|c| c.as_str().eq_ignore_ascii_case(name));
        let Some(found) = found else {
            let names: Vec<&str> = self.frame.get_column_names().into_iter().map(|c| c.as_str()).collect();
            return Err(error::invalid(
                &self.path,
                format!("no column `{name}`"),
                format!("the columns are: {}; fix the column name in the job", names.join(", ")),
            ));
        };
        let ca = self.frame.column(found.as_str()).and_then(|c| c.str()).map_err(|e| {
            error::invalid(&self.path, format!("column `{name}` is not text: {e}"), "store identifiers as text")
        })?;
        Ok(ca.iter().collect())
    }

    /// The name of the column matching `name` without regard to case, as the file spells it.
    pub fn column_name(&self, name: &str) -> Option<String> {
        self.frame.get_column_names().into_iter().find(|c| c.as_str().eq_ignore_ascii_case(name)).map(|c| c.to_string())
    }
}

fn read_parquet(path: &Path) -> Result<Table> {
    let file = File::open(path).map_err(|e| error::io(path, e))?;
    let mut frame = ParquetReader::new(file).finish().map_err(|e| {
        error::invalid(path, format!("could not read the Parquet file: {e}"), "check that it is Parquet")
    })?;
    // Every column as text, like the CSV path, so that one code path serves both.
    let names: Vec<PlSmallStr> = frame.get_column_names_owned();
    for name in names {
        let cast = frame
            .column(name.as_str())
            .and_then(|c| c.cast(&DataType::String))
            .map_err(|e| error::invalid(path, format!("column `{name}` cannot be read as text: {e}"), ""))?;
        frame.with_column(cast).map_err(|e| error::invalid(path, format!("column `{name}`: {e}"), ""))?;
    }
    Ok(Table { path: path.to_path_buf(), separator: None, frame })
}

/// The separator of a CSV: the most common of `;`, `,` and tab in its first line.
pub fn sniff_separator(body: &[u8]) -> u8 {
    let first = body.split(|&b| b == b'\n').next().unwrap_or_default();
    let count = |c: u8| first.iter().filter(|&&b| b == c).count();
    [b';', b',', b'\t'].into_iter().max_by_key(|&c| count(c)).filter(|&c| count(c) > 0).unwrap_or(b',')
}

/// Checks a CSV's structure before it is loaded: valid UTF-8, balanced quotes, and the
/// same number of fields in every record as in the header. Returns the number of
/// columns; the error names the line and column of the first fault.
///
/// ```
/// use std::path::Path;
/// use samla_wash::table::scan;
/// assert_eq!(scan(Path::new("t.csv"), b"a;b\n1;\"x\ny\"\n", b';').unwrap(), 2);
/// let e = scan(Path::new("t.csv"), b"a;b\n1;2;3\n", b';').unwrap_err();
/// assert_eq!(e.pos.map(|p| (p.line, p.column)), Some((2, 5)));
/// ```
pub fn scan(path: &Path, body: &[u8], separator: u8) -> Result<usize> {
    if let Err(e) = std::str::from_utf8(body) {
        return Err(error::not_utf8(
            path,
            body,
            e.valid_up_to(),
            1,
            "the file is probably ISO-8859-1 or Windows-1252; convert it to UTF-8 (iconv -f WINDOWS-1252 -t UTF-8)",
        ));
    }
    let mut line = 1u64;
    let mut line_start = 0usize;
    let mut record_line = 1u64;
    let mut fields = 1usize;
    let mut header: Option<usize> = None;
    let mut in_quotes = false;
    let mut quote_open = (0u64, 0u64);
    let mut i = 0;
    let column_of =
        |i: usize, line_start: usize| (body[line_start..i].iter().filter(|&&b| b & 0xC0 != 0x80).count() + 1) as u64;
    while i < body.len() {
        let b = body[i];
        if in_quotes {
            if b == b'"' {
                if body.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    in_quotes = false;
                }
            } else if b == b'\n' {
                line += 1;
                line_start = i + 1;
            }
        } else if b == b'"' {
            in_quotes = true;
            quote_open = (line, column_of(i, line_start));
        } else if b == separator {
            fields += 1;
            if let Some(expected) = header
                && fields > expected
            {
                return Err(error::invalid_at(
                    path,
                    line,
                    column_of(i, line_start) + 1,
                    format!("record has more than the header's {expected} fields"),
                    "quote cells that contain the separator, or remove the extra field",
                ));
            }
        } else if b == b'\n' {
            let empty = i == line_start || (i == line_start + 1 && body[line_start] == b'\r');
            if !empty {
                end_record(path, &mut header, fields, record_line, column_of(i, line_start))?;
            }
            line += 1;
            line_start = i + 1;
            record_line = line;
            fields = 1;
        }
        i += 1;
    }
    if in_quotes {
        return Err(error::invalid_at(
            path,
            quote_open.0,
            quote_open.1,
            "a quoted cell is never closed",
            "the file may be truncated, or a quote inside a cell is not doubled (\"\")",
        ));
    }
    if line_start < body.len() {
        end_record(path, &mut header, fields, record_line, column_of(body.len(), line_start))?;
    }
    header.ok_or_else(|| error::invalid(path, "the file is empty", "a table needs a header line"))
}

fn end_record(path: &Path, header: &mut Option<usize>, fields: usize, line: u64, column: u64) -> Result<()> {
    match *header {
        None => *header = Some(fields),
        Some(expected) if fields < expected => {
            return Err(error::invalid_at(
                path,
                line,
                column,
                format!("record has {fields} fields, the header has {expected}"),
                "a field is missing, or the record was split over two lines",
            ));
        }
        Some(_) => {}
    }
    Ok(())
}

/// Appends one CSV record to `out`: cells quoted only when they hold the separator, a
/// quote or a line break, as RFC 4180 says.
///
/// ```
/// let mut line = String::new();
/// samla_wash::table::csv_record(&mut line, &["a", "b;c", "say \"hi\""], b';');
/// assert_eq!(line, "a;\"b;c\";\"say \"\"hi\"\"\"\n");
/// ```
pub fn csv_record(out: &mut String, cells: &[&str], separator: u8) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(separator as char);
        }
        if cell.bytes().any(|b| b == separator || b == b'"' || b == b'\n' || b == b'\r') {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(cell);
        }
    }
    out.push('\n');
}

/// Writes a frame as CSV (with `separator`) or, for a `.parquet` path, as Parquet.
pub fn write_frame(path: &Path, frame: &mut DataFrame, separator: u8) -> Result<()> {
    let parquet = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    samla_noark5::atomic::write_file(path, |file| {
        let (file, cause) = samla_noark5::atomic::FirstError::new(file);
        let result = if parquet {
            ParquetWriter::new(file).finish(frame).map(|_| ())
        } else {
            CsvWriter::new(file).include_header(true).with_separator(separator).finish(frame)
        };
        // A failed write as what it was (a full disk), not as polars words it.
        result.map_err(|e| cause.get().unwrap_or_else(|| std::io::Error::other(e)))
    })
    .map_err(|e| error::io(path, e))
}

/// A `;`-separated output written row by row, so that a million ledger rows are never
/// held at once; synced on finish.
pub(crate) struct CsvFile {
    path: std::path::PathBuf,
    out: std::io::BufWriter<fs::File>,
    line: String,
    rows: usize,
}

impl CsvFile {
    pub(crate) fn create(path: &Path, header: &[&str]) -> Result<CsvFile> {
        let file = fs::File::create(path).map_err(|e| error::io(path, e))?;
        let mut f = CsvFile {
            path: path.to_path_buf(),
            out: std::io::BufWriter::with_capacity(1 << 20, file),
            line: String::new(),
            rows: 0,
        };
        if !header.is_empty() {
            f.write(header)?;
        }
        f.rows = 0;
        Ok(f)
    }

    pub(crate) fn write(&mut self, cells: &[&str]) -> Result<()> {
        self.line.clear();
        csv_record(&mut self.line, cells, b';');
        self.rows += 1;
        std::io::Write::write_all(&mut self.out, self.line.as_bytes()).map_err(|e| error::io(&self.path, e))
    }

    /// Appends the rows of a part written without a header (by [`CsvFile::create`] with none).
    pub(crate) fn append(&mut self, part: &Path, rows: usize) -> Result<()> {
        let mut f = fs::File::open(part).map_err(|e| error::io(part, e))?;
        std::io::copy(&mut f, &mut self.out).map_err(|e| error::io(&self.path, e))?;
        self.rows += rows;
        Ok(())
    }

    pub(crate) fn finish(self) -> Result<usize> {
        let file = self.out.into_inner().map_err(|e| error::io(&self.path, e.into_error()))?;
        file.sync_all().map_err(|e| error::io(&self.path, e))?;
        Ok(self.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("t.csv")
    }

    #[test]
    fn quoted_line_breaks_and_doubled_quotes_are_one_cell() {
        assert_eq!(scan(p(), b"\"a\",\"b\"\n\"1\",\"x\ny \"\"z\"\"\"\n", b',').unwrap(), 2);
    }

    #[test]
    fn too_few_fields_are_named_by_line() {
        let e = scan(p(), b"a;b;c\n1;2;3\n4;5\n", b';').unwrap_err();
        assert_eq!(e.pos.map(|p| p.line), Some(3));
        assert!(e.message.contains("2 fields"), "{e}");
    }

    #[test]
    fn latin1_bytes_are_named_by_line_and_column() {
        let e = scan(p(), b"navn\nK\xe5re\n", b';').unwrap_err();
        assert_eq!(e.pos.map(|p| (p.line, p.column)), Some((2, 2)));
        assert!(e.to_string().contains("0xE5"), "{e}");
    }

    #[test]
    fn an_unclosed_quote_points_at_its_start() {
        let e = scan(p(), b"a;b\n1;\"open\n2;3\n", b';').unwrap_err();
        assert_eq!(e.pos.map(|p| (p.line, p.column)), Some((2, 3)));
    }

    #[test]
    fn separator_is_sniffed() {
        assert_eq!(sniff_separator(b"a;b;c\n"), b';');
        assert_eq!(sniff_separator(b"\"a\",\"b\"\n"), b',');
        assert_eq!(sniff_separator(b"a\tb\n"), b'\t');
    }
}
