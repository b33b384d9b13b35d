//! What the committee's workspace says about researchers, for the corpus commands: the
//! per-candidate career-stage overrides and the current employers owners have set. Read only
//! when the workspace database sits beside the corpus (`<db>.pipeline.sqlite`, where
//! `scout serve` keeps it) or `SCOUT_DATABASE_URL` names one; the stage read is audited like any
//! other.

use rustc_hash::FxHashMap as HashMap;
use scout_corpus::employer::SetEmployer;
use scout_corpus::researchers::{CareerStage, Researcher};
use scout_pipeline::{Store, StoreConfig};

use super::Context;
use super::pipeline;

/// Runs `read` on the workspace beside the corpus (or the one `SCOUT_DATABASE_URL` names);
/// `None` without one.
pub(super) fn with_workspace<T>(
    ctx: &Context,
    read: impl AsyncFnOnce(&Store) -> anyhow::Result<T>,
) -> anyhow::Result<Option<T>> {
    let url = match std::env::var("SCOUT_DATABASE_URL") {
        Ok(u) if !u.trim().is_empty() => u,
        _ => {
            let path = pipeline::default_path(&ctx.db);
            if !path.exists() {
                return Ok(None);
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
        read(&store).await.map(Some)
    })
}

/// The committee's career-stage overrides by researcher key (empty without a workspace).
pub fn stage_overrides(ctx: &Context) -> anyhow::Result<HashMap<String, CareerStage>> {
    let overrides = with_workspace(ctx, async |store| {
        Ok(store.career_stage_overrides(&pipeline::cli_actor()).await?)
    })?
    .unwrap_or_default();
    Ok(overrides
        .into_iter()
        .filter_map(|(key, stage)| CareerStage::parse(&stage).map(|s| (key, s)))
        .collect())
}

/// The current employers owners have set, by researcher key (empty without a workspace).
pub fn set_employers(ctx: &Context) -> anyhow::Result<HashMap<String, SetEmployer>> {
    let sets =
        with_workspace(ctx, async |store| Ok(store.set_employers().await?))?.unwrap_or_default();
    Ok(sets
        .into_iter()
        .map(|s| {
            let set = SetEmployer {
                organisation: s.organisation,
                set_by: s.set_by,
                set_at: scout_pipeline::time::rfc3339(s.set_at),
            };
            (s.researcher_key, set)
        })
        .collect())
}

/// Applies the employers set to researchers read from the corpus.
pub fn apply_set_employers<'a>(
    conn: &scout_corpus::rusqlite::Connection,
    sets: &HashMap<String, SetEmployer>,
    people: impl IntoIterator<Item = &'a mut Researcher>,
) -> anyhow::Result<()> {
    if sets.is_empty() {
        return Ok(());
    }
    let registry = scout_corpus::organisations::OrgRegistry::builtin();
    for r in people {
        if let Some(set) = sets.get(&r.key) {
            scout_corpus::employer::apply(conn, &registry, r, set)?;
        }
    }
    Ok(())
}
