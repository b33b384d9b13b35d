//! Comparison-graph checks: connected components, and whether finite maximum-likelihood ratings exist.
//!
//! Without a penalty, Bradley–Terry ratings are unique only when the comparison graph is connected,
//! and finite only when the directed "beat" graph (an edge `i → j` when `i` earned any credit against
//! `j`, ties counting both ways) is strongly connected (Zermelo 1929; Hunter 2004, assumption 1).

use crate::data::Comparisons;

/// Connected components of the comparison graph (items linked by at least one vote), largest first;
/// each component lists item indices in ascending order. Items without votes form singletons.
pub fn components(comparisons: &Comparisons) -> Vec<Vec<usize>> {
    let pairs: Vec<(u32, u32)> = comparisons
        .rows()
        .iter()
        .filter(|r| r.votes > 0)
        .map(|r| (r.left, r.right))
        .collect();
    components_of(comparisons.len(), &pairs)
}

pub(crate) fn components_of(n: usize, pairs: &[(u32, u32)]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for &(i, j) in pairs {
        let (a, b) = (find(&mut parent, i as usize), find(&mut parent, j as usize));
        if a != b {
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for i in 0..n {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> = groups.into_values().collect();
    out.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    out
}

pub(crate) fn component_sizes(n: usize, pairs: &[(u32, u32)]) -> Vec<usize> {
    components_of(n, pairs).iter().map(Vec::len).collect()
}

/// If the beat graph is not strongly connected, returns the number of strongly connected groups and
/// one group that nobody outside it ever beat (its ratings would run off to +∞).
pub(crate) fn unbeaten_group(
    n: usize,
    pairs: &[(u32, u32)],
    credits: &[(f64, f64)],
) -> Option<(usize, Vec<usize>)> {
    // Edge u → v means "u beat v" (u earned credit against v).
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (&(i, j), &(a, b)) in pairs.iter().zip(credits) {
        let (i, j) = (i as usize, j as usize);
        if a > 0.0 {
            adj[i].push(j);
        }
        if b > 0.0 {
            adj[j].push(i);
        }
    }
    let comp = tarjan(&adj);
    let groups = comp.iter().copied().max().map_or(0, |m| m + 1);
    if groups <= 1 {
        return None;
    }
    // A group with no incoming edge from another group was never beaten by an outsider.
    let mut beaten = vec![false; groups];
    for (u, vs) in adj.iter().enumerate() {
        for &v in vs {
            if comp[u] != comp[v] {
                beaten[comp[v]] = true;
            }
        }
    }
    let g = beaten.iter().position(|b| !b).unwrap_or(0);
    Some((groups, (0..n).filter(|&i| comp[i] == g).collect()))
}

/// Strongly connected components (iterative Tarjan); returns the component id of every node.
fn tarjan(adj: &[Vec<usize>]) -> Vec<usize> {
    const UNSEEN: usize = usize::MAX;
    let n = adj.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut comp = vec![UNSEEN; n];
    let mut stack = Vec::new();
    let mut next_index = 0;
    let mut next_comp = 0;
    let mut call: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        call.push((root, 0));
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(top) = call.last_mut() {
            let v = top.0;
            if top.1 < adj[v].len() {
                let w = adj[v][top.1];
                top.1 += 1;
                if index[w] == UNSEEN {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    call.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                call.pop();
                if let Some(&(parent, _)) = call.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        comp[w] = next_comp;
                        if w == v {
                            break;
                        }
                    }
                    next_comp += 1;
                }
            }
        }
    }
    comp
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{ComparisonsBuilder, Outcome};

    #[test]
    fn finds_components_largest_first() {
        let mut b = ComparisonsBuilder::with_items(["a", "b", "c", "d", "e"]);
        b.add("a", "b", Outcome::Tie, 1, 1.0).expect("add");
        b.add("c", "d", Outcome::LeftWins, 1, 1.0).expect("add");
        b.add("d", "e", Outcome::LeftWins, 1, 1.0).expect("add");
        let c = b.build();
        assert_eq!(components(&c), vec![vec![2, 3, 4], vec![0, 1]]);
    }

    #[test]
    fn detects_unbeaten_group() {
        // a beats b, b and c trade wins: {a} is never beaten.
        let pairs = [(0, 1), (1, 2)];
        let credits = [(3.0, 0.0), (1.0, 1.0)];
        let (groups, example) =
            unbeaten_group(3, &pairs, &credits).expect("not strongly connected");
        assert_eq!(groups, 2);
        assert_eq!(example, vec![0]);
        // Once b beats a too, everything is strongly connected.
        assert!(unbeaten_group(3, &pairs, &[(3.0, 1.0), (1.0, 1.0)]).is_none());
    }
}
