"""Place linking: each ``PLACE`` entity gets its administrative code, level and parents.

The lexicon is built at ``initialize`` from the gazetteer (``nlp.gazetteer``, the data
``jionlp`` ships): every province, city and county of China, and the towns and villages
of the provinces named in ``provinces``. It is saved inside the pipeline directory, so a
loaded pipeline needs no other file.

Resolution, for an entity text:

1. look the text up by official name and by short name (清徐 → 清徐县); a name found
   neither way may be a town without its suffix (东镇 → 东镇镇), which is looked up only
   inside the document's county;
2. a single candidate is linked;
3. several candidates: the one inside the document's county (``doc._.county``, or the
   county most often named unambiguously in the document) is linked; then the one of
   the highest level, when it is unique at that level and the document is not about
   another division of that name;
4. otherwise the entity stays unlinked: ambiguity is never guessed.

Names that are not divisions get a level from their form: rivers, lakes and mountains
are ``natural``, named macro-regions are ``region``; they have no code.

Attributes: ``ent.kb_id_`` (6-digit code of a province, city or county, otherwise empty)
and ``ent._.place`` (``{"name", "level", "code", "parents"}`` or ``None`` when unknown).
``doc._.county`` may be set by the caller (name or code) before the component runs.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

import srsly
from spacy.language import Language
from spacy.tokens import Doc, Span

from ..gazetteer import Division, load_divisions

LEVEL_RANK = {"province": 0, "city": 1, "county": 2, "town": 3, "village": 4}
_TOWN_SUFFIX = re.compile(r"(镇|乡)$")
_NATURAL = re.compile(r"(河|江|湖|海|山|岭|峰|川|泉|水库|湿地|盆地|平原|高原|沟|峡|煤田|流域)$")
_REGION = re.compile(r"(地区|三角|大湾区|经济带|经济区|城市群|都市圈|新区|板块)$|^(京津冀|长三角|珠三角|粤港澳|苏南|京津|京雄保)$")

Span.set_extension("place", default=None, force=True)
Doc.set_extension("county", default=None, force=True)


# A lexicon entry: (name, level, code, parents, parent_codes, short). Entries and index
# values are tuples of strings, which Python's garbage collector stops tracking: a loaded
# pipeline then adds tens of thousands of objects to the heap but nothing to each collection.
Entry = tuple[str, str, str, tuple[str, ...], tuple[str, ...], str]


def _entry(d: Division) -> Entry:
    return (d.name, d.level, d.code, tuple(d.parents), tuple(d.parent_codes), d.short)


class PlaceLinker:
    def __init__(self, name: str, provinces: list[str]):
        self.name = name
        self.provinces = list(provinces)
        self.entries: list[Entry] = []
        self.index: dict[str, tuple[int, ...]] = {}
        self.town_stems: dict[str, tuple[int, ...]] = {}

    # -- building ---------------------------------------------------------------
    def initialize(self, get_examples: Callable | None = None, nlp: Language | None = None) -> None:
        wanted = set(self.provinces)
        divisions = [
            d
            for d in load_divisions()
            if d.level in ("province", "city", "county") or (d.parents and d.parents[-1] in wanted)
        ]
        self.entries = [_entry(d) for d in divisions]
        self._build_index()

    def _build_index(self) -> None:
        index: dict[str, list[int]] = defaultdict(list)
        stems: dict[str, list[int]] = defaultdict(list)
        for i, (name, level, _code, _parents, _parent_codes, short) in enumerate(self.entries):
            for key in {name, short} - {""}:
                index[key].append(i)
            stem = _TOWN_SUFFIX.sub("", name) if level == "town" else ""
            if len(stem) >= 2 and stem != name:
                stems[stem].append(i)
        self.index = {key: tuple(ids) for key, ids in index.items()}
        self.town_stems = {stem: tuple(ids) for stem, ids in stems.items()}

    # -- linking ----------------------------------------------------------------
    def _county_of(self, value: str | None) -> str:
        if not value:
            return ""
        if value.isdigit():
            return value
        for i in self.index.get(value, []):
            if self.entries[i][1] in ("county", "city"):
                return self.entries[i][2]
        return ""

    def _candidates(self, text: str) -> tuple[int, ...]:
        return self.index.get(text, ())

    def _in_county(self, candidates: tuple[int, ...], county_code: str) -> list[int]:
        return [i for i in candidates if county_code in self.entries[i][4] or self.entries[i][2] == county_code]

    def resolve(self, text: str, county_code: str) -> Entry | None:
        candidates = self._candidates(text)
        if not candidates:
            local = self._in_county(self.town_stems.get(text, ()), county_code) if county_code else []
            return self.entries[local[0]] if len(local) == 1 else None
        if len(candidates) == 1:
            return self.entries[candidates[0]]
        if county_code:
            local = self._in_county(candidates, county_code)
            if len(local) == 1:
                return self.entries[local[0]]
        top = min(LEVEL_RANK[self.entries[i][1]] for i in candidates)
        highest = [i for i in candidates if LEVEL_RANK[self.entries[i][1]] == top]
        if len(highest) == 1 and top <= LEVEL_RANK["county"]:
            return self.entries[highest[0]]
        return None

    def _infer_county(self, doc: Doc) -> str:
        counts: Counter = Counter()
        for ent in doc.ents:
            if ent.label_ != "PLACE":
                continue
            candidates = self._candidates(ent.text)
            if len(candidates) == 1 and self.entries[candidates[0]][1] == "county":
                counts[self.entries[candidates[0]][2]] += 1
        return counts.most_common(1)[0][0] if counts else ""

    def __call__(self, doc: Doc) -> Doc:
        county = self._county_of(doc._.county) or self._infer_county(doc)
        ents = list(doc.ents)
        for ent in ents:
            if ent.label_ != "PLACE":
                continue
            entry = self.resolve(ent.text, county)
            if entry is not None:
                name, level, code, parents = entry[:4]
                ent.kb_id_ = code
                ent._.place = {"name": name, "level": level, "code": code, "parents": list(parents)}
            elif _NATURAL.search(ent.text):
                ent._.place = {"name": ent.text, "level": "natural", "code": "", "parents": []}
            elif _REGION.search(ent.text):
                ent._.place = {"name": ent.text, "level": "region", "code": "", "parents": []}
        doc.ents = ents
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in docs:
            yield self(doc)

    # -- serialisation ----------------------------------------------------------
    def to_disk(self, path, exclude=()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_msgpack(path / "lexicon.msgpack", {"provinces": self.provinces, "entries": self.entries})

    def from_disk(self, path, exclude=()) -> PlaceLinker:
        data = srsly.read_msgpack(Path(path) / "lexicon.msgpack", use_list=False)  # arrays as tuples
        self.provinces = list(data["provinces"])
        self.entries = list(data["entries"])
        self._build_index()  # derived from the entries: 0.05 s, so not stored
        return self


@Language.factory(
    "place_linker",
    requires=["doc.ents"],
    assigns=["span._.place"],
    default_config={"provinces": ["山西省"]},
)
def make_place_linker(nlp: Language, name: str, provinces: list[str]) -> PlaceLinker:
    return PlaceLinker(name, provinces)
