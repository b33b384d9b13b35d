//! How relevant each work is to a topic: BM25 over the full-text index (with the corpus's learned
//! acronyms asked for in both spellings) combined with the semantic model's cosine similarity.
//! Every work above a relevance floor is returned, however many there are.
//!
//! ```text
//! lexical   = max(BM25/BM25(best), BM25ₜ/BM25ₜ(best))
//! relevance = (w · lexical^p + (1 − w) · (cos⁺/cos(best))^s) / max over works  ∈ (0, 1]
//! ```
//!
//! with `w` [`RelevanceOptions::lexical_weight`], `p` [`RelevanceOptions::lexical_power`] and `s`
//! [`RelevanceOptions::sharpness`]: the powers make a paper that matches the whole topic count
//! far more than many that match part of it. `BM25ₜ` reads titles and keywords alone
//! ([`RelevanceOptions::title_share`]): most works have no abstract, and a title that matches as
//! well as the best title is as much about the topic as an abstract that does. Without
//! a semantic model (an index built before it existed) the BM25 part alone counts.

use serde::Serialize;
use tantivy::Term;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::IndexRecordOption;

use crate::error::Result;
use crate::index::{Hit, TextIndex};
use crate::semantic;

/// How lexical and semantic evidence are weighed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RelevanceOptions {
    /// Weight of BM25 against the semantic cosine, in [0, 1] (1: BM25 only).
    pub lexical_weight: f64,
    /// Exponent on the relative BM25 score.
    pub lexical_power: f64,
    /// Exponent on the relative cosine: higher keeps only the closest papers.
    pub sharpness: f64,
    /// Works below this relevance (relative to the best work) are left out.
    pub floor: f64,
    /// Ask for learned acronyms and their long forms together.
    pub acronyms: bool,
    /// At most this many works (best first); `usize::MAX`: no cap.
    pub max_works: usize,
    /// When the topic names a research field, every paper of the venues standing for it counts
    /// with at least this relevance (`crate::venue_fields`; 0: text relevance only). The List
    /// applies it: the index knows no venues.
    pub field_relevance: f64,
    /// Also measure a work's BM25 against the best match in titles and keywords alone, and
    /// count the larger of the two shares: a work without an abstract (most of `paperlists`
    /// since 2019) can match only there, and is otherwise measured against works whose abstract
    /// repeats the topic.
    pub title_share: bool,
}

impl Default for RelevanceOptions {
    fn default() -> Self {
        RelevanceOptions {
            lexical_weight: 0.5,
            lexical_power: 2.0,
            sharpness: 4.0,
            floor: 0.1,
            acronyms: true,
            max_works: usize::MAX,
            field_relevance: 0.1,
            title_share: true,
        }
    }
}

/// The works relevant to a topic.
#[derive(Debug, Clone, Default)]
pub struct Relevant {
    /// The topic's searchable terms (analysed); empty when it had none (only stop words).
    pub terms: Vec<String>,
    /// Acronyms or long forms added to the query (as written in the corpus).
    pub expansions: Vec<String>,
    /// Works with their relevance in (0, 1] as `score`, best first.
    pub hits: Vec<Hit>,
}

/// True when `needle` occurs as consecutive words in `hay`.
pub(crate) fn contains<A: AsRef<str>, B: AsRef<str>>(hay: &[A], needle: &[B]) -> bool {
    !needle.is_empty()
        && hay
            .windows(needle.len())
            .any(|w| w.iter().zip(needle).all(|(x, y)| x.as_ref() == y.as_ref()))
}

/// The topic's terms written as they analyse (lower-cased, a plural "s" aside): the words that
/// may be acronyms. "GANs" is `gan`; "mining" analyses to `mine` but is not the acronym MINE.
fn written_as_is(topic: &str) -> Vec<String> {
    topic
        .split(|c: char| !c.is_alphanumeric())
        .filter_map(|word| {
            let lower = word.to_lowercase();
            match semantic::tokens(word).as_slice() {
                [(_, t)] if lower == *t || lower.strip_suffix('s') == Some(t.as_str()) => {
                    Some(t.clone())
                }
                _ => None,
            }
        })
        .collect()
}

/// A learned acronym's other spelling, asked for beside the topic.
enum Expansion<'m> {
    /// A long form's analysed tokens with their positions.
    Phrase(&'m [(u32, String)]),
    /// A short form's token.
    Term(&'m str),
}

/// Two lists of (work id, share), each sorted by id, merged by id keeping the larger share.
fn merge_max(a: Vec<(i64, f64)>, b: Vec<(i64, f64)>) -> Vec<(i64, f64)> {
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    let mut b = b.into_iter().peekable();
    for (id, share) in a {
        while let Some(&(other, s)) = b.peek()
            && other < id
        {
            out.push((other, s));
            b.next();
        }
        match b.peek() {
            Some(&(other, s)) if other == id => {
                out.push((id, share.max(s)));
                b.next();
            }
            _ => out.push((id, share)),
        }
    }
    out.extend(b);
    out
}

impl TextIndex {
    /// Each work's BM25 as a share of the best work's, by work id, for every work within reach
    /// of the floor: over every field (`with_abstract`) or over titles and keywords alone.
    fn lexical_shares(
        &self,
        topic: &str,
        since: Option<i32>,
        asked: &[Expansion],
        with_abstract: bool,
        opts: &RelevanceOptions,
    ) -> Result<Vec<(i64, f64)>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Should,
            self.topic_query_in(topic, None, with_abstract)?,
        )];
        let fields = self.phrase_fields(with_abstract);
        for expansion in asked {
            for &(field, boost) in &fields {
                let q: Box<dyn Query> = match expansion {
                    Expansion::Phrase(tokens) => Box::new(PhraseQuery::new_with_offset(
                        tokens
                            .iter()
                            .map(|(p, t)| (*p as usize, Term::from_field_text(field, t)))
                            .collect(),
                    )),
                    Expansion::Term(short) => Box::new(TermQuery::new(
                        Term::from_field_text(field, short),
                        IndexRecordOption::WithFreqs,
                    )),
                };
                clauses.push((Occur::Should, Box::new(BoostQuery::new(q, boost))));
            }
        }
        // The year applies to the acronyms' clauses too.
        let query = self.published_since(Box::new(BooleanQuery::new(clauses)), since);
        let share = (opts.floor * 0.5).powf(1.0 / opts.lexical_power.max(1.0));
        let (best, near) = self.collect_near_best(query.as_ref(), share)?;
        let best = f64::from(best);
        let mut shares: Vec<(i64, f64)> = Vec::new();
        if best > 0.0 {
            let cutoff = best * share;
            shares.extend(near.into_iter().filter_map(|h| {
                let s = f64::from(h.score);
                (s >= cutoff).then(|| (h.work_id, s / best))
            }));
        }
        // Stable, so a work found twice keeps its last share.
        shares.sort_by_key(|&(id, _)| id);
        shares.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                *earlier = *later;
            }
            same
        });
        Ok(shares)
    }

    /// Every work relevant to `topic` (from `since` on) above the floor, best first.
    pub fn relevant(
        &self,
        topic: &str,
        since: Option<i32>,
        opts: &RelevanceOptions,
    ) -> Result<Relevant> {
        let toks = semantic::tokens(topic);
        let terms: Vec<String> = toks.iter().map(|(_, t)| t.clone()).collect();
        if terms.is_empty() {
            return Ok(Relevant::default());
        }
        // Learned acronyms: a short form asks for its long form and the other way round.
        let mut asked: Vec<Expansion> = Vec::new();
        let mut expansions = Vec::new();
        let mut semantic_terms: Vec<String> = terms.clone();
        if opts.acronyms
            && let Some(model) = &self.semantic
        {
            let written = written_as_is(topic);
            for a in model.acronyms() {
                let long: Vec<&str> = a.long_tokens.iter().map(|(_, t)| t.as_str()).collect();
                if written.contains(&a.short) {
                    expansions.push(a.long_text.clone());
                    semantic_terms.extend(long.iter().map(|t| t.to_string()));
                    if a.long_tokens.len() > 1 {
                        asked.push(Expansion::Phrase(&a.long_tokens));
                    }
                } else if long.len() > 1
                    && contains(&terms, &long)
                    // "reinforcement learning from human feedback" asks for RLHF, not also RL.
                    && !model.acronyms().iter().any(|b| {
                        let other: Vec<&str> =
                            b.long_tokens.iter().map(|(_, t)| t.as_str()).collect();
                        other.len() > long.len() && contains(&terms, &other) && contains(&other, &long)
                    })
                {
                    expansions.push(a.short.clone());
                    semantic_terms.push(a.short.clone());
                    asked.push(Expansion::Term(&a.short));
                }
            }
        }

        // Lexical: every BM25 hit down to the floor, in one pass over the matches.
        let w = match &self.semantic {
            Some(_) => opts.lexical_weight.clamp(0.0, 1.0),
            None => 1.0,
        };
        // (work id, score) by work id: the semantic near-best works come by work id too, so the
        // two are merged in one pass (no hash map of hundreds of thousands of works).
        let mut scored: Vec<(i64, f64)> = Vec::new();
        let started = std::time::Instant::now();
        if opts.lexical_weight > 0.0 || self.semantic.is_none() {
            let mut shares = self.lexical_shares(topic, since, &asked, true, opts)?;
            let all_fields = started.elapsed();
            if opts.title_share {
                let short = self.lexical_shares(topic, since, &asked, false, opts)?;
                tracing::debug!(
                    ?all_fields,
                    titles = ?started.elapsed() - all_fields,
                    works = shares.len(),
                    title_works = short.len(),
                    "lexical relevance"
                );
                shares = merge_max(shares, short);
            }
            if w > 0.0 {
                scored = shares
                    .into_iter()
                    .map(|(id, share)| (id, w * share.powf(opts.lexical_power)))
                    .collect();
            }
        }
        // Semantic: the cosine with every work's vector.
        if w < 1.0
            && let Some(model) = &self.semantic
        {
            let refs: Vec<&str> = semantic_terms.iter().map(String::as_str).collect();
            if let Some(q) = model.embed_terms(&refs) {
                let q = model.scan_query(&q);
                // Below this relative cosine the semantic part alone cannot reach the floor (the
                // best work scores at least 1 − w, so the floor is at least floor · (1 − w)).
                let min_rel = opts.floor.powf(1.0 / opts.sharpness);
                // The lexical hits' cosines are read as the scan passes them.
                let ids: Vec<i64> = scored.iter().map(|&(id, _)| id).collect();
                let scan_started = std::time::Instant::now();
                let found = model.cosines_near_best(&q, since, min_rel, &ids);
                tracing::debug!(
                    elapsed = ?scan_started.elapsed(),
                    near = found.near.len(),
                    "semantic scan"
                );
                if found.best > 0.0 {
                    let best = f64::from(found.best);
                    let part =
                        |c: f32| (1.0 - w) * (f64::from(c) / best).max(0.0).powf(opts.sharpness);
                    let close = |c: f32| f64::from(c) / best >= min_rel;
                    // Both lists by work id: one merge.
                    let mut near = found.near.into_iter().filter(|&(_, c)| close(c)).peekable();
                    let mut merged = Vec::with_capacity(scored.len());
                    for ((id, s), cosine) in scored.into_iter().zip(found.asked) {
                        while let Some(&(other, c)) = near.peek()
                            && other < id
                        {
                            merged.push((other, part(c)));
                            near.next();
                        }
                        if let Some(&(other, c)) = near.peek()
                            && other == id
                        {
                            merged.push((id, s + part(c)));
                            near.next();
                            continue;
                        }
                        // Lexical hits further from the query still get their small semantic part.
                        match cosine {
                            Some(c) if c > 0.0 && !close(c) => merged.push((id, s + part(c))),
                            _ => merged.push((id, s)),
                        }
                    }
                    merged.extend(near.map(|(id, c)| (id, part(c))));
                    scored = merged;
                }
            }
        }
        let top = scored.iter().map(|&(_, s)| s).fold(0.0f64, f64::max);
        let mut hits: Vec<Hit> = if top > 0.0 {
            scored
                .into_iter()
                .map(|(id, s)| (id, s / top))
                .filter(|&(_, r)| r >= opts.floor)
                .map(|(work_id, r)| Hit {
                    work_id,
                    score: r as f32,
                })
                .collect()
        } else {
            Vec::new()
        };
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.work_id.cmp(&b.work_id)));
        hits.truncate(opts.max_works);
        Ok(Relevant {
            terms,
            expansions,
            hits,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{RelevanceOptions, merge_max, written_as_is};

    #[test]
    fn merged_shares_keep_every_work_and_the_larger_share() {
        let a = vec![(1, 0.5), (3, 0.2), (7, 1.0)];
        let b = vec![(2, 0.4), (3, 0.9), (7, 0.1), (9, 0.3)];
        assert_eq!(
            merge_max(a, b),
            vec![(1, 0.5), (2, 0.4), (3, 0.9), (7, 1.0), (9, 0.3)]
        );
        assert_eq!(merge_max(vec![], vec![(4, 0.5)]), vec![(4, 0.5)]);
    }

    /// With BM25 alone, measuring titles against titles can only raise a work's relevance (the
    /// best work over every field still scores 1), and it does raise some on real records.
    #[test]
    fn a_title_share_raises_works_and_loses_none() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut corpus = crate::index::tests::colm_demo_corpus(dir.path());
        let index = corpus.text_index().expect("index");
        let mut raised = 0;
        for topic in [
            "language models",
            "reasoning",
            "alignment with human feedback",
        ] {
            let relevance = |title_share| {
                let opts = RelevanceOptions {
                    lexical_weight: 1.0,
                    title_share,
                    ..RelevanceOptions::default()
                };
                let found = index.relevant(topic, None, &opts).expect("relevant");
                found
                    .hits
                    .into_iter()
                    .map(|h| (h.work_id, h.score))
                    .collect::<std::collections::HashMap<i64, f32>>()
            };
            let (off, on) = (relevance(false), relevance(true));
            assert!(!off.is_empty(), "{topic}");
            for (work, score) in &off {
                let with = on.get(work).copied().unwrap_or(0.0);
                assert!(with >= *score, "{topic}: work {work} {score} → {with}");
            }
            raised += on
                .iter()
                .filter(|(w, s)| off.get(*w).is_none_or(|o| **s > *o))
                .count();
        }
        assert!(raised > 10, "{raised} works raised");
    }

    #[test]
    fn only_words_written_as_their_term_may_be_acronyms() {
        assert_eq!(written_as_is("data mining"), ["data"]);
        assert_eq!(written_as_is("GANs for RLHF"), ["gan", "rlhf"]);
        assert_eq!(written_as_is("MoE"), ["moe"]);
    }
}
