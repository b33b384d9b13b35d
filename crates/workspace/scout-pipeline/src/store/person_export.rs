//! The export of everything held about one person (a data-subject request): the candidate,
//! their stage history, notes, messages, meetings, offers, counteroffers, scorecards, the saved
//! views that pin them and the audit entries about them, in one audited read.

use serde::Serialize;
use serde_json::{Value, json};
use sqlx::{AnyConnection, Row};

use super::audited::Entry;
use super::candidates::notes_of;
use super::employers::{SetEmployer, set_employer_for_export};
use super::handle::Store;
use super::load::load_candidate;
use super::messages::{meetings_of, messages_of};
use super::offers::{counteroffers_of, offers_of};
use super::scorecards::{Scorecard, scorecards_of};
use super::views::{PinningView, views_pinning};
use crate::audit::AuditEntry;
use crate::error::Result;
use crate::model::{Actor, Candidate, Counteroffer, Meeting, Message, Note, Offer};
use crate::time::{now_ms, rfc3339};

/// Everything held about one candidate.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PersonExport {
    pub candidate: Candidate,
    pub stage_history: Vec<ExportedMove>,
    pub notes: Vec<Note>,
    pub messages: Vec<Message>,
    pub meetings: Vec<Meeting>,
    pub offers: Vec<Offer>,
    pub counteroffers: Vec<Counteroffer>,
    pub scorecards: Vec<Scorecard>,
    /// The current employer an owner set for the candidate's researcher, if any.
    pub set_employer: Option<SetEmployer>,
    /// Members' saved board views that pin the candidate.
    pub saved_views: Vec<PinningView>,
    /// The members watching the candidate's researcher, and the move radar's alerts on them.
    pub watched_by: Vec<String>,
    pub alerts: Vec<super::watches::Alert>,
    pub audit: Vec<ExportedAuditEntry>,
    /// Records an owner merged into this one (`Store::merge_candidates`), each with what it
    /// still holds: its own row, scorecards left on it, the audit entries about it.
    pub merged_records: Vec<PersonExport>,
    /// RFC 3339.
    pub exported_at: String,
}

/// One stage move, with who made it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ExportedMove {
    pub from: Option<String>,
    pub to: String,
    pub reason: Option<String>,
    pub moved_by: String,
    /// RFC 3339.
    pub moved_at: String,
}

/// An audit entry about the candidate.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ExportedAuditEntry {
    pub seq: i64,
    /// RFC 3339.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: Value,
}

impl Store {
    /// Everything held about one candidate (audited).
    pub async fn export_candidate(&self, actor: &Actor, id: i64) -> Result<PersonExport> {
        self.audited(&actor.name, async |tx| {
            let mut export = export_of(&mut tx.tx, id).await?;
            for merged in super::merge::merged_records(&mut tx.tx, id).await? {
                export
                    .merged_records
                    .push(export_of(&mut tx.tx, merged).await?);
            }
            Ok((export, Entry::new("candidate.export", Some(id), json!({}))))
        })
        .await
    }
}

/// Everything held about one record (its merged records not included).
async fn export_of(conn: &mut AnyConnection, id: i64) -> Result<PersonExport> {
    let candidate = load_candidate(&mut *conn, id, true).await?;
    let stage_history = sqlx::query(
        "SELECT h.id, h.from_stage, h.to_stage, h.reason, u.name AS moved_by, h.moved_at \
         FROM stage_history h JOIN users u ON u.id = h.moved_by WHERE h.candidate_id = $1 ORDER BY h.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(ExportedMove {
            from: r.try_get("from_stage")?,
            to: r.try_get("to_stage")?,
            reason: r.try_get("reason")?,
            moved_by: r.try_get("moved_by")?,
            moved_at: rfc3339(r.try_get("moved_at")?),
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let notes = notes_of(conn, id).await?;
    let messages = messages_of(conn, id).await?;
    let meetings = meetings_of(conn, id).await?;
    let offers = offers_of(conn, id).await?;
    let counteroffers = counteroffers_of(conn, id).await?;
    let scorecards = scorecards_of(conn, id).await?;
    let set_employer = set_employer_for_export(conn, candidate.researcher_key.as_deref()).await?;
    let saved_views = views_pinning(conn, id).await?;
    let (watched_by, alerts) =
        super::watches::watches_for_export(conn, candidate.researcher_key.as_deref()).await?;
    let audit_rows: Vec<AuditEntry> = sqlx::query_as(
        "SELECT seq, at, actor, action, candidate_id, detail, prev_hash, hash FROM audit_log \
         WHERE candidate_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let audit = audit_rows
        .into_iter()
        .map(|e| ExportedAuditEntry {
            seq: e.seq,
            at: rfc3339(e.at),
            actor: e.actor,
            action: e.action,
            detail: serde_json::from_str(&e.detail).unwrap_or(Value::Null),
        })
        .collect();
    let export = PersonExport {
        candidate,
        stage_history,
        notes,
        messages,
        meetings,
        offers,
        counteroffers,
        scorecards,
        set_employer,
        saved_views,
        watched_by,
        alerts,
        audit,
        merged_records: Vec::new(),
        exported_at: rfc3339(now_ms()),
    };
    Ok(export)
}
