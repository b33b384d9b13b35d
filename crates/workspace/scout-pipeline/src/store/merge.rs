//! One person, one candidate, for workspaces that already hold two: the report of duplicate
//! records (one researcher key on several candidates, one e-mail address, compatible names) and
//! an owner's merge of one record into another.
//!
//! A merge moves everything of the merged record to the kept one in one audited transaction —
//! tags, stage history, notes, messages, meetings, offers (both records' renumbered
//! in the order they were made), counteroffers, scorecards and saved views' pins — and fills the kept record's empty fields (e-mail,
//! researcher key, source organisation, career stage, owner) from it. The merged record stays
//! as a tombstone (`merged_into`): hidden from every list, refused by every change, kept for the
//! arena's history and the audit log, exported with the kept record and erased with it. A
//! scorecard the same member wrote for the same stage on both records stays on the tombstone
//! (one member, one scorecard per stage), and the report says so. Refused: two records linked to
//! different researchers (correct the link first), and a merged record that is an active
//! finalist of an open arena session (its votes are history; withdraw it first).

use std::collections::{BTreeMap, HashMap};

use serde_json::json;
use sqlx::AnyConnection;

use super::audited::Entry;
use super::handle::Store;
use super::load::{load_candidate, tags_of};
use super::name_match::compatible_names;
use crate::error::{Error, Result};
use crate::model::Actor;
use crate::time::{now_ms, rfc3339};

/// Why records are listed together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateReason {
    /// Linked to the same researcher in the corpus: certainly one person.
    SameResearcher,
    /// The same e-mail address.
    SameEmail,
    /// The same surname and compatible first names (an initial, accents): likely, not certain.
    CompatibleName,
}

/// One record in a duplicate group.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct DuplicateRecord {
    pub id: i64,
    pub name: String,
    pub stage: String,
    pub owner: Option<String>,
    pub researcher_key: Option<String>,
    pub tags: Vec<String>,
    /// RFC 3339.
    pub created_at: String,
}

/// Records that are, or are likely to be, one person. `suggested_keep` is the record furthest
/// along the funnel (the oldest on a tie): the one a merge would most likely keep.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct DuplicateGroup {
    pub reason: DuplicateReason,
    pub suggested_keep: i64,
    pub records: Vec<DuplicateRecord>,
}

/// What a merge moved.
#[derive(Debug, Clone, Default, serde::Serialize, schemars::JsonSchema)]
pub struct MergeReport {
    pub kept: i64,
    pub merged: i64,
    pub tags_added: i64,
    pub stage_moves: i64,
    pub notes: i64,
    pub messages: i64,
    pub meetings: i64,
    pub offers: i64,
    pub counteroffers: i64,
    pub scorecards: i64,
    /// Saved board views that pinned the merged record and now pin the kept one.
    pub view_pins: i64,
    /// Scorecards left on the merged record: their author had scored the kept record at the
    /// same stage.
    pub scorecards_left: i64,
    /// Fields of the kept record that were empty and were taken from the merged one.
    pub fields_taken: Vec<String>,
}

/// An active record as the duplicate report reads it.
#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    email: Option<String>,
    stage: String,
    owner: Option<String>,
    researcher_key: Option<String>,
    created_at: i64,
}

impl Store {
    /// Groups of active candidate records that are one person (same researcher key) or likely
    /// so (same e-mail, compatible names; pairs of records not linked to two different
    /// researchers). Audited as a read of the pipeline.
    pub async fn duplicate_candidates(&self, actor: &Actor) -> Result<Vec<DuplicateGroup>> {
        self.audited(&actor.name, async |tx| {
            let rows: Vec<Row> = sqlx::query_as(
                "SELECT c.id, c.name, c.email, c.stage, u.name AS owner, c.researcher_key, \
                 c.created_at FROM candidates c LEFT JOIN users u ON u.id = c.owner_id \
                 WHERE c.erased_at IS NULL AND c.merged_into IS NULL ORDER BY c.id",
            )
            .fetch_all(&mut *tx.tx)
            .await?;
            let groups = duplicate_groups(&rows);
            let mut out = Vec::with_capacity(groups.len());
            for (reason, members) in groups {
                let mut records = Vec::with_capacity(members.len());
                for &i in &members {
                    let r = &rows[i];
                    records.push(DuplicateRecord {
                        id: r.id,
                        name: r.name.clone(),
                        stage: r.stage.clone(),
                        owner: r.owner.clone(),
                        researcher_key: r.researcher_key.clone(),
                        tags: tags_of(&mut tx.tx, r.id).await?,
                        created_at: rfc3339(r.created_at),
                    });
                }
                let suggested_keep = suggested_keep(&records);
                out.push(DuplicateGroup {
                    reason,
                    suggested_keep,
                    records,
                });
            }
            let detail = json!({"groups": out.len()});
            Ok((out, Entry::new("candidate.duplicates", None, detail)))
        })
        .await
    }

    /// Merges the record `merged` into `kept` (see the module documentation); both must be
    /// active. Audited on the kept record, naming the merged one and the counts moved.
    pub async fn merge_candidates(
        &self,
        actor: &Actor,
        kept: i64,
        merged: i64,
    ) -> Result<MergeReport> {
        if kept == merged {
            return Err(Error::Invalid(
                "a record cannot be merged into itself".into(),
            ));
        }
        self.audited(&actor.name, async |tx| {
            let k = load_candidate(&mut tx.tx, kept, false).await?;
            let m = load_candidate(&mut tx.tx, merged, false).await?;
            if let (Some(a), Some(b)) = (&k.researcher_key, &m.researcher_key)
                && a != b
            {
                return Err(Error::Conflict(format!(
                    "candidate #{kept} is linked to researcher {a} and #{merged} to {b}: the \
                     corpus holds them as two people; correct one link before merging"
                )));
            }
            let open: Option<i64> = sqlx::query_scalar(
                "SELECT s.id FROM arena_items i JOIN arena_sessions s ON s.id = i.session_id \
                 WHERE i.candidate_id = $1 AND i.withdrawn_at IS NULL AND s.closed_at IS NULL \
                 ORDER BY s.id LIMIT 1",
            )
            .bind(merged)
            .fetch_optional(&mut *tx.tx)
            .await?;
            if let Some(session) = open {
                return Err(Error::Conflict(format!(
                    "candidate #{merged} is a finalist in open arena session {session}; withdraw \
                     them from it (or close it) before merging: votes are never moved"
                )));
            }
            let now = now_ms();
            let mut report = MergeReport {
                kept,
                merged,
                ..MergeReport::default()
            };
            let conn = &mut *tx.tx;
            report.tags_added = count(
                sqlx::query(
                    "INSERT INTO candidate_tags (candidate_id, tag) SELECT $1, tag \
                     FROM candidate_tags WHERE candidate_id = $2 ON CONFLICT DO NOTHING",
                )
                .bind(kept)
                .bind(merged)
                .execute(&mut *conn)
                .await?
                .rows_affected(),
            );
            sqlx::query("DELETE FROM candidate_tags WHERE candidate_id = $1")
                .bind(merged)
                .execute(&mut *conn)
                .await?;
            report.stage_moves = move_rows(conn, Moved::StageHistory, kept, merged).await?;
            report.notes = move_rows(conn, Moved::Notes, kept, merged).await?;
            report.messages = move_rows(conn, Moved::Messages, kept, merged).await?;
            report.meetings = move_rows(conn, Moved::Meetings, kept, merged).await?;
            report.counteroffers = move_rows(conn, Moved::Counteroffers, kept, merged).await?;
            // The offers of both records become one history, revisions in the order they were
            // made (the latest offer is the highest revision everywhere). Renumbered through
            // negative revisions so that (candidate, revision) stays unique at every step.
            report.offers = count(
                sqlx::query(
                    "UPDATE offers SET candidate_id = $1, revision = -revision WHERE candidate_id = $2",
                )
                .bind(kept)
                .bind(merged)
                .execute(&mut *conn)
                .await?
                .rows_affected(),
            );
            let order: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM offers WHERE candidate_id = $1 ORDER BY created_at, id",
            )
            .bind(kept)
            .fetch_all(&mut *conn)
            .await?;
            for (i, offer) in order.iter().enumerate() {
                sqlx::query("UPDATE offers SET revision = $2 WHERE id = $1")
                    .bind(offer)
                    .bind(-1_000_000 - i64::try_from(i).unwrap_or(i64::MAX - 1_000_000))
                    .execute(&mut *conn)
                    .await?;
            }
            sqlx::query(
                "UPDATE offers SET revision = -revision - 999999 WHERE candidate_id = $1",
            )
            .bind(kept)
            .execute(&mut *conn)
            .await?;
            report.scorecards = count(
                sqlx::query(
                    "UPDATE scorecards SET candidate_id = $1 WHERE candidate_id = $2 \
                     AND NOT EXISTS (SELECT 1 FROM scorecards s2 WHERE s2.candidate_id = $1 \
                     AND s2.stage = scorecards.stage AND s2.author_id = scorecards.author_id)",
                )
                .bind(kept)
                .bind(merged)
                .execute(&mut *conn)
                .await?
                .rows_affected(),
            );
            // Saved board views pinning the merged record pin the kept one instead (once).
            report.view_pins = count(
                sqlx::query(
                    "UPDATE saved_view_candidates SET candidate_id = $1 WHERE candidate_id = $2 \
                     AND NOT EXISTS (SELECT 1 FROM saved_view_candidates p2 \
                     WHERE p2.view_id = saved_view_candidates.view_id AND p2.candidate_id = $1)",
                )
                .bind(kept)
                .bind(merged)
                .execute(&mut *conn)
                .await?
                .rows_affected(),
            );
            sqlx::query("DELETE FROM saved_view_candidates WHERE candidate_id = $1")
                .bind(merged)
                .execute(&mut *conn)
                .await?;
            report.scorecards_left =
                sqlx::query_scalar("SELECT COUNT(*) FROM scorecards WHERE candidate_id = $1")
                    .bind(merged)
                    .fetch_one(&mut *conn)
                    .await?;
            // The kept record's empty fields, from the merged one. The key moves off the
            // tombstone first, so that one researcher is never on two active records.
            let empty_taken = [
                ("email", k.email.is_none() && m.email.is_some()),
                (
                    "researcher_key",
                    k.researcher_key.is_none() && m.researcher_key.is_some(),
                ),
                (
                    "source_org",
                    k.source_org.is_none() && m.source_org.is_some(),
                ),
                (
                    "career_stage",
                    k.career_stage.is_none() && m.career_stage.is_some(),
                ),
                ("owner_id", k.owner_id.is_none() && m.owner_id.is_some()),
            ];
            let taken: Vec<String> = empty_taken
                .iter()
                .filter(|(_, t)| *t)
                .map(|(f, _)| f.to_string())
                .collect();
            sqlx::query(
                "UPDATE candidates SET merged_into = $2, researcher_key = NULL, \
                 identity_note = NULL, updated_at = $3 WHERE id = $1",
            )
            .bind(merged)
            .bind(kept)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            // The corpus's note that two records are one researcher is answered by the merge.
            let shared_key = k.researcher_key.is_some() && k.researcher_key == m.researcher_key;
            sqlx::query(
                "UPDATE candidates SET email = COALESCE(email, $2), \
                 researcher_key = COALESCE(researcher_key, $3), \
                 source_org = COALESCE(source_org, $4), \
                 career_stage = COALESCE(career_stage, $5), owner_id = COALESCE(owner_id, $6), \
                 identity_note = CASE WHEN $7 = 1 THEN NULL ELSE identity_note END, \
                 updated_at = $8 WHERE id = $1",
            )
            .bind(kept)
            .bind(m.email.clone())
            .bind(m.researcher_key.clone())
            .bind(m.source_org.clone())
            .bind(m.career_stage.clone())
            .bind(m.owner_id)
            .bind(i64::from(shared_key))
            .bind(now)
            .execute(&mut *conn)
            .await?;
            report.fields_taken = taken;
            let detail =
                serde_json::to_value(&report).map_err(|e| Error::Invalid(e.to_string()))?;
            Ok((report, Entry::new("candidate.merge", Some(kept), detail)))
        })
        .await
    }
}

/// The tombstones merged into `id`, directly or through another tombstone.
pub(super) async fn merged_records(conn: &mut AnyConnection, id: i64) -> Result<Vec<i64>> {
    let mut out = Vec::new();
    let mut frontier = vec![id];
    while let Some(next) = frontier.pop() {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM candidates WHERE merged_into = $1 ORDER BY id")
                .bind(next)
                .fetch_all(&mut *conn)
                .await?;
        for i in ids {
            if !out.contains(&i) && i != id {
                out.push(i);
                frontier.push(i);
            }
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// The tables whose rows move to the kept record as they are.
#[derive(Clone, Copy)]
enum Moved {
    StageHistory,
    Notes,
    Messages,
    Meetings,
    Counteroffers,
}

async fn move_rows(conn: &mut AnyConnection, table: Moved, kept: i64, merged: i64) -> Result<i64> {
    let sql = match table {
        Moved::StageHistory => "UPDATE stage_history SET candidate_id = $1 WHERE candidate_id = $2",
        Moved::Notes => "UPDATE notes SET candidate_id = $1 WHERE candidate_id = $2",
        Moved::Messages => "UPDATE messages SET candidate_id = $1 WHERE candidate_id = $2",
        Moved::Meetings => "UPDATE meetings SET candidate_id = $1 WHERE candidate_id = $2",
        Moved::Counteroffers => {
            "UPDATE counteroffers SET candidate_id = $1 WHERE candidate_id = $2"
        }
    };
    Ok(count(
        sqlx::query(sql)
            .bind(kept)
            .bind(merged)
            .execute(&mut *conn)
            .await?
            .rows_affected(),
    ))
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The record furthest along the funnel (outcomes count as furthest), the oldest on a tie.
fn suggested_keep(records: &[DuplicateRecord]) -> i64 {
    let rank = |s: &str| {
        s.parse::<crate::stage::Stage>()
            .map(|st| crate::stage::Stage::ALL.iter().position(|x| *x == st))
            .ok()
            .flatten()
            .unwrap_or(0)
    };
    records
        .iter()
        .max_by(|a, b| rank(&a.stage).cmp(&rank(&b.stage)).then(b.id.cmp(&a.id)))
        .map_or(0, |r| r.id)
}

/// Indices of `rows` grouped: every researcher key on several records (one group), then pairs
/// with one e-mail address or compatible names that are not already in one group and not linked
/// to two different researchers.
fn duplicate_groups(rows: &[Row]) -> Vec<(DuplicateReason, Vec<usize>)> {
    let mut groups = Vec::new();
    let mut by_key: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        if let Some(k) = &r.researcher_key {
            by_key.entry(k.as_str()).or_default().push(i);
        }
    }
    for members in by_key.into_values().filter(|m| m.len() > 1) {
        groups.push((DuplicateReason::SameResearcher, members));
    }
    let linked_apart = |a: &Row, b: &Row| match (&a.researcher_key, &b.researcher_key) {
        (Some(x), Some(y)) => x != y,
        _ => false,
    };
    let same_key =
        |a: &Row, b: &Row| a.researcher_key.is_some() && a.researcher_key == b.researcher_key;
    // Blocks: records sharing an e-mail, and records sharing a folded surname.
    let mut by_email: HashMap<String, Vec<usize>> = HashMap::new();
    let mut by_surname: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        if let Some(e) = &r.email {
            by_email.entry(e.to_lowercase()).or_default().push(i);
        }
        let folded = scout_corpus::names::fold(&r.name);
        if let Some(last) = folded
            .split(|c: char| !c.is_alphanumeric())
            .rfind(|w| !w.is_empty())
        {
            by_surname.entry(last.to_string()).or_default().push(i);
        }
    }
    let mut seen = std::collections::HashSet::new();
    let mut pairs = |block: &[usize], reason: DuplicateReason, out: &mut Vec<_>| {
        for (n, &i) in block.iter().enumerate() {
            for &j in &block[n + 1..] {
                let (a, b) = (&rows[i], &rows[j]);
                if same_key(a, b) || linked_apart(a, b) {
                    continue;
                }
                if reason == DuplicateReason::CompatibleName && !compatible_names(&a.name, &b.name)
                {
                    continue;
                }
                if seen.insert((i.min(j), i.max(j))) {
                    out.push((reason, vec![i.min(j), i.max(j)]));
                }
            }
        }
    };
    let mut email_blocks: Vec<_> = by_email.into_values().filter(|b| b.len() > 1).collect();
    email_blocks.sort();
    for b in &email_blocks {
        pairs(b, DuplicateReason::SameEmail, &mut groups);
    }
    let mut name_blocks: Vec<_> = by_surname.into_values().filter(|b| b.len() > 1).collect();
    name_blocks.sort();
    for b in &name_blocks {
        pairs(b, DuplicateReason::CompatibleName, &mut groups);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, name: &str, email: Option<&str>, key: Option<&str>) -> Row {
        Row {
            id,
            name: name.into(),
            email: email.map(Into::into),
            stage: "sourced".into(),
            owner: None,
            researcher_key: key.map(Into::into),
            created_at: 0,
        }
    }

    #[test]
    fn groups_by_key_then_pairs_by_email_and_name() {
        let rows = vec![
            row(1, "Ada Lovelace", None, Some("k1")),
            row(2, "A. Lovelace", None, Some("k1")),
            row(3, "Ada Lovelace", Some("ada@x.org"), None),
            row(4, "Grace Hopper", Some("ADA@x.org"), None),
            row(5, "Ada Lovelace", None, Some("k2")),
            row(6, "Alan Turing", None, None),
        ];
        let g = duplicate_groups(&rows);
        let ids: Vec<(DuplicateReason, Vec<i64>)> = g
            .into_iter()
            .map(|(r, m)| (r, m.into_iter().map(|i| rows[i].id).collect()))
            .collect();
        assert_eq!(ids[0], (DuplicateReason::SameResearcher, vec![1, 2]));
        assert!(ids.contains(&(DuplicateReason::SameEmail, vec![3, 4])));
        // 3 is compatible with 1, 2 and 5 (it has no key); 1/2 vs 5 are linked apart.
        for other in [1, 2, 5] {
            assert!(ids.contains(&(
                DuplicateReason::CompatibleName,
                vec![other.min(3), other.max(3)]
            )));
        }
        assert!(!ids.iter().any(|(_, m)| m.contains(&6)));
        assert!(
            !ids.iter()
                .any(|(_, m)| m == &vec![1, 5] || m == &vec![2, 5])
        );
    }

    #[test]
    fn suggests_the_record_furthest_along() {
        let rec = |id: i64, stage: &str| DuplicateRecord {
            id,
            name: String::new(),
            stage: stage.into(),
            owner: None,
            researcher_key: None,
            tags: vec![],
            created_at: String::new(),
        };
        assert_eq!(suggested_keep(&[rec(1, "sourced"), rec(2, "offer")]), 2);
        assert_eq!(
            suggested_keep(&[rec(3, "contacted"), rec(2, "contacted")]),
            2
        );
    }
}
