//! The client against a local server replaying real recorded OpenAlex pages
//! (`tests/data`, CC0): paging, retries on 429/5xx/truncated bodies, the budget guard,
//! resuming, and the API key never leaving the request.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use scout_formats::{Item, Limits, Record, discover, read_file};
use scout_openalex::replay::{Fault, ReplayServer};
use scout_openalex::{
    Entity, Event, FetchConfig, FetchError, FetchState, FetchSummary, Fetcher, Jitter, Stop,
    UreqTransport,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;
/// A finished reference fetch: its directory and its output files.
type Reference = (tempfile::TempDir, BTreeMap<String, Vec<u8>>);

const KEY: &str = "sk-test-7f3a9c1e+/=";
const FILTER: &str = "topics.id:T10028,publication_year:>2017";
const WORKS: usize = 40;

fn data(entity: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(entity)
}

fn works_server() -> Result<ReplayServer, std::io::Error> {
    let server = ReplayServer::start(&data("works"), "works")?;
    server.require_key(KEY);
    Ok(server)
}

fn config(server: &ReplayServer, out: &Path) -> FetchConfig {
    let mut c = FetchConfig::new(Entity::Works, FILTER, out);
    c.base_url = server.url();
    c.api_key = scout_openalex::Secret::new(Some(KEY.to_string()));
    c.per_page = 5;
    c.records_per_part = 15;
    c.retry.base_delay = Duration::from_millis(100);
    c
}

/// A run's outcome with the sleeps it asked for and what it reported.
struct Run {
    result: Result<FetchSummary, FetchError>,
    sleeps: Vec<Duration>,
    events: Vec<Event>,
}

fn run_at(config: &FetchConfig, now: SystemTime) -> Run {
    let transport = UreqTransport::new("scout-test", Duration::from_secs(10));
    let sleeps = RefCell::new(Vec::new());
    let mut events = Vec::new();
    let result = Fetcher::new(&transport)
        .with_sleep(|d| sleeps.borrow_mut().push(d))
        .with_clock(move || now)
        .with_jitter(Jitter::new(42))
        .run(config, &mut |e| events.push(e));
    Run {
        result,
        sleeps: sleeps.into_inner(),
        events,
    }
}

fn run(config: &FetchConfig) -> Run {
    run_at(config, SystemTime::now())
}

/// Every output file except the state file, by relative path.
fn output_files(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>, std::io::Error> {
    let mut out = BTreeMap::new();
    let entity_dir = dir.join("works");
    for entry in std::fs::read_dir(&entity_dir)? {
        let path = entry?.path();
        out.insert(
            path.strip_prefix(dir)
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            std::fs::read(&path)?,
        );
    }
    Ok(out)
}

/// The work ids in the output, as `scout ingest` reads them, and the number of rejects.
fn ingested_ids(dir: &Path) -> Result<(Vec<String>, u64), Box<dyn std::error::Error>> {
    let found = discover(&[dir.to_path_buf()])?;
    assert!(
        found
            .skipped
            .iter()
            .all(|s| s.path.ends_with(".scout-fetch.json")),
        "{:?}",
        found.skipped
    );
    let mut ids = Vec::new();
    let mut rejects = 0;
    for file in &found.files {
        read_file(
            file,
            &Limits::default(),
            Arc::new(AtomicU64::new(0)),
            &mut |item| match item {
                Item::Record {
                    record: Record::Work(w),
                    ..
                } => ids.push(w.key.clone()),
                Item::Record { .. } => {}
                Item::Reject(_) => rejects += 1,
            },
        )?;
    }
    Ok((ids, rejects))
}

fn reference() -> Result<Reference, Box<dyn std::error::Error>> {
    let server = works_server()?;
    let dir = tempfile::tempdir()?;
    let summary = run(&config(&server, dir.path())).result?;
    assert_eq!(summary.stop, Stop::Complete);
    let files = output_files(dir.path())?;
    Ok((dir, files))
}

fn assert_no_key(dir: &Path, texts: &[String]) -> TestResult {
    for text in texts {
        assert!(!text.contains(KEY) && !text.contains("sk-test"), "{text}");
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let bytes = std::fs::read(&path)?;
            let mut text = String::from_utf8_lossy(&bytes).into_owned();
            if path.extension().is_some_and(|e| e == "gz") {
                use std::io::Read as _;
                text.clear();
                flate2::read::MultiGzDecoder::new(&bytes[..]).read_to_string(&mut text)?;
            }
            assert!(!text.contains("sk-test"), "key in {}", path.display());
        }
    }
    Ok(())
}

#[test]
fn multi_page_fetch_writes_what_ingest_reads() -> TestResult {
    let server = works_server()?;
    let dir = tempfile::tempdir()?;
    let r = run(&config(&server, dir.path()));
    let summary = r.result?;
    assert_eq!(summary.stop, Stop::Complete);
    assert_eq!(
        (
            summary.pages,
            summary.records,
            summary.requests,
            summary.retries
        ),
        (8, WORKS as u64, 9, 0)
    );
    assert_eq!(summary.expected, Some(WORKS as u64));
    assert!(r.sleeps.is_empty());
    // 40 records in parts of 15 → 3 parts (15, 15, 10); each page one gzip member.
    assert_eq!(summary.files.len(), 3);
    let (ids, rejects) = ingested_ids(dir.path())?;
    assert_eq!((ids.len(), rejects), (WORKS, 0));
    let unique: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), WORKS);
    // The cursor chain: `*`, then each page's next_cursor; filter, per-page and key sent.
    let reqs = server.requests();
    assert_eq!(reqs.len(), 9);
    assert_eq!(reqs[0].param("cursor"), Some("*"));
    for (i, r) in reqs.iter().enumerate() {
        assert_eq!(r.page, Some(i));
        assert_eq!(r.param("filter"), Some(FILTER));
        assert_eq!(r.param("per-page"), Some("5"));
        assert_eq!(r.param("api_key"), Some(KEY));
    }
    let state = FetchState::load(dir.path())?.ok_or("no state")?;
    assert!(state.done && state.cursor.is_none());
    assert_eq!((state.pages, state.records, state.part), (8, 40, 2));
    // Running again does nothing.
    let again = run(&config(&server, dir.path())).result?;
    assert_eq!((again.requests, again.stop), (0, Stop::Complete));
    assert_eq!(server.requests().len(), 9);
    Ok(())
}

#[test]
fn a_429_storm_honours_retry_after_seconds_and_dates() -> TestResult {
    let (_ref_dir, expected) = reference()?;
    let server = works_server()?;
    let now = UNIX_EPOCH + Duration::from_secs(1_780_000_000);
    for _ in 0..4 {
        server.fault(
            2,
            Fault::Status {
                status: 429,
                retry_after: Some("2".into()),
                body: r#"{"error":"Rate limit exceeded"}"#.into(),
            },
        );
    }
    // An HTTP date 7 s after the (fixed) clock.
    let date = httpdate(1_780_000_007);
    server.fault(
        5,
        Fault::Status {
            status: 429,
            retry_after: Some(date),
            body: String::new(),
        },
    );
    let dir = tempfile::tempdir()?;
    let r = run_at(&config(&server, dir.path()), now);
    let summary = r.result?;
    assert_eq!(summary.stop, Stop::Complete);
    assert_eq!(summary.retries, 5);
    assert_eq!(
        r.sleeps,
        [2, 2, 2, 2, 7].map(Duration::from_secs).to_vec(),
        "Retry-After governs the waits"
    );
    let retries: Vec<_> = r
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Retry { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .collect();
    assert!(retries[0].starts_with("HTTP 429"), "{retries:?}");
    assert_eq!(output_files(dir.path())?, expected);
    Ok(())
}

/// IMF-fixdate for a Unix time.
fn httpdate(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let day = scout_openalex::utc_day(UNIX_EPOCH + Duration::from_secs(secs));
    let mut parts = day.split('-').map(|p| p.parse::<usize>().unwrap_or(0));
    let (y, m, d) = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(1),
        parts.next().unwrap_or(1),
    );
    let t = secs % 86_400;
    format!(
        "{}, {d:02} {} {y} {:02}:{:02}:{:02} GMT",
        DAYS[(secs / 86_400 % 7) as usize],
        MONTHS[m - 1],
        t / 3600,
        t / 60 % 60,
        t % 60
    )
}

#[test]
fn server_errors_truncated_bodies_and_dropped_connections_are_retried_never_written() -> TestResult
{
    let (_ref_dir, expected) = reference()?;
    let server = works_server()?;
    server.fault(
        1,
        Fault::Status {
            status: 500,
            retry_after: None,
            body: "Internal Server Error".into(),
        },
    );
    server.fault(3, Fault::Truncate { keep: 5000 });
    server.fault(4, Fault::TruncateUndelimited { keep: 7000 });
    server.fault(6, Fault::Drop);
    let dir = tempfile::tempdir()?;
    let r = run(&config(&server, dir.path()));
    let summary = r.result?;
    assert_eq!((summary.stop, summary.retries), (Stop::Complete, 4));
    // Backoff without Retry-After: the first retry waits base·[0.5, 1).
    for wait in &r.sleeps {
        assert!(
            *wait >= Duration::from_millis(50) && *wait < Duration::from_millis(100),
            "{wait:?}"
        );
    }
    let reasons: Vec<String> = r
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Retry { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .collect();
    assert!(reasons[0].contains("HTTP 500"), "{reasons:?}");
    assert!(reasons[2].contains("ends early"), "{reasons:?}");
    assert_eq!(output_files(dir.path())?, expected);
    let (ids, rejects) = ingested_ids(dir.path())?;
    assert_eq!((ids.len(), rejects), (WORKS, 0));
    Ok(())
}

#[test]
fn retries_are_capped_and_the_fetch_resumes_where_it_stopped() -> TestResult {
    let (_ref_dir, expected) = reference()?;
    let server = works_server()?;
    for _ in 0..3 {
        server.fault(
            4,
            Fault::Status {
                status: 503,
                retry_after: None,
                body: String::new(),
            },
        );
    }
    let dir = tempfile::tempdir()?;
    let mut c = config(&server, dir.path());
    c.retry.max_attempts = 3;
    let r = run(&c);
    let err = r.result.err().ok_or("expected an error")?;
    assert!(
        matches!(err, FetchError::RetriesExhausted { attempts: 3, .. }),
        "{err}"
    );
    let message = err.to_string();
    assert!(message.contains("api_key=***"), "{message}");
    assert_eq!(r.sleeps.len(), 2);
    // Backoff doubles: attempt 1 → [50, 100) ms, attempt 2 → [100, 200) ms.
    assert!(r.sleeps[1] >= Duration::from_millis(100));
    let state = FetchState::load(dir.path())?.ok_or("no state")?;
    assert_eq!((state.pages, state.records), (4, 20));
    let resumed = run(&c).result?;
    assert!(resumed.resumed);
    assert_eq!((resumed.pages, resumed.stop), (4, Stop::Complete));
    assert_eq!(output_files(dir.path())?, expected);
    Ok(())
}

#[test]
fn a_long_retry_after_stops_cleanly_instead_of_sleeping() -> TestResult {
    let (_ref_dir, expected) = reference()?;
    let server = works_server()?;
    server.fault(
        2,
        Fault::Status {
            status: 429,
            retry_after: Some("7200".into()),
            body: r#"{"error":"Daily credit limit exceeded"}"#.into(),
        },
    );
    let dir = tempfile::tempdir()?;
    let c = config(&server, dir.path());
    let r = run(&c);
    match r.result?.stop {
        Stop::RateLimited { wait, reason } => {
            assert_eq!(wait, Some(Duration::from_secs(7200)));
            assert!(reason.contains("Daily credit limit"), "{reason}");
        }
        other => return Err(format!("{other:?}").into()),
    }
    assert!(r.sleeps.is_empty());
    assert_eq!(run(&c).result?.stop, Stop::Complete);
    assert_eq!(output_files(dir.path())?, expected);
    Ok(())
}

#[test]
fn the_daily_budget_stops_the_fetch_and_counts_across_runs() -> TestResult {
    let (_ref_dir, expected) = reference()?;
    let server = works_server()?;
    let dir = tempfile::tempdir()?;
    let mut c = config(&server, dir.path());
    c.daily_budget = 3;
    let day1 = UNIX_EPOCH + Duration::from_secs(1_780_000_000);
    let day2 = day1 + Duration::from_secs(86_400);
    let first = run_at(&c, day1).result?;
    assert_eq!(first.stop, Stop::Budget { used: 3, budget: 3 });
    assert_eq!((first.pages, first.requests), (3, 3));
    // The same day: nothing left, no request made.
    let second = run_at(&c, day1).result?;
    assert_eq!((second.requests, second.pages), (0, 0));
    assert!(matches!(second.stop, Stop::Budget { .. }));
    assert_eq!(server.requests().len(), 3);
    // The next day the allowance is back.
    let third = run_at(&c, day2).result?;
    assert_eq!(
        (third.requests, third.pages, third.requests_today),
        (3, 3, 3)
    );
    // A larger budget finishes the same day.
    c.daily_budget = 100;
    let last = run_at(&c, day2).result?;
    assert_eq!(
        (last.stop, last.pages, last.requests_today),
        (Stop::Complete, 2, 6)
    );
    assert_eq!(output_files(dir.path())?, expected);
    let state = FetchState::load(dir.path())?.ok_or("no state")?;
    assert_eq!(state.requests_total, 9);
    Ok(())
}

#[test]
fn the_api_key_never_reaches_output_state_errors_or_events() -> TestResult {
    let server = works_server()?;
    // An error body that echoes the request, key included (as some servers do).
    server.fault(
        3,
        Fault::Status {
            status: 400,
            retry_after: None,
            body: format!(r#"{{"error":"bad request /works?api_key={KEY}&cursor=x"}}"#),
        },
    );
    let dir = tempfile::tempdir()?;
    let c = config(&server, dir.path());
    let r = run(&c);
    let err = r.result.err().ok_or("expected the 400 to stop the fetch")?;
    assert!(matches!(err, FetchError::Status { status: 400, .. }));
    let mut texts = vec![err.to_string(), format!("{err:?}"), format!("{c:?}")];
    texts.extend(r.events.iter().map(|e| format!("{e:?}")));
    let done = run(&c);
    texts.push(format!("{:?}", done.result?));
    assert_no_key(dir.path(), &texts)?;
    // A wrong key is refused by the server and reported without the key.
    let other = tempfile::tempdir()?;
    let mut wrong = config(&server, other.path());
    wrong.api_key = scout_openalex::Secret::new(Some("sk-test-wrong".into()));
    let err = run(&wrong).result.err().ok_or("expected 401")?;
    assert!(matches!(err, FetchError::Status { status: 401, .. }));
    assert_no_key(other.path(), &[err.to_string()])?;
    Ok(())
}

#[test]
fn another_fetch_into_the_same_directory_is_refused() -> TestResult {
    let server = works_server()?;
    let dir = tempfile::tempdir()?;
    let mut c = config(&server, dir.path());
    c.daily_budget = 1;
    let _ = run(&c).result?;
    c.filter = "publication_year:2020".into();
    c.daily_budget = 100;
    let err = run(&c).result.err().ok_or("expected a refusal")?;
    assert!(matches!(err, FetchError::OtherFetch { .. }), "{err}");
    Ok(())
}

#[test]
fn authors_are_fetched_into_their_own_directory() -> TestResult {
    let server = ReplayServer::start(&data("authors"), "authors")?;
    let dir = tempfile::tempdir()?;
    let mut c = FetchConfig::new(Entity::Authors, "", dir.path());
    c.base_url = server.url();
    c.per_page = 3;
    let summary = run(&c).result?;
    assert_eq!((summary.records, summary.pages), (6, 2));
    assert!(summary.files[0].ends_with("authors/part_00000.jsonl.gz"));
    assert_eq!(server.requests()[0].param("filter"), None);
    let found = discover(&[dir.path().to_path_buf()])?;
    let mut authors = 0;
    read_file(
        &found.files[0],
        &Limits::default(),
        Arc::default(),
        &mut |item| {
            if let Item::Record {
                record: Record::Author(_),
                ..
            } = item
            {
                authors += 1;
            }
        },
    )?;
    assert_eq!(authors, 6);
    Ok(())
}

#[test]
fn a_page_written_but_not_committed_is_overwritten_not_duplicated() -> TestResult {
    let (_ref_dir, expected) = reference()?;
    let server = works_server()?;
    let dir = tempfile::tempdir()?;
    let mut c = config(&server, dir.path());
    c.daily_budget = 4;
    let day = UNIX_EPOCH + Duration::from_secs(1_780_000_000);
    assert!(matches!(run_at(&c, day).result?.stop, Stop::Budget { .. }));
    let state = FetchState::load(dir.path())?.ok_or("no state")?;
    assert_eq!((state.part, state.pages), (1, 4));
    // What a SIGKILL between writing page 5 and saving the state leaves behind: page 5's
    // records after the committed length, the start of a next part, a half-written state.
    let part = scout_openalex::part_path(&dir.path().join("works"), 1);
    let committed = std::fs::read(&part)?;
    let mut extra = expected
        .get("works/part_00001.jsonl.gz")
        .ok_or("no reference part 1")?
        .clone();
    extra.drain(..committed.len().min(extra.len()));
    assert!(!extra.is_empty());
    std::fs::write(&part, [committed.clone(), extra].concat())?;
    std::fs::write(
        scout_openalex::part_path(&dir.path().join("works"), 2),
        b"\x1f\x8b half a member",
    )?;
    std::fs::write(dir.path().join(".scout-fetch.json.tmp"), "{\"vers")?;
    c.daily_budget = 100;
    let resumed = run_at(&c, day).result?;
    assert_eq!((resumed.stop, resumed.pages), (Stop::Complete, 4));
    assert_eq!(output_files(dir.path())?, expected);
    let (ids, rejects) = ingested_ids(dir.path())?;
    assert_eq!((ids.len(), rejects), (WORKS, 0));
    Ok(())
}
