//! The List: researchers ranked for a free-text topic.
//!
//! A researcher's score is the sum of per-paper contributions over the papers that match the
//! topic:
//!
//! ```text
//! contribution = relevance × impact × role × recency
//! relevance = BM25 and semantic similarity combined, relative to the best paper  ∈ (0, 1]
//!             (scout_corpus::relevance; every paper above the floor counts)
//! impact    = ((1 + r) / 2)^0.5 × status     r = citations / mean of the same measure in the
//!             venue-year, or its estimate where no count exists (`work_impact`, see impact.rs);
//!             status: 0.5 workshop, 1.15 oral or spotlight, else 1
//! role      = 1.0 first or sole author, 0.8 last, 0.5 any middle position
//! recency   = 0.5 ^ ((as-of year − year) / 5)
//! ```
//!
//! Rejected and withdrawn submissions are left out unless `include_rejected` (then × 0.25).
//! The impact and role shapes are [`Shape`]s (`Shape::BEFORE` is the List before issue 12).
//! A paper listed twice (workshop and main track, two venues) counts once per researcher.
//! Every factor is kept, so each score can be explained by the papers behind it.

use std::time::Instant;

use rustc_hash::FxHashMap as HashMap;
use scout_corpus::orgs::OrgType;
use scout_corpus::researchers::{self, CareerStage, Researcher};
use scout_corpus::rusqlite::Connection;
use scout_corpus::venue_fields;
use scout_corpus::{Hit, RelevanceOptions, Relevant, TextIndex};
use serde::Serialize;

use crate::error::{RankError, Result};
pub use crate::facts::{FactSource, ModelFacts, PaperFacts, RankModel, SqlFacts};
use crate::field_sums::SummedField;
use crate::impact::Shape;
pub use crate::impact::{recency, status_factor};
use crate::scores::{BestFirst, Candidates, Scores};

/// Papers per researcher kept for explanations.
pub const DEFAULT_EXPLAIN_PAPERS: usize = 5;

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
    pub stage: Option<CareerStage>,
    /// The committee's per-candidate stage overrides, by researcher key: they replace the
    /// corpus's estimate for the stage filter and the row.
    pub stage_overrides: HashMap<String, CareerStage>,
    /// Current employers set by the workspace's owners, by researcher key: they replace the
    /// inferred current organisation for the organisation filters and the row.
    pub set_employers: HashMap<String, scout_corpus::employer::SetEmployer>,
    /// Only researchers inferred to have trained at one of these organisations.
    pub trained_at: crate::org_filter::OrgMatcher,
    /// Only researchers with one of these organisations anywhere in their timeline.
    pub worked_at: crate::org_filter::OrgMatcher,
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
    /// The shape of the impact and role terms.
    pub shape: Shape,
    /// Count rejected and withdrawn submissions (× 0.25); they are left out by default.
    pub include_rejected: bool,
}

/// Switches for the score factors; a factor switched off counts as 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
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
            stage_overrides: HashMap::default(),
            set_employers: HashMap::default(),
            trained_at: crate::org_filter::OrgMatcher::default(),
            worked_at: crate::org_filter::OrgMatcher::default(),
            since: None,
            candidate_papers: usize::MAX,
            relevance: RelevanceOptions::default(),
            explain_papers: DEFAULT_EXPLAIN_PAPERS,
            factors: Factors::default(),
            shape: Shape::default(),
            include_rejected: false,
        }
    }
}

/// The factors of one paper's contribution to one researcher's score.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Contribution {
    pub work_id: i64,
    pub work_key: String,
    pub title: String,
    pub year: Option<i32>,
    pub venue: Option<String>,
    pub status: Option<String>,
    /// The citation count used (a real count; `None` when the impact is estimated).
    pub citations: Option<i64>,
    /// Where the count comes from (`paperlists`, `openalex`, `semantic_scholar`, …).
    pub citation_source: Option<String>,
    /// The count is citations within this many days of publication (`None`: a total).
    pub citation_window_days: Option<i64>,
    /// The typical count of the same measure in the paper's venue and year, the geometric mean
    /// of 1 + count (the impact baseline; the field keeps its name from when it was the mean).
    pub cohort_mean_citations: Option<f64>,
    /// The citations relative to the cohort's typical count, or their estimate.
    pub relative_impact: Option<f64>,
    /// No count exists: the relative impact is estimated, from [`Contribution::impact_basis`].
    pub impact_estimated: bool,
    pub impact_basis: Option<String>,
    /// 1-based author position and the number of authors.
    pub position: i64,
    pub n_authors: i64,
    pub relevance: f64,
    pub impact: f64,
    pub role: f64,
    pub recency: f64,
    pub contribution: f64,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ListRow {
    pub rank: usize,
    pub researcher: Researcher,
    pub stage: Option<CareerStage>,
    pub score: f64,
    /// Papers that contributed.
    pub papers: usize,
    /// The papers contributing most, with their factors.
    pub top_papers: Vec<Contribution>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ListResult {
    pub topic: String,
    pub as_of_year: i32,
    pub matching_papers: usize,
    pub candidates: usize,
    /// Acronyms or long forms learned from the corpus that were asked for too.
    pub expansions: Vec<String>,
    /// The topic names a research field: the venues standing for it, whose papers all count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<FieldVenues>,
    /// Why the List is empty, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub rows: Vec<ListRow>,
    pub milliseconds: f64,
}

/// A topic that names a research field ("computer vision") counts every paper of the venues
/// that stand for it (`scout_corpus::venue_fields`), with at least this relevance.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FieldVenues {
    /// Full names of the venues standing for the field.
    pub venues: Vec<String>,
    /// Their papers (from the query's year on).
    pub papers: usize,
    /// The least relevance each of those papers counts with.
    pub relevance: f64,
}

/// One scored paper of one researcher, before titles are looked up.
#[derive(Clone, Copy)]
pub(crate) struct Scored {
    work_id: i64,
    pub(crate) paper: PaperFacts,
    position: i64,
    relevance: f64,
    impact: f64,
    role: f64,
    recency: f64,
}

impl Scored {
    pub(crate) fn contribution(&self) -> f64 {
        self.relevance * self.impact * self.role * self.recency
    }

    /// Adds this paper to a researcher's `list`, where a paper of the same title counts once, at
    /// its best contribution (on a tie, the one whose key hashes lower: the same paper whichever
    /// was met first).
    pub(crate) fn keep_once_per_title(self, list: &mut Vec<Scored>) {
        match list
            .iter_mut()
            .find(|s| s.paper.title_key == self.paper.title_key)
        {
            Some(existing) if Self::better(existing, &self) => {}
            Some(existing) => *existing = self,
            None => list.push(self),
        }
    }

    /// `a` goes before `b` among a researcher's papers: the larger contribution, then the lower
    /// key hash (not the work id, which depends on how the works were numbered).
    pub(crate) fn better(a: &Scored, b: &Scored) -> bool {
        Self::order(a, b) != std::cmp::Ordering::Greater
    }

    /// The order of a researcher's papers: contribution descending, then key hash.
    pub(crate) fn order(a: &Scored, b: &Scored) -> std::cmp::Ordering {
        b.contribution()
            .total_cmp(&a.contribution())
            .then(a.paper.key_hash.cmp(&b.paper.key_hash))
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

/// The factors of one paper that do not depend on the author.
pub(crate) struct PaperScore {
    work_id: i64,
    paper: PaperFacts,
    relevance: f64,
    impact: f64,
    recency: f64,
}

impl PaperScore {
    pub(crate) fn new(query: &ListQuery, as_of: i32, hit: &Hit, paper: PaperFacts) -> PaperScore {
        let f = query.factors;
        let impact = if f.impact {
            crate::field_sums::paper_impact(&query.shape, &paper)
        } else {
            1.0
        };
        PaperScore {
            work_id: hit.work_id,
            paper,
            relevance: f64::from(hit.score),
            impact,
            recency: Self::recency_of(query, as_of, paper.year),
        }
    }

    /// The recency factor of a paper from `year` (1 when the factor is off).
    pub(crate) fn recency_of(query: &ListQuery, as_of: i32, year: Option<i32>) -> f64 {
        if query.factors.recency {
            recency(year, as_of, query.shape.recency_half_life)
        } else {
            1.0
        }
    }

    /// The paper scored for the author at 0-based `position`.
    pub(crate) fn scored(&self, query: &ListQuery, position: i64) -> Scored {
        Scored {
            work_id: self.work_id,
            paper: self.paper,
            position,
            relevance: self.relevance,
            impact: self.impact,
            role: if query.factors.role {
                query.shape.role.weight(position, self.paper.n_authors)
            } else {
                1.0
            },
            recency: self.recency,
        }
    }
}

/// The scored papers of each accepted researcher (a paper listed twice counts once, at its
/// best contribution), found by a second pass over the matching papers.
fn papers_behind(
    facts: &mut dyn FactSource,
    hits: &[Hit],
    query: &ListQuery,
    as_of: i32,
    researchers: &[i64],
) -> Result<HashMap<i64, Vec<Scored>>> {
    let mut out: HashMap<i64, Vec<Scored>> =
        researchers.iter().map(|&id| (id, Vec::new())).collect();
    if out.is_empty() {
        return Ok(out);
    }
    // Every matching paper's authors are tested against the accepted researchers: a bit per
    // researcher id when the fact source knows their number (millions of tests for a broad
    // field at 1M works), else the map.
    let wanted: Option<Vec<u64>> = facts.researcher_bound().map(|n| {
        let mut bits = vec![0u64; n.div_ceil(64)];
        for &id in researchers {
            if let Some(word) = usize::try_from(id).ok().and_then(|i| bits.get_mut(i / 64)) {
                *word |= 1 << (id % 64);
            }
        }
        bits
    });
    let mut authors = Vec::new();
    let mut seen: Vec<i64> = Vec::new();
    for hit in hits {
        facts.authors(hit.work_id, &mut authors)?;
        let any_wanted = match &wanted {
            Some(bits) => authors.iter().any(|&(_, r)| {
                usize::try_from(r)
                    .ok()
                    .and_then(|i| bits.get(i / 64))
                    .is_some_and(|word| word & (1 << (r % 64)) != 0)
            }),
            None => authors.iter().any(|(_, r)| out.contains_key(r)),
        };
        if !any_wanted {
            continue;
        }
        let Some(paper) = facts.paper(hit.work_id)? else {
            continue;
        };
        if paper.rejected && !query.include_rejected {
            continue;
        }
        let base = PaperScore::new(query, as_of, hit, paper);
        authors.sort_unstable();
        seen.clear();
        for &(position, researcher) in &authors {
            if seen.contains(&researcher) {
                continue;
            }
            seen.push(researcher);
            let Some(list) = out.get_mut(&researcher) else {
                continue;
            };
            base.scored(query, position).keep_once_per_title(list);
        }
    }
    Ok(out)
}

/// The scored papers of each of `researchers` for a summed field topic, `text` the topic's text
/// matches: what [`papers_behind`] finds, read from each researcher's own
/// works. The papers are taken in the order that pass meets them (text matches by rank, then the
/// field's other papers by id), so that of two papers with one title and equal contributions
/// the same one is kept.
fn papers_behind_summed(
    model: &RankModel,
    text: &[Hit],
    field: &SummedField,
    query: &ListQuery,
    as_of: i32,
    researchers: &[i64],
) -> HashMap<i64, Vec<Scored>> {
    let rank_of: HashMap<i64, usize> = text
        .iter()
        .enumerate()
        .map(|(i, h)| (h.work_id, i))
        .collect();
    let mut out: HashMap<i64, Vec<Scored>> = HashMap::default();
    let mut mine: Vec<((bool, i64), Hit)> = Vec::new();
    for &researcher in researchers {
        mine.clear();
        for &work in model.field_sums.works_of(researcher) {
            let work_id = i64::from(work);
            let in_field = model.in_field(work_id, &field.venues, query.since);
            match rank_of.get(&work_id) {
                Some(&i) => {
                    let score = if in_field {
                        text[i].score.max(field.least)
                    } else {
                        text[i].score
                    };
                    mine.push(((false, i as i64), Hit { work_id, score }));
                }
                None if in_field => mine.push((
                    (true, work_id),
                    Hit {
                        work_id,
                        score: field.least,
                    },
                )),
                None => {}
            }
        }
        mine.sort_unstable_by_key(|&(order, _)| order);
        let mut list: Vec<Scored> = Vec::new();
        for (_, hit) in &mine {
            let Some(paper) = model.paper(hit.work_id) else {
                continue;
            };
            if paper.rejected && !query.include_rejected {
                continue;
            }
            let Some(position) = model.position_of(hit.work_id, researcher) else {
                continue;
            };
            PaperScore::new(query, as_of, hit, paper)
                .scored(query, position)
                .keep_once_per_title(&mut list);
        }
        out.insert(researcher, list);
    }
    out
}

/// Pass 1's running state: the scores, and what scoring one paper needs between papers.
struct Pass1 {
    scores: Scores,
    /// The best contribution (in summing units) per researcher of a paper whose title other
    /// works share.
    twin_best: HashMap<(i64, u64), i64>,
    authors: Vec<(i64, i64)>,
    seen: Vec<i64>,
}

impl Pass1 {
    /// Adds one paper's contributions, `base` its factors, to its authors' scores.
    fn paper(
        &mut self,
        facts: &mut dyn FactSource,
        query: &ListQuery,
        base: &PaperScore,
    ) -> Result<()> {
        let paper = base.paper;
        facts.authors(base.work_id, &mut self.authors)?;
        self.authors.sort_unstable();
        self.seen.clear();
        for &(position, researcher) in &self.authors {
            // The same person listed twice on a paper counts once, at the better position.
            if self.seen.contains(&researcher) {
                continue;
            }
            self.seen.push(researcher);
            let c = base.scored(query, position).contribution();
            if !paper.twin {
                self.scores.add(researcher, c);
                continue;
            }
            // The title counts once, at its best: what a better twin adds is taken in summing
            // units, so the researcher's sum is the best one's units whichever came first.
            let units = crate::scores::to_units(c);
            match self.twin_best.entry((researcher, paper.title_key)) {
                std::collections::hash_map::Entry::Occupied(mut best) => {
                    let gain = (units - best.get()).max(0);
                    if units > *best.get() {
                        best.insert(units);
                    }
                    self.scores.add_units(researcher, gain);
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    self.scores.add_units(researcher, units);
                    slot.insert(units);
                }
            }
        }
        Ok(())
    }
}

/// Ranks researchers for `query` with facts from `facts`.
pub fn rank_with(
    conn: &Connection,
    index: &TextIndex,
    facts: &mut dyn FactSource,
    as_of: i32,
    query: &ListQuery,
) -> Result<ListResult> {
    // A field topic's papers come from the model's sums (`field_sums.rs`) for the shape and
    // factors they hold, without rejected submissions or a cap on matching papers.
    if let Some(model) = facts.model()
        && query.shape == *model.field_sums.shape()
        && query.factors.impact
        && query.factors.role
        && !query.include_rejected
        && query.candidate_papers == usize::MAX
        && query.relevance.max_works == usize::MAX
    {
        return rank_in(conn, index, &mut model.facts(), Some(model), as_of, query);
    }
    rank_in(conn, index, facts, None, as_of, query)
}

/// [`rank_with`]; `model` (the model behind `facts`, when the query can use its sums) scores a
/// field topic's venue papers from the sums (`field_sums.rs`).
fn rank_in(
    conn: &Connection,
    index: &TextIndex,
    facts: &mut dyn FactSource,
    model: Option<&RankModel>,
    as_of: i32,
    query: &ListQuery,
) -> Result<ListResult> {
    let started = Instant::now();
    let (found, field, summed) = relevant_works(index, facts, model, query)?;
    let relevance_time = started.elapsed();

    // Pass 1: every researcher's score. Only a score per researcher is kept here (a broad topic
    // at 1M works has hundreds of thousands of matching papers); the papers behind the scores
    // are gathered in pass 2 for the researchers that make the List.
    let mut pass = Pass1 {
        scores: Scores::new(facts.researcher_bound()),
        twin_best: HashMap::default(),
        authors: Vec::new(),
        seen: Vec::new(),
    };
    let mut matching = 0usize;
    // Text matches that are also field papers, when the field is summed.
    let mut text_in_field: Vec<i64> = Vec::new();
    // In work order: each work's facts and authors are then read in address order, not at
    // random (the sums are exact, so the order cannot change a score).
    let mut in_work_order: Vec<&Hit> = found.hits.iter().collect();
    in_work_order.sort_unstable_by_key(|hit| hit.work_id);
    for hit in in_work_order {
        let Some(paper) = facts.paper(hit.work_id)? else {
            continue;
        };
        if paper.rejected && !query.include_rejected {
            continue;
        }
        matching += 1;
        let mut base = PaperScore::new(query, as_of, hit, paper);
        if let (Some(f), Some(model)) = (&summed, model)
            && model.in_field(hit.work_id, &f.venues, query.since)
        {
            // The sum holds this paper at the field's relevance: here only what the text adds
            // (all of it for a twin, which the sums leave out).
            text_in_field.push(hit.work_id);
            let relevance = f64::from(hit.score.max(f.least));
            base.relevance = if paper.twin {
                relevance
            } else {
                relevance - f64::from(f.least)
            };
        }
        pass.paper(facts, query, &base)?;
    }
    let mut totals = None;
    if let (Some(f), Some(model)) = (&summed, model) {
        let mut twins = Vec::new();
        totals = model
            .field_sums
            .totals_for(f, as_of)
            .filter(|_| query.since.is_none() && query.factors.recency);
        let added = if totals.is_some() {
            // Added to the candidates' scores below, from the totals.
            model
                .field_sums
                .twins(&f.venues, query.since, |work| twins.push(work))
        } else {
            let scores = &mut pass.scores;
            model.field_sums.add_field(
                &f.venues,
                query.since,
                f64::from(f.least),
                |year| PaperScore::recency_of(query, as_of, year),
                |researcher, c| scores.add(researcher, c),
                |work| twins.push(work),
            )
        };
        matching += added.counted - text_in_field.len();
        text_in_field.sort_unstable();
        for work_id in twins {
            if text_in_field.binary_search(&work_id).is_ok() {
                continue;
            }
            let Some(paper) = facts.paper(work_id)? else {
                continue;
            };
            let hit = Hit {
                work_id,
                score: f.least,
            };
            pass.paper(facts, query, &PaperScore::new(query, as_of, &hit, paper))?;
        }
    }
    let scores = pass.scores.into_vec();
    let summed_time = started.elapsed();
    let (candidates, mut order) = match totals {
        Some(totals) => Candidates::merged(scores, totals, query.limit),
        None => (
            scores.len(),
            Candidates::Plain(BestFirst::new(scores, query.limit)),
        ),
    };

    let country = query.country.as_ref().map(|c| c.to_ascii_uppercase());
    let org = query.org.as_ref().map(|o| scout_corpus::names::fold(o));
    let registry = scout_corpus::organisations::OrgRegistry::builtin();
    let mut accepted: Vec<(Researcher, Option<CareerStage>, f64)> = Vec::new();
    while accepted.len() < query.limit {
        let Some((id, score)) = order.next() else {
            break;
        };
        let Some(mut researcher) = researchers::by_id(conn, id)? else {
            continue;
        };
        if let Some(set) = query.set_employers.get(&researcher.key) {
            scout_corpus::employer::apply(conn, &registry, &mut researcher, set)?;
        }
        let stage = query
            .stage_overrides
            .get(&researcher.key)
            .copied()
            .or_else(|| researcher.stage(as_of));
        if !query.trained_at.is_empty()
            && !researcher
                .trained_at
                .as_deref()
                .is_some_and(|t| query.trained_at.matches(&registry, t))
        {
            continue;
        }
        if !query.worked_at.is_empty()
            && !crate::org_filter::timeline_orgs(conn, researcher.id)?
                .iter()
                .any(|o| query.worked_at.matches(&registry, o))
        {
            continue;
        }
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
        accepted.push((researcher, stage, score));
    }

    let accepted_time = started.elapsed();
    // Pass 2: the papers behind the accepted researchers' scores.
    let ids: Vec<i64> = accepted.iter().map(|(r, _, _)| r.id).collect();
    let mut behind = match (&summed, model) {
        (Some(f), Some(model)) => papers_behind_summed(model, &found.hits, f, query, as_of, &ids),
        _ => papers_behind(facts, &found.hits, query, as_of, &ids)?,
    };
    let mut rows = Vec::with_capacity(accepted.len());
    for (researcher, stage, score) in accepted {
        let mut scored = behind.remove(&researcher.id).unwrap_or_default();
        let papers = scored.len();
        scored.sort_by(Scored::order);
        scored.truncate(query.explain_papers);
        let top_papers = scored
            .into_iter()
            .map(|s| contribution(conn, s))
            .collect::<Result<Vec<_>>>()?;
        rows.push(ListRow {
            rank: rows.len() + 1,
            researcher,
            stage,
            score,
            papers,
            top_papers,
        });
    }
    tracing::debug!(
        relevance = ?relevance_time,
        summed = ?(summed_time - relevance_time),
        accepted = ?(accepted_time - summed_time),
        papers_behind = ?(started.elapsed() - accepted_time),
        hits = found.hits.len(),
        "list",
    );
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
        field,
        rows,
        milliseconds: started.elapsed().as_secs_f64() * 1000.0,
    })
}

/// The works relevant to the query's topic: the index's text relevance, and, when the topic names
/// a research field, every paper of the venues standing for it with at least
/// [`RelevanceOptions::field_relevance`].
fn relevant_works(
    index: &TextIndex,
    facts: &mut dyn FactSource,
    model: Option<&RankModel>,
    query: &ListQuery,
) -> Result<(Relevant, Option<FieldVenues>, Option<SummedField>)> {
    let mut options = query.relevance;
    options.max_works = options.max_works.min(query.candidate_papers);
    let mut found = index.relevant(&query.topic, query.since, &options)?;
    if found.terms.is_empty() {
        return Err(RankError::EmptyTopic(query.topic.clone()));
    }
    let least = options.field_relevance.clamp(0.0, 1.0);
    if least <= 0.0 {
        return Ok((found, None, None));
    }
    if let Some(model) = model {
        // The field's papers stay in the model's sums: only their venues and number here.
        let named = named_field(&query.topic, &found, |name| {
            let (venues, mask) = model.field_venues(name);
            let papers = model.field_sums.papers(&mask, query.since);
            Ok(((venues, mask), papers))
        })?;
        let Some(((venues, mask), papers)) = named else {
            return Ok((found, None, None));
        };
        let summed = SummedField {
            venues: mask,
            least: least as f32,
        };
        let field = field_venues(&venues, papers, least);
        return Ok((found, Some(field), Some(summed)));
    }
    let named = named_field(&query.topic, &found, |name| {
        let mut works = Vec::new();
        let venues = facts.field_works(name, query.since, &mut works)?;
        let papers = works.len();
        Ok(((venues, works), papers))
    })?;
    let Some(((venues, works), papers)) = named else {
        return Ok((found, None, None));
    };
    let at: HashMap<i64, usize> = found
        .hits
        .iter()
        .enumerate()
        .map(|(i, h)| (h.work_id, i))
        .collect();
    for &work_id in &works {
        match at.get(&work_id) {
            Some(&i) => found.hits[i].score = found.hits[i].score.max(least as f32),
            None => found.hits.push(Hit {
                work_id,
                score: least as f32,
            }),
        }
    }
    // Only a cap needs the field's papers in order among the text hits: scores do not depend
    // on the order (hundreds of thousands of papers for a broad field).
    if found.hits.len() > options.max_works {
        let by_relevance =
            |a: &Hit, b: &Hit| b.score.total_cmp(&a.score).then(a.work_id.cmp(&b.work_id));
        found
            .hits
            .select_nth_unstable_by(options.max_works, by_relevance);
        found.hits.truncate(options.max_works);
        found.hits.sort_by(by_relevance);
    }
    Ok((found, Some(field_venues(&venues, papers, least)), None))
}

/// The field `topic` names, or for a one-word topic (an acronym) the field one of its long forms
/// names ("NLP": natural language processing); `lookup` gives a name's field and how many papers
/// it holds (none: not a field here).
fn named_field<T>(
    topic: &str,
    found: &Relevant,
    mut lookup: impl FnMut(&str) -> Result<(T, usize)>,
) -> Result<Option<(T, usize)>> {
    let (mut field, mut papers) = lookup(topic)?;
    if papers == 0 && found.terms.len() == 1 {
        for long in &found.expansions {
            (field, papers) = lookup(long)?;
            if papers > 0 {
                break;
            }
        }
    }
    Ok((papers > 0).then_some((field, papers)))
}

/// What the List reports of a field topic: its venues (stored names) by full name.
fn field_venues(venues: &[String], papers: usize, relevance: f64) -> FieldVenues {
    FieldVenues {
        venues: venues
            .iter()
            .map(|v| venue_fields::display_name(v).to_string())
            .collect(),
        papers,
        relevance,
    }
}

/// A scored paper with its labels and impact provenance, for an explanation.
fn contribution(conn: &Connection, s: Scored) -> Result<Contribution> {
    let (work_key, title, venue, status) = paper_labels(conn, s.work_id)?;
    let known = crate::impact::impact_source(conn, s.work_id)?;
    Ok(Contribution {
        work_id: s.work_id,
        work_key,
        title,
        year: s.paper.year,
        venue,
        status,
        citations: known.count,
        citation_source: known.source,
        citation_window_days: known.window_days,
        cohort_mean_citations: known.cohort_mean,
        relative_impact: s.paper.relative,
        impact_estimated: known.estimated,
        impact_basis: known
            .estimated
            .then(|| scout_corpus::impact::ESTIMATE_BASIS.to_string()),
        position: s.position + 1,
        n_authors: s.paper.n_authors,
        relevance: s.relevance,
        impact: s.impact,
        role: s.role,
        recency: s.recency,
        contribution: s.contribution(),
    })
}

/// Every paper the List counts for `query`'s topic for each of `researchers` (by id, whatever
/// their rank and the query's filters), best contribution first: the explanation the List
/// would give for them. A researcher with no matching paper gets an empty list.
pub fn explain_researchers(
    conn: &Connection,
    index: &TextIndex,
    facts: &mut dyn FactSource,
    as_of: i32,
    query: &ListQuery,
    researchers: &[i64],
) -> Result<HashMap<i64, Vec<Contribution>>> {
    let (found, _, _) = relevant_works(index, facts, None, query)?;
    let behind = papers_behind(facts, &found.hits, query, as_of, researchers)?;
    let mut out = HashMap::default();
    for (id, mut scored) in behind {
        scored.sort_by(Scored::order);
        let papers = scored
            .into_iter()
            .map(|s| contribution(conn, s))
            .collect::<Result<Vec<_>>>()?;
        out.insert(id, papers);
    }
    Ok(out)
}

type Labels = (String, String, Option<String>, Option<String>);

fn paper_labels(conn: &Connection, work_id: i64) -> Result<Labels> {
    Ok(conn
        .prepare_cached("SELECT key, title, venue, status FROM works WHERE id = ?1")?
        .query_row([work_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?)
}
