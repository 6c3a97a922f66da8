"""Scores on annotated sentences: entities and themes, per label, and per document.

Predictions and gold are compared sentence by sentence:

* entities: exact match of (start, end, label) character spans; precision, recall and F1
  per label and over all labels;
* themes: per theme, sentence-level precision, recall and F1; ``themes_macro_f`` is the
  mean F1 over the three themes;
* ``theme_share_mae``: for each document, the share of its sentences tagged with each
  theme, predicted against gold; the mean absolute difference over documents and themes.

The keys of the returned dict are stable; ``training/metrics.json`` holds exactly them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from spacy.language import Language

from .annotations import ENTITY_LABELS, SentenceAnnotation
from .components import places  # noqa: F401  (registers doc._.county)
from .components.themes import THEMES


@dataclass
class SentencePrediction:
    themes: set[str] = field(default_factory=set)
    spans: set[tuple[int, int, str]] = field(default_factory=set)


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f": round(f, 4), "support": tp + fn}


def predict_sentences(nlp: Language, gold: list[SentenceAnnotation], batch_size: int = 64,
                      with_county: bool = True) -> list[SentencePrediction]:
    """Run a pipeline over the gold sentences, each alone.

    With ``with_county`` each sentence gets its document's place as ``doc._.county`` (the
    context a caller that knows the document can give); without, the sentence is passed
    as other code would pass it, with no context at all.
    """
    docs = []
    for g in gold:
        doc = nlp.make_doc(g.text)
        if with_county:
            doc._.county = str(g.meta.get("place_code") or g.meta.get("place") or "") or None
        docs.append(doc)
    predictions = []
    for doc in nlp.pipe(docs, batch_size=batch_size):
        themes: set[str] = set()
        for sent in doc.sents if doc.has_annotation("SENT_START") else [doc[:]]:
            themes.update(sent._.themes or [])
        spans = {(e.start_char, e.end_char, e.label_) for e in doc.ents}
        predictions.append(SentencePrediction(themes, spans))
    return predictions


def score(gold: list[SentenceAnnotation], predicted: list[SentencePrediction],
          entity_labels: Iterable[str] = ENTITY_LABELS, themes: Iterable[str] = THEMES) -> dict:
    """All metrics (see module docstring)."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold sentences but {len(predicted)} predictions.")
    ent_counts = defaultdict(lambda: [0, 0, 0])
    theme_counts = defaultdict(lambda: [0, 0, 0])
    shares: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    sentences_per_doc: dict[str, int] = defaultdict(int)
    for g, p in zip(gold, predicted):
        gold_spans = {(s.start, s.end, s.label) for s in g.spans}
        for label in entity_labels:
            gs = {s for s in gold_spans if s[2] == label}
            ps = {s for s in p.spans if s[2] == label}
            ent_counts[label][0] += len(gs & ps)
            ent_counts[label][1] += len(ps - gs)
            ent_counts[label][2] += len(gs - ps)
        sentences_per_doc[g.doc_id] += 1
        for theme in themes:
            in_gold, in_pred = theme in g.themes, theme in p.themes
            theme_counts[theme][0] += in_gold and in_pred
            theme_counts[theme][1] += in_pred and not in_gold
            theme_counts[theme][2] += in_gold and not in_pred
            shares[g.doc_id][theme][0] += in_gold
            shares[g.doc_id][theme][1] += in_pred
    entities = {label: prf(*ent_counts[label]) for label in entity_labels}
    entities["ALL"] = prf(*(sum(c[i] for c in ent_counts.values()) for i in range(3)))
    theme_scores = {theme: prf(*theme_counts[theme]) for theme in themes}
    errors = [
        abs(shares[doc][theme][1] - shares[doc][theme][0]) / sentences_per_doc[doc]
        for doc in shares for theme in themes
    ]
    return {
        "sentences": len(gold),
        "documents": len(sentences_per_doc),
        "entities": entities,
        "themes": theme_scores,
        "themes_macro_f": round(sum(s["f"] for s in theme_scores.values()) / len(theme_scores), 4),
        "theme_share_mae": round(sum(errors) / len(errors), 4) if errors else 0.0,
    }


def evaluate_held_out(nlp: Language, gold_by_split: dict[str, list[SentenceAnnotation]]) -> dict[str, dict]:
    """Scores on every held-out split, with the document's county and without (``SPLIT-no-county``)."""
    results = {}
    for split, gold in gold_by_split.items():
        results[split] = score(gold, predict_sentences(nlp, gold))
        results[f"{split}-no-county"] = score(gold, predict_sentences(nlp, gold, with_county=False))
    return results


def format_table(metrics: dict) -> str:
    rows = [f"{'label':<12}{'P':>8}{'R':>8}{'F':>8}{'n':>7}"]
    for group in ("entities", "themes"):
        for label, s in metrics[group].items():
            rows.append(f"{label:<12}{s['p']:>8.3f}{s['r']:>8.3f}{s['f']:>8.3f}{s['support']:>7}")
    rows.append(f"themes macro-F1 {metrics['themes_macro_f']:.3f}   "
                f"document theme-share MAE {metrics['theme_share_mae']:.3f}   "
                f"({metrics['sentences']} sentences, {metrics['documents']} documents)")
    return "\n".join(rows)
