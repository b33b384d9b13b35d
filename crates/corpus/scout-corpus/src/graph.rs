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

/// The weight one joint paper adds to an edge, exactly as [`stream_edges`] adds it ([`paper_tie`]
/// rounded to `f32`): what the distributed job's edge aggregation reads (`scout export`).
pub fn edge_tie(authors: usize, year: i32, as_of: i32) -> f64 {
    f64::from(paper_tie(authors, year, as_of) as f32)
}

/// Papers with their distinct researchers, in flat arrays (a large corpus has tens of
/// millions of papers; a vector per paper would cost more than the ids in it).
#[derive(Debug, Default)]
pub struct PaperAuthors {
    year: Vec<i32>,
    /// Author positions on the paper (resolved or not): the tie is shared among all of them.
    authors: Vec<u32>,
    start: Vec<usize>,
    researchers: Vec<u32>,
}

impl PaperAuthors {
    pub fn new() -> Self {
        PaperAuthors {
            start: vec![0],
            ..PaperAuthors::default()
        }
    }

    /// Adds a paper: its year, number of author positions and researcher ids (any order,
    /// repeats allowed).
    pub fn push(&mut self, year: i32, authors: usize, researchers: impl IntoIterator<Item = u32>) {
        let from = self.researchers.len();
        self.researchers.extend(researchers);
        self.researchers[from..].sort_unstable();
        let mut kept = from;
        for i in from..self.researchers.len() {
            if i == from || self.researchers[i] != self.researchers[kept - 1] {
                self.researchers[kept] = self.researchers[i];
                kept += 1;
            }
        }
        self.researchers.truncate(kept);
        self.year.push(year);
        self.authors
            .push(u32::try_from(authors).unwrap_or(u32::MAX));
        self.start.push(kept);
    }

    fn of(&self, paper: usize) -> &[u32] {
        &self.researchers[self.start[paper]..self.start[paper + 1]]
    }

    fn makes_edges(&self, paper: usize) -> bool {
        self.authors[paper] as usize <= MAX_AUTHORS_FOR_EDGES && self.of(paper).len() >= 2
    }
}

/// Streams the co-author edges of `papers` researcher by researcher, in `(a, b)` order, to
/// `emit`. Memory is the papers themselves, each researcher's paper list and one accumulator
/// per researcher — never the edge list, which at 10M works is over a hundred million edges.
pub fn stream_edges<E>(
    papers: &PaperAuthors,
    as_of: i32,
    mut emit: impl FnMut(&Edge) -> Result<(), E>,
) -> Result<(), E> {
    let n_papers = papers.year.len();
    let n_ids = papers
        .researchers
        .iter()
        .max()
        .map_or(0, |&m| m as usize + 1);
    // Each researcher's papers (only those that make edges), ascending.
    let mut offsets = vec![0usize; n_ids + 1];
    for p in (0..n_papers).filter(|&p| papers.makes_edges(p)) {
        for &r in papers.of(p) {
            offsets[r as usize + 1] += 1;
        }
    }
    for i in 0..n_ids {
        offsets[i + 1] += offsets[i];
    }
    let mut fill = offsets.clone();
    let mut papers_of = vec![0u32; offsets[n_ids]];
    for p in (0..n_papers).filter(|&p| papers.makes_edges(p)) {
        for &r in papers.of(p) {
            papers_of[fill[r as usize]] = p as u32;
            fill[r as usize] += 1;
        }
    }
    drop(fill);
    let empty = Edge {
        a: 0,
        b: 0,
        papers: 0,
        weight: 0.0,
        first_year: 0,
        last_year: 0,
    };
    let mut acc = vec![empty; n_ids];
    let mut touched: Vec<u32> = Vec::new();
    for a in 0..n_ids {
        for &p in &papers_of[offsets[a]..offsets[a + 1]] {
            let p = p as usize;
            let (year, authors) = (papers.year[p], papers.authors[p] as usize);
            let tie = edge_tie(authors, year, as_of);
            for &b in papers.of(p).iter().filter(|&&b| b as usize > a) {
                let e = &mut acc[b as usize];
                if e.papers == 0 {
                    touched.push(b);
                    // The first joint paper sets both years, as it always has (even when the
                    // year is unknown); later ones only when their year is known.
                    e.first_year = year;
                    e.last_year = year;
                } else if year > 0 {
                    e.first_year = if e.first_year > 0 {
                        e.first_year.min(year)
                    } else {
                        year
                    };
                    e.last_year = e.last_year.max(year);
                }
                e.papers += 1;
                e.weight += tie;
            }
        }
        touched.sort_unstable();
        for &b in &touched {
            let e = std::mem::replace(&mut acc[b as usize], empty);
            emit(&Edge {
                a: a as u32,
                b,
                ..e
            })?;
        }
        touched.clear();
    }
    Ok(())
}

/// Builds edges from papers given as `(year, number of authors, distinct researcher ids)`.
pub fn build_edges<'a>(
    papers: impl IntoIterator<Item = (i32, usize, &'a [u32])>,
    as_of: i32,
) -> Vec<Edge> {
    let mut flat = PaperAuthors::new();
    for (year, authors, researchers) in papers {
        flat.push(year, authors, researchers.iter().copied());
    }
    let mut out = Vec::new();
    let built: Result<(), std::convert::Infallible> = stream_edges(&flat, as_of, |e| {
        out.push(*e);
        Ok(())
    });
    match built {
        Ok(()) => out,
        Err(never) => match never {},
    }
}

/// A weighted undirected graph for community detection, in compressed-row form: each node's
/// neighbours in ascending order (12 bytes per edge end).
pub struct WeightedGraph(Csr);

impl WeightedGraph {
    /// From edges sorted by `(a, b)` with `a <= b`.
    pub fn from_edges(n: usize, edges: &[(u32, u32, f64)]) -> Self {
        WeightedGraph(Csr::new(n, edges))
    }

    /// From co-author edges sorted by `(a, b)` with `a < b` (as [`stream_edges`] emits them):
    /// the graph [`WeightedGraph::from_papers`] builds from the papers of those edges.
    pub fn from_edge_rows(n: usize, edges: &[Edge]) -> Self {
        WeightedGraph(Csr::new(n, edges))
    }

    /// The co-author graph of `papers` over `n` researchers, streaming every edge to `emit` on
    /// the way (in `(a, b)` order). The edges are streamed twice — once to count each node's
    /// degree, once to fill — so that no edge list is ever held: the graph itself (12 bytes
    /// per edge end) is the only copy.
    pub fn from_papers<E>(
        n: usize,
        papers: &PaperAuthors,
        as_of: i32,
        mut emit: impl FnMut(&Edge) -> Result<(), E>,
    ) -> Result<Self, E> {
        let mut count = vec![0usize; n + 1];
        stream_edges(papers, as_of, |e| {
            count[e.a as usize] += 1;
            count[e.b as usize] += 1;
            Ok(())
        })?;
        let mut offsets = vec![0usize; n + 1];
        for i in 0..n {
            offsets[i + 1] = offsets[i] + count[i];
        }
        drop(count);
        let mut fill = offsets.clone();
        let mut targets = vec![0u32; offsets[n]];
        let mut weights = vec![0f64; offsets[n]];
        let mut degree = vec![0f64; n];
        let mut total = 0.0;
        // The fill order of `Csr::new` over the sorted edge list, so both give one graph.
        stream_edges(papers, as_of, |e| {
            let (a, b, w) = (e.a as usize, e.b as usize, e.weight);
            targets[fill[a]] = e.b;
            weights[fill[a]] = w;
            fill[a] += 1;
            degree[a] += w;
            targets[fill[b]] = e.a;
            weights[fill[b]] = w;
            fill[b] += 1;
            degree[b] += w;
            total += 2.0 * w;
            emit(e)
        })?;
        Ok(WeightedGraph(Csr {
            offsets,
            targets,
            weights,
            degree,
            total,
        }))
    }

    /// Number of edges.
    pub fn edges(&self) -> usize {
        self.0.targets.len() / 2
    }

    /// Does `node` have any edge?
    pub fn has_edges(&self, node: usize) -> bool {
        self.0.offsets[node + 1] > self.0.offsets[node]
    }

    pub fn nodes(&self) -> usize {
        self.0.degree.len()
    }
}

/// An edge list entry [`Csr::new`] reads: `(a, b, weight)`.
trait WeightedPair {
    fn parts(&self) -> (u32, u32, f64);
}

impl WeightedPair for (u32, u32, f64) {
    fn parts(&self) -> (u32, u32, f64) {
        *self
    }
}

impl WeightedPair for Edge {
    fn parts(&self) -> (u32, u32, f64) {
        (self.a, self.b, self.weight)
    }
}

struct Csr {
    offsets: Vec<usize>,
    targets: Vec<u32>,
    weights: Vec<f64>,
    /// Weighted degree of each node (self-loops counted twice).
    degree: Vec<f64>,
    total: f64,
}

impl Csr {
    fn new<E: WeightedPair>(n: usize, edges: &[E]) -> Csr {
        let mut count = vec![0usize; n + 1];
        for (a, b, _) in edges.iter().map(WeightedPair::parts) {
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
        for (a, b, w) in edges.iter().map(WeightedPair::parts) {
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

    /// Every edge once, as `(a, b, weight)` with `a <= b`, in `(a, b)` order.
    fn upper_edges(&self) -> impl Iterator<Item = (u32, u32, f64)> + '_ {
        (0..self.degree.len()).flat_map(move |a| {
            (self.offsets[a]..self.offsets[a + 1])
                .filter(move |&e| self.targets[e] as usize >= a)
                .map(move |e| (a as u32, self.targets[e], self.weights[e]))
        })
    }
}

/// Louvain community detection. Nodes are `0..n`; returns a community label per node
/// (labels are dense, ordered by first appearance). Deterministic for a given input.
pub fn louvain(n: usize, edges: &[(u32, u32, f64)]) -> Vec<u32> {
    louvain_graph(&WeightedGraph::from_edges(n, edges))
}

/// [`louvain`] on a graph already in compressed form (not copied: the first level works on it
/// directly, later levels on their smaller aggregated graphs).
pub fn louvain_graph(first: &WeightedGraph) -> Vec<u32> {
    let n = first.nodes();
    let mut membership: Vec<u32> = (0..n as u32).collect();
    let mut aggregated: Option<Csr> = None;
    for _level in 0..20 {
        let graph = aggregated.as_ref().unwrap_or(&first.0);
        if graph.total <= 0.0 {
            break;
        }
        let (community, moved) = local_moving(graph);
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
        for (a, b, w) in graph.upper_edges() {
            let (ca, cb) = (dense[&community[a as usize]], dense[&community[b as usize]]);
            *agg.entry((ca.min(cb), ca.max(cb))).or_default() += w;
        }
        let mut next_edges: Vec<(u32, u32, f64)> =
            agg.into_iter().map(|((a, b), w)| (a, b, w)).collect();
        next_edges.sort_by_key(|e| (e.0, e.1));
        aggregated = Some(Csr::new(dense.len(), &next_edges));
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
    modularity_graph(&WeightedGraph::from_edges(n, edges), community)
}

/// [`modularity`] of a graph in compressed form.
pub fn modularity_graph(graph: &WeightedGraph, community: &[u32]) -> f64 {
    let g = &graph.0;
    if g.total == 0.0 {
        return 0.0;
    }
    let mut inside: HashMap<u32, f64> = HashMap::default();
    let mut tot: HashMap<u32, f64> = HashMap::default();
    for (a, b, w) in g.upper_edges() {
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

    /// Papers drawn from a fixed pseudo-random sequence: small and big author lists, repeated
    /// researchers on a paper, years unknown now and then.
    fn sample_papers() -> Vec<(i32, usize, Vec<u32>)> {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        (0..400)
            .map(|_| {
                let n = if next(20) == 0 {
                    55
                } else {
                    1 + next(6) as usize
                };
                let researchers: Vec<u32> = (0..n).map(|_| next(120) as u32).collect();
                let year = if next(10) == 0 {
                    0
                } else {
                    2010 + next(15) as i32
                };
                (year, n + next(2) as usize, researchers)
            })
            .collect()
    }

    #[test]
    fn streamed_edges_equal_summing_every_co_occurrence() {
        let papers = sample_papers();
        // The plain definition: every pair of distinct researchers on an eligible paper.
        let mut expected: std::collections::BTreeMap<(u32, u32), (u32, f64, i32, i32)> =
            Default::default();
        for (year, authors, researchers) in &papers {
            let mut rs = researchers.clone();
            rs.sort_unstable();
            rs.dedup();
            if *authors > MAX_AUTHORS_FOR_EDGES || rs.len() < 2 {
                continue;
            }
            let tie = f64::from(paper_tie(*authors, *year, 2024) as f32);
            for (i, &a) in rs.iter().enumerate() {
                for &b in &rs[i + 1..] {
                    let e = expected.entry((a, b)).or_insert((0, 0.0, 0, 0));
                    e.0 += 1;
                    e.1 += tie;
                    if *year > 0 {
                        e.2 = if e.2 > 0 { e.2.min(*year) } else { *year };
                    }
                    e.3 = e.3.max(*year);
                }
            }
        }
        let edges = build_edges(papers.iter().map(|(y, n, r)| (*y, *n, r.as_slice())), 2024);
        assert_eq!(edges.len(), expected.len());
        for (e, ((a, b), (n, w, first, last))) in edges.iter().zip(&expected) {
            assert_eq!(
                (e.a, e.b, e.papers, e.first_year, e.last_year),
                (*a, *b, *n, *first, *last)
            );
            assert!((e.weight - w).abs() < 1e-9, "{e:?} {w}");
        }
    }

    #[test]
    fn the_streamed_graph_is_the_graph_of_the_edge_list() {
        let papers = sample_papers();
        let mut flat = PaperAuthors::new();
        for (year, authors, researchers) in &papers {
            flat.push(*year, *authors, researchers.iter().copied());
        }
        let mut emitted = Vec::new();
        let streamed = WeightedGraph::from_papers(120, &flat, 2024, |e| {
            emitted.push((e.a, e.b, e.weight));
            Ok::<(), ()>(())
        })
        .unwrap_or_else(|()| unreachable!());
        let listed = WeightedGraph::from_edges(120, &emitted);
        assert_eq!(streamed.0.offsets, listed.0.offsets);
        assert_eq!(streamed.0.targets, listed.0.targets);
        assert_eq!(streamed.0.weights, listed.0.weights);
        assert_eq!(streamed.edges(), emitted.len());
        let labels = louvain_graph(&streamed);
        assert_eq!(labels, louvain(120, &emitted));
        assert_eq!(
            modularity_graph(&streamed, &labels),
            modularity(120, &emitted, &labels)
        );
        for r in 0..120u32 {
            let in_list = emitted.iter().any(|&(a, b, _)| a == r || b == r);
            assert_eq!(streamed.has_edges(r as usize), in_list, "node {r}");
        }
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
