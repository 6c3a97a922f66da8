"""Gazetteer place rules: mark known place names the statistical ``ner`` missed.

Runs after ``ner`` and ``document_county`` and only fills gaps (characters already in an
entity are left alone). The names (:mod:`nlp.place_names`), built at ``initialize``, are

* everywhere: provinces, cities, counties and towns (镇, 乡) of the whole country (or of
  ``provinces`` for towns, when given), with the short names of provinces, cities,
  counties and countries (generic district names and common words such as 惠民 excepted);
  former names; foreign countries and cities; macro-regions; rivers, lakes and mountains;
  plus the PLACE texts of the train split that annotators marked in at least half of the
  train sentences containing them;
* in a document about one county (``doc._.county_code``): also that county's towns
  without their suffix (上郭 for 上郭乡) and its villages.

Names are found in the characters of the text, not in its tokens, so the segmenter's cuts
do not matter: when a name starts or ends inside a token, the token is split at the
name's boundary. A name inside a longer token is taken only when it is three characters or
more, or when the rest of the token is a bound word such as 驻 (驻稷) or 段 (朔州段), so that
common words containing a short name (长治久安) are left alone.

A match is skipped where the schema says a place is not marked:

* inside a title, brand or programme: directly after 《 or “, or directly before 》 or ”;
* inside the name of a body, school or organisation: the text goes on with one of
  ``ORGANISATION_HEADS`` (县委, 人民政府, 一中, 农商, 第 …).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import ahocorasick
import srsly
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from ..place_names import matchable_names, place_entries, town_stems, village_names
from ..studio.annotations import ExportReport

ORGANISATION_HEADS = (
    "县委", "市委", "区委", "省委", "委", "人民", "政府", "人大", "政协", "第", "国民经济", "一中", "二中", "三中",
    "中学", "小学", "幼儿园", "大学", "学院", "医院", "农商", "银行", "公司", "集团", "日报", "电视台",
    "融媒", "海关", "公安", "法院", "检察院", "农大", "师范", "党委", "分行", "支行", "研究院", "实验室",
)
OPENERS = ("《", "“", "\"", "「")
CLOSERS = ("》", "”", "\"", "」", "·")
# What may stand next to a place name inside one token: 驻稷, 来文, 援鄂, 朔州段, 县境.
BOUND_BEFORE = ("驻", "来", "援", "赴", "在", "至", "到", "经", "从", "入", "出", "返", "回", "离", "抵", "全", "和", "与", "及", "、")
BOUND_AFTER = ("段", "境", "籍", "域", "内", "外", "时", "和", "与", "及", "等", "、", "的", "人", "籍")
MIN_CHARS_INSIDE_TOKEN = 3


def _automaton(names: Iterable[str]) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for name in names:
        automaton.add_word(name, len(name))
    automaton.make_automaton()
    return automaton


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
    def __init__(self, nlp: Language, name: str, provinces: list[str] | None):
        self.nlp = nlp
        self.name = name
        self.provinces = list(provinces or [])
        self.names: tuple[str, ...] = ()
        self.local: dict[str, str] = {}  # county code → its local names, tab-separated
        self._global = _automaton(())
        self._local_automata: dict[str, ahocorasick.Automaton] = {}

    def initialize(self, get_examples=None, nlp=None, export: str | None = None, splits: str | None = None):
        entries = place_entries(tuple(self.provinces) or None)
        names = matchable_names(entries) + train_place_names(export, splits)
        local = {code: "\t".join(stems) for code, stems in town_stems(entries).items()}
        for code, villages in village_names(self.provinces or None).items():
            local[code] = f"{local[code]}\t{villages}" if code in local else villages
        self._set_names(names, local)

    def _set_names(self, names: Iterable[str], local: dict[str, str]) -> None:
        self.names = tuple(sorted({n for n in names if len(n) >= 2}))
        self.local = dict(local)
        self._global = _automaton(self.names)
        self._local_automata = {}

    def _local_automaton(self, county: str) -> ahocorasick.Automaton | None:
        if county not in self.local:
            return None
        if county not in self._local_automata:
            names = {n for n in self.local[county].split("\t") if len(n) >= 2}
            self._local_automata[county] = _automaton(names)
        return self._local_automata[county]

    @staticmethod
    def _matches(automaton: ahocorasick.Automaton | None, text: str) -> list[tuple[int, int]]:
        if automaton is None or not len(automaton):
            return []
        return [(end + 1 - length, end + 1) for end, length in automaton.iter_long(text)]

    def _excluded(self, text: str, start: int, end: int) -> bool:
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        return before in OPENERS or after in CLOSERS or text.startswith(ORGANISATION_HEADS, end)

    @staticmethod
    def _fits_tokens(doc: Doc, token_starts: dict[int, int], token_ends: dict[int, int], start: int, end: int) -> bool:
        """Whether a name that cuts into tokens may be split out of them."""
        if end - start >= MIN_CHARS_INSIDE_TOKEN:
            return True
        if start not in token_starts:
            token = doc[doc.char_span(start, start + 1, alignment_mode="expand").start]
            if doc.text[token.idx:start] not in BOUND_BEFORE:
                return False
        if end not in token_ends:
            token = doc[doc.char_span(end - 1, end, alignment_mode="expand").start]
            if doc.text[end:token.idx + len(token.text)] not in BOUND_AFTER:
                return False
        return True

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        matches = self._matches(self._global, text)
        county = doc._.county_code
        if county:
            matches += self._matches(self._local_automaton(county), text)
        if not matches:
            return doc
        taken = {i for ent in doc.ents for i in range(ent.start_char, ent.end_char)}
        token_starts = {t.idx: t.i for t in doc}
        token_ends = {t.idx + len(t.text): t.i for t in doc}
        found = []
        for start, end in sorted(set(matches), key=lambda m: (m[0], -m[1])):
            if taken.intersection(range(start, end)) or self._excluded(text, start, end):
                continue
            if (start not in token_starts or end not in token_ends) and not self._fits_tokens(
                    doc, token_starts, token_ends, start, end):
                continue
            found.append((start, end))
            taken.update(range(start, end))
        if not found:
            return doc
        _split_tokens_at(doc, {b for span in found for b in span})
        spans = [doc.char_span(start, end, label="PLACE") for start, end in found]
        doc.ents = filter_spans(list(doc.ents) + [s for s in spans if s is not None])
        return doc

    def to_disk(self, path, exclude=()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_msgpack(path / "names.msgpack", {"provinces": self.provinces, "names": self.names,
                                                     "local": self.local})

    def from_disk(self, path, exclude=()) -> PlaceRules:
        data = srsly.read_msgpack(Path(path) / "names.msgpack", use_list=False)  # arrays as tuples
        self.provinces = list(data["provinces"])
        self._set_names(data["names"], data["local"])
        return self


def _split_tokens_at(doc: Doc, boundaries: set[int]) -> None:
    """Split every token that a character offset in ``boundaries`` falls inside."""
    cuts = []
    for token in doc:
        inner = sorted(b - token.idx for b in boundaries if token.idx < b < token.idx + len(token.text))
        if inner:
            pieces = [token.text[i:j] for i, j in zip([0, *inner], [*inner, len(token.text)])]
            cuts.append((token.i, pieces))
    if not cuts:
        return
    with doc.retokenize() as retokenizer:
        for i, pieces in cuts:
            token = doc[i]
            retokenizer.split(token, pieces, heads=[(token, k) for k in range(len(pieces))])


@Language.factory("place_rules", requires=["doc.ents"], assigns=["doc.ents"], default_config={"provinces": []})
def make_place_rules(nlp: Language, name: str, provinces: list[str]) -> PlaceRules:
    return PlaceRules(nlp, name, provinces)
