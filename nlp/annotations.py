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
import reprlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

THEMES = ("转型", "生态", "民生")
ENTITY_LABELS = ("PLACE", "PROGRAMME")
SPAN_FROM_NAME = "label"
THEME_FROM_NAME = "themes"

# Reasons that drop a whole task; every task is either used or counted under one of them.
TASK_REASONS = ("task is not a JSON object", "missing or empty data.text", "annotations is not a list",
                "cancelled (skipped) task", "no annotation", "no usable annotation")

_EXAMPLE = reprlib.Repr()
_EXAMPLE.maxstring = _EXAMPLE.maxother = 80


class ExportError(ValueError):
    """An export file cannot be read at all, or cannot be written."""


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
    used_tasks: int = 0
    skipped: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=lambda: defaultdict(list))

    def skip(self, reason: str, example: str) -> None:
        self.skipped[reason] += 1
        if len(self.examples[reason]) < 3:
            self.examples[reason].append(example)

    @property
    def skipped_tasks(self) -> int:
        """Tasks that gave no annotation; ``used_tasks + skipped_tasks == tasks``."""
        return sum(self.skipped[reason] for reason in TASK_REASONS)

    def lines(self) -> list[str]:
        first = (f"{self.tasks} tasks read, {self.used} sentence annotations used "
                 f"({self.used_tasks} tasks used, {self.skipped_tasks} skipped)")
        out = [first]
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
            data = json.loads(file.read_text(encoding="utf-8-sig"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ExportError(f"{file}: not a JSON export ({error}).") from error
        except RecursionError:
            raise ExportError(f"{file}: not a JSON export (nested too deeply).") from None
        except OSError as error:
            raise ExportError(f"{file}: cannot be read ({error.strerror}).") from None
        if not isinstance(data, list):
            raise ExportError(f"{file}: a Label Studio JSON export is a list of tasks.")
        tasks.extend(data)
    return tasks


def _usable(annotations: list) -> list[dict]:
    """Annotations that may be gold: objects, not cancelled, with a list of results."""
    return [a for a in annotations
            if isinstance(a, dict) and not a.get("was_cancelled") and isinstance(a.get("result"), list)]


def _recency(annotation: dict) -> tuple[str, int]:
    when = annotation.get("updated_at") or annotation.get("created_at") or ""
    number = annotation.get("id")
    return str(when), number if isinstance(number, int) and not isinstance(number, bool) else 0


def choose_annotation(task: dict) -> dict | None:
    """The annotation that counts as gold for a task (see module docstring)."""
    annotations = task.get("annotations")
    candidates = _usable(annotations if isinstance(annotations, list) else [])
    if not candidates:
        return None
    truth = [a for a in candidates if a.get("ground_truth")]
    return max(truth or candidates, key=_recency)


def _offset(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _read_result(result: list, text: str, where: str, report: ExportReport) -> tuple[list[str], list[Span]]:
    themes: list[str] = []
    spans: list[Span] = []
    for item in result:
        if not isinstance(item, dict):
            report.skip("result item is not a JSON object", f"{where}: {_EXAMPLE.repr(item)}")
            continue
        kind = item.get("type")
        value = item.get("value") if isinstance(item.get("value"), dict) else {}
        if kind == "choices":
            choices = value.get("choices", [])
            if not isinstance(choices, list):
                report.skip("unknown theme", f"{where}: {_EXAMPLE.repr(choices)}")
                continue
            for choice in choices:
                if isinstance(choice, str) and choice in THEMES:
                    themes.append(choice)
                else:
                    report.skip("unknown theme", f"{where}: {_EXAMPLE.repr(choice)}")
        elif kind == "labels":
            labels = value.get("labels")
            start, end = _offset(value.get("start")), _offset(value.get("end"))
            if not isinstance(labels, list) or len(labels) != 1 or labels[0] not in ENTITY_LABELS:
                report.skip("unknown label", f"{where}: {_EXAMPLE.repr(labels)}")
                continue
            if start is None or end is None or not 0 <= start < end <= len(text):
                report.skip("offsets outside the text",
                            f"{where}: {_EXAMPLE.repr(value.get('start'))}-{_EXAMPLE.repr(value.get('end'))}")
                continue
            if "text" in value and value["text"] != text[start:end]:
                report.skip("span text does not match",
                            f"{where}: {_EXAMPLE.repr(value['text'])} ≠ {_EXAMPLE.repr(text[start:end])}")
                continue
            spans.append(Span(start, end, labels[0]))
        else:
            report.skip("result type ignored", f"{where}: {_EXAMPLE.repr(kind)}")
    spans.sort(key=lambda s: (s.start, -s.end))
    kept: list[Span] = []
    for span in spans:
        if kept and span.start < kept[-1].end:
            report.skip("overlapping span", f"{where}: {_EXAMPLE.repr(text[span.start:span.end])} inside/over "
                                            f"{_EXAMPLE.repr(text[kept[-1].start:kept[-1].end])}")
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
        if not isinstance(task, dict):
            report.skip("task is not a JSON object", _EXAMPLE.repr(task))
            continue
        data = task.get("data") if isinstance(task.get("data"), dict) else {}
        where = f"task {_EXAMPLE.repr(task.get('id'))}"
        text = data.get("text")
        if not isinstance(text, str) or not text.strip():
            report.skip("missing or empty data.text", where)
            continue
        annotations = task.get("annotations") or []
        if not isinstance(annotations, list):
            report.skip("annotations is not a list", where)
            continue
        objects = [a for a in annotations if isinstance(a, dict)]
        if len(objects) < len(annotations):
            report.skip("annotation is not a JSON object", f"{where}: {len(annotations) - len(objects)}")
        for annotation in objects:
            if not isinstance(annotation.get("result"), list) and not annotation.get("was_cancelled"):
                report.skip("annotation without a list of results", f"{where}: {_EXAMPLE.repr(annotation.get('id'))}")
        usable = _usable(annotations)
        if every_annotator:
            chosen = usable
        else:
            if len(usable) > 1:
                report.skip("several annotations (one chosen)", where)
            chosen = [a for a in [choose_annotation(task)] if a is not None]
        if not chosen:
            cancelled = any(a.get("was_cancelled") for a in objects)
            report.skip("cancelled (skipped) task" if cancelled else
                        "no usable annotation" if annotations else "no annotation", where)
            continue
        report.used_tasks += 1
        for annotation in chosen:
            themes, spans = _read_result(annotation["result"], text, where, report)
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
