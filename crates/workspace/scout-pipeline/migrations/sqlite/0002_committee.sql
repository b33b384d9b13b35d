-- Committee arena (SQLite): blind pairwise votes on finalists. Nothing here is ever deleted: a
-- withdrawn finalist keeps their votes (no retraction), and every fit keeps its input snapshot.
CREATE TABLE arena_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    blind BIGINT NOT NULL DEFAULT 1,
    member_cap BIGINT NOT NULL,
    min_votes BIGINT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    closed_at BIGINT
);
CREATE TABLE arena_items (
    session_id BIGINT NOT NULL REFERENCES arena_sessions(id),
    candidate_id BIGINT NOT NULL REFERENCES candidates(id),
    alias TEXT NOT NULL,
    withdrawn_at BIGINT,
    PRIMARY KEY (session_id, candidate_id)
);
CREATE TABLE arena_ballots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id BIGINT NOT NULL REFERENCES arena_sessions(id),
    voter_id BIGINT NOT NULL REFERENCES users(id),
    left_id BIGINT NOT NULL REFERENCES candidates(id),
    right_id BIGINT NOT NULL REFERENCES candidates(id),
    issued_at BIGINT NOT NULL
);
CREATE INDEX arena_ballots_voter ON arena_ballots(session_id, voter_id);
CREATE TABLE arena_votes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id BIGINT NOT NULL REFERENCES arena_sessions(id),
    ballot_id BIGINT NOT NULL UNIQUE REFERENCES arena_ballots(id),
    voter_id BIGINT NOT NULL REFERENCES users(id),
    left_id BIGINT NOT NULL,
    right_id BIGINT NOT NULL,
    pair_low BIGINT NOT NULL,
    pair_high BIGINT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('left', 'right', 'tie', 'both_bad')),
    voted_at BIGINT NOT NULL,
    UNIQUE (session_id, voter_id, pair_low, pair_high)
);
CREATE TABLE arena_fits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id BIGINT NOT NULL REFERENCES arena_sessions(id),
    fitted_by BIGINT NOT NULL REFERENCES users(id),
    fitted_at BIGINT NOT NULL,
    snapshot TEXT NOT NULL,
    snapshot_hash TEXT NOT NULL,
    result TEXT NOT NULL
);
