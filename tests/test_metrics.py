"""fazhi.modeling.metrics: scores, calibration error, and what a confidence threshold flags."""

import numpy as np
import pytest

from fazhi.modeling.metrics import coverage, expected_calibration_error, reliability, scores


def test_perfect_calibration_has_zero_error_and_overconfidence_does_not():
    correct = np.array([1, 1, 1, 0] * 25)
    assert expected_calibration_error(correct, np.full(100, 0.75)) == pytest.approx(0.0)
    assert expected_calibration_error(correct, np.full(100, 0.95)) == pytest.approx(0.20)
    # Two bins: 0.95 confidence right 1/2 of the time, 0.55 right always.
    conf = np.array([0.95, 0.95, 0.55, 0.55])
    assert expected_calibration_error(np.array([1, 0, 1, 1]), conf) == pytest.approx(0.5 * 0.45 + 0.5 * 0.45)
    assert reliability(np.array([1, 0, 1, 1]), conf) == [(0.55, 1.0, 2), (0.95, 0.5, 2)]


def test_coverage_is_the_share_flagged_and_the_accuracy_of_the_rest():
    conf = np.array([0.59, 0.6, 0.9, 0.95])
    assert coverage(np.array([0, 1, 1, 0]), conf, 0.6) == (0.25, pytest.approx(2 / 3))


def test_scores_macro_average_over_labels_of_either_side():
    m = scores(["不足", "其他"], ["不足", "普法宣传"])
    assert list(m["per_label"]) == ["普法宣传", "不足", "其他"] and m["macro_f1"] == pytest.approx(1 / 3)
