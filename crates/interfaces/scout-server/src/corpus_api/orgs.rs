//! Organisations ranked by talent on a topic, and the moves between organisations.

use axum::Extension;
use schemars::JsonSchema;
use scout_corpus::orgs::OrgType;
use scout_network::flows::{FlowQuery, FlowRow, Matrix, flows, matrix};
use scout_network::orgs::{OrgQuery, OrgRow, rank_orgs};
use serde::{Deserialize, Serialize};

use super::loaded::{Api, clamp_limit, network_err, nonempty};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::route::Reply;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OrgParams {
    topic: String,
    org_type: Option<String>,
    max_size: Option<i64>,
    min_people: Option<usize>,
    since: Option<i32>,
    limit: Option<usize>,
}

pub(crate) async fn orgs(
    Extension(api): Api,
    ApiQuery(p): ApiQuery<OrgParams>,
) -> ApiResult<Reply<OrgsAnswer>> {
    let topic = p.topic.trim().to_string();
    if topic.is_empty() {
        return Err(ApiError::bad_request("topic must not be empty"));
    }
    let mut q = OrgQuery::new(topic.clone());
    q.org_type = match nonempty(p.org_type) {
        Some(t) => Some(
            OrgType::parse(&t)
                .ok_or_else(|| ApiError::bad_request(format!("unknown org_type {t:?}")))?,
        ),
        None => None,
    };
    q.max_size = p.max_size;
    q.min_people = p.min_people.unwrap_or(1);
    q.since = p.since;
    q.limit = clamp_limit(p.limit, 25);
    api.with(move |c| {
        let rows = rank_orgs(c.corpus.conn(), &c.index, &mut c.model.facts(), c.as_of, &q)
            .map_err(network_err)?;
        Ok(Reply::ok(OrgsAnswer { topic, orgs: rows }))
    })
    .await
}

/// Organisations ranked by talent on a topic.
#[derive(Serialize, JsonSchema)]
pub(crate) struct OrgsAnswer {
    topic: String,
    orgs: Vec<OrgRow>,
}

/// Moves between organisations, with evidence, and the flow matrix of the largest ones.
#[derive(Serialize, JsonSchema)]
pub(crate) struct FlowsAnswer {
    moves: Vec<FlowRow>,
    matrix: Option<Matrix>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FlowParams {
    from: Option<String>,
    to: Option<String>,
    since: Option<i32>,
    limit: Option<usize>,
    matrix: Option<usize>,
}

pub(crate) async fn flow_list(
    Extension(api): Api,
    ApiQuery(p): ApiQuery<FlowParams>,
) -> ApiResult<Reply<FlowsAnswer>> {
    let q = FlowQuery {
        from: nonempty(p.from),
        to: nonempty(p.to),
        since: p.since,
        limit: clamp_limit(p.limit, 50),
    };
    let top = p.matrix.unwrap_or(10).min(30);
    api.with(move |c| {
        let conn = c.corpus.conn();
        let rows = flows(conn, &q).map_err(network_err)?;
        let m = (top > 0)
            .then(|| matrix(conn, q.since, top))
            .transpose()
            .map_err(network_err)?;
        Ok(Reply::ok(FlowsAnswer {
            moves: rows,
            matrix: m,
        }))
    })
    .await
}
