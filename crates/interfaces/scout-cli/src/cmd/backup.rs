//! `scout backup OUT`: a consistent online copy of the SQLite pipeline database
//! (`VACUUM INTO`; safe while `scout serve` runs). Restore: stop the server, copy the file
//! over the database path (remove its `-wal`/`-shm` files), start again (docs/pipeline.md).

use std::path::PathBuf;

use super::Context;
use super::pipeline::{self, DbArgs};

#[derive(clap::Args)]
pub struct Args {
    /// Where to write the copy (must not exist)
    pub out: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<u8> {
    let url = pipeline::url(ctx, &args.db)?;
    let rt = pipeline::runtime()?;
    rt.block_on(async {
        let store = pipeline::open(&url, false, pipeline::ledger(ctx, &args.db, &url)).await?;
        store.db().backup_to(&args.out).await?;
        let check = pipeline::open(
            &scout_pipeline::StoreConfig::sqlite_path(&args.out).url,
            false,
            // Checked as written: the copy's own ledger does not exist yet.
            None,
        )
        .await?;
        let v = check.verify_audit().await?;
        store
            .record(
                &pipeline::cli_actor().name,
                "backup",
                serde_json::json!({"entries": v.entries}),
            )
            .await?;
        println!(
            "backup written to {} ({} audit entries, chain {})",
            args.out.display(),
            v.entries,
            if v.ok { "OK" } else { "BROKEN" }
        );
        anyhow::Ok(())
    })?;
    Ok(0)
}
