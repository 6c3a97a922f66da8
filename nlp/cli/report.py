"""``policy-nlp report``: the tables of ``policy-nlp tag`` as one HTML page to read and send."""

from __future__ import annotations

import argparse
from pathlib import Path

from wasabi import msg


def cmd_report(args) -> int:
    from ..reporting import write_report

    if args.sample < 0:
        raise ValueError(f"--sample must be 0 or more (got {args.sample}).")
    summary = write_report(args.out, args.output, sample=args.sample, seed=args.seed)
    for note in summary.notes:
        msg.warn(note)
    size = summary.path.stat().st_size / 1024
    msg.good(
        f"Report on {summary.documents} documents, {summary.sentences} sentences and {summary.entities} "
        f"entities written to {summary.path} ({size:,.0f} KB)"
    )
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser(
        "report",
        help="OUT/report.html: themes, programmes and places of tagged documents",
        description="Write one self-contained HTML page (no network needed to open it) on the tables that "
        "`policy-nlp tag` wrote to OUT: per document its theme profile and most frequent programmes "
        "and places; across documents theme shares by place and year, shared programmes and places "
        "by province; a sample of sentences with their entities and themes.",
    )
    report.add_argument("out", type=Path, help="the output directory of `policy-nlp tag`")
    report.add_argument(
        "--output", "-o", type=Path, default=None, help="the HTML file (default: OUT/report.html)"
    )
    report.add_argument(
        "--sample", type=int, default=30, help="sentences shown with their entities (default: 30)"
    )
    report.add_argument("--seed", type=int, default=0, help="seed of the sentence sample (default: 0)")
    report.set_defaults(func=cmd_report)
