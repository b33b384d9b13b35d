//! The committee-arena ranking engine: Bradley–Terry ratings from pairwise votes, with intervals.
//!
//! Pure computation: no I/O beyond parsing text handed in, no web, no database.
//!
//! ```text
//! text ──read::parse_*──▶ VoteLog ──.comparisons()──▶ Comparisons ──fit()──▶ Fit
//!                                                       │                  │
//!                               bootstrap() / sandwich()◀──────────────────┘
//!                                                       ▼
//!                                          Intervals ──▶ Leaderboard (serde)
//! ```
//!
//! * [`data`]: items, [`Outcome`]s, [`VoteLog`] (votes in order, with voters) and [`Comparisons`]
//!   (unique `(left, right, outcome)` rows with counts, canonical `left < right`).
//! * [`fit`](mod@fit): Bradley–Terry maximum likelihood by damped Newton on aggregated pair counts,
//!   converged to a tolerance (non-convergence is an error); ties as half wins by default; Elo scale
//!   `1000 + 400/ln10 · θ` with mean 1000 or an anchor; optional L2 (FastChat's
//!   `LogisticRegression(C)` via [`FitOptions::fastchat_l2`]) and arena-rank reweighting.
//! * [`intervals`]: multinomial bootstrap over unique rows (seeded, parallel, warm-started) and
//!   sandwich standard errors; [`ranks_from_intervals`].
//! * [`style`]: covariates (style control) fitted jointly with the strengths.
//! * [`active`]: the next pair a committee member should judge (largest expected variance reduction).
//! * [`graph`]: connected components; [`sprt`]: outlier-voter test against the consensus model.
//! * [`read`]: FastChat `clean_battle` JSON, aggregated pair-count JSON, pairwise CSV.
//! * [`leaderboard`]: the serialisable result table.
//! * [`compat`]: evalica 0.1's early-stopped MM iteration, to reproduce numbers published with it.
//!
//! ```
//! use scout_arena::{FitOptions, Leaderboard, SandwichOptions, fit, parse_pairwise_csv, sandwich};
//!
//! let csv = "left,right,winner\na,b,left\na,b,left\nb,a,tie\nb,c,left\nc,b,left\nc,a,right\na,c,right\n";
//! let comparisons = parse_pairwise_csv(csv)?.comparisons();
//! let options = FitOptions::default(); // ties = ½ win, mean rating 1000
//! let fitted = fit(&comparisons, &options)?;
//! let intervals = sandwich(&comparisons, &fitted, &options, &SandwichOptions::default())?;
//! let board = Leaderboard::new(&comparisons, &fitted, Some(&intervals), 0)?;
//! assert_eq!(board.rows[0].item, "a");
//! println!("{}", serde_json::to_string_pretty(&board).expect("serialisable"));
//! # Ok::<(), scout_arena::ArenaError>(())
//! ```
//!
//! Conventions and measured agreement with evalica, llmfao, GenAI-Arena (FastChat) and arena-rank
//! are in the crate's `VALIDATION.md`.

pub mod active;
pub mod compat;
pub mod data;
pub mod error;
pub mod fit;
pub mod graph;
pub mod intervals;
pub mod leaderboard;
mod linalg;
pub mod read;
mod resample;
mod rng;
pub mod sprt;
pub mod style;

pub use active::{ActiveOptions, Suggestion, next_pair};
pub use data::{Comparisons, ComparisonsBuilder, Outcome, Row, Vote, VoteLog};
pub use error::{ArenaError, Result};
pub use fit::{Anchor, EloScale, Fit, FitOptions, RatingTransform, Reweight, TieMode, fit};
pub use graph::components;
pub use intervals::{
    BootstrapOptions, BootstrapSamples, IntervalMethod, Intervals, SandwichOptions, SandwichRidge,
    bootstrap, bootstrap_samples, ranks_from_intervals, sandwich, sandwich_covariance,
};
pub use leaderboard::{Leaderboard, LeaderboardRow};
pub use read::{BattleFilter, parse_clean_battle, parse_pair_counts, parse_pairwise_csv};
pub use sprt::{Alternative, SprtDecision, SprtOptions, SprtResult, sprt_all_voters, sprt_voter};
pub use style::{FeatureComparisons, FeatureVote, StyleFit, fit_with_features};
