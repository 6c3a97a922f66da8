"""A training curve: dev F1 per label when training on growing shares of the train documents.

For each training seed (``system.seed``) and each fraction of the train documents (nested
samples: ``[corpora.train] fraction`` with a fixed ``fraction_seed``, so 50 % holds the
25 %), the config is trained with spaCy's loop and its ``model-last`` scored on the dev
split, per label (``PLACE``, ``PROGRAMME`` and each theme). ``model-last`` rather than
``model-best``: the model after the configured training, not one selected on the same dev.

The seeds change the initialisation and the order of the examples, not the documents, so
the spread between seeds at one point is the noise of training itself. A label "still
gains" when the mean F1 rose from the second largest to the largest fraction by more than
the larger of the two points' spreads (max − min over seeds); with one seed the noise is
not measured and the verdict is left open (``null``).
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import spacy
from spacy.cli.train import train as spacy_train

from ..annotations import ENTITY_LABELS, ExportReport
from ..components.themes import THEMES
from ..evaluation import predict_sentences, score
from .reader import read_split

LABELS = (*ENTITY_LABELS, *THEMES)
FRACTIONS = (0.25, 0.5, 0.75, 1.0)
SEEDS = (0, 1)


def dev_f1(model: Path, dev: list) -> dict[str, float]:
    """F1 per label of the pipeline at ``model`` on the dev sentences."""
    scores = score(dev, predict_sentences(spacy.load(model), dev))
    return {**{label: scores["entities"][label]["f"] for label in ENTITY_LABELS},
            **{theme: scores["themes"][theme]["f"] for theme in THEMES}}


def train_point(config: Path, fraction: float, seed: int, overrides: dict, dev: list,
                fraction_seed: int) -> dict:
    """Train on ``fraction`` of the train documents with training seed ``seed``; dev F1 per label."""
    with tempfile.TemporaryDirectory(prefix="curve-") as output:
        started = time.time()
        spacy_train(config, Path(output), overrides={**overrides, "corpora.train.fraction": fraction,
                                                     "corpora.train.fraction_seed": fraction_seed,
                                                     "system.seed": seed})
        seconds = time.time() - started
        return {"fraction": fraction, "seed": seed, "f1": dev_f1(Path(output) / "model-last", dev),
                "training_seconds": round(seconds, 1)}


def summarise(runs: list[dict], fractions: Sequence[float]) -> dict:
    """Per fraction: mean and spread of each label's F1; per label: does the last step gain."""
    points = []
    for fraction in fractions:
        at = [run["f1"] for run in runs if run["fraction"] == fraction]
        if not at:
            continue
        points.append({
            "fraction": fraction,
            "runs": len(at),
            "mean": {label: round(sum(f[label] for f in at) / len(at), 4) for label in LABELS},
            "spread": {label: round(max(f[label] for f in at) - min(f[label] for f in at), 4) for label in LABELS},
        })
    last_step = {}
    if len(points) >= 2:
        before, last = points[-2], points[-1]
        for label in LABELS:
            gain = round(last["mean"][label] - before["mean"][label], 4)
            noise = max(before["spread"][label], last["spread"][label])
            measured = min(before["runs"], last["runs"]) >= 2  # one seed measures no noise
            last_step[label] = {"gain": gain, "noise": noise, "still_gains": gain > noise if measured else None}
    return {"points": points, "last_step": last_step}


def training_curve(config: Path, fractions: Sequence[float] = FRACTIONS, seeds: Sequence[int] = SEEDS,
                   overrides: dict | None = None, fraction_seed: int = 0,
                   progress: Callable[[str], None] = print,
                   on_run: Callable[[dict], None] = lambda curve: None) -> dict:
    """Train ``len(fractions) × len(seeds)`` pipelines and collect dev F1 per label (see module docstring).

    ``on_run`` receives the curve so far after each training (all fractions of the first
    seed come first, so an interrupted run still leaves a whole curve).
    """
    overrides = dict(overrides or {})
    resolved = spacy.util.load_config(config, overrides=overrides, interpolate=True)
    paths = resolved["paths"]
    splits = Path(paths["splits"]) if paths.get("splits") else None
    dev = read_split(Path(paths["dev"]), "dev", splits, ExportReport())
    dev_limit = resolved["corpora"]["dev"].get("limit") or 0
    dev = dev[:dev_limit] if dev_limit else dev  # the dev sentences the config selects on
    if not dev:
        raise ValueError(f"{paths['dev']}: no annotated sentence in the dev split.")
    sizes = []
    for fraction in fractions:
        train = read_split(Path(paths["train"]), "train", splits, ExportReport(), fraction, fraction_seed)
        sizes.append({"fraction": fraction, "documents": len({a.doc_id for a in train}), "sentences": len(train)})
    runs: list[dict] = []

    def curve() -> dict:
        summary = summarise(runs, fractions)
        for point in summary["points"]:
            point.update(next(size for size in sizes if size["fraction"] == point["fraction"]))
        return {"config": str(config), "overrides": overrides, "fraction_seed": fraction_seed,
                "seeds": sorted({run["seed"] for run in runs}), "dev_sentences": len(dev), "labels": list(LABELS),
                **summary, "runs": runs}

    for seed in seeds:
        for size in sizes:
            progress(f"seed {seed}: training on {size['fraction']:.0%} of the train documents "
                     f"({size['documents']} documents, {size['sentences']} sentences)")
            runs.append(train_point(config, size["fraction"], seed, overrides, dev, fraction_seed))
            progress("  dev F1 " + "  ".join(f"{label} {f:.3f}" for label, f in runs[-1]["f1"].items()))
            on_run(curve())
    return curve()


def format_curve(curve: dict) -> str:
    """The curve as a table (mean dev F1 ± half the seed spread) and the last-step verdicts."""
    labels = curve["labels"]
    rows = [f"{'train docs':>10}{'sentences':>10}" + "".join(f"{label:>16}" for label in labels)]
    for point in curve["points"]:
        cells = "".join(f"{point['mean'][label]:>10.3f} ±{point['spread'][label] / 2:.3f}" for label in labels)
        rows.append(f"{point['fraction']:>9.0%} {point['sentences']:>10}" + cells)
    for label, step in curve["last_step"].items():
        verdict = {True: "still gains", False: "within the noise", None: "noise not measured (one seed)"}[
            step["still_gains"]]
        rows.append(f"{label}: last step {step['gain']:+.3f} against seed spread {step['noise']:.3f}: {verdict}")
    return "\n".join(rows)


def plot_curve(curve: dict, path: Path) -> None:
    """One line per label: mean dev F1 against train sentences, bars from the lowest to the highest seed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6.4, 4.0), dpi=100)
    x = [point["sentences"] for point in curve["points"]]
    names = {"转型": "transition", "生态": "ecology", "民生": "livelihood"}  # fonts without CJK glyphs
    for label in curve["labels"]:
        runs = [[r["f1"][label] for r in curve["runs"] if r["fraction"] == p["fraction"]] for p in curve["points"]]
        mean = [p["mean"][label] for p in curve["points"]]
        errors = [[m - min(r) for m, r in zip(mean, runs)], [max(r) - m for m, r in zip(mean, runs)]]
        axis.errorbar(x, mean, yerr=errors, marker="o", capsize=3, label=names.get(label, label))
    axis.set_xlabel("train sentences (share of the train documents)")
    axis.set_ylabel("dev F1")
    axis.set_xticks(x, [f"{s}\n{p['fraction']:.0%}" for s, p in zip(x, curve["points"])])
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    axis.set_title(f"Training curve, {len(curve['seeds'])} seed(s) per point")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def write_curve(curve: dict, output: Path) -> tuple[Path, Path]:
    """``curve.json`` and ``curve.png`` in ``output``."""
    output.mkdir(parents=True, exist_ok=True)
    json_path, png_path = output / "curve.json", output / "curve.png"
    json_path.write_text(json.dumps(curve, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    plot_curve(curve, png_path)
    return json_path, png_path
