-- Scout corpus, schema version 11: which researchers each refresh may have changed, for what
-- follows the corpus from one refresh to the next (the workspace's move radar observes only
-- those researchers, not every watched one). History, not derived data: a full refresh (which
-- may change anyone) empties both tables and logs itself alone, so they stay as small as the
-- incremental refreshes since. A follower whose last refresh (`token`) is no longer listed,
-- or is followed by a full one, looks at everyone.
CREATE TABLE refresh_log (
    seq   INTEGER PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,  -- unique per refresh, also across copies of the database
    full  INTEGER NOT NULL       -- 1: a full refresh (anyone may have changed)
);
CREATE TABLE refresh_changed (
    seq            INTEGER NOT NULL,  -- refresh_log.seq
    researcher_key TEXT NOT NULL,
    PRIMARY KEY (seq, researcher_key)
) WITHOUT ROWID;
