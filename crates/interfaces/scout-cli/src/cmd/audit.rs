//! `scout audit verify`: walk the pipeline's hash-chained audit log.

use super::Context;
use super::pipeline::{self, DbArgs};
use crate::output::{self, Format};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: AuditCommand,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// Check every entry links to the previous one and hashes to its stored hash (exit 1 if not)
    Verify {
        /// A head hash kept from an earlier run: fail if it is no longer in the chain
        #[arg(long)]
        anchor: Option<String>,
    },
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<u8> {
    let url = pipeline::url(ctx, &args.db)?;
    let rt = pipeline::runtime()?;
    let AuditCommand::Verify { anchor } = args.command;
    let (report, anchor_found) = rt.block_on(async {
        let store = pipeline::open(&url).await?;
        let report = store.verify_audit().await?;
        let mut found = None;
        if let Some(a) = &anchor {
            let mut after = 0;
            let mut hit = false;
            loop {
                let page = store.audit_entries(after, 5000).await?;
                let Some(last) = page.last() else { break };
                after = last.seq;
                hit |= page.iter().any(|e| &e.hash == a);
            }
            found = Some(hit);
        }
        anyhow::Ok((report, found))
    })?;
    if ctx.format == Format::Json {
        output::json(&serde_json::json!({"verify": report, "anchor_found": anchor_found}))?;
    } else if report.ok {
        println!(
            "audit chain OK: {} entries, head {}",
            report.entries, report.head_hash
        );
    } else if let Some(p) = &report.first_problem {
        println!(
            "audit chain BROKEN at entry {}: {} ({} entries)",
            p.seq, p.reason, report.entries
        );
    }
    if anchor_found == Some(false) {
        eprintln!("the anchor hash is not in the chain: entries were removed or rewritten");
        return Ok(1);
    }
    Ok(if report.ok { 0 } else { 1 })
}
