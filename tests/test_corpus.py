"""Cleaning and splitting of the real raw documents."""

import json
import subprocess
import sys

import pytest

from nlp.corpus.cleaning import CorpusError, clean_report_lines, is_web_report, read_raw, repair_masking
from nlp.corpus.documents import build_corpus, write_documents
from nlp.corpus.splitting import split_sentences

from .conftest import RAW, ROOT, SOURCES

EXPECTED = {
    "qingxu-2021-news-1": ("清徐县", "140121"),
    "qingxu-2021-news-2": ("清徐县", "140121"),
    "wenxi-2021-report": ("闻喜县", "140823"),
    "xiangfen-2021-report": ("襄汾县", "141023"),
    "wenshui-2021-report": ("文水县", "141121"),
    "lingshi-2021-report": ("灵石县", "140729"),
    "shuozhou-2021-report": ("朔州市", "140600"),
    "jingle-2021-report": ("静乐县", "140926"),
    "jishan-2021-report": ("稷山县", "140824"),
    "yanhu-2021-report": ("盐湖区", "140802"),
    "linxian-2025-news": ("临县", "141124"),
    "yushe-2021-report": ("榆社县", "140721"),
    "jiaocheng-2024-news": ("交城县", "141122"),
    "anze-2024-news": ("安泽县", "141026"),
}


def test_first_fourteen_documents_with_places_and_codes(corpus):
    documents, _ = corpus
    assert {d: (documents[d].place, documents[d].place_code) for d in EXPECTED} == EXPECTED
    assert documents["wenxi-2021-report"].title == "2021年闻喜县政府工作报告"
    assert documents["shuozhou-2021-report"].genre == "report"
    assert documents["anze-2024-news"].genre == "news"


def test_boilerplate_is_removed(corpus):
    documents, report = corpus
    everything = "\n".join(d.text for d in documents.values())
    for line in ("有想补充的信息", "共 154 页", "投稿", "400-162-2002", "2025-07-08", "责任编辑",
                 "版权声明", "来源:清徐融媒", "油菜花开", "沁河湾风光", "制图 王耀"):
        assert line not in everything, line
    assert report.removed["002_330ca93b427a2047.txt"]["guidelines"] > 0
    assert report.removed["002_330ca93b427a2047.txt"]["date_line"] == 10


def test_report_sentences_are_kept(corpus):
    documents, _ = corpus
    wenxi = documents["wenxi-2021-report"].sentence_texts()
    assert wenxi[0].startswith("2021年4月13日在闻喜县第十七届人民代表大会")
    assert wenxi[-1].endswith("以优异成绩向建党100周年献礼!")
    yushe = documents["yushe-2021-report"].sentence_texts()
    assert yushe[-1].endswith("奋力谱写榆社高质量转型发展新篇章,以优异成绩迎接建党100周年!")
    anze = documents["anze-2024-news"].sentence_texts()
    assert anze[1] == "太岳起宏图,荀乡万象新。"
    assert anze[-1].endswith("奋力谱写中国式现代化安泽篇章。")


def test_masking_is_repaired(corpus):
    documents, report = corpus
    text = documents["qingxu-2021-news-2"].text
    assert "*" not in text
    assert "《中共中央关于党的百年奋斗重大成就和历史经验的决议》" in text
    assert "生产性服务业" in text and "中国共产党山西省" in text
    assert report.masking_repairs["001_7131daf7670bef68.txt"] == 27
    assert repair_masking("*共中**与*未知**") == ("中共与*未知**", 1)


def test_sentence_offsets_index_the_text(corpus):
    documents, _ = corpus
    for document in documents.values():
        assert document.sentences
        for start, end in document.sentences:
            sentence = document.text[start:end]
            assert sentence == sentence.strip() and sentence


def test_build_is_deterministic(tmp_path):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_documents(build_corpus(RAW, SOURCES)[0], first)
    write_documents(build_corpus(RAW, SOURCES)[0], second)
    assert first.read_bytes() == second.read_bytes()
    committed = ROOT / "annotations" / "corpus" / "documents.jsonl"
    assert committed.read_bytes() == first.read_bytes()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("他说:“走。”然后走了。", ["他说:“走。”", "然后走了。"]),
        ("增长1.5倍。下降2.3%!", ["增长1.5倍。", "下降2.3%!"]),
        ("真的吗?是的!", ["真的吗?", "是的!"]),
        ("第一行\n第二行。", ["第一行", "第二行。"]),
        ("献礼!;", ["献礼!;"]),
        ("", []),
        ("   \n ", []),
    ],
)
def test_sentence_splitting(text, expected):
    assert [text[s:e] for s, e in split_sentences(text)] == expected


def test_long_sentences_are_split_at_semicolons():
    text = "；".join(["甲" * 120] * 4) + "。"
    pieces = [text[s:e] for s, e in split_sentences(text)]
    assert len(pieces) == 4 and "".join(pieces) == text
    assert all(len(p) <= 121 for p in pieces)


def test_bad_files_give_clear_errors(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("清徐县政府工作报告。".encode("gbk"))
    latin = tmp_path / "latin.txt"
    latin.write_text("no Chinese here at all.")
    with pytest.raises(CorpusError, match="empty.txt: the file is empty"):
        read_raw(empty)
    with pytest.raises(CorpusError, match="gbk.txt: not UTF-8.*GBK"):
        read_raw(gbk)
    with pytest.raises(CorpusError, match="latin.txt: contains no Chinese"):
        read_raw(latin)


def test_unlisted_raw_file_is_an_error(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for path in RAW.glob("*.txt"):
        (raw / path.name).write_bytes(path.read_bytes())
    (raw / "extra.txt").write_text("新文件。", encoding="utf-8")
    with pytest.raises(CorpusError, match="extra.txt"):
        build_corpus(raw, SOURCES)


def test_corpus_build_command(tmp_path):
    out = tmp_path / "documents.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "nlp.cli", "corpus", "build", "--output", str(out)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    assert "70 documents" in result.stdout
    assert len(out.read_text(encoding="utf-8").splitlines()) == 70
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[0])["sentences"]


def test_provincial_and_city_reports_with_province_level_and_code(corpus):
    documents, _ = corpus
    assert len(documents) == 70
    provincial = [d for d in documents.values() if d.level == "province"]
    cities = [d for d in documents.values() if d.level == "city" and d.source.startswith("city-")]
    assert len(provincial) == 31 and len({d.province for d in provincial}) == 31
    assert len(cities) == 25 and len({d.province for d in cities}) == 25
    guangdong = documents["guangdong-2026-report"]
    assert (guangdong.place, guangdong.place_code, guangdong.year) == ("广东省", "440000", 2026)
    dali = documents["dali-2023-report"]
    assert (dali.place, dali.province, dali.place_code) == ("大理白族自治州", "云南省", "532900")


# A web page as scraped (the Shanghai report, abridged): widgets, title block, source and
# date lines, then the report, then the page's trailer.
WEB_PAGE = """下载
打印
【字号：
加大
】
2026年上海市政府工作报告
——2026年2月3日在上海市第十六届人民代表大会第四次会议上
来源：解放日报
时间：2026-02-09
上海市市长 龚 正
各位代表：
现在，我代表上海市人民政府，向大会报告工作，请予审议。
一、2025年工作回顾
（一）全力促进经济平稳健康发展
污染防治攻坚战连续5年获国家考核优秀等次，PM
2.5
年平均浓度保持在20微克/立方米左右。
（
三）改革开放持续深化、互促共进。
巩固“一降三减”［1］良好态势，四大主导产业［2］占GDP比重提升。
省长卢东亮在省十四届人大五次会议上作政府工作报告。本报记者阮洋摄
注释
［1］一降三减：降低成本、减税、减费、减负。
相关报道：
扫一扫在手机打开当前页
123""".split("\n")


def test_web_report_keeps_the_report_and_counts_what_it_removed():
    assert is_web_report(WEB_PAGE)
    kept, removed = clean_report_lines(WEB_PAGE)
    assert kept == [
        "现在，我代表上海市人民政府，向大会报告工作，请予审议。",
        "一、2025年工作回顾",                       # headings stay, numbering as text
        "（一）全力促进经济平稳健康发展",
        "污染防治攻坚战连续5年获国家考核优秀等次，PM2.5年平均浓度保持在20微克/立方米左右。",
        "（三）改革开放持续深化、互促共进。",
        "巩固“一降三减”良好态势，四大主导产业占GDP比重提升。",
        "注释",
        "［1］一降三减：降低成本、减税、减费、减负。",  # the note itself is report text
    ]
    assert removed == {"header": 11, "rejoined": 3, "footnote_marker": 2, "photo_caption": 1, "trailer": 3}


def test_pages_without_a_greeting_line_use_the_line_cleaner():
    assert not is_web_report(["各位代表：现在，我代表县人民政府向大会报告工作。", "一、工作回顾"])


def test_every_new_raw_file_loses_no_report_text(corpus):
    documents, report = corpus
    for document in documents.values():
        if document.level != "province":
            continue
        counts = report.removed[document.source]
        assert set(counts) <= {"header", "trailer", "widget", "photo_caption", "footnote_marker",
                               "rejoined", "blank", "page_counter"}, document.id
        assert document.sentence_texts()[0].startswith(("现在", "我代表", "我受")), document.id
        assert document.sentence_texts()[-1].endswith(("！", "。", "!")), document.id
        lines = set(document.text.split("\n"))
        for dirt in ("扫一扫在手机打开当前页", "相关报道：", "【字号：", "责任编辑：", "打印本页", "下载", "收藏"):
            assert dirt not in lines, (document.id, dirt)
