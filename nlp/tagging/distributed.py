"""The tagging job on Dask: the same loop as the local run, one task per partition of inputs.

``--dask local:N`` starts a ``LocalCluster`` of N single-threaded worker processes for the
run; ``--dask tcp://host:8786`` uses a running scheduler (a Slurm or Kubernetes cluster).

* The client lists the input items (paths only: files, dataset shards) and groups them into
  partitions; it never reads a document. A partition's name is a digest of its items.
* Each worker process loads the model once (:func:`worker_model`, cached per model path)
  and keeps it for every partition it runs.
* A partition runs :func:`nlp.tagging.run.tag_documents`, which writes its Parquet parts under
  ``OUT/parts/`` as it goes; ids already in finished parts are skipped, as in the local run,
  so a rerun resumes. A partition whose worker dies is run again by Dask (it rewrites the
  same part names). Unreadable documents come back to the client, which writes ``errors.jsonl``.
* ``OUT`` must be a folder every worker can write and the client can read (shared storage);
  the model is read from shared storage, or shipped to every worker with ``ship_model``.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from spacy.language import Language

from ..studio.predictions import load_model
from .inputs import InputItem, list_inputs
from .run import Progress, Tally, finish_run, model_info, start_run, tag_documents
from .store import Output

PARTITION_DOCUMENTS = 10  # report files per partition (a dataset shard is one partition)
SHIPPED = "shipped:"  # prefix of a model path that names a directory shipped to the workers
CONNECT_TIMEOUT = "10s"

_MODELS: dict[str, Language] = {}


class ClusterError(ValueError):
    """The Dask cluster cannot be started or reached."""


def worker_model(path: str) -> Language:
    """The pipeline at ``path``, loaded once per worker process."""
    if path not in _MODELS:
        _MODELS[path] = load_model(_local_model_path(path))
    return _MODELS[path]


def _local_model_path(path: str) -> Path:
    if not path.startswith(SHIPPED):
        return Path(path)
    from distributed import get_worker

    name = path.removeprefix(SHIPPED)
    scratch = Path(get_worker().local_directory)
    return next((p for p in (scratch.parent / name, scratch / name) if p.is_dir()), scratch.parent / name)


def worker_model_info(path: str) -> dict:
    return model_info(worker_model(path), Path(path))


def tag_partition(model: str, out: str, name: str, items: list[InputItem], text_column: str,
                  done: set[str]) -> Tally:
    """Tag one partition on a worker; returns what it did (errors and notes included)."""
    return tag_documents(worker_model(model), items, Output(Path(out)), name, text_column=text_column,
                         done=done, report=lambda line: None)


def partitions(items: list[InputItem], size: int = PARTITION_DOCUMENTS) -> list[tuple[str, list[InputItem]]]:
    """Named partitions: every ``size`` report files, and each dataset item on its own."""
    groups: list[list[InputItem]] = []
    files: list[InputItem] = []
    for item in items:
        if item.kind == "document":
            files.append(item)
            if len(files) == size:
                groups.append(files)
                files = []
        else:
            groups.append([item])
    if files:
        groups.append(files)
    named = []
    for group in groups:
        key = json.dumps([[i.path, i.kind, i.start, i.stop] for i in group], ensure_ascii=False)
        named.append((f"p{hashlib.sha1(key.encode('utf-8')).hexdigest()[:12]}", group))
    return named


def connect(address: str):
    """A client of the scheduler at ``address``, or of a new ``LocalCluster`` for ``local:N``."""
    from distributed import Client, LocalCluster

    if address.startswith("local:"):
        workers = address.removeprefix("local:")
        if not workers.isdigit() or int(workers) < 1:
            raise ClusterError(f"--dask {address}: expected local:N with N workers, e.g. local:2.")
        cluster = LocalCluster(n_workers=int(workers), threads_per_worker=1, processes=True,
                               dashboard_address=":0")
        return Client(cluster)
    try:
        return Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as error:
        raise ClusterError(f"Cannot reach the Dask scheduler at {address} "
                           f"({type(error).__name__}: {' '.join(str(error).split())[:160]}).") from error


def tag_on_dask(inputs: list[Path], model: Path, out: Path, address: str, *, text_column: str = "text",
                formats: tuple[str, ...] = (), progress: bool = True, options: dict | None = None,
                partition_size: int = PARTITION_DOCUMENTS, ship_model: bool = False, retries: int = 3) -> dict:
    """Tag ``inputs`` on the Dask cluster at ``address`` into ``out``; returns the run's record."""
    from distributed import as_completed
    from distributed.diagnostics.plugin import UploadDirectory

    if not Path(model).is_dir():
        load_model(model)  # the one-line error of a missing model, before any cluster starts
    client = connect(address)
    try:
        bar = Progress(progress)
        bar.write(f"ℹ Dask dashboard: {client.dashboard_link}")
        model_path = str(Path(model).resolve())
        if ship_model:
            client.register_plugin(UploadDirectory(model_path))
            model_path = SHIPPED + Path(model_path).name
        items = list_inputs(inputs)
        output = Output(out)
        model_record = dict(client.submit(worker_model_info, model_path).result(), path=str(model))
        info = start_run(output, model_record, options or {})
        done = output.done_ids()
        [shared_done] = client.scatter([frozenset(done)], broadcast=True)  # sent once to every worker
        started = time.perf_counter()
        futures = [client.submit(tag_partition, model_path, str(Path(out).resolve()), name, group, text_column,
                                 shared_done, key=f"tag-{name}", retries=retries, pure=False)
                   for name, group in partitions(items, partition_size)]
        tally = Tally()
        for future in as_completed(futures):
            part = future.result()
            tally.add(part)
            for error in part.errors:
                bar.write(f"✘ {error['source']}: {error['reason']}")
            for note in part.notes:
                bar.write(f"ℹ {note['source']}: {note['note']}")
            bar.advance(part.characters, part.tagged)
        bar.close()
        return finish_run(output, info, tally, time.perf_counter() - started, formats)
    finally:
        cluster = client.cluster
        client.close()
        if cluster is not None and address.startswith("local:"):
            cluster.close()

