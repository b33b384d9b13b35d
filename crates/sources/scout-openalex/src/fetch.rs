//! The fetch loop: cursor paging with retries, the daily budget guard, and commit order
//! (page fsynced, then state renamed) that makes a killed fetch resumable without duplicates.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use crate::entity::Entity;
use crate::error::FetchError;
use crate::http::{Response, Transport};
use crate::output::{append_page, part_files, restore};
use crate::page::parse_page;
use crate::redact::Secret;
use crate::retry::{Jitter, RetryPolicy, parse_retry_after, utc_day};
use crate::state::FetchState;
use crate::url;

/// The public API.
pub const DEFAULT_BASE_URL: &str = "https://api.openalex.org";
/// List requests a free key may make per day (OpenAlex, 2026: $1/day at $0.10 per 1,000).
pub const DEFAULT_DAILY_BUDGET: u64 = 10_000;
/// Records per output part file (50 full pages).
pub const DEFAULT_RECORDS_PER_PART: u64 = 10_000;

/// What to fetch and how.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub entity: Entity,
    /// The API's `filter` parameter, e.g. `topics.id:T10028,publication_year:>2017`.
    pub filter: String,
    pub out: PathBuf,
    pub api_key: Secret,
    /// Sent as `mailto` (OpenAlex's contact parameter).
    pub mailto: Option<String>,
    pub base_url: String,
    /// 1–200.
    pub per_page: u32,
    /// Requests allowed per UTC day, counted across runs in the state file.
    pub daily_budget: u64,
    pub records_per_part: u64,
    pub retry: RetryPolicy,
}

impl FetchConfig {
    pub fn new(entity: Entity, filter: impl Into<String>, out: impl Into<PathBuf>) -> Self {
        Self {
            entity,
            filter: filter.into(),
            out: out.into(),
            api_key: Secret::default(),
            mailto: None,
            base_url: DEFAULT_BASE_URL.to_string(),
            per_page: 200,
            daily_budget: DEFAULT_DAILY_BUDGET,
            records_per_part: DEFAULT_RECORDS_PER_PART,
            retry: RetryPolicy::default(),
        }
    }

    fn check(&self) -> Result<(), FetchError> {
        if !(1..=200).contains(&self.per_page) {
            return Err(FetchError::Config(format!(
                "--per-page must be 1–200, not {}",
                self.per_page
            )));
        }
        if self.records_per_part == 0 || self.retry.max_attempts == 0 {
            return Err(FetchError::Config(
                "records per part and attempts must be positive".into(),
            ));
        }
        if !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://")) {
            return Err(FetchError::Config(format!(
                "--base-url must start with http:// or https://, not {:?}",
                self.base_url
            )));
        }
        Ok(())
    }

    /// The request URL for a cursor (with the key: never print it unredacted).
    fn url(&self, cursor: &str) -> String {
        let mut u = format!(
            "{}/{}?",
            self.base_url.trim_end_matches('/'),
            self.entity.path()
        );
        if !self.filter.is_empty() {
            u.push_str("filter=");
            u.push_str(&url::encode(&self.filter));
            u.push('&');
        }
        u.push_str(&format!(
            "per-page={}&cursor={}",
            self.per_page,
            url::encode(cursor)
        ));
        if let Some(m) = &self.mailto {
            u.push_str("&mailto=");
            u.push_str(&url::encode(m));
        }
        if let Some(k) = self.api_key.expose() {
            u.push_str("&api_key=");
            u.push_str(&url::encode(k));
        }
        u
    }
}

/// Why a run ended without an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The API has no more pages.
    Complete,
    /// The daily request budget is spent; run again tomorrow (UTC) or raise it.
    Budget { used: u64, budget: u64 },
    /// The server asked for a wait longer than the policy allows (or reported no allowance
    /// left); run again later.
    RateLimited {
        wait: Option<Duration>,
        reason: String,
    },
}

/// What one run did.
#[derive(Debug, Clone)]
pub struct FetchSummary {
    pub stop: Stop,
    /// This run.
    pub pages: u64,
    pub records: u64,
    pub requests: u64,
    pub retries: u64,
    pub seconds: f64,
    /// All runs into this directory.
    pub total_pages: u64,
    pub total_records: u64,
    /// `meta.count`: what the query matches.
    pub expected: Option<u64>,
    pub resumed: bool,
    pub requests_today: u64,
    pub daily_budget: u64,
    pub files: Vec<PathBuf>,
    pub state_file: PathBuf,
}

/// Reported while fetching.
#[derive(Debug, Clone)]
pub enum Event {
    /// Where a resumed fetch starts.
    Resumed { pages: u64, records: u64 },
    /// A page was committed.
    Page {
        pages: u64,
        records: u64,
        expected: Option<u64>,
    },
    /// A request failed and will be tried again after `wait`.
    Retry {
        attempt: u32,
        max_attempts: u32,
        wait: Duration,
        reason: String,
    },
}

/// Runs fetches against a transport, with injectable sleep and clock (for tests).
pub struct Fetcher<'t> {
    transport: &'t dyn Transport,
    sleep: Box<dyn FnMut(Duration) + 't>,
    clock: Box<dyn Fn() -> SystemTime + 't>,
    jitter: Jitter,
}

impl<'t> Fetcher<'t> {
    pub fn new(transport: &'t dyn Transport) -> Self {
        Self {
            transport,
            sleep: Box::new(std::thread::sleep),
            clock: Box::new(SystemTime::now),
            jitter: Jitter::from_entropy(),
        }
    }

    pub fn with_sleep(mut self, sleep: impl FnMut(Duration) + 't) -> Self {
        self.sleep = Box::new(sleep);
        self
    }

    pub fn with_clock(mut self, clock: impl Fn() -> SystemTime + 't) -> Self {
        self.clock = Box::new(clock);
        self
    }

    pub fn with_jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// Fetches until the API has no more pages, the budget is spent, or an error. Every error
    /// leaves the directory resumable.
    pub fn run(
        &mut self,
        config: &FetchConfig,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<FetchSummary, FetchError> {
        config.check()?;
        let started = Instant::now();
        let dir = config.out.as_path();
        let entity_dir = dir.join(config.entity.path());
        for d in [dir, entity_dir.as_path()] {
            std::fs::create_dir_all(d).map_err(|source| FetchError::Io {
                path: d.to_path_buf(),
                source,
            })?;
        }
        let (mut state, resumed) = match FetchState::load(dir)? {
            Some(s) => {
                check_same_fetch(&s, config, dir)?;
                (s, true)
            }
            None => {
                if !part_files(&entity_dir)?.is_empty() {
                    return Err(FetchError::OtherFetch {
                        path: entity_dir,
                        what: "part files without a fetch state".into(),
                    });
                }
                let s = FetchState::new(
                    config.entity.path(),
                    &config.filter,
                    config.per_page,
                    config.records_per_part,
                );
                s.save(dir)?;
                (s, false)
            }
        };
        restore(&entity_dir, state.part, state.part_bytes)?;
        if resumed {
            on_event(Event::Resumed {
                pages: state.pages,
                records: state.records,
            });
        }
        let mut run = Counters::default();
        let stop = loop {
            let cursor = match (&state.cursor, state.done) {
                (Some(c), false) => c.clone(),
                _ => break Stop::Complete,
            };
            let page = match self.fetch_page(config, &mut state, &cursor, &mut run, on_event) {
                Ok(Fetched::Page(page, response)) => (page, response),
                Ok(Fetched::Stopped(stop)) => {
                    state.save(dir)?;
                    break stop;
                }
                Err(e) => {
                    state.save(dir)?;
                    return Err(e);
                }
            };
            let (page, response) = page;
            if page.next_cursor.as_deref() == Some(cursor.as_str()) && !page.lines.is_empty() {
                state.save(dir)?;
                return Err(FetchError::BadPage {
                    url: config.api_key.redact(&config.url(&cursor)),
                    reason: "next_cursor repeats the cursor just used".into(),
                });
            }
            if !page.lines.is_empty() {
                if state.part_records >= config.records_per_part {
                    state.part += 1;
                    state.part_bytes = 0;
                    state.part_records = 0;
                }
                state.part_bytes =
                    append_page(&entity_dir, state.part, state.part_bytes, &page.lines)?;
                let n = page.lines.len() as u64;
                state.part_records += n;
                state.records += n;
                state.pages += 1;
                run.pages += 1;
                run.records += n;
            }
            state.expected = page.count.or(state.expected);
            state.done = page.lines.is_empty() || page.next_cursor.is_none();
            state.cursor = page.next_cursor;
            state.save(dir)?;
            on_event(Event::Page {
                pages: state.pages,
                records: state.records,
                expected: state.expected,
            });
            if !state.done
                && response
                    .ratelimit_remaining
                    .as_deref()
                    .and_then(|r| r.trim().parse::<f64>().ok())
                    .is_some_and(|r| r <= 0.0)
            {
                break Stop::RateLimited {
                    wait: None,
                    reason: "the server reports no allowance left (X-RateLimit-Remaining: 0)"
                        .into(),
                };
            }
        };
        Ok(FetchSummary {
            stop,
            pages: run.pages,
            records: run.records,
            requests: run.requests,
            retries: run.retries,
            seconds: started.elapsed().as_secs_f64(),
            total_pages: state.pages,
            total_records: state.records,
            expected: state.expected,
            resumed,
            requests_today: state.requests_today,
            daily_budget: config.daily_budget,
            files: part_files(&entity_dir)?,
            state_file: FetchState::path(dir),
        })
    }

    /// One page, with retries. Counts every attempt against the budget.
    fn fetch_page(
        &mut self,
        config: &FetchConfig,
        state: &mut FetchState,
        cursor: &str,
        run: &mut Counters,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<Fetched, FetchError> {
        let url = config.url(cursor);
        let shown = || config.api_key.redact(&config.url(cursor));
        let mut attempt = 0;
        loop {
            let today = utc_day((self.clock)());
            if state.budget_day != today {
                state.budget_day = today;
                state.requests_today = 0;
            }
            if state.requests_today >= config.daily_budget {
                return Ok(Fetched::Stopped(Stop::Budget {
                    used: state.requests_today,
                    budget: config.daily_budget,
                }));
            }
            attempt += 1;
            state.requests_today += 1;
            state.requests_total += 1;
            run.requests += 1;
            let (reason, retry_after) = match self.transport.get(&url) {
                Err(e) => (config.api_key.redact(&e), None),
                Ok(response) if response.status == 200 => {
                    match parse_page(&response.body, config.entity) {
                        Ok(page) => return Ok(Fetched::Page(page, response)),
                        Err(e) => (config.api_key.redact(&e), None),
                    }
                }
                Ok(response) if retryable(&response) => {
                    let wait = response
                        .retry_after
                        .as_deref()
                        .and_then(|v| parse_retry_after(v, (self.clock)()));
                    let reason = format!(
                        "HTTP {}{}",
                        response.status,
                        excerpt(&response.body, &config.api_key)
                    );
                    (reason, wait)
                }
                Ok(response) => {
                    return Err(FetchError::Status {
                        status: response.status,
                        url: shown(),
                        message: excerpt(&response.body, &config.api_key)
                            .trim_start_matches(": ")
                            .to_string(),
                    });
                }
            };
            if let Some(wait) = retry_after.filter(|w| *w > config.retry.max_retry_after) {
                return Ok(Fetched::Stopped(Stop::RateLimited {
                    wait: Some(wait),
                    reason,
                }));
            }
            if attempt >= config.retry.max_attempts {
                return Err(FetchError::RetriesExhausted {
                    attempts: attempt,
                    url: shown(),
                    last: reason,
                });
            }
            let wait =
                retry_after.unwrap_or_else(|| config.retry.backoff(attempt, &mut self.jitter));
            run.retries += 1;
            on_event(Event::Retry {
                attempt,
                max_attempts: config.retry.max_attempts,
                wait,
                reason,
            });
            (self.sleep)(wait);
        }
    }
}

#[derive(Default)]
struct Counters {
    pages: u64,
    records: u64,
    requests: u64,
    retries: u64,
}

enum Fetched {
    Page(crate::page::Page, Response),
    Stopped(Stop),
}

/// 429, 408, 5xx, and a 403 that says when to come back.
fn retryable(r: &Response) -> bool {
    matches!(r.status, 408 | 429 | 500..=599) || (r.status == 403 && r.retry_after.is_some())
}

/// The start of an error body, on one line, without the key.
fn excerpt(body: &[u8], key: &Secret) -> String {
    // Redact before cutting, so that a cut cannot leave half a key behind.
    let text = key.redact(&String::from_utf8_lossy(body));
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return String::new();
    }
    let mut cut: String = text.chars().take(200).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    format!(": {cut}")
}

fn check_same_fetch(s: &FetchState, c: &FetchConfig, dir: &Path) -> Result<(), FetchError> {
    let differs = |what: &str, was: &str, now: &str| FetchError::OtherFetch {
        path: FetchState::path(dir),
        what: format!("{what} {was:?}, not {now:?}"),
    };
    if s.entity != c.entity.path() {
        return Err(differs("entity", &s.entity, c.entity.path()));
    }
    if s.filter != c.filter {
        return Err(differs("filter", &s.filter, &c.filter));
    }
    if s.per_page != c.per_page {
        return Err(differs(
            "per page",
            &s.per_page.to_string(),
            &c.per_page.to_string(),
        ));
    }
    if s.records_per_part != c.records_per_part {
        return Err(differs(
            "records per part",
            &s.records_per_part.to_string(),
            &c.records_per_part.to_string(),
        ));
    }
    Ok(())
}
