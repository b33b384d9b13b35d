//! The pipeline's operations over the database, one file per aggregate. Every change, and
//! every read of a candidate, runs in one audited transaction (`Store::audited`: begin, act,
//! append the audit entry, commit), so nothing is half-written and nothing happens unaudited.
//!
//! * `users`: users, login sessions and API tokens.
//! * `candidates`: candidates, their stages, tags and notes, and the per-person export.
//! * `offers`: offers and counteroffers.
//! * `messages`: messages and meetings.
//! * `employers`: current employers set by owners (they win over the corpus's inference).
//! * `analytics_input`, `pipeline_export`, `stage_overrides`, `researcher_index`: whole-pipeline
//!   reads.
//! * `bulk`: one action on many candidates, adding many researchers (per-candidate outcomes).
//! * `views`: members' saved List searches and board views (pins erased with a candidate).
//! * `watches`: watchlists and the move radar's alerts (erased with a candidate's key).
//! * `radar`: where the move radar stands in the corpus (the refresh it last observed).
//! * `webhooks`: owners' webhooks for alerts, their cursors, retry state and delivery log.
//! * `analytics_input`, `pipeline_export`, `stage_overrides`: whole-pipeline reads.
//! * `key_follow`: candidates following the corpus's researcher key changes (merges, splits).
//! * `merge`: the duplicate records a workspace holds, and an owner's merge of two of them.
//! * `erasure`: erasing a person, and re-applying the erasures the ledger lists.
//! * `audited`: the audited transaction and reading the audit log; `audit_log`: the append to
//!   the log; `tag_redaction`: migration 0005's step; `rows`: stored rows to model types.
//! * `handle`: the [`Store`] itself and opening it; `ledger`: the erasure ledger file.
//! * `fields`: the text checks; `name_match`: likely the same person by name; `load`: the
//!   candidate columns and loading a candidate.
//!
//! This file only declares the modules and re-exports what the rest of the crate uses.

mod analytics_input;
mod audit_log;
mod audited;
mod bulk;
mod candidates;
mod employers;
pub mod erasure;
mod fields;
mod handle;
mod key_follow;
mod ledger;
mod load;
mod merge;
mod messages;
mod name_match;
mod offers;
mod person_export;
mod pipeline_export;
mod radar;
mod researcher_index;
mod rows;
mod scorecards;
mod settings;
mod stage_overrides;
mod tag_redaction;
mod users;
mod views;
mod watches;
mod webhooks;

pub(crate) use audited::Entry;
pub use bulk::{
    AddOutcome, AddStatus, BulkAction, BulkOutcome, BulkReport, BulkStatus, MAX_BULK,
    ResearcherToAdd,
};
pub use candidates::LikelyDuplicate;
pub(crate) use candidates::notes_of;
pub use employers::SetEmployer;
pub use erasure::ErasureReport;
pub(crate) use fields::required_text;
pub use handle::Store;
pub use key_follow::FollowReport;
pub(crate) use load::tags_of;
pub use merge::{DuplicateGroup, DuplicateReason, DuplicateRecord, MergeReport};
pub use person_export::{ExportedAuditEntry, ExportedMove, PersonExport};
pub use pipeline_export::{ExportedCandidate, ExportedCompensation, PipelineExport};
pub use radar::RadarPlace;
pub use researcher_index::PipelineMark;
pub(crate) use scorecards::visible_scorecards;
pub use scorecards::{
    AttributeAverage, NewScorecard, Scorecard, ScorecardTemplate, StageScorecards,
};
pub use settings::{StoredSettings, WorkspaceSettings};
pub(crate) use tag_redaction::redact_tag_text;
pub use users::{NewSession, SessionInfo};
pub use views::{BoardFilter, ListSearch, NewView, PinningView, SavedView, ViewSpec};
pub use watches::{
    Alert, AlertChange, AlertEvidence, AlertFilter, AlertKind, AlertPage, MAX_ALERT_PAGE, Observed,
    PaperRef, RADAR_ACTOR, RadarReport, Watch,
};
pub use webhooks::{
    Attempt, DeliveryOutcome, DeliveryTarget, MAX_LOG_ROWS, MAX_WEBHOOKS, Webhook, WebhookDelivery,
};
