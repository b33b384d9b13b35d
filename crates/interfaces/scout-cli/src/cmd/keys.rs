//! `scout keys changes [--since DATE]`: the corpus's log of researcher key changes (merged,
//! split off, retired), and the workspace following them after `scout refresh` and
//! `scout ingest` when its database sits beside the corpus (`<db>.pipeline.sqlite`) or
//! `SCOUT_DATABASE_URL` names one (the same rule as `overrides.rs`).

use scout_corpus::Corpus;
use scout_corpus::key_log;
use scout_pipeline::FollowReport;

use super::Context;
use crate::output::{self, Format, Table};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Researcher keys that refreshes merged into another, split or retired, oldest first
    Changes {
        /// Only refreshes at or after this date or UTC time (2026-12-01, 2026-12-01T08:00:00Z)
        #[arg(long)]
        since: Option<String>,
    },
}

pub fn run(ctx: &Context, command: Command) -> anyhow::Result<u8> {
    match command {
        Command::Changes { since } => changes(ctx, since.as_deref()),
    }
}

fn changes(ctx: &Context, since: Option<&str>) -> anyhow::Result<u8> {
    let corpus = ctx.open_existing()?;
    let changes = corpus.key_changes(since)?;
    if ctx.format == Format::Json {
        output::json(&changes)?;
        return Ok(0);
    }
    let mut t =
        Table::new(&["refreshed", "kind", "old key", "new key", "mentions"]).right_align(&[4]);
    for c in &changes {
        t.row(vec![
            c.refreshed_at.clone(),
            c.kind.as_str().to_string(),
            c.old_key.clone(),
            c.new_key.clone().unwrap_or_else(|| "-".into()),
            c.mentions.to_string(),
        ]);
    }
    if ctx.format == Format::Csv {
        print!("{}", t.csv());
    } else if changes.is_empty() {
        println!(
            "no key changes{}",
            since.map_or(String::new(), |s| format!(" since {s}"))
        );
    } else {
        print!("{}", t.render());
    }
    Ok(0)
}

/// [`follow_workspace`] after a refresh, a failure reported as a warning: the refresh itself
/// is committed, and the next refresh or server start follows what was missed.
pub fn follow_after_refresh(ctx: &Context, corpus: &Corpus) {
    if let Err(e) = follow_workspace(ctx, corpus) {
        eprintln!("warning: the workspace did not follow the corpus's key changes: {e:#}");
    }
}

/// After a refresh: moves the workspace's candidates (and watches) after merged keys, flags
/// split or retired ones, then runs the move radar (nothing without a workspace). Prints one line when something changed
/// (to stderr under `--format json`, so stdout stays one document).
pub fn follow_workspace(ctx: &Context, corpus: &Corpus) -> anyhow::Result<Option<FollowReport>> {
    let Some((report, radar)) = super::overrides::with_workspace(ctx, async |store| {
        let keys = store.linked_researcher_keys().await?;
        let changes = key_log::changes_touching(corpus.conn(), &keys)?;
        let report = store.follow_key_changes(&changes).await?;
        // The radar sees the corpus after the watches followed its key changes.
        let radar = super::watch::run_radar(store, corpus).await?;
        Ok((report, radar))
    })?
    else {
        return Ok(None);
    };
    if !radar.alerts.is_empty() || !radar.withdrawn.is_empty() {
        let line = format!(
            "move radar: {} new alert(s), {} move alert(s) withdrawn, {} watched researcher(s) observed \
             (scout alerts)",
            radar.alerts.len(),
            radar.withdrawn.len(),
            radar.researchers
        );
        if ctx.format == Format::Table {
            println!("{line}");
        } else {
            eprintln!("{line}");
        }
    }
    if !report.is_empty() {
        let line = format!(
            "workspace: {} candidate(s) and {} watch(es) moved to a merged researcher's key, {} \
             flagged (split or retired), {} researcher(s) with several candidates (see the audit log)",
            report.moved.len(),
            report.watches_moved,
            report.flagged.len(),
            report.duplicates.len()
        );
        if ctx.format == Format::Table {
            println!("{line}");
        } else {
            eprintln!("{line}");
        }
    }
    Ok(Some(report))
}
