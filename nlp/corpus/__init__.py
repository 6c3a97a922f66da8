"""The corpus: raw documents → cleaned documents → sentences."""

from .cleaning import CorpusError, clean_lines, read_raw
from .splitting import split_sentences

__all__ = ["CorpusError", "clean_lines", "read_raw", "split_sentences"]
