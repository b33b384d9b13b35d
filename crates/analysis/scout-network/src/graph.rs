//! The co-author graph in memory: compressed rows over researcher ids, both directions, with
//! the tie data of each edge. Loaded from the `coauthor_edges` table that refresh maintains, so
//! queries never rebuild the graph.

use scout_corpus::rusqlite::Connection;
use serde::Serialize;

use crate::error::Result;

/// A tie between two researchers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Tie {
    pub papers: u32,
    /// Σ over joint papers of recency / (authors − 1).
    pub weight: f64,
    pub first_year: i32,
    pub last_year: i32,
}

impl Tie {
    /// Probability-like strength in (0, 1): `1 − e^(−2·weight)`. One recent two-author paper
    /// gives 0.86; a single joint paper among ten authors five years ago, 0.11.
    pub fn strength(&self) -> f64 {
        1.0 - (-2.0 * self.weight).exp()
    }

    /// Path cost of the hop: `−ln(strength)`, so a chain's cost is minus the log of the
    /// product of its strengths.
    pub fn cost(&self) -> f64 {
        -self.strength().max(1e-12).ln()
    }
}

pub struct Graph {
    offsets: Vec<u32>,
    neighbours: Vec<u32>,
    ties: Vec<Tie>,
}

impl Graph {
    /// Loads the graph from the corpus. Node ids are researcher ids.
    pub fn load(conn: &Connection) -> Result<Graph> {
        let n: i64 = conn.query_row("SELECT COALESCE(MAX(id), 0) FROM researchers", [], |r| {
            r.get(0)
        })?;
        let n = n as usize + 1;
        let mut edges: Vec<(u32, u32, Tie)> = Vec::new();
        let mut stmt =
            conn.prepare("SELECT a, b, papers, weight, first_year, last_year FROM coauthor_edges")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (a, b): (i64, i64) = (r.get(0)?, r.get(1)?);
            if a as usize >= n || b as usize >= n {
                continue;
            }
            edges.push((
                a as u32,
                b as u32,
                Tie {
                    papers: r.get(2)?,
                    weight: r.get(3)?,
                    first_year: r.get::<_, Option<i32>>(4)?.unwrap_or(0),
                    last_year: r.get::<_, Option<i32>>(5)?.unwrap_or(0),
                },
            ));
        }
        Ok(Graph::from_edges(n, &edges))
    }

    /// Builds a graph over nodes `0..n` from undirected edges.
    pub fn from_edges(n: usize, edges: &[(u32, u32, Tie)]) -> Graph {
        let mut degree = vec![0u32; n + 1];
        for &(a, b, _) in edges {
            degree[a as usize] += 1;
            degree[b as usize] += 1;
        }
        let mut offsets = vec![0u32; n + 1];
        for i in 0..n {
            offsets[i + 1] = offsets[i] + degree[i];
        }
        let mut fill: Vec<u32> = offsets.clone();
        let total = offsets[n] as usize;
        let mut neighbours = vec![0u32; total];
        let mut ties = vec![
            Tie {
                papers: 0,
                weight: 0.0,
                first_year: 0,
                last_year: 0
            };
            total
        ];
        for &(a, b, tie) in edges {
            for (x, y) in [(a, b), (b, a)] {
                let slot = fill[x as usize] as usize;
                neighbours[slot] = y;
                ties[slot] = tie;
                fill[x as usize] += 1;
            }
        }
        // Sort each row by neighbour id, for lookups by binary search.
        for v in 0..n {
            let (s, e) = (offsets[v] as usize, offsets[v + 1] as usize);
            let mut row: Vec<(u32, Tie)> = neighbours[s..e]
                .iter()
                .copied()
                .zip(ties[s..e].iter().copied())
                .collect();
            row.sort_by_key(|(u, _)| *u);
            for (i, (u, t)) in row.into_iter().enumerate() {
                neighbours[s + i] = u;
                ties[s + i] = t;
            }
        }
        Graph {
            offsets,
            neighbours,
            ties,
        }
    }

    /// Number of node slots (the largest researcher id + 1).
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.neighbours.is_empty()
    }

    pub fn edge_count(&self) -> usize {
        self.neighbours.len() / 2
    }

    pub fn degree(&self, v: u32) -> usize {
        let v = v as usize;
        if v + 1 >= self.offsets.len() {
            return 0;
        }
        (self.offsets[v + 1] - self.offsets[v]) as usize
    }

    /// Neighbours of `v` with their ties, by neighbour id.
    pub fn neighbours(&self, v: u32) -> impl Iterator<Item = (u32, &Tie)> {
        let v = v as usize;
        let (s, e) = if v + 1 < self.offsets.len() {
            (self.offsets[v] as usize, self.offsets[v + 1] as usize)
        } else {
            (0, 0)
        };
        self.neighbours[s..e]
            .iter()
            .copied()
            .zip(self.ties[s..e].iter())
    }

    /// The tie between `a` and `b`, if they wrote together.
    pub fn tie(&self, a: u32, b: u32) -> Option<&Tie> {
        let a = a as usize;
        if a + 1 >= self.offsets.len() {
            return None;
        }
        let (s, e) = (self.offsets[a] as usize, self.offsets[a + 1] as usize);
        self.neighbours[s..e]
            .binary_search(&b)
            .ok()
            .map(|i| &self.ties[s + i])
    }

    /// Approximate memory held, in bytes.
    pub fn memory_bytes(&self) -> usize {
        self.offsets.len() * 4
            + self.neighbours.len() * 4
            + self.ties.len() * std::mem::size_of::<Tie>()
    }
}

#[cfg(test)]
pub(crate) fn tie(weight: f64) -> Tie {
    Tie {
        papers: 1,
        weight,
        first_year: 2024,
        last_year: 2024,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjacency_is_symmetric_and_searchable() {
        let g = Graph::from_edges(5, &[(1, 2, tie(1.0)), (2, 3, tie(0.5)), (1, 4, tie(0.1))]);
        assert_eq!(g.edge_count(), 3);
        assert_eq!(g.degree(1), 2);
        assert!(g.tie(2, 1).is_some() && g.tie(1, 2).is_some());
        assert!(g.tie(1, 3).is_none());
        let n: Vec<u32> = g.neighbours(1).map(|(u, _)| u).collect();
        assert_eq!(n, [2, 4]);
        assert!(g.tie(1, 2).map_or(0.0, Tie::cost) < g.tie(1, 4).map_or(0.0, Tie::cost));
    }
}
