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
        /// The workspace is new: a missing database or an empty log passes (without it, both
        /// fail — an empty log is what a truncated or replaced file looks like)
        #[arg(long)]
        new: bool,
    },
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<u8> {
    let url = pipeline::url(ctx, &args.db)?;
    let rt = pipeline::runtime()?;
    let AuditCommand::Verify { anchor, new } = args.command;
    let opened = rt.block_on(pipeline::open(
        &url,
        false,
        pipeline::ledger(ctx, &args.db, &url),
    ));
    let store = match opened {
        Ok(store) => store,
        Err(e)
            if new
                && matches!(
                    e.downcast_ref::<scout_pipeline::Error>(),
                    Some(scout_pipeline::Error::NoDatabase { .. })
                ) =>
        {
            if ctx.format == Format::Json {
                output::json(&serde_json::json!({"verify": null, "new_workspace": true}))?;
            } else {
                println!("no pipeline database yet (a new workspace): nothing to verify");
            }
            return Ok(0);
        }
        Err(e) => return Err(e),
    };
    let (report, anchor_found) = rt.block_on(async {
        let report = store.verify_audit().await?;
        anyhow::ensure!(
            report.entries > 0 || new,
            "the audit log of {} is empty: a workspace that was used has entries, so this is \
             a new, truncated or replaced database; pass --new if it is new",
            pipeline::redact(&url)
        );
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
