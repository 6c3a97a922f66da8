"""Build ``documents.jsonl``: one cleaned, sentence-split record per document.

Raw files live in ``annotations/corpus/raw/``; ``annotations/corpus/sources.json`` says,
for each raw file, which documents it holds (id, place, year, genre, and a title where the
file itself has none). A listing page that holds several documents (lines such as
``• 【闻喜县招商】2021年闻喜县政府工作报告`` followed by the text) is split into them.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..gazetteer import find_division
from .cleaning import CorpusError, clean_document_lines, read_raw, repair_masking
from .splitting import split_sentences

_LISTING_HEADLINE = re.compile(r"^\s*•\s*【(?P<place>[^】]+?)招商】\s*(?P<title>.+?)\s*$")


@dataclass
class Document:
    id: str
    title: str
    place: str
    place_code: str
    year: int
    genre: str
    source: str
    text: str
    sentences: list[tuple[int, int]] = field(default_factory=list)
    province: str = ""
    level: str = ""

    def sentence_texts(self) -> list[str]:
        return [self.text[start:end] for start, end in self.sentences]


@dataclass
class BuildReport:
    """What a build kept and removed, per raw file."""

    removed: dict[str, Counter] = field(default_factory=dict)
    masking_repairs: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = []
        for source, counts in sorted(self.removed.items()):
            parts = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
            out.append(f"{source}: removed {parts or 'nothing'}; "
                       f"masking repaired {self.masking_repairs.get(source, 0)}")
        return out


def _split_listing(lines: list[str]) -> list[tuple[str, str, list[str]]]:
    """Split a listing page into (place, title, lines) per headline."""
    documents: list[tuple[str, str, list[str]]] = []
    for line in lines:
        match = _LISTING_HEADLINE.match(line)
        if match:
            documents.append((match["place"], match["title"], []))
        elif documents:
            documents[-1][2].append(line)
    return documents


def _place_code(place: str, source: str) -> str:
    division = find_division(place)
    if division is None:
        raise CorpusError(f"{source}: place {place!r} is not a unique province, city or county in the gazetteer.")
    return division.code


def build_file(path: Path, entries: list[dict], report: BuildReport) -> list[Document]:
    """Clean one raw file into the documents ``entries`` describe."""
    text, repairs = repair_masking(read_raw(path))
    lines = text.splitlines()
    listing = _split_listing(lines)
    if listing:
        parts = [(title, body) for _, title, body in listing]
        headline_places = [place for place, _, _ in listing]
    else:
        parts = [(None, lines)]
        headline_places = [None]
    if len(parts) != len(entries):
        raise CorpusError(
            f"{path.name}: found {len(parts)} documents, sources.json describes {len(entries)}."
        )
    removed: Counter = Counter()
    documents = []
    for (title, body), headline_place, entry in zip(parts, headline_places, entries):
        if headline_place and not entry["place"].startswith(headline_place):
            raise CorpusError(
                f"{path.name}: document {entry['id']} is about {headline_place}, "
                f"sources.json says {entry['place']}."
            )
        kept, dropped = clean_document_lines(body)
        removed.update(dropped)
        if not kept:
            raise CorpusError(f"{path.name}: document {entry['id']} has no text after cleaning.")
        cleaned = "\n".join(kept)
        documents.append(
            Document(
                id=entry["id"],
                title=entry.get("title") or title,
                place=entry["place"],
                place_code=_place_code(entry["place"], path.name),
                year=entry["year"],
                genre=entry["genre"],
                source=path.name,
                text=cleaned,
                sentences=split_sentences(cleaned),
                province=entry.get("province", ""),
                level=entry.get("level", ""),
            )
        )
    # The listing's own tail (guidelines, counters) is removed with the last document.
    report.removed[path.name] = removed
    report.masking_repairs[path.name] = repairs
    return documents


SOURCE_KEYS = {"id": str, "place": str, "year": int, "genre": str}


def read_sources(sources_file: Path) -> dict[str, list[dict]]:
    """``sources.json``: raw file name → the documents it holds; a clear error for any malformed entry."""
    try:
        sources = json.loads(sources_file.read_text(encoding="utf-8-sig"))
    except (ValueError, RecursionError) as error:
        raise CorpusError(f"{sources_file}: not a JSON file ({str(error)[:80] or 'nested too deeply'}).") from None
    if not isinstance(sources, dict):
        raise CorpusError(f"{sources_file}: must map each raw file name to a list of documents.")
    for name, entries in sources.items():
        if not isinstance(entries, list) or not entries:
            raise CorpusError(f"{sources_file}: {name!r} must list its documents.")
        for number, entry in enumerate(entries, 1):
            if not isinstance(entry, dict):
                raise CorpusError(f"{sources_file}: {name!r} document {number} is not an object.")
            for key, kind in SOURCE_KEYS.items():
                if not isinstance(entry.get(key), kind) or isinstance(entry.get(key), bool) or entry[key] == "":
                    raise CorpusError(f"{sources_file}: {name!r} document {number} needs {key!r} "
                                      f"({kind.__name__}).")
    return sources


def build_corpus(raw_dir: Path, sources_file: Path) -> tuple[list[Document], BuildReport]:
    """Build every document described in ``sources_file`` from ``raw_dir``."""
    sources = read_sources(sources_file)
    report = BuildReport()
    documents: list[Document] = []
    for name, entries in sources.items():
        path = raw_dir / name
        if not path.exists():
            raise CorpusError(f"{path}: listed in {sources_file.name} but missing.")
        documents.extend(build_file(path, entries, report))
    unlisted = sorted(p.name for p in raw_dir.glob("*.txt") if p.name not in sources)
    if unlisted:
        raise CorpusError(f"{raw_dir}: files not described in {sources_file.name}: {', '.join(unlisted)}")
    return documents, report


def write_documents(documents: list[Document], path: Path) -> None:
    """Write documents as JSON lines (deterministic: same input, same bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for document in documents:
            record = asdict(document)
            record["sentences"] = [list(span) for span in document.sentences]
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")


def read_documents(path: Path) -> list[Document]:
    """Read ``documents.jsonl`` back."""
    documents = []
    with path.open(encoding="utf-8") as lines:
        for record in map(json.loads, lines):
            record["sentences"] = [tuple(span) for span in record["sentences"]]
            documents.append(Document(**record))
    return documents
