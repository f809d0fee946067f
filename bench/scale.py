"""How `lessons run` scales out: this machine's worker pool next to a 2-worker Dask cluster (`local:2`).

    python bench/scale.py [--docs 300] [--words 100000] [--model models/default]

Prints three tables:
  1. words/s of a local run (1 and 2 worker processes) and of `--scheduler local:2` over the same
     folder: over the whole run (start-up and model loading included) and in the steady state
     (between the first and the last finished task), plus each Dask worker's memory once loaded;
  2. the scheduler's own cost per task: a trivial task's round trip, and trivial tasks in bulk;
  3. batch size against the fixed cost of a lessons task on a worker (Dask round trip plus the
     forked child that enforces the per-file limits), with words/s at each size.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from corpus import build_corpus  # noqa: E402

from pipeline.config import Settings  # noqa: E402
from pipeline.run import DEFAULT_GAZETTEER, DOCS_PER_TASK, RunSummary, _chunks, discover, run_batch  # noqa: E402

WORK = HERE / "_work"
BATCH_SIZES = (1, 4, 8, 16, 32)


def timed_run(docs: Path, out: Path, settings: Settings) -> dict:
    """One fresh run: words, wall seconds, and the steady rate between the first and last finished task."""
    shutil.rmtree(out, ignore_errors=True)
    marks: list[tuple[float, int]] = []
    t0 = time.perf_counter()
    summary = run_batch(docs, out, settings, on_progress=lambda done, total: marks.append((time.perf_counter(), done)))
    wall = time.perf_counter() - t0
    (first_t, first_n), (last_t, last_n) = next(m for m in marks if m[1] > 0), marks[-1]
    steady = summary.words * (last_n - first_n) / last_n / max(last_t - first_t, 1e-9)
    return {"words": summary.words, "files": last_n, "wall": wall, "words_s": summary.words / wall,
            "steady_words_s": steady, "first_result_s": first_t - t0}


def worker_rss_mb(client) -> list[float]:
    import psutil

    return sorted(r / 2**20 for r in client.run(lambda: psutil.Process().memory_info().rss).values())


def scheduler_overhead(n_round_trips: int = 200, n_bulk: int = 2000) -> dict:
    """Trivial tasks on a fresh 2-worker LocalCluster: what Dask itself costs per task."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster, Client(cluster) as client:
        client.submit(abs, 0, pure=False).result()  # warm the connections
        trips = []
        for i in range(n_round_trips):
            t = time.perf_counter()
            client.submit(abs, -i, pure=False).result()
            trips.append(time.perf_counter() - t)
        t = time.perf_counter()
        client.gather(client.map(abs, range(-n_bulk, 0), pure=False))
        bulk = (time.perf_counter() - t) / n_bulk
    return {"round_trip_ms": statistics.median(trips) * 1000, "bulk_ms": bulk * 1000}


def batch_costs(docs: Path, model: str, n_files: int) -> tuple[list[tuple], list[float], float]:
    """lessons tasks of 0 files (the fixed cost) and of k files, on a local:2 cluster with the model loaded."""
    from pipeline.cluster import DaskPool, Model, run_files
    from pipeline.codebook import load_codebook

    settings = Settings(model=model, scheduler="local:2")
    gazetteer = DEFAULT_GAZETTEER if DEFAULT_GAZETTEER.is_file() else None
    pool = DaskPool(settings, Model.of(load_codebook(), Path(model), gazetteer, ship=False))
    try:
        client = pool.client
        rss = worker_rss_mb(client)
        files = discover(docs, RunSummary(out_dir=docs))[:n_files]
        client.gather(client.map(run_files, [pool.plugin_name] * 2, [files[:2], files[2:4]], [None] * 2, pure=False))
        empty = []  # after a first task on each worker, so that no size pays for a cold start
        for _ in range(20):
            t = time.perf_counter()
            client.submit(run_files, pool.plugin_name, [], None, pure=False).result()
            empty.append(time.perf_counter() - t)
        rows = []
        for k in BATCH_SIZES:
            tasks = [files[i:i + k] for i in range(0, len(files), k)]
            t = time.perf_counter()
            results = client.gather(client.map(run_files, [pool.plugin_name] * len(tasks), tasks, [None] * len(tasks),
                                               pure=False))
            wall = time.perf_counter() - t
            words = sum(len(p["text"].split()) for outcomes, _ in results for o in outcomes
                        for entry in o.result[0] for p in entry["passages"])
            rows.append((k, len(tasks), wall / len(files) * 1000, words / wall))
    finally:
        pool.close()
    return rows, rss, statistics.median(empty) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=300)
    ap.add_argument("--words", type=int, default=100_000)
    ap.add_argument("--model", default=str(HERE.parent / "models" / "default"))
    ap.add_argument("--batch-files", type=int, default=64, help="files run at each batch size in table 3")
    args = ap.parse_args()

    docs = WORK / "scale-corpus"
    shutil.rmtree(docs, ignore_errors=True)
    built = build_corpus(docs, args.docs, args.words)
    tasks = list(_chunks(discover(docs, RunSummary(out_dir=docs)), DOCS_PER_TASK))
    print(f"corpus: {built['documents']} documents, ~{built['words']:,} words in {docs}; the run makes "
          f"{len(tasks)} tasks of {built['documents'] / len(tasks):.1f} files on average", file=sys.stderr)

    runs = {}
    for name, settings in (("local, 1 worker", Settings(model=args.model, workers=1)),
                           ("local, 2 workers", Settings(model=args.model, workers=2)),
                           ("Dask local:2", Settings(model=args.model, scheduler="local:2"))):
        print(f"running: {name}", file=sys.stderr)
        runs[name] = timed_run(docs, WORK / "scale-out", settings)
    print("measuring: trivial tasks, batch sizes", file=sys.stderr)
    overhead = scheduler_overhead()
    batches, rss, empty_ms = batch_costs(docs, args.model, args.batch_files)

    print("\n1. Throughput over the same folder")
    print("| executor | files | words | wall s | first result s | words/s (wall) | words/s (steady) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in runs.items():
        print(f"| {name} | {r['files']} | {r['words']:,} | {r['wall']:.1f} | {r['first_result_s']:.1f} "
              f"| {r['words_s']:,.0f} | {r['steady_words_s']:,.0f} |")
    print(f"Dask worker memory once spaCy and the model are loaded (RSS): {', '.join(f'{m:,.0f} MB' for m in rss)}")

    print("\n2. Scheduler cost per task (2 workers, 1 thread each)")
    print("| trivial task | ms per task |")
    print("|---|---:|")
    print(f"| one at a time (round trip) | {overhead['round_trip_ms']:.1f} |")
    print(f"| 2,000 at once (throughput) | {overhead['bulk_ms']:.2f} |")
    print(f"| lessons task of 0 files (round trip + forked child) | {empty_ms:.1f} |")

    print(f"\n3. Files per task ({args.batch_files} files, local:2)")
    print("| files per task | tasks | ms per file | words/s |")
    print("|---:|---:|---:|---:|")
    for k, n, ms, wps in batches:
        print(f"| {k} | {n} | {ms:.0f} | {wps:,.0f} |")


if __name__ == "__main__":
    main()
