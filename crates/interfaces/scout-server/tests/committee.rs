//! The committee arena over real HTTP, on SQLite always and on PostgreSQL when
//! `SCOUT_TEST_DATABASE_URL` is set: roles, blinding, active ballots, one vote per pair, the
//! per-member cap, withdrawal without retraction, an outlier voter, provisional marks, and fits
//! recorded in the audit log and reproducible from their snapshot.

mod common;

use std::collections::HashMap;

use common::*;
use scout_pipeline::Role;
use scout_pipeline::model::NewCandidate;
use scout_server::ServerConfig;
use serde_json::{Value, json};

const NAMES: [&str; 6] = [
    "Ada Lovelace",
    "Alan Turing",
    "Grace Hopper",
    "Edsger Dijkstra",
    "Barbara Liskov",
    "Donald Knuth",
];

async fn finalists(env: &Env, n: usize) -> Vec<i64> {
    let owner = env.actor(Role::Owner);
    let mut ids = Vec::new();
    for (i, name) in NAMES.iter().take(n).enumerate() {
        let c = env
            .store
            .create_candidate(
                &owner,
                &NewCandidate {
                    name: (*name).into(),
                    source_org: Some("Rival Lab".into()),
                    // A tag that names the person (finding 4 of issue 18).
                    tags: vec![format!("ex-rival-rlhf-lead-{i}")],
                    ..Default::default()
                },
            )
            .await
            .expect("candidate");
        ids.push(c.id);
    }
    ids
}

/// A recruiter with an API token.
async fn recruiter(env: &Env, name: &str) -> Client {
    let u = env
        .store
        .create_user("test", name, Role::Recruiter, "x")
        .await
        .expect("user");
    let (_, token) = env
        .store
        .create_token("test", u.id, "t")
        .await
        .expect("token");
    Client {
        addr: env.addr,
        auth: ClientAuth::Token(token),
    }
}

/// alias → candidate id, as the owner sees it.
async fn aliases(env: &Env, session: i64) -> HashMap<String, i64> {
    let s = env
        .client(Role::Owner)
        .get(&format!("/api/arena/sessions/{session}"))
        .await
        .json();
    s["session"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["alias"].as_str().expect("alias").to_owned(),
                i["candidate_id"].as_i64().expect("id"),
            )
        })
        .collect()
}

/// Votes once on the member's next ballot; `prefer_lower` picks the lower candidate id.
async fn vote_once(
    client: &Client,
    session: i64,
    ids: &HashMap<String, i64>,
    prefer_lower: bool,
) -> Resp {
    let b = client
        .post(&format!("/api/arena/sessions/{session}/ballot"), &json!({}))
        .await;
    if b.status != 200 {
        return b;
    }
    let ballot = &b.json()["ballot"];
    let left = ids[ballot["left"]["alias"].as_str().expect("alias")];
    let right = ids[ballot["right"]["alias"].as_str().expect("alias")];
    let left_wins = (left < right) == prefer_lower;
    let outcome = if left_wins { "left" } else { "right" };
    let id = ballot["id"].as_i64().expect("ballot id");
    client
        .post(
            &format!("/api/arena/ballots/{id}/vote"),
            &json!({ "outcome": outcome }),
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committee_session_end_to_end() {
    for backend in backends() {
        let env = start(&backend, ServerConfig::default()).await;
        let ids = finalists(&env, 6).await;
        let owner = env.client(Role::Owner);

        // Only owners create sessions; viewers cannot vote.
        let body = json!({"title": "Reasoning finalists", "candidate_ids": ids, "member_cap": 100, "min_votes": 3});
        assert_eq!(
            env.client(Role::Recruiter)
                .post("/api/arena/sessions", &body)
                .await
                .status,
            403
        );
        let created = owner.post("/api/arena/sessions", &body).await;
        assert_eq!(created.status, 201, "{}", created.text());
        let session = created.json()["session"]["id"]
            .as_i64()
            .expect("session id");
        assert_eq!(
            env.client(Role::Viewer)
                .post(&format!("/api/arena/sessions/{session}/ballot"), &json!({}))
                .await
                .status,
            403
        );
        let bad = owner
            .post(
                "/api/arena/sessions",
                &json!({"title": "x", "candidate_ids": [ids[0]]}),
            )
            .await;
        assert_eq!(bad.status, 422, "one finalist is not a session");

        // Blind by default: a recruiter's ballot and session view carry aliases only.
        let rick = env.client(Role::Recruiter);
        let ballot = rick
            .post(&format!("/api/arena/sessions/{session}/ballot"), &json!({}))
            .await;
        assert_eq!(ballot.status, 200, "{}", ballot.text());
        let text = ballot.text();
        for name in NAMES {
            assert!(!text.contains(name), "blind ballot leaks {name}: {text}");
        }
        assert!(
            !text.contains("Rival Lab") && !text.contains("candidate_id"),
            "{text}"
        );
        assert!(
            !text.contains("rlhf-lead"),
            "blind ballot shows tags: {text}"
        );
        assert_eq!(ballot.json()["ballot"]["left"]["tags"], json!([]), "{text}");
        let view = rick
            .get(&format!("/api/arena/sessions/{session}"))
            .await
            .text();
        assert!(
            !view.contains("Ada Lovelace") && !view.contains("candidate_id"),
            "{view}"
        );
        // Asking again returns the same unanswered ballot (no fishing for a preferred pair).
        let again = rick
            .post(&format!("/api/arena/sessions/{session}/ballot"), &json!({}))
            .await;
        assert_eq!(again.json()["ballot"]["id"], ballot.json()["ballot"]["id"]);

        // Someone else's ballot does not exist for you; a vote counts once.
        let ballot_id = ballot.json()["ballot"]["id"].as_i64().expect("id");
        let other = recruiter(&env, "rita").await;
        let r = other
            .post(
                &format!("/api/arena/ballots/{ballot_id}/vote"),
                &json!({"outcome": "left"}),
            )
            .await;
        assert_eq!(r.status, 404, "{}", r.text());
        let r = rick
            .post(
                &format!("/api/arena/ballots/{ballot_id}/vote"),
                &json!({"outcome": "left"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let r = rick
            .post(
                &format!("/api/arena/ballots/{ballot_id}/vote"),
                &json!({"outcome": "right"}),
            )
            .await;
        assert_eq!(r.status, 409, "second vote on the same pair: {}", r.text());
        let r = rick
            .post(
                &format!("/api/arena/ballots/{ballot_id}/vote"),
                &json!({"outcome": "maybe"}),
            )
            .await;
        assert_eq!(r.status, 422);

        // Four consistent members and one who always reverses the consensus judge every pair.
        let map = aliases(&env, session).await;
        let members = [
            rick.clone(),
            other,
            recruiter(&env, "ron").await,
            recruiter(&env, "rosa").await,
        ];
        let contrarian = recruiter(&env, "mallory").await;
        for (k, m) in members.iter().enumerate() {
            let already = if k == 0 { 1 } else { 0 };
            for _ in already..15 {
                let r = vote_once(m, session, &map, true).await;
                assert_eq!(r.status, 201, "{}", r.text());
            }
            // 6 finalists = 15 pairs: then every pair is judged.
            let r = m
                .post(&format!("/api/arena/sessions/{session}/ballot"), &json!({}))
                .await;
            assert_eq!(r.status, 409, "{}", r.text());
        }
        for _ in 0..15 {
            let r = vote_once(&contrarian, session, &map, false).await;
            assert_eq!(r.status, 201, "{}", r.text());
        }

        // Withdrawal mid-session: no new ballots with them, but their votes stay in every fit.
        let withdrawn_alias = map
            .iter()
            .find(|(_, id)| **id == ids[5])
            .map(|(a, _)| a.clone())
            .expect("alias");
        let r = owner
            .post(
                &format!("/api/arena/sessions/{session}/withdraw"),
                &json!({"alias": withdrawn_alias}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());

        let fit = rick
            .post(
                &format!("/api/arena/sessions/{session}/fit"),
                &json!({"ci": "bootstrap", "rounds": 200}),
            )
            .await;
        assert_eq!(fit.status, 201, "{}", fit.text());
        let fit = fit.json()["fit"].clone();
        let rows = fit["result"]["rows"].as_array().expect("rows").clone();
        assert_eq!(rows.len(), 6, "the withdrawn finalist stays in the record");
        let by_alias: HashMap<String, Value> = rows
            .iter()
            .map(|r| (r["alias"].as_str().expect("alias").to_owned(), r.clone()))
            .collect();
        assert_eq!(by_alias[&withdrawn_alias]["withdrawn"], true);
        assert_eq!(
            rows[0]["alias"].as_str().map(|a| map[a]),
            Some(ids[0]),
            "consensus winner first"
        );
        assert!(
            !fit.to_string().contains("Ada Lovelace"),
            "blind results for recruiters"
        );
        let flagged: Vec<i64> = fit["result"]["flagged_voters"]
            .as_array()
            .expect("flagged")
            .iter()
            .filter_map(|v| v["voter_id"].as_i64())
            .collect();
        let mallory = env
            .store
            .list_users()
            .await
            .expect("users")
            .into_iter()
            .find(|u| u.name == "mallory")
            .expect("mallory");
        assert_eq!(flagged, vec![mallory.id], "only the contrarian is flagged");
        assert!(
            rows.iter()
                .all(|r| r["lower"].as_f64() <= r["rating"].as_f64())
        );

        // Reproducible from the recorded snapshot; the fit is in the audit log with its snapshot.
        let fit_id = fit["id"].as_i64().expect("fit id");
        let again = env
            .client(Role::Viewer)
            .get(&format!("/api/arena/fits/{fit_id}?verify=true"))
            .await;
        assert_eq!(again.status, 200, "{}", again.text());
        assert_eq!(again.json()["fit"]["reproduced"], true);
        // The session's fits are listed (newest first) for every role, so a viewer can find
        // the latest leaderboard; an unknown session is 404.
        let second = rick
            .post(
                &format!("/api/arena/sessions/{session}/fit"),
                &json!({"ci": "sandwich"}),
            )
            .await;
        assert_eq!(second.status, 201, "{}", second.text());
        let second_id = second.json()["fit"]["id"].as_i64().expect("fit id");
        let listed = env
            .client(Role::Viewer)
            .get(&format!("/api/arena/sessions/{session}/fits"))
            .await;
        assert_eq!(listed.status, 200, "{}", listed.text());
        let fits = listed.json()["fits"].as_array().cloned().expect("fits");
        let listed_ids: Vec<i64> = fits.iter().filter_map(|f| f["id"].as_i64()).collect();
        assert_eq!(listed_ids, vec![second_id, fit_id]);
        assert_eq!(fits[1]["fitted_by"], "rick");
        assert_eq!(fits[1]["total_votes"], fit["result"]["total_votes"]);
        assert_eq!(fits[1]["snapshot_hash"], fit["snapshot_hash"]);
        assert_eq!(fits[0]["interval_method"], "sandwich");
        let missing = env
            .client(Role::Viewer)
            .get("/api/arena/sessions/999999/fits")
            .await;
        assert_eq!(missing.status, 404, "{}", missing.text());
        let audit = owner.get("/api/audit?limit=10000").await.json();
        let entry = audit["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .find(|e| e["action"] == "arena.fit")
            .cloned()
            .expect("arena.fit audited");
        let detail = entry["detail"].to_string();
        assert!(
            detail.contains("snapshot")
                && detail.contains(fit["snapshot_hash"].as_str().expect("hash")),
            "{detail}"
        );
        let verify = owner.get("/api/audit/verify").await.json();
        assert_eq!(verify["verify"]["ok"], true, "{verify}");

        // Owners lift blinding; then names appear for everyone.
        let r = owner
            .patch(
                &format!("/api/arena/sessions/{session}"),
                &json!({"blind": false}),
            )
            .await;
        assert_eq!(r.status, 200);
        let view = rick
            .get(&format!("/api/arena/sessions/{session}"))
            .await
            .text();
        assert!(view.contains("Ada Lovelace"), "{view}");
        // A named ballot shows the tags (to a member with pairs left to judge).
        let ballot = recruiter(&env, "nina")
            .await
            .post(&format!("/api/arena/sessions/{session}/ballot"), &json!({}))
            .await;
        assert_eq!(ballot.status, 200, "{}", ballot.text());
        assert!(ballot.text().contains("rlhf-lead"), "{}", ballot.text());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_cap_and_provisional_marks() {
    for backend in backends() {
        let env = start(&backend, ServerConfig::default()).await;
        let ids = finalists(&env, 4).await;
        let owner = env.client(Role::Owner);
        let s = owner
            .post(
                "/api/arena/sessions",
                &json!({"title": "t", "candidate_ids": ids, "member_cap": 2, "min_votes": 50}),
            )
            .await;
        let session = s.json()["session"]["id"].as_i64().expect("id");
        let map = aliases(&env, session).await;
        let rick = env.client(Role::Recruiter);
        for _ in 0..2 {
            assert_eq!(vote_once(&rick, session, &map, true).await.status, 201);
        }
        let r = rick
            .post(&format!("/api/arena/sessions/{session}/ballot"), &json!({}))
            .await;
        assert_eq!(r.status, 409);
        assert!(r.text().contains("cap"), "{}", r.text());
        let fit = rick
            .post(
                &format!("/api/arena/sessions/{session}/fit"),
                &json!({"ci": "sandwich"}),
            )
            .await;
        assert_eq!(fit.status, 201, "{}", fit.text());
        let result = &fit.json()["fit"]["result"];
        assert!(
            result["rows"]
                .as_array()
                .expect("rows")
                .iter()
                .all(|r| r["provisional"] == true)
        );
        assert!(result["warnings"].to_string().contains("provisional"));
        // Closed sessions take no more votes.
        owner
            .patch(
                &format!("/api/arena/sessions/{session}"),
                &json!({"close": true}),
            )
            .await;
        let other = recruiter(&env, "rita").await;
        let r = other
            .post(&format!("/api/arena/sessions/{session}/ballot"), &json!({}))
            .await;
        assert_eq!(r.status, 409);
    }
}

/// Every committee route for every role, each on a fresh session: below the route's least
/// role 403, from it on a 2xx (anonymous: 401).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_on_every_committee_route() {
    use scout_server::routes::ROUTES;
    for backend in backends() {
        let env = start(&backend, ServerConfig::default()).await;
        let owner = env.client(Role::Owner);
        for route in ROUTES.iter().filter(|r| r.path.starts_with("/api/arena/")) {
            for role in [Role::Viewer, Role::Recruiter, Role::Owner] {
                let ids = finalists(&env, 3).await;
                let created = owner
                    .post(
                        "/api/arena/sessions",
                        &json!({"title": "t", "candidate_ids": ids}),
                    )
                    .await;
                assert_eq!(created.status, 201, "{}", created.text());
                let session = created.json()["session"]["id"].as_i64().expect("id");
                // One vote, so that there is something to fit.
                let rick = env.client(Role::Recruiter);
                let first = rick
                    .post(&format!("/api/arena/sessions/{session}/ballot"), &json!({}))
                    .await;
                let first = first.json()["ballot"]["id"].as_i64().expect("ballot");
                let v = rick
                    .post(
                        &format!("/api/arena/ballots/{first}/vote"),
                        &json!({"outcome": "tie"}),
                    )
                    .await;
                assert_eq!(v.status, 201, "{}", v.text());
                // A ballot of this member (a recruiter's for viewers, who cannot have one).
                let voter = if role >= Role::Recruiter {
                    env.client(role)
                } else {
                    env.client(Role::Recruiter)
                };
                let b = voter
                    .post(&format!("/api/arena/sessions/{session}/ballot"), &json!({}))
                    .await;
                let ballot = b.json()["ballot"]["id"].as_i64().expect("ballot");
                let f = owner
                    .post(
                        &format!("/api/arena/sessions/{session}/fit"),
                        &json!({"rounds": 10}),
                    )
                    .await;
                assert_eq!(f.status, 201, "{}", f.text());
                let fit = f.json()["fit"]["id"].as_i64().expect("fit");
                let alias = aliases(&env, session)
                    .await
                    .into_keys()
                    .next()
                    .expect("alias");
                let id = if route.path.starts_with("/api/arena/ballots/") {
                    ballot
                } else if route.path.starts_with("/api/arena/fits/") {
                    fit
                } else {
                    session
                };
                let path = route.path.replace("{id}", &id.to_string());
                let body: Option<Value> = match (route.method, route.path) {
                    ("POST", "/api/arena/sessions") => {
                        Some(json!({"title": "u", "candidate_ids": ids}))
                    }
                    ("PATCH", _) => Some(json!({"close": true})),
                    (_, p) if p.ends_with("/withdraw") => Some(json!({"alias": alias})),
                    (_, p) if p.ends_with("/vote") => Some(json!({"outcome": "left"})),
                    (_, p) if p.ends_with("/fit") => Some(json!({"rounds": 10})),
                    ("POST", _) => Some(json!({})),
                    _ => None,
                };
                let bytes = body.map(|b| b.to_string().into_bytes());
                let anon = env
                    .anon()
                    .send(route.method, &path, bytes.as_deref(), &[])
                    .await;
                assert_eq!(anon.status, 401, "anonymous {} {path}", route.method);
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
                    Some(min) if role < min => {
                        assert_eq!((r.status, r.code().as_str()), (403, "forbidden"), "{what}")
                    }
                    _ => assert!((200..300).contains(&r.status), "{what}"),
                }
            }
        }
    }
}
