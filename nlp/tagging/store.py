"""The output folder of ``policy-nlp tag``: part files while tagging, the tables at the end.

While a run tags, every chunk of documents is written as three Parquet part files under
``OUT/parts/`` (sentences and entities first, the documents file last and by atomic
rename, so a documents part exists only for a complete chunk). A rerun reads the ids of the
finished parts and skips those documents: an interrupted run resumes where it stopped.

At the end the parts are assembled, streaming, into ``OUT/parquet/<table>.parquet`` and a
``datasets.DatasetDict`` saved in ``OUT`` (splits ``documents``, ``sentences``, ``entities``),
and on request ``OUT/jsonl/<table>.jsonl`` or ``OUT/csv/<table>.csv``.
A document read twice (the same cleaned text) is kept once, from the first part.
``OUT/errors.jsonl`` lists the documents of the last run that could not be read, and
``OUT/run.json`` the model, date, options and counts of the last run.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .tables import SCHEMAS, TABLES

FORMATS = ("jsonl", "csv")


class OutputError(ValueError):
    """The output folder cannot take this run."""


class Output:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.parts = self.path / "parts"

    # -- parts ------------------------------------------------------------------------
    def part_file(self, name: str, table: str) -> Path:
        return self.parts / f"{name}.{table}.parquet"

    def finished_parts(self) -> list[str]:
        return sorted(p.name.removesuffix(".documents.parquet") for p in self.parts.glob("*.documents.parquet"))

    def done_ids(self) -> set[str]:
        """Ids of the documents in finished parts; leftovers of unfinished parts are removed."""
        if not self.parts.is_dir():
            return set()
        finished = set(self.finished_parts())
        for leftover in self.parts.glob("*.parquet"):
            if leftover.name.split(".")[0] not in finished:
                leftover.unlink()
        ids: set[str] = set()
        for name in finished:
            ids.update(pq.read_table(self.part_file(name, "documents"), columns=["id"]).column("id").to_pylist())
        return ids

    def write_part(self, name: str, tables: dict[str, pa.Table]) -> None:
        """Write one chunk's tables; the documents file last, so that it marks a complete part."""
        self.parts.mkdir(parents=True, exist_ok=True)
        for table in ("sentences", "entities", "documents"):
            final = self.part_file(name, table)
            temporary = final.with_name(f".{final.name}.tmp")
            pq.write_table(tables[table], temporary)
            os.replace(temporary, final)

    # -- run information ----------------------------------------------------------------
    def check_model(self, version: str) -> None:
        """Refuse to add documents tagged by another model to the parts of this folder."""
        run_file = self.path / "run.json"
        if self.finished_parts() and run_file.exists():
            earlier = json.loads(run_file.read_text(encoding="utf-8")).get("model", {}).get("model_version")
            if earlier and earlier != version:
                raise OutputError(f"{self.path} holds documents tagged by model {earlier}, not {version}: "
                                  "tag into a new folder.")

    def write_run(self, info: dict) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / "run.json").write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    def open_errors(self):
        self.path.mkdir(parents=True, exist_ok=True)
        return (self.path / "errors.jsonl").open("w", encoding="utf-8")

    # -- assembly ------------------------------------------------------------------------
    def _schema(self, table: str, names: list[str]) -> pa.Schema:
        if table != "documents" or not names:
            return SCHEMAS[table]
        schemas = [pq.read_schema(self.part_file(name, table)) for name in names]
        return pa.unify_schemas([SCHEMAS[table], *schemas], promote_options="permissive")

    def _repeated_ids(self, names: list[str]) -> dict[str, list[str]]:
        """Per part, the ids of documents that an earlier part holds already (the same text read twice)."""
        seen: set[str] = set()
        repeated = {}
        for name in names:
            ids = pq.read_table(self.part_file(name, "documents"), columns=["id"]).column("id").to_pylist()
            repeated[name] = [i for i in ids if i in seen]
            seen.update(ids)
        return repeated

    def _batches(self, table: str, names: list[str], schema: pa.Schema, repeated: dict[str, list[str]]):
        key = "id" if table == "documents" else "document_id"
        for name in names:
            part = pq.read_table(self.part_file(name, table))
            if repeated[name]:
                part = part.filter(pc.invert(pc.is_in(part.column(key), pa.array(repeated[name]))))
            for field in schema:
                if field.name not in part.column_names:
                    part = part.append_column(field.name, pa.nulls(len(part), field.type))
            yield from part.select(schema.names).cast(schema).to_batches()

    def assemble(self, formats: tuple[str, ...] = ()) -> dict[str, int]:
        """Write the tables from the finished parts; returns the number of rows per table."""
        from datasets import Dataset, DatasetDict, disable_progress_bars, enable_progress_bars

        names = self.finished_parts()
        repeated = self._repeated_ids(names)
        staging = self.path / ".assembly"
        staging.mkdir(parents=True, exist_ok=True)
        (self.path / "parquet").mkdir(exist_ok=True)
        counts, datasets = {}, {}
        for table in TABLES:
            schema = self._schema(table, names)
            rows = 0
            arrow_file = staging / f"{table}.arrow"
            with pq.ParquetWriter(self.path / "parquet" / f"{table}.parquet", schema) as parquet, \
                    pa.OSFile(str(arrow_file), "wb") as sink, pa.ipc.new_stream(sink, schema) as arrow:
                for batch in self._batches(table, names, schema, repeated):
                    parquet.write_batch(batch)
                    arrow.write_batch(batch)
                    rows += batch.num_rows
            counts[table] = rows
            datasets[table] = Dataset.from_file(str(arrow_file))  # memory-mapped, not loaded
        for table in TABLES:  # the saved splits replace those of an earlier assembly
            shutil.rmtree(self.path / table, ignore_errors=True)
        disable_progress_bars()  # the run has its own progress bar; saving takes seconds
        try:
            DatasetDict(datasets).save_to_disk(str(self.path))
        finally:
            enable_progress_bars()
        del datasets
        shutil.rmtree(staging)
        for fmt in formats:
            self._export(fmt)
        return counts

    def _export(self, fmt: str) -> None:
        folder = self.path / fmt
        folder.mkdir(exist_ok=True)
        for table in TABLES:
            source = pq.ParquetFile(self.path / "parquet" / f"{table}.parquet")
            with (folder / f"{table}.{fmt}").open("w", encoding="utf-8", newline="") as out:
                writer = csv.DictWriter(out, fieldnames=source.schema_arrow.names) if fmt == "csv" else None
                if writer:
                    writer.writeheader()
                for batch in source.iter_batches():
                    for row in batch.to_pylist():
                        if writer:
                            writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v
                                             for k, v in row.items()})
                        else:
                            out.write(json.dumps(row, ensure_ascii=False) + "\n")
