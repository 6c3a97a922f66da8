"""Agreement between annotators: Cohen's kappa per theme, span F1 per entity label.

Two annotations of the same sentence are compared: per theme, the yes/no decisions
(``sklearn.metrics.cohen_kappa_score``); per entity label, exact-span F1 (same start, end
and label) and overlap F1 (a span counts as matched when it overlaps a span of the same
label in the other annotation). Sentences annotated by only one side are ignored.
"""

from __future__ import annotations

from collections import defaultdict

from sklearn.metrics import cohen_kappa_score

from ..annotations import ENTITY_LABELS, THEMES, SentenceAnnotation


def _key(a: SentenceAnnotation) -> tuple[str, int]:
    return a.doc_id, int(a.meta.get("sentence", -1))


def _f1(matched_a: int, total_a: int, matched_b: int, total_b: int) -> float:
    p = matched_a / total_a if total_a else 1.0
    r = matched_b / total_b if total_b else 1.0
    return round(2 * p * r / (p + r), 4) if p + r else 0.0


def agreement(first: list[SentenceAnnotation], second: list[SentenceAnnotation]) -> dict:
    """Agreement figures over the sentences both sides annotated."""
    by_key = {_key(a): a for a in first}
    pairs = [(by_key[_key(b)], b) for b in second if _key(b) in by_key]
    result: dict = {"sentences": len(pairs), "kappa": {}, "exact_f1": {}, "overlap_f1": {},
                    "disagreements": defaultdict(list)}
    for theme in THEMES:
        a = [theme in x.themes for x, _ in pairs]
        b = [theme in y.themes for _, y in pairs]
        result["kappa"][theme] = round(float(cohen_kappa_score(a, b)), 4) if len(set(a + b)) > 1 else 1.0
        for (x, y), u, v in zip(pairs, a, b):
            if u != v:
                result["disagreements"][theme].append((x.text, u, v))
    for label in ENTITY_LABELS:
        exact_a = exact_b = overlap_a = overlap_b = total_a = total_b = 0
        for x, y in pairs:
            sa = {(s.start, s.end) for s in x.spans if s.label == label}
            sb = {(s.start, s.end) for s in y.spans if s.label == label}
            total_a += len(sa)
            total_b += len(sb)
            exact = len(sa & sb)
            exact_a += exact
            exact_b += exact
            overlap_a += sum(any(s < e2 and s2 < e for s2, e2 in sb) for s, e in sa)
            overlap_b += sum(any(s < e2 and s2 < e for s2, e2 in sa) for s, e in sb)
            if sa != sb:
                result["disagreements"][label].append(
                    (x.text, sorted(x.text[s:e] for s, e in sa - sb), sorted(x.text[s:e] for s, e in sb - sa)))
        result["exact_f1"][label] = _f1(exact_b, total_b, exact_a, total_a)
        result["overlap_f1"][label] = _f1(overlap_b, total_b, overlap_a, total_a)
    return result


def split_by_annotator(annotations: list[SentenceAnnotation]) -> dict[object, list[SentenceAnnotation]]:
    groups: dict[object, list[SentenceAnnotation]] = defaultdict(list)
    for a in annotations:
        groups[a.annotator].append(a)
    return dict(groups)
