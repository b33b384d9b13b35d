//! The audited transaction every operation runs in (`Store::audited`), ending with the
//! hash-chained append to `audit_log` (`audit_log`), and reading and verifying that log.

use serde_json::{Value, json};
use sqlx::AnyConnection;

use super::audit_log::audit;
use super::handle::Store;
use super::load::load_candidate;
use crate::audit::{AuditEntry, REDACT_ACTION, Redaction, Verifier, VerifyReport};
use crate::db::WriteTx;
use crate::error::Result;
use crate::model::Actor;

/// The audit entry an operation appends: what was done, to which candidate, and the detail.
pub(crate) struct Entry<'a> {
    action: &'a str,
    candidate_id: Option<i64>,
    detail: Value,
}

impl<'a> Entry<'a> {
    pub(crate) fn new(action: &'a str, candidate_id: Option<i64>, detail: Value) -> Entry<'a> {
        Entry {
            action,
            candidate_id,
            detail,
        }
    }
}

impl Store {
    /// Runs one audited transaction: begins a write, runs `act`, appends the audit entry it
    /// returns (none when it returns `None`) as `actor`, and commits. An error from `act` or the
    /// audit rolls everything back, so nothing is half-written and nothing happens unaudited.
    pub(crate) async fn audited<'e, T, A>(
        &self,
        actor: &str,
        act: impl AsyncFnOnce(&mut WriteTx<'_>) -> Result<(T, A)>,
    ) -> Result<T>
    where
        A: Into<Option<Entry<'e>>>,
    {
        let mut tx = self.db.begin_write().await?;
        let (out, entry) = act(&mut tx).await?;
        if let Some(e) = entry.into() {
            audit(&mut tx, actor, e.action, e.candidate_id, e.detail).await?;
        }
        tx.commit().await?;
        Ok(out)
    }

    /// An audited insert of one record of a (not erased) candidate: `insert` returns the new
    /// row's id, and the entry is `action` on the candidate with the id under `key`.
    pub(super) async fn candidate_insert(
        &self,
        actor: &Actor,
        id: i64,
        action: &str,
        key: &str,
        insert: impl AsyncFnOnce(&mut AnyConnection) -> Result<i64>,
    ) -> Result<i64> {
        self.audited(&actor.name, async |tx| {
            load_candidate(&mut tx.tx, id, false).await?;
            let new_id = insert(&mut tx.tx).await?;
            let detail = Value::Object(
                [(key.to_string(), Value::from(new_id))]
                    .into_iter()
                    .collect(),
            );
            Ok((new_id, Entry::new(action, Some(id), detail)))
        })
        .await
    }

    /// An audited read of one (not erased) candidate's records: `read` runs after the candidate
    /// is checked, and the entry is `action` on the candidate with an empty detail.
    pub(super) async fn candidate_read<T>(
        &self,
        actor: &Actor,
        id: i64,
        action: &str,
        read: impl AsyncFnOnce(&mut AnyConnection, i64) -> Result<T>,
    ) -> Result<T> {
        self.audited(&actor.name, async |tx| {
            load_candidate(&mut tx.tx, id, false).await?;
            Ok((
                read(&mut tx.tx, id).await?,
                Entry::new(action, Some(id), json!({})),
            ))
        })
        .await
    }
}

impl Store {
    /// Audit entries with `seq > after`, oldest first.
    pub async fn audit_entries(&self, after: i64, limit: i64) -> Result<Vec<AuditEntry>> {
        Ok(sqlx::query_as(
            "SELECT seq, at, actor, action, candidate_id, detail, prev_hash, hash FROM audit_log \
             WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(limit.clamp(1, 10_000))
        .fetch_all(&self.db.pool)
        .await?)
    }

    /// Walks the whole chain in pages.
    pub async fn verify_audit(&self) -> Result<VerifyReport> {
        let mut v = Verifier::with_redactions(listed_redactions(self).await?);
        let mut after = 0;
        loop {
            let page = self.audit_entries(after, 5000).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            page.iter().for_each(|e| v.push(e));
        }
        Ok(v.finish())
    }

    /// Appends an audit entry for something done outside a store operation (e.g. a backup).
    pub async fn record(&self, actor: &str, action: &str, detail: Value) -> Result<()> {
        self.audited(actor, async |_| Ok(((), Entry::new(action, None, detail))))
            .await
    }
}

/// The redactions listed by the chain's `audit.redact` entries (a listing that does not parse
/// lists nothing, so its entries fail verification).
async fn listed_redactions(store: &Store) -> Result<Vec<Redaction>> {
    let details: Vec<String> =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = $1 ORDER BY seq")
            .bind(REDACT_ACTION)
            .fetch_all(&store.db().pool)
            .await?;
    Ok(details
        .iter()
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .filter_map(|v| serde_json::from_value::<Vec<Redaction>>(v["entries"].clone()).ok())
        .flatten()
        .collect())
}
