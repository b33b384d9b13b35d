//! Times a fit, a bootstrap and the sandwich on an aggregated pair-count file, and writes both
//! leaderboards as JSON for `scripts/peer_bench.py` to compare with arena-rank and evalica.
//!
//! ```text
//! cargo run --release -p scout-arena --example bench_arena -- \
//!     crates/analysis/scout-arena/tests/data/chatbot-arena-20240814/chatbotarena_20240814.json \
//!     [--rounds 1000] [--seed 42] [--repeat 5] [--out /tmp/scout-arena-cba.json]
//! ```

use std::time::Instant;

use scout_arena::{
    BootstrapOptions, FitOptions, Leaderboard, SandwichOptions, bootstrap, fit, parse_pair_counts,
    sandwich,
};

const ANCHOR: &str = "mixtral-8x7b-instruct-v0.1";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let (mut rounds, mut seed, mut repeat, mut out) = (1000usize, 42u64, 5usize, None);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rounds" => rounds = args.next().ok_or("--rounds N")?.parse()?,
            "--seed" => seed = args.next().ok_or("--seed N")?.parse()?,
            "--repeat" => repeat = args.next().ok_or("--repeat N")?.parse()?,
            "--out" => out = Some(args.next().ok_or("--out FILE")?),
            _ => path = Some(a),
        }
    }
    let path = path
        .ok_or("usage: bench_arena FILE.json [--rounds N] [--seed N] [--repeat N] [--out FILE]")?;
    let text = std::fs::read_to_string(&path)?;

    let t = Instant::now();
    let c = parse_pair_counts(&text)?;
    let parse_ms = ms(t);
    println!(
        "data: {} items, {} pairs, {} rows, {} votes (parse {parse_ms:.2} ms), {} rayon threads",
        c.len(),
        c.pair_count(),
        c.rows().len(),
        c.total_votes(),
        rayon::current_num_threads()
    );

    // FastChat convention: anchored at Mixtral = 1114, bootstrap intervals.
    let fastchat = FitOptions::default().with_anchor(ANCHOR, 1114.0);
    let (f, fit_ms) = best_of(repeat, || fit(&c, &fastchat))?;
    println!(
        "fit (FastChat convention):   {fit_ms:8.2} ms  ({} Newton iterations, max |gradient| {:.1e})",
        f.iterations, f.max_gradient
    );
    let opts = BootstrapOptions {
        rounds,
        seed,
        confidence: 0.95,
    };
    let t = Instant::now();
    let boot = bootstrap(&c, &f, &fastchat, &opts)?;
    let boot_ms = ms(t);
    println!(
        "bootstrap {rounds} rounds:       {boot_ms:8.2} ms  ({:.3} ms/round)",
        boot_ms / rounds as f64
    );
    let fastchat_board = Leaderboard::new(&c, &f, Some(&boot), 0)?;

    // arena-rank convention: mean 1000, sandwich intervals.
    let arena = FitOptions::default();
    let (g, fit2_ms) = best_of(repeat, || fit(&c, &arena))?;
    let (sw, sandwich_ms) = best_of(repeat, || {
        sandwich(&c, &g, &arena, &SandwichOptions::default())
    })?;
    println!("fit (arena-rank convention): {fit2_ms:8.2} ms");
    println!("sandwich:                    {sandwich_ms:8.2} ms");
    let arena_board = Leaderboard::new(&c, &g, Some(&sw), 0)?;
    println!(
        "fit + {rounds}-round bootstrap: {:.1} ms total",
        fit_ms + boot_ms
    );

    for (name, board) in [
        ("FastChat (bootstrap)", &fastchat_board),
        ("arena-rank (sandwich)", &arena_board),
    ] {
        println!("\ntop 5, {name}:");
        for r in board.rows.iter().take(5) {
            println!(
                "  {:>2}  {:<32} {:8.2}  [{:8.2}, {:8.2}]",
                r.rank,
                r.item,
                r.rating,
                r.lower.unwrap_or(f64::NAN),
                r.upper.unwrap_or(f64::NAN)
            );
        }
    }

    if let Some(out) = out {
        let json = serde_json::json!({
            "file": path,
            "timings_ms": {
                "parse": parse_ms, "fit": fit_ms, "bootstrap": boot_ms, "bootstrap_rounds": rounds,
                "fit_unanchored": fit2_ms, "sandwich": sandwich_ms,
                "threads": rayon::current_num_threads(),
            },
            "fastchat": fastchat_board,
            "arena_rank": arena_board,
        });
        std::fs::write(&out, serde_json::to_string_pretty(&json)?)?;
        println!("\nwrote {out}");
    }
    Ok(())
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// Runs `f` `repeat` times and returns the last result with the best time.
fn best_of<T, E>(repeat: usize, mut f: impl FnMut() -> Result<T, E>) -> Result<(T, f64), E> {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let v = f()?;
        best = best.min(ms(t));
        last = Some(v);
    }
    match last {
        Some(v) => Ok((v, best)),
        None => unreachable!("repeat.max(1) runs at least once"),
    }
}
