//! `scout bench list`: List latency over a set of topics, measured in one process (as a
//! server would answer them), with p50/p99.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use scout_rank::{ListQuery, RankModel, rank_with};

use super::Context;
use crate::output::{self, Format};

/// 100 topic queries across the field, used when no file is given.
pub const DEFAULT_TOPICS: &str = include_str!("../../topics.txt");

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    /// List latency over topic queries
    List(ListArgs),
    /// Warm-path latency between random pairs of researchers
    Paths(PathArgs),
}

#[derive(clap::Args)]
struct PathArgs {
    /// Random (seeded) pairs of researchers with co-authors
    #[arg(long, default_value_t = 1000)]
    pairs: usize,
    #[arg(long, default_value_t = 3)]
    max_hops: usize,
    #[arg(long, default_value_t = 3)]
    k: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Pick each target by a random walk of `max-hops` steps from the source, so that most
    /// pairs are connected (random pairs in a large graph mostly are not)
    #[arg(long)]
    walk: bool,
}

#[derive(clap::Args)]
struct ListArgs {
    /// A file with one topic per line [default: 100 built-in AI topics]
    #[arg(long)]
    queries: Option<PathBuf>,
    /// Passes over the topic list (the first pass warms caches and is reported separately)
    #[arg(long, default_value_t = 3)]
    passes: usize,
    /// Researchers per query
    #[arg(long, default_value_t = 50)]
    limit: usize,
}

#[derive(serde::Serialize)]
struct BenchReport {
    model_load_ms: f64,
    queries: usize,
    passes: usize,
    cold_first_ms: f64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    mean_ms: f64,
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<u8> {
    match args.what {
        What::List(a) => list(ctx, a),
        What::Paths(a) => paths(ctx, a),
    }
}

#[derive(serde::Serialize)]
struct PathReport {
    graph_load_ms: f64,
    graph_nodes: usize,
    graph_edges: usize,
    graph_memory_mib: f64,
    pairs: usize,
    random_walk_targets: bool,
    found: usize,
    max_hops: usize,
    k: usize,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

fn paths(ctx: &Context, args: PathArgs) -> anyhow::Result<u8> {
    let corpus = ctx.open_existing()?;
    let started = Instant::now();
    let graph = scout_network::Graph::load(corpus.conn())?;
    let graph_load_ms = started.elapsed().as_secs_f64() * 1000.0;
    let connected: Vec<u32> = (0..graph.len() as u32)
        .filter(|&v| graph.degree(v) > 0)
        .collect();
    anyhow::ensure!(connected.len() >= 2, "the co-author graph is empty");
    // A small linear congruential generator: reproducible pairs without a dependency.
    let mut state = args
        .seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = |n: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) % n as u64) as usize
    };
    let mut timings = Vec::with_capacity(args.pairs);
    let mut found = 0;
    for _ in 0..args.pairs {
        let a = connected[next(connected.len())];
        let b = if args.walk {
            let mut v = a;
            for _ in 0..args.max_hops {
                let d = graph.degree(v);
                if d == 0 {
                    break;
                }
                let step = next(d);
                if let Some((u, _)) = graph.neighbours(v).nth(step) {
                    v = u;
                }
            }
            v
        } else {
            connected[next(connected.len())]
        };
        let sources: rustc_hash::FxHashSet<u32> = std::iter::once(a).collect();
        let t = Instant::now();
        let chains = scout_network::paths::best_chains(&graph, &sources, b, args.max_hops, args.k)?;
        timings.push(t.elapsed().as_secs_f64() * 1000.0);
        if !chains.is_empty() {
            found += 1;
        }
    }
    timings.sort_by(f64::total_cmp);
    let report = PathReport {
        graph_load_ms,
        graph_nodes: connected.len(),
        graph_edges: graph.edge_count(),
        graph_memory_mib: graph.memory_bytes() as f64 / (1024.0 * 1024.0),
        pairs: args.pairs,
        random_walk_targets: args.walk,
        found,
        max_hops: args.max_hops,
        k: args.k,
        p50_ms: percentile(&timings, 50.0),
        p90_ms: percentile(&timings, 90.0),
        p99_ms: percentile(&timings, 99.0),
        max_ms: timings.last().copied().unwrap_or(0.0),
    };
    if ctx.format == Format::Json {
        output::json(&report)?;
    } else {
        println!(
            "Warm paths for {} {} pairs (≤ {} hops, k = {}): p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {} pairs connected. Graph: {} researchers with co-authors, {} edges, {:.0} MiB, loaded in {:.0} ms",
            report.pairs,
            if args.walk { "random-walk" } else { "random" },
            report.max_hops,
            report.k,
            report.p50_ms,
            report.p90_ms,
            report.p99_ms,
            report.max_ms,
            report.found,
            report.graph_nodes,
            report.graph_edges,
            report.graph_memory_mib,
            report.graph_load_ms
        );
    }
    Ok(0)
}

fn list(ctx: &Context, args: ListArgs) -> anyhow::Result<u8> {
    let text = match &args.queries {
        Some(path) => {
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
        }
        None => DEFAULT_TOPICS.to_string(),
    };
    let topics: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    anyhow::ensure!(!topics.is_empty(), "no topics to run");
    let mut corpus = ctx.open_existing()?;
    let index = corpus.text_index()?;
    let as_of = corpus.latest_year()?.unwrap_or(2025);
    let load_started = Instant::now();
    let model = RankModel::load(corpus.conn())?;
    let model_load_ms = load_started.elapsed().as_secs_f64() * 1000.0;
    let mut facts = model.facts();
    let mut cold_first = 0.0;
    let mut timings = Vec::new();
    for pass in 0..args.passes.max(2) {
        for (i, topic) in topics.iter().enumerate() {
            let mut q = ListQuery::new(*topic);
            q.limit = args.limit;
            let started = Instant::now();
            let result = rank_with(corpus.conn(), &index, &mut facts, as_of, &q)?;
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            std::hint::black_box(result);
            if pass == 0 {
                if i == 0 {
                    cold_first = ms;
                }
            } else {
                timings.push(ms);
            }
        }
    }
    timings.sort_by(f64::total_cmp);
    let report = BenchReport {
        model_load_ms,
        queries: topics.len(),
        passes: args.passes.max(2) - 1,
        cold_first_ms: cold_first,
        p50_ms: percentile(&timings, 50.0),
        p90_ms: percentile(&timings, 90.0),
        p99_ms: percentile(&timings, 99.0),
        max_ms: timings.last().copied().unwrap_or(0.0),
        mean_ms: timings.iter().sum::<f64>() / timings.len().max(1) as f64,
    };
    if ctx.format == Format::Json {
        output::json(&report)?;
    } else {
        println!(
            "List latency over {} topics × {} warm passes (limit {}): p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms, mean {:.1} ms; first cold query {:.1} ms; model load {:.0} ms",
            report.queries,
            report.passes,
            args.limit,
            report.p50_ms,
            report.p90_ms,
            report.p99_ms,
            report.max_ms,
            report.mean_ms,
            report.cold_first_ms,
            report.model_load_ms
        );
    }
    Ok(0)
}
