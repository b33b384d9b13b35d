-- Structured interviews. A stage's scorecard template lists the attributes rated 1-4 (owners
-- edit it; the interview stage starts with four); each member submits at most one scorecard per
-- candidate and stage, and sees the others' only once their own is in.
CREATE TABLE scorecard_templates (
    stage TEXT PRIMARY KEY CHECK (stage IN ('sourced', 'shortlisted', 'finalist', 'contacted',
        'responded', 'meeting', 'offer')),
    attributes TEXT NOT NULL,
    updated_by BIGINT REFERENCES users(id),
    updated_at BIGINT NOT NULL
);
INSERT INTO scorecard_templates (stage, attributes, updated_by, updated_at) VALUES
    ('meeting', '["research depth","technical execution","communication","team fit"]', NULL, 0);
CREATE TABLE scorecards (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    candidate_id BIGINT NOT NULL REFERENCES candidates(id),
    stage TEXT NOT NULL,
    author_id BIGINT NOT NULL REFERENCES users(id),
    ratings TEXT NOT NULL,
    notes TEXT,
    submitted_at BIGINT NOT NULL,
    UNIQUE (candidate_id, stage, author_id)
);
CREATE INDEX scorecards_candidate ON scorecards(candidate_id);
