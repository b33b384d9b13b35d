//! `scout bench list`: List latency over a set of topics, measured in one process (as a
//! server would answer them), with p50/p99; `scout bench paths`: warm paths; `scout bench
//! names`: the top bar's name search, against the one-off scan the CLI uses on a miss.

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
    /// Name search latency and hits, exact names and names with a typo
    Names(NameArgs),
}

#[derive(clap::Args)]
struct NameArgs {
    /// Researchers searched for (spread evenly over those with two or more papers)
    #[arg(long, default_value_t = 500)]
    queries: usize,
    /// Queries also run through the one-off scan (`scout show`'s "did you mean"), the peer
    #[arg(long, default_value_t = 50)]
    peer_queries: usize,
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
        What::Names(a) => names(ctx, a),
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

#[derive(serde::Serialize)]
struct NamesReport {
    researchers: usize,
    index_load_ms: f64,
    queries: usize,
    exact_found_at_1: usize,
    typo_found_in_3: usize,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    peer_queries: usize,
    peer_typo_found_in_3: usize,
    peer_p50_ms: f64,
    peer_p99_ms: f64,
}

/// The name with its last word's second letter dropped, when that word has five letters or more.
fn with_typo(name: &str) -> Option<String> {
    let words: Vec<&str> = name.split_whitespace().collect();
    let (last, first) = words.split_last()?;
    if first.is_empty() || last.chars().count() < 5 {
        return None;
    }
    let mut chars: Vec<char> = last.chars().collect();
    chars.remove(1);
    Some(format!(
        "{} {}",
        first.join(" "),
        chars.into_iter().collect::<String>()
    ))
}

fn names(ctx: &Context, args: NameArgs) -> anyhow::Result<u8> {
    use scout_corpus::name_search::NameIndex;
    let corpus = ctx.open_existing()?;
    let conn = corpus.conn();
    let started = Instant::now();
    let index = NameIndex::load(conn)?;
    let index_load_ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut stmt =
        conn.prepare("SELECT id, name FROM researchers WHERE n_works >= 2 ORDER BY id")?;
    let pool: Vec<(i64, String, String)> = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        .filter_map(|r| r.ok())
        .filter_map(|(id, name)| with_typo(&name).map(|typo| (id, name, typo)))
        .collect();
    anyhow::ensure!(
        !pool.is_empty(),
        "no researcher with two papers and a long enough name"
    );
    let step = (pool.len() / args.queries.max(1)).max(1);
    let sample: Vec<&(i64, String, String)> =
        pool.iter().step_by(step).take(args.queries).collect();
    let found_in = |found: &[i64], id: i64, n: usize| found.iter().take(n).any(|&f| f == id);
    let (mut exact_at_1, mut typo_in_3) = (0, 0);
    let mut timings = Vec::new();
    for (id, name, typo) in &sample {
        let exact: Vec<i64> = index
            .search(name, 10)
            .iter()
            .map(|m| m.researcher_id)
            .collect();
        exact_at_1 += usize::from(found_in(&exact, *id, 1));
        let t = Instant::now();
        let found: Vec<i64> = index
            .search(typo, 10)
            .iter()
            .map(|m| m.researcher_id)
            .collect();
        timings.push(t.elapsed().as_secs_f64() * 1000.0);
        typo_in_3 += usize::from(found_in(&found, *id, 3));
    }
    timings.sort_by(f64::total_cmp);
    let mut peer = Vec::new();
    let mut peer_in_3 = 0;
    for (id, _, typo) in sample.iter().take(args.peer_queries) {
        let t = Instant::now();
        let found: Vec<i64> = scout_corpus::researchers::suggest(conn, typo, 10)?
            .iter()
            .map(|r| r.id)
            .collect();
        peer.push(t.elapsed().as_secs_f64() * 1000.0);
        peer_in_3 += usize::from(found_in(&found, *id, 3));
    }
    peer.sort_by(f64::total_cmp);
    let report = NamesReport {
        researchers: index.len(),
        index_load_ms,
        queries: sample.len(),
        exact_found_at_1: exact_at_1,
        typo_found_in_3: typo_in_3,
        p50_ms: percentile(&timings, 50.0),
        p99_ms: percentile(&timings, 99.0),
        max_ms: timings.last().copied().unwrap_or(0.0),
        peer_queries: peer.len(),
        peer_typo_found_in_3: peer_in_3,
        peer_p50_ms: percentile(&peer, 50.0),
        peer_p99_ms: percentile(&peer, 99.0),
    };
    if ctx.format == Format::Json {
        output::json(&report)?;
    } else {
        println!(
            "Name search over {} researchers (index load {:.0} ms), {} names: exact name first {}/{}, \
             with a typo in the top 3 {}/{}; typo queries p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms. \
             Peer, the one-off scan (`researchers::suggest`), {} typo queries: in the top 3 {}/{}, \
             p50 {:.1} ms, p99 {:.1} ms",
            report.researchers,
            report.index_load_ms,
            report.queries,
            report.exact_found_at_1,
            report.queries,
            report.typo_found_in_3,
            report.queries,
            report.p50_ms,
            report.p99_ms,
            report.max_ms,
            report.peer_queries,
            report.peer_typo_found_in_3,
            report.peer_queries,
            report.peer_p50_ms,
            report.peer_p99_ms
        );
    }
    Ok(0)
}
