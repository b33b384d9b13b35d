-- Scout corpus, schema version 4: researcher facts a committee can check. The current
-- organisation gets a confidence, its evidence in words and a stale mark; the career stage is
-- estimated (with "at least" when the corpus's coverage cuts the first year off); where the
-- researcher trained is inferred from early papers. All derived: the derived generation is
-- cleared so the next command rebuilds them.

ALTER TABLE researchers ADD COLUMN current_org_confidence REAL;
ALTER TABLE researchers ADD COLUMN current_org_evidence TEXT;
ALTER TABLE researchers ADD COLUMN current_org_stale INTEGER NOT NULL DEFAULT 0;
ALTER TABLE researchers ADD COLUMN stage TEXT;
ALTER TABLE researchers ADD COLUMN stage_at_least INTEGER NOT NULL DEFAULT 0;
ALTER TABLE researchers ADD COLUMN stage_basis TEXT;
ALTER TABLE researchers ADD COLUMN trained_org_id INTEGER;
ALTER TABLE researchers ADD COLUMN trained_at TEXT;
ALTER TABLE researchers ADD COLUMN trained_evidence TEXT;

DELETE FROM meta WHERE key = 'derived_generation';
