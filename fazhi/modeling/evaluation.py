"""Honest figures for a model: grouped cross-validation of a pipeline, evaluation of a trained model.

Cross-validation is grouped by report (leave one report out with few reports):
sentences of one report share wording, headings and layout, so a report in both the
training and the test fold would flatter the model. Every sentence gets an
out-of-fold prediction and probabilities; a majority-class baseline runs on the same
folds. Each fold's model is also scored on its test report as other reports would
present it (fazhi.modeling.shift: sentence only, style shift), the figures grouped CV cannot see.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from fazhi.store import overlap
from fazhi.config import CONFIDENCE_COL, EXPLANATION_COL, HEADING_COL, POSITION_COL, REPORT_COL, SECTION_COL, TEXT_COL
from fazhi.corpus.dataset import Dataset
from fazhi.errors import CorpusError, ModelError
from fazhi.modeling.metrics import (
    Metrics, area_scores, confusion, coverage, expected_calibration_error, reliability, scores,
)
from fazhi.modeling.model import fit
from fazhi.store.persist import LoadedModel

CONFIDENCE_THRESHOLDS = (0.6, 0.8)  # what `fazhi predict --min-confidence` users pick


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
    variants: dict[str, Metrics]  # the test report shown otherwise (fazhi.modeling.shift), pooled over seeds
    rows: np.ndarray | None = None  # the data's rows these figures are of: its real ones (Dataset.real)
    area_pred: np.ndarray | None = None  # the out-of-fold area of each row predicted 不足 ("" elsewhere)
    area: Metrics | None = None  # area figures on the gold 不足 rows with an area (metrics.area_scores)

    def confidence(self) -> np.ndarray:
        """Out-of-fold probability of the predicted label, rounded as `fazhi predict` shows it."""
        idx = {c: i for i, c in enumerate(self.classes)}
        return np.round([self.proba[k, idx[p]] for k, p in enumerate(self.y_pred)], 4)

    def calibration(self) -> dict[str, Any]:
        """ECE, reliability bins, and per threshold the share flagged uncertain and the accuracy of the rest."""
        correct, conf = self.y_true == self.y_pred, self.confidence()
        out: dict[str, Any] = {"ece": expected_calibration_error(correct, conf), "bins": reliability(correct, conf)}
        for t in CONFIDENCE_THRESHOLDS:
            out[f"flagged_{t:g}"], out[f"unflagged_accuracy_{t:g}"] = coverage(correct, conf, t)
        return out


def folds(groups: np.ndarray, max_folds: int = 10):
    """Leave one report out with up to max_folds reports, else GroupKFold(max_folds)."""
    from sklearn.model_selection import GroupKFold, LeaveOneGroupOut

    n_groups = len(set(groups))
    if n_groups < 2:
        raise CorpusError("grouped cross-validation needs at least two reports (report_id values)")
    return LeaveOneGroupOut() if n_groups <= max_folds else GroupKFold(n_splits=max_folds)


def n_folds(data: Dataset) -> int:
    """Folds of grouped CV: over the real reports (written rows are never held out)."""
    groups = data.groups[data.real()]
    return folds(groups).get_n_splits(groups=groups)


def cross_validate(
    model, data: Dataset, n_jobs: int = 1, on_fold: Callable[[], None] | None = None, variants: bool = True,
    sample_weight: np.ndarray | None = None,
) -> CVResult:
    """Grouped CV of `model` (unfitted) and of a majority-class baseline.

    on_fold is called after each fold (a progress bar); n_jobs > 1 fits folds in
    parallel processes; variants: also score every fold's model on fazhi.modeling.shift's variants;
    sample_weight: each row's weight in the training parts (Dataset.sample_weight).
    """
    from sklearn.base import clone
    from sklearn.dummy import DummyClassifier

    from fazhi.modeling.shift import variants as shown_variants

    if data.groups is None:
        raise CorpusError(f"{data.path}: cross-validation needs a {REPORT_COL} column")
    # Written rows (the supplement) join the training part of every fold and are never
    # scored: the folds, the figures and the baseline are the real reports' alone.
    real = data.real()
    written = data.written_rows()
    scored = data.subset(real) if len(written) else data
    splits = list(folds(scored.groups).split(scored.X, scored.y, scored.groups))
    classes = sorted(set(map(str, data.y)))  # what a fitted classifier's classes_ holds
    shown = shown_variants(scored.X, scored.y, scored.groups) if variants else {}
    args = [(clone(model), data, np.concatenate([real[train], written]), real[test], test, shown, sample_weight)
            for train, test in splits]
    start = time.perf_counter()
    from fazhi.workers import parallel

    results = []
    with parallel(n_jobs, len(args)) as run:
        for result in run(_fit_fold, args):
            results.append(result)
            if on_fold:
                on_fold()
    seconds = time.perf_counter() - start
    n = len(scored)
    y_pred = np.empty(n, dtype=object)
    proba = np.zeros((n, len(classes)))
    base_pred = np.empty(n, dtype=object)
    shown_pred = {name: [np.empty(n, dtype=object) for _ in xs] for name, xs in shown.items()}
    area_pred = np.full(n, "", dtype=object)
    for (train, test), (pred, prob, fold_classes, fold_shown, areas) in zip(splits, results):
        y_pred[test] = pred
        area_pred[test] = areas
        # A fold whose training part lacks a label gives it probability 0.
        proba[np.ix_(test, [classes.index(c) for c in fold_classes])] = prob
        base = DummyClassifier(strategy="most_frequent").fit(scored.X[train], scored.y[train])
        base_pred[test] = base.predict(scored.X[test])
        for name, preds in fold_shown.items():
            for k, p in enumerate(preds):
                shown_pred[name][k][test] = p
    # A shuffled variant counts every sentence once per seed.
    figures = {name: scores(np.concatenate([scored.y] * len(ps)), np.concatenate(ps)) for name, ps in shown_pred.items()}
    area = area_scores(scored.y, scored.areas, area_pred) if scored.areas is not None else None
    return CVResult(scored.y, y_pred, proba, classes, scores(scored.y, y_pred), scores(scored.y, base_pred),
                    len(splits), seconds, figures, real, area_pred, area)


def _fit_fold(model, data: Dataset, train, test, test_scored, shown: dict[str, list[np.ndarray]], sample_weight=None):
    # Numeric overflow (e.g. a huge C) shows as non-finite probabilities, which
    # training checks and refuses in one line; numpy's warnings would only add noise.
    with np.errstate(all="ignore"):
        fit(model, data.X[train], data.y[train], data.groups[train], None if data.areas is None else data.areas[train],
            None if sample_weight is None else sample_weight[train])
        fold_shown = {name: [model.predict(x[test_scored]) for x in xs] for name, xs in shown.items()}
        pred = model.predict(data.X[test])
        areas = model.areas_for(data.X[test], pred) if hasattr(model, "areas_for") else [""] * len(test)
        return pred, model.predict_proba(data.X[test]), [str(c) for c in model.classes_], fold_shown, areas


def errors(result: CVResult, data: Dataset) -> list[dict[str, Any]]:
    """Out-of-fold errors: report, position, heading, section, text, true, predicted, probabilities."""
    conf = result.confidence()
    idx = {c: i for i, c in enumerate(result.classes)}
    if result.rows is not None and len(result.rows) != len(data):
        data = data.subset(result.rows)  # the real rows the figures are of
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
    predicted: list[str]
    confidence: np.ndarray  # probability of the predicted label
    seen: np.ndarray | None = None  # per sentence: a training sentence of the model (fazhi.store.overlap); None: unknown
    unseen: Metrics | None = None  # the figures on the other sentences, if there are any
    seen_part: Metrics | None = None  # the figures on the seen sentences, if there are any
    area: Metrics | None = None  # area figures on the gold 不足 sentences, if the data has an area column

    def as_json(self) -> dict[str, Any]:
        """metrics.json: the figures on all sentences, n_seen (null: unknown), and the same
        figures on the sentences the model was not trained on (`unseen`) and on those it was
        (`seen`); null where there is no such sentence or it is unknown."""
        return {**self.metrics, "n_seen": None if self.seen is None else int(self.seen.sum()),
                "unseen": self.unseen, "seen": self.seen_part, "area": self.area}

    def errors(self, explain: Callable[[np.ndarray, list[str]], list[str]] | None = None) -> list[dict[str, Any]]:
        """The misclassified sentences, with `explanation` (why the wrong label) if `explain` is given."""
        wrong = [k for k, (t, p) in enumerate(zip(self.data.y, self.predicted)) if t != p]
        why = explain(self.data.X[wrong], [self.predicted[k] for k in wrong]) if explain and wrong else None
        rows = []
        for i, k in enumerate(wrong):
            rows.append({
                REPORT_COL: self.data.groups[k] if self.data.groups is not None else "",
                POSITION_COL: self.data.positions[k], HEADING_COL: self.data.headings[k],
                SECTION_COL: self.data.X[k, 1], TEXT_COL: self.data.X[k, 0], "true": str(self.data.y[k]),
                "predicted": self.predicted[k], CONFIDENCE_COL: round(float(self.confidence[k]), 4),
                **({EXPLANATION_COL: why[i]} if why is not None else {}),
            })
        return rows


def evaluate(model: LoadedModel, data: Dataset) -> Evaluation:
    """Score `model` on `data`, and apart on the sentences it was not trained on if its card
    says which it was (fazhi.store.overlap); ModelError if the data has labels the model lacks or
    it cannot predict."""
    unknown = sorted(set(map(str, data.y)) - set(model.labels))
    if unknown:
        raise ModelError(
            f"{data.path}: label(s) {', '.join(unknown)} not known to the model (it knows {' '.join(model.labels)})"
        )
    try:
        proba = np.asarray(model.pipeline.predict_proba(data.X))
    except Exception as exc:  # a foreign pipeline that does not take (text, section)
        raise ModelError(f"{model.source}: cannot predict ({type(exc).__name__}: {exc})".splitlines()[0]) from None
    predicted = [model.labels[k] for k in proba.argmax(axis=1)]
    seen = overlap.seen(model.card, data.X[:, 0])

    guessed = np.asarray(predicted, dtype=object)

    def part(mask: np.ndarray | None) -> Metrics | None:
        """The figures on the sentences `mask` picks; None if it picks none or is unknown."""
        return None if mask is None or not mask.any() else scores(data.y[mask], list(guessed[mask]))

    area = None
    if data.areas is not None and hasattr(model.pipeline, "areas_for"):
        area = area_scores(data.y, data.areas, model.pipeline.areas_for(data.X, predicted))
    return Evaluation(model.source, data, scores(data.y, predicted), *confusion(data.y, predicted), predicted,
                      proba.max(axis=1), seen, part(None if seen is None else ~seen), part(seen), area)
