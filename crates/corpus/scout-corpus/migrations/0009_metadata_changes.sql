-- Scout corpus, schema version 9: works changed in place whose identity evidence did not change.
--
-- `derive_queue.identity` is 1 when a work changed in what identity, timelines and the network
-- read of it (title, year, venue, source, the author list with names, ids and affiliations,
-- the paper-level affiliations), and 0 when only its metadata changed (citations, abstract,
-- keywords, status, rating, links: what an OpenAlex daily update mostly brings). An incremental
-- refresh handles the second kind (the researchers' facts are recomputed for their citations;
-- statistics, impact, the index and the semantic model follow as for new works); the first
-- still sends the refresh the full way. Rows queued before this version count as the first kind.
ALTER TABLE derive_queue ADD COLUMN identity INTEGER NOT NULL DEFAULT 1;
