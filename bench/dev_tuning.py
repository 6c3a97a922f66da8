"""Measurements on the dev split that decide the pipeline's configuration.

    python bench/dev_tuning.py [--model training/model-best]

1. Rule-component ablation: entity scores of the trained ``ner`` with and without the
   rule components ``place_rules`` (gazetteer) and ``programme_rules`` (quoted numbered
   formulas), added after it (rules fill gaps, never overwrite).
2. Per-theme decision thresholds: the threshold that maximises dev F1 for each theme.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy
import spacy

from nlp.components.themes import THEMES
from nlp.evaluation import predict_sentences, prf, score
from nlp.studio.annotations import ExportReport
from nlp.training.reader import read_split

ROOT = Path(__file__).resolve().parents[1]


RULES = ("place_rules", "programme_rules")


def with_rules(model: Path, rules: tuple[str, ...], export: Path, splits: Path):
    """The trained pipeline with exactly ``rules`` among the rule components, after ``ner``."""
    nlp = spacy.load(model, exclude=list(RULES))
    for name in reversed(rules):
        component = nlp.add_pipe(name, after="ner")
        if name == "place_rules":
            component.initialize(export=str(export), splits=str(splits))
    return nlp


def ablation(model: Path, dev, export: Path, splits: Path) -> None:
    variants = {"ner only": (), "+ place_rules": ("place_rules",), "+ programme_rules": ("programme_rules",),
                "+ both": RULES}
    print(f"{'dev entities':<22}{'PLACE P/R/F':>22}{'PROGRAMME P/R/F':>22}{'ALL F':>8}")
    for name, rules in variants.items():
        m = score(dev, predict_sentences(with_rules(model, rules, export, splits), dev))["entities"]
        cells = [f"{m[l]['p']:.3f}/{m[l]['r']:.3f}/{m[l]['f']:.3f}" for l in ("PLACE", "PROGRAMME")]
        print(f"{name:<22}{cells[0]:>22}{cells[1]:>22}{m['ALL']['f']:>8.3f}")


def thresholds(model: Path, dev) -> None:
    nlp = spacy.load(model, exclude=list(RULES))
    probabilities = []
    for doc in nlp.pipe(a.text for a in dev):
        sent_scores = [s._.theme_scores or {} for s in doc.sents]
        probabilities.append({t: max((s.get(t, 0.0) for s in sent_scores), default=0.0) for t in THEMES})
    print(f"\n{'theme':<8}{'best threshold':>16}{'dev F1 there':>14}{'dev F1 at 0.5':>15}")
    for theme in THEMES:
        gold = numpy.array([theme in a.themes for a in dev])
        p = numpy.array([x[theme] for x in probabilities])

        def f1(t):
            pred = p >= t
            return prf(int((pred & gold).sum()), int((pred & ~gold).sum()), int((~pred & gold).sum()))["f"]

        grid = numpy.round(numpy.arange(0.1, 0.91, 0.05), 2)
        best = max(grid, key=f1)
        print(f"{theme:<8}{best:>16.2f}{f1(best):>14.3f}{f1(0.5):>15.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "training" / "model-best")
    parser.add_argument("--export", type=Path, default=ROOT / "annotations" / "exports" / "gold.json")
    parser.add_argument("--splits", type=Path, default=ROOT / "annotations" / "splits.json")
    args = parser.parse_args()
    dev = read_split(args.export, "dev", args.splits, ExportReport())
    print(f"Dev split: {len(dev)} sentences\n")
    ablation(args.model, dev, args.export, args.splits)
    thresholds(args.model, dev)


if __name__ == "__main__":
    main()
