//! The HTTP layer: one GET returning status, the headers the client acts on, and the whole
//! body. A trait so the fetch loop can be driven by a scripted transport in unit tests; the
//! real one is ureq (rustls, gzip).

#[cfg(feature = "http")]
use std::time::Duration;

/// What the fetch loop needs from one HTTP response.
#[derive(Debug, Clone, Default)]
pub struct Response {
    pub status: u16,
    /// `Retry-After`, raw.
    pub retry_after: Option<String>,
    /// `X-RateLimit-Remaining`, raw, when the server sends it.
    pub ratelimit_remaining: Option<String>,
    pub body: Vec<u8>,
}

/// Sends GET requests. An `Err` is a transport failure (connection refused or reset,
/// timeout, a body cut short): always worth retrying. The message must not contain the URL.
pub trait Transport {
    fn get(&self, url: &str) -> Result<Response, String>;
}

#[cfg(feature = "http")]
/// Largest response body accepted (a 200-work page is a few MB).
const MAX_BODY_BYTES: u64 = 256 << 20;

/// The real transport.
#[cfg(feature = "http")]
pub struct UreqTransport {
    agent: ureq::Agent,
}

#[cfg(feature = "http")]
impl UreqTransport {
    pub fn new(user_agent: &str, timeout: Duration) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .timeout_connect(Some(Duration::from_secs(15)))
            .user_agent(user_agent)
            .build();
        Self {
            agent: config.into(),
        }
    }
}

#[cfg(feature = "http")]
impl Transport for UreqTransport {
    fn get(&self, url: &str) -> Result<Response, String> {
        let mut response = self.agent.get(url).call().map_err(describe)?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let retry_after = header("retry-after");
        let ratelimit_remaining = header("x-ratelimit-remaining");
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY_BYTES)
            .read_to_vec()
            .map_err(|e| format!("reading the response body: {}", describe(e)))?;
        Ok(Response {
            status,
            retry_after,
            ratelimit_remaining,
            body,
        })
    }
}

/// ureq's error without any URL it may carry.
#[cfg(feature = "http")]
fn describe(e: ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) => format!("I/O error: {io}"),
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        ureq::Error::HostNotFound => "host not found".to_string(),
        ureq::Error::ConnectionFailed => "connection failed".to_string(),
        other => {
            let text = other.to_string();
            // Keep the message but drop anything that looks like a URL with a query.
            text.split_whitespace()
                .map(|w| if w.contains('?') { "<url>" } else { w })
                .collect::<Vec<_>>()
                .join(" ")
        }
    }
}
