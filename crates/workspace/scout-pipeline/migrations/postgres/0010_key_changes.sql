-- Following the corpus's researcher key changes (its `key_changes` log): the changes this
-- workspace has applied, by the corpus's reference (refresh time and log id), so that each is
-- applied once; and a note on a candidate whose researcher the corpus split or retired, or who
-- became the same researcher as another candidate. Any edit of the researcher key clears it
-- (the committee confirmed or corrected the link).
CREATE TABLE key_changes_applied (
    change_ref TEXT PRIMARY KEY,
    applied_at BIGINT NOT NULL
);
ALTER TABLE candidates ADD COLUMN identity_note TEXT;
