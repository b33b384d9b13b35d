-- Scout corpus, schema version 8: what a researcher's co-authors read of them. The second pass of
-- the current organisation (identity/facts.rs) weighs each recent co-author's first-pass
-- organisation, when it is not stale, and whether it rests on their own affiliations. Stored, it
-- lets an incremental refresh read it instead of loading every co-author's papers.
ALTER TABLE researchers ADD COLUMN coauthor_org_id INTEGER;     -- organisations.id; NULL: none, or stale
ALTER TABLE researchers ADD COLUMN coauthor_org_own INTEGER NOT NULL DEFAULT 0;
-- Rows written before this version have no reading: the next refresh is full.
DELETE FROM meta WHERE key = 'derived_max_work_id';
