#!/usr/bin/env python3
"""Builds the Parquet test fixtures of crates/sources/scout-openalex-parquet/tests/data from the
real OpenAlex API records bundled in data/demo/openalex (CC0), the way a converter of the API
format would: pyarrow infers the nested schema from the JSON objects (structs, lists, int64,
double, string; `null` for a field that is null throughout a file). Only
`abstract_inverted_index`, whose Parquet type the OpenAlex documentation leaves open, is written
in each plausible encoding, one per file. Snappy compression, as in the OpenAlex snapshot.

    python3 scripts/parquet_fixture.py [OUT_DIR]     (needs pyarrow from PyPI)
"""
import gzip
import json
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq

DEMO = os.path.join(os.path.dirname(__file__), "..", "data", "demo", "openalex")
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "crates", "sources", "scout-openalex-parquet", "tests", "data")
ABSTRACT = "abstract_inverted_index"


def load(name):
    with gzip.open(os.path.join(DEMO, name), "rt", encoding="utf-8") as f:
        return json.load(f)


def with_abstract(works, column_type, encode):
    """The pyarrow-inferred table of `works` with the abstract column replaced."""
    table = pa.Table.from_pylist(works)
    values = pa.array([None if w.get(ABSTRACT) is None else encode(w[ABSTRACT]) for w in works],
                      type=column_type)
    return table.set_column(table.schema.get_field_index(ABSTRACT), pa.field(ABSTRACT, column_type), values)


def drop_empty_structs(table):
    """Parquet cannot hold a struct without fields (institutions' `international` is `{}` in
    these records); a converter has to leave such a field out."""
    empty = [f.name for f in table.schema if pa.types.is_struct(f.type) and f.type.num_fields == 0]
    return table.drop_columns(empty)


def write(table, name, **options):
    path = os.path.join(OUT, name)
    pq.write_table(table, path, compression="snappy", **options)
    meta = pq.ParquetFile(path).metadata
    print(f"{name}: {meta.num_rows} rows, {meta.num_row_groups} row groups, {os.path.getsize(path)} bytes")


def main():
    os.makedirs(OUT, exist_ok=True)
    works = sorted(load("works_sample.json.gz"), key=lambda w: (w.get("publication_year") or 0, w["id"]))
    # Every fifth work, in year order, so that row groups cover distinct year ranges (statistics
    # can then exclude some of them) and the file stays small.
    main_works = works[::5]
    write(with_abstract(main_works, pa.map_(pa.string(), pa.list_(pa.int32())), lambda ix: list(ix.items())),
          "works_map.parquet", row_group_size=10)
    others = [w for i, w in enumerate(works) if i % 5 == 1]
    write(with_abstract(others[:12], pa.string(), json.dumps), "works_json_text.parquet")
    # Plain inference: the abstract becomes a struct with one field per word (a column per word,
    # so this file is large for its rows: the three works with the shortest abstracts).
    short = sorted(others[12:], key=lambda w: (len(w.get(ABSTRACT) or {}), w["id"]))[:3]
    write(pa.Table.from_pylist(short), "works_struct.parquet")
    write(pa.Table.from_pylist(load("authors_sample.json.gz")[:6]), "authors.parquet")
    write(drop_empty_structs(pa.Table.from_pylist(load("institutions_sample.json.gz")[:6])),
          "institutions.parquet")


if __name__ == "__main__":
    main()
