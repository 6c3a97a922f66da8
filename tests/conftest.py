from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "annotations" / "corpus" / "raw"
SOURCES = ROOT / "annotations" / "corpus" / "sources.json"
GOLD = ROOT / "annotations" / "exports" / "gold.json"
SPLITS = ROOT / "annotations" / "splits.json"


@pytest.fixture(scope="session")
def corpus():
    from nlp.corpus.documents import build_corpus

    documents, report = build_corpus(RAW, SOURCES)
    return {d.id: d for d in documents}, report
