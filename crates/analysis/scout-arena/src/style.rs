//! Style control: Bradley–Terry with per-comparison covariates fitted jointly with the strengths.
//!
//! Each vote carries a feature-difference vector `x` (left minus right, e.g. answer-length or
//! markdown-count differences, usually standardised) and the model becomes
//! `P(left wins) = σ(θ_left − θ_right + βᵀx)`. The coefficients `β` carry an L2 penalty
//! `−μ/2 ‖β‖²`; `θ` follows [`FitOptions`] (tie mode, optional L2, anchor, scale). Newton runs on the
//! joint vector `(θ, β)`. Votes are not aggregated, since features differ per vote.

use crate::data::{Comparisons, ComparisonsBuilder, Outcome};
use crate::error::{ArenaError, Result};
use crate::fit::{Fit, FitOptions, Problem, Solver, sigmoid_and_log};
use crate::graph;

/// One vote with a weight; its features live in [`FeatureComparisons`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FeatureVote {
    /// Left item index.
    pub left: u32,
    /// Right item index.
    pub right: u32,
    /// Outcome from the left item's point of view.
    pub outcome: Outcome,
    /// Vote weight.
    pub weight: f64,
}

/// Votes with feature-difference vectors.
#[derive(Clone, Debug, Default)]
pub struct FeatureComparisons {
    items: Vec<String>,
    features: Vec<String>,
    votes: Vec<FeatureVote>,
    x: Vec<f64>,
}

impl FeatureComparisons {
    /// An empty set over the given items and feature names.
    pub fn new(items: Vec<String>, features: Vec<String>) -> Self {
        FeatureComparisons {
            items,
            features,
            votes: Vec::new(),
            x: Vec::new(),
        }
    }

    /// Adds a vote; `diff` is the left-minus-right feature vector (one value per feature).
    pub fn push(&mut self, vote: FeatureVote, diff: &[f64]) -> Result<()> {
        let n = self.items.len();
        for idx in [vote.left, vote.right] {
            if idx as usize >= n {
                return Err(ArenaError::ItemIndex {
                    index: idx as usize,
                    items: n,
                    context: format!("feature vote {}", self.votes.len()),
                });
            }
        }
        if vote.left == vote.right {
            return Err(ArenaError::SelfComparison {
                item: self.items[vote.left as usize].clone(),
                context: format!("feature vote {}", self.votes.len()),
            });
        }
        if diff.len() != self.features.len() || diff.iter().any(|v| !v.is_finite()) {
            return Err(ArenaError::Shape(format!(
                "feature vote {}: expected {} finite features, got {:?}",
                self.votes.len(),
                self.features.len(),
                diff
            )));
        }
        self.votes.push(vote);
        self.x.extend_from_slice(diff);
        Ok(())
    }

    /// Item names.
    pub fn items(&self) -> &[String] {
        &self.items
    }

    /// Feature names.
    pub fn features(&self) -> &[String] {
        &self.features
    }

    /// Number of votes.
    pub fn len(&self) -> usize {
        self.votes.len()
    }

    /// Whether there are no votes.
    pub fn is_empty(&self) -> bool {
        self.votes.is_empty()
    }

    /// The votes aggregated without their features.
    pub fn comparisons(&self) -> Comparisons {
        let mut b = ComparisonsBuilder::with_items(self.items.iter().map(String::as_str));
        for v in &self.votes {
            b.add_indexed(v.left, v.right, v.outcome, 1, v.weight);
        }
        b.build()
    }
}

/// A style-controlled fit: strengths and ratings net of the covariates, and their coefficients.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct StyleFit {
    /// Strengths and ratings with the covariate effects removed.
    pub fit: Fit,
    /// Feature names.
    pub features: Vec<String>,
    /// Coefficients `β` on the log-odds scale, one per feature.
    pub coefficients: Vec<f64>,
}

/// Fits strengths and covariate coefficients jointly; `feature_l2` is the penalty `μ` on `β`.
pub fn fit_with_features(
    data: &FeatureComparisons,
    options: &FitOptions,
    feature_l2: f64,
) -> Result<StyleFit> {
    if !(feature_l2.is_finite() && feature_l2 >= 0.0) {
        return Err(ArenaError::InvalidOption(format!(
            "feature_l2 must be >= 0, got {feature_l2}"
        )));
    }
    let comparisons = data.comparisons();
    // Validates options, and gives the transform and the identifiability pre-check.
    let problem = Problem::new(&comparisons, options)?;
    if problem.l2 <= 0.0 {
        let sizes = graph::component_sizes(problem.n, &problem.pairs);
        if sizes.len() > 1 {
            return Err(ArenaError::Disconnected { sizes });
        }
    }
    let transform = problem.transform(&comparisons, options)?;
    let n = data.items.len();
    let d = data.features.len();
    let l2 = problem.l2;
    // Per-vote credits and weights (the reweighting of `options` is applied per pair).
    let pair_votes = pair_vote_counts(&comparisons);
    let prepared: Vec<(usize, usize, f64, f64, f64)> = data
        .votes
        .iter()
        .map(|v| {
            let (a, b) = options.ties.credits(v.outcome);
            let key = if v.left < v.right {
                (v.left, v.right)
            } else {
                (v.right, v.left)
            };
            let rw = options.reweight.map_or(1.0, |r| {
                1.0 / (pair_votes.get(&key).copied().unwrap_or(0) as f64).max(r.min_pair_votes)
            });
            (v.left as usize, v.right as usize, a, b, v.weight * rw)
        })
        .collect();
    let dim = n + d;
    let eval = |params: &[f64], grad: &mut [f64], hess: &mut [f64]| -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        hess.iter_mut().for_each(|h| *h = 0.0);
        let (theta, beta) = params.split_at(n);
        let mut ll = 0.0;
        for (k, &(l, r, a, b, w)) in prepared.iter().enumerate() {
            if a + b <= 0.0 || w <= 0.0 {
                continue;
            }
            let x = &data.x[k * d..(k + 1) * d];
            let z = theta[l] - theta[r] + x.iter().zip(beta).map(|(xi, bi)| xi * bi).sum::<f64>();
            let (p, log_p) = sigmoid_and_log(z);
            ll += w * (a * log_p + b * (log_p - z));
            let g = w * (a - (a + b) * p);
            let h = w * (a + b) * p * (1.0 - p);
            grad[l] += g;
            grad[r] -= g;
            for (f, xf) in x.iter().enumerate() {
                grad[n + f] += g * xf;
            }
            // u = e_l − e_r ⊕ x; H += h u uᵀ.
            hess[l * dim + l] += h;
            hess[r * dim + r] += h;
            hess[l * dim + r] -= h;
            hess[r * dim + l] -= h;
            for (f, xf) in x.iter().enumerate() {
                let c = h * xf;
                let col = n + f;
                hess[l * dim + col] += c;
                hess[col * dim + l] += c;
                hess[r * dim + col] -= c;
                hess[col * dim + r] -= c;
                for (f2, xf2) in x.iter().enumerate() {
                    hess[col * dim + n + f2] += c * xf2;
                }
            }
        }
        for i in 0..n {
            if l2 > 0.0 {
                ll -= 0.5 * l2 * params[i] * params[i];
                grad[i] -= l2 * params[i];
                hess[i * dim + i] += l2;
            }
        }
        for f in n..dim {
            ll -= 0.5 * feature_l2 * params[f] * params[f];
            grad[f] -= feature_l2 * params[f];
            hess[f * dim + f] += feature_l2;
        }
        ll
    };
    let mut params = vec![0.0; dim];
    let mut solver = Solver::new(dim);
    let gauge = if l2 > 0.0 { None } else { Some(n) };
    let stats = solver.solve_with(gauge, eval, &mut params, options)?;
    let strengths = params[..n].to_vec();
    let ratings = transform.apply(&strengths);
    Ok(StyleFit {
        fit: Fit {
            items: data.items.clone(),
            strengths,
            ratings,
            iterations: stats.iterations,
            max_gradient: stats.max_gradient,
            log_likelihood: stats.objective,
            transform,
        },
        features: data.features.clone(),
        coefficients: params[n..].to_vec(),
    })
}

fn pair_vote_counts(c: &Comparisons) -> std::collections::HashMap<(u32, u32), u64> {
    let mut m = std::collections::HashMap::new();
    for r in c.rows() {
        *m.entry((r.left, r.right)).or_insert(0) += r.votes;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::{fit, sigmoid};
    use crate::rng::Rng;

    fn synthetic(beta: f64, votes: usize, seed: u64) -> FeatureComparisons {
        let items: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
        let theta = [0.8, 0.3, -0.2, -0.9];
        let mut data = FeatureComparisons::new(items, vec!["length".into()]);
        let mut rng = Rng::new(seed, 0);
        for _ in 0..votes {
            let l = (rng.next_u64() % 4) as u32;
            let r = (l + 1 + (rng.next_u64() % 3) as u32) % 4;
            let x = 3.0 * rng.next_f64() - 1.5;
            let p = sigmoid(theta[l as usize] - theta[r as usize] + beta * x);
            let outcome = if rng.next_f64() < p {
                Outcome::LeftWins
            } else {
                Outcome::RightWins
            };
            data.push(
                FeatureVote {
                    left: l,
                    right: r,
                    outcome,
                    weight: 1.0,
                },
                &[x],
            )
            .expect("push");
        }
        data
    }

    #[test]
    fn recovers_the_covariate_effect() {
        let data = synthetic(1.2, 20_000, 3);
        let style = fit_with_features(&data, &FitOptions::default(), 1e-6).expect("fit");
        assert!(
            (style.coefficients[0] - 1.2).abs() < 0.08,
            "{:?}",
            style.coefficients
        );
        let s = &style.fit.strengths;
        let want = [0.8, 0.3, -0.2, -0.9];
        for k in 0..4 {
            assert!((s[k] - want[k]).abs() < 0.08, "{s:?}");
        }
    }

    #[test]
    fn zero_features_reduce_to_the_plain_fit() {
        let data = synthetic(0.0, 2_000, 5);
        let mut zeroed = FeatureComparisons::new(data.items().to_vec(), vec!["z".into()]);
        for v in &data.votes {
            zeroed.push(*v, &[0.0]).expect("push");
        }
        let style = fit_with_features(&zeroed, &FitOptions::default(), 1.0).expect("style");
        let plain = fit(&zeroed.comparisons(), &FitOptions::default()).expect("plain");
        for (a, b) in style.fit.ratings.iter().zip(&plain.ratings) {
            assert!((a - b).abs() < 1e-7, "{a} vs {b}");
        }
        assert!(style.coefficients[0].abs() < 1e-12);
    }

    #[test]
    fn rejects_wrong_feature_width() {
        let mut data = FeatureComparisons::new(vec!["a".into(), "b".into()], vec!["f".into()]);
        let vote = FeatureVote {
            left: 0,
            right: 1,
            outcome: Outcome::Tie,
            weight: 1.0,
        };
        assert!(matches!(
            data.push(vote, &[1.0, 2.0]),
            Err(ArenaError::Shape(_))
        ));
    }
}
