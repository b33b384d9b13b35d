//! The List from the in-memory [`RankModel`] (servers, benchmarks) equals the List read
//! straight from SQLite (`scout list`), on real papers from `data/demo` that include the same
//! paper at two venues (ICLR and ACL), with and without filters. For a topic naming a field the
//! model scores the field's papers from its sums and totals (`field_sums.rs`), SQLite paper by
//! paper, so the two paths are compared too.

use scout_corpus::{Corpus, IngestOptions, Progress};
use scout_rank::{ListQuery, ListResult, RankModel, explain_researchers, rank, rank_with};

/// One corpus for the tests of this file (ingest and refresh take a while in a debug build).
fn demo_corpus() -> std::path::PathBuf {
    static CORPUS: std::sync::OnceLock<(tempfile::TempDir, std::path::PathBuf)> =
        std::sync::OnceLock::new();
    CORPUS
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let db = build(dir.path());
            (dir, db)
        })
        .1
        .clone()
}

fn build(dir: &std::path::Path) -> std::path::PathBuf {
    let db = dir.join("corpus.sqlite");
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../data/demo");
    let inputs = [
        demo.join("paperlists/papers/iclr.jsonl.gz"),
        demo.join("paperlists/papers/acl.jsonl.gz"),
        demo.join("paperlists/abstracts/iclr.jsonl.gz"),
        demo.join("paperlists/abstracts/acl.jsonl.gz"),
    ];
    let mut corpus = Corpus::open(&db).expect("open corpus");
    corpus
        .ingest(
            &inputs,
            &IngestOptions::new(dir.join("rejects.jsonl")),
            &Progress::default(),
        )
        .expect("ingest");
    corpus.refresh(false).expect("refresh");
    db
}

/// Researcher, papers behind the score, and the explained papers of each row.
fn summary(result: &ListResult) -> Vec<(i64, usize, Vec<i64>)> {
    result
        .rows
        .iter()
        .map(|r| {
            (
                r.researcher.id,
                r.papers,
                r.top_papers.iter().map(|p| p.work_id).collect(),
            )
        })
        .collect()
}

/// The rows' scores agree within 1e-9 (relative above 1): a field's papers are summed per
/// venue-year in the model and paper by paper from SQLite, each rounded to the List's summing
/// unit, so the last digits may differ.
fn assert_scores_agree(a: &ListResult, b: &ListResult, topic: &str) {
    for (x, y) in a.rows.iter().zip(&b.rows) {
        assert!(
            (x.score - y.score).abs() <= 1e-9 * x.score.abs().max(1.0),
            "{topic}: {} {} vs {}",
            x.researcher.key,
            x.score,
            y.score
        );
    }
}

#[test]
fn model_and_sql_give_the_same_list() {
    let db = demo_corpus();
    let mut corpus = Corpus::open_existing(&db).expect("open");
    let index = corpus.text_index().expect("index");
    let model = RankModel::load(corpus.conn()).expect("model");
    // The corpus's own as-of year, as the List uses: the model's field totals are for it.
    let as_of = corpus.latest_year().expect("year").expect("a dated corpus");
    let mut queries = Vec::new();
    for topic in [
        "large language models",
        "reinforcement learning",
        "graph neural networks",
        "machine translation",
        "diffusion models for image generation",
        // Field names: every paper of ACL or of ICLR counts.
        "natural language processing",
        "machine learning",
    ] {
        queries.push(ListQuery::new(topic));
        let mut recent = ListQuery::new(topic);
        recent.since = Some(2024);
        queries.push(recent);
        let mut wide = ListQuery::new(topic);
        wide.limit = 400;
        wide.include_rejected = true;
        queries.push(wide);
        let mut filtered = ListQuery::new(topic);
        filtered.country = Some("us".into());
        filtered.limit = 20;
        queries.push(filtered);
        // Deep into the candidates (for a field: the totals' order merged with the text's).
        let mut deep = ListQuery::new(topic);
        deep.limit = 300;
        queries.push(deep);
    }
    let mut rows = 0;
    for q in &queries {
        let from_sql = rank(corpus.conn(), &index, as_of, q).expect("sql");
        let from_model =
            rank_with(corpus.conn(), &index, &mut model.facts(), as_of, q).expect("model");
        assert_eq!(
            from_sql.matching_papers, from_model.matching_papers,
            "{}",
            q.topic
        );
        assert_eq!(from_sql.candidates, from_model.candidates, "{}", q.topic);
        assert_eq!(summary(&from_sql), summary(&from_model), "{}", q.topic);
        assert_scores_agree(&from_sql, &from_model, &q.topic);
        assert_eq!(
            from_sql
                .field
                .as_ref()
                .map(|f| (f.venues.clone(), f.papers)),
            from_model
                .field
                .as_ref()
                .map(|f| (f.venues.clone(), f.papers)),
            "{}",
            q.topic
        );
        rows += from_model.rows.len();
    }
    assert!(
        rows > 1000,
        "the queries should fill the Lists: {rows} rows"
    );
}

/// The explanation for chosen researchers is the List's own: the same papers, best first, and
/// their contributions sum to the List score (ballot packets rely on it).
#[test]
fn explaining_chosen_researchers_matches_their_list_rows() {
    let db = demo_corpus();
    let mut corpus = Corpus::open_existing(&db).expect("open");
    let index = corpus.text_index().expect("index");
    let model = RankModel::load(corpus.conn()).expect("model");
    let mut q = ListQuery::new("reinforcement learning");
    q.limit = 30;
    q.explain_papers = usize::MAX;
    let list = rank_with(corpus.conn(), &index, &mut model.facts(), 2025, &q).expect("list");
    // Every third row, and a researcher id no one has.
    let chosen: Vec<i64> = list
        .rows
        .iter()
        .step_by(3)
        .map(|r| r.researcher.id)
        .chain([i64::MAX])
        .collect();
    let explained =
        explain_researchers(corpus.conn(), &index, &mut model.facts(), 2025, &q, &chosen)
            .expect("explain");
    assert_eq!(explained.len(), chosen.len());
    assert!(explained[&i64::MAX].is_empty());
    for row in list.rows.iter().step_by(3) {
        let papers = &explained[&row.researcher.id];
        let ids: Vec<i64> = papers.iter().map(|p| p.work_id).collect();
        let want: Vec<i64> = row.top_papers.iter().map(|p| p.work_id).collect();
        assert_eq!(ids, want, "{}", row.researcher.key);
        let sum: f64 = papers.iter().map(|p| p.contribution).sum();
        assert!(
            (sum - row.score).abs() < 1e-9 * row.score.max(1.0),
            "{sum} vs {}",
            row.score
        );
    }
}

#[test]
fn since_holds_for_acronym_expansions_too() {
    let db = demo_corpus();
    let mut corpus = Corpus::open_existing(&db).expect("open");
    let index = corpus.text_index().expect("index");
    let opts = scout_corpus::RelevanceOptions::default();
    let mut expanded = 0;
    for topic in [
        "LLM",
        "large language models",
        "RL",
        "reinforcement learning",
        "GNN",
        "NMT",
        "VAE",
        "CoT",
    ] {
        let all = index.relevant(topic, None, &opts).expect("relevant");
        let recent = index.relevant(topic, Some(2024), &opts).expect("relevant");
        expanded += usize::from(!recent.expansions.is_empty());
        for hit in &recent.hits {
            let year: Option<i32> = corpus
                .conn()
                .query_row("SELECT year FROM works WHERE id = ?1", [hit.work_id], |r| {
                    r.get(0)
                })
                .expect("work");
            assert!(year.is_some_and(|y| y >= 2024), "{topic}: {year:?}");
        }
        assert!(recent.hits.len() < all.hits.len(), "{topic}");
    }
    assert!(expanded > 0, "no topic was expanded by a learned acronym");
}

/// A topic naming a field counts every paper of the venues standing for it (ACL for
/// "computational linguistics"), from `since` on; a narrower topic counts its matches only.
#[test]
fn a_field_topic_counts_every_paper_of_its_venues() {
    let db = demo_corpus();
    let mut corpus = Corpus::open_existing(&db).expect("open");
    let index = corpus.text_index().expect("index");
    let model = RankModel::load(corpus.conn()).expect("model");
    let count = |sql: &str| -> usize {
        corpus
            .conn()
            .query_row(sql, [], |r| r.get::<_, i64>(0))
            .expect("count") as usize
    };
    let acl = count("SELECT COUNT(*) FROM works WHERE venue = 'acl'");
    let acl_recent = count("SELECT COUNT(*) FROM works WHERE venue = 'acl' AND year >= 2022");
    assert!(acl > acl_recent && acl_recent > 0, "{acl} {acl_recent}");

    let mut q = ListQuery::new("Computational Linguistics");
    let all = rank_with(corpus.conn(), &index, &mut model.facts(), 2025, &q).expect("list");
    let field = all.field.as_ref().expect("a field");
    assert_eq!(
        field.venues,
        ["Annual Meeting of the Association for Computational Linguistics"]
    );
    assert_eq!(field.papers, acl);
    assert!(
        all.matching_papers
            >= acl
                - count(
                    "SELECT COUNT(*) FROM works WHERE venue = 'acl' AND (status LIKE '%reject%' OR status LIKE '%withdraw%')"
                )
    );

    q.since = Some(2022);
    let recent = rank_with(corpus.conn(), &index, &mut model.facts(), 2025, &q).expect("list");
    assert_eq!(recent.field.as_ref().map(|f| f.papers), Some(acl_recent));

    // Switched off, or a narrower topic: text relevance only.
    q.since = None;
    q.relevance.field_relevance = 0.0;
    let off = rank_with(corpus.conn(), &index, &mut model.facts(), 2025, &q).expect("list");
    assert!(off.field.is_none());
    assert!(off.matching_papers < all.matching_papers);
    let narrower = ListQuery::new("computational linguistics for low-resource languages");
    let narrower =
        rank_with(corpus.conn(), &index, &mut model.facts(), 2025, &narrower).expect("list");
    assert!(narrower.field.is_none());
}
