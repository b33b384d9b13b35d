//! Webhook delivery of alerts over real HTTP, on SQLite always and on PostgreSQL when
//! `SCOUT_TEST_DATABASE_URL` is set, with a receiver on 127.0.0.1: a receiver down at first
//! (port closed, then answering 503) still gets every alert, in order, duplicates only as
//! retries under the same idempotency key, signed with the secret; bad URLs are refused with
//! a clear error; a host that resolves to loopback is refused at delivery when loopback is not
//! allowed; an erased candidate's alerts are not delivered and their log rows are gone; and
//! every role on every webhook route.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use scout_corpus::watch_facts::{Evidence, ItemKind, Observed, ObservedItem};
use scout_pipeline::model::NewCandidate;
use scout_pipeline::webhook_url::AddressRule;
use scout_pipeline::{Role, Store};
use scout_server::ServerConfig;
use scout_server::routes::ROUTES;
use scout_server::webhooks::WebhookConfig;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const ROLES: [Role; 3] = [Role::Viewer, Role::Recruiter, Role::Owner];

/// Delivery settings for tests: loopback allowed (or not), fast polls and retries.
fn config(allow_loopback: bool) -> ServerConfig {
    ServerConfig {
        webhooks: WebhookConfig {
            allow_loopback,
            poll: Duration::from_millis(50),
            retry_base: Duration::from_millis(40),
            retry_max: Duration::from_millis(300),
            connect_timeout: Duration::from_secs(2),
            timeout: Duration::from_secs(5),
            batch: 2,
        },
        ..ServerConfig::default()
    }
}

/// One request the receiver got, and the status it answered.
#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    answered: u16,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map_or("", |(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }
    fn alert_id(&self) -> i64 {
        self.json()["alert"]["id"].as_i64().expect("alert id")
    }
}

type Log = Arc<Mutex<Vec<Received>>>;

/// A receiver on `listener` that answers 503 to its first `fail_first` requests, then 200;
/// one request per connection.
fn receiver(listener: TcpListener, fail_first: usize) -> (Log, tokio::task::JoinHandle<()>) {
    let log: Log = Arc::default();
    let seen = log.clone();
    let task = tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let head_end = loop {
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break Some(i);
                }
                match s.read(&mut chunk).await {
                    Ok(0) | Err(_) => break None,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            };
            let Some(head_end) = head_end else { continue };
            let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
            let headers: Vec<(String, String)> = head
                .split("\r\n")
                .skip(1)
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .collect();
            let length: usize = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            let mut body = buf[head_end + 4..].to_vec();
            while body.len() < length {
                match s.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => body.extend_from_slice(&chunk[..n]),
                }
            }
            let answered = {
                let mut log = seen.lock().expect("log");
                let answered = if log.len() < fail_first { 503 } else { 200 };
                log.push(Received {
                    headers,
                    body,
                    answered,
                });
                answered
            };
            let reply =
                format!("HTTP/1.1 {answered} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = s.write_all(reply.as_bytes()).await;
            let _ = s.shutdown().await;
        }
    });
    (log, task)
}

/// Waits until `done` holds (checked every 25 ms), for at most 30 s.
async fn until<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = std::time::Instant::now();
    while !done().await {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A paper item the radar would raise.
fn paper(n: usize) -> ObservedItem {
    ObservedItem {
        item: format!("paper:W{n}"),
        kind: ItemKind::Paper,
        year: Some(2026),
        summary: format!("New paper W{n}"),
        confidence_pct: None,
        evidence: Evidence {
            reading: format!("paper W{n} appeared"),
            ..Evidence::default()
        },
        quiet: false,
    }
}

/// Has the owner watch `key` (baseline: nothing) and records `papers` new papers for them;
/// returns the alert ids recorded.
async fn alerts_for(env: &Env, key: &str, name: &str, papers: std::ops::Range<usize>) -> Vec<i64> {
    let observed = |items| Observed {
        key: key.into(),
        name: name.into(),
        items,
    };
    env.store
        .add_watch(&env.actor(Role::Owner), &observed(Vec::new()))
        .await
        .expect("watch");
    let report = env
        .store
        .record_observations(&[observed(papers.map(paper).collect())])
        .await
        .expect("radar");
    report.alerts
}

/// A port with nothing listening (bound, then released).
async fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    l.local_addr().expect("addr").port()
}

async fn deliveries(env: &Env, id: i64) -> Vec<Value> {
    let r = env
        .client(Role::Owner)
        .get(&format!("/api/settings/webhooks/{id}/deliveries"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["deliveries"]
        .as_array()
        .expect("deliveries")
        .clone()
}

async fn create(env: &Env, url: &str) -> (i64, String) {
    let r = env
        .client(Role::Owner)
        .post("/api/settings/webhooks", &json!({ "url": url }))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let j = r.json();
    (
        j["webhook"]["id"].as_i64().expect("id"),
        j["secret"].as_str().expect("secret").to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_down_at_first_gets_every_alert_in_order_signed() {
    for backend in backends() {
        let env = start(&backend, config(true)).await;
        // History before the webhook exists is not replayed.
        let old = alerts_for(&env, "openreview:~Ada_Lovelace1", "Ada Lovelace", 0..2).await;
        assert_eq!(old.len(), 2);
        let port = closed_port().await;
        let (id, secret) = create(&env, &format!("http://127.0.0.1:{port}/hook?via=test")).await;
        assert!(secret.starts_with("whsec_") && secret.len() > 40);
        let listed = env.client(Role::Owner).get("/api/settings/webhooks").await;
        assert!(
            !listed.text().contains(&secret),
            "the list never shows the secret"
        );
        assert_eq!(
            listed.json()["webhooks"][0]["delivered_through"],
            json!(old[1])
        );
        assert_eq!(listed.json()["webhooks"][0]["pending"], json!(0));

        let mut ids = alerts_for(&env, "openreview:~Ada_Lovelace1", "Ada Lovelace", 2..5).await;
        ids.extend(alerts_for(&env, "openreview:~Alan_Turing1", "Alan Turing", 0..2).await);
        assert_eq!(ids.len(), 5);

        // The receiver is down: attempts fail and are logged, and nothing is passed over.
        until("two refused attempts", || async {
            deliveries(&env, id).await.len() >= 2
        })
        .await;
        let log = deliveries(&env, id).await;
        for row in &log {
            assert_eq!(row["alert_id"], json!(ids[0]), "{row}");
            assert_eq!(row["outcome"], "failed");
            assert_eq!(row["http_status"], Value::Null);
            assert_eq!(row["error"], "connection refused", "{row}");
            assert!(row["next_attempt_at"].is_string());
        }
        let webhook = &env
            .client(Role::Owner)
            .get("/api/settings/webhooks")
            .await
            .json()["webhooks"][0];
        assert_eq!(webhook["pending"], json!(5));
        assert!(webhook["failures"].as_i64().expect("failures") >= 1);

        // Up, answering 503 twice, then 200.
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("rebind");
        let (received, task) = receiver(listener, 2);
        until("every alert delivered", || async {
            let got = received.lock().expect("log");
            ids.iter()
                .all(|a| got.iter().any(|r| r.answered == 200 && r.alert_id() == *a))
        })
        .await;
        // Give a duplicate the chance to show, then look.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let got = received.lock().expect("log").clone();
        let order: Vec<i64> = got.iter().map(Received::alert_id).collect();
        assert!(
            order.windows(2).all(|w| w[0] <= w[1]),
            "in id order: {order:?}"
        );
        let mut firsts = order.clone();
        firsts.dedup();
        assert_eq!(firsts, ids, "every alert, each once apart from retries");
        for (i, r) in got.iter().enumerate() {
            let alert = r.alert_id();
            // A repeat only after a failed answer, and under the same key.
            if let Some(later) = got[i + 1..].iter().find(|x| x.alert_id() == alert) {
                assert_ne!(r.answered, 200, "alert {alert} sent again after a 2xx");
                assert_eq!(later.header("Idempotency-Key"), r.header("Idempotency-Key"));
            }
            assert_eq!(r.header("Idempotency-Key"), format!("scout-alert-{alert}"));
            assert_eq!(r.header("Content-Type"), "application/json");
            let body = String::from_utf8(r.body.clone()).expect("UTF-8");
            let sig = r.header("X-Scout-Signature");
            let (t, v1) = sig
                .strip_prefix("t=")
                .and_then(|s| s.split_once(",v1="))
                .expect("t=…,v1=…");
            let t: i64 = t.parse().expect("unix seconds");
            assert!((t - scout_pipeline::time::now_ms() / 1000).abs() < 300);
            assert_eq!(
                v1,
                scout_pipeline::secret::keyed_hash(&secret, &format!("{t}.{body}")),
                "the signature verifies with the secret"
            );
            let j = r.json();
            assert_eq!(j["event"], "alert");
            assert_eq!(j["alert"]["kind"], "paper");
            assert!(j["alert"]["researcher"].is_string());
        }
        let delivery_ids: std::collections::BTreeSet<&str> =
            got.iter().map(|r| r.header("X-Scout-Delivery")).collect();
        assert_eq!(delivery_ids.len(), got.len(), "one delivery id per attempt");
        assert_eq!(got.iter().filter(|r| r.answered == 503).count(), 2);

        // The log: the refused attempts, the 503s, one delivery per alert, attempts counted.
        until("the log complete", || async {
            deliveries(&env, id)
                .await
                .iter()
                .filter(|d| d["outcome"] == "delivered")
                .count()
                == 5
        })
        .await;
        let log = deliveries(&env, id).await;
        let first: Vec<&Value> = log
            .iter()
            .filter(|d| d["alert_id"] == json!(ids[0]))
            .collect();
        assert!(first.iter().any(|d| d["http_status"] == json!(503)));
        assert!(first.iter().any(|d| d["error"] == "connection refused"));
        let attempts: Vec<i64> = first
            .iter()
            .rev()
            .map(|d| d["attempt"].as_i64().expect("n"))
            .collect();
        assert_eq!(attempts, (1..=attempts.len() as i64).collect::<Vec<_>>());
        for a in &ids[1..] {
            let rows: Vec<&Value> = log.iter().filter(|d| d["alert_id"] == json!(a)).collect();
            assert_eq!(rows.len(), 1, "alert {a}: {rows:?}");
            assert_eq!(rows[0]["outcome"], "delivered");
            assert_eq!(rows[0]["http_status"], json!(200));
        }
        let webhook = &env
            .client(Role::Owner)
            .get("/api/settings/webhooks")
            .await
            .json()["webhooks"][0];
        assert_eq!(webhook["delivered_through"], json!(ids[4]));
        assert_eq!(webhook["pending"], json!(0));
        assert_eq!(webhook["failures"], json!(0));

        // A test ping is signed, logged without an alert, and moves no cursor.
        let r = env
            .client(Role::Owner)
            .send(
                "POST",
                &format!("/api/settings/webhooks/{id}/test"),
                None,
                &[],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["ping"]["delivered"], true);
        assert_eq!(r.json()["ping"]["http_status"], 200);
        let last = received.lock().expect("log").last().cloned().expect("ping");
        assert_eq!(last.json()["event"], "ping");
        assert_eq!(deliveries(&env, id).await[0]["alert_id"], Value::Null);

        // Removed: audited without the secret or the path, nothing more sent.
        let r = env
            .client(Role::Owner)
            .delete(&format!("/api/settings/webhooks/{id}"))
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let entries = env.store.audit_entries(0, 10_000).await.expect("audit");
        let create_entry = entries
            .iter()
            .find(|e| e.action == "webhook.create")
            .expect("webhook.create audited");
        assert!(!create_entry.detail.contains(&secret));
        assert!(!create_entry.detail.contains("via=test"));
        assert!(create_entry.detail.contains("127.0.0.1"));
        assert!(entries.iter().any(|e| e.action == "webhook.remove"));
        let sent = received.lock().expect("log").len();
        alerts_for(&env, "openreview:~Alan_Turing1", "Alan Turing", 2..3).await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(received.lock().expect("log").len(), sent);
        let r = env
            .client(Role::Owner)
            .get(&format!("/api/settings/webhooks/{id}/deliveries"))
            .await;
        assert_eq!(r.status, 404);
        task.abort();
    }
}

/// The radar run for Ada showing these move items (a move alerted before and not shown is
/// withdrawn; shown again, reinstated).
async fn ada_moves(env: &Env, moves: &[&str]) {
    let observed = Observed {
        key: "openreview:~Ada_Lovelace1".into(),
        name: "Ada Lovelace".into(),
        items: moves
            .iter()
            .map(|m| ObservedItem {
                item: (*m).to_string(),
                kind: ItemKind::Move,
                year: Some(2026),
                summary: format!("Moved: {m}"),
                confidence_pct: Some(60),
                evidence: Evidence::default(),
                quiet: false,
            })
            .collect(),
    };
    let baseline = Observed {
        items: Vec::new(),
        ..observed.clone()
    };
    // Watched with nothing seen (a second watch by the same member is refused: ignored).
    env.store
        .add_watch(&env.actor(Role::Owner), &baseline)
        .await
        .ok();
    env.store
        .record_observations(&[observed])
        .await
        .expect("radar");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawn_move_is_sent_after_its_alert_and_survives_the_receiver_down() {
    for backend in backends() {
        let env = start(&backend, config(true)).await;
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let (id, _secret) = create(&env, &format!("http://127.0.0.1:{port}/hook")).await;
        let (received, task) = receiver(listener, 0);
        ada_moves(&env, &["org:a>org:b@2026"]).await;
        until("the move alert delivered", || async {
            received.lock().expect("log").len() == 1
        })
        .await;
        let alert = received.lock().expect("log")[0].alert_id();
        task.abort();
        let _ = task.await;

        // The next run no longer shows the move: a withdrawal, tried while the receiver is down.
        ada_moves(&env, &[]).await;
        until("a refused attempt at the change", || async {
            deliveries(&env, id)
                .await
                .iter()
                .any(|d| d["change_id"].is_i64() && d["outcome"] == "failed")
        })
        .await;
        let change = deliveries(&env, id).await[0]["change_id"]
            .as_i64()
            .expect("change id");
        assert_eq!(deliveries(&env, id).await[0]["alert_id"], json!(alert));
        let webhook = &env
            .client(Role::Owner)
            .get("/api/settings/webhooks")
            .await
            .json()["webhooks"][0];
        assert_eq!(webhook["pending"], json!(1));

        // Up again (a 503 first): the withdrawal arrives, then a reinstatement.
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("rebind");
        let (received, task) = receiver(listener, 1);
        until("the withdrawal delivered", || async {
            received
                .lock()
                .expect("log")
                .iter()
                .any(|r| r.answered == 200)
        })
        .await;
        ada_moves(&env, &["org:a>org:b@2026"]).await;
        until("the reinstatement delivered", || async {
            received.lock().expect("log").len() == 3
        })
        .await;
        let got = received.lock().expect("log").clone();
        assert_eq!(
            got[0].header("Idempotency-Key"),
            got[1].header("Idempotency-Key")
        );
        assert_eq!(
            got[1].header("Idempotency-Key"),
            format!("scout-alert-change-{change}")
        );
        // Attempts counted on from the refused ones.
        let number = |r: &Received| -> i64 {
            let d = r.header("X-Scout-Delivery");
            let n = d
                .strip_prefix(&format!("{id}.change-{change}."))
                .unwrap_or_else(|| panic!("delivery id {d}"));
            n.parse().expect("attempt number")
        };
        assert!(number(&got[0]) >= 2);
        assert_eq!(number(&got[1]), number(&got[0]) + 1);
        let events: Vec<String> = got
            .iter()
            .map(|r| r.json()["event"].as_str().unwrap_or_default().to_string())
            .collect();
        assert_eq!(
            events,
            ["alert.withdrawn", "alert.withdrawn", "alert.reinstated"]
        );
        let withdrawn = got[1].json();
        assert_eq!(withdrawn["change"]["change"], "withdrawn");
        assert_eq!(withdrawn["change"]["alert"]["id"], json!(alert));
        assert!(withdrawn["change"]["alert"]["withdrawn_at"].is_string());
        assert!(got[2].json()["change"]["alert"]["withdrawn_at"].is_null());
        until("the cursor past both changes", || async {
            env.client(Role::Owner)
                .get("/api/settings/webhooks")
                .await
                .json()["webhooks"][0]["pending"]
                == json!(0)
        })
        .await;
        task.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_urls_are_refused_with_a_clear_error() {
    for backend in backends() {
        let env = start(&backend, config(false)).await;
        for (url, message) in [
            (
                "ftp://files.example.org/x",
                "webhook URL must use http or https, not \"ftp\"",
            ),
            (
                "http://user:pw@hooks.example.org/",
                "webhook URL must not contain a user name or password",
            ),
            (
                "http://127.0.0.1/",
                "webhook host 127.0.0.1 is a loopback address (allowed only when the server runs with --allow-loopback-webhooks)",
            ),
            (
                "http://10.0.0.1/",
                "webhook host 10.0.0.1 is a private network address (webhooks are delivered to public addresses only)",
            ),
            (
                "http://localhost:9/",
                "webhook host localhost is a loopback address (allowed only when the server runs with --allow-loopback-webhooks)",
            ),
            (
                "https://hooks.example.org/#x",
                "webhook URL must not contain a fragment (#…)",
            ),
            (
                "not a url",
                "webhook URL is not a valid URL: relative URL without a base",
            ),
        ] {
            let r = env
                .client(Role::Owner)
                .post("/api/settings/webhooks", &json!({ "url": url }))
                .await;
            assert_eq!(
                (r.status, r.code().as_str()),
                (422, "bad_webhook_url"),
                "{url}: {}",
                r.text()
            );
            assert_eq!(r.json()["error"]["message"], message, "{url}");
        }
        let listed = env.client(Role::Owner).get("/api/settings/webhooks").await;
        assert_eq!(listed.json()["webhooks"], json!([]));
        // Public URLs are taken, in normal form.
        let r = env
            .client(Role::Owner)
            .post(
                "/api/settings/webhooks",
                &json!({ "url": " HTTPS://Hooks.Example.ORG/in " }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        assert_eq!(r.json()["webhook"]["url"], "https://hooks.example.org/in");

        // The flag allows loopback only.
        let mut env2 = start(&backend, config(true)).await;
        let r = env2
            .client(Role::Owner)
            .post(
                "/api/settings/webhooks",
                &json!({ "url": "http://10.0.0.1/" }),
            )
            .await;
        assert_eq!((r.status, r.code().as_str()), (422, "bad_webhook_url"));
        env2.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_resolving_to_loopback_is_refused_at_delivery() {
    for backend in backends() {
        // Registered while loopback was allowed; the server now runs without the flag.
        let env = start(&backend, config(false)).await;
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let (received, task) = receiver(listener, 0);
        let (hook, _) = env
            .store
            .create_webhook(
                &env.actor(Role::Owner),
                &format!("http://localhost:{port}/hook"),
                AddressRule {
                    allow_loopback: true,
                },
            )
            .await
            .expect("webhook");
        alerts_for(&env, "k:1", "Grace Hopper", 0..1).await;
        until("a refused attempt", || async {
            !deliveries(&env, hook.id).await.is_empty()
        })
        .await;
        let row = &deliveries(&env, hook.id).await[0];
        assert_eq!(row["outcome"], "failed");
        assert_eq!(
            row["error"],
            "webhook host localhost is a loopback address (allowed only when the server runs with --allow-loopback-webhooks)"
        );
        assert!(
            received.lock().expect("log").is_empty(),
            "nothing reached the receiver"
        );
        task.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erased_candidates_alerts_are_not_delivered_and_leave_no_log() {
    for backend in backends() {
        let env = start(&backend, config(true)).await;
        let owner = env.actor(Role::Owner);
        let port = closed_port().await;
        let (id, _) = create(&env, &format!("http://127.0.0.1:{port}/")).await;
        let erased_key = "openreview:~Erin_Erased1";
        let candidate = env
            .store
            .create_candidate(
                &owner,
                &NewCandidate {
                    name: "Erin Erased".into(),
                    researcher_key: Some(erased_key.into()),
                    ..Default::default()
                },
            )
            .await
            .expect("candidate");
        let erased = alerts_for(&env, erased_key, "Erin Erased", 0..2).await;
        let kept = alerts_for(&env, "openreview:~Kim_Kept1", "Kim Kept", 0..1).await;
        until(
            "failed attempts at the erased candidate's alert",
            || async {
                deliveries(&env, id)
                    .await
                    .iter()
                    .any(|d| d["alert_id"] == json!(erased[0]))
            },
        )
        .await;
        env.store
            .erase_candidate(&owner, candidate.id)
            .await
            .expect("erase");
        let log = deliveries(&env, id).await;
        assert!(
            log.iter()
                .all(|d| !erased.contains(&d["alert_id"].as_i64().unwrap_or(0))),
            "the erased candidate's log rows are gone: {log:?}"
        );
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("rebind");
        let (received, task) = receiver(listener, 0);
        until("the kept alert delivered", || async {
            received
                .lock()
                .expect("log")
                .iter()
                .any(|r| r.alert_id() == kept[0])
        })
        .await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let got = received.lock().expect("log").clone();
        assert!(
            got.iter().all(|r| r.alert_id() == kept[0]),
            "only the kept alert"
        );
        assert!(
            got.iter()
                .all(|r| !String::from_utf8_lossy(&r.body).contains("Erin"))
        );
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM webhook_deliveries WHERE alert_id IN ($1, $2)",
        )
        .bind(erased[0])
        .bind(erased[1])
        .fetch_one(env.store.db().pool())
        .await
        .expect("count");
        assert_eq!(count, 0);
        task.abort();
    }
}

/// The routes of owners' webhooks (left out of `api.rs`'s pipeline sweep: their bodies and ids
/// are set up here).
fn is_webhook_route(path: &str) -> bool {
    path.starts_with("/api/settings/webhooks")
}

async fn new_webhook(store: &Store, env: &Env, port: u16) -> i64 {
    store
        .create_webhook(
            &env.actor(Role::Owner),
            &format!("http://127.0.0.1:{port}/"),
            AddressRule {
                allow_loopback: true,
            },
        )
        .await
        .expect("webhook")
        .0
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_on_every_webhook_route() {
    for backend in backends() {
        let env = start(&backend, config(true)).await;
        let port = closed_port().await;
        let routes: Vec<_> = ROUTES.iter().filter(|r| is_webhook_route(r.path)).collect();
        assert_eq!(routes.len(), 5, "the webhook routes");
        for route in routes {
            let anon = env
                .anon()
                .send(route.method, &route.path.replace("{id}", "1"), None, &[])
                .await;
            assert_eq!(
                anon.status, 401,
                "anonymous {} {}",
                route.method, route.path
            );
            for role in ROLES {
                let id = new_webhook(&env.store, &env, port).await;
                let path = route.path.replace("{id}", &id.to_string());
                let body = (route.method, route.path) == ("POST", "/api/settings/webhooks");
                let body = body.then(|| {
                    json!({"url": format!("http://127.0.0.1:{port}/{role}")})
                        .to_string()
                        .into_bytes()
                });
                let r = env
                    .client(role)
                    .send(route.method, &path, body.as_deref(), &[])
                    .await;
                let what = format!(
                    "[{}] {role} {} {path}: {} {}",
                    env.backend_name(),
                    route.method,
                    r.status,
                    r.text()
                );
                match route.least_role() {
                    Some(least) if role < least => {
                        assert_eq!((r.status, r.code().as_str()), (403, "forbidden"), "{what}")
                    }
                    _ => assert!((200..300).contains(&r.status), "{what}"),
                }
                env.store
                    .remove_webhook(&env.actor(Role::Owner), id)
                    .await
                    .ok();
            }
        }
    }
}
