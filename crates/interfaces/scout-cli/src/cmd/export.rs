//! `scout export --parquet DIR`: the corpus as partitioned Parquet for distributed engines.

use std::path::PathBuf;

use super::Context;
use crate::output::{self, Format, Table};

#[derive(clap::Args)]
pub struct Args {
    /// Output directory for Parquet tables (works/ and authorships/ partitioned by year)
    #[arg(long)]
    parquet: PathBuf,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<u8> {
    let corpus = ctx.open_existing()?;
    let started = std::time::Instant::now();
    let reports = scout_parquet::export(corpus.conn(), &args.parquet)?;
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
        "exported to {} in {:.1} s (zstd, Hive-style year partitions)",
        args.parquet.display(),
        started.elapsed().as_secs_f64()
    );
    print!("{}", t.render());
    Ok(0)
}
