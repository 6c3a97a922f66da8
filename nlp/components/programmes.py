"""Programme normalisation: a canonical name and, where the form tells, a kind.

``ent._.programme`` is the programme's name with quotation marks, brackets and spaces
removed and known variants grouped (``variants`` maps a variant to its canonical name:
放管服效 → 放管服). ``ent._.programme_kind`` is one of ``plan``, ``campaign``,
``system``, ``formula``, ``strategy`` when the name's form shows it, else ``None``:

* formula: a numbered or coded formula (六稳, 三个一批, 1146, 四为四高两同步)
* plan: five-year plans and named plans (十四五, …规划, …计划)
* campaign: battles, actions, drives, revolutions (蓝天保卫战, 冬季行动, 厕所革命)
* system: systems of responsibility, mechanisms, reforms (河长制, 证照分离改革)
* strategy: strategies and nationally named development programmes (乡村振兴战略)
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span

Span.set_extension("programme", default=None, force=True)
Span.set_extension("programme_kind", default=None, force=True)

DEFAULT_VARIANTS = {
    "放管服效": "放管服",
    "放管服改革": "放管服",
    "放管服效改革": "放管服",
    "乡村振兴战略": "乡村振兴",
    "脱贫攻坚战": "脱贫攻坚",
    "十四五规划": "十四五",
    "十三五规划": "十三五",
    "河长制": "河长制",
    "河湖长制": "河长制",
}
_STRIP = re.compile(r"[“”\"'‘’「」『』《》〈〉()（）\s]")
_NUMERAL = "一二三四五六七八九十百千两0-9"
_KIND_PATTERNS = (
    ("plan", re.compile(rf"^[十]?[{_NUMERAL}]五$|规划|计划|纲要")),
    ("campaign", re.compile(r"(保卫战|攻坚战|攻坚|行动|革命|会战|大会战|专项整治|活动|战役|工程)$|^(煤改气|煤改电|扫黑除恶|小升规)$")),
    ("system", re.compile(r"(制|制度|机制|体制|改革|办|通办|审批|分离|试点)$|\+|^放管服")),
    ("strategy", re.compile(r"(战略|振兴|发展|驱动)$")),
    ("formula", re.compile(rf"^[{_NUMERAL}]|[{_NUMERAL}][个一大项]")),
)


def canonical_programme(text: str, variants: dict[str, str]) -> str:
    name = _STRIP.sub("", text)
    return variants.get(name, name)


def programme_kind(name: str) -> str | None:
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(name):
            return kind
    return None


class ProgrammeNormaliser:
    def __init__(self, name: str, variants: dict[str, str]):
        self.name = name
        self.variants = dict(variants)

    def __call__(self, doc: Doc) -> Doc:
        for ent in doc.ents:
            if ent.label_ == "PROGRAMME":
                canonical = canonical_programme(ent.text, self.variants)
                ent._.programme = canonical
                ent._.programme_kind = programme_kind(canonical)
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in docs:
            yield self(doc)


@Language.factory(
    "programme_normaliser",
    requires=["doc.ents"],
    assigns=["span._.programme", "span._.programme_kind"],
    default_config={"variants": DEFAULT_VARIANTS},
)
def make_programme_normaliser(nlp: Language, name: str, variants: dict[str, str]) -> ProgrammeNormaliser:
    return ProgrammeNormaliser(name, variants)
