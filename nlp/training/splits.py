"""The committed document → split assignment (``annotations/splits.json``)."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable
from pathlib import Path

SPLITS = ("train", "dev", "test", "ood-test")
HELD_OUT_SPLITS = ("test", "ood-test")
NOTES_KEY = "why"


def load_splits(path: Path) -> dict[str, str]:
    """Map each document id to its split; a document in two splits is an error.

    The file maps each split to its document ids; the key ``why`` holds the reasons for
    the choice (per split, and per held-out province) and is not a split.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    by_doc: dict[str, str] = {}
    for split, doc_ids in data.items():
        if split == NOTES_KEY:
            continue
        if split not in SPLITS:
            raise ValueError(f"{path}: unknown split {split!r} (expected one of {', '.join(SPLITS)}).")
        for doc_id in doc_ids:
            if doc_id in by_doc:
                raise ValueError(f"{path}: document {doc_id} is in both {by_doc[doc_id]} and {split}.")
            by_doc[doc_id] = split
    return by_doc


def sample_documents(doc_ids: Iterable[str], fraction: float, seed: int = 0) -> set[str]:
    """A share ``fraction`` (0 < fraction ≤ 1) of the documents, at least one.

    The documents are shuffled by ``seed`` and the first ones kept, so that for one seed a
    larger fraction holds every smaller one (nested samples, as a training curve needs).
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction of documents must be in (0, 1], not {fraction}.")
    ordered = sorted(set(doc_ids))
    random.Random(seed).shuffle(ordered)
    return set(ordered[:max(1, math.ceil(fraction * len(ordered)))]) if ordered else set()
