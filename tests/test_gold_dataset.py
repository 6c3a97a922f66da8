"""``policy-nlp annotations export-hf``: the gold corpus as a Hugging Face DatasetDict with a dataset card."""

import copy
import json
from collections import Counter

import pytest
from datasets import load_from_disk

from nlp.annotations import ENTITY_LABELS, THEMES
from nlp.cli import main

from .conftest import GOLD, ROOT, SPLITS


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("gold-hf") / "gold"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)  # the default paths (annotations/…) are relative to the project
        assert main(["annotations", "export-hf", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def tasks() -> list[dict]:
    return json.loads(GOLD.read_text(encoding="utf-8"))


def split_of_each_document() -> dict[str, str]:
    data = json.loads(SPLITS.read_text(encoding="utf-8"))
    return {doc_id: split for split, doc_ids in data.items() if split != "why" for doc_id in doc_ids}


def test_one_split_per_split_of_the_splits_file_with_every_gold_sentence(exported, tasks):
    gold = load_from_disk(str(exported))
    assert set(gold) == {"train", "dev", "test", "ood-test"}
    by_doc = split_of_each_document()
    expected = Counter(by_doc[task["data"]["doc_id"]] for task in tasks)
    assert {split: gold[split].num_rows for split in gold} == dict(expected)
    for split in gold:
        assert {by_doc[doc_id] for doc_id in gold[split]["doc_id"]} == {split}


def test_rows_hold_text_themes_spans_and_document_metadata(exported, tasks):
    test = load_from_disk(str(exported))["test"].to_list()
    row = next(r for r in test if r["spans"] and r["themes"])
    assert set(row) >= {
        "text",
        "themes",
        "spans",
        "doc_id",
        "sentence",
        "title",
        "place",
        "province",
        "level",
        "year",
    }
    assert row["id"] == f"{row['doc_id']}:{row['sentence']}" and isinstance(row["year"], int)
    for r in test:
        assert set(r["themes"]) <= set(THEMES)
        for span in r["spans"]:
            assert span["label"] in ENTITY_LABELS and r["text"][span["start"] : span["end"]] == span["text"]
    task = next(
        t for t in tasks if t["data"]["doc_id"] == row["doc_id"] and t["data"]["sentence"] == row["sentence"]
    )
    labels = [item["value"] for item in task["annotations"][0]["result"] if item["type"] == "labels"]
    assert sorted((v["start"], v["end"], v["labels"][0]) for v in labels) == [
        (s["start"], s["end"], s["label"]) for s in row["spans"]
    ]


def test_the_dataset_card_gives_sizes_fields_and_how_it_was_annotated(exported):
    card = (exported / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\nlanguage:\n- zh\n")
    gold = load_from_disk(str(exported))
    for split in gold:
        documents = len(set(gold[split]["doc_id"]))
        assert f"| {split} | {gold[split].num_rows:,} | {documents} |" in card
    assert "[GUIDELINES.md](GUIDELINES.md)" in card and (exported / "GUIDELINES.md").exists()
    assert "[AGREEMENT.md](AGREEMENT.md)" in card and (exported / "AGREEMENT.md").exists()
    assert "nothing skipped" in card and "## License" in card


def test_what_is_not_gold_is_reported_not_dropped_silently(tasks, tmp_path, capsys):
    test_tasks = [t for t in tasks if split_of_each_document()[t["data"]["doc_id"]] == "test"][:6]
    cancelled, mismatched, unsplit = (copy.deepcopy(t) for t in test_tasks[:3])
    cancelled["annotations"][0]["was_cancelled"] = True
    span = {
        "type": "labels",
        "from_name": "label",
        "to_name": "text",
        "value": {"start": 0, "end": 2, "text": "不对", "labels": ["PLACE"]},
    }
    mismatched["annotations"][0]["result"].append(span)
    unsplit["data"].update(doc_id="nowhere-2021-report", split="")
    export = tmp_path / "export.json"
    export.write_text(json.dumps([cancelled, mismatched, unsplit, *test_tasks[3:]], ensure_ascii=False))
    out = tmp_path / "gold"
    assert main(["annotations", "export-hf", str(out), "--export", str(export), "--splits", str(SPLITS)]) == 0
    printed = capsys.readouterr().out
    card = (out / "README.md").read_text(encoding="utf-8")
    for reason in (
        "cancelled (skipped) task: 1",
        "span text does not match: 1",
        "1 sentences of 1 documents that no split names, e.g. nowhere-2021-report (1)",
    ):
        assert reason in printed and reason in card
    gold = load_from_disk(str(out))
    assert gold["test"].num_rows == 4  # the sentence with the bad span stays, without that span
    kept = next(r for r in gold["test"].to_list() if r["task_id"] == mismatched["id"])
    assert all(s["text"] != "不对" for s in kept["spans"])
    assert [gold[split].num_rows for split in ("train", "dev", "ood-test")] == [0, 0, 0]


def test_a_directory_that_is_not_an_export_is_left_alone(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert (
        main(["annotations", "export-hf", str(tmp_path), "--export", str(GOLD), "--splits", str(SPLITS)]) == 1
    )
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "is not an exported dataset" in error
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_an_earlier_export_is_replaced(tasks, tmp_path):
    out = tmp_path / "gold"
    for size in (5, 3):
        export = tmp_path / f"export-{size}.json"
        export.write_text(json.dumps(tasks[:size], ensure_ascii=False))
        assert (
            main(["annotations", "export-hf", str(out), "--export", str(export), "--splits", str(SPLITS)])
            == 0
        )
    assert sum(split.num_rows for split in load_from_disk(str(out)).values()) == 3
