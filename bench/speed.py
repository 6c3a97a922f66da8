"""Speed and memory on the whole corpus, in one run.

    python bench/speed.py [--model training/model-best]

Measures characters per second of: spacy_pkuseg called directly; the pipeline's
tokenizer alone; spaCy's ``char`` segmenter; the full pipeline; and, with ``--char-model``,
the full pipeline trained with ``configs/char.cfg``. Also model load time, peak resident
memory (of this process, after each stage) and the seconds each pipeline component takes.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import spacy

from nlp.corpus.documents import read_documents
from nlp.segmentation import provision_pkuseg_model

ROOT = Path(__file__).resolve().parents[1]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label, texts, run, results):
    chars = sum(len(t) for t in texts)
    start = time.perf_counter()
    run(texts)
    seconds = time.perf_counter() - start
    results.append((label, chars / seconds, seconds, peak_mb()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "training" / "model-best")
    parser.add_argument("--char-model", type=Path, default=None,
                        help="a model trained with configs/char.cfg, e.g. training-char/model-best")
    args = parser.parse_args()
    texts = [d.text for d in read_documents(ROOT / "annotations" / "corpus" / "documents.jsonl")]
    results: list = []

    import spacy_pkuseg

    segmenter = spacy_pkuseg.pkuseg(str(provision_pkuseg_model()))
    timed("spacy_pkuseg direct", texts, lambda ts: [segmenter.cut(t) for t in ts], results)

    start = time.perf_counter()
    nlp = spacy.load(args.model)
    load_seconds = time.perf_counter() - start
    timed("pipeline tokenizer only", texts, lambda ts: [nlp.make_doc(t) for t in ts], results)
    char_nlp = spacy.blank("zh")
    timed("spaCy char segmenter", texts, lambda ts: [char_nlp.make_doc(t) for t in ts], results)
    timed("full pipeline", texts, lambda ts: list(nlp.pipe(ts, batch_size=4)), results)
    if args.char_model:
        char_model = spacy.load(args.char_model)
        timed("char-segmenter pipeline", texts, lambda ts: list(char_model.pipe(ts, batch_size=4)), results)
    per_component = component_seconds(nlp, texts)

    print(f"Corpus: {len(texts)} documents, {sum(map(len, texts)):,} characters. Model load: {load_seconds:.2f} s\n")
    print(f"{'stage':<26}{'chars/s':>12}{'seconds':>10}{'peak RSS MB':>14}")
    for label, rate, seconds, memory in results:
        print(f"{label:<26}{rate:>12,.0f}{seconds:>10.2f}{memory:>14.0f}")
    tokenizer = next(r for r in results if r[0] == "pipeline tokenizer only")
    full = next(r for r in results if r[0] == "full pipeline")
    print(f"\nfull pipeline / tokenizer time: {full[2] / tokenizer[2]:.2f}x")
    print(f"\n{'component':<26}{'seconds':>10}")
    for name, seconds in per_component.items():
        print(f"{name:<26}{seconds:>10.2f}")


def component_seconds(nlp, texts) -> dict[str, float]:
    """Seconds each component of ``nlp`` takes over ``texts``, run in pipeline order."""
    docs = [nlp.make_doc(t) for t in texts]
    seconds = {}
    for name, component in nlp.pipeline:
        start = time.perf_counter()
        if hasattr(component, "pipe"):
            docs = list(component.pipe(docs, batch_size=4))
        else:
            docs = [component(doc) for doc in docs]
        seconds[name] = time.perf_counter() - start
    return seconds


if __name__ == "__main__":
    main()
