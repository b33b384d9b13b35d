//! Where the move radar stands in the corpus (migration 0017, `radar_place`): the corpus
//! refresh it last observed and the rival organisations it observed with. A run after a
//! refresh asks the corpus (`scout_corpus::watch_facts::follow`) which watched researchers may
//! have changed since that refresh and observes only those; with other rivals, or a refresh the
//! corpus no longer knows, it observes every watched researcher. The place is written in the
//! run's transaction ([`Store::record_radar_run`]), so a failed run moves nothing.

use sqlx::{AnyConnection, Row};

use super::handle::Store;
use crate::error::{Error, Result};

/// The refresh the radar last observed, and the rivals it observed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RadarPlace {
    /// A `scout_corpus::refresh_log` token.
    pub refresh_token: String,
    pub rivals: Vec<String>,
}

impl RadarPlace {
    /// The refresh to follow from with `rivals`: none when the rivals changed (their items
    /// are new for everyone).
    pub fn follow_from(&self, rivals: &[String]) -> Option<&str> {
        (self.rivals == rivals).then_some(self.refresh_token.as_str())
    }
}

impl Store {
    /// Where the radar stands (`None`: it never ran since it keeps a place).
    pub async fn radar_place(&self) -> Result<Option<RadarPlace>> {
        let Some(row) = sqlx::query("SELECT refresh_token, rivals FROM radar_place WHERE id = 1")
            .fetch_optional(&self.db.pool)
            .await?
        else {
            return Ok(None);
        };
        let rivals: String = row.try_get("rivals")?;
        Ok(Some(RadarPlace {
            refresh_token: row.try_get("refresh_token")?,
            rivals: serde_json::from_str(&rivals)
                .map_err(|e| Error::Invalid(format!("radar_place.rivals: {e}")))?,
        }))
    }
}

/// Records `place` as where the radar stands, in the run's transaction.
pub(super) async fn set_place(
    conn: &mut AnyConnection,
    place: &RadarPlace,
    now: i64,
) -> Result<()> {
    let rivals = serde_json::to_string(&place.rivals).map_err(|e| Error::Invalid(e.to_string()))?;
    sqlx::query(
        "INSERT INTO radar_place (id, refresh_token, rivals, observed_at) VALUES (1, $1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET refresh_token = $1, rivals = $2, observed_at = $3",
    )
    .bind(&place.refresh_token)
    .bind(rivals)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
