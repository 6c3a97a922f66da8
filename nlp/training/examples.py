"""Sentence annotations → spaCy ``Example`` objects, with an alignment report.

Span offsets that do not fall on token boundaries are the classic failure of Chinese
spaCy training. Each misaligned span is counted per label and *expanded* to the
enclosing token boundaries (``alignment_mode="expand"``), so no span is lost; an
expanded span that would overlap another is dropped and counted as such. The domain
user dictionary of the segmenter (``nlp.training.lexicon``) keeps such cases rare.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.training import Example

from ..annotations import SentenceAnnotation
from ..components import places  # noqa: F401  (registers doc._.county)
from ..components.themes import SPANS_KEY


@dataclass
class AlignmentReport:
    spans: Counter = field(default_factory=Counter)
    expanded: Counter = field(default_factory=Counter)
    dropped: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=lambda: defaultdict(list))

    def note(self, kind: str, label: str, example: str) -> None:
        getattr(self, kind)[label] += 1
        if len(self.examples[kind]) < 5:
            self.examples[kind].append(example)

    def lines(self) -> list[str]:
        out = []
        for label in sorted(self.spans):
            out.append(
                f"{label}: {self.spans[label]} spans, {self.expanded[label]} expanded to token "
                f"boundaries, {self.dropped[label]} dropped (overlap after expansion)"
            )
        for kind in ("expanded", "dropped"):
            if self.examples[kind]:
                out.append(f"  {kind}, e.g. " + "; ".join(self.examples[kind]))
        return out


def annotation_to_example(nlp: Language, annotation: SentenceAnnotation, report: AlignmentReport) -> Example:
    """Build the gold ``Example`` of one sentence."""
    reference = nlp.make_doc(annotation.text)
    ents = []
    for span in annotation.spans:
        report.spans[span.label] += 1
        ent = reference.char_span(span.start, span.end, label=span.label)
        if ent is None:
            ent = reference.char_span(span.start, span.end, label=span.label, alignment_mode="expand")
            tokens = " ".join(t.text for t in ent)
            report.note("expanded", span.label, f"{annotation.text[span.start:span.end]!r} → {ent.text!r} [{tokens}]")
        if ents and ent.start < ents[-1].end:
            report.note("dropped", span.label, f"{ent.text!r} overlaps {ents[-1].text!r}")
            continue
        ents.append(ent)
    reference.ents = ents
    reference.spans[SPANS_KEY] = [Span(reference, 0, len(reference), label=theme) for theme in annotation.themes]
    predicted = Doc(nlp.vocab, words=[t.text for t in reference], spaces=[bool(t.whitespace_) for t in reference])
    predicted._.county = str(annotation.meta.get("place_code") or "") or None  # the document's county
    return Example(predicted, reference)
