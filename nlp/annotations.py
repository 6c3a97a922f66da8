"""Read Label Studio JSON exports into sentence annotations, reporting every problem.

An export is a JSON list of tasks. Each task's ``data`` holds the sentence ``text`` and
its document meta (``doc_id``, ``sentence``, ``title``, ``place``, ``year``, ``split``);
``annotations`` hold span results (``labels``) and theme results (``choices``).

Policy when a task has several annotations: a ``ground_truth`` annotation wins; otherwise
the most recently updated annotation that was not cancelled. Cancelled (skipped)
annotations and ``predictions`` are never gold. Every problem is counted in an
:class:`ExportReport` under a stable reason, and problems that make a span unusable
drop only that span, never silently.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

THEMES = ("转型", "生态", "民生")
ENTITY_LABELS = ("PLACE", "PROGRAMME")
SPAN_FROM_NAME = "label"
THEME_FROM_NAME = "themes"


class ExportError(ValueError):
    """An export file cannot be read at all."""


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str


@dataclass
class SentenceAnnotation:
    """The gold judgement of one sentence."""

    task_id: int | None
    text: str
    meta: dict
    themes: list[str]
    spans: list[Span]
    annotator: object = None
    annotation_id: int | None = None

    @property
    def doc_id(self) -> str:
        return str(self.meta.get("doc_id", ""))

    @property
    def split(self) -> str:
        return str(self.meta.get("split", ""))


@dataclass
class ExportReport:
    """Counts of what was read and of everything skipped, with examples."""

    tasks: int = 0
    used: int = 0
    skipped: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=lambda: defaultdict(list))

    def skip(self, reason: str, example: str) -> None:
        self.skipped[reason] += 1
        if len(self.examples[reason]) < 3:
            self.examples[reason].append(example)

    def lines(self) -> list[str]:
        out = [f"{self.tasks} tasks read, {self.used} sentence annotations used"]
        for reason, count in sorted(self.skipped.items()):
            out.append(f"  {reason}: {count}  e.g. {'; '.join(self.examples[reason])}")
        return out


def load_export(path: Path) -> list[dict]:
    """Load one export file, or every ``*.json`` file of a directory (sorted)."""
    path = Path(path)
    files = sorted(path.glob("*.json")) if path.is_dir() else [path] if path.exists() else []
    if not files:
        raise ExportError(f"{path}: no Label Studio export (*.json) found.")
    tasks: list[dict] = []
    for file in files:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ExportError(f"{file}: not a JSON export ({error}).") from error
        if not isinstance(data, list):
            raise ExportError(f"{file}: a Label Studio JSON export is a list of tasks.")
        tasks.extend(data)
    return tasks


def choose_annotation(task: dict) -> dict | None:
    """The annotation that counts as gold for a task (see module docstring)."""
    candidates = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
    if not candidates:
        return None
    truth = [a for a in candidates if a.get("ground_truth")]
    pool = truth or candidates
    return max(pool, key=lambda a: (a.get("updated_at") or a.get("created_at") or "", a.get("id") or 0))


def _read_result(result: list, text: str, where: str, report: ExportReport) -> tuple[list[str], list[Span]]:
    themes: list[str] = []
    spans: list[Span] = []
    for item in result:
        kind = item.get("type")
        value = item.get("value") or {}
        if kind == "choices":
            for choice in value.get("choices", []):
                if choice in THEMES:
                    themes.append(choice)
                else:
                    report.skip("unknown theme", f"{where}: {choice!r}")
        elif kind == "labels":
            labels = value.get("labels") or []
            start, end = value.get("start"), value.get("end")
            if len(labels) != 1 or labels[0] not in ENTITY_LABELS:
                report.skip("unknown label", f"{where}: {labels!r}")
                continue
            if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= len(text):
                report.skip("offsets outside the text", f"{where}: {start}-{end}")
                continue
            if "text" in value and value["text"] != text[start:end]:
                report.skip("span text does not match", f"{where}: {value['text']!r} ≠ {text[start:end]!r}")
                continue
            spans.append(Span(start, end, labels[0]))
        else:
            report.skip("result type ignored", f"{where}: {kind}")
    spans.sort(key=lambda s: (s.start, -s.end))
    kept: list[Span] = []
    for span in spans:
        if kept and span.start < kept[-1].end:
            report.skip("overlapping span", f"{where}: {text[span.start:span.end]!r} inside/over {text[kept[-1].start:kept[-1].end]!r}")
            continue
        kept.append(span)
    return sorted(set(themes), key=THEMES.index), kept


def read_annotations(tasks: Iterable[dict], report: ExportReport | None = None,
                     every_annotator: bool = False) -> list[SentenceAnnotation]:
    """Gold sentence annotations of an export's tasks; problems go into ``report``.

    With ``every_annotator`` each non-cancelled annotation of a task is returned (for
    agreement), instead of the one chosen by the gold policy.
    """
    report = report if report is not None else ExportReport()
    out = []
    for task in tasks:
        report.tasks += 1
        data = task.get("data") or {}
        where = f"task {task.get('id')}"
        text = data.get("text")
        if not isinstance(text, str) or not text.strip():
            report.skip("missing or empty data.text", where)
            continue
        annotations = task.get("annotations") or []
        usable = [a for a in annotations if not a.get("was_cancelled")]
        if every_annotator:
            chosen = usable
        else:
            if len(usable) > 1:
                report.skip("several annotations (one chosen)", where)
            chosen = [a for a in [choose_annotation(task)] if a is not None]
        if not chosen:
            report.skip("cancelled (skipped) task" if annotations else "no annotation", where)
            continue
        for annotation in chosen:
            themes, spans = _read_result(annotation.get("result") or [], text, where, report)
            out.append(
                SentenceAnnotation(
                    task_id=task.get("id"),
                    text=text,
                    meta={k: v for k, v in data.items() if k != "text"},
                    themes=themes,
                    spans=spans,
                    annotator=annotation.get("completed_by"),
                    annotation_id=annotation.get("id"),
                )
            )
            report.used += 1
    return out
