//! The rows funnel analytics are computed from (every candidate, stage move, latest offer and
//! counteroffer), read as one audited `analytics.read`.

use serde_json::json;
use sqlx::Row;

use super::rows::parse_col;
use super::{Entry, Store};
use crate::error::{Error, Result};
use crate::model::Actor;
use crate::offer::OfferTerms;

impl Store {
    /// Rows for analytics (all candidates, their moves, latest offers, counteroffers).
    pub async fn analytics_input(&self, actor: &Actor) -> Result<crate::analytics::Input> {
        self.audited(&actor.name, async |tx| {
            let cands = sqlx::query(
                "SELECT c.id, c.stage, c.source_org, u.name AS owner, c.created_at FROM candidates c \
                 LEFT JOIN users u ON u.id = c.owner_id ORDER BY c.id",
            )
            .fetch_all(&mut *tx.tx)
            .await?
            .iter()
            .map(|r| {
                Ok(crate::analytics::CandidateRow {
                    id: r.try_get("id")?,
                    stage: parse_col(r, "stage")?,
                    source_org: r.try_get("source_org")?,
                    owner: r.try_get("owner")?,
                    created_at: r.try_get("created_at")?,
                })
        })
        .collect::<Result<Vec<_>>>()?;
        let moves = sqlx::query(
            "SELECT candidate_id, from_stage, to_stage, moved_at FROM stage_history ORDER BY candidate_id, id",
        )
        .fetch_all(&mut *tx.tx)
        .await?
        .iter()
        .map(|r| {
            let from: Option<String> = r.try_get("from_stage")?;
            Ok(crate::analytics::MoveRow {
                candidate_id: r.try_get("candidate_id")?,
                from: from.map(|s| s.parse().map_err(Error::Invalid)).transpose()?,
                to: parse_col(r, "to_stage")?,
                at: r.try_get("moved_at")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let offers = sqlx::query(
            "SELECT o.candidate_id, o.currency, o.total_value, o.base, o.bonus, o.sign_on, o.equity, \
             o.vesting_months FROM offers o WHERE o.revision = \
             (SELECT MAX(o2.revision) FROM offers o2 WHERE o2.candidate_id = o.candidate_id)",
        )
        .fetch_all(&mut *tx.tx)
        .await?
        .iter()
        .map(|r| {
            let terms = OfferTerms {
                currency: r.try_get("currency")?,
                base: r.try_get("base")?,
                bonus: r.try_get("bonus")?,
                sign_on: r.try_get("sign_on")?,
                equity: r.try_get("equity")?,
                vesting_months: r.try_get("vesting_months")?,
                cliff_months: 0,
            };
            Ok(crate::analytics::OfferRow {
                candidate_id: r.try_get("candidate_id")?,
                currency: terms.currency.clone(),
                annualised_value: terms.annualised_value(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let counters = sqlx::query("SELECT candidate_id, value FROM counteroffers ORDER BY id")
            .fetch_all(&mut *tx.tx)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("candidate_id")?, r.try_get("value")?)))
            .collect::<Result<Vec<(i64, i64)>>>()?;
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
