"""Gazetteer place rules: mark known place names the statistical ``ner`` missed.

Runs after ``ner`` and ``document_county`` and only fills gaps (characters already in an
entity are left alone), except that a ``ner`` place glued to a bound word loses it (驻粤
in 驻粤部队 becomes 粤, as the guidelines mark it) and a ``ner`` place where the schema marks
none (see below: 海南 in 海南控股) is removed. The names (:mod:`nlp.place_names`), built at ``initialize``, are

* everywhere: provinces, cities, counties and towns (镇, 乡) of the whole country (or of
  ``provinces`` for towns, when given), with the short names of provinces, cities,
  counties and countries (generic district names and common words such as 惠民 excepted);
  former names; foreign countries and cities; macro-regions; rivers, lakes and mountains;
  plus the PLACE texts of the train split that annotators marked in at least half of the
  train sentences containing them;
* in a document about one county (``doc._.county_code``): also that county's towns
  without their suffix (上郭 for 上郭乡) and its villages;
* one-character province abbreviations next to another one or after 驻, 来, 援 … (驻皖, 沪苏浙);
* tokens that end like a river, hill or village (涪江, 青松岭, 五家庄: :data:`LANDMARK_ENDINGS`);
* a name or abbreviation with the head word of a region after it (黄河流域, 南宁都市圈,
  武汉大都市圈, 北部湾经济区: :data:`REGION_AFTER_NAME`), judged before the name alone.

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

Every other match is kept only when :mod:`nlp.components.span_context`, a model of the
characters around a name fitted on the train split at ``initialize``, gives it a
probability of at least ``threshold`` of being marked: 西安 in 赴北京、西安、深圳等地 is
kept, 西安 in 西安国家版本馆 and 中国 in 中国特色 are not.
"""

from __future__ import annotations

import re
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

from ..annotations import SentenceAnnotation
from ..place_names import (
    find_names,
    matchable_names,
    name_automaton,
    place_entries,
    town_stems,
    village_names,
)
from .span_context import ContextModel, context_features, fit_context_model

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
# A one-character province abbreviation is a candidate only next to another one (沪苏浙皖,
# 京港) or after one of these (驻皖部队, 来晋投资, 援鄂, 在渝落地).
# A token of one to four Chinese characters and one of these endings is a candidate of its own
# (涪江, 青松岭, 五家庄, 小李村, 沙埕港): rivers, hills and villages the gazetteer lacks.
LANDMARK_ENDINGS = ("河", "江", "湖", "溪", "山", "岭", "峰", "峪", "沟", "村", "庄", "湾", "岛", "港", "澳", "水库",
                    "社区")
LANDMARK_TOKEN = re.compile("[\u4e00-\u9fff]{1,4}(?:" + "|".join(LANDMARK_ENDINGS) + ")")
# After a name, these make it a region of its own: 黄河流域, 武汉大都市圈, 北部湾经济区.
REGION_AFTER_NAME = re.compile("(?:大|现代化)?(?:流域|城市群|都市圈|经济圈|经济区)")
# Without train examples: every name is kept, no one-character abbreviation, no landmark
# token, no region.
UNTRAINED = ContextModel(weights={"kind=abbreviation": -2.0, "kind=landmark": -2.0, "kind=region": -2.0},
                         bias=1.0)
ABBREVIATION_BEFORE = ("驻", "来", "援", "赴", "在", "入", "进", "出", "返", "离", "抵", "留", "回")


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


class PlaceRules:
    def __init__(self, nlp: Language, name: str, provinces: list[str] | None, threshold: float):
        self.nlp = nlp
        self.name = name
        self.provinces = list(provinces or [])
        self.threshold = threshold
        self.names: tuple[str, ...] = ()
        self._known: frozenset[str] = frozenset()
        self.abbreviations = ""
        self._abbreviation_pattern: re.Pattern | None = None
        self.local: dict[str, str] = {}  # county code → its local names, tab-separated
        self.context = ContextModel(dict(UNTRAINED.weights), UNTRAINED.bias)
        self._global = name_automaton(())
        self._local_automata: dict[str, ahocorasick.Automaton] = {}

    def initialize(self, get_examples=None, nlp=None, export: str | None = None, splits: str | None = None,
                   fraction: float = 1.0, fraction_seed: int = 0):
        entries = place_entries(tuple(self.provinces) or None)
        from ..training.reader import read_train_split

        train = read_train_split(export, splits, fraction, fraction_seed)
        local = {code: "\t".join(stems) for code, stems in town_stems(entries).items()}
        for code, villages in village_names(self.provinces or None).items():
            local[code] = f"{local[code]}\t{villages}" if code in local else villages
        self._set_names(set(matchable_names(entries)) | set(train_place_names(train)), local)
        self._set_abbreviations("".join(sorted({e[0] for e in entries if len(e[0]) == 1})))
        self.context = fit_context_model(self.context_samples(train), UNTRAINED)

    def context_samples(self, annotations: list[SentenceAnnotation]) -> list[tuple[list[str], bool]]:
        """``(features, marked)`` for every match the rules would judge in the annotated sentences."""
        samples = []
        docs = self.nlp.tokenizer.pipe(a.text for a in annotations)
        for a, doc in zip(annotations, docs):
            marked = {(s.start, s.end) for s in a.spans if s.label == "PLACE"}
            taken: set[int] = set()
            tokens = [(token.idx, token.idx + len(token)) for token in doc]
            for start, end, kind in self._matches(a.text, str(a.meta.get("place_code") or ""), tokens):
                if taken.intersection(range(start, end)) or excluded(a.text, start, end):
                    continue
                taken.update(range(start, end))
                samples.append((context_features(a.text, start, end, kind), (start, end) in marked))
        return samples

    def _set_names(self, names: Iterable[str], local: dict[str, str]) -> None:
        self.names = tuple(sorted({n for n in names if len(n) >= 2}))
        self._known = frozenset(self.names)
        self.local = dict(local)
        self._global = name_automaton(self.names)
        self._local_automata = {}

    def _set_abbreviations(self, abbreviations: str) -> None:
        self.abbreviations = abbreviations
        chars = re.escape(abbreviations)
        before = re.escape("".join(ABBREVIATION_BEFORE))
        self._abbreviation_pattern = (re.compile(f"(?<=[{before}{chars}])[{chars}]|[{chars}](?=[{chars}])")
                                      if abbreviations else None)

    def _local_automaton(self, county: str) -> ahocorasick.Automaton | None:
        if county not in self.local:
            return None
        if county not in self._local_automata:
            names = {n for n in self.local[county].split("\t") if len(n) >= 2}
            self._local_automata[county] = name_automaton(names)
        return self._local_automata[county]

    def _matches(self, text: str, county: str, tokens: Iterable[tuple[int, int]]) -> list[tuple[int, int, str]]:
        """Every candidate in ``text`` as ``(start, end, kind)``, leftmost and longest first; the
        kind is ``name`` (a name of the whole country), ``local`` (a name of the county),
        ``abbreviation`` (a one-character province abbreviation), ``landmark`` (a token
        ending like a river, hill or village, see :data:`LANDMARK_ENDINGS`) or ``region`` (a
        name or abbreviation and the head word of a region, see :data:`REGION_AFTER_NAME`)."""
        matches = {(start, end, "name") for start, end in find_names(self._global, text)}
        matches.update((start, end, "landmark") for start, end in tokens
                       if LANDMARK_TOKEN.fullmatch(text, start, end))
        if county:
            matches.update((start, end, "local") for start, end in find_names(self._local_automaton(county), text))
        if self._abbreviation_pattern:
            matches.update((m.start(), m.end(), "abbreviation") for m in self._abbreviation_pattern.finditer(text))
        regions = {(start, region.end(), "region") for start, end, kind in matches if kind in ("name", "abbreviation")
                   and (region := REGION_AFTER_NAME.match(text, end))}
        return sorted(matches | regions, key=lambda m: (m[0], -m[1]))

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

    def _glued(self, doc: Doc) -> list[tuple[int, int]]:
        """``ner`` places glued to a bound word (驻粤 in 驻粤部队, 援鄂), as offsets of the bound word."""
        return [(ent.start_char, ent.start_char + 1) for ent in doc.ents
                if ent.label_ == "PLACE" and len(ent.text) > 1 and ent.text[0] in ABBREVIATION_BEFORE
                and ent.text not in self._known
                and (ent.text[1:] in self._known or ent.text[1:] in self.abbreviations)]

    def _unglue(self, doc: Doc, glued: list[tuple[int, int]]) -> None:
        """Cut the bound words off their places: 驻粤 → 驻 + the place 粤."""
        starts = [token.idx for token in doc]
        cuts = [end for _start, end in glued if end not in starts]
        if cuts:
            _split_tokens_at(doc, starts, cuts)
        bound = {start for start, _end in glued}
        ents = []
        for ent in doc.ents:
            if ent.start_char in bound:
                ent = doc.char_span(ent.start_char + 1, ent.end_char, label=ent.label_)
            ents.append(ent)
        doc.ents = ents

    def __call__(self, doc: Doc) -> Doc:
        glued = self._glued(doc)
        if glued:
            self._unglue(doc, glued)
        text = doc.text
        ents = doc.ents
        marked = [ent for ent in ents if not (ent.label_ == "PLACE" and excluded(text, ent.start_char, ent.end_char))]
        if len(marked) < len(ents):
            doc.ents = marked
        # Token offsets and entity coverage from arrays: Token objects cost more than the matching.
        idx, lengths, iob = doc.to_array(["IDX", "LENGTH", "ENT_IOB"]).T
        starts, ends = idx.tolist(), (idx + lengths).tolist()
        matches = self._matches(text, doc._.county_code, zip(starts, ends))
        if not matches:
            return doc
        taken = {c for i in numpy.flatnonzero((iob == 1) | (iob == 3)) for c in range(starts[i], ends[i])}
        boundaries = set(starts) | set(ends)
        found = []
        for start, end, kind in matches:
            if taken.intersection(range(start, end)) or excluded(text, start, end):
                continue
            if (kind != "abbreviation" and (start not in boundaries or end not in boundaries)
                    and not self._fits_tokens(text, starts, ends, start, end)):
                continue
            if self.context.probability(context_features(text, start, end, kind)) < self.threshold:
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
                                                     "abbreviations": self.abbreviations, "local": self.local,
                                                     "context": self.context.to_dict()})

    def from_disk(self, path, exclude=()) -> PlaceRules:
        data = srsly.read_msgpack(Path(path) / "names.msgpack", use_list=False)  # arrays as tuples
        self.provinces = list(data["provinces"])
        self._set_names(data["names"], data["local"])
        self._set_abbreviations(data["abbreviations"])
        self.context = ContextModel.from_dict(data["context"])
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


@Language.factory("place_rules", requires=["doc.ents"], assigns=["doc.ents"],
                  default_config={"provinces": [], "threshold": 0.5})
def make_place_rules(nlp: Language, name: str, provinces: list[str], threshold: float) -> PlaceRules:
    return PlaceRules(nlp, name, provinces, threshold)
