"""Sentence themes: a span categorizer whose candidate spans are the sentences.

``sentence_themes`` is spaCy's ``spancat`` with two changes: the suggester proposes each
sentence (the annotation unit) as the only candidate span, and each theme has its own
decision threshold. Its default model is ``policy_nlp.SpanTfidfLogReg.v1``, TF-IDF of the
sentence's character and word n-grams with a logistic regression per theme, fitted when the
component is initialized (see ``span_tfidf``); ``policy_nlp.SpanCharBOW.v1`` (``sentence_bow``)
or any ``spancat`` model can be configured instead.
Predictions are written to ``doc.spans["themes"]`` (one span per sentence and assigned
theme, as ``spancat`` does, so spaCy's scorer and training work unchanged) and exposed
through extension attributes:

* ``sent._.themes``: the themes assigned to a sentence (list, possibly empty)
* ``sent._.theme_scores``: theme → probability for that sentence
* ``doc._.themes``: theme → share of the document's sentences assigned that theme
* ``doc._.theme_scores``: theme → mean probability over the document's sentences
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy
from spacy.language import Language
from spacy.pipeline.spancat import SpanCategorizer, Suggester
from spacy.tokens import Doc, Span, SpanGroup
from spacy.training import Example
from spacy.util import registry
from thinc.api import Config, Ops, get_current_ops
from thinc.types import Ragged

from . import sentence_bow  # noqa: F401  (registers policy_nlp.SpanCharBOW.v1)
from .sentences import sentence_spans
from .span_tfidf import TFIDF_REF, fit_span_tfidf

THEMES = ("转型", "生态", "民生")
SPANS_KEY = "themes"

Span.set_extension("themes", default=None, force=True)
Span.set_extension("theme_scores", default=None, force=True)
Doc.set_extension("themes", default=None, force=True)
Doc.set_extension("theme_scores", default=None, force=True)


@registry.misc("policy_nlp.sentence_suggester.v1")
def build_sentence_suggester() -> Suggester:
    """Suggest every sentence of a doc as one candidate span."""

    def suggest(docs: Iterable[Doc], *, ops: Ops | None = None) -> Ragged:
        ops = ops or get_current_ops()
        spans, lengths = [], []
        for doc in docs:
            bounds = [(s.start, s.end) for s in sentence_spans(doc)]
            spans.extend(bounds)
            lengths.append(len(bounds))
        data = ops.asarray2i(spans if spans else numpy.zeros((0, 2), dtype="i"))
        return Ragged(data, ops.asarray1i(lengths))

    return suggest


DEFAULT_MODEL = Config().from_str(
    """
[model]
@architectures = "policy_nlp.SpanTfidfLogReg.v1"
char_ngram_size = 3
word_ngram_size = 1
min_df = 2
regularisation = 8.0
nO = null
"""
)["model"]


class SentenceThemes(SpanCategorizer):
    """Multi-label themes per sentence, with a threshold per theme."""

    def __init__(self, vocab, model, suggester, name, *, spans_key, thresholds, scorer):
        super().__init__(
            vocab,
            model=model,
            suggester=suggester,
            name=name,
            spans_key=spans_key,
            negative_weight=None,
            allow_overlap=True,
            max_positive=None,
            threshold=0.5,
            scorer=scorer,
            add_negative_label=False,
        )
        # An attribute, not part of ``cfg``: the config decides, also when loading a trained
        # pipeline with other thresholds (``spacy.load(path, config=...)``).
        self.thresholds = dict(thresholds)

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp: Language | None = None,
                   labels: list[str] | None = None) -> None:
        """spaCy's initialisation; a ``SpanTfidfLogReg`` model is then fitted on every training sentence."""
        super().initialize(get_examples, nlp=nlp, labels=labels)
        if self.model.has_ref(TFIDF_REF):
            spans, targets = self._candidates_and_targets(get_examples())
            fit_span_tfidf(self.model, spans, targets)

    def _candidates_and_targets(self, examples: Iterable[Example]) -> tuple[list[Span], numpy.ndarray]:
        """Every suggested span of the examples, with a row of 0/1 per label from the gold spans."""
        spans, rows = [], []
        for eg in examples:
            gold = {}
            for span in self._get_aligned_spans(eg):
                gold.setdefault((span.start, span.end), set()).add(span.label_)
            for start, end in self.model.ops.to_numpy(self.suggester([eg.x]).dataXd):
                spans.append(eg.x[int(start):int(end)])
                labels = gold.get((int(start), int(end)), set())
                rows.append([label in labels for label in self.labels])
        return spans, numpy.array(rows, dtype="f").reshape(len(rows), len(self.labels))

    def _threshold_vector(self) -> numpy.ndarray:
        default = self.cfg["threshold"]
        return numpy.array([self.thresholds.get(label, default) for label in self.labels])

    def _make_span_group_multilabel(self, doc: Doc, indices, scores) -> SpanGroup:
        group = SpanGroup(doc, name=self.key)
        if scores.size == 0:
            return group
        scores = self.model.ops.to_numpy(scores)
        indices = self.model.ops.to_numpy(indices)
        keeps = scores >= self._threshold_vector()
        kept_scores = []
        for row, (start, end) in enumerate(indices):
            for j, label in enumerate(self.labels):
                if keeps[row, j]:
                    group.append(Span(doc, int(start), int(end), label=label))
                    kept_scores.append(scores[row, j])
        group.attrs["scores"] = numpy.array(kept_scores)
        return group

    def set_annotations(self, docs: Iterable[Doc], indices_scores) -> None:
        docs = list(docs)
        super().set_annotations(docs, indices_scores)
        indices, scores = indices_scores
        scores = self.model.ops.to_numpy(scores)
        thresholds = self._threshold_vector()
        offset = 0
        for i, doc in enumerate(docs):
            rows = self.model.ops.to_numpy(indices[i].dataXd)
            doc_scores = scores[offset : offset + len(rows)]
            offset += len(rows)
            assigned = {label: 0 for label in self.labels}
            for (start, end), row in zip(rows, doc_scores):
                sent = doc[int(start) : int(end)]
                sent._.theme_scores = {label: round(float(p), 4) for label, p in zip(self.labels, row)}
                sent._.themes = [label for label, p, t in zip(self.labels, row, thresholds) if p >= t]
                for label in sent._.themes:
                    assigned[label] += 1
            n = max(len(rows), 1)
            doc._.themes = {label: assigned[label] / n if len(rows) else 0.0 for label in self.labels}
            means = doc_scores.mean(axis=0) if len(rows) else numpy.zeros(len(self.labels))
            doc._.theme_scores = {label: round(float(m), 4) for label, m in zip(self.labels, means)}


@Language.factory(
    "sentence_themes",
    assigns=["doc.spans", "doc._.themes", "doc._.theme_scores", "span._.themes", "span._.theme_scores"],
    default_config={
        "model": DEFAULT_MODEL,
        "suggester": {"@misc": "policy_nlp.sentence_suggester.v1"},
        "spans_key": SPANS_KEY,
        "thresholds": {theme: 0.5 for theme in THEMES},
        "scorer": {"@scorers": "spacy.spancat_scorer.v1"},
    },
    default_score_weights={
        f"spans_{SPANS_KEY}_f": 1.0,
        f"spans_{SPANS_KEY}_p": 0.0,
        f"spans_{SPANS_KEY}_r": 0.0,
    },
)
def make_sentence_themes(
    nlp: Language,
    name: str,
    model,
    suggester: Suggester,
    spans_key: str,
    thresholds: dict,
    scorer: Callable | None,
) -> SentenceThemes:
    return SentenceThemes(
        nlp.vocab, model, suggester, name, spans_key=spans_key, thresholds=thresholds, scorer=scorer
    )
