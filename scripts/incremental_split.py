#!/usr/bin/env python3
"""Splits a paperlists folder into a base and a later batch for the incremental-refresh
benchmark and replay: `--share S` holds back that share of the records (chosen by a hash of
their id, so the same share always picks the same works) from years before the corpus's last,
or `--until YEAR` puts every record after YEAR in later batches, one per year.
Writes BASE_DIR/*.jsonl.gz and LATER_DIR[/YEAR]/*.jsonl.gz."""
import argparse, glob, gzip, hashlib, json, os, sys

def records(src):
    for path in sorted(glob.glob(os.path.join(src, "*.jsonl.gz"))):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line.strip():
                    continue
                try:
                    year = int(json.loads(line).get("year") or 0)
                except (ValueError, json.JSONDecodeError):
                    year = 0
                yield os.path.basename(path), line, year

def main():
    p = argparse.ArgumentParser()
    p.add_argument("src")
    p.add_argument("base")
    p.add_argument("later")
    p.add_argument("--share", type=float)
    p.add_argument("--until", type=int)
    a = p.parse_args()
    rows = list(records(a.src))
    last = max(y for _, _, y in rows)
    out = {}
    def write(folder, name, line):
        key = (folder, name)
        if key not in out:
            os.makedirs(folder, exist_ok=True)
            out[key] = gzip.open(os.path.join(folder, name), "wt", encoding="utf-8", compresslevel=1)
        out[key].write(line + "\n")
    held = 0
    for name, line, year in rows:
        if a.until is not None:
            later = year > a.until
            folder = os.path.join(a.later, str(year)) if later else a.base
        else:
            h = int(hashlib.sha1(line.encode()).hexdigest()[:8], 16) / 2**32
            later = year < last and h < a.share
            folder = a.later if later else a.base
        held += later
        write(folder, name, line)
    for f in out.values():
        f.close()
    print(f"{len(rows)} records, {held} held back", file=sys.stderr)

if __name__ == "__main__":
    main()
