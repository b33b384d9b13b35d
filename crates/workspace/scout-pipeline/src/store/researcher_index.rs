//! Which researchers are in the pipeline: for every active candidate linked to a researcher,
//! the candidate, its stage and its owner — what the List, profiles, the co-author graph and the
//! organisations page show beside a researcher ("in pipeline · stage · owner").

use serde_json::json;

use super::audited::Entry;
use super::handle::Store;
use crate::error::Result;
use crate::model::Actor;

/// One researcher's candidate.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct PipelineMark {
    pub researcher_key: String,
    pub candidate_id: i64,
    pub stage: String,
    /// The owner's user name; `None` when nobody owns the candidate.
    pub owner: Option<String>,
}

impl Store {
    /// Every active candidate linked to a researcher, by key (audited as a read of the list).
    pub async fn pipeline_marks(&self, actor: &Actor) -> Result<Vec<PipelineMark>> {
        self.audited(&actor.name, async |tx| {
            let marks: Vec<PipelineMark> = sqlx::query_as(
                "SELECT c.researcher_key, c.id AS candidate_id, c.stage, u.name AS owner \
                 FROM candidates c LEFT JOIN users u ON u.id = c.owner_id \
                 WHERE c.erased_at IS NULL AND c.merged_into IS NULL \
                 AND c.researcher_key IS NOT NULL ORDER BY c.researcher_key, c.id",
            )
            .fetch_all(&mut *tx.tx)
            .await?;
            let detail = json!({"candidates": marks.len()});
            Ok((marks, Entry::new("candidate.marks", None, detail)))
        })
        .await
    }
}
