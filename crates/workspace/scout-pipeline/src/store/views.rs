//! Saved views: a member's named List search (topic or described role, and filters) or board
//! view (filters, and optionally a pinned selection of candidates).
//!
//! A view is its member's: private unless saved as shared, when every member sees it (and may
//! open it); only its member or an owner deletes it. Saving under a name the member already
//! uses for that kind replaces that view. Every save and delete is audited (`view.save`,
//! `view.delete`, with the view's id, kind and pinned ids — never its name or search text).
//!
//! What of a view concerns a candidate: the candidates a board view pins, and a board view's
//! text filter when it names them (a name search such as "Lovelace"). A List search names a
//! topic or a role, and the other board filters a tag, an owner or stages — none names a person.
//! The pins are a table of their own (`saved_view_candidates`): a candidate's export lists the
//! views that pin them or whose text filter names them, their erasure removes them from every
//! view and clears such text filters, and a view whose pins are all erased stays, pinning
//! nothing.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{AnyConnection, Row};

use super::audited::Entry;
use super::fields::{MAX_NAME, clean_tag, optional_lines, optional_text, required_text};
use super::handle::Store;
use super::load::check_user_exists;
use crate::error::{Error, Result};
use crate::model::{Actor, Role, ser_time};
use crate::stage::Stage;
use crate::time::now_ms;

/// The longest view name.
const MAX_VIEW_NAME: usize = 100;
/// The longest described role (the List's `MAX_LIST_TEXT_CHARS`).
const MAX_ROLE: usize = 20_000;

/// A List search as the List page holds it; empty strings are unset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListSearch {
    /// The topic searched (empty for a described role).
    #[serde(default)]
    pub topic: String,
    /// A described role's text: kept in the workspace database with the view, never in a link.
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub org: String,
    #[serde(default)]
    pub org_type: String,
    #[serde(default)]
    pub country: String,
    /// Career stage filter (`early`, `mid`, `senior`).
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub trained_at: String,
    #[serde(default)]
    pub worked_at: String,
    /// Papers since this year.
    #[serde(default)]
    pub since: Option<i32>,
    #[serde(default)]
    pub include_rejected: bool,
}

/// A board view's filters; empty means no filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BoardFilter {
    /// Only candidates with this tag.
    #[serde(default)]
    pub tag: String,
    /// Only candidates this member owns.
    #[serde(default)]
    pub owner_id: Option<i64>,
    /// Only these stages' columns.
    #[serde(default)]
    pub stages: Vec<Stage>,
    /// Only candidates whose name or source organisation contains this text.
    #[serde(default)]
    pub text: String,
    /// Only these candidates: a pinned selection (in their export; erasure removes the pin).
    #[serde(default)]
    pub candidate_ids: Vec<i64>,
}

/// What a view opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ViewSpec {
    List(ListSearch),
    Board(BoardFilter),
}

impl ViewSpec {
    fn kind(&self) -> &'static str {
        match self {
            ViewSpec::List(_) => "list",
            ViewSpec::Board(_) => "board",
        }
    }
}

/// A view to save.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewView {
    pub name: String,
    /// Every member sees a shared view; a private one only its member.
    #[serde(default)]
    pub shared: bool,
    pub view: ViewSpec,
}

/// A saved view as a member sees it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SavedView {
    pub id: i64,
    pub name: String,
    pub shared: bool,
    /// The member who saved it.
    pub member: String,
    /// Saved by the member asking.
    pub mine: bool,
    pub view: ViewSpec,
    #[serde(serialize_with = "ser_time")]
    #[schemars(with = "String")]
    pub created_at: i64,
}

/// A view that pins a candidate, for the candidate's export.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PinningView {
    pub view_id: i64,
    pub name: String,
    pub member: String,
    pub shared: bool,
    /// `pinned`, or `text filter` (the view's text filter names the candidate).
    pub why: String,
}

/// The view with its texts checked and trimmed (a pinned selection in order, without repeats).
fn checked(spec: &ViewSpec) -> Result<ViewSpec> {
    let text =
        |f: &str, v: &str, max| optional_text(f, Some(v), max).map(Option::unwrap_or_default);
    Ok(match spec {
        ViewSpec::List(s) => {
            let out = ListSearch {
                topic: text("topic", &s.topic, 500)?,
                role: optional_lines("role", Some(&s.role), MAX_ROLE)?.unwrap_or_default(),
                org: text("org", &s.org, MAX_NAME)?,
                org_type: text("org_type", &s.org_type, 40)?,
                country: text("country", &s.country, 40)?,
                stage: text("stage", &s.stage, 40)?,
                trained_at: text("trained_at", &s.trained_at, MAX_NAME)?,
                worked_at: text("worked_at", &s.worked_at, MAX_NAME)?,
                since: s.since,
                include_rejected: s.include_rejected,
            };
            if out.topic.is_empty() == out.role.is_empty() {
                return Err(Error::Invalid(
                    "a List view holds a topic or a described role (one of them)".into(),
                ));
            }
            ViewSpec::List(out)
        }
        ViewSpec::Board(f) => {
            let mut seen = std::collections::HashSet::new();
            let ids: Vec<i64> = f
                .candidate_ids
                .iter()
                .copied()
                .filter(|id| seen.insert(*id))
                .collect();
            if ids.len() > super::bulk::MAX_BULK {
                return Err(Error::Invalid(format!(
                    "a view pins at most {} candidates",
                    super::bulk::MAX_BULK
                )));
            }
            ViewSpec::Board(BoardFilter {
                tag: match f.tag.trim() {
                    "" => String::new(),
                    t => clean_tag(t)?,
                },
                owner_id: f.owner_id.filter(|o| *o != 0),
                stages: f.stages.clone(),
                text: text("text", &f.text, MAX_NAME)?,
                candidate_ids: ids,
            })
        }
    })
}

/// Refuses a pin on a candidate that does not exist, is erased, or was merged into another.
async fn check_pins(conn: &mut AnyConnection, ids: &[i64]) -> Result<()> {
    for &id in ids {
        let live: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM candidates WHERE id = $1 AND erased_at IS NULL AND merged_into IS NULL",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        if live.is_none() {
            return Err(Error::not_found("candidate", id));
        }
    }
    Ok(())
}

/// The pinned candidates of a view, in the order pinned.
async fn pins_of(conn: &mut AnyConnection, view: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT candidate_id FROM saved_view_candidates WHERE view_id = $1 ORDER BY position",
    )
    .bind(view)
    .fetch_all(&mut *conn)
    .await?)
}

impl Store {
    /// Saves a view under its name (replacing this member's view of that kind and name);
    /// audited. Returns the view and whether it replaced one.
    pub async fn save_view(&self, actor: &Actor, new: &NewView) -> Result<(SavedView, bool)> {
        let name = required_text("name", &new.name, MAX_VIEW_NAME)?;
        let mut spec = checked(&new.view)?;
        let pins = match &mut spec {
            ViewSpec::Board(f) => std::mem::take(&mut f.candidate_ids),
            ViewSpec::List(_) => Vec::new(),
        };
        let params =
            serde_json::to_string(&spec).map_err(|e| Error::Invalid(format!("view: {e}")))?;
        let kind = spec.kind();
        let now = now_ms();
        self.audited(&actor.name, async |tx| {
            if let ViewSpec::Board(BoardFilter {
                owner_id: Some(o), ..
            }) = &spec
            {
                check_user_exists(&mut tx.tx, *o).await?;
            }
            check_pins(&mut tx.tx, &pins).await?;
            let old: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM saved_views WHERE user_id = $1 AND kind = $2 AND name = $3",
            )
            .bind(actor.user_id)
            .bind(kind)
            .bind(&name)
            .fetch_optional(&mut *tx.tx)
            .await?;
            let id = match old {
                Some(id) => {
                    sqlx::query(
                        "UPDATE saved_views SET params = $2, shared = $3, created_at = $4 WHERE id = $1",
                    )
                    .bind(id)
                    .bind(&params)
                    .bind(i64::from(new.shared))
                    .bind(now)
                    .execute(&mut *tx.tx)
                    .await?;
                    sqlx::query("DELETE FROM saved_view_candidates WHERE view_id = $1")
                        .bind(id)
                        .execute(&mut *tx.tx)
                        .await?;
                    id
                }
                None => {
                    sqlx::query_scalar(
                        "INSERT INTO saved_views (user_id, kind, name, params, shared, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(actor.user_id)
                    .bind(kind)
                    .bind(&name)
                    .bind(&params)
                    .bind(i64::from(new.shared))
                    .bind(now)
                    .fetch_one(&mut *tx.tx)
                    .await?
                }
            };
            for (position, cid) in (0_i64..).zip(&pins) {
                sqlx::query(
                    "INSERT INTO saved_view_candidates (view_id, candidate_id, position) VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(*cid)
                .bind(position)
                .execute(&mut *tx.tx)
                .await?;
            }
            if let ViewSpec::Board(f) = &mut spec {
                f.candidate_ids = pins.clone();
            }
            let view = SavedView {
                id,
                name: name.clone(),
                shared: new.shared,
                member: actor.name.clone(),
                mine: true,
                view: spec.clone(),
                created_at: now,
            };
            let detail = json!({"view_id": id, "kind": kind, "shared": new.shared,
                                "replaced": old.is_some(), "pinned": pins});
            Ok(((view, old.is_some()), Entry::new("view.save", None, detail)))
        })
        .await
    }

    /// The views a member sees: their own and the shared ones, of one kind or all, by name.
    pub async fn views(&self, actor: &Actor, kind: Option<&str>) -> Result<Vec<SavedView>> {
        let mut conn = self.db.pool.acquire().await?;
        let rows = sqlx::query(
            "SELECT v.id, v.name, v.params, v.shared, v.user_id, u.name AS member, v.created_at \
             FROM saved_views v JOIN users u ON u.id = v.user_id \
             WHERE (v.user_id = $1 OR v.shared = 1) AND (CAST($2 AS TEXT) IS NULL OR v.kind = $2) \
             ORDER BY v.name, v.id",
        )
        .bind(actor.user_id)
        .bind(kind)
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let params: String = r.try_get("params")?;
            let mut view: ViewSpec = serde_json::from_str(&params)
                .map_err(|e| Error::Invalid(format!("stored view {id}: {e}")))?;
            if let ViewSpec::Board(f) = &mut view {
                f.candidate_ids = pins_of(&mut conn, id).await?;
            }
            out.push(SavedView {
                id,
                name: r.try_get("name")?,
                shared: r.try_get::<i64, _>("shared")? == 1,
                member: r.try_get("member")?,
                mine: r.try_get::<i64, _>("user_id")? == actor.user_id,
                view,
                created_at: r.try_get("created_at")?,
            });
        }
        Ok(out)
    }

    /// Deletes a view: its member's, or any (shared) view for an owner; audited. Another
    /// member's private view is not found; another member's shared view is refused.
    pub async fn delete_view(&self, actor: &Actor, id: i64) -> Result<()> {
        self.audited(&actor.name, async |tx| {
            let row = sqlx::query("SELECT user_id, shared, kind FROM saved_views WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx.tx)
                .await?;
            let Some(row) = row else {
                return Err(Error::not_found("view", id));
            };
            let (user, shared): (i64, i64) = (row.try_get("user_id")?, row.try_get("shared")?);
            let kind: String = row.try_get("kind")?;
            if user != actor.user_id {
                if shared == 0 {
                    return Err(Error::not_found("view", id));
                }
                if actor.role != Role::Owner {
                    return Err(Error::Forbidden(
                        "only the member who saved a shared view, or an owner, deletes it".into(),
                    ));
                }
            }
            let pins = pins_of(&mut tx.tx, id).await?;
            sqlx::query("DELETE FROM saved_view_candidates WHERE view_id = $1")
                .bind(id)
                .execute(&mut *tx.tx)
                .await?;
            sqlx::query("DELETE FROM saved_views WHERE id = $1")
                .bind(id)
                .execute(&mut *tx.tx)
                .await?;
            let detail = json!({"view_id": id, "kind": kind, "pinned": pins});
            Ok(((), Entry::new("view.delete", None, detail)))
        })
        .await
    }
}

/// The views pinning a candidate or whose text filter names them, for their export.
pub(super) async fn views_pinning(conn: &mut AnyConnection, id: i64) -> Result<Vec<PinningView>> {
    let rows = sqlx::query(
        "SELECT v.id, v.name, u.name AS member, v.shared FROM saved_view_candidates p \
         JOIN saved_views v ON v.id = p.view_id JOIN users u ON u.id = v.user_id \
         WHERE p.candidate_id = $1 ORDER BY v.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = rows
        .iter()
        .map(|r| {
            Ok(PinningView {
                view_id: r.try_get("id")?,
                name: r.try_get("name")?,
                member: r.try_get("member")?,
                shared: r.try_get::<i64, _>("shared")? == 1,
                why: "pinned".into(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    for (view_id, _) in views_naming(conn, id).await? {
        let r = sqlx::query(
            "SELECT v.name, u.name AS member, v.shared FROM saved_views v \
             JOIN users u ON u.id = v.user_id WHERE v.id = $1",
        )
        .bind(view_id)
        .fetch_one(&mut *conn)
        .await?;
        out.push(PinningView {
            view_id,
            name: r.try_get("name")?,
            member: r.try_get("member")?,
            shared: r.try_get::<i64, _>("shared")? == 1,
            why: "text filter".into(),
        });
    }
    Ok(out)
}

/// The board views whose text filter names the candidate (their name holds the filter's
/// words, or the filter holds their name or e-mail), with each view's filter.
async fn views_naming(conn: &mut AnyConnection, id: i64) -> Result<Vec<(i64, ViewSpec)>> {
    let person: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT name, email FROM candidates WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((name, email)) = person else {
        return Ok(Vec::new());
    };
    let name = scout_corpus::names::fold(&name);
    let email = email.map(|e| e.to_lowercase());
    let rows = sqlx::query("SELECT id, params FROM saved_views WHERE kind = 'board' ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        let params: String = r.try_get("params")?;
        let Ok(view) = serde_json::from_str::<ViewSpec>(&params) else {
            continue;
        };
        let ViewSpec::Board(f) = &view else { continue };
        let text = scout_corpus::names::fold(f.text.trim());
        if text.chars().count() < 2 {
            continue;
        }
        let names = name.contains(&text)
            || text.contains(&name)
            || email.as_deref().is_some_and(|e| text.contains(e));
        if names {
            out.push((r.try_get("id")?, view));
        }
    }
    Ok(out)
}

/// Clears the text filter of every board view that names an erased candidate, inside the
/// erasure's transaction (before the name is blanked); the number of views changed.
pub(super) async fn erase_view_text(conn: &mut AnyConnection, id: i64) -> Result<i64> {
    let naming = views_naming(conn, id).await?;
    for (view_id, mut view) in naming.iter().cloned() {
        if let ViewSpec::Board(f) = &mut view {
            f.text.clear();
        }
        let params =
            serde_json::to_string(&view).map_err(|e| Error::Invalid(format!("view: {e}")))?;
        sqlx::query("UPDATE saved_views SET params = $2 WHERE id = $1")
            .bind(view_id)
            .bind(params)
            .execute(&mut *conn)
            .await?;
    }
    Ok(i64::try_from(naming.len()).unwrap_or(i64::MAX))
}

/// Removes an erased candidate from every view that pins them, inside the erasure's
/// transaction; the number of pins removed.
pub(super) async fn erase_view_pins(conn: &mut AnyConnection, id: i64) -> Result<i64> {
    let n = sqlx::query("DELETE FROM saved_view_candidates WHERE candidate_id = $1")
        .bind(id)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(i64::try_from(n).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_view_holds_a_topic_or_a_role() {
        let topic = ViewSpec::List(ListSearch {
            topic: "  reasoning ".into(),
            ..Default::default()
        });
        assert_eq!(
            checked(&topic).expect("topic"),
            ViewSpec::List(ListSearch {
                topic: "reasoning".into(),
                ..Default::default()
            })
        );
        assert!(checked(&ViewSpec::List(ListSearch::default())).is_err());
        let both = ViewSpec::List(ListSearch {
            topic: "a".into(),
            role: "b".into(),
            ..Default::default()
        });
        assert!(checked(&both).is_err());
    }

    #[test]
    fn a_board_view_pins_distinct_ids_and_lowercases_its_tag() {
        let v = ViewSpec::Board(BoardFilter {
            tag: " LLM ".into(),
            owner_id: Some(0),
            candidate_ids: vec![5, 2, 5],
            ..Default::default()
        });
        let ViewSpec::Board(f) = checked(&v).expect("board") else {
            panic!("kind changed")
        };
        assert_eq!(f.tag, "llm");
        assert_eq!(f.owner_id, None);
        assert_eq!(f.candidate_ids, vec![5, 2]);
    }
}
