//! Parquet export of the corpus, so that engines built for many machines (Spark,
//! DataFusion/Ballista, Trino, DuckDB) can run the heavy full-snapshot jobs.
//!
//! Layout (Hive-style partitions, readable as one table per folder):
//!
//! ```text
//! DIR/works/year=2021/part-00000.parquet         one row per paper
//! DIR/authorships/year=2021/part-00000.parquet   one row per author position, with the researcher id
//! DIR/researchers/part-00000.parquet             resolved researchers with current affiliation
//! DIR/organisations/part-00000.parquet
//! DIR/coauthor_edges/part-00000.parquet
//! DIR/moves/part-00000.parquet
//! DIR/mentions/part-00000.parquet              what identity reads, one row per mention
//! DIR/mention_affiliations/part-00000.parquet  every affiliation of every mention, resolved
//! DIR/paper_ties/part-00000.parquet            a joint paper's weight by author count and year
//! DIR/identity_input.json                      the corpus state the mentions came from
//! ```
//!
//! `mentions`, `mention_affiliations` and `paper_ties` are the input of the distributed job
//! (`identity_job.rs`, `spark/identity_job.py`).
//!
//! Works without a year go to `year=__HIVE_DEFAULT_PARTITION__`, as Hive and Spark expect.
//! Files are written with zstd compression and row groups of [`ROW_GROUP`] rows.

use std::path::Path;
use std::sync::atomic::Ordering;

use scout_corpus::rusqlite::Connection;
use scout_corpus::rusqlite::types::ValueRef;
use scout_corpus::stored::decode_authors;

mod error;
pub mod identity_job;
pub mod job_edges;
pub mod job_timelines;
mod progress;
mod snapshot;
mod table;

pub use error::{ExportError, Result};
pub use progress::ExportProgress;
use snapshot::in_read_snapshot;
use table::{Cell, Column, Kind, TableWriter, col};
pub use table::{ROW_GROUP, TableReport};

/// The tables in the order [`export`] writes them (works and authorships in one pass).
pub const TABLES: &[&str] = &[
    "works",
    "authorships",
    "researchers",
    "organisations",
    "coauthor_edges",
    "moves",
    "mentions",
    "mention_affiliations",
    "paper_ties",
];

fn cell(v: ValueRef) -> Cell {
    match v {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(i) => Cell::Int(i),
        ValueRef::Real(f) => Cell::Float(f),
        ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Cell::Text(String::from_utf8_lossy(b).into_owned()),
    }
}

fn year_partition(year: &Cell) -> String {
    match year {
        Cell::Int(y) => format!("year={y}"),
        _ => "year=__HIVE_DEFAULT_PARTITION__".to_string(),
    }
}

const WORKS: &[Column] = &[
    col("work_id", Kind::Int),
    col("key", Kind::Text),
    col("source", Kind::Text),
    col("title", Kind::Text),
    col("year", Kind::Int32),
    col("venue", Kind::Text),
    col("status", Kind::Text),
    col("doi", Kind::Text),
    col("arxiv", Kind::Text),
    col("citations", Kind::Int),
    col("n_authors", Kind::Int32),
    col("keywords", Kind::Text),
    col("has_abstract", Kind::Bool),
];

const AUTHORSHIPS: &[Column] = &[
    col("work_id", Kind::Int),
    col("position", Kind::Int32),
    col("researcher_id", Kind::Int),
    col("year", Kind::Int32),
    col("name", Kind::Text),
    col("openreview_id", Kind::Text),
    col("orcid", Kind::Text),
    col("openalex_id", Kind::Text),
    col("affiliation", Kind::Text),
    col("country", Kind::Text),
];

const RESEARCHERS: &[Column] = &[
    col("researcher_id", Kind::Int),
    col("key", Kind::Text),
    col("name", Kind::Text),
    col("openreview_id", Kind::Text),
    col("orcid", Kind::Text),
    col("dblp_id", Kind::Text),
    col("openalex_id", Kind::Text),
    col("n_works", Kind::Int),
    col("first_year", Kind::Int32),
    col("last_year", Kind::Int32),
    col("citations", Kind::Int),
    col("current_org_id", Kind::Int),
    col("current_org", Kind::Text),
    col("current_org_year", Kind::Int32),
    col("current_org_type", Kind::Text),
    col("current_country", Kind::Text),
    col("community", Kind::Int),
];

const ORGANISATIONS: &[Column] = &[
    col("org_id", Kind::Int),
    col("key", Kind::Text),
    col("name", Kind::Text),
    col("org_type", Kind::Text),
    col("country", Kind::Text),
    col("ror", Kind::Text),
    col("aliased", Kind::Bool),
    col("current_researchers", Kind::Int),
    col("researchers_ever", Kind::Int),
];

const EDGES: &[Column] = &[
    col("a", Kind::Int),
    col("b", Kind::Int),
    col("papers", Kind::Int),
    col("weight", Kind::Float),
    col("first_year", Kind::Int32),
    col("last_year", Kind::Int32),
];

const MOVES: &[Column] = &[
    col("researcher_id", Kind::Int),
    col("from_org", Kind::Int),
    col("to_org", Kind::Int),
    col("year", Kind::Int32),
    col("from_last_work", Kind::Int),
    col("to_first_work", Kind::Int),
];

/// Copies an SQL query into an unpartitioned table.
fn copy_query(
    conn: &Connection,
    root: &Path,
    table: &str,
    columns: &'static [Column],
    sql: &str,
    progress: &ExportProgress,
) -> Result<TableReport> {
    progress.check()?;
    let mut w = TableWriter::new(root, table, columns);
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([])?;
    let mut row_cells = Vec::with_capacity(columns.len());
    let mut n = 0u64;
    while let Some(r) = rows.next()? {
        n += 1;
        if n.is_multiple_of(4096) {
            progress.check()?;
        }
        row_cells.clear();
        for i in 0..columns.len() {
            row_cells.push(cell(r.get_ref(i)?));
        }
        w.push("", &row_cells)?;
    }
    let report = w.finish()?;
    progress.tables_done.fetch_add(1, Ordering::Relaxed);
    Ok(report)
}

/// Exports the corpus into `dir` (created if needed). Derived data must be current
/// (call `Corpus::refresh` first).
pub fn export(conn: &Connection, dir: &Path) -> Result<Vec<TableReport>> {
    export_with_progress(conn, dir, &ExportProgress::default())
}

/// [`export`], counting works and tables in `progress` and stopping when it is cancelled.
/// When `conn` is not inside a transaction already, the export reads in one (a consistent
/// snapshot even if an ingest or refresh commits meanwhile).
pub fn export_with_progress(
    conn: &Connection,
    dir: &Path,
    progress: &ExportProgress,
) -> Result<Vec<TableReport>> {
    in_read_snapshot(conn, || export_tables(conn, dir, progress))
}

fn export_tables(
    conn: &Connection,
    dir: &Path,
    progress: &ExportProgress,
) -> Result<Vec<TableReport>> {
    std::fs::create_dir_all(dir).map_err(|source| ExportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    progress.check()?;
    let works_total: i64 = conn.query_row("SELECT COUNT(*) FROM works", [], |r| r.get(0))?;
    progress
        .works_total
        .store(u64::try_from(works_total).unwrap_or(0), Ordering::Relaxed);
    let mut reports = Vec::new();

    // Works and authorships, partitioned by year, in one pass over the works.
    let mut works = TableWriter::new(dir, "works", WORKS);
    let mut authorships = TableWriter::new(dir, "authorships", AUTHORSHIPS);
    {
        let mut researcher_of = conn.prepare(
            "SELECT position, researcher_id FROM authorship_researcher WHERE work_id = ?1",
        )?;
        let mut stmt = conn.prepare(
            "SELECT w.id, w.key, w.source, w.title, w.year, w.venue, w.status, w.doi, w.arxiv, w.citations, w.n_authors,
                    w.keywords, (w.abstract IS NOT NULL OR a.id IS NOT NULL), w.authors
             FROM works w LEFT JOIN abstracts a ON a.work_key = w.key ORDER BY w.id",
        )?;
        let mut rows = stmt.query([])?;
        let mut cells = Vec::with_capacity(WORKS.len());
        let mut done = 0u64;
        while let Some(r) = rows.next()? {
            done += 1;
            if done.is_multiple_of(1024) {
                progress.works_done.store(done, Ordering::Relaxed);
                progress.check()?;
            }
            cells.clear();
            for i in 0..WORKS.len() {
                cells.push(cell(r.get_ref(i)?));
            }
            let partition = year_partition(&cells[4]);
            works.push(&partition, &cells)?;
            let work_id: i64 = r.get(0)?;
            let authors = decode_authors(r.get_ref(13)?.as_str().unwrap_or("[]"));
            let ids: Vec<(i64, i64)> = researcher_of
                .query_map([work_id], |x| Ok((x.get(0)?, x.get(1)?)))?
                .collect::<Result<_, _>>()?;
            for (position, a) in authors.iter().enumerate() {
                let researcher = ids
                    .iter()
                    .find(|(p, _)| *p == position as i64)
                    .map(|(_, r)| *r);
                let aff = a.affiliations.first();
                let row = [
                    Cell::Int(work_id),
                    Cell::Int(position as i64),
                    researcher.map_or(Cell::Null, Cell::Int),
                    cells[4].clone(),
                    Cell::Text(a.name.clone()),
                    a.openreview_id.clone().map_or(Cell::Null, Cell::Text),
                    a.orcid.clone().map_or(Cell::Null, Cell::Text),
                    a.openalex_id.clone().map_or(Cell::Null, Cell::Text),
                    aff.map_or(Cell::Null, |x| Cell::Text(x.display().to_string())),
                    aff.and_then(|x| x.country.clone())
                        .map_or(Cell::Null, Cell::Text),
                ];
                authorships.push(&partition, &row)?;
            }
        }
        progress.works_done.store(done, Ordering::Relaxed);
    }
    reports.push(works.finish()?);
    reports.push(authorships.finish()?);
    progress.tables_done.fetch_add(2, Ordering::Relaxed);
    reports.push(copy_query(
        conn,
        dir,
        "researchers",
        RESEARCHERS,
        "SELECT id, key, name, openreview_id, orcid, dblp_id, openalex_id, n_works, first_year, last_year, citations,
                current_org_id, current_org, current_org_year, current_org_type, current_country, community
         FROM researchers ORDER BY id",
        progress,
    )?);
    reports.push(copy_query(
        conn,
        dir,
        "organisations",
        ORGANISATIONS,
        "SELECT id, key, name, org_type, country, ror, aliased, current_researchers, researchers_ever
         FROM organisations ORDER BY id",
        progress,
    )?);
    reports.push(copy_query(
        conn,
        dir,
        "coauthor_edges",
        EDGES,
        "SELECT a, b, papers, weight, first_year, last_year FROM coauthor_edges ORDER BY a, b",
        progress,
    )?);
    reports.push(copy_query(
        conn,
        dir,
        "moves",
        MOVES,
        "SELECT researcher_id, from_org, to_org, year, from_last_work, to_first_work FROM moves ORDER BY researcher_id",
        progress,
    )?);
    let job_input = identity_job::export_mentions(conn, dir, progress)?;
    progress
        .tables_done
        .fetch_add(job_input.len() as u64, Ordering::Relaxed);
    reports.extend(job_input);
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use std::fs::File;

    fn small_corpus(dir: &Path) -> Result<scout_corpus::Corpus> {
        let input = dir.join("rss.jsonl");
        let papers = concat!(
            r#"{"venue": "rss", "year": 2009, "id": "a1", "title": "LQR-trees: Feedback motion planning on sparse randomized trees", "authors": ["Russ Tedrake"]}"#,
            "\n",
            r#"{"venue": "rss", "year": 2008, "id": "a2", "title": "Generalized-ICP", "authors": ["Aleksandr Segal", "Sebastian Thrun"]}"#,
            "\n",
        );
        std::fs::write(&input, papers).map_err(|source| ExportError::Io {
            path: input.clone(),
            source,
        })?;
        let mut corpus = scout_corpus::Corpus::open(&dir.join("c.sqlite"))?;
        let opts = scout_corpus::IngestOptions::new(dir.join("rejects.jsonl"));
        corpus.ingest(&[input], &opts, &scout_corpus::Progress::default())?;
        corpus.refresh(false)?;
        Ok(corpus)
    }

    #[test]
    fn export_counts_works_and_tables_and_can_be_cancelled() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|source| ExportError::Io {
            path: "tmp".into(),
            source,
        })?;
        let corpus = small_corpus(dir.path())?;
        let progress = ExportProgress::default();
        let reports = export_with_progress(corpus.conn(), &dir.path().join("out"), &progress)?;
        assert_eq!(progress.works_total.load(Ordering::Relaxed), 2);
        assert_eq!(progress.works_done.load(Ordering::Relaxed), 2);
        assert_eq!(
            progress.tables_done.load(Ordering::Relaxed),
            TABLES.len() as u64
        );
        let names: Vec<&str> = reports.iter().map(|r| r.table.as_str()).collect();
        assert_eq!(names, TABLES);
        assert!(corpus.conn().is_autocommit(), "the snapshot was ended");
        let cancelled = ExportProgress::default();
        cancelled.cancel.store(true, Ordering::Relaxed);
        let result = export_with_progress(corpus.conn(), &dir.path().join("out2"), &cancelled);
        assert!(matches!(result, Err(ExportError::Cancelled)), "{result:?}");
        assert!(corpus.conn().is_autocommit());
        Ok(())
    }

    #[test]
    fn writes_readable_partitioned_files() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|source| ExportError::Io {
            path: "tmp".into(),
            source,
        })?;
        let mut w = TableWriter::new(dir.path(), "works", WORKS);
        for year in [2020, 2021, 2021] {
            let mut row: Vec<Cell> = WORKS.iter().map(|_| Cell::Null).collect();
            row[0] = Cell::Int(i64::from(year));
            row[1] = Cell::Text(format!("k{year}"));
            row[4] = Cell::Int(i64::from(year));
            w.push(&year_partition(&row[4]), &row)?;
        }
        let report = w.finish()?;
        assert_eq!((report.rows, report.files), (3, 2));
        let path = dir.path().join("works/year=2021/part-00000.parquet");
        let file = File::open(&path).map_err(|source| ExportError::Io {
            path: path.clone(),
            source,
        })?;
        let reader = SerializedFileReader::new(file)?;
        assert_eq!(reader.metadata().file_metadata().num_rows(), 2);
        assert_eq!(
            reader
                .metadata()
                .file_metadata()
                .schema_descr()
                .num_columns(),
            WORKS.len()
        );
        Ok(())
    }
}
