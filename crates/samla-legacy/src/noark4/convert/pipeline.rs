//! The thread pipeline: a reader thread per joined table feeds the merge join on the
//! calling thread; worker threads write the joined saker as saksmapper, 256 saker a job
//! (or, with a classification, encode them for the spill, to be written klasse by klasse
//! at the end); a writer thread puts their XML, and the XML the calling thread writes
//! between them, in order.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::Scope;

use samla_noark5::writer::{DirectFile, Fragment};
use samla_noark5::{Error, Result};

use super::super::Noark4;
use super::arkiv::{Arkiv, ArkivstrukturWriter};
use super::join::{Join, JoinRest, MergeJoin};
use super::klasser::Klasser;
use super::mapping::Converter;
use super::setup::Setup;
use super::shared::{
    Conversion, FileNames, JoinedSak, ROWS_PER_BATCH, RowBatch, SourceRow, add_report, key_digest, read_rows, value,
};
use super::spill::{Spill, SpillDecoder, encode_sak};

/// Saker per job for a worker: their XML (about 1.5 MB) stays in the caches, and the
/// buffers it goes in are reused without growing.
const SAKER_PER_JOB: usize = 256;

/// What the workers are given, each with its sequence number.
enum Job {
    /// Saker to convert.
    Convert(u64, Vec<JoinedSak>),
    /// Saker to encode for the spill.
    Spill(u64, Vec<JoinedSak>),
    /// A block of the spill (saker of the klasse given) to decode and convert.
    Spilled(u64, usize, Vec<u8>),
}

/// Whether the joined saker are converted at once or spilled.
#[derive(Clone, Copy, PartialEq, Eq)]
enum WorkMode {
    Convert,
    Spill,
}

/// What the writer is given, in sequence.
enum WriterItem {
    /// XML, with its crosswalk lines and what was found.
    Xml(Vec<u8>, Vec<u8>, Conversion),
    /// Saker encoded for the spill: the bytes, and each unit's klasse and length.
    Spill(Vec<u8>, Vec<(usize, usize)>),
    /// The last saker are in: hand the spill back.
    SpillDone,
}

/// A worker's or the calling thread's output on its way to the writer.
type WriterMessage = Result<(u64, WriterItem)>;

/// Buffers on their way back to be filled again: fresh ones cost page faults.
type BufferPool = Arc<Mutex<Vec<Vec<u8>>>>;

/// The first error of the workers or the writer: the writer stops at it, and the sends
/// that then fail report it.
type Failure = Arc<Mutex<Option<Error>>>;

/// What is written once every sak is.
pub(super) struct Written {
    pub(super) xml: ArkivstrukturWriter,
    pub(super) crosswalk: DirectFile,
    /// What the join, the workers and the writer counted and found.
    pub(super) report: Conversion,
    /// The crosswalk lines of the systemIDs minted last, not yet written.
    pub(super) crosswalk_rest: Vec<u8>,
    /// Whether the saksmappe "Journalposter uten sak" was written.
    pub(super) orphan_mappe: bool,
    /// What the join left (its orphans and KLASSERING rows taken).
    pub(super) rest: JoinRest,
}

/// Writes every sak of `extract` as a saksmappe into `xml` (its arkivdel open), with a
/// classification under its klasse, and the crosswalk lines of their systemIDs into
/// `crosswalk`; `None` if `streaming` and a table turned out not to be in parent order.
pub(super) fn write_saker(
    extract: &Noark4,
    setup: &Setup,
    mut klasser: Klasser,
    arkiv: &Arkiv,
    xml: ArkivstrukturWriter,
    crosswalk: DirectFile,
    streaming: bool,
) -> Result<Option<Written>> {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
    let spill_path = setup.out.join("arkivstruktur.xml.saker");
    std::thread::scope(|scope| {
        let files = &setup.files;
        let join =
            MergeJoin::start(extract, streaming, &mut |table, join| spawn_reader(scope, extract, files, table, join))?;
        let Workers { jobs, to_writer, from_workers, buffers, blocks } =
            start_workers(scope, setup, &spill_path, workers);
        // Classified, the joined saker wait in the spill until their klasse is written.
        let spill = if setup.classified { Some(Spill::create(&spill_path)?) } else { None };
        let mode = if spill.is_some() { WorkMode::Spill } else { WorkMode::Convert };
        let (spill_back, spill_returned) = sync_channel::<Result<Spill>>(1);
        let failure = Failure::default();
        let failed = failure.clone();
        let writer =
            scope.spawn(move || write_in_order(from_workers, xml, crosswalk, spill, spill_back, &buffers, &failed));
        let mut sequence = Sequence { jobs, to_writer, next: 0, failure: failure.clone() };

        let mut report = Conversion::default();
        let Some(mut rest) = join_all(join, setup, &mut klasser, &mut report, &mut sequence, mode)? else {
            return Ok(None);
        };
        let mut c = Converter::new(setup);
        // The saksmappe of the journalposter without a sak, written where it goes.
        let orphan = c.orphan_saksmappe(std::mem::take(&mut rest.orphans), &arkiv.to)?;
        let orphan_mappe = orphan.is_some();
        c.report_klassering_left(std::mem::take(&mut rest.klassering_left));
        if mode == WorkMode::Spill {
            sequence.send_to_writer(WriterItem::SpillDone)?;
            let spill = spill_returned.recv().map_err(|_| sequence.stopped())??;
            write_klasser(&mut sequence, &mut c, klasser, spill, orphan, &blocks, &arkiv.from)?;
            fs::remove_file(&spill_path).map_err(|e| Error::io(spill_path.display().to_string(), e))?;
        } else if let Some(m) = orphan {
            sequence.send_xml(m, &mut c)?;
        }
        drop(sequence);
        let (xml, crosswalk, written) =
            writer.join().expect("the writer does not panic").map_err(|()| stopped(&failure))?;
        add_report(&mut report, written);
        add_report(&mut report, std::mem::take(&mut c.report));
        Ok(Some(Written { xml, crosswalk, report, crosswalk_rest: c.crosswalk, orphan_mappe, rest }))
    })
}

/// Runs the merge join, handing the joined saker to the workers as they come; `None` if
/// a table is not in parent order.
fn join_all(
    mut join: MergeJoin,
    setup: &Setup,
    klasser: &mut Klasser,
    report: &mut Conversion,
    sequence: &mut Sequence,
    mode: WorkMode,
) -> Result<Option<JoinRest>> {
    // Spilled, a job is a whole batch of saker: encoding them is quick.
    let per_job = if mode == WorkMode::Convert { SAKER_PER_JOB } else { ROWS_PER_BATCH };
    while let Some(saker) = join.next_saker(setup, klasser, report)? {
        if join.out_of_order() {
            return Ok(None);
        }
        let mut saker = saker.into_iter();
        loop {
            let job: Vec<JoinedSak> = saker.by_ref().take(per_job).collect();
            if job.is_empty() {
                break;
            }
            sequence.send_job(|n| if mode == WorkMode::Convert { Job::Convert(n, job) } else { Job::Spill(n, job) })?;
        }
    }
    join.finish(setup)
}

/// Klasse by klasse: each klassifikasjonssystem and klasse written from here, the
/// saksmapper of the klasse from the spill through the workers, in blocks; the
/// saksmappe of the journalposter without a sak (`orphan`) last in its klasse.
fn write_klasser(
    sequence: &mut Sequence,
    c: &mut Converter,
    mut klasser: Klasser,
    mut spill: Spill,
    mut orphan: Option<Fragment>,
    blocks: &Mutex<Vec<Vec<u8>>>,
    from: &str,
) -> Result<()> {
    let orphan_klasse = orphan.as_ref().map(|_| klasser.unclassified());
    let (systems, defs) = (std::mem::take(&mut klasser.systems), std::mem::take(&mut klasser.klasser));
    for system in systems.iter().filter(|s| !s.klasser.is_empty()) {
        let x = system.open(c, from);
        sequence.send_xml(x, c)?;
        for &k in &system.klasser {
            let x = system.open_klasse(&defs[k], c, from);
            sequence.send_xml(x, c)?;
            spill.read(k, &mut |bytes| {
                let mut block = blocks.lock().ok().and_then(|mut p| p.pop()).unwrap_or_default();
                block.clear();
                block.extend_from_slice(bytes);
                sequence.send_job(|n| Job::Spilled(n, k, block))
            })?;
            let mut x = Fragment::new(Vec::new(), 4);
            if orphan_klasse == Some(k)
                && let Some(m) = orphan.take()
            {
                x = Fragment::new(m.into_inner(), 4);
            }
            x.close("klasse");
            sequence.send_xml(x, c)?;
        }
        let mut x = Fragment::new(Vec::new(), 3);
        x.close("klassifikasjonssystem");
        sequence.send_xml(x, c)?;
    }
    Ok(())
}

/// The sending end of the calling thread: jobs to the workers and XML to the writer,
/// numbered in the order they go in arkivstruktur.xml.
struct Sequence {
    jobs: SyncSender<Job>,
    to_writer: SyncSender<WriterMessage>,
    next: u64,
    failure: Failure,
}

impl Sequence {
    /// The error that stopped the workers or the writer, for a send that failed.
    fn stopped(&self) -> Error {
        stopped(&self.failure)
    }

    /// Sends the job `job` makes of its sequence number to the workers.
    fn send_job(&mut self, job: impl FnOnce(u64) -> Job) -> Result<()> {
        self.jobs.send(job(self.next)).map_err(|_| self.stopped())?;
        self.next += 1;
        Ok(())
    }

    /// Sends XML written here to the writer, with the crosswalk lines and report of `c`.
    fn send_xml(&mut self, x: Fragment, c: &mut Converter) -> Result<()> {
        let item = WriterItem::Xml(x.into_inner(), std::mem::take(&mut c.crosswalk), std::mem::take(&mut c.report));
        self.send_to_writer(item)
    }

    /// Sends `item` to the writer, next in the sequence.
    fn send_to_writer(&mut self, item: WriterItem) -> Result<()> {
        self.next += 1;
        self.to_writer.send(Ok((self.next - 1, item))).map_err(|_| self.stopped())
    }
}

/// The first error stored in `failure`, or that the writer stopped.
fn stopped(failure: &Mutex<Option<Error>>) -> Error {
    let first = failure.lock().ok().and_then(|mut slot| slot.take());
    first.unwrap_or_else(|| Error::io("arkivstruktur.xml", std::io::Error::other("the writer stopped")))
}

/// Reads `table` on a thread of its own and sends its rows (those `join` keeps, with the
/// digests of their keys) in batches.
fn spawn_reader<'s>(
    scope: &'s Scope<'s, '_>,
    extract: &'s Noark4,
    files: &'s FileNames,
    table: &'static str,
    join: Join,
) -> Receiver<RowBatch> {
    let (tx, rx) = sync_channel::<RowBatch>(4);
    scope.spawn(move || {
        let mut batch = Vec::with_capacity(ROWS_PER_BATCH);
        let result = read_rows(extract, files, table, &mut |file, row| {
            if (join.keep)(&row) {
                let own = key_digest(value(&row, join.own));
                let parent = key_digest(value(&row, join.parent));
                batch.push(SourceRow { file, own, parent, row });
            }
            // A closed channel: the conversion stopped, so does the reading.
            batch.len() < ROWS_PER_BATCH
                || tx.send(Ok(std::mem::replace(&mut batch, Vec::with_capacity(ROWS_PER_BATCH)))).is_ok()
        });
        let last = match result {
            Ok(_) if batch.is_empty() => return,
            Ok(_) => Ok(batch),
            Err(e) => Err(e),
        };
        let _ = tx.send(last);
    });
    rx
}

/// The workers, as the calling thread and the writer see them.
struct Workers {
    /// Where their jobs go.
    jobs: SyncSender<Job>,
    /// Where what they make goes, for the calling thread to send its XML to the writer
    /// in between; and where the writer receives it.
    to_writer: SyncSender<WriterMessage>,
    from_workers: Receiver<WriterMessage>,
    /// The buffers the writer hands back to them.
    buffers: BufferPool,
    /// The spill's blocks, likewise, on their way from the calling thread to them.
    blocks: BufferPool,
}

/// Starts `count` workers.
fn start_workers<'s>(scope: &'s Scope<'s, '_>, setup: &'s Setup, spill_path: &'s Path, count: usize) -> Workers {
    let (jobs, job_receiver) = sync_channel::<Job>(count * 2);
    let job_receiver = Arc::new(Mutex::new(job_receiver));
    let (to_writer, from_workers) = sync_channel::<WriterMessage>(count * 4);
    let (buffers, blocks) = (BufferPool::default(), BufferPool::default());
    for _ in 0..count {
        let (job_receiver, to_writer) = (job_receiver.clone(), to_writer.clone());
        let (buffers, blocks) = (buffers.clone(), blocks.clone());
        scope.spawn(move || work(setup, &job_receiver, &to_writer, &buffers, &blocks, spill_path));
    }
    // Only the workers hold the receiver: when the last of them has stopped (the writer
    // failed), a send of more work fails instead of waiting for ever (issue 15).
    drop(job_receiver);
    Workers { jobs, to_writer, from_workers, buffers, blocks }
}

/// A worker: takes jobs until there are none, and hands what it makes to the writer.
fn work(
    setup: &Setup,
    jobs: &Mutex<Receiver<Job>>,
    to_writer: &SyncSender<WriterMessage>,
    buffers: &Mutex<Vec<Vec<u8>>>,
    blocks: &Mutex<Vec<Vec<u8>>>,
    spill_path: &Path,
) {
    let mut c = Converter::new(setup);
    // The spill's layouts, by number, as met.
    let mut layouts = Vec::new();
    loop {
        let next = jobs.lock().map(|rx| rx.recv());
        let Ok(Ok(job)) = next else { return };
        let buf = buffers.lock().ok().and_then(|mut p| p.pop()).unwrap_or_default();
        let result = match job {
            Job::Spill(seq, saker) => {
                let (mut buf, mut sizes) = (buf, Vec::with_capacity(saker.len()));
                for sak in &saker {
                    let before = buf.len();
                    encode_sak(&mut buf, sak);
                    sizes.push((sak.klasse, buf.len() - before));
                }
                Ok((seq, WriterItem::Spill(buf, sizes)))
            }
            Job::Convert(seq, saker) => (|| {
                let mut xml = Fragment::new(buf, setup.mappe_depth());
                for sak in saker {
                    c.saksmappe(&mut xml, sak)?;
                }
                let (cross, report) = (std::mem::take(&mut c.crosswalk), std::mem::take(&mut c.report));
                Ok((seq, WriterItem::Xml(xml.into_inner(), cross, report)))
            })(),
            Job::Spilled(seq, klasse, block) => (|| {
                let mut xml = Fragment::new(buf, setup.mappe_depth());
                let mut decoder = SpillDecoder::new(&block, &mut layouts);
                while !decoder.is_done() {
                    let sak = decoder.sak(klasse).ok_or_else(|| {
                        Error::io(spill_path.display().to_string(), std::io::Error::other("the spill file is damaged"))
                    })?;
                    c.saksmappe(&mut xml, sak)?;
                }
                if let Ok(mut p) = blocks.lock() {
                    p.push(block);
                }
                let (cross, report) = (std::mem::take(&mut c.crosswalk), std::mem::take(&mut c.report));
                Ok((seq, WriterItem::Xml(xml.into_inner(), cross, report)))
            })(),
        };
        if to_writer.send(result).is_err() {
            return;
        }
    }
}

/// The writer: puts what it is sent in sequence, writes the XML and crosswalk lines,
/// appends encoded saker to the spill (handed back at [`WriterItem::SpillDone`]) and
/// hands the buffers back. Its first error is stored in `failure`, before the receiver
/// closes: a send that then fails finds it there.
fn write_in_order(
    from_workers: Receiver<WriterMessage>,
    mut xml: ArkivstrukturWriter,
    mut crosswalk: DirectFile,
    mut spill: Option<Spill>,
    spill_back: SyncSender<Result<Spill>>,
    buffers: &Mutex<Vec<Vec<u8>>>,
    failure: &Mutex<Option<Error>>,
) -> std::result::Result<(ArkivstrukturWriter, DirectFile, Conversion), ()> {
    let io = |e: std::io::Error| Error::io("arkivstruktur.xml", e);
    let crosswalk_error = |e: std::io::Error| Error::io("crosswalk.csv", e);
    let result = (|| -> Result<Conversion> {
        let mut pending = BTreeMap::new();
        let mut next = 0u64;
        let mut report = Conversion::default();
        for message in from_workers.iter() {
            let (seq, item) = message?;
            pending.insert(seq, item);
            while let Some(item) = pending.remove(&next) {
                let used = match item {
                    WriterItem::Xml(bytes, cross, found) => {
                        xml.get_mut().write_all(&bytes).map_err(io)?;
                        crosswalk.write_all(&cross).map_err(crosswalk_error)?;
                        add_report(&mut report, found);
                        Some(bytes)
                    }
                    WriterItem::Spill(bytes, sizes) => {
                        let spill = spill.as_mut().expect("saker are spilled only with a spill");
                        let mut at = 0;
                        for (klasse, len) in sizes {
                            spill.push(klasse, &bytes[at..at + len])?;
                            at += len;
                        }
                        Some(bytes)
                    }
                    WriterItem::SpillDone => {
                        let mut done = spill.take().expect("the spill is handed back once");
                        let _ = spill_back.send(done.finish().map(|()| done));
                        None
                    }
                };
                if let Some(mut buf) = used {
                    buf.clear();
                    if let Ok(mut p) = buffers.lock() {
                        p.push(buf);
                    }
                }
                next += 1;
            }
        }
        Ok(report)
    })();
    let result = result.map_err(|e| {
        if let Ok(mut slot) = failure.lock() {
            *slot = Some(e);
        }
    });
    drop(from_workers);
    result.map(|report| (xml, crosswalk, report))
}
