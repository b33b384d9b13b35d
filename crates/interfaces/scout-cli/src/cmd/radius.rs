//! `scout radius TARGET…`: who on a shortlist would hear about an approach, and in what order
//! to approach them.

use scout_corpus::researchers::{self, Researcher};
use scout_network::Graph;
use scout_network::radius::{Radius, Wave, approach_order, radius};

use super::Context;
use crate::output::{self, Format};

#[derive(clap::Args)]
pub struct Args {
    /// Targets (names, keys or ids); at least two
    #[arg(required = true, num_args = 2..)]
    targets: Vec<String>,
}

#[derive(serde::Serialize)]
struct Answer {
    targets: Vec<Researcher>,
    radius: Vec<Radius>,
    approach: Vec<Wave>,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<u8> {
    let corpus = ctx.open_existing()?;
    let conn = corpus.conn();
    let mut targets = Vec::new();
    for t in &args.targets {
        targets.push(researchers::resolve_one(conn, t)?);
    }
    let ids: Vec<u32> = targets.iter().map(|r| r.id as u32).collect();
    let graph = Graph::load(conn)?;
    let answer = Answer {
        radius: radius(&graph, &ids),
        approach: approach_order(&graph, &ids),
        targets,
    };
    if ctx.format == Format::Json {
        output::json(&answer)?;
        return Ok(0);
    }
    let name = |id: u32| {
        answer
            .targets
            .iter()
            .find(|r| r.id == i64::from(id))
            .map_or_else(|| format!("#{id}"), |r| r.name.clone())
    };
    let other = |id: u32| -> String {
        researchers::by_id(conn, i64::from(id))
            .ok()
            .flatten()
            .map_or_else(|| format!("#{id}"), |r| r.name)
    };
    println!("Leak radius (who else on this shortlist is within reach):");
    for r in &answer.radius {
        let one: Vec<String> = r
            .within_one
            .iter()
            .map(|x| format!("{} ({:.2})", name(x.researcher), x.strength))
            .collect();
        let two: Vec<String> = r
            .within_two
            .iter()
            .map(|x| {
                format!(
                    "{} via {}",
                    name(x.researcher),
                    x.via.map(other).unwrap_or_default()
                )
            })
            .collect();
        println!("  {}", name(r.target));
        println!(
            "    1 hop (co-authors): {}",
            if one.is_empty() {
                "-".into()
            } else {
                one.join(", ")
            }
        );
        println!(
            "    2 hops (shared co-author): {}",
            if two.is_empty() {
                "-".into()
            } else {
                two.join(", ")
            }
        );
    }
    println!("\nApproach order:");
    for w in &answer.approach {
        let names: Vec<String> = w.targets.iter().map(|&t| name(t)).collect();
        println!("  wave {}: {} — {}", w.number, names.join(", "), w.reason);
    }
    Ok(0)
}
