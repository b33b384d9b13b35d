//! What several aggregates read before they act: a candidate (with the candidate columns,
//! shared as the `cand_cols!` macro), its tags, and whether a user exists.

use sqlx::AnyConnection;

use crate::error::{Error, Result};
use crate::model::Candidate;

/// The candidate columns, for `SELECT … FROM candidates c`.
macro_rules! cand_cols {
    () => {
        "c.id, c.name, c.email, c.researcher_key, c.source_org, c.identity_note, c.stage, \
         c.career_stage, c.owner_id, c.stage_entered_at, c.created_at, c.updated_at, c.erased_at, c.merged_into"
    };
}

pub(super) use cand_cols;

/// Loads a candidate with its tags; an erased candidate is not found, and a merged one is
/// [`Error::Merged`], unless `include_erased`.
pub(super) async fn load_candidate(
    conn: &mut AnyConnection,
    id: i64,
    include_erased: bool,
) -> Result<Candidate> {
    let mut c: Candidate = sqlx::query_as(concat!(
        "SELECT ",
        cand_cols!(),
        " FROM candidates c WHERE c.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found("candidate", id))?;
    if c.erased_at.is_some() && !include_erased {
        return Err(Error::not_found("candidate", id));
    }
    if let Some(into) = c.merged_into
        && !include_erased
    {
        return Err(Error::Merged { id, into });
    }
    c.tags = tags_of(conn, id).await?;
    Ok(c)
}

/// A candidate's tags, sorted.
pub(crate) async fn tags_of(conn: &mut AnyConnection, id: i64) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT tag FROM candidate_tags WHERE candidate_id = $1 ORDER BY tag")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?,
    )
}

/// Refuses an id that names no user.
pub(super) async fn check_user_exists(conn: &mut AnyConnection, id: i64) -> Result<()> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    if n == 0 {
        return Err(Error::Invalid(format!("no user with id {id}")));
    }
    Ok(())
}
