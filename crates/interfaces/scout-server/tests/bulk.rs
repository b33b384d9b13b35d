//! Bulk work and saved views over real HTTP, on SQLite always and on PostgreSQL when
//! `SCOUT_TEST_DATABASE_URL` is set: every role on every new route, a bulk move with a refused
//! candidate reported beside the others applied, bulk add under the one-candidate rule, saved
//! views private or shared, and a board view's pins in the candidate's export and erasure.

mod common;

use common::*;
use scout_pipeline::model::NewCandidate;
use scout_pipeline::store::{BoardFilter, NewView, ViewSpec};
use scout_pipeline::{Role, Stage};
use scout_server::ServerConfig;
use scout_server::routes::ROUTES;
use serde_json::{Value, json};

const ROLES: [Role; 3] = [Role::Viewer, Role::Recruiter, Role::Owner];

/// The routes of bulk work and saved views (left out of `api.rs`'s pipeline sweep: their
/// bodies and ids are set up here).
fn is_bulk_route(path: &str) -> bool {
    path.starts_with("/api/candidates/bulk") || path.starts_with("/api/views")
}

async fn new_candidate(env: &Env, name: &str, key: &str) -> i64 {
    env.store
        .create_candidate(
            &env.actor(Role::Owner),
            &NewCandidate {
                name: name.into(),
                researcher_key: Some(key.into()),
                ..Default::default()
            },
        )
        .await
        .expect("candidate")
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_on_every_bulk_and_view_route() {
    for backend in backends() {
        let env = start(&backend, ServerConfig::default()).await;
        let routes: Vec<_> = ROUTES.iter().filter(|r| is_bulk_route(r.path)).collect();
        assert_eq!(routes.len(), 5, "the bulk and view routes");
        let mut n = 0;
        for route in routes {
            let anon = env
                .anon()
                .send(
                    route.method,
                    route.path,
                    (route.method != "GET").then_some(&b"{}"[..]),
                    &[],
                )
                .await;
            assert_eq!(
                anon.status, 401,
                "anonymous {} {}",
                route.method, route.path
            );
            for role in ROLES {
                n += 1;
                let cid = new_candidate(&env, &format!("Person {n}"), &format!("k:{n}")).await;
                let (path, body): (String, Option<Value>) = match (route.method, route.path) {
                    ("POST", "/api/candidates/bulk") => (
                        route.path.into(),
                        Some(json!({"ids": [cid], "action": {"add_tag": {"tag": "hot"}}})),
                    ),
                    ("POST", "/api/candidates/bulk-add") => (
                        route.path.into(),
                        Some(
                            json!({"researchers": [{"key": format!("new:{n}"), "name": "New Person"}], "tags": ["x"]}),
                        ),
                    ),
                    ("GET", "/api/views") => ("/api/views?kind=board".into(), None),
                    ("POST", "/api/views") => (
                        route.path.into(),
                        Some(
                            json!({"name": format!("view {n}"), "view": {"board": {"candidate_ids": [cid]}}}),
                        ),
                    ),
                    ("DELETE", "/api/views/{id}") => {
                        let (v, _) = env
                            .store
                            .save_view(
                                &env.actor(role),
                                &NewView {
                                    name: format!("mine {n}"),
                                    shared: false,
                                    view: ViewSpec::Board(BoardFilter::default()),
                                },
                            )
                            .await
                            .expect("view");
                        (format!("/api/views/{}", v.id), None)
                    }
                    other => panic!("a new route without a case here: {other:?}"),
                };
                let bytes = body.map(|b| b.to_string().into_bytes());
                let r = env
                    .client(role)
                    .send(route.method, &path, bytes.as_deref(), &[])
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
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_actions_report_each_candidate_and_views_follow_the_candidate() {
    for backend in backends() {
        let env = start(&backend, ServerConfig::default()).await;
        let rick = env.client(Role::Recruiter);
        let a = new_candidate(&env, "Ada Lovelace", "k:ada").await;
        let b = new_candidate(&env, "Grace Hopper", "k:grace").await;
        let c = new_candidate(&env, "Edsger Dijkstra", "k:edsger").await;
        env.store
            .move_stage(&env.actor(Role::Owner), c, Stage::Withdrawn, Some("no"))
            .await
            .expect("withdraw");

        // A move of three: two done, the withdrawn one refused with the table's reason.
        let r = rick
            .post(
                "/api/candidates/bulk",
                &json!({"ids": [a, b, c], "action": {"move": {"to": "shortlisted"}}}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let j = r.json();
        assert_eq!(
            (j["done"].as_i64(), j["refused"].as_i64()),
            (Some(2), Some(1))
        );
        let statuses: Vec<&str> = j["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|o| o["status"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(statuses, ["done", "done", "refused"]);
        assert!(
            j["results"][2]["message"]
                .as_str()
                .is_some_and(|m| m.contains("final stage")),
            "{j}"
        );
        assert_eq!(j["results"][0]["candidate"]["stage"], "shortlisted");
        // Bad input is refused whole (422), nothing changed.
        let bad = rick
            .post(
                "/api/candidates/bulk",
                &json!({"ids": [a], "action": {"add_tag": {"tag": ""}}}),
            )
            .await;
        assert_eq!(bad.status, 422, "{}", bad.text());
        // A viewer cannot.
        let v = env
            .client(Role::Viewer)
            .post(
                "/api/candidates/bulk",
                &json!({"ids": [a], "action": {"move": {"to": "finalist"}}}),
            )
            .await;
        assert_eq!(v.status, 403);

        // Bulk add: Ada is held by her candidate, Barbara added once.
        let r = rick
            .post(
                "/api/candidates/bulk-add",
                &json!({"researchers": [
                    {"key": "k:ada", "name": "Ada Lovelace"},
                    {"key": "k:barbara", "name": "Barbara Liskov", "source_org": "MIT"},
                    {"key": "k:barbara", "name": "Barbara Liskov"}
                ], "tags": ["reasoning"]}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let j = r.json();
        assert_eq!(
            (j["added"].as_i64(), j["held"].as_i64()),
            (Some(1), Some(2))
        );
        assert_eq!(j["results"][0]["status"], "held");
        assert_eq!(j["results"][0]["candidate_id"], json!(a));
        assert_eq!(j["results"][0]["stage"], "shortlisted");

        // Views: rick's private List search and shared board view pinning Ada and Grace.
        let r = rick
            .post(
                "/api/views",
                &json!({"name": "RL", "view": {"list": {"topic": "reinforcement learning", "stage": "early"}}}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let private = r.json()["view"]["id"].as_i64().expect("id");
        let r = rick
            .post(
                "/api/views",
                &json!({"name": "To call", "shared": true, "view": {"board": {"candidate_ids": [a, b]}}}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let shared = r.json()["view"]["id"].as_i64().expect("id");
        let vera = env.client(Role::Viewer);
        let seen = vera.get("/api/views").await.json();
        assert_eq!(seen["views"].as_array().map(Vec::len), Some(1), "{seen}");
        assert_eq!(
            seen["views"][0]["view"]["board"]["candidate_ids"],
            json!([a, b])
        );
        assert_eq!(seen["views"][0]["mine"], false);
        assert_eq!(
            vera.delete(&format!("/api/views/{private}")).await.status,
            404
        );
        assert_eq!(
            vera.delete(&format!("/api/views/{shared}")).await.status,
            403
        );
        assert_eq!(
            rick.post(
                "/api/views",
                &json!({"name": "x", "view": {"board": {"candidate_ids": [999_999]}}})
            )
            .await
            .status,
            404
        );

        // The pin is in Ada's export and goes with her erasure; the view stays for Grace.
        let olive = env.client(Role::Owner);
        let export = olive
            .get(&format!("/api/candidates/{a}/export"))
            .await
            .json();
        assert_eq!(
            export["saved_views"][0]["view_id"],
            json!(shared),
            "{export}"
        );
        let erased = olive
            .post(&format!("/api/candidates/{a}/erase"), &json!({}))
            .await;
        assert_eq!(erased.status, 200, "{}", erased.text());
        assert_eq!(erased.json()["erased"]["view_pins_removed"], 1);
        let seen = vera.get("/api/views?kind=board").await.json();
        assert_eq!(
            seen["views"][0]["view"]["board"]["candidate_ids"],
            json!([b])
        );

        // Every change is in the audit log, and the chain verifies.
        let audit = olive.get("/api/audit?limit=1000").await.json();
        let actions: Vec<&str> = audit["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        for want in ["candidate.bulk", "candidate.bulk_add", "view.save"] {
            assert!(actions.contains(&want), "{want} in {actions:?}");
        }
        assert_eq!(
            olive.delete(&format!("/api/views/{shared}")).await.status,
            200
        );
        let verify = olive.get("/api/audit/verify").await.json();
        assert_eq!(verify["verify"]["ok"], true, "{verify}");
    }
}
