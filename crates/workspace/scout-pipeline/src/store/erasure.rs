//! Erasure that erases (issue 18): a person's data deleted or blanked in one audited
//! transaction, the freed bytes overwritten, export files with the person removed by the server,
//! audit entries that never carry free text about a person, and an erasure ledger outside the
//! database so that restoring an older backup cannot bring an erased person back.
//!
//! * **Freed bytes.** SQLite runs with `secure_delete` (deleted cells and pages are zeroed), and
//!   after an erasure the store runs `VACUUM` (rewriting the file drops residue of rows changed
//!   before `secure_delete` was on) and a truncating WAL checkpoint (the WAL's old frames go).
//!   PostgreSQL has no `secure_delete`: deleted tuples stay in the table's pages until a
//!   `VACUUM` makes the space reusable and new rows overwrite it, and in WAL segments, archives
//!   and base backups until those expire. The store runs a plain `VACUUM` on the tables an
//!   erasure touched; only `VACUUM FULL` (an exclusive lock, an operator's decision) rewrites the
//!   files — docs/pipeline.md says what is guaranteed where.
//! * **Audit log.** Tags are logged as a keyed hash (HMAC under a random per-candidate key in
//!   `candidate_audit_keys`); erasure deletes the key. Migration 0005 redacts the tag text of
//!   entries written before (`tag_redaction`; see `audit` for how `audit verify` accepts them).
//! * **Ledger.** Every erasure appends `{"candidate_id", "created_at", "erased_at"}` (no
//!   personal data) to a JSON Lines file beside the SQLite database (`<db>.erasures.jsonl`) or
//!   where `StoreConfig::erasure_ledger` says (PostgreSQL). `Store::open` re-applies every listed
//!   erasure that the database does not show — after a backup is restored — before anything
//!   else can read it. The line is written and synced before the erasure commits.

use serde_json::{Value, json};
use sqlx::Row;

use super::audited::Entry;
use super::handle::Store;
use super::ledger::append_ledger;
pub use super::ledger::{LedgerEntry, read_ledger};
use super::load::load_candidate;
use crate::db::{Dialect, WriteTx};
use crate::error::{Error, Result};
use crate::model::Actor;
use crate::time::now_ms;

/// What an erasure removed.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct ErasureReport {
    pub candidate_id: i64,
    pub notes_removed: i64,
    pub messages_removed: i64,
    pub meetings_removed: i64,
    pub tags_removed: i64,
    pub scorecards_removed: i64,
    /// The employer an owner had set for the candidate's researcher (0 or 1).
    pub set_employers_removed: i64,
    /// Records an owner had merged into this one, erased with it (their rows are counted
    /// in the fields above).
    pub merged_records_erased: Vec<i64>,
    /// Saved board views that pinned the candidate (the pin goes, the view stays).
    pub view_pins_removed: i64,
    /// Saved board views whose text filter named the candidate: the filter is cleared.
    pub view_filters_cleared: i64,
    /// Members' watches on the candidate's researcher, removed with their seen items.
    pub watches_removed: i64,
    /// The move radar's alerts on the candidate's researcher.
    pub alerts_removed: i64,
}

/// The candidate's audit key, created on first use.
async fn candidate_audit_key(tx: &mut WriteTx<'_>, id: i64) -> Result<String> {
    let key: Option<String> =
        sqlx::query_scalar("SELECT audit_key FROM candidate_audit_keys WHERE candidate_id = $1")
            .bind(id)
            .fetch_optional(&mut *tx.tx)
            .await?;
    if let Some(k) = key {
        return Ok(k);
    }
    let k = crate::secret::random_token("")?;
    sqlx::query("INSERT INTO candidate_audit_keys (candidate_id, audit_key) VALUES ($1, $2)")
        .bind(id)
        .bind(&k)
        .execute(&mut *tx.tx)
        .await?;
    Ok(k)
}

/// How a tag appears in the audit log: its keyed hash under the candidate's key (equal tags on
/// one candidate hash equally; after erasure nothing links a hash to a text).
pub(crate) async fn tag_audit_detail(tx: &mut WriteTx<'_>, id: i64, tag: &str) -> Result<Value> {
    let key = candidate_audit_key(tx, id).await?;
    Ok(json!({"tag_hash": crate::secret::keyed_hash(&key, tag)}))
}

/// Deletes and blanks one candidate's data inside `tx`; the caller audits and commits.
async fn erase_rows(tx: &mut WriteTx<'_>, id: i64, now: i64) -> Result<ErasureReport> {
    let key: Option<String> =
        sqlx::query_scalar("SELECT researcher_key FROM candidates WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx.tx)
            .await?;
    let set_employers_removed = match key.as_deref() {
        Some(k) => super::employers::erase_set_employer(&mut tx.tx, k).await?,
        None => 0,
    };
    let (watches_removed, alerts_removed) = match key.as_deref() {
        Some(k) => super::watches::erase_watches(&mut tx.tx, k).await?,
        None => (0, 0),
    };
    let view_pins_removed = super::views::erase_view_pins(&mut tx.tx, id).await?;
    let view_filters_cleared = super::views::erase_view_text(&mut tx.tx, id).await?;
    // Rows changed per statement, in this order.
    const STATEMENTS: [&str; 9] = [
        "DELETE FROM notes WHERE candidate_id = $1",
        "DELETE FROM messages WHERE candidate_id = $1",
        "DELETE FROM meetings WHERE candidate_id = $1",
        "DELETE FROM candidate_tags WHERE candidate_id = $1",
        "DELETE FROM candidate_audit_keys WHERE candidate_id = $1",
        "UPDATE stage_history SET reason = NULL WHERE candidate_id = $1",
        "UPDATE offers SET note = NULL WHERE candidate_id = $1",
        "UPDATE counteroffers SET note = NULL WHERE candidate_id = $1",
        "DELETE FROM scorecards WHERE candidate_id = $1",
    ];
    let mut changed = [0_i64; 9];
    for (sql, n) in STATEMENTS.iter().zip(changed.iter_mut()) {
        let rows = sqlx::query(*sql)
            .bind(id)
            .execute(&mut *tx.tx)
            .await?
            .rows_affected();
        *n = i64::try_from(rows).unwrap_or(i64::MAX);
    }
    sqlx::query(
        "UPDATE candidates SET name = $2, email = NULL, researcher_key = NULL, \
         identity_note = NULL, career_stage = NULL, erased_at = $3, updated_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(format!("[erased #{id}]"))
    .bind(now)
    .execute(&mut *tx.tx)
    .await?;
    Ok(ErasureReport {
        candidate_id: id,
        notes_removed: changed[0],
        messages_removed: changed[1],
        meetings_removed: changed[2],
        tags_removed: changed[3],
        scorecards_removed: changed[8],
        set_employers_removed,
        merged_records_erased: Vec::new(),
        view_pins_removed,
        view_filters_cleared,
        watches_removed,
        alerts_removed,
    })
}

impl Store {
    /// Erases a person's data on request, with every record merged into theirs: notes, messages,
    /// meetings, scorecards, tags, saved views' pins and the audit key are deleted; the name, e-mail, and researcher link are blanked (the source organisation stays, for analytics), free-text
    /// reasons and offer notes cleared. The stage history and offer figures stay (anonymous)
    /// for analytics. The ledger line is synced before the commit; freed bytes are overwritten
    /// after it (see the module documentation).
    pub async fn erase_candidate(&self, actor: &Actor, id: i64) -> Result<ErasureReport> {
        let report = self
            .audited(&actor.name, async |tx| {
                let candidate = load_candidate(&mut tx.tx, id, false).await?;
                let now = now_ms();
                let mut report = erase_rows(tx, id, now).await?;
                let mut ledger = vec![LedgerEntry {
                    candidate_id: id,
                    created_at: candidate.created_at,
                    erased_at: now,
                }];
                for merged in super::merge::merged_records(&mut tx.tx, id).await? {
                    let created_at: i64 =
                        sqlx::query_scalar("SELECT created_at FROM candidates WHERE id = $1")
                            .bind(merged)
                            .fetch_one(&mut *tx.tx)
                            .await?;
                    let more = erase_rows(tx, merged, now).await?;
                    report.notes_removed += more.notes_removed;
                    report.messages_removed += more.messages_removed;
                    report.meetings_removed += more.meetings_removed;
                    report.tags_removed += more.tags_removed;
                    report.scorecards_removed += more.scorecards_removed;
                    report.view_pins_removed += more.view_pins_removed;
                    report.view_filters_cleared += more.view_filters_cleared;
                    report.watches_removed += more.watches_removed;
                    report.alerts_removed += more.alerts_removed;
                    report.merged_records_erased.push(merged);
                    ledger.push(LedgerEntry {
                        candidate_id: merged,
                        created_at,
                        erased_at: now,
                    });
                }
                let detail =
                    serde_json::to_value(&report).map_err(|e| Error::Invalid(e.to_string()))?;
                // Synced before the commit: a crash after it re-applies the erasure on open.
                if let Some(path) = self.ledger() {
                    for entry in &ledger {
                        append_ledger(path, entry)?;
                    }
                }
                Ok((report, Entry::new("candidate.erase", Some(id), detail)))
            })
            .await?;
        self.overwrite_freed().await;
        Ok(report)
    }

    /// Re-applies every ledger erasure the database does not show (a restored older backup).
    /// Returns the candidates erased again.
    pub async fn reapply_erasures(&self) -> Result<Vec<i64>> {
        let Some(path) = self.ledger() else {
            return Ok(Vec::new());
        };
        let mut again = Vec::new();
        for e in read_ledger(path)? {
            let erased = self
                .audited("system:erasure-ledger", async |tx| {
                    let row =
                        sqlx::query("SELECT created_at, erased_at FROM candidates WHERE id = $1")
                            .bind(e.candidate_id)
                            .fetch_optional(&mut *tx.tx)
                            .await?;
                    let pending = match row {
                        Some(r) => {
                            r.try_get::<i64, _>("created_at")? == e.created_at
                                && r.try_get::<Option<i64>, _>("erased_at")?.is_none()
                        }
                        None => false,
                    };
                    if !pending {
                        return Ok((false, None));
                    }
                    let report = erase_rows(tx, e.candidate_id, e.erased_at).await?;
                    let detail = json!({"reapplied": true, "first_erased_at": crate::time::rfc3339(e.erased_at), "report": report});
                    let entry = Entry::new("candidate.erase", Some(e.candidate_id), detail);
                    Ok((true, Some(entry)))
                })
                .await?;
            if erased {
                again.push(e.candidate_id);
            }
        }
        if !again.is_empty() {
            self.overwrite_freed().await;
        }
        Ok(again)
    }

    /// Overwrites freed space after an erasure (best effort: a failure is logged, the erasure
    /// itself is committed).
    async fn overwrite_freed(&self) {
        let statements: &[&str] = match self.db().dialect() {
            Dialect::Sqlite => &["VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"],
            Dialect::Postgres => &[
                "VACUUM notes, messages, meetings, candidate_tags, candidate_audit_keys, \
                 candidates, stage_history, offers, counteroffers, saved_view_candidates, \
                 watches, watch_seen, alerts, alert_reads",
            ],
        };
        for sql in statements {
            if let Err(e) = self.db().exclusive(sql).await {
                eprintln!("warning: after an erasure, {sql} failed: {e}");
            }
        }
    }
}
