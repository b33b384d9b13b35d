-- The recruiting pipeline (SQLite). Times are Unix milliseconds; money is whole currency units.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'recruiter', 'viewer')),
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    label TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE TABLE candidates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    email TEXT,
    researcher_key TEXT,
    source_org TEXT,
    stage TEXT NOT NULL,
    owner_id BIGINT REFERENCES users(id),
    stage_entered_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    erased_at BIGINT
);
CREATE INDEX candidates_stage ON candidates(stage);
CREATE TABLE candidate_tags (
    candidate_id BIGINT NOT NULL REFERENCES candidates(id),
    tag TEXT NOT NULL,
    PRIMARY KEY (candidate_id, tag)
);
CREATE TABLE stage_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    candidate_id BIGINT NOT NULL REFERENCES candidates(id),
    from_stage TEXT,
    to_stage TEXT NOT NULL,
    reason TEXT,
    moved_by BIGINT NOT NULL REFERENCES users(id),
    moved_at BIGINT NOT NULL
);
CREATE INDEX stage_history_candidate ON stage_history(candidate_id, id);
CREATE TABLE notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    candidate_id BIGINT NOT NULL REFERENCES candidates(id),
    author_id BIGINT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX notes_candidate ON notes(candidate_id);
CREATE TABLE offers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    candidate_id BIGINT NOT NULL REFERENCES candidates(id),
    revision BIGINT NOT NULL,
    currency TEXT NOT NULL,
    base BIGINT NOT NULL,
    bonus BIGINT NOT NULL,
    sign_on BIGINT NOT NULL,
    equity BIGINT NOT NULL,
    vesting_months BIGINT NOT NULL,
    cliff_months BIGINT NOT NULL,
    total_value BIGINT NOT NULL,
    note TEXT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    UNIQUE (candidate_id, revision)
);
CREATE TABLE counteroffers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    candidate_id BIGINT NOT NULL REFERENCES candidates(id),
    rival_org TEXT NOT NULL,
    currency TEXT NOT NULL,
    value BIGINT NOT NULL,
    note TEXT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    candidate_id BIGINT NOT NULL REFERENCES candidates(id),
    channel TEXT NOT NULL CHECK (channel IN ('email', 'chat', 'in_person')),
    body TEXT NOT NULL,
    sent_at BIGINT,
    reply TEXT,
    replied_at BIGINT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX messages_candidate ON messages(candidate_id);
CREATE TABLE meetings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    candidate_id BIGINT NOT NULL REFERENCES candidates(id),
    title TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    duration_minutes BIGINT NOT NULL,
    place TEXT,
    attendees TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX meetings_candidate ON meetings(candidate_id);
-- Append-only, hash-chained: seq is dense (1, 2, 3, …), hash = sha256 over prev_hash and the row.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    candidate_id BIGINT,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
