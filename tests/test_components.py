"""Place linking and programme normalisation on real names."""

import pytest
import spacy
from spacy.tokens import Span

from nlp.components.county import DocumentCounty
from nlp.components.places import PlaceLinker
from nlp.components.programmes import DEFAULT_VARIANTS, canonical_programme, programme_kind


@pytest.fixture(scope="module")
def linker():
    component = PlaceLinker("place_linker", [])  # the whole country
    component.initialize()
    return component


def link(linker, words, places, county=None):
    nlp = spacy.blank("zh")
    doc = spacy.tokens.Doc(nlp.vocab, words=words, spaces=[False] * len(words))
    doc.ents = [Span(doc, i, i + 1, label="PLACE") for i in places]
    doc._.county = county
    return linker(COUNTY(doc))


COUNTY = DocumentCounty("document_county", min_mentions=1)
COUNTY.initialize()


def test_a_county_report_is_about_the_county_it_names_most():
    text = "清徐县召开大会。太原市领导出席。清徐县经济增长。"
    assert COUNTY.infer(text) == "140121"


def test_a_city_report_naming_several_of_its_counties_is_about_the_city():
    text = "常德市经济增长,石门县、桃源县、澧县和汉寿县项目开工。石门县建成新区。"
    assert COUNTY.infer(text) == "430700"


def test_zones_and_common_words_do_not_make_a_county():
    assert COUNTY.infer("建设化工园区和综合保税区,推进工业园建设。") == ""


def test_official_and_short_names_link_to_counties(linker):
    doc = link(linker, ["清徐县", "和", "清徐", "发展"], [0, 2])
    assert [e.kb_id_ for e in doc.ents] == ["140121", "140121"]
    place = doc.ents[0]._.place
    assert place == {"name": "清徐县", "level": "county", "code": "140121", "parents": ["太原市", "山西省"]}


def test_town_short_form_resolves_in_the_document_county(linker):
    doc = link(linker, ["闻喜县", "东镇", "建设"], [0, 1])
    town = doc.ents[1]._.place
    assert town["name"] == "东镇镇" and town["level"] == "town"
    assert town["parents"] == ["闻喜县", "运城市", "山西省"]
    assert doc.ents[1].kb_id_ == ""  # towns have no 6-digit code


def test_explicit_county_context(linker):
    doc = link(linker, ["东镇"], [0], county="140823")
    assert doc.ents[0]._.place["parents"][0] == "闻喜县"


def test_natural_features_and_unknown_places(linker):
    doc = link(linker, ["汾河", "和", "不存在村"], [0, 2])
    assert doc.ents[0]._.place == {"name": "汾河", "level": "natural", "code": "", "parents": []}
    assert doc.ents[1]._.place is None and doc.ents[1].kb_id_ == ""


def test_places_beyond_the_administrative_tree(linker):
    doc = link(linker, ["阿联酋", "迪拜", "长三角", "洞庭湖", "香港"], [0, 1, 2, 3, 4])
    levels = [(e._.place["name"], e._.place["level"]) for e in doc.ents]
    assert levels == [("阿拉伯联合酋长国", "country"), ("迪拜", "foreign_city"), ("长三角", "region"),
                      ("洞庭湖", "natural"), ("香港特别行政区", "province")]


def test_former_names_link_to_the_division_that_replaced_them(linker):
    doc = link(linker, ["襄樊"], [0])
    assert doc.ents[0].kb_id_ == "420600" and doc.ents[0]._.place["name"] == "襄樊市"


def test_villages_resolve_only_inside_their_county(linker):
    assert link(linker, ["七里坡村"], [0]).ents[0]._.place is None
    doc = link(linker, ["七里坡村"], [0], county="140823")
    assert doc.ents[0]._.place["level"] == "village" and doc.ents[0]._.place["parents"][0] == "闻喜县"


def test_ambiguous_names_stay_unlinked(linker):
    # 新村 is a village name in many counties; without context it is not guessed.
    doc = link(linker, ["新村"], [0])
    assert doc.ents[0]._.place is None


def test_linker_round_trips_through_disk(linker, tmp_path):
    linker.to_disk(tmp_path)
    loaded = PlaceLinker("place_linker", []).from_disk(tmp_path)
    assert loaded.resolve("清徐", "") == linker.resolve("清徐", "")


@pytest.mark.parametrize(
    "text, canonical, kind",
    [
        ("“六稳”", "六稳", "formula"),
        ("三个一批", "三个一批", "formula"),
        ("放管服效", "放管服", "system"),
        ("河长制", "河长制", "system"),
        ("十四五", "十四五", "plan"),
        ("蓝天保卫战", "蓝天保卫战", "campaign"),
        ("乡村振兴战略", "乡村振兴", "strategy"),
        ("承诺制+标准地+全代办", "承诺制+标准地+全代办", "system"),
    ],
)
def test_programme_normalisation(text, canonical, kind):
    name = canonical_programme(text, DEFAULT_VARIANTS)
    assert name == canonical
    assert programme_kind(name) == kind
