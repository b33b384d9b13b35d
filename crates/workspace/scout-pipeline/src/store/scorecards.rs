//! Structured interviews: per-stage scorecard templates (the attributes a member rates 1–4,
//! edited by owners) and the members' scorecards. A member sees the other members' scorecards
//! for a candidate's stage, and their averages, only once their own for that stage is in, so
//! nobody anchors on someone else's ratings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{AnyConnection, Row};

use super::audited::Entry;
use super::fields::{MAX_TEXT, optional_lines, required_text};
use super::handle::Store;
use super::load::load_candidate;
use crate::error::{Error, Result};
use crate::model::{Actor, ser_time};
use crate::stage::Stage;
use crate::time::now_ms;

/// Most attributes on one template.
const MAX_ATTRIBUTES: usize = 12;
/// Longest attribute name.
const MAX_ATTRIBUTE: usize = 60;

/// The attributes a stage's scorecard rates.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ScorecardTemplate {
    pub stage: Stage,
    pub attributes: Vec<String>,
}

/// A member's scorecard for one candidate at one stage.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Scorecard {
    pub id: i64,
    pub candidate_id: i64,
    pub stage: Stage,
    pub author: String,
    /// Attribute → rating, 1 (poor) to 4 (excellent).
    pub ratings: BTreeMap<String, i64>,
    pub notes: Option<String>,
    #[serde(serialize_with = "ser_time")]
    #[schemars(with = "String")]
    pub submitted_at: i64,
}

/// A scorecard being submitted.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewScorecard {
    pub stage: Stage,
    /// Every attribute of the stage's template, each rated 1 (poor) to 4 (excellent).
    pub ratings: BTreeMap<String, i64>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// The mean rating of one attribute over the submitted scorecards.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AttributeAverage {
    pub attribute: String,
    pub mean: f64,
    pub ratings: i64,
}

/// One stage's scorecards of a candidate as the asking member may see them.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct StageScorecards {
    pub stage: Stage,
    /// The template's attributes (empty when the stage has no template any more).
    pub attributes: Vec<String>,
    /// How many members have submitted.
    pub submitted: i64,
    /// The asking member's own scorecard.
    pub mine: Option<Scorecard>,
    /// The other members' scorecards: empty until the asking member has submitted theirs.
    pub others: Vec<Scorecard>,
    /// Whether others' scorecards exist but stay hidden (the asking member has not submitted).
    pub hidden: bool,
    /// Mean per attribute over all submitted scorecards: empty while hidden.
    pub averages: Vec<AttributeAverage>,
}

fn parse_attributes(text: &str) -> Result<Vec<String>> {
    serde_json::from_str(text)
        .map_err(|e| Error::Invalid(format!("stored scorecard template is not a list: {e}")))
}

/// The template rows, stage → attributes.
async fn templates_of(conn: &mut AnyConnection) -> Result<BTreeMap<Stage, Vec<String>>> {
    let rows = sqlx::query("SELECT stage, attributes FROM scorecard_templates")
        .fetch_all(&mut *conn)
        .await?;
    let mut out = BTreeMap::new();
    for r in rows {
        let stage: String = r.try_get("stage")?;
        let stage: Stage = stage
            .parse()
            .map_err(|_| Error::Invalid(format!("unknown stored stage {stage:?}")))?;
        out.insert(
            stage,
            parse_attributes(&r.try_get::<String, _>("attributes")?)?,
        );
    }
    Ok(out)
}

/// Every scorecard of a candidate, oldest first.
pub(super) async fn scorecards_of(conn: &mut AnyConnection, id: i64) -> Result<Vec<Scorecard>> {
    let rows = sqlx::query(
        "SELECT s.id, s.candidate_id, s.stage, u.name AS author, s.ratings, s.notes, s.submitted_at \
         FROM scorecards s JOIN users u ON u.id = s.author_id WHERE s.candidate_id = $1 ORDER BY s.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let stage: String = r.try_get("stage")?;
            let ratings: String = r.try_get("ratings")?;
            Ok(Scorecard {
                id: r.try_get("id")?,
                candidate_id: r.try_get("candidate_id")?,
                stage: stage
                    .parse()
                    .map_err(|_| Error::Invalid(format!("unknown stored stage {stage:?}")))?,
                author: r.try_get("author")?,
                ratings: serde_json::from_str(&ratings).map_err(|e| {
                    Error::Invalid(format!("stored scorecard ratings unreadable: {e}"))
                })?,
                notes: r.try_get("notes")?,
                submitted_at: r.try_get("submitted_at")?,
            })
        })
        .collect()
}

/// Checks a template's attributes: 1–12 distinct names (case-insensitive), each one line.
fn clean_attributes(attributes: &[String]) -> Result<Vec<String>> {
    if attributes.len() > MAX_ATTRIBUTES {
        return Err(Error::Invalid(format!(
            "a scorecard rates at most {MAX_ATTRIBUTES} attributes, not {}",
            attributes.len()
        )));
    }
    let mut out: Vec<String> = Vec::with_capacity(attributes.len());
    for a in attributes {
        let a = required_text("attribute", a, MAX_ATTRIBUTE)?;
        if out.iter().any(|b| b.eq_ignore_ascii_case(&a)) {
            return Err(Error::Invalid(format!("attribute {a:?} is listed twice")));
        }
        out.push(a);
    }
    Ok(out)
}

/// Checks that `ratings` rates exactly `attributes`, each 1–4.
fn check_ratings(attributes: &[String], ratings: &BTreeMap<String, i64>) -> Result<()> {
    if let Some(extra) = ratings.keys().find(|k| !attributes.contains(k)) {
        return Err(Error::Invalid(format!(
            "{extra:?} is not an attribute of this scorecard ({})",
            attributes.join(", ")
        )));
    }
    if let Some(missing) = attributes.iter().find(|a| !ratings.contains_key(*a)) {
        return Err(Error::Invalid(format!("rate {missing:?} too (1–4)")));
    }
    if let Some((a, r)) = ratings.iter().find(|(_, r)| !(1..=4).contains(*r)) {
        return Err(Error::Invalid(format!(
            "ratings run from 1 to 4; {a:?} has {r}"
        )));
    }
    Ok(())
}

impl Store {
    /// Every stage's scorecard template, in funnel order.
    pub async fn scorecard_templates(&self) -> Result<Vec<ScorecardTemplate>> {
        let mut conn = self.db.pool.acquire().await?;
        Ok(templates_of(&mut conn)
            .await?
            .into_iter()
            .map(|(stage, attributes)| ScorecardTemplate { stage, attributes })
            .collect())
    }

    /// Sets a stage's template (owners); an empty list removes it. Scorecards already
    /// submitted keep their ratings.
    pub async fn set_scorecard_template(
        &self,
        actor: &Actor,
        stage: Stage,
        attributes: &[String],
    ) -> Result<ScorecardTemplate> {
        if stage.is_outcome() {
            return Err(Error::Invalid(format!(
                "{stage} is an outcome, not a stage with interviews"
            )));
        }
        let attributes = clean_attributes(attributes)?;
        let text = serde_json::to_string(&attributes)
            .map_err(|e| Error::Invalid(format!("attributes: {e}")))?;
        let now = now_ms();
        self.audited(&actor.name, async |tx| {
            sqlx::query("DELETE FROM scorecard_templates WHERE stage = $1")
                .bind(stage.as_str())
                .execute(&mut *tx.tx)
                .await?;
            if !attributes.is_empty() {
                sqlx::query(
                    "INSERT INTO scorecard_templates (stage, attributes, updated_by, updated_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(stage.as_str())
                .bind(&text)
                .bind(actor.user_id)
                .bind(now)
                .execute(&mut *tx.tx)
                .await?;
            }
            let detail = json!({"stage": stage.as_str(), "attributes": attributes});
            Ok((
                ScorecardTemplate {
                    stage,
                    attributes: attributes.clone(),
                },
                Entry::new("scorecard.template", None, detail),
            ))
        })
        .await
    }

    /// Submits the member's scorecard for a candidate's stage: once (409 on a second), rating
    /// every attribute of the stage's template.
    pub async fn submit_scorecard(
        &self,
        actor: &Actor,
        id: i64,
        new: &NewScorecard,
    ) -> Result<Scorecard> {
        let notes = optional_lines("notes", new.notes.as_deref(), MAX_TEXT)?;
        let now = now_ms();
        self.audited(&actor.name, async |tx| {
            load_candidate(&mut tx.tx, id, false).await?;
            let templates = templates_of(&mut tx.tx).await?;
            let Some(attributes) = templates.get(&new.stage) else {
                return Err(Error::Invalid(format!(
                    "the {} stage has no scorecard template (owners set one)",
                    new.stage
                )));
            };
            check_ratings(attributes, &new.ratings)?;
            let done: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM scorecards WHERE candidate_id = $1 AND stage = $2 AND author_id = $3",
            )
            .bind(id)
            .bind(new.stage.as_str())
            .bind(actor.user_id)
            .fetch_one(&mut *tx.tx)
            .await?;
            if done > 0 {
                return Err(Error::Conflict(format!(
                    "you have already submitted your scorecard for the {} stage",
                    new.stage
                )));
            }
            let ratings = serde_json::to_string(&new.ratings)
                .map_err(|e| Error::Invalid(format!("ratings: {e}")))?;
            let sid: i64 = sqlx::query_scalar(
                "INSERT INTO scorecards (candidate_id, stage, author_id, ratings, notes, submitted_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(id)
            .bind(new.stage.as_str())
            .bind(actor.user_id)
            .bind(&ratings)
            .bind(&notes)
            .bind(now)
            .fetch_one(&mut *tx.tx)
            .await?;
            let card = Scorecard {
                id: sid,
                candidate_id: id,
                stage: new.stage,
                author: actor.name.clone(),
                ratings: new.ratings.clone(),
                notes: notes.clone(),
                submitted_at: now,
            };
            let detail = json!({"scorecard_id": sid, "stage": new.stage.as_str()});
            Ok((card, Entry::new("scorecard.submit", Some(id), detail)))
        })
        .await
    }

    /// A candidate's scorecards by stage as `actor` may see them (others' hidden until the
    /// actor's own for that stage is in).
    pub async fn scorecards(&self, actor: &Actor, id: i64) -> Result<Vec<StageScorecards>> {
        let user = actor.user_id;
        self.candidate_read(actor, id, "scorecard.read", async |conn, id| {
            visible_scorecards(conn, user, id).await
        })
        .await
    }
}

/// A candidate's scorecards by stage as member `user` may see them (others' hidden until the
/// member's own for that stage is in); the caller audits the read.
pub(crate) async fn visible_scorecards(
    conn: &mut AnyConnection,
    user: i64,
    id: i64,
) -> Result<Vec<StageScorecards>> {
    let templates = templates_of(conn).await?;
    let cards = scorecards_of(conn, id).await?;
    let author_ids: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, author_id FROM scorecards WHERE candidate_id = $1")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    let mine_ids: Vec<i64> = author_ids
        .iter()
        .filter(|(_, a)| *a == user)
        .map(|(s, _)| *s)
        .collect();
    let mut stages: Vec<Stage> = templates.keys().copied().collect();
    for c in &cards {
        if !stages.contains(&c.stage) {
            stages.push(c.stage);
        }
    }
    stages.sort();
    Ok(stages
        .into_iter()
        .map(|stage| {
            let of_stage: Vec<&Scorecard> = cards.iter().filter(|c| c.stage == stage).collect();
            let mine = of_stage.iter().find(|c| mine_ids.contains(&c.id)).copied();
            let open = mine.is_some();
            let attributes = templates.get(&stage).cloned().unwrap_or_default();
            let averages = if open {
                averages(&attributes, &of_stage)
            } else {
                Vec::new()
            };
            StageScorecards {
                stage,
                submitted: of_stage.len() as i64,
                others: if open {
                    of_stage
                        .iter()
                        .filter(|c| !mine_ids.contains(&c.id))
                        .map(|c| (*c).clone())
                        .collect()
                } else {
                    Vec::new()
                },
                hidden: !open && !of_stage.is_empty(),
                mine: mine.cloned(),
                averages,
                attributes,
            }
        })
        .collect())
}

/// Mean per attribute over `cards` (the template's attributes first, then any others rated).
fn averages(attributes: &[String], cards: &[&Scorecard]) -> Vec<AttributeAverage> {
    let mut names: Vec<String> = attributes.to_vec();
    for c in cards {
        for k in c.ratings.keys() {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
    }
    names
        .into_iter()
        .filter_map(|attribute| {
            let rated: Vec<i64> = cards
                .iter()
                .filter_map(|c| c.ratings.get(&attribute).copied())
                .collect();
            (!rated.is_empty()).then(|| AttributeAverage {
                mean: rated.iter().sum::<i64>() as f64 / rated.len() as f64,
                ratings: rated.len() as i64,
                attribute,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn ratings_must_cover_the_template_within_one_to_four() {
        let a = attrs(&["depth", "fit"]);
        let ok: BTreeMap<String, i64> = [("depth".into(), 4), ("fit".into(), 1)].into();
        assert!(check_ratings(&a, &ok).is_ok());
        let missing: BTreeMap<String, i64> = [("depth".into(), 3)].into();
        assert!(check_ratings(&a, &missing).is_err());
        let extra: BTreeMap<String, i64> =
            [("depth".into(), 3), ("fit".into(), 3), ("charm".into(), 2)].into();
        assert!(check_ratings(&a, &extra).is_err());
        let out_of_range: BTreeMap<String, i64> = [("depth".into(), 5), ("fit".into(), 0)].into();
        assert!(check_ratings(&a, &out_of_range).is_err());
    }

    #[test]
    fn template_attributes_are_distinct_and_bounded() {
        assert_eq!(
            clean_attributes(&attrs(&[" depth ", "fit"])).expect("ok"),
            attrs(&["depth", "fit"])
        );
        assert!(clean_attributes(&attrs(&["Fit", "fit"])).is_err());
        assert!(clean_attributes(&attrs(&[""])).is_err());
        let many: Vec<String> = (0..13).map(|i| format!("a{i}")).collect();
        assert!(clean_attributes(&many).is_err());
    }
}
