"""Does the uncertainty order save annotation? A simulation on the gold corpus.

    python bench/active_learning.py [--seed-size 100] [--batch 200] [--until 1500] [--repeats 3]

The train split of ``annotations/exports/gold.json`` plays the unlabelled pool whose labels
are revealed when a sentence is "annotated". Each run starts from the same random seed set
of train sentences and adds a batch at a time, chosen by one strategy:

* ``random``: sentences drawn at random;
* ``uncertainty``: the project's order (``studio push --order uncertainty``): the highest
  uncertainty first, the maximum over themes of ``1 − |2p − 1|``
  (:func:`nlp.studio.predictions.uncertainty`), computed by the model of the previous step;
* ``per-theme``: the themes take turns, each taking the pool sentence whose probability of
  that theme is closest to 0.5, so that every theme gets its share of the batch (the plain
  order lets the theme whose probabilities sit nearest to 0.5 fill it).

What is retrained after each batch: only the theme model (``sentence_themes`` with the
model and thresholds of ``--config``), from scratch: initialized on the annotated sentences
(which fits a TF-IDF model outright), then ``--epochs`` epochs of updates; the uncertainty order speaks for the themes
only (the entity recogniser gives no probabilities), so ``ner`` is not retrained. Scores are
dev F1 per theme and their mean. Sentences are segmented once with pkuseg.

Output: a table of mean dev F1 per strategy and size (± standard deviation over the
repeats, each with its own seed set), the annotations each strategy needs to reach the
macro-F1 that random reaches at the end, ``OUTPUT/active-learning.json`` and
``OUTPUT/active-learning.png``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy
from spacy.language import Language
from spacy.training import Example
from spacy.util import fix_random_seed, load_config, minibatch

from nlp.annotations import ExportReport
from nlp.components.themes import THEMES
from nlp.evaluation import prf
from nlp.segmentation import blank_pipeline
from nlp.studio.predictions import uncertainty
from nlp.training.examples import AlignmentReport, annotation_to_example
from nlp.training.reader import read_split

ROOT = Path(__file__).resolve().parents[1]


def theme_config(config: Path) -> dict:
    """The ``sentence_themes`` block of the training config (model and thresholds)."""
    block = load_config(config, interpolate=True)["components"]["sentence_themes"]
    return {"model": block["model"], "thresholds": dict(block["thresholds"]), "spans_key": block["spans_key"]}


def train_themes(nlp: Language, examples: list[Example], config: dict, epochs: int, seed: int):
    """A fresh ``sentence_themes`` trained on ``examples`` (replacing the previous one)."""
    if "sentence_themes" in nlp.pipe_names:
        nlp.remove_pipe("sentence_themes")
    themes = nlp.add_pipe("sentence_themes", config=config)
    fix_random_seed(seed)
    themes.initialize(lambda: examples, nlp=nlp, labels=list(THEMES))
    optimizer = themes.create_optimizer()
    order = list(examples)
    shuffle = random.Random(seed)
    for _ in range(epochs):
        shuffle.shuffle(order)
        for batch in minibatch(order, 32):
            themes.update(batch, sgd=optimizer, drop=0.2)
    return themes


def theme_probabilities(themes, examples: list[Example]) -> numpy.ndarray:
    """Sentences × themes: the probability of each theme (the maximum over a sentence's parts)."""
    docs = themes.pipe(eg.predicted.copy() for eg in examples)
    return numpy.array([[max((s._.theme_scores or {}).get(t, 0.0) for s in doc.sents) if len(doc) else 0.0
                         for t in THEMES] for doc in docs])


def dev_scores(probabilities: numpy.ndarray, gold: numpy.ndarray, thresholds: dict[str, float]) -> dict:
    scores = {}
    for i, theme in enumerate(THEMES):
        predicted = probabilities[:, i] >= thresholds[theme]
        tp, fp, fn = (predicted & gold[:, i]).sum(), (predicted & ~gold[:, i]).sum(), (~predicted & gold[:, i]).sum()
        scores[theme] = prf(int(tp), int(fp), int(fn))["f"]
    scores["macro"] = round(sum(scores[t] for t in THEMES) / len(THEMES), 4)
    return scores


# A strategy picks `size` indices out of `pool` (indices into the train sentences), given the
# current model's probabilities for every train sentence and a random generator.
Strategy = Callable[[list[int], int, numpy.ndarray, random.Random], list[int]]


def pick_random(pool, size, probabilities, rng):
    return rng.sample(pool, min(size, len(pool)))


def pick_uncertain(pool, size, probabilities, rng):
    scores = {i: uncertainty([dict(zip(THEMES, probabilities[i]))]) for i in pool}
    return sorted(pool, key=lambda i: -scores[i])[:size]


def take_turns(queues: list[list[int]], size: int) -> list[int]:
    """Round-robin over ``queues`` (each best first), skipping what another queue already gave."""
    chosen: list[int] = []
    taken: set[int] = set()
    positions = [0] * len(queues)
    while len(chosen) < size and any(p < len(q) for p, q in zip(positions, queues)):
        for k, queue in enumerate(queues):
            while positions[k] < len(queue) and queue[positions[k]] in taken:
                positions[k] += 1
            if positions[k] < len(queue) and len(chosen) < size:
                chosen.append(queue[positions[k]])
                taken.add(queue[positions[k]])
    return chosen


def pick_per_theme(pool, size, probabilities, rng):
    queues = [sorted(pool, key=lambda i, t=t: abs(probabilities[i, t] - 0.5)) for t in range(len(THEMES))]
    return take_turns(queues, size)


STRATEGIES: dict[str, Strategy] = {"random": pick_random, "uncertainty": pick_uncertain, "per-theme": pick_per_theme}


def simulate(strategy: Strategy, train: list[Example], dev: list[Example],
             dev_gold: numpy.ndarray, nlp: Language, config: dict, seed_set: list[int], batch: int, until: int,
             epochs: int, seed: int) -> list[dict]:
    """Dev scores after each batch, from the seed set up to ``until`` annotated sentences."""
    rng = random.Random(seed)
    annotated = list(seed_set)
    pool = sorted(set(range(len(train))) - set(annotated))
    curve = []
    while True:
        themes = train_themes(nlp, [train[i] for i in annotated], config, epochs, seed)
        curve.append({"annotated": len(annotated),
                      **dev_scores(theme_probabilities(themes, dev), dev_gold, config["thresholds"])})
        if len(annotated) >= until or not pool:
            return curve
        probabilities = numpy.zeros((len(train), len(THEMES)))
        if strategy is not pick_random:  # the only strategy that needs no model
            probabilities[pool] = theme_probabilities(themes, [train[i] for i in pool])
        chosen = strategy(pool, min(batch, until - len(annotated)), probabilities, rng)
        annotated += chosen
        pool = sorted(set(pool) - set(chosen))


def summarise(runs: dict[str, list[list[dict]]]) -> dict[str, list[dict]]:
    """Per strategy and size: mean and standard deviation over the repeats."""
    table = {}
    for name, repeats in runs.items():
        rows = []
        for step in zip(*repeats):
            row = {"annotated": step[0]["annotated"]}
            for key in (*THEMES, "macro"):
                values = [point[key] for point in step]
                row[key] = round(statistics.mean(values), 4)
                row[f"{key}_sd"] = round(statistics.stdev(values), 4) if len(values) > 1 else 0.0
            rows.append(row)
        table[name] = rows
    return table


def needed_to_reach(rows: list[dict], target: float) -> int | None:
    """The fewest annotated sentences at which the mean macro-F1 reaches ``target``."""
    return next((row["annotated"] for row in rows if row["macro"] >= target), None)


def plot(table: dict[str, list[dict]], full: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = {"转型": "transition", "生态": "ecology", "民生": "livelihood", "macro": "mean of the themes"}
    keys = ("macro", *THEMES)
    figure, axes = plt.subplots(1, len(keys), figsize=(13, 3.6), dpi=100, sharex=True)
    for axis, key in zip(axes, keys):
        for name, rows in table.items():
            x = [row["annotated"] for row in rows]
            y = numpy.array([row[key] for row in rows])
            sd = numpy.array([row[f"{key}_sd"] for row in rows])
            axis.plot(x, y, marker=".", label=name)
            axis.fill_between(x, y - sd, y + sd, alpha=0.15)
        axis.axhline(full[key], color="grey", linestyle="--", linewidth=1, label="all train sentences")
        axis.set_title(f"dev F1, {names[key]}", fontsize=10)
        axis.set_xlabel("annotated sentences")
        axis.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export", type=Path, default=ROOT / "annotations" / "exports" / "gold.json")
    parser.add_argument("--splits", type=Path, default=ROOT / "annotations" / "splits.json")
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "base.cfg",
                        help="the theme model and thresholds come from this config")
    parser.add_argument("--seed-size", type=int, default=100, help="random train sentences to start from")
    parser.add_argument("--batch", type=int, default=200, help="sentences annotated per step")
    parser.add_argument("--until", type=int, default=1500, help="stop at this many annotated sentences")
    parser.add_argument("--repeats", type=int, default=3, help="runs per strategy, each with its own seed set")
    parser.add_argument("--epochs", type=int, default=10, help="training epochs of each theme model")
    parser.add_argument("--strategies", nargs="+", choices=sorted(STRATEGIES), default=list(STRATEGIES))
    parser.add_argument("--output", type=Path, default=ROOT / "training" / "active-learning")
    args = parser.parse_args()

    started = time.time()
    train_gold = read_split(args.export, "train", args.splits, ExportReport())
    dev_gold = read_split(args.export, "dev", args.splits, ExportReport())
    nlp = blank_pipeline()
    nlp.add_pipe("policy_sentencizer")
    report = AlignmentReport()
    train = [annotation_to_example(nlp, a, report) for a in train_gold]
    dev = [annotation_to_example(nlp, a, report) for a in dev_gold]
    for eg in train + dev:
        nlp.get_pipe("policy_sentencizer")(eg.predicted)
    dev_labels = numpy.array([[t in a.themes for t in THEMES] for a in dev_gold])
    config = theme_config(args.config)
    print(f"{len(train)} train sentences (the pool), {len(dev)} dev sentences; segmented in "
          f"{time.time() - started:.0f} s")

    themes = train_themes(nlp, train, config, args.epochs, 0)
    full = dev_scores(theme_probabilities(themes, dev), dev_labels, config["thresholds"])
    print(f"all {len(train)} train sentences: dev macro-F1 {full['macro']:.3f}")
    runs: dict[str, list[list[dict]]] = {name: [] for name in args.strategies}
    for repeat in range(args.repeats):
        seed_set = random.Random(1000 + repeat).sample(range(len(train)), args.seed_size)
        for name in args.strategies:
            curve = simulate(STRATEGIES[name], train, dev, dev_labels, nlp, config, seed_set,
                             args.batch, args.until, args.epochs, repeat)
            runs[name].append(curve)
            print(f"repeat {repeat + 1}/{args.repeats} {name:<12} macro-F1 "
                  + " ".join(f"{point['macro']:.3f}" for point in curve) + f"   ({time.time() - started:.0f} s)")

    table = summarise(runs)
    print(f"\n{'annotated':>9}" + "".join(f"{name:>22}" for name in table))
    for i, row in enumerate(next(iter(table.values()))):
        cells = "".join(f"{rows[i]['macro']:>15.3f} ±{rows[i]['macro_sd']:.3f}" for rows in table.values())
        print(f"{row['annotated']:>9}{cells}")
    target = table["random"][-1]["macro"] if "random" in table else full["macro"]
    needed = {name: needed_to_reach(rows, target) for name, rows in table.items()}
    print(f"\nannotated sentences to reach macro-F1 {target:.3f} (random at {args.until}): "
          + ", ".join(f"{name} {n if n is not None else 'not reached'}" for name, n in needed.items()))
    print("per theme at the end: " + "; ".join(
        f"{name} " + " ".join(f"{t} {rows[-1][t]:.3f}" for t in THEMES) for name, rows in table.items()))
    args.output.mkdir(parents=True, exist_ok=True)
    result = {"settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
              "retrained": "sentence_themes only (from scratch at each step)", "full_train": full,
              "target_macro_f": target, "needed_to_reach_target": needed, "table": table, "runs": runs,
              "seconds": round(time.time() - started)}
    (args.output / "active-learning.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    plot(table, full, args.output / "active-learning.png")
    print(f"\nWritten {args.output / 'active-learning.json'} and {args.output / 'active-learning.png'} "
          f"({(time.time() - started) / 60:.1f} min)")


if __name__ == "__main__":
    main()
