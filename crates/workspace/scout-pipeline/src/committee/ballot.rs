//! A ballot as a member receives it: issued first ([`Store::arena_next_ballot`]), then, once
//! the server has gathered the corpus facts of its two sides, answered with a packet per side
//! ([`Store::arena_packets`]). Which packet a side gets, and which identities it names, is
//! decided here from the session as it stands then and the member asking — never from what the
//! caller passes in.

use serde_json::json;

use scout_corpus::researchers::CareerStage;

use super::load::{candidate_tags, load_items, load_session, sees_identities};
use super::model::{Ballot, BallotSide};
use super::packet::{CorpusFacts, Packet, blind, named};
use crate::error::{Error, Result};
use crate::model::Actor;
use crate::stage::Stage;
use crate::store::{Entry, Store, notes_of, visible_scorecards};

/// A ballot issued to a member, before its packets: what the server needs to gather the
/// corpus facts (the sides' researcher keys and the session's topic). Not an answer: the
/// keys would name the finalists of a blind session.
#[derive(Debug, Clone)]
pub struct IssuedBallot {
    pub(super) id: i64,
    pub(super) session_id: i64,
    /// Candidate ids, left and right.
    pub(super) pair: [i64; 2],
    pub(super) researcher_keys: [Option<String>; 2],
    pub(super) topic: Option<String>,
    pub(super) sd_difference: f64,
    pub(super) your_votes: i64,
    pub(super) member_cap: i64,
}

impl IssuedBallot {
    /// The researcher keys of the left and right finalist (`None`: not linked to the corpus).
    pub fn researcher_keys(&self) -> &[Option<String>; 2] {
        &self.researcher_keys
    }

    /// The List text the session's finalists came from, if the owner gave one.
    pub fn topic(&self) -> Option<&str> {
        self.topic.as_deref()
    }
}

impl Store {
    /// The ballot with a packet per side, from the corpus facts of the left and right
    /// finalist: named where the member may see identities, else blind. The read of notes and
    /// scorecards is audited (`arena.packets`).
    pub async fn arena_packets(
        &self,
        actor: &Actor,
        issued: IssuedBallot,
        facts: [CorpusFacts; 2],
    ) -> Result<Ballot> {
        self.audited(&actor.name, async |tx| {
            let voter: Option<i64> =
                sqlx::query_scalar("SELECT voter_id FROM arena_ballots WHERE id = $1")
                    .bind(issued.id)
                    .fetch_optional(&mut *tx.tx)
                    .await?;
            if voter != Some(actor.user_id) {
                return Err(Error::NotFound {
                    what: "ballot",
                    id: issued.id.to_string(),
                });
            }
            let s = load_session(tx, issued.session_id).await?;
            let items = load_items(tx, issued.session_id).await?;
            let show = sees_identities(&s, actor);
            let mut sides = Vec::with_capacity(2);
            for (cid, facts) in issued.pair.into_iter().zip(facts) {
                let item = items
                    .iter()
                    .find(|i| i.candidate_id == cid)
                    .ok_or_else(|| Error::Invalid("ballot item left the session".into()))?;
                let stage: Stage = item.stage.parse().map_err(|_| {
                    Error::Invalid(format!("unknown stored stage {:?}", item.stage))
                })?;
                let set_stage = item.career_stage.as_deref().and_then(CareerStage::parse);
                let scorecards = visible_scorecards(&mut tx.tx, actor.user_id, cid).await?;
                let packet = if show {
                    let notes = notes_of(&mut tx.tx, cid).await?;
                    Packet::Named(named(stage, set_stage, facts, scorecards, notes))
                } else {
                    Packet::Blind(blind(set_stage, &facts, scorecards))
                };
                sides.push(BallotSide {
                    alias: item.alias.clone(),
                    candidate_id: show.then_some(cid),
                    name: show.then(|| item.name.clone()),
                    source_org: item.source_org.clone().filter(|_| show),
                    researcher_key: item.researcher_key.clone().filter(|_| show),
                    tags: if show {
                        candidate_tags(tx, cid).await?
                    } else {
                        Vec::new()
                    },
                    packet,
                });
            }
            let [left, right]: [BallotSide; 2] = sides
                .try_into()
                .map_err(|_| Error::Invalid("a ballot has two sides".into()))?;
            let ballot = Ballot {
                id: issued.id,
                session_id: issued.session_id,
                left,
                right,
                sd_difference: issued.sd_difference,
                your_votes: issued.your_votes,
                member_cap: issued.member_cap,
            };
            let detail = json!({"session": issued.session_id, "ballot": issued.id, "named": show});
            Ok((ballot, Some(Entry::new("arena.packets", None, detail))))
        })
        .await
    }
}
