//! Bulk work and saved views: one action on many candidates, adding many researchers from the
//! List (both with an outcome per candidate), and members' saved List searches and board views.

use axum::extract::State;
use schemars::JsonSchema;
use scout_pipeline::store::{
    AddOutcome, BulkAction, BulkReport, NewView, ResearcherToAdd, SavedView,
};
use serde::{Deserialize, Serialize};

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::route::Reply;
use crate::state::AppState;

/// One action on a selection of candidates.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BulkReq {
    /// The candidates (repeats count once; at most 1000).
    ids: Vec<i64>,
    action: BulkAction,
}

pub(crate) async fn bulk_apply(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<BulkReq>,
) -> ApiResult<Reply<BulkReport>> {
    Ok(Reply::ok(
        state
            .store
            .bulk_apply(&auth.actor, &req.ids, &req.action)
            .await?,
    ))
}

/// Researchers to add as candidates, with the tags every new candidate gets.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BulkAddReq {
    researchers: Vec<ResearcherToAdd>,
    #[serde(default)]
    tags: Vec<String>,
}

/// Each researcher's outcome, in the order asked.
#[derive(Serialize, JsonSchema)]
pub(crate) struct BulkAdded {
    results: Vec<AddOutcome>,
    added: usize,
    held: usize,
    refused: usize,
}

pub(crate) async fn bulk_add(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<BulkAddReq>,
) -> ApiResult<Reply<BulkAdded>> {
    use scout_pipeline::store::AddStatus;
    let results = state
        .store
        .bulk_add(&auth.actor, &req.researchers, &req.tags)
        .await?;
    let count = |s| results.iter().filter(|r| r.status == s).count();
    Ok(Reply::ok(BulkAdded {
        added: count(AddStatus::Added),
        held: count(AddStatus::Held),
        refused: count(AddStatus::Refused),
        results,
    }))
}

/// Which saved views to list.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ViewsQuery {
    /// `list` or `board`; all when absent.
    #[serde(default)]
    kind: Option<ViewKind>,
}

#[derive(Deserialize, JsonSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ViewKind {
    List,
    Board,
}

/// The views the member sees: their own and the shared ones.
#[derive(Serialize, JsonSchema)]
pub(crate) struct Views {
    views: Vec<SavedView>,
}

pub(crate) async fn views(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ViewsQuery>,
) -> ApiResult<Reply<Views>> {
    let kind = q.kind.map(|k| match k {
        ViewKind::List => "list",
        ViewKind::Board => "board",
    });
    Ok(Reply::ok(Views {
        views: state.store.views(&auth.actor, kind).await?,
    }))
}

/// A saved view, and whether it replaced the member's view of that name.
#[derive(Serialize, JsonSchema)]
pub(crate) struct ViewSaved {
    view: SavedView,
    replaced: bool,
}

pub(crate) async fn save_view(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewView>,
) -> ApiResult<Reply<ViewSaved>> {
    let (view, replaced) = state.store.save_view(&auth.actor, &req).await?;
    Ok(Reply::created(ViewSaved { view, replaced }))
}

/// The id of the view deleted.
#[derive(Serialize, JsonSchema)]
pub(crate) struct ViewDeleted {
    deleted: i64,
}

pub(crate) async fn delete_view(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Reply<ViewDeleted>> {
    state.store.delete_view(&auth.actor, id).await?;
    Ok(Reply::ok(ViewDeleted { deleted: id }))
}
