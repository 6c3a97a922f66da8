"""What ``policy-nlp tag`` reads: report files and datasets, as raw documents.

Inputs are listed cheaply first (:func:`list_inputs`: paths only, nothing read) and read one
item at a time (:func:`read_item`), so that a large input is never held in memory at once
and a run can be split into partitions of items.

Report files (folders are searched recursively):

* ``.txt`` and ``.md``: UTF-8, or GB18030/GBK (detected, and noted); a Markdown file's
  ``title:`` front matter is its title;
* ``.html`` / ``.htm``: the text of ``<main>`` or ``<article>`` when the page has one, else of
  the whole page, without scripts, styles, navigation, headers, footers and forms;
* ``.docx``: the paragraphs; ``.pdf``: the text layer (lines wrapped by the layout joined).

Datasets: ``.parquet``, ``.csv``, ``.jsonl`` files and Hugging Face datasets saved with
``save_to_disk``, one document per row; ``text_column`` holds the text, ``title`` and ``year``
columns give the document's title and year, and every other column is kept as metadata.

A file or row that cannot be read becomes an :class:`Unreadable` with the reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
DATASET_SUFFIXES = (".parquet", ".csv", ".jsonl")
DOCUMENT_SUFFIXES = (*TEXT_SUFFIXES, *HTML_SUFFIXES, ".docx", ".pdf")
DATASET_ROWS_PER_ITEM = 1000  # rows of a saved Hugging Face dataset read as one item


@dataclass(frozen=True)
class InputItem:
    """One unit of input: a report file, a dataset file, or a row range of a saved dataset."""

    path: str
    kind: str  # "document", "dataset" or "saved_dataset"
    start: int = 0
    stop: int | None = None


@dataclass
class RawDocument:
    source: str
    text: str
    title: str = ""
    year: int | None = None
    metadata: dict = field(default_factory=dict)
    note: str = ""


@dataclass
class Unreadable:
    source: str
    reason: str


class UnreadableError(Exception):
    """Raised by a reader; becomes an :class:`Unreadable`."""


# -- listing ------------------------------------------------------------------------------
def is_saved_dataset(path: Path) -> bool:
    return path.is_dir() and any((path / name).exists() for name in ("dataset_info.json", "dataset_dict.json"))


def _saved_dataset_items(path: Path) -> list[InputItem]:
    from datasets import load_from_disk

    loaded = load_from_disk(str(path))  # memory-mapped: rows are read later, by slice
    splits = loaded.items() if hasattr(loaded, "items") else [("", loaded)]
    items = []
    for split, dataset in splits:
        location = str(path / split) if split else str(path)
        for start in range(0, len(dataset), DATASET_ROWS_PER_ITEM):
            items.append(InputItem(location, "saved_dataset", start, min(start + DATASET_ROWS_PER_ITEM, len(dataset))))
    return items


def _file_item(path: Path) -> InputItem:
    suffix = path.suffix.lower()
    return InputItem(str(path), "dataset" if suffix in DATASET_SUFFIXES else "document")


def list_inputs(paths: Iterable[Path]) -> list[InputItem]:
    """The input items of files, folders (recursive, sorted) and saved datasets; nothing is read."""
    items: list[InputItem] = []
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder.")
        if is_saved_dataset(path):
            items.extend(_saved_dataset_items(path))
        elif path.is_dir():
            saved = sorted(p for p in path.rglob("*") if is_saved_dataset(p))
            for folder in saved:
                items.extend(_saved_dataset_items(folder))
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                if not any(folder in file.parents for folder in saved):
                    items.append(_file_item(file))
        else:
            items.append(_file_item(path))
    return items


# -- reading ------------------------------------------------------------------------------
def read_item(item: InputItem, text_column: str = "text") -> Iterator[RawDocument | Unreadable]:
    """The documents of one input item, or why they cannot be read."""
    if item.kind == "document":
        try:
            yield read_document(Path(item.path))
        except UnreadableError as error:
            yield Unreadable(item.path, str(error))
        return
    try:
        rows = _dataset_rows(item)
        yield from _documents_of_rows(item.path, rows, text_column, item.start)
    except UnreadableError as error:
        yield Unreadable(item.path, str(error))


def read_document(path: Path) -> RawDocument:
    suffix = path.suffix.lower()
    if suffix not in DOCUMENT_SUFFIXES:
        raise UnreadableError(f"unsupported file type {suffix or '(no suffix)'}")
    if path.stat().st_size == 0:
        raise UnreadableError("empty file")
    if suffix in TEXT_SUFFIXES:
        text, note = decode_text(path.read_bytes())
        title = ""
        if suffix != ".txt":
            title, text = split_front_matter(text)
        return RawDocument(str(path), text, title=title, note=note)
    if suffix in HTML_SUFFIXES:
        text, _ = decode_text(path.read_bytes())
        title, body = html_text(text)
        return RawDocument(str(path), body, title=title)
    if suffix == ".docx":
        return RawDocument(str(path), *reversed(docx_text(path)))
    return RawDocument(str(path), *reversed(pdf_text(path)))


def decode_text(data: bytes) -> tuple[str, str]:
    """Text of UTF-8 (with or without BOM) or GB18030/GBK bytes, and a note when not UTF-8."""
    if not data.strip():
        raise UnreadableError("empty file")
    if b"\x00" in data:
        raise UnreadableError("binary data, not text")
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "decoded as GB18030/GBK"
    except UnicodeDecodeError as error:
        raise UnreadableError(f"neither UTF-8 nor GB18030 text (byte {error.start}): binary?") from error


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_FRONT_TITLE = re.compile(r"^title:\s*(.+?)\s*$", re.MULTILINE)
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+", re.MULTILINE)


def split_front_matter(text: str) -> tuple[str, str]:
    """(title from a YAML front matter, body without it and without heading marks)."""
    title = ""
    match = _FRONT_MATTER.match(text)
    if match:
        found = _FRONT_TITLE.search(match.group(1))
        title = found.group(1).strip("'\"") if found else ""
        text = text[match.end():]
    return title, _MARKDOWN_HEADING.sub("", text)


class _PageText(HTMLParser):
    """Text of an HTML page, one line per block; main content kept apart."""

    SKIP = frozenset({"script", "style", "nav", "header", "footer", "aside", "noscript", "template", "form", "button",
            "select", "iframe", "svg", "head"})
    MAIN = frozenset({"main", "article"})
    BLOCK = frozenset({"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section",
             "article", "main", "blockquote", "pre", "dd", "dt", "hr"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skipping = 0
        self.in_main = 0
        self.in_title = False
        self.title = ""
        self.heading = ""
        self.in_h1 = False
        self.all: list[str] = []
        self.main: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self.in_title = True
        if tag in self.SKIP:
            self.skipping += 1
        if tag in self.MAIN:
            self.in_main += 1
        if tag == "h1":
            self.in_h1 = True
        if tag in self.BLOCK:
            self._emit("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in self.BLOCK:
            self._emit("\n")

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        if tag in self.BLOCK:
            self._emit("\n")
        if tag in self.MAIN and self.in_main:
            self.in_main -= 1
        if tag == "h1":
            self.in_h1 = False

    def handle_data(self, data):
        if self.in_title:
            self.title += data
            return
        if self.skipping:
            return
        if self.in_h1:
            self.heading += data
        self._emit(data)

    def _emit(self, text):
        self.all.append(text)
        if self.in_main:
            self.main.append(text)


def html_text(page: str) -> tuple[str, str]:
    """(title, main text) of an HTML page."""
    parser = _PageText()
    parser.feed(page)
    parser.close()
    body = "".join(parser.main).strip() or "".join(parser.all)
    lines = [" ".join(line.split()) for line in body.splitlines()]
    title = " ".join((parser.title or parser.heading).split())
    return title, "\n".join(line for line in lines if line)


def docx_text(path: Path) -> tuple[str, str]:
    """(title, text) of a Word document: its paragraphs, one per line."""
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as error:  # python-docx raises zip, XML and package errors on broken files
        raise UnreadableError(f"not a readable .docx file ({type(error).__name__}: {error})") from error
    text = "\n".join(p.text for p in document.paragraphs)
    return _chinese_or_empty(document.core_properties.title), text


def _chinese_or_empty(title) -> str:
    """A file's title property when it is a Chinese title (not a tool's placeholder such as "untitled")."""
    from ..corpus.cleaning import has_chinese

    return str(title).strip() if title and has_chinese(str(title)) else ""


_LINE_END = re.compile(r"[。！？!?；;：:”’」』）)》】]$")


def join_wrapped_lines(lines: list[str]) -> list[str]:
    """Join lines that the page layout wrapped: a line nearly as long as the longest, not ending a sentence."""
    width = max((len(line) for line in lines), default=0)
    joined: list[str] = []
    carry = False
    for line in lines:
        if carry and joined:
            joined[-1] += line
        else:
            joined.append(line)
        carry = len(line) >= 0.85 * width and not _LINE_END.search(line)
    return joined


def pdf_text(path: Path) -> tuple[str, str]:
    """(title, text) of a PDF's text layer, page by page."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata else None) or ""
    except Exception as error:  # pypdf raises many kinds of errors on broken files
        raise UnreadableError(f"corrupt PDF ({type(error).__name__}: {error})") from error
    lines = []
    for page in pages:
        lines.extend(join_wrapped_lines([line.strip() for line in page.splitlines() if line.strip()]))
    if not lines:
        raise UnreadableError(f"PDF without a text layer ({len(pages)} pages): a scanned document needs OCR first")
    return _chinese_or_empty(title), "\n".join(lines)


# -- datasets -----------------------------------------------------------------------------
def _dataset_rows(item: InputItem) -> Iterator[dict]:
    path = Path(item.path)
    try:
        if item.kind == "saved_dataset":
            from datasets import load_from_disk

            dataset = load_from_disk(str(path))
            for batch in dataset.select(range(item.start, item.stop)).iter(batch_size=100):
                yield from _batch_rows(batch)
        elif path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(path).iter_batches(batch_size=100):
                yield from batch.to_pylist()
        elif path.suffix.lower() == ".csv":
            import pyarrow.csv as pcsv

            for batch in pcsv.open_csv(path):
                yield from batch.to_pylist()
        else:
            with path.open(encoding="utf-8") as lines:
                for number, line in enumerate(lines, 1):
                    if line.strip():
                        try:
                            yield json.loads(line)
                        except json.JSONDecodeError as error:
                            raise UnreadableError(f"line {number} is not JSON ({error.msg})") from error
    except UnreadableError:
        raise
    except Exception as error:  # pyarrow and datasets raise their own kinds on broken files
        raise UnreadableError(f"not a readable dataset ({type(error).__name__}: {error})") from error


def _batch_rows(batch: dict[str, list]) -> Iterator[dict]:
    columns = list(batch)
    for values in zip(*(batch[c] for c in columns)):
        yield dict(zip(columns, values))


RESERVED_COLUMNS = ("id", "source", "place", "place_code", "province", "sentences", "characters", "places",
                    "programmes")


def _documents_of_rows(location: str, rows: Iterable[dict], text_column: str,
                       first: int) -> Iterator[RawDocument | Unreadable]:
    for number, row in enumerate(rows, first):
        if text_column not in row:
            raise UnreadableError(f"no text column {text_column!r} (columns: {', '.join(row)}); "
                                  "choose one with --text-column")
        source = f"{location}#{number}"
        text = row.pop(text_column)
        if not isinstance(text, str) or not text.strip():
            yield Unreadable(source, "empty text")
            continue
        title = row.pop("title", None)
        year = row.pop("year", None)
        metadata = {(f"meta_{k}" if k in RESERVED_COLUMNS or k.startswith(("share_", "score_")) else k): v
                    for k, v in row.items()}
        yield RawDocument(source, text, title=str(title or ""), year=_year(year), metadata=metadata)


def _year(value) -> int | None:
    try:
        return int(value) if value is not None and str(value).strip() else None
    except ValueError:
        return None
