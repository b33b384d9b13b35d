//! Career stages on real records (`data/demo`): refresh writes a stage for every researcher,
//! the same corpus gives the same stages (the learned model included), and the censoring
//! sample's stage is read from years on histories whose venues are covered; the papers a rebuild
//! builds in memory equal those read from the database.

use std::path::{Path, PathBuf};

use scout_corpus::career::{self, StageRules};
use scout_corpus::{Corpus, Result};

mod common;

fn demo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../data/demo/paperlists/papers")
        .join(rel)
}

fn stages(corpus: &Corpus) -> Result<Vec<(i64, String, bool, String)>> {
    let mut stmt = corpus.conn().prepare(
        "SELECT id, COALESCE(stage, ''), stage_at_least, COALESCE(stage_basis, '')
         FROM researchers ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Every researcher's papers as a rebuild builds them: the stored authorships joined to the
/// works in memory.
fn from_authorships(corpus: &Corpus) -> Result<career::PaperMap> {
    let works = career::WorkFacts::load(corpus.conn())?;
    let mut stmt = corpus
        .conn()
        .prepare("SELECT work_id, position, researcher_id FROM authorship_researcher")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let authorships: Vec<(i64, i64, i64)> = rows.collect::<std::result::Result<_, _>>()?;
    Ok(works.papers(authorships.into_iter()))
}

#[test]
fn the_same_corpus_gives_the_same_stages() -> Result<()> {
    let (_dir, mut corpus) = common::refreshed_corpus(&[demo("icml.jsonl.gz")])?;
    let first = stages(&corpus)?;
    assert!(first.len() > 1000, "{} researchers", first.len());
    assert!(
        first.iter().all(|s| !s.1.is_empty()),
        "a researcher without a stage"
    );
    corpus.refresh(true)?;
    assert_eq!(first, stages(&corpus)?);

    // ICML's coverage here begins in 2017: everyone first seen in 2017 or 2018 is censored,
    // and the censoring sample (uncensored histories only) reads its truth from years.
    let full = career::load_papers(corpus.conn(), None)?;
    let hidden = career::load_papers(corpus.conn(), Some(2021))?;
    // What a rebuild computes in memory equals what is read back from the database.
    assert_eq!(career::hidden_view(&full, 2021), hidden);
    assert_eq!(from_authorships(&corpus)?, full);
    let as_of = corpus.latest_year()?.unwrap_or(2025);
    let sample = career::censoring_sample(&full, &hidden, as_of, 1, |_| true);
    assert!(!sample.is_empty());
    for (id, stage) in &sample {
        let papers = &full[id];
        assert!(!career::is_censored(papers));
        let first = papers.iter().map(|p| p.year).min().unwrap_or(as_of);
        assert!(first >= 2019, "researcher {id} first seen {first}");
        assert_eq!(
            *stage,
            scout_corpus::researchers::CareerStage::from_years(as_of - first)
        );
        let e = career::estimate(papers, as_of, None, &StageRules::default(), None);
        assert_eq!(e.map(|e| e.at_least), Some(false));
    }
    Ok(())
}

#[test]
fn a_short_history_that_only_shows_a_supervisor_is_stored_senior() -> Result<()> {
    let (_dir, corpus) = common::refreshed_corpus(&[demo("icml.jsonl.gz")])?;
    let full = career::load_papers(corpus.conn(), None)?;
    let stored: std::collections::HashMap<i64, (String, bool, String)> = stages(&corpus)?
        .into_iter()
        .map(|(id, stage, at_least, basis)| (id, (stage, at_least, basis)))
        .collect();
    let (mut supervisors, mut short_others_early) = (0, 0);
    for (id, papers) in &full {
        let (stage, at_least, basis) = &stored[id];
        if career::supervisor_only(papers) {
            supervisors += 1;
            assert_eq!(
                (stage.as_str(), *at_least),
                ("senior", true),
                "{id}: {basis}"
            );
            assert!(basis.contains("a supervisor whose own first papers are elsewhere"));
        } else if papers.len() <= career::SUPERVISOR_ONLY_MAX_PAPERS
            && papers.iter().all(|p| p.position == 0 && p.n_authors >= 3)
            && papers.iter().all(|p| p.year >= 2021)
        {
            // First authors of short histories since 2021: students, as before.
            short_others_early += usize::from(stage == "early");
        }
    }
    // ICML 2017–2025 in the demo: many professors appear once, as last authors.
    assert!(supervisors > 100, "{supervisors} supervisor-only histories");
    assert!(
        short_others_early > 100,
        "{short_others_early} first authors early"
    );
    Ok(())
}
