//! The sums behind each cohort's mean count (`impact_cohorts`): a count's relative value is the
//! count over the mean of its cohort (venue, year, source and window), and a cohort of fewer
//! than [`MIN_COHORT`] counts borrows the mean of the same measure across venues that year, then
//! across years. A fit writes every cohort's sums; a fold-in (`fold.rs`) moves the counts of the
//! works it folds in, so the means stay exact between fits (counts are integers, so their `f64`
//! sums do not depend on the order of additions).

use std::collections::BTreeSet;

use rusqlite::{Connection, params};
use rustc_hash::FxHashMap as HashMap;

use super::works::Work;
use crate::error::Result;

/// Counts a cohort needs before its own mean is used.
pub const MIN_COHORT: usize = 5;

/// A cohort: a work's venue and year (`""` and 0 when it has none), and its count's source and
/// window (0: a total to date).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct CohortKey {
    venue: String,
    year: i32,
    source: String,
    window: u32,
}

impl CohortKey {
    pub(super) fn of(w: &Work, source: &str, window: u32) -> CohortKey {
        CohortKey {
            venue: w.venue.clone().unwrap_or_default(),
            year: w.year.unwrap_or(0),
            source: source.to_string(),
            window,
        }
    }
}

/// Sum of counts and how many.
type Sum = (f64, usize);

/// Count sums per cohort, per year and measure, and per measure.
#[derive(Default)]
pub(super) struct CohortSums {
    exact: HashMap<CohortKey, Sum>,
    by_year: HashMap<(i32, String, u32), Sum>,
    by_measure: HashMap<(String, u32), Sum>,
}

impl CohortSums {
    /// The sums a fit wrote and the fold-ins since kept.
    pub(super) fn load(conn: &Connection) -> Result<CohortSums> {
        let mut sums = CohortSums::default();
        let mut stmt = conn.prepare(
            "SELECT venue, year, source, window_days, counted, total FROM impact_cohorts",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let key = CohortKey {
                venue: r.get(0)?,
                year: r.get(1)?,
                source: r.get(2)?,
                window: r.get(3)?,
            };
            let counted: i64 = r.get(4)?;
            let sum: Sum = (r.get(5)?, usize::try_from(counted).unwrap_or(0));
            sums.shift(&key, sum.0, sum.1 as i64);
        }
        Ok(sums)
    }

    /// Works with a count, over every cohort.
    pub(super) fn counted(&self) -> usize {
        self.by_measure.values().map(|s| s.1).sum()
    }

    pub(super) fn add(&mut self, key: &CohortKey, count: i64) {
        self.shift(key, count as f64, 1);
    }

    pub(super) fn remove(&mut self, key: &CohortKey, count: i64) {
        self.shift(key, -(count as f64), -1);
    }

    fn shift(&mut self, key: &CohortKey, sum: f64, n: i64) {
        let apply = |s: &mut Sum| {
            s.0 += sum;
            s.1 = s.1.saturating_add_signed(n as isize);
        };
        apply(self.exact.entry(key.clone()).or_default());
        apply(
            self.by_year
                .entry((key.year, key.source.clone(), key.window))
                .or_default(),
        );
        apply(
            self.by_measure
                .entry((key.source.clone(), key.window))
                .or_default(),
        );
    }

    /// The mean a count of `key` is divided by: its cohort's, else the measure's that year, else
    /// the measure's, else 1.
    pub(super) fn mean(&self, key: &CohortKey) -> f64 {
        let usable = |s: Option<&Sum>| {
            s.filter(|s| s.1 >= MIN_COHORT && s.0 > 0.0)
                .map(|s| s.0 / s.1 as f64)
        };
        usable(self.exact.get(key))
            .or_else(|| {
                usable(
                    self.by_year
                        .get(&(key.year, key.source.clone(), key.window)),
                )
            })
            .or_else(|| usable(self.by_measure.get(&(key.source.clone(), key.window))))
            .unwrap_or(1.0)
    }

    /// Rewrites the whole table (a fit).
    pub(super) fn write_all(&self, conn: &Connection) -> Result<()> {
        conn.execute("DELETE FROM impact_cohorts", [])?;
        self.write(conn, self.exact.keys())
    }

    /// Writes the rows of `keys` (a cohort left empty loses its row).
    pub(super) fn write<'k>(
        &self,
        conn: &Connection,
        keys: impl IntoIterator<Item = &'k CohortKey>,
    ) -> Result<()> {
        let mut upsert = conn.prepare_cached(
            "INSERT OR REPLACE INTO impact_cohorts (venue, year, source, window_days, counted, total)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut delete = conn.prepare_cached(
            "DELETE FROM impact_cohorts WHERE venue = ?1 AND year = ?2 AND source = ?3 AND window_days = ?4",
        )?;
        let keys: BTreeSet<&CohortKey> = keys.into_iter().collect();
        for key in keys {
            match self.exact.get(key) {
                Some(&(total, counted)) if counted > 0 => {
                    upsert.execute(params![
                        key.venue,
                        key.year,
                        key.source,
                        key.window,
                        counted as i64,
                        total
                    ])?;
                }
                _ => {
                    delete.execute(params![key.venue, key.year, key.source, key.window])?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn work(venue: &str, year: i32) -> Work {
        Work {
            id: 1,
            key: String::new(),
            venue: Some(venue.to_string()),
            year: Some(year),
            status: String::new(),
            rating: None,
            n_authors: 1,
            citations: None,
            count: None,
        }
    }

    #[test]
    fn a_small_cohort_borrows_the_year_then_the_measure_and_removal_undoes_addition() {
        let mut sums = CohortSums::default();
        let big = CohortKey::of(&work("iclr", 2020), "paperlists", 0);
        let small = CohortKey::of(&work("colm", 2020), "paperlists", 0);
        let other_year = CohortKey::of(&work("colm", 2024), "paperlists", 0);
        for c in [10, 20, 30, 40, 50] {
            sums.add(&big, c);
        }
        sums.add(&small, 1000);
        assert_eq!(sums.mean(&big), 30.0);
        // Fewer than MIN_COHORT counts: the measure's mean that year (5 + 1 counts).
        assert_eq!(sums.mean(&small), 1150.0 / 6.0);
        // No count that year: the measure's mean over every year.
        assert_eq!(sums.mean(&other_year), 1150.0 / 6.0);
        assert_eq!(sums.mean(&CohortKey::of(&work("x", 1), "openalex", 0)), 1.0);
        sums.remove(&small, 1000);
        assert_eq!(sums.mean(&small), 30.0);
        sums.remove(&big, 50);
        // Four counts left everywhere: no cohort is usable, the mean is 1.
        assert_eq!(sums.mean(&big), 1.0);
    }
}
