-- Scout corpus, schema version 2: organisations, affiliation timelines, moves between
-- organisations, the co-author graph and its communities. All derived (rebuilt by refresh).

ALTER TABLE researchers ADD COLUMN current_org_id INTEGER;
ALTER TABLE researchers ADD COLUMN community INTEGER;

CREATE TABLE organisations (
    id                  INTEGER PRIMARY KEY,
    key                 TEXT NOT NULL UNIQUE,   -- normalised name; every spelling of one organisation shares it
    name                TEXT NOT NULL,
    org_type            TEXT NOT NULL,
    country             TEXT,
    aliased             INTEGER NOT NULL,       -- 1 when the curated alias table applied
    note                TEXT,                   -- the alias table's note (merger dates)
    ror                 TEXT,                   -- ROR id, when a source (OpenAlex) gave one
    current_researchers INTEGER NOT NULL DEFAULT 0,
    researchers_ever    INTEGER NOT NULL DEFAULT 0
);

-- Per researcher, organisation and year: how many papers, and the first and last of them.
CREATE TABLE researcher_orgs (
    researcher_id INTEGER NOT NULL,
    org_id        INTEGER NOT NULL,
    year          INTEGER NOT NULL,
    papers        INTEGER NOT NULL,
    first_work    INTEGER NOT NULL,
    last_work     INTEGER NOT NULL,
    PRIMARY KEY (researcher_id, org_id, year)
) WITHOUT ROWID;
CREATE INDEX researcher_orgs_by_org ON researcher_orgs (org_id, year);

-- A move: the last paper at the old organisation, then the first at the new one, with no
-- paper listing both (a double affiliation) and no return after a one-year stint (a visit).
CREATE TABLE moves (
    researcher_id  INTEGER NOT NULL,
    from_org       INTEGER NOT NULL,
    to_org         INTEGER NOT NULL,
    year           INTEGER NOT NULL,
    from_last_work INTEGER NOT NULL,
    from_last_year INTEGER NOT NULL,
    to_first_work  INTEGER NOT NULL,
    to_first_year  INTEGER NOT NULL,
    PRIMARY KEY (researcher_id, from_org, to_org, year)
) WITHOUT ROWID;
CREATE INDEX moves_by_from ON moves (from_org, year);
CREATE INDEX moves_by_to ON moves (to_org, year);

-- The co-author graph, one row per pair (a < b). weight = Σ over joint papers of
-- recency / (authors − 1); papers with more than 50 authors add no edges.
CREATE TABLE coauthor_edges (
    a          INTEGER NOT NULL,
    b          INTEGER NOT NULL,
    papers     INTEGER NOT NULL,
    weight     REAL NOT NULL,
    first_year INTEGER,
    last_year  INTEGER,
    PRIMARY KEY (a, b)
) WITHOUT ROWID;

CREATE TABLE communities (
    id     INTEGER PRIMARY KEY,
    size   INTEGER NOT NULL,
    topics TEXT NOT NULL,   -- newline-separated, most characteristic first
    orgs   TEXT NOT NULL    -- newline-separated "name\tcount"
);
