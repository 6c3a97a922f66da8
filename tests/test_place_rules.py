"""Places of the whole country found in the characters of the text, whatever the segmenter does."""

import pytest
from spacy.tokens import Doc

from nlp.annotations import SentenceAnnotation, Span
from nlp.components.place_rules import UNTRAINED
from nlp.components.span_context import fit_context_model
from nlp.segmentation import blank_pipeline


@pytest.fixture(scope="module")
def nlp():
    pipeline = blank_pipeline()
    for name in ("document_county", "place_rules", "place_linker"):
        pipeline.add_pipe(name).initialize()
    return pipeline


def places(nlp, text, county=None):
    doc = nlp.make_doc(text)
    doc._.county = county
    doc = nlp(doc)
    return [(e.text, e.kb_id_, (e._.place or {}).get("level")) for e in doc.ents]


# A county report from a province the training data never saw (Hebei): its county, city
# and province are found and linked with their codes, with no configuration.
HEBEI_REPORT = "高阳县位于河北省保定市。今年高阳全县纺织产业增长8%,与雄安新区协同发展。"


def test_unseen_province_links_county_city_and_province(nlp):
    found = places(nlp, HEBEI_REPORT)
    assert ("高阳县", "130628", "county") in found
    assert ("河北省", "130000", "province") in found
    assert ("保定市", "130600", "city") in found
    assert ("高阳", "130628", "county") in found          # short name, resolved


def test_foreign_river_and_region_with_their_level(nlp):
    found = places(nlp, "赴阿联酋迪拜开展招商,加强涑水河、洞庭湖保护,主动融入京津冀和粤港澳大湾区。")
    assert ("阿联酋", "", "country") in found
    assert ("迪拜", "", "foreign_city") in found
    assert ("涑水河", "", "natural") in found and ("洞庭湖", "", "natural") in found
    assert ("京津冀", "", "region") in found and ("粤港澳大湾区", "", "region") in found


@pytest.mark.parametrize(
    "text, name",
    [
        ("泓芝驿镇推进产业发展。", "泓芝驿镇"),      # pkuseg keeps the town whole or cuts it: found either way
        ("全力支持驻朔州部队建设。", "朔州"),        # glued to 驻
        ("加快集大原高铁朔州段建设。", "朔州"),      # glued to 段
        ("松原市宁江区伯都乡发展特色农业。", "伯都乡"),  # a town in Jilin
    ],
)
def test_names_found_however_the_segmenter_cuts_them(nlp, text, name):
    assert name in [text_ for text_, _, _ in places(nlp, text)]


def test_common_words_holding_a_short_name_are_left_alone(nlp):
    found = [text for text, _, _ in places(nlp, "落实惠民政策,推进合作共赢,维护长治久安。")]
    assert found == []


def test_county_local_towns_and_villages_need_the_county(nlp):
    assert "东镇" not in [t for t, _, _ in places(nlp, "东镇推进小麦种植。")]
    found = places(nlp, "东镇推进小麦种植。", county="闻喜县")
    assert ("东镇", "", "town") in found


def test_places_inside_titles_and_bodies_are_not_marked(nlp):
    found = [t for t, _, _ in places(nlp, "《保定日报》报道,保定市委召开会议。")]
    assert found == []



def annotated(text: str, *places: str) -> SentenceAnnotation:
    """A gold sentence with ``places`` (each occurring once in ``text``) marked PLACE."""
    spans = [Span(text.index(p), text.index(p) + len(p), "PLACE") for p in places]
    return SentenceAnnotation(None, text, {}, [], spans)


# What annotators did in a few sentences: a name is marked where it locates something,
# not inside the name of a university, a company or a facility; a province abbreviation is
# marked after 驻 or 援 and in a chain of them, not in 在新时代.
TRAIN = [
    annotated("带队赴北京、西安、深圳等地招商。", "北京", "西安", "深圳"),
    annotated("支持西安交通大学、深圳大学建设。"),
    annotated("引进深圳致信、北京亿华通等企业。"),
    annotated("向驻皖部队和援鄂医疗队致敬。", "皖", "鄂"),
    annotated("深化沪苏浙皖合作。", "沪", "苏", "浙", "皖"),
    annotated("在新时代新征程上奋发有为。"),
    annotated("组织企业赴上海、广州参展。", "上海", "广州"),
    annotated("上海交通大学、广州大学来访。"),
    annotated("加大对汾河、碾河等流域治理。", "汾河", "碾河"),
    annotated("建设良马至青松岭、红叶岭旅游公路。", "良马", "青松岭", "红叶岭"),
    annotated("全面推进乡村振兴,建设美丽乡村。"),
    annotated("加强黄河流域生态保护,融入武汉都市圈。", "黄河流域", "武汉都市圈"),
    annotated("共建北部湾经济区和珠三角城市群。", "北部湾经济区", "珠三角城市群"),
] * 3


@pytest.fixture
def trained(nlp):
    rules = nlp.get_pipe("place_rules")
    untrained = rules.context
    rules.context = fit_context_model(rules.context_samples(TRAIN), UNTRAINED)
    yield nlp
    rules.context = untrained


def test_the_context_decides_whether_a_known_name_is_a_place(trained):
    assert [t for t, _, _ in places(trained, "党政领导赴西安、广州等地考察。")] == ["西安", "广州"]
    assert [t for t, _, _ in places(trained, "与西安交通大学、广州大学合作。")] == []


def test_province_abbreviations_are_linked_where_the_context_makes_them_places(trained):
    assert ("粤", "440000", "province") in places(trained, "慰问驻粤部队官兵。")
    assert [t for t, _, _ in places(trained, "在新时代推动发展。")] == []


def test_rivers_and_hills_the_gazetteer_lacks_are_found_by_their_ending(trained):
    assert [t for t, _, _ in places(trained, "推进涪江、沱江流域综合治理。")] == ["涪江", "沱江"]
    assert [t for t, _, _ in places(trained, "建设美丽乡村。")] == []


def test_a_name_and_the_head_word_of_a_region_are_one_place(trained):
    found = [t for t, _, _ in places(trained, "推进沁河流域治理,建设南宁都市圈。")]
    assert found == ["沁河流域", "南宁都市圈"]


def test_without_examples_abbreviations_landmark_tokens_and_regions_are_never_marked(nlp):
    assert places(nlp, "慰问驻粤部队官兵,治理涪江。") == []
    assert [t for t, _, _ in places(nlp, "推进沁河流域治理。")] == ["沁河"]


def test_regions_named_by_abbreviation_and_direction(nlp):
    found = places(nlp, "推动川南、川东北和闽东地区协同发展。")
    assert [(t, level) for t, _, level in found] == [("川南", "region"), ("川东北", "region"), ("闽东", "region")]


def test_a_place_the_ner_glued_to_a_bound_word_loses_it(nlp):
    doc = Doc(nlp.vocab, words=["向", "驻粤", "部队", "和", "驻马店", "致敬"], spaces=[False] * 6)
    doc.ents = [doc.char_span(1, 3, label="PLACE"), doc.char_span(6, 9, label="PLACE")]
    for name in ("document_county", "place_rules"):
        doc = nlp.get_pipe(name)(doc)
    assert [e.text for e in doc.ents] == ["粤", "驻马店"]         # 驻马店 is a city: left whole


def test_a_ner_place_inside_the_name_of_a_body_is_removed(nlp):
    doc = Doc(nlp.vocab, words=["海南", "控股", "落户", "三亚"], spaces=[False] * 4)
    doc.ents = [doc.char_span(0, 2, label="PLACE"), doc.char_span(6, 8, label="PLACE")]
    for name in ("document_county", "place_rules"):
        doc = nlp.get_pipe(name)(doc)
    assert [e.text for e in doc.ents] == ["三亚"]
