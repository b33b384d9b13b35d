//! Finding researchers by name, from memory: whole words, typos ("Percy Lang"), a word still
//! being typed ("perc lia"), in any order. Built once per loaded corpus (the server's top-bar
//! search); `researchers::suggest` is the one-off scan the CLI uses on a miss.

use rusqlite::Connection;
use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;

use crate::error::Result;
use crate::names::fold;

/// One researcher found by name.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NameMatch {
    pub researcher_id: i64,
    /// How many of the query's words the name matched (exactly, by a typo, or as a prefix).
    pub words: usize,
    /// 0–1: each query word's similarity (1 − edits / length, adjacent transpositions counting
    /// as one edit) to its closest word of the name, averaged (word order and extra name words do not count against a match).
    pub similarity: f64,
}

/// Researchers' names by word.
pub struct NameIndex {
    /// `(researcher id, folded name, works)`.
    people: Vec<(i64, String, i64)>,
    /// Word → vocabulary slot.
    slots: HashMap<String, u32>,
    /// Vocabulary slot → the word and the people whose name has it.
    words: Vec<(String, Vec<u32>)>,
}

impl NameIndex {
    pub fn load(conn: &Connection) -> Result<NameIndex> {
        let mut index = NameIndex {
            people: Vec::new(),
            slots: HashMap::default(),
            words: Vec::new(),
        };
        let mut stmt = conn.prepare("SELECT id, name, n_works FROM researchers ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let name: String = r.get::<_, Option<String>>(1)?.unwrap_or_default();
            index.add(r.get(0)?, &name, r.get(2)?);
        }
        Ok(index)
    }

    /// An index over a few names given directly (a workspace's candidates): `(id, name, weight)`,
    /// the weight breaking ties like a researcher's works.
    pub fn from_names<'a>(names: impl IntoIterator<Item = (i64, &'a str, i64)>) -> NameIndex {
        let mut index = NameIndex {
            people: Vec::new(),
            slots: HashMap::default(),
            words: Vec::new(),
        };
        for (id, name, weight) in names {
            index.add(id, name, weight);
        }
        index
    }

    fn add(&mut self, id: i64, name: &str, works: i64) {
        let folded = fold_words(name);
        let person = self.people.len() as u32;
        for word in folded.split(' ').filter(|w| !w.is_empty()) {
            let slot = match self.slots.get(word) {
                Some(&slot) => slot,
                None => {
                    let slot = self.words.len() as u32;
                    self.slots.insert(word.to_string(), slot);
                    self.words.push((word.to_string(), Vec::new()));
                    slot
                }
            };
            let people = &mut self.words[slot as usize].1;
            if people.last() != Some(&person) {
                people.push(person);
            }
        }
        self.people.push((id, folded, works));
    }

    /// Researchers whose name matches `query` best: the most query words matched, then the
    /// closest words, then the most works. A word matches exactly, within one edit (two
    /// for words of eight letters or more), or as the prefix of a name word (three letters or
    /// more: the word being typed).
    pub fn search(&self, query: &str, limit: usize) -> Vec<NameMatch> {
        let want = fold_words(query);
        let query_words: Vec<&str> = want.split(' ').filter(|w| !w.is_empty()).collect();
        if query_words.is_empty() || limit == 0 {
            return Vec::new();
        }
        // Person → bit set of the query words their name matched.
        let mut matched: HashMap<u32, u64> = HashMap::default();
        for (i, q) in query_words.iter().take(64).enumerate() {
            for slot in self.word_slots(q) {
                for &person in &self.words[slot as usize].1 {
                    *matched.entry(person).or_insert(0) |= 1 << i;
                }
            }
        }
        // Most words matched first; the similarity is computed tier by tier, only until the
        // tiers hold `limit` people (a common surname alone matches thousands).
        let mut tiers: Vec<Vec<u32>> = vec![Vec::new(); query_words.len().min(64) + 1];
        for (person, bits) in matched {
            tiers[bits.count_ones() as usize].push(person);
        }
        let mut found: Vec<(NameMatch, i64)> = Vec::new();
        for (words, people) in tiers.iter().enumerate().rev() {
            if found.len() >= limit {
                break;
            }
            for &person in people {
                let (id, name, works) = &self.people[person as usize];
                let m = NameMatch {
                    researcher_id: *id,
                    words,
                    similarity: word_similarity(&query_words, name),
                };
                found.push((m, *works));
            }
        }
        let order = |a: &(NameMatch, i64), b: &(NameMatch, i64)| {
            b.0.words
                .cmp(&a.0.words)
                .then(b.0.similarity.total_cmp(&a.0.similarity))
                .then(b.1.cmp(&a.1))
                .then(a.0.researcher_id.cmp(&b.0.researcher_id))
        };
        if found.len() > limit {
            found.select_nth_unstable_by(limit, order);
            found.truncate(limit);
        }
        found.sort_unstable_by(order);
        found.into_iter().map(|(m, _)| m).collect()
    }

    /// Vocabulary slots of the words that match one query word.
    fn word_slots(&self, q: &str) -> Vec<u32> {
        let mut out = Vec::new();
        if let Some(&slot) = self.slots.get(q) {
            out.push(slot);
        }
        let q_len = q.chars().count();
        let max_edits = match q_len {
            0..=3 => 0,
            4..=7 => 1,
            _ => 2,
        };
        let prefix = q_len >= 3;
        if max_edits == 0 && !prefix {
            return out;
        }
        let qb = q.as_bytes();
        for (slot, (word, _)) in self.words.iter().enumerate() {
            if word == q {
                continue;
            }
            if prefix && word.starts_with(q) {
                out.push(slot as u32);
                continue;
            }
            if max_edits == 0 || word.len().abs_diff(q.len()) > max_edits {
                continue;
            }
            // One of the first two letters survives an edit or a transposition; testing it
            // first skips most of the vocabulary before the edit distance.
            let wb = word.as_bytes();
            let shares_start = wb.first() == qb.first()
                || (wb.len() > 1 && qb.len() > 1 && (wb[1] == qb[1] || wb[0] == qb[1]));
            if shares_start && strsim::osa_distance(q, word) <= max_edits {
                out.push(slot as u32);
            }
        }
        out
    }

    /// Number of researchers indexed.
    pub fn len(&self) -> usize {
        self.people.len()
    }

    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }
}

fn word_similarity(query_words: &[&str], name: &str) -> f64 {
    let total: f64 = query_words
        .iter()
        .map(|q| {
            name.split(' ')
                .map(|w| {
                    if w == *q {
                        return 1.0;
                    }
                    // Optimal string alignment: edits and adjacent transpositions.
                    let longest = q.chars().count().max(w.chars().count()).max(1);
                    1.0 - strsim::osa_distance(q, w) as f64 / longest as f64
                })
                .fold(0.0, f64::max)
        })
        .sum();
    total / query_words.len() as f64
}

/// Lower-case, accents removed, words separated by single spaces.
fn fold_words(s: &str) -> String {
    fold(s)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(names: &[(&str, i64)]) -> NameIndex {
        NameIndex::from_names(
            names
                .iter()
                .enumerate()
                .map(|(i, (name, works))| (i as i64 + 1, *name, *works)),
        )
    }

    fn ids(found: &[NameMatch]) -> Vec<i64> {
        found.iter().map(|m| m.researcher_id).collect()
    }

    #[test]
    fn typos_prefixes_order_and_accents() {
        let idx = index(&[
            ("Percy Liang", 120),
            ("Percy Lang", 3),
            ("Yoshua Bengio", 400),
            ("Samy Bengio", 200),
            ("Jürgen Schmidhuber", 150),
            ("Liang Zhao", 40),
        ]);
        // A typo in one word: the exact "Percy" plus "Lang" ≈ "Liang" still puts both Percys
        // first, the exact spelling first.
        assert_eq!(ids(&idx.search("Percy Lang", 3))[..2], [2, 1]);
        assert_eq!(ids(&idx.search("percy liang", 1)), [1]);
        // Words in any order, a word being typed.
        assert_eq!(ids(&idx.search("liang perc", 1)), [1]);
        // Accents and case folded; a two-letter typo in a long word.
        assert_eq!(ids(&idx.search("jurgen schmidhubr", 1)), [5]);
        // One surname: the most prolific first among equals.
        assert_eq!(ids(&idx.search("bengio", 2)), [3, 4]);
        assert!(idx.search("   ", 5).is_empty());
        assert!(idx.search("zzzz qqqq", 5).is_empty());
    }
}
