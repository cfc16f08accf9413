"""fazhi.modeling.classifiers: one table from which the CLI choices, help, sweep grid and models are derived."""

import pytest
from typer.testing import CliRunner

from fazhi.modeling.classifiers import CLASSIFIERS, c_help, make_classifier
from fazhi.cli import app
from fazhi.modeling.model import build_pipeline


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_each_classifier_has_probabilities_as_the_table_says(name):
    from sklearn.calibration import CalibratedClassifierCV

    spec = CLASSIFIERS[name]
    clf = make_classifier(name, C=2.0)
    assert isinstance(clf, CalibratedClassifierCV) == spec.calibrated
    assert hasattr(clf, "predict_proba")
    bare = make_classifier(name, C=2.0, probabilities=False)  # for a model calibrated as a whole
    assert not isinstance(bare, CalibratedClassifierCV)
    assert (getattr(bare, "class_weight", None) == "balanced") == spec.class_weights


def test_the_cli_offers_and_explains_exactly_the_table():
    runner = CliRunner()
    train_help = " ".join(runner.invoke(app, ["train", "--help"], terminal_width=300).output.split())
    sweep_help = " ".join(runner.invoke(app, ["sweep", "--help"], terminal_width=300).output.split())
    for name, spec in CLASSIFIERS.items():
        assert name in train_help and name in sweep_help
        assert f"{name}: {spec.c_means}" in c_help()
    bad = runner.invoke(app, ["train", "--classifier", "svm", "--no-track"])
    assert bad.exit_code == 2


def test_the_default_sweep_grid_covers_every_classifier():
    from fazhi.modeling.model import DEFAULT_CS, FEATURE_SETS
    from fazhi.modeling.sweep import grid_configs

    configs = grid_configs(FEATURE_SETS, CLASSIFIERS, DEFAULT_CS)
    assert {c.classifier for c in configs} == set(CLASSIFIERS)
    assert all(hasattr(build_pipeline(c), "predict_proba") for c in configs[:5])
