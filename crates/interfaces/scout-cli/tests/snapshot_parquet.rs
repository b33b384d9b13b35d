//! `scout ingest` on the Parquet edition of the OpenAlex snapshot, against the JSON Lines
//! edition of the same real records: snapshot layouts (`parquet/`, `jsonl/`, both, manifests),
//! the stored corpus, the slice filters, and Parquet files given directly (broken ones too).
//! The Parquet files are the fixtures of `scout-openalex-parquet` (real works from `data/demo`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

fn fixture(name: &str) -> PathBuf {
    repo()
        .join("crates/sources/scout-openalex-parquet/tests/data")
        .join(name)
}

fn scout(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scout"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running scout: {e}"))
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success() || out.status.code() == Some(3),
        "scout failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn ingest_snapshot(db: &Path, root: &Path, filter: &[&str]) -> (Value, String) {
    let root = root.display().to_string();
    let mut args = vec!["--format", "json", "ingest", "--openalex-snapshot", &root];
    args.extend_from_slice(filter);
    let out = scout(db, &args);
    (
        json(&out),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every stored column of every work, and the abstracts' text.
fn corpus(db: &Path) -> Vec<Vec<String>> {
    let conn = scout_corpus::rusqlite::Connection::open(db).unwrap_or_else(|e| panic!("{e}"));
    let mut stmt = conn
        .prepare(
            "SELECT key, source, title, year, venue, url, doi, arxiv, work_type, citations,
                    keywords, abstract, n_authors, authors, affiliations, updated, content_hash
             FROM works ORDER BY key",
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let n = stmt.column_count();
    let rows = stmt
        .query_map([], |r| {
            (0..n)
                .map(|i| {
                    let v: scout_corpus::rusqlite::types::Value = r.get(i)?;
                    Ok(format!("{v:?}"))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap_or_else(|e| panic!("{e}"));
    rows.collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The works of the Parquet fixture, as the JSON objects of the demo sample.
fn fixture_works_as_json() -> Vec<Value> {
    let bytes = std::fs::read(repo().join("data/demo/openalex/works_sample.json.gz"))
        .unwrap_or_else(|e| panic!("{e}"));
    let text = std::io::read_to_string(flate2::read::GzDecoder::new(&bytes[..]))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut works: Vec<Value> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    // The fixture is every fifth work in (publication_year, id) order.
    works.sort_by_key(|w| {
        (
            w["publication_year"].as_i64().unwrap_or(0),
            w["id"].as_str().unwrap_or_default().to_string(),
        )
    });
    works.into_iter().step_by(5).collect()
}

fn write_gz(path: &Path, text: &str) {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let bytes = enc.finish().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("{e}"));
}

/// A snapshot root with the requested editions of the same works, each with a manifest.
fn snapshot(root: &Path, parquet: bool, jsonl: bool) {
    let part = "works/updated_date=2026-06-01";
    if parquet {
        let dir = root.join("parquet").join(part);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        std::fs::copy(fixture("works_map.parquet"), dir.join("part_0000.parquet"))
            .unwrap_or_else(|e| panic!("{e}"));
        let manifest = serde_json::json!({"entries": [{"url": format!("s3://openalex/data/parquet/{part}/part_0000.parquet"), "meta": {"record_count": 39}}], "meta": {"record_count": 39}});
        std::fs::write(root.join("parquet/manifest.json"), manifest.to_string())
            .unwrap_or_else(|e| panic!("{e}"));
    }
    if jsonl {
        let dir = root.join("jsonl").join(part);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let lines: String = fixture_works_as_json()
            .iter()
            .map(|w| format!("{w}\n"))
            .collect();
        write_gz(&dir.join("part_0000.gz"), &lines);
        let manifest = serde_json::json!({"entries": [{"url": format!("s3://openalex/data/jsonl/{part}/part_0000.gz"), "meta": {"record_count": 39}}], "meta": {"record_count": 39}});
        std::fs::write(root.join("jsonl/manifest.json"), manifest.to_string())
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn the_parquet_edition_gives_the_corpus_of_the_json_lines_edition() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let both = dir.path().join("both");
    let only_jsonl = dir.path().join("jsonl-only");
    snapshot(&both, true, true);
    snapshot(&only_jsonl, false, true);

    let parquet_db = dir.path().join("p.sqlite");
    let (summary, stderr) = ingest_snapshot(&parquet_db, &both, &["--no-refresh"]);
    assert_eq!(summary["snapshot"]["edition"], "parquet", "{summary}");
    assert!(
        summary["snapshot"]["not_read"]
            .as_str()
            .is_some_and(|p| p.ends_with("jsonl/works")),
        "{summary}"
    );
    assert!(
        stderr.contains("both editions found; reading the Parquet edition"),
        "{stderr}"
    );
    assert_eq!(summary["ingest"]["inserted"], 39, "{summary}");
    assert_eq!(summary["ingest"]["rejected"], 0, "{summary}");
    assert_eq!(summary["ingest"]["files"][0]["format"], "OpenAlex works");

    let jsonl_db = dir.path().join("j.sqlite");
    let (summary, _) = ingest_snapshot(&jsonl_db, &only_jsonl, &["--no-refresh"]);
    assert_eq!(summary["snapshot"]["edition"], "jsonl", "{summary}");
    assert_eq!(summary["ingest"]["inserted"], 39, "{summary}");

    let stored = corpus(&parquet_db);
    assert_eq!(stored.len(), 39);
    assert_eq!(
        stored,
        corpus(&jsonl_db),
        "same works, authorships and abstracts"
    );
    assert!(stored.iter().all(|row| row[11] != "Null"), "abstracts kept");

    // The format root holds a manifest.json: given as a plain path, it is skipped, not rejected.
    let direct_db = dir.path().join("d.sqlite");
    let out = scout(
        &direct_db,
        &[
            "--format",
            "json",
            "ingest",
            "--no-refresh",
            &only_jsonl.join("jsonl").display().to_string(),
        ],
    );
    let summary = json(&out);
    assert_eq!(summary["ingest"]["rejected"], 0, "{summary}");
    assert_eq!(
        summary["ingest"]["skipped"][0]["reason"], "OpenAlex snapshot manifest",
        "{summary}"
    );
}

#[test]
fn slices_of_the_parquet_edition_match_slices_of_the_json_lines_edition() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let parquet = dir.path().join("p");
    let jsonl = dir.path().join("j");
    snapshot(&parquet, true, false);
    snapshot(&jsonl, false, true);
    // C154945302 (artificial intelligence) is on 27 of these 39 works, 15 of them from 2019 on,
    // C33923547 (mathematics) on 17; I99065089 (Tsinghua University) is on 11.
    for filter in [
        vec!["--topic-filter", "C154945302", "--years", "2019-"],
        vec!["--topic-filter", "C33923547,C154945302"],
        vec!["--years", "2015-2018"],
        vec!["--institution-filter", "I99065089", "--years", "-2020"],
    ] {
        let mut args = vec!["--check"];
        args.extend_from_slice(&filter);
        let (p, _) = ingest_snapshot(&dir.path().join("p.sqlite"), &parquet, &args);
        let (j, _) = ingest_snapshot(&dir.path().join("j.sqlite"), &jsonl, &args);
        for field in ["records_read", "filtered", "rejected"] {
            assert_eq!(p["ingest"][field], j["ingest"][field], "{filter:?} {field}");
        }
        assert_eq!(
            p["ingest"]["records_read"].as_u64().unwrap_or(0)
                + p["ingest"]["filtered"].as_u64().unwrap_or(0),
            39,
            "{filter:?}: {p}"
        );
        if filter == ["--topic-filter", "C154945302", "--years", "2019-"] {
            assert_eq!(p["ingest"]["records_read"], 15, "{p}");
        }
        if filter.contains(&"--years") {
            assert!(
                p["ingest"]["row_groups_skipped"].as_u64().unwrap_or(0) > 0,
                "{filter:?}: {p}"
            );
        }
    }
}

#[test]
fn parquet_files_are_read_directly_and_a_broken_one_is_reported() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let bytes = std::fs::read(fixture("works_json_text.parquet")).unwrap_or_else(|e| panic!("{e}"));
    let broken = dir.path().join("broken.parquet");
    std::fs::write(&broken, &bytes[..bytes.len() - 100]).unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("c.sqlite");
    let rejects = dir.path().join("rejects.jsonl");
    let paths: Vec<String> = [
        fixture("works_json_text.parquet"),
        fixture("authors.parquet"),
        fixture("institutions.parquet"),
        broken.clone(),
    ]
    .iter()
    .map(|p| p.display().to_string())
    .collect();
    let rejects_arg = rejects.display().to_string();
    let mut args = vec![
        "--format",
        "json",
        "ingest",
        "--no-refresh",
        "--rejects",
        &rejects_arg,
    ];
    args.extend(paths.iter().map(String::as_str));
    let out = scout(&db, &args);
    assert_eq!(out.status.code(), Some(3), "rejects give exit code 3");
    let summary = json(&out);
    assert_eq!(summary["ingest"]["inserted"], 12 + 6 + 6, "{summary}");
    let files = summary["ingest"]["files"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let format_of = |name: &str| {
        files
            .iter()
            .find(|f| f["path"].as_str().is_some_and(|p| p.ends_with(name)))
            .map(|f| (f["format"].clone(), f["error"].clone()))
    };
    assert_eq!(
        format_of("authors.parquet").map(|f| f.0),
        Some(Value::from("OpenAlex authors"))
    );
    assert_eq!(
        format_of("institutions.parquet").map(|f| f.0),
        Some(Value::from("OpenAlex institutions"))
    );
    let error = format_of("broken.parquet")
        .and_then(|f| f.1.as_str().map(str::to_string))
        .unwrap_or_default();
    assert!(error.contains("not a readable Parquet file"), "{error}");
    let reject_lines = std::fs::read_to_string(&rejects).unwrap_or_else(|e| panic!("{e}"));
    let reject: Value = serde_json::from_str(reject_lines.lines().next().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        reject["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("broken.parquet")),
        "{reject}"
    );
}
