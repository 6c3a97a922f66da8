"""``policy-nlp annotations``: statistics, agreement and the gold round trip through Label Studio."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from wasabi import msg

from .paths import AGREEMENT, DOCUMENTS, EXPORTS, GUIDELINES, JUDGEMENTS, SPLITS

GOLD_PROJECT = "Policy gold corpus"
SECOND_PASS_PROJECT = "Policy agreement second pass"


def cmd_stats(args) -> int:
    from ..studio.stats import export_stats, format_stats

    tables, report = export_stats(args.export, args.splits)
    print(format_stats(tables))
    for line in report.lines():
        print(line)
    return 0


def cmd_agreement(args) -> int:
    from ..annotations import load_export, read_annotations
    from ..corpus.sampling import read_sample
    from ..studio.agreement import agreement, split_by_annotator

    sampled = set(read_sample(args.sample)) if args.sample else None
    if args.sample and not sampled:
        msg.fail(f"{args.sample}: no sampled documents.")
        return 1

    def read(path: Path, **options) -> list:
        annotations = read_annotations(load_export(path), **options)
        return [a for a in annotations if sampled is None or a.doc_id in sampled]

    if args.second:
        first = read(args.export)
        second = read(args.second)
    else:
        groups = split_by_annotator(read(args.export, every_annotator=True))
        if len(groups) < 2:
            msg.fail(f"{args.export}: annotations of only {len(groups)} annotator(s); agreement needs two.")
            return 1
        (_, first), (_, second) = sorted(groups.items(), key=lambda kv: -len(kv[1]))[:2]
    result = agreement(first, second)
    print(f"{result['sentences']} sentences annotated by both")
    for theme, kappa in result["kappa"].items():
        print(f"  kappa {theme}: {kappa:.3f}")
    for label in result["exact_f1"]:
        print(f"  {label}: exact-span F1 {result['exact_f1'][label]:.3f}, overlap F1 {result['overlap_f1'][label]:.3f}")
    if args.json:
        result = dict(result, disagreements=dict(result["disagreements"]))
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


def _client_and_server(args):
    from ..studio.client import connect
    from ..studio.server import start_server

    if args.serve:
        server = start_server(args.serve, port=args.port)
        msg.info(f"Label Studio started at {server.url} (data in {args.serve})")
        return connect(server.url, server.token), server
    return connect(args.url, args.api_key), None


def cmd_sync(args) -> int:
    from ..studio.gold import annotated_tasks, sync_gold

    client, server = _client_and_server(args)
    try:
        instructions = GUIDELINES.read_text(encoding="utf-8") if GUIDELINES.exists() else ""
        for name, title in (("gold", GOLD_PROJECT), ("second-pass", SECOND_PASS_PROJECT)):
            judgements = JUDGEMENTS / f"{name}.jsonl"
            if not judgements.exists():
                continue
            tasks = annotated_tasks(DOCUMENTS, SPLITS, judgements)
            imported, updated, exported = sync_gold(client, title, tasks, EXPORTS / f"{name}.json", instructions,
                                                    progress=lambda line: msg.text(f"  {line}"))
            msg.good(f"{title}: {imported} tasks imported, {updated} annotations updated, "
                     f"{exported} exported → {EXPORTS / f'{name}.json'}")
    finally:
        if server:
            server.stop()
    return 0


def cmd_export_hf(args) -> int:
    from ..gold_dataset import export_gold

    _, result = export_gold(args.out, args.export, args.splits, GUIDELINES, AGREEMENT)
    for line in result.lines():
        print(line)
    for split, size in result.sizes.items():
        msg.text(f"  {split}: {size['sentences']:,} sentences of {size['documents']} documents")
    total = sum(size["sentences"] for size in result.sizes.values())
    msg.good(f"{total:,} gold sentences written to {args.out} (datasets.load_from_disk), "
             f"dataset card {args.out / 'README.md'}")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    annotations = commands.add_parser("annotations", help="gold annotations").add_subparsers(
        dest="command", required=True)
    stats = annotations.add_parser("stats", help="counts per split and checks of an export")
    stats.add_argument("export", type=Path, nargs="?", default=EXPORTS / "gold.json")
    stats.add_argument("--splits", type=Path, default=SPLITS)
    stats.set_defaults(func=cmd_stats)
    agree = annotations.add_parser("agreement", help="kappa per theme and span F1 per label")
    agree.add_argument("export", type=Path, help="an export with two annotators, or the first of two exports")
    agree.add_argument("second", type=Path, nargs="?", help="a second export of the same sentences")
    agree.add_argument("--json", type=Path, help="also write the figures and disagreements as JSON")
    agree.add_argument("--sample", type=Path,
                       help="only the documents of this sample file (e.g. annotations/sample.json)")
    agree.set_defaults(func=cmd_agreement)
    export_hf = annotations.add_parser(
        "export-hf", help="the gold as a Hugging Face DatasetDict (a split per split), with a dataset card",
        description="Write the gold sentences (text, themes, entity spans, document metadata) as a Hugging "
                    "Face DatasetDict with one split per split of the splits file, loadable with "
                    "datasets.load_from_disk(OUT), and a dataset card OUT/README.md. Everything the export "
                    "holds that is not gold is counted and printed. OUT must be new, empty or an earlier "
                    "export.")
    export_hf.add_argument("out", type=Path, help="directory to write (an earlier export there is replaced)")
    export_hf.add_argument("--export", type=Path, default=EXPORTS / "gold.json",
                           help="Label Studio export (default: annotations/exports/gold.json)")
    export_hf.add_argument("--splits", type=Path, default=SPLITS, help="default: annotations/splits.json")
    export_hf.set_defaults(func=cmd_export_hf)
    sync = annotations.add_parser("sync", help="judgements → Label Studio → annotations/exports/")
    sync.add_argument("--url", default=os.environ.get("LABEL_STUDIO_URL"))
    sync.add_argument("--api-key", default=None, help="default: $LABEL_STUDIO_API_KEY")
    sync.add_argument("--serve", type=Path, default=None, help="start a local Label Studio with data in DIR")
    sync.add_argument("--port", type=int, default=8080)
    sync.set_defaults(func=cmd_sync)

