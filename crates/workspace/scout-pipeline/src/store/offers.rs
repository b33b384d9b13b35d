//! Offers (numbered revisions with computed total and annualised values; closed once the
//! candidate has an outcome) and counteroffers from rival organisations.

use serde_json::json;
use sqlx::AnyConnection;

use super::audited::Entry;
use super::fields::{MAX_TEXT, optional_lines, required_text};
use super::handle::Store;
use super::load::load_candidate;
use super::rows::{counteroffer_from_row, counteroffer_select, offer_from_row};
use crate::error::{Error, Result};
use crate::model::{Actor, CounterBasis, Counteroffer, Offer};
use crate::offer::OfferTerms;
use crate::time::now_ms;

impl Store {
    /// Adds a new offer revision (revision 1 is the first offer).
    pub async fn add_offer(
        &self,
        actor: &Actor,
        id: i64,
        terms: &OfferTerms,
        note: Option<&str>,
    ) -> Result<Offer> {
        terms.validate()?;
        let note = optional_lines("note", note, MAX_TEXT)?;
        let now = now_ms();
        let (oid, revision) = self
            .audited(&actor.name, async |tx| {
                let c = load_candidate(&mut tx.tx, id, false).await?;
                if c.stage.is_outcome() {
                    return Err(Error::Conflict(format!(
                        "candidate {id} is {}; offers are closed",
                        c.stage
                    )));
                }
                let last: i64 = sqlx::query_scalar(
                    "SELECT COALESCE(MAX(revision), 0) FROM offers WHERE candidate_id = $1",
                )
                .bind(id)
                .fetch_one(&mut *tx.tx)
                .await?;
                let revision = last + 1;
                let oid: i64 = sqlx::query_scalar(
            "INSERT INTO offers (candidate_id, revision, currency, base, bonus, sign_on, equity, \
             vesting_months, cliff_months, total_value, note, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(id)
        .bind(revision)
        .bind(&terms.currency)
        .bind(terms.base)
        .bind(terms.bonus)
        .bind(terms.sign_on)
        .bind(terms.equity)
        .bind(terms.vesting_months)
        .bind(terms.cliff_months)
        .bind(terms.total_value())
        .bind(note.clone())
        .bind(actor.user_id)
        .bind(now)
        .fetch_one(&mut *tx.tx)
        .await?;
                let detail = json!({"offer_id": oid, "revision": revision});
                Ok((
                    (oid, revision),
                    Entry::new("offer.create", Some(id), detail),
                ))
            })
            .await?;
        Ok(Offer {
            id: oid,
            candidate_id: id,
            revision,
            period_months: terms.period_months(),
            total_value: terms.total_value(),
            annualised_value: terms.annualised_value(),
            terms: terms.clone(),
            note,
            created_by: actor.name.clone(),
            created_at: now,
        })
    }

    /// All offer revisions, oldest first.
    pub async fn offers(&self, actor: &Actor, id: i64) -> Result<Vec<Offer>> {
        self.candidate_read(actor, id, "offer.read", offers_of)
            .await
    }

    /// Records a rival's counteroffer. `basis` says whether `terms` hold every component or
    /// only one yearly figure (as the base); either way its total and annualised values are
    /// computed as our offers' are, so the two compare like for like.
    pub async fn add_counteroffer(
        &self,
        actor: &Actor,
        id: i64,
        rival_org: &str,
        terms: &OfferTerms,
        basis: CounterBasis,
        note: Option<&str>,
    ) -> Result<Counteroffer> {
        let rival_org = required_text("rival_org", rival_org, 300)?;
        terms.validate()?;
        let note = optional_lines("note", note, MAX_TEXT)?;
        let now = now_ms();
        let cid = self
            .candidate_insert(actor, id, "counteroffer.create", "counteroffer_id", async |conn| {
                Ok(sqlx::query_scalar(
                    "INSERT INTO counteroffers (candidate_id, rival_org, currency, value, base, bonus, \
                     sign_on, equity, vesting_months, cliff_months, basis, note, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
                )
                .bind(id)
                .bind(&rival_org)
                .bind(&terms.currency)
                .bind(terms.annualised_value())
                .bind(terms.base)
                .bind(terms.bonus)
                .bind(terms.sign_on)
                .bind(terms.equity)
                .bind(terms.vesting_months)
                .bind(terms.cliff_months)
                .bind(basis.as_str())
                .bind(note.clone())
                .bind(actor.user_id)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?)
            })
            .await?;
        Ok(Counteroffer {
            id: cid,
            candidate_id: id,
            rival_org,
            terms: terms.clone(),
            basis,
            period_months: terms.period_months(),
            total_value: terms.total_value(),
            annualised_value: terms.annualised_value(),
            note,
            created_by: actor.name.clone(),
            created_at: now,
        })
    }

    pub async fn counteroffers(&self, actor: &Actor, id: i64) -> Result<Vec<Counteroffer>> {
        self.candidate_read(actor, id, "counteroffer.read", counteroffers_of)
            .await
    }
}

pub(super) async fn offers_of(conn: &mut AnyConnection, id: i64) -> Result<Vec<Offer>> {
    sqlx::query(
        "SELECT o.id, o.candidate_id, o.revision, o.currency, o.base, o.bonus, o.sign_on, o.equity, \
         o.vesting_months, o.cliff_months, o.total_value, o.note, u.name AS created_by, o.created_at \
         FROM offers o JOIN users u ON u.id = o.created_by WHERE o.candidate_id = $1 ORDER BY o.revision",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(offer_from_row)
    .collect()
}

pub(super) async fn counteroffers_of(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Vec<Counteroffer>> {
    sqlx::query(counteroffer_select!(
        "WHERE o.candidate_id = $1 ORDER BY o.id"
    ))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(counteroffer_from_row)
    .collect()
}
