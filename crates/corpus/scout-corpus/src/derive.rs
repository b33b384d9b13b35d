//! Derived data: after the source tables change, identity, per-researcher statistics,
//! citation cohorts and the full-text index are brought up to date. Each step is idempotent;
//! the `derived_generation` mark is written last, so an interrupted refresh simply runs again.

use std::path::Path;
use std::time::Instant;

use rusqlite::Connection;
use serde::Serialize;

use crate::db::{meta_get_i64, meta_set};
use crate::error::Result;
use crate::identity::{self, IdentityReport};
use crate::index::{self, IndexReport};

#[derive(Debug, Clone, Default, Serialize)]
pub struct RefreshReport {
    pub identity: Option<IdentityReport>,
    pub identity_seconds: f64,
    pub statistics_seconds: f64,
    pub index: Option<IndexReport>,
}

/// True when source data changed since derived data was last built.
pub fn is_stale(conn: &Connection) -> Result<bool> {
    Ok(meta_get_i64(conn, "corpus_generation")? != meta_get_i64(conn, "derived_generation")?)
}

/// Rebuilds what is stale (or everything with `force`). Identity and the full-text index
/// depend on different data and are built at the same time, the index on a second connection.
pub fn refresh(
    conn: &mut Connection,
    db_path: &Path,
    index_dir: &Path,
    force: bool,
) -> Result<RefreshReport> {
    let mut report = RefreshReport::default();
    let generation = meta_get_i64(conn, "corpus_generation")?;
    if force {
        index::remove(index_dir)?;
    }
    let queued: i64 = conn.query_row("SELECT COUNT(*) FROM index_queue", [], |r| r.get(0))?;
    let max_work: i64 =
        conn.query_row("SELECT COALESCE(MAX(id), 0) FROM works", [], |r| r.get(0))?;
    let indexed = meta_get_i64(conn, "indexed_max_work_id")?;
    let index_needed = queued > 0 || max_work > indexed || !index_dir.join("meta.json").exists();
    let identity_needed = force || is_stale(conn)?;

    let index_result = std::thread::scope(
        |scope| -> Result<Option<(IndexReport, index::IndexedUpTo)>> {
            let index_job = index_needed.then(|| {
                scope.spawn(move || -> Result<(IndexReport, index::IndexedUpTo)> {
                    let reader = crate::db::open(db_path)?;
                    index::build(&reader, index_dir)
                })
            });
            if identity_needed {
                let started = Instant::now();
                report.identity = Some(identity::rebuild(conn)?);
                report.identity_seconds = started.elapsed().as_secs_f64();
                let started = Instant::now();
                statistics(conn)?;
                report.statistics_seconds = started.elapsed().as_secs_f64();
            }
            match index_job {
                Some(job) => match job.join() {
                    Ok(result) => result.map(Some),
                    Err(_) => Err(crate::error::CorpusError::Invalid(
                        "index builder thread panicked".into(),
                    )),
                },
                None => Ok(None),
            }
        },
    );
    if let Some((index_report, upto)) = index_result? {
        index::finish_update(conn, upto)?;
        report.index = Some(index_report);
    }
    meta_set(conn, "derived_generation", &generation.to_string())?;
    Ok(report)
}

/// Citation cohorts (mean citations per venue and year) and the corpus's latest year.
/// Per-researcher totals are written by identity resolution.
fn statistics(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch(
        "DELETE FROM cohorts;
         INSERT INTO cohorts (venue, year, papers, with_citations, mean_citations)
         SELECT venue, year, COUNT(*), COUNT(citations), AVG(citations)
         FROM works WHERE venue IS NOT NULL AND year IS NOT NULL GROUP BY venue, year;",
    )?;
    let latest: Option<i64> = tx.query_row("SELECT MAX(year) FROM works", [], |r| r.get(0))?;
    if let Some(y) = latest {
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('latest_year', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [y.to_string()],
        )?;
    }
    tx.commit()?;
    Ok(())
}
