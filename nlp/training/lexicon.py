"""The segmenter's domain user dictionary.

Words that pkuseg must keep whole so that ``PLACE`` and ``PROGRAMME`` spans fall on token
boundaries: the official names of every province, city and county, the towns of the
configured provinces, if any, and the entity texts of the **train** split of
the annotations (never dev or test). The file is written to the cache and its path
returned, for ``[initialize.tokenizer] pkuseg_user_dict``; it is then serialised inside
the trained pipeline, so a loaded model needs neither the cache nor the exports.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from spacy.util import registry

from ..annotations import ExportReport
from ..gazetteer import load_divisions
from ..segmentation import cache_dir, write_user_dict
from .reader import read_split


def gazetteer_words(provinces: list[str]) -> list[str]:
    """Official names of provinces, cities and counties (three characters or more), and of
    the towns of ``provinces`` (none when empty).

    Short names are left out: forced on the segmenter, two-character names such as 和政 or
    商城 would cut common words apart (监督和政协). ``place_rules`` finds names in the
    characters whatever the segmenter does; short names the annotators marked come in
    with the train split's entity texts.
    """
    wanted = set(provinces)
    return [
        d.name
        for d in load_divisions()
        if len(d.name) >= 3
        and (d.level in ("province", "city", "county") or (d.level == "town" and d.parents[-1] in wanted))
    ]


def train_entity_words(export: Path, splits: Path | None, fraction: float = 1.0,
                       fraction_seed: int = 0) -> list[str]:
    annotations = read_split(export, "train", splits, ExportReport(), fraction, fraction_seed)
    return [a.text[s.start:s.end] for a in annotations for s in a.spans]


@registry.misc("policy_nlp.user_dict.v1")
def build_user_dict(export: str | None = None, splits: str | None = None,
                    provinces: list[str] = (), fraction: float = 1.0, fraction_seed: int = 0) -> str:
    """Write the user dictionary and return its path (``fraction``, ``fraction_seed``: the
    share of the train documents the corpus reader uses)."""
    words = gazetteer_words(list(provinces))
    if export:
        words += train_entity_words(Path(export), Path(splits) if splits else None, fraction, fraction_seed)
    words = sorted({w for w in words if len(w) >= 2})
    digest = hashlib.sha1("\n".join(words).encode("utf-8")).hexdigest()[:12]
    return str(write_user_dict(words, cache_dir() / f"user-dict-{digest}.txt"))
