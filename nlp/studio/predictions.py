"""A spaCy model's pre-annotations as Label Studio predictions, and how unsure it is.

Each sentence becomes one prediction: its ``PLACE``/``PROGRAMME`` entities as ``labels``
results, its assigned themes as one ``choices`` result (the same result items an
annotation has, see :func:`nlp.studio.tasks.result_items`), a ``model_version`` and a
``score``.

Uncertainty of a sentence: the maximum over themes of ``1 - |2p - 1|``, where ``p`` is the
theme probability in ``sent._.theme_scores``. It is 1 when some theme sits exactly at
0.5 and 0 when every theme is at 0 or 1. When the model cuts the text into several
sentences, the maximum runs over all of them. The prediction's ``score`` is
``1 - uncertainty`` (the entity recogniser gives no probabilities, so the score speaks for
the themes), so that sorting by prediction score in Label Studio puts the least certain
sentences first, as ``studio push --order uncertainty`` does.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from ..annotations import ENTITY_LABELS, THEMES, Span
from .tasks import result_items

_SURROGATE = re.compile("[\ud800-\udfff]")


def load_model(path: Path | str) -> Language:
    """Load a trained pipeline; a missing directory is a one-line error."""
    if not Path(path).is_dir():
        raise FileNotFoundError(f"No trained model at {path} (train one with `python train.py configs/base.cfg`).")
    return spacy.load(path)


def model_version(nlp: Language) -> str:
    """The model's package name and version (as ``spacy package`` names it) plus a digest of its meta.

    ``zh_policy_nlp-0.1.0-1a2b3c4d``: two trainings of the same version differ in the digest
    (their meta holds their scores).
    """
    digest = hashlib.sha1(json.dumps(nlp.meta, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:8]
    name = nlp.meta.get("name", "pipeline")
    if not name.startswith(f"{nlp.lang}_"):
        name = f"{nlp.lang}_{name}"
    return f"{name}-{nlp.meta.get('version', '0.0.0')}-{digest}"


def uncertainty(theme_scores: Iterable[dict[str, float]]) -> float:
    """Max over sentences and themes of ``1 - |2p - 1|`` (0 when there are no scores)."""
    return max((1 - abs(2 * p - 1) for scores in theme_scores for p in scores.values()), default=0.0)


def doc_prediction(doc: Doc, version: str) -> dict:
    """The Label Studio prediction for one sentence ``doc``."""
    sents = list(doc.sents) if doc.has_annotation("SENT_START") else [doc[:]]
    assigned = {theme for sent in sents for theme in sent._.themes or []}
    themes = [theme for theme in THEMES if theme in assigned]
    spans = [Span(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in ENTITY_LABELS]
    result = [dict(item, origin="prediction") for item in result_items(doc.text, themes, spans)]
    score = 1 - uncertainty(sent._.theme_scores or {} for sent in sents)
    return {"model_version": version, "score": round(score, 4), "result": result}


def encodable(text: str) -> str:
    """``text`` with each lone surrogate (not UTF-8, which the segmenter needs) as U+FFFD; offsets are unchanged."""
    return _SURROGATE.sub("\ufffd", text)


def predict(nlp: Language, texts: Iterable[str], batch_size: int = 64) -> list[dict]:
    """One prediction per text."""
    version = model_version(nlp)
    return [doc_prediction(doc, version) for doc in nlp.pipe(map(encodable, texts), batch_size=batch_size)]
