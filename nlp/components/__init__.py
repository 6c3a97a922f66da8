"""spaCy components of the policy pipeline.

Importing this package registers the factories; installed entry points make spaCy
import it by itself when a pipeline that uses them is loaded.
"""

from . import patterns  # noqa: F401  (registers the entity-ruler pattern builders)
from .places import PlaceLinker
from .programmes import ProgrammeNormaliser
from .sentences import PolicySentencizer, sentence_spans
from .themes import SentenceThemes

__all__ = ["PlaceLinker", "ProgrammeNormaliser", "PolicySentencizer", "SentenceThemes", "sentence_spans"]
