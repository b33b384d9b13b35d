//! Authentication: session cookies (HttpOnly, SameSite=Strict, expiring) with a per-session
//! CSRF token required in `X-CSRF-Token` on state-changing requests, and API bearer tokens
//! (hashed at rest; no CSRF needed since browsers never attach them by themselves). Also the
//! login rate limiter.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use scout_pipeline::model::User;
use scout_pipeline::secret::constant_time_eq;
use scout_pipeline::{Actor, Role};

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

/// Counts failed logins per key (client address, user name) in a sliding window.
pub struct RateLimiter {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        RateLimiter {
            max_failures: max_failures as usize,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Seconds until another attempt is allowed, if `key` is blocked now.
    pub fn blocked(&self, key: &str) -> Option<u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let q = map.get_mut(key)?;
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            q.pop_front();
        }
        if q.len() >= self.max_failures {
            let oldest = *q.front()?;
            let wait = self.window.saturating_sub(now.duration_since(oldest));
            Some(wait.as_secs().max(1))
        } else {
            None
        }
    }

    pub fn fail(&self, key: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            // Bound memory under a flood of distinct keys: forget the oldest state.
            map.clear();
        }
        map.entry(key.to_string())
            .or_default()
            .push_back(Instant::now());
    }

    pub fn clear(&self, key: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_max_failures_then_recovers() {
        let rl = RateLimiter::new(2, Duration::from_millis(50));
        assert!(rl.blocked("k").is_none());
        rl.fail("k");
        rl.fail("k");
        assert!(rl.blocked("k").is_some());
        assert!(rl.blocked("other").is_none());
        std::thread::sleep(Duration::from_millis(60));
        assert!(rl.blocked("k").is_none());
    }
}
