"""The ML backend under load: concurrent clients against ``policy-nlp studio backend``.

    python bench/backend_load.py [--model training/model-best] [--clients 8] [--requests 200]

Starts the backend as Label Studio would reach it (a separate process on the loopback
address), then runs ``--clients`` threads that each send ``--requests`` ``/predict`` requests
shaped like Label Studio's: a batch of 1 to ``--batch`` corpus sentences (random, fixed seed),
each task with its document context, and the labelling config. Prints requests per second,
latency percentiles, errors, and the backend's resident memory after loading, after the
warm-up requests and at the end. ``--time-limit`` bounds the run; requests not sent by then
are reported as not sent.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from nlp.corpus.documents import read_documents
from nlp.studio.client import LABEL_CONFIG
from nlp.studio.server import wait_for_health
from nlp.studio.tasks import sentence_tasks
from nlp.training.splits import load_splits

ROOT = Path(__file__).resolve().parents[1]


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` (Linux ``/proc``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def start_backend(model: Path, port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "nlp.cli", "studio", "backend", "--model", str(model),
                                "--port", str(port)], cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT)
    if wait_for_health(process, f"http://127.0.0.1:{port}", timeout=300, interval=0.5):
        return process
    if process.poll() is not None:
        raise SystemExit(f"the backend exited (status {process.returncode}); see {log}")
    process.kill()
    raise SystemExit(f"the backend did not answer within 300 s; see {log}")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "training" / "model-best")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200, help="requests per client")
    parser.add_argument("--batch", type=int, default=8, help="largest number of tasks per request")
    parser.add_argument("--warmup", type=int, default=20, help="requests sent before the start memory is taken")
    parser.add_argument("--time-limit", type=float, default=900, help="seconds for the whole load")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()

    documents = read_documents(ROOT / "annotations" / "corpus" / "documents.jsonl")
    tasks = sentence_tasks(documents, load_splits(ROOT / "annotations" / "splits.json"))
    config = LABEL_CONFIG.read_text(encoding="utf-8")
    rng = random.Random(args.seed)

    def payload() -> dict:
        batch = rng.sample(tasks, rng.randint(1, args.batch))
        return {"tasks": [dict(task, id=rng.randint(1, 10**6)) for task in batch], "project": "1.1700000000",
                "label_config": config, "params": {"context": None}}

    bodies = [[payload() for _ in range(args.requests)] for _ in range(args.clients)]
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="backend-load-")) / "backend.log"
    backend = start_backend(args.model, port, log)
    url = f"http://127.0.0.1:{port}/predict"
    figures: dict = {"model": str(args.model), "clients": args.clients, "requests_per_client": args.requests,
                     "batch": f"1-{args.batch} tasks", "rss_mb_loaded": round(rss_mb(backend.pid), 1)}
    try:
        with httpx.Client(timeout=120) as client:
            for body in (payload() for _ in range(args.warmup)):
                client.post(url, json=body).raise_for_status()
        figures["rss_mb_start"] = round(rss_mb(backend.pid), 1)
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        deadline = time.time() + args.time_limit
        peak = [figures["rss_mb_start"]]
        sentences = [0]

        def run(client_bodies: list[dict]) -> None:
            with httpx.Client(timeout=120) as client:
                for body in client_bodies:
                    if time.time() > deadline:
                        return
                    started = time.perf_counter()
                    try:
                        answer = client.post(url, json=body)
                        problem = None if answer.status_code == 200 and \
                            len(answer.json()["results"]) == len(body["tasks"]) else f"HTTP {answer.status_code}"
                    except httpx.HTTPError as error:
                        problem = type(error).__name__
                    with lock:
                        latencies.append(time.perf_counter() - started)
                        sentences[0] += len(body["tasks"])
                        if problem:
                            errors.append(problem)

        def watch_memory(stop: threading.Event) -> None:
            while not stop.wait(1.0):
                peak[0] = max(peak[0], rss_mb(backend.pid))

        stop = threading.Event()
        threading.Thread(target=watch_memory, args=(stop,), daemon=True).start()
        started = time.perf_counter()
        clients = [threading.Thread(target=run, args=(b,)) for b in bodies]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
        seconds = time.perf_counter() - started
        stop.set()
        figures.update({
            "requests": len(latencies), "not_sent": args.clients * args.requests - len(latencies),
            "seconds": round(seconds, 1), "requests_per_second": round(len(latencies) / seconds, 2),
            "sentences_per_second": round(sentences[0] / seconds, 1),
            "latency_ms": {name: round(1000 * percentile(latencies, share)) for name, share in
                           (("p50", 0.50), ("p95", 0.95), ("p99", 0.99))},
            "latency_ms_mean": round(1000 * statistics.mean(latencies)),
            "errors": len(errors), "error_kinds": sorted(set(errors)),
            "rss_mb_end": round(rss_mb(backend.pid), 1), "rss_mb_peak": round(peak[0], 1),
        })
        figures["rss_change_percent"] = round(100 * (figures["rss_mb_end"] / figures["rss_mb_start"] - 1), 1)
    finally:
        backend.send_signal(signal.SIGINT)
        backend.wait(timeout=60)
    for key, value in figures.items():
        print(f"{key:<22}{value}")
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
