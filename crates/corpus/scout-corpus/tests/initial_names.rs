//! Initial-form names ("F. Chaumette", as IEEE records of ICRA and IROS give every author):
//! an author list given twice is read once (`scout-formats`' paperlists parser), and two
//! mentions of a rare initial-form name that share an organisation are one researcher, while a
//! common one ("J. Wang") still needs a shared co-author (`identity/resolve.rs`).

use std::path::{Path, PathBuf};

use scout_corpus::Result;

mod common;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/initials")
        .join(name)
}

/// (researcher name, mentions) for every researcher whose name ends with `family`.
fn researchers(corpus: &scout_corpus::Corpus, family: &str) -> Result<Vec<(String, i64)>> {
    let mut stmt = corpus.conn().prepare(
        "SELECT r.name, COUNT(*) FROM researchers r JOIN authorship_researcher a ON a.researcher_id = r.id
         WHERE r.name LIKE '%' || ?1 GROUP BY r.id ORDER BY r.name, COUNT(*)",
    )?;
    let rows = stmt.query_map([family], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

#[test]
fn a_rare_initial_form_name_at_one_organisation_is_one_researcher() -> Result<()> {
    // Two IROS papers (2000 and 2005), each with its author list given twice; F. Chaumette is
    // at IRISA/INRIA on both and shares no co-author between them.
    let (_dir, corpus) = common::refreshed_corpus(&[fixture("chaumette.jsonl")])?;
    assert_eq!(
        researchers(&corpus, "Chaumette")?,
        vec![("F. Chaumette".into(), 2)]
    );
    // Each co-author once, with their own affiliation aligned to them.
    assert_eq!(
        researchers(&corpus, "Cretual")?,
        vec![("A. Cretual".into(), 1)]
    );
    let n_authors: Vec<i64> = {
        let mut stmt = corpus
            .conn()
            .prepare("SELECT n_authors FROM works ORDER BY year")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    assert_eq!(n_authors, vec![3, 2]);
    Ok(())
}

#[test]
fn a_common_initial_form_name_needs_a_shared_coauthor() -> Result<()> {
    // "J. Wang" at one university on two papers with no co-author in common, in a block that
    // holds seven full given names (Jia, Jian, Jiang, Jie, Jin, Jing, Jun Wang): two people
    // as far as anything here can tell, so two researchers.
    let (_dir, corpus) = common::refreshed_corpus(&[fixture("wang.jsonl")])?;
    let initials: Vec<(String, i64)> = researchers(&corpus, "Wang")?
        .into_iter()
        .filter(|(name, _)| name == "J. Wang")
        .collect();
    assert_eq!(initials, vec![("J. Wang".into(), 1), ("J. Wang".into(), 1)]);
    Ok(())
}
