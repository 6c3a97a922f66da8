"""The annotator workflow (``policy-nlp studio …``) against a real Label Studio server.

One server serves the whole module; the fixtures walk through the workflow in order:
init → push with predictions (interrupted once, then resumed) → two annotated tasks →
pulls (new, unchanged, changed by a second annotator) → training and agreement on the pull.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest
from label_studio_sdk.label_interface import LabelInterface

import nlp
from nlp.annotations import Span
from nlp.corpus.documents import read_documents
from nlp.studio.client import LABEL_CONFIG, connect
from nlp.studio.tasks import result_items
from nlp.studio.workflow import corpus_tasks, push
from nlp.training.splits import load_splits

from .conftest import GOLD, ROOT, SPLITS, free_port, train_tiny

pytestmark = pytest.mark.studio

DOCUMENTS = ROOT / "annotations" / "corpus" / "documents.jsonl"
PUSHED = ("linxian-2025-news", "anze-2024-news")  # a train and a dev document: 22 + 73 sentences
TITLE = "Workflow test"


def cli(*args: str, env: dict, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nlp.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def wait_for(url: str, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout} s")


@pytest.fixture(scope="module")
def env(server) -> dict:
    return dict(os.environ, LABEL_STUDIO_URL=server.url, LABEL_STUDIO_API_KEY=server.token)


@pytest.fixture(scope="module")
def project(env) -> tuple[int, list[str]]:
    outputs = [ok(cli("studio", "init", "--title", TITLE, env=env)) for _ in range(2)]
    return int(re.search(r"id (\d+)", outputs[0]).group(1)), outputs


def project_tasks(client, project_id: int) -> list:
    return list(client.tasks.list(project=project_id, page_size=1000, fields="all"))


def predictions(task) -> list[dict]:
    return [p if isinstance(p, dict) else p.model_dump() for p in task.predictions or []]


@pytest.fixture(scope="module")
def pushed(client, project, env, tiny_model) -> list[str]:
    """A push interrupted (Ctrl-C) after its first batch of 40, resumed, then repeated."""
    project_id, _ = project
    tasks = corpus_tasks(DOCUMENTS, load_splits(SPLITS), PUSHED)

    def interrupt_after_first_batch(line: str) -> None:
        if line.startswith("imported"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        push(client, project_id, tasks, tiny_model, order="uncertainty", batch_size=40,
             progress=interrupt_after_first_batch)
    args = ["studio", "push", "--title", TITLE, "--documents", *PUSHED, "--model", str(tiny_model),
            "--order", "uncertainty", "--batch-size", "40"]
    return [ok(cli(*args, env=env)) for _ in range(2)]


@pytest.fixture(scope="module")
def annotated(client, project, pushed) -> list[int]:
    """The admin annotates one sentence of each pushed document, as the web UI would save it."""
    project_id, _ = project
    chosen = []
    for doc_id, place, themes in (("linxian-2025-news", "临县", ["转型"]), ("anze-2024-news", "安泽县", ["民生"])):
        task = next(t for t in project_tasks(client, project_id)
                    if t.data["doc_id"] == doc_id and place in t.data["text"])
        start = task.data["text"].index(place)
        result = result_items(task.data["text"], themes, [Span(start, start + len(place), "PLACE")])
        client.annotations.create(id=task.id, result=result, lead_time=12.5)
        chosen.append(task.id)
    return chosen


def annotate_as_second_annotator(client, task_ids: list[int]) -> None:
    second = client.users.create(email="second@policy-nlp.local", username="second")
    for task_id in task_ids:
        text = client.tasks.get(id=task_id).data["text"]
        client.annotations.create(id=task_id, completed_by=second.id, result=result_items(text, ["民生"], []))


@pytest.fixture(scope="module")
def pulls(client, project, annotated, env, tmp_path_factory) -> dict:
    """Pulls into an export that already holds one other task: new, again, after a second annotator."""
    output = tmp_path_factory.mktemp("pull") / "studio.json"
    kept = next(t for t in json.loads(GOLD.read_text(encoding="utf-8")) if t["data"]["doc_id"] not in PUSHED)
    output.write_text(json.dumps([kept], ensure_ascii=False), encoding="utf-8")
    args = ["studio", "pull", "--title", TITLE, "--output", str(output)]
    first = ok(cli(*args, env=env))
    first_bytes, first_mtime = output.read_bytes(), output.stat().st_mtime_ns
    again = ok(cli(*args, env=env))
    unchanged = output.read_bytes() == first_bytes and output.stat().st_mtime_ns == first_mtime
    annotate_as_second_annotator(client, annotated)
    changed = ok(cli(*args, env=env))
    return {"output": output, "kept": kept, "first": first, "again": again, "unchanged": unchanged,
            "changed": changed}


@pytest.fixture(scope="module")
def backend(tiny_model):
    """``policy-nlp studio backend`` in a subprocess; stopped with Ctrl-C (SIGINT)."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "nlp.cli", "studio", "backend", "--model", str(tiny_model),
                                "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/health", timeout=120)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=180)
    assert process.returncode == 0, stderr[-2000:]


def test_init_creates_the_project_once(client, project):
    project_id, outputs = project
    assert outputs[0] == outputs[1]
    assert [p.id for p in client.projects.list() if p.title == TITLE] == [project_id]
    created = client.projects.get(id=project_id)
    assert 'name="themes"' in created.label_config
    guidelines = (ROOT / "annotations" / "GUIDELINES.md").read_text(encoding="utf-8")
    assert created.expert_instruction.strip() == guidelines.strip()


def test_push_imports_each_sentence_once_with_predictions(client, project, pushed, tiny_model):
    project_id, _ = project
    documents = {d.id: d for d in read_documents(DOCUMENTS)}
    expected = sum(len(documents[doc_id].sentences) for doc_id in PUSHED)
    assert f"{expected - 40} tasks imported, 40 already there" in pushed[0]  # resumed after the first batch
    assert f"0 tasks imported, {expected} already there" in pushed[1]
    tasks = project_tasks(client, project_id)
    keys = [(t.data["doc_id"], t.data["sentence"]) for t in tasks]
    assert len(keys) == len(set(keys)) == expected
    interface = LabelInterface(LABEL_CONFIG.read_text(encoding="utf-8"))
    versions = set()
    for task in tasks:
        assert len(predictions(task)) == 1
        prediction = predictions(task)[0]
        versions.add(prediction["model_version"])
        assert 0.0 <= prediction["score"] <= 1.0
        assert interface.validate_prediction(prediction)
        assert {r["type"] for r in prediction["result"]} <= {"labels", "choices"}
    assert len(versions) == 1 and versions.pop().startswith(f"zh_policy_nlp-{nlp.__version__}-")
    assert any(r["type"] == "choices" for t in tasks for r in predictions(t)[0]["result"])
    # least certain first within each run (first batch, then the resumed rest)
    scores = [predictions(t)[0]["score"] for t in sorted(tasks, key=lambda t: t.id)]
    assert scores[:40] == sorted(scores[:40]) and scores[40:] == sorted(scores[40:])
    splits = {t.data["doc_id"]: t.data["split"] for t in tasks}
    assert splits == {"linxian-2025-news": "train", "anze-2024-news": "dev"}


def test_pull_merges_new_and_changed_tasks_only(pulls, annotated):
    exported = json.loads(pulls["output"].read_text(encoding="utf-8"))
    assert "2 added, 0 updated, 0 unchanged" in pulls["first"]
    assert "0 added, 0 updated, 2 unchanged" in pulls["again"] and pulls["unchanged"]
    assert "0 added, 2 updated, 0 unchanged" in pulls["changed"]
    assert len(exported) == 3 and pulls["kept"] in exported  # nothing is removed
    pulled = [t for t in exported if t["id"] in annotated]
    assert [len(t["annotations"]) for t in pulled] == [2, 2]
    assert not list(pulls["output"].parent.glob(".*"))  # no partial file left
    assert "train" in pulls["changed"] and "dev" in pulls["changed"]  # the stats table
    assert "sentence annotations used" in pulls["changed"]


def test_status_per_document_and_annotator(project, pulls, env):
    out = ok(cli("studio", "status", "--project", str(project[0]), env=env))
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.strip()}
    assert rows["linxian-2025-news"] == ["1", "22"] and rows["anze-2024-news"] == ["1", "73"]
    assert rows["all"] == ["2", "95"]
    assert rows["annotator@policy-nlp.local"] == ["2", "0"] and rows["second@policy-nlp.local"] == ["2", "0"]


def test_pulled_export_trains(pulls, tmp_path):
    export = str(pulls["output"])
    result = train_tiny(tmp_path, "--paths.train", export, "--paths.dev", export, "--test", str(GOLD))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Corpus 'train' from" in result.stdout and (tmp_path / "model-best").is_dir()


def test_agreement_between_the_two_annotators(pulls, env, tmp_path):
    figures = tmp_path / "agreement.json"
    out = ok(cli("annotations", "agreement", str(pulls["output"]), "--json", str(figures), env=env))
    assert "2 sentences annotated by both" in out
    result = json.loads(figures.read_text(encoding="utf-8"))
    assert result["sentences"] == 2
    assert result["exact_f1"]["PLACE"] == 0.0  # the second annotator marked no place
    assert set(result["disagreements"]) >= {"PLACE", "转型"}


def test_ml_backend_answers_predict_for_tasks_from_the_labelling_config(backend, tiny_model):
    config = LABEL_CONFIG.read_text(encoding="utf-8")
    interface = LabelInterface(config)
    sample = interface.generate_sample_task()  # the data keys the config asks for
    sentence = "临县推进河长制,完成造林绿化2.4万亩。"
    tasks = [{"id": 1, "data": sample}, {"id": 2, "data": {key: sentence for key in sample}}]
    health = httpx.get(f"{backend}/health").json()
    assert health["status"] == "UP"
    setup = httpx.post(f"{backend}/setup", json={"project": "1.0", "schema": config, "access_token": "x"})
    assert setup.status_code == 200 and setup.json()["model_version"] == health["model_version"]
    answer = httpx.post(f"{backend}/predict", json={"tasks": tasks, "project": "1.0", "label_config": config,
                                                    "params": {"context": None}}, timeout=60)
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert len(results) == 2
    for prediction in results:
        assert interface.validate_prediction(prediction)
        assert prediction["model_version"] == health["model_version"] and 0 <= prediction["score"] <= 1
    wrong = httpx.post(f"{backend}/setup", json={"project": "1.0", "schema": "<View></View>"})
    assert wrong.status_code == 400 and "label" in wrong.json()["error"]
    assert httpx.post(f"{backend}/predict", content=b"not json").status_code == 400


def test_label_studio_connects_the_backend_and_gets_its_predictions(client, env, backend, tmp_path):
    raw = tmp_path / "new-report.txt"
    raw.write_text("某县2025年政府工作报告\n全县推进河长制,完成造林绿化2.4万亩。新增就业3115人,城镇登记失业率"
                   "控制在4%以内。\n\n来源:县政府办\n", encoding="utf-8")
    title = "Backend test"
    init = [ok(cli("studio", "init", "--title", title, "--ml-backend", backend, env=env)) for _ in range(2)]
    assert "ML backend" in init[0] and init[0] == init[1]
    project_id = next(p.id for p in client.projects.list() if p.title == title)
    backends = list(client.ml.list(project=project_id))
    assert len(backends) == 1 and backends[0].state == "CO"  # connected
    out = ok(cli("studio", "push", "--title", title, "--files", str(raw), "--no-predictions", env=env))
    assert "2 tasks imported" in out  # headline and credit line are cleaned away
    tasks = project_tasks(client, project_id)
    assert {t.data["doc_id"] for t in tasks} == {"new-report"} and not any(predictions(t) for t in tasks)
    client.actions.create(id="retrieve_tasks_predictions", project=project_id,
                          selected_items={"all": False, "included": [t.id for t in tasks]})
    tasks = project_tasks(client, project_id)
    assert all(len(predictions(t)) == 1 for t in tasks)
    assert {predictions(t)[0]["model_version"] for t in tasks} == {backends[0].model_version}


def test_serve_prints_url_and_token_once_and_stops_on_ctrl_c(tmp_path):
    data_dir, port = tmp_path / "studio", free_port()
    serve_env = {k: v for k, v in os.environ.items() if not k.startswith("LABEL_STUDIO_")}
    process = subprocess.Popen([sys.executable, "-m", "nlp.cli", "studio", "serve", "--data-dir", str(data_dir),
                                "--port", str(port)], cwd=ROOT, env=serve_env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.time() + 180
        while not any(line.startswith("web login") for line in lines) and process.poll() is None:
            assert time.time() < deadline, lines
            time.sleep(0.5)
        exports = [line for line in lines if line.startswith("export LABEL_STUDIO_URL=")]
        assert len(exports) == 1
        url, token = (part.split("=", 1)[1] for part in exports[0].split()[1:])
        assert url == f"http://127.0.0.1:{port}"
        assert connect(url, token).users.whoami().email
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=180)
        reader.join(timeout=10)
    assert process.returncode == 0
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
    password = next(line for line in lines if line.startswith("web login")).rsplit(" / ", 1)[1].strip()
    assert sum(token in line for line in lines) == 1 and sum(password in line for line in lines) == 1
    for path in data_dir.rglob("*"):
        if path.is_file() and not path.name.endswith(".sqlite3"):
            assert token.encode() not in path.read_bytes() and password.encode() not in path.read_bytes(), path


def test_server_down_bad_token_and_wrong_project_give_one_line_errors(server, tmp_path):
    down = dict(os.environ, LABEL_STUDIO_URL=f"http://127.0.0.1:{free_port()}", LABEL_STUDIO_API_KEY="a-token")
    bad_token = dict(os.environ, LABEL_STUDIO_URL=server.url, LABEL_STUDIO_API_KEY="wrong-token-0000")
    good = dict(os.environ, LABEL_STUDIO_URL=server.url, LABEL_STUDIO_API_KEY=server.token)
    output = tmp_path / "pulled.json"
    commands = [["init"], ["push", "--no-predictions"], ["pull", "--output", str(output)], ["status"]]
    cases = [(down, command, "Label Studio is not reachable at http://127.0.0.1:") for command in commands]
    cases += [(bad_token, command, "rejected the token") for command in commands]
    cases += [(good, [*command, "--project", "99999"], "wrong project id") for command in commands[1:]]
    runs = [subprocess.Popen([sys.executable, "-m", "nlp.cli", "studio", *command], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for env, command, _ in cases]  # all at once: the down-server retries take seconds each
    for run, (env, command, message) in zip(runs, cases):
        stdout, stderr = run.communicate(timeout=300)
        assert run.returncode == 1, (command, stdout, stderr)
        assert stderr.count("\n") == 1 and stderr.startswith("✘") and message in stderr, (command, stderr)
        assert "Traceback" not in stdout + stderr and env["LABEL_STUDIO_API_KEY"] not in stdout + stderr
    assert not list(tmp_path.iterdir())  # no export, no partial file
