//! The whole-pipeline export: every candidate across pages, owners and tags, compensation for
//! owners only, erased candidates left out, one audit entry — on SQLite always and on
//! PostgreSQL when `SCOUT_TEST_DATABASE_URL` is set.

use std::sync::Mutex;

use scout_pipeline::model::{CounterBasis, NewCandidate};
use scout_pipeline::{Actor, OfferTerms, Role, Store, StoreConfig};

async fn export_story(store: &Store) {
    let owner = store
        .create_user("test", "olive", Role::Owner, "x")
        .await
        .expect("owner");
    let rick = store
        .create_user("test", "rick", Role::Recruiter, "x")
        .await
        .expect("rick");
    let as_owner = Actor {
        user_id: owner.id,
        name: owner.name.clone(),
        role: Role::Owner,
    };
    let as_rick = Actor {
        user_id: rick.id,
        name: rick.name.clone(),
        role: Role::Recruiter,
    };
    // More than one page (500) of candidates.
    let mut ids = Vec::new();
    for i in 0..520 {
        let c = store
            .create_candidate(
                &as_rick,
                &NewCandidate {
                    name: format!("Candidate {i}"),
                    tags: if i % 2 == 0 {
                        vec!["even".into(), "x".into()]
                    } else {
                        vec![]
                    },
                    owner_id: (i % 3 == 0).then_some(rick.id),
                    ..Default::default()
                },
            )
            .await
            .expect("create");
        ids.push(c.id);
    }
    let terms = OfferTerms {
        currency: "EUR".into(),
        base: 100,
        bonus: 0,
        sign_on: 0,
        equity: 0,
        vesting_months: 0,
        cliff_months: 0,
    };
    let last = *ids.last().expect("ids");
    store
        .add_offer(&as_owner, last, &terms, None)
        .await
        .expect("offer");
    store
        .add_offer(&as_owner, last, &OfferTerms { base: 300, ..terms }, None)
        .await
        .expect("offer 2");
    store
        .add_counteroffer(
            &as_owner,
            last,
            "Rival",
            &annual("EUR", 400),
            CounterBasis::Annual,
            None,
        )
        .await
        .expect("counter");
    store
        .erase_candidate(&as_owner, ids[1])
        .await
        .expect("erase");

    let calls = Mutex::new(Vec::new());
    let export = store
        .export_pipeline(&as_owner, &|done, total| {
            calls.lock().expect("calls").push((done, total))
        })
        .await
        .expect("export");
    assert!(export.compensation_included);
    let got: Vec<i64> = export.candidates.iter().map(|c| c.candidate.id).collect();
    let expected: Vec<i64> = ids.iter().copied().filter(|&id| id != ids[1]).collect();
    assert_eq!(got, expected);
    let calls = calls.into_inner().expect("calls");
    assert_eq!(calls.first(), Some(&(0, 519)));
    assert_eq!(calls.last(), Some(&(519, 519)));
    assert!(calls.len() >= 3, "{calls:?}");
    let first = &export.candidates[0];
    assert_eq!(first.candidate.tags, ["even", "x"]);
    assert_eq!(first.owner.as_deref(), Some("rick"));
    assert_eq!(export.candidates[1].owner, None);
    let last_row = export.candidates.last().expect("last");
    let comp = last_row
        .compensation
        .as_ref()
        .expect("compensation for owners");
    assert_eq!(
        comp.latest_offer
            .as_ref()
            .map(|o| (o.revision, o.terms.base)),
        Some((2, 300))
    );
    assert_eq!(comp.counteroffers.len(), 1);
    assert!(
        export.candidates[0]
            .compensation
            .as_ref()
            .is_some_and(|c| c.latest_offer.is_none())
    );

    let export = store
        .export_pipeline(&as_rick, &|_, _| {})
        .await
        .expect("export");
    assert!(!export.compensation_included);
    assert!(export.candidates.iter().all(|c| c.compensation.is_none()));
    let json = serde_json::to_string(&export).expect("json");
    assert!(!json.contains("latest_offer") && !json.contains("Rival"));

    let audit = store.audit_entries(0, 10_000).await.expect("audit");
    let exports: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "pipeline.export")
        .collect();
    assert_eq!(exports.len(), 2);
    assert_eq!(exports[0].actor, "olive");
    assert!(exports[0].detail.contains("\"candidates\":519"));
    assert!(store.verify_audit().await.expect("verify").ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_every_candidate_with_compensation_for_owners_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&StoreConfig::sqlite_path(&dir.path().join("p.sqlite")))
        .await
        .expect("open");
    export_story(&store).await;
    if let Ok(url) = std::env::var("SCOUT_TEST_DATABASE_URL") {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&url).await.expect("connect");
        let name = format!(
            "scout_export_{}_{}",
            std::process::id(),
            scout_pipeline::time::now_ms()
        );
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create db");
        let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
        let store = Store::open(&StoreConfig::new(format!("{base}/{name}")))
            .await
            .expect("open pg");
        export_story(&store).await;
    }
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
