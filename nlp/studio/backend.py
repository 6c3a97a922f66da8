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

Malformed requests get a 4xx answer with ``{"error": …}``, never a 500 and never a hang:
a body that is not a JSON object (400), a body sent as another content type than JSON (415),
without a ``Content-Length`` (411), larger than the server's limit (413, ``--max-body``) or
not arriving within :data:`READ_TIMEOUT` seconds (408). Inside a ``/predict`` batch a task
that cannot be predicted (not an object, no string ``data.text``, a text over the pipeline's
``max_length``) gets an empty prediction in its place and is listed under ``"skipped"`` with
its reason; the other tasks of the batch are predicted as usual.
Only request lines are logged (http.server's default), never bodies: ``/setup`` carries the
user's access token.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from label_studio_sdk.label_interface import LabelInterface
from spacy.language import Language

from ..annotations import SPAN_FROM_NAME, THEME_FROM_NAME
from .predictions import model_version, predict
from .retraining import Retrainer, RetrainSettings
from .tasks import TEXT_NAME

CONTROLS = {SPAN_FROM_NAME: "Labels", THEME_FROM_NAME: "Choices"}
DEFAULT_MAX_BODY = 4 * 1024 * 1024  # bytes: a few thousand sentence tasks as Label Studio sends them
READ_TIMEOUT = 30.0  # seconds a client may take to send its request
DRAIN_LIMIT = 64 * 1024 * 1024  # a refused body up to this size is read away so the client sees the answer


class RequestError(Exception):
    """A request the backend refuses: an HTTP status (4xx) and a one-line reason."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def is_number(text: str) -> bool:
    """ASCII digits only (``str.isdigit`` also accepts ``²`` and ``١``, which ``int`` refuses or reads)."""
    return text.isascii() and text.isdigit()


def body_length(headers, max_body: int) -> int:
    """The announced body size; refused when it is missing with a chunked body, invalid or too large."""
    if headers.get("Transfer-Encoding"):
        raise RequestError(411, "send the body with a Content-Length (chunked bodies are not read)")
    raw = (headers.get("Content-Length") or "0").strip()
    if not is_number(raw):
        raise RequestError(400, f"Content-Length {raw[:20]!r} is not a number of bytes")
    length = int(raw)
    if length > max_body:
        raise RequestError(413, f"request body of {length} bytes is over the limit of {max_body} bytes")
    return length


def parse_body(body: bytes, content_type: str | None) -> dict:
    """The JSON object of a request body; :class:`RequestError` for anything else."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media and media != "application/json" and not media.endswith("+json"):
        raise RequestError(415, f"send the body as application/json, not {media[:40]!r}")
    try:
        value = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError) as error:  # JSONDecodeError is a ValueError
        raise RequestError(400, f"the request body is not JSON ({str(error).splitlines()[0][:80]})") from None
    except RecursionError:
        raise RequestError(400, "the request body is not JSON (nested too deeply)") from None
    if not isinstance(value, dict):
        raise RequestError(400, "the request body must be a JSON object")
    return value


def label_config_problem(body: dict, key: str) -> str | None:
    """Why the labelling config under ``key`` does not fit the predictions (``None`` when absent or fine)."""
    config = body.get(key)
    if config is None or config == "":
        return None
    if not isinstance(config, str):
        return f"{key} must be a labelling config (XML text)"
    return config_problem(config)


@dataclass
class PredictRequest:
    """The texts of a ``/predict`` batch: ``None`` for a task that is skipped, with its reason."""

    texts: list[str | None]
    skipped: list[dict]


def predict_request(body: dict, max_length: int) -> PredictRequest:
    """Read the tasks of a ``/predict`` body; every task is either a text or skipped with a reason."""
    tasks = body.get("tasks")
    if not isinstance(tasks, list):
        raise RequestError(400, '/predict needs "tasks": a list of tasks')
    texts: list[str | None] = []
    skipped: list[dict] = []
    for index, task in enumerate(tasks):
        data = task.get("data") if isinstance(task, dict) else None
        text = data.get(TEXT_NAME) if isinstance(data, dict) else None
        if not isinstance(task, dict):
            reason = "task is not a JSON object"
        elif not isinstance(data, dict):
            reason = "data is missing" if data is None else "data is not a JSON object"
        elif not isinstance(text, str):
            reason = f"data.{TEXT_NAME} is missing" if text is None else f"data.{TEXT_NAME} is not a string"
        elif len(text) > max_length:
            reason = f"data.{TEXT_NAME} is longer than {max_length} characters"
        else:
            texts.append(text)
            continue
        texts.append(None)
        task_id = task.get("id") if isinstance(task, dict) else None
        skipped.append({"index": index, "id": task_id if isinstance(task_id, (int, str)) else None,
                        "reason": reason})
    return PredictRequest(texts, skipped)


@lru_cache(maxsize=8)
def config_problem(config: str) -> str | None:
    """Why predictions would not fit the labelling config ``config``, or ``None``."""
    try:
        interface = LabelInterface(config)
        controls = {name: interface.get_control(name) for name in CONTROLS}
    except Exception as error:  # noqa: BLE001 (the SDK raises bare Exception for a missing control)
        return f"labelling config unusable: {(str(error).splitlines() or [type(error).__name__])[0][:200]}"
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

    def predict(self, texts: list[str | None]) -> list[dict]:
        """One prediction per text; an empty one for ``None`` (a skipped task)."""
        wanted = [text for text in texts if text is not None]
        with self._lock:
            predicted = iter(predict(self.nlp, wanted))
        empty = {"model_version": self.version, "score": 0.0, "result": []}
        return [dict(empty) if text is None else next(predicted) for text in texts]

    def switch(self, nlp: Language) -> None:
        """Serve ``nlp`` from the next request on (a running prediction finishes with the old one)."""
        with self._lock:
            self.nlp, self.version = nlp, model_version(nlp)


def make_handler(predictor: Predictor, retrainer: Retrainer | None = None, max_body: int = DEFAULT_MAX_BODY,
                 read_timeout: float = READ_TIMEOUT) -> type[BaseHTTPRequestHandler]:
    """The request handler class answering the ML backend protocol with ``predictor``
    (and retraining with ``retrainer``, when given)."""

    class Handler(BaseHTTPRequestHandler):
        timeout = read_timeout

        def _send(self, status: int, payload: dict) -> None:
            body = json.dumps(payload).encode("ascii")  # escaped: any text, even lone surrogates, goes out
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _refuse(self, error: RequestError, unread: int) -> None:
            """Answer ``error`` and close; an unread body is read away first, so that the client sees the answer."""
            self.close_connection = True
            remaining = unread if unread <= DRAIN_LIMIT else 0
            try:
                while remaining > 0:
                    chunk = self.rfile.read(min(remaining, 1 << 16))
                    if not chunk:
                        break
                    remaining -= len(chunk)
            except TimeoutError:
                pass
            self._send(error.status, {"error": error.message})

        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] in ("/", "/health"):
                health = {"status": "UP", "model_class": "spaCy", "model_version": predictor.version}
                self._send(200, {**health, "training": retrainer.status()} if retrainer else health)
            else:
                self._send(404, {"error": f"no route GET {self.path[:100]}"})

        def do_POST(self) -> None:
            route = self.path.split("?", 1)[0]
            announced = (self.headers.get("Content-Length") or "").strip()
            unread = int(announced) if is_number(announced) else 0
            try:
                if route not in ("/setup", "/predict", "/webhook"):
                    raise RequestError(404, f"no route POST {self.path[:100]}")
                length = body_length(self.headers, max_body)
                try:
                    body = self.rfile.read(length)
                except TimeoutError:
                    unread = 0
                    raise RequestError(408, f"the request body did not arrive within {read_timeout:g} s") from None
                unread = 0
                if len(body) < length:
                    raise RequestError(400, f"the body ended after {len(body)} of {length} bytes")
                answer = self._answer(route, parse_body(body, self.headers.get("Content-Type")))
            except RequestError as error:
                self._refuse(error, unread)
                return
            except Exception as error:  # noqa: BLE001 (a bug must still get an answer, not a dropped connection)
                self.log_error("%s failed: %r", route, error)
                self._send(500, {"error": f"{route} failed ({type(error).__name__})"})
                return
            self._send(200, answer)

        def _answer(self, route: str, body: dict) -> dict:
            if route == "/webhook":
                return retrainer.on_event(body) if retrainer else {"status": "ignored"}
            problem = label_config_problem(body, "schema" if route == "/setup" else "label_config")
            if problem:
                raise RequestError(400, problem)
            if route == "/setup":
                return {"model_version": predictor.version}
            request = predict_request(body, predictor.nlp.max_length)
            return {"results": predictor.predict(request.texts), "model_version": predictor.version,
                    "skipped": request.skipped}

    return Handler


def backend_server(nlp: Language, host: str = "127.0.0.1", port: int = 9090,
                   retrain: RetrainSettings | None = None, max_body: int = DEFAULT_MAX_BODY,
                   read_timeout: float = READ_TIMEOUT) -> ThreadingHTTPServer:
    """A bound (not yet serving) ML backend server; ``serve_forever()`` runs it. With
    ``retrain``, annotation events retrain the model in the background."""
    predictor = Predictor(nlp)
    retrainer = Retrainer(retrain, predictor.switch) if retrain else None
    server = ThreadingHTTPServer((host, port), make_handler(predictor, retrainer, max_body, read_timeout))
    server.daemon_threads = True
    return server
