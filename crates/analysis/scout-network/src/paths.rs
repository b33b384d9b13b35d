//! Warm paths: the best chains of co-authorship from our people to a target.
//!
//! A chain's cost is the sum of its hops' costs (`−ln` of tie strength), so the best chain
//! maximises the product of tie strengths. The search meets in the middle: hop-limited layers
//! grow from the target (keeping the best way back from each node per layer), and every node
//! of every layer is checked for a neighbour among our people. Paths through the same meeting
//! node and layer keep only their best continuation, so the k chains returned are the best
//! chains with distinct node sequences found this way.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use scout_corpus::rusqlite::Connection;
use serde::Serialize;

use crate::error::{NetworkError, Result};
use crate::graph::{Graph, Tie};

/// Longest chain searched.
pub const MAX_HOPS_LIMIT: usize = 4;

/// A chain of researcher ids from one of our people to the target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chain {
    pub nodes: Vec<u32>,
    pub cost: f64,
    /// Product of the hops' tie strengths, in (0, 1].
    pub warmth: f64,
}

/// The `k` best chains of at most `max_hops` hops from any of `sources` to `target`.
pub fn best_chains(
    graph: &Graph,
    sources: &HashSet<u32>,
    target: u32,
    max_hops: usize,
    k: usize,
) -> Result<Vec<Chain>> {
    if !(1..=MAX_HOPS_LIMIT).contains(&max_hops) {
        return Err(NetworkError::Invalid(format!(
            "--max-hops must be 1..={MAX_HOPS_LIMIT}"
        )));
    }
    if sources.contains(&target) || k == 0 || sources.is_empty() {
        return Ok(Vec::new());
    }
    // layers[d][v] = (cost from v to target in exactly d hops, next node toward the target).
    let mut layers: Vec<HashMap<u32, (f64, u32)>> = Vec::with_capacity(max_hops);
    let mut start = HashMap::default();
    start.insert(target, (0.0, target));
    layers.push(start);
    for d in 1..max_hops {
        let mut next: HashMap<u32, (f64, u32)> = HashMap::default();
        for (&u, &(c, _)) in &layers[d - 1] {
            for (v, tie) in graph.neighbours(u) {
                if v == target {
                    continue;
                }
                let nc = c + tie.cost();
                match next.get(&v) {
                    Some(&(old, _)) if old <= nc => {}
                    _ => {
                        next.insert(v, (nc, u));
                    }
                }
            }
        }
        layers.push(next);
    }
    // Meet: a source adjacent to a layer node closes a chain of d + 1 hops.
    let mut candidates: Vec<(f64, u32, u32, usize)> = Vec::new();
    for (d, layer) in layers.iter().enumerate() {
        for (&x, &(c, _)) in layer {
            for (s, tie) in graph.neighbours(x) {
                if sources.contains(&s) {
                    candidates.push((c + tie.cost(), s, x, d));
                }
            }
        }
    }
    candidates.sort_by(|a, b| {
        a.0.total_cmp(&b.0)
            .then((a.1, a.2, a.3).cmp(&(b.1, b.2, b.3)))
    });
    let mut chains: Vec<Chain> = Vec::new();
    for (cost, s, x, d) in candidates {
        let mut nodes = vec![s, x];
        let mut cur = x;
        for layer in (1..=d).rev() {
            let Some(&(_, next)) = layers[layer].get(&cur) else {
                break;
            };
            nodes.push(next);
            cur = next;
        }
        if *nodes.last().unwrap_or(&u32::MAX) != target {
            continue;
        }
        let unique: HashSet<u32> = nodes.iter().copied().collect();
        if unique.len() != nodes.len() || chains.iter().any(|c| c.nodes == nodes) {
            continue;
        }
        // Our people in the middle of a chain make it a longer way round to someone we know.
        if nodes[1..nodes.len() - 1]
            .iter()
            .any(|n| sources.contains(n))
        {
            continue;
        }
        chains.push(Chain {
            warmth: (-cost).exp(),
            cost,
            nodes,
        });
        if chains.len() == k {
            break;
        }
    }
    Ok(chains)
}

/// A joint paper justifying a hop.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct JointPaper {
    pub work_id: i64,
    pub title: String,
    pub year: Option<i32>,
    pub venue: Option<String>,
    pub n_authors: i64,
}

/// Papers both researchers wrote, most recent first.
pub fn joint_papers(conn: &Connection, a: u32, b: u32, limit: usize) -> Result<Vec<JointPaper>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT w.id, w.title, w.year, w.venue, w.n_authors
         FROM authorship_researcher x
         JOIN authorship_researcher y ON y.work_id = x.work_id AND y.researcher_id = ?2
         JOIN works w ON w.id = x.work_id
         WHERE x.researcher_id = ?1
         ORDER BY w.year DESC, w.id
         LIMIT ?3",
    )?;
    let rows = stmt.query_map(scout_corpus::rusqlite::params![a, b, limit as i64], |r| {
        Ok(JointPaper {
            work_id: r.get(0)?,
            title: r.get(1)?,
            year: r.get(2)?,
            venue: r.get(3)?,
            n_authors: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One hop of a described chain.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Hop {
    pub from: u32,
    pub from_name: String,
    pub to: u32,
    pub to_name: String,
    pub tie: Tie,
    pub strength: f64,
    pub papers: Vec<JointPaper>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DescribedChain {
    pub warmth: f64,
    pub hops: Vec<Hop>,
}

/// Adds names and the joint papers behind every hop.
pub fn describe(
    conn: &Connection,
    graph: &Graph,
    chain: &Chain,
    papers_per_hop: usize,
) -> Result<DescribedChain> {
    let name = |id: u32| -> Result<String> {
        Ok(scout_corpus::researchers::by_id(conn, i64::from(id))?
            .map_or_else(|| format!("#{id}"), |r| r.name))
    };
    let mut hops = Vec::new();
    for pair in chain.nodes.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let tie = *graph
            .tie(a, b)
            .ok_or_else(|| NetworkError::Invalid(format!("no tie between {a} and {b}")))?;
        hops.push(Hop {
            from: a,
            from_name: name(a)?,
            to: b,
            to_name: name(b)?,
            strength: tie.strength(),
            tie,
            papers: joint_papers(conn, a, b, papers_per_hop)?,
        });
    }
    Ok(DescribedChain {
        warmth: chain.warmth,
        hops,
    })
}

/// Researchers whose current organisation matches `org` (its name or any alias); a name no
/// organisation answers to is an error naming close ones.
pub fn people_of_org(conn: &Connection, org: &str) -> Result<Vec<u32>> {
    let key = scout_corpus::organisations::OrgRegistry::builtin()
        .resolve(org)
        .key;
    let mut stmt = conn.prepare_cached(
        "SELECT r.id FROM researchers r JOIN organisations o ON o.id = r.current_org_id
         WHERE o.key = ?1 OR o.name = ?2 ORDER BY r.id",
    )?;
    let ids = stmt.query_map(scout_corpus::rusqlite::params![key, org], |r| {
        r.get::<_, i64>(0)
    })?;
    let people: Vec<u32> = ids
        .map(|r| r.map(|id| id as u32))
        .collect::<Result<_, _>>()?;
    if people.is_empty() && !crate::flows::org_known(conn, org)? {
        return Err(crate::flows::unknown_org(conn, org)?);
    }
    Ok(people)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tie;

    fn set(ids: &[u32]) -> HashSet<u32> {
        ids.iter().copied().collect()
    }

    #[test]
    fn finds_the_warmest_chain_and_alternatives() {
        // 1 - 2 - 3 - 9 strong; 1 - 4 - 9 weak; 5 - 9 direct but 5 is not ours.
        let g = Graph::from_edges(
            10,
            &[
                (1, 2, tie(2.0)),
                (2, 3, tie(2.0)),
                (3, 9, tie(2.0)),
                (1, 4, tie(0.05)),
                (4, 9, tie(0.05)),
                (5, 9, tie(3.0)),
            ],
        );
        let chains = best_chains(&g, &set(&[1]), 9, 3, 3).unwrap_or_default();
        assert_eq!(chains[0].nodes, [1, 2, 3, 9]);
        assert_eq!(chains[1].nodes, [1, 4, 9]);
        assert!(chains[0].warmth > chains[1].warmth);
        // Every hop is an edge.
        for c in &chains {
            for p in c.nodes.windows(2) {
                assert!(g.tie(p[0], p[1]).is_some());
            }
        }
        // The three-hop chain is out of reach with two hops.
        let short = best_chains(&g, &set(&[1]), 9, 2, 3).unwrap_or_default();
        assert_eq!(short.len(), 1);
        assert_eq!(short[0].nodes, [1, 4, 9]);
    }

    #[test]
    fn no_chain_when_unreachable_or_target_is_ours() {
        let g = Graph::from_edges(6, &[(1, 2, tie(1.0)), (3, 4, tie(1.0))]);
        assert!(
            best_chains(&g, &set(&[1]), 4, 3, 3)
                .unwrap_or_default()
                .is_empty()
        );
        assert!(
            best_chains(&g, &set(&[1]), 1, 3, 3)
                .unwrap_or_default()
                .is_empty()
        );
        assert!(best_chains(&g, &set(&[1]), 2, 9, 3).is_err());
    }
}
