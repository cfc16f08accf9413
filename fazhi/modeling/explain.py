"""Why a sentence got its label: the few features that pushed it most towards that label, with weights.

Every classifier fazhi offers scores a label as a sum over features (weight × feature
value): linear models through coef_, complement naive Bayes through feature_log_prob_;
calibrated models are explained by the pipeline they calibrate (calibration is monotone
and does not change which features pushed). A feature's push towards label c is its value
times (its weight for c − its mean weight over all labels): what moves c ahead of the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fazhi.modeling.model import pipeline_of


def class_weights(clf) -> np.ndarray:
    """(n_classes, n_features) weights whose dot product with the features scores each class."""
    if hasattr(clf, "calibrated_classifiers_"):  # sigmoid-calibrated linear models: mean of the inner ones
        coef = np.mean([class_weights(c.estimator) for c in clf.calibrated_classifiers_], axis=0)
    elif hasattr(clf, "feature_log_prob_"):  # ComplementNB: jll = X · feature_log_prob_ᵀ
        coef = np.asarray(clf.feature_log_prob_)
    elif hasattr(clf, "coef_"):
        coef = np.asarray(clf.coef_)
    else:
        raise ValueError(f"cannot explain a {type(clf).__name__}: it has no per-feature weights")
    if coef.shape[0] == 1 and len(clf.classes_) == 2:  # binary linear models keep one row
        coef = np.vstack([-coef[0], coef[0]])
    return coef


def top_terms(model, n: int = 20) -> dict[str, list[tuple[str, float]]]:
    """The n features with the largest weight per label (class_weights: the weights
    --explain reads too); {} for a classifier without per-feature weights."""
    pipeline = pipeline_of(model)
    clf = pipeline[-1]
    names = pipeline.named_steps["features"].get_feature_names_out()
    try:
        coef = class_weights(clf)
    except ValueError:
        return {}
    out = {}
    for i, label in enumerate(clf.classes_):
        order = np.argsort(coef[i])[::-1][:n]
        out[str(label)] = [(str(names[j]), float(coef[i, j])) for j in order]
    return out


class Explainer:
    """A fitted model's pushes: `explain(X, labels)` → one "block:feature +w; …" string per row."""

    def __init__(self, model, top: int = 5):
        pipeline = pipeline_of(model)
        self.transform = pipeline[:-1]  # everything before the classifier
        clf = pipeline[-1]
        self.names = [str(n).replace("__", ":", 1) for n in pipeline.named_steps["features"].get_feature_names_out()]
        weights = class_weights(clf)
        self.push = weights - weights.mean(axis=0, keepdims=True)
        self.row_of = {str(c): i for i, c in enumerate(clf.classes_)}
        self.top = top

    def explain(self, X, labels: Sequence[str]) -> list[str]:
        features = self.transform.transform(X).tocsr()
        out = []
        for i, label in enumerate(labels):
            row = features.getrow(i)
            pushes = row.data * self.push[self.row_of[str(label)], row.indices]
            order = np.argsort(-pushes)[: self.top]
            out.append("; ".join(f"{self.names[row.indices[j]]} {pushes[j]:+.3f}" for j in order if pushes[j] > 0))
        return out
