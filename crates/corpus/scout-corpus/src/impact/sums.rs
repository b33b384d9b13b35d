//! The sums behind each cohort's scale (`impact_cohorts`): a count's relative value is the count
//! over its cohort's (venue, year, source and window) **geometric mean of `1 + count`**, and a
//! cohort of fewer than [`MIN_COHORT`] counts borrows the scale of the same measure across venues
//! that year, then across years.
//!
//! Why not the arithmetic mean: citation counts are heavy-tailed, and one landmark sets the mean
//! of its cohort. NeurIPS 2017's mean count is 756 and its median 81 (one paper holds 184,033),
//! so every other paper of that year read as a fifth of what the same count reads elsewhere; the
//! ratio of mean to median runs from 1.4 to 46 across the paperlists cohorts. The geometric mean
//! barely moves for one outlier, and the typical paper of every cohort reads about 1
//! (docs/quality.md, "A cohort's scale").
//!
//! A fit writes every cohort's sums; a fold-in (`fold.rs`) moves the counts of the works it folds
//! in, so the scales stay exact between fits: each `ln(1 + count)` is summed as an integer in
//! units of 2⁻³² ([`log_units`]), so the sums do not depend on the order of additions.

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

/// Sum of counts, how many, and the sum of their [`log_units`].
type Sum = (f64, usize, i64);

/// A sum of reals that does not depend on the order of its terms: each term is rounded to
/// 2⁻³² and added as an integer. A fit and a fold-in add the same terms in different orders
/// (work key, work id), and two corpora number their works differently; both must read the
/// same bits.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct ExactSum(i128);

impl ExactSum {
    /// 2³²: a count of a million is 6·10¹⁰ units of its log, so ten million of them fit an
    /// `i64` with room to spare.
    const UNIT: f64 = 4_294_967_296.0;

    fn units(x: f64) -> i128 {
        (x * Self::UNIT).round() as i128
    }

    pub(super) fn add(&mut self, x: f64) {
        self.0 += Self::units(x);
    }

    pub(super) fn sub(&mut self, x: f64) {
        self.0 -= Self::units(x);
    }

    pub(super) fn value(self) -> f64 {
        self.0 as f64 / Self::UNIT
    }
}

/// `ln(1 + count)` in units of 2⁻³², rounded: what the log sums add.
pub(super) fn log_units(count: i64) -> i64 {
    ExactSum::units((count.max(0) as f64).ln_1p()) as i64
}

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
            "SELECT venue, year, source, window_days, counted, total, log_total FROM impact_cohorts",
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
            sums.shift(&key, r.get(5)?, counted, r.get(6)?);
        }
        Ok(sums)
    }

    /// Works with a count, over every cohort.
    pub(super) fn counted(&self) -> usize {
        self.by_measure.values().map(|s| s.1).sum()
    }

    pub(super) fn add(&mut self, key: &CohortKey, count: i64) {
        self.shift(key, count as f64, 1, log_units(count));
    }

    pub(super) fn remove(&mut self, key: &CohortKey, count: i64) {
        self.shift(key, -(count as f64), -1, -log_units(count));
    }

    fn shift(&mut self, key: &CohortKey, sum: f64, n: i64, logs: i64) {
        let apply = |s: &mut Sum| {
            s.0 += sum;
            s.1 = s.1.saturating_add_signed(n as isize);
            s.2 = s.2.saturating_add(logs);
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

    /// The scale a count of `key` is divided by, the geometric mean of `1 + count`: its
    /// cohort's, else the measure's that year, else the measure's, else 1.
    pub(super) fn scale(&self, key: &CohortKey) -> f64 {
        let usable = |s: Option<&Sum>| {
            s.filter(|s| s.1 >= MIN_COHORT && s.2 > 0)
                .map(|s| (s.2 as f64 / ExactSum::UNIT / s.1 as f64).exp())
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
            "INSERT OR REPLACE INTO impact_cohorts (venue, year, source, window_days, counted, total, log_total)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        let mut delete = conn.prepare_cached(
            "DELETE FROM impact_cohorts WHERE venue = ?1 AND year = ?2 AND source = ?3 AND window_days = ?4",
        )?;
        let keys: BTreeSet<&CohortKey> = keys.into_iter().collect();
        for key in keys {
            match self.exact.get(key) {
                Some(&(total, counted, logs)) if counted > 0 => {
                    upsert.execute(params![
                        key.venue,
                        key.year,
                        key.source,
                        key.window,
                        counted as i64,
                        total,
                        logs
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
        let geometric = |counts: &[f64]| {
            (counts.iter().map(|c| c.ln_1p()).sum::<f64>() / counts.len() as f64).exp()
        };
        let close = |a: f64, b: f64| (a - b).abs() < 1e-6 * b;
        for c in [10, 20, 30, 40, 50] {
            sums.add(&big, c);
        }
        sums.add(&small, 1000);
        assert!(close(
            sums.scale(&big),
            geometric(&[10.0, 20.0, 30.0, 40.0, 50.0])
        ));
        // Fewer than MIN_COHORT counts: the measure's scale that year (5 + 1 counts).
        let year = geometric(&[10.0, 20.0, 30.0, 40.0, 50.0, 1000.0]);
        assert!(close(sums.scale(&small), year));
        // No count that year: the measure's scale over every year.
        assert!(close(sums.scale(&other_year), year));
        assert_eq!(
            sums.scale(&CohortKey::of(&work("x", 1), "openalex", 0)),
            1.0
        );
        sums.remove(&small, 1000);
        assert!(close(sums.scale(&small), sums.scale(&big)));
        sums.remove(&big, 50);
        // Four counts left everywhere: no cohort is usable, the scale is 1.
        assert_eq!(sums.scale(&big), 1.0);
    }

    #[test]
    fn one_landmark_barely_moves_its_cohorts_scale_and_order_does_not_matter() {
        let key = CohortKey::of(&work("nips", 2017), "paperlists", 0);
        let typical: Vec<i64> = (0..600).map(|i| 20 + (i * 37) % 300).collect();
        let mut sums = CohortSums::default();
        for &c in &typical {
            sums.add(&key, c);
        }
        let before = sums.scale(&key);
        sums.add(&key, 184_033);
        let after = sums.scale(&key);
        // The arithmetic mean would grow about 2.8 times; the geometric one by about 1 %.
        assert!(after / before < 1.02, "{before} → {after}");
        // The same counts added in reverse give identical sums, to the bit.
        let mut reversed = CohortSums::default();
        reversed.add(&key, 184_033);
        for &c in typical.iter().rev() {
            reversed.add(&key, c);
        }
        assert_eq!(reversed.scale(&key).to_bits(), after.to_bits());
        assert_eq!(reversed.exact.get(&key), sums.exact.get(&key));
    }
}
