//! The rows funnel analytics are computed from (every candidate, stage move, latest offer and
//! counteroffer), read as one audited `analytics.read`.

use serde_json::json;
use sqlx::{FromRow, Row};

use super::audited::Entry;
use super::handle::Store;
use crate::error::Result;
use crate::model::Actor;
use crate::offer::OfferTerms;

impl Store {
    /// Rows for analytics (all candidates, their moves, latest offers, counteroffers).
    pub async fn analytics_input(&self, actor: &Actor) -> Result<crate::analytics::Input> {
        self.audited(&actor.name, async |tx| {
            let cands = sqlx::query_as(
                "SELECT c.id, c.stage, c.source_org, u.name AS owner, c.created_at FROM candidates c \
                 LEFT JOIN users u ON u.id = c.owner_id WHERE c.merged_into IS NULL ORDER BY c.id",
            )
            .fetch_all(&mut *tx.tx)
            .await?;
            let moves = sqlx::query_as(
                "SELECT candidate_id, from_stage, to_stage, moved_at FROM stage_history ORDER BY candidate_id, id",
            )
            .fetch_all(&mut *tx.tx)
            .await?;
            let offers = sqlx::query(
                "SELECT o.candidate_id, o.currency, o.total_value, o.base, o.bonus, o.sign_on, o.equity, \
                 o.vesting_months, o.cliff_months FROM offers o WHERE o.revision = \
                 (SELECT MAX(o2.revision) FROM offers o2 WHERE o2.candidate_id = o.candidate_id)",
            )
            .fetch_all(&mut *tx.tx)
            .await?
            .iter()
            .map(|r| {
                let terms = OfferTerms::from_row(r)?;
                Ok(crate::analytics::OfferRow {
                    candidate_id: r.try_get("candidate_id")?,
                    annualised_value: terms.annualised_value(),
                    currency: terms.currency,
                })
            })
            .collect::<Result<Vec<_>>>()?;
            let counters: Vec<(i64, i64)> =
                sqlx::query_as("SELECT candidate_id, value FROM counteroffers ORDER BY id")
                    .fetch_all(&mut *tx.tx)
                    .await?;
            let input = crate::analytics::Input {
                candidates: cands,
                moves,
                offers,
                counteroffers: counters,
            };
            Ok((input, Entry::new("analytics.read", None, json!({}))))
        })
        .await
    }
}
