-- Scout corpus, schema version 12: a count's relative value is the count over its cohort's
-- geometric mean of 1 + count (impact/sums.rs), so each cohort keeps the sum of ln(1 + count)
-- as an integer in units of 2^-32 beside the sum of its counts.
ALTER TABLE impact_cohorts ADD COLUMN log_total INTEGER NOT NULL DEFAULT 0;

-- The relative values stored before this version divide by the arithmetic mean. Dropping the
-- estimator's record makes the next refresh fit impact again (impact/fold.rs), and moving the
-- corpus generation makes the next `scout refresh` run even without new data.
DELETE FROM meta WHERE key = 'impact_fit';
UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'corpus_generation';
