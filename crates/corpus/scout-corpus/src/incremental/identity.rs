//! Identity for new works only: each new mention is resolved against the stored researchers it
//! could be (the same name block with a compatible name, or the same strong id), which are loaded
//! whole and kept whole. A new mention joins one of them, or several of them merge through it, or
//! it starts a new researcher; no stored researcher is split or reworked without a new mention
//! (`identity::resolve_seeded`). The rows are then changed in place: new researchers get ids after
//! the largest, a merge keeps one key (the rule of `identity/inherit.rs`) and logs the others.
//! What this can decide differently from a rebuild is in docs/incremental.md.

use rusqlite::{OptionalExtension, Transaction, params};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::Serialize;

use super::delta::IdentityDelta;
use crate::error::Result;
use crate::identity::{self, BlockNotes, ID_KINDS, MentionData, ResolveConfig, Seed};
use crate::key_log::{KeyChangeKind, KeyMove};
use crate::names::PersonName;

/// What the incremental identity step did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IncrementalIdentityReport {
    pub new_works: u64,
    pub new_mentions: u64,
    /// Stored researchers weighed for the new mentions (loaded whole).
    pub candidates: u64,
    /// Works loaded: the new ones and every work of the candidates.
    pub works_loaded: u64,
    /// Stored researchers that gained mentions.
    pub grown: u64,
    pub new_researchers: u64,
    /// Stored researchers merged into another through a new mention.
    pub merged: u64,
}

/// A stored researcher as the step needs it.
struct Stored {
    key: String,
    /// Mentions in the stored identity.
    mentions: i64,
}

/// Resolves the mentions of `new_works` (ids, all after the stored identity's watermark) and
/// writes the identity tables in `tx`; returns which researchers changed, for the downstream step,
/// and the key changes it logged as a refresh of `generation`.
pub fn apply(
    tx: &Transaction,
    new_works: &[i64],
    generation: i64,
    orgs: &mut identity::OrgResolver,
) -> Result<(IdentityDelta, IncrementalIdentityReport)> {
    let mut report = IncrementalIdentityReport {
        new_works: new_works.len() as u64,
        ..IncrementalIdentityReport::default()
    };
    // Each phase's time, in the debug log (`SCOUT_LOG=debug`).
    let mut clock = std::time::Instant::now();
    let mut phase = |name: &str| {
        tracing::debug!(
            phase = name,
            seconds = clock.elapsed().as_secs_f64(),
            "incremental identity"
        );
        clock = std::time::Instant::now();
    };
    let fresh = identity::load_works_with(tx, new_works, orgs)?;
    report.new_mentions = fresh.mentions.len() as u64;
    phase("load the new works");
    let candidates = candidates(tx, &fresh)?;
    report.candidates = candidates.len() as u64;
    phase("find the candidates");

    // The new works and every work of the candidates, with each mention's stored researcher.
    let mut works: Vec<i64> = new_works.to_vec();
    {
        let mut stmt = tx
            .prepare_cached("SELECT work_id FROM authorship_researcher WHERE researcher_id = ?1")?;
        for &r in &candidates {
            let rows = stmt.query_map([r], |row| row.get::<_, i64>(0))?;
            for w in rows {
                works.push(w?);
            }
        }
    }
    works.sort_unstable();
    works.dedup();
    report.works_loaded = works.len() as u64;
    phase("list the candidates' works");
    let data = identity::load_works_with(tx, &works, orgs)?;
    phase("load the candidates' works");
    let stored = stored_researchers(tx, &data)?;
    phase("read their stored researchers");
    let candidate_set: HashSet<i64> = candidates.iter().copied().collect();
    let locked: Vec<bool> = stored
        .iter()
        .map(|r| *r != 0 && !candidate_set.contains(r))
        .collect();

    let parsed: Vec<Option<PersonName>> = data.names.iter().map(|n| PersonName::parse(n)).collect();
    let blocks: HashSet<String> = data
        .mentions
        .iter()
        .zip(&stored)
        .filter(|(_, r)| **r == 0)
        .filter_map(|(m, _)| parsed[m.name as usize].as_ref().map(PersonName::block_key))
        .collect();
    let notes = block_notes(tx, &blocks)?;
    let clustering = identity::resolve_seeded(
        &data,
        &ResolveConfig::default(),
        Some(Seed {
            stored: &stored,
            locked: &locked,
            notes: &notes,
            blocks: &blocks,
        }),
    );
    phase("resolve");

    // The clusters holding a new mention: all their loaded mentions (ascending, so in work-key
    // order), and the stored researchers in them.
    let mut clusters: HashMap<u32, Vec<u32>> = HashMap::default();
    for (m, &researcher) in stored.iter().enumerate() {
        if researcher == 0 {
            clusters.entry(clustering.root[m]).or_default();
        }
    }
    let mut members: HashMap<u32, Vec<i64>> = HashMap::default();
    for (m, &researcher) in stored.iter().enumerate() {
        let root = clustering.root[m];
        let Some(list) = clusters.get_mut(&root) else {
            continue;
        };
        list.push(m as u32);
        if researcher != 0 {
            let olds = members.entry(root).or_default();
            if !olds.contains(&researcher) {
                olds.push(researcher);
            }
        }
    }
    let mut roots: Vec<u32> = clusters.keys().copied().collect();
    roots.sort_unstable();

    let info_of = identity::informativeness(&data);
    let mut known: HashMap<i64, Stored> = HashMap::default();
    let mut delta = IdentityDelta::default();
    let mut moves: Vec<KeyMove> = Vec::new();
    let mut next_id: i64 = tx.query_row(
        "SELECT COALESCE(MAX(id), 0) + 1 FROM researchers",
        [],
        |r| r.get(0),
    )?;
    let mut researcher_of_root: HashMap<u32, i64> = HashMap::default();
    let mut minted: HashSet<String> = HashSet::default();
    // New researchers are keyed after the others, in the order the rebuild's rule uses.
    let mut newcomers: Vec<(String, u32, u32)> = Vec::new();
    let mut work_key = tx.prepare_cached("SELECT key FROM works WHERE id = ?1")?;
    for &root in &roots {
        let mentions = &clusters[&root];
        let olds = members.get(&root).cloned().unwrap_or_default();
        let row = identity::row_of(&data, &info_of, root, mentions);
        if olds.is_empty() {
            let base = identity::fresh_key(&data, &row, mentions, &mut work_key)?;
            newcomers.push((base, mentions.first().copied().unwrap_or(u32::MAX), root));
            continue;
        }
        for &r in &olds {
            if let std::collections::hash_map::Entry::Vacant(slot) = known.entry(r) {
                slot.insert(stored_researcher(tx, r)?);
            }
        }
        // The surviving key: a strong-id key before a name key, then most mentions, then the
        // smallest key (identity/inherit.rs).
        let survivor = olds
            .iter()
            .copied()
            .min_by(|a, b| {
                let (sa, sb) = (&known[a], &known[b]);
                sa.key
                    .starts_with("name:")
                    .cmp(&sb.key.starts_with("name:"))
                    .then(sb.mentions.cmp(&sa.mentions))
                    .then(sa.key.cmp(&sb.key))
            })
            .unwrap_or(olds[0]);
        for &r in olds.iter().filter(|&&r| r != survivor) {
            moves.push(KeyMove {
                old_key: known[&r].key.clone(),
                kind: KeyChangeKind::Merged,
                new_key: Some(known[&survivor].key.clone()),
                mentions: u64::try_from(known[&r].mentions).unwrap_or(0),
            });
            let (org, community) = merge_into(tx, r, survivor)?;
            delta.removed_orgs.extend(org);
            delta.removed_communities.extend(community);
            delta.removed.push(r);
            report.merged += 1;
        }
        // The survivor's name and ids from all its mentions (all loaded: only candidates, loaded
        // whole, can take a new mention).
        tx.execute(
            "UPDATE researchers SET name = ?2, name_norm = ?3, openreview_id = ?4, orcid = ?5,
                    openalex_id = ?6, dblp_id = ?7
             WHERE id = ?1",
            params![
                survivor,
                row.name(&data),
                crate::names::name_key(row.name(&data)),
                row.id(&data, 0),
                row.id(&data, 1),
                row.id(&data, 2),
                row.id(&data, 3)
            ],
        )?;
        researcher_of_root.insert(root, survivor);
        delta.changed.push(survivor);
        report.grown += 1;
    }
    newcomers.sort_unstable();
    for (base, _, root) in newcomers {
        let mut key = base.clone();
        let mut n = 1;
        while key_existed(tx, &key)? || minted.contains(&key) {
            n += 1;
            key = format!("{base}#{n}");
        }
        minted.insert(key.clone());
        let row = identity::row_of(&data, &info_of, root, &clusters[&root]);
        let id = next_id;
        next_id += 1;
        tx.execute(
            "INSERT INTO researchers (id, key, name, name_norm, openreview_id, orcid, openalex_id, dblp_id,
                                      n_works, citations)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, 0)",
            params![
                id,
                key,
                row.name(&data),
                crate::names::name_key(row.name(&data)),
                row.id(&data, 0),
                row.id(&data, 1),
                row.id(&data, 2),
                row.id(&data, 3)
            ],
        )?;
        researcher_of_root.insert(root, id);
        delta.changed.push(id);
        report.new_researchers += 1;
    }

    // Each new mention's researcher, its name block, and the links that put it there.
    let mut assign = tx.prepare_cached(
        "INSERT INTO authorship_researcher (work_id, position, researcher_id) VALUES (?1, ?2, ?3)",
    )?;
    let mut block = tx.prepare_cached(
        "INSERT OR IGNORE INTO researcher_blocks (block_key, researcher_id) VALUES (?1, ?2)",
    )?;
    for (m, &researcher) in stored.iter().enumerate() {
        if researcher != 0 {
            continue;
        }
        let Some(&rid) = researcher_of_root.get(&clustering.root[m]) else {
            continue;
        };
        let mention = &data.mentions[m];
        assign.execute(params![mention.work, mention.position, rid])?;
        if let Some(p) = &parsed[mention.name as usize] {
            block.execute(params![p.block_key(), rid])?;
        }
    }
    let mut link = tx.prepare_cached(
        "INSERT INTO identity_links (researcher_id, a_work, a_position, b_work, b_position, rule, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for l in &clustering.links {
        let Some(&rid) = researcher_of_root.get(&clustering.root[l.a as usize]) else {
            continue;
        };
        let (a, b) = (&data.mentions[l.a as usize], &data.mentions[l.b as usize]);
        link.execute(params![
            rid,
            a.work,
            a.position,
            b.work,
            b.position,
            l.rule.as_str(),
            l.detail(&data)
        ])?;
    }
    moves.sort_unstable();
    crate::key_log::record(tx, generation, &moves)?;
    phase("write");
    delta.changed.sort_unstable();
    delta.changed.dedup();
    delta.removed.sort_unstable();
    Ok((delta, report))
}

/// The stored researchers a new mention of `fresh` could belong to: those holding one of its
/// strong ids, and those in its name block whose name is compatible with it.
fn candidates(tx: &Transaction, fresh: &MentionData) -> Result<Vec<i64>> {
    let mut found: HashSet<i64> = HashSet::default();
    let columns = ["openreview_id", "orcid", "openalex_id", "dblp_id"];
    debug_assert_eq!(columns.len(), ID_KINDS.len());
    let mut by_id: Vec<rusqlite::CachedStatement<'_>> = columns
        .iter()
        .map(|c| tx.prepare_cached(&format!("SELECT id FROM researchers WHERE {c} = ?1")))
        .collect::<rusqlite::Result<_>>()?;
    let mut in_block = tx.prepare_cached(
        "SELECT r.id, r.name FROM researcher_blocks b JOIN researchers r ON r.id = b.researcher_id
         WHERE b.block_key = ?1",
    )?;
    // New names by block, so a block is read once.
    let mut names_by_block: HashMap<String, Vec<PersonName>> = HashMap::default();
    for mention in &fresh.mentions {
        for (kind, stmt) in by_id.iter_mut().enumerate() {
            let id = mention.ids[kind];
            if id == 0 {
                continue;
            }
            let value = &fresh.id_values[kind][id as usize];
            let rows = stmt.query_map([value], |r| r.get::<_, i64>(0))?;
            for r in rows {
                found.insert(r?);
            }
        }
        if let Some(p) = PersonName::parse(&fresh.names[mention.name as usize]) {
            names_by_block.entry(p.block_key()).or_default().push(p);
        }
    }
    let mut keys: Vec<&String> = names_by_block.keys().collect();
    keys.sort();
    for key in keys {
        let names = &names_by_block[key];
        let rows =
            in_block.query_map([key], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (id, name) = row?;
            let compatible = PersonName::parse(&name)
                .is_none_or(|stored| names.iter().any(|n| n.compatible(&stored)));
            if compatible {
                found.insert(id);
            }
        }
    }
    let mut list: Vec<i64> = found.into_iter().collect();
    list.sort_unstable();
    Ok(list)
}

/// What the last full resolution noted about `blocks` as a whole.
fn block_notes(tx: &Transaction, blocks: &HashSet<String>) -> Result<BlockNotes> {
    let mut notes = BlockNotes::default();
    let mut stmt = tx.prepare_cached("SELECT kind, token FROM block_notes WHERE block_key = ?1")?;
    let mut sorted: Vec<&String> = blocks.iter().collect();
    sorted.sort();
    for block in sorted {
        let rows = stmt.query_map([block], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (kind, token) = row?;
            match kind.as_str() {
                "common" => notes.common.push(block.clone()),
                other => notes
                    .capped
                    .push((block.clone(), other == "organisation", token)),
            }
        }
    }
    Ok(notes)
}

/// Each loaded mention's stored researcher (0 for a mention of a new work).
fn stored_researchers(tx: &Transaction, data: &MentionData) -> Result<Vec<i64>> {
    // One range read per work (a work's mentions are adjacent in `data`), not one per mention.
    let mut stmt = tx.prepare_cached(
        "SELECT position, researcher_id FROM authorship_researcher WHERE work_id = ?1",
    )?;
    let mut out = Vec::with_capacity(data.mentions.len());
    let mut of_work: HashMap<i64, i64> = HashMap::default();
    for (i, mention) in data.mentions.iter().enumerate() {
        if i == 0 || data.mentions[i - 1].work != mention.work {
            of_work.clear();
            let mut rows = stmt.query([mention.work])?;
            while let Some(row) = rows.next()? {
                of_work.insert(row.get(0)?, row.get(1)?);
            }
        }
        out.push(of_work.get(&mention.position).copied().unwrap_or(0));
    }
    Ok(out)
}

fn stored_researcher(tx: &Transaction, id: i64) -> Result<Stored> {
    Ok(tx.query_row(
        "SELECT key, (SELECT COUNT(*) FROM authorship_researcher WHERE researcher_id = ?1)
         FROM researchers WHERE id = ?1",
        [id],
        |r| {
            Ok(Stored {
                key: r.get(0)?,
                mentions: r.get(1)?,
            })
        },
    )?)
}

/// True when `key` is a researcher's key or was retired: it may not be minted again.
fn key_existed(tx: &Transaction, key: &str) -> Result<bool> {
    Ok(tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM researchers WHERE key = ?1)
             OR EXISTS (SELECT 1 FROM retired_keys WHERE key = ?1)",
        [key],
        |r| r.get(0),
    )?)
}

/// Moves every mention, link and block of researcher `from` to `to` and deletes `from`'s row
/// (the downstream step removes its timelines, moves and edges). Returns the current
/// organisation and the community `from` had.
fn merge_into(tx: &Transaction, from: i64, to: i64) -> Result<(Option<i64>, Option<i64>)> {
    let (org, community): (Option<i64>, Option<i64>) = tx
        .query_row(
            "SELECT current_org_id, community FROM researchers WHERE id = ?1",
            [from],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((None, None));
    tx.execute(
        "UPDATE authorship_researcher SET researcher_id = ?2 WHERE researcher_id = ?1",
        [from, to],
    )?;
    tx.execute(
        "UPDATE identity_links SET researcher_id = ?2 WHERE researcher_id = ?1",
        [from, to],
    )?;
    tx.execute(
        "INSERT OR IGNORE INTO researcher_blocks (block_key, researcher_id)
         SELECT block_key, ?2 FROM researcher_blocks WHERE researcher_id = ?1",
        [from, to],
    )?;
    tx.execute(
        "DELETE FROM researcher_blocks WHERE researcher_id = ?1",
        [from],
    )?;
    tx.execute("DELETE FROM researchers WHERE id = ?1", [from])?;
    Ok((org, community))
}
