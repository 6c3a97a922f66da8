"""A bag of character n-grams per candidate span, for ``spancat``-style components.

``policy_nlp.SpanCharBOW.v1`` scores each span of a ``(docs, spans)`` batch with a sparse
linear model over the hashed character n-grams of the span's text, followed by a sigmoid
per label. It is spaCy's ``TextCatBOW`` applied to spans instead of whole documents, with
characters instead of tokens as units: theme words in Chinese policy prose (生态, 就业,
转型) are short character sequences, and characters do not depend on the segmenter.

It reads the text only, so the component that uses it needs no ``tok2vec``.
"""

from __future__ import annotations

import numpy
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Logistic, Model, NumpyOps, SparseLinear_v2, chain, get_current_ops, with_cpu
from thinc.types import Floats2d, Ragged

SpanBatch = tuple[list[Doc], Ragged]
SparseFeatures = tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]


@registry.architectures("policy_nlp.SpanCharBOW.v1")
def build_span_char_bow(ngram_size: int = 2, length: int = 262144, nO: int | None = None) -> Model[SpanBatch, Floats2d]:
    """Character 1..``ngram_size``-grams of each span → sparse linear layer → sigmoid."""
    if ngram_size < 1:
        raise ValueError(f"ngram_size must be at least 1, got {ngram_size}.")
    length = 2 ** (length - 1).bit_length()  # SparseLinear needs a power of two
    sparse = chain(span_char_ngrams(ngram_size), SparseLinear_v2(nO=nO, length=length))
    return chain(with_cpu(sparse, get_current_ops()), Logistic())


def span_char_ngrams(ngram_size: int) -> Model[SpanBatch, SparseFeatures]:
    """Hashed character n-gram counts of each span, as SparseLinear's (keys, values, lengths)."""
    return Model("span_char_ngrams", _ngrams_forward, attrs={"ngram_size": ngram_size})


def _ngrams_forward(model: Model, docs_spans: SpanBatch, is_train: bool):
    docs, spans = docs_spans
    bounds, spans_per_doc = _on_cpu(spans.dataXd), _on_cpu(spans.lengths)
    offsets = numpy.concatenate([[0], numpy.cumsum(spans_per_doc)]).astype(int)
    per_doc = [doc_span_char_ngrams(doc, bounds[offsets[i] : offsets[i + 1]], model.attrs["ngram_size"])
               for i, doc in enumerate(docs)]
    features = tuple(numpy.concatenate(parts) for parts in zip(*per_doc)) if per_doc else _no_features(0)
    return features, lambda d_features: []


def doc_span_char_ngrams(doc: Doc, bounds: numpy.ndarray, ngram_size: int) -> SparseFeatures:
    """Distinct character n-gram keys and their counts for each token span ``bounds[i]`` of ``doc``.

    Whitespace is skipped, so n-grams run over the non-space characters; all spans of the
    document are counted at once with array operations rather than one by one.
    """
    text = doc.text
    kept = numpy.fromiter((not c.isspace() for c in text), dtype=bool, count=len(text))
    chars = numpy.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype("uint64")[kept]
    # Span character offsets, then their positions among the kept characters.
    starts = numpy.array([doc[int(start)].idx for start, _ in bounds], dtype="int64")
    ends = numpy.array([doc[int(end) - 1].idx + len(doc[int(end) - 1]) for _, end in bounds], dtype="int64")
    kept_before = numpy.concatenate([[0], numpy.cumsum(kept)])
    return unit_ngrams(chars, kept_before[starts], kept_before[ends], ngram_size)


def doc_span_word_ngrams(doc: Doc, bounds: numpy.ndarray, ngram_size: int) -> SparseFeatures:
    """Distinct word n-gram keys (hashes of the tokens' texts) and their counts for each token
    span ``bounds[i]`` of ``doc``; whitespace tokens are skipped."""
    if not len(doc):
        return _no_features(len(bounds))
    orth, is_space = doc.to_array(["ORTH", "IS_SPACE"]).T
    kept = ~is_space.astype(bool)
    kept_before = numpy.concatenate([[0], numpy.cumsum(kept)])
    bounds = numpy.asarray(bounds, dtype="int64").reshape(-1, 2)
    return unit_ngrams(orth.astype("uint64")[kept], kept_before[bounds[:, 0]], kept_before[bounds[:, 1]],
                       ngram_size)


def unit_ngrams(units: numpy.ndarray, first: numpy.ndarray, stop: numpy.ndarray, ngram_size: int) -> SparseFeatures:
    """Distinct 1..``ngram_size``-gram keys of ``units[first[i]:stop[i]]`` and their counts, per span ``i``.

    Unigram keys are the units themselves; longer n-grams are hashed (``NumpyOps.ngrams``).
    Keys come sorted within each span.
    """
    n_spans = len(first)
    span_ids, keys = [], []
    for n in range(1, ngram_size + 1):
        per_span = numpy.maximum(stop - first - n + 1, 0)  # n-grams starting at first .. stop - n
        if not per_span.sum():
            continue
        grams = units if n == 1 else NumpyOps().ngrams(n, numpy.ascontiguousarray(units))
        ids = numpy.repeat(numpy.arange(n_spans), per_span)
        within = numpy.arange(per_span.sum()) - numpy.repeat(numpy.cumsum(per_span) - per_span, per_span)
        span_ids.append(ids)
        keys.append(grams[first[ids] + within])
    if not keys:
        return _no_features(n_spans)
    span_ids, keys = numpy.concatenate(span_ids), numpy.concatenate(keys)
    order = numpy.lexsort((keys, span_ids))
    span_ids, keys = span_ids[order], keys[order]
    new_run = numpy.ones(len(keys), dtype=bool)
    new_run[1:] = (span_ids[1:] != span_ids[:-1]) | (keys[1:] != keys[:-1])
    run_starts = numpy.flatnonzero(new_run)
    counts = numpy.diff(numpy.append(run_starts, len(keys))).astype("f")
    lengths = numpy.bincount(span_ids[run_starts], minlength=n_spans).astype("int32")
    return keys[run_starts], counts, lengths


def _no_features(n_spans: int) -> SparseFeatures:
    """No keys and no counts, for ``n_spans`` spans of length 0."""
    return numpy.zeros((0,), dtype="uint64"), numpy.zeros((0,), dtype="f"), numpy.zeros((n_spans,), dtype="int32")


def _on_cpu(array) -> numpy.ndarray:
    return array.get() if hasattr(array, "get") else numpy.asarray(array)
