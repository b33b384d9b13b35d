//! Following the corpus's researcher key changes (`scout_corpus::key_log`), so that no
//! candidate silently points at someone else after a refresh:
//! - a candidate linked to a key the corpus **merged** into another moves to the surviving key
//!   (audit `candidate.researcher_merged`: the change and why); if that leaves two candidates on
//!   one researcher they are not merged: `candidate.duplicate_researcher` names them all and
//!   each gets a note for an owner to act on;
//! - a candidate whose researcher was **split** (some papers now belong to another key) or
//!   **retired** (none left) keeps its key and gets a note (`identity_note`) and an audit entry;
//! - an employer an owner set on a merged key moves to the surviving key (audit
//!   `employer.followed`), unless that key has one of its own;
//! - members' watches, the radar's seen items and alerts on a merged key move to the surviving
//!   key (audit `watch.followed`).
//!
//! Each change is applied once: `key_changes_applied` remembers it by the corpus's reference
//! (refresh time and log id), in the same transaction as its effects, so the server's corpus
//! reload and the CLI after a refresh may both call [`Store::follow_key_changes`]. A change that
//! concerns no candidate is not recorded (a candidate linked to that key later is still
//! followed). The career-stage override lives on the candidate and moves with it.
//!
//! Audit details never hold a researcher key (keys carry names, and the audit log outlives an
//! erasure): they name the change by its corpus reference, where `scout keys changes` shows old
//! and new key; the candidate's `identity_note`, erased with the candidate, names them.

use serde::Serialize;
use serde_json::json;
use sqlx::AnyConnection;

use super::audit_log::audit;
use super::handle::Store;
use crate::error::Result;
use crate::time::now_ms;
use scout_corpus::key_log::{KeyChange, KeyChangeKind};

/// The actor of the audit entries written here.
pub const ACTOR: &str = "system:corpus-refresh";
/// Longest identity note kept (the newest lines win).
const MAX_NOTE: usize = 2_000;

/// What following the corpus's key changes did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FollowReport {
    /// Changes that concerned a candidate and were applied now.
    pub changes_applied: u64,
    /// Candidates moved from a merged key to the surviving one: (candidate, old key, new key).
    pub moved: Vec<(i64, String, String)>,
    /// Candidates given a note because their researcher was split or retired.
    pub flagged: Vec<i64>,
    /// Researcher keys that now have several candidates, with those candidates.
    pub duplicates: Vec<(String, Vec<i64>)>,
    /// Members' watches moved from a merged key to the surviving one.
    pub watches_moved: u64,
}

impl FollowReport {
    /// True when nothing was changed.
    pub fn is_empty(&self) -> bool {
        self.changes_applied == 0 && self.watches_moved == 0
    }
}

/// A candidate linked to a key: id and current note.
type Holder = (i64, Option<String>);

impl Store {
    /// The researcher keys that candidates (not erased) are linked to, those an owner set
    /// an employer for, and those members watch: what to ask the corpus's log about
    /// (`scout_corpus::key_log::changes_touching`).
    pub async fn linked_researcher_keys(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT researcher_key FROM candidates \
             WHERE erased_at IS NULL AND researcher_key IS NOT NULL \
             UNION SELECT researcher_key FROM set_employers \
             UNION SELECT researcher_key FROM watches ORDER BY 1",
        )
        .fetch_all(&self.db.pool)
        .await?)
    }

    /// Applies the corpus's key `changes` (in log order) to the candidates linked to their
    /// keys, each change once and in its own audited transaction.
    pub async fn follow_key_changes(&self, changes: &[KeyChange]) -> Result<FollowReport> {
        let mut ordered: Vec<&KeyChange> = changes.iter().collect();
        ordered.sort_by_key(|c| c.id);
        let mut report = FollowReport::default();
        for change in ordered {
            let reference = change.reference();
            let mut tx = self.db.begin_write().await?;
            let done: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM key_changes_applied WHERE change_ref = $1",
            )
            .bind(&reference)
            .fetch_one(&mut *tx.tx)
            .await?;
            // An employer an owner set follows a merged key too (unless the surviving key has
            // one of its own): the fact is about the person, whoever holds the key now.
            let mut followed_without_candidate = false;
            if done == 0
                && matches!(change.kind, KeyChangeKind::Merged)
                && let Some(new) = change.new_key.as_deref()
            {
                let moved = sqlx::query(
                    "UPDATE set_employers SET researcher_key = $2 WHERE researcher_key = $1 \
                     AND NOT EXISTS (SELECT 1 FROM set_employers WHERE researcher_key = $2)",
                )
                .bind(&change.old_key)
                .bind(new)
                .execute(&mut *tx.tx)
                .await?
                .rows_affected();
                if moved > 0 {
                    followed_without_candidate = true;
                    let detail = json!({"change": reference, "kind": "merged"});
                    audit(&mut tx, ACTOR, "employer.followed", None, detail).await?;
                }
                let (watches, changed) =
                    super::watches::follow_merged_watches(&mut tx.tx, &change.old_key, new).await?;
                if changed {
                    followed_without_candidate = true;
                    report.watches_moved += watches;
                    let detail = json!({"change": reference, "kind": "merged", "watches": watches});
                    audit(&mut tx, ACTOR, "watch.followed", None, detail).await?;
                }
            }
            let holders = if done == 0 {
                holders_of(&mut tx.tx, &change.old_key).await?
            } else {
                Vec::new()
            };
            if holders.is_empty() {
                if followed_without_candidate {
                    tx.commit().await?;
                }
                continue; // otherwise dropped: rolled back, nothing written
            }
            let now = now_ms();
            let when = &change.refreshed_at;
            let (old, n) = (&change.old_key, change.mentions);
            match (change.kind, change.new_key.as_deref()) {
                (KeyChangeKind::Merged, Some(new)) => {
                    let others = holders_of(&mut tx.tx, new).await?;
                    let why = format!(
                        "the corpus's refresh of {when} merged the linked researcher into \
                         another: new evidence shows they are one person ({n} paper mention(s) \
                         moved); the candidate follows to the surviving key"
                    );
                    for (id, _) in &holders {
                        sqlx::query(
                            "UPDATE candidates SET researcher_key = $2, updated_at = $3 WHERE id = $1",
                        )
                        .bind(id)
                        .bind(new)
                        .bind(now)
                        .execute(&mut *tx.tx)
                        .await?;
                        let detail = json!({"change": reference, "kind": "merged", "why": why});
                        audit(
                            &mut tx,
                            ACTOR,
                            "candidate.researcher_merged",
                            Some(*id),
                            detail,
                        )
                        .await?;
                        report.moved.push((*id, old.clone(), new.to_string()));
                    }
                    let all: Vec<Holder> = others.into_iter().chain(holders).collect();
                    if all.len() > 1 {
                        let ids: Vec<i64> = all.iter().map(|(id, _)| *id).collect();
                        let list = ids
                            .iter()
                            .map(|id| format!("#{id}"))
                            .collect::<Vec<_>>()
                            .join(", ");
                        let note = format!(
                            "{when}: candidates {list} are now linked to one researcher ({new}) \
                             after the corpus merged {old} into it; an owner should keep one"
                        );
                        for (id, current) in &all {
                            set_note(&mut tx.tx, *id, current.as_deref(), &note, now).await?;
                        }
                        let detail = json!({"change": reference, "candidates": ids,
                            "why": "after the merge these candidates are linked to one \
                                    researcher; nothing was merged: an owner keeps one"});
                        audit(
                            &mut tx,
                            ACTOR,
                            "candidate.duplicate_researcher",
                            Some(ids[0]),
                            detail,
                        )
                        .await?;
                        report.duplicates.push((new.to_string(), ids));
                    }
                }
                (kind, new) => {
                    let (action, note) = match (kind, new) {
                        (KeyChangeKind::SplitOff, Some(new)) => (
                            "candidate.researcher_split",
                            format!(
                                "{when}: the corpus split {n} paper mention(s) of {old} off to \
                                 another researcher, {new}; check that this candidate is linked \
                                 to the right person"
                            ),
                        ),
                        _ => (
                            "candidate.researcher_retired",
                            format!(
                                "{when}: the corpus retired researcher key {old} (none of its \
                                 papers remain); link this candidate again"
                            ),
                        ),
                    };
                    for (id, current) in &holders {
                        set_note(&mut tx.tx, *id, current.as_deref(), &note, now).await?;
                        let detail =
                            json!({"change": reference, "kind": kind.as_str(), "mentions": n});
                        audit(&mut tx, ACTOR, action, Some(*id), detail).await?;
                        report.flagged.push(*id);
                    }
                }
            }
            sqlx::query("INSERT INTO key_changes_applied (change_ref, applied_at) VALUES ($1, $2)")
                .bind(&reference)
                .bind(now)
                .execute(&mut *tx.tx)
                .await?;
            tx.commit().await?;
            report.changes_applied += 1;
        }
        Ok(report)
    }
}

/// The candidates (not erased) linked to `key`, by id.
async fn holders_of(conn: &mut AnyConnection, key: &str) -> Result<Vec<Holder>> {
    Ok(sqlx::query_as(
        "SELECT id, identity_note FROM candidates \
         WHERE researcher_key = $1 AND erased_at IS NULL ORDER BY id",
    )
    .bind(key)
    .fetch_all(&mut *conn)
    .await?)
}

/// Adds `line` to a candidate's identity note (the newest lines kept within [`MAX_NOTE`]).
async fn set_note(
    conn: &mut AnyConnection,
    id: i64,
    current: Option<&str>,
    line: &str,
    now: i64,
) -> Result<()> {
    let mut note = match current {
        Some(c) if !c.is_empty() => format!("{c}\n{line}"),
        _ => line.to_string(),
    };
    while note.chars().count() > MAX_NOTE {
        match note.find('\n') {
            Some(i) => {
                note.drain(..=i);
            }
            None => note = note.chars().take(MAX_NOTE).collect(),
        }
    }
    sqlx::query("UPDATE candidates SET identity_note = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(note)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
