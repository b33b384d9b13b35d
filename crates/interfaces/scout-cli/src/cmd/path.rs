//! `scout path --to TARGET (--from-org ORG | --from-people FILE)`: warm introduction paths.

use std::path::PathBuf;

use anyhow::Context as _;
use rustc_hash::FxHashSet as HashSet;
use scout_corpus::researchers;
use scout_network::Graph;
use scout_network::paths::{self, DescribedChain};

use super::Context;
use super::list::shorten;
use crate::output::{self, Format};

#[derive(clap::Args)]
pub struct Args {
    /// The researcher to reach (name, key or id)
    #[arg(long)]
    to: String,
    /// Our people: everyone whose current organisation is this (name or alias)
    #[arg(
        long,
        conflicts_with = "from_people",
        required_unless_present = "from_people"
    )]
    from_org: Option<String>,
    /// Our people: a file with one researcher (name, key or id) per line
    #[arg(long)]
    from_people: Option<PathBuf>,
    /// Longest chain, in co-authorship hops (1–4)
    #[arg(long, default_value_t = 3)]
    max_hops: usize,
    /// How many chains
    #[arg(long, default_value_t = 3)]
    k: usize,
}

#[derive(serde::Serialize)]
struct Answer {
    target: researchers::Researcher,
    our_people: usize,
    unresolved: Vec<String>,
    chains: Vec<DescribedChain>,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<u8> {
    let corpus = ctx.open_existing()?;
    let conn = corpus.conn();
    let target = researchers::resolve_one(conn, &args.to)?;
    let mut unresolved = Vec::new();
    let sources: HashSet<u32> = match (&args.from_org, &args.from_people) {
        (Some(org), _) => paths::people_of_org(conn, org)?.into_iter().collect(),
        (None, Some(file)) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            let mut ids = HashSet::default();
            for line in text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
            {
                match researchers::find(conn, line)?.first() {
                    Some(r) => {
                        ids.insert(r.id as u32);
                    }
                    None => unresolved.push(line.to_string()),
                }
            }
            ids
        }
        (None, None) => anyhow::bail!("give --from-org or --from-people"),
    };
    if sources.is_empty() {
        match &args.from_org {
            Some(org) => anyhow::bail!("nobody in the corpus currently works at {org:?}"),
            None => anyhow::bail!("none of our people were found in the corpus"),
        }
    }
    let graph = Graph::load(conn)?;
    let chains = paths::best_chains(&graph, &sources, target.id as u32, args.max_hops, args.k)?;
    let described: Vec<DescribedChain> = chains
        .iter()
        .map(|c| paths::describe(conn, &graph, c, 3))
        .collect::<Result<_, _>>()?;
    let answer = Answer {
        our_people: sources.len(),
        target,
        unresolved,
        chains: described,
    };
    if ctx.format == Format::Json {
        output::json(&answer)?;
        return Ok(0);
    }
    println!(
        "Warm paths to {} [{}] from {} of our people (at most {} hops):",
        answer.target.name, answer.target.key, answer.our_people, args.max_hops
    );
    for u in &answer.unresolved {
        println!("  (not found in the corpus: {u})");
    }
    if answer.chains.is_empty() {
        println!("  no chain within {} hops", args.max_hops);
    }
    for (i, chain) in answer.chains.iter().enumerate() {
        let names: Vec<&str> = std::iter::once(chain.hops[0].from_name.as_str())
            .chain(chain.hops.iter().map(|h| h.to_name.as_str()))
            .collect();
        println!(
            "\n{}. {}   (warmth {:.3})",
            i + 1,
            names.join(" → "),
            chain.warmth
        );
        for hop in &chain.hops {
            println!(
                "   {} — {}: {} joint paper(s), last {}, tie strength {:.2}",
                hop.from_name, hop.to_name, hop.tie.papers, hop.tie.last_year, hop.strength
            );
            for p in &hop.papers {
                println!(
                    "      · {} ({} {}, {} authors)",
                    shorten(&p.title, 80),
                    p.venue.as_deref().unwrap_or("-").to_uppercase(),
                    p.year.map_or("-".into(), |y| y.to_string()),
                    p.n_authors
                );
            }
        }
    }
    Ok(0)
}
