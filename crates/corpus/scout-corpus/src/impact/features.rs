//! What the impact estimator reads of a work (status, rating and team size against its
//! venue-year, and its authors' counted record) and how it is applied: shared by a fit
//! (`mod.rs`) and a fold-in (`fold.rs`).

use rustc_hash::FxHashMap as HashMap;

use super::sums::ExactSum;
use super::works::Work;

/// Features of the estimator, the intercept included.
pub(super) const FEATURES: usize = 12;
/// Prior weight (in papers) pulling an author's record towards the corpus mean.
pub(super) const RECORD_PRIOR: f64 = 2.0;

pub(super) type VenueYear<'w> = (Option<&'w str>, Option<i32>);

/// What a work's features read of its venue-year: its ratings and statuses.
#[derive(Default)]
pub(super) struct VenueYearStats<'w> {
    /// Ratings: how many, their sum, the sum of their squares.
    ratings: HashMap<VenueYear<'w>, (f64, ExactSum, ExactSum)>,
    statuses: HashMap<(VenueYear<'w>, &'w str), f64>,
    papers: HashMap<VenueYear<'w>, f64>,
}

impl<'w> VenueYearStats<'w> {
    /// Counts `w` (in any order: the sums are exact).
    pub(super) fn add(&mut self, w: &'w Work) {
        let vy = (w.venue.as_deref(), w.year);
        if let Some(r) = w.rating.filter(|r| r.is_finite()) {
            let s = self.ratings.entry(vy).or_default();
            s.0 += 1.0;
            s.1.add(r);
            s.2.add(r * r);
        }
        *self.statuses.entry((vy, w.status.as_str())).or_default() += 1.0;
        *self.papers.entry(vy).or_default() += 1.0;
    }

    /// The feature vector of `w` (see the module doc), its authors' record given.
    pub(super) fn features(&self, w: &Work, record: &AuthorRecord, prior: f64) -> [f64; FEATURES] {
        with_record(self.paper_features(w), record, prior)
    }

    /// The features of `w` that its authors' record leaves alone (the record's are 0).
    pub(super) fn paper_features(&self, w: &Work) -> [f64; FEATURES] {
        let vy = (w.venue.as_deref(), w.year);
        // How rare the status is in its venue-year: an oral is distinctive where few papers are
        // orals, not where every paper is one (ICML 2021 lists all accepted papers as orals).
        let rarity = if w.status.is_empty() {
            0.0
        } else {
            let share = self
                .statuses
                .get(&(vy, w.status.as_str()))
                .copied()
                .unwrap_or(1.0)
                / self.papers.get(&vy).copied().unwrap_or(1.0);
            -share.max(1e-6).ln()
        };
        let s = &w.status;
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        // Ratings standardised within the venue-year.
        let (rating_z, rating_missing) =
            match (w.rating.filter(|r| r.is_finite()), self.ratings.get(&vy)) {
                (Some(r), Some(&(k, sum, sq))) if k >= 2.0 => {
                    let mean = sum.value() / k;
                    let sd = (sq.value() / k - mean * mean).max(0.0).sqrt();
                    (if sd > 0.0 { (r - mean) / sd } else { 0.0 }, 0.0)
                }
                _ => (0.0, 1.0),
            };
        [
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
            0.0,
            0.0,
            0.0,
            0.0,
        ]
    }
}

/// `paper` (from [`VenueYearStats::paper_features`]) with the authors' record's features set.
pub(super) fn with_record(
    mut paper: [f64; FEATURES],
    record: &AuthorRecord,
    prior: f64,
) -> [f64; FEATURES] {
    let none = record.with_record == 0.0;
    paper[8] = if none { prior } else { record.best };
    paper[9] = if none {
        prior
    } else {
        record.total / record.with_record
    };
    paper[10] = record.most.ln_1p();
    paper[11] = if none { 1.0 } else { 0.0 };
    paper
}

/// The authors' record on their other counted papers, each shrunk towards the corpus mean.
pub(super) struct AuthorRecord {
    best: f64,
    total: f64,
    with_record: f64,
    most: f64,
}

impl Default for AuthorRecord {
    fn default() -> Self {
        AuthorRecord {
            best: f64::NEG_INFINITY,
            total: 0.0,
            with_record: 0.0,
            most: 0.0,
        }
    }
}

impl AuthorRecord {
    /// Adds an author whose other counted papers sum to `sum` of `ln(1 + relative)` over `k`.
    pub(super) fn add(&mut self, sum: f64, k: f64, prior: f64) {
        if k < 0.5 {
            return;
        }
        let shrunk = (sum + RECORD_PRIOR * prior) / (k + RECORD_PRIOR);
        self.best = self.best.max(shrunk);
        self.total += shrunk;
        self.with_record += 1.0;
        self.most = self.most.max(k);
    }
}

pub(super) fn predict(model: &[f64; FEATURES], x: &[f64; FEATURES]) -> f64 {
    model.iter().zip(x).map(|(m, v)| m * v).sum()
}

/// The value at share `p` of `sorted` (the nearest rank).
pub(super) fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let k = ((sorted.len() - 1) as f64 * p.clamp(0.0, 1.0)).round() as usize;
    sorted.get(k).copied()
}
