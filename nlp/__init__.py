"""Policy NLP: read Chinese local-government policy texts with spaCy.

The package holds the corpus tools (``nlp.corpus``), the pkuseg segmentation set-up
(``nlp.segmentation``), the gazetteer of China's administrative divisions
(``nlp.gazetteer``), every place name the pipeline knows (``nlp.place_names``), the spaCy
components (``nlp.components``), the Label Studio integration (``nlp.studio``) and the
training loop (``nlp.training``).
"""

__version__ = "0.1.0"
