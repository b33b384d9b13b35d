//! Daily updates against the local server replaying real recorded OpenAlex pages (`tests/data`,
//! CC0): a key whose plan refuses `from_updated_date` falls back to `from_created_date` and says
//! so; `--since last` starts from the last complete run's start day; a run stopped by the budget
//! is resumed, not started again; a key refused both filters gets the snapshot-diff advice.

use std::path::Path;
use std::time::Duration;

use scout_openalex::replay::ReplayServer;
use scout_openalex::{
    DateFilter, Entity, FetchConfig, FetchError, Fetcher, Since, Stop, UpdateLog, UpdateSummary,
    UreqTransport, run_update,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const KEY: &str = "sk-test-7f3a9c1e+/=";
const FILTER: &str = "topics.id:T10028,publication_year:>2017";
const WORKS: u64 = 40;
const PREMIUM: &str = r#"{"error":"from_updated_date requires an OpenAlex Premium key"}"#;

fn server() -> Result<ReplayServer, std::io::Error> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/works");
    let server = ReplayServer::start(&dir, "works")?;
    server.require_key(KEY);
    Ok(server)
}

fn config(server: &ReplayServer, out: &Path, budget: u64) -> FetchConfig {
    let mut c = FetchConfig::new(Entity::Works, FILTER, out);
    c.base_url = server.url();
    c.api_key = scout_openalex::Secret::new(Some(KEY.to_string()));
    c.per_page = 5;
    c.records_per_part = 15;
    c.daily_budget = budget;
    c.retry.base_delay = Duration::from_millis(10);
    c
}

fn update(config: &FetchConfig, since: &Since, today: &str) -> Result<UpdateSummary, FetchError> {
    let transport = UreqTransport::new("scout-test", Duration::from_secs(10));
    let mut fetcher = Fetcher::new(&transport).with_sleep(|_| {});
    run_update(
        &mut fetcher,
        config,
        since,
        DateFilter::Updated,
        today,
        &mut |_| {},
    )
}

#[test]
fn a_refused_updated_filter_falls_back_and_last_continues_from_the_last_run() -> TestResult {
    let server = server()?;
    server.refuse_filter("from_updated_date", 403, PREMIUM);
    let out = tempfile::tempdir()?;
    let c = config(&server, out.path(), 1000);

    let first = update(&c, &Since::Day("2026-11-01".into()), "2026-12-01")?;
    assert_eq!(first.fetch.stop, Stop::Complete);
    assert!(!first.resumed_run);
    assert_eq!(first.run.date_filter, DateFilter::Created);
    assert_eq!(first.run.records, WORKS);
    assert!(first.run.complete);
    assert_eq!(first.run.refused.len(), 1, "{:?}", first.run.refused);
    assert!(first.run.refused[0].contains("from_updated_date: HTTP 403"));
    assert!(first.run.refused[0].contains("Premium"));
    assert_eq!(
        first.dir,
        out.path()
            .join("updates/2026-12-01_from_created_date_2026-11-01")
    );
    assert!(first.dir.join("works/part_00000.jsonl.gz").is_file());
    // The refused attempt left no folder behind.
    assert!(
        !out.path()
            .join("updates/2026-12-01_from_updated_date_2026-11-01")
            .exists()
    );
    let filters: Vec<String> = server
        .requests()
        .iter()
        .filter_map(|r| r.param("filter").map(str::to_string))
        .collect();
    assert_eq!(filters[0], format!("{FILTER},from_updated_date:2026-11-01"));
    assert!(
        filters[1..]
            .iter()
            .all(|f| f == &format!("{FILTER},from_created_date:2026-11-01")),
        "{filters:?}"
    );

    // The next day: `last` starts from the day the last complete run started.
    let second = update(&c, &Since::Last, "2026-12-02")?;
    assert_eq!(second.run.since, "2026-12-01");
    assert_eq!(second.run.date_filter, DateFilter::Created);
    assert!(second.run.complete);
    let log = UpdateLog::load(out.path())?.ok_or("no log")?;
    assert_eq!(log.runs.len(), 2);
    assert_eq!(log.last_bound(), Some("2026-12-02"));
    assert_eq!(log.filter, FILTER);

    // Another filter into the same directory is refused.
    let mut other = c.clone();
    other.filter = "publication_year:2024".into();
    assert!(matches!(
        update(&other, &Since::Last, "2026-12-03"),
        Err(FetchError::OtherFetch { .. })
    ));
    Ok(())
}

#[test]
fn last_needs_a_first_run_and_a_run_stopped_early_is_resumed() -> TestResult {
    let server = server()?;
    let out = tempfile::tempdir()?;
    assert!(matches!(
        update(&config(&server, out.path(), 1000), &Since::Last, "2026-12-01"),
        Err(FetchError::Config(m)) if m.contains("--since YYYY-MM-DD")
    ));

    // Three requests a day: the run stops with the budget spent and stays incomplete.
    let stopped = update(
        &config(&server, out.path(), 3),
        &Since::Day("2026-11-20".into()),
        "2026-12-01",
    )?;
    assert!(matches!(stopped.fetch.stop, Stop::Budget { .. }));
    assert!(!stopped.run.complete);
    assert_eq!(stopped.run.date_filter, DateFilter::Updated);
    assert_eq!(stopped.run.records, 15);

    // The next command resumes that run (its bound, its folder), whatever day it names.
    let resumed = update(
        &config(&server, out.path(), 1000),
        &Since::Day("2026-11-30".into()),
        "2026-12-02",
    )?;
    assert!(resumed.resumed_run);
    assert_eq!(resumed.run.since, "2026-11-20");
    assert_eq!(resumed.dir, stopped.dir);
    assert!(resumed.run.complete);
    assert_eq!(resumed.run.records, WORKS);
    let log = UpdateLog::load(out.path())?.ok_or("no log")?;
    assert_eq!(log.runs.len(), 1);
    assert_eq!(log.last_bound(), Some("2026-12-01"));
    // The daily budget counts every run into the directory: a new run on the same (real) day
    // with a budget of what was used already stops before its first request.
    let used = log.requests_today;
    assert!(used >= 9, "{used} requests recorded");
    let next = update(
        &config(&server, out.path(), used),
        &Since::Last,
        "2026-12-02",
    )?;
    assert!(
        matches!(next.fetch.stop, Stop::Budget { .. }),
        "{:?}",
        next.fetch.stop
    );
    assert_eq!(next.run.records, 0);
    Ok(())
}

#[test]
fn a_key_refused_both_filters_is_told_about_snapshot_diffs() -> TestResult {
    let server = server()?;
    server.refuse_filter("from_updated_date", 403, PREMIUM);
    server.refuse_filter(
        "from_created_date",
        400,
        r#"{"error":"Invalid query parameters error.","message":"from_created_date is not a valid field"}"#,
    );
    let out = tempfile::tempdir()?;
    let err = update(
        &config(&server, out.path(), 1000),
        &Since::Day("2026-11-01".into()),
        "2026-12-01",
    )
    .err()
    .ok_or("refused filters must fail")?;
    let text = err.to_string();
    assert!(text.contains("snapshot diffs"), "{text}");
    assert!(text.contains("from_updated_date: HTTP 403"), "{text}");
    assert!(text.contains("from_created_date: HTTP 400"), "{text}");
    let log = UpdateLog::load(out.path())?.ok_or("no log")?;
    assert_eq!(log.runs[0].refused.len(), 2);
    assert!(!log.runs[0].complete);
    // The key never appears in what is stored.
    let stored = std::fs::read_to_string(UpdateLog::path(out.path()))?;
    assert!(!stored.contains(KEY));
    Ok(())
}
