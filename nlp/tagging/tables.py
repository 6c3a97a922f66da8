"""A tagged document as rows of the three output tables: documents, sentences, entities.

The columns are those of the output contract (see the README, "Tagging your own reports"):
character offsets are into the cleaned document text, ``id`` is the document's content hash.
"""

from __future__ import annotations

from functools import lru_cache

import pyarrow as pa
from spacy.tokens import Doc

from ..components.sentences import sentence_spans
from ..components.themes import THEMES
from ..gazetteer import Division, load_divisions
from .documents import CleanDocument

TABLES = ("documents", "sentences", "entities")

_THEME_FLOATS = [(f"{kind}_{theme}", pa.float64()) for kind in ("share", "score") for theme in THEMES]
_SENTENCE_SCORES = [(f"score_{theme}", pa.float64()) for theme in THEMES]

SCHEMAS = {
    "documents": pa.schema([
        ("id", pa.string()), ("source", pa.string()), ("title", pa.string()), ("place", pa.string()),
        ("place_code", pa.string()), ("province", pa.string()), ("year", pa.int64()),
        ("sentences", pa.int64()), ("characters", pa.int64()), *_THEME_FLOATS,
        ("places", pa.int64()), ("programmes", pa.int64()),
    ]),
    "sentences": pa.schema([
        ("document_id", pa.string()), ("index", pa.int64()), ("text", pa.string()), ("start", pa.int64()),
        ("end", pa.int64()), ("themes", pa.list_(pa.string())), *_SENTENCE_SCORES,
    ]),
    "entities": pa.schema([
        ("document_id", pa.string()), ("sentence", pa.int64()), ("start", pa.int64()), ("end", pa.int64()),
        ("text", pa.string()), ("label", pa.string()), ("place_code", pa.string()), ("place_level", pa.string()),
        ("place_parents", pa.list_(pa.string())), ("programme", pa.string()), ("programme_kind", pa.string()),
    ]),
}


@lru_cache(maxsize=1)
def _divisions_by_code() -> dict[str, Division]:
    return {d.code: d for d in load_divisions() if d.code}


def detected_place(doc: Doc) -> tuple[str | None, str | None, str | None]:
    """(name, code, province) of the place the pipeline found the document to be about."""
    code = doc._.county_code or ""
    division = _divisions_by_code().get(code)
    if division is None:
        return None, code or None, None
    province = division.parents[-1] if division.parents else division.name
    return division.name, code, province


def _without_spaces(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets of ``text[start:end]`` without the line break or spaces a sentence's last token may hold."""
    while end > start and text[end - 1].isspace():
        end -= 1
    while start < end and text[start].isspace():
        start += 1
    return start, end


def document_rows(doc: Doc, document: CleanDocument) -> dict[str, list[dict]]:
    """The rows of one tagged document, per table."""
    text = doc.text  # spaCy rebuilds doc.text from the tokens on every access
    sents = sentence_spans(doc)
    sentence_of_token = {}
    sentences = []
    for index, sent in enumerate(sents):
        for token in range(sent.start, sent.end):
            sentence_of_token[token] = index
        scores = sent._.theme_scores or {}
        assigned = set(sent._.themes or ())
        start, end = _without_spaces(text, sent.start_char, sent.end_char)
        sentences.append({
            "document_id": document.id, "index": index, "text": text[start:end], "start": start,
            "end": end, "themes": [t for t in THEMES if t in assigned],
            **{f"score_{t}": float(scores.get(t, 0.0)) for t in THEMES},
        })
    entities = []
    for ent in doc.ents:
        place = ent._.place if ent.label_ == "PLACE" else None
        entities.append({
            "document_id": document.id, "sentence": sentence_of_token.get(ent.start, 0),
            "start": ent.start_char, "end": ent.end_char, "text": ent.text, "label": ent.label_,
            "place_code": (place or {}).get("code") or None, "place_level": (place or {}).get("level"),
            "place_parents": list((place or {}).get("parents") or []),
            "programme": ent._.programme if ent.label_ == "PROGRAMME" else None,
            "programme_kind": ent._.programme_kind if ent.label_ == "PROGRAMME" else None,
        })
    name, code, province = detected_place(doc)
    shares = doc._.themes or {}
    means = doc._.theme_scores or {}
    row = {
        "id": document.id, "source": document.source, "title": document.title, "place": name,
        "place_code": code, "province": province, "year": document.year, "sentences": len(sents),
        "characters": len(text),
        **{f"share_{t}": float(shares.get(t, 0.0)) for t in THEMES},
        **{f"score_{t}": float(means.get(t, 0.0)) for t in THEMES},
        "places": sum(e.label_ == "PLACE" for e in doc.ents),
        "programmes": sum(e.label_ == "PROGRAMME" for e in doc.ents),
        **document.metadata,
    }
    return {"documents": [row], "sentences": sentences, "entities": entities}


def to_table(name: str, rows: list[dict]) -> pa.Table:
    """Rows of one table as Arrow; documents keep their metadata columns after the contract's."""
    schema = SCHEMAS[name]
    if name != "documents" or not rows:
        return pa.Table.from_pylist(rows, schema=schema)
    extra = [key for key in dict.fromkeys(k for row in rows for k in row) if key not in schema.names]
    table = pa.Table.from_pylist([{k: row.get(k) for k in schema.names} for row in rows], schema=schema)
    for key in extra:
        table = table.append_column(key, pa.array([row.get(key) for row in rows]))
    return table
