-- Scout corpus, schema version 6: what an incremental refresh needs to find its way around.

-- Works ingest changed in place (not new) since the last refresh: an incremental refresh falls
-- back to the full one when it holds any. Filled by ingest beside `index_queue` (which the index
-- build empties on its own schedule), emptied at the end of every refresh.
CREATE TABLE derive_queue (
    work_id INTEGER PRIMARY KEY
);

-- The name blocks (family name + first initial, `names::PersonName::block_key`) each
-- researcher's mentions fall in: the researchers an incremental refresh weighs for a new
-- mention. Derived; written with the identity tables.
CREATE TABLE researcher_blocks (
    block_key     TEXT NOT NULL,
    researcher_id INTEGER NOT NULL,
    PRIMARY KEY (block_key, researcher_id)
) WITHOUT ROWID;
CREATE INDEX researcher_blocks_researcher ON researcher_blocks (researcher_id);

-- A new mention's strong id finds the researcher holding it.
CREATE INDEX researchers_openreview_id ON researchers (openreview_id) WHERE openreview_id IS NOT NULL;
CREATE INDEX researchers_orcid ON researchers (orcid) WHERE orcid IS NOT NULL;
CREATE INDEX researchers_openalex_id ON researchers (openalex_id) WHERE openalex_id IS NOT NULL;
CREATE INDEX researchers_dblp_id ON researchers (dblp_id) WHERE dblp_id IS NOT NULL;

-- Name blocks as a whole, as the last full resolution saw them, for an incremental refresh that
-- loads only part of a block: `common` (more given names than the rare-name rule allows), and
-- the co-author name keys (`coauthor`) and organisation keys (`organisation`) shared by too many
-- of the block's clusters to count as evidence. Derived; written with the identity tables.
CREATE TABLE block_notes (
    block_key TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('common', 'coauthor', 'organisation')),
    token     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (block_key, kind, token)
) WITHOUT ROWID;
