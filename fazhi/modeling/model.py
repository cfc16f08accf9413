"""The sentence classifier: ModelConfig → Pipeline(SentenceInput → TF-IDF blocks → classifier).

ModelConfig holds every hyper-parameter and its default, once; the defaults are the
best configuration measured with grouped cross-validation (docs/results.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from fazhi.modeling.classifiers import CLASS_WEIGHTS, CLASSIFIERS, c_help, make_classifier
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
ADDED = {"nfkc": False, "area": False, "section_dropout": 0.0, "written_weight": 1.0}


def _setting(default: Any, help: str, *, choices: tuple | None = None, bounds: tuple | None = None,
             flag: str | None = None, grid: tuple | None = None, grid_flag: str | None = None, main: bool = False):
    """A ModelConfig field with what it means and allows, spelled once: `check` enforces
    `choices` and `bounds` (low, high, low excluded?); fazhi.cli.settings turns the field into
    `fazhi train`'s option (`flag`, default `--field-name`) and, over `grid`, `fazhi sweep`'s."""
    return field(default=default, metadata={"help": help, "choices": choices, "bounds": bounds, "flag": flag,
                                            "grid": grid, "grid_flag": grid_flag, "main": main})


_FINITE = float("inf")


@dataclass(frozen=True)
class ModelConfig:
    """Every hyper-parameter `fazhi train` takes; logged to MLflow as params."""

    # Measured on three figures (grouped CV, sentence only, style shift) and on the dev set: docs/results.md.
    # jieba words 1–2 and chars 1–2: dev macro-F1 0.813 against chars' 0.796 (docs/results.md).
    feature_set: str = _setting(
        "both", "TF-IDF feature set: jieba words (1–2 grams), chars (1 to --char-ngrams grams) or both.",
        choices=FEATURE_SETS, flag="--features", grid=FEATURE_SETS, main=True)
    # Character 1..n grams of the sentence (1–3 leans on report-specific 3-grams).
    char_ngrams: int = _setting(2, "Character n-grams: 1 to this length.", bounds=(1, 5, False))
    classifier: str = _setting("complementnb", "Linear classifier (all give probabilities).", choices=tuple(CLASSIFIERS),
                               grid=tuple(CLASSIFIERS), grid_flag="--classifiers", main=True)
    C: float = _setting(10.0, "Inverse regularisation strength: " + c_help() + ".", bounds=(0, _FINITE, True),
                        flag="--C", grid=DEFAULT_CS, main=True)
    class_weight: str = _setting("balanced", "balanced: weigh labels inversely to frequency.", choices=CLASS_WEIGHTS)
    # The section (every enclosing heading) as its own TF-IDF block.
    section: bool = _setting(True, "Read the sentence's section (every heading it stands under) as its own block.")
    section_weight: float = _setting(0.5, "Weight of the section block.", bounds=(0, _FINITE, False))
    # Share of training rows whose section is blanked (features/dropout.py): dev +0.003, CV +0.008.
    section_dropout: float = _setting(0.3, "Share of training sentences with the section blanked.", bounds=(0, 1, False))
    # How a thing is said: deficiency/hedging/negation cues (features/cues.py).
    cue_weight: float = _setting(0.5, "Weight of the cue block (不够, 有待, 尚未 …); 0: off.", bounds=(0, _FINITE, False))
    # Probabilities calibrated on left-out reports (features/calibration.py).
    calibration: str = _setting("isotonic", "Calibrate probabilities on left-out reports (none: about 5× faster).",
                                choices=CALIBRATIONS)
    normalize_digits: bool = _setting(True, "Read every number as 0 (a figure's size says nothing of the topic).")
    nfkc: bool = _setting(True, "Read text in Unicode NFKC (full-width forms, the Kangxi radicals of PDF text).")
    # Measured: whole domain terms cost word features ~0.02–0.03 macro-F1 (docs/results.md).
    user_dict: bool = _setting(False, "Keep the bundled domain terms whole (words).")
    area: bool = _setting(True, "Also name the area of each 不足 sentence (features/area.py).")
    # A written sentence's weight in training beside a real one's 1 (data/written/; measured with benchmarks/devset.py, docs/results.md).
    written_weight: float = _setting(1.0, "Weight of each sentence of the written supplement in training (a real one: 1).",
                                     bounds=(0, _FINITE, True))
    seed: int = _setting(0, "Random seed of the classifier and the section dropout.")

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
        """ValueError naming the first invalid field: the one check of every setting."""
        for f in fields(self):
            value, name, meta = getattr(self, f.name), f.name.replace("_", " "), f.metadata
            if meta["choices"] is not None and value not in meta["choices"]:
                raise ValueError(f"unknown {name} {value!r}; choose one of {', '.join(meta['choices'])}")
            if meta["bounds"] is not None:
                low, high, open_low = meta["bounds"]
                if not (low < value if open_low else low <= value) or not value <= high or value == _FINITE:
                    raise ValueError(f"{name} must be {_bounds_text(meta['bounds'])}, got {value}")


def _bounds_text(bounds: tuple) -> str:
    low, high, open_low = bounds
    if high == _FINITE:
        return f"{'positive' if open_low and low == 0 else 'non-negative' if low == 0 else f'at least {low}'} and finite"
    return f"between {low} and {high}"


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
    from fazhi_features.pipeline import WeightedPipeline as Pipeline  # fit(…, sample_weight=): the written rows' weight
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


def fit(model, X, y, groups=None, areas=None, sample_weight=None):
    """Fit `model` on (X, y); report ids go to a model that calibrates by report, the
    areas of the 不足 rows to one that names areas, `sample_weight` (None: all 1) to all."""
    from fazhi_features.area import WithArea
    from fazhi_features.calibration import ReportCalibrated

    weights = {} if sample_weight is None else {"sample_weight": sample_weight}
    if isinstance(model, WithArea):
        return model.fit(X, y, groups=groups, areas=areas, **weights)
    if isinstance(model, ReportCalibrated):
        return model.fit(X, y, groups=groups, **weights)
    return model.fit(X, y, **weights)


def pipeline_of(model):
    """The fitted Pipeline that gives a model's labels (inside its area and calibration wrappers)."""
    model = getattr(model, "labeler_", model)
    return getattr(model, "estimator_", model)
