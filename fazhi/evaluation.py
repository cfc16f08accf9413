"""Labeled data in, honest figures out: grouped cross-validation and scores.

Cross-validation is grouped by report (leave one report out with few reports):
sentences of one report share wording, headings and layout, so a report in both the
training and the test fold would flatter the model. Every sentence gets an
out-of-fold prediction and probabilities; a majority-class baseline runs on the same
folds.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fazhi.config import HEADING_COL, LABEL_COL, LABELS, POSITION_COL, REPORT_COL, SECTION_COL, TEXT_COL
from fazhi.corpus import CorpusError


@dataclass
class Dataset:
    """Sentences with labels; X is an (n, 2) object array of [text, heading]."""

    X: np.ndarray
    y: np.ndarray
    groups: np.ndarray | None  # report ids, if the file has them
    positions: list[str]
    path: str = ""
    sha256: str = ""

    def __len__(self) -> int:
        return len(self.y)

    def label_counts(self) -> dict[str, int]:
        values, counts = np.unique(self.y, return_counts=True)
        return {str(v): int(c) for v, c in sorted(zip(values, counts), key=lambda vc: label_order(vc[0]))}


def context(row: dict[str, Any]) -> str:
    """The model's second input: the section (all headings) if given, else the heading."""
    return str(row.get(SECTION_COL) or row.get(HEADING_COL) or "").strip()


def label_order(label: str) -> tuple[int, str]:
    """Sort key: the order of config.LABELS, unknown labels after, alphabetically."""
    return (LABELS.index(label), "") if label in LABELS else (len(LABELS), label)


def read_labeled(path: Path, require_groups: bool = False, strict: bool = False) -> Dataset:
    """A CSV, TSV or JSONL file with `text` and `label` (`heading`, `report_id` optional).

    strict: also apply the corpus rules (corpus.validate: the six labels, one label
    per distinct text, a heading column). Raises CorpusError with a one-line message.
    """
    from fazhi.corpus import read_rows, require_columns, validate
    from fazhi.persist import sha256_file

    path = Path(path)
    rows = read_rows(path)
    require_columns(path, rows, (TEXT_COL, LABEL_COL, REPORT_COL) if require_groups else (TEXT_COL, LABEL_COL))
    if strict:
        validate(path, rows)
    for i, row in enumerate(rows, start=2):
        if not str(row.get(TEXT_COL) or "").strip():
            raise CorpusError(f"{path}: row {i}: empty text")
        if not str(row.get(LABEL_COL) or "").strip():
            raise CorpusError(f"{path}: row {i}: empty label")
    X = np.array([[str(r[TEXT_COL]).strip(), context(r)] for r in rows], dtype=object)
    y = np.array([str(r[LABEL_COL]).strip() for r in rows], dtype=object)
    groups = np.array([str(r[REPORT_COL]) for r in rows], dtype=object) if REPORT_COL in rows[0] else None
    positions = [str(r.get(POSITION_COL, i)) for i, r in enumerate(rows)]
    return Dataset(X.reshape(-1, 2), y, groups, positions, str(path), sha256_file(path))


def _labels(y_true: Sequence[str], y_pred: Sequence[str]) -> list[str]:
    """Every label of either sequence, in config.LABELS order."""
    return sorted(set(map(str, y_true)) | set(map(str, y_pred)), key=label_order)


def scores(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, Any]:
    """macro_f1, accuracy, n and per_label → {precision, recall, f1, support}.

    Labels are those in y_true or y_pred (as scikit-learn's macro average does).
    """
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    labels = _labels(y_true, y_pred)
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


def confusion(y_true: Sequence[str], y_pred: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Labels (rows = true, columns = predicted) and the confusion matrix."""
    from sklearn.metrics import confusion_matrix

    labels = _labels(y_true, y_pred)
    with warnings.catch_warnings():  # "a single label was found": a 1×1 matrix is right here
        warnings.simplefilter("ignore", UserWarning)
        return labels, confusion_matrix(y_true, y_pred, labels=labels)


@dataclass
class CVResult:
    """Out-of-fold predictions for every sentence and the figures derived from them."""

    y_true: np.ndarray
    y_pred: np.ndarray
    proba: np.ndarray  # (n, len(classes)), out of fold
    classes: list[str]
    metrics: dict[str, Any]
    baseline: dict[str, Any]
    n_folds: int
    seconds: float
    fold_of: np.ndarray = field(repr=False, default=None)

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
        if on_fold:
            for _ in splits:
                on_fold()
    seconds = time.perf_counter() - start
    y_pred = np.empty(len(data), dtype=object)
    proba = np.zeros((len(data), len(classes)))
    base_pred = np.empty(len(data), dtype=object)
    fold_of = np.zeros(len(data), dtype=int)
    for k, ((train, test), (pred, prob, fold_classes)) in enumerate(zip(splits, results)):
        y_pred[test] = pred
        # A fold whose training part lacks a label gives it probability 0.
        proba[np.ix_(test, [classes.index(c) for c in fold_classes])] = prob
        base = DummyClassifier(strategy="most_frequent").fit(data.X[train], data.y[train])
        base_pred[test] = base.predict(data.X[test])
        fold_of[test] = k
    return CVResult(
        y_true=data.y,
        y_pred=y_pred,
        proba=proba,
        classes=classes,
        metrics=scores(data.y, y_pred),
        baseline=scores(data.y, base_pred),
        n_folds=len(splits),
        seconds=seconds,
        fold_of=fold_of,
    )


def _fit_fold(pipeline, X, y, train, test):
    pipeline.fit(X[train], y[train])
    return pipeline.predict(X[test]), pipeline.predict_proba(X[test]), [str(c) for c in pipeline.classes_]


def errors(result: CVResult, data: Dataset) -> list[dict[str, Any]]:
    """Out-of-fold errors: report, position, heading, text, true, predicted, probabilities."""
    conf = result.confidence()
    idx = {c: i for i, c in enumerate(result.classes)}
    rows = []
    for k in np.flatnonzero(result.y_true != result.y_pred):
        rows.append(
            {
                REPORT_COL: data.groups[k] if data.groups is not None else "",
                POSITION_COL: data.positions[k],
                HEADING_COL: data.X[k, 1],
                TEXT_COL: data.X[k, 0],
                "true": result.y_true[k],
                "predicted": result.y_pred[k],
                "probability": round(float(conf[k]), 4),
                "p_true": round(float(result.proba[k, idx[result.y_true[k]]]), 4)
                if result.y_true[k] in idx
                else 0.0,
            }
        )
    return rows


def format_report(metrics: dict[str, Any], baseline: dict[str, Any] | None = None) -> str:
    """A plain-text table: per-label P/R/F1/support, then macro-F1 and accuracy."""
    per = metrics["per_label"]
    width = max([8] + [_width(lab) for lab in per])
    lines = [f"{_pad('label', width)}  precision  recall     f1  support"]
    for lab, s in per.items():
        lines.append(
            f"{_pad(lab, width)}  {s['precision']:9.3f}  {s['recall']:6.3f}  {s['f1']:5.3f}  {s['support']:7d}"
        )
    lines.append(f"macro-F1 {metrics['macro_f1']:.3f}   accuracy {metrics['accuracy']:.3f}   n {metrics['n']}")
    if baseline is not None:
        lines.append(
            f"majority-class baseline: macro-F1 {baseline['macro_f1']:.3f}   accuracy {baseline['accuracy']:.3f}"
        )
    return "\n".join(lines)


def format_confusion(labels: list[str], matrix: np.ndarray) -> str:
    """Rows = true label, columns = predicted (same order)."""
    width = max([6] + [_width(lab) for lab in labels])
    head = _pad("true\\pred", width) + "".join(f"  {_pad(lab, width)}" for lab in labels)
    rows = [head]
    for lab, row in zip(labels, matrix):
        rows.append(_pad(lab, width) + "".join(f"  {v:>{width}d}" for v in row))
    return "\n".join(rows)


def _width(s: str) -> int:
    # CJK characters take two terminal columns.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def _pad(s: str, width: int) -> str:
    return s + " " * max(0, width - _width(s))
