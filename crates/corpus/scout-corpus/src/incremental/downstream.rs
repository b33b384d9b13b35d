//! Everything downstream of identity, for the researchers an incremental identity step changed:
//! their facts, timelines, moves, co-author edges, organisations' counts, communities and
//! career stages, in the caller's transaction, the other researchers' rows untouched.
//!
//! Only the works of the changed researchers are loaded (every mention of each), and those of
//! the co-authors on recent papers of the ones whose current organisation reads co-authors'
//! (their first pass needs all their papers). The results come from the very code a full
//! refresh runs (`identity/facts.rs`, [`network::researcher_timeline`], [`graph::stream_edges`],
//! [`career`]), so for those researchers the rows equal a full refresh's — compared by key:
//! new organisations get the next ids rather than a rebuild's — with these bounded differences:
//!
//! - **Communities.** Louvain is global: a changed researcher keeps its community, a new one
//!   joins the community of its heaviest neighbour that has one (ties: the lower id), sizes
//!   change by who leaves and joins, labels stay until the next full refresh. A rebuild's partition may differ
//!   (`scripts/derived-check --community-tolerance` compares modularity).
//! - **Career stages** apply the model the last full refresh fitted (stored in `meta`, see
//!   [`career::MODEL_META_KEY`]), never refit on a partial corpus.
//! - **Organisations** already stored keep their name, type and country (a rebuild names each by
//!   its most used spelling and votes the others again over all mentions; evidence texts quote
//!   the name, but no choice depends on it). A rebuild numbers them afresh, so where moves break
//!   a tie by organisation id, one added since the last full refresh may be ordered differently.
//!   Their researcher counts change by the changed and removed researchers leaving (their old
//!   current organisation, their old `researcher_orgs` rows) and the changed ones joining (the
//!   new ones): the counts a full refresh stores are exact, so they stay exact without a pass
//!   over every researcher.
//! - **Unchanged researchers** are not recomputed, though two of their inputs read changed
//!   co-authors: the second pass of the current organisation (a changed co-author's first-pass
//!   organisation) and the stage model's co-author features (a changed co-author's paper
//!   count). A rebuild may differ there, for co-authors of changed researchers only.
//! - Per-work tables (cohorts, impact) and the index are not this step's.
//!
//! Cost: the changed researchers' works, their co-authors' paper lists (career features), and
//! one pass over `works` (venues' first years).

use std::time::Instant;

use rusqlite::{OptionalExtension, Transaction, params};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::Serialize;

use super::delta::IdentityDelta;
use crate::career;
use crate::error::Result;
use crate::graph::{self, PaperAuthors};
use crate::identity::{self, OrgTable, Researchers, current};
use crate::network::{self, OrganisationInsert, TimelineStatements};
use crate::orgs::OrgType;

/// What [`apply`] recomputed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DownstreamReport {
    /// Changed researchers whose facts, timelines, edges and stage were recomputed.
    pub researchers: u64,
    /// Removed researchers whose rows were deleted.
    pub removed: u64,
    /// Works loaded (every work of a changed researcher).
    pub works_loaded: u64,
    /// Other researchers on those works, whose stored reading (what co-authors read of them)
    /// the second pass of the current organisation weighed.
    pub coauthors_read: u64,
    pub organisations_added: u64,
    /// Organisations whose researcher counts changed (kept by adding and removing the changed
    /// researchers, not counted again).
    pub organisations_recounted: u64,
    pub edges_deleted: u64,
    pub edges_inserted: u64,
    pub moves_deleted: u64,
    pub moves_inserted: u64,
    /// Changed researchers without a community before that joined a neighbour's.
    pub community_joined: u64,
    /// Changed researchers left without a community (no edge, or no neighbour with one).
    pub community_none: u64,
    /// Whether the career model stored at the last full refresh was applied (else fitted now).
    pub career_model_stored: bool,
    pub seconds: f64,
    /// Of which loading (works, profiles, organisations), facts, edges and career stages.
    pub load_seconds: f64,
    pub facts_seconds: f64,
    pub edges_seconds: f64,
    pub career_seconds: f64,
}

/// Brings every table downstream of identity up to date for `delta` (see the module
/// documentation for the state expected on entry and the bounded differences from a rebuild).
/// `as_of` is the corpus's latest year, the same as at the last full refresh.
pub fn apply(
    tx: &Transaction,
    delta: &IdentityDelta,
    as_of: i32,
    orgs: &mut identity::OrgResolver,
) -> Result<DownstreamReport> {
    apply_steps(tx, delta, as_of, false, orgs)
}

/// The facts alone (current organisation and the rest of the `researchers` row's facts, and the
/// organisations' counts) of researchers whose mentions did not change but whose co-authors' did:
/// their timelines, moves, edges, community and stage are as they were.
pub fn apply_facts(
    tx: &Transaction,
    ids: &[i64],
    as_of: i32,
    orgs: &mut identity::OrgResolver,
) -> Result<DownstreamReport> {
    let delta = IdentityDelta {
        changed: ids.to_vec(),
        ..IdentityDelta::default()
    };
    apply_steps(tx, &delta, as_of, true, orgs)
}

fn apply_steps(
    tx: &Transaction,
    delta: &IdentityDelta,
    as_of: i32,
    facts_only: bool,
    orgs: &mut identity::OrgResolver,
) -> Result<DownstreamReport> {
    let started = Instant::now();
    let mut report = DownstreamReport::default();
    let changed = sorted(&delta.changed);
    let removed = sorted(&delta.removed);
    let gone: Vec<i64> = sorted(&[changed.as_slice(), removed.as_slice()].concat());
    let changed_set: HashSet<i64> = changed.iter().copied().collect();
    report.researchers = changed.len() as u64;
    report.removed = removed.len() as u64;
    temp_ids(tx, "downstream_changed", &changed)?;
    temp_ids(tx, "downstream_gone", &gone)?;

    // What the changed researchers were before: current organisation and community.
    let mut old_current: Vec<i64> = delta.removed_orgs.clone();
    let mut old_community: HashMap<i64, i64> = HashMap::default();
    let mut keys: HashMap<i64, String> = HashMap::default();
    {
        let mut stmt = tx.prepare(
            "SELECT id, key, current_org_id, community FROM researchers
             WHERE id IN (SELECT id FROM temp.downstream_changed)",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            keys.insert(id, r.get(1)?);
            if let Some(o) = r.get::<_, Option<i64>>(2)? {
                old_current.push(o);
            }
            if let Some(c) = r.get::<_, Option<i64>>(3)? {
                old_community.insert(id, c);
            }
        }
    }
    if let Some(missing) = changed.iter().find(|id| !keys.contains_key(id)) {
        return Err(crate::error::CorpusError::Invalid(format!(
            "incremental refresh: changed researcher {missing} has no row in researchers"
        )));
    }

    // 1–2. Every work of the changed researchers, with every mention's researcher, and the
    // organisations mapped to the stored ones. The second pass of the current organisation
    // reads what the co-authors on recent papers read as: the stored reading of those that did
    // not change (their papers are not loaded).
    let Loaded {
        data,
        rid_of,
        researchers,
        orgs,
        profiles,
        stored_id,
        known,
        works,
    } = load(tx, &changed, &keys, &mut report, orgs)?;
    report.works_loaded = works as u64;
    report.load_seconds = started.elapsed().as_secs_f64();
    let phase = Instant::now();
    let org_id = |o: u32| u32::try_from(stored_id[o as usize]).unwrap_or(u32::MAX);

    crate::memory::log_phase("downstream: organisations", started);
    // 3. Facts, by the full refresh's code.
    let facts = identity::facts_among(
        &data,
        &orgs,
        &researchers,
        &profiles,
        &known,
        changed.len(),
        as_of,
    );
    {
        let mut update = tx.prepare(
            "UPDATE researchers SET n_works = ?2, first_year = ?3, last_year = ?4, citations = ?5,
                    current_org = ?6, current_org_year = ?7, current_org_type = ?8, current_country = ?9,
                    current_org_id = ?10, current_org_confidence = ?11, current_org_evidence = ?12,
                    current_org_stale = ?13, trained_org_id = ?14, trained_at = ?15, trained_evidence = ?16,
                    coauthor_org_id = ?17, coauthor_org_own = ?18
             WHERE id = ?1",
        )?;
        for (id, st) in changed.iter().zip(&facts) {
            update.execute(params![
                id,
                st.n_works,
                st.first_year,
                st.last_year,
                st.citations,
                st.current.org_id.map(|o| orgs.names[o].as_str()),
                st.current.year,
                st.current.org_type.map(OrgType::as_str),
                st.current.country,
                st.current.org_id.map(|o| stored_id[o]),
                st.current.org_id.map(|_| st.current.confidence),
                st.current.org_id.map(|_| st.current.evidence.as_str()),
                st.current.stale,
                st.trained.as_ref().map(|t| stored_id[t.org_id]),
                st.trained.as_ref().map(|t| orgs.names[t.org_id].as_str()),
                st.trained.as_ref().map(|t| t.evidence.as_str()),
                st.coauthor_reading.map(|(o, _)| stored_id[o]),
                st.coauthor_reading.is_some_and(|(_, own)| own)
            ])?;
        }
    }

    report.facts_seconds = phase.elapsed().as_secs_f64();

    crate::memory::log_phase("downstream: facts", started);
    if facts_only {
        // As `career::write` does: a censored history's first papers are not its training
        // years, so no training organisation (their stage is unchanged).
        tx.execute(
            "UPDATE researchers SET trained_org_id = NULL, trained_at = NULL, trained_evidence = NULL
             WHERE stage_at_least AND id IN (SELECT id FROM temp.downstream_changed)",
            [],
        )?;
        let mut counts = OrgCounts::default();
        for o in old_current {
            counts.current(o, -1);
        }
        for st in &facts {
            if let Some(o) = st.current.org_id {
                counts.current(stored_id[o], 1);
            }
        }
        report.organisations_recounted = counts.apply(tx)?;
        tx.execute_batch("DELETE FROM temp.downstream_changed; DELETE FROM temp.downstream_gone;")?;
        report.seconds = started.elapsed().as_secs_f64();
        return Ok(report);
    }
    // 4. Timelines and moves: the old rows of changed and removed researchers go, the changed
    // ones' are written again.
    // The organisations' counts change by the researchers leaving and joining them.
    let mut counts = OrgCounts::default();
    for o in old_current {
        counts.current(o, -1);
    }
    {
        let mut stmt = tx.prepare(
            "SELECT DISTINCT researcher_id, org_id FROM researcher_orgs
             WHERE researcher_id IN (SELECT id FROM temp.downstream_gone)",
        )?;
        let rows = stmt.query_map([], |r| r.get::<_, i64>(1))?;
        for row in rows {
            counts.ever(row?, -1);
        }
    }
    tx.execute(
        "DELETE FROM researcher_orgs WHERE researcher_id IN (SELECT id FROM temp.downstream_gone)",
        [],
    )?;
    report.moves_deleted = tx.execute(
        "DELETE FROM moves WHERE researcher_id IN (SELECT id FROM temp.downstream_gone)",
        [],
    )? as u64;
    {
        let mut stmts = TimelineStatements::prepare(tx)?;
        for (id, row) in changed.iter().zip(&researchers.rows) {
            let timeline = network::researcher_timeline(&data, researchers.mentions(row), org_id);
            for &o in &timeline.orgs_seen {
                counts.ever(i64::from(o), 1);
            }
            report.moves_inserted += stmts.insert(*id, &timeline)?;
        }
    }
    for st in &facts {
        if let Some(o) = st.current.org_id {
            counts.current(stored_id[o], 1);
        }
    }
    report.organisations_recounted = counts.apply(tx)?;

    let phase = Instant::now();
    crate::memory::log_phase("downstream: timelines, moves, organisation counts", started);
    // 5. Co-author edges: every edge of a changed or removed researcher goes; the changed ones'
    // are summed again over their works (all of their joint papers), in the full refresh's
    // order, so the weights are the same to the bit.
    let mut ids_seen: Vec<i64> = rid_of.iter().copied().filter(|&r| r > 0).collect();
    ids_seen.sort_unstable();
    ids_seen.dedup();
    report.edges_deleted = delete_edges(tx, &ids_seen, &gone)?;
    let local: HashMap<i64, u32> = ids_seen
        .iter()
        .enumerate()
        .map(|(i, &id)| (id, i as u32))
        .collect();
    let mut papers = PaperAuthors::new();
    for paper in data.papers() {
        papers.push(
            data.mentions[paper.start].year,
            paper.len(),
            paper.filter_map(|m| local.get(&rid_of[m]).copied()),
        );
    }
    // Per changed researcher: (weight, neighbour) of each edge, for communities.
    let mut neighbours: HashMap<i64, Vec<(f64, i64)>> = HashMap::default();
    {
        let mut insert = tx.prepare(
            "INSERT INTO coauthor_edges (a, b, papers, weight, first_year, last_year) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        graph::stream_edges(&papers, as_of, |e| -> Result<()> {
            let (a, b) = (ids_seen[e.a as usize], ids_seen[e.b as usize]);
            if !changed_set.contains(&a) && !changed_set.contains(&b) {
                return Ok(());
            }
            insert.execute(params![a, b, e.papers, e.weight, e.first_year, e.last_year])?;
            report.edges_inserted += 1;
            for (x, y) in [(a, b), (b, a)] {
                if changed_set.contains(&x) {
                    neighbours.entry(x).or_default().push((e.weight, y));
                }
            }
            Ok(())
        })?;
    }
    drop(papers);

    crate::memory::log_phase("downstream: edges", started);
    // 6. Communities.
    assign_communities(
        tx,
        &changed,
        &old_community,
        &delta.removed_communities,
        &neighbours,
        &mut report,
    )?;

    report.edges_seconds = phase.elapsed().as_secs_f64();

    crate::memory::log_phase("downstream: communities", started);
    // 7. Career stages, with the model of the last full refresh.
    let phase = Instant::now();
    report.career_model_stored = career::write_for(tx, as_of, &changed)?;
    report.career_seconds = phase.elapsed().as_secs_f64();
    crate::memory::log_phase("downstream: career stages", started);
    tx.execute_batch("DELETE FROM temp.downstream_changed; DELETE FROM temp.downstream_gone;")?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// What [`load`] read.
struct Loaded {
    data: identity::MentionData,
    /// Each mention's researcher (0: none).
    rid_of: Vec<i64>,
    /// The changed researchers.
    researchers: Researchers,
    orgs: OrgTable,
    profiles: HashMap<String, Vec<current::ProfileAffiliation>>,
    /// The stored id of each organisation of `orgs`.
    stored_id: Vec<i64>,
    /// The other researchers on the loaded works, by their stored reading.
    known: identity::KnownCoauthors,
    works: usize,
}

/// Loads every work of `changed`, their researchers with their mentions, profiles and
/// organisations (mapped to the stored ones, new ones inserted), and the stored reading of every
/// other researcher on those works.
fn load(
    tx: &Transaction,
    changed: &[i64],
    keys: &HashMap<i64, String>,
    report: &mut DownstreamReport,
    resolver: &mut identity::OrgResolver,
) -> Result<Loaded> {
    temp_ids(tx, "downstream_loaded", changed)?;
    let mut researcher_of: HashMap<(i64, i64), i64> = HashMap::default();
    let mut works: Vec<i64> = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT work_id, position, researcher_id FROM authorship_researcher
             WHERE work_id IN (SELECT work_id FROM authorship_researcher
                               WHERE researcher_id IN (SELECT id FROM temp.downstream_loaded))",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let work: i64 = r.get(0)?;
            researcher_of.insert((work, r.get(1)?), r.get(2)?);
            works.push(work);
        }
    }
    tx.execute_batch("DELETE FROM temp.downstream_loaded;")?;
    works.sort_unstable();
    works.dedup();
    let data = identity::load_works_with(tx, &works, resolver)?;
    let rid_of: Vec<i64> = data
        .mentions
        .iter()
        .map(|m| {
            researcher_of
                .get(&(m.work, m.position))
                .copied()
                .unwrap_or(0)
        })
        .collect();
    drop(researcher_of);
    let wanted: HashSet<i64> = changed.iter().copied().collect();
    let mut mentions_of: HashMap<i64, Vec<u32>> = HashMap::default();
    for (m, &rid) in rid_of.iter().enumerate() {
        if wanted.contains(&rid) {
            mentions_of.entry(rid).or_default().push(m as u32);
        }
    }
    let researchers = Researchers::from_mentions(
        &data,
        changed
            .iter()
            .map(|id| {
                (
                    keys.get(id).cloned().unwrap_or_default(),
                    mentions_of.remove(id).unwrap_or_default(),
                )
            })
            .collect(),
    );
    drop(mentions_of);
    let mut orgs = OrgTable::from_data(&data);
    let openalex: Vec<&str> = researchers
        .rows
        .iter()
        .filter_map(|row| row.id(&data, 2))
        .collect();
    let profiles = current::profile_affiliations_of(tx, &mut orgs, &openalex)?;
    let known = known_coauthors(tx, &rid_of, &wanted, &mut orgs, report)?;
    let stored_id = map_organisations(tx, &mut orgs, report)?;
    Ok(Loaded {
        data,
        rid_of,
        researchers,
        orgs,
        profiles,
        stored_id,
        known,
        works: works.len(),
    })
}

/// The stored reading of every researcher on the loaded works other than the changed ones,
/// their organisations added to `orgs` where the loaded works do not name them.
fn known_coauthors(
    tx: &Transaction,
    rid_of: &[i64],
    changed: &HashSet<i64>,
    orgs: &mut OrgTable,
    report: &mut DownstreamReport,
) -> Result<identity::KnownCoauthors> {
    let others = sorted(
        &rid_of
            .iter()
            .copied()
            .filter(|r| *r > 0 && !changed.contains(r))
            .collect::<Vec<_>>(),
    );
    report.coauthors_read = others.len() as u64;
    temp_ids(tx, "downstream_known", &others)?;
    let mut stored: HashMap<i64, (i64, bool)> = HashMap::default();
    let mut local_of: HashMap<i64, usize> = HashMap::default();
    {
        let mut stmt = tx.prepare(
            "SELECT r.id, r.coauthor_org_id, r.coauthor_org_own, o.key, o.name, o.org_type, o.country
             FROM temp.downstream_known k CROSS JOIN researchers r ON r.id = k.id
             JOIN organisations o ON o.id = r.coauthor_org_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let org: i64 = r.get(1)?;
            stored.insert(r.get(0)?, (org, r.get(2)?));
            if let std::collections::hash_map::Entry::Vacant(slot) = local_of.entry(org) {
                let key: String = r.get(3)?;
                let local = match orgs.id_of(&key) {
                    Some(i) => i,
                    None => orgs.intern(
                        &key,
                        &r.get::<_, String>(4)?,
                        OrgType::parse(&r.get::<_, String>(5)?).unwrap_or(OrgType::Other),
                        r.get(6)?,
                        None,
                    ),
                };
                slot.insert(local);
            }
        }
    }
    tx.execute_batch("DELETE FROM temp.downstream_known;")?;
    let slot_of: HashMap<i64, u32> = others
        .iter()
        .enumerate()
        .map(|(k, &r)| (r, k as u32))
        .collect();
    Ok(identity::KnownCoauthors {
        of_mention: rid_of
            .iter()
            .map(|r| slot_of.get(r).copied().unwrap_or(u32::MAX))
            .collect(),
        readings: others
            .iter()
            .map(|r| {
                stored
                    .get(r)
                    .and_then(|&(org, own)| local_of.get(&org).map(|&local| (local, own)))
            })
            .collect(),
    })
}

fn sorted(ids: &[i64]) -> Vec<i64> {
    let mut v = ids.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

/// Fills `temp.<name>` (created when missing) with `ids`.
fn temp_ids(tx: &Transaction, name: &'static str, ids: &[i64]) -> Result<()> {
    crate::db::fill_temp_ids(tx, name, "INTEGER", ids)
}

/// The stored id of every organisation of `orgs` (by key), its name, type and country set to
/// the stored ones; organisations not stored are inserted with the next ids.
fn map_organisations(
    tx: &Transaction,
    orgs: &mut OrgTable,
    report: &mut DownstreamReport,
) -> Result<Vec<i64>> {
    let mut stored_id = vec![0i64; orgs.keys.len()];
    let mut new: Vec<usize> = Vec::new();
    {
        let mut stmt =
            tx.prepare("SELECT id, name, org_type, country FROM organisations WHERE key = ?1")?;
        for (i, slot) in stored_id.iter_mut().enumerate() {
            let row = stmt
                .query_row([&orgs.keys[i]], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                    ))
                })
                .optional()?;
            match row {
                Some((id, name, org_type, country)) => {
                    *slot = id;
                    orgs.names[i] = name;
                    orgs.types[i] = OrgType::parse(&org_type).unwrap_or(OrgType::Other);
                    orgs.countries[i] = country;
                }
                None => new.push(i),
            }
        }
    }
    if !new.is_empty() {
        let max: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) FROM organisations", [], |r| {
            r.get(0)
        })?;
        let mut insert = OrganisationInsert::prepare(tx)?;
        for (k, &i) in new.iter().enumerate() {
            let id = max + 1 + k as i64;
            // Counts start at nothing: the researchers there are added (`OrgCounts`).
            insert.insert(id, orgs, i, 0, 0)?;
            stored_id[i] = id;
        }
        report.organisations_added += new.len() as u64;
    }
    Ok(stored_id)
}

/// How the organisations' researcher counts change: by stored organisation id, the change of
/// `current_researchers` and of `researchers_ever`. The stored counts are exact after a full
/// refresh (researchers whose current organisation it is; researchers with a row in
/// `researcher_orgs` there), so adding those who join and removing those who leave keeps them
/// exact without counting over every researcher again.
#[derive(Default)]
struct OrgCounts(HashMap<i64, (i64, i64)>);

impl OrgCounts {
    fn current(&mut self, org: i64, by: i64) {
        self.0.entry(org).or_default().0 += by;
    }

    fn ever(&mut self, org: i64, by: i64) {
        self.0.entry(org).or_default().1 += by;
    }

    /// Writes the changes; returns how many organisations changed.
    fn apply(self, tx: &Transaction) -> Result<u64> {
        let mut changes: Vec<(i64, (i64, i64))> =
            self.0.into_iter().filter(|(_, d)| *d != (0, 0)).collect();
        changes.sort_unstable();
        let mut update = tx.prepare(
            "UPDATE organisations SET current_researchers = current_researchers + ?2,
                    researchers_ever = researchers_ever + ?3
             WHERE id = ?1",
        )?;
        for (id, (current, ever)) in &changes {
            update.execute(params![id, current, ever])?;
        }
        Ok(changes.len() as u64)
    }
}

/// Deletes every edge with an end in `gone`. `a` is the primary key's first column; an edge
/// `(a, b)` with `b` gone has an `a` among the researchers of the loaded works (every joint
/// paper of a changed or removed researcher is among them: a removed researcher's mentions now
/// belong to changed ones) or among `gone` itself, so only those prefixes are read.
fn delete_edges(tx: &Transaction, ids_seen: &[i64], gone: &[i64]) -> Result<u64> {
    let mut deleted = tx.execute(
        "DELETE FROM coauthor_edges WHERE a IN (SELECT id FROM temp.downstream_gone)",
        [],
    )? as u64;
    let mut candidates: Vec<i64> = ids_seen.iter().chain(gone).copied().collect();
    candidates.sort_unstable();
    candidates.dedup();
    temp_ids(tx, "downstream_edge_from", &candidates)?;
    deleted += tx.execute(
        // `+b`: each `a`'s edges are read once (the primary key's prefix), not probed for every
        // (a, b) pair of the two lists.
        "DELETE FROM coauthor_edges WHERE a IN (SELECT id FROM temp.downstream_edge_from)
                                      AND +b IN (SELECT id FROM temp.downstream_gone)",
        [],
    )? as u64;
    tx.execute_batch("DELETE FROM temp.downstream_edge_from;")?;
    Ok(deleted)
}

/// Keeps each changed researcher's community when it has edges; a researcher without one joins
/// the community of its heaviest neighbour that has one (ties: the lower community id); sizes
/// change by the researchers leaving and joining (the removed researchers were in
/// `removed_communities`), and emptied communities are deleted.
fn assign_communities(
    tx: &Transaction,
    changed: &[i64],
    old_community: &HashMap<i64, i64>,
    removed_communities: &[i64],
    neighbours: &HashMap<i64, Vec<(f64, i64)>>,
    report: &mut DownstreamReport,
) -> Result<()> {
    let existing: HashSet<i64> = {
        let mut stmt = tx.prepare("SELECT id FROM communities")?;
        let rows = stmt.query_map([], |r| r.get::<_, i64>(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut decided: HashMap<i64, Option<i64>> = HashMap::default();
    // Those that keep theirs first, so that a new researcher can join a changed neighbour.
    for &id in changed {
        let has_edges = neighbours.get(&id).is_some_and(|n| !n.is_empty());
        if !has_edges {
            decided.insert(id, None);
        } else if let Some(&c) = old_community.get(&id).filter(|c| existing.contains(c)) {
            decided.insert(id, Some(c));
        }
    }
    let mut stored = tx.prepare("SELECT community FROM researchers WHERE id = ?1")?;
    for &id in changed {
        if decided.contains_key(&id) {
            continue;
        }
        let mut heaviest: Option<(f64, i64)> = None;
        for &(w, other) in neighbours.get(&id).map_or(&[][..], Vec::as_slice) {
            let c = match decided.get(&other) {
                Some(c) => *c,
                None => stored
                    .query_row([other], |r| r.get::<_, Option<i64>>(0))
                    .optional()?
                    .flatten(),
            };
            let Some(c) = c.filter(|c| existing.contains(c)) else {
                continue;
            };
            let better = match heaviest {
                None => true,
                Some((bw, bc)) => w > bw || (w == bw && c < bc),
            };
            if better {
                heaviest = Some((w, c));
            }
        }
        let joined = heaviest.map(|(_, c)| c);
        report.community_joined += u64::from(joined.is_some());
        decided.insert(id, joined);
    }
    drop(stored);
    let mut update = tx.prepare("UPDATE researchers SET community = ?2 WHERE id = ?1")?;
    // Sizes change by who leaves and who joins: a stored size is exact (the researchers whose
    // community it is), so no pass over every researcher is needed to keep it so.
    let mut resized: HashMap<i64, i64> = HashMap::default();
    for &c in removed_communities {
        *resized.entry(c).or_default() -= 1;
    }
    for &id in changed {
        let c = decided.get(&id).copied().flatten();
        report.community_none += u64::from(c.is_none());
        update.execute(params![id, c])?;
        if let Some(&old) = old_community.get(&id) {
            *resized.entry(old).or_default() -= 1;
        }
        if let Some(c) = c {
            *resized.entry(c).or_default() += 1;
        }
    }
    let mut resized: Vec<(i64, i64)> = resized.into_iter().filter(|(_, d)| *d != 0).collect();
    resized.sort_unstable();
    let mut resize = tx.prepare("UPDATE communities SET size = size + ?2 WHERE id = ?1")?;
    let mut delete = tx.prepare("DELETE FROM communities WHERE id = ?1 AND size <= 0")?;
    for (c, by) in &resized {
        resize.execute(params![c, by])?;
        delete.execute([c])?;
    }
    Ok(())
}
