"""Quote-aware programme rules: numbered formulas in quotation marks.

Runs after ``ner`` and only fills gaps. A quoted string of at most ``max_chars``
characters that contains a numeral (“六稳”, “三个一批”, “1146”, “四为四高两同步”) is a
numbered work formula, which the schema marks as PROGRAMME without the quotation marks.
The span must fall on token boundaries; otherwise it is skipped.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import filter_spans

NUMERALS = "一二三四五六七八九十百千万两双0-9"


class ProgrammeRules:
    def __init__(self, name: str, max_chars: int):
        self.name = name
        self.max_chars = max_chars
        self.pattern = re.compile(rf"[“\"]([^“”\"]{{1,{max_chars}}})[”\"]")
        self.numeral = re.compile(rf"[{NUMERALS}]")

    def __call__(self, doc: Doc) -> Doc:
        taken = {i for ent in doc.ents for i in range(ent.start, ent.end)}
        found = []
        for match in self.pattern.finditer(doc.text):
            if not self.numeral.search(match.group(1)):
                continue
            span = doc.char_span(match.start(1), match.end(1), label="PROGRAMME")
            if span is not None and not taken.intersection(range(span.start, span.end)):
                found.append(span)
        if found:
            doc.ents = filter_spans(list(doc.ents) + found)
        return doc


@Language.factory("programme_rules", requires=["doc.ents"], assigns=["doc.ents"],
                  default_config={"max_chars": 12})
def make_programme_rules(nlp: Language, name: str, max_chars: int) -> ProgrammeRules:
    return ProgrammeRules(name, max_chars)
