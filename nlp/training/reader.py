"""The registered corpus reader: Label Studio exports → training examples.

In a config::

    [corpora.train]
    @readers = "policy_nlp.LabelStudioCorpus.v1"
    path = ${paths.train}        # an export file, or a directory of export files
    splits = ${paths.splits}     # annotations/splits.json
    split = "train"

A task belongs to the split of its document (``data.doc_id``) in the splits file; tasks
of documents the splits file does not know use ``data.split``. What the export holds
that is not gold (cancelled tasks, predictions, unknown result types, …) is counted and
reported once, with the alignment report, when the corpus is first read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from spacy.language import Language
from spacy.training import Example
from spacy.util import registry
from wasabi import msg

from ..annotations import ExportError, ExportReport, SentenceAnnotation, load_export, read_annotations
from .examples import AlignmentReport, annotation_to_example
from .splits import load_splits


def read_split(path: Path, split: str, splits: Path | None, report: ExportReport) -> list[SentenceAnnotation]:
    """Gold sentence annotations of one split of an export."""
    by_doc = load_splits(splits) if splits else {}
    annotations = read_annotations(load_export(path), report)
    return [a for a in annotations if by_doc.get(a.doc_id, a.split) == split]


def load_examples(nlp: Language, path: Path, split: str, splits: Path | None = None,
                  limit: int = 0, verbose: bool = True) -> list[Example]:
    export_report = ExportReport()
    annotations = read_split(path, split, splits, export_report)
    if not annotations:
        reasons = ", ".join(f"{reason} {count}" for reason, count in export_report.skipped.most_common(3))
        raise ExportError(f"{path}: no usable annotated sentence in the {split!r} split "
                          f"({export_report.tasks} tasks read, {export_report.skipped_tasks} skipped"
                          f"{': ' + reasons if reasons else ''}).")
    if limit:
        annotations = annotations[:limit]
    alignment = AlignmentReport()
    examples = [annotation_to_example(nlp, a, alignment) for a in annotations]
    if verbose:
        msg.info(f"Corpus {split!r} from {path}: {len(examples)} sentences")
        for line in export_report.lines() + alignment.lines():
            print("   " + line)
    return examples


@registry.readers("policy_nlp.LabelStudioCorpus.v1")
def create_label_studio_reader(
    path: Path, split: str, splits: Path | None = None, limit: int = 0
) -> Callable[[Language], Iterable[Example]]:
    """A corpus reader over Label Studio JSON exports (see module docstring)."""
    cache: dict[int, list[Example]] = {}

    def read(nlp: Language) -> Iterable[Example]:
        if id(nlp) not in cache:
            cache.clear()
            cache[id(nlp)] = load_examples(nlp, Path(path), split, Path(splits) if splits else None, limit)
        yield from cache[id(nlp)]

    return read
