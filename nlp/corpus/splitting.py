"""Sentence splitting for Chinese text, with character offsets.

A sentence ends after 。！？ (or the half-width ! ?), together with any closing quotes or
brackets that follow; a line break always ends a sentence. A half-width full stop ends a
sentence only after a Chinese character and before a space or the end (so 1.5 stays
whole). A sentence longer than ``max_chars`` is split further after ；or ;. A piece with
no letter, digit or Chinese character (a stray ``;`` after ``！``) joins the sentence before.
"""

from __future__ import annotations

import re

MAX_SENTENCE_CHARS = 300

_END = r"[。！？!?]+|(?<=[\u4e00-\u9fff])\.(?=\s|$)"
_CLOSERS = r"[”’」』）)》\]】\"']*"
_BOUNDARY = re.compile(rf"(?:{_END}){_CLOSERS}|\n")
_SEMICOLON = re.compile(rf"[；;]{_CLOSERS}")
_WORD = re.compile(r"\w")


def _pieces(text: str, start: int, end: int, pattern: re.Pattern) -> list[tuple[int, int]]:
    pieces = []
    position = start
    for match in pattern.finditer(text, start, end):
        pieces.append((position, match.end()))
        position = match.end()
    pieces.append((position, end))
    return pieces


def _strip(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def split_sentences(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """Return ``(start, end)`` character offsets of the sentences of ``text``.

    ``text[start:end]`` is the sentence, without surrounding white space.
    """
    sentences: list[tuple[int, int]] = []
    for start, end in _pieces(text, 0, len(text), _BOUNDARY):
        span = _strip(text, start, end)
        if span is None:
            continue
        if span[1] - span[0] > max_chars:
            parts = [_strip(text, s, e) for s, e in _pieces(text, span[0], span[1], _SEMICOLON)]
        else:
            parts = [span]
        for part in filter(None, parts):
            if sentences and not _WORD.search(text, *part) and "\n" not in text[sentences[-1][1]:part[0]]:
                sentences[-1] = (sentences[-1][0], part[1])
            else:
                sentences.append(part)
    return sentences
