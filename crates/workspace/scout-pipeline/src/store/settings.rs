//! The workspace's settings for outreach: our lab's name and pitch, the organisation our people
//! appear under in the corpus (warm introduction paths start from them), our topics, and the
//! rival organisations the move radar watches for. One
//! row; owners change it, every change audited.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::audited::Entry;
use super::fields::{MAX_NAME, optional_lines, optional_text};
use super::handle::Store;
use crate::error::Result;
use crate::model::{Actor, ser_time};
use crate::time::now_ms;

/// Longest pitch (a paragraph or two).
const MAX_PITCH: usize = 2_000;
/// Longest list of rival organisations.
const MAX_RIVALS: usize = 4_000;

/// The settings; empty strings are unset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceSettings {
    /// Our lab's name, as drafts sign it.
    #[serde(default)]
    pub lab: String,
    /// A sentence or two on what we work on and offer, for drafts.
    #[serde(default)]
    pub pitch: String,
    /// The organisation our people appear under in the corpus (warm paths start there).
    #[serde(default)]
    pub our_org: String,
    /// Our topics, comma-separated: drafts cite the candidate's papers on them.
    #[serde(default)]
    pub topics: String,
    /// Rival organisations, one per line: a watched researcher's first paper with someone
    /// there raises an alert.
    #[serde(default)]
    pub rivals: String,
}

impl WorkspaceSettings {
    /// The rival organisations named, one per line.
    pub fn rival_list(&self) -> Vec<String> {
        self.rivals
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// The settings with who changed them last.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct StoredSettings {
    #[serde(flatten)]
    pub settings: WorkspaceSettings,
    pub updated_by: Option<String>,
    #[serde(serialize_with = "ser_time")]
    #[schemars(with = "String")]
    pub updated_at: i64,
}

impl Store {
    /// The workspace settings.
    pub async fn settings(&self) -> Result<StoredSettings> {
        let r = sqlx::query(
            "SELECT s.lab, s.pitch, s.our_org, s.topics, s.rivals, u.name AS updated_by, s.updated_at \
             FROM workspace_settings s LEFT JOIN users u ON u.id = s.updated_by WHERE s.id = 1",
        )
        .fetch_one(&self.db.pool)
        .await?;
        Ok(StoredSettings {
            settings: WorkspaceSettings {
                lab: r.try_get("lab")?,
                pitch: r.try_get("pitch")?,
                our_org: r.try_get("our_org")?,
                topics: r.try_get("topics")?,
                rivals: r.try_get("rivals")?,
            },
            updated_by: r.try_get("updated_by")?,
            updated_at: r.try_get("updated_at")?,
        })
    }

    /// Replaces the settings (owners), audited with the values set.
    pub async fn set_settings(
        &self,
        actor: &Actor,
        new: &WorkspaceSettings,
    ) -> Result<StoredSettings> {
        let clean = WorkspaceSettings {
            lab: optional_text("lab", Some(&new.lab), MAX_NAME)?.unwrap_or_default(),
            pitch: optional_lines("pitch", Some(&new.pitch), MAX_PITCH)?.unwrap_or_default(),
            our_org: optional_text("our_org", Some(&new.our_org), MAX_NAME)?.unwrap_or_default(),
            topics: optional_text("topics", Some(&new.topics), MAX_NAME)?.unwrap_or_default(),
            rivals: optional_lines("rivals", Some(&new.rivals), MAX_RIVALS)?.unwrap_or_default(),
        };
        let now = now_ms();
        self.audited(&actor.name, async |tx| {
            sqlx::query(
                "UPDATE workspace_settings SET lab = $1, pitch = $2, our_org = $3, topics = $4, \
                 rivals = $5, updated_by = $6, updated_at = $7 WHERE id = 1",
            )
            .bind(&clean.lab)
            .bind(&clean.pitch)
            .bind(&clean.our_org)
            .bind(&clean.topics)
            .bind(&clean.rivals)
            .bind(actor.user_id)
            .bind(now)
            .execute(&mut *tx.tx)
            .await?;
            let detail = json!({"lab": clean.lab, "our_org": clean.our_org, "topics": clean.topics,
                                "rivals": clean.rival_list(),
                                "pitch_chars": clean.pitch.chars().count()});
            Ok((
                StoredSettings {
                    settings: clean.clone(),
                    updated_by: Some(actor.name.clone()),
                    updated_at: now,
                },
                Entry::new("settings.update", None, detail),
            ))
        })
        .await
    }
}
