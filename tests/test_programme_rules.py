"""Quoted programme names, kept or not by what the train sentences teach about their context."""

import pytest

from nlp.annotations import SentenceAnnotation, Span
from nlp.components.programme_rules import UNTRAINED
from nlp.components.span_context import fit_context_model
from nlp.segmentation import blank_pipeline


@pytest.fixture(scope="module")
def nlp():
    pipeline = blank_pipeline()
    pipeline.add_pipe("programme_rules")
    return pipeline


def programmes(nlp, text):
    return [e.text for e in nlp(text).ents if e.label_ == "PROGRAMME"]


def annotated(text: str, *names: str) -> SentenceAnnotation:
    spans = [Span(text.index(n), text.index(n) + len(n), "PROGRAMME") for n in names]
    return SentenceAnnotation(None, text, {}, [], spans)


# Annotators mark quoted campaigns and numbered formulas that designate work, not
# ideological formulas (四个意识) nor quoted honours.
TRAIN = [
    annotated("全面落实“六稳”“六保”任务。", "六稳", "六保"),
    annotated("接续开展“冬季行动”,优化营商环境。", "冬季行动"),
    annotated("持续推行“一枚印章管审批”改革。", "一枚印章管审批"),
    annotated("增强“四个意识”,坚定“四个自信”。"),
    annotated("荣获“全国文明城市”称号。"),
    annotated("深入实施企业年金扩围行动。", "企业年金扩围行动"),
    annotated("实施自然保护区建设提升工程。", "自然保护区建设提升工程"),
    annotated("开工建设污水处理厂。"),
] * 3


def test_without_examples_numbered_formulas_are_kept_and_other_candidates_are_not(nlp):
    assert programmes(nlp, "扎实做好“六稳”工作,开展“春风行动”,实施企业年金扩围行动。") == ["六稳"]


def test_the_context_decides_which_quoted_names_are_programmes(nlp):
    rules = nlp.get_pipe("programme_rules")
    rules.context = fit_context_model(rules.context_samples(TRAIN), UNTRAINED)
    try:
        assert programmes(nlp, "深入开展“春风行动”,落实“六保”要求。") == ["春风行动", "六保"]
        assert programmes(nlp, "牢固树立“四个意识”。") == []
        assert programmes(nlp, "深入实施重点产业链提升行动。") == ["重点产业链提升行动"]
    finally:
        rules.context = UNTRAINED
