//! Offers, counteroffers and the final decision (compensation is for owners).

use axum::extract::State;
use schemars::JsonSchema;
use scout_pipeline::{OfferTerms, Stage};
use serde::Deserialize;

use super::answers::{CandidateAnswer, CounterofferAnswer, Counteroffers, OfferAnswer, Offers};
use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use crate::route::Reply;
use crate::state::AppState;

pub(crate) async fn offers(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Reply<Offers>> {
    Ok(Reply::ok(Offers {
        offers: state.store.offers(&auth.actor, id).await?,
    }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OfferReq {
    currency: String,
    base: i64,
    #[serde(default)]
    bonus: i64,
    #[serde(default)]
    sign_on: i64,
    #[serde(default)]
    equity: i64,
    #[serde(default)]
    vesting_months: i64,
    #[serde(default)]
    cliff_months: i64,
    #[serde(default)]
    note: Option<String>,
}

pub(crate) async fn add_offer(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<OfferReq>,
) -> ApiResult<Reply<OfferAnswer>> {
    let terms = OfferTerms {
        currency: req.currency,
        base: req.base,
        bonus: req.bonus,
        sign_on: req.sign_on,
        equity: req.equity,
        vesting_months: req.vesting_months,
        cliff_months: req.cliff_months,
    };
    let o = state
        .store
        .add_offer(&auth.actor, id, &terms, req.note.as_deref())
        .await?;
    Ok(Reply::created(OfferAnswer { offer: o }))
}

pub(crate) async fn counteroffers(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Reply<Counteroffers>> {
    Ok(Reply::ok(Counteroffers {
        counteroffers: state.store.counteroffers(&auth.actor, id).await?,
    }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CounterReq {
    rival_org: String,
    currency: String,
    value: i64,
    #[serde(default)]
    note: Option<String>,
}

pub(crate) async fn add_counteroffer(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<CounterReq>,
) -> ApiResult<Reply<CounterofferAnswer>> {
    let c = state
        .store
        .add_counteroffer(
            &auth.actor,
            id,
            &req.rival_org,
            &req.currency,
            req.value,
            req.note.as_deref(),
        )
        .await?;
    Ok(Reply::created(CounterofferAnswer { counteroffer: c }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecisionReq {
    outcome: Stage,
    reason: String,
}

pub(crate) async fn decide(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<DecisionReq>,
) -> ApiResult<Reply<CandidateAnswer>> {
    Ok(Reply::ok(CandidateAnswer {
        candidate: state
            .store
            .decide(&auth.actor, id, req.outcome, &req.reason)
            .await?,
    }))
}
