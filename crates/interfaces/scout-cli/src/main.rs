//! `scout`: the command-line interface. A thin layer over the library crates: it parses
//! arguments, draws progress, prints tables or JSON, and maps errors to exit codes.

mod cmd;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

// Parsing allocates many small strings on several threads and frees them on another;
// mimalloc handles that pattern far better than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "scout",
    version,
    about = "Talent intelligence for AI research hiring committees"
)]
struct Cli {
    /// Corpus database file [default: $SCOUT_DB, else ~/.local/share/scout/scout.sqlite]
    #[arg(long, global = true, env = "SCOUT_DB")]
    db: Option<PathBuf>,
    /// Output format
    #[arg(long, global = true, value_enum, default_value_t = output::Format::Table)]
    format: output::Format,
    /// More log output (-v info, -vv debug); logs go to stderr
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read paperlists / OpenAlex files or directories into the corpus
    Ingest(cmd::ingest::Args),
    /// Rank researchers for a topic (the List)
    List(cmd::list::Args),
    /// Show a researcher's profile
    Show(cmd::show::Args),
    /// Reviewer–paper affinity in the OpenReview expertise format (archives, submissions → CSV)
    Affinity(cmd::affinity::Args),
    /// Explain whether and why two author mentions are the same researcher
    WhySame(cmd::why_same::Args),
    /// Warm introduction paths from our people to a target
    Path(cmd::path::Args),
    /// Who on a shortlist would hear about an approach, and an approach order
    Radius(cmd::radius::Args),
    /// A researcher's research community, or the largest communities
    Community(cmd::community::Args),
    /// Organisations ranked by talent on a topic (acqui-hire view)
    Orgs(cmd::orgs::Args),
    /// Who moved between organisations, with evidence, and the flow matrix
    Flows(cmd::flows::Args),
    /// Measure ranking and identity quality against ground truth
    Eval(cmd::eval::Args),
    /// Time List queries over a set of topics
    Bench(cmd::bench::Args),
    /// Ingest the bundled demo data and print the List for a few topics
    Demo(cmd::demo::Args),
    /// Bring identity, statistics and the full-text index up to date (or rebuild them)
    Refresh {
        /// Rebuild everything from the source tables
        #[arg(long)]
        rebuild: bool,
    },
    /// Researcher key history: keys merged, split off or retired by refreshes
    #[command(subcommand)]
    Keys(cmd::keys::Command),
    /// A member's watchlist: researchers whose new papers, moves and affiliations become alerts
    Watch(cmd::watch::WatchArgs),
    /// The move radar's alerts on watched researchers, newest first
    Alerts(cmd::watch::AlertsArgs),
    /// Export the corpus as partitioned Parquet (for Spark, DataFusion, Trino, DuckDB)
    Export(cmd::export::Args),
    /// Resolve identity components piped in by the distributed job (Arrow IPC on stdin and stdout)
    IdentityPart(cmd::identity_job::PartArgs),
    /// Compute the timelines and moves of researchers piped in by the distributed job (Arrow IPC
    /// on stdin and stdout)
    TimelinePart(cmd::identity_job::TimelinePartArgs),
    /// Rebuild the derived tables from the distributed identity job's output
    ImportDerived(cmd::identity_job::ImportArgs),
    /// Download data from a source API (OpenAlex) into files `scout ingest` reads
    Fetch(cmd::fetch::Args),
    /// Committee arena: Bradley–Terry leaderboards from pairwise votes
    #[command(subcommand)]
    Arena(cmd::arena::Command),
    /// Write a synthetic corpus (re-identified real records) for scale tests
    Synth(cmd::synth::Args),
    /// Corpus summary: counts and freshness
    Status,
    /// Serve the pipeline HTTP API (and web UI)
    Serve(cmd::serve::Args),
    /// Pipeline users and API tokens
    User(cmd::user::Args),
    /// Verify the pipeline's hash-chained audit log
    Audit(cmd::audit::Args),
    /// Online backup of the SQLite pipeline database
    Backup(cmd::backup::Args),
    /// Pipeline funnel analytics: conversion, time in stage, offer acceptance
    Analytics(cmd::pipeline::AnalyticsArgs),
}

fn default_db() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("scout").join("scout.sqlite")
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SCOUT_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level)),
        )
        .with_writer(std::io::stderr)
        .init();
    // Queries that only print end quietly when their reader goes away (`scout show … | head`),
    // as Unix tools do, instead of panicking on the broken pipe. Commands that write data or
    // serve keep Rust's default (a failed write is an error they handle).
    if matches!(
        cli.command,
        Command::List(_)
            | Command::Show(_)
            | Command::WhySame(_)
            | Command::Path(_)
            | Command::Radius(_)
            | Command::Community(_)
            | Command::Orgs(_)
            | Command::Flows(_)
    ) {
        sigpipe::reset();
    }
    let db_given = cli.db.is_some();
    let ctx = cmd::Context {
        db: cli.db.unwrap_or_else(default_db),
        format: cli.format,
    };
    let result = match cli.command {
        Command::Ingest(args) => cmd::ingest::run(&ctx, args),
        Command::List(args) => cmd::list::run(&ctx, args),
        Command::Show(args) => cmd::show::run(&ctx, args),
        Command::Affinity(args) => cmd::affinity::run(&ctx, args),
        Command::WhySame(args) => cmd::why_same::run(&ctx, args),
        Command::Path(args) => cmd::path::run(&ctx, args),
        Command::Radius(args) => cmd::radius::run(&ctx, args),
        Command::Community(args) => cmd::community::run(&ctx, args),
        Command::Orgs(args) => cmd::orgs::run(&ctx, args),
        Command::Flows(args) => cmd::flows::run(&ctx, args),
        Command::Eval(args) => cmd::eval::run(&ctx, args),
        Command::Bench(args) => cmd::bench::run(&ctx, args),
        Command::Demo(args) => cmd::demo::run(&ctx, args, db_given),
        Command::Refresh { rebuild } => cmd::refresh(&ctx, rebuild).inspect(|_| {
            // The workspace beside the corpus follows the key changes the refresh logged.
            match ctx.open() {
                Ok(corpus) => cmd::keys::follow_after_refresh(&ctx, &corpus),
                Err(e) => eprintln!("warning: the workspace did not follow the key changes: {e:#}"),
            }
        }),
        Command::Keys(command) => cmd::keys::run(&ctx, command),
        Command::Watch(args) => cmd::watch::watch(&ctx, args),
        Command::Alerts(args) => cmd::watch::alerts(&ctx, args),
        Command::Export(args) => cmd::export::run(&ctx, args),
        Command::IdentityPart(args) => cmd::identity_job::part(&ctx, args),
        Command::TimelinePart(args) => cmd::identity_job::timeline_part(&ctx, args),
        Command::ImportDerived(args) => cmd::identity_job::import(&ctx, args),
        Command::Fetch(args) => cmd::fetch::run(&ctx, args),
        Command::Arena(command) => cmd::arena::run(&ctx, command),
        Command::Synth(args) => cmd::synth::run(&ctx, args),
        Command::Status => cmd::status(&ctx),
        Command::Serve(args) => cmd::serve::run(&ctx, args),
        Command::User(args) => cmd::user::run(&ctx, args),
        Command::Audit(args) => cmd::audit::run(&ctx, args),
        Command::Backup(args) => cmd::backup::run(&ctx, args),
        Command::Analytics(args) => cmd::pipeline::analytics(&ctx, args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Enum arguments take exactly the names of the domain enums (`ValueEnum`), and a wrong
    /// one is a usage error that lists them.
    #[test]
    fn enum_arguments_take_the_domain_enums() {
        let refused = |args: &[&str], listed: &str| {
            let err = Cli::try_parse_from(args).err().map(|e| e.to_string());
            assert!(
                err.as_deref().is_some_and(|e| e.contains(listed)),
                "{args:?}: {err:?}"
            );
        };
        refused(
            &["scout", "list", "x", "--stage", "junior"],
            "early, mid, senior",
        );
        refused(
            &["scout", "list", "x", "--org-type", "startup"],
            "education, company, facility, government, nonprofit, healthcare, other",
        );
        refused(
            &["scout", "orgs", "x", "--type", "lab"],
            "education, company",
        );
        refused(
            &["scout", "eval", "awards", "--half", "first"],
            "tuning, reporting, all",
        );
        let ok = [
            "scout",
            "list",
            "x",
            "--stage",
            "mid",
            "--org-type",
            "government",
        ];
        assert!(Cli::try_parse_from(ok).is_ok());
    }
}
