"""Features of a sentence: jieba tokens and TF-IDF blocks (features.tokenize, features.text).

Only names live here, so the CLI can list the choices without importing scikit-learn.
"""

FEATURE_SETS: tuple[str, ...] = ("words", "chars", "both")
