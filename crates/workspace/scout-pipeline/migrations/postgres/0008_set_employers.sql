-- A researcher's current employer as the workspace's owners set it: it wins over the corpus's
-- inference wherever the researcher is shown or filtered. One row per researcher key.
CREATE TABLE set_employers (
    researcher_key TEXT PRIMARY KEY,
    organisation TEXT NOT NULL,
    set_by BIGINT REFERENCES users(id),
    set_at BIGINT NOT NULL
);
