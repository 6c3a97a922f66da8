"""The annotator workflow against a Label Studio project: push, pull, status.

* :func:`push` imports sentence tasks that the project does not hold yet (by task key:
  document id, sentence index), each with the model's prediction, in batches; a run that
  stops half-way is resumed by running it again.
* :func:`pull` exports the project and merges its annotated tasks into an export file:
  a task whose key is new is added, a task whose export differs replaces the old one,
  nothing is ever removed. The file is replaced atomically and only when something changed.
* :func:`status` counts annotated sentences per document and per annotator.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from label_studio_sdk import LabelStudio
from spacy.language import Language

from ..annotations import ExportError, load_export
from ..corpus.cleaning import CorpusError, clean_lines, read_raw, repair_masking
from ..corpus.documents import Document, read_documents
from ..corpus.splitting import split_sentences
from .client import StudioError, call
from .predictions import load_model, predict
from .project import _url, existing_keys, export_project, import_new_tasks, write_export
from .tasks import sentence_tasks, task_key

ORDERS = ("document", "uncertainty")


def find_project(client: LabelStudio, title: str) -> int:
    """The id of the project called ``title``; an error when there is none."""
    projects = call(lambda: list(client.projects.list(title=title)), _url(client), "list projects")
    for project in projects:
        if project.title == title:
            return project.id
    raise StudioError(f"No Label Studio project titled {title!r}: run `policy-nlp studio init` first.")


def check_project(client: LabelStudio, project_id: int) -> None:
    """Fail with a one-line error when the project does not exist."""
    call(lambda: client.projects.get(id=project_id), _url(client), f"get project {project_id}")


def connect_ml_backend(client: LabelStudio, project_id: int, url: str, title: str = "policy-nlp spaCy") -> int:
    """Connect the ML backend at ``url`` to the project (once) and check that it is connected.

    Label Studio 1.23 with its SSRF protection on (``SSRF_PROTECTION_ENABLED``, which
    ``studio serve`` turns off) saves a backend on a local address and then answers 403,
    because it refuses the webhook it adds for the backend; the backend predicts without
    that webhook (only ``studio backend --train`` needs its annotation events), so a backend
    found after such an answer is accepted.
    """
    server = _url(client)

    def find():  # listing refreshes the backends' state
        backends = call(lambda: client.ml.list(project=project_id), server, "list ML backends")
        return next((b for b in backends if b.url.rstrip("/") == url.rstrip("/")), None)

    backend = find()
    if backend is None:
        try:
            call(lambda: client.ml.create(project=project_id, url=url, title=title, is_interactive=True), server,
                 f"connect ML backend {url}", retries=0)
        except StudioError:
            pass
        backend = find()
    if backend is None:
        raise StudioError(f"Label Studio at {server} did not connect the ML backend {url} (is it running? "
                          "A local address needs ML_BLOCK_LOCAL_IP=false on the Label Studio server).")
    if backend.state != "CO":
        reason = (backend.error_message or "").strip().splitlines()[:1]
        raise StudioError(f"ML backend {url} is {backend.readable_state or backend.state}"
                          f"{': ' + reason[0] if reason else ''}.")
    return backend.id


def corpus_tasks(documents_file: Path, split_of: dict[str, str], doc_ids: Iterable[str] = ()) -> list[dict]:
    """Tasks for every sentence of the corpus, or of the documents ``doc_ids``."""
    documents = read_documents(documents_file)
    wanted = list(doc_ids)
    unknown = sorted(set(wanted) - {d.id for d in documents})
    if unknown:
        raise ValueError(f"{documents_file}: no document {', '.join(unknown)}.")
    chosen = [d for d in documents if not wanted or d.id in wanted]
    return sentence_tasks(chosen, split_of)


def raw_document(path: Path) -> Document:
    """A raw UTF-8 text file cleaned and split like the corpus; its id is the file name stem.

    Place and year are unknown for such a file: they stay empty (year 0); the title is
    its first line.
    """
    text, _ = repair_masking(read_raw(path))
    kept, _ = clean_lines(text.splitlines())
    if not kept:
        raise CorpusError(f"{path}: no text left after cleaning.")
    cleaned = "\n".join(kept)
    return Document(id=path.stem, title=kept[0][:60], place="", place_code="", year=0, genre="raw",
                    source=path.name, text=cleaned, sentences=split_sentences(cleaned))


def with_predictions(tasks: list[dict], nlp: Language) -> list[dict]:
    """Copies of ``tasks`` carrying the model's prediction."""
    predictions = predict(nlp, (t["data"]["text"] for t in tasks))
    return [dict(task, predictions=[prediction]) for task, prediction in zip(tasks, predictions)]


def by_uncertainty(tasks: list[dict]) -> list[dict]:
    """Least certain first (lowest prediction score, see :mod:`nlp.studio.predictions`); stable."""
    return sorted(tasks, key=lambda t: t["predictions"][0]["score"])


def push(client: LabelStudio, project_id: int, tasks: list[dict], model: Path | None = None,
         order: str = "document", batch_size: int = 100,
         progress: Callable[[str], None] = print) -> tuple[int, int]:
    """Import the tasks the project lacks, with the predictions of ``model`` when given.

    Returns (imported, already present). The model is loaded, and run, for new tasks only.
    """
    if order not in ORDERS:
        raise ValueError(f"Unknown order {order!r} (expected one of {', '.join(ORDERS)}).")
    if order == "uncertainty" and model is None:
        raise ValueError("Ordering by uncertainty needs the model's predictions.")
    if batch_size < 1:
        raise ValueError("The batch size must be at least 1.")
    check_project(client, project_id)
    present = existing_keys(client, project_id)
    new = [t for t in tasks if task_key(t["data"]) not in present]
    if model is not None and new:
        progress(f"predicting {len(new)} sentences with {model}")
        new = with_predictions(new, load_model(model))
        if order == "uncertainty":
            new = by_uncertainty(new)
    imported = import_new_tasks(client, project_id, new, batch_size=batch_size, progress=progress)
    return imported, len(tasks) - len(new)


@dataclass
class PullResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    without_key: int = 0
    total: int = 0

    def line(self, path: Path) -> str:
        extra = f", {self.without_key} without data.doc_id skipped" if self.without_key else ""
        return (f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged{extra} "
                f"→ {path} ({self.total} tasks)")


def write_atomically(tasks: list[dict], path: Path) -> None:
    """Write an export next to ``path``, flush it to disk, then rename it over ``path``.

    ``path`` is always either the old file or the new one; a write that fails (disk full, no
    permission) is an :class:`ExportError` and leaves the old file as it was.
    """
    temporary = path.with_name(f".{path.name}.partial")
    try:
        write_export(tasks, temporary)
        with temporary.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
    except OSError as error:
        raise ExportError(f"{path}: not written ({error.strerror or error}); the previous file is unchanged.") from None
    finally:
        with contextlib.suppress(OSError):  # absent, or its directory is unusable
            temporary.unlink()


def merge(existing: list[dict], pulled: Iterable[dict]) -> tuple[list[dict], PullResult]:
    """Merge pulled tasks into ``existing`` by task key (see module docstring)."""
    merged = {task_key(t.get("data") or {}): t for t in existing}
    result = PullResult()
    for task in pulled:
        data = task.get("data") or {}
        if "doc_id" not in data or "sentence" not in data:
            result.without_key += 1
            continue
        key = task_key(data)
        old = merged.get(key)
        if old is None:
            result.added += 1
        elif json.dumps(old, sort_keys=True) != json.dumps(task, sort_keys=True):
            result.updated += 1
        else:
            result.unchanged += 1
            continue
        merged[key] = task
    result.total = len(merged)
    return list(merged.values()), result


def pull(client: LabelStudio, project_id: int, output: Path) -> PullResult:
    """Export the project and merge its annotated tasks into ``output``."""
    check_project(client, project_id)
    existing = load_export(output) if output.exists() else []
    annotated = [t for t in export_project(client, project_id) if t.get("annotations")]
    merged, result = merge(existing, annotated)
    if result.added or result.updated or not output.exists():
        write_atomically(merged, output)
    return result


@dataclass
class Status:
    documents: dict[str, Counter] = field(default_factory=dict)
    annotators: dict[str, Counter] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"{'document':<28}{'annotated':>10}{'total':>8}"]
        for doc_id, row in sorted(self.documents.items()):
            out.append(f"{doc_id:<28}{row['annotated']:>10}{row['total']:>8}")
        annotated = sum(r["annotated"] for r in self.documents.values())
        total = sum(r["total"] for r in self.documents.values())
        out.append(f"{'all':<28}{annotated:>10}{total:>8}")
        out.append(f"{'annotator':<28}{'annotated':>10}{'skipped':>8}")
        for name, row in sorted(self.annotators.items(), key=lambda kv: -kv[1]["annotated"]):
            out.append(f"{name:<28}{row['annotated']:>10}{row['skipped']:>8}")
        return out


def status(client: LabelStudio, project_id: int) -> Status:
    """Annotated / total sentences per document; annotated and skipped sentences per annotator.

    A sentence counts as annotated when it has an annotation that was not cancelled (skipped).
    """
    url = _url(client)
    check_project(client, project_id)
    users = {u.id: u.email or u.username for u in call(lambda: list(client.users.list()), url, "list users")}
    tasks = call(lambda: list(client.tasks.list(project=project_id, page_size=1000, fields="all")), url, "list tasks")
    result = Status()
    for task in tasks:
        annotations = task.annotations or []
        row = result.documents.setdefault(str((task.data or {}).get("doc_id", "")), Counter())
        row["total"] += 1
        row["annotated"] += any(not a.get("was_cancelled") for a in annotations)
        for annotation in annotations:
            name = users.get(annotation.get("completed_by"), f"user {annotation.get('completed_by')}")
            counts = result.annotators.setdefault(name, Counter())
            counts["skipped" if annotation.get("was_cancelled") else "annotated"] += 1
    return result
