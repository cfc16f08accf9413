"""Probabilities that mean what they say: a classifier calibrated on out-of-report predictions.

ReportCalibrated wraps an unfitted pipeline: it fits one copy per inner fold, leaving one
report out each time, fits an isotonic (or sigmoid) map from the held-out scores to
observed frequencies, then fits the pipeline on all rows (scikit-learn's
CalibratedClassifierCV with ensemble=False). Folds by report matter: calibrating on
sentences of reports the model has seen would make it confident where it should not be.

It lives in features/ because everything a fitted model contains must be importable
wherever the model is loaded (MLflow copies this package into the logged model).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone


class ReportCalibrated(ClassifierMixin, BaseEstimator):
    """estimator's predict_proba, calibrated on folds that leave whole reports out.

    fit(X, y, groups): groups are report ids. Without groups (or with one report) the
    inner folds are 3 stratified folds of sentences, and the calibration is weaker.
    Fitted attributes: classes_, estimator_ (the estimator fitted on all rows, for
    explanations and feature names), calibrated_ (the CalibratedClassifierCV).
    """

    def __init__(self, estimator=None, method: str = "isotonic", max_folds: int = 10):
        self.estimator = estimator
        self.method = method
        self.max_folds = max_folds

    def fit(self, X, y, groups=None, sample_weight=None):
        from collections import Counter

        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.model_selection import GroupKFold, LeaveOneGroupOut, StratifiedKFold

        n_groups = len(set(groups)) if groups is not None else 0
        if n_groups >= 2:
            splitter = LeaveOneGroupOut() if n_groups <= self.max_folds else GroupKFold(self.max_folds)
            cv = list(splitter.split(X, y, groups))
        else:
            fewest = min(Counter(y).values())
            if fewest < 2:
                raise ValueError("calibration needs report ids or at least two examples of every label")
            cv = StratifiedKFold(min(3, fewest))
        self.calibrated_ = CalibratedClassifierCV(clone(self.estimator), method=self.method, cv=cv, ensemble=False)
        self.calibrated_.fit(X, y, sample_weight=sample_weight)
        self.classes_ = self.calibrated_.classes_
        self.estimator_ = self.calibrated_.calibrated_classifiers_[0].estimator
        return self

    def predict_proba(self, X) -> np.ndarray:
        return self.calibrated_.predict_proba(X)

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
