//! Candidates: creating, listing and editing them, stage moves under the transition table (with
//! their history), tags, notes, and the export of everything held about one person.

use serde_json::json;
use sqlx::{AnyConnection, Row};

use super::audited::Entry;
use super::erasure;
use super::fields::{
    MAX_NAME, MAX_TEXT, career_stage, clean_tag, optional_lines, optional_text, required_lines,
    required_text,
};
use super::handle::Store;
use super::load::{cand_cols, check_user_exists, load_candidate};
use super::name_match::compatible_names;
use crate::error::{Error, Result};
use crate::model::*;
use crate::stage::Stage;
use crate::time::now_ms;

/// The `FROM … WHERE … ORDER BY … LIMIT` of the candidate list: stage, owner and tag filters
/// (each `NULL` for none), then the page.
macro_rules! cand_filter {
    () => {
        " FROM candidates c WHERE c.erased_at IS NULL AND c.merged_into IS NULL \
          AND (CAST($1 AS TEXT) IS NULL OR c.stage = $1) \
          AND (CAST($2 AS BIGINT) IS NULL OR c.owner_id = $2) \
          AND (CAST($3 AS TEXT) IS NULL OR EXISTS \
               (SELECT 1 FROM candidate_tags t WHERE t.candidate_id = c.id AND t.tag = $3)) \
          ORDER BY c.id LIMIT $4 OFFSET $5"
    };
}

impl Store {
    pub async fn create_candidate(&self, actor: &Actor, new: &NewCandidate) -> Result<Candidate> {
        let name = required_text("name", &new.name, MAX_NAME)?;
        let email = crate::text::email(new.email.as_deref())?;
        let key = optional_text("researcher_key", new.researcher_key.as_deref(), 300)?;
        let org = optional_text("source_org", new.source_org.as_deref(), 300)?;
        let stage_override = career_stage(new.career_stage.as_deref())?;
        let tags = new
            .tags
            .iter()
            .map(|t| clean_tag(t))
            .collect::<Result<Vec<_>>>()?;
        let now = now_ms();
        self.audited(&actor.name, async |tx| {
            if let Some(owner) = new.owner_id {
                check_user_exists(&mut tx.tx, owner).await?;
            }
            if let Some(k) = &key {
                one_candidate_per_researcher(&mut tx.tx, k, None).await?;
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO candidates (name, email, researcher_key, source_org, stage, owner_id, \
                 stage_entered_at, created_at, updated_at, career_stage) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7, $8) RETURNING id",
            )
            .bind(&name)
            .bind(email)
            .bind(key)
            .bind(org)
            .bind(Stage::Sourced.as_str())
            .bind(new.owner_id)
            .bind(now)
            .bind(stage_override)
            .fetch_one(&mut *tx.tx)
            .await?;
            sqlx::query(
                "INSERT INTO stage_history (candidate_id, from_stage, to_stage, reason, moved_by, moved_at) \
                 VALUES ($1, NULL, $2, NULL, $3, $4)",
            )
            .bind(id)
            .bind(Stage::Sourced.as_str())
            .bind(actor.user_id)
            .bind(now)
            .execute(&mut *tx.tx)
            .await?;
            for tag in &tags {
                sqlx::query("INSERT INTO candidate_tags (candidate_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id)
                    .bind(tag)
                    .execute(&mut *tx.tx)
                    .await?;
            }
            let c = load_candidate(&mut tx.tx, id, false).await?;
            Ok((c, Entry::new("candidate.create", Some(id), json!({}))))
        })
        .await
    }

    pub async fn list_candidates(
        &self,
        actor: &Actor,
        filter: &CandidateFilter,
    ) -> Result<Vec<Candidate>> {
        let limit = filter.limit.unwrap_or(100).clamp(1, 1000);
        let offset = filter.offset.unwrap_or(0).max(0);
        let stage = filter.stage.map(Stage::as_str);
        let tag = filter.tag.as_deref().map(clean_tag).transpose()?;
        self.audited(&actor.name, async |tx| {
            let mut out: Vec<Candidate> =
                sqlx::query_as(concat!("SELECT ", cand_cols!(), cand_filter!()))
                    .bind(stage)
                    .bind(filter.owner_id)
                    .bind(tag.clone())
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(&mut *tx.tx)
                    .await?;
            let tag_rows = sqlx::query(concat!(
                "SELECT candidate_id, tag FROM candidate_tags WHERE candidate_id IN (SELECT c.id",
                cand_filter!(),
                ") ORDER BY candidate_id, tag"
            ))
            .bind(stage)
            .bind(filter.owner_id)
            .bind(tag)
            .bind(limit)
            .bind(offset)
            .fetch_all(&mut *tx.tx)
            .await?;
            let index: std::collections::HashMap<i64, usize> =
                out.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
            for r in &tag_rows {
                let cid: i64 = r.try_get("candidate_id")?;
                if let Some(&i) = index.get(&cid) {
                    out[i].tags.push(r.try_get("tag")?);
                }
            }
            let ids: Vec<i64> = out.iter().map(|c| c.id).collect();
            Ok((out, Entry::new("candidate.list", None, json!({"ids": ids}))))
        })
        .await
    }

    /// Reads one candidate (audited).
    pub async fn get_candidate(&self, actor: &Actor, id: i64) -> Result<Candidate> {
        self.audited(&actor.name, async |tx| {
            let c = load_candidate(&mut tx.tx, id, false).await?;
            Ok((c, Entry::new("candidate.read", Some(id), json!({}))))
        })
        .await
    }

    pub async fn update_candidate(
        &self,
        actor: &Actor,
        id: i64,
        patch: &CandidatePatch,
    ) -> Result<Candidate> {
        self.audited(&actor.name, async |tx| {
            let mut c = load_candidate(&mut tx.tx, id, false).await?;
            let mut changed = Vec::new();
            if let Some(n) = &patch.name {
                c.name = required_text("name", n, MAX_NAME)?;
                changed.push("name");
            }
            if let Some(v) = &patch.email {
                c.email = crate::text::email(Some(v))?;
                changed.push("email");
            }
            if let Some(v) = &patch.researcher_key {
                c.researcher_key = optional_text("researcher_key", Some(v), 300)?;
                if let Some(k) = &c.researcher_key {
                    one_candidate_per_researcher(&mut tx.tx, k, Some(c.id)).await?;
                }
                // Someone looked at the link: the corpus's note on it has been read.
                c.identity_note = None;
                changed.push("researcher_key");
            }
            if let Some(v) = &patch.source_org {
                c.source_org = optional_text("source_org", Some(v), 300)?;
                changed.push("source_org");
            }
            if let Some(v) = &patch.career_stage {
                c.career_stage = career_stage(Some(v))?;
                changed.push("career_stage");
            }
            if let Some(o) = patch.owner_id {
                if o == 0 {
                    c.owner_id = None;
                } else {
                    check_user_exists(&mut tx.tx, o).await?;
                    c.owner_id = Some(o);
                }
                changed.push("owner_id");
            }
            let now = now_ms();
            sqlx::query(
            "UPDATE candidates SET name = $2, email = $3, researcher_key = $4, source_org = $5, \
             owner_id = $6, updated_at = $7, career_stage = $8, identity_note = $9 WHERE id = $1",
        )
        .bind(id)
        .bind(&c.name)
        .bind(c.email.clone())
        .bind(c.researcher_key.clone())
        .bind(c.source_org.clone())
        .bind(c.owner_id)
        .bind(now)
        .bind(c.career_stage.clone())
        .bind(c.identity_note.clone())
        .execute(&mut *tx.tx)
        .await?;
            c.updated_at = now;
            let detail = json!({"fields": changed});
            Ok((c, Entry::new("candidate.update", Some(id), detail)))
        })
        .await
    }

    /// Moves a candidate to another stage, enforcing the transition table.
    pub async fn move_stage(
        &self,
        actor: &Actor,
        id: i64,
        to: Stage,
        reason: Option<&str>,
    ) -> Result<Candidate> {
        let reason = optional_lines("reason", reason, 2000)?;
        self.audited(&actor.name, async |tx| {
            let mut c = load_candidate(&mut tx.tx, id, false).await?;
            let from = c.stage;
            if !from.can_move_to(to) {
                let allowed = from
                    .allowed_next()
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>();
                return Err(Error::IllegalMove {
                    from,
                    to,
                    allowed: if allowed.is_empty() {
                        "nothing (final stage)".into()
                    } else {
                        allowed.join(", ")
                    },
                });
            }
            let now = now_ms();
            let n = sqlx::query(
                "UPDATE candidates SET stage = $2, stage_entered_at = $3, updated_at = $3 WHERE id = $1 AND stage = $4",
            )
            .bind(id)
            .bind(to.as_str())
            .bind(now)
            .bind(from.as_str())
            .execute(&mut *tx.tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(Error::Conflict(format!(
                    "candidate {id} was moved by someone else; reload and try again"
                )));
            }
            sqlx::query(
                "INSERT INTO stage_history (candidate_id, from_stage, to_stage, reason, moved_by, moved_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(from.as_str())
            .bind(to.as_str())
            .bind(reason)
            .bind(actor.user_id)
            .bind(now)
            .execute(&mut *tx.tx)
            .await?;
            c.stage = to;
            c.stage_entered_at = now;
            c.updated_at = now;
            let detail = json!({"from": from, "to": to});
            Ok((c, Entry::new("candidate.stage", Some(id), detail)))
        })
        .await
    }

    /// Records the decision: a move to `accepted`, `declined` or `withdrawn` with a reason.
    pub async fn decide(
        &self,
        actor: &Actor,
        id: i64,
        outcome: Stage,
        reason: &str,
    ) -> Result<Candidate> {
        if !outcome.is_outcome() {
            return Err(Error::Invalid(format!(
                "a decision is accepted, declined or withdrawn, not {outcome}"
            )));
        }
        let reason = required_lines("reason", reason, 2000)?;
        self.move_stage(actor, id, outcome, Some(&reason)).await
    }

    pub async fn history(&self, actor: &Actor, id: i64) -> Result<Vec<StageMove>> {
        self.candidate_read(actor, id, "candidate.read_history", stage_moves_of)
            .await
    }
}

/// A candidate's stage moves, oldest first.
async fn stage_moves_of(conn: &mut AnyConnection, id: i64) -> Result<Vec<StageMove>> {
    Ok(sqlx::query_as(
        "SELECT h.id, h.candidate_id, h.from_stage, h.to_stage, h.reason, u.name AS moved_by, h.moved_at \
         FROM stage_history h JOIN users u ON u.id = h.moved_by WHERE h.candidate_id = $1 ORDER BY h.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?)
}

impl Store {
    pub async fn add_tag(&self, actor: &Actor, id: i64, tag: &str) -> Result<Candidate> {
        let tag = clean_tag(tag)?;
        self.audited(&actor.name, async |tx| {
            load_candidate(&mut tx.tx, id, false).await?;
            sqlx::query(
                "INSERT INTO candidate_tags (candidate_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(&tag)
            .execute(&mut *tx.tx)
            .await?;
            let detail = erasure::tag_audit_detail(tx, id, &tag).await?;
            let c = load_candidate(&mut tx.tx, id, false).await?;
            Ok((c, Entry::new("candidate.tag_add", Some(id), detail)))
        })
        .await
    }

    pub async fn remove_tag(&self, actor: &Actor, id: i64, tag: &str) -> Result<Candidate> {
        let tag = clean_tag(tag)?;
        self.audited(&actor.name, async |tx| {
            load_candidate(&mut tx.tx, id, false).await?;
            let n = sqlx::query("DELETE FROM candidate_tags WHERE candidate_id = $1 AND tag = $2")
                .bind(id)
                .bind(&tag)
                .execute(&mut *tx.tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(Error::not_found("tag", &tag));
            }
            let detail = erasure::tag_audit_detail(tx, id, &tag).await?;
            let c = load_candidate(&mut tx.tx, id, false).await?;
            Ok((c, Entry::new("candidate.tag_remove", Some(id), detail)))
        })
        .await
    }

    // ----- notes -------------------------------------------------------------------------

    pub async fn add_note(&self, actor: &Actor, id: i64, body: &str) -> Result<Note> {
        let body = required_lines("body", body, MAX_TEXT)?;
        let now = now_ms();
        let nid = self
            .candidate_insert(actor, id, "note.create", "note_id", async |conn| {
                Ok(sqlx::query_scalar(
                    "INSERT INTO notes (candidate_id, author_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(id)
                .bind(actor.user_id)
                .bind(&body)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?)
            })
            .await?;
        Ok(Note {
            id: nid,
            candidate_id: id,
            author: actor.name.clone(),
            body,
            created_at: now,
        })
    }

    pub async fn notes(&self, actor: &Actor, id: i64) -> Result<Vec<Note>> {
        self.candidate_read(actor, id, "note.read", notes_of).await
    }
}

pub(crate) async fn notes_of(conn: &mut AnyConnection, id: i64) -> Result<Vec<Note>> {
    Ok(sqlx::query_as(
        "SELECT n.id, n.candidate_id, u.name AS author, n.body, n.created_at FROM notes n \
         JOIN users u ON u.id = n.author_id WHERE n.candidate_id = $1 ORDER BY n.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?)
}

/// One person, one candidate: refuses a researcher key another (non-erased) candidate holds,
/// naming that candidate. Workspaces that already hold two keep them (nothing is changed
/// behind the committee's back); only new ones are refused.
async fn one_candidate_per_researcher(
    conn: &mut AnyConnection,
    key: &str,
    except: Option<i64>,
) -> Result<()> {
    let holder: Option<(i64, String, String)> = sqlx::query_as(
        "SELECT id, name, stage FROM candidates \
         WHERE researcher_key = $1 AND erased_at IS NULL AND merged_into IS NULL AND id <> $2 \
         ORDER BY id LIMIT 1",
    )
    .bind(key)
    .bind(except.unwrap_or(-1))
    .fetch_optional(&mut *conn)
    .await?;
    match holder {
        Some((id, name, stage)) => Err(Error::Conflict(format!(
            "researcher {key} is already candidate #{id} ({name}, {stage}): one person, one candidate"
        ))),
        None => Ok(()),
    }
}

/// Another candidate who is likely the same person as a new one.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct LikelyDuplicate {
    pub id: i64,
    pub name: String,
    pub stage: String,
    /// `same e-mail` or `compatible name`.
    pub reason: &'static str,
}

impl Store {
    /// Candidates other than `c` (not erased) who are likely the same person: the same e-mail
    /// address, or a compatible name (the same surname, and first names that agree or where one
    /// is the other's initial: "A. Lovelace" and "Ada Lovelace"). A warning for the committee,
    /// not a refusal: namesakes exist.
    pub async fn likely_duplicates(&self, c: &Candidate) -> Result<Vec<LikelyDuplicate>> {
        let rows: Vec<(i64, String, Option<String>, String)> = sqlx::query_as(
            "SELECT id, name, email, stage FROM candidates WHERE id <> $1 AND erased_at IS NULL \
             AND merged_into IS NULL ORDER BY id",
        )
        .bind(c.id)
        .fetch_all(&self.db.pool)
        .await?;
        let email = c.email.as_deref().map(str::to_lowercase);
        Ok(rows
            .into_iter()
            .filter_map(|(id, name, other_email, stage)| {
                let reason =
                    if email.is_some() && other_email.as_deref().map(str::to_lowercase) == email {
                        "same e-mail"
                    } else if compatible_names(&c.name, &name) {
                        "compatible name"
                    } else {
                        return None;
                    };
                Some(LikelyDuplicate {
                    id,
                    name,
                    stage,
                    reason,
                })
            })
            .collect())
    }
}
