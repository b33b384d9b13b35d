//! Outlier-voter screening: Wald's sequential probability ratio test of one voter against consensus.
//!
//! H0: the voter's decisive votes follow the consensus model, `P(left wins) = σ(θ_left − θ_right)`.
//! H1: the voter follows reversed preferences (`P(left wins) = σ(θ_right − θ_left)`) or votes at
//! random (`P = ½`). Each decisive vote adds `log P1(vote) − log P0(vote)` to the log-likelihood
//! ratio; ties carry no information about direction under either hypothesis and are skipped. The
//! test stops at the first crossing of `A = ln((1−β)/α)` (flag) or `B = ln(β/(1−α))` (clear), with
//! `α` the false-flag rate and `β` the miss rate (Wald 1945).
//!
//! The consensus fit should ideally exclude the voter under test; with many voters the difference
//! is small.

use crate::data::{Outcome, Vote, VoteLog};
use crate::error::{ArenaError, Result};
use crate::fit::{Fit, sigmoid_and_log};

/// The alternative hypothesis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize)]
pub enum Alternative {
    /// The voter prefers what the consensus does not.
    #[default]
    Reversed,
    /// The voter picks a side at random.
    Random,
}

/// SPRT settings.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct SprtOptions {
    /// Probability of flagging a voter who follows consensus.
    pub alpha: f64,
    /// Probability of clearing a voter who follows the alternative.
    pub beta: f64,
    /// The alternative hypothesis.
    pub alternative: Alternative,
}

impl Default for SprtOptions {
    fn default() -> Self {
        SprtOptions {
            alpha: 0.01,
            beta: 0.01,
            alternative: Alternative::Reversed,
        }
    }
}

/// The test's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum SprtDecision {
    /// The upper boundary was crossed: the votes look like the alternative.
    Flagged,
    /// The lower boundary was crossed: the votes look like consensus.
    Cleared,
    /// The votes ran out between the boundaries.
    Undecided,
}

/// Outcome of one voter's test.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct SprtResult {
    /// The verdict.
    pub decision: SprtDecision,
    /// Whether the voter was flagged.
    pub flagged: bool,
    /// Log-likelihood ratio when the test stopped.
    pub log_lr: f64,
    /// Log-likelihood ratio over all decisive votes (not stopping).
    pub total_log_lr: f64,
    /// Decisive votes consumed until the test stopped.
    pub votes_used: usize,
    /// Decisive votes available.
    pub decisive_votes: usize,
    /// Upper (flag) boundary `A`.
    pub upper: f64,
    /// Lower (clear) boundary `B`.
    pub lower: f64,
}

/// Tests one voter's votes (item indices as in `fit`) against the consensus `fit`.
pub fn sprt_voter<'v>(
    fit: &Fit,
    votes: impl IntoIterator<Item = &'v Vote>,
    options: &SprtOptions,
) -> Result<SprtResult> {
    let SprtOptions {
        alpha,
        beta,
        alternative,
    } = *options;
    if !(alpha > 0.0 && alpha < 1.0 && beta > 0.0 && beta < 1.0) {
        return Err(ArenaError::InvalidOption(format!(
            "SPRT alpha and beta must be in (0, 1): {alpha}, {beta}"
        )));
    }
    let upper = ((1.0 - beta) / alpha).ln();
    let lower = (beta / (1.0 - alpha)).ln();
    let n = fit.strengths.len();
    let mut log_lr = 0.0;
    let mut stopped: Option<(SprtDecision, f64, usize)> = None;
    let mut decisive = 0;
    for v in votes {
        for idx in [v.left, v.right] {
            if idx as usize >= n {
                return Err(ArenaError::ItemIndex {
                    index: idx as usize,
                    items: n,
                    context: "SPRT vote".into(),
                });
            }
        }
        // d: consensus log-odds that the vote's winner wins.
        let d = match v.outcome {
            Outcome::LeftWins => fit.strengths[v.left as usize] - fit.strengths[v.right as usize],
            Outcome::RightWins => fit.strengths[v.right as usize] - fit.strengths[v.left as usize],
            Outcome::Tie | Outcome::TieBothBad => continue,
        };
        decisive += 1;
        let log_p0 = sigmoid_and_log(d).1;
        let log_p1 = match alternative {
            Alternative::Reversed => log_p0 - d, // log σ(−d)
            Alternative::Random => -std::f64::consts::LN_2,
        };
        log_lr += log_p1 - log_p0;
        if stopped.is_none() {
            if log_lr >= upper {
                stopped = Some((SprtDecision::Flagged, log_lr, decisive));
            } else if log_lr <= lower {
                stopped = Some((SprtDecision::Cleared, log_lr, decisive));
            }
        }
    }
    let (decision, at, used) = stopped.unwrap_or((SprtDecision::Undecided, log_lr, decisive));
    Ok(SprtResult {
        decision,
        flagged: decision == SprtDecision::Flagged,
        log_lr: at,
        total_log_lr: log_lr,
        votes_used: used,
        decisive_votes: decisive,
        upper,
        lower,
    })
}

/// Runs [`sprt_voter`] for every voter of `log` (whose item indices must match `fit`), returning
/// `(voter name, result)` in voter order.
pub fn sprt_all_voters(
    fit: &Fit,
    log: &VoteLog,
    options: &SprtOptions,
) -> Result<Vec<(String, SprtResult)>> {
    if log.items().len() != fit.items.len() {
        return Err(ArenaError::Shape(format!(
            "vote log has {} items, fit has {}",
            log.items().len(),
            fit.items.len()
        )));
    }
    let mut by_voter: Vec<Vec<&Vote>> = vec![Vec::new(); log.voters().len()];
    for v in log.votes() {
        if let Some(id) = v.voter {
            by_voter[id as usize].push(v);
        }
    }
    log.voters()
        .iter()
        .zip(by_voter)
        .map(|(name, votes)| Ok((name.clone(), sprt_voter(fit, votes, options)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::{FitOptions, fit};

    fn consensus() -> (VoteLog, Fit) {
        let mut log = VoteLog::new();
        for _ in 0..40 {
            log.push("a", "b", Outcome::LeftWins, Some("crowd"), String::new)
                .expect("vote");
        }
        for _ in 0..10 {
            log.push("a", "b", Outcome::RightWins, Some("crowd"), String::new)
                .expect("vote");
        }
        let f = fit(&log.comparisons(), &FitOptions::default()).expect("fit");
        (log, f)
    }

    #[test]
    fn reversed_voter_is_flagged_and_consensus_voter_cleared() {
        let (_, f) = consensus();
        let contrarian = vec![
            Vote {
                left: 0,
                right: 1,
                outcome: Outcome::RightWins,
                voter: None
            };
            10
        ];
        let r = sprt_voter(&f, &contrarian, &SprtOptions::default()).expect("sprt");
        assert!(r.flagged, "{r:?}");
        // Each vote adds ln 4 (p = 0.8): ln 99 / ln 4 → flagged at the 4th vote.
        assert_eq!(r.votes_used, 4);
        assert!(
            (r.total_log_lr - 10.0 * 4f64.ln()).abs() < 1e-9,
            "{r:?} {:?}",
            f.strengths
        );
        let agreeing = vec![
            Vote {
                left: 0,
                right: 1,
                outcome: Outcome::LeftWins,
                voter: None
            };
            10
        ];
        let r = sprt_voter(&f, &agreeing, &SprtOptions::default()).expect("sprt");
        assert_eq!(r.decision, SprtDecision::Cleared);
        let ties = vec![
            Vote {
                left: 0,
                right: 1,
                outcome: Outcome::Tie,
                voter: None
            };
            10
        ];
        let r = sprt_voter(&f, &ties, &SprtOptions::default()).expect("sprt");
        assert_eq!((r.decision, r.decisive_votes), (SprtDecision::Undecided, 0));
    }

    #[test]
    fn random_alternative_and_all_voters() {
        let (mut log, _) = consensus();
        for k in 0..30 {
            let outcome = if k % 2 == 0 {
                Outcome::LeftWins
            } else {
                Outcome::RightWins
            };
            log.push("a", "b", outcome, Some("coin"), String::new)
                .expect("vote");
        }
        let f = fit(&log.comparisons(), &FitOptions::default()).expect("fit");
        let opts = SprtOptions {
            alternative: Alternative::Random,
            ..SprtOptions::default()
        };
        let all = sprt_all_voters(&f, &log, &opts).expect("all");
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].0, "coin");
        // A coin-flipper has a positive total log-LR against consensus; the crowd a negative one.
        assert!(
            all[1].1.total_log_lr > 0.0 && all[0].1.total_log_lr < 0.0,
            "{all:?}"
        );
    }
}
