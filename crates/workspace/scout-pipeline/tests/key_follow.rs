//! Candidates follow the corpus's researcher key changes, on real records (the corpus's
//! `tests/fixtures/keys`, copied from `data/demo`): a candidate linked to a researcher that new
//! evidence merged into another moves to the surviving key with an audit entry naming the
//! corpus's change (old → new) and why; the duplicate this makes is recorded, not merged; a split
//! researcher's candidate gets a note; following twice changes nothing. Run on SQLite always and
//! on PostgreSQL when `SCOUT_TEST_DATABASE_URL` is set.

mod common;

use std::path::{Path, PathBuf};

use scout_corpus::key_log::{self, KeyChange, KeyChangeKind};
use scout_corpus::{Corpus, IngestOptions, Progress};
use scout_pipeline::model::{CandidatePatch, NewCandidate};
use scout_pipeline::{Actor, Role, Store, StoreConfig};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpus/scout-corpus/tests/fixtures/keys")
        .join(name)
}

fn ingest(corpus: &mut Corpus, name: &str, dir: &Path) {
    let opts = IngestOptions::new(dir.join("rejects.jsonl"));
    corpus
        .ingest(&[fixture(name)], &opts, &Progress::default())
        .expect("ingest");
    corpus.refresh(false).expect("refresh");
}

/// The key of the researcher named like `name` whose key starts with `prefix`.
fn key_of(corpus: &Corpus, name: &str, prefix: &str) -> String {
    corpus
        .conn()
        .query_row(
            "SELECT key FROM researchers WHERE name LIKE ?1 AND key LIKE ?2 || '%'",
            [name, prefix],
            |r| r.get(0),
        )
        .expect("researcher")
}

async fn story(store: &Store) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut corpus = Corpus::open(&dir.path().join("c.sqlite")).expect("corpus");
    ingest(&mut corpus, "first.jsonl", dir.path());
    let strong = "openreview:~Katie_E_Everett1";
    let name_key = key_of(&corpus, "Katie%Everett", "name:");
    let passos = key_of(&corpus, "Alexandre Passos", "name:");

    let owner = store
        .create_user("test", "olive", Role::Owner, "x")
        .await
        .expect("user");
    let actor = Actor {
        user_id: owner.id,
        name: owner.name.clone(),
        role: Role::Owner,
    };
    let add = async |name: &str, key: &str, stage: Option<&str>| {
        store
            .create_candidate(
                &actor,
                &NewCandidate {
                    name: name.into(),
                    researcher_key: Some(key.into()),
                    career_stage: stage.map(str::to_string),
                    ..Default::default()
                },
            )
            .await
            .expect("candidate")
    };
    // The committee found Everett twice, once under each of the corpus's researchers.
    let on_name = add("Katie Everett", &name_key, Some("early")).await;
    let on_strong = add("K. E. Everett", strong, None).await;
    let on_passos = add("Alexandre Passos", &passos, None).await;

    // An owner set the name-keyed researcher's employer: it follows the merge too.
    store
        .set_employer(&actor, &name_key, "Quiet Frontier Lab")
        .await
        .expect("employer");

    ingest(&mut corpus, "second.jsonl", dir.path());
    let keys = store.linked_researcher_keys().await.expect("keys");
    let changes = key_log::changes_touching(corpus.conn(), &keys).expect("changes");
    assert_eq!(changes.len(), 1, "{changes:?}");
    let report = store.follow_key_changes(&changes).await.expect("follow");
    assert_eq!(report.changes_applied, 1);
    assert_eq!(
        report.moved,
        [(on_name.id, name_key.clone(), strong.to_string())]
    );
    assert_eq!(
        report.duplicates,
        [(strong.to_string(), vec![on_strong.id, on_name.id])]
    );

    let employer = store.set_employer_of(strong).await.expect("read");
    assert_eq!(
        employer.map(|e| e.organisation).as_deref(),
        Some("Quiet Frontier Lab")
    );
    assert!(
        store
            .set_employer_of(&name_key)
            .await
            .expect("read")
            .is_none()
    );

    let moved = store.get_candidate(&actor, on_name.id).await.expect("get");
    assert_eq!(moved.researcher_key.as_deref(), Some(strong));
    assert_eq!(
        moved.career_stage.as_deref(),
        Some("early"),
        "the override moves along"
    );
    let note = moved.identity_note.expect("a note on the duplicate");
    assert!(note.contains(&format!("#{}", on_strong.id)), "{note}");
    let other = store
        .get_candidate(&actor, on_strong.id)
        .await
        .expect("get");
    assert!(other.identity_note.is_some());
    let passos_now = store
        .get_candidate(&actor, on_passos.id)
        .await
        .expect("get");
    assert_eq!(passos_now.researcher_key.as_deref(), Some(passos.as_str()));
    assert_eq!(passos_now.identity_note, None);

    let audit = store.audit_entries(0, 1000).await.expect("audit");
    let merged: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "candidate.researcher_merged")
        .collect();
    assert_eq!(merged.len(), 1);
    assert_eq!(merged[0].candidate_id, Some(on_name.id));
    assert_eq!(merged[0].actor, "system:corpus-refresh");
    let detail: serde_json::Value = serde_json::from_str(&merged[0].detail).expect("json");
    // Old → new by the corpus's reference (audit details never hold a key: keys carry names).
    assert_eq!(detail["change"], changes[0].reference().as_str());
    assert_eq!(changes[0].old_key, name_key);
    assert_eq!(changes[0].new_key.as_deref(), Some(strong));
    assert!(
        !merged[0].detail.contains("Everett"),
        "{}",
        merged[0].detail
    );
    assert!(
        detail["why"]
            .as_str()
            .is_some_and(|w| w.contains("one person")),
        "{detail}"
    );
    assert!(
        audit
            .iter()
            .any(|e| e.action == "candidate.duplicate_researcher")
    );
    assert!(store.verify_audit().await.expect("verify").ok);

    // Idempotent: the same changes again (a server reload after the CLI applied them).
    let again = store.follow_key_changes(&changes).await.expect("again");
    assert!(again.is_empty(), "{again:?}");
    assert_eq!(
        store.audit_entries(0, 1000).await.expect("audit").len(),
        audit.len()
    );

    // A split: the candidate keeps the key and gets a note, which re-linking clears.
    let split = KeyChange {
        id: changes[0].id + 1,
        refreshed_at: changes[0].refreshed_at.clone(),
        generation: changes[0].generation,
        old_key: passos.clone(),
        new_key: Some("name:alexandre_passos:other#0".into()),
        kind: KeyChangeKind::SplitOff,
        mentions: 1,
    };
    let report = store
        .follow_key_changes(std::slice::from_ref(&split))
        .await
        .expect("split");
    assert_eq!(report.flagged, [on_passos.id]);
    let flagged = store
        .get_candidate(&actor, on_passos.id)
        .await
        .expect("get");
    assert_eq!(flagged.researcher_key.as_deref(), Some(passos.as_str()));
    assert!(
        flagged
            .identity_note
            .as_deref()
            .is_some_and(|n| n.contains("split")),
        "{flagged:?}"
    );
    let relinked = store
        .update_candidate(
            &actor,
            on_passos.id,
            &CandidatePatch {
                researcher_key: Some(passos.clone()),
                ..Default::default()
            },
        )
        .await
        .expect("relink");
    assert_eq!(relinked.identity_note, None);
}

#[tokio::test]
async fn candidates_follow_merged_and_split_researchers_on_sqlite() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = StoreConfig::sqlite_path(&dir.path().join("p.sqlite"));
    let store = Store::open(&config).await.expect("open");
    story(&store).await;
}

#[tokio::test]
async fn candidates_follow_merged_and_split_researchers_on_postgres() {
    let Some(store) = common::fresh_postgres_store("scout_keys").await else {
        return;
    };
    story(&store).await;
}
