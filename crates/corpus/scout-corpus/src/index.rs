//! The full-text index over works (tantivy): titles, abstracts and keywords, analysed with
//! English stemming and stop words. The index lives in a directory beside the database and is
//! brought up to date from `index_queue` (works written since the last update).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rusqlite::Connection;
use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector, TopDocs};
use tantivy::columnar::Column;
use tantivy::query::{
    BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, QueryParser, RangeQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, STORED, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{
    DocId, Index, IndexReader, ReloadPolicy, Score, SegmentOrdinal, SegmentReader, TantivyDocument,
    Term, doc,
};

use crate::analyzer::analyzer;
use crate::error::{CorpusError, Result};

const TOKENIZER: &str = "scout_en";
const WRITER_BUDGET: usize = 256 << 20;

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub(crate) work_id: Field,
    pub(crate) title: Field,
    pub(crate) abstract_text: Field,
    pub(crate) keywords: Field,
    pub(crate) year: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let work_id = b.add_u64_field(
        "work_id",
        NumericOptions::default().set_indexed().set_fast() | STORED,
    );
    let title = b.add_text_field("title", text.clone());
    let abstract_text = b.add_text_field("abstract", text.clone());
    let keywords = b.add_text_field("keywords", text);
    let year = b.add_i64_field("year", NumericOptions::default().set_indexed().set_fast());
    (
        b.build(),
        Fields {
            work_id,
            title,
            abstract_text,
            keywords,
            year,
        },
    )
}

/// An open index, ready for searching.
pub struct TextIndex {
    index: Index,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    /// The semantic model learned at refresh (None for an index built before it existed).
    pub(crate) semantic: Option<crate::semantic::SemanticModel>,
}

/// One search hit: a work and its BM25 score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub work_id: i64,
    pub score: f32,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct IndexReport {
    pub full_rebuild: bool,
    pub documents_written: u64,
    pub seconds: f64,
}

fn index_err(dir: &Path) -> impl Fn(std::io::Error) -> CorpusError + '_ {
    move |source| CorpusError::Io {
        path: dir.to_path_buf(),
        source,
    }
}

fn open_dir(dir: &Path) -> Result<(Index, bool)> {
    let (schema, _) = schema();
    let exists = dir.join("meta.json").exists();
    let index = if exists {
        Index::open_in_dir(dir)?
    } else {
        std::fs::create_dir_all(dir).map_err(index_err(dir))?;
        Index::create_in_dir(dir, schema)?
    };
    index.tokenizers().register(TOKENIZER, analyzer());
    Ok((index, !exists))
}

/// What an index update covered, to be recorded with [`finish_update`] once the index is
/// committed.
#[derive(Debug, Clone, Copy)]
pub struct IndexedUpTo {
    max_queued: i64,
    max_work: i64,
}

/// Brings the index in `dir` up to date with the store and records that in the database.
pub fn update(conn: &Connection, dir: &Path) -> Result<IndexReport> {
    let (report, upto) = build(conn, dir)?;
    finish_update(conn, upto)?;
    Ok(report)
}

/// Marks the works covered by a committed index update as indexed.
pub fn finish_update(conn: &Connection, upto: IndexedUpTo) -> Result<()> {
    // Only what was indexed leaves the queue (a concurrent ingest may have queued more).
    conn.execute(
        "DELETE FROM index_queue WHERE work_id <= ?1",
        [upto.max_queued],
    )?;
    crate::db::meta_set(conn, "indexed_max_work_id", &upto.max_work.to_string())?;
    Ok(())
}

/// Writes the index in `dir` from the store without writing to the database (so it can run
/// beside identity resolution on a second connection): everything when the index is new,
/// otherwise the works added since the last update (ids above the `indexed_max_work_id`
/// watermark) and the changed works listed in `index_queue`.
pub fn build(conn: &Connection, dir: &Path) -> Result<(IndexReport, IndexedUpTo)> {
    build_with_progress(conn, dir, &AtomicU64::new(0), &AtomicU64::new(0))
}

/// [`build`], storing the number of documents to write in `total` before it starts and
/// counting the written ones in `written`.
pub fn build_with_progress(
    conn: &Connection,
    dir: &Path,
    total: &AtomicU64,
    written_so_far: &AtomicU64,
) -> Result<(IndexReport, IndexedUpTo)> {
    let started = Instant::now();
    let (index, created) = open_dir(dir)?;
    let (_, f) = schema();
    let mut writer = index.writer::<TantivyDocument>(WRITER_BUDGET)?;
    let sql_all = "SELECT w.id, w.title, COALESCE(w.abstract, a.text), w.keywords, w.year
                   FROM works w LEFT JOIN abstracts a ON a.work_key = w.key";
    let sql_new_or_queued = "SELECT w.id, w.title, COALESCE(w.abstract, a.text), w.keywords, w.year
                      FROM works w LEFT JOIN abstracts a ON a.work_key = w.key
                      WHERE w.id > ?1 OR w.id IN (SELECT work_id FROM index_queue)";
    let mut written = 0u64;
    let max_queued: i64 = conn.query_row(
        "SELECT COALESCE(MAX(work_id), 0) FROM index_queue",
        [],
        |r| r.get(0),
    )?;
    let max_work: i64 =
        conn.query_row("SELECT COALESCE(MAX(id), 0) FROM works", [], |r| r.get(0))?;
    let watermark = crate::db::meta_get_i64(conn, "indexed_max_work_id")?;
    let to_write: i64 = if created {
        conn.query_row("SELECT COUNT(*) FROM works", [], |r| r.get(0))?
    } else {
        conn.query_row(
            "SELECT COUNT(*) FROM works WHERE id > ?1 OR id IN (SELECT work_id FROM index_queue)",
            [watermark],
            |r| r.get(0),
        )?
    };
    total.store(u64::try_from(to_write).unwrap_or(0), Ordering::Relaxed);
    {
        let mut stmt = conn.prepare(if created { sql_all } else { sql_new_or_queued })?;
        let mut rows = if created {
            stmt.query([])?
        } else {
            stmt.query([watermark])?
        };
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let title: String = row.get(1)?;
            let abstract_text: Option<String> = row.get(2)?;
            let keywords: Option<String> = row.get(3)?;
            let year: Option<i64> = row.get(4)?;
            if !created && id <= watermark {
                writer.delete_term(Term::from_field_u64(f.work_id, id as u64));
            }
            let mut document =
                doc!(f.work_id => id as u64, f.title => title, f.year => year.unwrap_or(0));
            if let Some(a) = abstract_text {
                document.add_text(f.abstract_text, a);
            }
            if let Some(k) = keywords {
                document.add_text(f.keywords, k);
            }
            writer.add_document(document)?;
            written += 1;
            if written.is_multiple_of(1024) {
                written_so_far.store(written, Ordering::Relaxed);
            }
        }
    }
    written_so_far.store(written, Ordering::Relaxed);
    writer.commit()?;
    writer.wait_merging_threads()?;
    Ok((
        IndexReport {
            full_rebuild: created,
            documents_written: written,
            seconds: started.elapsed().as_secs_f64(),
        },
        IndexedUpTo {
            max_queued,
            max_work,
        },
    ))
}

/// Deletes the index directory (it is rebuilt in full on the next update).
pub fn remove(dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(index_err(dir))?;
    }
    Ok(())
}

impl TextIndex {
    pub fn open(dir: &Path) -> Result<TextIndex> {
        if !dir.join("meta.json").exists() {
            return Err(CorpusError::Invalid(format!(
                "no full-text index at {}; run `scout ingest` first",
                dir.display()
            )));
        }
        let (mut index, _) = open_dir(dir)?;
        // A query's segments are searched in parallel (the index holds several: one per
        // writer flush, merged by size), as the semantic scan's blocks are.
        let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        if threads > 1 {
            index.set_multithread_executor(threads)?;
        }
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let (_, fields) = schema();
        let semantic = crate::semantic::SemanticModel::load(dir)?;
        Ok(TextIndex {
            index,
            reader,
            fields,
            semantic,
        })
    }

    /// The semantic model, when the index has one.
    pub fn semantic(&self) -> Option<&crate::semantic::SemanticModel> {
        self.semantic.as_ref()
    }

    /// Builds the query for a free-text topic: every term on title (boosted), abstract and
    /// keywords, plus adjacent-word phrases so that "reinforcement learning" outranks papers
    /// that merely mention "learning".
    pub(crate) fn topic_query(&self, topic: &str, since: Option<i32>) -> Result<Box<dyn Query>> {
        self.topic_query_in(topic, since, true)
    }

    /// The fields a phrase of the topic (or a learned acronym's other spelling) is asked for in,
    /// with their boosts: the title, and the abstract unless `with_abstract` is false.
    pub(crate) fn phrase_fields(&self, with_abstract: bool) -> Vec<(Field, f32)> {
        let f = self.fields;
        if with_abstract {
            vec![(f.title, 3.0), (f.abstract_text, 1.5)]
        } else {
            vec![(f.title, 3.0)]
        }
    }

    /// [`Self::topic_query`] over the title and keywords alone (`with_abstract` false): what
    /// every work has, so that a work without an abstract can be measured against its peers.
    pub(crate) fn topic_query_in(
        &self,
        topic: &str,
        since: Option<i32>,
        with_abstract: bool,
    ) -> Result<Box<dyn Query>> {
        let f = self.fields;
        let fields = if with_abstract {
            vec![f.title, f.abstract_text, f.keywords]
        } else {
            vec![f.title, f.keywords]
        };
        let mut parser = QueryParser::for_index(&self.index, fields);
        parser.set_field_boost(f.title, 2.0);
        parser.set_field_boost(f.keywords, 1.5);
        let cleaned: String = topic
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' || c == '\'' {
                    c
                } else {
                    ' '
                }
            })
            .collect();
        let (terms_query, _errors) = parser.parse_query_lenient(&cleaned);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, terms_query)];
        let mut analyzer = analyzer();
        let mut tokens = Vec::new();
        let mut stream = analyzer.token_stream(&cleaned);
        while stream.advance() {
            tokens.push((stream.token().position, stream.token().text.clone()));
        }
        // Adjacent words as phrases, keeping the gap of a dropped stop word ("mixture of
        // experts" matches "mixture-of-experts", not "mixture experts").
        let phrase_fields = self.phrase_fields(with_abstract);
        for pair in tokens.windows(2) {
            for &(field, boost) in &phrase_fields {
                let base = pair[0].0;
                let terms = pair
                    .iter()
                    .map(|(p, t)| (p - base, Term::from_field_text(field, t)))
                    .collect();
                let phrase: Box<dyn Query> = Box::new(PhraseQuery::new_with_offset(terms));
                clauses.push((Occur::Should, Box::new(BoostQuery::new(phrase, boost))));
            }
        }
        Ok(self.published_since(Box::new(BooleanQuery::new(clauses)), since))
    }

    /// `query` restricted to works published in `since` or later. The year range is a required
    /// clause scored 0: tantivy sums a conjunction's scores, and the range's constant score of 1
    /// would raise every work's share of the best in a year-bounded List only.
    pub(crate) fn published_since(
        &self,
        query: Box<dyn Query>,
        since: Option<i32>,
    ) -> Box<dyn Query> {
        let Some(since) = since else {
            return query;
        };
        let range = RangeQuery::new(
            std::ops::Bound::Included(Term::from_field_i64(self.fields.year, i64::from(since))),
            std::ops::Bound::Unbounded,
        );
        Box::new(BooleanQuery::new(vec![
            (Occur::Must, query),
            (Occur::Must, Box::new(BoostQuery::new(Box::new(range), 0.0))),
        ]))
    }

    /// The `limit` best works for a topic, best first.
    pub fn search(&self, topic: &str, limit: usize, since: Option<i32>) -> Result<Vec<Hit>> {
        if topic.trim().is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let query = self.topic_query(topic, since)?;
        self.collect(&query, limit)
    }

    /// The `limit` best works for a query, best first.
    pub(crate) fn collect(&self, query: &dyn Query, limit: usize) -> Result<Vec<Hit>> {
        let searcher = self.reader.searcher();
        let top = searcher.search(query, &TopDocs::with_limit(limit).order_by_score())?;
        let mut hits = Vec::with_capacity(top.len());
        // Opening a fast-field column decodes its header: once per segment, not per hit.
        let mut columns = Vec::with_capacity(searcher.segment_readers().len());
        for segment in searcher.segment_readers() {
            columns.push(segment.fast_fields().u64("work_id")?);
        }
        for (score, address) in top {
            let Some(column) = columns.get(address.segment_ord as usize) else {
                continue;
            };
            if let Some(id) = column.first(address.doc_id) {
                hits.push(Hit {
                    work_id: id as i64,
                    score,
                });
            }
        }
        Ok(hits)
    }

    /// The best score for a query and every work scoring at least `share` of it, in no
    /// particular order (a few more may come along: the caller applies its exact test). One
    /// pass over the matching documents: a document is kept while it clears `share` of the best
    /// score its segment has met so far, which is never above the best of all, so nothing that
    /// clears the final bar is dropped; asking for the best hit first and then for those above
    /// the bar evaluated the query twice.
    pub(crate) fn collect_near_best(
        &self,
        query: &dyn Query,
        share: f64,
    ) -> Result<(f32, Vec<Hit>)> {
        let searcher = self.reader.searcher();
        Ok(searcher.search(query, &NearBest { share })?)
    }

    /// Number of documents in the index.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Collects the best score and every document near it (see
/// [`TextIndex::collect_near_best`]), with its work id.
struct NearBest {
    share: f64,
}

struct SegmentNearBest {
    /// `share`, a hair lower: the bar is compared in f32.
    share: f32,
    best: Score,
    bar: Score,
    work_ids: Column<u64>,
    hits: Vec<Hit>,
}

impl Collector for NearBest {
    type Fruit = (Score, Vec<Hit>);
    type Child = SegmentNearBest;

    fn for_segment(
        &self,
        _segment_ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentNearBest> {
        Ok(SegmentNearBest {
            share: (self.share.clamp(0.0, 1.0) * (1.0 - 1e-6)) as f32,
            best: 0.0,
            bar: 0.0,
            work_ids: segment.fast_fields().u64("work_id")?,
            hits: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, segments: Vec<(Score, Vec<Hit>)>) -> tantivy::Result<(Score, Vec<Hit>)> {
        let best = segments.iter().map(|s| s.0).fold(0.0, Score::max);
        Ok((best, segments.into_iter().flat_map(|s| s.1).collect()))
    }
}

impl SegmentCollector for SegmentNearBest {
    type Fruit = (Score, Vec<Hit>);

    fn collect(&mut self, doc: DocId, score: Score) {
        if score < self.bar {
            return;
        }
        if score > self.best {
            self.best = score;
            self.bar = score * self.share;
        }
        if let Some(id) = self.work_ids.first(doc) {
            self.hits.push(Hit {
                work_id: id as i64,
                score,
            });
        }
    }

    fn harvest(self) -> (Score, Vec<Hit>) {
        (self.best, self.hits)
    }
}

/// Where the index of a database lives: `<db>.index/`.
pub fn dir_for(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".index");
    db.with_file_name(name)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::path::Path;

    use super::Hit;

    /// The demo's COLM papers and abstracts ingested and refreshed in `dir`: a small real corpus
    /// for the tests of the index and of relevance.
    pub(crate) fn colm_demo_corpus(dir: &Path) -> crate::Corpus {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../data/demo");
        let mut corpus = crate::Corpus::open(&dir.join("c.sqlite")).expect("open");
        corpus
            .ingest(
                &[
                    demo.join("paperlists/papers/colm.jsonl.gz"),
                    demo.join("paperlists/abstracts/colm.jsonl.gz"),
                ],
                &crate::IngestOptions::new(dir.join("rejects.jsonl")),
                &crate::Progress::default(),
            )
            .expect("ingest");
        corpus.refresh(false).expect("refresh");
        corpus
    }

    /// The one-pass collector finds the best score and every work near it exactly as asking for
    /// the best hit first and then for every hit would.
    #[test]
    fn near_best_in_one_pass_equals_best_then_all() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut corpus = colm_demo_corpus(dir.path());
        let index = corpus.text_index().expect("index");
        let mut checked = 0;
        for topic in [
            "language models",
            "reasoning",
            "alignment with human feedback",
        ] {
            let query = index.topic_query(topic, None).expect("query");
            let all = index.collect(query.as_ref(), 1_000_000).expect("all");
            let best = all.first().map_or(0.0, |h| h.score);
            assert!(best > 0.0, "{topic}");
            for share in [0.05, 0.3, 0.9, 1.0] {
                let (found_best, near) = index
                    .collect_near_best(query.as_ref(), share)
                    .expect("near");
                assert_eq!(found_best, best, "{topic}");
                let bar = f64::from(best) * share;
                let above = |h: &&Hit| f64::from(h.score) >= bar;
                let want = by_work(all.iter().filter(above));
                let got = by_work(near.iter().filter(above));
                assert_eq!(got, want, "{topic} at {share}");
                checked += want.len();
            }
        }
        assert!(checked > 100, "too few hits to compare: {checked}");
    }

    /// `(work, score)` of `hits`, by work.
    fn by_work<'h>(hits: impl Iterator<Item = &'h Hit>) -> Vec<(i64, f32)> {
        let mut found: Vec<(i64, f32)> = hits.map(|h| (h.work_id, h.score)).collect();
        found.sort_by_key(|h| h.0);
        found
    }

    /// A year filters the works and adds nothing to their scores: with `since`, a topic's query
    /// finds exactly the unbounded query's works of those years, with the same scores.
    #[test]
    fn a_year_filters_the_works_without_changing_their_scores() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut corpus = colm_demo_corpus(dir.path());
        let index = corpus.text_index().expect("index");
        let mut statement = corpus
            .conn
            .prepare("SELECT id, year FROM works")
            .expect("prepare");
        let years: std::collections::HashMap<i64, i64> = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .expect("years")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        let mut checked = 0;
        for topic in [
            "language models",
            "reasoning",
            "alignment with human feedback",
        ] {
            let all = index
                .collect(
                    index.topic_query(topic, None).expect("query").as_ref(),
                    1_000_000,
                )
                .expect("all");
            let recent = by_work(
                all.iter()
                    .filter(|h| years.get(&h.work_id).is_some_and(|y| *y >= 2025)),
            );
            assert!(!recent.is_empty() && recent.len() < all.len(), "{topic}");
            let since = index.topic_query(topic, Some(2025)).expect("query");
            let found = by_work(
                index
                    .collect(since.as_ref(), 1_000_000)
                    .expect("since")
                    .iter(),
            );
            assert_eq!(found, recent, "{topic}");
            checked += found.len();
        }
        assert!(checked > 20, "too few works compared: {checked}");
    }
}
