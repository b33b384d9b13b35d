//! Bulk rewrite of derived tables: their explicit indexes are dropped and their rows deleted;
//! after the inserts each index is built once, from the `CREATE INDEX` statement the database
//! itself holds (`sqlite_master.sql`), so the migrations stay the one place an index is defined.

use rusqlite::Transaction;

use crate::error::Result;

/// Tables emptied by [`clear`], with the statements that create their indexes again.
#[must_use = "the dropped indexes come back only through `ClearedTables::restore_indexes`"]
pub struct ClearedTables {
    /// `CREATE INDEX` statements as stored in `sqlite_master`, in table order then by name.
    indexes: Vec<String>,
}

/// Drops the explicit indexes of `tables` (remembering their statements) and deletes every row
/// of each table, in the order given.
pub fn clear(tx: &Transaction, tables: &[&str]) -> Result<ClearedTables> {
    let mut indexes = Vec::new();
    let mut names = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT name, sql FROM sqlite_master
             WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL ORDER BY name",
        )?;
        for table in tables {
            let rows = stmt.query_map([table], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            for row in rows {
                let (name, sql) = row?;
                names.push(name);
                indexes.push(sql);
            }
        }
    }
    for name in &names {
        tx.execute_batch(&format!("DROP INDEX {}", quoted(name)))?;
    }
    for table in tables {
        tx.execute_batch(&format!("DELETE FROM {}", quoted(table)))?;
    }
    Ok(ClearedTables { indexes })
}

impl ClearedTables {
    /// Builds the dropped indexes again.
    pub fn restore_indexes(self, tx: &Transaction) -> Result<()> {
        for sql in &self.indexes {
            tx.execute_batch(sql)?;
        }
        Ok(())
    }
}

/// An SQL identifier in double quotes.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index_sql(conn: &rusqlite::Connection) -> Result<Vec<String>> {
        let mut stmt = conn.prepare(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    #[test]
    fn clear_empties_the_tables_and_restores_their_indexes_as_they_were() -> Result<()> {
        let mut conn = rusqlite::Connection::open_in_memory()?;
        conn.execute_batch(
            "CREATE TABLE a (x INTEGER PRIMARY KEY, y TEXT UNIQUE, z INTEGER);
             CREATE INDEX a_by_z ON a (z, y);
             CREATE TABLE \"b c\" (x INTEGER);
             CREATE INDEX \"b c by x\" ON \"b c\" (x) WHERE x > 0;
             CREATE TABLE kept (x INTEGER);
             CREATE INDEX kept_by_x ON kept (x);
             INSERT INTO a VALUES (1, 'one', 1), (2, 'two', 2);
             INSERT INTO \"b c\" VALUES (1);
             INSERT INTO kept VALUES (1);",
        )?;
        let before = index_sql(&conn)?;
        let tx = conn.transaction()?;
        let cleared = clear(&tx, &["a", "b c"])?;
        let during = index_sql(&tx)?;
        assert_eq!(
            during,
            vec!["CREATE INDEX kept_by_x ON kept (x)".to_string()]
        );
        let rows: i64 = tx.query_row(
            "SELECT (SELECT COUNT(*) FROM a) + (SELECT COUNT(*) FROM \"b c\")",
            [],
            |r| r.get(0),
        )?;
        assert_eq!(rows, 0);
        tx.execute("INSERT INTO a VALUES (3, 'three', 3)", [])?;
        cleared.restore_indexes(&tx)?;
        tx.commit()?;
        assert_eq!(index_sql(&conn)?, before);
        let kept: i64 = conn.query_row("SELECT COUNT(*) FROM kept", [], |r| r.get(0))?;
        assert_eq!(kept, 1);
        Ok(())
    }
}
