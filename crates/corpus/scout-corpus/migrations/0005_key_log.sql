-- Scout corpus, schema version 5: the history of researcher keys.
-- Not derived data: a refresh (also `refresh --rebuild`) reads the keys it replaces and appends
-- here, so these tables are never emptied. `identity/inherit.rs` writes them, `key_log.rs` reads.

-- One row per key that lost mentions in a refresh: `merged` (the key's researcher became part
-- of `new_key`'s; the key is retired), `split_off` (`mentions` of the key's papers now belong to
-- `new_key`, while the key lives on), `retired` (none of the key's mentions exist any more).
CREATE TABLE key_changes (
    id           INTEGER PRIMARY KEY,
    refreshed_at TEXT NOT NULL,     -- UTC, RFC 3339 with milliseconds; one value per refresh
    generation   INTEGER NOT NULL,  -- the corpus generation that refresh built
    old_key      TEXT NOT NULL,
    new_key      TEXT,              -- NULL when retired
    kind         TEXT NOT NULL CHECK (kind IN ('merged', 'split_off', 'retired')),
    mentions     INTEGER NOT NULL
);
CREATE INDEX key_changes_old_key ON key_changes (old_key);

-- Keys no researcher holds any more (merged or retired): never minted again for anyone.
CREATE TABLE retired_keys (
    key       TEXT PRIMARY KEY,
    change_id INTEGER NOT NULL REFERENCES key_changes (id)
) WITHOUT ROWID;
