//! Reproductions of other tools' early-stopped iterations, for matching numbers they published.
//!
//! [`evalica_mm`] is evalica 0.1's Bradley–Terry (Zermelo/Hunter MM on a win matrix with ties as
//! half wins), *including its stopping rule*: start from all-ones, renormalise to sum 1 every
//! iteration, stop when the Euclidean norm of the change is below `tolerance` (default 1e-6) or after
//! `limit` (default 100) iterations. llmfao's published scores were made this way and stop short of
//! the maximum-likelihood solution (by up to 7e-3 on `gpt4-crowd-comparisons.csv`, which hits the
//! limit), so reproducing them needs this rule; for estimates use [`crate::fit()`].

use crate::data::Comparisons;
use crate::error::{ArenaError, Result};
use crate::fit::TieMode;

/// evalica 0.1 settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EvalicaMmOptions {
    /// Credit for a win (`win_weight`).
    pub win_weight: f64,
    /// Credit per side for a tie (`tie_weight`).
    pub tie_weight: f64,
    /// Stop when `‖s_new − s‖₂ < tolerance`.
    pub tolerance: f64,
    /// Maximum iterations.
    pub limit: usize,
}

impl Default for EvalicaMmOptions {
    fn default() -> Self {
        EvalicaMmOptions {
            win_weight: 1.0,
            tie_weight: 0.5,
            tolerance: 1e-6,
            limit: 100,
        }
    }
}

/// Scores (summing to 1, by item index) and the iterations used, exactly as evalica 0.1.2 computes
/// them (its `naive` solver; the Rust `pyo3` solver gives the same numbers).
pub fn evalica_mm(
    comparisons: &Comparisons,
    options: &EvalicaMmOptions,
) -> Result<(Vec<f64>, usize)> {
    let n = comparisons.len();
    if n == 0 {
        return Err(ArenaError::Empty);
    }
    let ties = TieMode::Weighted {
        win: options.win_weight,
        tie: options.tie_weight,
    };
    // matrix[i][j] = credits of i against j, stored per pair as (A, B).
    let mut pairs: Vec<(usize, usize, f64, f64)> = Vec::new();
    for r in comparisons.rows() {
        let (a, b) = ties.credits(r.outcome);
        let (a, b) = (a * r.weight, b * r.weight);
        let (i, j) = (r.left as usize, r.right as usize);
        match pairs.last_mut() {
            Some(last) if last.0 == i && last.1 == j => {
                last.2 += a;
                last.3 += b;
            }
            _ => pairs.push((i, j, a, b)),
        }
    }
    let mut wins = vec![0.0; n];
    for &(i, j, a, b) in &pairs {
        wins[i] += a;
        wins[j] += b;
    }
    let mut scores = vec![1.0; n];
    let mut next = vec![0.0; n];
    let mut denominators = vec![0.0; n];
    let mut iterations = 0;
    while iterations < options.limit {
        iterations += 1;
        denominators.iter_mut().for_each(|d| *d = 0.0);
        for &(i, j, a, b) in &pairs {
            let total = a + b;
            if total > 0.0 {
                let x = total / (scores[i] + scores[j]);
                denominators[i] += x;
                denominators[j] += x;
            }
        }
        for k in 0..n {
            next[k] = wins[k] / denominators[k];
        }
        let sum: f64 = next.iter().sum();
        let mut change = 0.0;
        for k in 0..n {
            let mut v = next[k] / sum;
            if v.is_nan() {
                v = options.tolerance; // numpy.nan_to_num(nan=tolerance)
            }
            change += (v - scores[k]) * (v - scores[k]);
            scores[k] = v;
        }
        if change.sqrt() < options.tolerance {
            break;
        }
    }
    Ok((scores, iterations))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{ComparisonsBuilder, Outcome};
    use crate::fit::{FitOptions, fit};

    #[test]
    fn converges_to_the_mle_with_a_tight_tolerance() {
        let mut b = ComparisonsBuilder::new();
        for (l, r, w, lo, t) in [
            ("a", "b", 6, 4, 1),
            ("b", "c", 5, 4, 2),
            ("a", "c", 7, 3, 1),
        ] {
            b.add(l, r, Outcome::LeftWins, w, w as f64).expect("add");
            b.add(l, r, Outcome::RightWins, lo, lo as f64).expect("add");
            b.add(l, r, Outcome::Tie, t, t as f64).expect("add");
        }
        let c = b.build();
        let opts = EvalicaMmOptions {
            tolerance: 1e-15,
            limit: 100_000,
            ..Default::default()
        };
        let (mm, iterations) = evalica_mm(&c, &opts).expect("mm");
        assert!(iterations > 1 && iterations < 100_000);
        let newton = fit(&c, &FitOptions::default())
            .expect("fit")
            .normalized_scores();
        for (x, y) in mm.iter().zip(&newton) {
            assert!((x - y).abs() < 1e-12, "{x} vs {y}");
        }
        // The default stopping rule stops early, and not at the optimum.
        let (early, it) = evalica_mm(&c, &EvalicaMmOptions::default()).expect("mm");
        assert!(it < iterations);
        assert!(
            early
                .iter()
                .zip(&newton)
                .any(|(x, y)| (x - y).abs() > 1e-10)
        );
    }
}
