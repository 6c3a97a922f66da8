"""Malformed outside data never crashes a reader (property-based, Hypothesis).

Every reader of outside data gets generated bad input: wrong types, missing keys, offsets out
of range or reversed, overlapping and nested spans, lone surrogates, combining characters,
zero-width and full-width spaces, huge texts, deeply nested JSON, non-UTF-8 bytes. Each input
is either used or refused/skipped with its reason, the counts add up, and a valid input next to
a bad one comes out exactly as it does alone. How many examples run is set by the Hypothesis
profile (see conftest.py).
"""

import copy
import itertools
import json
import string
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlp.annotations import (
    TASK_REASONS,
    THEMES,
    ExportError,
    ExportReport,
    choose_annotation,
    load_export,
    read_annotations,
)
from nlp.corpus.cleaning import (
    CorpusError,
    clean_lines,
    clean_report_lines,
    is_web_report,
    read_raw,
    repair_masking,
)
from nlp.corpus.documents import build_corpus
from nlp.corpus.splitting import split_sentences
from nlp.studio.backend import RequestError, body_length, label_config_problem, parse_body, predict_request

from .conftest import GOLD

SPAN_REASONS = ("unknown label", "offsets outside the text", "span text does not match", "overlapping span")
ITEM_REASONS = (*SPAN_REASONS, "result item is not a JSON object", "result type ignored", "unknown theme")
ANNOTATION_REASONS = ("annotation is not a JSON object", "annotation without a list of results",
                      "several annotations (one chosen)")


def clean_gold_tasks(count: int) -> list[dict]:
    """Gold tasks with spans that read without any problem, each with its gold annotation only."""
    tasks = []
    for task in json.loads(GOLD.read_text(encoding="utf-8")):
        annotation = choose_annotation(task)
        report = ExportReport()
        if annotation and any(r["type"] == "labels" for r in annotation["result"]) and \
                read_annotations([task], report) and not report.skipped:
            tasks.append({"id": len(tasks), "data": task["data"],
                          "annotations": [{"id": 1, "was_cancelled": False, "result": annotation["result"]}]})
        if len(tasks) == count:
            return tasks
    raise AssertionError("the gold export has too few clean tasks")


VALID = clean_gold_tasks(200)
SENTENCES = [task["data"]["text"] for task in VALID]

# Characters that break naive text handling: zero-width and full-width spaces, BOM, combining
# marks, lone surrogates, NUL, line and paragraph separators, full-width letters, sentence ends.
ODD = ["\u200b", "\u200d", "\ufeff", "\u3000", "\u00a0", "\u0301", "e\u0301", "\ud800", "\udfff", "\U0001f600",
       "\x00", "\r", "\r\n", "\u2028", "\u0085", "Ａ１", "，", "。", ".", "！", "?", ";", "；", "”", "（", "*党**",
       "*共中**", "各位代表：", "\t", " ", "\n", "\n\n", "1.5", "PM", "2.5"]

def one_of_list(values: list) -> st.SearchStrategy:
    """``sampled_from`` that shows as a range, not as the whole list, in Hypothesis' messages."""
    return st.sampled_from(range(len(values))).map(values.__getitem__)


valid_task = one_of_list(VALID)
sentence = one_of_list(SENTENCES)
odd_text = st.lists(st.one_of(st.sampled_from(ODD), sentence, st.text(max_size=12)),
                    max_size=25).map("".join)
huge_text = st.builds(lambda text, times: text * times, sentence, st.integers(300, 3000))
texts = st.one_of(odd_text, odd_text, odd_text, huge_text)
KEYS = ["id", "data", "text", "annotations", "result", "value", "type", "labels", "choices", "start", "end",
        "was_cancelled", "ground_truth", "updated_at", "tasks", "label_config"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(), odd_text)
junk = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=4), max_leaves=12)


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


deep = st.integers(100, 800).map(nested)  # json.dumps itself gives up beyond ~1,000 levels
anything = st.one_of(junk, junk, deep)
not_an_offset = st.one_of(st.none(), st.floats(), st.booleans(), st.text(max_size=3), st.lists(st.integers()))


@st.composite
def bad_span_item(draw, text: str) -> dict:
    """A ``labels`` result item that is unusable by construction."""
    n = len(text)
    start, end = draw(st.integers(0, n)), draw(st.integers(0, n))
    kind = draw(st.sampled_from(["outside", "reversed", "not int", "label", "text"]))
    value: dict = {"start": start, "end": end, "labels": ["PLACE"]}
    if kind == "outside":
        value["start"], value["end"] = draw(st.sampled_from([(-1, 1), (0, n + 1), (n, n + 3), (-5, -2)]))
    elif kind == "reversed":
        value["start"], value["end"] = max(start, end), min(start, end)  # equal offsets are empty: also bad
    elif kind == "not int":
        value[draw(st.sampled_from(["start", "end"]))] = draw(not_an_offset)
    elif kind == "label":
        value["labels"] = draw(st.one_of(st.sampled_from([[], ["ORG"], ["PLACE", "PROGRAMME"], "PLACE",
                                                          {"0": "PLACE"}, [["PLACE"]]]), junk))
    else:
        value["start"], value["end"] = min(start, end), max(start, end) + 1
        value["end"] = min(value["end"], n) if value["start"] < n else n
        value["text"] = text[value["start"]:value["end"]] + draw(st.sampled_from(["x", "\u200b", "\ud800"]))
        if value["start"] >= value["end"]:
            value["start"], value["end"] = 0, n + 1
    return {"type": "labels", "from_name": "label", "to_name": "text", "value": value}


def bad_item(text: str) -> st.SearchStrategy:
    """A result item that yields nothing usable: never a valid span or theme."""
    return st.one_of(
        bad_span_item(text),
        anything.filter(lambda item: not isinstance(item, dict) or item.get("type") not in ("labels", "choices")),
        st.builds(lambda choices: {"type": "choices", "value": {"choices": choices}},
                  anything.filter(lambda c: not (isinstance(c, list) and set(map(repr, c)) & set(map(repr, THEMES))))),
        st.builds(lambda kind: {"type": kind, "value": {}}, st.sampled_from(["relation", "textarea", None, 3])),
    )


@st.composite
def overlapping_item(draw, task: dict) -> dict:
    """A well-formed span that overlaps or nests in one of the task's spans."""
    text = task["data"]["text"]
    spans = [r["value"] for r in task["annotations"][0]["result"] if r["type"] == "labels"]
    span = draw(st.sampled_from(spans))
    start = draw(st.integers(max(0, span["start"] - 2), span["end"] - 1))
    end = draw(st.integers(max(start + 1, span["start"] + 1), min(len(text), span["end"] + 2)))
    return {"type": "labels", "value": {"start": start, "end": end, "text": text[start:end],
                                        "labels": [draw(st.sampled_from(["PLACE", "PROGRAMME"]))]}}


def read(tasks: list) -> tuple[list, ExportReport]:
    report = ExportReport()
    return read_annotations(tasks, report), report


def summary(annotations: list) -> list:
    return [(a.text, a.themes, a.spans, a.meta) for a in annotations]


# --- The Label Studio export reader -----------------------------------------------------------------


@st.composite
def bad_task(draw) -> object:
    """A task broken in one place (or junk where a task should be)."""
    task = copy.deepcopy(draw(valid_task))
    where = draw(st.sampled_from(["task", "data", "text", "annotations", "annotation", "result", "cancelled"]))
    if where == "task":
        return draw(anything.filter(lambda value: not isinstance(value, dict)))
    if where == "data":
        task["data"] = draw(anything)
    elif where == "text":
        task["data"]["text"] = draw(st.one_of(anything, st.sampled_from(["", " \u3000\n", "\t"])))
    elif where == "annotations":
        task["annotations"] = draw(anything)
    elif where == "annotation":
        task["annotations"] = draw(st.lists(anything, min_size=1, max_size=3))
    elif where == "result":
        task["annotations"][0]["result"] = draw(anything.filter(lambda value: not isinstance(value, list)))
    else:
        task["annotations"][0]["was_cancelled"] = True
    return task


@given(st.lists(st.one_of(valid_task, bad_task()), max_size=12))
def test_every_task_is_used_or_skipped_with_a_reason(tasks):
    tasks = [dict(task, id=f"t{index}") if isinstance(task, dict) else task for index, task in enumerate(tasks)]
    annotations, report = read(tasks)
    assert report.tasks == len(tasks) == report.used_tasks + report.skipped_tasks
    assert len(annotations) == report.used == report.used_tasks
    assert set(report.skipped) <= set(TASK_REASONS) | set(ANNOTATION_REASONS) | set(ITEM_REASONS)
    for index, task in enumerate(tasks):  # a valid task reads the same with bad neighbours
        if any(task is not valid and task == dict(valid, id=f"t{index}") for valid in VALID):
            alone, _ = read([task])
            assert summary(alone)[0] in summary(annotations)


@given(valid_task, st.data())
def test_bad_result_items_drop_nothing_valid_next_to_them(task, data):
    text = task["data"]["text"]
    good = task["annotations"][0]["result"]
    extra = data.draw(st.lists(bad_item(text), min_size=1, max_size=8))
    mixed = copy.deepcopy(task)
    mixed["annotations"][0]["result"] = data.draw(st.permutations(good + extra))
    (alone,), _ = read([task])
    (annotation,), report = read([mixed])
    assert (annotation.spans, annotation.themes) == (alone.spans, alone.themes)
    not_objects = sum(not isinstance(item, dict) for item in extra)
    assert report.skipped["result item is not a JSON object"] == not_objects
    assert sum(report.skipped[reason] for reason in SPAN_REASONS) == \
        sum(isinstance(item, dict) and item.get("type") == "labels" for item in extra)


@given(valid_task, st.data())
def test_overlapping_and_nested_spans_are_counted(task, data):
    extra = data.draw(st.lists(overlapping_item(task), min_size=1, max_size=4))
    mixed = copy.deepcopy(task)
    mixed["annotations"][0]["result"] = data.draw(st.permutations(task["annotations"][0]["result"] + extra))
    (annotation,), report = read([mixed])
    labels = sum(item["type"] == "labels" for item in mixed["annotations"][0]["result"])
    assert len(annotation.spans) + sum(report.skipped[reason] for reason in SPAN_REASONS) == labels
    assert report.skipped["overlapping span"] >= 1
    ends = [(s.start, s.end) for s in annotation.spans]
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(ends))


@given(st.one_of(
    st.binary(max_size=200),
    st.builds(lambda value: json.dumps(value).encode(), junk),
    st.builds(lambda text: text.encode("utf-8", "surrogatepass"), odd_text),  # lone surrogates as UTF-8 bytes
    st.builds(lambda text: text.encode("gb18030", "ignore"), odd_text),
    st.builds(lambda tasks: json.dumps(tasks, ensure_ascii=False).encode("utf-8-sig", "surrogatepass"),
              st.lists(st.one_of(valid_task, bad_task()), max_size=4)),
    st.integers(1000, 100_000).map(lambda depth: b"[" * depth + b"]" * depth),
))
def test_export_files_are_read_or_refused_in_one_line(content):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "export.json"
        path.write_bytes(content)
        try:
            tasks = load_export(path)
        except ExportError as error:
            assert "\n" not in str(error) and str(path) in str(error)
            return
    annotations, report = read(tasks)
    assert report.tasks == len(tasks) == report.used_tasks + report.skipped_tasks
    assert len(annotations) == report.used


# --- The corpus builder -------------------------------------------------------------------------------


@given(texts)
def test_sentences_cover_every_character_that_is_not_space(text):
    sentences = split_sentences(text)
    covered = set()
    previous_end = 0
    for start, end in sentences:
        assert previous_end <= start < end <= len(text)
        assert not text[start].isspace() and not text[end - 1].isspace()
        covered.update(range(start, end))
        previous_end = end
    assert all(index in covered for index, char in enumerate(text) if not char.isspace())


@given(st.lists(st.one_of(odd_text, st.sampled_from(["", "   ", "有想补充的信息", "共 3 页", "2021-03-01", "来源：县政府",
                                                      "• 菜单", "图为清徐县", "下载", "各位代表：", "相关报道：",
                                                      "PM", "2.5", "（", "本报记者阮洋摄", "［1］注释"])),
                max_size=40))
def test_line_cleaning_counts_every_line(lines):
    kept, removed = clean_lines(lines)
    assert len(kept) + sum(removed.values()) == len(lines)
    if is_web_report(lines):
        kept, removed = clean_report_lines(lines)
        assert len(kept) + sum(n for kind, n in removed.items() if kind != "footnote_marker") == len(lines)
    text, repairs = repair_masking("\n".join(lines))
    assert repairs >= 0 and len(text) <= len("\n".join(lines))


PLACES = ["清徐县", "朔州市", "山西省", "东镇", "不存在县", "", "清徐县\ud800"]
source_entry = st.one_of(
    st.fixed_dictionaries({"id": st.sampled_from(["a", "b", "c"]), "place": st.sampled_from(PLACES),
                           "year": st.one_of(st.integers(1990, 2030), st.sampled_from(["2021", 2021.5, True])),
                           "genre": st.sampled_from(["report", "news"])}),
    junk,
)
raw_content = st.one_of(
    texts.map(lambda text: text.encode("utf-8", "surrogatepass")),
    texts.map(lambda text: text.encode("gb18030", "ignore")),
    st.binary(max_size=300),
    st.sampled_from([b"", b"\xef\xbb\xbf", b"   \n"]),
)


@given(st.dictionaries(st.sampled_from(["a.txt", "b.txt", "c.txt"]), raw_content, min_size=1, max_size=3),
       st.one_of(st.dictionaries(st.sampled_from(["a.txt", "b.txt", "x.txt"]), st.lists(source_entry, max_size=2),
                                 max_size=3), junk))
def test_corpus_build_gives_documents_or_one_clear_error(raw_files, sources):
    with tempfile.TemporaryDirectory() as directory:
        raw_dir = Path(directory)
        for name, content in raw_files.items():
            (raw_dir / name).write_bytes(content)
        sources_file = raw_dir / "sources.json"
        sources_file.write_text(json.dumps(sources), encoding="utf-8")
        try:
            documents, report = build_corpus(raw_dir, sources_file)
        except CorpusError as error:
            assert "\n" not in str(error)
            return
    assert documents and set(report.removed) == set(raw_files)
    for document in documents:
        assert [(s, e) for s, e in document.sentences] == split_sentences(document.text)


@given(st.one_of(st.binary(max_size=300), texts.map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_raw_files_are_text_or_refused_in_one_line(content):
    with tempfile.NamedTemporaryFile(suffix=".txt") as file:
        file.write(content)
        file.flush()
        try:
            text = read_raw(Path(file.name))
        except CorpusError as error:
            assert "\n" not in str(error)
            return
    assert isinstance(text, str) and text.strip()


# --- The ML backend's request parser -------------------------------------------------------------------

LIMIT = 10_000
header_value = st.one_of(st.none(), st.text(string.digits, max_size=8), st.text(max_size=8),
                         st.sampled_from(["-1", " 12 ", "1e3", "0x10", "99999999999999999999", "１２"]))


@given(st.fixed_dictionaries({"Content-Length": header_value, "Transfer-Encoding": st.sampled_from([None, "chunked"])}))
def test_request_sizes_are_accepted_or_refused_with_4xx(headers):
    try:
        length = body_length(headers, LIMIT)
    except RequestError as error:
        assert error.status in (400, 411, 413) and error.message
        return
    assert 0 <= length <= LIMIT


@given(st.one_of(st.binary(max_size=300), st.builds(lambda value: json.dumps(value).encode(), junk),
                 st.integers(1000, 50_000).map(lambda depth: b'{"tasks":' + b"[" * depth + b"]" * depth + b"}")),
       st.one_of(st.none(), st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain",
                                             "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                             "application/vnd.api+json", "APPLICATION/JSON", ""]), st.text(max_size=10)))
def test_request_bodies_are_json_objects_or_refused_with_4xx(body, content_type):
    try:
        value = parse_body(body, content_type)
    except RequestError as error:
        assert 400 <= error.status < 500 and "\n" not in error.message
        return
    assert isinstance(value, dict)
    problem = label_config_problem(value, "label_config")
    assert problem is None or isinstance(problem, str)


@given(st.lists(st.one_of(st.builds(lambda text, task_id: {"id": task_id, "data": {"text": text}}, texts, junk),
                          st.builds(lambda data: {"data": data}, junk), junk), max_size=12))
def test_predict_batches_keep_every_task_in_place(tasks):
    try:
        request = predict_request({"tasks": tasks}, max_length=LIMIT)
    except RequestError:  # only a batch that is not a list is refused whole
        pytest.fail("a list of tasks is never refused")
    assert len(request.texts) == len(tasks)
    assert [s["index"] for s in request.skipped] == [i for i, text in enumerate(request.texts) if text is None]
    for task, text in zip(tasks, request.texts):
        data = task.get("data") if isinstance(task, dict) else None
        good = isinstance(data, dict) and isinstance(data.get("text"), str) and len(data["text"]) <= LIMIT
        assert text == (data["text"] if good else None)
    json.dumps(request.skipped)  # the reasons go back to the client as JSON


@given(junk)
def test_predict_without_a_list_of_tasks_is_refused_with_400(tasks):
    if isinstance(tasks, list):
        return
    with pytest.raises(RequestError) as refused:
        predict_request({"tasks": tasks}, max_length=LIMIT)
    assert refused.value.status == 400
