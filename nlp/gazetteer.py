"""China's administrative divisions, read from the data file that ``jionlp`` ships.

The file ``jionlp/dictionary/china_location.zip`` is a tab-indented tree:
province → city → county (each with a 6-digit code and a short name) → town → village.
It is read directly, without importing ``jionlp`` (the library itself is slow to import).
"""

from __future__ import annotations

import importlib.util
import io
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

LEVELS = ("province", "city", "county", "town", "village")


class GazetteerUnavailable(RuntimeError):
    """The administrative-division data file cannot be found."""


@dataclass(frozen=True)
class Division:
    """One administrative division.

    ``code`` is the 6-digit administrative code for provinces, cities and counties, and
    empty for towns and villages (the data has no codes below county level).
    ``parents`` lists the official names of the enclosing divisions, nearest first,
    up to the province.
    """

    name: str
    level: str
    code: str = ""
    short: str = ""
    parents: tuple[str, ...] = field(default_factory=tuple)
    parent_codes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def county_code(self) -> str:
        """The code of the county this division lies in (itself for a county)."""
        if self.level == "county":
            return self.code
        if self.level in ("town", "village"):
            return next((c for c in self.parent_codes if c), "")
        return ""

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "level": self.level,
            "code": self.code,
            "parents": list(self.parents),
        }


def location_file() -> Path:
    """Path of ``china_location.zip`` inside the installed ``jionlp`` package."""
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise GazetteerUnavailable(
            "The gazetteer needs the 'jionlp' package (it ships China's administrative "
            "divisions). Install the project with `pip install -e .`."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "dictionary" / "china_location.zip"
    if not path.exists():
        raise GazetteerUnavailable(f"jionlp is installed but {path} is missing.")
    return path


def parse_divisions(text: str, down_to: str = "village") -> list[Division]:
    """Parse the tab-indented tree into a flat list of divisions, down to the level ``down_to``."""
    deepest = LEVELS.index(down_to)
    divisions: list[Division] = []
    stack: list[Division] = []
    for raw in io.StringIO(text):
        line = raw.rstrip("\n")
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip("\t"))
        if depth > deepest:
            continue
        fields = line.strip().split("\t")
        name = fields[0].strip()
        code = fields[1].strip() if len(fields) > 1 else ""
        short = fields[2].strip() if len(fields) > 2 else ""
        del stack[depth:]
        if len(stack) < depth:  # malformed indentation: skip the orphan line
            continue
        parents = tuple(d.name for d in reversed(stack))
        parent_codes = tuple(d.code for d in reversed(stack))
        division = Division(name, LEVELS[depth], code, short, parents, parent_codes)
        # Municipalities repeat the province as their own city (上海市 → 上海市).
        if not (depth == 1 and stack and stack[0].name == name):
            divisions.append(division)
        stack.append(division)
    return divisions


@lru_cache(maxsize=2)
def load_divisions(down_to: str = "village") -> tuple[Division, ...]:
    """The divisions of the installed data file down to the level ``down_to`` (cached)."""
    with zipfile.ZipFile(location_file()) as archive:
        text = archive.read("china_location.txt").decode("utf-8")
    return tuple(parse_divisions(text, down_to))


def find_division(name: str, levels: tuple[str, ...] = ("province", "city", "county")) -> Division | None:
    """The division of one of ``levels`` called ``name`` (official or short name), if unique."""
    matches = [d for d in load_divisions() if d.level in levels and name in (d.name, d.short)]
    return matches[0] if len(matches) == 1 else None


def find_county(name: str) -> Division | None:
    """The county-level (or city-level) division called ``name``, if it is unique.

    ``name`` may be the official name (清徐县) or the short form (清徐).
    """
    return find_division(name, ("city", "county"))
