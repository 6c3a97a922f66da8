"""Measurements on the dev split that decide the pipeline's configuration.

    python bench/dev_tuning.py [--model training/model-best]

1. Rule-component ablation: entity scores of the trained ``ner`` with and without the
   rule components ``place_rules`` (gazetteer) and ``programme_rules`` (quoted names),
   which run after it (rules fill gaps, never overwrite); then each rule component's dev
   F1 (sentences without their county) as the threshold of its context model varies.
2. Per-theme decision thresholds: the threshold that maximises F1 for each theme, on dev
   with the trained model, and on out-of-fold predictions of a cross-validation by
   document over train + dev (more sentences, so a steadier choice; the config uses it).
3. Theme model: ``sentence_themes`` alone with each candidate model, trained on the train
   split with the same loop and scored on dev (macro-F1 at threshold 0.5 and at the best
   threshold per theme), next to TF-IDF + logistic regression.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import numpy
import spacy
from accuracy import tfidf_themes  # bench/accuracy.py
from spacy.util import fix_random_seed, load_config, minibatch

from nlp.annotations import ExportReport
from nlp.components.themes import THEMES
from nlp.evaluation import predict_sentences, prf, score
from nlp.training.examples import AlignmentReport, annotation_to_example
from nlp.training.reader import read_split

ROOT = Path(__file__).resolve().parents[1]


RULES = ("place_rules", "programme_rules")


def ablation(model: Path, dev) -> None:
    """Entity scores of the trained pipeline with some of its rule components disabled."""
    nlp = spacy.load(model)
    variants = {"ner only": RULES, "+ place_rules": ("programme_rules",), "+ programme_rules": ("place_rules",),
                "+ both": ()}
    print(f"{'dev entities':<22}{'PLACE P/R/F':>22}{'PROGRAMME P/R/F':>22}{'ALL F':>8}")
    for name, disabled in variants.items():
        with nlp.select_pipes(disable=list(disabled)):
            m = score(dev, predict_sentences(nlp, dev))["entities"]
        cells = [f"{m[l]['p']:.3f}/{m[l]['r']:.3f}/{m[l]['f']:.3f}" for l in ("PLACE", "PROGRAMME")]
        print(f"{name:<22}{cells[0]:>22}{cells[1]:>22}{m['ALL']['f']:>8.3f}")


def rule_thresholds(model: Path, dev, thresholds=(0.2, 0.3, 0.4, 0.5, 0.6)) -> None:
    """Dev F1 of each rule component's label as its context-model threshold varies."""
    nlp = spacy.load(model)
    print(f"\n{'rule threshold':<16}" + "".join(f"{t:>8}" for t in thresholds))
    for name, label in (("place_rules", "PLACE"), ("programme_rules", "PROGRAMME")):
        component, kept = nlp.get_pipe(name), nlp.get_pipe(name).threshold
        scores = []
        for threshold in thresholds:
            component.threshold = threshold
            scores.append(score(dev, predict_sentences(nlp, dev, with_county=False))["entities"][label]["f"])
        component.threshold = kept
        print(f"{label:<16}" + "".join(f"{f:>8.3f}" for f in scores))


THRESHOLD_GRID = numpy.round(numpy.arange(0.05, 0.951, 0.05), 2)


def theme_probabilities(nlp, dev) -> dict[str, numpy.ndarray]:
    """Theme → probability per dev sentence, as ``sentence_themes`` of ``nlp`` scores it."""
    rows = []
    for doc in nlp.pipe(a.text for a in dev):
        sent_scores = [s._.theme_scores or {} for s in doc.sents]
        rows.append({t: max((s.get(t, 0.0) for s in sent_scores), default=0.0) for t in THEMES})
    return {t: numpy.array([row[t] for row in rows]) for t in THEMES}


def theme_f1(probabilities: numpy.ndarray, gold: numpy.ndarray, threshold: float) -> float:
    predicted = probabilities >= threshold
    tp, fp, fn = (predicted & gold).sum(), (predicted & ~gold).sum(), (~predicted & gold).sum()
    return prf(int(tp), int(fp), int(fn))["f"]


def best_threshold(probabilities: numpy.ndarray, gold: numpy.ndarray) -> float:
    return float(max(THRESHOLD_GRID, key=lambda t: theme_f1(probabilities, gold, t)))


def cross_validated_thresholds(nlp, architecture: dict, annotations, folds: int, epochs: int) -> None:
    """Thresholds from out-of-fold probabilities: the theme model ``architecture`` is trained
    on all but one fold of documents and scores the held-out fold, for each fold in turn."""
    doc_ids = sorted({a.doc_id for a in annotations})
    fold_of = {doc_id: i % folds for i, doc_id in enumerate(doc_ids)}
    held_out, probabilities = [], {t: [] for t in THEMES}
    for fold in range(folds):
        train = [a for a in annotations if fold_of[a.doc_id] != fold]
        test = [a for a in annotations if fold_of[a.doc_id] == fold]
        for theme, p in theme_probabilities(train_theme_model(nlp, architecture, train, epochs), test).items():
            probabilities[theme].append(p)
        held_out += test
    print(f"\n{folds}-fold cross-validation over the {len(doc_ids)} train and dev documents ({len(held_out)} sentences)")
    print(f"{'theme':<8}{'best threshold':>16}{'F1 there':>10}{'F1 at 0.5':>11}")
    for theme in THEMES:
        gold = numpy.array([theme in a.themes for a in held_out])
        p = numpy.concatenate(probabilities[theme])
        best = best_threshold(p, gold)
        print(f"{theme:<8}{best:>16.2f}{theme_f1(p, gold, best):>10.3f}{theme_f1(p, gold, 0.5):>11.3f}")


def thresholds(model: Path, dev) -> None:
    probabilities = theme_probabilities(spacy.load(model, exclude=list(RULES)), dev)
    print(f"\n{'theme':<8}{'best threshold':>16}{'dev F1 there':>14}{'dev F1 at 0.5':>15}")
    for theme in THEMES:
        gold = numpy.array([theme in a.themes for a in dev])
        best = best_threshold(probabilities[theme], gold)
        print(f"{theme:<8}{best:>16.2f}{theme_f1(probabilities[theme], gold, best):>14.3f}"
              f"{theme_f1(probabilities[theme], gold, 0.5):>15.3f}")


def char_bow(ngram_size: int) -> dict:
    return {"@architectures": "policy_nlp.SpanCharBOW.v1", "ngram_size": ngram_size, "length": 262144, "nO": None}


def tfidf_logreg(word_ngram_size: int, regularisation: float) -> dict:
    return {"@architectures": "policy_nlp.SpanTfidfLogReg.v1", "char_ngram_size": 3, "min_df": 2,
            "word_ngram_size": word_ngram_size, "regularisation": regularisation, "nO": None}


THEME_MODELS = {
    "char 1-grams, BOW": char_bow(1),
    "char 1-2-grams, BOW": char_bow(2),
    "char 1-3-grams, BOW": char_bow(3),
    "TF-IDF char 1-3, C 4": tfidf_logreg(0, 4.0),
    "TF-IDF char 1-3, C 8": tfidf_logreg(0, 8.0),
    "TF-IDF + words 1, C 8": tfidf_logreg(1, 8.0),
    "TF-IDF + words 1-2, C 8": tfidf_logreg(2, 8.0),
    "TF-IDF + words 1-2, C 16": tfidf_logreg(2, 16.0),
    "pooled CNN over tokens": {
        "@architectures": "spacy.SpanCategorizer.v1",
        "reducer": {"@layers": "spacy.mean_max_reducer.v1", "hidden_size": 128},
        "scorer": {"@layers": "spacy.LinearLogistic.v1", "nO": None, "nI": None},
        "tok2vec": {"@architectures": "spacy.HashEmbedCNN.v2", "pretrained_vectors": None, "width": 96,
                    "depth": 4, "embed_size": 2000, "window_size": 1, "maxout_pieces": 3,
                    "subword_features": True},
    },
}


def sentencizer_pipeline(model: Path):
    """The trained pipeline's tokenizer and sentencizer, without its other components."""
    pipeline = load_config(model / "config.cfg")["nlp"]["pipeline"]
    return spacy.load(model, exclude=[name for name in pipeline if name != "policy_sentencizer"])


def train_theme_model(nlp, architecture: dict, train, epochs: int):
    """``nlp`` with a fresh ``sentence_themes`` of ``architecture`` (replacing the previous
    one), trained on the ``train`` annotations."""
    if "sentence_themes" in nlp.pipe_names:
        nlp.remove_pipe("sentence_themes")
    themes = nlp.add_pipe("sentence_themes", config={"model": architecture})
    examples = [annotation_to_example(nlp, a, AlignmentReport()) for a in train]
    fix_random_seed(0)
    themes.initialize(lambda: examples, nlp=nlp)
    optimizer = nlp.create_optimizer()
    for _ in range(epochs):
        random.shuffle(examples)
        for batch in minibatch(examples, 32):
            themes.update(batch, sgd=optimizer, drop=0.2)
    return nlp


def theme_models(nlp, train, dev, epochs: int) -> None:
    gold = {t: numpy.array([t in a.themes for a in dev]) for t in THEMES}
    print(f"\n{'dev themes macro-F1':<28}{'at 0.5':>8}{'at best':>9}   per theme at best")
    for name, architecture in THEME_MODELS.items():
        probabilities = theme_probabilities(train_theme_model(nlp, architecture, train, epochs), dev)
        at_half = [theme_f1(probabilities[t], gold[t], 0.5) for t in THEMES]
        at_best = [theme_f1(probabilities[t], gold[t], best_threshold(probabilities[t], gold[t])) for t in THEMES]
        per_theme = " ".join(f"{t} {f:.3f}" for t, f in zip(THEMES, at_best))
        print(f"{name:<28}{numpy.mean(at_half):>8.3f}{numpy.mean(at_best):>9.3f}   {per_theme}")
    tfidf = score(dev, tfidf_themes(train, dev))["themes"]
    print(f"{'TF-IDF char 1-3 + LogReg':<28}{numpy.mean([tfidf[t]['f'] for t in THEMES]):>8.3f}{'–':>9}   "
          + " ".join(f"{t} {tfidf[t]['f']:.3f}" for t in THEMES))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "training" / "model-best")
    parser.add_argument("--export", type=Path, default=ROOT / "annotations" / "exports" / "gold.json")
    parser.add_argument("--splits", type=Path, default=ROOT / "annotations" / "splits.json")
    parser.add_argument("--epochs", type=int, default=10, help="training epochs of each theme model")
    parser.add_argument("--folds", type=int, default=5, help="folds of the threshold cross-validation")
    args = parser.parse_args()
    train = read_split(args.export, "train", args.splits, ExportReport())
    dev = read_split(args.export, "dev", args.splits, ExportReport())
    print(f"Dev split: {len(dev)} sentences\n")
    ablation(args.model, dev)
    rule_thresholds(args.model, dev)
    thresholds(args.model, dev)
    sentencizer = sentencizer_pipeline(args.model)
    configured = load_config(args.model / "config.cfg")["components"]["sentence_themes"]["model"]
    cross_validated_thresholds(sentencizer, configured, train + dev, args.folds, args.epochs)
    theme_models(sentencizer, train, dev, args.epochs)


if __name__ == "__main__":
    main()
