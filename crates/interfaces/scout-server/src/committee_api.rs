//! Committee arena endpoints: sessions over finalists, blind ballots chosen by active sampling,
//! one vote per member per pair, recorded and reproducible fits (`scout_pipeline::committee`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use scout_pipeline::Role;
use scout_pipeline::committee::{CiMethod, NewArenaSession, VoteOutcome};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::routes::Route;

const V: Option<Role> = Some(Role::Viewer);
const R: Option<Role> = Some(Role::Recruiter);
const O: Option<Role> = Some(Role::Owner);

/// The committee routes (merged into the router and the OpenAPI document with `routes::ROUTES`).
pub const COMMITTEE_ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path: "/api/arena/sessions",
        role: V,
        summary: "Committee sessions (names hidden while a session is blind, except for owners)",
        body: None,
        handler: || get(list_sessions),
    },
    Route {
        method: "POST",
        path: "/api/arena/sessions",
        role: O,
        summary: "Create a committee session over finalists (blind by default)",
        body: Some(&["title", "candidate_ids", "blind", "member_cap", "min_votes"]),
        handler: || post(create_session),
    },
    Route {
        method: "GET",
        path: "/api/arena/sessions/{id}",
        role: V,
        summary: "One session: finalists (aliases), vote counts, your votes",
        body: None,
        handler: || get(get_session),
    },
    Route {
        method: "PATCH",
        path: "/api/arena/sessions/{id}",
        role: O,
        summary: "Turn blinding on or off, or close the session",
        body: Some(&["blind", "close"]),
        handler: || axum::routing::patch(update_session),
    },
    Route {
        method: "POST",
        path: "/api/arena/sessions/{id}/withdraw",
        role: O,
        summary: "Withdraw a finalist: no new ballots; their votes stay in the record and in fits",
        body: Some(&["alias"]),
        handler: || post(withdraw),
    },
    Route {
        method: "POST",
        path: "/api/arena/sessions/{id}/ballot",
        role: R,
        summary: "Your next pair to judge (the most informative one you have not judged; sides randomised)",
        body: None,
        handler: || post(next_ballot),
    },
    Route {
        method: "POST",
        path: "/api/arena/ballots/{id}/vote",
        role: R,
        summary: "Vote on your ballot: left, right, tie or both_bad (one vote per pair per member)",
        body: Some(&["outcome"]),
        handler: || post(vote),
    },
    Route {
        method: "POST",
        path: "/api/arena/sessions/{id}/fit",
        role: R,
        summary: "Fit Bradley–Terry ratings with 95% intervals; recorded with its input snapshot",
        body: Some(&["ci", "rounds"]),
        handler: || post(fit),
    },
    Route {
        method: "GET",
        path: "/api/arena/sessions/{id}/fits",
        role: V,
        summary: "The session's recorded fits, newest first (id, who, when, votes; read one with /api/arena/fits/{id})",
        body: None,
        handler: || get(list_fits),
    },
    Route {
        method: "GET",
        path: "/api/arena/fits/{id}",
        role: V,
        summary: "A recorded fit (query verify=true recomputes it from its snapshot)",
        body: None,
        handler: || get(get_fit),
    },
];

async fn list_sessions(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require(Role::Viewer)?;
    let sessions = state.store.arena_sessions(&auth.actor).await?;
    Ok(Json(json!({ "sessions": sessions })))
}

async fn create_session(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewArenaSession>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.require(Role::Owner)?;
    let session = state.store.arena_create(&auth.actor, &req).await?;
    Ok((StatusCode::CREATED, Json(json!({ "session": session }))))
}

async fn get_session(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Viewer)?;
    let session = state.store.arena_session(&auth.actor, id).await?;
    Ok(Json(json!({ "session": session })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateReq {
    #[serde(default)]
    blind: Option<bool>,
    #[serde(default)]
    close: bool,
}

async fn update_session(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UpdateReq>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Owner)?;
    let session = state
        .store
        .arena_update(&auth.actor, id, req.blind, req.close)
        .await?;
    Ok(Json(json!({ "session": session })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WithdrawReq {
    alias: String,
}

async fn withdraw(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<WithdrawReq>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Owner)?;
    let session = state
        .store
        .arena_withdraw(&auth.actor, id, &req.alias)
        .await?;
    Ok(Json(json!({ "session": session })))
}

async fn next_ballot(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Recruiter)?;
    let ballot = state.store.arena_next_ballot(&auth.actor, id).await?;
    Ok(Json(json!({ "ballot": ballot })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VoteReq {
    outcome: VoteOutcome,
}

async fn vote(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<VoteReq>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.require(Role::Recruiter)?;
    let vote = state.store.arena_vote(&auth.actor, id, req.outcome).await?;
    Ok((StatusCode::CREATED, Json(vote)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FitReq {
    #[serde(default)]
    ci: CiMethod,
    #[serde(default)]
    rounds: Option<usize>,
}

async fn fit(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<FitReq>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.require(Role::Recruiter)?;
    let record = state
        .store
        .arena_fit(&auth.actor, id, req.ci, req.rounds.unwrap_or(1000))
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "fit": record }))))
}

async fn list_fits(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Viewer)?;
    let fits = state.store.arena_fits(&auth.actor, id).await?;
    Ok(Json(json!({ "fits": fits })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FitQuery {
    #[serde(default)]
    verify: bool,
}

async fn get_fit(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<FitQuery>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Viewer)?;
    let record = state
        .store
        .arena_fit_record(&auth.actor, id, q.verify)
        .await?;
    Ok(Json(json!({ "fit": record })))
}
