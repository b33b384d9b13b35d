//! Committee arena sessions: blind pairwise votes on finalists, ranked with Bradley–Terry
//! (`scout-arena`), built so that the known ways of gaming a public leaderboard do not work here.
//!
//! * Members do not choose what they judge: the server issues a **ballot** (the pair that reduces
//!   the ranking's uncertainty most, [`scout_arena::next_pair`]) with sides randomised, and a vote
//!   is only accepted on a ballot issued to that member. An unanswered ballot is handed out again
//!   rather than replaced, so asking repeatedly cannot fish for a preferred pair.
//! * **One vote per member per pair** per session (a unique key, whatever the sides), and a
//!   per-member cap.
//! * **Blinding**: while a session is blind, ballots and results show aliases ("Finalist C"),
//!   never names, organisations, corpus keys or tags (a tag can name a person); only the owner
//!   can lift it.
//! * **No retraction**: a withdrawn finalist gets no new ballots but keeps every vote and stays in
//!   each fit, marked withdrawn.
//! * Every fit is recorded, with the full **input snapshot** (votes, options, seed), in
//!   `arena_fits` and in the audit log, and [`Store::arena_fit_record`] can recompute it from the
//!   snapshot to show that the published ranking is reproducible. Fits report provisional items
//!   (fewer than `min_votes`), disconnected comparison graphs, and voters flagged by a sequential
//!   likelihood-ratio test against the consensus.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use scout_arena::Outcome;

use crate::db::WriteTx;
use crate::error::{Error, Result};
use crate::model::{Actor, Role};

mod fit;
mod sessions;

pub use fit::{CiMethod, FitRecord, FitSnapshot, FitSummary, compute_fit};

/// L2 prior (log-odds) of committee fits: keeps ratings finite while votes are few (someone who
/// has never lost would otherwise be rated infinitely high) and shrinks thin evidence to the mean.
pub const COMMITTEE_PRIOR: f64 = 0.1;
const MAX_ITEMS: usize = 200;

/// A new session (owners create sessions).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewArenaSession {
    pub title: String,
    pub candidate_ids: Vec<i64>,
    /// Hide names and organisations on ballots and results (default true).
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
    fn as_str(self) -> &'static str {
        match self {
            VoteOutcome::Left => "left",
            VoteOutcome::Right => "right",
            VoteOutcome::Tie => "tie",
            VoteOutcome::BothBad => "both_bad",
        }
    }

    fn outcome(self) -> Outcome {
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

struct SessionRow {
    id: i64,
    title: String,
    blind: bool,
    member_cap: i64,
    min_votes: i64,
    closed: bool,
}

struct ItemRow {
    candidate_id: i64,
    alias: String,
    withdrawn: bool,
    name: String,
    source_org: Option<String>,
    researcher_key: Option<String>,
}

/// Mapped by hand, like the items below: `blind` is stored as an integer and `closed` (and an
/// item's `withdrawn`) as a nullable time, and the `Any` driver decodes neither as `bool`.
fn session_from_row(r: &AnyRow) -> Result<SessionRow> {
    Ok(SessionRow {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        blind: r.try_get::<i64, _>("blind")? != 0,
        member_cap: r.try_get("member_cap")?,
        min_votes: r.try_get("min_votes")?,
        closed: r.try_get::<Option<i64>, _>("closed_at")?.is_some(),
    })
}

async fn load_session(tx: &mut WriteTx<'_>, id: i64) -> Result<SessionRow> {
    let row = sqlx::query(
        "SELECT id, title, blind, member_cap, min_votes, closed_at FROM arena_sessions WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx.tx)
    .await?
    .ok_or_else(|| Error::NotFound {
        what: "arena session",
        id: id.to_string(),
    })?;
    session_from_row(&row)
}

async fn load_items(tx: &mut WriteTx<'_>, session: i64) -> Result<Vec<ItemRow>> {
    sqlx::query(
        "SELECT i.candidate_id, i.alias, i.withdrawn_at, c.name, c.source_org, c.researcher_key \
         FROM arena_items i JOIN candidates c ON c.id = i.candidate_id \
         WHERE i.session_id = $1 ORDER BY i.alias",
    )
    .bind(session)
    .fetch_all(&mut *tx.tx)
    .await?
    .iter()
    .map(|r| {
        Ok(ItemRow {
            candidate_id: r.try_get("candidate_id")?,
            alias: r.try_get("alias")?,
            withdrawn: r.try_get::<Option<i64>, _>("withdrawn_at")?.is_some(),
            name: r.try_get("name")?,
            source_org: r.try_get("source_org")?,
            researcher_key: r.try_get("researcher_key")?,
        })
    })
    .collect()
}

/// `(vote_id, voter_id, left_id, right_id, outcome)` of a session, in vote order.
async fn load_votes(
    tx: &mut WriteTx<'_>,
    session: i64,
) -> Result<Vec<(i64, i64, i64, i64, VoteOutcome)>> {
    Ok(sqlx::query_as(
        "SELECT id, voter_id, left_id, right_id, outcome FROM arena_votes \
         WHERE session_id = $1 ORDER BY id",
    )
    .bind(session)
    .fetch_all(&mut *tx.tx)
    .await?)
}

async fn candidate_tags(tx: &mut WriteTx<'_>, candidate: i64) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT tag FROM candidate_tags WHERE candidate_id = $1 ORDER BY tag")
            .bind(candidate)
            .fetch_all(&mut *tx.tx)
            .await?,
    )
}

fn sees_identities(session: &SessionRow, actor: &Actor) -> bool {
    !session.blind || actor.role == Role::Owner
}

/// "Finalist A" … "Finalist Z", "Finalist AA" …
fn alias(index: usize) -> String {
    let mut n = index;
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    letters.reverse();
    format!("Finalist {}", String::from_utf8_lossy(&letters))
}

fn random_u64() -> Result<u64> {
    let mut buf = [0u8; 8];
    getrandom::fill(&mut buf).map_err(|e| Error::Invalid(format!("no randomness: {e}")))?;
    Ok(u64::from_le_bytes(buf))
}

fn seed_of(parts: &[i64]) -> u64 {
    // FNV-1a over the parts: deterministic, so a ballot's sides can be explained afterwards.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn arena_error(e: scout_arena::ArenaError) -> Error {
    Error::Invalid(format!("arena: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_spreadsheet_letters() {
        assert_eq!(alias(0), "Finalist A");
        assert_eq!(alias(25), "Finalist Z");
        assert_eq!(alias(26), "Finalist AA");
        assert_eq!(alias(27), "Finalist AB");
    }
}
