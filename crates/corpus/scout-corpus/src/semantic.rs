//! The semantic model: what words mean, learned from the corpus's own titles and abstracts at
//! refresh, so that a topic finds papers that use other words for it.
//!
//! - **Term vectors** by latent semantic analysis: the document × term matrix (weights
//!   `(1 + ln tf) · idf`, rows normalised; a deterministic sample of about
//!   [`MAX_TRAINING_DOCS`] works, chosen by a hash of the work key, rows in work key order) is
//!   factored by a randomized SVD with one power iteration (`linalg.rs`); a term's vector is its
//!   right singular vector row scaled by `σ^½`.
//! - **Text vectors** are SIF averages (Arora, Liang & Ma 2017): each token's term vector weighted
//!   `a / (a + p(term))`, the corpus's common direction (of the training sample's vectors)
//!   removed, normalised. Every work's vector is kept, quantised to 8 bits, for brute-force
//!   cosine search.
//!
//! Nothing the model learns depends on work ids or on the number of threads: two corpora of the
//! same works, numbered differently by their ingests, get the same model and the same vectors
//! (tested in `tests/numbering.rs`).
//! - **Acronyms** and their long forms from "long form (SHORT)" definitions (`acronyms.rs`), so a
//!   query in one spelling also asks for the other.
//!
//! The model is written to `semantic.bin` in the index directory and read back in one pass. The
//! file records what the model was fitted on ([`FitInfo`]); between two fits, new and changed
//! works are folded in with the model as it is (`schedule.rs`).

pub mod acronyms;
mod file;
pub mod linalg;
mod scan;
pub mod schedule;

use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use rusqlite::Connection;
use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;

pub use acronyms::Acronym;
use linalg::{Sparse, SplitMix};
use scan::{Kernel, dot_i8_i16};

use crate::error::Result;

/// About how many works are sampled to learn term vectors (all works still get a vector).
pub const MAX_TRAINING_DOCS: usize = 250_000;
/// Dimensions kept.
const DIM: usize = 128;
/// Extra random directions of the range finder.
const OVERSAMPLE: usize = 16;
/// A term must occur in this many training works to get a vector.
const MIN_DF: u32 = 3;
const MAX_VOCAB: usize = 80_000;
/// The SIF smoothing constant.
const SIF_A: f64 = 1e-3;
const BATCH: usize = 8192;
/// Seed of the training sample's hash.
const TRAINING_SEED: u64 = 20_261_207;

/// The learned model.
pub struct SemanticModel {
    dim: usize,
    vocab: HashMap<String, u32>,
    /// Inverse document frequency per term (for lexical similarity of arbitrary texts).
    idf: Vec<f32>,
    /// `ln(N + 1)`: the idf of a term never seen in training.
    max_idf: f32,
    sif: Vec<f32>,
    /// `vocab × dim`, row-major.
    term_vectors: Vec<f32>,
    /// The common direction removed from every text vector.
    common: Vec<f32>,
    acronyms: Vec<Acronym>,
    /// Per work id: publication year (0 unknown) and the quantised vector (all zero: none).
    years: Vec<i16>,
    papers: Vec<i8>,
    /// What the model was fitted on (None: a version 1 file, which does not say).
    fit: Option<FitInfo>,
}

/// What a model was fitted on and what it has folded in since, recorded in its file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FitInfo {
    /// Works in the corpus when the term vectors were learned.
    pub fitted_works: u64,
    /// Works the SVD was trained on (every work, or a sample of [`MAX_TRAINING_DOCS`]).
    pub training_works: u64,
    /// `meta.corpus_generation` when the term vectors were learned.
    pub fitted_generation: i64,
    /// `meta.corpus_generation` when the works' vectors were last brought up to date.
    pub updated_generation: i64,
    /// The highest work id the model holds a vector for: works above it are new to the model.
    pub max_work_id: i64,
    /// The last row of `semantic_changes` (changed works) the model has taken in.
    pub changes_seq: i64,
    /// Works whose vectors were folded in since the fit (new or changed ones; a work changed
    /// twice counts twice).
    pub folded_works: u64,
}

/// What a model update did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SemanticMode {
    /// Learned anew from the whole corpus: vocabulary, term vectors, every work's vector.
    #[default]
    Refit,
    /// The vectors of new and changed works computed with the model as it was.
    FoldIn,
    /// Nothing new or changed; the file was left as it was.
    Current,
}

/// What a model update did, and what the model now stands on (its staleness: the works and
/// generation it was fitted at, the works folded in since).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SemanticReport {
    pub mode: SemanticMode,
    /// Why the model was fitted anew (a refit only).
    pub refit_reason: Option<String>,
    /// Works in the corpus.
    pub works: usize,
    /// Works whose vectors this fold-in computed.
    pub folded_in: usize,
    pub fit: FitInfo,
    pub training_works: usize,
    pub vocabulary: usize,
    pub acronyms: usize,
    pub seconds: f64,
    /// Size of the model file written (0 when nothing was written).
    pub bytes: u64,
}

/// Analysed tokens of a text (the index's analyser: lower case, ASCII folding, English stop
/// words dropped, stemmed) with their positions.
pub fn tokens(text: &str) -> Vec<(u32, String)> {
    let mut analyzer = crate::analyzer::analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        let t = stream.token();
        out.push((t.position as u32, t.text.clone()));
    }
    out
}

struct Doc {
    id: i64,
    key: String,
    year: i16,
    text: String,
}

/// Streams works in batches of [`BATCH`].
fn for_each_batch(conn: &Connection, f: impl FnMut(&[Doc]) -> Result<()>) -> Result<()> {
    for_each_batch_where(conn, "1", [], f)
}

/// Streams the works that pass `filter` (an SQL condition on `w`, with `params`) in batches.
fn for_each_batch_where(
    conn: &Connection,
    filter: &str,
    params: impl rusqlite::Params,
    mut f: impl FnMut(&[Doc]) -> Result<()>,
) -> Result<()> {
    let mut stmt = conn.prepare(&format!(
        "SELECT w.id, w.year, w.title, COALESCE(w.abstract, a.text), w.key
         FROM works w LEFT JOIN abstracts a ON a.work_key = w.key WHERE {filter} ORDER BY w.id"
    ))?;
    let mut rows = stmt.query(params)?;
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(r) = rows.next()? {
        let title: String = r.get(2)?;
        let abstract_text: Option<String> = r.get(3)?;
        let year: Option<i64> = r.get(1)?;
        batch.push(Doc {
            id: r.get(0)?,
            key: r.get(4)?,
            year: year.and_then(|y| i16::try_from(y).ok()).unwrap_or(0),
            text: match abstract_text {
                Some(a) => format!("{title}. {a}"),
                None => title,
            },
        });
        if batch.len() == BATCH {
            f(&batch)?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        f(&batch)?;
    }
    Ok(())
}

/// Learns the model from the works in `conn` and writes it into `index_dir` (a refit; the
/// schedule in `schedule.rs` decides when).
pub fn build(conn: &Connection, index_dir: &Path) -> Result<SemanticReport> {
    let started = Instant::now();
    // Read before the works: a text changed while they are read is folded in again later.
    let changes_seq = max_change_seq(conn)?;
    let generation = crate::db::meta_get_i64(conn, "corpus_generation")?;
    let works: i64 = conn.query_row("SELECT COUNT(*) FROM works", [], |r| r.get(0))?;
    let works = usize::try_from(works).unwrap_or(0);
    let every = works.div_ceil(MAX_TRAINING_DOCS).max(1);

    // Pass 1 (training sample): document frequencies and token counts; acronyms from all works.
    let mut df: HashMap<String, (u32, u64)> = HashMap::default();
    let mut counter = acronyms::AcronymCounter::default();
    // The sample's work ids, then sorted by work key: the training matrix's row order.
    let mut sample: Vec<(String, i64)> = Vec::new();
    for_each_batch(conn, |batch| {
        let analysed: Vec<Vec<(u32, String)>> = batch.par_iter().map(|d| tokens(&d.text)).collect();
        for (doc, toks) in batch.iter().zip(&analysed) {
            if doc.text.contains('(') {
                counter.scan(&doc.text, &mut |s| tokens(s));
            }
            if !in_training(&doc.key, every) {
                continue;
            }
            sample.push((doc.key.clone(), doc.id));
            let mut seen: Vec<&str> = toks.iter().map(|(_, t)| t.as_str()).collect();
            for t in &seen {
                if let Some(e) = df.get_mut(*t) {
                    e.1 += 1;
                } else {
                    df.insert((*t).to_string(), (0, 1));
                }
            }
            seen.sort_unstable();
            seen.dedup();
            for t in seen {
                if let Some(e) = df.get_mut(t) {
                    e.0 += 1;
                }
            }
        }
        Ok(())
    })?;
    let acronyms = counter.finish(&mut |s| tokens(s));
    sample.sort_unstable();
    let training = sample.len();
    let row_of: HashMap<i64, usize> = sample
        .iter()
        .enumerate()
        .map(|(row, (_, id))| (*id, row))
        .collect();
    let sample_ids: Vec<i64> = sample.into_iter().map(|(_, id)| id).collect();

    // Vocabulary: the most frequent terms above the document-frequency floor.
    let mut terms: Vec<(String, u32, u64)> = df
        .into_iter()
        .filter(|(_, (d, _))| *d >= MIN_DF)
        .map(|(t, (d, c))| (t, d, c))
        .collect();
    terms.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    terms.truncate(MAX_VOCAB);
    let n_train = training.max(1) as f64;
    let total_tokens: u64 = terms.iter().map(|t| t.2).sum::<u64>().max(1);
    let vocab: HashMap<String, u32> = terms
        .iter()
        .enumerate()
        .map(|(i, t)| (t.0.clone(), i as u32))
        .collect();
    let idf: Vec<f32> = terms
        .iter()
        .map(|t| ((n_train + 1.0) / f64::from(t.1)).ln() as f32)
        .collect();
    let sif: Vec<f32> = terms
        .iter()
        .map(|t| (SIF_A / (SIF_A + t.2 as f64 / total_tokens as f64)) as f32)
        .collect();

    // Pass 2: the training matrix, its rows in work key order.
    let mut rows: Vec<Vec<(u32, f32)>> = vec![Vec::new(); training];
    for_each_batch(conn, |batch| {
        let weighted: Vec<(usize, Vec<(u32, f32)>)> = batch
            .par_iter()
            .filter_map(|d| Some((*row_of.get(&d.id)?, d)))
            .map(|(row, d)| (row, weighted_row(&vocab, &idf, &tokens(&d.text))))
            .collect();
        for (row, weights) in weighted {
            rows[row] = weights;
        }
        Ok(())
    })?;
    drop(row_of);
    let mut a = Sparse {
        n_cols: vocab.len(),
        offsets: vec![0],
        ..Sparse::default()
    };
    for row in rows {
        for (c, v) in row {
            a.cols.push(c);
            a.vals.push(v);
        }
        a.offsets.push(a.cols.len());
    }
    let term_vectors = term_vectors(&a, DIM);
    drop(a);
    let dim = term_vectors.len() / vocab.len().max(1);

    let mut model = SemanticModel {
        dim,
        vocab,
        idf,
        max_idf: (n_train + 1.0).ln() as f32,
        sif,
        term_vectors,
        common: vec![0.0; dim],
        acronyms,
        years: Vec::new(),
        papers: Vec::new(),
        fit: None,
    };

    // Pass 3: every work's vector; then the common direction, removed from each.
    let max_id = max_work_id(conn)?;
    let (years, raw) = model.raw_vectors(conn, max_id)?;
    model.years = years;
    let sample_slots: Vec<usize> = sample_ids
        .iter()
        .filter_map(|&id| usize::try_from(id).ok())
        .filter(|&slot| (slot + 1) * dim <= raw.len())
        .collect();
    model.common = common_direction(&raw, dim, &sample_slots);
    model.papers = raw
        .par_chunks(dim.max(1))
        .flat_map_iter(|v| model.final_vector(v))
        .collect();
    let fit = FitInfo {
        fitted_works: works as u64,
        training_works: training as u64,
        fitted_generation: generation,
        updated_generation: generation,
        max_work_id: max_id,
        changes_seq,
        folded_works: 0,
    };
    model.fit = Some(fit);
    let bytes = model.save(index_dir)?;
    Ok(SemanticReport {
        mode: SemanticMode::Refit,
        refit_reason: None,
        works,
        folded_in: 0,
        fit,
        training_works: training,
        vocabulary: model.vocab.len(),
        acronyms: model.acronyms.len(),
        seconds: started.elapsed().as_secs_f64(),
        bytes,
    })
}

/// The highest work id stored (0 for none).
fn max_work_id(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT COALESCE(MAX(id), 0) FROM works", [], |r| r.get(0))?)
}

/// The last row of the changed-works log (0 for none).
fn max_change_seq(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT COALESCE(MAX(seq), 0) FROM semantic_changes",
        [],
        |r| r.get(0),
    )?)
}

/// The deterministic training sample: one work in `every`, by a hash of its key (not its id,
/// which depends on the order works were ingested in).
fn in_training(key: &str, every: usize) -> bool {
    xxhash_rust::xxh3::xxh3_64_with_seed(key.as_bytes(), TRAINING_SEED)
        .is_multiple_of(every.max(1) as u64)
}

fn token_texts(tokens: &[(u32, String)]) -> Vec<&str> {
    tokens.iter().map(|(_, t)| t.as_str()).collect()
}

/// `(1 + ln tf) · idf` per vocabulary term of a text, normalised.
fn weighted_row(
    vocab: &HashMap<String, u32>,
    idf: &[f32],
    toks: &[(u32, String)],
) -> Vec<(u32, f32)> {
    let mut ids: Vec<u32> = toks
        .iter()
        .filter_map(|(_, t)| vocab.get(t).copied())
        .collect();
    ids.sort_unstable();
    let mut row: Vec<(u32, f32)> = Vec::new();
    for id in ids {
        match row.last_mut() {
            Some((last, tf)) if *last == id => *tf += 1.0,
            _ => row.push((id, 1.0)),
        }
    }
    for (id, w) in &mut row {
        *w = (1.0 + w.ln()) * idf[*id as usize];
    }
    let norm = row.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, w) in &mut row {
            *w /= norm;
        }
    }
    row
}

/// Term vectors (`vocab × k`, row-major) from a randomized SVD of `a` (documents × terms).
fn term_vectors(a: &Sparse, k: usize) -> Vec<f32> {
    let v = a.n_cols;
    let l = (k + OVERSAMPLE).min(v).min(a.n_rows()).max(1);
    let k = k.min(l);
    let at = a.transpose();
    let mut rng = SplitMix(0x5C07_5EED_u64);
    let omega: Vec<f32> = (0..v * l)
        .map(|_| rng.symmetric() + rng.symmetric() + rng.symmetric())
        .collect();
    // Range of A (documents side), one power iteration: Y = A Aᵀ A Ω.
    let mut y = a.times(&omega, l);
    linalg::orthonormalise(&mut y, l);
    let mut z = at.times(&y, l);
    linalg::orthonormalise(&mut z, l);
    let mut y = a.times(&z, l);
    linalg::orthonormalise(&mut y, l);
    // Z = Aᵀ Q = Bᵀ (terms × l); its left singular vectors are A's right singular vectors.
    let z = at.times(&y, l);
    let m = linalg::symmetric_gram(&z, l);
    let (values, w) = linalg::symmetric_eigen(&m, l);
    // Term vectors = U_Z Σ^½ = Z W Σ^(−½), first k columns.
    let scale: Vec<f64> = values
        .iter()
        .take(k)
        .map(|&s2| {
            if s2 > 1e-12 {
                s2.sqrt().powf(-0.5)
            } else {
                0.0
            }
        })
        .collect();
    let mut out = vec![0f32; v * k];
    out.par_chunks_mut(k.max(1))
        .zip(z.par_chunks(l))
        .for_each(|(o, zr)| {
            for j in 0..k {
                let mut s = 0f64;
                for (i, &zi) in zr.iter().enumerate() {
                    s += f64::from(zi) * w[i * l + j];
                }
                o[j] = (s * scale[j]) as f32;
            }
        });
    out
}

/// The first principal direction (uncentred) of the rows `rows` of `raw` (`dim` wide), by power
/// iteration. Blocks of rows are summed apart and their sums added in block order, so the
/// result does not depend on how many threads ran.
fn common_direction(raw: &[f32], dim: usize, rows: &[usize]) -> Vec<f32> {
    let mut v = vec![1.0f64 / (dim.max(1) as f64).sqrt(); dim];
    for _ in 0..30 {
        let blocks: Vec<Vec<f64>> = rows
            .par_chunks(4096)
            .map(|block| {
                let mut acc = vec![0f64; dim];
                for &r in block {
                    let row = &raw[r * dim..(r + 1) * dim];
                    let d: f64 = row.iter().zip(&v).map(|(&x, &y)| f64::from(x) * y).sum();
                    for (a, &x) in acc.iter_mut().zip(row) {
                        *a += d * f64::from(x);
                    }
                }
                acc
            })
            .collect();
        let mut next = vec![0f64; dim];
        for block in blocks {
            for (a, b) in next.iter_mut().zip(block) {
                *a += b;
            }
        }
        let norm = next.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm == 0.0 {
            return vec![0.0; dim];
        }
        v = next.into_iter().map(|x| x / norm).collect();
    }
    v.into_iter().map(|x| x as f32).collect()
}

impl SemanticModel {
    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn acronyms(&self) -> &[Acronym] {
        &self.acronyms
    }

    pub fn vocabulary(&self) -> usize {
        self.vocab.len()
    }

    /// The SIF-weighted mean of the term vectors of `terms` (None when no term is known).
    fn sif_average(&self, terms: &[&str]) -> Option<Vec<f32>> {
        let mut v = vec![0f32; self.dim];
        let mut n = 0usize;
        for t in terms {
            if let Some(&id) = self.vocab.get(*t) {
                let id = id as usize;
                let w = self.sif[id];
                for (a, &x) in v
                    .iter_mut()
                    .zip(&self.term_vectors[id * self.dim..(id + 1) * self.dim])
                {
                    *a += w * x;
                }
                n += 1;
            }
        }
        (n > 0).then(|| {
            for a in &mut v {
                *a /= n as f32;
            }
            v
        })
    }

    /// Every work's year and raw SIF average (zero when none of its terms is known), by work
    /// id up to `max_id`: a build's third pass, and what a fold-in must agree with.
    fn raw_vectors(&self, conn: &Connection, max_id: i64) -> Result<(Vec<i16>, Vec<f32>)> {
        let dim = self.dim;
        let slots = usize::try_from(max_id).unwrap_or(0) + 1;
        let mut raw = vec![0f32; slots * dim];
        let mut years = vec![0i16; slots];
        for_each_batch(conn, |batch| {
            let vectors: Vec<Vec<f32>> =
                batch.par_iter().map(|d| self.raw_vector(&d.text)).collect();
            for (d, v) in batch.iter().zip(vectors) {
                if let Some(slot) = usize::try_from(d.id).ok().filter(|&s| s < slots) {
                    years[slot] = d.year;
                    raw[slot * dim..(slot + 1) * dim].copy_from_slice(&v);
                }
            }
            Ok(())
        })?;
        Ok((years, raw))
    }

    /// The SIF average of a text's terms, zero when the model knows none of them.
    fn raw_vector(&self, text: &str) -> Vec<f32> {
        self.sif_average(&token_texts(&tokens(text)))
            .unwrap_or_else(|| vec![0.0; self.dim])
    }

    /// A stored work vector from a raw one: common direction removed, normalised, 8 bits.
    fn final_vector(&self, raw: &[f32]) -> Vec<i8> {
        let mut v = raw.to_vec();
        self.finish_vector(&mut v);
        v.into_iter()
            .map(|x| (x * 127.0).round().clamp(-127.0, 127.0) as i8)
            .collect()
    }

    /// What the model was fitted on (None for a file written before this was recorded).
    pub fn fit(&self) -> Option<FitInfo> {
        self.fit
    }

    /// Removes the common direction and normalises (a zero vector stays zero).
    fn finish_vector(&self, v: &mut [f32]) {
        let d: f32 = v.iter().zip(&self.common).map(|(a, b)| a * b).sum();
        for (a, &c) in v.iter_mut().zip(&self.common) {
            *a -= d * c;
        }
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            for a in v.iter_mut() {
                *a /= norm;
            }
        }
    }

    /// The unit vector of a list of analysed terms, or None when none is in the vocabulary.
    pub fn embed_terms(&self, terms: &[&str]) -> Option<Vec<f32>> {
        let mut v = self.sif_average(terms)?;
        self.finish_vector(&mut v);
        Some(v)
    }

    /// The unit vector of a text.
    pub fn embed(&self, text: &str) -> Option<Vec<f32>> {
        let toks = tokens(text);
        self.embed_terms(&token_texts(&toks))
    }

    /// A normalised `(1 + ln tf) · idf` bag of a text's terms, sorted by term (for lexical
    /// similarity between two texts; terms unknown to the model get the largest idf).
    pub fn lexical(&self, terms: &[&str]) -> Vec<(String, f32)> {
        let mut sorted: Vec<&str> = terms.to_vec();
        sorted.sort_unstable();
        let mut bag: Vec<(String, f32)> = Vec::new();
        for t in sorted {
            match bag.last_mut() {
                Some((last, tf)) if last == t => *tf += 1.0,
                _ => bag.push((t.to_string(), 1.0)),
            }
        }
        for (t, w) in &mut bag {
            let idf = self
                .vocab
                .get(t.as_str())
                .map_or(self.max_idf, |&id| self.idf[id as usize]);
            *w = (1.0 + w.ln()) * idf;
        }
        let norm = bag.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, w) in &mut bag {
                *w /= norm;
            }
        }
        bag
    }

    /// A unit query vector quantised to 16-bit weights for the integer scan: an 8-bit × 16-bit
    /// product widened to 32 bits and summed is the multiply-add the compiler turns into
    /// `pmaddwd` (half the time of 32-bit products).
    pub fn scan_query(&self, query: &[f32]) -> ScanQuery {
        ScanQuery(
            query
                .iter()
                .map(|x| (x * 127.0).round().clamp(-127.0, 127.0) as i16)
                .collect(),
        )
    }

    /// The cosine of one work with the query (`None` for a work the model does not hold or
    /// one published before `since`).
    pub fn cosine(&self, query: &ScanQuery, work_id: i64, since: Option<i32>) -> Option<f32> {
        let slot = usize::try_from(work_id).ok()?;
        if let Some(s) = since
            && i32::from(*self.years.get(slot)?) < s
        {
            return None;
        }
        let row = self.papers.get(slot * self.dim..(slot + 1) * self.dim)?;
        Some(dot_i8_i16(row, &query.0) as f32 * COSINE_SCALE)
    }

    /// The works (from `since` on) whose cosine with `query` is above zero and at least
    /// `min_share` of the best cosine, by work id, with the best cosine (0 when no work points
    /// the query's way); and the cosine of each work of `asked` (ascending work ids), as
    /// [`SemanticModel::cosine`] gives it, read while the scan passes it rather than looked up
    /// again. One pass, in parallel blocks: a work is kept while it clears `min_share` of the
    /// best its block has seen so far, and the few kept before the best appeared are dropped at
    /// the end, so `near` holds the near-best works rather than every work of the corpus.
    pub fn cosines_near_best(
        &self,
        query: &ScanQuery,
        since: Option<i32>,
        min_share: f64,
        asked: &[i64],
    ) -> NearBest {
        self.scan(query, since, min_share, asked, SCAN_BLOCK, DOT_BATCH)
    }

    /// [`SemanticModel::cosines_near_best`] with blocks of `block_works` works scanned in
    /// parallel and the kernel's batches of `batch_works` (smaller ones in tests, to cross their
    /// edges).
    fn scan(
        &self,
        query: &ScanQuery,
        since: Option<i32>,
        min_share: f64,
        asked: &[i64],
        block_works: usize,
        batch_works: usize,
    ) -> NearBest {
        let (block_works, batch_works) = (block_works.max(1), batch_works.max(1));
        let min_share = min_share.clamp(0.0, 1.0);
        // An integer bar a little below min_share × best, so rounding never drops a work the
        // caller's exact test (cosine / best ≥ min_share, in f64) would keep.
        let bar_for = |best: i32| ((f64::from(best) * min_share).floor() as i32 - 2).max(1);
        if !asked.is_sorted() {
            // Not the order the scan passes the works in: each looked up on its own.
            let mut found = self.scan(query, since, min_share, &[], block_works, batch_works);
            found.asked = asked
                .iter()
                .map(|&id| self.cosine(query, id, since))
                .collect();
            return found;
        }
        let dim = self.dim.max(1);
        let kernel = Kernel::detect();
        // Blocks of works scanned in parallel, each with its own running best; within a block,
        // the dot products of a batch of works at a time, then the tests.
        let blocks: Vec<Block> = self
            .papers
            .par_chunks(dim * block_works)
            .zip(self.years.par_chunks(block_works))
            .enumerate()
            .map(|(block, (rows, years))| {
                let start = block * block_works;
                let mut out = Block {
                    first_asked: asked.partition_point(|&id| id < start as i64),
                    ..Block::default()
                };
                let mut asked = asked[out.first_asked..].iter().peekable();
                let mut bar = 1i32;
                let mut dots = vec![0i32; batch_works];
                let batches = rows
                    .chunks(dim * batch_works)
                    .zip(years.chunks(batch_works));
                for (batch, (rows, years)) in batches.enumerate() {
                    let n = years.len().min(rows.len() / dim);
                    kernel.dots(rows, dim, &query.0, &mut dots[..n]);
                    let first = start + batch * batch_works;
                    for (i, (&dot, &year)) in dots[..n].iter().zip(years).enumerate() {
                        let id = (first + i) as i64;
                        let before = since.is_some_and(|s| i32::from(year) < s);
                        while let Some(&&next) = asked.peek()
                            && next <= id
                        {
                            out.asked.push((next == id && !before).then_some(dot));
                            asked.next();
                        }
                        if before || dot < bar {
                            continue;
                        }
                        if dot > out.best {
                            out.best = dot;
                            bar = bar_for(out.best);
                        }
                        out.kept.push((id, dot));
                    }
                }
                out
            })
            .collect();
        let best = blocks.iter().map(|b| b.best).max().unwrap_or(0);
        let bar = bar_for(best);
        let mut found = NearBest {
            best: best as f32 * COSINE_SCALE,
            near: Vec::new(),
            asked: vec![None; asked.len()],
        };
        for block in blocks {
            found.near.extend(
                block
                    .kept
                    .into_iter()
                    .filter(|&(_, dot)| dot >= bar)
                    .map(|(id, dot)| (id, dot as f32 * COSINE_SCALE)),
            );
            for (slot, dot) in found.asked[block.first_asked..].iter_mut().zip(block.asked) {
                *slot = dot.map(|d| d as f32 * COSINE_SCALE);
            }
        }
        found
    }

    /// The stored unit vector of a work (dequantised), if it has one.
    pub fn work_vector(&self, work_id: i64) -> Option<Vec<f32>> {
        let slot = usize::try_from(work_id).ok()?;
        let row = self.papers.get(slot * self.dim..(slot + 1) * self.dim)?;
        row.iter()
            .any(|&x| x != 0)
            .then(|| row.iter().map(|&x| f32::from(x) / 127.0).collect())
    }
}

/// What [`SemanticModel::cosines_near_best`] found.
#[derive(Debug, Clone, Default)]
pub struct NearBest {
    /// The best cosine of any work (0 when none points the query's way).
    pub best: f32,
    /// The works at least the asked share of the best, by work id, with their cosine.
    pub near: Vec<(i64, f32)>,
    /// The cosine of each asked work, in the order asked (`None`: a work the model does not
    /// hold, or one published before `since`).
    pub asked: Vec<Option<f32>>,
}

/// One block's part of a scan.
#[derive(Default)]
struct Block {
    best: i32,
    kept: Vec<(i64, i32)>,
    /// Where the block's asked works start in the list asked, and their dot products.
    first_asked: usize,
    asked: Vec<Option<i32>>,
}

/// A query quantised for [`SemanticModel::cosines_near_best`] and [`SemanticModel::cosine`].
#[derive(Debug, Clone)]
pub struct ScanQuery(Vec<i16>);

/// Works per parallel task of the scan (4 MB of 128-dimensional vectors).
const SCAN_BLOCK: usize = 32 * 1024;
/// Works whose dot products the scan's kernel computes in one call (128 KB of vectors).
const DOT_BATCH: usize = 1024;

/// From an 8-bit × 16-bit dot product back to a cosine.
const COSINE_SCALE: f32 = 1.0 / (127.0 * 127.0);
