//! The workspace settings for outreach (our lab's name and pitch, our organisation in the
//! corpus, our topics): every member reads them, owners change them.

use axum::extract::State;
use schemars::JsonSchema;
use scout_pipeline::store::{StoredSettings, WorkspaceSettings};
use serde::Serialize;

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::route::Reply;
use crate::state::AppState;

#[derive(Serialize, JsonSchema)]
pub(crate) struct Settings {
    settings: StoredSettings,
}

pub(crate) async fn read(State(state): State<AppState>) -> ApiResult<Reply<Settings>> {
    Ok(Reply::ok(Settings {
        settings: state.store.settings().await?,
    }))
}

pub(crate) async fn update(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<WorkspaceSettings>,
) -> ApiResult<Reply<Settings>> {
    Ok(Reply::ok(Settings {
        settings: state.store.set_settings(&auth.actor, &req).await?,
    }))
}
