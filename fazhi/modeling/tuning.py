"""`fazhi train --tune`: choose the configuration by grouped CV on the data given, and measure that choice honestly.

Defaults tuned on the five bundled reports need not suit a larger corpus that holds a
user's own reports. Tuning runs the sweep grid on the data and keeps the winner; the
winner's own sweep figure is optimistic (the best of many on the same folds), so the
choice itself is cross-validated too: in each outer fold (one report, or a group of
reports, left out) the sweep runs on the rest and its winner is scored on the report
left out. That nested figure is what tuning on this data is worth.

Fast enough to use (benchmarks/tune.py): the search scores a configuration by its
classifier's own decisions (no calibration: it keeps the order of the labels' scores
close, and costs a fifth), and the features of each feature set are computed once per
fold and shared by every classifier and C, so a grid of 3 feature sets × 6 classifiers
× 4 C costs about 3 vectorisations and 72 classifier fits per fold. Written rows (the
supplement) join every training part, weighted by written_weight, and are never scored,
as in cross_validate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from fazhi.modeling.classifiers import CLASSIFIERS
from fazhi.corpus.dataset import Dataset
from fazhi.errors import CorpusError
from fazhi.modeling.evaluation import folds
from fazhi.modeling.metrics import Metrics, scores
from fazhi.modeling.model import DEFAULT_CS, ModelConfig, build_pipeline, fit
from fazhi.modeling.sweep import grid_configs
from fazhi_features import FEATURE_SETS

# The grid `--tune` searches: the default sweep's.
TUNE_GRID: dict[str, Sequence[Any]] = {"feature_sets": FEATURE_SETS, "classifiers": tuple(CLASSIFIERS), "Cs": DEFAULT_CS}


@dataclass
class TuneResult:
    best: ModelConfig  # the sweep's winner on all the data: the configuration to train
    best_macro_f1: float  # its sweep figure (optimistic)
    nested: Metrics  # out-of-fold scores of "run the sweep, train its winner": the honest figure
    picks: list[str]  # the configuration each outer fold chose
    n_configs: int


def describe(config: ModelConfig) -> str:
    return f"{config.feature_set}+{config.classifier} C={config.C:g}"


def _feature_set_figures(configs: Sequence[ModelConfig], data: Dataset) -> list[float]:
    """Grouped-CV macro-F1 of each configuration (all of one feature set, calibration off):
    the features computed once per fold, each classifier and C fitted on them."""
    from sklearn.base import clone

    from fazhi.modeling.classifiers import make_classifier

    real = data.real()
    written = data.written_rows()
    pipeline = build_pipeline(configs[0].with_(calibration="none", area=False))
    weight = data.sample_weight(configs[0].written_weight)  # the grid never varies it
    y_pred = [np.empty(len(real), dtype=object) for _ in configs]
    for train, test in folds(data.groups[real]).split(real, groups=data.groups[real]):
        fit_rows = np.concatenate([real[train], written])
        features = clone(pipeline[:-1])  # everything before the classifier
        with np.errstate(all="ignore"):
            X_train = features.fit_transform(data.X[fit_rows], data.y[fit_rows])
            X_test = features.transform(data.X[real[test]])
            for k, c in enumerate(configs):
                clf = make_classifier(c.classifier, c.C, c.class_weight, c.seed, probabilities=False)
                clf.fit(X_train, data.y[fit_rows], sample_weight=None if weight is None else weight[fit_rows])
                y_pred[k][test] = clf.predict(X_test)
    y_true = data.y[real]
    return [scores(y_true, list(p))["macro_f1"] for p in y_pred]


def best_of(configs: Sequence[ModelConfig], data: Dataset, jobs: int = 1) -> tuple[ModelConfig, float]:
    """The configuration with the best grouped-CV macro-F1 on `data` (the first of equals),
    the search's figure: calibration off."""
    from fazhi.workers import parallel

    by_features: dict[str, list[int]] = {}
    for i, c in enumerate(configs):
        by_features.setdefault(c.feature_set, []).append(i)
    groups = list(by_features.values())
    figures = [0.0] * len(configs)
    with parallel(jobs, len(groups)) as run:
        for idx, found in zip(groups, run(_feature_set_figures, [([configs[i] for i in idx], data) for idx in groups])):
            for i, f in zip(idx, found):
                figures[i] = f
    if not np.isfinite(figures).all():
        raise CorpusError(f"{data.path}: a configuration of the grid gives scores that are not numbers")
    k = max(range(len(configs)), key=lambda i: (figures[i], -i))
    return configs[k], figures[k]


def tune(
    data: Dataset, base: ModelConfig, jobs: int = 1, on_step: Callable[[], None] | None = None,
    grid: dict[str, Sequence[Any]] | None = None,
) -> TuneResult:
    """Nested grouped CV of the sweep over `grid` (default TUNE_GRID; other fields from
    `base`), then the sweep on all of `data`. on_step is called after each sweep."""
    grid = TUNE_GRID if grid is None else grid
    fixed = {k: v for k, v in base.as_params().items() if k not in ("feature_set", "classifier", "C")}
    configs = grid_configs(grid["feature_sets"], grid["classifiers"], grid["Cs"], **fixed)
    real = data.real()
    if data.groups is None or len(set(data.groups[real])) < 3:
        raise CorpusError(f"{data.path}: --tune needs at least three reports (a sweep inside each training fold)")
    written = data.written_rows()
    y_pred = np.empty(len(real), dtype=object)
    picks = []
    weight = data.sample_weight(base.written_weight)
    try:
        for train, test in folds(data.groups[real]).split(real, groups=data.groups[real]):
            rows = np.concatenate([real[train], written])
            config, _ = best_of(configs, data.subset(rows), jobs)
            picks.append(describe(config))
            model = fit(build_pipeline(config), data.X[rows], data.y[rows], data.groups[rows],
                        None if data.areas is None else data.areas[rows], None if weight is None else weight[rows])
            y_pred[test] = model.predict(data.X[real[test]])
            if on_step:
                on_step()
        best, best_f1 = best_of(configs, data, jobs)
    except ValueError as exc:  # e.g. a fold whose training part holds a single label
        raise CorpusError(f"{data.path}: cannot tune: {exc}".splitlines()[0]) from None
    if on_step:
        on_step()
    return TuneResult(best, best_f1, scores(data.y[real], y_pred), picks, len(configs))


def n_steps(data: Dataset) -> int:
    """Sweeps `tune` runs: one per outer fold (over the real reports), one on all the data."""
    groups = data.groups[data.real()]
    return folds(groups).get_n_splits(groups=groups) + 1
