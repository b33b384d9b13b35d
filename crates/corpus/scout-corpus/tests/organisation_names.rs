//! An organisation is named by its most used spelling (`identity/load.rs`), on real records
//! (`tests/fixtures/spellings/`).

use std::path::Path;

use scout_corpus::Result;

mod common;

#[test]
fn an_organisation_takes_its_most_used_spelling() -> Result<()> {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spellings/shanghai.jsonl");
    let (_dir, corpus) = common::refreshed_corpus(&[fixture])?;
    let names: Vec<String> = {
        let mut stmt = corpus
            .conn()
            .prepare("SELECT name FROM organisations WHERE key LIKE 'shanghai%'")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    // The ACL 2021 paper, whose work key sorts first, writes "Shanghai Artificial Intelligence
    // Laboratory"; the two COLM 2025 papers write "Shanghai AI Laboratory". One organisation,
    // named as most of its papers name it.
    assert_eq!(names, vec!["Shanghai AI Laboratory".to_string()]);
    Ok(())
}
