"""Retraining behind the ML backend: annotations made in Label Studio become a new model.

Label Studio tells a connected backend about its project through ``POST /webhook``:
``ANNOTATION_CREATED``, ``ANNOTATIONS_CREATED`` and ``ANNOTATION_UPDATED`` for each save,
and ``START_TRAINING`` when someone presses "Start training" on the backend (Label Studio
1.23 sends the button's request to ``/webhook`` too). A :class:`Retrainer` counts the
annotation events and, once ``min_annotations`` new ones have arrived (or at once on
``START_TRAINING``), retrains in a background thread:

1. the committed gold export is copied and the project's annotated tasks are merged into
   it through the SDK (:func:`nlp.studio.workflow.pull`: a sentence annotated in the
   project replaces the same sentence of the gold);
2. ``python -m nlp.training.loop CONFIG`` trains on that file with the configured
   overrides, in a child process, and evaluates on the held-out splits;
3. the new model is kept as ``MODELS_DIR/VERSION/`` (``model/``, ``metrics.json``,
   ``retrain.json``) and handed to the server, which switches to it between two requests.

At most one retrain runs; events that arrive meanwhile count towards the next one, which
starts when the running one ends. The current model serves every request during
training. A retrain that fails (export, training or loading) is logged with the end of
its output and leaves the current model serving. ``VERSION`` is the model's
``model_version`` (:func:`nlp.studio.predictions.model_version`), which the predictions
carry; ``policy-nlp studio backend --model-version VERSION`` serves a kept model again.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language

from .predictions import load_model, model_version

log = logging.getLogger("policy_nlp.retraining")

ANNOTATION_ACTIONS = ("ANNOTATION_CREATED", "ANNOTATIONS_CREATED", "ANNOTATION_UPDATED")
TRAIN_ACTION = "START_TRAINING"


@dataclass
class RetrainSettings:
    """How the backend retrains (see module docstring)."""

    url: str
    api_key: str
    config: Path
    gold: Path
    models_dir: Path
    overrides: dict = field(default_factory=dict)  # config overrides: {"training.max_epochs": 3}
    min_annotations: int = 10


def kept_model(models_dir: Path, version: str) -> Path:
    """The model directory of a kept version; an error naming the kept versions when unknown."""
    path = models_dir / version / "model"
    if not path.is_dir():
        kept = sorted(p.parent.name for p in models_dir.glob("*/model")) if models_dir.is_dir() else []
        raise FileNotFoundError(f"No kept model {version!r} in {models_dir} "
                                f"(kept: {', '.join(kept) if kept else 'none'}).")
    return path


def annotation_count(body: dict) -> int:
    """How many annotations a webhook event reports (``ANNOTATIONS_CREATED`` carries a list)."""
    annotation = body.get("annotation")
    return len(annotation) if isinstance(annotation, list) else 1


def project_id(body: dict) -> int | None:
    project = body.get("project")
    value = project.get("id") if isinstance(project, dict) else project
    return value if isinstance(value, int) else None


class Retrainer:
    """Counts annotation events and retrains in the background (see module docstring).

    ``switch`` receives each newly trained pipeline; the backend's predictor swaps it in.
    """

    def __init__(self, settings: RetrainSettings, switch: Callable[[Language], None]):
        self.settings = settings
        self.switch = switch
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.pending = 0  # annotation events not yet in a started retrain
        self.finished = 0
        self.failed = 0
        self.last: dict = {}

    def status(self) -> dict:
        with self._lock:
            return {"running": self._running(), "pending_annotations": self.pending, "finished": self.finished,
                    "failed": self.failed, "min_annotations": self.settings.min_annotations, "last": self.last}

    def _running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def on_event(self, body: dict) -> dict:
        """Answer a ``/webhook`` request: count it, maybe start a retrain."""
        action = body.get("action")
        project = project_id(body)
        if action not in (*ANNOTATION_ACTIONS, TRAIN_ACTION) or project is None:
            return {"status": "ignored"}
        with self._lock:
            if action != TRAIN_ACTION:
                self.pending += annotation_count(body)
            if self._running():
                return {"status": "training", "pending_annotations": self.pending}
            if action != TRAIN_ACTION and self.pending < self.settings.min_annotations:
                return {"status": "waiting", "pending_annotations": self.pending}
            self._start(project)
            return {"status": "training started"}

    def _start(self, project: int) -> None:
        """Start a retrain on the project's annotations (the lock is held)."""
        annotations, self.pending = self.pending, 0
        self._thread = threading.Thread(target=self._run, args=(project, annotations), daemon=True,
                                        name="retrain")
        self._thread.start()

    def _run(self, project: int, annotations: int) -> None:
        started = time.time()
        log.info("retrain started: project %s, %s new annotation(s)", project, annotations)
        try:
            nlp, version, metrics = self.retrain(project, annotations)
        except Exception as error:  # noqa: BLE001 (any failure must leave the serving model alone)
            with self._lock:
                self.failed += 1
                self.last = {"status": "failed", "error": str(error).splitlines()[0] if str(error) else repr(error),
                             "seconds": round(time.time() - started, 1)}
            log.error("retrain failed, the current model keeps serving: %s", error)
        else:
            self.switch(nlp)
            with self._lock:
                self.finished += 1
                self.last = {"status": "finished", "model_version": version,
                             "seconds": round(time.time() - started, 1)}
            log.info("retrain finished in %.0f s: now serving %s (%s)", time.time() - started, version, metrics)
        with self._lock:
            if self.pending >= self.settings.min_annotations:
                self._start(project)

    def retrain(self, project: int, annotations: int) -> tuple[Language, str, str]:
        """Train on the gold plus the project's annotations; keep the model; return it, its version
        and a one-line summary of its held-out scores."""
        from .client import connect
        from .workflow import pull

        settings = self.settings
        settings.models_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".retrain-", dir=settings.models_dir) as work:
            export = Path(work) / "train.json"
            shutil.copyfile(settings.gold, export)
            merged = pull(connect(settings.url, settings.api_key), project, export)
            output = Path(work) / "training"
            command = [sys.executable, "-m", "nlp.training.loop", str(settings.config), "--output", str(output),
                       "--paths.train", str(export), "--paths.dev", str(export)]
            command += [arg for key, value in settings.overrides.items() for arg in (f"--{key}", json.dumps(value))]
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                tail = " | ".join((result.stderr or result.stdout).strip().splitlines()[-3:])
                raise RuntimeError(f"training exited with status {result.returncode}: {tail}")
            nlp = load_model(output / "model-best")
            nlp.meta["retrain"] = {"project": project, "new_annotations": annotations,
                                   "project_tasks": merged.added + merged.updated + merged.unchanged,
                                   "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
            version = model_version(nlp)
            kept = settings.models_dir / version
            kept.mkdir(parents=True, exist_ok=True)
            nlp.to_disk(kept / "model")
            metrics = json.loads((output / "metrics.json").read_text(encoding="utf-8"))
            shutil.copyfile(output / "metrics.json", kept / "metrics.json")
            (kept / "retrain.json").write_text(json.dumps(nlp.meta["retrain"], indent=2) + "\n", encoding="utf-8")
        held_out = {split: metrics[split]["themes_macro_f"] for split in ("test", "ood-test") if split in metrics}
        summary = ", ".join(f"{split} themes macro-F1 {f:.3f}" for split, f in held_out.items())
        return nlp, version, summary
