//! The pipeline's operations over the database, one file per aggregate. Every change, and
//! every read of a candidate, runs in one audited transaction (`Store::audited`: begin, act,
//! append the audit entry, commit), so nothing is half-written and nothing happens unaudited.
//!
//! * `users`: users, login sessions and API tokens.
//! * `candidates`: candidates, their stages, tags and notes, and the per-person export.
//! * `offers`: offers and counteroffers.
//! * `messages`: messages and meetings.
//! * `analytics_input`, `pipeline_export`, `stage_overrides`: whole-pipeline reads.
//! * `erasure`: erasing a person, and the erasure ledger.
//! * `audited`: the audited transaction and the audit log; `rows`: stored rows to model types.
//!
//! This file holds the [`Store`] itself and what the aggregates share: the text checks, the
//! candidate columns and loading a candidate.

use sqlx::AnyConnection;

use crate::db::{Db, StoreConfig};
use crate::error::{Error, Result};
use crate::model::Candidate;
use crate::text::Lines;
use scout_corpus::researchers::CareerStage;

/// Limits on free-text fields.
const MAX_NAME: usize = 200;
const MAX_TEXT: usize = 20_000;

macro_rules! cand_cols {
    () => {
        "c.id, c.name, c.email, c.researcher_key, c.source_org, c.stage, c.career_stage, \
         c.owner_id, c.stage_entered_at, c.created_at, c.updated_at, c.erased_at"
    };
}

macro_rules! cand_filter {
    () => {
        " FROM candidates c WHERE c.erased_at IS NULL \
          AND (CAST($1 AS TEXT) IS NULL OR c.stage = $1) \
          AND (CAST($2 AS BIGINT) IS NULL OR c.owner_id = $2) \
          AND (CAST($3 AS TEXT) IS NULL OR EXISTS \
               (SELECT 1 FROM candidate_tags t WHERE t.candidate_id = c.id AND t.tag = $3)) \
          ORDER BY c.id LIMIT $4 OFFSET $5"
    };
}

// After the column macros, which they use.
mod analytics_input;
mod audited;
mod candidates;
pub use candidates::LikelyDuplicate;
pub mod erasure;
mod messages;
mod offers;
mod pipeline_export;
mod rows;
mod stage_overrides;
mod users;

pub(crate) use audited::{Entry, audit};
pub use erasure::ErasureReport;
pub use pipeline_export::{ExportedCandidate, ExportedCompensation, PipelineExport};
pub use users::{NewSession, SessionInfo};

/// Trims and checks a required one-line text field (see `text`).
pub(crate) fn required_text(field: &str, v: &str, max: usize) -> Result<String> {
    crate::text::required(field, v, max, Lines::One)
}

/// Trims an optional one-line text field; empty means absent.
fn optional_text(field: &str, v: Option<&str>, max: usize) -> Result<Option<String>> {
    crate::text::optional(field, v, max, Lines::One)
}

/// A required text that may span lines (notes, messages, reasons).
fn required_lines(field: &str, v: &str, max: usize) -> Result<String> {
    crate::text::required(field, v, max, Lines::Many)
}

/// An optional text that may span lines.
fn optional_lines(field: &str, v: Option<&str>, max: usize) -> Result<Option<String>> {
    crate::text::optional(field, v, max, Lines::Many)
}

/// A career-stage override: a [`CareerStage`] (the type the corpus estimates and the List
/// filters by), stored in its lowercase name, or empty for none.
fn career_stage(v: Option<&str>) -> Result<Option<String>> {
    let Some(s) = v.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    match CareerStage::parse(s) {
        Some(stage) => Ok(Some(stage.as_str().to_string())),
        None => Err(Error::Invalid(format!(
            "career_stage must be one of early, mid, senior (or empty to remove it), not {:?}",
            s.to_ascii_lowercase()
        ))),
    }
}

fn clean_tag(tag: &str) -> Result<String> {
    Ok(required_text("tag", tag, 64)?.to_lowercase())
}

async fn load_candidate(
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
    c.tags =
        sqlx::query_scalar("SELECT tag FROM candidate_tags WHERE candidate_id = $1 ORDER BY tag")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    Ok(c)
}

async fn check_user_exists(conn: &mut AnyConnection, id: i64) -> Result<()> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    if n == 0 {
        return Err(Error::Invalid(format!("no user with id {id}")));
    }
    Ok(())
}

/// The pipeline store.
pub struct Store {
    db: Db,
    /// The erasure ledger (`erasure`), if any.
    ledger: Option<std::path::PathBuf>,
}

impl Store {
    /// Opens (and migrates) the database at `config.url`, then re-applies the erasures of the
    /// ledger the database does not show (after a restore), before anyone can read it.
    pub async fn open(config: &StoreConfig) -> Result<Store> {
        let store = Store {
            db: Db::open(config).await?,
            ledger: config
                .erasure_ledger
                .clone()
                .or_else(|| erasure::default_ledger(&config.url)),
        };
        let again = store.reapply_erasures().await?;
        if !again.is_empty() {
            eprintln!(
                "note: re-applied {} erasure(s) from the erasure ledger (a restored backup): candidates {:?}",
                again.len(),
                again
            );
        }
        Ok(store)
    }

    /// The erasure ledger's path.
    pub fn ledger(&self) -> Option<&std::path::Path> {
        self.ledger.as_deref()
    }

    pub fn db(&self) -> &Db {
        &self.db
    }
}
