"""``document_county``: the county a document is about, worked out once for every component.

A caller that knows it sets ``doc._.county`` (a name such as 闻喜县 or 闻喜, or a 6-digit
code) before the pipeline runs. Otherwise the county (or county-level city) named most
often in the text, at least ``min_mentions`` times and never ambiguously, is taken. The
result, a code or ``""``, is ``doc._.county_code``; ``place_rules`` and ``place_linker``
read it to resolve short names of towns and villages.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import ahocorasick
import srsly
from spacy.language import Language
from spacy.tokens import Doc

from ..place_names import division_entries

Doc.set_extension("county", default=None, force=True)
Doc.set_extension("county_code", default="", force=True)


def county_index() -> dict[str, str]:
    """County and city names (official and short, two characters or more) → code, unambiguous ones only."""
    codes: dict[str, set[str]] = {}
    for name, level, code, _parents, _parent_codes, short in division_entries(towns=False):
        if level in ("city", "county"):
            for key in {name, short} - {""}:
                codes.setdefault(key, set()).add(code)
    return {key: next(iter(found)) for key, found in codes.items() if len(found) == 1 and len(key) >= 2}


class DocumentCounty:
    def __init__(self, name: str, min_mentions: int):
        self.name = name
        self.min_mentions = min_mentions
        self.codes: dict[str, str] = {}
        self._automaton: ahocorasick.Automaton | None = None

    def initialize(self, get_examples=None, nlp=None) -> None:
        self._set_codes(county_index())

    def _set_codes(self, codes: dict[str, str]) -> None:
        self.codes = dict(codes)
        self._automaton = ahocorasick.Automaton()
        for key, code in self.codes.items():
            if len(key) >= 3:  # full names only when counting mentions in running text
                self._automaton.add_word(key, code)
        self._automaton.make_automaton()

    def code_of(self, value: str | None) -> str:
        """The code of a county given by name or code (``""`` when unknown)."""
        if not value:
            return ""
        value = str(value).strip()
        return value if value.isdigit() else self.codes.get(value, "")

    def infer(self, text: str) -> str:
        if self._automaton is None or not len(self._automaton):
            return ""
        counts = Counter(code for _end, code in self._automaton.iter_long(text))
        if not counts:
            return ""
        (code, n), *rest = counts.most_common(2)
        return code if n >= self.min_mentions and (not rest or rest[0][1] < n) else ""

    def __call__(self, doc: Doc) -> Doc:
        doc._.county_code = self.code_of(doc._.county) or self.infer(doc.text)
        return doc

    def to_disk(self, path, exclude=()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_msgpack(path / "counties.msgpack", self.codes)

    def from_disk(self, path, exclude=()) -> DocumentCounty:
        self._set_codes(srsly.read_msgpack(Path(path) / "counties.msgpack"))
        return self


@Language.factory("document_county", assigns=["doc._.county_code"], default_config={"min_mentions": 2})
def make_document_county(nlp: Language, name: str, min_mentions: int) -> DocumentCounty:
    return DocumentCounty(name, min_mentions)
