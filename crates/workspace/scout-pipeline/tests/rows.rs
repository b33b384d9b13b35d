//! Derived row mapping (`sqlx::FromRow` over the `Any` driver): every column lands in its field,
//! and a stored name that is not a stage or channel is an error, never a default.

use scout_pipeline::model::{Channel, NewCandidate};
use scout_pipeline::{Actor, Error, Role, Stage, Store, StoreConfig};

#[tokio::test]
async fn rows_map_to_their_fields_and_unknown_stored_names_are_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&StoreConfig::sqlite_path(&dir.path().join("rows.sqlite")))
        .await
        .expect("open");
    let owner = store
        .create_user("test", "olive", Role::Owner, "x")
        .await
        .expect("user");
    let actor = Actor {
        user_id: owner.id,
        name: owner.name.clone(),
        role: Role::Owner,
    };
    let created = store
        .create_candidate(
            &actor,
            &NewCandidate {
                name: "Ada Lovelace".into(),
                email: Some("ada@example.org".into()),
                researcher_key: Some("orcid:0000-0001".into()),
                source_org: Some("DeepMind".into()),
                career_stage: Some("senior".into()),
                owner_id: Some(owner.id),
                tags: vec!["rl".into()],
            },
        )
        .await
        .expect("create");
    let read = store.get_candidate(&actor, created.id).await.expect("read");
    assert_eq!(read.name, "Ada Lovelace");
    assert_eq!(read.email.as_deref(), Some("ada@example.org"));
    assert_eq!(read.researcher_key.as_deref(), Some("orcid:0000-0001"));
    assert_eq!(read.source_org.as_deref(), Some("DeepMind"));
    assert_eq!(read.career_stage.as_deref(), Some("senior"));
    assert_eq!(read.owner_id, Some(owner.id));
    assert_eq!(read.stage, Stage::Sourced);
    assert_eq!(read.tags, vec!["rl".to_string()]);
    assert_eq!(read.created_at, created.created_at);
    assert_eq!(read.erased_at, None);

    let sent = store
        .add_message(&actor, created.id, Channel::InPerson, "Hello", Some(1_000))
        .await
        .expect("message");
    let messages = store.messages(&actor, created.id).await.expect("messages");
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].channel, Channel::InPerson);
    assert_eq!(messages[0].body, "Hello");
    assert_eq!(messages[0].sent_at, Some(1_000));
    assert_eq!(messages[0].created_by, "olive");
    assert_eq!(messages[0].id, sent.id);

    // The schema's CHECK constraints refuse such names; a damaged or foreign file need not.
    let tamper = async |sql: &'static str| {
        let mut conn = store.db().pool().acquire().await.expect("connection");
        for sql in ["PRAGMA ignore_check_constraints = ON", sql] {
            sqlx::raw_sql(sql)
                .execute(&mut *conn)
                .await
                .expect("tamper");
        }
    };
    tamper("UPDATE messages SET channel = 'pigeon'").await;
    let err = store.messages(&actor, created.id).await;
    assert!(
        matches!(&err, Err(Error::Db(e)) if e.to_string().contains("pigeon")),
        "{err:?}"
    );
    tamper("UPDATE candidates SET stage = 'hired-elsewhere'").await;
    let err = store.get_candidate(&actor, created.id).await;
    assert!(
        matches!(&err, Err(Error::Db(e)) if e.to_string().contains("hired-elsewhere")),
        "{err:?}"
    );
}
