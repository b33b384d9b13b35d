//! Daily updates: a fetch of what changed since a date, each run in its own folder under
//! `DIR/updates/`, with every run's bound and start day kept in `DIR/.scout-updates.json`, so
//! that `--since last` starts where the last complete run started (a one-day overlap: `scout
//! ingest` stores a record it already holds as "unchanged") and a run stopped early (budget,
//! rate limit, kill) is resumed by the next command rather than started again.
//! The daily request budget counts every update run into the directory (the count is carried
//! from run to run in the log); a full fetch into the same directory keeps its own count.
//!
//! Which filter. OpenAlex's works filters `from_updated_date` (changed on or after a date) and
//! `from_created_date` (added on or after it) have both been documented as needing a premium
//! key, and which one a key may use can change; so a run asks. It tries `from_updated_date`
//! (the right one: a new affiliation on an old paper is an update) unless told otherwise and,
//! when OpenAlex refuses it on the first page (HTTP 400 or 403), falls back to
//! `from_created_date` (new works only), recording the refusal and the filter used. A key that
//! may use neither gets an error naming the other way: snapshot diffs (the snapshot's works are
//! partitioned by `updated_date=YYYY-MM-DD`; ingest only the partitions newer than the last).

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::FetchError;
use crate::fetch::{Event, FetchConfig, FetchSummary, Fetcher, Stop};
use crate::state::{FetchState, read_json, write_json_durably};

/// The update log beside the fetch output.
pub const UPDATES_FILE: &str = ".scout-updates.json";

/// The date filter an update run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateFilter {
    /// `from_updated_date`: works changed on or after the date (new ones included).
    Updated,
    /// `from_created_date`: works added on or after the date.
    Created,
}

impl DateFilter {
    /// The API's filter name.
    pub fn name(self) -> &'static str {
        match self {
            DateFilter::Updated => "from_updated_date",
            DateFilter::Created => "from_created_date",
        }
    }

    /// What to try when OpenAlex refuses this filter.
    pub fn fallback(self) -> Option<DateFilter> {
        match self {
            DateFilter::Updated => Some(DateFilter::Created),
            DateFilter::Created => None,
        }
    }
}

impl std::str::FromStr for DateFilter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "updated" => Ok(DateFilter::Updated),
            "created" => Ok(DateFilter::Created),
            other => Err(format!("{other:?}: expected updated or created")),
        }
    }
}

/// Where an update starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Since {
    /// A day, `YYYY-MM-DD`.
    Day(String),
    /// The start day of the last complete run.
    Last,
}

impl std::str::FromStr for Since {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "last" {
            return Ok(Since::Last);
        }
        if is_day(s) {
            Ok(Since::Day(s.to_string()))
        } else {
            Err(format!("{s:?}: expected a day YYYY-MM-DD or `last`"))
        }
    }
}

/// `YYYY-MM-DD` with a month 01–12 and a day 01–31.
fn is_day(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits(0..4) || !digits(5..7) {
        return false;
    }
    if !digits(8..10) {
        return false;
    }
    let month = (b[5] - b'0') * 10 + (b[6] - b'0');
    let day = (b[8] - b'0') * 10 + (b[9] - b'0');
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// One update run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateRun {
    /// The bound, `YYYY-MM-DD`.
    pub since: String,
    /// The filter the run uses (after any fallback).
    pub date_filter: DateFilter,
    /// The UTC day the run started: the next run's bound.
    pub started_on: String,
    /// The run's folder, relative to the output directory.
    pub dir: String,
    /// The API had no more pages.
    pub complete: bool,
    /// Records written by the run.
    pub records: u64,
    /// Filters OpenAlex refused for this run, with its answer.
    pub refused: Vec<String>,
}

/// Every update run into one output directory, oldest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UpdateLog {
    pub version: u32,
    pub entity: String,
    /// The base filter every run adds its date filter to.
    pub filter: String,
    pub runs: Vec<UpdateRun>,
    /// The daily request count shared by every run into this directory (each run's folder has
    /// its own fetch state; this carries the count from one to the next): the UTC day…
    #[serde(default)]
    pub budget_day: String,
    /// …and the requests made on it.
    #[serde(default)]
    pub requests_today: u64,
}

impl UpdateLog {
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(UPDATES_FILE)
    }

    /// The log in `dir`, if an update ran there.
    pub fn load(dir: &Path) -> Result<Option<Self>, FetchError> {
        let path = Self::path(dir);
        let Some(log) = read_json::<Self>(&path)? else {
            return Ok(None);
        };
        if log.version != 1 {
            return Err(FetchError::BadState {
                path,
                reason: format!("unknown version {}", log.version),
            });
        }
        Ok(Some(log))
    }

    /// Replaces the log atomically and durably.
    pub fn save(&self, dir: &Path) -> Result<(), FetchError> {
        write_json_durably(dir, UPDATES_FILE, self)
    }

    /// The start day of the last complete run.
    pub fn last_bound(&self) -> Option<&str> {
        self.runs
            .iter()
            .rev()
            .find(|r| r.complete)
            .map(|r| r.started_on.as_str())
    }
}

/// What an update run did.
#[derive(Debug, Clone)]
pub struct UpdateSummary {
    pub run: UpdateRun,
    /// The run resumed one a previous command left incomplete.
    pub resumed_run: bool,
    pub fetch: FetchSummary,
    /// The run's folder (what to ingest).
    pub dir: PathBuf,
}

/// The base filter with the run's date filter added.
fn dated_filter(base: &str, run: &UpdateRun) -> String {
    let date = format!("{}:{}", run.date_filter.name(), run.since);
    if base.is_empty() {
        date
    } else {
        format!("{base},{date}")
    }
}

fn run_dir(started_on: &str, since: &str, filter: DateFilter) -> String {
    format!("updates/{started_on}_{}_{since}", filter.name())
}

/// Starts a new run's fetch state with the requests already made today by earlier runs, so that
/// the daily budget counts every run into the directory (a run's own state carries it on).
fn carry_budget_in(config: &FetchConfig, day: &str, requests: u64) -> Result<(), FetchError> {
    if day.is_empty() || FetchState::load(&config.out)?.is_some() {
        return Ok(());
    }
    let entity_dir = config.out.join(config.entity.path());
    fs::create_dir_all(&entity_dir).map_err(|source| FetchError::Io {
        path: entity_dir.clone(),
        source,
    })?;
    let mut state = FetchState::new(
        config.entity.path(),
        &config.filter,
        config.per_page,
        config.records_per_part,
    );
    state.budget_day = day.to_string();
    state.requests_today = requests;
    state.save(&config.out)
}

/// True when the run's folder holds no committed page (a refused first request).
fn nothing_committed(dir: &Path) -> Result<bool, FetchError> {
    Ok(FetchState::load(dir)?.is_none_or(|s| s.pages == 0))
}

/// Runs (or resumes) an update: `base` names the entity, the base filter, the output
/// directory and the transport settings; `today` is the UTC day (`YYYY-MM-DD`).
pub fn run_update(
    fetcher: &mut Fetcher<'_>,
    base: &FetchConfig,
    since: &Since,
    prefer: DateFilter,
    today: &str,
    on_event: &mut dyn FnMut(Event),
) -> Result<UpdateSummary, FetchError> {
    let out = base.out.as_path();
    fs::create_dir_all(out).map_err(|source| FetchError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    let mut log = match UpdateLog::load(out)? {
        Some(log) => {
            if log.entity != base.entity.path() || log.filter != base.filter {
                return Err(FetchError::OtherFetch {
                    path: UpdateLog::path(out),
                    what: format!("updates of {} with filter {:?}", log.entity, log.filter),
                });
            }
            log
        }
        None => UpdateLog {
            version: 1,
            entity: base.entity.path().to_string(),
            filter: base.filter.clone(),
            runs: Vec::new(),
            budget_day: String::new(),
            requests_today: 0,
        },
    };
    let resumed_run = log.runs.last().is_some_and(|r| !r.complete);
    if !resumed_run {
        let since = match since {
            Since::Day(d) => d.clone(),
            Since::Last => log.last_bound().map(str::to_string).ok_or_else(|| {
                FetchError::Config(format!(
                    "no complete update run in {} yet: give the first one a day (--since YYYY-MM-DD)",
                    out.display()
                ))
            })?,
        };
        log.runs.push(UpdateRun {
            dir: run_dir(today, &since, prefer),
            since,
            date_filter: prefer,
            started_on: today.to_string(),
            complete: false,
            records: 0,
            refused: Vec::new(),
        });
    }
    // Recorded before the first request: a killed run is found and resumed.
    log.save(out)?;
    loop {
        let Some(run) = log.runs.last_mut() else {
            return Err(FetchError::Config("the update log lost its run".into()));
        };
        let mut config = base.clone();
        config.out = out.join(&run.dir);
        config.filter = dated_filter(&base.filter, run);
        carry_budget_in(&config, &log.budget_day, log.requests_today)?;
        let result = fetcher.run(&config, on_event);
        if let Some(state) = FetchState::load(&config.out)? {
            log.budget_day = state.budget_day;
            log.requests_today = state.requests_today;
        }
        let Some(run) = log.runs.last_mut() else {
            return Err(FetchError::Config("the update log lost its run".into()));
        };
        match result {
            Ok(fetch) => {
                run.records = fetch.total_records;
                run.complete = fetch.stop == Stop::Complete;
                let summary = UpdateSummary {
                    run: run.clone(),
                    resumed_run,
                    fetch,
                    dir: config.out.clone(),
                };
                log.save(out)?;
                return Ok(summary);
            }
            Err(FetchError::Status {
                status: status @ (400 | 403),
                message,
                ..
            }) if nothing_committed(&config.out)? => {
                run.refused.push(format!(
                    "{}: HTTP {status}: {message}",
                    run.date_filter.name()
                ));
                // The refused run's folder holds at most an empty state: start the next one clean.
                fs::remove_dir_all(&config.out).map_err(|source| FetchError::Io {
                    path: config.out.clone(),
                    source,
                })?;
                let Some(next) = run.date_filter.fallback() else {
                    let refused = run.refused.join("; ");
                    log.save(out)?;
                    return Err(FetchError::Config(format!(
                        "OpenAlex refused every date filter for this key ({refused}); use \
                         snapshot diffs instead: download the snapshot's works partitions \
                         `updated_date=YYYY-MM-DD` newer than the last one ingested and \
                         `scout ingest` them"
                    )));
                };
                run.date_filter = next;
                run.dir = run_dir(&run.started_on, &run.since, next);
                log.save(out)?;
            }
            Err(e) => {
                log.save(out)?;
                return Err(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_a_day_or_last() {
        assert_eq!("last".parse::<Since>(), Ok(Since::Last));
        assert_eq!(
            "2026-11-30".parse::<Since>(),
            Ok(Since::Day("2026-11-30".into()))
        );
        for bad in [
            "2026-13-01",
            "2026-1-01",
            "yesterday",
            "2026-11-31x",
            "2026-00-10",
            "",
        ] {
            assert!(bad.parse::<Since>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_date_filter_is_added_to_the_base_filter() {
        let run = UpdateRun {
            since: "2026-11-30".into(),
            date_filter: DateFilter::Updated,
            started_on: "2026-12-01".into(),
            dir: String::new(),
            complete: false,
            records: 0,
            refused: Vec::new(),
        };
        assert_eq!(
            dated_filter("topics.id:T1", &run),
            "topics.id:T1,from_updated_date:2026-11-30"
        );
        assert_eq!(dated_filter("", &run), "from_updated_date:2026-11-30");
        assert_eq!(DateFilter::Updated.fallback(), Some(DateFilter::Created));
        assert_eq!(DateFilter::Created.fallback(), None);
    }
}
