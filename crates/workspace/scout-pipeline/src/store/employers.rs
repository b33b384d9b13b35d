//! Current employers set by the workspace's owners. The corpus infers a researcher's current
//! organisation from papers; an owner who knows better (a move not yet in print) sets it here,
//! and it wins wherever the researcher is shown or filtered (the List, profiles, exports).
//! Every set and clear is audited; on a candidate's erasure, the row of their researcher key goes.

use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};

use super::audited::Entry;
use super::fields::{MAX_NAME, required_text};
use super::handle::Store;
use crate::error::{Error, Result};
use crate::model::{Actor, ser_time};
use crate::time::now_ms;

/// Longest researcher key accepted (the candidates' limit).
const MAX_KEY: usize = 300;

/// One researcher's employer as set by an owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SetEmployer {
    pub researcher_key: String,
    pub organisation: String,
    /// The owner who set it (`None` once that user is gone).
    pub set_by: Option<String>,
    #[serde(serialize_with = "ser_time")]
    #[schemars(with = "String")]
    pub set_at: i64,
}

/// The columns of a set employer, with the setter's name.
macro_rules! select {
    ($tail:literal) => {
        concat!(
            "SELECT e.researcher_key, e.organisation, u.name AS set_by, e.set_at ",
            "FROM set_employers e LEFT JOIN users u ON u.id = e.set_by ",
            $tail
        )
    };
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<SetEmployer> {
    Ok(SetEmployer {
        researcher_key: r.try_get("researcher_key")?,
        organisation: r.try_get("organisation")?,
        set_by: r.try_get("set_by")?,
        set_at: r.try_get("set_at")?,
    })
}

/// The live candidate linked to `key`, so that the audit entry sits with them (their export
/// shows it) and names no key the candidate's erasure would leave behind.
async fn candidate_of(conn: &mut AnyConnection, key: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM candidates WHERE researcher_key = $1 AND erased_at IS NULL ORDER BY id LIMIT 1",
    )
    .bind(key)
    .fetch_optional(conn)
    .await?)
}

/// The audit detail: the organisation, and the researcher key only when no candidate carries
/// the entry (a researcher who is not a candidate is public corpus data).
fn detail(candidate: Option<i64>, key: &str, organisation: Option<&str>) -> serde_json::Value {
    match candidate {
        Some(_) => json!({ "organisation": organisation }),
        None => json!({ "researcher_key": key, "organisation": organisation }),
    }
}

impl Store {
    /// Every employer set, by researcher key.
    pub async fn set_employers(&self) -> Result<Vec<SetEmployer>> {
        let rows = sqlx::query(select!("ORDER BY e.researcher_key"))
            .fetch_all(&self.db.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// The employer set for one researcher, if any.
    pub async fn set_employer_of(&self, key: &str) -> Result<Option<SetEmployer>> {
        let row = sqlx::query(select!("WHERE e.researcher_key = $1"))
            .bind(key)
            .fetch_optional(&self.db.pool)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Sets (or replaces) a researcher's current employer, audited.
    pub async fn set_employer(
        &self,
        actor: &Actor,
        key: &str,
        organisation: &str,
    ) -> Result<SetEmployer> {
        let key = required_text("researcher_key", key, MAX_KEY)?;
        let organisation = required_text("organisation", organisation, MAX_NAME)?;
        let now = now_ms();
        self.audited(&actor.name, async |tx| {
            sqlx::query("DELETE FROM set_employers WHERE researcher_key = $1")
                .bind(&key)
                .execute(&mut *tx.tx)
                .await?;
            sqlx::query(
                "INSERT INTO set_employers (researcher_key, organisation, set_by, set_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&key)
            .bind(&organisation)
            .bind(actor.user_id)
            .bind(now)
            .execute(&mut *tx.tx)
            .await?;
            let candidate = candidate_of(&mut tx.tx, &key).await?;
            let entry = Entry::new(
                "employer.set",
                candidate,
                detail(candidate, &key, Some(&organisation)),
            );
            Ok((
                SetEmployer {
                    researcher_key: key.clone(),
                    organisation: organisation.clone(),
                    set_by: Some(actor.name.clone()),
                    set_at: now,
                },
                entry,
            ))
        })
        .await
    }

    /// Removes a researcher's set employer (the corpus's inference shows again), audited.
    pub async fn clear_employer(&self, actor: &Actor, key: &str) -> Result<()> {
        let key = key.trim().to_string();
        self.audited(&actor.name, async |tx| {
            let removed = sqlx::query("DELETE FROM set_employers WHERE researcher_key = $1")
                .bind(&key)
                .execute(&mut *tx.tx)
                .await?
                .rows_affected();
            if removed == 0 {
                return Err(Error::NotFound {
                    what: "set employer",
                    id: key.clone(),
                });
            }
            let candidate = candidate_of(&mut tx.tx, &key).await?;
            Ok((
                (),
                Entry::new("employer.clear", candidate, detail(candidate, &key, None)),
            ))
        })
        .await
    }
}

/// Deletes the set employer of an erased candidate's researcher key inside the erasure's
/// transaction; the number of rows removed.
pub(super) async fn erase_set_employer(conn: &mut AnyConnection, key: &str) -> Result<i64> {
    let n = sqlx::query("DELETE FROM set_employers WHERE researcher_key = $1")
        .bind(key)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The set employer for a person export.
pub(super) async fn set_employer_for_export(
    conn: &mut AnyConnection,
    key: Option<&str>,
) -> Result<Option<SetEmployer>> {
    let Some(key) = key else {
        return Ok(None);
    };
    let row = sqlx::query(select!("WHERE e.researcher_key = $1"))
        .bind(key)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}
