"""The committed gold corpus is complete and consistent."""

import json

from nlp.annotations import ExportReport, load_export, read_annotations
from nlp.corpus.documents import read_documents
from nlp.corpus.sampling import read_sample
from nlp.training.splits import load_splits

from .conftest import GOLD, ROOT, SPLITS


def test_every_gold_sentence_has_exactly_one_clean_gold_annotation():
    """Documents of the sample have their sampled sentences in the gold, the others every sentence."""
    tasks = load_export(GOLD)
    report = ExportReport()
    annotations = read_annotations(tasks, report)
    assert not report.skipped, report.lines()
    assert all(len(t["annotations"]) == 1 for t in tasks)
    documents = read_documents(ROOT / "annotations" / "corpus" / "documents.jsonl")
    sample = read_sample(ROOT / "annotations" / "sample.json")
    expected = {(d.id, i): text for d in documents for i, text in enumerate(d.sentence_texts())
                if d.id not in sample or i in sample[d.id]}
    got = {(a.doc_id, a.meta["sentence"]): a.text for a in annotations}
    assert len(got) == len(annotations)
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


def test_second_pass_covers_a_tenth_of_every_sampled_document():
    second = read_annotations(load_export(ROOT / "annotations" / "exports" / "second-pass.json"))
    sample = read_sample(ROOT / "annotations" / "sample.json")
    per_document = {doc_id: 0 for doc_id in sample}
    for a in second:
        if a.doc_id in sample:
            assert a.meta["sentence"] in sample[a.doc_id]
            per_document[a.doc_id] += 1
    assert all(count >= 0.1 * len(sample[d]) for d, count in per_document.items())
