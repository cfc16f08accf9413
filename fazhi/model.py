"""The sentence classifier: ModelConfig → Pipeline(SentenceInput → TF-IDF blocks → classifier).

ModelConfig holds every hyper-parameter and its default, once; the defaults are the
best configuration measured with grouped cross-validation (docs/results.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from fazhi.classifiers import CLASS_WEIGHTS, CLASSIFIERS, make_classifier
from fazhi.config import USER_DICT_FILE
from features import FEATURE_SETS

# The default sweep grid: every feature set × classifier × these C (about a minute on 2 cores).
DEFAULT_CS: tuple[float, ...] = (1.0, 3.0, 10.0, 20.0)
# Parameter names of fazhi 0.1 (cards, MLflow params): read as their new names.
RENAMED = {"heading": "section", "heading_weight": "section_weight"}


@dataclass(frozen=True)
class ModelConfig:
    """Every hyper-parameter `fazhi train` takes; logged to MLflow as params."""

    # Best of `fazhi sweep` + error analysis on the five reports (docs/results.md).
    feature_set: str = "chars"
    classifier: str = "complementnb"
    C: float = 20.0
    class_weight: str = "balanced"
    section: bool = True  # the section (every enclosing heading) as its own TF-IDF block
    section_weight: float = 0.5
    normalize_digits: bool = True
    user_dict: bool = False  # measured: whole domain terms cost word features ~0.02–0.03 macro-F1 (docs/results.md)
    seed: int = 0

    def with_(self, **changes: Any) -> ModelConfig:
        """A copy with the given fields changed (None = keep); old names accepted."""
        changes = {RENAMED.get(k, k): v for k, v in changes.items() if v is not None}
        return replace(self, **changes)

    def as_params(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ModelConfig:
        """The config of a card or MLflow run (fazhi 0.1's names too); unknown keys ignored."""
        known = {f.name for f in fields(cls)}
        return cls().with_(**{k: v for k, v in params.items() if RENAMED.get(k, k) in known})

    def check(self) -> None:
        """ValueError naming the first invalid field."""
        for field, value, choices in (("feature_set", self.feature_set, FEATURE_SETS),
                                      ("classifier", self.classifier, tuple(CLASSIFIERS)),
                                      ("class_weight", self.class_weight, CLASS_WEIGHTS)):
            if value not in choices:
                raise ValueError(f"unknown {field.replace('_', ' ')} {value!r}; choose one of {', '.join(choices)}")
        if not 0 < self.C < float("inf"):
            raise ValueError(f"C must be positive and finite, got {self.C}")
        if not 0 <= self.section_weight < float("inf"):
            raise ValueError(f"section weight must be non-negative and finite, got {self.section_weight}")


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
    cfg.check()
    words = user_words(cfg.user_dict) if cfg.feature_set in ("words", "both") else ()
    return Pipeline(
        [
            ("input", SentenceInput(normalize_digits=cfg.normalize_digits)),
            ("features", make_features(cfg.feature_set, cfg.section, words, cfg.section_weight)),
            ("clf", make_classifier(cfg.classifier, cfg.C, cfg.class_weight, cfg.seed)),
        ]
    )


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
