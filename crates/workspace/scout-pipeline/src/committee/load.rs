//! Reading a committee session inside a transaction: the session, its finalists and its votes,
//! and whether a viewer may see identities.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::model::VoteOutcome;
use crate::db::WriteTx;
use crate::error::{Error, Result};
use crate::model::{Actor, Role};

/// A session as stored.
pub(super) struct SessionRow {
    pub(super) id: i64,
    pub(super) title: String,
    pub(super) topic: Option<String>,
    pub(super) blind: bool,
    pub(super) member_cap: i64,
    pub(super) min_votes: i64,
    pub(super) closed: bool,
}

/// A finalist as stored, with the candidate's identity.
pub(super) struct ItemRow {
    pub(super) candidate_id: i64,
    pub(super) alias: String,
    pub(super) withdrawn: bool,
    pub(super) name: String,
    pub(super) source_org: Option<String>,
    pub(super) researcher_key: Option<String>,
    /// The funnel stage, and the committee's career-stage override if any.
    pub(super) stage: String,
    pub(super) career_stage: Option<String>,
}

/// Mapped by hand, like the items below: `blind` is stored as an integer and `closed` (and an
/// item's `withdrawn`) as a nullable time, and the `Any` driver decodes neither as `bool`.
fn session_from_row(r: &AnyRow) -> Result<SessionRow> {
    Ok(SessionRow {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        topic: r.try_get("topic")?,
        blind: r.try_get::<i64, _>("blind")? != 0,
        member_cap: r.try_get("member_cap")?,
        min_votes: r.try_get("min_votes")?,
        closed: r.try_get::<Option<i64>, _>("closed_at")?.is_some(),
    })
}

/// Loads a session; an unknown id is not found.
pub(super) async fn load_session(tx: &mut WriteTx<'_>, id: i64) -> Result<SessionRow> {
    let row = sqlx::query(
        "SELECT id, title, topic, blind, member_cap, min_votes, closed_at FROM arena_sessions WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx.tx)
    .await?
    .ok_or_else(|| Error::NotFound {
        what: "arena session",
        id: id.to_string(),
    })?;
    session_from_row(&row)
}

/// Loads a session's finalists, by alias.
pub(super) async fn load_items(tx: &mut WriteTx<'_>, session: i64) -> Result<Vec<ItemRow>> {
    sqlx::query(
        "SELECT i.candidate_id, i.alias, i.withdrawn_at, c.name, c.source_org, c.researcher_key, \
         c.stage, c.career_stage \
         FROM arena_items i JOIN candidates c ON c.id = i.candidate_id \
         WHERE i.session_id = $1 ORDER BY i.alias",
    )
    .bind(session)
    .fetch_all(&mut *tx.tx)
    .await?
    .iter()
    .map(|r| {
        Ok(ItemRow {
            candidate_id: r.try_get("candidate_id")?,
            alias: r.try_get("alias")?,
            withdrawn: r.try_get::<Option<i64>, _>("withdrawn_at")?.is_some(),
            name: r.try_get("name")?,
            source_org: r.try_get("source_org")?,
            researcher_key: r.try_get("researcher_key")?,
            stage: r.try_get("stage")?,
            career_stage: r.try_get("career_stage")?,
        })
    })
    .collect()
}

/// `(vote_id, voter_id, left_id, right_id, outcome)` of a session, in vote order.
pub(super) async fn load_votes(
    tx: &mut WriteTx<'_>,
    session: i64,
) -> Result<Vec<(i64, i64, i64, i64, VoteOutcome)>> {
    Ok(sqlx::query_as(
        "SELECT id, voter_id, left_id, right_id, outcome FROM arena_votes \
         WHERE session_id = $1 ORDER BY id",
    )
    .bind(session)
    .fetch_all(&mut *tx.tx)
    .await?)
}

/// A candidate's tags, sorted.
pub(super) async fn candidate_tags(tx: &mut WriteTx<'_>, candidate: i64) -> Result<Vec<String>> {
    crate::store::tags_of(&mut tx.tx, candidate).await
}

/// Whether `actor` may see who the finalists are: blinding is off, or the actor is an owner.
pub(super) fn sees_identities(session: &SessionRow, actor: &Actor) -> bool {
    !session.blind || actor.role == Role::Owner
}
