//! Two guards every request passes: the `Host` check against DNS rebinding, and
//! `Cache-Control: no-store` on API responses.
//!
//! DNS rebinding: a web page on `evil.example` makes its own name resolve to 127.0.0.1 and then
//! talks to the server on the laptop as a same-origin page. Its requests carry
//! `Host: evil.example[:port]`, so the server answers only requests whose host is an IP literal
//! (a rebinding needs a name, so the bound address and every other address are safe),
//! `localhost`, or a name allowed with `--allowed-host` (the name a reverse proxy forwards).
//! Others get 421 Misdirected Request.
//!
//! API responses (JSON of people, compensation, exports) must not stay in a browser's or a
//! proxy's cache after logout: every `/api/` response without its own `Cache-Control` gets
//! `no-store`.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::ApiError;

/// The host part of a `Host` value (`name`, `name:port`, `[v6]:port`), lower-cased.
fn host_name(value: &str) -> String {
    let v = value.trim();
    let host = if let Some(rest) = v.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        v.rsplit_once(':')
            .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
            .map_or(v, |(h, _)| h)
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// Whether requests for `host` are answered.
pub fn host_allowed(value: &str, allowed: &[String]) -> bool {
    let host = host_name(value);
    host.parse::<std::net::IpAddr>().is_ok()
        || host == "localhost"
        || allowed.iter().any(|a| host_name(a) == host)
}

/// The middleware: refuse foreign hosts, mark API responses `no-store`.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()));
    if let Some(h) = host.filter(|h| !host_allowed(h, &state.config.allowed_hosts)) {
        return ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            "host_not_allowed",
            format!(
                "this server does not answer for host {:?}; start it with --allowed-host {} if that \
                 name is yours",
                h,
                host_name(&h)
            ),
        )
        .into_response();
    }
    let api = req.uri().path().starts_with("/api/");
    let mut resp = next.run(req).await;
    if api && !resp.headers().contains_key(header::CACHE_CONTROL) {
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        let allowed = vec!["scout.example.org".to_string()];
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST",
            "[::1]:8080",
            "10.1.2.3",
            "scout.example.org",
            "Scout.Example.org.:443",
        ] {
            assert!(host_allowed(ok, &allowed), "{ok}");
        }
        for bad in [
            "evil.example:8080",
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "scout.example.org.evil",
        ] {
            assert!(!host_allowed(bad, &allowed), "{bad}");
        }
    }
}
