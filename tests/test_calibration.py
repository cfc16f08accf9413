"""features.calibration: probabilities calibrated on predictions for reports the model has not seen."""

import numpy as np
import pytest

from fazhi.modeling.evaluation import cross_validate
from fazhi.modeling.model import build_pipeline, fit


@pytest.fixture(scope="module")
def corpus_data(corpus_file):
    from fazhi.corpus.dataset import read_labeled

    return read_labeled(corpus_file, require_groups=True)


def test_the_inner_folds_leave_whole_reports_out(corpus_data):
    model = fit(build_pipeline(calibration="isotonic", area=False), corpus_data.X, corpus_data.y, corpus_data.groups)
    folds = model.calibrated_.cv
    assert len(folds) == len(set(corpus_data.groups))
    for train, test in folds:
        assert len(set(corpus_data.groups[test])) == 1 and not set(corpus_data.groups[train]) & set(corpus_data.groups[test])
    proba = model.predict_proba(corpus_data.X[:50])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(model.predict(corpus_data.X[:50])) == list(model.classes_[proba.argmax(axis=1)])
    assert model.estimator_.named_steps["clf"].alpha == pytest.approx(0.1)  # the pipeline fitted on all rows


def test_calibration_brings_confidence_closer_to_accuracy_on_left_out_reports(corpus_file):
    # On the data `fazhi train` reads by default: the corpus and the written supplement
    # (scored on the real reports only). On the 606 corpus sentences alone the words +
    # chars default is as well calibrated raw (ECE 0.048 against 0.052).
    from fazhi.config import SUPPLEMENT_FILE
    from fazhi.corpus.dataset import read_labeled_files

    data = read_labeled_files([corpus_file], require_groups=True, written=[SUPPLEMENT_FILE])
    raw = cross_validate(build_pipeline(calibration="none", area=False), data, variants=False).calibration()
    calibrated = cross_validate(build_pipeline(calibration="isotonic", area=False), data, variants=False).calibration()
    assert calibrated["ece"] < raw["ece"]
