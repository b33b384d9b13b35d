//! Owners' webhooks for alerts: list, register (the secret answered once), remove, the
//! delivery log, and a signed test ping. Delivery itself is the worker in `webhooks.rs`.

use axum::extract::State;
use schemars::JsonSchema;
use scout_pipeline::store::{Webhook, WebhookDelivery};
use serde::{Deserialize, Serialize};

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::route::Reply;
use crate::state::AppState;
use crate::webhooks::SendResult;

/// The webhooks in use (never their secrets).
#[derive(Serialize, JsonSchema)]
pub(crate) struct Webhooks {
    webhooks: Vec<Webhook>,
}

pub(crate) async fn list(State(state): State<AppState>) -> ApiResult<Reply<Webhooks>> {
    Ok(Reply::ok(Webhooks {
        webhooks: state.store.webhooks().await?,
    }))
}

/// A webhook to register.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewWebhookReq {
    /// `http` or `https`, with a host and without a user name, password or fragment; internal
    /// addresses are refused.
    url: String,
}

/// The webhook registered, and its signing secret: answered this once, never again.
#[derive(Serialize, JsonSchema)]
pub(crate) struct WebhookCreated {
    webhook: Webhook,
    /// Verifies `X-Scout-Signature` (HMAC-SHA256); keep it with the receiver.
    secret: String,
}

pub(crate) async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewWebhookReq>,
) -> ApiResult<Reply<WebhookCreated>> {
    let (webhook, secret) = state
        .store
        .create_webhook(&auth.actor, &req.url, state.webhooks.rule())
        .await?;
    Ok(Reply::created(WebhookCreated { webhook, secret }))
}

/// The id of the webhook removed.
#[derive(Serialize, JsonSchema)]
pub(crate) struct WebhookRemoved {
    removed: i64,
}

pub(crate) async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Reply<WebhookRemoved>> {
    state.store.remove_webhook(&auth.actor, id).await?;
    Ok(Reply::ok(WebhookRemoved { removed: id }))
}

/// How much of the delivery log to read.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeliveriesQuery {
    /// At most this many attempts, newest first (default 100, at most 1000).
    #[serde(default)]
    limit: Option<i64>,
}

/// A webhook's delivery log, newest attempt first.
#[derive(Serialize, JsonSchema)]
pub(crate) struct Deliveries {
    deliveries: Vec<WebhookDelivery>,
}

pub(crate) async fn deliveries(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<DeliveriesQuery>,
) -> ApiResult<Reply<Deliveries>> {
    Ok(Reply::ok(Deliveries {
        deliveries: state
            .store
            .webhook_deliveries(id, q.limit.unwrap_or(100))
            .await?,
    }))
}

/// The answer to a test ping.
#[derive(Serialize, JsonSchema)]
pub(crate) struct Pinged {
    ping: SendResult,
}

pub(crate) async fn ping(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Reply<Pinged>> {
    Ok(Reply::ok(Pinged {
        ping: state.webhooks.ping(&state.store, id).await?,
    }))
}
