//! Corrupt, empty and foreign database files give immediate errors naming the file and the
//! cause, and only commands that create data create a database (issue 18, finding 5); `arena fit`
//! reports the votes it skipped (finding 6).

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn scout(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scout"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("SCOUT_DATABASE_URL")
        .output()
        .unwrap_or_else(|e| panic!("running scout: {e}"))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("{e}"));
}

fn len(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

#[test]
fn an_empty_corpus_file_is_an_error_and_stays_empty() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("empty.sqlite");
    write(&db, b"");
    let out = scout(&db, &["list", "language models"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("empty.sqlite") && err.contains("empty (0 bytes)"),
        "{err}"
    );
    assert_eq!(len(&db), 0, "the command wrote into the empty file");
    // Garbage and a foreign SQLite database (the pipeline's) are named too.
    write(
        &db,
        b"this is not a database at all, just some text that is long enough",
    );
    let err = stderr(&scout(&db, &["list", "language models"]));
    assert!(err.contains("not a SQLite database"), "{err}");
}

#[test]
fn pipeline_files_fail_fast_with_the_cause() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let corpus = dir.path().join("c.sqlite");
    let pipeline = dir.path().join("c.sqlite.pipeline.sqlite");
    // Missing: read-only commands refuse and create nothing.
    for args in [&["audit", "verify"][..], &["analytics"], &["user", "list"]] {
        let out = scout(&corpus, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("does not exist"),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(!pipeline.exists(), "{args:?} created the pipeline database");
    }
    // Told it is new, `audit verify` passes without creating anything.
    let out = scout(&corpus, &["audit", "verify", "--new"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!pipeline.exists());
    // Empty, garbage, truncated: immediate errors naming the file.
    let mut real = Vec::new();
    {
        // A real pipeline database: `user add` creates one.
        let mut child = Command::new(env!("CARGO_BIN_EXE_scout"))
            .arg("--db")
            .arg(&corpus)
            .args(["user", "add", "olive", "--role", "owner"])
            .env_remove("SCOUT_DATABASE_URL")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        use std::io::Write as _;
        child
            .stdin
            .take()
            .map(|mut s| s.write_all(b"correct horse battery staple\n"));
        let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
        assert!(out.status.success(), "{}", stderr(&out));
        let out = scout(&corpus, &["audit", "verify"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        // Everything into the main file, so that cutting it loses real pages.
        let conn =
            scout_corpus::rusqlite::Connection::open(&pipeline).unwrap_or_else(|e| panic!("{e}"));
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
            .unwrap_or_else(|e| panic!("{e}"));
        drop(conn);
        real.extend(std::fs::read(&pipeline).unwrap_or_else(|e| panic!("{e}")));
        assert!(real.len() > 16 * 4096, "{} bytes", real.len());
    }
    let cases: [(&str, Vec<u8>, &str); 3] = [
        ("empty", Vec::new(), "empty (0 bytes)"),
        ("garbage", vec![0x5a; 8192], "not a SQLite database"),
        (
            "truncated",
            real[..real.len().min(4096 + 100)].to_vec(),
            "unusable",
        ),
    ];
    for (what, bytes, cause) in cases {
        write(&pipeline, &bytes);
        for args in [
            &["audit", "verify"][..],
            &["serve", "--addr", "127.0.0.1:0"],
        ] {
            let started = Instant::now();
            let out = scout(&corpus, args);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(1), "{what} {args:?}: {err}");
            assert!(
                err.contains("c.sqlite.pipeline.sqlite") && err.contains(cause),
                "{what} {args:?}: {err}"
            );
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{what} {args:?}: slow"
            );
            assert_eq!(
                len(&pipeline),
                bytes.len() as u64,
                "{what} {args:?} wrote to it"
            );
        }
    }
    // The corpus file given as the pipeline database is foreign.
    let foreign = dir.path().join("foreign.sqlite");
    {
        let conn =
            scout_corpus::rusqlite::Connection::open(&foreign).unwrap_or_else(|e| panic!("{e}"));
        conn.execute_batch("CREATE TABLE works (id INTEGER PRIMARY KEY);")
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let url = format!("sqlite:{}", foreign.display());
    let out = scout(&corpus, &["audit", "verify", "--database-url", &url]);
    assert!(
        stderr(&out).contains("something else (tables works)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_empty_audit_log_fails_verify_unless_new() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let corpus = dir.path().join("c.sqlite");
    let pipeline = dir.path().join("p.sqlite");
    let url = format!("sqlite://{}?mode=rwc", pipeline.display());
    // A database with the schema and no entries (what a replaced file looks like).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    rt.block_on(async {
        let s = scout_pipeline::Store::open(&scout_pipeline::StoreConfig::new(url.clone()))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        s.db().close().await;
    });
    let out = scout(&corpus, &["audit", "verify", "--database-url", &url]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("audit log") && stderr(&out).contains("--new"),
        "{}",
        stderr(&out)
    );
    let out = scout(
        &corpus,
        &["audit", "verify", "--new", "--database-url", &url],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn arena_fit_reports_skipped_votes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("c.sqlite");
    let votes = dir.path().join("votes.csv");
    write(
        &votes,
        b"left,right,winner\na,a,left\na,b,left\nb,c,left\nc,c,tie\nc,a,left\n",
    );
    let file = votes.display().to_string();
    let out = scout(
        &db,
        &["--format", "json", "arena", "fit", &file, "--ci", "none"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["votes"], 3);
    assert_eq!(v["skipped"]["self_comparisons"], 2, "{v}");
    let out = scout(&db, &["arena", "fit", &file, "--ci", "none"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("skipped 2 votes: 2 self-comparisons"),
        "{text}"
    );
    assert!(!db.exists(), "arena fit created a corpus");
}
