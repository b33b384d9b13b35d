//! The pipeline commands end to end: `scout user add|token|list`, `scout backup`,
//! `scout audit verify` (also detecting a tampered row), `scout analytics`.

use std::process::{Command, Output, Stdio};

fn scout(db: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_scout"));
    c.arg("--db").arg(db).args(args).stdin(Stdio::null());
    c.env_remove("SCOUT_DATABASE_URL")
        .env_remove("SCOUT_PASSWORD");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run scout")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn users_backup_audit_and_analytics() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("corpus.sqlite");
    let o = scout(
        &db,
        &["user", "add", "olive", "--role", "owner"],
        &[("SCOUT_PASSWORD", "a long passphrase")],
    );
    assert!(o.status.success(), "{}", text(&o));
    let weak = scout(
        &db,
        &["user", "add", "weak"],
        &[("SCOUT_PASSWORD", "short")],
    );
    assert!(!weak.status.success());
    assert!(text(&weak).contains("at least 10 characters"));
    let t = scout(&db, &["user", "token", "olive"], &[]);
    assert!(t.status.success(), "{}", text(&t));
    assert!(
        String::from_utf8_lossy(&t.stdout)
            .trim()
            .starts_with("scout_")
    );
    let list = scout(&db, &["user", "list", "--format", "json"], &[]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("\"owner\""));
    assert!(dir.path().join("corpus.sqlite.pipeline.sqlite").exists());

    let backup = dir.path().join("backup.sqlite");
    let b = scout(&db, &["backup", backup.to_str().expect("utf8")], &[]);
    assert!(b.status.success(), "{}", text(&b));
    assert!(text(&b).contains("chain OK"));
    let again = scout(&db, &["backup", backup.to_str().expect("utf8")], &[]);
    assert!(!again.status.success(), "refuses to overwrite");

    let v = scout(&db, &["audit", "verify"], &[]);
    assert!(v.status.success(), "{}", text(&v));
    assert!(text(&v).contains("audit chain OK"));
    let a = scout(&db, &["analytics"], &[]);
    assert!(a.status.success(), "{}", text(&a));
    assert!(text(&a).contains("Funnel"));

    // Tamper with the copy: verification fails with exit code 1 and names the entry.
    let conn = rusqlite_like_tamper(&backup);
    assert!(conn);
    let url = format!("sqlite://{}", backup.display());
    let bad = scout(&db, &["audit", "verify", "--database-url", &url], &[]);
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(text(&bad).contains("BROKEN at entry 1"), "{}", text(&bad));
}

/// Edits the first audit entry with the sqlite3-compatible library already in the workspace.
fn rusqlite_like_tamper(path: &std::path::Path) -> bool {
    let conn = scout_corpus::rusqlite::Connection::open(path).expect("open");
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE seq = 1;",
    )
    .is_ok()
}

/// An employer an owner set in the workspace beside the corpus wins in `scout show` and
/// `scout list` (row and `--org` filter), as it does in the server.
#[test]
fn the_cli_honours_an_employer_set_in_the_workspace_beside_the_corpus() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("corpus.sqlite");
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../data/demo");
    let o = scout(
        &db,
        &[
            "ingest",
            demo.join("paperlists/papers/colm.jsonl.gz")
                .to_str()
                .expect("utf8"),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    let list = |extra: &[&str]| {
        let mut args = vec![
            "--format",
            "json",
            "list",
            "language models",
            "--limit",
            "5",
        ];
        args.extend_from_slice(extra);
        let o = scout(&db, &args, &[]);
        assert!(o.status.success(), "{}", text(&o));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("list JSON")
    };
    let before = list(&[]);
    let key = before["rows"][0]["researcher"]["key"]
        .as_str()
        .expect("a researcher")
        .to_string();
    // No workspace yet: nothing set, nothing read.
    assert!(before["rows"][0]["researcher"]["current_org_set_by"].is_null());

    let o = scout(
        &db,
        &["user", "add", "olive", "--role", "owner"],
        &[("SCOUT_PASSWORD", "a long passphrase")],
    );
    assert!(o.status.success(), "{}", text(&o));
    let path = dir.path().join("corpus.sqlite.pipeline.sqlite");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let store = scout_pipeline::Store::open(&scout_pipeline::StoreConfig::sqlite_path(&path))
            .await
            .expect("workspace");
        let (olive, _) = store
            .user_with_hash("olive")
            .await
            .expect("read")
            .expect("olive");
        let actor = scout_pipeline::Actor {
            user_id: olive.id,
            name: olive.name.clone(),
            role: olive.role,
        };
        store
            .set_employer(&actor, &key, "Quiet Frontier Lab")
            .await
            .expect("set");
    });

    let after = list(&["--org", "quiet frontier"]);
    let rows = after["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 1, "{after}");
    assert_eq!(rows[0]["researcher"]["key"], key.as_str());
    assert_eq!(rows[0]["researcher"]["current_org_set_by"], "olive");
    let o = scout(&db, &["--format", "json", "show", &key], &[]);
    assert!(o.status.success(), "{}", text(&o));
    let shown: serde_json::Value = serde_json::from_slice(&o.stdout).expect("show JSON");
    assert_eq!(
        shown["profile"]["researcher"]["current_org"],
        "Quiet Frontier Lab"
    );
    let o = scout(&db, &["show", &key], &[]);
    assert!(
        text(&o).contains(
            "current affiliation: Quiet Frontier Lab — confidence 1.00; evidence: set by olive on "
        ),
        "{}",
        text(&o)
    );
}
