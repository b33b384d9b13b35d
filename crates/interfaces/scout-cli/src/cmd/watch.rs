//! `scout watch` and `scout alerts`: a member's watchlist and the move radar's alerts from the
//! command line, on the workspace beside the corpus (`<db>.pipeline.sqlite`) or the one
//! `--database-url` / `SCOUT_DATABASE_URL` names. Starting a watch takes the baseline from the
//! corpus; after `scout refresh` and `scout ingest` the radar records what is new
//! ([`radar_after_refresh`]).

use anyhow::Context as _;
use scout_corpus::Corpus;
use scout_corpus::watch_facts;
use scout_pipeline::Store;
use scout_pipeline::model::Actor;
use scout_pipeline::store::{Alert, AlertFilter, AlertKind, RadarPlace, RadarReport};

use super::Context;
use super::pipeline::{self, DbArgs};
use crate::output::{self, Format, Table};

#[derive(clap::Args)]
pub struct WatchArgs {
    #[command(subcommand)]
    pub command: WatchCommand,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(clap::Subcommand)]
pub enum WatchCommand {
    /// Watch a researcher (by key) for a member: new papers, likely moves, new affiliations and
    /// first papers with a rival's people become alerts after each refresh
    Add {
        /// The researcher's key (`scout show NAME` gives it)
        #[arg(required_unless_present = "keys_from")]
        key: Option<String>,
        /// Watch every key in this file, one per line (`-` reads stdin)
        #[arg(long, conflicts_with = "key")]
        keys_from: Option<std::path::PathBuf>,
        /// The member whose watchlist this is (their user name)
        #[arg(long)]
        user: String,
    },
    /// Stop watching a researcher
    Remove {
        key: String,
        #[arg(long)]
        user: String,
    },
    /// The researchers a member watches, with their unread alerts
    List {
        #[arg(long)]
        user: String,
    },
}

#[derive(clap::Args)]
pub struct AlertsArgs {
    /// Only alerts recorded since this day or UTC time (2026-12-01, 2026-12-01T08:00:00Z)
    #[arg(long)]
    pub since: Option<String>,
    /// Only this researcher's alerts (their key)
    #[arg(long)]
    pub researcher: Option<String>,
    /// Only alerts of this kind: paper, move, affiliation, rival_coauthor
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<AlertKind>,
    /// At most this many, newest first
    #[arg(long, default_value_t = 50)]
    pub limit: i64,
    #[command(flatten)]
    pub db: DbArgs,
}

/// The member named `user` as the actor of their watch changes.
async fn member(store: &Store, user: &str) -> anyhow::Result<Actor> {
    let (u, _) = store
        .user_with_hash(user)
        .await?
        .with_context(|| format!("no user named {user:?} (scout user list)"))?;
    anyhow::ensure!(!u.disabled, "the user {user:?} is disabled");
    Ok(Actor {
        user_id: u.id,
        name: u.name,
        role: u.role,
    })
}

pub fn watch(ctx: &Context, args: WatchArgs) -> anyhow::Result<u8> {
    let url = pipeline::url(ctx, &args.db)?;
    let rt = pipeline::runtime()?;
    rt.block_on(async {
        let store = pipeline::open(&url, false, pipeline::ledger(ctx, &args.db, &url)).await?;
        match args.command {
            WatchCommand::Add {
                key,
                keys_from,
                user,
            } => {
                let actor = member(&store, &user).await?;
                let keys = match (key, keys_from) {
                    (Some(k), _) => vec![k],
                    (None, Some(path)) => read_keys(&path)?,
                    (None, None) => anyhow::bail!("give a researcher key or --keys-from FILE"),
                };
                let corpus = ctx.open_existing()?;
                let rivals = store.settings().await?.settings.rival_list();
                let observed = watch_facts::observe(corpus.conn(), &keys, &rivals)?;
                if keys.len() == 1 && observed.is_empty() {
                    anyhow::bail!(
                        "no researcher has the key {:?} (scout show NAME gives keys)",
                        keys[0]
                    );
                }
                let began = store.add_watches(&actor, &observed).await?;
                let unknown = keys.len() - observed.len();
                let baseline: usize = observed.iter().map(|o| o.items.len()).sum();
                if ctx.format == Format::Json {
                    output::json(&serde_json::json!({
                        "watches_begun": began, "unknown_keys": unknown, "items_observed": baseline
                    }))?;
                } else if let [one] = observed.as_slice() {
                    println!(
                        "{} {} {} ({}): {} item(s) in the corpus now",
                        actor.name,
                        if began == 1 { "now watches" } else { "already watched" },
                        one.name,
                        one.key,
                        one.items.len()
                    );
                } else {
                    println!(
                        "{} now watches {began} more researcher(s); {unknown} key(s) unknown to the \
                         corpus; {baseline} item(s) observed",
                        actor.name
                    );
                }
            }
            WatchCommand::Remove { key, user } => {
                let actor = member(&store, &user).await?;
                let removed = store.remove_watch(&actor, &key).await?;
                if ctx.format == Format::Json {
                    output::json(&serde_json::json!({ "removed": removed }))?;
                } else if removed {
                    println!("{} no longer watches {key}", actor.name);
                } else {
                    println!("{} was not watching {key}", actor.name);
                }
            }
            WatchCommand::List { user } => {
                let actor = member(&store, &user).await?;
                let watches = store.watches_of(actor.user_id).await?;
                if ctx.format == Format::Json {
                    output::json(&watches)?;
                    return Ok(0);
                }
                let mut t = Table::new(&["researcher", "key", "since", "unread"]).right_align(&[3]);
                for w in &watches {
                    t.row(vec![
                        w.researcher.clone(),
                        w.researcher_key.clone(),
                        scout_pipeline::time::rfc3339(w.created_at),
                        w.unread.to_string(),
                    ]);
                }
                match ctx.format {
                    Format::Csv => print!("{}", t.csv()),
                    _ if watches.is_empty() => println!("{} watches nobody", actor.name),
                    _ => print!("{}", t.render()),
                }
            }
        }
        Ok(0)
    })
}

fn parse_kind(s: &str) -> Result<AlertKind, String> {
    AlertKind::parse(s).ok_or_else(|| {
        format!("{s:?} is not a kind of alert: paper, move, affiliation, rival_coauthor")
    })
}

/// Researcher keys, one per line (blank lines skipped), from a file or `-` (stdin).
fn read_keys(path: &std::path::Path) -> anyhow::Result<Vec<String>> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("reading keys from stdin")?
    } else {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
    };
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

fn evidence_line(a: &Alert) -> String {
    let papers: Vec<String> = a
        .evidence
        .papers
        .iter()
        .map(|p| {
            format!(
                "{} ({}{})",
                p.title,
                p.venue.as_deref().unwrap_or("?"),
                p.year.map_or(String::new(), |y| format!(" {y}"))
            )
        })
        .collect();
    format!("{}; {}", a.evidence.reading, papers.join(" → "))
}

/// `scout alerts`: the workspace's alerts, newest first.
pub fn alerts(ctx: &Context, args: AlertsArgs) -> anyhow::Result<u8> {
    let url = pipeline::url(ctx, &args.db)?;
    let rt = pipeline::runtime()?;
    let filter = AlertFilter {
        since_ms: args
            .since
            .as_deref()
            .map(scout_pipeline::time::parse_since)
            .transpose()
            .context("--since")?,
        researcher_key: args.researcher.clone(),
        kind: args.kind,
        limit: Some(args.limit),
        ..AlertFilter::default()
    };
    let alerts = rt.block_on(async {
        let store = pipeline::open(&url, false, pipeline::ledger(ctx, &args.db, &url)).await?;
        anyhow::Ok(store.all_alerts(&filter).await?)
    })?;
    if ctx.format == Format::Json {
        output::json(&alerts)?;
        return Ok(0);
    }
    let mut t = Table::new(&[
        "id",
        "recorded",
        "researcher",
        "kind",
        "year",
        "summary",
        "confidence",
        "evidence",
    ])
    .right_align(&[0, 4, 6]);
    for a in &alerts {
        t.row(vec![
            a.id.to_string(),
            scout_pipeline::time::rfc3339(a.created_at),
            a.researcher.clone(),
            a.kind.as_str().to_string(),
            a.year.map_or("-".into(), |y| y.to_string()),
            match a.withdrawn_at {
                Some(at) => format!(
                    "{} (withdrawn {}: later papers no longer show it)",
                    a.summary,
                    scout_pipeline::time::rfc3339(at)
                ),
                None => a.summary.clone(),
            },
            a.confidence
                .map_or("-".into(), |c| format!("{:.0}%", c * 100.0)),
            evidence_line(a),
        ]);
    }
    match ctx.format {
        Format::Csv => print!("{}", t.csv()),
        _ if alerts.is_empty() => println!(
            "no alerts{}",
            args.since.map_or(String::new(), |s| format!(" since {s}"))
        ),
        _ => print!("{}", t.render()),
    }
    Ok(0)
}

/// After a refresh, with the workspace open: observes the watched researchers the refreshes
/// since the radar's last run may have changed (every one when the radar cannot tell) and
/// records what is new.
pub async fn run_radar(store: &Store, corpus: &Corpus) -> anyhow::Result<RadarReport> {
    let keys = store.watched_keys().await?;
    if keys.is_empty() {
        return Ok(RadarReport::default());
    }
    let rivals = store.settings().await?.settings.rival_list();
    let last = store.radar_place().await?;
    let from = last.as_ref().and_then(|p| p.follow_from(&rivals));
    let (observed, latest) = watch_facts::observe_since(corpus.conn(), from, keys, &rivals)?;
    let place = latest.map(|refresh_token| RadarPlace {
        refresh_token,
        rivals,
    });
    Ok(store.record_radar_run(&observed, place.as_ref()).await?)
}
