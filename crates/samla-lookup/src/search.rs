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
use tantivy::query::{
    AllQuery, BooleanQuery, EmptyQuery, Occur, Query, RangeQuery, RegexQuery, TermQuery, TermSetQuery,
};
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
    ancestor: Field,
    year: Field,
    open: Field,
    screened: Field,
    ids: Field,
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
        ancestor: b.add_i64_field("ancestor", INDEXED),
        year: b.add_i64_field("year", INDEXED | FAST),
        open: b.add_text_field("open", text.clone()),
        screened: b.add_text_field("screened", text),
        ids: b.add_text_field("ids", STRING),
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
    /// Rows of the units around it (arkiv, arkivdel, klasse, mappe, …).
    pub ancestors: Vec<i64>,
    /// The year of its date.
    pub year: Option<i64>,
    /// Text anyone who may see the unit may search.
    pub open: String,
    /// Text its skjerming screens.
    pub screened: String,
    /// Identifiers matched exactly (systemID, mappeID, registreringsID, old IDs).
    pub ids: Vec<String>,
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
    /// Only units inside this unit.
    pub within: Option<i64>,
}

/// One page of hits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hits {
    /// All hits the viewer may see.
    pub total: usize,
    /// The rows of this page's hits, best first.
    pub ids: Vec<i64>,
}

/// The search index.
pub struct Search {
    index: Index,
    fields: Fields,
    reader: Option<IndexReader>,
    writer: Option<IndexWriter>,
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
        let writer = index.writer_with_num_threads(2, 128 << 20).map_err(|e| tantivy_error(dir, e))?;
        Ok(Search { index, fields, reader: None, writer: Some(writer) })
    }

    /// Opens the search index in `dir` for searching.
    pub fn open(dir: &Path) -> Result<Search> {
        let (_, fields) = schema();
        let index = Index::open_in_dir(dir).map_err(|e| tantivy_error(dir, e))?;
        index.tokenizers().register(NORWEGIAN, analyzer());
        let reader =
            index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(|e| tantivy_error(dir, e))?;
        Ok(Search { index, fields, reader: Some(reader), writer: None })
    }

    fn writer(&mut self) -> &mut IndexWriter {
        self.writer.as_mut().expect("opened for writing")
    }

    /// Adds a unit.
    pub fn add(&mut self, d: &SearchDoc) -> Result<()> {
        let f = self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_i64(f.id, d.id);
        doc.add_i64(f.source_id, d.source_id);
        doc.add_text(f.kind, d.kind.map(UnitKind::as_str).unwrap_or(""));
        doc.add_text(f.source, &d.scope.source);
        for a in &d.scope.arkivdel {
            doc.add_text(f.arkivdel, a);
        }
        if let Some(k) = &d.scope.klasse {
            doc.add_text(f.klasse, k);
        }
        if let Some(m) = &d.scope.mappetype {
            doc.add_text(f.mappetype, m);
        }
        doc.add_text(f.restriction, d.scope.restriction.as_deref().unwrap_or(NONE));
        doc.add_text(f.grade, d.scope.grade.as_deref().unwrap_or(NONE));
        for a in &d.ancestors {
            doc.add_i64(f.ancestor, *a);
        }
        if let Some(y) = d.year {
            doc.add_i64(f.year, y);
        }
        doc.add_text(f.open, &d.open);
        if !d.screened.is_empty() {
            doc.add_text(f.screened, &d.screened);
        }
        for i in &d.ids {
            doc.add_text(f.ids, i);
        }
        self.writer().add_document(doc).map_err(|e| Error::new(ErrorKind::Io, "search index", e.to_string()))?;
        Ok(())
    }

    /// Removes every unit of a source.
    pub fn remove_source(&mut self, source_id: i64) {
        let term = Term::from_field_i64(self.fields.source_id, source_id);
        self.writer().delete_term(term);
    }

    /// Makes what was added durable.
    pub fn commit(&mut self) -> Result<()> {
        let w = self.writer();
        w.commit().map_err(|e| Error::new(ErrorKind::Io, "search index", e.to_string()))?;
        Ok(())
    }

    /// Waits for background merges (at the end of indexing).
    pub fn finish(mut self) -> Result<()> {
        if let Some(w) = self.writer.take() {
            w.wait_merging_threads().map_err(|e| Error::new(ErrorKind::Io, "search index", e.to_string()))?;
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
                match RegexQuery::from_pattern(&format!("{}.*", regex_escape(k)), f.klasse) {
                    Ok(q) => must.push((Occur::Must, Box::new(q))),
                    Err(_) => continue,
                }
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
        let grades =
            std::iter::once(NONE).chain(viewer.grades()).map(|g| Term::from_field_text(f.grade, g)).collect::<Vec<_>>();
        Box::new(BooleanQuery::new(vec![
            (Occur::Must, Box::new(BooleanQuery::new(grants))),
            (Occur::Must, Box::new(TermSetQuery::new(grades))),
        ]))
    }

    /// The user's words: each must match, in the open text, as an identifier, or in the
    /// screened text of a unit whose restriction the viewer is cleared for.
    fn words(&self, viewer: &Viewer, text: &str) -> Option<Box<dyn Query>> {
        let f = self.fields;
        let cleared: Vec<Term> =
            viewer.clearances().into_iter().map(|c| Term::from_field_text(f.restriction, c)).collect();
        let mut all: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for word in text.split_whitespace().take(32) {
            let mut either: Vec<(Occur, Box<dyn Query>)> = vec![(
                Occur::Should,
                Box::new(TermQuery::new(Term::from_field_text(f.ids, word), IndexRecordOption::Basic)),
            )];
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
                                (Occur::Must, Box::new(TermSetQuery::new(cleared.clone()))),
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
        if let Some(k) = &filters.klasse
            && let Ok(q) = RegexQuery::from_pattern(&format!("{}.*", regex_escape(k)), f.klasse)
        {
            must.push((Occur::Must, Box::new(q) as Box<dyn Query>));
        }
        if let Some(k) = filters.kind {
            must.push((Occur::Must, term(f.kind, k.as_str())));
        }
        if filters.year_from.is_some() || filters.year_to.is_some() {
            let lo = filters.year_from.map_or(Bound::Unbounded, |y| Bound::Included(Term::from_field_i64(f.year, y)));
            let hi = filters.year_to.map_or(Bound::Unbounded, |y| Bound::Included(Term::from_field_i64(f.year, y)));
            must.push((Occur::Must, Box::new(RangeQuery::new(lo, hi)) as Box<dyn Query>));
        }
        if let Some(w) = filters.within {
            must.push((
                Occur::Must,
                Box::new(TermQuery::new(Term::from_field_i64(f.ancestor, w), IndexRecordOption::Basic)),
            ));
        }
        must
    }

    /// One page of the hits `viewer` may see for `text` (all visible units when empty).
    pub fn search(&self, viewer: &Viewer, text: &str, filters: &Filters, offset: usize, limit: usize) -> Result<Hits> {
        let mut must = vec![(Occur::Must, self.access(viewer))];
        if let Some(words) = self.words(viewer, text) {
            must.push((Occur::Must, words));
        } else {
            must.push((Occur::Must, Box::new(AllQuery)));
        }
        must.extend(self.filters(filters));
        let query = BooleanQuery::new(must);
        let reader = self.reader.as_ref().expect("opened for searching");
        let searcher = reader.searcher();
        let limit = limit.clamp(1, 1000);
        let (top, total) = searcher
            .search(&query, &(TopDocs::with_limit(limit).and_offset(offset).order_by_score(), Count))
            .map_err(|e| Error::new(ErrorKind::Io, "search index", e.to_string()))?;
        let mut ids = Vec::with_capacity(top.len());
        for (_, addr) in top {
            let doc: TantivyDocument =
                searcher.doc(addr).map_err(|e| Error::new(ErrorKind::Io, "search index", e.to_string()))?;
            if let Some(id) = doc.get_first(self.fields.id).and_then(|v| v.as_i64()) {
                ids.push(id);
            }
        }
        Ok(Hits { total, ids })
    }

    /// How many units inside `unit` the viewer may see (a container is shown only when
    /// this is above 0).
    pub fn visible_within(&self, viewer: &Viewer, unit: i64) -> Result<usize> {
        let filters = Filters { within: Some(unit), ..Filters::default() };
        Ok(self.search(viewer, "", &filters, 0, 1)?.total)
    }

    /// Re-reads the index after `samla index` changed it.
    pub fn reload(&self) -> Result<()> {
        if let Some(r) = &self.reader {
            r.reload().map_err(|e| Error::new(ErrorKind::Io, "search index", e.to_string()))?;
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

/// `s` with the characters of tantivy's regex syntax escaped.
fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~\"<>@".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
