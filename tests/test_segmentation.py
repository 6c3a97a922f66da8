"""Offline pkuseg segmentation with the domain user dictionary."""

import subprocess
import sys

import pytest

from nlp.segmentation import blank_pipeline, provision_pkuseg_model, write_user_dict

SENTENCE = "按照省委“四为四高两同步”总体思路和要求,清徐县深入推进河长制。"


@pytest.fixture(scope="module")
def nlp(tmp_path_factory):
    user_dict = write_user_dict(["四为四高两同步", "河长制"], tmp_path_factory.mktemp("dict") / "user.txt")
    return blank_pipeline(user_dict)


def test_model_is_provisioned_once(tmp_path):
    first = provision_pkuseg_model()
    assert (first / "features.msgpack").exists() and (first / "weights.npz").exists()
    assert provision_pkuseg_model() == first


def test_pkuseg_segments_real_sentences(nlp):
    words = [t.text for t in nlp(SENTENCE)]
    assert "".join(words) == SENTENCE
    assert 8 < len(words) < len(SENTENCE)  # words, not characters


def test_user_dictionary_words_stay_whole(nlp):
    words = [t.text for t in nlp(SENTENCE)]
    assert "四为四高两同步" in words and "河长制" in words


def test_round_trip_in_a_fresh_process(nlp, tmp_path):
    nlp.to_disk(tmp_path / "pipeline")
    code = "import spacy, sys; print(' '.join(t.text for t in spacy.load(sys.argv[1])(sys.argv[2])))"
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "pipeline"), SENTENCE],
                            capture_output=True, text=True, check=True)
    assert result.stdout.split() == [t.text for t in nlp(SENTENCE)]


def test_two_processes_can_provision_at_once(tmp_path):
    target = tmp_path / "ctb8"
    code = "import sys; from pathlib import Path; from nlp.segmentation import provision_pkuseg_model as p; print(p(Path(sys.argv[1])))"
    runs = [subprocess.Popen([sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE, text=True)
            for _ in range(2)]
    outputs = [run.communicate()[0].strip() for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    assert outputs == [str(target), str(target)]
    assert (target / "features.msgpack").exists() and (target / "weights.npz").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["ctb8"]  # no staging directory left behind
