//! The route table (method, path, least role, summary, handler): the router and the OpenAPI
//! document are both built from it, so the document cannot drift from the routes.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, patch, post};
use scout_pipeline::model::{CandidateFilter, CandidatePatch, Channel, NewCandidate};
use scout_pipeline::{OfferTerms, Role, Stage};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::{Auth, COOKIE, Via};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use axum::extract::{ConnectInfo, State};
use std::net::SocketAddr;

/// One documented route.
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    /// The least role allowed; `None` means no authentication.
    pub role: Option<Role>,
    pub summary: &'static str,
    /// Names of the JSON body's fields (for the document), if the route takes a body.
    pub body: Option<&'static [&'static str]>,
    pub handler: fn() -> MethodRouter<AppState>,
}

macro_rules! r {
    ($m:literal, $p:literal, $role:expr, $s:literal, $body:expr, $h:expr) => {
        Route {
            method: $m,
            path: $p,
            role: $role,
            summary: $s,
            body: $body,
            handler: $h,
        }
    };
}

const V: Option<Role> = Some(Role::Viewer);
const R: Option<Role> = Some(Role::Recruiter);
const O: Option<Role> = Some(Role::Owner);

/// Every route: the pipeline's table and the committee arena's.
pub fn all_routes() -> impl Iterator<Item = &'static Route> {
    ROUTES
        .iter()
        .chain(crate::committee_api::COMMITTEE_ROUTES)
        .chain(crate::jobs_api::JOB_ROUTES)
}

/// Every route of the pipeline API.
pub const ROUTES: &[Route] = &[
    r!("GET", "/api/health", None, "Liveness check", None, || get(
        health
    )),
    r!(
        "GET",
        "/api/openapi.json",
        None,
        "This OpenAPI document",
        None,
        || get(openapi)
    ),
    r!(
        "POST",
        "/api/login",
        None,
        "Log in with name and password; sets the session cookie and returns the CSRF token",
        Some(&["name", "password"]),
        || post(login)
    ),
    r!(
        "POST",
        "/api/logout",
        V,
        "End the current session",
        None,
        || post(logout)
    ),
    r!(
        "GET",
        "/api/me",
        V,
        "The current user (and the session's CSRF token)",
        None,
        || get(me)
    ),
    r!("GET", "/api/users", O, "List users", None, || get(
        list_users
    )),
    r!(
        "POST",
        "/api/users",
        O,
        "Create a user",
        Some(&["name", "role", "password"]),
        || post(create_user)
    ),
    r!(
        "DELETE",
        "/api/users/{id}",
        O,
        "Disable a user (ends sessions, revokes tokens)",
        None,
        || delete(disable_user)
    ),
    r!(
        "GET",
        "/api/tokens",
        V,
        "List your API tokens (owners: everyone's)",
        None,
        || get(list_tokens)
    ),
    r!(
        "POST",
        "/api/tokens",
        V,
        "Create an API token for yourself (shown once)",
        Some(&["label"]),
        || post(create_token)
    ),
    r!(
        "DELETE",
        "/api/tokens/{id}",
        V,
        "Revoke an API token (yours; owners: any)",
        None,
        || delete(revoke_token)
    ),
    r!(
        "GET",
        "/api/candidates",
        V,
        "List candidates (query: stage, owner_id, tag, limit, offset)",
        None,
        || get(list_candidates)
    ),
    r!(
        "POST",
        "/api/candidates",
        R,
        "Create a candidate (stage sourced)",
        Some(&[
            "name",
            "email",
            "researcher_key",
            "source_org",
            "career_stage",
            "owner_id",
            "tags"
        ]),
        || post(create_candidate)
    ),
    r!(
        "GET",
        "/api/candidates/{id}",
        V,
        "Read a candidate (owners also get compensation)",
        None,
        || get(get_candidate)
    ),
    r!(
        "PATCH",
        "/api/candidates/{id}",
        R,
        "Change a candidate's fields",
        Some(&[
            "name",
            "email",
            "researcher_key",
            "source_org",
            "career_stage",
            "owner_id"
        ]),
        || patch(update_candidate)
    ),
    r!(
        "POST",
        "/api/candidates/{id}/stage",
        R,
        "Move to another stage (409 when the transition table forbids it)",
        Some(&["to", "reason"]),
        || post(move_stage)
    ),
    r!(
        "GET",
        "/api/candidates/{id}/history",
        V,
        "Stage moves: who and when",
        None,
        || get(history)
    ),
    r!(
        "POST",
        "/api/candidates/{id}/tags",
        R,
        "Add a tag",
        Some(&["tag"]),
        || post(add_tag)
    ),
    r!(
        "DELETE",
        "/api/candidates/{id}/tags/{tag}",
        R,
        "Remove a tag",
        None,
        || delete(remove_tag)
    ),
    r!(
        "GET",
        "/api/candidates/{id}/notes",
        V,
        "Private notes",
        None,
        || get(notes)
    ),
    r!(
        "POST",
        "/api/candidates/{id}/notes",
        R,
        "Add a note",
        Some(&["body"]),
        || post(add_note)
    ),
    r!(
        "GET",
        "/api/candidates/{id}/offers",
        O,
        "Offer revisions with total values",
        None,
        || get(offers)
    ),
    r!(
        "POST",
        "/api/candidates/{id}/offers",
        O,
        "Add an offer revision",
        Some(&[
            "currency",
            "base",
            "bonus",
            "sign_on",
            "equity",
            "vesting_months",
            "cliff_months",
            "note"
        ]),
        || post(add_offer)
    ),
    r!(
        "GET",
        "/api/candidates/{id}/counteroffers",
        O,
        "Counteroffers",
        None,
        || get(counteroffers)
    ),
    r!(
        "POST",
        "/api/candidates/{id}/counteroffers",
        O,
        "Record a counteroffer",
        Some(&["rival_org", "currency", "value", "note"]),
        || post(add_counteroffer)
    ),
    r!(
        "POST",
        "/api/candidates/{id}/decision",
        R,
        "Record the decision (accepted, declined, withdrawn) with a reason",
        Some(&["outcome", "reason"]),
        || post(decide)
    ),
    r!(
        "GET",
        "/api/candidates/{id}/messages",
        V,
        "Outreach messages and replies",
        None,
        || get(messages)
    ),
    r!(
        "POST",
        "/api/candidates/{id}/messages",
        R,
        "Record a message (channel email, chat or in_person)",
        Some(&["channel", "body", "sent_at"]),
        || post(add_message)
    ),
    r!(
        "PATCH",
        "/api/candidates/{id}/messages/{message_id}",
        R,
        "Mark a message sent or record the reply",
        Some(&["sent_at", "reply", "replied_at"]),
        || patch(update_message)
    ),
    r!(
        "GET",
        "/api/candidates/{id}/meetings",
        V,
        "Meetings",
        None,
        || get(meetings)
    ),
    r!(
        "POST",
        "/api/candidates/{id}/meetings",
        R,
        "Schedule a meeting: starts_at is an instant (RFC 3339 with offset) or, with time_zone (IANA, default UTC), a local time; a time skipped by a DST change is refused, a repeated one is the earlier",
        Some(&[
            "title",
            "starts_at",
            "time_zone",
            "duration_minutes",
            "place",
            "attendees"
        ]),
        || post(add_meeting)
    ),
    r!(
        "GET",
        "/api/candidates/{id}/meetings.ics",
        V,
        "The candidate's meetings as an iCalendar file (RFC 5545: TZID times with a VTIMEZONE per zone, UTC meetings in UTC)",
        None,
        || get(meetings_ics)
    ),
    r!(
        "GET",
        "/api/candidates/{id}/outreach-draft",
        R,
        "A first-message draft from the candidate's top papers for the topics and the warmest path (query: topics, template, lab, sender, our_org)",
        None,
        || get(outreach_draft)
    ),
    r!(
        "POST",
        "/api/candidates/{id}/claims",
        R,
        "Check a claimed publication list (BibTeX, CSV or plain titles) against the corpus",
        Some(&["text"]),
        || post(check_claims)
    ),
    r!(
        "GET",
        "/api/candidates/{id}/export",
        O,
        "Everything held about the person (JSON)",
        None,
        || get(export)
    ),
    r!(
        "POST",
        "/api/candidates/{id}/erase",
        O,
        "Erase the person's notes, messages, meetings and identifying fields",
        None,
        || post(erase)
    ),
    r!(
        "GET",
        "/api/analytics",
        V,
        "Funnel, per source org and owner, time in stage; owners also get offer acceptance",
        None,
        || get(analytics)
    ),
    r!(
        "GET",
        "/api/audit",
        O,
        "Audit entries (query: after, limit)",
        None,
        || get(audit_entries)
    ),
    r!(
        "GET",
        "/api/audit/verify",
        O,
        "Verify the audit hash chain",
        None,
        || get(audit_verify)
    ),
];

async fn health() -> Json<Value> {
    Json(json!({"ok": true}))
}

async fn openapi() -> Json<Value> {
    Json(crate::openapi::document())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginReq {
    name: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    ApiJson(req): ApiJson<LoginReq>,
) -> ApiResult<Response> {
    let client = crate::auth::client_address(addr.ip(), &headers, &state.config.trusted_proxies);
    let keys = crate::auth::LoginKeys::new(client, &req.name);
    match state.limiter.gate(&keys).await? {
        crate::auth::LoginGate::Open => {}
        crate::auth::LoginGate::Slow(pause) => tokio::time::sleep(pause).await,
        crate::auth::LoginGate::Blocked(wait) => {
            let mut e = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many failed logins; try again in {wait} s"),
            );
            e.retry_after_secs = Some(wait);
            return Err(e);
        }
    }
    let found = state.store.user_with_hash(&req.name).await?;
    let password = req.password;
    let (user, ok) = match found {
        Some((user, hash)) => {
            let ok = tokio::task::spawn_blocking(move || {
                scout_pipeline::secret::verify_password(&password, &hash)
            })
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?;
            (Some(user), ok)
        }
        None => {
            // Same work for unknown names, so timing does not reveal which names exist.
            let dummy = state.dummy_hash.clone();
            tokio::task::spawn_blocking(move || {
                scout_pipeline::secret::verify_password(&password, &dummy)
            })
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?;
            (None, false)
        }
    };
    let user = match user {
        Some(u) if ok && !u.disabled => u,
        _ => {
            state.limiter.fail(&keys).await?;
            return Err(ApiError::unauthorized("wrong name or password"));
        }
    };
    state.limiter.clear(&keys).await?;
    let ttl_ms = i64::try_from(state.config.session_ttl.as_millis()).unwrap_or(i64::MAX);
    let s = state.store.create_session(&user, ttl_ms).await?;
    let cookie = format!(
        "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
        s.token,
        state.config.session_ttl.as_secs().max(1),
        if state.config.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    );
    let mut resp = Json(json!({
        "user": user,
        "csrf_token": s.csrf_token,
        "expires_at": scout_pipeline::time::rfc3339(s.expires_at),
    }))
    .into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| ApiError::internal(e.to_string()))?,
    );
    Ok(resp)
}

async fn logout(State(state): State<AppState>, auth: Auth) -> ApiResult<Response> {
    match &auth.via {
        Via::Session { token } => {
            state.store.delete_session(&auth.actor, token).await?;
            let mut resp = Json(json!({"logged_out": true})).into_response();
            resp.headers_mut().insert(
                header::SET_COOKIE,
                HeaderValue::from_static(
                    "scout_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0",
                ),
            );
            Ok(resp)
        }
        Via::Token => Err(ApiError::bad_request(
            "API tokens have no session; revoke the token with DELETE /api/tokens/{id}",
        )),
    }
}

async fn me(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    // One query for a session (the user comes with it): the UI asks this on every load.
    let (user, csrf) = match &auth.via {
        Via::Session { token } => match state.store.session(token).await? {
            Some(s) => (s.user, Some(s.csrf_token)),
            None => {
                return Err(ApiError::unauthorized(
                    "session expired or invalid; log in again",
                ));
            }
        },
        Via::Token => (state.store.user(auth.actor.user_id).await?, None),
    };
    Ok(Json(json!({"user": user, "csrf_token": csrf})))
}

async fn list_users(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require(Role::Owner)?;
    Ok(Json(json!({"users": state.store.list_users().await?})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateUserReq {
    name: String,
    role: Role,
    password: String,
}

async fn create_user(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<CreateUserReq>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.require(Role::Owner)?;
    scout_pipeline::secret::check_password_policy(&req.password)?;
    let pw = req.password;
    let hash = tokio::task::spawn_blocking(move || scout_pipeline::secret::hash_password(&pw))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    let user = state
        .store
        .create_user(&auth.actor.name, &req.name, req.role, &hash)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({"user": user}))))
}

async fn disable_user(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Owner)?;
    Ok(Json(
        json!({"user": state.store.disable_user(&auth.actor, id).await?}),
    ))
}

async fn list_tokens(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require(Role::Viewer)?;
    let who = (!auth.is_owner()).then_some(auth.actor.user_id);
    Ok(Json(json!({"tokens": state.store.list_tokens(who).await?})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateTokenReq {
    label: String,
}

async fn create_token(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<CreateTokenReq>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.require(Role::Viewer)?;
    let (info, token) = state
        .store
        .create_token(&auth.actor.name, auth.actor.user_id, &req.label)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"token": token, "info": info})),
    ))
}

async fn revoke_token(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Viewer)?;
    state.store.revoke_token(&auth.actor, id).await?;
    Ok(Json(json!({"revoked": id})))
}

async fn list_candidates(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(filter): ApiQuery<CandidateFilter>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Viewer)?;
    Ok(Json(
        json!({"candidates": state.store.list_candidates(&auth.actor, &filter).await?}),
    ))
}

async fn create_candidate(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<NewCandidate>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.require(Role::Recruiter)?;
    let c = state.store.create_candidate(&auth.actor, &req).await?;
    // A warning, not a refusal (namesakes exist): the same e-mail or a compatible name.
    let possible_duplicates = state.store.likely_duplicates(&c).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"candidate": c, "possible_duplicates": possible_duplicates})),
    ))
}

async fn get_candidate(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Viewer)?;
    let c = state.store.get_candidate(&auth.actor, id).await?;
    let mut body = json!({"candidate": c});
    if auth.is_owner() {
        // Compensation is present only for owners; for others the key is absent.
        let offers = state.store.offers(&auth.actor, id).await?;
        let counters = state.store.counteroffers(&auth.actor, id).await?;
        body["compensation"] = json!({"latest_offer": offers.last(), "counteroffers": counters});
    }
    Ok(Json(body))
}

async fn update_candidate(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<CandidatePatch>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Recruiter)?;
    Ok(Json(
        json!({"candidate": state.store.update_candidate(&auth.actor, id, &req).await?}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MoveReq {
    to: Stage,
    #[serde(default)]
    reason: Option<String>,
}

async fn move_stage(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<MoveReq>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Recruiter)?;
    let c = state
        .store
        .move_stage(&auth.actor, id, req.to, req.reason.as_deref())
        .await?;
    Ok(Json(json!({"candidate": c})))
}

async fn history(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Viewer)?;
    Ok(Json(
        json!({"history": state.store.history(&auth.actor, id).await?}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TagReq {
    tag: String,
}

async fn add_tag(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<TagReq>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Recruiter)?;
    Ok(Json(
        json!({"candidate": state.store.add_tag(&auth.actor, id, &req.tag).await?}),
    ))
}

async fn remove_tag(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((id, tag)): ApiPath<(i64, String)>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Recruiter)?;
    Ok(Json(
        json!({"candidate": state.store.remove_tag(&auth.actor, id, &tag).await?}),
    ))
}

async fn notes(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Viewer)?;
    Ok(Json(
        json!({"notes": state.store.notes(&auth.actor, id).await?}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteReq {
    body: String,
}

async fn add_note(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<NoteReq>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.require(Role::Recruiter)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"note": state.store.add_note(&auth.actor, id, &req.body).await?})),
    ))
}

async fn offers(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Owner)?;
    Ok(Json(
        json!({"offers": state.store.offers(&auth.actor, id).await?}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OfferReq {
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

async fn add_offer(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<OfferReq>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.require(Role::Owner)?;
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
    Ok((StatusCode::CREATED, Json(json!({"offer": o}))))
}

async fn counteroffers(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Owner)?;
    Ok(Json(
        json!({"counteroffers": state.store.counteroffers(&auth.actor, id).await?}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CounterReq {
    rival_org: String,
    currency: String,
    value: i64,
    #[serde(default)]
    note: Option<String>,
}

async fn add_counteroffer(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<CounterReq>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.require(Role::Owner)?;
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
    Ok((StatusCode::CREATED, Json(json!({"counteroffer": c}))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionReq {
    outcome: Stage,
    reason: String,
}

async fn decide(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<DecisionReq>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Recruiter)?;
    Ok(Json(
        json!({"candidate": state.store.decide(&auth.actor, id, req.outcome, &req.reason).await?}),
    ))
}

async fn messages(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Viewer)?;
    Ok(Json(
        json!({"messages": state.store.messages(&auth.actor, id).await?}),
    ))
}

fn opt_time(s: Option<&str>) -> ApiResult<Option<i64>> {
    s.map(scout_pipeline::time::parse_rfc3339)
        .transpose()
        .map_err(ApiError::from)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageReq {
    channel: Channel,
    body: String,
    #[serde(default)]
    sent_at: Option<String>,
}

async fn add_message(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<MessageReq>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.require(Role::Recruiter)?;
    let sent = opt_time(req.sent_at.as_deref())?;
    let m = state
        .store
        .add_message(&auth.actor, id, req.channel, &req.body, sent)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({"message": m}))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessagePatchReq {
    #[serde(default)]
    sent_at: Option<String>,
    #[serde(default)]
    reply: Option<String>,
    #[serde(default)]
    replied_at: Option<String>,
}

async fn update_message(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((id, mid)): ApiPath<(i64, i64)>,
    ApiJson(req): ApiJson<MessagePatchReq>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Recruiter)?;
    let sent = opt_time(req.sent_at.as_deref())?;
    let replied = opt_time(req.replied_at.as_deref())?;
    let m = state
        .store
        .update_message(&auth.actor, id, mid, sent, req.reply.as_deref(), replied)
        .await?;
    Ok(Json(json!({"message": m})))
}

async fn meetings(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Viewer)?;
    Ok(Json(
        json!({"meetings": state.store.meetings(&auth.actor, id).await?}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MeetingReq {
    title: String,
    /// An instant (`2026-05-01T08:00:00Z`, `…+02:00`) or, with `time_zone`, a wall time
    /// (`2026-05-01T10:00`).
    starts_at: String,
    /// An IANA zone; absent: UTC.
    #[serde(default)]
    time_zone: Option<String>,
    duration_minutes: i64,
    #[serde(default)]
    place: Option<String>,
    #[serde(default)]
    attendees: Vec<String>,
}

async fn add_meeting(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<MeetingReq>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.require(Role::Recruiter)?;
    let (starts_at, zone) =
        scout_pipeline::tz::parse_start(&req.starts_at, req.time_zone.as_deref())?;
    let new = scout_pipeline::model::NewMeeting {
        title: req.title,
        starts_at,
        time_zone: zone.name().to_string(),
        duration_minutes: req.duration_minutes,
        place: req.place,
        attendees: req.attendees,
    };
    let m = state.store.add_meeting(&auth.actor, id, &new).await?;
    Ok((StatusCode::CREATED, Json(json!({"meeting": m}))))
}

async fn meetings_ics(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<(HeaderMap, String)> {
    auth.require(Role::Viewer)?;
    let c = state.store.get_candidate(&auth.actor, id).await?;
    let ms = state.store.meetings(&auth.actor, id).await?;
    let body = scout_pipeline::ics::render(&ms, &c.name, "scout.local")?;
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"candidate-{id}.ics\""))
            .map_err(|e| ApiError::internal(e.to_string()))?,
    );
    Ok((h, body))
}

async fn export(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Owner)?;
    Ok(Json(state.store.export_candidate(&auth.actor, id).await?))
}

async fn erase(
    State(state): State<AppState>,
    axum::Extension(jobs): axum::Extension<std::sync::Arc<crate::jobs::Jobs>>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Owner)?;
    let report = state.store.erase_candidate(&auth.actor, id).await?;
    // Export files made before the erasure hold the person's data: they go too.
    let exports = jobs.remove_exports_of(id);
    Ok(Json(json!({"erased": report, "exports_removed": exports})))
}

async fn analytics(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require(Role::Viewer)?;
    let input = state.store.analytics_input(&auth.actor).await?;
    let report =
        scout_pipeline::analytics::compute(&input, auth.is_owner(), scout_pipeline::time::now_ms());
    Ok(Json(json!({"analytics": report})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    #[serde(default)]
    after: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

async fn audit_entries(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Value>> {
    auth.require(Role::Owner)?;
    let entries = state
        .store
        .audit_entries(q.after.unwrap_or(0), q.limit.unwrap_or(500))
        .await?;
    Ok(Json(json!({"entries": entries})))
}

async fn audit_verify(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require(Role::Owner)?;
    Ok(Json(json!({"verify": state.store.verify_audit().await?})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DraftQuery {
    /// Comma-separated topics of the lab.
    #[serde(default)]
    topics: Option<String>,
    #[serde(default)]
    template: Option<String>,
    #[serde(default)]
    lab: Option<String>,
    #[serde(default)]
    sender: Option<String>,
    /// Our organisation, for the warm path.
    #[serde(default)]
    our_org: Option<String>,
}

async fn outreach_draft(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<DraftQuery>,
) -> ApiResult<Json<Value>> {
    use scout_pipeline::corpus_link;
    auth.require(Role::Recruiter)?;
    let c = state.store.get_candidate(&auth.actor, id).await?;
    let template_name = q.template.unwrap_or_else(|| "intro".into());
    let template = corpus_link::TEMPLATES
        .iter()
        .find(|(n, _)| *n == template_name)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            ApiError::bad_request(format!("unknown template {template_name:?} (intro, short)"))
        })?;
    let topics: Vec<String> = q
        .topics
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .take(5)
        .collect();
    let corpus = state.config.corpus.clone();
    let key = c.researcher_key.clone();
    let our_org = q.our_org.clone();
    let topics2 = topics.clone();
    // A corpus path whose file does not exist yet (nothing ingested) is no corpus.
    let corpus = corpus.filter(|p| p.exists());
    let (evidence, corpus_note) = match (corpus, key) {
        (Some(path), Some(key)) => tokio::task::spawn_blocking(move || {
            let mut linked = corpus_link::Linked::open(&path, Some(&key))?;
            if linked.researcher.is_none() {
                return Ok::<_, scout_pipeline::Error>((
                    Default::default(),
                    Some(format!("researcher {key:?} is not in the corpus")),
                ));
            }
            Ok((
                corpus_link::evidence(&mut linked, &topics2, our_org.as_deref(), 3)?,
                None,
            ))
        })
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??,
        (None, _) => (
            Default::default(),
            Some("the server has no corpus: the draft cannot cite papers".to_string()),
        ),
        (_, None) => (
            Default::default(),
            Some(
                "the candidate is not linked to a researcher: the draft cannot cite papers"
                    .to_string(),
            ),
        ),
    };
    let text = corpus_link::render_draft(
        template,
        &c.name,
        q.lab.as_deref().unwrap_or("our lab"),
        q.sender.as_deref().unwrap_or(&auth.actor.name),
        &topics,
        &evidence,
    );
    Ok(Json(
        json!({"draft": text, "template": template_name, "evidence": evidence, "note": corpus_note}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimsReq {
    text: String,
}

async fn check_claims(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ClaimsReq>,
) -> ApiResult<Json<Value>> {
    use scout_pipeline::corpus_link;
    auth.require(Role::Recruiter)?;
    let c = state.store.get_candidate(&auth.actor, id).await?;
    let Some(path) = state.config.corpus.clone().filter(|p| p.exists()) else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_corpus",
            "the server was started without a corpus; claims cannot be checked",
        ));
    };
    let key = c.researcher_key.clone();
    let report = tokio::task::spawn_blocking(move || {
        let mut linked = corpus_link::Linked::open(&path, key.as_deref())?;
        corpus_link::check_claims(&mut linked, &req.text)
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    Ok(Json(json!({"claims": report})))
}
