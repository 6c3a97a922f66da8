"""A Label Studio ML backend serving a trained spaCy pipeline (standard library HTTP server).

It speaks the protocol Label Studio uses with ``label-studio-ml-backend`` servers:

``GET /health`` (and ``GET /``)
    ``{"status": "UP", "model_class": "spaCy", "model_version": …}``
``POST /setup`` ``{"project", "schema", "hostname", "access_token", "extra_params"}``
    ``{"model_version": …}``; Label Studio calls it when the backend is connected.
``POST /predict`` ``{"tasks": [{"id", "data": {"text": …}, …}], "project", "label_config", "params"}``
    ``{"results": [one prediction per task, in order], "model_version": …}``, each prediction
    ``{"result": […], "score": …, "model_version": …}`` (see :mod:`nlp.studio.predictions`).
``POST /webhook``
    annotation events and "Start training" that Label Studio sends to a connected backend;
    acknowledged with ``{"status": "ignored"}``, or handed to the :class:`~nlp.studio.
    retraining.Retrainer` when the backend retrains (``/health`` then reports its state
    under ``training``).

A labelling config in ``schema`` or ``label_config`` must have the controls the predictions
fill (``Labels`` "label" and ``Choices`` "themes" on the ``Text`` "text"); otherwise the
answer is HTTP 400 with ``{"error": …}``, which Label Studio shows when connecting.
Only request lines are logged (http.server's default), never bodies: ``/setup`` carries the
user's access token.
"""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from label_studio_sdk.label_interface import LabelInterface
from spacy.language import Language

from ..annotations import SPAN_FROM_NAME, THEME_FROM_NAME
from .predictions import model_version, predict
from .retraining import Retrainer, RetrainSettings
from .tasks import TEXT_NAME

CONTROLS = {SPAN_FROM_NAME: "Labels", THEME_FROM_NAME: "Choices"}


@lru_cache(maxsize=8)
def config_problem(config: str) -> str | None:
    """Why predictions would not fit the labelling config ``config``, or ``None``."""
    try:
        interface = LabelInterface(config)
        controls = {name: interface.get_control(name) for name in CONTROLS}
    except Exception as error:  # noqa: BLE001 (the SDK raises bare Exception for a missing control)
        return f"labelling config unusable: {str(error).splitlines()[0]}"
    for name, tag in CONTROLS.items():
        if controls[name].tag != tag or TEXT_NAME not in controls[name].to_name:
            return f"labelling config: {name!r} must be a {tag} control on {TEXT_NAME!r}"
    return None


class Predictor:
    """The pipeline behind the server; one prediction at a time (spaCy pipelines are not thread-safe)."""

    def __init__(self, nlp: Language):
        self.nlp = nlp
        self.version = model_version(nlp)
        self._lock = threading.Lock()

    def predict(self, tasks: list[dict]) -> list[dict]:
        texts = [str((task.get("data") or {}).get(TEXT_NAME) or "") for task in tasks]
        with self._lock:
            return predict(self.nlp, texts)

    def switch(self, nlp: Language) -> None:
        """Serve ``nlp`` from the next request on (a running prediction finishes with the old one)."""
        with self._lock:
            self.nlp, self.version = nlp, model_version(nlp)


def make_handler(predictor: Predictor, retrainer: Retrainer | None = None) -> type[BaseHTTPRequestHandler]:
    """The request handler class answering the ML backend protocol with ``predictor``
    (and retraining with ``retrainer``, when given)."""

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, payload: dict) -> None:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json_body(self) -> dict | None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except (json.JSONDecodeError, UnicodeDecodeError):
                return None
            return body if isinstance(body, dict) else None

        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] in ("/", "/health"):
                health = {"status": "UP", "model_class": "spaCy", "model_version": predictor.version}
                self._send(200, {**health, "training": retrainer.status()} if retrainer else health)
            else:
                self._send(404, {"error": f"no route GET {self.path}"})

        def do_POST(self) -> None:
            route = self.path.split("?", 1)[0]
            if route not in ("/setup", "/predict", "/webhook"):
                self._send(404, {"error": f"no route POST {self.path}"})
                return
            body = self._json_body()
            if body is None:
                self._send(400, {"error": "the request body must be a JSON object"})
                return
            if route == "/webhook":
                self._send(200, retrainer.on_event(body) if retrainer else {"status": "ignored"})
                return
            config = body.get("schema" if route == "/setup" else "label_config")
            problem = config_problem(config) if config else None
            if problem:
                self._send(400, {"error": problem})
            elif route == "/setup":
                self._send(200, {"model_version": predictor.version})
            elif not isinstance(body.get("tasks"), list) or not all(isinstance(t, dict) for t in body["tasks"]):
                self._send(400, {"error": "/predict needs a list of tasks"})
            else:
                results = predictor.predict(body["tasks"])
                self._send(200, {"results": results, "model_version": predictor.version})

    return Handler


def backend_server(nlp: Language, host: str = "127.0.0.1", port: int = 9090,
                   retrain: RetrainSettings | None = None) -> ThreadingHTTPServer:
    """A bound (not yet serving) ML backend server; ``serve_forever()`` runs it. With
    ``retrain``, annotation events retrain the model in the background."""
    predictor = Predictor(nlp)
    retrainer = Retrainer(retrain, predictor.switch) if retrain else None
    return ThreadingHTTPServer((host, port), make_handler(predictor, retrainer))
