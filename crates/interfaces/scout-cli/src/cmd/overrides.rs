//! What the committee's workspace says about researchers, for the corpus commands: the
//! per-candidate career-stage overrides. Read only when the workspace database sits beside the
//! corpus (`<db>.pipeline.sqlite`, where `scout serve` keeps it) or `SCOUT_DATABASE_URL` names
//! one; the read is audited like any other.

use rustc_hash::FxHashMap as HashMap;
use scout_corpus::researchers::CareerStage;
use scout_pipeline::StoreConfig;

use super::Context;
use super::pipeline;

/// The committee's career-stage overrides by researcher key (empty without a workspace).
pub fn stage_overrides(ctx: &Context) -> anyhow::Result<HashMap<String, CareerStage>> {
    let url = match std::env::var("SCOUT_DATABASE_URL") {
        Ok(u) if !u.trim().is_empty() => u,
        _ => {
            let path = pipeline::default_path(&ctx.db);
            if !path.exists() {
                return Ok(HashMap::default());
            }
            StoreConfig::sqlite_path(&path).url
        }
    };
    let rt = pipeline::runtime()?;
    rt.block_on(async {
        let args = pipeline::DbArgs {
            database_url: Some(url.clone()),
            erasure_ledger: std::env::var_os("SCOUT_ERASURE_LEDGER").map(Into::into),
        };
        let store = pipeline::open(&url, false, pipeline::ledger(ctx, &args, &url)).await?;
        let overrides = store.career_stage_overrides(&pipeline::cli_actor()).await?;
        Ok(overrides
            .into_iter()
            .filter_map(|(key, stage)| CareerStage::parse(&stage).map(|s| (key, s)))
            .collect())
    })
}
