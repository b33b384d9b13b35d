//! Duplicate records over real HTTP, on SQLite always and on PostgreSQL when
//! `SCOUT_TEST_DATABASE_URL` is set: the report (recruiters and owners), the owner's merge
//! (recruiters refused), the merged record answering 404 `merged` naming the kept one, and the
//! pipeline's researcher index (every role) marking the kept record once with stage and owner.

mod common;

use common::*;
use scout_pipeline::Role;
use scout_server::ServerConfig;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_merges_a_reported_duplicate_and_the_index_marks_one_record() {
    for backend in backends() {
        let mut env = start(&backend, ServerConfig::default()).await;
        let olive = env.client(Role::Owner);
        let rick = env.client(Role::Recruiter);
        let vera = env.client(Role::Viewer);
        let rick_id = env.user(Role::Recruiter).id;
        let made = olive
            .post(
                "/api/candidates",
                &json!({"name": "Ada Lovelace", "researcher_key": "openreview:~Ada_Lovelace1",
                        "owner_id": rick_id, "tags": ["analytical"]}),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.text());
        let kept = made.json()["candidate"]["id"].as_i64().expect("id");
        // A second record of her, added by hand under an initial: a warning, not a refusal.
        let made = rick
            .post(
                "/api/candidates",
                &json!({"name": "A. Lovelace", "email": "ada@engine.org", "tags": ["engines"]}),
            )
            .await;
        assert_eq!(made.status, 201, "{}", made.text());
        assert_eq!(made.json()["possible_duplicates"][0]["id"], kept);
        let twin = made.json()["candidate"]["id"].as_i64().expect("id");
        let note = rick
            .post(
                &format!("/api/candidates/{twin}/notes"),
                &json!({"body": "prefers e-mail"}),
            )
            .await;
        assert_eq!(note.status, 201, "{}", note.text());

        // The report: recruiters and owners; viewers are refused by the route table.
        let report = rick.get("/api/candidates/duplicates").await;
        assert_eq!(report.status, 200, "{}", report.text());
        let groups = report.json()["groups"].clone();
        assert_eq!(groups.as_array().map(Vec::len), Some(1), "{groups}");
        assert_eq!(groups[0]["reason"], "compatible_name");
        assert_eq!(groups[0]["suggested_keep"], kept, "the older on a tie");
        assert_eq!(vera.get("/api/candidates/duplicates").await.status, 403);

        // The merge: owners only; into itself is refused.
        let path = format!("/api/candidates/{kept}/merge");
        let r = rick.post(&path, &json!({"from": twin})).await;
        assert_eq!(r.status, 403, "{}", r.text());
        let r = olive.post(&path, &json!({"from": kept})).await;
        assert_eq!(r.status, 422, "{}", r.text());
        let r = olive.post(&path, &json!({"from": twin})).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let m = r.json();
        assert_eq!(
            (m["kept"].as_i64(), m["merged"].as_i64()),
            (Some(kept), Some(twin))
        );
        assert_eq!(m["notes"], 1);
        assert_eq!(m["fields_taken"], json!(["email"]));
        // Merging it again: the record is a tombstone now.
        let r = olive.post(&path, &json!({"from": twin})).await;
        assert_eq!(
            (r.status, r.code()),
            (404, "merged".to_string()),
            "{}",
            r.text()
        );

        let gone = vera.get(&format!("/api/candidates/{twin}")).await;
        assert_eq!(gone.status, 404);
        assert_eq!(gone.code(), "merged");
        assert!(
            gone.text()
                .contains(&format!("merged into candidate {kept}")),
            "{}",
            gone.text()
        );
        let now = vera.get(&format!("/api/candidates/{kept}")).await.json();
        assert_eq!(now["candidate"]["tags"], json!(["analytical", "engines"]));
        assert_eq!(now["candidate"]["email"], "ada@engine.org");
        let listed = vera.get("/api/candidates").await.json();
        assert_eq!(listed["candidates"].as_array().map(Vec::len), Some(1));
        assert!(
            rick.get("/api/candidates/duplicates").await.json()["groups"]
                .as_array()
                .is_some_and(Vec::is_empty)
        );

        // The index every page marks researchers with: one record, its stage and owner.
        let marks = vera.get("/api/pipeline/researchers").await;
        assert_eq!(marks.status, 200, "{}", marks.text());
        assert_eq!(
            marks.json()["marks"],
            json!([{"researcher_key": "openreview:~Ada_Lovelace1", "candidate_id": kept,
                    "stage": "sourced", "owner": env.user(Role::Recruiter).name}])
        );

        let audit = olive.get("/api/audit?limit=1000").await.json();
        let merge = audit["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .find(|e| e["action"] == "candidate.merge")
            .cloned()
            .expect("the merge is audited");
        assert_eq!(merge["candidate_id"], kept);
        assert!(!merge.to_string().contains("Lovelace"), "{merge}");
        env.stop().await;
    }
}
