//! The List: researchers ranked for a free-text topic.
//!
//! A researcher's score is the sum of per-paper contributions over the papers that match the
//! topic:
//!
//! ```text
//! contribution = relevance × impact × role × recency
//! relevance = BM25 and semantic similarity combined, relative to the best paper  ∈ (0, 1]
//!             (scout_corpus::relevance; every paper above the floor counts)
//! impact    = (1 + ln(1 + citations / mean citations of venue-year)) × status   (1 when no citation data;
//!             status: 0.25 rejected or withdrawn, 0.5 workshop, 1.15 oral or spotlight, else 1)
//! role      = 1.0 first or sole author, 0.8 last, 0.5 / 0.3 / 0.15 middle (≤5 / ≤12 / more authors)
//! recency   = 0.5 ^ ((as-of year − year) / 5)
//! ```
//!
//! A paper listed twice (workshop and main track, two venues) counts once per researcher.
//! Every factor is kept, so each score can be explained by the papers behind it.

use std::time::Instant;

use rustc_hash::FxHashMap as HashMap;
use scout_corpus::orgs::OrgType;
use scout_corpus::researchers::{self, Researcher, Stage};
use scout_corpus::rusqlite::{Connection, OptionalExtension};
use scout_corpus::{Hit, RelevanceOptions, TextIndex};
use serde::Serialize;

use crate::error::{RankError, Result};

/// Papers per researcher kept for explanations.
pub const DEFAULT_EXPLAIN_PAPERS: usize = 5;
const RECENCY_HALF_LIFE: f64 = 5.0;

/// A List query.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub topic: String,
    pub limit: usize,
    /// Case-insensitive substring of the current organisation.
    pub org: Option<String>,
    pub org_type: Option<OrgType>,
    /// ISO 3166-1 alpha-2 code of the current affiliation's country.
    pub country: Option<String>,
    pub stage: Option<Stage>,
    /// Count only papers from this year on.
    pub since: Option<i32>,
    /// At most this many matching papers, best first (`usize::MAX`, the default: every paper
    /// above the relevance floor).
    pub candidate_papers: usize,
    /// How lexical and semantic relevance combine, and the floor.
    pub relevance: RelevanceOptions,
    pub explain_papers: usize,
    /// Which factors apply (all by default; switching one off measures what it adds).
    pub factors: Factors,
}

/// Switches for the score factors; a factor switched off counts as 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Factors {
    pub impact: bool,
    pub role: bool,
    pub recency: bool,
}

impl Default for Factors {
    fn default() -> Self {
        Factors {
            impact: true,
            role: true,
            recency: true,
        }
    }
}

impl ListQuery {
    pub fn new(topic: impl Into<String>) -> Self {
        ListQuery {
            topic: topic.into(),
            limit: 50,
            org: None,
            org_type: None,
            country: None,
            stage: None,
            since: None,
            candidate_papers: usize::MAX,
            relevance: RelevanceOptions::default(),
            explain_papers: DEFAULT_EXPLAIN_PAPERS,
            factors: Factors::default(),
        }
    }
}

/// The factors of one paper's contribution to one researcher's score.
#[derive(Debug, Clone, Serialize)]
pub struct Contribution {
    pub work_id: i64,
    pub work_key: String,
    pub title: String,
    pub year: Option<i32>,
    pub venue: Option<String>,
    pub status: Option<String>,
    pub citations: Option<i64>,
    /// Mean citations of the paper's venue and year (the impact baseline).
    pub cohort_mean_citations: Option<f64>,
    /// 1-based author position and the number of authors.
    pub position: i64,
    pub n_authors: i64,
    pub relevance: f64,
    pub impact: f64,
    pub role: f64,
    pub recency: f64,
    pub contribution: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ListRow {
    pub rank: usize,
    pub researcher: Researcher,
    pub stage: Option<Stage>,
    pub score: f64,
    /// Papers that contributed.
    pub papers: usize,
    /// The papers contributing most, with their factors.
    pub top_papers: Vec<Contribution>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ListResult {
    pub topic: String,
    pub as_of_year: i32,
    pub matching_papers: usize,
    pub candidates: usize,
    /// Acronyms or long forms learned from the corpus that were asked for too.
    pub expansions: Vec<String>,
    /// Why the List is empty, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub rows: Vec<ListRow>,
    pub milliseconds: f64,
}

/// What scoring needs to know about one paper.
#[derive(Debug, Clone, Copy, Default)]
pub struct PaperFacts {
    /// Hash of the normalised title: the same paper listed twice (a workshop and a main-track
    /// version, two venues) counts once per researcher.
    pub title_key: u64,
    pub year: Option<i32>,
    pub citations: Option<i64>,
    pub cohort_mean: Option<f64>,
    pub status_factor: f64,
    pub n_authors: i64,
}

/// Where scoring reads paper facts and authorships from: straight from SQLite (a one-off
/// query from the CLI) or from a [`RankModel`] held in memory (a server, a benchmark).
pub trait FactSource {
    fn paper(&mut self, work_id: i64) -> Result<Option<PaperFacts>>;
    /// `(0-based position, researcher id)` of each author of the work.
    fn authors(&mut self, work_id: i64, out: &mut Vec<(i64, i64)>) -> Result<()>;
}

/// Reads facts with SQL, one paper at a time.
pub struct SqlFacts<'c> {
    conn: &'c Connection,
    cohorts: HashMap<(String, i32), f64>,
}

impl<'c> SqlFacts<'c> {
    pub fn new(conn: &'c Connection) -> Result<Self> {
        Ok(SqlFacts {
            conn,
            cohorts: load_cohorts(conn)?,
        })
    }
}

impl FactSource for SqlFacts<'_> {
    fn paper(&mut self, work_id: i64) -> Result<Option<PaperFacts>> {
        type Row = (
            Option<i32>,
            Option<String>,
            Option<String>,
            Option<i64>,
            i64,
            String,
        );
        let row: Option<Row> = self
            .conn
            .prepare_cached(
                "SELECT year, venue, status, citations, n_authors, title FROM works WHERE id = ?1",
            )?
            .query_row([work_id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .optional()?;
        Ok(row.map(
            |(year, venue, status, citations, n_authors, title)| PaperFacts {
                title_key: title_key(&title),
                year,
                citations,
                cohort_mean: venue.zip(year).and_then(|k| self.cohorts.get(&k).copied()),
                status_factor: status_factor(status.as_deref()),
                n_authors,
            },
        ))
    }

    fn authors(&mut self, work_id: i64, out: &mut Vec<(i64, i64)>) -> Result<()> {
        out.clear();
        let mut stmt = self.conn.prepare_cached(
            "SELECT position, researcher_id FROM authorship_researcher WHERE work_id = ?1",
        )?;
        let rows = stmt.query_map([work_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        for row in rows {
            out.push(row?);
        }
        Ok(())
    }
}

/// Paper facts and authorships of the whole corpus in memory (a few bytes per paper and per
/// authorship), for answering many List queries quickly.
pub struct RankModel {
    papers: Vec<Option<PaperFacts>>,
    offsets: Vec<u32>,
    authors: Vec<(u16, u32)>,
}

impl RankModel {
    pub fn load(conn: &Connection) -> Result<RankModel> {
        let cohorts = load_cohorts(conn)?;
        let max_id: i64 =
            conn.query_row("SELECT COALESCE(MAX(id), 0) FROM works", [], |r| r.get(0))?;
        let mut papers = vec![None; max_id as usize + 1];
        let mut stmt =
            conn.prepare("SELECT id, year, venue, status, citations, n_authors, title FROM works")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let year: Option<i32> = r.get(1)?;
            let venue: Option<String> = r.get(2)?;
            let status: Option<String> = r.get(3)?;
            if let Some(slot) = papers.get_mut(id as usize) {
                *slot = Some(PaperFacts {
                    title_key: title_key(r.get_ref(6)?.as_str().unwrap_or_default()),
                    year,
                    citations: r.get(4)?,
                    cohort_mean: venue.zip(year).and_then(|k| cohorts.get(&k).copied()),
                    status_factor: status_factor(status.as_deref()),
                    n_authors: r.get(5)?,
                });
            }
        }
        // Authorships in compressed-row form: the authors of work `w` are
        // `authors[offsets[w]..offsets[w + 1]]`.
        let mut offsets = vec![0u32; papers.len() + 1];
        let mut authors = Vec::new();
        let mut stmt = conn.prepare(
            "SELECT work_id, position, researcher_id FROM authorship_researcher ORDER BY work_id",
        )?;
        let mut rows = stmt.query([])?;
        let mut current = 0usize;
        while let Some(r) = rows.next()? {
            let work = r.get::<_, i64>(0)? as usize;
            if work >= papers.len() {
                continue;
            }
            while current < work {
                current += 1;
                offsets[current] = authors.len() as u32;
            }
            let position: i64 = r.get(1)?;
            let researcher: i64 = r.get(2)?;
            authors.push((position.min(i64::from(u16::MAX)) as u16, researcher as u32));
        }
        while current < papers.len() {
            current += 1;
            offsets[current] = authors.len() as u32;
        }
        Ok(RankModel {
            papers,
            offsets,
            authors,
        })
    }

    pub fn facts(&self) -> ModelFacts<'_> {
        ModelFacts { model: self }
    }
}

/// A [`FactSource`] over a [`RankModel`].
pub struct ModelFacts<'m> {
    model: &'m RankModel,
}

impl FactSource for ModelFacts<'_> {
    fn paper(&mut self, work_id: i64) -> Result<Option<PaperFacts>> {
        Ok(self.model.papers.get(work_id as usize).copied().flatten())
    }

    fn authors(&mut self, work_id: i64, out: &mut Vec<(i64, i64)>) -> Result<()> {
        out.clear();
        let w = work_id as usize;
        if w + 1 < self.model.offsets.len() {
            let (a, b) = (
                self.model.offsets[w] as usize,
                self.model.offsets[w + 1] as usize,
            );
            out.extend(
                self.model.authors[a..b]
                    .iter()
                    .map(|&(p, r)| (i64::from(p), i64::from(r))),
            );
        }
        Ok(())
    }
}

/// One scored paper of one researcher, before titles are looked up.
#[derive(Clone, Copy)]
struct Scored {
    work_id: i64,
    paper: PaperFacts,
    position: i64,
    relevance: f64,
    impact: f64,
    role: f64,
    recency: f64,
}

impl Scored {
    fn contribution(&self) -> f64 {
        self.relevance * self.impact * self.role * self.recency
    }
}

/// Ranks researchers for `query`, reading facts straight from SQLite.
pub fn rank(
    conn: &Connection,
    index: &TextIndex,
    as_of: i32,
    query: &ListQuery,
) -> Result<ListResult> {
    rank_with(conn, index, &mut SqlFacts::new(conn)?, as_of, query)
}

/// Ranks researchers for `query` with facts from `facts`.
pub fn rank_with(
    conn: &Connection,
    index: &TextIndex,
    facts: &mut dyn FactSource,
    as_of: i32,
    query: &ListQuery,
) -> Result<ListResult> {
    let started = Instant::now();
    let mut options = query.relevance;
    options.max_works = options.max_works.min(query.candidate_papers);
    let found = index.relevant(&query.topic, query.since, &options)?;
    if found.terms.is_empty() {
        return Err(RankError::EmptyTopic(query.topic.clone()));
    }

    let mut acc: HashMap<i64, (f64, Vec<Scored>)> = HashMap::default();
    let mut matching = 0usize;
    let mut authors = Vec::new();
    let mut seen: Vec<i64> = Vec::new();
    for Hit { work_id, score } in found.hits {
        let relevance = f64::from(score);
        let Some(paper) = facts.paper(work_id)? else {
            continue;
        };
        matching += 1;
        let f = query.factors;
        let impact = if f.impact {
            impact(paper.citations, paper.cohort_mean, None) * paper.status_factor
        } else {
            1.0
        };
        let recency = if f.recency {
            recency(paper.year, as_of)
        } else {
            1.0
        };
        facts.authors(work_id, &mut authors)?;
        authors.sort_unstable();
        seen.clear();
        for &(position, researcher) in &authors {
            // The same person listed twice on a paper counts once, at the better position.
            if seen.contains(&researcher) {
                continue;
            }
            seen.push(researcher);
            let scored = Scored {
                work_id,
                paper,
                position,
                relevance,
                impact,
                role: if f.role {
                    role(position, paper.n_authors)
                } else {
                    1.0
                },
                recency,
            };
            let entry = acc.entry(researcher).or_insert_with(|| (0.0, Vec::new()));
            match entry
                .1
                .iter_mut()
                .find(|s| s.paper.title_key == paper.title_key)
            {
                Some(existing) if existing.contribution() >= scored.contribution() => {}
                Some(existing) => {
                    entry.0 += scored.contribution() - existing.contribution();
                    *existing = scored;
                }
                None => {
                    entry.0 += scored.contribution();
                    entry.1.push(scored);
                }
            }
        }
    }
    let candidates = acc.len();
    let mut order: Vec<(i64, f64)> = acc.iter().map(|(&id, (s, _))| (id, *s)).collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));

    let country = query.country.as_ref().map(|c| c.to_ascii_uppercase());
    let org = query.org.as_ref().map(|o| scout_corpus::names::fold(o));
    let mut rows = Vec::new();
    for (id, score) in order {
        if rows.len() >= query.limit {
            break;
        }
        let Some(researcher) = researchers::by_id(conn, id)? else {
            continue;
        };
        let stage = researcher.stage(as_of);
        if let Some(want) = &org {
            let have = researcher
                .current_org
                .as_deref()
                .map(scout_corpus::names::fold)
                .unwrap_or_default();
            if !have.contains(want.as_str()) {
                continue;
            }
        }
        if let Some(t) = query.org_type
            && researcher.current_org_type.as_deref() != Some(t.as_str())
        {
            continue;
        }
        if let Some(c) = &country
            && researcher.current_country.as_deref() != Some(c.as_str())
        {
            continue;
        }
        if query.stage.is_some() && stage != query.stage {
            continue;
        }
        let Some((_, mut scored)) = acc.remove(&id) else {
            continue;
        };
        let papers = scored.len();
        scored.sort_by(|a, b| {
            b.contribution()
                .total_cmp(&a.contribution())
                .then(a.work_id.cmp(&b.work_id))
        });
        scored.truncate(query.explain_papers);
        let mut top_papers = Vec::with_capacity(scored.len());
        for s in scored {
            let (work_key, title, venue, status): (String, String, Option<String>, Option<String>) =
                conn.prepare_cached("SELECT key, title, venue, status FROM works WHERE id = ?1")?
                    .query_row([s.work_id], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                    })?;
            top_papers.push(Contribution {
                work_id: s.work_id,
                work_key,
                title,
                year: s.paper.year,
                venue,
                status,
                citations: s.paper.citations,
                cohort_mean_citations: s.paper.cohort_mean,
                position: s.position + 1,
                n_authors: s.paper.n_authors,
                relevance: s.relevance,
                impact: s.impact,
                role: s.role,
                recency: s.recency,
                contribution: s.contribution(),
            });
        }
        rows.push(ListRow {
            rank: rows.len() + 1,
            researcher,
            stage,
            score,
            papers,
            top_papers,
        });
    }
    Ok(ListResult {
        topic: query.topic.clone(),
        as_of_year: as_of,
        matching_papers: matching,
        candidates,
        reason: (matching == 0).then(|| {
            format!(
                "no paper in the corpus matches {:?}{}",
                query.topic,
                query.since.map_or(String::new(), |y| format!(" since {y}"))
            )
        }),
        expansions: found.expansions,
        rows,
        milliseconds: started.elapsed().as_secs_f64() * 1000.0,
    })
}

fn load_cohorts(conn: &Connection) -> Result<HashMap<(String, i32), f64>> {
    let mut out = HashMap::default();
    let mut stmt = conn.prepare_cached(
        "SELECT venue, year, mean_citations FROM cohorts WHERE mean_citations IS NOT NULL",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i32>(1)?,
            r.get::<_, f64>(2)?,
        ))
    })?;
    for row in rows {
        let (venue, year, mean) = row?;
        out.insert((venue, year), mean);
    }
    Ok(out)
}

/// Citations relative to the paper's venue-year cohort, damped by a logarithm; not-accepted
/// submissions count a quarter, orals and spotlights a little more.
pub fn impact(citations: Option<i64>, cohort_mean: Option<f64>, status: Option<&str>) -> f64 {
    let base = match citations {
        Some(c) => {
            let mean = cohort_mean.filter(|m| *m > 0.0).unwrap_or(1.0);
            1.0 + (1.0 + c.max(0) as f64 / mean).ln()
        }
        None => 1.0,
    };
    base * status_factor(status)
}

fn title_key(title: &str) -> u64 {
    let fingerprint: String = title
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    xxhash_rust::xxh3::xxh3_64(fingerprint.as_bytes())
}

pub fn status_factor(status: Option<&str>) -> f64 {
    let s = status.map(str::to_ascii_lowercase).unwrap_or_default();
    if s.contains("reject") || s.contains("withdraw") {
        0.25
    } else if s.contains("workshop") {
        0.5
    } else if s.contains("oral") || s.contains("spotlight") || s.contains("best paper") {
        1.15
    } else {
        1.0
    }
}

/// Weight of an author position (0-based) among `n` authors.
pub fn role(position: i64, n: i64) -> f64 {
    if position == 0 || n <= 1 {
        1.0
    } else if position == n - 1 {
        0.8
    } else if n <= 5 {
        0.5
    } else if n <= 12 {
        0.3
    } else {
        0.15
    }
}

pub fn recency(year: Option<i32>, as_of: i32) -> f64 {
    match year {
        Some(y) => 0.5_f64.powf(f64::from((as_of - y).max(0)) / RECENCY_HALF_LIFE),
        None => 0.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors_behave() {
        assert_eq!(role(0, 5), 1.0);
        assert_eq!(role(4, 5), 0.8);
        assert_eq!(role(2, 5), 0.5);
        assert_eq!(role(2, 30), 0.15);
        assert_eq!(role(0, 1), 1.0);
        assert!((recency(Some(2024), 2024) - 1.0).abs() < 1e-12);
        assert!((recency(Some(2019), 2024) - 0.5).abs() < 1e-12);
        assert_eq!(impact(None, Some(10.0), None), 1.0);
        // At the cohort mean: 1 + ln 2.
        assert!((impact(Some(10), Some(10.0), None) - (1.0 + 2f64.ln())).abs() < 1e-12);
        assert!(impact(Some(100), Some(10.0), None) > impact(Some(10), Some(10.0), None));
        assert_eq!(impact(None, None, Some("Reject")), 0.25);
        assert_eq!(status_factor(Some("Workshop")), 0.5);
        assert_eq!(status_factor(Some("Oral")), 1.15);
        assert_eq!(
            title_key("Attention Is All You Need"),
            title_key("attention is all you need.")
        );
    }
}
