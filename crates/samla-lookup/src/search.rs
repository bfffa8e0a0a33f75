//! Search in tantivy, with Norwegian stemming, and access control inside the query.
//!
//! Each mappe, registrering and dokumentbeskrivelse is one search document carrying the
//! same access attributes as its row in the store. Every query is the user's words AND the
//! viewer's grants AND the gradering they are cleared for, so a hit, a title or a count
//! the viewer may not see never leaves the index. Text that a skjerming screens sits in a
//! field of its own, matched only for viewers cleared for the unit's tilgangsrestriksjon.
//! The user's words are never parsed as query syntax: `screened:x` is two words.

use std::ops::Bound;
use std::path::Path;

use tantivy::collector::{Count, TopDocs};
use tantivy::indexer::UserOperation;
use tantivy::query::{AllQuery, BooleanQuery, EmptyQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TantivyDocument, TextFieldIndexing, TextOptions,
    Value,
};
use tantivy::tokenizer::{Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term};

use samla_noark5::{Error, ErrorKind, Result};

use crate::policy::{Scope, Viewer};
use crate::store::UnitKind;

/// The analyzer's name in tantivy's tokenizer manager.
const NORWEGIAN: &str = "samla_nb";
/// The value of `restriction` and `grade` for units without one.
const NONE: &str = "-";

/// The fields of the search schema.
#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    source_id: Field,
    kind: Field,
    source: Field,
    arkivdel: Field,
    klasse: Field,
    mappetype: Field,
    restriction: Field,
    grade: Field,
    /// The row over [`BLOCK`].
    block: Field,
    year: Field,
    open: Field,
    screened: Field,
    /// Every prefix of the klasseID: a grant's or filter's klasse prefix is one term, where
    /// a prefix query would walk the postings of every klasse it matches.
    klasse_prefix: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer(NORWEGIAN).set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        id: b.add_i64_field("id", STORED | FAST),
        source_id: b.add_i64_field("source_id", INDEXED),
        kind: b.add_text_field("kind", STRING),
        source: b.add_text_field("source", STRING),
        arkivdel: b.add_text_field("arkivdel", STRING),
        klasse: b.add_text_field("klasse", STRING),
        mappetype: b.add_text_field("mappetype", STRING),
        restriction: b.add_text_field("restriction", STRING),
        grade: b.add_text_field("grade", STRING),
        block: b.add_i64_field("block", INDEXED),
        year: b.add_i64_field("year", INDEXED | FAST),
        open: b.add_text_field("open", text.clone()),
        screened: b.add_text_field("screened", text),
        klasse_prefix: b.add_text_field("klasse_prefix", STRING),
    };
    (b.build(), fields)
}

/// The Norwegian analyzer: words, lower case, Snowball's Norwegian stemmer.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(60))
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::Norwegian))
        .build()
}

/// The stems of `text` with their byte ranges, for highlighting.
pub fn stems(text: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut a = analyzer();
    let mut stream = a.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        let t = stream.token();
        out.push((t.text.clone(), t.offset_from..t.offset_to));
    }
    out
}

/// One unit as the search sees it.
#[derive(Debug, Clone, Default)]
pub struct SearchDoc {
    /// The unit's row in the store.
    pub id: i64,
    /// Its source's row.
    pub source_id: i64,
    /// mappe, registrering or dokumentbeskrivelse.
    pub kind: Option<UnitKind>,
    /// Access attributes.
    pub scope: Scope,
    /// The year of its date.
    pub year: Option<i64>,
    /// Text anyone who may see the unit may search.
    pub open: String,
    /// Text its skjerming screens.
    pub screened: String,
}

/// The user's words, each with the rows of the units it names exactly as an identifier
/// (systemID, mappeID, registreringsID, dokumentnummer or an old ID), which the store
/// finds: identifiers are not terms of the search index, where millions of unique ones
/// were most of the time spent building it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Words {
    words: Vec<(String, Vec<i64>)>,
}

impl Words {
    /// At most this many words are searched.
    pub const MAX: usize = 32;

    /// The words of `text`, with the rows `named` finds for each.
    pub fn new<E>(
        text: &str,
        mut named: impl FnMut(&str) -> std::result::Result<Vec<i64>, E>,
    ) -> std::result::Result<Words, E> {
        let mut words = Vec::new();
        for w in text.split_whitespace().take(Self::MAX) {
            let mut rows = named(w)?;
            rows.sort_unstable();
            rows.dedup();
            words.push((w.to_string(), rows));
        }
        Ok(Words { words })
    }

    /// No words: every unit the viewer may see.
    pub fn none() -> Words {
        Words::default()
    }
}

/// Rows a term of the search index stands for: `block` holds a unit's row over this
/// many, so that a few rows are found through a short posting list, where unique terms
/// per row would be most of the index's dictionary.
const BLOCK: i64 = 1024;

/// The units whose row is in one of these ranges (sorted): read from the `id` column, of
/// the documents in the ranges' blocks where they span few, else of every document.
#[derive(Debug, Clone)]
struct RowsQuery {
    ranges: std::sync::Arc<Vec<std::ops::RangeInclusive<i64>>>,
    block: Field,
}

/// Past this many blocks, a column scan is cheaper than reading their postings.
const MAX_BLOCKS: i64 = 256;

impl RowsQuery {
    fn new(mut ranges: Vec<std::ops::RangeInclusive<i64>>, block: Field) -> RowsQuery {
        ranges.retain(|r| !r.is_empty());
        ranges.sort_by_key(|r| *r.start());
        RowsQuery { ranges: std::sync::Arc::new(ranges), block }
    }

    fn holds(&self, row: i64) -> bool {
        let i = self.ranges.partition_point(|r| *r.end() < row);
        self.ranges.get(i).is_some_and(|r| r.contains(&row))
    }
}

impl Query for RowsQuery {
    fn weight(&self, _: tantivy::query::EnableScoring<'_>) -> tantivy::Result<Box<dyn tantivy::query::Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl tantivy::query::Weight for RowsQuery {
    fn scorer(&self, segment: &tantivy::SegmentReader, boost: f32) -> tantivy::Result<Box<dyn tantivy::query::Scorer>> {
        use tantivy::DocSet;
        let (Some(first), Some(last)) = (self.ranges.first(), self.ranges.last()) else {
            return Ok(Box::new(tantivy::query::EmptyScorer));
        };
        let column = segment.fast_fields().i64("id")?;
        let mut set = tantivy::BitSet::with_max_value(segment.max_doc());
        let blocks: i64 = self.ranges.iter().map(|r| r.end() / BLOCK - r.start() / BLOCK + 1).sum();
        if blocks <= MAX_BLOCKS {
            let inverted = segment.inverted_index(self.block)?;
            let mut seen = None;
            for b in self.ranges.iter().flat_map(|r| r.start() / BLOCK..=r.end() / BLOCK) {
                if seen.replace(b) == Some(b) {
                    continue;
                }
                let term = Term::from_field_i64(self.block, b);
                if let Some(mut postings) = inverted.read_postings(&term, IndexRecordOption::Basic)? {
                    let mut d = postings.doc();
                    while d != tantivy::TERMINATED {
                        if column.first(d).is_some_and(|v| self.holds(v)) {
                            set.insert(d);
                        }
                        d = postings.advance();
                    }
                }
            }
        } else {
            // A chunk of documents at a time, so that memory does not grow with the segment.
            const CHUNK: u32 = 1 << 16;
            let mut docs = Vec::new();
            for from in (0..segment.max_doc()).step_by(CHUNK as usize) {
                let to = from.saturating_add(CHUNK).min(segment.max_doc());
                docs.clear();
                column.get_docids_for_value_range(*first.start()..=*last.end(), from..to, &mut docs);
                for &d in &docs {
                    if column.first(d).is_some_and(|v| self.holds(v)) {
                        set.insert(d);
                    }
                }
            }
        }
        Ok(Box::new(tantivy::query::ConstScorer::new(tantivy::query::BitSetDocSet::from(set), boost)))
    }

    fn explain(
        &self,
        segment: &tantivy::SegmentReader,
        doc: tantivy::DocId,
    ) -> tantivy::Result<tantivy::query::Explanation> {
        use tantivy::DocSet;
        let mut scorer = self.scorer(segment, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!("document {doc} is not one of the rows")));
        }
        Ok(tantivy::query::Explanation::new("RowsQuery", 1.0))
    }
}

/// Narrowing a search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Source name.
    pub source: Option<String>,
    /// arkivdel systemID or tittel.
    pub arkivdel: Option<String>,
    /// klasseID prefix.
    pub klasse: Option<String>,
    /// mappe, registrering or dokumentbeskrivelse.
    pub kind: Option<UnitKind>,
    /// From this year on.
    pub year_from: Option<i64>,
    /// Up to and including this year.
    pub year_to: Option<i64>,
    /// Only units inside a unit: the rows of what is inside it (rows are numbered in
    /// document order, so a unit's descendants are the rows after it up to its last).
    pub within: Option<std::ops::RangeInclusive<i64>>,
}

/// One page of hits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hits {
    /// All hits the viewer may see (at most [`COUNT_CAP`] from [`Search::search_capped`]).
    pub total: usize,
    /// There are more than `total` (the count stopped at [`COUNT_CAP`]).
    pub more: bool,
    /// The rows of this page's hits, best first.
    pub ids: Vec<i64>,
}

/// [`Search::search_capped`] counts and ranks at most this many hits.
pub const COUNT_CAP: usize = 2_000;

/// The search index.
pub struct Search {
    index: Index,
    fields: Fields,
    reader: Option<IndexReader>,
    writer: Option<IndexWriter>,
    /// Documents not yet handed to the writer: one hand-over per batch, since each wakes
    /// an indexing thread.
    pending: Vec<UserOperation>,
}

/// Documents handed to tantivy's indexing threads at a time.
const BATCH: usize = 512;

/// A failed search.
fn err(e: tantivy::TantivyError) -> Error {
    Error::new(ErrorKind::Io, "search index", e.to_string())
}

fn tantivy_error(dir: &Path, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Io, dir.display().to_string(), format!("search index: {e}"))
        .with_hint("build the index again with `samla index`")
}

impl Search {
    /// Opens the search index in `dir` for writing, creating it if needed.
    pub fn open_for_writing(dir: &Path) -> Result<Search> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
        let (schema, fields) = schema();
        let directory = tantivy::directory::MmapDirectory::open(dir).map_err(|e| tantivy_error(dir, e))?;
        let index = Index::open_or_create(directory, schema).map_err(|e| tantivy_error(dir, e))?;
        index.tokenizers().register(NORWEGIAN, analyzer());
        let writer = index.writer_with_num_threads(2, 64 << 20).map_err(|e| tantivy_error(dir, e))?;
        Ok(Search { index, fields, reader: None, writer: Some(writer), pending: Vec::with_capacity(BATCH) })
    }

    /// Opens the search index in `dir` for searching.
    pub fn open(dir: &Path) -> Result<Search> {
        let (_, fields) = schema();
        let index = Index::open_in_dir(dir).map_err(|e| tantivy_error(dir, e))?;
        index.tokenizers().register(NORWEGIAN, analyzer());
        let reader =
            index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(|e| tantivy_error(dir, e))?;
        Ok(Search { index, fields, reader: Some(reader), writer: None, pending: Vec::new() })
    }

    fn writer(&mut self) -> &mut IndexWriter {
        self.writer.as_mut().expect("opened for writing")
    }

    /// Adds a unit.
    pub fn add(&mut self, d: &SearchDoc) -> Result<()> {
        let f = self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_i64(f.id, d.id);
        doc.add_i64(f.block, d.id / BLOCK);
        doc.add_i64(f.source_id, d.source_id);
        doc.add_text(f.kind, d.kind.map(UnitKind::as_str).unwrap_or(""));
        doc.add_text(f.source, &d.scope.source);
        for a in &d.scope.arkivdel {
            doc.add_text(f.arkivdel, a);
        }
        if let Some(k) = &d.scope.klasse {
            doc.add_text(f.klasse, k);
            for (i, _) in k.char_indices().skip(1) {
                doc.add_text(f.klasse_prefix, &k[..i]);
            }
            doc.add_text(f.klasse_prefix, k);
        }
        if let Some(m) = &d.scope.mappetype {
            doc.add_text(f.mappetype, m);
        }
        doc.add_text(f.restriction, d.scope.restriction.as_deref().unwrap_or(NONE));
        doc.add_text(f.grade, d.scope.grade.as_deref().unwrap_or(NONE));
        if let Some(y) = d.year {
            doc.add_i64(f.year, y);
        }
        doc.add_text(f.open, &d.open);
        if !d.screened.is_empty() {
            doc.add_text(f.screened, &d.screened);
        }
        self.pending.push(UserOperation::Add(doc));
        if self.pending.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.pending, Vec::with_capacity(BATCH));
        self.writer().run(batch).map_err(err)?;
        Ok(())
    }

    /// Removes every unit of a source.
    pub fn remove_source(&mut self, source_id: i64) -> Result<()> {
        // What is pending was added before the removal, so it goes first.
        self.flush()?;
        let term = Term::from_field_i64(self.fields.source_id, source_id);
        self.writer().delete_term(term);
        Ok(())
    }

    /// Makes what was added durable.
    pub fn commit(&mut self) -> Result<()> {
        self.flush()?;
        let w = self.writer();
        w.commit().map_err(err)?;
        Ok(())
    }

    /// Waits for background merges (at the end of indexing).
    pub fn finish(mut self) -> Result<()> {
        if let Some(w) = self.writer.take() {
            w.wait_merging_threads().map_err(err)?;
        }
        Ok(())
    }

    /// What `viewer` may see: one of their grants, and a gradering they are cleared for.
    fn access(&self, viewer: &Viewer) -> Box<dyn Query> {
        let f = self.fields;
        let term = |field, v: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(Term::from_field_text(field, v), IndexRecordOption::Basic))
        };
        let mut grants: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for g in viewer.grants() {
            let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            if let Some(s) = &g.source {
                must.push((Occur::Must, term(f.source, s)));
            }
            if let Some(a) = &g.arkivdel {
                must.push((Occur::Must, term(f.arkivdel, a)));
            }
            if let Some(k) = &g.klasse {
                must.push((Occur::Must, term(f.klasse_prefix, k)));
            }
            if let Some(m) = &g.mappetype {
                must.push((Occur::Must, term(f.mappetype, m)));
            }
            let q: Box<dyn Query> =
                if must.is_empty() { Box::new(AllQuery) } else { Box::new(BooleanQuery::new(must)) };
            grants.push((Occur::Should, q));
        }
        if grants.is_empty() {
            return Box::new(EmptyQuery);
        }
        // One term query per grade: a term set would mark every ungraded unit in a bitset
        // on every search.
        let grades = std::iter::once(NONE).chain(viewer.grades()).map(|g| (Occur::Should, term(f.grade, g))).collect();
        Box::new(BooleanQuery::new(vec![
            (Occur::Must, Box::new(BooleanQuery::new(grants))),
            (Occur::Must, Box::new(BooleanQuery::new(grades))),
        ]))
    }

    /// The user's words: each must match, in the open text, as an identifier, or in the
    /// screened text of a unit whose restriction the viewer is cleared for.
    fn words(&self, viewer: &Viewer, words: &Words) -> Option<Box<dyn Query>> {
        let f = self.fields;
        let cleared: Vec<Term> =
            viewer.clearances().into_iter().map(|c| Term::from_field_text(f.restriction, c)).collect();
        let mut all: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (word, rows) in &words.words {
            let mut either: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            if !rows.is_empty() {
                let rows = rows.iter().map(|r| *r..=*r).collect();
                either.push((Occur::Should, Box::new(RowsQuery::new(rows, f.block))));
            }
            let tokens = stems(word);
            if !tokens.is_empty() {
                let mut each: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for (stem, _) in tokens {
                    let open: Box<dyn Query> =
                        Box::new(TermQuery::new(Term::from_field_text(f.open, &stem), IndexRecordOption::WithFreqs));
                    let mut one: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, open)];
                    if !cleared.is_empty() {
                        let screened =
                            TermQuery::new(Term::from_field_text(f.screened, &stem), IndexRecordOption::WithFreqs);
                        one.push((
                            Occur::Should,
                            Box::new(BooleanQuery::new(vec![
                                (Occur::Must, Box::new(screened) as Box<dyn Query>),
                                (
                                    Occur::Must,
                                    Box::new(BooleanQuery::new(
                                        cleared
                                            .iter()
                                            .map(|t| {
                                                (
                                                    Occur::Should,
                                                    Box::new(TermQuery::new(t.clone(), IndexRecordOption::Basic))
                                                        as Box<dyn Query>,
                                                )
                                            })
                                            .collect(),
                                    )),
                                ),
                            ])),
                        ));
                    }
                    each.push((Occur::Must, Box::new(BooleanQuery::new(one))));
                }
                either.push((Occur::Should, Box::new(BooleanQuery::new(each))));
            }
            all.push((Occur::Must, Box::new(BooleanQuery::new(either))));
        }
        (!all.is_empty()).then(|| Box::new(BooleanQuery::new(all)) as Box<dyn Query>)
    }

    fn filters(&self, filters: &Filters) -> Vec<(Occur, Box<dyn Query>)> {
        let f = self.fields;
        let term = |field, v: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(Term::from_field_text(field, v), IndexRecordOption::Basic))
        };
        let mut must = Vec::new();
        if let Some(s) = &filters.source {
            must.push((Occur::Must, term(f.source, s)));
        }
        if let Some(a) = &filters.arkivdel {
            must.push((Occur::Must, term(f.arkivdel, a)));
        }
        if let Some(k) = &filters.klasse {
            must.push((Occur::Must, term(f.klasse_prefix, k)));
        }
        if let Some(k) = filters.kind {
            must.push((Occur::Must, term(f.kind, k.as_str())));
        }
        if filters.year_from.is_some() || filters.year_to.is_some() {
            let lo = filters.year_from.map_or(Bound::Unbounded, |y| Bound::Included(Term::from_field_i64(f.year, y)));
            let hi = filters.year_to.map_or(Bound::Unbounded, |y| Bound::Included(Term::from_field_i64(f.year, y)));
            must.push((Occur::Must, Box::new(RangeQuery::new(lo, hi)) as Box<dyn Query>));
        }
        if let Some(w) = &filters.within {
            // A wide range (an arkiv, an arkivdel) is read lazily from the id column, so that
            // asking whether anything inside is visible stops at the first.
            let q: Box<dyn Query> = if w.end() / BLOCK - w.start() / BLOCK < MAX_BLOCKS {
                Box::new(RowsQuery::new(vec![w.clone()], f.block))
            } else {
                let (lo, hi) = (Term::from_field_i64(f.id, *w.start()), Term::from_field_i64(f.id, *w.end()));
                Box::new(RangeQuery::new(Bound::Included(lo), Bound::Included(hi)))
            };
            must.push((Occur::Must, q));
        }
        must
    }

    /// One page of the best hits among the first [`COUNT_CAP`] `viewer` may see for `words`:
    /// the time a search takes is bounded whatever the archive's size, where ranking and
    /// counting every match of a common word grows with it. Hits are ranked by relevance
    /// within those; `more` says the count stopped.
    pub fn search_capped(
        &self,
        viewer: &Viewer,
        words: &Words,
        filters: &Filters,
        offset: usize,
        limit: usize,
    ) -> Result<Hits> {
        use tantivy::{DocSet, TERMINATED};
        let query = self.query(viewer, words, filters);
        let searcher = self.reader.as_ref().expect("opened for searching").searcher();
        let weight = query.weight(tantivy::query::EnableScoring::enabled_from_searcher(&searcher)).map_err(err)?;
        let mut found: Vec<(f32, tantivy::DocAddress)> = Vec::new();
        let mut more = false;
        'segments: for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let mut scorer = weight.scorer(segment, 1.0).map_err(err)?;
            let alive = segment.alive_bitset();
            let mut doc = scorer.doc();
            while doc != TERMINATED {
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    if found.len() == COUNT_CAP {
                        more = true;
                        break 'segments;
                    }
                    found.push((scorer.score(), tantivy::DocAddress::new(ord as u32, doc)));
                }
                doc = scorer.advance();
            }
        }
        // Best first; equal scores in index order.
        found.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let ids = self.rows(&searcher, found.iter().skip(offset).take(limit.clamp(1, 1000)).map(|(_, a)| *a))?;
        Ok(Hits { total: found.len(), more, ids })
    }

    /// The viewer's access, and the words (every unit, when none), and the filters.
    fn query(&self, viewer: &Viewer, words: &Words, filters: &Filters) -> BooleanQuery {
        let mut must = vec![(Occur::Must, self.access(viewer))];
        must.push((Occur::Must, self.words(viewer, words).unwrap_or_else(|| Box::new(AllQuery))));
        must.extend(self.filters(filters));
        BooleanQuery::new(must)
    }

    /// The store's rows of hits.
    fn rows(&self, searcher: &tantivy::Searcher, hits: impl Iterator<Item = tantivy::DocAddress>) -> Result<Vec<i64>> {
        let mut ids = Vec::new();
        for addr in hits {
            let doc: TantivyDocument = searcher.doc(addr).map_err(err)?;
            if let Some(id) = doc.get_first(self.fields.id).and_then(|v| v.as_i64()) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// One page of the hits `viewer` may see for `words` (all visible units when none),
    /// counted exactly.
    pub fn search(
        &self,
        viewer: &Viewer,
        words: &Words,
        filters: &Filters,
        offset: usize,
        limit: usize,
    ) -> Result<Hits> {
        let query = self.query(viewer, words, filters);
        let searcher = self.reader.as_ref().expect("opened for searching").searcher();
        let limit = limit.clamp(1, 1000);
        let (top, total) = searcher
            .search(&query, &(TopDocs::with_limit(limit).and_offset(offset).order_by_score(), Count))
            .map_err(err)?;
        let ids = self.rows(&searcher, top.into_iter().map(|(_, a)| a))?;
        Ok(Hits { total, more: false, ids })
    }

    /// Whether any unit matches `filters` that `viewer` may see: stops at the first, where
    /// counting would walk every match (a whole arkiv for its breadcrumb).
    pub fn exists(&self, viewer: &Viewer, filters: &Filters) -> Result<bool> {
        use tantivy::{DocSet, TERMINATED};
        let query = self.query(viewer, &Words::none(), filters);
        let searcher = self.reader.as_ref().expect("opened for searching").searcher();
        let weight = query.weight(tantivy::query::EnableScoring::disabled_from_searcher(&searcher)).map_err(err)?;
        for segment in searcher.segment_readers() {
            let mut scorer = weight.scorer(segment, 1.0).map_err(err)?;
            let alive = segment.alive_bitset();
            let mut doc = scorer.doc();
            while doc != TERMINATED {
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    return Ok(true);
                }
                doc = scorer.advance();
            }
        }
        Ok(false)
    }

    /// Re-reads the index after `samla index` changed it.
    pub fn reload(&self) -> Result<()> {
        if let Some(r) = &self.reader {
            r.reload().map_err(err)?;
        }
        Ok(())
    }

    /// Units in the index.
    pub fn len(&self) -> u64 {
        self.reader.as_ref().map_or(0, |r| r.searcher().num_docs())
    }

    /// Whether the index holds no unit.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The tantivy index (for benchmarks and tests).
    pub fn index(&self) -> &Index {
        &self.index
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Grant, Role};
    use crate::store::Unit;

    /// Words that name no unit as an identifier.
    fn text(text: &str) -> Words {
        Words::new(text, |_| Ok::<_, ()>(Vec::new())).unwrap()
    }

    #[test]
    fn a_capped_search_stops_counting_and_an_exact_one_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = Search::open_for_writing(dir.path()).unwrap();
        for id in 0..(COUNT_CAP as i64 + 50) {
            let open = if id % (COUNT_CAP as i64 / 2) == 7 { "søknader om skoleskyss" } else { "søknad" };
            let d = SearchDoc { id, kind: Some(UnitKind::Mappe), open: open.into(), ..SearchDoc::default() };
            w.add(&d).unwrap();
        }
        w.commit().unwrap();
        w.finish().unwrap();
        let s = Search::open(dir.path()).unwrap();
        let all = Viewer { user: "a".into(), roles: vec![Role { grants: vec![Grant::default()], ..Role::default() }] };
        let capped = s.search_capped(&all, &text("søknad"), &Filters::default(), 0, 10).unwrap();
        assert_eq!((capped.total, capped.more, capped.ids.len()), (COUNT_CAP, true, 10));
        let exact = s.search(&all, &text("søknad"), &Filters::default(), 0, 10).unwrap();
        assert_eq!((exact.total, exact.more), (COUNT_CAP + 50, false));
        // Few hits: counted exactly (stemming finds "søknader"); equal scores come in the
        // order of the index's segments, which its writer threads decide.
        let few = s.search_capped(&all, &text("skoleskyss søknad"), &Filters::default(), 0, 10).unwrap();
        assert_eq!((few.total, few.more), (3, false));
        let half = COUNT_CAP as i64 / 2;
        let mut ids = few.ids.clone();
        ids.sort();
        assert_eq!(ids, [7, half + 7, 2 * half + 7]);
        let none = Viewer { user: "b".into(), roles: vec![] };
        assert_eq!(s.search_capped(&none, &text("søknad"), &Filters::default(), 0, 10).unwrap().total, 0);
        assert!(!s.exists(&none, &Filters::default()).unwrap());
        assert!(s.exists(&all, &Filters { kind: Some(UnitKind::Mappe), ..Filters::default() }).unwrap());

        // A word that names units as an identifier finds them by row, in any segment, as
        // well as by its text; a word naming none is searched as text alone.
        let named = |rows: Vec<i64>| Words::new("2019/17", |_| Ok::<_, ()>(rows.clone())).unwrap();
        let mut found = s.search(&all, &named(vec![2040, 5, 99_999]), &Filters::default(), 0, 10).unwrap().ids;
        found.sort();
        assert_eq!(found, [5, 2040]);
        assert_eq!(s.search(&all, &named(vec![]), &Filters::default(), 0, 10).unwrap().total, 0);
        assert_eq!(s.search(&none, &named(vec![5]), &Filters::default(), 0, 10).unwrap().total, 0);
        // The units inside a unit are a range of rows.
        let within = |r: std::ops::RangeInclusive<i64>| Filters { within: Some(r), ..Filters::default() };
        assert_eq!(s.search(&all, &text("søknad"), &within(10..=19), 0, 100).unwrap().total, 10);
        assert_eq!(s.search(&all, &text("skoleskyss"), &within(0..=1006), 0, 100).unwrap().total, 1);
        // A range over more blocks than are worth reading is read from the rows' column.
        assert_eq!(s.search(&all, &text("skoleskyss"), &within(0..=BLOCK * MAX_BLOCKS), 0, 100).unwrap().total, 3);
        assert_eq!(s.search(&all, &text("skoleskyss"), &within(8..=BLOCK * MAX_BLOCKS), 0, 100).unwrap().total, 2);
        // A unit holding nothing: the range after its row is empty.
        let nothing = Unit { id: 8, last: 8, ..Unit::default() };
        assert!(!s.exists(&all, &within(nothing.inside())).unwrap());
        assert!(s.exists(&all, &within(2049..=2049)).unwrap());
        // Rows over many blocks, as a word naming many units gives them: the column scan.
        // The word matches by row (7, 1031, 1007) or by text (7, 1007, 2007).
        let many: Vec<i64> = (0..=MAX_BLOCKS).map(|b| b * BLOCK + 7).chain([1007]).collect();
        let found = s.search(
            &all,
            &Words::new("skoleskyss", |_| Ok::<_, ()>(many.clone())).unwrap(),
            &Filters::default(),
            0,
            10,
        );
        assert_eq!(found.unwrap().total, 4);
    }
}
