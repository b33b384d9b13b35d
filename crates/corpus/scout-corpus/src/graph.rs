//! The co-author graph over resolved researchers and its communities.
//!
//! Edge weight between two researchers is the sum over their joint papers of
//! `recency / (authors − 1)`: many joint papers, recent ones, and small author lists make a
//! strong tie; papers with more than [`MAX_AUTHORS_FOR_EDGES`] authors add no edge at all (a
//! 300-author paper is not an acquaintance). Communities come from Louvain modularity
//! optimisation on the weighted graph.

use rustc_hash::FxHashMap as HashMap;

/// Papers with more authors than this create no co-author edges.
pub const MAX_AUTHORS_FOR_EDGES: usize = 50;
/// Half-life, in years, of a joint paper's contribution to a tie.
pub const EDGE_HALF_LIFE_YEARS: f64 = 5.0;

/// One undirected edge, `a < b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    pub a: u32,
    pub b: u32,
    pub papers: u32,
    pub weight: f64,
    pub first_year: i32,
    pub last_year: i32,
}

/// Tie strength contributed by one joint paper.
pub fn paper_tie(authors: usize, year: i32, as_of: i32) -> f64 {
    let recency = if year > 0 {
        0.5_f64.powf(f64::from((as_of - year).max(0)) / EDGE_HALF_LIFE_YEARS)
    } else {
        0.5
    };
    recency / (authors.max(2) - 1) as f64
}

/// Builds edges from papers given as `(year, number of authors, distinct researcher ids)`.
pub fn build_edges<'a>(
    papers: impl IntoIterator<Item = (i32, usize, &'a [u32])>,
    as_of: i32,
) -> Vec<Edge> {
    // Every co-occurrence as a compact record, sorted and summed: far less memory than a hash
    // map of edges (16 bytes per occurrence, no per-entry overhead).
    let mut pairs: Vec<(u64, f32, i32)> = Vec::new();
    for (year, authors, researchers) in papers {
        if authors > MAX_AUTHORS_FOR_EDGES || researchers.len() < 2 {
            continue;
        }
        let tie = paper_tie(authors, year, as_of) as f32;
        for (i, &x) in researchers.iter().enumerate() {
            for &y in &researchers[i + 1..] {
                if x != y {
                    let (a, b) = (x.min(y), x.max(y));
                    pairs.push(((u64::from(a) << 32) | u64::from(b), tie, year));
                }
            }
        }
    }
    pairs.sort_unstable_by_key(|p| p.0);
    let mut out: Vec<Edge> = Vec::new();
    for (key, tie, year) in pairs {
        let (a, b) = ((key >> 32) as u32, key as u32);
        match out.last_mut() {
            Some(e) if e.a == a && e.b == b => {
                e.papers += 1;
                e.weight += f64::from(tie);
                if year > 0 {
                    e.first_year = if e.first_year > 0 {
                        e.first_year.min(year)
                    } else {
                        year
                    };
                    e.last_year = e.last_year.max(year);
                }
            }
            _ => out.push(Edge {
                a,
                b,
                papers: 1,
                weight: f64::from(tie),
                first_year: year,
                last_year: year,
            }),
        }
    }
    out
}

/// Weighted undirected graph in compressed-row form, for community detection.
struct Csr {
    offsets: Vec<usize>,
    targets: Vec<u32>,
    weights: Vec<f64>,
    /// Weighted degree of each node (self-loops counted twice).
    degree: Vec<f64>,
    total: f64,
}

impl Csr {
    fn new(n: usize, edges: &[(u32, u32, f64)]) -> Csr {
        let mut count = vec![0usize; n + 1];
        for &(a, b, _) in edges {
            count[a as usize] += 1;
            if a != b {
                count[b as usize] += 1;
            }
        }
        let mut offsets = vec![0usize; n + 1];
        for i in 0..n {
            offsets[i + 1] = offsets[i] + count[i];
        }
        let mut fill = offsets.clone();
        let mut targets = vec![0u32; offsets[n]];
        let mut weights = vec![0f64; offsets[n]];
        let mut degree = vec![0f64; n];
        let mut total = 0.0;
        for &(a, b, w) in edges {
            targets[fill[a as usize]] = b;
            weights[fill[a as usize]] = w;
            fill[a as usize] += 1;
            degree[a as usize] += w;
            if a != b {
                targets[fill[b as usize]] = a;
                weights[fill[b as usize]] = w;
                fill[b as usize] += 1;
                degree[b as usize] += w;
                total += 2.0 * w;
            } else {
                degree[a as usize] += w;
                total += 2.0 * w;
            }
        }
        Csr {
            offsets,
            targets,
            weights,
            degree,
            total,
        }
    }
}

/// Louvain community detection. Nodes are `0..n`; returns a community label per node
/// (labels are dense, ordered by first appearance). Deterministic for a given input.
pub fn louvain(n: usize, edges: &[(u32, u32, f64)]) -> Vec<u32> {
    let mut membership: Vec<u32> = (0..n as u32).collect();
    let mut current_edges: Vec<(u32, u32, f64)> = edges.to_vec();
    let mut current_n = n;
    for _level in 0..20 {
        let graph = Csr::new(current_n, &current_edges);
        if graph.total <= 0.0 {
            break;
        }
        let (community, moved) = local_moving(&graph);
        if !moved {
            break;
        }
        // Renumber communities densely and map original nodes through.
        let mut dense: HashMap<u32, u32> = HashMap::default();
        for &c in &community {
            let next = dense.len() as u32;
            dense.entry(c).or_insert(next);
        }
        for m in membership.iter_mut() {
            *m = dense[&community[*m as usize]];
        }
        // Aggregate: one node per community, edge weights summed.
        let mut agg: HashMap<(u32, u32), f64> = HashMap::default();
        for &(a, b, w) in &current_edges {
            let (ca, cb) = (dense[&community[a as usize]], dense[&community[b as usize]]);
            *agg.entry((ca.min(cb), ca.max(cb))).or_default() += w;
        }
        let mut next_edges: Vec<(u32, u32, f64)> =
            agg.into_iter().map(|((a, b), w)| (a, b, w)).collect();
        next_edges.sort_by_key(|e| (e.0, e.1));
        current_edges = next_edges;
        current_n = dense.len();
    }
    membership
}

/// One Louvain phase: move nodes to the neighbouring community with the best modularity gain
/// until no move helps. Returns the community of each node and whether anything moved.
fn local_moving(g: &Csr) -> (Vec<u32>, bool) {
    let n = g.degree.len();
    let m2 = g.total; // 2m
    let mut community: Vec<u32> = (0..n as u32).collect();
    let mut tot: Vec<f64> = g.degree.clone();
    let mut neighbour_weight = vec![0f64; n];
    let mut touched: Vec<u32> = Vec::new();
    let mut any_move = false;
    for _sweep in 0..50 {
        let mut moves = 0usize;
        for node in 0..n {
            let k = g.degree[node];
            if k == 0.0 {
                continue;
            }
            let own = community[node];
            touched.clear();
            for e in g.offsets[node]..g.offsets[node + 1] {
                let t = g.targets[e] as usize;
                if t == node {
                    continue;
                }
                let c = community[t];
                if neighbour_weight[c as usize] == 0.0 {
                    touched.push(c);
                }
                neighbour_weight[c as usize] += g.weights[e];
            }
            // Take the node out of its community.
            tot[own as usize] -= k;
            let mut best = own;
            let mut best_gain = neighbour_weight[own as usize] - tot[own as usize] * k / m2;
            for &c in &touched {
                let gain = neighbour_weight[c as usize] - tot[c as usize] * k / m2;
                if gain > best_gain + 1e-12
                    || (gain > best_gain - 1e-12 && c < best && gain > best_gain)
                {
                    best_gain = gain;
                    best = c;
                }
            }
            tot[best as usize] += k;
            if best != own {
                community[node] = best;
                moves += 1;
            }
            for &c in &touched {
                neighbour_weight[c as usize] = 0.0;
            }
            neighbour_weight[own as usize] = 0.0;
        }
        if moves == 0 {
            break;
        }
        any_move = true;
    }
    (community, any_move)
}

/// Modularity of a partition (for tests and reports).
pub fn modularity(n: usize, edges: &[(u32, u32, f64)], community: &[u32]) -> f64 {
    let g = Csr::new(n, edges);
    if g.total == 0.0 {
        return 0.0;
    }
    let mut inside: HashMap<u32, f64> = HashMap::default();
    let mut tot: HashMap<u32, f64> = HashMap::default();
    for &(a, b, w) in edges {
        if community[a as usize] == community[b as usize] {
            *inside.entry(community[a as usize]).or_default() += 2.0 * w;
        }
    }
    for (node, &d) in g.degree.iter().enumerate() {
        *tot.entry(community[node]).or_default() += d;
    }
    tot.iter()
        .map(|(c, t)| inside.get(c).copied().unwrap_or(0.0) / g.total - (t / g.total).powi(2))
        .sum()
}

const STOPWORDS: &[&str] = &[
    "the",
    "and",
    "for",
    "with",
    "from",
    "via",
    "using",
    "towards",
    "toward",
    "into",
    "over",
    "under",
    "its",
    "are",
    "can",
    "not",
    "all",
    "new",
    "our",
    "when",
    "what",
    "how",
    "why",
    "does",
    "more",
    "than",
    "that",
    "this",
    "these",
    "their",
    "your",
    "through",
    "beyond",
    "without",
    "between",
    "based",
    "approach",
    "method",
    "methods",
    "model",
    "models",
    "learning",
    "deep",
    "neural",
    "network",
    "networks",
    "data",
    "task",
    "tasks",
    "study",
    "analysis",
    "efficient",
    "effective",
    "improving",
    "improved",
    "towards",
    "large",
    "scale",
    "framework",
    "case",
    "end",
];

/// Terms of a title for community labels: lower-case words of 3+ letters minus stop words,
/// and adjacent-word bigrams of those.
pub fn title_terms(title: &str) -> Vec<String> {
    let words: Vec<String> = crate::names::fold(title)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 3 && !w.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .collect();
    let mut terms = Vec::new();
    for w in &words {
        if !STOPWORDS.contains(&w.as_str()) {
            terms.push(w.clone());
        }
    }
    for pair in words.windows(2) {
        if !STOPWORDS.contains(&pair[0].as_str()) && !STOPWORDS.contains(&pair[1].as_str()) {
            terms.push(format!("{} {}", pair[0], pair[1]));
        }
    }
    terms.sort();
    terms.dedup();
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_papers_add_no_edges_and_small_recent_ones_weigh_most() {
        let big: Vec<u32> = (0..60).collect();
        let papers: Vec<(i32, usize, &[u32])> = vec![
            (2024, 2, &[1, 2]),
            (2024, 2, &[1, 2]),
            (2014, 2, &[2, 3]),
            (2024, 10, &[3, 4]),
            (2024, 60, &big),
        ];
        let edges = build_edges(papers, 2024);
        assert_eq!(edges.len(), 3, "{edges:?}");
        let w = |a, b| {
            edges
                .iter()
                .find(|e| e.a == a && e.b == b)
                .map(|e| e.weight)
                .unwrap_or(-1.0)
        };
        assert!((w(1, 2) - 2.0).abs() < 1e-6);
        assert!((w(2, 3) - 0.25).abs() < 1e-6); // two half-lives
        assert!((w(3, 4) - 1.0 / 9.0).abs() < 1e-6);
        assert_eq!(edges[0].papers, 2);
    }

    #[test]
    fn louvain_finds_two_cliques_joined_by_a_bridge() {
        let mut edges = Vec::new();
        for group in [0u32, 5] {
            for i in 0..5 {
                for j in (i + 1)..5 {
                    edges.push((group + i, group + j, 1.0));
                }
            }
        }
        edges.push((4, 5, 0.1));
        let c = louvain(10, &edges);
        assert!(c[..5].iter().all(|&x| x == c[0]));
        assert!(c[5..].iter().all(|&x| x == c[5]));
        assert_ne!(c[0], c[5]);
        assert!(modularity(10, &edges, &c) > 0.4);
    }

    #[test]
    fn title_terms_keep_phrases() {
        let t = title_terms("Reinforcement Learning for Reasoning in Large Language Models");
        assert!(t.contains(&"reinforcement".to_string()));
        assert!(t.contains(&"language models".to_string()) || t.contains(&"language".to_string()));
        assert!(!t.contains(&"for".to_string()));
    }
}
