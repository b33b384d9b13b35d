//! Bulk work and saved views: one action on many candidates with per-candidate outcomes (a
//! refused move reported, the others applied), adding many researchers under the
//! one-person-one-candidate rule, saved views private or shared, and a board view's pins in the
//! candidate's export and gone after their erasure — on SQLite always and on PostgreSQL when
//! `SCOUT_TEST_DATABASE_URL` is set.

mod common;

use scout_pipeline::model::{Candidate, NewCandidate};
use scout_pipeline::store::{
    AddStatus, BoardFilter, BulkAction, BulkStatus, ListSearch, NewView, ResearcherToAdd, ViewSpec,
};
use scout_pipeline::{Actor, Error, Role, Stage, Store, StoreConfig};

async fn actor(store: &Store, name: &str, role: Role) -> Actor {
    let u = store
        .create_user("test", name, role, "x")
        .await
        .expect("user");
    Actor {
        user_id: u.id,
        name: u.name,
        role,
    }
}

async fn candidate(store: &Store, a: &Actor, name: &str, key: &str) -> Candidate {
    store
        .create_candidate(
            a,
            &NewCandidate {
                name: name.into(),
                researcher_key: Some(key.into()),
                ..Default::default()
            },
        )
        .await
        .expect("candidate")
}

async fn audit_actions(store: &Store) -> Vec<String> {
    store
        .audit_entries(0, 10_000)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect()
}

async fn bulk_story(store: &Store) {
    let olive = actor(store, "olive", Role::Owner).await;
    let rick = actor(store, "rick", Role::Recruiter).await;
    let vera = actor(store, "vera", Role::Viewer).await;
    let a = candidate(store, &rick, "Ada Lovelace", "k:ada").await;
    let b = candidate(store, &rick, "Grace Hopper", "k:grace").await;
    let c = candidate(store, &rick, "Edsger Dijkstra", "k:edsger").await;
    // c is withdrawn: a final stage, from which nothing moves.
    store
        .move_stage(&rick, c.id, Stage::Withdrawn, None)
        .await
        .expect("withdraw");

    // Move: a done, b done, c refused with the transition table's reason; an unknown id
    // refused; nothing rolled back.
    let r = store
        .bulk_apply(
            &rick,
            &[a.id, b.id, c.id, 999_999, a.id],
            &BulkAction::Move {
                to: Stage::Shortlisted,
                reason: None,
            },
        )
        .await
        .expect("bulk move");
    let statuses: Vec<_> = r.results.iter().map(|o| (o.id, o.status)).collect();
    assert_eq!(
        statuses,
        [
            (a.id, BulkStatus::Done),
            (b.id, BulkStatus::Done),
            (c.id, BulkStatus::Refused),
            (999_999, BulkStatus::Refused),
        ]
    );
    assert_eq!((r.done, r.unchanged, r.refused), (2, 0, 2));
    assert!(
        r.results[2]
            .message
            .as_deref()
            .is_some_and(|m| m.contains("final stage")),
        "{:?}",
        r.results[2]
    );
    for id in [a.id, b.id] {
        let got = store.get_candidate(&rick, id).await.expect("read");
        assert_eq!(got.stage, Stage::Shortlisted);
    }
    assert_eq!(
        store.get_candidate(&rick, c.id).await.expect("c").stage,
        Stage::Withdrawn
    );
    // Again: already there is unchanged, not refused.
    let again = store
        .bulk_apply(
            &rick,
            &[a.id],
            &BulkAction::Move {
                to: Stage::Shortlisted,
                reason: None,
            },
        )
        .await
        .expect("again");
    assert_eq!(again.results[0].status, BulkStatus::Unchanged);

    // Tags: added to all three, removed where present (unchanged where absent).
    let r = store
        .bulk_apply(
            &rick,
            &[a.id, b.id],
            &BulkAction::AddTag {
                tag: " Pretraining ".into(),
            },
        )
        .await
        .expect("tag");
    assert_eq!(r.done, 2);
    assert_eq!(
        store.get_candidate(&rick, b.id).await.expect("b").tags,
        ["pretraining"]
    );
    let r = store
        .bulk_apply(
            &rick,
            &[a.id, c.id],
            &BulkAction::RemoveTag {
                tag: "pretraining".into(),
            },
        )
        .await
        .expect("untag");
    assert_eq!(
        r.results.iter().map(|o| o.status).collect::<Vec<_>>(),
        [BulkStatus::Done, BulkStatus::Unchanged]
    );
    // Bad input refuses the whole request before anything changes.
    let bad = store
        .bulk_apply(&rick, &[a.id], &BulkAction::AddTag { tag: " ".into() })
        .await;
    assert!(matches!(bad, Err(Error::Invalid(_))), "{bad:?}");
    assert!(matches!(
        store
            .bulk_apply(&rick, &[], &BulkAction::AddTag { tag: "x".into() })
            .await,
        Err(Error::Invalid(_))
    ));
    let ghost = store
        .bulk_apply(
            &rick,
            &[a.id],
            &BulkAction::Assign {
                owner_id: Some(424_242),
            },
        )
        .await;
    assert!(matches!(ghost, Err(Error::Invalid(_))), "{ghost:?}");

    // Assign, then clear.
    let r = store
        .bulk_apply(
            &rick,
            &[a.id, b.id],
            &BulkAction::Assign {
                owner_id: Some(olive.user_id),
            },
        )
        .await
        .expect("assign");
    assert!(
        r.results
            .iter()
            .all(|o| o.candidate.as_ref().and_then(|c| c.owner_id) == Some(olive.user_id))
    );
    let r = store
        .bulk_apply(&rick, &[a.id], &BulkAction::Assign { owner_id: None })
        .await
        .expect("unassign");
    assert_eq!(
        r.results[0].candidate.as_ref().and_then(|c| c.owner_id),
        None
    );

    // Every change is audited per candidate, and each bulk request once more, without tag text.
    let actions = audit_actions(store).await;
    assert_eq!(
        actions.iter().filter(|a| *a == "candidate.bulk").count(),
        6,
        "{actions:?}"
    );
    let entries = store.audit_entries(0, 10_000).await.expect("audit");
    assert!(entries.iter().all(|e| !e.detail.contains("pretraining")));
    let a_moves = entries
        .iter()
        .filter(|e| e.action == "candidate.stage" && e.candidate_id == Some(a.id))
        .count();
    assert_eq!(a_moves, 1);

    // Bulk add: one new, one held by an existing candidate, one named twice.
    let add = |key: &str, name: &str| ResearcherToAdd {
        key: key.into(),
        name: name.into(),
        source_org: Some("Somewhere".into()),
    };
    let out = store
        .bulk_add(
            &rick,
            &[
                add("k:barbara", "Barbara Liskov"),
                add("k:grace", "Grace Hopper"),
                add("k:barbara", "Barbara Liskov"),
            ],
            &["Reasoning".into()],
        )
        .await
        .expect("bulk add");
    assert_eq!(
        out.iter().map(|o| o.status).collect::<Vec<_>>(),
        [AddStatus::Added, AddStatus::Held, AddStatus::Held]
    );
    assert_eq!(out[1].candidate_id, Some(b.id));
    assert_eq!(out[2].candidate_id, out[0].candidate_id);
    let barbara = store
        .get_candidate(&rick, out[0].candidate_id.expect("id"))
        .await
        .expect("barbara");
    assert_eq!(
        (barbara.stage, barbara.tags.clone()),
        (Stage::Sourced, vec!["reasoning".to_string()])
    );
    let all = store
        .list_candidates(&rick, &Default::default())
        .await
        .expect("list");
    assert_eq!(
        all.iter()
            .filter(|c| c.researcher_key.as_deref() == Some("k:barbara"))
            .count(),
        1
    );

    // Saved views: a private List search, a shared board view pinning two candidates.
    let list_view = NewView {
        name: "RL people".into(),
        shared: false,
        view: ViewSpec::List(ListSearch {
            topic: "reinforcement learning".into(),
            stage: "early".into(),
            ..Default::default()
        }),
    };
    let (v1, replaced) = store.save_view(&rick, &list_view).await.expect("save list");
    assert!(!replaced);
    let board_view = NewView {
        name: "Finalists to call".into(),
        shared: true,
        view: ViewSpec::Board(BoardFilter {
            tag: "LLM".into(),
            candidate_ids: vec![b.id, a.id, b.id],
            ..Default::default()
        }),
    };
    let (v2, _) = store
        .save_view(&rick, &board_view)
        .await
        .expect("save board");
    let ViewSpec::Board(f) = &v2.view else {
        panic!("a board view")
    };
    assert_eq!(f.candidate_ids, [b.id, a.id]);
    // Saving under the same name replaces (same id).
    let (v1b, replaced) = store.save_view(&rick, &list_view).await.expect("resave");
    assert!(replaced);
    assert_eq!(v1b.id, v1.id);
    // rick sees both, vera only the shared one; a pin on an erased or unknown candidate is refused.
    assert_eq!(store.views(&rick, None).await.expect("views").len(), 2);
    let seen = store.views(&vera, Some("board")).await.expect("views");
    assert_eq!(seen.len(), 1);
    assert!(!seen[0].mine);
    assert_eq!(seen[0].member, "rick");
    assert!(
        store
            .views(&vera, Some("list"))
            .await
            .expect("v")
            .is_empty()
    );
    let bad_pin = NewView {
        name: "ghost".into(),
        shared: false,
        view: ViewSpec::Board(BoardFilter {
            candidate_ids: vec![999_999],
            ..Default::default()
        }),
    };
    assert!(matches!(
        store.save_view(&vera, &bad_pin).await,
        Err(Error::NotFound { .. })
    ));
    // Deleting: another member's private view is not found, a shared one refused, an owner may.
    assert!(matches!(
        store.delete_view(&vera, v1.id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        store.delete_view(&vera, v2.id).await,
        Err(Error::Forbidden(_))
    ));

    // The pins are in the candidate's export, and gone after their erasure; the view stays.
    let export = store.export_candidate(&olive, a.id).await.expect("export");
    assert_eq!(export.saved_views.len(), 1);
    assert_eq!(export.saved_views[0].view_id, v2.id);
    let report = store.erase_candidate(&olive, a.id).await.expect("erase");
    assert_eq!(report.view_pins_removed, 1);
    let after = store.views(&rick, Some("board")).await.expect("views");
    let ViewSpec::Board(f) = &after[0].view else {
        panic!("a board view")
    };
    assert_eq!(f.candidate_ids, [b.id]);
    let export = store.export_candidate(&olive, a.id).await.expect("export");
    assert!(export.saved_views.is_empty());

    // A board view whose text filter names a candidate ("hopper") is in their export, and
    // their erasure clears the filter; a filter naming someone else stays.
    let by_name = |name: &str, text: &str| NewView {
        name: name.into(),
        shared: false,
        view: ViewSpec::Board(BoardFilter {
            text: text.into(),
            ..Default::default()
        }),
    };
    let (named, _) = store
        .save_view(&rick, &by_name("find grace", "hopper"))
        .await
        .expect("save");
    let (other, _) = store
        .save_view(&rick, &by_name("find edsger", "Dijkstra"))
        .await
        .expect("save");
    let export = store.export_candidate(&olive, b.id).await.expect("export");
    let why: Vec<(i64, &str)> = export
        .saved_views
        .iter()
        .map(|v| (v.view_id, v.why.as_str()))
        .collect();
    assert!(why.contains(&(named.id, "text filter")), "{why:?}");
    assert!(!why.iter().any(|(id, _)| *id == other.id), "{why:?}");
    let report = store.erase_candidate(&olive, b.id).await.expect("erase");
    assert_eq!(report.view_filters_cleared, 1);
    let texts: Vec<(i64, String)> = store
        .views(&rick, Some("board"))
        .await
        .expect("views")
        .into_iter()
        .filter_map(|v| match v.view {
            ViewSpec::Board(f) => Some((v.id, f.text)),
            ViewSpec::List(_) => None,
        })
        .collect();
    assert!(texts.contains(&(named.id, String::new())), "{texts:?}");
    assert!(
        texts.contains(&(other.id, "Dijkstra".to_string())),
        "{texts:?}"
    );
    for id in [named.id, other.id] {
        store.delete_view(&rick, id).await.expect("delete");
    }

    store
        .delete_view(&olive, v2.id)
        .await
        .expect("owner deletes");
    store
        .delete_view(&rick, v1.id)
        .await
        .expect("member deletes");
    assert!(store.views(&rick, None).await.expect("views").is_empty());
    let actions = audit_actions(store).await;
    for want in ["view.save", "view.delete", "candidate.bulk_add"] {
        assert!(actions.iter().any(|a| a == want), "{want} in {actions:?}");
    }
    let verify = store.verify_audit().await.expect("verify");
    assert!(verify.ok, "{verify:?}");
}

#[tokio::test]
async fn bulk_actions_and_saved_views_on_sqlite() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&StoreConfig::sqlite_path(&dir.path().join("p.sqlite")))
        .await
        .expect("open");
    bulk_story(&store).await;
}

#[tokio::test]
async fn bulk_actions_and_saved_views_on_postgres() {
    let Some(store) = common::fresh_postgres_store("scout_bulk").await else {
        return;
    };
    bulk_story(&store).await;
}
