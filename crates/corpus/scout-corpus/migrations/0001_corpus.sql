-- Scout corpus, schema version 1.
-- Source tables hold what the readers produced; derived tables (researchers, identity,
-- cohorts) are rebuilt from them and can always be recomputed. A work is one row with its
-- authorships nested as JSON (one write per paper keeps ingest at disk speed); the derived
-- authorship_researcher table is the normalised, indexed view of who wrote what.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE works (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE,
    source       TEXT NOT NULL,
    title        TEXT NOT NULL,
    year         INTEGER,
    venue        TEXT,
    status       TEXT,
    track        TEXT,
    url          TEXT,
    doi          TEXT,
    arxiv        TEXT,
    work_type    TEXT,
    citations    INTEGER,
    rating       REAL,
    keywords     TEXT,            -- newline-separated
    abstract     TEXT,
    n_authors    INTEGER NOT NULL,
    authors      TEXT NOT NULL,   -- JSON: [{n, or, oc, db, oa, af: [{r, o, d, c, i, ror, t}]}], see stored.rs
    affiliations TEXT,            -- JSON: paper-level affiliations not aligned with authors
    updated      TEXT,
    content_hash INTEGER NOT NULL
);

-- Abstracts delivered apart from their papers, keyed by the paper's key (the paper may come later).
-- Tables with large rows keep a rowid: WITHOUT ROWID tables store big rows poorly.
CREATE TABLE abstracts (
    id           INTEGER PRIMARY KEY,
    work_key     TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL,
    text         TEXT NOT NULL,
    content_hash INTEGER NOT NULL
);

CREATE TABLE oa_authors (
    id             INTEGER PRIMARY KEY,
    openalex_id    TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    alternatives   TEXT,          -- newline-separated
    orcid          TEXT,
    works_count    INTEGER,
    cited_by_count INTEGER,
    h_index        INTEGER,
    topics         TEXT,          -- newline-separated
    updated        TEXT,
    content_hash   INTEGER NOT NULL
);

CREATE TABLE oa_author_affiliations (
    openalex_id    TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    last_known     INTEGER NOT NULL,
    institution_id TEXT,
    name           TEXT NOT NULL,
    country        TEXT,
    ror            TEXT,
    org_type       TEXT,
    years          TEXT,          -- comma-separated
    PRIMARY KEY (openalex_id, seq)
) WITHOUT ROWID;

CREATE TABLE institutions (
    id             INTEGER PRIMARY KEY,
    openalex_id    TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    ror            TEXT,
    country        TEXT,
    org_type       TEXT,
    acronyms       TEXT,
    alternatives   TEXT,
    lineage        TEXT,
    homepage       TEXT,
    works_count    INTEGER,
    cited_by_count INTEGER,
    updated        TEXT,
    content_hash   INTEGER NOT NULL
);

-- Works whose text changed since the full-text index was last brought up to date.
CREATE TABLE index_queue (
    work_id INTEGER PRIMARY KEY
);

CREATE TABLE ingest_runs (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    files       INTEGER NOT NULL DEFAULT 0,
    records     INTEGER NOT NULL DEFAULT 0,
    inserted    INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    bytes       INTEGER NOT NULL DEFAULT 0
);

-- ---- derived: identity ----------------------------------------------------------------

CREATE TABLE researchers (
    id                INTEGER PRIMARY KEY,
    key               TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    name_norm         TEXT NOT NULL,
    openreview_id     TEXT,
    orcid             TEXT,
    dblp_id           TEXT,
    openalex_id       TEXT,
    n_works           INTEGER NOT NULL,
    first_year        INTEGER,
    last_year         INTEGER,
    citations         INTEGER NOT NULL DEFAULT 0,
    current_org       TEXT,
    current_org_year  INTEGER,
    current_org_type  TEXT,
    current_country   TEXT
);
CREATE INDEX researchers_name_norm ON researchers (name_norm);

CREATE TABLE authorship_researcher (
    work_id       INTEGER NOT NULL,
    position      INTEGER NOT NULL,
    researcher_id INTEGER NOT NULL,
    PRIMARY KEY (work_id, position)
) WITHOUT ROWID;
CREATE INDEX authorship_researcher_by_researcher ON authorship_researcher (researcher_id, work_id);

-- Why mentions were put together: one edge per union, so any two mentions of a researcher are
-- connected by a chain of reasons.
CREATE TABLE identity_links (
    researcher_id INTEGER NOT NULL,
    a_work        INTEGER NOT NULL,
    a_position    INTEGER NOT NULL,
    b_work        INTEGER NOT NULL,
    b_position    INTEGER NOT NULL,
    rule          TEXT NOT NULL,
    detail        TEXT NOT NULL
);
CREATE INDEX identity_links_by_researcher ON identity_links (researcher_id);

-- ---- derived: impact normalisation -------------------------------------------------------

CREATE TABLE cohorts (
    venue          TEXT NOT NULL,
    year           INTEGER NOT NULL,
    papers         INTEGER NOT NULL,
    with_citations INTEGER NOT NULL,
    mean_citations REAL,
    PRIMARY KEY (venue, year)
) WITHOUT ROWID;
