//! Moves on real records (`tests/fixtures/moves/`): a new organisation is a move when the
//! researcher's address changed with it, and not when they kept writing from the old one (a
//! renamed university, a second name of one institute).

use std::path::Path;

use scout_corpus::{Corpus, Result};

mod common;

/// (researcher, from, to, year) of every move, in that order.
fn moves(corpus: &Corpus) -> Result<Vec<(String, String, String, i64)>> {
    let mut stmt = corpus.conn().prepare(
        "SELECT r.name, a.name, b.name, m.year FROM moves m
         JOIN researchers r ON r.id = m.researcher_id
         JOIN organisations a ON a.id = m.from_org JOIN organisations b ON b.id = m.to_org
         ORDER BY 1, 4",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

#[test]
fn a_move_needs_a_new_address() -> Result<()> {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/moves/addresses.jsonl");
    let (_dir, corpus) = common::refreshed_corpus(&[fixture])?;
    let found = moves(&corpus)?;
    let of = |name: &str| -> Vec<(String, String, i64)> {
        found
            .iter()
            .filter(|m| m.0 == name)
            .map(|m| (m.1.clone(), m.2.clone(), m.3))
            .collect()
    };
    // gatech.edu (2018), google.com (2020), apple.com (2024): one move. The single DeepMind paper
    // between the two is a one-year stint followed by papers elsewhere (a visit, by `moves.rs`).
    assert_eq!(
        of("Mehrdad Farajtabar"),
        vec![("Google DeepMind".to_string(), "Apple".to_string(), 2024)]
    );
    // "Technical University of Kaiserslautern" (2021), then "RPTU Kaiserslautern-Landau"
    // (2024, the university after its merger), both from cs.uni-kl.de; "Hochschule der Medien
    // Stuttgart" (2020), then "Stuttgart Media University" (2023), both from hdm-stuttgart.de.
    assert_eq!(of("Saurabh Varshneya"), vec![]);
    assert_eq!(of("Johannes Maucher"), vec![]);
    Ok(())
}
