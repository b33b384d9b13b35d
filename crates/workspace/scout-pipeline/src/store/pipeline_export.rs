//! The whole-pipeline export a committee downloads: every candidate (not erased) with stage,
//! owner and tags, and — for owners only — the latest offer and the counteroffers. Read in one
//! transaction together with its audit entry, like every other read of candidates.

use serde::Serialize;
use serde_json::json;
use sqlx::{FromRow, Row};

use super::audited::Entry;
use super::handle::Store;
use super::load::cand_cols;
use super::rows::{counteroffer_from_row, counteroffer_select, offer_from_row};
use crate::error::Result;
use crate::model::{Actor, Candidate, Counteroffer, Offer, Role};
use crate::time::now_ms;

/// Candidates read per query (the export reports progress after each page).
const PAGE: i64 = 500;

/// One exported candidate.
#[derive(Debug, Clone, Serialize)]
pub struct ExportedCandidate {
    #[serde(flatten)]
    pub candidate: Candidate,
    /// The owning user's name.
    pub owner: Option<String>,
    /// Present only in an owner's export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compensation: Option<ExportedCompensation>,
}

/// A candidate's compensation, in an owner's export.
#[derive(Debug, Clone, Serialize)]
pub struct ExportedCompensation {
    pub latest_offer: Option<Offer>,
    pub counteroffers: Vec<Counteroffer>,
}

/// The export: candidates in id order.
#[derive(Debug, Clone, Serialize)]
pub struct PipelineExport {
    /// Whether compensation was included (the actor is an owner).
    pub compensation_included: bool,
    pub exported_by: String,
    #[serde(serialize_with = "crate::model::ser_time")]
    pub exported_at: i64,
    pub candidates: Vec<ExportedCandidate>,
}

impl Store {
    /// Every candidate that is not erased, with owner name and tags; owners also get offers
    /// and counteroffers. `progress(done, total)` is called after each page of candidates.
    /// Audited as one `pipeline.export` entry naming the candidates.
    pub async fn export_pipeline(
        &self,
        actor: &Actor,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<PipelineExport> {
        let with_compensation = actor.role == Role::Owner;
        self.audited(&actor.name, async |tx| {
            let total: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM candidates WHERE erased_at IS NULL AND merged_into IS NULL")
                    .fetch_one(&mut *tx.tx)
                    .await?;
            let total = u64::try_from(total).unwrap_or(0);
            progress(0, total);
            let mut out: Vec<ExportedCandidate> = Vec::new();
            let mut after = 0i64;
            loop {
                let rows = sqlx::query(concat!(
                    "SELECT ",
                    cand_cols!(),
                    ", u.name AS owner_name FROM candidates c LEFT JOIN users u ON u.id = c.owner_id \
                     WHERE c.erased_at IS NULL AND c.merged_into IS NULL AND c.id > $1 \
                     ORDER BY c.id LIMIT $2"
                ))
                .bind(after)
                .bind(PAGE)
                .fetch_all(&mut *tx.tx)
                .await?;
                let Some(last) = rows.last() else { break };
                after = last.try_get("id")?;
                let first = out.len();
                for r in &rows {
                    out.push(ExportedCandidate {
                        candidate: Candidate::from_row(r)?,
                        owner: r.try_get("owner_name")?,
                        compensation: with_compensation.then(|| ExportedCompensation {
                            latest_offer: None,
                            counteroffers: Vec::new(),
                        }),
                    });
                }
                let lo = out[first].candidate.id;
                let page = &mut out[first..];
                let position = |page: &[ExportedCandidate], id: i64| {
                    page.binary_search_by_key(&id, |c| c.candidate.id).ok()
                };
                let tags = sqlx::query(
                    "SELECT candidate_id, tag FROM candidate_tags WHERE candidate_id BETWEEN $1 AND $2 \
                     ORDER BY candidate_id, tag",
                )
                .bind(lo)
                .bind(after)
                .fetch_all(&mut *tx.tx)
                .await?;
                for r in &tags {
                    if let Some(i) = position(page, r.try_get("candidate_id")?) {
                        page[i].candidate.tags.push(r.try_get("tag")?);
                    }
                }
                if with_compensation {
                    let offers = sqlx::query(
                        "SELECT o.id, o.candidate_id, o.revision, o.currency, o.base, o.bonus, o.sign_on, o.equity, \
                         o.vesting_months, o.cliff_months, o.total_value, o.note, u.name AS created_by, o.created_at \
                         FROM offers o JOIN users u ON u.id = o.created_by \
                         WHERE o.candidate_id BETWEEN $1 AND $2 ORDER BY o.candidate_id, o.revision",
                    )
                    .bind(lo)
                    .bind(after)
                    .fetch_all(&mut *tx.tx)
                    .await?;
                    for r in &offers {
                        let offer = offer_from_row(r)?;
                        if let Some(i) = position(page, offer.candidate_id)
                            && let Some(comp) = page[i].compensation.as_mut()
                        {
                            // Revisions come in order: the last one read is the latest.
                            comp.latest_offer = Some(offer);
                        }
                    }
                    let counters = sqlx::query(counteroffer_select!(
                        "WHERE o.candidate_id BETWEEN $1 AND $2 ORDER BY o.candidate_id, o.id"
                    ))
                    .bind(lo)
                    .bind(after)
                    .fetch_all(&mut *tx.tx)
                    .await?;
                    for r in &counters {
                        let counter = counteroffer_from_row(r)?;
                        if let Some(i) = position(page, counter.candidate_id)
                            && let Some(comp) = page[i].compensation.as_mut()
                        {
                            comp.counteroffers.push(counter);
                        }
                    }
                }
                progress(out.len() as u64, total.max(out.len() as u64));
                if (rows.len() as i64) < PAGE {
                    break;
                }
            }
            let ids: Vec<i64> = out.iter().map(|c| c.candidate.id).collect();
            let detail = json!({"candidates": ids.len(), "ids": ids, "compensation": with_compensation});
            Ok((out, Entry::new("pipeline.export", None, detail)))
        })
        .await
        .map(|candidates| PipelineExport {
            compensation_included: with_compensation,
            exported_by: actor.name.clone(),
            exported_at: now_ms(),
            candidates,
        })
    }
}
