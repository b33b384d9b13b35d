#!/usr/bin/env python3
"""The gold-standard reviewer-expertise benchmark (Stelmakh et al. 2023) for `scout affinity`.

Runs `scout affinity` on evaluation_datasets/d_20_1..10 of the benchmark (read in place from
../shared, never copied), converts each CSV to the benchmark's prediction JSON
(`{algo}_d_20_{x}_ta.json`: reviewer -> paper -> score) in a temporary directory, and scores it
with the benchmark's own scripts/scoring.py `compute_main_metric`, UNROUNDED (its
evaluation_script.py rounds to two decimals), with its bootstrap interval (1,000 reviewer
resamples, averaged over the ten datasets; seeded here, unseeded upstream).

  scripts/eval_expertise.py --bin target/release/scout --db CORPUS [--data DIR] [--algo NAME]
                            [-- extra `scout affinity` arguments]
Prints one JSON line: algo, mean loss, interval, per-dataset losses. Needs numpy and pandas.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/scout")
    ap.add_argument("--db", required=True)
    ap.add_argument("--data", default="../shared/data/eval-reviewer-expertise")
    ap.add_argument("--algo", default="scout")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("extra", nargs="*", help="arguments passed on to `scout affinity`")
    args = ap.parse_args()

    sys.path.insert(0, os.path.join(args.data, "scripts"))
    import numpy as np
    import pandas as pd
    from scoring import compute_main_metric  # the benchmark's own metric
    import helpers

    df = pd.read_csv(os.path.join(args.data, "data", "evaluations.csv"), sep="\t")
    references, _ = helpers.to_dicts(df)
    reviewers = list(references.keys())
    papers = set()
    for r in references:
        papers |= set(references[r].keys())
    rng = np.random.default_rng(args.seed)
    bootstraps = [rng.choice(reviewers, len(reviewers), replace=True) for _ in range(1000)]

    points, variations = [], []
    with tempfile.TemporaryDirectory() as work:
        for x in range(1, 11):
            ds = os.path.join(args.data, "evaluation_datasets", f"d_20_{x}")
            out = os.path.join(work, f"d_20_{x}.csv")
            subprocess.run(
                [args.bin, "--db", args.db, "affinity", "--archives", os.path.join(ds, "archives"),
                 "--submissions", os.path.join(ds, "submissions.json"), "--out", out] + args.extra,
                check=True, stderr=subprocess.DEVNULL)
            preds = {}
            with open(out) as f:
                for sub, rev, score in csv.reader(f):
                    preds.setdefault(rev.lstrip("~"), {})[sub] = float(score)
            path = os.path.join(work, f"{args.algo}_d_20_{x}_ta.json")
            with open(path, "w") as f:
                json.dump(preds, f)
            with open(path) as f:
                preds = json.load(f)
            points.append(compute_main_metric(preds, references, papers, reviewers))
            variations.append([compute_main_metric(preds, references, papers, b) for b in bootstraps])
    boot = np.array(variations).mean(axis=0)
    print(json.dumps({
        "algo": args.algo,
        "args": args.extra,
        "mean_loss": float(np.mean(points)),
        "ci95": [float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))],
        "per_dataset": [round(p, 4) for p in points],
    }))


if __name__ == "__main__":
    main()
