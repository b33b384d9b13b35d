//! The log of which researchers each refresh may have changed (migration 0011: `refresh_log`,
//! `refresh_changed`), for what follows the corpus from one refresh to the next: the
//! workspace's move radar observes only the watched researchers a refresh since the one it last
//! saw may have changed ([`changed_since`]), not every watched one, so its cost follows the
//! change.
//!
//! A full refresh may change anyone: it empties the log and logs itself alone
//! ([`record_full`]). An incremental refresh logs the researchers whose rows it rewrote
//! ([`record_incremental`]); what else that touches is the follower's to work out (the radar
//! adds the co-authors of those at a rival organisation: `watch_facts::follow`). Each refresh
//! has a token unique across copies of the database, so a follower that saw another copy's
//! refresh looks at everyone again.

use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;

/// The researchers a follower has to look at again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Since {
    /// Anyone may have changed: the follower's refresh is unknown here, or a full refresh
    /// came after it.
    Everyone,
    /// Only these researcher keys (sorted) may have changed since.
    Only(Vec<String>),
}

/// A token no other refresh has, in this database or a copy of it.
fn new_token(conn: &Connection) -> Result<String> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let generation = crate::db::meta_get_i64(conn, "corpus_generation")?;
    Ok(format!(
        "{nanos:x}-{:x}-{generation}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Logs a full refresh (in its transaction): everything logged before goes.
pub fn record_full(conn: &Connection) -> Result<String> {
    conn.execute_batch("DELETE FROM refresh_changed; DELETE FROM refresh_log;")?;
    let token = new_token(conn)?;
    conn.execute(
        "INSERT INTO refresh_log (token, full) VALUES (?1, 1)",
        params![token],
    )?;
    Ok(token)
}

/// Logs an incremental refresh (in its transaction, after its writes) with the researchers whose
/// rows it rewrote (`changed`: their papers, organisations, moves or facts).
pub fn record_incremental(conn: &Connection, changed: &[i64]) -> Result<String> {
    let token = new_token(conn)?;
    conn.execute(
        "INSERT INTO refresh_log (token, full) VALUES (?1, 0)",
        params![token],
    )?;
    let seq = conn.last_insert_rowid();
    crate::db::fill_temp_ids(conn, "refresh_log_changed", "INTEGER", changed)?;
    conn.execute(
        "INSERT OR IGNORE INTO refresh_changed (seq, researcher_key)
         SELECT ?1, r.key FROM temp.refresh_log_changed t CROSS JOIN researchers r ON r.id = t.id",
        params![seq],
    )?;
    conn.execute_batch("DELETE FROM temp.refresh_log_changed;")?;
    Ok(token)
}

/// The token of the latest refresh logged (`None`: none since this log exists).
pub fn latest(conn: &Connection) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT token FROM refresh_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?)
}

/// Who may have changed since the refresh `token` (`None`: a follower that has seen none).
pub fn changed_since(conn: &Connection, token: Option<&str>) -> Result<Since> {
    let Some(token) = token else {
        return Ok(Since::Everyone);
    };
    let Some(seq) = conn
        .query_row(
            "SELECT seq FROM refresh_log WHERE token = ?1",
            [token],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
    else {
        return Ok(Since::Everyone);
    };
    let full_after: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM refresh_log WHERE seq > ?1 AND full <> 0)",
        [seq],
        |r| r.get(0),
    )?;
    if full_after {
        return Ok(Since::Everyone);
    }
    let keys = conn
        .prepare("SELECT DISTINCT researcher_key FROM refresh_changed WHERE seq > ?1 ORDER BY 1")?
        .query_map([seq], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(Since::Only(keys))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus() -> Result<Connection> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
             CREATE TABLE researchers (id INTEGER PRIMARY KEY, key TEXT);
             INSERT INTO researchers VALUES (1, 'r:a'), (2, 'r:b'), (3, 'r:c'), (4, 'r:d');
             INSERT INTO researchers VALUES (5, 'r:e');",
        )?;
        conn.execute_batch(include_str!("../migrations/0011_refresh_log.sql"))?;
        Ok(conn)
    }

    fn only(keys: &[&str]) -> Since {
        Since::Only(keys.iter().map(|k| k.to_string()).collect())
    }

    #[test]
    fn followers_see_the_researchers_changed_since_their_refresh() -> Result<()> {
        let conn = corpus()?;
        assert_eq!(latest(&conn)?, None);
        assert_eq!(changed_since(&conn, None)?, Since::Everyone);
        let full = record_full(&conn)?;
        assert_eq!(changed_since(&conn, Some(&full))?, only(&[]));
        let first = record_incremental(&conn, &[2, 1])?;
        assert_eq!(latest(&conn)?.as_deref(), Some(first.as_str()));
        assert_eq!(changed_since(&conn, Some(&full))?, only(&["r:a", "r:b"]));
        let second = record_incremental(&conn, &[3])?;
        assert_ne!(first, second);
        assert_eq!(changed_since(&conn, Some(&first))?, only(&["r:c"]));
        assert_eq!(
            changed_since(&conn, Some(&full))?,
            only(&["r:a", "r:b", "r:c"])
        );
        assert_eq!(changed_since(&conn, Some(&second))?, only(&[]));
        assert_eq!(latest(&conn)?.as_deref(), Some(second.as_str()));
        // A token this database never logged (another copy's refresh): everyone.
        assert_eq!(changed_since(&conn, Some("elsewhere"))?, Since::Everyone);
        // After a full refresh, a follower of any earlier one looks at everyone.
        let again = record_full(&conn)?;
        assert_eq!(changed_since(&conn, Some(&second))?, Since::Everyone);
        assert_eq!(changed_since(&conn, Some(&again))?, only(&[]));
        let rows: i64 = conn.query_row("SELECT COUNT(*) FROM refresh_changed", [], |r| r.get(0))?;
        assert_eq!(rows, 0, "a full refresh empties the log");
        Ok(())
    }
}
