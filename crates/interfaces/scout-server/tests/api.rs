//! Integration tests over real HTTP, on SQLite always and on PostgreSQL when
//! `SCOUT_TEST_DATABASE_URL` is set.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::*;
use scout_pipeline::model::{Channel, NewCandidate, NewMeeting};
use scout_pipeline::{Role, Stage};
use scout_server::ServerConfig;
use scout_server::routes::ROUTES;
use serde_json::{Value, json};

const ROLES: [Role; 3] = [Role::Viewer, Role::Recruiter, Role::Owner];

/// A candidate with a tag, a note, a message and a meeting; returns (candidate id, message id).
async fn seeded_candidate(env: &Env) -> (i64, i64) {
    let a = env.actor(Role::Owner);
    let c = env
        .store
        .create_candidate(
            &a,
            &NewCandidate {
                name: "Grace Hopper".into(),
                tags: vec!["x".into()],
                ..Default::default()
            },
        )
        .await
        .expect("candidate");
    env.store
        .add_note(&a, c.id, "strong compilers background")
        .await
        .expect("note");
    let m = env
        .store
        .add_message(&a, c.id, Channel::Email, "Hello Grace", None)
        .await
        .expect("message");
    env.store
        .add_meeting(
            &a,
            c.id,
            &NewMeeting {
                title: "Intro".into(),
                starts_at: 1_780_000_000_000,
                time_zone: "UTC".into(),
                duration_minutes: 30,
                place: Some("Zoom".into()),
                attendees: vec!["olive@example.org".into()],
            },
        )
        .await
        .expect("meeting");
    (c.id, m.id)
}

fn body_for(method: &str, path: &str, n: usize) -> Option<Value> {
    let b = match (method, path) {
        ("POST", "/api/login") => return None,
        ("POST", "/api/users") => {
            json!({"name": format!("user{n}"), "role": "viewer", "password": "long enough password"})
        }
        ("POST", "/api/tokens") => json!({"label": "t"}),
        ("POST", "/api/candidates") => json!({"name": "New Person"}),
        ("PATCH", "/api/candidates/{id}") => json!({"source_org": "Elsewhere"}),
        ("POST", "/api/candidates/{id}/stage") => json!({"to": "shortlisted"}),
        ("POST", "/api/candidates/{id}/tags") => json!({"tag": "y"}),
        ("POST", "/api/candidates/{id}/notes") => json!({"body": "b"}),
        ("POST", "/api/candidates/{id}/offers") => json!({"currency": "USD", "base": 100}),
        ("POST", "/api/candidates/{id}/counteroffers") => {
            json!({"rival_org": "R", "currency": "USD", "value": 5})
        }
        ("POST", "/api/candidates/{id}/decision") => json!({"outcome": "withdrawn", "reason": "r"}),
        ("POST", "/api/candidates/{id}/messages") => json!({"channel": "email", "body": "hi"}),
        ("PATCH", "/api/candidates/{id}/messages/{message_id}") => json!({"reply": "yes"}),
        ("POST", "/api/candidates/{id}/claims") => json!({"text": "Attention Is All You Need"}),
        ("POST", "/api/candidates/{id}/scorecards") => json!({"stage": "meeting", "ratings": {
            "research depth": 3, "technical execution": 4, "communication": 2, "team fit": 3}}),
        ("PUT", "/api/scorecard-templates/{stage}") => json!({"attributes": ["depth", "fit"]}),
        ("PUT", "/api/settings") => {
            json!({"lab": "Frontier Lab", "our_org": "Google", "rivals": "OpenAI\nAnthropic"})
        }
        ("POST", "/api/watches") => json!({"researcher_key": "openreview:~Someone1"}),
        ("POST", "/api/alerts/read") => json!({"all": true}),
        ("POST", "/api/candidates/{id}/meetings") => {
            json!({"title": "t", "starts_at": "2026-05-01T10:00", "time_zone": "Europe/Zurich", "duration_minutes": 30})
        }
        _ if method == "POST" || method == "PATCH" => json!({}),
        _ => return None,
    };
    Some(b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_on_every_endpoint() {
    for backend in backends() {
        let env = start(&backend, ServerConfig::default()).await;
        let mut n = 0;
        for route in ROUTES.iter().filter(|r| is_pipeline_route(r.path)) {
            // Unauthenticated: 401 on every protected route.
            if route.least_role().is_some() {
                let path = route
                    .path
                    .replace("{id}", "1")
                    .replace("{message_id}", "1")
                    .replace("{tag}", "x")
                    .replace("{stage}", "finalist");
                let r = env
                    .anon()
                    .send(
                        route.method,
                        &path,
                        body_for(route.method, route.path, 0)
                            .map(|b| b.to_string().into_bytes())
                            .as_deref(),
                        &[],
                    )
                    .await;
                assert_eq!(
                    r.status,
                    401,
                    "{} {} anonymous: {}",
                    route.method,
                    route.path,
                    r.text()
                );
            }
            for role in ROLES {
                n += 1;
                let (cid, mid) = seeded_candidate(&env).await;
                let mut path = route
                    .path
                    .replace("{message_id}", &mid.to_string())
                    .replace("{tag}", "x")
                    .replace("{stage}", "finalist");
                if route.path.starts_with("/api/users/") {
                    let u = env
                        .store
                        .create_user("test", &format!("victim{n}"), Role::Viewer, "x")
                        .await
                        .expect("user");
                    path = path.replace("{id}", &u.id.to_string());
                } else if route.path.starts_with("/api/tokens/") {
                    let (t, _) = env
                        .store
                        .create_token("test", env.user(role).id, "victim")
                        .await
                        .expect("token");
                    path = path.replace("{id}", &t.id.to_string());
                } else {
                    path = path.replace("{id}", &cid.to_string());
                }
                // A merge needs a second record to merge into the seeded one.
                let body = if route.path.ends_with("/merge") {
                    let (other, _) = seeded_candidate(&env).await;
                    Some(json!({"from": other}).to_string().into_bytes())
                } else {
                    body_for(route.method, route.path, n).map(|b| b.to_string().into_bytes())
                };
                let r = env
                    .client(role)
                    .send(route.method, &path, body.as_deref(), &[])
                    .await;
                let what = format!(
                    "[{}] {role} {} {}: {} {}",
                    env.backend_name(),
                    route.method,
                    path,
                    r.status,
                    r.text()
                );
                match route.least_role() {
                    Some(min) if role < min => {
                        assert_eq!(r.status, 403, "{what}");
                        assert_eq!(r.code(), "forbidden", "{what}");
                    }
                    _ if route.path == "/api/login" => assert_eq!(r.status, 415, "{what}"),
                    _ if route.path == "/api/logout" => assert_eq!(r.status, 400, "{what}"), // tokens have no session
                    _ if route.path.ends_with("/claims") => assert_eq!(r.status, 503, "{what}"), // no corpus here
                    _ if route.path == "/api/watches" && route.method == "POST" => {
                        assert_eq!(r.status, 503, "{what}") // a watch's baseline needs the corpus
                    }
                    _ => assert!((200..300).contains(&r.status), "{what}"),
                }
            }
        }
    }
}

/// The gate enforces the table for every route, whatever its module: anonymous requests get
/// 401 on every route that is not public, and every role below a route's least role 403,
/// before the handler runs (so placeholder ids and bodies are enough).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_table_decides_every_routes_role() {
    for backend in backends() {
        let env = start(&backend, ServerConfig::default()).await;
        for route in ROUTES {
            let path = route
                .path
                .replace("{id}", "1")
                .replace("{message_id}", "1")
                .replace("{tag}", "x")
                .replace("{stage}", "finalist")
                .replace("{key}", "1");
            let body = (route.method != "GET").then_some(&b"{}"[..]);
            let Some(least) = route.least_role() else {
                continue;
            };
            let anon = env.anon().send(route.method, &path, body, &[]).await;
            assert_eq!(anon.status, 401, "anonymous {} {path}", route.method);
            for role in ROLES.into_iter().filter(|r| *r < least) {
                let r = env.client(role).send(route.method, &path, body, &[]).await;
                assert_eq!(
                    (r.status, r.code().as_str()),
                    (403, "forbidden"),
                    "[{}] {role} {} {path}: {}",
                    env.backend_name(),
                    route.method,
                    r.text()
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_documents_every_route() {
    let env = start(&Backend::Sqlite, ServerConfig::default()).await;
    let doc = env.anon().get("/api/openapi.json").await.json();
    let mut documented = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for method in ops.as_object().expect("ops").keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let routes: BTreeSet<_> = ROUTES
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    assert_eq!(documented, routes);
    // The meeting body documents its time-zone fields.
    let body = &doc["paths"]["/api/candidates/{id}/meetings"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"];
    let name = body["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .expect("the body is a named schema");
    let meeting = &doc["components"]["schemas"][name]["properties"];
    assert!(
        meeting["time_zone"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("IANA"))
    );
    assert!(
        meeting["starts_at"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("DST"))
    );
    // Every corpus route is served by the router (without a corpus: 503, never the fallback).
    for r in ROUTES.iter().filter(|r| is_corpus_route(r.path)) {
        let (method, path) = (r.method, r.path);
        let (path, body) = corpus_request(method, path);
        let resp = env.client(Role::Owner).send(method, &path, body, &[]).await;
        assert_eq!(resp.status, 503, "{method} {path}: {}", resp.text());
    }
    // Every route is served (no fallback 404/405).
    let owner = env.client(Role::Owner);
    for r in ROUTES.iter().filter(|r| is_pipeline_route(r.path)) {
        let path = r
            .path
            .replace("{id}", "999999")
            .replace("{message_id}", "1")
            .replace("{tag}", "x")
            .replace("{stage}", "finalist");
        let resp = owner.send(r.method, &path, Some(b"{}"), &[]).await;
        assert_ne!(resp.status, 405, "{} {path}", r.method);
        if resp.status == 404 {
            assert_ne!(
                resp.json()["error"]["message"],
                "no such route (see /api/openapi.json)",
                "{} {path}",
                r.method
            );
        }
    }
    assert_eq!(owner.get("/api/nope").await.status, 404);
}

/// The read-only corpus routes (tested by `every_role_on_every_corpus_route`).
fn is_corpus_route(path: &str) -> bool {
    [
        "/api/search",
        "/api/list",
        "/api/researchers/",
        "/api/paths",
        "/api/orgs",
        "/api/flows",
        "/api/radius",
    ]
    .iter()
    .any(|p| path.starts_with(p))
}

/// The pipeline's own routes: not the corpus, committee, job, bulk or saved-view routes, which
/// have tests of their own (`every_role_on_every_corpus_route`, `committee.rs`, `jobs.rs`,
/// `bulk.rs`).
fn is_pipeline_route(path: &str) -> bool {
    !is_corpus_route(path)
        && !path.starts_with("/api/arena/")
        && !path.starts_with("/api/jobs")
        && !path.starts_with("/api/candidates/bulk")
        && !path.starts_with("/api/views")
}

/// A valid request to a corpus route: its path with the required query parameters filled
/// in, and its body.
fn corpus_request(method: &str, path: &str) -> (String, Option<&'static [u8]>) {
    let query = match (method, path) {
        ("GET", "/api/list" | "/api/orgs") => "?topic=language%20models",
        ("GET", "/api/paths") => "?to=1&from_org=Google",
        ("GET", "/api/search") => "?q=smith",
        _ => "",
    };
    let body: Option<&'static [u8]> = match method {
        "POST" => Some(br#"{"topic": "We are hiring a researcher in language models."}"#),
        "PUT" => Some(br#"{"organisation": "Elsewhere Lab"}"#),
        _ => None,
    };
    (format!("{}{query}", path.replace("{key}", "1")), body)
}

/// The corpus routes are for every signed-in role at or above the route's least role: without
/// a corpus they answer 503 to each of those (authorised, nothing to read), 403 to the roles
/// below (setting an employer is for owners), and 401 to anonymous requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_on_every_corpus_route() {
    let env = start(&Backend::Sqlite, ServerConfig::default()).await;
    for route in ROUTES.iter().filter(|r| is_corpus_route(r.path)) {
        let (method, path) = (route.method, route.path);
        let (path, body) = corpus_request(method, path);
        assert_eq!(
            env.anon().send(method, &path, body, &[]).await.status,
            401,
            "{path}"
        );
        for role in ROLES {
            let r = env.client(role).send(method, &path, body, &[]).await;
            let want = match route.least_role() {
                Some(least) if role < least => (403, "forbidden"),
                _ => (503, "no_corpus"),
            };
            assert_eq!(
                (r.status, r.code().as_str()),
                want,
                "{role} {method} {path}"
            );
        }
    }
}

/// The stages on a legal path from `sourced` to `target` (excluding `sourced`).
fn path_to(target: Stage) -> Vec<Stage> {
    let mut prev = std::collections::HashMap::new();
    let mut queue = std::collections::VecDeque::from([Stage::Sourced]);
    while let Some(s) = queue.pop_front() {
        for n in s.allowed_next() {
            if *n != Stage::Sourced && !prev.contains_key(n) {
                prev.insert(*n, s);
                queue.push_back(*n);
            }
        }
    }
    let mut out = Vec::new();
    let mut cur = target;
    while cur != Stage::Sourced {
        out.push(cur);
        cur = prev[&cur];
    }
    out.reverse();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_illegal_stage_transition_is_409() {
    for backend in backends() {
        let env = start(&backend, ServerConfig::default()).await;
        let a = env.actor(Role::Recruiter);
        let rick = env.client(Role::Recruiter);
        let mut illegal = 0;
        for from in Stage::ALL {
            // One candidate per origin stage: illegal moves change nothing, so it can be reused.
            let c = env
                .store
                .create_candidate(
                    &a,
                    &NewCandidate {
                        name: "P".into(),
                        ..Default::default()
                    },
                )
                .await
                .expect("c");
            for s in path_to(from) {
                env.store
                    .move_stage(&a, c.id, s, None)
                    .await
                    .expect("legal path");
            }
            for to in Stage::ALL {
                if from.can_move_to(to) {
                    continue;
                }
                illegal += 1;
                let r = rick
                    .post(
                        &format!("/api/candidates/{}/stage", c.id),
                        &json!({"to": to}),
                    )
                    .await;
                assert_eq!(
                    r.status,
                    409,
                    "[{}] {from} → {to}: {}",
                    env.backend_name(),
                    r.text()
                );
                assert_eq!(r.code(), "illegal_transition");
                assert!(
                    r.json()["error"]["message"]
                        .as_str()
                        .unwrap_or("")
                        .contains(from.as_str())
                );
            }
            let now = rick.get(&format!("/api/candidates/{}", c.id)).await.json();
            assert_eq!(
                now["candidate"]["stage"],
                from.as_str(),
                "illegal moves changed nothing"
            );
            // Every legal move succeeds (on a fresh copy at the same stage).
            for to in from.allowed_next() {
                let c2 = env
                    .store
                    .create_candidate(
                        &a,
                        &NewCandidate {
                            name: "Q".into(),
                            ..Default::default()
                        },
                    )
                    .await
                    .expect("c");
                for s in path_to(from) {
                    env.store
                        .move_stage(&a, c2.id, s, None)
                        .await
                        .expect("legal path");
                }
                let r = rick
                    .post(
                        &format!("/api/candidates/{}/stage", c2.id),
                        &json!({"to": to, "reason": "why"}),
                    )
                    .await;
                assert_eq!(r.status, 200, "{from} → {to}: {}", r.text());
            }
        }
        assert!(illegal > 60, "{illegal}");
        let hist = rick.get("/api/candidates/1/history").await.json();
        assert_eq!(hist["history"][0]["to"], "sourced");
        assert_eq!(hist["history"][0]["moved_by"], "rick");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csrf_is_required_for_cookie_writes() {
    for backend in backends() {
        let env = start(&backend, ServerConfig::default()).await;
        let (r, session) = Client::login(env.addr, "rick", PASSWORD).await;
        let cookie_header = r.header("set-cookie").unwrap_or("").to_string();
        assert!(
            cookie_header.contains("HttpOnly")
                && cookie_header.contains("SameSite=Strict")
                && cookie_header.contains("Max-Age="),
            "{cookie_header}"
        );
        let session = session.expect("login");
        let ClientAuth::Session { cookie, csrf } = session.auth.clone() else {
            panic!("session")
        };
        let no_csrf = Client {
            addr: env.addr,
            auth: ClientAuth::Session {
                cookie: cookie.clone(),
                csrf: None,
            },
        };
        let wrong = Client {
            addr: env.addr,
            auth: ClientAuth::Session {
                cookie: cookie.clone(),
                csrf: Some("0".repeat(64)),
            },
        };
        let body = json!({"name": "Via Cookie"});
        let r = no_csrf.post("/api/candidates", &body).await;
        assert_eq!((r.status, r.code().as_str()), (403, "csrf"));
        let r = wrong.post("/api/candidates", &body).await;
        assert_eq!((r.status, r.code().as_str()), (403, "csrf"));
        assert_eq!(no_csrf.delete("/api/candidates/1/tags/x").await.status, 403);
        // Reads need no CSRF token; writes with it work.
        assert_eq!(no_csrf.get("/api/candidates").await.status, 200);
        assert_eq!(session.post("/api/candidates", &body).await.status, 201);
        let me = no_csrf.get("/api/me").await.json();
        assert_eq!(me["csrf_token"].as_str(), csrf.as_deref());
        // Logout ends the session.
        assert_eq!(session.post("/api/logout", &json!({})).await.status, 200);
        assert_eq!(no_csrf.get("/api/candidates").await.status, 401);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_expire() {
    for backend in backends() {
        let cfg = ServerConfig {
            session_ttl: Duration::from_secs(1),
            ..Default::default()
        };
        let env = start(&backend, cfg).await;
        let (_, s) = Client::login(env.addr, "vera", PASSWORD).await;
        let s = s.expect("login");
        assert_eq!(s.get("/api/me").await.status, 200);
        tokio::time::sleep(Duration::from_millis(1300)).await;
        let r = s.get("/api/me").await;
        assert_eq!(r.status, 401, "{}", r.text());
        assert!(r.text().contains("expired"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_rate_limited() {
    for backend in backends() {
        let cfg = ServerConfig {
            login_max_failures: 3,
            login_window: Duration::from_secs(60),
            ..Default::default()
        };
        let env = start(&backend, cfg).await;
        for _ in 0..3 {
            let (r, _) = Client::login(env.addr, "olive", "wrong password!").await;
            assert_eq!(r.status, 401);
        }
        let (r, _) = Client::login(env.addr, "olive", PASSWORD).await;
        assert_eq!(r.status, 429, "{}", r.text());
        assert_eq!(r.code(), "rate_limited");
        assert!(r.header("retry-after").is_some());
        // Other names from the same client are not locked out by olive's failures.
        let (r, _) = Client::login(env.addr, "vera", PASSWORD).await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_can_be_revoked_and_users_disabled() {
    for backend in backends() {
        let env = start(&backend, ServerConfig::default()).await;
        let vera = env.client(Role::Viewer);
        let made = vera
            .post("/api/tokens", &json!({"label": "script"}))
            .await
            .json();
        let token = made["token"].as_str().expect("token").to_string();
        let id = made["info"]["id"].as_i64().expect("id");
        let script = Client {
            addr: env.addr,
            auth: ClientAuth::Token(token),
        };
        assert_eq!(script.get("/api/candidates").await.status, 200);
        // Someone else's token cannot be revoked by a non-owner.
        let rick = env.client(Role::Recruiter);
        assert_eq!(rick.delete(&format!("/api/tokens/{id}")).await.status, 404);
        assert_eq!(vera.delete(&format!("/api/tokens/{id}")).await.status, 200);
        assert_eq!(script.get("/api/candidates").await.status, 401);
        // Disabling a user kills their tokens.
        let olive = env.client(Role::Owner);
        let vid = env.user(Role::Viewer).id;
        assert_eq!(olive.delete(&format!("/api/users/{vid}")).await.status, 200);
        assert_eq!(vera.get("/api/candidates").await.status, 401);
        let (r, _) = Client::login(env.addr, "vera", PASSWORD).await;
        assert_eq!(r.status, 401);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_clear_4xx() {
    let env = start(
        &Backend::Sqlite,
        ServerConfig {
            max_body_bytes: 1024,
            ..Default::default()
        },
    )
    .await;
    let rick = env.client(Role::Recruiter);
    type Case<'a> = (&'a str, Vec<u8>, &'a [(&'a str, &'a str)], u16, &'a str);
    let cases: Vec<Case> = vec![
        (
            "/api/candidates",
            b"{\"name\": ".to_vec(),
            &[],
            400,
            "malformed_json",
        ),
        (
            "/api/candidates",
            br#"{"name": 42}"#.to_vec(),
            &[],
            422,
            "invalid_json_data",
        ),
        (
            "/api/candidates",
            br#"{"name": "A", "salary": 1}"#.to_vec(),
            &[],
            422,
            "invalid_json_data",
        ),
        (
            "/api/candidates",
            br#"{"name": "   "}"#.to_vec(),
            &[],
            422,
            "invalid_input",
        ),
        (
            "/api/candidates",
            format!(r#"{{"name": "{}"}}"#, "a".repeat(5000)).into_bytes(),
            &[],
            413,
            "body_too_large",
        ),
        (
            "/api/candidates",
            br#"{"name": "A"}"#.to_vec(),
            &[("Content-Type", "text/plain")],
            415,
            "unsupported_media_type",
        ),
        (
            "/api/candidates/abc/stage",
            br#"{"to": "offer"}"#.to_vec(),
            &[],
            400,
            "bad_path",
        ),
        (
            "/api/candidates/1/stage",
            br#"{"to": "hired"}"#.to_vec(),
            &[],
            422,
            "invalid_json_data",
        ),
    ];
    for (path, body, headers, status, code) in cases {
        let r = rick.send("POST", path, Some(&body), headers).await;
        assert_eq!(
            r.status,
            status,
            "{path} {}: {}",
            String::from_utf8_lossy(&body[..body.len().min(60)]),
            r.text()
        );
        assert_eq!(r.code(), code, "{}", r.text());
        assert!(
            !r.json()["error"]["message"]
                .as_str()
                .unwrap_or("")
                .is_empty()
        );
    }
    let r = rick.get("/api/candidates?stage=nowhere").await;
    assert_eq!((r.status, r.code().as_str()), (400, "bad_query"));
    let r = rick.get("/api/candidates?colour=red").await;
    assert_eq!(r.status, 400);
    // Nothing was half-written: no candidate exists.
    assert_eq!(
        rick.get("/api/candidates").await.json()["candidates"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compensation_is_for_owners_only() {
    for backend in backends() {
        let env = start(&backend, ServerConfig::default()).await;
        let (cid, _) = seeded_candidate(&env).await;
        let olive = env.client(Role::Owner);
        let offer = json!({"currency": "USD", "base": 300000, "bonus": 60000, "sign_on": 50000,
                           "equity": 800000, "vesting_months": 48, "cliff_months": 12});
        let r = olive
            .post(&format!("/api/candidates/{cid}/offers"), &offer)
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        assert_eq!(
            r.json()["offer"]["total_value"],
            1_440_000 + 50_000 + 800_000
        );
        let mut revised = offer.clone();
        revised["base"] = json!(320000);
        let r = olive
            .post(&format!("/api/candidates/{cid}/offers"), &revised)
            .await
            .json();
        assert_eq!(r["offer"]["revision"], 2);
        olive
            .post(
                &format!("/api/candidates/{cid}/counteroffers"),
                &json!({"rival_org": "Rival", "currency": "USD", "value": 700000}),
            )
            .await;
        let revisions = olive
            .get(&format!("/api/candidates/{cid}/offers"))
            .await
            .json();
        assert_eq!(revisions["offers"].as_array().map(Vec::len), Some(2));
        let as_owner = olive.get(&format!("/api/candidates/{cid}")).await.json();
        assert_eq!(as_owner["compensation"]["latest_offer"]["revision"], 2);
        assert_eq!(
            as_owner["compensation"]["counteroffers"][0]["rival_org"],
            "Rival"
        );
        for role in [Role::Viewer, Role::Recruiter] {
            let other = env
                .client(role)
                .get(&format!("/api/candidates/{cid}"))
                .await;
            assert!(
                !other.text().contains("compensation") && !other.text().contains("300000"),
                "{}",
                other.text()
            );
            let a = env.client(role).get("/api/analytics").await.json();
            assert!(a["analytics"].get("offers").is_none());
        }
        let a = olive.get("/api/analytics").await.json();
        assert!(a["analytics"]["offers"]["by_counteroffer"].is_array());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_chain_verifies_and_detects_tampering() {
    for backend in backends() {
        let env = start(&backend, ServerConfig::default()).await;
        let (cid, _) = seeded_candidate(&env).await;
        let rick = env.client(Role::Recruiter);
        let vera = env.client(Role::Viewer);
        rick.post(
            &format!("/api/candidates/{cid}/stage"),
            &json!({"to": "shortlisted"}),
        )
        .await;
        vera.get(&format!("/api/candidates/{cid}")).await;
        let olive = env.client(Role::Owner);
        let entries = olive.get("/api/audit?limit=1000").await.json();
        let actions: Vec<(String, String)> = entries["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| {
                (
                    e["actor"].as_str().unwrap_or("").into(),
                    e["action"].as_str().unwrap_or("").into(),
                )
            })
            .collect();
        assert!(
            actions.contains(&("vera".into(), "candidate.read".into())),
            "{actions:?}"
        );
        assert!(actions.contains(&("rick".into(), "candidate.stage".into())));
        let v = olive.get("/api/audit/verify").await.json();
        assert_eq!(v["verify"]["ok"], true, "{v}");

        // The log refuses updates and deletes…
        let pool = env.store.db().pool();
        assert!(
            sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
                .execute(pool)
                .await
                .is_err()
        );
        assert!(
            sqlx::query("DELETE FROM audit_log WHERE seq = 3")
                .execute(pool)
                .await
                .is_err()
        );
        // …and someone with raw database access who removes the guard is still caught.
        match env.backend_name() {
            "sqlite" => {
                sqlx::raw_sql("DROP TRIGGER audit_log_no_update")
                    .execute(pool)
                    .await
                    .expect("drop");
            }
            _ => {
                sqlx::raw_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
                    .execute(pool)
                    .await
                    .expect("disable");
            }
        }
        sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
            .execute(pool)
            .await
            .expect("tamper");
        let v = olive.get("/api/audit/verify").await.json();
        assert_eq!(v["verify"]["ok"], false, "{v}");
        assert_eq!(v["verify"]["first_problem"]["seq"], 3);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_and_erasure() {
    for backend in backends() {
        let env = start(&backend, ServerConfig::default()).await;
        let (cid, _) = seeded_candidate(&env).await;
        let olive = env.client(Role::Owner);
        let e = olive
            .get(&format!("/api/candidates/{cid}/export"))
            .await
            .json();
        assert_eq!(e["candidate"]["name"], "Grace Hopper");
        assert_eq!(e["notes"][0]["body"], "strong compilers background");
        assert_eq!(e["messages"][0]["body"], "Hello Grace");
        assert_eq!(e["meetings"].as_array().map(Vec::len), Some(1));
        assert!(e["audit"].as_array().is_some_and(|a| !a.is_empty()));
        let r = olive
            .post(&format!("/api/candidates/{cid}/erase"), &json!({}))
            .await
            .json();
        assert_eq!(r["erased"]["notes_removed"], 1);
        assert_eq!(r["erased"]["messages_removed"], 1);
        assert_eq!(
            olive.get(&format!("/api/candidates/{cid}")).await.status,
            404
        );
        let after = olive.get(&format!("/api/candidates/{cid}/export")).await;
        let text = after.text();
        assert!(
            !text.contains("Grace") && !text.contains("compilers"),
            "{text}"
        );
        assert!(
            after.json()["audit"]
                .as_array()
                .expect("audit")
                .iter()
                .any(|a| a["action"] == "candidate.erase")
        );
        assert_eq!(
            olive.get("/api/audit/verify").await.json()["verify"]["ok"],
            true
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_committee_overrides_a_career_stage() {
    for backend in backends() {
        let env = start(&backend, ServerConfig::default()).await;
        let rick = env.client(Role::Recruiter);
        let r = rick
            .post(
                "/api/candidates",
                &json!({"name": "Ada Lovelace", "career_stage": "Mid"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let id = r.json()["candidate"]["id"].as_i64().expect("id");
        assert_eq!(r.json()["candidate"]["career_stage"], "mid");
        let path = format!("/api/candidates/{id}");
        let bad = rick.patch(&path, &json!({"career_stage": "postdoc"})).await;
        assert_eq!(bad.status, 422, "{}", bad.text());
        assert!(bad.text().contains("early, mid, senior"), "{}", bad.text());
        let set = rick.patch(&path, &json!({"career_stage": "senior"})).await;
        assert_eq!(set.status, 200, "{}", set.text());
        let read = env.client(Role::Viewer).get(&path).await;
        assert_eq!(read.json()["candidate"]["career_stage"], "senior");
        let cleared = rick.patch(&path, &json!({"career_stage": ""})).await;
        assert_eq!(cleared.status, 200, "{}", cleared.text());
        assert_eq!(cleared.json()["candidate"]["career_stage"], Value::Null);
        assert_eq!(cleared.json()["candidate"]["name"], "Ada Lovelace");
        // Each change is audited by field name on the candidate.
        let audit = env.client(Role::Owner).get("/api/audit?limit=500").await;
        assert_eq!(audit.status, 200, "{}", audit.text());
        let updates = audit.json()["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .filter(|e| e["action"] == "candidate.update" && e["candidate_id"] == id)
            .filter(|e| {
                e["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("career_stage"))
            })
            .count();
        assert_eq!(updates, 2, "{}", audit.text());
        // The database refuses a value the server would never write.
        let direct = sqlx::query("UPDATE candidates SET career_stage = 'postdoc' WHERE id = $1")
            .bind(id)
            .execute(env.store.db().pool())
            .await;
        assert!(direct.is_err(), "{}", backend_label(&backend));
        // Erasure removes the override with the other personal fields.
        let early = rick.patch(&path, &json!({"career_stage": "early"})).await;
        assert_eq!(
            early.json()["candidate"]["career_stage"],
            "early",
            "{}",
            early.text()
        );
        let olive = env.client(Role::Owner);
        let erased = olive.post(&format!("{path}/erase"), &json!({})).await;
        assert_eq!(erased.status, 200, "{}", erased.text());
        let export = olive.get(&format!("{path}/export")).await.json();
        assert!(export["candidate"]["erased_at"].is_string(), "{export}");
        assert_eq!(export["candidate"]["career_stage"], Value::Null, "{export}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meetings_export_as_ics_and_messages_record_replies() {
    let env = start(&Backend::Sqlite, ServerConfig::default()).await;
    let (cid, mid) = seeded_candidate(&env).await;
    let rick = env.client(Role::Recruiter);
    let r = rick
        .patch(
            &format!("/api/candidates/{cid}/messages/{mid}"),
            &json!({"sent_at": "2026-04-01T09:00:00Z", "reply": "Happy to talk"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["message"]["sent_at"], "2026-04-01T09:00:00Z");
    assert_eq!(r.json()["message"]["reply"], "Happy to talk");
    let ics = env
        .client(Role::Viewer)
        .get(&format!("/api/candidates/{cid}/meetings.ics"))
        .await;
    assert_eq!(ics.status, 200);
    assert!(
        ics.header("content-type")
            .unwrap_or("")
            .starts_with("text/calendar")
    );
    let body = ics.text();
    assert!(
        body.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"),
        "{body}"
    );
    assert!(body.contains("DTSTART:20260528T202640Z\r\n"), "{body}");
    assert!(body.contains("LOCATION:Zoom\r\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_restores_to_a_working_server() {
    let mut env = start(&Backend::Sqlite, ServerConfig::default()).await;
    let (cid, _) = seeded_candidate(&env).await;
    let backup = env.dir.path().join("backup.sqlite");
    // Online: the server is running and writing while the copy is taken.
    let writer = {
        let c = env.client(Role::Recruiter);
        tokio::spawn(async move {
            for i in 0..20 {
                c.post(
                    "/api/candidates",
                    &json!({"name": format!("During backup {i}")}),
                )
                .await;
            }
        })
    };
    env.store.db().backup_to(&backup).await.expect("backup");
    writer.await.expect("writer");
    env.client(Role::Recruiter)
        .post("/api/candidates", &json!({"name": "After backup"}))
        .await;
    env.stop().await;
    // Restore: stop the server, copy the backup over the database file, start again.
    env.store.db().close().await;
    let db = env.dir.path().join("pipeline.sqlite");
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    std::fs::copy(&backup, &db).expect("restore copy");
    let store = std::sync::Arc::new(
        scout_pipeline::Store::open(&scout_pipeline::StoreConfig::sqlite_path(&db))
            .await
            .expect("reopen"),
    );
    let dir = tempfile::tempdir().expect("dir");
    let restored = start_on(
        store,
        env.url.clone(),
        dir,
        env.users.clone(),
        ServerConfig::default(),
    )
    .await;
    let olive = restored.client(Role::Owner);
    let c = olive.get(&format!("/api/candidates/{cid}")).await;
    assert_eq!(c.status, 200);
    let names: Vec<String> = olive.get("/api/candidates?limit=1000").await.json()["candidates"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["name"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(!names.contains(&"After backup".to_string()));
    assert_eq!(
        olive.get("/api/audit/verify").await.json()["verify"]["ok"],
        true
    );
}

/// kill -9 of the server binary during a burst of writes: every write the server
/// acknowledged (201) is in the database afterwards, and the audit chain is intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_no_acknowledged_write() {
    use std::sync::{Arc, Mutex};
    for backend in backends() {
        let dir = tempfile::tempdir().expect("dir");
        let (store, url) = open_store(&backend, dir.path()).await;
        let u = store
            .create_user("test", "rick", Role::Recruiter, "x")
            .await
            .expect("user");
        let (_, token) = store
            .create_token("test", u.id, "load")
            .await
            .expect("token");
        store.db().close().await;
        drop(store);

        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_scout-server"))
            .args(["--database-url", &url, "--addr", "127.0.0.1:0"])
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn server");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));
        let line = lines
            .next_line()
            .await
            .expect("read")
            .expect("listening line");
        let addr: std::net::SocketAddr = line
            .trim_start_matches("listening on ")
            .parse()
            .expect("addr");

        let acked = Arc::new(Mutex::new(Vec::<String>::new()));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut writers = Vec::new();
        for w in 0..6 {
            let (acked, stop, token) = (acked.clone(), stop.clone(), token.clone());
            writers.push(tokio::spawn(async move {
                let headers = vec![
                    ("Authorization".to_string(), format!("Bearer {token}")),
                    ("Content-Type".to_string(), "application/json".to_string()),
                ];
                let mut i = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let name = format!("w{w}-{i}");
                    i += 1;
                    let body = json!({"name": name, "tags": ["burst"]}).to_string();
                    match try_raw(addr, "POST", "/api/candidates", &headers, body.as_bytes()).await
                    {
                        Some(r) if r.status == 201 => acked.lock().expect("lock").push(name),
                        Some(r) => panic!("unexpected answer {}: {}", r.status, r.text()),
                        None => break, // the server is gone
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        child.start_kill().expect("kill -9"); // SIGKILL on Unix
        let _ = child.wait().await;
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for w in writers {
            w.await.expect("writer");
        }
        let acked = acked.lock().expect("lock").clone();
        assert!(
            acked.len() > 20,
            "too few writes before the kill: {}",
            acked.len()
        );

        let store = scout_pipeline::Store::open(&scout_pipeline::StoreConfig::new(url.clone()))
            .await
            .expect("reopen");
        let actor = scout_pipeline::Actor {
            user_id: u.id,
            name: "rick".into(),
            role: Role::Recruiter,
        };
        let mut stored = BTreeSet::new();
        let mut offset = 0;
        loop {
            let page = store
                .list_candidates(
                    &actor,
                    &scout_pipeline::model::CandidateFilter {
                        limit: Some(1000),
                        offset: Some(offset),
                        ..Default::default()
                    },
                )
                .await
                .expect("list");
            if page.is_empty() {
                break;
            }
            offset += page.len() as i64;
            stored.extend(page.into_iter().map(|c| c.name));
        }
        let lost: Vec<_> = acked.iter().filter(|n| !stored.contains(*n)).collect();
        assert!(
            lost.is_empty(),
            "[{}] acknowledged but lost: {lost:?}",
            backend_label(&backend)
        );
        let v = store.verify_audit().await.expect("verify");
        assert!(v.ok, "{v:?}");
        eprintln!(
            "[{}] kill -9 after {} acknowledged writes: none lost, {} stored",
            backend_label(&backend),
            acked.len(),
            stored.len()
        );
    }
}

fn backend_label(b: &Backend) -> &'static str {
    match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(_) => "postgres",
    }
}

/// A corpus from one conference of `data/demo`, built once per test binary.
fn demo_corpus() -> std::path::PathBuf {
    static CORPUS: std::sync::OnceLock<(tempfile::TempDir, std::path::PathBuf)> =
        std::sync::OnceLock::new();
    CORPUS
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let db = build_demo_corpus(
                dir.path(),
                &[
                    "paperlists/papers/colm.jsonl.gz",
                    "paperlists/abstracts/colm.jsonl.gz",
                ],
            );
            (dir, db)
        })
        .1
        .clone()
}

/// One person, one candidate: a second candidate for a researcher key, or a key moved onto
/// another candidate's, is a 409 naming the candidate that holds it; an erased candidate frees
/// the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_candidate_per_researcher() {
    for backend in backends() {
        let env = start(&backend, ServerConfig::default()).await;
        let rick = env.client(Role::Recruiter);
        let first = rick
            .post(
                "/api/candidates",
                &json!({"name": "Ada Lovelace", "researcher_key": "r-ada"}),
            )
            .await;
        assert_eq!(first.status, 201, "{}", first.text());
        let first_id = first.json()["candidate"]["id"].as_i64().expect("id");
        let again = rick
            .post(
                "/api/candidates",
                &json!({"name": "A. Lovelace", "researcher_key": "r-ada"}),
            )
            .await;
        assert_eq!(again.status, 409, "{backend:?}");
        let message = again.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(message.contains(&format!("#{first_id}")), "{message}");
        let other = rick
            .post(
                "/api/candidates",
                &json!({"name": "Grace Hopper", "researcher_key": "r-grace"}),
            )
            .await
            .json();
        let other_id = other["candidate"]["id"].as_i64().expect("id");
        let moved = rick
            .patch(
                &format!("/api/candidates/{other_id}"),
                &json!({"researcher_key": "r-ada"}),
            )
            .await;
        assert_eq!(moved.status, 409);
        // Keeping one's own key is not a conflict.
        let same = rick
            .patch(
                &format!("/api/candidates/{first_id}"),
                &json!({"researcher_key": "r-ada"}),
            )
            .await;
        assert_eq!(same.status, 200, "{}", same.text());
        let none = rick
            .post(
                "/api/candidates",
                &json!({"name": "No Key", "email": "nk@example.org"}),
            )
            .await;
        assert_eq!(none.status, 201);
        let none2 = rick
            .post("/api/candidates", &json!({"name": "No Key 2"}))
            .await;
        assert_eq!(
            none2.status, 201,
            "candidates without a researcher key are not limited"
        );
        // Likely duplicates are a warning with the reason, not a refusal.
        let initial = rick
            .post(
                "/api/candidates",
                &json!({"name": "A. Lovelace", "email": "other@example.org"}),
            )
            .await;
        assert_eq!(initial.status, 201);
        let warned = initial.json()["possible_duplicates"].clone();
        assert_eq!(warned[0]["id"].as_i64(), Some(first_id), "{warned}");
        assert_eq!(warned[0]["reason"], "compatible name");
        let mail = rick
            .post(
                "/api/candidates",
                &json!({"name": "Someone Else", "email": "NK@example.org"}),
            )
            .await
            .json();
        assert_eq!(
            mail["possible_duplicates"][0]["reason"], "same e-mail",
            "{mail}"
        );
        assert_eq!(
            other["possible_duplicates"].as_array().map(Vec::len),
            Some(0),
            "{other}"
        );
    }
}

/// The top bar's search: a researcher found through a typo, a candidate by name, an
/// organisation by a word of its name; too short or too long a query is a 400.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_people_candidates_and_orgs_by_name() {
    use scout_corpus::rusqlite::Connection;
    let corpus = demo_corpus();
    let (key, name, org) = {
        let conn = Connection::open(&corpus).expect("corpus");
        let (key, name): (String, String) = conn
            .query_row(
                "SELECT key, name FROM researchers WHERE length(name) >= 10 AND name LIKE '% %'
                 ORDER BY n_works DESC, id LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("researcher");
        let org: String = conn
            .query_row(
                "SELECT name FROM organisations ORDER BY current_researchers DESC, id LIMIT 1",
                [],
                |r| r.get(0),
            )
            .expect("organisation");
        (key, name, org)
    };
    let env = start(
        &Backend::Sqlite,
        ServerConfig {
            corpus: Some(corpus),
            ..Default::default()
        },
    )
    .await;
    let rick = env.client(Role::Recruiter);
    let cid = rick
        .post(
            "/api/candidates",
            &json!({"name": name, "researcher_key": key}),
        )
        .await
        .json()["candidate"]["id"]
        .as_i64()
        .expect("id");
    // A typo: the surname's second letter dropped.
    let words: Vec<&str> = name.split_whitespace().collect();
    let last = words[words.len() - 1];
    let mut chars: Vec<char> = last.chars().collect();
    chars.remove(1);
    let typo = format!("{} {}", words[0], chars.into_iter().collect::<String>());
    let viewer = env.client(Role::Viewer);
    let r = viewer
        .get(&format!("/api/search?q={}", typo.replace(' ', "%20")))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let found = r.json();
    let keys: Vec<&str> = found["researchers"]
        .as_array()
        .expect("researchers")
        .iter()
        .filter_map(|x| x["key"].as_str())
        .collect();
    assert!(keys.iter().take(3).any(|k| *k == key), "{typo}: {keys:?}");
    assert!(found["researchers"][0]["top_paper"]["title"].is_string());
    let r = viewer
        .get(&format!("/api/search?q={}", name.replace(' ', "%20")))
        .await
        .json();
    assert_eq!(r["researchers"][0]["key"], key);
    assert_eq!(r["candidates"][0]["id"], cid);
    let first_word = org.split_whitespace().next().expect("org word");
    let r = viewer
        .get(&format!("/api/search?q={}", first_word))
        .await
        .json();
    assert!(
        r["orgs"]
            .as_array()
            .expect("orgs")
            .iter()
            .any(|o| o["name"] == org.as_str()),
        "{first_word}: {r}"
    );
    assert_eq!(viewer.get("/api/search?q=a").await.status, 400);
    let long = "x".repeat(201);
    assert_eq!(
        viewer.get(&format!("/api/search?q={long}")).await.status,
        400
    );
    assert_eq!(env.anon().get("/api/search?q=smith").await.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outreach_drafts_and_claim_checks_use_the_corpus() {
    use scout_corpus::rusqlite::Connection;
    let corpus = demo_corpus();
    // A researcher with at least two papers, one of their titles, and a title they did not write.
    let (key, name, own_title, other_title) = {
        let conn = Connection::open(&corpus).expect("corpus");
        let (rid, key, name): (i64, String, String) = conn
            .query_row("SELECT id, key, name FROM researchers WHERE n_works >= 2 ORDER BY n_works DESC, id LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("researcher");
        let own: String = conn
            .query_row("SELECT w.title FROM works w JOIN authorship_researcher ar ON ar.work_id = w.id WHERE ar.researcher_id = ?1 ORDER BY w.id LIMIT 1", [rid], |r| r.get(0))
            .expect("own title");
        let other: String = conn
            .query_row("SELECT w.title FROM works w WHERE NOT EXISTS (SELECT 1 FROM authorship_researcher ar WHERE ar.work_id = w.id AND ar.researcher_id = ?1) ORDER BY w.id LIMIT 1", [rid], |r| r.get(0))
            .expect("other title");
        (key, name, own, other)
    };
    let cfg = ServerConfig {
        corpus: Some(corpus),
        ..Default::default()
    };
    let env = start(&Backend::Sqlite, cfg).await;
    let rick = env.client(Role::Recruiter);
    let c = rick
        .post(
            "/api/candidates",
            &json!({"name": name, "researcher_key": key}),
        )
        .await
        .json();
    let cid = c["candidate"]["id"].as_i64().expect("id");

    let topic = own_title
        .split_whitespace()
        .take(4)
        .collect::<Vec<_>>()
        .join(" ");
    let path = format!(
        "/api/candidates/{cid}/outreach-draft?topics={}&lab=Frontier%20Lab&sender=Rick",
        topic.replace(' ', "%20").replace(['&', '#', '?'], "")
    );
    let d = rick.get(&path).await;
    assert_eq!(d.status, 200, "{}", d.text());
    let d = d.json();
    let draft = d["draft"].as_str().expect("draft");
    assert!(
        d["evidence"]["papers"]
            .as_array()
            .is_some_and(|p| !p.is_empty()),
        "{d}"
    );
    let cited = d["evidence"]["papers"][0]["title"].as_str().expect("title");
    assert!(draft.contains(cited), "{draft}");
    assert!(draft.contains("Frontier Lab") && draft.contains("Rick"));
    let bad = rick
        .get(&format!(
            "/api/candidates/{cid}/outreach-draft?template=nope"
        ))
        .await;
    assert_eq!(bad.status, 400);

    // Without parameters a draft takes the workspace settings, which only owners change.
    let settings =
        json!({"lab": "Settings Lab", "pitch": "We train open models.", "topics": topic});
    let body = settings.to_string();
    let refused = rick
        .send("PUT", "/api/settings", Some(body.as_bytes()), &[])
        .await;
    assert_eq!(refused.status, 403);
    let set = env
        .client(Role::Owner)
        .send("PUT", "/api/settings", Some(body.as_bytes()), &[])
        .await;
    assert_eq!(set.status, 200, "{}", set.text());
    let read = rick.get("/api/settings").await.json();
    assert_eq!(read["settings"]["lab"], "Settings Lab");
    assert_eq!(read["settings"]["updated_by"], env.user(Role::Owner).name);
    let d = rick
        .get(&format!("/api/candidates/{cid}/outreach-draft"))
        .await
        .json();
    let draft = d["draft"].as_str().expect("draft");
    let cited = d["evidence"]["papers"][0]["title"]
        .as_str()
        .expect("a cited paper");
    assert!(
        draft.contains("Settings Lab")
            && draft.contains("We train open models. ")
            && draft.contains(cited),
        "{draft}"
    );

    let claimed = format!(
        "title,year\n\"{}\",\n\"{}\",\nA Paper Nobody Ever Wrote About Quantum Llamas,2024\n",
        own_title.replace('"', "'"),
        other_title.replace('"', "'")
    );
    let r = rick
        .post(
            &format!("/api/candidates/{cid}/claims"),
            &json!({"text": claimed}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let report = &r.json()["claims"];
    let verdicts: Vec<&str> = report["claims"]
        .as_array()
        .expect("claims")
        .iter()
        .map(|c| c["verdict"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        verdicts,
        vec!["supported", "not_an_author", "not_found"],
        "{report}"
    );
    assert_eq!(report["format"], "CSV");
    assert_eq!(report["flagged"], 2);
}
