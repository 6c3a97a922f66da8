"""Quote-aware programme rules: names in quotation marks that the context makes programmes.

Runs after ``ner`` and only fills gaps. Every quoted string of at most ``max_chars``
characters is a candidate, found as ``numbered`` when it holds a numeral (“六稳”, “三个一批”,
“1146”, “四为四高两同步”) and as ``quoted`` otherwise (“冬季行动”, “先诊疗后付费”); so is, as
``named``, an unquoted name with a programme's head word after a verb that starts work
(实施百亿斤粮食产能提升工程, 深入开展企业年金扩围行动: see :data:`NAMED`). A
candidate becomes a PROGRAMME, without the quotation marks, when the context model of
:mod:`nlp.components.span_context`, fitted at ``initialize`` on the train split, gives it a
probability of at least ``threshold``: that is how “六稳” is kept and the ideological
formula “四个意识” is not. Without train examples, numbered formulas are kept and other
quoted strings are not. The span must fall on token boundaries; otherwise it is skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import srsly
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import filter_spans

from ..annotations import SentenceAnnotation
from .span_context import ContextModel, context_features, fit_context_model

NUMERALS = "一二三四五六七八九十百千万两双0-9"
# A verb that starts work, then a name (no punctuation, at most 24 characters) ending in a
# programme's head word: 实施 + 自然保护区建设提升工程.
NAMED = re.compile(r"(?:实施|开展|推进|深化|落实|启动|打好|抓好|推行|深入实施|统筹实施|组织实施)(?:新一轮|第[一二三四五六七八九十]+轮)?"
                   r"([^，。,、；;：:“”\"《》（）()\s]{2,24}?(?:专项行动|行动计划|行动|工程|计划|战略|战役|试点|改革|会战|攻坚战))")
UNTRAINED = ContextModel(weights={"kind=quoted": -2.0, "kind=named": -2.0}, bias=1.0)


class ProgrammeRules:
    def __init__(self, name: str, max_chars: int, threshold: float):
        self.name = name
        self.max_chars = max_chars
        self.threshold = threshold
        self.pattern = re.compile(rf"[“\"]([^“”\"]{{1,{max_chars}}})[”\"]")
        self.numeral = re.compile(rf"[{NUMERALS}]")
        self.context = ContextModel(dict(UNTRAINED.weights), UNTRAINED.bias)

    def initialize(self, get_examples=None, nlp=None, export: str | None = None, splits: str | None = None,
                   fraction: float = 1.0, fraction_seed: int = 0):
        from ..training.reader import read_train_split

        train = read_train_split(export, splits, fraction, fraction_seed)
        self.context = fit_context_model(self.context_samples(train), UNTRAINED)

    def candidates(self, text: str) -> list[tuple[int, int, str]]:
        """Quoted strings without their quotation marks, and named programmes after a verb, as
        ``(start, end, kind)``."""
        found = [(m.start(1), m.end(1), "numbered" if self.numeral.search(m.group(1)) else "quoted")
                 for m in self.pattern.finditer(text)]
        return found + [(m.start(1), m.end(1), "named") for m in NAMED.finditer(text)]

    def context_samples(self, annotations: list[SentenceAnnotation]) -> list[tuple[list[str], bool]]:
        """``(features, marked)`` for every candidate in the annotated sentences."""
        samples = []
        for a in annotations:
            marked = {(s.start, s.end) for s in a.spans if s.label == "PROGRAMME"}
            for start, end, kind in self.candidates(a.text):
                samples.append((context_features(a.text, start, end, kind), (start, end) in marked))
        return samples

    def __call__(self, doc: Doc) -> Doc:
        taken = {i for ent in doc.ents for i in range(ent.start, ent.end)}
        found = []
        text = doc.text
        for start, end, kind in self.candidates(text):
            span = doc.char_span(start, end, label="PROGRAMME")
            if span is None or taken.intersection(range(span.start, span.end)):
                continue
            if self.context.probability(context_features(text, start, end, kind)) >= self.threshold:
                found.append(span)
        if found:
            doc.ents = filter_spans(list(doc.ents) + found)
        return doc

    def to_disk(self, path, exclude=()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_msgpack(path / "context.msgpack", self.context.to_dict())

    def from_disk(self, path, exclude=()) -> ProgrammeRules:
        self.context = ContextModel.from_dict(srsly.read_msgpack(Path(path) / "context.msgpack"))
        return self


@Language.factory("programme_rules", requires=["doc.ents"], assigns=["doc.ents"],
                  default_config={"max_chars": 12, "threshold": 0.5})
def make_programme_rules(nlp: Language, name: str, max_chars: int, threshold: float) -> ProgrammeRules:
    return ProgrammeRules(name, max_chars, threshold)
