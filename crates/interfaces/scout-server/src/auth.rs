//! Authentication: session cookies (HttpOnly, SameSite=Strict, expiring) with a per-session
//! CSRF token required in `X-CSRF-Token` on state-changing requests, and API bearer tokens
//! (hashed at rest; no CSRF needed since browsers never attach them by themselves). Also the
//! login rate limiter (its counts live in the database) and the client address behind a
//! trusted proxy.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
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

/// What the limiter says about a login attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginGate {
    /// Go ahead.
    Open,
    /// Go ahead after this pause (the account or the whole server sees many failures).
    Slow(Duration),
    /// Refuse with 429; retry after this many seconds.
    Blocked(u64),
}

/// The login rate limiter over `login_limit` (counts in the pipeline database, so a restart does
/// not reset it and all servers on one database share one budget). Keys:
/// - the pair (client, account) blocks after `login_max_failures`: guessing one account's password
///   from one client stops, while the same account from elsewhere is untouched;
/// - the client blocks after `login_max_failures_per_client`, for every name (spraying);
/// - the account alone and the whole server only slow down (`login_slow_delay` per attempt past
///   `login_max_failures_per_account` / `login_global_ceiling`): a distributed guess gets slower
///   but nobody can lock a user, or everyone, out.
pub struct RateLimiter {
    store: Arc<Store>,
    pair: LoginLimits,
    client: LoginLimits,
    account: LoginLimits,
    global: LoginLimits,
    slow: Duration,
}

/// The keys of one attempt: pair, client, account, global.
pub struct LoginKeys([String; 4]);

impl LoginKeys {
    pub fn new(client: IpAddr, name: &str) -> LoginKeys {
        LoginKeys([
            format!("pair:{client}\n{name}"),
            format!("ip:{client}"),
            format!("user:{name}"),
            "global".to_string(),
        ])
    }
    fn all(&self) -> [&str; 4] {
        [&self.0[0], &self.0[1], &self.0[2], &self.0[3]]
    }
}

impl RateLimiter {
    pub fn new(store: Arc<Store>, config: &crate::ServerConfig) -> Self {
        let window_ms = i64::try_from(config.login_window.as_millis()).unwrap_or(i64::MAX / 4);
        let limits = |n: u32| LoginLimits::new(n, window_ms);
        RateLimiter {
            store,
            pair: limits(config.login_max_failures),
            client: limits(config.login_max_failures_per_client),
            account: limits(config.login_max_failures_per_account),
            global: limits(config.login_global_ceiling),
            slow: config.login_slow_delay,
        }
    }

    /// Whether the attempt with `keys` may go ahead now.
    pub async fn gate(&self, keys: &LoginKeys) -> Result<LoginGate, ApiError> {
        let now = now_ms();
        let [pair, client, account, global] = keys.all();
        let mut wait = self.store.login_blocked(&[pair], &self.pair, now).await?;
        if let Some(w) = self
            .store
            .login_blocked(&[client], &self.client, now)
            .await?
        {
            wait = Some(wait.map_or(w, |x| x.max(w)));
        }
        if let Some(ms) = wait {
            // Whole seconds, rounded up, at least 1 (Retry-After has no fractions).
            return Ok(LoginGate::Blocked(
                u64::try_from((ms + 999) / 1000).unwrap_or(1).max(1),
            ));
        }
        let busy_account = self
            .store
            .login_blocked(&[account], &self.account, now)
            .await?;
        let busy_server = self
            .store
            .login_blocked(&[global], &self.global, now)
            .await?;
        Ok(if busy_account.is_some() || busy_server.is_some() {
            LoginGate::Slow(self.slow)
        } else {
            LoginGate::Open
        })
    }

    pub async fn fail(&self, keys: &LoginKeys) -> Result<(), ApiError> {
        let limits = self.pair;
        Ok(self
            .store
            .login_failed(&keys.all(), &limits, now_ms())
            .await?)
    }

    /// A success clears the pair and the account (not the client: one valid account must not
    /// reset an address that is guessing other names).
    pub async fn clear(&self, keys: &LoginKeys) -> Result<(), ApiError> {
        let [pair, _, account, _] = keys.all();
        self.store.login_succeeded(pair).await?;
        Ok(self.store.login_succeeded(account).await?)
    }
}

/// The client's address: the peer, unless the peer is a trusted proxy, in which case the
/// rightmost `X-Forwarded-For` entry that is not itself a trusted proxy (entries further left
/// were written by the client and prove nothing).
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .map(|a| a.parse::<IpAddr>().ok())
        .collect::<Option<Vec<_>>>()
        .unwrap_or_default();
    forwarded
        .into_iter()
        .rev()
        .find(|a| !trusted.contains(a))
        .unwrap_or(peer)
}
