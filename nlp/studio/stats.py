"""Counts and checks of an export, per split (``policy-nlp annotations stats``)."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from ..training.splits import load_splits
from .annotations import ENTITY_LABELS, THEMES, ExportReport, load_export, read_annotations


def export_stats(export: Path, splits: Path | None) -> tuple[dict, ExportReport]:
    report = ExportReport()
    annotations = read_annotations(load_export(export), report)
    by_doc = load_splits(splits) if splits else {}
    table: dict[str, Counter] = defaultdict(Counter)
    for a in annotations:
        row = table[by_doc.get(a.doc_id, a.split) or "unassigned"]
        row["sentences"] += 1
        row["no theme"] += not a.themes
        for theme in a.themes:
            row[theme] += 1
        for span in a.spans:
            row[span.label] += 1
        row["documents"] = 0
    for split in table:
        table[split]["documents"] = len({a.doc_id for a in annotations
                                         if (by_doc.get(a.doc_id, a.split) or "unassigned") == split})
    return dict(table), report


def format_stats(table: dict) -> str:
    columns = ["documents", "sentences", *THEMES, "no theme", *ENTITY_LABELS]
    lines = [f"{'split':<8}" + "".join(f"{c:>11}" for c in columns)]
    for split in sorted(table, key=lambda s: ("train", "dev", "test").index(s) if s in ("train", "dev", "test") else 9):
        lines.append(f"{split:<8}" + "".join(f"{table[split][c]:>11}" for c in columns))
    return "\n".join(lines)
