#!/usr/bin/env python3
"""Topic retrieval against OpenReview keywords, held out of the index.

Authors label their own papers with keywords on OpenReview ("reinforcement learning from human
feedback", "graph neural networks", ...). Those labels are ground truth for "which papers are
about this topic" that the text alone does not give away, once the index cannot read them:
this script copies the corpus, removes every work's keywords, rebuilds the index and the
semantic model of the copy (`scout refresh` after deleting the copy's index directory), and asks
`scout eval retrieval` how well each keyword, used as a topic, finds the papers labelled with it
(mean average precision, recall above the List's relevance floor, and recall of the labelled
papers whose title and abstract lack one of the keyword's words).

Topics: keywords (lower-cased, spaces collapsed) on at least --min-papers and at most
--max-papers works. `scout eval retrieval --half` splits them once by topic text with
`scout_rank::eval::SPLIT_SEED` (tuning even, reporting odd).

  scripts/eval_retrieval.py --bin target/release/scout --db CORPUS --work DIR
                            [--half tuning|reporting|all] [`scout eval retrieval` options:
                            --floor F, --lexical-weight W, --lexical-power P, --sharpness S, --title-share B]
"""
import argparse
import collections
import json
import os
import shutil
import sqlite3
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/scout")
    ap.add_argument("--db", required=True, help="an ingested and refreshed corpus (not changed)")
    ap.add_argument("--work", required=True, help="directory for the copy without keywords")
    ap.add_argument("--half", choices=["tuning", "reporting", "all"], default="all")
    ap.add_argument("--min-papers", type=int, default=20)
    ap.add_argument("--max-papers", type=int, default=2000)
    ap.add_argument("--format", choices=["table", "json"], default="table")
    # Anything else (--floor, --lexical-weight, --lexical-power, --sharpness, --title-share) goes to `scout eval retrieval`.
    args, passed_on = ap.parse_known_args()

    os.makedirs(args.work, exist_ok=True)
    copy = os.path.join(args.work, "no-keywords.sqlite")
    labels = os.path.join(args.work, "keyword-labels.jsonl")
    src = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    by_topic = collections.defaultdict(set)
    for key, keywords in src.execute(
        "SELECT key, keywords FROM works WHERE keywords IS NOT NULL AND keywords != ''"
    ):
        for k in keywords.split("\n"):
            topic = " ".join(k.lower().split())
            if topic:
                by_topic[topic].add(key)
    with open(labels, "w", encoding="utf-8") as out:
        for topic in sorted(by_topic):
            works = sorted(by_topic[topic])
            if args.min_papers <= len(works) <= args.max_papers:
                out.write(json.dumps({"topic": topic, "works": works}) + "\n")
    if not os.path.exists(copy) or os.path.getmtime(copy) < os.path.getmtime(args.db):
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(copy + suffix):
                os.remove(copy + suffix)
        shutil.rmtree(copy + ".index", ignore_errors=True)
        dst = sqlite3.connect(copy)
        src.backup(dst)
        dst.execute("UPDATE works SET keywords = NULL")
        dst.commit()
        dst.close()
        # Without its index directory the copy's index and semantic model are built anew, from
        # titles and abstracts only; identity is current and stays as it is.
        subprocess.run([args.bin, "--db", copy, "refresh"], check=True, stdout=subprocess.DEVNULL)
    src.close()

    cmd = [args.bin, "--db", copy, "--format", args.format, "eval", "retrieval",
           "--labels", labels, "--half", args.half]
    cmd += passed_on
    sys.exit(subprocess.run(cmd).returncode)


if __name__ == "__main__":
    main()
