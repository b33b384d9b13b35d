//! Timelines and moves in parts (`timeline_part`, the distributed job's second unit of work) on
//! real records (`data/demo`): researchers' mentions, shuffled into parts as the job sends
//! them, give every researcher the timeline and moves the refresh computes over the whole
//! corpus, and the job's answers map back onto the refresh's organisation ids.

use std::path::{Path, PathBuf};

use scout_corpus::identity::{OrgTable, ResolveConfig, load, resolve};
use scout_corpus::network::{Timeline, researcher_timeline};
use scout_corpus::timeline_part::{
    GivenTimeline, TimelineRow, rows_from, timelines_of_part, timelines_of_researchers,
};
use scout_corpus::{Corpus, CorpusError, IngestOptions, Progress, Result};

fn io(path: &Path) -> impl Fn(std::io::Error) -> CorpusError + '_ {
    move |source| CorpusError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Two demo conferences with their e-mail domains (ICLR) and moves between them.
fn demo_corpus(dir: &Path) -> Result<Corpus> {
    let papers = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../data/demo/paperlists/papers");
    let files: Vec<PathBuf> = ["iclr.jsonl.gz", "nips.jsonl.gz", "icml.jsonl.gz"]
        .iter()
        .map(|f| papers.join(f))
        .collect();
    let mut corpus = Corpus::open(&dir.join("c.sqlite"))?;
    let opts = IngestOptions::new(dir.join("rejects.jsonl"));
    corpus.ingest(&files, &opts, &Progress::default())?;
    Ok(corpus)
}

#[test]
fn parts_give_every_researcher_the_refresh_timeline() -> Result<()> {
    let dir = tempfile::tempdir().map_err(io(Path::new("tmp")))?;
    let corpus = demo_corpus(dir.path())?;
    let data = load(corpus.conn())?;
    let clustering = resolve(&data, &ResolveConfig::default());
    let orgs = OrgTable::from_data(&data);
    // Researchers numbered by their root, as a rebuild numbers them in some order of its own.
    let mut roots: Vec<u32> = clustering.root.clone();
    roots.sort_unstable();
    roots.dedup();
    let rid = |root: u32| roots.binary_search(&root).map_or(0, |i| i as u32 + 1);
    let rid_of: Vec<u32> = clustering.root.iter().map(|&r| rid(r)).collect();
    let mut mentions_of: Vec<Vec<u32>> = vec![Vec::new(); roots.len()];
    for (m, &r) in rid_of.iter().enumerate() {
        mentions_of[r as usize - 1].push(m as u32);
    }
    let whole: Vec<Timeline> = mentions_of
        .iter()
        .map(|ms| researcher_timeline(&data, ms, |o| o + 1))
        .collect();
    let moves: usize = whole.iter().map(|t| t.moves.len()).sum();
    assert!(moves > 50, "{moves} moves");

    // Every row, dealt into seven parts by researcher, each part's rows reversed.
    let mut parts: Vec<Vec<TimelineRow>> = vec![Vec::new(); 7];
    for mut r in rows_from(&data, &clustering.root) {
        // The job gives a paper's organisations as a set: any order.
        r.paper_orgs.reverse();
        parts[r.researcher as usize % 7].push(r);
    }
    let mut given: Vec<GivenTimeline> = Vec::new();
    for part in &mut parts {
        part.reverse();
        given.extend(timelines_of_part(part)?);
    }
    let n = roots.len();
    let mapped = timelines_of_researchers(given.clone(), &rid_of, n, &orgs)?;
    assert_eq!(mapped.len(), n);
    let mut with_cells = 0;
    for (r, (a, b)) in whole.iter().zip(&mapped).enumerate() {
        assert_eq!(a.cells, b.cells, "researcher {}", r + 1);
        assert_eq!(a.orgs_seen, b.orgs_seen, "researcher {}", r + 1);
        let mut ma = a.moves.clone();
        let mut mb = b.moves.clone();
        ma.sort_by_key(|m| (m.from, m.to, m.year));
        mb.sort_by_key(|m| (m.from, m.to, m.year));
        assert_eq!(ma, mb, "researcher {}", r + 1);
        with_cells += usize::from(!a.cells.is_empty());
    }
    assert!(
        with_cells > 1000,
        "{with_cells} researchers with a timeline"
    );

    // A mention twice in one part, even under two researchers, is refused.
    let mut doubled = parts[0][..2].to_vec();
    doubled[1].ordinal = doubled[0].ordinal;
    doubled[1].researcher = doubled[0].researcher + 1;
    assert!(timelines_of_part(&doubled).is_err());

    // Refusals: a timeline twice, of a mention outside the corpus, or naming an unknown
    // organisation.
    let first = given
        .iter()
        .find(|t| !t.cells.is_empty())
        .cloned()
        .ok_or_else(|| CorpusError::Invalid("no timeline".into()))?;
    let twice = vec![first.clone(), first.clone()];
    assert!(timelines_of_researchers(twice, &rid_of, n, &orgs).is_err());
    let outside = GivenTimeline {
        researcher: data.mentions.len() as u64,
        ..first.clone()
    };
    assert!(timelines_of_researchers(vec![outside], &rid_of, n, &orgs).is_err());
    let mut unknown = first;
    unknown.cells[0].0 = "no such organisation anywhere".into();
    assert!(timelines_of_researchers(vec![unknown], &rid_of, n, &orgs).is_err());
    Ok(())
}
