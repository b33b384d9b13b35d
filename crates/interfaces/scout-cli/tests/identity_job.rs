//! `scout export --identity-input` and `scout import-derived` on real records (`data/demo`):
//! the export needs no refresh and writes the job's input with its manifest; an import is
//! refused, with the reason, when the job's output is missing or the corpus changed since the
//! export. (The whole path through Spark is `scripts/spark-check`, run by CI.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn demo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../data/demo")
        .join(rel)
}

fn scout(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scout"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running scout: {e}"))
}

fn ingest(db: &Path, file: &str) {
    let path = demo(file);
    let out = scout(
        db,
        &["ingest", "--no-refresh", path.to_str().expect("utf-8 path")],
    );
    assert!(
        out.status.success() || out.status.code() == Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_identity_input_is_exported_without_a_refresh_and_a_stale_import_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("c.sqlite");
    ingest(&db, "paperlists/papers/colm.jsonl.gz");
    let export = dir.path().join("export");
    let out = scout(
        &db,
        &[
            "--format",
            "json",
            "export",
            "--identity-input",
            "--parquet",
            export.to_str().expect("utf-8"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("updating identity"),
        "no refresh before the export"
    );
    let reports: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let tables: Vec<(&str, u64)> = reports
        .as_array()
        .expect("tables")
        .iter()
        .map(|t| {
            (
                t["table"].as_str().unwrap_or(""),
                t["rows"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(tables.len(), 3, "{tables:?}");
    assert_eq!(tables[0].0, "mentions");
    assert_eq!(tables[1].0, "mention_affiliations");
    // A weight for each author count that makes edges (1–50) and each year of the corpus.
    assert_eq!(tables[2].0, "paper_ties");
    assert_eq!(tables[2].1 % 50, 0, "{tables:?}");
    assert!(tables[2].1 >= 50, "{tables:?}");
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(export.join("identity_input.json")).expect("manifest"),
    )
    .expect("manifest json");
    assert_eq!(manifest["mentions"].as_u64(), Some(tables[0].1));
    assert!(tables[0].1 > 1000, "{tables:?}");

    // The job's output folder without the job's output.
    let job = dir.path().join("job");
    std::fs::create_dir_all(job.join("identity")).expect("mkdir");
    std::fs::copy(
        export.join("identity_input.json"),
        job.join("identity_input.json"),
    )
    .expect("copy");
    let out = scout(&db, &["import-derived", job.to_str().expect("utf-8")]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no Parquet files"), "{err}");

    // New data since the export: the clustering would not match.
    ingest(&db, "paperlists/papers/acl.jsonl.gz");
    let out = scout(&db, &["import-derived", job.to_str().expect("utf-8")]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("export again and rerun the job"), "{err}");
}
