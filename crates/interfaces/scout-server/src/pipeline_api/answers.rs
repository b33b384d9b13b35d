//! The JSON answers of the pipeline routes that carry one record or one list under a key.

use schemars::JsonSchema;
use scout_pipeline::analytics::Report;
use scout_pipeline::audit::{AuditEntry, VerifyReport};
use scout_pipeline::model::{Candidate, Counteroffer, Meeting, Message, Note, Offer, StageMove};
use serde::Serialize;

#[derive(Serialize, JsonSchema)]
pub(crate) struct Analytics {
    pub analytics: Report,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct CandidateAnswer {
    pub candidate: Candidate,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct Candidates {
    pub candidates: Vec<Candidate>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct CounterofferAnswer {
    pub counteroffer: Counteroffer,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct Counteroffers {
    pub counteroffers: Vec<Counteroffer>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct AuditEntries {
    pub entries: Vec<AuditEntry>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct History {
    pub history: Vec<StageMove>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct MeetingAnswer {
    pub meeting: Meeting,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct Meetings {
    pub meetings: Vec<Meeting>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct MessageAnswer {
    pub message: Message,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct Messages {
    pub messages: Vec<Message>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct NoteAnswer {
    pub note: Note,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct Notes {
    pub notes: Vec<Note>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct OfferAnswer {
    pub offer: Offer,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct Offers {
    pub offers: Vec<Offer>,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct AuditVerify {
    pub verify: VerifyReport,
}
