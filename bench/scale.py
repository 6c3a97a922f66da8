"""Tagging on Dask: characters per second for 1 and 2 workers against the local run, cost per worker.

    python bench/scale.py [--model training/model-best] [--archive ../shared/archive-sample] [--limit N]

On the reports of the archive sample: ``policy-nlp tag`` in one local process, then on a
``LocalCluster`` of 1 and of 2 worker processes. For each cluster: the model's load time in a
fresh worker, the worker's resident memory before and after loading it, and the tagging rate
(the run's own seconds: from the first task to the last part, the model already loaded). Ends
with what these figures imply for 100 workers on a billion characters, assumptions stated.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from speed import ARCHIVE, ROOT, archive_reports

from nlp.tagging.distributed import tag_on_dask, worker_model
from nlp.tagging.run import tag

BILLION = 1_000_000_000
CLUSTER_WORKERS = 100


def worker_rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def timed_worker_load(model: str) -> float:
    start = time.perf_counter()
    worker_model(model)
    return time.perf_counter() - start


def output_bytes(out: Path) -> int:
    return sum(p.stat().st_size for p in (out / "parquet").glob("*.parquet"))


def dask_run(files: list[Path], model: Path, workers: int) -> dict:
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client, tempfile.TemporaryDirectory() as out:
        before = client.run(worker_rss_mb)
        loads = client.run(timed_worker_load, str(model.resolve()))
        after = client.run(worker_rss_mb)
        info = tag_on_dask(files, model, Path(out), cluster.scheduler_address, progress=False)
        peak = client.run(worker_rss_mb)
        return {"workers": workers, "seconds": info["seconds"], "characters": info["characters"],
                "load_seconds": max(loads.values()), "rss_before": max(before.values()),
                "rss_model": max(after.values()), "rss_after_run": max(peak.values()),
                "output_bytes": output_bytes(Path(out))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "training" / "model-best")
    parser.add_argument("--archive", type=Path, default=ARCHIVE)
    parser.add_argument("--limit", type=int, default=None, help="the first N reports only (sorted by name)")
    args = parser.parse_args()
    files = archive_reports(args.archive)[:args.limit]

    with tempfile.TemporaryDirectory() as out:
        local = tag(files, args.model, Path(out), progress=False)
    local_rate = local["characters"] / local["seconds"]
    runs = [dask_run(files, args.model, workers) for workers in (1, 2)]

    print(f"{len(files)} reports of {args.archive}, {local['characters']:,} characters after cleaning\n")
    print(f"{'run':<28}{'seconds':>9}{'chars/s':>10}{'vs local':>10}")
    print(f"{'local, one process':<28}{local['seconds']:>9.1f}{local_rate:>10,.0f}{1:>10.2f}")
    for run in runs:
        rate = run["characters"] / run["seconds"]
        print(f"{'Dask LocalCluster, ' + str(run['workers']) + ' worker(s)':<28}{run['seconds']:>9.1f}{rate:>10,.0f}"
              f"{rate / local_rate:>10.2f}")
    print(f"\n{'per worker':<28}{'load s':>9}{'RSS MB empty':>14}{'with model':>12}{'after run':>11}")
    for run in runs:
        print(f"{str(run['workers']) + ' worker(s)':<28}{run['load_seconds']:>9.1f}{run['rss_before']:>14.0f}"
              f"{run['rss_model']:>12.0f}{run['rss_after_run']:>11.0f}")

    one = runs[0]
    rate = one["characters"] / one["seconds"]
    hours = BILLION / (CLUSTER_WORKERS * rate) / 3600
    memory_gb = CLUSTER_WORKERS * one["rss_after_run"] / 1024
    output_gb = one["output_bytes"] / one["characters"] * BILLION / 2**30
    print(json.dumps(runs, indent=1))
    print(f"""
{CLUSTER_WORKERS} workers on {BILLION:,} characters, on paper. Assumptions: one core per worker, each as fast
as the single worker here ({rate:,.0f} chars/s); partitions of 10 reports (~{10 * one['characters'] / len(files):,.0f}
characters, a few seconds each), so the scheduler's per-task overhead (about a millisecond) and the
retry of a lost partition are negligible; inputs and OUT on shared storage that keeps up.
  tagging time:       {BILLION:,} / ({CLUSTER_WORKERS} x {rate:,.0f}) = {hours:.1f} hours
  model load:         {one['load_seconds']:.0f} s once per worker process, all workers in parallel: {one['load_seconds']:.0f} s added to the run
  memory:             {CLUSTER_WORKERS} x {one['rss_after_run']:.0f} MB = {memory_gb:.0f} GB across the cluster (one model per worker process)
  output (Parquet):   {one['output_bytes'] / one['characters']:.2f} bytes per character -> {output_gb:.0f} GB""")


if __name__ == "__main__":
    main()
