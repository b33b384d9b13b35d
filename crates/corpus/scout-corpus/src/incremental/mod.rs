//! Incremental refresh: after an ingest that only added works, derived data is brought up to date
//! from the new works instead of from all of them. `identity.rs` resolves the new mentions against
//! the stored researchers they could be; `downstream.rs` recomputes what the network and the
//! researcher facts derive for the researchers that changed. `derive.rs` decides between this and
//! the full refresh ([`plan`]); `refresh --rebuild` is always full, and the reference
//! (docs/incremental.md says where the two may differ and how the difference is checked).

mod delta;
pub mod downstream;
mod identity;

use rusqlite::Connection;
use serde::Serialize;

use crate::db::{meta_get, meta_get_i64};
use crate::error::Result;

pub use delta::IdentityDelta;
pub use identity::IncrementalIdentityReport;

/// New works beyond this share of the corpus make the full refresh the better deal (and keep the
/// incremental result's drift from a rebuild small).
pub const MAX_NEW_SHARE: f64 = 0.05;

/// Communities are only patched by an incremental refresh (a changed researcher keeps theirs, a
/// new one joins a neighbour's), so their modularity drifts from a fresh Louvain run as changes
/// accumulate: about 0.16 % of modularity per 1 % of researchers changed, measured by
/// `scripts/radar-replay`. Past this share of researchers changed since the last full refresh
/// (counting the next batch's author positions), the next refresh is full, which keeps the
/// drift under the 1 % issue 16 allows.
pub const MAX_CHANGED_SHARE: f64 = 0.05;

/// The `meta` key counting researchers changed by incremental refreshes since the last full one.
const CHANGED_SINCE_FULL: &str = "changed_since_full";

/// The `meta` key of the organisation rules the derived data was built with
/// ([`crate::organisations::rules_fingerprint`]).
const ORG_RULES: &str = "derived_org_rules";

/// Whether the derived data was built with this build's organisation rules (a database derived
/// before the fingerprint was recorded was not).
pub fn org_rules_current(conn: &Connection) -> Result<bool> {
    Ok(meta_get(conn, ORG_RULES)?.as_deref()
        == Some(crate::organisations::rules_fingerprint().as_str()))
}

/// Why a refresh is full rather than incremental, or the works an incremental one starts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum Plan {
    /// Only these works (ids) are new since the derived data was built, and these changed in
    /// their metadata alone (shown as their counts).
    Incremental {
        #[serde(serialize_with = "serialize_count")]
        new_works: Vec<i64>,
        #[serde(serialize_with = "serialize_count")]
        changed_works: Vec<i64>,
    },
    /// A full refresh is needed, for this reason.
    Full(String),
}

fn serialize_count<S: serde::Serializer>(
    ids: &[i64],
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_u64(ids.len() as u64)
}

/// Decides how the next refresh of `conn` runs.
pub fn plan(conn: &Connection) -> Result<Plan> {
    let full = |why: &str| Ok(Plan::Full(why.to_string()));
    let Some(watermark) =
        meta_get(conn, "derived_max_work_id")?.and_then(|v| v.parse::<i64>().ok())
    else {
        return full("no incremental state (first refresh, or a database from before it)");
    };
    if meta_get_i64(conn, "profiles_changed")? == 1 {
        return full("OpenAlex author profiles changed");
    }
    if !org_rules_current(conn)? {
        return full(
            "the organisation rules (normalisation, alias table) changed since the derived data was built",
        );
    }
    let changed: i64 = conn.query_row(
        "SELECT COUNT(*) FROM derive_queue WHERE identity <> 0",
        [],
        |r| r.get(0),
    )?;
    if changed > 0 {
        return full(&format!(
            "{changed} stored works changed in place in their authors, affiliations, title, year or venue"
        ));
    }
    let changed_works: Vec<i64> = conn
        .prepare("SELECT work_id FROM derive_queue ORDER BY work_id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = conn.prepare("SELECT id FROM works WHERE id > ?1 ORDER BY id")?;
    let new_works: Vec<i64> = stmt
        .query_map([watermark], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let total: i64 = conn.query_row("SELECT COUNT(*) FROM works", [], |r| r.get(0))?;
    if new_works.len() as f64 > MAX_NEW_SHARE * total as f64 {
        return full(&format!(
            "{} new works, more than {:.0} % of {total}",
            new_works.len(),
            MAX_NEW_SHARE * 100.0
        ));
    }
    // The same bound for new and metadata-changed works together: past it, recomputing the
    // facts of every affected researcher may cost as much as the full refresh (not measured for
    // changed works).
    if (new_works.len() + changed_works.len()) as f64 > MAX_NEW_SHARE * total as f64 {
        return full(&format!(
            "{} new and {} changed works, more than {:.0} % of {total}",
            new_works.len(),
            changed_works.len(),
            MAX_NEW_SHARE * 100.0
        ));
    }
    let as_of = meta_get_i64(conn, "derived_as_of")?;
    let newest: Option<i64> = conn.query_row(
        "SELECT MAX(year) FROM works WHERE id > ?1",
        [watermark],
        |r| r.get(0),
    )?;
    if newest.is_some_and(|y| y > as_of) {
        return full(&format!(
            "new works from {}, after the year recency is measured from ({as_of})",
            newest.unwrap_or(0)
        ));
    }
    let changed_before = meta_get_i64(conn, CHANGED_SINCE_FULL)?;
    let batch_mentions: i64 = conn.query_row(
        "SELECT COALESCE(SUM(n_authors), 0) FROM works WHERE id > ?1",
        [watermark],
        |r| r.get(0),
    )?;
    let researchers: i64 = conn.query_row("SELECT COUNT(*) FROM researchers", [], |r| r.get(0))?;
    if (changed_before + batch_mentions) as f64 > MAX_CHANGED_SHARE * researchers as f64 {
        return full(&format!(
            "{changed_before} researchers changed since the last full refresh and up to \
             {batch_mentions} more now, past {:.0} % of {researchers}: communities are detected again",
            MAX_CHANGED_SHARE * 100.0
        ));
    }
    Ok(Plan::Incremental {
        new_works,
        changed_works,
    })
}

/// What an incremental refresh of identity and the network did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IncrementalReport {
    pub identity: IncrementalIdentityReport,
    pub downstream: downstream::DownstreamReport,
    /// The second round: co-authors whose organisation follows a changed researcher's.
    pub coauthors: Option<downstream::DownstreamReport>,
    /// Works changed in place in their metadata alone (citations, abstract, …).
    pub metadata_changed_works: u64,
    /// Researchers in the corpus afterwards.
    pub researchers: u64,
    pub seconds: f64,
}

/// Runs identity and the downstream step for `new_works` in one transaction, as a refresh of
/// `generation`; the researchers of `changed_works` (changed in their metadata alone) get their
/// facts recomputed (their citations).
pub fn refresh(
    conn: &mut Connection,
    new_works: &[i64],
    changed_works: &[i64],
    generation: i64,
) -> Result<IncrementalReport> {
    let started = std::time::Instant::now();
    let as_of = i32::try_from(meta_get_i64(conn, "derived_as_of")?).unwrap_or(0);
    // The write lock from the start: a transaction that reads first and writes later fails at
    // once ("database is locked", no busy wait) when another connection wrote in between.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Affiliation strings resolved once for the step's several loads of overlapping works.
    let mut orgs = crate::identity::OrgResolver::default();
    let (delta, identity) = identity::apply(&tx, new_works, generation, &mut orgs)?;
    crate::memory::log_phase("incremental: identity", started);
    let before = coauthor_readings(&tx, &delta.changed)?;
    let downstream = downstream::apply(&tx, &delta, as_of, &mut orgs)?;
    // A changed researcher whose co-authors now read them differently (another organisation, or
    // no longer their own) moves the answer of co-authors who take theirs from their co-authors:
    // those are recomputed in a second round.
    let after = coauthor_readings(&tx, &delta.changed)?;
    crate::memory::log_phase("incremental: downstream", started);
    let moved: Vec<i64> = after
        .iter()
        .filter(|(id, reading)| before.get(*id) != Some(*reading))
        .map(|(id, _)| *id)
        .collect();
    let mut extra = coauthors_to_weigh_again(&tx, &moved)?;
    let metadata = authors_of_changed_works(&tx, changed_works, &delta)?;
    tracing::info!(
        changed = delta.changed.len(),
        moved = moved.len(),
        coauthors = extra.len(),
        metadata_changed = metadata.len(),
        "incremental: co-authors to weigh again"
    );
    extra.extend(metadata);
    extra.sort_unstable();
    extra.dedup();
    let coauthors = if extra.is_empty() {
        None
    } else {
        Some(downstream::apply_facts(&tx, &extra, as_of, &mut orgs)?)
    };
    let changed_since_full =
        meta_get_i64(&tx, CHANGED_SINCE_FULL)? + (delta.changed.len() + delta.removed.len()) as i64;
    mark_built(&tx, as_of, changed_since_full)?;
    // What followers of the corpus (the move radar) look at again: every researcher whose rows
    // this step rewrote.
    let mut rewritten: Vec<i64> = delta.changed.iter().chain(&extra).copied().collect();
    rewritten.sort_unstable();
    rewritten.dedup();
    crate::refresh_log::record_incremental(&tx, &rewritten)?;
    let researchers: i64 = tx.query_row("SELECT COUNT(*) FROM researchers", [], |r| r.get(0))?;
    crate::memory::log_phase("incremental: co-author round", started);
    tx.commit()?;
    crate::memory::log_phase("incremental: committed", started);
    Ok(IncrementalReport {
        identity,
        downstream,
        coauthors,
        metadata_changed_works: changed_works.len() as u64,
        researchers: u64::try_from(researchers).unwrap_or(0),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// What co-authors read of each of `ids` (`researchers.coauthor_org_id`, `coauthor_org_own`;
/// `None`: no row).
type Reading = Option<(Option<i64>, bool)>;

fn coauthor_readings(
    tx: &rusqlite::Transaction,
    ids: &[i64],
) -> Result<std::collections::BTreeMap<i64, Reading>> {
    let mut stmt = tx.prepare_cached(
        "SELECT coauthor_org_id, coauthor_org_own FROM researchers WHERE id = ?1",
    )?;
    let mut out = std::collections::BTreeMap::new();
    for &id in ids {
        let reading: Reading = rusqlite::OptionalExtension::optional(
            stmt.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))),
        )?;
        out.insert(id, reading);
    }
    Ok(out)
}

/// The co-authors of `changed` researchers (on papers of at most `MAX_COAUTHOR_TEAM` authors
/// within the co-author's last `RECENT_COAUTHOR_YEARS` years, the papers their second pass reads)
/// whose current organisation their co-authors decide
/// (none of their own, only paper-level lists, or inferred from co-authors): their answer moves
/// with the changed researchers' organisations, so they are recomputed too.
fn coauthors_to_weigh_again(tx: &rusqlite::Transaction, changed: &[i64]) -> Result<Vec<i64>> {
    crate::db::fill_temp_ids(tx, "incremental_changed", "INTEGER", changed)?;
    let mut stmt = tx.prepare(
        // CROSS JOIN keeps this order: SQLite would otherwise scan every authorship.
        "SELECT DISTINCT r.id FROM temp.incremental_changed c
         CROSS JOIN authorship_researcher a1 ON a1.researcher_id = c.id
         CROSS JOIN works w ON w.id = a1.work_id AND w.n_authors <= ?1
         CROSS JOIN authorship_researcher a2 ON a2.work_id = a1.work_id
         CROSS JOIN researchers r ON r.id = a2.researcher_id
         WHERE r.id NOT IN (SELECT id FROM temp.incremental_changed)
           AND w.year >= r.last_year - ?2
           AND (r.current_org_id IS NULL
                OR r.current_org_evidence LIKE '%co-author%'
                OR r.current_org_evidence LIKE '%paper-level list%')",
    )?;
    let extra: Vec<i64> = stmt
        .query_map(
            [
                crate::identity::current::MAX_COAUTHOR_TEAM as i64,
                i64::from(crate::identity::current::RECENT_COAUTHOR_YEARS),
            ],
            |r| r.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?;
    tx.execute_batch("DELETE FROM temp.incremental_changed;")?;
    Ok(extra)
}

/// The researchers of works changed in their metadata alone, but for those the step already
/// recomputed: their facts (citations) are read again.
fn authors_of_changed_works(
    tx: &rusqlite::Transaction,
    works: &[i64],
    delta: &IdentityDelta,
) -> Result<Vec<i64>> {
    if works.is_empty() {
        return Ok(Vec::new());
    }
    crate::db::fill_temp_ids(tx, "incremental_metadata", "INTEGER", works)?;
    let done: std::collections::HashSet<i64> = delta
        .changed
        .iter()
        .chain(&delta.removed)
        .copied()
        .collect();
    let ids: Vec<i64> = tx
        .prepare(
            "SELECT DISTINCT a.researcher_id FROM temp.incremental_metadata m
             CROSS JOIN authorship_researcher a ON a.work_id = m.id ORDER BY 1",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?
        .into_iter()
        .filter(|id| !done.contains(id))
        .collect();
    tx.execute_batch("DELETE FROM temp.incremental_metadata;")?;
    Ok(ids)
}

/// Records that derived data covers every stored work, measured from year `as_of`, with
/// `changed_since_full` researchers changed by incremental refreshes since the last full one (0
/// after a full refresh): the state the next [`plan`] starts from. Both refreshes end with it.
pub fn mark_built(conn: &Connection, as_of: i32, changed_since_full: i64) -> Result<()> {
    let max_work: i64 =
        conn.query_row("SELECT COALESCE(MAX(id), 0) FROM works", [], |r| r.get(0))?;
    crate::db::meta_set(conn, "derived_max_work_id", &max_work.to_string())?;
    crate::db::meta_set(conn, "derived_as_of", &as_of.to_string())?;
    crate::db::meta_set(conn, ORG_RULES, &crate::organisations::rules_fingerprint())?;
    crate::db::meta_set(conn, "profiles_changed", "0")?;
    crate::db::meta_set(conn, CHANGED_SINCE_FULL, &changed_since_full.to_string())?;
    conn.execute("DELETE FROM derive_queue", [])?;
    Ok(())
}
