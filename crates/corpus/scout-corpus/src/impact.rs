//! Each work's impact measure, derived at refresh (`work_impact`).
//!
//! **Counts.** A work's count is chosen by a fixed precedence: a total from a citation file
//! (OpenAlex before Semantic Scholar before any other source, then the newest as-of date), else
//! the count its own record carried (`works.citations`: Google Scholar via paperlists, OpenAlex's
//! `cited_by_count`), else a windowed count from a file (the longest window). Counts are only
//! compared like with like: the cohort of a count is its venue, year, source and window, and its
//! relative value is the count over that cohort's mean (a cohort of fewer than
//! [`MIN_COHORT`] counts borrows the mean of the same measure across venues that year, then
//! across years).
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
//! Everything is computed in work-id order with no randomness: the same corpus gives the same
//! numbers.

use std::time::Instant;

use rusqlite::{Connection, params};
use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;

use crate::error::Result;

/// Counts a cohort needs before its own mean is used.
pub const MIN_COHORT: usize = 5;
/// Seed of the held-out split (`xxh3(key, seed)` odd → held out).
pub const HELDOUT_SEED: u64 = 20_261_203;
/// Ridge penalty on every coefficient but the intercept.
const RIDGE: f64 = 1.0;
/// Prior weight (in papers) pulling an author's record towards the corpus mean.
const RECORD_PRIOR: f64 = 2.0;
/// What an estimate is made from, as shown in explanations.
pub const ESTIMATE_BASIS: &str = "venue-year rank of an estimate from status, review rating, team size and the authors' counted papers";

const FEATURES: usize = 12;

#[derive(Debug, Clone, Serialize)]
pub struct VenueValidation {
    pub venue: String,
    /// Held-back counted papers scored.
    pub heldout: usize,
    pub spearman: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImpactReport {
    pub counted: usize,
    pub estimated: usize,
    /// Counted works by the source and window of their count (`openalex`, `semantic_scholar/1095d`, …).
    pub by_measure: Vec<(String, usize)>,
    /// Spearman on the held-back half over all venues, then per venue.
    pub heldout_spearman: Option<f64>,
    pub validation: Vec<VenueValidation>,
    pub coefficients: Vec<f64>,
    pub seconds: f64,
}

struct Work {
    id: i64,
    key: String,
    venue: Option<String>,
    year: Option<i32>,
    status: String,
    rating: Option<f64>,
    n_authors: i64,
    /// The count the work's own record carried (`works.citations`), as stored.
    citations: Option<i64>,
    /// Chosen count: (source, window days, count).
    count: Option<(String, u32, i64)>,
}

fn source_rank(source: &str) -> u8 {
    match source {
        "openalex" => 0,
        "semantic_scholar" => 1,
        _ => 2,
    }
}

/// Rebuilds `work_impact` and `impact_validation`, and the citation cohorts (`cohorts`: papers,
/// papers with a count and their mean count per venue and year, from each work's own record)
/// with the corpus's latest year (`meta.latest_year`), read in the same pass over the works.
/// Needs `authorship_researcher` (identity).
pub fn rebuild(conn: &mut Connection) -> Result<ImpactReport> {
    let started = Instant::now();
    let mut works = load_works(conn)?;
    write_cohorts(conn, &works)?;
    crate::memory::log_phase("impact: works loaded, cohorts written", started);
    let index: HashMap<i64, usize> = works.iter().enumerate().map(|(i, w)| (w.id, i)).collect();
    choose_counts(conn, &mut works, &index)?;
    crate::memory::log_phase("impact: works and counts loaded", started);

    // Relative values of counted works.
    let n = works.len();
    let mut relative: Vec<Option<f64>> = vec![None; n];
    let mut cohort_mean: Vec<Option<f64>> = vec![None; n];
    {
        type Sum = (f64, usize);
        let mut exact: HashMap<(String, i32, String, u32), Sum> = HashMap::default();
        let mut by_year: HashMap<(i32, String, u32), Sum> = HashMap::default();
        let mut by_measure: HashMap<(String, u32), Sum> = HashMap::default();
        let add = |s: &mut Sum, c: i64| {
            s.0 += c as f64;
            s.1 += 1;
        };
        for w in &works {
            if let Some((src, win, c)) = &w.count {
                let (venue, year) = (w.venue.clone().unwrap_or_default(), w.year.unwrap_or(0));
                add(
                    exact.entry((venue, year, src.clone(), *win)).or_default(),
                    *c,
                );
                add(by_year.entry((year, src.clone(), *win)).or_default(), *c);
                add(by_measure.entry((src.clone(), *win)).or_default(), *c);
            }
        }
        let usable = |s: Option<&Sum>| {
            s.filter(|s| s.1 >= MIN_COHORT && s.0 > 0.0)
                .map(|s| s.0 / s.1 as f64)
        };
        for (i, w) in works.iter().enumerate() {
            if let Some((src, win, c)) = &w.count {
                let (venue, year) = (w.venue.clone().unwrap_or_default(), w.year.unwrap_or(0));
                let mean = usable(exact.get(&(venue, year, src.clone(), *win)))
                    .or_else(|| usable(by_year.get(&(year, src.clone(), *win))))
                    .or_else(|| usable(by_measure.get(&(src.clone(), *win))))
                    .unwrap_or(1.0);
                cohort_mean[i] = Some(mean);
                relative[i] = Some(*c as f64 / mean);
            }
        }
    }
    let target: Vec<Option<f64>> = relative.iter().map(|r| r.map(f64::ln_1p)).collect();

    let features = build_features(conn, &works, &index, &target)?;
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
            "INSERT INTO work_impact (work_id, estimated, source, window_days, count, cohort_mean, relative, percentile)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
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
                        percentile[i]
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
                        percentile[i]
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
    tx.commit()?;
    report.seconds = started.elapsed().as_secs_f64();
    crate::memory::log_phase("impact: written", started);
    Ok(report)
}

/// Rewrites `cohorts` and `meta.latest_year` from `works`, as
/// `SELECT venue, year, COUNT(*), COUNT(citations), AVG(citations) … GROUP BY venue, year` would
/// (SQLite's average of integers is their exact sum over their number).
fn write_cohorts(conn: &mut Connection, works: &[Work]) -> Result<()> {
    #[derive(Default)]
    struct Cohort {
        papers: i64,
        with_citations: i64,
        sum: i64,
    }
    let mut cohorts: HashMap<(&str, i32), Cohort> = HashMap::default();
    let mut latest: Option<i32> = None;
    for w in works {
        latest = latest.max(w.year);
        let (Some(venue), Some(year)) = (w.venue.as_deref(), w.year) else {
            continue;
        };
        let c = cohorts.entry((venue, year)).or_default();
        c.papers += 1;
        if let Some(n) = w.citations {
            c.with_citations += 1;
            c.sum = c.sum.saturating_add(n);
        }
    }
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM cohorts", [])?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO cohorts (venue, year, papers, with_citations, mean_citations)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for ((venue, year), c) in &cohorts {
            let mean = (c.with_citations > 0).then(|| c.sum as f64 / c.with_citations as f64);
            insert.execute(params![venue, year, c.papers, c.with_citations, mean])?;
        }
    }
    if let Some(y) = latest {
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('latest_year', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [y.to_string()],
        )?;
    }
    tx.commit()?;
    Ok(())
}

fn load_works(conn: &Connection) -> Result<Vec<Work>> {
    let mut stmt = conn.prepare(
        "SELECT id, key, venue, year, status, rating, n_authors, citations, source FROM works ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        let citations: Option<i64> = r.get(7)?;
        let source: String = r.get(8)?;
        Ok(Work {
            id: r.get(0)?,
            key: r.get(1)?,
            venue: r.get(2)?,
            year: r.get(3)?,
            status: r
                .get::<_, Option<String>>(4)?
                .unwrap_or_default()
                .to_ascii_lowercase(),
            rating: r.get(5)?,
            n_authors: r.get(6)?,
            citations,
            count: citations.filter(|c| *c >= 0).map(|c| (source, 0, c)),
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Applies the documented precedence: file totals, then the record's own count, then the
/// longest windowed count.
fn choose_counts(conn: &Connection, works: &mut [Work], index: &HashMap<i64, usize>) -> Result<()> {
    // Per work the best file total and the best windowed count: (rank key, source, window, count).
    type Best = (u8, String, u32, i64, Option<String>);
    let mut totals: HashMap<usize, Best> = HashMap::default();
    let mut windowed: HashMap<usize, Best> = HashMap::default();
    let mut stmt = conn.prepare(
        "SELECT work_id, source, window_days, count, as_of FROM citation_counts ORDER BY work_id, source, window_days",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let Some(&i) = index.get(&r.get::<_, i64>(0)?) else {
            continue;
        };
        let source: String = r.get(1)?;
        let window: u32 = r.get(2)?;
        let count: i64 = r.get(3)?;
        let as_of: Option<String> = r.get(4)?;
        let candidate = (source_rank(&source), source, window, count, as_of);
        if window == 0 {
            let better = match totals.get(&i) {
                None => true,
                Some(b) => {
                    (candidate.0, std::cmp::Reverse(&candidate.4)) < (b.0, std::cmp::Reverse(&b.4))
                }
            };
            if better {
                totals.insert(i, candidate);
            }
        } else {
            let better = match windowed.get(&i) {
                None => true,
                Some(b) => {
                    (std::cmp::Reverse(candidate.2), candidate.0) < (std::cmp::Reverse(b.2), b.0)
                }
            };
            if better {
                windowed.insert(i, candidate);
            }
        }
    }
    for (i, w) in works.iter_mut().enumerate() {
        if let Some((_, src, win, c, _)) = totals.remove(&i) {
            w.count = Some((src, win, c));
        } else if w.count.is_none()
            && let Some((_, src, win, c, _)) = windowed.remove(&i)
        {
            w.count = Some((src, win, c));
        }
    }
    Ok(())
}

type VenueYear<'w> = (Option<&'w str>, Option<i32>);

/// Feature vectors of every work (see the module doc), in work order.
fn build_features(
    conn: &Connection,
    works: &[Work],
    index: &HashMap<i64, usize>,
    target: &[Option<f64>],
) -> Result<Vec<[f64; FEATURES]>> {
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
    let mut record: HashMap<i64, (f64, f64)> = HashMap::default();
    let (mut sum, mut count) = (0.0, 0.0);
    for i in 0..n {
        if let Some(y) = target[i] {
            sum += y;
            count += 1.0;
            for a in &authors[i] {
                let e = record.entry(*a).or_default();
                e.0 += y;
                e.1 += 1.0;
            }
        }
    }
    let prior = if count > 0.0 { sum / count } else { 0.0 };
    // Ratings standardised within the venue-year.
    let mut rating_stats: HashMap<VenueYear<'_>, (f64, f64, f64)> = HashMap::default();
    for w in works {
        if let Some(r) = w.rating.filter(|r| r.is_finite()) {
            let s = rating_stats
                .entry((w.venue.as_deref(), w.year))
                .or_default();
            s.0 += 1.0;
            s.1 += r;
            s.2 += r * r;
        }
    }
    // How rare each status is in its venue-year: an oral is distinctive where few papers are
    // orals, not where every paper is one (ICML 2021 lists all accepted papers as orals).
    let mut status_counts: HashMap<(VenueYear<'_>, &str), f64> = HashMap::default();
    let mut venue_year_counts: HashMap<VenueYear<'_>, f64> = HashMap::default();
    for w in works {
        let vy = (w.venue.as_deref(), w.year);
        *status_counts.entry((vy, w.status.as_str())).or_default() += 1.0;
        *venue_year_counts.entry(vy).or_default() += 1.0;
    }
    let mut out = Vec::with_capacity(n);
    for (i, w) in works.iter().enumerate() {
        let vy = (w.venue.as_deref(), w.year);
        let rarity = if w.status.is_empty() {
            0.0
        } else {
            let share = status_counts
                .get(&(vy, w.status.as_str()))
                .copied()
                .unwrap_or(1.0)
                / venue_year_counts.get(&vy).copied().unwrap_or(1.0);
            -share.max(1e-6).ln()
        };
        let s = &w.status;
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        let (rating_z, rating_missing) = match (
            w.rating.filter(|r| r.is_finite()),
            rating_stats.get(&(w.venue.as_deref(), w.year)),
        ) {
            (Some(r), Some(&(k, sum, sq))) if k >= 2.0 => {
                let mean = sum / k;
                let sd = (sq / k - mean * mean).max(0.0).sqrt();
                (if sd > 0.0 { (r - mean) / sd } else { 0.0 }, 0.0)
            }
            _ => (0.0, 1.0),
        };
        // The authors' record without this paper, shrunk towards the corpus mean.
        let (mut best, mut total, mut with_record, mut most) =
            (f64::NEG_INFINITY, 0.0, 0.0, 0.0f64);
        for a in &authors[i] {
            let (mut s, mut k) = record.get(a).copied().unwrap_or_default();
            if let Some(y) = target[i] {
                s -= y;
                k -= 1.0;
            }
            if k < 0.5 {
                continue;
            }
            let shrunk = (s + RECORD_PRIOR * prior) / (k + RECORD_PRIOR);
            best = best.max(shrunk);
            total += shrunk;
            with_record += 1.0;
            most = most.max(k);
        }
        let none = with_record == 0.0;
        out.push([
            1.0,
            rarity,
            flag(
                s.contains("oral")
                    || s.contains("spotlight")
                    || s.contains("best paper")
                    || s.contains("highlight")
                    || s.contains("top-"),
            ),
            flag(s.contains("reject") || s.contains("withdraw")),
            flag(s.contains("workshop")),
            rating_z,
            rating_missing,
            (w.n_authors.max(1) as f64).ln(),
            if none { prior } else { best },
            if none { prior } else { total / with_record },
            most.ln_1p(),
            flag(none),
        ]);
    }
    Ok(out)
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

fn predict(model: &[f64; FEATURES], x: &[f64; FEATURES]) -> f64 {
    model.iter().zip(x).map(|(m, v)| m * v).sum()
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

fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let k = ((sorted.len() - 1) as f64 * p.clamp(0.0, 1.0)).round() as usize;
    sorted.get(k).copied()
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
