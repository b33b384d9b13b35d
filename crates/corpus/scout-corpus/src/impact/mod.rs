//! Each work's impact measure, derived at refresh (`work_impact`).
//!
//! **Counts.** A work's count is chosen by a fixed precedence: a total from a citation file
//! (OpenAlex before Semantic Scholar before any other source, then the newest as-of date), else
//! the count its own record carried (`works.citations`: Google Scholar via paperlists, OpenAlex's
//! `cited_by_count`), else a windowed count from a file (the longest window). Counts are only
//! compared like with like: the cohort of a count is its venue, year, source and window, and its
//! relative value is the count over that cohort's scale, the geometric mean of `1 + count`, so
//! that one landmark does not shrink every other paper of its year (`sums.rs`; a cohort of fewer
//! than [`MIN_COHORT`] counts borrows the scale of the same measure across venues that year, then
//! across years). The typical paper of a cohort reads about 1. The `cohort_mean` column holds
//! that scale.
//!
//! **Estimates.** A work without any count gets an estimate, never stored as a count: a ridge
//! regression of `ln(1 + relative)` on what the corpus knows of every paper — status (how rare
//! the paper's status is in its venue-year, whether it names a distinction such as oral,
//! spotlight or highlight, rejected or withdrawn, workshop), review rating (standardised within the
//! venue-year), team size, and the authors' record on their other counted papers (shrunk mean
//! and best of `ln(1 + relative)`, how many) — fitted on the works that have counts. The
//! estimate's rank within its venue-year becomes a percentile, and the percentile is mapped to the
//! relative value counted papers hold at that percentile (so an estimated paper is never
//! scored above what real papers at its rank achieve). The fit is checked out of sample: the
//! counted works are split by a hash of their key ([`HELDOUT_SEED`]), the model fitted on one
//! half is scored by Spearman rank correlation on the other, per venue (`impact_validation`).
//! Everything is computed in work key order with no randomness, and the sums a fold-in repeats
//! are exact (`sums::ExactSum`): the same corpus gives the same numbers, however its
//! ingests numbered the works.
//!
//! **Between fits** (`fold.rs`) an incremental refresh folds the works it adds or changes in with
//! the stored estimator, and fits again past [`REFIT_FRACTION`] of the works fitted on; the cohort
//! sums behind the means are `sums.rs`.

mod features;
mod fold;
mod report;
mod sums;
mod works;

use std::time::Instant;

use rusqlite::{Connection, params};
use rustc_hash::FxHashMap as HashMap;

use crate::error::Result;
use features::{AuthorRecord, FEATURES, VenueYearStats, predict, quantile};
pub use fold::{Prepared, REFIT_FRACTION, prepare};
pub use report::{ImpactReport, VenueValidation};
pub use sums::MIN_COHORT;
use sums::{CohortKey, CohortSums, ExactSum};
use works::{CohortRows, Work, choose_counts, load_works_where};

/// Seed of the held-out split (`xxh3(key, seed)` odd → held out).
pub const HELDOUT_SEED: u64 = 20_261_203;
/// Ridge penalty on every coefficient but the intercept.
const RIDGE: f64 = 1.0;
/// What an estimate is made from, as shown in explanations.
pub const ESTIMATE_BASIS: &str = "venue-year rank of an estimate from status, review rating, team size and the authors' counted papers";

/// Writes `work_impact` after a refresh's identity step: folds `prepared` in, or fits the
/// estimator over every work when there is nothing prepared ([`rebuild`]).
pub fn finish(conn: &mut Connection, prepared: Option<Prepared>) -> Result<ImpactReport> {
    match prepared {
        Some(prepared) => fold::fold_in(conn, prepared),
        None => rebuild(conn),
    }
}

/// Rebuilds `work_impact` and `impact_validation`, and the citation cohorts (`cohorts`: papers,
/// papers with a count and their mean count per venue and year, from each work's own record)
/// with the corpus's latest year (`meta.latest_year`), read in the same pass over the works.
/// Needs `authorship_researcher` (identity).
pub fn rebuild(conn: &mut Connection) -> Result<ImpactReport> {
    let started = Instant::now();
    let mut works = load_works_where(conn, "ORDER BY id", [])?;
    // Every fold over the works below runs in work key order, not id order: two corpora of
    // the same works, numbered differently by their ingests, fit the same estimator.
    works.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    write_cohorts(conn, &works)?;
    crate::memory::log_phase("impact: works loaded, cohorts written", started);
    let index: HashMap<i64, usize> = works.iter().enumerate().map(|(i, w)| (w.id, i)).collect();
    choose_counts(
        conn,
        &mut works,
        &index,
        "SELECT work_id, source, window_days, count, as_of FROM citation_counts ORDER BY work_id, source, window_days",
    )?;
    crate::memory::log_phase("impact: works and counts loaded", started);

    // Relative values of counted works.
    let n = works.len();
    let mut relative: Vec<Option<f64>> = vec![None; n];
    let mut cohort_mean: Vec<Option<f64>> = vec![None; n];
    let mut sums = CohortSums::default();
    for w in &works {
        if let Some((src, win, c)) = &w.count {
            sums.add(&CohortKey::of(w, src, *win), *c);
        }
    }
    for (i, w) in works.iter().enumerate() {
        if let Some((src, win, c)) = &w.count {
            let mean = sums.scale(&CohortKey::of(w, src, *win));
            cohort_mean[i] = Some(mean);
            relative[i] = Some(*c as f64 / mean);
        }
    }
    let target: Vec<Option<f64>> = relative.iter().map(|r| r.map(f64::ln_1p)).collect();

    let (features, prior) = build_features(conn, &works, &index, &target)?;
    crate::memory::log_phase("impact: features", started);

    // Out-of-sample check: fit on one half of the counted works, score the other.
    let heldout: Vec<bool> = works
        .iter()
        .map(|w| xxhash_rust::xxh3::xxh3_64_with_seed(w.key.as_bytes(), HELDOUT_SEED) & 1 == 1)
        .collect();
    let train_half = fit(&features, &target, |i| !heldout[i]);
    let mut report = ImpactReport::default();
    {
        let mut per_venue: HashMap<String, (Vec<f64>, Vec<f64>)> = HashMap::default();
        let mut all = (Vec::new(), Vec::new());
        for i in 0..n {
            if let (true, Some(y)) = (heldout[i], target[i]) {
                let p = predict(&train_half, &features[i]);
                let v = per_venue
                    .entry(works[i].venue.clone().unwrap_or_default())
                    .or_default();
                v.0.push(p);
                v.1.push(y);
                all.0.push(p);
                all.1.push(y);
            }
        }
        report.heldout_spearman = spearman(&all.0, &all.1);
        let mut venues: Vec<_> = per_venue.into_iter().collect();
        venues.sort_by(|a, b| a.0.cmp(&b.0));
        report.validation = venues
            .into_iter()
            .map(|(venue, (p, y))| VenueValidation {
                venue,
                heldout: p.len(),
                spearman: spearman(&p, &y),
            })
            .collect();
    }

    // The model used: fitted on every counted work.
    let model = fit(&features, &target, |_| true);
    let estimate: Vec<f64> = features.iter().map(|x| predict(&model, x)).collect();
    report.coefficients = model.to_vec();
    report.refit = true;

    // Percentiles within the venue-year: counts among the same measure, estimates among all
    // estimates. `percentile` = share of the group strictly below.
    let mut percentile = vec![0.0; n];
    {
        let mut groups: HashMap<(String, i32, String, u32), Vec<usize>> = HashMap::default();
        let mut est_groups: HashMap<(String, i32), Vec<usize>> = HashMap::default();
        for (i, w) in works.iter().enumerate() {
            let vy = (w.venue.clone().unwrap_or_default(), w.year.unwrap_or(0));
            if let Some((src, win, _)) = &w.count {
                groups
                    .entry((vy.0.clone(), vy.1, src.clone(), *win))
                    .or_default()
                    .push(i);
            }
            est_groups.entry(vy).or_default().push(i);
        }
        for members in groups.values() {
            fill_percentiles(members, |i| relative[i].unwrap_or(0.0), &mut percentile);
        }
        let mut est_pct = vec![0.0; n];
        for members in est_groups.values() {
            fill_percentiles(members, |i| estimate[i], &mut est_pct);
        }
        for i in 0..n {
            if relative[i].is_none() {
                percentile[i] = est_pct[i];
            }
        }
    }
    // Estimated relative value: what counted papers hold at the same percentile.
    let mut counted_relative: Vec<f64> = relative.iter().flatten().copied().collect();
    counted_relative.sort_by(f64::total_cmp);

    crate::memory::log_phase("impact: fitted", started);
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM work_impact", [])?;
    tx.execute("DELETE FROM impact_validation", [])?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO work_impact (work_id, estimated, source, window_days, count, cohort_mean, relative, percentile, score)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        let mut measures: HashMap<String, usize> = HashMap::default();
        for (i, w) in works.iter().enumerate() {
            match (&w.count, relative[i]) {
                (Some((src, win, c)), Some(r)) => {
                    report.counted += 1;
                    let label = if *win > 0 {
                        format!("{src}/{win}d")
                    } else {
                        src.clone()
                    };
                    *measures.entry(label).or_default() += 1;
                    insert.execute(params![
                        w.id,
                        0,
                        src,
                        (*win > 0).then_some(*win),
                        c,
                        cohort_mean[i],
                        r,
                        percentile[i],
                        estimate[i]
                    ])?;
                }
                _ => {
                    report.estimated += 1;
                    let r = quantile(&counted_relative, percentile[i]).unwrap_or(1.0);
                    insert.execute(params![
                        w.id,
                        1,
                        None::<String>,
                        None::<u32>,
                        None::<i64>,
                        None::<f64>,
                        r,
                        percentile[i],
                        estimate[i]
                    ])?;
                }
            }
        }
        let mut m: Vec<_> = measures.into_iter().collect();
        m.sort();
        report.by_measure = m;
        let mut v = tx.prepare(
            "INSERT INTO impact_validation (venue, heldout, spearman) VALUES (?1, ?2, ?3)",
        )?;
        for row in &report.validation {
            v.execute(params![row.venue, row.heldout as i64, row.spearman])?;
        }
    }
    sums.write_all(&tx)?;
    fold::record_fit(
        &tx,
        &fold::FitRecord {
            coefficients: model,
            prior,
            works: n as u64,
            folded: 0,
        },
    )?;
    tx.commit()?;
    report.seconds = started.elapsed().as_secs_f64();
    crate::memory::log_phase("impact: written", started);
    Ok(report)
}

/// Rewrites `cohorts` and `meta.latest_year` from `works`, as
/// `SELECT venue, year, COUNT(*), COUNT(citations), AVG(citations) … GROUP BY venue, year` would
/// (SQLite's average of integers is their exact sum over their number).
fn write_cohorts(conn: &mut Connection, works: &[Work]) -> Result<()> {
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM cohorts", [])?;
    CohortRows::count(works).write(&tx, false)?;
    tx.commit()?;
    Ok(())
}

/// Feature vectors of every work (see the module doc), in work order, and the corpus mean of
/// the target towards which authors' records are shrunk.
fn build_features(
    conn: &Connection,
    works: &[Work],
    index: &HashMap<i64, usize>,
    target: &[Option<f64>],
) -> Result<(Vec<[f64; FEATURES]>, f64)> {
    let n = works.len();
    // Authors of each work (researcher ids), and each researcher's counted record.
    let mut authors: Vec<Vec<i64>> = vec![Vec::new(); n];
    {
        let mut stmt = conn.prepare(
            "SELECT work_id, researcher_id FROM authorship_researcher ORDER BY work_id, position",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            if let Some(&i) = index.get(&r.get::<_, i64>(0)?) {
                let researcher: i64 = r.get(1)?;
                if !authors[i].contains(&researcher) {
                    authors[i].push(researcher);
                }
            }
        }
    }
    // Exact sums: a fold-in sums an author's other papers alone, in another order.
    let mut record: HashMap<i64, (ExactSum, f64)> = HashMap::default();
    let (mut sum, mut count) = (ExactSum::default(), 0.0);
    for i in 0..n {
        if let Some(y) = target[i] {
            sum.add(y);
            count += 1.0;
            for a in &authors[i] {
                let e = record.entry(*a).or_default();
                e.0.add(y);
                e.1 += 1.0;
            }
        }
    }
    let prior = if count > 0.0 {
        sum.value() / count
    } else {
        0.0
    };
    let mut stats = VenueYearStats::default();
    for w in works {
        stats.add(w);
    }
    let mut out = Vec::with_capacity(n);
    for (i, w) in works.iter().enumerate() {
        // The authors' record without this paper.
        let mut authors_record = AuthorRecord::default();
        for a in &authors[i] {
            let (mut s, mut k) = record.get(a).copied().unwrap_or_default();
            if let Some(y) = target[i] {
                s.sub(y);
                k -= 1.0;
            }
            authors_record.add(s.value(), k, prior);
        }
        out.push(stats.features(w, &authors_record, prior));
    }
    Ok((out, prior))
}

/// Ridge regression by the normal equations (Gaussian elimination with partial pivoting).
fn fit(
    x: &[[f64; FEATURES]],
    y: &[Option<f64>],
    use_row: impl Fn(usize) -> bool,
) -> [f64; FEATURES] {
    let mut a = [[0.0; FEATURES]; FEATURES];
    let mut b = [0.0; FEATURES];
    for (i, (row, target)) in x.iter().zip(y).enumerate() {
        let Some(t) = target else { continue };
        if !use_row(i) {
            continue;
        }
        for j in 0..FEATURES {
            b[j] += row[j] * t;
            for k in 0..FEATURES {
                a[j][k] += row[j] * row[k];
            }
        }
    }
    for (j, row) in a.iter_mut().enumerate().skip(1) {
        row[j] += RIDGE;
    }
    a[0][0] += 1e-9;
    solve(a, b)
}

fn solve(mut a: [[f64; FEATURES]; FEATURES], mut b: [f64; FEATURES]) -> [f64; FEATURES] {
    for col in 0..FEATURES {
        let pivot = (col..FEATURES)
            .max_by(|&p, &q| a[p][col].abs().total_cmp(&a[q][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        b.swap(col, pivot);
        let d = a[col][col];
        if d.abs() < 1e-12 {
            continue;
        }
        for r in 0..FEATURES {
            if r != col {
                let f = a[r][col] / d;
                if f != 0.0 {
                    let pivot_row = a[col];
                    for (cell, p) in a[r].iter_mut().zip(pivot_row).skip(col) {
                        *cell -= f * p;
                    }
                    b[r] -= f * b[col];
                }
            }
        }
    }
    let mut x = [0.0; FEATURES];
    for i in 0..FEATURES {
        if a[i][i].abs() >= 1e-12 {
            x[i] = b[i] / a[i][i];
        }
    }
    x
}

/// For each member, the share of the group with a strictly lower value.
fn fill_percentiles(members: &[usize], value: impl Fn(usize) -> f64, out: &mut [f64]) {
    let mut sorted: Vec<(f64, usize)> = members.iter().map(|&i| (value(i), i)).collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let n = sorted.len() as f64;
    let mut below = 0usize;
    for k in 0..sorted.len() {
        if k > 0 && sorted[k].0 > sorted[k - 1].0 {
            below = k;
        }
        out[sorted[k].1] = below as f64 / n;
    }
}

/// Average ranks (ties share their mean rank).
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]).then(a.cmp(&b)));
    let mut out = vec![0.0; v.len()];
    let mut k = 0;
    while k < order.len() {
        let mut j = k;
        while j + 1 < order.len() && v[order[j + 1]] == v[order[k]] {
            j += 1;
        }
        let rank = (k + j) as f64 / 2.0 + 1.0;
        for &o in &order[k..=j] {
            out[o] = rank;
        }
        k = j + 1;
    }
    out
}

/// Spearman rank correlation (None under 10 pairs or without variance).
pub fn spearman(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() < 10 || a.len() != b.len() {
        return None;
    }
    let (ra, rb) = (ranks(a), ranks(b));
    let n = ra.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let (mut cov, mut va, mut vb) = (0.0, 0.0, 0.0);
    for (x, y) in ra.iter().zip(&rb) {
        cov += (x - ma) * (y - mb);
        va += (x - ma) * (x - ma);
        vb += (y - mb) * (y - mb);
    }
    (va > 0.0 && vb > 0.0).then(|| cov / (va * vb).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_and_percentiles() {
        let a: Vec<f64> = (0..20).map(f64::from).collect();
        let b: Vec<f64> = a.iter().map(|x| x * x).collect();
        assert!((spearman(&a, &b).unwrap_or(0.0) - 1.0).abs() < 1e-12);
        let rev: Vec<f64> = a.iter().rev().copied().collect();
        assert!((spearman(&a, &rev).unwrap_or(0.0) + 1.0).abs() < 1e-12);
        let mut out = vec![0.0; 4];
        fill_percentiles(&[0, 1, 2, 3], |i| [1.0, 2.0, 2.0, 5.0][i], &mut out);
        assert_eq!(out, vec![0.0, 0.25, 0.25, 0.75]);
        assert_eq!(quantile(&[1.0, 2.0, 3.0], 1.0), Some(3.0));
    }

    #[test]
    fn ridge_recovers_a_linear_relation() {
        let x: Vec<[f64; FEATURES]> = (0..200)
            .map(|i| {
                let mut r = [0.0; FEATURES];
                r[0] = 1.0;
                r[7] = f64::from(i % 17);
                r[5] = f64::from(i % 5) - 2.0;
                r
            })
            .collect();
        let y: Vec<Option<f64>> = x
            .iter()
            .map(|r| Some(0.5 + 0.3 * r[7] - 0.2 * r[5]))
            .collect();
        let m = fit(&x, &y, |_| true);
        assert!((m[7] - 0.3).abs() < 0.01, "{m:?}");
        assert!((m[5] + 0.2).abs() < 0.01, "{m:?}");
    }
}
