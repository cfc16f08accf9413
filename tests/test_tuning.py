"""`--tune`: the sweep's winner on the data, and a nested grouped-CV figure for that choice."""

import numpy as np
import pytest

from fazhi.corpus.dataset import read_labeled
from fazhi.errors import CorpusError
from fazhi.modeling.evaluation import cross_validate, folds
from fazhi.modeling.metrics import scores
from fazhi.modeling.model import DEFAULTS, build_pipeline, fit
from fazhi.modeling.sweep import grid_configs, run_grid
from fazhi.modeling.tuning import describe, n_steps, tune

GRID = {"feature_sets": ["chars"], "classifiers": ["complementnb"], "Cs": [0.3, 3.0, 30.0]}  # quick to fit
BASE = DEFAULTS.with_(calibration="none")  # uncalibrated: the sweeps stay quick


@pytest.fixture(scope="module")
def data(small_corpus):
    return read_labeled(small_corpus, require_groups=True, strict=True)


def test_tune_picks_the_sweep_winner_and_scores_the_choice_out_of_fold(data):
    steps = []
    result = tune(data, BASE, grid=GRID, on_step=lambda: steps.append(1))
    configs = grid_configs(GRID["feature_sets"], GRID["classifiers"], GRID["Cs"], calibration="none")
    rows, _ = run_grid(configs, data)  # the sweep ranks the same configurations alike
    assert describe(result.best) == f"{rows[0]['feature_set']}+{rows[0]['classifier']} C={rows[0]['C']:g}"
    assert result.best_macro_f1 == rows[0]["macro_f1"] and result.n_configs == 3
    assert len(steps) == n_steps(data) == 4 and len(result.picks) == 3
    # The nested figure, by hand: each report scored by the winner of a sweep without it.
    y_pred = np.empty(len(data), dtype=object)
    for train, test in folds(data.groups).split(data.X, data.y, data.groups):
        inner = data.subset(train)
        figures = [cross_validate(build_pipeline(c), inner, variants=False).metrics["macro_f1"] for c in configs]
        config = configs[figures.index(max(figures))]
        y_pred[test] = fit(build_pipeline(config), data.X[train], data.y[train], data.groups[train]).predict(data.X[test])
    assert result.nested == scores(data.y, y_pred)


def test_tune_needs_three_reports(data):
    two = data.subset(np.flatnonzero(data.groups != sorted(set(data.groups))[0]))
    with pytest.raises(CorpusError, match="at least three reports"):
        tune(two, BASE, grid=GRID)


def test_the_search_weighs_written_rows_as_training_does(data):
    # A copy of one report's rows stands in for written rows: they train in every fold,
    # are never scored, and count `written_weight` times, in tune's search as in the sweep.
    from fazhi.corpus.dataset import Dataset

    copy = np.flatnonzero(data.groups == sorted(set(data.groups))[0])
    rows = np.concatenate([np.arange(len(data)), copy])
    part = data.subset(rows)
    written = Dataset(part.X, part.y, np.concatenate([data.groups, np.full(len(copy), "written")]), part.positions,
                      part.headings, part.path, part.sha256, part.files, part.areas, np.arange(len(rows)) >= len(data))
    figures = {}
    for weight in (1.0, 8.0):
        configs = grid_configs(GRID["feature_sets"], GRID["classifiers"], GRID["Cs"], calibration="none", written_weight=weight)
        swept, _ = run_grid(configs, written)
        figures[weight] = tune(written, BASE.with_(written_weight=weight), grid=GRID).best_macro_f1
        assert figures[weight] == swept[0]["macro_f1"]
    assert figures[1.0] != figures[8.0]
