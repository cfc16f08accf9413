"""SectionDropout: blank the section column for a random share of *training* rows.

Its one job: make the sentence's own features carry weight. The default model leans
on the section (every enclosing heading); a 不足 sentence under a neutral heading, or
with none, is then called by its topic. Blanking the section of a share p of the
training rows during fit (and never at prediction) teaches the classifier that
sentences without a section still have a label, the way dropout does for inputs.

Place it in a Pipeline after SentenceInput and before the ColumnTransformer: it takes
and returns the (n, 2) object array [text, section]. Pipeline.fit calls
fit_transform on every step but the last, so the blanking happens during fit only;
transform (prediction, cross-validation test folds) passes the input through.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state


class SectionDropout(TransformerMixin, BaseEstimator):
    """Blank column `column` (the section) of a seeded random share `p` of rows in fit_transform.

    p: share of training rows whose section is replaced by "" (0 = off, 1 = never use it).
    random_state: seed (int) for which rows are blanked; the same data and seed blank
    the same rows, so a cross-validation run is reproducible.
    """

    def __init__(self, p: float = 0.5, random_state=0, column: int = 1):
        self.p = p
        self.random_state = random_state
        self.column = column

    def fit(self, X, y=None):
        if not 0.0 <= self.p <= 1.0:
            raise ValueError(f"p must be in [0, 1], got {self.p}")
        X = np.asarray(X, dtype=object)
        self.n_features_in_ = X.shape[1]
        return self

    def fit_transform(self, X, y=None, **fit_params):
        self.fit(X, y)
        out = np.array(X, dtype=object, copy=True)
        rng = check_random_state(self.random_state)
        # One uniform draw per row: the share blanked is p in expectation, seeded.
        mask = rng.random_sample(len(out)) < self.p
        out[mask, self.column] = ""
        self.n_blanked_ = int(mask.sum())  # fitted attribute: how many rows lost their section
        return out

    def transform(self, X):
        # Prediction sees the input as given: dropout is a training-time device only.
        return np.asarray(X, dtype=object)

    def get_feature_names_out(self, input_features=None):
        if input_features is not None:
            return np.asarray(input_features, dtype=object)
        return np.array(["text", "section"], dtype=object)
