//! `scout serve`: the pipeline's HTTP JSON API (axum). Routes and the OpenAPI document come
//! from one table (`routes::ROUTES`), enforced by the gate around each route (`route`):
//! authentication and CSRF in `auth`, login rate limiting in `limiter`; every error is an
//! `ApiError` rendered as JSON. `serve` also runs the webhook delivery worker (`webhooks`).

pub mod auth;
pub mod committee_api;
pub mod config;
pub mod corpus_api;
pub mod error;
pub mod extract;
pub mod guard;
pub mod jobs;
pub mod jobs_api;
pub mod jobs_run;
pub mod limiter;
pub mod openapi;
mod pack;
pub mod pipeline_api;
pub mod route;
pub mod routes;
pub mod state;
pub mod web;
pub mod webhooks;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;

pub use crate::config::ServerConfig;
use crate::error::ApiError;
pub use crate::state::AppState;

/// The router: every route of the route table behind its gate, the web UI, a JSON 404/405,
/// and the body limit.
pub fn router(state: AppState) -> Router {
    let limit = state.config.max_body_bytes;
    let corpus = corpus_api::CorpusApi::new(state.config.corpus.clone(), Some(state.store.clone()));
    corpus.wake_on_alerts(state.webhooks.clone());
    corpus.warm_up();
    let jobs = jobs::Jobs::new(
        state.store.clone(),
        corpus.clone(),
        jobs_dir(&state.config),
        state.config.max_upload_bytes,
    );
    let mut app: Router<AppState> = Router::new();
    for r in routes::ROUTES {
        let gate = axum::middleware::from_fn_with_state((state.clone(), r), route::gate);
        app = app.route(r.path, (r.handler)().route_layer(gate));
    }
    app = app
        .merge(web::routes())
        .layer(axum::Extension(corpus))
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

/// Serves until `shutdown` completes, delivering alerts to webhooks meanwhile.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let worker = webhooks::spawn(state.store.clone(), state.webhooks.clone());
    let served = axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    worker.abort();
    served
}
