"""Mention replacement: training sentences whose place names are swapped for other names.

The ``ner`` sees each place name of the train split only a few times and learns the names
more than the contexts they stand in. ``policy_nlp.place_swap.v1``, a spaCy augmenter for
the train corpus, yields every example and, for a share ``level`` of them, also a copy
whose marked places that the gazetteer knows are replaced by a random name of the same
level and form: 清徐县 by another county's full name, 保定 by another city's short name. In
a config::

    [corpora.train.augmenter]
    @augmenters = "policy_nlp.place_swap.v1"
    level = 0.3
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from functools import cache

from spacy.language import Language
from spacy.training import Example
from spacy.util import registry

from ..annotations import SentenceAnnotation, Span
from ..components.themes import SPANS_KEY
from ..place_names import division_entries
from .examples import AlignmentReport, annotation_to_example

SWAPPED_LEVELS = ("province", "city", "county", "town")


@cache
def replacement_names() -> tuple[dict[str, tuple[str, bool]], dict[tuple[str, bool], tuple[str, ...]]]:
    """Name → (level, is short form), and (level, is short form) → every such name."""
    kind_of: dict[str, tuple[str, bool]] = {}
    for name, level, _code, _parents, _parent_codes, short in division_entries():
        if level not in SWAPPED_LEVELS:
            continue
        kind_of.setdefault(name, (level, False))
        if short and short != name and len(short) >= 2:
            kind_of.setdefault(short, (level, True))
    names: dict[tuple[str, bool], list[str]] = {}
    for name, kind in kind_of.items():
        names.setdefault(kind, []).append(name)
    return kind_of, {kind: tuple(sorted(group)) for kind, group in names.items()}


def swap_places(example: Example) -> SentenceAnnotation | None:
    """The example's sentence with each known place name replaced, or None when it has none."""
    kind_of, names = replacement_names()
    reference = example.reference
    text, pieces, spans, position, swapped = reference.text, [], [], 0, False
    new_length = 0
    for ent in reference.ents:
        pieces.append(text[position:ent.start_char])
        new_length += ent.start_char - position
        replacement = ent.text
        if ent.label_ == "PLACE" and ent.text in kind_of:
            replacement = random.choice(names[kind_of[ent.text]])
            swapped = True
        spans.append(Span(new_length, new_length + len(replacement), ent.label_))
        pieces.append(replacement)
        new_length += len(replacement)
        position = ent.end_char
    if not swapped:
        return None
    pieces.append(text[position:])
    themes = sorted({span.label_ for span in reference.spans.get(SPANS_KEY, [])})
    meta = {"place_code": example.predicted._.county} if example.predicted._.county else {}
    return SentenceAnnotation(None, "".join(pieces), meta, themes, spans)


@registry.augmenters("policy_nlp.place_swap.v1")
def create_place_swap(level: float = 0.3) -> Callable[[Language, Example], Iterator[Example]]:
    """Every example, and for a share ``level`` of them also a copy with its places swapped."""
    if not 0.0 <= level <= 1.0:
        raise ValueError(f"level must be between 0 and 1, got {level}.")

    def augment(nlp: Language, example: Example) -> Iterator[Example]:
        yield example
        if level and random.random() < level:
            swapped = swap_places(example)
            if swapped is not None:
                yield annotation_to_example(nlp, swapped, AlignmentReport())

    return augment
