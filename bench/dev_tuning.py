"""Measurements on the dev split that decide the pipeline's configuration.

    python bench/dev_tuning.py [--model training/model-best]

1. Rule-component ablation: entity scores with and without an ``entity_ruler`` of
   gazetteer/train-lexicon place patterns and of train-lexicon programme patterns, added
   after the trained ``ner`` (rules fill gaps, never overwrite).
2. Per-theme decision thresholds: the threshold that maximises dev F1 for each theme.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy
import spacy

from nlp.components.patterns import place_patterns, programme_patterns
from nlp.components.themes import THEMES
from nlp.evaluation import prf, predict_sentences, score
from nlp.studio.annotations import ExportReport
from nlp.training.reader import read_split

ROOT = Path(__file__).resolve().parents[1]


def with_rulers(model: Path, patterns: list[dict]):
    nlp = spacy.load(model)
    if patterns:
        ruler = nlp.add_pipe("entity_ruler", name="rules", after="ner", config={"overwrite_ents": False})
        ruler.add_patterns(patterns)
    return nlp


def ablation(model: Path, dev, export: Path, splits: Path) -> None:
    places = place_patterns(["山西省"], str(export), str(splits))
    programmes = programme_patterns(str(export), str(splits))
    variants = {"ner only": [], "+ place rules": places, "+ programme rules": programmes,
                "+ both": places + programmes}
    print(f"{'dev entities':<22}{'PLACE P/R/F':>22}{'PROGRAMME P/R/F':>22}{'ALL F':>8}")
    for name, patterns in variants.items():
        m = score(dev, predict_sentences(with_rulers(model, patterns), dev))["entities"]
        cells = [f"{m[l]['p']:.3f}/{m[l]['r']:.3f}/{m[l]['f']:.3f}" for l in ("PLACE", "PROGRAMME")]
        print(f"{name:<22}{cells[0]:>22}{cells[1]:>22}{m['ALL']['f']:>8.3f}")


def thresholds(model: Path, dev) -> None:
    nlp = spacy.load(model)
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
