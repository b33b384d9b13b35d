//! The pipeline's operations over the database. Every change, and every read of a candidate,
//! runs in one transaction together with its audit entry, so nothing is half-written and
//! nothing happens unaudited.

use serde_json::{Value, json};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::audit::{AuditEntry, GENESIS, Verifier, VerifyReport, entry_hash};
use crate::db::{Db, Dialect, StoreConfig, WriteTx};
use crate::error::{Error, Result};
use crate::model::*;
use crate::offer::OfferTerms;
use crate::secret;
use crate::stage::Stage;
use crate::text::Lines;
use crate::time::now_ms;
use scout_corpus::researchers::CareerStage;

/// A newly created login session (the token goes into the cookie; only its hash is stored).
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: i64,
}

/// A valid session.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: i64,
}

/// What an erasure removed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ErasureReport {
    pub candidate_id: i64,
    pub notes_removed: i64,
    pub messages_removed: i64,
    pub meetings_removed: i64,
    pub tags_removed: i64,
}

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

// After the column macros, which it uses.
pub mod erasure;
mod pipeline_export;
mod stage_overrides;
pub use pipeline_export::{ExportedCandidate, ExportedCompensation, PipelineExport};

fn parse_col<T: std::str::FromStr<Err = String>>(row: &AnyRow, col: &str) -> Result<T> {
    let s: String = row.try_get(col)?;
    s.parse()
        .map_err(|e: String| Error::Invalid(format!("stored {col}: {e}")))
}

fn candidate_from_row(row: &AnyRow) -> Result<Candidate> {
    Ok(Candidate {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        researcher_key: row.try_get("researcher_key")?,
        source_org: row.try_get("source_org")?,
        stage: parse_col(row, "stage")?,
        career_stage: row.try_get("career_stage")?,
        owner_id: row.try_get("owner_id")?,
        tags: Vec::new(),
        stage_entered_at: row.try_get("stage_entered_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        erased_at: row.try_get("erased_at")?,
    })
}

fn user_from_row(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: parse_col(row, "role")?,
        created_at: row.try_get("created_at")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
    })
}

fn offer_from_row(row: &AnyRow) -> Result<Offer> {
    let terms = OfferTerms {
        currency: row.try_get("currency")?,
        base: row.try_get("base")?,
        bonus: row.try_get("bonus")?,
        sign_on: row.try_get("sign_on")?,
        equity: row.try_get("equity")?,
        vesting_months: row.try_get("vesting_months")?,
        cliff_months: row.try_get("cliff_months")?,
    };
    Ok(Offer {
        id: row.try_get("id")?,
        candidate_id: row.try_get("candidate_id")?,
        revision: row.try_get("revision")?,
        period_months: terms.period_months(),
        total_value: row.try_get("total_value")?,
        annualised_value: terms.annualised_value(),
        terms,
        note: row.try_get("note")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

fn counteroffer_from_row(row: &AnyRow) -> Result<Counteroffer> {
    Ok(Counteroffer {
        id: row.try_get("id")?,
        candidate_id: row.try_get("candidate_id")?,
        rival_org: row.try_get("rival_org")?,
        currency: row.try_get("currency")?,
        value: row.try_get("value")?,
        note: row.try_get("note")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

fn message_from_row(row: &AnyRow) -> Result<Message> {
    Ok(Message {
        id: row.try_get("id")?,
        candidate_id: row.try_get("candidate_id")?,
        channel: parse_col(row, "channel")?,
        body: row.try_get("body")?,
        sent_at: row.try_get("sent_at")?,
        reply: row.try_get("reply")?,
        replied_at: row.try_get("replied_at")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

fn meeting_from_row(row: &AnyRow) -> Result<Meeting> {
    let attendees: String = row.try_get("attendees")?;
    let zone_name: String = row.try_get("time_zone")?;
    let zone = crate::tz::Zone::get(&zone_name)
        .map_err(|e| Error::Invalid(format!("stored time_zone: {e}")))?;
    let starts_at: i64 = row.try_get("starts_at")?;
    let duration_minutes: i64 = row.try_get("duration_minutes")?;
    let ends_at = starts_at + duration_minutes * 60_000;
    Ok(Meeting {
        id: row.try_get("id")?,
        candidate_id: row.try_get("candidate_id")?,
        title: row.try_get("title")?,
        starts_at,
        ends_at,
        duration_minutes,
        starts_local: local_rfc3339(&zone, starts_at)?,
        ends_local: local_rfc3339(&zone, ends_at)?,
        time_zone: zone.name().to_string(),
        place: row.try_get("place")?,
        attendees: serde_json::from_str(&attendees)
            .map_err(|e| Error::Invalid(format!("stored attendees: {e}")))?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

fn audit_from_row(row: &AnyRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        candidate_id: row.try_get("candidate_id")?,
        detail: row.try_get("detail")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

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

/// Appends one audit entry inside `tx`.
pub(crate) async fn audit(
    tx: &mut WriteTx<'_>,
    actor: &str,
    action: &str,
    candidate_id: Option<i64>,
    detail: Value,
) -> Result<()> {
    if tx.dialect == Dialect::Postgres {
        // Concurrent transactions must append one after the other.
        sqlx::query("LOCK TABLE audit_log IN EXCLUSIVE MODE")
            .execute(&mut *tx.tx)
            .await?;
    }
    let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *tx.tx)
        .await?;
    let (seq, prev) = match last {
        Some(row) => (
            row.try_get::<i64, _>("seq")? + 1,
            row.try_get::<String, _>("hash")?,
        ),
        None => (1, GENESIS.to_string()),
    };
    let at = now_ms();
    let detail = detail.to_string();
    let hash = entry_hash(&prev, seq, at, actor, action, candidate_id, &detail);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, candidate_id, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(seq)
    .bind(at)
    .bind(actor)
    .bind(action)
    .bind(candidate_id)
    .bind(detail)
    .bind(prev)
    .bind(hash)
    .execute(&mut *tx.tx)
    .await?;
    Ok(())
}

/// The audit entry an operation appends: what was done, to which candidate, and the detail.
pub(crate) struct Entry<'a> {
    action: &'a str,
    candidate_id: Option<i64>,
    detail: Value,
}

impl<'a> Entry<'a> {
    pub(crate) fn new(action: &'a str, candidate_id: Option<i64>, detail: Value) -> Entry<'a> {
        Entry {
            action,
            candidate_id,
            detail,
        }
    }
}

impl Store {
    /// Runs one audited transaction: begins a write, runs `act`, appends the audit entry it
    /// returns (none when it returns `None`) as `actor`, and commits. An error from `act` or the
    /// audit rolls everything back, so nothing is half-written and nothing happens unaudited.
    pub(crate) async fn audited<'e, T, A>(
        &self,
        actor: &str,
        act: impl AsyncFnOnce(&mut WriteTx<'_>) -> Result<(T, A)>,
    ) -> Result<T>
    where
        A: Into<Option<Entry<'e>>>,
    {
        let mut tx = self.db.begin_write().await?;
        let (out, entry) = act(&mut tx).await?;
        if let Some(e) = entry.into() {
            audit(&mut tx, actor, e.action, e.candidate_id, e.detail).await?;
        }
        tx.commit().await?;
        Ok(out)
    }

    /// An audited read of one (not erased) candidate's records: `read` runs after the candidate
    /// is checked, and the entry is `action` on the candidate with an empty detail.
    async fn candidate_read<T>(
        &self,
        actor: &Actor,
        id: i64,
        action: &str,
        read: impl AsyncFnOnce(&mut AnyConnection, i64) -> Result<T>,
    ) -> Result<T> {
        self.audited(&actor.name, async |tx| {
            load_candidate(&mut tx.tx, id, false).await?;
            Ok((
                read(&mut tx.tx, id).await?,
                Entry::new(action, Some(id), json!({})),
            ))
        })
        .await
    }
}

async fn load_candidate(
    conn: &mut AnyConnection,
    id: i64,
    include_erased: bool,
) -> Result<Candidate> {
    let row = sqlx::query(concat!(
        "SELECT ",
        cand_cols!(),
        " FROM candidates c WHERE c.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::not_found("candidate", id))?;
    let mut c = candidate_from_row(&row)?;
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

    // ----- users -------------------------------------------------------------------------

    pub async fn user_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.db.pool)
            .await?)
    }

    /// Creates a user with an already hashed password.
    pub async fn create_user(
        &self,
        actor: &str,
        name: &str,
        role: Role,
        password_hash: &str,
    ) -> Result<User> {
        let name = required_text("name", name, 64)?;
        if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::Invalid("user name must not contain spaces".into()));
        }
        self.audited(actor, async |tx| {
            let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE name = $1")
                .bind(&name)
                .fetch_one(&mut *tx.tx)
                .await?;
            if exists > 0 {
                return Err(Error::Conflict(format!("user {name:?} already exists")));
            }
            let now = now_ms();
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (name, role, password_hash, created_at, disabled) \
                 VALUES ($1, $2, $3, $4, 0) RETURNING id",
            )
            .bind(&name)
            .bind(role.as_str())
            .bind(password_hash)
            .bind(now)
            .fetch_one(&mut *tx.tx)
            .await?;
            let detail = json!({"user_id": id, "name": name, "role": role});
            let user = User {
                id,
                name: name.clone(),
                role,
                created_at: now,
                disabled: false,
            };
            Ok((user, Entry::new("user.create", None, detail)))
        })
        .await
    }

    /// A user and their password hash, by name.
    pub async fn user_with_hash(&self, name: &str) -> Result<Option<(User, String)>> {
        let row = sqlx::query(
            "SELECT id, name, role, created_at, disabled, password_hash FROM users WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(&self.db.pool)
        .await?;
        row.map(|r| Ok((user_from_row(&r)?, r.try_get("password_hash")?)))
            .transpose()
    }

    pub async fn user(&self, id: i64) -> Result<User> {
        let row =
            sqlx::query("SELECT id, name, role, created_at, disabled FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.db.pool)
                .await?
                .ok_or_else(|| Error::not_found("user", id))?;
        user_from_row(&row)
    }

    pub async fn list_users(&self) -> Result<Vec<User>> {
        sqlx::query("SELECT id, name, role, created_at, disabled FROM users ORDER BY id")
            .fetch_all(&self.db.pool)
            .await?
            .iter()
            .map(user_from_row)
            .collect()
    }

    /// Disables a user: ends their sessions and revokes their tokens.
    pub async fn disable_user(&self, actor: &Actor, id: i64) -> Result<User> {
        if actor.user_id == id {
            return Err(Error::Conflict("you cannot disable yourself".into()));
        }
        self.audited(&actor.name, async |tx| {
            let now = now_ms();
            let n = sqlx::query("UPDATE users SET disabled = 1 WHERE id = $1")
                .bind(id)
                .execute(&mut *tx.tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(Error::not_found("user", id));
            }
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx.tx)
                .await?;
            sqlx::query(
                "UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx.tx)
            .await?;
            Ok(((), Entry::new("user.disable", None, json!({"user_id": id}))))
        })
        .await?;
        self.user(id).await
    }

    // ----- sessions and tokens -----------------------------------------------------------

    pub async fn create_session(&self, user: &User, ttl_ms: i64) -> Result<NewSession> {
        let token = secret::random_token("")?;
        let csrf_token = secret::random_token("")?;
        let now = now_ms();
        let expires_at = now.saturating_add(ttl_ms);
        self.audited(&user.name, async |tx| {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                .bind(now)
                .execute(&mut *tx.tx)
                .await?;
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(secret::token_hash(&token))
            .bind(user.id)
            .bind(&csrf_token)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx.tx)
            .await?;
            let detail = json!({"user_id": user.id});
            Ok(((), Entry::new("session.login", None, detail)))
        })
        .await?;
        Ok(NewSession {
            token,
            csrf_token,
            expires_at,
        })
    }

    /// The session for a cookie token, if it exists, has not expired and its user is enabled.
    pub async fn session(&self, token: &str) -> Result<Option<SessionInfo>> {
        let row = sqlx::query(
            "SELECT u.id, u.name, u.role, u.created_at, u.disabled, s.csrf_token, s.expires_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
        )
        .bind(secret::token_hash(token))
        .bind(now_ms())
        .fetch_optional(&self.db.pool)
        .await?;
        row.map(|r| {
            Ok(SessionInfo {
                user: user_from_row(&r)?,
                csrf_token: r.try_get("csrf_token")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    pub async fn delete_session(&self, actor: &Actor, token: &str) -> Result<()> {
        self.audited(&actor.name, async |tx| {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(secret::token_hash(token))
                .execute(&mut *tx.tx)
                .await?;
            Ok(((), Entry::new("session.logout", None, json!({}))))
        })
        .await
    }

    /// Creates an API token for `user_id`; returns its metadata and the token (shown once).
    pub async fn create_token(
        &self,
        actor: &str,
        user_id: i64,
        label: &str,
    ) -> Result<(TokenInfo, String)> {
        let label = required_text("label", label, 100)?;
        let token = secret::random_token("scout_")?;
        let now = now_ms();
        let id = self
            .audited(actor, async |tx| {
                check_user_exists(&mut tx.tx, user_id).await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO api_tokens (user_id, label, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(user_id)
                .bind(&label)
                .bind(secret::token_hash(&token))
                .bind(now)
                .fetch_one(&mut *tx.tx)
                .await?;
                let detail = json!({"token_id": id, "user_id": user_id});
                Ok((id, Entry::new("token.create", None, detail)))
            })
            .await?;
        Ok((
            TokenInfo {
                id,
                user_id,
                label,
                created_at: now,
                revoked_at: None,
            },
            token,
        ))
    }

    /// The user of a valid (unrevoked) API token.
    pub async fn token_user(&self, token: &str) -> Result<Option<User>> {
        let row = sqlx::query(
            "SELECT u.id, u.name, u.role, u.created_at, u.disabled \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = 0",
        )
        .bind(secret::token_hash(token))
        .fetch_optional(&self.db.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Tokens of one user, or of everyone (`None`).
    pub async fn list_tokens(&self, user_id: Option<i64>) -> Result<Vec<TokenInfo>> {
        let rows = sqlx::query(
            "SELECT id, user_id, label, created_at, revoked_at FROM api_tokens \
             WHERE CAST($1 AS BIGINT) IS NULL OR user_id = $1 ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TokenInfo {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    label: r.try_get("label")?,
                    created_at: r.try_get("created_at")?,
                    revoked_at: r.try_get("revoked_at")?,
                })
            })
            .collect()
    }

    /// Revokes a token. Non-owners may revoke only their own.
    pub async fn revoke_token(&self, actor: &Actor, token_id: i64) -> Result<()> {
        self.audited(&actor.name, async |tx| {
            let owner: Option<i64> =
                sqlx::query_scalar("SELECT user_id FROM api_tokens WHERE id = $1")
                    .bind(token_id)
                    .fetch_optional(&mut *tx.tx)
                    .await?;
            match owner {
                None => return Err(Error::not_found("token", token_id)),
                Some(u) if u != actor.user_id && actor.role != Role::Owner => {
                    return Err(Error::not_found("token", token_id));
                }
                Some(_) => {}
            }
            sqlx::query(
                "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            )
            .bind(token_id)
            .bind(now_ms())
            .execute(&mut *tx.tx)
            .await?;
            let detail = json!({"token_id": token_id});
            Ok(((), Entry::new("token.revoke", None, detail)))
        })
        .await
    }

    // ----- candidates --------------------------------------------------------------------

    pub async fn create_candidate(&self, actor: &Actor, new: &NewCandidate) -> Result<Candidate> {
        let name = required_text("name", &new.name, MAX_NAME)?;
        let email = crate::text::email(new.email.as_deref())?;
        let key = optional_text("researcher_key", new.researcher_key.as_deref(), 300)?;
        let org = optional_text("source_org", new.source_org.as_deref(), 300)?;
        let stage_override = career_stage(new.career_stage.as_deref())?;
        let tags = new
            .tags
            .iter()
            .map(|t| clean_tag(t))
            .collect::<Result<Vec<_>>>()?;
        let now = now_ms();
        self.audited(&actor.name, async |tx| {
            if let Some(owner) = new.owner_id {
                check_user_exists(&mut tx.tx, owner).await?;
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO candidates (name, email, researcher_key, source_org, stage, owner_id, \
                 stage_entered_at, created_at, updated_at, career_stage) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7, $8) RETURNING id",
            )
            .bind(&name)
            .bind(email)
            .bind(key)
            .bind(org)
            .bind(Stage::Sourced.as_str())
            .bind(new.owner_id)
            .bind(now)
            .bind(stage_override)
            .fetch_one(&mut *tx.tx)
            .await?;
            sqlx::query(
                "INSERT INTO stage_history (candidate_id, from_stage, to_stage, reason, moved_by, moved_at) \
                 VALUES ($1, NULL, $2, NULL, $3, $4)",
            )
            .bind(id)
            .bind(Stage::Sourced.as_str())
            .bind(actor.user_id)
            .bind(now)
            .execute(&mut *tx.tx)
            .await?;
            for tag in &tags {
                sqlx::query("INSERT INTO candidate_tags (candidate_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id)
                    .bind(tag)
                    .execute(&mut *tx.tx)
                    .await?;
            }
            let c = load_candidate(&mut tx.tx, id, false).await?;
            Ok((c, Entry::new("candidate.create", Some(id), json!({}))))
        })
        .await
    }

    pub async fn list_candidates(
        &self,
        actor: &Actor,
        filter: &CandidateFilter,
    ) -> Result<Vec<Candidate>> {
        let limit = filter.limit.unwrap_or(100).clamp(1, 1000);
        let offset = filter.offset.unwrap_or(0).max(0);
        let stage = filter.stage.map(Stage::as_str);
        let tag = filter.tag.as_deref().map(clean_tag).transpose()?;
        self.audited(&actor.name, async |tx| {
            let rows = sqlx::query(concat!("SELECT ", cand_cols!(), cand_filter!()))
                .bind(stage)
                .bind(filter.owner_id)
                .bind(tag.clone())
                .bind(limit)
                .bind(offset)
                .fetch_all(&mut *tx.tx)
                .await?;
            let mut out = rows
                .iter()
                .map(candidate_from_row)
                .collect::<Result<Vec<_>>>()?;
            let tag_rows = sqlx::query(concat!(
                "SELECT candidate_id, tag FROM candidate_tags WHERE candidate_id IN (SELECT c.id",
                cand_filter!(),
                ") ORDER BY candidate_id, tag"
            ))
            .bind(stage)
            .bind(filter.owner_id)
            .bind(tag)
            .bind(limit)
            .bind(offset)
            .fetch_all(&mut *tx.tx)
            .await?;
            let index: std::collections::HashMap<i64, usize> =
                out.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
            for r in &tag_rows {
                let cid: i64 = r.try_get("candidate_id")?;
                if let Some(&i) = index.get(&cid) {
                    out[i].tags.push(r.try_get("tag")?);
                }
            }
            let ids: Vec<i64> = out.iter().map(|c| c.id).collect();
            Ok((out, Entry::new("candidate.list", None, json!({"ids": ids}))))
        })
        .await
    }

    /// Reads one candidate (audited).
    pub async fn get_candidate(&self, actor: &Actor, id: i64) -> Result<Candidate> {
        self.audited(&actor.name, async |tx| {
            let c = load_candidate(&mut tx.tx, id, false).await?;
            Ok((c, Entry::new("candidate.read", Some(id), json!({}))))
        })
        .await
    }

    pub async fn update_candidate(
        &self,
        actor: &Actor,
        id: i64,
        patch: &CandidatePatch,
    ) -> Result<Candidate> {
        self.audited(&actor.name, async |tx| {
            let mut c = load_candidate(&mut tx.tx, id, false).await?;
            let mut changed = Vec::new();
            if let Some(n) = &patch.name {
                c.name = required_text("name", n, MAX_NAME)?;
                changed.push("name");
            }
            if let Some(v) = &patch.email {
                c.email = crate::text::email(Some(v))?;
                changed.push("email");
            }
            if let Some(v) = &patch.researcher_key {
                c.researcher_key = optional_text("researcher_key", Some(v), 300)?;
                changed.push("researcher_key");
            }
            if let Some(v) = &patch.source_org {
                c.source_org = optional_text("source_org", Some(v), 300)?;
                changed.push("source_org");
            }
            if let Some(v) = &patch.career_stage {
                c.career_stage = career_stage(Some(v))?;
                changed.push("career_stage");
            }
            if let Some(o) = patch.owner_id {
                if o == 0 {
                    c.owner_id = None;
                } else {
                    check_user_exists(&mut tx.tx, o).await?;
                    c.owner_id = Some(o);
                }
                changed.push("owner_id");
            }
            let now = now_ms();
            sqlx::query(
            "UPDATE candidates SET name = $2, email = $3, researcher_key = $4, source_org = $5, \
             owner_id = $6, updated_at = $7, career_stage = $8 WHERE id = $1",
        )
        .bind(id)
        .bind(&c.name)
        .bind(c.email.clone())
        .bind(c.researcher_key.clone())
        .bind(c.source_org.clone())
        .bind(c.owner_id)
        .bind(now)
        .bind(c.career_stage.clone())
        .execute(&mut *tx.tx)
        .await?;
            c.updated_at = now;
            let detail = json!({"fields": changed});
            Ok((c, Entry::new("candidate.update", Some(id), detail)))
        })
        .await
    }

    /// Moves a candidate to another stage, enforcing the transition table.
    pub async fn move_stage(
        &self,
        actor: &Actor,
        id: i64,
        to: Stage,
        reason: Option<&str>,
    ) -> Result<Candidate> {
        let reason = optional_lines("reason", reason, 2000)?;
        self.audited(&actor.name, async |tx| {
            let mut c = load_candidate(&mut tx.tx, id, false).await?;
            let from = c.stage;
            if !from.can_move_to(to) {
                let allowed = from
                    .allowed_next()
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>();
                return Err(Error::IllegalMove {
                    from,
                    to,
                    allowed: if allowed.is_empty() {
                        "nothing (final stage)".into()
                    } else {
                        allowed.join(", ")
                    },
                });
            }
            let now = now_ms();
            let n = sqlx::query(
                "UPDATE candidates SET stage = $2, stage_entered_at = $3, updated_at = $3 WHERE id = $1 AND stage = $4",
            )
            .bind(id)
            .bind(to.as_str())
            .bind(now)
            .bind(from.as_str())
            .execute(&mut *tx.tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(Error::Conflict(format!(
                    "candidate {id} was moved by someone else; reload and try again"
                )));
            }
            sqlx::query(
                "INSERT INTO stage_history (candidate_id, from_stage, to_stage, reason, moved_by, moved_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(from.as_str())
            .bind(to.as_str())
            .bind(reason)
            .bind(actor.user_id)
            .bind(now)
            .execute(&mut *tx.tx)
            .await?;
            c.stage = to;
            c.stage_entered_at = now;
            c.updated_at = now;
            let detail = json!({"from": from, "to": to});
            Ok((c, Entry::new("candidate.stage", Some(id), detail)))
        })
        .await
    }

    /// Records the decision: a move to `accepted`, `declined` or `withdrawn` with a reason.
    pub async fn decide(
        &self,
        actor: &Actor,
        id: i64,
        outcome: Stage,
        reason: &str,
    ) -> Result<Candidate> {
        if !outcome.is_outcome() {
            return Err(Error::Invalid(format!(
                "a decision is accepted, declined or withdrawn, not {outcome}"
            )));
        }
        let reason = required_lines("reason", reason, 2000)?;
        self.move_stage(actor, id, outcome, Some(&reason)).await
    }

    pub async fn history(&self, actor: &Actor, id: i64) -> Result<Vec<StageMove>> {
        self.candidate_read(actor, id, "candidate.read_history", stage_moves_of)
            .await
    }
}

/// A candidate's stage moves, oldest first.
async fn stage_moves_of(conn: &mut AnyConnection, id: i64) -> Result<Vec<StageMove>> {
    let rows = sqlx::query(
            "SELECT h.id, h.candidate_id, h.from_stage, h.to_stage, h.reason, u.name AS moved_by, h.moved_at \
             FROM stage_history h JOIN users u ON u.id = h.moved_by WHERE h.candidate_id = $1 ORDER BY h.id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let from: Option<String> = r.try_get("from_stage")?;
            Ok(StageMove {
                id: r.try_get("id")?,
                candidate_id: r.try_get("candidate_id")?,
                from: from
                    .map(|s| s.parse().map_err(Error::Invalid))
                    .transpose()?,
                to: parse_col(r, "to_stage")?,
                reason: r.try_get("reason")?,
                moved_by: r.try_get("moved_by")?,
                moved_at: r.try_get("moved_at")?,
            })
        })
        .collect()
}

impl Store {
    pub async fn add_tag(&self, actor: &Actor, id: i64, tag: &str) -> Result<Candidate> {
        let tag = clean_tag(tag)?;
        self.audited(&actor.name, async |tx| {
            load_candidate(&mut tx.tx, id, false).await?;
            sqlx::query(
                "INSERT INTO candidate_tags (candidate_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(&tag)
            .execute(&mut *tx.tx)
            .await?;
            let detail = erasure::tag_audit_detail(tx, id, &tag).await?;
            let c = load_candidate(&mut tx.tx, id, false).await?;
            Ok((c, Entry::new("candidate.tag_add", Some(id), detail)))
        })
        .await
    }

    pub async fn remove_tag(&self, actor: &Actor, id: i64, tag: &str) -> Result<Candidate> {
        let tag = clean_tag(tag)?;
        self.audited(&actor.name, async |tx| {
            load_candidate(&mut tx.tx, id, false).await?;
            let n = sqlx::query("DELETE FROM candidate_tags WHERE candidate_id = $1 AND tag = $2")
                .bind(id)
                .bind(&tag)
                .execute(&mut *tx.tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(Error::not_found("tag", &tag));
            }
            let detail = erasure::tag_audit_detail(tx, id, &tag).await?;
            let c = load_candidate(&mut tx.tx, id, false).await?;
            Ok((c, Entry::new("candidate.tag_remove", Some(id), detail)))
        })
        .await
    }

    // ----- notes -------------------------------------------------------------------------

    pub async fn add_note(&self, actor: &Actor, id: i64, body: &str) -> Result<Note> {
        let body = required_lines("body", body, MAX_TEXT)?;
        let now = now_ms();
        let nid = self
            .audited(&actor.name, async |tx| {
                load_candidate(&mut tx.tx, id, false).await?;
                let nid: i64 = sqlx::query_scalar(
                    "INSERT INTO notes (candidate_id, author_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(id)
                .bind(actor.user_id)
                .bind(&body)
                .bind(now)
                .fetch_one(&mut *tx.tx)
                .await?;
                let detail = json!({"note_id": nid});
                Ok((nid, Entry::new("note.create", Some(id), detail)))
            })
            .await?;
        Ok(Note {
            id: nid,
            candidate_id: id,
            author: actor.name.clone(),
            body,
            created_at: now,
        })
    }

    pub async fn notes(&self, actor: &Actor, id: i64) -> Result<Vec<Note>> {
        self.candidate_read(actor, id, "note.read", notes_of).await
    }

    // ----- offers and counteroffers ------------------------------------------------------

    /// Adds a new offer revision (revision 1 is the first offer).
    pub async fn add_offer(
        &self,
        actor: &Actor,
        id: i64,
        terms: &OfferTerms,
        note: Option<&str>,
    ) -> Result<Offer> {
        terms.validate()?;
        let note = optional_lines("note", note, MAX_TEXT)?;
        let now = now_ms();
        let (oid, revision) = self
            .audited(&actor.name, async |tx| {
                let c = load_candidate(&mut tx.tx, id, false).await?;
                if c.stage.is_outcome() {
                    return Err(Error::Conflict(format!(
                        "candidate {id} is {}; offers are closed",
                        c.stage
                    )));
                }
                let last: i64 = sqlx::query_scalar(
                    "SELECT COALESCE(MAX(revision), 0) FROM offers WHERE candidate_id = $1",
                )
                .bind(id)
                .fetch_one(&mut *tx.tx)
                .await?;
                let revision = last + 1;
                let oid: i64 = sqlx::query_scalar(
            "INSERT INTO offers (candidate_id, revision, currency, base, bonus, sign_on, equity, \
             vesting_months, cliff_months, total_value, note, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(id)
        .bind(revision)
        .bind(&terms.currency)
        .bind(terms.base)
        .bind(terms.bonus)
        .bind(terms.sign_on)
        .bind(terms.equity)
        .bind(terms.vesting_months)
        .bind(terms.cliff_months)
        .bind(terms.total_value())
        .bind(note.clone())
        .bind(actor.user_id)
        .bind(now)
        .fetch_one(&mut *tx.tx)
        .await?;
                let detail = json!({"offer_id": oid, "revision": revision});
                Ok((
                    (oid, revision),
                    Entry::new("offer.create", Some(id), detail),
                ))
            })
            .await?;
        Ok(Offer {
            id: oid,
            candidate_id: id,
            revision,
            period_months: terms.period_months(),
            total_value: terms.total_value(),
            annualised_value: terms.annualised_value(),
            terms: terms.clone(),
            note,
            created_by: actor.name.clone(),
            created_at: now,
        })
    }

    /// All offer revisions, oldest first.
    pub async fn offers(&self, actor: &Actor, id: i64) -> Result<Vec<Offer>> {
        self.candidate_read(actor, id, "offer.read", offers_of)
            .await
    }

    pub async fn add_counteroffer(
        &self,
        actor: &Actor,
        id: i64,
        rival_org: &str,
        currency: &str,
        value: i64,
        note: Option<&str>,
    ) -> Result<Counteroffer> {
        let rival_org = required_text("rival_org", rival_org, 300)?;
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(Error::Invalid(format!(
                "currency must be a 3-letter ISO code, got {currency:?}"
            )));
        }
        if !(0..=1_000_000_000_000).contains(&value) {
            return Err(Error::Invalid("value must be between 0 and 10^12".into()));
        }
        let note = optional_lines("note", note, MAX_TEXT)?;
        let now = now_ms();
        let cid = self
            .audited(&actor.name, async |tx| {
                load_candidate(&mut tx.tx, id, false).await?;
                let cid: i64 = sqlx::query_scalar(
                    "INSERT INTO counteroffers (candidate_id, rival_org, currency, value, note, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(id)
                .bind(&rival_org)
                .bind(currency)
                .bind(value)
                .bind(note.clone())
                .bind(actor.user_id)
                .bind(now)
                .fetch_one(&mut *tx.tx)
                .await?;
                let detail = json!({"counteroffer_id": cid});
                Ok((cid, Entry::new("counteroffer.create", Some(id), detail)))
            })
            .await?;
        Ok(Counteroffer {
            id: cid,
            candidate_id: id,
            rival_org,
            currency: currency.to_string(),
            value,
            note,
            created_by: actor.name.clone(),
            created_at: now,
        })
    }

    pub async fn counteroffers(&self, actor: &Actor, id: i64) -> Result<Vec<Counteroffer>> {
        self.candidate_read(actor, id, "counteroffer.read", counteroffers_of)
            .await
    }

    // ----- messages and meetings ---------------------------------------------------------

    pub async fn add_message(
        &self,
        actor: &Actor,
        id: i64,
        channel: Channel,
        body: &str,
        sent_at: Option<i64>,
    ) -> Result<Message> {
        let body = required_lines("body", body, MAX_TEXT)?;
        let now = now_ms();
        let mid = self
            .audited(&actor.name, async |tx| {
                load_candidate(&mut tx.tx, id, false).await?;
                let mid: i64 = sqlx::query_scalar(
                    "INSERT INTO messages (candidate_id, channel, body, sent_at, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(id)
                .bind(channel.as_str())
                .bind(&body)
                .bind(sent_at)
                .bind(actor.user_id)
                .bind(now)
                .fetch_one(&mut *tx.tx)
                .await?;
                let detail = json!({"message_id": mid});
                Ok((mid, Entry::new("message.create", Some(id), detail)))
            })
            .await?;
        Ok(Message {
            id: mid,
            candidate_id: id,
            channel,
            body,
            sent_at,
            reply: None,
            replied_at: None,
            created_by: actor.name.clone(),
            created_at: now,
        })
    }

    /// Marks a message sent and/or records the reply.
    pub async fn update_message(
        &self,
        actor: &Actor,
        id: i64,
        message_id: i64,
        sent_at: Option<i64>,
        reply: Option<&str>,
        replied_at: Option<i64>,
    ) -> Result<Message> {
        let reply = optional_lines("reply", reply, MAX_TEXT)?;
        self.audited(&actor.name, async |tx| {
            load_candidate(&mut tx.tx, id, false).await?;
            let replied_at = match (&reply, replied_at) {
                (Some(_), None) => Some(now_ms()),
                (_, r) => r,
            };
            // The times after this change must be in order (stored ones are not re-checked).
            let stored = sqlx::query(
                "SELECT sent_at, replied_at FROM messages WHERE id = $2 AND candidate_id = $1",
            )
            .bind(id)
            .bind(message_id)
            .fetch_optional(&mut *tx.tx)
            .await?
            .ok_or_else(|| Error::not_found("message", message_id))?;
            let sent = sent_at.or(stored.try_get::<Option<i64>, _>("sent_at")?);
            let replied = replied_at.or(stored.try_get::<Option<i64>, _>("replied_at")?);
            if let (Some(s), Some(r)) = (sent, replied)
                && r < s
            {
                return Err(Error::Invalid(format!(
                    "replied_at ({}) is before sent_at ({})",
                    crate::time::rfc3339(r),
                    crate::time::rfc3339(s)
                )));
            }
            let n = sqlx::query(
                "UPDATE messages SET sent_at = COALESCE($3, sent_at), reply = COALESCE($4, reply), \
             replied_at = COALESCE($5, replied_at) WHERE id = $2 AND candidate_id = $1",
            )
            .bind(id)
            .bind(message_id)
            .bind(sent_at)
            .bind(reply)
            .bind(replied_at)
            .execute(&mut *tx.tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(Error::not_found("message", message_id));
            }
            let m = messages_of(&mut tx.tx, id)
                .await?
                .into_iter()
                .find(|m| m.id == message_id)
                .ok_or_else(|| Error::not_found("message", message_id))?;
            let detail = json!({"message_id": message_id});
            Ok((m, Entry::new("message.update", Some(id), detail)))
        })
        .await
    }

    pub async fn messages(&self, actor: &Actor, id: i64) -> Result<Vec<Message>> {
        self.candidate_read(actor, id, "message.read", messages_of)
            .await
    }

    /// Schedules a meeting; the zone is checked against the tz database.
    pub async fn add_meeting(&self, actor: &Actor, id: i64, new: &NewMeeting) -> Result<Meeting> {
        let title = required_text("title", &new.title, 300)?;
        let place = optional_text("place", new.place.as_deref(), 500)?;
        let duration_minutes = new.duration_minutes;
        if !(1..=24 * 60).contains(&duration_minutes) {
            return Err(Error::Invalid(
                "duration_minutes must be between 1 and 1440".into(),
            ));
        }
        let zone = crate::tz::Zone::get(&new.time_zone)?;
        let starts_at = new.starts_at;
        let ends_at = starts_at + duration_minutes * 60_000;
        let starts_local = local_rfc3339(&zone, starts_at)?;
        let ends_local = local_rfc3339(&zone, ends_at)?;
        let attendees = new
            .attendees
            .iter()
            .map(|a| required_text("attendee", a, 200))
            .collect::<Result<Vec<_>>>()?;
        let now = now_ms();
        let attendees_json =
            serde_json::to_string(&attendees).map_err(|e| Error::Invalid(e.to_string()))?;
        let mid = self.audited(&actor.name, async |tx| {
            load_candidate(&mut tx.tx, id, false).await?;
            let mid: i64 = sqlx::query_scalar(
                "INSERT INTO meetings (candidate_id, title, starts_at, duration_minutes, time_zone, place, attendees, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(id)
            .bind(&title)
            .bind(starts_at)
            .bind(duration_minutes)
            .bind(zone.name())
            .bind(place.clone())
            .bind(&attendees_json)
            .bind(actor.user_id)
            .bind(now)
            .fetch_one(&mut *tx.tx)
            .await?;
            let detail = json!({"meeting_id": mid});
            Ok((mid, Entry::new("meeting.create", Some(id), detail)))
        })
        .await?;
        Ok(Meeting {
            id: mid,
            candidate_id: id,
            title,
            starts_at,
            ends_at,
            duration_minutes,
            time_zone: zone.name().to_string(),
            starts_local,
            ends_local,
            place,
            attendees,
            created_by: actor.name.clone(),
            created_at: now,
        })
    }

    pub async fn meetings(&self, actor: &Actor, id: i64) -> Result<Vec<Meeting>> {
        self.candidate_read(actor, id, "meeting.read", meetings_of)
            .await
    }

    // ----- export, erasure, audit --------------------------------------------------------

    /// Everything held about one candidate, as JSON (audited).
    pub async fn export_candidate(&self, actor: &Actor, id: i64) -> Result<Value> {
        let mut out = self
            .audited(&actor.name, async |tx| {
            let c = load_candidate(&mut tx.tx, id, true).await?;
            let history = sqlx::query(
                "SELECT h.id, h.from_stage, h.to_stage, h.reason, u.name AS moved_by, h.moved_at \
                 FROM stage_history h JOIN users u ON u.id = h.moved_by WHERE h.candidate_id = $1 ORDER BY h.id",
            )
            .bind(id)
            .fetch_all(&mut *tx.tx)
            .await?
            .iter()
            .map(|r| {
                Ok(json!({
                    "from": r.try_get::<Option<String>, _>("from_stage")?,
                    "to": r.try_get::<String, _>("to_stage")?,
                    "reason": r.try_get::<Option<String>, _>("reason")?,
                    "moved_by": r.try_get::<String, _>("moved_by")?,
                    "moved_at": crate::time::rfc3339(r.try_get("moved_at")?),
            }))
        })
        .collect::<Result<Vec<_>>>()?;
        let conn = &mut tx.tx;
        let notes = notes_of(conn, id).await?;
        let messages = messages_of(conn, id).await?;
        let meetings = meetings_of(conn, id).await?;
        let offers = offers_of(conn, id).await?;
        let counteroffers = counteroffers_of(conn, id).await?;
        let audit_rows = sqlx::query(
            "SELECT seq, at, actor, action, candidate_id, detail, prev_hash, hash FROM audit_log \
             WHERE candidate_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&mut *tx.tx)
        .await?
        .iter()
        .map(audit_from_row)
        .collect::<Result<Vec<_>>>()?;
        let to_value = |v: &dyn erased::Ser| v.value();
        let all = json!({
            "candidate": to_value(&c),
            "stage_history": history,
            "notes": to_value(&notes),
            "messages": to_value(&messages),
            "meetings": to_value(&meetings),
            "offers": to_value(&offers),
            "counteroffers": to_value(&counteroffers),
            "audit": audit_rows.iter().map(|e| json!({
                "seq": e.seq, "at": crate::time::rfc3339(e.at), "actor": e.actor,
                "action": e.action, "detail": serde_json::from_str::<Value>(&e.detail).unwrap_or(Value::Null),
            })).collect::<Vec<_>>(),
        });
        Ok((all, Entry::new("candidate.export", Some(id), json!({}))))
            })
            .await?;
        out["exported_at"] = json!(crate::time::rfc3339(now_ms()));
        Ok(out)
    }

    /// Audit entries with `seq > after`, oldest first.
    pub async fn audit_entries(&self, after: i64, limit: i64) -> Result<Vec<AuditEntry>> {
        sqlx::query(
            "SELECT seq, at, actor, action, candidate_id, detail, prev_hash, hash FROM audit_log \
             WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(limit.clamp(1, 10_000))
        .fetch_all(&self.db.pool)
        .await?
        .iter()
        .map(audit_from_row)
        .collect()
    }

    /// Walks the whole chain in pages.
    pub async fn verify_audit(&self) -> Result<VerifyReport> {
        let mut v = Verifier::with_redactions(erasure::listed_redactions(self).await?);
        let mut after = 0;
        loop {
            let page = self.audit_entries(after, 5000).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            page.iter().for_each(|e| v.push(e));
        }
        Ok(v.finish())
    }

    /// Appends an audit entry for something done outside a store operation (e.g. a backup).
    pub async fn record(&self, actor: &str, action: &str, detail: Value) -> Result<()> {
        self.audited(actor, async |_| Ok(((), Entry::new(action, None, detail))))
            .await
    }

    /// Rows for analytics (all candidates, their moves, latest offers, counteroffers).
    pub async fn analytics_input(&self, actor: &Actor) -> Result<crate::analytics::Input> {
        self.audited(&actor.name, async |tx| {
            let cands = sqlx::query(
                "SELECT c.id, c.stage, c.source_org, u.name AS owner, c.created_at FROM candidates c \
                 LEFT JOIN users u ON u.id = c.owner_id ORDER BY c.id",
            )
            .fetch_all(&mut *tx.tx)
            .await?
            .iter()
            .map(|r| {
                Ok(crate::analytics::CandidateRow {
                    id: r.try_get("id")?,
                    stage: parse_col(r, "stage")?,
                    source_org: r.try_get("source_org")?,
                    owner: r.try_get("owner")?,
                    created_at: r.try_get("created_at")?,
                })
        })
        .collect::<Result<Vec<_>>>()?;
        let moves = sqlx::query(
            "SELECT candidate_id, from_stage, to_stage, moved_at FROM stage_history ORDER BY candidate_id, id",
        )
        .fetch_all(&mut *tx.tx)
        .await?
        .iter()
        .map(|r| {
            let from: Option<String> = r.try_get("from_stage")?;
            Ok(crate::analytics::MoveRow {
                candidate_id: r.try_get("candidate_id")?,
                from: from.map(|s| s.parse().map_err(Error::Invalid)).transpose()?,
                to: parse_col(r, "to_stage")?,
                at: r.try_get("moved_at")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let offers = sqlx::query(
            "SELECT o.candidate_id, o.currency, o.total_value, o.base, o.bonus, o.sign_on, o.equity, \
             o.vesting_months FROM offers o WHERE o.revision = \
             (SELECT MAX(o2.revision) FROM offers o2 WHERE o2.candidate_id = o.candidate_id)",
        )
        .fetch_all(&mut *tx.tx)
        .await?
        .iter()
        .map(|r| {
            let terms = OfferTerms {
                currency: r.try_get("currency")?,
                base: r.try_get("base")?,
                bonus: r.try_get("bonus")?,
                sign_on: r.try_get("sign_on")?,
                equity: r.try_get("equity")?,
                vesting_months: r.try_get("vesting_months")?,
                cliff_months: 0,
            };
            Ok(crate::analytics::OfferRow {
                candidate_id: r.try_get("candidate_id")?,
                currency: terms.currency.clone(),
                annualised_value: terms.annualised_value(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let counters = sqlx::query("SELECT candidate_id, value FROM counteroffers ORDER BY id")
            .fetch_all(&mut *tx.tx)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("candidate_id")?, r.try_get("value")?)))
            .collect::<Result<Vec<(i64, i64)>>>()?;
        let input = crate::analytics::Input {
            candidates: cands,
            moves,
            offers,
            counteroffers: counters,
        };
        Ok((input, Entry::new("analytics.read", None, json!({}))))
        })
        .await
    }
}

async fn notes_of(conn: &mut AnyConnection, id: i64) -> Result<Vec<Note>> {
    sqlx::query(
        "SELECT n.id, n.candidate_id, u.name AS author, n.body, n.created_at FROM notes n \
         JOIN users u ON u.id = n.author_id WHERE n.candidate_id = $1 ORDER BY n.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(Note {
            id: r.try_get("id")?,
            candidate_id: r.try_get("candidate_id")?,
            author: r.try_get("author")?,
            body: r.try_get("body")?,
            created_at: r.try_get("created_at")?,
        })
    })
    .collect()
}

async fn offers_of(conn: &mut AnyConnection, id: i64) -> Result<Vec<Offer>> {
    sqlx::query(
        "SELECT o.id, o.candidate_id, o.revision, o.currency, o.base, o.bonus, o.sign_on, o.equity, \
         o.vesting_months, o.cliff_months, o.total_value, o.note, u.name AS created_by, o.created_at \
         FROM offers o JOIN users u ON u.id = o.created_by WHERE o.candidate_id = $1 ORDER BY o.revision",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(offer_from_row)
    .collect()
}

async fn counteroffers_of(conn: &mut AnyConnection, id: i64) -> Result<Vec<Counteroffer>> {
    sqlx::query(
        "SELECT o.id, o.candidate_id, o.rival_org, o.currency, o.value, o.note, u.name AS created_by, o.created_at \
         FROM counteroffers o JOIN users u ON u.id = o.created_by WHERE o.candidate_id = $1 ORDER BY o.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(counteroffer_from_row)
    .collect()
}

async fn messages_of(conn: &mut AnyConnection, id: i64) -> Result<Vec<Message>> {
    sqlx::query(
        "SELECT m.id, m.candidate_id, m.channel, m.body, m.sent_at, m.reply, m.replied_at, \
         u.name AS created_by, m.created_at FROM messages m JOIN users u ON u.id = m.created_by \
         WHERE m.candidate_id = $1 ORDER BY m.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(message_from_row)
    .collect()
}

async fn meetings_of(conn: &mut AnyConnection, id: i64) -> Result<Vec<Meeting>> {
    sqlx::query(
        "SELECT m.id, m.candidate_id, m.title, m.starts_at, m.duration_minutes, m.time_zone, m.place, m.attendees, \
         u.name AS created_by, m.created_at FROM meetings m JOIN users u ON u.id = m.created_by \
         WHERE m.candidate_id = $1 ORDER BY m.starts_at, m.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(meeting_from_row)
    .collect()
}

/// Serialising heterogeneous values to JSON in one place.
mod erased {
    pub trait Ser {
        fn value(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn value(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
        }
    }
}
