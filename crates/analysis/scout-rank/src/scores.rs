//! Pass 1's scores per researcher ([`Scores`]) and the candidates taken from them best first
//! ([`BestFirst`]), for the List (`rank.rs`).
//!
//! Scores are summed exactly, in integer units of [`UNIT`]: pass 1 meets a researcher's papers
//! in work id order, and ids are the ingest's arrival order, so a floating-point sum would
//! depend on how an ingest numbered the works (in its last bit), and with it the order of
//! near-tied researchers. Each contribution is rounded once; the sum of the rounded terms is the
//! same in any order.

use rustc_hash::FxHashMap as HashMap;

use crate::field_sums::FieldTotals;

/// The resolution of a summed score: 2⁻³⁶ (about 1.5 × 10⁻¹¹). An `i64` of such units holds
/// scores up to about 1.3 × 10⁸, far above any researcher's; the sum saturates rather than
/// wraps beyond.
pub(crate) const UNIT: f64 = 1.0 / UNITS_PER_POINT;
const UNITS_PER_POINT: f64 = (1u64 << 36) as f64;

/// `c` in units of [`UNIT`], rounded to the nearest (contributions are not negative; a NaN
/// counts 0). `as` truncates after the half is added: `f64::round` is a library call on the
/// baseline x86-64 target, and this runs once per author of every matching paper.
pub(crate) fn to_units(c: f64) -> i64 {
    (c * UNITS_PER_POINT + 0.5) as i64
}

/// Pass 1's score per researcher: summed in an array indexed by researcher id when the fact
/// source knows how many ids there are (a broad topic at 1M works touches hundreds of thousands
/// of researchers, and a hash map's inserts and growth were a third of its time), else a map.
/// Both sum in units of [`UNIT`].
pub(crate) enum Scores {
    Dense(DenseScores),
    Sparse(HashMap<i64, i64>),
}

/// The arrays of [`Scores::Dense`]: `sums` and `counted` are zero and false but where `touched`
/// says.
#[derive(Default)]
pub(crate) struct DenseScores {
    sums: Vec<i64>,
    counted: Vec<bool>,
    touched: Vec<u32>,
}

/// Cleared dense arrays kept between queries: allocating them afresh (10 MB at 1M works) cost a
/// query its page faults. At most [`KEPT_SCRATCH`] are kept (one per concurrent query).
static SCRATCH: std::sync::Mutex<Vec<DenseScores>> = std::sync::Mutex::new(Vec::new());
const KEPT_SCRATCH: usize = 4;

impl Scores {
    pub(crate) fn new(researcher_bound: Option<usize>) -> Scores {
        match researcher_bound {
            Some(n) if u32::try_from(n).is_ok() => {
                let mut dense = SCRATCH
                    .lock()
                    .ok()
                    .and_then(|mut kept| kept.pop())
                    .unwrap_or_default();
                dense.sums.resize(n, 0);
                dense.counted.resize(n, false);
                Scores::Dense(dense)
            }
            _ => Scores::Sparse(HashMap::default()),
        }
    }

    /// Adds `c` to the researcher's score (a researcher added with 0 is still a candidate).
    pub(crate) fn add(&mut self, researcher: i64, c: f64) {
        self.add_units(researcher, to_units(c));
    }

    /// Adds `units` of [`UNIT`] to the researcher's score.
    pub(crate) fn add_units(&mut self, researcher: i64, units: i64) {
        if let Scores::Dense(d) = self {
            if let Some(slot) = usize::try_from(researcher)
                .ok()
                .filter(|&i| i < d.sums.len())
            {
                if !d.counted[slot] {
                    d.counted[slot] = true;
                    d.touched.push(slot as u32);
                }
                d.sums[slot] = d.sums[slot].saturating_add(units);
                return;
            }
            // An id past the bound (not expected): the map takes over, with what was summed.
            let map: HashMap<i64, i64> = d
                .touched
                .iter()
                .map(|&i| (i64::from(i), d.sums[i as usize]))
                .collect();
            *self = Scores::Sparse(map);
        }
        if let Scores::Sparse(map) = self {
            let sum = map.entry(researcher).or_insert(0);
            *sum = sum.saturating_add(units);
        }
    }

    /// Every researcher with a score, in no particular order.
    pub(crate) fn into_vec(self) -> Vec<(i64, f64)> {
        match self {
            Scores::Dense(mut d) => {
                let out = d
                    .touched
                    .iter()
                    .map(|&i| (i64::from(i), d.sums[i as usize] as f64 * UNIT))
                    .collect();
                for &i in &d.touched {
                    d.sums[i as usize] = 0;
                    d.counted[i as usize] = false;
                }
                d.touched.clear();
                if let Ok(mut kept) = SCRATCH.lock()
                    && kept.len() < KEPT_SCRATCH
                {
                    kept.push(d);
                }
                out
            }
            Scores::Sparse(map) => map
                .into_iter()
                .map(|(r, units)| (r, units as f64 * UNIT))
                .collect(),
        }
    }
}

/// Candidates best first (score descending, then id), sorted lazily: a List of 50 needs the
/// best few hundred of what may be hundreds of thousands of researchers, unless filters reject
/// most of them.
pub(crate) struct BestFirst {
    items: Vec<(i64, f64)>,
    sorted: usize,
    next: usize,
}

impl BestFirst {
    pub(crate) fn new(items: Vec<(i64, f64)>, limit: usize) -> BestFirst {
        let mut order = BestFirst {
            items,
            sorted: 0,
            next: 0,
        };
        order.sort_more(limit.saturating_mul(4).max(256));
        order
    }

    pub(crate) fn cmp(a: &(i64, f64), b: &(i64, f64)) -> std::cmp::Ordering {
        b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
    }

    /// Sorts the next `n` items into place after the sorted prefix.
    fn sort_more(&mut self, n: usize) {
        let rest = &mut self.items[self.sorted..];
        if n < rest.len() {
            rest.select_nth_unstable_by(n, Self::cmp);
            rest[..n].sort_unstable_by(Self::cmp);
            self.sorted += n;
        } else {
            rest.sort_unstable_by(Self::cmp);
            self.sorted = self.items.len();
        }
    }

    pub(crate) fn next(&mut self) -> Option<(i64, f64)> {
        if self.next == self.sorted && self.sorted < self.items.len() {
            self.sort_more(self.sorted.max(256));
        }
        let item = self.items.get(self.next).copied();
        self.next += 1;
        item
    }
}

/// A List's candidates, best first.
pub(crate) enum Candidates<'t> {
    Plain(BestFirst),
    /// A field topic answered with [`FieldTotals`]: the researchers the query's own papers
    /// touched (their totals added), merged with the field's other researchers in the totals'
    /// order.
    Merged(Merged<'t>),
}

pub(crate) struct Merged<'t> {
    touched: BestFirst,
    /// The touched researchers' ids, sorted.
    touched_ids: Vec<i64>,
    totals: &'t FieldTotals,
    /// The next position in `totals.order`.
    at: usize,
    next_touched: Option<(i64, f64)>,
    next_field: Option<(i64, f64)>,
}

impl<'t> Candidates<'t> {
    /// The candidates of a field query with totals, `touched` the scores its own papers gave;
    /// returns how many researchers have a score, and the candidates.
    pub(crate) fn merged(
        touched: Vec<(i64, f64)>,
        totals: &'t FieldTotals,
        limit: usize,
    ) -> (usize, Candidates<'t>) {
        let mut outside = 0usize;
        let mut touched_ids = Vec::with_capacity(touched.len());
        let touched: Vec<(i64, f64)> = touched
            .into_iter()
            .map(|(r, score)| {
                let total = usize::try_from(r)
                    .ok()
                    .and_then(|i| totals.value.get(i))
                    .copied()
                    .unwrap_or(0.0);
                if total == 0.0 {
                    outside += 1;
                }
                touched_ids.push(r);
                (r, score + total)
            })
            .collect();
        touched_ids.sort_unstable();
        let merged = Merged {
            touched: BestFirst::new(touched, limit),
            touched_ids,
            totals,
            at: 0,
            next_touched: None,
            next_field: None,
        };
        (totals.order.len() + outside, Candidates::Merged(merged))
    }

    pub(crate) fn next(&mut self) -> Option<(i64, f64)> {
        match self {
            Candidates::Plain(order) => order.next(),
            Candidates::Merged(merged) => merged.next(),
        }
    }
}

impl Merged<'_> {
    fn next(&mut self) -> Option<(i64, f64)> {
        if self.next_touched.is_none() {
            self.next_touched = self.touched.next();
        }
        while self.next_field.is_none() && self.at < self.totals.order.len() {
            let r = i64::from(self.totals.order[self.at]);
            self.at += 1;
            if self.touched_ids.binary_search(&r).is_err() {
                self.next_field = Some((r, self.totals.value[r as usize]));
            }
        }
        match (&self.next_touched, &self.next_field) {
            (Some(a), Some(b)) if BestFirst::cmp(a, b) == std::cmp::Ordering::Greater => {
                self.next_field.take()
            }
            (Some(_), _) => self.next_touched.take(),
            (None, _) => self.next_field.take(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_do_not_depend_on_the_order_of_their_terms() {
        // Contributions of very different sizes, as a topic's papers give them.
        let terms: Vec<(i64, f64)> = (0..3_000i64)
            .map(|i| {
                (
                    i % 7,
                    (1.0 + (i * 7919 % 1013) as f64).powf(2.3) * 1e-4 / 3.0,
                )
            })
            .collect();
        let sum_in = |order: &mut dyn Iterator<Item = &(i64, f64)>, bound| {
            let mut scores = Scores::new(bound);
            for &(r, c) in order {
                scores.add(r, c);
            }
            let mut v = scores.into_vec();
            v.sort_by_key(|&(r, _)| r);
            v
        };
        for bound in [Some(7), None] {
            let forward = sum_in(&mut terms.iter(), bound);
            let backward = sum_in(&mut terms.iter().rev(), bound);
            let strided = sum_in(
                &mut terms
                    .iter()
                    .step_by(2)
                    .chain(terms.iter().skip(1).step_by(2)),
                bound,
            );
            assert_eq!(forward, backward);
            assert_eq!(forward, strided);
            for &(r, s) in &forward {
                let exact: f64 = terms.iter().filter(|t| t.0 == r).map(|t| t.1).sum();
                assert!((s - exact).abs() < 1e-8, "{s} vs {exact}");
            }
        }
        // Floating-point sums of the same terms do depend on the order here, so the test
        // exercises what the units are for.
        let naive = |order: &mut dyn Iterator<Item = &(i64, f64)>| -> Vec<u64> {
            let mut sums = [0.0f64; 7];
            for &(r, c) in order {
                sums[r as usize] += c;
            }
            sums.iter().map(|s| s.to_bits()).collect()
        };
        assert_ne!(naive(&mut terms.iter()), naive(&mut terms.iter().rev()));
    }

    #[test]
    fn best_first_matches_a_full_sort() {
        // Scores with ties, so the id breaks them; enough items to sort in several steps.
        let items: Vec<(i64, f64)> = (0..5_000i64)
            .map(|i| (i, f64::from(((i * 7919) % 613) as i32) / 7.0))
            .collect();
        let mut expected = items.clone();
        expected.sort_by(BestFirst::cmp);
        let mut order = BestFirst::new(items, 10);
        let mut got = Vec::new();
        while let Some(item) = order.next() {
            got.push(item);
        }
        assert_eq!(got, expected);
        assert!(BestFirst::new(Vec::new(), 50).next().is_none());
    }

    #[test]
    fn merged_candidates_match_a_full_sort_of_the_sums() {
        // Totals for researchers 0..400 (some none, many ties), and a query that touched every
        // seventh researcher, some outside the field (ids past the totals, or a total of 0).
        let value: Vec<f64> = (0..400u32)
            .map(|r| {
                if r % 5 == 0 {
                    0.0
                } else {
                    f64::from(r % 37) / 3.0
                }
            })
            .collect();
        let totals = FieldTotals::new(Vec::new(), 0.1, 2025, value.clone());
        let touched: Vec<(i64, f64)> = (0..450i64)
            .step_by(7)
            .map(|r| (r, f64::from((r % 11) as i32) / 2.0))
            .collect();
        let mut expected: HashMap<i64, f64> = value
            .iter()
            .enumerate()
            .filter(|(_, v)| **v > 0.0)
            .map(|(r, v)| (r as i64, *v))
            .collect();
        for &(r, t) in &touched {
            let total = value.get(r as usize).copied().unwrap_or(0.0);
            expected.insert(r, t + total);
        }
        let mut expected: Vec<(i64, f64)> = expected.into_iter().collect();
        expected.sort_by(BestFirst::cmp);

        let (candidates, mut order) = Candidates::merged(touched, &totals, 10);
        assert_eq!(candidates, expected.len());
        let mut got = Vec::new();
        while let Some(item) = order.next() {
            got.push(item);
        }
        assert_eq!(got, expected);
    }
}
