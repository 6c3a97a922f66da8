"""The committed gold corpus is complete and consistent."""

import json

from nlp.corpus.documents import read_documents
from nlp.studio.annotations import ExportReport, load_export, read_annotations
from nlp.training.splits import load_splits

from .conftest import GOLD, ROOT, SPLITS


def test_every_sentence_has_exactly_one_clean_gold_annotation():
    tasks = load_export(GOLD)
    report = ExportReport()
    annotations = read_annotations(tasks, report)
    assert not report.skipped, report.lines()
    assert all(len(t["annotations"]) == 1 for t in tasks)
    documents = read_documents(ROOT / "annotations" / "corpus" / "documents.jsonl")
    expected = {(d.id, i): text for d in documents for i, text in enumerate(d.sentence_texts())}
    got = {(a.doc_id, a.meta["sentence"]): a.text for a in annotations}
    assert got == expected
    for task in tasks:
        for item in task["annotations"][0]["result"]:
            if item["type"] == "labels":
                v = item["value"]
                assert task["data"]["text"][v["start"]:v["end"]] == v["text"]


def test_splits_are_disjoint_by_document_and_cover_the_corpus():
    by_doc = load_splits(SPLITS)
    documents = read_documents(ROOT / "annotations" / "corpus" / "documents.jsonl")
    assert set(by_doc) == {d.id for d in documents}
    genre = {d.id: d.genre for d in documents}
    splits = json.loads(SPLITS.read_text())
    assert sum(genre[d] == "report" for d in splits["test"]) >= 2
    assert sum(genre[d] == "news" for d in splits["test"]) >= 1
    assert sum(genre[d] == "report" for d in splits["dev"]) >= 1
    assert sum(genre[d] == "news" for d in splits["dev"]) >= 1
