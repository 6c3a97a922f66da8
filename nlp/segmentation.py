"""Offline pkuseg segmentation: the model, the user dictionary, the tokenizer set-up.

``spacy-pkuseg`` ships no model and would download one. The ``pkuseg==0.0.12`` wheel
carries a trained CTB8 model (``pkuseg/models/ctb8``, old format); ``spacy_pkuseg``
converts it to its own format on first load, writing into the model directory. So the
model is copied into a writable cache and converted there, once.

The cache directory is ``$POLICY_NLP_CACHE`` or ``~/.cache/policy-nlp``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

from spacy.util import registry

CTB8_DIRNAME = "pkuseg-ctb8"
_CONVERTED_FILES = ("features.msgpack", "weights.npz")


class SegmenterUnavailable(RuntimeError):
    """The pkuseg model cannot be provisioned."""


def cache_dir() -> Path:
    return Path(os.environ.get("POLICY_NLP_CACHE") or Path.home() / ".cache" / "policy-nlp")


def _bundled_ctb8() -> Path:
    spec = importlib.util.find_spec("pkuseg")
    if spec is None or not spec.submodule_search_locations:
        raise SegmenterUnavailable(
            "The pkuseg model comes from the 'pkuseg==0.0.12' wheel, which is not installed. "
            "Install the project (`pip install -e .`) or `pip install pkuseg==0.0.12`."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / "ctb8"
    if not (path / "featureIndex.txt_0").exists() and not (path / "features.msgpack").exists():
        raise SegmenterUnavailable(f"The pkuseg wheel is installed but has no CTB8 model at {path}.")
    return path


def _is_converted(path: Path) -> bool:
    return all((path / name).exists() for name in _CONVERTED_FILES)


def provision_pkuseg_model(target: Path | None = None) -> Path:
    """Return a directory holding the converted CTB8 model, creating it if needed.

    Idempotent and safe when several processes call it at once: each converts in a
    private temporary directory and moves it into place atomically; a process that
    loses the race discards its copy.
    """
    target = Path(target) if target else cache_dir() / CTB8_DIRNAME
    if _is_converted(target):
        return target
    import spacy_pkuseg

    source = _bundled_ctb8()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".ctb8-", dir=target.parent))
    try:
        model_dir = staging / "model"
        shutil.copytree(source, model_dir, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
        spacy_pkuseg.pkuseg(str(model_dir), user_dict=None)  # converts in place
        for stale in model_dir.glob("featureIndex.txt_*"):
            stale.unlink()
        try:
            os.rename(model_dir, target)
        except OSError:
            if not _is_converted(target):
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def write_user_dict(words: list[str], path: Path) -> Path:
    """Write a pkuseg user dictionary (one word per line, sorted, deduplicated)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    unique = sorted({w.strip() for w in words if w.strip()})
    path.write_text("\n".join(unique) + "\n", encoding="utf-8")
    return path


@registry.misc("policy_nlp.pkuseg_model.v1")
def pkuseg_model_path() -> str:
    """The provisioned CTB8 model directory, for ``[initialize.tokenizer] pkuseg_model``."""
    return str(provision_pkuseg_model())


def blank_pipeline(user_dict: Path | None = None):
    """A blank ``zh`` pipeline segmenting with the offline CTB8 pkuseg model.

    ``user_dict`` is a word list (one per line) kept whole by the segmenter; without it
    spacy-pkuseg's default dictionary is used.
    """
    import spacy

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "pkuseg"}}})
    nlp.tokenizer.initialize(
        pkuseg_model=str(provision_pkuseg_model()),
        pkuseg_user_dict=str(user_dict) if user_dict else "default",
    )
    return nlp
