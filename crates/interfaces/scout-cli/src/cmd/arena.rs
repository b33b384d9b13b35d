//! `scout arena fit FILE` and `scout arena voters FILE`: Bradley–Terry leaderboards and the
//! outlier-voter test over pairwise-vote files (FastChat `clean_battle` JSON, aggregated pair
//! counts, or `left,right,winner` CSV).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context as _, bail};
use scout_arena::{
    BattleFilter, BootstrapOptions, Comparisons, FitOptions, Leaderboard, Reweight,
    SandwichOptions, SprtOptions, TieMode, VoteLog, bootstrap, components, fit, parse_clean_battle,
    parse_pair_counts, parse_pairwise_csv, sandwich, sprt_all_voters,
};

use super::Context;
use crate::output::{self, Format, Table};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Fit Bradley–Terry ratings and print the leaderboard with 95% intervals
    Fit(FitArgs),
    /// Test every voter against the consensus (sequential likelihood-ratio test)
    Voters(VotersArgs),
}

#[derive(clap::Args)]
pub struct Input {
    /// Vote file: clean_battle JSON array, aggregated pair-count JSON, or CSV with left,right,winner
    file: PathBuf,
    /// Input format (auto: by extension and first byte)
    #[arg(long, value_enum, default_value = "auto")]
    input: InputFormat,
    /// Keep only anonymous battles of a clean_battle file (FastChat's default leaderboard)
    #[arg(long)]
    anonymous_only: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    Auto,
    CleanBattle,
    PairCounts,
    Csv,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Ci {
    Bootstrap,
    Sandwich,
    None,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Ties {
    /// Every tie is half a win for each side (Chatbot Arena, arena-rank, evalica)
    Half,
    /// "Both bad" ties are dropped, plain ties count half
    DropBothBad,
    /// All ties are dropped
    Drop,
}

#[derive(clap::Args)]
pub struct FitArgs {
    #[command(flatten)]
    input: Input,
    /// Pin one item's rating, e.g. mixtral-8x7b-instruct-v0.1=1114 (default: mean rating 1000)
    #[arg(long, value_name = "NAME=VALUE")]
    anchor: Option<String>,
    /// Interval method
    #[arg(long, value_enum, default_value = "bootstrap")]
    ci: Ci,
    /// Bootstrap rounds
    #[arg(long, default_value_t = 1000)]
    rounds: usize,
    /// Bootstrap seed (results are reproducible for a seed)
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Interval coverage
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    /// How ties count
    #[arg(long, value_enum, default_value = "half")]
    ties: Ties,
    /// L2 penalty as FastChat's LogisticRegression C (GenAI-Arena used C = 1)
    #[arg(long, value_name = "C")]
    fastchat_c: Option<f64>,
    /// Reweight pairs by 1/max(pair votes, 50) (arena-rank's option)
    #[arg(long)]
    reweight: bool,
    /// Items with fewer votes are marked provisional
    #[arg(long, default_value_t = 0)]
    min_votes: u64,
    /// Rows to print (all by default)
    #[arg(long)]
    limit: Option<usize>,
}

#[derive(clap::Args)]
pub struct VotersArgs {
    #[command(flatten)]
    input: Input,
    /// Probability of flagging a voter who follows the consensus
    #[arg(long, default_value_t = 0.01)]
    alpha: f64,
    /// Print only flagged voters
    #[arg(long)]
    flagged_only: bool,
}

pub fn run(ctx: &Context, command: Command) -> anyhow::Result<u8> {
    match command {
        Command::Fit(args) => run_fit(ctx, args),
        Command::Voters(args) => run_voters(ctx, args),
    }
}

/// What a file held: a vote log (with voters) or only aggregated counts.
enum Loaded {
    Log(VoteLog),
    Counts(Comparisons),
}

impl Loaded {
    fn comparisons(&self) -> Comparisons {
        match self {
            Loaded::Log(log) => log.comparisons(),
            Loaded::Counts(c) => c.clone(),
        }
    }
}

fn load(input: &Input) -> anyhow::Result<Loaded> {
    let text = std::fs::read_to_string(&input.file)
        .with_context(|| format!("reading {}", input.file.display()))?;
    let format = match input.input {
        InputFormat::Auto => sniff(&input.file, &text),
        f => f,
    };
    let filter = if input.anonymous_only {
        BattleFilter::AnonymousOnly
    } else {
        BattleFilter::All
    };
    let loaded = match format {
        InputFormat::CleanBattle => Loaded::Log(parse_clean_battle(&text, filter)?),
        InputFormat::PairCounts => Loaded::Counts(parse_pair_counts(&text)?),
        InputFormat::Csv | InputFormat::Auto => Loaded::Log(parse_pairwise_csv(&text)?),
    };
    if input.anonymous_only && format != InputFormat::CleanBattle {
        bail!("--anonymous-only applies to clean_battle files only");
    }
    Ok(loaded)
}

fn sniff(path: &Path, text: &str) -> InputFormat {
    let head = text.trim_start();
    if head.starts_with('[') {
        InputFormat::CleanBattle
    } else if head.starts_with('{') {
        InputFormat::PairCounts
    } else if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        InputFormat::CleanBattle
    } else {
        InputFormat::Csv
    }
}

fn parse_anchor(spec: &str) -> anyhow::Result<(String, f64)> {
    let (name, value) = spec
        .rsplit_once('=')
        .with_context(|| format!("--anchor wants NAME=VALUE, got {spec:?}"))?;
    let value: f64 = value
        .trim()
        .parse()
        .with_context(|| format!("--anchor value {value:?} is not a number"))?;
    Ok((name.trim().to_owned(), value))
}

/// Input records the fit did not use, and why.
#[derive(serde::Serialize, Default)]
struct Skipped {
    /// An item compared with itself: no information about relative strength.
    self_comparisons: usize,
    /// Battles that were not anonymous, left out by `--anonymous-only`.
    not_anonymous: usize,
}

impl Skipped {
    fn of(loaded: &Loaded) -> Skipped {
        match loaded {
            Loaded::Log(log) => Skipped {
                self_comparisons: log.self_comparisons_skipped(),
                not_anonymous: log.filtered_skipped(),
            },
            Loaded::Counts(_) => Skipped::default(),
        }
    }

    /// One line for the table output, if anything was skipped.
    fn line(&self) -> Option<String> {
        let mut why = Vec::new();
        if self.self_comparisons > 0 {
            why.push(format!(
                "{} self-comparisons (an item against itself says nothing about strength)",
                self.self_comparisons
            ));
        }
        if self.not_anonymous > 0 {
            why.push(format!(
                "{} not anonymous (--anonymous-only)",
                self.not_anonymous
            ));
        }
        (!why.is_empty()).then(|| {
            format!(
                "skipped {} votes: {}",
                self.self_comparisons + self.not_anonymous,
                why.join(", ")
            )
        })
    }
}

#[derive(serde::Serialize)]
struct FitReport {
    items: usize,
    pairs: usize,
    votes: u64,
    skipped: Skipped,
    components: usize,
    newton_iterations: usize,
    fit_ms: f64,
    interval_ms: f64,
    options: FitOptions,
    leaderboard: Leaderboard,
}

fn run_fit(ctx: &Context, args: FitArgs) -> anyhow::Result<u8> {
    let loaded = load(&args.input)?;
    let comparisons = loaded.comparisons();
    if comparisons.is_empty() {
        bail!("{} holds no comparisons", args.input.file.display());
    }
    let mut options = FitOptions {
        ties: match args.ties {
            Ties::Half => TieMode::Half,
            Ties::DropBothBad => TieMode::DropBothBad,
            Ties::Drop => TieMode::Drop,
        },
        l2: args.fastchat_c.map(FitOptions::fastchat_l2),
        reweight: args.reweight.then_some(Reweight::ARENA_RANK),
        ..FitOptions::default()
    };
    if let Some(spec) = &args.anchor {
        let (name, value) = parse_anchor(spec)?;
        if comparisons.item_index(&name).is_none() {
            bail!("anchor item {name:?} is not in the data");
        }
        options = options.with_anchor(name, value);
    }
    let parts = components(&comparisons);
    if parts.len() > 1 && options.l2.is_none() {
        eprintln!(
            "warning: the comparison graph has {} disconnected parts; ratings are only comparable \
             within a part (largest has {} items). Add votes across parts, or pass --fastchat-c 1.",
            parts.len(),
            parts.iter().map(Vec::len).max().unwrap_or(0)
        );
    }

    let started = Instant::now();
    let fitted = fit(&comparisons, &options)?;
    let fit_ms = started.elapsed().as_secs_f64() * 1e3;
    let started = Instant::now();
    let intervals = match args.ci {
        Ci::Bootstrap => Some(bootstrap(
            &comparisons,
            &fitted,
            &options,
            &BootstrapOptions {
                rounds: args.rounds,
                seed: args.seed,
                confidence: args.confidence,
            },
        )?),
        Ci::Sandwich => Some(sandwich(
            &comparisons,
            &fitted,
            &options,
            &SandwichOptions {
                confidence: args.confidence,
                ..SandwichOptions::default()
            },
        )?),
        Ci::None => None,
    };
    let interval_ms = started.elapsed().as_secs_f64() * 1e3;
    let mut board = Leaderboard::new(&comparisons, &fitted, intervals.as_ref(), args.min_votes)?;
    if let Some(limit) = args.limit {
        board.rows.truncate(limit);
    }

    let report = FitReport {
        items: comparisons.len(),
        pairs: comparisons.pair_count(),
        votes: comparisons.total_votes(),
        skipped: Skipped::of(&loaded),
        components: parts.len(),
        newton_iterations: fitted.iterations,
        fit_ms,
        interval_ms,
        options,
        leaderboard: board,
    };
    if ctx.format == Format::Json {
        output::json(&report)?;
        return Ok(0);
    }
    let mut t = Table::new(&["rank", "item", "rating", "lower", "upper", "votes", ""])
        .right_align(&[0, 2, 3, 4, 5]);
    let bound = |b: Option<f64>| b.map_or_else(String::new, |v| format!("{v:.1}"));
    for r in &report.leaderboard.rows {
        t.row(vec![
            r.rank.to_string(),
            r.item.clone(),
            format!("{:.1}", r.rating),
            bound(r.lower),
            bound(r.upper),
            r.votes.to_string(),
            if r.provisional { "provisional" } else { "" }.to_owned(),
        ]);
    }
    if ctx.format == Format::Csv {
        print!("{}", t.csv());
        return Ok(0);
    }
    print!("{}", t.render());
    let method = match args.ci {
        Ci::Bootstrap => format!("{} bootstrap rounds (seed {})", args.rounds, args.seed),
        Ci::Sandwich => "sandwich (robust) standard errors".to_owned(),
        Ci::None => "no intervals".to_owned(),
    };
    println!(
        "{} items, {} pairs, {} votes; fit {:.1} ms ({} Newton iterations), {method} {:.1} ms",
        report.items, report.pairs, report.votes, fit_ms, report.newton_iterations, interval_ms
    );
    if let Some(line) = report.skipped.line() {
        println!("{line}");
    }
    Ok(0)
}

fn run_voters(ctx: &Context, args: VotersArgs) -> anyhow::Result<u8> {
    let log = match load(&args.input)? {
        Loaded::Log(log) => log,
        Loaded::Counts(_) => bail!("aggregated pair counts carry no voters; use a vote log"),
    };
    if log.voters().is_empty() {
        bail!("the file names no voters (clean_battle `judge`, CSV `worker`/`voter` column)");
    }
    let fitted = fit(&log.comparisons(), &FitOptions::default())?;
    let options = SprtOptions {
        alpha: args.alpha,
        ..SprtOptions::default()
    };
    let mut results = sprt_all_voters(&fitted, &log, &options)?;
    results.sort_by(|a, b| b.1.total_log_lr.total_cmp(&a.1.total_log_lr));
    if args.flagged_only {
        results.retain(|(_, r)| r.flagged);
    }
    if ctx.format == Format::Json {
        #[derive(serde::Serialize)]
        struct Row<'a> {
            voter: &'a str,
            #[serde(flatten)]
            result: &'a scout_arena::SprtResult,
        }
        let rows: Vec<Row> = results
            .iter()
            .map(|(voter, result)| Row { voter, result })
            .collect();
        output::json(&rows)?;
        return Ok(0);
    }
    let mut t = Table::new(&[
        "voter",
        "decision",
        "log LR",
        "votes used",
        "decisive votes",
    ])
    .right_align(&[2, 3, 4]);
    for (voter, r) in &results {
        t.row(vec![
            voter.clone(),
            format!("{:?}", r.decision).to_lowercase(),
            format!("{:.2}", r.total_log_lr),
            r.votes_used.to_string(),
            r.decisive_votes.to_string(),
        ]);
    }
    match ctx.format {
        Format::Csv => print!("{}", t.csv()),
        _ => print!("{}", t.render()),
    }
    Ok(0)
}
