"""Place linking: each ``PLACE`` entity gets its administrative code, level and parents.

The lexicon is built at ``initialize`` from :mod:`nlp.place_names`: every province, city,
county and town of China (towns of ``provinces`` only, when given), former names, foreign
countries and cities, macro-regions and natural features, and each county's villages. It
is saved inside the pipeline directory, so a loaded pipeline needs no other file.

Resolution, for an entity text:

1. look the text up by official name and by short name (清徐 → 清徐县); a name found
   neither way may be a town without its suffix (东镇 → 东镇镇) or a village, which are
   looked up only inside the document's county (``doc._.county_code``);
2. a single candidate is linked;
3. several candidates: the one inside the document's county is linked; then the one of
   the highest level, when it is unique at that level;
4. otherwise the entity stays unlinked: ambiguity is never guessed.

Names that are not in the lexicon get a level from their form: rivers, lakes and mountains
are ``natural``, named macro-regions are ``region``; they have no code.

Attributes: ``ent.kb_id_`` (6-digit code of a province, city or county, otherwise empty)
and ``ent._.place`` (``{"name", "level", "code", "parents"}`` or ``None`` when unknown).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

import srsly
from spacy.language import Language
from spacy.tokens import Doc, Span

from ..place_names import LEVEL_RANK, Entry, place_entries, town_stem, village_names
from . import county  # noqa: F401  (registers doc._.county and doc._.county_code)

_NATURAL = re.compile(r"(河|江|湖|海|山|岭|峰|川|泉|水库|湿地|盆地|平原|高原|沟|峡|煤田|流域)$")
_REGION = re.compile(r"(地区|三角|大湾区|经济带|经济区|城市群|都市圈|新区|板块)$")

Span.set_extension("place", default=None, force=True)


class PlaceLinker:
    def __init__(self, name: str, provinces: list[str] | None):
        self.name = name
        self.provinces = list(provinces or [])
        self.entries: list[Entry] = []
        self.villages: dict[str, str] = {}  # county code → village names, tab-separated
        self.index: dict[str, tuple[int, ...]] = {}
        self.town_stems: dict[str, tuple[int, ...]] = {}
        self.county_entry: dict[str, int] = {}
        self._village_sets: dict[str, frozenset[str]] = {}

    # -- building ---------------------------------------------------------------
    def initialize(self, get_examples: Callable | None = None, nlp: Language | None = None) -> None:
        self.entries = list(place_entries(tuple(self.provinces) or None))
        self.villages = village_names(self.provinces or None)
        self._build_index()

    def _build_index(self) -> None:
        index: dict[str, list[int]] = defaultdict(list)
        stems: dict[str, list[int]] = defaultdict(list)
        counties: dict[str, int] = {}
        for i, (name, level, code, _parents, _parent_codes, short) in enumerate(self.entries):
            for key in {name, short} - {""}:
                index[key].append(i)
            if level == "town" and town_stem(name):
                stems[town_stem(name)].append(i)
            elif level in ("county", "city") and code and code not in counties:
                counties[code] = i
        self.index = {key: tuple(ids) for key, ids in index.items()}
        self.town_stems = {stem: tuple(ids) for stem, ids in stems.items()}
        self.county_entry = counties
        self._village_sets = {}

    # -- linking ----------------------------------------------------------------
    def _in_county(self, candidates: Iterable[int], county_code: str) -> list[int]:
        return [i for i in candidates if county_code in self.entries[i][4] or self.entries[i][2] == county_code]

    def _village(self, text: str, county_code: str) -> Entry | None:
        if county_code not in self._village_sets:
            self._village_sets[county_code] = frozenset(self.villages.get(county_code, "").split("\t"))
        if text not in self._village_sets[county_code] or county_code not in self.county_entry:
            return None
        name, _level, code, parents, parent_codes, _short = self.entries[self.county_entry[county_code]]
        return (text, "village", "", (name, *parents), (code, *parent_codes), "")

    def resolve(self, text: str, county_code: str) -> Entry | None:
        candidates = self.index.get(text, ())
        if not candidates:
            if not county_code:
                return None
            local = self._in_county(self.town_stems.get(text, ()), county_code)
            if len(local) == 1:
                return self.entries[local[0]]
            return self._village(text, county_code)
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

    def __call__(self, doc: Doc) -> Doc:
        county_code = doc._.county_code
        ents = list(doc.ents)
        for ent in ents:
            if ent.label_ != "PLACE":
                continue
            entry = self.resolve(ent.text, county_code)
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
        srsly.write_msgpack(path / "lexicon.msgpack", {"provinces": self.provinces, "entries": self.entries,
                                                       "villages": self.villages})

    def from_disk(self, path, exclude=()) -> PlaceLinker:
        data = srsly.read_msgpack(Path(path) / "lexicon.msgpack", use_list=False)  # arrays as tuples
        self.provinces = list(data["provinces"])
        self.entries = list(data["entries"])
        self.villages = dict(data["villages"])
        self._build_index()  # derived from the entries, so not stored
        return self


@Language.factory(
    "place_linker",
    requires=["doc.ents", "doc._.county_code"],
    assigns=["span._.place"],
    default_config={"provinces": []},
)
def make_place_linker(nlp: Language, name: str, provinces: list[str]) -> PlaceLinker:
    return PlaceLinker(name, provinces)
