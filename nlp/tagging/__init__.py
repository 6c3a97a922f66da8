"""Tagging reports and datasets with a trained pipeline into tables (``policy-nlp tag``)."""
