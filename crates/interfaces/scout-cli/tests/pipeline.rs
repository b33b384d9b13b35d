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
