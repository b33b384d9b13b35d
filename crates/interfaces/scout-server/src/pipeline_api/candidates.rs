//! Candidates: create (one candidate per researcher), read, change, move between stages, history, tags and notes.

use axum::extract::State;
use schemars::JsonSchema;
use scout_pipeline::Stage;
use scout_pipeline::model::{
    Candidate, CandidateFilter, CandidatePatch, Counteroffer, NewCandidate, Offer,
};
use scout_pipeline::store::LikelyDuplicate;
use serde::{Deserialize, Serialize};

use super::answers::{CandidateAnswer, Candidates, History, NoteAnswer, Notes};
use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::route::Reply;
use crate::state::AppState;

pub(crate) async fn list_candidates(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(filter): ApiQuery<CandidateFilter>,
) -> ApiResult<Reply<Candidates>> {
    Ok(Reply::ok(Candidates {
        candidates: state.store.list_candidates(&auth.actor, &filter).await?,
    }))
}

pub(crate) async fn create_candidate(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewCandidate>,
) -> ApiResult<Reply<CandidateCreated>> {
    let c = state.store.create_candidate(&auth.actor, &req).await?;
    // A warning, not a refusal (namesakes exist): the same e-mail or a compatible name.
    let possible_duplicates = state.store.likely_duplicates(&c).await?;
    Ok(Reply::created(CandidateCreated {
        candidate: c,
        possible_duplicates,
    }))
}

/// A new candidate, with the candidates it may duplicate (a warning, not a refusal).
#[derive(Serialize, JsonSchema)]
pub(crate) struct CandidateCreated {
    candidate: Candidate,
    possible_duplicates: Vec<LikelyDuplicate>,
}

/// A candidate; owners also get `compensation` (absent for other roles).
#[derive(Serialize, JsonSchema)]
pub(crate) struct CandidateRead {
    candidate: Candidate,
    #[serde(skip_serializing_if = "Option::is_none")]
    compensation: Option<Compensation>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct Compensation {
    latest_offer: Option<Offer>,
    counteroffers: Vec<Counteroffer>,
}

pub(crate) async fn get_candidate(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Reply<CandidateRead>> {
    let candidate = state.store.get_candidate(&auth.actor, id).await?;
    let compensation = if auth.is_owner() {
        let mut offers = state.store.offers(&auth.actor, id).await?;
        let counteroffers = state.store.counteroffers(&auth.actor, id).await?;
        Some(Compensation {
            latest_offer: offers.pop(),
            counteroffers,
        })
    } else {
        None
    };
    Ok(Reply::ok(CandidateRead {
        candidate,
        compensation,
    }))
}

pub(crate) async fn update_candidate(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<CandidatePatch>,
) -> ApiResult<Reply<CandidateAnswer>> {
    Ok(Reply::ok(CandidateAnswer {
        candidate: state.store.update_candidate(&auth.actor, id, &req).await?,
    }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MoveReq {
    to: Stage,
    #[serde(default)]
    reason: Option<String>,
}

pub(crate) async fn move_stage(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<MoveReq>,
) -> ApiResult<Reply<CandidateAnswer>> {
    let c = state
        .store
        .move_stage(&auth.actor, id, req.to, req.reason.as_deref())
        .await?;
    Ok(Reply::ok(CandidateAnswer { candidate: c }))
}

pub(crate) async fn history(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Reply<History>> {
    Ok(Reply::ok(History {
        history: state.store.history(&auth.actor, id).await?,
    }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TagReq {
    tag: String,
}

pub(crate) async fn add_tag(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<TagReq>,
) -> ApiResult<Reply<CandidateAnswer>> {
    Ok(Reply::ok(CandidateAnswer {
        candidate: state.store.add_tag(&auth.actor, id, &req.tag).await?,
    }))
}

pub(crate) async fn remove_tag(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((id, tag)): ApiPath<(i64, String)>,
) -> ApiResult<Reply<CandidateAnswer>> {
    Ok(Reply::ok(CandidateAnswer {
        candidate: state.store.remove_tag(&auth.actor, id, &tag).await?,
    }))
}

pub(crate) async fn notes(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Reply<Notes>> {
    Ok(Reply::ok(Notes {
        notes: state.store.notes(&auth.actor, id).await?,
    }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoteReq {
    body: String,
}

pub(crate) async fn add_note(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<NoteReq>,
) -> ApiResult<Reply<NoteAnswer>> {
    Ok(Reply::created(NoteAnswer {
        note: state.store.add_note(&auth.actor, id, &req.body).await?,
    }))
}
