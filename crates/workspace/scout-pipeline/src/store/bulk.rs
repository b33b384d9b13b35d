//! Bulk work on many candidates at once: one action (move to a stage, add or remove a tag,
//! assign an owner) on a selection, and adding many researchers from the List.
//!
//! Each candidate is its own audited transaction, through the same operation a single change
//! uses (`move_stage`, `add_tag`, `remove_tag`, `update_candidate`, `create_candidate`), so the
//! transition table, the one-person-one-candidate rule, the tag hashing of the audit log and
//! each candidate's own audit entry are exactly those of a single change. The outcome is per
//! candidate: a refused transition is reported for that candidate and never rolls back the
//! others (not all-or-nothing: a selection of forty where one cannot move moves thirty-nine).
//! A closing `candidate.bulk` entry records the action, the ids and the counts — never a tag's
//! text, which the log only holds as a per-candidate keyed hash.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::fields::{MAX_NAME, clean_tag, optional_lines, optional_text, required_text};
use super::handle::Store;
use super::load::check_user_exists;
use crate::error::{Error, Result};
use crate::model::{Actor, Candidate, CandidatePatch, NewCandidate};
use crate::stage::Stage;

/// The most candidates (or researchers) one bulk request may name: the board's page.
pub const MAX_BULK: usize = 1000;

/// What to do to every selected candidate.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum BulkAction {
    /// Move to a stage, under the transition table (with an optional reason for the history).
    Move {
        to: Stage,
        #[serde(default)]
        reason: Option<String>,
    },
    /// Add a tag.
    AddTag { tag: String },
    /// Remove a tag.
    RemoveTag { tag: String },
    /// Make a member the owner; `null` (or `0`) clears the owner.
    Assign {
        #[serde(default)]
        owner_id: Option<i64>,
    },
}

impl BulkAction {
    fn name(&self) -> &'static str {
        match self {
            BulkAction::Move { .. } => "move",
            BulkAction::AddTag { .. } => "add_tag",
            BulkAction::RemoveTag { .. } => "remove_tag",
            BulkAction::Assign { .. } => "assign",
        }
    }
}

/// How the action went for one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BulkStatus {
    /// Applied.
    Done,
    /// Nothing to do: already in that stage, or without the tag to remove.
    Unchanged,
    /// Not applied, with the reason (a forbidden transition, a candidate not found).
    Refused,
}

/// One candidate's outcome.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BulkOutcome {
    pub id: i64,
    pub status: BulkStatus,
    /// Why it was unchanged or refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The candidate after the action (when it was applied).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidate: Option<Candidate>,
}

/// Every candidate's outcome, in the order asked, with the counts.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BulkReport {
    pub results: Vec<BulkOutcome>,
    pub done: usize,
    pub unchanged: usize,
    pub refused: usize,
}

/// A researcher to add from the List.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResearcherToAdd {
    /// The corpus's researcher key.
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub source_org: Option<String>,
}

/// How adding one researcher went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AddStatus {
    /// A new candidate (stage sourced).
    Added,
    /// Already a candidate (one person, one candidate): that candidate, unchanged.
    Held,
    /// Not added, with the reason.
    Refused,
}

/// One researcher's outcome.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AddOutcome {
    pub key: String,
    pub status: AddStatus,
    /// The candidate added, or the one already holding the researcher.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidate_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<Stage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Ids without repeats, in the order first given; refuses none or too many.
fn distinct_ids(ids: &[i64]) -> Result<Vec<i64>> {
    let mut seen = std::collections::HashSet::new();
    let out: Vec<i64> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
    if out.is_empty() {
        return Err(Error::Invalid("select at least one candidate".into()));
    }
    if out.len() > MAX_BULK {
        return Err(Error::Invalid(format!(
            "at most {MAX_BULK} candidates at once, not {}",
            out.len()
        )));
    }
    Ok(out)
}

/// The action with its inputs checked once, before any candidate is touched.
enum Checked {
    Move(Stage, Option<String>),
    AddTag(String),
    RemoveTag(String),
    Assign(i64),
}

/// A failed single change as one candidate's outcome: "nothing to do" is unchanged, a storage
/// failure is refused without its details (logged), everything else refused with its message.
fn outcome_of_error(id: i64, action: &Checked, e: Error) -> BulkOutcome {
    let (status, message) = match (&e, action) {
        (Error::IllegalMove { from, to, .. }, _) if from == to => {
            (BulkStatus::Unchanged, format!("already {to}"))
        }
        (Error::NotFound { what: "tag", .. }, Checked::RemoveTag(_)) => {
            (BulkStatus::Unchanged, "does not have the tag".to_string())
        }
        (Error::Db(_), _) => {
            eprintln!("warning: bulk action on candidate {id} failed: {e}");
            (
                BulkStatus::Refused,
                "storage error: not applied".to_string(),
            )
        }
        _ => (BulkStatus::Refused, e.to_string()),
    };
    BulkOutcome {
        id,
        status,
        message: Some(message),
        candidate: None,
    }
}

impl Store {
    /// Applies `action` to every candidate in `ids` (repeats once), each in its own audited
    /// transaction; the outcome per candidate, in order. Bad input (no ids, too many, an empty
    /// tag, an unknown owner) refuses the whole request before anything changes.
    pub async fn bulk_apply(
        &self,
        actor: &Actor,
        ids: &[i64],
        action: &BulkAction,
    ) -> Result<BulkReport> {
        let ids = distinct_ids(ids)?;
        let checked = match action {
            BulkAction::Move { to, reason } => {
                Checked::Move(*to, optional_lines("reason", reason.as_deref(), 2000)?)
            }
            BulkAction::AddTag { tag } => Checked::AddTag(clean_tag(tag)?),
            BulkAction::RemoveTag { tag } => Checked::RemoveTag(clean_tag(tag)?),
            BulkAction::Assign { owner_id } => {
                let o = owner_id.unwrap_or(0);
                if o != 0 {
                    let mut conn = self.db.pool.acquire().await?;
                    check_user_exists(&mut conn, o).await?;
                }
                Checked::Assign(o)
            }
        };
        let mut results = Vec::with_capacity(ids.len());
        for &id in &ids {
            let applied = match &checked {
                Checked::Move(to, reason) => {
                    self.move_stage(actor, id, *to, reason.as_deref()).await
                }
                Checked::AddTag(tag) => self.add_tag(actor, id, tag).await,
                Checked::RemoveTag(tag) => self.remove_tag(actor, id, tag).await,
                Checked::Assign(owner) => {
                    let patch = CandidatePatch {
                        owner_id: Some(*owner),
                        ..Default::default()
                    };
                    self.update_candidate(actor, id, &patch).await
                }
            };
            results.push(match applied {
                Ok(c) => BulkOutcome {
                    id,
                    status: BulkStatus::Done,
                    message: None,
                    candidate: Some(c),
                },
                Err(e) => outcome_of_error(id, &checked, e),
            });
        }
        let count = |s| results.iter().filter(|r| r.status == s).count();
        let report = BulkReport {
            done: count(BulkStatus::Done),
            unchanged: count(BulkStatus::Unchanged),
            refused: count(BulkStatus::Refused),
            results,
        };
        let mut detail = json!({
            "action": action.name(), "ids": ids,
            "done": report.done, "unchanged": report.unchanged, "refused": report.refused,
        });
        match &checked {
            Checked::Move(to, _) => detail["to"] = json!(to),
            Checked::Assign(o) => detail["owner_id"] = json!(o),
            // The tag's text stays out of the log (each candidate's entry has its keyed hash).
            Checked::AddTag(_) | Checked::RemoveTag(_) => {}
        }
        self.record(&actor.name, "candidate.bulk", detail).await?;
        Ok(report)
    }

    /// Adds many researchers as candidates (stage sourced, with `tags`), each in its own
    /// audited transaction. One person, one candidate: a researcher some candidate already
    /// holds — or named twice in the request — is reported as held by that candidate, never
    /// added again.
    pub async fn bulk_add(
        &self,
        actor: &Actor,
        researchers: &[ResearcherToAdd],
        tags: &[String],
    ) -> Result<Vec<AddOutcome>> {
        if researchers.is_empty() {
            return Err(Error::Invalid("select at least one researcher".into()));
        }
        if researchers.len() > MAX_BULK {
            return Err(Error::Invalid(format!(
                "at most {MAX_BULK} researchers at once, not {}",
                researchers.len()
            )));
        }
        let tags = tags
            .iter()
            .map(|t| clean_tag(t))
            .collect::<Result<Vec<_>>>()?;
        for r in researchers {
            required_text("key", &r.key, 300)?;
            required_text("name", &r.name, MAX_NAME)?;
            optional_text("source_org", r.source_org.as_deref(), 300)?;
        }
        let mut out = Vec::with_capacity(researchers.len());
        let mut added = 0_usize;
        for r in researchers {
            let key = r.key.trim().to_string();
            if let Some((id, stage)) = self.holder_of(&key).await? {
                out.push(AddOutcome {
                    key,
                    status: AddStatus::Held,
                    candidate_id: Some(id),
                    stage: Some(stage),
                    message: Some(format!("already candidate #{id} ({stage})")),
                });
                continue;
            }
            let new = NewCandidate {
                name: r.name.clone(),
                researcher_key: Some(key.clone()),
                source_org: r.source_org.clone(),
                tags: tags.clone(),
                ..Default::default()
            };
            out.push(match self.create_candidate(actor, &new).await {
                Ok(c) => {
                    added += 1;
                    AddOutcome {
                        key,
                        status: AddStatus::Added,
                        candidate_id: Some(c.id),
                        stage: Some(c.stage),
                        message: None,
                    }
                }
                // Taken between the check and the insert: held, by whom the rule names.
                Err(Error::Conflict(m)) => {
                    let holder = self.holder_of(&key).await?;
                    AddOutcome {
                        key,
                        status: AddStatus::Held,
                        candidate_id: holder.map(|h| h.0),
                        stage: holder.map(|h| h.1),
                        message: Some(m),
                    }
                }
                Err(e @ Error::Db(_)) => return Err(e),
                Err(e) => AddOutcome {
                    key,
                    status: AddStatus::Refused,
                    candidate_id: None,
                    stage: None,
                    message: Some(e.to_string()),
                },
            });
        }
        let held = out.iter().filter(|o| o.status == AddStatus::Held).count();
        self.record(
            &actor.name,
            "candidate.bulk_add",
            json!({"asked": researchers.len(), "added": added, "held": held,
                   "ids": out.iter().filter(|o| o.status == AddStatus::Added).filter_map(|o| o.candidate_id).collect::<Vec<_>>()}),
        )
        .await?;
        Ok(out)
    }

    /// The live candidate holding a researcher key (the oldest), with its stage.
    async fn holder_of(&self, key: &str) -> Result<Option<(i64, Stage)>> {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT id, stage FROM candidates WHERE researcher_key = $1 AND erased_at IS NULL \
             ORDER BY id LIMIT 1",
        )
        .bind(key)
        .fetch_optional(&self.db.pool)
        .await?;
        row.map(|(id, stage)| {
            stage
                .parse::<Stage>()
                .map(|s| (id, s))
                .map_err(|_| Error::Invalid(format!("stored stage {stage:?} of candidate {id}")))
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_distinct_in_order_and_bounded() {
        assert_eq!(distinct_ids(&[3, 1, 3, 2, 1]).expect("ids"), vec![3, 1, 2]);
        assert!(distinct_ids(&[]).is_err());
        let many: Vec<i64> = (0..=MAX_BULK as i64).collect();
        assert!(distinct_ids(&many).is_err());
        assert_eq!(
            distinct_ids(&many[..MAX_BULK]).expect("ids").len(),
            MAX_BULK
        );
    }

    #[test]
    fn nothing_to_do_is_unchanged_and_a_forbidden_move_refused() {
        let to = Stage::Finalist;
        let same = Error::IllegalMove {
            from: to,
            to,
            allowed: String::new(),
        };
        let o = outcome_of_error(1, &Checked::Move(to, None), same);
        assert_eq!(o.status, BulkStatus::Unchanged);
        let other = Error::IllegalMove {
            from: Stage::Accepted,
            to,
            allowed: "nothing (final stage)".into(),
        };
        let o = outcome_of_error(2, &Checked::Move(to, None), other);
        assert_eq!(o.status, BulkStatus::Refused);
        assert!(o.message.is_some_and(|m| m.contains("final stage")));
        let no_tag = Error::not_found("tag", "x");
        let o = outcome_of_error(3, &Checked::RemoveTag("x".into()), no_tag);
        assert_eq!(o.status, BulkStatus::Unchanged);
        let gone = Error::not_found("candidate", 4);
        let o = outcome_of_error(4, &Checked::RemoveTag("x".into()), gone);
        assert_eq!(o.status, BulkStatus::Refused);
    }
}
