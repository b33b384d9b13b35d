//! `scout export --parquet DIR`: the corpus as partitioned Parquet for distributed engines.

use std::path::PathBuf;

use super::Context;
use crate::output::{self, Format, Table};

#[derive(clap::Args)]
pub struct Args {
    /// Output directory for Parquet tables (works/ and authorships/ partitioned by year)
    #[arg(long)]
    parquet: PathBuf,
    /// Only what the distributed job reads (`mentions`, `mention_affiliations`, `paper_ties`,
    /// `identity_input.json`), from the source tables: no refresh first
    #[arg(long)]
    identity_input: bool,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<u8> {
    let corpus = if args.identity_input {
        ctx.open_as_is()?
    } else {
        ctx.open_existing()?
    };
    let started = std::time::Instant::now();
    let reports = if args.identity_input {
        scout_parquet::identity_job::export_identity_input(corpus.conn(), &args.parquet)?
    } else {
        scout_parquet::export(corpus.conn(), &args.parquet)?
    };
    if ctx.format == Format::Json {
        output::json(&reports)?;
        return Ok(0);
    }
    let mut t = Table::new(&["table", "rows", "files", "MB"]).right_align(&[1, 2, 3]);
    for r in &reports {
        t.row(vec![
            r.table.clone(),
            r.rows.to_string(),
            r.files.to_string(),
            format!("{:.1}", r.bytes as f64 / 1e6),
        ]);
    }
    println!(
        "exported to {} in {:.1} s ({})",
        args.parquet.display(),
        started.elapsed().as_secs_f64(),
        if args.identity_input {
            "zstd; the identity job's input: spark/identity_job.py --export DIR"
        } else {
            "zstd, Hive-style year partitions"
        }
    );
    print!("{}", t.render());
    Ok(0)
}
