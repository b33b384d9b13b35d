//! The List does not depend on how an ingest numbered the works. Work ids are the order records
//! arrived in, so two corpora of the same records rarely share them; scout-corpus's own
//! `tests/numbering.rs` shows their derived data equal by key. Here the same real records
//! (`data/demo`) are ingested in file order and in reverse, and the List of each, from SQLite and
//! from the in-memory model, for topics and fields, is compared by key: the same researchers in
//! the same order, scores equal to the bit, the same papers behind each row.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use scout_corpus::{Corpus, IngestOptions, Progress};
use scout_rank::{ListQuery, ListResult, RankModel, rank, rank_with};

/// The first `n` records of each demo file, every third without its citation count (so that
/// estimated and counted impacts mix).
fn records(files: &[&str], n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for file in files {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../data/demo/paperlists/papers")
            .join(file);
        let f = std::fs::File::open(&path).expect("demo file");
        let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(f));
        for line in reader.lines().take(n) {
            let mut v: serde_json::Value =
                serde_json::from_str(&line.expect("line")).expect("json record");
            if out.len() % 3 == 0
                && let Some(record) = v.as_object_mut()
            {
                record.remove("gs_citation");
            }
            out.push(v.to_string());
        }
    }
    out
}

/// A corpus of `lines` in that order, refreshed in full; its database path.
fn corpus_of(dir: &Path, name: &str, lines: &[&String]) -> PathBuf {
    let file = dir.join(format!("{name}.jsonl"));
    let mut out = std::fs::File::create(&file).expect("records file");
    for line in lines {
        writeln!(out, "{line}").expect("write");
    }
    drop(out);
    let db = dir.join(format!("{name}.sqlite"));
    let mut corpus = Corpus::open(&db).expect("open");
    let opts = IngestOptions::new(dir.join(format!("{name}.rejects.jsonl")));
    corpus
        .ingest(&[file], &opts, &Progress::default())
        .expect("ingest");
    corpus.refresh(false).expect("refresh");
    db
}

/// A List rendered by keys: matching papers, candidates, and per row the researcher's key, the
/// score's bits, the papers behind it and the explained papers (work key, contribution's bits).
fn by_keys(result: &ListResult) -> String {
    let mut out = format!(
        "{} matching, {} candidates\n",
        result.matching_papers, result.candidates
    );
    for row in &result.rows {
        out.push_str(&format!(
            "{} {:016x} {}",
            row.researcher.key,
            row.score.to_bits(),
            row.papers
        ));
        for p in &row.top_papers {
            out.push_str(&format!(
                " {}={:016x}",
                p.work_key,
                p.contribution.to_bits()
            ));
        }
        out.push('\n');
    }
    out
}

#[test]
fn two_numberings_of_the_same_works_give_the_same_list() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lines = records(
        &[
            "cvpr.jsonl.gz",
            "icml.jsonl.gz",
            "nips.jsonl.gz",
            "iclr.jsonl.gz",
            "acl.jsonl.gz",
        ],
        400,
    );
    let forward: Vec<&String> = lines.iter().collect();
    let reverse: Vec<&String> = lines.iter().rev().collect();
    let dbs = [
        corpus_of(dir.path(), "forward", &forward),
        corpus_of(dir.path(), "reverse", &reverse),
    ];
    let mut lists: Vec<Vec<(String, String)>> = Vec::new();
    for db in &dbs {
        let mut corpus = Corpus::open_existing(db).expect("open");
        let index = corpus.text_index().expect("index");
        let model = RankModel::load(corpus.conn()).expect("model");
        let as_of = corpus.latest_year().expect("year").expect("a dated corpus");
        let mut out = Vec::new();
        for topic in [
            "large language models",
            "reinforcement learning",
            "graph neural networks",
            "image segmentation",
            "optimization",
            // Fields: every paper of their venues counts (the model sums them).
            "computer vision",
            "machine learning",
        ] {
            let mut q = ListQuery::new(topic);
            q.limit = 300;
            q.explain_papers = 20;
            let from_sql = rank(corpus.conn(), &index, as_of, &q).expect("sql");
            let from_model =
                rank_with(corpus.conn(), &index, &mut model.facts(), as_of, &q).expect("model");
            assert!(
                from_sql.rows.len() >= 50,
                "{topic}: {}",
                from_sql.rows.len()
            );
            out.push((format!("{topic} (SQLite)"), by_keys(&from_sql)));
            out.push((format!("{topic} (model)"), by_keys(&from_model)));
        }
        lists.push(out);
    }
    // The numberings differ.
    let ids = |db: &PathBuf| -> Vec<(String, i64)> {
        let corpus = Corpus::open_existing(db).expect("open");
        let mut stmt = corpus
            .conn()
            .prepare("SELECT key, id FROM works ORDER BY key")
            .expect("prepare");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    let (a, b) = (ids(&dbs[0]), ids(&dbs[1]));
    let renumbered = a.iter().zip(&b).filter(|(x, y)| x != y).count();
    assert!(renumbered * 10 > a.len() * 9, "{renumbered} renumbered");

    for ((name, x), (_, y)) in lists[0].iter().zip(&lists[1]) {
        if x != y {
            let first = x
                .lines()
                .zip(y.lines())
                .position(|(p, q)| p != q)
                .unwrap_or(0);
            panic!(
                "{name}: the Lists differ from line {first}:\n{}\n{}",
                x.lines().nth(first).unwrap_or_default(),
                y.lines().nth(first).unwrap_or_default()
            );
        }
    }
}
