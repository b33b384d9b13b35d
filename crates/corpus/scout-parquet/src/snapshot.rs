//! Reading the store in one consistent snapshot.

use scout_corpus::rusqlite::Connection;

use crate::error::Result;

/// Runs `read` inside one read transaction (a consistent snapshot even if an ingest or refresh
/// commits meanwhile), unless `conn` is inside a transaction already.
pub(crate) fn in_read_snapshot<T>(
    conn: &Connection,
    read: impl FnOnce() -> Result<T>,
) -> Result<T> {
    if !conn.is_autocommit() {
        return read();
    }
    conn.execute_batch("BEGIN DEFERRED")?;
    let result = read();
    // Only reads happened: ending the snapshot cannot lose anything.
    let end = conn.execute_batch("COMMIT");
    let value = result?;
    end?;
    Ok(value)
}
