"""``policy-nlp curve``: nested shares of the train documents, dev F1 per label, JSON and plot."""

import json
import subprocess
import sys
from collections import defaultdict

import pytest

from nlp.training.curve import summarise
from nlp.training.splits import load_splits, sample_documents

from .conftest import GOLD, ROOT, SPLITS, TINY_TRAINING


def test_larger_shares_hold_the_smaller_ones():
    documents = [f"doc-{i}" for i in range(45)]
    shares = [sample_documents(documents, fraction, seed=0) for fraction in (0.25, 0.5, 0.75, 1.0)]
    assert [len(share) for share in shares] == [12, 23, 34, 45]
    assert shares[0] < shares[1] < shares[2] < shares[3] == set(documents)
    assert sample_documents(documents, 0.25, seed=1) != shares[0]
    with pytest.raises(ValueError, match="fraction"):
        sample_documents(documents, 0.0)


def test_last_step_is_judged_against_the_seed_spread():
    def run(fraction, seed, place, theme):
        return {"fraction": fraction, "seed": seed, "f1": {"PLACE": place, "PROGRAMME": 0.5, "转型": theme,
                                                          "生态": 0.5, "民生": 0.5}}

    runs = [run(0.5, 0, 0.60, 0.80), run(0.5, 1, 0.62, 0.70), run(1.0, 0, 0.70, 0.78), run(1.0, 1, 0.72, 0.74)]
    summary = summarise(runs, [0.5, 1.0])
    assert summary["points"][1]["mean"]["PLACE"] == 0.71 and summary["points"][0]["spread"]["转型"] == 0.1
    assert summary["last_step"]["PLACE"] == {"gain": 0.1, "noise": 0.02, "still_gains": True}
    assert summary["last_step"]["转型"]["still_gains"] is False  # +0.01 within a spread of 0.1
    assert summary["last_step"]["生态"] == {"gain": 0.0, "noise": 0.0, "still_gains": False}
    one_seed = summarise([r for r in runs if r["seed"] == 0], [0.5, 1.0])
    assert one_seed["last_step"]["PLACE"]["still_gains"] is None  # no spread between seeds to judge by


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory):
    """Twelve sentences of each of four train documents and of one dev document of the gold."""
    split_of = load_splits(SPLITS)
    by_doc = defaultdict(list)
    for task in json.loads(GOLD.read_text(encoding="utf-8")):
        by_doc[task["data"]["doc_id"]].append(task)
    train = sorted(doc for doc in by_doc if split_of.get(doc) == "train")[:4]
    dev = sorted(doc for doc in by_doc if split_of.get(doc) == "dev")[:1]
    path = tmp_path_factory.mktemp("tiny-corpus") / "tiny.json"
    path.write_text(json.dumps([t for doc in train + dev for t in by_doc[doc][:12]], ensure_ascii=False))
    return path


@pytest.mark.slow
def test_curve_writes_json_and_plot_with_a_point_per_share(tiny_corpus, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "nlp.cli", "curve", "configs/base.cfg", "--fractions", "0.5", "1.0",
         "--seeds", "0", "1", "--output", str(tmp_path), "--paths.train", str(tiny_corpus),
         "--paths.dev", str(tiny_corpus), *TINY_TRAINING],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    curve = json.loads((tmp_path / "curve.json").read_text(encoding="utf-8"))
    assert [(p["fraction"], p["documents"], p["sentences"]) for p in curve["points"]] == [(0.5, 2, 24), (1.0, 4, 48)]
    assert sorted((r["fraction"], r["seed"]) for r in curve["runs"]) == [(0.5, 0), (0.5, 1), (1.0, 0), (1.0, 1)]
    assert curve["dev_sentences"] == 12 and curve["seeds"] == [0, 1]
    for run in curve["runs"]:
        assert set(run["f1"]) == {"PLACE", "PROGRAMME", "转型", "生态", "民生"}
        assert all(0.0 <= f <= 1.0 for f in run["f1"].values())
    assert set(curve["last_step"]) == set(curve["labels"])
    assert (tmp_path / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "still gains" in result.stdout or "within the noise" in result.stdout
