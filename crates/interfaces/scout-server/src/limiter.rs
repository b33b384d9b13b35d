//! The login rate limiter (its counts live in the pipeline database, so a restart does not
//! reset it and all servers on one database share one budget) and the client address behind a
//! trusted proxy.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderMap;
use scout_pipeline::Store;
use scout_pipeline::login_limit::LoginLimits;
use scout_pipeline::time::now_ms;

use crate::config::ServerConfig;
use crate::error::ApiError;

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
    pub fn new(store: Arc<Store>, config: &ServerConfig) -> Self {
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
