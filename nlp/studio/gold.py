"""The gold corpus through a real Label Studio: judgements in, Label Studio export out.

``annotations/judgements/*.jsonl`` hold the annotators' sentence judgements (document id,
sentence index, themes, character spans). :func:`sync_gold` imports every corpus sentence
as a task carrying its judgement as an annotation into a Label Studio project, then
exports the project into ``annotations/exports/``. Running it again imports nothing new;
a judgement changed since the last run (an adjudication) updates its annotation in place.
"""

from __future__ import annotations

import json
from pathlib import Path

from label_studio_sdk import LabelStudio

from ..annotations import Span, read_annotations
from ..corpus.documents import read_documents
from ..training.splits import load_splits
from .client import call
from .project import ensure_project, export_project, import_new_tasks, write_export
from .tasks import result_items, sentence_tasks, task_key


def read_judgements(path: Path) -> dict[tuple[str, int], dict]:
    """Judgements by task key; a sentence judged twice in one file is an error."""
    judgements = {}
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        record = json.loads(line)
        key = (record["doc_id"], int(record["sentence"]))
        if key in judgements:
            raise ValueError(f"{path}:{lineno}: sentence {key} is judged twice.")
        judgements[key] = record
    return judgements


def annotated_tasks(documents_file: Path, splits_file: Path, judgements_file: Path) -> list[dict]:
    """Tasks for the judged sentences, each with its judgement as an annotation."""
    tasks = sentence_tasks(read_documents(documents_file), load_splits(splits_file))
    judgements = read_judgements(judgements_file)
    out = []
    for task in tasks:
        judgement = judgements.get(task_key(task["data"]))
        if judgement is None:
            continue
        text = task["data"]["text"]
        spans = [Span(start, end, label) for start, end, label in judgement["spans"]]
        task["annotations"] = [{"result": result_items(text, judgement["themes"], spans)}]
        out.append(task)
    return out


def _judged(tasks: list[dict]) -> dict[tuple[str, int], tuple]:
    return {task_key({**a.meta, "text": a.text}): (a.themes, a.spans, a.annotation_id)
            for a in read_annotations(tasks)}


def update_changed(client: LabelStudio, exported: list[dict], tasks: list[dict]) -> int:
    """Update the annotations whose judgement changed; returns how many were updated."""
    wanted = {task_key(t["data"]): t for t in tasks}
    present = _judged(exported)
    target = _judged([{"data": t["data"], "annotations": t["annotations"]} for t in tasks])
    url = client._client_wrapper.get_base_url()
    updated = 0
    for key, (themes, spans, annotation_id) in present.items():
        if key in target and target[key][:2] != (themes, spans):
            result = wanted[key]["annotations"][0]["result"]
            call(lambda: client.annotations.update(id=annotation_id, result=result), url, "update annotation")
            updated += 1
    return updated


def sync_gold(client: LabelStudio, title: str, tasks: list[dict], export_path: Path,
              instructions: str = "", progress=print) -> tuple[int, int, int]:
    """Import new ``tasks``, update changed judgements, and write the project's export.

    Returns (tasks imported, annotations updated, tasks exported).
    """
    project_id = ensure_project(client, title, instructions=instructions)
    imported = import_new_tasks(client, project_id, tasks, progress=progress)
    exported = export_project(client, project_id)
    updated = update_changed(client, exported, tasks)
    if updated:
        exported = export_project(client, project_id)
    write_export(exported, export_path)
    return imported, updated, len(exported)
