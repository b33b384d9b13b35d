//! The hash-chained append to `audit_log` that ends every audited transaction
//! (`Store::audited`) and migration 0005's redaction (`tag_redaction`). A leaf: it needs only
//! the transaction, not the store.

use serde_json::Value;
use sqlx::Row;

use crate::audit::{GENESIS, entry_hash};
use crate::db::{Dialect, WriteTx};
use crate::error::Result;
use crate::time::now_ms;

/// Appends one audit entry inside `tx`.
pub(crate) async fn audit(
    tx: &mut WriteTx<'_>,
    actor: &str,
    action: &str,
    candidate_id: Option<i64>,
    detail: Value,
) -> Result<()> {
    if tx.dialect == Dialect::Postgres {
        // Concurrent transactions must append one after the other.
        sqlx::query("LOCK TABLE audit_log IN EXCLUSIVE MODE")
            .execute(&mut *tx.tx)
            .await?;
    }
    let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *tx.tx)
        .await?;
    let (seq, prev) = match last {
        Some(row) => (
            row.try_get::<i64, _>("seq")? + 1,
            row.try_get::<String, _>("hash")?,
        ),
        None => (1, GENESIS.to_string()),
    };
    let at = now_ms();
    let detail = detail.to_string();
    let hash = entry_hash(&prev, seq, at, actor, action, candidate_id, &detail);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, candidate_id, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(seq)
    .bind(at)
    .bind(actor)
    .bind(action)
    .bind(candidate_id)
    .bind(detail)
    .bind(prev)
    .bind(hash)
    .execute(&mut *tx.tx)
    .await?;
    Ok(())
}
