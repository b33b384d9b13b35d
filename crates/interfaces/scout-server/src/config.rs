//! The server's settings (`scout serve` flags); defaults suit production, tests shorten the
//! times.

use std::time::Duration;

/// Server settings (defaults suit production; tests shorten the times).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// How long a login session lasts.
    pub session_ttl: Duration,
    /// Failed logins allowed per (client address, user name) within `login_window`; the next
    /// attempt from that client for that name answers 429.
    pub login_max_failures: u32,
    /// Failed logins allowed per client address (any names) before it answers 429.
    pub login_max_failures_per_client: u32,
    /// Failed logins per user name (any clients) past which every attempt for it is slowed.
    pub login_max_failures_per_account: u32,
    /// Failed logins on the whole server past which every attempt is slowed (never blocked).
    pub login_global_ceiling: u32,
    /// The pause of a slowed attempt.
    pub login_slow_delay: Duration,
    pub login_window: Duration,
    /// Proxies whose `X-Forwarded-For` names the client (`--trusted-proxy`); from any other
    /// peer the header is ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Host names accepted in the `Host` header besides IP literals and `localhost`
    /// (`--allowed-host`); anything else answers 421 (DNS rebinding).
    pub allowed_hosts: Vec<String>,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Add `Secure` to the cookie (set when served over HTTPS, e.g. behind a proxy).
    pub secure_cookies: bool,
    /// The corpus database the read-only corpus endpoints (`corpus_api`) query; `None`: they answer 503.
    pub corpus: Option<std::path::PathBuf>,
    /// Where jobs keep uploads and exports [default: `<corpus>.jobs/`, or a temporary folder].
    pub jobs_dir: Option<std::path::PathBuf>,
    /// Largest data file accepted by `POST /api/jobs/ingest`.
    pub max_upload_bytes: u64,
    /// Webhook delivery of alerts (`--allow-loopback-webhooks`; tests shorten the times).
    pub webhooks: crate::webhooks::WebhookConfig,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            session_ttl: Duration::from_secs(8 * 3600),
            login_max_failures: 5,
            login_max_failures_per_client: 20,
            login_max_failures_per_account: 10,
            login_global_ceiling: 100,
            login_slow_delay: Duration::from_secs(2),
            login_window: Duration::from_secs(300),
            trusted_proxies: Vec::new(),
            allowed_hosts: Vec::new(),
            max_body_bytes: 64 * 1024,
            secure_cookies: false,
            corpus: None,
            jobs_dir: None,
            max_upload_bytes: 1_000_000_000,
            webhooks: crate::webhooks::WebhookConfig::default(),
        }
    }
}
