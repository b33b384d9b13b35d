-- Later changes to an alert, so that webhooks hear of them: a move alert withdrawn (the next
-- papers showed a visit or a double affiliation, or identity moved the papers to someone else)
-- or reinstated. Append-only; a candidate's erasure deletes their alerts, and these rows with
-- them. Each webhook has a second cursor over them (`changes_through`) and the retry state of
-- a failing change (`failing_change`); a delivery log row names the change it sent.
-- Withdrawals recorded before this migration are logged as changes, so existing webhooks get
-- them once.
CREATE TABLE alert_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id BIGINT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    change TEXT NOT NULL CHECK (change IN ('withdrawn', 'reinstated')),
    at BIGINT NOT NULL
);
CREATE INDEX alert_changes_by_alert ON alert_changes(alert_id);
INSERT INTO alert_changes (alert_id, change, at)
    SELECT id, 'withdrawn', withdrawn_at FROM alerts WHERE withdrawn_at IS NOT NULL
    ORDER BY withdrawn_at, id;
ALTER TABLE webhooks ADD COLUMN changes_through BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN failing_change BIGINT;
ALTER TABLE webhook_deliveries ADD COLUMN change_id BIGINT REFERENCES alert_changes(id) ON DELETE CASCADE;
