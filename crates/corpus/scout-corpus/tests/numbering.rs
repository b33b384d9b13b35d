//! Derived data does not depend on how an ingest numbered the works. Ingest assigns work ids in
//! the order records arrive (parser threads race, and a corpus loaded in several batches numbers
//! each batch after the last), so two corpora of the same records rarely share ids. Here the same
//! real records (`data/demo`) are ingested in file order and in reverse, and refreshed: every
//! derived table, rendered by keys, and the semantic model's vectors, by work key, are equal to
//! the bit.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use scout_corpus::{Corpus, CorpusError, IngestOptions, Progress, Result, SemanticModel};

fn io(path: &Path) -> impl Fn(std::io::Error) -> CorpusError + '_ {
    move |source| CorpusError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The first `n` records of each demo file, every third without its citation count (so that
/// the impact estimator has works to estimate).
fn records(files: &[&str], n: usize) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for file in files {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../data/demo/paperlists/papers")
            .join(file);
        let f = std::fs::File::open(&path).map_err(io(&path))?;
        let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(f));
        for line in reader.lines().take(n) {
            let mut v: serde_json::Value = serde_json::from_str(&line.map_err(io(&path))?)
                .map_err(|e| CorpusError::Invalid(e.to_string()))?;
            if out.len() % 3 == 0
                && let Some(record) = v.as_object_mut()
            {
                record.remove("gs_citation");
            }
            out.push(v.to_string());
        }
    }
    Ok(out)
}

/// A corpus of `lines` in that order, refreshed in full; its database path.
fn corpus_of(dir: &Path, name: &str, lines: &[&String]) -> Result<PathBuf> {
    let file = dir.join(format!("{name}.jsonl"));
    let mut out = std::fs::File::create(&file).map_err(io(&file))?;
    for line in lines {
        writeln!(out, "{line}").map_err(io(&file))?;
    }
    drop(out);
    let db = dir.join(format!("{name}.sqlite"));
    let mut corpus = Corpus::open(&db)?;
    let opts = IngestOptions::new(dir.join(format!("{name}.rejects.jsonl")));
    corpus.ingest(&[file], &opts, &Progress::default())?;
    corpus.refresh(false)?;
    Ok(db)
}

/// Every row of `sql`, each value rendered exactly (floats by their bits), sorted.
fn rows(corpus: &Corpus, sql: &str) -> Result<Vec<String>> {
    let mut stmt = corpus.conn().prepare(sql)?;
    let n = stmt.column_count();
    let mut out: Vec<String> = stmt
        .query_map([], |r| {
            (0..n)
                .map(|i| {
                    Ok(match r.get_ref(i)? {
                        rusqlite::types::ValueRef::Null => "NULL".to_string(),
                        rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                        rusqlite::types::ValueRef::Real(v) => format!("{:016x}", v.to_bits()),
                        rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                            String::from_utf8_lossy(t).into_owned()
                        }
                    })
                })
                .collect::<rusqlite::Result<Vec<_>>>()
                .map(|v| v.join(" | "))
        })?
        .collect::<rusqlite::Result<_>>()?;
    out.sort_unstable();
    Ok(out)
}

/// What is compared, every id replaced by the key it stands for.
const TABLES: &[&str] = &[
    "SELECT w.key, a.position, r.key FROM authorship_researcher a
     JOIN works w ON w.id = a.work_id JOIN researchers r ON r.id = a.researcher_id",
    "SELECT r.key, o.key, t.year, t.papers, fw.key, lw.key FROM researcher_orgs t
     JOIN researchers r ON r.id = t.researcher_id JOIN organisations o ON o.id = t.org_id
     JOIN works fw ON fw.id = t.first_work JOIN works lw ON lw.id = t.last_work",
    "SELECT r.key, a.key, b.key, m.year, fw.key, tw.key FROM moves m
     JOIN researchers r ON r.id = m.researcher_id
     JOIN organisations a ON a.id = m.from_org JOIN organisations b ON b.id = m.to_org
     JOIN works fw ON fw.id = m.from_last_work JOIN works tw ON tw.id = m.to_first_work",
    "SELECT w.key, i.estimated, i.source, i.window_days, i.count, i.cohort_mean, i.relative,
            i.percentile, i.score
     FROM work_impact i JOIN works w ON w.id = i.work_id",
    "SELECT venue, heldout, spearman FROM impact_validation",
    "SELECT r.key, r.name, r.n_works, r.first_year, r.last_year, r.citations, r.current_org,
            r.current_org_year, r.current_org_confidence, r.current_org_evidence,
            r.current_org_stale, r.stage, r.stage_at_least, r.stage_basis, r.trained_at,
            r.trained_evidence, o.key
     FROM researchers r LEFT JOIN organisations o ON o.id = r.current_org_id",
];

#[test]
fn two_numberings_of_the_same_works_derive_the_same_data() -> Result<()> {
    let dir = tempfile::tempdir().map_err(io(Path::new("tmp")))?;
    let lines = records(
        &[
            "cvpr.jsonl.gz",
            "icml.jsonl.gz",
            "nips.jsonl.gz",
            "iclr.jsonl.gz",
            "acl.jsonl.gz",
        ],
        400,
    )?;
    let forward: Vec<&String> = lines.iter().collect();
    let reverse: Vec<&String> = lines.iter().rev().collect();
    let (a, b) = (
        corpus_of(dir.path(), "forward", &forward)?,
        corpus_of(dir.path(), "reverse", &reverse)?,
    );
    let (a, b) = (Corpus::open(&a)?, Corpus::open(&b)?);

    // The numberings differ, and the data holds what the comparison is about.
    let ids = |c: &Corpus| rows(c, "SELECT key, id FROM works");
    let (ids_a, ids_b) = (ids(&a)?, ids(&b)?);
    assert_eq!(ids_a.len(), ids_b.len());
    assert!(
        ids_a.len() * 100 >= lines.len() * 99,
        "{} works",
        ids_a.len()
    );
    let renumbered = ids_a.iter().zip(&ids_b).filter(|(x, y)| x != y).count();
    assert!(renumbered * 10 > ids_a.len() * 9, "{renumbered} renumbered");
    let count = |sql: &str| -> Result<i64> { Ok(a.conn().query_row(sql, [], |r| r.get(0))?) };
    assert!(count("SELECT COUNT(*) FROM researcher_orgs WHERE papers >= 2")? >= 20);
    assert!(count("SELECT COUNT(*) FROM work_impact WHERE estimated = 1")? >= 300);
    assert!(count("SELECT COUNT(*) FROM work_impact WHERE estimated = 0")? >= 600);

    for sql in TABLES {
        let (x, y) = (rows(&a, sql)?, rows(&b, sql)?);
        assert!(!x.is_empty(), "{sql}");
        let differing: Vec<_> = x.iter().zip(&y).filter(|(p, q)| p != q).take(3).collect();
        assert!(
            x.len() == y.len() && differing.is_empty(),
            "{sql}: {} vs {} rows; first differences {differing:#?}",
            x.len(),
            y.len()
        );
    }

    // The semantic model: the same vector for every work, the same acronyms and the same
    // embedding of a query.
    let model = |c: &Corpus| -> Result<SemanticModel> {
        SemanticModel::load(c.index_dir())?
            .ok_or_else(|| CorpusError::Invalid("no semantic model".into()))
    };
    let (ma, mb) = (model(&a)?, model(&b)?);
    let id_of = |c: &Corpus| -> Result<std::collections::HashMap<String, i64>> {
        let mut stmt = c.conn().prepare("SELECT key, id FROM works")?;
        let map = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(map)
    };
    let (ia, ib) = (id_of(&a)?, id_of(&b)?);
    let mut with_vector = 0;
    for (key, id) in &ia {
        let va = ma.work_vector(*id);
        assert_eq!(va, mb.work_vector(ib[key]), "{key}");
        with_vector += usize::from(va.is_some_and(|v| v.iter().any(|x| *x != 0.0)));
    }
    assert!(
        with_vector * 10 > ia.len() * 9,
        "{with_vector} works with a vector"
    );
    assert_eq!(ma.acronyms(), mb.acronyms());
    let query = "reinforcement learning from human feedback";
    assert!(ma.embed(query).is_some());
    assert_eq!(ma.embed(query), mb.embed(query));
    Ok(())
}

/// A database whose derived data an older scout wrote in id order (schema 12, a semantic model of
/// file version 2) is refreshed in full by its next refresh, even without new data: afterwards
/// it holds what today's code derives, so later incremental refreshes equal a rebuild again.
#[test]
fn a_database_from_before_schema_13_is_derived_again_in_full() -> Result<()> {
    let dir = tempfile::tempdir().map_err(io(Path::new("tmp")))?;
    let lines = records(&["cvpr.jsonl.gz", "iclr.jsonl.gz"], 200)?;
    let forward: Vec<&String> = lines.iter().collect();
    let db = corpus_of(dir.path(), "old", &forward)?;
    let (orgs_sql, impact_sql) = (TABLES[1], TABLES[3]);
    let corpus = Corpus::open(&db)?;
    let (orgs, impact) = (rows(&corpus, orgs_sql)?, rows(&corpus, impact_sql)?);
    // As an older scout left it: cells by smallest and largest id (here: swapped), impact from
    // an id-order fit (here: moved), the model file of version 2.
    corpus.conn().execute_batch(
        "UPDATE researcher_orgs SET first_work = last_work, last_work = first_work WHERE papers >= 2;
         UPDATE work_impact SET score = score + 1;
         PRAGMA user_version = 12;",
    )?;
    assert_ne!(rows(&corpus, orgs_sql)?, orgs);
    let model = SemanticModel::path(corpus.index_dir());
    let mut bytes = std::fs::read(&model).map_err(io(&model))?;
    bytes[..8].copy_from_slice(b"SCSEM002");
    std::fs::write(&model, &bytes).map_err(io(&model))?;
    drop(corpus);

    let mut corpus = Corpus::open(&db)?;
    let plan = scout_corpus::incremental::plan(corpus.conn())?;
    assert!(
        matches!(&plan, scout_corpus::incremental::Plan::Full(why) if why.contains("no incremental state")),
        "{plan:?}"
    );
    let report = corpus.refresh(false)?;
    assert!(report.impact.as_ref().is_some_and(|i| i.refit));
    assert!(
        report
            .semantic
            .as_ref()
            .and_then(|s| s.refit_reason.as_deref())
            .is_some_and(|r| r.contains("version 2"))
    );
    assert_eq!(rows(&corpus, orgs_sql)?, orgs);
    assert_eq!(rows(&corpus, impact_sql)?, impact);
    assert!(
        SemanticModel::load(corpus.index_dir())?
            .and_then(|m| m.fit())
            .is_some()
    );
    Ok(())
}
