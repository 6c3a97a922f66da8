"""Cleaning and splitting of the real raw documents."""

import json
import subprocess
import sys

import pytest

from nlp.corpus.cleaning import CorpusError, read_raw, repair_masking
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


def test_fourteen_documents_with_places_and_codes(corpus):
    documents, _ = corpus
    assert {d: (doc.place, doc.place_code) for d, doc in documents.items()} == EXPECTED
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
    assert "14 documents" in result.stdout
    assert len(out.read_text(encoding="utf-8").splitlines()) == 14
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[0])["sentences"]
