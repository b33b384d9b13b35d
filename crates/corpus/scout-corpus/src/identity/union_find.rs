//! Union-find over mentions that carries each cluster's strong ids, so a union that would join
//! two different ids of one kind is refused.

use super::mention::Mention;

/// The outcome of [`UnionFind::union`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Union {
    /// The two clusters are one now, with this root.
    Joined { root: u32 },
    /// Both mentions were in one cluster already.
    AlreadyTogether,
    /// Refused: the clusters hold different strong ids of one kind.
    Conflict,
    /// Refused: both clusters are stored researchers, which an incremental refresh keeps as
    /// they are unless a new mention joins them (see [`UnionFind::keep_stored`]).
    Kept,
}

/// Clusters of mentions, each with the strong ids of its members (per kind, the first seen).
pub(super) struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
    ids: Vec<[u32; 4]>,
    /// Per root, whether the cluster holds a new mention; empty unless [`UnionFind::keep_stored`]
    /// was called.
    fresh: Vec<bool>,
    /// Per root, whether the cluster may not change at all (empty unless seeded).
    locked: Vec<bool>,
}

impl UnionFind {
    pub(super) fn new(mentions: &[Mention], use_ids: bool) -> Self {
        UnionFind {
            parent: (0..mentions.len() as u32).collect(),
            size: vec![1; mentions.len()],
            ids: mentions
                .iter()
                .map(|m| if use_ids { m.ids } else { [0; 4] })
                .collect(),
            fresh: Vec::new(),
            locked: Vec::new(),
        }
    }

    /// Seeds the clusters with the stored researchers (`stored[m]`: mention `m`'s researcher,
    /// 0 for a new mention), joined whole whatever their ids, and from then on refuses a union
    /// of two clusters that hold no new mention, and any union with a `locked` mention's cluster
    /// (a researcher only partly loaded): an incremental refresh adds to the stored identity and
    /// never reworks what no new paper touched.
    pub(super) fn keep_stored(&mut self, stored: &[i64], locked: &[bool]) {
        let mut first: rustc_hash::FxHashMap<i64, u32> = rustc_hash::FxHashMap::default();
        for (m, &researcher) in stored.iter().enumerate() {
            if researcher == 0 {
                continue;
            }
            let anchor = *first.entry(researcher).or_insert(m as u32);
            let (ra, rb) = (self.find(anchor), self.find(m as u32));
            if ra != rb {
                self.link(ra, rb);
            }
        }
        self.fresh = vec![false; self.parent.len()];
        self.locked = vec![false; self.parent.len()];
        for (m, &researcher) in stored.iter().enumerate() {
            let r = self.find(m as u32) as usize;
            if researcher == 0 {
                self.fresh[r] = true;
            }
            if locked.get(m).copied().unwrap_or(false) {
                self.locked[r] = true;
            }
        }
    }

    pub(super) fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    /// Forgets an id found to be unreliable: the clusters of these mentions no longer carry it,
    /// so it neither joins nor blocks anything.
    pub(super) fn drop_id(&mut self, mentions: &[u32], kind: usize, id: u32) {
        for &m in mentions {
            let r = self.find(m);
            if self.ids[r as usize][kind] == id {
                self.ids[r as usize][kind] = 0;
            }
        }
    }

    fn conflict(&self, ra: u32, rb: u32) -> bool {
        let (a, b) = (&self.ids[ra as usize], &self.ids[rb as usize]);
        (0..4).any(|k| a[k] != 0 && b[k] != 0 && a[k] != b[k])
    }

    /// Joins the clusters of `a` and `b`, unless they are together already or the union would
    /// join different strong ids.
    pub(super) fn union(&mut self, a: u32, b: u32) -> Union {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return Union::AlreadyTogether;
        }
        if self.conflict(ra, rb) {
            return Union::Conflict;
        }
        if !self.fresh.is_empty()
            && ((!self.fresh[ra as usize] && !self.fresh[rb as usize])
                || self.locked[ra as usize]
                || self.locked[rb as usize])
        {
            return Union::Kept;
        }
        Union::Joined {
            root: self.link(ra, rb),
        }
    }

    /// Joins two roots (the larger absorbs the smaller) and returns the new root.
    fn link(&mut self, ra: u32, rb: u32) -> u32 {
        let (big, small) = if self.size[ra as usize] >= self.size[rb as usize] {
            (ra, rb)
        } else {
            (rb, ra)
        };
        self.parent[small as usize] = big;
        self.size[big as usize] += self.size[small as usize];
        let small_ids = self.ids[small as usize];
        for (k, id) in small_ids.iter().enumerate() {
            if self.ids[big as usize][k] == 0 {
                self.ids[big as usize][k] = *id;
            }
        }
        if !self.fresh.is_empty() {
            self.fresh[big as usize] |= self.fresh[small as usize];
            self.locked[big as usize] |= self.locked[small as usize];
        }
        big
    }
}
