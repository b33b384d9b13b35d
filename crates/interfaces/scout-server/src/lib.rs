//! `scout serve`: the pipeline's HTTP JSON API (axum). Routes and the OpenAPI document come
//! from one table (`routes::ROUTES`); authentication, CSRF and rate limiting are in `auth`;
//! every error is an `ApiError` rendered as JSON.

pub mod auth;
pub mod committee_api;
pub mod corpus_api;
pub mod error;
pub mod extract;
pub mod guard;
pub mod jobs;
pub mod jobs_api;
pub mod jobs_run;
pub mod openapi;
mod pack;
pub mod routes;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use scout_pipeline::Store;

use crate::auth::RateLimiter;
use crate::error::ApiError;

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
        }
    }
}

/// Shared state of all handlers.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub config: Arc<ServerConfig>,
    pub limiter: Arc<RateLimiter>,
    /// An argon2 hash of a random password, verified against for unknown user names.
    pub dummy_hash: Arc<String>,
}

impl AppState {
    pub fn new(store: Arc<Store>, config: ServerConfig) -> Result<AppState, scout_pipeline::Error> {
        let dummy = scout_pipeline::secret::random_token("")?;
        let limiter = RateLimiter::new(store.clone(), &config);
        Ok(AppState {
            store,
            limiter: Arc::new(limiter),
            config: Arc::new(config),
            dummy_hash: Arc::new(scout_pipeline::secret::hash_password(&dummy)?),
        })
    }
}

/// The router: every route of the table, a JSON 404/405, and the body limit.
pub fn router(state: AppState) -> Router {
    let limit = state.config.max_body_bytes;
    let mut app: Router<AppState> = Router::new();
    for r in routes::all_routes() {
        app = app.route(r.path, (r.handler)());
    }
    let corpus = corpus_api::CorpusApi::new(state.config.corpus.clone());
    let jobs = jobs::Jobs::new(
        state.store.clone(),
        corpus.clone(),
        jobs_dir(&state.config),
        state.config.max_upload_bytes,
    );
    app = app
        .merge(corpus_api::corpus_routes(corpus))
        .merge(web::routes())
        .layer(axum::Extension(jobs));
    app.fallback(|| async { ApiError::not_found("no such route (see /api/openapi.json)") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed on this route",
            )
        })
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::guard,
        ))
        .with_state(state)
}

/// The jobs folder: configured, else beside the corpus, else a temporary folder per process.
fn jobs_dir(config: &ServerConfig) -> std::path::PathBuf {
    if let Some(dir) = &config.jobs_dir {
        return dir.clone();
    }
    match &config.corpus {
        Some(db) => {
            let mut name = db.as_os_str().to_owned();
            name.push(".jobs");
            std::path::PathBuf::from(name)
        }
        None => std::env::temp_dir().join(format!("scout-jobs-{}", std::process::id())),
    }
}

/// Serves until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
