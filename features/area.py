"""WithArea: a sentence classifier whose shortcomings also get an area.

The guideline's rule that 不足 wins over the topic loses what a problem is about. The
area of a 不足 sentence is the topic it would take if it stated no problem, so a second
model learns the topics from every sentence that has one (the topic sentences, labeled
by their topic, and the 不足 sentences, labeled by their area) and names the area of
each sentence the first model calls 不足. Both are fitted together and pickled as one
model: the probabilities of the labels are the first model's, unchanged.

It lives in features/ because everything a fitted model contains must be importable
wherever the model is loaded (MLflow copies this package into the logged model).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone


class WithArea(ClassifierMixin, BaseEstimator):
    """labeler's labels and probabilities; area_model's topic for the shortcomings.

    fit(X, y, groups=None, areas=None, sample_weight=None): `areas` holds the area of each `shortcoming` row
    ("" where unknown; such rows do not train the area model). The area model trains on
    the rows labeled with one of `area_labels`, by their label, and on the shortcomings
    that have an area, by their area, those weighted `shortcoming_weight` (they are the
    sentences it will be asked about); `sample_weight` weighs the rows of both models.
    Fitted attributes: classes_, labeler_, area_model_ (None if no row had an area),
    area_classes_.
    """

    def __init__(self, labeler=None, area_model=None, shortcoming: str = "不足",
                 area_labels: tuple[str, ...] = ("普法宣传", "行政执法", "矛盾化解", "营商环境", "其他"),
                 shortcoming_weight: float = 3.0):
        self.labeler = labeler
        self.area_model = area_model
        self.shortcoming = shortcoming
        self.area_labels = area_labels
        self.shortcoming_weight = shortcoming_weight

    def fit(self, X, y, groups=None, areas=None, sample_weight=None):
        from .calibration import ReportCalibrated

        y = np.asarray(y, dtype=object)
        self.labeler_ = clone(self.labeler)
        if isinstance(self.labeler_, ReportCalibrated):
            self.labeler_.fit(X, y, groups=groups, sample_weight=sample_weight)
        elif sample_weight is not None:
            self.labeler_.fit(X, y, sample_weight=sample_weight)
        else:
            self.labeler_.fit(X, y)
        self.classes_ = self.labeler_.classes_
        self.area_model_ = None
        self.area_classes_ = np.array([], dtype=object)
        if areas is None:
            return self
        areas = np.asarray(areas, dtype=object)
        topic = np.isin(y, self.area_labels)
        known = (y == self.shortcoming) & np.isin(areas, self.area_labels)
        if not known.any():
            return self
        rows = np.flatnonzero(topic | known)
        target = np.where(known, areas, y)[rows]
        weight = np.where(known, self.shortcoming_weight, 1.0)[rows]
        if sample_weight is not None:
            weight = weight * np.asarray(sample_weight, dtype=float)[rows]
        if len(set(target)) < 2:
            return self
        self.area_model_ = clone(self.area_model)
        X = np.asarray(X, dtype=object)
        last = self.area_model_.steps[-1][0]
        self.area_model_.fit(X[rows], target, **{f"{last}__sample_weight": weight})
        self.area_classes_ = self.area_model_.classes_
        return self

    def predict_proba(self, X) -> np.ndarray:
        return self.labeler_.predict_proba(X)

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def predict_area(self, X) -> np.ndarray:
        """The area of every row, as if it were a shortcoming ("" without an area model);
        callers keep it for the rows labeled `shortcoming`."""
        if self.area_model_ is None:
            return np.full(len(X), "", dtype=object)
        return np.asarray(self.area_model_.predict(X), dtype=object)

    def areas_for(self, X, labels) -> list[str]:
        """The area of each row whose label is the shortcoming, "" for the others."""
        labels = np.asarray(labels, dtype=object)
        out = np.full(len(labels), "", dtype=object)
        short = np.flatnonzero(labels == self.shortcoming)
        if len(short) and self.area_model_ is not None:
            out[short] = self.predict_area(_take(X, short))
        return [str(a) for a in out]


def _take(X, rows: np.ndarray):
    """Rows of any input SentenceInput accepts (a DataFrame, a list of strings or pairs, an array)."""
    if hasattr(X, "iloc"):
        return X.iloc[rows]
    if isinstance(X, list):
        return [X[i] for i in rows]
    return np.asarray(X, dtype=object)[rows]
