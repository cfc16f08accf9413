"""The sentence classifier: ModelConfig → Pipeline(SentenceInput → TF-IDF blocks → classifier).

ModelConfig holds every hyper-parameter and its default, once; the defaults are the
best configuration measured with grouped cross-validation (docs/results.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from fazhi.modeling.classifiers import CLASS_WEIGHTS, CLASSIFIERS, make_classifier
from fazhi.config import AREAS, SHORTCOMING, USER_DICT_FILE
from fazhi_features import FEATURE_SETS

# The default sweep grid: every feature set × classifier × these C.
DEFAULT_CS: tuple[float, ...] = (1.0, 3.0, 10.0, 20.0)
CALIBRATIONS: tuple[str, ...] = ("isotonic", "sigmoid", "none")
# The area model (features/area.WithArea): chars 1–2 of the sentence and its section,
# complement NB. On the dev set's gold 不足 sentences (benchmarks/area.py) it names the area
# of 0.79–0.80 of them, as jieba words + chars do (0.80), with no jieba; logistic
# regression gave 0.68–0.80.
AREA_FEATURES, AREA_ALPHA, AREA_SHORTCOMING_WEIGHT = "chars", 0.1, 1.0
# Parameter names of fazhi 0.1 (cards, MLflow params): read as their new names.
RENAMED = {"heading": "section", "heading_weight": "section_weight"}
# Fields added since: a card without one was trained without what it turns on.
ADDED = {"nfkc": False, "area": False, "section_dropout": 0.0}


@dataclass(frozen=True)
class ModelConfig:
    """Every hyper-parameter `fazhi train` takes; logged to MLflow as params."""

    # Measured on three figures (grouped CV, sentence only, style shift): docs/results.md.
    feature_set: str = "both"  # jieba words 1–2 and chars 1–2: dev macro-F1 0.813 against chars' 0.796 (docs/results.md)
    char_ngrams: int = 2  # character 1..n grams of the sentence (1–3 leans on report-specific 3-grams)
    classifier: str = "complementnb"
    C: float = 10.0
    class_weight: str = "balanced"
    section: bool = True  # the section (every enclosing heading) as its own TF-IDF block
    section_weight: float = 0.5
    section_dropout: float = 0.3  # share of training rows whose section is blanked (features/dropout.py); dev +0.003, CV +0.008
    cue_weight: float = 0.5  # how a thing is said: deficiency/hedging/negation cues (features/cues.py); 0 = off
    calibration: str = "isotonic"  # probabilities calibrated on left-out reports (features/calibration.py)
    normalize_digits: bool = True
    nfkc: bool = True  # text read in Unicode NFKC (full-width forms, Kangxi radicals → ordinary characters)
    user_dict: bool = False  # measured: whole domain terms cost word features ~0.02–0.03 macro-F1 (docs/results.md)
    area: bool = True  # also name the area of each 不足 sentence (features/area.py)
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
        given = {RENAMED.get(k, k): v for k, v in params.items() if RENAMED.get(k, k) in known}
        return cls().with_(**{**ADDED, **given})

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
    steps: list[tuple[str, Any]] = [("input", SentenceInput(normalize_digits=cfg.normalize_digits, nfkc=cfg.nfkc))]
    if cfg.section and cfg.section_dropout > 0:
        from fazhi_features.dropout import SectionDropout

        steps.append(("dropout", SectionDropout(p=cfg.section_dropout, random_state=cfg.seed)))
    steps += [
        ("features", make_features(cfg.feature_set, cfg.section, words, cfg.section_weight, cfg.char_ngrams, cfg.cue_weight)),
        ("clf", make_classifier(cfg.classifier, cfg.C, cfg.class_weight, cfg.seed, probabilities=cfg.calibration == "none")),
    ]
    labeler = Pipeline(steps)
    if cfg.calibration != "none":
        from fazhi_features.calibration import ReportCalibrated

        labeler = ReportCalibrated(labeler, method=cfg.calibration)
    if not cfg.area:
        return labeler
    from sklearn.naive_bayes import ComplementNB

    from fazhi_features.area import WithArea

    area_words = user_words(cfg.user_dict)
    area_model = Pipeline([
        ("input", SentenceInput(normalize_digits=cfg.normalize_digits, nfkc=cfg.nfkc)),
        ("features", make_features(AREA_FEATURES, cfg.section, area_words, cfg.section_weight, 2, 0.0)),
        ("clf", ComplementNB(alpha=AREA_ALPHA)),
    ])
    return WithArea(labeler, area_model, SHORTCOMING, AREAS, AREA_SHORTCOMING_WEIGHT)


def fit(model, X, y, groups=None, areas=None):
    """Fit `model` on (X, y); report ids go to a model that calibrates by report, the
    areas of the 不足 rows to one that names areas."""
    from fazhi_features.area import WithArea
    from fazhi_features.calibration import ReportCalibrated

    if isinstance(model, WithArea):
        return model.fit(X, y, groups=groups, areas=areas)
    if isinstance(model, ReportCalibrated):
        return model.fit(X, y, groups=groups)
    return model.fit(X, y)


def pipeline_of(model):
    """The fitted Pipeline that gives a model's labels (inside its area and calibration wrappers)."""
    model = getattr(model, "labeler_", model)
    return getattr(model, "estimator_", model)
