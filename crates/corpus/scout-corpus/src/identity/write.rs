//! Writing identity in the refresh's transaction: `authorship_researcher` (each mention's
//! researcher) and `identity_links` (the judgement calls, evidence in words) first, then
//! `researchers` (key, name, ids, facts and the community the network found), the tables'
//! indexes built once after the inserts.

use rusqlite::{Transaction, params};
use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;

use super::facts::ResearcherFacts;
use super::keys::ResearcherRow;
use super::links::Rule;
use super::mention::MentionData;
use super::org_table::OrgTable;
use super::resolve::{BlockNotes, Clustering};
use crate::bulk::{self, ClearedTables};
use crate::error::Result;
use crate::orgs::OrgType;

/// Summary of a resolution written to the store.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IdentityReport {
    pub mentions: u64,
    pub researchers: u64,
    pub links_by_rule: Vec<(String, u64)>,
    pub refused_conflicts: u64,
    pub namesakes_kept_apart: u64,
    /// Ids ignored because they sat on clearly different names, per kind (openreview, orcid,
    /// openalex, dblp).
    pub inconsistent_ids: [u64; 4],
    /// Stored keys that lost mentions in this refresh (logged in `key_changes`): merged into
    /// another researcher's key, mentions split off to another key, retired.
    pub keys_merged: u64,
    pub keys_split: u64,
    pub keys_retired: u64,
}

impl IdentityReport {
    /// The report of `clustering` of `data` into `researchers` researchers.
    pub fn new(data: &MentionData, clustering: &Clustering, researchers: usize) -> IdentityReport {
        let mut by_rule: HashMap<&'static str, u64> = HashMap::default();
        for l in &clustering.links {
            *by_rule.entry(l.rule.as_str()).or_default() += 1;
        }
        for (kind, &count) in clustering.strong_id_links.iter().enumerate() {
            if count > 0 {
                *by_rule.entry(Rule::for_kind(kind).as_str()).or_default() += count;
            }
        }
        let mut links_by_rule: Vec<(String, u64)> = by_rule
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        links_by_rule.sort();
        IdentityReport {
            mentions: data.mentions.len() as u64,
            researchers: researchers as u64,
            links_by_rule,
            refused_conflicts: clustering.refused_conflicts,
            namesakes_kept_apart: clustering.namesakes_kept_apart,
            inconsistent_ids: clustering.inconsistent_ids,
            ..IdentityReport::default()
        }
    }

    /// Counts the logged key changes by kind (a key split several ways counts once per way).
    pub fn count_key_moves(&mut self, moves: &[crate::key_log::KeyMove]) {
        use crate::key_log::KeyChangeKind;
        for m in moves {
            match m.kind {
                KeyChangeKind::Merged => self.keys_merged += 1,
                KeyChangeKind::SplitOff => self.keys_split += 1,
                KeyChangeKind::Retired => self.keys_retired += 1,
            }
        }
    }
}

/// The identity tables while they are rewritten: emptied, their indexes dropped until
/// [`IdentityTables::write_researchers`] has inserted the last rows.
#[must_use = "the identity tables' indexes come back only through `write_researchers`"]
pub struct IdentityTables {
    cleared: ClearedTables,
}

impl IdentityTables {
    /// Empties `identity_links`, `authorship_researcher` and `researchers` for the rewrite.
    pub fn clear(tx: &Transaction) -> Result<IdentityTables> {
        let cleared = bulk::clear(
            tx,
            &[
                "identity_links",
                "authorship_researcher",
                "researchers",
                "researcher_blocks",
                "block_notes",
            ],
        )?;
        Ok(IdentityTables { cleared })
    }

    /// Writes each mention's researcher and the links of `clustering` (strong-id links are
    /// implied by the ids on the mentions and not stored). Returns the researcher id (1-based,
    /// 0 = none) of each mention; `rows` are the researchers in id order.
    pub fn write_mentions(
        &self,
        tx: &Transaction,
        data: &MentionData,
        clustering: Clustering,
        rows: &[ResearcherRow],
    ) -> Result<Vec<u32>> {
        let Clustering { root, links, .. } = clustering;
        // Researcher id (1-based) by cluster root; 0 for a mention that is not a root.
        let mut researcher_of_root: Vec<u32> = vec![0; data.mentions.len()];
        for (i, row) in rows.iter().enumerate() {
            researcher_of_root[row.root as usize] = i as u32 + 1;
        }
        let mut rid_of: Vec<u32> = vec![0; data.mentions.len()];
        let mut map = tx.prepare(
            "INSERT INTO authorship_researcher (work_id, position, researcher_id) VALUES (?1, ?2, ?3)",
        )?;
        // Mentions are in work-key order; the table's primary key is (work id, position), and
        // inserting in key order keeps the B-tree appends sequential.
        let mut order: Vec<u32> = (0..data.mentions.len() as u32).collect();
        order.sort_unstable_by_key(|&m| {
            (
                data.mentions[m as usize].work,
                data.mentions[m as usize].position,
            )
        });
        for m in order {
            let m = m as usize;
            let rid = researcher_of_root[root[m] as usize];
            if rid > 0 {
                let mention = &data.mentions[m];
                map.execute(params![mention.work, mention.position, rid])?;
                rid_of[m] = rid;
            }
        }
        let mut link = tx.prepare(
            "INSERT INTO identity_links (researcher_id, a_work, a_position, b_work, b_position, rule, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for l in &links {
            let rid = researcher_of_root[root[l.a as usize] as usize];
            if rid == 0 {
                continue;
            }
            let (a, b) = (&data.mentions[l.a as usize], &data.mentions[l.b as usize]);
            link.execute(params![
                rid,
                a.work,
                a.position,
                b.work,
                b.position,
                l.rule.as_str(),
                l.detail(data)
            ])?;
        }
        Ok(rid_of)
    }

    /// Writes the name blocks each researcher's mentions fall in (`rid_of`: each mention's
    /// researcher id, 0 = none), which an incremental refresh looks new mentions up in.
    pub fn write_blocks(&self, tx: &Transaction, data: &MentionData, rid_of: &[u32]) -> Result<()> {
        let block_of_name: Vec<Option<String>> = data
            .names
            .iter()
            .map(|n| crate::names::PersonName::parse(n).map(|p| p.block_key()))
            .collect();
        let mut pairs: Vec<(&str, u32)> = data
            .mentions
            .iter()
            .zip(rid_of)
            .filter(|(_, rid)| **rid > 0)
            .filter_map(|(m, &rid)| Some((block_of_name[m.name as usize].as_deref()?, rid)))
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        let mut insert =
            tx.prepare("INSERT INTO researcher_blocks (block_key, researcher_id) VALUES (?1, ?2)")?;
        for (block, rid) in pairs {
            insert.execute(params![block, rid])?;
        }
        Ok(())
    }

    /// Writes what resolution noted about whole name blocks (see [`BlockNotes`]).
    pub fn write_block_notes(&self, tx: &Transaction, notes: &BlockNotes) -> Result<()> {
        let mut insert = tx.prepare(
            "INSERT OR IGNORE INTO block_notes (block_key, kind, token) VALUES (?1, ?2, ?3)",
        )?;
        for block in &notes.common {
            insert.execute(params![block, "common", ""])?;
        }
        for (block, is_org, token) in &notes.capped {
            let kind = if *is_org { "organisation" } else { "coauthor" };
            insert.execute(params![block, kind, token])?;
        }
        Ok(())
    }

    /// Writes the researchers (`rows`, with `facts` and `community` by the same index) and
    /// builds the identity tables' indexes.
    pub fn write_researchers(
        self,
        tx: &Transaction,
        data: &MentionData,
        orgs: &OrgTable,
        rows: &[ResearcherRow],
        facts: &[ResearcherFacts],
        community: &[Option<i64>],
    ) -> Result<()> {
        let mut ins = tx.prepare(
            "INSERT INTO researchers (id, key, name, name_norm, openreview_id, orcid, openalex_id, dblp_id, n_works,
                                      first_year, last_year, citations, current_org, current_org_year,
                                      current_org_type, current_country, current_org_id, community,
                                      current_org_confidence, current_org_evidence, current_org_stale,
                                      trained_org_id, trained_at, trained_evidence, coauthor_org_id,
                                      coauthor_org_own)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,
                     ?22, ?23, ?24, ?25, ?26)",
        )?;
        for (i, (row, st)) in rows.iter().zip(facts).enumerate() {
            let name = row.name(data);
            ins.execute(params![
                i as i64 + 1,
                row.key,
                name,
                crate::names::name_key(name),
                row.id(data, 0),
                row.id(data, 1),
                row.id(data, 2),
                row.id(data, 3),
                st.n_works,
                st.first_year,
                st.last_year,
                st.citations,
                st.current.org_id.map(|o| orgs.names[o].as_str()),
                st.current.year,
                st.current.org_type.map(OrgType::as_str),
                st.current.country,
                st.current.org_id.map(|o| o as i64 + 1),
                community.get(i).copied().flatten(),
                st.current.org_id.map(|_| st.current.confidence),
                st.current.org_id.map(|_| st.current.evidence.as_str()),
                st.current.stale,
                st.trained.as_ref().map(|t| t.org_id as i64 + 1),
                st.trained.as_ref().map(|t| orgs.names[t.org_id].as_str()),
                st.trained.as_ref().map(|t| t.evidence.as_str()),
                st.coauthor_reading.map(|(o, _)| o as i64 + 1),
                st.coauthor_reading.is_some_and(|(_, own)| own)
            ])?;
        }
        drop(ins);
        self.cleared.restore_indexes(tx)
    }
}
