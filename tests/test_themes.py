"""The sentence-theme component and its two models (TF-IDF + logistic regression, character bag), trained in-process."""

import random

import numpy
import pytest
import spacy
from sklearn.feature_extraction.text import TfidfVectorizer
from spacy.tokens import Doc
from spacy.training import Example
from thinc.types import Ragged

from nlp.components.sentence_bow import span_char_ngrams
from nlp.components.span_tfidf import (
    TFIDF_REF,
    build_span_tfidf_logreg,
    fit_span_tfidf,
    span_term_counts,
    tfidf_matrix,
)

TRAINING = [
    ("全力打好蓝天保卫战，空气质量优良天数达到280天。", ["生态"]),
    ("完成造林绿化2万亩，汾河水质稳定达标。", ["生态"]),
    ("新增城镇就业3000人，城乡居民收入稳步增长。", ["民生"]),
    ("新建改建学校5所，基本医疗保险参保率98%。", ["民生"]),
    ("规上工业增加值增长12%，新引进项目20个。", ["转型"]),
    ("深化放管服改革，持续优化营商环境。", ["转型"]),
    ("会议由县长主持。", []),
    ("推进煤改气工程，惠及群众2000户。", ["生态", "民生"]),
    ("持续打好碧水保卫战，汾河水质优良。", ["生态"]),
    ("城镇新增就业岗位2000个，居民收入增长。", ["民生"]),
    ("新引进工业项目15个，规上工业增加值增长。", ["转型"]),
]


def training_examples(nlp) -> list[Example]:
    """The sentences above as examples of ``nlp`` (which has ``policy_sentencizer``), each sentence its span."""
    examples = []
    for text, themes in TRAINING:
        predicted = nlp.get_pipe("policy_sentencizer")(nlp.make_doc(text))
        reference = predicted.copy()
        reference.spans["themes"] = [reference[:].char_span(0, len(text), label=t) for t in themes]
        examples.append(Example(predicted, reference))
    return examples


def test_char_ngrams_count_each_distinct_gram_of_each_span():
    nlp = spacy.blank("zh")
    doc = nlp("蓝天蓝天。就业")
    spans = Ragged(numpy.array([[0, 5], [5, 7]], dtype="i"), numpy.array([2], dtype="i"))
    keys, counts, lengths = span_char_ngrams(2).predict(([doc], spans))
    # 蓝天蓝天。: unigrams 蓝 天 。 (蓝, 天 twice) and bigrams 蓝天 (twice) 天蓝 天。 → 6 distinct
    # 就业: 就 业 就业 → 3 distinct
    assert list(lengths) == [6, 3]
    assert sorted(counts[:6].tolist()) == [1, 1, 1, 2, 2, 2]
    assert len(keys) == 9


def test_whitespace_is_skipped_and_short_spans_have_only_short_grams():
    doc = Doc(spacy.blank("zh").vocab, words=["好", "\n", "就业"], spaces=[False, False, False])
    spans = Ragged(numpy.array([[0, 1], [1, 2], [0, 3]], dtype="i"), numpy.array([3], dtype="i"))
    _, _, lengths = span_char_ngrams(3).predict(([doc], spans))
    # 好 → 好; "\n" → nothing; 好\n就业 → 好 就 业 好就 就业 好就业
    assert list(lengths) == [1, 0, 6]


def test_a_whitespace_only_document_has_no_features():
    doc = Doc(spacy.blank("zh").vocab, words=[" \n "], spaces=[False])
    spans = Ragged(numpy.array([[0, 1]], dtype="i"), numpy.array([1], dtype="i"))
    keys, _, lengths = span_char_ngrams(2).predict(([doc], spans))
    assert list(lengths) == [0] and len(keys) == 0


@pytest.fixture(scope="module")
def trained_themes():
    """A pipeline of sentences and themes with the character-bag model, trained on the sentences
    above until it fits them."""
    nlp = spacy.blank("zh")  # themes read characters, so the character segmenter is enough
    nlp.add_pipe("policy_sentencizer")
    nlp.add_pipe("sentence_themes", config={"model": {"@architectures": "policy_nlp.SpanCharBOW.v1",
                                                      "ngram_size": 2, "length": 262144, "nO": None}})
    examples = training_examples(nlp)
    optimizer = nlp.initialize(lambda: examples)
    random.seed(0)
    for _ in range(30):
        random.shuffle(examples)
        nlp.update(examples, sgd=optimizer, drop=0.0)
    return nlp


def test_trained_themes_fit_their_training_sentences(trained_themes):
    for text, themes in TRAINING:
        (sent,) = trained_themes(text).sents
        assert sorted(sent._.themes) == sorted(themes), text


def test_each_sentence_of_a_document_gets_its_own_themes_and_the_document_their_shares(trained_themes):
    doc = trained_themes("持续打好碧水保卫战，优良天数增加。新增城镇就业2000人。会议由县长主持。")
    sents = list(doc.sents)
    assert [s._.themes for s in sents] == [["生态"], ["民生"], []]
    assert set(sents[0]._.theme_scores) == {"转型", "生态", "民生"}
    assert doc._.themes == pytest.approx({"转型": 0.0, "生态": 1 / 3, "民生": 1 / 3})


def test_thresholds_come_from_the_config(trained_themes, tmp_path):
    trained_themes.to_disk(tmp_path / "model")
    strict = spacy.load(tmp_path / "model", config={"components": {"sentence_themes": {"thresholds": {"民生": 1.0}}}})
    (sent,) = strict("新增城镇就业3000人，城乡居民收入稳步增长。").sents
    assert sent._.theme_scores["民生"] > 0.5
    assert "民生" not in sent._.themes


def whole_sentences(nlp, texts):
    docs = [nlp.make_doc(t) for t in texts]
    spans = Ragged(numpy.array([[0, len(d)] for d in docs], dtype="i"), numpy.ones(len(docs), dtype="i"))
    return docs, spans


def string_terms(text: str, words: list[str], char_ngram_size: int, word_ngram_size: int) -> list[str]:
    """The model's terms spelled out as strings: character n-grams without whitespace, word n-grams."""
    chars = "".join(text.split())
    terms = [chars[i:i + n] for n in range(1, char_ngram_size + 1) for i in range(len(chars) - n + 1)]
    return terms + ["w:" + " ".join(words[i:i + n]) for n in range(1, word_ngram_size + 1)
                    for i in range(len(words) - n + 1)]


def test_term_counts_are_character_ngrams_without_whitespace_and_word_ngrams():
    nlp = spacy.blank("zh")  # character tokens: words are characters here
    docs, spans = whole_sentences(nlp, ["就业 就业", "增长"])
    model = build_span_tfidf_logreg(char_ngram_size=2, word_ngram_size=1).get_ref(TFIDF_REF)
    _keys, counts, lengths = span_term_counts(model, (docs, spans))
    # 就业 就业: 就 业 (twice each), 就业 (twice), 业就 → 4 character terms; words 就 业 → 2
    assert lengths.tolist() == [6, 5]   # 增长: 增 长 增长 + words 增 长
    assert sorted(counts[:6].tolist()) == [1, 2, 2, 2, 2, 2]


@pytest.mark.parametrize("word_ngram_size", [0, 2])
def test_features_equal_scikit_learns_tfidf_of_the_same_terms(word_ngram_size):
    nlp = spacy.blank("zh")
    texts = [text for text, _ in TRAINING]
    model = build_span_tfidf_logreg(char_ngram_size=2, word_ngram_size=word_ngram_size, min_df=1)
    docs, spans = whole_sentences(nlp, texts)
    targets = numpy.array([[("生态" in themes)] for _, themes in TRAINING], dtype="f")
    fit_span_tfidf(model, [d[:] for d in docs], targets)
    expected = TfidfVectorizer(analyzer=lambda t: t, min_df=1, sublinear_tf=True).fit_transform(
        [string_terms(d.text, [t.text for t in d if not t.is_space], 2, word_ngram_size) for d in docs])
    features = tfidf_matrix(model.get_ref(TFIDF_REF), (docs, spans))
    assert features.shape == expected.shape
    for ours, theirs in zip(features, expected):  # the same weights; columns are ordered differently
        assert numpy.allclose(numpy.sort(ours.data), numpy.sort(theirs.data), atol=1e-6)


def test_terms_unseen_in_training_are_ignored():
    nlp = spacy.blank("zh")
    model = build_span_tfidf_logreg(char_ngram_size=1, word_ngram_size=0, min_df=1)
    docs, _ = whole_sentences(nlp, ["就业", "生态"])
    fit_span_tfidf(model, [d[:] for d in docs], numpy.array([[1.0], [0.0]], dtype="f"))
    unseen = whole_sentences(nlp, ["鑫淼"])
    assert tfidf_matrix(model.get_ref(TFIDF_REF), unseen).nnz == 0
    assert model.predict(unseen).shape == (1, 1)


@pytest.fixture(scope="module")
def fitted_themes():
    """Sentences and themes with the TF-IDF model, initialized and then trained for a few epochs."""
    nlp = spacy.blank("zh")
    nlp.add_pipe("policy_sentencizer")
    nlp.add_pipe("sentence_themes", config={"model": {
        "@architectures": "policy_nlp.SpanTfidfLogReg.v1", "char_ngram_size": 3, "word_ngram_size": 1,
        "min_df": 1, "regularisation": 8.0, "nO": None}})
    examples = training_examples(nlp)
    optimizer = nlp.initialize(lambda: examples)
    fitted = nlp.get_pipe("sentence_themes").model.get_ref(TFIDF_REF).get_param("W").copy()
    random.seed(0)
    for _ in range(5):
        nlp.update(examples, sgd=optimizer)
    return nlp, fitted


def test_initialize_fits_every_theme_and_training_keeps_the_fit(fitted_themes):
    nlp, fitted = fitted_themes
    weights = nlp.get_pipe("sentence_themes").model.get_ref(TFIDF_REF).get_param("W")
    assert weights.shape[0] == 3 and numpy.abs(weights).sum(axis=1).min() > 0
    assert numpy.array_equal(weights, fitted)


def test_fitted_themes_tag_new_sentences(fitted_themes):
    nlp, _ = fitted_themes
    doc = nlp("打好蓝天保卫战，汾河水质达标。新增城镇就业岗位。规上工业增加值增长。")
    assert [s._.themes for s in doc.sents] == [["生态"], ["民生"], ["转型"]]


def test_the_fitted_model_is_saved_and_loaded_with_the_pipeline(fitted_themes, tmp_path):
    nlp, _ = fitted_themes
    nlp.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    text = "持续打好蓝天保卫战，新增就业1000人。"
    (before,) = nlp(text).sents
    (after,) = loaded(text).sents
    assert after._.theme_scores == before._.theme_scores
