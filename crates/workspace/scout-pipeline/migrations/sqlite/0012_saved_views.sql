-- Saved views: a member's named List search (topic or role text and filters) or board view
-- (filters, and optionally a pinned selection of candidates). Private to the member unless
-- shared with the workspace. The pinned candidates are a table of their own, so that a
-- candidate's export lists the views that pin them and their erasure removes the pins.
CREATE TABLE saved_views (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('list', 'board')),
    name TEXT NOT NULL,
    params TEXT NOT NULL,
    shared BIGINT NOT NULL DEFAULT 0 CHECK (shared IN (0, 1)),
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, kind, name)
);
CREATE TABLE saved_view_candidates (
    view_id BIGINT NOT NULL REFERENCES saved_views(id) ON DELETE CASCADE,
    candidate_id BIGINT NOT NULL REFERENCES candidates(id),
    position BIGINT NOT NULL,
    PRIMARY KEY (view_id, candidate_id)
);
CREATE INDEX saved_view_candidates_candidate ON saved_view_candidates(candidate_id);
