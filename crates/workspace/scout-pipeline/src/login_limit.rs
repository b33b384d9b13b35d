//! Failed logins in the database, for the login rate limiter: one row per failure and key
//! (the server uses the client address, the pair of address and user name, the user name and one
//! global key; `scout_server::auth` decides which keys block and which only slow) in a sliding
//! window. Because the rows live in the pipeline
//! database, a restarted server remembers them and every server on one database shares one
//! budget. Keys are stored as SHA-256 hashes, so the table never holds an attempted user name
//! (people type passwords into name fields) in the clear.
//!
//! The table stays small: a blocked key records nothing more, rows older than the window are
//! pruned on every failure, and a cap on the row count (by id, the newest kept) bounds it under
//! a flood of distinct keys — at the price that such a flood can push out older failures.

use crate::db::Dialect;
use crate::error::Result;
use crate::secret::token_hash;
use crate::store::Store;

/// The limiter's settings.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    /// Failures allowed per key within `window_ms`; the next attempt is refused.
    pub max_failures: u32,
    pub window_ms: i64,
    /// Most rows kept (the newest win).
    pub max_rows: i64,
}

impl LoginLimits {
    pub fn new(max_failures: u32, window_ms: i64) -> LoginLimits {
        LoginLimits {
            max_failures: max_failures.max(1),
            window_ms: window_ms.max(1),
            max_rows: 100_000,
        }
    }
}

/// Rows deleted per statement when pruning, so one login never does unbounded work.
const PRUNE_BATCH: i64 = 1000;

macro_rules! prune_sql {
    ($cond:literal, $order:literal, $lock:literal) => {
        concat!(
            "DELETE FROM login_failures WHERE id IN (SELECT id FROM login_failures WHERE ",
            $cond,
            " ORDER BY ",
            $order,
            " LIMIT $2",
            $lock,
            ")"
        )
    };
}
// Each prune walks an index (`at`, the primary key), never the whole table.
const PRUNE_OLD: &str = prune_sql!("at <= $1", "at", "");
const PRUNE_OLD_PG: &str = prune_sql!("at <= $1", "at", " FOR UPDATE SKIP LOCKED");
const PRUNE_OVER_CAP: &str =
    prune_sql!("id <= (SELECT MAX(id) FROM login_failures) - $1", "id", "");
const PRUNE_OVER_CAP_PG: &str = prune_sql!(
    "id <= (SELECT MAX(id) FROM login_failures) - $1",
    "id",
    " FOR UPDATE SKIP LOCKED"
);

impl Store {
    /// Milliseconds until `keys` may try again, if any of them has `max_failures` failures
    /// within the window ending at `now`: one indexed query per key reading at most
    /// `max_failures` rows.
    pub async fn login_blocked(
        &self,
        keys: &[&str],
        limits: &LoginLimits,
        now: i64,
    ) -> Result<Option<i64>> {
        let max = i64::from(limits.max_failures);
        let mut wait: Option<i64> = None;
        for key in keys {
            let times: Vec<i64> = sqlx::query_scalar(
                "SELECT at FROM login_failures WHERE key_hash = $1 AND at > $2 \
                 ORDER BY at DESC LIMIT $3",
            )
            .bind(token_hash(key))
            .bind(now - limits.window_ms)
            .bind(max)
            .fetch_all(&self.db().pool)
            .await?;
            // Blocked until the max-th newest failure (the last row read) leaves the window.
            if let Some(oldest) = times.last().filter(|_| times.len() as i64 >= max) {
                let w = (oldest + limits.window_ms - now).max(1);
                wait = Some(wait.map_or(w, |x| x.max(w)));
            }
        }
        Ok(wait)
    }

    /// Records one failure for each key, prunes rows older than the window and enforces the
    /// row cap.
    pub async fn login_failed(&self, keys: &[&str], limits: &LoginLimits, now: i64) -> Result<()> {
        let mut tx = self.db().begin_write().await?;
        for key in keys {
            sqlx::query("INSERT INTO login_failures (key_hash, at) VALUES ($1, $2)")
                .bind(token_hash(key))
                .bind(now)
                .execute(&mut *tx.tx)
                .await?;
        }
        // Another server pruning the same rows is skipped, not waited for (PostgreSQL).
        let (old, over_cap) = match tx.dialect {
            Dialect::Sqlite => (PRUNE_OLD, PRUNE_OVER_CAP),
            Dialect::Postgres => (PRUNE_OLD_PG, PRUNE_OVER_CAP_PG),
        };
        sqlx::query(old)
            .bind(now - limits.window_ms)
            .bind(PRUNE_BATCH)
            .execute(&mut *tx.tx)
            .await?;
        sqlx::query(over_cap)
            .bind(limits.max_rows.max(1))
            .bind(PRUNE_BATCH)
            .execute(&mut *tx.tx)
            .await?;
        tx.commit().await
    }

    /// Forgets the failures of `key` (a successful login clears its user name). The usual case,
    /// no failures, costs one indexed read and no write.
    pub async fn login_succeeded(&self, key: &str) -> Result<()> {
        let any: Option<i64> =
            sqlx::query_scalar("SELECT id FROM login_failures WHERE key_hash = $1 LIMIT 1")
                .bind(token_hash(key))
                .fetch_optional(&self.db().pool)
                .await?;
        if any.is_none() {
            return Ok(());
        }
        let mut tx = self.db().begin_write().await?;
        sqlx::query("DELETE FROM login_failures WHERE key_hash = $1")
            .bind(token_hash(key))
            .execute(&mut *tx.tx)
            .await?;
        tx.commit().await
    }

    /// How many failure rows are stored (for tests and diagnostics).
    pub async fn login_failure_rows(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM login_failures")
            .fetch_one(&self.db().pool)
            .await?)
    }
}
