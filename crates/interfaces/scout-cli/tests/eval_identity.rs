//! `scout eval identity` on real records from `data/demo`: several halves scored from one
//! resolution give what each half gives alone, and the halves partition the labelled sample.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn demo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../data/demo")
        .join(rel)
}

fn scout_json(db: &Path, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_scout"))
        .arg("--db")
        .arg(db)
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running scout: {e}"));
    assert!(
        out.status.success() || out.status.code() == Some(3),
        "scout {args:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn count(v: &Value, field: &str) -> u64 {
    v[field]
        .as_u64()
        .unwrap_or_else(|| panic!("{field} missing in {v}"))
}

#[test]
fn halves_from_one_resolution_equal_each_half_alone() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("c.sqlite");
    let colm = demo("paperlists/papers/colm.jsonl.gz");
    scout_json(&db, &["ingest", &colm.display().to_string()]);

    let all = scout_json(&db, &["eval", "identity"]);
    assert!(
        count(&all, "labelled_mentions") > 100,
        "COLM carries OpenReview ids: {all}"
    );
    let both = scout_json(
        &db,
        &[
            "eval",
            "identity",
            "--half",
            "tuning",
            "--half",
            "reporting",
        ],
    );
    let both = both
        .as_array()
        .unwrap_or_else(|| panic!("two halves give an array: {both}"));
    assert_eq!(both.len(), 2);
    for (half, together) in ["tuning", "reporting"].into_iter().zip(both) {
        let alone = scout_json(&db, &["eval", "identity", "--half", half]);
        assert_eq!(&alone, together, "{half} alone and with the other half");
        assert!(count(together, "labelled_mentions") > 0, "{half} is empty");
    }
    // Every labelled person is in exactly one half.
    for field in ["labelled_mentions", "true_people", "true_pairs"] {
        assert_eq!(
            count(&both[0], field) + count(&both[1], field),
            count(&all, field),
            "{field}"
        );
    }
}
