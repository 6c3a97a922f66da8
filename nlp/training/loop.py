"""The job behind ``train.py``: train with spaCy, then evaluate on every held-out split."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import spacy
from spacy.cli._util import parse_config_overrides
from spacy.cli.train import train as spacy_train
from wasabi import msg

from .. import components, segmentation  # noqa: F401  (registers factories and functions)
from ..annotations import ExportError, ExportReport
from ..evaluation import evaluate_held_out, format_table
from . import lexicon, meta  # noqa: F401  (registers the user dictionary function and the meta callback)
from .reader import read_split
from .splits import HELD_OUT_SPLITS

USAGE = """python train.py CONFIG [--output DIR] [--gpu-id N] [--section.key value ...]

Train the pipeline described by CONFIG (e.g. configs/base.cfg) on the train split of the
Label Studio exports, select on dev, evaluate on every held-out split (test, ood-test),
with and without each sentence's county. Overrides use spaCy's syntax:
  python train.py configs/base.cfg --training.max_epochs 3 --system.seed 1
Writes OUTPUT/model-best, OUTPUT/model-last and OUTPUT/metrics.json (default: training/)."""


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, dict]:
    parser = argparse.ArgumentParser(prog="train.py", usage=USAGE, add_help=True)
    parser.add_argument("config", nargs="?", type=Path)
    parser.add_argument("--output", "-o", type=Path, default=Path("training"))
    parser.add_argument("--gpu-id", "-g", type=int, default=-1)
    parser.add_argument("--test", type=Path, default=None, help="export to evaluate on (default: paths.train)")
    args, rest = parser.parse_known_args(argv)
    if args.config is None:
        parser.exit(2, USAGE + "\n")
    return args, parse_config_overrides(rest)


def evaluate_held_out_splits(model_dir: Path, export: Path, splits: Path | None) -> dict[str, dict]:
    """Scores of the trained model on every held-out split that has annotations."""
    gold = {split: read_split(export, split, splits, ExportReport()) for split in HELD_OUT_SPLITS}
    gold = {split: annotations for split, annotations in gold.items() if annotations}
    if not gold:
        raise ExportError(f"{export}: no annotated sentence in the held-out splits ({', '.join(HELD_OUT_SPLITS)}).")
    return evaluate_held_out(spacy.load(model_dir), gold)


def main(argv: list[str] | None = None) -> int:
    args, overrides = parse_args(sys.argv[1:] if argv is None else argv)
    if not args.config.exists():
        msg.fail(f"Config file not found: {args.config}")
        return 1
    config = spacy.util.load_config(args.config, overrides=overrides, interpolate=True)
    export = Path(config["paths"]["train"])
    splits = Path(config["paths"]["splits"]) if config["paths"].get("splits") else None
    if not export.exists():
        msg.fail(f"No annotations at {export}: the config's paths.train must point at a Label Studio export.")
        return 1
    started = time.time()
    try:
        spacy_train(args.config, args.output, use_gpu=args.gpu_id, overrides=overrides)
        seconds = time.time() - started
        scores = evaluate_held_out_splits(args.output / "model-best", args.test or export, splits)
    except ExportError as error:
        print(f"✘ {' '.join(str(error).splitlines())}", file=sys.stderr)  # one line, not wrapped
        return 1
    for name, split_scores in scores.items():
        msg.divider(f"{name} split" if not name.endswith("-no-county") else f"{name[:-10]} split, sentences without county")
        print(format_table(split_scores))
    metrics = {**scores, "training_seconds": round(seconds, 1), "config": str(args.config)}
    (args.output / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=2) + "\n")
    msg.good(f"Metrics written to {args.output / 'metrics.json'} (training took {seconds / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
