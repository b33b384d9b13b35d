//! One person, one candidate: the duplicate records a workspace already holds, an owner's merge
//! of one into another, and the pipeline's researcher index (which researchers are candidates,
//! at what stage, owned by whom) that every page showing researchers marks them with.

use axum::extract::State;
use schemars::JsonSchema;
use scout_pipeline::store::{DuplicateGroup, MergeReport, PipelineMark};
use serde::{Deserialize, Serialize};

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use crate::route::Reply;
use crate::state::AppState;

/// Groups of records that are one person (same researcher) or likely so.
#[derive(Serialize, JsonSchema)]
pub(crate) struct Duplicates {
    groups: Vec<DuplicateGroup>,
}

pub(crate) async fn duplicates(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Reply<Duplicates>> {
    Ok(Reply::ok(Duplicates {
        groups: state.store.duplicate_candidates(&auth.actor).await?,
    }))
}

/// The record to merge into the one named in the path.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MergeReq {
    /// The candidate record that goes into this one and becomes a tombstone.
    from: i64,
}

pub(crate) async fn merge(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<MergeReq>,
) -> ApiResult<Reply<MergeReport>> {
    Ok(Reply::ok(
        state
            .store
            .merge_candidates(&auth.actor, id, req.from)
            .await?,
    ))
}

/// Every active candidate linked to a researcher.
#[derive(Serialize, JsonSchema)]
pub(crate) struct Marks {
    marks: Vec<PipelineMark>,
}

pub(crate) async fn marks(State(state): State<AppState>, auth: Auth) -> ApiResult<Reply<Marks>> {
    Ok(Reply::ok(Marks {
        marks: state.store.pipeline_marks(&auth.actor).await?,
    }))
}
