"""``policy-nlp tag``: tag a folder of reports, or a dataset, into tables."""

from __future__ import annotations

import argparse
from pathlib import Path

from wasabi import msg

from .paths import MODEL


def cmd_tag(args) -> int:
    options = {"inputs": [str(p) for p in args.inputs], "model": str(args.model), "output": str(args.output),
               "n_process": args.n_process, "text_column": args.text_column, "format": args.format,
               "dask": args.dask, "partition_size": args.partition_size, "ship_model": args.ship_model}
    common = {"text_column": args.text_column, "formats": tuple(args.format), "progress": not args.quiet,
              "options": options}
    if args.dask:
        if args.n_process != 1:
            msg.fail("--n-process is for a local run; with --dask, the cluster's workers are the processes.")
            return 1
        from ..tagging.distributed import tag_on_dask

        sizing = {"partition_size": args.partition_size} if args.partition_size else {}
        info = tag_on_dask(args.inputs, args.model, args.output, args.dask, ship_model=args.ship_model, **sizing,
                           **common)
    else:
        from ..tagging.run import tag

        info = tag(args.inputs, args.model, args.output, n_process=args.n_process, **common)
    rate = info["characters"] / info["seconds"] if info["seconds"] else 0
    msg.info(f"model {info['model']['model_version']}; {info['tagged']} documents tagged "
             f"({info['characters']:,} characters, {rate:,.0f} chars/s), {info['already_done']} already done, "
             f"{info['unreadable']} unreadable" + (f" (see {args.output / 'errors.jsonl'})" if info["unreadable"] else ""))
    rows = info["rows"]
    if not rows["documents"]:
        msg.fail(f"Nothing could be tagged into {args.output}.")
        return 1
    msg.good(f"{rows['documents']} documents, {rows['sentences']} sentences, {rows['entities']} entities → "
             f"{args.output}")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    from ..tagging.store import FORMATS

    tag = commands.add_parser(
        "tag", help="tag report files or a dataset into documents, sentences and entities tables",
        description="Tag .txt/.md/.html/.docx/.pdf reports (files or folders, searched recursively) or datasets "
                    "(.parquet/.csv/.jsonl, or a saved Hugging Face dataset) into a datasets.DatasetDict with "
                    "the tables documents, sentences and entities, also written as Parquet. A rerun on the same "
                    "output skips the documents already tagged.")
    tag.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="files or folders")
    tag.add_argument("--model", type=Path, default=MODEL, help=f"trained pipeline (default {MODEL})")
    tag.add_argument("--output", "-o", type=Path, required=True, metavar="OUT", help="output folder")
    tag.add_argument("--n-process", type=int, default=1, help="processes running the pipeline (default 1)")
    tag.add_argument("--text-column", default="text", help="text column of dataset inputs (default text)")
    tag.add_argument("--format", action="append", choices=FORMATS, default=[],
                     help="also write the tables as JSON lines or CSV (repeatable)")
    tag.add_argument("--dask", metavar="ADDRESS",
                     help="run on Dask: a scheduler address (tcp://host:8786) or local:N for a local cluster of N "
                          "worker processes; OUT must be on storage every worker can write")
    tag.add_argument("--partition-size", type=int, metavar="N",
                     help="report files per Dask partition (a dataset file is one partition)")
    tag.add_argument("--ship-model", action="store_true",
                     help="with --dask: send the model directory to every worker instead of reading it from "
                          "shared storage")
    tag.add_argument("--quiet", action="store_true", help="no progress bar")
    tag.set_defaults(func=cmd_tag)
