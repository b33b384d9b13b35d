-- The move radar's place in the corpus (issue 16): the corpus refresh it last observed (a token
-- of the corpus's `refresh_log`) and the rival organisations it observed with. The next run
-- observes only the watched researchers the corpus logged as changed since that refresh; with
-- other rivals, or a refresh the corpus does not know (another copy, or a full refresh since),
-- it observes every watched researcher. One row, written with the run's alerts.
CREATE TABLE radar_place (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    refresh_token TEXT NOT NULL,
    rivals TEXT NOT NULL,
    observed_at BIGINT NOT NULL
);
