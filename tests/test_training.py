"""A tiny training run from the committed export, and the trained model in a fresh interpreter."""

import json
import subprocess
import sys

import pytest
import spacy

import nlp as nlp_package
from nlp.corpus.documents import read_documents
from nlp.studio.predictions import model_version

from .conftest import ROOT, train_tiny

pytestmark = pytest.mark.slow

@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    output = tmp_path_factory.mktemp("training")
    result = train_tiny(output)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return output, result.stdout


def test_training_writes_models_and_metrics(trained):
    output, stdout = trained
    assert (output / "model-best").is_dir() and (output / "model-last").is_dir()
    metrics = json.loads((output / "metrics.json").read_text())
    assert {"test", "test-no-county", "ood-test", "ood-test-no-county", "training_seconds"} <= set(metrics)
    for split in ("test", "test-no-county", "ood-test", "ood-test-no-county"):
        assert set(metrics[split]["entities"]) == {"PLACE", "PROGRAMME", "ALL"}
        assert set(metrics[split]["themes"]) == {"转型", "生态", "民生"}
        assert {"themes_macro_f", "theme_share_mae", "sentences", "documents"} <= set(metrics[split])
    assert metrics["ood-test"]["documents"] == 16 and metrics["test"]["documents"] == 3
    assert "expanded to token boundaries" in stdout  # the alignment report


def test_same_seed_same_model(trained, tmp_path):
    output, _ = trained
    again = train_tiny(tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]

    def scores(path):
        metrics = json.loads((path / "metrics.json").read_text())
        return {k: v for k, v in metrics.items() if k != "training_seconds"}

    assert scores(tmp_path) == scores(output)


def test_the_model_carries_its_name_and_version(trained):
    output, _ = trained
    for model in ("model-best", "model-last"):
        meta = json.loads((output / model / "meta.json").read_text())
        assert (meta["name"], meta["version"]) == ("policy_nlp", nlp_package.__version__)
        assert meta["license"] == "MIT" and "PROGRAMME" in meta["description"]
        assert {"pkuseg", "JioNLP"} <= {word for source in meta["sources"] for word in source["name"].split()}
    version = model_version(spacy.load(output / "model-best"))
    assert version.startswith(f"zh_policy_nlp-{nlp_package.__version__}-")
    assert len(version.rsplit("-", 1)[1]) == 8  # the digest of the meta


def test_override_is_honoured(trained):
    output, _ = trained
    config = (output / "model-last" / "config.cfg").read_text()
    assert "max_steps = 8" in config and "width = 32" in config


LOAD = """
import json, spacy, sys
nlp = spacy.load(sys.argv[1])
doc = nlp("清徐县深入推进河长制,完成造林绿化2.4万亩。全县新增就业3115人。")
out = {
  "pipeline": nlp.pipe_names,
  "sents": [[s.text, s._.themes, s._.theme_scores] for s in doc.sents],
  "doc_themes": doc._.themes,
  "ents": [[e.text, e.label_, e.kb_id_, e._.place, e._.programme] for e in doc.ents],
}
print(json.dumps(out, ensure_ascii=False))
"""


def test_model_loads_in_a_fresh_interpreter(trained):
    output, _ = trained
    result = subprocess.run([sys.executable, "-c", LOAD, str(output / "model-best")],
                            capture_output=True, text=True, cwd="/", check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["pipeline"][-2:] == ["place_linker", "programme_normaliser"]
    assert len(out["sents"]) == 2
    for text, themes, scores in out["sents"]:
        assert isinstance(themes, list) and set(scores) == {"转型", "生态", "民生"}
        assert all(0.0 <= p <= 1.0 for p in scores.values())
    assert set(out["doc_themes"]) == {"转型", "生态", "民生"}
    assert all(0.0 <= share <= 1.0 for share in out["doc_themes"].values())


@pytest.fixture(scope="module")
def loaded(trained):
    output, _ = trained
    return spacy.load(output / "model-best")


def summary(doc):
    return ([(s.start_char, s.end_char, s._.themes) for s in doc.sents],
            [(e.start_char, e.end_char, e.label_, e.kb_id_) for e in doc.ents], doc._.themes)


def test_theme_thresholds_come_from_the_config(loaded):
    config = loaded.config["components"]["sentence_themes"]["thresholds"]
    assert loaded.get_pipe("sentence_themes").thresholds == pytest.approx(config)
    assert set(config) == {"转型", "生态", "民生"}


def test_a_whole_report_in_one_call(loaded):
    report = next(d for d in read_documents(ROOT / "annotations" / "corpus" / "documents.jsonl")
                  if d.id == "wenxi-2021-report")
    assert len(report.text) > 15000
    doc = loaded(report.text)
    assert [(s.start_char, s.end_char) for s in doc.sents] == report.sentences
    assert set(doc._.themes) == {"转型", "生态", "民生"}


@pytest.mark.parametrize("text", ["", "   \n ", "。,!?;", "GDP增长5.1%, CO2 down 3%."])
def test_degenerate_inputs(loaded, text):
    doc = loaded(text)
    assert doc.text == text
    assert all(0.0 <= share <= 1.0 for share in (doc._.themes or {}).values())


def test_text_over_max_length_is_refused_clearly(loaded):
    with pytest.raises(ValueError, match="max_length"):
        loaded("政" * (loaded.max_length + 1))


def test_two_processes_give_the_same_result(loaded):
    texts = [d.text[:3000] for d in read_documents(ROOT / "annotations" / "corpus" / "documents.jsonl")[:4]]
    single = [summary(doc) for doc in loaded.pipe(texts, batch_size=2)]
    double = [summary(doc) for doc in loaded.pipe(texts, batch_size=2, n_process=2)]
    assert single == double


def test_char_variant_differs_from_base_only_in_the_segmenter():
    from spacy.util import load_config

    base, char = (load_config(ROOT / "configs" / name, interpolate=False) for name in ("base.cfg", "char.cfg"))
    assert (base["nlp"]["tokenizer"]["segmenter"], char["nlp"]["tokenizer"]["segmenter"]) == ("pkuseg", "char")
    for config in (base, char):
        del config["nlp"]["tokenizer"]["segmenter"]
        config["initialize"]["tokenizer"] = {}
    assert base == char
