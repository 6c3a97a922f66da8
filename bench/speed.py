"""Speed and memory on the whole corpus, in one run.

    python bench/speed.py [--model training/model-best] [--tagging-only]

Measures characters per second of: spacy_pkuseg called directly; the pipeline's
tokenizer alone; spaCy's ``char`` segmenter; the full pipeline; and, with ``--char-model``,
the full pipeline trained with ``configs/char.cfg``. Also model load time, peak resident
memory (of this process, after each stage) and the seconds each pipeline component takes.

Then, on the reports of ``--archive`` (default ``../shared/archive-sample/``): ``policy-nlp tag``
(reading, cleaning, tagging, writing the tables) in one process against the pipeline's own
``nlp.pipe`` on the same cleaned texts, and ``tag`` with ``--n-process 2`` against one process.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import spacy

from nlp.corpus.documents import read_documents
from nlp.segmentation import provision_pkuseg_model
from nlp.tagging.documents import clean_document
from nlp.tagging.inputs import RawDocument, list_inputs, read_item
from nlp.tagging.run import tag

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = ROOT.parent / "shared" / "archive-sample"


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
    parser.add_argument("--archive", type=Path, default=ARCHIVE, help="folder of Markdown reports for tagging")
    parser.add_argument("--tagging-only", action="store_true", help="measure tagging only")
    args = parser.parse_args()
    if not args.tagging_only:
        corpus_speed(args)
    tagging_speed(args.model, archive_reports(args.archive))


def archive_reports(folder: Path) -> list[Path]:
    """The reports of the archive sample (its SOURCES.md left out)."""
    return sorted(p for p in folder.glob("*.md") if p.name != "SOURCES.md")


def tagging_speed(model: Path, files: list[Path]) -> None:
    """``tag`` against ``nlp.pipe`` on the same cleaned texts; ``--n-process 2`` against 1."""
    texts = [clean_document(raw).text for item in list_inputs(files) for raw in read_item(item)
             if isinstance(raw, RawDocument)]
    chars = sum(map(len, texts))
    start = time.perf_counter()
    nlp = spacy.load(model)
    load_seconds = time.perf_counter() - start
    start = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=4):
        pass
    pipe_seconds = time.perf_counter() - start
    runs = {}
    for n_process in (1, 2):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            info = tag(files, model, Path(out), n_process=n_process, progress=False)
            runs[n_process] = time.perf_counter() - start - load_seconds
            assert info["tagged"] == len(texts), info
    print(f"\nTagging {len(files)} reports of {files[0].parent}: {chars:,} characters after cleaning; "
          f"model load {load_seconds:.1f} s (left out below)\n")
    print(f"{'run':<34}{'seconds':>10}{'chars/s':>12}")
    print(f"{'nlp.pipe (1 process)':<34}{pipe_seconds:>10.1f}{chars / pipe_seconds:>12,.0f}")
    for n_process, seconds in runs.items():
        print(f"{f'policy-nlp tag --n-process {n_process}':<34}{seconds:>10.1f}{chars / seconds:>12,.0f}")
    print(f"\ntag / nlp.pipe time: {runs[1] / pipe_seconds:.2f}x (goal <= 1.2x); "
          f"--n-process 2 speed-up: {runs[1] / runs[2]:.2f}x (goal >= 1.6x)")


def corpus_speed(args) -> None:
    """Stages and components on the whole corpus."""
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
