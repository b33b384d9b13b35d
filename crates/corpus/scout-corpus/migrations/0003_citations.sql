-- Citation counts as an input, and each work's impact measure.
-- `works.citations` stays the count the paper's own record carried (a real count, never an
-- estimate). Counts from citation files (`scout ingest --citations`) are source data of their
-- own: one row per work, source and window. `work_impact` is derived at refresh: the measure
-- each work is scored by (a count relative to its cohort, or an estimate where no count exists).

CREATE TABLE citation_counts (
    work_id     INTEGER NOT NULL,
    source      TEXT NOT NULL,      -- 'openalex', 'semantic_scholar', … as the file says
    window_days INTEGER NOT NULL,   -- citations within this many days of publication; 0: total to date
    count       INTEGER NOT NULL,
    as_of       TEXT,
    file        TEXT NOT NULL,
    line        INTEGER NOT NULL,
    PRIMARY KEY (work_id, source, window_days)
) WITHOUT ROWID;

-- ---- derived: impact ---------------------------------------------------------------------

CREATE TABLE work_impact (
    work_id     INTEGER PRIMARY KEY,
    estimated   INTEGER NOT NULL,   -- 1: no count exists; `relative` is an estimate
    source      TEXT,               -- the count's source ('paperlists', 'openalex', 'semantic_scholar', …)
    window_days INTEGER,            -- NULL: a total to date
    count       INTEGER,            -- the count used (NULL when estimated)
    cohort_mean REAL,               -- mean of the same measure in the venue-year
    relative    REAL NOT NULL,      -- count / cohort_mean, or the estimate's equivalent
    percentile  REAL NOT NULL       -- share of the venue-year's papers ranked strictly below it
);

-- Out-of-sample check of the impact estimator, per venue (rank correlation on held-back counted papers).
CREATE TABLE impact_validation (
    venue    TEXT PRIMARY KEY,
    heldout  INTEGER NOT NULL,
    spearman REAL
) WITHOUT ROWID;

-- Existing databases: derived data must be rebuilt to fill work_impact.
UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'corpus_generation';
