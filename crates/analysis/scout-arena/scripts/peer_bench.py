#!/usr/bin/env python3
"""Times the Python peers (arena-rank, evalica) on an aggregated pair-count file and compares their
leaderboards with scout-arena's (the JSON written by `examples/bench_arena.rs --out`).

Setup (once):  python3 -m venv /tmp/peervenv && /tmp/peervenv/bin/pip install arena-rank evalica
Run:
  cargo run --release -p scout-arena --example bench_arena -- FILE.json --out /tmp/scout-arena-cba.json
  /tmp/peervenv/bin/python crates/analysis/scout-arena/scripts/peer_bench.py FILE.json /tmp/scout-arena-cba.json \
      [--rounds 1000] [--arena-rank-rounds 100] [--arena-rank-pool-rounds 100] [--write-reference OUT.csv]

Both peers get the data in their fastest form: the 13,621 unique (pair, outcome) rows with counts as
weights, never 1.67M individual votes. The bootstrap loops resample the counts multinomially (numpy for
evalica, arena-rank's own JAX multinomial for arena-rank), as scout-arena does.
"""

import argparse
import json
import math
import os
import time

import numpy as np


def load_rows(path):
    """Unique rows (i, j, outcome, count); outcome 1 = i wins, 0 = j wins, 0.5 = tie of either kind."""
    data = json.load(open(path))
    models = data["models"]
    rows = []
    for (i, j), (wi, wj, tie, bothbad) in zip(data["X"], data["Y"]):
        for outcome, count in ((1.0, wi), (0.0, wj), (0.5, tie), (0.5, bothbad)):
            if count > 0:
                rows.append((i, j, outcome, count))
    return models, rows


def timed(fn, repeat=1):
    best, value = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t)
    return value, best * 1e3


def compare(name, ours, theirs, keys=("rating",)):
    """Max |difference| per key between our board rows and a {model: {key: value}} dict."""
    out = {}
    for key in keys:
        diffs = [abs(r[key] - theirs[r["item"]][key]) for r in ours if theirs[r["item"]].get(key) is not None]
        out[key] = max(diffs)
    print(f"  {name}: " + ", ".join(f"max |Δ {k}| = {v:.3g}" for k, v in out.items()))
    return out


def run_evalica(models, rows, ours_fastchat, ours_arena, rounds):
    import evalica

    xs = [models[i] for i, _, _, _ in rows]
    ys = [models[j] for _, j, _, _ in rows]
    winners = [evalica.Winner.X if o == 1.0 else evalica.Winner.Y if o == 0.0 else evalica.Winner.Draw for _, _, o, _ in rows]
    counts = np.array([c for _, _, _, c in rows], dtype=np.float64)
    index = None

    def fit(weights, tolerance=1e-6, limit=100):
        return evalica.bradley_terry(xs, ys, winners, weights=list(weights), tolerance=tolerance, limit=limit)

    print(f"\nevalica {evalica.__version__} (Rust core, MM iterations)")
    default, t_default = timed(lambda: fit(counts), repeat=5)
    tight, t_tight = timed(lambda: fit(counts, tolerance=1e-12, limit=100_000), repeat=3)
    print(f"  fit, defaults (tolerance 1e-6, limit 100): {t_default:8.2f} ms, {default.iterations} iterations")
    print(f"  fit, converged (tolerance 1e-12):          {t_tight:8.2f} ms, {tight.iterations} iterations")

    def ratings(result, anchor=None):
        s = result.scores
        elo = 400.0 * np.log10(s)
        if anchor is None:
            elo = elo - elo.mean() + 1000.0
        else:
            elo = elo - elo[anchor] + 1114.0
        return {m: {"rating": float(elo[m])} for m in s.index}

    compare("evalica converged vs scout-arena (mean 1000)", ours_arena, ratings(tight))
    compare("evalica default   vs scout-arena (mean 1000)", ours_arena, ratings(default))
    compare("evalica converged vs scout-arena (Mixtral 1114)", ours_fastchat, ratings(tight, "mixtral-8x7b-instruct-v0.1"))

    rng = np.random.default_rng(42)
    total = int(counts.sum())
    p = counts / counts.sum()

    def boot(n, **kw):
        samples = []
        for _ in range(n):
            w = rng.multinomial(total, p).astype(np.float64)
            samples.append(fit(w, **kw).scores)
        return samples

    _, t_boot = timed(lambda: boot(rounds))
    print(f"  bootstrap {rounds} rounds, defaults (hand loop, numpy multinomial): {t_boot:9.1f} ms ({t_boot / rounds:.2f} ms/round)")
    n_tight = max(1, rounds // 10)
    _, t_boot_tight = timed(lambda: boot(n_tight, tolerance=1e-12, limit=100_000))
    print(f"  bootstrap, converged fits: {t_boot_tight / n_tight:.2f} ms/round (measured on {n_tight} rounds)")
    return {
        "fit_ms": t_default,
        "fit_converged_ms": t_tight,
        "bootstrap_ms": t_boot,
        "bootstrap_converged_ms_per_round": t_boot_tight / n_tight,
        "iterations_default": int(default.iterations),
        "iterations_converged": int(tight.iterations),
    }


def run_arena_rank(models, rows, ours_arena, rounds, pool_rounds, write_reference):
    import jax.numpy as jnp
    from arena_rank.models.bradley_terry import BradleyTerry
    from arena_rank.utils.data_utils import PairDataset

    pairs = jnp.array([[i, j] for i, j, _, _ in rows], dtype=jnp.int32)
    outcomes = jnp.array([o for _, _, o, _ in rows], dtype=jnp.float64)
    counts = jnp.array([c for _, _, _, c in rows], dtype=jnp.float64)
    weights = jnp.ones_like(counts)
    dataset = PairDataset(
        competitors=models, pairs=pairs, outcomes=outcomes, counts=counts, weights=weights, opt_weights=counts * weights
    )

    import importlib.metadata as md

    print(f"\narena-rank {md.version('arena-rank')} (JAX, L-BFGS)")

    def fit_and_sandwich():
        model = BradleyTerry(n_competitors=len(models))
        return model, model.compute_ratings_and_cis(dataset, ci_method="sandwich")

    (_, first), t_first = timed(fit_and_sandwich)  # includes JIT compilation
    (model, result), t_fit_sw = timed(fit_and_sandwich, repeat=3)

    def fit_only():
        m = BradleyTerry(n_competitors=len(models))
        m.fit(dataset)
        return m.params["ratings"].block_until_ready()

    _, t_fit = timed(fit_only, repeat=3)
    print(f"  first call (JIT compile + fit + sandwich): {t_first:9.1f} ms")
    print(f"  fit:                                        {t_fit:9.1f} ms")
    print(f"  fit + sandwich:                             {t_fit_sw:9.1f} ms")
    theirs = {
        m: {"rating": float(r), "lower": float(lo), "upper": float(hi)}
        for m, r, lo, hi in zip(result["competitors"], result["ratings"], result["rating_lower"], result["rating_upper"])
    }
    diffs = compare("arena-rank vs scout-arena (sandwich)", ours_arena, theirs, keys=("rating", "lower", "upper"))
    if write_reference:
        with open(write_reference, "w") as f:
            f.write("model,rating,lower,upper\n")
            for m in models:
                t = theirs[m]
                f.write(f"{m},{t['rating']!r},{t['lower']!r},{t['upper']!r}\n")
        print(f"  wrote {write_reference}")

    t_boot = t_pool = None
    if rounds > 0:
        import jax
        from arena_rank.models.bradley_terry import fit_single_bootstrap_sample

        boot_model = BradleyTerry(n_competitors=len(models))
        boot_model.fit(dataset)
        total = int(counts.sum())

        def sequential():
            # Exactly the per-round work of its bootstrap, without the process pool.
            draws = jax.random.multinomial(
                jax.random.PRNGKey(42), n=total, p=counts / total, shape=(rounds, counts.shape[0]), dtype=jnp.float64
            )
            return [fit_single_bootstrap_sample(draws[i], boot_model, dataset) for i in range(rounds)]

        _, t_boot = timed(sequential)
        print(f"  bootstrap {rounds} rounds, in-process (its per-round function): {t_boot:9.1f} ms ({t_boot / rounds:.1f} ms/round)")
        if pool_rounds > 0:
            # Its own entry point; the pool must use 'spawn' (fork deadlocks with JAX's threads).
            import multiprocessing as mp

            mp.set_start_method("spawn", force=True)
            _, t_pool = timed(
                lambda: boot_model.compute_ratings_and_cis(
                    dataset, ci_method="bootstrap", num_bootstrap=pool_rounds, n_jobs=os.cpu_count()
                )
            )
            print(f"  bootstrap {pool_rounds} rounds, its multiprocessing pool (spawn, {os.cpu_count()} workers): {t_pool:9.1f} ms ({t_pool / pool_rounds:.1f} ms/round)")
    return {"fit_ms": t_fit, "fit_sandwich_ms": t_fit_sw, "first_call_ms": t_first, "bootstrap_ms": t_boot,
            "bootstrap_rounds": rounds, "pool_ms": t_pool, "pool_rounds": pool_rounds, "max_diff": diffs}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data")
    ap.add_argument("ours")
    ap.add_argument("--rounds", type=int, default=1000, help="evalica bootstrap rounds")
    ap.add_argument("--arena-rank-rounds", type=int, default=100, help="arena-rank in-process bootstrap rounds (slow)")
    ap.add_argument("--arena-rank-pool-rounds", type=int, default=0, help="arena-rank rounds through its own process pool")
    ap.add_argument("--write-reference", help="write arena-rank's ratings and sandwich bounds as CSV")
    ap.add_argument("--skip", choices=["evalica", "arena-rank"], action="append", default=[])
    args = ap.parse_args()

    models, rows = load_rows(args.data)
    ours = json.load(open(args.ours))
    t = ours["timings_ms"]
    print(f"{len(models)} models, {len(rows)} unique rows, {sum(r[3] for r in rows)} votes")
    print(
        f"scout-arena: fit {t['fit']:.2f} ms, bootstrap {t['bootstrap_rounds']} rounds {t['bootstrap']:.1f} ms "
        f"({t['bootstrap'] / t['bootstrap_rounds']:.2f} ms/round), sandwich {t['sandwich']:.2f} ms, {t['threads']} threads"
    )
    report = {"scout_arena": t}
    if "evalica" not in args.skip:
        report["evalica"] = run_evalica(models, rows, ours["fastchat"]["rows"], ours["arena_rank"]["rows"], args.rounds)
    if "arena-rank" not in args.skip:
        report["arena_rank"] = run_arena_rank(
            models, rows, ours["arena_rank"]["rows"], args.arena_rank_rounds, args.arena_rank_pool_rounds, args.write_reference
        )

    print("\nspeed-up of scout-arena (fit + bootstrap, per round where rounds differ):")
    ours_round = t["bootstrap"] / t["bootstrap_rounds"]
    if "evalica" in report:
        e = report["evalica"]
        print(f"  vs evalica defaults:  fit {e['fit_ms'] / t['fit']:.1f}x, bootstrap {e['bootstrap_ms'] / args.rounds / ours_round:.1f}x")
        print(f"  vs evalica converged: fit {e['fit_converged_ms'] / t['fit']:.1f}x, bootstrap {e['bootstrap_converged_ms_per_round'] / ours_round:.1f}x")
    if "arena_rank" in report and report["arena_rank"]["bootstrap_ms"]:
        a = report["arena_rank"]
        print(
            f"  vs arena-rank: fit {a['fit_ms'] / t['fit']:.1f}x, fit+sandwich {a['fit_sandwich_ms'] / (t['fit_unanchored'] + t['sandwich']):.1f}x, "
            f"bootstrap {a['bootstrap_ms'] / a['bootstrap_rounds'] / ours_round:.1f}x"
        )
    print(json.dumps(report, indent=1, default=lambda x: None if isinstance(x, float) and math.isnan(x) else x))


if __name__ == "__main__":
    main()
