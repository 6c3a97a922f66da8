"""A raw document cleaned like the corpus, with the id that keys it in the output."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from ..corpus.cleaning import clean_document_lines, has_chinese, repair_masking
from .inputs import RawDocument, UnreadableError

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
TITLE_MAX_CHARS = 60


@dataclass
class CleanDocument:
    id: str
    source: str
    title: str
    year: int | None
    text: str
    metadata: dict = field(default_factory=dict)
    removed_lines: int = 0


def document_id(text: str) -> str:
    """First 16 hex digits of the SHA-256 of the cleaned text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def find_year(*candidates: str) -> int | None:
    """The first year (1900–2099) written in the first candidate that has one."""
    for candidate in candidates:
        match = _YEAR.search(candidate or "")
        if match:
            return int(match.group(1))
    return None


def clean_document(raw: RawDocument) -> CleanDocument:
    """Clean ``raw`` as the corpus is cleaned (:mod:`nlp.corpus.cleaning`); its title and year.

    The title is the document's own (front matter, page title, dataset column) or else its
    first kept line; the year is the dataset's, or else the first one in the title or the file name.
    """
    text, _ = repair_masking(raw.text)
    kept, removed = clean_document_lines(text.splitlines())
    cleaned = "\n".join(kept)
    if not cleaned.strip():
        raise UnreadableError("no text left after cleaning")
    if not has_chinese(cleaned):
        raise UnreadableError("contains no Chinese text")
    title = raw.title.strip() or kept[0][:TITLE_MAX_CHARS]
    year = raw.year if raw.year is not None else find_year(title, raw.source.rsplit("/", 1)[-1])
    return CleanDocument(document_id(cleaned), raw.source, title, year, cleaned, dict(raw.metadata),
                         sum(removed.values()))
