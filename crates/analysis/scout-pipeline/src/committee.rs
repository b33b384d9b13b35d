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
use serde_json::{Value, json};
use sqlx::Row;
use sqlx::any::AnyRow;

use scout_arena::{
    ActiveOptions, BootstrapOptions, ComparisonsBuilder, FitOptions, Leaderboard, Outcome,
    SandwichOptions, SprtOptions, VoteLog, bootstrap, components, fit, next_pair, sandwich,
    sprt_all_voters,
};

use crate::db::WriteTx;
use crate::error::{Error, Result};
use crate::model::{Actor, Role};
use crate::store::{Entry, Store, required_text};
use crate::time::now_ms;

/// L2 prior (log-odds) of committee fits: keeps ratings finite while votes are few (someone who
/// has never lost would otherwise be rated infinitely high) and shrinks thin evidence to the mean.
pub const COMMITTEE_PRIOR: f64 = 0.1;
const MAX_ITEMS: usize = 200;

/// A new session (owners create sessions).
#[derive(Debug, Clone, Deserialize)]
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

/// A vote on a ballot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoteOutcome {
    Left,
    Right,
    Tie,
    BothBad,
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

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "left" => VoteOutcome::Left,
            "right" => VoteOutcome::Right,
            "tie" => VoteOutcome::Tie,
            "both_bad" => VoteOutcome::BothBad,
            other => return Err(Error::Invalid(format!("stored vote outcome {other:?}"))),
        })
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
#[derive(Debug, Clone, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
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

/// How to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CiMethod {
    #[default]
    Bootstrap,
    Sandwich,
}

/// Everything a fit was computed from: stored with the result and in the audit log.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FitSnapshot {
    pub session_id: i64,
    pub ci: CiMethod,
    pub rounds: usize,
    pub seed: u64,
    pub prior: f64,
    pub min_votes: u64,
    /// `(alias, candidate_id, withdrawn)` for every finalist ever in the session.
    pub items: Vec<(String, i64, bool)>,
    /// `(vote_id, voter_id, left alias, right alias, outcome)` in vote order.
    pub votes: Vec<(i64, i64, String, String, VoteOutcome)>,
}

/// A recorded fit.
#[derive(Debug, Clone, Serialize)]
pub struct FitRecord {
    pub id: i64,
    pub session_id: i64,
    pub snapshot_hash: String,
    pub result: Value,
    /// Set by [`Store::arena_fit_record`] with `verify`: the result recomputed from the snapshot
    /// equals the stored one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reproduced: Option<bool>,
}

/// A recorded fit as listed for its session (the result itself is read with
/// [`Store::arena_fit_record`]).
#[derive(Debug, Clone, Serialize)]
pub struct FitSummary {
    pub id: i64,
    pub session_id: i64,
    /// Name of the member who ran the fit.
    pub fitted_by: String,
    #[serde(serialize_with = "crate::model::ser_time")]
    pub fitted_at: i64,
    pub snapshot_hash: String,
    /// Votes the fit was computed from.
    pub total_votes: i64,
    pub interval_method: Option<String>,
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
    sqlx::query(
        "SELECT id, voter_id, left_id, right_id, outcome FROM arena_votes \
         WHERE session_id = $1 ORDER BY id",
    )
    .bind(session)
    .fetch_all(&mut *tx.tx)
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.try_get("id")?,
            r.try_get("voter_id")?,
            r.try_get("left_id")?,
            r.try_get("right_id")?,
            VoteOutcome::parse(&r.try_get::<String, _>("outcome")?)?,
        ))
    })
    .collect()
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

/// Computes a fit from its snapshot alone (pure; used to record and to reproduce).
pub fn compute_fit(snapshot: &FitSnapshot) -> Result<Value> {
    let aliases: Vec<&str> = snapshot.items.iter().map(|(a, _, _)| a.as_str()).collect();
    let mut builder = ComparisonsBuilder::with_items(aliases.iter().copied());
    let mut log = VoteLog::new();
    for (vote_id, voter, left, right, outcome) in &snapshot.votes {
        builder
            .add(left, right, outcome.outcome(), 1, 1.0)
            .map_err(arena_error)?;
        log.push(
            left,
            right,
            outcome.outcome(),
            Some(&voter.to_string()),
            || format!("vote {vote_id}"),
        )
        .map_err(arena_error)?;
    }
    let comparisons = builder.build();
    let options = FitOptions {
        l2: Some(snapshot.prior),
        ..FitOptions::default()
    };
    let fitted = fit(&comparisons, &options).map_err(arena_error)?;
    let intervals = match snapshot.ci {
        CiMethod::Bootstrap => bootstrap(
            &comparisons,
            &fitted,
            &options,
            &BootstrapOptions {
                rounds: snapshot.rounds,
                seed: snapshot.seed,
                confidence: 0.95,
            },
        ),
        CiMethod::Sandwich => {
            sandwich(&comparisons, &fitted, &options, &SandwichOptions::default())
        }
    }
    .map_err(arena_error)?;
    let board = Leaderboard::new(&comparisons, &fitted, Some(&intervals), snapshot.min_votes)
        .map_err(arena_error)?;

    let parts = components(&comparisons);
    let connected_items = parts.iter().map(Vec::len).max().unwrap_or(0);
    let mut warnings = Vec::new();
    if parts.len() > 1 {
        warnings.push(format!(
            "the comparison graph is disconnected ({} parts; the largest has {connected_items} of {} \
             finalists): ratings in different parts rest on the prior, not on votes",
            parts.len(),
            comparisons.len()
        ));
    }
    let provisional = board.rows.iter().filter(|r| r.provisional).count();
    if provisional > 0 {
        warnings.push(format!(
            "{provisional} finalists have fewer than {} votes and are provisional",
            snapshot.min_votes
        ));
    }

    // Outlier voters: each member's decisive votes tested against the consensus of everyone.
    let mut flagged = Vec::new();
    if !log.votes().is_empty() {
        let consensus = fit(&log.comparisons(), &options).map_err(arena_error)?;
        for (voter, result) in
            sprt_all_voters(&consensus, &log, &SprtOptions::default()).map_err(arena_error)?
        {
            if result.flagged {
                flagged.push(json!({
                    "voter_id": voter.parse::<i64>().unwrap_or(-1),
                    "log_likelihood_ratio": result.total_log_lr,
                    "decisive_votes": result.decisive_votes,
                }));
            }
        }
    }
    let withdrawn: std::collections::HashMap<&str, bool> = snapshot
        .items
        .iter()
        .map(|(a, _, w)| (a.as_str(), *w))
        .collect();
    let rows: Vec<Value> = board
        .rows
        .iter()
        .map(|r| {
            json!({
                "alias": r.item,
                "rank": r.rank,
                "rating": r.rating,
                "lower": r.lower,
                "upper": r.upper,
                "votes": r.votes,
                "provisional": r.provisional,
                "withdrawn": withdrawn.get(r.item.as_str()).copied().unwrap_or(false),
            })
        })
        .collect();
    Ok(json!({
        "rows": rows,
        "total_votes": comparisons.total_votes(),
        "interval_method": board.interval_method,
        "components": parts.len(),
        "warnings": warnings,
        "flagged_voters": flagged,
    }))
}

impl Store {
    /// Creates a session over existing, non-erased candidates (owner only, checked by the caller).
    pub async fn arena_create(&self, actor: &Actor, new: &NewArenaSession) -> Result<ArenaSession> {
        let title = required_text("title", &new.title, 200)?;
        let mut ids = new.candidate_ids.clone();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() < 2 {
            return Err(Error::Invalid(
                "a session needs at least two distinct finalists".into(),
            ));
        }
        if ids.len() > MAX_ITEMS {
            return Err(Error::Invalid(format!(
                "at most {MAX_ITEMS} finalists per session"
            )));
        }
        let cap = new.member_cap.unwrap_or(100);
        let min_votes = new.min_votes.unwrap_or(5);
        if !(1..=10_000).contains(&cap) || !(0..=10_000).contains(&min_votes) {
            return Err(Error::Invalid(
                "member_cap must be 1–10000 and min_votes 0–10000".into(),
            ));
        }
        let blind = new.blind.unwrap_or(true);
        // Aliases in a random order, so that "Finalist A" says nothing about who was added first.
        let mut order: Vec<(u64, i64)> = Vec::with_capacity(ids.len());
        for &id in &ids {
            order.push((random_u64()?, id));
        }
        order.sort_unstable();

        let now = now_ms();
        self.audited(&actor.name, async |tx| {
            for &id in &ids {
                let erased: Option<Option<i64>> =
                    sqlx::query_scalar("SELECT erased_at FROM candidates WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx.tx)
                        .await?;
                match erased {
                    None => return Err(Error::Invalid(format!("no candidate with id {id}"))),
                    Some(Some(_)) => return Err(Error::Invalid(format!("candidate {id} was erased"))),
                    Some(None) => {}
                }
            }
            let session: i64 = sqlx::query_scalar(
                "INSERT INTO arena_sessions (title, blind, member_cap, min_votes, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(&title)
            .bind(i64::from(blind))
            .bind(cap)
            .bind(min_votes)
            .bind(actor.user_id)
            .bind(now)
            .fetch_one(&mut *tx.tx)
            .await?;
            for (index, (_, id)) in order.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO arena_items (session_id, candidate_id, alias) VALUES ($1, $2, $3)",
                )
                .bind(session)
                .bind(id)
                .bind(alias(index))
                .execute(&mut *tx.tx)
                .await?;
            }
            let out = self.session_view(tx, actor, session).await?;
            let detail = json!({"session": session, "candidates": ids, "blind": blind, "member_cap": cap, "min_votes": min_votes});
            Ok((out, Entry::new("arena.create", None, detail)))
        })
        .await
    }

    async fn session_view(
        &self,
        tx: &mut WriteTx<'_>,
        actor: &Actor,
        id: i64,
    ) -> Result<ArenaSession> {
        let s = load_session(tx, id).await?;
        let items = load_items(tx, id).await?;
        let votes = load_votes(tx, id).await?;
        let show = sees_identities(&s, actor);
        let count = |cid: i64| votes.iter().filter(|v| v.2 == cid || v.3 == cid).count() as i64;
        let your_votes = votes.iter().filter(|v| v.1 == actor.user_id).count() as i64;
        Ok(ArenaSession {
            id: s.id,
            title: s.title.clone(),
            blind: s.blind,
            member_cap: s.member_cap,
            min_votes: s.min_votes,
            closed: s.closed,
            total_votes: votes.len() as i64,
            your_votes,
            items: items
                .iter()
                .map(|i| ArenaItem {
                    alias: i.alias.clone(),
                    candidate_id: show.then_some(i.candidate_id),
                    name: show.then(|| i.name.clone()),
                    source_org: if show { i.source_org.clone() } else { None },
                    withdrawn: i.withdrawn,
                    votes: count(i.candidate_id),
                })
                .collect(),
        })
    }

    /// Sessions, newest first.
    pub async fn arena_sessions(&self, actor: &Actor) -> Result<Vec<ArenaSession>> {
        self.audited(&actor.name, async |tx| {
            let ids: Vec<i64> =
                sqlx::query_scalar("SELECT id FROM arena_sessions ORDER BY id DESC")
                    .fetch_all(&mut *tx.tx)
                    .await?;
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.push(self.session_view(tx, actor, id).await?);
            }
            Ok((out, Entry::new("arena.list", None, json!({}))))
        })
        .await
    }

    /// One session (audited: it names candidates when not blind).
    pub async fn arena_session(&self, actor: &Actor, id: i64) -> Result<ArenaSession> {
        let detail = json!({"session": id});
        self.session_audited(actor, id, "arena.read", detail, async |_| Ok(()))
            .await
    }

    /// An audited transaction on one session (which must exist) that answers with the session
    /// as `actor` sees it after `act`.
    async fn session_audited(
        &self,
        actor: &Actor,
        id: i64,
        action: &str,
        detail: Value,
        act: impl AsyncFnOnce(&mut WriteTx<'_>) -> Result<()>,
    ) -> Result<ArenaSession> {
        self.audited(&actor.name, async |tx| {
            load_session(tx, id).await?;
            act(tx).await?;
            let out = self.session_view(tx, actor, id).await?;
            Ok((out, Entry::new(action, None, detail)))
        })
        .await
    }

    /// Turns blinding on or off, or closes the session (owner only, checked by the caller).
    pub async fn arena_update(
        &self,
        actor: &Actor,
        id: i64,
        blind: Option<bool>,
        close: bool,
    ) -> Result<ArenaSession> {
        let detail = json!({"session": id, "blind": blind, "close": close});
        self.session_audited(actor, id, "arena.update", detail, async |tx| {
            if let Some(b) = blind {
                sqlx::query("UPDATE arena_sessions SET blind = $2 WHERE id = $1")
                    .bind(id)
                    .bind(i64::from(b))
                    .execute(&mut *tx.tx)
                    .await?;
            }
            if close {
                sqlx::query(
                    "UPDATE arena_sessions SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL",
                )
                .bind(id)
                .bind(now_ms())
                .execute(&mut *tx.tx)
                .await?;
            }
            Ok(())
        })
        .await
    }

    /// Withdraws a finalist: no new ballots, but every vote stays and the finalist stays in fits.
    pub async fn arena_withdraw(
        &self,
        actor: &Actor,
        id: i64,
        alias: &str,
    ) -> Result<ArenaSession> {
        let detail = json!({"session": id, "alias": alias});
        self.session_audited(actor, id, "arena.withdraw", detail, async |tx| {
            let changed = sqlx::query(
                "UPDATE arena_items SET withdrawn_at = $3 \
                 WHERE session_id = $1 AND alias = $2 AND withdrawn_at IS NULL",
            )
            .bind(id)
            .bind(alias)
            .bind(now_ms())
            .execute(&mut *tx.tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(Error::Conflict(format!(
                    "{alias} is not an active finalist of session {id}"
                )));
            }
            Ok(())
        })
        .await
    }

    /// The member's next ballot: their unanswered one, or the most informative pair they have not
    /// judged yet (409 when the cap is reached or every pair is judged).
    pub async fn arena_next_ballot(&self, actor: &Actor, id: i64) -> Result<Ballot> {
        self.audited(&actor.name, async |tx| {
            let s = load_session(tx, id).await?;
            if s.closed {
                return Err(Error::Conflict(format!("session {id} is closed")));
            }
            let items = load_items(tx, id).await?;
            let votes = load_votes(tx, id).await?;
            let your_votes = votes.iter().filter(|v| v.1 == actor.user_id).count() as i64;
            if your_votes >= s.member_cap {
                return Err(Error::Conflict(format!(
                    "you have cast the session's cap of {} votes",
                    s.member_cap
                )));
            }
            let pending = sqlx::query(
                "SELECT b.id, b.left_id, b.right_id FROM arena_ballots b \
                 LEFT JOIN arena_votes v ON v.ballot_id = b.id \
                 WHERE b.session_id = $1 AND b.voter_id = $2 AND v.id IS NULL ORDER BY b.id DESC LIMIT 1",
            )
            .bind(id)
            .bind(actor.user_id)
            .fetch_optional(&mut *tx.tx)
            .await?;
            let index_of = |cid: i64| items.iter().position(|i| i.candidate_id == cid);
            let active = |cid: i64| index_of(cid).is_some_and(|k| !items[k].withdrawn);

            let (ballot_id, left, right, sd, entry) = match pending {
                Some(r) if active(r.try_get("left_id")?) && active(r.try_get("right_id")?) => (
                    r.try_get("id")?,
                    r.try_get("left_id")?,
                    r.try_get("right_id")?,
                    f64::NAN,
                    None,
                ),
                _ => {
                    let aliases: Vec<&str> = items.iter().map(|i| i.alias.as_str()).collect();
                    let mut builder = ComparisonsBuilder::with_items(aliases.iter().copied());
                    let mut judged = std::collections::HashSet::new();
                    for (_, voter, l, r, outcome) in &votes {
                        let (Some(li), Some(ri)) = (index_of(*l), index_of(*r)) else {
                            continue;
                        };
                        builder
                            .add(aliases[li], aliases[ri], outcome.outcome(), 1, 1.0)
                            .map_err(arena_error)?;
                        if *voter == actor.user_id {
                            judged.insert((li.min(ri), li.max(ri)));
                        }
                    }
                    let comparisons = builder.build();
                    let suggestion = next_pair(
                        &comparisons,
                        |i, j| !items[i].withdrawn && !items[j].withdrawn && !judged.contains(&(i, j)),
                        &ActiveOptions {
                            prior: COMMITTEE_PRIOR,
                            seed: seed_of(&[id, actor.user_id, your_votes, random_u64()? as i64]),
                        },
                    )
                    .map_err(arena_error)?
                    .ok_or_else(|| {
                        Error::Conflict("you have judged every pair of active finalists".into())
                    })?;
                    let (l, r) = (
                        items[suggestion.left].candidate_id,
                        items[suggestion.right].candidate_id,
                    );
                    let ballot: i64 = sqlx::query_scalar(
                        "INSERT INTO arena_ballots (session_id, voter_id, left_id, right_id, issued_at) \
                         VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    )
                    .bind(id)
                    .bind(actor.user_id)
                    .bind(l)
                    .bind(r)
                    .bind(now_ms())
                    .fetch_one(&mut *tx.tx)
                    .await?;
                    let detail = json!({"session": id, "ballot": ballot});
                    let entry = Entry::new("arena.ballot", None, detail);
                    (ballot, l, r, suggestion.sd_difference, Some(entry))
                }
            };
            let show = sees_identities(&s, actor);
            let mut sides = Vec::with_capacity(2);
            for cid in [left, right] {
                let item = index_of(cid)
                    .map(|k| &items[k])
                    .ok_or_else(|| Error::Invalid("ballot item left the session".into()))?;
                let tags = if show {
                    candidate_tags(tx, cid).await?
                } else {
                    Vec::new()
                };
                sides.push(BallotSide {
                    alias: item.alias.clone(),
                    candidate_id: show.then_some(cid),
                    name: show.then(|| item.name.clone()),
                    source_org: item.source_org.clone().filter(|_| show),
                    researcher_key: item.researcher_key.clone().filter(|_| show),
                    tags,
                });
            }
            let [left_side, right_side]: [BallotSide; 2] = sides
                .try_into()
                .map_err(|_| Error::Invalid("a ballot has two sides".into()))?;
            let ballot = Ballot {
                id: ballot_id,
                session_id: id,
                left: left_side,
                right: right_side,
                sd_difference: sd,
                your_votes,
                member_cap: s.member_cap,
            };
            // A ballot handed out again is not a new issue: only a new one is audited.
            Ok((ballot, entry))
        })
        .await
    }

    /// Records a vote on one of the member's own ballots.
    pub async fn arena_vote(
        &self,
        actor: &Actor,
        ballot: i64,
        outcome: VoteOutcome,
    ) -> Result<Value> {
        self.audited(&actor.name, async |tx| {
            let row = sqlx::query(
                "SELECT session_id, voter_id, left_id, right_id FROM arena_ballots WHERE id = $1",
            )
            .bind(ballot)
            .fetch_optional(&mut *tx.tx)
            .await?;
            // Someone else's ballot is reported as missing, so ballot ids reveal nothing.
            let row = match row {
                Some(r) if r.try_get::<i64, _>("voter_id")? == actor.user_id => r,
                _ => {
                    return Err(Error::NotFound {
                        what: "ballot",
                        id: ballot.to_string(),
                    });
                }
            };
            let session: i64 = row.try_get("session_id")?;
            let (left, right): (i64, i64) = (row.try_get("left_id")?, row.try_get("right_id")?);
            let s = load_session(tx, session).await?;
            if s.closed {
                return Err(Error::Conflict(format!("session {session} is closed")));
            }
            let items = load_items(tx, session).await?;
            if items
                .iter()
                .any(|i| (i.candidate_id == left || i.candidate_id == right) && i.withdrawn)
            {
                return Err(Error::Conflict(
                    "a finalist on this ballot was withdrawn; ask for a new ballot".into(),
                ));
            }
            let (low, high) = (left.min(right), left.max(right));
            let already: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM arena_votes WHERE session_id = $1 AND voter_id = $2 \
                 AND ((pair_low = $3 AND pair_high = $4) OR ballot_id = $5)",
            )
            .bind(session)
            .bind(actor.user_id)
            .bind(low)
            .bind(high)
            .bind(ballot)
            .fetch_one(&mut *tx.tx)
            .await?;
            if already > 0 {
                return Err(Error::Conflict(
                    "you have already voted on this pair in this session".into(),
                ));
            }
            let cast: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM arena_votes WHERE session_id = $1 AND voter_id = $2",
            )
            .bind(session)
            .bind(actor.user_id)
            .fetch_one(&mut *tx.tx)
            .await?;
            if cast >= s.member_cap {
                return Err(Error::Conflict(format!(
                    "you have cast the session's cap of {} votes",
                    s.member_cap
                )));
            }
            let vote: i64 = sqlx::query_scalar(
                "INSERT INTO arena_votes (session_id, ballot_id, voter_id, left_id, right_id, pair_low, \
                 pair_high, outcome, voted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(session)
            .bind(ballot)
            .bind(actor.user_id)
            .bind(left)
            .bind(right)
            .bind(low)
            .bind(high)
            .bind(outcome.as_str())
            .bind(now_ms())
            .fetch_one(&mut *tx.tx)
            .await?;
            let out = json!({"vote": vote, "session_id": session, "your_votes": cast + 1, "member_cap": s.member_cap});
            let detail = json!({"session": session, "ballot": ballot, "vote": vote});
            Ok((out, Entry::new("arena.vote", None, detail)))
        })
        .await
    }

    /// Fits the session's votes, records the fit with its snapshot (and in the audit log).
    pub async fn arena_fit(
        &self,
        actor: &Actor,
        id: i64,
        ci: CiMethod,
        rounds: usize,
    ) -> Result<FitRecord> {
        if !(1..=10_000).contains(&rounds) {
            return Err(Error::Invalid("rounds must be 1–10000".into()));
        }
        self.audited(&actor.name, async |tx| {
            let s = load_session(tx, id).await?;
            let items = load_items(tx, id).await?;
            let votes = load_votes(tx, id).await?;
            let alias_of = |cid: i64| {
                items
                    .iter()
                    .find(|i| i.candidate_id == cid)
                    .map(|i| i.alias.clone())
                    .ok_or_else(|| {
                        Error::Invalid(format!("vote on candidate {cid} outside the session"))
                    })
            };
            let mut snapshot_votes = Vec::with_capacity(votes.len());
            for (vote, voter, l, r, outcome) in &votes {
                snapshot_votes.push((*vote, *voter, alias_of(*l)?, alias_of(*r)?, *outcome));
            }
            let snapshot = FitSnapshot {
                session_id: id,
                ci,
                rounds,
                seed: seed_of(&[id, votes.len() as i64]),
                prior: COMMITTEE_PRIOR,
                min_votes: u64::try_from(s.min_votes).unwrap_or(0),
                items: items
                    .iter()
                    .map(|i| (i.alias.clone(), i.candidate_id, i.withdrawn))
                    .collect(),
                votes: snapshot_votes,
            };
            let result = compute_fit(&snapshot)?;
            let snapshot_json =
                serde_json::to_value(&snapshot).map_err(|e| Error::Invalid(e.to_string()))?;
            let snapshot_text = snapshot_json.to_string();
            let hash = crate::secret::token_hash(&snapshot_text);
            let fit_id: i64 = sqlx::query_scalar(
                "INSERT INTO arena_fits (session_id, fitted_by, fitted_at, snapshot, snapshot_hash, result) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(id)
            .bind(actor.user_id)
            .bind(now_ms())
            .bind(&snapshot_text)
            .bind(&hash)
            .bind(result.to_string())
            .fetch_one(&mut *tx.tx)
            .await?;
            let detail = json!({"session": id, "fit": fit_id, "snapshot_hash": hash, "snapshot": snapshot_json});
            let record = FitRecord {
                id: fit_id,
                session_id: id,
                snapshot_hash: hash,
                result: self.reveal(actor, &s, &items, result),
                reproduced: None,
            };
            Ok((record, Entry::new("arena.fit", None, detail)))
        })
        .await
    }

    /// Adds names to a result's rows for those allowed to see them.
    fn reveal(&self, actor: &Actor, s: &SessionRow, items: &[ItemRow], mut result: Value) -> Value {
        if sees_identities(s, actor)
            && let Some(rows) = result.get_mut("rows").and_then(Value::as_array_mut)
        {
            for row in rows {
                let alias = row.get("alias").and_then(Value::as_str).unwrap_or_default();
                if let Some(i) = items.iter().find(|i| i.alias == alias) {
                    row["candidate_id"] = json!(i.candidate_id);
                    row["name"] = json!(i.name);
                    row["source_org"] = json!(i.source_org);
                }
            }
        }
        result
    }

    /// The session's recorded fits, newest first (audited like every read).
    pub async fn arena_fits(&self, actor: &Actor, session: i64) -> Result<Vec<FitSummary>> {
        self.audited(&actor.name, async |tx| {
            load_session(tx, session).await?;
            let rows = sqlx::query(
                "SELECT f.id, f.fitted_at, f.snapshot_hash, f.result, u.name AS fitted_by \
             FROM arena_fits f JOIN users u ON u.id = f.fitted_by \
             WHERE f.session_id = $1 ORDER BY f.id DESC",
            )
            .bind(session)
            .fetch_all(&mut *tx.tx)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let result: Value = serde_json::from_str(&r.try_get::<String, _>("result")?)
                    .map_err(|e| Error::Invalid(format!("stored fit: {e}")))?;
                out.push(FitSummary {
                    id: r.try_get("id")?,
                    session_id: session,
                    fitted_by: r.try_get("fitted_by")?,
                    fitted_at: r.try_get("fitted_at")?,
                    snapshot_hash: r.try_get("snapshot_hash")?,
                    total_votes: result["total_votes"].as_i64().unwrap_or(0),
                    interval_method: result["interval_method"].as_str().map(str::to_owned),
                });
            }
            Ok((
                out,
                Entry::new("arena.fits", None, json!({"session": session})),
            ))
        })
        .await
    }

    /// A recorded fit; with `verify`, recomputed from its snapshot and compared.
    pub async fn arena_fit_record(
        &self,
        actor: &Actor,
        fit_id: i64,
        verify: bool,
    ) -> Result<FitRecord> {
        self.audited(&actor.name, async |tx| {
            let row = sqlx::query(
                "SELECT session_id, snapshot, snapshot_hash, result FROM arena_fits WHERE id = $1",
            )
            .bind(fit_id)
            .fetch_optional(&mut *tx.tx)
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "arena fit",
                id: fit_id.to_string(),
            })?;
            let session: i64 = row.try_get("session_id")?;
            let snapshot_text: String = row.try_get("snapshot")?;
            let hash: String = row.try_get("snapshot_hash")?;
            let stored_text: String = row.try_get("result")?;
            let stored: Value = serde_json::from_str(&stored_text)
                .map_err(|e| Error::Invalid(format!("stored fit: {e}")))?;
            let reproduced = if verify {
                let snapshot: FitSnapshot = serde_json::from_str(&snapshot_text)
                    .map_err(|e| Error::Invalid(format!("stored snapshot: {e}")))?;
                let same_hash = crate::secret::token_hash(&snapshot_text) == hash;
                // Compared as text: the stored result is exactly what `compute_fit` serialised.
                let recomputed = serde_json::to_string(&compute_fit(&snapshot)?)
                    .map_err(|e| Error::Invalid(e.to_string()))?;
                Some(same_hash && recomputed == stored_text)
            } else {
                None
            };
            let s = load_session(tx, session).await?;
            let items = load_items(tx, session).await?;
            let record = FitRecord {
                id: fit_id,
                session_id: session,
                snapshot_hash: hash,
                result: self.reveal(actor, &s, &items, stored),
                reproduced,
            };
            let detail = json!({"fit": fit_id, "verify": verify});
            Ok((record, Entry::new("arena.fit.read", None, detail)))
        })
        .await
    }
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

    fn snapshot(votes: Vec<(i64, i64, &str, &str, VoteOutcome)>) -> FitSnapshot {
        FitSnapshot {
            session_id: 1,
            ci: CiMethod::Bootstrap,
            rounds: 200,
            seed: 7,
            prior: COMMITTEE_PRIOR,
            min_votes: 3,
            items: vec![
                ("Finalist A".into(), 10, false),
                ("Finalist B".into(), 11, true),
                ("Finalist C".into(), 12, false),
                ("Finalist D".into(), 13, false),
            ],
            votes: votes
                .into_iter()
                .map(|(v, u, l, r, o)| (v, u, l.to_owned(), r.to_owned(), o))
                .collect(),
        }
    }

    #[test]
    fn fits_are_reproducible_and_mark_withdrawn_provisional_and_disconnected() -> Result<()> {
        let mut votes = Vec::new();
        let mut id = 0;
        for voter in 1..=3 {
            for _ in 0..2 {
                id += 1;
                votes.push((id, voter, "Finalist A", "Finalist B", VoteOutcome::Left));
            }
        }
        votes.push((100, 1, "Finalist C", "Finalist D", VoteOutcome::Tie));
        let snap = snapshot(votes);
        let a = compute_fit(&snap)?;
        assert_eq!(a, compute_fit(&snap)?, "same snapshot, same result");
        assert_eq!(a["components"], 2);
        let warnings = a["warnings"].to_string();
        assert!(warnings.contains("disconnected"), "{warnings}");
        assert!(warnings.contains("provisional"), "{warnings}");
        let rows = a["rows"].as_array().cloned().unwrap_or_default();
        assert_eq!(rows.len(), 4, "every finalist stays in the fit");
        let b = rows
            .iter()
            .find(|r| r["alias"] == "Finalist B")
            .cloned()
            .unwrap_or_default();
        assert_eq!(b["withdrawn"], true);
        let c = rows
            .iter()
            .find(|r| r["alias"] == "Finalist C")
            .cloned()
            .unwrap_or_default();
        assert_eq!(c["provisional"], true);
        assert_eq!(rows[0]["alias"], "Finalist A");
        Ok(())
    }

    #[test]
    fn a_voter_who_always_contradicts_the_consensus_is_flagged() -> Result<()> {
        let order = ["Finalist A", "Finalist C", "Finalist D"];
        let mut votes = Vec::new();
        let mut id = 0;
        for voter in 1..=4 {
            for _ in 0..6 {
                for (i, j) in [(0, 1), (1, 2), (0, 2)] {
                    id += 1;
                    // Voters 1–3 prefer the earlier finalist; voter 4 always the later one.
                    let outcome = if voter == 4 {
                        VoteOutcome::Right
                    } else {
                        VoteOutcome::Left
                    };
                    votes.push((id, voter, order[i], order[j], outcome));
                }
            }
        }
        let result = compute_fit(&snapshot(votes))?;
        let flagged: Vec<i64> = result["flagged_voters"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v["voter_id"].as_i64())
            .collect();
        assert_eq!(flagged, vec![4]);
        Ok(())
    }
}
