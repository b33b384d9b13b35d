//! Failed logins in the database, for the login rate limiter: one row per failure and key
//! (client address, user name) in a sliding window. Because the rows live in the pipeline
//! database, a restarted server remembers them and every server on one database shares one
//! budget. Keys are stored as SHA-256 hashes, so the table never holds an attempted user name
//! (people type passwords into name fields) in the clear.
//!
//! The table stays small: a blocked key records nothing more, rows older than the window are
//! pruned on every failure, and a cap on the row count (by id, the newest kept) bounds it under
//! a flood of distinct keys — at the price that such a flood can push out older failures.

use sqlx::Row;

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
    /// Milliseconds until `keys` may try again, if any of them is blocked at `now`: one
    /// indexed query reading at most `max_failures` rows per key.
    pub async fn login_blocked(
        &self,
        keys: [&str; 2],
        limits: &LoginLimits,
        now: i64,
    ) -> Result<Option<i64>> {
        let max = i64::from(limits.max_failures);
        let rows = sqlx::query(
            "SELECT k, at FROM (SELECT CAST(0 AS BIGINT) AS k, at FROM login_failures WHERE key_hash = $1 AND at > $3 \
             ORDER BY at DESC LIMIT $4) AS a \
             UNION ALL SELECT k, at FROM (SELECT CAST(1 AS BIGINT) AS k, at FROM login_failures WHERE key_hash = $2 \
             AND at > $3 ORDER BY at DESC LIMIT $4) AS b",
        )
        .bind(token_hash(keys[0]))
        .bind(token_hash(keys[1]))
        .bind(now - limits.window_ms)
        .bind(max)
        .fetch_all(&self.db().pool)
        .await?;
        let mut wait: Option<i64> = None;
        for k in 0..2_i64 {
            let mut times: Vec<i64> = rows
                .iter()
                .filter(|r| r.try_get::<i64, _>("k").ok() == Some(k))
                .filter_map(|r| r.try_get::<i64, _>("at").ok())
                .collect();
            if times.len() as i64 >= max {
                // Blocked until the max-th newest failure leaves the window.
                times.sort_unstable_by(|a, b| b.cmp(a));
                let until = times[times.len().min(max as usize) - 1] + limits.window_ms;
                let w = (until - now).max(1);
                wait = Some(wait.map_or(w, |x| x.max(w)));
            }
        }
        Ok(wait)
    }

    /// Records one failure for each key, prunes rows older than the window and enforces the
    /// row cap.
    pub async fn login_failed(
        &self,
        keys: [&str; 2],
        limits: &LoginLimits,
        now: i64,
    ) -> Result<()> {
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
