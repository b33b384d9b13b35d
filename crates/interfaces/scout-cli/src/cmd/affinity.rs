//! `scout affinity`: reviewer–paper affinity scores in the OpenReview expertise format, with the
//! corpus supplying the learned model (idf, term vectors).

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use scout_rank::affinity::{self, Affinity, AffinityOptions, Aggregate};

use super::Context;

#[derive(clap::Args)]
pub struct Args {
    /// Directory of `~ID.jsonl` files, one researcher's papers per file
    #[arg(long)]
    archives: PathBuf,
    /// The papers to score: `submissions.json` (an object keyed by id), a JSON array or JSON Lines
    #[arg(long)]
    submissions: PathBuf,
    /// Where to write the CSV rows `submission id,researcher id,score` (`-`: standard output)
    #[arg(long)]
    out: PathBuf,
    /// Weight of lexical (tf-idf) against semantic similarity, 0–1
    #[arg(long, default_value_t = AffinityOptions::default().lexical_weight)]
    lexical_weight: f64,
    /// How a researcher's paper similarities combine: max, mean or topN (mean of the N best)
    #[arg(long, default_value = "top3")]
    aggregate: String,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<u8> {
    let Some(how) = Aggregate::parse(&args.aggregate) else {
        eprintln!(
            "error: --aggregate {:?}: use max, mean or topN (N ≥ 1)",
            args.aggregate
        );
        return Ok(2);
    };
    if !(0.0..=1.0).contains(&args.lexical_weight) {
        eprintln!("error: --lexical-weight must be between 0 and 1");
        return Ok(2);
    }
    let mut corpus = ctx.open_existing()?;
    let index = corpus.text_index()?;
    let model = index.semantic().context(
        "the corpus has no semantic model yet; run `scout refresh` (it is learned at refresh)",
    )?;
    let archives = affinity::read_archives(&args.archives)?;
    let submissions = affinity::read_submissions(&args.submissions)?;
    let scorer = Affinity::new(
        model,
        AffinityOptions {
            lexical_weight: args.lexical_weight,
            aggregate: how,
        },
    );
    let rows = affinity::score_all(&scorer, &archives, &submissions);
    let mut out: Box<dyn std::io::Write> = if args.out.as_os_str() == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(std::io::BufWriter::new(
            std::fs::File::create(&args.out)
                .with_context(|| format!("creating {}", args.out.display()))?,
        ))
    };
    for (submission, researcher, score) in &rows {
        writeln!(out, "{submission},{researcher},{score:.6}")?;
    }
    out.flush()?;
    eprintln!(
        "{} submissions × {} researchers scored",
        submissions.len(),
        archives.len()
    );
    Ok(0)
}
