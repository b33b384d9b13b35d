//! Webhooks: owner-configured receivers of the move radar's alerts, and their delivery log.
//!
//! An owner registers a URL ([`Store::create_webhook`], checked by `webhook_url::check_url`);
//! Scout makes the webhook's signing secret and answers it once — lists never show it again.
//! Each webhook has a cursor, the id of the last alert delivered to it: the server's delivery
//! worker sends the alerts after it in id order and moves it only past an alert the receiver
//! accepted ([`Store::record_delivery`]), so nothing is skipped and nothing is sent twice except
//! as a retry. A new webhook's cursor is the newest alert id when it is created: it receives
//! what happens from then on, not the history.
//!
//! Later changes to alerts (a move alert withdrawn or reinstated, `alert_changes`) follow the
//! same way on a second cursor (`changes_through`): once a webhook's alerts are delivered, the
//! changes after that cursor whose alert it has passed are sent in change id order. A new
//! webhook's change cursor starts at the newest change.
//!
//! The retry state of the item (alert or change) at the head of a webhook's queue (which alert, how many failed
//! attempts, when the next is due) is stored with the webhook, so a restart keeps the backoff.
//! The delivery log keeps each attempt's outcome with the alert's id only, never a copy of the
//! payload: a candidate's erasure deletes their alerts, and the log rows go with them
//! (`ON DELETE CASCADE`). The newest [`MAX_LOG_ROWS`] attempts per webhook are kept.
//!
//! Creating and removing a webhook are audited (`webhook.create`, `webhook.remove`, with the
//! webhook's id and host — never the secret, nor the URL's path, which may hold a receiver's
//! own token). Deliveries are bookkeeping, logged here rather than in the audit chain.

use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use super::audited::Entry;
use super::handle::Store;
use crate::db::Dialect;
use crate::error::{Error, Result};
use crate::model::{Actor, ser_opt_time, ser_time};
use crate::secret::random_token;
use crate::time::now_ms;
use crate::webhook_url::{AddressRule, check_url, host_of};

/// Most webhooks a workspace may have at once.
pub const MAX_WEBHOOKS: i64 = 20;
/// Delivery log rows kept per webhook (the oldest go first).
pub const MAX_LOG_ROWS: i64 = 1_000;

/// A webhook as owners see it (without its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    /// The owner who registered it (`None` once that user is gone).
    pub created_by: Option<String>,
    #[serde(serialize_with = "ser_time")]
    #[schemars(with = "String")]
    pub created_at: i64,
    /// The id of the last alert delivered (its cursor; alerts after it are pending).
    pub delivered_through: i64,
    /// The id of the last change to an alert (withdrawn, reinstated) delivered.
    pub changes_through: i64,
    /// Alerts and changes to alerts waiting for delivery.
    pub pending: i64,
    /// Failed attempts at the item at the head of its queue (0 when none failed).
    pub failures: i64,
    /// When the next attempt at a failing alert is due.
    #[serde(serialize_with = "ser_opt_time")]
    #[schemars(with = "Option<String>")]
    pub next_attempt_at: Option<i64>,
}

/// What the delivery worker needs of a webhook: its URL, secret, cursor and retry state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryTarget {
    pub id: i64,
    pub url: String,
    pub secret: String,
    pub delivered_through: i64,
    pub changes_through: i64,
    /// The alert the failures count refers to.
    pub failing_alert: Option<i64>,
    /// The change to an alert the failures count refers to.
    pub failing_change: Option<i64>,
    pub failures: i64,
    /// Unix milliseconds; 0 when nothing is waiting for a retry.
    pub next_attempt_at: i64,
}

impl DeliveryTarget {
    /// The number of the next attempt at `alert` (1 unless it failed before).
    pub fn attempt_for(&self, alert: i64) -> i64 {
        if self.failing_alert == Some(alert) {
            self.failures + 1
        } else {
            1
        }
    }

    /// The number of the next attempt at the change `change` (1 unless it failed before).
    pub fn attempt_for_change(&self, change: i64) -> i64 {
        if self.failing_change == Some(change) {
            self.failures + 1
        } else {
            1
        }
    }
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryOutcome {
    /// The receiver answered 2xx.
    Delivered,
    /// No answer, or another status: tried again later.
    Failed,
}

impl DeliveryOutcome {
    fn as_str(self) -> &'static str {
        match self {
            DeliveryOutcome::Delivered => "delivered",
            DeliveryOutcome::Failed => "failed",
        }
    }
}

/// One attempt, to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub webhook_id: i64,
    /// The alert sent (or the alert whose change was sent); `None` for a test ping (which
    /// changes no cursor).
    pub alert_id: Option<i64>,
    /// The change to the alert sent, when a change was sent (it moves the change cursor).
    pub change_id: Option<i64>,
    /// 1 for the first attempt at this item.
    pub attempt: i64,
    /// The receiver's HTTP status, when it answered.
    pub http_status: Option<u16>,
    /// Why it failed without a status (connection refused, timeout, refused address…).
    pub error: Option<String>,
    pub outcome: DeliveryOutcome,
    pub at: i64,
    /// When the next attempt is due (failed alerts).
    pub next_attempt_at: Option<i64>,
}

/// One row of the delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct WebhookDelivery {
    pub id: i64,
    /// The alert sent (`None`: a test ping).
    pub alert_id: Option<i64>,
    /// The change to that alert sent (`None`: the alert itself, or a ping).
    pub change_id: Option<i64>,
    pub attempt: i64,
    pub http_status: Option<u16>,
    pub error: Option<String>,
    pub outcome: DeliveryOutcome,
    #[serde(serialize_with = "ser_time")]
    #[schemars(with = "String")]
    pub attempted_at: i64,
    #[serde(serialize_with = "ser_opt_time")]
    #[schemars(with = "Option<String>")]
    pub next_attempt_at: Option<i64>,
}

/// The longest error text kept in the log.
const MAX_ERROR_CHARS: usize = 300;

const WEBHOOK_COLUMNS: &str = "w.id, w.url, u.name AS created_by, w.created_at, \
     w.delivered_through, w.changes_through, w.failures, w.next_attempt_at, \
     (SELECT COUNT(*) FROM alerts a WHERE a.id > w.delivered_through) \
     + (SELECT COUNT(*) FROM alert_changes c WHERE c.id > w.changes_through) AS pending \
     FROM webhooks w LEFT JOIN users u ON u.id = w.created_by";

fn webhook_from_row(r: &sqlx::any::AnyRow) -> Result<Webhook> {
    let next: i64 = r.try_get("next_attempt_at")?;
    Ok(Webhook {
        id: r.try_get("id")?,
        url: r.try_get("url")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        delivered_through: r.try_get("delivered_through")?,
        changes_through: r.try_get("changes_through")?,
        pending: r.try_get("pending")?,
        failures: r.try_get("failures")?,
        next_attempt_at: (next > 0).then_some(next),
    })
}

fn target_from_row(r: &sqlx::any::AnyRow) -> Result<DeliveryTarget> {
    Ok(DeliveryTarget {
        id: r.try_get("id")?,
        url: r.try_get("url")?,
        secret: r.try_get("secret")?,
        delivered_through: r.try_get("delivered_through")?,
        changes_through: r.try_get("changes_through")?,
        failing_alert: r.try_get("failing_alert")?,
        failing_change: r.try_get("failing_change")?,
        failures: r.try_get("failures")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
    })
}

fn delivery_from_row(r: &sqlx::any::AnyRow) -> Result<WebhookDelivery> {
    let outcome: String = r.try_get("outcome")?;
    let status: Option<i64> = r.try_get("http_status")?;
    Ok(WebhookDelivery {
        id: r.try_get("id")?,
        alert_id: r.try_get("alert_id")?,
        change_id: r.try_get("change_id")?,
        attempt: r.try_get("attempt")?,
        http_status: status.and_then(|s| u16::try_from(s).ok()),
        error: r.try_get("error")?,
        outcome: match outcome.as_str() {
            "delivered" => DeliveryOutcome::Delivered,
            _ => DeliveryOutcome::Failed,
        },
        attempted_at: r.try_get("attempted_at")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
    })
}

/// `text` cut to `max` characters.
fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

impl Store {
    /// Registers a webhook (owners): checks the URL under `rule`, makes its secret, starts its
    /// cursor at the newest alert, audited. Returns the webhook and its secret (shown once).
    pub async fn create_webhook(
        &self,
        actor: &Actor,
        url: &str,
        rule: AddressRule,
    ) -> Result<(Webhook, String)> {
        let url = check_url(url, rule)?;
        let secret = random_token("whsec_")?;
        let now = now_ms();
        let id = self
            .audited(&actor.name, async |tx| {
                let active: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM webhooks WHERE removed_at IS NULL")
                        .fetch_one(&mut *tx.tx)
                        .await?;
                if active >= MAX_WEBHOOKS {
                    return Err(Error::Invalid(format!(
                        "a workspace has at most {MAX_WEBHOOKS} webhooks; remove one first"
                    )));
                }
                let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM alerts")
                    .fetch_one(&mut *tx.tx)
                    .await?;
                let newest_change: Option<i64> =
                    sqlx::query_scalar("SELECT MAX(id) FROM alert_changes")
                        .fetch_one(&mut *tx.tx)
                        .await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO webhooks (url, secret, created_by, created_at, delivered_through, \
                     changes_through) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(&url)
                .bind(&secret)
                .bind(actor.user_id)
                .bind(now)
                .bind(newest.unwrap_or(0))
                .bind(newest_change.unwrap_or(0))
                .fetch_one(&mut *tx.tx)
                .await?;
                let detail = json!({"webhook_id": id, "host": host_of(&url)});
                Ok((id, Entry::new("webhook.create", None, detail)))
            })
            .await?;
        Ok((self.webhook(id).await?, secret))
    }

    /// The webhooks in use, oldest first.
    pub async fn webhooks(&self) -> Result<Vec<Webhook>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {WEBHOOK_COLUMNS} WHERE w.removed_at IS NULL ORDER BY w.id"
        )))
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(webhook_from_row).collect()
    }

    /// One webhook in use.
    pub async fn webhook(&self, id: i64) -> Result<Webhook> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {WEBHOOK_COLUMNS} WHERE w.id = $1 AND w.removed_at IS NULL"
        )))
        .bind(id)
        .fetch_optional(&self.db.pool)
        .await?;
        match row {
            Some(r) => webhook_from_row(&r),
            None => Err(Error::not_found("webhook", id)),
        }
    }

    /// Removes a webhook (owners), audited: nothing more is sent to it, its secret is cleared
    /// and its delivery log deleted; the row stays for the audit entries that name its id.
    pub async fn remove_webhook(&self, actor: &Actor, id: i64) -> Result<()> {
        let now = now_ms();
        self.audited(&actor.name, async |tx| {
            let url: Option<String> =
                sqlx::query_scalar("SELECT url FROM webhooks WHERE id = $1 AND removed_at IS NULL")
                    .bind(id)
                    .fetch_optional(&mut *tx.tx)
                    .await?;
            let Some(url) = url else {
                return Err(Error::not_found("webhook", id));
            };
            sqlx::query(
                "UPDATE webhooks SET removed_at = $2, secret = '', failing_alert = NULL, \
                 failing_change = NULL, failures = 0, next_attempt_at = 0 WHERE id = $1",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx.tx)
            .await?;
            sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1")
                .bind(id)
                .execute(&mut *tx.tx)
                .await?;
            let detail = json!({"webhook_id": id, "host": host_of(&url)});
            Ok(((), Entry::new("webhook.remove", None, detail)))
        })
        .await
    }

    /// The webhooks to deliver to, with their secrets and retry state.
    pub async fn delivery_targets(&self) -> Result<Vec<DeliveryTarget>> {
        let rows = sqlx::query(
            "SELECT id, url, secret, delivered_through, changes_through, failing_alert, \
             failing_change, failures, next_attempt_at \
             FROM webhooks WHERE removed_at IS NULL ORDER BY id",
        )
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(target_from_row).collect()
    }

    /// One webhook to deliver to (a test ping).
    pub async fn delivery_target(&self, id: i64) -> Result<DeliveryTarget> {
        let row = sqlx::query(
            "SELECT id, url, secret, delivered_through, changes_through, failing_alert, \
             failing_change, failures, next_attempt_at \
             FROM webhooks WHERE id = $1 AND removed_at IS NULL",
        )
        .bind(id)
        .fetch_optional(&self.db.pool)
        .await?;
        match row {
            Some(r) => target_from_row(&r),
            None => Err(Error::not_found("webhook", id)),
        }
    }

    /// The newest alert id no later commit can go below: every alert up to it is committed
    /// (or gone), so a cursor may pass it. On PostgreSQL, alert ids come from a sequence and
    /// two transactions may commit out of id order; a share lock on `alerts` waits for those
    /// inserting to finish. SQLite writes one transaction at a time, in id order.
    pub async fn settled_alert_id(&self) -> Result<i64> {
        self.settled_id("alerts").await
    }

    /// The newest change id no later commit can go below, as [`Store::settled_alert_id`].
    pub async fn settled_change_id(&self) -> Result<i64> {
        self.settled_id("alert_changes").await
    }

    async fn settled_id(&self, table: &'static str) -> Result<i64> {
        let newest: Option<i64> = match self.db.dialect {
            Dialect::Sqlite => {
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT MAX(id) FROM {table}")))
                    .fetch_one(&self.db.pool)
                    .await?
            }
            Dialect::Postgres => {
                let mut tx = self.db.pool.begin().await?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "LOCK TABLE {table} IN SHARE MODE"
                )))
                .execute(&mut *tx)
                .await?;
                let newest =
                    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT MAX(id) FROM {table}")))
                        .fetch_one(&mut *tx)
                        .await?;
                tx.commit().await?;
                newest
            }
        };
        Ok(newest.unwrap_or(0))
    }

    /// Records one attempt in the delivery log and the webhook's state, in one transaction: a
    /// delivered alert moves the cursor past it and clears the retry state; a failed one sets
    /// the retry state (the cursor stays, so the alert is tried again). Nothing is recorded
    /// for a webhook removed meanwhile, and no log row for an alert erased meanwhile (the
    /// cursor still moves past it).
    pub async fn record_delivery(&self, a: &Attempt) -> Result<()> {
        let error = a.error.as_deref().map(|e| clip(e, MAX_ERROR_CHARS));
        let mut tx = self.db.begin_write().await?;
        let active: Option<i64> =
            sqlx::query_scalar("SELECT id FROM webhooks WHERE id = $1 AND removed_at IS NULL")
                .bind(a.webhook_id)
                .fetch_optional(&mut *tx.tx)
                .await?;
        if active.is_none() {
            return Ok(());
        }
        let alert_exists = match (a.alert_id, a.change_id) {
            (_, Some(change)) => {
                sqlx::query_scalar::<_, i64>("SELECT id FROM alert_changes WHERE id = $1")
                    .bind(change)
                    .fetch_optional(&mut *tx.tx)
                    .await?
                    .is_some()
            }
            (None, None) => true,
            (Some(alert), None) => {
                sqlx::query_scalar::<_, i64>("SELECT id FROM alerts WHERE id = $1")
                    .bind(alert)
                    .fetch_optional(&mut *tx.tx)
                    .await?
                    .is_some()
            }
        };
        if alert_exists {
            sqlx::query(
                "INSERT INTO webhook_deliveries (webhook_id, alert_id, change_id, attempt, \
                 http_status, error, outcome, attempted_at, next_attempt_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(a.webhook_id)
            .bind(a.alert_id)
            .bind(a.change_id)
            .bind(a.attempt)
            .bind(a.http_status.map(i64::from))
            .bind(error.as_deref())
            .bind(a.outcome.as_str())
            .bind(a.at)
            .bind(a.next_attempt_at)
            .execute(&mut *tx.tx)
            .await?;
            sqlx::query(
                "DELETE FROM webhook_deliveries WHERE webhook_id = $1 AND id <= \
                 (SELECT id FROM webhook_deliveries WHERE webhook_id = $1 \
                  ORDER BY id DESC LIMIT 1 OFFSET $2)",
            )
            .bind(a.webhook_id)
            .bind(MAX_LOG_ROWS)
            .execute(&mut *tx.tx)
            .await?;
        }
        if let Some(change) = a.change_id {
            match a.outcome {
                DeliveryOutcome::Delivered => {
                    sqlx::query(
                        "UPDATE webhooks SET changes_through = $2, failing_change = NULL, \
                         failures = 0, next_attempt_at = 0 \
                         WHERE id = $1 AND changes_through < $2",
                    )
                    .bind(a.webhook_id)
                    .bind(change)
                    .execute(&mut *tx.tx)
                    .await?;
                }
                DeliveryOutcome::Failed => {
                    sqlx::query(
                        "UPDATE webhooks SET failing_change = $2, failing_alert = NULL, \
                         failures = $3, next_attempt_at = $4 WHERE id = $1 AND changes_through < $2",
                    )
                    .bind(a.webhook_id)
                    .bind(change)
                    .bind(a.attempt)
                    .bind(a.next_attempt_at.unwrap_or(0))
                    .execute(&mut *tx.tx)
                    .await?;
                }
            }
        } else if let Some(alert) = a.alert_id {
            match a.outcome {
                DeliveryOutcome::Delivered => {
                    sqlx::query(
                        "UPDATE webhooks SET delivered_through = $2, failing_alert = NULL, \
                         failing_change = NULL, failures = 0, next_attempt_at = 0 \
                         WHERE id = $1 AND delivered_through < $2",
                    )
                    .bind(a.webhook_id)
                    .bind(alert)
                    .execute(&mut *tx.tx)
                    .await?;
                }
                DeliveryOutcome::Failed => {
                    sqlx::query(
                        "UPDATE webhooks SET failing_alert = $2, failing_change = NULL, \
                         failures = $3, next_attempt_at = $4 \
                         WHERE id = $1 AND delivered_through < $2",
                    )
                    .bind(a.webhook_id)
                    .bind(alert)
                    .bind(a.attempt)
                    .bind(a.next_attempt_at.unwrap_or(0))
                    .execute(&mut *tx.tx)
                    .await?;
                }
            }
        }
        tx.commit().await
    }

    /// A webhook's delivery log, newest first, at most `limit` rows (1–1000).
    pub async fn webhook_deliveries(&self, id: i64, limit: i64) -> Result<Vec<WebhookDelivery>> {
        self.webhook(id).await?;
        let rows = sqlx::query(
            "SELECT id, alert_id, change_id, attempt, http_status, error, outcome, \
             attempted_at, next_attempt_at FROM webhook_deliveries WHERE webhook_id = $1 \
             ORDER BY id DESC LIMIT $2",
        )
        .bind(id)
        .bind(limit.clamp(1, MAX_LOG_ROWS))
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(delivery_from_row).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_keeps_short_text_and_cuts_long_text_on_a_character() {
        assert_eq!(clip("refused", 10), "refused");
        assert_eq!(clip("ééééé", 3), "ééé…");
    }

    #[test]
    fn attempts_count_per_alert() {
        let t = DeliveryTarget {
            id: 1,
            url: "https://example.com/".into(),
            secret: "s".into(),
            delivered_through: 4,
            changes_through: 0,
            failing_alert: Some(5),
            failing_change: None,
            failures: 3,
            next_attempt_at: 0,
        };
        assert_eq!(t.attempt_for(5), 4);
        assert_eq!(t.attempt_for(6), 1);
        assert_eq!(t.attempt_for_change(5), 1);
        let t = DeliveryTarget {
            failing_alert: None,
            failing_change: Some(2),
            ..t
        };
        assert_eq!(t.attempt_for_change(2), 4);
        assert_eq!(t.attempt_for(5), 1);
    }
}
