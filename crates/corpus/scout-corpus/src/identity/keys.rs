//! Researchers from clusters: each cluster's mentions, display name, strong ids and stable key,
//! in key order, so researcher ids follow the keys and not the load order. A cluster holding
//! mentions of a stored researcher inherits that researcher's key (`inherit.rs`); a new one gets
//! `openreview:~Name1`, `orcid:…`, … by the most trusted id, else a name key anchored on its
//! first paper.

use std::ops::Range;

use rusqlite::Connection;
use rustc_hash::FxHashMap as HashMap;

use super::inherit::{self, PreviousKeys};
use super::mention::{ID_KINDS, MentionData};
use super::resolve::Informativeness;
use crate::error::Result;
use crate::key_log::KeyMove;
use crate::names::PersonName;

/// A researcher to write: names and ids as indices into [`MentionData`] (millions of rows; only
/// the key, which orders them, is a string).
#[derive(Debug, Clone)]
pub struct ResearcherRow {
    /// The cluster's representative mention (its union-find root).
    pub root: u32,
    pub key: String,
    /// Into [`MentionData::names`] (`u32::MAX` for a cluster without mentions).
    pub name: u32,
    /// Per kind, into [`MentionData::id_values`]; 0 = none.
    pub ids: [u32; 4],
    /// The cluster's mentions: a range of [`Researchers`]' mention array.
    mentions: Range<usize>,
}

impl ResearcherRow {
    /// The display name.
    pub fn name<'a>(&self, data: &'a MentionData) -> &'a str {
        data.names
            .get(self.name as usize)
            .map_or("", String::as_str)
    }

    /// The strong id of `kind` (index into [`ID_KINDS`]), if the researcher has one.
    pub fn id<'a>(&self, data: &'a MentionData, kind: usize) -> Option<&'a str> {
        (self.ids[kind] != 0).then(|| data.id_values[kind][self.ids[kind] as usize].as_str())
    }
}

/// The researchers of a clustering in key order (researcher id = index + 1), with their
/// mentions.
#[derive(Debug, Default)]
pub struct Researchers {
    pub rows: Vec<ResearcherRow>,
    /// Mention indices sorted by (root, mention): each cluster is a range of it (no vector per
    /// cluster: there are millions).
    by_cluster: Vec<u32>,
    /// The stored keys that lost mentions to this clustering (merged, split off, retired).
    pub moves: Vec<KeyMove>,
}

impl Researchers {
    /// Groups mentions by their cluster `root` and gives each cluster its name, ids and key:
    /// inherited from `previous` (the stored identity), else new. `conn` supplies the key of a
    /// new name-keyed researcher's first work.
    pub fn from_clusters(
        conn: &Connection,
        data: &MentionData,
        root: &[u32],
        previous: &PreviousKeys,
    ) -> Result<Researchers> {
        let info_of = informativeness(data);
        let mut by_cluster: Vec<u32> = (0..root.len() as u32).collect();
        by_cluster.sort_unstable_by_key(|&m| (root[m as usize], m));
        let mut rows: Vec<ResearcherRow> = Vec::new();
        for (i, &m) in by_cluster.iter().enumerate() {
            let r = root[m as usize];
            match rows.last_mut() {
                Some(last) if last.root == r => last.mentions.end = i + 1,
                _ => rows.push(ResearcherRow {
                    root: r,
                    key: String::new(),
                    name: u32::MAX,
                    ids: [0; 4],
                    mentions: i..i + 1,
                }),
            }
        }
        for row in &mut rows {
            let mentions = &by_cluster[row.mentions.clone()];
            for &m in mentions {
                for (k, slot) in row.ids.iter_mut().enumerate() {
                    let id = data.mentions[m as usize].ids[k];
                    if id != 0 && *slot == 0 {
                        *slot = id;
                    }
                }
            }
            row.name = display_name(data, &info_of, mentions);
        }
        let mut work_key_stmt = conn.prepare("SELECT key FROM works WHERE id = ?1")?;
        let (keys, moves) = inherit::assign(
            rows.len(),
            |r| &by_cluster[rows[r].mentions.clone()],
            previous,
            |r| {
                let row = &rows[r];
                let mentions = &by_cluster[row.mentions.clone()];
                fresh_key(data, row, mentions, &mut work_key_stmt)
            },
        )?;
        for (row, key) in rows.iter_mut().zip(keys) {
            row.key = key;
        }
        // Keys are unique: researcher ids follow key order.
        rows.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        Ok(Researchers {
            rows,
            by_cluster,
            moves,
        })
    }

    /// Researchers given by key and mentions (indices into `data.mentions`, each list
    /// ascending), in the order given, names and ids read from the mentions as
    /// [`Researchers::from_clusters`] reads them: the researchers an incremental refresh
    /// recomputes, over the works it loaded.
    pub fn from_mentions(data: &MentionData, researchers: Vec<(String, Vec<u32>)>) -> Researchers {
        let info_of = informativeness(data);
        let mut by_cluster: Vec<u32> = Vec::new();
        let mut rows: Vec<ResearcherRow> = Vec::with_capacity(researchers.len());
        for (key, mentions) in researchers {
            let from = by_cluster.len();
            by_cluster.extend(&mentions);
            let root = mentions.first().copied().unwrap_or(u32::MAX);
            let mut row = row_of(data, &info_of, root, &mentions);
            row.key = key;
            row.mentions = from..by_cluster.len();
            rows.push(row);
        }
        Researchers {
            rows,
            by_cluster,
            moves: Vec::new(),
        }
    }

    /// The mentions of a researcher (indices into [`MentionData::mentions`], ascending).
    pub fn mentions(&self, row: &ResearcherRow) -> &[u32] {
        &self.by_cluster[row.mentions.clone()]
    }

    /// The rows alone, the mentions of each forgotten (they are millions of entries).
    pub fn into_rows(self) -> Vec<ResearcherRow> {
        self.rows
    }
}

/// The key a researcher gets by the first-refresh rule (before [`inherit`] makes it unique): its
/// most trusted strong id, else its name anchored on its first paper (`mentions` ascending, so in
/// work-key order) as `name:NAME:WORK_KEY#POSITION`. `work_key` looks up a work's key by id.
pub(crate) fn fresh_key(
    data: &MentionData,
    row: &ResearcherRow,
    mentions: &[u32],
    work_key: &mut rusqlite::Statement<'_>,
) -> Result<String> {
    Ok(match row.ids.iter().enumerate().find(|(_, v)| **v != 0) {
        Some((k, &v)) => format!("{}:{}", ID_KINDS[k], data.id_values[k][v as usize]),
        None => {
            let first = mentions.first().copied().unwrap_or(0);
            let mention = &data.mentions[first as usize];
            let key: String = work_key
                .query_row([mention.work], |r| r.get(0))
                .unwrap_or_else(|_| mention.work.to_string());
            format!(
                "name:{}:{}#{}",
                crate::names::name_key(row.name(data)).replace(' ', "_"),
                key,
                mention.position
            )
        }
    })
}

/// A researcher row for `mentions` (ascending) of `data`: display name and strong ids (per kind
/// the first in mention order), no key yet. `info_of` is [`informativeness`] of `data.names`.
pub(crate) fn row_of(
    data: &MentionData,
    info_of: &[Informativeness],
    root: u32,
    mentions: &[u32],
) -> ResearcherRow {
    let mut ids = [0u32; 4];
    for &m in mentions {
        for (k, slot) in ids.iter_mut().enumerate() {
            let id = data.mentions[m as usize].ids[k];
            if id != 0 && *slot == 0 {
                *slot = id;
            }
        }
    }
    ResearcherRow {
        root,
        key: String::new(),
        name: display_name(data, info_of, mentions),
        ids,
        mentions: 0..0,
    }
}

/// How informative each of `data.names` is (a name that does not parse counts least).
pub(crate) fn informativeness(data: &MentionData) -> Vec<Informativeness> {
    data.names
        .iter()
        .map(|n| {
            PersonName::parse(n).map_or_else(Informativeness::default, |p| Informativeness::of(&p))
        })
        .collect()
}

/// The most common spelling among the most informative names of a cluster (into
/// `data.names`; `u32::MAX` for no mentions).
fn display_name(data: &MentionData, info_of: &[Informativeness], mentions: &[u32]) -> u32 {
    let mut counts: HashMap<u32, usize> = HashMap::default();
    for &m in mentions {
        *counts.entry(data.mentions[m as usize].name).or_default() += 1;
    }
    let mut best: Option<(u32, Informativeness, usize)> = None;
    for (&name, &count) in &counts {
        let info = info_of[name as usize];
        let better = match &best {
            None => true,
            Some((bn, binfo, bcount)) => {
                (
                    info.full_given,
                    count,
                    info.given_tokens,
                    &data.names[*bn as usize],
                ) > (
                    binfo.full_given,
                    *bcount,
                    binfo.given_tokens,
                    &data.names[name as usize],
                )
            }
        };
        if better {
            best = Some((name, info, count));
        }
    }
    best.map_or(u32::MAX, |(n, _, _)| n)
}
