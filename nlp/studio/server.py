"""Start and stop a local Label Studio server (the ``studio`` extra) with scripted credentials.

Credentials come from the environment: ``LABEL_STUDIO_USERNAME``,
``LABEL_STUDIO_PASSWORD`` and ``LABEL_STUDIO_USER_TOKEN``; a token is generated when none
is set. The server keeps its SQLite database under ``data_dir``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from .client import StudioError


@dataclass
class LocalServer:
    url: str
    token: str
    process: subprocess.Popen
    log: Path

    def stop(self, timeout: float = 20) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def label_studio_executable() -> str:
    candidate = Path(sys.executable).with_name("label-studio")
    found = str(candidate) if candidate.exists() else shutil.which("label-studio")
    if not found:
        raise StudioError("Label Studio is not installed: `pip install -e '.[studio]'`.")
    return found


def wait_for_health(process: subprocess.Popen, url: str, timeout: float, interval: float = 1.0) -> bool:
    """Poll ``url``/health until it answers 200 (True), or ``process`` exits or ``timeout`` passes (False)."""
    deadline = time.time() + timeout
    while time.time() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(interval)
    return False


def start_server(data_dir: Path, port: int = 8080, host: str = "127.0.0.1",
                 startup_timeout: float = 180.0) -> LocalServer:
    """Start Label Studio and wait until it answers ``/health``."""
    data_dir = Path(data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    token = os.environ.get("LABEL_STUDIO_USER_TOKEN") or secrets.token_hex(20)
    env = dict(
        os.environ,
        LABEL_STUDIO_USERNAME=os.environ.get("LABEL_STUDIO_USERNAME", "annotator@policy-nlp.local"),
        LABEL_STUDIO_PASSWORD=os.environ.get("LABEL_STUDIO_PASSWORD") or secrets.token_urlsafe(16),
        LABEL_STUDIO_USER_TOKEN=token,
        LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
        LABEL_STUDIO_BASE_DATA_DIR=str(data_dir),
        LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
    )
    log = data_dir / "server.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [label_studio_executable(), "start", "--no-browser", "--host", host, "--port", str(port),
             "--data-dir", str(data_dir)],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=data_dir,
        )
    url = f"http://{host}:{port}"
    server = LocalServer(url, token, process, log)
    if wait_for_health(process, url, startup_timeout):
        return server
    if process.poll() is not None:
        raise StudioError(f"Label Studio exited during start-up (exit {process.returncode}); see {log}.")
    server.stop()
    raise StudioError(f"Label Studio did not answer within {startup_timeout:.0f} s; see {log}.")
