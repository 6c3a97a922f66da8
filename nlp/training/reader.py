"""The registered corpus reader: Label Studio exports → training examples.

In a config::

    [corpora.train]
    @readers = "policy_nlp.LabelStudioCorpus.v1"
    path = ${paths.train}        # an export file, or a directory of export files
    splits = ${paths.splits}     # annotations/splits.json
    split = "train"
    fraction = 1.0               # a share of the split's documents (training curves)
    fraction_seed = 0            # which share: nested samples, see splits.sample_documents

    [corpora.train.augmenter]    # optional: any spaCy augmenter, e.g. spacy.orth_variants.v1

A task belongs to the split of its document (``data.doc_id``) in the splits file; tasks
of documents the splits file does not know use ``data.split``. What the export holds
that is not gold (cancelled tasks, predictions, unknown result types, …) is counted and
reported once, with the alignment report, when the corpus is first read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

from spacy.language import Language
from spacy.training import Example
from spacy.util import registry
from wasabi import msg

from ..annotations import ExportError, ExportReport, SentenceAnnotation, load_export, read_annotations
from .examples import AlignmentReport, annotation_to_example
from .splits import load_splits, sample_documents


def read_splits(path: Path, splits: Path | None, report: ExportReport) -> dict[str, list[SentenceAnnotation]]:
    """Gold sentence annotations of an export by split (``""`` for a document no split names)."""
    by_doc = load_splits(splits) if splits else {}
    by_split: dict[str, list[SentenceAnnotation]] = defaultdict(list)
    for annotation in read_annotations(load_export(path), report):
        by_split[by_doc.get(annotation.doc_id, annotation.split)].append(annotation)
    return by_split


def read_split(path: Path, split: str, splits: Path | None, report: ExportReport,
               fraction: float = 1.0, fraction_seed: int = 0) -> list[SentenceAnnotation]:
    """Gold sentence annotations of one split of an export, or of a share ``fraction`` of
    its documents (see :func:`nlp.training.splits.sample_documents`)."""
    chosen = read_splits(path, splits, report).get(split, [])
    if fraction < 1:
        kept = sample_documents((a.doc_id for a in chosen), fraction, fraction_seed)
        chosen = [a for a in chosen if a.doc_id in kept]
    return chosen


def read_train_split(export: str | Path | None, splits: str | Path | None, fraction: float = 1.0,
                     fraction_seed: int = 0) -> list[SentenceAnnotation]:
    """The train split's annotations (or a share ``fraction`` of its documents), for
    components that learn from them at ``initialize`` (``[]`` when no export is given)."""
    if not export:
        return []
    return read_split(Path(export), "train", Path(splits) if splits else None, ExportReport(), fraction,
                      fraction_seed)


def load_examples(nlp: Language, path: Path, split: str, splits: Path | None = None,
                  limit: int = 0, verbose: bool = True, fraction: float = 1.0,
                  fraction_seed: int = 0) -> list[Example]:
    export_report = ExportReport()
    annotations = read_split(path, split, splits, export_report, fraction, fraction_seed)
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
        share = f" ({fraction:.0%} of its documents, sample seed {fraction_seed})" if fraction < 1 else ""
        documents = len({a.doc_id for a in annotations})
        msg.info(f"Corpus {split!r} from {path}: {len(examples)} sentences of {documents} documents{share}")
        for line in export_report.lines() + alignment.lines():
            print("   " + line)
    return examples


@registry.readers("policy_nlp.LabelStudioCorpus.v1")
def create_label_studio_reader(
    path: Path, split: str, splits: Path | None = None, limit: int = 0, fraction: float = 1.0,
    fraction_seed: int = 0, augmenter: Callable[[Language, Example], Iterable[Example]] | None = None,
) -> Callable[[Language], Iterable[Example]]:
    """A corpus reader over Label Studio JSON exports (see module docstring)."""
    cache: dict[int, list[Example]] = {}

    def read(nlp: Language) -> Iterable[Example]:
        if id(nlp) not in cache:
            cache.clear()
            cache[id(nlp)] = load_examples(nlp, Path(path), split, Path(splits) if splits else None, limit,
                                           fraction=fraction, fraction_seed=fraction_seed)
        if augmenter is None:
            yield from cache[id(nlp)]
        else:
            for example in cache[id(nlp)]:
                yield from augmenter(nlp, example)

    return read
