-- Watchlists and the move radar. A member watches researchers (by the corpus's researcher key);
-- after each refresh the radar compares what the corpus shows about a watched researcher with
-- what it has seen (`watch_seen`: papers, organisations and moves by stable corpus keys; the
-- state when the first watch began is the baseline and raises nothing) and records an alert for
-- each new item; a move alert later data no longer shows is marked withdrawn (and reinstated if
-- it shows again). Alerts are per researcher; each member's inbox is the alerts of the researchers
-- they watch, with their own read marks. Owners name rival organisations in the workspace
-- settings, one per line (a first paper with someone there raises an alert). A candidate's
-- erasure removes the watches, seen items and alerts of their researcher key.
CREATE TABLE watches (
    user_id BIGINT NOT NULL REFERENCES users(id),
    researcher_key TEXT NOT NULL,
    researcher_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, researcher_key)
);
CREATE INDEX watches_by_key ON watches(researcher_key);
CREATE TABLE watch_seen (
    researcher_key TEXT NOT NULL,
    item TEXT NOT NULL,
    PRIMARY KEY (researcher_key, item)
);
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    researcher_key TEXT NOT NULL,
    researcher_name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('paper', 'move', 'affiliation', 'rival_coauthor')),
    item TEXT NOT NULL,
    year BIGINT,
    summary TEXT NOT NULL,
    confidence_pct BIGINT,
    evidence TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    withdrawn_at BIGINT,
    UNIQUE (researcher_key, kind, item)
);
CREATE INDEX alerts_by_key ON alerts(researcher_key);
CREATE TABLE alert_reads (
    user_id BIGINT NOT NULL REFERENCES users(id),
    alert_id BIGINT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    read_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, alert_id)
);
CREATE INDEX alert_reads_by_alert ON alert_reads(alert_id);
ALTER TABLE workspace_settings ADD COLUMN rivals TEXT NOT NULL DEFAULT '';
