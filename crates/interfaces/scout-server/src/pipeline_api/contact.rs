//! Messages and meetings with a candidate, and the meetings as an iCalendar file.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use schemars::JsonSchema;
use scout_pipeline::model::Channel;
use serde::Deserialize;

use super::answers::{MeetingAnswer, Meetings, MessageAnswer, Messages};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::route::Reply;
use crate::state::AppState;

pub(crate) async fn messages(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Reply<Messages>> {
    Ok(Reply::ok(Messages {
        messages: state.store.messages(&auth.actor, id).await?,
    }))
}

fn opt_time(s: Option<&str>) -> ApiResult<Option<i64>> {
    s.map(scout_pipeline::time::parse_rfc3339)
        .transpose()
        .map_err(ApiError::from)
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MessageReq {
    channel: Channel,
    body: String,
    #[serde(default)]
    sent_at: Option<String>,
}

pub(crate) async fn add_message(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<MessageReq>,
) -> ApiResult<Reply<MessageAnswer>> {
    let sent = opt_time(req.sent_at.as_deref())?;
    let m = state
        .store
        .add_message(&auth.actor, id, req.channel, &req.body, sent)
        .await?;
    Ok(Reply::created(MessageAnswer { message: m }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MessagePatchReq {
    #[serde(default)]
    sent_at: Option<String>,
    #[serde(default)]
    reply: Option<String>,
    #[serde(default)]
    replied_at: Option<String>,
}

pub(crate) async fn update_message(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath((id, mid)): ApiPath<(i64, i64)>,
    ApiJson(req): ApiJson<MessagePatchReq>,
) -> ApiResult<Reply<MessageAnswer>> {
    let sent = opt_time(req.sent_at.as_deref())?;
    let replied = opt_time(req.replied_at.as_deref())?;
    let m = state
        .store
        .update_message(&auth.actor, id, mid, sent, req.reply.as_deref(), replied)
        .await?;
    Ok(Reply::ok(MessageAnswer { message: m }))
}

pub(crate) async fn meetings(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Reply<Meetings>> {
    Ok(Reply::ok(Meetings {
        meetings: state.store.meetings(&auth.actor, id).await?,
    }))
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MeetingReq {
    title: String,
    /// An instant with an offset (2026-05-01T08:00:00Z, 2026-05-01T10:00:00+02:00), or with
    /// time_zone a local wall time (2026-05-01T10:00). A local time skipped by a DST change is
    /// refused (422); a repeated one means the earlier instant (send the offset for the later).
    #[schemars(example = "2026-05-01T10:00", example = "2026-05-01T08:00:00Z")]
    starts_at: String,
    /// IANA time zone the meeting is in (unknown names: 422). Absent: UTC.
    #[serde(default)]
    #[schemars(example = "Europe/Zurich", example = "America/New_York")]
    time_zone: Option<String>,
    #[schemars(range(min = 1, max = 1440))]
    duration_minutes: i64,
    #[serde(default)]
    place: Option<String>,
    #[serde(default)]
    attendees: Vec<String>,
}

pub(crate) async fn add_meeting(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<MeetingReq>,
) -> ApiResult<Reply<MeetingAnswer>> {
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
    Ok(Reply::created(MeetingAnswer { meeting: m }))
}

pub(crate) async fn meetings_ics(
    State(state): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<(HeaderMap, String)> {
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
