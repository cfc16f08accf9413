"""The sentence classifier: SentenceInput → TF-IDF blocks → a linear classifier.

The choices (classifiers here, feature sets re-exported from features/) and the
defaults live here, once; the CLI, the sweep and the tests read them from this module. The defaults are the best
configuration measured with grouped cross-validation (docs/results.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from fazhi.config import USER_DICT_FILE
from features import FEATURE_SETS  # noqa: F401  (the choices live together: feature sets, classifiers)

CLASSIFIERS: tuple[str, ...] = ("logreg", "linearsvc", "sgd", "complementnb", "ridge")
CLASS_WEIGHTS: tuple[str, ...] = ("balanced", "none")
# The default sweep grid: every feature set × classifier × these C (about a minute on 2 cores).
DEFAULT_CS: tuple[float, ...] = (1.0, 3.0, 10.0, 20.0)

# How the one regularisation knob C maps onto each classifier (larger C = weaker
# regularisation / smoothing everywhere, so one grid serves all classifiers).
C_MEANING = {
    "logreg": "C",
    "linearsvc": "C (probabilities by sigmoid calibration)",
    "sgd": "alpha = 1e-4 / C (modified Huber loss)",
    "complementnb": "alpha = 1 / C (no class weights)",
    "ridge": "alpha = 1 / C (probabilities by sigmoid calibration)",
}


@dataclass(frozen=True)
class ModelConfig:
    """Every hyper-parameter `fazhi train` takes; logged to MLflow as params."""

    # Best of `fazhi sweep` + error analysis on the five reports (docs/results.md).
    feature_set: str = "chars"
    classifier: str = "complementnb"
    C: float = 20.0
    class_weight: str = "balanced"
    heading: bool = True
    heading_weight: float = 0.5
    normalize_digits: bool = True
    user_dict: bool = False  # measured: whole domain terms cost word features ~0.02–0.03 macro-F1 (docs/results.md)
    seed: int = 0

    def with_(self, **changes: Any) -> "ModelConfig":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def as_params(self) -> dict[str, Any]:
        return asdict(self)


DEFAULTS = ModelConfig()


def user_words(enabled: bool = True, path: Path = USER_DICT_FILE) -> tuple[str, ...]:
    """The domain words of data/userdict.txt (empty if disabled)."""
    if not enabled:
        return ()
    from features.tokenize import read_user_dict

    return read_user_dict(path)


def build_pipeline(config: ModelConfig = DEFAULTS, **changes: Any):
    """An unfitted Pipeline(input → features → clf) that has predict_proba.

    `build_pipeline(classifier="ridge", C=1.0)` overrides single fields of DEFAULTS.
    """
    from sklearn.pipeline import Pipeline

    from features.text import SentenceInput, make_features

    cfg = config.with_(**changes)
    if cfg.class_weight not in CLASS_WEIGHTS:
        raise ValueError(f"unknown class weight {cfg.class_weight!r}; choose one of {', '.join(CLASS_WEIGHTS)}")
    if not cfg.C > 0:
        raise ValueError(f"C must be positive, got {cfg.C}")
    words = user_words(cfg.user_dict) if cfg.feature_set in ("words", "both") else ()
    return Pipeline(
        [
            ("input", SentenceInput(normalize_digits=cfg.normalize_digits)),
            ("features", make_features(cfg.feature_set, cfg.heading, words, cfg.heading_weight)),
            ("clf", make_classifier(cfg.classifier, cfg.C, cfg.class_weight, cfg.seed)),
        ]
    )


def make_classifier(name: str, C: float, class_weight: str, seed: int):
    """The classifier `name`, always with predict_proba (calibrated if need be)."""
    from sklearn.calibration import CalibratedClassifierCV

    cw = None if class_weight == "none" else class_weight
    if name == "logreg":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=C, class_weight=cw, max_iter=5000, random_state=seed)
    if name == "linearsvc":
        from sklearn.svm import LinearSVC

        return CalibratedClassifierCV(LinearSVC(C=C, class_weight=cw, random_state=seed), method="sigmoid", cv=3)
    if name == "sgd":
        from sklearn.linear_model import SGDClassifier

        # modified_huber gives predict_proba without a calibration wrapper.
        return SGDClassifier(
            loss="modified_huber", alpha=1e-4 / C, class_weight=cw, max_iter=2000, tol=1e-4, random_state=seed
        )
    if name == "complementnb":
        from sklearn.naive_bayes import ComplementNB

        return ComplementNB(alpha=1.0 / C)
    if name == "ridge":
        from sklearn.linear_model import RidgeClassifier

        return CalibratedClassifierCV(
            RidgeClassifier(alpha=1.0 / C, class_weight=cw, random_state=seed), method="sigmoid", cv=3
        )
    raise ValueError(f"unknown classifier {name!r}; choose one of {', '.join(CLASSIFIERS)}")


def top_terms(pipeline, n: int = 20) -> dict[str, list[tuple[str, float]]]:
    """The n features with the largest weight per label, for linear models.

    Calibrated models average the coefficients of their inner estimators;
    ComplementNB uses its feature log-weights. {} if none apply.
    """
    import numpy as np

    clf = pipeline.named_steps["clf"]
    names = pipeline.named_steps["features"].get_feature_names_out()
    if hasattr(clf, "calibrated_classifiers_"):
        coefs = [getattr(c.estimator, "coef_", None) for c in clf.calibrated_classifiers_]
        coef = np.mean(coefs, axis=0) if all(c is not None for c in coefs) else None
    elif hasattr(clf, "coef_"):
        coef = clf.coef_
    elif hasattr(clf, "feature_log_prob_"):
        coef = clf.feature_log_prob_  # ComplementNB stores negated complement log-probs: larger = more typical
    else:
        coef = None
    if coef is None:
        return {}
    coef = np.asarray(coef)
    if coef.shape[0] == 1 and len(clf.classes_) == 2:  # binary linear models keep one row
        coef = np.vstack([-coef[0], coef[0]])
    out = {}
    for i, label in enumerate(clf.classes_):
        order = np.argsort(coef[i])[::-1][:n]
        out[str(label)] = [(str(names[j]), float(coef[i, j])) for j in order]
    return out
