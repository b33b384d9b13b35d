//! The corpus's side of watchlists and the move radar: starting a watch takes the baseline
//! from the loaded corpus (`scout_corpus::watch_facts`), and every corpus load observes the
//! watched researchers again and has the workspace record what is new
//! (`Store::record_observations`).

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use schemars::JsonSchema;
use scout_corpus::watch_facts;
use scout_pipeline::Store;
use scout_pipeline::store::{Observed, RadarReport, Watch};
use serde::{Deserialize, Serialize};

use super::loaded::{Api, Loaded, corpus_err};
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

/// After a corpus load: observes every watched researcher in `loaded` and records what is
/// new. Failures are logged (the load itself stands; the next load observes again).
pub(crate) async fn run_radar(store: &Store, loaded: &Arc<Loaded>) -> Option<RadarReport> {
    let ran = async {
        let keys = store.watched_keys().await.map_err(|e| e.to_string())?;
        if keys.is_empty() {
            return Ok::<_, String>(RadarReport::default());
        }
        let rivals = store
            .settings()
            .await
            .map_err(|e| e.to_string())?
            .settings
            .rival_list();
        let loaded = loaded.clone();
        let observed: Vec<Observed> = tokio::task::spawn_blocking(move || {
            let inner = loaded.lock();
            watch_facts::observe(inner.corpus.conn(), &keys, &rivals)
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
        store
            .record_observations(&observed)
            .await
            .map_err(|e| e.to_string())
    }
    .await;
    match ran {
        Ok(report) => {
            if !report.alerts.is_empty() {
                tracing::info!(
                    researchers = report.researchers,
                    alerts = report.alerts.len(),
                    "the move radar recorded alerts"
                );
            }
            Some(report)
        }
        Err(error) => {
            tracing::warn!(%error, "the move radar did not run");
            None
        }
    }
}
