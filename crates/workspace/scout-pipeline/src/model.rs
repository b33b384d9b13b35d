//! Domain records of the pipeline: users and roles, candidates, moves, notes, offers,
//! counteroffers, messages, meetings. Times are Unix milliseconds, shown as RFC 3339.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

use crate::offer::OfferTerms;
use crate::stage::Stage;

pub(crate) fn ser_time<S: Serializer>(ms: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::time::rfc3339(*ms))
}

pub(crate) fn ser_opt_time<S: Serializer>(ms: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match ms {
        Some(ms) => s.serialize_str(&crate::time::rfc3339(*ms)),
        None => s.serialize_none(),
    }
}

/// What a user may do. Ordered: each role can do everything the ones before it can.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads candidates, history, notes, analytics.
    Viewer,
    /// Also creates and changes candidates, moves stages, writes notes and messages.
    Recruiter,
    /// Also manages users, sees and writes compensation, exports and erases data.
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Recruiter => "recruiter",
            Role::Owner => "owner",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "recruiter" => Ok(Role::Recruiter),
            "owner" => Ok(Role::Owner),
            _ => Err(format!("unknown role {s:?} (owner, recruiter or viewer)")),
        }
    }
}

/// A user account.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
    #[serde(serialize_with = "ser_time")]
    #[schemars(with = "String")]
    pub created_at: i64,
    pub disabled: bool,
}

/// Who is acting: recorded in every audit entry.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub name: String,
    pub role: Role,
}

/// An API token's metadata (never the token itself, which is shown once).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub user_id: i64,
    pub label: String,
    #[serde(serialize_with = "ser_time")]
    #[schemars(with = "String")]
    pub created_at: i64,
    #[serde(serialize_with = "ser_opt_time")]
    #[schemars(with = "Option<String>")]
    pub revoked_at: Option<i64>,
}

/// A candidate in the pipeline.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Candidate {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    /// The corpus researcher key (`openreview:~…`, `orcid:…`), when linked.
    pub researcher_key: Option<String>,
    /// The organisation the candidate was sourced from.
    pub source_org: Option<String>,
    /// Set when the corpus split or retired the linked researcher, or made them the same
    /// researcher as another candidate (`Store::follow_key_changes`): the link needs a look.
    /// Any edit of `researcher_key` clears it.
    pub identity_note: Option<String>,
    pub stage: Stage,
    /// The committee's override of the corpus's career-stage proxy (`early`, `mid`, `senior`);
    /// `None` when the corpus's figure stands.
    pub career_stage: Option<String>,
    pub owner_id: Option<i64>,
    /// Read from `candidate_tags`, not from the candidate's row.
    #[sqlx(skip)]
    pub tags: Vec<String>,
    #[serde(serialize_with = "ser_time")]
    #[schemars(with = "String")]
    pub stage_entered_at: i64,
    #[serde(serialize_with = "ser_time")]
    #[schemars(with = "String")]
    pub created_at: i64,
    #[serde(serialize_with = "ser_time")]
    #[schemars(with = "String")]
    pub updated_at: i64,
    #[serde(serialize_with = "ser_opt_time")]
    #[schemars(with = "Option<String>")]
    pub erased_at: Option<i64>,
    /// Set on a record an owner merged into another (`Store::merge_candidates`): the id of the
    /// record that holds this person now.
    pub merged_into: Option<i64>,
}

/// Fields of a new candidate.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCandidate {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub researcher_key: Option<String>,
    #[serde(default)]
    pub source_org: Option<String>,
    #[serde(default)]
    pub career_stage: Option<String>,
    #[serde(default)]
    pub owner_id: Option<i64>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A change to a candidate's fields: `None` keeps a field, an empty string clears it.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CandidatePatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub researcher_key: Option<String>,
    #[serde(default)]
    pub source_org: Option<String>,
    /// `early`, `mid` or `senior`; an empty string removes the override.
    #[serde(default)]
    pub career_stage: Option<String>,
    /// `0` clears the owner.
    #[serde(default)]
    pub owner_id: Option<i64>,
}

/// Filters for listing candidates.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CandidateFilter {
    #[serde(default)]
    pub stage: Option<Stage>,
    #[serde(default)]
    pub owner_id: Option<i64>,
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
    #[serde(default)]
    pub offset: Option<i64>,
}

/// One stage move: who and when.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct StageMove {
    pub id: i64,
    pub candidate_id: i64,
    #[sqlx(rename = "from_stage")]
    pub from: Option<Stage>,
    #[sqlx(rename = "to_stage")]
    pub to: Stage,
    pub reason: Option<String>,
    pub moved_by: String,
    #[serde(serialize_with = "ser_time")]
    #[schemars(with = "String")]
    pub moved_at: i64,
}

/// A private note.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Note {
    pub id: i64,
    pub candidate_id: i64,
    pub author: String,
    pub body: String,
    #[serde(serialize_with = "ser_time")]
    #[schemars(with = "String")]
    pub created_at: i64,
}

/// One revision of an offer, with its computed value.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Offer {
    pub id: i64,
    pub candidate_id: i64,
    pub revision: i64,
    #[serde(flatten)]
    pub terms: OfferTerms,
    pub period_months: i64,
    pub total_value: i64,
    pub annualised_value: i64,
    pub note: Option<String>,
    pub created_by: String,
    #[serde(serialize_with = "ser_time")]
    #[schemars(with = "String")]
    pub created_at: i64,
}

/// A rival organisation's counteroffer: the same components as our offers, so both compare
/// like for like (total over the period and per year).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Counteroffer {
    pub id: i64,
    pub candidate_id: i64,
    pub rival_org: String,
    #[serde(flatten)]
    pub terms: OfferTerms,
    /// What was recorded: `components`, or `annual` for one yearly figure (kept as the base).
    pub basis: CounterBasis,
    pub period_months: i64,
    pub total_value: i64,
    pub annualised_value: i64,
    pub note: Option<String>,
    pub created_by: String,
    #[serde(serialize_with = "ser_time")]
    #[schemars(with = "String")]
    pub created_at: i64,
}

/// How a message went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Chat,
    InPerson,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Chat => "chat",
            Channel::InPerson => "in_person",
        }
    }
}

impl FromStr for Channel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "email" => Ok(Channel::Email),
            "chat" => Ok(Channel::Chat),
            "in_person" => Ok(Channel::InPerson),
            _ => Err(format!("unknown channel {s:?}")),
        }
    }
}

/// An outreach message and its reply.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct Message {
    pub id: i64,
    pub candidate_id: i64,
    pub channel: Channel,
    pub body: String,
    #[serde(serialize_with = "ser_opt_time")]
    #[schemars(with = "Option<String>")]
    pub sent_at: Option<i64>,
    pub reply: Option<String>,
    #[serde(serialize_with = "ser_opt_time")]
    #[schemars(with = "Option<String>")]
    pub replied_at: Option<i64>,
    pub created_by: String,
    #[serde(serialize_with = "ser_time")]
    #[schemars(with = "String")]
    pub created_at: i64,
}

/// A meeting with a candidate. The instant is the truth; the zone says how it is shown (and
/// how calendars get it: `DTSTART;TZID=…`).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Meeting {
    pub id: i64,
    pub candidate_id: i64,
    pub title: String,
    #[serde(serialize_with = "ser_time")]
    #[schemars(with = "String")]
    pub starts_at: i64,
    #[serde(serialize_with = "ser_time")]
    #[schemars(with = "String")]
    pub ends_at: i64,
    pub duration_minutes: i64,
    /// The IANA zone (`UTC` for meetings given as bare instants).
    pub time_zone: String,
    /// Start and end as wall times in `time_zone` with their UTC offsets
    /// (`2026-05-01T10:00:00+02:00`).
    pub starts_local: String,
    pub ends_local: String,
    pub place: Option<String>,
    pub attendees: Vec<String>,
    pub created_by: String,
    #[serde(serialize_with = "ser_time")]
    #[schemars(with = "String")]
    pub created_at: i64,
}

/// A meeting to schedule. `starts_at` is an instant; `time_zone` an IANA name (`UTC` when the
/// request gave none).
#[derive(Debug, Clone)]
pub struct NewMeeting {
    pub title: String,
    pub starts_at: i64,
    pub time_zone: String,
    pub duration_minutes: i64,
    pub place: Option<String>,
    pub attendees: Vec<String>,
}

/// Wall time with offset, `2026-05-01T10:00:00+02:00`.
pub(crate) fn local_rfc3339(zone: &crate::tz::Zone, ms: i64) -> crate::Result<String> {
    let l = zone.local(ms)?;
    Ok(format!("{}{}", l.iso(), l.offset_iso()))
}

/// What a counteroffer records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CounterBasis {
    /// Every component the rival offered (base, bonus, sign-on, equity and vesting).
    Components,
    /// Only one yearly figure was known; it is stored as the base.
    Annual,
}

impl CounterBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            CounterBasis::Components => "components",
            CounterBasis::Annual => "annual",
        }
    }
}

impl FromStr for CounterBasis {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "components" => Ok(CounterBasis::Components),
            "annual" => Ok(CounterBasis::Annual),
            other => Err(format!("unknown counteroffer basis {other:?}")),
        }
    }
}
