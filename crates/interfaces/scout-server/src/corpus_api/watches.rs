//! The corpus's side of a watch: starting one takes the baseline from the loaded corpus
//! (`scout_corpus::watch_facts`). Every corpus load then observes the watched researchers
//! again and has the workspace record what is new (`loaded.rs`, `run_radar`).

use axum::Extension;
use axum::extract::State;
use schemars::JsonSchema;
use scout_corpus::watch_facts;
use scout_pipeline::store::Watch;
use serde::{Deserialize, Serialize};

use super::loaded::{Api, corpus_err};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::route::Reply;
use crate::state::AppState;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WatchReq {
    /// The researcher's key, exactly as the corpus shows it.
    researcher_key: String,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct WatchAnswer {
    watch: Watch,
}

/// `POST /api/watches`: the signed-in member starts watching a researcher.
pub(crate) async fn add(
    State(state): State<AppState>,
    Extension(api): Api,
    auth: Auth,
    ApiJson(req): ApiJson<WatchReq>,
) -> ApiResult<Reply<WatchAnswer>> {
    let rivals = state.store.settings().await?.settings.rival_list();
    let key = req.researcher_key.trim().to_string();
    let observed = api
        .with(move |c| {
            watch_facts::observe(c.corpus.conn(), std::slice::from_ref(&key), &rivals)
                .map_err(corpus_err)?
                .pop()
                .ok_or_else(|| ApiError::not_found(format!("no researcher has the key {key:?}")))
        })
        .await?;
    let watch = state.store.add_watch(&auth.actor, &observed).await?;
    Ok(Reply::ok(WatchAnswer { watch }))
}
