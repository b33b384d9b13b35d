#!/usr/bin/env python3
"""The DuckDB peer for scripts/bench-ingest: the same paperlists files (papers and abstracts,
gzipped JSON Lines) read into a DuckDB database file with explicit columns (its fastest path),
timed from start to the closed database. Prints one JSON line."""
import glob
import json
import os
import sys
import time

import duckdb

PAPER_COLUMNS = {
    "venue": "VARCHAR", "year": "INTEGER", "id": "VARCHAR", "title": "VARCHAR", "status": "VARCHAR",
    "track": "VARCHAR", "site": "VARCHAR", "arxiv": "VARCHAR", "primary_area": "VARCHAR",
    "authors": "VARCHAR[]", "openreview_ids": "VARCHAR[]", "dblp": "VARCHAR[]", "orcid": "VARCHAR[]",
    "affs": "VARCHAR[]", "aff_domains": "VARCHAR[]", "aff_unique_norm": "VARCHAR[]",
    "aff_unique_index": "VARCHAR[]", "aff_country_unique": "VARCHAR[]",
    "aff_country_unique_index": "VARCHAR[]", "keywords": "VARCHAR[]", "gs_citation": "BIGINT",
    "rating_avg": "DOUBLE",
}
ABSTRACT_COLUMNS = {"venue": "VARCHAR", "year": "INTEGER", "id": "VARCHAR", "title": "VARCHAR", "abstract": "VARCHAR"}


def main() -> None:
    db, data = sys.argv[1], sys.argv[2]
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else os.cpu_count()
    papers = sorted(glob.glob(os.path.join(data, "papers", "*.jsonl.gz")))
    abstracts = sorted(glob.glob(os.path.join(data, "abstracts", "*.jsonl.gz")))
    size = sum(os.path.getsize(f) for f in papers + abstracts)
    if os.path.exists(db):
        os.remove(db)
    started = time.perf_counter()
    con = duckdb.connect(db)
    con.execute(f"SET threads={threads}")
    con.execute("CREATE TABLE papers AS SELECT * FROM read_json($f, format='newline_delimited', columns=$c)",
                {"f": papers, "c": PAPER_COLUMNS})
    con.execute("CREATE TABLE abstracts AS SELECT * FROM read_json($f, format='newline_delimited', columns=$c)",
                {"f": abstracts, "c": ABSTRACT_COLUMNS})
    rows = con.execute("SELECT (SELECT count(*) FROM papers) + (SELECT count(*) FROM abstracts)").fetchone()[0]
    con.close()
    seconds = time.perf_counter() - started
    print(json.dumps({"peer": f"duckdb {duckdb.__version__}", "threads": threads, "records": rows,
                      "bytes": size, "seconds": seconds}))


if __name__ == "__main__":
    main()
