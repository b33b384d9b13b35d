#!/usr/bin/env python3
"""The corpus's own affinity protocol (for tuning): held-back papers as queries.

From a Scout corpus (SQLite), researchers with at least 6 papers with abstracts are sampled with
a fixed seed, in researcher-key and work-key order (so the sample does not move with ingest order
or with identity renumbering researchers) and split ONCE into a tuning half and a reporting half (seed 13, documented in
docs/quality.md). In each half, every researcher holds back one paper (the query: its title and
abstract); the archives are the researchers' other papers (at most 20, most recent first), with
every held-back paper removed from every archive. `scout affinity` scores every query against
every researcher of the half; a query's relevant researchers are its authors in the half.
Reports MRR and recall@10 / @100 of the first relevant researcher. (The semantic model itself
was learned with the held-back papers in it: one paper in 168k.)

  scripts/eval_heldout.py --bin target/release/scout --db CORPUS [--half tune|report]
                          [--per-half 500] [-- extra `scout affinity` arguments]
"""
import argparse
import csv
import json
import os
import random
import sqlite3
import subprocess
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/scout")
    ap.add_argument("--db", required=True)
    ap.add_argument("--half", choices=["tune", "report"], default="tune")
    ap.add_argument("--per-half", type=int, default=500)
    ap.add_argument("extra", nargs="*")
    args = ap.parse_args()

    con = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    # Sampled by researcher key and work key, never by integer id: ids follow ingest order
    # (parallel) and renumber when identity changes, keys do not.
    rows = con.execute(
        """SELECT ar.researcher_id, r.key, w.id, w.year, w.title, COALESCE(w.abstract, a.text)
           FROM authorship_researcher ar JOIN works w ON w.id = ar.work_id
           JOIN researchers r ON r.id = ar.researcher_id
           LEFT JOIN abstracts a ON a.work_key = w.key
           WHERE COALESCE(w.abstract, a.text) IS NOT NULL
           ORDER BY r.key, w.year DESC, w.key""").fetchall()
    papers, by_researcher, key_of = {}, {}, {}
    for rid, rkey, wid, year, title, abstract in rows:
        papers[wid] = (title, abstract)
        key_of[rid] = rkey
        lst = by_researcher.setdefault(rid, [])
        if wid not in lst:
            lst.append(wid)
    eligible = sorted((r for r, ws in by_researcher.items() if len(ws) >= 6), key=key_of.get)
    rng = random.Random(13)
    rng.shuffle(eligible)
    sample = eligible[: 2 * args.per_half]
    half = sample[: args.per_half] if args.half == "tune" else sample[args.per_half:]
    authors = {}
    for wid, rid in con.execute("SELECT work_id, researcher_id FROM authorship_researcher"):
        authors.setdefault(wid, set()).add(rid)
    held = {r: rng.choice(by_researcher[r]) for r in half}
    held_set = set(held.values())
    members = set(half)

    with tempfile.TemporaryDirectory() as work:
        arch = os.path.join(work, "archives")
        os.mkdir(arch)
        for r in half:
            with open(os.path.join(arch, f"~{r}.jsonl"), "w") as f:
                for wid in [w for w in by_researcher[r] if w not in held_set][:20]:
                    t, a = papers[wid]
                    f.write(json.dumps({"id": str(wid), "content": {"title": t, "abstract": a}}) + "\n")
        subs = {}
        for r, wid in held.items():
            t, a = papers[wid]
            subs[str(wid)] = {"id": str(wid), "content": {"title": t, "abstract": a}}
        with open(os.path.join(work, "submissions.json"), "w") as f:
            json.dump(subs, f)
        out = os.path.join(work, "scores.csv")
        subprocess.run([args.bin, "--db", args.db, "affinity", "--archives", arch,
                        "--submissions", os.path.join(work, "submissions.json"), "--out", out]
                       + args.extra, check=True, stderr=subprocess.DEVNULL)
        scores = {}
        with open(out) as f:
            for sub, rev, s in csv.reader(f):
                scores.setdefault(int(sub), []).append((float(s), int(rev.lstrip("~"))))
    mrr, r10, r100 = 0.0, 0, 0
    for wid, lst in scores.items():
        lst.sort(key=lambda x: (-x[0], x[1]))
        relevant = authors.get(wid, set()) & members
        rank = next(i + 1 for i, (_, r) in enumerate(lst) if r in relevant)
        mrr += 1.0 / rank
        r10 += rank <= 10
        r100 += rank <= 100
    n = len(scores)
    print(json.dumps({"half": args.half, "queries": n, "researchers": len(half), "args": args.extra,
                      "mrr": round(mrr / n, 4), "recall@10": round(r10 / n, 4),
                      "recall@100": round(r100 / n, 4)}))


if __name__ == "__main__":
    main()
