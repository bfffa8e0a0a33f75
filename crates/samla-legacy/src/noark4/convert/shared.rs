//! What every part of the conversion shares, and so the lowest of its modules: the rows
//! as they travel from the table files to the XML, the saker joined with the rows below
//! them, the digests the join keys on, and the report.

use std::collections::BTreeMap;

use samla_noark5::Result;

use super::super::table::Packed;
use super::super::{Finding, Noark4, Severity};

/// Read, written and rejected rows of one entity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    /// Rows read from the Noark 4 table.
    pub read: u64,
    /// Units written to arkivstruktur.xml.
    pub written: u64,
    /// Rows not written, each with a finding.
    pub rejected: u64,
}

/// What a conversion did: counts per entity, and findings.
#[derive(Debug, Clone, Default)]
pub struct Conversion {
    /// Per entity: `saksmappe`, `journalpost`, `dokumentbeskrivelse`, `dokumentobjekt`,
    /// `korrespondansepart`, and the `skjerming` and `kassasjon` written (read: the rows
    /// with a TGKODE or a KASSKODE other than B).
    pub counts: BTreeMap<&'static str, Count>,
    /// What was found while converting.
    pub findings: Vec<Finding>,
}

/// A row with the file it came from (an index into [`FileNames`]) and, for the tables
/// joined, the digests (see [`key_digest`]) of its own key and its parent's, taken by the
/// thread that read it.
pub(super) struct SourceRow {
    pub(super) file: u32,
    pub(super) own: u128,
    pub(super) parent: u128,
    pub(super) row: Packed,
}

/// The names of the extract's table files, as the index gives them: rows name theirs
/// by number.
pub(super) struct FileNames(Vec<String>);

impl FileNames {
    pub(super) fn new(extract: &Noark4) -> FileNames {
        FileNames(extract.index.tables.iter().flat_map(|t| t.files.iter().map(|f| f.name.clone())).collect())
    }

    fn number(&self, name: &str) -> u32 {
        self.0.iter().position(|f| f == name).unwrap_or(0) as u32
    }

    pub(super) fn name(&self, id: u32) -> &str {
        self.0.get(id as usize).map_or("", String::as_str)
    }
}

#[cfg(test)]
impl FileNames {
    /// The names given, numbered in their order: for tests, without an extract.
    pub(super) fn of(names: &[&str]) -> FileNames {
        FileNames(names.iter().map(|n| n.to_string()).collect())
    }
}

/// Reads the rows of `table` (none if the extract has no such table), each with the
/// number of its file, until `each` says to stop; the number of rows read.
pub(super) fn read_rows(
    extract: &Noark4,
    files: &FileNames,
    table: &str,
    each: &mut dyn FnMut(u32, Packed) -> bool,
) -> Result<u64> {
    if extract.table(table).is_none() {
        return Ok(0);
    }
    let mut rows = extract.rows(table)?;
    let (mut n, mut name, mut file) = (0, String::new(), 0);
    while let Some(row) = rows.next_packed()? {
        n += 1;
        let current = rows.file().unwrap_or_default();
        if name != current {
            name = current.to_string();
            file = files.number(current);
        }
        if !each(file, row) {
            break;
        }
    }
    Ok(n)
}

/// Reads every row of `table`, with its file; the digests of its keys are left 0.
pub(super) fn load_table(
    extract: &Noark4,
    files: &FileNames,
    table: &str,
    f: &mut dyn FnMut(SourceRow),
) -> Result<u64> {
    read_rows(extract, files, table, &mut |file, row| {
        f(SourceRow { file, own: 0, parent: 0, row });
        true
    })
}

/// The value of `field` in `row`; "" where it is empty or absent (a packed row leaves
/// empty values out, so the two are one).
pub(super) fn value<'a>(row: &'a Packed, field: &str) -> &'a str {
    row.get(field).unwrap_or("")
}

/// A journalpost with the rows below it; each link says whether it is the first use of
/// its document (which keeps DB.DOKID as its key).
pub(super) struct JoinedJournalpost {
    pub(super) journalpost: SourceRow,
    pub(super) avsmot: Vec<SourceRow>,
    pub(super) doklinks: Vec<(SourceRow, bool)>,
    pub(super) merknader: Vec<SourceRow>,
}

/// A sak with everything below it: one unit of work.
pub(super) struct JoinedSak {
    pub(super) sak: SourceRow,
    pub(super) journalposter: Vec<JoinedJournalpost>,
    pub(super) sakspart: Vec<SourceRow>,
    pub(super) merknader: Vec<SourceRow>,
    /// The klasse it is placed under (its number among the klasser made).
    pub(super) klasse: usize,
    /// The systemIDs of its other klasser (secondary KLASSERING rows).
    pub(super) sekundaer: Vec<String>,
}

/// A finding about row `src` of `table`: its file, position and key.
pub(super) fn row_finding(
    files: &FileNames,
    severity: Severity,
    code: &'static str,
    src: &SourceRow,
    table: &str,
    message: String,
) -> Finding {
    Finding::new(severity, code, files.name(src.file), message)
        .at(src.row.pos)
        .in_element(table)
        .with_key(src.row.key())
}

/// Adds the counts and findings of `from` to `into`.
pub(super) fn add_report(into: &mut Conversion, from: Conversion) {
    for (entity, c) in from.counts {
        let t = into.counts.entry(entity).or_default();
        t.read += c.read;
        t.written += c.written;
        t.rejected += c.rejected;
    }
    into.findings.extend(from.findings);
}

/// Rows handed from a reading thread, a batch at a time.
pub(super) type RowBatch = Result<Vec<SourceRow>>;

pub(super) const ROWS_PER_BATCH: usize = 2048;

/// A hasher for keys that are digests already ([`key_digest`]): it keeps their bits.
#[derive(Default, Clone, Copy)]
pub(super) struct DigestHasher(u64);

impl std::hash::Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not used for digests; FNV-1a for anything else.
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u128(&mut self, n: u128) {
        self.0 = n as u64;
    }
}

pub(super) type DigestBuildHasher = std::hash::BuildHasherDefault<DigestHasher>;

/// A key as 128 bits: FNV-1a and a second, differently mixed 64-bit hash. Two keys of
/// one table share it with a chance of about n²/2¹²⁹ (10⁻²⁶ for a million keys), so
/// keeping the keys themselves (millions of small allocations) buys nothing.
pub(super) fn key_digest(key: &str) -> u128 {
    let (mut a, mut b) = (0xcbf2_9ce4_8422_2325u64, 0x9E37_79B9_7F4A_7C15u64);
    for &byte in key.as_bytes() {
        a = (a ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        b = (b.rotate_left(5) ^ u64::from(byte)).wrapping_mul(0xff51_afd7_ed55_8ccd);
    }
    // The low half is what the maps hash on: mixed once more, so all its bits count.
    let low = (a ^ (a >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ b;
    (u128::from(a) << 64) | u128::from(low)
}
