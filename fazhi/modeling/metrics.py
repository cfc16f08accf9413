"""Scores of predicted against true labels: per-label precision/recall/F1, macro-F1, confusion."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from fazhi.config import label_order

Metrics = dict[str, Any]  # macro_f1, accuracy, n, per_label → {precision, recall, f1, support}


def labels_of(y_true: Sequence[str], y_pred: Sequence[str]) -> list[str]:
    """Every label of either sequence, in the project's order."""
    return label_order(set(map(str, y_true)) | set(map(str, y_pred)))


def scores(y_true: Sequence[str], y_pred: Sequence[str]) -> Metrics:
    """macro_f1, accuracy, n and per_label → {precision, recall, f1, support}.

    Labels are those in y_true or y_pred (as scikit-learn's macro average does).
    """
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    labels = labels_of(y_true, y_pred)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {
        "macro_f1": float(np.mean(f)),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "n": int(len(y_true)),
        "per_label": {
            lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
            for i, lab in enumerate(labels)
        },
    }


def area_scores(labels: Sequence[str], areas: Sequence[str], predicted_areas: Sequence[str]) -> Metrics | None:
    """The area figures on the gold 不足 rows that have an area, as the dev set's scorer
    counts them: a row whose 不足 was missed has no predicted area and counts as wrong.
    accuracy, n and per_area → {precision, recall, f1, support} (the five areas; an empty
    prediction is a miss, never an area of its own). None if no row has a gold area."""
    from fazhi.config import AREAS, SHORTCOMING

    rows = [(a, p) for lab, a, p in zip(labels, areas, predicted_areas) if lab == SHORTCOMING and a]
    if not rows:
        return None
    true, pred = [a for a, _ in rows], [p or "" for _, p in rows]
    per = scores(true, pred)["per_label"]
    return {"accuracy": float(np.mean([a == p for a, p in rows])), "n": len(rows),
            "per_area": {a: per.get(a, {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}) for a in AREAS}}


def confusion(y_true: Sequence[str], y_pred: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Labels (rows = true, columns = predicted) and the confusion matrix."""
    from sklearn.metrics import confusion_matrix

    labels = labels_of(y_true, y_pred)
    with warnings.catch_warnings():  # "a single label was found": a 1×1 matrix is right here
        warnings.simplefilter("ignore", UserWarning)
        return labels, confusion_matrix(y_true, y_pred, labels=labels)


def expected_calibration_error(correct: np.ndarray, confidence: np.ndarray, n_bins: int = 15) -> float:
    """ECE: Σ over equal-width confidence bins of |bin share| · |accuracy − mean confidence|."""
    bins = np.minimum((np.asarray(confidence) * n_bins).astype(int), n_bins - 1)
    correct = np.asarray(correct, dtype=float)
    return float(sum((bins == b).mean() * abs(correct[bins == b].mean() - confidence[bins == b].mean())
                     for b in np.unique(bins)))


def reliability(correct: np.ndarray, confidence: np.ndarray, n_bins: int = 15) -> list[tuple[float, float, int]]:
    """(mean confidence, accuracy, count) of each non-empty equal-width confidence bin."""
    bins = np.minimum((np.asarray(confidence) * n_bins).astype(int), n_bins - 1)
    correct = np.asarray(correct, dtype=float)
    return [(float(confidence[bins == b].mean()), float(correct[bins == b].mean()), int((bins == b).sum()))
            for b in np.unique(bins)]


def coverage(correct: np.ndarray, confidence: np.ndarray, threshold: float) -> tuple[float, float]:
    """(share of sentences below `threshold`, accuracy of the others): what --min-confidence flags."""
    flagged = np.asarray(confidence) < threshold
    kept = ~flagged
    return float(flagged.mean()), float(np.asarray(correct)[kept].mean()) if kept.any() else float("nan")
