//! Current employers set by owners, over real HTTP on SQLite always and on PostgreSQL when
//! `SCOUT_TEST_DATABASE_URL` is set: the set employer wins over the corpus's inference in the
//! List (and its organisation filter) and the profile, is audited, exported with the candidate,
//! cleared again, and erased with the candidate.

mod common;

use common::*;
use scout_pipeline::Role;
use scout_server::ServerConfig;
use serde_json::{Value, json};

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

/// Percent-encodes a path segment or query value.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn keys(list: &Value) -> Vec<String> {
    list["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["researcher"]["key"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owners_set_employer_wins_over_the_inference_until_cleared() {
    for backend in backends() {
        let config = ServerConfig {
            corpus: Some(demo_corpus()),
            ..ServerConfig::default()
        };
        let env = start(&backend, config).await;
        let olive = env.client(Role::Owner);
        let rick = env.client(Role::Recruiter);
        let list = olive.get("/api/list?topic=language%20models&limit=5").await;
        assert_eq!(list.status, 200, "{}", list.text());
        let top = &list.json()["rows"][0]["researcher"];
        let key = top["key"].as_str().expect("a researcher").to_string();
        let inferred = top["current_org"].clone();
        let path = format!("/api/researchers/{}/employer", enc(&key));
        let body = json!({"organisation": "Quiet Frontier Lab"}).to_string();

        // Recruiters may not; an unknown key is a 404; an empty organisation a 422.
        let r = rick.send("PUT", &path, Some(body.as_bytes()), &[]).await;
        assert_eq!(r.status, 403, "{}", r.text());
        let r = olive
            .send(
                "PUT",
                "/api/researchers/openreview%3A~Nobody_Here1/employer",
                Some(body.as_bytes()),
                &[],
            )
            .await;
        assert_eq!(r.status, 404, "{}", r.text());
        let blank = json!({"organisation": "  "}).to_string();
        let r = olive.send("PUT", &path, Some(blank.as_bytes()), &[]).await;
        assert_eq!(r.status, 422, "{}", r.text());

        // A candidate for the researcher, so the set employer shows in their export.
        let c = olive
            .post(
                "/api/candidates",
                &json!({"name": top["name"], "researcher_key": key}),
            )
            .await;
        assert_eq!(c.status, 201, "{}", c.text());
        let cid = c.json()["candidate"]["id"].as_i64().expect("candidate id");

        let r = olive.send("PUT", &path, Some(body.as_bytes()), &[]).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let answer = r.json();
        assert_eq!(answer["researcher"]["current_org"], "Quiet Frontier Lab");
        assert_eq!(answer["set"]["set_by"], "olive");

        // The List's row and its organisation filter follow the set employer.
        let filtered = olive
            .get("/api/list?topic=language%20models&limit=50&org=quiet%20frontier")
            .await
            .json();
        assert_eq!(keys(&filtered), vec![key.clone()], "{filtered}");
        let row = &filtered["rows"][0]["researcher"];
        assert_eq!(row["current_org_set_by"], "olive");
        assert_eq!(row["current_org_confidence"], 1.0);
        assert!(
            row["current_org_evidence"]
                .as_str()
                .is_some_and(|e| e.starts_with("set by olive on ")),
            "{row}"
        );
        // The profile too, for every member.
        let profile = rick
            .get(&format!("/api/researchers/{}", enc(&key)))
            .await
            .json();
        assert_eq!(
            profile["profile"]["researcher"]["current_org"],
            "Quiet Frontier Lab"
        );
        let all = rick.get("/api/employers").await.json();
        assert_eq!(all["employers"][0]["researcher_key"], key.as_str());

        // Exported with the candidate, audited on the candidate (no key in the detail).
        let export = olive
            .get(&format!("/api/candidates/{cid}/export"))
            .await
            .json();
        assert_eq!(
            export["set_employer"]["organisation"], "Quiet Frontier Lab",
            "{export}"
        );
        let audit = olive.get("/api/audit?limit=1000").await.json();
        let set_entry = audit["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .find(|e| e["action"] == "employer.set")
            .cloned()
            .expect("an employer.set entry");
        assert_eq!(set_entry["candidate_id"], cid);
        assert!(!set_entry["detail"].to_string().contains(&key));

        // Cleared: the inference shows again; clearing twice is a 404.
        let r = olive.delete(&path).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let profile = olive
            .get(&format!("/api/researchers/{}", enc(&key)))
            .await
            .json();
        assert_eq!(profile["profile"]["researcher"]["current_org"], inferred);
        assert!(profile["profile"]["researcher"]["current_org_set_by"].is_null());
        assert_eq!(olive.delete(&path).await.status, 404);

        // Set again, then the candidate's erasure takes the set employer with it.
        let r = olive.send("PUT", &path, Some(body.as_bytes()), &[]).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let erased = olive
            .send("POST", &format!("/api/candidates/{cid}/erase"), None, &[])
            .await;
        assert_eq!(erased.status, 200, "{}", erased.text());
        assert_eq!(erased.json()["erased"]["set_employers_removed"], 1);
        let all = olive.get("/api/employers").await.json();
        assert_eq!(all["employers"].as_array().map(Vec::len), Some(0), "{all}");
    }
}
