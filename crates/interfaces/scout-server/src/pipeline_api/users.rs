//! Users and API tokens (owners manage users; everyone their own tokens).

use axum::extract::State;
use schemars::JsonSchema;
use scout_pipeline::Role;
use scout_pipeline::model::{TokenInfo, User};
use serde::{Deserialize, Serialize};

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::route::Reply;
use crate::state::AppState;

#[derive(Serialize, JsonSchema)]
pub(crate) struct Users {
    users: Vec<User>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct OneUser {
    user: User,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct Tokens {
    tokens: Vec<TokenInfo>,
}

/// A new API token: the secret is shown once, here.
#[derive(Serialize, JsonSchema)]
pub(crate) struct NewToken {
    token: String,
    info: TokenInfo,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct Revoked {
    revoked: i64,
}

pub(crate) async fn list_users(State(state): State<AppState>) -> ApiResult<Reply<Users>> {
    Ok(Reply::ok(Users {
        users: state.store.list_users().await?,
    }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateUserReq {
    name: String,
    role: Role,
    password: String,
}

pub(crate) async fn create_user(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<CreateUserReq>,
) -> ApiResult<Reply<OneUser>> {
    scout_pipeline::secret::check_password_policy(&req.password)?;
    let pw = req.password;
    let hash = tokio::task::spawn_blocking(move || scout_pipeline::secret::hash_password(&pw))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    let user = state
        .store
        .create_user(&auth.actor.name, &req.name, req.role, &hash)
        .await?;
    Ok(Reply::created(OneUser { user }))
}

pub(crate) async fn disable_user(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Reply<OneUser>> {
    Ok(Reply::ok(OneUser {
        user: state.store.disable_user(&auth.actor, id).await?,
    }))
}

pub(crate) async fn list_tokens(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Reply<Tokens>> {
    let who = (!auth.is_owner()).then_some(auth.actor.user_id);
    Ok(Reply::ok(Tokens {
        tokens: state.store.list_tokens(who).await?,
    }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateTokenReq {
    label: String,
}

pub(crate) async fn create_token(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<CreateTokenReq>,
) -> ApiResult<Reply<NewToken>> {
    let (info, token) = state
        .store
        .create_token(&auth.actor.name, auth.actor.user_id, &req.label)
        .await?;
    Ok(Reply::created(NewToken { token, info }))
}

pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Reply<Revoked>> {
    state.store.revoke_token(&auth.actor, id).await?;
    Ok(Reply::ok(Revoked { revoked: id }))
}
