//! Incremental refresh on real records (`data/demo`): a corpus refreshed in full, then given a
//! few more works of the same years, is refreshed incrementally; a copy of it rebuilt in full is
//! the reference. Identity agrees mention by mention (by researcher key), every derived table
//! holds the new works, and the plan falls back to the full refresh when it must. Works changed
//! in their metadata alone (citations, an abstract) refresh incrementally too. The move radar
//! follows an incremental refresh to the researchers whose items it changed.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use scout_corpus::incremental::Plan;
use scout_corpus::{Corpus, CorpusError, IngestOptions, Progress, Result};

fn io(path: &Path) -> impl Fn(std::io::Error) -> CorpusError + '_ {
    move |source| CorpusError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn demo(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../data/demo/paperlists/papers")
        .join(file)
}

/// The first `n` records of each demo file, split into a base and every `every`-th record held
/// back as the later batch (only records before the sample's last year, so the batch does not
/// move the year recency is measured from).
fn split(dir: &Path, files: &[&str], n: usize, every: usize) -> Result<(PathBuf, PathBuf, usize)> {
    let mut lines: Vec<String> = Vec::new();
    for file in files {
        let path = demo(file);
        let f = std::fs::File::open(&path).map_err(io(&path))?;
        let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(f));
        for line in reader.lines().take(n) {
            lines.push(line.map_err(io(&path))?);
        }
    }
    let year = |l: &str| -> i64 {
        serde_json::from_str::<serde_json::Value>(l)
            .ok()
            .and_then(|v| v.get("year").and_then(serde_json::Value::as_i64))
            .unwrap_or(0)
    };
    let last = lines.iter().map(|l| year(l)).max().unwrap_or(0);
    let (base_path, later_path) = (dir.join("base.jsonl"), dir.join("later.jsonl"));
    let mut base = std::fs::File::create(&base_path).map_err(io(&base_path))?;
    let mut later = std::fs::File::create(&later_path).map_err(io(&later_path))?;
    let mut held = 0;
    for (i, line) in lines.iter().enumerate() {
        if i % every == every - 1 && year(line) < last {
            writeln!(later, "{line}").map_err(io(&later_path))?;
            held += 1;
        } else {
            writeln!(base, "{line}").map_err(io(&base_path))?;
        }
    }
    Ok((base_path, later_path, held))
}

/// Every mention's researcher key, by (work key, position).
fn mention_keys(corpus: &Corpus) -> Result<Vec<(String, i64, String)>> {
    let mut stmt = corpus.conn().prepare(
        "SELECT w.key, a.position, r.key FROM authorship_researcher a
         JOIN works w ON w.id = a.work_id JOIN researchers r ON r.id = a.researcher_id
         ORDER BY 1, 2",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// (key, n_works, first_year, last_year, citations, current organisation, where they trained)
/// of a researcher.
type Facts = (
    String,
    i64,
    Option<i64>,
    Option<i64>,
    i64,
    Option<String>,
    Option<String>,
);

/// The facts of every researcher, by key.
fn facts(corpus: &Corpus) -> Result<Vec<Facts>> {
    let mut stmt = corpus.conn().prepare(
        "SELECT key, n_works, first_year, last_year, citations, current_org, trained_at
         FROM researchers ORDER BY key",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
        ))
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Organisations whose stored researcher counts, and communities whose stored sizes, differ
/// from counting the researchers again (a community some researcher is in but that is not
/// stored counts as a wrong size).
fn miscounted(corpus: &Corpus) -> Result<(i64, i64)> {
    let orgs: i64 = corpus.conn().query_row(
        "WITH cur AS (SELECT current_org_id AS o, COUNT(*) AS n FROM researchers
                      WHERE current_org_id IS NOT NULL GROUP BY current_org_id),
              ever AS (SELECT org_id AS o, COUNT(DISTINCT researcher_id) AS n FROM researcher_orgs
                       GROUP BY org_id)
         SELECT COUNT(*) FROM organisations x
         LEFT JOIN cur ON cur.o = x.id LEFT JOIN ever ON ever.o = x.id
         WHERE COALESCE(cur.n, 0) <> x.current_researchers OR COALESCE(ever.n, 0) <> x.researchers_ever",
        [],
        |r| r.get(0),
    )?;
    let communities: i64 = corpus.conn().query_row(
        "WITH s AS (SELECT community AS c, COUNT(*) AS n FROM researchers
                    WHERE community IS NOT NULL GROUP BY community)
         SELECT (SELECT COUNT(*) FROM communities x LEFT JOIN s ON s.c = x.id
                 WHERE s.n IS NULL OR s.n <> x.size)
              + (SELECT COUNT(*) FROM s LEFT JOIN communities x ON x.id = s.c WHERE x.id IS NULL)",
        [],
        |r| r.get(0),
    )?;
    Ok((orgs, communities))
}

#[test]
fn new_works_of_known_years_refresh_incrementally_and_agree_with_a_rebuild() -> Result<()> {
    let dir = tempfile::tempdir().map_err(io(Path::new("tmp")))?;
    let (base, later, held) = split(dir.path(), &["iclr.jsonl.gz", "nips.jsonl.gz"], 1000, 20)?;
    assert!(held > 50, "{held} works held back");
    let db = dir.path().join("c.sqlite");
    let opts = IngestOptions::new(dir.path().join("rejects.jsonl"));
    let mut corpus = Corpus::open(&db)?;
    corpus.ingest(&[base], &opts, &Progress::default())?;
    let first = corpus.refresh(false)?;
    assert!(
        matches!(first.plan, Some(Plan::Full(_))),
        "{:?}",
        first.plan
    );
    // Nothing new: nothing to plan.
    assert_eq!(
        scout_corpus::incremental::plan(corpus.conn())?,
        Plan::Incremental {
            new_works: vec![],
            changed_works: vec![]
        }
    );

    corpus.ingest(&[later], &opts, &Progress::default())?;
    let plan = scout_corpus::incremental::plan(corpus.conn())?;
    let Plan::Incremental { new_works, .. } = &plan else {
        panic!("expected an incremental plan, got {plan:?}");
    };
    assert_eq!(new_works.len(), held);
    let report = corpus.refresh(false)?;
    let incremental = report
        .incremental
        .as_ref()
        .expect("an incremental refresh ran");
    assert_eq!(incremental.identity.new_works, held as u64);
    assert!(incremental.identity.new_mentions > 0);
    drop(corpus);

    let copy = dir.path().join("rebuilt.sqlite");
    std::fs::copy(&db, &copy).map_err(io(&copy))?;
    let corpus = Corpus::open(&db)?;
    let mut rebuilt = Corpus::open(&copy)?;
    rebuilt.refresh(true)?;
    // Counts kept by who leaves and joins are what counting again gives.
    assert_eq!(miscounted(&corpus)?, (0, 0), "incremental");
    assert_eq!(miscounted(&rebuilt)?, (0, 0), "rebuild");

    let (a, b) = (mention_keys(&corpus)?, mention_keys(&rebuilt)?);
    assert_eq!(a.len(), b.len(), "every mention has a researcher in both");
    let differing = a.iter().zip(&b).filter(|(x, y)| x != y).count();
    for (x, y) in a.iter().zip(&b).filter(|(x, y)| x != y).take(12) {
        eprintln!("  {} #{}: incremental {} | rebuild {}", x.0, x.1, x.2, y.2);
    }
    eprintln!(
        "incremental vs rebuild: {differing} of {} mentions with a different researcher key; {:?}",
        a.len(),
        incremental.identity
    );
    // The documented bound (docs/incremental.md): at most 1 % of mentions.
    assert!(
        differing * 100 <= a.len(),
        "{differing} of {} mentions differ",
        a.len()
    );
    // Researchers whose mentions agree have the same facts.
    let (fa, fb) = (facts(&corpus)?, facts(&rebuilt)?);
    let same_keys: std::collections::HashSet<&String> = fa.iter().map(|f| &f.0).collect();
    let agreeing = fb
        .iter()
        .filter(|f| same_keys.contains(&f.0))
        .filter(|f| {
            fa.binary_search_by(|x| x.0.cmp(&f.0))
                .is_ok_and(|i| fa[i] == **f)
        })
        .count();
    for f in fb
        .iter()
        .filter(|f| {
            fa.binary_search_by(|x| x.0.cmp(&f.0))
                .is_ok_and(|i| fa[i] != **f)
        })
        .take(8)
    {
        let i = fa.binary_search_by(|x| x.0.cmp(&f.0)).unwrap_or(0);
        eprintln!("  rebuild {f:?}\n  increm. {:?}", fa[i]);
    }
    eprintln!("facts: {agreeing} of {} researchers agree", fb.len());
    // Co-authors whose organisation follows a changed researcher's are weighed again, so the
    // facts agree too (measured: all of them on this sample).
    assert!(
        agreeing * 1000 >= fb.len() * 995,
        "{agreeing} of {} researchers' facts agree",
        fb.len()
    );
    Ok(())
}

/// `records` (JSON lines) with `edit` applied to every `every`-th one, written to `path`; how
/// many were edited.
fn rewrite(
    records: &Path,
    path: &Path,
    every: usize,
    edit: impl Fn(&mut serde_json::Value),
) -> Result<usize> {
    let text = std::fs::read_to_string(records).map_err(io(records))?;
    let mut out = std::fs::File::create(path).map_err(io(path))?;
    let mut edited = 0;
    for (i, line) in text.lines().enumerate() {
        if i % every != 0 {
            continue;
        }
        let mut v: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| CorpusError::Invalid(format!("{}: {e}", records.display())))?;
        edit(&mut v);
        writeln!(out, "{v}").map_err(io(path))?;
        edited += 1;
    }
    Ok(edited)
}

/// What an OpenAlex daily update mostly brings — new citation counts, an abstract — changes no
/// identity evidence: the refresh is incremental, and every researcher's facts (their citations
/// included) and every mention's key equal a rebuild's. A changed author list still sends the
/// refresh the full way.
#[test]
fn works_changed_in_their_metadata_alone_refresh_incrementally() -> Result<()> {
    let dir = tempfile::tempdir().map_err(io(Path::new("tmp")))?;
    let (base, _, held) = split(dir.path(), &["nips.jsonl.gz"], 600, usize::MAX)?;
    assert_eq!(held, 0);
    let db = dir.path().join("c.sqlite");
    let opts = IngestOptions::new(dir.path().join("rejects.jsonl"));
    let mut corpus = Corpus::open(&db)?;
    corpus.ingest(std::slice::from_ref(&base), &opts, &Progress::default())?;
    corpus.refresh(false)?;

    let updated = dir.path().join("updated.jsonl");
    // Every 25th record: 4 % of the corpus, under the 5 % an incremental refresh takes.
    let edited = rewrite(&base, &updated, 25, |v| {
        let old = v["gs_citation"].as_i64().unwrap_or(0);
        v["gs_citation"] = serde_json::json!(old + 1000);
        v["abstract"] = serde_json::json!("An abstract added by a later update of this record.");
    })?;
    assert!(edited >= 20, "{edited}");
    corpus.ingest(&[updated], &opts, &Progress::default())?;
    let plan = scout_corpus::incremental::plan(corpus.conn())?;
    let Plan::Incremental {
        new_works,
        changed_works,
    } = &plan
    else {
        panic!("expected an incremental plan, got {plan:?}");
    };
    assert_eq!((new_works.len(), changed_works.len()), (0, edited));
    let report = corpus.refresh(false)?;
    let incremental = report.incremental.as_ref().expect("incremental");
    assert_eq!(incremental.metadata_changed_works, edited as u64);
    let cited: i64 =
        corpus
            .conn()
            .query_row("SELECT MAX(citations) FROM researchers", [], |r| r.get(0))?;
    assert!(
        cited >= 1000,
        "the new counts reach the researchers: {cited}"
    );
    drop(corpus);

    let copy = dir.path().join("rebuilt.sqlite");
    std::fs::copy(&db, &copy).map_err(io(&copy))?;
    let corpus = Corpus::open(&db)?;
    let mut rebuilt = Corpus::open(&copy)?;
    rebuilt.refresh(true)?;
    let keys = mention_keys(&corpus)?;
    assert_eq!(keys, mention_keys(&rebuilt)?);
    let (fa, fb) = (facts(&corpus)?, facts(&rebuilt)?);
    eprintln!(
        "{edited} works changed in their metadata: {} mentions and {} researchers' facts compared",
        keys.len(),
        fa.len()
    );
    let differ: Vec<(&Facts, &Facts)> = fa.iter().zip(&fb).filter(|(x, y)| x != y).collect();
    assert_eq!(
        (fa.len(), differ.len()),
        (fb.len(), 0),
        "researchers whose facts differ from the rebuild's, first: {:?}",
        differ.first()
    );
    drop(corpus);

    // An author renamed on one record: identity evidence changed, the refresh is full.
    let mut corpus = Corpus::open(&db)?;
    let renamed = dir.path().join("renamed.jsonl");
    rewrite(&base, &renamed, 1000, |v| {
        v["authors"][0] = serde_json::json!("Somebody Else Entirely");
    })?;
    corpus.ingest(&[renamed], &opts, &Progress::default())?;
    match scout_corpus::incremental::plan(corpus.conn())? {
        Plan::Full(why) => assert!(why.contains("changed in place"), "{why}"),
        other => panic!("expected a full refresh, got {other:?}"),
    }
    Ok(())
}

/// Each work's impact row by work key: (estimated, source, window, count, cohort mean, relative,
/// percentile).
type ImpactRow = (
    i64,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<f64>,
    f64,
    f64,
);

fn impact_rows(corpus: &Corpus) -> Result<std::collections::BTreeMap<String, ImpactRow>> {
    let mut stmt = corpus.conn().prepare(
        "SELECT w.key, i.estimated, i.source, i.window_days, i.count, i.cohort_mean, i.relative, i.percentile
         FROM work_impact i JOIN works w ON w.id = i.work_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            (
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ),
        ))
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

fn table(corpus: &Corpus, sql: &str) -> Result<Vec<Vec<String>>> {
    let mut stmt = corpus.conn().prepare(sql)?;
    let n = stmt.column_count();
    let rows = stmt.query_map([], |r| {
        (0..n)
            .map(|i| {
                Ok(match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => "NULL".to_string(),
                    rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                    rusqlite::types::ValueRef::Real(v) => format!("{v:e}"),
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    rusqlite::types::ValueRef::Blob(_) => "blob".to_string(),
                })
            })
            .collect::<rusqlite::Result<Vec<String>>>()
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// How far the stored percentiles are from a rebuild's (the shift of a work's percentile).
#[derive(Debug, Default)]
struct Shifts {
    /// Works with a count, not folded in since the fit: the largest shift, and the largest by
    /// which it exceeds the documented bound (folded works of the venue-year over the cohort's
    /// size less those).
    counted_worst: f64,
    over_bound: f64,
    /// Works with an estimate: mean and largest shift.
    estimated_mean: f64,
    estimated_worst: f64,
}

/// `corpus` against a rebuild of a copy of `db`: the cohort tables are exact; the rows of the
/// works keyed in `folded` (folded in by the last refresh) have a rebuild's count and measure, and
/// those with a count a rebuild's cohort mean, relative value and percentile too; `since_fit`
/// (every work folded in since the fit) gives each counted work's bound.
fn impact_against_rebuild(
    corpus: &Corpus,
    db: &Path,
    folded: &std::collections::HashSet<String>,
    since_fit: &std::collections::HashSet<String>,
) -> Result<Shifts> {
    let copy = db.with_extension("rebuilt.sqlite");
    // The copy must hold what the write-ahead log does.
    corpus
        .conn()
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    std::fs::copy(db, &copy).map_err(io(&copy))?;
    let mut rebuilt = Corpus::open(&copy)?;
    rebuilt.refresh(true)?;
    for sql in [
        "SELECT venue, year, papers, with_citations, mean_citations FROM cohorts ORDER BY 1, 2",
        "SELECT venue, year, source, window_days, counted, total, log_total FROM impact_cohorts ORDER BY 1, 2, 3, 4",
        "SELECT value FROM meta WHERE key = 'latest_year'",
    ] {
        assert_eq!(table(corpus, sql)?, table(&rebuilt, sql)?, "{sql}");
    }
    let (a, b) = (impact_rows(corpus)?, impact_rows(&rebuilt)?);
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "every work has a row"
    );
    // Each work's venue-year, the works folded in per venue-year, and each cohort's size.
    let venue_year: std::collections::HashMap<String, String> = table(
        corpus,
        "SELECT key, COALESCE(venue, '') || '/' || COALESCE(year, 0) FROM works",
    )?
    .into_iter()
    .map(|r| (r[0].clone(), r[1].clone()))
    .collect();
    let mut folded_per_year: std::collections::HashMap<&str, f64> = Default::default();
    for key in since_fit {
        *folded_per_year.entry(venue_year[key].as_str()).or_default() += 1.0;
    }
    let mut cohort_size: std::collections::HashMap<(&str, &Option<String>, &Option<i64>), f64> =
        Default::default();
    for (key, y) in &b {
        if y.0 == 0 {
            *cohort_size
                .entry((venue_year[key].as_str(), &y.1, &y.2))
                .or_default() += 1.0;
        }
    }
    let mut shifts = Shifts::default();
    let (mut estimated_total, mut estimated) = (0.0, 0.0);
    let mut counted_folded = 0;
    for (key, x) in &a {
        let y = &b[key];
        let shift = (x.6 - y.6).abs();
        if folded.contains(key) {
            if x.0 == 0 {
                assert_eq!(x, y, "{key}");
                counted_folded += 1;
            } else {
                assert_eq!((x.0, &x.1, x.3), (y.0, &y.1, y.3), "{key}");
            }
        } else if y.0 == 0 && x.0 == 0 {
            let vy = venue_year[key].as_str();
            let k = folded_per_year.get(vy).copied().unwrap_or(0.0);
            let n = cohort_size[&(vy, &y.1, &y.2)];
            shifts.counted_worst = shifts.counted_worst.max(shift);
            shifts.over_bound = shifts.over_bound.max(shift - k / (n - k).max(1.0));
        } else {
            estimated_total += shift;
            estimated += 1.0;
            shifts.estimated_worst = shifts.estimated_worst.max(shift);
        }
    }
    shifts.estimated_mean = estimated_total / f64::max(estimated, 1.0);
    assert!(
        folded.is_empty() || counted_folded > 0,
        "the demo's works carry counts"
    );
    drop(rebuilt);
    std::fs::remove_file(&copy).map_err(io(&copy))?;
    Ok(shifts)
}

/// The keys of the works `sql` selects.
fn work_keys(corpus: &Corpus, sql: &str) -> Result<std::collections::HashSet<String>> {
    Ok(corpus
        .conn()
        .prepare(sql)?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Between fits of the impact estimator, an incremental refresh folds the new and changed works in
/// with the stored one (docs/incremental.md): their counts, cohort means and count percentiles
/// equal a rebuild's, the cohort tables are exact, and every other work's percentile stays within
/// the documented bound. Past the schedule's share of works the estimator is fitted again.
#[test]
fn impact_folds_new_works_in_between_fits_within_the_documented_bound() -> Result<()> {
    let dir = tempfile::tempdir().map_err(io(Path::new("tmp")))?;
    let (base, later, held) = split(dir.path(), &["iclr.jsonl.gz", "nips.jsonl.gz"], 1000, 40)?;
    assert!(held > 20, "{held} works held back");
    let db = dir.path().join("c.sqlite");
    let opts = IngestOptions::new(dir.path().join("rejects.jsonl"));
    let mut corpus = Corpus::open(&db)?;
    corpus.ingest(std::slice::from_ref(&base), &opts, &Progress::default())?;
    let first = corpus.refresh(false)?;
    assert!(first.impact.as_ref().is_some_and(|i| i.refit));

    // New works.
    corpus.ingest(&[later], &opts, &Progress::default())?;
    let report = corpus.refresh(false)?;
    assert!(report.incremental.is_some(), "{:?}", report.plan);
    let impact = report.impact.expect("impact ran");
    assert!(!impact.refit, "folded in, not fitted: {impact:?}");
    assert_eq!(
        (impact.folded_in, impact.folded_since_fit),
        (held, held as u64)
    );
    let new = work_keys(
        &corpus,
        &format!("SELECT key FROM works ORDER BY id DESC LIMIT {held}"),
    )?;
    let shifts = impact_against_rebuild(&corpus, &db, &new, &new)?;
    eprintln!(
        "{held} new works folded in, the other works' percentiles against a rebuild's: {shifts:?}"
    );
    // The bounds docs/incremental.md states.
    assert!(shifts.over_bound <= 1e-12, "{shifts:?}");
    assert!(shifts.estimated_mean <= 0.02, "{shifts:?}");

    // Works changed in place in their counts: they leave their cohorts' sums and join again.
    let updated = dir.path().join("updated.jsonl");
    let edited = rewrite(&base, &updated, 97, |v| {
        let old = v["gs_citation"].as_i64().unwrap_or(0);
        v["gs_citation"] = serde_json::json!(old * 3 + 50);
    })?;
    corpus.ingest(&[updated], &opts, &Progress::default())?;
    let changed = work_keys(
        &corpus,
        "SELECT w.key FROM derive_queue q JOIN works w ON w.id = q.work_id",
    )?;
    assert_eq!(changed.len(), edited);
    let report = corpus.refresh(false)?;
    let impact = report.impact.expect("impact ran");
    assert!(!impact.refit && report.incremental.is_some(), "{impact:?}");
    assert_eq!(impact.folded_since_fit, (held + edited) as u64);
    let since_fit: std::collections::HashSet<String> = new.union(&changed).cloned().collect();
    let shifts = impact_against_rebuild(&corpus, &db, &changed, &since_fit)?;
    eprintln!("{edited} changed works folded in: {shifts:?}");
    assert!(shifts.over_bound <= 1e-12, "{shifts:?}");
    assert!(shifts.estimated_mean <= 0.02, "{shifts:?}");

    // Past the schedule's share (5 % of the works fitted on), the estimator is fitted again,
    // though the refresh is incremental.
    let updated = dir.path().join("updated-again.jsonl");
    let edited = rewrite(&base, &updated, 25, |v| {
        let old = v["gs_citation"].as_i64().unwrap_or(0);
        v["gs_citation"] = serde_json::json!(old + 7);
    })?;
    assert!(edited > 60, "{edited}");
    corpus.ingest(&[updated], &opts, &Progress::default())?;
    let report = corpus.refresh(false)?;
    assert!(report.incremental.is_some(), "{:?}", report.plan);
    let impact = report.impact.expect("impact ran");
    assert!(impact.refit, "{impact:?}");
    assert_eq!(impact.folded_since_fit, 0);
    Ok(())
}

/// A citation file ingested after a refresh reaches impact: the works whose counts it changed
/// are queued as changed in their metadata, folded in by an incremental refresh with a rebuild's
/// count, measure and percentile; a file that changes more than the incremental share of the
/// corpus sends the refresh the full way.
#[test]
fn citation_files_after_a_refresh_reach_impact() -> Result<()> {
    let dir = tempfile::tempdir().map_err(io(Path::new("tmp")))?;
    let (full, _, _) = split(
        dir.path(),
        &["iclr.jsonl.gz", "nips.jsonl.gz"],
        1000,
        usize::MAX,
    )?;
    // Most demo records carry a count; seven in ten lose theirs here, so that estimated works
    // are many and the counted ones (the estimator's training set) few.
    let base = dir.path().join("sparse.jsonl");
    {
        let f = std::fs::File::open(&full).map_err(io(&full))?;
        let mut out = std::fs::File::create(&base).map_err(io(&base))?;
        for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
            let mut v: serde_json::Value = serde_json::from_str(&line.map_err(io(&full))?)
                .map_err(|e| CorpusError::Invalid(e.to_string()))?;
            if i % 10 < 7
                && let Some(record) = v.as_object_mut()
            {
                record.remove("gs_citation");
            }
            writeln!(out, "{v}").map_err(io(&base))?;
        }
    }
    let db = dir.path().join("c.sqlite");
    let opts = IngestOptions::new(dir.path().join("rejects.jsonl"));
    let mut corpus = Corpus::open(&db)?;
    corpus.ingest(std::slice::from_ref(&base), &opts, &Progress::default())?;
    corpus.refresh(false)?;

    // Counts for every `every`-th ICLR record, by OpenReview id, as OpenAlex totals.
    let write_counts = |name: &str, every: usize, add: i64| -> Result<(PathBuf, usize)> {
        let path = dir.path().join(name);
        let mut out = std::fs::File::create(&path).map_err(io(&path))?;
        writeln!(out, "openreview_id,cited_by_count").map_err(io(&path))?;
        let f = std::fs::File::open(&base).map_err(io(&base))?;
        let mut rows = 0;
        for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
            let v: serde_json::Value = serde_json::from_str(&line.map_err(io(&base))?)
                .map_err(|e| CorpusError::Invalid(e.to_string()))?;
            if i % every == 0 && v["venue"] == "iclr" {
                let id = v["id"].as_str().unwrap_or_default();
                writeln!(out, "{id},{}", add + i as i64).map_err(io(&path))?;
                rows += 1;
            }
        }
        Ok((path, rows))
    };
    let (file, rows) = write_counts("counts.csv", 40, 300)?;
    assert!(rows >= 20, "{rows}");
    let report = scout_corpus::citations::ingest_citations(
        corpus.conn_mut(),
        &[file],
        &dir.path().join("r.jsonl"),
    )?;
    assert_eq!((report.matched, report.stored), (rows as u64, rows as u64));
    let cited = work_keys(
        &corpus,
        "SELECT w.key FROM citation_counts c JOIN works w ON w.id = c.work_id",
    )?;
    let report = corpus.refresh(false)?;
    assert!(report.incremental.is_some(), "{:?}", report.plan);
    let impact = report.impact.expect("impact ran");
    assert_eq!((impact.refit, impact.folded_in), (false, rows));
    let from_file: i64 = corpus.conn().query_row(
        "SELECT COUNT(*) FROM work_impact WHERE source = 'openalex' AND count >= 300",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(
        from_file, rows as i64,
        "the file's counts are the ones used"
    );
    let shifts = impact_against_rebuild(&corpus, &db, &cited, &cited)?;
    assert!(shifts.over_bound <= 1e-12, "{shifts:?}");

    // Counts for estimated works, more of them than 5 % of the counted works (the estimator's
    // training set) though under 5 % of all works: incremental, and the estimator is fitted
    // again.
    let counted: i64 = corpus.conn().query_row(
        "SELECT COUNT(*) FROM work_impact WHERE estimated = 0",
        [],
        |r| r.get(0),
    )?;
    let wanted = (counted as f64 * scout_corpus::impact::REFIT_FRACTION) as usize + 1;
    let ids: Vec<String> = corpus
        .conn()
        .prepare(
            "SELECT w.key FROM work_impact i JOIN works w ON w.id = i.work_id
             WHERE i.estimated = 1 AND w.venue = 'iclr' ORDER BY w.key",
        )?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?
        .into_iter()
        .filter_map(|key| key.rsplit(':').next().map(str::to_string))
        .take(wanted)
        .collect();
    let total: i64 = corpus
        .conn()
        .query_row("SELECT COUNT(*) FROM works", [], |r| r.get(0))?;
    assert!(
        ids.len() == wanted && (wanted as f64) < 0.05 * total as f64,
        "{} of {wanted} estimated works, {total} works",
        ids.len()
    );
    let file = dir.path().join("estimated.csv");
    let body: String = std::iter::once("openreview_id,cited_by_count".to_string())
        .chain(ids.iter().map(|id| format!("{id},42")))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&file, body).map_err(io(&file))?;
    scout_corpus::citations::ingest_citations(
        corpus.conn_mut(),
        &[file],
        &dir.path().join("r.jsonl"),
    )?;
    let report = corpus.refresh(false)?;
    assert!(report.incremental.is_some(), "{:?}", report.plan);
    let impact = report.impact.expect("impact ran");
    assert!(
        impact.refit,
        "{wanted} newly counted of {counted}: {impact:?}"
    );

    // Counts for a tenth of the corpus: past the incremental share, a full refresh.
    let (file, _) = write_counts("more.csv", 5, 900)?;
    scout_corpus::citations::ingest_citations(
        corpus.conn_mut(),
        &[file],
        &dir.path().join("r.jsonl"),
    )?;
    match scout_corpus::incremental::plan(corpus.conn())? {
        Plan::Full(why) => assert!(why.contains("changed works"), "{why}"),
        other => panic!("expected a full refresh, got {other:?}"),
    }
    let report = corpus.refresh(false)?;
    assert!(report.impact.is_some_and(|i| i.refit));
    let from_file: i64 = corpus.conn().query_row(
        "SELECT COUNT(*) FROM work_impact WHERE source = 'openalex' AND count >= 900",
        [],
        |r| r.get(0),
    )?;
    assert!(from_file > rows as i64, "{from_file}");
    Ok(())
}

/// Every researcher's item names (`watch_facts::observe`): what the radar compares with what it
/// has seen.
fn items_by_key(
    corpus: &Corpus,
    keys: &[String],
    rivals: &[String],
) -> Result<std::collections::BTreeMap<String, std::collections::BTreeSet<String>>> {
    Ok(
        scout_corpus::watch_facts::observe(corpus.conn(), keys, rivals)?
            .into_iter()
            .map(|o| {
                let items = o
                    .items
                    .iter()
                    .map(|i| format!("{}|{}", i.kind.as_str(), i.item))
                    .collect();
                (o.key, items)
            })
            .collect(),
    )
}

/// The move radar after an incremental refresh observes only the researchers the refresh log
/// names (and their co-authors at rival organisations), not everyone: on real records, every
/// researcher with an item that observing everyone shows as new, or a move it no longer shows,
/// is among them — and most researchers are not.
#[test]
fn the_radar_follows_an_incremental_refresh_to_everyone_whose_items_changed() -> Result<()> {
    let dir = tempfile::tempdir().map_err(io(Path::new("tmp")))?;
    let (base, later, _) = split(dir.path(), &["iclr.jsonl.gz", "nips.jsonl.gz"], 1000, 20)?;
    let opts = IngestOptions::new(dir.path().join("rejects.jsonl"));
    let mut corpus = Corpus::open(&dir.path().join("c.sqlite"))?;
    corpus.ingest(&[base], &opts, &Progress::default())?;
    corpus.refresh(false)?;
    let from = scout_corpus::refresh_log::latest(corpus.conn())?.expect("a full refresh is logged");
    // The two organisations with the most researcher-years are the rivals.
    let rivals: Vec<String> = corpus
        .conn()
        .prepare(
            "SELECT o.name FROM researcher_orgs ro JOIN organisations o ON o.id = ro.org_id
             GROUP BY o.id ORDER BY COUNT(*) DESC, o.id LIMIT 2",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<std::result::Result<_, _>>()?;
    let all = |corpus: &Corpus| -> Result<Vec<String>> {
        Ok(corpus
            .conn()
            .prepare("SELECT key FROM researchers ORDER BY key")?
            .query_map([], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?)
    };
    let before = items_by_key(&corpus, &all(&corpus)?, &rivals)?;

    corpus.ingest(&[later], &opts, &Progress::default())?;
    let report = corpus.refresh(false)?;
    assert!(report.incremental.is_some(), "{:?}", report.plan);
    let keys = all(&corpus)?;
    let after = items_by_key(&corpus, &keys, &rivals)?;
    let followed =
        scout_corpus::watch_facts::follow(corpus.conn(), Some(&from), keys.clone(), &rivals)?;
    assert!(!followed.everyone);
    assert_ne!(followed.latest.as_deref(), Some(from.as_str()));
    let none = std::collections::BTreeSet::new();
    let mut changed = 0;
    let mut rival_items = 0;
    for (key, items) in &after {
        let old = before.get(key).unwrap_or(&none);
        rival_items += items
            .iter()
            .filter(|i| i.starts_with("rival_coauthor|"))
            .count();
        let new = items.iter().any(|i| !old.contains(i));
        let move_gone = old
            .iter()
            .any(|i| i.starts_with("move|") && !items.contains(i));
        if new || move_gone {
            changed += 1;
            assert!(
                followed.keys.binary_search(key).is_ok(),
                "{key}'s items changed ({:?}) but the radar would not observe them",
                items.symmetric_difference(old).collect::<Vec<_>>()
            );
        }
    }
    eprintln!(
        "{changed} researchers' items changed; the radar observes {} of {}; {rival_items} rival co-author items",
        followed.keys.len(),
        keys.len()
    );
    assert!(changed > 0 && rival_items > 0);
    assert!(
        followed.keys.len() * 2 < keys.len(),
        "the radar observes {} of {}",
        followed.keys.len(),
        keys.len()
    );
    // Nothing refreshed since: nothing to observe; with a token this corpus never logged,
    // everyone.
    let latest = followed.latest.expect("logged");
    assert!(
        scout_corpus::watch_facts::follow(corpus.conn(), Some(&latest), keys.clone(), &rivals)?
            .keys
            .is_empty()
    );
    assert!(
        scout_corpus::watch_facts::follow(corpus.conn(), Some("another copy"), keys, &rivals)?
            .everyone
    );
    Ok(())
}
