//! Errors of the OpenAlex client. Messages never contain the API key: every text that could
//! carry it (URLs, response bodies, transport errors) passes through [`crate::Secret::redact`].

use std::path::PathBuf;

/// A fetch that could not continue. Progress up to the last committed page is kept in the
/// state file, so every variant is resumable by running the same fetch again.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("state file {path} is unreadable: {reason}")]
    BadState { path: PathBuf, reason: String },
    #[error(
        "{path} belongs to another fetch ({what}); use another --out directory or delete the state file to start over"
    )]
    OtherFetch { path: PathBuf, what: String },
    #[error("{path} is shorter ({actual} bytes) than the state file records ({expected} bytes)")]
    ShortPart {
        path: PathBuf,
        expected: u64,
        actual: u64,
    },
    #[error("OpenAlex answered HTTP {status} for {url}: {message}")]
    Status {
        status: u16,
        url: String,
        message: String,
    },
    #[error("giving up after {attempts} attempts on {url}: {last}")]
    RetriesExhausted {
        attempts: u32,
        url: String,
        last: String,
    },
    #[error("OpenAlex sent an unusable page for {url}: {reason}")]
    BadPage { url: String, reason: String },
    #[error("invalid setting: {0}")]
    Config(String),
}
