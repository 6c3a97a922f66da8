"""Label Studio projects: create or find, import tasks without duplicates, export."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path

from label_studio_sdk import LabelStudio

from .client import LABEL_CONFIG, StudioError, call
from .tasks import task_key

IMPORT_BATCH = 500


def _url(client: LabelStudio) -> str:
    return client._client_wrapper.get_base_url()


def ensure_project(client: LabelStudio, title: str, label_config: str | None = None,
                   instructions: str = "") -> int:
    """The id of the project called ``title``, created with the labelling config if absent."""
    if len(title) < 3:
        raise StudioError("Label Studio project titles need at least 3 characters.")
    url = _url(client)
    for project in call(lambda: list(client.projects.list(title=title)), url, "list projects"):
        if project.title == title:
            return project.id
    config = label_config or LABEL_CONFIG.read_text(encoding="utf-8")
    project = call(
        lambda: client.projects.create(title=title, label_config=config, expert_instruction=instructions,
                                       show_instruction=bool(instructions)),
        url, "create project",
    )
    return project.id


def existing_keys(client: LabelStudio, project_id: int) -> dict[tuple[str, int], int]:
    """Task keys (document id, sentence index) already in the project → task id."""
    url = _url(client)
    keys = {}
    pager = call(lambda: client.tasks.list(project=project_id, page_size=1000, fields="task_only"), url, "list tasks")
    for task in pager:
        keys[task_key(task.data)] = task.id
    return keys


def import_new_tasks(client: LabelStudio, project_id: int, tasks: Iterable[dict],
                     batch_size: int = IMPORT_BATCH, progress=print) -> int:
    """Import the tasks whose key is not in the project yet, in batches; returns the count.

    A run interrupted half-way is resumed by running it again: imported batches are
    recognised by their keys and skipped. Nothing is imported twice, even when a connection
    breaks after the server stored a batch (see :func:`import_batch`).
    """
    present = existing_keys(client, project_id)
    new = [t for t in tasks if task_key(t["data"]) not in present]
    for start in range(0, len(new), batch_size):
        import_batch(client, project_id, new[start:start + batch_size])
        progress(f"imported {min(start + batch_size, len(new))}/{len(new)} new tasks")
    return len(new)


def import_batch(client: LabelStudio, project_id: int, batch: list[dict]) -> None:
    """Import one batch; a retry after a broken connection imports only the tasks still missing."""
    pending = list(batch)

    def drop_imported() -> None:
        present = existing_keys(client, project_id)
        pending[:] = [t for t in pending if task_key(t["data"]) not in present]

    call(lambda: pending and client.projects.import_tasks(id=project_id, request=pending, return_task_ids=True),
         _url(client), "import tasks", before_retry=drop_imported)


def export_project(client: LabelStudio, project_id: int, timeout: float = 600) -> list[dict]:
    """Export every task of the project in Label Studio's JSON format."""
    url = _url(client)
    export = call(lambda: client.projects.exports.create(id=project_id, title="policy-nlp export"), url,
                  "create export")
    deadline = time.time() + timeout
    while True:
        status = call(lambda: client.projects.exports.get(id=project_id, export_pk=export.id), url, "export status")
        if status.status == "completed":
            break
        if status.status == "failed" or time.time() > deadline:
            raise StudioError(f"Label Studio at {url}: export {export.id} {status.status}.")
        time.sleep(1)
    chunks = call(lambda: list(client.projects.exports.download(id=project_id, export_pk=export.id,
                                                                 export_type="JSON")), url, "download export")
    return json.loads(b"".join(chunks).decode("utf-8"))


def write_export(tasks: list[dict], path: Path) -> Path:
    """Write an export deterministically ordered by (document, sentence)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ordered = sorted(tasks, key=lambda t: task_key(t.get("data") or {}))
    path.write_text(json.dumps(ordered, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path
