-- The workspace's own settings for outreach: our lab's name and pitch, the organisation our
-- people are found under in the corpus (for warm introduction paths), and our topics. One row.
CREATE TABLE workspace_settings (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    lab TEXT NOT NULL DEFAULT '',
    pitch TEXT NOT NULL DEFAULT '',
    our_org TEXT NOT NULL DEFAULT '',
    topics TEXT NOT NULL DEFAULT '',
    updated_by BIGINT REFERENCES users(id),
    updated_at BIGINT NOT NULL DEFAULT 0
);
INSERT INTO workspace_settings (id) VALUES (1);
