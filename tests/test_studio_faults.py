"""Faults in the annotation round trip, and secrets, against a real Label Studio server.

One server (one data directory, one port, fixed credentials) serves the module and is killed
(SIGKILL) and restarted where a scenario needs it:

* killed during ``studio push`` → the push fails in one line; after a restart, running it
  again completes the project with no duplicate and no missing task;
* killed during ``studio pull`` (between the export and its download) → one line, the old
  output file is untouched; after a restart the pull writes the new file;
* the pull process itself killed while it writes → the file is the old one or the new one;
* disk full and permission denied on the output → one line, the old file is kept;
* the API token and the web password appear in no output and no log of any command, in
  normal runs and in error paths, with debug logging and tracebacks.
"""

import errno
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time

import pytest
from label_studio_sdk.projects.exports.client import ExportsClient

from nlp.cli import main
from nlp.studio.client import connect
from nlp.studio.project import ensure_project
from nlp.studio.tasks import result_items

from .conftest import GOLD, ROOT, free_port

pytestmark = pytest.mark.studio

TITLE = "Fault test"
DOCUMENTS = ("qingxu-2021-news-2", "jiaocheng-2024-news")  # 100 + 87 sentences
EXPECTED_TASKS = 187


class RestartableServer:
    """A local Label Studio that keeps its data directory, port and credentials across restarts."""

    def __init__(self, data_dir):
        self.data_dir, self.port = data_dir, free_port()
        self.credentials = {"LABEL_STUDIO_USER_TOKEN": secrets.token_hex(20),
                            "LABEL_STUDIO_PASSWORD": secrets.token_urlsafe(16)}
        self.server = None

    def start(self) -> None:
        from nlp.studio.server import start_server

        with pytest.MonkeyPatch.context() as patch:
            for name, value in self.credentials.items():
                patch.setenv(name, value)
            self.server = start_server(self.data_dir, port=self.port, startup_timeout=600)  # a loaded machine takes minutes

    def kill(self) -> None:
        self.server.process.send_signal(signal.SIGKILL)
        self.server.process.wait()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def token(self) -> str:
        return self.credentials["LABEL_STUDIO_USER_TOKEN"]

    @property
    def secrets(self) -> tuple[str, str]:
        return self.token, self.credentials["LABEL_STUDIO_PASSWORD"]


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    pytest.importorskip("label_studio", reason="the studio extra is not installed")
    running = RestartableServer(tmp_path_factory.mktemp("label-studio-faults"))
    running.start()
    yield running
    running.server.stop()


@pytest.fixture(scope="module")
def env(studio) -> dict:
    return dict(os.environ, LABEL_STUDIO_URL=studio.url, LABEL_STUDIO_API_KEY=studio.token, PYTHONUNBUFFERED="1")


@pytest.fixture
def studio_env(studio, monkeypatch):
    """The connection settings for in-process runs of the command line."""
    monkeypatch.setenv("LABEL_STUDIO_URL", studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", studio.token)


def cli(*args: str, env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nlp.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600, check=False, **kwargs)


def one_line_error(stderr: str) -> str:
    assert stderr.count("\n") == 1 and stderr.startswith("✘") and "Traceback" not in stderr, stderr
    return stderr


def keys(client, project_id: int) -> list[tuple[str, int]]:
    tasks = client.tasks.list(project=project_id, page_size=1000, fields="task_only")
    return [(t.data["doc_id"], t.data["sentence"]) for t in tasks]


PUSH = ["studio", "push", "--title", TITLE, "--documents", *DOCUMENTS, "--no-predictions", "--batch-size", "10"]


@pytest.fixture(scope="module")
def pushed(studio, env) -> dict:
    """``studio push`` with the server killed after three batches, then restarted and the push run again."""
    project_id = ensure_project(connect(studio.url, studio.token), TITLE)
    process = subprocess.Popen([sys.executable, "-m", "nlp.cli", *PUSH], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    for line in process.stdout:
        if "imported 30/" in line:
            studio.kill()
            break
    _, stderr = process.communicate(timeout=300)
    interrupted = {"returncode": process.returncode, "stderr": stderr}
    studio.start()
    stored_before = len(keys(connect(studio.url, studio.token), project_id))
    again = cli(*PUSH, env=env)
    return {"project": project_id, "interrupted": interrupted, "stored_before": stored_before, "again": again}


def test_push_killed_midway_then_rerun_has_no_duplicate_and_no_missing_task(studio, pushed):
    assert pushed["interrupted"]["returncode"] == 1
    assert "Label Studio" in one_line_error(pushed["interrupted"]["stderr"])
    assert 30 <= pushed["stored_before"] < EXPECTED_TASKS  # the kill came half-way
    assert pushed["again"].returncode == 0, pushed["again"].stderr[-2000:]
    imported, present = map(int, re.search(r"(\d+) tasks imported, (\d+) already there",
                                           pushed["again"].stdout).groups())
    assert (present, imported + present) == (pushed["stored_before"], EXPECTED_TASKS)
    stored = keys(connect(studio.url, studio.token), pushed["project"])
    assert len(stored) == len(set(stored)) == EXPECTED_TASKS


@pytest.fixture(scope="module")
def annotated(studio, pushed) -> list[int]:
    """Three pushed sentences annotated, as the web UI saves them."""
    client = connect(studio.url, studio.token)
    tasks = list(client.tasks.list(project=pushed["project"], page_size=3, fields="task_only"))[:3]
    for task in tasks:
        client.annotations.create(id=task.id, result=result_items(task.data["text"], ["民生"], []))
    return [task.id for task in tasks]


@pytest.fixture
def old_export(tmp_path) -> tuple:
    """An export file that a pull must merge into (it holds one other gold task)."""
    output = tmp_path / "studio.json"
    kept = json.loads(GOLD.read_text(encoding="utf-8"))[0]
    output.write_text(json.dumps([kept], ensure_ascii=False), encoding="utf-8")
    return output, output.read_bytes()


def pull(output) -> int:
    return main(["studio", "pull", "--title", TITLE, "--output", str(output)])


def test_pull_killed_midway_keeps_the_old_file_and_a_rerun_writes_the_new_one(
        studio, studio_env, annotated, old_export, monkeypatch, capsys):
    output, old = old_export
    download = ExportsClient.download

    def kill_then_download(self, *args, **kwargs):  # the real server dies between export and download
        studio.kill()
        return download(self, *args, **kwargs)

    monkeypatch.setattr(ExportsClient, "download", kill_then_download)
    assert pull(output) == 1
    assert "Label Studio" in one_line_error(capsys.readouterr().err)
    assert output.read_bytes() == old and sorted(p.name for p in output.parent.iterdir()) == ["studio.json"]
    monkeypatch.setattr(ExportsClient, "download", download)
    studio.start()
    assert pull(output) == 0
    pulled = json.loads(output.read_text(encoding="utf-8"))
    assert {t["id"] for t in pulled} >= set(annotated) and json.loads(old)[0] in pulled


WRITER = """
import json, sys
from pathlib import Path
from nlp.studio.workflow import write_atomically
path, tasks = Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
print("ready", flush=True)
while True:
    write_atomically(tasks, path)
"""


def test_pull_process_killed_while_writing_leaves_the_old_or_the_new_file(tmp_path):
    output, source = tmp_path / "studio.json", tmp_path / "source.json"
    tasks = json.loads(GOLD.read_text(encoding="utf-8"))[:3000]  # about 10 MB written per round
    source.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    old = json.dumps([tasks[0]], ensure_ascii=False)
    outcomes = []
    for delay in (0.3, 1.1, 2.3):
        output.write_text(old, encoding="utf-8")
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(output), str(source)], cwd=ROOT,
                                  stdout=subprocess.PIPE, text=True)
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(delay)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        text = output.read_text(encoding="utf-8")
        outcomes.append("old" if text == old else "new" if len(json.loads(text)) == len(tasks) else "partial")
    assert "partial" not in outcomes, outcomes


def fill(directory) -> None:
    """Fill the file system of ``directory`` to the last byte."""
    try:
        with open(directory / "filler", "wb") as filler:
            while True:
                filler.write(b"\0" * 4096)
                filler.flush()
    except OSError as error:
        assert error.errno == errno.ENOSPC


def test_disk_full_gives_one_line_and_keeps_the_old_file(studio_env, annotated, old_export, tmp_path, monkeypatch,
                                                         capsys):
    _, old = old_export
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)],
                             capture_output=True, check=False).returncode == 0
    try:
        output = disk / "studio.json"
        output.write_bytes(old)
        if mounted:  # a real full disk: a tiny tmpfs filled to the last byte
            fill(disk)
        else:  # mounting needs root: the write fails as a full disk makes it fail, half-way through
            from nlp.studio import workflow

            def write_half_then_fail(tasks, path):
                path.write_text(json.dumps(tasks)[:1000], encoding="utf-8")
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

            monkeypatch.setattr(workflow, "write_export", write_half_then_fail)
        assert pull(output) == 1
        assert "No space left on device" in one_line_error(capsys.readouterr().err)
        assert output.read_bytes() == old
        assert not list(disk.glob(".*"))  # the partial file is removed
    finally:
        if mounted:
            subprocess.run(["umount", str(disk)], check=True)


def test_permission_denied_gives_one_line_and_keeps_the_old_file(studio_env, annotated, old_export, monkeypatch,
                                                                capsys):
    output, old = old_export
    directory = output.parent
    if os.geteuid() != 0:
        directory.chmod(0o555)  # a directory the user may not write to
        undo = ["chmod", "755", str(directory)]
    elif subprocess.run(["chattr", "+i", str(directory)], capture_output=True, check=False).returncode == 0:
        undo = ["chattr", "-i", str(directory)]  # root writes anywhere, except into an immutable directory
    else:  # neither is possible (root without CAP_LINUX_IMMUTABLE): the write fails as a denied one does
        from nlp.studio import workflow

        def denied(tasks, path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

        monkeypatch.setattr(workflow, "write_export", denied)
        undo = None
    try:
        assert pull(output) == 1
    finally:
        if undo:
            subprocess.run(undo, check=True)
    error = one_line_error(capsys.readouterr().err)
    assert "Permission denied" in error or "Operation not permitted" in error
    assert output.read_bytes() == old and sorted(p.name for p in directory.iterdir()) == ["studio.json"]


def commands(output, raw) -> list[tuple[list[str], int]]:
    """Every studio command against the server, in a normal run and in error paths."""
    return [
        (["studio", "init", "--title", TITLE], 0),
        (["studio", "push", "--title", TITLE, "--files", str(raw), "--no-predictions"], 0),
        (["studio", "pull", "--title", TITLE, "--output", str(output)], 0),
        (["studio", "status", "--title", TITLE], 0),
        (["studio", "pull", "--project", "99999", "--output", str(output)], 1),
        (["studio", "push", "--title", TITLE, "--files", str(raw.with_name("missing.txt"))], 1),
        (["studio", "pull", "--title", TITLE, "--output", str(raw / "x.json")], 1),  # a file as directory
        (["studio", "status", "--title", "No such project"], 1),
    ]


def test_no_command_prints_or_logs_the_token_or_the_password(studio, env, annotated, tmp_path):
    raw = tmp_path / "new-report.txt"
    raw.write_text("全县推进河长制,完成造林绿化2.4万亩。新增就业3115人。\n", encoding="utf-8")
    output = tmp_path / "pulled.json"
    down = dict(env, LABEL_STUDIO_URL=f"http://127.0.0.1:{free_port()}")
    cases = [(["--debug", *command], env, status) for command, status in commands(output, raw)]
    cases += [(["--debug", "studio", "status", "--title", TITLE], down, 1),
              (["studio", "status", "--title", TITLE, "--api-key", studio.token], down, 1)]
    processes = [subprocess.Popen([sys.executable, "-m", "nlp.cli", *command], cwd=ROOT, env=case_env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for command, case_env, _ in cases]  # all at once: each spends seconds importing
    runs = []
    for process, (command, _, status) in zip(processes, cases):
        stdout, stderr = process.communicate(timeout=600)
        runs.append((subprocess.CompletedProcess(command, process.returncode, stdout, stderr), status, command))
    for result, status, command in runs:
        assert result.returncode == status, (command, result.stderr[-2000:])
        for secret in studio.secrets:
            assert secret not in result.stdout + result.stderr, command
    debug_output = "".join(result.stderr for result, _, _ in runs)
    assert "HTTP Request: GET" in debug_output and "Traceback" in debug_output  # debug logging was on
    for path in studio.data_dir.rglob("*"):  # Label Studio's own log and files, the database aside
        if path.is_file() and not path.name.endswith((".sqlite3", ".sqlite3-journal")):
            for secret in studio.secrets:
                assert secret.encode() not in path.read_bytes(), path
