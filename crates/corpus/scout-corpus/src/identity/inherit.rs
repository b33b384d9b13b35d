//! Key inheritance at refresh: the researchers a refresh finds take over the keys of the
//! researchers it replaces, so that a key names the same person from one refresh to the next
//! however data arrives (an older paper, new evidence that merges or splits people).
//!
//! A mention's identity across refreshes is its work and author position (a work keeps its row
//! id for life: ingest updates a changed work in place; its key is fixed by its source), so the
//! stored `authorship_researcher` and `researchers` say which key each mention had. Then:
//! 1. Each previous key goes to the new researcher holding most of its mentions (ties: the
//!    researcher whose first mention comes first in work-key order).
//! 2. A researcher given several keys (a merge) keeps one: a strong-id key (`openreview:…`,
//!    `orcid:…`, …) before a name key, then the key with most of its mentions, then the
//!    smallest key. The others are `merged` into it and retired.
//! 3. A researcher given none gets a key by the first-refresh rule (`keys.rs`), numbered `#2`,
//!    `#3`, … past any key that existed before or was retired: a key never passes to someone
//!    else.
//! 4. Mentions of a key that now belong to another researcher are logged as `split_off` to that
//!    researcher's key; a key none of whose mentions exist any more is `retired`.
//!
//! Every choice is ordered by keys and mention order (work key, position) only, so one stored
//! state gives one set of keys: a second refresh changes nothing, and `refresh --rebuild` of a
//! copy agrees with the original. The log itself is written by [`crate::key_log`].

use std::cmp::Reverse;

use rusqlite::Connection;
use rustc_hash::FxHashSet as HashSet;

use super::mention::MentionData;
use crate::error::{CorpusError, Result};
use crate::key_log::{KeyChangeKind, KeyMove};

/// What the stored identity said before this refresh: the researchers' keys, each mention's key,
/// and the keys retired by earlier refreshes.
#[derive(Debug, Default)]
pub struct PreviousKeys {
    /// The stored researchers' keys in id order, end to end (millions of keys: one string).
    text: String,
    /// End of each key in `text`.
    ends: Vec<usize>,
    /// Key indices in key order, when id order is not key order (it is when `keys.rs` wrote
    /// them; lookups then search the ids directly).
    by_key: Option<Vec<u32>>,
    /// Per mention (index into [`MentionData::mentions`]): 1 + index of its previous key; 0 when
    /// the mention had none (a new paper).
    of_mention: Vec<u32>,
    /// Keys retired by earlier refreshes.
    retired: HashSet<String>,
}

impl PreviousKeys {
    /// Reads the stored researchers and mentions (before the refresh's transaction empties
    /// them) and maps them onto the mentions of `data`.
    pub fn load(conn: &Connection, data: &MentionData) -> Result<PreviousKeys> {
        let mut previous = PreviousKeys {
            of_mention: vec![0; data.mentions.len()],
            ..PreviousKeys::default()
        };
        // Researcher id → 1 + key index (ids are 1..=n as `write.rs` numbers them; a gap
        // costs a slot, nothing else).
        let mut slot_of_id: Vec<u32> = Vec::new();
        {
            let mut stmt = conn.prepare("SELECT id, key FROM researchers ORDER BY id")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let id: i64 = row.get(0)?;
                let key = row.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
                let id = usize::try_from(id)
                    .ok()
                    .filter(|&i| i < u32::MAX as usize)
                    .ok_or_else(|| {
                        CorpusError::Invalid(format!("researcher id {id} out of range"))
                    })?;
                if slot_of_id.len() <= id {
                    slot_of_id.resize(id + 1, 0);
                }
                previous.text.push_str(key);
                previous.ends.push(previous.text.len());
                slot_of_id[id] = previous.ends.len() as u32;
            }
        }
        let n = previous.ends.len();
        if (1..n).any(|i| previous.key(i as u32 - 1) >= previous.key(i as u32)) {
            let mut order: Vec<u32> = (0..n as u32).collect();
            order.sort_unstable_by(|&a, &b| previous.key(a).cmp(previous.key(b)));
            previous.by_key = Some(order);
        }
        // Mentions in (work id, position) order, merged with the table's primary-key order.
        let mut order: Vec<u32> = (0..data.mentions.len() as u32).collect();
        order.sort_unstable_by_key(|&m| {
            let mention = &data.mentions[m as usize];
            (mention.work, mention.position)
        });
        let mut next = order.iter().peekable();
        let mut stmt = conn.prepare(
            "SELECT work_id, position, researcher_id FROM authorship_researcher
             ORDER BY work_id, position",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let at: (i64, i64) = (row.get(0)?, row.get(1)?);
            let rid: i64 = row.get(2)?;
            while let Some(&&m) = next.peek() {
                let mention = &data.mentions[m as usize];
                if (mention.work, mention.position) >= at {
                    break;
                }
                next.next();
            }
            if let Some(&&m) = next.peek() {
                let mention = &data.mentions[m as usize];
                if (mention.work, mention.position) == at {
                    previous.of_mention[m as usize] = usize::try_from(rid)
                        .ok()
                        .and_then(|i| slot_of_id.get(i).copied())
                        .unwrap_or(0);
                }
            }
        }
        let mut stmt = conn.prepare("SELECT key FROM retired_keys")?;
        previous.retired = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(previous)
    }

    /// How many researchers the stored identity had.
    fn len(&self) -> usize {
        self.ends.len()
    }

    /// The key at `index` (id order).
    fn key(&self, index: u32) -> &str {
        let i = index as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// True when `key` was a researcher's key before this refresh or was retired earlier: it
    /// may not be minted for anyone new.
    fn existed(&self, key: &str) -> bool {
        if self.retired.contains(key) {
            return true;
        }
        match &self.by_key {
            Some(order) => order.binary_search_by(|&i| self.key(i).cmp(key)).is_ok(),
            None => {
                let (mut lo, mut hi) = (0, self.ends.len());
                while lo < hi {
                    let mid = (lo + hi) / 2;
                    match self.key(mid as u32).cmp(key) {
                        std::cmp::Ordering::Less => lo = mid + 1,
                        std::cmp::Ordering::Greater => hi = mid,
                        std::cmp::Ordering::Equal => return true,
                    }
                }
                false
            }
        }
    }
}

/// True for a key made from a name (no strong id).
fn is_name_key(key: &str) -> bool {
    key.starts_with("name:")
}

/// The keys of `n` researchers by the rules of this module: inherited where researcher `r`
/// holds a previous key's mentions, else `fresh(r)` (the first-refresh rule) made unique.
/// `mentions(r)` gives researcher `r`'s mentions (ascending). Returns the keys, and the stored
/// keys that lost mentions, in key order.
pub(super) fn assign<'r>(
    n: usize,
    mentions: impl Fn(usize) -> &'r [u32],
    previous: &PreviousKeys,
    mut fresh: impl FnMut(usize) -> Result<String>,
) -> Result<(Vec<String>, Vec<KeyMove>)> {
    let mut keys: Vec<String> = vec![String::new(); n];
    let first: Vec<u32> = (0..n)
        .map(|r| mentions(r).first().copied().unwrap_or(u32::MAX))
        .collect();
    // (previous key, row, mentions of that key in the row).
    let mut shares: Vec<(u32, u32, u32)> = Vec::new();
    let mut olds: Vec<u32> = Vec::new();
    for r in 0..n {
        olds.clear();
        olds.extend(
            mentions(r)
                .iter()
                .map(|&m| previous.of_mention[m as usize])
                .filter(|&o| o != 0)
                .map(|o| o - 1),
        );
        olds.sort_unstable();
        for run in olds.chunk_by(|a, b| a == b) {
            shares.push((run[0], r as u32, run.len() as u32));
        }
    }
    // Each previous key's heir: the row with most of its mentions, then the earliest.
    shares.sort_unstable_by_key(|&(old, r, count)| (old, Reverse(count), first[r as usize]));
    let mut heir: Vec<u32> = vec![u32::MAX; previous.len()];
    let mut inherited: Vec<(u32, u32, u32)> = Vec::new();
    for run in shares.chunk_by(|a, b| a.0 == b.0) {
        let (old, r, count) = run[0];
        heir[old as usize] = r;
        inherited.push((r, old, count));
    }
    // Per row, the surviving key first.
    inherited.sort_unstable_by(|a, b| {
        let (ka, kb) = (previous.key(a.1), previous.key(b.1));
        a.0.cmp(&b.0)
            .then_with(|| is_name_key(ka).cmp(&is_name_key(kb)))
            .then_with(|| b.2.cmp(&a.2))
            .then_with(|| ka.cmp(kb))
    });
    let mut moves: Vec<KeyMove> = Vec::new();
    for run in inherited.chunk_by(|a, b| a.0 == b.0) {
        let survivor = previous.key(run[0].1);
        keys[run[0].0 as usize] = survivor.to_string();
        for &(_, old, count) in &run[1..] {
            moves.push(KeyMove {
                old_key: previous.key(old).to_string(),
                kind: KeyChangeKind::Merged,
                new_key: Some(survivor.to_string()),
                mentions: u64::from(count),
            });
        }
    }
    // New researchers: the first-refresh rule, numbered past every key that existed.
    let mut newcomers: Vec<(String, u32, usize)> = Vec::new();
    for (r, key) in keys.iter().enumerate() {
        if key.is_empty() {
            newcomers.push((fresh(r)?, first[r], r));
        }
    }
    newcomers.sort_unstable();
    let mut minted: HashSet<String> = HashSet::default();
    for (base, _, r) in newcomers {
        let mut key = base.clone();
        let mut n = 1;
        while previous.existed(&key) || minted.contains(&key) {
            n += 1;
            key = format!("{base}#{n}");
        }
        minted.insert(key.clone());
        keys[r] = key;
    }
    for &(old, r, count) in &shares {
        if heir[old as usize] != r {
            moves.push(KeyMove {
                old_key: previous.key(old).to_string(),
                kind: KeyChangeKind::SplitOff,
                new_key: Some(keys[r as usize].clone()),
                mentions: u64::from(count),
            });
        }
    }
    for (old, &h) in heir.iter().enumerate() {
        if h == u32::MAX {
            moves.push(KeyMove {
                old_key: previous.key(old as u32).to_string(),
                kind: KeyChangeKind::Retired,
                new_key: None,
                mentions: 0,
            });
        }
    }
    moves.sort_unstable();
    Ok((keys, moves))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn previous(keys: &[&str], of_mention: &[u32], retired: &[&str]) -> PreviousKeys {
        let mut p = PreviousKeys {
            of_mention: of_mention.to_vec(),
            retired: retired.iter().map(|k| k.to_string()).collect(),
            ..PreviousKeys::default()
        };
        for k in keys {
            p.text.push_str(k);
            p.ends.push(p.text.len());
        }
        p
    }

    /// The new key of each row under `previous`, with `fresh` keys by row index.
    fn run(
        ranges: &[std::ops::Range<usize>],
        previous: &PreviousKeys,
        fresh: &[&str],
    ) -> (Vec<String>, Vec<KeyMove>) {
        let by_cluster: Vec<u32> = (0..previous.of_mention.len() as u32).collect();
        assign(
            ranges.len(),
            |r| &by_cluster[ranges[r].clone()],
            previous,
            |r| Ok(fresh[r].to_string()),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn moved(old: &str, kind: KeyChangeKind, new: Option<&str>, mentions: u64) -> KeyMove {
        KeyMove {
            old_key: old.into(),
            kind,
            new_key: new.map(str::to_string),
            mentions,
        }
    }

    #[test]
    fn merges_keep_a_strong_key_splits_get_new_keys_and_lost_keys_retire() {
        // Stored: `name:a` on mentions 0–1, `openreview:~B1` on 2, `orcid:C` on 3–5, `orcid:D`
        // on none of today's mentions; `name:z` was retired earlier. Mention 6 is new.
        let prev = previous(
            &["name:a", "openreview:~B1", "orcid:C", "orcid:D"],
            &[1, 1, 2, 3, 3, 3, 0],
            &["name:z"],
        );
        let (keys, moves) = run(
            &[0..3, 3..5, 5..6, 6..7],
            &prev,
            &["x", "x", "orcid:D", "name:z"],
        );
        // Row 0 holds more of `name:a` but keeps the strong-id key; row 1 holds most of
        // `orcid:C`; rows 2 and 3 are new and never take a key that existed or was retired.
        assert_eq!(keys, ["openreview:~B1", "orcid:C", "orcid:D#2", "name:z#2"]);
        assert_eq!(
            moves,
            [
                moved("name:a", KeyChangeKind::Merged, Some("openreview:~B1"), 2),
                moved("orcid:C", KeyChangeKind::SplitOff, Some("orcid:D#2"), 1),
                moved("orcid:D", KeyChangeKind::Retired, None, 0),
            ]
        );
    }

    #[test]
    fn ties_go_to_the_earlier_researcher_and_the_first_refresh_numbers_equal_keys() {
        // `name:a` split evenly: the row with the earlier first mention keeps it.
        let prev = previous(&["name:a"], &[0, 1, 1], &[]);
        let (keys, moves) = run(&[0..2, 2..3], &prev, &["name:b", "name:c"]);
        assert_eq!(keys, ["name:a", "name:c"]);
        assert_eq!(
            moves,
            [moved("name:a", KeyChangeKind::SplitOff, Some("name:c"), 1)]
        );
        // Nothing stored: the first-refresh rule, equal keys numbered in mention order.
        let prev = previous(&[], &[0, 0, 0], &[]);
        let (keys, moves) = run(&[0..1, 1..2, 2..3], &prev, &["k", "j", "k"]);
        assert_eq!(keys, ["k", "j", "k#2"]);
        assert!(moves.is_empty());
    }

    #[test]
    fn stored_keys_out_of_order_are_still_found() {
        let mut prev = previous(&["orcid:b", "orcid:a"], &[1, 2, 0], &[]);
        prev.by_key = Some(vec![1, 0]);
        assert!(prev.existed("orcid:a") && prev.existed("orcid:b") && !prev.existed("orcid:c"));
        let (keys, _) = run(&[0..1, 1..2, 2..3], &prev, &["", "", "orcid:a"]);
        assert_eq!(keys, ["orcid:b", "orcid:a", "orcid:a#2"]);
    }
}
