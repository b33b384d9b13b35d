//! Topics that name a research field, scored from sums the in-memory model holds.
//!
//! A field topic ("computer vision") counts every paper of the field's venues with at least the
//! field relevance (`rank.rs`, `relevant_works`): at 1M works that is hundreds of thousands of
//! papers to score, author by author, on every query. A paper that matches only through its
//! venue contributes `least × impact × role × recency`, and within one venue and year only
//! `impact × role` varies between papers and authors. So [`FieldSums`] holds, per venue and year,
//! each researcher's sum of `impact × role` over those papers (for the default [`Shape`]), and a
//! field query adds one product per researcher and venue-year instead. Papers that need more
//! than the sum are still scored one by one: the topic's text matches (for what their relevance
//! adds above the field's) and papers whose title another paper of one of their authors shares
//! (a researcher counts such a title once, at its best). Rejected submissions are not in the sums,
//! so a query that includes them, another shape, a factor switched off or a cap on matching
//! papers takes the paper-by-paper path. The papers behind an accepted researcher's score are
//! then read from that researcher's own works ([`FieldSums::works_of`]) rather than by walking
//! every matching paper a second time.
//!
//! The sums add the same terms in another order than paper by paper, and the List rounds what
//! it adds to its summing unit (`scores.rs`) per bucket here and per paper there, so scores
//! agree to about 1e-10, not to the bit (`tests/model_and_sql.rs` compares the two paths). Every sum
//! here runs in an order that does not depend on work ids (terms by value, buckets by venue
//! name and year), so the same corpus gives the same sums however an ingest numbered it.

use rustc_hash::FxHashMap as HashMap;

use crate::impact::{Shape, recency};
use crate::paper::PaperFacts;

/// A field topic scored through the sums: its venues (a mask over the model's venue indices)
/// and the relevance every paper of them counts with at least.
pub(crate) struct SummedField {
    pub venues: Vec<bool>,
    pub least: f32,
}

/// Per venue and year, each researcher's `impact × role` summed over the papers a field topic
/// scores through the sum, and each researcher's works.
pub struct FieldSums {
    /// The shape the sums were computed with.
    shape: Shape,
    buckets: Vec<Bucket>,
    /// The researchers of all buckets (bucket by bucket, ascending within one) and their sums.
    researchers: Vec<u32>,
    weights: Vec<f64>,
    /// Papers of the buckets scored one by one (twins), bucket by bucket.
    twins: Vec<u32>,
    /// Researcher → works (ascending), in compressed-row form.
    works_offsets: Vec<u32>,
    works: Vec<u32>,
    /// The large fields' totals, for a query without a year bound.
    totals: Vec<FieldTotals>,
}

/// One field's summed papers added up over all its years at one as-of year and relevance, per
/// researcher and in score order: what a field topic without a year bound adds to every score,
/// so that such a query touches only the researchers of its text matches and reads the rest of
/// its candidates off [`FieldTotals::order`] (`scores.rs`, `Candidates::Merged`).
pub(crate) struct FieldTotals {
    venues: Vec<bool>,
    least: f32,
    as_of: i32,
    /// By researcher id (0: none of the field's summed papers).
    pub value: Vec<f64>,
    /// The researchers with a value, best first (value descending, then id).
    pub order: Vec<u32>,
}

impl FieldTotals {
    /// The totals `value` (by researcher id) of the field `venues` at relevance `least` as of
    /// `as_of`, with their order.
    pub(crate) fn new(venues: Vec<bool>, least: f32, as_of: i32, value: Vec<f64>) -> FieldTotals {
        let mut order: Vec<u32> = (0..value.len() as u32)
            .filter(|&r| value[r as usize] > 0.0)
            .collect();
        order.sort_unstable_by(|&a, &b| {
            value[b as usize]
                .total_cmp(&value[a as usize])
                .then(a.cmp(&b))
        });
        FieldTotals {
            venues,
            least,
            as_of,
            value,
            order,
        }
    }
}

/// A field gets [`FieldTotals`] when it holds at least this share of the model's papers: small
/// fields are quick to sum at query time, and each totals costs 8 bytes per researcher.
const TOTALS_MIN_SHARE: f64 = 0.05;

/// The papers of one venue in one year.
struct Bucket {
    venue: u32,
    year: Option<i32>,
    /// Every paper, rejected ones included (what [`crate::FieldVenues::papers`] counts).
    papers: u32,
    /// Papers a default query counts (not rejected).
    counted: u32,
    entries: std::ops::Range<usize>,
    twins: std::ops::Range<usize>,
}

/// What one field query adds through the sums.
pub(crate) struct FieldAdded {
    /// Papers of the field (rejected included).
    pub papers: usize,
    /// Papers of the field the query counts.
    pub counted: usize,
}

impl FieldSums {
    /// Sums for `shape` over the model's papers (by work id), authorships (`offsets`,
    /// `authors`: compressed rows by work id) and each work's venue (`u32::MAX`: none).
    pub(crate) fn build(
        shape: Shape,
        papers: &[Option<PaperFacts>],
        offsets: &[u32],
        authors: &[(u16, u32)],
        venue_of: &[u32],
        researcher_bound: usize,
    ) -> FieldSums {
        let authors_of = |work: usize| crate::paper::authors_of(offsets, authors, work);
        // Works by bucket, ascending within one.
        let mut bucket_of: HashMap<(u32, Option<i32>), usize> = HashMap::default();
        let mut members: Vec<Vec<u32>> = Vec::new();
        for (work, paper) in papers.iter().enumerate() {
            let (Some(paper), Some(&venue)) = (paper, venue_of.get(work)) else {
                continue;
            };
            if venue == u32::MAX {
                continue;
            }
            let next = members.len();
            let b = *bucket_of.entry((venue, paper.year)).or_insert(next);
            if b == next {
                members.push(Vec::new());
            }
            members[b].push(work as u32);
        }
        let mut keys: Vec<((u32, Option<i32>), usize)> = bucket_of.into_iter().collect();
        keys.sort_unstable();

        let mut sums = FieldSums {
            shape,
            buckets: Vec::with_capacity(keys.len()),
            researchers: Vec::new(),
            weights: Vec::new(),
            twins: Vec::new(),
            works_offsets: Vec::new(),
            works: Vec::new(),
            totals: Vec::new(),
        };
        let mut sorted: Vec<(u16, u32)> = Vec::new();
        let mut terms: Vec<(u32, f64)> = Vec::new();
        for ((venue, year), b) in keys {
            let (entries_start, twins_start) = (sums.researchers.len(), sums.twins.len());
            let (mut all, mut counted) = (0u32, 0u32);
            terms.clear();
            for &work in &members[b] {
                let Some(paper) = papers[work as usize] else {
                    continue;
                };
                all += 1;
                if paper.rejected {
                    continue;
                }
                counted += 1;
                if paper.twin {
                    sums.twins.push(work);
                    continue;
                }
                let impact = paper_impact(&shape, &paper);
                // The same person listed twice on a paper counts once, at the better position.
                sorted.clear();
                sorted.extend_from_slice(authors_of(work as usize));
                sorted.sort_unstable();
                for (i, &(position, researcher)) in sorted.iter().enumerate() {
                    if sorted[..i].iter().any(|&(_, r)| r == researcher) {
                        continue;
                    }
                    let role = shape.role.weight(i64::from(position), paper.n_authors);
                    terms.push((researcher, impact * role));
                }
            }
            // Each researcher's terms in value order, not work order: the sum is then the same
            // however the works were numbered.
            terms.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
            for group in terms.chunk_by(|a, b| a.0 == b.0) {
                sums.researchers.push(group[0].0);
                sums.weights.push(group.iter().map(|&(_, w)| w).sum());
            }
            sums.buckets.push(Bucket {
                venue,
                year,
                papers: all,
                counted,
                entries: entries_start..sums.researchers.len(),
                twins: twins_start..sums.twins.len(),
            });
        }

        // Each researcher's works: counted, then filled in work order.
        let mut counts = vec![0u32; researcher_bound + 1];
        let mut distinct: Vec<u32> = Vec::new();
        let mut each_work = |f: &mut dyn FnMut(u32, u32)| {
            for work in 0..papers.len() {
                distinct.clear();
                distinct.extend(authors_of(work).iter().map(|&(_, r)| r));
                distinct.sort_unstable();
                distinct.dedup();
                for &r in &distinct {
                    f(r, work as u32);
                }
            }
        };
        each_work(&mut |r, _| {
            if let Some(c) = counts.get_mut(r as usize + 1) {
                *c += 1;
            }
        });
        let mut total = 0u32;
        for c in counts.iter_mut() {
            total += *c;
            *c = total;
        }
        let mut fill = counts.clone();
        let mut works = vec![0u32; counts.last().copied().unwrap_or(0) as usize];
        each_work(&mut |r, work| {
            if let Some(at) = fill.get_mut(r as usize) {
                works[*at as usize] = work;
                *at += 1;
            }
        });
        sums.works_offsets = counts;
        sums.works = works;
        sums
    }

    /// Computes [`FieldTotals`] for each of `fields` (venue masks over the model's venue
    /// indices) holding at least [`TOTALS_MIN_SHARE`] of `works` papers, at relevance `least`
    /// and as-of year `as_of` (recency as the default shape weighs it).
    pub(crate) fn add_totals(
        &mut self,
        fields: Vec<Vec<bool>>,
        least: f32,
        as_of: i32,
        works: usize,
        researcher_bound: usize,
    ) {
        let half_life = self.shape.recency_half_life;
        for venues in fields {
            if (self.papers(&venues, None) as f64) < TOTALS_MIN_SHARE * works as f64 {
                continue;
            }
            let mut value = vec![0f64; researcher_bound];
            self.add_field(
                &venues,
                None,
                f64::from(least),
                |year| recency(year, as_of, half_life),
                |r, c| {
                    if let Some(v) = usize::try_from(r).ok().and_then(|r| value.get_mut(r)) {
                        *v += c;
                    }
                },
                |_| {},
            );
            self.totals
                .push(FieldTotals::new(venues, least, as_of, value));
        }
    }

    /// The totals that answer a summed field query (`field` as of `as_of`) without a year
    /// bound, recency on.
    pub(crate) fn totals_for(&self, field: &SummedField, as_of: i32) -> Option<&FieldTotals> {
        self.totals
            .iter()
            .find(|t| t.venues == field.venues && t.least == field.least && t.as_of == as_of)
    }

    /// Hands each paper of the field scored one by one (from `since` on) to `twin`, and counts
    /// the field's papers, as [`FieldSums::add_field`] does without adding the sums.
    pub(crate) fn twins(
        &self,
        venues: &[bool],
        since: Option<i32>,
        mut twin: impl FnMut(i64),
    ) -> FieldAdded {
        let mut added = FieldAdded {
            papers: 0,
            counted: 0,
        };
        for b in self.field_buckets(venues, since) {
            added.papers += b.papers as usize;
            added.counted += b.counted as usize;
            for &work in &self.twins[b.twins.clone()] {
                twin(i64::from(work));
            }
        }
        added
    }

    /// The shape the sums were computed with.
    pub(crate) fn shape(&self) -> &Shape {
        &self.shape
    }

    /// The papers of the venues in `venues` (by the model's venue index) from `since` on.
    pub(crate) fn papers(&self, venues: &[bool], since: Option<i32>) -> usize {
        self.field_buckets(venues, since)
            .map(|b| b.papers as usize)
            .sum()
    }

    fn field_buckets<'s>(
        &'s self,
        venues: &'s [bool],
        since: Option<i32>,
    ) -> impl Iterator<Item = &'s Bucket> + 's {
        self.buckets.iter().filter(move |b| {
            venues.get(b.venue as usize).copied().unwrap_or(false)
                && since.is_none_or(|s| b.year.is_some_and(|y| y >= s))
        })
    }

    /// Adds every summed field paper's contribution at relevance `least` to `add(researcher,
    /// contribution)`, `recency(year)` the recency factor of a year, and hands each paper of the
    /// field scored one by one to `twin`.
    pub(crate) fn add_field(
        &self,
        venues: &[bool],
        since: Option<i32>,
        least: f64,
        recency: impl Fn(Option<i32>) -> f64,
        mut add: impl FnMut(i64, f64),
        twin: impl FnMut(i64),
    ) -> FieldAdded {
        for b in self.field_buckets(venues, since) {
            let factor = least * recency(b.year);
            for (&r, &w) in self.researchers[b.entries.clone()]
                .iter()
                .zip(&self.weights[b.entries.clone()])
            {
                add(i64::from(r), factor * w);
            }
        }
        self.twins(venues, since, twin)
    }

    /// The works of `researcher`, ascending.
    pub(crate) fn works_of(&self, researcher: i64) -> &[u32] {
        let Ok(r) = usize::try_from(researcher) else {
            return &[];
        };
        match (self.works_offsets.get(r), self.works_offsets.get(r + 1)) {
            (Some(&a), Some(&b)) => self.works.get(a as usize..b as usize).unwrap_or_default(),
            _ => &[],
        }
    }
}

/// A paper's impact factor under `shape` (as `rank.rs` computes it with the impact factor on).
pub(crate) fn paper_impact(shape: &Shape, paper: &PaperFacts) -> f64 {
    let relative = paper
        .relative
        .filter(|_| shape.estimates || !paper.estimated);
    shape.impact.weight(relative) * paper.status_factor
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paper(year: i32, twin: bool, rejected: bool, n_authors: i64) -> Option<PaperFacts> {
        Some(PaperFacts {
            year: Some(year),
            twin,
            rejected,
            n_authors,
            status_factor: 1.0,
            relative: Some(3.0),
            ..PaperFacts::default()
        })
    }

    #[test]
    fn sums_follow_venue_year_and_skip_what_is_scored_alone() {
        // Works 0..5: venue 0 in 2020 (works 0, 1, 2: a twin and a rejected one among them),
        // venue 1 in 2021 (work 3), no venue (work 4).
        let papers = vec![
            paper(2020, false, false, 2),
            paper(2020, false, false, 3),
            paper(2020, true, false, 1),
            paper(2021, false, true, 1),
            paper(2021, false, false, 1),
        ];
        // Work 0: researchers 5 (first) and 6; work 1: 6 first, 5 twice (middle and last),
        // 7 absent; work 2: 5; work 3: 8; work 4: 9.
        let authors = [
            (0, 5),
            (1, 6),
            (0, 6),
            (1, 5),
            (2, 5),
            (0, 5),
            (0, 8),
            (0, 9),
        ];
        let offsets = [0, 2, 5, 6, 7, 8];
        let venue_of = [0, 0, 0, 1, u32::MAX];
        let shape = Shape::default();
        let sums = FieldSums::build(shape, &papers, &offsets, &authors, &venue_of, 10);
        let impact = shape.impact.weight(Some(3.0));
        let role = |p, n| shape.role.weight(p, n);

        let mut got: Vec<(i64, f64)> = Vec::new();
        let mut twins = Vec::new();
        let added = sums.add_field(
            &[true, true],
            None,
            0.5,
            |_| 1.0,
            |r, c| got.push((r, c)),
            |w| twins.push(w),
        );
        assert_eq!((added.papers, added.counted), (4, 3));
        assert_eq!(twins, [2]);
        // Researcher 5: first on work 0, middle (its better position) on work 1.
        let want_5 = 0.5 * (impact * role(0, 2) + impact * role(1, 3));
        let want_6 = 0.5 * (impact * role(1, 2) + impact * role(0, 3));
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, 5);
        assert!((got[0].1 - want_5).abs() < 1e-12);
        assert_eq!(got[1].0, 6);
        assert!((got[1].1 - want_6).abs() < 1e-12);

        // From 2021 on only venue 1's rejected paper is left.
        let added = sums.add_field(&[true, true], Some(2021), 0.5, |_| 1.0, |_, _| {}, |_| {});
        assert_eq!((added.papers, added.counted), (1, 0));
        assert_eq!(sums.papers(&[false, true], None), 1);

        assert_eq!(sums.works_of(5), [0, 1, 2]);
        assert_eq!(sums.works_of(9), [4]);
        assert!(sums.works_of(7).is_empty());
        assert!(sums.works_of(-1).is_empty());
        assert!(sums.works_of(99).is_empty());
    }
}
