//! Stored rows to the model types (`AnyRow` in, typed values out; a stored value that does not
//! parse, such as an unknown stage name, is an error, never a default).

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::AuditEntry;
use crate::error::{Error, Result};
use crate::model::*;
use crate::offer::OfferTerms;

pub(super) fn parse_col<T: std::str::FromStr<Err = String>>(row: &AnyRow, col: &str) -> Result<T> {
    let s: String = row.try_get(col)?;
    s.parse()
        .map_err(|e: String| Error::Invalid(format!("stored {col}: {e}")))
}

pub(super) fn candidate_from_row(row: &AnyRow) -> Result<Candidate> {
    Ok(Candidate {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        researcher_key: row.try_get("researcher_key")?,
        source_org: row.try_get("source_org")?,
        stage: parse_col(row, "stage")?,
        career_stage: row.try_get("career_stage")?,
        owner_id: row.try_get("owner_id")?,
        tags: Vec::new(),
        stage_entered_at: row.try_get("stage_entered_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        erased_at: row.try_get("erased_at")?,
    })
}

pub(super) fn user_from_row(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: parse_col(row, "role")?,
        created_at: row.try_get("created_at")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
    })
}

pub(super) fn offer_from_row(row: &AnyRow) -> Result<Offer> {
    let terms = OfferTerms {
        currency: row.try_get("currency")?,
        base: row.try_get("base")?,
        bonus: row.try_get("bonus")?,
        sign_on: row.try_get("sign_on")?,
        equity: row.try_get("equity")?,
        vesting_months: row.try_get("vesting_months")?,
        cliff_months: row.try_get("cliff_months")?,
    };
    Ok(Offer {
        id: row.try_get("id")?,
        candidate_id: row.try_get("candidate_id")?,
        revision: row.try_get("revision")?,
        period_months: terms.period_months(),
        total_value: row.try_get("total_value")?,
        annualised_value: terms.annualised_value(),
        terms,
        note: row.try_get("note")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(super) fn counteroffer_from_row(row: &AnyRow) -> Result<Counteroffer> {
    Ok(Counteroffer {
        id: row.try_get("id")?,
        candidate_id: row.try_get("candidate_id")?,
        rival_org: row.try_get("rival_org")?,
        currency: row.try_get("currency")?,
        value: row.try_get("value")?,
        note: row.try_get("note")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(super) fn message_from_row(row: &AnyRow) -> Result<Message> {
    Ok(Message {
        id: row.try_get("id")?,
        candidate_id: row.try_get("candidate_id")?,
        channel: parse_col(row, "channel")?,
        body: row.try_get("body")?,
        sent_at: row.try_get("sent_at")?,
        reply: row.try_get("reply")?,
        replied_at: row.try_get("replied_at")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(super) fn meeting_from_row(row: &AnyRow) -> Result<Meeting> {
    let attendees: String = row.try_get("attendees")?;
    let zone_name: String = row.try_get("time_zone")?;
    let zone = crate::tz::Zone::get(&zone_name)
        .map_err(|e| Error::Invalid(format!("stored time_zone: {e}")))?;
    let starts_at: i64 = row.try_get("starts_at")?;
    let duration_minutes: i64 = row.try_get("duration_minutes")?;
    let ends_at = starts_at + duration_minutes * 60_000;
    Ok(Meeting {
        id: row.try_get("id")?,
        candidate_id: row.try_get("candidate_id")?,
        title: row.try_get("title")?,
        starts_at,
        ends_at,
        duration_minutes,
        starts_local: local_rfc3339(&zone, starts_at)?,
        ends_local: local_rfc3339(&zone, ends_at)?,
        time_zone: zone.name().to_string(),
        place: row.try_get("place")?,
        attendees: serde_json::from_str(&attendees)
            .map_err(|e| Error::Invalid(format!("stored attendees: {e}")))?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(super) fn audit_from_row(row: &AnyRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        candidate_id: row.try_get("candidate_id")?,
        detail: row.try_get("detail")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}
