"""Label Studio tasks: one task per corpus sentence, with its document as context."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from ..annotations import SPAN_FROM_NAME, THEME_FROM_NAME, Span
from ..corpus.documents import Document

TEXT_NAME = "text"


def sentence_tasks(documents: Iterable[Document], split_of: dict[str, str]) -> list[dict]:
    """Tasks (``{"data": …}``) for every sentence of ``documents``."""
    tasks = []
    for document in documents:
        sentences = document.sentence_texts()
        for index, text in enumerate(sentences):
            tasks.append(
                {
                    "data": {
                        "text": text,
                        "doc_id": document.id,
                        "sentence": index,
                        "title": document.title,
                        "place": document.place,
                        "place_code": document.place_code,
                        "province": document.province,
                        "level": document.level,
                        "year": document.year,
                        "genre": document.genre,
                        "split": split_of.get(document.id, ""),
                        "prev": sentences[index - 1] if index else "",
                        "next": sentences[index + 1] if index + 1 < len(sentences) else "",
                    }
                }
            )
    return tasks


def task_key(data: dict) -> tuple[str, int]:
    """The identity of a sentence task across imports and exports."""
    return str(data.get("doc_id")), int(data.get("sentence", -1))


def result_items(text: str, themes: Iterable[str], spans: Iterable[Span]) -> list[dict]:
    """Label Studio ``result`` items for themes and spans of one sentence."""
    items = []
    for span in spans:
        items.append(
            {
                "id": uuid.uuid5(uuid.NAMESPACE_URL, f"{span.start}-{span.end}-{span.label}-{text}").hex[:10],
                "from_name": SPAN_FROM_NAME,
                "to_name": TEXT_NAME,
                "type": "labels",
                "origin": "manual",
                "value": {"start": span.start, "end": span.end, "text": text[span.start:span.end],
                          "labels": [span.label]},
            }
        )
    themes = list(themes)
    if themes:
        items.append(
            {
                "id": uuid.uuid5(uuid.NAMESPACE_URL, f"themes-{text}").hex[:10],
                "from_name": THEME_FROM_NAME,
                "to_name": TEXT_NAME,
                "type": "choices",
                "origin": "manual",
                "value": {"choices": themes},
            }
        )
    return items
