//! Fitting a session's votes (Bradley–Terry with intervals, outlier voters flagged), recording
//! each fit with its input snapshot, and reproducing a recorded fit from that snapshot.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::Row;

use scout_arena::{
    BootstrapOptions, ComparisonsBuilder, FitOptions, Leaderboard, SandwichOptions, SprtOptions,
    VoteLog, bootstrap, components, fit, sandwich, sprt_all_voters,
};

use super::load::{ItemRow, SessionRow, load_items, load_session, load_votes, sees_identities};
use super::model::VoteOutcome;
use crate::error::{Error, Result};
use crate::model::Actor;
use crate::store::{Entry, Store};
use crate::time::now_ms;

/// L2 prior (log-odds) of committee fits: keeps ratings finite while votes are few (someone who
/// has never lost would otherwise be rated infinitely high) and shrinks thin evidence to the mean.
pub const COMMITTEE_PRIOR: f64 = 0.1;
/// How to fit.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, schemars::JsonSchema,
)]
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
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FitSummary {
    pub id: i64,
    pub session_id: i64,
    /// Name of the member who ran the fit.
    pub fitted_by: String,
    #[serde(serialize_with = "crate::model::ser_time")]
    #[schemars(with = "String")]
    pub fitted_at: i64,
    pub snapshot_hash: String,
    /// Votes the fit was computed from.
    pub total_votes: i64,
    pub interval_method: Option<String>,
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

/// A seed from `parts`, the same every time, so that a fit or a ballot's sides can be
/// explained afterwards.
pub(super) fn seed_of(parts: &[i64]) -> u64 {
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

/// A ranking error, as the pipeline's invalid-input error.
pub(super) fn arena_error(e: scout_arena::ArenaError) -> Error {
    Error::Invalid(format!("arena: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
