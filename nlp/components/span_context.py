"""Whether a rule's match is an entity, judged from the characters around it.

The same string is an entity in one sentence and not in the next: 西安 is a PLACE in
赴北京、西安、深圳等地 but not in 西安国家版本馆 (a facility) or 西安交通大学 (a body); a
quoted “冬季行动” after 开展 is a PROGRAMME, a quoted “四个意识” is an ideological formula and
is not. ``place_rules`` and ``programme_rules`` ask this model about every match they find.
The model is a logistic regression over a few sparse features of the match (its text,
length and last character, how the rule found it, the characters and character pairs just
before and after it), fitted at ``initialize`` on the train split's sentences: a match is a
positive example when the annotators marked exactly that span with the rule's label.
Fitting uses scikit-learn; the fitted weights are kept as a plain mapping from feature to
weight, so applying the model needs neither scikit-learn nor numpy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

CONTEXT_CHARS = 6  # characters on each side whose pairs are features


def context_features(text: str, start: int, end: int, kind: str) -> list[str]:
    """Sparse features of the match ``text[start:end]``; ``kind`` says how the rule found it."""
    name = text[start:end]
    before = "^^" + text[max(0, start - CONTEXT_CHARS):start]
    after = text[end:end + CONTEXT_CHARS] + "$$"
    features = [
        f"name={name}", f"length={min(len(name), 5)}", f"last={name[-1]}", f"kind={kind}",
        f"left1={before[-1]}", f"left2={before[-2:]}", f"right1={after[0]}", f"right2={after[:2]}",
        f"right3={after[:3]}", f"right4={after[:4]}",
    ]
    features += {f"left_pair={before[i:i + 2]}" for i in range(len(before) - 1)}
    features += {f"right_pair={after[i:i + 2]}" for i in range(len(after) - 1)}
    return features


@dataclass
class ContextModel:
    """A fitted logistic regression: ``probability = sigmoid(bias + Σ weights[feature])``."""

    weights: dict[str, float] = field(default_factory=dict)
    bias: float = 0.0

    def probability(self, features: Iterable[str]) -> float:
        score = self.bias + sum(self.weights.get(f, 0.0) for f in features)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, score))))

    def to_dict(self) -> dict:
        return {"weights": self.weights, "bias": self.bias}

    @classmethod
    def from_dict(cls, data: dict) -> ContextModel:
        return cls(dict(data["weights"]), float(data["bias"]))


def fit_context_model(samples: list[tuple[list[str], bool]], untrained: ContextModel,
                      regularisation: float = 1.0) -> ContextModel:
    """Fit the model on ``(features, marked)`` samples; ``untrained`` unless both kinds occur."""
    if len({marked for _features, marked in samples}) < 2:
        return ContextModel(dict(untrained.weights), untrained.bias)
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform([dict.fromkeys(features, 1) for features, _marked in samples])
    regression = LogisticRegression(C=regularisation, max_iter=2000)
    regression.fit(matrix, [marked for _features, marked in samples])
    weights = {feature: round(float(w), 4) for feature, w in zip(vectorizer.get_feature_names_out(),
                                                                 regression.coef_[0]) if abs(w) >= 1e-4}
    return ContextModel(weights, float(regression.intercept_[0]))
