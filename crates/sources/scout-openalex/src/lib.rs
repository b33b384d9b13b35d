//! OpenAlex API client: fetches a filtered slice of works, authors or institutions with cursor
//! paging and writes it as the gzipped JSON Lines that `scout ingest` reads.
//!
//! ```text
//! FetchConfig ─▶ Fetcher::run ─▶ GET /works?filter=…&per-page=…&cursor=…   (http: Transport)
//!                   │   429 / 5xx / transport error / unparsable page → backoff + jitter,
//!                   │   Retry-After honoured, attempts capped (retry)
//!                   ├─▶ DIR/works/part_00000.jsonl.gz  one gzip member per page, fsynced (output)
//!                   └─▶ DIR/.scout-fetch.json  cursor, counts, daily budget; renamed into place
//!                                              after the page is on disk (state)
//! ```
//!
//! A killed fetch resumes from the state file: the part file is cut back to the committed length,
//! so no record is written twice and the final files are byte-identical to an uninterrupted run.
//! The API key is a [`Secret`]: it is sent but never printed, logged or stored.
//!
//! Daily updates (`updates`): `run_update` adds a date filter (`from_updated_date`, falling
//! back to `from_created_date` when OpenAlex refuses it for the key) to the base filter, writes
//! each run into `DIR/updates/…`, and keeps the runs in `DIR/.scout-updates.json` so that
//! `--since last` continues from the last complete run.

mod entity;
mod error;
mod fetch;
mod http;
mod output;
mod page;
mod redact;
#[cfg(feature = "replay")]
pub mod replay;
mod retry;
mod state;
mod updates;
mod url;

pub use entity::Entity;
pub use error::FetchError;
pub use fetch::{
    DEFAULT_BASE_URL, DEFAULT_DAILY_BUDGET, DEFAULT_RECORDS_PER_PART, Event, FetchConfig,
    FetchSummary, Fetcher, Stop,
};
#[cfg(feature = "http")]
pub use http::UreqTransport;
pub use http::{Response, Transport};
pub use output::part_path;
pub use page::{Page, parse_page};
pub use redact::Secret;
pub use retry::{Jitter, RetryPolicy, parse_http_date, parse_retry_after, utc_day};
pub use state::{FetchState, STATE_FILE};
pub use updates::{
    DateFilter, Since, UPDATES_FILE, UpdateLog, UpdateRun, UpdateSummary, run_update,
};
