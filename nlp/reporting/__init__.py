"""The HTML report on the tables of ``policy-nlp tag``: ``write_report(OUT)`` → ``OUT/report.html``.

``tables`` reads OUT, ``summaries`` computes what the page shows, ``svg`` draws the charts,
``page`` assembles one self-contained HTML file (``report.css`` and ``report.js`` inlined).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .page import render_page
from .tables import ReportError, read_tables

__all__ = ["ReportError", "ReportSummary", "write_report"]


@dataclass
class ReportSummary:
    path: Path
    documents: int
    sentences: int
    entities: int
    notes: list[str] = field(default_factory=list)


def write_report(out: Path, path: Path | None = None, sample: int = 30, seed: int = 0) -> ReportSummary:
    """Write the report on the tables of ``out`` to ``path`` (default ``out/report.html``)."""
    tables = read_tables(out)
    html, notes = render_page(tables, sample, seed)
    if tables.errors:
        notes.append(
            f"{len(tables.errors)} documents could not be read when tagging (errors.jsonl); "
            "the report lists them."
        )
    path = Path(path) if path else Path(out) / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return ReportSummary(path, len(tables.documents), len(tables.sentences), len(tables.entities), notes)
