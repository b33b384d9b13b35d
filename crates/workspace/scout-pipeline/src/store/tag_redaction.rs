//! Migration 0005's Rust step (`db::migrate`): the tag text that earlier builds wrote into the
//! audit log is redacted and the redacted entries listed in one `audit.redact` entry (issue 18;
//! see `erasure` for how tags are logged now). A leaf of the store, so the migrations can call
//! it without importing the store that opens the database.

use serde_json::{Value, json};
use sqlx::Row;

use super::audit_log::audit;
use crate::audit::{REDACT_ACTION, REDACTED_DETAIL, Redaction, fields_hash};
use crate::db::{Dialect, WriteTx};
use crate::error::Result;

/// Lifting and restoring the trigger that refuses UPDATE on `audit_log` (migration 0001), per
/// dialect: the redaction is the one UPDATE the log ever sees, inside the migration's
/// transaction, so no other writer can slip in while the trigger is gone.
const TRIGGER_OFF: [&str; 2] = [
    "DROP TRIGGER audit_log_no_update",
    "DROP TRIGGER audit_log_no_update ON audit_log",
];
const TRIGGER_ON: [&str; 2] = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log \
     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log \
     FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
];

/// Migration 0005's step: redacts the tag text of earlier tag entries and lists them in one
/// `audit.redact` entry. Returns how many entries were redacted.
pub(crate) async fn redact_tag_text(tx: &mut WriteTx<'_>) -> Result<usize> {
    let dialect = usize::from(tx.dialect == Dialect::Postgres);
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, candidate_id, detail, hash FROM audit_log \
         WHERE action IN ('candidate.tag_add', 'candidate.tag_remove') ORDER BY seq",
    )
    .fetch_all(&mut *tx.tx)
    .await?;
    let mut listed = Vec::new();
    for r in &rows {
        let detail: String = r.try_get("detail")?;
        let has_text = serde_json::from_str::<Value>(&detail)
            .ok()
            .is_some_and(|v| v.get("tag").is_some());
        if !has_text {
            continue;
        }
        let seq: i64 = r.try_get("seq")?;
        if listed.is_empty() {
            sqlx::raw_sql(TRIGGER_OFF[dialect])
                .execute(&mut *tx.tx)
                .await?;
        }
        listed.push(Redaction {
            seq,
            hash: r.try_get("hash")?,
            fields: fields_hash(
                seq,
                r.try_get("at")?,
                &r.try_get::<String, _>("actor")?,
                &r.try_get::<String, _>("action")?,
                r.try_get("candidate_id")?,
            ),
        });
        sqlx::query("UPDATE audit_log SET detail = $2 WHERE seq = $1")
            .bind(seq)
            .bind(REDACTED_DETAIL)
            .execute(&mut *tx.tx)
            .await?;
    }
    if !listed.is_empty() {
        sqlx::raw_sql(TRIGGER_ON[dialect])
            .execute(&mut *tx.tx)
            .await?;
        audit(
            tx,
            "system:migration-0005",
            REDACT_ACTION,
            None,
            json!({
                "reason": "tag text is personal data; entries keep their hashes (issue 18)",
                "entries": listed,
            }),
        )
        .await?;
    }
    Ok(listed.len())
}
