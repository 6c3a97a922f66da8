"""Gazetteer place rules: mark known place names the statistical ``ner`` missed.

Runs after ``ner`` and only fills gaps (tokens already in an entity are left alone). The
names, built at ``initialize``, are

* everywhere: the gazetteer's provinces, and the cities, counties and towns (镇, 乡) of the
  configured provinces, with the short names of cities and counties (generic district
  names such as 城区 or 示范区 excepted), plus the PLACE texts of the train split that
  annotators marked in at least half of the train sentences containing them;
* in a document about one county (``doc._.county``, or the county named most often):
  also that county's towns without their suffix (上郭 for 上郭乡) and its villages.

A match is skipped where the schema says a place is not marked:

* inside a title, brand or programme: directly after 《 or “, or directly before 》 or ”;
* inside the name of a body, school or organisation: the next token starts with one of
  ``ORGANISATION_HEADS`` (县委, 人民政府, 一中, 农商, 第 …).

Names are matched on whole tokens, so a name glued into a longer token is never split.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import srsly
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from ..gazetteer import load_divisions
from ..studio.annotations import ExportReport

ORGANISATION_HEADS = (
    "县委", "市委", "区委", "委", "人民", "政府", "人大", "政协", "第", "国民经济", "一中", "二中", "三中",
    "中学", "小学", "幼儿园", "大学", "学院", "医院", "农商", "银行", "公司", "集团", "日报", "电视台",
    "融媒", "海关", "公安", "法院", "检察院", "农大", "师范",
)
GENERIC_DIVISIONS = ("城区", "郊区", "矿区", "新区", "开发区", "示范区", "高新区", "园区", "管委会")
OPENERS = ("《", "“", "\"", "「")
CLOSERS = ("》", "”", "\"", "」", "·")
TokenizedName = tuple[str, ...]


def gazetteer_place_names(provinces: Iterable[str]) -> tuple[list[str], dict[str, str], dict[str, list[str]]]:
    """Names valid everywhere, the county code of each county name, and local names per county."""
    wanted = set(provinces)
    names: list[str] = []
    counties: dict[str, str] = {}
    local: dict[str, list[str]] = {}
    for d in load_divisions():
        in_scope = bool(d.parents) and d.parents[-1] in wanted
        if d.level == "province":
            names += [d.name, d.short]
        elif d.level in ("city", "county") and in_scope and not d.name.endswith(GENERIC_DIVISIONS):
            names += [d.name, d.short]
            if d.level == "county":
                counties[d.name] = counties[d.short] = d.code
        elif d.level == "town" and in_scope and d.name.endswith(("镇", "乡")):
            names.append(d.name)
            local.setdefault(d.county_code, []).append(d.name[:-1])
        elif d.level == "village" and in_scope:
            local.setdefault(d.county_code, []).append(d.name)
    return names, counties, local


def train_place_names(export: str | None, splits: str | None, min_ratio: float = 0.5) -> list[str]:
    """PLACE texts of the train split marked in at least ``min_ratio`` of their occurrences."""
    if not export:
        return []
    from ..training.reader import read_split

    annotations = read_split(Path(export), "train", Path(splits) if splits else None, ExportReport())
    marked = Counter(a.text[s.start:s.end] for a in annotations for s in a.spans if s.label == "PLACE")
    seen = Counter()
    for a in annotations:
        for name in marked:
            seen[name] += a.text.count(name)
    return [name for name, count in marked.items() if count >= min_ratio * seen[name]]


class PlaceRules:
    def __init__(self, nlp: Language, name: str, provinces: list[str]):
        self.nlp = nlp
        self.name = name
        self.provinces = list(provinces)
        self.names: list[list[str]] = []  # each name as its tokens
        self.counties: dict[str, str] = {}
        self.local: dict[str, list[list[str]]] = {}
        self.matcher = PhraseMatcher(nlp.vocab)
        self._local_matchers: dict[str, PhraseMatcher] = {}

    def initialize(self, get_examples=None, nlp=None, export: str | None = None, splits: str | None = None):
        names, counties, local = gazetteer_place_names(self.provinces)
        names += train_place_names(export, splits)
        self._set_names(self._tokenize(names), counties,
                        {code: self._tokenize(county_names) for code, county_names in local.items()})

    def _tokenize(self, names: Iterable[str]) -> list[TokenizedName]:
        """Names (two characters or more) as token tuples, tokenized once, at initialize."""
        unique = sorted({n for n in names if len(n) >= 2})
        return [tuple(t.text for t in doc) for doc in self.nlp.tokenizer.pipe(unique)]

    def _patterns(self, names: list[TokenizedName]) -> list[Doc]:
        return [Doc(self.nlp.vocab, words=list(words), spaces=[False] * len(words)) for words in names]

    def _set_names(self, names: Iterable[Iterable[str]], counties: dict[str, str],
                   local: dict[str, Iterable[Iterable[str]]]) -> None:
        # Tuples of strings: the garbage collector stops tracking them (see places.Entry).
        self.names = [tuple(name) for name in names]
        self.counties = counties
        self.local = {code: [tuple(name) for name in county_names] for code, county_names in local.items()}
        self.matcher = PhraseMatcher(self.nlp.vocab)
        self.matcher.add("PLACE", self._patterns(self.names))
        self._local_matchers = {}

    def _local_matcher(self, county: str) -> PhraseMatcher:
        if county not in self._local_matchers:
            matcher = PhraseMatcher(self.nlp.vocab)
            matcher.add("PLACE", self._patterns(self.local.get(county, [])))
            self._local_matchers[county] = matcher
        return self._local_matchers[county]

    def _county(self, doc: Doc, spans: list[Span]) -> str:
        given = doc._.county
        if given:
            return given if given.isdigit() else self.counties.get(given, "")
        named = Counter(self.counties[s.text] for s in spans if s.text in self.counties)
        return named.most_common(1)[0][0] if named else ""

    def _excluded(self, doc: Doc, text: str, start: int, end: int) -> bool:
        span = doc[start:end]
        before = text[span.start_char - 1] if span.start_char else ""
        after = text[span.end_char] if span.end_char < len(text) else ""
        if before in OPENERS or after in CLOSERS:
            return True
        return end < len(doc) and doc[end].text.startswith(ORGANISATION_HEADS)

    def __call__(self, doc: Doc) -> Doc:
        taken = {i for ent in doc.ents for i in range(ent.start, ent.end)}
        matches = [Span(doc, start, end, label="PLACE") for _, start, end in self.matcher(doc)]
        county = self._county(doc, matches + [e for e in doc.ents if e.label_ == "PLACE"])
        if county:
            matches += [Span(doc, start, end, label="PLACE") for _, start, end in self._local_matcher(county)(doc)]
        text = doc.text
        found = [s for s in matches
                 if not taken.intersection(range(s.start, s.end)) and not self._excluded(doc, text, s.start, s.end)]
        if found:
            doc.ents = filter_spans(list(doc.ents) + filter_spans(found))
        return doc

    def to_disk(self, path, exclude=()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_msgpack(path / "names.msgpack", {"provinces": self.provinces, "names": self.names,
                                                     "counties": self.counties, "local": self.local})

    def from_disk(self, path, exclude=()) -> PlaceRules:
        data = srsly.read_msgpack(Path(path) / "names.msgpack", use_list=False)  # arrays as tuples
        self.provinces = list(data["provinces"])
        self._set_names(data["names"], data["counties"], data["local"])
        return self


@Language.factory("place_rules", requires=["doc.ents"], assigns=["doc.ents"],
                  default_config={"provinces": ["山西省"]})
def make_place_rules(nlp: Language, name: str, provinces: list[str]) -> PlaceRules:
    return PlaceRules(nlp, name, provinces)
