"""Identity resolution, the co-author edges, timelines and moves of a Scout corpus on Apache
Spark (issue 17; docs/scale.md).

Reads the corpus as `scout export --parquet EXPORT` wrote it (`mentions/`, with every
mention's name block, strong ids and organisation keys) and resolves identity across
executors with Scout's own resolver, so there is one implementation of the rules:

1. Strong ids (OpenReview, ORCID, OpenAlex, DBLP) join name blocks: connected components of
   the block graph, by label propagation (each block takes the least label of its neighbours
   until nothing changes). No union of the resolver ever crosses a component.
2. Each mention gets its component; the co-authors of its papers that sit in other
   components come along as context (their names are co-author evidence).
3. Rows are shuffled by component and sorted; each Spark partition is piped through
   `scout identity-part` (Arrow IPC in and out), which resolves component after component.
4. The outcome (each mention's cluster representative, the links with their evidence, the
   counters and block notes) is written as Parquet to OUT/identity/, with the export's
   manifest.
5. Co-author edges: each paper's distinct researchers (cluster roots) are paired, and each
   pair's joint papers aggregated into OUT/coauthor_edges/ (papers, weight, first and last
   year), the weight summed in paper order from the export's `paper_ties`, so it is the
   single-machine refresh's to the bit.
6. Timelines and moves: each researcher's mentions with named organisations of their own (and
   every organisation named on their papers) are shuffled by researcher and piped through
   `scout timeline-part`, the refresh's own rules; OUT/timelines/ holds each researcher's
   timeline cells and moves, organisations by key.
`scout import-derived OUT` derives everything else (keys, organisations and their counts,
communities, facts, career stages, impact, the index) as a rebuild does.

Usage: python identity_job.py --export EXPORT --out OUT --scout target/release/scout
       [--master local[2]] [--partitions 8] [--driver-memory 4g]
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time

import pyarrow as pa
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

ID_KINDS = ["openreview_id", "orcid", "openalex_id", "dblp_id"]
OUTPUT_SCHEMA = (
    "kind string, a long, b long, rule string, evidence string, "
    "number long, text string, text2 string"
)


def components(mentions, log):
    """(block, component) for every block; the component is the least block key in it."""
    ids = None
    for kind in ID_KINDS:
        part = mentions.where(F.col(kind).isNotNull()).select(
            "block", F.concat(F.lit(kind + ":"), F.col(kind)).alias("id")
        )
        ids = part if ids is None else ids.unionByName(part)
    ids = ids.distinct()
    anchors = ids.groupBy("id").agg(F.min("block").alias("anchor"))
    edges = (
        ids.join(anchors, "id")
        .where(F.col("block") != F.col("anchor"))
        .select("block", "anchor")
        .distinct()
    )
    # Both directions: a block's neighbours.
    pairs = edges.unionByName(
        edges.select(F.col("anchor").alias("block"), F.col("block").alias("anchor"))
    ).distinct().localCheckpoint()
    labels = pairs.select("block").distinct().withColumn("label", F.col("block")).localCheckpoint()
    rounds = 0
    while True:
        rounds += 1
        seen = (
            pairs.join(
                labels.select(F.col("block").alias("anchor"), F.col("label").alias("seen")),
                "anchor",
            )
            .groupBy("block")
            .agg(F.min("seen").alias("seen"))
        )
        updated = (
            labels.join(seen, "block", "left")
            .select("block", F.least("label", F.coalesce("seen", "label")).alias("label"))
            .localCheckpoint()
        )
        changed = (
            updated.join(labels.select("block", F.col("label").alias("old")), "block")
            .where(F.col("label") != F.col("old"))
            .count()
        )
        labels = updated
        if changed == 0:
            break
    log["label_rounds"] = rounds
    log["blocks_joined_by_ids"] = labels.count()
    return labels


def through_scout(scout, command):
    """mapInArrow function: pipes one partition's batches through `scout COMMAND`
    (`identity-part`, `timeline-part`). `scout` is a path on every executor, or the name of a
    file shipped with `spark-submit --files` (found through SparkFiles)."""

    def run(batches):
        first = next(batches, None)
        if first is None:
            return
        binary = scout
        if not os.path.exists(binary):
            from pyspark import SparkFiles

            binary = SparkFiles.get(os.path.basename(scout))
        proc = subprocess.Popen([binary, command], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        failure = []

        def feed():
            try:
                with pa.ipc.new_stream(proc.stdin, first.schema) as writer:
                    writer.write_batch(first)
                    for batch in batches:
                        writer.write_batch(batch)
            except Exception as error:  # reported after the reader ends
                failure.append(error)
            finally:
                proc.stdin.close()

        feeder = threading.Thread(target=feed)
        feeder.start()
        reader = pa.ipc.open_stream(proc.stdout)
        for batch in reader:
            yield batch
        feeder.join()
        code = proc.wait()
        if failure:
            raise failure[0]
        if code != 0:
            raise RuntimeError(f"scout {command} exited with {code}")

    return run


def coauthor_edges(spark, export, roots):
    """One row per pair of researchers with a joint paper that makes edges, as the single-machine
    refresh builds them (`graph::stream_edges`): a paper's author count is its mentions, papers
    with more than 50 authors add nothing (`paper_ties` stops there), a pair's weight is the sum
    of its papers' ties in paper order (array_sort + aggregate: the same additions in the same
    order as Rust, so the same double), the years are the least and greatest known ones (0:
    none known). Researchers are named by their cluster roots (`a` < `b`)."""
    mentions = spark.read.parquet(export + "/mentions").select("mention", "work_id", "year")
    ties = spark.read.parquet(export + "/paper_ties").select(
        "authors", F.coalesce("year", F.lit(0)).alias("year0"), "tie"
    )
    papers = (
        mentions.groupBy("work_id")
        .agg(
            F.min("mention").alias("paper"),
            F.count(F.lit(1)).cast("int").alias("authors"),
            F.coalesce(F.min("year"), F.lit(0)).alias("year0"),
        )
        .join(F.broadcast(ties), ["authors", "year0"])
        .select("work_id", "paper", "year0", "tie")
    )
    on_paper = mentions.join(roots, "mention").select("work_id", "root").distinct()
    pairs = (
        on_paper.select("work_id", F.col("root").alias("a"))
        .join(on_paper.select("work_id", F.col("root").alias("b")), "work_id")
        .where(F.col("a") < F.col("b"))
        .join(papers, "work_id")
    )
    known = F.when(F.col("year0") > 0, F.col("year0"))
    return pairs.groupBy("a", "b").agg(
        F.count(F.lit(1)).alias("papers"),
        F.aggregate(
            F.array_sort(F.collect_list(F.struct("paper", "tie"))),
            F.lit(0.0).cast("double"),
            lambda total, paper: total + paper["tie"],
        ).alias("weight"),
        F.coalesce(F.min(known), F.lit(0)).cast("long").alias("first_year"),
        F.coalesce(F.max(known), F.lit(0)).cast("long").alias("last_year"),
    )


def timeline_rows(spark, export, roots):
    """What `scout timeline-part` reads: one row per mention with named organisations of its own
    (aligned, not generic: the only ones a timeline counts), with its researcher (cluster root),
    work, year (0: unknown), those organisations' keys and e-mail domains ("" for none), in the
    export's order within the mention, and every organisation named on its paper by anyone."""
    mentions = spark.read.parquet(export + "/mentions").select(
        "mention", "work_id", F.coalesce("year", F.lit(0)).cast("long").alias("year")
    )
    affs = spark.read.parquet(export + "/mention_affiliations").select(
        "mention",
        "org_key",
        F.col("generic").cast("boolean").alias("generic"),
        F.col("paper_level").cast("boolean").alias("paper_level"),
        F.coalesce("domain", F.lit("")).alias("domain"),
    )
    named = (
        affs.where(~F.col("generic") & ~F.col("paper_level"))
        .groupBy("mention")
        .agg(F.collect_list(F.struct("org_key", "domain")).alias("named"))
    )
    paper = (
        affs.where(~F.col("generic"))
        .join(mentions.select("mention", "work_id"), "mention")
        .groupBy("work_id")
        .agg(F.collect_set("org_key").alias("paper_orgs"))
    )
    return (
        named.join(mentions, "mention")
        .join(roots.select("mention", F.col("root").alias("researcher")), "mention")
        .join(paper, "work_id")
        .select(
            "researcher",
            "mention",
            "work_id",
            "year",
            F.transform("named", lambda a: a["org_key"]).alias("named_keys"),
            F.transform("named", lambda a: a["domain"]).alias("named_domains"),
            "paper_orgs",
        )
    )


TIMELINE_SCHEMA = (
    "kind string, researcher long, org string, org2 string, year long, a long, b long, c long, "
    "d long"
)


def shuffle_volume(path):
    """Shuffle bytes written and read, and spilled bytes, summed over the tasks of an event log."""
    total = {"shuffle_bytes_written": 0, "shuffle_bytes_read": 0, "spilled_bytes": 0}
    with open(path, encoding="utf-8") as events:
        for line in events:
            if '"SparkListenerTaskEnd"' not in line:
                continue
            metrics = json.loads(line).get("Task Metrics") or {}
            write = metrics.get("Shuffle Write Metrics") or {}
            read = metrics.get("Shuffle Read Metrics") or {}
            total["shuffle_bytes_written"] += write.get("Shuffle Bytes Written", 0)
            total["shuffle_bytes_read"] += read.get("Remote Bytes Read", 0) + read.get(
                "Local Bytes Read", 0
            )
            total["spilled_bytes"] += metrics.get("Disk Bytes Spilled", 0)
    return total


def cost_model(costs):
    """The per-component cost of resolution, from the `cost` rows `scout identity-part` writes
    (rows with context, nanoseconds): totals by component size (powers of two), and the least-
    squares fit seconds = alpha * rows + beta * rows^2 over all components."""
    import numpy as np

    rows = np.array([c[0] for c in costs], dtype=float)
    secs = np.array([c[1] for c in costs], dtype=float) / 1e9
    if len(rows) == 0:
        return {}
    design = np.column_stack([rows, rows * rows])
    (alpha, beta), *_ = np.linalg.lstsq(design, secs, rcond=None)
    by_size = []
    bucket = np.floor(np.log2(np.maximum(rows, 1))).astype(int)
    for b in sorted(set(bucket.tolist())):
        sel = bucket == b
        by_size.append(
            {
                "rows_from": 2**b,
                "components": int(sel.sum()),
                "rows": int(rows[sel].sum()),
                "seconds": round(float(secs[sel].sum()), 3),
                "us_per_row": round(float(secs[sel].sum() / rows[sel].sum() * 1e6), 2),
            }
        )
    return {
        "components": int(len(rows)),
        "rows": int(rows.sum()),
        "resolve_seconds": round(float(secs.sum()), 3),
        "largest_component_rows": int(rows.max()),
        "sum_rows_squared": float((rows * rows).sum()),
        "alpha_us_per_row": float(alpha * 1e6),
        "beta_ns_per_row2": float(beta * 1e9),
        "by_size": by_size,
    }


def copy_file(spark, source, folder):
    """Copies one file into a folder through Hadoop's file systems (local, HDFS, S3, …)."""
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    fs = jvm.org.apache.hadoop.fs
    src, dst = fs.Path(source), fs.Path(folder)
    fs.FileUtil.copy(src.getFileSystem(conf), src, dst.getFileSystem(conf), dst, False, conf)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export", required=True, help="scout export --parquet output")
    parser.add_argument("--out", required=True, help="output folder for scout import-derived")
    parser.add_argument("--scout", required=True, help="the scout binary (on every executor)")
    parser.add_argument("--master", default=None, help="e.g. local[2]; spark-submit sets it")
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument(
        "--event-log",
        default=None,
        help="local folder for Spark's event log; the shuffle volume is then summed from it",
    )
    parser.add_argument(
        "--driver-memory", default="4g", help="JVM heap of the driver (local mode: everything)"
    )
    args = parser.parse_args()
    # A local path is made absolute (local mode); anything else is left for SparkFiles.
    scout = os.path.abspath(args.scout) if os.path.exists(args.scout) else args.scout
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    started = time.time()
    builder = SparkSession.builder.appName("scout-identity-and-edges")
    if args.master:
        builder = builder.master(args.master)
    if args.event_log:
        os.makedirs(args.event_log, exist_ok=True)
        builder = builder.config("spark.eventLog.enabled", "true").config(
            "spark.eventLog.dir", "file://" + os.path.abspath(args.event_log)
        )
    spark = (
        builder.config("spark.sql.shuffle.partitions", str(args.partitions))
        .config("spark.driver.memory", args.driver_memory)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("WARN")
    log = {"partitions": args.partitions}

    mentions = spark.read.parquet(args.export.rstrip("/") + "/mentions").select(
        "mention", "work_id", "name", "block", *ID_KINDS, "org_keys"
    )
    labels = components(mentions, log)
    own = (
        mentions.join(labels, "block", "left")
        .withColumn("component", F.coalesce("label", "block"))
        .drop("label", "block")
        .localCheckpoint()
    )
    # Co-authors from other components, as context for each component on the paper.
    on_paper = own.select("work_id", "component").distinct()
    context = (
        on_paper.join(
            own.select("work_id", F.col("component").alias("theirs"), "mention", "name"),
            "work_id",
        )
        .where(F.col("component") != F.col("theirs"))
        .select(
            "component",
            "mention",
            "work_id",
            "name",
            F.lit(False).alias("own"),
            *[F.lit(None).cast("string").alias(k) for k in ID_KINDS],
            F.lit(None).cast("array<string>").alias("org_keys"),
        )
    )
    rows = own.select(
        "component", "mention", "work_id", "name", F.lit(True).alias("own"), *ID_KINDS, "org_keys"
    ).unionByName(context)
    resolved = (
        rows.repartition(args.partitions, "component")
        .sortWithinPartitions("component", "mention")
        .mapInArrow(through_scout(scout, "identity-part"), OUTPUT_SCHEMA)
    )
    out_identity = args.out.rstrip("/") + "/identity"
    resolved.write.mode("overwrite").parquet(out_identity)
    log["seconds_to_identity"] = round(time.time() - started, 1)
    result = spark.read.parquet(out_identity)
    roots = result.where(F.col("kind") == "root").select(
        F.col("a").alias("mention"), F.col("b").alias("root")
    )
    out_edges = args.out.rstrip("/") + "/coauthor_edges"
    coauthor_edges(spark, args.export.rstrip("/"), roots).write.mode("overwrite").parquet(
        out_edges
    )
    out_timelines = args.out.rstrip("/") + "/timelines"
    (
        timeline_rows(spark, args.export.rstrip("/"), roots)
        .repartition(args.partitions, "researcher")
        .sortWithinPartitions("researcher", "mention")
        .mapInArrow(through_scout(scout, "timeline-part"), TIMELINE_SCHEMA)
        .write.mode("overwrite")
        .parquet(out_timelines)
    )
    copy_file(spark, args.export.rstrip("/") + "/identity_input.json", args.out)
    # Everything after this is statistics for the log (its counts recompute the joins).
    log["seconds_to_output"] = round(time.time() - started, 1)
    log["coauthor_edges"] = spark.read.parquet(out_edges).count()
    log["timeline_rows"] = {
        r["kind"]: r["count"]
        for r in spark.read.parquet(out_timelines).groupBy("kind").count().collect()
    }

    counts = {r["kind"]: r["count"] for r in result.groupBy("kind").count().collect()}
    costs = [
        (r["b"], r["number"])
        for r in result.where(F.col("kind") == "cost").select("b", "number").collect()
    ]
    log["cost_model"] = cost_model(costs)
    log.update(
        mentions=own.count(),
        context_rows=context.count(),
        components=own.select("component").distinct().count(),
        output_rows=counts,
        seconds=round(time.time() - started, 1),
    )
    app = spark.sparkContext.applicationId
    spark.stop()
    if args.event_log:
        log.update(shuffle_volume(os.path.join(args.event_log, app)))
    print(json.dumps(log, sort_keys=True))


if __name__ == "__main__":
    main()
