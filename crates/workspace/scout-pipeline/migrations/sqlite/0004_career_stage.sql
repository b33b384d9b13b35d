-- The committee's own view of a candidate's career stage, overriding the corpus's proxy (years
-- since the first publication in the corpus: early <= 6, mid 7-12, senior > 12). NULL: no override.
ALTER TABLE candidates ADD COLUMN career_stage TEXT CHECK (career_stage IN ('early', 'mid', 'senior'));
