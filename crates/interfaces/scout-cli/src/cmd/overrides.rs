//! What the committee's workspace says about researchers, for the corpus commands: the
//! per-candidate career-stage overrides. Read only when the workspace database sits beside the
//! corpus (`<db>.pipeline.sqlite`, where `scout serve` keeps it) or `SCOUT_DATABASE_URL` names
//! one; the read is audited like any other.

use rustc_hash::FxHashMap as HashMap;
use scout_corpus::researchers::Stage;
use scout_pipeline::StoreConfig;
use scout_pipeline::model::CandidateFilter;

use super::Context;
use super::pipeline;

/// The committee's career-stage overrides by researcher key (empty without a workspace).
pub fn stage_overrides(ctx: &Context) -> anyhow::Result<HashMap<String, Stage>> {
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
        let actor = pipeline::cli_actor();
        let mut out = HashMap::default();
        let mut offset = 0;
        loop {
            let page = store
                .list_candidates(
                    &actor,
                    &CandidateFilter {
                        limit: Some(1000),
                        offset: Some(offset),
                        ..CandidateFilter::default()
                    },
                )
                .await?;
            let n = page.len() as i64;
            for c in page {
                if let (Some(key), Some(stage)) = (
                    c.researcher_key,
                    c.career_stage.as_deref().and_then(Stage::parse),
                ) {
                    out.insert(key, stage);
                }
            }
            offset += n;
            if n < 1000 {
                break;
            }
        }
        Ok(out)
    })
}
