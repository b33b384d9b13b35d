//! Ballot packets over real HTTP, on SQLite always and on PostgreSQL when
//! `SCOUT_TEST_DATABASE_URL` is set, with a corpus from `data/demo`: a blind session's packet
//! carries none of the finalists' identifying strings (names, organisations, keys, tags,
//! notes, scorecard notes, paper titles and venues) but does carry the bands; the same ballot
//! named shows the List's papers for the topic, the stages and the notes; scorecard averages
//! stay hidden until the member's own is in; every packet read is audited.

mod common;

use common::*;
use scout_pipeline::model::NewCandidate;
use scout_pipeline::store::NewScorecard;
use scout_pipeline::{Role, Stage};
use scout_server::ServerConfig;
use serde_json::{Value, json};

const TOPIC: &str = "language models";

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

/// Percent-encodes a path segment.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Every string that would identify a finalist: added to `secrets`.
async fn profile_secrets(client: &Client, key: &str, secrets: &mut Vec<String>) -> Vec<String> {
    let p = client.get(&format!("/api/researchers/{}", enc(key))).await;
    assert_eq!(p.status, 200, "{}", p.text());
    let profile = &p.json()["profile"];
    let mut titles = Vec::new();
    for paper in profile["papers"].as_array().expect("papers") {
        let title = paper["title"].as_str().expect("title").to_string();
        titles.push(title.clone());
        secrets.push(title);
        if let Some(v) = paper["venue"].as_str() {
            secrets.push(v.to_string());
        }
    }
    secrets.push(key.to_string());
    titles
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blind_packets_hide_identities_and_named_ones_explain_the_papers() {
    for backend in backends() {
        let config = ServerConfig {
            corpus: Some(demo_corpus()),
            ..ServerConfig::default()
        };
        let env = start(&backend, config).await;
        let olive = env.client(Role::Owner);
        let rick = env.client(Role::Recruiter);
        let owner = env.actor(Role::Owner);
        let recruiter = env.actor(Role::Recruiter);
        let list = olive
            .get("/api/list?topic=language%20models&limit=3&explain_papers=20")
            .await;
        assert_eq!(list.status, 200, "{}", list.text());
        let rows = list.json()["rows"].as_array().expect("rows").clone();
        assert_eq!(rows.len(), 3);

        env.store
            .set_scorecard_template(&owner, Stage::Sourced, &["depth".into(), "taste".into()])
            .await
            .expect("template");
        let mut secrets: Vec<String> = Vec::new();
        let mut titles = std::collections::HashMap::new();
        let mut ids = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let r = &row["researcher"];
            let key = r["key"].as_str().expect("key").to_string();
            let name = r["name"].as_str().expect("name").to_string();
            let tag = format!("ex-rival-pretraining-lead-{i}");
            let org = format!("Quietly Named Rival Lab {i}");
            let c = env
                .store
                .create_candidate(
                    &recruiter,
                    &NewCandidate {
                        name: name.clone(),
                        researcher_key: Some(key.clone()),
                        source_org: Some(org.clone()),
                        tags: vec![tag.clone()],
                        ..Default::default()
                    },
                )
                .await
                .expect("candidate");
            let note = format!("Talked at the poster session; ask about the tokenizer work {i}");
            env.store
                .add_note(&recruiter, c.id, &note)
                .await
                .expect("note");
            let card_note = format!("Sharp answers on scaling laws, number {i}");
            env.store
                .submit_scorecard(
                    &owner,
                    c.id,
                    &NewScorecard {
                        stage: Stage::Sourced,
                        ratings: [("depth".into(), 4), ("taste".into(), 2 + (i as i64 % 2))].into(),
                        notes: Some(card_note.clone()),
                    },
                )
                .await
                .expect("scorecard");
            secrets.extend([name, tag, org, note, card_note]);
            titles.insert(c.id, profile_secrets(&olive, &key, &mut secrets).await);
            ids.push(c.id);
        }
        let created = olive
            .post(
                "/api/arena/sessions",
                &json!({"title": "Packets", "candidate_ids": ids, "topic": TOPIC}),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text());
        let session = created.json()["session"]["id"].as_i64().expect("id");
        assert_eq!(created.json()["session"]["topic"], TOPIC);
        assert_eq!(created.json()["session"]["blind"], true);

        // Blind: nothing identifying anywhere in the answer, but bands to judge.
        let b = rick
            .post(&format!("/api/arena/sessions/{session}/ballot"), &json!({}))
            .await;
        assert_eq!(b.status, 200, "{}", b.text());
        let text = b.text();
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "[{}] the blind ballot shows {secret:?}: {text}",
                env.backend_name()
            );
        }
        let ballot = b.json()["ballot"].clone();
        for side in ["left", "right"] {
            let p = &ballot[side]["packet"];
            assert_eq!(p["kind"], "blind", "{p}");
            assert_eq!(p["corpus"], "found", "{p}");
            assert!(p["career_stage"].is_string(), "{p}");
            assert!(p["impact_band"].is_string(), "{p}");
            let tiers = p["tiers"].as_array().expect("tiers");
            assert!(!tiers.is_empty(), "{p}");
            let shares: u64 = tiers.iter().filter_map(|t| t["score_share"].as_u64()).sum();
            assert!((80..=120).contains(&shares), "shares near 100%: {p}");
            // Rick has no scorecard of his own yet: the owner's stays hidden.
            assert_eq!(p["scorecards"][0]["hidden"], true, "{p}");
            assert_eq!(p["scorecards"][0]["averages"], json!([]), "{p}");
            assert!(p.get("notes").is_none() && p.get("top_papers").is_none());
        }

        // Rick's own scorecard for the left finalist opens its averages, rounded to halves.
        let left_alias = ballot["left"]["alias"].as_str().expect("alias").to_string();
        let s = olive.get(&format!("/api/arena/sessions/{session}")).await;
        let left_id = s.json()["session"]["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["alias"] == left_alias.as_str())
            .and_then(|i| i["candidate_id"].as_i64())
            .expect("left id");
        env.store
            .submit_scorecard(
                &recruiter,
                left_id,
                &NewScorecard {
                    stage: Stage::Sourced,
                    ratings: [("depth".into(), 3), ("taste".into(), 4)].into(),
                    notes: None,
                },
            )
            .await
            .expect("scorecard");
        let again = rick
            .post(&format!("/api/arena/sessions/{session}/ballot"), &json!({}))
            .await
            .json();
        assert_eq!(
            again["ballot"]["id"], ballot["id"],
            "the same pending ballot"
        );
        let left = &again["ballot"]["left"]["packet"];
        let depth = &left["scorecards"][0]["averages"][0];
        assert_eq!(
            (depth["attribute"].clone(), depth["mean"].clone()),
            (json!("depth"), json!(3.5))
        );
        assert_eq!(left["scorecards"][0]["hidden"], false);

        // Lifting blinding names the same ballot's packets: the List's papers for the topic.
        let lift = olive
            .patch(
                &format!("/api/arena/sessions/{session}"),
                &json!({"blind": false}),
            )
            .await;
        assert_eq!(lift.status, 200, "{}", lift.text());
        let named = rick
            .post(&format!("/api/arena/sessions/{session}/ballot"), &json!({}))
            .await
            .json();
        for side in ["left", "right"] {
            let s = &named["ballot"][side];
            let p = &s["packet"];
            assert_eq!(p["kind"], "named", "{p}");
            let cid = s["candidate_id"].as_i64().expect("named side has its id");
            let tops = p["top_papers"].as_array().expect("top papers");
            assert!(!tops.is_empty() && tops.len() <= 5, "{p}");
            for t in tops {
                let title = t["title"].as_str().expect("title");
                assert!(titles[&cid].iter().any(|x| x == title), "{title} is theirs");
                assert!(t["factors"]["contribution"].as_f64().expect("factors") > 0.0);
            }
            assert!(p["score"].as_f64().expect("score") > 0.0);
            assert_eq!(p["stage"], "sourced");
            let notes = p["notes"].as_array().expect("notes");
            assert_eq!(notes.len(), 1);
            assert!(
                notes[0]["body"]
                    .as_str()
                    .expect("body")
                    .starts_with("Talked at the poster session")
            );
        }
        // The List's explanation: the top paper of the named packet is the List row's.
        let cid = named["ballot"]["left"]["candidate_id"]
            .as_i64()
            .expect("id");
        let row = rows
            .iter()
            .find(|r| r["researcher"]["key"] == named["ballot"]["left"]["researcher_key"])
            .expect("row");
        assert_eq!(
            named["ballot"]["left"]["packet"]["top_papers"][0]["title"],
            row["top_papers"][0]["title"],
            "candidate {cid}"
        );

        // Every packet read is audited, saying whether it was named.
        let audit = env.store.audit_entries(0, 10_000).await.expect("audit");
        let reads: Vec<bool> = audit
            .iter()
            .filter(|e| e.action == "arena.packets")
            .map(|e| {
                let d: Value = serde_json::from_str(&e.detail).expect("detail");
                d["named"].as_bool().expect("named")
            })
            .collect();
        assert_eq!(reads, [false, false, true], "[{}]", env.backend_name());

        // Without a topic: the strongest papers by impact, no score.
        let plain = olive
            .post(
                "/api/arena/sessions",
                &json!({"title": "No topic", "candidate_ids": ids, "blind": false}),
            )
            .await;
        let plain = plain.json()["session"]["id"].as_i64().expect("id");
        let b = rick
            .post(&format!("/api/arena/sessions/{plain}/ballot"), &json!({}))
            .await;
        let p = &b.json()["ballot"]["left"]["packet"];
        assert_eq!(p["kind"], "named");
        assert!(p["score"].is_null(), "{p}");
        let impacts: Vec<f64> = p["top_papers"]
            .as_array()
            .expect("papers")
            .iter()
            .map(|t| t["relative_impact"].as_f64().unwrap_or(f64::NEG_INFINITY))
            .collect();
        assert!(!impacts.is_empty());
        assert!(impacts.windows(2).all(|w| w[0] >= w[1]), "{impacts:?}");
    }
}
