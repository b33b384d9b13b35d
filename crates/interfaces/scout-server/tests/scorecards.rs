//! Structured interviews over real HTTP, on SQLite always and on PostgreSQL when
//! `SCOUT_TEST_DATABASE_URL` is set: templates set by owners, scorecards hidden from a member
//! until they submit their own, one per member and stage, averages, audit, export and erasure.

mod common;

use common::*;
use scout_pipeline::Role;
use scout_pipeline::model::NewCandidate;
use scout_server::ServerConfig;
use serde_json::{Value, json};

fn stage<'a>(answer: &'a Value, name: &str) -> &'a Value {
    answer["scorecards"]
        .as_array()
        .and_then(|v| v.iter().find(|s| s["stage"] == name))
        .unwrap_or_else(|| panic!("no {name} stage in {answer}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scorecards_stay_blind_until_you_submit_yours() {
    for backend in backends() {
        let env = start(&backend, ServerConfig::default()).await;
        let owner = env.client(Role::Owner);
        let rick = env.client(Role::Recruiter);
        let viewer = env.client(Role::Viewer);
        let c = env
            .store
            .create_candidate(
                &env.actor(Role::Owner),
                &NewCandidate {
                    name: "Katherine Johnson".into(),
                    ..Default::default()
                },
            )
            .await
            .expect("candidate");
        let path = format!("/api/candidates/{}/scorecards", c.id);

        // Owners set the stage's attributes; recruiters cannot.
        let attrs = json!({"attributes": ["research depth", "clarity"]});
        assert_eq!(
            rick.send(
                "PUT",
                "/api/scorecard-templates/meeting",
                Some(attrs.to_string().as_bytes()),
                &[]
            )
            .await
            .status,
            403
        );
        let set = owner
            .send(
                "PUT",
                "/api/scorecard-templates/meeting",
                Some(attrs.to_string().as_bytes()),
                &[],
            )
            .await;
        assert_eq!(set.status, 200, "{}", set.text());
        let outcome = owner
            .send(
                "PUT",
                "/api/scorecard-templates/accepted",
                Some(attrs.to_string().as_bytes()),
                &[],
            )
            .await;
        assert_eq!(outcome.status, 422, "{}", outcome.text());
        let templates = viewer.get("/api/scorecard-templates").await.json();
        assert_eq!(
            templates["templates"][0]["attributes"],
            json!(["research depth", "clarity"])
        );

        // Rick submits; a bad card is refused with the reason.
        let missing = rick
            .post(
                &path,
                &json!({"stage": "meeting", "ratings": {"research depth": 4}}),
            )
            .await;
        assert_eq!(missing.status, 422, "{}", missing.text());
        assert!(missing.text().contains("clarity"), "{}", missing.text());
        let five = rick
            .post(
                &path,
                &json!({"stage": "meeting", "ratings": {"research depth": 5, "clarity": 2}}),
            )
            .await;
        assert_eq!(five.status, 422, "{}", five.text());
        let r = rick
            .post(
                &path,
                &json!({"stage": "meeting", "ratings": {"research depth": 4, "clarity": 2},
                        "notes": "deep on RL theory"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let again = rick
            .post(
                &path,
                &json!({"stage": "meeting", "ratings": {"research depth": 1, "clarity": 1}}),
            )
            .await;
        assert_eq!(again.status, 409, "{}", again.text());

        // The owner has not submitted: Rick's card, notes and the averages stay hidden.
        let before = owner.get(&path).await;
        assert_eq!(before.status, 200);
        let before = before.json();
        let meeting = stage(&before, "meeting");
        assert_eq!(meeting["submitted"], 1);
        assert_eq!(meeting["hidden"], true);
        assert_eq!(meeting["others"], json!([]));
        assert_eq!(meeting["averages"], json!([]));
        assert!(meeting["mine"].is_null());
        assert!(!before.to_string().contains("RL theory"));

        // Once the owner submits, both cards and the averages show.
        let o = owner
            .post(
                &path,
                &json!({"stage": "meeting", "ratings": {"research depth": 2, "clarity": 4}}),
            )
            .await;
        assert_eq!(o.status, 201, "{}", o.text());
        let after = owner.get(&path).await.json();
        let meeting = stage(&after, "meeting");
        assert_eq!(meeting["hidden"], false);
        assert_eq!(meeting["others"][0]["notes"], "deep on RL theory");
        assert_eq!(meeting["averages"][0]["attribute"], "research depth");
        assert_eq!(meeting["averages"][0]["mean"], 3.0);
        assert_eq!(meeting["averages"][1]["mean"], 3.0);
        // A viewer (who cannot submit) sees only the count.
        let v = viewer.get(&path).await.json();
        assert_eq!(stage(&v, "meeting")["hidden"], true);
        assert_eq!(stage(&v, "meeting")["submitted"], 2);

        // Audited; in the owner's export; gone with an erasure.
        let audit = owner.get("/api/audit?limit=1000").await.json();
        let actions: Vec<&str> = audit["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        for a in ["scorecard.template", "scorecard.submit", "scorecard.read"] {
            assert!(actions.contains(&a), "{a} not in {actions:?}");
        }
        let export = owner
            .get(&format!("/api/candidates/{}/export", c.id))
            .await
            .json();
        assert_eq!(export["scorecards"].as_array().map(Vec::len), Some(2));
        let erased = owner
            .post(&format!("/api/candidates/{}/erase", c.id), &json!({}))
            .await
            .json();
        assert_eq!(erased["erased"]["scorecards_removed"], 2, "{erased}");
        assert_eq!(owner.get(&path).await.status, 404);
    }
}
