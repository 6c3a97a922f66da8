"""``policy-nlp studio backend --train`` against a real Label Studio server.

Annotations saved in a project reach the backend as Label Studio's webhook events and
retrain the model in the background (tiny training settings); the predictions Label
Studio fetches afterwards carry the new model version. A kept model is served again with
``--model-version``; a retrain that fails (a broken config override, started with Label
Studio's "Start training") leaves it serving.
"""

import json
import signal
import subprocess
import sys
import time

import httpx
import pytest

from nlp.annotations import Span
from nlp.studio.project import ensure_project, import_new_tasks
from nlp.studio.tasks import result_items
from nlp.studio.workflow import connect_ml_backend, corpus_tasks
from nlp.training.splits import load_splits

from .conftest import ROOT, SPLITS, TINY_TRAINING, free_port

pytestmark = pytest.mark.studio

DOCUMENTS = ROOT / "annotations" / "corpus" / "documents.jsonl"


class Backend:
    """``policy-nlp studio backend --train …`` in a subprocess, stopped with Ctrl-C."""

    def __init__(self, server, *args: str):
        self.url = f"http://127.0.0.1:{free_port()}"
        command = [sys.executable, "-m", "nlp.cli", "studio", "backend", "--port", self.url.rsplit(":", 1)[1],
                   "--train", "--url", server.url, "--api-key", server.token, *args]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
        deadline = time.time() + 180
        while not self._up():
            assert self.process.poll() is None, self.process.communicate()[1][-3000:]
            assert time.time() < deadline, "the backend did not start"
            time.sleep(0.5)

    def _up(self) -> bool:
        try:
            return httpx.get(f"{self.url}/health", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def health(self) -> dict:
        return httpx.get(f"{self.url}/health", timeout=10).json()

    def wait_for_retrain(self, outcome: str, timeout: float = 600) -> dict:
        """Health once a retrain has ended with ``outcome`` (``finished`` or ``failed``)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            health = self.health()
            if health["training"][outcome] and not health["training"]["running"]:
                return health
            time.sleep(2)
        raise AssertionError(f"no retrain {outcome} within {timeout} s: {self.health()}")

    def stop(self) -> str:
        self.process.send_signal(signal.SIGINT)
        _, stderr = self.process.communicate(timeout=120)
        assert self.process.returncode == 0, stderr[-2000:]
        return stderr


def new_project(client, title: str) -> tuple[int, list]:
    """A project holding the 22 sentences of one train document, without predictions."""
    project_id = ensure_project(client, title)
    import_new_tasks(client, project_id, corpus_tasks(DOCUMENTS, load_splits(SPLITS), ["linxian-2025-news"]))
    return project_id, list(client.tasks.list(project=project_id, page_size=100, fields="all"))


def fetch_predictions(client, project_id: int, tasks: list) -> list[dict]:
    """Ask Label Studio to get predictions from the connected backend; the tasks' predictions."""
    client.actions.create(id="retrieve_tasks_predictions", project=project_id,
                          selected_items={"all": False, "included": [t.id for t in tasks]})
    fetched = [client.tasks.get(id=t.id) for t in tasks]
    return [p if isinstance(p, dict) else p.model_dump() for t in fetched for p in t.predictions or []]


@pytest.fixture(scope="module")
def retrained(server, client, tiny_model, tmp_path_factory):
    """A backend that retrains after two new annotations: its health before and after."""
    models_dir = tmp_path_factory.mktemp("backend-models")
    backend = Backend(server, "--model", str(tiny_model), "--models-dir", str(models_dir),
                      "--min-annotations", "2", *TINY_TRAINING)
    try:
        project_id, tasks = new_project(client, "Retraining test")
        connect_ml_backend(client, project_id, backend.url)
        before = backend.health()
        for task, themes in zip(tasks[:2], (["转型"], ["民生"])):
            text = task.data["text"]
            place = text.index("临县") if "临县" in text else 0
            spans = [Span(place, place + 2, "PLACE")] if "临县" in text else []
            client.annotations.create(id=task.id, result=result_items(text, themes, spans))
        after = backend.wait_for_retrain("finished")
        predictions = fetch_predictions(client, project_id, tasks[2:4])
    finally:
        log = backend.stop()
    return {"before": before, "after": after, "predictions": predictions, "models_dir": models_dir, "log": log}


def test_annotations_retrain_the_model_and_predictions_carry_its_version(retrained):
    before, after = retrained["before"], retrained["after"]
    assert before["training"]["finished"] == 0 and before["training"]["min_annotations"] == 2
    new_version = after["model_version"]
    assert new_version != before["model_version"]
    assert after["training"]["failed"] == 0 and after["training"]["last"]["model_version"] == new_version
    assert {p["model_version"] for p in retrained["predictions"]} == {new_version}
    kept = retrained["models_dir"] / new_version
    metrics = json.loads((kept / "metrics.json").read_text())
    assert {"test", "ood-test"} <= set(metrics)
    retrain = json.loads((kept / "retrain.json").read_text())
    assert retrain["new_annotations"] == 2 and retrain["project_tasks"] == 2
    assert "retrain finished" in retrained["log"]


def test_a_failed_retrain_keeps_the_rolled_back_model_serving(server, client, retrained):
    version = retrained["after"]["model_version"]
    backend = Backend(server, "--models-dir", str(retrained["models_dir"]), "--model-version", version,
                      *TINY_TRAINING, "--training.max_epochs", "many")  # a broken override: training fails
    try:
        assert backend.health()["model_version"] == version  # rolled back to a kept model
        project_id, tasks = new_project(client, "Failing retrain test")
        backend_id = connect_ml_backend(client, project_id, backend.url)
        client.ml.train(id=backend_id)  # Label Studio's "Start training"
        health = backend.wait_for_retrain("failed")
        assert health["model_version"] == version and health["training"]["finished"] == 0
        assert "training exited with status 1" in health["training"]["last"]["error"]
        assert {p["model_version"] for p in fetch_predictions(client, project_id, tasks[:2])} == {version}
    finally:
        log = backend.stop()
    assert "retrain failed, the current model keeps serving" in log


def test_unknown_model_version_names_the_kept_ones(retrained):
    result = subprocess.run([sys.executable, "-m", "nlp.cli", "studio", "backend", "--models-dir",
                             str(retrained["models_dir"]), "--model-version", "pipeline-0.0.0-nope"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert retrained["after"]["model_version"] in result.stderr
