//! Identity in parts (`identity::partition`, the distributed job's unit of work) on real
//! records (`data/demo`): resolving component by component and assembling the outcomes gives
//! exactly the clustering of the whole corpus.

use std::path::{Path, PathBuf};

use scout_corpus::identity::partition::{assemble, components, resolve_partition};
use scout_corpus::identity::{Clustering, ResolveConfig, load, resolve};
use scout_corpus::{Corpus, CorpusError, IngestOptions, Progress, Result};

fn io(path: &Path) -> impl Fn(std::io::Error) -> CorpusError + '_ {
    move |source| CorpusError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A corpus of two demo conferences (ICLR carries OpenReview ids, NeurIPS mostly not).
fn demo_corpus(dir: &Path) -> Result<Corpus> {
    let papers = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../data/demo/paperlists/papers");
    let files: Vec<PathBuf> = ["iclr.jsonl.gz", "nips.jsonl.gz"]
        .iter()
        .map(|f| papers.join(f))
        .collect();
    let mut corpus = Corpus::open(&dir.join("c.sqlite"))?;
    let opts = IngestOptions::new(dir.join("rejects.jsonl"));
    corpus.ingest(&files, &opts, &Progress::default())?;
    Ok(corpus)
}

#[test]
fn components_resolve_as_the_whole_corpus() -> Result<()> {
    let dir = tempfile::tempdir().map_err(io(Path::new("tmp")))?;
    let corpus = demo_corpus(dir.path())?;
    let data = load(corpus.conn())?;
    let whole = resolve(&data, &ResolveConfig::default());
    let parts = components(&data);
    assert!(parts.len() > 1000, "{} components", parts.len());
    assert!(parts.iter().any(|rows| rows.iter().any(|r| !r.own)));
    let outcomes = parts
        .iter()
        .map(|rows| resolve_partition(rows))
        .collect::<Result<Vec<_>>>()?;
    let assembled = assemble(&data, &outcomes)?;
    assert_eq!(assembled.root, whole.root);
    let links = |c: &Clustering| {
        let mut links: Vec<(u32, u32, &str, String)> = c
            .links
            .iter()
            .map(|l| (l.a, l.b, l.rule.as_str(), l.detail(&data)))
            .collect();
        links.sort();
        links
    };
    let rules: std::collections::BTreeSet<&str> =
        whole.links.iter().map(|l| l.rule.as_str()).collect();
    assert!(rules.len() >= 3, "{rules:?}");
    assert_eq!(links(&assembled), links(&whole));
    assert_eq!(assembled.strong_id_links, whole.strong_id_links);
    assert!(whole.strong_id_links[0] > 0);
    assert_eq!(assembled.refused_conflicts, whole.refused_conflicts);
    assert_eq!(assembled.namesakes_kept_apart, whole.namesakes_kept_apart);
    assert_eq!(assembled.inconsistent_ids, whole.inconsistent_ids);
    assert_eq!(assembled.blocks.common, whole.blocks.common);
    assert_eq!(assembled.blocks.capped, whole.blocks.capped);
    Ok(())
}

#[test]
fn a_stale_or_incomplete_output_is_refused() -> Result<()> {
    let dir = tempfile::tempdir().map_err(io(Path::new("tmp")))?;
    let corpus = demo_corpus(dir.path())?;
    let data = load(corpus.conn())?;
    let mut outcomes = components(&data)
        .iter()
        .map(|rows| resolve_partition(rows))
        .collect::<Result<Vec<_>>>()?;
    let lost = outcomes.pop();
    let err = assemble(&data, &outcomes)
        .map(|_| ())
        .expect_err("must be refused");
    assert!(err.to_string().contains("not resolved"), "{err}");
    outcomes.extend(lost.clone());
    outcomes.extend(lost);
    let err = assemble(&data, &outcomes)
        .map(|_| ())
        .expect_err("must be refused");
    assert!(err.to_string().contains("resolved twice"), "{err}");
    Ok(())
}
