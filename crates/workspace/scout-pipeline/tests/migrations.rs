//! sqlx's migrator takes over databases made by the earlier hand-written runner: a database
//! made by release bed6bf3 (`tests/fixtures/release-bed6bf3`, versions 1–5 in
//! `pipeline_migrations`) opens with its data intact, every migration recorded once in
//! `_sqlx_migrations` with the checksum of its file and its original time, nothing re-run
//! (no new audit entries), and a second open changes nothing. Also: two opens at once, a
//! database of something else, and one migrated by a newer build.

use scout_pipeline::{Actor, Db, Error, Role, Stage, Store, StoreConfig};
use sha2::{Digest, Sha384};
use sqlx::Connection;

const SQLITE_FIXTURE: &str = include_str!("fixtures/release-bed6bf3/sqlite.sql");
const POSTGRES_FIXTURE: &str = include_str!("fixtures/release-bed6bf3/postgres.sql");

/// The migration files of a dialect, in order, with sqlx's descriptions (the file name's
/// underscores read as spaces).
fn files(postgres: bool) -> Vec<(i64, &'static str, &'static str)> {
    macro_rules! dialect {
        ($d:literal) => {
            vec![
                (
                    1,
                    "pipeline",
                    include_str!(concat!("../migrations/", $d, "/0001_pipeline.sql")),
                ),
                (
                    2,
                    "committee",
                    include_str!(concat!("../migrations/", $d, "/0002_committee.sql")),
                ),
                (
                    3,
                    "time zones login failures",
                    include_str!(concat!(
                        "../migrations/",
                        $d,
                        "/0003_time_zones_login_failures.sql"
                    )),
                ),
                (
                    4,
                    "career stage",
                    include_str!(concat!("../migrations/", $d, "/0004_career_stage.sql")),
                ),
                (
                    5,
                    "erasure",
                    include_str!(concat!("../migrations/", $d, "/0005_erasure.sql")),
                ),
                (
                    6,
                    "scorecards",
                    include_str!(concat!("../migrations/", $d, "/0006_scorecards.sql")),
                ),
                (
                    7,
                    "workspace settings",
                    include_str!(concat!(
                        "../migrations/",
                        $d,
                        "/0007_workspace_settings.sql"
                    )),
                ),
                (
                    8,
                    "set employers",
                    include_str!(concat!("../migrations/", $d, "/0008_set_employers.sql")),
                ),
                (
                    9,
                    "counteroffer terms",
                    include_str!(concat!(
                        "../migrations/",
                        $d,
                        "/0009_counteroffer_terms.sql"
                    )),
                ),
                (
                    10,
                    "key changes",
                    include_str!(concat!("../migrations/", $d, "/0010_key_changes.sql")),
                ),
                (
                    11,
                    "candidate merges",
                    include_str!(concat!("../migrations/", $d, "/0011_candidate_merges.sql")),
                ),
                (
                    12,
                    "saved views",
                    include_str!(concat!("../migrations/", $d, "/0012_saved_views.sql")),
                ),
                (
                    13,
                    "arena topic",
                    include_str!(concat!("../migrations/", $d, "/0013_arena_topic.sql")),
                ),
                (
                    14,
                    "watches",
                    include_str!(concat!("../migrations/", $d, "/0014_watches.sql")),
                ),
                (
                    15,
                    "webhooks",
                    include_str!(concat!("../migrations/", $d, "/0015_webhooks.sql")),
                ),
                (
                    16,
                    "alert changes",
                    include_str!(concat!("../migrations/", $d, "/0016_alert_changes.sql")),
                ),
                (
                    17,
                    "radar place",
                    include_str!(concat!("../migrations/", $d, "/0017_radar_place.sql")),
                ),
            ]
        };
    }
    if postgres {
        dialect!("postgres")
    } else {
        dialect!("sqlite")
    }
}

/// One row of `_sqlx_migrations`, the installation time as Unix seconds.
#[derive(Debug, PartialEq, sqlx::FromRow)]
struct Recorded {
    version: i64,
    description: String,
    success: i64,
    checksum: Vec<u8>,
    installed_s: i64,
    execution_time: i64,
}

async fn recorded(store: &Store, postgres: bool) -> Vec<Recorded> {
    let installed_s = if postgres {
        "CAST(FLOOR(EXTRACT(EPOCH FROM installed_on)) AS BIGINT)"
    } else {
        "CAST(strftime('%s', installed_on) AS BIGINT)"
    };
    // `success` is a BOOLEAN (an integer in SQLite): read as 0/1 on both.
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT version, description, CAST(CASE WHEN success THEN 1 ELSE 0 END AS BIGINT) AS success, \
         checksum, {installed_s} AS installed_s, execution_time FROM _sqlx_migrations ORDER BY version"
    )))
    .fetch_all(store.db().pool())
    .await
    .expect("_sqlx_migrations")
}

/// Loads a fixture into the empty database at `url` on a connection of its own.
async fn load(url: &str, sql: &str) {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("connect");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut conn)
        .await
        .expect("fixture");
    conn.close().await.expect("close");
}

async fn count(store: &Store, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(store.db().pool())
        .await
        .expect(sql)
}

/// Opens the release-bed6bf3 database at `config` twice and checks the takeover.
async fn takes_over(config: StoreConfig, postgres: bool) {
    let fixture = if postgres {
        POSTGRES_FIXTURE
    } else {
        SQLITE_FIXTURE
    };
    load(&config.url, fixture).await;
    // What the fixture holds, read before the new code touches it.
    let (applied_at, entries): (Vec<(i64, i64)>, i64) = {
        let mut conn = sqlx::AnyConnection::connect(&config.url)
            .await
            .expect("connect");
        let rows =
            sqlx::query_as("SELECT version, applied_at FROM pipeline_migrations ORDER BY version")
                .fetch_all(&mut conn)
                .await
                .expect("legacy record");
        let entries = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(&mut conn)
            .await
            .expect("entries");
        conn.close().await.expect("close");
        (rows, entries)
    };
    assert!(entries > 0);
    assert_eq!(applied_at.len(), 5);

    // Two opens at once: one takes over, the other waits and finds nothing to do.
    let existing = config.clone().existing();
    let (a, b) = tokio::join!(Store::open(&existing), Store::open(&existing));
    let store = a.expect("first open");
    b.expect("concurrent open").db().close().await;

    // The data is intact and the audit chain unchanged (no step re-ran: 0005 would append).
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM audit_log").await,
        entries
    );
    assert!(store.verify_audit().await.expect("verify").ok);
    let owner = Actor {
        user_id: 1,
        name: "olive".into(),
        role: Role::Owner,
    };
    let ada = store.get_candidate(&owner, 1).await.expect("Ada");
    assert_eq!(ada.name, "Ada Lovelace");
    assert_eq!(ada.email.as_deref(), Some("ada@example.org"));
    assert_eq!(ada.stage, Stage::Shortlisted);
    assert_eq!(ada.tags, vec!["rl".to_string()]);
    let alan = store.get_candidate(&owner, 2).await.expect("Alan");
    assert_eq!(alan.tags, vec!["theory".to_string()]);
    let notes = store.notes(&owner, 1).await.expect("notes");
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].body, "Met at NeurIPS.");

    // Every migration recorded once, with the checksum sqlx computes from its file: those the
    // old runner applied keep the time it applied them, the newer ones run now; the old record
    // is gone.
    let rows = recorded(&store, postgres).await;
    let got: Vec<(i64, String, Vec<u8>)> = rows
        .iter()
        .map(|r| (r.version, r.description.clone(), r.checksum.clone()))
        .collect();
    let want: Vec<(i64, String, Vec<u8>)> = files(postgres)
        .into_iter()
        .map(|(v, name, sql)| (v, name.to_string(), Sha384::digest(sql).to_vec()))
        .collect();
    assert_eq!(got, want);
    let taken_over: Vec<i64> = rows
        .iter()
        .take(applied_at.len())
        .map(|r| r.installed_s)
        .collect();
    let applied: Vec<i64> = applied_at.iter().map(|(_, at)| at / 1000).collect();
    assert_eq!(taken_over, applied);
    let latest = applied.iter().copied().max().unwrap_or(0);
    assert!(
        rows.iter()
            .skip(applied_at.len())
            .all(|r| r.installed_s >= latest)
    );
    assert!(rows.iter().all(|r| r.success == 1));
    assert_eq!(
        rows.last().map(|r| r.version),
        Some(Db::schema_version()),
        "this build has no migration after 5: the takeover applied none"
    );
    let legacy = if postgres {
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'pipeline_migrations'"
    } else {
        "SELECT COUNT(*) FROM sqlite_master WHERE name = 'pipeline_migrations'"
    };
    assert_eq!(count(&store, legacy).await, 0);

    // The workspace is usable: a new note lands in the chain.
    store
        .add_note(&owner, 2, "Call next week.")
        .await
        .expect("note");
    let audit_after = count(&store, "SELECT COUNT(*) FROM audit_log").await;
    store.db().close().await;

    // A second open is a no-op.
    let again = Store::open(&existing).await.expect("second open");
    assert_eq!(recorded(&again, postgres).await, rows);
    assert_eq!(
        count(&again, "SELECT COUNT(*) FROM audit_log").await,
        audit_after
    );
    assert!(again.verify_audit().await.expect("verify").ok);
    again.db().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_bed6bf3_sqlite_database_is_taken_over() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = StoreConfig::sqlite_path(&dir.path().join("old.sqlite"));
    takes_over(config, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_bed6bf3_postgres_database_is_taken_over() {
    let Ok(url) = std::env::var("SCOUT_TEST_DATABASE_URL") else {
        eprintln!("SCOUT_TEST_DATABASE_URL not set: PostgreSQL takeover skipped");
        return;
    };
    let url = fresh_pg_database(&url).await;
    takes_over(StoreConfig::new(url), true).await;
}

/// A SQLite file whose `_sqlx_migrations` lists another application's migration 1, and one
/// migrated by a newer Scout (a version this build lacks): both refused, nothing changed.
#[tokio::test]
async fn foreign_and_newer_databases_are_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let foreign = StoreConfig::sqlite_path(&dir.path().join("foreign.sqlite"));
    load(
        &foreign.url,
        "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
         installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, \
         checksum BLOB NOT NULL, execution_time BIGINT NOT NULL);
         INSERT INTO _sqlx_migrations VALUES (1, 'init', CURRENT_TIMESTAMP, TRUE, x'00', 1);
         CREATE TABLE things (id INTEGER PRIMARY KEY);",
    )
    .await;
    match Store::open(&foreign).await {
        Err(Error::Unusable { reason, .. }) => assert!(reason.contains("differs"), "{reason}"),
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("a foreign database opened"),
    }

    let newer = StoreConfig::sqlite_path(&dir.path().join("newer.sqlite"));
    Store::open(&newer).await.expect("new").db().close().await;
    load(
        &newer.url,
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99, 'future', TRUE, x'00', 1)",
    )
    .await;
    match Store::open(&newer).await {
        Err(Error::Unusable { reason, .. }) => {
            assert!(reason.contains("newer Scout build"), "{reason}")
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("a newer database opened"),
    }
}

/// Creates a new database next to the one in `url` and returns its URL.
async fn fresh_pg_database(url: &str) -> String {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("connect");
    let name = format!(
        "scout_migrations_{}_{}",
        std::process::id(),
        scout_pipeline::time::now_ms()
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create db");
    conn.close().await.expect("close");
    let base = url.rsplit_once('/').map_or(url, |(b, _)| b);
    format!("{base}/{name}")
}
