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

* inside a title, brand or programme: directly after 《, “ or ·, or directly before 》 or ”,
  or after the prefix of a local edition of a national programme (平安, 健康, 法治 …);
* inside the name of a body, organisation, facility, zone or event, or of a fixed term: the
  text goes on with one of ``ORGANISATION_HEADS`` (县委, 人民政府, 集团, 试验区, 论坛, 特色 …).

Gazetteer names that the train split's annotators rarely mark where they occur (中国, as
in 中国特色) are left out at ``initialize``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path

import ahocorasick
import numpy
import srsly
from spacy.language import Language
from spacy.tokens import Doc

from ..annotations import ExportReport, SentenceAnnotation
from ..place_names import (
    find_names,
    matchable_names,
    name_automaton,
    place_entries,
    town_stems,
    village_names,
)

ORGANISATION_HEADS = (
    "县委", "市委", "区委", "省委", "委", "人民政府", "人民代表", "人民法院", "人民检察", "人民医院", "政府",
    "人大", "政协", "第", "国民经济", "一中", "二中", "三中",
    "中学", "小学", "幼儿园", "大学", "学院", "医院", "农商", "银行", "公司", "集团", "日报", "电视台",
    "融媒", "海关", "公安", "法院", "检察院", "农大", "师范", "党委", "分行", "支行", "研究院", "实验室",
    "控股", "股份", "投资", "交易中心", "中心", "论坛", "峰会", "博览会", "交易会", "推介会", "大会",
    "试验区", "示范区", "开发区", "高新区", "经开区", "保税", "综合保税", "自贸", "自由贸易", "新城", "商城",
    "产业园", "工业园", "机场", "大桥", "公园", "景区", "特色", "式现代化", "共产党", "精神", "模式", "经验",
)
OPENERS = ("《", "“", "\"", "「", "·")
# Local editions of national programmes: the place inside is not marked (平安保定, 健康闻喜).
PROGRAMME_PREFIXES = ("平安", "健康", "法治", "书香", "信用", "美丽中国")
CLOSERS = ("》", "”", "\"", "」", "·")
# What may stand next to a place name inside one token: 驻稷, 来文, 援鄂, 朔州段, 县境.
BOUND_BEFORE = ("驻", "来", "援", "赴", "在", "至", "到", "经", "从", "入", "出", "返", "回", "离", "抵", "全", "和", "与", "及", "、")
BOUND_AFTER = ("段", "境", "籍", "域", "内", "外", "时", "和", "与", "及", "等", "、", "的", "人")
MIN_CHARS_INSIDE_TOKEN = 3


def excluded(text: str, start: int, end: int) -> bool:
    """Whether the schema leaves the name at ``text[start:end]`` unmarked (see the module doc)."""
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    return (before in OPENERS or after in CLOSERS or text.startswith(ORGANISATION_HEADS, end)
            or text.endswith(PROGRAMME_PREFIXES, 0, start))


def train_place_names(annotations: list[SentenceAnnotation], min_ratio: float = 0.5) -> list[str]:
    """PLACE texts of the train annotations marked in at least ``min_ratio`` of their occurrences."""
    marked = Counter(a.text[s.start:s.end] for a in annotations for s in a.spans if s.label == "PLACE")
    seen = Counter()
    for a in annotations:
        for name in marked:
            seen[name] += a.text.count(name)
    return [name for name, count in marked.items() if count >= min_ratio * seen[name]]


def rarely_marked_names(annotations: list[SentenceAnnotation], names: Iterable[str], min_seen: int = 3,
                        max_ratio: float = 0.3) -> set[str]:
    """Of ``names``, those the train annotators marked in fewer than ``max_ratio`` of their
    (at least ``min_seen``) occurrences where the rules would mark them: 中国 stands mostly
    in 中国特色 and 中国式现代化."""
    automaton = name_automaton(names)
    seen, marked = Counter(), Counter()
    for a in annotations:
        spans = {(s.start, s.end) for s in a.spans if s.label == "PLACE"}
        for start, end in find_names(automaton, a.text):
            if not excluded(a.text, start, end):
                seen[a.text[start:end]] += 1
                marked[a.text[start:end]] += (start, end) in spans
    return {name for name, n in seen.items() if n >= min_seen and marked[name] < max_ratio * n}


def _train_annotations(export: str | None, splits: str | None, fraction: float,
                       fraction_seed: int) -> list[SentenceAnnotation]:
    if not export:
        return []
    from ..training.reader import read_split

    return read_split(Path(export), "train", Path(splits) if splits else None, ExportReport(), fraction,
                      fraction_seed)


class PlaceRules:
    def __init__(self, nlp: Language, name: str, provinces: list[str] | None):
        self.nlp = nlp
        self.name = name
        self.provinces = list(provinces or [])
        self.names: tuple[str, ...] = ()
        self.local: dict[str, str] = {}  # county code → its local names, tab-separated
        self._global = name_automaton(())
        self._local_automata: dict[str, ahocorasick.Automaton] = {}

    def initialize(self, get_examples=None, nlp=None, export: str | None = None, splits: str | None = None,
                   fraction: float = 1.0, fraction_seed: int = 0):
        entries = place_entries(tuple(self.provinces) or None)
        train = _train_annotations(export, splits, fraction, fraction_seed)
        gazetteer = matchable_names(entries)
        names = (set(gazetteer) - rarely_marked_names(train, gazetteer)) | set(train_place_names(train))
        local = {code: "\t".join(stems) for code, stems in town_stems(entries).items()}
        for code, villages in village_names(self.provinces or None).items():
            local[code] = f"{local[code]}\t{villages}" if code in local else villages
        self._set_names(names, local)

    def _set_names(self, names: Iterable[str], local: dict[str, str]) -> None:
        self.names = tuple(sorted({n for n in names if len(n) >= 2}))
        self.local = dict(local)
        self._global = name_automaton(self.names)
        self._local_automata = {}

    def _local_automaton(self, county: str) -> ahocorasick.Automaton | None:
        if county not in self.local:
            return None
        if county not in self._local_automata:
            names = {n for n in self.local[county].split("\t") if len(n) >= 2}
            self._local_automata[county] = name_automaton(names)
        return self._local_automata[county]

    @staticmethod
    def _fits_tokens(text: str, starts: list[int], ends: list[int], start: int, end: int) -> bool:
        """Whether a name that cuts into tokens may be split out of them."""
        if end - start >= MIN_CHARS_INSIDE_TOKEN:
            return True
        i = bisect_right(starts, start) - 1
        if starts[i] != start and text[starts[i]:start] not in BOUND_BEFORE:
            return False
        j = bisect_right(starts, end - 1) - 1
        return ends[j] == end or text[end:ends[j]] in BOUND_AFTER

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        matches = find_names(self._global, text)
        county = doc._.county_code
        if county:
            matches += find_names(self._local_automaton(county), text)
        if not matches:
            return doc
        # Token offsets and entity coverage from arrays: Token objects cost more than the matching.
        idx, lengths, iob = doc.to_array(["IDX", "LENGTH", "ENT_IOB"]).T
        starts, ends = idx.tolist(), (idx + lengths).tolist()
        taken = {c for i in numpy.flatnonzero((iob == 1) | (iob == 3)) for c in range(starts[i], ends[i])}
        boundaries = set(starts) | set(ends)
        found = []
        for start, end in sorted(set(matches), key=lambda m: (m[0], -m[1])):
            if taken.intersection(range(start, end)) or excluded(text, start, end):
                continue
            if (start not in boundaries or end not in boundaries) and not self._fits_tokens(
                    text, starts, ends, start, end):
                continue
            found.append((start, end))
            taken.update(range(start, end))
        if not found:
            return doc
        cuts = sorted({b for span in found for b in span} - boundaries)
        if cuts:
            _split_tokens_at(doc, starts, cuts)
        spans = [doc.char_span(start, end, label="PLACE") for start, end in found]
        doc.set_ents([s for s in spans if s is not None], default="unmodified")  # no overlap with ents
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


def _split_tokens_at(doc: Doc, starts: list[int], cuts: list[int]) -> None:
    """Split the tokens that the character offsets ``cuts`` (never token boundaries) fall inside."""
    inner: dict[int, list[int]] = {}
    for cut in cuts:
        i = bisect_right(starts, cut) - 1
        inner.setdefault(i, []).append(cut - starts[i])
    with doc.retokenize() as retokenizer:
        for i, offsets in inner.items():
            token = doc[i]
            bounds = [0, *offsets, len(token.text)]
            pieces = [token.text[a:b] for a, b in pairwise(bounds)]
            retokenizer.split(token, pieces, heads=[(token, k) for k in range(len(pieces))])


@Language.factory("place_rules", requires=["doc.ents"], assigns=["doc.ents"], default_config={"provinces": []})
def make_place_rules(nlp: Language, name: str, provinces: list[str]) -> PlaceRules:
    return PlaceRules(nlp, name, provinces)
