//! The row mappings that cannot be derived. Most model types derive `sqlx::FromRow` (the `Any`
//! driver decodes `i64`, `f64`, `bool`, `String`, bytes and their `Option`s; stages and channels
//! are stored as names and converted with `TryFrom<String>`). These are written out because a
//! field is computed or stored in another form: a user's `disabled` flag is an integer (`Any`
//! decodes no integer as `bool`), an offer's period and annualised value are computed from its
//! terms, and a meeting's end and local times from its start, duration and zone. A stored value
//! that does not parse, such as an unknown stage name, is an error, never a default.

use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

use crate::error::{Error, Result};
use crate::model::*;
use crate::offer::OfferTerms;

/// Implements `sqlx::Type` and `sqlx::Decode` for the `Any` driver for types stored as their
/// name in a text column: decoded with `FromStr`, so rows holding them derive `FromRow`, and an
/// unknown name is a decode error that names the column and the value.
macro_rules! decode_by_name {
    ($($t:ty),*) => {$(
        impl sqlx::Type<sqlx::Any> for $t {
            fn type_info() -> sqlx::any::AnyTypeInfo {
                <String as sqlx::Type<sqlx::Any>>::type_info()
            }
            fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
                <String as sqlx::Type<sqlx::Any>>::compatible(ty)
            }
        }

        impl<'r> sqlx::Decode<'r, sqlx::Any> for $t {
            fn decode(
                value: <sqlx::Any as sqlx::Database>::ValueRef<'r>,
            ) -> std::result::Result<Self, sqlx::error::BoxDynError> {
                let name = <String as sqlx::Decode<'r, sqlx::Any>>::decode(value)?;
                Ok(name.parse::<$t>()?)
            }
        }
    )*};
}

decode_by_name!(
    crate::stage::Stage,
    Channel,
    Role,
    crate::committee::VoteOutcome
);

pub(super) fn user_from_row(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: row.try_get("role")?,
        created_at: row.try_get("created_at")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
    })
}

/// A query of counteroffers with the columns [`counteroffer_from_row`] reads (`o` =
/// counteroffers, joined with their creator); `$tail` is the `WHERE … ORDER BY …`.
macro_rules! counteroffer_select {
    ($tail:literal) => {
        concat!(
            "SELECT o.id, o.candidate_id, o.rival_org, o.currency, o.base, o.bonus, o.sign_on, ",
            "o.equity, o.vesting_months, o.cliff_months, o.basis, o.note, u.name AS created_by, ",
            "o.created_at FROM counteroffers o JOIN users u ON u.id = o.created_by ",
            $tail
        )
    };
}
pub(super) use counteroffer_select;

pub(super) fn counteroffer_from_row(row: &AnyRow) -> Result<Counteroffer> {
    let terms = OfferTerms::from_row(row)?;
    let basis: String = row.try_get("basis")?;
    Ok(Counteroffer {
        id: row.try_get("id")?,
        candidate_id: row.try_get("candidate_id")?,
        rival_org: row.try_get("rival_org")?,
        basis: basis
            .parse()
            .map_err(|e: String| Error::Invalid(format!("stored basis: {e}")))?,
        period_months: terms.period_months(),
        total_value: terms.total_value(),
        annualised_value: terms.annualised_value(),
        terms,
        note: row.try_get("note")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(super) fn offer_from_row(row: &AnyRow) -> Result<Offer> {
    let terms = OfferTerms::from_row(row)?;
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
