//! Confidence intervals for ratings (bootstrap and sandwich) and ranks derived from intervals.
//!
//! * [`bootstrap`]: FastChat / arena-rank style. Each round draws new vote counts for the unique
//!   `(pair, outcome)` rows from a multinomial with the observed proportions and the observed total
//!   (the same distribution as resampling individual votes with replacement; see `resample.rs`),
//!   refits warm-started at the full-data fit (chord iterations, Newton as fallback), and maps to
//!   ratings with the fit's transform (so an anchored item has zero width). Rounds run in parallel
//!   with rayon; round `r` draws from random stream `r` of the seed (xoshiro256++), so results do
//!   not depend on the thread count. Intervals are percentiles
//!   with linear interpolation (numpy / pandas default).
//! * [`sandwich`]: robust (Huber–White) covariance `H⁻¹ G H⁻¹`, with `H` the negative Hessian of the
//!   (penalised) log-likelihood and `G = Σ_votes s sᵀ` the outer products of per-vote scores, summed
//!   per unique row as arena-rank does. Intervals are `rating ± z·se`.

use rayon::prelude::*;

use crate::data::Comparisons;
use crate::error::{ArenaError, Result};
use crate::fit::{
    Fit, FitOptions, Problem, Solver, accumulate_credits, add_gauge, evaluate, gradient,
    sigmoid_and_log,
};
use crate::graph;
use crate::linalg;
use crate::resample::MultinomialSampler;
use crate::rng::Rng;

/// How intervals were computed.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub enum IntervalMethod {
    /// Percentile bootstrap.
    Bootstrap {
        /// Rounds requested.
        rounds: usize,
        /// Rounds whose refit failed (no finite MLE or no convergence); they are left out.
        failed_rounds: usize,
        /// The seed.
        seed: u64,
    },
    /// Sandwich (robust) standard errors.
    Sandwich {
        /// The ridge added to the Hessian's diagonal.
        ridge: f64,
    },
}

/// Per-item interval bounds on the rating scale.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Intervals {
    /// Lower bounds, by item index.
    pub lower: Vec<f64>,
    /// Upper bounds, by item index.
    pub upper: Vec<f64>,
    /// Standard errors on the rating scale (bootstrap: sample standard deviation).
    pub std_error: Vec<f64>,
    /// Coverage, e.g. 0.95.
    pub confidence: f64,
    /// How the intervals were computed.
    pub method: IntervalMethod,
}

impl Intervals {
    /// Ranks from these intervals; see [`ranks_from_intervals`].
    pub fn ranks(&self) -> Vec<usize> {
        ranks_from_intervals(&self.lower, &self.upper)
    }
}

/// Arena ranks: `rank = 1 + number of items whose lower bound is above this item's upper bound`.
pub fn ranks_from_intervals(lower: &[f64], upper: &[f64]) -> Vec<usize> {
    let mut sorted: Vec<f64> = lower.to_vec();
    sorted.sort_by(f64::total_cmp);
    upper
        .iter()
        .map(|&u| {
            // Number of lower bounds strictly greater than u.
            let not_above = sorted.partition_point(|&l| l <= u);
            1 + sorted.len() - not_above
        })
        .collect()
}

/// Bootstrap settings.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct BootstrapOptions {
    /// Number of resampling rounds (FastChat uses 100–1000).
    pub rounds: usize,
    /// Seed of the random streams.
    pub seed: u64,
    /// Interval coverage.
    pub confidence: f64,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        BootstrapOptions {
            rounds: 1000,
            seed: 42,
            confidence: 0.95,
        }
    }
}

/// The ratings of every successful bootstrap round.
#[derive(Clone, Debug, PartialEq)]
pub struct BootstrapSamples {
    /// Number of items.
    pub items: usize,
    /// Ratings, one row of `items` values per successful round (row-major).
    pub ratings: Vec<f64>,
    /// Rounds requested.
    pub rounds: usize,
    /// Rounds that failed to fit.
    pub failed_rounds: usize,
    /// The seed.
    pub seed: u64,
}

impl BootstrapSamples {
    /// Number of successful rounds.
    pub fn successful_rounds(&self) -> usize {
        self.ratings.len() / self.items.max(1)
    }

    /// Percentile intervals at `confidence`.
    pub fn intervals(&self, confidence: f64) -> Result<Intervals> {
        check_confidence(confidence)?;
        let m = self.successful_rounds();
        if m == 0 {
            return Err(ArenaError::InvalidOption(
                "no successful bootstrap rounds".into(),
            ));
        }
        let alpha = (1.0 - confidence) / 2.0;
        let mut lower = Vec::with_capacity(self.items);
        let mut upper = Vec::with_capacity(self.items);
        let mut std_error = Vec::with_capacity(self.items);
        let mut column = vec![0.0; m];
        for i in 0..self.items {
            for (r, x) in column.iter_mut().enumerate() {
                *x = self.ratings[r * self.items + i];
            }
            column.sort_by(f64::total_cmp);
            lower.push(quantile_sorted(&column, alpha));
            upper.push(quantile_sorted(&column, 1.0 - alpha));
            let mean = column.iter().sum::<f64>() / m as f64;
            let var = column.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / m as f64;
            std_error.push(var.sqrt());
        }
        Ok(Intervals {
            lower,
            upper,
            std_error,
            confidence,
            method: IntervalMethod::Bootstrap {
                rounds: self.rounds,
                failed_rounds: self.failed_rounds,
                seed: self.seed,
            },
        })
    }
}

/// Percentile-bootstrap intervals for the ratings of `fit` (which must come from `comparisons` and
/// `options`).
pub fn bootstrap(
    comparisons: &Comparisons,
    fit: &Fit,
    options: &FitOptions,
    bootstrap: &BootstrapOptions,
) -> Result<Intervals> {
    bootstrap_samples(comparisons, fit, options, bootstrap)?.intervals(bootstrap.confidence)
}

/// Runs the bootstrap rounds and returns every round's ratings.
///
/// Each round is refitted by chord iterations — Newton steps that reuse the Cholesky factor of the
/// full-data Hessian, so an iteration costs one gradient and two triangular solves — until the
/// largest step is below [`FitOptions::tolerance`]. A round whose chord iteration stalls falls back
/// to full damped Newton, so every kept round is converged to the same tolerance as [`crate::fit()`].
pub fn bootstrap_samples(
    comparisons: &Comparisons,
    fit: &Fit,
    options: &FitOptions,
    bootstrap: &BootstrapOptions,
) -> Result<BootstrapSamples> {
    check_confidence(bootstrap.confidence)?;
    let problem = Problem::new(comparisons, options)?;
    check_fit_matches(&problem, fit)?;
    let n = problem.n;
    let votes: Vec<u64> = problem.rows.iter().map(|r| r.votes).collect();
    let sampler = MultinomialSampler::new(&votes);
    let chord = ChordFactor::new(&problem, &fit.strengths)?;
    let results: Vec<Option<Vec<f64>>> = (0..bootstrap.rounds)
        .into_par_iter()
        .map_init(
            || RoundBuffers::new(n, problem.rows.len(), problem.pairs.len()),
            |buf, round| {
                let mut rng = Rng::new(bootstrap.seed, round as u64);
                sampler.sample(&mut rng, &mut buf.counts);
                let counts = &buf.counts;
                accumulate_credits(&problem.rows, |k| counts[k] as f64, &mut buf.credits);
                if problem.l2 <= 0.0 && !same_support(&problem.pair_credits, &buf.credits) {
                    // Some pair lost all its wins on one side: the MLE may not exist any more.
                    if graph::component_sizes(n, &active_pairs(&problem.pairs, &buf.credits)).len()
                        > 1
                        || graph::unbeaten_group(n, &problem.pairs, &buf.credits).is_some()
                    {
                        return None;
                    }
                }
                buf.theta.copy_from_slice(&fit.strengths);
                if !chord.solve(
                    &problem,
                    &buf.credits,
                    &mut buf.theta,
                    &mut buf.gradient,
                    options.tolerance,
                ) {
                    buf.theta.copy_from_slice(&fit.strengths);
                    buf.solver
                        .solve(
                            &problem.pairs,
                            &buf.credits,
                            problem.l2,
                            &mut buf.theta,
                            options,
                        )
                        .ok()?;
                }
                Some(fit.transform.apply(&buf.theta))
            },
        )
        .collect();
    let mut ratings = Vec::with_capacity(bootstrap.rounds * n);
    let mut failed_rounds = 0;
    for r in results {
        match r {
            Some(row) => ratings.extend_from_slice(&row),
            None => failed_rounds += 1,
        }
    }
    Ok(BootstrapSamples {
        items: n,
        ratings,
        rounds: bootstrap.rounds,
        failed_rounds,
        seed: bootstrap.seed,
    })
}

/// The Cholesky factor of the full-data (gauge-fixed or penalised) negative Hessian.
struct ChordFactor {
    n: usize,
    factor: Vec<f64>,
}

impl ChordFactor {
    fn new(problem: &Problem, theta: &[f64]) -> Result<ChordFactor> {
        let n = problem.n;
        let mut h = vec![0.0; n * n];
        let mut g = vec![0.0; n];
        evaluate(
            &problem.pairs,
            &problem.pair_credits,
            problem.l2,
            theta,
            &mut g,
            &mut h,
        );
        if problem.l2 <= 0.0 {
            add_gauge(&mut h, n, n);
        }
        if !linalg::cholesky_in_place(&mut h, n) {
            return Err(ArenaError::Singular("bootstrap Hessian"));
        }
        Ok(ChordFactor { n, factor: h })
    }

    /// Chord iterations from `theta`; false if they stall (the caller then uses full Newton).
    fn solve(
        &self,
        problem: &Problem,
        credits: &[(f64, f64)],
        theta: &mut [f64],
        step: &mut [f64],
        tol: f64,
    ) -> bool {
        const MAX_ITERATIONS: usize = 100;
        let mut previous = f64::INFINITY;
        for _ in 0..MAX_ITERATIONS {
            gradient(&problem.pairs, credits, problem.l2, theta, step);
            linalg::cholesky_solve(&self.factor, self.n, step);
            let size = step.iter().fold(0.0f64, |a, x| a.max(x.abs()));
            if !size.is_finite() || size > 0.9 * previous {
                return false;
            }
            for (t, s) in theta.iter_mut().zip(step.iter()) {
                *t += s;
            }
            if size <= tol {
                return true;
            }
            previous = size;
        }
        false
    }
}

/// Whether every pair still has credits on exactly the sides it had in the full data.
fn same_support(full: &[(f64, f64)], round: &[(f64, f64)]) -> bool {
    full.iter()
        .zip(round)
        .all(|(f, r)| (f.0 > 0.0) == (r.0 > 0.0) && (f.1 > 0.0) == (r.1 > 0.0))
}

struct RoundBuffers {
    counts: Vec<u64>,
    credits: Vec<(f64, f64)>,
    theta: Vec<f64>,
    gradient: Vec<f64>,
    solver: Solver,
}

impl RoundBuffers {
    fn new(n: usize, rows: usize, pairs: usize) -> Self {
        RoundBuffers {
            counts: vec![0; rows],
            credits: vec![(0.0, 0.0); pairs],
            theta: vec![0.0; n],
            gradient: vec![0.0; n],
            solver: Solver::new(n),
        }
    }
}

fn active_pairs(pairs: &[(u32, u32)], credits: &[(f64, f64)]) -> Vec<(u32, u32)> {
    pairs
        .iter()
        .zip(credits)
        .filter(|(_, (a, b))| a + b > 0.0)
        .map(|(p, _)| *p)
        .collect()
}

/// Where the sandwich's Hessian ridge comes from.
#[derive(Clone, Copy, Debug, PartialEq, Default, serde::Serialize)]
pub enum SandwichRidge {
    /// arena-rank: add `1e-5 · total votes` to the diagonal (or `1e-5` with reweighting), then invert.
    #[default]
    ArenaRank,
    /// No ridge: the exact covariance of mean-centred (or penalised) strengths.
    Exact,
}

/// Sandwich settings.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct SandwichOptions {
    /// Interval coverage.
    pub confidence: f64,
    /// Ridge convention.
    pub ridge: SandwichRidge,
}

impl Default for SandwichOptions {
    fn default() -> Self {
        SandwichOptions {
            confidence: 0.95,
            ridge: SandwichRidge::ArenaRank,
        }
    }
}

/// The robust covariance of the strengths (`n × n`, row-major, log-odds units) and the ridge used.
pub fn sandwich_covariance(
    comparisons: &Comparisons,
    fit: &Fit,
    options: &FitOptions,
    ridge: SandwichRidge,
) -> Result<(Vec<f64>, f64)> {
    let problem = Problem::new(comparisons, options)?;
    check_fit_matches(&problem, fit)?;
    let n = problem.n;
    let theta = &fit.strengths;
    let mut h = vec![0.0; n * n];
    let mut g = vec![0.0; n * n];
    for r in &problem.rows {
        let (i, j) = problem.pairs[r.pair as usize];
        let (i, j) = (i as usize, j as usize);
        let (p, _) = sigmoid_and_log(theta[i] - theta[j]);
        let votes = r.votes as f64;
        let hv = votes * r.w * (r.a + r.b) * p * (1.0 - p);
        let score = r.w * (r.a * (1.0 - p) - r.b * p);
        let gv = votes * score * score;
        for (m, v) in [(&mut h, hv), (&mut g, gv)] {
            m[i * n + i] += v;
            m[j * n + j] += v;
            m[i * n + j] -= v;
            m[j * n + i] -= v;
        }
    }
    for i in 0..n {
        h[i * n + i] += problem.l2;
    }
    let ridge_value = match ridge {
        SandwichRidge::ArenaRank => {
            if options.reweight.is_some() {
                1e-5
            } else {
                1e-5 * problem.total_votes as f64
            }
        }
        SandwichRidge::Exact => 0.0,
    };
    if ridge_value > 0.0 {
        for i in 0..n {
            h[i * n + i] += ridge_value;
        }
    } else if problem.l2 <= 0.0 {
        // Gauge: (H + c 11ᵀ)⁻¹ acts as the pseudo-inverse on the mean-zero subspace, and G·1 = 0.
        let trace: f64 = (0..n).map(|i| h[i * n + i]).sum();
        let c = trace / (n * n) as f64;
        h.iter_mut().for_each(|x| *x += c);
    }
    if !linalg::cholesky_in_place(&mut h, n) {
        return Err(ArenaError::Singular("sandwich Hessian"));
    }
    let inv = linalg::cholesky_inverse(&h, n);
    let cov = linalg::matmul(&linalg::matmul(&inv, &g, n), &inv, n);
    Ok((cov, ridge_value))
}

/// Sandwich (robust) intervals for the ratings of `fit`.
pub fn sandwich(
    comparisons: &Comparisons,
    fit: &Fit,
    options: &FitOptions,
    sandwich: &SandwichOptions,
) -> Result<Intervals> {
    check_confidence(sandwich.confidence)?;
    let (cov, ridge) = sandwich_covariance(comparisons, fit, options, sandwich.ridge)?;
    let n = fit.strengths.len();
    let z = normal_quantile(0.5 + sandwich.confidence / 2.0);
    let factor = fit.transform.factor;
    // Variance of the displayed contrast: θᵢ − θ_anchor, or θᵢ − mean(θ).
    let var: Vec<f64> = match fit.transform.anchor {
        Some((a, _)) => (0..n)
            .map(|i| cov[i * n + i] + cov[a * n + a] - 2.0 * cov[i * n + a])
            .collect(),
        None => {
            let row_mean: Vec<f64> = (0..n)
                .map(|i| cov[i * n..(i + 1) * n].iter().sum::<f64>() / n as f64)
                .collect();
            let all_mean = row_mean.iter().sum::<f64>() / n as f64;
            (0..n)
                .map(|i| cov[i * n + i] - 2.0 * row_mean[i] + all_mean)
                .collect()
        }
    };
    let std_error: Vec<f64> = var.iter().map(|v| factor * v.max(0.0).sqrt()).collect();
    let lower = fit
        .ratings
        .iter()
        .zip(&std_error)
        .map(|(r, s)| r - z * s)
        .collect();
    let upper = fit
        .ratings
        .iter()
        .zip(&std_error)
        .map(|(r, s)| r + z * s)
        .collect();
    Ok(Intervals {
        lower,
        upper,
        std_error,
        confidence: sandwich.confidence,
        method: IntervalMethod::Sandwich { ridge },
    })
}

fn check_fit_matches(problem: &Problem, fit: &Fit) -> Result<()> {
    if fit.strengths.len() != problem.n {
        return Err(ArenaError::Shape(format!(
            "fit has {} items, comparisons have {}",
            fit.strengths.len(),
            problem.n
        )));
    }
    Ok(())
}

fn check_confidence(c: f64) -> Result<()> {
    if c > 0.0 && c < 1.0 {
        Ok(())
    } else {
        Err(ArenaError::InvalidOption(format!(
            "confidence must be in (0, 1), got {c}"
        )))
    }
}

/// The `q`-quantile of sorted data with linear interpolation (numpy's default method).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Inverse of the standard normal CDF (Wichura's AS 241, about 1e-16 relative accuracy).
pub fn normal_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q * poly(&A, r) / poly(&B, r);
    }
    let r = if q < 0.0 { p } else { 1.0 - p };
    let r = (-r.ln()).sqrt();
    let x = if r <= 5.0 {
        let r = r - 1.6;
        poly(&C, r) / poly(&D, r)
    } else {
        let r = r - 5.0;
        poly(&E, r) / poly(&F, r)
    };
    if q < 0.0 { -x } else { x }
}

fn poly(c: &[f64; 8], x: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, &k| acc * x + k)
}

const A: [f64; 8] = [
    3.387_132_872_796_366_5,
    133.141_667_891_784_38,
    1_971.590_950_306_551_3,
    13_731.693_765_509_46,
    45_921.953_931_549_87,
    67_265.770_927_008_7,
    33_430.575_583_588_13,
    2_509.080_928_730_122_7,
];
const B: [f64; 8] = [
    1.0,
    42.313_330_701_600_91,
    687.187_007_492_057_9,
    5_394.196_021_424_751,
    21_213.794_301_586_597,
    39_307.895_800_092_71,
    28_729.085_735_721_943,
    5_226.495_278_852_545,
];
const C: [f64; 8] = [
    1.423_437_110_749_683_5,
    4.630_337_846_156_546,
    5.769_497_221_460_691,
    3.647_848_324_763_204_5,
    1.270_458_252_452_368_4,
    0.241_780_725_177_450_6,
    0.022_723_844_989_269_184,
    7.745_450_142_783_414e-4,
];
const D: [f64; 8] = [
    1.0,
    2.053_191_626_637_759,
    1.676_384_830_183_803_8,
    0.689_767_334_985_1,
    0.148_103_976_427_480_08,
    0.015_198_666_563_616_457,
    5.475_938_084_995_345e-4,
    1.050_750_071_644_416_9e-9,
];
const E: [f64; 8] = [
    6.657_904_643_501_103,
    5.463_784_911_164_114,
    1.784_826_539_917_291_3,
    0.296_560_571_828_504_9,
    0.026_532_189_526_576_124,
    0.001_242_660_947_388_078_4,
    2.711_555_568_743_487_6e-5,
    2.010_334_399_292_288_1e-7,
];
const F: [f64; 8] = [
    1.0,
    0.599_832_206_555_888,
    0.136_929_880_922_735_8,
    0.014_875_361_290_850_615,
    7.868_691_311_456_133e-4,
    1.846_318_317_510_054_8e-5,
    1.421_511_758_316_446e-7,
    2.044_263_103_389_939_8e-15,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{ComparisonsBuilder, Outcome};
    use crate::fit::fit;

    #[test]
    fn normal_quantile_known_values() {
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-14);
        assert!((normal_quantile(0.5)).abs() < 1e-16);
        assert!((normal_quantile(0.001) + 3.090_232_306_167_813_5).abs() < 1e-13);
        assert!((normal_quantile(1e-10) + 6.361_340_902_404_056).abs() < 1e-11);
    }

    #[test]
    fn quantile_matches_numpy_linear() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&x, 0.5), 2.5);
        assert!((quantile_sorted(&x, 0.025) - 1.075).abs() < 1e-12);
        assert_eq!(quantile_sorted(&x, 1.0), 4.0);
    }

    #[test]
    fn ranks_count_strictly_better_items() {
        // Item 0 is clearly above 2; 1 overlaps both.
        let lower = [10.0, 5.0, 0.0];
        let upper = [12.0, 11.0, 4.0];
        assert_eq!(ranks_from_intervals(&lower, &upper), vec![1, 1, 3]);
    }

    fn three_items() -> Comparisons {
        let mut b = ComparisonsBuilder::new();
        for (l, r, w, lo, t) in [
            ("a", "b", 60, 40, 10),
            ("b", "c", 55, 45, 20),
            ("a", "c", 70, 30, 5),
        ] {
            b.add(l, r, Outcome::LeftWins, w, w as f64).expect("add");
            b.add(l, r, Outcome::RightWins, lo, lo as f64).expect("add");
            b.add(l, r, Outcome::TieBothBad, t, t as f64).expect("add");
        }
        b.build()
    }

    #[test]
    fn bootstrap_is_deterministic_and_covers_the_estimate() {
        let c = three_items();
        let opts = FitOptions::default();
        let f = fit(&c, &opts).expect("fit");
        let b = BootstrapOptions {
            rounds: 200,
            seed: 7,
            confidence: 0.95,
        };
        let i1 = bootstrap(&c, &f, &opts, &b).expect("bootstrap");
        let i2 = bootstrap(&c, &f, &opts, &b).expect("bootstrap");
        assert_eq!(i1, i2);
        for k in 0..3 {
            assert!(i1.lower[k] < f.ratings[k] && f.ratings[k] < i1.upper[k]);
        }
        // Sandwich and bootstrap standard errors agree roughly on a well-behaved problem.
        let s = sandwich(&c, &f, &opts, &SandwichOptions::default()).expect("sandwich");
        for k in 0..3 {
            let ratio = s.std_error[k] / i1.std_error[k];
            assert!((0.8..1.25).contains(&ratio), "item {k}: {ratio}");
        }
    }

    #[test]
    fn anchored_item_has_zero_width() {
        let c = three_items();
        let opts = FitOptions::default().with_anchor("b", 1114.0);
        let f = fit(&c, &opts).expect("fit");
        let s = sandwich(
            &c,
            &f,
            &opts,
            &SandwichOptions {
                ridge: SandwichRidge::Exact,
                ..Default::default()
            },
        )
        .expect("sandwich");
        assert!(s.std_error[1].abs() < 1e-9);
        let b = bootstrap(
            &c,
            &f,
            &opts,
            &BootstrapOptions {
                rounds: 50,
                ..Default::default()
            },
        )
        .expect("boot");
        assert!((b.upper[1] - b.lower[1]).abs() < 1e-9);
    }
}
