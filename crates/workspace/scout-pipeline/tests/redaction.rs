//! Migration 0005 redacts the tag text that earlier builds wrote into the audit log (issue 18):
//! the entries keep their hashes (a kept anchor is still found), an `audit.redact` entry lists
//! them, `audit verify` accepts exactly those, and nothing of the text is left in the log.

use scout_pipeline::audit::{GENESIS, entry_hash};
use scout_pipeline::{Store, StoreConfig};

#[tokio::test]
async fn old_tag_text_is_redacted_and_the_chain_still_verifies() {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("old.sqlite");
    let config = StoreConfig::sqlite_path(&path);
    // A schema-4 database whose log has tag text, as the builds before migration 0005 wrote it.
    let entries = [
        ("candidate.create", r#"{}"#),
        ("candidate.tag_add", r#"{"tag":"ex-acme-rlhf-lead"}"#),
        ("candidate.read", r#"{}"#),
        ("candidate.tag_remove", r#"{"tag":"ex-acme-rlhf-lead"}"#),
    ];
    let mut prev = GENESIS.to_string();
    let mut hashes = Vec::new();
    {
        let mut conn = sqlx::AnyConnection::connect(&config.url)
            .await
            .expect("connect");
        sqlx::raw_sql(concat!(
            include_str!("../migrations/sqlite/0001_pipeline.sql"),
            include_str!("../migrations/sqlite/0002_committee.sql"),
            include_str!("../migrations/sqlite/0003_time_zones_login_failures.sql"),
            include_str!("../migrations/sqlite/0004_career_stage.sql"),
            "CREATE TABLE pipeline_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL);
             INSERT INTO pipeline_migrations VALUES (1, 'pipeline', 0), (2, 'committee', 0), (3, 't', 0), (4, 'c', 0);
             INSERT INTO candidates (id, name, stage, stage_entered_at, created_at, updated_at) VALUES (1, 'Ada', 'sourced', 0, 0, 0);"
        ))
        .execute(&mut conn)
        .await
        .expect("schema 4");
        for (i, (action, detail)) in entries.iter().enumerate() {
            let seq = i as i64 + 1;
            let hash = entry_hash(&prev, seq, 1000 + seq, "olive", action, Some(1), detail);
            sqlx::query(
                "INSERT INTO audit_log (seq, at, actor, action, candidate_id, detail, prev_hash, hash) \
                 VALUES ($1, $2, 'olive', $3, 1, $4, $5, $6)",
            )
            .bind(seq)
            .bind(1000 + seq)
            .bind(*action)
            .bind(*detail)
            .bind(&prev)
            .bind(&hash)
            .execute(&mut conn)
            .await
            .expect("entry");
            prev = hash.clone();
            hashes.push(hash);
        }
        conn.close().await.expect("close");
    }
    let store = Store::open(&config).await.expect("upgrade");
    let all = store.audit_entries(0, 100).await.expect("entries");
    assert_eq!(all.len(), 5, "{all:#?}");
    for e in &all {
        assert!(!e.detail.contains("acme"), "{e:?}");
    }
    // Same hashes: an anchor kept before the upgrade is still in the chain.
    assert_eq!(
        all.iter()
            .take(4)
            .map(|e| e.hash.clone())
            .collect::<Vec<_>>(),
        hashes
    );
    let redact = &all[4];
    assert_eq!(redact.action, "audit.redact");
    assert_eq!(redact.actor, "system:migration-0005");
    assert!(redact.detail.contains("\"seq\":2") && redact.detail.contains("\"seq\":4"));
    let report = store.verify_audit().await.expect("verify");
    assert!(report.ok, "{report:?}");
    // Still append-only: the trigger is back.
    let err = sqlx::query("UPDATE audit_log SET actor = 'x' WHERE seq = 1")
        .execute(store.db().pool())
        .await;
    assert!(err.is_err(), "UPDATE on the audit log must still fail");
    // A redacted entry edited afterwards (the trigger dropped by an attacker) is found.
    sqlx::raw_sql(
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE seq = 2",
    )
    .execute(store.db().pool())
    .await
    .expect("tamper");
    let report = store.verify_audit().await.expect("verify");
    assert_eq!(report.first_problem.map(|p| p.seq), Some(2));
    store.db().close().await;
}
