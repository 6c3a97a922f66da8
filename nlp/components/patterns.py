"""Entity-ruler patterns for places and programmes, built at ``initialize``.

Used with spaCy's own ``entity_ruler`` (after ``ner``, ``overwrite_ents = false``, so the
rules only fill gaps the statistical model left). In a config::

    [initialize.components.place_ruler.patterns]
    @misc = "policy_nlp.place_patterns.v1"
    provinces = ["山西省"]
    export = ${paths.train}
    splits = ${paths.splits}

Place patterns: the official names of the configured provinces' cities, counties and
towns, the short names of their cities and counties, every province, and the PLACE texts
of the train split. Programme patterns: the PROGRAMME texts of the train split. Phrase
patterns match whole tokens only, so a name glued into a longer token (清徐县委) is not
matched.
"""

from __future__ import annotations

from pathlib import Path

from spacy.util import registry

from ..gazetteer import load_divisions
from ..studio.annotations import ExportReport


def _train_texts(export: str | None, splits: str | None, label: str) -> list[str]:
    if not export:
        return []
    from ..training.reader import read_split

    annotations = read_split(Path(export), "train", Path(splits) if splits else None, ExportReport())
    return [a.text[s.start:s.end] for a in annotations for s in a.spans if s.label == label]


def _patterns(label: str, names) -> list[dict]:
    return [{"label": label, "pattern": name} for name in sorted(set(n for n in names if len(n) >= 2))]


@registry.misc("policy_nlp.place_patterns.v1")
def place_patterns(provinces: list[str] = ("山西省",), export: str | None = None,
                   splits: str | None = None) -> list[dict]:
    wanted = set(provinces)
    names = []
    for d in load_divisions():
        in_scope = bool(d.parents) and d.parents[-1] in wanted
        if d.level == "province" or (d.level in ("city", "county", "town") and in_scope):
            names.append(d.name)
            if d.level in ("province", "city", "county"):
                names.append(d.short)
    names += _train_texts(export, splits, "PLACE")
    return _patterns("PLACE", names)


@registry.misc("policy_nlp.programme_patterns.v1")
def programme_patterns(export: str | None = None, splits: str | None = None) -> list[dict]:
    return _patterns("PROGRAMME", _train_texts(export, splits, "PROGRAMME"))
