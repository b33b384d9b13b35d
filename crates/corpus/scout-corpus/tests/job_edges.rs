//! A rebuild given the co-author edges of a distributed job (`derive::JobOutput::edges`, what
//! `scout import-derived` passes on from `spark/identity_job.py`), on real records (`data/demo`,
//! COLM from `paperlists`): the rebuild's own edges, named by a mention of each researcher as
//! the job names them, give back the same edges and communities; a weight the job gives is the
//! weight stored; edges that do not fit the clustering are refused with the reason. (The job
//! itself against the single-machine refresh is `scripts/spark-check`, run by CI.)

use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap as HashMap;
use scout_corpus::derive::JobOutput;
use scout_corpus::identity::{self, MentionData, ResolveConfig};
use scout_corpus::network::MentionEdge;
use scout_corpus::rusqlite::Connection;
use scout_corpus::{Corpus, CorpusError, IngestOptions, Progress, Result};

fn demo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../data/demo")
        .join(path)
}

fn rows(conn: &Connection, sql: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(sql)?;
    let n = stmt.column_count();
    let mut out = Vec::new();
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let mut cells = Vec::with_capacity(n);
        for i in 0..n {
            let v: scout_corpus::rusqlite::types::Value = r.get(i)?;
            cells.push(format!("{v:?}"));
        }
        out.push(cells.join(" | "));
    }
    out.sort();
    Ok(out)
}

const EDGES: &str =
    "SELECT ra.key, rb.key, e.papers, printf('%.17g', e.weight), e.first_year, e.last_year
     FROM coauthor_edges e JOIN researchers ra ON ra.id = e.a JOIN researchers rb ON rb.id = e.b";
/// Communities as a partition: each researcher with the smallest key of their community.
const COMMUNITIES: &str =
    "SELECT r.key, (SELECT MIN(o.key) FROM researchers o WHERE o.community = r.community)
     FROM researchers r WHERE r.community IS NOT NULL";

/// The stored edges, each researcher named by the first of their mentions in load order.
fn mention_edges(conn: &Connection, data: &MentionData) -> Result<Vec<MentionEdge>> {
    let mut researcher_of: HashMap<(i64, i64), i64> = HashMap::default();
    let mut stmt =
        conn.prepare("SELECT work_id, position, researcher_id FROM authorship_researcher")?;
    let mut found = stmt.query([])?;
    while let Some(r) = found.next()? {
        researcher_of.insert((r.get(0)?, r.get(1)?), r.get(2)?);
    }
    let mut first_mention: HashMap<i64, u32> = HashMap::default();
    for (m, mention) in data.mentions.iter().enumerate() {
        if let Some(&rid) = researcher_of.get(&(mention.work, mention.position)) {
            first_mention.entry(rid).or_insert(m as u32);
        }
    }
    let mut stmt =
        conn.prepare("SELECT a, b, papers, weight, first_year, last_year FROM coauthor_edges")?;
    let mut found = stmt.query([])?;
    let mut edges = Vec::new();
    while let Some(r) = found.next()? {
        let mention = |rid: i64| {
            first_mention
                .get(&rid)
                .copied()
                .ok_or_else(|| CorpusError::Invalid(format!("researcher {rid} has no mention")))
        };
        edges.push(MentionEdge {
            a: mention(r.get(0)?)?,
            b: mention(r.get(1)?)?,
            papers: r.get(2)?,
            weight: r.get(3)?,
            first_year: r.get(4)?,
            last_year: r.get(5)?,
        });
    }
    Ok(edges)
}

fn rebuild(corpus: &mut Corpus, edges: Vec<MentionEdge>) -> Result<()> {
    let resolver = |data: &MentionData| Ok(identity::resolve(data, &ResolveConfig::default()));
    let read = || Ok(edges.clone());
    corpus.rebuild_with_clustering(JobOutput {
        resolver: &resolver,
        edges: Some(&read),
        timelines: None,
    })?;
    Ok(())
}

fn refused(corpus: &mut Corpus, edges: Vec<MentionEdge>) -> String {
    match rebuild(corpus, edges) {
        Ok(()) => String::from("accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_rebuild_given_the_jobs_edges_writes_them_and_clusters_them_alike() -> Result<()> {
    let dir = tempfile::tempdir().map_err(|source| CorpusError::Io {
        path: PathBuf::from("tempdir"),
        source,
    })?;
    let mut corpus = Corpus::open(&dir.path().join("c.sqlite"))?;
    let opts = IngestOptions::new(dir.path().join("rejects.jsonl"));
    corpus.ingest(
        &[demo("paperlists/papers/colm.jsonl.gz")],
        &opts,
        &Progress::default(),
    )?;
    corpus.refresh(true)?;
    let edges = rows(corpus.conn(), EDGES)?;
    let communities = rows(corpus.conn(), COMMUNITIES)?;
    assert!(edges.len() > 1000, "{} edges", edges.len());
    let data = identity::load(corpus.conn())?;
    let given = mention_edges(corpus.conn(), &data)?;

    // Given in another order, with the ends swapped: the same table and partition.
    let mut shuffled: Vec<MentionEdge> = given
        .iter()
        .rev()
        .map(|e| MentionEdge {
            a: e.b,
            b: e.a,
            ..*e
        })
        .collect();
    rebuild(&mut corpus, shuffled.clone())?;
    assert_eq!(rows(corpus.conn(), EDGES)?, edges);
    assert_eq!(rows(corpus.conn(), COMMUNITIES)?, communities);

    // The stored weight is the job's, not one computed here.
    shuffled[0].weight = 1234.5;
    rebuild(&mut corpus, shuffled.clone())?;
    let heavy = rows(
        corpus.conn(),
        "SELECT papers FROM coauthor_edges WHERE weight = 1234.5",
    )?;
    assert_eq!(heavy, vec![format!("Integer({})", shuffled[0].papers)]);
    let weighted = rows(corpus.conn(), COMMUNITIES)?;

    // Edges that belong to another clustering or corpus.
    let first = given[0];
    let mut twice = given.clone();
    twice.push(MentionEdge {
        a: first.b,
        b: first.a,
        ..first
    });
    let err = refused(&mut corpus, twice);
    assert!(err.contains("have two edges"), "{err}");
    let mut one = given.clone();
    one.push(MentionEdge {
        b: first.a,
        ..first
    });
    let err = refused(&mut corpus, one);
    assert!(err.contains("are one researcher"), "{err}");
    let mut outside = given.clone();
    outside[0].b = data.mentions.len() as u32;
    let err = refused(&mut corpus, outside);
    assert!(err.contains("export the corpus again"), "{err}");
    // A refused import leaves the derived tables as they were.
    assert_eq!(rows(corpus.conn(), COMMUNITIES)?, weighted);
    assert_eq!(
        rows(
            corpus.conn(),
            "SELECT COUNT(*) FROM coauthor_edges WHERE weight = 1234.5"
        )?,
        vec!["Integer(1)".to_string()]
    );
    Ok(())
}
