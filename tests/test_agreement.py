"""Cohen's kappa and per-label agreement between two readings."""

import pytest

from fazhi.corpus.agreement import agreement, cohen_kappa


def test_kappa_is_one_for_identical_readings_and_zero_at_chance():
    assert cohen_kappa(["a", "b", "a"], ["a", "b", "a"]) == 1.0
    # Both readers label half "a" at random: observed 0.5 equals chance 0.5.
    assert cohen_kappa(["a", "a", "b", "b"], ["a", "b", "a", "b"]) == pytest.approx(0.0)


def test_kappa_matches_a_worked_example():
    # 50 items: 20 yes/yes, 15 no/no, 5 yes/no, 10 no/yes → po=0.7, pe=0.5 → kappa 0.4
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_agreement_counts_confusion_and_per_label_figures():
    a = ["普法宣传", "普法宣传", "不足", "其他"]
    b = ["普法宣传", "其他", "不足", "其他"]
    result = agreement(a, b)
    assert result.n == 4 and result.raw == 0.75
    assert result.confusion[("普法宣传", "其他")] == 1
    raw, kappa, n_a, n_b = result.per_label["不足"]
    assert (raw, kappa, n_a, n_b) == (1.0, 1.0, 1, 1)
    assert result.per_label["普法宣传"][2:] == (2, 1)


def test_agreement_needs_two_readings_of_the_same_sentences():
    with pytest.raises(ValueError):
        agreement(["其他"], [])
