"""Mention replacement: places swapped for other names of the same level and form."""

import random

import pytest
from spacy.util import registry

from nlp.annotations import SentenceAnnotation, Span
from nlp.place_names import division_entries
from nlp.segmentation import blank_pipeline
from nlp.training.augment import replacement_names, swap_places
from nlp.training.examples import AlignmentReport, annotation_to_example

TEXT = "清徐县与太原共建汾河生态廊道，实施“六稳”工作。"


@pytest.fixture(scope="module")
def nlp():
    return blank_pipeline()


@pytest.fixture(scope="module")
def example(nlp):
    spans = [Span(TEXT.index(name), TEXT.index(name) + len(name), label)
             for name, label in (("清徐县", "PLACE"), ("太原", "PLACE"), ("汾河", "PLACE"), ("六稳", "PROGRAMME"))]
    annotation = SentenceAnnotation(None, TEXT, {"place_code": "140121"}, ["生态"], spans)
    return annotation_to_example(nlp, annotation, AlignmentReport())


def test_known_places_get_a_name_of_the_same_level_and_form(example):
    random.seed(3)
    swapped = swap_places(example)
    kind_of, _ = replacement_names()
    names = [swapped.text[s.start:s.end] for s in swapped.spans]
    assert kind_of[names[0]] == ("county", False) and names[0] != "清徐县"
    assert kind_of[names[1]] == ("city", True) and names[1] != "太原"
    assert names[2:] == ["汾河", "六稳"]                      # a river and a programme stay
    assert [s.label for s in swapped.spans] == ["PLACE", "PLACE", "PLACE", "PROGRAMME"]
    assert swapped.text.endswith("共建汾河生态廊道，实施“六稳”工作。")
    assert swapped.themes == ["生态"] and swapped.meta == {"place_code": "140121"}


def test_a_sentence_without_known_places_is_not_copied(nlp):
    annotation = SentenceAnnotation(None, "实施“六稳”工作。", {}, [], [Span(3, 5, "PROGRAMME")])
    assert swap_places(annotation_to_example(nlp, annotation, AlignmentReport())) is None


def test_the_augmenter_yields_the_example_and_at_level_one_a_swapped_copy(nlp, example):
    augment = registry.augmenters.get("policy_nlp.place_swap.v1")(level=1.0)
    original, copy = list(augment(nlp, example))
    assert original is example
    assert copy.reference.text != TEXT
    assert [e.label_ for e in copy.reference.ents] == ["PLACE", "PLACE", "PLACE", "PROGRAMME"]
    assert [s.label_ for s in copy.reference.spans["themes"]] == ["生态"]
    assert list(registry.augmenters.get("policy_nlp.place_swap.v1")(level=0.0)(nlp, example)) == [example]


def test_every_swapped_level_has_names_to_draw_from():
    _, names = replacement_names()
    levels = {e[1] for e in division_entries()}
    assert {level for level, _short in names} == {"province", "city", "county", "town"} & levels
