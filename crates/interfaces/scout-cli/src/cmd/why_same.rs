//! `scout why-same A B`: why two mentions are (or are not) one researcher.

use scout_corpus::explain::{MentionInfo, why_same};

use super::Context;
use crate::output::{self, Format};

#[derive(clap::Args)]
pub struct Args {
    /// A mention (WORK_KEY#POSITION, 0-based), a researcher key or id, or a name
    a: String,
    /// The other mention, researcher or name
    b: String,
}

fn describe(m: &MentionInfo) -> String {
    let ids: Vec<String> = m.ids.iter().map(|(k, v)| format!("{k} {v}")).collect();
    format!(
        "\"{}\" on \"{}\" ({} {}){}{}",
        m.name,
        m.title,
        m.venue.as_deref().unwrap_or("-").to_uppercase(),
        m.year.map_or("-".into(), |y| y.to_string()),
        if ids.is_empty() {
            String::new()
        } else {
            format!(" [{}]", ids.join(", "))
        },
        if m.affiliations.is_empty() {
            String::new()
        } else {
            format!(" at {}", m.affiliations.join("; "))
        }
    )
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<u8> {
    let corpus = ctx.open_existing()?;
    let answer = why_same(corpus.conn(), &args.a, &args.b)?;
    if ctx.format == Format::Json {
        output::json(&answer)?;
        return Ok(0);
    }
    println!("A: {}", describe(&answer.a));
    println!("B: {}", describe(&answer.b));
    if answer.same {
        println!(
            "\nSAME researcher: {} [{}]",
            answer.researcher_a.name, answer.researcher_a.key
        );
        if answer.chain.is_empty() {
            println!("(A and B are the same mention)");
        }
        for (i, step) in answer.chain.iter().enumerate() {
            println!("  {}. {}", i + 1, describe(&step.from));
            println!("     ↳ {}: {}", step.rule, step.detail);
            println!("     {}", describe(&step.to));
        }
    } else {
        println!(
            "\nDIFFERENT researchers: {} [{}] and {} [{}]",
            answer.researcher_a.name,
            answer.researcher_a.key,
            answer.researcher_b.name,
            answer.researcher_b.key
        );
        for reason in &answer.apart {
            println!("  - {reason}");
        }
    }
    Ok(0)
}
