"""Counts and checks of an export, per split (``policy-nlp annotations stats``)."""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from ..annotations import (
    ENTITY_LABELS,
    THEMES,
    ExportReport,
    SentenceAnnotation,
    load_export,
    read_annotations,
)
from ..training.splits import SPLITS, load_splits


def _count(annotations: list[SentenceAnnotation], group_of: Callable[[SentenceAnnotation], str]) -> dict[str, Counter]:
    table: dict[str, Counter] = defaultdict(Counter)
    documents: dict[str, set] = defaultdict(set)
    for a in annotations:
        group = group_of(a)
        row = table[group]
        row["sentences"] += 1
        row["no theme"] += not a.themes
        for theme in a.themes:
            row[theme] += 1
        for span in a.spans:
            row[span.label] += 1
        documents[group].add(a.doc_id)
    for group, ids in documents.items():
        table[group]["documents"] = len(ids)
    return dict(table)


def export_stats(export: Path, splits: Path | None) -> tuple[dict[str, dict[str, Counter]], ExportReport]:
    """Counts per split, per document level and per province (``{grouping: {group: counts}}``)."""
    report = ExportReport()
    annotations = read_annotations(load_export(export), report)
    by_doc = load_splits(splits) if splits else {}
    tables = {
        "split": _count(annotations, lambda a: by_doc.get(a.doc_id, a.split) or "unassigned"),
        "level": _count(annotations, lambda a: str(a.meta.get("level") or "unknown")),
        "province": _count(annotations, lambda a: str(a.meta.get("province") or "unknown")),
    }
    return tables, report


def _order(grouping: str, group: str) -> tuple:
    known = {"split": SPLITS, "level": ("province", "city", "county")}.get(grouping, ())
    return (known.index(group) if group in known else len(known), group)


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _left(text: str, width: int) -> str:
    return text + " " * max(width - _display_width(text), 0)


def format_stats(tables: dict[str, dict[str, Counter]]) -> str:
    columns = ["documents", "sentences", *THEMES, "no theme", *ENTITY_LABELS]
    header = "".join(" " * (11 - _display_width(c)) + c for c in columns)
    lines = []
    for grouping, table in tables.items():
        width = max(map(_display_width, [grouping, *table])) + 2
        lines.append(_left(grouping, width) + header)
        for group in sorted(table, key=lambda g: _order(grouping, g)):
            lines.append(_left(group, width) + "".join(f"{table[group][c]:>11}" for c in columns))
        lines.append("")
    return "\n".join(lines).rstrip()
