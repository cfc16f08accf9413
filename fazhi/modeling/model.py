"""The sentence classifier: ModelConfig → Pipeline(SentenceInput → TF-IDF blocks → classifier).

ModelConfig holds every hyper-parameter and its default, once; the defaults are the
best configuration measured with grouped cross-validation (docs/results.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from fazhi.modeling.classifiers import CLASS_WEIGHTS, CLASSIFIERS, make_classifier
from fazhi.config import USER_DICT_FILE
from fazhi_features import FEATURE_SETS

# The default sweep grid: every feature set × classifier × these C.
DEFAULT_CS: tuple[float, ...] = (1.0, 3.0, 10.0, 20.0)
CALIBRATIONS: tuple[str, ...] = ("isotonic", "sigmoid", "none")
# Parameter names of fazhi 0.1 (cards, MLflow params): read as their new names.
RENAMED = {"heading": "section", "heading_weight": "section_weight"}


@dataclass(frozen=True)
class ModelConfig:
    """Every hyper-parameter `fazhi train` takes; logged to MLflow as params."""

    # Measured on three figures (grouped CV, sentence only, style shift): docs/results.md.
    feature_set: str = "chars"
    char_ngrams: int = 2  # character 1..n grams of the sentence (1–3 leans on report-specific 3-grams)
    classifier: str = "complementnb"
    C: float = 10.0
    class_weight: str = "balanced"
    section: bool = True  # the section (every enclosing heading) as its own TF-IDF block
    section_weight: float = 0.5
    section_dropout: float = 0.0  # share of training rows whose section is blanked (features/dropout.py)
    cue_weight: float = 0.5  # how a thing is said: deficiency/hedging/negation cues (features/cues.py); 0 = off
    calibration: str = "isotonic"  # probabilities calibrated on left-out reports (features/calibration.py)
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
                                      ("class_weight", self.class_weight, CLASS_WEIGHTS),
                                      ("calibration", self.calibration, CALIBRATIONS)):
            if value not in choices:
                raise ValueError(f"unknown {field.replace('_', ' ')} {value!r}; choose one of {', '.join(choices)}")
        if not 0 < self.C < float("inf"):
            raise ValueError(f"C must be positive and finite, got {self.C}")
        for field in ("section_weight", "cue_weight"):
            if not 0 <= getattr(self, field) < float("inf"):
                raise ValueError(f"{field.replace('_', ' ')} must be non-negative and finite, got {getattr(self, field)}")
        if not 0 <= self.section_dropout <= 1:
            raise ValueError(f"section dropout must be between 0 and 1, got {self.section_dropout}")
        if not 1 <= self.char_ngrams <= 5:
            raise ValueError(f"char n-grams must be between 1 and 5, got {self.char_ngrams}")


DEFAULTS = ModelConfig()


def user_words(enabled: bool = True, path: Path = USER_DICT_FILE) -> tuple[str, ...]:
    """The domain words of data/userdict.txt (empty if disabled)."""
    if not enabled:
        return ()
    from fazhi_features.tokenize import read_user_dict

    return read_user_dict(path)


def build_pipeline(config: ModelConfig = DEFAULTS, **changes: Any):
    """An unfitted model with predict_proba: Pipeline(input → [dropout →] features → clf),
    wrapped in ReportCalibrated unless calibration is "none".

    `build_pipeline(classifier="ridge", C=1.0)` overrides single fields of DEFAULTS.
    Fit it with `fit(model, X, y, groups)`, so calibration can leave reports out.
    """
    from sklearn.pipeline import Pipeline

    from fazhi_features.text import SentenceInput, make_features

    cfg = config.with_(**changes)
    cfg.check()
    words = user_words(cfg.user_dict) if cfg.feature_set in ("words", "both") else ()
    steps: list[tuple[str, Any]] = [("input", SentenceInput(normalize_digits=cfg.normalize_digits))]
    if cfg.section and cfg.section_dropout > 0:
        from fazhi_features.dropout import SectionDropout

        steps.append(("dropout", SectionDropout(p=cfg.section_dropout, random_state=cfg.seed)))
    steps += [
        ("features", make_features(cfg.feature_set, cfg.section, words, cfg.section_weight, cfg.char_ngrams, cfg.cue_weight)),
        ("clf", make_classifier(cfg.classifier, cfg.C, cfg.class_weight, cfg.seed, probabilities=cfg.calibration == "none")),
    ]
    if cfg.calibration == "none":
        return Pipeline(steps)
    from fazhi_features.calibration import ReportCalibrated

    return ReportCalibrated(Pipeline(steps), method=cfg.calibration)


def fit(model, X, y, groups=None):
    """Fit `model` on (X, y); report ids go to a model that calibrates by report."""
    from fazhi_features.calibration import ReportCalibrated

    if isinstance(model, ReportCalibrated):
        return model.fit(X, y, groups=groups)
    return model.fit(X, y)


def pipeline_of(model):
    """The fitted Pipeline inside a model (the model itself unless it is calibrated)."""
    return getattr(model, "estimator_", model)


def top_terms(pipeline, n: int = 20) -> dict[str, list[tuple[str, float]]]:
    """The n features with the largest weight per label, for linear models.

    Calibrated models average the coefficients of their inner estimators;
    ComplementNB uses its feature log-weights. {} if none apply.
    """
    import numpy as np

    pipeline = pipeline_of(pipeline)
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
