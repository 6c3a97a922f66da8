"""The tables ``policy-nlp tag`` writes to OUT, read back for the report.

OUT holds ``parquet/documents.parquet``, ``parquet/sentences.parquet`` and
``parquet/entities.parquet`` (one row per document, sentence and entity), ``run.json``
(the model and options of the run) and ``errors.jsonl`` (documents that could not be read).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..annotations import THEMES

TABLES = ("documents", "sentences", "entities")
SHARES = tuple(f"share_{theme}" for theme in THEMES)
SCORES = tuple(f"score_{theme}" for theme in THEMES)
COLUMNS = {
    "documents": (
        "id",
        "source",
        "title",
        "place",
        "place_code",
        "province",
        "year",
        "sentences",
        "characters",
        *SHARES,
        *SCORES,
        "places",
        "programmes",
    ),
    "sentences": ("document_id", "index", "text", "start", "end", "themes", *SCORES),
    "entities": (
        "document_id",
        "sentence",
        "start",
        "end",
        "text",
        "label",
        "place_code",
        "place_level",
        "place_parents",
        "programme",
        "programme_kind",
    ),
}


class ReportError(ValueError):
    """The tables of OUT cannot be read."""


@dataclass
class Tables:
    documents: pd.DataFrame
    sentences: pd.DataFrame
    entities: pd.DataFrame
    run: dict = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)


def _read_table(out: Path, name: str) -> pd.DataFrame:
    path = out / "parquet" / f"{name}.parquet"
    try:
        table = pd.read_parquet(path)
    except (OSError, ValueError) as error:
        raise ReportError(f"{path}: not a Parquet table ({error}).") from error
    missing = [column for column in COLUMNS[name] if column not in table.columns]
    if missing:
        raise ReportError(f"{path}: columns missing: {', '.join(missing)}.")
    return table


def _read_errors(path: Path) -> list[dict]:
    if not path.exists():
        return []
    errors = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                errors.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ReportError(f"{path}:{number}: not a JSON line ({error}).") from error
    return errors


def read_tables(out: Path) -> Tables:
    """The three tables of OUT, with its run record and the documents that could not be read."""
    out = Path(out)
    absent = [name for name in TABLES if not (out / "parquet" / f"{name}.parquet").is_file()]
    if absent:
        raise ReportError(
            f"{out}: no tables to report on ({', '.join(f'parquet/{n}.parquet' for n in absent)} "
            f"missing); make them with `policy-nlp tag INPUT --output {out}`."
        )
    documents, sentences, entities = (_read_table(out, name) for name in TABLES)
    if documents.empty:
        raise ReportError(f"{out / 'parquet' / 'documents.parquet'}: no documents.")
    run_file = out / "run.json"
    try:
        run = json.loads(run_file.read_text(encoding="utf-8")) if run_file.exists() else {}
    except json.JSONDecodeError as error:
        raise ReportError(f"{run_file}: not JSON ({error}).") from error
    return Tables(
        documents,
        sentences,
        entities,
        run if isinstance(run, dict) else {},
        _read_errors(out / "errors.jsonl"),
    )
