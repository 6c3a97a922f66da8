"""The trained pipeline's name, version and provenance, written into its ``meta.json``.

In a config::

    [training.before_to_disk]
    @callbacks = "policy_nlp.model_meta.v1"

spaCy calls the callback before it saves ``model-best`` and ``model-last``, so both carry
the name (``spacy package`` prefixes the language: ``zh_policy_nlp``), the version of this
package that trained them, a description, the license and the data sources; ``spacy.load``
gives them back in ``nlp.meta``.
"""

from __future__ import annotations

from collections.abc import Callable

from spacy.language import Language
from spacy.util import registry

from .. import __version__

MODEL_NAME = "policy_nlp"
DESCRIPTION = (
    "Chinese local-government policy texts: sentence themes (转型, 生态, 民生), PLACE and PROGRAMME "
    "entities, places linked to their administrative code, programmes to a canonical name."
)
LICENSE = "MIT"
SOURCES = [
    {
        "name": "policy-nlp gold corpus (annotations/exports/gold.json)",
        "license": "MIT (annotations); the texts are published government work reports and news articles",
    },
    {
        "name": "pkuseg CTB8 segmentation model (pkuseg 0.0.12)",
        "url": "https://github.com/lancopku/pkuseg-python",
        "license": "MIT",
    },
    {
        "name": "China's administrative divisions and world place names of JioNLP",
        "url": "https://github.com/dongrixinyu/JioNLP",
        "license": "Apache-2.0",
    },
    {
        "name": "jieba dictionary (ns words: rivers, lakes, mountains)",
        "url": "https://github.com/fxsjy/jieba",
        "license": "MIT",
    },
]


@registry.callbacks("policy_nlp.model_meta.v1")
def create_model_meta(name: str = MODEL_NAME, version: str = __version__) -> Callable[[Language], Language]:
    """A ``before_to_disk`` callback that writes the pipeline's name, version and provenance into its meta."""

    def set_meta(nlp: Language) -> Language:
        nlp.meta.update(
            name=name,
            version=version,
            description=DESCRIPTION,
            license=LICENSE,
            sources=SOURCES,
            author="policy-nlp",
        )
        return nlp

    return set_meta
