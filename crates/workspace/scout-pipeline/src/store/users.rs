//! Users (created with an already hashed password, disabled rather than deleted), login
//! sessions (only the token's hash is stored) and API tokens.

use serde_json::json;
use sqlx::Row;

use super::audited::Entry;
use super::fields::required_text;
use super::handle::Store;
use super::load::check_user_exists;
use super::rows::user_from_row;
use crate::error::{Error, Result};
use crate::model::{Actor, Role, TokenInfo, User};
use crate::secret;
use crate::time::now_ms;

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

impl Store {
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
        Ok(sqlx::query_as(
            "SELECT id, user_id, label, created_at, revoked_at FROM api_tokens \
             WHERE CAST($1 AS BIGINT) IS NULL OR user_id = $1 ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(&self.db.pool)
        .await?)
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
}
