//! Impact between fits (issue 16): a refresh that added or changed a few works folds them into
//! `work_impact` with the stored estimator instead of fitting it again over every work.
//!
//! A fit (`mod.rs`) fits the estimator over every work and records it (`meta.impact_fit`: the
//! coefficients, the corpus mean of the authors' records, the works it saw). A refresh fits
//! again when there is no record, when the refresh is full, or when the works folded in since
//! the fit (counting this update's) would exceed [`REFIT_FRACTION`] of the works fitted on, or
//! when this update gives a count to more than that share of the counted works (the estimator's
//! training set: a citation file that counts thousands of estimated works changes what it would
//! learn); otherwise it folds the new and changed works in:
//! - a work's chosen count and its cohort scale are exact: the cohort sums (`impact_cohorts`) are
//!   kept up to date (integers), and a cohort's scale is computed from them as in a fit;
//! - a counted work's percentile is exact among the counts its venue-year holds now;
//! - an estimate reads its venue-year as it is now (statuses, ratings) and its authors' counted
//!   records as stored; its score comes from the stored coefficients and is ranked against the
//!   stored scores of its venue-year; the relative value is read at that rank from the counted
//!   works' relative values;
//! - the citation cohorts (`cohorts`) of the venue-years touched are recounted exactly.
//!
//! What stays as the last fit left it until the next one: the rows of the works not folded in
//! (a percentile does not move when a paper joins its venue-year, a relative value does not
//! follow its cohort's new scale, an estimate does not follow its authors' new records), the
//! coefficients and `impact_validation`. docs/incremental.md gives the measured difference.

use std::collections::BTreeSet;
use std::time::Instant;

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use rustc_hash::FxHashMap as HashMap;

use super::features::{AuthorRecord, FEATURES, VenueYearStats, predict, quantile, with_record};
use super::report::ImpactReport;
use super::sums::{CohortKey, CohortSums, ExactSum};
use super::works::{CohortRows, Work, choose_counts, load_works_where};
use crate::db::{meta_get, meta_set};
use crate::error::Result;

/// Fit again when the works folded in since the fit would exceed this share of the works it saw.
pub const REFIT_FRACTION: f64 = 0.05;

/// The `meta` key of the estimator's record.
const FIT_KEY: &str = "impact_fit";

/// The estimator as the last fit left it, and what was folded in since.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct FitRecord {
    pub coefficients: [f64; FEATURES],
    /// The corpus mean of `ln(1 + relative)`, towards which authors' records are shrunk.
    pub prior: f64,
    /// Works the fit saw.
    pub works: u64,
    /// Works folded in since.
    pub folded: u64,
}

impl FitRecord {
    /// `works folded prior c0 … c11`: Rust prints the shortest text that parses back to the same
    /// `f64`, so the record is exact.
    fn to_text(&self) -> String {
        let mut out = format!("{} {} {}", self.works, self.folded, self.prior);
        for c in &self.coefficients {
            out.push(' ');
            out.push_str(&c.to_string());
        }
        out
    }

    fn from_text(text: &str) -> Option<FitRecord> {
        let mut parts = text.split_ascii_whitespace();
        let works = parts.next()?.parse().ok()?;
        let folded = parts.next()?.parse().ok()?;
        let prior = parts.next()?.parse().ok()?;
        let mut coefficients = [0.0; FEATURES];
        for c in &mut coefficients {
            *c = parts.next()?.parse().ok()?;
        }
        parts.next().is_none().then_some(FitRecord {
            coefficients,
            prior,
            works,
            folded,
        })
    }
}

pub(super) fn record_fit(conn: &Connection, fit: &FitRecord) -> Result<()> {
    meta_set(conn, FIT_KEY, &fit.to_text())
}

fn stored_fit(conn: &Connection) -> Result<Option<FitRecord>> {
    Ok(meta_get(conn, FIT_KEY)?.and_then(|t| FitRecord::from_text(&t)))
}

/// What a fold-in reads and computes before identity is written: everything but the authors'
/// records, so a refresh can run it on another connection while identity runs ([`prepare`]).
pub struct Prepared {
    fit: FitRecord,
    /// The touched works, with their chosen counts.
    works: Vec<Work>,
    sums: CohortSums,
    /// The cohorts whose sums the touched works moved.
    dirty: BTreeSet<CohortKey>,
    /// Per touched work, the features its authors' record leaves alone.
    paper_features: Vec<[f64; FEATURES]>,
    /// Per touched work with a count, its percentile (exact: the order of its cohort's counts).
    count_percentile: Vec<Option<f64>>,
    /// Per touched venue-year, the stored scores of its other works, sorted, and how many of them
    /// have none.
    year_scores: HashMap<(String, i32), (Vec<f64>, usize)>,
    /// The relative values of the counted works not touched, sorted.
    counted_relative: Vec<f64>,
    /// The citation cohorts of the touched venue-years.
    cohorts: CohortRows,
}

/// Reads what folding `touched` in needs, or `None` when the schedule calls for a fit (no fit
/// recorded, the works folded in since it would pass [`REFIT_FRACTION`], or the works `touched`
/// gives a count would pass that share of the counted works). Reads only tables a
/// refresh's identity step does not write (works, citation counts, `work_impact`, the cohort
/// sums), so it may run on a second connection beside it.
pub fn prepare(conn: &Connection, touched: &[i64]) -> Result<Option<Prepared>> {
    let started = Instant::now();
    let Some(fit) = stored_fit(conn)? else {
        return Ok(None);
    };
    if (fit.folded + touched.len() as u64) as f64 > REFIT_FRACTION * fit.works as f64 {
        return Ok(None);
    }
    crate::db::fill_temp_ids(conn, "impact_touched", "INTEGER", touched.iter().copied())?;
    let mut works = load_works_where(
        conn,
        "WHERE id IN (SELECT id FROM temp.impact_touched) ORDER BY id",
        [],
    )?;
    let index: HashMap<i64, usize> = works.iter().enumerate().map(|(i, w)| (w.id, i)).collect();
    choose_counts(
        conn,
        &mut works,
        &index,
        "SELECT work_id, source, window_days, count, as_of FROM citation_counts
         WHERE work_id IN (SELECT id FROM temp.impact_touched)
         ORDER BY work_id, source, window_days",
    )?;

    // The cohort sums: the touched works' stored counts leave them, their chosen counts join.
    let mut sums = CohortSums::load(conn)?;
    // The counted works as stored: the estimator's training set at the last fit, and since.
    let counted = sums.counted();
    let mut dirty: BTreeSet<CohortKey> = BTreeSet::new();
    // Touched works with a count now that had none as stored.
    let mut newly_counted = 0u64;
    {
        let mut old = conn.prepare(
            "SELECT source, COALESCE(window_days, 0), count FROM work_impact
             WHERE work_id = ?1 AND estimated = 0",
        )?;
        for w in &works {
            let stored = old
                .query_row([w.id], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, u32>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                })
                .optional()?;
            if let Some((source, window, count)) = &stored {
                let key = CohortKey::of(w, source, *window);
                sums.remove(&key, *count);
                dirty.insert(key);
            }
            newly_counted += u64::from(stored.is_none() && w.count.is_some());
            if let Some((source, window, count)) = &w.count {
                let key = CohortKey::of(w, source, *window);
                sums.add(&key, *count);
                dirty.insert(key);
            }
        }
    }

    if newly_counted as f64 > REFIT_FRACTION * counted as f64 {
        conn.execute("DELETE FROM temp.impact_touched", [])?;
        return Ok(None);
    }

    // Every other work of the touched venue-years: what the touched works' features and
    // percentiles read of them.
    let venue_years: BTreeSet<(&str, i32)> = works.iter().map(venue_year).collect();
    let mut members: Vec<Member> = Vec::new();
    for &(venue, year) in &venue_years {
        let group = load_members(conn, venue, year)?;
        members.extend(
            group
                .into_iter()
                .filter(|m| !index.contains_key(&m.work.id)),
        );
    }
    let year_works: Vec<&Work> = members.iter().map(|m| &m.work).chain(&works).collect();
    let mut stats = VenueYearStats::default();
    for w in &year_works {
        stats.add(w);
    }
    let cohorts = CohortRows::count(year_works.iter().copied());
    let paper_features: Vec<[f64; FEATURES]> =
        works.iter().map(|w| stats.paper_features(w)).collect();
    drop(stats);
    drop(year_works);
    // A count's percentile: the share of its cohort's counts below it (one cohort mean, so the
    // order of the counts), the touched works' counts as chosen now.
    let mut counts: HashMap<CohortKey, Vec<i64>> = HashMap::default();
    for w in members.iter().map(|m| &m.work).chain(&works) {
        if let Some((source, window, count)) = &w.count {
            counts
                .entry(CohortKey::of(w, source, *window))
                .or_default()
                .push(*count);
        }
    }
    let count_percentile: Vec<Option<f64>> = works
        .iter()
        .map(|w| {
            let (source, window, count) = w.count.as_ref()?;
            let all = counts.get(&CohortKey::of(w, source, *window))?;
            let below = all.iter().filter(|c| *c < count).count();
            Some(below as f64 / all.len() as f64)
        })
        .collect();
    let mut year_scores: HashMap<(String, i32), (Vec<f64>, usize)> = HashMap::default();
    for m in &members {
        let (venue, year) = venue_year(&m.work);
        let entry = year_scores.entry((venue.to_string(), year)).or_default();
        match m.score {
            Some(s) => entry.0.push(s),
            None => entry.1 += 1,
        }
    }
    for (scores, _) in year_scores.values_mut() {
        scores.sort_by(f64::total_cmp);
    }
    drop(members);
    let mut counted_relative: Vec<f64> = conn
        .prepare(
            "SELECT relative FROM work_impact
             WHERE estimated = 0 AND work_id NOT IN (SELECT id FROM temp.impact_touched)",
        )?
        .query_map([], |r| r.get::<_, f64>(0))?
        .collect::<rusqlite::Result<_>>()?;
    counted_relative.sort_by(f64::total_cmp);
    conn.execute("DELETE FROM temp.impact_touched", [])?;
    crate::memory::log_phase("impact: fold-in read", started);
    Ok(Some(Prepared {
        fit,
        works,
        sums,
        dirty,
        paper_features,
        count_percentile,
        year_scores,
        counted_relative,
        cohorts,
    }))
}

/// A work of a touched venue-year as stored (without its key and team size, which only a folded
/// work's own features read), with its stored row's score.
struct Member {
    work: Work,
    score: Option<f64>,
}

/// Folds `prepared` in (see the module documentation).
pub(super) fn fold_in(conn: &mut Connection, prepared: Prepared) -> Result<ImpactReport> {
    let started = Instant::now();
    let Prepared {
        mut fit,
        works,
        sums,
        dirty,
        paper_features,
        count_percentile,
        year_scores,
        mut counted_relative,
        cohorts,
    } = prepared;
    let tx = conn.transaction()?;
    sums.write(&tx, &dirty)?;

    // Counted works first (their rows feed the authors' records of the estimates), with a
    // provisional row for every touched work.
    let mut relative: Vec<Option<f64>> = vec![None; works.len()];
    let mut cohort_mean: Vec<Option<f64>> = vec![None; works.len()];
    for (i, w) in works.iter().enumerate() {
        if let Some((source, window, count)) = &w.count {
            let mean = sums.scale(&CohortKey::of(w, source, *window));
            cohort_mean[i] = Some(mean);
            relative[i] = Some(*count as f64 / mean);
        }
    }
    let none = vec![None; works.len()];
    write_rows(
        &tx,
        &works,
        &relative,
        &cohort_mean,
        &vec![0.0; works.len()],
        &none,
    )?;

    // Scores of the touched works: features as a fit computes them, the stored coefficients.
    let mut scores: Vec<Option<f64>> = vec![None; works.len()];
    {
        let mut authors = tx.prepare(
            "SELECT researcher_id FROM authorship_researcher WHERE work_id = ?1 ORDER BY position",
        )?;
        let mut record = tx.prepare(
            "SELECT i.relative FROM authorship_researcher a JOIN work_impact i ON i.work_id = a.work_id
             WHERE a.researcher_id = ?1 AND a.work_id <> ?2 AND i.estimated = 0
             GROUP BY a.work_id ORDER BY a.work_id",
        )?;
        for (i, w) in works.iter().enumerate() {
            let mut ids: Vec<i64> = Vec::new();
            for id in authors.query_map([w.id], |r| r.get::<_, i64>(0))? {
                let id = id?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            let mut authors_record = AuthorRecord::default();
            for a in ids {
                let (mut s, mut k) = (ExactSum::default(), 0.0);
                for r in record.query_map(params![a, w.id], |r| r.get::<_, f64>(0))? {
                    s.add(r?.ln_1p());
                    k += 1.0;
                }
                authors_record.add(s.value(), k, fit.prior);
            }
            let x = with_record(paper_features[i], &authors_record, fit.prior);
            scores[i] = Some(predict(&fit.coefficients, &x));
        }
    }
    crate::memory::log_phase("impact: scores", started);

    // Percentiles: a count's was read before; an estimate's is its share of its venue-year's
    // scores (the other works' as stored, the touched works' new ones) below its own.
    let mut percentile = vec![0.0; works.len()];
    for (i, w) in works.iter().enumerate() {
        percentile[i] = match count_percentile[i] {
            Some(p) => p,
            None => {
                let mine = scores[i].unwrap_or(0.0);
                let vy = venue_year(w);
                let (stored, without) = year_scores
                    .get(&(vy.0.to_string(), vy.1))
                    .map_or((&[][..], 0), |(s, n)| (s.as_slice(), *n));
                let mut below = stored.partition_point(|s| *s < mine);
                let mut of = stored.len() + without;
                for (o, score) in works.iter().zip(&scores) {
                    if venue_year(o) == vy {
                        of += 1;
                        below += usize::from(score.is_some_and(|s| s < mine));
                    }
                }
                below as f64 / of as f64
            }
        };
    }

    // An estimate's relative value: what counted papers hold at its percentile.
    counted_relative.extend(relative.iter().flatten());
    counted_relative.sort_by(f64::total_cmp);
    for (i, w) in works.iter().enumerate() {
        if w.count.is_none() {
            relative[i] = Some(quantile(&counted_relative, percentile[i]).unwrap_or(1.0));
        }
    }
    write_rows(&tx, &works, &relative, &cohort_mean, &percentile, &scores)?;
    cohorts.write(&tx, true)?;

    fit.folded += works.len() as u64;
    record_fit(&tx, &fit)?;
    tx.commit()?;

    let counted = works.iter().filter(|w| w.count.is_some()).count();
    crate::memory::log_phase("impact: folded in", started);
    Ok(ImpactReport {
        counted,
        estimated: works.len() - counted,
        coefficients: fit.coefficients.to_vec(),
        refit: false,
        folded_in: works.len(),
        folded_since_fit: fit.folded,
        seconds: started.elapsed().as_secs_f64(),
        ..ImpactReport::default()
    })
}

/// A work's venue-year as the percentile groups of a fit key it (`""` and 0 when missing).
fn venue_year(w: &Work) -> (&str, i32) {
    (w.venue.as_deref().unwrap_or(""), w.year.unwrap_or(0))
}

/// Every work of a venue-year as its statistics need it (status, rating, its record's count),
/// with the count and score of its stored row.
fn load_members(conn: &Connection, venue: &str, year: i32) -> Result<Vec<Member>> {
    // The covering index on (venue, year, status, rating, citations) serves the usual case; a
    // work without a venue or year is found by a scan, as a fit groups it.
    let filter = if venue.is_empty() || year == 0 {
        "COALESCE(w.venue, '') = ?1 AND COALESCE(w.year, 0) = ?2"
    } else {
        "w.venue = ?1 AND w.year = ?2"
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT w.id, w.venue, w.year, w.status, w.rating, w.citations,
                i.estimated, i.source, COALESCE(i.window_days, 0), i.count, i.score
         FROM works w LEFT JOIN work_impact i ON i.work_id = w.id WHERE {filter} ORDER BY w.id"
    ))?;
    let rows = stmt.query_map(params![venue, year], |r| {
        let count = match (
            r.get::<_, Option<i64>>(6)?,
            r.get::<_, Option<String>>(7)?,
            r.get::<_, Option<i64>>(9)?,
        ) {
            (Some(0), Some(source), Some(count)) => Some((source, r.get(8)?, count)),
            _ => None,
        };
        Ok(Member {
            work: Work {
                id: r.get(0)?,
                key: String::new(),
                venue: r.get(1)?,
                year: r.get(2)?,
                status: r
                    .get::<_, Option<String>>(3)?
                    .unwrap_or_default()
                    .to_ascii_lowercase(),
                rating: r.get(4)?,
                n_authors: 0,
                citations: r.get(5)?,
                count,
            },
            score: r.get(10)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn write_rows(
    tx: &Transaction,
    works: &[Work],
    relative: &[Option<f64>],
    cohort_mean: &[Option<f64>],
    percentile: &[f64],
    scores: &[Option<f64>],
) -> Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT OR REPLACE INTO work_impact
         (work_id, estimated, source, window_days, count, cohort_mean, relative, percentile, score)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for (i, w) in works.iter().enumerate() {
        let (source, window, count) = match &w.count {
            Some((s, win, c)) => (Some(s.as_str()), (*win > 0).then_some(*win), Some(*c)),
            None => (None, None, None),
        };
        insert.execute(params![
            w.id,
            i64::from(w.count.is_none()),
            source,
            window,
            count,
            cohort_mean[i],
            relative[i].unwrap_or(1.0),
            percentile[i],
            scores[i]
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fit_record_reads_back_exactly_and_refuses_damage() {
        let fit = FitRecord {
            coefficients: std::array::from_fn(|i| (i as f64 + 0.1).powi(3) / 7.0 - 1e-17),
            prior: std::f64::consts::PI / 3.0,
            works: 167_968,
            folded: 176,
        };
        assert_eq!(FitRecord::from_text(&fit.to_text()), Some(fit.clone()));
        let text = fit.to_text();
        let (short, _) = text.rsplit_once(' ').unwrap_or((&text, ""));
        assert_eq!(FitRecord::from_text(short), None, "a coefficient missing");
        assert_eq!(
            FitRecord::from_text(&format!("{text} 1")),
            None,
            "one too many"
        );
        assert_eq!(FitRecord::from_text(&text.replacen("176", "x", 1)), None);
        assert_eq!(FitRecord::from_text(""), None);
    }
}
