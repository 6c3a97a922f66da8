"""What the report shows, computed from the tables: per document, across documents, a sample of sentences."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from ..annotations import THEMES
from ..gazetteer import load_divisions

MAX_HEATMAP_PLACES = 30  # more places than this: the heatmap groups documents by province
UNKNOWN = "(unknown)"
FOREIGN = "(abroad)"
UNLINKED = "(no province: rivers, regions, unlinked names)"


@lru_cache(maxsize=1)
def _division_names() -> dict[str, str]:
    """Code → official name; a code shared by several divisions (香港, 澳门) names the highest of them."""
    names: dict[str, str] = {}
    for division in load_divisions("county"):
        if division.code:
            names.setdefault(division.code, division.name)
    return names


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or value == ""


def entity_name(row) -> str:
    """A programme's canonical name; a linked place's official name; else the text as written."""
    if row.label == "PROGRAMME":
        return row.text if _missing(row.programme) else str(row.programme)
    return row.text if _missing(row.place_code) else _division_names().get(str(row.place_code), row.text)


def entity_province(row) -> str:
    """The province a PLACE lies in (itself for a province)."""
    if row.place_level == "province":
        return entity_name(row)
    if row.place_level in ("country", "foreign_city"):
        return FOREIGN
    parents = list(row.place_parents) if row.place_parents is not None else []
    return str(parents[-1]) if parents else UNLINKED


def ordered_documents(documents: pd.DataFrame) -> pd.DataFrame:
    """Documents in the order of their place's administrative code (province, city, county), then by year."""
    keys = documents.assign(
        _code=documents["place_code"].fillna("~"),
        _year=documents["year"].fillna(0),
        _title=documents["title"].fillna(""),
    )
    return keys.sort_values(["_code", "_year", "_title"]).drop(columns=["_code", "_year", "_title"])


def most_frequent(entities: pd.DataFrame, label: str, top: int) -> dict[str, list[tuple[str, int]]]:
    """Per document id, its ``top`` most frequent entities of ``label`` with their counts."""
    rows = entities[entities["label"] == label]
    counts: dict[str, Counter] = {}
    for row in rows.itertuples(index=False):
        counts.setdefault(row.document_id, Counter())[entity_name(row)] += 1
    return {doc_id: counter.most_common(top) for doc_id, counter in counts.items()}


@dataclass
class ThemeGrid:
    """Theme shares of the sentences of the documents of each (group, year)."""

    grouped_by: str  # "place" or "province"
    rows: list[str]
    years: list[str]
    cells: dict[str, dict[tuple[str, str], tuple[float, str]]]  # theme → (row, year) → (share, tooltip)


def theme_grid(documents: pd.DataFrame) -> ThemeGrid:
    places = documents["place"].dropna().nunique()
    grouped_by = "place" if places <= MAX_HEATMAP_PLACES else "province"
    table = documents.assign(
        _group=documents[grouped_by].fillna(UNKNOWN).astype(str),
        _year=documents["year"].map(lambda y: UNKNOWN if pd.isna(y) else str(int(y))),
    )
    order = ordered_documents(table)
    rows = list(dict.fromkeys(order["_group"]))
    years = sorted(set(table["_year"]), key=lambda y: (y == UNKNOWN, y))
    cells: dict[str, dict] = {theme: {} for theme in THEMES}
    for (group, year), part in table.groupby(["_group", "_year"]):
        sentences = part["sentences"].sum()
        for theme in THEMES:
            tagged = (part[f"share_{theme}"] * part["sentences"]).sum()
            share = tagged / sentences if sentences else 0.0
            cells[theme][(group, year)] = (
                share,
                f"{group} {year} {theme}: {share:.1%} of {sentences} sentences ({len(part)} documents)",
            )
    return ThemeGrid(grouped_by, rows, years, cells)


@dataclass(frozen=True)
class SharedProgramme:
    name: str
    kind: str
    documents: int
    mentions: int


def shared_programmes(entities: pd.DataFrame, top: int) -> list[SharedProgramme]:
    """Programmes named by the most documents (at least two), most documents first."""
    rows = entities[entities["label"] == "PROGRAMME"]
    documents: dict[str, set] = {}
    mentions: Counter = Counter()
    kinds: dict[str, Counter] = {}
    for row in rows.itertuples(index=False):
        name = entity_name(row)
        documents.setdefault(name, set()).add(row.document_id)
        mentions[name] += 1
        if not _missing(row.programme_kind):
            kinds.setdefault(name, Counter())[row.programme_kind] += 1
    shared = [
        SharedProgramme(
            name, kinds[name].most_common(1)[0][0] if name in kinds else "", len(docs), mentions[name]
        )
        for name, docs in documents.items()
        if len(docs) >= 2
    ]
    return sorted(shared, key=lambda p: (-p.documents, -p.mentions, p.name))[:top]


@dataclass(frozen=True)
class ProvincePlaces:
    province: str
    mentions: int
    documents: int
    places: list[tuple[str, int]]  # most named places first


def places_by_province(entities: pd.DataFrame, top_places: int) -> list[ProvincePlaces]:
    """PLACE mentions grouped by the province the place lies in, most mentioned provinces first."""
    rows = entities[entities["label"] == "PLACE"]
    places: dict[str, Counter] = {}
    documents: dict[str, set] = {}
    for row in rows.itertuples(index=False):
        province = entity_province(row)
        places.setdefault(province, Counter())[entity_name(row)] += 1
        documents.setdefault(province, set()).add(row.document_id)
    out = [
        ProvincePlaces(
            province, sum(counter.values()), len(documents[province]), counter.most_common(top_places)
        )
        for province, counter in places.items()
    ]
    return sorted(out, key=lambda p: (p.province in (FOREIGN, UNLINKED), -p.mentions, p.province))


@dataclass(frozen=True)
class SampleSentence:
    document_id: str
    index: int
    text: str
    themes: list[str]
    entities: list[dict]  # start, end (in the sentence), label
    not_drawn: int  # entities outside the sentence or overlapping another one


def sample_sentences(
    sentences: pd.DataFrame, entities: pd.DataFrame, size: int, seed: int, document_order: list[str]
) -> list[SampleSentence]:
    """``size`` sentences drawn with ``seed`` among those with an entity or a theme.

    They come in the order of ``document_order`` (document ids), then of the sentences.
    """
    with_entities = set(zip(entities["document_id"], entities["sentence"]))
    has_theme = sentences["themes"].map(lambda themes: themes is not None and len(themes) > 0)
    has_entity = [(d, i) in with_entities for d, i in zip(sentences["document_id"], sentences["index"])]
    candidates = sentences[has_theme | pd.Series(has_entity, index=sentences.index)]
    rank = {doc_id: n for n, doc_id in enumerate(document_order)}
    chosen = candidates.sample(n=min(size, len(candidates)), random_state=seed)
    chosen = chosen.assign(_rank=chosen["document_id"].map(rank)).sort_values(["_rank", "index"])
    chosen_keys = set(zip(chosen["document_id"], chosen["index"]))
    in_chosen = pd.Series(
        [key in chosen_keys for key in zip(entities["document_id"], entities["sentence"])],
        index=entities.index,
        dtype=bool,
    )
    by_sentence = dict(list(entities[in_chosen].groupby(["document_id", "sentence"])))
    out = []
    for row in chosen.itertuples(index=False):
        spans, not_drawn = [], 0
        part = by_sentence.get((row.document_id, row.index))
        for entity in [] if part is None else part.sort_values("start").itertuples(index=False):
            start, end = int(entity.start) - int(row.start), int(entity.end) - int(row.start)
            if 0 <= start < end <= len(row.text) and (not spans or start >= spans[-1]["end"]):
                spans.append({"start": start, "end": end, "label": entity.label})
            else:
                not_drawn += 1
        out.append(
            SampleSentence(row.document_id, int(row.index), row.text, list(row.themes), spans, not_drawn)
        )
    return out
