"""The gold corpus as a Hugging Face ``datasets.DatasetDict``, with a dataset card.

One split per split of ``annotations/splits.json`` (train, dev, test, ood-test), one row per
gold sentence: its text, themes, entity spans (character offsets into the text) and its
document's metadata. The gold is read as training reads it
(:func:`nlp.training.reader.read_splits`), so the rows are exactly what the model learns
from and is tested on. What the export holds that is not gold, and sentences of documents
that no split names, are counted with examples in :class:`GoldExport` and in the card.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from datasets import Dataset, DatasetDict, Features, Value

from .annotations import ENTITY_LABELS, THEMES, ExportReport, SentenceAnnotation
from .training.reader import read_splits
from .training.splits import NOTES_KEY, SPLITS

METADATA = ("doc_id", "sentence", "title", "place", "place_code", "province", "level", "year", "genre")
FEATURES = Features(
    {
        "id": Value("string"),
        "text": Value("string"),
        "themes": [Value("string")],
        "spans": [
            {
                "start": Value("int32"),
                "end": Value("int32"),
                "label": Value("string"),
                "text": Value("string"),
            }
        ],
        "doc_id": Value("string"),
        "sentence": Value("int32"),
        "title": Value("string"),
        "place": Value("string"),
        "place_code": Value("string"),
        "province": Value("string"),
        "level": Value("string"),
        "year": Value("int32"),
        "genre": Value("string"),
        "task_id": Value("int64"),
    }
)
FIELDS = (
    ("id", "`doc_id:sentence`, unique"),
    ("text", "the sentence, as annotators saw it"),
    ("themes", f"themes of the sentence, none or several of {', '.join(THEMES)}"),
    (
        "spans",
        (
            "entities: `start`, `end` (character offsets into `text`), "
            f"`label` ({', '.join(ENTITY_LABELS)}), `text` (= `text[start:end]`); sorted, never overlapping"
        ),
    ),
    ("doc_id", "the document (a split holds whole documents)"),
    ("sentence", "index of the sentence in its document"),
    ("title", "title of the document"),
    ("place", "the place whose government speaks: province, city or county"),
    ("place_code", "its 6-digit administrative code"),
    ("province", "its province"),
    ("level", "province, city or county"),
    ("year", "year of the document"),
    ("genre", "`report` (government work report) or `news`"),
    ("task_id", "the Label Studio task the annotation comes from"),
)


class GoldExportError(ValueError):
    """The gold cannot be exported to the directory asked for."""


@dataclass
class GoldExport:
    """What was exported, and everything that was not, with reasons."""

    sizes: dict[str, dict[str, int]] = field(default_factory=dict)
    export_report: ExportReport = field(default_factory=ExportReport)
    no_split: Counter = field(default_factory=Counter)  # doc_id → sentences of documents no split names

    def lines(self) -> list[str]:
        out = [f"{self.export_report.tasks} tasks read from the export"]
        out += [f"  skipped {line.strip()}" for line in self.export_report.lines()[1:]]
        if self.no_split:
            examples = ", ".join(f"{doc_id} ({n})" for doc_id, n in self.no_split.most_common(3))
            out.append(
                f"  skipped {sum(self.no_split.values())} sentences of {len(self.no_split)} documents "
                f"that no split names, e.g. {examples}"
            )
        if len(out) == 1:
            out[0] += ", nothing skipped"
        return out


def row(annotation: SentenceAnnotation) -> dict:
    meta = annotation.meta
    return {
        "id": f"{annotation.doc_id}:{meta.get('sentence')}",
        "text": annotation.text,
        "themes": list(annotation.themes),
        "spans": [
            {"start": s.start, "end": s.end, "label": s.label, "text": annotation.text[s.start : s.end]}
            for s in annotation.spans
        ],
        **{key: meta.get(key) for key in METADATA},
        "task_id": annotation.task_id,
    }


def _sizes(rows: list[dict]) -> dict[str, int]:
    themes = Counter(theme for r in rows for theme in r["themes"])
    labels = Counter(span["label"] for r in rows for span in r["spans"])
    return {
        "sentences": len(rows),
        "documents": len({r["doc_id"] for r in rows}),
        **{theme: themes[theme] for theme in THEMES},
        **{label: labels[label] for label in ENTITY_LABELS},
    }


def build_gold_dataset(export: Path, splits: Path) -> tuple[DatasetDict, GoldExport]:
    """The gold sentences of ``export`` as one dataset per split of ``splits``."""
    result = GoldExport()
    by_split = read_splits(export, splits, result.export_report)
    for split, gold in by_split.items():
        if split not in SPLITS:
            result.no_split.update(a.doc_id for a in gold)
    datasets = {}
    for split in SPLITS:
        rows = sorted(
            (row(a) for a in by_split.get(split, [])), key=lambda r: (r["doc_id"], r["sentence"] or 0)
        )
        datasets[split] = Dataset.from_dict(
            {name: [r[name] for r in rows] for name in FEATURES}, features=FEATURES
        )
        result.sizes[split] = _sizes(rows)
    return DatasetDict(datasets), result


def _markdown_table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in r) + " |" for r in rows]
    return "\n".join(lines)


def _link(path: Path | None) -> str:
    return f"[{path.name}]({path.name})" if path else "the project's annotations/ folder"


def dataset_card(
    result: GoldExport, export: Path, splits: Path, guidelines: Path | None, agreement: Path | None
) -> str:
    """README.md of the exported dataset (Hugging Face dataset card: YAML header, then Markdown)."""
    notes = json.loads(Path(splits).read_text(encoding="utf-8")).get(NOTES_KEY, {})
    reasons = "\n".join(
        f"- `{split}`: {notes[split]}" for split in SPLITS if isinstance(notes.get(split), str)
    )
    total = sum(size["sentences"] for size in result.sizes.values())
    size_category = "n<1K" if total < 1000 else "1K<n<10K" if total < 10_000 else "10K<n<100K"
    sizes = _markdown_table(
        ["split", "sentences", "documents", *THEMES, *ENTITY_LABELS],
        [
            [split, *(f"{size[key]:,}" for key in ("sentences", "documents", *THEMES, *ENTITY_LABELS))]
            for split, size in result.sizes.items()
        ],
    )
    fields = _markdown_table(["field", "meaning"], [list(f) for f in FIELDS])
    skipped = "\n".join(f"- {line.strip()}" for line in result.lines())
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    return f"""---
language:
- zh
license: other
pretty_name: policy-nlp gold corpus
task_categories:
- text-classification
- token-classification
task_ids:
- multi-label-classification
- named-entity-recognition
size_categories:
- {size_category}
---

# policy-nlp gold corpus

Sentences of Chinese local-government texts (provincial, city and county government work
reports, 政府工作报告, and county news), each with the policy **themes** it works on
({", ".join(THEMES)}; none, one or several) and its **PLACE** and **PROGRAMME** entities as
character spans. Exported on {date} from `{export}` with `policy-nlp annotations export-hf`.

```python
from datasets import load_from_disk

gold = load_from_disk("path/to/this/directory")
gold["train"][0]          # {{'id': …, 'text': …, 'themes': [...], 'spans': [{{'start': …, 'end': …, …}}], …}}
```

## Splits

Whole documents, not sentences, are assigned to splits (`{splits.name}`){":" if reasons else "."}

{reasons}

Sentences with each theme and spans per label:

{sizes}

## Fields

{fields}

## How it was annotated

One task = one sentence, shown in Label Studio with its document's title, place and year
and the sentences before and after it. Annotators followed the written annotation manual
({_link(guidelines)}): a theme when the sentence reports or commits to action or results in the
area; PLACE for names of places (administrative divisions down to villages, regions,
rivers and mountains, places abroad), PROGRAMME for named policies, campaigns, systems and
formulas. When a task has several annotations the gold is the `ground_truth` one, else the
latest that was not cancelled. An independent second pass on a sample measures agreement
(Cohen's kappa per theme, exact-span F1 per label, in {_link(agreement)}). The annotators were
AI annotator agents, language-model instances each reading every sentence under the written
manual; agreement between human annotators would likely be lower.

## What the export left out

{skipped}

## License

The annotations (themes and spans) are released under the MIT license, like the policy-nlp
code. The texts are sentences of government work reports, published by the governments
themselves, and of a few news articles; their rights stay with their publishers (Article 5
of China's Copyright Law excludes official documents of state organs from copyright, news
articles are not excluded). Cite the sources and check their terms before redistributing
the texts.
"""


def export_gold(
    out: Path, export: Path, splits: Path, guidelines: Path, agreement: Path
) -> tuple[DatasetDict, GoldExport]:
    """Write the gold as a ``DatasetDict`` to ``out``, with its card, manual and agreement figures.

    ``out`` must be new, empty, or a previous export of this function (which is replaced).
    """
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        if not (out / "dataset_dict.json").exists():
            raise GoldExportError(f"{out} exists and is not an exported dataset; choose a new directory.")
        shutil.rmtree(out)
    dataset, result = build_gold_dataset(export, splits)
    # One shard per split: the splits are small, and an empty split saved with no shard does not load back.
    dataset.save_to_disk(str(out), num_shards={split: 1 for split in dataset})
    guidelines, agreement = (path if path.exists() else None for path in (Path(guidelines), Path(agreement)))
    for path in (guidelines, agreement):
        if path:
            shutil.copy(path, out / path.name)
    (out / "README.md").write_text(
        dataset_card(result, export, splits, guidelines, agreement), encoding="utf-8"
    )
    return dataset, result
