//! Moves between organisations, read from a researcher's affiliations over the years.
//!
//! A move from A to B: B's first paper comes no earlier than A's last one, no paper lists A and
//! B together (that is a double affiliation), and B is not a one-year stint followed by more
//! papers elsewhere (an internship or a visit). Two names of one organisation
//! (`org_names.rs`: "NEC Labs America" after "NEC Laboratories America") are no move, nor is a
//! B from which the researcher wrote with no e-mail domain they had not used at A (`network.rs`,
//! `mail_domains.rs`: a real move changes the address; the same one at both says B is a second
//! name of A, a co-author's organisation or a visit), and B
//! must show on at least one paper that names, for anyone, neither A nor another place the
//! researcher held in the [`RECENT_YEARS`] before B: a paper whose authors include their old
//! colleagues may be the old group's paper with a co-author's affiliation put against the
//! researcher (lists shifted by a position are common), and is no evidence of leaving.
//! A, the place left, is the latest place before B; but a place seen only on papers that also
//! name B (for anyone) is the origin only when no other is: such a place is often an affiliation
//! list rotated against its authors, or a visit to B's people, not where the researcher worked.
//! Each move keeps its evidence: the last paper at A and the first at B.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// One paper's affiliations for one researcher: year, work id, organisation ids on it, and the
/// paper's position in a stable order (used to break ties within a year, so that results do not
/// depend on database ids).
#[derive(Debug, Clone)]
pub struct Stint<'a> {
    pub year: i32,
    pub work: i64,
    pub order: u64,
    /// The researcher's own organisations on the paper.
    pub orgs: &'a [u32],
    /// Every organisation on the paper, anyone's (the researcher's included), sorted.
    pub paper_orgs: &'a [u32],
}

/// How far back (in years before a new organisation's first paper) the researcher's earlier
/// places count as "before" for the test that the new place shows without them.
pub const RECENT_YEARS: i32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    pub from: u32,
    pub to: u32,
    pub year: i32,
    pub from_last_work: i64,
    pub from_last_year: i32,
    pub to_first_work: i64,
    pub to_first_year: i32,
}

#[derive(Clone, Copy)]
struct Span {
    first_year: i32,
    last_year: i32,
    first: (u64, i64),
    last: (u64, i64),
    papers: u32,
}

/// Moves in one researcher's history, oldest first; `one_organisation(a, b)` says whether two
/// organisation ids are names of one organisation, and `order` gives each organisation the rank
/// that breaks ties (its key: ids differ between databases that hold the same organisations,
/// an incremental refresh's and a rebuild's, and the result must not).
pub fn detect<K: Ord>(
    history: &[Stint],
    one_organisation: impl Fn(u32, u32) -> bool,
    order: impl Fn(u32) -> K,
) -> Vec<Move> {
    let mut spans: HashMap<u32, Span> = HashMap::default();
    let mut together: HashSet<(u32, u32)> = HashSet::default();
    for s in history.iter().filter(|s| s.year > 0) {
        for &o in s.orgs {
            let e = spans.entry(o).or_insert(Span {
                first_year: s.year,
                last_year: s.year,
                first: (s.order, s.work),
                last: (s.order, s.work),
                papers: 0,
            });
            e.papers += 1;
            if (s.year, s.order) < (e.first_year, e.first.0) {
                e.first_year = s.year;
                e.first = (s.order, s.work);
            }
            if (s.year, s.order) > (e.last_year, e.last.0) {
                e.last_year = s.year;
                e.last = (s.order, s.work);
            }
        }
        for (i, &a) in s.orgs.iter().enumerate() {
            for &b in &s.orgs[i + 1..] {
                together.insert((a.min(b), a.max(b)));
            }
        }
    }
    let latest = spans.values().map(|s| s.last_year).max().unwrap_or(0);
    let mut orgs: Vec<(u32, Span)> = spans.into_iter().collect();
    orgs.sort_by_cached_key(|(o, s)| (s.first_year, s.last_year, order(*o), *o));
    let mut moves = Vec::new();
    for &(b, sb) in &orgs {
        // A one-year stint with papers elsewhere afterwards is a visit, not a move.
        if sb.first_year == sb.last_year && latest > sb.last_year {
            continue;
        }
        // Places that show on a paper without B come first (see the module documentation).
        let without_b = |a: u32| {
            history
                .iter()
                .any(|s| s.orgs.contains(&a) && s.paper_orgs.binary_search(&b).is_err())
        };
        let predecessor = orgs
            .iter()
            .filter(|(a, sa)| {
                *a != b && sa.first_year < sb.first_year && sa.last_year <= sb.first_year
            })
            .max_by_key(|(a, sa)| {
                (
                    without_b(*a),
                    sa.last_year,
                    sa.papers,
                    std::cmp::Reverse((order(*a), *a)),
                )
            });
        let Some(&(a, sa)) = predecessor else {
            continue;
        };
        if together.contains(&(a.min(b), a.max(b))) || one_organisation(a, b) {
            continue;
        }
        // The places the researcher held before B began: A, and any other seen in the last
        // `RECENT_YEARS` years before it.
        let before: Vec<u32> = orgs
            .iter()
            .filter(|(c, sc)| {
                *c == a
                    || (*c != b
                        && sc.first_year < sb.first_year
                        && sc.last_year >= sb.first_year - RECENT_YEARS)
            })
            .map(|(c, _)| *c)
            .collect();
        let away = history.iter().any(|s| {
            s.orgs.contains(&b)
                && before
                    .iter()
                    .all(|c| s.paper_orgs.binary_search(c).is_err())
        });
        if !away {
            continue;
        }
        // Someone still publishing at an older organisation after B began was not leaving it.
        let still_elsewhere = orgs.iter().any(|(c, sc)| {
            *c != b && *c != a && sc.first_year < sb.first_year && sc.last_year > sb.first_year
        });
        if still_elsewhere {
            continue;
        }
        moves.push(Move {
            from: a,
            to: b,
            year: sb.first_year,
            from_last_work: sa.last.1,
            from_last_year: sa.last_year,
            to_first_work: sb.first.1,
            to_first_year: sb.first_year,
        });
    }
    moves
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(items: &[(i32, i64, &'static [u32])]) -> Vec<Stint<'static>> {
        items
            .iter()
            .map(|&(year, work, orgs)| Stint {
                year,
                work,
                order: work as u64,
                orgs,
                paper_orgs: orgs,
            })
            .collect()
    }

    fn apart(_: u32, _: u32) -> bool {
        false
    }

    #[test]
    fn a_clean_move_is_found_with_its_evidence() {
        let h = history(&[
            (2018, 1, &[1]),
            (2019, 2, &[1]),
            (2021, 3, &[2]),
            (2022, 4, &[2]),
        ]);
        let m = detect(&h, apart, |o| o);
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].from, m[0].to, m[0].year), (1, 2, 2021));
        assert_eq!((m[0].from_last_work, m[0].to_first_work), (2, 3));
    }

    #[test]
    fn a_double_affiliation_is_not_a_move() {
        // Listed at both on one paper, then only at the second.
        let h = history(&[
            (2018, 1, &[1]),
            (2019, 2, &[1, 2]),
            (2020, 3, &[2]),
            (2021, 4, &[2]),
        ]);
        assert!(detect(&h, apart, |o| o).is_empty());
        // Alternating between two organisations over the same years.
        let h = history(&[
            (2018, 1, &[1]),
            (2019, 2, &[2]),
            (2020, 3, &[1]),
            (2021, 4, &[2]),
        ]);
        assert!(detect(&h, apart, |o| o).is_empty());
    }

    #[test]
    fn an_internship_is_not_a_move() {
        let h = history(&[
            (2018, 1, &[1]),
            (2019, 2, &[1]),
            (2020, 3, &[7]),
            (2021, 4, &[1]),
            (2022, 5, &[1]),
        ]);
        assert!(
            detect(&h, apart, |o| o).is_empty(),
            "{:?}",
            detect(&h, apart, |o| o)
        );
    }

    #[test]
    fn a_move_in_the_latest_year_counts() {
        let h = history(&[(2020, 1, &[1]), (2023, 2, &[1]), (2024, 3, &[5])]);
        assert_eq!(detect(&h, apart, |o| o).len(), 1);
    }

    #[test]
    fn two_names_of_one_organisation_are_no_move() {
        let h = history(&[
            (2018, 1, &[1]),
            (2019, 2, &[1]),
            (2021, 3, &[2]),
            (2022, 4, &[2]),
        ]);
        assert!(detect(&h, |a, b| a.min(b) == 1 && a.max(b) == 2, |o| o).is_empty());
    }

    #[test]
    fn the_new_place_needs_a_paper_without_the_old_one() {
        // The only paper at 2 also names 1 for a co-author: a shifted list, or the old group's
        // paper, not a move.
        let with_old: &[u32] = &[1, 2];
        let mut h = history(&[(2018, 1, &[1]), (2019, 2, &[1]), (2021, 3, &[2])]);
        h[2].paper_orgs = with_old;
        assert!(detect(&h, apart, |o| o).is_empty());
        // A later paper at 2 without 1 shows the move, dated by the first paper at 2.
        h.extend(history(&[(2022, 4, &[2])]));
        let m = detect(&h, apart, |o| o);
        assert_eq!(m.len(), 1);
        assert_eq!(
            (m[0].from, m[0].to, m[0].year, m[0].to_first_work),
            (1, 2, 2021, 3)
        );
    }

    #[test]
    fn nor_with_another_recent_place() {
        // 5 was the researcher's place until 2018; the only paper at 2 names 5 for someone.
        let with_recent: &[u32] = &[2, 5];
        let mut h = history(&[
            (2018, 1, &[5]),
            (2019, 2, &[1]),
            (2020, 3, &[1]),
            (2021, 4, &[2]),
        ]);
        h[3].paper_orgs = with_recent;
        let to_2 = |h: &[Stint]| detect(h, apart, |o| o).iter().filter(|m| m.to == 2).count();
        assert_eq!(to_2(&h), 0);
        // Further back than RECENT_YEARS, it does not count.
        let mut h = history(&[
            (2015, 1, &[5]),
            (2019, 2, &[1]),
            (2020, 3, &[1]),
            (2021, 4, &[2]),
        ]);
        h[3].paper_orgs = with_recent;
        assert_eq!(to_2(&h), 1);
    }

    #[test]
    fn the_old_place_is_one_seen_without_the_new_one() {
        // 1 until 2021; in 2022 one paper at 4 that names 2, the next place, for a co-author (a
        // rotated list, or a visit to 2's people): the move comes from 1.
        let names_next: &[u32] = &[2, 4];
        let mut h = history(&[
            (2020, 1, &[1]),
            (2021, 2, &[1]),
            (2022, 3, &[4]),
            (2023, 4, &[2]),
            (2024, 5, &[2]),
        ]);
        h[2].paper_orgs = names_next;
        let m = detect(&h, apart, |o| o);
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!((m[0].from, m[0].to, m[0].year), (1, 2, 2023));
        assert_eq!((m[0].from_last_work, m[0].from_last_year), (2, 2021));
        // A second paper at 4 that does not name 2 makes 4 the origin again.
        h.extend(history(&[(2022, 6, &[4])]));
        let m = detect(&h, apart, |o| o);
        assert_eq!((m[0].from, m[0].to), (4, 2));
        // With no other earlier place, 4 stays the origin.
        let mut h = history(&[(2022, 3, &[4]), (2023, 4, &[2]), (2024, 5, &[2])]);
        h[0].paper_orgs = names_next;
        let m = detect(&h, apart, |o| o);
        assert_eq!((m.len(), m[0].from), (1, 4));
    }

    #[test]
    fn ties_are_broken_by_the_given_order_not_by_id() {
        // Two predecessors with the same last year and paper count: the one first in `order`.
        let h = history(&[
            (2019, 1, &[1]),
            (2019, 2, &[2]),
            (2021, 3, &[3]),
            (2022, 4, &[3]),
        ]);
        let from = |order: fn(u32) -> i64| detect(&h, apart, order)[0].from;
        assert_eq!(from(i64::from), 1);
        assert_eq!(from(|o| -i64::from(o)), 2);
    }
}
