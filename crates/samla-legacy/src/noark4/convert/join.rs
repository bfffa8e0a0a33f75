//! The merge join: NOARKSAK joined with the tables below it on their parent keys, as the
//! rows stream in. Noark 4 systems write their tables in key order, so the rows of one
//! sak or journalpost stand together, and memory holds only a window of rows around the
//! saker being joined. Rows whose parent lies outside that window are set aside until it
//! comes (or left for the report at the end, if it never does). A row whose parent was
//! joined already means the table is not in parent order: the join says so
//! ([`MergeJoin::out_of_order`]), and the conversion starts again with the rows in
//! memory, grouped by parent key.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::mpsc::Receiver;

use samla_noark5::Result;

use super::super::Noark4;
use super::super::table::Packed;
use super::klasser::{Klasser, classify};
use super::setup::Setup;
use super::shared::{Conversion, DigestBuildHasher, JoinedJournalpost, JoinedSak, RowBatch, SourceRow, value};

/// What a reading thread takes from each row of a joined table: which rows to keep, and
/// the fields holding the row's own key and its parent's.
#[derive(Clone, Copy)]
pub(super) struct Join {
    pub(super) keep: fn(&Packed) -> bool,
    pub(super) own: &'static str,
    pub(super) parent: &'static str,
}

impl Join {
    pub(super) const fn new(own: &'static str, parent: &'static str) -> Join {
        Join { keep: keep_all, own, parent }
    }
}

/// The parents (saker, or journalposter) joined so far, numbered in the order joined:
/// one map for all the tables below them, not a set of keys per table.
struct ParentNumbers {
    numbers: HashMap<u128, u32, DigestBuildHasher>,
}

impl ParentNumbers {
    /// Room for the rows the index states for `table` (up to ten million): the map then
    /// never grows, copying itself into fresh memory, as it fills.
    fn sized(extract: &Noark4, table: &str) -> ParentNumbers {
        let rows = extract.table(table).and_then(|t| t.stated_rows()).unwrap_or(0).min(10_000_000);
        ParentNumbers { numbers: HashMap::with_capacity_and_hasher(rows as usize, DigestBuildHasher::default()) }
    }

    /// Numbers the parent with digest `key`; `None` if it was numbered before (a key
    /// that occurs twice: its rows go to the first).
    fn number(&mut self, key: u128) -> Option<u32> {
        let next = self.numbers.len() as u32 + 1;
        match self.numbers.entry(key) {
            std::collections::hash_map::Entry::Occupied(_) => None,
            std::collections::hash_map::Entry::Vacant(slot) => Some(*slot.insert(next)),
        }
    }

    /// Whether the parent `key` was numbered at or before number `upto`.
    fn numbered_by(&self, key: u128, upto: u32) -> bool {
        self.numbers.get(&key).is_some_and(|&n| n <= upto)
    }
}

/// The rows of one table grouped by their parent key, taken parent by parent.
///
/// Streaming, the rows are read as the parents are taken: the rows of the parent taken
/// are taken while they come; a row of a parent in `window` (the parents about to be
/// taken) stops the reading; any other row is set aside until its parent is taken. A row
/// whose parent was taken already means the table is not in parent order:
/// [`GroupedRows::out_of_order`]. In memory, all rows are read first.
struct GroupedRows {
    /// The parent key's field, for [`GroupedRows::rest`].
    field: &'static str,
    /// The batches of the thread that reads the table.
    rx: Receiver<RowBatch>,
    batch: std::vec::IntoIter<SourceRow>,
    peeked: Option<SourceRow>,
    parked: HashMap<u128, Vec<SourceRow>, DigestBuildHasher>,
    /// The [`ParentNumbers`] number of the last parent taken.
    done: u32,
    streaming: bool,
    out_of_order: bool,
    /// Rows read.
    read: u64,
}

impl GroupedRows {
    fn new(field: &'static str, rx: Receiver<RowBatch>, streaming: bool) -> Result<GroupedRows> {
        let mut g = GroupedRows {
            field,
            rx,
            batch: Vec::new().into_iter(),
            peeked: None,
            parked: HashMap::default(),
            done: 0,
            streaming: true,
            out_of_order: false,
            read: 0,
        };
        if !streaming {
            while let Some(src) = g.next()? {
                g.parked.entry(src.parent).or_default().push(src);
            }
            g.streaming = false;
        }
        Ok(g)
    }

    fn next(&mut self) -> Result<Option<SourceRow>> {
        if let Some(src) = self.peeked.take() {
            return Ok(Some(src));
        }
        loop {
            if let Some(src) = self.batch.next() {
                self.read += 1;
                return Ok(Some(src));
            }
            match self.rx.recv() {
                Ok(batch) => self.batch = batch?.into_iter(),
                Err(_) => return Ok(None),
            }
        }
    }

    fn park(&mut self, src: SourceRow, parents: &ParentNumbers) {
        if self.streaming && parents.numbered_by(src.parent, self.done) {
            self.out_of_order = true;
        }
        self.parked.entry(src.parent).or_default().push(src);
    }

    /// The rows of the parent whose key has digest `key` and whose [`ParentNumbers`] number is
    /// `number`, in file order.
    fn take(&mut self, key: u128, number: u32, window: &Window, parents: &ParentNumbers) -> Result<Vec<SourceRow>> {
        self.done = number;
        let mut out = self.parked.remove(&key).unwrap_or_default();
        if !self.streaming {
            return Ok(out);
        }
        while let Some(src) = self.next()? {
            if src.parent == key {
                out.push(src);
            } else if window.contains(&src.parent) {
                // A parent about to be taken (or, out of order, one taken before: the row
                // is parked, and found out, once the window has passed it).
                self.peeked = Some(src);
                break;
            } else {
                self.park(src, parents);
            }
        }
        Ok(out)
    }

    /// Every row not taken, by parent key (sorted), in file order within each.
    fn rest(&mut self, parents: &ParentNumbers) -> Result<Vec<(String, Vec<SourceRow>)>> {
        while let Some(src) = self.next()? {
            self.park(src, parents);
        }
        let field = self.field;
        let mut rest: Vec<(String, Vec<SourceRow>)> =
            self.parked.drain().map(|(_, list)| (value(&list[0].row, field).to_string(), list)).collect();
        rest.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(rest)
    }
}

/// The tables below a journalpost, joined to it.
struct BelowJournalpost {
    avsmot: GroupedRows,
    doklink: GroupedRows,
    merknad: GroupedRows,
    journalpost_numbers: ParentNumbers,
    /// The documents linked so far, by the digest of DB.DOKID.
    linked_documents: HashSet<u128, DigestBuildHasher>,
}

impl BelowJournalpost {
    /// Journalpost `jp` with its rows from the tables below it; nothing below it if its
    /// key came before.
    fn take(&mut self, jp: SourceRow, window: &Window, setup: &Setup) -> Result<JoinedJournalpost> {
        let Some(n) = self.journalpost_numbers.number(jp.own) else {
            return Ok(JoinedJournalpost {
                journalpost: jp,
                avsmot: Vec::new(),
                doklinks: Vec::new(),
                merknader: Vec::new(),
            });
        };
        let ams = self.avsmot.take(jp.own, n, window, &self.journalpost_numbers)?;
        let mut links = self.doklink.take(jp.own, n, window, &self.journalpost_numbers)?;
        let mes = self.merknad.take(jp.own, n, window, &self.journalpost_numbers)?;
        // Each link says whether it is its document's first (which keeps DB.DOKID as key).
        links.sort_by_key(dokumentnummer);
        let dls = links
            .into_iter()
            .map(|l| {
                let first =
                    setup.dokbeskriv.contains_key(value(&l.row, "DL.DOKID")) && self.linked_documents.insert(l.own);
                (l, first)
            })
            .collect();
        Ok(JoinedJournalpost { journalpost: jp, avsmot: ams, doklinks: dls, merknader: mes })
    }
}

/// A sak's [`ParentNumbers`] number and its journalposter.
type JournalposterOfSak = (u32, Vec<SourceRow>);

/// The parents about to be taken, by digest.
type Window = HashSet<u128, DigestBuildHasher>;

/// Fills `window` (its room kept from batch to batch) with the keys of `parents`.
fn fill_window<'w, 'r>(window: &'w mut Window, parents: impl Iterator<Item = &'r SourceRow>) -> &'w Window {
    window.clear();
    window.extend(parents.map(|s| s.own));
    window
}

/// Join::keep for the tables whose every row is joined.
fn keep_all(_: &Packed) -> bool {
    true
}

/// MERKNAD is joined twice: to the sak where ME.JPID is empty, else to the journalpost.
fn merknad_of_sak(row: &Packed) -> bool {
    value(row, "ME.JPID").is_empty()
}

fn merknad_of_journalpost(row: &Packed) -> bool {
    !value(row, "ME.JPID").is_empty()
}

/// DL.RNR, the document's place in its journalpost (written as dokumentnummer): the
/// links of a journalpost are taken in its order, those without one last.
fn dokumentnummer(l: &SourceRow) -> u64 {
    value(&l.row, "DL.RNR").parse::<u64>().unwrap_or(u64::MAX)
}

/// NOARKSAK joined with the tables below it, a batch of saker at a time.
pub(super) struct MergeJoin {
    /// The batches of the thread that reads NOARKSAK.
    saker: Receiver<RowBatch>,
    saker_done: bool,
    saker_read: u64,
    sak_numbers: ParentNumbers,
    /// JOURNPOST by JP.SAID.
    journalposter: GroupedRows,
    below: BelowJournalpost,
    /// SAKSPART, the MERKNAD rows of saker and KLASSERING, by their SAID.
    sakspart: GroupedRows,
    merknad: GroupedRows,
    klassering: GroupedRows,
    /// Saker read ahead, up to three batches (the first is the next joined), and the
    /// journalposter of the first two: so that each table's window holds the parents
    /// about to be taken.
    sak_batches: VecDeque<Vec<SourceRow>>,
    jp_batches: VecDeque<Vec<Option<JournalposterOfSak>>>,
    /// The windows of the journalposter, of the tables below NOARKSAK and of those below
    /// JOURNPOST; their room kept from batch to batch.
    windows: [Window; 3],
}

/// What the join leaves once every sak is joined.
pub(super) struct JoinRest {
    /// The journalposter whose JP.SAID is no SA.ID, with that JP.SAID and the rows below
    /// them.
    pub(super) orphans: Vec<(String, JoinedJournalpost)>,
    /// The AVSMOT, DOKLINK and KLASSERING rows whose parent never came, by parent key.
    pub(super) avsmot_left: Vec<(String, Vec<SourceRow>)>,
    pub(super) doklink_left: Vec<(String, Vec<SourceRow>)>,
    pub(super) klassering_left: Vec<(String, Vec<SourceRow>)>,
    /// The documents linked, by the digest of DB.DOKID.
    pub(super) linked_documents: HashSet<u128, DigestBuildHasher>,
    /// Rows read of NOARKSAK, JOURNPOST and AVSMOT.
    pub(super) saker_read: u64,
    pub(super) journalposter_read: u64,
    pub(super) avsmot_read: u64,
}

impl MergeJoin {
    /// Starts reading the tables: `open` starts the reading of one (on a thread of its
    /// own), keeping the rows and taking the keys its [`Join`] says. `streaming` false
    /// reads every table below NOARKSAK into memory first.
    pub(super) fn start(
        extract: &Noark4,
        streaming: bool,
        open: &mut dyn FnMut(&'static str, Join) -> Receiver<RowBatch>,
    ) -> Result<MergeJoin> {
        let mut grouped = |table, join: Join| GroupedRows::new(join.parent, open(table, join), streaming);
        let journalposter = grouped("JOURNPOST", Join::new("JP.ID", "JP.SAID"))?;
        let avsmot = grouped("AVSMOT", Join::new("AM.ID", "AM.JPID"))?;
        let doklink = grouped("DOKLINK", Join::new("DL.DOKID", "DL.JPID"))?;
        let sakspart = grouped("SAKSPART", Join::new("SP.ID", "SP.SAID"))?;
        let merknad = grouped("MERKNAD", Join { keep: merknad_of_sak, ..Join::new("ME.ID", "ME.SAID") })?;
        let merknad_jp = grouped("MERKNAD", Join { keep: merknad_of_journalpost, ..Join::new("ME.ID", "ME.JPID") })?;
        let below = BelowJournalpost {
            avsmot,
            doklink,
            merknad: merknad_jp,
            journalpost_numbers: ParentNumbers::sized(extract, "JOURNPOST"),
            linked_documents: HashSet::default(),
        };
        let klassering = grouped("KLASSERING", Join::new("KL.ORDNVER", "KL.SAID"))?;
        let saker = open("NOARKSAK", Join::new("SA.ID", "SA.ID"));
        Ok(MergeJoin {
            saker,
            saker_done: false,
            saker_read: 0,
            sak_numbers: ParentNumbers::sized(extract, "NOARKSAK"),
            journalposter,
            below,
            sakspart,
            merknad,
            klassering,
            sak_batches: VecDeque::new(),
            jp_batches: VecDeque::new(),
            windows: Default::default(),
        })
    }

    /// Whether a table turned out not to be in parent order.
    pub(super) fn out_of_order(&self) -> bool {
        [
            &self.journalposter,
            &self.below.avsmot,
            &self.below.doklink,
            &self.sakspart,
            &self.merknad,
            &self.below.merknad,
            &self.klassering,
        ]
        .iter()
        .any(|g| g.out_of_order)
    }

    /// The next batch of saker, each with the rows below it and, with a classification,
    /// its klasse (found in `klasser`, what is wrong reported in `report`); `None` once
    /// all are joined. Check [`MergeJoin::out_of_order`] after each.
    pub(super) fn next_saker(
        &mut self,
        setup: &Setup,
        klasser: &mut Klasser,
        report: &mut Conversion,
    ) -> Result<Option<Vec<JoinedSak>>> {
        self.read_ahead()?;
        if self.sak_batches.is_empty() {
            return Ok(None);
        }
        let sas = self.sak_batches.pop_front().expect("a batch is there");
        let jps = self.jp_batches.pop_front().expect("its journalposter were taken");
        let [_, near_sa, near_jp] = &mut self.windows;
        let near_sa = fill_window(near_sa, sas.iter().chain(self.sak_batches.iter().take(1).flatten()));
        let near_jp = fill_window(
            near_jp,
            jps.iter().chain(self.jp_batches.iter().take(1).flatten()).flatten().flat_map(|(_, list)| list),
        );
        let mut saker = Vec::with_capacity(sas.len());
        for (sa, list) in sas.into_iter().zip(jps) {
            self.saker_read += 1;
            let Some((n, list)) = list else {
                saker.push(JoinedSak {
                    sak: sa,
                    journalposter: Vec::new(),
                    sakspart: Vec::new(),
                    merknader: Vec::new(),
                    klasse: 0,
                    sekundaer: Vec::new(),
                });
                continue;
            };
            let mut jps = Vec::with_capacity(list.len());
            for j in list {
                jps.push(self.below.take(j, near_jp, setup)?);
            }
            let sps = self.sakspart.take(sa.own, n, near_sa, &self.sak_numbers)?;
            let mes = self.merknad.take(sa.own, n, near_sa, &self.sak_numbers)?;
            let (klasse, sekundaer) = if setup.classified {
                let rows = self.klassering.take(sa.own, n, near_sa, &self.sak_numbers)?;
                classify(klasser, rows, &sa, setup, report)
            } else {
                (0, Vec::new())
            };
            saker.push(JoinedSak { sak: sa, journalposter: jps, sakspart: sps, merknader: mes, klasse, sekundaer });
        }
        Ok(Some(saker))
    }

    /// Reads saker two batches ahead of the one to join, and takes the journalposter of
    /// the first two.
    fn read_ahead(&mut self) -> Result<()> {
        while !self.saker_done && self.sak_batches.len() < 3 {
            match self.saker.recv() {
                Ok(batch) => self.sak_batches.push_back(batch?),
                Err(_) => self.saker_done = true,
            }
        }
        while self.jp_batches.len() < self.sak_batches.len().min(2) {
            let j = self.jp_batches.len();
            let near = fill_window(&mut self.windows[0], self.sak_batches.iter().skip(j).take(2).flatten());
            let mut lists = Vec::with_capacity(self.sak_batches[j].len());
            for sa in &self.sak_batches[j] {
                // A sak whose key came before gets nothing: its rows went to the first.
                let list = match self.sak_numbers.number(sa.own) {
                    Some(n) => Some((n, self.journalposter.take(sa.own, n, near, &self.sak_numbers)?)),
                    None => None,
                };
                lists.push(list);
            }
            self.jp_batches.push_back(lists);
        }
        Ok(())
    }

    /// Reads what is left of every table; `None` if one turned out not to be in parent
    /// order.
    pub(super) fn finish(mut self, setup: &Setup) -> Result<Option<JoinRest>> {
        // Journalposter whose sak is missing, with what is below them.
        let none = Window::default();
        let mut orphans = Vec::new();
        for (said, list) in self.journalposter.rest(&self.sak_numbers)? {
            for j in list {
                orphans.push((said.clone(), self.below.take(j, &none, setup)?));
            }
        }
        let below = &mut self.below;
        let avsmot_left = below.avsmot.rest(&below.journalpost_numbers)?;
        let doklink_left = below.doklink.rest(&below.journalpost_numbers)?;
        self.sakspart.rest(&self.sak_numbers)?;
        self.merknad.rest(&self.sak_numbers)?;
        below.merknad.rest(&below.journalpost_numbers)?;
        let klassering_left = self.klassering.rest(&self.sak_numbers)?;
        if self.out_of_order() {
            return Ok(None);
        }
        Ok(Some(JoinRest {
            orphans,
            avsmot_left,
            doklink_left,
            klassering_left,
            linked_documents: self.below.linked_documents,
            saker_read: self.saker_read,
            journalposter_read: self.journalposter.read,
            avsmot_read: self.below.avsmot.read,
        }))
    }
}
