//! Webhooks in the store: a new webhook's cursor starts at the newest alert; a failed attempt
//! sets the retry state and keeps the cursor, a delivered one moves it and clears the state;
//! an attempt at an alert erased meanwhile leaves no log row; nothing is recorded for a removed
//! webhook; the log keeps the newest `MAX_LOG_ROWS` rows per webhook; creating and removing are
//! audited without the secret or the URL's path; a refused URL is a typed error. A move alert
//! withdrawn or reinstated by a later radar run is a change the webhook is sent after its
//! alerts, on a second cursor. Run on SQLite
//! always and on PostgreSQL when `SCOUT_TEST_DATABASE_URL` is set.

mod common;

use scout_corpus::watch_facts::{Evidence, ItemKind, ObservedItem};
use scout_pipeline::store::{Attempt, DeliveryOutcome, MAX_LOG_ROWS, Observed};
use scout_pipeline::webhook_url::{AddressRule, WebhookUrlError};
use scout_pipeline::{Actor, Error, Role, Store, StoreConfig};

const RULE: AddressRule = AddressRule {
    allow_loopback: false,
};

async fn owner(store: &Store) -> Actor {
    let u = store
        .create_user("test", "olive", Role::Owner, "x")
        .await
        .expect("user");
    Actor {
        user_id: u.id,
        name: u.name,
        role: Role::Owner,
    }
}

/// Records `n` new paper alerts on `key` (watched by `actor`); their ids.
async fn alerts(store: &Store, actor: &Actor, key: &str, from: usize, n: usize) -> Vec<i64> {
    let observed = |items| Observed {
        key: key.into(),
        name: "Ada Lovelace".into(),
        items,
    };
    store
        .add_watch(actor, &observed(Vec::new()))
        .await
        .expect("watch");
    let items = (from..from + n)
        .map(|i| ObservedItem {
            item: format!("paper:W{i}"),
            kind: ItemKind::Paper,
            year: Some(2026),
            summary: format!("paper {i}"),
            confidence_pct: None,
            evidence: Evidence::default(),
            quiet: false,
        })
        .collect();
    store
        .record_observations(&[observed(items)])
        .await
        .expect("radar")
        .alerts
}

fn attempt(webhook: i64, alert: Option<i64>, n: i64, outcome: DeliveryOutcome) -> Attempt {
    Attempt {
        webhook_id: webhook,
        alert_id: alert,
        change_id: None,
        attempt: n,
        http_status: Some(if outcome == DeliveryOutcome::Delivered {
            200
        } else {
            503
        }),
        error: None,
        outcome,
        at: 1_000 * n,
        next_attempt_at: (outcome == DeliveryOutcome::Failed).then_some(9_000_000),
    }
}

async fn story(store: &Store) {
    let actor = owner(store).await;
    let before = alerts(store, &actor, "k:ada", 0, 2).await;

    match store
        .create_webhook(&actor, "http://user:pw@hooks.example.org/", RULE)
        .await
    {
        Err(Error::BadWebhookUrl(WebhookUrlError::Credentials)) => {}
        other => panic!("{other:?}"),
    }
    let (hook, secret) = store
        .create_webhook(&actor, "https://hooks.example.org/T0ken?x=1", RULE)
        .await
        .expect("webhook");
    assert_eq!(hook.delivered_through, before[1], "no history replayed");
    assert_eq!(hook.pending, 0);
    let entries = store.audit_entries(0, 10_000).await.expect("audit");
    let created = entries
        .iter()
        .find(|e| e.action == "webhook.create")
        .expect("audited");
    assert!(!created.detail.contains(&secret) && !created.detail.contains("T0ken"));
    assert!(created.detail.contains("hooks.example.org"));

    let ids = alerts(store, &actor, "k:ada", 2, 3).await;
    let target = &store.delivery_targets().await.expect("targets")[0];
    assert_eq!(target.secret, secret);
    assert_eq!(target.attempt_for(ids[0]), 1);

    // A failure keeps the cursor and sets the retry state; the next attempt is number 2.
    store
        .record_delivery(&attempt(hook.id, Some(ids[0]), 1, DeliveryOutcome::Failed))
        .await
        .expect("record");
    let target = &store.delivery_targets().await.expect("targets")[0];
    assert_eq!(target.delivered_through, before[1]);
    assert_eq!(
        (
            target.failing_alert,
            target.failures,
            target.attempt_for(ids[0])
        ),
        (Some(ids[0]), 1, 2)
    );
    assert_eq!(target.next_attempt_at, 9_000_000);
    let listed = store.webhook(hook.id).await.expect("webhook");
    assert_eq!((listed.pending, listed.failures), (3, 1));

    // Delivered: the cursor moves past it and the retry state clears.
    store
        .record_delivery(&attempt(
            hook.id,
            Some(ids[0]),
            2,
            DeliveryOutcome::Delivered,
        ))
        .await
        .expect("record");
    let target = &store.delivery_targets().await.expect("targets")[0];
    assert_eq!(target.delivered_through, ids[0]);
    assert_eq!(
        (
            target.failing_alert,
            target.failures,
            target.next_attempt_at
        ),
        (None, 0, 0)
    );
    let log = store.webhook_deliveries(hook.id, 10).await.expect("log");
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].outcome, DeliveryOutcome::Delivered);
    assert_eq!((log[1].attempt, log[1].http_status), (1, Some(503)));

    // An alert erased while it was being sent: no log row, the cursor still moves.
    sqlx::query("DELETE FROM alerts WHERE id = $1")
        .bind(ids[1])
        .execute(store.db().pool())
        .await
        .expect("delete");
    store
        .record_delivery(&attempt(
            hook.id,
            Some(ids[1]),
            1,
            DeliveryOutcome::Delivered,
        ))
        .await
        .expect("record");
    assert_eq!(
        store
            .webhook_deliveries(hook.id, 10)
            .await
            .expect("log")
            .len(),
        2
    );
    assert_eq!(
        store.delivery_targets().await.expect("targets")[0].delivered_through,
        ids[1]
    );

    // The log keeps the newest MAX_LOG_ROWS rows (pings here: no alert, no cursor).
    for n in 0..MAX_LOG_ROWS + 5 {
        store
            .record_delivery(&attempt(hook.id, None, 1 + n, DeliveryOutcome::Delivered))
            .await
            .expect("ping");
    }
    let log = store
        .webhook_deliveries(hook.id, MAX_LOG_ROWS + 100)
        .await
        .expect("log");
    assert_eq!(log.len() as i64, MAX_LOG_ROWS);
    assert_eq!(log[0].attempt, MAX_LOG_ROWS + 5, "the newest kept");
    assert_eq!(
        store.delivery_targets().await.expect("targets")[0].delivered_through,
        ids[1]
    );

    // Removed: gone from the lists, its secret and log deleted, nothing more recorded.
    store.remove_webhook(&actor, hook.id).await.expect("remove");
    assert!(store.webhooks().await.expect("list").is_empty());
    assert!(store.delivery_targets().await.expect("targets").is_empty());
    assert!(matches!(
        store.webhook_deliveries(hook.id, 10).await,
        Err(Error::NotFound { .. })
    ));
    store
        .record_delivery(&attempt(
            hook.id,
            Some(ids[2]),
            1,
            DeliveryOutcome::Delivered,
        ))
        .await
        .expect("record after removal");
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries")
        .fetch_one(store.db().pool())
        .await
        .expect("count");
    let secret_left: String = sqlx::query_scalar("SELECT secret FROM webhooks WHERE id = $1")
        .bind(hook.id)
        .fetch_one(store.db().pool())
        .await
        .expect("row");
    assert_eq!((left, secret_left.as_str()), (0, ""));
    assert!(matches!(
        store.remove_webhook(&actor, hook.id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(
        store
            .audit_entries(0, 10_000)
            .await
            .expect("audit")
            .iter()
            .any(|e| e.action == "webhook.remove")
    );
}

#[tokio::test]
async fn webhooks_keep_their_cursor_retry_state_and_log_on_sqlite() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&StoreConfig::sqlite_path(&dir.path().join("p.sqlite")))
        .await
        .expect("open");
    story(&store).await;
}

#[tokio::test]
async fn webhooks_keep_their_cursor_retry_state_and_log_on_postgres() {
    let Some(store) = common::fresh_postgres_store("scout_webhooks").await else {
        return;
    };
    story(&store).await;
}

/// The radar run for `key` showing these move items (an alert for each new one; a move alerted
/// before and not shown is withdrawn, shown again reinstated).
async fn moves_shown(store: &Store, key: &str, moves: &[&str]) {
    let items = moves
        .iter()
        .map(|m| ObservedItem {
            item: (*m).to_string(),
            kind: ItemKind::Move,
            year: Some(2026),
            summary: format!("moved: {m}"),
            confidence_pct: Some(60),
            evidence: Evidence::default(),
            quiet: false,
        })
        .collect();
    store
        .record_observations(&[Observed {
            key: key.into(),
            name: "Ada Lovelace".into(),
            items,
        }])
        .await
        .expect("radar");
}

async fn changes_story(store: &Store) {
    let actor = owner(store).await;
    alerts(store, &actor, "k:ada", 0, 1).await;
    moves_shown(store, "k:ada", &["org:a>org:b@2025"]).await;
    // Withdrawn before the webhook exists: a new webhook starts after it.
    moves_shown(store, "k:ada", &[]).await;
    let (hook, _) = store
        .create_webhook(&actor, "https://hooks.example.org/x", RULE)
        .await
        .expect("webhook");
    assert_eq!((hook.pending, hook.changes_through > 0), (0, true));

    // Reinstated, then a new move and the first withdrawn again: three changes, in order.
    moves_shown(store, "k:ada", &["org:a>org:b@2025", "org:b>org:c@2026"]).await;
    moves_shown(store, "k:ada", &["org:b>org:c@2026"]).await;
    let changes = store
        .alert_changes_after(hook.changes_through, 100)
        .await
        .expect("changes");
    let kinds: Vec<&str> = changes.iter().map(|c| c.change.as_str()).collect();
    assert_eq!(kinds, ["reinstated", "withdrawn"]);
    assert!(
        changes[1].alert.withdrawn_at.is_some(),
        "the alert as it stands"
    );
    assert_eq!(changes[0].alert.id, changes[1].alert.id);
    let listed = store.webhook(hook.id).await.expect("webhook");
    assert_eq!(listed.pending, 3, "one new move alert and two changes");
    assert_eq!(
        store.settled_change_id().await.expect("settled"),
        changes[1].id
    );

    // A failed change sets the retry state on the change; delivered, the change cursor moves.
    let send = |change: i64, n: i64, outcome| Attempt {
        change_id: Some(change),
        ..attempt(hook.id, Some(changes[0].alert.id), n, outcome)
    };
    store
        .record_delivery(&send(changes[0].id, 1, DeliveryOutcome::Failed))
        .await
        .expect("record");
    let target = &store.delivery_targets().await.expect("targets")[0];
    assert_eq!(
        (
            target.failing_change,
            target.failing_alert,
            target.attempt_for_change(changes[0].id)
        ),
        (Some(changes[0].id), None, 2)
    );
    assert_eq!(target.changes_through, hook.changes_through);
    store
        .record_delivery(&send(changes[0].id, 2, DeliveryOutcome::Delivered))
        .await
        .expect("record");
    let target = &store.delivery_targets().await.expect("targets")[0];
    assert_eq!(
        (
            target.changes_through,
            target.failing_change,
            target.failures
        ),
        (changes[0].id, None, 0)
    );
    let log = store.webhook_deliveries(hook.id, 10).await.expect("log");
    assert_eq!(log[0].change_id, Some(changes[0].id));
    assert_eq!(log[0].alert_id, Some(changes[0].alert.id));

    // Erasing the candidate erases the alert's changes and their log rows.
    let gone: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM alert_changes")
        .fetch_one(store.db().pool())
        .await
        .expect("count");
    assert!(gone >= 3);
    sqlx::query("DELETE FROM alerts WHERE researcher_key = 'k:ada'")
        .execute(store.db().pool())
        .await
        .expect("erase");
    let left: (i64, i64) = (
        sqlx::query_scalar("SELECT COUNT(*) FROM alert_changes")
            .fetch_one(store.db().pool())
            .await
            .expect("count"),
        sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries")
            .fetch_one(store.db().pool())
            .await
            .expect("count"),
    );
    assert_eq!(left, (0, 0));
}

#[tokio::test]
async fn withdrawn_and_reinstated_alerts_are_changes_on_a_second_cursor_on_sqlite() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&StoreConfig::sqlite_path(&dir.path().join("p.sqlite")))
        .await
        .expect("open");
    changes_story(&store).await;
}

#[tokio::test]
async fn withdrawn_and_reinstated_alerts_are_changes_on_a_second_cursor_on_postgres() {
    let Some(store) = common::fresh_postgres_store("scout_webhook_changes").await else {
        return;
    };
    changes_story(&store).await;
}
