import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "annotations" / "corpus" / "raw"
SOURCES = ROOT / "annotations" / "corpus" / "sources.json"
GOLD = ROOT / "annotations" / "exports" / "gold.json"
SPLITS = ROOT / "annotations" / "splits.json"

# Property-based tests: "ci" keeps the whole suite's share under a minute; "thorough" is the
# larger run whose figures README gives (HYPOTHESIS_PROFILE=thorough pytest tests/test_bad_input.py
# --hypothesis-show-statistics).
_UNTIMED = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
            "database": None}
settings.register_profile("ci", max_examples=60, **_UNTIMED)
settings.register_profile("thorough", max_examples=1000, **_UNTIMED)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def corpus():
    from nlp.corpus.documents import build_corpus

    documents, report = build_corpus(RAW, SOURCES)
    return {d.id: d for d in documents}, report


# A training run of seconds: enough to produce a loadable pipeline, not a good one.
TINY_TRAINING = [
    "--training.max_epochs", "1",
    "--training.max_steps", "8",
    "--training.eval_frequency", "4",
    "--corpora.train.limit", "60",
    "--corpora.dev.limit", "30",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def train_tiny(output: Path, *overrides: str) -> subprocess.CompletedProcess:
    """``python train.py configs/base.cfg`` with the tiny settings (and ``overrides``) into ``output``."""
    return subprocess.run(
        [sys.executable, "train.py", "configs/base.cfg", "--output", str(output), *TINY_TRAINING, *overrides],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """``model-best`` of a tiny training run on the committed gold export."""
    output = tmp_path_factory.mktemp("tiny-training")
    result = train_tiny(output)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return output / "model-best"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real Label Studio server on a free local port, for one test module."""
    pytest.importorskip("label_studio", reason="the studio extra is not installed")
    from nlp.studio.server import start_server

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ML_BLOCK_LOCAL_IP", "false")  # the ML backend of the tests runs on 127.0.0.1
        patch.setenv("SSRF_PROTECTION_ENABLED", "false")  # and receives the project's webhook events
        running = start_server(tmp_path_factory.mktemp("label-studio"), port=free_port(),
                               startup_timeout=600)  # a loaded machine takes minutes
    yield running
    running.stop()


@pytest.fixture(scope="module")
def client(server):
    from nlp.studio.client import connect

    return connect(server.url, server.token)
