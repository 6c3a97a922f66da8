"""The gold sample of long documents: sentences drawn at random, stratified over sections.

A report is cut into *sections* at its headings (一、…, （三）…, or a short line of its own
without final punctuation) and, so that long sections are spread too, into blocks of at most
``BLOCK_SENTENCES`` sentences. Each stratum gets a share of the sample proportional to its
size (largest remainders, at least one sentence where the sample allows). Within a stratum
the sentences are taken in a seeded random order; a larger sample drawn with the sentences
of the smaller one to keep contains them, so more gold can be added later without
relabelling what is there.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable
from pathlib import Path

from .documents import Document

BLOCK_SENTENCES = 40
_HEADING = re.compile(r"^([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\))")
_FINAL_PUNCTUATION = re.compile(r"[。！？!?；;：:]$")
HEADING_MAX_CHARS = 40


def is_heading(document: Document, index: int) -> bool:
    """Whether sentence ``index`` is a heading: a whole line that opens a section."""
    start, end = document.sentences[index]
    text = document.text[start:end]
    whole_line = (start == 0 or document.text[start - 1] == "\n") and (
        end == len(document.text) or document.text[end] == "\n"
    )
    if not whole_line or len(text) > HEADING_MAX_CHARS:
        return False
    return bool(_HEADING.match(text)) or not _FINAL_PUNCTUATION.search(text)


def strata(document: Document, block: int = BLOCK_SENTENCES) -> list[list[int]]:
    """Sentence indices grouped into sections, each cut into blocks of at most ``block``."""
    sections: list[list[int]] = [[]]
    for index in range(len(document.sentences)):
        if is_heading(document, index) and sections[-1]:
            sections.append([])
        sections[-1].append(index)
    return [section[i : i + block] for section in sections for i in range(0, len(section), block)]


def _allocate(sizes: list[int], total: int) -> list[int]:
    """Split ``total`` over strata proportionally to ``sizes`` (largest remainders)."""
    whole = sum(sizes)
    exact = [total * size / whole for size in sizes]
    shares = [min(int(x), size) for x, size in zip(exact, sizes)]
    order = sorted(range(len(sizes)), key=lambda i: (shares[i] > 0, -(exact[i] - int(exact[i])), i))
    while sum(shares) < total:
        for i in order:
            if sum(shares) == total:
                break
            if shares[i] < sizes[i]:
                shares[i] += 1
    return shares


def sample_document(document: Document, size: int, seed: int, keep: Iterable[int] = ()) -> list[int]:
    """``size`` sentence indices of ``document`` (all of them when it is shorter).

    ``keep`` (a smaller sample drawn before) is always part of the result: where the
    proportional shares of the larger size would leave out one of its sentences, the kept
    sentences stay and each stratum is topped up, in its seeded order, towards its share.
    """
    groups = strata(document)
    size = min(size, len(document.sentences))
    key = int(hashlib.sha256(f"{seed}:{document.id}".encode()).hexdigest()[:16], 16)
    rng = random.Random(key)
    shuffled = [rng.sample(group, len(group)) for group in groups]
    shares = _allocate([len(group) for group in groups], size)
    chosen = {index for group, share in zip(shuffled, shares) for index in group[:share]}
    keep = set(keep)
    if keep <= chosen:
        return sorted(chosen)
    chosen = set(keep)
    deficits = [share - len(keep.intersection(group)) for group, share in zip(groups, shares)]
    for order in sorted(range(len(groups)), key=lambda i: -deficits[i]):
        for index in shuffled[order]:
            if len(chosen) == size or deficits[order] <= 0:
                break
            if index not in chosen:
                chosen.add(index)
                deficits[order] -= 1
    rest = (index for group in shuffled for index in group if index not in chosen)
    while len(chosen) < size:
        chosen.add(next(rest))
    return sorted(chosen)


def build_sample(documents: list[Document], sizes: dict[str, int], seed: int,
                 keep: dict[str, list[int]] | None = None) -> dict:
    """The sample file's content: per document, its level's size and the chosen sentences.

    ``sizes`` maps a document level (``province``, ``city``, ``county``) to the number of
    sentences to draw from each document of that level; ``keep`` holds the sentences of
    an earlier sample that must stay.
    """
    keep = keep or {}
    chosen = {
        document.id: {
            "level": document.level,
            "sentences": sample_document(document, sizes[document.level], seed, keep.get(document.id, ())),
        }
        for document in documents
    }
    return {"seed": seed, "sizes": sizes, "block_sentences": BLOCK_SENTENCES, "documents": chosen}


def write_sample(sample: dict, path: Path) -> None:
    """Write the sample as JSON, one document per line for readable diffs."""
    lines = [f'  {json.dumps(doc_id)}: {json.dumps(entry, ensure_ascii=False)}'
             for doc_id, entry in sample["documents"].items()]
    head = {key: value for key, value in sample.items() if key != "documents"}
    body = ",\n".join(lines)
    text = json.dumps(head, ensure_ascii=False)[:-1] + ', "documents": {\n' + body + "\n}}\n"
    path.write_text(text, encoding="utf-8")


def read_sample(path: Path) -> dict[str, list[int]]:
    """Document id → sampled sentence indices (empty when the file does not exist)."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {doc_id: entry["sentences"] for doc_id, entry in data["documents"].items()}
