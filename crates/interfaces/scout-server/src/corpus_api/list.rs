//! The List over HTTP: for a topic (query string) or a long text (JSON body).

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use schemars::JsonSchema;
use scout_corpus::orgs::OrgType;
use scout_corpus::researchers::CareerStage;
use scout_rank::{ListQuery, ListResult, RankError, rank_with};
use serde::Deserialize;

use super::loaded::{Api, CorpusApi, clamp_limit, empty_topic, nonempty, rank_err};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::route::Encoded;
use crate::state::AppState;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListParams {
    topic: String,
    limit: Option<usize>,
    org: Option<String>,
    org_type: Option<String>,
    country: Option<String>,
    stage: Option<String>,
    /// ORG[,ORG…]: inferred training organisation.
    trained_at: Option<String>,
    /// ORG[,ORG…]: any organisation in the timeline.
    worked_at: Option<String>,
    since: Option<i32>,
    explain_papers: Option<usize>,
    /// Count rejected and withdrawn submissions too (left out by default).
    include_rejected: Option<bool>,
}

fn list_query(p: ListParams) -> ApiResult<ListQuery> {
    let topic = p.topic.trim();
    if topic.is_empty() {
        return Err(empty_topic(
            RankError::EmptyTopic(String::new()).to_string(),
        ));
    }
    let mut q = ListQuery::new(topic);
    q.limit = clamp_limit(p.limit, 50);
    q.org = nonempty(p.org);
    q.org_type = match nonempty(p.org_type) {
        Some(t) => Some(OrgType::parse(&t).ok_or_else(|| {
            ApiError::bad_request(format!(
                "unknown org_type {t:?}; use company, education, facility, government, nonprofit, healthcare or other"
            ))
        })?),
        None => None,
    };
    q.country = match nonempty(p.country) {
        Some(c) => Some(scout_corpus::country_code(&c).ok_or_else(|| {
            ApiError::bad_request(format!("unknown country {c:?}; use an ISO code such as US"))
        })?),
        None => None,
    };
    q.stage = match nonempty(p.stage) {
        Some(s) => Some(CareerStage::parse(&s).ok_or_else(|| {
            ApiError::bad_request(format!("unknown stage {s:?}; use early, mid or senior"))
        })?),
        None => None,
    };
    q.trained_at = scout_rank::org_filter::OrgMatcher::new(&[p.trained_at.unwrap_or_default()]);
    q.worked_at = scout_rank::org_filter::OrgMatcher::new(&[p.worked_at.unwrap_or_default()]);
    q.since = p.since;
    q.explain_papers = p.explain_papers.unwrap_or(3).clamp(1, 20);
    q.include_rejected = p.include_rejected.unwrap_or(false);
    Ok(q)
}

/// The committee's career-stage overrides of candidates, by researcher key (an audited read).
pub(crate) async fn stage_overrides(
    state: &AppState,
    actor: &scout_pipeline::Actor,
) -> ApiResult<rustc_hash::FxHashMap<String, CareerStage>> {
    let overrides = state.store.career_stage_overrides(actor).await?;
    Ok(overrides
        .into_iter()
        .filter_map(|(key, stage)| CareerStage::parse(&stage).map(|s| (key, s)))
        .collect())
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Extension(api): Api,
    auth: Auth,
    ApiQuery(p): ApiQuery<ListParams>,
) -> ApiResult<axum::response::Response> {
    answer_list(state, api, auth, p).await
}

/// The longest text `POST /api/list` ranks for (a page of a role description; the query
/// grows with its distinct words).
pub const MAX_LIST_TEXT_CHARS: usize = 20_000;

/// `POST /api/list`: the List for a long text in the body (a role description does not fit
/// in a URL, and should not sit in proxy logs).
pub(crate) async fn list_for_text(
    State(state): State<AppState>,
    Extension(api): Api,
    auth: Auth,
    ApiJson(p): ApiJson<ListParams>,
) -> ApiResult<axum::response::Response> {
    let chars = p.topic.chars().count();
    if chars > MAX_LIST_TEXT_CHARS {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "text_too_long",
            format!(
                "the text has {chars} characters; the List ranks for at most {MAX_LIST_TEXT_CHARS}"
            ),
        ));
    }
    answer_list(state, api, auth, p).await
}

/// The List for either form of the request.
pub(crate) async fn answer_list(
    state: AppState,
    api: Arc<CorpusApi>,
    auth: Auth,
    p: ListParams,
) -> ApiResult<axum::response::Response> {
    use axum::http::HeaderValue;
    use axum::response::IntoResponse;
    let mut q = list_query(p)?;
    if q.stage.is_some() {
        q.stage_overrides = stage_overrides(&state, &auth.actor).await?;
    }
    q.set_employers = super::employers::set_employers(&state).await?;
    let started = std::time::Instant::now();
    // Ranked and encoded on the blocking thread; the times go out as Server-Timing (the
    // browser's Performance API shows them beside the request's own timing).
    let (body, queued, ranked, encoded) = api
        .with(move |c| {
            let queued = started.elapsed();
            let t = std::time::Instant::now();
            let result = rank_with(c.corpus.conn(), &c.index, &mut c.model.facts(), c.as_of, &q)
                .map_err(rank_err)?;
            let ranked = t.elapsed();
            let t = std::time::Instant::now();
            let body = Encoded::<ListResult>::new(&result)?;
            Ok((body, queued, ranked, t.elapsed()))
        })
        .await?;
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    let timing = format!(
        "queue;dur={:.1}, rank;dur={:.1}, json;dur={:.1}, total;dur={:.1}",
        ms(queued),
        ms(ranked),
        ms(encoded),
        ms(started.elapsed())
    );
    let mut resp = body.into_response();
    if let Ok(v) = HeaderValue::from_str(&timing) {
        resp.headers_mut().insert("server-timing", v);
    }
    Ok(resp)
}
