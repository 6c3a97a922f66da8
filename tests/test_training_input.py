"""``train.py`` on exports with bad tasks: it trains on the good ones and accounts for every task."""

import copy
import json
import re

import pytest

from nlp.annotations import choose_annotation

from .conftest import GOLD, train_tiny

pytestmark = pytest.mark.slow


def bad_tasks(good: dict) -> list:
    """One task per kind of damage an export can carry."""
    cancelled, no_text, wrong_offsets, not_a_list, no_result = (copy.deepcopy(good) for _ in range(5))
    cancelled["annotations"][0]["was_cancelled"] = True
    no_text["data"]["text"] = "  \u3000 "
    wrong_offsets["annotations"][0]["result"] = [
        {"type": "labels", "value": {"start": 5, "end": 2, "labels": ["PLACE"]}},
        {"type": "labels", "value": {"start": 0, "end": 10**6, "labels": ["PLACE"]}},
        {"type": "choices", "value": {"choices": ["经济"]}},
    ]  # the task is used (as a sentence without entities or themes), its bad results are counted
    not_a_list["annotations"] = {"result": []}
    no_result["annotations"] = [{"id": 1, "result": "PLACE"}]
    return ["not a task", {"id": 9, "data": None}, cancelled, no_text, wrong_offsets, not_a_list, no_result,
            {"id": 10, "data": {"text": "句子。"}, "annotations": []}]


def export_with(tasks: list, path) -> str:
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return str(path)


def accounted(stdout: str) -> tuple[int, int, int]:
    """(tasks read, used, skipped) from the reader's report line."""
    match = re.search(r"(\d+) tasks read, \d+ sentence annotations used \((\d+) tasks used, (\d+) skipped\)", stdout)
    assert match, stdout[-3000:]
    return tuple(map(int, match.groups()))


def test_mixed_export_trains_on_the_good_tasks_and_reports_the_rest(tmp_path):
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    good = [t for t in gold if t["data"].get("split") in ("train", "dev") and choose_annotation(t)][:400]
    bad = bad_tasks(good[0])
    export = export_with(good + bad, tmp_path / "mixed.json")
    result = train_tiny(tmp_path / "out", "--paths.train", export, "--paths.dev", export, "--test", str(GOLD))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (tmp_path / "out" / "model-best").is_dir()
    read, used, skipped = accounted(result.stdout)
    assert read == len(good) + len(bad) == used + skipped
    assert used == len(good) + 1  # the task with only bad results is still a sentence
    for reason in ("task is not a JSON object", "missing or empty data.text", "cancelled (skipped) task",
                   "annotations is not a list", "no usable annotation", "annotation without a list of results",
                   "no annotation", "offsets outside the text", "unknown theme"):
        assert f"  {reason}: " in result.stdout, reason


def test_export_with_nothing_usable_stops_with_one_clear_line(tmp_path):
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    good = next(t for t in gold if t["data"].get("split") == "train" and choose_annotation(t))
    damaged = bad_tasks(good)
    unusable = damaged[:4] + damaged[5:]  # all but the task that is used despite its bad results
    export = export_with(unusable, tmp_path / "unusable.json")
    result = train_tiny(tmp_path / "out", "--paths.train", export, "--paths.dev", export, "--test", str(GOLD))
    assert result.returncode == 1
    failures = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("✘")]
    assert len(failures) == 1 and "Traceback" not in result.stdout + result.stderr
    assert f"no usable annotated sentence in the 'train' split ({len(unusable)} tasks read, " \
           f"{len(unusable)} skipped" in failures[0]


def test_the_train_corpus_passes_each_example_through_a_configured_augmenter():
    from spacy.util import registry

    from nlp.segmentation import blank_pipeline

    nlp = blank_pipeline()
    read = registry.readers.get("policy_nlp.LabelStudioCorpus.v1")
    plain = read(path=GOLD, split="dev", splits=GOLD.parent.parent / "splits.json", limit=5)
    doubled = read(path=GOLD, split="dev", splits=GOLD.parent.parent / "splits.json", limit=5,
                   augmenter=lambda nlp, example: [example, example])
    examples = list(plain(nlp))
    assert [e.reference.text for e in doubled(nlp)] == [e.reference.text for e in examples for _ in range(2)]
