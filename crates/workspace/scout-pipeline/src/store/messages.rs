//! Messages to a candidate (sent, replied) and meetings with them, scheduled in an IANA time
//! zone.

use serde_json::json;
use sqlx::{AnyConnection, Row};

use super::audited::Entry;
use super::fields::{MAX_TEXT, optional_lines, optional_text, required_lines, required_text};
use super::handle::Store;
use super::load::load_candidate;
use super::rows::meeting_from_row;
use crate::error::{Error, Result};
use crate::model::*;
use crate::time::now_ms;

impl Store {
    pub async fn add_message(
        &self,
        actor: &Actor,
        id: i64,
        channel: Channel,
        body: &str,
        sent_at: Option<i64>,
    ) -> Result<Message> {
        let body = required_lines("body", body, MAX_TEXT)?;
        let now = now_ms();
        let mid = self
            .candidate_insert(actor, id, "message.create", "message_id", async |conn| {
                Ok(sqlx::query_scalar(
                    "INSERT INTO messages (candidate_id, channel, body, sent_at, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(id)
                .bind(channel.as_str())
                .bind(&body)
                .bind(sent_at)
                .bind(actor.user_id)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?)
            })
            .await?;
        Ok(Message {
            id: mid,
            candidate_id: id,
            channel,
            body,
            sent_at,
            reply: None,
            replied_at: None,
            created_by: actor.name.clone(),
            created_at: now,
        })
    }

    /// Marks a message sent and/or records the reply.
    pub async fn update_message(
        &self,
        actor: &Actor,
        id: i64,
        message_id: i64,
        sent_at: Option<i64>,
        reply: Option<&str>,
        replied_at: Option<i64>,
    ) -> Result<Message> {
        let reply = optional_lines("reply", reply, MAX_TEXT)?;
        self.audited(&actor.name, async |tx| {
            load_candidate(&mut tx.tx, id, false).await?;
            let replied_at = match (&reply, replied_at) {
                (Some(_), None) => Some(now_ms()),
                (_, r) => r,
            };
            // The times after this change must be in order (stored ones are not re-checked).
            let stored = sqlx::query(
                "SELECT sent_at, replied_at FROM messages WHERE id = $2 AND candidate_id = $1",
            )
            .bind(id)
            .bind(message_id)
            .fetch_optional(&mut *tx.tx)
            .await?
            .ok_or_else(|| Error::not_found("message", message_id))?;
            let sent = sent_at.or(stored.try_get::<Option<i64>, _>("sent_at")?);
            let replied = replied_at.or(stored.try_get::<Option<i64>, _>("replied_at")?);
            if let (Some(s), Some(r)) = (sent, replied)
                && r < s
            {
                return Err(Error::Invalid(format!(
                    "replied_at ({}) is before sent_at ({})",
                    crate::time::rfc3339(r),
                    crate::time::rfc3339(s)
                )));
            }
            let n = sqlx::query(
                "UPDATE messages SET sent_at = COALESCE($3, sent_at), reply = COALESCE($4, reply), \
             replied_at = COALESCE($5, replied_at) WHERE id = $2 AND candidate_id = $1",
            )
            .bind(id)
            .bind(message_id)
            .bind(sent_at)
            .bind(reply)
            .bind(replied_at)
            .execute(&mut *tx.tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(Error::not_found("message", message_id));
            }
            let m = messages_of(&mut tx.tx, id)
                .await?
                .into_iter()
                .find(|m| m.id == message_id)
                .ok_or_else(|| Error::not_found("message", message_id))?;
            let detail = json!({"message_id": message_id});
            Ok((m, Entry::new("message.update", Some(id), detail)))
        })
        .await
    }

    pub async fn messages(&self, actor: &Actor, id: i64) -> Result<Vec<Message>> {
        self.candidate_read(actor, id, "message.read", messages_of)
            .await
    }

    /// Schedules a meeting; the zone is checked against the tz database.
    pub async fn add_meeting(&self, actor: &Actor, id: i64, new: &NewMeeting) -> Result<Meeting> {
        let title = required_text("title", &new.title, 300)?;
        let place = optional_text("place", new.place.as_deref(), 500)?;
        let duration_minutes = new.duration_minutes;
        if !(1..=24 * 60).contains(&duration_minutes) {
            return Err(Error::Invalid(
                "duration_minutes must be between 1 and 1440".into(),
            ));
        }
        let zone = crate::tz::Zone::get(&new.time_zone)?;
        let starts_at = new.starts_at;
        let ends_at = starts_at + duration_minutes * 60_000;
        let starts_local = local_rfc3339(&zone, starts_at)?;
        let ends_local = local_rfc3339(&zone, ends_at)?;
        let attendees = new
            .attendees
            .iter()
            .map(|a| required_text("attendee", a, 200))
            .collect::<Result<Vec<_>>>()?;
        let now = now_ms();
        let attendees_json =
            serde_json::to_string(&attendees).map_err(|e| Error::Invalid(e.to_string()))?;
        let mid = self
            .candidate_insert(actor, id, "meeting.create", "meeting_id", async |conn| {
                Ok(sqlx::query_scalar(
                    "INSERT INTO meetings (candidate_id, title, starts_at, duration_minutes, time_zone, place, attendees, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(id)
                .bind(&title)
                .bind(starts_at)
                .bind(duration_minutes)
                .bind(zone.name())
                .bind(place.clone())
                .bind(&attendees_json)
                .bind(actor.user_id)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?)
            })
            .await?;
        Ok(Meeting {
            id: mid,
            candidate_id: id,
            title,
            starts_at,
            ends_at,
            duration_minutes,
            time_zone: zone.name().to_string(),
            starts_local,
            ends_local,
            place,
            attendees,
            created_by: actor.name.clone(),
            created_at: now,
        })
    }

    pub async fn meetings(&self, actor: &Actor, id: i64) -> Result<Vec<Meeting>> {
        self.candidate_read(actor, id, "meeting.read", meetings_of)
            .await
    }
}

pub(super) async fn messages_of(conn: &mut AnyConnection, id: i64) -> Result<Vec<Message>> {
    Ok(sqlx::query_as(
        "SELECT m.id, m.candidate_id, m.channel, m.body, m.sent_at, m.reply, m.replied_at, \
         u.name AS created_by, m.created_at FROM messages m JOIN users u ON u.id = m.created_by \
         WHERE m.candidate_id = $1 ORDER BY m.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?)
}

pub(super) async fn meetings_of(conn: &mut AnyConnection, id: i64) -> Result<Vec<Meeting>> {
    sqlx::query(
        "SELECT m.id, m.candidate_id, m.title, m.starts_at, m.duration_minutes, m.time_zone, m.place, m.attendees, \
         u.name AS created_by, m.created_at FROM meetings m JOIN users u ON u.id = m.created_by \
         WHERE m.candidate_id = $1 ORDER BY m.starts_at, m.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(meeting_from_row)
    .collect()
}
