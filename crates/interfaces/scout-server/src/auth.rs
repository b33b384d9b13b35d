//! Authentication: session cookies (HttpOnly, SameSite=Strict, expiring) with a per-session
//! CSRF token required in `X-CSRF-Token` on state-changing requests, and API bearer tokens
//! (hashed at rest; no CSRF needed since browsers never attach them by themselves).
//!
//! Handlers never authenticate or check roles themselves: the route table's gate
//! (`route::gate`) runs [`authenticate`] and the role check for every route that is not public
//! and leaves the [`Auth`] in the request, where the `Auth` extractor finds it.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use scout_pipeline::model::User;
use scout_pipeline::secret::constant_time_eq;
use scout_pipeline::{Actor, Role};

use crate::error::ApiError;
use crate::state::AppState;

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

    /// Fails with 403 unless the user's role is at least `role` (called by the route table's
    /// gate with the route's least role, never by handlers).
    pub(crate) fn require(&self, role: Role) -> Result<(), ApiError> {
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

/// Who sent the request: a bearer token, else the session cookie (with the CSRF header on
/// state-changing methods). 401 without valid credentials, 403 on a missing or wrong CSRF token.
pub async fn authenticate(parts: &Parts, state: &AppState) -> Result<Auth, ApiError> {
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
    let session = state
        .store
        .session(token)
        .await?
        .ok_or_else(|| ApiError::unauthorized("session expired or invalid; log in again"))?;
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

/// The signed-in user the gate left in the request. A route the table marks public has none:
/// a handler of such a route asking for one is a mistake in the table, answered 500.
impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts.extensions.get::<Auth>().cloned().ok_or_else(|| {
            ApiError::internal(
                "this route is public in the route table, but its handler needs a signed-in user",
            )
        })
    }
}
