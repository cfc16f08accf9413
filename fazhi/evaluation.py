"""Honest figures for a model: grouped cross-validation of a pipeline, evaluation of a trained model.

Cross-validation is grouped by report (leave one report out with few reports):
sentences of one report share wording, headings and layout, so a report in both the
training and the test fold would flatter the model. Every sentence gets an
out-of-fold prediction and probabilities; a majority-class baseline runs on the same
folds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from fazhi.config import HEADING_COL, POSITION_COL, REPORT_COL, SECTION_COL, TEXT_COL
from fazhi.dataset import Dataset
from fazhi.errors import CorpusError, ModelError
from fazhi.metrics import Metrics, confusion, scores
from fazhi.persist import LoadedModel


@dataclass
class CVResult:
    """Out-of-fold predictions for every sentence and the figures derived from them."""

    y_true: np.ndarray
    y_pred: np.ndarray
    proba: np.ndarray  # (n, len(classes)), out of fold
    classes: list[str]
    metrics: Metrics
    baseline: Metrics
    n_folds: int
    seconds: float

    def confidence(self) -> np.ndarray:
        """Out-of-fold probability of the predicted label."""
        idx = {c: i for i, c in enumerate(self.classes)}
        return np.array([self.proba[k, idx[p]] for k, p in enumerate(self.y_pred)])


def folds(groups: np.ndarray, max_folds: int = 10):
    """Leave one report out with up to max_folds reports, else GroupKFold(max_folds)."""
    from sklearn.model_selection import GroupKFold, LeaveOneGroupOut

    n_groups = len(set(groups))
    if n_groups < 2:
        raise CorpusError("grouped cross-validation needs at least two reports (report_id values)")
    return LeaveOneGroupOut() if n_groups <= max_folds else GroupKFold(n_splits=max_folds)


def n_folds(data: Dataset) -> int:
    return folds(data.groups).get_n_splits(groups=data.groups)


def cross_validate(
    pipeline, data: Dataset, n_jobs: int = 1, on_fold: Callable[[], None] | None = None
) -> CVResult:
    """Grouped CV of `pipeline` (unfitted) and of a majority-class baseline.

    on_fold is called after each fold (a progress bar); n_jobs > 1 fits folds in
    parallel processes.
    """
    from sklearn.base import clone
    from sklearn.dummy import DummyClassifier

    if data.groups is None:
        raise CorpusError(f"{data.path}: cross-validation needs a {REPORT_COL} column")
    splits = list(folds(data.groups).split(data.X, data.y, data.groups))
    classes = sorted(set(map(str, data.y)))  # what a fitted classifier's classes_ holds
    start = time.perf_counter()
    if n_jobs == 1:
        results = []
        for train, test in splits:
            results.append(_fit_fold(clone(pipeline), data.X, data.y, train, test))
            if on_fold:
                on_fold()
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=n_jobs)(
            delayed(_fit_fold)(clone(pipeline), data.X, data.y, tr, te) for tr, te in splits
        )
        for _ in splits if on_fold else ():
            on_fold()
    seconds = time.perf_counter() - start
    y_pred = np.empty(len(data), dtype=object)
    proba = np.zeros((len(data), len(classes)))
    base_pred = np.empty(len(data), dtype=object)
    for (train, test), (pred, prob, fold_classes) in zip(splits, results):
        y_pred[test] = pred
        # A fold whose training part lacks a label gives it probability 0.
        proba[np.ix_(test, [classes.index(c) for c in fold_classes])] = prob
        base = DummyClassifier(strategy="most_frequent").fit(data.X[train], data.y[train])
        base_pred[test] = base.predict(data.X[test])
    return CVResult(data.y, y_pred, proba, classes, scores(data.y, y_pred), scores(data.y, base_pred),
                    len(splits), seconds)


def _fit_fold(pipeline, X, y, train, test):
    pipeline.fit(X[train], y[train])
    return pipeline.predict(X[test]), pipeline.predict_proba(X[test]), [str(c) for c in pipeline.classes_]


def errors(result: CVResult, data: Dataset) -> list[dict[str, Any]]:
    """Out-of-fold errors: report, position, heading, section, text, true, predicted, probabilities."""
    conf = result.confidence()
    idx = {c: i for i, c in enumerate(result.classes)}
    rows = []
    for k in np.flatnonzero(result.y_true != result.y_pred):
        true = result.y_true[k]
        rows.append(
            {
                REPORT_COL: data.groups[k] if data.groups is not None else "",
                POSITION_COL: data.positions[k],
                HEADING_COL: data.headings[k],
                SECTION_COL: data.X[k, 1],
                TEXT_COL: data.X[k, 0],
                "true": true,
                "predicted": result.y_pred[k],
                "probability": round(float(conf[k]), 4),
                "p_true": round(float(result.proba[k, idx[true]]), 4) if true in idx else 0.0,
            }
        )
    return rows


ERROR_COLUMNS = [REPORT_COL, POSITION_COL, HEADING_COL, SECTION_COL, TEXT_COL, "true", "predicted", "probability", "p_true"]


@dataclass
class Evaluation:
    """A trained model's figures on a labeled file."""

    model: str  # where the model came from
    data: Dataset
    metrics: Metrics
    labels: list[str]  # confusion rows (true) and columns (predicted)
    matrix: np.ndarray


def evaluate(model: LoadedModel, data: Dataset) -> Evaluation:
    """Score `model` on `data`; ModelError if the data has labels the model lacks or it cannot predict."""
    unknown = sorted(set(map(str, data.y)) - set(model.labels))
    if unknown:
        raise ModelError(
            f"{data.path}: label(s) {', '.join(unknown)} not known to the model (it knows {' '.join(model.labels)})"
        )
    try:
        predicted = [str(p) for p in model.pipeline.predict(data.X)]
    except Exception as exc:  # a foreign pipeline that does not take (text, section)
        raise ModelError(f"{model.source}: cannot predict ({type(exc).__name__}: {exc})".splitlines()[0]) from None
    return Evaluation(model.source, data, scores(data.y, predicted), *confusion(data.y, predicted))
