//! A member's watchlist and the move radar's alerts: list and stop watches, read the inbox,
//! count and mark alerts read. Starting a watch needs the corpus (`corpus_api::watches`).

use axum::extract::State;
use schemars::JsonSchema;
use scout_pipeline::store::{AlertFilter, AlertKind, AlertPage, Watch};
use serde::{Deserialize, Serialize};

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::route::Reply;
use crate::state::AppState;

#[derive(Serialize, JsonSchema)]
pub(crate) struct Watches {
    watches: Vec<Watch>,
}

/// `GET /api/watches`: the researchers the signed-in member watches.
pub(crate) async fn list(State(state): State<AppState>, auth: Auth) -> ApiResult<Reply<Watches>> {
    Ok(Reply::ok(Watches {
        watches: state.store.watches_of(auth.actor.user_id).await?,
    }))
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct Removed {
    removed: bool,
}

/// `DELETE /api/watches/{key}`: the member stops watching.
pub(crate) async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(key): ApiPath<String>,
) -> ApiResult<Reply<Removed>> {
    Ok(Reply::ok(Removed {
        removed: state.store.remove_watch(&auth.actor, &key).await?,
    }))
}

/// Which alerts to list.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AlertQuery {
    /// Only unread alerts.
    #[serde(default)]
    unread: Option<bool>,
    /// Only alerts recorded since this day (`YYYY-MM-DD`) or instant (RFC 3339).
    #[serde(default)]
    since: Option<String>,
    /// Only alerts older than this id (the next page).
    #[serde(default)]
    before: Option<i64>,
    /// Only this researcher's alerts (their key).
    #[serde(default)]
    researcher: Option<String>,
    /// Only alerts of this kind (`paper`, `move`, `affiliation`, `rival_coauthor`).
    #[serde(default)]
    kind: Option<String>,
    /// At most this many (default 50, at most 500).
    #[serde(default)]
    limit: Option<i64>,
}

/// `GET /api/alerts`: the member's alerts, newest first.
pub(crate) async fn alerts(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<AlertQuery>,
) -> ApiResult<Reply<AlertPage>> {
    let kind = match q.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        None => None,
        Some(k) => Some(AlertKind::parse(k).ok_or_else(|| {
            ApiError::bad_request(format!(
                "kind must be paper, move, affiliation or rival_coauthor, not {k:?}"
            ))
        })?),
    };
    let filter = AlertFilter {
        kind,
        since_ms: q
            .since
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(scout_pipeline::time::parse_since)
            .transpose()
            .map_err(|e| ApiError::bad_request(e.to_string()))?,
        unread: q.unread.unwrap_or(false),
        before: q.before,
        researcher_key: q.researcher.filter(|r| !r.trim().is_empty()),
        limit: q.limit,
    };
    Ok(Reply::ok(
        state.store.alerts_for(auth.actor.user_id, &filter).await?,
    ))
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct Unread {
    unread: i64,
}

/// `GET /api/alerts/unread`: the top bar's count.
pub(crate) async fn unread(State(state): State<AppState>, auth: Auth) -> ApiResult<Reply<Unread>> {
    Ok(Reply::ok(Unread {
        unread: state.store.unread_alerts(auth.actor.user_id).await?,
    }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReadReq {
    /// The alerts to mark read.
    #[serde(default)]
    ids: Vec<i64>,
    /// Mark every alert read instead.
    #[serde(default)]
    all: bool,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct Marked {
    marked: u64,
}

/// `POST /api/alerts/read`.
pub(crate) async fn mark_read(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<ReadReq>,
) -> ApiResult<Reply<Marked>> {
    if !req.all && req.ids.is_empty() {
        return Err(ApiError::bad_request("give alert ids, or all: true"));
    }
    let ids = (!req.all).then_some(req.ids.as_slice());
    Ok(Reply::ok(Marked {
        marked: state
            .store
            .mark_alerts_read(auth.actor.user_id, ids)
            .await?,
    }))
}
