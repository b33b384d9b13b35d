-- Impact between fits (issue 16): a refresh that adds a few works folds them into `work_impact`
-- with the stored estimator instead of fitting it over every work again (impact/fold.rs).
-- It needs each work's estimator score, the sums behind each cohort's mean count, and the works
-- of a venue-year without a scan. The estimator's record (`meta.impact_fit`) is written by the
-- next fit: until then a refresh fits, as before.

ALTER TABLE work_impact ADD COLUMN score REAL;  -- the estimator's score (every work); NULL before schema 10

CREATE TABLE impact_cohorts (
    venue       TEXT NOT NULL,     -- '' for works without one
    year        INTEGER NOT NULL,  -- 0 for works without one
    source      TEXT NOT NULL,
    window_days INTEGER NOT NULL,  -- 0: a total to date
    counted     INTEGER NOT NULL,  -- works whose chosen count is of this cohort
    total       REAL NOT NULL,     -- the sum of those counts
    PRIMARY KEY (venue, year, source, window_days)
) WITHOUT ROWID;

-- Covers what a fold-in reads of a venue-year's works (the rows themselves hold abstracts).
CREATE INDEX works_by_venue_year ON works (venue, year, status, rating, citations);
