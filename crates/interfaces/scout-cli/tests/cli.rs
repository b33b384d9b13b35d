//! End-to-end tests of the `scout` binary on real data from `data/demo` (bundled in the
//! repository): ingest, idempotency, rejects, crash safety, the List, profiles, why-same.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

fn demo(rel: &str) -> PathBuf {
    repo().join("data/demo").join(rel)
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

/// A small real corpus: COLM and ACL papers with abstracts, plus the OpenAlex sample.
fn small_inputs() -> Vec<PathBuf> {
    vec![
        demo("paperlists/papers/colm.jsonl.gz"),
        demo("paperlists/abstracts/colm.jsonl.gz"),
        demo("paperlists/papers/acl.jsonl.gz"),
        demo("paperlists/abstracts/acl.jsonl.gz"),
        demo("openalex"),
    ]
}

fn ingest(db: &Path, inputs: &[PathBuf]) -> Value {
    let mut args: Vec<String> = vec!["--format".into(), "json".into(), "ingest".into()];
    args.extend(inputs.iter().map(|p| p.display().to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    json(&scout(db, &refs))
}

fn query_rows(db: &Path, sql: &str) -> Vec<Vec<String>> {
    let conn = scout_corpus::rusqlite::Connection::open(db).unwrap_or_else(|e| panic!("{e}"));
    let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{e}"));
    let n = stmt.column_count();
    let rows = stmt
        .query_map([], |r| {
            (0..n)
                .map(|i| {
                    use scout_corpus::rusqlite::types::Value as V;
                    let v: V = r.get(i)?;
                    Ok(match v {
                        V::Null => "NULL".to_string(),
                        V::Integer(n) => n.to_string(),
                        V::Real(x) => x.to_string(),
                        V::Text(t) => t,
                        V::Blob(b) => format!("{b:?}"),
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap_or_else(|e| panic!("{e}"));
    rows.collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn ingest_list_show_and_why_same_on_real_data() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("c.sqlite");
    let summary = ingest(&db, &small_inputs());
    let report = &summary["ingest"];
    assert_eq!(report["rejected"], 0, "{report}");
    assert_eq!(
        report["inserted"].as_u64(),
        Some(717 + 717 + 1741 + 1741 + 195 + 30 + 30)
    );
    assert!(
        summary["refresh"]["identity"]["researchers"]
            .as_u64()
            .unwrap_or(0)
            > 1000
    );

    // OpenAlex abstracts are rebuilt from the inverted index.
    let abs = query_rows(
        &db,
        "SELECT abstract FROM works WHERE key = 'openalex:W3140854437'",
    );
    assert!(
        abs[0][0].contains("In the last few years, the deep learning (DL) computing paradigm"),
        "{abs:?}"
    );

    // The List: scores are sums of contributions, contributions products of factors.
    let list = json(&scout(
        &db,
        &[
            "--format",
            "json",
            "list",
            "large language models",
            "--limit",
            "20",
            "--explain-papers",
            "100",
        ],
    ));
    let rows = list["rows"].as_array().unwrap_or_else(|| panic!("{list}"));
    assert_eq!(rows.len(), 20);
    let mut previous = f64::INFINITY;
    for row in rows {
        let score = row["score"].as_f64().unwrap_or_default();
        assert!(score <= previous + 1e-12, "not sorted");
        previous = score;
        let papers = row["top_papers"]
            .as_array()
            .unwrap_or_else(|| panic!("{row}"));
        let sum: f64 = papers
            .iter()
            .map(|p| p["contribution"].as_f64().unwrap_or_default())
            .sum();
        assert!((sum - score).abs() < 1e-9, "score {score} != sum {sum}");
        for p in papers {
            let product: f64 = ["relevance", "impact", "role", "recency"]
                .iter()
                .map(|f| p[*f].as_f64().unwrap_or_default())
                .product();
            assert!((product - p["contribution"].as_f64().unwrap_or_default()).abs() < 1e-12);
            let relevance = p["relevance"].as_f64().unwrap_or_default();
            assert!(relevance > 0.0 && relevance <= 1.0);
        }
    }

    // Filters hold for every row.
    let companies = json(&scout(
        &db,
        &[
            "--format",
            "json",
            "list",
            "language models",
            "--org-type",
            "company",
            "--limit",
            "10",
        ],
    ));
    for row in companies["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("{companies}"))
    {
        assert_eq!(row["researcher"]["current_org_type"], "company", "{row}");
    }
    let early = json(&scout(
        &db,
        &[
            "--format",
            "json",
            "list",
            "language models",
            "--stage",
            "early",
            "--since",
            "2024",
        ],
    ));
    for row in early["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("{early}"))
    {
        assert_eq!(row["stage"], "early");
        for p in row["top_papers"]
            .as_array()
            .unwrap_or_else(|| panic!("{row}"))
        {
            assert!(p["year"].as_i64().unwrap_or_default() >= 2024);
        }
    }
    let csv = scout(
        &db,
        &[
            "--format",
            "csv",
            "list",
            "machine translation",
            "--limit",
            "5",
        ],
    );
    assert!(csv.status.success());
    let text = String::from_utf8_lossy(&csv.stdout);
    assert_eq!(text.lines().count(), 6);
    // Read back by the csv crate: one width, and nothing a spreadsheet would evaluate.
    let records: Vec<Vec<String>> = scout_formats::csv::rows(&text, b',')
        .map(|r| r.fields)
        .collect();
    assert_eq!(records.len(), 6, "{text}");
    for row in &records {
        assert_eq!(row.len(), records[0].len(), "{row:?}");
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']) || scout_formats::csv::is_number(cell),
                "{cell:?}"
            );
        }
    }

    // A topic with nothing to search for is a usage error that says why.
    for topic in ["", "   ", "the of and"] {
        let out = scout(&db, &["list", topic]);
        assert_eq!(out.status.code(), Some(2), "{topic:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no words to search for"), "{err}");
    }
    // A topic no paper matches: an empty List and the reason, exit 0.
    let none = json(&scout(&db, &["--format", "json", "list", "zqxjvbwkq"]));
    assert_eq!(none["rows"].as_array().map(Vec::len), Some(0), "{none}");
    assert!(
        none["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("no paper"),
        "{none}"
    );
    // --about: a long text from a file ranks like a topic.
    let about = dir.path().join("role.txt");
    std::fs::write(
        &about,
        "We are hiring a researcher to train large language models: pre-training data, \
         scaling laws and instruction tuning.",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let described = json(&scout(
        &db,
        &[
            "--format",
            "json",
            "list",
            "--about",
            &about.display().to_string(),
            "--limit",
            "5",
        ],
    ));
    assert_eq!(
        described["rows"].as_array().map(Vec::len),
        Some(5),
        "{described}"
    );

    // Affinity in the OpenReview expertise format: a researcher's own held-back paper scores
    // higher against their archive than against an unrelated one.
    let archives = dir.path().join("archives");
    std::fs::create_dir(&archives).unwrap_or_else(|e| panic!("{e}"));
    let mt = query_rows(
        &db,
        "SELECT w.id, w.title, COALESCE(w.abstract, '') FROM works w
         WHERE w.title LIKE '%machine translation%' ORDER BY w.id LIMIT 4",
    );
    let other = query_rows(
        &db,
        "SELECT w.id, w.title, COALESCE(w.abstract, '') FROM works w
         WHERE w.title LIKE '%speech%' ORDER BY w.id LIMIT 3",
    );
    let line = |r: &Vec<String>| {
        serde_json::json!({"id": r[0], "content": {"title": r[1], "abstract": r[2]}}).to_string()
    };
    let write = |name: &str, rows: &[Vec<String>]| {
        let text: Vec<String> = rows.iter().map(line).collect();
        std::fs::write(archives.join(name), text.join("\n")).unwrap_or_else(|e| panic!("{e}"));
    };
    write("~Translator1.jsonl", &mt[1..]);
    write("~Speaker1.jsonl", &other);
    let subs = dir.path().join("submissions.json");
    std::fs::write(
        &subs,
        serde_json::json!({ mt[0][0].clone(): {"id": mt[0][0], "content": {"title": mt[0][1], "abstract": mt[0][2]}} })
            .to_string(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let scores = dir.path().join("scores.csv");
    let out = scout(
        &db,
        &[
            "affinity",
            "--archives",
            &archives.display().to_string(),
            "--submissions",
            &subs.display().to_string(),
            "--out",
            &scores.display().to_string(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = std::fs::read_to_string(&scores).unwrap_or_else(|e| panic!("{e}"));
    let score = |who: &str| -> f64 {
        csv.lines()
            .find(|l| l.contains(who))
            .and_then(|l| l.rsplit(',').next())
            .and_then(|x| x.parse().ok())
            .unwrap_or_else(|| panic!("{csv}"))
    };
    assert!(score("~Translator1") > score("~Speaker1"), "{csv}");

    // Profile of the top researcher.
    let top = &rows[0]["researcher"];
    let key = top["key"].as_str().unwrap_or_default();
    let profile = json(&scout(&db, &["--format", "json", "show", key]));
    assert_eq!(profile["profile"]["researcher"]["key"], key);
    let years: i64 = profile["profile"]["papers_by_year"]
        .as_array()
        .unwrap_or_else(|| panic!("{profile}"))
        .iter()
        .map(|y| y[1].as_i64().unwrap_or_default())
        .sum();
    assert_eq!(years, top["n_works"].as_i64().unwrap_or(-1));

    // A profile's timeline holds organisations as resolved, not spellings: Iryna Gurevych's ACL
    // papers write her university three ways; each paper counts once.
    let profile = json(&scout(
        &db,
        &["--format", "json", "show", "openreview:~Iryna_Gurevych1"],
    ));
    let periods = profile["profile"]["affiliations"]
        .as_array()
        .unwrap_or_else(|| panic!("{profile}"));
    let names: Vec<&str> = periods.iter().filter_map(|a| a["org"].as_str()).collect();
    assert_eq!(
        names.iter().filter(|n| n.contains("Darmstadt")).count(),
        1,
        "{names:?}"
    );
    for name in &names {
        let sql = format!(
            "SELECT COUNT(*) FROM organisations WHERE name = '{}'",
            name.replace('\'', "''")
        );
        assert_eq!(query_rows(&db, &sql)[0][0], "1", "{name}");
    }
    let spellings = query_rows(
        &db,
        "SELECT COUNT(DISTINCT json_extract(af.value, '$.r')), COUNT(DISTINCT w.id)
         FROM researchers r JOIN authorship_researcher ar ON ar.researcher_id = r.id
         JOIN works w ON w.id = ar.work_id,
         json_each(json_extract(w.authors, '$[' || ar.position || '].af')) af
         WHERE r.openreview_id = '~Iryna_Gurevych1' AND w.year IS NOT NULL
           AND json_extract(af.value, '$.r') LIKE '%Darmstadt%'",
    );
    assert!(
        spellings[0][0].parse::<i64>().unwrap_or(0) >= 3,
        "{spellings:?}"
    );
    let darmstadt = periods
        .iter()
        .find(|a| a["org"].as_str().is_some_and(|n| n.contains("Darmstadt")));
    assert_eq!(
        darmstadt.map(|a| a["papers"].to_string()),
        Some(spellings[0][1].clone()),
        "{periods:?}"
    );

    // why-same: two papers of one OpenReview profile are linked by that id.
    let pair = query_rows(
        &db,
        "SELECT w.key, ar.position, r.openreview_id FROM authorship_researcher ar
         JOIN researchers r ON r.id = ar.researcher_id JOIN works w ON w.id = ar.work_id
         WHERE r.openreview_id IS NOT NULL AND r.n_works >= 2
           AND json_extract(w.authors, '$[' || ar.position || '].or') = r.openreview_id
         ORDER BY r.n_works DESC, r.id, w.key LIMIT 2",
    );
    assert_eq!(pair[0][2], pair[1][2], "{pair:?}");
    let a = format!("{}#{}", pair[0][0], pair[0][1]);
    let b = format!("{}#{}", pair[1][0], pair[1][1]);
    let why = json(&scout(&db, &["--format", "json", "why-same", &a, &b]));
    assert_eq!(why["same"], true, "{why}");
    let chain = why["chain"].as_array().unwrap_or_else(|| panic!("{why}"));
    assert!(!chain.is_empty());
    assert_eq!(chain.len(), 1);
    assert_eq!(chain[0]["rule"], "same-openreview-id");

    // And two different people are kept apart, with a reason.
    let other = query_rows(
        &db,
        "SELECT key FROM researchers WHERE openreview_id IS NOT NULL ORDER BY id LIMIT 2",
    );
    let apart = json(&scout(
        &db,
        &["--format", "json", "why-same", &other[0][0], &other[1][0]],
    ));
    assert_eq!(apart["same"], false);
    assert!(
        !apart["apart"].as_array().is_none_or(Vec::is_empty),
        "{apart}"
    );
}

#[test]
fn ingesting_the_same_files_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("c.sqlite");
    let first = ingest(&db, &small_inputs());
    let snapshot = |db: &Path| query_rows(db, "SELECT key, content_hash FROM works ORDER BY key");
    let before = snapshot(&db);
    let researchers_before = query_rows(
        &db,
        "SELECT key, name, n_works FROM researchers ORDER BY key",
    );
    let second = ingest(&db, &small_inputs());
    assert_eq!(second["ingest"]["inserted"], 0, "{second}");
    assert_eq!(second["ingest"]["updated"], 0, "{second}");
    assert_eq!(second["ingest"]["unchanged"], first["ingest"]["inserted"]);
    assert_eq!(snapshot(&db), before);
    assert_eq!(
        query_rows(
            &db,
            "SELECT key, name, n_works FROM researchers ORDER BY key"
        ),
        researchers_before
    );
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap_or_else(|e| panic!("{e}"));
    enc.finish().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn bad_input_is_rejected_with_file_line_and_reason() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("in");
    std::fs::create_dir(&data).unwrap_or_else(|e| panic!("{e}"));
    let good = r#"{"venue":"iclr","year":2021,"id":"good1","title":"A good paper","authors":["Ada Lovelace"]}"#;
    let mut lines = Vec::new();
    lines.extend_from_slice(good.as_bytes());
    lines.push(b'\n');
    lines.extend_from_slice(br#"{"venue":"iclr","year":"2021","id":"x","title":"Wrong type"}"#);
    lines.push(b'\n');
    lines.extend_from_slice(
        b"{\"venue\":\"iclr\",\"year\":2021,\"id\":\"y\",\"title\":\"bad \xc3\x28 utf8\"}\n",
    );
    lines.extend_from_slice(
        format!(
            r#"{{"venue":"iclr","year":2021,"id":"z","title":"{}"}}"#,
            "t".repeat(20_000)
        )
        .as_bytes(),
    );
    lines.push(b'\n');
    std::fs::write(data.join("papers.jsonl"), &lines).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        data.join("works.json"),
        r#"[{"id":"https://openalex.org/W1","title":"Fine"},{"title":"No id"}]"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let many: String = (0..3000)
        .map(|i| good.replace("good1", &format!("g{i}")) + "\n")
        .collect();
    let full = gz(many.as_bytes());
    std::fs::write(data.join("cut.jsonl.gz"), &full[..full.len() * 2 / 3])
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(data.join("NOTES.md"), "not data").unwrap_or_else(|e| panic!("{e}"));

    let db = dir.path().join("c.sqlite");
    let out = scout(
        &db,
        &["--format", "json", "ingest", &data.display().to_string()],
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "exit code must say there were rejects"
    );
    let summary = json(&out);
    let report = &summary["ingest"];
    assert_eq!(report["rejected"], 5, "{report}");
    assert_eq!(report["skipped"][0]["reason"], "not a data file (.md)");
    let stored = report["inserted"].as_u64().unwrap_or_default();
    assert!(stored > 2 && stored < 3002, "{report}");

    let rejects_path = report["rejects_path"]
        .as_str()
        .unwrap_or_else(|| panic!("{report}"));
    let rejects: Vec<Value> = std::fs::read_to_string(rejects_path)
        .unwrap_or_else(|e| panic!("{e}"))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let find = |needle: &str| {
        rejects
            .iter()
            .find(|r| r["reason"].as_str().unwrap_or_default().contains(needle))
            .unwrap_or_else(|| panic!("no reject mentioning {needle:?}: {rejects:?}"))
    };
    let wrong = find("invalid type");
    assert_eq!(
        (wrong["line"].as_u64(), wrong["field"].as_str()),
        (Some(2), Some("year"))
    );
    assert!(
        wrong["file"]
            .as_str()
            .unwrap_or_default()
            .ends_with("papers.jsonl")
    );
    assert_eq!(find("invalid UTF-8")["line"], 3);
    assert_eq!(find("over the limit")["field"], "title");
    assert_eq!(find("missing field `id`")["element"], 1);
    assert!(
        find("truncated")["file"]
            .as_str()
            .unwrap_or_default()
            .ends_with("cut.jsonl.gz")
    );

    // The good records are all there, and a second run neither duplicates nor loses anything.
    let again = json(&scout(
        &db,
        &["--format", "json", "ingest", &data.display().to_string()],
    ));
    assert_eq!(again["ingest"]["inserted"], 0);
    assert_eq!(again["ingest"]["rejected"], 5);
}

#[test]
fn a_killed_ingest_leaves_a_consistent_database_and_a_rerun_completes_it() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let inputs = [
        demo("paperlists/papers/iclr.jsonl.gz"),
        demo("paperlists/papers/colm.jsonl.gz"),
    ];
    let clean = dir.path().join("clean.sqlite");
    ingest(&clean, &inputs);
    let contents = |db: &Path| {
        query_rows(
            db,
            "SELECT key, content_hash, authors FROM works ORDER BY key",
        )
    };
    let expected = contents(&clean);
    for (trial, delay_ms) in [60u64, 250, 700].into_iter().enumerate() {
        let db = dir.path().join(format!("killed{trial}.sqlite"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_scout"))
            .arg("--db")
            .arg(&db)
            .arg("ingest")
            .args(&inputs)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
        if db.exists() {
            assert_eq!(
                query_rows(&db, "PRAGMA integrity_check"),
                vec![vec!["ok".to_string()]]
            );
        }
        ingest(&db, &inputs);
        assert_eq!(
            contents(&db),
            expected,
            "trial {trial} (killed after {delay_ms} ms)"
        );
    }
}

#[test]
fn openalex_snapshot_layout_and_api_pages_are_read() {
    // Real OpenAlex works from the demo sample, re-laid out as the snapshot (JSON Lines in
    // works/updated_date=*/part_*.gz) and as an API page, must give the same works.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let sample =
        std::fs::read(demo("openalex/works_sample.json.gz")).unwrap_or_else(|e| panic!("{e}"));
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&sample[..]), &mut text)
        .unwrap_or_else(|e| panic!("{e}"));
    let works: Vec<Value> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let (first, second) = works.split_at(100);

    let snapshot = dir.path().join("snapshot/works/updated_date=2026-06-24");
    std::fs::create_dir_all(&snapshot).unwrap_or_else(|e| panic!("{e}"));
    let lines: String = first.iter().map(|w| format!("{w}\n")).collect();
    std::fs::write(snapshot.join("part_000.gz"), gz(lines.as_bytes()))
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(snapshot.join("manifest"), "{}").unwrap_or_else(|e| panic!("{e}"));
    let page = serde_json::json!({"meta": {"count": second.len(), "next_cursor": null}, "results": second});
    std::fs::write(
        dir.path().join("page.json"),
        serde_json::to_string_pretty(&page).unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));

    let db = dir.path().join("c.sqlite");
    let summary = ingest(
        &db,
        &[dir.path().join("snapshot"), dir.path().join("page.json")],
    );
    assert_eq!(summary["ingest"]["inserted"], 195, "{summary}");
    assert_eq!(summary["ingest"]["rejected"], 0);
    let formats: Vec<&str> = summary["ingest"]["files"]
        .as_array()
        .unwrap_or_else(|| panic!("{summary}"))
        .iter()
        .filter_map(|f| f["format"].as_str())
        .collect();
    assert!(formats.contains(&"OpenAlex works"), "{formats:?}");
    let with_abstract = query_rows(&db, "SELECT COUNT(*) FROM works WHERE abstract IS NOT NULL");
    assert_eq!(with_abstract[0][0], "195");
    // The same works from the bundled JSON arrays are recognised as the same records.
    let again = ingest(&db, &[demo("openalex/works_sample.json.gz")]);
    assert_eq!(again["ingest"]["unchanged"], 195, "{again}");
}

#[test]
fn coauthor_graph_paths_radius_orgs_and_flows_on_real_data() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("c.sqlite");
    let summary = ingest(
        &db,
        &[
            demo("paperlists/papers/iclr.jsonl.gz"),
            demo("paperlists/papers/colm.jsonl.gz"),
        ],
    );
    let network = &summary["refresh"]["network"];
    assert!(network["edges"].as_u64().unwrap_or(0) > 10_000, "{network}");
    assert!(network["moves"].as_u64().unwrap_or(0) > 10, "{network}");

    // Known co-author pairs are adjacent: every pair of researchers on a small paper is an edge.
    let missing = query_rows(
        &db,
        "SELECT COUNT(*) FROM works w
         JOIN authorship_researcher x ON x.work_id = w.id
         JOIN authorship_researcher y ON y.work_id = w.id AND y.researcher_id > x.researcher_id
         WHERE w.n_authors BETWEEN 2 AND 10
           AND NOT EXISTS (SELECT 1 FROM coauthor_edges e WHERE e.a = x.researcher_id AND e.b = y.researcher_id)",
    );
    assert_eq!(missing[0][0], "0");

    // Alias merges are applied, with the date of the merger.
    let gdm = query_rows(
        &db,
        "SELECT name, aliased, note FROM organisations WHERE name IN ('Google DeepMind', 'Google', 'DeepMind', 'Google Brain')",
    );
    assert_eq!(gdm.len(), 1, "{gdm:?}");
    assert_eq!(gdm[0][1], "1");
    assert!(gdm[0][2].contains("2023-04-20"));

    // A warm path: every hop is backed by a joint paper.
    let pair = query_rows(
        &db,
        "SELECT a.key, c.key FROM coauthor_edges e1
         JOIN coauthor_edges e2 ON e2.a = e1.b AND e2.b <> e1.a
         JOIN researchers a ON a.id = e1.a JOIN researchers c ON c.id = e2.b
         WHERE NOT EXISTS (SELECT 1 FROM coauthor_edges d WHERE d.a = MIN(e1.a, e2.b) AND d.b = MAX(e1.a, e2.b))
         ORDER BY e1.a, e2.b LIMIT 1",
    );
    let people = dir.path().join("ours.txt");
    std::fs::write(
        &people,
        format!("# our people\n{}\nNobody Atall\n", pair[0][0]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let path = json(&scout(
        &db,
        &[
            "--format",
            "json",
            "path",
            "--to",
            &pair[0][1],
            "--from-people",
            &people.display().to_string(),
        ],
    ));
    assert_eq!(path["unresolved"][0], "Nobody Atall");
    let chains = path["chains"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}"));
    assert!(!chains.is_empty(), "{path}");
    for chain in chains {
        let hops = chain["hops"]
            .as_array()
            .unwrap_or_else(|| panic!("{chain}"));
        assert!(hops.len() >= 2 && hops.len() <= 3);
        for hop in hops {
            assert!(
                !hop["papers"].as_array().is_none_or(Vec::is_empty),
                "hop without a joint paper: {hop}"
            );
        }
    }

    // Leak radius and approach order for the top of a List.
    let list = json(&scout(
        &db,
        &[
            "--format",
            "json",
            "list",
            "language models",
            "--limit",
            "8",
            "--radius",
        ],
    ));
    assert_eq!(list["radius"].as_array().map(Vec::len), Some(8));
    let keys: Vec<String> = list["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("{list}"))
        .iter()
        .map(|r| {
            r["researcher"]["key"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    let mut args = vec!["--format", "json", "radius"];
    args.extend(keys.iter().map(String::as_str));
    let radius = json(&scout(&db, &args));
    let waves = radius["approach"]
        .as_array()
        .unwrap_or_else(|| panic!("{radius}"));
    let approached: usize = waves
        .iter()
        .map(|w| w["targets"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(approached, 8, "every target is in exactly one wave");

    // Organisations by talent, and flows with evidence in time order.
    let orgs = json(&scout(
        &db,
        &[
            "--format",
            "json",
            "orgs",
            "language models",
            "--limit",
            "5",
        ],
    ));
    let rows = orgs.as_array().unwrap_or_else(|| panic!("{orgs}"));
    assert!(!rows.is_empty());
    for r in rows {
        assert!(r["people"].as_u64() <= r["size"].as_u64());
    }
    let flows = json(&scout(&db, &["--format", "json", "flows", "--limit", "20"]));
    for m in flows["moves"]
        .as_array()
        .unwrap_or_else(|| panic!("{flows}"))
    {
        assert!(
            m["last_at_from"]["year"].as_i64() <= m["first_at_to"]["year"].as_i64(),
            "{m}"
        );
        assert_ne!(m["from"], m["to"]);
    }
    let community = json(&scout(&db, &["--format", "json", "community", &keys[0]]));
    assert!(
        community[0]["size"].as_i64().unwrap_or(0) >= 2,
        "{community}"
    );

    // A misspelt name or organisation is an error that names the close ones.
    let top = query_rows(
        &db,
        "SELECT name FROM researchers WHERE name GLOB '[A-Z]* [A-Z][a-z][a-z][a-z]*' ORDER BY n_works DESC, id LIMIT 1",
    )[0][0]
        .clone();
    let mut typo = top.clone();
    typo.remove(typo.len() - 2);
    let out = scout(&db, &["show", &typo]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "no researcher matches {typo:?}; did you mean {top} "
        )),
        "{err}"
    );
    let org = query_rows(
        &db,
        "SELECT name FROM organisations WHERE aliased = 0 AND name GLOB '[A-Z][a-z][a-z][a-z][a-z]*'
         ORDER BY researchers_ever DESC, id LIMIT 1",
    )[0][0]
        .clone();
    let mut org_typo = org.clone();
    org_typo.remove(3);
    for args in [
        vec!["flows", "--to", org_typo.as_str()],
        vec![
            "path",
            "--to",
            keys[0].as_str(),
            "--from-org",
            org_typo.as_str(),
        ],
    ] {
        let out = scout(&db, &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains(&format!(
                "unknown organisation {org_typo:?}; did you mean {org}"
            )),
            "{args:?}: {err}"
        );
        assert!(
            out.stdout.is_empty(),
            "{args:?}: nothing printed before the error"
        );
    }

    // A reader that stops early (`scout list … | head -1`) ends the List quietly, no panic.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_scout"))
        .arg("--db")
        .arg(&db)
        .args(["list", "language models", "--limit", "2000", "--explain"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut first = [0u8; 64];
    let mut stdout = child.stdout.take().unwrap_or_else(|| panic!("stdout"));
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap_or_else(|e| panic!("{e}"));
    drop(stdout);
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_ne!(out.status.code(), Some(101), "{err}");
}

#[test]
fn a_snapshot_slice_keeps_exactly_the_matching_works() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let sample =
        std::fs::read(demo("openalex/works_sample.json.gz")).unwrap_or_else(|e| panic!("{e}"));
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&sample[..]), &mut text)
        .unwrap_or_else(|e| panic!("{e}"));
    let works: Vec<Value> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    // The most common concept in the sample, and the works that carry it from 2019 on.
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for w in &works {
        for c in w["concepts"].as_array().into_iter().flatten() {
            *counts
                .entry(c["id"].as_str().unwrap_or_default().to_string())
                .or_default() += 1;
        }
    }
    let (concept, _) = counts
        .iter()
        .filter(|(_, n)| **n < works.len())
        .max_by_key(|(c, n)| (**n, (*c).clone()))
        .unwrap_or_else(|| panic!("no concepts"));
    let expected = works
        .iter()
        .filter(|w| w["publication_year"].as_i64().unwrap_or(0) >= 2019)
        .filter(|w| {
            w["concepts"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["id"] == concept.as_str())
        })
        .count();
    let part = dir.path().join("snap/works/updated_date=2026-06-24");
    std::fs::create_dir_all(&part).unwrap_or_else(|e| panic!("{e}"));
    let lines: String = works.iter().map(|w| format!("{w}\n")).collect();
    std::fs::write(part.join("part_000.gz"), gz(lines.as_bytes()))
        .unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("c.sqlite");
    let short = concept.trim_start_matches("https://openalex.org/");
    let out = scout(
        &db,
        &[
            "--format",
            "json",
            "ingest",
            "--openalex-snapshot",
            &dir.path().join("snap").display().to_string(),
            "--topic-filter",
            short,
            "--years",
            "2019-",
        ],
    );
    let summary = json(&out);
    assert!(expected > 0 && expected < works.len(), "{expected}");
    assert_eq!(
        summary["ingest"]["inserted"].as_u64(),
        Some(expected as u64),
        "{summary}"
    );
    assert_eq!(
        summary["ingest"]["filtered"].as_u64(),
        Some((works.len() - expected) as u64)
    );
    assert_eq!(summary["ingest"]["rejected"], 0);
}

fn arena_data(rel: &str) -> String {
    repo()
        .join("crates/analysis/scout-arena/tests/data")
        .join(rel)
        .display()
        .to_string()
}

#[test]
fn arena_fit_prints_an_anchored_leaderboard_with_intervals() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("unused.sqlite");
    let file = arena_data("llmfao/crowd-comparisons.csv");
    let anchor = "Weaver 12k=1200";
    let out = scout(
        &db,
        &[
            "--format", "json", "arena", "fit", &file, "--anchor", anchor, "--ci", "sandwich",
        ],
    );
    let v = json(&out);
    let rows = v["leaderboard"]["rows"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(rows.len(), 59, "llmfao compares 59 models");
    assert_eq!(v["votes"], 8931);
    let anchored = rows
        .iter()
        .find(|r| r["item"] == "Weaver 12k")
        .unwrap_or_else(|| panic!("anchor row"));
    assert!((anchored["rating"].as_f64().unwrap_or(0.0) - 1200.0).abs() < 1e-6);
    let ratings: Vec<f64> = rows.iter().filter_map(|r| r["rating"].as_f64()).collect();
    assert!(
        ratings.windows(2).all(|w| w[0] >= w[1]),
        "sorted best first"
    );
    for r in &rows {
        let (lo, hi, x) = (
            r["lower"].as_f64(),
            r["upper"].as_f64(),
            r["rating"].as_f64(),
        );
        let (Some(lo), Some(hi), Some(x)) = (lo, hi, x) else {
            panic!("bounds in {r}")
        };
        assert!(lo <= x && x <= hi, "interval holds the rating: {r}");
    }
    // Unknown anchors and malformed files are clear errors, not panics.
    let bad = scout(&db, &["arena", "fit", &file, "--anchor", "nobody=1000"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not in the data"));
    let junk = dir.path().join("junk.csv");
    std::fs::write(&junk, "left,right,winner\na,b,maybe\n").unwrap_or_else(|e| panic!("{e}"));
    let bad = scout(&db, &["arena", "fit", &junk.display().to_string()]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&bad.stderr).is_empty());
}

#[test]
fn arena_voters_tests_every_worker() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("unused.sqlite");
    let file = arena_data("llmfao/crowd-comparisons.csv");
    let v = json(&scout(&db, &["--format", "json", "arena", "voters", &file]));
    let rows = v.as_array().cloned().unwrap_or_default();
    assert!(rows.len() > 10, "llmfao has many crowd workers");
    assert!(
        rows.iter()
            .all(|r| r["decision"].is_string() && r["voter"].is_string())
    );
}

/// `scout keys changes` lists the merge that a second batch of real records makes (the corpus's
/// `tests/fixtures/keys`, copied from `data/demo`), and a workspace beside the corpus follows it
/// after `scout ingest`: its candidate moves to the surviving key.
#[test]
fn key_changes_are_listed_and_the_workspace_beside_follows_them() {
    use scout_pipeline::model::NewCandidate;
    use scout_pipeline::{Actor, Role, Store, StoreConfig};
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("c.sqlite");
    let fixtures = repo().join("crates/corpus/scout-corpus/tests/fixtures/keys");
    ingest(&db, &[fixtures.join("first.jsonl")]);
    assert_eq!(
        json(&scout(&db, &["--format", "json", "keys", "changes"])),
        serde_json::json!([])
    );
    let name_key = query_rows(
        &db,
        "SELECT key FROM researchers WHERE key LIKE 'name:katie%everett%'",
    )[0][0]
        .clone();
    let workspace = dir.path().join("c.sqlite.pipeline.sqlite");
    let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    let store = rt
        .block_on(Store::open(&StoreConfig::sqlite_path(&workspace)))
        .unwrap_or_else(|e| panic!("{e}"));
    let owner = rt
        .block_on(store.create_user("test", "olive", Role::Owner, "x"))
        .unwrap_or_else(|e| panic!("{e}"));
    let actor = Actor {
        user_id: owner.id,
        name: owner.name.clone(),
        role: Role::Owner,
    };
    let candidate = rt
        .block_on(store.create_candidate(
            &actor,
            &NewCandidate {
                name: "Katie Everett".into(),
                researcher_key: Some(name_key.clone()),
                ..Default::default()
            },
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    drop(store);

    ingest(&db, &[fixtures.join("second.jsonl")]);
    let changes = json(&scout(&db, &["--format", "json", "keys", "changes"]));
    assert_eq!(changes[0]["old_key"], name_key.as_str(), "{changes}");
    assert_eq!(changes[0]["new_key"], "openreview:~Katie_E_Everett1");
    assert_eq!(changes[0]["kind"], "merged");
    let later = json(&scout(
        &db,
        &[
            "--format",
            "json",
            "keys",
            "changes",
            "--since",
            "2999-01-01",
        ],
    ));
    assert_eq!(later, serde_json::json!([]));
    let store = rt
        .block_on(Store::open(&StoreConfig::sqlite_path(&workspace)))
        .unwrap_or_else(|e| panic!("{e}"));
    let followed = rt
        .block_on(store.get_candidate(&actor, candidate.id))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        followed.researcher_key.as_deref(),
        Some("openreview:~Katie_E_Everett1")
    );
}

/// `scout watch` and `scout alerts` on real records (the corpus's `tests/fixtures/radar`, copied
/// from `data/demo`): a member watches a researcher (from a key file, as a script would); the
/// next `scout ingest` brings a later paper at another organisation, the radar runs after the
/// refresh and says so, and `scout alerts` lists the new paper and the likely move with its
/// evidence; `scout watch list` counts them unread.
#[test]
fn the_move_radar_runs_after_ingest_and_scout_alerts_lists_it() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("c.sqlite");
    let fixtures = repo().join("crates/corpus/scout-corpus/tests/fixtures/radar");
    ingest(&db, &[fixtures.join("first.jsonl")]);
    let add_user = Command::new(env!("CARGO_BIN_EXE_scout"))
        .arg("--db")
        .arg(&db)
        .args(["user", "add", "olive", "--role", "owner"])
        .env("SCOUT_PASSWORD", "a long test passphrase")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(add_user.status.success(), "{add_user:?}");
    let keys = dir.path().join("keys.txt");
    std::fs::write(
        &keys,
        "openreview:~Cheng-Yu_Hsieh1\nopenreview:~Nobody_Here1\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let keys = keys.display().to_string();
    let added = json(&scout(
        &db,
        &[
            "--format",
            "json",
            "watch",
            "add",
            "--keys-from",
            &keys,
            "--user",
            "olive",
        ],
    ));
    assert_eq!(added["watches_begun"], 1, "{added}");
    assert_eq!(added["unknown_keys"], 1, "{added}");
    let none = json(&scout(&db, &["--format", "json", "alerts"]));
    assert_eq!(none, serde_json::json!([]), "the baseline raises nothing");

    let out = scout(
        &db,
        &[
            "ingest",
            &fixtures.join("second.jsonl").display().to_string(),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("move radar: "), "{stdout}");
    let alerts = json(&scout(&db, &["--format", "json", "alerts"]));
    let kinds: Vec<&str> = alerts
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["kind"].as_str()).collect())
        .unwrap_or_default();
    assert!(kinds.contains(&"paper"), "{alerts}");
    let moved = alerts
        .as_array()
        .and_then(|a| a.iter().find(|x| x["kind"] == "move"))
        .unwrap_or_else(|| panic!("a move alert: {alerts}"));
    assert_eq!(moved["evidence"]["from"], "University of Washington");
    assert_eq!(moved["year"], 2024);
    assert_eq!(
        moved["evidence"]["papers"].as_array().map(Vec::len),
        Some(2)
    );
    let table = scout(&db, &["alerts", "--since", "2000-01-01"]);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("Likely move: University of Washington"),
        "{table}"
    );
    let listed = json(&scout(
        &db,
        &["--format", "json", "watch", "list", "--user", "olive"],
    ));
    assert_eq!(
        listed[0]["unread"].as_u64(),
        Some(kinds.len() as u64),
        "{listed}"
    );
    let moves = json(&scout(
        &db,
        &["--format", "json", "alerts", "--kind", "move"],
    ));
    assert_eq!(moves.as_array().map(Vec::len), Some(1), "{moves}");
    let bad_kind = scout(&db, &["alerts", "--kind", "rumour"]);
    assert_eq!(bad_kind.status.code(), Some(2));
    let bad = scout(&db, &["alerts", "--since", "yesterday"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("since takes a day"));
}
