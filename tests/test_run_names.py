"""Run names say what a run is: a sweep by its grid, a configuration by its settings, an evaluation by model and data."""

import pytest

from fazhi.modeling.classifiers import CLASSIFIERS
from fazhi.modeling.model import DEFAULT_CS
from fazhi.tracking.names import child_name, evaluation_name, sweep_name
from fazhi_features import FEATURE_SETS


def test_the_default_sweep_is_named_by_counts_and_range():
    grid = {"features": list(FEATURE_SETS), "classifiers": list(CLASSIFIERS), "C": list(DEFAULT_CS), "section": True}
    cs = sorted(DEFAULT_CS)
    assert sweep_name(grid) == (f"sweep-{'+'.join(FEATURE_SETS)}-{len(CLASSIFIERS)} classifiers-"
                                f"C{cs[0]:g}..{cs[-1]:g}-section")


def test_a_small_sweep_lists_its_values():
    grid = {"features": ["chars"], "classifiers": ["sgd", "ridge"], "C": [10.0, 0.5], "section": False}
    assert sweep_name(grid) == "sweep-chars-sgd+ridge-C0.5+10"
    assert child_name({"feature_set": "chars", "classifier": "sgd", "C": 0.5, "section": True}) == "chars-sgd-C0.5-section"


@pytest.mark.parametrize(
    ("model", "name"),
    [
        ("/p/models/chars-complementnb-20260101-120000/model.joblib", "eval-chars-complementnb-20260101-120000-on-test.csv"),
        ("/p/elsewhere/mine.joblib", "eval-mine-on-test.csv"),
        ("models:/fazhi-sentence@champion", "eval-fazhi-sentence@champion-on-test.csv"),
        ("runs:/0123456789abcdef/model", "eval-run-01234567-on-test.csv"),
    ],
)
def test_an_evaluation_is_named_by_model_and_data_file(model, name):
    assert evaluation_name(model, "/data/2024/test.csv") == name
