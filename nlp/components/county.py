"""``document_county``: the county a document is about, worked out once for every component.

A caller that knows it sets ``doc._.county`` (a name such as 闻喜县 or 闻喜, or a 6-digit
code) before the pipeline runs. Otherwise the county (or county-level city) or the city
named most often in the text, at least ``min_mentions`` times and never ambiguously, is
taken. A city's report names several of its counties, a county's report mostly itself: when
the counties of the same city other than the most named one are named at least a third as
often as it, the document is about that city. The result, a code or ``""``, is
``doc._.county_code``; ``place_rules`` and ``place_linker`` read it to resolve short names of
towns and villages (a city's code resolves none, and links places inside the city).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import ahocorasick
import srsly
from spacy.language import Language
from spacy.tokens import Doc

from ..place_names import COMMON_WORD_SHORT_NAMES, GENERIC_DIVISIONS, division_entries

Doc.set_extension("county", default=None, force=True)
Doc.set_extension("county_code", default="", force=True)


def county_cities() -> dict[str, str]:
    """County code → the code of its city."""
    return {code: parent_codes[0] for _name, level, code, _parents, parent_codes, _short
            in division_entries(towns=False) if level == "county" and len(parent_codes) >= 2}


def county_index() -> dict[str, str]:
    """County and city names (official and short, two characters or more) → code, unambiguous ones
    only; without the zones whose names many reports use as common words (工业园区, 保税区) and
    short names that are common words (石门, 桃源)."""
    codes: dict[str, set[str]] = {}
    for name, level, code, _parents, _parent_codes, short in division_entries(towns=False):
        if level in ("city", "county") and code and not name.endswith(GENERIC_DIVISIONS):
            for key in {name, short} - {"", *COMMON_WORD_SHORT_NAMES}:
                codes.setdefault(key, set()).add(code)
    return {key: next(iter(found)) for key, found in codes.items() if len(found) == 1 and len(key) >= 2}


class DocumentCounty:
    def __init__(self, name: str, min_mentions: int):
        self.name = name
        self.min_mentions = min_mentions
        self.codes: dict[str, str] = {}
        self.cities: dict[str, str] = {}  # county code → city code
        self._automaton: ahocorasick.Automaton | None = None

    def initialize(self, get_examples=None, nlp=None) -> None:
        self._set_codes(county_index(), county_cities())

    def _set_codes(self, codes: dict[str, str], cities: dict[str, str]) -> None:
        self.codes = dict(codes)
        self.cities = dict(cities)
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
        counties = [(code, n) for code, n in counts.most_common() if code in self.cities]
        if counties:
            (county, n), *others = counties
            city = self.cities[county]
            siblings = sum(m for other, m in others if self.cities[other] == city)
            if siblings and 3 * siblings >= n:  # a city's report
                return city if n + siblings + counts[city] >= self.min_mentions else ""
        (code, n), *rest = counts.most_common(2)
        return code if n >= self.min_mentions and (not rest or rest[0][1] < n) else ""

    def __call__(self, doc: Doc) -> Doc:
        doc._.county_code = self.code_of(doc._.county) or self.infer(doc.text)
        return doc

    def to_disk(self, path, exclude=()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_msgpack(path / "counties.msgpack", {"codes": self.codes, "cities": self.cities})

    def from_disk(self, path, exclude=()) -> DocumentCounty:
        data = srsly.read_msgpack(Path(path) / "counties.msgpack")
        self._set_codes(data["codes"], data["cities"])
        return self


@Language.factory("document_county", assigns=["doc._.county_code"], default_config={"min_mentions": 2})
def make_document_county(nlp: Language, name: str, min_mentions: int) -> DocumentCounty:
    return DocumentCounty(name, min_mentions)
