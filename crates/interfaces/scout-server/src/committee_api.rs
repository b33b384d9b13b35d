//! Committee arena endpoints: sessions over finalists, blind ballots chosen by active sampling,
//! one vote per member per pair, recorded and reproducible fits (`scout_pipeline::committee`).
//! A ballot carries a packet per side, from corpus facts gathered here (`corpus_api::packets`).

use axum::Extension;
use axum::extract::State;
use schemars::JsonSchema;
use scout_pipeline::committee::{
    ArenaSession, Ballot, CiMethod, FitRecord, FitSummary, NewArenaSession, VoteOutcome,
    VoteReceipt,
};
use serde::{Deserialize, Serialize};

use crate::auth::Auth;
use crate::corpus_api::{self, Api};
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::route::Reply;
use crate::state::AppState;

#[derive(Serialize, JsonSchema)]
pub(crate) struct Sessions {
    sessions: Vec<ArenaSession>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct OneSession {
    session: ArenaSession,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct NextBallot {
    ballot: Ballot,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct OneFit {
    fit: FitRecord,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct Fits {
    fits: Vec<FitSummary>,
}

pub(crate) async fn list_sessions(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Reply<Sessions>> {
    let sessions = state.store.arena_sessions(&auth.actor).await?;
    Ok(Reply::ok(Sessions { sessions }))
}

pub(crate) async fn create_session(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewArenaSession>,
) -> ApiResult<Reply<OneSession>> {
    let session = state.store.arena_create(&auth.actor, &req).await?;
    Ok(Reply::created(OneSession { session }))
}

pub(crate) async fn get_session(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Reply<OneSession>> {
    let session = state.store.arena_session(&auth.actor, id).await?;
    Ok(Reply::ok(OneSession { session }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateReq {
    #[serde(default)]
    blind: Option<bool>,
    #[serde(default)]
    close: bool,
}

pub(crate) async fn update_session(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UpdateReq>,
) -> ApiResult<Reply<OneSession>> {
    let session = state
        .store
        .arena_update(&auth.actor, id, req.blind, req.close)
        .await?;
    Ok(Reply::ok(OneSession { session }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WithdrawReq {
    alias: String,
}

pub(crate) async fn withdraw(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<WithdrawReq>,
) -> ApiResult<Reply<OneSession>> {
    let session = state
        .store
        .arena_withdraw(&auth.actor, id, &req.alias)
        .await?;
    Ok(Reply::ok(OneSession { session }))
}

/// Issues the ballot, gathers its finalists' corpus facts, and answers with the packets the
/// pipeline builds from them for this member (named, or blind).
pub(crate) async fn next_ballot(
    State(state): State<AppState>,
    Extension(api): Api,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Reply<NextBallot>> {
    let issued = state.store.arena_next_ballot(&auth.actor, id).await?;
    let facts = corpus_api::ballot_facts(&api, &issued).await;
    let ballot = state
        .store
        .arena_packets(&auth.actor, issued, facts)
        .await?;
    Ok(Reply::ok(NextBallot { ballot }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct VoteReq {
    outcome: VoteOutcome,
}

pub(crate) async fn vote(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<VoteReq>,
) -> ApiResult<Reply<VoteReceipt>> {
    let vote = state.store.arena_vote(&auth.actor, id, req.outcome).await?;
    Ok(Reply::created(vote))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FitReq {
    #[serde(default)]
    ci: CiMethod,
    #[serde(default)]
    rounds: Option<usize>,
}

pub(crate) async fn fit(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<FitReq>,
) -> ApiResult<Reply<OneFit>> {
    let record = state
        .store
        .arena_fit(&auth.actor, id, req.ci, req.rounds.unwrap_or(1000))
        .await?;
    Ok(Reply::created(OneFit { fit: record }))
}

pub(crate) async fn list_fits(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Reply<Fits>> {
    let fits = state.store.arena_fits(&auth.actor, id).await?;
    Ok(Reply::ok(Fits { fits }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FitQuery {
    #[serde(default)]
    verify: bool,
}

pub(crate) async fn get_fit(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<FitQuery>,
) -> ApiResult<Reply<OneFit>> {
    let record = state
        .store
        .arena_fit_record(&auth.actor, id, q.verify)
        .await?;
    Ok(Reply::ok(OneFit { fit: record }))
}
