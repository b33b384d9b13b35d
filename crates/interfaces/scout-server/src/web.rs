//! The web UI: static HTML, CSS and ES modules from `web/`, embedded in the binary (no build
//! step) and served at `/` and `/assets/{file}` with a strict Content-Security-Policy. The UI
//! routes on the client (`/#/list`, `/#/candidates/7`), so the server serves one page.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The Content-Security-Policy of every UI response: scripts, styles and connections only
/// from this origin, no inline script or style, no plugins, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
frame-ancestors 'none'";

const INDEX: &str = include_str!("../web/index.html");

/// `(file name, content type, bytes)` of every asset under `/assets/`.
pub const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../web/assets/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/app.js"),
    ),
    (
        "api.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/api.js"),
    ),
    (
        "router.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/router.js"),
    ),
    (
        "dom.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/dom.js"),
    ),
    (
        "list.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/list.js"),
    ),
    (
        "outreach.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/outreach.js"),
    ),
    (
        "scorecards.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/scorecards.js"),
    ),
    (
        "marks.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/marks.js"),
    ),
    (
        "duplicates.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/duplicates.js"),
    ),
    (
        "explain.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/explain.js"),
    ),
    (
        "profile.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/profile.js"),
    ),
    (
        "graph.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/graph.js"),
    ),
    (
        "orgs.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/orgs.js"),
    ),
    (
        "pipeline.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/pipeline.js"),
    ),
    (
        "candidate.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/candidate.js"),
    ),
    (
        "analytics.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/analytics.js"),
    ),
    (
        "admin.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/admin.js"),
    ),
    (
        "arena.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/arena.js"),
    ),
    (
        "radius.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/radius.js"),
    ),
    (
        "search.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/search.js"),
    ),
    (
        "reach.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/reach.js"),
    ),
    (
        "views.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/views.js"),
    ),
    (
        "board-bulk.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/board-bulk.js"),
    ),
    (
        "candidate-edit.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/candidate-edit.js"),
    ),
    (
        "jobs.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/jobs.js"),
    ),
    (
        "webhooks.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/webhooks.js"),
    ),
    (
        "watch.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/watch.js"),
    ),
    (
        "alerts.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../web/assets/alerts.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../web/assets/favicon.svg"),
    ),
];

/// The UI routes: `/`, `/index.html` and `/assets/{file}`. Generic over the state so it
/// merges into any router.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(index))
        .route("/index.html", get(index))
        .route("/assets/{file}", get(asset))
}

/// Security headers shared by every UI response.
fn security_headers(content_type: &'static str, cache: &'static str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h
}

/// A strong validator for embedded bytes (they change only with the binary).
fn etag(bytes: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    format!("\"{:016x}\"", h.finish())
}

/// The file with its ETag, or 304 when the browser's copy (`If-None-Match`) is current.
/// Files are not content-hashed, so browsers revalidate every time (`no-cache`); an
/// unchanged file then costs a 304 instead of its bytes.
fn cached(headers: &HeaderMap, content_type: &'static str, bytes: &'static [u8]) -> Response {
    let tag = etag(bytes);
    let mut h = security_headers(content_type, "no-cache");
    if let Ok(v) = HeaderValue::from_str(&tag) {
        h.insert(header::ETAG, v);
    }
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    if fresh {
        (StatusCode::NOT_MODIFIED, h).into_response()
    } else {
        (h, bytes).into_response()
    }
}

async fn index(headers: HeaderMap) -> Response {
    cached(&headers, "text/html; charset=utf-8", INDEX.as_bytes())
}

async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, ctype, bytes)) => cached(&headers, ctype, bytes),
        None => {
            let mut h = security_headers("text/plain; charset=utf-8", "no-store");
            h.remove(header::CACHE_CONTROL);
            (StatusCode::NOT_FOUND, h, "no such asset").into_response()
        }
    }
}
