"""``policy-nlp curve``: how dev F1 grows with the share of train documents."""

from __future__ import annotations

import argparse
from pathlib import Path

from wasabi import msg


def cmd_curve(args: argparse.Namespace) -> int:
    from ..training import loop  # noqa: F401  (registers the pipeline's factories and functions)
    from ..training.curve import format_curve, training_curve, write_curve

    if not args.config.exists():
        raise FileNotFoundError(f"Config file not found: {args.config}")
    if len(args.fractions) < 2 or sorted(set(args.fractions)) != args.fractions:
        raise ValueError("--fractions needs at least two different shares in increasing order, e.g. 0.5 1.0.")
    points = len(args.fractions) * len(args.seeds)
    msg.info(f"{points} trainings of {args.config} ({len(args.fractions)} shares × {len(args.seeds)} seeds)")
    curve = training_curve(args.config, args.fractions, args.seeds, args.overrides, args.fraction_seed,
                           progress=msg.text, on_run=lambda so_far: write_curve(so_far, args.output))
    print(format_curve(curve))
    json_path, png_path = write_curve(curve, args.output)
    msg.good(f"Curve written to {json_path} and {png_path}")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    curve = commands.add_parser(
        "curve", help="train on growing shares of the train documents, dev F1 per label",
        description="Train CONFIG on 25/50/75/100 % of the train documents (nested samples), with each seed, "
                    "score every model on dev per label, write OUTPUT/curve.json and OUTPUT/curve.png and say "
                    "per label whether the last step gained more than the spread between seeds. "
                    "spaCy-style overrides follow the options: --training.max_epochs 5.")
    curve.add_argument("config", type=Path, help="training config, e.g. configs/base.cfg")
    curve.add_argument("--output", "-o", type=Path, default=Path("training/curve"),
                       help="directory for curve.json and curve.png (default: %(default)s)")
    curve.add_argument("--fractions", type=float, nargs="+", default=[0.25, 0.5, 0.75, 1.0],
                       help="shares of the train documents (default: %(default)s)")
    curve.add_argument("--seeds", type=int, nargs="+", default=[0, 1],
                       help="training seeds per share; two or more measure the noise (default: %(default)s)")
    curve.add_argument("--fraction-seed", type=int, default=0,
                       help="seed of the document order that the nested shares are cut from (default: 0)")
    curve.set_defaults(func=cmd_curve, config_overrides=True)
