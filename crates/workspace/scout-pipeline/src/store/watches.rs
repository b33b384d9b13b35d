//! Watchlists and the move radar.
//!
//! A member watches researchers by corpus key. The corpus's side is
//! `scout_corpus::watch_facts`: every item it shows about a researcher (papers, moves,
//! organisations, first papers with a rival's people), named by stable keys. When the first
//! member watches a researcher, what the corpus shows then is the baseline (`watch_seen`) and
//! raises nothing; after each refresh the interface layer observes the watched researchers the
//! refresh may have changed (`radar.rs`: where the radar stands in the corpus) and
//! [`Store::record_radar_run`] records an alert for each item not seen before
//! (an organisation a move already reports is remembered without an alert of its own).
//!
//! Alerts belong to the researcher; a member's inbox is the alerts of the researchers they
//! watch, unread until they mark them (alerts from before their watch began count as read).
//! The webhook delivery reads every alert in id order ([`Store::alerts_after`]).
//!
//! Watching and unwatching are audited (`watch.add`, `watch.remove`, with the candidate on
//! that researcher if there is one, never the key: keys carry names); a radar run is one audit
//! entry (`radar.run`) with its counts. When the last watcher leaves, the seen items go (a
//! later watch takes a new baseline). A candidate's erasure removes the watches, seen items
//! and alerts of their researcher key; a merged key's watches, seen items and alerts follow
//! the surviving key (`key_follow.rs`).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{AnyConnection, Row};

use super::audited::Entry;
use super::handle::Store;
use crate::error::{Error, Result};
use crate::model::{Actor, ser_opt_time, ser_time};
use crate::time::now_ms;
pub use scout_corpus::watch_facts::{
    Evidence as AlertEvidence, ItemKind as AlertKind, Observed, PaperRef,
};

/// The actor of a radar run's audit entry.
pub const RADAR_ACTOR: &str = "system:move-radar";
/// Longest researcher key accepted (the candidates' limit).
const MAX_KEY: usize = 300;
/// Most alerts one page answers.
pub const MAX_ALERT_PAGE: i64 = 500;

/// A researcher a member watches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Watch {
    pub researcher_key: String,
    /// The researcher's name when the watch began.
    pub researcher: String,
    #[serde(serialize_with = "ser_time")]
    #[schemars(with = "String")]
    pub created_at: i64,
    /// Alerts on this researcher the member has not read.
    pub unread: i64,
    /// The candidate on this researcher, if the workspace has one.
    pub candidate_id: Option<i64>,
}

/// One alert: something new the corpus shows about a watched researcher.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Alert {
    pub id: i64,
    pub researcher_key: String,
    pub researcher: String,
    pub kind: AlertKind,
    /// When it happened (a paper's year, a move's first year at the new place).
    pub year: Option<i32>,
    pub summary: String,
    /// How sure the reading is, 0–1 (moves).
    pub confidence: Option<f64>,
    pub evidence: AlertEvidence,
    /// When the radar recorded it.
    #[serde(serialize_with = "ser_time")]
    #[schemars(with = "String")]
    pub created_at: i64,
    /// When a later refresh no longer showed this move (a stint that turned out a visit, a
    /// double affiliation, or papers that moved to another researcher); `None` while it stands.
    #[serde(serialize_with = "ser_opt_time")]
    #[schemars(with = "Option<String>")]
    pub withdrawn_at: Option<i64>,
    /// Whether the member asking has read it (false where no member asks: webhooks).
    pub read: bool,
}

/// Which of a member's alerts to list.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertFilter {
    /// Only alerts recorded at or after this instant (Unix milliseconds).
    #[serde(default)]
    pub since_ms: Option<i64>,
    /// Only unread alerts.
    #[serde(default)]
    pub unread: bool,
    /// Only alerts older than this id (the next page).
    #[serde(default)]
    pub before: Option<i64>,
    /// Only this researcher's alerts.
    #[serde(default)]
    pub researcher_key: Option<String>,
    /// Only alerts of this kind.
    #[serde(default)]
    pub kind: Option<AlertKind>,
    /// At most this many (default 50, at most 500).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// A page of a member's alerts, newest first, and their unread count overall.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AlertPage {
    pub alerts: Vec<Alert>,
    pub unread: i64,
}

/// What a radar run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RadarReport {
    /// Watched researchers the corpus showed.
    pub researchers: u64,
    /// Items seen for the first time (alerts and quiet ones).
    pub new_items: u64,
    /// The alerts recorded, by id.
    pub alerts: Vec<i64>,
    /// Move alerts the corpus no longer shows, now marked withdrawn.
    pub withdrawn: Vec<i64>,
    /// Withdrawn move alerts the corpus shows again, reinstated.
    pub reinstated: Vec<i64>,
}

const ALERT_COLUMNS: &str = "a.id, a.researcher_key, a.researcher_name, a.kind, a.year, a.summary, \
                             a.confidence_pct, a.evidence, a.created_at, a.withdrawn_at";

fn alert_from_row(r: &sqlx::any::AnyRow, read: bool) -> Result<Alert> {
    let kind: String = r.try_get("kind")?;
    let evidence: String = r.try_get("evidence")?;
    let year: Option<i64> = r.try_get("year")?;
    let pct: Option<i64> = r.try_get("confidence_pct")?;
    Ok(Alert {
        id: r.try_get("id")?,
        researcher_key: r.try_get("researcher_key")?,
        researcher: r.try_get("researcher_name")?,
        kind: AlertKind::parse(&kind)
            .ok_or_else(|| Error::Invalid(format!("unknown alert kind {kind:?} stored")))?,
        year: year.and_then(|y| i32::try_from(y).ok()),
        summary: r.try_get("summary")?,
        confidence: pct.map(|p| p as f64 / 100.0),
        evidence: serde_json::from_str(&evidence)
            .map_err(|e| Error::Invalid(format!("stored alert evidence: {e}")))?,
        created_at: r.try_get("created_at")?,
        withdrawn_at: r.try_get("withdrawn_at")?,
        read,
    })
}

/// The live candidate on `key`, for audit entries (never the key itself).
async fn candidate_on(conn: &mut AnyConnection, key: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM candidates WHERE researcher_key = $1 AND erased_at IS NULL \
         AND merged_into IS NULL ORDER BY id LIMIT 1",
    )
    .bind(key)
    .fetch_optional(conn)
    .await?)
}

/// Inserts seen items (those already there are left).
async fn remember(conn: &mut AnyConnection, key: &str, items: &[&str]) -> Result<()> {
    for item in items {
        sqlx::query(
            "INSERT INTO watch_seen (researcher_key, item) VALUES ($1, $2) \
             ON CONFLICT (researcher_key, item) DO NOTHING",
        )
        .bind(key)
        .bind(*item)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The rows of `select` (restricted by `filter`, a condition, when given) for the researcher
/// `keys` at least: a radar run reads the watches, seen items and move alerts of the
/// researchers it observed, not those of everyone watched. Up to [`SCAN_ABOVE`] keys are read
/// with `researcher_key IN (…)` in chunks (no statement binds too many parameters); past it,
/// one scan of every row is cheaper than the lookups, and the caller ignores the rest.
async fn rows_of_keys(
    store: &Store,
    select: &str,
    filter: Option<&str>,
    keys: &[&str],
) -> Result<Vec<sqlx::any::AnyRow>> {
    const CHUNK: usize = 500;
    if keys.len() > SCAN_ABOVE {
        let sql = match filter {
            Some(f) => format!("{select} WHERE {f}"),
            None => select.to_string(),
        };
        return Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&store.db.pool)
            .await?);
    }
    let mut rows = Vec::new();
    for chunk in keys.chunks(CHUNK) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        // Built from the code's own statements and numbered placeholders, never from input.
        let sql = format!(
            "{select} WHERE researcher_key IN ({}){}",
            marks.join(", "),
            filter.map_or(String::new(), |f| format!(" AND {f}"))
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for key in chunk {
            query = query.bind(*key);
        }
        rows.extend(query.fetch_all(&store.db.pool).await?);
    }
    Ok(rows)
}

/// Past this many researchers observed, a radar run reads the watch tables whole (measured on
/// `scripts/radar-replay`'s ~200k watched researchers: chunked reads of all of them took about
/// 2 s longer than the scans).
const SCAN_ABOVE: usize = 20_000;

/// The seen-item name of an item: its kind and name (an organisation and a move may share a
/// key, never a kind).
fn seen_name(kind: AlertKind, item: &str) -> String {
    format!("{}|{item}", kind.as_str())
}

impl Store {
    /// Starts `actor` watching the researcher the corpus shows as `observed`. The first watch
    /// on a researcher takes the baseline: everything observed now is seen and raises nothing.
    /// Watching again changes nothing.
    pub async fn add_watch(&self, actor: &Actor, observed: &Observed) -> Result<Watch> {
        let key = super::fields::required_text("researcher_key", &observed.key, MAX_KEY)?;
        self.add_watches(actor, std::slice::from_ref(observed))
            .await?;
        let created_at: i64 = sqlx::query_scalar(
            "SELECT created_at FROM watches WHERE user_id = $1 AND researcher_key = $2",
        )
        .bind(actor.user_id)
        .bind(&key)
        .fetch_one(&self.db.pool)
        .await?;
        let mut conn = self.db.pool.acquire().await?;
        let candidate_id = candidate_on(&mut conn, &key).await?;
        Ok(Watch {
            researcher_key: key,
            researcher: observed.name.clone(),
            created_at,
            unread: 0,
            candidate_id,
        })
    }

    /// [`Store::add_watch`] for many researchers in one transaction and one audit entry
    /// (`watch.add`; with the candidate when there is one researcher and a candidate on it).
    /// Returns how many watches began.
    pub async fn add_watches(&self, actor: &Actor, observed: &[Observed]) -> Result<u64> {
        for o in observed {
            super::fields::required_text("researcher_key", &o.key, MAX_KEY)?;
        }
        let now = now_ms();
        self.audited(&actor.name, async |tx| {
            let mine: HashSet<String> =
                sqlx::query_scalar("SELECT researcher_key FROM watches WHERE user_id = $1")
                    .bind(actor.user_id)
                    .fetch_all(&mut *tx.tx)
                    .await?
                    .into_iter()
                    .collect();
            let watched: HashSet<String> =
                sqlx::query_scalar("SELECT DISTINCT researcher_key FROM watches")
                    .fetch_all(&mut *tx.tx)
                    .await?
                    .into_iter()
                    .collect();
            let (mut began, mut baseline_items) = (0_u64, 0_usize);
            let mut seen_keys: HashSet<&str> = HashSet::new();
            for o in observed {
                let key = o.key.trim();
                if mine.contains(key) || !seen_keys.insert(key) {
                    continue;
                }
                if !watched.contains(key) {
                    let seen: Vec<String> =
                        o.items.iter().map(|i| seen_name(i.kind, &i.item)).collect();
                    let seen: Vec<&str> = seen.iter().map(String::as_str).collect();
                    remember(&mut tx.tx, key, &seen).await?;
                    baseline_items += seen.len();
                }
                sqlx::query(
                    "INSERT INTO watches (user_id, researcher_key, researcher_name, created_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(actor.user_id)
                .bind(key)
                .bind(&o.name)
                .bind(now)
                .execute(&mut *tx.tx)
                .await?;
                began += 1;
            }
            if began == 0 {
                return Ok((0, None));
            }
            let candidate_id = match observed {
                [one] => candidate_on(&mut tx.tx, one.key.trim()).await?,
                _ => None,
            };
            let detail = json!({"watches": began, "baseline_items": baseline_items});
            Ok((began, Some(Entry::new("watch.add", candidate_id, detail))))
        })
        .await
    }

    /// Stops `actor` watching `key`; false when they did not. The last watcher leaving drops
    /// the researcher's seen items.
    pub async fn remove_watch(&self, actor: &Actor, key: &str) -> Result<bool> {
        self.audited(&actor.name, async |tx| {
            let removed =
                sqlx::query("DELETE FROM watches WHERE user_id = $1 AND researcher_key = $2")
                    .bind(actor.user_id)
                    .bind(key)
                    .execute(&mut *tx.tx)
                    .await?
                    .rows_affected();
            if removed == 0 {
                return Ok((false, None));
            }
            let left: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM watches WHERE researcher_key = $1")
                    .bind(key)
                    .fetch_one(&mut *tx.tx)
                    .await?;
            if left == 0 {
                sqlx::query("DELETE FROM watch_seen WHERE researcher_key = $1")
                    .bind(key)
                    .execute(&mut *tx.tx)
                    .await?;
            }
            let candidate_id = candidate_on(&mut tx.tx, key).await?;
            Ok((
                true,
                Some(Entry::new(
                    "watch.remove",
                    candidate_id,
                    json!({"watchers_left": left}),
                )),
            ))
        })
        .await
    }

    /// The researchers `user_id` watches, with their unread alerts, most recent watch first.
    pub async fn watches_of(&self, user_id: i64) -> Result<Vec<Watch>> {
        let rows = sqlx::query(
            "SELECT w.researcher_key, w.researcher_name, w.created_at, \
               (SELECT COUNT(*) FROM alerts a WHERE a.researcher_key = w.researcher_key \
                  AND a.created_at >= w.created_at AND NOT EXISTS \
                  (SELECT 1 FROM alert_reads r WHERE r.alert_id = a.id AND r.user_id = w.user_id)) AS unread, \
               (SELECT MIN(c.id) FROM candidates c WHERE c.researcher_key = w.researcher_key \
                  AND c.erased_at IS NULL AND c.merged_into IS NULL) AS candidate_id \
             FROM watches w WHERE w.user_id = $1 ORDER BY w.created_at DESC, w.researcher_key",
        )
        .bind(user_id)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Watch {
                    researcher_key: r.try_get("researcher_key")?,
                    researcher: r.try_get("researcher_name")?,
                    created_at: r.try_get("created_at")?,
                    unread: r.try_get("unread")?,
                    candidate_id: r.try_get("candidate_id")?,
                })
            })
            .collect()
    }

    /// Every researcher key someone watches: whom the radar may observe after a refresh.
    pub async fn watched_keys(&self) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT DISTINCT researcher_key FROM watches ORDER BY 1")
                .fetch_all(&self.db.pool)
                .await?,
        )
    }

    /// Records what the corpus now shows about watched researchers: every item not seen
    /// before is remembered, and each that is not quiet becomes an alert. One transaction and
    /// one audit entry for the run; researchers nobody watches are ignored.
    pub async fn record_observations(&self, observed: &[Observed]) -> Result<RadarReport> {
        self.record_radar_run(observed, None).await
    }

    /// [`Store::record_observations`], and when `place` is given, the radar's new place in the
    /// corpus (`radar.rs`), in the same transaction: a run that fails moves nothing.
    pub async fn record_radar_run(
        &self,
        observed: &[Observed],
        place: Option<&super::radar::RadarPlace>,
    ) -> Result<RadarReport> {
        let shown: Vec<&str> = observed.iter().map(|o| o.key.as_str()).collect();
        let mut watched: HashSet<String> = HashSet::new();
        for r in rows_of_keys(
            self,
            "SELECT DISTINCT researcher_key FROM watches",
            None,
            &shown,
        )
        .await?
        {
            watched.insert(r.try_get("researcher_key")?);
        }
        let observed: Vec<&Observed> = observed
            .iter()
            .filter(|o| watched.contains(&o.key))
            .collect();
        let keys: Vec<&str> = observed.iter().map(|o| o.key.as_str()).collect();
        let mut seen: HashMap<String, HashSet<String>> = HashMap::new();
        for r in rows_of_keys(
            self,
            "SELECT researcher_key, item FROM watch_seen",
            None,
            &keys,
        )
        .await?
        {
            seen.entry(r.try_get("researcher_key")?)
                .or_default()
                .insert(r.try_get("item")?);
        }
        // Move alerts by researcher: (item, id, withdrawn).
        let mut moves: HashMap<String, Vec<(String, i64, bool)>> = HashMap::new();
        for r in rows_of_keys(
            self,
            "SELECT researcher_key, item, id, withdrawn_at FROM alerts",
            Some("kind = 'move'"),
            &keys,
        )
        .await?
        {
            let withdrawn: Option<i64> = r.try_get("withdrawn_at")?;
            moves
                .entry(r.try_get("researcher_key")?)
                .or_default()
                .push((r.try_get("item")?, r.try_get("id")?, withdrawn.is_some()));
        }
        let now = now_ms();
        self.audited(RADAR_ACTOR, async |tx| {
            let mut report = RadarReport::default();
            if let Some(place) = place {
                super::radar::set_place(&mut tx.tx, place, now).await?;
            }
            for o in &observed {
                report.researchers += 1;
                // A move alerted before and no longer shown is withdrawn; shown again, reinstated.
                if let Some(alerted) = moves.get(&o.key) {
                    let shown: HashSet<&str> = o
                        .items
                        .iter()
                        .filter(|i| i.kind == AlertKind::Move)
                        .map(|i| i.item.as_str())
                        .collect();
                    for (item, id, withdrawn) in alerted {
                        let now_shown = shown.contains(item.as_str());
                        if now_shown != *withdrawn {
                            continue;
                        }
                        sqlx::query("UPDATE alerts SET withdrawn_at = $2 WHERE id = $1")
                            .bind(*id)
                            .bind((!now_shown).then_some(now))
                            .execute(&mut *tx.tx)
                            .await?;
                        // Logged for the webhooks, which were sent the alert as it was.
                        sqlx::query(
                            "INSERT INTO alert_changes (alert_id, change, at) VALUES ($1, $2, $3)",
                        )
                        .bind(*id)
                        .bind(if now_shown { "reinstated" } else { "withdrawn" })
                        .bind(now)
                        .execute(&mut *tx.tx)
                        .await?;
                        if now_shown {
                            report.reinstated.push(*id);
                        } else {
                            report.withdrawn.push(*id);
                        }
                    }
                }
                let known = seen.get(&o.key);
                let fresh: Vec<_> = o
                    .items
                    .iter()
                    .filter(|i| !known.is_some_and(|k| k.contains(&seen_name(i.kind, &i.item))))
                    .collect();
                if fresh.is_empty() {
                    continue;
                }
                let names: Vec<String> = fresh.iter().map(|i| seen_name(i.kind, &i.item)).collect();
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                remember(&mut tx.tx, &o.key, &names).await?;
                report.new_items += fresh.len() as u64;
                for item in fresh.iter().filter(|i| !i.quiet) {
                    let evidence = serde_json::to_string(&item.evidence)
                        .map_err(|e| Error::Invalid(e.to_string()))?;
                    let id: Option<i64> = sqlx::query_scalar(
                        "INSERT INTO alerts (researcher_key, researcher_name, kind, item, year, \
                         summary, confidence_pct, evidence, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                         ON CONFLICT (researcher_key, kind, item) DO NOTHING RETURNING id",
                    )
                    .bind(&o.key)
                    .bind(&o.name)
                    .bind(item.kind.as_str())
                    .bind(&item.item)
                    .bind(item.year.map(i64::from))
                    .bind(&item.summary)
                    .bind(item.confidence_pct)
                    .bind(&evidence)
                    .bind(now)
                    .fetch_optional(&mut *tx.tx)
                    .await?;
                    report.alerts.extend(id);
                }
            }
            let changed = !report.alerts.is_empty()
                || report.new_items > 0
                || !report.withdrawn.is_empty()
                || !report.reinstated.is_empty();
            let entry = changed.then(|| {
                Entry::new(
                    "radar.run",
                    None,
                    json!({"researchers": report.researchers, "new_items": report.new_items,
                           "alerts": report.alerts.len(), "withdrawn": report.withdrawn.len(),
                           "reinstated": report.reinstated.len()}),
                )
            });
            Ok((report, entry))
        })
        .await
    }

    /// A page of `user_id`'s alerts (the researchers they watch), newest first.
    pub async fn alerts_for(&self, user_id: i64, filter: &AlertFilter) -> Result<AlertPage> {
        let limit = filter.limit.unwrap_or(50).clamp(1, MAX_ALERT_PAGE);
        // Read: recorded before the member's watch began, or marked by them.
        const READ: &str = "(a.created_at < w.created_at OR EXISTS (SELECT 1 FROM alert_reads r \
                            WHERE r.alert_id = a.id AND r.user_id = $1))";
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ALERT_COLUMNS}, CAST(CASE WHEN {READ} THEN 1 ELSE 0 END AS BIGINT) AS is_read \
             FROM alerts a JOIN watches w ON w.researcher_key = a.researcher_key AND w.user_id = $1 \
             WHERE a.created_at >= $2 AND a.id < $3 AND ($4 = '' OR a.researcher_key = $4) \
               AND ($5 = 0 OR NOT {READ}) AND ($7 = '' OR a.kind = $7) \
             ORDER BY a.id DESC LIMIT $6"
        )))
        .bind(user_id)
        .bind(filter.since_ms.unwrap_or(i64::MIN))
        .bind(filter.before.unwrap_or(i64::MAX))
        .bind(filter.researcher_key.as_deref().unwrap_or(""))
        .bind(i64::from(filter.unread))
        .bind(limit)
        .bind(filter.kind.map_or("", AlertKind::as_str))
        .fetch_all(&self.db.pool)
        .await?;
        let alerts = rows
            .iter()
            .map(|r| alert_from_row(r, r.try_get::<i64, _>("is_read")? == 1))
            .collect::<Result<Vec<_>>>()?;
        Ok(AlertPage {
            alerts,
            unread: self.unread_alerts(user_id).await?,
        })
    }

    /// How many alerts `user_id` has not read (the top bar's count).
    pub async fn unread_alerts(&self, user_id: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM alerts a JOIN watches w ON w.researcher_key = a.researcher_key \
             AND w.user_id = $1 WHERE a.created_at >= w.created_at AND NOT EXISTS \
             (SELECT 1 FROM alert_reads r WHERE r.alert_id = a.id AND r.user_id = $1)",
        )
        .bind(user_id)
        .fetch_one(&self.db.pool)
        .await?)
    }

    /// Marks alerts read for `user_id`: those in `ids`, or all of theirs when `ids` is `None`.
    /// Returns how many became read; ids of alerts they cannot see are ignored.
    pub async fn mark_alerts_read(&self, user_id: i64, ids: Option<&[i64]>) -> Result<u64> {
        let unread: Vec<i64> = sqlx::query_scalar(
            "SELECT a.id FROM alerts a JOIN watches w ON w.researcher_key = a.researcher_key \
             AND w.user_id = $1 WHERE NOT EXISTS \
             (SELECT 1 FROM alert_reads r WHERE r.alert_id = a.id AND r.user_id = $1)",
        )
        .bind(user_id)
        .fetch_all(&self.db.pool)
        .await?;
        let wanted: Option<HashSet<i64>> = ids.map(|ids| ids.iter().copied().collect());
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let mut marked = 0;
        for id in unread
            .into_iter()
            .filter(|id| wanted.as_ref().is_none_or(|w| w.contains(id)))
        {
            marked += sqlx::query(
                "INSERT INTO alert_reads (user_id, alert_id, read_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id, alert_id) DO NOTHING",
            )
            .bind(user_id)
            .bind(id)
            .bind(now)
            .execute(&mut *tx.tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(marked)
    }

    /// Every alert of the workspace matching `filter` (its `unread` is ignored: read marks are
    /// a member's), newest first: `scout alerts`.
    pub async fn all_alerts(&self, filter: &AlertFilter) -> Result<Vec<Alert>> {
        let limit = filter.limit.unwrap_or(50).clamp(1, MAX_ALERT_PAGE);
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ALERT_COLUMNS} FROM alerts a \
             WHERE a.created_at >= $1 AND a.id < $2 AND ($3 = '' OR a.researcher_key = $3) \
               AND ($5 = '' OR a.kind = $5) \
             ORDER BY a.id DESC LIMIT $4"
        )))
        .bind(filter.since_ms.unwrap_or(i64::MIN))
        .bind(filter.before.unwrap_or(i64::MAX))
        .bind(filter.researcher_key.as_deref().unwrap_or(""))
        .bind(limit)
        .bind(filter.kind.map_or("", AlertKind::as_str))
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(|r| alert_from_row(r, false)).collect()
    }

    /// Every alert with an id above `after`, in id order, at most `limit` (webhook delivery).
    pub async fn alerts_after(&self, after: i64, limit: i64) -> Result<Vec<Alert>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ALERT_COLUMNS} FROM alerts a WHERE a.id > $1 ORDER BY a.id LIMIT $2"
        )))
        .bind(after)
        .bind(limit.clamp(1, MAX_ALERT_PAGE))
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(|r| alert_from_row(r, false)).collect()
    }
}

/// A later change to an alert: a move alert withdrawn or reinstated by a refresh.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AlertChange {
    pub id: i64,
    /// `withdrawn` or `reinstated`.
    pub change: String,
    #[serde(serialize_with = "ser_time")]
    #[schemars(with = "String")]
    pub at: i64,
    /// The alert as it stands now.
    pub alert: Alert,
}

impl Store {
    /// The changes to alerts after change id `after`, oldest first, at most `limit` (webhook
    /// delivery).
    pub async fn alert_changes_after(&self, after: i64, limit: i64) -> Result<Vec<AlertChange>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT c.id AS change_id, c.change, c.at, {ALERT_COLUMNS} \
             FROM alert_changes c JOIN alerts a ON a.id = c.alert_id \
             WHERE c.id > $1 ORDER BY c.id LIMIT $2"
        )))
        .bind(after)
        .bind(limit.clamp(1, MAX_ALERT_PAGE))
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AlertChange {
                    id: r.try_get("change_id")?,
                    change: r.try_get("change")?,
                    at: r.try_get("at")?,
                    alert: alert_from_row(r, false)?,
                })
            })
            .collect()
    }
}

/// The members watching `key` and the alerts on it, oldest first (a candidate's export).
pub(crate) async fn watches_for_export(
    conn: &mut AnyConnection,
    key: Option<&str>,
) -> Result<(Vec<String>, Vec<Alert>)> {
    let Some(key) = key else {
        return Ok((Vec::new(), Vec::new()));
    };
    let watched_by = sqlx::query_scalar(
        "SELECT u.name FROM watches w JOIN users u ON u.id = w.user_id \
         WHERE w.researcher_key = $1 ORDER BY u.name",
    )
    .bind(key)
    .fetch_all(&mut *conn)
    .await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ALERT_COLUMNS} FROM alerts a WHERE a.researcher_key = $1 ORDER BY a.id"
    )))
    .bind(key)
    .fetch_all(&mut *conn)
    .await?;
    let alerts = rows
        .iter()
        .map(|r| alert_from_row(r, false))
        .collect::<Result<_>>()?;
    Ok((watched_by, alerts))
}

/// Erases the watches, seen items and alerts of `key` (a candidate's erasure); returns the
/// (watches, alerts) removed.
pub(crate) async fn erase_watches(conn: &mut AnyConnection, key: &str) -> Result<(i64, i64)> {
    let watches = sqlx::query("DELETE FROM watches WHERE researcher_key = $1")
        .bind(key)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM watch_seen WHERE researcher_key = $1")
        .bind(key)
        .execute(&mut *conn)
        .await?;
    let alerts = sqlx::query("DELETE FROM alerts WHERE researcher_key = $1")
        .bind(key)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok((
        i64::try_from(watches).unwrap_or(i64::MAX),
        i64::try_from(alerts).unwrap_or(i64::MAX),
    ))
}

/// Moves `old`'s watches, seen items and alerts to `new` after the corpus merged the two
/// researchers (a member watching both keeps one watch, the earlier). Returns the watches
/// moved and whether anything changed at all.
pub(crate) async fn follow_merged_watches(
    conn: &mut AnyConnection,
    old: &str,
    new: &str,
) -> Result<(u64, bool)> {
    let moved = sqlx::query(
        "UPDATE watches SET researcher_key = $2 WHERE researcher_key = $1 AND user_id NOT IN \
         (SELECT user_id FROM watches WHERE researcher_key = $2)",
    )
    .bind(old)
    .bind(new)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let mut changed = moved;
    // (statement, whether it takes the new key as $2), in this order.
    const STATEMENTS: [(&str, bool); 5] = [
        ("DELETE FROM watches WHERE researcher_key = $1", false),
        (
            "INSERT INTO watch_seen (researcher_key, item) SELECT $2, item FROM watch_seen \
             WHERE researcher_key = $1 ON CONFLICT (researcher_key, item) DO NOTHING",
            true,
        ),
        ("DELETE FROM watch_seen WHERE researcher_key = $1", false),
        (
            "UPDATE alerts SET researcher_key = $2 WHERE researcher_key = $1 AND NOT EXISTS \
             (SELECT 1 FROM alerts b WHERE b.researcher_key = $2 AND b.kind = alerts.kind \
              AND b.item = alerts.item)",
            true,
        ),
        ("DELETE FROM alerts WHERE researcher_key = $1", false),
    ];
    for (sql, takes_new) in STATEMENTS {
        let q = sqlx::query(sql).bind(old);
        let q = if takes_new { q.bind(new) } else { q };
        changed += q.execute(&mut *conn).await?.rows_affected();
    }
    Ok((moved, changed > 0))
}
