//! Signing in and out: health, login (rate-limited), logout, the current user.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use schemars::JsonSchema;
use scout_pipeline::model::User;
use serde::{Deserialize, Serialize};

use crate::auth::{Auth, COOKIE, Via};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::route::Reply;
use crate::state::AppState;

/// The liveness answer.
#[derive(Serialize, JsonSchema)]
pub(crate) struct Health {
    ok: bool,
}

/// A new session: the user, the CSRF token to send on state-changing requests, and when the
/// session ends (the session itself is in the HttpOnly cookie).
#[derive(Serialize, JsonSchema)]
pub(crate) struct LoggedIn {
    user: User,
    csrf_token: String,
    /// RFC 3339.
    expires_at: String,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct LoggedOut {
    logged_out: bool,
}

/// The current user; `csrf_token` only for a cookie session (tokens need none).
#[derive(Serialize, JsonSchema)]
pub(crate) struct Me {
    user: User,
    csrf_token: Option<String>,
}

pub(crate) async fn health() -> Reply<Health> {
    Reply::ok(Health { ok: true })
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginReq {
    name: String,
    password: String,
}

pub(crate) async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    ApiJson(req): ApiJson<LoginReq>,
) -> ApiResult<([(HeaderName, HeaderValue); 1], Reply<LoggedIn>)> {
    let client = crate::limiter::client_address(addr.ip(), &headers, &state.config.trusted_proxies);
    let keys = crate::limiter::LoginKeys::new(client, &req.name);
    match state.limiter.gate(&keys).await? {
        crate::limiter::LoginGate::Open => {}
        crate::limiter::LoginGate::Slow(pause) => tokio::time::sleep(pause).await,
        crate::limiter::LoginGate::Blocked(wait) => {
            let mut e = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many failed logins; try again in {wait} s"),
            );
            e.retry_after_secs = Some(wait);
            return Err(e);
        }
    }
    let found = state.store.user_with_hash(&req.name).await?;
    let password = req.password;
    let (user, ok) = match found {
        Some((user, hash)) => {
            let ok = tokio::task::spawn_blocking(move || {
                scout_pipeline::secret::verify_password(&password, &hash)
            })
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?;
            (Some(user), ok)
        }
        None => {
            // Same work for unknown names, so timing does not reveal which names exist.
            let dummy = state.dummy_hash.clone();
            tokio::task::spawn_blocking(move || {
                scout_pipeline::secret::verify_password(&password, &dummy)
            })
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?;
            (None, false)
        }
    };
    let user = match user {
        Some(u) if ok && !u.disabled => u,
        _ => {
            state.limiter.fail(&keys).await?;
            return Err(ApiError::unauthorized("wrong name or password"));
        }
    };
    state.limiter.clear(&keys).await?;
    let ttl_ms = i64::try_from(state.config.session_ttl.as_millis()).unwrap_or(i64::MAX);
    let s = state.store.create_session(&user, ttl_ms).await?;
    let cookie = format!(
        "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
        s.token,
        state.config.session_ttl.as_secs().max(1),
        if state.config.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    );
    let cookie = HeaderValue::from_str(&cookie).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok((
        [(header::SET_COOKIE, cookie)],
        Reply::ok(LoggedIn {
            user,
            csrf_token: s.csrf_token,
            expires_at: scout_pipeline::time::rfc3339(s.expires_at),
        }),
    ))
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<([(HeaderName, HeaderValue); 1], Reply<LoggedOut>)> {
    match &auth.via {
        Via::Session { token } => {
            state.store.delete_session(&auth.actor, token).await?;
            let expired = HeaderValue::from_static(
                "scout_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0",
            );
            Ok((
                [(header::SET_COOKIE, expired)],
                Reply::ok(LoggedOut { logged_out: true }),
            ))
        }
        Via::Token => Err(ApiError::bad_request(
            "API tokens have no session; revoke the token with DELETE /api/tokens/{id}",
        )),
    }
}

pub(crate) async fn me(State(state): State<AppState>, auth: Auth) -> ApiResult<Reply<Me>> {
    // One query for a session (the user comes with it): the UI asks this on every load.
    let (user, csrf) = match &auth.via {
        Via::Session { token } => match state.store.session(token).await? {
            Some(s) => (s.user, Some(s.csrf_token)),
            None => {
                return Err(ApiError::unauthorized(
                    "session expired or invalid; log in again",
                ));
            }
        },
        Via::Token => (state.store.user(auth.actor.user_id).await?, None),
    };
    Ok(Reply::ok(Me {
        user,
        csrf_token: csrf,
    }))
}
