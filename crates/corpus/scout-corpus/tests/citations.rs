//! Citation files into the corpus, on real records (tests/fixtures/README.md): every row is
//! matched or reported with its line and reason, nothing stored is lost, windowed counts keep
//! their window, and works without a count get an estimate that is never shown as a count.

use std::path::{Path, PathBuf};

use scout_corpus::citations::ingest_citations;
use scout_corpus::{Corpus, CorpusError, IngestOptions, Progress, Result};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn corpus(dir: &Path) -> Result<Corpus> {
    let mut corpus = Corpus::open(&dir.join("c.sqlite"))?;
    let opts = IngestOptions::new(dir.join("rejects.jsonl"));
    corpus.ingest(&[fixture("iclr2020.jsonl")], &opts, &Progress::default())?;
    Ok(corpus)
}

/// [`corpus`] with the Semantic Scholar counts of the fixture file, not yet refreshed.
fn counted_corpus(dir: &Path) -> Result<Corpus> {
    let mut corpus = corpus(dir)?;
    ingest_citations(
        corpus.conn_mut(),
        &[fixture("iclr_c_1095.tsv")],
        &dir.join("r.jsonl"),
    )?;
    Ok(corpus)
}

fn tmp() -> Result<tempfile::TempDir> {
    tempfile::tempdir().map_err(|source| CorpusError::Io {
        path: "tmp".into(),
        source,
    })
}

#[test]
fn every_row_is_matched_or_reported_with_its_line() -> Result<()> {
    let dir = tmp()?;
    let mut corpus = corpus(dir.path())?;
    let rejects = dir.path().join("citations.rejects.jsonl");
    let report = ingest_citations(corpus.conn_mut(), &[fixture("iclr_c_1095.tsv")], &rejects)?;
    assert_eq!(report.rows, 11);
    assert_eq!(report.matched, 5);
    assert_eq!(report.stored, 5);
    assert_eq!(report.rejected, 6);
    let by_line: Vec<(u64, &str)> = report
        .problems
        .iter()
        .map(|p| (p.line, p.reason.as_str()))
        .collect();
    let reason = |line: u64| {
        by_line
            .iter()
            .find(|(l, _)| *l == line)
            .map_or("", |(_, r)| *r)
    };
    assert!(reason(7).starts_with("duplicate"), "{by_line:?}");
    assert!(reason(8).contains("s2_id = -1"), "{by_line:?}");
    assert!(reason(9).starts_with("unknown paper"), "{by_line:?}");
    assert!(reason(10).contains("negative"), "{by_line:?}");
    assert!(reason(11).contains("not a whole number"), "{by_line:?}");
    assert!(reason(12).contains("fields"), "{by_line:?}");
    let written = std::fs::read_to_string(&rejects).map_err(|source| CorpusError::Io {
        path: rejects.clone(),
        source,
    })?;
    assert_eq!(written.lines().count(), 6);
    let by_key: Vec<(String, u64)> = report.files[0].matched_by.clone();
    assert!(
        by_key.contains(&("openreview".to_string(), 4)),
        "{by_key:?}"
    );
    assert!(
        by_key.contains(&("title+year".to_string(), 1)),
        "{by_key:?}"
    );

    // The counts are stored as windowed Semantic Scholar counts; the record's own counts stay.
    let conn = corpus.conn();
    let (source, window, count): (String, i64, i64) = conn.query_row(
        "SELECT c.source, c.window_days, c.count FROM citation_counts c JOIN works w ON w.id = c.work_id
         WHERE w.key = 'paperlists:iclr:2020:B1eB5xSFvr'",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    assert_eq!(
        (source.as_str(), window, count),
        ("semantic_scholar", 1095, 143)
    );
    let own: i64 = conn.query_row("SELECT COUNT(citations) FROM works", [], |r| r.get(0))?;
    // Ingesting the same file again changes nothing; re-ingesting the papers loses nothing.
    let again = ingest_citations(corpus.conn_mut(), &[fixture("iclr_c_1095.tsv")], &rejects)?;
    assert_eq!((again.matched, again.stored), (5, 0));
    let opts = IngestOptions::new(dir.path().join("rejects.jsonl"));
    corpus.ingest(&[fixture("iclr2020.jsonl")], &opts, &Progress::default())?;
    let conn = corpus.conn();
    let kept: i64 = conn.query_row("SELECT COUNT(*) FROM citation_counts", [], |r| r.get(0))?;
    assert_eq!(kept, 5);
    let own_after: i64 = conn.query_row("SELECT COUNT(citations) FROM works", [], |r| r.get(0))?;
    assert_eq!(own, own_after);
    Ok(())
}

#[test]
fn refresh_scores_counts_like_with_like_and_estimates_the_rest() -> Result<()> {
    let dir = tmp()?;
    let mut corpus = counted_corpus(dir.path())?;
    let report = corpus.refresh(false)?;
    let impact = report
        .impact
        .ok_or_else(|| CorpusError::Invalid("no impact step".into()))?;
    assert_eq!(impact.counted, 5);
    assert_eq!(impact.estimated, 2);
    assert_eq!(
        impact.by_measure,
        vec![("semantic_scholar/1095d".to_string(), 5)]
    );
    let conn = corpus.conn();
    // Relative to the typical count of the same measure in the venue-year, the geometric mean of
    // 1 + count over 37, 49, 0, 56 and 143 (about 27.5; their arithmetic mean is 57).
    let (relative, mean, estimated): (f64, f64, i64) = conn.query_row(
        "SELECT i.relative, i.cohort_mean, i.estimated FROM work_impact i JOIN works w ON w.id = i.work_id
         WHERE w.key = 'paperlists:iclr:2020:B1eB5xSFvr'",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    assert_eq!(estimated, 0);
    let typical = ([37.0f64, 49.0, 0.0, 56.0, 143.0]
        .iter()
        .map(|c| c.ln_1p())
        .sum::<f64>()
        / 5.0)
        .exp();
    assert!((mean - typical).abs() < 1e-6, "{mean} against {typical}");
    assert!((relative - 143.0 / typical).abs() < 1e-6, "{relative}");
    // The unmatched (s2_id = -1) paper has no count: it is estimated, and no count is stored for it.
    let (count, estimated): (Option<i64>, i64) = conn.query_row(
        "SELECT i.count, i.estimated FROM work_impact i JOIN works w ON w.id = i.work_id
         WHERE w.key = 'paperlists:iclr:2020:B1eX_a4twH'",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    assert_eq!((count, estimated), (None, 1));
    // Deterministic: a forced rebuild gives the same numbers.
    let before: Vec<(i64, f64, f64)> = impact_rows(corpus.conn())?;
    corpus.refresh(true)?;
    assert_eq!(before, impact_rows(corpus.conn())?);
    Ok(())
}

fn impact_rows(conn: &scout_corpus::rusqlite::Connection) -> Result<Vec<(i64, f64, f64)>> {
    let mut stmt =
        conn.prepare("SELECT work_id, relative, percentile FROM work_impact ORDER BY work_id")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

#[test]
fn a_database_from_before_the_geometric_scale_is_fitted_again_by_its_next_refresh() -> Result<()> {
    let dir = tmp()?;
    let mut corpus = counted_corpus(dir.path())?;
    corpus.refresh(false)?;
    let current = impact_rows(corpus.conn())?;
    // Back to schema 11 as an older scout left it: no log sums, relative values over the
    // arithmetic mean, the estimator's record in place.
    corpus.conn().execute_batch(
        "ALTER TABLE impact_cohorts DROP COLUMN log_total;
         UPDATE work_impact SET relative = relative / 2;
         PRAGMA user_version = 11;",
    )?;
    drop(corpus);
    let mut corpus = Corpus::open(&dir.path().join("c.sqlite"))?;
    // The migration adds the sums and calls for a fit: the next refresh has no new data, and
    // still writes what a fit of today's code writes.
    let report = corpus.refresh(false)?;
    let impact = report
        .impact
        .ok_or_else(|| CorpusError::Invalid("no impact step after the migration".into()))?;
    assert!(impact.refit);
    assert_eq!(impact_rows(corpus.conn())?, current);
    let logs: i64 = corpus.conn().query_row(
        "SELECT COUNT(*) FROM impact_cohorts WHERE log_total > 0",
        [],
        |r| r.get(0),
    )?;
    assert!(logs > 0);
    Ok(())
}
