//! Watchlists and the move radar on real records (the corpus's `tests/fixtures/radar`, copied
//! from `data/demo`): a member watches a researcher (what the corpus shows is the baseline and
//! raises nothing); a later paper at another organisation arrives through ingest and refresh;
//! the radar records a new-paper alert, a likely move with its evidence and confidence (the
//! move's organisation raises no affiliation alert of its own) and first papers with people at
//! the rival organisation an owner named. Running it again records nothing; inboxes are per
//! member; watches follow a merged key; a candidate's erasure removes watches and alerts. Run
//! on SQLite always and on PostgreSQL when `SCOUT_TEST_DATABASE_URL` is set.

mod common;

use std::path::{Path, PathBuf};

use scout_corpus::key_log::{KeyChange, KeyChangeKind};
use scout_corpus::watch_facts::{self, ItemKind};
use scout_corpus::{Corpus, IngestOptions, Progress};
use scout_pipeline::model::NewCandidate;
use scout_pipeline::store::{AlertFilter, RadarPlace, WorkspaceSettings};
use scout_pipeline::{Actor, Role, Store, StoreConfig};

const HSIEH: &str = "openreview:~Cheng-Yu_Hsieh1";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpus/scout-corpus/tests/fixtures/radar")
        .join(name)
}

fn ingest(corpus: &mut Corpus, name: &str, dir: &Path) {
    let opts = IngestOptions::new(dir.join("rejects.jsonl"));
    corpus
        .ingest(&[fixture(name)], &opts, &Progress::default())
        .expect("ingest");
    corpus.refresh(false).expect("refresh");
}

async fn member(store: &Store, name: &str, role: Role) -> Actor {
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

async fn radar(store: &Store, corpus: &Corpus) -> scout_pipeline::store::RadarReport {
    let keys = store.watched_keys().await.expect("keys");
    let rivals = store
        .settings()
        .await
        .expect("settings")
        .settings
        .rival_list();
    // As the CLI and the server run it: only who the refreshes since the radar's place changed.
    let last = store.radar_place().await.expect("place");
    let from = last.as_ref().and_then(|p| p.follow_from(&rivals));
    let (observed, latest) =
        watch_facts::observe_since(corpus.conn(), from, keys, &rivals).expect("observe");
    let place = latest.map(|refresh_token| RadarPlace {
        refresh_token,
        rivals,
    });
    let report = store
        .record_radar_run(&observed, place.as_ref())
        .await
        .expect("record");
    assert_eq!(store.radar_place().await.expect("place"), place.or(last));
    report
}

async fn story(store: &Store) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut corpus = Corpus::open(&dir.path().join("c.sqlite")).expect("corpus");
    ingest(&mut corpus, "first.jsonl", dir.path());
    let olive = member(store, "olive", Role::Owner).await;
    let vic = member(store, "vic", Role::Viewer).await;
    store
        .set_settings(
            &olive,
            &WorkspaceSettings {
                rivals: "University of Texas at Austin\n\n  ".into(),
                ..Default::default()
            },
        )
        .await
        .expect("rivals");

    // The baseline: everything shown now is seen, nothing is an alert.
    let observed = watch_facts::observe(corpus.conn(), &[HSIEH.to_string()], &[])
        .expect("observe")
        .pop()
        .expect("the researcher");
    assert!(observed.items.iter().any(|i| i.kind == ItemKind::Paper));
    let watch = store.add_watch(&olive, &observed).await.expect("watch");
    assert_eq!(watch.researcher, "Cheng-Yu Hsieh");
    assert_eq!(radar(store, &corpus).await.alerts.len(), 0);
    assert_eq!(store.unread_alerts(olive.user_id).await.expect("n"), 0);
    // Watching again changes nothing; an unknown member cannot be given a watch by key alone.
    store.add_watch(&olive, &observed).await.expect("again");
    assert_eq!(store.watches_of(olive.user_id).await.expect("w").len(), 1);

    // New data: a 2024 paper at Google with co-authors at the rival.
    ingest(&mut corpus, "second.jsonl", dir.path());
    let report = radar(store, &corpus).await;
    assert_eq!(report.researchers, 1);
    let page = store
        .alerts_for(olive.user_id, &AlertFilter::default())
        .await
        .expect("alerts");
    assert_eq!(page.unread as usize, page.alerts.len());
    assert_eq!(page.alerts.len(), report.alerts.len());
    let kinds: Vec<ItemKind> = page.alerts.iter().map(|a| a.kind).collect();
    let paper = page
        .alerts
        .iter()
        .find(|a| a.kind == ItemKind::Paper)
        .expect("a new-paper alert");
    assert!(
        paper.summary.contains("Outlier Weighed Layerwise Sparsity"),
        "{paper:?}"
    );
    assert_eq!(paper.year, Some(2024));
    let moved = page
        .alerts
        .iter()
        .find(|a| a.kind == ItemKind::Move)
        .expect("a move alert");
    assert_eq!(
        moved.evidence.from.as_deref(),
        Some("University of Washington")
    );
    assert_eq!(moved.year, Some(2024));
    assert_eq!(
        moved.evidence.papers.len(),
        2,
        "last paper before, first after"
    );
    let confidence = moved.confidence.expect("a move's confidence");
    assert!((0.4..=0.95).contains(&confidence), "{confidence}");
    // The move's destination is remembered, not alerted a second time as an affiliation.
    let to = moved.evidence.to.clone().expect("to");
    assert!(
        !page
            .alerts
            .iter()
            .any(|a| a.kind == ItemKind::Affiliation
                && a.evidence.organisation.as_deref() == Some(&to)),
        "{kinds:?}"
    );
    let rivals: Vec<_> = page
        .alerts
        .iter()
        .filter(|a| a.kind == ItemKind::RivalCoauthor)
        .collect();
    assert!(!rivals.is_empty(), "{kinds:?}");
    for a in &rivals {
        assert_eq!(
            a.evidence.organisation.as_deref(),
            Some("University of Texas at Austin"),
            "{a:?}"
        );
        assert!(a.evidence.coauthor_key.is_some());
    }

    let only_moves = store
        .alerts_for(
            olive.user_id,
            &AlertFilter {
                kind: Some(ItemKind::Move),
                ..Default::default()
            },
        )
        .await
        .expect("moves");
    assert_eq!(
        only_moves.alerts.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![moved.id]
    );
    let all_rivals = store
        .all_alerts(&AlertFilter {
            kind: Some(ItemKind::RivalCoauthor),
            ..Default::default()
        })
        .await
        .expect("rivals");
    assert_eq!(all_rivals.len(), rivals.len());

    // Idempotent: the same corpus raises nothing more.
    let again = radar(store, &corpus).await;
    assert!(
        again.alerts.is_empty() && again.withdrawn.is_empty(),
        "{again:?}"
    );
    assert_eq!(
        again.researchers, 0,
        "no refresh since: nobody to observe again"
    );
    // Other rivals: every watched researcher is observed again (here, nothing new).
    store
        .set_settings(
            &olive,
            &WorkspaceSettings {
                rivals: "University of Texas at Austin\nNowhere Institute".into(),
                ..Default::default()
            },
        )
        .await
        .expect("rivals");
    let other_rivals = radar(store, &corpus).await;
    assert_eq!(other_rivals.researchers, 1);
    assert!(other_rivals.alerts.is_empty(), "{other_rivals:?}");
    // A move the corpus stops showing (later papers made it a visit) is withdrawn, not
    // deleted, and reinstated when it shows again.
    let mut now = watch_facts::observe(corpus.conn(), &[HSIEH.to_string()], &[])
        .expect("observe")
        .pop()
        .expect("the researcher");
    let shown = now.clone();
    now.items.retain(|i| i.kind != ItemKind::Move);
    let withdrawn = store.record_observations(&[now]).await.expect("record");
    assert_eq!(withdrawn.withdrawn, vec![moved.id]);
    assert!(withdrawn.alerts.is_empty());
    let page_now = store
        .alerts_for(olive.user_id, &AlertFilter::default())
        .await
        .expect("alerts");
    let w = page_now
        .alerts
        .iter()
        .find(|a| a.id == moved.id)
        .expect("kept");
    assert!(w.withdrawn_at.is_some());
    let back = store.record_observations(&[shown]).await.expect("record");
    assert_eq!(back.reinstated, vec![moved.id]);
    assert!(
        back.alerts.is_empty(),
        "a reinstated move is not a new alert"
    );
    // The webhook's view: every alert in id order.
    let all = store.alerts_after(0, 100).await.expect("after");
    assert_eq!(all.len(), page.alerts.len());
    assert!(all.windows(2).all(|w| w[0].id < w[1].id));
    assert!(all.iter().all(|a| !a.read));

    // Inboxes are per member: vic watches nothing; once he watches, older alerts count as read.
    assert_eq!(store.unread_alerts(vic.user_id).await.expect("n"), 0);
    store.add_watch(&vic, &observed).await.expect("vic watches");
    let vics = store
        .alerts_for(vic.user_id, &AlertFilter::default())
        .await
        .expect("vic");
    assert_eq!(vics.alerts.len(), all.len());
    assert_eq!(vics.unread, 0);
    assert!(vics.alerts.iter().all(|a| a.read));
    // Olive reads one, then all.
    let first = page.alerts[0].id;
    assert_eq!(
        store
            .mark_alerts_read(olive.user_id, Some(&[first]))
            .await
            .expect("read"),
        1
    );
    assert_eq!(
        store.unread_alerts(olive.user_id).await.expect("n") as usize,
        all.len() - 1
    );
    let unread_only = store
        .alerts_for(
            olive.user_id,
            &AlertFilter {
                unread: true,
                ..Default::default()
            },
        )
        .await
        .expect("unread");
    assert!(unread_only.alerts.iter().all(|a| a.id != first && !a.read));
    store
        .mark_alerts_read(olive.user_id, None)
        .await
        .expect("all read");
    assert_eq!(store.unread_alerts(olive.user_id).await.expect("n"), 0);

    // A merged key's watches, seen items and alerts follow the surviving key.
    let other = "openreview:~Someone_Else1";
    store
        .add_watch(
            &olive,
            &watch_facts::Observed {
                key: other.into(),
                name: "Someone Else".into(),
                items: Vec::new(),
            },
        )
        .await
        .expect("watch other");
    let merged = KeyChange {
        id: 1_000_000,
        refreshed_at: "2026-12-04T00:00:00Z".into(),
        generation: 99,
        old_key: other.into(),
        new_key: Some(HSIEH.into()),
        kind: KeyChangeKind::Merged,
        mentions: 1,
    };
    let followed = store
        .follow_key_changes(std::slice::from_ref(&merged))
        .await
        .expect("follow");
    assert_eq!(
        followed.watches_moved, 0,
        "olive already watched the survivor"
    );
    let keys: Vec<String> = store
        .watches_of(olive.user_id)
        .await
        .expect("w")
        .into_iter()
        .map(|w| w.researcher_key)
        .collect();
    assert_eq!(keys, vec![HSIEH.to_string()]);
    assert!(radar(store, &corpus).await.alerts.is_empty());

    // Erasing the candidate on that researcher removes the watches and the alerts.
    let cand = store
        .create_candidate(
            &olive,
            &NewCandidate {
                name: "Cheng-Yu Hsieh".into(),
                researcher_key: Some(HSIEH.into()),
                ..Default::default()
            },
        )
        .await
        .expect("candidate");
    let export = store
        .export_candidate(&olive, cand.id)
        .await
        .expect("export");
    assert_eq!(
        export.watched_by,
        vec!["olive".to_string(), "vic".to_string()]
    );
    assert_eq!(export.alerts.len(), all.len());
    let erased = store.erase_candidate(&olive, cand.id).await.expect("erase");
    assert_eq!(erased.watches_removed, 2);
    assert_eq!(erased.alerts_removed as usize, all.len());
    assert!(store.watched_keys().await.expect("keys").is_empty());
    assert!(store.alerts_after(0, 100).await.expect("after").is_empty());
    assert!(
        store
            .all_alerts(&AlertFilter::default())
            .await
            .expect("all")
            .is_empty()
    );
}

#[tokio::test]
async fn the_radar_reports_what_is_new_about_watched_researchers_on_sqlite() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = StoreConfig::sqlite_path(&dir.path().join("p.sqlite"));
    let store = Store::open(&config).await.expect("open");
    story(&store).await;
}

#[tokio::test]
async fn the_radar_reports_what_is_new_about_watched_researchers_on_postgres() {
    let Some(store) = common::fresh_postgres_store("scout_watches").await else {
        return;
    };
    story(&store).await;
}
