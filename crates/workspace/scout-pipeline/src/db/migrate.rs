//! Schema migrations: sqlx's migrator over `migrations/<dialect>/NNNN_name.sql` (one
//! [`Migrator`] per dialect, embedded at build time by `sqlx::migrate!`), recorded in sqlx's
//! `_sqlx_migrations` table with each file's checksum — an edited, already-applied migration is
//! refused by sqlx.
//!
//! Around sqlx, all inside ONE write transaction (SQLite `BEGIN IMMEDIATE`, so another process
//! waits; sqlx runs each migration in a savepoint of it), so an open either applies everything
//! pending or nothing:
//! - **Lock** (PostgreSQL): a transaction-scoped advisory lock, so two servers starting at once
//!   do not both apply a migration; it ends with the transaction, even on failure. (sqlx's own
//!   lock is session-scoped and would outlive a failed open on a pooled connection.)
//! - **Takeover**: databases made before sqlx's migrator (builds up to bed6bf3) record their
//!   versions in `pipeline_migrations (version, name, applied_at)`. The first open records
//!   those versions in `_sqlx_migrations` without running them (sqlx's `skip`, which stores the
//!   checksums of the embedded files), keeps their `applied_at` as `installed_on`, and drops
//!   `pipeline_migrations`, so there is one record. Only the newer migrations then run.
//! - **Rust steps**: sqlx runs SQL only; migration 0005 is followed by
//!   `store::redact_tag_text` in the same transaction ([`rust_step`]), as before.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use sqlx::migrate::{Migrate, MigrateError, Migrator};

use super::{Dialect, WriteTx};
use crate::error::{Error, Result};

/// The SQLite migrations.
static SQLITE: LazyLock<Migrator> =
    LazyLock::new(|| unlocked(sqlx::migrate!("./migrations/sqlite")));
/// The PostgreSQL migrations (the same numbered files as [`SQLITE`]).
static POSTGRES: LazyLock<Migrator> =
    LazyLock::new(|| unlocked(sqlx::migrate!("./migrations/postgres")));

/// A migrator without sqlx's session-scoped lock: [`run`] holds a transaction-scoped one.
fn unlocked(mut migrator: Migrator) -> Migrator {
    migrator.set_locking(false);
    migrator
}

/// sqlx's record of applied migrations.
const TABLE: &str = "_sqlx_migrations";
/// The record kept by the hand-written runner before sqlx's migrator took over.
pub(super) const LEGACY_TABLE: &str = "pipeline_migrations";

/// The key of the advisory lock that serialises migrations on one PostgreSQL server.
const PG_LOCK_KEY: i64 = 0x5C07_0001;

/// Migrations followed by a Rust step ([`rust_step`]), in order.
const RUST_STEPS: &[i64] = &[5];

/// The migrator of a dialect.
pub(super) fn migrator(dialect: Dialect) -> &'static Migrator {
    match dialect {
        Dialect::Sqlite => &SQLITE,
        Dialect::Postgres => &POSTGRES,
    }
}

/// The newest migration version known to this build.
pub(super) fn latest_version() -> i64 {
    SQLITE.iter().map(|m| m.version).max().unwrap_or(0)
}

/// The Rust step that follows migration `version`, run in its transaction.
async fn rust_step(version: i64, tx: &mut WriteTx<'_>) -> Result<()> {
    if version == 5 {
        // Redacts tag text that earlier builds wrote into the audit log (issue 18).
        crate::store::redact_tag_text(tx).await?;
    }
    Ok(())
}

/// Takes over the earlier runner's record if there is one, then applies the pending
/// migrations (and their Rust steps), all in `tx`. The caller commits.
pub(super) async fn run(tx: &mut WriteTx<'_>, db: &str) -> Result<()> {
    let dialect = tx.dialect;
    let migrator = migrator(dialect);
    if dialect == Dialect::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(PG_LOCK_KEY)
            .execute(&mut *tx.tx)
            .await?;
    }
    let conn = &mut *tx.tx;
    conn.ensure_migrations_table(TABLE)
        .await
        .map_err(|e| migrate_error(e, db))?;
    if table_exists(tx, LEGACY_TABLE).await? {
        take_over(tx, migrator, db).await?;
    }
    let applied: BTreeSet<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
        .fetch_all(&mut *tx.tx)
        .await?
        .into_iter()
        .collect();
    for &version in RUST_STEPS {
        migrator
            .run_to(version, &mut *tx.tx)
            .await
            .map_err(|e| migrate_error(e, db))?;
        if !applied.contains(&version) {
            rust_step(version, tx).await?;
        }
    }
    migrator
        .run(&mut *tx.tx)
        .await
        .map_err(|e| migrate_error(e, db))
}

/// Records the versions of `pipeline_migrations` in `_sqlx_migrations` (without running them)
/// and drops `pipeline_migrations`. Its versions must be 1..=n of this build's migrations —
/// the old runner applied them in order, in one transaction.
async fn take_over(tx: &mut WriteTx<'_>, migrator: &Migrator, db: &str) -> Result<()> {
    let recorded: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&mut *tx.tx)
        .await?;
    let legacy: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM pipeline_migrations ORDER BY version")
            .fetch_all(&mut *tx.tx)
            .await?;
    let newest = legacy.last().copied().unwrap_or(0);
    let contiguous = legacy.iter().copied().eq(1..=newest);
    if recorded > 0 || !contiguous || newest > latest_version() {
        return Err(Error::Unusable {
            db: db.to_string(),
            reason: format!(
                "cannot take over its migration record: pipeline_migrations lists versions \
                 {legacy:?} (this build knows 1..={}) and _sqlx_migrations has {recorded} rows",
                latest_version()
            ),
        });
    }
    if newest > 0 {
        migrator
            .skip(&mut *tx.tx, Some(newest))
            .await
            .map_err(|e| migrate_error(e, db))?;
        let installed_on = match tx.dialect {
            Dialect::Sqlite => "datetime(p.applied_at / 1000, 'unixepoch')",
            Dialect::Postgres => "to_timestamp(p.applied_at / 1000.0)",
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE _sqlx_migrations SET installed_on = (SELECT {installed_on} \
             FROM pipeline_migrations p WHERE p.version = _sqlx_migrations.version)"
        )))
        .execute(&mut *tx.tx)
        .await?;
    }
    sqlx::query("DROP TABLE pipeline_migrations")
        .execute(&mut *tx.tx)
        .await?;
    Ok(())
}

/// Whether `table` exists in the database (PostgreSQL: in the current schema).
async fn table_exists(tx: &mut WriteTx<'_>, table: &str) -> Result<bool> {
    let sql = match tx.dialect {
        Dialect::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
        Dialect::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = $1 \
             AND table_schema = current_schema()"
        }
    };
    let n: i64 = sqlx::query_scalar(sql)
        .bind(table)
        .fetch_one(&mut *tx.tx)
        .await?;
    Ok(n > 0)
}

/// sqlx's migration errors, with the two that mean "not this build's database" explained.
fn migrate_error(e: MigrateError, db: &str) -> Error {
    let reason = match &e {
        MigrateError::VersionMissing(v) => format!(
            "migration {v} was applied by a newer Scout build (this one knows 1..={}); \
             run the newer build or restore a backup",
            latest_version()
        ),
        MigrateError::VersionMismatch(v) => format!(
            "migration {v} recorded in _sqlx_migrations differs from this build's — a database \
             of something else, or an edited migration file"
        ),
        _ => return Error::Migrate(e),
    };
    Error::Unusable {
        db: db.to_string(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_dialects_have_the_same_numbered_migrations() {
        let names = |m: &Migrator| {
            m.iter()
                .map(|m| (m.version, m.description.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&SQLITE), names(&POSTGRES));
        let versions: Vec<i64> = SQLITE.iter().map(|m| m.version).collect();
        let expected: Vec<i64> = (1..=latest_version()).collect();
        assert_eq!(versions, expected);
        assert!(RUST_STEPS.iter().all(|v| versions.contains(v)));
    }
}
