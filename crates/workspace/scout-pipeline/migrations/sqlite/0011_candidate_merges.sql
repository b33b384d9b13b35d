-- An owner's merge of two candidate records that are one person (issue 14): the merged record
-- stays as a tombstone pointing at the record it went into (arena history and the audit log keep
-- naming it), hidden from every list; erasing the kept record erases its tombstones too.
ALTER TABLE candidates ADD COLUMN merged_into BIGINT REFERENCES candidates(id);
