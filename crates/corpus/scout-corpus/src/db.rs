//! Opening the SQLite file: connection settings and schema migrations.
//!
//! Migrations are numbered SQL files applied in order inside one transaction each; the
//! schema version lives in `PRAGMA user_version`, so an old database is upgraded in place and a
//! database from a newer scout is refused rather than misread.

use std::path::Path;

use rusqlite::Connection;

use crate::error::{CorpusError, Result};

/// `(version, sql)`, in order. Append only: a released migration never changes.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_corpus.sql")),
    (2, include_str!("../migrations/0002_network.sql")),
    (3, include_str!("../migrations/0003_citations.sql")),
    (4, include_str!("../migrations/0004_facts.sql")),
    (5, include_str!("../migrations/0005_key_log.sql")),
    (6, include_str!("../migrations/0006_incremental.sql")),
    (7, include_str!("../migrations/0007_semantic_changes.sql")),
    (8, include_str!("../migrations/0008_coauthor_reading.sql")),
    (9, include_str!("../migrations/0009_metadata_changes.sql")),
    (10, include_str!("../migrations/0010_impact_schedule.sql")),
    (11, include_str!("../migrations/0011_refresh_log.sql")),
    (12, include_str!("../migrations/0012_cohort_scale.sql")),
    (13, include_str!("../migrations/0013_numbering_free.sql")),
];

pub const SCHEMA_VERSION: i64 = 13;

/// Opens an existing corpus: a missing, empty (0-byte) or foreign file is an error naming the
/// file and the cause, and nothing is written to it.
pub fn open_existing(path: &Path) -> Result<Connection> {
    let not = |reason: String| CorpusError::NotACorpus {
        path: path.to_path_buf(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(|e| not(format!("cannot read it ({e})")))?;
    if meta.len() == 0 {
        return Err(not(
            "the file is empty (0 bytes); `scout ingest` creates a corpus".into(),
        ));
    }
    open(path)
}

/// The SQLite header every database file starts with.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Refuses a file that is not a SQLite database, or a SQLite database of something else (no
/// corpus schema version but tables of its own, e.g. the pipeline database), before anything
/// is written to it.
fn check_foreign(path: &Path, conn: &Connection) -> Result<()> {
    let not = |reason: String| CorpusError::NotACorpus {
        path: path.to_path_buf(),
        reason,
    };
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| not(format!("SQLite cannot read it ({e})")))?;
    if version == 0 {
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name LIMIT 5")?
            .query_map([], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        if !tables.is_empty() {
            return Err(not(format!(
                "a SQLite database of something else (tables {})",
                tables.join(", ")
            )));
        }
    }
    Ok(())
}

/// Opens (creating when missing or empty) and migrates a corpus; a file that is not one is
/// refused with its name and the cause.
pub fn open(path: &Path) -> Result<Connection> {
    use std::io::Read as _;
    let mut head = [0u8; 16];
    let read = std::fs::File::open(path).and_then(|mut f| f.read(&mut head));
    if let Ok(n) = read
        && n > 0
        && &head != SQLITE_HEADER
    {
        return Err(CorpusError::NotACorpus {
            path: path.to_path_buf(),
            reason: "not a SQLite database (the file does not start with the SQLite header)".into(),
        });
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| CorpusError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let mut conn = Connection::open(path)?;
    check_foreign(path, &conn)?;
    configure(&conn)?;
    migrate(&mut conn, path)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    // WAL: readers never block the ingest writer, and a killed process leaves the last
    // committed transaction intact. NORMAL sync is durable against process crashes.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "cache_size", -262_144)?;
    conn.pragma_update(None, "mmap_size", 1_i64 << 30)?;
    Ok(())
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(CorpusError::SchemaTooNew {
            path: path.to_path_buf(),
            found: current,
            supported: SCHEMA_VERSION,
        });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, "applied corpus migration");
    }
    Ok(())
}

/// Reads a value from the `meta` table.
pub fn meta_get(conn: &Connection, key: &str) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub fn meta_set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

pub fn meta_get_i64(conn: &Connection, key: &str) -> Result<i64> {
    Ok(meta_get(conn, key)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// Empties `temp.<name>` (created when missing, one primary-key column `id` of `sql_type`) and
/// fills it with `ids`: how a query reads a set of ids too large for an `IN (…)` list. `name`
/// is a table name from the code, never from input.
pub fn fill_temp_ids<T: rusqlite::ToSql>(
    conn: &Connection,
    name: &'static str,
    sql_type: &'static str,
    ids: impl IntoIterator<Item = T>,
) -> Result<()> {
    conn.execute_batch(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS {name} (id {sql_type} PRIMARY KEY);
         DELETE FROM temp.{name};"
    ))?;
    let mut insert = conn.prepare(&format!(
        "INSERT OR IGNORE INTO temp.{name} (id) VALUES (?1)"
    ))?;
    for id in ids {
        insert.execute([id])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_refuses_newer_schemas() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|source| CorpusError::Io {
            path: "tmp".into(),
            source,
        })?;
        let path = dir.path().join("c.sqlite");
        let conn = open(&path)?;
        let v: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        assert_eq!(v, SCHEMA_VERSION);
        drop(conn);
        drop(open(&path)?); // reopening applies nothing and succeeds
        let conn = Connection::open(&path)?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)?;
        drop(conn);
        assert!(matches!(open(&path), Err(CorpusError::SchemaTooNew { .. })));
        Ok(())
    }
}
