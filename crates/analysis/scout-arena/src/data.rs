//! Items, votes and their aggregation into unique `(left, right, outcome)` rows with counts.
//!
//! A [`VoteLog`] keeps every vote in order (with its voter, when known); a [`Comparisons`] is what the
//! fitting code works on: for each unordered pair of items and each [`Outcome`], how many votes and how
//! much weight. Aggregation puts every row in canonical orientation (`left < right`, the outcome flipped
//! when the sides are swapped), which does not change a Bradley–Terry likelihood.

use std::collections::HashMap;

use crate::error::{ArenaError, Result};

/// The result of one pairwise comparison, from the left item's point of view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Outcome {
    /// The left item won.
    LeftWins,
    /// The right item won.
    RightWins,
    /// A tie ("both good", FastChat `tie`).
    Tie,
    /// A tie where both answers were bad (FastChat `tie (bothbad)`).
    TieBothBad,
}

impl Outcome {
    /// All outcomes, in the order used by aggregated pair-count files.
    pub const ALL: [Outcome; 4] = [
        Outcome::LeftWins,
        Outcome::RightWins,
        Outcome::Tie,
        Outcome::TieBothBad,
    ];

    /// The same result seen with the sides swapped.
    pub fn flipped(self) -> Outcome {
        match self {
            Outcome::LeftWins => Outcome::RightWins,
            Outcome::RightWins => Outcome::LeftWins,
            tie => tie,
        }
    }

    /// Whether this is one of the two kinds of tie.
    pub fn is_tie(self) -> bool {
        matches!(self, Outcome::Tie | Outcome::TieBothBad)
    }
}

/// Interns item names to dense indices, in order of first appearance.
#[derive(Clone, Debug, Default)]
pub struct Interner {
    names: Vec<String>,
    index: HashMap<String, u32>,
}

impl Interner {
    /// The index of `name`, adding it if new.
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), i);
        i
    }

    /// The index of `name`, if known.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }

    /// All names, by index.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Consumes the interner, returning the names by index.
    pub fn into_names(self) -> Vec<String> {
        self.names
    }
}

/// One vote: two items (by index) and the outcome, with the voter when the source names one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vote {
    /// Index of the left item (FastChat `model_a`).
    pub left: u32,
    /// Index of the right item (FastChat `model_b`).
    pub right: u32,
    /// The result from the left item's point of view.
    pub outcome: Outcome,
    /// Index into [`VoteLog::voters`], if the source names voters.
    pub voter: Option<u32>,
}

/// Votes in input order, with interned item and voter names.
#[derive(Clone, Debug, Default)]
pub struct VoteLog {
    items: Interner,
    voters: Interner,
    votes: Vec<Vote>,
    self_comparisons: usize,
    filtered_out: usize,
}

impl VoteLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a vote between two named items, by an optional named voter.
    ///
    /// `context` is used in the error for a self-comparison (e.g. "line 12").
    pub fn push(
        &mut self,
        left: &str,
        right: &str,
        outcome: Outcome,
        voter: Option<&str>,
        context: impl FnOnce() -> String,
    ) -> Result<()> {
        if left == right {
            return Err(ArenaError::SelfComparison {
                item: left.to_owned(),
                context: context(),
            });
        }
        let left = self.items.intern(left);
        let right = self.items.intern(right);
        let voter = voter.map(|v| self.voters.intern(v));
        self.votes.push(Vote {
            left,
            right,
            outcome,
            voter,
        });
        Ok(())
    }

    /// Counts a record that compared an item with itself and was skipped (it carries no
    /// information about relative strength; FastChat's cleaned logs occasionally contain one).
    pub fn skip_self_comparison(&mut self) {
        self.self_comparisons += 1;
    }

    /// How many self-comparisons the reader skipped.
    pub fn self_comparisons_skipped(&self) -> usize {
        self.self_comparisons
    }

    /// Counts a record the reader's filter left out (e.g. a non-anonymous battle under
    /// `BattleFilter::AnonymousOnly`).
    pub fn skip_filtered(&mut self) {
        self.filtered_out += 1;
    }

    /// How many records the reader's filter left out.
    pub fn filtered_skipped(&self) -> usize {
        self.filtered_out
    }

    /// Item names by index.
    pub fn items(&self) -> &[String] {
        self.items.names()
    }

    /// Voter names by index.
    pub fn voters(&self) -> &[String] {
        self.voters.names()
    }

    /// The votes in input order.
    pub fn votes(&self) -> &[Vote] {
        &self.votes
    }

    /// The votes cast by one voter, in input order.
    pub fn votes_of(&self, voter: u32) -> impl Iterator<Item = &Vote> + '_ {
        self.votes.iter().filter(move |v| v.voter == Some(voter))
    }

    /// Aggregates the votes into unique rows with counts (every vote has weight 1).
    pub fn comparisons(&self) -> Comparisons {
        let mut builder = ComparisonsBuilder::with_items(self.items().iter().map(String::as_str));
        for v in &self.votes {
            builder.add_indexed(v.left, v.right, v.outcome, 1, 1.0);
        }
        builder.build()
    }
}

/// One aggregated row: all votes between `left` and `right` (with `left < right`) that had `outcome`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Row {
    /// Index of the left item; always smaller than `right`.
    pub left: u32,
    /// Index of the right item.
    pub right: u32,
    /// The outcome from the left item's point of view.
    pub outcome: Outcome,
    /// Number of votes.
    pub votes: u64,
    /// Total weight of those votes (equal to `votes` for unweighted data).
    pub weight: f64,
}

/// Items and aggregated comparison rows: the input of every fit.
///
/// Rows are unique per `(left, right, outcome)`, have `left < right`, and are sorted.
#[derive(Clone, Debug, Default)]
pub struct Comparisons {
    items: Vec<String>,
    rows: Vec<Row>,
}

impl Comparisons {
    /// Item names by index.
    pub fn items(&self) -> &[String] {
        &self.items
    }

    /// The aggregated rows.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The index of an item by name (a linear scan; build a map for many look-ups).
    pub fn item_index(&self, name: &str) -> Option<usize> {
        self.items.iter().position(|n| n == name)
    }

    /// Total number of votes.
    pub fn total_votes(&self) -> u64 {
        self.rows.iter().map(|r| r.votes).sum()
    }

    /// Number of votes each item took part in.
    pub fn votes_per_item(&self) -> Vec<u64> {
        let mut votes = vec![0u64; self.items.len()];
        for r in &self.rows {
            votes[r.left as usize] += r.votes;
            votes[r.right as usize] += r.votes;
        }
        votes
    }

    /// Number of distinct item pairs with at least one vote.
    pub fn pair_count(&self) -> usize {
        let mut n = 0;
        let mut last = None;
        for r in &self.rows {
            if r.votes > 0 && last != Some((r.left, r.right)) {
                n += 1;
                last = Some((r.left, r.right));
            }
        }
        n
    }

    /// Items with fewer than `min_votes` votes, flagged as provisional (by index).
    pub fn provisional(&self, min_votes: u64) -> Vec<bool> {
        self.votes_per_item()
            .into_iter()
            .map(|v| v < min_votes)
            .collect()
    }

    /// Keeps only the items for which `keep` returns true (and the rows between them), re-indexed in order.
    pub fn retain_items(&self, mut keep: impl FnMut(&str) -> bool) -> Comparisons {
        let mut map = vec![None; self.items.len()];
        let mut items = Vec::new();
        for (i, name) in self.items.iter().enumerate() {
            if keep(name) {
                map[i] = Some(u32::try_from(items.len()).unwrap_or(u32::MAX));
                items.push(name.clone());
            }
        }
        let rows = self
            .rows
            .iter()
            .filter_map(|r| {
                Some(Row {
                    left: map[r.left as usize]?,
                    right: map[r.right as usize]?,
                    ..*r
                })
            })
            .collect();
        // Re-indexing keeps the relative order, so rows stay canonical and sorted.
        Comparisons { items, rows }
    }

    /// Builds comparisons from item names and rows that may be in any orientation or repeated.
    pub fn from_rows(items: Vec<String>, rows: impl IntoIterator<Item = Row>) -> Result<Self> {
        let mut builder = ComparisonsBuilder::with_items(items.iter().map(String::as_str));
        let n = items.len();
        for (k, r) in rows.into_iter().enumerate() {
            for idx in [r.left, r.right] {
                if idx as usize >= n {
                    return Err(ArenaError::ItemIndex {
                        index: idx as usize,
                        items: n,
                        context: format!("row {k}"),
                    });
                }
            }
            if r.left == r.right {
                return Err(ArenaError::SelfComparison {
                    item: items[r.left as usize].clone(),
                    context: format!("row {k}"),
                });
            }
            builder.add_indexed(r.left, r.right, r.outcome, r.votes, r.weight);
        }
        Ok(builder.build())
    }
}

/// Accumulates votes into [`Comparisons`].
#[derive(Clone, Debug, Default)]
pub struct ComparisonsBuilder {
    items: Interner,
    rows: HashMap<(u32, u32, Outcome), (u64, f64)>,
}

impl ComparisonsBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder whose first items are `names`, in that order (so indices are predictable).
    pub fn with_items<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut b = Self::default();
        for name in names {
            b.items.intern(name);
        }
        b
    }

    /// The index of an item, adding it if new.
    pub fn item(&mut self, name: &str) -> u32 {
        self.items.intern(name)
    }

    /// Adds `votes` votes of total `weight` between two named items.
    pub fn add(
        &mut self,
        left: &str,
        right: &str,
        outcome: Outcome,
        votes: u64,
        weight: f64,
    ) -> Result<()> {
        if left == right {
            return Err(ArenaError::SelfComparison {
                item: left.to_owned(),
                context: "ComparisonsBuilder::add".to_owned(),
            });
        }
        let (l, r) = (self.items.intern(left), self.items.intern(right));
        self.add_indexed(l, r, outcome, votes, weight);
        Ok(())
    }

    /// Adds votes between two items by index; indices must come from this builder and differ.
    pub(crate) fn add_indexed(
        &mut self,
        left: u32,
        right: u32,
        outcome: Outcome,
        votes: u64,
        weight: f64,
    ) {
        let key = if left < right {
            (left, right, outcome)
        } else {
            (right, left, outcome.flipped())
        };
        let slot = self.rows.entry(key).or_insert((0, 0.0));
        slot.0 += votes;
        slot.1 += weight;
    }

    /// Finishes aggregation. Rows with zero votes are dropped.
    pub fn build(self) -> Comparisons {
        let mut rows: Vec<Row> = self
            .rows
            .into_iter()
            .filter(|(_, (votes, _))| *votes > 0)
            .map(|((left, right, outcome), (votes, weight))| Row {
                left,
                right,
                outcome,
                votes,
                weight,
            })
            .collect();
        rows.sort_by_key(|r| (r.left, r.right, r.outcome));
        Comparisons {
            items: self.items.into_names(),
            rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregation_canonicalises_orientation() {
        let mut log = VoteLog::new();
        log.push("b", "a", Outcome::LeftWins, None, String::new)
            .expect("vote");
        log.push("a", "b", Outcome::RightWins, None, String::new)
            .expect("vote");
        log.push("a", "b", Outcome::Tie, None, String::new)
            .expect("vote");
        log.push("b", "a", Outcome::TieBothBad, Some("v1"), String::new)
            .expect("vote");
        let c = log.comparisons();
        assert_eq!(c.items(), ["b", "a"]);
        // b is index 0, a is index 1: "b beats a" twice.
        assert_eq!(
            c.rows(),
            [
                Row {
                    left: 0,
                    right: 1,
                    outcome: Outcome::LeftWins,
                    votes: 2,
                    weight: 2.0
                },
                Row {
                    left: 0,
                    right: 1,
                    outcome: Outcome::Tie,
                    votes: 1,
                    weight: 1.0
                },
                Row {
                    left: 0,
                    right: 1,
                    outcome: Outcome::TieBothBad,
                    votes: 1,
                    weight: 1.0
                },
            ]
        );
        assert_eq!(c.votes_per_item(), [4, 4]);
        assert_eq!(c.pair_count(), 1);
        assert_eq!(log.votes_of(0).count(), 1);
    }

    #[test]
    fn self_comparison_is_an_error() {
        let mut log = VoteLog::new();
        let err = log
            .push("a", "a", Outcome::Tie, None, || "line 3".into())
            .expect_err("self");
        assert!(err.to_string().contains("line 3"), "{err}");
    }

    #[test]
    fn retain_items_reindexes() {
        let mut b = ComparisonsBuilder::new();
        b.add("x", "y", Outcome::LeftWins, 3, 3.0).expect("add");
        b.add("y", "z", Outcome::LeftWins, 2, 2.0).expect("add");
        b.add("z", "x", Outcome::Tie, 1, 1.0).expect("add");
        let c = b.build().retain_items(|n| n != "x");
        assert_eq!(c.items(), ["y", "z"]);
        assert_eq!(c.rows().len(), 1);
        assert_eq!(c.rows()[0].left, 0);
        assert_eq!(c.provisional(3), [true, true]);
        assert_eq!(c.provisional(2), [false, false]);
    }
}
