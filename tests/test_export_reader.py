"""Reading Label Studio exports: gold policy and every kind of bad input."""

import json

import pytest

from nlp.annotations import ExportError, ExportReport, Span, load_export, read_annotations
from nlp.studio.tasks import result_items


def task(text, result, **extra):
    return {"id": extra.pop("id", 1), "data": {"text": text, "doc_id": "d", "sentence": 0},
            "annotations": [{"id": 10, "completed_by": 1, "was_cancelled": False, "result": result,
                             "updated_at": "2026-01-01T00:00:00Z"}], **extra}


def label(start, end, text, name="PLACE"):
    return {"type": "labels", "from_name": "label", "to_name": "text",
            "value": {"start": start, "end": end, "text": text, "labels": [name]}}


def read(tasks):
    report = ExportReport()
    return read_annotations(tasks, report), report


def test_a_clean_task_is_read():
    text = "清徐县推进河长制。"
    result = result_items(text, ["生态"], [Span(0, 3, "PLACE"), Span(5, 8, "PROGRAMME")])
    (annotation,), report = read([task(text, result)])
    assert annotation.themes == ["生态"]
    assert [(s.start, s.end, s.label) for s in annotation.spans] == [(0, 3, "PLACE"), (5, 8, "PROGRAMME")]
    assert not report.skipped


@pytest.mark.parametrize(
    "result, reason",
    [
        ([label(0, 9, "清徐县")], "offsets outside the text"),
        ([label(0, 3, "太原市")], "span text does not match"),
        ([label(0, 3, "清徐县", name="ORG")], "unknown label"),
        ([label(0, 3, "清徐县"), label(1, 3, "徐县")], "overlapping span"),
        ([{"type": "choices", "value": {"choices": ["经济"]}}], "unknown theme"),
        ([{"type": "relation", "from_id": "a", "to_id": "b"}], "result type ignored"),
    ],
)
def test_bad_results_are_counted_not_silently_dropped(result, reason):
    _, report = read([task("清徐县发展", result)])
    assert report.skipped[reason] == 1
    assert report.examples[reason]


def test_tasks_without_gold_are_reported():
    missing_text = {"id": 2, "data": {"doc_id": "d"}, "annotations": []}
    cancelled = task("句子。", [], id=3)
    cancelled["annotations"][0]["was_cancelled"] = True
    unlabelled = {"id": 4, "data": {"text": "句子。"}, "annotations": [],
                  "predictions": [{"result": [label(0, 2, "句子")]}]}
    annotations, report = read([missing_text, cancelled, unlabelled])
    assert annotations == []
    assert report.skipped == {"missing or empty data.text": 1, "cancelled (skipped) task": 1, "no annotation": 1}


def test_ground_truth_wins_then_latest():
    t = task("清徐县。", [label(0, 3, "清徐县")])
    t["annotations"].append({"id": 11, "completed_by": 2, "was_cancelled": False, "result": [],
                             "updated_at": "2026-02-01T00:00:00Z"})
    (latest,), report = read([t])
    assert latest.annotation_id == 11 and report.skipped["several annotations (one chosen)"] == 1
    t["annotations"][0]["ground_truth"] = True
    (truth,), _ = read([t])
    assert truth.annotation_id == 10


def test_non_json_and_non_list_exports_fail_clearly(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ExportError, match="bad.json: not a JSON export"):
        load_export(bad)
    bad.write_text(json.dumps({"tasks": []}))
    with pytest.raises(ExportError, match="is a list of tasks"):
        load_export(bad)
    with pytest.raises(ExportError, match="no Label Studio export"):
        load_export(tmp_path / "empty-dir-does-not-exist")
