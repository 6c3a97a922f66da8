"""The committed gold sample and the document splits that measure transfer."""

import json
import subprocess
import sys

from nlp.corpus.documents import read_documents
from nlp.corpus.sampling import build_sample, is_heading, read_sample, sample_document, strata
from nlp.training.splits import load_splits

from .conftest import ROOT, SPLITS

DOCUMENTS = ROOT / "annotations" / "corpus" / "documents.jsonl"
SAMPLE = ROOT / "annotations" / "sample.json"


def documents_by_id():
    return {d.id: d for d in read_documents(DOCUMENTS)}


def test_committed_sample_is_what_the_seed_draws():
    committed = json.loads(SAMPLE.read_text(encoding="utf-8"))
    documents = documents_by_id()
    drawn = build_sample([documents[d] for d in committed["documents"]], committed["sizes"], committed["seed"])
    assert drawn["documents"] == committed["documents"]
    sizes = {d: len(entry["sentences"]) for d, entry in committed["documents"].items()}
    assert all(sizes[d] == (120 if documents[d].level == "province" else 150) for d in sizes)
    assert sum(sizes.values()) >= 7000


def test_sample_reaches_every_section_and_grows_without_relabelling():
    hubei = documents_by_id()["hubei-2026-report"]
    small = sample_document(hubei, 120, seed=2026)
    large = sample_document(hubei, 200, seed=2026, keep=small)
    assert set(small) <= set(large) and len(small) == 120 and len(large) == 200
    groups = strata(hubei)
    assert sum(map(len, groups)) == len(hubei.sentences)
    assert all(set(group) & set(small) for group in groups)  # every stratum is present
    headings = [hubei.sentence_texts()[i] for i in range(len(hubei.sentences)) if is_heading(hubei, i)]
    assert "三、2026年的重点工作" in headings


def test_splits_are_disjoint_and_ood_provinces_unseen():
    split_of = load_splits(SPLITS)
    documents = documents_by_id()
    assert set(split_of) == set(documents)
    province = {d.id: d.province for d in documents.values()}
    seen = {province[d] for d, split in split_of.items() if split in ("train", "dev")}
    ood = {province[d] for d, split in split_of.items() if split == "ood-test"}
    assert len(ood) >= 8 and not ood & seen
    for held_out in ood:  # both the provincial and the city report of each held-out province
        levels = sorted(documents[d].level for d in split_of if province[d] == held_out)
        assert levels == ["city", "province"]
    reasons = json.loads(SPLITS.read_text(encoding="utf-8"))["why"]["ood-test provinces"]
    assert set(reasons) == ood


def test_first_splits_unchanged():
    split_of = load_splits(SPLITS)
    assert sorted(d for d, s in split_of.items() if s == "test") == [
        "jiaocheng-2024-news", "wenxi-2021-report", "yanhu-2021-report"]
    assert {"jingle-2021-report", "anze-2024-news"} <= {d for d, s in split_of.items() if s == "dev"}


def test_read_sample_of_missing_file_is_empty(tmp_path):
    assert read_sample(tmp_path / "none.json") == {}


def run_sample(*args):
    return subprocess.run([sys.executable, "-m", "nlp.cli", "corpus", "sample", *args],
                          cwd=ROOT, capture_output=True, text=True, check=False)


def test_sample_command_extends_but_never_shrinks(tmp_path):
    copy = tmp_path / "sample.json"
    copy.write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    same = run_sample("--size", "province=120", "--size", "city=150", "--output", str(copy))
    assert same.returncode == 0 and copy.read_text(encoding="utf-8") == SAMPLE.read_text(encoding="utf-8")
    smaller = run_sample("--size", "province=100", "--size", "city=150", "--output", str(copy))
    assert smaller.returncode == 1 and "would drop sentences already sampled" in smaller.stdout
    larger = run_sample("--size", "province=130", "--size", "city=150", "--output", str(copy))
    assert larger.returncode == 0 and "7780 sentences sampled" in larger.stdout
    before, after = json.loads(SAMPLE.read_text(encoding="utf-8")), json.loads(copy.read_text(encoding="utf-8"))
    for doc_id, entry in before["documents"].items():
        assert set(entry["sentences"]) <= set(after["documents"][doc_id]["sentences"])
    nothing = run_sample("--size", "province=120", "--size", "city=150", "--output", str(tmp_path / "new.json"))
    assert nothing.returncode == 1 and "Nothing to sample" in nothing.stdout
