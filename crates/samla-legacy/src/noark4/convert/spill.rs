//! The spill: with a classification the saksmapper go klasse by klasse, not in the order
//! the tables give the saker, so the joined saker wait in a file beside the output, per
//! klasse, and are read back klasse by klasse at the end.

use std::fs::File;
use std::path::Path;

use samla_noark5::element::Name;
use samla_noark5::writer;
use samla_noark5::{Error, Result};

use super::super::table::{Layout, Packed};
use super::shared::{JoinedJournalpost, JoinedSak, SourceRow};

/// Joined saker set aside until their klasse is written (with a classification, the
/// saksmapper go klasse by klasse, not in the order the tables give them). Each is kept
/// as its rows in a compact binary form ([`encode_sak`]: the values, not the XML they
/// become, a fifth of the size), in blocks per klasse in one file beside the output.
pub(super) struct Spill {
    path: std::path::PathBuf,
    file: File,
    /// Written past the page cache (see [`writer::set_direct`]): blocks padded to whole
    /// pages, through `aligned`.
    direct: bool,
    aligned: writer::PageBuffer,
    at: u64,
    /// Per klasse: the bytes of units not yet written, and the blocks written (offset,
    /// length without padding).
    pending: Vec<Vec<u8>>,
    blocks: Vec<Vec<(u64, u64)>>,
    buffered: usize,
}

/// A klasse's units go to the file in blocks of this size, and all pending ones once
/// this much is held.
const SPILL_BLOCK: usize = 256 << 10;
const SPILL_HELD: usize = 64 << 20;

impl Spill {
    pub(super) fn create(path: &Path) -> Result<Spill> {
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(|e| Error::io(path.display().to_string(), e))?;
        let direct = writer::set_direct(&file, true);
        Ok(Spill {
            path: path.to_path_buf(),
            file,
            direct,
            aligned: writer::PageBuffer::default(),
            at: 0,
            pending: Vec::new(),
            blocks: Vec::new(),
            buffered: 0,
        })
    }

    fn io_error(&self, e: std::io::Error) -> Error {
        Error::io(self.path.display().to_string(), e)
    }

    /// Appends the bytes of one unit of klasse `k`.
    pub(super) fn push(&mut self, k: usize, unit: &[u8]) -> Result<()> {
        if self.pending.len() <= k {
            self.pending.resize_with(k + 1, Vec::new);
            self.blocks.resize_with(k + 1, Vec::new);
        }
        self.pending[k].extend_from_slice(unit);
        self.buffered += unit.len();
        if self.pending[k].len() >= SPILL_BLOCK {
            self.flush(k)?;
        }
        if self.buffered >= SPILL_HELD {
            for k in 0..self.pending.len() {
                self.flush(k)?;
            }
        }
        Ok(())
    }

    /// `len` bytes rounded up to whole pages of `aligned`, grown as needed.
    fn page_buffer(aligned: &mut writer::PageBuffer, len: usize) -> &mut [u8] {
        let padded = len.div_ceil(writer::DIRECT_ALIGN) * writer::DIRECT_ALIGN;
        if aligned.len() < padded {
            *aligned = writer::PageBuffer::new(padded);
        }
        &mut aligned.as_mut_slice()[..padded]
    }

    fn flush(&mut self, k: usize) -> Result<()> {
        let block = std::mem::take(&mut self.pending[k]);
        if block.is_empty() {
            return Ok(());
        }
        let written = if self.direct {
            let page = Self::page_buffer(&mut self.aligned, block.len());
            page[..block.len()].copy_from_slice(&block);
            page[block.len()..].fill(0);
            match std::os::unix::fs::FileExt::write_all_at(&self.file, page, self.at) {
                Err(e) if writer::is_direct_refused(&e) && self.at == 0 => {
                    self.direct = writer::set_direct(&self.file, false);
                    std::os::unix::fs::FileExt::write_all_at(&self.file, &block, self.at).map(|()| block.len())
                }
                other => other.map(|()| page.len()),
            }
        } else {
            std::os::unix::fs::FileExt::write_all_at(&self.file, &block, self.at).map(|()| block.len())
        };
        let written = written.map_err(|e| self.io_error(e))?;
        self.blocks[k].push((self.at, block.len() as u64));
        self.at += written as u64;
        self.buffered -= block.len();
        // The buffer is kept for the klasse's next units.
        self.pending[k] = block;
        self.pending[k].clear();
        Ok(())
    }

    /// Writes what is pending, for reading back.
    pub(super) fn finish(&mut self) -> Result<()> {
        for k in 0..self.pending.len() {
            self.flush(k)?;
        }
        self.pending = Vec::new();
        Ok(())
    }

    /// The blocks of klasse `k` (whole units, see [`SpillDecoder`]), in the order written.
    pub(super) fn read(&mut self, k: usize, each: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<()> {
        let blocks = self.blocks.get_mut(k).map(std::mem::take).unwrap_or_default();
        let mut aligned = std::mem::take(&mut self.aligned);
        for &(at, len) in &blocks {
            let len = len as usize;
            let page = Self::page_buffer(&mut aligned, len);
            let read = if self.direct { &mut page[..] } else { &mut page[..len] };
            std::os::unix::fs::FileExt::read_exact_at(&self.file, read, at).map_err(|e| self.io_error(e))?;
            each(&page[..len])?;
        }
        self.aligned = aligned;
        Ok(())
    }
}

/// Appends `unit` to `out` in the spill's form: its rows, each as its file's number, its
/// layout's number (or, not interned, its names), its position, its text and where each
/// value ends.
pub(super) fn encode_sak(out: &mut Vec<u8>, unit: &JoinedSak) {
    fn row(out: &mut Vec<u8>, src: &SourceRow) {
        put_u32(out, src.file as usize);
        let names = &src.row.names;
        match names {
            Layout::Interned(id, _) => put_u32(out, *id as usize),
            Layout::Shared(_) => {
                put_u32(out, u32::MAX as usize);
                put_u32(out, names.len());
                for n in names.iter() {
                    put_str(out, n);
                }
            }
        }
        out.extend_from_slice(&src.row.pos.line.to_le_bytes());
        out.extend_from_slice(&src.row.pos.column.to_le_bytes());
        put_str(out, &src.row.text);
        for &end in &src.row.ends {
            out.extend_from_slice(&end.to_le_bytes());
        }
    }
    fn list(out: &mut Vec<u8>, rows: &[SourceRow]) {
        put_u32(out, rows.len());
        for r in rows {
            row(out, r);
        }
    }
    row(out, &unit.sak);
    list(out, &unit.sakspart);
    list(out, &unit.merknader);
    put_u32(out, unit.sekundaer.len());
    for s in &unit.sekundaer {
        put_str(out, s);
    }
    put_u32(out, unit.journalposter.len());
    for jp in &unit.journalposter {
        row(out, &jp.journalpost);
        list(out, &jp.avsmot);
        put_u32(out, jp.doklinks.len());
        for (dl, first) in &jp.doklinks {
            row(out, dl);
            out.push(u8::from(*first));
        }
        list(out, &jp.merknader);
    }
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// Reads units back from a block of a [`Spill`]; `None` where the bytes are not what
/// [`encode_sak`] wrote.
pub(super) struct SpillDecoder<'s> {
    bytes: &'s [u8],
    /// The interned layouts met so far, by number.
    layouts: &'s mut Vec<Option<Layout>>,
}

impl<'s> SpillDecoder<'s> {
    /// A decoder of `bytes`, a block of the spill; `layouts` are the interned layouts
    /// met in earlier blocks, kept from block to block.
    pub(super) fn new(bytes: &'s [u8], layouts: &'s mut Vec<Option<Layout>>) -> SpillDecoder<'s> {
        SpillDecoder { bytes, layouts }
    }

    /// Whether every sak of the block was read.
    pub(super) fn is_done(&self) -> bool {
        self.bytes.is_empty()
    }

    fn next_bytes(&mut self, n: usize) -> Option<&[u8]> {
        let (head, rest) = self.bytes.split_at_checked(n)?;
        self.bytes = rest;
        Some(head)
    }

    fn u32(&mut self) -> Option<usize> {
        Some(u32::from_le_bytes(self.next_bytes(4)?.try_into().ok()?) as usize)
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.next_bytes(8)?.try_into().ok()?))
    }

    fn str(&mut self) -> Option<&str> {
        let n = self.u32()?;
        std::str::from_utf8(self.next_bytes(n)?).ok()
    }

    fn layout(&mut self) -> Option<Layout> {
        let id = self.u32()?;
        if id == u32::MAX as usize {
            let n = self.u32()?;
            let names = (0..n).map(|_| self.str().map(Name::from)).collect::<Option<Vec<_>>>()?;
            return Some(Layout::new(&names));
        }
        if self.layouts.len() <= id {
            self.layouts.resize(id + 1, None);
        }
        if self.layouts[id].is_none() {
            self.layouts[id] = Some(Layout::interned(id as u32)?);
        }
        self.layouts[id].clone()
    }

    fn row(&mut self) -> Option<SourceRow> {
        let file = self.u32()? as u32;
        let names = self.layout()?;
        let pos = samla_noark5::pos::Pos { line: self.u64()?, column: self.u64()? };
        let text: Box<str> = self.str()?.into();
        let ends: Box<[u32]> = (0..names.len()).map(|_| self.u32().map(|e| e as u32)).collect::<Option<_>>()?;
        if ends.iter().any(|&e| e as usize > text.len() || !text.is_char_boundary(e as usize)) {
            return None;
        }
        Some(SourceRow { file, own: 0, parent: 0, row: Packed { pos, names, ends, text } })
    }

    fn list(&mut self) -> Option<Vec<SourceRow>> {
        let n = self.u32()?;
        (0..n).map(|_| self.row()).collect()
    }

    /// The next sak, of klasse `klasse`.
    pub(super) fn sak(&mut self, klasse: usize) -> Option<JoinedSak> {
        let sa = self.row()?;
        let sps = self.list()?;
        let mes = self.list()?;
        let n = self.u32()?;
        let sekundaer = (0..n).map(|_| self.str().map(str::to_string)).collect::<Option<_>>()?;
        let n = self.u32()?;
        let mut jps = Vec::with_capacity(n.min(1 << 16));
        for _ in 0..n {
            let jp = self.row()?;
            let ams = self.list()?;
            let n = self.u32()?;
            let mut dls = Vec::with_capacity(n.min(1 << 16));
            for _ in 0..n {
                let dl = self.row()?;
                dls.push((dl, self.next_bytes(1)?[0] == 1));
            }
            let mes = self.list()?;
            jps.push(JoinedJournalpost { journalpost: jp, avsmot: ams, doklinks: dls, merknader: mes });
        }
        Some(JoinedSak { sak: sa, journalposter: jps, sakspart: sps, merknader: mes, klasse, sekundaer })
    }
}
