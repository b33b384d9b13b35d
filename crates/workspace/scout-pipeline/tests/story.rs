//! One story of pipeline operations, run on SQLite always and on PostgreSQL when
//! `SCOUT_TEST_DATABASE_URL` is set (a fresh database is made for each run); the login
//! limiter's window, clearing, pruning and cap on both; and the upgrade of a schema-2 database.

use scout_pipeline::login_limit::LoginLimits;
use scout_pipeline::model::{CandidateFilter, Channel, CounterBasis, NewCandidate, NewMeeting};
use scout_pipeline::{Actor, Error, OfferTerms, Role, Stage, Store, StoreConfig};

async fn story(store: &Store) {
    let owner = store
        .create_user("test", "olive", Role::Owner, "x")
        .await
        .expect("user");
    let actor = Actor {
        user_id: owner.id,
        name: owner.name.clone(),
        role: Role::Owner,
    };
    let c = store
        .create_candidate(
            &actor,
            &NewCandidate {
                name: "Ada Lovelace".into(),
                tags: vec!["RL".into()],
                source_org: Some("DeepMind".into()),
                ..Default::default()
            },
        )
        .await
        .expect("create");
    assert_eq!(c.stage, Stage::Sourced);
    assert_eq!(c.tags, vec!["rl".to_string()]);
    let err = store.move_stage(&actor, c.id, Stage::Offer, None).await;
    assert!(matches!(err, Err(Error::IllegalMove { .. })), "{err:?}");
    for s in [
        Stage::Shortlisted,
        Stage::Finalist,
        Stage::Contacted,
        Stage::Responded,
        Stage::Meeting,
        Stage::Offer,
    ] {
        store.move_stage(&actor, c.id, s, None).await.expect("move");
    }
    let terms = OfferTerms {
        currency: "USD".into(),
        base: 100,
        bonus: 0,
        sign_on: 0,
        equity: 0,
        vesting_months: 0,
        cliff_months: 0,
    };
    let o1 = store
        .add_offer(&actor, c.id, &terms, None)
        .await
        .expect("offer");
    let o2 = store
        .add_offer(
            &actor,
            c.id,
            &OfferTerms { base: 200, ..terms },
            Some("raise"),
        )
        .await
        .expect("offer");
    assert_eq!((o1.revision, o2.revision, o2.total_value), (1, 2, 200));
    store
        .add_counteroffer(
            &actor,
            c.id,
            "Rival AI",
            &annual("USD", 150),
            CounterBasis::Annual,
            None,
        )
        .await
        .expect("counter");
    store
        .add_note(&actor, c.id, "met at NeurIPS")
        .await
        .expect("note");
    store
        .add_message(&actor, c.id, Channel::Email, "hello", None)
        .await
        .expect("msg");
    let (starts_at, zone) =
        scout_pipeline::tz::parse_start("2026-05-01T10:00", Some("Europe/Zurich")).expect("start");
    let m = store
        .add_meeting(
            &actor,
            c.id,
            &NewMeeting {
                title: "Intro".into(),
                starts_at,
                time_zone: zone.name().into(),
                duration_minutes: 45,
                place: None,
                attendees: vec![],
            },
        )
        .await
        .expect("meeting");
    let bad_zone = store
        .add_meeting(
            &actor,
            c.id,
            &NewMeeting {
                time_zone: "Mars/Olympus_Mons".into(),
                title: "x".into(),
                starts_at,
                duration_minutes: 45,
                place: None,
                attendees: vec![],
            },
        )
        .await;
    assert!(matches!(bad_zone, Err(Error::Invalid(_))), "{bad_zone:?}");
    let stored = store.meetings(&actor, c.id).await.expect("meetings");
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (
            stored[0].starts_at,
            stored[0].time_zone.as_str(),
            stored[0].starts_local.as_str(),
            stored[0].ends_local.as_str()
        ),
        (
            m.starts_at,
            "Europe/Zurich",
            "2026-05-01T10:00:00+02:00",
            "2026-05-01T10:45:00+02:00"
        )
    );
    assert_eq!(
        scout_pipeline::time::rfc3339(stored[0].starts_at),
        "2026-05-01T08:00:00Z"
    );
    let list = store
        .list_candidates(
            &actor,
            &CandidateFilter {
                tag: Some("rl".into()),
                ..Default::default()
            },
        )
        .await
        .expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].tags, vec!["rl".to_string()]);
    let none = store
        .list_candidates(
            &actor,
            &CandidateFilter {
                stage: Some(Stage::Sourced),
                ..Default::default()
            },
        )
        .await
        .expect("list");
    assert!(none.is_empty());
    store
        .decide(&actor, c.id, Stage::Accepted, "great team")
        .await
        .expect("decide");
    let hist = store.history(&actor, c.id).await.expect("history");
    assert_eq!(hist.len(), 8);
    let input = store.analytics_input(&actor).await.expect("analytics");
    let report = scout_pipeline::analytics::compute(&input, true, scout_pipeline::time::now_ms());
    assert_eq!(report.funnel.last().map(|f| f.reached), Some(1));
    let export = store.export_candidate(&actor, c.id).await.expect("export");
    assert_eq!(export.notes.len(), 1);
    let erased = store.erase_candidate(&actor, c.id).await.expect("erase");
    assert_eq!((erased.notes_removed, erased.messages_removed), (1, 1));
    assert!(store.get_candidate(&actor, c.id).await.is_err());
    let v = store.verify_audit().await.expect("verify");
    assert!(v.ok, "{v:?}");
    assert!(v.entries > 15);
}

#[tokio::test]
async fn story_on_sqlite() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&StoreConfig::sqlite_path(&dir.path().join("p.sqlite")))
        .await
        .expect("open");
    story(&store).await;
    // Reopening applies no migration twice.
    store.db().close().await;
    let again = Store::open(&StoreConfig::sqlite_path(&dir.path().join("p.sqlite")))
        .await
        .expect("reopen");
    assert!(again.verify_audit().await.expect("verify").ok);
}

#[tokio::test]
async fn story_on_postgres() {
    let Ok(url) = std::env::var("SCOUT_TEST_DATABASE_URL") else {
        eprintln!("SCOUT_TEST_DATABASE_URL not set: PostgreSQL story skipped");
        return;
    };
    let url = fresh_pg_database(&url).await;
    let store = Store::open(&StoreConfig::new(url)).await.expect("open");
    story(&store).await;
}

/// The limiter over explicit clocks: the sliding window, the wait it reports, clearing on
/// success, pruning of expired rows and the row cap under a flood of distinct keys.
async fn limiter(store: &Store) {
    let limits = LoginLimits {
        max_failures: 3,
        window_ms: 60_000,
        max_rows: 40,
    };
    let keys = ["ip:192.0.2.1", "user:olive"];
    let t0 = 1_000_000_000;
    for i in 0..3 {
        assert_eq!(
            store
                .login_blocked(&keys, &limits, t0 + i)
                .await
                .expect("check"),
            None
        );
        store
            .login_failed(&keys, &limits, t0 + i * 10_000)
            .await
            .expect("fail");
    }
    // Three failures at t0, t0+10 s, t0+20 s: blocked until the oldest leaves the window.
    let now = t0 + 25_000;
    assert_eq!(
        store
            .login_blocked(&keys, &limits, now)
            .await
            .expect("check"),
        Some(35_000)
    );
    // Either key alone blocks: the same address with another name, another address with the name.
    assert!(
        store
            .login_blocked(&["ip:192.0.2.1", "user:vera"], &limits, now)
            .await
            .expect("check")
            .is_some()
    );
    assert!(
        store
            .login_blocked(&["ip:198.51.100.7", "user:olive"], &limits, now)
            .await
            .expect("check")
            .is_some()
    );
    assert_eq!(
        store
            .login_blocked(&["ip:198.51.100.7", "user:vera"], &limits, now)
            .await
            .expect("check"),
        None
    );
    // Sliding: once t0's failure is 60 s old only two remain.
    assert_eq!(
        store
            .login_blocked(&keys, &limits, t0 + 60_000)
            .await
            .expect("check"),
        None
    );
    // A success clears the name, not the address.
    store.login_succeeded("user:olive").await.expect("clear");
    assert_eq!(
        store
            .login_blocked(&["ip:198.51.100.7", "user:olive"], &limits, now)
            .await
            .expect("check"),
        None
    );
    assert!(
        store
            .login_blocked(&["ip:192.0.2.1", "user:x"], &limits, now)
            .await
            .expect("check")
            .is_some()
    );
    // Expired rows go at the next failure.
    let later = t0 + 10 * 60_000;
    store
        .login_failed(&["ip:203.0.113.9", "user:a"], &limits, later)
        .await
        .expect("fail");
    assert_eq!(store.login_failure_rows().await.expect("rows"), 2);
    // A flood of distinct keys stays under the cap.
    for i in 0..100 {
        let (ip, user) = (format!("ip:10.0.0.{i}"), format!("user:n{i}"));
        store
            .login_failed(&[&ip, &user], &limits, later + i)
            .await
            .expect("fail");
        assert!(store.login_failure_rows().await.expect("rows") <= limits.max_rows);
    }
    // The newest failures are the ones kept.
    let one = LoginLimits {
        max_failures: 1,
        ..limits
    };
    let blocked = |ip: &'static str, user: &'static str| async move {
        store
            .login_blocked(&[ip, user], &one, later + 200)
            .await
            .expect("check")
            .is_some()
    };
    assert!(blocked("ip:10.0.0.99", "user:none").await);
    assert!(!blocked("ip:10.0.0.0", "user:n0").await);
}

#[tokio::test]
async fn limiter_on_sqlite() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&StoreConfig::sqlite_path(&dir.path().join("p.sqlite")))
        .await
        .expect("open");
    limiter(&store).await;
}

#[tokio::test]
async fn limiter_on_postgres() {
    let Ok(url) = std::env::var("SCOUT_TEST_DATABASE_URL") else {
        eprintln!("SCOUT_TEST_DATABASE_URL not set: PostgreSQL limiter skipped");
        return;
    };
    let url = fresh_pg_database(&url).await;
    let store = Store::open(&StoreConfig::new(url)).await.expect("open");
    limiter(&store).await;
}

/// A database made by schema 2 (before time zones) with a meeting in it: opening it applies
/// migration 3, and the meeting reads as UTC with its instant unchanged.
#[tokio::test]
async fn schema_2_meetings_upgrade_to_utc() {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("old.sqlite");
    let config = StoreConfig::sqlite_path(&path);
    {
        let mut conn = sqlx::AnyConnection::connect(&config.url)
            .await
            .expect("connect");
        sqlx::raw_sql(concat!(
            include_str!("../migrations/sqlite/0001_pipeline.sql"),
            include_str!("../migrations/sqlite/0002_committee.sql"),
            "CREATE TABLE pipeline_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL);
             INSERT INTO pipeline_migrations VALUES (1, 'pipeline', 0), (2, 'committee', 0);
             INSERT INTO users (id, name, role, password_hash, created_at) VALUES (1, 'olive', 'owner', 'x', 0);
             INSERT INTO candidates (id, name, stage, stage_entered_at, created_at, updated_at) VALUES (1, 'Ada', 'sourced', 0, 0, 0);
             INSERT INTO meetings (candidate_id, title, starts_at, duration_minutes, attendees, created_by, created_at)
                 VALUES (1, 'Old', 1780000000000, 30, '[]', 1, 0);"
        ))
        .execute(&mut conn)
        .await
        .expect("schema 2");
        conn.close().await.expect("close");
    }
    let store = Store::open(&config).await.expect("upgrade");
    let actor = Actor {
        user_id: 1,
        name: "olive".into(),
        role: Role::Owner,
    };
    let m = store.meetings(&actor, 1).await.expect("meetings");
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].starts_at, 1_780_000_000_000);
    assert_eq!(m[0].time_zone, "UTC");
    assert_eq!(m[0].starts_local, "2026-05-28T20:26:40+00:00");
    let applied: i64 = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(store.db().pool())
        .await
        .expect("version");
    assert_eq!(applied, scout_pipeline::Db::schema_version());
}

/// Creates a new database next to the one in `url` and returns its URL.
async fn fresh_pg_database(url: &str) -> String {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("connect");
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let name = format!(
        "scout_story_{}_{}_{}",
        std::process::id(),
        scout_pipeline::time::now_ms(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create db");
    let base = url.rsplit_once('/').map_or(url, |(b, _)| b);
    format!("{base}/{name}")
}

/// A counteroffer known only as one yearly figure.
fn annual(currency: &str, value: i64) -> OfferTerms {
    OfferTerms {
        currency: currency.into(),
        base: value,
        bonus: 0,
        sign_on: 0,
        equity: 0,
        vesting_months: 0,
        cliff_months: 0,
    }
}
