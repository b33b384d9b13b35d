//! One person, one candidate, for duplicates a workspace already holds: two records become one
//! researcher when the corpus merges their keys (the real `follow_key_changes` path), a third
//! record has a compatible name; the owner reads the duplicate report and merges. Everything of
//! the merged record moves (tags, history, notes, messages, offers renumbered, scorecards), the
//! tombstone refuses changes and is hidden from lists, the kept record's export carries it, and
//! erasing the kept record erases it. Run on SQLite always and on PostgreSQL when
//! `SCOUT_TEST_DATABASE_URL` is set.

mod common;

use std::collections::BTreeMap;

use scout_corpus::key_log::{KeyChange, KeyChangeKind};
use scout_pipeline::model::{CandidateFilter, NewCandidate};
use scout_pipeline::store::{DuplicateReason, NewScorecard};
use scout_pipeline::{Actor, Error, OfferTerms, Role, Stage, Store, StoreConfig};

fn terms(base: i64) -> OfferTerms {
    OfferTerms {
        currency: "USD".into(),
        base,
        bonus: 0,
        sign_on: 0,
        equity: 0,
        vesting_months: 0,
        cliff_months: 0,
    }
}

async fn story(store: &Store) {
    let olive = store
        .create_user("test", "olive", Role::Owner, "x")
        .await
        .expect("user");
    let owner = Actor {
        user_id: olive.id,
        name: olive.name.clone(),
        role: Role::Owner,
    };
    let add = async |name: &str, key: Option<&str>, email: Option<&str>, tags: &[&str]| {
        store
            .create_candidate(
                &owner,
                &NewCandidate {
                    name: name.into(),
                    researcher_key: key.map(Into::into),
                    email: email.map(Into::into),
                    tags: tags.iter().map(|t| t.to_string()).collect(),
                    ..Default::default()
                },
            )
            .await
            .expect("candidate")
    };
    let kept = add(
        "Katie Everett",
        Some("openreview:~Katie_Everett1"),
        None,
        &["rl"],
    )
    .await;
    let gone = add(
        "Katie E. Everett",
        Some("name:katie_everett"),
        Some("k@x.org"),
        &["rl", "ex-lab"],
    )
    .await;
    let other = add("Alan Turing", None, None, &[]).await;

    // Both records have a history: stage moves, notes, an offer each, a scorecard each.
    for (id, to) in [
        (kept.id, Stage::Shortlisted),
        (gone.id, Stage::Shortlisted),
        (gone.id, Stage::Finalist),
    ] {
        store.move_stage(&owner, id, to, None).await.expect("move");
    }
    store
        .add_note(&owner, gone.id, "met at the workshop")
        .await
        .expect("note");
    store
        .add_offer(&owner, gone.id, &terms(310_000), None)
        .await
        .expect("offer");
    store
        .add_offer(&owner, kept.id, &terms(300_000), None)
        .await
        .expect("offer");
    store
        .add_offer(&owner, gone.id, &terms(320_000), None)
        .await
        .expect("offer");
    store
        .set_scorecard_template(&owner, Stage::Shortlisted, &["depth".to_string()])
        .await
        .expect("template");
    let card = |n: i64| NewScorecard {
        stage: Stage::Shortlisted,
        ratings: BTreeMap::from([("depth".to_string(), n)]),
        notes: None,
    };
    store
        .submit_scorecard(&owner, kept.id, &card(3))
        .await
        .expect("card");
    store
        .submit_scorecard(&owner, gone.id, &card(4))
        .await
        .expect("card");

    // The corpus merges the two researchers: both records now hold one key.
    let change = KeyChange {
        id: 1,
        refreshed_at: "2026-12-03T00:00:00.000Z".into(),
        generation: 2,
        old_key: "name:katie_everett".into(),
        new_key: Some("openreview:~Katie_Everett1".into()),
        kind: KeyChangeKind::Merged,
        mentions: 3,
    };
    let followed = store.follow_key_changes(&[change]).await.expect("follow");
    assert_eq!(followed.duplicates.len(), 1, "{followed:?}");

    let report = store.duplicate_candidates(&owner).await.expect("report");
    let same = report
        .iter()
        .find(|g| g.reason == DuplicateReason::SameResearcher)
        .expect("the same-researcher group");
    let mut ids: Vec<i64> = same.records.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    assert_eq!(ids, [kept.id, gone.id]);
    assert_eq!(same.suggested_keep, gone.id, "the record furthest along");
    assert!(
        !report
            .iter()
            .any(|g| g.records.iter().any(|r| r.id == other.id)),
        "no namesake reported"
    );

    // Merging into itself, or a record into a missing one, is refused.
    assert!(matches!(
        store.merge_candidates(&owner, kept.id, kept.id).await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        store.merge_candidates(&owner, 9_999, gone.id).await,
        Err(Error::NotFound { .. })
    ));

    let merged = store
        .merge_candidates(&owner, kept.id, gone.id)
        .await
        .expect("merge");
    assert_eq!(merged.tags_added, 1, "ex-lab; rl was there");
    assert_eq!(merged.notes, 1);
    assert_eq!(merged.offers, 2);
    assert_eq!(merged.stage_moves, 3, "created + two moves");
    assert_eq!(merged.scorecards, 0);
    assert_eq!(
        merged.scorecards_left, 1,
        "one member, one scorecard per stage"
    );
    assert_eq!(merged.fields_taken, ["email"]);

    let now = store.get_candidate(&owner, kept.id).await.expect("kept");
    assert_eq!(now.tags, ["ex-lab", "rl"]);
    assert_eq!(now.email.as_deref(), Some("k@x.org"));
    assert_eq!(
        now.identity_note, None,
        "the merge answers the corpus's note"
    );
    let offers = store.offers(&owner, kept.id).await.expect("offers");
    let revisions: Vec<(i64, i64)> = offers.iter().map(|o| (o.revision, o.terms.base)).collect();
    // One history in the order the offers were made: the latest stays the latest.
    assert_eq!(revisions, [(1, 310_000), (2, 300_000), (3, 320_000)]);
    assert_eq!(store.notes(&owner, kept.id).await.expect("notes").len(), 1);

    // The tombstone: refused by reads and changes, hidden from the list and the report.
    match store.get_candidate(&owner, gone.id).await {
        Err(Error::Merged { id, into }) => assert_eq!((id, into), (gone.id, kept.id)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        store.add_note(&owner, gone.id, "late").await,
        Err(Error::Merged { .. })
    ));
    let listed = store
        .list_candidates(&owner, &CandidateFilter::default())
        .await
        .expect("list");
    assert!(listed.iter().all(|c| c.id != gone.id));
    assert!(
        store
            .duplicate_candidates(&owner)
            .await
            .expect("report")
            .iter()
            .all(|g| g.records.iter().all(|r| r.id != gone.id))
    );

    // The export of the kept record carries the tombstone and the scorecard left on it.
    let export = store
        .export_candidate(&owner, kept.id)
        .await
        .expect("export");
    assert_eq!(export.merged_records.len(), 1);
    assert_eq!(
        export.merged_records[0].candidate.merged_into,
        Some(kept.id)
    );
    assert_eq!(export.merged_records[0].scorecards.len(), 1);
    assert!(export.audit.iter().any(|e| e.action == "candidate.merge"));

    // One researcher, one mark: the tombstone is not in the pipeline's researcher index.
    let marks = store.pipeline_marks(&owner).await.expect("marks");
    let held: Vec<i64> = marks
        .iter()
        .filter(|m| m.researcher_key == "openreview:~Katie_Everett1")
        .map(|m| m.candidate_id)
        .collect();
    assert_eq!(held, [kept.id]);

    // Erasing the kept record erases the tombstone too.
    let erased = store.erase_candidate(&owner, kept.id).await.expect("erase");
    assert_eq!(erased.merged_records_erased, [gone.id]);
    assert_eq!(erased.scorecards_removed, 2);
    let ghost = store
        .export_candidate(&owner, gone.id)
        .await
        .expect("export");
    assert!(ghost.candidate.erased_at.is_some());
    assert!(ghost.candidate.name.starts_with("[erased"));
    assert!(ghost.notes.is_empty() && ghost.scorecards.is_empty());
    assert!(store.verify_audit().await.expect("verify").ok);
}

#[tokio::test]
async fn an_owner_merges_duplicate_records_on_sqlite() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = StoreConfig::sqlite_path(&dir.path().join("p.sqlite"));
    let store = Store::open(&config).await.expect("open");
    story(&store).await;
}

#[tokio::test]
async fn an_owner_merges_duplicate_records_on_postgres() {
    let Some(store) = common::fresh_postgres_store("scout_merge").await else {
        return;
    };
    story(&store).await;
}
