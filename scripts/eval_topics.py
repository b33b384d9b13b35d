#!/usr/bin/env python3
"""Do two spellings of one topic give the same List? Overlap of the top 50 researchers of
`scout list` for acronym / long-form pairs (target: at least 30 of 50), and for unrelated topic
pairs as a control (target: at most 2 of 50).

  scripts/eval_topics.py --bin target/release/scout --db CORPUS [--limit 50]
"""
import argparse
import json
import subprocess

SAME = [
    ("RLHF", "reinforcement learning from human feedback"),
    ("MoE", "mixture of experts"),
    ("ViT", "vision transformer"),
    ("CoT", "chain of thought"),
    ("DPO", "direct preference optimization"),
]
UNRELATED = [
    ("graph neural networks", "speech recognition"),
    ("protein structure prediction", "federated learning"),
    ("autonomous driving", "topic models"),
    ("differential privacy", "image super-resolution"),
    ("machine translation", "robot grasping"),
    ("causal inference", "3D point clouds"),
    ("recommender systems", "spiking neural networks"),
    ("adversarial examples", "music generation"),
    ("Bayesian optimization", "sign language"),
    ("knowledge graphs", "medical image segmentation"),
]


def top(bin_, db, topic, limit):
    out = subprocess.run([bin_, "--db", db, "--format", "json", "list", topic, "--limit", str(limit)],
                         check=True, capture_output=True, text=True).stdout
    return [row["researcher"]["id"] for row in json.loads(out)["rows"]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/scout")
    ap.add_argument("--db", required=True)
    ap.add_argument("--limit", type=int, default=50)
    args = ap.parse_args()
    result = {}
    for kind, pairs in (("same_topic", SAME), ("unrelated", UNRELATED)):
        rows = []
        for a, b in pairs:
            x, y = top(args.bin, args.db, a, args.limit), top(args.bin, args.db, b, args.limit)
            rows.append({"a": a, "b": b, "overlap": len(set(x) & set(y)), "of": args.limit})
            print(f"{kind:10}  {len(set(x) & set(y)):3}/{args.limit}  {a!r} vs {b!r}")
        result[kind] = rows
    print(json.dumps(result))


if __name__ == "__main__":
    main()
