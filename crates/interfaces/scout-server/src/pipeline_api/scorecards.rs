//! Structured interviews: the stages' scorecard templates (owners edit them) and the members'
//! scorecards of a candidate, each hidden from the others until they submit their own.

use axum::extract::State;
use schemars::JsonSchema;
use scout_pipeline::Stage;
use scout_pipeline::store::{NewScorecard, Scorecard, ScorecardTemplate, StageScorecards};
use serde::{Deserialize, Serialize};

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use crate::route::Reply;
use crate::state::AppState;

#[derive(Serialize, JsonSchema)]
pub(crate) struct Templates {
    templates: Vec<ScorecardTemplate>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct OneTemplate {
    template: ScorecardTemplate,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TemplateReq {
    /// The attributes rated 1–4 at this stage (at most 12); an empty list removes the template.
    attributes: Vec<String>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct Scorecards {
    scorecards: Vec<StageScorecards>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct OneScorecard {
    scorecard: Scorecard,
}

pub(crate) async fn templates(State(state): State<AppState>) -> ApiResult<Reply<Templates>> {
    Ok(Reply::ok(Templates {
        templates: state.store.scorecard_templates().await?,
    }))
}

pub(crate) async fn set_template(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(stage): ApiPath<Stage>,
    ApiJson(req): ApiJson<TemplateReq>,
) -> ApiResult<Reply<OneTemplate>> {
    let template = state
        .store
        .set_scorecard_template(&auth.actor, stage, &req.attributes)
        .await?;
    Ok(Reply::ok(OneTemplate { template }))
}

pub(crate) async fn scorecards(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Reply<Scorecards>> {
    Ok(Reply::ok(Scorecards {
        scorecards: state.store.scorecards(&auth.actor, id).await?,
    }))
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<NewScorecard>,
) -> ApiResult<Reply<OneScorecard>> {
    let scorecard = state.store.submit_scorecard(&auth.actor, id, &req).await?;
    Ok(Reply::created(OneScorecard { scorecard }))
}
