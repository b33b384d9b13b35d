//! Committee sessions: creating them, what a member sees of one (blinded or not), changing
//! blinding, closing, withdrawing a finalist, issuing ballots and recording votes.

use serde_json::{Value, json};
use sqlx::Row;

use scout_arena::{ActiveOptions, ComparisonsBuilder, next_pair};

use super::ballot::IssuedBallot;
use super::fit::{COMMITTEE_PRIOR, arena_error, seed_of};
use super::load::{load_items, load_session, load_votes, sees_identities};
use super::model::{ArenaItem, ArenaSession, NewArenaSession, VoteOutcome, VoteReceipt};
use crate::db::WriteTx;
use crate::error::{Error, Result};
use crate::model::Actor;
use crate::store::{Entry, Store, required_text};
use crate::time::now_ms;

const MAX_ITEMS: usize = 200;
/// Longest session topic: the List's own limit for a text.
const MAX_TOPIC: usize = 20_000;

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
        let topic = crate::text::optional(
            "topic",
            new.topic.as_deref(),
            MAX_TOPIC,
            crate::text::Lines::Many,
        )?;
        // Aliases in a random order, so that "Finalist A" says nothing about who was added first.
        let mut order: Vec<(u64, i64)> = Vec::with_capacity(ids.len());
        for &id in &ids {
            order.push((random_u64()?, id));
        }
        order.sort_unstable();

        let now = now_ms();
        self.audited(&actor.name, async |tx| {
            for &id in &ids {
                let state: Option<(Option<i64>, Option<i64>)> = sqlx::query_as(
                    "SELECT erased_at, merged_into FROM candidates WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&mut *tx.tx)
                .await?;
                match state {
                    None => return Err(Error::Invalid(format!("no candidate with id {id}"))),
                    Some((Some(_), _)) => {
                        return Err(Error::Invalid(format!("candidate {id} was erased")));
                    }
                    Some((None, Some(into))) => {
                        return Err(Error::Invalid(format!(
                            "candidate {id} was merged into candidate {into}"
                        )));
                    }
                    Some((None, None)) => {}
                }
            }
            let session: i64 = sqlx::query_scalar(
                "INSERT INTO arena_sessions (title, blind, member_cap, min_votes, created_by, created_at, topic) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(&title)
            .bind(i64::from(blind))
            .bind(cap)
            .bind(min_votes)
            .bind(actor.user_id)
            .bind(now)
            .bind(&topic)
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
            let detail = json!({"session": session, "candidates": ids, "blind": blind, "topic_set": topic.is_some(), "member_cap": cap, "min_votes": min_votes});
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
            topic: s.topic.clone(),
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
    /// judged yet (409 when the cap is reached or every pair is judged). The server gathers
    /// the corpus facts of its two sides and answers with
    /// [`Store::arena_packets`](crate::Store::arena_packets).
    pub async fn arena_next_ballot(&self, actor: &Actor, id: i64) -> Result<IssuedBallot> {
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
            let key_of = |cid: i64| {
                index_of(cid)
                    .map(|k| items[k].researcher_key.clone())
                    .ok_or_else(|| Error::Invalid("ballot item left the session".into()))
            };
            let ballot = IssuedBallot {
                id: ballot_id,
                session_id: id,
                pair: [left, right],
                researcher_keys: [key_of(left)?, key_of(right)?],
                topic: s.topic.clone(),
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
    ) -> Result<VoteReceipt> {
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
            let out = VoteReceipt {
                vote,
                session_id: session,
                your_votes: cast + 1,
                member_cap: s.member_cap,
            };
            let detail = json!({"session": session, "ballot": ballot, "vote": vote});
            Ok((out, Entry::new("arena.vote", None, detail)))
        })
        .await
    }
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

/// A random number from the operating system.
fn random_u64() -> Result<u64> {
    let mut buf = [0u8; 8];
    getrandom::fill(&mut buf).map_err(|e| Error::Invalid(format!("no randomness: {e}")))?;
    Ok(u64::from_le_bytes(buf))
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
