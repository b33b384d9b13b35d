-- Scout corpus, schema version 7: the works whose text changed, for the semantic model.
-- Between two fits the model folds in new works (ids above the highest it holds) and the works
-- listed here (semantic/schedule.rs). Triggers fill it, so every writer of titles, abstracts and
-- years is covered; `seq` only grows (AUTOINCREMENT never reuses a number), and the model file
-- records the last `seq` it has folded in, so a refresh that stops half-way loses nothing.
-- Refresh deletes the rows the model file already covers.
CREATE TABLE semantic_changes (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    work_id INTEGER NOT NULL
);

-- A new work needs no row (it is found by id); a stored work whose text or year changed does.
CREATE TRIGGER semantic_work_changed AFTER UPDATE OF title, abstract, year ON works
WHEN OLD.title IS NOT NEW.title OR OLD.abstract IS NOT NEW.abstract OR OLD.year IS NOT NEW.year
BEGIN
    INSERT INTO semantic_changes (work_id) VALUES (NEW.id);
END;

-- An abstract delivered apart from its paper (a paper not stored yet adds no row).
CREATE TRIGGER semantic_abstract_added AFTER INSERT ON abstracts
BEGIN
    INSERT INTO semantic_changes (work_id) SELECT id FROM works WHERE key = NEW.work_key;
END;

CREATE TRIGGER semantic_abstract_changed AFTER UPDATE OF text ON abstracts
WHEN OLD.text IS NOT NEW.text
BEGIN
    INSERT INTO semantic_changes (work_id) SELECT id FROM works WHERE key = NEW.work_key;
END;
