//! Shared plumbing of the pipeline commands (`serve`, `user`, `audit`, `backup`,
//! `analytics`): where the pipeline database is, opening it, and a tokio runtime.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use scout_pipeline::{Actor, Role, Store, StoreConfig};

use super::Context;
use crate::output::{self, Format, Table};

/// `--database-url` shared by the pipeline commands.
#[derive(clap::Args, Clone)]
pub struct DbArgs {
    /// Pipeline database: `postgres://…` or `sqlite:PATH` [default: SQLite file `<db>.pipeline.sqlite` beside the corpus]
    #[arg(long, env = "SCOUT_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// The erasure ledger, kept outside the database so that a restored backup re-applies later
    /// erasures [default: `<pipeline file>.erasures.jsonl` for SQLite, `<db>.pipeline-erasures.jsonl` for PostgreSQL]
    #[arg(long, env = "SCOUT_ERASURE_LEDGER", global = true)]
    pub erasure_ledger: Option<PathBuf>,
}

/// The erasure ledger of the pipeline database at `url` (see `DbArgs::erasure_ledger`).
pub fn ledger(ctx: &Context, args: &DbArgs, url: &str) -> Option<PathBuf> {
    if let Some(p) = &args.erasure_ledger {
        return Some(p.clone());
    }
    if url.starts_with("sqlite:") {
        return None; // the store's default, beside the file
    }
    let mut s = ctx.db.as_os_str().to_owned();
    s.push(".pipeline-erasures.jsonl");
    Some(PathBuf::from(s))
}

/// The default pipeline database: beside the corpus, `<corpus>.pipeline.sqlite`.
pub fn default_path(corpus: &Path) -> PathBuf {
    let mut s = corpus.as_os_str().to_owned();
    s.push(".pipeline.sqlite");
    PathBuf::from(s)
}

pub fn url(ctx: &Context, args: &DbArgs) -> anyhow::Result<String> {
    match &args.database_url {
        Some(u) => Ok(u.clone()),
        None => {
            let p = default_path(&ctx.db);
            if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
            }
            Ok(StoreConfig::sqlite_path(&p).url)
        }
    }
}

/// A runtime for the admin commands.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Opens the pipeline database; `create`: this command creates data and may start a new
/// workspace (`serve`, `user add`). Otherwise a missing, empty or foreign database is an error.
pub async fn open(url: &str, create: bool, ledger: Option<PathBuf>) -> anyhow::Result<Store> {
    let mut config = StoreConfig::new(url);
    config.create = create;
    config.erasure_ledger = ledger;
    Store::open(&config)
        .await
        .with_context(|| format!("opening the pipeline database {}", redact(url)))
}

/// The URL without a password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The actor recorded for commands run on the machine itself.
pub fn cli_actor() -> Actor {
    let who = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    Actor {
        user_id: 0,
        name: format!("cli:{who}"),
        role: Role::Owner,
    }
}

/// `scout analytics`
#[derive(clap::Args)]
pub struct AnalyticsArgs {
    #[command(flatten)]
    pub db: DbArgs,
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "–".into(), |v| format!("{:.0}%", v * 100.0))
}

fn days(x: Option<f64>) -> String {
    x.map_or_else(|| "–".into(), |v| format!("{v:.1}"))
}

pub fn analytics(ctx: &Context, args: AnalyticsArgs) -> anyhow::Result<u8> {
    let url = url(ctx, &args.db)?;
    let rt = runtime()?;
    let report = rt.block_on(async {
        let store = open(&url, false, ledger(ctx, &args.db, &url)).await?;
        let input = store.analytics_input(&cli_actor()).await?;
        anyhow::Ok(scout_pipeline::analytics::compute(
            &input,
            true,
            scout_pipeline::time::now_ms(),
        ))
    })?;
    if ctx.format == Format::Json {
        output::json(&report)?;
        return Ok(0);
    }
    let mut t = Table::new(&["stage", "reached", "now", "conversion"]).right_align(&[1, 2, 3]);
    for f in &report.funnel {
        t.row(vec![
            f.stage.to_string(),
            f.reached.to_string(),
            f.current.to_string(),
            pct(f.conversion_from_previous),
        ]);
    }
    let groups = |title: &str, rows: &[scout_pipeline::analytics::GroupFunnel]| {
        let mut g = Table::new(&[
            title,
            "candidates",
            "finalist",
            "offer",
            "accepted",
            "acceptance",
        ])
        .right_align(&[1, 2, 3, 4, 5]);
        for r in rows {
            let n = |s| r.reached.get(&s).copied().unwrap_or(0).to_string();
            g.row(vec![
                r.group.clone(),
                r.candidates.to_string(),
                n(scout_pipeline::Stage::Finalist),
                n(scout_pipeline::Stage::Offer),
                n(scout_pipeline::Stage::Accepted),
                pct(r.acceptance_rate),
            ]);
        }
        g
    };
    let by_org = groups("source org", &report.by_source_org);
    let by_owner = groups("owner", &report.by_owner);
    let mut tis = Table::new(&[
        "stage",
        "stays",
        "mean days",
        "median days",
        "open",
        "open mean days",
    ])
    .right_align(&[1, 2, 3, 4, 5]);
    for s in &report.time_in_stage {
        tis.row(vec![
            s.stage.to_string(),
            s.stays.to_string(),
            days(s.mean_days),
            days(s.median_days),
            s.open.to_string(),
            days(s.open_mean_days),
        ]);
    }
    let render = |t: &Table| {
        if ctx.format == Format::Csv {
            t.csv()
        } else {
            t.render()
        }
    };
    println!("Funnel ({} candidates)\n{}", report.candidates, render(&t));
    println!("\nBy source organisation\n{}", render(&by_org));
    println!("\nBy owner\n{}", render(&by_owner));
    println!("\nTime in stage\n{}", render(&tis));
    if let Some(o) = &report.offers {
        let mut a = Table::new(&["offers", "n", "accepted", "declined", "acceptance"])
            .right_align(&[1, 2, 3, 4]);
        for b in o.by_value.iter().chain(&o.by_counteroffer) {
            a.row(vec![
                b.label.clone(),
                b.offers.to_string(),
                b.accepted.to_string(),
                b.declined.to_string(),
                pct(b.acceptance_rate),
            ]);
        }
        println!("\nOffer acceptance\n{}", render(&a));
    }
    Ok(0)
}
