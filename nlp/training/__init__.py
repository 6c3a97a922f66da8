"""Training from Label Studio exports: the corpus reader, the user dictionary, the loop."""
