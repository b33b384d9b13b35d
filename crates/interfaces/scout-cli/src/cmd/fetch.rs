//! `scout fetch openalex`: download a filtered slice of OpenAlex through its API into the JSON
//! Lines layout `scout ingest` reads; resumable, with retries and a daily request budget. With
//! `--since`, a daily update: only what changed since a day or since the last update run, into
//! `<out>/updates/…` (`scout_openalex::run_update`).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use scout_openalex::{
    DEFAULT_BASE_URL, DEFAULT_DAILY_BUDGET, DEFAULT_RECORDS_PER_PART, DateFilter, Entity, Event,
    FetchConfig, FetchSummary, Fetcher, Secret, Since, Stop, UpdateSummary, UreqTransport,
    run_update, utc_day,
};

use super::Context;
use crate::output::{self, Format};

/// Exit code when a fetch stopped early on purpose (budget spent, server asks to wait):
/// progress is saved and the same command continues it.
pub const EXIT_INCOMPLETE: u8 = 4;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    source: Source,
}

#[derive(clap::Subcommand)]
enum Source {
    /// Fetch works (or authors, institutions) matching a filter from the OpenAlex API.
    /// Exit code 4: stopped early (daily budget spent, or OpenAlex asks to wait); run the same
    /// command again to continue.
    Openalex(OpenAlexArgs),
}

#[derive(clap::Args)]
struct OpenAlexArgs {
    /// The API filter, e.g. "topics.id:T10028,publication_year:>2017" ("" for none)
    #[arg(long)]
    filter: String,
    /// What to fetch: works, authors or institutions
    #[arg(long, default_value = "works")]
    entity: Entity,
    /// OpenAlex API key (never printed or stored)
    #[arg(long, env = "OPENALEX_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// Contact e-mail sent as `mailto`
    #[arg(long, env = "OPENALEX_MAILTO")]
    mailto: Option<String>,
    /// Output directory: <out>/<entity>/part_NNNNN.jsonl.gz plus the resume state
    /// <out>/.scout-fetch.json
    #[arg(long, default_value = "openalex")]
    out: PathBuf,
    /// Requests allowed per UTC day (counted across runs into the same --out); a free key
    /// allows 10,000 list requests a day
    #[arg(long, default_value_t = DEFAULT_DAILY_BUDGET)]
    budget: u64,
    /// Records per page (1–200)
    #[arg(long, default_value_t = 200)]
    per_page: u32,
    /// API root
    #[arg(long, default_value = DEFAULT_BASE_URL)]
    base_url: String,
    /// Attempts per page before giving up (429, 5xx, broken bodies are retried)
    #[arg(long, default_value_t = 8)]
    max_attempts: u32,
    /// Longest Retry-After to sleep through, in seconds; a longer one stops the fetch (exit 4)
    #[arg(long, default_value_t = 300)]
    max_wait: u64,
    /// Records per output part file
    #[arg(long, default_value_t = DEFAULT_RECORDS_PER_PART)]
    records_per_part: u64,
    /// First retry delay in milliseconds (doubles per attempt, with jitter)
    #[arg(long, default_value_t = 1000, hide = true)]
    retry_base_ms: u64,
    /// Daily update: fetch only works changed since this day (YYYY-MM-DD), or since the start
    /// of the last complete update run into --out (`last`); each run writes <out>/updates/…
    /// and a run stopped early is resumed by the next command
    #[arg(long, value_name = "DAY|last")]
    since: Option<Since>,
    /// The date filter of --since: `updated` (from_updated_date; when OpenAlex refuses it for
    /// the key, the run falls back to `created` and says so) or `created` (from_created_date)
    #[arg(long, default_value = "updated", value_name = "updated|created")]
    date_filter: DateFilter,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<u8> {
    match args.source {
        Source::Openalex(a) => openalex(ctx, a),
    }
}

fn openalex(ctx: &Context, a: OpenAlexArgs) -> anyhow::Result<u8> {
    let mut config = FetchConfig::new(a.entity, a.filter, &a.out);
    config.api_key = Secret::new(a.api_key);
    config.mailto = a.mailto;
    config.base_url = a.base_url;
    config.per_page = a.per_page;
    config.daily_budget = a.budget;
    config.records_per_part = a.records_per_part;
    config.retry.max_attempts = a.max_attempts;
    config.retry.max_retry_after = Duration::from_secs(a.max_wait);
    config.retry.base_delay = Duration::from_millis(a.retry_base_ms);
    if !config.api_key.is_set() {
        eprintln!(
            "note: no API key (--api-key or OPENALEX_API_KEY); OpenAlex allows very little without one"
        );
    }
    let transport = UreqTransport::new(
        concat!("scout/", env!("CARGO_PKG_VERSION")),
        Duration::from_secs(120),
    );
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {prefix} [{bar:30}] {pos}/{len} {msg} ({elapsed}, eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_prefix(format!("fetching {}", a.entity));
    bar.enable_steady_tick(Duration::from_millis(200));
    let say = |bar: &ProgressBar, text: String| {
        if bar.is_hidden() {
            eprintln!("{text}");
        } else {
            bar.println(text);
        }
    };
    let mut on_event = |event: Event| match event {
        Event::Resumed { pages, records } => say(
            &bar,
            format!("resuming after {pages} pages ({records} records already fetched)"),
        ),
        Event::Page {
            pages,
            records,
            expected,
        } => {
            if let Some(n) = expected {
                bar.set_length(n.max(records));
            }
            bar.set_position(records);
            bar.set_message(format!("{pages} pages"));
        }
        Event::Retry {
            attempt,
            max_attempts,
            wait,
            reason,
        } => say(
            &bar,
            format!(
                "retry {attempt}/{}: {reason}; waiting {:.1} s",
                max_attempts - 1,
                wait.as_secs_f64()
            ),
        ),
    };
    if let Some(since) = &a.since {
        let today = utc_day(std::time::SystemTime::now());
        let mut fetcher = Fetcher::new(&transport);
        let result = run_update(
            &mut fetcher,
            &config,
            since,
            a.date_filter,
            &today,
            &mut on_event,
        );
        bar.finish_and_clear();
        let update = result.with_context(|| {
            format!(
                "the update stopped; what was fetched is kept under {} — run the same command to \
                 resume",
                a.out.display()
            )
        })?;
        report(ctx, &update.dir, a.entity, &update.fetch, Some(&update))?;
        return Ok(match update.fetch.stop {
            Stop::Complete => 0,
            _ => EXIT_INCOMPLETE,
        });
    }
    let result = Fetcher::new(&transport).run(&config, &mut on_event);
    bar.finish_and_clear();
    let summary = result.with_context(|| {
        format!(
            "the fetch stopped; what was fetched is kept in {} — run the same command to resume",
            a.out.display()
        )
    })?;
    report(ctx, &a.out, a.entity, &summary, None)?;
    Ok(match summary.stop {
        Stop::Complete => 0,
        _ => EXIT_INCOMPLETE,
    })
}

fn report(
    ctx: &Context,
    out: &std::path::Path,
    entity: Entity,
    s: &FetchSummary,
    update: Option<&UpdateSummary>,
) -> anyhow::Result<()> {
    let (stop, wait, reason) = match &s.stop {
        Stop::Complete => ("complete", None, None),
        Stop::Budget { .. } => ("budget", None, None),
        Stop::RateLimited { wait, reason } => {
            ("rate_limited", wait.map(|w| w.as_secs()), Some(reason))
        }
    };
    if ctx.format == Format::Json {
        return output::json(&serde_json::json!({
            "stop": stop,
            "wait_seconds": wait,
            "reason": reason,
            "entity": entity.path(),
            "pages": s.pages,
            "records": s.records,
            "requests": s.requests,
            "retries": s.retries,
            "seconds": s.seconds,
            "total_pages": s.total_pages,
            "total_records": s.total_records,
            "expected": s.expected,
            "resumed": s.resumed,
            "requests_today": s.requests_today,
            "daily_budget": s.daily_budget,
            "out": out,
            "files": s.files,
            "state_file": s.state_file,
            "update": update.map(|u| serde_json::json!({
                "since": u.run.since,
                "date_filter": u.run.date_filter.name(),
                "started_on": u.run.started_on,
                "complete": u.run.complete,
                "refused": u.run.refused,
                "resumed_run": u.resumed_run,
            })),
        }));
    }
    if let Some(u) = update {
        println!(
            "update: works with {}:{}{}{}",
            u.run.date_filter.name(),
            u.run.since,
            if u.resumed_run {
                " (resuming the run the last command left incomplete)"
            } else {
                ""
            },
            if u.run.refused.is_empty() {
                String::new()
            } else {
                format!(" — OpenAlex refused {}", u.run.refused.join("; "))
            }
        );
    }
    let of = s
        .expected
        .map_or(String::new(), |n| format!(" of {n} matching"));
    println!(
        "this run: {} pages, {} {entity} in {:.1} s ({} requests, {} retries)",
        s.pages, s.records, s.seconds, s.requests, s.retries
    );
    println!(
        "in {}: {} {entity}{of} in {} files; {} of {} requests used today (UTC)",
        out.display(),
        s.total_records,
        s.files.len(),
        s.requests_today,
        s.daily_budget
    );
    match &s.stop {
        Stop::Complete => println!("complete — load it with: scout ingest {}", out.display()),
        Stop::Budget { used, budget } => println!(
            "stopped: {used} of the daily budget of {budget} requests are used; progress is saved \
             — run the same command tomorrow (UTC) or with a larger --budget to continue"
        ),
        Stop::RateLimited { wait, reason } => println!(
            "stopped: OpenAlex asks to wait{} ({reason}); progress is saved — run the same \
             command later to continue",
            wait.map_or(String::new(), |w| format!(" {} s", w.as_secs()))
        ),
    }
    Ok(())
}
