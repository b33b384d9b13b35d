//! Career stage robust to the corpus's coverage.
//!
//! The stage is read from years since the first paper (early ≤ 6, mid 7–12, senior > 12), but a
//! venue's first year in the corpus censors its authors' first year: ACL before 2021 is not in
//! `paperlists`, so a professor whose first paper here is ACL 2021 looks like a newcomer. A
//! first year is *censored* when a paper of the researcher's first two years sits in a venue
//! whose coverage began at most one year before it, when a quarter of their papers are in
//! venues covered only from their first year on, or when they entered the corpus as the last
//! author of most of their multi-author papers. A censored history gets "at least" and is
//! raised by what the corpus still shows about seniority: the share of multi-author papers
//! with the researcher as last author (the supervisor's position), the papers per year, and —
//! when an OpenAlex profile exists — a works count far above what the corpus holds. With three
//! papers or more, a model learned at refresh (`model.rs`: positions, output and co-author
//! seniority, fitted on well-covered researchers with their early years hidden) replaces those
//! thresholds.

pub mod model;
mod paper;
mod works;

pub use paper::{CareerPaper, PaperMap};
pub use works::WorkFacts;

use rusqlite::{Connection, Transaction, params};
use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;

use crate::error::Result;
use crate::researchers::CareerStage;

/// The stage with how it was reached.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageEstimate {
    pub stage: CareerStage,
    /// The first year is censored: the true stage may be later than this.
    pub at_least: bool,
    /// The evidence in words.
    pub basis: String,
}

/// Thresholds of the censored-history estimate (tuned on the tuning half of the censoring
/// test, `scout eval stage`).
#[derive(Debug, Clone, Copy)]
pub struct StageRules {
    /// Multi-author papers (≥ 3 authors) needed before the last-author share is read.
    pub min_multi_author: usize,
    /// Last-author share that marks a senior researcher.
    pub senior_last_share: f64,
    /// Last-author share that marks at least a mid-career researcher.
    pub mid_last_share: f64,
    /// Papers per observed year that mark at least mid career.
    pub mid_papers_per_year: f64,
    /// Papers per observed year that, with `mid_last_share`, mark a senior researcher.
    pub senior_papers_per_year: f64,
    /// Papers needed before the learned model's stage is used.
    pub model_min_papers: usize,
    /// Papers left after the cut that a training example needs.
    pub model_training_min_papers: usize,
    /// Also raise an uncensored history's stage when the model reads a later one.
    pub model_uncensored: bool,
    /// Weight of the model's senior probability (`StageModel::predict`).
    pub model_senior_weight: f64,
    /// Take the later of the model's stage and the thresholds' (else the model's alone).
    pub model_or_rules: bool,
    /// The stage at least of a short history that only ever shows a supervisor
    /// ([`supervisor_only`]); `None` leaves such histories to the thresholds.
    pub supervisor_only_stage: Option<CareerStage>,
}

impl Default for StageRules {
    fn default() -> Self {
        // The thresholds: the best of a grid on the tuning half of the censoring test; the model's
        // options: the best balance of that test and the senior Scholar profiles on the tuning
        // half (`scout eval facts --tune`, docs/quality.md stop 22; chosen again in stop 51 for
        // the model fitted to its minimum: its stage alone, senior probability × 3; in stop 52
        // with the supervisor-only rule, which keeps the seniors without the × 3).
        StageRules {
            min_multi_author: 2,
            senior_last_share: 0.3,
            mid_last_share: 0.1,
            mid_papers_per_year: 2.0,
            senior_papers_per_year: 3.0,
            model_min_papers: 3,
            model_training_min_papers: 3,
            model_uncensored: true,
            model_senior_weight: 1.0,
            model_or_rules: false,
            supervisor_only_stage: Some(CareerStage::Senior),
        }
    }
}

/// Histories of at most this many papers are read by [`supervisor_only`]; longer ones by the
/// learned model and [`is_censored`]'s entry rule.
pub const SUPERVISOR_ONLY_MAX_PAPERS: usize = 2;

/// Whether a short history (at most [`SUPERVISOR_ONLY_MAX_PAPERS`] papers) only ever shows a
/// supervisor: the last author of every paper with three authors or more (and of one at least),
/// the first author of none with two or more. Read on paperlists, such researchers are
/// professors and lab heads whose own first papers are in other venues, not newcomers; in the
/// censoring test's sample 85–87 % of them are mid-career or senior (docs/quality.md).
pub fn supervisor_only(papers: &[CareerPaper]) -> bool {
    papers.len() <= SUPERVISOR_ONLY_MAX_PAPERS
        && papers.iter().any(|p| p.n_authors >= 3)
        && papers.iter().all(|p| {
            (p.n_authors < 3 || p.position + 1 == p.n_authors)
                && !(p.n_authors >= 2 && p.position == 0)
        })
}

/// Whether a history's first year is censored: (a) a paper of the first two years sits where
/// its venue's coverage begins, (b) a quarter or more of the papers are in venues whose coverage
/// began after the first year (earlier papers there would be unseen), or (c) the researcher was
/// already the last author — the supervisor — on most multi-author papers of their first two
/// years here — or, for a short history, the supervisor of every paper ([`supervisor_only`]).
pub fn is_censored(papers: &[CareerPaper]) -> bool {
    if supervisor_only(papers) {
        return true;
    }
    let Some(first) = papers.iter().map(|p| p.year).filter(|y| *y > 0).min() else {
        return false;
    };
    let late_venue = papers
        .iter()
        .filter(|p| p.venue_first_year >= first - 1)
        .count();
    let entry: Vec<&CareerPaper> = papers
        .iter()
        .filter(|p| p.year > 0 && p.year <= first + 1)
        .collect();
    let entry_multi = entry.iter().filter(|p| p.n_authors >= 3).count();
    let entry_last = entry
        .iter()
        .filter(|p| p.n_authors >= 3 && p.position + 1 == p.n_authors)
        .count();
    entry.iter().any(|p| p.venue_first_year >= p.year - 1)
        || 4 * late_venue >= papers.len()
        || (entry_multi >= 2 && 2 * entry_last > entry_multi)
}

/// Estimates the stage from a researcher's papers as of `as_of` (the corpus's latest year).
/// `works_count` is the OpenAlex profile's count, when known; `learned` is the learned model's
/// stage for these papers (`model.rs`), when there is a model.
pub fn estimate(
    papers: &[CareerPaper],
    as_of: i32,
    works_count: Option<i64>,
    rules: &StageRules,
    learned: Option<CareerStage>,
) -> Option<StageEstimate> {
    let first = papers.iter().map(|p| p.year).filter(|y| *y > 0).min()?;
    let base = CareerStage::from_years(as_of - first);
    let censored = is_censored(papers);
    let learned = learned.filter(|_| papers.len() >= rules.model_min_papers);
    if !censored {
        if let Some(stage) = learned.filter(|s| rules.model_uncensored && *s > base) {
            return Some(StageEstimate {
                stage,
                at_least: true,
                basis: format!(
                    "first paper {first}; {} by the stage model (positions, output, co-authors)",
                    stage.as_str()
                ),
            });
        }
        return Some(StageEstimate {
            stage: base,
            at_least: false,
            basis: format!("first paper {first}"),
        });
    }
    let multi: Vec<&CareerPaper> = papers.iter().filter(|p| p.n_authors >= 3).collect();
    let last = multi
        .iter()
        .filter(|p| p.position + 1 == p.n_authors)
        .count();
    let share = if multi.len() >= rules.min_multi_author {
        last as f64 / multi.len() as f64
    } else {
        0.0
    };
    let observed_years = f64::from((as_of - first + 1).max(1));
    let per_year = papers.len() as f64 / observed_years;
    let beyond_corpus = works_count.is_some_and(|w| w >= 4 * papers.len() as i64 && w >= 40);
    let mut signal = CareerStage::Early;
    let mut why: Vec<String> = Vec::new();
    if share >= rules.senior_last_share
        || (share >= rules.mid_last_share && per_year >= rules.senior_papers_per_year)
    {
        signal = CareerStage::Senior;
    } else if share >= rules.mid_last_share || per_year >= rules.mid_papers_per_year {
        signal = CareerStage::Mid;
    }
    if let Some(stage) = rules
        .supervisor_only_stage
        .filter(|_| supervisor_only(papers))
    {
        signal = signal.max(stage);
        why.push(
            "last author of every paper with three authors or more and first author of none: a \
             supervisor whose own first papers are elsewhere"
                .to_string(),
        );
    }
    if let Some(stage) = learned {
        signal = if rules.model_or_rules {
            signal.max(stage)
        } else {
            stage
        };
        why.push(format!(
            "{} by the stage model (positions, output, co-authors)",
            stage.as_str()
        ));
    }
    if multi.len() >= rules.min_multi_author {
        why.push(format!(
            "last author on {last} of {} multi-author papers",
            multi.len()
        ));
    }
    why.push(format!("{per_year:.1} papers a year"));
    if beyond_corpus {
        signal = signal.max(CareerStage::Mid);
        if let Some(w) = works_count {
            why.push(format!("{w} works in OpenAlex"));
        }
    }
    let stage = base.max(signal);
    Some(StageEstimate {
        stage,
        at_least: true,
        basis: format!(
            "first paper {first} is where the corpus's coverage of its venue begins; {}",
            why.join(", ")
        ),
    })
}

/// Every researcher's papers for the stage estimate, with papers before `hide_before` left
/// out (and venue coverage starting no earlier than it), as the censoring test needs.
pub fn load_papers(
    conn: &Connection,
    hide_before: Option<i32>,
) -> Result<HashMap<i64, Vec<CareerPaper>>> {
    load_papers_where(conn, hide_before, "")
}

/// The papers of `researchers` only (the whole corpus still sets each venue's first year).
pub fn load_papers_of(conn: &Connection, researchers: &[i64]) -> Result<PaperMap> {
    fill_temp_ids(conn, researchers)?;
    let papers = load_papers_where(
        conn,
        None,
        "AND ar.researcher_id IN (SELECT id FROM temp.career_ids)",
    );
    conn.execute_batch("DELETE FROM temp.career_ids;")?;
    papers
}

/// Puts `ids` into `temp.career_ids` (emptied first).
fn fill_temp_ids(conn: &Connection, ids: &[i64]) -> Result<()> {
    crate::db::fill_temp_ids(conn, "career_ids", "INTEGER", ids)
}

fn load_papers_where(
    conn: &Connection,
    hide_before: Option<i32>,
    filter: &str,
) -> Result<PaperMap> {
    let cut = hide_before.unwrap_or(i32::MIN);
    let mut venue_first: HashMap<String, i32> = HashMap::default();
    {
        let mut stmt = conn.prepare(
            "SELECT COALESCE(venue, ''), MIN(year) FROM works WHERE year > 0 GROUP BY COALESCE(venue, '')",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let first: i32 = r.get(1)?;
            venue_first.insert(r.get(0)?, first.max(cut));
        }
    }
    let mut out: HashMap<i64, Vec<CareerPaper>> = HashMap::default();
    // The whole corpus is read in work order, both tables sequentially: SQLite's own plan walks
    // the authorships by researcher and looks every work up at random, which once `works`
    // outgrows the caches costs page reads per authorship (docs/scale.md, the 5M run). A few
    // researchers' papers keep that plan: it reads only theirs.
    let from = if filter.is_empty() {
        "works w CROSS JOIN authorship_researcher ar ON ar.work_id = w.id"
    } else {
        "authorship_researcher ar JOIN works w ON w.id = ar.work_id"
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT ar.researcher_id, w.year, COALESCE(w.venue, ''), ar.position, w.n_authors, w.id
         FROM {from} WHERE w.year >= ?1 {filter}"
    ))?;
    let mut rows = stmt.query([cut.max(1)])?;
    while let Some(r) = rows.next()? {
        let venue: String = r.get(2)?;
        let year: i32 = r.get(1)?;
        out.entry(r.get(0)?).or_default().push(CareerPaper {
            work: r.get(5)?,
            year,
            venue_first_year: venue_first.get(&venue).copied().unwrap_or(year),
            position: r.get(3)?,
            n_authors: r.get(4)?,
        });
    }
    paper::sort_papers(&mut out);
    Ok(out)
}

/// `full` as `load_papers(conn, Some(cut))` reads it: papers before `cut` left out, and each
/// venue's coverage starting no earlier than `cut`; researchers with nothing left are absent.
pub fn hidden_view(full: &PaperMap, cut: i32) -> PaperMap {
    let mut out: PaperMap = HashMap::default();
    for (id, papers) in full {
        let kept: Vec<CareerPaper> = papers
            .iter()
            .filter(|p| p.year >= cut.max(1))
            .map(|p| CareerPaper {
                venue_first_year: p.venue_first_year.max(cut),
                ..*p
            })
            .collect();
        if !kept.is_empty() {
            out.insert(*id, kept);
        }
    }
    out
}

/// Cut year of the view the stage model learns from: papers before it are hidden.
pub const TRAINING_CUT: i32 = 2021;

/// The researchers whose stage is known and who look censored in `hidden`: well covered from
/// their first paper (`is_censored` is false on their full history), three papers or more in
/// full and `min_hidden` or more in `hidden`, and chosen by `keep` (a half of the split). Their
/// stage is read from years since their first paper. Sorted by researcher id.
pub fn censoring_sample(
    full: &PaperMap,
    hidden: &PaperMap,
    as_of: i32,
    min_hidden: usize,
    keep: impl Fn(i64) -> bool,
) -> Vec<(i64, CareerStage)> {
    let mut ids: Vec<i64> = hidden.keys().copied().filter(|id| keep(*id)).collect();
    ids.sort_unstable();
    ids.into_iter()
        .filter_map(|id| {
            let all = full.get(&id)?;
            let first = all.iter().map(|p| p.year).filter(|y| *y > 0).min()?;
            (!is_censored(all) && all.len() >= 3 && hidden[&id].len() >= min_hidden.max(1))
                .then(|| (id, CareerStage::from_years(as_of - first)))
        })
        .collect()
}

/// Fits the stage model on the censoring sample of `full` (everything before `TRAINING_CUT`
/// hidden) with `min_papers` or more papers left, restricted to the researchers `keep` accepts.
/// `None` when a stage has no example.
pub fn fit_model(
    full: &PaperMap,
    hidden: &PaperMap,
    as_of: i32,
    min_papers: usize,
    keep: impl Fn(i64) -> bool,
) -> Option<model::StageModel> {
    let sample = censoring_sample(full, hidden, as_of, min_papers, keep);
    let eligible = sample.len();
    let sample = even_stride(sample, MAX_TRAINING);
    let features = model::features_for(hidden, sample.iter().map(|s| s.0), as_of);
    let training: Vec<([f64; model::N_FEATURES], CareerStage)> = sample
        .into_iter()
        .filter_map(|(id, stage)| Some((*features.get(&id)?, stage)))
        .collect();
    tracing::info!(
        eligible,
        fitted_on = training.len(),
        "career: stage model training set"
    );
    model::StageModel::fit(&training)
}

/// The most researchers the stage model is fitted on: 14 features and three classes need far
/// fewer, and the fit's cost grows with them (400 passes). Paperlists' sample (22,888) is well
/// under it, so its model is the one fitted on every researcher; a synthetic 1M corpus is over it.
pub const MAX_TRAINING: usize = 100_000;

/// At most `max` of `items`, every k-th from the first (k the smallest stride that fits):
/// deterministic, and every part of an ordered list keeps its share.
fn even_stride<T>(items: Vec<T>, max: usize) -> Vec<T> {
    if items.len() <= max {
        return items;
    }
    let stride = items.len().div_ceil(max.max(1));
    items.into_iter().step_by(stride).collect()
}

/// OpenAlex works counts by researcher, where the researcher has an OpenAlex profile.
pub fn works_counts(conn: &Connection) -> Result<HashMap<i64, i64>> {
    works_counts_where(conn, "")
}

fn works_counts_where(conn: &Connection, filter: &str) -> Result<HashMap<i64, i64>> {
    let mut out = HashMap::default();
    let mut stmt = conn.prepare(&format!(
        "SELECT r.id, a.works_count FROM researchers r JOIN oa_authors a ON a.openalex_id = r.openalex_id
         WHERE a.works_count IS NOT NULL {filter}"
    ))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        out.insert(r.get(0)?, r.get(1)?);
    }
    Ok(out)
}

/// The `meta` key under which a full refresh stores the stage model it fitted (JSON, see
/// [`model::StageModel::to_json`]), with the year it was fitted as of: incremental refreshes
/// apply that model rather than fitting one on a corpus they only partly read.
pub const MODEL_META_KEY: &str = "career_model";

/// Fits the stage model on the whole corpus as [`write`] does.
fn fit_corpus_model(
    papers: &PaperMap,
    as_of: i32,
    rules: &StageRules,
) -> Option<model::StageModel> {
    let hidden = hidden_view(papers, TRAINING_CUT);
    fit_model(
        papers,
        &hidden,
        as_of,
        rules.model_training_min_papers,
        |_| true,
    )
}

/// Writes the stage estimate of every researcher of `papers` — the whole corpus, as
/// [`load_papers`] reads it (a rebuild passes [`WorkFacts::papers`] of the authorships it has
/// just written) — inside the identity transaction, and stores the model it fitted for
/// incremental refreshes ([`MODEL_META_KEY`]).
pub fn write(tx: &Transaction, papers: &PaperMap, as_of: i32) -> Result<()> {
    let started = std::time::Instant::now();
    let counts = works_counts(tx)?;
    let rules = StageRules::default();
    let model = fit_corpus_model(papers, as_of, &rules);
    crate::memory::log_phase("career: stage model fitted", started);
    let stored = model
        .as_ref()
        .map(|m| format!("{{\"as_of\": {as_of}, \"model\": {}}}", m.to_json()));
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![
            MODEL_META_KEY,
            stored.unwrap_or_else(|| format!("{{\"as_of\": {as_of}, \"model\": null}}"))
        ],
    )?;
    let mut ids: Vec<i64> = papers.keys().copied().collect();
    ids.sort_unstable();
    // Each researcher's features are computed as their stage is written, not held for all.
    let authorships = match model {
        Some(_) => model::authorships_of(papers),
        None => Vec::new(),
    };
    let view = model::FeatureView::new(&authorships);
    let count = |r: i64| papers.get(&r).map_or(0, Vec::len) as f64;
    let features = |r: i64| view.features(papers, r, count, as_of);
    let learned = model.as_ref().map(|m| (m, &features as &dyn Fn(i64) -> _));
    update_stages(tx, papers, &ids, &counts, learned, as_of, &rules)?;
    crate::memory::log_phase("career: stages written", started);
    Ok(())
}

/// The stored model, if one was stored as of `as_of`: `Some(None)` when the full refresh found
/// no model to fit, `None` when nothing usable is stored.
fn stored_model(tx: &Transaction, as_of: i32) -> Result<Option<Option<model::StageModel>>> {
    let Some(text) = crate::db::meta_get(tx, MODEL_META_KEY)? else {
        return Ok(None);
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Ok(None);
    };
    if value.get("as_of").and_then(serde_json::Value::as_i64) != Some(i64::from(as_of)) {
        return Ok(None);
    }
    Ok(match value.get("model") {
        Some(serde_json::Value::Null) => Some(None),
        Some(m) => model::StageModel::from_json(&m.to_string()).map(Some),
        None => None,
    })
}

/// Writes the stage estimates of the researchers `ids` only (an incremental refresh), with the
/// model the last full refresh stored (fitted now, over the whole corpus, when none is stored
/// as of `as_of`). A researcher's features read their co-authors' positions and paper counts:
/// those are read from the database ([`coauthor_view`]), not their papers. Returns whether a
/// stored model was used.
pub fn write_for(tx: &Transaction, as_of: i32, ids: &[i64]) -> Result<bool> {
    let rules = StageRules::default();
    let (model, was_stored) = match stored_model(tx, as_of)? {
        Some(model) => (model, true),
        None => {
            let all = load_papers(tx, None)?;
            (fit_corpus_model(&all, as_of, &rules), false)
        }
    };
    fill_temp_ids(tx, ids)?;
    let counts = works_counts_where(tx, "AND r.id IN (SELECT id FROM temp.career_ids)")?;
    // A researcher without dated papers gets no estimate: as in a fresh row.
    tx.execute(
        "UPDATE researchers SET stage = NULL, stage_at_least = 0, stage_basis = NULL
         WHERE id IN (SELECT id FROM temp.career_ids)",
        [],
    )?;
    let papers = load_papers_of(tx, ids)?;
    let mut ids: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|id| papers.contains_key(id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let features = match model {
        Some(_) => {
            let (authorships, paper_counts) = coauthor_view(tx, &papers)?;
            Some(model::features_of(
                &papers,
                ids.iter().copied(),
                &authorships,
                |r| paper_counts.get(&r).copied().unwrap_or(0) as f64,
                as_of,
            ))
        }
        None => None,
    };
    let features = |r: i64| features.as_ref()?.get(&r).copied();
    let learned = model.as_ref().map(|m| (m, &features as &dyn Fn(i64) -> _));
    update_stages(tx, &papers, &ids, &counts, learned, as_of, &rules)?;
    Ok(was_stored)
}

/// What the stage model's features read of the co-authors of the researchers in `papers`, as
/// [`model::features`] reads it from a whole view: every authorship (work, position,
/// researcher) of their dated works of at most `model::MAX_TEAM` authors, sorted, and each
/// author's number of dated papers.
fn coauthor_view(
    tx: &Transaction,
    papers: &PaperMap,
) -> Result<(model::Authorships, HashMap<i64, i64>)> {
    let mut works: Vec<i64> = papers
        .values()
        .flatten()
        .filter(|p| p.n_authors <= model::MAX_TEAM)
        .map(|p| p.work)
        .collect();
    works.sort_unstable();
    works.dedup();
    crate::db::fill_temp_ids(tx, "career_works", "INTEGER", &works)?;
    let mut authorships: model::Authorships = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT work_id, position, researcher_id FROM authorship_researcher
             WHERE work_id IN (SELECT id FROM temp.career_works)",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            authorships.push((r.get(0)?, r.get(1)?, r.get(2)?));
        }
    }
    authorships.sort_unstable();
    let mut authors: Vec<i64> = authorships.iter().map(|a| a.2).collect();
    authors.sort_unstable();
    authors.dedup();
    crate::db::fill_temp_ids(tx, "career_authors", "INTEGER", &authors)?;
    let mut counts: HashMap<i64, i64> = HashMap::default();
    {
        let mut stmt = tx.prepare(
            "SELECT ar.researcher_id, COUNT(*) FROM authorship_researcher ar
             JOIN works w ON w.id = ar.work_id
             WHERE w.year >= 1 AND ar.researcher_id IN (SELECT id FROM temp.career_authors)
             GROUP BY ar.researcher_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            counts.insert(r.get(0)?, r.get(1)?);
        }
    }
    tx.execute_batch("DELETE FROM temp.career_works; DELETE FROM temp.career_authors;")?;
    Ok((authorships, counts))
}

/// The stage model with the features it reads of each researcher (`None` without dated papers).
type Learned<'a> = (
    &'a model::StageModel,
    &'a dyn Fn(i64) -> Option<model::Features>,
);

/// Estimates and writes the stages of `ids` (each a key of `papers`), with the stage model and
/// its features of each researcher when there is a model.
fn update_stages(
    tx: &Transaction,
    papers: &PaperMap,
    ids: &[i64],
    counts: &HashMap<i64, i64>,
    learned: Option<Learned>,
    as_of: i32,
    rules: &StageRules,
) -> Result<()> {
    // A censored history's first papers here are not its training years: no inference.
    let mut update = tx.prepare(
        "UPDATE researchers SET stage = ?2, stage_at_least = ?3, stage_basis = ?4,
                trained_org_id = CASE WHEN ?3 THEN NULL ELSE trained_org_id END,
                trained_at = CASE WHEN ?3 THEN NULL ELSE trained_at END,
                trained_evidence = CASE WHEN ?3 THEN NULL ELSE trained_evidence END
         WHERE id = ?1",
    )?;
    for id in ids {
        let Some(own) = papers.get(id) else { continue };
        let learned = learned
            .and_then(|(m, features)| Some(m.predict(&features(*id)?, rules.model_senior_weight)));
        if let Some(e) = estimate(own, as_of, counts.get(id).copied(), rules, learned) {
            update.execute(params![id, e.stage.as_str(), e.at_least, e.basis])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paper(year: i32, venue_first_year: i32, position: i64, n_authors: i64) -> CareerPaper {
        CareerPaper {
            work: i64::from(year) * 100 + position,
            year,
            venue_first_year,
            position,
            n_authors,
        }
    }

    #[test]
    fn a_large_training_sample_is_thinned_evenly() {
        let ids: Vec<u32> = (0..250).collect();
        assert_eq!(even_stride(ids.clone(), 300), ids);
        let thinned = even_stride(ids, 100);
        // A stride of 3: 84 of 250, from the first, spread over the whole range.
        assert_eq!(thinned.len(), 84);
        assert_eq!(thinned[..3], [0, 3, 6]);
        assert_eq!(thinned.last(), Some(&249));
    }

    #[test]
    fn an_uncensored_first_year_reads_the_stage_from_years() {
        let papers = [paper(2022, 2013, 0, 3), paper(2024, 2013, 0, 4)];
        let e = estimate(&papers, 2025, None, &StageRules::default(), None);
        assert_eq!(
            e.map(|e| (e.stage, e.at_least)),
            Some((CareerStage::Early, false))
        );
    }

    #[test]
    fn a_supervisor_first_seen_where_coverage_begins_is_at_least_senior() {
        // Last author on most papers, first seen in the venue's first covered year.
        let mut papers: Vec<CareerPaper> =
            (0..12).map(|i| paper(2021 + i % 4, 2021, 3, 4)).collect();
        papers.push(paper(2022, 2021, 0, 3));
        let e = estimate(&papers, 2025, None, &StageRules::default(), None);
        assert_eq!(
            e.map(|e| (e.stage, e.at_least)),
            Some((CareerStage::Senior, true))
        );
    }

    #[test]
    fn a_short_history_that_only_shows_a_supervisor_is_senior_at_least() {
        // Adi Shamir's one paper here (NeurIPS 2024, last of three authors) and Srinivas
        // Devadas's two (IROS 2019 last of five, a two-author paper second): professors whose
        // own first papers are in other venues.
        let rules = StageRules::default();
        for papers in [
            vec![paper(2024, 2013, 2, 3)],
            vec![paper(2019, 2013, 4, 5), paper(2020, 2013, 1, 2)],
        ] {
            assert!(supervisor_only(&papers));
            let e = estimate(&papers, 2025, None, &rules, None);
            assert_eq!(
                e.map(|e| (e.stage, e.at_least)),
                Some((CareerStage::Senior, true))
            );
        }
        // A first-author paper, a middle position, only two-author papers, or a third paper:
        // not this rule.
        for papers in [
            vec![paper(2024, 2013, 2, 3), paper(2024, 2013, 0, 2)],
            vec![paper(2024, 2013, 1, 3)],
            vec![paper(2024, 2013, 1, 2)],
            vec![
                paper(2023, 2013, 2, 3),
                paper(2024, 2013, 3, 4),
                paper(2024, 2013, 2, 3),
            ],
        ] {
            assert!(!supervisor_only(&papers), "{papers:?}");
        }
        let e = estimate(&[paper(2024, 2013, 1, 3)], 2025, None, &rules, None);
        assert_eq!(e.map(|e| e.stage), Some(CareerStage::Early));
        // The rule switched off: the years stand.
        let off = StageRules {
            supervisor_only_stage: None,
            ..rules
        };
        let e = estimate(&[paper(2024, 2013, 2, 3)], 2025, None, &off, None);
        assert_eq!(e.map(|e| e.stage), Some(CareerStage::Early));
    }

    #[test]
    fn a_censored_student_stays_early_but_at_least() {
        let papers = [paper(2021, 2021, 0, 3), paper(2023, 2021, 0, 4)];
        let e = estimate(&papers, 2025, None, &StageRules::default(), None);
        assert_eq!(
            e.map(|e| (e.stage, e.at_least)),
            Some((CareerStage::Early, true))
        );
    }

    #[test]
    fn the_learned_stage_raises_but_never_lowers_the_years() {
        let rules = StageRules::default();
        // Uncensored (first author, venue covered since 2013), first paper 2022: early by
        // years; the model reads senior.
        let papers = [
            paper(2022, 2013, 0, 3),
            paper(2023, 2013, 1, 4),
            paper(2024, 2013, 0, 4),
        ];
        let e = estimate(&papers, 2025, None, &rules, Some(CareerStage::Senior));
        assert_eq!(
            e.map(|e| (e.stage, e.at_least)),
            Some((CareerStage::Senior, true))
        );
        // Fewer papers than the model needs: the years stand.
        let e = estimate(&papers[..2], 2025, None, &rules, Some(CareerStage::Senior));
        assert_eq!(e.map(|e| e.stage), Some(CareerStage::Early));
        // First paper 2010: senior by years, whatever the model reads.
        let papers = [
            paper(2010, 2000, 0, 3),
            paper(2012, 2000, 0, 3),
            paper(2024, 2000, 0, 4),
        ];
        let e = estimate(&papers, 2025, None, &rules, Some(CareerStage::Early));
        assert_eq!(e.map(|e| e.stage), Some(CareerStage::Senior));
        // Without the uncensored option the years stand.
        let off = StageRules {
            model_uncensored: false,
            ..rules
        };
        let papers = [
            paper(2022, 2013, 0, 3),
            paper(2023, 2013, 1, 4),
            paper(2024, 2013, 0, 4),
        ];
        let e = estimate(&papers, 2025, None, &off, Some(CareerStage::Senior));
        assert_eq!(e.map(|e| e.stage), Some(CareerStage::Early));
    }
}
