"""The sentence-theme component and its character n-gram model, trained in-process."""

import random

import numpy
import pytest
import spacy
from spacy.tokens import Doc
from spacy.training import Example
from thinc.types import Ragged

from nlp.components.sentence_bow import span_char_ngrams

TRAINING = [
    ("全力打好蓝天保卫战，空气质量优良天数达到280天。", ["生态"]),
    ("完成造林绿化2万亩，汾河水质稳定达标。", ["生态"]),
    ("新增城镇就业3000人，城乡居民收入稳步增长。", ["民生"]),
    ("新建改建学校5所，基本医疗保险参保率98%。", ["民生"]),
    ("规上工业增加值增长12%，新引进项目20个。", ["转型"]),
    ("深化放管服改革，持续优化营商环境。", ["转型"]),
    ("会议由县长主持。", []),
    ("推进煤改气工程，惠及群众2000户。", ["生态", "民生"]),
]


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
    """A pipeline of sentences and themes, trained on the sentences above until it fits them."""
    nlp = spacy.blank("zh")  # themes read characters, so the character segmenter is enough
    nlp.add_pipe("policy_sentencizer")
    nlp.add_pipe("sentence_themes")
    examples = []
    for text, themes in TRAINING:
        predicted = nlp.get_pipe("policy_sentencizer")(nlp.make_doc(text))
        reference = predicted.copy()
        reference.spans["themes"] = [reference[:].char_span(0, len(text), label=t) for t in themes]
        examples.append(Example(predicted, reference))
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
