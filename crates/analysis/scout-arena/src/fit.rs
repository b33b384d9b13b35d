//! Bradley–Terry maximum likelihood by damped Newton on aggregated pair counts.
//!
//! The model: `P(i beats j) = σ(θᵢ − θⱼ)` with strengths `θ` on the natural log-odds scale. Every vote
//! gives each side a *credit* ([`TieMode`]): a win is `(1, 0)`, a tie `(½, ½)` by default, so the
//! log-likelihood is `Σ_pairs Aᵢⱼ log σ(θᵢ−θⱼ) + Bᵢⱼ log σ(θⱼ−θᵢ)` where `A`, `B` are the summed credits
//! (times vote weights and the optional reweighting). An optional L2 penalty `−λ/2 ‖θ‖²` regularises.
//!
//! Newton's method with a backtracking line search runs until the largest parameter change is below
//! [`FitOptions::tolerance`] (default 1e-9 on the log-odds scale), with a generous safety cap; hitting
//! the cap is an error ([`ArenaError::NotConverged`]), never a silent result. Without a penalty the
//! strengths are identified only up to a constant; the solver keeps their mean at zero by solving
//! `(H + c·11ᵀ) δ = g`, which leaves the mean unchanged because the gradient sums to zero.
//!
//! Ratings are on the Elo scale: `rating = base + scale/ln(10) · θ`, with either the mean rating at
//! `base` (arena-rank convention) or an anchor item pinned to a value (FastChat: Mixtral = 1114).

use std::f64::consts::LN_10;

use crate::data::{Comparisons, Outcome};
use crate::error::{ArenaError, Result};
use crate::graph;
use crate::linalg;

/// How ties count in the likelihood.
#[derive(Clone, Copy, Debug, PartialEq, Default, serde::Serialize)]
pub enum TieMode {
    /// Both kinds of tie count as half a win for each side (Chatbot Arena, arena-rank, evalica).
    #[default]
    Half,
    /// Plain ties count half each; "both bad" ties are dropped.
    DropBothBad,
    /// All ties are dropped.
    Drop,
    /// evalica's `win_weight` / `tie_weight`: a win gives the winner `win`, a tie gives each side `tie`.
    Weighted {
        /// Credit for a win.
        win: f64,
        /// Credit each side gets for a tie of either kind.
        tie: f64,
    },
}

impl TieMode {
    /// The credits `(left, right)` one vote with `outcome` gives.
    pub fn credits(self, outcome: Outcome) -> (f64, f64) {
        let (win, tie, both_bad) = match self {
            TieMode::Half => (1.0, 0.5, 0.5),
            TieMode::DropBothBad => (1.0, 0.5, 0.0),
            TieMode::Drop => (1.0, 0.0, 0.0),
            TieMode::Weighted { win, tie } => (win, tie, tie),
        };
        match outcome {
            Outcome::LeftWins => (win, 0.0),
            Outcome::RightWins => (0.0, win),
            Outcome::Tie => (tie, tie),
            Outcome::TieBothBad => (both_bad, both_bad),
        }
    }
}

/// Pins one item's rating (FastChat pins `mixtral-8x7b-instruct-v0.1` at 1114).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Anchor {
    /// The anchored item's name.
    pub item: String,
    /// Its rating.
    pub rating: f64,
}

/// The Elo-like display scale: `rating = base + scale/ln(10) · θ`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct EloScale {
    /// Mean rating when there is no anchor (1000).
    pub base: f64,
    /// Rating points per factor of ten in odds (400).
    pub scale: f64,
}

impl Default for EloScale {
    fn default() -> Self {
        EloScale {
            base: 1000.0,
            scale: 400.0,
        }
    }
}

/// arena-rank's "reweighted" option: every vote of pair `{i, j}` is weighted `1 / max(nᵢⱼ, floor)`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Reweight {
    /// Pairs with fewer votes than this are not up-weighted further (arena-rank: 50).
    pub min_pair_votes: f64,
}

impl Reweight {
    /// arena-rank's setting (`min_pair_count = 50`).
    pub const ARENA_RANK: Reweight = Reweight {
        min_pair_votes: 50.0,
    };
}

/// Everything that shapes a fit.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FitOptions {
    /// How ties count.
    pub ties: TieMode,
    /// L2 penalty `λ` on the log-odds strengths (objective `LL − λ/2 ‖θ‖²`); see [`FitOptions::fastchat_l2`].
    pub l2: Option<f64>,
    /// Optional per-pair reweighting.
    pub reweight: Option<Reweight>,
    /// Optional anchor; without it the mean rating is `scale.base`.
    pub anchor: Option<Anchor>,
    /// The display scale.
    pub scale: EloScale,
    /// Convergence tolerance on the largest Newton step (log-odds units).
    pub tolerance: f64,
    /// Safety cap on Newton iterations (convergence normally takes 5–15).
    pub max_iterations: usize,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            ties: TieMode::Half,
            l2: None,
            reweight: None,
            anchor: None,
            scale: EloScale::default(),
            tolerance: 1e-9,
            max_iterations: 500,
        }
    }
}

impl FitOptions {
    /// The `λ` equivalent to FastChat's `LogisticRegression(fit_intercept=False, C)` fit.
    ///
    /// FastChat duplicates every battle (a win gives two positive rows, a tie one positive and one
    /// negative) and uses the design `±ln 10`, so its objective is `½‖β‖² − C·2·LL(θ)` with
    /// `θ = ln(10)·β`, i.e. `LL(θ) − ‖θ‖² / (4·C·ln²10)`: `λ = 1 / (2·C·ln²10)` (≈ 0.0943 for `C = 1`).
    pub fn fastchat_l2(c: f64) -> f64 {
        1.0 / (2.0 * c * LN_10 * LN_10)
    }

    /// Sets the anchor.
    pub fn with_anchor(mut self, item: impl Into<String>, rating: f64) -> Self {
        self.anchor = Some(Anchor {
            item: item.into(),
            rating,
        });
        self
    }

    fn validate(&self) -> Result<()> {
        if let Some(l2) = self.l2
            && !(l2.is_finite() && l2 >= 0.0)
        {
            return Err(ArenaError::InvalidOption(format!(
                "l2 must be finite and >= 0, got {l2}"
            )));
        }
        if let TieMode::Weighted { win, tie } = self.ties
            && !(win.is_finite() && tie.is_finite() && win >= 0.0 && tie >= 0.0)
        {
            return Err(ArenaError::InvalidOption(
                "tie weights must be finite and >= 0".into(),
            ));
        }
        if let Some(r) = self.reweight
            && !(r.min_pair_votes.is_finite() && r.min_pair_votes > 0.0)
        {
            return Err(ArenaError::InvalidOption(
                "reweight floor must be > 0".into(),
            ));
        }
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) || self.max_iterations == 0 {
            return Err(ArenaError::InvalidOption(
                "tolerance must be > 0 and max_iterations >= 1".into(),
            ));
        }
        if !(self.scale.scale.is_finite() && self.scale.scale > 0.0 && self.scale.base.is_finite())
        {
            return Err(ArenaError::InvalidOption(
                "scale must be finite and positive".into(),
            ));
        }
        Ok(())
    }
}

/// Maps log-odds strengths to display ratings.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct RatingTransform {
    /// `base` of the scale (used without an anchor).
    pub base: f64,
    /// Rating points per unit of log-odds: `scale / ln 10`.
    pub factor: f64,
    /// Anchored item index and rating.
    pub anchor: Option<(usize, f64)>,
}

impl RatingTransform {
    /// Ratings for strengths `theta`.
    pub fn apply(&self, theta: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; theta.len()];
        self.apply_into(theta, &mut out);
        out
    }

    pub(crate) fn apply_into(&self, theta: &[f64], out: &mut [f64]) {
        let (origin, at) = match self.anchor {
            Some((a, rating)) => (theta[a], rating),
            None => (
                theta.iter().sum::<f64>() / theta.len().max(1) as f64,
                self.base,
            ),
        };
        for (o, t) in out.iter_mut().zip(theta) {
            *o = at + self.factor * (t - origin);
        }
    }
}

/// A converged fit.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Fit {
    /// Item names by index (as in the [`Comparisons`]).
    pub items: Vec<String>,
    /// Log-odds strengths as optimised (mean zero without a penalty).
    pub strengths: Vec<f64>,
    /// Elo-scale ratings.
    pub ratings: Vec<f64>,
    /// Newton iterations used.
    pub iterations: usize,
    /// Largest absolute entry of the (penalised) gradient at the solution.
    pub max_gradient: f64,
    /// The (penalised) log-likelihood at the solution.
    pub log_likelihood: f64,
    /// The map from strengths to ratings.
    pub transform: RatingTransform,
}

impl Fit {
    /// The rating of a named item.
    pub fn rating(&self, item: &str) -> Option<f64> {
        self.items
            .iter()
            .position(|n| n == item)
            .map(|i| self.ratings[i])
    }

    /// Probability that item `i` beats item `j` under the fitted model.
    pub fn win_probability(&self, i: usize, j: usize) -> f64 {
        sigmoid(self.strengths[i] - self.strengths[j])
    }

    /// BT strengths `exp(θ)` normalised to sum 1 (evalica's convention for comparing scores).
    pub fn normalized_scores(&self) -> Vec<f64> {
        let max = self
            .strengths
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = self.strengths.iter().map(|t| (t - max).exp()).collect();
        let s: f64 = e.iter().sum();
        e.into_iter().map(|x| x / s).collect()
    }
}

/// Fits Bradley–Terry strengths and Elo ratings.
///
/// Errors: [`ArenaError::Empty`] without votes; [`ArenaError::Disconnected`] or
/// [`ArenaError::NoFiniteMle`] when the unpenalised MLE is not unique and finite;
/// [`ArenaError::NotConverged`] if the safety cap is hit.
pub fn fit(comparisons: &Comparisons, options: &FitOptions) -> Result<Fit> {
    let problem = Problem::new(comparisons, options)?;
    problem.check_identifiable(comparisons)?;
    let transform = problem.transform(comparisons, options)?;
    let mut theta = vec![0.0; problem.n];
    let mut solver = Solver::new(problem.n);
    let stats = solver.solve(
        &problem.pairs,
        &problem.pair_credits,
        problem.l2,
        &mut theta,
        options,
    )?;
    let ratings = transform.apply(&theta);
    Ok(Fit {
        items: comparisons.items().to_vec(),
        strengths: theta,
        ratings,
        iterations: stats.iterations,
        max_gradient: stats.max_gradient,
        log_likelihood: stats.objective,
        transform,
    })
}

/// One aggregated row, prepared for fitting.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PreparedRow {
    /// Index into [`Problem::pairs`].
    pub pair: u32,
    /// Credit to the pair's first item per vote.
    pub a: f64,
    /// Credit to the pair's second item per vote.
    pub b: f64,
    /// Weight per vote (mean vote weight × reweighting).
    pub w: f64,
    /// Votes in the row.
    pub votes: u64,
}

/// The fitting problem: pairs, per-row credits and per-pair totals.
#[derive(Clone, Debug)]
pub(crate) struct Problem {
    pub n: usize,
    pub pairs: Vec<(u32, u32)>,
    pub rows: Vec<PreparedRow>,
    /// Summed credits `(A, B)` per pair for the data as given.
    pub pair_credits: Vec<(f64, f64)>,
    pub l2: f64,
    /// Total votes of all rows (including outcomes the tie mode drops).
    pub total_votes: u64,
}

impl Problem {
    pub fn new(comparisons: &Comparisons, options: &FitOptions) -> Result<Problem> {
        options.validate()?;
        let n = comparisons.len();
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        let mut pair_votes: Vec<u64> = Vec::new();
        let mut row_pair = Vec::with_capacity(comparisons.rows().len());
        for r in comparisons.rows() {
            if pairs.last() != Some(&(r.left, r.right)) {
                pairs.push((r.left, r.right));
                pair_votes.push(0);
            }
            let p = pairs.len() - 1;
            pair_votes[p] += r.votes;
            row_pair.push(p);
        }
        let mut rows = Vec::with_capacity(row_pair.len());
        for (r, &p) in comparisons.rows().iter().zip(&row_pair) {
            let (a, b) = options.ties.credits(r.outcome);
            if a + b <= 0.0 || r.votes == 0 || r.weight <= 0.0 {
                continue;
            }
            let rw = options.reweight.map_or(1.0, |rw| {
                1.0 / (pair_votes[p] as f64).max(rw.min_pair_votes)
            });
            let w = r.weight / r.votes as f64 * rw;
            rows.push(PreparedRow {
                pair: u32::try_from(p).unwrap_or(u32::MAX),
                a,
                b,
                w,
                votes: r.votes,
            });
        }
        if rows.is_empty() {
            return Err(ArenaError::Empty);
        }
        let mut pair_credits = vec![(0.0, 0.0); pairs.len()];
        accumulate_credits(&rows, |k| rows[k].votes as f64, &mut pair_credits);
        Ok(Problem {
            n,
            pairs,
            rows,
            pair_credits,
            l2: options.l2.unwrap_or(0.0),
            total_votes: comparisons.total_votes(),
        })
    }

    /// Without a penalty, the MLE must exist and be unique: connected graph, strongly connected wins.
    pub fn check_identifiable(&self, comparisons: &Comparisons) -> Result<()> {
        if self.l2 > 0.0 {
            return Ok(());
        }
        let sizes = graph::component_sizes(self.n, &self.pairs);
        if sizes.len() > 1 {
            return Err(ArenaError::Disconnected { sizes });
        }
        if let Some((groups, example)) =
            graph::unbeaten_group(self.n, &self.pairs, &self.pair_credits)
        {
            let names = comparisons.items();
            return Err(ArenaError::NoFiniteMle {
                groups,
                example: example
                    .into_iter()
                    .take(10)
                    .map(|i| names[i].clone())
                    .collect(),
            });
        }
        Ok(())
    }

    pub fn transform(
        &self,
        comparisons: &Comparisons,
        options: &FitOptions,
    ) -> Result<RatingTransform> {
        let anchor = match &options.anchor {
            Some(a) => Some((
                comparisons
                    .item_index(&a.item)
                    .ok_or_else(|| ArenaError::UnknownItem(a.item.clone()))?,
                a.rating,
            )),
            None => None,
        };
        Ok(RatingTransform {
            base: options.scale.base,
            factor: options.scale.scale / LN_10,
            anchor,
        })
    }
}

/// Sums `votes(k) · w · (a, b)` of every row into its pair.
pub(crate) fn accumulate_credits(
    rows: &[PreparedRow],
    votes: impl Fn(usize) -> f64,
    out: &mut [(f64, f64)],
) {
    out.iter_mut().for_each(|x| *x = (0.0, 0.0));
    for (k, r) in rows.iter().enumerate() {
        let v = votes(k) * r.w;
        let slot = &mut out[r.pair as usize];
        slot.0 += v * r.a;
        slot.1 += v * r.b;
    }
}

/// Statistics of a converged solve.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SolveStats {
    pub iterations: usize,
    pub max_gradient: f64,
    pub objective: f64,
}

/// Newton solver with reusable buffers (one per thread in the bootstrap).
pub(crate) struct Solver {
    n: usize,
    hessian: Vec<f64>,
    gradient: Vec<f64>,
    step: Vec<f64>,
    trial: Vec<f64>,
    trial_gradient: Vec<f64>,
    trial_hessian: Vec<f64>,
}

impl Solver {
    pub fn new(n: usize) -> Solver {
        Solver {
            n,
            hessian: vec![0.0; n * n],
            gradient: vec![0.0; n],
            step: vec![0.0; n],
            trial: vec![0.0; n],
            trial_gradient: vec![0.0; n],
            trial_hessian: vec![0.0; n * n],
        }
    }

    /// Maximises the penalised Bradley–Terry log-likelihood from the starting point in `theta`.
    pub fn solve(
        &mut self,
        pairs: &[(u32, u32)],
        credits: &[(f64, f64)],
        l2: f64,
        theta: &mut [f64],
        options: &FitOptions,
    ) -> Result<SolveStats> {
        let gauge = if l2 > 0.0 { None } else { Some(theta.len()) };
        self.solve_with(
            gauge,
            |t, g, h| evaluate(pairs, credits, l2, t, g, h),
            theta,
            options,
        )
    }

    /// Maximises a concave objective by damped Newton from the starting point in `theta` (warm start).
    ///
    /// `eval(θ, gradient, negative_hessian)` returns the objective and writes its derivatives.
    /// `gauge = Some(k)`: the objective is invariant to shifting the first `k` parameters together
    /// (their gradient sums to zero); the step is then taken with mean shift zero.
    pub fn solve_with<E>(
        &mut self,
        gauge: Option<usize>,
        mut eval: E,
        theta: &mut [f64],
        options: &FitOptions,
    ) -> Result<SolveStats>
    where
        E: FnMut(&[f64], &mut [f64], &mut [f64]) -> f64,
    {
        let n = self.n;
        let mut objective = eval(theta, &mut self.gradient, &mut self.hessian);
        let mut last_step = f64::INFINITY;
        for iteration in 1..=options.max_iterations {
            // Newton direction: (H [+ c 11ᵀ]) δ = g, with H the negative Hessian.
            self.step.copy_from_slice(&self.gradient);
            let mut m = std::mem::take(&mut self.trial_hessian);
            m.copy_from_slice(&self.hessian);
            if let Some(k) = gauge {
                add_gauge(&mut m, n, k);
            }
            let ok = linalg::cholesky_in_place(&mut m, n);
            if !ok {
                self.trial_hessian = m;
                return Err(ArenaError::Singular("Newton step"));
            }
            linalg::cholesky_solve(&m, n, &mut self.step);
            self.trial_hessian = m;
            let slope = linalg::dot(&self.gradient, &self.step);
            let step_max = self.step.iter().fold(0.0f64, |a, x| a.max(x.abs()));
            if step_max <= options.tolerance {
                // Converged: take this last (tiny) Newton step too, which squares the remaining error.
                for (t, s) in theta.iter_mut().zip(&self.step) {
                    *t += s;
                }
                let objective = eval(theta, &mut self.gradient, &mut self.hessian);
                return Ok(SolveStats {
                    iterations: iteration,
                    max_gradient: max_abs(&self.gradient),
                    objective,
                });
            }
            // Backtracking line search (Armijo), tolerant of rounding noise near the optimum.
            let mut t = 1.0;
            let noise = 1e-12 * (1.0 + objective.abs());
            let accepted = loop {
                for ((x, th), st) in self.trial.iter_mut().zip(theta.iter()).zip(&self.step) {
                    *x = th + t * st;
                }
                let trial_obj = eval(
                    &self.trial,
                    &mut self.trial_gradient,
                    &mut self.trial_hessian,
                );
                if trial_obj.is_finite() && trial_obj >= objective + 1e-4 * t * slope - noise {
                    break Some(trial_obj);
                }
                t *= 0.5;
                if t < 1e-10 {
                    break None;
                }
            };
            let Some(new_obj) = accepted else {
                // No ascent possible: we are at the optimum to machine precision, or stuck.
                let gradient = max_abs(&self.gradient);
                if step_max < 1e-6 {
                    return Ok(SolveStats {
                        iterations: iteration,
                        max_gradient: gradient,
                        objective,
                    });
                }
                return Err(ArenaError::NotConverged {
                    iterations: iteration,
                    last_step: step_max,
                    gradient,
                });
            };
            theta.copy_from_slice(&self.trial);
            std::mem::swap(&mut self.gradient, &mut self.trial_gradient);
            std::mem::swap(&mut self.hessian, &mut self.trial_hessian);
            objective = new_obj;
            last_step = t * step_max;
            if last_step <= options.tolerance {
                return Ok(SolveStats {
                    iterations: iteration,
                    max_gradient: max_abs(&self.gradient),
                    objective,
                });
            }
        }
        Err(ArenaError::NotConverged {
            iterations: options.max_iterations,
            last_step,
            gradient: max_abs(&self.gradient),
        })
    }
}

/// Penalised log-likelihood at `theta`, writing its gradient and negative Hessian.
pub(crate) fn evaluate(
    pairs: &[(u32, u32)],
    credits: &[(f64, f64)],
    l2: f64,
    theta: &[f64],
    gradient: &mut [f64],
    hessian: &mut [f64],
) -> f64 {
    let n = theta.len();
    gradient.iter_mut().for_each(|g| *g = 0.0);
    hessian.iter_mut().for_each(|h| *h = 0.0);
    let mut ll = 0.0;
    for (&(i, j), &(a, b)) in pairs.iter().zip(credits) {
        let total = a + b;
        if total <= 0.0 {
            continue;
        }
        let (i, j) = (i as usize, j as usize);
        let d = theta[i] - theta[j];
        let (p, log_p) = sigmoid_and_log(d);
        let log_q = log_p - d; // log σ(−d)
        if a > 0.0 {
            ll += a * log_p;
        }
        if b > 0.0 {
            ll += b * log_q;
        }
        let g = a - total * p;
        gradient[i] += g;
        gradient[j] -= g;
        let w = total * p * (1.0 - p);
        hessian[i * n + i] += w;
        hessian[j * n + j] += w;
        hessian[i * n + j] -= w;
        hessian[j * n + i] -= w;
    }
    if l2 > 0.0 {
        for i in 0..n {
            ll -= 0.5 * l2 * theta[i] * theta[i];
            gradient[i] -= l2 * theta[i];
            hessian[i * n + i] += l2;
        }
    }
    ll
}

/// Gradient of the penalised log-likelihood only (no Hessian, no logarithms): the cheap part of
/// a chord (fixed-Hessian Newton) iteration.
pub(crate) fn gradient(
    pairs: &[(u32, u32)],
    credits: &[(f64, f64)],
    l2: f64,
    theta: &[f64],
    out: &mut [f64],
) {
    for (o, t) in out.iter_mut().zip(theta) {
        *o = -l2 * t;
    }
    for (&(i, j), &(a, b)) in pairs.iter().zip(credits) {
        let (i, j) = (i as usize, j as usize);
        let p = 1.0 / (1.0 + (theta[j] - theta[i]).exp());
        let g = a - (a + b) * p;
        out[i] += g;
        out[j] -= g;
    }
}

/// Adds the gauge term `c·11ᵀ` (on the first `k` parameters) that fixes the mean of unpenalised
/// strengths, with `c` the mean diagonal entry divided by `k`.
pub(crate) fn add_gauge(m: &mut [f64], n: usize, k: usize) {
    let trace: f64 = (0..k).map(|i| m[i * n + i]).sum();
    let c = (trace / (k * k) as f64).max(f64::MIN_POSITIVE);
    for row in m.chunks_exact_mut(n).take(k) {
        row[..k].iter_mut().for_each(|x| *x += c);
    }
}

/// `σ(x)` and `log σ(x)`, computed stably with one `exp`.
#[inline]
pub(crate) fn sigmoid_and_log(x: f64) -> (f64, f64) {
    let e = (-x.abs()).exp();
    let l = e.ln_1p();
    if x >= 0.0 {
        (1.0 / (1.0 + e), -l)
    } else {
        (e / (1.0 + e), x - l)
    }
}

/// The logistic function.
#[inline]
pub fn sigmoid(x: f64) -> f64 {
    sigmoid_and_log(x).0
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0f64, |a, x| a.max(x.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ComparisonsBuilder;

    fn two_items(wins: u64, losses: u64, ties: u64) -> Comparisons {
        let mut b = ComparisonsBuilder::new();
        b.add("a", "b", Outcome::LeftWins, wins, wins as f64)
            .expect("add");
        b.add("a", "b", Outcome::RightWins, losses, losses as f64)
            .expect("add");
        b.add("a", "b", Outcome::Tie, ties, ties as f64)
            .expect("add");
        b.build()
    }

    #[test]
    fn two_items_have_the_closed_form_solution() {
        // a: 30 + 10/2 = 35 credits, b: 10 + 5 = 15 → θa − θb = ln(35/15).
        let fit = fit(&two_items(30, 10, 10), &FitOptions::default()).expect("fit");
        let diff = fit.strengths[0] - fit.strengths[1];
        assert!((diff - (35.0f64 / 15.0).ln()).abs() < 1e-12, "{diff}");
        assert!((fit.strengths[0] + fit.strengths[1]).abs() < 1e-12);
        assert!(((fit.ratings[0] + fit.ratings[1]) / 2.0 - 1000.0).abs() < 1e-9);
        let want = 400.0 * (35.0f64 / 15.0).log10();
        assert!((fit.ratings[0] - fit.ratings[1] - want).abs() < 1e-9);
    }

    #[test]
    fn anchor_pins_the_rating() {
        let opts = FitOptions::default().with_anchor("b", 1114.0);
        let fit = fit(&two_items(30, 10, 10), &opts).expect("fit");
        assert_eq!(fit.rating("b"), Some(1114.0));
        let unknown = FitOptions::default().with_anchor("zzz", 1.0);
        assert!(matches!(
            super::fit(&two_items(3, 1, 0), &unknown),
            Err(ArenaError::UnknownItem(_))
        ));
    }

    #[test]
    fn l2_shrinks_towards_zero_and_matches_stationarity() {
        let opts = FitOptions {
            l2: Some(0.5),
            ..FitOptions::default()
        };
        let fit = fit(&two_items(30, 10, 10), &opts).expect("fit");
        // Stationarity: A − (A+B)σ(d) = λ θa with θb = −θa, d = 2θa.
        let t = fit.strengths[0];
        let resid = 35.0 - 50.0 * sigmoid(2.0 * t) - 0.5 * t;
        assert!(resid.abs() < 1e-9, "{resid}");
        assert!(2.0 * t < (35.0f64 / 15.0).ln());
    }

    #[test]
    fn unbeaten_item_is_reported() {
        let err = fit(&two_items(5, 0, 0), &FitOptions::default()).expect_err("infinite");
        assert!(matches!(err, ArenaError::NoFiniteMle { .. }), "{err}");
        // A penalty makes it finite.
        let opts = FitOptions {
            l2: Some(FitOptions::fastchat_l2(1.0)),
            ..FitOptions::default()
        };
        assert!(fit(&two_items(5, 0, 0), &opts).is_ok());
    }

    #[test]
    fn iteration_cap_is_an_error_not_a_result() {
        let opts = FitOptions {
            max_iterations: 1,
            ..FitOptions::default()
        };
        let err = fit(&two_items(300, 10, 10), &opts).expect_err("capped");
        assert!(
            matches!(err, ArenaError::NotConverged { iterations: 1, .. }),
            "{err}"
        );
    }

    #[test]
    fn tie_modes_give_the_documented_credits() {
        assert_eq!(TieMode::Half.credits(Outcome::TieBothBad), (0.5, 0.5));
        assert_eq!(
            TieMode::DropBothBad.credits(Outcome::TieBothBad),
            (0.0, 0.0)
        );
        assert_eq!(TieMode::Drop.credits(Outcome::Tie), (0.0, 0.0));
        assert_eq!(
            TieMode::Weighted { win: 2.0, tie: 1.0 }.credits(Outcome::RightWins),
            (0.0, 2.0)
        );
        // Dropping ties changes the closed form: 30 vs 10.
        let opts = FitOptions {
            ties: TieMode::Drop,
            ..FitOptions::default()
        };
        let fit = fit(&two_items(30, 10, 10), &opts).expect("fit");
        assert!((fit.strengths[0] - fit.strengths[1] - 3.0f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn fastchat_l2_constant() {
        assert!((FitOptions::fastchat_l2(1.0) - 0.094_305_848_505_806_94).abs() < 1e-15);
    }
}
