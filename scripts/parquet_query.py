#!/usr/bin/env python3
"""Queries a `scout export --parquet DIR` export with Apache DataFusion (PyPI `datafusion`) and checks
it against the SQLite corpus it came from: row counts per table and the top researchers by paper count
since a year must agree exactly. Prints the query, its result and its time.

    python3 scripts/parquet_query.py EXPORT_DIR CORPUS.sqlite [--since 2022]
"""

import argparse
import sqlite3
import sys
import time

import datafusion


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("export")
    ap.add_argument("db")
    ap.add_argument("--since", type=int, default=2022)
    args = ap.parse_args()

    ctx = datafusion.SessionContext()
    for table in ("works", "authorships", "researchers", "organisations", "mentions"):
        ctx.register_parquet(table, f"{args.export}/{table}/")
    db = sqlite3.connect(args.db)

    failures = 0
    for table, sql in (
        ("works", "SELECT count(*) FROM works"),
        ("authorships", "SELECT count(*) FROM authorship_researcher"),
        ("researchers", "SELECT count(*) FROM researchers"),
        ("organisations", "SELECT count(*) FROM organisations"),
        ("mentions", "SELECT count(*) FROM authorship_researcher"),
    ):
        ours = ctx.sql(f"SELECT count(*) AS n FROM {table}").to_pydict()["n"][0]
        theirs = db.execute(sql).fetchone()[0]
        status = "ok" if ours == theirs else "MISMATCH"
        failures += ours != theirs
        print(f"{table:14} parquet {ours:>10,}  sqlite {theirs:>10,}  {status}")

    query = f"""
        SELECT r.name, r.current_org, count(DISTINCT a.work_id) AS papers
        FROM authorships a JOIN researchers r ON a.researcher_id = r.researcher_id
        WHERE a.year >= {args.since}
        GROUP BY r.researcher_id, r.name, r.current_org
        ORDER BY papers DESC, r.name
        LIMIT 10"""
    t = time.perf_counter()
    top = ctx.sql(query).to_pydict()
    elapsed = (time.perf_counter() - t) * 1e3
    print(f"\nDataFusion {datafusion.__version__}: top researchers by papers since {args.since} ({elapsed:.0f} ms)")
    for name, org, papers in zip(top["name"], top["current_org"], top["papers"]):
        print(f"  {papers:>4}  {name}  ({org or '-'})")

    expected = db.execute(
        """SELECT r.name, count(DISTINCT w.id) AS papers
           FROM authorship_researcher ar JOIN researchers r ON r.id = ar.researcher_id
           JOIN works w ON w.id = ar.work_id
           WHERE w.year >= ? GROUP BY r.id ORDER BY papers DESC, r.name LIMIT 10""",
        (args.since,),
    ).fetchall()
    if [(n, p) for n, p in expected] != list(zip(top["name"], top["papers"])):
        failures += 1
        print("MISMATCH with SQLite:", expected)
    else:
        print("the same ten, with the same counts, from SQLite")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
