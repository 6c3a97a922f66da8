"""TF-IDF + logistic regression per candidate span, for ``spancat``-style components.

``policy_nlp.SpanTfidfLogReg.v1`` represents each span by the TF-IDF weights of its terms:
character 1..``char_ngram_size``-grams (theme words in Chinese policy prose, 生态, 就业, 转型,
are short character sequences that do not depend on the segmenter) and 1..``word_ngram_size``-
grams of its pkuseg tokens. Term frequencies are sublinear (1 + log tf), each span's vector
has unit length, and each label gets a logistic regression over it.

A logistic regression on these features is fitted best by a convex solver, not by epochs
of gradient steps: ``fit_span_tfidf`` fits it with scikit-learn (class-balanced, with
``regularisation`` as the inverse L2 strength) on every training span, and the component
calls it at ``initialize``. The fitted vocabulary, IDF and weights are the layer's attributes
and parameters, so applying the model needs neither scikit-learn nor a refit. The layer
passes no gradient to its weights: ten further epochs of gradient updates after the fit
lowered macro-F1 on dev from 0.884 to 0.882 and on ood-test from 0.883 to 0.874, so the
training loop reports the component's loss but keeps the fitted weights.
"""

from __future__ import annotations

from collections import Counter

import numpy
from scipy import sparse
from spacy.tokens import Doc, Span
from spacy.util import registry
from thinc.api import Logistic, Model, chain
from thinc.types import Floats2d, Ragged

SpanBatch = tuple[list[Doc], Ragged]
TFIDF_REF = "tfidf"


@registry.architectures("policy_nlp.SpanTfidfLogReg.v1")
def build_span_tfidf_logreg(char_ngram_size: int = 3, word_ngram_size: int = 2, min_df: int = 2,
                            regularisation: float = 8.0, nO: int | None = None) -> Model[SpanBatch, Floats2d]:
    """TF-IDF of the span's character and word n-grams → linear layer → sigmoid per label."""
    if char_ngram_size < 1 or word_ngram_size < 0:
        raise ValueError("char_ngram_size must be at least 1 and word_ngram_size at least 0, "
                         f"got {char_ngram_size} and {word_ngram_size}.")
    tfidf = Model(
        "span_tfidf_linear",
        _linear_forward,
        init=_linear_init,
        dims={"nO": nO},
        params={"W": None, "b": None},
        attrs={"char_ngram_size": char_ngram_size, "word_ngram_size": word_ngram_size, "min_df": min_df,
               "regularisation": regularisation, "vocabulary": {}, "idf": numpy.zeros((0,), dtype="f")},
    )
    model = chain(tfidf, Logistic())
    model.set_ref(TFIDF_REF, tfidf)
    return model


def span_terms(span: Span, char_ngram_size: int, word_ngram_size: int) -> list[str]:
    """The span's character n-grams (whitespace removed) and its word n-grams (marked ``w:``)."""
    text = "".join(span.text.split())
    terms = [text[i:i + n] for n in range(1, char_ngram_size + 1) for i in range(len(text) - n + 1)]
    words = [token.text for token in span if not token.is_space]
    terms += ["w:" + " ".join(words[i:i + n]) for n in range(1, word_ngram_size + 1)
              for i in range(len(words) - n + 1)]
    return terms


def fit_span_tfidf(model: Model, spans: list[Span], targets: numpy.ndarray) -> None:
    """Fit the vocabulary, IDF and per-label weights of ``model`` on ``spans`` (rows of ``targets``)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    layer = model.get_ref(TFIDF_REF) if model.has_ref(TFIDF_REF) else model
    attrs = layer.attrs
    vectorizer = TfidfVectorizer(analyzer=lambda terms: terms, min_df=attrs["min_df"], sublinear_tf=True)
    matrix = vectorizer.fit_transform([span_terms(s, attrs["char_ngram_size"], attrs["word_ngram_size"])
                                       for s in spans])
    n_labels = targets.shape[1]
    weights = numpy.zeros((n_labels, matrix.shape[1]), dtype="f")
    bias = numpy.zeros((n_labels,), dtype="f")
    for j in range(n_labels):
        positive = targets[:, j] > 0.5
        if positive.all() or not positive.any():  # one class only: a constant score
            bias[j] = 10.0 if positive.all() else -10.0
            continue
        regression = LogisticRegression(C=attrs["regularisation"], class_weight="balanced", max_iter=3000)
        regression.fit(matrix, positive)
        weights[j], bias[j] = regression.coef_[0], regression.intercept_[0]
    attrs["vocabulary"] = {term: int(column) for term, column in vectorizer.vocabulary_.items()}
    attrs["idf"] = vectorizer.idf_.astype("f")
    layer.set_dim("nO", n_labels, force=True)
    layer.set_param("W", weights)
    layer.set_param("b", bias)


def tfidf_matrix(model: Model, docs_spans: SpanBatch) -> sparse.csr_matrix:
    """The L2-normalised TF-IDF rows of every span in the batch, over the fitted vocabulary."""
    docs, spans = docs_spans
    attrs = model.attrs
    vocabulary, idf = attrs["vocabulary"], attrs["idf"]
    bounds, per_doc = numpy.asarray(spans.dataXd), numpy.asarray(spans.lengths)
    rows, columns, values, row = [], [], [], 0
    offset = 0
    for doc, n in zip(docs, per_doc):
        for start, end in bounds[offset:offset + n]:
            counts = Counter(vocabulary[t] for t in span_terms(doc[int(start):int(end)], attrs["char_ngram_size"],
                                                                attrs["word_ngram_size"]) if t in vocabulary)
            if counts:
                cols = numpy.fromiter(counts.keys(), dtype="int64", count=len(counts))
                tf = numpy.fromiter(counts.values(), dtype="f", count=len(counts))
                weight = (1.0 + numpy.log(tf)) * idf[cols]
                weight /= numpy.linalg.norm(weight)
                rows.append(numpy.full(len(cols), row))
                columns.append(cols)
                values.append(weight)
            row += 1
        offset += n
    shape = (row, len(idf))
    if not rows:
        return sparse.csr_matrix(shape, dtype="f")
    return sparse.csr_matrix((numpy.concatenate(values), (numpy.concatenate(rows), numpy.concatenate(columns))),
                             shape=shape, dtype="f")


def _linear_init(model: Model, X: SpanBatch | None = None, Y: Floats2d | None = None) -> None:
    if Y is not None and not model.has_dim("nO"):
        model.set_dim("nO", Y.shape[1])
    n_out = model.get_dim("nO")
    if not model.has_param("W"):
        model.set_param("W", numpy.zeros((n_out, len(model.attrs["idf"])), dtype="f"))
        model.set_param("b", numpy.zeros((n_out,), dtype="f"))


def _linear_forward(model: Model, docs_spans: SpanBatch, is_train: bool):
    features = tfidf_matrix(model, docs_spans)
    weights, bias = model.get_param("W"), model.get_param("b")
    scores = numpy.asarray(features @ weights.T, dtype="f") + bias

    def backprop(d_scores: Floats2d) -> list:
        return []  # fitted at initialize, not by gradient steps (see the module docstring)

    return model.ops.asarray2f(scores), backprop
