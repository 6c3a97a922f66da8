"""spaCy components of the policy pipeline.

Importing this package registers the factories; installed entry points make spaCy
import it by itself when a pipeline that uses them is loaded.
"""

from .county import DocumentCounty
from .place_rules import PlaceRules
from .places import PlaceLinker
from .programme_rules import ProgrammeRules
from .programmes import ProgrammeNormaliser
from .sentences import PolicySentencizer, sentence_spans
from .themes import SentenceThemes

__all__ = ["DocumentCounty", "PlaceLinker", "PlaceRules", "PolicySentencizer", "ProgrammeNormaliser", "ProgrammeRules", "SentenceThemes", "sentence_spans"]
