//! Authentication: session cookies (HttpOnly, SameSite=Strict, expiring) with a per-session
//! CSRF token required in `X-CSRF-Token` on state-changing requests, and API bearer tokens
//! (hashed at rest; no CSRF needed since browsers never attach them by themselves). Also the
//! login rate limiter (its counts live in the database).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use scout_pipeline::login_limit::LoginLimits;
use scout_pipeline::model::User;
use scout_pipeline::secret::constant_time_eq;
use scout_pipeline::time::now_ms;
use scout_pipeline::{Actor, Role, Store};

use crate::AppState;
use crate::error::ApiError;

/// The session cookie's name.
pub const COOKIE: &str = "scout_session";
/// The CSRF header.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the request authenticated.
#[derive(Debug, Clone)]
pub enum Via {
    Session { token: String },
    Token,
}

/// An authenticated request.
#[derive(Debug, Clone)]
pub struct Auth {
    pub actor: Actor,
    pub via: Via,
}

impl Auth {
    fn from_user(user: User, via: Via) -> Auth {
        Auth {
            actor: Actor {
                user_id: user.id,
                name: user.name,
                role: user.role,
            },
            via,
        }
    }

    /// Fails with 403 unless the user's role is at least `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.actor.role >= role {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this needs the {role} role; you are {}",
                self.actor.role
            )))
        }
    }

    pub fn is_owner(&self) -> bool {
        self.actor.role == Role::Owner
    }
}

/// The value of cookie `name` in the request's Cookie headers.
pub fn cookie_value<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(h) = parts.headers.get(header::AUTHORIZATION) {
            let token = h
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .ok_or_else(|| ApiError::unauthorized("Authorization must be `Bearer <token>`"))?;
            let user = state
                .store
                .token_user(token)
                .await?
                .ok_or_else(|| ApiError::unauthorized("invalid or revoked API token"))?;
            return Ok(Auth::from_user(user, Via::Token));
        }
        let Some(token) = cookie_value(parts, COOKIE) else {
            return Err(ApiError::unauthorized(
                "authentication required: log in (POST /api/login) or send an API token",
            ));
        };
        let session =
            state.store.session(token).await?.ok_or_else(|| {
                ApiError::unauthorized("session expired or invalid; log in again")
            })?;
        if !is_safe(&parts.method) {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            match sent {
                Some(s) if constant_time_eq(s, &session.csrf_token) => {}
                Some(_) => {
                    return Err(ApiError::new(
                        StatusCode::FORBIDDEN,
                        "csrf",
                        "wrong X-CSRF-Token",
                    ));
                }
                None => {
                    return Err(ApiError::new(
                        StatusCode::FORBIDDEN,
                        "csrf",
                        "missing X-CSRF-Token header (from the login response or GET /api/me)",
                    ));
                }
            }
        }
        Ok(Auth::from_user(
            session.user,
            Via::Session {
                token: token.to_string(),
            },
        ))
    }
}

/// The login rate limiter: failed logins per key (client address, user name) in a sliding
/// window, kept in the pipeline database (`scout_pipeline::login_limit`), so a restart does not
/// reset it and all servers on one database share one budget per key.
pub struct RateLimiter {
    store: Arc<Store>,
    limits: LoginLimits,
}

impl RateLimiter {
    pub fn new(store: Arc<Store>, max_failures: u32, window: Duration) -> Self {
        let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX / 4);
        RateLimiter {
            store,
            limits: LoginLimits::new(max_failures, window_ms),
        }
    }

    /// Seconds until another attempt is allowed, if any of `keys` is blocked now.
    pub async fn blocked(&self, keys: [&str; 2]) -> Result<Option<u64>, ApiError> {
        let wait = self
            .store
            .login_blocked(keys, &self.limits, now_ms())
            .await?;
        // Whole seconds, rounded up, at least 1 (Retry-After has no fractions).
        Ok(wait.map(|ms| u64::try_from((ms + 999) / 1000).unwrap_or(1).max(1)))
    }

    pub async fn fail(&self, keys: [&str; 2]) -> Result<(), ApiError> {
        Ok(self
            .store
            .login_failed(keys, &self.limits, now_ms())
            .await?)
    }

    pub async fn clear(&self, key: &str) -> Result<(), ApiError> {
        Ok(self.store.login_succeeded(key).await?)
    }
}
