"""Policy NLP: read Chinese local-government policy texts with spaCy.

The package holds the corpus tools (``nlp.corpus``), the pkuseg segmentation set-up
(``nlp.segmentation``), the gazetteer of China's administrative divisions
(``nlp.gazetteer``), every place name the pipeline knows (``nlp.place_names``), the
annotation data model read from Label Studio exports (``nlp.annotations``), the spaCy
components (``nlp.components``), the training loop (``nlp.training``), the Label Studio
integration (``nlp.studio``), the gold corpus as a Hugging Face dataset (``nlp.gold_dataset``),
the HTML report on tagged documents (``nlp.reporting``) and the ``policy-nlp`` command
(``nlp.cli``, one module per command group).
"""

__version__ = "0.1.0"
