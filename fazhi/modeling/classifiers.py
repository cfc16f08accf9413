"""The classifiers fazhi offers, as one table: name → factory, what C means, calibration.

The CLI's choices and help, the sweep grid and the tests are derived from CLASSIFIERS.
Each factory imports scikit-learn itself, so reading the table costs nothing. One knob,
C, serves every classifier: larger C = weaker regularisation / smoothing everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ClassifierSpec:
    name: str
    build: Callable[[float, str | None, int], Any]  # (C, class_weight or None, seed) → estimator
    c_means: str  # what C sets, for --help
    calibrated: bool  # probabilities come from a sigmoid calibration wrapper
    class_weights: bool = True  # honours --class-weight


def _logreg(C, cw, seed):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, class_weight=cw, max_iter=5000, random_state=seed)


def _linearsvc(C, cw, seed):
    from sklearn.svm import LinearSVC

    return LinearSVC(C=C, class_weight=cw, random_state=seed)


def _sgd(C, cw, seed):
    from sklearn.linear_model import SGDClassifier

    # modified_huber gives predict_proba without a calibration wrapper.
    return SGDClassifier(loss="modified_huber", alpha=1e-4 / C, class_weight=cw, max_iter=2000, tol=1e-4, random_state=seed)


def _complementnb(C, cw, seed):
    from sklearn.naive_bayes import ComplementNB

    return ComplementNB(alpha=1.0 / C)


def _ridge(C, cw, seed):
    from sklearn.linear_model import RidgeClassifier

    return RidgeClassifier(alpha=1.0 / C, class_weight=cw, random_state=seed)


CLASSIFIERS: dict[str, ClassifierSpec] = {
    spec.name: spec
    for spec in (
        ClassifierSpec("logreg", _logreg, "C", calibrated=False),
        ClassifierSpec("linearsvc", _linearsvc, "C", calibrated=True),
        ClassifierSpec("sgd", _sgd, "alpha = 1e-4 / C (modified Huber loss)", calibrated=False),
        ClassifierSpec("complementnb", _complementnb, "alpha = 1 / C", calibrated=False, class_weights=False),
        ClassifierSpec("ridge", _ridge, "alpha = 1 / C", calibrated=True),
    )
}
CLASS_WEIGHTS: tuple[str, ...] = ("balanced", "none")
CALIBRATION_FOLDS = 3  # sigmoid calibration's inner CV: each label needs this many sentences to fit


def make_classifier(name: str, C: float, class_weight: str = "balanced", seed: int = 0, probabilities: bool = True):
    """The classifier `name`; with `probabilities`, one that has predict_proba (sigmoid-calibrated
    if the table says so). Without, the bare estimator: for a model calibrated as a whole
    (features.calibration), which reads its decision_function."""
    if name not in CLASSIFIERS:
        raise ValueError(f"unknown classifier {name!r}; choose one of {', '.join(CLASSIFIERS)}")
    if class_weight not in CLASS_WEIGHTS:
        raise ValueError(f"unknown class weight {class_weight!r}; choose one of {', '.join(CLASS_WEIGHTS)}")
    spec = CLASSIFIERS[name]
    estimator = spec.build(C, None if class_weight == "none" else class_weight, seed)
    if spec.calibrated and probabilities:
        from sklearn.calibration import CalibratedClassifierCV

        return CalibratedClassifierCV(estimator, method="sigmoid", cv=CALIBRATION_FOLDS)
    return estimator


def c_help() -> str:
    """What C means for each classifier, for --help."""
    notes = {True: ", probabilities by sigmoid calibration", False: ""}
    return "; ".join(
        f"{s.name}: {s.c_means}{notes[s.calibrated]}{'' if s.class_weights else ', no class weights'}"
        for s in CLASSIFIERS.values()
    )
