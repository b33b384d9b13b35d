-- Webhooks: owner-configured receivers of the move radar's alerts. Each has a signing secret
-- and a cursor (`delivered_through`: the id of the last alert delivered, in id order). A new
-- webhook starts at the newest alert id when it is created, so it does not replay history.
-- `failing_alert`, `failures` and `next_attempt_at` are the retry state of the alert at the
-- head of its queue (exponential backoff; an alert is never passed before it is delivered).
-- A removed webhook keeps its row (audit entries name its id) with the secret cleared.
--
-- The delivery log holds one row per attempt: the alert by id only (no copy of the payload:
-- alerts carry names, and a candidate's erasure deletes their alerts, which deletes these
-- rows), the attempt number, the HTTP status or the error, the outcome, when, and when the
-- next attempt is due. A test ping has no alert.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    removed_at BIGINT,
    delivered_through BIGINT NOT NULL DEFAULT 0,
    failing_alert BIGINT,
    failures BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id BIGINT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    alert_id BIGINT REFERENCES alerts(id) ON DELETE CASCADE,
    attempt BIGINT NOT NULL,
    http_status BIGINT,
    error TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'failed')),
    attempted_at BIGINT NOT NULL,
    next_attempt_at BIGINT
);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries(webhook_id, id);
CREATE INDEX webhook_deliveries_by_alert ON webhook_deliveries(alert_id);
