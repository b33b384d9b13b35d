//! `scout flows`: who moved from where to where, with evidence, and the flow matrix.

use scout_network::flows::{FlowQuery, flows, matrix};

use super::Context;
use super::list::shorten;
use crate::output::{self, Format, Table};

#[derive(clap::Args)]
pub struct Args {
    /// Moves out of this organisation
    #[arg(long)]
    from: Option<String>,
    /// Moves into this organisation
    #[arg(long)]
    to: Option<String>,
    /// Moves in or after this year
    #[arg(long)]
    since: Option<i32>,
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Also print the matrix of moves among this many top organisations (0: none)
    #[arg(long, default_value_t = 10)]
    matrix: usize,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<u8> {
    let corpus = ctx.open_existing()?;
    let conn = corpus.conn();
    let q = FlowQuery {
        from: args.from.clone(),
        to: args.to.clone(),
        since: args.since,
        limit: args.limit,
    };
    let rows = flows(conn, &q)?;
    let m = (args.matrix > 0)
        .then(|| matrix(conn, args.since, args.matrix))
        .transpose()?;
    if ctx.format == Format::Json {
        output::json(&serde_json::json!({"moves": rows, "matrix": m}))?;
        return Ok(0);
    }
    let mut t = Table::new(&[
        "year",
        "researcher",
        "from",
        "to",
        "last paper at old org",
        "first paper at new org",
    ])
    .right_align(&[0]);
    for r in &rows {
        t.row(vec![
            r.year.to_string(),
            r.researcher.clone(),
            shorten(&r.from, 30),
            shorten(&r.to, 30),
            format!(
                "{} ({})",
                shorten(&r.last_at_from.title, 40),
                r.last_at_from.year
            ),
            format!(
                "{} ({})",
                shorten(&r.first_at_to.title, 40),
                r.first_at_to.year
            ),
        ]);
    }
    if ctx.format == Format::Csv {
        print!("{}", t.csv());
        return Ok(0);
    }
    println!("Moves (double affiliations and one-year visits are not moves):");
    print!("{}", t.render());
    if let Some(m) = m {
        println!(
            "\nFlow matrix among the {} organisations with most moves{} (row → column):",
            m.orgs.len(),
            args.since.map_or(String::new(), |s| format!(" since {s}"))
        );
        let short: Vec<String> = m.orgs.iter().map(|o| shorten(o, 14)).collect();
        let mut header: Vec<&str> = vec!["from \\ to"];
        header.extend(short.iter().map(String::as_str));
        let mut mt = Table::new(&header).right_align(&(1..=short.len()).collect::<Vec<_>>());
        for (i, row) in m.counts.iter().enumerate() {
            let mut cells = vec![short[i].clone()];
            cells.extend(
                row.iter()
                    .map(|n| if *n == 0 { ".".into() } else { n.to_string() }),
            );
            mt.row(cells);
        }
        print!("{}", mt.render());
    }
    Ok(0)
}
