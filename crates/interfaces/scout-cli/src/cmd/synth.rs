//! `scout synth`: a synthetic corpus for scale tests, built by re-identifying real records.

use std::path::PathBuf;

use scout_synth::{SynthOptions, generate};

use super::Context;
use crate::output::{self, Format};

#[derive(clap::Args)]
pub struct Args {
    /// Real paperlists files or directories used as templates
    #[arg(long = "from", required = true)]
    from: Vec<PathBuf>,
    /// Output directory (papers/ and abstracts/ are written inside)
    #[arg(long)]
    out: PathBuf,
    /// Number of synthetic works
    #[arg(long, default_value_t = 1_000_000)]
    works: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Works per output file
    #[arg(long, default_value_t = 100_000)]
    works_per_file: u64,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<u8> {
    let opts = SynthOptions {
        works: args.works,
        seed: args.seed,
        works_per_file: args.works_per_file,
        ..SynthOptions::default()
    };
    let started = std::time::Instant::now();
    let report = generate(&args.from, &args.out, &opts)?;
    if ctx.format == Format::Json {
        output::json(&report)?;
    } else {
        println!(
            "wrote {} synthetic works ({} abstracts, {} synthetic researchers) from {} real templates into {} ({} files, {:.1} MB) in {:.1} s",
            report.works,
            report.abstracts,
            report.researchers,
            report.templates,
            report.out.display(),
            report.files,
            report.bytes as f64 / 1e6,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(0)
}
