-- Meetings keep the IANA zone they were scheduled in (existing ones were given as instants: UTC).
ALTER TABLE meetings ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
-- Failed logins for the rate limiter, shared by every server on this database. One row per
-- failure and key; the key is a SHA-256 of `ip:ADDRESS` or `user:NAME`, never the name itself.
-- Rows older than the window are pruned, and the table is capped by id.
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key_hash TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures(key_hash, at);
CREATE INDEX login_failures_at ON login_failures(at);
