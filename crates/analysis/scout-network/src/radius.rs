//! Leak radius: for each target on a shortlist, which other targets are one co-authorship hop
//! away (they wrote together) or two (they share a co-author) — the people likely to hear about
//! an approach — and an approach order that keeps early approaches from reaching the rest.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::Serialize;

use crate::graph::Graph;

/// A target within reach of another.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Reach {
    pub researcher: u32,
    /// 1: co-authors; 2: a shared co-author.
    pub hops: u8,
    /// For two hops, the strongest shared co-author.
    pub via: Option<u32>,
    /// Tie strength (for two hops, the weaker of the two ties).
    pub strength: f64,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Radius {
    pub target: u32,
    pub within_one: Vec<Reach>,
    pub within_two: Vec<Reach>,
}

/// The radius of every target among the others.
pub fn radius(graph: &Graph, targets: &[u32]) -> Vec<Radius> {
    let wanted: HashSet<u32> = targets.iter().copied().collect();
    targets
        .iter()
        .map(|&t| {
            let mut one: Vec<Reach> = Vec::new();
            let mut two: HashMap<u32, Reach> = HashMap::default();
            for (x, tie_tx) in graph.neighbours(t) {
                if wanted.contains(&x) && x != t {
                    one.push(Reach {
                        researcher: x,
                        hops: 1,
                        via: None,
                        strength: tie_tx.strength(),
                    });
                }
                for (y, tie_xy) in graph.neighbours(x) {
                    if y == t || !wanted.contains(&y) {
                        continue;
                    }
                    let strength = tie_tx.strength().min(tie_xy.strength());
                    let better = two.get(&y).is_none_or(|r| strength > r.strength);
                    if better {
                        two.insert(
                            y,
                            Reach {
                                researcher: y,
                                hops: 2,
                                via: Some(x),
                                strength,
                            },
                        );
                    }
                }
            }
            let direct: HashSet<u32> = one.iter().map(|r| r.researcher).collect();
            let mut within_two: Vec<Reach> = two
                .into_values()
                .filter(|r| !direct.contains(&r.researcher))
                .collect();
            one.sort_by(|a, b| {
                b.strength
                    .total_cmp(&a.strength)
                    .then(a.researcher.cmp(&b.researcher))
            });
            within_two.sort_by(|a, b| {
                b.strength
                    .total_cmp(&a.strength)
                    .then(a.researcher.cmp(&b.researcher))
            });
            Radius {
                target: t,
                within_one: one,
                within_two,
            }
        })
        .collect()
}

/// One wave of approaches: targets to contact together.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Wave {
    pub number: usize,
    pub targets: Vec<u32>,
    /// Other targets (in later waves) this wave can reach through a shared co-author.
    pub reaches: Vec<u32>,
    pub reason: String,
}

/// Ties weaker than this (one old paper among many authors) are not counted as direct links.
pub const DIRECT_TIE_STRENGTH: f64 = 0.2;

/// An approach order. Direct co-authors (a tie of strength ≥ [`DIRECT_TIE_STRENGTH`]) will talk
/// at once, so they form a group approached together, in one wave. Groups are ordered so that
/// early waves reach as few not-yet-approached targets as possible through shared co-authors:
/// each next wave is the group whose two-hop links to the remaining targets are weakest
/// (ties broken by smaller groups first).
pub fn approach_order(graph: &Graph, targets: &[u32]) -> Vec<Wave> {
    let radii = radius(graph, targets);
    let by_target: HashMap<u32, &Radius> = radii.iter().map(|r| (r.target, r)).collect();
    // Groups: components over direct links.
    let mut links: HashMap<u32, Vec<u32>> = HashMap::default();
    for r in &radii {
        for reach in r
            .within_one
            .iter()
            .filter(|x| x.strength >= DIRECT_TIE_STRENGTH)
        {
            links.entry(r.target).or_default().push(reach.researcher);
            links.entry(reach.researcher).or_default().push(r.target);
        }
    }
    let mut seen: HashSet<u32> = HashSet::default();
    let mut groups: Vec<Vec<u32>> = Vec::new();
    for &t in targets {
        if !seen.insert(t) {
            continue;
        }
        let mut group = Vec::new();
        let mut stack = vec![t];
        while let Some(u) = stack.pop() {
            group.push(u);
            for &v in links.get(&u).map(Vec::as_slice).unwrap_or_default() {
                if seen.insert(v) {
                    stack.push(v);
                }
            }
        }
        group.sort_by_key(|g| targets.iter().position(|t| t == g));
        groups.push(group);
    }
    // Greedy: next the group that leaks least to the targets still waiting.
    let mut waves = Vec::new();
    let mut remaining: Vec<Vec<u32>> = groups;
    while !remaining.is_empty() {
        let waiting: HashSet<u32> = remaining.iter().flatten().copied().collect();
        let leak = |group: &[u32]| -> (f64, Vec<u32>) {
            let mut reached: HashMap<u32, f64> = HashMap::default();
            for t in group {
                let Some(r) = by_target.get(t) else { continue };
                for x in r.within_one.iter().chain(&r.within_two) {
                    if waiting.contains(&x.researcher) && !group.contains(&x.researcher) {
                        let e = reached.entry(x.researcher).or_default();
                        *e = e.max(x.strength);
                    }
                }
            }
            let mut ids: Vec<u32> = reached.keys().copied().collect();
            ids.sort_unstable();
            (reached.values().sum(), ids)
        };
        let (best, _) = remaining
            .iter()
            .enumerate()
            .map(|(i, g)| (i, leak(g).0))
            .min_by(|a, b| {
                a.1.total_cmp(&b.1)
                    .then(remaining[a.0].len().cmp(&remaining[b.0].len()))
                    .then(a.0.cmp(&b.0))
            })
            .unwrap_or((0, 0.0));
        let group = remaining.remove(best);
        let (weight, reaches) = leak(&group);
        let reason = match (group.len(), reaches.len()) {
            (1, 0) => "no remaining target within two hops: approach at any time".to_string(),
            (1, n) => format!(
                "reaches {n} remaining target(s) only through shared co-authors (total strength {weight:.2})"
            ),
            (g, 0) => format!(
                "{g} direct co-authors: approach together, the same day; nobody else within two hops"
            ),
            (g, n) => format!(
                "{g} direct co-authors: approach together, the same day; reaches {n} remaining target(s) through shared co-authors (total strength {weight:.2})"
            ),
        };
        waves.push(Wave {
            number: waves.len() + 1,
            targets: group,
            reaches,
            reason,
        });
    }
    waves
}

/// An approach order that starts from the targets already contacted. They are wave 1 (done:
/// they may already have told their co-authors); the waiting targets they reach through a
/// direct or shared co-author come next, most exposed first, so they hear of us from us; the
/// rest follow in [`approach_order`]'s order. Without a contacted target this is
/// [`approach_order`].
pub fn approach_order_from(graph: &Graph, targets: &[u32], contacted: &[u32]) -> Vec<Wave> {
    let done: Vec<u32> = targets
        .iter()
        .copied()
        .filter(|t| contacted.contains(t))
        .collect();
    if done.is_empty() {
        return approach_order(graph, targets);
    }
    let waiting: Vec<u32> = targets
        .iter()
        .copied()
        .filter(|t| !done.contains(t))
        .collect();
    // How strongly each waiting target is tied to someone already contacted.
    let mut exposure: HashMap<u32, f64> = HashMap::default();
    for r in radius(graph, targets)
        .iter()
        .filter(|r| done.contains(&r.target))
    {
        for x in r.within_one.iter().chain(&r.within_two) {
            if waiting.contains(&x.researcher) {
                let e = exposure.entry(x.researcher).or_default();
                *e = e.max(x.strength);
            }
        }
    }
    let mut reaches: Vec<u32> = exposure.keys().copied().collect();
    reaches.sort_unstable();
    let mut waves = vec![Wave {
        number: 1,
        reason: format!(
            "already contacted ({}): they may have told the {} waiting target(s) they reach",
            done.len(),
            reaches.len()
        ),
        targets: done,
        reaches,
    }];
    let exposed_by = |w: &Wave| {
        w.targets
            .iter()
            .filter_map(|t| exposure.get(t))
            .fold(0.0_f64, |a, &b| a.max(b))
    };
    let (mut exposed, calm): (Vec<Wave>, Vec<Wave>) = approach_order(graph, &waiting)
        .into_iter()
        .partition(|w| exposed_by(w) > 0.0);
    exposed.sort_by(|a, b| {
        exposed_by(b)
            .total_cmp(&exposed_by(a))
            .then(a.number.cmp(&b.number))
    });
    for mut w in exposed {
        w.reason = format!(
            "tied to someone already contacted (strength {:.2}): approach next, before they hear of it second-hand; {}",
            exposed_by(&w),
            w.reason
        );
        w.number = waves.len() + 1;
        waves.push(w);
    }
    for mut w in calm {
        w.number = waves.len() + 1;
        waves.push(w);
    }
    waves
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tie;

    #[test]
    fn radius_and_waves_follow_the_graph() {
        // Targets 1, 2, 3, 7. 1-2 co-authors; 2-5-3 share co-author 5; 7 isolated.
        let g = Graph::from_edges(
            10,
            &[
                (1, 2, tie(1.0)),
                (2, 5, tie(1.0)),
                (5, 3, tie(0.5)),
                (7, 8, tie(1.0)),
            ],
        );
        let r = radius(&g, &[1, 2, 3, 7]);
        assert_eq!(
            r[0].within_one
                .iter()
                .map(|x| x.researcher)
                .collect::<Vec<_>>(),
            [2]
        );
        assert_eq!(
            r[1].within_two
                .iter()
                .map(|x| (x.researcher, x.via))
                .collect::<Vec<_>>(),
            [(3, Some(5))]
        );
        assert!(r[3].within_one.is_empty() && r[3].within_two.is_empty());
        let waves = approach_order(&g, &[1, 2, 3, 7]);
        // 7 leaks to nobody; 3 and the pair {1, 2} (co-authors, approached together) reach each
        // other through 5 with equal strength, so the smaller group goes first.
        let order: Vec<Vec<u32>> = waves.iter().map(|w| w.targets.clone()).collect();
        assert_eq!(order, [vec![7], vec![3], vec![1, 2]]);
        assert_eq!(waves[1].reaches, [2]);
        assert!(waves[2].reaches.is_empty());
    }

    #[test]
    fn the_order_starts_from_who_is_already_contacted() {
        // 1 is contacted. 2 is its direct co-author (strength 1.0) and 3 shares its co-author 6
        // (weaker), so 2 comes before 3; 7 is tied to nobody and goes last.
        let g = Graph::from_edges(
            10,
            &[
                (1, 2, tie(1.0)),
                (2, 5, tie(1.0)),
                (5, 3, tie(0.5)),
                (1, 6, tie(1.0)),
                (6, 3, tie(0.5)),
                (7, 8, tie(1.0)),
            ],
        );
        let waves = approach_order_from(&g, &[1, 2, 3, 7], &[1]);
        let order: Vec<Vec<u32>> = waves.iter().map(|w| w.targets.clone()).collect();
        assert_eq!(order, [vec![1], vec![2], vec![3], vec![7]]);
        assert_eq!(waves[0].reaches, [2, 3]);
        assert!(
            waves[1]
                .reason
                .starts_with("tied to someone already contacted")
        );
        assert_eq!(
            waves.iter().map(|w| w.number).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
        // Nobody contacted: the plain order.
        let plain: Vec<Vec<u32>> = approach_order_from(&g, &[1, 2, 3, 7], &[9])
            .iter()
            .map(|w| w.targets.clone())
            .collect();
        let base: Vec<Vec<u32>> = approach_order(&g, &[1, 2, 3, 7])
            .iter()
            .map(|w| w.targets.clone())
            .collect();
        assert_eq!(plain, base);
    }
}
