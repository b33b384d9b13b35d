//! `scout fetch openalex` end to end: the real binary against a local server replaying real
//! recorded OpenAlex pages, killed with SIGKILL mid-fetch and resumed, budget stops, the key
//! kept out of every output, and `scout ingest` reading what fetch wrote.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use scout_openalex::replay::{Fault, ReplayServer};

type TestResult = Result<(), Box<dyn std::error::Error>>;
/// A finished reference fetch: its directory and its output files.
type Reference = (tempfile::TempDir, BTreeMap<String, Vec<u8>>);

const KEY: &str = "sk-cli-test-4b1d";
const FILTER: &str = "topics.id:T10028,publication_year:>2017";

fn pages_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sources/scout-openalex/tests/data/works")
}

fn server() -> Result<ReplayServer, std::io::Error> {
    let s = ReplayServer::start(&pages_dir(), "works")?;
    s.require_key(KEY);
    Ok(s)
}

fn fetch(server: &ReplayServer, out: &Path, extra: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_scout"));
    c.args(["fetch", "openalex", "--filter", FILTER, "--per-page", "5"])
        .args(["--records-per-part", "15", "--retry-base-ms", "20"])
        .args(["--base-url", &server.url()])
        .arg("--out")
        .arg(out)
        .args(extra)
        .env("OPENALEX_API_KEY", KEY)
        .env_remove("SCOUT_DB")
        .stdin(Stdio::null());
    c
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The output files (state excluded) by relative path.
fn files(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>, std::io::Error> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir.join("works"))? {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.insert(name, std::fs::read(&path)?);
    }
    Ok(out)
}

/// Work ids in the output, in order (duplicates kept).
fn ids(dir: &Path) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    use std::io::Read as _;
    let mut ids = Vec::new();
    for (_, bytes) in files(dir)? {
        let mut s = String::new();
        flate2::read::MultiGzDecoder::new(&bytes[..]).read_to_string(&mut s)?;
        for line in s.lines() {
            let v: serde_json::Value = serde_json::from_str(line)?;
            ids.push(v["id"].as_str().unwrap_or_default().to_string());
        }
    }
    Ok(ids)
}

fn reference() -> Result<Reference, Box<dyn std::error::Error>> {
    let s = server()?;
    let dir = tempfile::tempdir()?;
    let out = fetch(&s, dir.path(), &[]).output()?;
    assert!(out.status.success(), "{}", text(&out));
    let f = files(dir.path())?;
    Ok((dir, f))
}

fn state(dir: &Path) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    Ok(serde_json::from_slice(&std::fs::read(
        dir.join(".scout-fetch.json"),
    )?)?)
}

#[test]
fn fetched_files_ingest_into_the_corpus() -> TestResult {
    let s = server()?;
    let dir = tempfile::tempdir()?;
    let out_dir = dir.path().join("slice");
    let out = fetch(&s, &out_dir, &["--format", "json"]).output()?;
    assert!(out.status.success(), "{}", text(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(summary["stop"], "complete");
    assert_eq!(summary["records"], 40);
    assert_eq!(summary["expected"], 40);
    assert_eq!(summary["files"].as_array().map(Vec::len), Some(3));
    let db = dir.path().join("c.sqlite");
    let scout = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_scout"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
    };
    let slice = out_dir.to_string_lossy().into_owned();
    let ingest = scout(&["ingest", &slice])?;
    assert!(ingest.status.success(), "{}", text(&ingest));
    let status = scout(&["status", "--format", "json"])?;
    let status: serde_json::Value = serde_json::from_slice(&status.stdout)?;
    assert_eq!(status["counts"]["works"], 40, "{status}");
    // Ingesting the same files again changes nothing.
    let again = scout(&["ingest", &slice, "--format", "json"])?;
    assert!(again.status.success(), "{}", text(&again));
    Ok(())
}

#[test]
fn sigkill_mid_fetch_then_resume_gives_the_uninterrupted_output() -> TestResult {
    let (_ref_dir, expected) = reference()?;
    let expected_ids = ids(_ref_dir.path())?;
    assert_eq!(expected_ids.len(), 40);

    // 1. Killed while waiting for page 5 (4 pages committed).
    let s = server()?;
    s.fault(4, Fault::Hang);
    let dir = tempfile::tempdir()?;
    let mut child = fetch(&s, dir.path(), &[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    assert!(
        s.wait_for_page(4, Duration::from_secs(60)),
        "page 5 never asked for"
    );
    child.kill()?;
    child.wait()?;
    let st = state(dir.path())?;
    assert_eq!(
        (st["pages"].as_u64(), st["records"].as_u64()),
        (Some(4), Some(20))
    );
    let out = fetch(&s, dir.path(), &[]).output()?;
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("resuming after 4 pages"),
        "{}",
        text(&out)
    );
    assert_eq!(files(dir.path())?, expected);
    assert_eq!(ids(dir.path())?, expected_ids);

    // 2. Killed at pseudo-random moments, again and again, while pages are being written.
    // Pages slow enough (8 pages × 40 ms) that several kills land before the fetch completes,
    // however fast the machine starts the process.
    let s = server()?;
    s.set_delay(Duration::from_millis(40));
    let dir = tempfile::tempdir()?;
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut kills = 0;
    let started = Instant::now();
    for _ in 0..25 {
        if state(dir.path()).is_ok_and(|st| st["done"] == true) {
            break;
        }
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut child = fetch(&s, dir.path(), &[])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        std::thread::sleep(Duration::from_millis(10 + seed % 120));
        if child.try_wait()?.is_none() {
            child.kill()?;
            kills += 1;
        }
        child.wait()?;
        assert!(started.elapsed() < Duration::from_secs(120));
    }
    eprintln!("{kills} kills landed");
    assert!(kills >= 3, "only {kills} kills landed");
    let out = fetch(&s, dir.path(), &[]).output()?;
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(files(dir.path())?, expected, "after {kills} kills");
    assert_eq!(ids(dir.path())?, expected_ids, "no record lost or repeated");
    Ok(())
}

#[test]
fn budget_stop_exits_4_and_resumes_and_the_key_never_shows() -> TestResult {
    let (_ref_dir, expected) = reference()?;
    let s = server()?;
    let dir = tempfile::tempdir()?;
    let mut outputs = Vec::new();
    let out = fetch(&s, dir.path(), &["--budget", "3"]).output()?;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(text(&out).contains("daily budget of 3"), "{}", text(&out));
    outputs.push(text(&out));
    // A 400 whose body echoes the key, a 429 storm and a truncated page on the way.
    s.fault(
        3,
        Fault::Status {
            status: 400,
            retry_after: None,
            body: format!("{{\"error\":\"bad cursor in /works?api_key={KEY}\"}}"),
        },
    );
    let out = fetch(&s, dir.path(), &[]).output()?;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("HTTP 400"), "{}", text(&out));
    assert!(text(&out).contains("run the same command to resume"));
    outputs.push(text(&out));
    for _ in 0..3 {
        s.fault(
            5,
            Fault::Status {
                status: 429,
                retry_after: Some("1".into()),
                body: String::new(),
            },
        );
    }
    s.fault(6, Fault::Truncate { keep: 100 });
    // The key from the flag this time (the environment variable is overridden).
    let out = fetch(&s, dir.path(), &["--api-key", KEY, "-vv"]).output()?;
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("retry 1/7: HTTP 429"), "{}", text(&out));
    outputs.push(text(&out));
    assert_eq!(files(dir.path())?, expected);
    let help = Command::new(env!("CARGO_BIN_EXE_scout"))
        .args(["fetch", "openalex", "--help"])
        .env("OPENALEX_API_KEY", KEY)
        .output()?;
    outputs.push(text(&help));
    outputs.push(std::fs::read_to_string(
        dir.path().join(".scout-fetch.json"),
    )?);
    for o in &outputs {
        assert!(!o.contains(KEY), "key leaked: {o}");
    }
    assert!(
        s.requests().iter().all(|r| r.param("api_key") == Some(KEY)),
        "the key is sent with every request"
    );
    Ok(())
}

/// The daily job `scout fetch openalex --since … && scout ingest …`: a key refused
/// `from_updated_date` falls back to `from_created_date` and says so, the run's folder ingests,
/// and `--since last` needs a first run.
#[test]
fn a_daily_update_falls_back_on_a_refused_filter_and_ingests() -> TestResult {
    let s = server()?;
    s.refuse_filter(
        "from_updated_date",
        403,
        r#"{"error":"from_updated_date requires an OpenAlex Premium key"}"#,
    );
    let dir = tempfile::tempdir()?;
    let out_dir = dir.path().join("daily");
    let first = fetch(&s, &out_dir, &["--since", "last"]).output()?;
    assert_eq!(first.status.code(), Some(1), "{}", text(&first));
    assert!(
        text(&first).contains("--since YYYY-MM-DD"),
        "{}",
        text(&first)
    );

    let out = fetch(&s, &out_dir, &["--since", "2026-11-01", "--format", "json"]).output()?;
    assert!(out.status.success(), "{}", text(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(summary["stop"], "complete");
    assert_eq!(summary["records"], 40);
    assert_eq!(summary["update"]["date_filter"], "from_created_date");
    assert_eq!(summary["update"]["since"], "2026-11-01");
    let refused = summary["update"]["refused"][0].as_str().unwrap_or_default();
    assert!(refused.contains("from_updated_date: HTTP 403"), "{summary}");
    let run_dir = summary["out"].as_str().ok_or("no out")?.to_string();
    assert!(run_dir.contains("updates"), "{run_dir}");
    assert!(!text(&out).contains(KEY));

    let db = dir.path().join("c.sqlite");
    let ingest = Command::new(env!("CARGO_BIN_EXE_scout"))
        .arg("--db")
        .arg(&db)
        .args(["ingest", &run_dir])
        .output()?;
    assert!(ingest.status.success(), "{}", text(&ingest));

    // A bad day is a usage error.
    let bad = fetch(&s, &out_dir, &["--since", "2026-13-01"]).output()?;
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    Ok(())
}
