//! The leaderboard: one row per item with rating, interval, rank and vote count, serialisable.

use crate::data::Comparisons;
use crate::error::{ArenaError, Result};
use crate::fit::Fit;
use crate::intervals::{IntervalMethod, Intervals};

/// One leaderboard row.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LeaderboardRow {
    /// Item name.
    pub item: String,
    /// Elo-scale rating.
    pub rating: f64,
    /// Lower interval bound, when intervals were computed.
    pub lower: Option<f64>,
    /// Upper interval bound, when intervals were computed.
    pub upper: Option<f64>,
    /// Rank: from intervals (`1 +` items whose lower bound is above this upper bound), otherwise
    /// `1 +` items with a strictly higher rating.
    pub rank: usize,
    /// Votes the item took part in.
    pub votes: u64,
    /// Fewer votes than the leaderboard's `min_votes`.
    pub provisional: bool,
}

/// Rows sorted by rating, best first, with how they were made.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Leaderboard {
    /// The rows.
    pub rows: Vec<LeaderboardRow>,
    /// Interval coverage, if intervals were given.
    pub confidence: Option<f64>,
    /// `"bootstrap"` or `"sandwich"`, if intervals were given.
    pub interval_method: Option<String>,
    /// Votes below which an item is provisional.
    pub min_votes: u64,
    /// Total votes in the data.
    pub total_votes: u64,
}

impl Leaderboard {
    /// Builds the leaderboard of `fit` on `comparisons`, with optional intervals.
    pub fn new(
        comparisons: &Comparisons,
        fit: &Fit,
        intervals: Option<&Intervals>,
        min_votes: u64,
    ) -> Result<Leaderboard> {
        let n = fit.ratings.len();
        if comparisons.len() != n
            || intervals.is_some_and(|i| i.lower.len() != n || i.upper.len() != n)
        {
            return Err(ArenaError::Shape(
                "fit, comparisons and intervals must cover the same items".into(),
            ));
        }
        let votes = comparisons.votes_per_item();
        let ranks: Vec<usize> = match intervals {
            Some(iv) => iv.ranks(),
            None => {
                let mut sorted = fit.ratings.clone();
                sorted.sort_by(|a, b| b.total_cmp(a));
                fit.ratings
                    .iter()
                    .map(|r| 1 + sorted.partition_point(|s| s > r))
                    .collect()
            }
        };
        let mut rows: Vec<LeaderboardRow> = (0..n)
            .map(|i| LeaderboardRow {
                item: fit.items[i].clone(),
                rating: fit.ratings[i],
                lower: intervals.map(|iv| iv.lower[i]),
                upper: intervals.map(|iv| iv.upper[i]),
                rank: ranks[i],
                votes: votes[i],
                provisional: votes[i] < min_votes,
            })
            .collect();
        rows.sort_by(|a, b| {
            b.rating
                .total_cmp(&a.rating)
                .then_with(|| a.item.cmp(&b.item))
        });
        Ok(Leaderboard {
            rows,
            confidence: intervals.map(|i| i.confidence),
            interval_method: intervals.map(|i| {
                match i.method {
                    IntervalMethod::Bootstrap { .. } => "bootstrap",
                    IntervalMethod::Sandwich { .. } => "sandwich",
                }
                .to_owned()
            }),
            min_votes,
            total_votes: comparisons.total_votes(),
        })
    }

    /// The row of a named item.
    pub fn row(&self, item: &str) -> Option<&LeaderboardRow> {
        self.rows.iter().find(|r| r.item == item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{ComparisonsBuilder, Outcome};
    use crate::fit::{FitOptions, fit};
    use crate::intervals::{SandwichOptions, sandwich};

    #[test]
    fn sorted_ranked_and_serialisable() {
        let mut b = ComparisonsBuilder::new();
        b.add("low", "high", Outcome::RightWins, 30, 30.0)
            .expect("add");
        b.add("low", "high", Outcome::LeftWins, 10, 10.0)
            .expect("add");
        b.add("mid", "high", Outcome::Tie, 2, 2.0).expect("add");
        b.add("mid", "low", Outcome::LeftWins, 2, 2.0).expect("add");
        b.add("mid", "low", Outcome::RightWins, 1, 1.0)
            .expect("add");
        let c = b.build();
        let opts = FitOptions::default();
        let f = fit(&c, &opts).expect("fit");
        let plain = Leaderboard::new(&c, &f, None, 10).expect("board");
        assert_eq!(
            plain.rows.iter().map(|r| r.rank).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert_eq!(plain.rows[0].item, "high");
        assert!(
            plain
                .row("mid")
                .is_some_and(|r| r.provisional && r.votes == 5)
        );
        let iv = sandwich(&c, &f, &opts, &SandwichOptions::default()).expect("sandwich");
        let board = Leaderboard::new(&c, &f, Some(&iv), 10).expect("board");
        assert_eq!(board.interval_method.as_deref(), Some("sandwich"));
        let json = serde_json::to_string(&board).expect("json");
        let back: Leaderboard = serde_json::from_str(&json).expect("parse back");
        assert_eq!(back.rows.len(), 3);
        for (a, b) in back.rows.iter().zip(&board.rows) {
            assert_eq!((&a.item, a.rank, a.votes), (&b.item, b.rank, b.votes));
            assert!((a.rating - b.rating).abs() < 1e-9);
        }
    }
}
