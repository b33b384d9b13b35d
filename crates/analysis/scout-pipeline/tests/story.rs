//! One story of pipeline operations, run on SQLite always and on PostgreSQL when
//! `SCOUT_TEST_DATABASE_URL` is set (a fresh schema is made for the run).

use scout_pipeline::model::{CandidateFilter, Channel, NewCandidate};
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
        .add_counteroffer(&actor, c.id, "Rival AI", "USD", 150, None)
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
    assert_eq!(export["notes"].as_array().map(Vec::len), Some(1));
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

/// Creates a new database next to the one in `url` and returns its URL.
async fn fresh_pg_database(url: &str) -> String {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("connect");
    let name = format!(
        "scout_story_{}_{}",
        std::process::id(),
        scout_pipeline::time::now_ms()
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create db");
    let base = url.rsplit_once('/').map_or(url, |(b, _)| b);
    format!("{base}/{name}")
}
