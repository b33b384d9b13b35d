//! What committee operations take and return: a new session, a vote, and a session and a
//! ballot as a member may see them.

use serde::{Deserialize, Serialize};

use scout_arena::Outcome;

use super::packet::Packet;

/// A new session (owners create sessions).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewArenaSession {
    pub title: String,
    pub candidate_ids: Vec<i64>,
    /// The List text the finalists came from: ballot packets explain each finalist's papers
    /// for it (optional; without it packets show the strongest papers by impact).
    #[serde(default)]
    pub topic: Option<String>,
    /// Hide names and organisations on ballots and results (default true): a blind session's
    /// ballot packets show only what cannot identify a finalist.
    #[serde(default)]
    pub blind: Option<bool>,
    /// Most votes one member may cast in the session (default 100).
    #[serde(default)]
    pub member_cap: Option<i64>,
    /// Items with fewer votes are provisional in fits (default 5).
    #[serde(default)]
    pub min_votes: Option<i64>,
}

/// A recorded vote: its id, and how many of the session's votes the member has cast.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct VoteReceipt {
    pub vote: i64,
    pub session_id: i64,
    pub your_votes: i64,
    pub member_cap: i64,
}

/// A vote on a ballot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VoteOutcome {
    Left,
    Right,
    Tie,
    BothBad,
}

impl std::str::FromStr for VoteOutcome {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(match s {
            "left" => VoteOutcome::Left,
            "right" => VoteOutcome::Right,
            "tie" => VoteOutcome::Tie,
            "both_bad" => VoteOutcome::BothBad,
            other => return Err(format!("unknown vote outcome {other:?}")),
        })
    }
}

impl VoteOutcome {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            VoteOutcome::Left => "left",
            VoteOutcome::Right => "right",
            VoteOutcome::Tie => "tie",
            VoteOutcome::BothBad => "both_bad",
        }
    }

    pub(super) fn outcome(self) -> Outcome {
        match self {
            VoteOutcome::Left => Outcome::LeftWins,
            VoteOutcome::Right => Outcome::RightWins,
            VoteOutcome::Tie => Outcome::Tie,
            VoteOutcome::BothBad => Outcome::TieBothBad,
        }
    }
}

/// One finalist as a viewer of the session may see them.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ArenaItem {
    pub alias: String,
    /// Present only when the viewer may see identities (blinding off, or an owner).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidate_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_org: Option<String>,
    pub withdrawn: bool,
    pub votes: i64,
}

/// A session with its finalists.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ArenaSession {
    pub id: i64,
    pub title: String,
    /// The List text the finalists came from, if the owner gave one.
    pub topic: Option<String>,
    pub blind: bool,
    pub member_cap: i64,
    pub min_votes: i64,
    pub closed: bool,
    pub total_votes: i64,
    /// Votes cast by the member asking.
    pub your_votes: i64,
    pub items: Vec<ArenaItem>,
}

/// One side of a ballot.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BallotSide {
    pub alias: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidate_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_org: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub researcher_key: Option<String>,
    /// The candidate's tags, only where identities are shown: a tag such as
    /// `ex-openai-rlhf-lead` names a person (and `GET /api/candidates?tag=` would find them),
    /// so a blind ballot carries none.
    pub tags: Vec<String>,
    /// What there is to judge: named (papers, notes) where identities are shown, else blind.
    pub packet: Packet,
}

/// A pair to judge.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Ballot {
    pub id: i64,
    pub session_id: i64,
    pub left: BallotSide,
    pub right: BallotSide,
    /// Current uncertainty of the pair's difference (log-odds standard deviation).
    pub sd_difference: f64,
    pub your_votes: i64,
    pub member_cap: i64,
}
