//! Offers, counteroffers and the final decision (compensation is for owners).

use axum::extract::State;
use schemars::JsonSchema;
use scout_pipeline::model::CounterBasis;
use scout_pipeline::{OfferTerms, Stage};
use serde::Deserialize;

use super::answers::{CandidateAnswer, CounterofferAnswer, Counteroffers, OfferAnswer, Offers};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
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

/// A rival's counteroffer: its components, as for our offers (`base` and the rest), or only
/// one yearly figure (`value`, stored as the base with basis `annual`) — one of the two.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CounterReq {
    rival_org: String,
    /// ISO 4217 code, e.g. `USD`.
    currency: String,
    /// Annual base salary.
    base: Option<i64>,
    /// Annual target bonus.
    #[serde(default)]
    bonus: i64,
    /// One-off sign-on payment.
    #[serde(default)]
    sign_on: i64,
    /// Equity grant value at grant, vesting over `vesting_months`.
    #[serde(default)]
    equity: i64,
    #[serde(default)]
    vesting_months: i64,
    #[serde(default)]
    cliff_months: i64,
    /// Only one yearly figure is known (instead of the components).
    value: Option<i64>,
    #[serde(default)]
    note: Option<String>,
}

impl CounterReq {
    fn terms(&self) -> ApiResult<(OfferTerms, CounterBasis)> {
        let components = self.bonus != 0
            || self.sign_on != 0
            || self.equity != 0
            || self.vesting_months != 0
            || self.cliff_months != 0;
        let (base, basis) = match (self.base, self.value) {
            (Some(base), None) => (base, CounterBasis::Components),
            (None, Some(value)) if !components => (value, CounterBasis::Annual),
            _ => {
                return Err(ApiError::new(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_input",
                    "give the counteroffer's components (base, bonus, sign_on, equity, vesting_months, cliff_months) or one yearly value, not both",
                ));
            }
        };
        Ok((
            OfferTerms {
                currency: self.currency.clone(),
                base,
                bonus: self.bonus,
                sign_on: self.sign_on,
                equity: self.equity,
                vesting_months: self.vesting_months,
                cliff_months: self.cliff_months,
            },
            basis,
        ))
    }
}

pub(crate) async fn add_counteroffer(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<CounterReq>,
) -> ApiResult<Reply<CounterofferAnswer>> {
    let (terms, basis) = req.terms()?;
    let c = state
        .store
        .add_counteroffer(
            &auth.actor,
            id,
            &req.rival_org,
            &terms,
            basis,
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
