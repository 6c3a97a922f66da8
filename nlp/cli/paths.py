"""Default locations of the project's files, relative to the working directory."""

from pathlib import Path

RAW_DIR = Path("annotations/corpus/raw")
SOURCES = Path("annotations/corpus/sources.json")
DOCUMENTS = Path("annotations/corpus/documents.jsonl")
SPLITS = Path("annotations/splits.json")
SAMPLE = Path("annotations/sample.json")
EXPORTS = Path("annotations/exports")
JUDGEMENTS = Path("annotations/judgements")
GUIDELINES = Path("annotations/GUIDELINES.md")
AGREEMENT = Path("annotations/AGREEMENT.md")
MODEL = Path("training/model-best")
