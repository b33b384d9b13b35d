//! Webhook delivery of the move radar's alerts (docs/webhooks.md).
//!
//! A tokio task started with the server ([`spawn`]) wakes every [`WebhookConfig::poll`] and
//! whenever [`Webhooks::wake`] is called (after a radar run records alerts). Each pass reads,
//! for every webhook in use, the alerts after its cursor (`Store::alerts_after`, only up to
//! `Store::settled_alert_id`, so an alert still being committed is never passed over) and
//! POSTs each, in id order, as `{"event":"alert","alert":…}` with an idempotency key stable
//! per (webhook, alert), a per-attempt delivery id and an HMAC-SHA256 signature. A 2xx answer
//! moves the cursor past the alert; anything else (no connection, a timeout, another status,
//! a redirect — none is followed) is logged, and that alert is tried again after an
//! exponential backoff with jitter while the alerts behind it wait: order is kept and nothing
//! is lost. Delivery is at least once: a receiver that answered 2xx but whose answer was lost
//! sees the alert again under the same `Idempotency-Key`.
//!
//! Once a webhook's alerts are delivered, the later changes to them (a move alert withdrawn or
//! reinstated by a refresh: `Store::alert_changes_after`, on the webhook's second cursor) follow
//! the same way, as `{"event":"alert.withdrawn"|"alert.reinstated","change":…}` with a key of
//! their own; a change is never sent before the alert it changes.
//!
//! HTTP runs on ureq in `spawn_blocking`, with connect and overall timeouts, no proxy from
//! the environment, and a resolver that checks every address a host name resolves to by the
//! rule URLs were checked by at registration (`webhook_url::check_address`): a name that
//! starts resolving to an internal address (DNS rebinding) is refused at connection time.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use scout_pipeline::Store;
use scout_pipeline::secret::keyed_hash;
use scout_pipeline::store::{Alert, AlertChange, Attempt, DeliveryOutcome, DeliveryTarget};
use scout_pipeline::time::now_ms;
use scout_pipeline::webhook_url::{AddressRule, check_address};
use serde::Serialize;
use tokio::sync::Notify;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// Delivery settings (`scout serve --allow-loopback-webhooks`; tests shorten the times).
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Deliver to loopback addresses (a receiver on the same machine; tests).
    pub allow_loopback: bool,
    /// How often the worker looks for alerts to deliver when nobody wakes it.
    pub poll: Duration,
    /// The backoff after a first failed attempt; it doubles with each further failure.
    pub retry_base: Duration,
    /// The longest backoff.
    pub retry_max: Duration,
    /// Time to connect (name resolution included).
    pub connect_timeout: Duration,
    /// Time for a whole attempt (connect, send, answer).
    pub timeout: Duration,
    /// Alerts read per query.
    pub batch: i64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            allow_loopback: false,
            poll: Duration::from_secs(5),
            retry_base: Duration::from_secs(2),
            retry_max: Duration::from_secs(15 * 60),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
            batch: 100,
        }
    }
}

impl WebhookConfig {
    /// The rule webhook addresses are checked by.
    pub fn rule(&self) -> AddressRule {
        AddressRule {
            allow_loopback: self.allow_loopback,
        }
    }

    /// The wait after failed attempt number `attempt` (1-based): `retry_base · 2^(attempt−1)`,
    /// at most `retry_max`, scaled by `jitter` in [0, 1) to between half and all of it, so that
    /// receivers that failed together are not retried together.
    pub fn backoff(&self, attempt: i64, jitter: f64) -> Duration {
        let exp = u32::try_from(attempt.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        let full = self
            .retry_base
            .saturating_mul(1u32 << exp)
            .min(self.retry_max);
        full.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }
}

/// The `X-Scout-Signature` value: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub fn signature(secret: &str, unix_seconds: i64, body: &str) -> String {
    let mac = keyed_hash(secret, &format!("{unix_seconds}.{body}"));
    format!("t={unix_seconds},v1={mac}")
}

/// The `Idempotency-Key` of an alert's delivery: the same on every attempt.
pub fn idempotency_key(alert_id: i64) -> String {
    format!("scout-alert-{alert_id}")
}

/// The `Idempotency-Key` of a change to an alert: the same on every attempt.
pub fn change_idempotency_key(change_id: i64) -> String {
    format!("scout-alert-change-{change_id}")
}

/// What a webhook receives for an alert.
#[derive(Serialize)]
struct AlertEvent<'a> {
    event: &'static str,
    alert: &'a Alert,
}

/// What a webhook receives for a later change to an alert.
#[derive(Serialize)]
struct ChangeEvent<'a> {
    /// `alert.withdrawn` or `alert.reinstated`.
    event: String,
    change: &'a AlertChange,
}

/// What a test ping sends.
#[derive(Serialize)]
struct PingEvent {
    event: &'static str,
    webhook_id: i64,
}

/// How one attempt went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SendResult {
    /// The receiver answered 2xx.
    pub delivered: bool,
    pub http_status: Option<u16>,
    /// Why there was no answer (connection refused, timeout, a refused address…).
    pub error: Option<String>,
}

/// A resolver that refuses addresses webhooks may not reach: every address a host name
/// resolves to must pass the rule, else the attempt fails before connecting.
#[derive(Debug)]
struct CheckedResolver {
    rule: AddressRule,
    inner: DefaultResolver,
}

impl Resolver for CheckedResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let found = self.inner.resolve(uri, config, timeout)?;
        let host = uri.host().unwrap_or_default();
        let addrs: Vec<SocketAddr> = found.iter().copied().collect();
        for addr in &addrs {
            check_address(host, addr.ip(), self.rule).map_err(|e| {
                ureq::Error::Io(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    e.to_string(),
                ))
            })?;
        }
        Ok(found)
    }
}

/// The HTTP side: one ureq agent (with the checking resolver) for every delivery.
#[derive(Clone)]
struct Sender {
    agent: ureq::Agent,
}

impl Sender {
    fn new(config: &WebhookConfig) -> Sender {
        let agent_config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .timeout_global(Some(config.timeout))
            .timeout_resolve(Some(config.connect_timeout))
            .timeout_connect(Some(config.connect_timeout))
            .user_agent(concat!("scout-webhooks/", env!("CARGO_PKG_VERSION")))
            .build();
        let resolver = CheckedResolver {
            rule: config.rule(),
            inner: DefaultResolver::default(),
        };
        Sender {
            agent: ureq::Agent::with_parts(agent_config, DefaultConnector::default(), resolver),
        }
    }

    /// POSTs `body` signed with `secret`, on a blocking thread.
    async fn post(
        &self,
        url: &str,
        secret: &str,
        body: String,
        idempotency_key: String,
        delivery_id: String,
    ) -> SendResult {
        let agent = self.agent.clone();
        let url = url.to_string();
        let sig = signature(secret, now_ms().div_euclid(1000), &body);
        let sent = tokio::task::spawn_blocking(move || {
            agent
                .post(&url)
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", &idempotency_key)
                .header("X-Scout-Delivery", &delivery_id)
                .header("X-Scout-Signature", &sig)
                .send(body.as_bytes())
                .map(|r| r.status().as_u16())
        })
        .await;
        match sent {
            Ok(Ok(status)) => SendResult {
                delivered: (200..300).contains(&status),
                http_status: Some(status),
                error: None,
            },
            Ok(Err(e)) => SendResult {
                delivered: false,
                http_status: None,
                error: Some(describe(e)),
            },
            Err(e) => SendResult {
                delivered: false,
                http_status: None,
                error: Some(format!("delivery task failed: {e}")),
            },
        }
    }
}

/// ureq's error in a few words (never the URL: its path may hold the receiver's token).
fn describe(e: ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
            std::io::ErrorKind::PermissionDenied => io.to_string(),
            _ => format!("I/O error: {io}"),
        },
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        ureq::Error::HostNotFound => "host not found".to_string(),
        ureq::Error::ConnectionFailed => "connection failed".to_string(),
        ureq::Error::Tls(t) => format!("TLS error: {t}"),
        other => other.to_string(),
    }
}

/// The handle kept in `AppState`: wakes the worker and sends test pings.
#[derive(Clone)]
pub struct Webhooks {
    config: Arc<WebhookConfig>,
    notify: Arc<Notify>,
    sender: Sender,
}

impl Webhooks {
    pub fn new(config: &WebhookConfig) -> Webhooks {
        Webhooks {
            config: Arc::new(config.clone()),
            notify: Arc::new(Notify::new()),
            sender: Sender::new(config),
        }
    }

    /// Has the worker look for alerts now (a wake while it works runs one more pass).
    pub fn wake(&self) {
        self.notify.notify_one();
    }

    /// The rule webhook URLs are checked by.
    pub fn rule(&self) -> AddressRule {
        self.config.rule()
    }

    /// Sends a signed ping to a webhook now and logs it (it changes no cursor).
    pub async fn ping(&self, store: &Store, id: i64) -> scout_pipeline::Result<SendResult> {
        let target = store.delivery_target(id).await?;
        let body = serde_json::to_string(&PingEvent {
            event: "ping",
            webhook_id: id,
        })
        .map_err(|e| scout_pipeline::Error::Invalid(e.to_string()))?;
        let at = now_ms();
        let sent = self
            .sender
            .post(
                &target.url,
                &target.secret,
                body,
                format!("scout-ping-{id}-{at}"),
                format!("{id}.ping.{at}"),
            )
            .await;
        store
            .record_delivery(&attempt(&target, (None, None), 1, &sent, at, None))
            .await?;
        Ok(sent)
    }
}

/// One attempt for the log; `item` is (alert, change): an alert, a change to one, or neither
/// (a ping).
fn attempt(
    target: &DeliveryTarget,
    (alert_id, change_id): (Option<i64>, Option<i64>),
    number: i64,
    sent: &SendResult,
    at: i64,
    next_attempt_at: Option<i64>,
) -> Attempt {
    Attempt {
        webhook_id: target.id,
        alert_id,
        change_id,
        attempt: number,
        http_status: sent.http_status,
        error: sent.error.clone(),
        outcome: if sent.delivered {
            DeliveryOutcome::Delivered
        } else {
            DeliveryOutcome::Failed
        },
        at,
        next_attempt_at,
    }
}

/// A number in [0, 1) for jitter (from the OS; 0.5 if it has none).
fn jitter() -> f64 {
    getrandom::u64().map_or(0.5, |x| (x >> 11) as f64 / (1u64 << 53) as f64)
}

/// One item to send: an alert, or a change to one.
struct Outgoing {
    alert_id: i64,
    change_id: Option<i64>,
    number: i64,
    body: String,
    idempotency_key: String,
    delivery_id: String,
}

/// How long until a failing item's next attempt is due (`None`: nothing is waiting).
fn backoff_left(target: &DeliveryTarget) -> Option<Duration> {
    let now = now_ms();
    ((target.failing_alert.is_some() || target.failing_change.is_some())
        && target.next_attempt_at > now)
        .then(|| Duration::from_millis(u64::try_from(target.next_attempt_at - now).unwrap_or(0)))
}

/// Sends one item and records the attempt; on success moves `target`'s cursor, on failure
/// returns the backoff before the next attempt.
async fn send_one(
    store: &Store,
    hooks: &Webhooks,
    target: &mut DeliveryTarget,
    out: Outgoing,
) -> scout_pipeline::Result<Option<Duration>> {
    let sent = hooks
        .sender
        .post(
            &target.url,
            &target.secret,
            out.body,
            out.idempotency_key,
            out.delivery_id,
        )
        .await;
    let at = now_ms();
    let item = (Some(out.alert_id), out.change_id);
    if sent.delivered {
        store
            .record_delivery(&attempt(target, item, out.number, &sent, at, None))
            .await?;
        match out.change_id {
            Some(change) => target.changes_through = change,
            None => target.delivered_through = out.alert_id,
        }
        target.failing_alert = None;
        target.failing_change = None;
        target.failures = 0;
        target.next_attempt_at = 0;
        return Ok(None);
    }
    let wait = hooks.config.backoff(out.number, jitter());
    let next = at.saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX));
    store
        .record_delivery(&attempt(target, item, out.number, &sent, at, Some(next)))
        .await?;
    tracing::info!(
        webhook = target.id,
        alert = out.alert_id,
        change = out.change_id,
        attempt = out.number,
        status = sent.http_status,
        error = sent.error.as_deref(),
        retry_in_ms = wait.as_millis() as u64,
        "webhook delivery failed; will retry"
    );
    Ok(Some(wait))
}

fn to_json<T: Serialize>(value: &T) -> scout_pipeline::Result<String> {
    serde_json::to_string(value).map_err(|e| scout_pipeline::Error::Invalid(e.to_string()))
}

/// Delivers what is due to one webhook: its alerts after the cursor, up to `settled`, in
/// order, then the changes to alerts after its change cursor, up to `settled_change`, whose
/// alert it has passed, stopping at the first failure. Returns how long until its next retry
/// is due, if one is waiting.
async fn deliver_to(
    store: &Store,
    hooks: &Webhooks,
    mut target: DeliveryTarget,
    (settled, settled_change): (i64, i64),
) -> scout_pipeline::Result<Option<Duration>> {
    let batch = hooks.config.batch;
    loop {
        let alerts = store.alerts_after(target.delivered_through, batch).await?;
        let due: Vec<&Alert> = alerts.iter().filter(|a| a.id <= settled).collect();
        if !due.is_empty() {
            for alert in due {
                if let Some(wait) = backoff_left(&target) {
                    return Ok(Some(wait));
                }
                let number = target.attempt_for(alert.id);
                let out = Outgoing {
                    alert_id: alert.id,
                    change_id: None,
                    number,
                    body: to_json(&AlertEvent {
                        event: "alert",
                        alert,
                    })?,
                    idempotency_key: idempotency_key(alert.id),
                    delivery_id: format!("{}.{}.{number}", target.id, alert.id),
                };
                if let Some(wait) = send_one(store, hooks, &mut target, out).await? {
                    return Ok(Some(wait));
                }
            }
            continue;
        }
        let changes = store
            .alert_changes_after(target.changes_through, batch)
            .await?;
        // A change waits for its alert (one recorded after the settled id is not sent yet).
        let due: Vec<&AlertChange> = changes
            .iter()
            .take_while(|c| c.id <= settled_change && c.alert.id <= target.delivered_through)
            .collect();
        if due.is_empty() {
            return Ok(None);
        }
        for change in due {
            if let Some(wait) = backoff_left(&target) {
                return Ok(Some(wait));
            }
            let number = target.attempt_for_change(change.id);
            let out = Outgoing {
                alert_id: change.alert.id,
                change_id: Some(change.id),
                number,
                body: to_json(&ChangeEvent {
                    event: format!("alert.{}", change.change),
                    change,
                })?,
                idempotency_key: change_idempotency_key(change.id),
                delivery_id: format!("{}.change-{}.{number}", target.id, change.id),
            };
            if let Some(wait) = send_one(store, hooks, &mut target, out).await? {
                return Ok(Some(wait));
            }
        }
    }
}

/// One pass over every webhook in use (concurrently); the time until the earliest retry.
async fn pass(store: &Arc<Store>, hooks: &Webhooks) -> scout_pipeline::Result<Option<Duration>> {
    let settled = store.settled_alert_id().await?;
    let settled_change = store.settled_change_id().await?;
    let mut tasks = tokio::task::JoinSet::new();
    for target in store.delivery_targets().await? {
        if target.delivered_through >= settled && target.changes_through >= settled_change {
            continue;
        }
        let (store, hooks) = (store.clone(), hooks.clone());
        tasks.spawn(async move {
            let id = target.id;
            (
                id,
                deliver_to(&store, &hooks, target, (settled, settled_change)).await,
            )
        });
    }
    let mut earliest: Option<Duration> = None;
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((_, Ok(Some(wait)))) => earliest = Some(earliest.map_or(wait, |e| e.min(wait))),
            Ok((_, Ok(None))) => {}
            Ok((id, Err(e))) => {
                tracing::warn!(webhook = id, error = %e, "webhook delivery stopped")
            }
            Err(e) => tracing::warn!(error = %e, "webhook delivery task failed"),
        }
    }
    Ok(earliest)
}

/// Starts the delivery worker: a pass now, then after every wake, every `poll`, and when the
/// earliest retry is due.
pub fn spawn(store: Arc<Store>, hooks: Webhooks) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let wait = match pass(&store, &hooks).await {
                Ok(retry) => retry.map_or(hooks.config.poll, |r| r.min(hooks.config.poll)),
                Err(e) => {
                    tracing::warn!(error = %e, "webhook delivery pass failed");
                    hooks.config.poll
                }
            };
            tokio::select! {
                () = hooks.notify.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_time_dot_body() {
        // Computed independently: python3 -c 'import hmac,hashlib;
        //   print(hmac.new(b"whsec_test", b"1700000000.{\"event\":\"ping\"}", hashlib.sha256).hexdigest())'
        assert_eq!(
            signature("whsec_test", 1_700_000_000, r#"{"event":"ping"}"#),
            "t=1700000000,v1=aa8efe37b751e71157c508c5ac4acb1e9fe5225db98355dfc00f4b680afbc447"
        );
        // A real secret (70 bytes) is longer than SHA-256's block: HMAC hashes it first.
        let secret = format!("whsec_{}", "ab".repeat(32));
        assert_eq!(
            signature(&secret, 1, "x"),
            "t=1,v1=53a2ce58bf0328f74e7cb022cfc29eb6d49290d21b43c170796e7c169c3071e0"
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
        let c = WebhookConfig::default();
        assert_eq!(c.backoff(1, 0.999_999).as_millis(), 2_000 - 1);
        assert_eq!(c.backoff(1, 0.0), Duration::from_secs(1));
        assert_eq!(c.backoff(2, 0.0), Duration::from_secs(2));
        assert_eq!(c.backoff(5, 0.0), Duration::from_secs(16));
        assert_eq!(c.backoff(30, 0.0), Duration::from_secs(450));
        assert_eq!(c.backoff(i64::MAX, 0.0), Duration::from_secs(450));
        for attempt in 1..40 {
            let b = c.backoff(attempt, jitter());
            assert!(b <= c.retry_max, "{attempt}: {b:?}");
            assert!(b >= c.backoff(attempt, 0.0), "{attempt}: {b:?}");
        }
    }

    #[test]
    fn idempotency_keys_name_the_alert() {
        assert_eq!(idempotency_key(42), "scout-alert-42");
        assert_eq!(change_idempotency_key(7), "scout-alert-change-7");
    }
}
