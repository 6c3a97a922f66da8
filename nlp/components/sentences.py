"""Sentence boundaries for Chinese policy text, identical to the annotation unit.

The component applies :func:`nlp.corpus.splitting.split_sentences` (the splitter that
cut the corpus into annotation tasks) and marks the first token of each sentence.
A sentence boundary inside a token is moved to the token's start.
"""

from __future__ import annotations

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span

from ..corpus.splitting import MAX_SENTENCE_CHARS, split_sentences


def sentence_spans(doc: Doc, max_chars: int = MAX_SENTENCE_CHARS) -> list[Span]:
    """The sentences of ``doc`` as token spans (from ``doc.sents`` when already set)."""
    if len(doc) == 0:
        return []
    if doc.has_annotation("SENT_START"):
        return list(doc.sents)
    spans = []
    for start, end in split_sentences(doc.text, max_chars):
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None and len(span) and (not spans or span.start >= spans[-1].end):
            spans.append(span)
    return spans


class PolicySentencizer:
    """Set ``token.is_sent_start`` from the corpus sentence splitter."""

    def __init__(self, name: str = "policy_sentencizer", max_chars: int = MAX_SENTENCE_CHARS):
        self.name = name
        self.max_chars = max_chars

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) == 0:
            return doc
        flags = numpy.full((len(doc), 1), -1, dtype="int64")  # -1: not a sentence start
        flags[0, 0] = 1
        for start, end in split_sentences(doc.text, self.max_chars):
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is not None:
                flags[span.start, 0] = 1
        doc.from_array([SENT_START], flags.astype("uint64"))  # spaCy's attribute arrays are uint64
        return doc


@Language.factory(
    "policy_sentencizer",
    default_config={"max_chars": MAX_SENTENCE_CHARS},
)
def make_policy_sentencizer(nlp: Language, name: str, max_chars: int) -> PolicySentencizer:
    return PolicySentencizer(name, max_chars)
