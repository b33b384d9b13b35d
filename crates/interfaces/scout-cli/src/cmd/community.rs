//! `scout community [WHO]`: a researcher's research community, or the largest communities.

use scout_corpus::researchers;
use scout_network::communities::{self, Community};

use super::Context;
use crate::output::{self, Format};

#[derive(clap::Args)]
pub struct Args {
    /// A researcher (name, key or id); without it, the largest communities are listed
    who: Option<String>,
    /// How many communities to list
    #[arg(long, default_value_t = 10)]
    limit: usize,
}

fn print(c: &Community) {
    let orgs: Vec<String> = c.orgs.iter().map(|(o, n)| format!("{o} ({n})")).collect();
    let members: Vec<String> = c.members.iter().map(|m| m.name.clone()).collect();
    println!("community {} — {} researchers", c.id, c.size);
    println!(
        "  topics: {}",
        if c.topics.is_empty() {
            "-".into()
        } else {
            c.topics.join(", ")
        }
    );
    println!(
        "  organisations: {}",
        if orgs.is_empty() {
            "-".into()
        } else {
            orgs.join(", ")
        }
    );
    println!("  most published members: {}", members.join(", "));
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<u8> {
    let corpus = ctx.open_existing()?;
    let conn = corpus.conn();
    let found: Vec<Community> = match &args.who {
        Some(who) => {
            let r = researchers::resolve_one(conn, who)?;
            communities::of_researcher(conn, r.id, 8)?
                .into_iter()
                .collect()
        }
        None => communities::largest(conn, args.limit, 8)?,
    };
    if ctx.format == Format::Json {
        output::json(&found)?;
        return Ok(0);
    }
    if found.is_empty() {
        println!("no community (no co-authors in the corpus)");
    }
    for c in &found {
        print(c);
    }
    Ok(0)
}
