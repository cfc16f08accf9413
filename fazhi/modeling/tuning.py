"""`fazhi train --tune`: choose the configuration by grouped CV on the data given, and measure that choice honestly.

Defaults tuned on the five bundled reports need not suit a larger corpus that holds a
user's own reports. Tuning runs the sweep grid on the data and keeps the winner; the
winner's own sweep figure is optimistic (the best of many on the same folds), so the
choice itself is cross-validated too: in each outer fold (one report, or a group of
reports, left out) the sweep runs on the rest and its winner is scored on the report
left out. That nested figure is what tuning on this data is worth.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from fazhi.modeling.classifiers import CLASSIFIERS
from fazhi.corpus.dataset import Dataset
from fazhi.errors import CorpusError
from fazhi.modeling.evaluation import cross_validate, folds
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


def _measure(config: ModelConfig, data: Dataset) -> float:
    # Without the style-shift variants: the choice needs the macro-F1 only.
    return cross_validate(build_pipeline(config), data, variants=False).metrics["macro_f1"]


def best_of(configs: Sequence[ModelConfig], data: Dataset, jobs: int = 1) -> tuple[ModelConfig, float]:
    """The configuration with the best grouped-CV macro-F1 on `data` (the first of equals)."""
    from fazhi.workers import parallel

    with parallel(jobs, len(configs)) as run:
        figures = list(run(_measure, [(c, data) for c in configs]))
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
    if data.groups is None or len(set(data.groups)) < 3:
        raise CorpusError(f"{data.path}: --tune needs at least three reports (a sweep inside each training fold)")
    y_pred = np.empty(len(data), dtype=object)
    picks = []
    try:
        for train, test in folds(data.groups).split(data.X, data.y, data.groups):
            config, _ = best_of(configs, data.subset(train), jobs)
            picks.append(describe(config))
            model = fit(build_pipeline(config), data.X[train], data.y[train], data.groups[train])
            y_pred[test] = model.predict(data.X[test])
            if on_step:
                on_step()
        best, best_f1 = best_of(configs, data, jobs)
    except ValueError as exc:  # e.g. a fold whose training part holds a single label
        raise CorpusError(f"{data.path}: cannot tune: {exc}".splitlines()[0]) from None
    if on_step:
        on_step()
    return TuneResult(best, best_f1, scores(data.y, y_pred), picks, len(configs))


def n_steps(data: Dataset) -> int:
    """Sweeps `tune` runs: one per outer fold, one on all the data."""
    return folds(data.groups).get_n_splits(groups=data.groups) + 1
