-- Scout corpus, schema version 13: no derived value depends on work ids any more (timeline
-- cells name their first and last work in work key order, the impact fit runs in key order;
-- tests/numbering.rs). Rows written before by id order would stay until a full refresh, and an
-- incremental refresh beside them would no longer equal a rebuild. Dropping the incremental
-- watermark makes the next refresh a full one, dropping the estimator's record makes it fit
-- impact again, and moving the corpus generation makes it run even without new data. (The
-- semantic model is refitted because its file version moved: semantic/file.rs.)
DELETE FROM meta WHERE key IN ('derived_max_work_id', 'impact_fit');
UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'corpus_generation';
