"""The tagging loop: read, clean, skip what is done, run the pipeline, write parts, assemble.

:func:`tag_documents` is the loop over a stream of input items with a loaded pipeline; it
is what one process runs (the local run, or one partition of a Dask run). :func:`tag` is the
local run of the command: one pipeline, in ``n_process`` processes.

With ``n_process`` above 1 the worker processes (forked, so they share the loaded pipeline)
turn each document into its table rows themselves and send back only the rows: handing
whole ``Doc`` objects back, as ``nlp.pipe(n_process=…)`` does, leaves the parent process
deserializing every document, which on two cores cost most of the second process's gain.
"""

from __future__ import annotations

import json
import multiprocessing
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path

from spacy.language import Language

from ..studio.predictions import load_model, model_version
from .documents import CleanDocument, clean_document
from .inputs import InputItem, RawDocument, Unreadable, UnreadableError, list_inputs, read_item
from .store import Output
from .tables import TABLES, document_rows, to_table

CHUNK_DOCUMENTS = 50  # documents per part file


@dataclass
class Tally:
    """What a run (or a partition) did."""

    tagged: int = 0
    characters: int = 0
    already_done: int = 0
    errors: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.tagged += other.tagged
        self.characters += other.characters
        self.already_done += other.already_done
        self.errors.extend(other.errors)
        self.notes.extend(other.notes)


def model_info(nlp: Language, path: Path) -> dict:
    return {"name": nlp.meta.get("name"), "version": nlp.meta.get("version"), "model_version": model_version(nlp),
            "path": str(path)}


def clean_documents(items: Iterable[InputItem], text_column: str, done: set[str], max_length: int,
                    tally: Tally, report: Callable[[str], None]) -> Iterator[CleanDocument]:
    """The cleaned documents of ``items`` that are not done yet; the others are counted or listed."""
    seen = set(done)
    for item in items:
        for raw in read_item(item, text_column):
            if isinstance(raw, RawDocument):
                if raw.note:
                    tally.notes.append({"source": raw.source, "note": raw.note})
                    report(f"ℹ {raw.source}: {raw.note}")
                try:
                    document = clean_document(raw)
                except UnreadableError as error:
                    raw = Unreadable(raw.source, str(error))
                else:
                    if document.id in seen:
                        tally.already_done += 1
                    elif len(document.text) > max_length:
                        raw = Unreadable(raw.source, f"longer than the pipeline's max_length ({max_length:,})")
                    else:
                        seen.add(document.id)
                        yield document
            if isinstance(raw, Unreadable):
                tally.errors.append({"source": raw.source, "reason": raw.reason})
                report(f"✘ {raw.source}: {raw.reason}")


def tag_documents(nlp: Language, items: Iterable[InputItem], output: Output, part_prefix: str, *,
                  text_column: str = "text", done: set[str] = frozenset(), n_process: int = 1,
                  batch_size: int = 4, chunk: int = CHUNK_DOCUMENTS,
                  report: Callable[[str], None] = print, on_document: Callable[[int], None] = lambda chars: None
                  ) -> Tally:
    """Tag the documents of ``items`` not in ``done``; every ``chunk`` documents become one part."""
    tally = Tally()
    documents = clean_documents(items, text_column, done, nlp.max_length, tally, report)
    rows: dict[str, list[dict]] = {table: [] for table in TABLES}
    in_chunk, part = 0, 0

    def flush() -> None:
        nonlocal in_chunk, part
        output.write_part(f"{part_prefix}-{part:05d}", {t: to_table(t, rows[t]) for t in TABLES})
        for table in TABLES:
            rows[table].clear()
        in_chunk, part = 0, part + 1

    for document, document_tables in tagged_rows(nlp, documents, n_process, batch_size):
        for table, table_rows in document_tables.items():
            rows[table].extend(table_rows)
        tally.tagged += 1
        tally.characters += len(document.text)
        on_document(len(document.text))
        in_chunk += 1
        if in_chunk >= chunk:
            flush()
    if in_chunk:
        flush()
    return tally


def tagged_rows(nlp: Language, documents: Iterable[CleanDocument], n_process: int, batch_size: int
                ) -> Iterator[tuple[CleanDocument, dict[str, list[dict]]]]:
    """Each document with its table rows, in input order, tagged in ``n_process`` processes."""
    if n_process <= 1:
        for doc, document in nlp.pipe(((d.text, d) for d in documents), as_tuples=True, batch_size=batch_size):
            yield document, document_rows(doc, document)
        return
    global _worker_nlp
    _worker_nlp = nlp
    documents = iter(documents)
    window = n_process * batch_size * 4  # documents read ahead of the workers, at most
    with multiprocessing.get_context("fork").Pool(n_process) as pool:
        while batch := list(islice(documents, window)):
            yield from zip(batch, pool.imap(_rows_in_worker, batch, chunksize=batch_size))


_worker_nlp: Language | None = None  # the pipeline of the forked worker processes


def _rows_in_worker(document: CleanDocument) -> dict[str, list[dict]]:
    return document_rows(_worker_nlp(document.text), document)


class Progress:
    """A progress bar of documents with documents and characters per second."""

    def __init__(self, enabled: bool = True):
        from tqdm import tqdm

        self.bar = tqdm(unit="doc", desc="tagging", disable=not enabled, file=sys.stderr, dynamic_ncols=True)
        self.start = time.perf_counter()
        self.characters = 0

    def advance(self, characters: int, documents: int = 1) -> None:
        self.characters += characters
        self.bar.update(documents)
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        self.bar.set_postfix_str(f"{self.characters / elapsed:,.0f} chars/s", refresh=False)

    def write(self, line: str) -> None:
        self.bar.write(line, file=sys.stderr)

    def close(self) -> None:
        self.bar.close()


def start_run(output: Output, model: dict, options: dict) -> dict:
    """Check the folder takes the tags of ``model`` (see :func:`model_info`) and record the run as started."""
    info = {"model": model, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "options": options, "status": "running"}
    output.check_model(info["model"]["model_version"])
    output.write_run(info)
    return info


def finish_run(output: Output, info: dict, tally: Tally, seconds: float, formats: tuple[str, ...]) -> dict:
    """Assemble the tables and record the run's counts."""
    with output.open_errors() as errors:
        for error in tally.errors:
            errors.write(_json_line(error))
    counts = output.assemble(formats)
    info.update(status="finished", seconds=round(seconds, 2), tagged=tally.tagged, characters=tally.characters,
                already_done=tally.already_done, unreadable=len(tally.errors), notes=tally.notes, rows=counts)
    output.write_run(info)
    return info


def _json_line(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def tag(inputs: list[Path], model: Path, out: Path, *, n_process: int = 1, text_column: str = "text",
        formats: tuple[str, ...] = (), progress: bool = True, options: dict | None = None) -> dict:
    """Tag ``inputs`` with the model at ``model`` into ``out``; returns the run's record (``run.json``)."""
    items = list_inputs(inputs)
    output = Output(out)
    nlp = load_model(model)
    info = start_run(output, model_info(nlp, model), options or {})
    done = output.done_ids()
    bar = Progress(progress)
    started = time.perf_counter()
    try:
        tally = tag_documents(nlp, items, output, datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f"),
                              text_column=text_column, done=done, n_process=n_process, report=bar.write,
                              on_document=bar.advance)
    finally:
        bar.close()
    return finish_run(output, info, tally, time.perf_counter() - started, formats)
